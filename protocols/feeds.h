/* feeds: the history as Atom 1.0 (RFC 4287) and RSS 2.0, for feed readers
 * and chat bots: incidents, maintenance and notices, newest change first,
 * each entry carrying its whole timeline.
 */
#ifndef OUTPOST_FEEDS_H
#define OUTPOST_FEEDS_H

#include "../store/common/buf.h"
#include "../store/query.h"
#include "../store/snapshot.h"

/* How many posts a feed carries (the most recently changed). */
#define FEEDS_MAX_ENTRIES 50

/* Appends the Atom document. Entry ids are the posts' URLs (the site's
 * base URL, or http://HOSTNAME when none is configured, + /incidents/ID),
 * stable for as long as the base URL is; the feed's updated time is the
 * latest change in the data, so the feed is byte-identical until something
 * changes. Dates are RFC 3339 (UTC). Entry content is HTML (type="html"):
 * the post's facts, every update newest first with its time in the words
 * of text_time(), and the postmortem. Sets out->oom on allocation failure. */
void feeds_atom(struct buf *out, const struct snapshot *s);
/* Appends the RSS 2.0 document with the same entries: guid = the post's
 * URL, pubDate = its latest change in RFC 822 form, description = the same
 * HTML as Atom's content. */
void feeds_rss(struct buf *out, const struct snapshot *s);
/* How many posts a service's feeds carry: the newest that affect it, as
 * many as its page's stamp covers (QUERY_SERVICE_LONG), which makes the
 * feeds cached views stamped like the page. */
#define FEEDS_SERVICE_ENTRIES QUERY_SERVICE_LONG
/* The same two documents for one service (/services/SLUG.atom, .rss):
 * its FEEDS_SERVICE_ENTRIES newest posts, most recently changed first;
 * the feed's updated time is the latest change among them and the
 * service's own, so the bytes follow only what the feed shows. */
void feeds_service_atom(struct buf *out, const struct snapshot *s,
                        const struct service *svc);
void feeds_service_rss(struct buf *out, const struct snapshot *s,
                       const struct service *svc);
/* Appends s escaped for XML character data and attribute values (& < > "
 * ' as entities), keeping only what XML 1.0 allows and readers show: C0
 * controls but TAB and LF, DEL, C1 controls and U+FFFE/U+FFFF are
 * removed, malformed UTF-8 becomes U+FFFD. NULL appends nothing. */
void feeds_xml_escape(struct buf *out, const char *s);

#endif
