#!/usr/bin/env bash
# Builds and starts examples/conformance on 127.0.0.1:3000, runs the official protocol suites
# against it with ../shared/tools/conformance.sh, then stops the server.
#
# usage: scripts/conformance.sh SIO_GITDIR EIO_GITDIR   (git dirs of socketio/socket.io-protocol
#        and socketio/engine.io-protocol; SUITES, RUNS, SIO_REF... are passed through)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { sed -n '2,6p' "$0"; exit 2; }
runner=../shared/tools/conformance.sh
[ -x "$runner" ] || { echo "error: $runner not found" >&2; exit 2; }

cargo build --release --example conformance
PORT=3000 ./target/release/examples/conformance &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break
  sleep 0.1
done
"$runner" "$1" "$2" 3000
