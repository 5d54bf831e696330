/* search: query_search() (store/query.h) answered page by page with the
 * help of a full-text index, for a worker thread: the loop thread never
 * runs a search (server/ runs it as a PROTO_JOB, protocols/proto.h).
 *
 * The shape:
 *
 *   The index (schema migration 5, store/schema.c): SQLite FTS5 with the
 *   trigram tokenizer, one row per text, the posts' titles and
 *   postmortems (search_posts, rowid = incident id) and the updates'
 *   bodies (search_updates, rowid = update id), kept current by triggers
 *   in every writer's own transaction. Service names are not indexed:
 *   there are tens of them, matched against the snapshot.
 *
 *   A search (search_run) confirms posts newest first with query_search's
 *   own rule (query_post_matches), only until its page is full and one
 *   more match says that an older page exists: a page costs its own
 *   posts, not every match. What changes is which posts it reads:
 *   1. it splits the query as query_search does (query_split), with the
 *      same limits, so a refused query is refused alike;
 *   2. it reads every post of the snapshot, newest first, but at first
 *      only SEARCH_READ_FIRST times as many as the page needs (and at most
 *      a quarter of them): words that
 *      occur in many posts ("the", "outage") fill the page from those
 *      sooner than the index could list their thousands of rows;
 *   3. if that did not fill the page, it asks the index which posts can
 *      match, on a connection of its own for this search (closed before
 *      it returns: the server holds none between uses, see
 *      server/reload.c on restoring a file with mv). For each word the
 *      index can look up (valid UTF-8 of at least three characters: a
 *      trigram index holds nothing shorter), longest first, it takes the
 *      posts with a text that holds every trigram of the word (the
 *      tokenizer folds case, so this is a superset of what ASCII folding
 *      finds), adds the posts that affect a service whose name holds the
 *      word, and intersects; once SEARCH_FEW or fewer candidates are left
 *      it stops asking, as confirming them costs less than another
 *      lookup. Candidates the snapshot lacks (written after it) are
 *      skipped; the rest are confirmed newest first, as in 2;
 *   4. with no word the index can look up, no database (db_path NULL: the
 *      unit tests, the fuzz targets) or an index that cannot be read, it
 *      reads on through every post instead: the scan query_search does,
 *      only off the loop thread.
 *
 *   The index only narrows the candidates; what is shown is what
 *   query_search finds in the snapshot, in pages. Writers update the index
 *   before the snapshot is rebuilt, so it is never older than the
 *   snapshot and misses nothing it holds, with one exception: text edited
 *   away after the snapshot was taken (`update edit`, a replaced
 *   postmortem), whose old words the index has forgotten until the next
 *   snapshot, a fraction of a second later.
 *
 * Results point into the snapshot and live as long as it does.
 */
#ifndef OUTPOST_SEARCH_H
#define OUTPOST_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* Candidates few enough to confirm without asking the index more. */
#define SEARCH_FEW 128
/* Posts read before the index is asked, per match a page needs. */
#define SEARCH_READ_FIRST 4
/* The highest page number a search answers (a bound on its work). */
#define SEARCH_PAGE_MAX 10000

struct search_page {
    const struct incident **posts; /* newest first; malloc'd, or NULL */
    size_t n;                      /* posts on this page */
    bool more;                     /* older matches follow this page */
    bool indexed;                  /* the index chose the candidates */
};

/* Page `page` (1..SEARCH_PAGE_MAX) of per_page posts (at least 1) of
 * query_search(s, q, 0): the same posts in the same order, sliced. db_path
 * is the database s was loaded from, or NULL to read every post of s. A
 * query without words gives an empty page. Returns 0, UV_EINVAL for a
 * query query_search refuses (too long, too many words) or a page out of
 * range, or UV_ENOMEM. Reads s and opens its own connection, so any thread
 * may call it while s lives. Free the page with search_page_free(). */
int search_run(const char *db_path, const struct snapshot *s, const char *q,
               size_t page, size_t per_page, struct search_page *out);
void search_page_free(struct search_page *p);

#endif
