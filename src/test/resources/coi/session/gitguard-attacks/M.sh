# a gitlink (and a top-level folder) whose name is not valid UTF-8
cd "$WS"; N="$(printf 'x\377')"; mkdir "$N" && cd "$N" && git init -q && git commit -q --allow-empty -m i && echo f > f && git add f && git commit -qm f && git config core.fsmonitor "touch $MARK; false" && cd "$WS" && git add "$N" 2>/dev/null && git commit -qm n
