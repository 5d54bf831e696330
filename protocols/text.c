/* text: the plain-text summary, incident and help pages, and the character
 * hygiene every text protocol shares.
 *
 * Everything that comes from the store (titles, bodies, names, signatures,
 * even the configured page name) passes through sanitize() before it is
 * written: control characters are dropped so that a title cannot move a
 * terminal's cursor (ESC), forge a line (CR, LF) or break a Gopher menu
 * (TAB); invalid UTF-8 becomes '?' so the output is always valid UTF-8.
 */
#include "text.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/common/timeutil.h"
#include "../store/common/tz.h"
#include "../store/common/utf8.h"
#include "../store/query.h"
#include "../store/uptime.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* One code point from p[0..n) (n >= 1): the bytes used and *cp, or 1 and
 * *cp = -1 for a byte that does not start a valid sequence (utf8.h), so
 * that a bad byte costs exactly one '?'. */
static size_t utf8_next(const unsigned char *p, size_t n, int32_t *cp)
{
    uint32_t v;
    size_t used = utf8_decode((const char *)p, n, &v);
    *cp = used == 0 ? -1 : (int32_t)v;
    return used == 0 ? 1 : used;
}

/* Columns of already sanitized text: one per code point, i.e. every byte
 * that is not a continuation byte. */
static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

/* Bytes of the first `cols` code points of sanitized text s[0..n). */
static size_t prefix_bytes(const char *s, size_t n, size_t cols)
{
    size_t i = 0;
    while (i < n && cols > 0) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        cols--;
    }
    return i;
}

/* ---- sanitizing ------------------------------------------------------- */

enum cp_class { CP_KEEP, CP_DROP, CP_SPACE, CP_NEWLINE };

static enum cp_class classify(int32_t cp)
{
    if (cp == '\n' || cp == 0x2028 || cp == 0x2029)
        return CP_NEWLINE;
    if (cp == '\t')
        return CP_SPACE;
    /* C0 (CR included: CRLF bodies lose the CR, a bare CR must not return
     * the cursor over a line), DEL, and C1, which some terminals obey as
     * 8-bit escapes (0x9b is CSI). */
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
        return CP_DROP;
    /* Invisible format characters: zero-width ones and the bidi controls
     * that can make displayed text read differently from what it is. */
    if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || cp == 0xfffe ||
        cp == 0xffff)
        return CP_DROP;
    return CP_KEEP;
}

/* A CR not followed by LF: old Mac line ends, or a forged line ("CR\r
 * here") that must at least not glue two words together. The CR of a
 * CRLF is simply dropped (classify). */
static bool bare_cr(const unsigned char *p, size_t n, size_t i)
{
    return p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n');
}

/* Appends s[0..n) as clean UTF-8: invalid bytes become '?', TAB a space,
 * line breaks LF (or a space when !keep_lf), other controls vanish. */
static void sanitize(struct buf *out, const char *s, size_t n, bool keep_lf)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t used = utf8_next(p + i, n - i, &cp);
        if (cp < 0) {
            buf_putc(out, '?');
        } else {
            switch (bare_cr(p, n, i) ? CP_NEWLINE : classify(cp)) {
            case CP_KEEP:
                buf_append(out, p + i, used);
                break;
            case CP_SPACE:
                /* A body's tabs (keep_lf) tell a pasted table from prose:
                 * the wrapper decides (text_line_preformatted()). */
                buf_putc(out, keep_lf ? '\t' : ' ');
                break;
            case CP_NEWLINE:
                buf_putc(out, keep_lf ? '\n' : ' ');
                break;
            case CP_DROP:
                break;
            }
        }
        i += used;
    }
}

void text_clean(struct buf *out, const char *s)
{
    if (s == NULL)
        return;
    struct buf tmp = BUF_INIT;
    sanitize(&tmp, s, strlen(s), false);
    if (buf_failed(&tmp))
        out->oom = true;
    /* One-line fields (titles, names) read best with the spaces left by
     * removed line breaks and tabs collapsed, and no edge blanks. */
    bool pending = false, any = false;
    for (size_t i = 0; i < tmp.len; i++) {
        char c = tmp.data[i];
        if (c == ' ') {
            pending = any;
            continue;
        }
        if (pending)
            buf_putc(out, ' ');
        pending = false;
        any = true;
        buf_putc(out, c);
    }
    buf_free(&tmp);
}

/* Appends s cleaned and cut to at most max columns ("..." marks a cut). */
static void put_clean_capped(struct buf *out, const char *s, size_t max)
{
    struct buf tmp = BUF_INIT;
    text_clean(&tmp, s);
    if (buf_failed(&tmp))
        out->oom = true;
    if (tmp.len == 0) {
        buf_free(&tmp);
        return;
    }
    size_t cols = columns(tmp.data, tmp.len);
    if (cols <= max || max < 4) {
        buf_append(out, tmp.data,
                   cols <= max ? tmp.len
                               : prefix_bytes(tmp.data, tmp.len, max));
    } else {
        buf_append(out, tmp.data, prefix_bytes(tmp.data, tmp.len, max - 3));
        buf_puts(out, "...");
    }
    buf_free(&tmp);
}

/* ---- wrapping --------------------------------------------------------- */

/* Columns left for words after a prefix; never fewer than 10, so a silly
 * width or a long prefix cannot make the loop below emit one code point per
 * line forever. */
static size_t room_after(const char *prefix, size_t width)
{
    size_t p = columns(prefix, strlen(prefix));
    return width >= p + 10 ? width - p : 10;
}

/* U+00A0 NO-BREAK SPACE, as UTF-8. */
#define NBSP "\xc2\xa0"

bool text_line_preformatted(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
        k++;
    if (k == n)
        return false; /* blank: a paragraph break, not a line */
    if (s[0] == ' ' || s[0] == '\t' || (n >= 2 && memcmp(s, NBSP, 2) == 0))
        return true;
    for (size_t i = k; i < n; i++) {
        if (s[i] == '\t')
            return true;
        if (s[i] != ' ' || i + 1 >= n || s[i + 1] != ' ')
            continue;
        size_t run = 2;
        while (i + run < n && s[i + run] == ' ')
            run++;
        if (i + run == n)
            return false; /* trailing blanks say nothing */
        /* Two spaces after a full stop are a typist's habit, not a
         * column; three, or two anywhere else, line something up. */
        if (run >= 3 || strchr(".!?:", s[i - 1]) == NULL)
            return true;
        i += run - 1;
    }
    return false;
}

void text_expand_tabs(struct buf *out, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\t') {
            do
                buf_putc(out, ' ');
            while (++col % 8 != 0);
            continue;
        }
        buf_putc(out, s[i]);
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            col++;
    }
}

/* The bytes of spacing that start w (no-break spaces, which a writer puts
 * after ". " to keep two spaces there): they space two words, so at the
 * start of a wrapped line they would only push it in. */
