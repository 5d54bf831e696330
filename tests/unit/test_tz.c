/* Unit tests for store/tz.c: zone files, POSIX footer rules, formatting.
 * glibc's localtime_r serves as the independent oracle (tests only: the
 * server itself never touches TZ). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "testlib.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static struct tz *load(const char *name)
{
    struct tz *z = NULL;
    int rc = tz_load(name, &z);
    CHECK_INT(rc, 0);
    if (rc != 0)
        printf("  cannot load %s\n", name);
    return z;
}

/* ---- building TZif files ------------------------------------------------ */

/* A small TZif file described field by field, so each test can break one
 * thing (RFC 8536 section 3). */
struct tzif_spec {
    char version; /* 0, '2', '3' */
    int ntrans;
    int64_t trans[4];
    uint8_t idx[4];
    int ntypes;
    int32_t utoff[4];
    uint8_t isdst[4];
    uint8_t abbrind[4];
    const char *chars; /* abbreviation table; charcnt = charcnt or strlen+1 */
    uint32_t charcnt;
    int nleap;
    const char *footer; /* NULL: no footer at all */
};

static size_t put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    return (size_t)bytes;
}

static size_t tzif_block(unsigned char *b, const struct tzif_spec *s, int tb)
{
    size_t n = 0;
    uint32_t charcnt = s->charcnt ? s->charcnt : (uint32_t)strlen(s->chars) + 1;
    memcpy(b, "TZif", 4);
    b[4] = (unsigned char)s->version;
    memset(b + 5, 0, 15);
    n = 20;
    n += put_be(b + n, 0, 4); /* isutcnt */
    n += put_be(b + n, 0, 4); /* isstdcnt */
    n += put_be(b + n, (uint32_t)s->nleap, 4);
    n += put_be(b + n, (uint32_t)s->ntrans, 4);
    n += put_be(b + n, (uint32_t)s->ntypes, 4);
    n += put_be(b + n, charcnt, 4);
    for (int i = 0; i < s->ntrans; i++)
        n += put_be(b + n, (uint64_t)s->trans[i], tb);
    for (int i = 0; i < s->ntrans; i++)
        b[n++] = s->idx[i];
    for (int i = 0; i < s->ntypes; i++) {
        n += put_be(b + n, (uint32_t)s->utoff[i], 4);
        b[n++] = s->isdst[i];
        b[n++] = s->abbrind[i];
    }
    memcpy(b + n, s->chars, charcnt);
    n += charcnt;
    for (int i = 0; i < s->nleap; i++) {
        n += put_be(b + n, (uint64_t)(78796800 + i), tb);
        n += put_be(b + n, (uint32_t)(i + 1), 4);
    }
    return n;
}

static size_t tzif_build(unsigned char *b, const struct tzif_spec *s)
{
    size_t n = tzif_block(b, s, 4);
    if (s->version == 0)
        return n;
    n += tzif_block(b + n, s, 8);
    if (s->footer != NULL)
        n += (size_t)sprintf((char *)b + n, "\n%s\n", s->footer);
    return n;
}

/* Writes bytes to a temporary file and loads it; *out may be NULL. */
static int load_bytes(const void *p, size_t n, struct tz **out)
{
    char path[] = "/tmp/outpost-tz-XXXXXX";
    struct tz *z = NULL;
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return -1;
    ssize_t w = n > 0 ? write(fd, p, n) : 0;
    close(fd);
    CHECK(w == (ssize_t)n);
    int rc = tz_load_file("Test/Zone", path, &z);
    unlink(path);
    if (out != NULL)
        *out = z;
    else
        tz_free(z);
    return rc;
}

/* A zone with no transitions, ruled by the footer alone (zic "slim"). */
static struct tz *footer_zone(const char *footer)
{
    struct tzif_spec s = {.version = '2',
                          .ntypes = 1,
                          .utoff = {0},
                          .chars = "XXX",
                          .footer = footer};
    unsigned char b[1024];
    struct tz *z = NULL;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), &z), 0);
    return z;
}

/* ---- lookups ------------------------------------------------------------ */

