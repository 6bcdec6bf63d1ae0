#!/usr/bin/env bash
# Sourced by the benchmarks: starts a throwaway PostgreSQL cluster in $BENCH_DIR and stops it on exit.
# Sets PGHOST (socket dir), PGPORT, PGUSER=postgres, and BENCH_URL for migrate.
# Socket only, unless BENCH_LISTEN is set before sourcing (suite.sh sets 127.0.0.1 to measure over TCP).

bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ ! -x "$bindir/initdb" ]; then bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"; fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

BENCH_DIR="$(mktemp -d /tmp/migrate-bench.XXXXXX)"
chmod 755 "$BENCH_DIR"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$BENCH_DIR"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$bindir/initdb" -D "$BENCH_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
as_pg "$bindir/pg_ctl" -D "$BENCH_DIR/data" -w -l "$BENCH_DIR/log" \
    -o "-k $BENCH_DIR -c listen_addresses='${BENCH_LISTEN:-}' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB" start >/dev/null
stop_cluster() { as_pg "$bindir/pg_ctl" -D "$BENCH_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$BENCH_DIR"; }
trap stop_cluster EXIT

export PGHOST="$BENCH_DIR" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
# Creates database $1 and prints its URL: over TCP when the cluster listens (BENCH_LISTEN), else the socket.
bench_db() {
    psql -q -X -d postgres -c "CREATE DATABASE $1" >/dev/null
    if [ -n "${BENCH_LISTEN:-}" ]; then echo "postgresql://postgres@$BENCH_LISTEN:$port/$1"
    else echo "postgresql://postgres@/$1?host=$BENCH_DIR&port=$port"; fi
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
