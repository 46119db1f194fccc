#!/usr/bin/env bash
# Instructions per echo ack, counted by callgrind (deterministic, unlike CPU time on a shared
# machine), for the echo servers of bench/: fastsio against the floor (server-bare).
#
#   scripts/callgrind-echo.sh [SERVER...]      (default: fastsio bare)
#
# SCENARIO=polling measures the acks of `load polling` instead (every client on long-polling
# only: a POST per event, a GET per ack; server-bare does not speak it), SCENARIO=broadcast-w1
# the deliveries of `load broadcast --window 1` (one emit in flight to CLIENTS + 1 sockets,
# the sender's own copy included: emits × sockets deliveries), SCENARIO=connect the connects of
# `load connect` (WebSocket handshake, open packet, CONNECT and its answer; then the connections
# close): SHORT and LONG are then numbers of connections (defaults 500 and 2500), opened
# CONCURRENCY at a time, and the cost is per connect.
#
# For each server (fastsio, bare, socketioxide, or fastsio-base with FASTSIO_BASE set to
# another build of server-fastsio): the server runs under `valgrind --tool=callgrind` on one
# worker thread, and `load echo` drives it with CLIENTS closed-loop clients. Each server runs
# twice, with SHORT and LONG seconds of echo; the difference of the instruction counts over
# the difference of the acks (every ack of the run, warm-up included) cancels what both runs
# share (start-up, the handshakes, shutdown) and leaves what one ack costs.
#
# Environment (defaults): SCENARIO=echo  CLIENTS=100  SHORT=2  LONG=6  BASE_PORT=25700  WORKERS=1
#   CONCURRENCY=50 (connect)  LOAD_ARGS="" (more options for the load generator, e.g. "--payload 256").
# CACHE_SIM=1 also simulates the caches (`--cache-sim=yes`) and reports data-cache misses per
# operation: D1mr/D1mw (first level, reads/writes) and DLmr/DLmw (last level). The simulated
# last level is valgrind's pick from the host (here the shared L3) unless CACHE_ARGS sets it,
# e.g. CACHE_ARGS="--LL=1048576,16,64" for one core's 1 MiB L2, the level per-connection state
# spills out of first when there are many clients. Read the misses by function with
# `callgrind_annotate --inclusive=no --show=Ir,D1mr,D1mw,DLmr,DLmw --sort=D1mr FILE`.
# Build first: cargo build --release -p fastsio-bench --bins.
# Results in target/callgrind/<SCENARIO>-<stamp>/ (callgrind.out.<server>-<size>, report.txt); read
# one with `callgrind_annotate --inclusive=no FILE | head -60`.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=${SCENARIO:-echo}
CLIENTS=${CLIENTS:-100}
if [[ $SCENARIO == connect ]]; then
    SHORT=${SHORT:-500}
    LONG=${LONG:-2500}
else
    SHORT=${SHORT:-2}
    LONG=${LONG:-6}
fi
CONCURRENCY=${CONCURRENCY:-50}
BASE_PORT=${BASE_PORT:-25700}
WORKERS=${WORKERS:-1}
LOAD_ARGS=${LOAD_ARGS:-}
CACHE_SIM=${CACHE_SIM:-0}
CACHE_ARGS=${CACHE_ARGS:-}
tool=(--tool=callgrind)
if [[ $CACHE_SIM == 1 ]]; then
    # shellcheck disable=SC2206
    tool+=(--cache-sim=yes $CACHE_ARGS)
fi
SERVERS=${*:-fastsio bare}

bin=${CARGO_TARGET_DIR:-target}/release
case $SCENARIO in
    echo | polling) load=("$SCENARIO") per=ack count='.acked' ;;
    broadcast-w1) load=(broadcast --window 1) per=delivery count='.emits * .connected' ;;
    connect) load=(connect --concurrency "$CONCURRENCY" --idle 0.5) per=connect count='.connected' ;;
    *) echo "callgrind-echo: SCENARIO is echo, polling, broadcast-w1 or connect, not $SCENARIO" >&2; exit 1 ;;
esac
out="target/callgrind/$SCENARIO-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck source=lib/processes.sh
source scripts/lib/processes.sh
# shellcheck source=lib/ports.sh
source scripts/lib/ports.sh
# shellcheck source=lib/cost.sh
source scripts/lib/cost.sh

# Stops server $1: SIGINT first (server-fastsio shuts down gracefully), SIGTERM after 20 s
# (server-bare has no handler, and a background job ignores SIGINT); callgrind writes its
# counts either way.
stop() {
    kill -INT "$1" 2>/dev/null || true
    for _ in $(seq 200); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" || true
}

