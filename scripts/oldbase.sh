#!/usr/bin/env bash
# Builds, once per machine, the root filesystem of the oldest Debian release the configured mirror still serves
# (buster, glibc 2.28, where the mirror has it; else bullseye, glibc 2.31) and prints the path of the cached tar.
# The install test runs the Native AOT binary in a container of it, to show the binary runs on a glibc older than
# the one it was built on. Made with `debootstrap --variant=minbase` from the mirror the apt sources name, cached under
# $DOCKERIR_CACHE/oldbase (default /var/cache/dockerir/oldbase).
set -euo pipefail
CANDIDATES=(buster bullseye)
CACHE="${DOCKERIR_CACHE:-/var/cache/dockerir}/oldbase"

say() { printf 'oldbase: %s\n' "$*" >&2; }
# shellcheck source=debian.sh
source "$(dirname "$0")/debian.sh"

url=$(mirror) || { say "no Debian mirror in the apt sources (/etc/apt/sources.list*)"; exit 1; }
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
for tar in "$CACHE"/rootfs-*-"$arch"-"$(printf '%s' "$url" | sha256sum | cut -c1-12)".tar; do
  [ -s "$tar" ] && { echo "$tar"; exit 0; }
done

codename=""
for c in "${CANDIDATES[@]}"; do
  if curl -fsS -m 20 -o /dev/null "${url%/}/dists/$c/Release" 2>/dev/null; then codename=$c; break; fi
done
[ -n "$codename" ] || { say "the mirror $url serves none of ${CANDIDATES[*]}"; exit 1; }
ensure_debootstrap || exit 1

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "building a $codename rootfs from $url (log: $work/debootstrap.log)"
if ! debootstrap --variant=minbase --arch="$arch" "$codename" "$work/root" "$url" >"$work/debootstrap.log" 2>&1; then
  say "debootstrap failed; its last lines:"
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
fi
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/usr/share/doc" "$work/root/usr/share/man" "$work/root/usr/share/locale"
tar="$CACHE/rootfs-$codename-$arch-$(printf '%s' "$url" | sha256sum | cut -c1-12).tar"
tar --numeric-owner -C "$work/root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$tar"
echo "$tar"