TEST(lookup_table)
{
    static const struct {
        const char *zone;
        int64_t t;
        int off;
        const char *abbr;
        int dst;
    } cases[] = {
        /* New York, 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT. */
        {"America/New_York", 1772953200 - 1, -5 * 3600, "EST", 0},
        {"America/New_York", 1772953200, -4 * 3600, "EDT", 1},
        /* 2026-11-01 06:00 UTC: 02:00 EDT becomes 01:00 EST. */
        {"America/New_York", 1793512800 - 1, -4 * 3600, "EDT", 1},
        {"America/New_York", 1793512800, -5 * 3600, "EST", 0},
        /* London, 2026-03-29 01:00 UTC and 2026-10-25 01:00 UTC. */
        {"Europe/London", 1774746000 - 1, 0, "GMT", 0},
        {"Europe/London", 1774746000, 3600, "BST", 1},
        {"Europe/London", 1792890000 - 1, 3600, "BST", 1},
        {"Europe/London", 1792890000, 0, "GMT", 0},
        /* Berlin changes at the same instants, an hour further east. */
        {"Europe/Berlin", 1774746000 - 1, 3600, "CET", 0},
        {"Europe/Berlin", 1774746000, 7200, "CEST", 1},
        {"Europe/Berlin", 1792890000 - 1, 7200, "CEST", 1},
        {"Europe/Berlin", 1792890000, 3600, "CET", 0},
        /* Sydney, southern: summer time ends 2026-04-04 16:00 UTC and
         * starts again 2026-10-03 16:00 UTC. */
        {"Australia/Sydney", 1775318400 - 1, 11 * 3600, "AEDT", 1},
        {"Australia/Sydney", 1775318400, 10 * 3600, "AEST", 0},
        {"Australia/Sydney", 1791043200 - 1, 10 * 3600, "AEST", 0},
        {"Australia/Sydney", 1791043200, 11 * 3600, "AEDT", 1},
        /* Kolkata, half an hour off the hour, no DST. */
        {"Asia/Kolkata", 1795000000, 19800, "IST", 0},
        {"UTC", 1795000000, 0, "UTC", 0},
        {"Etc/UTC", 1795000000, 0, "UTC", 0},
        /* A Debian link (US/Eastern -> ../America/New_York). */
        {"US/Eastern", 1772953200, -4 * 3600, "EDT", 1},
        /* 2090: past the last listed transition, the footer rule decides
         * (2090-03-12 07:00 UTC and 2090-11-05 06:00 UTC). */
        {"America/New_York", 3792985200 - 1, -5 * 3600, "EST", 0},
        {"America/New_York", 3792985200, -4 * 3600, "EDT", 1},
        {"America/New_York", 3813544800 - 1, -4 * 3600, "EDT", 1},
        {"America/New_York", 3813544800, -5 * 3600, "EST", 0},
        /* Before 1970: 1960-04-24 07:00 UTC, New York's spring change. */
        {"America/New_York", -305744400 - 1, -5 * 3600, "EST", 0},
        {"America/New_York", -305744400, -4 * 3600, "EDT", 1},
        /* Before the first transition: local mean time (type 0). */
        {"America/New_York", -4000000000LL, -17762, "LMT", 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = load(cases[i].zone);
        if (z == NULL)
            continue;
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(z, cases[i].t, &off, &abbr, &dst);
        CHECK_INT(off, cases[i].off);
        CHECK_STR(abbr, cases[i].abbr);
        CHECK_INT(dst, cases[i].dst);
        CHECK_STR(tz_name(z), cases[i].zone);
        tz_free(z);
    }
}

TEST(lookup_without_zone_is_utc)
{
    int off = 7;
    const char *abbr = NULL;
    bool dst = true;
    tz_lookup(NULL, 1795000000, &off, &abbr, &dst);
    CHECK_INT(off, 0);
    CHECK_STR(abbr, "UTC");
    CHECK(!dst);
    /* Any output pointer may be NULL. */
    struct tz *z = load("Europe/Berlin");
    if (z != NULL)
        tz_lookup(z, 0, NULL, NULL, NULL);
    /* Instants far outside any calendar must not overflow (UB traps). */
    if (z != NULL) {
        tz_lookup(z, INT64_MAX, &off, &abbr, &dst);
        CHECK_STR(abbr, "CET");
        tz_lookup(z, INT64_MIN, &off, &abbr, &dst);
        CHECK_STR(abbr, "LMT");
    }
    tz_free(z);
}

/* ---- POSIX footer rules ------------------------------------------------- */

TEST(footer_rules_by_hand)
{
    static const struct {
        const char *footer;
        int64_t t;
        int off;
        const char *abbr;
        int dst;
    } cases[] = {
        /* Mm.w.d: the second Sunday of March 2026 is the 8th. */
        {"EST5EDT,M3.2.0,M11.1.0", 1772953200 - 1, -18000, "EST", 0},
        {"EST5EDT,M3.2.0,M11.1.0", 1772953200, -14400, "EDT", 1},
        /* The same rule before 1970: 1969-03-09 07:00 UTC. */
        {"EST5EDT,M3.2.0,M11.1.0", -25722000 - 1, -18000, "EST", 0},
        {"EST5EDT,M3.2.0,M11.1.0", -25722000, -14400, "EDT", 1},
        /* Jn never counts February 29: in 2028 J60 is March 1,
         * 02:00 at UTC-3 = 05:00 UTC. */
        {"AAA3BBB,J60,J300", 1835499600 - 1, -10800, "AAA", 0},
        {"AAA3BBB,J60,J300", 1835499600, -7200, "BBB", 1},
        /* n counts from 0 and does count February 29: 59 is 2028-02-29. */
        {"AAA3BBB,59,299", 1835413200 - 1, -10800, "AAA", 0},
        {"AAA3BBB,59,299", 1835413200, -7200, "BBB", 1},
        /* A negative time: last Sunday of March 2026 (the 29th) at -2:00
         * is Saturday 22:00 at UTC-3, 2026-03-29 01:00 UTC. */
        {"<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", 1774746000 - 1, -10800, "-03", 0},
        {"<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", 1774746000, -7200, "-02", 1},
        /* Past 24 h: the 4th Thursday of March 2026 (the 26th) + 50 h is
         * Saturday 02:00 EET, 2026-03-28 00:00 UTC. */
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", 1774656000 - 1, 7200, "EET", 0},
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", 1774656000, 10800, "EEST", 1},
        /* Daylight time all year (RFC 8536 3.3.1), across New Year. */
        {"EST5EDT,0/0,J365/25", 1798779600 - 1, -14400, "EDT", 1},
        {"EST5EDT,0/0,J365/25", 1798779600, -14400, "EDT", 1},
        {"EST5EDT,0/0,J365/25", 1783000000, -14400, "EDT", 1},
        /* Minutes in offsets and times: Chatham, southern. 2026-04-05
         * 03:45 CHADT (+13:45) = 2026-04-04 14:00 UTC. */
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 1775311200 - 1, 49500,
         "+1345", 1},
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 1775311200, 45900,
         "+1245", 0},
        /* No DST at all. */
        {"<+0530>-5:30", 1795000000, 19800, "+0530", 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = footer_zone(cases[i].footer);
        if (z == NULL)
            continue;
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(z, cases[i].t, &off, &abbr, &dst);
        if (off != cases[i].off)
            printf("  case %zu: %s\n", i, cases[i].footer);
        CHECK_INT(off, cases[i].off);
        CHECK_STR(abbr, cases[i].abbr);
        CHECK_INT(dst, cases[i].dst);
        tz_free(z);
    }
}

