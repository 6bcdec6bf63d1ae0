#!/usr/bin/env bash
# scripts/release.sh: builds dist/migrate, one stripped binary with the Swift runtime and Foundation linked in
# statically; at run time it needs only libpq and the usual system libraries (libc, libm, libstdc++, libgcc_s).
# Prints size, ldd and sha256, fails if a Swift toolchain library is still needed or the binary is over MAX_MB,
# then smoke-tests it: --version/--help in an empty environment, and migrate + info against a throwaway
# PostgreSQL cluster, run inside a chroot that holds nothing but the binary and the libraries ldd lists.
#
#   MAX_MB   size limit in MiB (default 25)
#   SWIFT    the swift driver (default: swift on PATH, else /opt/swift/usr/bin/swift)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
MAX_MB="${MAX_MB:-25}"
SWIFT="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
TOOLCHAIN="$(cd "$(dirname "$(readlink -f "$SWIFT")")/../.." && pwd -P)" # e.g. /opt/swift
SCRATCH=.build-release # our own build folder: never disturbs .build
BIN=dist/migrate

say() { echo "release: $*" >&2; }
die() { echo "release: error: $*" >&2; exit 1; }

# ---- Build. --static-swift-stdlib also links Foundation statically on Linux (swift_static holds
# libFoundation*.a, libCoreFoundation.a, lib_FoundationICU.a with its data, libdispatch.a).
start=$SECONDS
build=("$SWIFT" build -c release --static-swift-stdlib --product migrate --scratch-path "$SCRATCH")
# (grep drops a linker warning from inside libFoundationEssentials.a; pipefail keeps the build's status)
"${build[@]}" 2>&1 | { grep -v "the use of \`mktemp' is dangerous" || true; } >&2 || die "the build failed"
built="$("${build[@]}" --show-bin-path)/migrate"
say "built in $((SECONDS - start)) s"

mkdir -p dist
strip -o "$BIN.tmp" "$built"
mv -f "$BIN.tmp" "$BIN"

bytes=$(stat -c %s "$BIN")
printf '%s: %d bytes (%s MiB), unstripped %d bytes\n' "$BIN" "$bytes" \
    "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "$(stat -c %s "$built")"
ldd "$BIN"
sha256sum "$BIN"

# ---- Checks. A library from the toolchain would be missing on any host without Swift installed.
if ldd "$BIN" | grep -E "$TOOLCHAIN/|libswift|libFoundation|libdispatch|libBlocksRuntime|libicu|not found" >&2; then
    die "$BIN still needs the libraries above"
fi
[ "$bytes" -le $((MAX_MB * 1048576)) ] || die "$BIN is over $MAX_MB MiB"

# ---- Smoke test, in a temporary directory removed on exit (with the cluster, if one was started).
TMP="$(mktemp -d /tmp/migrate-release.XXXXXX)"
PGBIN="" PGDIR="$TMP/pg" # data/ and log, owned by whoever runs the server
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    if [ -f "$PGDIR/data/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# Nothing from the toolchain in reach: no PATH to it, no LD_LIBRARY_PATH, and the dynamic loader must not
# even look there (LD_DEBUG lists every file it tries).
env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= "$BIN" --version
env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= "$BIN" --help >/dev/null
if env -i LD_DEBUG=libs "$BIN" --version 2>&1 >/dev/null | grep -F "$TOOLCHAIN/" >&2; then
    die "the dynamic loader looked into $TOOLCHAIN"
fi

# A jail with the binary and only the libraries ldd lists, entered through a private mount and pid namespace
# (unshare; as non-root also a user namespace, where the kernel allows one) so that /proc can be mounted in it:
# the Swift runtime finds the program's arguments through /proc/self/maps. Else we run it in place.
JAIL="$TMP/jail"
mkdir -p "$JAIL/run" "$JAIL/sql" "$JAIL/proc"
cp "$BIN" "$JAIL/migrate"
ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
    | while read -r lib; do cp -L --parents "$lib" "$JAIL"; done
UNSHARE=(unshare --mount --pid --fork --mount-proc="$JAIL/proc")
if [ "$(id -u)" -ne 0 ]; then UNSHARE+=(--map-root-user); fi
if [ "$(id -u)" -eq 0 ] || "${UNSHARE[@]}" true 2>/dev/null; then
    J="" # paths as the binary sees them
    jailed() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${UNSHARE[@]}" chroot "$JAIL" /migrate "$@"; }
    jailed --version >/dev/null || die "$BIN does not start in a chroot holding only its ldd libraries"
    say "runs in a chroot holding only its ldd libraries"
else
    J="$JAIL"
    jailed() { (cd "$JAIL" && env -i PATH=/usr/bin:/bin "$JAIL/migrate" "$@"); }
    say "no namespaces for a chroot (not root, no user namespaces): running in place"
fi

# The cluster: initdb/pg_ctl of the newest PostgreSQL found, Unix socket only, in the jail's run/.
for dir in "$(pg_config --bindir 2>/dev/null || true)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV) \
    "$(dirname "$(command -v initdb 2>/dev/null || echo .)")"; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then PGBIN="$dir"; break; fi
done
if [ -z "$PGBIN" ]; then
    say "no initdb/pg_ctl found: skipping the database smoke test"
    exit 0
fi
chmod 755 "$TMP" "$JAIL"
chmod 777 "$JAIL/run"
if [ "$(id -u)" -eq 0 ]; then install -d -o postgres "$PGDIR"; else mkdir "$PGDIR"; fi # initdb refuses root
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
# No TCP (listen_addresses=''), so the port only names the socket file in our private directory.
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/log" \
    -o "-k $JAIL/run -c listen_addresses='' -p 5432 -c fsync=off" start >/dev/null \
    || { cat "$PGDIR/log" >&2; die "the throwaway cluster did not start"; }

echo 'CREATE TABLE release_smoke (id int PRIMARY KEY);' >"$JAIL/sql/V1__create.sql"
echo 'INSERT INTO release_smoke VALUES (1);' >"$JAIL/sql/V2__insert.sql"
args=("-url=postgresql://postgres@/postgres?host=$J/run&port=5432" "-locations=filesystem:$J/sql")
jailed "${args[@]}" migrate
json="$(jailed "${args[@]}" info -outputType=json)"
applied=$(grep -cE '"state" *: *"Success"' <<<"$json" || true)
[ "$applied" -eq 2 ] || { echo "$json" >&2; die "info reports $applied migrations applied, expected 2"; }
say "smoke test passed: $BIN applied 2 migrations and info -outputType=json reports both as Success"
