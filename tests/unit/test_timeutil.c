/* Unit tests of timeutil: formatting, ISO 8601 and HTTP date parsing,
 * leap years, and the OUTPOST_NOW test clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "../../store/common/timeutil.h"
#include "testlib.h"

TEST(from_utc_table)
{
    static const struct {
        int y, mo, d, h, mi, s;
        int64_t want;
    } cases[] = {
        {1970, 1, 1, 0, 0, 0, 0},          /* the epoch */
        {1969, 12, 31, 23, 59, 59, -1},    /* just before it */
        {2000, 2, 29, 0, 0, 0, 951782400}, /* leap day of a 400 year */
        {2000, 3, 1, 0, 0, 0, 951868800},
        {2100, 3, 1, 0, 0, 0, 4107542400}, /* 2100 is no leap year */
        {2024, 2, 29, 12, 0, 0, 1709208000},
        {2026, 11, 18, 11, 6, 40, 1795000000}, /* FIXTURE_NOW */
        {2038, 1, 19, 3, 14, 8, 2147483648LL}, /* past 32-bit time_t */
        {1900, 1, 1, 0, 0, 0, -2208988800LL},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        CHECK_INT(time_from_utc(cases[k].y, cases[k].mo, cases[k].d, cases[k].h,
                                cases[k].mi, cases[k].s),
                  cases[k].want);
}

TEST(format_table)
{
    static const struct {
        int64_t t;
        const char *iso, *iso_ms, *human, *http;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z",
         "1970-01-01 00:00 UTC", "Thu, 01 Jan 1970 00:00:00 GMT"},
        {1795000000, "2026-11-18T11:06:40Z", "2026-11-18T11:06:40.000Z",
         "2026-11-18 11:06 UTC", "Wed, 18 Nov 2026 11:06:40 GMT"},
        {951782400, "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z",
         "2000-02-29 00:00 UTC", "Tue, 29 Feb 2000 00:00:00 GMT"},
        {1709251199, "2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000Z",
         "2024-02-29 23:59 UTC", "Thu, 29 Feb 2024 23:59:59 GMT"},
        {784111777, "1994-11-06T08:49:37Z", "1994-11-06T08:49:37.000Z",
         "1994-11-06 08:49 UTC", "Sun, 06 Nov 1994 08:49:37 GMT"},
        {-1, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000Z",
         "1969-12-31 23:59 UTC", "Wed, 31 Dec 1969 23:59:59 GMT"},
        {4102444800LL, "2100-01-01T00:00:00Z", "2100-01-01T00:00:00.000Z",
         "2100-01-01 00:00 UTC", "Fri, 01 Jan 2100 00:00:00 GMT"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        char out[TIME_BUFSZ];
        time_iso8601(cases[k].t, out);
        CHECK_STR(out, cases[k].iso);
        time_iso8601_ms(cases[k].t, out);
        CHECK_STR(out, cases[k].iso_ms);
        time_human(cases[k].t, out);
        CHECK_STR(out, cases[k].human);
        time_http(cases[k].t, out);
        CHECK_STR(out, cases[k].http);
    }
}

TEST(format_agrees_with_gmtime)
{
    /* Every day across four centuries, at a moving time of day, against
     * the C library. */
    for (int64_t t = -2208988800LL; t < 4200000000LL; t += 86400 + 3607) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        char want[TIME_BUFSZ], got[TIME_BUFSZ];
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        time_http(t, got);
        if (strcmp(got, want) != 0) {
            CHECK_STR(got, want);
            break;
        }
        int64_t back =
            time_from_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (back != t) {
            CHECK_INT(back, t);
            break;
        }
    }
}

