# top-level .git/commondir -> .git/x
cd "$WS"; mkdir .git/x && cp -a .git/objects .git/refs .git/x/ && printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch %s; false"\n' "$MARK" > .git/x/config && printf x > .git/commondir
