#!/usr/bin/env bash
# A fleet: DATABASES databases (default 200), each migrated with the same FILES small migrations (default 20:
# CREATE TABLE + CREATE INDEX + 3 INSERTs + COMMENT each), on one throwaway cluster:
#   shell loop:  `for url in …; do migrate -url=$url migrate; done`, one single-target run per database
#   -parallel=N: one `migrate -targets=FILE -parallel=N migrate` for the whole fleet, N = 1, 2, 4, 8
# Each into a fresh set of databases; the loop runs first and again last (the cluster grows as the run goes on),
# and the speed-ups are against the mean of the two. Then a no-op re-run of the fleet (-parallel=8: the resume's
# cost when nothing is left). Wall time, client CPU and peak RSS (GNU time); every database is checked afterwards.
#
# Usage: bench/fleet.sh [DATABASES] [FILES]   (builds release first, or MIGRATE_BIN=path)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
databases="${1:-200}"
files="${2:-20}"
if [ -z "${MIGRATE_BIN:-}" ]; then swift build -c release >/dev/null; fi
bin="${MIGRATE_BIN:-$PWD/.build/release/migrate}"
source bench/cluster.sh
source bench/measure.sh

project="$BENCH_DIR/project"
python3 bench/generate_small_files.py "$files" "$project/sql"
cd "$project"

# A fresh set of databases named <set>_<n>, listed one url per line in <set>.txt.
make_set() {
    local set="$1"
    : >"$set.txt"
    for i in $(seq 1 "$databases"); do bench_db "${set}_$i" >>"$set.txt"; done
}

check_set() {
    local set="$1" rows
    for i in $(seq 1 "$databases"); do
        rows=$(psql -X -tA -d "${set}_$i" -c "select count(*) from flyway_schema_history where success")
        if [ "$rows" != "$files" ]; then echo "WRONG RESULT in ${set}_$i: $rows history rows" >&2; exit 1; fi
    done
}

# The loop as a script of its own, so GNU time measures it (peak RSS: the largest single run).
loop_script='while read -r url; do "$0" -url="$url" migrate >/dev/null || exit 1; done <"$1"'

results=()
row() { results+=("| $1 | $(python3 -c "print(f'{$wall_ms / 1000:.1f}')") s | $cpu_s s | $rss_mb MB | $2 |"); }

echo "creating $databases databases × $files migrations per run…" >&2
make_set loop1; checkpoint
measure loop1 bash -c "$loop_script" "$bin" loop1.txt
check_set loop1
loop_first=("$wall_ms" "$cpu_s" "$rss_mb")
fleet_rows=()
for n in 1 2 4 8; do
    make_set "p$n"; checkpoint
    measure "p$n" "$bin" -targets="p$n.txt" -parallel="$n" -q migrate
    check_set "p$n"
    fleet_rows+=("$n $wall_ms $cpu_s $rss_mb")
done
make_set loop2; checkpoint
measure loop2 bash -c "$loop_script" "$bin" loop2.txt
check_set loop2
loop_last=("$wall_ms" "$cpu_s" "$rss_mb")
loop_ms=$(( (loop_first[0] + loop_last[0]) / 2 ))
read -r wall_ms cpu_s rss_mb <<<"${loop_first[*]}"
row "shell loop of single-target runs (first)" "$(ratio "$loop_ms" "$wall_ms")"
for entry in "${fleet_rows[@]}"; do
    read -r n wall_ms cpu_s rss_mb <<<"$entry"
    row "-parallel=$n" "$(ratio "$loop_ms" "$wall_ms")"
done
read -r wall_ms cpu_s rss_mb <<<"${loop_last[*]}"
row "shell loop of single-target runs (last)" "$(ratio "$loop_ms" "$wall_ms")"
measure noop "$bin" -targets=p8.txt -parallel=8 -q migrate
row "-parallel=8, nothing pending (re-run)" "$(ratio "$loop_ms" "$wall_ms")"

echo "$databases databases × $files migrations, $(nproc) CPUs, PostgreSQL $(psql -X -tA -d postgres -c 'show server_version')"
echo
echo "| run | wall | client CPU | peak RSS | speed-up vs loop |"
echo "|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
