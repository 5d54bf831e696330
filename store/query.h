/* query: read-only questions about a snapshot that several protocols ask
 * (history by month, a service's posts, search), answered in one place so
 * every protocol lists the same posts in the same order.
 *
 * Results point into the snapshot and live as long as it does; arrays are
 * malloc'd and freed by the caller with free().
 */
#ifndef OUTPOST_QUERY_H
#define OUTPOST_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* A month of history: posts whose start time (started_at, or the
 * scheduled start for maintenance, or created_at) falls in it, UTC. */
struct query_month {
    int year;
    int month;      /* 1..12 */
    size_t count;   /* posts in that month */
    size_t first;   /* its newest post's place in snapshot.by_time */
    uint64_t stamp; /* of its posts' ids and change stamps */
};

/* Posts on one page of a month's history: a month of a busy archive holds
 * a thousand posts, more than a page should. */
#define QUERY_MONTH_PAGE 100

/* Indexes s by history time (snapshot.by_time, snapshot.months); called
 * by snapshot_derive once the posts are in id order. 0 or UV_ENOMEM. */
int query_index(struct snapshot *s);

/* The month of s->months that is year-month, or -1. */
int query_find_month(const struct snapshot *s, int year, int month);

/* The time a post is filed under in the history. */
int64_t query_post_time(const struct incident *inc);

/* Every month that has posts, newest first. *out is NULL when n is 0.
 * Returns the number of months, or a negative UV_ENOMEM. */
int query_months(const struct snapshot *s, struct query_month **out);

/* The posts of one month, newest first (by query_post_time, then id).
 * Returns the count (0 for a month without posts) or UV_ENOMEM. */
int query_month_posts(const struct snapshot *s, int year, int month,
                      const struct incident ***out);
/* The number of pages of month m (an index into s->months), at least 1. */
int query_month_pages(const struct snapshot *s, size_t m);
/* Page `page` (1-based) of month m: its posts in the same order, at most
 * QUERY_MONTH_PAGE of them, pointing into s. 0 for a page past the end. */
size_t query_month_page(const struct snapshot *s, size_t m, int page,
                        const struct incident **out);

/* The posts that affect service index svc, newest first; at most limit
 * (0 = all). Returns the count or UV_ENOMEM. */
int query_service_posts(const struct snapshot *s, size_t svc, size_t limit,
                        const struct incident ***out);

/* What the page of service svc listing its `limit` newest posts is made
 * from: the context and clock of snapshot_post_stamp(), and those posts'
 * ids and change stamps. limit is QUERY_SERVICE_SHORT or
 * QUERY_SERVICE_LONG, whose stamps query_index() works out beforehand. */
#define QUERY_SERVICE_SHORT 10
#define QUERY_SERVICE_LONG 20
uint64_t query_service_stamp(const struct snapshot *s, size_t svc, size_t limit,
                             bool clock);

/* Search: the query is split into words at white space; a post matches when
 * every word occurs, case-insensitively (ASCII folding; other UTF-8 bytes
 * compare exactly), in its title, an update body, its postmortem or an
 * affected service's name. Newest first, at most limit (0 = all). An empty
 * query matches nothing. Queries longer than QUERY_MAX bytes or with more
 * than QUERY_MAX_WORDS words are refused with UV_EINVAL. Returns the count or
 * a negative UV_E* code. */
#define QUERY_MAX 256
#define QUERY_MAX_WORDS 8
int query_search(const struct snapshot *s, const char *q, size_t limit,
                 const struct incident ***out);

/* The pieces of query_search, for a search that finds its candidates
 * elsewhere (store/search.c) and must still answer exactly as it does. */

/* A query split into words: pointers into the query's own text. */
struct query_words {
    const char *start[QUERY_MAX_WORDS];
    size_t len[QUERY_MAX_WORDS];
    size_t n;
};
/* Splits q at white space (space, TAB, CR, LF) into out. 0 (n may be 0:
 * nothing to find), or UV_EINVAL for a query of more than QUERY_MAX bytes
 * or QUERY_MAX_WORDS words. */
int query_split(const char *q, struct query_words *out);
/* True when word[0..n) occurs in text, ASCII letters compared without
 * case and every other byte exactly; a NULL text holds nothing. */
bool query_text_has(const char *text, const char *word, size_t n);
/* True when every word of w occurs in inc's title, an update body, its
 * postmortem or the name of a service it affects (query_search's rule). */
bool query_post_matches(const struct snapshot *s, const struct incident *inc,
                        const struct query_words *w);
/* The order of every list above, for qsort over const struct incident *:
 * newest first by query_post_time, then by id, highest first. */
int query_newest_first(const void *a, const void *b);

#endif
