#!/usr/bin/env bash
# The benchmark of issue 8: fastsio against socketioxide and node socket.io@4, same contract.
#
#   scripts/bench.sh
#
# Builds bench/ in release, installs the node peer (bench/node, `npm ci`) when missing, then
# runs R repeats of every case against every server, interleaved (repeat > case > server):
# each run starts a fresh server pinned to CPU $SERVER_CPU and the load generator pinned to
# CPU $LOAD_CPU (taskset), so the server's CPU time and memory belong to that run alone.
# Each run prints a table line; at the end the medians, the ratios fastsio/peer and the
# issue's targets are printed (Markdown). Everything is kept in target/bench/<stamp>/:
# results.jsonl (one JSON line per run), report.md, server logs.
#
# Environment (defaults):
#   R=3                          repeats
#   SERVERS="fastsio socketioxide node"
#                                also: bare (the floor: tokio-tungstenite alone; echo, connect
#                                and broadcast only), fastsio-base (the server-fastsio binary named
#                                by FASTSIO_BASE: an A/B of two builds in one run), fastsio-mw,
#                                fastsio-recovery, fastsio-contract (the API contract on)
#   CASES="echo:100 echo:1000 broadcast:1000 broadcast:1000w1 connect:10000 rooms:1000x10
#          polling:100 polling-broadcast:200"
#                                scenario:N (clients / receivers / connections; rooms: RxM);
#                                broadcast:NwW and polling-broadcast:NwW: W emits in flight
#                                (default 2); polling: echo on HTTP long-polling;
#                                polling-broadcast: receivers on long-polling, then the check
#                                that a poll answer carries everything queued;
#                                connect:N beyond the fd limit (ulimit -n, raised as far as the
#                                hard limit allows) is skipped with a note; beyond 20000 the
#                                load generator uses several source addresses (127.0.0.x);
#                                also block:N (echo:N plus one client whose handler spins
#                                BLOCK_MS per call, BLOCK_PAUSE s between calls; fastsio's
#                                servers only)
#   BLOCK_MS=200  BLOCK_PAUSE=0  the block scenario's blocking client
#   WORKERS=                     the servers' worker threads (TOKIO_WORKER_THREADS; default:
#                                one per core they may run on, so one)
#   DURATION=3  WARMUP=1         measured and warm-up seconds of echo, broadcast, rooms
#   IDLE=2                       connect: seconds idle before the server's RSS is read
#   SERVER_CPU=0  LOAD_CPU=1     the cores to pin to
#   BASE_PORT=23000              each run listens on the next port from here
#   MAX_OTHER=25  QUIET_WAIT=20  RETRIES=2
#                                noise control: before each run, wait up to QUIET_WAIT s for
#                                the machine to be quiet (other processes below MAX_OTHER % of
#                                one core); a run during which other processes took more than
#                                MAX_OTHER % is run again, up to RETRIES times (the last one
#                                is kept; the report shows the median "other CPU %")
# A default run takes about 8 minutes on a quiet 2-core machine. Only loopback is used (127.0.0.1;
# a connect case beyond 20000 connections also connects from 127.0.0.2, .3, ..).
set -euo pipefail
cd "$(dirname "$0")/.."

R=${R:-3}
SERVERS=${SERVERS:-"fastsio socketioxide node"}
CASES=${CASES:-"echo:100 echo:1000 broadcast:1000 broadcast:1000w1 connect:10000 rooms:1000x10 polling:100 polling-broadcast:200"}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
IDLE=${IDLE:-2}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
BASE_PORT=${BASE_PORT:-23000}
MAX_OTHER=${MAX_OTHER:-25}
QUIET_WAIT=${QUIET_WAIT:-20}
RETRIES=${RETRIES:-2}
BLOCK_MS=${BLOCK_MS:-200}
BLOCK_PAUSE=${BLOCK_PAUSE:-0}
WORKERS=${WORKERS:-}

cargo build --release -p fastsio-bench
bin=target/release
if [[ " $SERVERS " == *" node "* && ! -d bench/node/node_modules/socket.io ]]; then
    (cd bench/node && npm ci --no-audit --no-fund)
fi

# Thousands of connections: raise the open-file limit as far as allowed (the servers and the
# load generator inherit it; each needs one descriptor per connection).
ulimit -n 1100000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
fd_limit=$(ulimit -n)

out="target/bench/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

echo "bench: R=$R SERVERS=\"$SERVERS\" CASES=\"$CASES\" DURATION=$DURATION WARMUP=$WARMUP${WORKERS:+ WORKERS=$WORKERS}"
echo "bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r), fd limit $fd_limit"
echo "bench: results in $out"
if awk '{ exit !($1 > 0.5) }' /proc/loadavg; then
    echo "bench: warning: the machine is busy (load average above 0.5); figures will be noisy"
