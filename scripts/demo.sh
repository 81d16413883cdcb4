#!/usr/bin/env bash
# The demo: checks for the .NET SDK, ensures a Docker engine, builds dockerir (Native AOT, once per commit; the JIT
# build when the native toolchain is missing), then breaches a local vulnerable container and responds.
# Extra arguments go to `dockerir demo` (e.g. --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v dotnet >/dev/null 2>&1 || { echo "demo: the .NET 10 SDK is needed to build dockerir (dotnet not on PATH); see https://dot.net" >&2; exit 1; }
# shellcheck source=engine.sh
source scripts/engine.sh
# shellcheck source=aot.sh
source scripts/aot.sh
trap stop_engine_if_started EXIT
ensure_engine
aot_or_jit
"${DOCKERIR_CMD[@]}" demo "$@"
