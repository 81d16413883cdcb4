#!/usr/bin/env bash
# Installs dockerir as one native executable: PREFIX/bin/dockerir (default PREFIX /usr/local), which needs no .NET
# runtime on the host, and its docs in PREFIX/share/doc/dockerir. Builds the Native AOT binary once per commit
# (scripts/aot.sh). To put it on a host without the SDK, build here and copy that one file (or a scripts/release.sh
# archive) there.
# Usage: scripts/install.sh [--prefix DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 1; }; prefix=$2; shift 2;;
    -h|--help) sed -n 2,5p "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) echo "install.sh: unknown option $1 (usage: scripts/install.sh [--prefix DIR])" >&2; exit 1;;
  esac
done
# shellcheck source=aot.sh
source scripts/aot.sh
mkdir -p artifacts
bin=$(aot_build) || { echo "install.sh: the Native AOT build failed; see artifacts/aot-build.log (it needs clang and zlib1g-dev)" >&2; exit 1; }
install -D -m 0755 "$bin" "$prefix/bin/dockerir"
# The docs beside it: SARIF rules link to their anchors there (docs/triage.md, "helpUri").
mkdir -p "$prefix/share/doc/dockerir"
cp docs/*.md "$prefix/share/doc/dockerir/"
echo "installed $prefix/bin/dockerir ($("$prefix/bin/dockerir" --version))"
