#!/usr/bin/env bash
# Runs every test of DockerIR: the engine-free tests first, then the rest against a real Docker engine (installed and
# started here when none answers; without one the engine suites count as failed, and the engine-free results still show).
# Ends with one line: "N passed, N failed, N skipped". Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=engine.sh
source scripts/engine.sh
trap stop_engine_if_started EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results=$(mktemp -d)
# What the tests keep for a person to look at (the report's screenshot and its PDF's pages), in one place.
export DOCKERIR_TEST_ARTIFACTS="${DOCKERIR_TEST_ARTIFACTS:-$PWD/artifacts/test}"
mkdir -p "$DOCKERIR_TEST_ARTIFACTS"
status=0
echo "== build"
dotnet build DockerIR.sln -c Release -nologo -v q 2>&1 | tail -n 30 || status=$?
if [ "$status" -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Test projects run one after another (engine tests share one daemon); a hang is cut off rather than holding CI.
# The fault suite writes the seeds and fault points it used to $DOCKERIR_FAULT_REPORT, printed after it.
export DOCKERIR_FAULT_REPORT="$results/faults.log"
run_project() {
  local project=$1 name rc
  name=$(basename "$project" .csproj)
  echo "== $name"
  timeout 900 dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" "${test_args[@]}"
  rc=$?
  if [ -s "$DOCKERIR_FAULT_REPORT" ]; then
    echo "-- fault points and seeds (replay: DOCKERIR_FAULT_SEEDS=N,M scripts/test.sh --filter SigkillTests)"
    sed 's/^/   /' "$DOCKERIR_FAULT_REPORT"
    rm -f "$DOCKERIR_FAULT_REPORT"
  fi
  if [ "$rc" -ne 0 ]; then status=1; fi
  if [ ! -f "$results/$name.trx" ]; then
    echo "$name: no test results (the run crashed or timed out, exit $rc)"
    echo "failed 1 $name" >> "$results/crashed"
  fi
}
test_args=("$@")

# The engine-free tests first (a few seconds): they run, and report, even where no engine can be had.
engine_free=(tests/DockerIR.Core.Tests/DockerIR.Core.Tests.csproj tests/DockerIR.Cli.InProcess.Tests/DockerIR.Cli.InProcess.Tests.csproj)
for project in "${engine_free[@]}"; do run_project "$project"; done

engine_ok=1
if ! ensure_engine; then
  engine_ok=0
  status=1
fi
if [ "$engine_ok" = 1 ]; then
  # shellcheck source=tools.sh
  source scripts/tools.sh
  ensure_tools || true   # a test that needs a missing tool says so (and fails under CI=true)
  ensure_sarif_multitool || true

  # The real-workload corpus's root filesystem: built once per machine (a few minutes cold), cached after that.
  echo "== corpus rootfs (scripts/corpus.sh)"
  corpus_started=$(date +%s)
  if bash scripts/corpus.sh >/dev/null; then
    echo "corpus rootfs ready in $(( $(date +%s) - corpus_started )) s"
  else
    echo "corpus rootfs could not be built: the corpus tests will fail and say why"
  fi
fi

for project in tests/*.Tests/*.csproj; do
  case " ${engine_free[*]} " in *" $project "*) continue;; esac
  if [ "$engine_ok" = 1 ]; then
    run_project "$project"
  else
    # No engine: every engine suite counts as one failure (a missing engine is never a skip).
    echo "== $(basename "$project" .csproj): not run, no Docker engine"
    echo "failed 1 $(basename "$project" .csproj)" >> "$results/crashed"
  fi
done

# Totals from the TRX files (one <Counters> element each).
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, re, sys, os
p = f = s = 0
for path in glob.glob(os.path.join(sys.argv[1], "*.trx")):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"<Counters\b[^>]*>", text)
    if not m:
        f += 1
        continue
    attrs = dict(re.findall(r'(\w+)="(\d+)"', m.group(0)))
    p += int(attrs.get("passed", 0))
    f += int(attrs.get("failed", 0)) + int(attrs.get("error", 0)) + int(attrs.get("timeout", 0)) + int(attrs.get("aborted", 0))
    s += int(attrs.get("notExecuted", 0)) + int(attrs.get("inconclusive", 0))
crashed = os.path.join(sys.argv[1], "crashed")
if os.path.exists(crashed):
    f += sum(1 for _ in open(crashed))
print(p, f, s)
PY
)
rm -rf "$results"
stop_engine_if_started
DOCKERIR_STARTED_ENGINE=0
if [ "${failed:-1}" -ne 0 ]; then status=1; fi
if [ "${passed:-0}" -eq 0 ]; then status=1; fi
if compgen -G "$DOCKERIR_TEST_ARTIFACTS/*" >/dev/null; then echo "test artifacts (report screenshot, PDF pages): $DOCKERIR_TEST_ARTIFACTS"; fi
echo "${passed:-0} passed, ${failed:-1} failed, ${skipped:-0} skipped"
exit "$status"
