#!/usr/bin/env bash
# Downtime benchmark of `dockerir respond` (issue 18), Native AOT, against the engine's own commit in the same run.
# For each scenario a serving container (busybox httpd on a published port) is breached, a client polls it every 50 ms,
# and `respond --yes` runs. Measured per run:
#   freeze     from the command's start to the engine's pause event of the suspect
#   downtime   from the last successful request before the freeze to the first successful one after it (the replacement)
#   total      the respond command from start to end
#   commit     `docker commit` of an identical container, measured alone in the same run
# Every scenario runs once with an empty write-profile cache (cold: the profiling canary runs) before its measured
# runs (warm: the image's profile is in the cache, as at every incident after the first on an image).
# Scenarios: demo (the demo app's breach: a web shell and a defaced page), s1 (10,000 added files of 1-4 KB),
# s3 (one added 1 GB file). Usage: bench/respond.sh [--runs N] [--skip-s3] [--only 'demo s1 s3'] [--keep]
# Engine resources are labelled dockerir.bench=1 and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3; SKIP_S3=0; KEEP=0; ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --skip-s3) SKIP_S3=1; shift;; --keep) KEEP=1; shift;; --only) ONLY=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 1;;
  esac
done
source bench/lib.sh

# The served image: busybox httpd writing its pid under /var/run, like the demo app.
root="$WORK/rootfs"
busybox_rootfs "$root" sh httpd head touch sleep mkdir cp
mkdir -p "$root/www" "$root/var/run" "$root/srv"
echo '<h1>served</h1>' > "$root/www/index.html"
printf '#!/bin/sh\necho $$ > /var/run/httpd.pid\nexec httpd -f -p 8080 -h /www\n' > "$root/bin/start" && chmod +x "$root/bin/start"
tar -C "$root" -cf - . | docker import -c 'LABEL dockerir.bench=1' -c 'CMD ["/bin/start"]' -c 'EXPOSE 8080' - dockerir-bench/served:1 >/dev/null

python3 bench/changes.py "$WORK/s1.tar"

# Starts a served, breached container for a scenario; prints its name and host port.
start() {
  local scenario=$1 name="dockerir-bench-$1-$2"
  docker run -d --name "$name" --label dockerir.bench=1 -p 127.0.0.1::8080 dockerir-bench/served:1 >/dev/null
  docker exec "$name" sh -c 'echo "<?php system(\$_GET[1]); ?>" > /www/shell.php && echo HACKED > /www/index.html'
  case "$scenario" in
    s1) docker cp - "$name:/" < "$WORK/s1.tar";;
    s3) docker exec "$name" sh -c 'head -c 1073741824 /dev/urandom > /srv/big.bin';;
  esac
  local port; port=$(docker port "$name" 8080/tcp | head -1); port=${port##*:}
  until python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" 2>/dev/null; do sleep 0.1; done
  echo "$name $port"
}

# Polls a port every 50 ms until the stop file appears; writes "epoch_ns ok|fail" lines.
poll() {
  python3 - "$1" "$2" "$3" <<'PY' &
import sys, time, urllib.request, os
port, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
with open(out, "w") as f:
    while not os.path.exists(stop):
        t = time.time_ns()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.2).read()
            f.write(f"{t} ok\n")
        except Exception:
            f.write(f"{t} fail\n")
        f.flush()
        time.sleep(max(0, 0.05 - (time.time_ns() - t) / 1e9))
PY
}

