#!/usr/bin/env bash
# Hunt benchmark (issue 22), Native AOT, against the floor of reading the same bytes in the same run.
#   50 running containers, each with 1,000 added files of 2 KiB of random data (100 MB in all);
#   dockerir hunt --ioc (one hash, one glob, one pattern) over all 50 (layer source, --parallel 4: every added file
#   read, hashed, matched and run through the triage rules), against `tar -cf - UPPER | sha256sum` over the 50
#   upper directories one after another. Caches are warm for both. Median of --runs (default 3) and the ratio.
# Usage: bench/hunt.sh [--runs N] [--keep]. Engine resources are labelled dockerir.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3; KEEP=0; N=50; FILES=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --keep) KEEP=1; shift;;
    *) echo "unknown option $1" >&2; exit 1;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/hunt.sh reads the engine's storage: run it as root on the engine's host" >&2; exit 1; }
source bench/lib.sh

root="$WORK/rootfs"
busybox_rootfs "$root" sh sleep head mkdir touch
tar -C "$root" -cf - . | docker import -c 'LABEL dockerir.bench=1' - dockerir-bench/hunt:1 >/dev/null

echo "starting $N containers with $FILES files each ..." >&2
for i in $(seq "$N"); do
  docker run -d --name "dockerir-bench-hunt-$i" --label dockerir.bench=1 --label dockerir.bench.hunt=1 dockerir-bench/hunt:1 \
    sh -c "mkdir -p /srv/data && i=0; while [ \$i -lt $FILES ]; do head -c 2048 /dev/urandom > /srv/data/f\$i; i=\$((i+1)); done; touch /.ready; exec sleep 36000" >/dev/null
done
for i in $(seq "$N"); do
  until docker diff "dockerir-bench-hunt-$i" | grep -q '^A /.ready$'; do sleep 0.5; done
done
uppers=()
for i in $(seq "$N"); do uppers+=("$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "dockerir-bench-hunt-$i")"); done

cat > "$WORK/iocs.yaml" <<'Y'
hashes:
  - sha256: 0000000000000000000000000000000000000000000000000000000000000001
paths:
  - glob: "*.phtml"
patterns:
  - id: bench.c99
    regex: 'c99sh_surl'
Y

floor=(); hunt=()
for run in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  for u in "${uppers[@]}"; do tar -C "$u" -cf - . | sha256sum >/dev/null; done
  floor+=("$(echo "$(date +%s.%N) - $start" | bc)")
  start=$(date +%s.%N)
  "$DIR" hunt --ioc "$WORK/iocs.yaml" --label dockerir.bench.hunt=1 --json > "$WORK/hunt.json" 2>/dev/null
  hunt+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
files=$(python3 -c "import json; d=json.load(open('$WORK/hunt.json')); print(sum(c['files'] for c in d['containers']), sum(len(c['matches']) for c in d['containers']), len(d['containers']))")
f=$(printf '%s\n' "${floor[@]}" | median); h=$(printf '%s\n' "${hunt[@]}" | median)
echo "containers, files read, matches: $(echo "$files" | awk '{print $3", "$1", "$2}')"
echo "tar | sha256sum over the $N upper directories: $f s (median of $RUNS)"
echo "dockerir hunt (AOT, layer source, --parallel 4): $h s (median of $RUNS)"
echo "ratio hunt / floor: $(echo "scale=2; $h / $f" | bc)x"
