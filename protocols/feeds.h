/* feeds: the history as Atom 1.0 (RFC 4287) and RSS 2.0, for feed readers
 * and chat bots: incidents, maintenance and notices, newest change first,
 * each entry carrying its whole timeline.
 */
#ifndef OUTPOST_FEEDS_H
#define OUTPOST_FEEDS_H

#include "../store/buf.h"
#include "../store/snapshot.h"

/* How many posts a feed carries (the most recently changed). */
#define FEEDS_MAX_ENTRIES 50

/* Appends the Atom document. Entry ids are the posts' URLs (stable for as
 * long as the page's base URL is); the feed's updated time is the latest
 * change in the data, so the feed is byte-identical until something
 * changes. */
void feeds_atom(struct buf *out, const struct snapshot *s);
/* Appends the RSS 2.0 document, the same entries. */
void feeds_rss(struct buf *out, const struct snapshot *s);
/* Appends s escaped for XML character data and attribute values, with
 * every C0 control character but TAB and LF removed (XML 1.0 forbids
 * them; CR would be folded into LF). */
void feeds_xml_escape(struct buf *out, const char *s);

#endif
