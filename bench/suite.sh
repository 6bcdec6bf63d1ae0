#!/usr/bin/env bash
# The issue 7 figures in one command: migrate beside psql on one throwaway cluster, same machine, same run.
# Prints one markdown table on stdout (progress goes to stderr) and writes it, with every raw sample, as JSON
# to bench/results/<UTC time>-<short sha>.json (or --json FILE) so runs can be compared across commits.
#
#   short commands  no-op `migrate`, `info`, `validate` on 1,000 applied files, `--version`, `--help`, and
#                   `psql -X -c 'select 1'`: N rounds (15; --quick 5), each command once per round, order
#                   reversed every other round (paired, alternating), timed by hyperfine or, without it, by
#                   a loop here; medians, and ratios as the median of the per-round ratios.
#   long ones       1,000 and 10,000 small files (one psql session running `BEGIN; \i file; COMMIT;` per file
#                   as reference), 200 MB COPY and INSERT files (--quick: 20 MB; `psql -X -1 -f` as reference):
#                   R paired runs (3; --quick 1), alternating which tool goes first, each into a fresh database,
#                   under /usr/bin/time -v (measure.sh) for peak RSS; medians. Then a 1 GB COPY file, one
#                   paired run, for the peak RSS at that size (skipped by --quick unless --big is given).
#   instructions    callgrind's "Collected" for the no-op `migrate`, `--version` and psql's `select 1`:
#                   one run each, unaffected by machine noise.
# Every client connects over TCP to 127.0.0.1. psql is the real binary, not Debian's Perl wrapper.
#
# Usage: bash bench/suite.sh [--quick] [--big] [--json FILE]
#   MIGRATE_BIN=path   binary to measure (default: release built into .build-bench, not the .build others use)
#   BENCH_NO_HYPERFINE=1   time the short commands with the loop here even if hyperfine is there
set -euo pipefail
quick=0; big=""; json=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --big) big=1 ;;
        --json) json="$(realpath -m "${2:?--json needs a file}")"; shift ;;
        *) echo "usage: bash bench/suite.sh [--quick] [--big] [--json FILE]" >&2; exit 2 ;;
    esac
    shift
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$quick" = 1 ]; then short_runs=5; long_runs=1; size_mb=20; else short_runs=15; long_runs=3; size_mb=200; fi
big="${big:-$((1 - quick))}"
started=$SECONDS
log() { echo "suite [$(( SECONDS - started )) s]: $*" >&2; }

if [ -n "${MIGRATE_BIN:-}" ]; then
    bin="$(realpath "$MIGRATE_BIN")"
else
    log "building release into .build-bench"
    swift build -c release --scratch-path .build-bench >&2
    bin="$PWD/.build-bench/release/migrate"
fi
[ -x "$bin" ] || { echo "no migrate binary at $bin" >&2; exit 1; }

# hyperfine gives exact per-process wall times; installed if missing (as root), else the loop below stands in.
if ! command -v hyperfine >/dev/null && [ "$(id -u)" -eq 0 ]; then
    log "installing hyperfine"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine) >/dev/null 2>&1 || true
fi
timer=loop
if command -v hyperfine >/dev/null && [ -z "${BENCH_NO_HYPERFINE:-}" ]; then timer=hyperfine; fi

BENCH_LISTEN=127.0.0.1
source bench/cluster.sh # its EXIT trap stops the cluster and removes $BENCH_DIR, where everything below lives
source bench/measure.sh
psql_bin="$bindir/psql"
samples="$BENCH_DIR/samples.tsv"; : >"$samples"
sample() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$samples"; } # metric name tool run value
drop_db() { psql -q -X -d postgres -c "DROP DATABASE $1" >/dev/null; }

# The files of small_files_1000.sh, 10,000 of them (sql1000 holds the first 1,000), and for each set the
# psql reference script: one session, each file in its own transaction, like migrate.
proj="$BENCH_DIR/project"
log "generating 1,000 and 10,000 small files"
for n in 1000 10000; do python3 bench/generate_small_files.py "$n" "$proj/sql$n" "$proj/all$n.psql"; done

