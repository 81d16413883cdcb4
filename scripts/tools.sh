#!/usr/bin/env bash
# The outside tools the tests check DockerIR's output with: mactime (Debian's sleuthkit) reads the timeline
# bodyfile, headless Chromium renders the HTML report. Installed from the distribution's packages when missing
# (root on Debian/Ubuntu); otherwise the tests that need them fail under CI=true and say what to install.
# Source this file, then call ensure_tools.

ensure_tools() {
  local missing=()
  command -v mactime >/dev/null 2>&1 || missing+=(sleuthkit)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "tools: ${missing[*]} missing and I cannot install them here; e.g. 'sudo apt-get install ${missing[*]}'" >&2
    return 1
  fi
  echo "tools: installing ${missing[*]} from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/dockerir-tools-apt.log 2>&1; then
    echo "tools: apt-get install ${missing[*]} failed; see /tmp/dockerir-tools-apt.log" >&2
    tail -n 20 /tmp/dockerir-tools-apt.log >&2
    return 1
  fi
}
