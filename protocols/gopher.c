/* gopher: the status as a Gopher server (RFC 1436), answering from the
 * snapshot's views and, for one service, incident or month, from cached
 * views rendered on request (store/snapshot.h; find_view).
 *
 * View keys are "gopher:" + selector:
 *   gopher:                  the root menu (selectors "" and "/")
 *   gopher:/status.txt       the summary, type 0
 *   gopher:/services         a menu of the services
 *   gopher:/services/SLUG    one service: its status and posts (menu)
 *   gopher:/incidents        the open incidents (menu)
 *   gopher:/incidents/ID     one incident, long form, type 0
 *   gopher:/maintenance      running, upcoming, recently completed (menu)
 *   gopher:/history          the months (menu)
 *   gopher:/history/YYYY-MM  one month's posts (menu); past 100 posts,
 *                            page N is gopher:/history/YYYY-MM/N
 *   gopher:/help             help, type 0
 *   gopher:/caps.txt         server capabilities, type 0
 * A new snapshot view only needs rendering here; the request side finds it
 * by key.
 * Requests that are not plain lookups (the Gopher+ root probe, "URL:"
 * links, the type-7 search at /search and its further pages at
 * "/search?q=WORDS&page=N") are routed in answer() before the lookup. A
 * search is rendered per request, on the thread pool: answer() hands it
 * to server/ as a PROTO_JOB.
 *
 * Menus end with ".\r\n". Text is sent as it is, with CRLF line ends, no
 * dot-stuffing and no terminator: no client tested un-stuffs "..", and
 * gophernicus and geomyidae send text the same way.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../store/common/timeutil.h"
#include "../store/query.h"
#include "../store/search.h"
#include "html.h"
#include "proto.h"
#include "text.h"

/* A selector line is at most 1 KiB, LF included: RFC 1436 asks selectors
 * to stay under 255 characters, and Motsognir refuses requests over 512
 * bytes; 1 KiB leaves room for a search query after the TAB. */
#define GOPHER_MAX_REQUEST 1024
#define GOPHER_TIMEOUT_MS 10000
/* Display strings are cut to this many columns; gophernicus uses 67, and
 * 70 leaves room for a client's own item labels in 80 columns. */
#define GOPHER_DISPLAY_MAX 70
/* How much of an unknown selector is echoed in the error line: with the
 * quotes, "..." and " does not exist" it stays within the display cap. */
#define GOPHER_ECHO_MAX 50
/* How many recent posts a service's menu lists. */
#define GOPHER_SERVICE_POSTS QUERY_SERVICE_LONG

/* Dummy selector, host and port of info and error lines: gophernicus's
 * convention, still four fields so no client trips over the line. */
#define GOPHER_INFO_TAIL "\t\tnull.host\t1\r\n"
#define GOPHER_ERROR_TAIL "\t\terror.host\t1\r\n"
#define GOPHER_END ".\r\n"

/* ---- menu lines ------------------------------------------------------- */

/* The advertised host (public_gopher_url's, else the host name), reduced
 * to host-name bytes: a menu line must never get a TAB or a line end from
 * the configuration either. */
static void put_host(struct buf *out, const struct snapshot *s)
{
    const char *h = s == NULL                     ? ""
                    : s->site.gopher_host != NULL ? s->site.gopher_host
                    : s->site.hostname != NULL    ? s->site.hostname
                                                  : "";
    size_t n = 0;
    for (; h[n] != '\0' && n < 253; n++) {
        unsigned char c = (unsigned char)h[n];
        if (!isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' &&
            c != ']')
            break;
    }
    if (n == 0)
        buf_puts(out, "localhost");
    else
        buf_append(out, h, n);
}

static int port_of(const struct snapshot *s)
{
    return s != NULL && s->site.gopher_port > 0 ? s->site.gopher_port : 70;
}

/* Appends already clean text cut to GOPHER_DISPLAY_MAX columns. */
static void put_capped(struct buf *out, const char *p, size_t n)
{
    size_t cols = 0, cut = n;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)p[i] & 0xc0) == 0x80)
            continue;
        if (cols == GOPHER_DISPLAY_MAX - 3)
            cut = i;
        cols++;
    }
    if (cols <= GOPHER_DISPLAY_MAX) {
        buf_append(out, p, n);
    } else {
        buf_append(out, p, cut);
        buf_puts(out, "...");
    }
}

/* Appends display text: cleaned (no TAB, CR, LF or other control can
 * survive text_clean) and cut to GOPHER_DISPLAY_MAX columns. */
static void put_display(struct buf *out, const char *text)
{
    struct buf clean = BUF_INIT;
    text_clean(&clean, text);
    if (buf_failed(&clean))
        out->oom = true;
    put_capped(out, clean.data != NULL ? clean.data : "", clean.len);
    buf_free(&clean);
}

/* A link: <type><display>TAB<selector>TAB<host>TAB<port>CRLF. Selectors
 * are ours, but the "URL:" one holds the configured base URL, so bytes
 * that would split the line are dropped from it too. */
static void menu_item(struct buf *out, const struct snapshot *s, char type,
                      const char *display, const char *selector)
{
    buf_putc(out, type);
    put_display(out, display);
    buf_putc(out, '\t');
    for (const char *p = selector; *p != '\0'; p++)
        if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            buf_putc(out, *p);
    buf_putc(out, '\t');
    put_host(out, s);
    buf_printf(out, "\t%d\r\n", port_of(s));
}

static void menu_info(struct buf *out, const char *text)
{
    buf_putc(out, 'i');
    put_display(out, text);
    buf_puts(out, GOPHER_INFO_TAIL);
}

