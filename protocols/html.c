#include "html.h"

#include "../store/query.h"
#include "../store/search.h"
#include "../store/uptime.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "../store/common/timeutil.h"
#include "../store/common/utf8.h"
#include "text.h"

/* ---- escaping --------------------------------------------------------- */

/* Code points HTML5 calls parse errors in the input stream (C1 controls,
 * noncharacters); we leave them out rather than hand a validator or an
 * old browser something to trip over. */
static bool unwanted_code_point(const unsigned char *p, size_t n)
{
    uint32_t cp;
    if (n == 2)
        cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
    else if (n == 3)
        cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
             (p[2] & 0x3f);
    else
        cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
             ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
    if (cp >= 0x80 && cp <= 0x9f)
        return true;
    if (cp >= 0xfdd0 && cp <= 0xfdef)
        return true;
    return (cp & 0xfffe) == 0xfffe;
}

void html_escape_text(struct buf *out, const char *s, size_t len,
                      bool keep_lines)
{
    if (s == NULL)
        return;
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len) {
            unsigned char c = (unsigned char)s[run];
            if (c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' ||
                c == '"' || c == '\'')
                break;
            run++;
        }
        buf_append(out, s + i, run - i);
        i = run;
        if (i == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = utf8_decode(s + i, len - i, NULL);
            if (n == 0) {
                buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD */
                i++;
                continue;
            }
            if (!unwanted_code_point((const unsigned char *)s + i, n))
                buf_append(out, s + i, n);
            i += n;
            continue;
        }
        switch (c) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        case '\t':
        case '\n':
            buf_putc(out, keep_lines ? (char)c : ' ');
            break;
        case '\r':
            /* Every parser folds CR LF into LF (HTML5 §13.2.3.5, XML 1.0
             * §2.11); stored text has no CR of its own. */
            if (!keep_lines)
                buf_putc(out, ' ');
            break;
        default:
            break; /* other controls and DEL: dropped (ESC sequences) */
        }
        i++;
    }
}

void html_escape_n(struct buf *out, const char *s, size_t len)
{
    html_escape_text(out, s, len, false);
}

void html_escape(struct buf *out, const char *s)
{
    if (s != NULL)
        html_escape_n(out, s, strlen(s));
}

/* ---- bodies: paragraphs and links ------------------------------------- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* Bytes that may be part of a linked URL: printable ASCII except the ones
 * RFC 3986 never allows unescaped and that end a URL in running text. */
static bool url_byte(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return strchr("<>\"'`{}|\\^", c) == NULL;
}

static size_t scheme_len(const char *s, size_t len)
{
    if (len >= 8 && strncasecmp(s, "https://", 8) == 0)
        return 8;
    if (len >= 7 && strncasecmp(s, "http://", 7) == 0)
        return 7;
    return 0;
}

/* Length of the URL starting at s, or 0 if none. Trailing punctuation
 * belongs to the sentence, not the URL ("see https://x.example/."), and a
 * closing parenthesis only to a URL that opened one. */
static size_t url_len(const char *s, size_t len)
{
    size_t start = scheme_len(s, len);
    if (start == 0)
        return 0;
    size_t j = start;
    int parens = 0;
    while (j < len && url_byte((unsigned char)s[j])) {
        if (s[j] == '(')
            parens++;
        else if (s[j] == ')')
            parens--;
        j++;
    }
    while (j > start) {
        char c = s[j - 1];
        if (c == ')' && parens < 0) {
            parens++;
            j--;
        } else if (strchr(".,;:!?", c) != NULL) {
            j--;
        } else {
            break;
        }
    }
    /* "http://" alone, or "http://." is no link. */
    if (j == start || !is_alnum((unsigned char)s[start]))
        return 0;
    return j;
}

/* One line of a body: escaped text with its URLs linked. */
static void body_line(struct buf *out, const char *s, size_t len)
{
    size_t done = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if ((c == 'h' || c == 'H') &&
            (i == 0 || !is_alnum((unsigned char)s[i - 1]))) {
            size_t n = url_len(s + i, len - i);
            if (n > 0) {
                html_escape_n(out, s + done, i - done);
                buf_puts(out, "<a href=\"");
                html_escape_n(out, s + i, n);
                buf_puts(out, "\">");
                html_escape_n(out, s + i, n);
                buf_puts(out, "</a>");
                i += n;
                done = i;
                continue;
            }
        }
        i++;
    }
    html_escape_n(out, s + done, len - done);
}

static bool blank_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (strchr(" \t\r\f\v", s[i]) == NULL)
            return false;
    return true;
}

