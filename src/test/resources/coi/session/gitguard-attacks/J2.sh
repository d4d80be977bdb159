# submodule gitdir .git/modules/lib replaced by a link to a git folder elsewhere in the workspace, with a post-checkout hook; worktree pointer removed
cd "$WS"; rm -rf "$HOME/up"; git init -q "$HOME/up" && git -C "$HOME/up" commit -q --allow-empty -m u
git -c protocol.file.allow=always submodule add -q "$HOME/up" lib && git commit -qm sub
git config --remove-section submodule.lib
mkdir hide && mv .git/modules/lib hide/evil && ln -s ../../hide/evil .git/modules/lib
H=hide/evil/hooks/post-checkout; printf '#!/bin/sh\ntouch %s\n' "$MARK" > $H; chmod +x $H; rm -rf lib; mkdir lib
