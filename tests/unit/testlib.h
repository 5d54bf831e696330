/* testlib: the smallest test harness that does the job.
 *
 *   TEST(name) { CHECK(cond); CHECK_STR(a, b); CHECK_INT(a, b); }
 *   int main(void) { RUN(name); ...; return test_report(); }
 *
 * A failed CHECK prints file:line and the expression and marks the current
 * test failed; the test goes on (so one run shows every broken case).
 * REQUIRE(cond) is CHECK for what the rest of a test cannot run without (a
 * fixture, an allocation): when cond is false it fails the test the same
 * way, then returns from the test function, so a missing fixture is a
 * failure and never a quiet pass.
 * test_report() prints "N passed, N failed" alone on the last line and
 * returns the exit status (0 only if nothing failed).
 */
#ifndef OUTPOST_TESTLIB_H
#define OUTPOST_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

extern int test_failed_current;

void test_run(const char *name, void (*fn)(void));
int test_report(void);
void test_fail(const char *file, int line, const char *expr);
void test_fail_str(const char *file, int line, const char *expr,
                   const char *got, const char *want);
void test_fail_int(const char *file, int line, const char *expr, long long got,
                   long long want);
/* Returns true if needle occurs in hay[0..len). */
int test_contains(const char *hay, size_t len, const char *needle);

#define TEST(name) static void name(void)
#define RUN(name) test_run(#name, name)
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            test_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            test_fail(__FILE__, __LINE__, #cond);                              \
            return;                                                            \
        }                                                                      \
    } while (0)
#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0)         \
            test_fail_str(__FILE__, __LINE__, #got, g_, w_);                   \
    } while (0)
#define CHECK_INT(got, want)                                                   \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ != w_)                                                          \
            test_fail_int(__FILE__, __LINE__, #got, g_, w_);                   \
    } while (0)
#define CHECK_HAS(hay, len, needle)                                            \
    do {                                                                       \
        if (!test_contains((hay), (len), (needle)))                            \
            test_fail_str(__FILE__, __LINE__, "contains " #needle, "(absent)", \
                          (needle));                                           \
    } while (0)
#define CHECK_LACKS(hay, len, needle)                                          \
    do {                                                                       \
        if (test_contains((hay), (len), (needle)))                             \
            test_fail_str(__FILE__, __LINE__, "lacks " #needle, "(present)",   \
                          (needle));                                           \
    } while (0)

#endif
