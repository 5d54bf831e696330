# The layers hold, checked on the sources (one check per rule, each
# naming the files that break it):
#   - libuv is called only in server/ (other layers may use its UV_E*
#     error codes and uv_strerror(), which are plain functions of data);
#   - SQLite is included only in store/, and not in store/common/;
#   - protocols/ opens no socket and does no cryptography;
#   - store/common/ (the basics every layer may use) includes nothing of
#     the layers above it.
cd "$(dirname "$0")/../.."
passed=0 failed=0
rule() { # NAME, then the offending lines (empty: the rule holds)
    local name=$1 hits=$2
    if [ -z "$hits" ]; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"
        printf '%s\n' "$hits" | head -10 | sed 's/^/  /'
    fi
}
rule "libuv is called only in server/" \
    "$(grep -nE '\buv_[a-z_]+\(' store/*.[ch] store/common/*.[ch] protocols/*.[ch] |
        grep -vE '\buv_(strerror|translate_sys_error)\(')"
rule "SQLite only in store/ (not store/common/)" \
    "$(grep -n 'sqlite3' protocols/*.[ch] server/*.[ch] server/cli/*.[ch] store/common/*.[ch])"
rule "protocols/ open no socket and do no cryptography" \
    "$(grep -nE '#include <(sys/socket|netinet/[a-z]+|arpa/inet|sodium)\.h>|\b(socket|connect|accept)\(' protocols/*.[ch])"
rule "store/common/ includes nothing of the layers above" \
    "$(grep -nE '#include "\.\./' store/common/*.[ch])"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
