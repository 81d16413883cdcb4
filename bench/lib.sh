# Shared by the bench scripts: the engine, a work directory, clean-up of what they create (labelled
# dockerir.bench=1), the Native AOT build, a busybox root filesystem and the median. Source it after setting KEEP
# (1 keeps everything for a closer look).
# Sets WORK and DIR (the dockerir binary).
source scripts/engine.sh
ensure_engine
WORK=$(mktemp -d "/tmp/dockerir-bench-$(basename "$0" .sh).XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "kept: $WORK and the dockerir.bench=1 containers and images" >&2; return; fi
  docker ps -aq --filter label=dockerir.bench=1 | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  for _ in 1 2 3; do docker images -q --filter label=dockerir.bench=1 | xargs -r docker rmi -f >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap 'cleanup; stop_engine_if_started' EXIT
# Remove what an earlier --keep run left.
docker ps -aq --filter label=dockerir.bench=1 | xargs -r docker rm -f -v >/dev/null 2>&1 || true

echo "building dockerir (Release, Native AOT) ..." >&2
dotnet publish src/DockerIR.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$WORK/bin" -nologo -v q >/dev/null
DIR="$WORK/bin/dockerir"

# A busybox root filesystem at $1 (bin, tmp, etc, dev) with the applets named after it linked to busybox; the caller
# adds its own files and imports it (labelled dockerir.bench=1).
busybox_rootfs() {
  local root=$1; shift
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/dev"
  cp /bin/busybox "$root/bin/busybox"
  local a; for a in "$@"; do ln -s busybox "$root/bin/$a"; done
}

# The median of the numbers on stdin, one per line, to three decimals.
median() { sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