void html_body(struct buf *out, const char *text)
{
    if (text == NULL)
        return;
    /* Prose lines make paragraphs; a line that looks preformatted (pasted
     * command output, a table: the text views' rule,
     * text_line_preformatted()) goes in a <pre> with its neighbours. */
    bool in_para = false, in_pre = false;
    struct buf x = BUF_INIT;
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        /* "\r\n" line ends: the CR is not part of the line. */
        size_t shown = len;
        if (shown > 0 && p[shown - 1] == '\r')
            shown--;
        bool blank = blank_line(p, shown);
        bool pre = !blank && text_line_preformatted(p, shown);
        if ((blank || pre) && in_para) {
            buf_puts(out, "</p>\n");
            in_para = false;
        }
        if ((blank || !pre) && in_pre) {
            buf_puts(out, "</pre>\n");
            in_pre = false;
        }
        if (pre) {
            buf_puts(out, in_pre ? "\n" : "<pre>");
            in_pre = true;
            buf_reset(&x);
            text_expand_tabs(&x, p, shown);
            size_t n = x.len;
            while (n > 0 && x.data[n - 1] == ' ')
                n--;
            body_line(out, x.data, n);
        } else if (!blank) {
            buf_puts(out, in_para ? "<br>\n" : "<p>");
            in_para = true;
            body_line(out, p, shown);
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    if (buf_failed(&x))
        out->oom = true;
    buf_free(&x);
    if (in_para)
        buf_puts(out, "</p>\n");
    if (in_pre)
        buf_puts(out, "</pre>\n");
}

/* ---- page frame ------------------------------------------------------- */

static const char style[] =
    "body{font-family:system-ui,sans-serif;line-height:1.45;"
    "max-width:46em;margin:0 auto;padding:0 1em;color:#1f2328;"
    "background:#fff}"
    "a{color:#0550ae}"
    "h1{font-size:1.6em;margin:.6em 0 .2em}"
    "h2{font-size:1.25em;border-bottom:1px solid #d0d7de;margin-top:1.6em}"
    "h3{font-size:1.05em;margin:1em 0 .2em}"
    "ul.services{padding-left:1.2em}"
    ".meta,.now,.author,footer{color:#59636e}"
    "article{margin-bottom:1.2em}"
    "time{white-space:nowrap}"
    ".overall{font-size:1.15em;padding:.4em .6em;border-left:.4em solid}"
    ".ind-none{border-color:#1a7f37}.ind-minor{border-color:#9a6700}"
    ".ind-major{border-color:#bc4c00}.ind-critical{border-color:#cf222e}"
    ".st-operational{color:#1a7f37}.st-under_maintenance{color:#0550ae}"
    ".st-degraded_performance{color:#9a6700}"
    ".st-partial_outage{color:#bc4c00}.st-major_outage{color:#cf222e}"
    "dt{font-weight:bold;float:left;clear:left;width:7em}"
    "dd{margin-left:8em}"
    "pre{white-space:pre-wrap}"
    "footer{border-top:1px solid #d0d7de;margin-top:2em;font-size:.9em}";

static const char *site_name(const struct snapshot *s)
{
    return s->site.name && s->site.name[0] ? s->site.name : "Status";
}

/* <time datetime="ISO">2026-11-18 10:45 UTC</time>: the words of
 * text_time(), so every protocol shows the same time the same way. */
static void put_time(struct buf *out, const struct snapshot *s, int64_t t)
{
    char iso[TIME_BUFSZ];
    struct buf human = BUF_INIT;
    time_iso8601(t, iso);
    text_time(&human, s, t);
    buf_printf(out, "<time datetime=\"%s\">", iso);
    html_escape(out, human.data != NULL ? human.data : "");
    buf_puts(out, "</time>");
    buf_free(&human);
}

/* A window in the words of text_window(), with a machine-readable <time>
 * for each end: "<time>2026-11-20 00:30</time> to <time>02:30 UTC</time>". */
static void put_window(struct buf *out, const struct snapshot *s, int64_t from,
                       int64_t to)
{
    char iso[TIME_BUFSZ];
    struct buf human = BUF_INIT;
    if (from == 0 && to == 0) {
        buf_puts(out, "not set");
        return;
    }
    if (from == 0 || to == 0) {
        buf_puts(out, from ? "from " : "until ");
        put_time(out, s, from ? from : to);
        return;
    }
    text_window(&human, s, from, to);
    const char *words = human.data != NULL ? human.data : "";
    const char *sep = strstr(words, " to ");
    time_iso8601(from, iso);
    buf_printf(out, "<time datetime=\"%s\">", iso);
    if (sep == NULL) {
        html_escape(out, words);
        buf_puts(out, "</time>");
    } else {
        html_escape_n(out, words, (size_t)(sep - words));
        time_iso8601(to, iso);
        buf_printf(out, "</time> to <time datetime=\"%s\">", iso);
        html_escape(out, sep + 4);
        buf_puts(out, "</time>");
    }
    buf_free(&human);
}

/* A link to the page or file at path ("/", "/history", "/incidents/42.txt")
 * from a page `depth` directories below the root ("/" is 0, "/history" 1,
 * "/incidents/42" 2). The server links by absolute path. A mirror
 * (site.mirror) keeps each page as DIR/index.html and each file under its
 * own name, so it links relatively: up depth directories, then the path,
 * with a page's directory ending in a slash. A browser resolves that
 * against the page's own address (RFC 3986, section 5.2), so the copy
 * works under whatever prefix a server puts it. A path whose last segment
 * has a dot is a file, any other a page: the mirror names them the same
 * way (protocols/mirror.c). */
static void put_href(struct buf *out, const struct snapshot *s, int depth,
                     const char *path)
{
    if (!s->site.mirror) {
        html_escape(out, path);
        return;
    }
    for (int i = 0; i < depth; i++)
        buf_puts(out, "../");
    if (path[0] == '/' && path[1] == '\0') {
        if (depth == 0)
            buf_puts(out, "./");
        return;
    }
    html_escape(out, path[0] == '/' ? path + 1 : path);
    if (strchr(strrchr(path, '/'), '.') == NULL)
        buf_putc(out, '/');
}

/* The same for a path made by a printf format. */
static void put_hreff(struct buf *out, const struct snapshot *s, int depth,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put_hreff(struct buf *out, const struct snapshot *s, int depth,
                      const char *fmt, ...)
{
    char path[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        out->oom = true; /* no path of ours is that long */
        return;
    }
    put_href(out, s, depth, path);
}

/* An <a href="PATH">, as put_href writes PATH. */
static void put_a(struct buf *out, const struct snapshot *s, int depth,
                  const char *path)
{
    buf_puts(out, "<a href=\"");
    put_href(out, s, depth, path);
    buf_puts(out, "\">");
}

/* Opens the document; title is plain text (escaped here), h1 is written
 * by the caller so each page decides what it is about. depth is the
 * page's, for its links (put_href); a service's page (svc not NULL) also
 * links that service's own feeds. */
static void page_begin_of(struct buf *out, const struct snapshot *s, int depth,
                          const char *title, const struct service *svc)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" "
                  "content=\"width=device-width, initial-scale=1\">\n"
                  "<title>");
    if (title != NULL) {
        html_escape(out, title);
        buf_puts(out, " - ");
    }
    html_escape(out, site_name(s));
    buf_puts(out, "</title>\n");
    buf_puts(out, "<link rel=\"alternate\" type=\"application/atom+xml\" "
                  "title=\"History (Atom)\" href=\"");
    put_href(out, s, depth, "/history.atom");
    buf_puts(out, "\">\n<link rel=\"alternate\" type=\"application/rss+xml\" "
                  "title=\"History (RSS)\" href=\"");
    put_href(out, s, depth, "/history.rss");
    buf_puts(out, "\">\n");
    for (int k = 0; svc != NULL && k < 2; k++) {
        buf_printf(out,
                   "<link rel=\"alternate\" type=\"application/%s+xml\" "
                   "title=\"",
                   k == 0 ? "atom" : "rss");
        html_escape(out, svc->name);
        buf_printf(out, " (%s)\" href=\"", k == 0 ? "Atom" : "RSS");
        put_hreff(out, s, depth, "/services/%s.%s", svc->slug,
                  k == 0 ? "atom" : "rss");
        buf_puts(out, "\">\n");
    }
    buf_printf(out, "<style>%s</style>\n</head>\n<body>\n<header>\n", style);
    /* The same few links on every page, feeds included, so that a text
     * browser reaches everything from anywhere; a mirror has no search. */
    buf_puts(out, "<nav>");
    put_a(out, s, depth, "/");
    buf_puts(out, "Status</a> | ");
    put_a(out, s, depth, "/history");
    buf_puts(out, "History</a> | ");
    if (!s->site.mirror) {
        put_a(out, s, depth, "/search");
        buf_puts(out, "Search</a> | ");
    }
    put_a(out, s, depth, "/help");
    buf_puts(out, "Help</a> | Feeds: ");
    put_a(out, s, depth, "/history.atom");
    buf_puts(out, "Atom</a>, ");
    put_a(out, s, depth, "/history.rss");
    buf_puts(out, "RSS</a></nav>\n");
}

