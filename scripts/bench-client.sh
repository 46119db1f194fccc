#!/usr/bin/env bash
# The client benchmark of issue 17: fastsio-client against node's socket.io-client 4 and
# tf-rust-socketio, on the same echo server (a measurement, not a test).
#
#   scripts/bench-client.sh
#
# Each client connects over WebSocket, makes ACKS acknowledged `echo` emits from CONC emitters
# (each waits for its ack before emitting again) and reports its own CPU time per ack, then
# opens IDLE more connections and reports the resident memory each adds:
#   fastsio  fastsio-client's example ack_bench (release build)
#   node     bench/node/client_acks.js (socket.io-client 4.8.1; node --expose-gc)
#   tf       the bench crate's client-tf binary (tf-rust-socketio 0.9.3, async client; release)
# Servers: node (tests/js-server/server.mjs, socket.io 4) and fastsio (the bench crate's
# server-fastsio, release). R rounds; in each round every server is started fresh and every
# client runs once against it, in an order rotated from round to round (round > server >
# client). The server is pinned to CPU $SERVER_CPU and the client to CPU $CLIENT_CPU (taskset).
# Prints the medians and each client's ratio to node's socket.io-client (Markdown), with the
# load average before and after the run; everything is kept in target/bench-client/<stamp>/.
#
# Environment (defaults):
#   R=3  ACKS=20000  CONC=10  IDLE=200
#   SERVERS="node fastsio"  CLIENTS="node fastsio tf"
#   SERVER_CPU=0  CLIENT_CPU=1  BASE_PORT=24000
set -euo pipefail
cd "$(dirname "$0")/.."

R=${R:-3}
ACKS=${ACKS:-20000}
CONC=${CONC:-10}
IDLE=${IDLE:-200}
SERVERS=${SERVERS:-"node fastsio"}
CLIENTS=${CLIENTS:-"node fastsio tf"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-24000}

cargo build --release -p fastsio-client --example ack_bench
if [[ " $CLIENTS $SERVERS " == *" tf "* || " $SERVERS " == *" fastsio "* ]]; then
    cargo build --release -p fastsio-bench --bin client-tf --bin server-fastsio
fi
[[ -d tests/js-server/node_modules/socket.io ]] || (cd tests/js-server && npm ci --no-audit --no-fund)
[[ -d bench/node/node_modules/socket.io-client ]] || (cd bench/node && npm ci --no-audit --no-fund)

out="target/bench-client/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
results="$out/results.jsonl"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
port=$BASE_PORT
server_pid=

stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

# Starts server $1 on a fresh port; sets $server_pid and $url.
start_server() {
    local log="$out/server-$1-$2.log"
    port=$((port + 1))
    case $1 in
        node)
            taskset -c "$SERVER_CPU" node tests/js-server/server.mjs >"$log" 2>&1 &
            server_pid=$!
            for _ in $(seq 100); do
                [[ -s "$log" ]] && break
                sleep 0.1
            done
            port=$(head -1 "$log" | sed -n 's/.*"port":\([0-9]*\).*/\1/p')
            ;;
        fastsio)
            PORT=$port taskset -c "$SERVER_CPU" target/release/server-fastsio >"$log" 2>&1 &
            server_pid=$!
            for _ in $(seq 100); do
                (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
                sleep 0.1
            done
            ;;
        *) echo "unknown server $1" >&2; exit 1 ;;
    esac
    [[ -n "$port" ]] || { echo "server $1 did not start, see $log" >&2; exit 1; }
    url="http://127.0.0.1:$port"
}

run_client() {
    local args=("$url" "$ACKS" "$CONC" "$IDLE")
    case $1 in
        fastsio) taskset -c "$CLIENT_CPU" target/release/examples/ack_bench "${args[@]}" ;;
        node) taskset -c "$CLIENT_CPU" node --expose-gc bench/node/client_acks.js "${args[@]}" ;;
        tf) taskset -c "$CLIENT_CPU" target/release/client-tf "${args[@]}" ;;
        *) echo "unknown client $1" >&2; exit 1 ;;
    esac
}

read -r -a clients <<<"$CLIENTS"
for round in $(seq "$R"); do
    for server in $SERVERS; do
        start_server "$server" "$round"
        n=${#clients[@]}
        for i in $(seq 0 $((n - 1))); do
            client=${clients[$(((i + round - 1) % n))]}
            line=$(run_client "$client" | tail -1)
            echo "round $round server $server: $line"
            echo "{\"round\":$round,\"server\":\"$server\",\"result\":$line}" >>"$results"
        done
        stop_server
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$results" "$load_before" "$load_after" "$R" "$ACKS" "$CONC" "$IDLE" <<'EOF' | tee "$out/report.md"
import json, statistics, sys
path, before, after, rounds, acks, conc, idle = sys.argv[1:]
runs = [json.loads(l) for l in open(path)]
print(f"\n{rounds} rounds, {acks} acks from {conc} emitters, {idle} idle connections; "
      f"load average before {before}, after {after}\n")
print("| server | client | CPU µs per ack | × node client | acks/s | KiB per idle connection |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
def med(server, client, key):
    v = [r["result"][key] for r in runs if r["server"] == server and r["result"]["client"] == client]
    return statistics.median(v) if v else None
servers = list(dict.fromkeys(r["server"] for r in runs))
clients = list(dict.fromkeys(r["result"]["client"] for r in runs))
for s in servers:
    base = med(s, "socket.io-client", "cpu_us_per_ack")
    for c in clients:
        cpu = med(s, c, "cpu_us_per_ack")
        if cpu is None:
            continue
        ratio = f"{cpu / base:.2f}" if base else "–"
        print(f"| {s} | {c} | {cpu:.1f} | {ratio} | {med(s, c, 'acks_per_s'):.0f} "
              f"| {med(s, c, 'kib_per_idle_client'):.1f} |")
EOF
echo "kept in $out"
