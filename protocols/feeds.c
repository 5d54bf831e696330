#include "feeds.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../store/common/timeutil.h"
#include "../store/query.h"
#include "html.h"
#include "text.h"

void feeds_xml_escape(struct buf *out, const char *s)
{
    /* HTML's escaper keeps to XML 1.0's Char production too (no C0 but TAB
     * and LF, no U+FFFE/U+FFFF) and leaves out the C1 controls, which are
     * "discouraged" (§2.2) and terminal escapes in disguise. */
    if (s != NULL)
        html_escape_text(out, s, strlen(s), true);
}

/* Newest change first, then the higher id. */
static int by_updated(const void *a, const void *b)
{
    const struct incident *x = *(const struct incident *const *)a;
    const struct incident *y = *(const struct incident *const *)b;
    if (x->updated_at != y->updated_at)
        return x->updated_at > y->updated_at ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

/* The FEEDS_MAX_ENTRIES posts changed last, in by_updated order: one pass
 * keeping the best so far in order, so an archive costs a comparison a
 * post, not a sort of the archive. */
static size_t recent_posts(const struct snapshot *s, struct buf *out,
                           const struct incident ***posts)
{
    *posts = NULL;
    if (s->n_incidents == 0)
        return 0;
    const struct incident **v = malloc(FEEDS_MAX_ENTRIES * sizeof(*v));
    if (v == NULL) {
        out->oom = true; /* a feed without its entries is no feed */
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        const struct incident *inc = &s->incidents[i];
        if (n == FEEDS_MAX_ENTRIES && by_updated(&inc, &v[n - 1]) >= 0)
            continue;
        size_t at = n < FEEDS_MAX_ENTRIES ? n++ : n - 1;
        while (at > 0 && by_updated(&inc, &v[at - 1]) < 0) {
            v[at] = v[at - 1];
            at--;
        }
        v[at] = inc;
    }
    *posts = v;
    return n;
}

/* A time or a window in the words every other view uses (text_time(),
 * text_window(): UTC plus the display zone), escaped for HTML. */
static void put_words(struct buf *out, const struct snapshot *s, int64_t from,
                      int64_t to, bool window)
{
    struct buf words = BUF_INIT;
    if (window)
        text_window(&words, s, from, to);
    else
        text_time(&words, s, from);
    html_escape_n(out, words.data, words.len);
    if (buf_failed(&words))
        out->oom = true;
    buf_free(&words);
}

/* The entry's content as HTML (escaped again by the caller for XML): the
 * facts, then every update newest first, then the postmortem. */
static void entry_html(struct buf *out, const struct snapshot *s,
                       const struct incident *inc)
{
    buf_printf(out, "<p><strong>%s #%" PRId64 ": %s</strong>",
               model_kind_label(inc->kind), inc->id,
               model_status_label(inc->status));
    if (inc->kind == KIND_INCIDENT)
        buf_printf(out, ", %s", text_impact_words(inc->impact));
    if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0) {
        buf_puts(out, ", window ");
        put_words(out, s, inc->scheduled_start, inc->scheduled_end, true);
    }
    bool first = true;
    for (size_t k = 0; k < inc->n_services; k++) {
        size_t idx = inc->services[k].service;
        if (idx >= s->n_services)
            continue;
        buf_puts(out, first ? ". Affects: " : ", ");
        first = false;
        html_escape(out, s->services[idx].name);
    }
    buf_puts(out, ".</p>\n");
    for (size_t k = 0; k < inc->n_updates; k++) {
        const struct update *u = &inc->updates[k];
        buf_puts(out, "<p><em>");
        put_words(out, s, u->created_at, 0, false);
        buf_printf(out, ", %s%s</em></p>\n", model_status_label(u->status),
                   u->n_revisions > 0 ? " (edited)" : "");
        html_body(out, u->body);
        if (u->author != NULL && u->author[0] != '\0') {
            buf_puts(out, "<p>&mdash; ");
            html_escape(out, u->author);
            buf_puts(out, "</p>\n");
        }
    }
    if (inc->postmortem != NULL && inc->postmortem[0] != '\0') {
        buf_puts(out, "<p><strong>Postmortem</strong></p>\n");
        html_body(out, inc->postmortem);
    }
}

/* The entry's HTML, escaped into out as XML character data. */
static void put_entry_content(struct buf *out, const struct snapshot *s,
                              const struct incident *inc)
{
    struct buf html = BUF_INIT;
    entry_html(&html, s, inc);
    feeds_xml_escape(out, html.data);
    if (buf_failed(&html))
        out->oom = true;
    buf_free(&html);
}

