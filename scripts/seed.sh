#!/usr/bin/env bash
# scripts/seed.sh: load a data snapshot from seed/ into a migrated database.
#
# A snapshot (seed/v006/) is a manifest plus one CSV file per table. It fits exactly one schema
# version; this script reads the version the database is at from the migration history table
# (the highest successfully applied version) and refuses to load a snapshot made for another one.
# Everything is loaded with psql \copy in a single transaction: all of it or nothing.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/seed.sh [options] [SNAPSHOT]

Loads a data snapshot (a directory with a manifest and <table>.csv files, e.g. seed/v006) into
the database, in one transaction, after checking that the database's schema version (highest
successful version in flyway_schema_history) is the version the snapshot was made for.

SNAPSHOT    a directory (seed/v006) or the name of one under seed/ (v006). Default: the
            snapshot under seed/ whose schema_version matches the database.

Options:
  --url URL       the database: a postgresql:// URI, a libpq "key=value" string, or a
                  jdbc:postgresql://host:port/db URL (user and password then from PGUSER,
                  PGPASSWORD or ~/.pgpass). Default: $DATABASE_URL; else the cluster of
                  scripts/local-postgres.sh if it is running; else libpq's PG* variables.
  --schema NAME   schema that holds the history table and the data tables
                  (default: the connection's search_path)
  --table NAME    history table name (default: flyway_schema_history)
  --replace       first empty the snapshot's tables (TRUNCATE ... RESTART IDENTITY CASCADE; this
                  also empties tables that reference them)
  --check         only compare versions; load nothing
  -h, --help      this text

Load as the schema owner (factory_migration) or a superuser: resetting the identity sequences
after the load needs more than factory_app's rights.

Examples:
  scripts/seed.sh                                    # local cluster, matching snapshot
  scripts/seed.sh --url "$(scripts/local-postgres.sh url)" seed/v006
  PGPASSWORD=... scripts/seed.sh --url 'postgresql://factory_migration@localhost/factory_dev' --schema factory v006
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
ORIG_PWD="${PWD%/}"
cd "$ROOT"

die() { echo "seed: error: $*" >&2; exit 1; }
note() { echo "seed: $*" >&2; }

URL="${DATABASE_URL:-}"
SCHEMA=""
TABLE="flyway_schema_history"
REPLACE=false
CHECK_ONLY=false
SNAPSHOT=""

while [ $# -gt 0 ]; do
    case "$1" in
        --url) [ $# -ge 2 ] || die "--url needs a value"; URL="$2"; shift 2 ;;
        --url=*) URL="${1#*=}"; shift ;;
        --schema) [ $# -ge 2 ] || die "--schema needs a value"; SCHEMA="$2"; shift 2 ;;
        --schema=*) SCHEMA="${1#*=}"; shift ;;
        --table) [ $# -ge 2 ] || die "--table needs a value"; TABLE="$2"; shift 2 ;;
        --table=*) TABLE="${1#*=}"; shift ;;
        --replace) REPLACE=true; shift ;;
        --check) CHECK_ONLY=true; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "seed: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$SNAPSHOT" ] || die "only one snapshot at a time"; SNAPSHOT="$1"; shift ;;
    esac
done

IDENT_RE='^[a-z_][a-z0-9_]*$'
[[ "$TABLE" =~ $IDENT_RE ]] || die "--table must be a plain lower-case identifier: $TABLE"
[ -z "$SCHEMA" ] || [[ "$SCHEMA" =~ $IDENT_RE ]] || die "--schema must be a plain lower-case identifier: $SCHEMA"

command -v psql >/dev/null 2>&1 || die "psql not found (apt-get install postgresql-client)"

# ---------------------------------------------------------------------------------------------
# Connection

if [ -z "$URL" ] && "$ROOT/scripts/local-postgres.sh" status >/dev/null 2>&1; then
    URL="$("$ROOT/scripts/local-postgres.sh" url)"
    note "using the local cluster: $URL"
fi
# psql does not read JDBC URLs; the part after "jdbc:" is a libpq URI when it has no JDBC-only
# parameters.
URL="${URL#jdbc:}"
CONN=()
[ -z "$URL" ] || CONN=("$URL")

run_psql() {
    psql -X -q -v ON_ERROR_STOP=1 ${CONN[@]+"${CONN[@]}"} "$@"
}

