#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed (the browser test drives it through playwright-core;
# Playwright's own browser download is not used). Needs root (or sudo-less apt) when it installs.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: 'chromium' is not on PATH and apt-get is not available to install it" >&2
  exit 2
fi

echo "ensure-chromium: installing Debian's chromium (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >&2

command -v chromium >/dev/null 2>&1 || {
  echo "error: 'chromium' is still not on PATH after apt-get install" >&2
  exit 2
}