static void page_begin(struct buf *out, const struct snapshot *s, int depth,
                       const char *title)
{
    page_begin_of(out, s, depth, title, NULL);
}

/* To the minute, in the words and in the datetime: a page rendered at any
 * second of a minute has the same bytes, so that a cached page (whose
 * stamp holds the minute shown) is exactly what rendering it again would
 * give. */
static void put_server_time(struct buf *out, const struct snapshot *s)
{
    buf_puts(out, "<p class=\"now\">Server time: ");
    int64_t t = s->generated_at;
    put_time(out, s, t - ((t % 60) + 60) % 60);
    buf_puts(out, "</p>\n");
}

static void page_end(struct buf *out, const struct snapshot *s, int depth)
{
    const char *host =
        s->site.hostname && s->site.hostname[0] ? s->site.hostname : NULL;
    buf_puts(out, "<footer>\n<p>This page in other forms: ");
    put_a(out, s, depth, "/status.txt");
    buf_puts(out, "plain text</a>, ");
    put_a(out, s, depth, "/api/v2/summary.json");
    buf_puts(out, "JSON (Statuspage v2)</a>, ");
    put_a(out, s, depth, "/history.atom");
    buf_puts(out, "Atom feed</a>, ");
    put_a(out, s, depth, "/history.rss");
    buf_puts(out, "RSS feed</a>, ");
    put_a(out, s, depth, "/help");
    buf_puts(out, "help</a>.");
    /* Only protocols that are served, at their public host and port. */
    const char *fhost = s->site.finger_host ? s->site.finger_host : host;
    const char *ghost = s->site.gopher_host ? s->site.gopher_host : host;
    bool finger = fhost != NULL && !s->site.finger_off;
    bool gopher = ghost != NULL && !s->site.gopher_off;
    if (finger || gopher)
        buf_puts(out, " Without a browser: ");
    if (finger) {
        buf_puts(out, "<code>finger status@");
        html_escape(out, fhost);
        if (s->site.finger_port > 0 && s->site.finger_port != 79)
            buf_printf(out, "</code> (port %d)", s->site.finger_port);
        else
            buf_puts(out, "</code>");
    }
    if (finger && gopher)
        buf_puts(out, " or ");
    if (gopher) {
        buf_puts(out, "<a href=\"gopher://");
        html_escape(out, ghost);
        if (s->site.gopher_port > 0 && s->site.gopher_port != 70)
            buf_printf(out, ":%d", s->site.gopher_port);
        buf_puts(out, "/\">Gopher</a>");
    }
    if (finger || gopher)
        buf_putc(out, '.');
    buf_puts(out, "</p>\n</footer>\n</body>\n</html>\n");
}

