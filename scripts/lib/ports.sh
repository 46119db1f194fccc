# Sourced by the bench and callgrind scripts: waiting for a server's port.

# Waits until something listens on 127.0.0.1:$1, at most $2 seconds (default 60: a server
# starts slowly under valgrind).
wait_port() {
    local tries=$((${2:-60} * 20))
    for _ in $(seq "$tries"); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
