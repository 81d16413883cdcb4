#!/usr/bin/env bash
# The outside tools the tests check DockerIR's output with: mactime (Debian's sleuthkit) reads the timeline
# bodyfile, headless Chromium renders the HTML report (and prints it to PDF, which poppler's pdftoppm opens), the SARIF Multitool validates our SARIF. Installed from the
# distribution's packages (and npm) when missing (root on Debian/Ubuntu); otherwise the tests that need them fail
# under CI=true and say what to install. Source this file, then call ensure_tools and ensure_sarif_multitool.

ensure_tools() {
  local missing=()
  command -v mactime >/dev/null 2>&1 || missing+=(sleuthkit)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
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

# The SARIF Multitool (npm package @microsoft/sarif-multitool, pinned) that validates our SARIF under GitHub's upload
# rules. Installed once into $DOCKERIR_CACHE/sarif-multitool; exported as DOCKERIR_SARIF_MULTITOOL for the tests.
SARIF_MULTITOOL_VERSION=5.7.0
ensure_sarif_multitool() {
  local dir="${DOCKERIR_CACHE:-/var/cache/dockerir}/sarif-multitool-$SARIF_MULTITOOL_VERSION"
  local bin="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  if [ ! -f "$bin" ]; then
    command -v npm >/dev/null 2>&1 || { echo "tools: npm is missing, so the SARIF Multitool cannot be installed (apt-get install npm)" >&2; return 1; }
    echo "tools: installing the SARIF Multitool $SARIF_MULTITOOL_VERSION from the npm registry" >&2
    mkdir -p "$dir"
    if ! (cd "$dir" && npm install --no-save --no-package-lock --silent "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" >"$dir/npm.log" 2>&1); then
      echo "tools: npm install @microsoft/sarif-multitool failed; see $dir/npm.log" >&2
      return 1
    fi
  fi
  chmod u+x "$bin"   # npm does not run the package's own chmod (install scripts are not allowed)
  export DOCKERIR_SARIF_MULTITOOL="$bin"
}
