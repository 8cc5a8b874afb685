#!/bin/sh
# Runs every test binary given, then prints one closing line "N passed, N failed" counting
# the cmocka tests of all binaries. Exit status 1 if any test or binary failed.
# Binaries run $JOBS at a time (default: the number of CPUs); their reports come out in the
# order given, whatever order they finish in, so the log reads the same on every run.
# Quiet by default: one line per binary with its wall seconds, and the whole output of a
# binary that failed; V=1 prints every binary's output. $TEST_RUNNER, if set, is a command
# each binary runs under (make test-valgrind). CMOCKA_MESSAGE_OUTPUT picks cmocka's format and
# the totals are counted in it: STDOUT (default), TAP, SUBUNIT, or XML (JUnit files in
# $JUNIT_DIR, default build/junit, one per binary and group: <binary>-<group>.xml).
passed=0 failed=0 status=0
format=$(printf '%s' "${CMOCKA_MESSAGE_OUTPUT:-STDOUT}" | tr '[:lower:]' '[:upper:]')
junit=${JUNIT_DIR:-build/junit}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$format" = XML ] && mkdir -p "$junit"
results=$(mktemp -d "${TMPDIR:-/tmp}/tcpsim-run-tests-XXXXXX") || exit 1
trap 'rm -rf "$results"' EXIT
trap 'exit 130' INT TERM
export format junit results

# count <output> <name>: sets p and f, the passed and failed tests of one binary
count() {
  case $format in
  TAP)
    p=$(printf '%s\n' "$1" | grep -c '^ok ')
    f=$(printf '%s\n' "$1" | grep -c '^not ok ') ;;
  SUBUNIT)
    p=$(printf '%s\n' "$1" | grep -c '^success:')
    f=$(printf '%s\n' "$1" | grep -cE '^(failure|error):') ;;
  XML)
    p=0 f=0
    for x in "$junit/$2"-*.xml; do
      [ -f "$x" ] || continue
      set -- $(sed -n 's/.*<testsuite .*tests="\([0-9]*\)" failures="\([0-9]*\)" errors="\([0-9]*\)" skipped="\([0-9]*\)".*/\1 \2 \3 \4/p' "$x")
      while [ $# -ge 4 ]; do
        p=$((p + $1 - $2 - $3 - $4)); f=$((f + $2 + $3)); shift 4
      done
    done ;;
  *)
    p=$(printf '%s\n' "$1" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$1" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1) ;;
  esac
  p=${p:-0} f=${f:-0}
}

# One binary, started by xargs: its output goes to $results/<i>.out, its status to <i>.rc.
run_one='
  i=$1 t=$2 name=$(basename "$2")
  if [ "$format" = XML ]; then
    rm -f "$junit/$name"-*.xml
    export CMOCKA_XML_FILE="$junit/$name-%g.xml"
  fi
  start=$(date +%s)
  ${TEST_RUNNER:-} "$t" >"$results/$i.out" 2>&1
  echo $? >"$results/$i.rc"
  echo $(($(date +%s) - start)) >"$results/$i.seconds"'

i=0
for t in "$@"; do i=$((i + 1)); printf '%s\n%s\n' "$i" "$t"; done |
  xargs -n 2 -P "$jobs" sh -c "$run_one" run-one

i=0
for t in "$@"; do
  i=$((i + 1))
  name=$(basename "$t")
  out=$(cat "$results/$i.out" 2>/dev/null)
  rc=$(cat "$results/$i.rc" 2>/dev/null || echo 127)
  secs=$(cat "$results/$i.seconds" 2>/dev/null || echo '?')
  count "$out" "$name"
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1; failed=$((failed + 1))
  fi
  if [ "$rc" != 0 ]; then
    status=1
    printf '  FAIL    %s (%s passed, %s failed, exit status %s, %s s)\n' "$name" "$p" "$f" "$rc" "$secs"
    printf '%s\n' "$out"
  elif [ "${V:-0}" = 1 ]; then
    printf '%s\n' "$out"
  else
    printf '  PASS    %s (%s, %s s)\n' "$name" "$p" "$secs"
  fi
done
echo
echo "$passed passed, $failed failed"
exit $status
