/* html: the HTML pages of the HTTP side, rendered from a snapshot.
 *
 * Every page is valid HTML5 that reads fully in lynx and w3m: no
 * JavaScript, one small inline stylesheet for graphical browsers, semantic
 * markup (header, main, h1/h2 sections, lists, one article per post,
 * <time datetime>), and status given in words, never by colour alone. Each
 * page names the site and shows the server's time.
 *
 * Everything that comes from the store is escaped; plain-text bodies become
 * paragraphs (split at blank lines, single line breaks kept) with http and
 * https URLs turned into links, and nothing else ever becomes a link.
 * Output is well-formed UTF-8: control characters are dropped (TAB, CR and
 * LF become spaces inside a line) and malformed bytes become U+FFFD.
 */
#ifndef OUTPOST_HTML_H
#define OUTPOST_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/common/buf.h"
#include "../store/query.h"
#include "../store/search.h"
#include "../store/snapshot.h"

/* Appends s escaped for HTML text and for quoted attribute values
 * (& < > " ' become entities). NULL appends nothing. */
void html_escape(struct buf *out, const char *s);
/* The same for len bytes. */
void html_escape_n(struct buf *out, const char *s, size_t len);
/* The one escaper behind both, and behind the feeds' XML: malformed UTF-8
 * becomes U+FFFD; C1 controls and noncharacters are left out, and so are
 * C0 controls and DEL but TAB and LF, which become spaces unless
 * keep_lines (CR is dropped then, since parsers fold CR LF into LF). */
void html_escape_text(struct buf *out, const char *s, size_t len,
                      bool keep_lines);

/* Appends a plain-text body as <p> paragraphs, with http(s) URLs linked;
 * lines that look preformatted (text_line_preformatted(), the text views'
 * rule) go in <pre>, tabs expanded. NULL or blank text appends nothing. */
void html_body(struct buf *out, const char *text);

/* The summary page ("/"): overall status, server time, services by group,
 * open incidents with their latest update, maintenance in progress and
 * upcoming, current notices, each post linked to /incidents/ID. */
void html_summary(struct buf *out, const struct snapshot *s);

/* One post's page ("/incidents/ID"): its facts, the whole timeline newest
 * first, and the postmortem. inc must belong to s. */
void html_incident(struct buf *out, const struct snapshot *s,
                   const struct incident *inc);

/* The help page ("/help"): the plain-text help (text_help) in a page. */
void html_help(struct buf *out, const struct snapshot *s);

/* A service: its shown status and why, its group and description, and
 * its 20 most recent posts. svc points into s->services. */
void html_service(struct buf *out, const struct snapshot *s,
                  const struct service *svc);
/* How many recent posts html_service lists. */
#define HTML_SERVICE_POSTS QUERY_SERVICE_LONG
/* The months that have posts, newest first, each linked to its page. */
void html_history(struct buf *out, const struct snapshot *s);
/* Page `page` (1-based, QUERY_MONTH_PAGE posts each) of the posts of one
 * month, with links to the neighbouring months and, for a month of more
 * than one page, to the neighbouring pages. */
void html_history_month(struct buf *out, const struct snapshot *s, int year,
                        int month, int page);
/* The search page: the form, with q (decoded, any bytes) escaped into it,
 * and page `page` of the results, HTML_SEARCH_MAX to a page, newest first,
 * with links to the newer and older pages. res is search_run()'s answer
 * for q and rc its return (UV_EINVAL: the query was refused as too long),
 * or NULL when q was not searched. too_long says the query was refused
 * before it was searched, and an empty q shows the form alone. The first
 * page of fewer than HTML_SEARCH_MAX matches has no pager. */
#define HTML_SEARCH_MAX 100
void html_search_results(struct buf *out, const struct snapshot *s,
                         const char *q, bool too_long, int rc, size_t page,
                         const struct search_page *res);
/* The first page for q, searched here by reading every post of s
 * (search_run() without a database): for tests and tools. */
void html_search(struct buf *out, const struct snapshot *s, const char *q,
                 bool too_long);

#endif
