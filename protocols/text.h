/* text: the plain-text renderings shared by finger, Gopher type-0 items and
 * the HTTP text twins (/status.txt, /incidents/ID.txt), so that all of them
 * say the same thing in the same order.
 *
 * Output is UTF-8 with LF line ends, wrapped at TEXT_WIDTH columns, with
 * every control character (except LF) removed from data. Callers that need
 * ASCII or CRLF convert with text_to_finger() / text_to_crlf().
 */
#ifndef OUTPOST_TEXT_H
#define OUTPOST_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/common/buf.h"
#include "../store/snapshot.h"

#define TEXT_WIDTH 72

/* The summary: page name, overall line, server time, services (by group)
 * with their status, open incidents, maintenance in progress and upcoming,
 * current notices, and a "details:" hint naming the incident ids. */
void text_summary(struct buf *out, const struct snapshot *s);
/* One incident with its whole timeline (newest first) and postmortem.
 * long_form adds affected services and every update's author and status. */
void text_incident(struct buf *out, const struct snapshot *s,
                   const struct incident *inc, bool long_form);
/* One service: status and why, group, description, and its recent posts
 * one entry each (long_form: 20 of them, each in full). */
void text_service(struct buf *out, const struct snapshot *s,
                  const struct service *svc, bool long_form);
/* The uptime of service index svc (store/uptime.h): a heading with the
 * 90-day percentage, then rows of UPTIME_ROW days, one character a day,
 * each row with its first date and its own percentage, and the key
 * (at most 72 columns, ASCII). long_form adds a line for every day that
 * was not fully up. Nothing when the snapshot has no uptime. */
void text_uptime(struct buf *out, const struct snapshot *s, size_t svc,
                 bool long_form);
/* How many recent posts text_service lists. */
size_t text_service_posts(bool long_form);
/* The history by month, newest first: the last 12 months with one entry
 * per post (long_form: every month, every post in full). */
void text_history(struct buf *out, const struct snapshot *s, bool long_form);
/* The same, stopping between posts once more than max_bytes (0: no bound)
 * are written, and then returning true: for a reply that is cut at a size
 * anyway, the text up to the cut is the same, and an archive of years is
 * not rendered in full to be thrown away. */
bool text_history_upto(struct buf *out, const struct snapshot *s,
                       bool long_form, size_t max_bytes);
/* Maintenance in progress, upcoming, and completed in the last 30 days
 * (long_form: the running and upcoming ones in full). */
void text_maintenance(struct buf *out, const struct snapshot *s,
                      bool long_form);
/* Help: how to reach this status on every protocol. */
void text_help(struct buf *out, const struct snapshot *s);

/* An incident's impact in words, "no impact" or "minor impact" (never
 * "none impact"): every protocol and feed says it through this function so
 * they agree. */
const char *text_impact_words(enum impact i);

/* Appends a displayed time: "2026-11-23 12:34 UTC", plus the site's display
 * zone when one is configured. Every protocol shows times through this
 * function so they agree. */
void text_time(struct buf *out, const struct snapshot *s, int64_t t);
/* Appends a window: "2026-11-20 00:30 to 02:30 UTC" (both dates when they
 * differ; "from X" when end is 0), with the display zone when configured. */
void text_window(struct buf *out, const struct snapshot *s, int64_t start,
                 int64_t end);

/* Appends the web address of path ("/history"): the configured base URL
 * (or http://hostname[:port]) without its trailing slash, then path. */
void text_web_url(struct buf *out, const struct snapshot *s, const char *path);

/* Appends the path of page `page` of a search for the words q, which HTTP
 * and Gopher both answer: "/search?q=WORDS" for the first page,
 * "/search?q=WORDS&page=N" for the others ("&amp;" when html, for an
 * attribute). WORDS is q percent-encoded (RFC 3986 §2.1): every byte but
 * the unreserved letters, digits and "-._~" as %XX, a space as %20, so
 * that the link is one token of printable ASCII to any client. */
void text_search_link(struct buf *out, const char *q, size_t page, bool html);

/* Appends text word-wrapped at width columns (counting UTF-8 code points),
 * each line prefixed with indent; paragraphs (blank lines) are kept; control
 * characters are dropped, TAB becomes a space. */
void text_wrap(struct buf *out, const char *text, size_t width,
               const char *indent);
/* Whether a line of a body (no LF) looks preformatted, pasted command
 * output rather than prose: it starts with a space, a tab or a no-break
 * space, or holds a tab, three spaces in a row, or two that do not follow
 * a sentence's end (".!?:"). Text, Gopher and finger keep such a line as
 * it is (tabs expanded) where they wrap prose, and HTML shows it in <pre>:
 * the one rule every protocol follows. A blank line is no such line. */
bool text_line_preformatted(const char *s, size_t n);
/* Appends s[0..n) with each TAB expanded to the next multiple of 8
 * columns (a column a UTF-8 code point), as a terminal shows it. */
void text_expand_tabs(struct buf *out, const char *s, size_t n);
/* Appends a body an operator wrote (an update, a postmortem) as the text
 * views show it: prose wrapped like text_wrap() (at a wrap, no-break
 * spaces that started the next word are dropped: they spaced two words),
 * preformatted lines (text_line_preformatted()) kept as they are, tabs
 * expanded, trailing blanks dropped, cut hard only where wider than width
 * (the rest under the line's own indentation). The first line starts with
 * first, the others with rest (NULL: none). */
void text_wrap_body(struct buf *out, const char *text, size_t width,
                    const char *first, const char *rest);
/* Appends s with control characters removed (TAB -> space, CR/LF -> space). */
void text_clean(struct buf *out, const char *s);

/* Converts UTF-8 text with LF line ends into 7-bit ASCII with CRLF for
 * finger: common letters transliterated (e -> e for é, "--" for an em
 * dash, quotes straightened), others become '?', every control byte
 * (including ESC) dropped. */
void text_to_finger(struct buf *out, const char *utf8, size_t len);
/* LF -> CRLF, nothing else changed (Gopher type 0). */
void text_to_crlf(struct buf *out, const char *text, size_t len);

#endif
