# top-level repo proj whose core.worktree (SAFE) points into ws/.git/w ; gitlink inner there
cd "$WS"; mkdir -p proj .git/w/inner && cd proj && git init -q && cd ../.git/w/inner && git init -q && echo i>f && git add f && git commit -qm i && git config core.fsmonitor "touch $MARK; false"
cd "$WS/proj" && git config core.worktree ../../.git/w && git -C "$WS/.git/w" --git-dir="$WS/proj/.git" --work-tree="$WS/.git/w" add inner 2>/dev/null && git -C "$WS/.git/w" --git-dir="$WS/proj/.git" --work-tree="$WS/.git/w" commit -qm in
