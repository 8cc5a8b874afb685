#!/bin/sh
# valgrind-cli.sh VALGRIND TCPSIM OUTDIR — the tcpsim command under memcheck, once over each
# kind of input it takes (make test-valgrind, beside the test suite): the whole catalog, the
# packetdrill-style scripts, the test scenarios (injects, third addresses, partitions, deadlocks,
# wrong expectations), a diff of two runs, a short swarm and a bad input. Any memcheck finding
# (exit status 99) or broken invariant (3) fails; an expectation that fails (1) or a bad input
# (2) is what some of these inputs are for. Output of the failing command is shown.
set -u
[ $# -eq 3 ] || { echo "usage: $0 VALGRIND TCPSIM OUTDIR" >&2; exit 2; }
valgrind=$1 tcpsim=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
status=0 n=0

# run EXPECTED NAME ARGS...: tcpsim ARGS under memcheck; its exit status must be in EXPECTED
run() {
  expected=$1 name=$2; shift 2
  n=$((n + 1))
  $valgrind "$tcpsim" "$@" >"$out/$name.log" 2>&1
  rc=$?
  case " $expected " in
  *" $rc "*) ;;
  *) echo "  FAIL    tcpsim $* (exit $rc, expected one of: $expected)"; cat "$out/$name.log"; status=1 ;;
  esac
}

run "0" catalog all --out "$out/catalog"
run "0" pkt check scenarios/pkt/*.pkt --out "$out/pkt"
for f in tests/scenarios/*.scn; do
  run "0 1 2" "scn-$(basename "$f" .scn)" check "$f" --out "$out/scn"   # some are bad input on purpose
done
run "0 1" seed2 run graceful-close --seed 2 --out "$out/seed2"
run "1" diff diff "$out/catalog/graceful-close" "$out/seed2/graceful-close"
run "0" swarm swarm --seeds 1..3 --out "$out/swarm"
run "2" bad run tests/bad/expect-states-unknown-fd.scn --out "$out/bad"
[ "$status" = 0 ] && echo "  MEMCHECK tcpsim: $n commands clean"
exit $status
