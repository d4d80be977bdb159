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
  printf '%s\n' "${times[@]}" | median
}

# The median of the numbers on stdin, one per line (of an even count: the mean of the middle two, rounded down).
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

# The script `coi build custom --script` runs to put the tests' fake AI into an image; with `quiet`,
# then the coi image's quiet boot (quiet-boot.sh, run on the image's own root). Run from the checkout's top.
# Usage: fake_ai_script [quiet] > FILE
fake_ai_script() {
  echo "set -e"; echo "cat > /usr/local/bin/fake-ai <<'COI_FAKE_AI_EOF'"; cat src/main/resources/coi/tool/fake-ai
  echo "COI_FAKE_AI_EOF"; echo "chmod 755 /usr/local/bin/fake-ai"
  [ "${1:-}" != quiet ] || sed 's/^set -euo pipefail$//' src/main/resources/coi/image/quiet-boot.sh
}

# Waits for the fake AI's prompt on tmux session SESSION of server SOCKET (tmux -L); a minute
# without it fails the bench (exit from the caller's shell, with the screen on stderr).
# Usage: await_prompt SOCKET SESSION
await_prompt() {
  local deadline=$(( $(date +%s) + 60 ))
  until tmux -L "$1" capture-pane -p -t "$2" 2>/dev/null | grep -q '^fake-ai>'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: no prompt on $2 within 60 s:" >&2; tmux -L "$1" capture-pane -p -t "$2" >&2 || true; exit 1; }
    sleep 0.02
  done
}

# Starts the fake AI in tmux as code in running container NAME (`incus exec -t`, cwd /workspace), on a
# terminal of tmux server SOCKET (its session f), and waits for its prompt there; the caller ends session f.
# Usage: tool_on_terminal SOCKET NAME
tool_on_terminal() {
  tmux -L "$1" new-session -d -s f -x 200 -y 50 "incus exec -t $2 --user 1000 --group 1000 --cwd /workspace --env HOME=/home/code -- tmux new-session -A -s floor bash -lc 'fake-ai; exec bash -l'; sleep 600"
  await_prompt "$1" f
}

# ms from `incus create` of a container of IMAGE with the workspace WS as a disk, through its start,
# to the fake AI's prompt in tmux on a terminal (`incus exec -t` as code, on tmux server SOCKET):
# what a cold shell cannot avoid (no fence, no home, no session state). The container is named
# NAME_PREFIXfloor-<random> and deleted after.
# Usage: cold_floor IMAGE WS SOCKET NAME_PREFIX
cold_floor() {
  local image=$1 ws=$2 socket=$3 name=${4}floor-$RANDOM t0 t1
  t0=$(date +%s%N)
  incus create "$image" "$name" -q >/dev/null
  incus config device add "$name" workspace disk source="$ws" path=/workspace shift=true >/dev/null
  incus start "$name"
  tool_on_terminal "$socket" "$name"
  t1=$(date +%s%N)
  tmux -L "$socket" kill-session -t f
  incus delete -f "$name" >/dev/null
  echo $(( (t1 - t0) / 1000000 ))
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
