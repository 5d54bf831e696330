#include "feeds.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../store/timeutil.h"
#include "html.h"

void feeds_xml_escape(struct buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;
         p++) {
        switch (*p) {
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
        default:
            /* XML 1.0 §2.2 allows no C0 control character but TAB, LF
             * and CR, and a CR would be folded into LF by every parser
             * anyway (§2.11); stored text never has one. */
            if (*p < 0x20 && *p != '\t' && *p != '\n')
                break;
            buf_putc(out, (char)*p);
        }
    }
}

static const char *kind_word(enum incident_kind k)
{
    switch (k) {
    case KIND_MAINTENANCE:
        return "Maintenance";
    case KIND_NOTICE:
        return "Notice";
    default:
        return "Incident";
    }
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

static size_t recent_posts(const struct snapshot *s,
                           const struct incident ***out)
{
    *out = NULL;
    if (s->n_incidents == 0)
        return 0;
    const struct incident **v = malloc(s->n_incidents * sizeof(*v));
    if (v == NULL)
        return 0;
    for (size_t i = 0; i < s->n_incidents; i++)
        v[i] = &s->incidents[i];
    qsort(v, s->n_incidents, sizeof(*v), by_updated);
    *out = v;
    return s->n_incidents < FEEDS_MAX_ENTRIES ? s->n_incidents
                                              : FEEDS_MAX_ENTRIES;
}

/* The entry's content as HTML (escaped again by the caller for XML): the
 * facts, then every update newest first, then the postmortem. */
static void entry_html(struct buf *out, const struct snapshot *s,
                       const struct incident *inc)
{
    char when[TIME_BUFSZ];
    buf_printf(out, "<p><strong>%s #%" PRId64 ": %s</strong>",
               kind_word(inc->kind), inc->id, model_status_label(inc->status));
    if (inc->kind == KIND_INCIDENT)
        buf_printf(out, ", %s impact", model_impact_name(inc->impact));
    if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0) {
        time_human(inc->scheduled_start, when);
        buf_printf(out, ", window from %s", when);
        time_human(inc->scheduled_end, when);
        buf_printf(out, " to %s", when);
    }
    if (inc->n_services > 0) {
        buf_puts(out, ". Affects: ");
        for (size_t k = 0; k < inc->n_services; k++) {
            size_t idx = inc->services[k].service;
            if (idx >= s->n_services)
                continue;
            if (k > 0)
                buf_puts(out, ", ");
            html_escape(out, s->services[idx].name);
        }
    }
    buf_puts(out, ".</p>\n");
    for (size_t k = 0; k < inc->n_updates; k++) {
        const struct update *u = &inc->updates[k];
        time_human(u->created_at, when);
        buf_printf(out, "<p><em>%s, %s%s</em></p>\n", when,
                   model_status_label(u->status),
                   u->n_revisions > 0 ? " (edited)" : "");
        html_body(out, u->body);
        if (u->author != NULL) {
            buf_puts(out, "<p>&mdash; ");
            html_escape(out, u->author);
            buf_puts(out, "</p>\n");
        }
    }
    if (inc->postmortem != NULL) {
        buf_puts(out, "<p><strong>Postmortem</strong></p>\n");
        html_body(out, inc->postmortem);
    }
}

static const char *base_url(const struct snapshot *s)
{
    return s->site.base_url != NULL ? s->site.base_url : "";
}

static const char *site_name(const struct snapshot *s)
{
    return s->site.name != NULL && s->site.name[0] ? s->site.name : "Status";
}

