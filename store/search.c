/* search: query_search page by page, candidates from the FTS5 index; the
 * shape is written out in search.h.
 */
#include "search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "query.h"
#include "store_int.h"

/* A growing array of post ids. */
struct ids {
    int64_t *v;
    size_t n, cap;
};

static int ids_push(struct ids *a, int64_t id)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        int64_t *p = realloc(a->v, cap * sizeof(*p));
        if (p == NULL)
            return UV_ENOMEM;
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = id;
    return 0;
}

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and drops repeats: a post is a candidate once, however many of
 * its texts hold the word. */
static void ids_settle(struct ids *a)
{
    if (a->n == 0)
        return;
    qsort(a->v, a->n, sizeof(*a->v), id_cmp);
    size_t k = 1;
    for (size_t i = 1; i < a->n; i++)
        if (a->v[i] != a->v[k - 1])
            a->v[k++] = a->v[i];
    a->n = k;
}

/* Keeps in a what b holds too; both settled. */
static void ids_intersect(struct ids *a, const struct ids *b)
{
    size_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        if (a->v[i] < b->v[j]) {
            i++;
        } else if (a->v[i] > b->v[j]) {
            j++;
        } else {
            a->v[k++] = a->v[i];
            i++;
            j++;
        }
    }
    a->n = k;
}

/* Characters in a valid UTF-8 word, or 0 if it is not valid UTF-8. */
static size_t word_chars(const char *w, size_t n)
{
    if (!utf8_valid(w, n))
        return 0;
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)w[i] & 0xc0) != 0x80)
            chars++;
    return chars;
}

/* The FTS5 query for one word: every trigram of it, each a quoted string
 * ('"' doubled), joined by AND. With detail=none the index cannot say
 * where a trigram stands, so this finds every text holding the word and
 * some that only hold its trigrams apart; the exact rule sorts them out. */
static void word_expr(struct buf *e, const char *w, size_t n)
{
    buf_reset(e);
    size_t starts[QUERY_MAX + 1], nc = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)w[i] & 0xc0) != 0x80)
            starts[nc++] = i;
    starts[nc] = n;
    for (size_t c = 0; c + 3 <= nc; c++) {
        if (c > 0)
            buf_puts(e, " AND ");
        buf_putc(e, '"');
        for (size_t i = starts[c]; i < starts[c + 3]; i++) {
            if (w[i] == '"')
                buf_putc(e, '"');
            buf_putc(e, w[i]);
        }
        buf_putc(e, '"');
    }
}

/* The posts that affect a service whose name holds the word, from the
 * snapshot: the same names the exact rule reads. */
static int service_posts(const struct snapshot *s, const char *w, size_t n,
                         struct ids *out)
{
    bool any = false;
    for (size_t k = 0; k < s->n_services && !any; k++)
        any = query_text_has(s->services[k].name, w, n);
    if (!any)
        return 0;
    bool *hit = calloc(s->n_services, sizeof(*hit));
    if (hit == NULL)
        return UV_ENOMEM;
    for (size_t k = 0; k < s->n_services; k++)
        hit[k] = query_text_has(s->services[k].name, w, n);
    int rc = 0;
    for (size_t i = 0; i < s->n_incidents && rc == 0; i++) {
        const struct incident *inc = &s->incidents[i];
        for (size_t k = 0; k < inc->n_services; k++) {
            size_t idx = inc->services[k].service;
            if (idx < s->n_services && hit[idx]) {
                rc = ids_push(out, inc->id);
                break;
            }
        }
    }
    free(hit);
    return rc;
}

/* The posts whose title, postmortem or an update holds every trigram of
 * the word, appended to out. */
static int index_posts(struct store *st, sqlite3_stmt *q, const char *w,
                       size_t n, struct ids *out)
{
    struct buf e = BUF_INIT;
    word_expr(&e, w, n);
    if (buf_failed(&e)) {
        buf_free(&e);
        return UV_ENOMEM;
    }
    int rc = 0;
    sqlite3_bind_text(q, 1, e.data, (int)e.len, SQLITE_STATIC);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW)
        rc = ids_push(out, sqlite3_column_int64(q, 0));
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "searching the index");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    buf_free(&e);
    return rc;
}

