# bare repo in top-level folder with core.worktree
cd "$WS"; mkdir sub && cd sub && git init -q --bare . && git config core.bare false && git config core.worktree . && git config core.fsmonitor "touch $MARK; false"
