#!/usr/bin/env bash
# How long `migrate` takes when nothing is pending on 1,000 applied files, beside `psql -c 'select 1'`
# (the floor for any client that connects and runs one query) on the same machine in the same run.
# Usage: bench/noop_1000.sh [runs]    (builds release first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-20}"
swift build -c release >/dev/null
bin="$PWD/.build/release/migrate"
source bench/cluster.sh

work="$BENCH_DIR/project"; mkdir -p "$work/sql"
for i in $(seq 1 1000); do
    printf 'CREATE TABLE t%04d (id int PRIMARY KEY, name text NOT NULL);\nCOMMENT ON TABLE t%04d IS %s;\n' "$i" "$i" "'table $i'" > "$work/sql/V${i}__table_${i}.sql"
done
url="$(bench_db noop)"
cd "$work"
start=$(now_ms); "$bin" -url="$url" migrate -q; end=$(now_ms)
echo "initial migrate of 1000 files: $((end - start)) ms"

time_loop() { # label, command...
    local label="$1"; shift
    "$@" >/dev/null 2>&1 # warm-up
    local start end
    start=$(now_ms)
    for _ in $(seq 1 "$runs"); do "$@" >/dev/null; done
    end=$(now_ms)
    echo "$label: $(( (end - start) / runs )) ms per run (avg of $runs)"
    last_us=$(( (end - start) * 1000 / runs ))
}
time_loop "migrate (nothing pending, 1000 applied)" "$bin" -url="$url" migrate; migrate_us=$last_us
time_loop "migrate validate (1000 applied)" "$bin" -url="$url" validate
time_loop "migrate info (1000 applied)" "$bin" -url="$url" info
time_loop "psql -c 'select 1'" psql -d noop -c 'select 1'; psql_us=$last_us
echo "ratio migrate(no-op)/psql(select 1): $(python3 -c "print(round($migrate_us / $psql_us, 2))")"
