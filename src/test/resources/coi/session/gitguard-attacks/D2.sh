# user's submodule sub; agent sets core.worktree (SAFE) in .git/modules/sub/config to ../../w and adds a gitlink there to a repo inside .git/w
cd "$WS"; rm -rf "$HOME/up"; git init -q "$HOME/up" && git -C "$HOME/up" commit -q --allow-empty -m u
git -c protocol.file.allow=always submodule add -q "$HOME/up" sub && git commit -qm sub
sleep 0
mkdir -p .git/w/inner && (cd .git/w/inner && git init -q && git commit -q --allow-empty -m i && git config core.fsmonitor "touch $MARK; false")
git --git-dir=.git/modules/sub config core.worktree ../../w
git -C .git/w --git-dir="$WS/.git/modules/sub" --work-tree="$WS/.git/w" add inner 2>/dev/null
