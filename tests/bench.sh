#!/bin/sh
# make bench: how fast the simulator is. Prints numbers, asserts nothing (speed is measured,
# never tested). For each scenario of the catalog: wall time of `tcpsim run` (best of N runs,
# Graphviz rendering excluded), virtual time simulated, events traced, and the ratio of virtual
# to wall time. Then the whole catalog.
set -eu
TCPSIM=${TCPSIM:-build/tcpsim}
RUNS=${BENCH_RUNS:-3}
OUT=$(mktemp -d /tmp/tcpsim-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
NODOT=$(mktemp -d /tmp/tcpsim-nodot-XXXXXX)   # an empty PATH entry: no `dot`, no svg
trap 'rm -rf "$OUT" "$NODOT"' EXIT

now_ns() { date +%s%N; }

best_of() {   # best wall time in microseconds of running "$@" RUNS times
  best=
  i=0
  while [ $i -lt "$RUNS" ]; do
    t0=$(now_ns); "$@" >/dev/null 2>&1 || true; t1=$(now_ns)
    us=$(( (t1 - t0) / 1000 ))
    if [ -z "$best" ] || [ $us -lt $best ]; then best=$us; fi
    i=$((i + 1))
  done
  echo "$best"
}

printf '%-34s %10s %14s %9s %14s\n' scenario "wall (ms)" "virtual (s)" events "virtual/wall"
for id in $("$TCPSIM" list | awk '{print $1}'); do
  us=$(best_of env PATH="$NODOT" "$TCPSIM" run "$id" --out "$OUT")
  last=$(tail -n 1 "$OUT/$id/timeline.jsonl")
  virt_us=$(printf '%s\n' "$last" | sed -n 's/.*"t_us":\([0-9]*\).*/\1/p')
  events=$(($(wc -l < "$OUT/$id/timeline.jsonl") - 1))
  ratio=$(awk -v v="${virt_us:-0}" -v w="$us" 'BEGIN { printf "%.0f", (w > 0 ? v / w : 0) }')
  printf '%-34s %10.1f %14.3f %9d %13sx\n' "$id" "$(awk -v u="$us" 'BEGIN{print u/1000}')" \
    "$(awk -v v="${virt_us:-0}" 'BEGIN{print v/1000000}')" "$events" "$ratio"
done
us=$(best_of env PATH="$NODOT" "$TCPSIM" all --out "$OUT")
printf '%-34s %10.1f\n' "whole catalog (tcpsim all)" "$(awk -v u="$us" 'BEGIN{print u/1000}')"
