#!/usr/bin/env bash
# Cross-node broadcast over Redis (fastsio-redis): latency and throughput of a broadcast whose
# sender is on one fastsio node and whose receivers are on another.
#
#   scripts/bench-redis.sh
#
# Three setups per case, interleaved over R repeats, each with fresh processes:
#   local   one server-fastsio, no Redis: sender and receivers on it (the baseline)
#   redis1  one server-fastsio with REDIS_URL: same, plus every broadcast published to Redis
#   cross   two server-fastsio with REDIS_URL (A and B): the sender on A, the receivers on B
#           (the sender gets its own broadcast from A, the receivers through Redis and B)
#   cross-sharded  as cross, on Redis 7 sharded pub/sub (REDIS_ADAPTER=sharded)
#   cross-base  as cross, with the server-fastsio binary FASTSIO_BASE (built from another
#           commit) on both nodes: an A/B of two builds in one run, SETUPS="cross cross-base"
# The load generator measures B's CPU (the receiving node). Redis: REDIS_URL when set, else a
# redis-server of our own on a free loopback port (stopped at the end).
#
# Environment (defaults): R=3  CASES="broadcast:100 broadcast:1000"  DURATION=3  WARMUP=1
#   SETUPS="local redis1 cross"  BASE_PORT=24000  FASTSIO_BASE (for cross-base). Results in
#   target/bench/redis-<stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

R=${R:-3}
CASES=${CASES:-"broadcast:100 broadcast:1000"}
SETUPS=${SETUPS:-"local redis1 cross"}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
BASE_PORT=${BASE_PORT:-24000}

cargo build --release -p fastsio-bench --bin load --bin server-fastsio
bin=${CARGO_TARGET_DIR:-target}/release
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

out="target/bench/redis-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

redis_pid=
if [[ -z ${REDIS_URL:-} ]]; then
    redis_port=$BASE_PORT
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        >"$out/redis.log" 2>&1 &
    redis_pid=$!
    REDIS_URL=redis://127.0.0.1:$redis_port
    for _ in $(seq 100); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
fi
pids=()
cleanup() {
    for p in "${pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "bench-redis: R=$R CASES=\"$CASES\" SETUPS=\"$SETUPS\" REDIS_URL=$REDIS_URL"
echo "bench-redis: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Starts a server-fastsio on port $1 (with Redis when $2 is 1, sharded pub/sub when 2; binary
# $3 if given); prints its pid.
start_server() {
    if [[ $2 == 2 ]]; then
        REDIS_ADAPTER=sharded REDIS_URL=$REDIS_URL PORT=$1 "$bin/server-fastsio" >>"$out/server.log" 2>&1 &
    elif [[ $2 == 1 ]]; then
        REDIS_URL=$REDIS_URL PORT=$1 "${3:-$bin/server-fastsio}" >>"$out/server.log" 2>&1 &
    else
        env -u REDIS_URL PORT=$1 "$bin/server-fastsio" >>"$out/server.log" 2>&1 &
    fi
    echo $!
}

port=$BASE_PORT
for ((rep = 1; rep <= R; rep++)); do
    for case in $CASES; do
        scenario=${case%%:*}
        n=${case#*:}
        for setup in $SETUPS; do
            port=$((port + 2))
            pids=()
            extra=()
            case $setup in
                local) pids+=("$(start_server "$port" 0)") ;;
                redis1) pids+=("$(start_server "$port" 1)") ;;
                cross)
                    pids+=("$(start_server "$port" 1)")
                    pids+=("$(start_server $((port + 1)) 1)")
                    extra=(--sender-port "$port")
                    ;;
                cross-sharded)
                    pids+=("$(start_server "$port" 2)")
                    pids+=("$(start_server $((port + 1)) 2)")
                    extra=(--sender-port "$port")
                    ;;
                cross-base)
                    base=${FASTSIO_BASE:?cross-base: set FASTSIO_BASE to a server-fastsio binary}
                    pids+=("$(start_server "$port" 1 "$base")")
                    pids+=("$(start_server $((port + 1)) 1 "$base")")
                    extra=(--sender-port "$port")
                    ;;
            esac
            receiver_port=$((port + ${#pids[@]} - 1))
            receiver_pid=${pids[-1]}
            set +e
            line=$(timeout 120 "$bin/load" "$scenario" --port "$receiver_port" \
                --pid "$receiver_pid" --server "fastsio-$setup" --clients "$n" \
                --duration "$DURATION" --warmup "$WARMUP" "${extra[@]}")
            status=$?
            set -e
            for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
            echo "$line" | grep -v '^{' | sed "s/^/[$rep\/$R] $setup /" || true
            echo "$line" | grep '^{' >>"$results" || true
            ((status == 0)) || echo "bench-redis: $setup $case failed (exit $status)"
        done
    done
done
echo
echo "median per setup and case (deliveries/s, p50 µs, p99 µs, B's CPU µs per delivery; missing and"
echo "reordered deliveries summed over the runs):"
jq -rs 'group_by(.server + " " + .case)[] |
    def med(f): (map(f) | sort | .[length / 2 | floor]);
    "\(.[0].server) \(.[0].case): \(med(.ops_per_s // 0) | floor)/s  p50 \(med(.p50_us))  p99 \(med(.p99_us))  cpu \(med(.cpu_us_per_op // 0))  missing \(map(.missing) | add)  reordered \(map(.reordered) | add)"' \
    "$results" | tee "$out/report.txt"
