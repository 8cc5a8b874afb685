#!/bin/sh
# The Linux backend over the whole catalog (docs/linux-backend.md). Needs root, network
# namespaces, tracefs and iproute2; where any is missing it says so and exits 0 (skipped).
#   linux.sh TCPSIM check    run the catalog on this kernel, compare with docs/linux/<uname -r>/
#   linux.sh TCPSIM record   run it RUNS times (default 3); store each signature as <id>.sig
#                            only when every run gave the same one (else run 1's as <id>.unstable,
#                            as for the scenarios scenarios/linux/unstable.txt names with the reason)
#   linux.sh TCPSIM store    the same comparison and storing, from the runs already in LINUX_OUT
# tcpsim removes its namespaces and processes on every exit path (SIGINT/SIGTERM included);
# this script forwards those signals to it and checks that nothing is left.
set -u
tcpsim=$1
mode=${2:-check}
runs=${RUNS:-3}
out=${LINUX_OUT:-build/linux}
kernel=$(uname -r)
store=docs/linux/$kernel
# scenarios whose Linux signature cannot repeat whatever the kernel ("<id>: why"): never compared
by_design=scenarios/linux/unstable.txt
why_unstable() { grep "^$1: " "$by_design" 2>/dev/null | cut -d' ' -f2-; }

skip() { echo "linux: skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tracefs, AF_PACKET sockets)"
command -v ip >/dev/null && command -v ss >/dev/null || skip "needs iproute2 (ip, ss)"
command -v unshare >/dev/null && unshare --net true 2>/dev/null || skip "cannot create a network namespace"
grep -qw tracefs /proc/filesystems || skip "the kernel has no tracefs"

child=
on_signal() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
  echo "linux: interrupted; tcpsim removed its namespaces and processes" >&2
  exit 130
}
trap on_signal INT TERM

# run_all DIR: tcpsim all --backend linux into DIR; its exit status
run_all() {
  rm -rf "$1"
  "$tcpsim" all --backend linux --out "$1" &
  child=$!
  wait "$child"
  status=$?
  child=
  return $status
}

leftovers() {
  if ls -d /tmp/tcpsim-tracefs-* >/dev/null 2>&1; then echo "linux: a tracefs mount was left" >&2; return 1; fi
  return 0
}

case $mode in
check)
  [ -d "$store" ] || echo "linux: no signatures stored for kernel $kernel yet: every scenario is 'new' (make linux-record)"
  run_all "$out/check"
  status=$?
  for u in "$store"/*.unstable; do
    [ -e "$u" ] || continue
    id=$(basename "$u" .unstable)
    why=$(why_unstable "$id")
    echo "linux: WARNING: $id NOT COMPARED: its signature does not repeat: ${why:-its runs differed in make linux-record}"
  done
  leftovers || status=1
  [ $status = 0 ] && echo "linux: ok: kernel $kernel, signatures as stored" || echo "linux: FAILED (see CHANGED above)"
  exit $status
  ;;
record|store)
  i=1
  while [ "$mode" = record ] && [ $i -le "$runs" ]; do
    echo "linux: run $i of $runs"
    run_all "$out/run$i"
    # 1: signatures differ from the stored ones, which this run replaces; more: it failed
    [ $? -le 1 ] || { echo "linux: run $i failed" >&2; exit 1; }
    i=$((i + 1))
  done
  leftovers || exit 1
  mkdir -p "$store"
  rm -f "$store"/*.sig "$store"/*.unstable
  stored=0 unstable=0 surprises=0
  for sig in "$out"/run1/*/signature.txt; do
    id=$(basename "$(dirname "$sig")")
    same=yes
    i=2
    while [ $i -le "$runs" ]; do
      cmp -s "$sig" "$out/run$i/$id/signature.txt" || same=no
      i=$((i + 1))
    done
    why=$(why_unstable "$id")
    if [ -n "$why" ]; then
      echo "linux: $id: not compared by design ($by_design); kept as $id.unstable (run 1)" >&2
      cp "$sig" "$store/$id.unstable"
      unstable=$((unstable + 1))
    elif [ $same = yes ]; then
      cp "$sig" "$store/$id.sig"
      stored=$((stored + 1))
    else
      echo "linux: $id: the signature differs between runs; kept as $id.unstable (run 1):" >&2
      for j in $(seq 2 "$runs"); do diff "$sig" "$out/run$j/$id/signature.txt" | head -10 >&2; done
      cp "$sig" "$store/$id.unstable"
      unstable=$((unstable + 1)) surprises=$((surprises + 1))
    fi
  done
  echo "linux: kernel $kernel: $stored signatures identical on $runs runs, stored in $store; $unstable unstable ($surprises not listed in $by_design)"
  [ $surprises = 0 ]
  ;;
*)
  echo "usage: linux.sh TCPSIM check|record|store" >&2
  exit 2
  ;;
esac
