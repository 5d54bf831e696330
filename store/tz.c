/* tz: TZif reader (RFC 8536) and POSIX TZ rule evaluation.
 *
 * A zone file lists transitions up to some year; later instants follow the
 * "footer", a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" (RFC 8536
 * §3.3). We read the version 2+ block (64-bit times) and the footer; a
 * version 1 file (32-bit only, no footer) is accepted as it is.
 */
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <uv.h>

#include "timeutil.h"

#define TZ_DIR "/usr/share/zoneinfo/"
#define TZ_MAX_FILE (1024 * 1024)
#define TZ_ABBR_MAX 16

struct tz_type {
    int32_t utoff;
    bool isdst;
    char abbr[TZ_ABBR_MAX];
};

/* A POSIX rule date: Jn (1..365, Feb 29 never counted), n (0..365), or
 * Mm.w.d (day d of week w of month m; w = 5 means the last), plus the local
 * time of day of the change, in seconds (may be negative or past 24 h). */
struct tz_date {
    char kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t secs;
};

struct tz_footer {
    struct tz_type std, dst;
    bool has_dst;
    struct tz_date start, end;
};

struct tz {
    char name[65];
    int64_t *trans; /* transition times, ascending */
    uint8_t *idx;   /* type index per transition */
    size_t n_trans;
    struct tz_type *types;
    size_t n_types;
    bool has_footer;
    struct tz_footer footer;
};

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '/' || name[n - 1] == '/')
        return false;
    const char *seg = name;
    for (const char *p = name;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t len = (size_t)(p - seg);
            if (len == 0 || (len == 1 && seg[0] == '.') ||
                (len == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (*p == '\0')
                return true;
            seg = p + 1;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '+' &&
            *p != '-' && *p != '.')
            return false;
    }
}

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* --- POSIX TZ strings ---------------------------------------------------- */

static const char *parse_abbr(const char *p, char out[TZ_ABBR_MAX])
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p != '>' && *p != '\0') {
            if (n + 1 >= TZ_ABBR_MAX)
                return NULL;
            out[n++] = *p++;
        }
        if (*p != '>')
            return NULL;
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (n + 1 >= TZ_ABBR_MAX)
                return NULL;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return n >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 §3.3.1 extension). */
static const char *parse_hms(const char *p, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    int32_t h = 0, m = 0, s = 0;
    while (isdigit((unsigned char)*p)) {
        h = h * 10 + (*p++ - '0');
        if (h > 167)
            return NULL;
    }
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return NULL;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            p++;
            if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
                return NULL;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    if (m > 59 || s > 59)
        return NULL;
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_int(const char *p, int *out, int lo, int hi)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    int v = 0;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        if (v > hi)
            return NULL;
    }
    if (v < lo)
        return NULL;
    *out = v;
    return p;
}

static const char *parse_date(const char *p, struct tz_date *d)
{
    memset(d, 0, sizeof(*d));
    if (*p == 'M') {
        d->kind = 'M';
        if ((p = parse_int(p + 1, &d->m, 1, 12)) == NULL || *p++ != '.' ||
            (p = parse_int(p, &d->w, 1, 5)) == NULL || *p++ != '.' ||
            (p = parse_int(p, &d->d, 0, 6)) == NULL)
            return NULL;
    } else if (*p == 'J') {
        d->kind = 'J';
        if ((p = parse_int(p + 1, &d->n, 1, 365)) == NULL)
            return NULL;
    } else {
        d->kind = 'N';
        if ((p = parse_int(p, &d->n, 0, 365)) == NULL)
            return NULL;
    }
    d->secs = 2 * 3600; /* the POSIX default: 02:00 local */
    if (*p == '/' && (p = parse_hms(p + 1, &d->secs)) == NULL)
        return NULL;
    return p;
}

/* Parses a POSIX TZ string; returns false if it is not one we understand. */
static bool parse_footer(const char *s, struct tz_footer *f)
{
    int32_t off;
    memset(f, 0, sizeof(*f));
    const char *p = parse_abbr(s, f->std.abbr);
    if (p == NULL || (p = parse_hms(p, &off)) == NULL)
        return false;
    f->std.utoff = -off; /* POSIX offsets count west of Greenwich */
    if (*p == '\0')
        return true;
    if ((p = parse_abbr(p, f->dst.abbr)) == NULL)
        return false;
    f->has_dst = true;
    f->dst.isdst = true;
    f->dst.utoff = f->std.utoff + 3600;
    if (*p != ',' && *p != '\0') {
        if ((p = parse_hms(p, &off)) == NULL)
            return false;
        f->dst.utoff = -off;
    }
    if (*p != ',')
        return false; /* a DST zone without rules: not used by tzdata */
    if ((p = parse_date(p + 1, &f->start)) == NULL || *p != ',' ||
        (p = parse_date(p + 1, &f->end)) == NULL)
        return false;
    return *p == '\0';
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local (wall clock) second of year `year` at which rule d fires,
 * counted from local midnight of January 1. */
static int64_t rule_local(const struct tz_date *d, int year)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day; /* 0-based day of year */
    if (d->kind == 'J') {
        day = d->n - 1;
        if (is_leap(year) && d->n >= 60)
            day++; /* Jn never counts February 29 */
    } else if (d->kind == 'N') {
        day = d->n;
    } else {
        int64_t first = time_from_utc(year, d->m, 1, 0, 0, 0) / 86400;
        int wday_first = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01: Thu */
        int dim = mdays[d->m - 1] + (d->m == 2 && is_leap(year));
        int mday = 1 + (d->d - wday_first + 7) % 7 + (d->w - 1) * 7;
        while (mday > dim)
            mday -= 7;
        day = (first - time_from_utc(year, 1, 1, 0, 0, 0) / 86400) + mday - 1;
    }
    return day * 86400 + d->secs;
}

