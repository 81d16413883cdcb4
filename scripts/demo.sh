#!/usr/bin/env bash
# The demo: ensures a Docker engine, builds dockerir, then breaches a local vulnerable container and responds.
# Extra arguments go to `dockerir demo` (e.g. --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=engine.sh
source scripts/engine.sh
trap stop_engine_if_started EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ensure_engine
dotnet build src/DockerIR.Cli -c Release -nologo -v q -o artifacts/dockerir >/dev/null
dotnet artifacts/dockerir/dockerir.dll demo "$@"
