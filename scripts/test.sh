#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no database) and integration tests against a throwaway
# PostgreSQL cluster that the tests start themselves (initdb + pg_ctl in a temp dir) and stop afterwards.
# Installs libpq-dev and postgresql first when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
if ! pkg-config --exists libpq 2>/dev/null; then missing+=(libpq-dev pkg-config); fi
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then missing+=(postgresql); fi
if ((${#missing[@]})); then
    echo "Installing missing packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

# Only the libpq wrapper may touch C (see STYLE.md).
if grep -rl 'import CLibPQ' Sources | grep -v '^Sources/PostgresClient/'; then
    echo "error: only Sources/PostgresClient may import CLibPQ" >&2
    exit 1
fi

swift build --build-tests
swift test --skip-build "$@"