/* Wrapped text as info lines, one per line of text_wrap(). */
static void menu_info_wrapped(struct buf *out, const char *text,
                              const char *indent)
{
    struct buf w = BUF_INIT;
    text_wrap(&w, text, GOPHER_DISPLAY_MAX, indent);
    if (buf_failed(&w))
        out->oom = true;
    size_t i = 0;
    while (i < w.len) {
        const char *nl = memchr(w.data + i, '\n', w.len - i);
        size_t n = nl != NULL ? (size_t)(nl - (w.data + i)) : w.len - i;
        buf_putc(out, 'i');
        /* text_wrap output holds no control bytes and fits the width. */
        buf_append(out, w.data + i, n);
        buf_puts(out, GOPHER_INFO_TAIL);
        i += n + 1;
    }
    buf_free(&w);
}

static void put_error(struct buf *out, const char *text)
{
    buf_putc(out, '3');
    put_display(out, text);
    buf_puts(out, GOPHER_ERROR_TAIL);
    buf_puts(out, GOPHER_END);
}

/* ---- the root menu ---------------------------------------------------- */

/* "  DSL broadband ........ Operational" as an info line. */
static void service_info(struct buf *out, const char *indent, const char *name,
                         enum service_status st)
{
    const char *label = model_service_status_label(st);
    size_t ind = strlen(indent), lab = strlen(label);
    size_t width = GOPHER_DISPLAY_MAX - 3;
    struct buf nm = BUF_INIT;
    text_clean(&nm, name != NULL ? name : "?");
    size_t cols = 0;
    for (size_t i = 0; i < nm.len; i++)
        cols += ((unsigned char)nm.data[i] & 0xc0) != 0x80;
    size_t dots =
        ind + cols + 2 + lab + 3 <= width ? width - ind - cols - 2 - lab : 3;
    struct buf line = BUF_INIT;
    buf_puts(&line, indent);
    if (nm.len > 0)
        buf_append(&line, nm.data, nm.len);
    buf_putc(&line, ' ');
    for (size_t i = 0; i < dots; i++)
        buf_putc(&line, '.');
    buf_printf(&line, " %s", label);
    /* The name is clean and the rest is ours, so the indent can stay (a
     * second text_clean would trim it). An overlong name is cut by
     * put_capped; the status may be lost then, but the line stays
     * well-formed. */
    buf_putc(out, 'i');
    put_capped(out, line.data, line.len);
    buf_puts(out, GOPHER_INFO_TAIL);
    if (buf_failed(&nm) || buf_failed(&line))
        out->oom = true;
    buf_free(&nm);
    buf_free(&line);
}

/* Services in page order (snapshot.items), a group printed whole where
 * its first member stands (the same order as text_summary). */
static void root_services(struct buf *out, const struct snapshot *s)
{
    if (s->n_services == 0)
        return;
    menu_info(out, "");
    menu_info(out, "Services");
    for (size_t k = 0; k < s->n_items; k++) {
        const struct snapshot_item *it = &s->items[k];
        if (it->group == MODEL_NO_GROUP) {
            const struct service *svc = &s->services[it->service];
            service_info(out, "", svc->name, svc->status);
            continue;
        }
        const struct service_group *grp = &s->groups[it->group];
        menu_info(out, grp->name);
        for (size_t m = 0; m < grp->n_members; m++) {
            const struct service *ms = &s->services[grp->members[m]];
            service_info(out, "  ", ms->name, ms->status);
        }
    }
}

/* One post: a type-0 link to its text, and a line saying where it is. */
static void root_post(struct buf *out, const struct snapshot *s,
                      const struct incident *inc)
{
    struct buf d = BUF_INIT;
    char sel[48];
    buf_printf(&d, "#%" PRId64 " ", inc->id);
    text_clean(&d, inc->title != NULL ? inc->title : "");
    snprintf(sel, sizeof(sel), "/incidents/%" PRId64, inc->id);
    menu_item(out, s, '0', d.data, sel);

    buf_reset(&d);
    buf_puts(&d, model_status_label(inc->status));
    if (inc->kind == KIND_INCIDENT && inc->resolved_at != 0) {
        /* The history and search list closed incidents too: "since"
         * would claim they are still going on. */
        buf_printf(&d, " - %s - ", text_impact_words(inc->impact));
        text_window(&d, s, inc->started_at ? inc->started_at : inc->created_at,
                    inc->resolved_at);
    } else if (inc->kind == KIND_INCIDENT) {
        buf_printf(&d, " - %s - since ", text_impact_words(inc->impact));
        text_time(&d, s, inc->started_at ? inc->started_at : inc->created_at);
    } else if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0) {
        buf_puts(&d, " - window ");
        text_window(&d, s, inc->scheduled_start, inc->scheduled_end);
    } else {
        buf_putc(&d, ' ');
        text_time(&d, s, inc->started_at ? inc->started_at : inc->created_at);
    }
    menu_info_wrapped(out, d.data, "    ");
    if (inc->n_services > 0) {
        buf_reset(&d);
        buf_puts(&d, "Affects: ");
        bool first = true;
        for (size_t k = 0; k < inc->n_services; k++) {
            size_t idx = inc->services[k].service;
            if (idx >= s->n_services)
                continue;
            if (!first)
                buf_puts(&d, ", ");
            first = false;
            text_clean(&d, s->services[idx].name);
        }
        menu_info_wrapped(out, d.data, "    ");
    }
    if (buf_failed(&d))
        out->oom = true;
    buf_free(&d);
}

static void root_section(struct buf *out, const struct snapshot *s,
                         const char *title, snapshot_filter pick,
                         bool *any_post)
{
    bool any = false;
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        if (!pick(s, inc))
            continue;
        if (!any) {
            menu_info(out, "");
            menu_info(out, title);
        }
        any = true;
        root_post(out, s, inc);
    }
    *any_post = *any_post || any;
}

