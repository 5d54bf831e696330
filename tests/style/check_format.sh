# The house format (.clang-format) holds for every C file of ours: one check
# per file, so a failure names the file. Skipped (and counted as failed) only
# if clang-format is missing, which tools/dev installs.
cd "$(dirname "$0")/../.."
passed=0 failed=0
if ! command -v clang-format >/dev/null; then
    echo "FAIL clang-format is not installed"
    echo "0 passed, 1 failed"
    exit 1
fi
for f in store/*.[ch] store/common/*.[ch] protocols/*.[ch] server/*.[ch] \
    server/cli/*.[ch] tests/unit/*.[ch] \
    tests/bench/*.c tests/fuzz/*.[ch]; do
    if clang-format --style=file "$f" | cmp -s - "$f"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $f is not clang-formatted (run: clang-format -i $f)"
        clang-format --style=file "$f" | diff "$f" - | head -10 | sed 's/^/  /'
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
