# control: mtime set back (touch -d, as cp -a would); the check should still move it
cd "$WS"; mkdir proj && cd proj && git init -q && git config core.fsmonitor "touch $MARK; false" && touch -d 2001-01-01 .git/config && stat -c 'mtime=%y ctime=%z' .git/config
