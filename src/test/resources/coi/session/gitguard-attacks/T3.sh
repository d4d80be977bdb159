# top-level folder proj, a git folder itself (B's bare repo with a worktree), with its objects folder a link: git's access(objects, X_OK) follows it, coi's existing("objects") does not, so proj is not taken for a git folder
cd "$WS"; mkdir proj && cd proj && git init -q --bare . && git config core.bare false && git config core.worktree . && git config core.fsmonitor "touch $MARK; false"
mv objects ../.o && ln -s ../.o objects
