#!/bin/sh
# Obtain lwIP 2.1.3 from Debian's source package with apt's own tools and unpack it, untouched,
# under the given directory (default build/lwip).
#
# Why this way: lwIP is the thing under study, so we take the exact upstream tarball Debian ships
# (lwip_2.1.3+dfsg1.orig.tar.xz), check its sha256, and apply nothing. Debian's own patches
# (Hurd port, a sockets.c change for pfinet) are deliberately NOT applied: they would modify lwIP.
#
# The machine's apt configuration is never changed. When it has no deb-src entry, a private one is
# derived from the machine's own deb entries (same URIs, suites, components, keys) and used through
# a private apt state directory under build/apt, so no mirror is hard-coded and nothing outside
# build/ is written. apt-get runs without root this way.
set -eu

DEST=${1:-build/lwip}
VERSION=2.1.3+dfsg1-2
ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
WORK=$(dirname "$DEST")/apt

die() { echo "fetch-lwip: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-like system"

mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/sources" "$WORK/download"
WORK=$(cd "$WORK" && pwd)

# deb822 files (*.sources): copy each "deb" stanza as a "deb-src" stanza.
# one-line files (*.list, sources.list): copy each "deb" line as a "deb-src" line.
derive_sources() {
  : > "$WORK/sources/tcpsim-src.sources"
  : > "$WORK/sources/tcpsim-src.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
           gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' \
      "$f" >> "$WORK/sources/tcpsim-src.sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >> "$WORK/sources/tcpsim-src.list"
  done
  [ -s "$WORK/sources/tcpsim-src.sources" ] || [ -s "$WORK/sources/tcpsim-src.list" ] \
    || die "no deb entries in /etc/apt to derive a deb-src entry from"
}

apt_private() {
  apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$WORK/sources" \
    -o Dir::State::Lists="$WORK/lists" -o Dir::Cache="$WORK/cache" \
    -o Dir::State::Status=/var/lib/dpkg/status -o APT::Sandbox::User="$(id -un)" \
    -o Debug::NoLocking=1 "$@"
}

if [ ! -f "$WORK/download/$ORIG" ]; then
  derive_sources
  echo "fetch-lwip: apt-get update (deb-src derived from /etc/apt, private state in $WORK)"
  apt_private update >/dev/null || die "apt-get update failed (is the network to the Debian mirror up?)"
  echo "fetch-lwip: apt-get source --download-only lwip=$VERSION"
  (cd "$WORK/download" && apt_private --download-only source "lwip=$VERSION" >/dev/null) \
    || die "apt-get source lwip=$VERSION failed"
fi

echo "$SHA256  $WORK/download/$ORIG" | sha256sum -c --quiet - \
  || die "sha256 of $ORIG does not match $SHA256"

rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xJf "$WORK/download/$ORIG" -C "$DEST.tmp" --strip-components=1
[ -f "$DEST.tmp/src/core/tcp.c" ] || die "unexpected tarball layout (no src/core/tcp.c)"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
echo "fetch-lwip: lwIP 2.1.3 unpacked, unmodified, in $DEST"
