#!/usr/bin/env bash
# scripts/initialize.sh: applies users/ (roles, schema "factory", grants) to a factory database with psql,
# as the database administrator. Safe to run again at any time.
#
#   before the first migrate:  scripts/initialize.sh                 users/01_roles.sql, then users/02_schema_and_grants.sql
#   after each migrate:        scripts/initialize.sh --after-migrate  users/02_schema_and_grants.sql only
#
# 02 runs again after migrate because only then do flyway_schema_history and audit_log exist, whose writes it takes
# back from factory_app (see users/README.md). --after-migrate needs no passwords.
#
# Where to connect: libpq's PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD or ~/.pgpass), or
# --url with a postgresql:// URI or key=value string without a password. Passwords of the roles come from
# FACTORY_MIGRATION_PASSWORD, FACTORY_APP_PASSWORD and FACTORY_ANALYTICS_PASSWORD; they reach psql through the
# environment only (\getenv), never a command line, a file or the output.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/initialize.sh [--after-migrate] [--url URL]

Applies users/01_roles.sql (the roles factory_migration, factory_app, factory_analytics) and
users/02_schema_and_grants.sql (schema factory, grants, default privileges) with psql, as an
administrator. Idempotent.

Options:
  --after-migrate  only users/02_schema_and_grants.sql: run it after migrate, once the history
                   table and audit_log exist (needs no role passwords)
  --url URL        where to connect (postgresql:// URI or key=value string, no password in it);
                   default: libpq's PG* variables
  -h, --help       this text

Environment:
  FACTORY_MIGRATION_PASSWORD, FACTORY_APP_PASSWORD, FACTORY_ANALYTICS_PASSWORD
                   the roles' passwords (required unless --after-migrate)
  PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD   the administrator's connection
  PSQL             the psql to use (default: psql on PATH, else the newest /usr/lib/postgresql/*/bin/psql)
EOF
}

die() { echo "initialize: error: $*" >&2; exit 1; }

AFTER_MIGRATE=false
URL=""
while [ $# -gt 0 ]; do
    case "$1" in
        --after-migrate) AFTER_MIGRATE=true; shift ;;
        --url) [ $# -ge 2 ] || die "--url needs a value"; URL="$2"; shift 2 ;;
        --url=*) URL="${1#--url=}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "initialize: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

# A password in --url would sit in this process's and psql's command lines, visible to every local user.
if [[ "$URL" =~ ://[^/@]*:[^/@]*@ || "$URL" =~ (^|[[:space:]?\&])password= ]]; then
    die "--url must not carry a password (it would be visible in the process list): use PGPASSWORD or ~/.pgpass"
fi

if ! $AFTER_MIGRATE; then
    for name in FACTORY_MIGRATION_PASSWORD FACTORY_APP_PASSWORD FACTORY_ANALYTICS_PASSWORD; do
        [ -n "${!name:-}" ] || die "$name is not set: every role needs a password (see users/README.md); nothing was changed"
        export "${name?}"
    done
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

find_psql() {
    if [ -n "${PSQL:-}" ]; then echo "$PSQL"; return; fi
    if command -v psql >/dev/null 2>&1; then command -v psql; return; fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$newest" ] || die "psql not found: install the PostgreSQL client (apt-get install postgresql-client) or set PSQL"
    echo "$newest"
}
PSQL_BIN="$(find_psql)"

# psql 15 or later: 01_roles.sql reads the passwords with \getenv.
version="$("$PSQL_BIN" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
[ "${version:-0}" -ge 15 ] || die "$PSQL_BIN is version $version; users/01_roles.sql needs psql 15 or later (\\getenv)"

# Server notices ("schema factory already exists, skipping") are noise on every run after the first.
export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c client_min_messages=warning"

run_file() {
    local connection=()
    [ -z "$URL" ] || connection=(-d "$URL")
    "$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 ${connection[@]+"${connection[@]}"} -f "$ROOT/users/$1"
}

if ! $AFTER_MIGRATE; then
    run_file 01_roles.sql
fi
run_file 02_schema_and_grants.sql