/* "URL:" and the web pages' base, without a trailing slash: the selector
 * of an 'h' item that points at a web page. */
static void put_web_base(struct buf *line, const struct snapshot *s)
{
    buf_puts(line, "URL:");
    if (s->site.base_url != NULL && s->site.base_url[0] != '\0') {
        size_t n = strlen(s->site.base_url);
        while (n > 0 && s->site.base_url[n - 1] == '/')
            n--;
        buf_append(line, s->site.base_url, n);
    } else {
        buf_puts(line, "http://");
        put_host(line, s);
    }
}

static void root_menu(struct buf *out, const struct snapshot *s)
{
    struct buf line = BUF_INIT;
    menu_info(out, s->site.name != NULL && s->site.name[0] != '\0'
                       ? s->site.name
                       : "Status");
    menu_info(out, "");
    menu_info(out, s->indicator_description != NULL
                       ? s->indicator_description
                       : model_indicator_description(s->indicator, false));
    buf_puts(&line, "Server time: ");
    text_time(&line, s, s->generated_at);
    menu_info(out, line.data);
    menu_info(out, "");
    menu_item(out, s, '0', "Current status (text)", "/status.txt");
    menu_item(out, s, '1', "All services", "/services");
    menu_item(out, s, '1', "Open incidents", "/incidents");
    menu_item(out, s, '1', "Maintenance", "/maintenance");
    menu_item(out, s, '1', "History, by month", "/history");
    /* A mirror is served by a server that cannot search (site.mirror). */
    if (!s->site.mirror)
        menu_item(out, s, '7', "Search the history", "/search");

    root_services(out, s);

    bool any_open = false, any = false;
    root_section(out, s, "Open incidents", snapshot_is_open_incident,
                 &any_open);
    if (!any_open) {
        menu_info(out, "");
        menu_info(out, "No open incidents.");
    }
    root_section(out, s, "Maintenance in progress",
                 snapshot_is_active_maintenance, &any);
    root_section(out, s, "Upcoming maintenance",
                 snapshot_is_upcoming_maintenance, &any);
    root_section(out, s, "Overdue maintenance (window begun, not started)",
                 snapshot_is_overdue_maintenance, &any);
    root_section(out, s, "Notices", snapshot_is_current_notice, &any);

    menu_info(out, "");
    menu_item(out, s, '0', "Help: every way to read this status", "/help");
    menu_item(out, s, '0', "Server capabilities (caps.txt)", "/caps.txt");
    /* The web links only where the web is served: the public URL of
     * HTTP (base_url), else the host name and port. */
    if (!s->site.http_off) {
        buf_reset(&line);
        put_web_base(&line, s);
        size_t base_len = line.len;
        buf_putc(&line, '/');
        menu_item(out, s, 'h', "Web version", line.data);
        line.len = base_len;
        buf_puts(&line, "/history.atom");
        menu_item(out, s, 'h', "History feed (Atom)", line.data);
        line.len = base_len;
        buf_puts(&line, "/history.rss");
        menu_item(out, s, 'h', "History feed (RSS)", line.data);
    }
    buf_puts(out, GOPHER_END);
    if (buf_failed(&line))
        out->oom = true;
    buf_free(&line);
}

/* ---- the other menus -------------------------------------------------- */

