#!/usr/bin/env bash
# Ensures a Docker engine answers, installing and starting one on Debian when none does.
#
# Sourced:  `source scripts/engine.sh && ensure_engine` — sets DOCKERIR_STARTED_ENGINE=1 when it started
#           dockerd itself, and `stop_engine_if_started` stops it again (call it from an EXIT trap).
# Run:      `scripts/engine.sh` — ensures an engine and leaves it running (for interactive use).
#
# dockerd is detached (setsid, output in a log file) so nothing holds a CI job open.
set -u

DOCKERIR_ENGINE_LOG="${DOCKERIR_ENGINE_LOG:-/var/log/dockerir-dockerd.log}"
DOCKERIR_STARTED_ENGINE="${DOCKERIR_STARTED_ENGINE:-0}"

_engine_say() { printf 'engine: %s\n' "$*" >&2; }

_engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1
}

_engine_install() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    _engine_say "no Docker engine answers and I cannot install one here (need root on Debian/Ubuntu)."
    _engine_say "install: ${missing[*]} (e.g. 'sudo apt-get install ${missing[*]}'), start dockerd, then retry."
    return 1
  fi
  _engine_say "installing ${missing[*]} from the distribution's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/dockerir-apt.log 2>&1; then
    _engine_say "apt-get install ${missing[*]} failed; see /tmp/dockerir-apt.log"
    tail -n 20 /tmp/dockerir-apt.log >&2
    return 1
  fi
}

_engine_start() {
  local sock=/var/run/docker.sock
  _engine_say "starting dockerd (log: $DOCKERIR_ENGINE_LOG)"
  mkdir -p "$(dirname "$DOCKERIR_ENGINE_LOG")"
  # containerd is started by dockerd itself when not running.
  setsid dockerd --host "unix://$sock" >"$DOCKERIR_ENGINE_LOG" 2>&1 < /dev/null &
  echo $! > /tmp/dockerir-dockerd.pid
  DOCKERIR_STARTED_ENGINE=1
  export DOCKERIR_STARTED_ENGINE
  local i
  for i in $(seq 1 120); do
    if _engine_answers; then
      _engine_say "dockerd answers after ${i}x0.5 s"
      return 0
    fi
    if ! kill -0 "$(cat /tmp/dockerir-dockerd.pid)" 2>/dev/null; then
      _engine_say "dockerd exited; last lines of $DOCKERIR_ENGINE_LOG:"
      tail -n 20 "$DOCKERIR_ENGINE_LOG" >&2
      return 1
    fi
    sleep 0.5
  done
  _engine_say "dockerd did not answer within 60 s; last lines of $DOCKERIR_ENGINE_LOG:"
  tail -n 20 "$DOCKERIR_ENGINE_LOG" >&2
  return 1
}

# A dockerd that is running but not answering is starting up or shutting down: wait for it to settle
# (answer or exit) instead of starting a second one beside it.
_engine_wait_for_running_daemon() {
  local i
  pgrep -x dockerd >/dev/null 2>&1 || return 0
  _engine_say "a dockerd is running but not answering yet; waiting for it (up to 60 s)"
  for i in $(seq 1 120); do
    _engine_answers && return 0
    pgrep -x dockerd >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  _engine_say "the running dockerd (pid $(pgrep -x dockerd | head -1)) neither answers nor exits; stop it and retry"
  return 1
}

ensure_engine() {
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
    # A remote engine was named: use it or fail, never start a local one behind the user's back.
    _engine_answers && return 0
    _engine_say "DOCKER_HOST=$DOCKER_HOST does not answer 'docker info'"
    return 1
  fi
  _engine_answers && { [ -x /bin/busybox ] || _engine_install; return $?; }
  _engine_install || return 1
  _engine_wait_for_running_daemon || return 1
  _engine_answers && return 0
  _engine_start
}

stop_engine_if_started() {
  [ "${DOCKERIR_STARTED_ENGINE:-0}" = 1 ] || return 0
  local pid
  pid=$(cat /tmp/dockerir-dockerd.pid 2>/dev/null) || return 0
  _engine_say "stopping the dockerd this run started (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  # dockerd started containerd as its child; make sure it is gone too.
  pkill -f '^containerd --config /var/run/docker/containerd' 2>/dev/null || true
  rm -f /tmp/dockerir-dockerd.pid
}

# Stops the running dockerd and starts it again, detached as above (the fault-injection suite's "engine restarted
# mid-run"). The new daemon's pid replaces the old one in /tmp/dockerir-dockerd.pid, so the stop_engine_if_started
# of the run that started the first one stops this one.
restart_engine() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null || pgrep -x dockerd | head -1)
  if [ -n "$pid" ]; then
    _engine_say "stopping dockerd (pid $pid) to restart it"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { _engine_say "dockerd (pid $pid) did not stop within 30 s"; return 1; }
  fi
  _engine_start
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_engine
fi
