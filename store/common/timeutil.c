/* timeutil: civil-date arithmetic in UTC without touching libc's TZ state.
 *
 * gmtime_r/timegm would do for formatting, but timegm is not standard C and
 * the TZ machinery is process-global; a pure conversion in both directions
 * keeps every renderer thread-safe and every test independent of the host.
 * The day-count conversion uses the proleptic Gregorian calendar in 400-year
 * eras (146097 days each), with the year starting in March so the leap day
 * comes last.
 */
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static const char *const wday_abbr[7] = {"Sun", "Mon", "Tue", "Wed",
                                         "Thu", "Fri", "Sat"};
static const char *const wday_full[7] = {"Sunday",    "Monday",   "Tuesday",
                                         "Wednesday", "Thursday", "Friday",
                                         "Saturday"};
static const char *const mon_abbr[12] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};

struct civil {
    int year, mon, day, hour, min, sec, wday;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400; /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_unix(int64_t t, struct civil *c)
{
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400;
    c->hour = (int)(secs / 3600);
    c->min = (int)(secs / 60 % 60);
    c->sec = (int)(secs % 60);
    /* 1970-01-01 was a Thursday. */
    c->wday = (int)(((days % 7) + 11) % 7);

    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (int)(yoe + era * 400 + (c->mon <= 2));
}

void time_year_month(int64_t t, int *year, int *month)
{
    struct civil c;
    civil_from_unix(t, &c);
    *year = c.year;
    *month = c.mon;
}

int64_t time_from_utc(int year, int mon, int day, int hour, int min, int sec)
{
    return days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 +
           (int64_t)min * 60 + sec;
}

void time_iso8601(int64_t t, char out[TIME_BUFSZ])
{
    struct civil c;
    civil_from_unix(t, &c);
    snprintf(out, TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.mon,
             c.day, c.hour, c.min, c.sec);
}

void time_iso8601_ms(int64_t t, char out[TIME_BUFSZ])
{
    struct civil c;
    civil_from_unix(t, &c);
    snprintf(out, TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", c.year,
             c.mon, c.day, c.hour, c.min, c.sec);
}

void time_human(int64_t t, char out[TIME_BUFSZ])
{
    struct civil c;
    civil_from_unix(t, &c);
    snprintf(out, TIME_BUFSZ, "%04d-%02d-%02d %02d:%02d UTC", c.year, c.mon,
             c.day, c.hour, c.min);
}

void time_http(int64_t t, char out[TIME_BUFSZ])
{
    struct civil c;
    civil_from_unix(t, &c);
    snprintf(out, TIME_BUFSZ, "%s, %02d %s %04d %02d:%02d:%02d GMT",
             wday_abbr[c.wday], c.day, mon_abbr[c.mon - 1], c.year, c.hour,
             c.min, c.sec);
}

/* ---- parsing ---------------------------------------------------------- */

/* A cursor over a length-bounded string; every reader checks the bound so
 * the HTTP parser never reads past an unterminated header value. */
struct cur {
    const char *p;
    const char *end;
};

static bool eat(struct cur *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* Exactly n decimal digits. */
static bool digits(struct cur *c, int n, int *out)
{
    int v = 0;
    if (c->end - c->p < n)
        return false;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)c->p[i]))
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

/* One of the names in table (case-sensitive, as RFC 9110 5.6.7 says). */
static bool word(struct cur *c, const char *const *table, int n, int *out)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(table[i]);
        if ((size_t)(c->end - c->p) >= len &&
            memcmp(c->p, table[i], len) == 0) {
            c->p += len;
            *out = i;
            return true;
        }
    }
    return false;
}

static bool lit(struct cur *c, const char *s)
{
    size_t len = strlen(s);
    if ((size_t)(c->end - c->p) < len || memcmp(c->p, s, len) != 0)
        return false;
    c->p += len;
    return true;
}

static bool valid_civil(int y, int mo, int d, int h, int mi, int s)
{
    return mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) &&
           h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

static bool hms(struct cur *c, int *h, int *mi, int *s)
{
    return digits(c, 2, h) && eat(c, ':') && digits(c, 2, mi) && eat(c, ':') &&
           digits(c, 2, s);
}

