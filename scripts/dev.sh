#!/usr/bin/env bash
# scripts/dev.sh: from a fresh checkout to a migrated development database, in one command.
#
#   1. install libpq-dev, pkg-config and the PostgreSQL server with apt-get, only if they are missing
#   2. swift build -c release
#   3. scripts/local-postgres.sh start      (a private cluster in .pgdata/, database factory_dev)
#   4. .build/release/migrate -url=<that cluster> -locations=filesystem:sql migrate, then info
#
# Stops at the first failure with a non-zero exit code. Running it again is cheap: nothing is
# installed twice, the build is incremental, the cluster is reused, and migrate applies only
# what is pending.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/dev.sh [--seed]

Sets up a development environment from a fresh checkout: installs missing packages
(libpq-dev, pkg-config, postgresql) with apt-get, builds migrate (swift build -c release),
starts the local cluster (scripts/local-postgres.sh start), applies sql/ to database
factory_dev with migrate, and prints migrate info.

Options:
  --seed      afterwards, load the seed/ snapshot that matches the schema version
              (scripts/seed.sh --replace; replaces the data in the seeded tables)
  -h, --help  this text

Afterwards:
  scripts/local-postgres.sh psql          # look around
  scripts/local-postgres.sh stop          # stop the cluster (data stays in .pgdata/)
EOF
}

SEED=false
while [ $# -gt 0 ]; do
    case "$1" in
        --seed) SEED=true; shift ;;
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
have_initdb || missing+=(postgresql)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "pg_config, pkg-config (libpq) and initdb are present; nothing to install"
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
URL="$(scripts/local-postgres.sh url)"

step "migrate -url=$URL -locations=filesystem:sql migrate"
"$MIGRATE" -url="$URL" -locations=filesystem:sql migrate

step "migrate info"
"$MIGRATE" -url="$URL" -locations=filesystem:sql info

if $SEED; then
    step "scripts/seed.sh --replace"
    scripts/seed.sh --url "$URL" --replace
fi

step "Ready"
echo "database: $URL"
echo "psql:     scripts/local-postgres.sh psql"
echo "stop:     scripts/local-postgres.sh stop"
