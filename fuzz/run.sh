#!/usr/bin/env bash
# Fuzzes migrate's parsers with libFuzzer, AddressSanitizer and LeakSanitizer (see README.md here).
#
#   fuzz/run.sh SECONDS [TARGET…]     TARGET: conf toml url name splitter (default: all, one after another)
#
# Builds the fuzz package, then runs each target for SECONDS from its checked-in seeds (corpus/TARGET) and
# the corpus grown by earlier runs (.build/fuzz-work/TARGET/corpus). Stops at the first crash, failed
# property, sanitizer report, hang (-timeout) or leak, and leaves the input in .build/fuzz-work/TARGET/.
# Not run by CI: scripts/test.sh never builds this package.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

all_targets=(conf toml url name splitter)
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET…]  (targets: ${all_targets[*]})" >&2
    exit 64
fi
seconds="$1"
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for target in "${targets[@]}"; do
    if [ ! -d "Sources/fuzz-$target" ]; then
        echo "error: unknown target '$target' (targets: ${all_targets[*]})" >&2
        exit 64
    fi
done

# -enable-testing lets the targets `@testable import` internal parsers. Coverage and ASan for toml++ too
# (-Xcxx). lld links: gold stops with an internal error on these binaries.
swift build -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing \
    -Xcxx -fsanitize=fuzzer-no-link,address \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld \
    2>&1 | grep -v "Cannot export local symbol" || true
bin="$(swift build -c release --show-bin-path)"

export SWIFT_BACKTRACE=enable=no  # libFuzzer prints the stack and saves the input
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"

status=0
for target in "${targets[@]}"; do
    work=".build/fuzz-work/$target"
    mkdir -p "$work/corpus"
    options=()
    if [ -f "dict/$target.dict" ]; then options+=(-dict="dict/$target.dict"); fi
    # A file name has at most 255 bytes; longer ones only make the callback-name suggestions slow.
    if [ "$target" = name ]; then options+=(-max_len=1024); fi
    # Every unknown key gets a suggestion, each an edit distance to every known key: keep files small.
    if [ "$target" = conf ]; then options+=(-max_len=2048); fi
    echo "== $target: ${seconds}s"
    set +e
    "$bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -detect_leaks=1 \
        -print_final_stats=1 -artifact_prefix="$work/" "${options[@]}" "$work/corpus" "corpus/$target" \
        >"$work/log" 2>&1
    result=$?
    set -e
    executions="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo '?')"
    corpus="$(grep -E '^#[0-9]+' "$work/log" | tail -1 | grep -o 'corp: [0-9]*' | grep -o '[0-9]*$' || echo '?')"
    if [ "$result" -eq 0 ]; then
        echo "$target: ok, ${seconds}s, $executions executions, corpus $corpus inputs"
    else
        status=1
        echo "$target: FAILED (exit $result) after $executions executions; log: fuzz/$work/log" >&2
        grep -E "property violated|ERROR:|SUMMARY:|Test unit written" "$work/log" | head -5 >&2 || true
    fi
done
exit "$status"
