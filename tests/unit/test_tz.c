/* Unit tests for store/tz.c: zone files, POSIX footer rules, formatting.
 * glibc's localtime_r serves as the independent oracle (tests only: the
 * server itself never touches TZ). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../../store/timeutil.h"
#include "../../store/tz.h"
#include "testlib.h"

static struct tz *load(const char *name)
{
    struct tz *z = NULL;
    int rc = tz_load(name, &z);
    CHECK_INT(rc, 0);
    return z;
}

TEST(dst_changes_new_york_2026)
{
    /* 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT;
     * 2026-11-01 06:00 UTC: 02:00 EDT becomes 01:00 EST. */
    static const struct {
        int64_t t;
        int off;
        const char *abbr;
        int dst;
    } cases[] = {
        {1772953200 - 1, -5 * 3600, "EST", 0}, /* a second before spring */
        {1772953200, -4 * 3600, "EDT", 1},     /* the change */
        {1793512800 - 1, -4 * 3600, "EDT", 1}, /* a second before autumn */
        {1793512800, -5 * 3600, "EST", 0},     /* the change back */
    };
    struct tz *z = load("America/New_York");
    for (size_t i = 0; z && i < sizeof(cases) / sizeof(cases[0]); i++) {
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(z, cases[i].t, &off, &abbr, &dst);
        CHECK_INT(off, cases[i].off);
        CHECK_STR(abbr, cases[i].abbr);
        CHECK_INT(dst, cases[i].dst);
    }
    tz_free(z);
}

TEST(format_human_table)
{
    static const struct {
        const char *zone; /* NULL: UTC only */
        int64_t t;
        const char *want;
    } cases[] = {
        {NULL, 1795000000, "2026-11-18 11:06 UTC"},
        /* same local date */
        {"America/New_York", 1795000000, "2026-11-18 11:06 UTC (06:06 EST)"},
        /* the local date differs from the UTC date */
        {"America/New_York", 1795059000,
         "2026-11-19 03:30 UTC (2026-11-18 22:30 EST)"},
        /* summer time */
        {"Europe/Berlin", 1783000000, "2026-07-02 13:46 UTC (15:46 CEST)"},
        /* half-hour zone with letters */
        {"Asia/Kolkata", 1795000000, "2026-11-18 11:06 UTC (16:36 IST)"},
        /* numeric abbreviation shown as an offset */
        {"America/Sao_Paulo", 1795000000,
         "2026-11-18 11:06 UTC (08:06 UTC-03:00)"},
        /* southern summer time */
        {"Australia/Sydney", 1795000000, "2026-11-18 11:06 UTC (22:06 AEDT)"},
        {"Etc/UTC", 1795000000, "2026-11-18 11:06 UTC (11:06 UTC)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tz *z = cases[i].zone ? load(cases[i].zone) : NULL;
        char out[TZ_HUMAN_MAX];
        tz_format_human(z, cases[i].t, out);
        CHECK_STR(out, cases[i].want);
        tz_free(z);
    }
}

/* Compares every hour of a span with glibc, offsets and abbreviations. */
static void against_glibc(const char *zone, int64_t from, int64_t to)
{
    struct tz *z = load(zone);
    char env[96];
    snprintf(env, sizeof(env), ":%s", zone);
    setenv("TZ", env, 1);
    tzset();
    int bad = 0;
    for (int64_t t = from; z && t < to && bad < 3; t += 3600) {
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        int off;
        const char *abbr;
        bool dst;
        tz_lookup(z, t, &off, &abbr, &dst);
        if (off != tm.tm_gmtoff || strcmp(abbr, tm.tm_zone) != 0 ||
            dst != (tm.tm_isdst > 0)) {
            printf("  %s at %lld: ours %d %s %d, glibc %ld %s %d\n", zone,
                   (long long)t, off, abbr, dst, (long)tm.tm_gmtoff, tm.tm_zone,
                   tm.tm_isdst);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    tz_free(z);
    unsetenv("TZ");
    tzset();
}

TEST(agrees_with_glibc)
{
    const int64_t y2026 = time_from_utc(2026, 1, 1, 0, 0, 0);
    const int64_t y2027 = time_from_utc(2027, 1, 1, 0, 0, 0);
    /* 2090 lies past every listed transition: the footer rule decides. */
    const int64_t y2090 = time_from_utc(2090, 1, 1, 0, 0, 0);
    const int64_t y2091 = time_from_utc(2091, 1, 1, 0, 0, 0);
    static const char *zones[] = {"America/New_York", "Europe/London",
                                  "Europe/Berlin",    "Australia/Sydney",
                                  "Asia/Kolkata",     "America/Santiago",
                                  "Pacific/Auckland", "Africa/Casablanca"};
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        against_glibc(zones[i], y2026, y2027);
        against_glibc(zones[i], y2090, y2091);
    }
    /* Before 1970 and around the zone's first rules. */
    against_glibc("Europe/London", time_from_utc(1960, 1, 1, 0, 0, 0),
                  time_from_utc(1961, 1, 1, 0, 0, 0));
}

TEST(bad_names)
{
    static const char *names[] = {
        "",                  /* empty */
        "../etc/passwd",     /* climbs out */
        "/etc/passwd",       /* absolute */
        "America/../../etc", /* climbs out in the middle */
        "America//New_York", /* empty segment */
        "America/New York",  /* space */
        "America/New_York/", /* trailing slash */
        "a\nb",              /* control character */
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct tz *z = (struct tz *)1;
        CHECK_INT(tz_load(names[i], &z), UV_EINVAL);
        CHECK(z == NULL);
    }
    struct tz *z;
    CHECK_INT(tz_load("Nowhere/Atlantis", &z), UV_ENOENT);
    CHECK_INT(tz_load("America", &z), UV_ENOENT); /* a directory */
}

static int load_bytes(const void *p, size_t n)
{
    char path[] = "/tmp/outpost-tz-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (n > 0 && write(fd, p, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    close(fd);
    struct tz *z = NULL;
    int rc = tz_load_file("Test/Zone", path, &z);
    unlink(path);
    tz_free(z);
    return rc;
}

TEST(garbage_files)
{
    /* A real file, truncated at many points, must load or fail cleanly. */
    FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    CHECK(n > 1000);
    CHECK_INT(load_bytes(buf, n), 0);
    for (size_t cut = 0; cut < n - 1; cut += 37) {
        int rc = load_bytes(buf, cut);
        CHECK(rc == UV_EIO);
    }
    CHECK_INT(load_bytes("not a zone file at all", 22), UV_EIO);
    CHECK_INT(load_bytes("", 0), UV_EIO);
    /* A broken footer is refused, not half-used. */
    unsigned char copy[8192];
    memcpy(copy, buf, n);
    copy[n - 3] = '!';
    CHECK_INT(load_bytes(copy, n), UV_EIO);
}

int main(void)
{
    RUN(dst_changes_new_york_2026);
    RUN(format_human_table);
    RUN(agrees_with_glibc);
    RUN(bad_names);
    RUN(garbage_files);
    return test_report();
}