/* Compares lookups with glibc every `step` seconds of [from, to): offsets,
 * abbreviations and the DST flag. tzenv is a TZ value (":Zone" or a POSIX
 * string). Returns the number of mismatches (at most 3 are reported). */
static int against_glibc(const struct tz *z, const char *tzenv, int64_t from,
                         int64_t to, int64_t step)
{
    setenv("TZ", tzenv, 1);
    tzset();
    int bad = 0;
    for (int64_t t = from; t < to && bad < 3; t += step) {
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(z, t, &off, &abbr, &dst);
        if (off != tm.tm_gmtoff || strcmp(abbr, tm.tm_zone) != 0 ||
            dst != (tm.tm_isdst > 0)) {
            printf("  %s at %lld: ours %d %s %d, glibc %ld %s %d\n", tzenv,
                   (long long)t, off, abbr, dst, (long)tm.tm_gmtoff, tm.tm_zone,
                   tm.tm_isdst);
            bad++;
        }
    }
    unsetenv("TZ");
    tzset();
    return bad;
}

static int64_t year_start(int y)
{
    return time_from_utc(y, 1, 1, 0, 0, 0);
}

TEST(footer_rules_against_glibc)
{
    /* glibc reads the same POSIX strings from TZ directly, including the
     * RFC 8536 extensions (negative and > 24 h times). */
    static const char *footers[] = {
        "EST5EDT,M3.2.0,M11.1.0",
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "EET-2EEST,M3.4.4/50,M10.4.4/50",
        "IST-2IDT,M3.4.4/26,M10.5.0",
        "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        "AAA3BBB,J60,J300",
        "AAA3BBB,59/1:30,299/-1:30",
        "<+0330>-3:30<+0430>,J79/24,J263/24",
        "XXX-3YYY,M3.1.0/-30,M10.5.6/100",
        "XXX-3YYY,M2.5.0/167,M11.1.1/-167",
        "<+0530>-5:30",
    };
    /* Not before 1970: glibc evaluates rules only from 1970 on. Not
     * "0/0,J365/25" either: glibc picks the rules of the UTC year, so it
     * shows standard time for the evening of December 31 where RFC 8536
     * means daylight time all year (checked by hand above). Every change
     * of these rules falls on a whole or half hour of UTC, so a half-hour
     * step meets each one. */
    static const int years[] = {2026, 2028, 2100};
    for (size_t i = 0; i < N_ELEMS(footers); i++) {
        struct tz *z = footer_zone(footers[i]);
        if (z == NULL)
            continue;
        for (size_t y = 0; y < N_ELEMS(years); y++)
            CHECK_INT(against_glibc(z, footers[i], year_start(years[y]),
                                    year_start(years[y] + 1), 1800),
                      0);
        tz_free(z);
    }
}

TEST(zones_against_glibc)
{
    /* Every hour of 2026 and some weeks of 2090 (footer only), plus a
     * stretch before 1970, against glibc reading the same files. */
    static const char *zones[] = {
        "America/New_York", "Europe/London",     "Europe/Berlin",
        "Australia/Sydney", "Asia/Kolkata",      "America/Santiago",
        "Pacific/Auckland", "Africa/Casablanca", "Europe/Dublin",
        "Asia/Kathmandu",
    };
    const int64_t y2026 = year_start(2026), y2027 = year_start(2027);
    const int64_t y2090 = year_start(2090);
    for (size_t i = 0; i < N_ELEMS(zones); i++) {
        struct tz *z = load(zones[i]);
        if (z == NULL)
            continue;
        char env[96];
        snprintf(env, sizeof(env), ":%s", zones[i]);
        CHECK_INT(against_glibc(z, env, y2026, y2027, 3600), 0);
        /* Around both 2090 changes of the northern and southern zones. */
        CHECK_INT(against_glibc(z, env, y2090 + 60 * 86400, y2090 + 130 * 86400,
                                3600),
                  0);
        CHECK_INT(against_glibc(z, env, y2090 + 240 * 86400,
                                y2090 + 320 * 86400, 3600),
                  0);
        CHECK_INT(
            against_glibc(z, env, year_start(1960), year_start(1962), 3 * 3600),
            0);
        tz_free(z);
    }
}