/* The calendar year containing Unix second t (UTC arithmetic). */
static int year_of(int64_t t)
{
    int y = 1970 + (int)(t / 31556952);
    if (t < 0)
        y--;
    while (time_from_utc(y, 1, 1, 0, 0, 0) > t)
        y--;
    while (time_from_utc(y + 1, 1, 1, 0, 0, 0) <= t)
        y++;
    return y;
}

static const struct tz_type *footer_type(const struct tz_footer *f, int64_t t)
{
    if (!f->has_dst)
        return &f->std;
    /* The rules are per year of the local standard-time clock. The start
     * is given on the standard clock, the end on the daylight clock. */
    int y = year_of(t + f->std.utoff);
    int64_t jan1 = time_from_utc(y, 1, 1, 0, 0, 0);
    int64_t start = jan1 + rule_local(&f->start, y) - f->std.utoff;
    int64_t end = jan1 + rule_local(&f->end, y) - f->dst.utoff;
    bool dst = start < end ? (t >= start && t < end)  /* northern */
                           : (t < end || t >= start); /* southern */
    return dst ? &f->dst : &f->std;
}

/* --- TZif files ---------------------------------------------------------- */

static int parse_tzif(struct tz *z, const unsigned char *b, size_t len)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0)
        return UV_EIO;
    int version = b[4] == 0 ? 1 : b[4] - '0';
    const unsigned char *h = b;
    int tbytes = 4;
    size_t pos = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pos + 44 > len || memcmp(b + pos, "TZif", 4) != 0)
            return UV_EIO;
        h = b + pos;
        uint32_t isutcnt = (uint32_t)be(h + 20, 4),
                 isstdcnt = (uint32_t)be(h + 24, 4),
                 leapcnt = (uint32_t)be(h + 28, 4),
                 timecnt = (uint32_t)be(h + 32, 4),
                 typecnt = (uint32_t)be(h + 36, 4),
                 charcnt = (uint32_t)be(h + 40, 4);
        if (timecnt > 100000 || typecnt == 0 || typecnt > 256 ||
            charcnt > 4096 || leapcnt > 10000 ||
            (isutcnt != 0 && isutcnt != typecnt) ||
            (isstdcnt != 0 && isstdcnt != typecnt))
            return UV_EIO;
        size_t body = (size_t)timecnt * (size_t)tbytes + timecnt +
                      (size_t)typecnt * 6 + charcnt +
                      (size_t)leapcnt * (size_t)(tbytes + 4) + isstdcnt +
                      isutcnt;
        if (pos + 44 + body > len)
            return UV_EIO;
        if (version >= 2 && pass == 0) {
            pos += 44 + body; /* skip the 32-bit block */
            tbytes = 8;
            continue;
        }
        const unsigned char *p = h + 44;
        z->n_trans = timecnt;
        z->n_types = typecnt;
        z->trans = calloc(timecnt ? timecnt : 1, sizeof(*z->trans));
        z->idx = calloc(timecnt ? timecnt : 1, 1);
        z->types = calloc(typecnt, sizeof(*z->types));
        if (z->trans == NULL || z->idx == NULL || z->types == NULL)
            return UV_ENOMEM;
        for (uint32_t i = 0; i < timecnt; i++, p += tbytes) {
            z->trans[i] = be(p, tbytes);
            if (i > 0 && z->trans[i] <= z->trans[i - 1])
                return UV_EIO;
        }
        for (uint32_t i = 0; i < timecnt; i++) {
            z->idx[i] = *p++;
            if (z->idx[i] >= typecnt)
                return UV_EIO;
        }
        const unsigned char *chars = p + typecnt * 6;
        for (uint32_t i = 0; i < typecnt; i++, p += 6) {
            z->types[i].utoff = (int32_t)be(p, 4);
            z->types[i].isdst = p[4] != 0;
            uint8_t ai = p[5];
            if (ai >= charcnt)
                return UV_EIO;
            size_t k = 0;
            while (ai + k < charcnt && chars[ai + k] != '\0' &&
                   k + 1 < TZ_ABBR_MAX)
                k++;
            memcpy(z->types[i].abbr, chars + ai, k);
            z->types[i].abbr[k] = '\0';
        }
        pos += 44 + body;
        break;
    }
    /* Footer: "\n" POSIX-TZ "\n" (version 2+). */
    if (version >= 2 && pos < len && b[pos] == '\n') {
        const unsigned char *nl = memchr(b + pos + 1, '\n', len - pos - 1);
        if (nl == NULL || (size_t)(nl - (b + pos + 1)) >= 128)
            return UV_EIO;
        char s[128];
        size_t n = (size_t)(nl - (b + pos + 1));
        memcpy(s, b + pos + 1, n);
        s[n] = '\0';
        if (n > 0) {
            if (!parse_footer(s, &z->footer))
                return UV_EIO;
            z->has_footer = true;
        }
    }
    return 0;
}