static const char *const gopher_months[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* A menu's first lines: its title and the server time. */
static void menu_head(struct buf *out, const struct snapshot *s,
                      const char *title)
{
    struct buf line = BUF_INIT;
    menu_info(out, title);
    buf_puts(&line, "Server time: ");
    text_time(&line, s, s->generated_at);
    menu_info(out, line.data);
    menu_info(out, "");
    if (buf_failed(&line))
        out->oom = true;
    buf_free(&line);
}

static void menu_posts(struct buf *out, const struct snapshot *s,
                       const struct incident **v, int n, const char *none)
{
    if (n <= 0)
        menu_info(out, none);
    for (int i = 0; i < n; i++)
        root_post(out, s, v[i]);
}

static void menu_back(struct buf *out, const struct snapshot *s)
{
    menu_info(out, "");
    menu_item(out, s, '1', "Back to the status", "/");
    buf_puts(out, GOPHER_END);
}

static void services_menu(struct buf *out, const struct snapshot *s)
{
    menu_head(out, s, "All services");
    for (size_t i = 0; i < s->n_services; i++) {
        const struct service *svc = &s->services[i];
        struct buf d = BUF_INIT;
        char sel[64];
        text_clean(&d, svc->name);
        buf_printf(&d, ": %s", model_service_status_label(svc->status));
        snprintf(sel, sizeof(sel), "/services/%s", svc->slug);
        menu_item(out, s, '1', d.data != NULL ? d.data : "", sel);
        if (buf_failed(&d))
            out->oom = true;
        buf_free(&d);
    }
    if (s->n_services == 0)
        menu_info(out, "No services are listed.");
    menu_back(out, s);
}

static void service_menu(struct buf *out, const struct snapshot *s,
                         const struct service *svc)
{
    struct buf d = BUF_INIT;
    menu_head(out, s, svc->name);
    buf_printf(&d, "Status: %s", model_service_status_label(svc->status));
    if (svc->status_reason != NULL) {
        buf_puts(&d, " (");
        text_clean(&d, svc->status_reason);
        buf_putc(&d, ')');
    }
    menu_info(out, d.data);
    if (svc->description != NULL)
        menu_info_wrapped(out, svc->description, "");
    menu_info(out, "");
    /* The uptime bars as info lines: text_uptime writes ASCII without
     * control bytes, in lines that fit the display width. */
    if (buf_failed(&d))
        out->oom = true;
    buf_reset(&d);
    text_uptime(&d, s, (size_t)(svc - s->services), false);
    for (size_t i = 0; i < d.len && !buf_failed(&d);) {
        const char *nl = memchr(d.data + i, '\n', d.len - i);
        size_t n = nl != NULL ? (size_t)(nl - (d.data + i)) : d.len - i;
        buf_putc(out, 'i');
        buf_append(out, d.data + i, n);
        buf_puts(out, GOPHER_INFO_TAIL);
        i += n + 1;
    }
    if (d.len > 0)
        menu_info(out, "");
    menu_info(out, "Recent posts");
    const struct incident **v = NULL;
    int n = query_service_posts(s, (size_t)(svc - s->services),
                                GOPHER_SERVICE_POSTS, &v);
    menu_posts(out, s, v, n, "Nothing has been posted about this service.");
    free(v);
    menu_info(out, "");
    /* The service's own feeds, on the web server, as the root menu links
     * the history's; none when the web is not served. */
    for (int k = 0; k < 2 && !s->site.http_off; k++) {
        buf_reset(&d);
        put_web_base(&d, s);
        buf_printf(&d, "/services/%s.%s", svc->slug, k == 0 ? "atom" : "rss");
        menu_item(out, s, 'h',
                  k == 0 ? "Feed of this service (Atom)"
                         : "Feed of this service (RSS)",
                  d.data);
    }
    menu_item(out, s, '1', "All services", "/services");
    menu_back(out, s);
    if (buf_failed(&d))
        out->oom = true;
    buf_free(&d);
}

static void picked_menu(struct buf *out, const struct snapshot *s,
                        const char *title, snapshot_filter pick,
                        const char *none)
{
    if (title != NULL)
        menu_info(out, title);
    int n = 0;
    for (size_t j = 0; j < s->n_live; j++)
        if (pick(s, &s->incidents[s->live[j]])) {
            root_post(out, s, &s->incidents[s->live[j]]);
            n++;
        }
    if (n == 0)
        menu_info(out, none);
}

static void history_menu(struct buf *out, const struct snapshot *s)
{
    menu_head(out, s, "History, by month");
    struct query_month *m = NULL;
    int n = query_months(s, &m);
    for (int i = 0; i < n; i++) {
        char d[64], sel[32];
        snprintf(d, sizeof(d), "%s %d (%zu post%s)",
                 gopher_months[m[i].month - 1], m[i].year, m[i].count,
                 m[i].count == 1 ? "" : "s");
        snprintf(sel, sizeof(sel), "/history/%04d-%02d", m[i].year, m[i].month);
        menu_item(out, s, '1', d, sel);
    }
    if (n <= 0)
        menu_info(out, "Nothing has been posted yet.");
    free(m);
    menu_back(out, s);
}

static void month_menu(struct buf *out, const struct snapshot *s, size_t here,
                       int page)
{
    const struct query_month *m = s->months;
    size_t nm = s->n_months;
    char title[64];
    int pages = query_month_pages(s, here);
    if (pages > 1)
        snprintf(title, sizeof(title), "%s %d, page %d of %d",
                 gopher_months[m[here].month - 1], m[here].year, page, pages);
    else
        snprintf(title, sizeof(title), "%s %d",
                 gopher_months[m[here].month - 1], m[here].year);
    menu_head(out, s, title);
    const struct incident *v[QUERY_MONTH_PAGE];
    size_t n = query_month_page(s, here, page, v);
    menu_posts(out, s, v, (int)n, "Nothing was posted this month.");
    menu_info(out, "");
    /* A busy month is split into pages of QUERY_MONTH_PAGE posts. */
    for (int p = page - 1; p <= page + 1; p += 2) {
        if (p < 1 || p > pages)
            continue;
        char d[64], sel[40];
        snprintf(d, sizeof(d), "%s posts of %s %d (page %d)",
                 p < page ? "Newer" : "Older", gopher_months[m[here].month - 1],
                 m[here].year, p);
        int k = snprintf(sel, sizeof(sel), "/history/%04d-%02d", m[here].year,
                         m[here].month);
        if (p > 1)
            snprintf(sel + k, sizeof(sel) - (size_t)k, "/%d", p);
        menu_item(out, s, '1', d, sel);
    }
    for (int k = (int)here + 1; k >= (int)here - 1; k -= 2) {
        if (k < 0 || k >= (int)nm)
            continue;
        char d[64], sel[32];
        snprintf(d, sizeof(d), "%s: %s %d", k > (int)here ? "Older" : "Newer",
                 gopher_months[m[k].month - 1], m[k].year);
        snprintf(sel, sizeof(sel), "/history/%04d-%02d", m[k].year, m[k].month);
        menu_item(out, s, '1', d, sel);
    }
    menu_item(out, s, '1', "All months", "/history");
    menu_back(out, s);
}

/* caps.txt: what a Gopher client may assume about this server (the
 * informal CAPS convention; gophernicus and Motsognir serve one). */
static void caps_txt(struct buf *out, const struct snapshot *s)
{
    buf_puts(out, "CAPS\r\n\r\nCapsVersion=1\r\nExpireCapsAfter=3600\r\n"
                  "\r\nPathDelimeter=/\r\nPathIdentity=.\r\n"
                  "PathParent=..\r\nPathParentDouble=FALSE\r\n"
                  "PathEscapeCharacter=\\\r\nPathKeepPreDelimeter=FALSE\r\n"
                  "\r\nServerSoftware=outpost\r\nServerSoftwareVersion=0.1"
                  "\r\nServerDefaultEncoding=utf-8\r\nServerDescription=");
    /* The page name, cleaned: a line end in it would start a key of its
     * own. No ServerAdmin: the configuration has no contact address. */
    struct buf name = BUF_INIT;
    text_clean(&name, s->site.name != NULL ? s->site.name : "Status");
    buf_append(out, name.data != NULL ? name.data : "", name.len);
    if (buf_failed(&name))
        out->oom = true;
    buf_free(&name);
    buf_puts(out, "\r\n");
}

/* ---- rendering -------------------------------------------------------- */

static int put_typed_view(struct snapshot *s, const char *key, const char *type,
                          struct buf *body)
{
    if (buf_failed(body)) {
        buf_free(body);
        return UV_ENOMEM;
    }
    size_t len = 0;
    char *p = buf_steal(body, &len);
    return snapshot_put_view(s, key, type, p, len);
}

/* A menu as a view. */
static int put_view(struct snapshot *s, const char *key, struct buf *body)
{
    return put_typed_view(s, key, PROTO_GOPHER_MENU, body);
}

/* UTF-8 text with LF (from text.c) as a type-0 view with CRLF. */
static int put_text_view(struct snapshot *s, const char *key,
                         const struct buf *text)
{
    if (buf_failed(text))
        return UV_ENOMEM;
    struct buf crlf = BUF_INIT;
    text_to_crlf(&crlf, text->data != NULL ? text->data : "", text->len);
    return put_typed_view(s, key, PROTO_GOPHER_TEXT, &crlf);
}

static int gopher_prerender(struct snapshot *s)
{
    struct buf b = BUF_INIT;
    int rc;
    snapshot_seal(s);

    root_menu(&b, s);
    rc = put_view(s, "gopher:", &b);
    if (rc < 0)
        goto out;
    text_summary(&b, s);
    rc = put_text_view(s, "gopher:/status.txt", &b);
    if (rc < 0)
        goto out;
    buf_reset(&b);
    text_help(&b, s);
    rc = put_text_view(s, "gopher:/help", &b);
    if (rc < 0)
        goto out;
    buf_reset(&b); /* a text view leaves its source text behind */
    services_menu(&b, s);
    if ((rc = put_view(s, "gopher:/services", &b)) < 0)
        goto out;
    menu_head(&b, s, "Open incidents");
    picked_menu(&b, s, NULL, snapshot_is_open_incident, "No open incidents.");
    menu_back(&b, s);
    if ((rc = put_view(s, "gopher:/incidents", &b)) < 0)
        goto out;
    menu_head(&b, s, "Maintenance");
    picked_menu(&b, s, "In progress", snapshot_is_active_maintenance, "None.");
    menu_info(&b, "");
    picked_menu(&b, s, "Upcoming", snapshot_is_upcoming_maintenance, "None.");
    menu_info(&b, "");
    bool overdue = false;
    for (size_t j = 0; j < s->n_live && !overdue; j++)
        overdue = snapshot_is_overdue_maintenance(s, &s->incidents[s->live[j]]);
    if (overdue) {
        picked_menu(&b, s, "Overdue (window begun, not started)",
                    snapshot_is_overdue_maintenance, "None.");
        menu_info(&b, "");
    }
    picked_menu(&b, s, "Completed in the last 30 days",
                snapshot_is_recent_maintenance, "None.");
    menu_back(&b, s);
    if ((rc = put_view(s, "gopher:/maintenance", &b)) < 0)
        goto out;
    history_menu(&b, s);
    if ((rc = put_view(s, "gopher:/history", &b)) < 0)
        goto out;
    buf_reset(&b);
    caps_txt(&b, s);
    if ((rc = put_typed_view(s, "gopher:/caps.txt", PROTO_GOPHER_TEXT, &b)) < 0)
        goto out;
out:
    buf_free(&b);
    return rc;
}

/* A rendered item into the view cache; NULL on OOM. */
static const struct view *cache_item(const struct snapshot *s, const char *key,
                                     uint64_t stamp, const char *type,
                                     struct buf *b)
{
    if (buf_failed(b)) {
        buf_free(b);
        return NULL;
    }
    size_t len = 0;
    char *body = buf_steal(b, &len);
    if (body == NULL && (body = calloc(1, 1)) == NULL)
        return NULL;
    return snapshot_cache_view(s, key, stamp, type, body, len, NULL, 0);
}

/* A snapshot view, or else a post's text, a service's or a month's menu
 * from the cache, rendered now if it is not there as of this snapshot
 * (snapshot.h). NULL: no such selector, or out of memory. */
static const struct view *find_view(const struct snapshot *s, const char *key)
{
    const struct view *v = snapshot_view(s, key);
    if (v != NULL)
        return v;
    struct buf b = BUF_INIT;
    int64_t id;
    size_t n;
    if (strncmp(key, "gopher:/incidents/", 18) == 0 &&
        (n = proto_parse_id(key + 18, &id)) > 0 && key[18 + n] == '\0') {
        const struct incident *inc = snapshot_incident(s, id);
        if (inc == NULL)
            return NULL;
        uint64_t stamp = snapshot_post_stamp(s, inc, false);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        struct buf text = BUF_INIT;
        text_incident(&text, s, inc, true);
        if (buf_failed(&text)) {
            buf_free(&text);
            return NULL;
        }
        text_to_crlf(&b, text.data != NULL ? text.data : "", text.len);
        buf_free(&text);
        return cache_item(s, key, stamp, PROTO_GOPHER_TEXT, &b);
    }
    const struct service *svc;
    if (strncmp(key, "gopher:/services/", 17) == 0 &&
        (svc = snapshot_service(s, key + 17)) != NULL) {
        uint64_t stamp = query_service_stamp(s, (size_t)(svc - s->services),
                                             GOPHER_SERVICE_POSTS, true);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        service_menu(&b, s, svc);
        return cache_item(s, key, stamp, PROTO_GOPHER_MENU, &b);
    }
    int year, month, page;
    if (strncmp(key, "gopher:/history/", 16) == 0 &&
        (n = proto_parse_month(key + 16, &year, &month, &page)) > 0 &&
        key[16 + n] == '\0') {
        int m = query_find_month(s, year, month);
        if (m < 0 || page > query_month_pages(s, (size_t)m))
            return NULL;
        uint64_t stamp = snapshot_month_stamp(s, (size_t)m, page, true);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        month_menu(&b, s, (size_t)m, page);
        return cache_item(s, key, stamp, PROTO_GOPHER_MENU, &b);
    }
    return NULL;
}

/* ---- requests --------------------------------------------------------- */

/* The Gopher+ probe of the UMN client ("\t$" and friends) on the root:
 * answer with a stub that points to our plain menu, or it gives up with
 * "Nothing received for main menu". gophernicus and geomyidae answer it
 * the same way; Gopher+ headers: "+-1" means "read until a '.' line". */
static bool plus_probe(const char *search, size_t n)
{
    return n == 0 || search[0] == '$' || search[0] == '+' || search[0] == '!';
}

static void plus_stub(struct buf *out, const struct snapshot *s)
{
    /* UMN shows the stub as a menu of one item, titled like our root. */
    buf_puts(out, "+-1\r\n+INFO: 1");
    put_display(out, s->site.name != NULL && s->site.name[0] != '\0'
                         ? s->site.name
                         : "Main menu");
    buf_puts(out, "\t\t");
    put_host(out, s);
    buf_printf(out,
               "\t%d\r\n+VIEWS:\r\n application/gopher+-menu: <512b>"
               "\r\n" GOPHER_END,
               port_of(s));
}

/* Schemes a "URL:" link may lead to: never javascript:, data: and the
 * like, which a browser would run in the page we hand it. */
static bool url_allowed(const char *u, size_t n)
{
    static const char *const schemes[] = {"http://", "https://", "gopher://"};
    bool known = false;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t k = strlen(schemes[i]);
        if (n > k && strncasecmp(u, schemes[i], k) == 0)
            known = true;
    }
    if (!known)
        return false;
    /* Printable ASCII only: no spaces, controls or bytes a browser might
     * repair into something else. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
            return false;
    return true;
}

/* The page lynx shows for an "h" item with a "URL:" selector (John
 * Goerzen's convention): a refresh and a plain link, the URL escaped. */
static void url_page(struct buf *out, const char *u, size_t n)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"refresh\" content=\"2; url=");
    html_escape_n(out, u, n);
    buf_puts(out, "\">\n<title>Leaving Gopherspace</title>\n</head>\n"
                  "<body>\n<p>This link leads out of Gopherspace to:</p>\n"
                  "<p><a href=\"");
    html_escape_n(out, u, n);
    buf_puts(out, "\">");
    html_escape_n(out, u, n);
    buf_puts(out, "</a></p>\n</body>\n</html>\n");
}

