# top-level folder proj whose .git file says "gitdir: ../evil " (trailing space): git keeps the space, coi strips it
cd "$WS"; mkdir proj && git init -q --bare "evil " && git --git-dir="evil " config core.bare false && git --git-dir="evil " config core.fsmonitor "touch $MARK; false" && printf 'gitdir: ../evil \n' > proj/.git