static size_t lead_nbsp(const char *w, size_t n)
{
    size_t k = 0;
    while (k + 2 <= n && memcmp(w + k, NBSP, 2) == 0)
        k += 2;
    return k == n ? 0 : k; /* a word of spacing only is kept */
}

/* Where the continuation of a too-wide preformatted line x[0..n) starts:
 * under the text after its first gap of two or more spaces ("03:21  Mains
 * power fails ..." goes on under "Mains"), else under its indentation. */
static size_t pre_hang(const char *x, size_t n, size_t ind)
{
    for (size_t i = ind; i + 1 < n; i++) {
        if (x[i] != ' ' || x[i + 1] != ' ')
            continue;
        size_t j = i;
        while (j < n && x[j] == ' ')
            j++;
        return j < n ? columns(x, j) : ind;
    }
    return ind;
}

/* Appends one sanitized preformatted line (text_line_preformatted()) as
 * it is, its tabs expanded and trailing blanks dropped, after *prefix. A
 * line wider than the room is broken at its last space that fits (hard
 * where there is none), the rest under `rest` and pre_hang() (or the
 * indentation; at most half the room), so that no line passes width on any
 * protocol. */
static void pre_line(struct buf *out, const char *s, size_t n, size_t width,
                     const char **prefix, const char *rest)
{
    struct buf x = BUF_INIT;
    text_expand_tabs(&x, s, n);
    if (buf_failed(&x))
        out->oom = true;
    size_t len = x.len;
    while (len > 0 && x.data[len - 1] == ' ')
        len--;
    size_t ind = 0;
    while (ind < len && x.data[ind] == ' ')
        ind++;
    size_t hang = pre_hang(x.data, len, ind);
    const char *p = x.data;
    bool first = true;
    while (len > 0) {
        size_t avail = room_after(*prefix, width);
        /* A hang past half the room would leave too little; then the
         * indentation, itself at most half. */
        size_t pad = first ? 0 : hang <= avail / 2 ? hang : ind;
        if (pad > avail / 2)
            pad = avail / 2;
        buf_puts(out, *prefix);
        for (size_t k = 0; k < pad; k++)
            buf_putc(out, ' ');
        size_t cut = len;
        if (columns(p, len) > avail - pad) {
            cut = prefix_bytes(p, len, avail - pad);
            /* The last space that fits, but not one of the indentation. */
            size_t sp = cut;
            while (sp > (first ? ind : 0) && p[sp] != ' ')
                sp--;
            if (sp > (first ? ind : 0))
                cut = sp;
        }
        size_t keep = cut;
        while (keep > 0 && p[keep - 1] == ' ')
            keep--;
        buf_append(out, p, keep);
        buf_putc(out, '\n');
        *prefix = rest;
        p += cut;
        len -= cut;
        /* Spaces at a break would only push the next line in. */
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        first = false;
    }
    buf_free(&x);
}

/* Wraps one sanitized line (no LF) of n bytes. *prefix is the prefix of
 * the next output line; it becomes rest once a line has been written. */
static void wrap_line(struct buf *out, const char *s, size_t n, size_t width,
                      const char **prefix, const char *rest)
{
    size_t avail = room_after(*prefix, width);
    size_t used = 0;
    bool open = false;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            break;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        const char *w = s + start;
        size_t wlen = i - start, wcols = columns(w, wlen);
        if (open && used + 1 + wcols <= avail) {
            buf_putc(out, ' ');
            buf_append(out, w, wlen);
            used += 1 + wcols;
            continue;
        }
        if (open) {
            buf_putc(out, '\n');
            *prefix = rest;
            avail = room_after(*prefix, width);
            size_t skip = lead_nbsp(w, wlen);
            w += skip;
            wlen -= skip;
            wcols -= skip / 2;
        }
        /* A word wider than the line (a long URL, a hash) is cut hard:
         * a 72-column promise matters more than the word. */
        while (wcols > avail) {
            size_t cut = prefix_bytes(w, wlen, avail);
            buf_puts(out, *prefix);
            buf_append(out, w, cut);
            buf_putc(out, '\n');
            w += cut;
            wlen -= cut;
            wcols -= avail;
            *prefix = rest;
            avail = room_after(*prefix, width);
        }
        buf_puts(out, *prefix);
        buf_append(out, w, wlen);
        used = wcols;
        open = true;
    }
    if (open) {
        buf_putc(out, '\n');
        *prefix = rest;
    }
}

/* Wraps text: the first output line starts with `first`, the others with
 * `rest`. Single line breaks are kept (operators write lists); runs of
 * blank lines become one empty line; leading and trailing blanks vanish.
 * With pre, a line that looks preformatted (text_line_preformatted()) is
 * kept as it is (pre_line()) and only prose is wrapped. */
static void wrap_text(struct buf *out, const char *text, size_t width,
                      const char *first, const char *rest, bool pre)
{
    if (text == NULL)
        return;
    struct buf clean = BUF_INIT;
    sanitize(&clean, text, strlen(text), true);
    if (buf_failed(&clean))
        out->oom = true;
    const char *prefix = first;
    bool any = false, gap = false;
    size_t i = 0;
    while (i < clean.len) {
        const char *line = clean.data + i;
        const char *nl = memchr(line, '\n', clean.len - i);
        size_t n = nl != NULL ? (size_t)(nl - line) : clean.len - i;
        i += n + (nl != NULL);
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == n) {
            gap = any;
            continue;
        }
        if (gap)
            buf_putc(out, '\n');
        gap = false;
        if (pre && text_line_preformatted(line, n))
            pre_line(out, line, n, width, &prefix, rest);
        else
            wrap_line(out, line, n, width, &prefix, rest);
        any = true;
    }
    buf_free(&clean);
}

/* Wraps text that is all prose (titles, lines the server composes). */
static void wrap2(struct buf *out, const char *text, size_t width,
                  const char *first, const char *rest)
{
    wrap_text(out, text, width, first, rest, false);
}

void text_wrap_body(struct buf *out, const char *text, size_t width,
                    const char *first, const char *rest)
{
    wrap_text(out, text, width, first != NULL ? first : "",
              rest != NULL ? rest : "", true);
}

/* What an operator wrote (an update, a postmortem): pasted command output
 * keeps its columns. */
static void wrap_body(struct buf *out, const char *text, size_t width,
                      const char *first, const char *rest)
{
    text_wrap_body(out, text, width, first, rest);
}

void text_wrap(struct buf *out, const char *text, size_t width,
               const char *indent)
{
    if (indent == NULL)
        indent = "";
    wrap2(out, text, width, indent, indent);
}

/* Like wrap2, but stops after max_lines lines or at the first paragraph
 * break, and says so with "[...]": the summary shows only the start of an
 * update, the incident page has the rest. */
static void wrap_excerpt(struct buf *out, const char *text, const char *indent,
                         size_t max_lines)
{
    struct buf tmp = BUF_INIT;
    wrap_body(&tmp, text, TEXT_WIDTH, indent, indent);
    if (buf_failed(&tmp))
        out->oom = true;
    size_t i = 0, lines = 0;
    while (i < tmp.len && lines < max_lines) {
        const char *nl = memchr(tmp.data + i, '\n', tmp.len - i);
        size_t n = nl != NULL ? (size_t)(nl - (tmp.data + i)) + 1 : tmp.len - i;
        if (n == 1 && tmp.data[i] == '\n')
            break; /* paragraph break */
        buf_append(out, tmp.data + i, n);
        i += n;
        lines++;
    }
    if (i < tmp.len) {
        buf_puts(out, indent);
        buf_puts(out, "[...]\n");
    }
    buf_free(&tmp);
}

/* ---- small pieces ----------------------------------------------------- */

static const char *site_host(const struct snapshot *s)
{
    return s->site.hostname != NULL && s->site.hostname[0] != '\0'
               ? s->site.hostname
               : "localhost";
}

/* base_url without a trailing slash, so "base + /path" is always right. */
static void put_base_url(struct buf *out, const struct snapshot *s)
{
    if (s->site.base_url != NULL && s->site.base_url[0] != '\0') {
        size_t n = strlen(s->site.base_url);
        while (n > 0 && s->site.base_url[n - 1] == '/')
            n--;
        buf_append(out, s->site.base_url, n);
    } else {
        buf_printf(out, "http://%s", site_host(s));
        if (s->site.http_port > 0 && s->site.http_port != 80)
            buf_printf(out, ":%d", s->site.http_port);
    }
}

void text_web_url(struct buf *out, const struct snapshot *s, const char *path)
{
    put_base_url(out, s);
    buf_puts(out, path);
}

void text_search_link(struct buf *out, const char *q, size_t page, bool html)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_puts(out, "/search?q=");
    for (const unsigned char *p = (const unsigned char *)q; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            buf_putc(out, (char)*p);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[*p >> 4]);
            buf_putc(out, hex[*p & 15]);
        }
    }
    if (page > 1)
        buf_printf(out, "%spage=%zu", html ? "&amp;" : "&", page);
}

/* The public host of Gopher and of finger: public_gopher_url's and
 * public_finger_url's, else the host name. */
static const char *gopher_host(const struct snapshot *s)
{
    return s->site.gopher_host != NULL && s->site.gopher_host[0] != '\0'
               ? s->site.gopher_host
               : site_host(s);
}

static const char *finger_host(const struct snapshot *s)
{
    return s->site.finger_host != NULL && s->site.finger_host[0] != '\0'
               ? s->site.finger_host
               : site_host(s);
}

static int gopher_port(const struct snapshot *s)
{
    return s->site.gopher_port > 0 ? s->site.gopher_port : 70;
}

static int finger_port(const struct snapshot *s)
{
    return s->site.finger_port > 0 ? s->site.finger_port : 79;
}

/* "gopher://host" plus ":port" when not 70. */
static void put_gopher_url(struct buf *out, const struct snapshot *s)
{
    buf_printf(out, "gopher://%s", gopher_host(s));
    if (gopher_port(s) != 70)
        buf_printf(out, ":%d", gopher_port(s));
}

/* The finger command for a query: the stock client only speaks to port
 * 79, so another port is reached with nc. */
static void put_finger_cmd(struct buf *out, const struct snapshot *s,
                           const char *query, bool long_form)
{
    if (finger_port(s) == 79)
        buf_printf(out, "finger %s%s@%s", long_form ? "-l " : "", query,
                   finger_host(s));
    else
        buf_printf(out, "echo '%s%s' | nc %s %d", long_form ? "/W " : "", query,
                   finger_host(s), finger_port(s));
}

const char *text_impact_words(enum impact i)
{
    switch (i) {
    case IMPACT_NONE:
        return "no impact";
    case IMPACT_MINOR:
        return "minor impact";
    case IMPACT_MAJOR:
        return "major impact";
    case IMPACT_CRITICAL:
        return "critical impact";
    case IMPACT_MAINTENANCE:
        return "maintenance impact";
    default:
        return "unknown impact";
    }
}

void text_time(struct buf *out, const struct snapshot *s, int64_t t)
{
    char tb[TZ_HUMAN_MAX];
    tz_format_human(s->site.tz, t, tb);
    buf_puts(out, tb);
}

void text_window(struct buf *out, const struct snapshot *s, int64_t start,
                 int64_t end)
{
    char a[TIME_BUFSZ], b[TIME_BUFSZ];
    const struct tz *z = s->site.tz;
    time_human(start, a);
    if (end == 0) {
        buf_puts(out, "from ");
        text_time(out, s, start);
        return;
    }
    time_human(end, b);
    if (strncmp(a, b, 10) == 0)
        buf_printf(out, "%.16s to %s", a, b + 11);
    else
        buf_printf(out, "%.16s to %s", a, b);
    if (z == NULL)
        return;
    /* The same window on the display zone's clock: dates only where the
     * local day differs from what the reader has just seen. */
    char la[TZ_HUMAN_MAX], lb[TZ_HUMAN_MAX];
    int64_t day_a = tz_local_day(z, start), day_b = tz_local_day(z, end);
    tz_format_local(z, start, day_a != tz_local_day(NULL, start), la);
    tz_format_local(z, end, day_b != day_a, lb);
    /* "17:00 EST to 20:00 EST" reads better as "17:00 to 20:00 EST". */
    const char *za = strrchr(la, ' ');
    const char *zb = strrchr(lb, ' ');
    if (za != NULL && zb != NULL && strcmp(za, zb) == 0)
        buf_printf(out, " (%.*s to %s)", (int)(za - la), la, lb);
    else
        buf_printf(out, " (%s to %s)", la, lb);
}

static void put_duration(struct buf *out, int64_t secs)
{
    int64_t m = secs / 60;
    if (m < 60)
        buf_printf(out, "%" PRId64 " min", m);
    else if (m < 24 * 60)
        buf_printf(out, "%" PRId64 " h %" PRId64 " min", m / 60, m % 60);
    else
        buf_printf(out, "%" PRId64 " d %" PRId64 " h", m / 1440, m / 60 % 24);
}

/* A heading: the text and a line of `under` as long as it (at most the
 * page width). */
static void heading(struct buf *out, const char *title, char under)
{
    size_t start = out->len;
    put_clean_capped(out, title, TEXT_WIDTH);
    size_t cols =
        buf_failed(out) ? 0 : columns(out->data + start, out->len - start);
    buf_putc(out, '\n');
    for (size_t i = 0; i < cols; i++)
        buf_putc(out, under);
    buf_putc(out, '\n');
}

/* "  Name ..................................... Status", right-aligned at
 * TEXT_WIDTH; an overlong name is cut so the status always shows. */
static void service_row(struct buf *out, const char *indent, const char *name,
                        const char *label)
{
    size_t ind = strlen(indent), lab = strlen(label);
    size_t room =
        TEXT_WIDTH > ind + lab + 5 + 8 ? TEXT_WIDTH - ind - lab - 5 : 8;
    struct buf nm = BUF_INIT;
    put_clean_capped(&nm, name != NULL ? name : "?", room);
    if (buf_failed(&nm))
        out->oom = true;
    size_t cols = nm.len > 0 ? columns(nm.data, nm.len) : 0;
    size_t dots = ind + cols + 2 + lab < TEXT_WIDTH
                      ? TEXT_WIDTH - ind - cols - 2 - lab
                      : 3;
    buf_puts(out, indent);
    if (nm.len > 0)
        buf_append(out, nm.data, nm.len);
    buf_putc(out, ' ');
    for (size_t i = 0; i < dots; i++)
        buf_putc(out, '.');
    buf_putc(out, ' ');
    buf_puts(out, label);
    buf_putc(out, '\n');
    buf_free(&nm);
}

static void services_block(struct buf *out, const struct snapshot *s)
{
    /* In page order (snapshot.items): a group is printed whole where its
     * first member stands, so every service appears exactly once. */
    for (size_t k = 0; k < s->n_items; k++) {
        const struct snapshot_item *it = &s->items[k];
        if (it->group == MODEL_NO_GROUP) {
            const struct service *svc = &s->services[it->service];
            service_row(out, "", svc->name,
                        model_service_status_label(svc->status));
            continue;
        }
        const struct service_group *grp = &s->groups[it->group];
        put_clean_capped(out, grp->name, TEXT_WIDTH);
        buf_putc(out, '\n');
        for (size_t m = 0; m < grp->n_members; m++) {
            const struct service *ms = &s->services[grp->members[m]];
            service_row(out, "  ", ms->name,
                        model_service_status_label(ms->status));
        }
    }
}

/* "Mailbox access (IMAP), Outgoing mail (SMTP)" (cleaned names). */
static void put_service_names(struct buf *out, const struct snapshot *s,
                              const struct incident *inc)
{
    bool first = true;
    for (size_t k = 0; k < inc->n_services; k++) {
        size_t idx = inc->services[k].service;
        if (idx >= s->n_services)
            continue;
        if (!first)
            buf_puts(out, ", ");
        first = false;
        text_clean(out, s->services[idx].name);
    }
}

/* "#42 Title", wrapped with a hanging indent. */
static void post_title(struct buf *out, const struct incident *inc,
                       const char *indent)
{
    char first[32];
    snprintf(first, sizeof(first), "#%" PRId64 " ", inc->id);
    struct buf t = BUF_INIT;
    text_clean(&t, inc->title != NULL ? inc->title : "");
    if (buf_failed(&t))
        out->oom = true;
    if (t.len > 0)
        wrap2(out, t.data, TEXT_WIDTH, first, indent);
    else
        buf_printf(out, "#%" PRId64 "\n", inc->id);
    buf_free(&t);
}

/* One entry of the summary: title, state line, services, latest update. */
static void summary_entry(struct buf *out, const struct snapshot *s,
                          const struct incident *inc)
{
    const char *ind = "    ";
    post_title(out, inc, ind);
    struct buf line = BUF_INIT;
    buf_puts(&line, model_status_label(inc->status));
    switch (inc->kind) {
    case KIND_INCIDENT:
        buf_printf(&line, " - %s - since ", text_impact_words(inc->impact));
        text_time(&line, s,
                  inc->started_at ? inc->started_at : inc->created_at);
        break;
    case KIND_MAINTENANCE:
        if (inc->scheduled_start != 0) {
            buf_puts(&line, " - window ");
            text_window(&line, s, inc->scheduled_start, inc->scheduled_end);
        }
        break;
    case KIND_NOTICE:
    default:
        buf_puts(&line, " ");
        text_time(&line, s,
                  inc->started_at ? inc->started_at : inc->created_at);
        break;
    }
    wrap2(out, line.data, TEXT_WIDTH, ind, ind);
    if (inc->n_services > 0) {
        buf_reset(&line);
        buf_puts(&line, "Affects: ");
        put_service_names(&line, s, inc);
        wrap2(out, line.data, TEXT_WIDTH, ind, "      ");
    }
    if (inc->n_updates > 0) {
        const struct update *u = &inc->updates[0];
        if (inc->kind != KIND_NOTICE) {
            buf_reset(&line);
            buf_puts(&line, "Latest update ");
            text_time(&line, s, u->created_at);
            buf_printf(&line, " (%s):", model_status_label(u->status));
            wrap2(out, line.data, TEXT_WIDTH, ind, ind);
        }
        wrap_excerpt(out, u->body, ind, 4);
    }
    if (buf_failed(&line))
        out->oom = true;
    buf_free(&line);
}

/* A section of the summary: every post that `pick` selects, or nothing. */
static void summary_section(struct buf *out, const struct snapshot *s,
                            const char *title, snapshot_filter pick,
                            const struct incident **first_listed)
{
    bool any = false;
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        if (!pick(s, inc))
            continue;
        if (!any) {
            buf_putc(out, '\n');
            heading(out, title, '-');
        }
        any = true;
        if (*first_listed == NULL)
            *first_listed = inc;
        summary_entry(out, s, inc);
    }
}

static const char *page_name(const struct snapshot *s)
{
    return s->site.name != NULL && s->site.name[0] != '\0' ? s->site.name
                                                           : "Status";
}

/* ---- the pages -------------------------------------------------------- */

void text_summary(struct buf *out, const struct snapshot *s)
{
    heading(out, page_name(s), '=');
    put_clean_capped(out,
                     s->indicator_description != NULL
                         ? s->indicator_description
                         : model_indicator_description(s->indicator, false),
                     TEXT_WIDTH);
    buf_puts(out, "\nServer time: ");
    text_time(out, s, s->generated_at);
    buf_putc(out, '\n');

    if (s->n_services > 0) {
        buf_putc(out, '\n');
        heading(out, "Services", '-');
        services_block(out, s);
    }

    const struct incident *first = NULL;
    summary_section(out, s, "Open incidents", snapshot_is_open_incident,
                    &first);
    if (first == NULL)
        buf_puts(out, "\nNo open incidents.\n");
    summary_section(out, s, "Maintenance in progress",
                    snapshot_is_active_maintenance, &first);
    summary_section(out, s, "Upcoming maintenance",
                    snapshot_is_upcoming_maintenance, &first);
    summary_section(out, s, "Overdue maintenance (window begun, not started)",
                    snapshot_is_overdue_maintenance, &first);
    summary_section(out, s, "Notices", snapshot_is_current_notice, &first);

    /* Where to read more, one command per line so that none is split
     * by the wrapping; only protocols that are served. */
    struct buf cmd = BUF_INIT;
    buf_putc(out, '\n');
    if (first != NULL) {
        char id[24];
        snprintf(id, sizeof(id), "%" PRId64, first->id);
        buf_printf(out, "Details of any post above, e.g. #%s:\n", id);
        if (!s->site.finger_off) {
            put_finger_cmd(&cmd, s, id, false);
            buf_putc(&cmd, '\n');
        }
        if (!s->site.gopher_off) {
            put_gopher_url(&cmd, s);
            buf_printf(&cmd, "/0/incidents/%s\n", id);
        }
        if (!s->site.http_off) {
            put_base_url(&cmd, s);
            buf_printf(&cmd, "/incidents/%s\n", id);
        }
        wrap2(out, cmd.data, TEXT_WIDTH, "  ", "  ");
        buf_reset(&cmd);
    }
    buf_puts(out, "Help:\n");
    if (!s->site.finger_off) {
        put_finger_cmd(&cmd, s, "help", false);
        buf_putc(&cmd, '\n');
    }
    if (!s->site.http_off) {
        put_base_url(&cmd, s);
        buf_puts(&cmd, "/help\n");
    }
    if (!s->site.gopher_off && s->site.http_off) {
        put_gopher_url(&cmd, s);
        buf_puts(&cmd, "/0/help");
    }
    wrap2(out, cmd.data, TEXT_WIDTH, "  ", "  ");
    if (buf_failed(&cmd))
        out->oom = true;
    buf_free(&cmd);
}

static void incident_update(struct buf *out, const struct snapshot *s,
                            const struct update *u, bool long_form)
{
    text_time(out, s, u->created_at);
    buf_printf(out, " - %s", model_status_label(u->status));
    if (long_form)
        buf_printf(out, " (update %" PRId64 ")", u->id);
    if (u->n_revisions > 0)
        buf_puts(out, " (edited)");
    buf_putc(out, '\n');
    wrap_body(out, u->body, TEXT_WIDTH, "  ", "  ");
    struct buf sig = BUF_INIT;
    if (u->author != NULL) {
        text_clean(&sig, u->author);
        if (sig.len > 0) {
            buf_puts(out, "  -- ");
            buf_append(out, sig.data, sig.len);
            buf_reset(&sig);
            if (long_form && u->via != NULL) {
                text_clean(&sig, u->via);
                if (sig.len > 0) {
                    buf_puts(out, ", via ");
                    buf_append(out, sig.data, sig.len);
                }
            }
            buf_putc(out, '\n');
        }
    } else if (long_form && u->via != NULL) {
        text_clean(&sig, u->via);
        if (sig.len > 0) {
            buf_puts(out, "  (posted via ");
            buf_append(out, sig.data, sig.len);
            buf_puts(out, ")\n");
        }
    }
    if (buf_failed(&sig))
        out->oom = true;
    buf_free(&sig);
}

void text_incident(struct buf *out, const struct snapshot *s,
                   const struct incident *inc, bool long_form)
{
    struct buf line = BUF_INIT;

    /* The title, wrapped, underlined as wide as its widest line. */
    size_t start = out->len;
    text_clean(&line, inc->title != NULL ? inc->title : "");
    wrap2(out, line.len > 0 ? line.data : "(untitled)", TEXT_WIDTH, "", "");
    size_t widest = 0;
    if (!buf_failed(out)) {
        const char *p = out->data + start, *end = out->data + out->len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
            size_t c = columns(p, n);
            widest = c > widest ? c : widest;
            p += n + 1;
        }
    }
    for (size_t i = 0; i < widest; i++)
        buf_putc(out, '=');
    buf_putc(out, '\n');

    buf_printf(out, "%s #%" PRId64 " - %s", model_kind_label(inc->kind),
               inc->id, model_status_label(inc->status));
    if (inc->kind == KIND_INCIDENT) {
        buf_printf(out, " - %s", text_impact_words(inc->impact));
    }
    buf_putc(out, '\n');

    if (inc->n_services > 0 && !long_form) {
        buf_reset(&line);
        buf_puts(&line, "Affects: ");
        put_service_names(&line, s, inc);
        wrap2(out, line.data, TEXT_WIDTH, "", "  ");
    } else if (inc->n_services > 0) {
        buf_puts(out, "Affected services:\n");
        for (size_t k = 0; k < inc->n_services; k++) {
            const struct incident_service *is = &inc->services[k];
            if (is->service >= s->n_services)
                continue;
            const struct service *svc = &s->services[is->service];
            buf_reset(&line);
            text_clean(&line, svc->name);
            buf_printf(&line, " (now %s)",
                       model_service_status_label(svc->status));
            if (is->window_start != 0) {
                buf_puts(&line, ", its own window ");
                text_window(&line, s, is->window_start, is->window_end);
            }
            wrap2(out, line.data, TEXT_WIDTH, "  ", "    ");
        }
    }

    int64_t started = inc->started_at ? inc->started_at : inc->created_at;
    if (inc->kind == KIND_MAINTENANCE) {
        if (inc->scheduled_start != 0) {
            buf_puts(out, "Window: ");
            text_window(out, s, inc->scheduled_start, inc->scheduled_end);
            buf_putc(out, '\n');
        }
        if (long_form && inc->created_at != 0) {
            buf_puts(out, "Announced: ");
            text_time(out, s, inc->created_at);
            buf_putc(out, '\n');
        }
    } else if (started != 0) {
        buf_puts(out, inc->kind == KIND_NOTICE ? "Posted: " : "Started: ");
        text_time(out, s, started);
        buf_putc(out, '\n');
    }
    if (long_form && inc->monitoring_at != 0) {
        buf_puts(out, "Monitoring since: ");
        text_time(out, s, inc->monitoring_at);
        buf_putc(out, '\n');
    }
    if (inc->resolved_at != 0) {
        buf_puts(out,
                 inc->kind == KIND_MAINTENANCE ? "Completed: " : "Resolved: ");
        text_time(out, s, inc->resolved_at);
        if (inc->kind == KIND_INCIDENT && started != 0 &&
            inc->resolved_at > started) {
            buf_puts(out, " (after ");
            put_duration(out, inc->resolved_at - started);
            buf_putc(out, ')');
        }
        buf_putc(out, '\n');
    }
    if (long_form && inc->updated_at != 0) {
        buf_puts(out, "Last updated: ");
        text_time(out, s, inc->updated_at);
        buf_putc(out, '\n');
    }

    buf_putc(out, '\n');
    if (inc->n_updates == 0) {
        buf_puts(out, "No updates yet.\n");
    } else {
        heading(out, "Updates, newest first", '-');
        for (size_t k = 0; k < inc->n_updates; k++) {
            buf_putc(out, '\n');
            incident_update(out, s, &inc->updates[k], long_form);
        }
    }

    if (inc->postmortem != NULL && inc->postmortem[0] != '\0') {
        buf_putc(out, '\n');
        heading(out, "Postmortem", '-');
        if (inc->postmortem_at != 0) {
            buf_puts(out, "Published ");
            text_time(out, s, inc->postmortem_at);
            buf_puts(out, "\n\n");
        }
        wrap_body(out, inc->postmortem, TEXT_WIDTH, "", "");
    }
    if (buf_failed(&line))
        out->oom = true;
    buf_free(&line);
}

/* "  command" and its description under it. One shape for every row,
 * because commands that hold the host name have no predictable width. */
static void help_row(struct buf *out, const char *cmd, const char *what)
{
    /* The command holds the configured host name: clean it like data. */
    buf_puts(out, "  ");
    text_clean(out, cmd);
    buf_printf(out, "\n      %s\n", what);
}

static void help_gopher(struct buf *out, const struct snapshot *s,
                        struct buf *cmd, struct buf *host);
static void help_web(struct buf *out, const struct snapshot *s,
                     struct buf *cmd);

void text_help(struct buf *out, const struct snapshot *s)
{
    struct buf title = BUF_INIT, cmd = BUF_INIT, host = BUF_INIT;
    text_clean(&title, page_name(s));
    buf_puts(&title, " - help");
    heading(out, title.data, '=');
    wrap2(out,
          "This page tells you whether our services work, and what we are "
          "doing about it when they do not. The same information is "
          "served over finger, Gopher and the web, so it can be read from "
          "almost anything that still has a network connection. Times are "
          "in UTC.",
          TEXT_WIDTH, "", "");

    /* Only the protocols that are served (a finger server that is off
     * must not be advertised). */
    if (!s->site.finger_off)
        buf_puts(out, "\nFinger\n");
    /* The example service is a real one of this page. */
    const char *slug = s->n_services > 0 ? s->services[0].slug : "dsl";
    const char *queries[][3] = {
        {"status", "", "the summary"},
        {"42", "", "incident 42 (any number)"},
        {"42", "l", "the same with every detail"},
        {"history", "", "past posts, by month"},
        {"maintenance", "", "maintenance running, planned and done"},
        {slug, "", "one service (its short name, as in the URLs)"},
        {"help", "", "this help"},
    };
    for (size_t i = 0;
         !s->site.finger_off && i < sizeof(queries) / sizeof(queries[0]); i++) {
        buf_reset(&cmd);
        put_finger_cmd(&cmd, s, queries[i][0], queries[i][1][0] == 'l');
        help_row(out, cmd.data, queries[i][2]);
    }

    if (!s->site.gopher_off)
        help_gopher(out, s, &cmd, &host);
    if (!s->site.http_off)
        help_web(out, s, &cmd);
    if (buf_failed(&title) || buf_failed(&cmd) || buf_failed(&host))
        out->oom = true;
    buf_free(&title);
    buf_free(&cmd);
    buf_free(&host);
}

/* The help's Gopher section. */
static void help_gopher(struct buf *out, const struct snapshot *s,
                        struct buf *cmd, struct buf *host)
{
    buf_puts(out, "\nGopher\n");
    text_clean(host, gopher_host(s));
    buf_reset(cmd);
    buf_printf(cmd, "gopher %s %d", host->len > 0 ? host->data : "localhost",
               gopher_port(s));
    help_row(out, cmd->data, "the menu");
    buf_reset(cmd);
    buf_puts(cmd, "lynx ");
    put_gopher_url(cmd, s);
    buf_puts(cmd, "/");
    help_row(out, cmd->data, "the menu in lynx");
    buf_reset(cmd);
    buf_puts(cmd, "curl ");
    put_gopher_url(cmd, s);
    buf_puts(cmd, "/0/status.txt");
    help_row(out, cmd->data, "the summary as text");
    buf_reset(cmd);
    buf_puts(cmd, "curl ");
    put_gopher_url(cmd, s);
    buf_puts(cmd, "/7/search%09fibre");
    help_row(out, cmd->data, "search (type 7), here for \"fibre\"");
}

/* The help's web and JSON sections. */
static void help_web(struct buf *out, const struct snapshot *s, struct buf *cmd)
{
    buf_puts(out, "\nWeb\n");
    const char *web[][3] = {
        {"lynx ", "/", "the page; fine in text browsers"},
        {"curl ", "/status.txt", "the summary as text"},
        {"curl ", "/incidents/42.txt", "incident 42 as text"},
        {"curl ", "/history", "past incidents by month"},
        {"curl ", "/search?q=fibre", "search titles and updates"},
        {"curl ", "/history.atom", "the feed (also /history.rss)"},
    };
    for (size_t i = 0; i < sizeof(web) / sizeof(web[0]); i++) {
        buf_reset(cmd);
        buf_puts(cmd, web[i][0]);
        put_base_url(cmd, s);
        buf_puts(cmd, web[i][1]);
        help_row(out, cmd->data, web[i][2]);
    }

    buf_puts(out, "\nFor scripts (Atlassian Statuspage v2 JSON)\n");
    const char *api[][2] = {
        {"/api/v2/summary.json", "everything"},
        {"/api/v2/status.json", "the overall indicator"},
        {"/api/v2/incidents/unresolved.json", "open incidents"},
    };
    for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
        buf_reset(cmd);
        buf_puts(cmd, "curl ");
        put_base_url(cmd, s);
        buf_puts(cmd, api[i][0]);
        help_row(out, cmd->data, api[i][1]);
    }
}

/* ---- conversions ------------------------------------------------------ */

/* ASCII stand-ins for U+00A0..U+00FF. NULL: no good one ('?'). */
static const char *const latin1[96] = {
    " ",   "!",   "c", "GBP", NULL,  "JPY", "|",   "S",  /* A0 */
    "\"",  "(C)", "a", "<<",  "-",   "",    "(R)", "-",  /* A8 */
    "deg", "+/-", "2", "3",   "'",   "u",   "P",   ".",  /* B0 */
    ",",   "1",   "o", ">>",  "1/4", "1/2", "3/4", "?",  /* B8 */
    "A",   "A",   "A", "A",   "A",   "A",   "AE",  "C",  /* C0 */
    "E",   "E",   "E", "E",   "I",   "I",   "I",   "I",  /* C8 */
    "D",   "N",   "O", "O",   "O",   "O",   "O",   "x",  /* D0 */
    "O",   "U",   "U", "U",   "U",   "Y",   "TH",  "ss", /* D8 */
    "a",   "a",   "a", "a",   "a",   "a",   "ae",  "c",  /* E0 */
    "e",   "e",   "e", "e",   "i",   "i",   "i",   "i",  /* E8 */
    "d",   "n",   "o", "o",   "o",   "o",   "o",   "/",  /* F0 */
    "o",   "u",   "u", "u",   "u",   "y",   "th",  "y",  /* F8 */
};

/* Base letters of U+0100..U+017F (Latin Extended-A); the four ligatures
 * are handled apart. */
static const char latin_ext_a[129] = "AaAaAaCcCcCcCcDd"
                                     "DdEeEeEeEeEeGgGg"
                                     "GgGgHhHhIiIiIiIi"
                                     "IiIiJjKkkLlLlLlL"
                                     "lLlNnNnNnnNnOoOo"
                                     "OoOoRrRrRrSsSsSs"
                                     "SsTtTtTtUuUuUuUu"
                                     "UuUuWwYyYZzZzZzs";

struct translit {
    int32_t cp;
    const char *ascii;
};

/* Punctuation and symbols operators type (or their editors do). */
static const struct translit punct[] = {
    {0x0132, "IJ"},  {0x0133, "ij"}, {0x0152, "OE"},  {0x0153, "oe"},
    {0x02c6, "^"},   {0x02dc, "~"},  {0x2010, "-"},   {0x2011, "-"},
    {0x2012, "-"},   {0x2013, "-"},  {0x2014, "--"},  {0x2015, "--"},
    {0x2016, "||"},  {0x2017, "_"},  {0x2018, "'"},   {0x2019, "'"},
    {0x201a, ","},   {0x201b, "'"},  {0x201c, "\""},  {0x201d, "\""},
    {0x201e, "\""},  {0x201f, "\""}, {0x2020, "+"},   {0x2021, "+"},
    {0x2022, "*"},   {0x2023, ">"},  {0x2024, "."},   {0x2025, ".."},
    {0x2026, "..."}, {0x2027, "-"},  {0x202f, " "},   {0x2030, "o/oo"},
    {0x2032, "'"},   {0x2033, "\""}, {0x2039, "<"},   {0x203a, ">"},
    {0x2044, "/"},   {0x205f, " "},  {0x20ac, "EUR"}, {0x2122, "(TM)"},
    {0x2190, "<-"},  {0x2192, "->"}, {0x2194, "<->"}, {0x21d2, "=>"},
    {0x2212, "-"},   {0x2248, "~"},  {0x2260, "!="},  {0x2264, "<="},
    {0x2265, ">="},  {0x3000, " "},
};

/* The ASCII for one code point (never a control), or NULL for '?'. */
static const char *to_ascii(int32_t cp, char one[2])
{
    if (cp >= 0x20 && cp < 0x7f) {
        one[0] = (char)cp;
        one[1] = '\0';
        return one;
    }
    if (cp >= 0xa0 && cp <= 0xff)
        return latin1[cp - 0xa0];
    if (cp >= 0x2000 && cp <= 0x200a)
        return " ";
    size_t lo = 0, hi = sizeof(punct) / sizeof(punct[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (punct[mid].cp == cp)
            return punct[mid].ascii;
        if (punct[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (cp >= 0x100 && cp <= 0x17f) {
        one[0] = latin_ext_a[cp - 0x100];
        one[1] = '\0';
        return one;
    }
    return NULL;
}

static void text_ascii(struct buf *out, const char *utf8, size_t len);

/* Appends one ASCII line (no line end) broken at TEXT_WIDTH columns:
 * at the last space that fits, else hard, each continuation indented like
 * the line itself. */
static void finger_line(struct buf *out, const char *p, size_t n)
{
    size_t ind = 0;
    while (ind < n && p[ind] == ' ')
        ind++;
    if (ind > TEXT_WIDTH / 2)
        ind = TEXT_WIDTH / 2;
    size_t lead = 0; /* indent written before the text still to come */
    for (;;) {
        size_t room = TEXT_WIDTH - lead;
        if (n <= room) {
            buf_append(out, p, n);
            return;
        }
        size_t cut = room;
        while (cut > 0 && p[cut] != ' ')
            cut--;
        /* A space inside the indent is no place to break. */
        size_t end = cut > (lead == 0 ? ind : 0) ? cut : room;
        size_t keep = end;
        while (keep > 0 && p[keep - 1] == ' ')
            keep--;
        buf_append(out, p, keep);
        buf_puts(out, "\r\n");
        p += end;
        n -= end;
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        if (n == 0)
            return;
        for (size_t k = 0; k < ind; k++)
            buf_putc(out, ' ');
        lead = ind;
    }
}

void text_to_finger(struct buf *out, const char *utf8, size_t len)
{
    struct buf ascii = BUF_INIT;
    text_ascii(&ascii, utf8, len);
    /* Transliteration can lengthen a wrapped line ("EUR" for one euro
     * sign), so the 72-column promise is kept here, on the ASCII. */
    buf_reserve(out, ascii.len + ascii.len / 32);
    buf_append(out, "", 0); /* NUL-terminated even if nothing follows */
    size_t start = 0;
    for (size_t i = 0; ascii.data != NULL && i <= ascii.len; i++) {
        if (i < ascii.len && ascii.data[i] != '\r')
            continue;
        finger_line(out, ascii.data + start, i - start);
        if (i < ascii.len)
            buf_puts(out, "\r\n");
        start = i + 2; /* text_ascii writes CR only as part of CRLF */
        i++;
    }
    if (buf_failed(&ascii))
        out->oom = true;
    buf_free(&ascii);
}

/* UTF-8 to ASCII with CRLF, line lengths as they come. */
static void text_ascii(struct buf *out, const char *utf8, size_t len)
{
    const unsigned char *p = (const unsigned char *)utf8;
    size_t i = 0;
    buf_reserve(out, len + len / 16);
    buf_append(out, "", 0); /* NUL-terminated even if nothing follows */
    while (i < len) {
        /* Printable ASCII, most of any text, goes as it is, a run at a
         * time. */
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x7f)
            run++;
        if (run > i) {
            buf_append(out, (const char *)p + i, run - i);
            i = run;
            continue;
        }
        int32_t cp;
        size_t used = utf8_next(p + i, len - i, &cp);
        i += used;
        if (cp < 0) {
            buf_putc(out, '?');
            continue;
        }
        char one[2];
        const char *a;
        switch (bare_cr(p, len, i - used) ? CP_NEWLINE : classify(cp)) {
        case CP_NEWLINE:
            buf_puts(out, "\r\n");
            break;
        case CP_SPACE:
            buf_putc(out, ' ');
            break;
        case CP_DROP:
            break;
        case CP_KEEP:
            a = to_ascii(cp, one);
            buf_puts(out, a != NULL ? a : "?");
            break;
        }
    }
}

void text_to_crlf(struct buf *out, const char *text, size_t len)
{
    buf_reserve(out, len + len / 32);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n')
            continue;
        buf_append(out, text + start, i - start);
        /* A line that already ends in CR keeps one CR. */
        if (i == 0 || text[i - 1] != '\r')
            buf_putc(out, '\r');
        buf_putc(out, '\n');
        start = i + 1;
    }
    buf_append(out, text + start, len - start);
}

/* ---- lists: a service, the history, maintenance ----------------------- */

static const char *const text_months[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* "#42 Title" and, indented, "Incident - Resolved - 2026-11-18 10:45 UTC". */
static void post_line(struct buf *out, const struct snapshot *s,
                      const struct incident *inc)
{
    post_title(out, inc, "    ");
    buf_printf(out, "    %s - %s - ", model_kind_label(inc->kind),
               model_status_label(inc->status));
    if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0)
        text_window(out, s, inc->scheduled_start, inc->scheduled_end);
    else
        text_time(out, s, query_post_time(inc));
    buf_putc(out, '\n');
}

/* A list of posts: one entry each, or with long_form each post in full. */
static void post_list(struct buf *out, const struct snapshot *s,
                      const struct incident **v, int n, bool long_form,
                      const char *none)
{
    if (n <= 0) {
        buf_printf(out, "%s\n", none);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (long_form) {
            buf_putc(out, '\n');
            text_incident(out, s, v[i], true);
        } else {
            post_line(out, s, v[i]);
        }
    }
}

size_t text_service_posts(bool long_form)
{
    return long_form ? QUERY_SERVICE_LONG : QUERY_SERVICE_SHORT;
}

void text_uptime(struct buf *out, const struct snapshot *s, size_t svc,
                 bool long_form)
{
    const struct uptime *u = uptime_of(s, svc);
    if (u == NULL)
        return;
    char pct[8], date[11];
    uptime_format(u->counted, u->down, pct);
    char title[64];
    snprintf(title, sizeof(title), "Uptime, last %d days: %s", UPTIME_DAYS,
             pct);
    heading(out, title, '-');
    for (size_t r = 0; r < UPTIME_DAYS; r += UPTIME_ROW) {
        int64_t counted = 0, down = 0;
        uptime_date(&u->day[r], date);
        buf_printf(out, "%s ", date);
        for (size_t i = r; i < r + UPTIME_ROW && i < UPTIME_DAYS; i++) {
            counted += u->day[i].counted;
            down += u->day[i].down;
        }
        /* A row from before the service existed says so, not a blank. */
        for (size_t i = r; counted > 0 && i < r + UPTIME_ROW; i++)
            buf_putc(out, uptime_mark(&u->day[i]));
        if (counted > 0) {
            uptime_format(counted, down, pct);
            buf_printf(out, " %7s\n", pct);
        } else {
            buf_puts(out, "(no data)\n");
        }
    }
    buf_puts(out, UPTIME_LEGEND "\n");
    if (!long_form)
        return;
    bool any = false;
    for (size_t i = UPTIME_DAYS; i-- > 0;) {
        const struct uptime_day *d = &u->day[i];
        if (d->down == 0)
            continue;
        if (!any)
            buf_puts(out, "Days with down time, newest first:\n");
        any = true;
        uptime_date(d, date);
        uptime_format(d->counted, d->down, pct);
        buf_printf(out, "  %s %7s  %s\n", date, pct, uptime_mark_word(d));
    }
}

void text_service(struct buf *out, const struct snapshot *s,
                  const struct service *svc, bool long_form)
{
    heading(out, svc->name, '=');
    buf_printf(out, "Status: %s", model_service_status_label(svc->status));
    if (svc->status_reason != NULL) {
        buf_puts(out, " (");
        text_clean(out, svc->status_reason);
        buf_putc(out, ')');
    }
    buf_putc(out, '\n');
    if (svc->group != NULL) {
        buf_puts(out, "Group: ");
        text_clean(out, svc->group);
        buf_putc(out, '\n');
    }
    if (svc->description != NULL)
        wrap2(out, svc->description, TEXT_WIDTH, "About: ", "       ");
    buf_puts(out, "Server time: ");
    text_time(out, s, s->generated_at);
    buf_puts(out, "\n\n");
    size_t at = out->len;
    text_uptime(out, s, (size_t)(svc - s->services), long_form);
    if (out->len > at)
        buf_putc(out, '\n');
    heading(out, "Recent posts", '-');
    const struct incident **v = NULL;
    int n = query_service_posts(s, (size_t)(svc - s->services),
                                text_service_posts(long_form), &v);
    post_list(out, s, v, n, long_form,
              "Nothing has been posted about this service.");
    free(v);
}

/* "Page name: what", underlined, and the server time. */
static void list_head(struct buf *out, const struct snapshot *s,
                      const char *what)
{
    char title[96];
    snprintf(title, sizeof(title), "%s: %s", page_name(s), what);
    heading(out, title, '=');
    buf_puts(out, "Server time: ");
    text_time(out, s, s->generated_at);
    buf_putc(out, '\n');
}

void text_history(struct buf *out, const struct snapshot *s, bool long_form)
{
    (void)text_history_upto(out, s, long_form, 0);
}

bool text_history_upto(struct buf *out, const struct snapshot *s,
                       bool long_form, size_t max_bytes)
{
    size_t start = out->len;
    list_head(out, s, "history");
    if (s->n_months == 0)
        buf_puts(out, "\nNothing has been posted yet.\n");
    /* The short form stops after a year; the long form has every month,
     * with every post in full. */
    size_t nm = s->n_months;
    size_t shown = long_form || nm < 12 ? nm : 12;
    for (size_t i = 0; i < shown; i++) {
        const struct query_month *m = &s->months[i];
        char h[48];
        snprintf(h, sizeof(h), "%s %d", text_months[m->month - 1], m->year);
        buf_putc(out, '\n');
        heading(out, h, '-');
        /* Page by page, so that the budget is looked at often. */
        const struct incident *v[QUERY_MONTH_PAGE];
        for (int p = 1; p <= query_month_pages(s, i); p++) {
            if (max_bytes > 0 && out->len - start > max_bytes)
                return true;
            size_t n = query_month_page(s, i, p, v);
            post_list(out, s, v, (int)n, long_form, "Nothing was posted.");
        }
    }
    if (shown < nm)
        buf_printf(out, "\n(%zu older months: ask for the long form.)\n",
                   nm - shown);
    return false;
}

void text_maintenance(struct buf *out, const struct snapshot *s, bool long_form)
{
    list_head(out, s, "maintenance");
    /* The overdue section is there only when it lists something. */
    static const char *const sections[] = {
        "In progress", "Upcoming", "Overdue (window begun, not started)",
        "Completed in the last 30 days"};
    static const snapshot_filter picks[] = {
        snapshot_is_active_maintenance, snapshot_is_upcoming_maintenance,
        snapshot_is_overdue_maintenance, snapshot_is_recent_maintenance};
    for (int sec = 0; sec < 4; sec++) {
        const struct incident **v = malloc((s->n_live + 1) * sizeof(*v));
        int n = 0;
        for (size_t j = 0; v != NULL && j < s->n_live; j++) {
            const struct incident *inc = &s->incidents[s->live[j]];
            if (picks[sec](s, inc))
                v[n++] = inc;
        }
        if (v == NULL)
            out->oom = true;
        if (sec == 2 && n == 0) {
            free(v);
            continue;
        }
        buf_putc(out, '\n');
        heading(out, sections[sec], '-');
        post_list(out, s, v, n, long_form && sec < 3, "None.");
        free(v);
    }
}
