# the user's linked worktree OUTSIDE the workspace ($HOME/wt2) has its git folder in ws/.git/worktrees/wt2: agent repoints its commondir
cd "$WS"; mkdir .git/x && cp -a .git/objects .git/refs .git/x/ && printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch %s; false"\n' "$MARK" > .git/x/config && printf '../../x\n' > .git/worktrees/wt2/commondir