/* The page's absolute base URL, escaped. Atom ids and links must be
 * absolute IRIs (RFC 4287 §4.2.6), so without a configured base URL the
 * public host name stands in. */
static void put_base(struct buf *out, const struct snapshot *s)
{
    if (s->site.base_url != NULL && s->site.base_url[0] != '\0') {
        feeds_xml_escape(out, s->site.base_url);
        return;
    }
    const char *host = s->site.hostname;
    buf_puts(out, "http://");
    feeds_xml_escape(out, host != NULL && host[0] != '\0' ? host : "localhost");
    if (s->site.http_port > 0 && s->site.http_port != 80)
        buf_printf(out, ":%d", s->site.http_port);
}

/* The post's page, absolute and escaped: its permanent id in both feeds. */
static void put_post_url(struct buf *out, const struct snapshot *s,
                         const struct incident *inc)
{
    put_base(out, s);
    buf_printf(out, "/incidents/%" PRId64, inc->id);
}

/* The post's latest change (never before its creation). */
static int64_t changed_at(const struct incident *inc)
{
    return inc->updated_at > inc->created_at ? inc->updated_at
                                             : inc->created_at;
}

static const char *site_name(const struct snapshot *s)
{
    return s->site.name != NULL && s->site.name[0] ? s->site.name : "Status";
}

/* An entry's title: what it is, its title and where it stands now. */
static void put_title(struct buf *out, const struct incident *inc)
{
    buf_printf(out, "%s: ", model_kind_label(inc->kind));
    feeds_xml_escape(out, inc->title);
    buf_printf(out, " (%s)", model_status_label(inc->status));
}

/* What one feed shows: the history's, or one service's. */
struct feed {
    const struct service *svc; /* NULL: the whole history */
    const struct incident **posts;
    size_t n;
    int64_t updated; /* the feed's own updated time */
};

/* The FEEDS_SERVICE_ENTRIES newest posts of the service, in by_updated
 * order, and the latest change among them and the service's own: the feed
 * is made of nothing else, so its stamp (query_service_stamp()) covers
 * it. */
static void feed_of(struct feed *f, struct buf *out, const struct snapshot *s,
                    const struct service *svc)
{
    *f = (struct feed){.svc = svc, .updated = s->data_changed_at};
    if (svc == NULL) {
        f->n = recent_posts(s, out, &f->posts);
        return;
    }
    int n = query_service_posts(s, (size_t)(svc - s->services),
                                FEEDS_SERVICE_ENTRIES, &f->posts);
    if (n < 0) {
        out->oom = true;
        f->posts = NULL;
        n = 0;
    }
    f->n = (size_t)n;
    if (f->n > 1)
        qsort(f->posts, f->n, sizeof(*f->posts), by_updated);
    f->updated =
        svc->updated_at > svc->created_at ? svc->updated_at : svc->created_at;
    for (size_t i = 0; i < f->n; i++)
        if (changed_at(f->posts[i]) > f->updated)
            f->updated = changed_at(f->posts[i]);
}

/* The feed's own page ("/history.atom", "/services/SLUG.rss") and the
 * HTML page it follows ("/", "/services/SLUG"), absolute and escaped. */
static void put_feed_url(struct buf *out, const struct snapshot *s,
                         const struct feed *f, const char *ext)
{
    put_base(out, s);
    if (f->svc == NULL) {
        buf_printf(out, "/history%s", ext);
        return;
    }
    buf_puts(out, "/services/");
    feeds_xml_escape(out, f->svc->slug);
    buf_puts(out, ext);
}

/* The feed's title: the page's name, and what the feed is of. */
static void put_feed_title(struct buf *out, const struct snapshot *s,
                           const struct feed *f)
{
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, ": ");
    feeds_xml_escape(out, f->svc != NULL ? f->svc->name : "history");
}

