#!/usr/bin/env bash
# Writes the release archive: OUT/dockerir-VERSION-linux-x64.tar.gz (the Native AOT executable, the README, the
# docs and the playbooks) and OUT/SHA256SUMS over it (`sha256sum -c SHA256SUMS` checks it). OUT defaults to
# artifacts/release. Usage: scripts/release.sh [--out-dir DIR] (--out is the old spelling)
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/release
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir|--out) [ $# -ge 2 ] || { echo "release.sh: $1 needs a directory" >&2; exit 1; }; out=$2; shift 2;;
    *) echo "release.sh: unknown option $1 (usage: scripts/release.sh [--out-dir DIR])" >&2; exit 1;;
  esac
done
# shellcheck source=aot.sh
source scripts/aot.sh
mkdir -p artifacts "$out"
bin=$(aot_build) || { echo "release.sh: the Native AOT build failed; see artifacts/aot-build.log" >&2; exit 1; }
version=$("$bin" --version)
name="dockerir-${version%%+*}-linux-x64"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin"
install -m 0755 "$bin" "$stage/$name/bin/dockerir"
cp -r README.md docs playbooks "$stage/$name/"
echo "$version" > "$stage/$name/VERSION"
# Reproducible member order, owner and times (the commit's time).
mtime=$(git log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > SHA256SUMS)
echo "wrote $out/$name.tar.gz and $out/SHA256SUMS ($version)"
