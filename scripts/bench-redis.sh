#!/usr/bin/env bash
# Cross-node fan-out over Redis: fastsio (classic and sharded adapter), socketioxide with
# socketioxide-redis and node socket.io 4 with @socket.io/redis-adapter 8, in one run.
#
#   scripts/bench-redis.sh
#
# For each repeat (R), case, node count and server, interleaved, with fresh processes and a
# fresh redis-server of our own on a free loopback port: N nodes of one server on one Redis;
# the sender on node A, the receivers spread round-robin over all nodes. The load generator
# measures node B (it has receivers but no sender, so each of its deliveries came through
# Redis): its CPU per delivery to its own receivers (/proc/PID/stat in the measured window).
# INFO cpu and INFO commandstats before and after the whole run give redis-server's CPU (µs
# precision, unlike /proc's 10 ms ticks) and its PUBLISH (or SPUBLISH) count per broadcast
# sent; INFO stats its socket reads and writes per PUBLISH (how many publishes each read
# brings: the batching). Every delivery is checked (count, order, content).
#
# Servers: fastsio (classic adapter), fastsio-sharded (REDIS_ADAPTER=sharded, SPUBLISH),
#   socketioxide (socketioxide-redis), node (@socket.io/redis-adapter 8, bench/node),
#   fastsio-base (the server-fastsio binary FASTSIO_BASE, built from another commit: an A/B of
#   two builds in one run).
# Cases: broadcast:N (to every socket of "/", N receivers), rooms:RxM (R rooms of M members,
#   each emit to one room).
#
# Environment (defaults): R=3  NODES="2 3"  CASES="broadcast:1000 rooms:1000x10"
#   SERVERS="fastsio fastsio-sharded socketioxide node"  DURATION=3  WARMUP=1  BASE_PORT=24000.
#   Results in target/bench/redis-<stamp>/ (results.jsonl, report.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

R=${R:-3}
NODES=${NODES:-"2 3"}
CASES=${CASES:-"broadcast:1000 rooms:1000x10"}
SERVERS=${SERVERS:-"fastsio fastsio-sharded socketioxide node"}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
BASE_PORT=${BASE_PORT:-24000}

cargo build --release -p fastsio-bench --bin load --bin server-fastsio --bin server-socketioxide
bin=${CARGO_TARGET_DIR:-target}/release
if [[ " $SERVERS " == *" node "* && ! -d bench/node/node_modules ]]; then
    (cd bench/node && npm ci --no-audit --no-fund)
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

out="target/bench/redis-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

# shellcheck source=lib/ports.sh
source scripts/lib/ports.sh

pids=()
redis_pid=
cleanup() {
    for p in "${pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "bench-redis: R=$R NODES=\"$NODES\" CASES=\"$CASES\" SERVERS=\"$SERVERS\""
echo "bench-redis: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Starts a redis-server on port $1 (no persistence); sets redis_pid.
start_redis() {
    redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no \
        >>"$out/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 200); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "bench-redis: redis-server on port $1 did not start" >&2
    return 1
}

# PUBLISH plus SPUBLISH calls so far on the Redis at port $1.
publishes() {
    redis-cli -p "$1" info commandstats |
        awk -F'[:=,]' '/^cmdstat_(s)?publish:/ { n += $3 } END { print n + 0 }'
}

# redis-server's user + system CPU so far (µs) at port $1.
redis_cpu_us() {
    redis-cli -p "$1" info cpu |
        awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%d\n", s * 1e6 }'
}

# redis-server's reads and writes on client sockets so far at port $1: "READS WRITES".
redis_io() {
    redis-cli -p "$1" info stats |
        awk -F: '/^total_(reads|writes)_processed:/ { v[$1] = $2 + 0 }
                 END { print v["total_reads_processed"], v["total_writes_processed"] }'
}

# Starts server $1 on port $2 with Redis at $3; prints its pid (the server itself: exec).
start_server() {
    local url=redis://127.0.0.1:$3
    case $1 in
        fastsio) REDIS_URL=$url PORT=$2 exec "$bin/server-fastsio" ;;
        fastsio-sharded) REDIS_ADAPTER=sharded REDIS_URL=$url PORT=$2 exec "$bin/server-fastsio" ;;
        fastsio-base)
            REDIS_URL=$url PORT=$2 exec "${FASTSIO_BASE:?fastsio-base: set FASTSIO_BASE to a server-fastsio binary}"
            ;;
        socketioxide) REDIS_URL=$url PORT=$2 exec "$bin/server-socketioxide" ;;
        node) REDIS_URL=$url PORT=$2 exec node bench/node/server.js ;;
        *) echo "bench-redis: unknown server $1" >&2 ;;
    esac >>"$out/server-$1.log" 2>&1 &
    echo $!
}

