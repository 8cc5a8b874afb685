#!/bin/sh
# A changed lwIP timing option must read as a regression (issue 14, "Done when"): for each
# tests/lwipopts/<name>.h that changes TCP_MSL, TCP_MAXRTX or TCP_SYNMAXRTX, tcpsim built with
# it (make LWIPOPTS=..., into build/opt-<name>) must
#   - fail `tcpsim check` on the catalog (exit 1) with exactly the one-line failures listed in
#     tests/lwipopts/<name>.check (each "file:line:col: expectation failed: ...; got: ..."),
#   - and `tcpsim diff <default run> <changed run>` must explain each failing scenario (exit 1):
#     its first lines say where the runs diverge and what lasted how long now and before
#     ("... lasted 60.244000 s, was 120.244000 s"), and its whole report is exactly
#     tests/lwipopts/<name>.diff.
# Usage: tests/option-regressions.sh DEFAULT_TCPSIM BUILD_ROOT NAME...
# (BUILD_ROOT/opt-<name>/tcpsim for each NAME). UPDATE=1 rewrites the expected files instead
# (review their diff before committing, as with make golden). Exit 0 when all hold, else 1.
set -u
HEAD_LINES=3
default=$1 root=$2
shift 2
work=$root/option-regressions
rm -rf "$work"
mkdir -p "$work"
ids=$(for f in scenarios/*.scn; do basename "$f" .scn; done)
# shellcheck disable=SC2086  # ids are [a-z0-9-]+ words
"$default" check $ids --out "$work/default" >/dev/null 2>&1
status=0

# compare <expected file> <actual file> <what>
compare() {
  if [ "${UPDATE:-}" = 1 ]; then
    cp "$2" "$1"
    echo "option-regressions: wrote $1"
  elif ! diff -u "$1" "$2"; then
    echo "option-regressions: FAIL: $3 differs from $1 (above)"
    status=1
  fi
}

for name in "$@"; do
  tcpsim=$root/opt-$name/tcpsim
  # shellcheck disable=SC2086
  "$tcpsim" check $ids --out "$work/$name" >"$work/$name.stdout" 2>"$work/$name.stderr"
  rc=$?
  if [ $rc -ne 1 ]; then
    echo "option-regressions: FAIL: $name: tcpsim check exited $rc, expected 1 (a failed expectation)"
    status=1
  fi
  grep ': expectation failed: ' "$work/$name.stderr" >"$work/$name.check"
  if grep -v -e ': expectation failed: .*; got: ' -e '^replay: ' "$work/$name.stderr" | grep -q .; then
    echo "option-regressions: FAIL: $name: a failure is not one line:"
    cat "$work/$name.stderr"
    status=1
  fi
  compare "tests/lwipopts/$name.check" "$work/$name.check" "$name: the failed expectations"
  : >"$work/$name.diff"
  for id in $(sed -n 's/^scenarios\/\([a-z0-9-]*\)\.scn:.*/\1/p' "$work/$name.check" | uniq); do
    "$default" diff "$work/default/$id" "$work/$name/$id" >"$work/$name.$id.diff" 2>&1
    rc=$?
    if [ $rc -ne 1 ] || ! head -n 1 "$work/$name.$id.diff" | grep -q '^first divergence: ' ||
       ! head -n $HEAD_LINES "$work/$name.$id.diff" | grep -qE ' (lasted|blocked) .*, was '; then
      echo "option-regressions: FAIL: $name: diff of $id (exit $rc) does not open with the first divergence and a duration:"
      head -n $HEAD_LINES "$work/$name.$id.diff"
      status=1
    fi
    { echo "== $id"; cat "$work/$name.$id.diff"; } >>"$work/$name.diff"
  done
  compare "tests/lwipopts/$name.diff" "$work/$name.diff" "$name: tcpsim diff"
  [ $status -eq 0 ] && echo "option-regressions: $name: $(wc -l <"$work/$name.check") expectations fail, each explained by tcpsim diff"
done
exit $status