/* One statement for both tables: a post by its own row, or through the
 * update whose body matched. CROSS JOIN keeps SQLite from walking every
 * update to probe the index with each. */
#define INDEX_SQL                                                              \
    "SELECT rowid FROM search_posts WHERE search_posts MATCH ?1"               \
    " UNION ALL"                                                               \
    " SELECT u.incident_id FROM search_updates AS f CROSS JOIN updates AS u"   \
    " ON u.id = f.rowid WHERE f.search_updates MATCH ?1"

/* Opens the database as the snapshot builder does (server/reload.c):
 * read-write where it may, so that, being the last connection to close,
 * it checks the WAL into its own file; else read-only. Never creates it. */
static int open_db(const char *path, struct store **st)
{
    char err[STORE_ERRLEN];
    int rc = store_open_existing(path, st, err, sizeof(err));
    if (rc == UV_EIO)
        rc = store_open_readonly(path, st, err, sizeof(err));
    return rc;
}

/* Candidate ids from the index into *cand; UV_ENOMEM, or another code
 * when the index cannot be read (the caller scans instead). */
static int index_candidates(const char *db_path, const struct snapshot *s,
                            const struct query_words *ws, struct ids *cand)
{
    /* Longest words first: they tend to be the rarest. */
    size_t order[QUERY_MAX_WORDS], n = 0;
    for (size_t i = 0; i < ws->n; i++)
        if (word_chars(ws->start[i], ws->len[i]) >= 3)
            order[n++] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ws->len[order[j - 1]] < ws->len[order[j]];
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    if (n == 0)
        return UV_ENOENT; /* nothing the index can look up */
    struct store *st = NULL;
    int rc = open_db(db_path, &st);
    if (rc != 0)
        return rc;
    sqlite3_stmt *q = NULL;
    rc = store_prepare(st, INDEX_SQL, &q);
    struct ids word = {NULL, 0, 0};
    for (size_t k = 0; k < n && rc == 0; k++) {
        const char *w = ws->start[order[k]];
        size_t len = ws->len[order[k]];
        word.n = 0;
        rc = index_posts(st, q, w, len, &word);
        if (rc == 0)
            rc = service_posts(s, w, len, &word);
        if (rc != 0)
            break;
        ids_settle(&word);
        if (k == 0) {
            struct ids t = *cand;
            *cand = word;
            word = t;
        } else {
            ids_intersect(cand, &word);
        }
        if (cand->n <= SEARCH_FEW)
            break;
    }
    free(word.v);
    sqlite3_finalize(q);
    store_close(st);
    return rc;
}

/* A post with the key it is listed by, so that sorting compares numbers
 * rather than calling query_post_time() twice per comparison. */
struct listed {
    int64_t time, id;
    const struct incident *inc;
};