server_cmd() {
    case $1 in
        fastsio) echo "$bin/server-fastsio" ;;
        bare) echo "$bin/server-bare" ;;
        socketioxide) echo "$bin/server-socketioxide" ;;
        fastsio-base) echo "${FASTSIO_BASE:?fastsio-base: set FASTSIO_BASE to a server-fastsio binary}" ;;
        *) echo "callgrind-echo: unknown server $1" >&2; return 1 ;;
    esac
}

# The load generator's options for a run of size $1: seconds of echo (or fan-out), or
# connections (connect).
run_size() {
    case $SCENARIO in
        connect) echo "--clients $1" ;;
        *) echo "--clients $CLIENTS --duration $1 --warmup 1" ;;
    esac
}

# One run of server $1 of size $2 (see run_size) on port $3; prints "instructions acks", then
# with CACHE_SIM=1 the run's data-cache misses "D1mr D1mw DLmr DLmw".
# Runs in a subshell (`< <(run ..)`): its own trap stops what it started, however it ends.
run() {
    trap cleanup EXIT
    local server=$1 size=$2 port=$3 cmd
    cmd=$(server_cmd "$server")
    local file="$out/callgrind.out.$server-$size"
    PORT=$port TOKIO_WORKER_THREADS=$WORKERS valgrind "${tool[@]}" \
        --callgrind-out-file="$file" "$cmd" >>"$out/server-$server.log" 2>>"$out/valgrind.log" &
    local s=$!
    pids=("$s")
    if ! wait_port "$port"; then
        echo "callgrind-echo: $server did not listen on $port" >&2
        echo "0 0"
        return
    fi
    local line
    # shellcheck disable=SC2046,SC2086
    line=$(timeout 120 "$bin/load" "${load[@]}" --port "$port" --server "$server" $(run_size "$size") \
        $LOAD_ARGS 2>>"$out/load.log" | grep '^{' || true)
    echo "$line" >>"$out/results.jsonl"
    stop "$s"
    pids=()
    if [[ -z $line ]] || [[ $(echo "$line" | jq '(.mismatches // 1) + (.errors // 1)') != 0 ]]; then
        echo "callgrind-echo: $server: the load generator failed or saw wrong acks: $line" >&2
        echo "0 0"
        return
    fi
    local instructions acks misses=""
    instructions=$(awk '/^(summary|totals):/ { print $2; exit }' "$file")
    acks=$(echo "$line" | jq "$count")
    if [[ $CACHE_SIM == 1 ]]; then misses=$(cache_misses "$file"); fi
    echo "$instructions $acks $misses"
}

# The data-cache misses "D1mr D1mw DLmr DLmw" of callgrind file $1, found by the names of its
# `events:` line (their order depends on valgrind's options).
cache_misses() {
    awk '/^events:/ { for (i = 2; i <= NF; i++) col[$i] = i }
        /^(summary|totals):/ { print $col["D1mr"], $col["D1mw"], $col["DLmr"], $col["DLmw"]; exit }' "$1"
}

# Appends to the report (and prints) the data-cache misses per operation of label $1, from the
# operation counts $2 and $4 and the misses "D1mr D1mw DLmr DLmw" $3 and $5 of the two runs.
report_misses() {
    local label=$1 n1=$2 m1=$3 n2=$4 m2=$5
    if ((n1 == 0 || n2 == 0 || n2 <= n1)); then return; fi
    awk -v label="$label" -v per="$per" -v n1="$n1" -v n2="$n2" -v m1="$m1" -v m2="$m2" 'BEGIN {
        split(m1, a, " "); split(m2, b, " "); split("D1mr D1mw DLmr DLmw", name, " ")
        line = label ":"
        for (i = 1; i <= 4; i++) line = line sprintf(" %s %.1f", name[i], (b[i] - a[i]) / (n2 - n1))
        print line " misses per " per
    }' | tee -a "$out/report.txt"
}

port=$BASE_PORT
for server in $SERVERS; do
    read -r i1 a1 m1 < <(run "$server" "$SHORT" "$port")
    port=$((port + 1))
    read -r i2 a2 m2 < <(run "$server" "$LONG" "$port")
    port=$((port + 1))
    label="$server $SCENARIO:$CLIENTS"
    if [[ $SCENARIO == connect ]]; then label="$server connect:$SHORT-$LONG"; fi
    report_cost "$label" "$per" "$a1" "$i1" "$a2" "$i2" "$out/report.txt"
    if [[ $CACHE_SIM == 1 ]]; then report_misses "$label" "$a1" "$m1" "$a2" "$m2"; fi
done
echo "callgrind-echo: results in $out"