/* ---- pieces ----------------------------------------------------------- */

static const char *impact_label(enum impact i)
{
    switch (i) {
    case IMPACT_NONE:
        return "none";
    case IMPACT_MINOR:
        return "minor";
    case IMPACT_MAJOR:
        return "major";
    case IMPACT_CRITICAL:
        return "critical";
    case IMPACT_MAINTENANCE:
        return "maintenance";
    default:
        return "unknown";
    }
}

static const char *impact_title(enum impact i)
{
    switch (i) {
    case IMPACT_NONE:
        return "None";
    case IMPACT_MINOR:
        return "Minor";
    case IMPACT_MAJOR:
        return "Major";
    case IMPACT_CRITICAL:
        return "Critical";
    case IMPACT_MAINTENANCE:
        return "Maintenance";
    default:
        return "Unknown";
    }
}

static void put_status_word(struct buf *out, enum service_status st)
{
    buf_printf(out, "<span class=\"st-%s\">%s</span>",
               model_service_status_name(st), model_service_status_label(st));
}

/* A service's name linked to its page. Slugs are [a-z0-9-] by the
 * store's rule; escaping costs nothing and keeps a bad row harmless. */
static void put_service_link(struct buf *out, const struct snapshot *s,
                             int depth, const struct service *svc)
{
    buf_puts(out, "<a href=\"");
    put_hreff(out, s, depth, "/services/%s", svc->slug);
    buf_puts(out, "\">");
    html_escape(out, svc->name);
    buf_puts(out, "</a>");
}

static void put_service_item(struct buf *out, const struct snapshot *s,
                             const struct service *svc)
{
    buf_puts(out, "<li>");
    put_service_link(out, s, 0, svc);
    buf_puts(out, ": ");
    put_status_word(out, svc->status);
    buf_puts(out, "</li>\n");
}

static void put_services(struct buf *out, const struct snapshot *s)
{
    buf_puts(out, "<section id=\"services\">\n<h2>Services</h2>\n");
    if (s->n_services == 0) {
        buf_puts(out, "<p>No services are listed yet.</p>\n</section>\n");
        return;
    }
    buf_puts(out, "<ul class=\"services\">\n");
    /* Page order (snapshot.items): a group stands where its first member
     * stands, with its members nested under it; ungrouped services stand
     * alone. */
    for (size_t k = 0; k < s->n_items; k++) {
        const struct snapshot_item *it = &s->items[k];
        if (it->group == MODEL_NO_GROUP) {
            put_service_item(out, s, &s->services[it->service]);
            continue;
        }
        const struct service_group *grp = &s->groups[it->group];
        buf_puts(out, "<li><strong>");
        html_escape(out, grp->name);
        buf_puts(out, "</strong>: ");
        put_status_word(out, grp->status);
        buf_puts(out, "\n<ul>\n");
        for (size_t m = 0; m < grp->n_members; m++)
            put_service_item(out, s, &s->services[grp->members[m]]);
        buf_puts(out, "</ul></li>\n");
    }
    buf_puts(out, "</ul>\n</section>\n");
}

/* "A, B (window)" for a post, or "no listed services"; link makes each
 * name a link to its service page (on the post's own page; the summary
 * already links every service in its list). */
static void put_affects(struct buf *out, const struct snapshot *s,
                        const struct incident *inc, bool link)
{
    bool first = true;
    for (size_t k = 0; k < inc->n_services; k++) {
        const struct incident_service *is = &inc->services[k];
        if (is->service >= s->n_services)
            continue;
        buf_puts(out, first ? "" : ", ");
        first = false;
        if (link)
            put_service_link(out, s, 2, &s->services[is->service]);
        else
            html_escape(out, s->services[is->service].name);
        if (is->window_start != 0 || is->window_end != 0) {
            buf_puts(out, " (");
            put_window(out, s, is->window_start, is->window_end);
            buf_puts(out, ")");
        }
    }
    if (first)
        buf_puts(out, "no listed services");
}

static void put_post_link(struct buf *out, const struct snapshot *s, int depth,
                          const struct incident *inc)
{
    buf_puts(out, "<a href=\"");
    put_hreff(out, s, depth, "/incidents/%" PRId64, inc->id);
    buf_puts(out, "\">");
    html_escape(out, inc->title);
    buf_puts(out, "</a>");
}

/* One post on the summary: title linked to its page, its facts, and the
 * latest update. */
