#!/usr/bin/env bash
# tests/fuzz/run.sh: runs the libFuzzer targets (zig build fuzz).
#
#   bash tests/fuzz/run.sh [-t SECONDS] [-s DIR] [-m] [TARGET...]
#
# For each TARGET (default: every folder of tests/fuzz/corpus/), two checks:
#   1. replay: every input of tests/fuzz/corpus/TARGET/ once (-runs=0), the
#      seeds and every regress-* input of a crash once found;
#   2. fuzz: SECONDS (default 8) of fuzzing from that corpus
#      (-max_total_time, with the words of tests/fuzz/dict/TARGET.dict),
#      new inputs written to DIR/TARGET/ (a scratch folder, by default a
#      temporary one that is removed afterwards).
# A check fails on any crash, sanitizer report (AddressSanitizer,
# UndefinedBehaviorSanitizer, LeakSanitizer: leak detection stays on),
# broken FUZZ_CHECK, timeout or memory blow-up; the input is kept as
# DIR/TARGET/crash-* (or leak-*, timeout-*, oom-*) and its path printed, and
# DIR is then kept whatever -s said. With -m the new inputs are merged into
# tests/fuzz/corpus/TARGET/ (libFuzzer -merge=1: only those that add
# coverage). The binaries are read from $OUTPOST_FUZZ (default
# zig-out/fuzz). They are never run under valgrind: AddressSanitizer and
# valgrind cannot share a process.
#
# Prints a line per check and, last, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${OUTPOST_FUZZ:-$ROOT/zig-out/fuzz}
SECONDS_EACH=8
SCRATCH=
MERGE=0
while [ $# -gt 0 ]; do
    case "$1" in
    -t) SECONDS_EACH=$2; shift 2 ;;
    -s) SCRATCH=$2; shift 2 ;;
    -m) MERGE=1; shift ;;
    -*) echo "usage: $0 [-t SECONDS] [-s DIR] [-m] [TARGET...]" >&2; exit 2 ;;
    *) break ;;
    esac
done
case "$SECONDS_EACH" in
'' | *[!0-9]*) echo "run.sh: -t wants whole seconds, got '$SECONDS_EACH'" >&2; exit 2 ;;
esac
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
KEEP=1
if [ -z "$SCRATCH" ]; then
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/outpost-fuzz.XXXXXX")
    KEEP=0
fi
mkdir -p "$SCRATCH"

# Leak detection on whatever the caller's environment says; a report
# aborts the run so that libFuzzer keeps the input.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"
# A slow input is a hang past this many seconds (the largest seed, the demo
# export, imports, renders and re-imports in well under one).
TIMEOUT=25
passed=0 failed=0

# The path of the input a failed run kept, from libFuzzer's log.
artifact() {
    sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$1" | tail -1
}

report_failure() { # what, log
    failed=$((failed + 1))
    KEEP=1
    local input; input=$(artifact "$2")
    echo "FAIL $1${input:+: input $input}"
    grep -E 'ERROR|SUMMARY|broken:|runtime error|Direct leak|Indirect leak' "$2" |
        head -8 | sed 's/^/  /'
    cp "$2" "$SCRATCH/$(basename "$1" | tr '/ ' '__').log"
    echo "  (whole log: $SCRATCH/$(basename "$1" | tr '/ ' '__').log)"
}

for t in "${targets[@]}"; do
    exe=$BIN/fuzz_$t
    corpus=tests/fuzz/corpus/$t
    if [ ! -x "$exe" ] || [ ! -d "$corpus" ]; then
        echo "FAIL $t: no $exe or no $corpus (zig build fuzz)"
        failed=$((failed + 1))
        continue
    fi
    new=$SCRATCH/$t
    mkdir -p "$new"
    dict=()
    [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
    log=$(mktemp)

    n=$(find "$corpus" -type f | wc -l)
    if "$exe" -runs=0 -timeout=$TIMEOUT -artifact_prefix="$new/" "$corpus" >"$log" 2>&1; then
        echo "ok   $t: replayed $n inputs"
        passed=$((passed + 1))
    else
        report_failure "$t replay" "$log"
    fi

    if "$exe" -max_total_time="$SECONDS_EACH" -timeout=$TIMEOUT \
        -print_final_stats=1 "${dict[@]}" -artifact_prefix="$new/" "$new" "$corpus" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "ok   $t: ${runs:-?} runs in ${SECONDS_EACH}s, $(find "$new" -type f -not -name '*-*' | wc -l) new inputs"
        passed=$((passed + 1))
    else
        report_failure "$t fuzz" "$log"
    fi

    if [ "$MERGE" = 1 ] && [ -n "$(ls -A "$new")" ]; then
        before=$(find "$corpus" -type f | wc -l)
        if ! "$exe" -merge=1 -timeout=$TIMEOUT "$corpus" "$new" >"$log" 2>&1; then
            cp "$log" "$SCRATCH/$t-merge.log"
            KEEP=1
            echo "  (merge into $corpus failed: see $SCRATCH/$t-merge.log)"
        fi
        echo "     $t: merged, $before -> $(find "$corpus" -type f | wc -l) inputs"
    fi
    rm -f "$log"
done

if [ "$KEEP" = 1 ]; then
    echo "scratch (new inputs, crashes, logs): $SCRATCH"
else
    rm -rf "$SCRATCH"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
