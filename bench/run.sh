#!/usr/bin/env bash
# DockerIR benchmark harness: S1, S2 and S3 of issue 3, each against baselines measured in the same run.
# Prints medians and ratios. Usage: bench/run.sh [--runs N] [--cp-sample N] [--skip-s2] [--skip-s3]
#   --cp-sample N   time per-file `docker cp` on N files and extrapolate to the whole change set (default 300;
#                   0 runs it on every file, which takes about ten minutes)
#   --keep          leave the containers, images and cases (in the printed work directory) for a closer look
# Engine resources are labelled dockerir.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/engine.sh
RUNS=5; CP_SAMPLE=300; SKIP_S2=0; SKIP_S3=0; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --cp-sample) CP_SAMPLE=$2; shift 2;;
    --skip-s2) SKIP_S2=1; shift;; --skip-s3) SKIP_S3=1; shift;; --keep) KEEP=1; shift;;
    *) echo "unknown option $1" >&2; exit 1;;
  esac
done
ensure_engine
trap 'cleanup; stop_engine_if_started' EXIT
WORK=$(mktemp -d /tmp/dockerir-bench.XXXXXX)
BIN="$WORK/dockerir"
cleanup() {
  if [ "$KEEP" = 1 ]; then echo "kept: work directory $WORK and the dockerir.bench=1 containers and images" >&2; return; fi
  docker ps -aq --filter label=dockerir.bench=1 | xargs -r docker rm -f >/dev/null 2>&1 || true
  for _ in 1 2 3; do docker images -q --filter label=dockerir.bench=1 | xargs -r docker rmi -f >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}

# Remove what an earlier --keep run left (only resources labelled dockerir.bench=1).
docker ps -aq --filter label=dockerir.bench=1 | xargs -r docker rm -f >/dev/null 2>&1 || true
echo "building dockerir (Release, Native AOT) ..." >&2
dotnet publish src/DockerIR.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$BIN" -nologo -v q >/dev/null
DIR="$BIN/dockerir"