/* The type-3 reply for an unknown selector, echoing a cleaned, shortened
 * copy so the user sees what was asked (never a raw byte of it). */
static void not_found(struct buf *out, const char *sel, size_t n)
{
    struct buf raw = BUF_INIT, clean = BUF_INIT, msg = BUF_INIT;
    /* NUL bytes would end the string early: they are controls anyway. */
    for (size_t i = 0; i < n && i < 4 * GOPHER_ECHO_MAX; i++)
        if (sel[i] != '\0')
            buf_putc(&raw, sel[i]);
    text_clean(&clean, raw.data != NULL ? raw.data : "");
    size_t cols = 0, cut = clean.len;
    for (size_t i = 0; i < clean.len; i++) {
        if (((unsigned char)clean.data[i] & 0xc0) == 0x80)
            continue;
        if (cols == GOPHER_ECHO_MAX) {
            cut = i;
            break;
        }
        cols++;
    }
    buf_putc(&msg, '\'');
    if (cut > 0)
        buf_append(&msg, clean.data, cut);
    buf_puts(&msg, cut < clean.len || n > 4 * GOPHER_ECHO_MAX ? "...'" : "'");
    buf_puts(&msg, " does not exist");
    put_error(out, msg.data);
    if (buf_failed(&raw) || buf_failed(&clean) || buf_failed(&msg))
        out->oom = true;
    buf_free(&raw);
    buf_free(&clean);
    buf_free(&msg);
}

