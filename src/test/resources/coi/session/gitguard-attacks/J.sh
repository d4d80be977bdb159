# submodule gitdir named a/b/c/d/e/f/g/h/i/j (10 levels; coi stops at 8) with a post-checkout hook; worktree pointer removed
cd "$WS"; rm -rf "$HOME/up"; git init -q "$HOME/up" && git -C "$HOME/up" commit -q --allow-empty -m u
git -c protocol.file.allow=always submodule add -q --name a/b/c/d/e/f/g/h/i/j "$HOME/up" lib && git commit -qm sub
git config --remove-section submodule.a/b/c/d/e/f/g/h/i/j
H=.git/modules/a/b/c/d/e/f/g/h/i/j/hooks/post-checkout; printf '#!/bin/sh\ntouch %s\n' "$MARK" > $H; chmod +x $H; rm -rf lib; mkdir lib
