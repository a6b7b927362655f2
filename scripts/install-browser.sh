#!/usr/bin/env bash
# Installs the browser tests/test_console.py drives: Debian's chromium headless shell (apt), the same
# Chromium build as Debian's `chromium` package without its desktop parts. playwright (pip, pinned in
# pyproject.toml) launches it by executable_path: its own browser download needs a CDN we cannot use.
# Idempotent: when the binary is there it only prints its path.
set -euo pipefail
BROWSER=/usr/bin/chromium-headless-shell
if [ ! -x "$BROWSER" ]; then
  echo "== installing chromium-headless-shell (apt)" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends chromium-headless-shell >&2
fi
echo "$BROWSER"