static void put_post_summary(struct buf *out, const struct snapshot *s,
                             const struct incident *inc)
{
    buf_printf(out, "<article class=\"post impact-%s\">\n<h3>",
               impact_label(inc->impact));
    put_post_link(out, s, 0, inc);
    buf_puts(out, "</h3>\n<p class=\"meta\">");
    /* The same facts in the same order as text_summary(). */
    if (inc->kind == KIND_NOTICE) {
        /* A notice's status is always "Posted": say when instead. */
        buf_puts(out, "Posted ");
        put_time(out, s, inc->started_at ? inc->started_at : inc->created_at);
    } else if (inc->kind == KIND_MAINTENANCE) {
        buf_puts(out, model_status_label(inc->status));
        buf_puts(out, ", window ");
        put_window(out, s, inc->scheduled_start, inc->scheduled_end);
    } else {
        buf_puts(out, model_status_label(inc->status));
        buf_printf(out, ", %s", text_impact_words(inc->impact));
        buf_puts(out, ", since ");
        put_time(out, s, inc->started_at ? inc->started_at : inc->created_at);
    }
    if (inc->kind != KIND_NOTICE && inc->n_services > 0) {
        buf_puts(out, ". Affects: ");
        put_affects(out, s, inc, false);
    }
    buf_puts(out, ".</p>\n");
    if (inc->n_updates > 0) {
        const struct update *u = &inc->updates[0];
        /* A notice is its text; posts that evolve say which update. */
        if (inc->kind != KIND_NOTICE) {
            buf_puts(out, "<p class=\"meta\">Latest update, ");
            put_time(out, s, u->created_at);
            buf_printf(out, " (%s):</p>\n", model_status_label(u->status));
        }
        html_body(out, u->body);
    }
    if (inc->n_updates > 1) {
        buf_puts(out, "<p><a href=\"");
        put_hreff(out, s, 0, "/incidents/%" PRId64, inc->id);
        buf_printf(out, "\">Full timeline (%zu updates)</a></p>\n",
                   inc->n_updates);
    }
    buf_puts(out, "</article>\n");
}

static size_t count_posts(const struct snapshot *s, snapshot_filter f)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_live; j++)
        n += f(s, &s->incidents[s->live[j]]);
    return n;
}

/* A section of posts; an empty section is left out unless `none` says
 * what to write instead. */
static void put_posts(struct buf *out, const struct snapshot *s, const char *id,
                      const char *heading, snapshot_filter f, const char *none)
{
    size_t n = count_posts(s, f);
    if (n == 0 && none == NULL)
        return;
    buf_printf(out, "<section id=\"%s\">\n<h2>%s</h2>\n", id, heading);
    if (n == 0)
        buf_printf(out, "<p>%s</p>\n", none);
    for (size_t j = 0; j < s->n_live; j++)
        if (f(s, &s->incidents[s->live[j]]))
            put_post_summary(out, s, &s->incidents[s->live[j]]);
    buf_puts(out, "</section>\n");
}

/* ---- pages ------------------------------------------------------------ */

void html_summary(struct buf *out, const struct snapshot *s)
{
    page_begin(out, s, 0, NULL);
    buf_puts(out, "<h1>");
    html_escape(out, site_name(s));
    buf_printf(out, "</h1>\n<p class=\"overall ind-%s\"><strong>",
               model_indicator_name(s->indicator));
    html_escape(out, s->indicator_description);
    buf_puts(out, "</strong></p>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n");

    put_services(out, s);
    put_posts(out, s, "incidents", "Open incidents", snapshot_is_open_incident,
              "No open incidents.");
    put_posts(out, s, "maintenance", "Maintenance in progress",
              snapshot_is_active_maintenance, NULL);
    put_posts(out, s, "upcoming", "Upcoming maintenance",
              snapshot_is_upcoming_maintenance, NULL);
    put_posts(out, s, "overdue",
              "Overdue maintenance (window begun, not started)",
              snapshot_is_overdue_maintenance, NULL);
    put_posts(out, s, "notices", "Notices", snapshot_is_current_notice, NULL);

    buf_puts(out, "</main>\n");
    page_end(out, s, 0);
}

static void put_fact_time(struct buf *out, const struct snapshot *s,
                          const char *label, int64_t t)
{
    if (t == 0)
        return;
    buf_printf(out, "<dt>%s</dt><dd>", label);
    put_time(out, s, t);
    buf_puts(out, "</dd>\n");
}