now() { date +%s%N; }
# median of the runs of a command, in seconds (the command's output is discarded)
median_time() {
  local n=$1; shift; local times=()
  for _ in $(seq 1 "$n"); do
    local t0; t0=$(now); bash -c "$*" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
    times+=("$(( $(now) - t0 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1e9}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# A base image: busybox, 20 text files to modify, and BLOB_MB of random data.
make_image() {
  local tag=$1 blob_mb=$2 root="$WORK/rootfs-$1"
  python3 - "$root" "$blob_mb" <<'PY'
import os, sys, random
root, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
for d in ("bin", "etc/app", "tmp", "usr/share/data", "srv"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
os.system(f"cp /bin/busybox {root}/bin/busybox")
for a in ("sh", "sleep", "head", "touch"):
    os.symlink("busybox", os.path.join(root, "bin", a))
for i in range(20):
    with open(f"{root}/etc/app/conf{i:02}.txt", "w") as f:
        f.write("".join(f"setting_{j} = {rnd.randint(0, 9999)}\n" for j in range(40)))
chunk = 16 if mb >= 256 else 1
for i in range(mb // chunk):
    with open(f"{root}/usr/share/data/blob{i:04}.bin", "wb") as f:
        f.write(os.urandom(chunk << 20))
PY
  tar -C "$root" -cf - . | docker import -c 'LABEL dockerir.bench=1' -c 'CMD ["/bin/sh"]' - "dockerir-bench/base:$tag" >/dev/null
  rm -rf "$root"
}

# The S1 change set as a tar: 10,000 files of 1-4 KB in 100 new directories, and 20 modified files.
make_changes() { python3 bench/changes.py "$WORK/changes.tar" --modified; }

# Starts a container of an image, applies the change set, snapshots it; prints "container case_dir upper_dir".
prepare_case() {
  local tag=$1 name="dockerir-bench-$1"
  docker run -d --name "$name" --label dockerir.bench=1 "dockerir-bench/base:$tag" sleep 36000 >/dev/null
  docker cp - "$name:/" < "$WORK/changes.tar"
  $DIR snapshot "$name" --case-dir "$WORK/case-$tag" -q >/dev/null
  echo "$name $WORK/case-$tag $(docker inspect "$name" --format '{{.GraphDriver.Data.UpperDir}}')"
}

# The naive responder's script: docker diff, docker cp per file, tar czf, sha256sum (on a sample, extrapolated).
docker_cp_script() {
  local name=$1 out="$WORK/cp-out" files
  rm -rf "$out"; mkdir -p "$out"
  files=$(docker diff "$name" | awk '$1 != "D" {print $2}' | grep -E '\.(dat|txt)$')
  local total; total=$(echo "$files" | wc -l)
  local sample=$total; [ "$CP_SAMPLE" -gt 0 ] && [ "$CP_SAMPLE" -lt "$total" ] && sample=$CP_SAMPLE
  local t0; t0=$(now)
  echo "$files" | head -n "$sample" | while read -r p; do mkdir -p "$out$(dirname "$p")"; docker cp "$name:$p" "$out$p"; done
  local per_file; per_file=$(( ($(now) - t0) / sample ))
  local t1; t1=$(now); tar -C "$out" -czf "$WORK/cp.tar.gz" . && sha256sum "$WORK/cp.tar.gz" >/dev/null; local pack=$(( $(now) - t1 ))
  # tar+sha of the sample scaled to the whole set, plus docker cp per file for every file
  awk -v pf="$per_file" -v n="$total" -v pack="$pack" -v s="$sample" 'BEGIN {printf "%.3f", (pf*n + pack*n/s)/1e9}'
  echo " $sample $total" >&2
}

echo "== S1: 50 MB base image, 10,000 added files of 1-4 KB in 100 directories, 20 modified files" >&2
make_image s1 50
make_changes
read -r S1_NAME S1_CASE S1_UPPER < <(prepare_case s1)
S1_FLOOR=$(median_time "$RUNS" "tar -C '$S1_UPPER' -cf - . | sha256sum")
S1_LAYER=$(median_time "$RUNS" "$DIR extract '$S1_CASE' --source layer")
S1_ARCHIVE=$(median_time 3 "$DIR extract '$S1_CASE' --source archive")
S1_BUNDLE=$(median_time "$RUNS" "$DIR extract '$S1_CASE' --source layer && rm -f '$S1_CASE.tar.gz' && $DIR bundle '$S1_CASE'")
S1_CP=$(docker_cp_script "$S1_NAME" 2>"$WORK/cp-info")
read -r CP_SAMPLED CP_TOTAL < "$WORK/cp-info"

if [ "$SKIP_S2" = 0 ]; then
  echo "== S2: the same changes on a 1 GB base image" >&2
  make_image s2 1024
  read -r _ S2_CASE _ < <(prepare_case s2)
  S2_LAYER=$(median_time "$RUNS" "$DIR extract '$S2_CASE' --source layer")
  S2_ARCHIVE=$(median_time 3 "$DIR extract '$S2_CASE' --source archive")
fi

if [ "$SKIP_S3" = 0 ]; then
  echo "== S3: one added 1 GB file" >&2
  docker run -d --name dockerir-bench-s3 --label dockerir.bench=1 dockerir-bench/base:s1 sh -c 'head -c 1073741824 /dev/urandom > /big.bin && touch /ready && sleep 36000' >/dev/null
  until docker diff dockerir-bench-s3 2>/dev/null | grep -q '^A /ready'; do sleep 1; done
  $DIR snapshot dockerir-bench-s3 --case-dir "$WORK/case-s3" -q >/dev/null
  S3_UPPER=$(docker inspect dockerir-bench-s3 --format '{{.GraphDriver.Data.UpperDir}}')
  S3_FLOOR=$(median_time 3 "tar -C '$S3_UPPER' -cf - big.bin | gzip -1 | sha256sum")
  S3_OURS=$(median_time 3 "$DIR extract '$WORK/case-s3' --source layer && rm -f '$WORK/case-s3.tar.gz' && $DIR bundle '$WORK/case-s3'")
  rm -f "$WORK/case-s3.tar.gz"
  /usr/bin/time -f '%M' -o "$WORK/rss-extract" $DIR extract "$WORK/case-s3" --source layer >/dev/null 2>&1
  /usr/bin/time -f '%M' -o "$WORK/rss-bundle" $DIR bundle "$WORK/case-s3" >/dev/null 2>&1
  S3_RSS=$(( $(sort -n "$WORK/rss-extract" "$WORK/rss-bundle" | tail -1) / 1024 ))
fi

echo
echo "DockerIR benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, medians of $RUNS runs; archive source 3 runs)"
printf '%-58s %10s %10s\n' "measurement" "seconds" "ratio"
printf '%-58s %10s %10s\n' "S1 floor: tar of the upper dir | sha256sum" "$S1_FLOOR" "1.00"
printf '%-58s %10s %10s\n' "S1 dockerir extract --source layer" "$S1_LAYER" "$(ratio "$S1_LAYER" "$S1_FLOOR")x floor"
printf '%-58s %10s %10s\n' "S1 dockerir extract --source archive" "$S1_ARCHIVE" "$(ratio "$S1_ARCHIVE" "$S1_FLOOR")x floor"
printf '%-58s %10s %10s\n' "S1 dockerir extract + bundle (layer)" "$S1_BUNDLE" "$(ratio "$S1_BUNDLE" "$S1_FLOOR")x floor"
printf '%-58s %10s %10s\n' "S1 docker cp script (sampled $CP_SAMPLED of $CP_TOTAL, extrapolated)" "$S1_CP" "$(ratio "$S1_CP" "$S1_LAYER")x layer"
if [ "$SKIP_S2" = 0 ]; then
  printf '%-58s %10s %10s\n' "S2 dockerir extract --source layer (1 GB base)" "$S2_LAYER" "$(ratio "$S2_LAYER" "$S1_LAYER") S2/S1"
  printf '%-58s %10s %10s\n' "S2 dockerir extract --source archive (1 GB base)" "$S2_ARCHIVE" "$(ratio "$S2_ARCHIVE" "$S1_ARCHIVE") S2/S1"
fi
if [ "$SKIP_S3" = 0 ]; then
  printf '%-58s %10s %10s\n' "S3 floor: tar FILE | gzip -1 | sha256sum (1 GB)" "$S3_FLOOR" "1.00"
  printf '%-58s %10s %10s\n' "S3 dockerir extract + bundle (1 GB file)" "$S3_OURS" "$(ratio "$S3_OURS" "$S3_FLOOR")x floor"
  printf '%-58s %10s\n' "S3 dockerir peak RSS (MB, largest of extract and bundle)" "$S3_RSS"
fi