# The highest successfully applied version: BASELINE rows count (the schema is at that version),
# versions that repair marked as deleted do not. Versions compare numerically part by part.
VERSION_QUERY="SELECT h.version
  FROM :qtable h
 WHERE h.success AND h.version IS NOT NULL AND h.type <> 'DELETE'
   AND NOT EXISTS (SELECT 1 FROM :qtable d WHERE d.type = 'DELETE' AND d.version = h.version)
 ORDER BY string_to_array(h.version, '.')::numeric[] DESC
 LIMIT 1"

if [ -n "$SCHEMA" ]; then QTABLE="\"$SCHEMA\".\"$TABLE\""; else QTABLE="\"$TABLE\""; fi

# Prints the database's schema version, or nothing when nothing has been applied.
database_version() {
    local exists
    exists="$(run_psql -tA -v qtable="$QTABLE" <<EOF
SELECT to_regclass(:'qtable') IS NOT NULL;
EOF
)" || die "cannot connect to the database${URL:+ ($URL)}"
    [ "$exists" = "t" ] || die "no table $QTABLE in the database${SCHEMA:+ (schema $SCHEMA)}: it has not been migrated (run migrate first, or give --schema)"
    run_psql -tA <<EOF
$(printf '%s' "$VERSION_QUERY" | sed "s/:qtable/$QTABLE/g");
EOF
}

# 1.0 == 1 == 001: leading zeros of each part and trailing ".0" parts do not matter.
normalize_version() {
    local IFS=. part parts out=() i
    read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        [[ "$part" =~ ^[0-9]+$ ]] || { echo "$1"; return; }
        part="${part#"${part%%[!0]*}"}"
        out+=("${part:-0}")
    done
    i=${#out[@]}
    while [ "$i" -gt 1 ] && [ "${out[$((i - 1))]}" = "0" ]; do
        unset 'out[$((i - 1))]'
        i=$((i - 1))
    done
    echo "${out[*]}"
}

# ---------------------------------------------------------------------------------------------
# Snapshot

MANIFEST_VERSION=""
MANIFEST_DESCRIPTION=""
MANIFEST_TABLES=()

read_manifest() {
    local dir="$1" key value
    MANIFEST_VERSION=""
    MANIFEST_DESCRIPTION=""
    MANIFEST_TABLES=()
    [ -f "$dir/manifest" ] || die "$dir has no manifest"
    while IFS='=' read -r key value || [ -n "$key" ]; do
        key="$(echo "$key" | tr -d '[:space:]')"
        case "$key" in
            "" | \#*) ;;
            schema_version) MANIFEST_VERSION="$(echo "$value" | tr -d '[:space:]')" ;;
            description) MANIFEST_DESCRIPTION="$value" ;;
            tables) read -r -a MANIFEST_TABLES <<<"$value" ;;
            *) die "$dir/manifest: unknown key '$key'" ;;
        esac
    done <"$dir/manifest"
    [ -n "$MANIFEST_VERSION" ] || die "$dir/manifest: no schema_version"
    [ "${#MANIFEST_TABLES[@]}" -gt 0 ] || die "$dir/manifest: no tables"
}

