# the user's repository uses per-worktree config (extensions.worktreeConfig, as `git sparse-checkout` and worktree setups set); agent writes .git/config.worktree
cd "$WS"; printf '[core]\n\tfsmonitor = "touch %s; false"\n' "$MARK" > .git/config.worktree
