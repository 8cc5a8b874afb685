#!/bin/sh
# determinism.sh OUTDIR TCPSIM...
# Runs the whole catalog (`tcpsim all`, then scenarios/pkt/*.pkt) with each tcpsim given
# (builds made with different compiler flags) and once more with the first, and fails unless
# every output file is byte-identical across all of them; then runs the catalog with other seeds (SEEDS, default
# "2 12345") and fails unless every scenario passes its expectations with each (they are
# written to hold for any seed). The runs are independent: JOBS of them (default: the number
# of CPUs) go at once, and their reports come out in a fixed order.
# On a difference it prints the differing files and the first differing lines of a few.
set -u
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR TCPSIM..." >&2; exit 2; }
outdir=$1; shift
SEEDS=${SEEDS:-2 12345}
status=0
rm -rf "$outdir"; mkdir -p "$outdir"

# run_catalog NAME TCPSIM [ARGS...]: the catalog into $outdir/NAME (the packetdrill-style
# scripts of scenarios/pkt into NAME/pkt), its table in NAME.log, its one-line report in
# NAME.report and a failure mark NAME.failed
run_catalog() {
  run=$1 prog=$2; shift 2
  if "$prog" all --out "$outdir/$run" "$@" >"$outdir/$run.log" 2>&1 &&
     "$prog" check scenarios/pkt/*.pkt --out "$outdir/$run/pkt" "$@" >>"$outdir/$run.log" 2>&1; then
    echo "  RUN     $prog all --out $outdir/$run${*:+ $*}" >"$outdir/$run.report"
  else
    { echo "  FAIL    $prog all --out $outdir/$run${*:+ $*} (exit $?); all but its ok lines:"
      grep -vE '^[^ ]+ +ok ' "$outdir/$run.log" | sed 's/^/    /' | head -n 40
    } >"$outdir/$run.report"
    : >"$outdir/$run.failed"
  fi
}

# Runs started with `start` go JOBS at a time; `finish` waits for them all and prints their
# reports in the order they were started.
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
started="" running=0
start() {
  if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
  run_catalog "$@" &
  running=$((running + 1)) started="$started $1"
}
finish() {
  wait; running=0
  for run in $started; do
    cat "$outdir/$run.report"
    [ ! -e "$outdir/$run.failed" ] || status=1
  done
  started=""
}

# show_first_differences A B: what differs between two output trees, readably and briefly
show_first_differences() {
  diff -rq "$1" "$2" | sed 's/^/    /' | head -n 20
  diff -rq "$1" "$2" | sed -n 's/^Files \(.*\) and \(.*\) differ$/\1 \2/p' | head -n 3 |
  while read -r a b; do
    if grep -Iq . "$a" 2>/dev/null; then        # text: show lines, else the first byte
      echo "    --- first difference in $a"
      diff -u "$a" "$b" | sed -n '3,10p' | sed 's/^/    /'
    else
      echo "    --- $(cmp "$a" "$b" 2>&1 | head -n 1)"
    fi
  done
}

# compare REF NAME: NAME's outputs must equal REF's byte for byte
compare() {
  if diff -rq "$outdir/$1" "$outdir/$2" >/dev/null 2>&1; then
    echo "  SAME    $2 = $1 ($(find "$outdir/$2" -type f | wc -l) files)"
  else
    echo "  DIFFER  $2 != $1:"
    show_first_differences "$outdir/$1" "$outdir/$2"
    status=1
  fi
}

# label TCPSIM: the name of its build directory (build/O0/tcpsim -> O0)
label() { basename "$(dirname "$1")"; }

first_bin=$1 first=$(label "$1")
for bin in "$@"; do start "$(label "$bin")" "$bin"; done
start "$first-again" "$first_bin"
for seed in $SEEDS; do start "$first-seed$seed" "$first_bin" --seed "$seed"; done
finish

compare "$first" "$first-again"
shift
for bin in "$@"; do compare "$first" "$(label "$bin")"; done

# Another seed must change the runs (ports, ISNs: else passing proves nothing) and every
# scenario must still pass.
for seed in $SEEDS; do
  changed=$(diff -rq "$outdir/$first" "$outdir/$first-seed$seed" | wc -l)
  echo "          --seed $seed: $changed files differ from the default seed's"
  [ "$changed" -gt 0 ] || { echo "  FAIL    --seed $seed changed nothing"; status=1; }
done

if [ "$status" = 0 ]; then echo "determinism: ok"; else echo "determinism: FAILED"; fi
exit $status
