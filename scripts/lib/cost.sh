# Sourced by the callgrind scripts: what one operation costs, from two runs of one server that
# differ only in how long they ran.

# Appends to report $7 (and prints) the line of server label $1: the difference of the
# instruction counts $4 and $6 over the difference of the operation counts $3 and $5, in
# instructions per $2; or that it failed, when a run counted nothing or the longer one no more.
report_cost() {
    local label=$1 unit=$2 n1=$3 i1=$4 n2=$5 i2=$6 report=$7 cost
    if ((n1 == 0 || n2 == 0 || n2 <= n1)); then
        echo "$label: failed" | tee -a "$report"
        return
    fi
    cost=$(awk -v i1="$i1" -v i2="$i2" -v n1="$n1" -v n2="$n2" \
        'BEGIN { printf "%.0f", (i2 - i1) / (n2 - n1) }')
    echo "$label: $cost instructions per $unit (runs: $i1 Ir / $n1, $i2 Ir / $n2)" |
        tee -a "$report"
}
