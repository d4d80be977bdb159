# Shared helpers for the benchmarks: median wall time of repeated runs, in milliseconds.
# Usage: median_ms RUNS command args...   (output of the command is discarded)
median_ms() {
  local runs=$1; shift
  local times=() i t0 t1
  "$@" >/dev/null 2>&1 || true   # warm-up: page cache, daemon caches
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Removes folders a bench made (a HOME for coi, a workspace) on its way out. coi's background
# processes started with such a HOME (the supervisor, the waiter it execs into, pool fills,
# `__reap` helpers) outlive the bench and would write into it again after it is gone (a lock
# file, the watcher log): they are stopped first, by pid, found by their HOME in /proc/PID/environ.
# A protected view a killed launch left mounted is unmounted (lazily, its own mount point only)
# before the folder goes: rm would go through it into the workspace, and fail on the mount.
# Usage: bench_remove DIR...   (empty or missing names are skipped)
bench_remove() {
  local dir home pids view round
  for dir in "$@"; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    home="HOME=${dir//./\\.}(/.*)?"
    for round in $(seq 1 50); do
      pids=$(grep -lzxE "$home" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | grep -vx -e "$$" -e "${BASHPID:-$$}" || true)
      [ -n "$pids" ] || break
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null || true
      sleep 0.1
    done
    for view in "$dir"/.coi/views/*/ "$dir"/*/.coi/views/*/; do
      [ -d "$view" ] && mountpoint -q "$view" && umount --lazy "$view"
    done
    rm -rf "$dir"
  done
}
