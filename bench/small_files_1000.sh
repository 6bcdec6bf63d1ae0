#!/usr/bin/env bash
# 1,000 small migration files (CREATE TABLE + CREATE INDEX + 3 INSERTs + COMMENT each) applied to a fresh
# database by `migrate`, beside psql applying the same files on the same cluster in the same run:
#   psql loop: one `psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f FILE` per file, in version order
#              (what people do by hand; one transaction per file, like migrate)
#   psql all:  one psql with `-f V1… -f V2… …` and --single-transaction (psql's best case: one connection,
#              one transaction for everything, no history table)
# Each is run RUNS times into fresh databases, order rotated per run. Then, on a migrated database,
# `migrate info`, `migrate validate` and `migrate migrate` with nothing pending are timed REPEAT times each.
#
# Usage: bench/small_files_1000.sh [RUNS] [REPEAT]   defaults: 2 5   (builds release first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-2}"
repeat="${2:-5}"
swift build -c release >/dev/null
bin="$PWD/.build/release/migrate"
source bench/cluster.sh
source bench/measure.sh

sql="$BENCH_DIR/project/sql"
python3 bench/generate_small_files.py 1000 "$sql"
files=(); for i in $(seq 1 1000); do files+=("$sql/V${i}__table_${i}.sql"); done
all_f=(); for f in "${files[@]}"; do all_f+=(-f "$f"); done

check() { # db tool
    local n; n=$(psql -X -tA -d "$1" -c "select count(*) from pg_class where relkind = 'r' and relname ~ '^t[0-9]+$'")
    local rows; rows=$(psql -X -tA -d "$1" -c 'select count(*) from t1000')
    if [ "$n" != 1000 ] || [ "$rows" != 3 ]; then echo "WRONG RESULT from $2: $n tables, $rows rows in t1000" >&2; exit 1; fi
}

printf '%s\n' "date: $(date -u '+%Y-%m-%d %H:%M UTC')" \
    "server: $(psql -X -tA -d postgres -c 'select version()')" \
    "cpu: $(nproc) x $(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
    "files: 1000, $(cat "${files[@]}" | wc -c) bytes in all"
echo
printf '%-4s %-10s %9s %8s %8s\n' run tool wall_ms cpu_s rss_mb
orders=("migrate loop all" "loop all migrate" "all migrate loop")
for run in $(seq 1 "$runs"); do
    for tool in ${orders[$(( (run - 1) % 3 ))]}; do
        db="small_${tool}_${run}"
        url="$(bench_db "$db")"
        checkpoint
        case "$tool" in
            migrate) measure "$db" bash -c 'cd "$1" && exec "$2" -url="$3" -locations="filesystem:$1/sql" migrate -q' _ \
                         "$BENCH_DIR/project" "$bin" "$url"; m=$wall_ms ;;
            loop) measure "$db" bash -c 'db="$1"; shift
                      for f; do psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" -f "$f" || exit 1; done' _ \
                      "$db" "${files[@]}"; l=$wall_ms ;;
            all) measure "$db" psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" "${all_f[@]}"; a=$wall_ms ;;
        esac
        check "$db" "$tool"
        printf '%-4s %-10s %9s %8s %8s\n' "$run" "$tool" "$wall_ms" "$cpu_s" "$rss_mb"
    done
    echo "     run $run ratios: migrate/psql-loop $(ratio "$m" "$l"), migrate/psql-all $(ratio "$m" "$a")"
done

url="$(bench_db small_migrated)"
(cd "$BENCH_DIR/project" && "$bin" -url="$url" -locations="filesystem:$BENCH_DIR/project/sql" migrate -q)
echo
echo "on the migrated database (1000 applied), $repeat runs each:"
printf '%-28s %22s %8s\n' command "wall_ms min/avg/max" rss_mb
for cmd in info validate migrate; do
    times=()
    for k in $(seq 1 "$repeat"); do
        measure "${cmd}_$k" bash -c 'cd "$1" && exec "$2" -url="$3" -locations="filesystem:$1/sql" "$4"' _ \
            "$BENCH_DIR/project" "$bin" "$url" "$cmd"
        times+=("$wall_ms")
    done
    stats=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1; s += $1 } END { printf "%d/%d/%d", a[1], s / NR, a[NR] }')
    label="migrate $cmd"; [ "$cmd" = migrate ] && label="migrate migrate (no-op)"
    printf '%-28s %22s %8s\n' "$label" "$stats" "$rss_mb"
done
