#!/usr/bin/env bash
# Volatile capture benchmark (issue 19), Native AOT, against plain readers of the same /proc files in the same run.
#   processes  a container of 50 processes (busybox sleeps), paused; dockerir's capture (processes, programs, fds,
#              sockets; no memory) as its log line times it, against a shell loop reading the same files per process
#              (status, stat, cmdline, environ, cgroup, the fd links, and sha256sum of /proc/PID/exe)
#   memory     one process holding 256 MiB of random data, paused; dockerir's capture with --memory PID minus the
#              capture without, against a Python reader of /proc/PID/maps + /proc/PID/mem (the classic memdump
#              loop, reading 1 MiB at a time as cat does, into one file) of the same process; throughput in MiB/s and the ratio
# Usage: bench/volatile.sh [--runs N] [--keep]. Engine resources are labelled dockerir.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --keep) KEEP=1; shift;;
    *) echo "unknown option $1" >&2; exit 1;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/volatile.sh reads the host's /proc: run it as root on the engine's host" >&2; exit 1; }
source bench/lib.sh

root="$WORK/rootfs"
busybox_rootfs "$root" sh sleep dd seq
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
tar -C "$root" -cf - . | docker import -c 'LABEL dockerir.bench=1' - dockerir-bench/volatile:1 >/dev/null

# The capture's own time, from the snapshot's log line ("... from the host's /proc in N ms"), in seconds.
capture_seconds() {
  local name=$1 case_dir=$2; shift 2
  "$DIR" snapshot "$name" --case-dir "$case_dir" "$@" 2>&1 >/dev/null \
    | sed -n 's/.*from the host.s \/proc in \([0-9]*\) ms.*/\1/p' | awk '{printf "%.3f\n", $1/1000}'
}

# --- 50 processes -------------------------------------------------------------------------------------------------
docker run -d --name dockerir-bench-procs --label dockerir.bench=1 dockerir-bench/volatile:1 \
  sh -c 'for i in $(seq 49); do sleep 36000 & done; exec sleep 36001' >/dev/null
until [ "$(docker top dockerir-bench-procs -o pid | tail -n +2 | wc -l)" -ge 50 ]; do sleep 0.2; done
docker pause dockerir-bench-procs >/dev/null
pids=$(docker top dockerir-bench-procs -o pid | tail -n +2 | tr '\n' ' ')
nprocs=$(echo $pids | wc -w)
ours=(); base=()
for i in $(seq 1 "$RUNS"); do
  ours+=("$(capture_seconds dockerir-bench-procs "$WORK/procs-$i")")
  rm -rf "$WORK/procs-$i"
  t0=$(date +%s%N)
  for p in $pids; do
    cat /proc/$p/status /proc/$p/stat /proc/$p/cmdline /proc/$p/environ /proc/$p/cgroup >/dev/null
    ls -l /proc/$p/fd >/dev/null; readlink /proc/$p/exe /proc/$p/cwd /proc/$p/root >/dev/null
    sha256sum /proc/$p/exe >/dev/null
  done
  cat /proc/$(echo $pids | cut -d' ' -f1)/net/tcp /proc/$(echo $pids | cut -d' ' -f1)/net/tcp6 >/dev/null
  base+=("$(awk -v t=$(( $(date +%s%N) - t0 )) 'BEGIN {printf "%.3f", t/1e9}')")
done
procs_ours=$(printf '%s\n' "${ours[@]}" | median)
procs_base=$(printf '%s\n' "${base[@]}" | median)

# --- memory: 256 MiB of random data held by dd, blocked writing into a pipe nobody reads ---------------------------
docker run -d --name dockerir-bench-mem --label dockerir.bench=1 dockerir-bench/volatile:1 \
  sh -c 'dd if=/dev/urandom bs=256M count=1 2>/dev/null | sleep 36000' >/dev/null
pid=""
for _ in $(seq 1 100); do
  pid=$(docker top dockerir-bench-mem -o pid,comm | awk '$2 == "dd" {print $1}')
  if [ -n "$pid" ] && [ "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)" -gt 250000 ]; then break; fi
  sleep 0.2
done
docker pause dockerir-bench-mem >/dev/null
cat > "$WORK/memdump.py" <<'PY'
import sys, re
pid, out = sys.argv[1], sys.argv[2]
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem, open(out, "wb") as dump:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if perms[0] != "r" or "[vsyscall]" in line:
            continue
        try:
            mem.seek(start)
            left = end - start
            while left > 0:  # as cat reads: a buffer at a time
                chunk = mem.read(min(left, 1 << 20))
                if not chunk:
                    break
                dump.write(chunk)
                left -= len(chunk)
        except OSError:
            pass
PY
with_mem=(); without=(); py=(); bytes=0
for i in $(seq 1 "$RUNS"); do
  without+=("$(capture_seconds dockerir-bench-mem "$WORK/nomem-$i")")
  with_mem+=("$(capture_seconds dockerir-bench-mem "$WORK/mem-$i" --memory "$pid")")
  bytes=$(stat -c %s "$WORK/mem-$i/container/memory/$pid.mem")
  rm -rf "$WORK/nomem-$i" "$WORK/mem-$i"
  t0=$(date +%s%N)
  python3 "$WORK/memdump.py" "$pid" "$WORK/py.mem"
  py+=("$(awk -v t=$(( $(date +%s%N) - t0 )) 'BEGIN {printf "%.3f", t/1e9}')")
  py_bytes=$(stat -c %s "$WORK/py.mem"); rm -f "$WORK/py.mem"
done
mem_with=$(printf '%s\n' "${with_mem[@]}" | median)
mem_without=$(printf '%s\n' "${without[@]}" | median)
mem_py=$(printf '%s\n' "${py[@]}" | median)
mem_ours=$(awk -v a="$mem_with" -v b="$mem_without" 'BEGIN {d=a-b; if (d < 0.001) d=0.001; printf "%.3f", d}')

echo
echo "volatile capture, Native AOT, medians of $RUNS runs"
printf '%-44s %8s s\n' "capture of $nprocs processes (dockerir, no memory)" "$procs_ours"
printf '%-44s %8s s   ratio %s\n' "same files read by a shell loop" "$procs_base" "$(awk -v a="$procs_ours" -v b="$procs_base" 'BEGIN {printf "%.2f", a/b}')"
printf '%-44s %8s s   %s MiB  %s MiB/s\n' "memory dump (dockerir, with - without)" "$mem_ours" "$((bytes >> 20))" \
  "$(awk -v b="$bytes" -v t="$mem_ours" 'BEGIN {printf "%.0f", b/1048576/t}')"
printf '%-44s %8s s   %s MiB  %s MiB/s\n' "same regions by a /proc/PID/mem reader" "$mem_py" "$((py_bytes >> 20))" \
  "$(awk -v b="$py_bytes" -v t="$mem_py" 'BEGIN {printf "%.0f", b/1048576/t}')"
printf '%-44s %8s\n' "throughput ratio (dockerir / reader)" \
  "$(awk -v b="$bytes" -v t="$mem_ours" -v pb="$py_bytes" -v pt="$mem_py" 'BEGIN {printf "%.2f", (b/t)/(pb/pt)}')"
