# Sourced by the callgrind scripts: the processes a script starts (killed when it exits), and
# waiting for a server's port.

# The PIDs of the processes this script started: `cleanup` kills them when it exits.
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits until something listens on 127.0.0.1:$1 (at most 60 s: a server starts slowly under
# valgrind).
wait_port() {
    for _ in $(seq 1200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