int time_parse_http(const char *s, size_t len, int64_t *out)
{
    /* RFC 9110 section 5.6.7: recipients accept IMF-fixdate and the two
     * obsolete forms, RFC 850 and asctime(). */
    struct cur c = {s, s + len};
    int wd, day, mon, year, h, mi, sec;

    if (word(&c, wday_full, 7, &wd)) {
        /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". Two-digit years are
         * read as 19xx/20xx by the 50-year rule of RFC 9110. */
        if (!(eat(&c, ',') && eat(&c, ' ') && digits(&c, 2, &day) &&
              eat(&c, '-') && word(&c, mon_abbr, 12, &mon) && eat(&c, '-') &&
              digits(&c, 2, &year) && eat(&c, ' ') && hms(&c, &h, &mi, &sec) &&
              lit(&c, " GMT")))
            return UV_EINVAL;
        year += year < 70 ? 2000 : 1900;
    } else if (word(&c, wday_abbr, 7, &wd)) {
        if (eat(&c, ',')) {
            /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
            if (!(eat(&c, ' ') && digits(&c, 2, &day) && eat(&c, ' ') &&
                  word(&c, mon_abbr, 12, &mon) && eat(&c, ' ') &&
                  digits(&c, 4, &year) && eat(&c, ' ') &&
                  hms(&c, &h, &mi, &sec) && lit(&c, " GMT")))
                return UV_EINVAL;
        } else {
            /* asctime: "Sun Nov  6 08:49:37 1994". */
            if (!(eat(&c, ' ') && word(&c, mon_abbr, 12, &mon) && eat(&c, ' ')))
                return UV_EINVAL;
            if (eat(&c, ' ')) {
                if (!digits(&c, 1, &day))
                    return UV_EINVAL;
            } else if (!digits(&c, 2, &day)) {
                return UV_EINVAL;
            }
            if (!(eat(&c, ' ') && hms(&c, &h, &mi, &sec) && eat(&c, ' ') &&
                  digits(&c, 4, &year)))
                return UV_EINVAL;
        }
    } else {
        return UV_EINVAL;
    }
    if (c.p != c.end || !valid_civil(year, mon + 1, day, h, mi, sec))
        return UV_EINVAL;
    *out = time_from_utc(year, mon + 1, day, h, mi, sec);
    return 0;
}

int time_parse_iso8601(const char *s, int64_t *out)
{
    if (s == NULL)
        return UV_EINVAL;
    struct cur c = {s, s + strlen(s)};
    int y, mo, d, h, mi, sec = 0;

    if (!(digits(&c, 4, &y) && eat(&c, '-') && digits(&c, 2, &mo) &&
          eat(&c, '-') && digits(&c, 2, &d)))
        return UV_EINVAL;
    if (!(eat(&c, 'T') || eat(&c, 't') || eat(&c, ' ')))
        return UV_EINVAL;
    if (!(digits(&c, 2, &h) && eat(&c, ':') && digits(&c, 2, &mi)))
        return UV_EINVAL;
    if (eat(&c, ':')) {
        if (!digits(&c, 2, &sec))
            return UV_EINVAL;
        /* Fractions of a second are accepted (our own _ms output must
         * read back) and dropped: the store keeps whole seconds. */
        if (eat(&c, '.') || eat(&c, ',')) {
            const char *start = c.p;
            while (c.p < c.end && isdigit((unsigned char)*c.p))
                c.p++;
            if (c.p == start)
                return UV_EINVAL;
        }
    }
    if (!valid_civil(y, mo, d, h, mi, sec))
        return UV_EINVAL;

    int offset = 0; /* seconds east of UTC */
    if (eat(&c, 'Z') || eat(&c, 'z')) {
        offset = 0;
    } else if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
        int sign = *c.p == '-' ? -1 : 1;
        int oh, om = 0;
        c.p++;
        if (!digits(&c, 2, &oh))
            return UV_EINVAL;
        /* "+05:30", "+0530" and "+05" are all ISO 8601. */
        if (eat(&c, ':')) {
            if (!digits(&c, 2, &om))
                return UV_EINVAL;
        } else if (c.p < c.end) {
            if (!digits(&c, 2, &om))
                return UV_EINVAL;
        }
        if (oh > 23 || om > 59)
            return UV_EINVAL;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        /* No zone: refusing beats guessing the server's zone in the
         * middle of an outage. */
        return UV_EINVAL;
    }
    if (c.p != c.end)
        return UV_EINVAL;
    *out = time_from_utc(y, mo, d, h, mi, sec) - offset;
    return 0;
}

int64_t time_now(void)
{
    const char *env = getenv("OUTPOST_NOW");
    if (env != NULL && *env != '\0') {
        char *end;
        errno = 0;
        long long v = strtoll(env, &end, 10);
        if (errno == 0 && *end == '\0' && v >= 0)
            return (int64_t)v;
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (int64_t)time(NULL);
    return (int64_t)ts.tv_sec;
}
