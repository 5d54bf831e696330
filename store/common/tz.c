/* tz: TZif reader (RFC 8536) and POSIX TZ rule evaluation.
 *
 * A zone file lists transitions up to some year; later instants follow the
 * "footer", a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" (RFC 8536
 * section 3.3). We read the version 2+ block (64-bit times) and the footer;
 * a version 1 file (32-bit only, no footer) is accepted as it is.
 *
 * libc's localtime_r would do all this, but only through the process-global
 * TZ variable; renderers run on a worker thread and the zone comes from our
 * config, so the zone is a value here and lookups touch no shared state.
 */
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "timeutil.h"

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 64
/* The largest real zone file is a few kB; anything far bigger is not one. */
#define TZ_MAX_FILE (1024 * 1024)
#define TZ_ABBR_MAX 16
/* RFC 8536 section 3.2: UT offsets lie in [-89999, 93599], more than
 * -25 hours and less than 26 (POSIX's [-24:59:59, 25:59:59]). */
#define TZ_MIN_UTOFF (-89999)
#define TZ_MAX_UTOFF 93599
/* Instants further out than this (about 557,000 years) are clamped, so the
 * calendar arithmetic below cannot overflow; nothing we show is that far. */
#define TZ_MAX_T ((int64_t)1 << 44)

struct tz_type {
    int32_t utoff; /* seconds east of UTC */
    bool isdst;
    char abbr[TZ_ABBR_MAX];
};

/* A POSIX rule date: Jn (1..365, February 29 never counted), n (0..365,
 * February 29 counted), or Mm.w.d (day d of week w of month m; w = 5 means
 * the last), plus the local time of day of the change in seconds, which may
 * be negative or past 24 h (RFC 8536 section 3.3.1). */
struct tz_date {
    char kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t secs;
};

struct tz_footer {
    struct tz_type std, dst;
    bool has_dst;
    struct tz_date start, end; /* start: std -> dst; end: dst -> std */
};

struct tz {
    char name[TZ_NAME_MAX + 1];
    int64_t *trans; /* transition times, strictly ascending */
    uint8_t *idx;   /* type index per transition */
    size_t n_trans;
    struct tz_type *types;
    size_t n_types;
    bool has_footer;
    struct tz_footer footer;
};

static const struct tz_type utc_type = {0, false, "UTC"};

/* Segments of [A-Za-z0-9_+-] separated by single '/'. Because '.' is not
 * allowed at all, no "." or ".." segment can climb out of TZ_DIR, and
 * names such as "zone.tab" (not zone files) are refused up front. */
static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/') {
            if (name[i + 1] == '/')
                return false;
            continue;
        }
        if (!isalnum(c) && c != '_' && c != '+' && c != '-')
            return false;
    }
    return true;
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

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* --- POSIX TZ strings ---------------------------------------------------- */

/* "EST" (letters) or "<+0530>" (quoted: letters, digits, '+', '-'); POSIX
 * asks for at least three characters. */