void html_incident(struct buf *out, const struct snapshot *s,
                   const struct incident *inc)
{
    page_begin(out, s, 2, inc->title);
    buf_puts(out, "<p>");
    put_a(out, s, 2, "/");
    html_escape(out, site_name(s));
    buf_puts(out, "</a></p>\n<h1>");
    html_escape(out, inc->title);
    buf_puts(out, "</h1>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n<dl>\n");

    buf_printf(out, "<dt>Post</dt><dd>%s #%" PRId64 "</dd>\n",
               model_kind_label(inc->kind), inc->id);
    buf_printf(out, "<dt>Status</dt><dd>%s</dd>\n",
               model_status_label(inc->status));
    if (inc->kind == KIND_INCIDENT)
        buf_printf(out, "<dt>Impact</dt><dd>%s</dd>\n",
                   impact_title(inc->impact));
    if (inc->kind != KIND_NOTICE && inc->n_services > 0) {
        buf_puts(out, "<dt>Affects</dt><dd>");
        put_affects(out, s, inc, true);
        buf_puts(out, "</dd>\n");
    }
    if (inc->kind == KIND_MAINTENANCE) {
        buf_puts(out, "<dt>Window</dt><dd>");
        put_window(out, s, inc->scheduled_start, inc->scheduled_end);
        buf_puts(out, "</dd>\n");
    }
    /* A maintenance's post is made when it is announced, not when the work
     * starts (its window says that): the same word as text_post(). */
    put_fact_time(out, s,
                  inc->kind == KIND_NOTICE        ? "Posted"
                  : inc->kind == KIND_MAINTENANCE ? "Announced"
                                                  : "Started",
                  inc->started_at ? inc->started_at : inc->created_at);
    put_fact_time(out, s,
                  inc->kind == KIND_MAINTENANCE ? "Completed" : "Resolved",
                  inc->resolved_at);
    put_fact_time(out, s, "Updated", inc->updated_at);
    buf_puts(out, "</dl>\n");

    buf_puts(out, "<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    if (inc->n_updates == 0)
        buf_puts(out, "<p>No updates yet.</p>\n");
    for (size_t k = 0; k < inc->n_updates; k++) {
        const struct update *u = &inc->updates[k];
        buf_printf(out, "<article id=\"update-%" PRId64 "\">\n<h3>", u->id);
        put_time(out, s, u->created_at);
        buf_printf(out, ": %s", model_status_label(u->status));
        if (u->n_revisions > 0) {
            /* The old text is on record (update_revisions); say so. */
            buf_puts(out, " <small>(edited ");
            put_time(out, s, u->edited_at);
            buf_puts(out, ")</small>");
        }
        buf_puts(out, "</h3>\n");
        html_body(out, u->body);
        if (u->author != NULL && u->author[0] != '\0') {
            buf_puts(out, "<p class=\"author\">&mdash; ");
            html_escape(out, u->author);
            buf_puts(out, "</p>\n");
        }
        buf_puts(out, "</article>\n");
    }
    buf_puts(out, "</section>\n");

    if (inc->postmortem != NULL && inc->postmortem[0] != '\0') {
        buf_puts(out, "<section id=\"postmortem\">\n<h2>Postmortem</h2>\n");
        if (inc->postmortem_at != 0) {
            buf_puts(out, "<p class=\"meta\">Published ");
            put_time(out, s, inc->postmortem_at);
            buf_puts(out, ".</p>\n");
        }
        html_body(out, inc->postmortem);
        buf_puts(out, "</section>\n");
    }

    buf_puts(out, "<p><a href=\"");
    put_hreff(out, s, 2, "/incidents/%" PRId64 ".txt", inc->id);
    buf_puts(out, "\">This post as plain text</a>. ");
    put_a(out, s, 2, "/");
    buf_puts(out, "Back to the status page</a>.</p>\n</main>\n");
    page_end(out, s, 2);
}

void html_help(struct buf *out, const struct snapshot *s)
{
    struct buf text = BUF_INIT;
    text_help(&text, s);
    page_begin(out, s, 1, "Help");
    buf_puts(out, "<p>");
    put_a(out, s, 1, "/");
    html_escape(out, site_name(s));
    buf_puts(out, "</a></p>\n<h1>Help</h1>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n<pre>");
    /* Keep the help text's own line breaks inside <pre>. */
    const char *p = text.data ? text.data : "";
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        body_line(out, p, len);
        if (nl == NULL)
            break;
        buf_putc(out, '\n');
        p = nl + 1;
    }
    buf_puts(out, "</pre>\n</main>\n");
    page_end(out, s, 1);
    if (buf_failed(&text))
        out->oom = true;
    buf_free(&text);
}

/* ---- lists of posts: services, history, search --------------------------- */

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* One line of a list of posts: link, kind, status and when. */
static void put_post_line(struct buf *out, const struct snapshot *s, int depth,
                          const struct incident *inc)
{
    buf_puts(out, "<li>");
    put_post_link(out, s, depth, inc);
    buf_printf(out, " &mdash; %s, %s, ", model_kind_label(inc->kind),
               model_status_label(inc->status));
    put_time(out, s, query_post_time(inc));
    buf_puts(out, "</li>\n");
}

static void put_post_list(struct buf *out, const struct snapshot *s, int depth,
                          const struct incident **v, int n, const char *none)
{
    if (n <= 0) {
        buf_printf(out, "<p>%s</p>\n", none);
        return;
    }
    buf_puts(out, "<ul class=\"posts\">\n");
    for (int i = 0; i < n; i++)
        put_post_line(out, s, depth, v[i]);
    buf_puts(out, "</ul>\n");
}

/* The uptime bars: in a <pre>, so that lynx, w3m and a graphical browser
 * all keep the columns without CSS; one <abbr> a day, its mark as text and
 * its date and figure as the title; then the days with down time as a
 * list, which a text browser reads out in full. */