int tz_load_file(const char *name, const char *path, struct tz **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT || errno == ENOTDIR ? UV_ENOENT : UV_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > TZ_MAX_FILE) {
        fclose(f);
        return S_ISDIR(st.st_mode) ? UV_ENOENT : UV_EIO;
    }
    size_t len = (size_t)st.st_size;
    unsigned char *b = malloc(len ? len : 1);
    struct tz *z = calloc(1, sizeof(*z));
    int rc = UV_ENOMEM;
    if (b != NULL && z != NULL) {
        rc = fread(b, 1, len, f) == len ? parse_tzif(z, b, len) : UV_EIO;
        snprintf(z->name, sizeof(z->name), "%s", name);
    }
    fclose(f);
    free(b);
    if (rc < 0) {
        tz_free(z);
        return rc;
    }
    *out = z;
    return 0;
}

int tz_load(const char *name, struct tz **out)
{
    *out = NULL;
    if (name == NULL || !name_ok(name))
        return UV_EINVAL;
    char path[sizeof(TZ_DIR) + 80];
    snprintf(path, sizeof(path), TZ_DIR "%s", name);
    return tz_load_file(name, path, out);
}

void tz_free(struct tz *z)
{
    if (z == NULL)
        return;
    free(z->trans);
    free(z->idx);
    free(z->types);
    free(z);
}

const char *tz_name(const struct tz *z)
{
    return z->name;
}

static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
    if (z->n_trans == 0 || t < z->trans[0]) {
        if (z->n_trans == 0 && z->has_footer)
            return footer_type(&z->footer, t);
        return &z->types[0]; /* RFC 8536: type 0 before the first change */
    }
    if (t >= z->trans[z->n_trans - 1] && z->has_footer)
        return footer_type(&z->footer, t);
    size_t lo = 0, hi = z->n_trans; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &z->types[z->idx[lo]];
}

void tz_lookup(const struct tz *z, int64_t t, int *utc_offset,
               const char **abbr, bool *is_dst)
{
    const struct tz_type *ty = type_at(z, t);
    if (utc_offset != NULL)
        *utc_offset = ty->utoff;
    if (abbr != NULL)
        *abbr = ty->abbr;
    if (is_dst != NULL)
        *is_dst = ty->isdst;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t tz_local_day(const struct tz *z, int64_t t)
{
    int off = 0;
    if (z != NULL)
        tz_lookup(z, t, &off, NULL, NULL);
    return floor_div(t + off, 86400);
}

/* "EST", or "UTC+05:30" for a numeric abbreviation such as "+0530". */
static void zone_label(const char *abbr, int off, char *out, size_t cap)
{
    if (abbr[0] == '+' || abbr[0] == '-' || abbr[0] == '\0') {
        int a = off < 0 ? -off : off;
        snprintf(out, cap, "UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 3600,
                 a / 60 % 60);
    } else {
        snprintf(out, cap, "%s", abbr);
    }
}

void tz_format_local(const struct tz *z, int64_t t, bool with_date,
                     char out[TZ_HUMAN_MAX])
{
    int off = 0;
    const char *abbr = "UTC";
    if (z != NULL)
        tz_lookup(z, t, &off, &abbr, NULL);
    char iso[TIME_BUFSZ], label[32];
    time_iso8601(t + off, iso); /* "YYYY-MM-DDTHH:MM:SSZ" of the wall clock */
    zone_label(abbr, off, label, sizeof(label));
    if (with_date)
        snprintf(out, TZ_HUMAN_MAX, "%.10s %.5s %s", iso, iso + 11, label);
    else
        snprintf(out, TZ_HUMAN_MAX, "%.5s %s", iso + 11, label);
}

void tz_format_human(const struct tz *z, int64_t t, char out[TZ_HUMAN_MAX])
{
    char utc[TIME_BUFSZ];
    time_human(t, utc);
    if (z == NULL) {
        snprintf(out, TZ_HUMAN_MAX, "%s", utc);
        return;
    }
    char local[TZ_HUMAN_MAX];
    tz_format_local(z, t, tz_local_day(z, t) != tz_local_day(NULL, t), local);
    snprintf(out, TZ_HUMAN_MAX, "%s (%s)", utc, local);
}