void feeds_atom(struct buf *out, const struct snapshot *s)
{
    char when[TIME_BUFSZ];
    const struct incident **v;
    size_t n = recent_posts(s, &v);
    int64_t updated = s->data_changed_at != 0 ? s->data_changed_at : 0;
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, ": history</title>\n<id>");
    feeds_xml_escape(out, base_url(s));
    buf_puts(out, "/history.atom</id>\n<link rel=\"self\" href=\"");
    feeds_xml_escape(out, base_url(s));
    buf_puts(out, "/history.atom\"/>\n<link rel=\"alternate\" "
                  "type=\"text/html\" href=\"");
    feeds_xml_escape(out, base_url(s));
    time_iso8601(updated, when);
    buf_printf(out, "/\"/>\n<updated>%s</updated>\n<author><name>", when);
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, "</name></author>\n<generator>outpost</generator>\n");
    for (size_t i = 0; i < n; i++) {
        const struct incident *inc = v[i];
        struct buf html = BUF_INIT;
        buf_puts(out, "<entry>\n<title>");
        buf_printf(out, "%s: ", kind_word(inc->kind));
        feeds_xml_escape(out, inc->title);
        buf_printf(out, " (%s)</title>\n<id>", model_status_label(inc->status));
        feeds_xml_escape(out, base_url(s));
        buf_printf(out, "/incidents/%" PRId64 "</id>\n<link href=\"", inc->id);
        feeds_xml_escape(out, base_url(s));
        buf_printf(out, "/incidents/%" PRId64 "\"/>\n", inc->id);
        time_iso8601(inc->created_at, when);
        buf_printf(out, "<published>%s</published>\n", when);
        time_iso8601(inc->updated_at, when);
        buf_printf(out, "<updated>%s</updated>\n", when);
        buf_printf(out, "<category term=\"%s\"/>\n",
                   model_kind_name(inc->kind));
        entry_html(&html, s, inc);
        buf_puts(out, "<content type=\"html\">");
        feeds_xml_escape(out, html.data);
        buf_puts(out, "</content>\n</entry>\n");
        buf_free(&html);
    }
    buf_puts(out, "</feed>\n");
    free(v);
}

void feeds_rss(struct buf *out, const struct snapshot *s)
{
    char when[TIME_BUFSZ];
    const struct incident **v;
    size_t n = recent_posts(s, &v);
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<rss version=\"2.0\" "
                  "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n"
                  "<title>");
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, ": history</title>\n<link>");
    feeds_xml_escape(out, base_url(s));
    buf_puts(out, "/</link>\n<description>Incidents, maintenance and notices "
                  "of ");
    feeds_xml_escape(out, site_name(s));
    buf_puts(out, "</description>\n<atom:link rel=\"self\" "
                  "type=\"application/rss+xml\" href=\"");
    feeds_xml_escape(out, base_url(s));
    buf_puts(out, "/history.rss\"/>\n<generator>outpost</generator>\n");
    if (s->data_changed_at != 0) {
        time_http(s->data_changed_at, when);
        buf_printf(out, "<lastBuildDate>%s</lastBuildDate>\n", when);
    }
    for (size_t i = 0; i < n; i++) {
        const struct incident *inc = v[i];
        struct buf html = BUF_INIT;
        buf_printf(out, "<item>\n<title>%s: ", kind_word(inc->kind));
        feeds_xml_escape(out, inc->title);
        buf_printf(out, " (%s)</title>\n<link>",
                   model_status_label(inc->status));
        feeds_xml_escape(out, base_url(s));
        buf_printf(out,
                   "/incidents/%" PRId64 "</link>\n<guid "
                   "isPermaLink=\"true\">",
                   inc->id);
        feeds_xml_escape(out, base_url(s));
        /* The guid changes with each update, so readers show news of an
         * ongoing incident instead of ignoring a known item. */
        buf_printf(out, "/incidents/%" PRId64 "#u%" PRId64 "</guid>\n", inc->id,
                   inc->n_updates ? inc->updates[0].id : 0);
        time_http(inc->updated_at, when);
        buf_printf(out, "<pubDate>%s</pubDate>\n<category>%s</category>\n",
                   when, model_kind_name(inc->kind));
        entry_html(&html, s, inc);
        buf_puts(out, "<description>");
        feeds_xml_escape(out, html.data);
        buf_puts(out, "</description>\n</item>\n");
        buf_free(&html);
    }
    buf_puts(out, "</channel>\n</rss>\n");
    free(v);
}