# One respond run: prints "freeze downtime total commit" in seconds.
measure() {
  local scenario=$1 run=$2
  read -r name port < <(start "$scenario" "$run")
  read -r twin _ < <(start "$scenario" "twin-$run")
  # Both commits start from the same state: the setup's writes flushed and nothing being deleted (the twin and its
  # image are removed after the respond: removing 10,000 files on a filesystem mounted with discard slows the next
  # journal commits, which made whichever commit came next up to twice as slow).
  sync
  local t0; t0=$(date +%s%N)
  docker commit "$twin" "dockerir-bench/commit:$scenario-$run" >/dev/null
  local commit=$(( $(date +%s%N) - t0 ))
  sync
  local events="$WORK/events-$scenario-$run" polls="$WORK/poll-$scenario-$run" stop="$WORK/stop-$scenario-$run"
  docker events --filter "container=$name" --filter event=pause --format '{{.TimeNano}}' > "$events" &
  local events_pid=$!
  poll "$port" "$polls" "$stop"; local poll_pid=$!
  sleep 0.5
  t0=$(date +%s%N)
  DOCKERIR_CACHE_DIR="$WORK/cache-$scenario" "$DIR" respond "$name" --out-dir "$WORK/cases-$scenario-$run" --yes --probe "http://127.0.0.1:$port/" -q >/dev/null
  local t1; t1=$(date +%s%N)
  sleep 1
  touch "$stop"; wait "$poll_pid"; kill "$events_pid" 2>/dev/null || true; wait "$events_pid" 2>/dev/null || true
  docker rm -f "$twin" >/dev/null; docker rmi -f "dockerir-bench/commit:$scenario-$run" >/dev/null
  python3 - "$t0" "$t1" "$commit" "$events" "$polls" <<'PY'
import sys
t0, t1, commit = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
paused = int(open(sys.argv[4]).read().split()[0])
polls = [(int(t), s) for t, s in (l.split() for l in open(sys.argv[5]) if l.strip())]
last_ok = max(t for t, s in polls if s == "ok" and t < paused)
first_ok = min(t for t, s in polls if s == "ok" and t > paused)
print(f"{(paused - t0) / 1e9:.3f} {(first_ok - last_ok) / 1e9:.3f} {(t1 - t0) / 1e9:.3f} {commit / 1e9:.3f}")
PY
  docker ps -aq --filter label=dockerir.bench=1 | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  docker images -q --filter "label=dockerir.case" --filter label=dockerir.bench=1 | xargs -r docker rmi -f >/dev/null 2>&1 || true
}


echo
echo "dockerir respond downtime ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, Native AOT)"
echo "warm: medians of the runs with the image's write profile in the cache; cold: the first run, empty cache (a profiling canary runs)"
printf '%-10s %5s %9s %10s %9s %9s %16s %15s %12s %17s\n' scenario runs freeze downtime total commit "down-commit<=1.5" "down/total<=.5" "cold down" "cold down-commit"
scenarios="demo s1"; [ "$SKIP_S3" = 0 ] && scenarios="$scenarios s3"; [ -n "$ONLY" ] && scenarios=$ONLY
for scenario in $scenarios; do
  runs=$RUNS; [ "$scenario" = s3 ] && runs=1
  : > "$WORK/results-$scenario"
  rm -rf "$WORK/cache-$scenario"
  echo "== $scenario cold run" >&2
  # Not `read < <(measure ...)`: read returns at the first line while measure's clean-up still runs, and that clean-up
  # removed the next run's freshly started container.
  cold=$(measure "$scenario" cold)
  read -r _ cold_down _ cold_commit <<< "$cold"
  for run in $(seq 1 "$runs"); do
    echo "== $scenario run $run" >&2
    measure "$scenario" "$run" >> "$WORK/results-$scenario"
  done
  freeze=$(awk '{print $1}' "$WORK/results-$scenario" | median)
  down=$(awk '{print $2}' "$WORK/results-$scenario" | median)
  total=$(awk '{print $3}' "$WORK/results-$scenario" | median)
  commit=$(awk '{print $4}' "$WORK/results-$scenario" | median)
  printf '%-10s %5s %9s %10s %9s %9s %16s %15s %12s %17s\n' "$scenario" "$runs" "$freeze" "$down" "$total" "$commit" \
    "$(awk -v d="$down" -v c="$commit" 'BEGIN {printf "%.3f", d-c}')" "$(awk -v d="$down" -v t="$total" 'BEGIN {printf "%.2f", d/t}')" \
    "$cold_down" "$(awk -v d="$cold_down" -v c="$cold_commit" 'BEGIN {printf "%.3f", d-c}')"
done
