#!/usr/bin/env bash
# scripts/seed.sh: load the seed/ snapshot that fits into a database, with `migrate seed`.
#
# A thin wrapper kept for muscle memory and scripts: everything is done by `migrate seed` (see the README's
# "Seed data" section); this only finds the binary and the local cluster and translates the old options.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/seed.sh [options] [SNAPSHOT]

Runs `migrate seed` from the repository root: picks the newest snapshot under seed/ whose version is not
newer than the newest migration in sql/ (or SNAPSHOT, e.g. v006), migrates the database to that version,
loads it in one transaction, then migrates the rest.

Options:
  --url URL       the database (default: $DATABASE_URL; else the cluster of scripts/local-postgres.sh
                  if it runs; else libpq's PG* variables)
  --schema NAME   the schema of the migrations and data tables (migrate's -schemas)
  --table NAME    history table name (migrate's -table)
  --replace       empty the snapshot's tables first (-seed.replace=true)
  -h, --help      this text
Anything else starting with - goes to migrate as is (e.g. -outputType=json).

Binary: $MIGRATE, else .build/release/migrate, else .build/debug/migrate, else migrate on PATH.
EOF_USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
die() { echo "seed: error: $*" >&2; exit 1; }

URL="${DATABASE_URL:-}"
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --url) [ $# -ge 2 ] || die "--url needs a value"; URL="$2"; shift 2 ;;
        --url=*) URL="${1#*=}"; shift ;;
        --schema) [ $# -ge 2 ] || die "--schema needs a value"; ARGS+=("-schemas=$2"); shift 2 ;;
        --schema=*) ARGS+=("-schemas=${1#*=}"); shift ;;
        --table) [ $# -ge 2 ] || die "--table needs a value"; ARGS+=("-table=$2"); shift 2 ;;
        --table=*) ARGS+=("-table=${1#*=}"); shift ;;
        --replace) ARGS+=("-seed.replace=true"); shift ;;
        -h | --help) usage; exit 0 ;;
        -*) ARGS+=("$1"); shift ;;
        *) ARGS+=("-seed.snapshot=$1"); shift ;;
    esac
done

MIGRATE="${MIGRATE:-}"
for candidate in "$ROOT/.build/release/migrate" "$ROOT/.build/debug/migrate" "$(command -v migrate || true)"; do
    [ -n "$MIGRATE" ] && break
    [ -n "$candidate" ] && [ -x "$candidate" ] && MIGRATE="$candidate"
done
[ -n "$MIGRATE" ] || die "no migrate binary: run swift build -c release (or set MIGRATE)"

if [ -z "$URL" ] && "$ROOT/scripts/local-postgres.sh" status >/dev/null 2>&1; then
    URL="$("$ROOT/scripts/local-postgres.sh" url)"
fi
exec "$MIGRATE" ${URL:+"-url=$URL"} -locations=filesystem:sql ${ARGS[@]+"${ARGS[@]}"} seed
