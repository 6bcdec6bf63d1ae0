#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no database) and integration tests against a throwaway
# PostgreSQL cluster that the tests start themselves (initdb + pg_ctl in a temp dir) and stop afterwards.
# Installs libpq-dev, libpg-query-dev, postgresql and pgbouncer first when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
if ! pkg-config --exists libpq 2>/dev/null; then missing+=(libpq-dev pkg-config); fi
if [ ! -f /usr/include/pg_query.h ]; then missing+=(libpg-query-dev); fi
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then missing+=(postgresql); fi
if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then missing+=(pgbouncer); fi
if ((${#missing[@]})); then
    echo "Installing missing packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

# Only the libpq wrapper may touch libpq, and only the parser wrapper libpg_query (see STYLE.md).
if grep -rl 'import CLibPQ' Sources | grep -v '^Sources/PostgresClient/'; then
    echo "error: only Sources/PostgresClient may import CLibPQ" >&2
    exit 1
fi
if grep -rl 'import CPgQuery' Sources | grep -v '^Sources/PostgresParser/'; then
    echo "error: only Sources/PostgresParser may import CPgQuery" >&2
    exit 1
fi

swift build --build-tests
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
# XCTest's last summary covers every suite: say it once more as a plain closing line.
summary="$(grep -E '^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?' "$log" | tail -1 || true)"
if [ -n "$summary" ]; then
    total="$(sed -E 's/^[[:space:]]*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
    failed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")"
    echo "tests: $((total - failed)) passed, $failed failed"
    if [ "$total" -eq 0 ]; then echo "error: no test ran" >&2; status=1; fi
else
    echo "error: no XCTest summary found" >&2
    status=1
fi
exit "$status"