static void atom(struct buf *out, const struct snapshot *s,
                 const struct service *svc)
{
    char when[TIME_BUFSZ];
    struct feed f;
    feed_of(&f, out, s, svc);
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
    put_feed_title(out, s, &f);
    buf_puts(out, "</title>\n<id>");
    put_feed_url(out, s, &f, ".atom");
    buf_puts(out, "</id>\n<link rel=\"self\" "
                  "type=\"application/atom+xml\" href=\"");
    put_feed_url(out, s, &f, ".atom");
    buf_puts(out, "\"/>\n<link rel=\"alternate\" "
                  "type=\"text/html\" href=\"");
    if (svc != NULL)
        put_feed_url(out, s, &f, "");
    else
        put_base(out, s);
    /* The data's time, not the clock's: the document stays the same bytes
     * (and ETag) until something changes. */
    time_iso8601(f.updated, when);
    buf_printf(out, "%s\"/>\n<updated>%s</updated>\n<author><name>",
               svc != NULL ? "" : "/", when);
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, "</name></author>\n<generator>outpost</generator>\n");
    for (size_t i = 0; i < f.n; i++) {
        const struct incident *inc = f.posts[i];
        buf_puts(out, "<entry>\n<title>");
        put_title(out, inc);
        /* The post's URL: it never changes, so a reader updates the entry
         * it has instead of adding another. */
        buf_puts(out, "</title>\n<id>");
        put_post_url(out, s, inc);
        buf_puts(out, "</id>\n<link rel=\"alternate\" type=\"text/html\" "
                      "href=\"");
        put_post_url(out, s, inc);
        buf_puts(out, "\"/>\n");
        time_iso8601(inc->created_at, when);
        buf_printf(out, "<published>%s</published>\n", when);
        time_iso8601(changed_at(inc), when);
        buf_printf(out, "<updated>%s</updated>\n", when);
        buf_printf(out, "<category term=\"%s\"/>\n",
                   model_kind_name(inc->kind));
        buf_puts(out, "<content type=\"html\">");
        put_entry_content(out, s, inc);
        buf_puts(out, "</content>\n</entry>\n");
    }
    buf_puts(out, "</feed>\n");
    free(f.posts);
}

static void rss(struct buf *out, const struct snapshot *s,
                const struct service *svc)
{
    char when[TIME_BUFSZ];
    struct feed f;
    feed_of(&f, out, s, svc);
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<rss version=\"2.0\" "
                  "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n"
                  "<title>");
    put_feed_title(out, s, &f);
    buf_puts(out, "</title>\n<link>");
    if (svc != NULL)
        put_feed_url(out, s, &f, "");
    else
        put_base(out, s);
    buf_puts(out, svc != NULL ? "</link>\n<description>"
                              : "/</link>\n"
                                "<description>");
    buf_puts(out, "Incidents, maintenance and notices of ");
    feeds_xml_escape(out, svc != NULL ? svc->name : site_name(s));
    buf_puts(out, "</description>\n<language>en</language>\n"
                  "<atom:link rel=\"self\" type=\"application/rss+xml\" "
                  "href=\"");
    put_feed_url(out, s, &f, ".rss");
    buf_puts(out, "\"/>\n<generator>outpost</generator>\n");
    if (f.updated != 0) {
        time_http(f.updated, when);
        buf_printf(out, "<lastBuildDate>%s</lastBuildDate>\n", when);
    }
    for (size_t i = 0; i < f.n; i++) {
        const struct incident *inc = f.posts[i];
        buf_puts(out, "<item>\n<title>");
        put_title(out, inc);
        buf_puts(out, "</title>\n<link>");
        put_post_url(out, s, inc);
        /* The guid is the post's URL, stable across updates (as Atom's
         * id); pubDate moves with the latest change, so readers that sort
         * by date bring an updated post back to the top. */
        buf_puts(out, "</link>\n<guid isPermaLink=\"true\">");
        put_post_url(out, s, inc);
        buf_puts(out, "</guid>\n");
        /* RFC 822 dates (RSS 2.0), with a four-digit year and "GMT". */
        time_http(changed_at(inc), when);
        buf_printf(out, "<pubDate>%s</pubDate>\n<category>%s</category>\n",
                   when, model_kind_name(inc->kind));
        buf_puts(out, "<description>");
        put_entry_content(out, s, inc);
        buf_puts(out, "</description>\n</item>\n");
    }
    buf_puts(out, "</channel>\n</rss>\n");
    free(f.posts);
}

void feeds_atom(struct buf *out, const struct snapshot *s)
{
    atom(out, s, NULL);
}

void feeds_rss(struct buf *out, const struct snapshot *s)
{
    rss(out, s, NULL);
}

void feeds_service_atom(struct buf *out, const struct snapshot *s,
                        const struct service *svc)
{
    atom(out, s, svc);
}

void feeds_service_rss(struct buf *out, const struct snapshot *s,
                       const struct service *svc)
{
    rss(out, s, svc);
}