TEST(parse_iso8601_table)
{
    static const struct {
        const char *in;
        int rc;
        int64_t want;
    } cases[] = {
        /* The forms the CLI documents. */
        {"2026-11-23T12:00Z", 0, 1795435200},
        {"2026-11-23T12:00:00Z", 0, 1795435200},
        {"2026-11-23 12:00:00Z", 0, 1795435200},
        {"2026-11-23T12:00:00-05:00", 0, 1795435200 + 5 * 3600},
        {"2026-11-23T12:00+01:00", 0, 1795435200 - 3600},
        {"2026-11-23T12:00:00+05:30", 0, 1795435200 - 5 * 3600 - 1800},
        {"2026-11-23T12:00:00+0530", 0, 1795435200 - 5 * 3600 - 1800},
        {"2026-11-23T12:00:00-05", 0, 1795435200 + 5 * 3600},
        {"2026-11-23t12:00:00z", 0, 1795435200},
        /* Our own output reads back, fraction dropped. */
        {"2026-11-18T11:06:40.000Z", 0, 1795000000},
        {"2026-11-18T11:06:40.999Z", 0, 1795000000},
        /* An offset may move the date across a day, month or year. */
        {"2027-01-01T00:30:00+01:00", 0, 1798759800},
        {"2024-02-29T00:00:00Z", 0, 1709164800},
        {"2000-02-29T23:59:59Z", 0, 951868799},
        /* Refused: no zone, bad dates, bad syntax, trailing bytes. */
        {"2026-11-23T12:00:00", UV_EINVAL, 0},
        {"2026-11-23", UV_EINVAL, 0},
        {"2026-11-23T12Z", UV_EINVAL, 0},
        {"2025-02-29T12:00Z", UV_EINVAL, 0}, /* not a leap year */
        {"2100-02-29T12:00Z", UV_EINVAL, 0}, /* century, not leap */
        {"2026-13-01T12:00Z", UV_EINVAL, 0},
        {"2026-00-01T12:00Z", UV_EINVAL, 0},
        {"2026-04-31T12:00Z", UV_EINVAL, 0},
        {"2026-11-00T12:00Z", UV_EINVAL, 0},
        {"2026-11-23T24:00Z", UV_EINVAL, 0},
        {"2026-11-23T12:60Z", UV_EINVAL, 0},
        {"2026-11-23T12:00:60Z", UV_EINVAL, 0},
        {"2026-11-23T12:00+24:00", UV_EINVAL, 0},
        {"2026-11-23T12:00+05:60", UV_EINVAL, 0},
        {"2026-11-23T12:00+5", UV_EINVAL, 0},
        {"2026-11-23T12:00:00.Z", UV_EINVAL, 0},
        {"2026-11-23T12:00ZZ", UV_EINVAL, 0},
        {"2026-11-23T12:00Z ", UV_EINVAL, 0},
        {" 2026-11-23T12:00Z", UV_EINVAL, 0},
        {"2026-11-23X12:00Z", UV_EINVAL, 0},
        {"26-11-23T12:00Z", UV_EINVAL, 0},
        {"2026-1-23T12:00Z", UV_EINVAL, 0},
        {"2026-11-23T1:00Z", UV_EINVAL, 0},
        {"2026-11-23T12:00+", UV_EINVAL, 0},
        {"2026-11-23T12:00EST", UV_EINVAL, 0},
        {"", UV_EINVAL, 0},
        {"yesterday", UV_EINVAL, 0},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int64_t got = -12345;
        int rc = time_parse_iso8601(cases[k].in, &got);
        if (rc != cases[k].rc)
            printf("  case \"%s\"\n", cases[k].in);
        CHECK_INT(rc, cases[k].rc);
        if (cases[k].rc == 0)
            CHECK_INT(got, cases[k].want);
        else
            CHECK_INT(got, -12345); /* untouched on failure */
    }
    int64_t t;
    CHECK_INT(time_parse_iso8601(NULL, &t), UV_EINVAL);
}

TEST(parse_iso8601_round_trip)
{
    for (int64_t t = 0; t < 4102444800LL; t += 7777777) {
        char s[TIME_BUFSZ];
        int64_t back = -1;
        time_iso8601(t, s);
        CHECK_INT(time_parse_iso8601(s, &back), 0);
        CHECK_INT(back, t);
        time_iso8601_ms(t, s);
        CHECK_INT(time_parse_iso8601(s, &back), 0);
        CHECK_INT(back, t);
    }
}