static const char *parse_abbr(const char *p, char out[TZ_ABBR_MAX])
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (isalnum((unsigned char)*p) || *p == '+' || *p == '-') {
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

/* [+-]hh[:mm[:ss]] with hours up to max_h: 24 for an offset, 167 for a
 * rule time (RFC 8536 section 3.3.1 extends POSIX's 0..24 so rules such as
 * "M3.4.4/50" can name "Saturday 02:00" via a Thursday). */
static const char *parse_hms(const char *p, int max_h, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    int32_t h = 0, m = 0, s = 0;
    for (int digits = 0; isdigit((unsigned char)*p); digits++) {
        h = h * 10 + (*p++ - '0');
        if (h > max_h || digits >= 3)
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
    if (*p == '/' && (p = parse_hms(p + 1, 167, &d->secs)) == NULL)
        return NULL;
    return p;
}

/* Parses a POSIX TZ string; returns false if it is not one we understand. */
static bool parse_footer(const char *s, struct tz_footer *f)
{
    int32_t off;
    memset(f, 0, sizeof(*f));
    const char *p = parse_abbr(s, f->std.abbr);
    if (p == NULL || (p = parse_hms(p, 24, &off)) == NULL)
        return false;
    f->std.utoff = -off; /* POSIX offsets count west of Greenwich */
    if (*p == '\0')
        return true;
    if ((p = parse_abbr(p, f->dst.abbr)) == NULL)
        return false;
    f->has_dst = true;
    f->dst.isdst = true;
    f->dst.utoff = f->std.utoff + 3600; /* POSIX: one hour ahead by default */
    if (*p != ',' && *p != '\0') {
        if ((p = parse_hms(p, 24, &off)) == NULL)
            return false;
        f->dst.utoff = -off;
    }
    /* A daylight zone without rules means "the default rules", which POSIX
     * leaves to the implementation; zic never writes one (RFC 8536 3.3). */
    if (*p != ',')
        return false;
    if ((p = parse_date(p + 1, &f->start)) == NULL || *p != ',' ||
        (p = parse_date(p + 1, &f->end)) == NULL)
        return false;
    return *p == '\0';
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local wall-clock second at which rule d fires in `year`, counted from
 * local midnight of January 1 (so it may be negative or past year end). */
static int64_t rule_local(const struct tz_date *d, int year)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day; /* 0-based day of the year */
    if (d->kind == 'J') {
        day = d->n - 1;
        if (is_leap(year) && d->n >= 60)
            day++; /* Jn never counts February 29: J60 is March 1 */
    } else if (d->kind == 'N') {
        day = d->n;
    } else {
        int64_t jan1 = time_from_utc(year, 1, 1, 0, 0, 0) / 86400;
        int64_t first = time_from_utc(year, d->m, 1, 0, 0, 0) / 86400;
        int wday_first = (int)(((first % 7) + 11) % 7); /* 1970-01-01: Thu */
        int dim = mdays[d->m - 1] + (d->m == 2 && is_leap(year));
        int mday = 1 + (d->d - wday_first + 7) % 7 + (d->w - 1) * 7;
        while (mday > dim)
            mday -= 7; /* week 5 means the last such weekday */
        day = first - jan1 + mday - 1;
    }
    return day * 86400 + d->secs;
}

/* The calendar year containing Unix second t (UTC arithmetic). */
static int year_of(int64_t t)
{
    int y = (int)(1970 + floor_div(t, 31556952));
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
    /* Rule times are wall-clock times: the start is read on the standard
     * clock, the end on the daylight clock. Rather than reason about which
     * year a change with a time of -2 h or 50 h belongs to, list the changes
     * of the neighbouring years and take the latest one at or before t; on
     * a tie the later rule wins, which keeps "0/0,J365/25" (daylight all
     * year, RFC 8536 3.3.1) in daylight time across New Year. */
    int y = year_of(t + f->std.utoff);
    const struct tz_type *best = NULL;
    int64_t best_at = 0;
    for (int yy = y - 1; yy <= y + 1; yy++) {
        int64_t jan1 = time_from_utc(yy, 1, 1, 0, 0, 0);
        int64_t start = jan1 + rule_local(&f->start, yy) - f->std.utoff;
        int64_t end = jan1 + rule_local(&f->end, yy) - f->dst.utoff;
        if (start <= t && (best == NULL || start >= best_at)) {
            best = &f->dst;
            best_at = start;
        }
        if (end <= t && (best == NULL || end >= best_at)) {
            best = &f->std;
            best_at = end;
        }
    }
    return best != NULL ? best : &f->std;
}

/* --- TZif files ---------------------------------------------------------- */

/* The counts of one TZif header (RFC 8536 section 3.1). */
struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static size_t tzif_body(const struct tzif_counts *c, size_t tbytes)
{
    return (size_t)c->time * tbytes + c->time + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (tbytes + 4) + c->isstd + c->isut;
}

static int tzif_header(const unsigned char *h, struct tzif_counts *c)
{
    if (memcmp(h, "TZif", 4) != 0)
        return UV_EIO;
    /* Version: NUL for 1, then ASCII '2', '3', '4'; later versions are
     * meant to stay readable by version 2 readers. */
    if (h[4] != 0 && (h[4] < '2' || h[4] > '9'))
        return UV_EIO;
    c->isut = (uint32_t)be(h + 20, 4);
    c->isstd = (uint32_t)be(h + 24, 4);
    c->leap = (uint32_t)be(h + 28, 4);
    c->time = (uint32_t)be(h + 32, 4);
    c->type = (uint32_t)be(h + 36, 4);
    c->chars = (uint32_t)be(h + 40, 4);
    if (c->time > 100000 || c->type == 0 || c->type > 256 || c->chars == 0 ||
        c->chars > 4096 || c->leap > 10000 ||
        (c->isut != 0 && c->isut != c->type) ||
        (c->isstd != 0 && c->isstd != c->type))
        return UV_EIO;
    return 0;
}

static int parse_tzif(struct tz *z, const unsigned char *b, size_t len)
{
    struct tzif_counts c;
    if (len < 44 || tzif_header(b, &c) < 0)
        return UV_EIO;
    int version = b[4] == 0 ? 1 : b[4] - '0';
    size_t tbytes = 4, pos = 0;
    if (version >= 2) {
        /* Skip the 32-bit block: the 64-bit one after it says the same
         * and more (RFC 8536 section 4: readers should use it). */
        pos = 44 + tzif_body(&c, 4);
        if (pos + 44 > len || tzif_header(b + pos, &c) < 0)
            return UV_EIO;
        tbytes = 8;
    }
    if (pos + 44 + tzif_body(&c, tbytes) > len)
        return UV_EIO;
    /* Leap-second ("right/") zones count TAI-like seconds, not the POSIX
     * seconds we store; rather than be off by half a minute, refuse. */
    if (c.leap != 0)
        return UV_EIO;
    const unsigned char *p = b + pos + 44;
    z->n_trans = c.time;
    z->n_types = c.type;
    z->trans = calloc(c.time ? c.time : 1, sizeof(*z->trans));
    z->idx = calloc(c.time ? c.time : 1, 1);
    z->types = calloc(c.type, sizeof(*z->types));
    if (z->trans == NULL || z->idx == NULL || z->types == NULL)
        return UV_ENOMEM;
    for (uint32_t i = 0; i < c.time; i++, p += tbytes) {
        z->trans[i] = be(p, (int)tbytes);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return UV_EIO;
    }
    for (uint32_t i = 0; i < c.time; i++) {
        z->idx[i] = *p++;
        if (z->idx[i] >= c.type)
            return UV_EIO;
    }
    const unsigned char *chars = p + (size_t)c.type * 6;
    if (chars[c.chars - 1] != '\0')
        return UV_EIO; /* every abbreviation must end inside the table */
    for (uint32_t i = 0; i < c.type; i++, p += 6) {
        struct tz_type *ty = &z->types[i];
        ty->utoff = (int32_t)be(p, 4);
        if (ty->utoff < TZ_MIN_UTOFF || ty->utoff > TZ_MAX_UTOFF || p[4] > 1 ||
            p[5] >= c.chars)
            return UV_EIO;
        ty->isdst = p[4] != 0;
        snprintf(ty->abbr, sizeof(ty->abbr), "%s", (const char *)chars + p[5]);
    }
    pos += 44 + tzif_body(&c, tbytes);
    if (version < 2)
        return 0;
    /* The footer, "\n" POSIX-TZ "\n", is mandatory in version 2+; an empty
     * string means "no rule past the last transition". */
    if (pos >= len || b[pos] != '\n')
        return UV_EIO;
    const unsigned char *nl = memchr(b + pos + 1, '\n', len - pos - 1);
    char s[128];
    size_t n = nl != NULL ? (size_t)(nl - (b + pos + 1)) : sizeof(s);
    if (n >= sizeof(s))
        return UV_EIO;
    memcpy(s, b + pos + 1, n);
    s[n] = '\0';
    if (n > 0) {
        if (!parse_footer(s, &z->footer))
            return UV_EIO;
        z->has_footer = true;
    }
    return 0;
}

/* Reads a whole regular file. O_NONBLOCK so that a FIFO planted where a
 * zone file should be cannot hang the caller. */
static int read_file(const char *path, unsigned char **out, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? UV_ENOENT : UV_EIO;
    struct stat st;
    int rc = UV_EIO;
    unsigned char *b = NULL;
    if (fstat(fd, &st) != 0)
        goto out;
    if (S_ISDIR(st.st_mode)) {
        rc = UV_ENOENT; /* "America" names a region, not a zone */
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > TZ_MAX_FILE)
        goto out;
    size_t len = (size_t)st.st_size, got = 0;
    b = malloc(len ? len : 1);
    if (b == NULL) {
        rc = UV_ENOMEM;
        goto out;
    }
    while (got < len) {
        ssize_t r = read(fd, b + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    *out = b;
    *len_out = len;
    b = NULL;
    rc = 0;
out:
    free(b);
    close(fd);
    return rc;
}

int tz_load_mem(const char *name, const void *data, size_t len, struct tz **out)
{
    *out = NULL;
    if (len > TZ_MAX_FILE)
        return UV_EIO;
    struct tz *z = calloc(1, sizeof(*z));
    if (z == NULL)
        return UV_ENOMEM;
    snprintf(z->name, sizeof(z->name), "%s", name);
    int rc = parse_tzif(z, data, len);
    if (rc < 0) {
        tz_free(z);
        return rc;
    }
    *out = z;
    return 0;
}

int tz_load_file(const char *name, const char *path, struct tz **out)
{
    *out = NULL;
    unsigned char *b = NULL;
    size_t len = 0;
    int rc = read_file(path, &b, &len);
    if (rc < 0)
        return rc;
    rc = tz_load_mem(name, b, len, out);
    free(b);
    return rc;
}

int tz_load(const char *name, struct tz **out)
{
    *out = NULL;
    if (name == NULL || !name_ok(name))
        return UV_EINVAL;
    char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 1];
    snprintf(path, sizeof(path), "%s/%s", TZ_DIR, name);
    /* The name cannot climb out, but a symbolic link inside the zone
     * directory could point anywhere; the file actually read must lie
     * under the (resolved) zone directory. Debian's links, such as
     * US/Eastern -> ../America/New_York, stay inside. */
    char *real = realpath(path, NULL);
    if (real == NULL)
        return errno == ENOENT || errno == ENOTDIR ? UV_ENOENT : UV_EIO;
    char *root = realpath(TZ_DIR, NULL);
    int rc = UV_ENOENT;
    size_t rlen = root != NULL ? strlen(root) : 0;
    if (root != NULL && strncmp(real, root, rlen) == 0 && real[rlen] == '/')
        rc = tz_load_file(name, real, out);
    free(root);
    free(real);
    return rc;
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
    return z != NULL ? z->name : "UTC";
}

/* Instants beyond any calendar are pinned at the edge, so t + offset and
 * the year arithmetic can never overflow (Debug builds trap on it). */
static int64_t clamp_t(int64_t t)
{
    return t > TZ_MAX_T ? TZ_MAX_T : t < -TZ_MAX_T ? -TZ_MAX_T : t;
}

static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
    if (z == NULL)
        return &utc_type;
    t = clamp_t(t);
    /* RFC 8536 section 3.2: type 0 applies before the first transition;
     * the footer, if any, after the last one (and everywhere when the
     * file lists no transitions, as zic's "slim" output does). */
    if (z->n_trans == 0)
        return z->has_footer ? footer_type(&z->footer, t) : &z->types[0];
    if (t < z->trans[0])
        return &z->types[0];
    if (t >= z->trans[z->n_trans - 1] && z->has_footer)
        return footer_type(&z->footer, t);
    size_t lo = 0, hi = z->n_trans; /* the last transition <= t */
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

int64_t tz_local_day(const struct tz *z, int64_t t)
{
    int off = 0;
    t = clamp_t(t);
    tz_lookup(z, t, &off, NULL, NULL);
    return floor_div(t + off, 86400);
}

/* "UTC-05:00"; seconds only where the offset has them (local mean time
 * before standard time, e.g. New York's -4:56:02 until 1883). */
static void offset_label(int off, char *out, size_t cap)
{
    int a = off < 0 ? -off : off;
    char sign = off < 0 ? '-' : '+';
    if (a % 60 != 0)
        snprintf(out, cap, "UTC%c%02d:%02d:%02d", sign, a / 3600, a / 60 % 60,
                 a % 60);
    else
        snprintf(out, cap, "UTC%c%02d:%02d", sign, a / 3600, a / 60 % 60);
}

/* tzdata writes numbers ("-03", "+0530") where no letters are in common
 * use; a reader understands "UTC-03:00" better than "-03". */
static bool abbr_is_numeric(const char *abbr)
{
    return abbr[0] == '+' || abbr[0] == '-' || abbr[0] == '\0';
}

/* "EST", or "UTC+05:30" for a numeric abbreviation. */
static void zone_label(const char *abbr, int off, char *out, size_t cap)
{
    if (abbr_is_numeric(abbr))
        offset_label(off, out, cap);
    else
        snprintf(out, cap, "%s", abbr);
}

void tz_format_offset(const struct tz *z, int64_t t, char out[TZ_OFFSET_MAX])
{
    int off = 0;
    tz_lookup(z, t, &off, NULL, NULL);
    offset_label(off, out, TZ_OFFSET_MAX);
}

void tz_format_local(const struct tz *z, int64_t t, bool with_date,
                     char out[TZ_HUMAN_MAX])
{
    t = clamp_t(t);
    int off = 0;
    const char *abbr = "UTC";
    tz_lookup(z, t, &off, &abbr, NULL);
    char iso[TIME_BUFSZ], label[32];
    /* The wall clock is UTC arithmetic on t + offset. */
    time_iso8601(t + off, iso);          /* "YYYY-MM-DDTHH:MM:SSZ" */
    const char *tpos = strchr(iso, 'T'); /* years past 9999 are longer */
    int dlen = tpos != NULL ? (int)(tpos - iso) : 10;
    zone_label(abbr, off, label, sizeof(label));
    if (with_date)
        snprintf(out, TZ_HUMAN_MAX, "%.*s %.5s %s", dlen, iso, iso + dlen + 1,
                 label);
    else
        snprintf(out, TZ_HUMAN_MAX, "%.5s %s", iso + dlen + 1, label);
}

void tz_format_human(const struct tz *z, int64_t t, char out[TZ_HUMAN_MAX])
{
    t = clamp_t(t);
    char utc[TIME_BUFSZ];
    time_human(t, utc);
    if (z == NULL) {
        snprintf(out, TZ_HUMAN_MAX, "%s", utc);
        return;
    }
    char local[TZ_HUMAN_MAX], off_label[TZ_OFFSET_MAX];
    int off = 0;
    const char *abbr = "UTC";
    tz_lookup(z, t, &off, &abbr, NULL);
    tz_format_local(z, t, tz_local_day(z, t) != tz_local_day(NULL, t), local);
    /* The offset is what disambiguates an abbreviation; where the label
     * already is an offset, or plain UTC, it would only repeat it. */
    if (abbr_is_numeric(abbr) || (off == 0 && strcmp(abbr, "UTC") == 0)) {
        snprintf(out, TZ_HUMAN_MAX, "%s (%s)", utc, local);
        return;
    }
    offset_label(off, off_label, sizeof(off_label));
    snprintf(out, TZ_HUMAN_MAX, "%s (%s, %s)", utc, local, off_label);
}

/* The local clock t + off has a form time_parse_iso8601 reads back:
 * RFC 3339 section 5.6 writes an offset as hours 00 to 23 and minutes, and
 * a date with a four-digit year, 0000 to 9999.
 *
 * Such offsets are no parse error of the zone file. POSIX (XBD 8.3, TZ)
 * allows a TZ string offset up to 24:59:59, and RFC 8536 section 3.2 a
 * utoff up to 25:59:59; the 167 hours of RFC 8536 section 3.3.1 are rule
 * times, not offsets. So a zone with a 24-hour offset is valid and loads
 * (no tzdata zone comes near: all stay within 16 hours of UTC); only its
 * ISO 8601 form falls back to UTC, which keeps every such time exact. */
static bool iso_local_ok(int64_t t, int off)
{
    int64_t local = t + off;
    int a = off < 0 ? -off : off;
    return off % 60 == 0 && a < 24 * 3600 &&
           local >= time_from_utc(0, 1, 1, 0, 0, 0) &&
           local < time_from_utc(10000, 1, 1, 0, 0, 0);
}

void tz_format_iso8601(const struct tz *z, int64_t t, char out[TIME_BUFSZ])
{
    t = clamp_t(t);
    int off = 0;
    tz_lookup(z, t, &off, NULL, NULL);
    /* An offset with seconds (old local mean time), of 24 hours or more,
     * or a local date beyond the four-digit years is given in UTC rather
     * than rounded or written in a form no parser reads. */
    if (z == NULL || !iso_local_ok(t, off)) {
        time_iso8601(t, out);
        return;
    }
    char iso[TIME_BUFSZ];
    time_iso8601(t + off, iso); /* ends in "Z" */
    size_t n = strlen(iso) - 1;
    int a = off < 0 ? -off : off;
    snprintf(out, TIME_BUFSZ, "%.*s%c%02d:%02d", (int)n, iso,
             off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}
