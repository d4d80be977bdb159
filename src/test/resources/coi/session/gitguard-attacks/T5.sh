# gitlink sub (a UTF-8 name) whose .git file points to a git folder whose path is not UTF-8: coi decodes the pointer to U+FFFD, finds nothing there (NOWHERE) and says nothing
cd "$WS"; N="$(printf 'x\377')"; mkdir -p d sub && cd sub && git init -q --separate-git-dir "../d/$N" && git commit -q --allow-empty -m i && git config core.fsmonitor "touch $MARK; false" && cd .. && git add sub 2>/dev/null && git commit -qm s
cat sub/.git