fi

server_cmd() {
    case "$1" in
        fastsio) echo "$bin/server-fastsio" ;;
        fastsio-mw) echo "env BENCH_MIDDLEWARE=1 $bin/server-fastsio" ;;
        fastsio-recovery) echo "env BENCH_RECOVERY=1 $bin/server-fastsio" ;;
        fastsio-contract) echo "env BENCH_CONTRACT=1 $bin/server-fastsio" ;;
        socketioxide) echo "$bin/server-socketioxide" ;;
        bare) echo "$bin/server-bare" ;;
        fastsio-base) echo "${FASTSIO_BASE:?fastsio-base: set FASTSIO_BASE to a server-fastsio binary}" ;;
        node) echo "node bench/node/server.js" ;;
        *) echo "unknown server $1" >&2; return 1 ;;
    esac
}

# The machine's busy CPU over $1 seconds, in % of one core.
busy_pct() {
    local a b
    read -r -a a < <(head -1 /proc/stat)
    sleep "$1"
    read -r -a b < <(head -1 /proc/stat)
    local busy=0 total=0 i d
    for i in 1 2 3 4 5 6 7 8; do
        d=$((b[i] - a[i]))
        total=$((total + d))
        if ((i != 4 && i != 5)); then busy=$((busy + d)); fi
    done
    echo $((total > 0 ? 100 * busy * $(nproc) / total : 0))
}

# Waits (at most QUIET_WAIT s) until nothing else uses the machine.
wait_quiet() {
    local waited=0 busy
    while busy=$(busy_pct 0.3) && ((busy > MAX_OTHER && waited < QUIET_WAIT)); do
        ((waited == 0)) && echo "bench: machine busy (${busy}% of a core), waiting up to ${QUIET_WAIT}s"
        sleep 1
        waited=$((waited + 1))
    done
}

port=$BASE_PORT
start=$(date +%s)
for ((rep = 1; rep <= R; rep++)); do
    for case in $CASES; do
        scenario=${case%%:*}
        n=${case#*:}
        args=(--duration "$DURATION" --warmup "$WARMUP" --idle "$IDLE")
        if [[ $n == *w* ]]; then
            args+=(--window "${n#*w}")
            n=${n%w*}
        fi
        if [[ $scenario == connect ]] && ((n + 64 > fd_limit)); then
            echo "bench: $case skipped: $n connections need more descriptors than the fd limit ($fd_limit)"
            continue
        fi
        if [[ $scenario == rooms ]]; then
            args+=(--rooms "${n%x*}" --members "${n#*x}")
        elif [[ $scenario == block ]]; then
            args+=(--clients "$n" --block-ms "$BLOCK_MS" --block-pause "$BLOCK_PAUSE")
        else
            args+=(--clients "$n")
        fi
        for server in $SERVERS; do
            if [[ $server == bare && ! $scenario =~ ^(echo|connect|broadcast)$ ]]; then
                continue
            fi
            for ((try = 0; try <= RETRIES; try++)); do
                wait_quiet
                port=$((port + 1))
                read -r -a cmd <<<"$(server_cmd "$server")"
                PORT=$port env ${WORKERS:+TOKIO_WORKER_THREADS=$WORKERS} taskset -c "$SERVER_CPU" "${cmd[@]}" \
                    >>"$out/server-$server.log" 2>&1 &
                pid=$!
                set +e
                line=$(timeout 300 taskset -c "$LOAD_CPU" "$bin/load" "$scenario" \
                    --port "$port" --pid "$pid" --server "$server" "${args[@]}")
                status=$?
                set -e
                kill "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
                echo "$line" | grep -v '^{' | sed "s/^/[$rep\/$R] /" || true
                json=$(echo "$line" | grep '^{' || true)
                other=$(echo "$json" | grep -o '"other_cpu_pct":[0-9.]*' | cut -d: -f2 || true)
                other=${other%.*}
                if ((status == 0 && ${other:-0} > MAX_OTHER && try < RETRIES)); then
                    echo "bench: other processes took ${other}% of a core during that run; again"
                    continue
                fi
                [[ -n $json ]] && echo "$json" >>"$results"
                if ((status != 0)); then
                    echo "bench: $server $case failed (exit $status); see $out/server-$server.log"
                fi
                break
            done
        done
    done
done
echo "bench: $(($(date +%s) - start)) s of runs"
echo
"$bin/report" --max-other "$MAX_OTHER" "$results" | tee "$out/report.md"