/* ---- search ------------------------------------------------------------ */

/* Results per page of a search menu. */
#define GOPHER_SEARCH_MAX 50

/* The menu of one page of results (words[0..n) is the query; res is
 * search_run()'s answer). The first page of at most GOPHER_SEARCH_MAX
 * matches has no link to another page. */
static void search_menu(struct buf *out, const struct snapshot *s,
                        const char *words, size_t n, size_t page,
                        const struct search_page *res)
{
    struct buf title = BUF_INIT, link = BUF_INIT;
    buf_puts(&title, "Search results for: ");
    put_capped(&title, words, n); /* cleaned and capped like any echo */
    menu_head(out, s, title.data);
    if (page > 1 && res->n > 0) {
        buf_reset(&title);
        buf_printf(&title, "Older matches: %zu to %zu",
                   (page - 1) * GOPHER_SEARCH_MAX + 1,
                   (page - 1) * GOPHER_SEARCH_MAX + res->n);
        menu_info(out, title.data);
        menu_info(out, "");
    }
    menu_posts(out, s, res->posts, (int)res->n,
               page > 1 ? "There are no more matches."
                        : "No post matches all of those words.");
    /* Another page is a menu (type 1) whose selector carries the words
     * and the page (text_search_link): a type-7 item would make the
     * client ask for the words again. */
    if (res->more || page > 1)
        menu_info(out, "");
    if (res->more) {
        text_search_link(&link, words, page + 1, false);
        menu_item(out, s, '1', "Older matches", link.data);
    }
    if (page > 1) {
        buf_reset(&link);
        text_search_link(&link, words, page - 1, false);
        menu_item(out, s, '1', "Newer matches", link.data);
    }
    menu_info(out, "");
    menu_item(out, s, '7', "Search again", "/search");
    menu_back(out, s);
    if (buf_failed(&title) || buf_failed(&link))
        out->oom = true;
    buf_free(&title);
    buf_free(&link);
}

