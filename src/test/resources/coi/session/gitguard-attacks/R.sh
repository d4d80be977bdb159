# top-level repo proj with fsmonitor; the 99 names coi would move its config to are taken first
cd "$WS"; mkdir proj && cd proj && git init -q && git config core.fsmonitor "touch $MARK; false" && touch .git/config.coi-quarantined && for n in $(seq 2 99); do touch .git/config.coi-quarantined-$n; done
