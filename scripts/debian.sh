#!/usr/bin/env bash
# What the scripts that build Debian root filesystems share (corpus.sh, oldbase.sh): the mirror this machine's apt
# sources name (never a hard-coded host), and debootstrap installed when missing. Source this file.

# The first plain Debian mirror of the apt sources (deb822 .sources files or a one-line sources.list).
mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      /^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
      /^URIs:/ { u = $2 }
      /^Suites:/ { if (deb && u != "" && $0 !~ /-security/) { print u; exit } }
      /^$/ { deb = 0; u = "" }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  return 1
}

# debootstrap from the distribution's packages when it is missing (root on Debian).
ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  printf '%s: installing debootstrap\n' "${0##*/}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends debootstrap >/tmp/dockerir-debootstrap-apt.log 2>&1 \
    || { printf '%s: apt-get install debootstrap failed; see /tmp/dockerir-debootstrap-apt.log\n' "${0##*/}" >&2; return 1; }
}
