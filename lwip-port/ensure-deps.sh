#!/bin/sh
# Make sure the Debian packages the build and the tests need are installed.
# Installs the missing ones with apt-get when run as root (or with passwordless sudo);
# otherwise stops and prints the exact command to run. Usage: ensure-deps.sh [package ...]
# (default: what `make` and `make test` need).
set -eu

PACKAGES=${*:-"libcmocka-dev graphviz libpcap-dev libjansson-dev"}
missing=
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

# make runs its targets in parallel, and two apt-get at once fail on dpkg's lock: one
# installer at a time (flock, from util-linux), each checking again what is still missing.
if [ -z "${TCPSIM_DEPS_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
  TCPSIM_DEPS_LOCKED=1 exec flock "${TMPDIR:-/tmp}/tcpsim-ensure-deps.lock" sh "$0" "$@"
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
  sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "tcpsim needs these Debian packages:$missing" >&2
  echo "run:  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "ensure-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || true
$sudo $cmd >/dev/null || { echo "ensure-deps: '$cmd' failed" >&2; exit 1; }