# --- short commands, on a database with the 1,000 files applied -------------------------------------------
noop_url="$(bench_db noop)"
(cd "$proj" && "$bin" -url="$noop_url" -locations="filesystem:$proj/sql1000" migrate -q >/dev/null)
mig=("$bin" -url="$noop_url" -locations="filesystem:$proj/sql1000")
declare -A short=(
    [noop]="$(printf '%q ' "${mig[@]}") migrate"
    [info]="$(printf '%q ' "${mig[@]}") info"
    [validate]="$(printf '%q ' "${mig[@]}") validate"
    [version]="$(printf '%q ' "$bin") --version"
    [help]="$(printf '%q ' "$bin") --help"
    [select1]="$(printf '%q ' "$psql_bin" -X -h 127.0.0.1 -d noop -c 'select 1')"
)
names=(noop info validate version help select1)
tool_of() { if [ "$1" = select1 ]; then echo psql; else echo migrate; fi; }
log "short commands: $short_runs rounds of ${#names[@]} with $timer"
cd "$proj" # no flyway.conf or conf/ from the repository
for round in $(seq 0 "$short_runs"); do # round 0 warms the caches and is not kept
    order=("${names[@]}")
    if (( round % 2 == 0 )); then order=(); for ((k = ${#names[@]} - 1; k >= 0; k--)); do order+=("${names[k]}"); done; fi
    if [ "$timer" = hyperfine ]; then
        args=(); for n in "${order[@]}"; do args+=(-n "$n" "${short[$n]}"); done
        hyperfine -N --runs 1 --style none --export-json "$BENCH_DIR/h.json" "${args[@]}" >&2
        python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]: print(r["command"], r["times"][0] * 1000)' "$BENCH_DIR/h.json" |
            while read -r n ms; do [ "$round" = 0 ] || sample wall_ms "$n" "$(tool_of "$n")" "$round" "$ms"; done
    else
        for n in "${order[@]}"; do
            t0=${EPOCHREALTIME/[.,]/}
            eval "${short[$n]}" >/dev/null 2>&1 || { echo "FAILED: ${short[$n]}" >&2; exit 1; }
            t1=${EPOCHREALTIME/[.,]/}
            [ "$round" = 0 ] || sample wall_ms "$n" "$(tool_of "$n")" "$round" "$(( t1 - t0 ))e-3"
        done
    fi
done

if command -v valgrind >/dev/null; then
    log "callgrind"
    for n in noop version select1; do
        instr=$(eval "valgrind --tool=callgrind --callgrind-out-file=/dev/null ${short[$n]}" 2>&1 >/dev/null |
            sed -n 's/.*Collected : *//p')
        sample instr "$n" "$(tool_of "$n")" 1 "${instr:?no instruction count for $n}"
    done
fi
cd - >/dev/null

# --- long ones: paired runs into fresh databases --------------------------------------------------------------
pair_order() { if (( $1 % 2 == 1 )); then echo "migrate psql"; else echo "psql migrate"; fi; }
migrate_dir() { # label dir url: measure migrate applying everything in dir
    measure "$1" bash -c 'cd "$1" && exec "$2" -url="$3" -locations="filesystem:$1" migrate -q' _ "$2" "$bin" "$3"
}
# One paired, alternating measurement: migrate on a migrations folder, psql on one script, each into a fresh
# database; the count query must give the expected number for both. Args: sample-name run dir psql-script
# psql-options count-sql expected.
paired_run() {
    local name="$1" run="$2" dir="$3" script="$4" options="$5" count_sql="$6" expected="$7" tool db url got
    for tool in $(pair_order "$run"); do
        db="${name}_${tool}_$run"; url="$(bench_db "$db")"; checkpoint
        if [ "$tool" = migrate ]; then migrate_dir "$db" "$dir" "$url"
        else measure "$db" "$psql_bin" -X -q -v ON_ERROR_STOP=1 $options -h 127.0.0.1 -d "$db" -f "$script"; fi
        got=$(psql -X -tA -d "$db" -c "$count_sql")
        [ "$got" = "$expected" ] || { echo "WRONG RESULT from $tool ($name): $got, expected $expected" >&2; exit 1; }
        sample wall_ms "$name" "$tool" "$run" "$wall_ms"; sample rss_mb "$name" "$tool" "$run" "$rss_mb"
        drop_db "$db"
    done
}

for run in $(seq 1 "$long_runs"); do
    for n in 1000 10000; do
        log "files $n, run $run"
        paired_run "files$n" "$run" "$proj/sql$n" "$proj/all$n.psql" "" \
            "select count(*) from pg_class where relkind = 'r' and relname ~ '^t[0-9]+$'" "$n"
    done
done

for kind in copy insert; do
    dir="$BENCH_DIR/$kind"; mkdir -p "$dir"
    log "generating the $size_mb MB $kind file"
    rows=$(python3 bench/generate_load.py "$kind" "$size_mb" "$dir/V1__load.sql")
    for run in $(seq 1 "$long_runs"); do
        log "$kind, run $run"
        paired_run "$kind" "$run" "$dir" "$dir/V1__load.sql" "-1" "select count(*) from t" "$rows"
    done
    rm -rf "$dir"
done

if [ "$big" = 1 ]; then # memory must stay flat whatever the size: one run of a 1 GB COPY file
    dir="$BENCH_DIR/copy1g"; mkdir -p "$dir"
    log "generating the 1024 MB copy file"
    rows=$(python3 bench/generate_load.py copy 1024 "$dir/V1__load.sql")
    log "copy 1 GB"
    paired_run copy1g 1 "$dir" "$dir/V1__load.sql" "-1" "select count(*) from t" "$rows"
    rm -rf "$dir"
fi

# --- table and JSON ---------------------------------------------------------------------------------------------
sha="$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
dirty=false; git diff --quiet HEAD -- 2>/dev/null || dirty=true
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ -z "$json" ]; then mkdir -p bench/results; json="$PWD/bench/results/$stamp-$sha.json"; fi
SAMPLES="$samples" JSON="$json" STAMP="$stamp" SHA="$sha" DIRTY="$dirty" QUICK="$quick" TIMER="$timer" \
SHORT_RUNS="$short_runs" LONG_RUNS="$long_runs" SIZE_MB="$size_mb" BIN="$bin" BIN_BYTES="$(stat -c %s "$bin")" \
VERSION="$("$bin" --version 2>&1 | head -1)" SWIFT_DYNAMIC="$(ldd "$bin" | grep -c libswiftCore || true)" SERVER="$(psql -X -tA -d postgres -c 'show server_version')" \
CPU="$(nproc) x $(lscpu | sed -n 's/^Model name: *//p' | head -1)" ELAPSED="$(( SECONDS - started ))" \
python3 - <<'PY'
import json, os, statistics as st
E = os.environ
raw = {}  # (metric, name, tool) -> {run: value}
for line in open(E["SAMPLES"]):
    metric, name, tool, run, value = line.rstrip("\n").split("\t")
    raw.setdefault((metric, name, tool), {})[int(run)] = round(float(value), 3)
def med(metric, name, tool=None):
    v = raw.get((metric, name, tool or ("psql" if name == "select1" else "migrate")))
    return st.median(v.values()) if v else None
def paired(metric, a, b):  # median of per-run ratios a/b; a and b are (name, tool)
    x, y = raw.get((metric, *a), {}), raw.get((metric, *b), {})
    r = [x[k] / y[k] for k in x if k in y and y[k]]
    return st.median(r) if r else None

size = f'{E["SIZE_MB"]} MB'
rows = []
def row(id, bench, unit, migrate, psql=None, ratio=None, target="—", limit=None, on="ratio", ref=""):
    value = ratio if on == "ratio" else migrate
    met = None if limit is None or value is None else value <= limit
    migrate, psql, ratio = (None if v is None else round(v, 3) for v in (migrate, psql, ratio))
    rows.append(dict(id=id, benchmark=bench, unit=unit, migrate=migrate, psql=psql, psql_ref=ref,
                     ratio=ratio, target=target, limit=limit, limit_on=on, met=met))
w = lambda n, t=None: med("wall_ms", n, t)
row("noop_wall", "no-op `migrate`, 1,000 applied", "ms", w("noop"), w("select1"),
    paired("wall_ms", ("noop", "migrate"), ("select1", "psql")), "≤ 2× psql", 2.0, ref="select 1")
m, p = med("instr", "noop"), med("instr", "select1")
row("noop_instr", "no-op `migrate`, instructions", "instr", m, p, m / p if m and p else None,
    "≤ 30 M", 30e6, "migrate", ref="select 1")
for c in ("info", "validate"):
    row(f"{c}_wall", f"`{c}`, 1,000 applied", "ms", w(c), w("select1"),
        paired("wall_ms", (c, "migrate"), ("select1", "psql")), "≤ 2.5× psql", 2.5, ref="select 1")
row("version_wall", "`--version`", "ms", w("version"))
row("version_instr", "`--version`, instructions", "instr", med("instr", "version"), target="≤ 5 M", limit=5e6, on="migrate")
row("help_wall", "`--help`", "ms", w("help"))
for n in ("1000", "10000"):
    row(f"files{n}_wall", f"apply {int(n):,} small files", "ms", w(f"files{n}", "migrate"), w(f"files{n}", "psql"),
        paired("wall_ms", (f"files{n}", "migrate"), (f"files{n}", "psql")),
        "≤ 1.15× psql" if n == "1000" else "—", 1.15 if n == "1000" else None, ref="one session")
row("files_scaling", "scaling 10,000 / 1,000 files", "x",
    paired("wall_ms", ("files10000", "migrate"), ("files1000", "migrate")),
    paired("wall_ms", ("files10000", "psql"), ("files1000", "psql")), None, "≤ 11×", 11.0, "migrate")
for k, label in (("copy", "COPY"), ("insert", "INSERT")):
    row(f"{k}_wall", f"{size} {label} file", "ms", w(k, "migrate"), w(k, "psql"),
        paired("wall_ms", (k, "migrate"), (k, "psql")), "≤ 1.1× psql" if k == "copy" else "—",
        1.1 if k == "copy" else None, ref="-1 -f")
    row(f"{k}_rss", f"{size} {label} file, peak RSS", "MB", med("rss_mb", k, "migrate"), med("rss_mb", k, "psql"),
        paired("rss_mb", (k, "migrate"), (k, "psql")), "≤ 64 MB" if k == "copy" else "—",
        64.0 if k == "copy" else None, "migrate")
if med("wall_ms", "copy1g", "migrate") is not None:
    row("copy1g_wall", "1 GB COPY file", "ms", w("copy1g", "migrate"), w("copy1g", "psql"),
        paired("wall_ms", ("copy1g", "migrate"), ("copy1g", "psql")), ref="-1 -f")
    row("copy1g_rss", "1 GB COPY file, peak RSS", "MB", med("rss_mb", "copy1g", "migrate"), med("rss_mb", "copy1g", "psql"),
        paired("rss_mb", ("copy1g", "migrate"), ("copy1g", "psql")), "≤ 64 MB", 64.0, "migrate")
row("binary_size", "binary size", "MB", int(E["BIN_BYTES"]) / 2**20, target="≤ 25 MB", limit=25.0, on="migrate")

def fmt(v, unit):
    if v is None: return "n/a"
    if unit == "ms": return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms"
    if unit == "instr": return f"{v / 1e6:.1f} M"
    if unit == "MB": return f"{v:.1f} MB"
    return f"{v:.2f}×"
meta = dict(date=E["STAMP"], commit=E["SHA"], dirty=E["DIRTY"] == "true", quick=E["QUICK"] == "1",
            timer=E["TIMER"], short_runs=int(E["SHORT_RUNS"]), long_runs=int(E["LONG_RUNS"]),
            load_file_mb=int(E["SIZE_MB"]), binary=E["BIN"], binary_bytes=int(E["BIN_BYTES"]),
            swift_runtime="dynamic" if E["SWIFT_DYNAMIC"] != "0" else "static",
            version=E["VERSION"], server=E["SERVER"], cpu=E["CPU"], elapsed_s=int(E["ELAPSED"]))
print(f'Commit `{meta["commit"]}`{" (dirty)" if meta["dirty"] else ""}, {meta["date"]}, PostgreSQL {meta["server"]}, '
      f'{meta["cpu"]}; binary `{meta["binary"]}` (Swift runtime {meta["swift_runtime"]}); {meta["short_runs"]} rounds (short, {meta["timer"]}), {meta["long_runs"]} run(s) (long), '
      f'{meta["elapsed_s"]} s; medians, ratio = median of paired ratios.\n')
print("| benchmark | migrate | psql (reference) | ratio | target | met |\n|---|---|---|---|---|---|")
for r in rows:
    psql = fmt(r["psql"], r["unit"]) + (f' ({r["psql_ref"]})' if r["psql_ref"] and r["psql"] is not None else "")
    psql = "—" if r["psql"] is None and not r["psql_ref"] else psql
    ratio = "—" if r["ratio"] is None else f'{r["ratio"]:.2f}×'
    met = "—" if r["met"] is None else ("met" if r["met"] else "**missed**")
    print(f'| {r["benchmark"]} | {fmt(r["migrate"], r["unit"])} | {psql} | {ratio} | {r["target"]} | {met} |')
samples = [dict(metric=m, name=n, tool=t, values=[v for _, v in sorted(d.items())]) for (m, n, t), d in raw.items()]
with open(E["JSON"], "w") as f:
    json.dump(dict(meta=meta, rows=rows, samples=samples), f, indent=1, ensure_ascii=False)
    f.write("\n")
PY
log "JSON written to $json"
