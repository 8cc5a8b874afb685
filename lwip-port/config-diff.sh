#!/bin/sh
# config-diff.sh DEFAULT_TCPSIM CUSTOM_TCPSIM OUTDIR [LABEL]
# Runs the whole catalog with two tcpsim builds (the default lwIP options and a user's, made
# with make LWIPOPTS=file) and prints, per scenario, whether its outcome differs and how:
#   - the result (ok / FAILED / DEADLOCK ...) when it changed,
#   - each expectation whose verdict changed, with its line and message,
#   - the decisive events that differ: socket call results, signals and process ends, in order
#     per run, without their times (a changed window or timer moves every timestamp; what the
#     program saw is what decides).
# Outputs of both runs stay in OUTDIR/default and OUTDIR/custom. Exit status 0 when every
# outcome is the same, 1 when some differ, 2 when the catalog cannot be listed.
set -u
def=$1 cus=$2 out=$3 label=${4:-custom}
rm -rf "$out" && mkdir -p "$out/default" "$out/custom" || exit 2
ids=$("$def" list | awk '{print $1}') || exit 2
[ -n "$ids" ] || { echo "config-diff: the catalog is empty" >&2; exit 2; }

# verdict <exit status>
verdict() {
  case $1 in 0) echo ok ;; 1) echo FAILED ;; 2) echo "bad input (exit 2)" ;; *) echo "error (exit $1)" ;; esac
}
# expects <timeline>: "line N: ... ok|FAILED" keyed by line, one per expectation
expects() {
  sed -n 's/^ *[0-9.]*  expect   \(ok\|FAILED\) *\(line [0-9]*: .*\)$/\2	\1/p' "$1" 2>/dev/null
}
# decisive <timeline>: calls, signals and process ends without their times, grouped by process
# (in order within each), so that processes interleaving differently is no difference
decisive() {
  awk '$3 == "call" || $3 == "signal" || $3 == "proc" { $1 = ""; sub(/^ /, ""); print }' "$1" 2>/dev/null |
    sed 's/  *(blocked since [0-9.]*)$//' | sort -s -k1,1 -k3,3
}

same=0 differ=0
echo "config diff: lwIP options from $label against the default (lwip-port/lwipopts.h)"
for id in $ids; do
  "$def" check "$id" --out "$out/default" >"$out/default/$id.log" 2>&1; rd=$?
  "$cus" check "$id" --out "$out/custom" >"$out/custom/$id.log" 2>&1; rc=$?
  dt=$out/default/$id/timeline.txt ct=$out/custom/$id/timeline.txt
  expects "$dt" | sort -k2,2n >"$out/e.default"; expects "$ct" | sort -k2,2n >"$out/e.custom"
  decisive "$dt" >"$out/d.default"; decisive "$ct" >"$out/d.custom"
  changed_expects=$(diff "$out/e.default" "$out/e.custom" | sed -n 's/^> \(.*\)	\(.*\)$/\2: \1/p')
  changed_events=$(diff -U0 "$out/d.default" "$out/d.custom" | grep -E '^[-+][^-+]')
  if [ "$rd" = "$rc" ] && [ -z "$changed_expects" ] && [ -z "$changed_events" ]; then
    same=$((same + 1)); echo "  same      $id"; continue
  fi
  differ=$((differ + 1))
  echo "  DIFFERS   $id: $(verdict "$rd") -> $(verdict "$rc")"
  [ -n "$changed_expects" ] && printf '%s\n' "$changed_expects" | sed 's/^/      expect /'
  if [ -n "$changed_events" ]; then
    echo "      decisive events (- default, + $label):"
    printf '%s\n' "$changed_events" | head -n 12 | sed 's/^/      /'
    n=$(printf '%s\n' "$changed_events" | wc -l)
    [ "$n" -gt 12 ] && echo "      ... $((n - 12)) more (diff $out/default/$id $out/custom/$id)"
  fi
  if [ ! -f "$ct" ]; then sed 's/^/      | /' "$out/custom/$id.log" | head -n 8; fi
done
rm -f "$out/e.default" "$out/e.custom" "$out/d.default" "$out/d.custom"
echo "$same same, $differ differ (outputs in $out/default and $out/custom)"
[ "$differ" = 0 ]
