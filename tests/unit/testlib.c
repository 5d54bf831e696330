#include "testlib.h"

#include <stdio.h>

int test_failed_current;
static int passed, failed;

void test_run(const char *name, void (*fn)(void))
{
    test_failed_current = 0;
    fn();
    if (test_failed_current) {
        failed++;
        printf("FAIL %s\n", name);
    } else {
        passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

int test_report(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

void test_fail(const char *file, int line, const char *expr)
{
    test_failed_current = 1;
    printf("  %s:%d: CHECK(%s) failed\n", file, line, expr);
}

void test_fail_str(const char *file, int line, const char *expr,
                   const char *got, const char *want)
{
    test_failed_current = 1;
    printf("  %s:%d: %s\n    got:  [%s]\n    want: [%s]\n", file, line, expr,
           got ? got : "(null)", want ? want : "(null)");
}

void test_fail_int(const char *file, int line, const char *expr, long long got,
                   long long want)
{
    test_failed_current = 1;
    printf("  %s:%d: %s = %lld, want %lld\n", file, line, expr, got, want);
}

int test_contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (hay == NULL || n > len)
        return 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}
