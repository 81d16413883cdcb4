#!/usr/bin/env bash
# Builds the root filesystem of the real-workload corpus once, from Debian's packages, and prints the path of the
# cached tar. The tests import it as an image and build one image per server stack on it (tests/DockerIR.Testing/
# ServerCorpus.cs): Apache + mod_php, nginx + php-fpm, PostgreSQL, Redis, MariaDB, Python under gunicorn.
#
# The rootfs is made with `debootstrap --variant=minbase` from the Debian mirror this machine's apt sources name
# (never a hard-coded host), for this machine's release and architecture. The tar is cached under
# $DOCKERIR_CACHE/corpus (default /var/cache/dockerir/corpus), keyed by release, architecture, mirror and the
# package list, so the second run on a machine costs nothing; delete the folder to rebuild.
set -euo pipefail

PACKAGES=(apache2 libapache2-mod-php php-fpm php-redis php-mysql nginx-light postgresql redis-server mariadb-server
  python3 gunicorn python3-pymysql)
CACHE="${DOCKERIR_CACHE:-/var/cache/dockerir}/corpus"
RECIPE_VERSION=2

say() { printf 'corpus: %s\n' "$*" >&2; }

# shellcheck source=debian.sh
source "$(dirname "$0")/debian.sh"

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
if [ -z "$codename" ] || ! command -v apt-get >/dev/null 2>&1; then
  say "this machine is not Debian-based; the corpus needs debootstrap and a Debian mirror"
  exit 1
fi
if ! url=$(mirror); then
  say "no Debian mirror in the apt sources (/etc/apt/sources.list*)"
  exit 1
fi

key=$(printf '%s\n' "$RECIPE_VERSION" "$codename" "$arch" "$url" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
tar="$CACHE/rootfs-$codename-$arch-$key.tar"
if [ -s "$tar" ]; then
  echo "$tar"
  exit 0
fi

ensure_debootstrap || exit 1

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
say "building the corpus rootfs ($codename/$arch from $url, ${#PACKAGES[@]} packages; log: $work/debootstrap.log)"
include=$(IFS=,; echo "${PACKAGES[*]}")
if ! debootstrap --variant=minbase --arch="$arch" --include="$include" "$codename" "$work/root" "$url" >"$work/debootstrap.log" 2>&1; then
  say "debootstrap failed; its last lines:"
  tail -n 20 "$work/debootstrap.log" >&2
  cp "$work/debootstrap.log" /tmp/dockerir-corpus-debootstrap.log 2>/dev/null || true
  exit 1
fi
# A fresh boot's /run: the runtime directories that packages made while installing are made at boot (tmpfiles.d),
# not shipped in images, so a server makes its own at start, as it does in the images people run.
find "$work/root/run" -mindepth 1 -maxdepth 1 ! -name lock ! -name shm -exec rm -rf {} +
find "$work/root/run/lock" -mindepth 1 -exec rm -rf {} +
# What no server reads: downloaded packages, documentation, translations.
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* \
  "$work/root/usr/share/doc" "$work/root/usr/share/man" "$work/root/usr/share/locale" "$work/root/usr/share/info"
tar --numeric-owner --xattrs -C "$work/root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$tar"
find "$CACHE" -maxdepth 1 -name 'rootfs-*.tar' ! -name "$(basename "$tar")" -delete   # older recipes' tars
say "built in $(( $(date +%s) - started )) s: $tar ($(du -h "$tar" | cut -f1))"
echo "$tar"
