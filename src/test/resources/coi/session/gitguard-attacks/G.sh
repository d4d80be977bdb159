# top-level folder proj whose .git file says gitdir: link/../evil, link -> ../hide/a ; git resolves to ws/hide/evil, coi lexically to proj/evil
cd "$WS"; mkdir -p proj hide/a && ln -s ../hide/a proj/link && git init -q --bare hide/evil && git --git-dir=hide/evil config core.bare false && git --git-dir=hide/evil config core.fsmonitor "touch $MARK; false" && echo 'gitdir: link/../evil' > proj/.git