/* ---- formatting --------------------------------------------------------- */

TEST(format_human_table)
{
    static const struct {
        const char *zone; /* NULL: UTC only */
        int64_t t;
        const char *want;
    } cases[] = {
        {NULL, 1795000000, "2026-11-18 11:06 UTC"},
        /* same local date */
        {"America/New_York", 1795000000,
         "2026-11-18 11:06 UTC (06:06 EST, UTC-05:00)"},
        /* the local date is behind the UTC date */
        {"America/New_York", 1795059000,
         "2026-11-19 03:30 UTC (2026-11-18 22:30 EST, UTC-05:00)"},
        /* the seconds either side of the spring change (2026-03-08
         * 07:00 UTC): 01:59 EST, then 03:00 EDT */
        {"America/New_York", 1772953200 - 60,
         "2026-03-08 06:59 UTC (01:59 EST, UTC-05:00)"},
        {"America/New_York", 1772953200,
         "2026-03-08 07:00 UTC (03:00 EDT, UTC-04:00)"},
        /* and the autumn one (2026-11-01 06:00 UTC): 01:59 EDT, then
         * 01:00 EST again; only the abbreviation and offset tell them
         * apart, which is why the offset is shown */
        {"America/New_York", 1793512800 - 60,
         "2026-11-01 05:59 UTC (01:59 EDT, UTC-04:00)"},
        {"America/New_York", 1793512800,
         "2026-11-01 06:00 UTC (01:00 EST, UTC-05:00)"},
        /* the local date is ahead of the UTC date */
        {"Australia/Sydney", 1795000000,
         "2026-11-18 11:06 UTC (22:06 AEDT, UTC+11:00)"},
        {"Australia/Sydney", 1795040000,
         "2026-11-18 22:13 UTC (2026-11-19 09:13 AEDT, UTC+11:00)"},
        /* summer time */
        {"Europe/Berlin", 1783000000,
         "2026-07-02 13:46 UTC (15:46 CEST, UTC+02:00)"},
        {"Europe/London", 1783000000,
         "2026-07-02 13:46 UTC (14:46 BST, UTC+01:00)"},
        /* GMT is not UTC by name, so the offset is still given */
        {"Europe/London", 1795000000,
         "2026-11-18 11:06 UTC (11:06 GMT, UTC+00:00)"},
        /* half-hour zone with letters */
        {"Asia/Kolkata", 1795000000,
         "2026-11-18 11:06 UTC (16:36 IST, UTC+05:30)"},
        /* numeric abbreviations shown as the offset alone: "-03", "+0545",
         * "-0930" */
        {"America/Sao_Paulo", 1795000000,
         "2026-11-18 11:06 UTC (08:06 UTC-03:00)"},
        {"Asia/Kathmandu", 1795000000,
         "2026-11-18 11:06 UTC (16:51 UTC+05:45)"},
        {"Pacific/Marquesas", 1795000000,
         "2026-11-18 11:06 UTC (01:36 UTC-09:30)"},
        /* a UTC zone says so once */
        {"Etc/UTC", 1795000000, "2026-11-18 11:06 UTC (11:06 UTC)"},
        {"UTC", 1795000000, "2026-11-18 11:06 UTC (11:06 UTC)"},
        /* 2090 (footer) and before 1970 */
        {"America/New_York", 3799963200LL,
         "2090-06-01 01:20 UTC (2090-05-31 21:20 EDT, UTC-04:00)"},
        {"America/New_York", -300000000,
         "1960-06-29 18:40 UTC (14:40 EDT, UTC-04:00)"},
        /* local mean time has seconds in its offset (-4:56:02) */
        {"America/New_York", -4000000000LL,
         "1843-03-31 16:53 UTC (11:57 LMT, UTC-04:56:02)"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = cases[i].zone ? load(cases[i].zone) : NULL;
        if (cases[i].zone != NULL && z == NULL)
            continue;
        char out[TZ_HUMAN_MAX];
        tz_format_human(z, cases[i].t, out);
        CHECK_STR(out, cases[i].want);
        tz_free(z);
    }
}

TEST(format_local_table)
{
    static const struct {
        const char *zone;
        int64_t t;
        bool with_date;
        const char *want;
    } cases[] = {
        {"America/New_York", 1795059000, false, "22:30 EST"},
        {"America/New_York", 1795059000, true, "2026-11-18 22:30 EST"},
        {"Asia/Kolkata", 1795000000, true, "2026-11-18 16:36 IST"},
        {"America/Sao_Paulo", 1795000000, false, "08:06 UTC-03:00"},
        {NULL, 1795000000, false, "11:06 UTC"},
        {NULL, 1795000000, true, "2026-11-18 11:06 UTC"},
        /* a five-digit year keeps its whole date */
        {NULL, 253402300800LL, true, "10000-01-01 00:00 UTC"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = cases[i].zone ? load(cases[i].zone) : NULL;
        if (cases[i].zone != NULL && z == NULL)
            continue;
        char out[TZ_HUMAN_MAX];
        tz_format_local(z, cases[i].t, cases[i].with_date, out);
        CHECK_STR(out, cases[i].want);
        tz_free(z);
    }
}

TEST(format_offset_table)
{
    static const struct {
        const char *zone;
        int64_t t;
        const char *want;
    } cases[] = {
        {NULL, 1795000000, "UTC+00:00"},
        {"America/New_York", 1795000000, "UTC-05:00"},
        {"America/New_York", 1783000000, "UTC-04:00"},
        {"Asia/Kolkata", 1795000000, "UTC+05:30"},
        {"Asia/Kathmandu", 1795000000, "UTC+05:45"},
        {"Pacific/Marquesas", 1795000000, "UTC-09:30"},
        {"Australia/Sydney", 1795000000, "UTC+11:00"},
        {"America/New_York", -4000000000LL, "UTC-04:56:02"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = cases[i].zone ? load(cases[i].zone) : NULL;
        if (cases[i].zone != NULL && z == NULL)
            continue;
        char out[TZ_OFFSET_MAX];
        tz_format_offset(z, cases[i].t, out);
        CHECK_STR(out, cases[i].want);
        tz_free(z);
    }
}

TEST(format_iso8601_table)
{
    static const struct {
        const char *zone;
        int64_t t;
        const char *want;
    } cases[] = {
        {NULL, 1795000000, "2026-11-18T11:06:40Z"},
        {"America/New_York", 1795000000, "2026-11-18T06:06:40-05:00"},
        /* the local date behind the UTC date */
        {"America/New_York", 1795059000, "2026-11-18T22:30:00-05:00"},
        /* the repeated hour of the autumn change, told apart by offset */
        {"America/New_York", 1793512800 - 1800, "2026-11-01T01:30:00-04:00"},
        {"America/New_York", 1793512800 + 1800, "2026-11-01T01:30:00-05:00"},
        {"Asia/Kolkata", 1795000000, "2026-11-18T16:36:40+05:30"},
        {"Australia/Sydney", 1795040000, "2026-11-19T09:13:20+11:00"},
        {"Europe/London", 1795000000, "2026-11-18T11:06:40+00:00"},
        /* an offset with seconds has no ISO form: UTC instead */
        {"America/New_York", -4000000000LL, "1843-03-31T16:53:20Z"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct tz *z = cases[i].zone ? load(cases[i].zone) : NULL;
        if (cases[i].zone != NULL && z == NULL)
            continue;
        char out[TIME_BUFSZ];
        tz_format_iso8601(z, cases[i].t, out);
        CHECK_STR(out, cases[i].want);
        tz_free(z);
    }
    /* Every half hour of 2026 in a few zones reads back to the same
     * instant through the ISO parser: the offset written is the one that
     * goes with the local clock written. */
    static const char *zones[] = {"America/New_York", "Australia/Sydney",
                                  "Asia/Kolkata", "Europe/Berlin"};
    for (size_t i = 0; i < N_ELEMS(zones); i++) {
        struct tz *z = load(zones[i]);
        if (z == NULL)
            continue;
        int wrong = 0;
        for (int64_t t = year_start(2026); t < year_start(2027); t += 1800) {
            char out[TIME_BUFSZ];
            int64_t back = 0;
            tz_format_iso8601(z, t, out);
            wrong += time_parse_iso8601(out, &back) != 0 || back != t;
        }
        CHECK_INT(wrong, 0);
        tz_free(z);
    }
}

/* Offsets of 24 hours or more are valid in a zone (POSIX allows a TZ
 * offset up to 24:59:59, RFC 8536 section 3.2 a utoff up to 25:59:59) but
 * have no RFC 3339 form, whose offset hours stop at 23; neither has a local
 * date outside the years 0000 to 9999. tz_format_iso8601 must then give
 * UTC, so that its output always reads back to the same instant. */
TEST(format_iso8601_unwritable_offsets)
{
    static const char *footers[] = {"XXX-24", "XXX+24", "XXX-24:30",
                                    "XXX+24:00:00", "XXX-23:59"};
    for (size_t i = 0; i < N_ELEMS(footers); i++) {
        struct tz *z = footer_zone(footers[i]);
        if (z == NULL)
            continue;
        char out[TIME_BUFSZ];
        int64_t back = 0;
        tz_format_iso8601(z, 1795000000, out);
        CHECK_INT(time_parse_iso8601(out, &back), 0);
        CHECK_INT(back, 1795000000);
        if (i < 4)
            CHECK_STR(out, "2026-11-18T11:06:40Z");
        else
            CHECK_STR(out, "2026-11-19T11:05:40+23:59");
        tz_free(z);
    }
    /* The same from the type table: 25 hours east, no footer rule. */
    struct tzif_spec s = {.version = '2',
                          .ntypes = 1,
                          .utoff = {25 * 3600},
                          .chars = "YYY",
                          .footer = ""};
    unsigned char b[1024];
    struct tz *z = NULL;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), &z), 0);
    if (z != NULL) {
        char out[TIME_BUFSZ];
        tz_format_iso8601(z, 1795000000, out);
        CHECK_STR(out, "2026-11-18T11:06:40Z");
        tz_free(z);
    }
    /* A local date past 9999 or before 0000, its UTC date still inside. */
    struct tz *east = footer_zone("XXX-1");
    struct tz *west = footer_zone("XXX+1");
    if (east != NULL && west != NULL) {
        char out[TIME_BUFSZ];
        int64_t last = time_from_utc(9999, 12, 31, 23, 30, 0);
        int64_t first = time_from_utc(0, 1, 1, 0, 30, 0);
        tz_format_iso8601(east, last, out);
        CHECK_STR(out, "9999-12-31T23:30:00Z");
        tz_format_iso8601(west, first, out);
        CHECK_STR(out, "0000-01-01T00:30:00Z");
        tz_format_iso8601(east, first, out);
        CHECK_STR(out, "0000-01-01T01:30:00+01:00");
    }
    tz_free(east);
    tz_free(west);
}

TEST(format_extreme_instants)
{
    /* Instants far outside any calendar must neither overflow (Debug
     * builds trap) nor overrun the buffers. */
    static const int64_t ts[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1,
                                 INT64_MIN + 1, (int64_t)1 << 50};
    struct tz *z = load("Australia/Sydney");
    for (size_t i = 0; i < N_ELEMS(ts); i++) {
        char h[TZ_HUMAN_MAX], l[TZ_HUMAN_MAX], iso[TIME_BUFSZ];
        char off[TZ_OFFSET_MAX];
        tz_format_human(z, ts[i], h);
        tz_format_local(z, ts[i], true, l);
        tz_format_iso8601(z, ts[i], iso);
        tz_format_offset(z, ts[i], off);
        CHECK(strlen(h) > 20 && strlen(h) < TZ_HUMAN_MAX - 1);
        CHECK(strlen(l) > 10);
        CHECK(strlen(iso) > 10 && strlen(iso) < TIME_BUFSZ - 1);
        /* Pinned at the edge (2^44 s), which is in Sydney's summer;
         * before the first transition, local mean time. */
        CHECK_STR(off, ts[i] > 0 ? "UTC+11:00" : "UTC+10:04:52");
        CHECK_INT(tz_local_day(z, ts[i]),
                  tz_local_day(z, ts[i] > 0 ? (int64_t)1 << 44
                                            : -((int64_t)1 << 44)));
        (void)tz_local_day(NULL, ts[i]);
    }
    tz_free(z);
}

TEST(local_day)
{
    struct tz *z = load("America/New_York");
    /* 2026-11-19 03:30 UTC is still the 18th in New York. */
    CHECK_INT(tz_local_day(NULL, 1795059000),
              time_from_utc(2026, 11, 19, 0, 0, 0) / 86400);
    if (z != NULL)
        CHECK_INT(tz_local_day(z, 1795059000),
                  time_from_utc(2026, 11, 18, 0, 0, 0) / 86400);
    /* Before 1970 days are negative and must round down. */
    CHECK_INT(tz_local_day(NULL, -1), -1);
    tz_free(z);
}

/* ---- names and files ---------------------------------------------------- */

TEST(bad_names)
{
    static const char *names[] = {
        "",                  /* empty */
        "../etc/passwd",     /* climbs out */
        "/etc/passwd",       /* absolute */
        "America/../../etc", /* climbs out in the middle */
        "./UTC",             /* a "." segment */
        "America/.",         /* a "." segment at the end */
        "zone.tab",          /* dots are not in zone names */
        "America//New_York", /* empty segment */
        "America/New York",  /* space */
        "America/New_York/", /* trailing slash */
        "a\nb",              /* control character */
        "Europe\\Berlin",    /* backslash */
        /* 65 characters */
        ("A"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    };
    for (size_t i = 0; i < N_ELEMS(names); i++) {
        struct tz *z = (struct tz *)&names; /* must be reset to NULL */
        CHECK_INT(tz_load(names[i], &z), UV_EINVAL);
        CHECK(z == NULL);
    }
    struct tz *z = NULL;
    CHECK_INT(tz_load(NULL, &z), UV_EINVAL);
    CHECK_INT(tz_load("Nowhere/Atlantis", &z), UV_ENOENT);
    CHECK(z == NULL);
    CHECK_INT(tz_load("America", &z), UV_ENOENT); /* a directory */
    CHECK_INT(tz_load("America/New_York/Queens", &z), UV_ENOENT);
    /* 64 characters is the limit, not an error by itself. */
    CHECK_INT(
        tz_load(
            "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &z),
        UV_ENOENT);
    /* "+" and "-" are in real names. */
    z = load("Etc/GMT+5");
    if (z != NULL) {
        int off;
        tz_lookup(z, 0, &off, NULL, NULL);
        CHECK_INT(off, -5 * 3600); /* POSIX sign: GMT+5 is west */
        tz_free(z);
    }
    /* A text file in the zone directory is not a zone. */
    struct stat st;
    if (stat("/usr/share/zoneinfo/leapseconds", &st) == 0)
        CHECK_INT(tz_load("leapseconds", &z), UV_EIO);
    /* Leap-second zones count other seconds than ours: refused. */
    if (stat("/usr/share/zoneinfo/right/UTC", &st) == 0)
        CHECK_INT(tz_load("right/UTC", &z), UV_EIO);
    CHECK(z == NULL);
}

/* The New York file, read once for the file tests. */
static size_t ny_bytes(unsigned char *buf, size_t cap)
{
    FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    CHECK(n > 1000 && n < cap);
    return n;
}

TEST(truncated_files)
{
    /* The real file, cut at every few bytes, must fail cleanly (the
     * footer is mandatory in version 2+, so even a cut right after the
     * data is an error). */
    unsigned char buf[16384];
    size_t n = ny_bytes(buf, sizeof(buf));
    if (n == 0)
        return;
    struct tz *z = NULL;
    CHECK_INT(load_bytes(buf, n, &z), 0);
    tz_free(z);
    int wrong = 0;
    for (size_t cut = 0; cut < n - 1; cut += 7)
        wrong += load_bytes(buf, cut, NULL) != UV_EIO;
    wrong += load_bytes(buf, n - 1, NULL) != UV_EIO; /* the last newline */
    CHECK_INT(wrong, 0);
    /* A broken footer is refused, not half-used. */
    buf[n - 3] = '!';
    CHECK_INT(load_bytes(buf, n, NULL), UV_EIO);
}

TEST(garbage_files)
{
    static const char *junk[] = {
        "",                                  /* empty */
        "not a zone file at all",            /* text */
        "TZif",                              /* magic alone */
        "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0", /* header cut short */
    };
    for (size_t i = 0; i < N_ELEMS(junk); i++)
        CHECK_INT(load_bytes(junk[i], i == 3 ? 20 : strlen(junk[i]), NULL),
                  UV_EIO);
    /* Random bytes behind a valid magic and version. */
    unsigned char b[600];
    srand(8536);
    int wrong = 0;
    for (int round = 0; round < 200; round++) {
        memcpy(b, "TZif2", 5);
        for (size_t i = 5; i < sizeof(b); i++)
            b[i] = (unsigned char)(round % 2 && i > 20 && i < 44
                                       ? (i % 4 == 3 ? rand() % 4 : 0)
                                       : rand());
        struct tz *z = NULL;
        int rc = load_bytes(b, sizeof(b), &z);
        wrong += rc != UV_EIO && rc != 0;
        if (z != NULL) /* if it loaded, it must answer without crashing */
            tz_lookup(z, 1795000000, NULL, NULL, NULL);
        tz_free(z);
    }
    CHECK_INT(wrong, 0);

    /* The real file with a few bytes flipped: loads or fails, never
     * crashes (Debug builds trap on overflow), and answers if loaded. */
    unsigned char ny[16384], copy[16384];
    size_t n = ny_bytes(ny, sizeof(ny));
    for (int round = 0; n > 0 && round < 300; round++) {
        memcpy(copy, ny, n);
        for (int k = 0; k < 1 + round % 3; k++)
            copy[(size_t)rand() % n] ^= (unsigned char)(1 + rand() % 255);
        struct tz *z = NULL;
        int rc = load_bytes(copy, n, &z);
        wrong += rc != UV_EIO && rc != 0;
        for (int64_t t = -4000000000LL; z != NULL && t < 5000000000LL;
             t += 99999937) {
            char out[TZ_HUMAN_MAX];
            tz_format_human(z, t, out);
            CHECK(strlen(out) < TZ_HUMAN_MAX);
        }
        tz_free(z);
    }
    CHECK_INT(wrong, 0);
}

/* Each spec breaks one rule of RFC 8536; the base case loads. */
TEST(malformed_fields)
{
    const struct tzif_spec base = {.version = '2',
                                   .ntrans = 2,
                                   .trans = {1000, 2000},
                                   .idx = {1, 0},
                                   .ntypes = 2,
                                   .utoff = {3600, 7200},
                                   .isdst = {0, 1},
                                   .abbrind = {0, 4},
                                   .chars = "AAA\0BBB",
                                   .charcnt = 8,
                                   .footer = "AAA-1BBB,M3.5.0,M10.5.0/3"};
    unsigned char b[2048];
    struct tz *z = NULL;
    CHECK_INT(load_bytes(b, tzif_build(b, &base), &z), 0);
    if (z != NULL) {
        const char *abbr;
        int off;
        tz_lookup(z, 999, &off, &abbr, NULL); /* before: type 0 */
        CHECK_STR(abbr, "AAA");
        tz_lookup(z, 1000, &off, &abbr, NULL);
        CHECK_STR(abbr, "BBB");
        CHECK_INT(off, 7200);
        tz_lookup(z, 1999, &off, &abbr, NULL);
        CHECK_STR(abbr, "BBB");
        tz_free(z);
    }

    struct tzif_spec s;
    /* version 1 (no 64-bit block, no footer) is still read */
    s = base;
    s.version = 0;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), 0);

    static const char *bad_footers[] = {
        "EST5EDT",                    /* daylight zone without rules */
        "EST",                        /* no offset */
        "ES5",                        /* abbreviation too short */
        "<EST5",                      /* unclosed quote */
        "EST5EDT,M13.1.0,M11.1.0",    /* month 13 */
        "EST5EDT,M3.6.0,M11.1.0",     /* week 6 */
        "EST5EDT,M3.2.7,M11.1.0",     /* weekday 7 */
        "EST5EDT,J0,J100",            /* J counts from 1 */
        "EST5EDT,366,100",            /* n is at most 365 */
        "EST5EDT,M3.2.0/168,M11.1.0", /* time beyond 167 h */
        "EST25",                      /* offset beyond 24 h */
        "EST5EDT,M3.2.0,M11.1.0,",    /* trailing junk */
        "EST5EDT,M3.2.0",             /* no end rule */
        "EST5:60",                    /* 60 minutes */
    };
    for (size_t i = 0; i < N_ELEMS(bad_footers); i++) {
        s = base;
        s.footer = bad_footers[i];
        if (load_bytes(b, tzif_build(b, &s), NULL) != UV_EIO)
            printf("  footer accepted: %s\n", bad_footers[i]);
        CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    }
    /* An empty footer is allowed: the last type stays in force. */
    s = base;
    s.footer = "";
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), 0);

    /* Field-level breakage. */
    s = base;
    s.footer = NULL; /* footer missing in version 2 */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.version = '1'; /* not a TZif version */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.trans[1] = 1000; /* transitions not ascending */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.idx[0] = 2; /* type index out of range */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.abbrind[1] = 8; /* abbreviation index past the table */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.chars = "AAA\0BBBB"; /* last abbreviation not NUL-terminated */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.isdst[1] = 2; /* isdst is 0 or 1 */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.utoff[0] = 100000; /* beyond about 25 h */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    /* RFC 8536 section 3.2's range is not symmetric: more than -25 h and
     * less than 26 h, so -25:00:00 is out and -24:59:59 in. */
    s = base;
    s.utoff[0] = -90000;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s.utoff[0] = -89999;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), 0);
    s.utoff[0] = 93599;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), 0);
    s.utoff[0] = 93600;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.ntypes = 0; /* no types at all */
    s.ntrans = 0;
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
    s = base;
    s.nleap = 1; /* leap-second records */
    CHECK_INT(load_bytes(b, tzif_build(b, &s), NULL), UV_EIO);
}