TEST(parse_http_table)
{
    static const struct {
        const char *in;
        int rc;
        int64_t want;
    } cases[] = {
        /* RFC 9110 5.6.7's three examples. */
        {"Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777},
        {"Sun Nov  6 08:49:37 1994", 0, 784111777},
        {"Wed, 18 Nov 2026 11:06:40 GMT", 0, 1795000000},
        {"Thu, 29 Feb 2024 23:59:59 GMT", 0, 1709251199},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0, 0},
        {"Thursday, 01-Jan-70 00:00:00 GMT", 0, 0},
        {"Tue Feb 29 12:00:00 2000", 0, 951825600},
        {"Tue Nov 10 12:00:00 2026", 0, 1794312000},
        /* Refused. */
        {"Sun, 06 Nov 1994 08:49:37 UTC", UV_EINVAL, 0},
        {"Sun, 6 Nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"sun, 06 Nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"Sun, 06 nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", UV_EINVAL, 0},
        {"Sun, 06 Nov 1994 08:49 GMT", UV_EINVAL, 0},
        {"Sun, 31 Nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"Sun, 29 Feb 1900 08:49:37 GMT", UV_EINVAL, 0},
        {"Sun, 06 Nov 1994 25:49:37 GMT", UV_EINVAL, 0},
        {"Sun, 06 Foo 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"Xyz, 06 Nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"Sunday, 06 Nov 1994 08:49:37 GMT", UV_EINVAL, 0},
        {"1994-11-06T08:49:37Z", UV_EINVAL, 0},
        {"", UV_EINVAL, 0},
        {"Sun,", UV_EINVAL, 0},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int64_t got = -12345;
        int rc = time_parse_http(cases[k].in, strlen(cases[k].in), &got);
        if (rc != cases[k].rc)
            printf("  case \"%s\"\n", cases[k].in);
        CHECK_INT(rc, cases[k].rc);
        if (cases[k].rc == 0)
            CHECK_INT(got, cases[k].want);
    }
}

TEST(parse_http_bounded)
{
    /* The parser must honour len: a header value is not NUL-terminated
     * where it ends. Every prefix of a valid date is refused, the full
     * length accepted, and nothing past len is read (valgrind would see
     * it: the copy is exactly len bytes). */
    const char *d = "Wed, 18 Nov 2026 11:06:40 GMT";
    size_t n = strlen(d);
    for (size_t len = 0; len <= n; len++) {
        char *copy = malloc(len ? len : 1);
        memcpy(copy, d, len);
        int64_t t;
        int rc = time_parse_http(copy, len, &t);
        CHECK_INT(rc, len == n ? 0 : UV_EINVAL);
        free(copy);
    }
    /* Round trip with our own formatter. */
    for (int64_t t = 0; t < 4102444800LL; t += 9999991) {
        char s[TIME_BUFSZ];
        int64_t back = -1;
        time_http(t, s);
        CHECK_INT(time_parse_http(s, strlen(s), &back), 0);
        CHECK_INT(back, t);
    }
}

TEST(now_honours_env)
{
    setenv("OUTPOST_NOW", "1795000000", 1);
    CHECK_INT(time_now(), 1795000000);
    setenv("OUTPOST_NOW", "0", 1);
    CHECK_INT(time_now(), 0);
    /* Garbage falls back to the real clock. */
    setenv("OUTPOST_NOW", "12abc", 1);
    int64_t real = (int64_t)time(NULL);
    int64_t got = time_now();
    CHECK(got >= real - 5 && got <= real + 5);
    setenv("OUTPOST_NOW", "", 1);
    got = time_now();
    CHECK(got >= real - 5 && got <= real + 5);
    unsetenv("OUTPOST_NOW");
    got = time_now();
    CHECK(got >= real - 5 && got <= real + 5);
}

int main(void)
{
    RUN(from_utc_table);
    RUN(format_table);
    RUN(format_agrees_with_gmtime);
    RUN(parse_iso8601_table);
    RUN(parse_iso8601_round_trip);
    RUN(parse_http_table);
    RUN(parse_http_bounded);
    RUN(now_honours_env);
    return test_report();
}
