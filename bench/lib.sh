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