TEST(special_files)
{
    struct tz *z = NULL;
    /* A directory and a missing path. */
    CHECK_INT(tz_load_file("X", "/usr/share/zoneinfo", &z), UV_ENOENT);
    CHECK_INT(tz_load_file("X", "/nonexistent/zone", &z), UV_ENOENT);
    CHECK(z == NULL);
    /* A FIFO must be refused at once, not block on open or read. */
    char dir[] = "/tmp/outpost-tzdir-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char fifo[64];
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    CHECK_INT(tz_load_file("X", fifo, &z), UV_EIO);
    CHECK(z == NULL);
    unlink(fifo);
    rmdir(dir);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
    const struct tz *z;
    int wrong;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int64_t t = 1767225600; t < 1767225600 + 365 * 86400; t += 1800) {
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(w->z, t, &off, &abbr, &dst);
        bool summer = t >= 1772953200 && t < 1793512800;
        w->wrong += off != (summer ? -14400 : -18000) ||
                    strcmp(abbr, summer ? "EDT" : "EST") != 0 || dst != summer;
    }
    return NULL;
}

TEST(shared_between_threads)
{
    /* One loaded zone, read by several threads at once. */
    struct tz *z = load("America/New_York");
    if (z == NULL)
        return;
    pthread_t th[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){z, 0};
        CHECK_INT(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].wrong, 0);
    }
    tz_free(z);
}

int main(void)
{
    RUN(lookup_table);
    RUN(lookup_without_zone_is_utc);
    RUN(footer_rules_by_hand);
    RUN(footer_rules_against_glibc);
    RUN(zones_against_glibc);
    RUN(format_human_table);
    RUN(format_local_table);
    RUN(format_offset_table);
    RUN(format_iso8601_table);
    RUN(format_iso8601_unwritable_offsets);
    RUN(format_extreme_instants);
    RUN(local_day);
    RUN(bad_names);
    RUN(truncated_files);
    RUN(garbage_files);
    RUN(malformed_fields);
    RUN(special_files);
    RUN(shared_between_threads);
    return test_report();
}
