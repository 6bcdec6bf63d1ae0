#!/usr/bin/env bash
# A ~200 MB migration applied by `migrate` and by `psql --single-transaction -f` on the same throwaway
# cluster in the same run: wall time, client CPU, peak RSS of the client, and migrate/psql ratios.
#
# Two generated files (deterministic, written to the temp dir, never the repo):
#   copy:   CREATE TABLE t + COPY t (id, name, amount, created) FROM stdin + ~SIZE MB of tab-separated
#           rows + \. + ANALYZE t
#   insert: CREATE TABLE t + ~SIZE MB of single-row `INSERT INTO t VALUES (…);` one per line + ANALYZE t
# Each file is applied RUNS times by each tool, into a fresh database each time, in alternating order
# (run 1: migrate first, run 2: psql first…). Row counts must match or the script exits 1.
#
# Usage: bench/copy_200mb.sh [SIZE_MB] [RUNS] [KINDS]   defaults: 200 2 "copy insert"   (builds release first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mb="${1:-200}"
runs="${2:-2}"
kinds="${3:-copy insert}"
swift build -c release >/dev/null
bin="$PWD/.build/release/migrate"
source bench/cluster.sh
source bench/measure.sh

# Writes $BENCH_DIR/<kind>/V1__load.sql; prints the number of rows.
generate() { # kind
    mkdir -p "$BENCH_DIR/$1"
    python3 bench/generate_load.py "$1" "$size_mb" "$BENCH_DIR/$1/V1__load.sql"
}

printf '%s\n' "date: $(date -u '+%Y-%m-%d %H:%M UTC')" \
    "server: $(psql -X -tA -d postgres -c 'select version()')" \
    "cpu: $(nproc) x $(lscpu | sed -n 's/^Model name: *//p' | head -1)"

fail=0
for kind in $kinds; do
    start=$(now_ms)
    expected=$(generate "$kind")
    file="$BENCH_DIR/$kind/V1__load.sql"
    echo
    echo "== $kind: $(du -m "$file" | cut -f1) MB ($(stat -c %s "$file") bytes), $expected rows, generated in $(( $(now_ms) - start )) ms"
    printf '%-4s %-8s %10s %8s %9s %10s\n' run tool wall_ms cpu_s rss_mb rows
    for run in $(seq 1 "$runs"); do
        if (( run % 2 == 1 )); then order="migrate psql"; else order="psql migrate"; fi
        for tool in $order; do
            db="${kind}_${tool}_${run}"
            url="$(bench_db "$db")"
            checkpoint
            if [ "$tool" = migrate ]; then
                measure "$db" bash -c 'cd "$1" && exec "$2" -url="$3" -locations="filesystem:$1" migrate -q' _ \
                    "$BENCH_DIR/$kind" "$bin" "$url"
                m_wall=$wall_ms
            else
                measure "$db" psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" -f "$file"
                p_wall=$wall_ms
            fi
            count=$(psql -X -tA -d "$db" -c 'select count(*) from t')
            printf '%-4s %-8s %10s %8s %9s %10s\n' "$run" "$tool" "$wall_ms" "$cpu_s" "$rss_mb" "$count"
            if [ "$count" != "$expected" ]; then echo "ROW COUNT MISMATCH: $tool has $count rows, expected $expected" >&2; fail=1; fi
            psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
        done
        echo "     run $run ratio migrate/psql wall: $(ratio "$m_wall" "$p_wall")"
    done
    rm -rf "${BENCH_DIR:?}/$kind"
done
exit $fail
