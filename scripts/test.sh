#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, protocol tests over loopback, and the real-client
# interop tests. The clients (npm packages pinned in tests/js/package-lock.json and
# examples/chat/package-lock.json, python-socketio pinned in tests/py/requirements.txt) are
# installed by the test harness on first use; Debian's chromium (the browser test) here.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo node npm python3; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is needed by the tests" >&2; exit 2; }
done

./scripts/ensure-chromium.sh
./scripts/ensure-nginx.sh
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc
