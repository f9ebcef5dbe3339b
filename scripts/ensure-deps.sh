#!/usr/bin/env bash
# Installs the Debian packages the build needs, only when they are missing.
# Usage: scripts/ensure-deps.sh PACKAGE[:COMMAND_OR_FILE] ...
#   nasm            -> installed unless `nasm` is on PATH
#   libjna-java:/usr/share/java/jna.jar -> installed unless that file exists
set -euo pipefail
missing=()
for spec in "$@"; do
  pkg=${spec%%:*}; probe=${spec#*:}; [ "$probe" = "$spec" ] && probe=$pkg
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
