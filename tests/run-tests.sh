#!/bin/sh
# Runs every test binary given, then prints one closing line "N passed, N failed" counting
# the cmocka tests of all binaries. Exit status 1 if any test or binary failed.
# $TEST_RUNNER, if set, is a command each binary runs under (make test-valgrind).
passed=0 failed=0 status=0
for t in "$@"; do
  out=$(${TEST_RUNNER:-} "$t" 2>&1); rc=$?
  printf '%s\n' "$out"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "$rc" != 0 ]; then
    status=1
    [ -z "$f" ] && { echo "$t: exited with status $rc"; failed=$((failed + 1)); }
  fi
done
echo
echo "$passed passed, $failed failed"
exit $status