resolve_snapshot() {
    local arg="$1"
    # A path is taken relative to the directory the script was started from, then to the repo.
    if [[ "$arg" != /* ]] && [ -f "$ORIG_PWD/$arg/manifest" ]; then
        (cd "$ORIG_PWD/$arg" && pwd -P)
    elif [ -f "$arg/manifest" ]; then
        (cd "$arg" && pwd -P)
    elif [ -f "$ROOT/seed/$arg/manifest" ]; then
        echo "$ROOT/seed/$arg"
    else
        die "no snapshot '$arg' (a directory with a manifest, e.g. seed/v006)"
    fi
}

# A snapshot named on the command line is checked before connecting.
SNAPSHOT_DIR=""
if [ -n "$SNAPSHOT" ]; then
    SNAPSHOT_DIR="$(resolve_snapshot "$SNAPSHOT")"
    read_manifest "$SNAPSHOT_DIR"
fi

DB_VERSION="$(database_version)"
[ -n "$DB_VERSION" ] || die "$QTABLE has no successfully applied version: run migrate first"

if [ -z "$SNAPSHOT_DIR" ]; then
    for manifest in "$ROOT"/seed/*/manifest; do
        [ -f "$manifest" ] || continue
        read_manifest "$(dirname "$manifest")"
        if [ "$(normalize_version "$MANIFEST_VERSION")" = "$(normalize_version "$DB_VERSION")" ]; then
            SNAPSHOT="$(dirname "$manifest")"
            break
        fi
    done
    if [ -z "$SNAPSHOT" ]; then
        echo "seed: error: no snapshot under seed/ is for schema version $DB_VERSION. Available:" >&2
        for manifest in "$ROOT"/seed/*/manifest; do
            [ -f "$manifest" ] || continue
            read_manifest "$(dirname "$manifest")"
            echo "  ${manifest%/manifest}: version $MANIFEST_VERSION" >&2
        done
        exit 1
    fi
    SNAPSHOT_DIR="$(resolve_snapshot "$SNAPSHOT")"
    read_manifest "$SNAPSHOT_DIR"
fi
SHOWN="${SNAPSHOT_DIR#"$ROOT"/}"

if [ "$(normalize_version "$MANIFEST_VERSION")" != "$(normalize_version "$DB_VERSION")" ]; then
    die "snapshot $SHOWN is for schema version $MANIFEST_VERSION, but the database is at version $DB_VERSION; refusing to load it (migrate to $MANIFEST_VERSION, or use a snapshot made for $DB_VERSION)"
fi
note "database is at schema version $DB_VERSION; snapshot $SHOWN fits ($MANIFEST_DESCRIPTION)"
if $CHECK_ONLY; then
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Load script: \copy takes its line literally (no psql variables), so table, column and file
# names are checked to be plain identifiers and psql runs inside the snapshot directory.

SCRIPT="$(mktemp)"
trap 'rm -f "$SCRIPT"' EXIT
{
    echo "BEGIN;"
    [ -z "$SCHEMA" ] || echo "SET LOCAL search_path = \"$SCHEMA\";"
    # Stop if a migration was applied since the check above.
    echo "SELECT ($(printf '%s' "$VERSION_QUERY" | sed "s/:qtable/$QTABLE/g")) IS NOT DISTINCT FROM :'expected_version' AS version_unchanged \\gset"
    cat <<'EOF'
\if :version_unchanged
\else
DO $$ BEGIN RAISE EXCEPTION 'the schema version changed since it was checked; run scripts/seed.sh again'; END $$;
\endif
EOF
    if $REPLACE; then
        printf 'TRUNCATE %s RESTART IDENTITY CASCADE;\n' "$(IFS=,; echo "${MANIFEST_TABLES[*]}")"
    fi
    for table in "${MANIFEST_TABLES[@]}"; do
        [[ "$table" =~ $IDENT_RE ]] || die "$SHOWN/manifest: table name '$table' is not a plain identifier"
        file="$SNAPSHOT_DIR/$table.csv"
        [ -f "$file" ] || die "$SHOWN: no $table.csv"
        header="$(head -n 1 "$file" | tr -d '\r')"
        IFS=, read -r -a columns <<<"$header"
        for column in "${columns[@]}"; do
            [[ "$column" =~ $IDENT_RE ]] || die "$SHOWN/$table.csv: header field '$column' is not a plain column name"
        done
        printf "\\\\copy %s (%s) FROM '%s' WITH (FORMAT csv, HEADER true)\n" \
            "$table" "$(IFS=,; echo "${columns[*]}")" "$table.csv"
    done
    # Identity columns were given explicit values: move their sequences past the highest one.
    printf "SELECT format('SELECT setval(%%L, coalesce(max(%%I), 0) + 1, false) FROM %%s', pg_get_serial_sequence(a.attrelid::regclass::text, a.attname), a.attname, a.attrelid::regclass) FROM pg_attribute a WHERE a.attidentity <> '' AND NOT a.attisdropped AND a.attrelid IN (%s) \\\\gexec\n" \
        "$(for t in "${MANIFEST_TABLES[@]}"; do printf "'%s'::regclass," "$t"; done | sed 's/,$//')"
    echo "COMMIT;"
} >"$SCRIPT"

(cd "$SNAPSHOT_DIR" && run_psql -v expected_version="$DB_VERSION" -f "$SCRIPT" >/dev/null) \
    || die "loading $SHOWN failed; nothing was loaded (the transaction was rolled back)"

for table in "${MANIFEST_TABLES[@]}"; do
    count="$(run_psql -tA <<EOF
${SCHEMA:+SET search_path = "$SCHEMA";}
SELECT count(*) FROM "$table";
EOF
)"
    note "$table: $count rows"
done
note "loaded $SHOWN into the database at schema version $DB_VERSION"
