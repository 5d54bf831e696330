# The build runs on any machine of its architecture: build.zig targets the
# baseline CPU unless -Dcpu says otherwise (then tests/run skips this), so
# no binary we built may hold an instruction of a later x86-64 level. A
# compiler that vectorises or picks bit tricks for a newer CPU shows it in
# the registers (%ymm: AVX, %zmm and the %k masks: AVX-512) and in the
# bit-manipulation mnemonics (POPCNT, LZCNT, BMI1/2, MOVBE); valgrind and
# older CPUs stop at either with SIGILL.
cd "$(dirname "$0")/../.."
: "${OUTPOST_BIN:?}" "${OUTPOST_TESTS:?}"
passed=0 failed=0
if ! command -v objdump >/dev/null; then
    echo "FAIL objdump (binutils) is not installed"
    echo "0 passed, 1 failed"
    exit 1
fi
case "$(uname -m)" in
x86_64) ;;
*) echo "ok   not x86-64: nothing to check"; echo "1 passed, 0 failed"; exit 0 ;;
esac
pattern='%[yz]mm[0-9]|%k[0-7]\b|\s(popcnt|lzcnt|tzcnt|andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|movbe)\s'
for f in "$OUTPOST_BIN" "$OUTPOST_TESTS"/test_*; do
    [ -x "$f" ] || continue
    hits=$(objdump -d --no-show-raw-insn "$f" | grep -E "$pattern")
    if [ -z "$hits" ]; then
        passed=$((passed + 1))
        echo "ok   $(basename "$f") uses only baseline x86-64 instructions"
    else
        failed=$((failed + 1))
        echo "FAIL $(basename "$f") uses instructions beyond baseline x86-64 ($(printf '%s\n' "$hits" | wc -l) of them)"
        printf '%s\n' "$hits" | head -5 | sed 's/^/  /'
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