static void put_uptime(struct buf *out, const struct snapshot *s, size_t svc)
{
    const struct uptime *u = uptime_of(s, svc);
    if (u == NULL)
        return;
    char pct[8], date[11];
    uptime_format(u->counted, u->down, pct);
    buf_printf(out,
               "<section id=\"uptime\">\n<h2>Uptime, last %d days: %s</h2>\n"
               "<pre class=\"uptime\">",
               UPTIME_DAYS, pct);
    for (size_t r = 0; r < UPTIME_DAYS; r += UPTIME_ROW) {
        int64_t counted = 0, down = 0;
        uptime_date(&u->day[r], date);
        buf_printf(out, "%s ", date);
        for (size_t i = r; i < r + UPTIME_ROW; i++)
            counted += u->day[i].counted;
        if (counted == 0) { /* before the service existed */
            buf_puts(out, "(no data)\n");
            continue;
        }
        for (size_t i = r; i < r + UPTIME_ROW; i++) {
            const struct uptime_day *d = &u->day[i];
            uptime_date(d, date);
            uptime_format(d->counted, d->down, pct);
            if (d->counted > 0)
                buf_printf(out, "<abbr title=\"%s: %s, %s\">%c</abbr>", date,
                           pct, uptime_mark_word(d), uptime_mark(d));
            else
                buf_printf(out, "<abbr title=\"%s: no data\"> </abbr>", date);
            down += d->down;
        }
        uptime_format(counted, down, pct);
        buf_printf(out, " %7s\n", pct);
    }
    buf_puts(out, UPTIME_LEGEND "</pre>\n");
    bool any = false;
    for (size_t i = UPTIME_DAYS; i-- > 0;) {
        const struct uptime_day *d = &u->day[i];
        if (d->down == 0)
            continue;
        if (!any)
            buf_puts(out, "<p>Days with down time, newest first:</p>\n<ul>\n");
        any = true;
        uptime_date(d, date);
        uptime_format(d->counted, d->down, pct);
        buf_printf(out, "<li>%s: %s (%s)</li>\n", date, pct,
                   uptime_mark_word(d));
    }
    if (any)
        buf_puts(out, "</ul>\n");
    buf_puts(out, "</section>\n");
}

void html_service(struct buf *out, const struct snapshot *s,
                  const struct service *svc)
{
    page_begin_of(out, s, 2, svc->name, svc);
    buf_puts(out, "<h1>");
    html_escape(out, svc->name);
    buf_puts(out, "</h1>\n<p class=\"overall\"><strong>");
    put_status_word(out, svc->status);
    buf_puts(out, "</strong>");
    if (svc->status_reason != NULL) {
        buf_puts(out, " (");
        html_escape(out, svc->status_reason);
        buf_puts(out, ")");
    }
    buf_puts(out, "</p>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n");
    /* No empty list for a service with neither: validators flag it. */
    if (svc->group != NULL || svc->description != NULL)
        buf_puts(out, "<dl>\n");
    if (svc->group != NULL) {
        buf_puts(out, "<dt>Group</dt><dd>");
        html_escape(out, svc->group);
        buf_puts(out, "</dd>\n");
    }
    if (svc->description != NULL) {
        buf_puts(out, "<dt>About</dt><dd>");
        html_escape(out, svc->description);
        buf_puts(out, "</dd>\n");
    }
    if (svc->group != NULL || svc->description != NULL)
        buf_puts(out, "</dl>\n");
    put_uptime(out, s, (size_t)(svc - s->services));
    buf_puts(out, "<section id=\"posts\">\n<h2>Recent posts</h2>\n");
    const struct incident **v = NULL;
    int n = query_service_posts(s, (size_t)(svc - s->services),
                                HTML_SERVICE_POSTS, &v);
    put_post_list(out, s, 2, v, n,
                  "Nothing has been posted about this service.");
    free(v);
    buf_puts(out, "<p>Feeds of this service: <a href=\"");
    put_hreff(out, s, 2, "/services/%s.atom", svc->slug);
    buf_puts(out, "\">Atom</a>, <a href=\"");
    put_hreff(out, s, 2, "/services/%s.rss", svc->slug);
    buf_puts(out, "\">RSS</a></p>\n");
    buf_puts(out, "</section>\n</main>\n");
    page_end(out, s, 2);
}

void html_history(struct buf *out, const struct snapshot *s)
{
    page_begin(out, s, 1, "History");
    buf_puts(out, "<h1>History</h1>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n");
    struct query_month *m = NULL;
    int n = query_months(s, &m);
    if (n <= 0) {
        buf_puts(out, "<p>Nothing has been posted yet.</p>\n");
    } else {
        buf_puts(out, "<ul class=\"months\">\n");
        for (int i = 0; i < n; i++) {
            buf_puts(out, "<li><a href=\"");
            put_hreff(out, s, 1, "/history/%04d-%02d", m[i].year, m[i].month);
            buf_printf(out, "\">%s %d</a> (%zu post%s)</li>\n",
                       month_names[m[i].month - 1], m[i].year, m[i].count,
                       m[i].count == 1 ? "" : "s");
        }
        buf_puts(out, "</ul>\n");
    }
    free(m);
    buf_puts(out, "</main>\n");
    page_end(out, s, 1);
}

/* "/history/YYYY-MM" for page 1, "/history/YYYY-MM/N" past it. */
static void put_month_href(struct buf *out, const struct snapshot *s, int depth,
                           const struct query_month *m, int page)
{
    if (page > 1)
        put_hreff(out, s, depth, "/history/%04d-%02d/%d", m->year, m->month,
                  page);
    else
        put_hreff(out, s, depth, "/history/%04d-%02d", m->year, m->month);
}

void html_history_month(struct buf *out, const struct snapshot *s, int year,
                        int month, int page)
{
    char title[64];
    snprintf(title, sizeof(title), "%s %d", month_names[month - 1], year);
    /* "/history/YYYY-MM" is 2 below the root, its page N one more. */
    int depth = page > 1 ? 3 : 2;
    page_begin(out, s, depth, title);
    buf_printf(out, "<h1>History: %s</h1>\n", title);
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n");
    /* Previous and next: the neighbouring months that have posts. */
    int here = query_find_month(s, year, month);
    int nm = (int)s->n_months;
    const struct query_month *m = s->months;
    buf_puts(out, "<p class=\"pager\">");
    if (here >= 0 && here + 1 < nm) {
        buf_puts(out, "<a href=\"");
        put_month_href(out, s, depth, &m[here + 1], 1);
        buf_printf(out, "\" rel=\"prev\">&larr; %s %d</a> | ",
                   month_names[m[here + 1].month - 1], m[here + 1].year);
    }
    put_a(out, s, depth, "/history");
    buf_puts(out, "All months</a>");
    if (here > 0) {
        buf_puts(out, " | <a href=\"");
        put_month_href(out, s, depth, &m[here - 1], 1);
        buf_printf(out, "\" rel=\"next\">%s %d &rarr;</a>",
                   month_names[m[here - 1].month - 1], m[here - 1].year);
    }
    buf_puts(out, "</p>\n");
    const struct incident *v[QUERY_MONTH_PAGE];
    size_t n = here >= 0 ? query_month_page(s, (size_t)here, page, v) : 0;
    put_post_list(out, s, depth, v, (int)n, "Nothing was posted this month.");
    int pages = here >= 0 ? query_month_pages(s, (size_t)here) : 1;
    if (pages > 1) {
        /* A busy month is split: say which part this is, and link the
         * parts before and after it. */
        size_t from = (size_t)(page - 1) * QUERY_MONTH_PAGE + 1;
        buf_printf(out,
                   "<p class=\"pages\">Posts %zu to %zu of %zu, newest "
                   "first (page %d of %d).",
                   from, from + n - 1, m[here].count, page, pages);
        if (page > 1) {
            buf_puts(out, " <a href=\"");
            put_month_href(out, s, depth, &m[here], page - 1);
            buf_puts(out, "\">Newer posts</a>");
        }
        if (page < pages) {
            buf_puts(out, page > 1 ? " |" : "");
            buf_puts(out, " <a href=\"");
            put_month_href(out, s, depth, &m[here], page + 1);
            buf_puts(out, "\">Older posts</a>");
        }
        buf_puts(out, "</p>\n");
    }
    buf_puts(out, "</main>\n");
    page_end(out, s, depth);
}

/* The links between the pages of a search: newer (the page before) and
 * older (the page after), like the months' pager. */
static void put_search_pager(struct buf *out, const char *q, size_t page,
                             bool more)
{
    buf_puts(out, "<p class=\"pager\">");
    if (page > 1) {
        buf_puts(out, "<a href=\"");
        text_search_link(out, q, page - 1, true);
        buf_puts(out, "\" rel=\"prev\">&larr; Newer matches</a>");
    }
    if (page > 1 && more)
        buf_puts(out, " | ");
    if (more) {
        buf_puts(out, "<a href=\"");
        text_search_link(out, q, page + 1, true);
        buf_puts(out, "\" rel=\"next\">Older matches &rarr;</a>");
    }
    buf_puts(out, "</p>\n");
}

void html_search_results(struct buf *out, const struct snapshot *s,
                         const char *q, bool too_long, int rc, size_t page,
                         const struct search_page *res)
{
    page_begin(out, s, 1, "Search");
    buf_puts(out, "<h1>Search</h1>\n");
    put_server_time(out, s);
    buf_puts(out, "</header>\n<main>\n"
                  "<form action=\"/search\" method=\"get\">"
                  "<label for=\"q\">Words to find in titles and updates: "
                  "</label><input type=\"search\" id=\"q\" name=\"q\" "
                  "value=\"");
    html_escape(out, q);
    buf_puts(out, "\"> <button type=\"submit\">Search</button></form>\n");
    if (rc == UV_ENOMEM)
        out->oom = true;
    if (too_long || rc == UV_EINVAL) {
        buf_printf(out,
                   "<p>That search is too long: use at most %d "
                   "characters and %d words.</p>\n",
                   QUERY_MAX, QUERY_MAX_WORDS);
    } else if (q[0] != '\0' && res != NULL) {
        buf_puts(out, "<section id=\"results\">\n<h2>Results</h2>\n");
        if (page == 1 && res->more)
            buf_printf(out,
                       "<p>The %d newest matches; add words to narrow the "
                       "search.</p>\n",
                       HTML_SEARCH_MAX);
        else if (page > 1 && res->n > 0)
            buf_printf(out, "<p>Older matches: %zu to %zu.</p>\n",
                       (page - 1) * HTML_SEARCH_MAX + 1,
                       (page - 1) * HTML_SEARCH_MAX + res->n);
        put_post_list(out, s, 1, res->posts, (int)res->n,
                      page > 1 ? "There are no more matches."
                               : "No post matches all of those words.");
        if (page > 1 || res->more)
            put_search_pager(out, q, page, res->more);
        buf_puts(out, "</section>\n");
    }
    buf_puts(out, "</main>\n");
    page_end(out, s, 1);
}

void html_search(struct buf *out, const struct snapshot *s, const char *q,
                 bool too_long)
{
    struct search_page res;
    int rc = too_long || q[0] == '\0'
                 ? 0
                 : search_run(NULL, s, q, 1, HTML_SEARCH_MAX, &res);
    bool searched = !too_long && q[0] != '\0' && rc == 0;
    html_search_results(out, s, q, too_long, rc, 1, searched ? &res : NULL);
    if (searched)
        search_page_free(&res);
}
