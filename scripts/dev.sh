#!/usr/bin/env bash
# scripts/dev.sh: from a fresh checkout to a migrated, seeded development database with the production
# permission model, in one command and without Docker.
#
#   1. install libpq-dev, libpg-query-dev, pkg-config and the PostgreSQL server with apt-get, only if missing
#   2. swift build -c release
#   3. scripts/local-postgres.sh start      (a private cluster in .pgdata/, database factory_dev)
#   4. scripts/initialize.sh                (users/: roles factory_migration, factory_app, factory_analytics;
#                                            schema factory; grants)
#   5. migrate as factory_migration with conf/factory_dev.conf: on a new database "migrate seed" (migrations up
#      to the newest seed/ snapshot's version, its data, then the rest), afterwards "migrate migrate"
#   6. scripts/initialize.sh --after-migrate (users/02 again: the history table is now closed to factory_app)
#   7. migrate info
#
# The roles' passwords come from FACTORY_MIGRATION_PASSWORD, FACTORY_APP_PASSWORD and FACTORY_ANALYTICS_PASSWORD;
# those not set are generated once and kept in .pgdata/dev-passwords (mode 600, outside git), never printed.
#
# Stops at the first failure with a non-zero exit code. Running it again is cheap: nothing is installed
# twice, the build is incremental, the cluster and the passwords are reused, and migrate applies only what
# is pending (the data is seeded once; --reseed starts over).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/dev.sh [--no-seed | --reseed]

Sets up a development environment from a fresh checkout: installs missing packages (libpq-dev,
libpg-query-dev, pkg-config, postgresql) with apt-get, builds migrate (swift build -c release),
starts the local cluster (scripts/local-postgres.sh start), creates the roles of users/
(scripts/initialize.sh), migrates database factory_dev as factory_migration into schema factory
(conf/factory_dev.conf) and, on a new database, loads the seed/ snapshot with migrate seed.

Options:
  --no-seed   migrate only, load no data
  --reseed    drop everything in schema factory (migrate clean), then migrate seed again
  -h, --help  this text

Environment:
  FACTORY_MIGRATION_PASSWORD, FACTORY_APP_PASSWORD, FACTORY_ANALYTICS_PASSWORD
              the roles' passwords; unset ones are generated into .pgdata/dev-passwords (mode 600)

Afterwards:
  scripts/local-postgres.sh psql          # look around, as the superuser postgres
  scripts/local-postgres.sh stop          # stop the cluster (data stays in .pgdata/)
  scripts/local-postgres.sh destroy       # delete it, passwords included
EOF
}

SEED=auto
while [ $# -gt 0 ]; do
    case "$1" in
        --no-seed) SEED=never; shift ;;
        --reseed) SEED=again; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "dev: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
die() { echo "dev: error: $*" >&2; exit 1; }

# initdb exists somewhere local-postgres.sh will look: pg_config's bindir, a Debian-style
# /usr/lib/postgresql/*/bin, or PATH.
have_initdb() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        [ -n "$dir" ] && [ -x "$dir/initdb" ] && return 0
    fi
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
    command -v initdb >/dev/null 2>&1
}

step "Checking system packages"
missing=()
# libpq's headers and pg_config come with libpq-dev; the Swift package finds libpq via pkg-config.
command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists libpq; then
    [[ " ${missing[*]} " == *" libpq-dev "* ]] || missing+=(libpq-dev)
fi
# PostgreSQL's parser as a library, for migrate lint.
[ -f /usr/include/pg_query.h ] || missing+=(libpg-query-dev)
have_initdb || missing+=(postgresql)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "pg_config, pkg-config (libpq), libpg_query and initdb are present; nothing to install"
else
    echo "missing: ${missing[*]}"
    command -v apt-get >/dev/null 2>&1 \
        || die "no apt-get here; install ${missing[*]} (or your system's equivalents) yourself and run this again"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "installing packages needs root or sudo"
        sudo=(sudo)
    fi
    ${sudo[@]+"${sudo[@]}"} apt-get update
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    have_initdb || die "initdb is still not found after installing postgresql"
fi

command -v swift >/dev/null 2>&1 \
    || die "no Swift toolchain (swift) on PATH; install Swift 6 or later and run this again"

step "swift build -c release"
swift build -c release
MIGRATE="$ROOT/.build/release/migrate"
[ -x "$MIGRATE" ] || die "the build did not produce $MIGRATE"

step "scripts/local-postgres.sh start"
scripts/local-postgres.sh start
ADMIN_URL="$(scripts/local-postgres.sh url)"
PORT="$(sed -E 's/.*[?&]port=([0-9]+).*/\1/' <<<"$ADMIN_URL")"

# The roles' passwords: from the environment, else generated once into .pgdata/dev-passwords.
PASSWORDS="$ROOT/.pgdata/dev-passwords"
if [ ! -s "$PASSWORDS" ]; then
    (
        umask 077
        for name in FACTORY_MIGRATION_PASSWORD FACTORY_APP_PASSWORD FACTORY_ANALYTICS_PASSWORD; do
            echo "$name=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
        done >"$PASSWORDS.tmp"
        mv "$PASSWORDS.tmp" "$PASSWORDS"
    )
fi
chmod 600 "$PASSWORDS"
while IFS='=' read -r name value; do
    case "$name" in
        FACTORY_MIGRATION_PASSWORD | FACTORY_APP_PASSWORD | FACTORY_ANALYTICS_PASSWORD)
            [ -n "${!name:-}" ] || export "$name=$value" ;;
    esac
done <"$PASSWORDS"

step "scripts/initialize.sh (roles, schema factory, grants)"
scripts/initialize.sh --url "$ADMIN_URL"

# conf/factory_dev.conf: user factory_migration, schema factory, password from FACTORY_DEV_PASSWORD; the local
# cluster's url replaces the file's (over TCP, as the application connects).
URL="jdbc:postgresql://127.0.0.1:$PORT/factory_dev"
migrate() { FACTORY_DEV_PASSWORD="$FACTORY_MIGRATION_PASSWORD" "$MIGRATE" -configFiles=conf/factory_dev.conf -url="$URL" "$@"; }

has_history="$(scripts/local-postgres.sh psql -X -q -tA -c "SELECT to_regclass('factory.flyway_schema_history') IS NOT NULL")"
if [ "$SEED" = again ]; then
    step "migrate clean, then migrate seed (as factory_migration)"
    migrate clean
    migrate seed
elif [ "$SEED" = auto ] && [ "$has_history" = f ]; then
    step "migrate seed (as factory_migration): migrations up to the snapshot's version, its data, then the rest"
    migrate seed
else
    step "migrate migrate (as factory_migration)"
    migrate migrate
fi

step "scripts/initialize.sh --after-migrate (users/02 once more)"
scripts/initialize.sh --after-migrate --url "$ADMIN_URL"

step "migrate info"
migrate info

step "Ready"
echo "database:  $URL (schema factory)"
echo "roles:     factory_migration (runs migrate), factory_app (the application), factory_analytics (read only)"
echo "passwords: $PASSWORDS (unless set in FACTORY_*_PASSWORD)"
echo "migrate:   FACTORY_DEV_PASSWORD=... .build/release/migrate -configFiles=conf/factory_dev.conf -url=$URL info"
echo "psql:      scripts/local-postgres.sh psql"
echo "stop:      scripts/local-postgres.sh stop"
