# top-level folder proj whose .git file has a NUL after the path: git reads up to the NUL, coi's Path.of throws
cd "$WS"; mkdir proj && git init -q --bare evil && git --git-dir=evil config core.bare false && git --git-dir=evil config core.fsmonitor "touch $MARK; false" && printf 'gitdir: ../evil\0x\n' > proj/.git