/* A search, run on the thread pool (PROTO_JOB): the words and the page
 * asked for, then the menu it rendered. */
struct search_job {
    struct proto_job base; /* first: a proto_job* is a search_job* */
    char words[QUERY_MAX + 1];
    size_t len;
    size_t page;
    struct buf menu;
};

/* Worker thread: the search and the whole menu. */
static void search_job_run(struct proto_job *pj, const struct snapshot *snap,
                           const char *db_path)
{
    struct search_job *job = (struct search_job *)pj;
    struct search_page res;
    int rc = search_run(db_path, snap, job->words, job->page, GOPHER_SEARCH_MAX,
                        &res);
    if (rc < 0) {
        put_error(&job->menu, rc == UV_EINVAL ? "Search: at most 8 words"
                                              : "Search failed");
        return;
    }
    search_menu(&job->menu, snap, job->words, job->len, job->page, &res);
    search_page_free(&res);
}

static void search_job_release(struct proto_job *pj)
{
    struct search_job *job = (struct search_job *)pj;
    buf_free(&job->menu);
    free(job);
}

static enum proto_result gopher_on_job_done(void *state,
                                            const struct snapshot *snap,
                                            struct proto_job *pj, int status,
                                            struct reply *out)
{
    struct search_job *job = (struct search_job *)pj;
    if (status != 0) {
        put_error(&out->head, "Too many searches at once, try again shortly");
        out->status = 503;
        return PROTO_REPLY_CLOSE;
    }
    /* The menu moves into the reply; the reply's old buffer goes with the
     * job. */
    struct buf t = out->head;
    out->head = job->menu;
    job->menu = t;
    return PROTO_REPLY_CLOSE;
}

/* Checks the words q[0..n) and hands the search to server/ (PROTO_JOB),
 * or answers a refusal at once. */
static enum proto_result search_start(const char *q, size_t n, size_t page,
                                      struct reply *out)
{
    /* Blanks alone are no words: an empty results menu would suggest the
     * history holds nothing, where the client merely sent nothing. */
    size_t blank = 0;
    while (q != NULL && blank < n && (q[blank] == ' ' || q[blank] == '\t'))
        blank++;
    if (q == NULL || blank == n || memchr(q, '\0', n) != NULL) {
        put_error(&out->head, "Search: give some words to look for");
        out->status = 400;
        return PROTO_REPLY_CLOSE;
    }
    if (n > QUERY_MAX) {
        put_error(&out->head, "Search: too long a query");
        out->status = 414;
        return PROTO_REPLY_CLOSE;
    }
    struct search_job *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        put_error(&out->head, "Search failed");
        out->status = 503;
        return PROTO_REPLY_CLOSE;
    }
    job->base.run = search_job_run;
    job->base.release = search_job_release;
    memcpy(job->words, q, n);
    job->words[n] = '\0';
    job->len = n;
    job->page = page;
    out->job = &job->base;
    return PROTO_JOB;
}

/* A page of a search, "/search?q=WORDS&page=N" (the selector of the
 * "Older matches" items, text_search_link): its words percent-decoded
 * into words (cap bytes with the NUL), its page. A '%' not followed by
 * two hex digits stands for itself, so that a selector a client decoded
 * once already (curl decodes the URL it is given) still reads the same;
 * '+' is itself, as RFC 3986 has it. False for a page that is not a
 * number from 1 to SEARCH_PAGE_MAX. *n is cap when the words did not
 * fit. */
static bool search_selector(const char *sel, size_t len, char *words,
                            size_t cap, size_t *n, size_t *page)
{
    *n = 0;
    *page = 1;
    const char *end = sel + len;
    for (const char *p = sel; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        if (stop - p >= 2 && p[0] == 'q' && p[1] == '=') {
            *n = 0;
            for (const char *c = p + 2; c < stop && *n < cap; c++) {
                int hi =
                    *c == '%' && stop - c >= 3 ? proto_hex_value(c[1]) : -1;
                int lo =
                    *c == '%' && stop - c >= 3 ? proto_hex_value(c[2]) : -1;
                if (hi >= 0 && lo >= 0) {
                    words[(*n)++] = (char)(hi * 16 + lo);
                    c += 2;
                } else {
                    words[(*n)++] = *c;
                }
            }
        } else if (stop - p >= 5 && memcmp(p, "page=", 5) == 0) {
            size_t v = 0;
            const char *d = p + 5;
            if (d == stop)
                return false;
            for (; d < stop; d++) {
                if (*d < '0' || *d > '9' || v > SEARCH_PAGE_MAX)
                    return false;
                v = v * 10 + (size_t)(*d - '0');
            }
            if (v < 1 || v > SEARCH_PAGE_MAX)
                return false;
            *page = v;
        }
        p = stop + 1;
    }
    return true;
}

