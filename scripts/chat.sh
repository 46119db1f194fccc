#!/usr/bin/env bash
# Runs the chat demo on a fresh clone: installs the page's socket.io client (pinned in
# examples/chat/package-lock.json) when it is missing or out of date, then builds and starts
# the server.
#
#   ./scripts/chat.sh              # http://127.0.0.1:3000/
#   PORT=8080 ./scripts/chat.sh    # another port
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || {
    echo "error: '$tool' is needed to run the chat demo" >&2
    exit 2
  }
done

chat=examples/chat
# `npm ci` writes node_modules/.package-lock.json: missing or older than the lockfile means the
# install is missing or stale.
installed=$chat/node_modules/.package-lock.json
if [[ ! -f $installed || $installed -ot $chat/package-lock.json ||
      ! -f $chat/node_modules/socket.io-client/dist/socket.io.min.js ]]; then
  echo "chat: installing the socket.io client (npm ci in $chat)" >&2
  (cd "$chat" && npm ci --no-audit --no-fund)
fi

export PORT="${PORT:-3000}"
echo "chat demo: http://127.0.0.1:$PORT/ (once built and started)"
exec cargo run --release --example chat
