#!/usr/bin/env bash
# Instructions per remote delivery on a receiving node, counted by callgrind (deterministic,
# unlike CPU time on a shared machine).
#
#   scripts/callgrind-redis.sh [SERVER...]      (default: fastsio socketioxide)
#
# For each server (fastsio, fastsio-sharded, socketioxide, or fastsio-base with FASTSIO_BASE
# set to another build of server-fastsio): a fresh redis-server of our own on a loopback port,
# node A running natively and node B under `valgrind --tool=callgrind`; the load generator puts
# all the receivers on B and the sender on A, so every delivery B makes came through Redis.
# Each server runs twice, with SHORT and LONG seconds of emits; the difference of B's
# instruction counts over the difference of its deliveries cancels what both runs share
# (start-up, the handshakes, shutdown) and leaves what one remote delivery costs.
#
# Environment (defaults): CASE=broadcast:1000 (or rooms:RxM)  SHORT=2  LONG=8  BASE_PORT=25500
#   LOAD_ARGS="" (more options for the load generator, e.g. "--concurrency 8").
# Results in target/callgrind/redis-<stamp>/ (callgrind.out.<server>-<secs>, report.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

CASE=${CASE:-broadcast:1000}
SHORT=${SHORT:-2}
LONG=${LONG:-8}
BASE_PORT=${BASE_PORT:-25500}
LOAD_ARGS=${LOAD_ARGS:-}
SERVERS=${*:-fastsio socketioxide}

bin=${CARGO_TARGET_DIR:-target}/release
out="target/callgrind/redis-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

scenario=${CASE%%:*}
size=${CASE#*:}
case $scenario in
    broadcast) size_args=(--clients "$size") ;;
    rooms) size_args=(--rooms "${size%x*}" --members "${size#*x}") ;;
    *) echo "callgrind-redis: unknown case $CASE" >&2; exit 2 ;;
esac

# shellcheck source=lib/processes.sh
source scripts/lib/processes.sh
# shellcheck source=lib/ports.sh
source scripts/lib/ports.sh
# shellcheck source=lib/cost.sh
source scripts/lib/cost.sh

# The server binary of $1 (fastsio-sharded: with REDIS_ADAPTER=sharded, set by `run`).
server_cmd() {
    case $1 in
        fastsio | fastsio-sharded) echo "$bin/server-fastsio" ;;
        fastsio-base) echo "${FASTSIO_BASE:?fastsio-base: set FASTSIO_BASE to a server-fastsio binary}" ;;
        socketioxide) echo "$bin/server-socketioxide" ;;
        *) echo "callgrind-redis: unknown server $1" >&2; return 1 ;;
    esac
}

# One run of server $1 for $2 seconds of emits on ports from $3; prints "instructions deliveries".
# Runs in a subshell (`< <(run ..)`): its own trap stops what it started, however it ends.
run() {
    trap cleanup EXIT
    local server=$1 secs=$2 port=$3 cmd
    cmd=$(server_cmd "$server")
    local redis_port=$port a_port=$((port + 1)) b_port=$((port + 2))
    local url=redis://127.0.0.1:$redis_port file="$out/callgrind.out.$server-$secs"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        >>"$out/redis.log" 2>&1 &
    pids=($!)
    until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
    local adapter=classic
    [[ $server == fastsio-sharded ]] && adapter=sharded
    REDIS_ADAPTER=$adapter REDIS_URL=$url PORT=$a_port "$cmd" >>"$out/server-$server.log" 2>&1 &
    pids+=($!)
    REDIS_ADAPTER=$adapter REDIS_URL=$url PORT=$b_port valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$cmd" >>"$out/server-$server.log" 2>>"$out/valgrind.log" &
    local b=$!
    pids+=("$b")
    wait_port "$a_port" && wait_port "$b_port"
    local line
    # shellcheck disable=SC2086
    line=$("$bin/load" "$scenario" --port "$b_port" --sender-port "$a_port" \
        --server "$server" "${size_args[@]}" --duration "$secs" --warmup 1 $LOAD_ARGS \
        2>>"$out/load.log" | grep '^{' || true)
    echo "$line" >>"$out/results.jsonl"
    kill -INT "$b"
    wait "$b" || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
    if [[ -z $line ]]; then
        echo "callgrind-redis: $server: the load generator failed (see $out/load.log)" >&2
        echo "0 0"
        return
    fi
    local instructions deliveries
    instructions=$(awk '/^(summary|totals):/ { print $2; exit }' "$file")
    # Deliveries to B: all the receivers are B's (the sender, on A, is not counted).
    deliveries=$(echo "$line" | jq 'if .ok == false then 0 elif .rooms then .emits * .members else .emits * (.connected - 1) end')
    if [[ $(echo "$line" | jq '(.missing // 0) + (.mismatches // 0)') != 0 ]]; then
        echo "callgrind-redis: $server: deliveries missing or wrong: $line" >&2
    fi
    echo "$instructions $deliveries"
}

# Runs server $1 for $2 seconds, again (at most 3 times) while the load generator fails:
# socketioxide now and then loses a join ack while thousands of sockets join their rooms.
# Sets ir and deliveries; moves port.
attempt() {
    ir=0 deliveries=0
    for _ in 1 2 3; do
        read -r ir deliveries < <(run "$1" "$2" "$port")
        port=$((port + 3))
        if ((deliveries > 0)); then
            return
        fi
    done
}

port=$BASE_PORT
for server in $SERVERS; do
    attempt "$server" "$SHORT"
    i1=$ir d1=$deliveries
    attempt "$server" "$LONG"
    i2=$ir d2=$deliveries
    report_cost "$server $CASE" delivery "$d1" "$i1" "$d2" "$i2" "$out/report.txt"
done