/* Answers one request line (without its LF; a final CR is still there). */
static enum proto_result answer(const struct snapshot *snap, const char *line,
                                size_t n, struct reply *out)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    reply_set_log(out, "gopher ", line, n);
    out->status = 200; /* unless an error below says otherwise */

    const char *tab = memchr(line, '\t', n);
    size_t sel_len = tab != NULL ? (size_t)(tab - line) : n;
    const char *search = tab != NULL ? tab + 1 : NULL;
    size_t search_len = tab != NULL ? n - sel_len - 1 : 0;

    if (sel_len == 0 || (sel_len == 1 && line[0] == '/')) {
        if (search != NULL && plus_probe(search, search_len)) {
            plus_stub(&out->head, snap);
            return PROTO_REPLY_CLOSE;
        }
        const struct view *v = snapshot_view(snap, "gopher:");
        if (v == NULL) {
            put_error(&out->head, "The status is not available yet");
            out->status = 503;
            return PROTO_REPLY_CLOSE;
        }
        out->body = v->body;
        out->body_len = v->len;
        return PROTO_REPLY_CLOSE;
    }

    if (sel_len >= 4 && strncmp(line, "URL:", 4) == 0) {
        if (url_allowed(line + 4, sel_len - 4))
            url_page(&out->head, line + 4, sel_len - 4);
        else {
            put_error(&out->head, "This kind of link is not followed");
            out->status = 403;
        }
        return PROTO_REPLY_CLOSE;
    }

    /* Type 7 (RFC 1436 §3.7): "selector TAB words"; the reply is a menu. */
    if (sel_len == 7 && memcmp(line, "/search", 7) == 0) {
        /* Gopher+ clients add a third field ("\t+", "\t$"): the words
         * are the second field only. */
        const char *more =
            search != NULL ? memchr(search, '\t', search_len) : NULL;
        if (more != NULL)
            search_len = (size_t)(more - search);
        return search_start(search, search_len, 1, out);
    }
    /* A further page of results: the words are in the selector. */
    if (sel_len > 8 && memcmp(line, "/search?", 8) == 0) {
        char words[QUERY_MAX + 1];
        size_t wn, page;
        if (!search_selector(line + 8, sel_len - 8, words, sizeof(words), &wn,
                             &page)) {
            put_error(&out->head, "Search: no such page");
            out->status = 404;
            return PROTO_REPLY_CLOSE;
        }
        return search_start(words, wn, page, out);
    }

    /* Everything else is a plain lookup; the search part (a Gopher+ "$"
     * or "+" included) is ignored, as gophernicus does. */
    const struct view *v = NULL;
    if (memchr(line, '\0', sel_len) == NULL) {
        struct buf key = BUF_INIT;
        buf_puts(&key, "gopher:");
        buf_append(&key, line, sel_len);
        if (!buf_failed(&key))
            v = find_view(snap, key.data);
        buf_free(&key);
    }
    if (v == NULL) {
        not_found(&out->head, line, sel_len);
        out->status = 404;
        return PROTO_REPLY_CLOSE;
    }
    out->body = v->body;
    out->body_len = v->len;
    if (v->cached) /* it may go before it is sent */
        out->hold = snapshot_view_hold(v);
    return PROTO_REPLY_CLOSE;
}

static enum proto_result
gopher_on_limit(void *state, const struct snapshot *snap, struct reply *out)
{
    put_error(&out->head, "Selector too long");
    reply_set_log(out, NULL, "-", 1);
    out->status = 414;
    return PROTO_REPLY_CLOSE;
}

static enum proto_result gopher_on_data(void *state,
                                        const struct snapshot *snap,
                                        const char *in, size_t len,
                                        size_t *consumed, struct reply *out)
{
    /* One request per connection, and only its first line: curl puts a
     * decoded %0D%0A on the wire, so the bytes after the first LF are an
     * injection, not a second request (the "gopher:// SSRF" trick). */
    size_t n;
    switch (proto_first_line(in, len, GOPHER_MAX_REQUEST, false, &n)) {
    case PROTO_LINE_MORE: /* never assume one read is one request */
        return PROTO_MORE;
    case PROTO_LINE_TOO_LONG:
        *consumed = len;
        return gopher_on_limit(state, snap, out);
    case PROTO_LINE_DONE:
        break;
    }
    *consumed = len;
    enum proto_result r = answer(snap, in, n, out);
    out->whole = true;
    return r;
}

static enum proto_result gopher_on_eof(void *state, const struct snapshot *snap,
                                       const char *in, size_t len,
                                       struct reply *out)
{
    /* Some clients half-close after the selector and never send a line
     * end; curl with a NUL in the URL sends nothing at all. */
    size_t n;
    if (len == 0)
        return PROTO_CLOSE;
    if (proto_first_line(in, len, GOPHER_MAX_REQUEST, true, &n) !=
        PROTO_LINE_DONE)
        return gopher_on_limit(state, snap, out);
    return answer(snap, in, n, out);
}

static void gopher_busy(const struct snapshot *snap, struct reply *out)
{
    put_error(&out->head, "Server busy, try again shortly");
    out->status = 503;
}

static int gopher_each_view(const struct snapshot *s,
                            void (*fn)(const struct view *v, void *arg),
                            void *arg)
{
    static const char *const posts[] = {"gopher:/incidents/%" PRId64};
    static const char *const services[] = {"gopher:/services/%s"};
    static const struct proto_keys keys = {posts, 1, services, 1,
                                           "gopher:/history/%04d-%02d"};
    return proto_walk_views(&gopher_proto, s, "gopher:", &keys, fn, arg);
}

const struct proto gopher_proto = {
    .name = "gopher",
    .state_size = 0,
    .max_request = GOPHER_MAX_REQUEST,
    .read_timeout_ms = GOPHER_TIMEOUT_MS,
    .idle_timeout_ms = GOPHER_TIMEOUT_MS,
    .prerender = gopher_prerender,
    .view = find_view,
    .each_view = gopher_each_view,
    .init = NULL,
    .fini = NULL,
    .on_data = gopher_on_data,
    .on_limit = gopher_on_limit,
    .on_timeout = NULL, /* a client that stalls gets nothing: close */
    .on_eof = gopher_on_eof,
    .busy = gopher_busy,
    .on_job_done = gopher_on_job_done,
};
