# top-level folder whose name is not UTF-8, a repository with fsmonitor (what an editor opens by itself); no gitlink
cd "$WS"; N="$(printf 'x\377')"; mkdir "$N" && cd "$N" && git init -q && git config core.fsmonitor "touch $MARK; false"
