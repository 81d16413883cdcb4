#!/usr/bin/env bash
# The Native AOT build of dockerir (the form users run: one file, no .NET runtime needed), cached per source state
# under artifacts/aot/KEY: KEY is the commit, plus a hash of the uncommitted changes when the tree is dirty, so a
# commit is built once. Source this file, then call `aot_build` (prints the binary's path; fails when the native
# toolchain is missing) or `aot_or_jit` (sets the DOCKERIR_CMD array; falls back to the JIT build with a one-line note on stderr).

aot_key() {
  local here; here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local commit dirty
  commit=$(git -C "$here" rev-parse HEAD 2>/dev/null || echo nogit)
  dirty=$( { git -C "$here" diff HEAD -- src Directory.Build.props Directory.Packages.props 2>/dev/null
             git -C "$here" ls-files --others --exclude-standard -- src 2>/dev/null | while read -r f; do sha256sum "$here/$f"; done; } | sha256sum | cut -c1-12)
  # The hash of nothing: a clean tree.
  if [ "$dirty" = "$(printf '' | sha256sum | cut -c1-12)" ]; then echo "$commit"; else echo "$commit-$dirty"; fi
}

aot_build() {
  local here; here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local out; out="$here/artifacts/aot/$(aot_key)"
  if [ ! -x "$out/dockerir" ]; then
    echo "dockerir: building the Native AOT binary (once per commit, about a minute) ..." >&2
    rm -rf "$out.partial"
    if ! dotnet publish "$here/src/DockerIR.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$out.partial" -nologo -v q \
        >"$here/artifacts/aot-build.log" 2>&1; then
      rm -rf "$out.partial"
      return 1
    fi
    # Only the executable is needed (debug symbols stay beside it for a crash's stack).
    mv "$out.partial" "$out"
  fi
  echo "$out/dockerir"
}

aot_or_jit() {
  local here bin; here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  mkdir -p "$here/artifacts"
  if bin=$(aot_build); then DOCKERIR_CMD=("$bin"); return 0; fi
  echo "dockerir: the Native AOT build failed (see artifacts/aot-build.log; it needs clang and zlib1g-dev); using the JIT build" >&2
  if [ ! -f "$here/artifacts/dockerir/dockerir.dll" ] || [ -n "$(find "$here/src" -newer "$here/artifacts/dockerir/dockerir.dll" -name '*.cs' -print -quit)" ]; then
    dotnet build "$here/src/DockerIR.Cli" -c Release -nologo -v q -o "$here/artifacts/dockerir" >/dev/null
  fi
  DOCKERIR_CMD=(dotnet "$here/artifacts/dockerir/dockerir.dll")
}
