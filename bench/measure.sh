#!/usr/bin/env bash
# Sourced by the benchmarks (after cluster.sh): runs one command under GNU time and keeps its figures.
#
#   measure LABEL CMD...   runs CMD (stdout/stderr to $BENCH_DIR/LABEL.out), fails the script if CMD fails,
#                          and sets: wall_ms (from now_ms around the command), rss_mb (peak RSS of CMD,
#                          from `/usr/bin/time -v`), cpu_s (user+sys seconds of CMD and its children).
#   ratio A B              A/B with two decimals.
#   checkpoint             CHECKPOINT on the cluster, so one run's dirty buffers are not written during the next.

measure() {
    local label="$1"; shift
    local out="$BENCH_DIR/$label.out" tv="$BENCH_DIR/$label.time"
    local start end
    start=$(now_ms)
    if ! /usr/bin/time -v -o "$tv" "$@" >"$out" 2>&1; then
        echo "FAILED: $label: $*" >&2
        tail -20 "$out" >&2
        exit 1
    fi
    end=$(now_ms)
    wall_ms=$((end - start))
    rss_mb=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tv")
    cpu_s=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$tv")
}

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

checkpoint() { psql -q -X -d postgres -c CHECKPOINT >/dev/null; }