port=$BASE_PORT
for ((rep = 1; rep <= R; rep++)); do
    for case in $CASES; do
        scenario=${case%%:*}
        size=${case#*:}
        case $scenario in
            broadcast) size_args=(--clients "$size") ;;
            rooms) size_args=(--rooms "${size%x*}" --members "${size#*x}") ;;
            *) echo "bench-redis: unknown case $case" >&2; exit 2 ;;
        esac
        for nodes in $NODES; do
            for server in $SERVERS; do
                port=$((port + nodes + 1))
                redis_port=$port
                if ! start_redis "$redis_port"; then
                    kill "$redis_pid" 2>/dev/null || true
                    redis_pid=
                    continue
                fi
                pids=()
                ports=()
                for ((k = 1; k <= nodes; k++)); do
                    ports+=($((redis_port + k)))
                    pids+=("$(start_server "$server" "${ports[-1]}" "$redis_port")")
                done
                for p in "${ports[@]}"; do wait_port "$p" 10 || echo "bench-redis: $server on $p is not up"; done
                # A sends; B is measured; receivers on B, A, C.., round-robin.
                spread=$(IFS=,; echo "${ports[*]:0:1}${ports[2]:+,${ports[*]:2}}")
                before=$(publishes "$redis_port")
                cpu_before=$(redis_cpu_us "$redis_port")
                read -r reads_before writes_before < <(redis_io "$redis_port")
                set +e
                line=$(timeout 180 "$bin/load" "$scenario" --port "${ports[1]}" --pid "${pids[1]}" \
                    --spread-ports "$spread" --sender-port "${ports[0]}" --redis-pid "$redis_pid" \
                    --server "$server-${nodes}n" "${size_args[@]}" \
                    --duration "$DURATION" --warmup "$WARMUP")
                status=$?
                set -e
                after=$(publishes "$redis_port")
                cpu_after=$(redis_cpu_us "$redis_port")
                read -r reads_after writes_after < <(redis_io "$redis_port")
                for p in "${pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
                pids=()
                redis_pid=
                echo "$line" | grep -v '^{' | sed "s/^/[$rep\/$R] $server ${nodes}n /" || true
                echo "$line" | grep '^{' |
                    jq -c --argjson p $((after - before)) --argjson c $((cpu_after - cpu_before)) \
                        --argjson r $((reads_after - reads_before)) --argjson w $((writes_after - writes_before)) \
                        --arg s "$server" \
                        '. + {peer: $s, publishes: $p, redis_run_cpu_us: $c, redis_reads: $r, redis_writes: $w}
                         + (if .emits > 0 then {publishes_per_emit: ($p / .emits * 1000 | round / 1000),
                                               redis_run_cpu_us_per_emit: ($c / .emits * 10 | round / 10)}
                            else {} end)
                         + (if $p > 0 then {redis_reads_per_publish: ($r / $p * 1000 | round / 1000),
                                           redis_writes_per_publish: ($w / $p * 1000 | round / 1000)}
                            else {} end)' \
                        >>"$results" || true
                ((status == 0)) || echo "bench-redis: $server ${nodes}n $case failed (exit $status)"
            done
        done
    done
done
echo
echo "median per server, nodes and case over R=$R (deliveries/s; p50, p99 µs; B's CPU µs per delivery to"
echo "its receivers; Redis CPU µs per broadcast; PUBLISH per broadcast; Redis's socket reads and writes per"
echo "PUBLISH, over the whole run; missing, mismatched, reordered"
echo "and, in rooms, joins sent again for a lost ack, summed over the runs); load average now $(cut -d' ' -f1-3 /proc/loadavg):"
jq -rs 'group_by(.case + " " + .server)[] |
    def med(f): (map(f) | sort | .[length / 2 | floor]);
    "\(.[0].case) \(.[0].server): \(med(.ops_per_s // 0) | floor)/s  p50 \(med(.p50_us))  p99 \(med(.p99_us))  node cpu \(med(.node_cpu_us_per_delivery // 0))  redis cpu \(med(.redis_run_cpu_us_per_emit // 0))  publish \(med(.publishes_per_emit // 0))  reads \(med(.redis_reads_per_publish // 0))  writes \(med(.redis_writes_per_publish // 0))  missing \(map(.missing) | add)  mismatches \(map(.mismatches) | add)  reordered \(map(.reordered) | add)\(if any(.[]; .join_retries) then "  join retries \(map(.join_retries // 0) | add)" else "" end)"' \
    "$results" | tee "$out/report.txt"
