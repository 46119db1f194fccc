# Sourced by the callgrind scripts: the processes a script starts, killed when it exits.

# The PIDs of the processes this script started: `cleanup` kills them when it exits.
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