/* query_newest_first() over struct listed. */
static int listed_cmp(const void *a, const void *b)
{
    const struct listed *x = a, *y = b;
    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

static void listed_sort(struct listed *v, size_t n)
{
    if (n > 0)
        qsort(v, n, sizeof(*v), listed_cmp);
}

static void listed_set(struct listed *l, const struct incident *inc)
{
    l->time = query_post_time(inc);
    l->id = inc->id;
    l->inc = inc;
}

/* Confirming posts in list order, and what it found so far. */
struct confirm {
    const struct snapshot *s;
    const struct query_words *ws;
    size_t skip, per_page;
    size_t found; /* matches seen */
    const struct incident **page;
    size_t n;
    bool more, done;
};

/* The i-th post of the list being confirmed: the snapshot's history index
 * (order) or an array of its own (v). */
static const struct incident *listed_at(const struct confirm *c,
                                        const size_t *order,
                                        const struct listed *v, size_t i)
{
    return order != NULL ? &c->s->incidents[order[i]] : v[i].inc;
}

/* Confirms the list's posts [*at..n) in order, no further than `budget`
 * posts; done when the page is full and one more match is known, or the
 * list is exhausted. */
static void confirm_run(struct confirm *c, const size_t *order,
                        const struct listed *v, size_t n, size_t *at,
                        size_t budget)
{
    size_t stop = budget < n - *at ? *at + budget : n;
    for (; *at < stop && !c->done; (*at)++) {
        const struct incident *inc = listed_at(c, order, v, *at);
        if (!query_post_matches(c->s, inc, c->ws))
            continue;
        if (c->found >= c->skip + c->per_page) {
            c->more = true;
            c->done = true;
        } else {
            if (c->found >= c->skip)
                c->page[c->n++] = inc;
            c->found++;
        }
    }
    if (*at == n)
        c->done = true;
}

int search_run(const char *db_path, const struct snapshot *s, const char *q,
               size_t page, size_t per_page, struct search_page *out)
{
    memset(out, 0, sizeof(*out));
    if (page < 1 || page > SEARCH_PAGE_MAX || per_page < 1 ||
        per_page > SIZE_MAX / 8 / SEARCH_PAGE_MAX)
        return UV_EINVAL;
    struct query_words ws;
    int rc = query_split(q, &ws);
    if (rc != 0 || ws.n == 0 || s->n_incidents == 0)
        return rc;

    size_t nv = s->n_incidents;
    struct confirm c = {
        s, &ws, (page - 1) * per_page, per_page, 0, NULL, 0, false, false};
    c.page = malloc(per_page * sizeof(*c.page));
    if (c.page == NULL)
        return UV_ENOMEM;
    /* Newest first: the snapshot's history index is that order already
     * (query_index sorts by the same key), so a search of a large archive
     * reads it in place, with no copy or sort of the archive (a copy of
     * 100,000 posts is fresh pages to fault in on every search). Only a
     * snapshot built without the index (a test's) is sorted here. */
    const size_t *order = s->by_time;
    struct listed *v = NULL;
    if (order == NULL) {
        v = malloc(nv * sizeof(*v));
        if (v == NULL) {
            free(c.page);
            return UV_ENOMEM;
        }
        for (size_t i = 0; i < nv; i++)
            listed_set(&v[i], &s->incidents[i]);
        listed_sort(v, nv);
    }

    /* Words that occur in many posts fill a page from the first posts
     * read, newest first, sooner than the index could list them all; so
     * read a few posts first, and ask the index only when they did not
     * fill the page: SEARCH_READ_FIRST times as many as the page needs,
     * and no more than a quarter of all (past that, the words are not
     * common enough for the bet to pay). */
    size_t at = 0;
    bool may_index = db_path != NULL;
    size_t want = c.skip + per_page + 1;
    size_t first = SEARCH_READ_FIRST * want;
    if (first > nv / 4)
        first = nv / 4;
    confirm_run(&c, order, v, nv, &at, may_index ? first : nv);
    if (!c.done) {
        struct ids cand = {NULL, 0, 0};
        rc = index_candidates(db_path, s, &ws, &cand);
        if (rc == UV_ENOMEM) {
            free(cand.v);
            free(v);
            free(c.page);
            return rc;
        }
        if (rc == 0) {
            /* Start again over the candidates alone, in an array of
             * their own: at most the archive's size. */
            out->indexed = true;
            if (order != NULL) {
                free(v);
                v = cand.n > 0 ? malloc(cand.n * sizeof(*v)) : NULL;
                if (cand.n > 0 && v == NULL) {
                    free(cand.v);
                    free(c.page);
                    return UV_ENOMEM;
                }
                order = NULL;
            }
            nv = 0;
            for (size_t i = 0; i < cand.n; i++) {
                const struct incident *inc = snapshot_incident(s, cand.v[i]);
                if (inc != NULL) /* not written after the snapshot */
                    listed_set(&v[nv++], inc);
            }
            listed_sort(v, nv);
            at = 0;
            c.found = c.n = 0;
            c.more = c.done = false;
        }
        free(cand.v);
        /* Without the index, read on where the first pass stopped. */
        confirm_run(&c, order, v, nv, &at, nv);
    }
    free(v);
    out->n = c.n;
    out->more = c.more;
    if (c.n == 0) {
        free(c.page);
        return 0;
    }
    out->posts = c.page;
    return 0;
}

void search_page_free(struct search_page *p)
{
    free(p->posts);
    p->posts = NULL;
    p->n = 0;
}
