# top-level folder proj that git takes for a git folder by HEAD + commondir (objects/refs live in the commondir); the commondir .c has no HEAD, so coi never finds it; its hooks run
cd "$WS"; git init -q --bare .c && t=$(git --git-dir=.c mktree </dev/null) && c=$(git --git-dir=.c commit-tree -m x $t) && git --git-dir=.c update-ref refs/heads/main $c && rm .c/HEAD
mkdir proj && echo 'ref: refs/heads/main' > proj/HEAD && echo ../.c > proj/commondir
printf '#!/bin/sh\ntouch %s\n' "$MARK" > .c/hooks/reference-transaction; chmod +x .c/hooks/reference-transaction
printf '[core]\n\trepositoryformatversion = 0\n\tbare = true\n\tpager = touch %s; cat\n' "$MARK" > .c/config
