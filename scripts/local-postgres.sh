#!/usr/bin/env bash
# scripts/local-postgres.sh: a private PostgreSQL cluster for development, kept in .pgdata/ at the
# root of the repository (ignored by git). No Docker, no system service: the cluster belongs to this
# checkout and disappears with `destroy`.
#
#   .pgdata/data          the cluster (initdb), superuser "postgres", trust authentication
#   .pgdata/socket        Unix socket directory, world-accessible
#   .pgdata/port          the TCP port chosen on first start (a free one), reused afterwards
#   .pgdata/postgres.log  server log
#
# The server listens on 127.0.0.1 only and trusts every local connection: it is for development
# data, never for anything that matters (fsync is off, too). As root, the cluster is created and
# run as the "postgres" system user (initdb refuses to run as root).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/local-postgres.sh COMMAND [ARGS]

A local PostgreSQL cluster for development in .pgdata/ (database factory_dev).

Commands:
  start     create the cluster on first use, start it, create database factory_dev (no-op if running)
  stop      stop the cluster (no-op if it is not running)
  status    say whether it runs, on which port; exit 0 if running, 3 if not
  url       print the connection URI, postgresql://postgres@/factory_dev?host=<socket dir>&port=<port>
  psql      run psql on factory_dev; further arguments go to psql (e.g. psql -c 'select 1')
  destroy   stop the cluster and delete .pgdata/ with all its data
  help      show this text

Environment:
  PG_BINDIR   directory with initdb/pg_ctl/psql (default: pg_config --bindir, else the highest
              /usr/lib/postgresql/*/bin, else PATH)

Examples:
  scripts/local-postgres.sh start
  .build/release/migrate -url="$(scripts/local-postgres.sh url)" info
  scripts/local-postgres.sh psql -c 'select version()'
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BASE="$ROOT/.pgdata"
DATA="$BASE/data"
SOCKET_DIR="$BASE/socket"
PORT_FILE="$BASE/port"
LOG_FILE="$BASE/postgres.log"
DB_NAME="factory_dev"
SUPERUSER="postgres"
FIRST_PORT=54320
LAST_PORT=54999

ORIG_PWD="$PWD"
cd "$ROOT"

note() { echo "local-postgres: $*" >&2; }
die() { echo "local-postgres: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Binaries and the user that runs the server

find_bindir() {
    local dir candidates=()
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    # On Debian, pg_config may come from libpq-dev and name a directory without the server
    # binaries (another major version), so check that initdb is really there.
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && candidates+=("$dir")
    done
    if [ "${#candidates[@]}" -gt 0 ]; then
        printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
        return
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    die "no PostgreSQL server binaries found (initdb); install them, e.g. apt-get install postgresql"
}

BINDIR=""
bin() {
    [ -n "$BINDIR" ] || BINDIR="$(find_bindir)"
    echo "$BINDIR/$1"
}

psql_bin() {
    local p
    p="$(bin psql)"
    if [ -x "$p" ]; then echo "$p"; else command -v psql || die "psql not found"; fi
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the owner of the cluster: "postgres" when we are root, ourselves otherwise.
# The working directory is .pgdata, which that user can always enter.
as_owner() {
    if is_root; then
        (cd "$BASE" && runuser -u "$SUPERUSER" -- "$@")
    else
        (cd "$BASE" && "$@")
    fi
}

# ---------------------------------------------------------------------------------------------
# State

pid_of_cluster() {
    [ -f "$DATA/postmaster.pid" ] || return 1
    local pid
    pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    echo "$pid"
}

# True when postmaster.pid names a live postgres process started on this data directory. After a
# reboot or in a container, the pid in a stale file may belong to some other process.
is_running() {
    local pid args=""
    pid="$(pid_of_cluster)" || return 1
    if [ -r "/proc/$pid/cmdline" ]; then
        args="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    elif command -v ps >/dev/null 2>&1; then
        args="$(ps -o args= -p "$pid" 2>/dev/null || true)"
    fi
    [[ "$args" == *postgres* && "$args" == *"$DATA"* ]]
}

# Removes what a crashed or killed server left behind, so that the next start is not refused.
clear_stale() {
    if [ -f "$DATA/postmaster.pid" ] && ! is_running; then
        note "removing stale $DATA/postmaster.pid (pid $(pid_of_cluster || echo '?') is not this cluster)"
        rm -f "$DATA/postmaster.pid"
    fi
    if ! is_running && [ -d "$SOCKET_DIR" ]; then
        rm -f "$SOCKET_DIR"/.s.PGSQL.*
    fi
}

saved_port() {
    local port=""
    [ -f "$PORT_FILE" ] && port="$(tr -d '[:space:]' <"$PORT_FILE")"
    [[ "$port" =~ ^[0-9]+$ ]] || return 1
    echo "$port"
}

port_in_use() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        if ss -ltn 2>/dev/null | awk -v p=":$port" '$4 ~ p"$" { found = 1 } END { exit !found }'; then
            return 0
        fi
    fi
    # Something accepts connections there (works without ss).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        return 0
    fi
    return 1
}

# The remembered port if it is still free, else the first free one in FIRST_PORT..LAST_PORT.
choose_port() {
    local port
    if port="$(saved_port)"; then
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
        note "port $port (from $PORT_FILE) is now used by another program; choosing a new one"
    fi
    for ((port = FIRST_PORT; port <= LAST_PORT; port++)); do
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port between $FIRST_PORT and $LAST_PORT"
}

urlencode() {
    local LC_ALL=C s="$1" out="" c hex i
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        case "$c" in
            [A-Za-z0-9/._~-]) out+="$c" ;;
            *) printf -v hex '%%%02X' "'$c"; out+="$hex" ;;
        esac
    done
    printf '%s' "$out"
}

url_for_port() {
    printf 'postgresql://%s@/%s?host=%s&port=%s\n' "$SUPERUSER" "$DB_NAME" "$(urlencode "$SOCKET_DIR")" "$1"
}

# ---------------------------------------------------------------------------------------------
# Setting up

prepare_dirs() {
    mkdir -p "$BASE" "$SOCKET_DIR"
    # A Unix socket path is limited to about 107 bytes.
    if [ "${#SOCKET_DIR}" -gt 90 ]; then
        die "socket directory path is too long for a Unix socket (${#SOCKET_DIR} characters): $SOCKET_DIR; use a checkout with a shorter path"
    fi
    if is_root; then
        id -u "$SUPERUSER" >/dev/null 2>&1 \
            || die "running as root needs a '$SUPERUSER' system user to own the cluster (initdb refuses root)"
        chown -R "$SUPERUSER:" "$BASE"
        runuser -u "$SUPERUSER" -- test -w "$BASE" \
            || die "user '$SUPERUSER' cannot reach $BASE: every directory above it must be searchable (chmod o+x)"
    else
        [ -O "$BASE" ] || die "$BASE belongs to $(stat -c %U "$BASE" 2>/dev/null || echo another user); run this as root, or as that user, or run 'destroy' as root"
    fi
    chmod 0755 "$BASE" "$SOCKET_DIR"
}

init_cluster() {
    [ -f "$DATA/PG_VERSION" ] && return 0
    note "creating a new cluster in $DATA ($(bin initdb))"
    rm -rf "$DATA"
    if ! as_owner "$(bin initdb)" -D "$DATA" -U "$SUPERUSER" --auth=trust --no-locale --encoding=UTF8 \
        --no-sync >"$BASE/initdb.log" 2>&1; then
        cat "$BASE/initdb.log" >&2
        die "initdb failed"
    fi
    # Our settings live in a file of their own, rewritten on every start (the port may change).
    printf '\n# scripts/local-postgres.sh\ninclude_if_exists = '\''local-postgres.conf'\''\n' >>"$DATA/postgresql.conf"
}

write_settings() {
    local port="$1" conf="$DATA/local-postgres.conf"
    cat >"$conf" <<EOF
# Written by scripts/local-postgres.sh on every start; change the script, not this file.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '${SOCKET_DIR//\'/\'\'}'
unix_socket_permissions = 0777
# Development data only: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if is_root; then chown "$SUPERUSER:" "$conf"; fi
    echo "$port" >"$PORT_FILE"
}

ensure_database() {
    local port="$1" exists
    exists="$("$(psql_bin)" -X -q -h "$SOCKET_DIR" -p "$port" -U "$SUPERUSER" -d postgres -tA \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
    if [ "$exists" != "1" ]; then
        "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$port" -U "$SUPERUSER" -d postgres \
            -c "CREATE DATABASE $DB_NAME"
        note "created database $DB_NAME"
    fi
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_start() {
    if is_running; then
        note "already running (pid $(pid_of_cluster), port $(saved_port || echo '?'))"
        return 0
    fi
    prepare_dirs
    clear_stale
    init_cluster
    local port
    port="$(choose_port)"
    write_settings "$port"
    note "starting PostgreSQL on 127.0.0.1:$port, socket in $SOCKET_DIR"
    if ! as_owner "$(bin pg_ctl)" -D "$DATA" -l "$LOG_FILE" -w -t 60 start >/dev/null; then
        tail -n 20 "$LOG_FILE" >&2 || true
        die "the server did not start; log: $LOG_FILE"
    fi
    ensure_database "$port"
    note "running; connect with: $(url_for_port "$port")"
}

cmd_stop() {
    if ! is_running; then
        [ -d "$BASE" ] && clear_stale
        note "not running"
        return 0
    fi
    as_owner "$(bin pg_ctl)" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    note "stopped"
}

cmd_status() {
    if [ ! -f "$DATA/PG_VERSION" ]; then
        echo "no cluster yet (run: scripts/local-postgres.sh start)"
        return 3
    fi
    if is_running; then
        local port
        port="$(saved_port || echo '?')"
        echo "running: pid $(pid_of_cluster), PostgreSQL $(cat "$DATA/PG_VERSION"), 127.0.0.1:$port, socket dir $SOCKET_DIR"
        echo "url: $(url_for_port "$port")"
        return 0
    fi
    echo "stopped (data in $DATA)"
    return 3
}

cmd_url() {
    local port
    port="$(saved_port)" || die "no cluster yet: run scripts/local-postgres.sh start"
    is_running || note "warning: the cluster is not running (scripts/local-postgres.sh start)"
    url_for_port "$port"
}

cmd_psql() {
    local port
    port="$(saved_port)" || die "no cluster yet: run scripts/local-postgres.sh start"
    is_running || die "the cluster is not running: scripts/local-postgres.sh start"
    local psql url
    psql="$(psql_bin)"
    url="$(url_for_port "$port")"
    # Back to the caller's directory, so that "psql -f file.sql" finds relative paths.
    cd "$ORIG_PWD"
    exec "$psql" "$url" "$@"
}

cmd_destroy() {
    if [ -d "$DATA" ]; then cmd_stop; fi
    case "$BASE" in
        */.pgdata) rm -rf "$BASE" ;;
        *) die "refusing to delete unexpected path $BASE" ;;
    esac
    note "deleted $BASE"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url ;;
    psql) cmd_psql "$@" ;;
    destroy) cmd_destroy ;;
    help | -h | --help) usage ;;
    "") usage >&2; exit 2 ;;
    *) echo "local-postgres: unknown command '$command'" >&2; usage >&2; exit 2 ;;
esac
