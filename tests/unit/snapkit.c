/* snapkit: see snapkit.h. */
#include "snapkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/store_int.h"
#include "testlib.h"

/* ---- a database on a temporary file ----------------------------------- */

void snapkit_tmp_path(char path[SNAPKIT_PATH_MAX])
{
    snprintf(path, SNAPKIT_PATH_MAX, "/tmp/outpost-snapkit-XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    unlink(path);
}

void snapkit_tmp_remove(const char *path)
{
    char aux[SNAPKIT_PATH_MAX + 8];
    unlink(path);
    snprintf(aux, sizeof(aux), "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", path);
    unlink(aux);
}

/* ---- the site --------------------------------------------------------- */

void snapkit_site(struct snapshot *s, const char *name)
{
    s->site.name = snapshot_strdup(s, name);
    s->site.hostname = snapshot_strdup(s, "status.example.net");
    s->site.base_url = snapshot_strdup(s, "http://status.example.net");
    s->site.http_port = 80;
    s->site.gopher_port = 70;
    s->site.finger_port = 79;
    s->site.time_zone = NULL;
    s->site.tz = NULL;
    s->site.max_age = 30;
}

struct snapshot *snapkit_load(struct store *st, int64_t now,
                              const struct snapshot *base,
                              struct view_cache *cache, const char *name)
{
    struct snapshot *s = NULL;
    int rc = store_load_from(st, now, base, &s);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        printf("  load: %s\n", store_errmsg(st));
        return NULL;
    }
    snapkit_site(s, name);
    s->cache = cache;
    snapshot_seal(s);
    const struct proto *const all[] = {&http_proto, &gopher_proto,
                                       &finger_proto};
    for (size_t i = 0; i < 3; i++) {
        rc = all[i]->prerender(s);
        CHECK_INT(rc, 0);
        if (rc != 0) {
            snapshot_unref(s);
            return NULL;
        }
    }
    return s;
}

/* ---- change stamps ---------------------------------------------------- */

void snapkit_revs(struct store *st, struct snapkit_revs *out)
{
    memset(out, 0, sizeof(*out));
    int64_t n = snapkit_sql_int(st, "SELECT count(*) FROM incidents");
    CHECK(n >= 0);
    if (n < 0)
        return;
    out->id = calloc((size_t)n + 1, sizeof(*out->id));
    out->rev = calloc((size_t)n + 1, sizeof(*out->rev));
    CHECK(out->id != NULL && out->rev != NULL);
    sqlite3_stmt *stmt;
    CHECK_INT(sqlite3_prepare_v2(st->db,
                                 "SELECT id, rev FROM incidents ORDER BY id",
                                 -1, &stmt, NULL),
              SQLITE_OK);
    while (out->n < (size_t)n && sqlite3_step(stmt) == SQLITE_ROW) {
        out->id[out->n] = sqlite3_column_int64(stmt, 0);
        out->rev[out->n] = sqlite3_column_int64(stmt, 1);
        out->n++;
    }
    sqlite3_finalize(stmt);
    CHECK_INT(out->n, n);
    out->counter = snapkit_sql_int(st, "SELECT n FROM change_counter");
}

void snapkit_revs_free(struct snapkit_revs *r)
{
    free(r->id);
    free(r->rev);
    memset(r, 0, sizeof(*r));
}

int64_t snapkit_rev_of(const struct snapkit_revs *r, int64_t id)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->id[mid] == id)
            return r->rev[mid];
        if (r->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void snapkit_sql(struct store *st, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &err);
    CHECK_INT(rc, SQLITE_OK);
    if (rc != SQLITE_OK)
        printf("  sql [%s]: %s\n", sql, err != NULL ? err : "?");
    sqlite3_free(err);
}

int64_t snapkit_sql_int(struct store *st, const char *sql)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        CHECK(!"prepare");
        printf("  sql [%s]: %s\n", sql, sqlite3_errmsg(st->db));
        return -1;
    }
    int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* ---- random ----------------------------------------------------------- */

uint64_t snapkit_next(struct snapkit_rng *r)
{
    if (r->x == 0)
        r->x = 0x9e3779b97f4a7c15ULL;
    r->x ^= r->x >> 12;
    r->x ^= r->x << 25;
    r->x ^= r->x >> 27;
    return r->x * 0x2545f4914f6cdd1dULL;
}

size_t snapkit_below(struct snapkit_rng *r, size_t bound)
{
    return bound > 0 ? (size_t)(snapkit_next(r) % bound) : 0;
}

/* ---- views ------------------------------------------------------------ */

static char *dup_bytes(const char *p, size_t n)
{
    if (p == NULL)
        return NULL;
    char *d = malloc(n + 1);
    if (d != NULL) {
        if (n > 0)
            memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static void collect_cb(const struct view *v, void *arg)
{
    struct snapkit_views *vs = arg;
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 256;
        struct snapkit_view *p = realloc(vs->v, cap * sizeof(*p));
        if (p == NULL) {
            CHECK(!"out of memory");
            return;
        }
        vs->v = p;
        vs->cap = cap;
    }
    struct snapkit_view *c = &vs->v[vs->n++];
    c->key = dup_bytes(v->key, strlen(v->key));
    c->content_type = v->content_type != NULL
                          ? dup_bytes(v->content_type, strlen(v->content_type))
                          : NULL;
    c->body = dup_bytes(v->body != NULL ? v->body : "", v->len);
    c->len = v->len;
    c->gzip = v->gzip != NULL ? dup_bytes(v->gzip, v->gzip_len) : NULL;
    c->gzip_len = v->gzip != NULL ? v->gzip_len : 0;
    memcpy(c->etag, v->etag, sizeof(c->etag));
    c->ptr = v;
}

static int by_key(const void *a, const void *b)
{
    const struct snapkit_view *x = a, *y = b;
    return strcmp(x->key, y->key);
}

void snapkit_collect(const struct proto *p, const struct snapshot *s,
                     struct snapkit_views *out)
{
    memset(out, 0, sizeof(*out));
    CHECK_INT(p->each_view(s, collect_cb, out), 0);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), by_key);
    for (size_t i = 1; i < out->n; i++)
        if (strcmp(out->v[i - 1].key, out->v[i].key) == 0) {
            CHECK(!"a key walked twice");
            printf("  key %s\n", out->v[i].key);
        }
}

void snapkit_views_free(struct snapkit_views *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].key);
        free(vs->v[i].content_type);
        free(vs->v[i].body);
        free(vs->v[i].gzip);
    }
    free(vs->v);
    memset(vs, 0, sizeof(*vs));
}

const struct snapkit_view *snapkit_find(const struct snapkit_views *vs,
                                        const char *key)
{
    struct snapkit_view want = {.key = (char *)key};
    if (vs->n == 0)
        return NULL;
    return bsearch(&want, vs->v, vs->n, sizeof(*vs->v), by_key);
}

static bool same_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    if (a == NULL || b == NULL)
        return a == b;
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Prints where two bodies part, with a little of each. */
static void show_difference(const struct snapkit_view *x,
                            const struct snapkit_view *y)
{
    size_t i = 0;
    while (i < x->len && i < y->len && x->body[i] == y->body[i])
        i++;
    size_t from = i > 40 ? i - 40 : 0;
    printf("  %s: bodies of %zu and %zu bytes part at byte %zu\n"
           "    [%.*s]\n    [%.*s]\n",
           x->key, x->len, y->len, i,
           (int)(x->len - from < 120 ? x->len - from : 120), x->body + from,
           (int)(y->len - from < 120 ? y->len - from : 120), y->body + from);
}

size_t snapkit_compare(const struct snapkit_views *a,
                       const struct snapkit_views *b, const char *what)
{
    size_t i = 0, j = 0, differ = 0, shown = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n   ? 1
                : j == b->n ? -1
                            : strcmp(a->v[i].key, b->v[j].key);
        if (c != 0) {
            differ++;
            if (shown++ < 5)
                printf("  %s: key %s only in the %s\n", what,
                       c < 0 ? a->v[i].key : b->v[j].key,
                       c < 0 ? "first" : "second");
            if (c < 0)
                i++;
            else
                j++;
            continue;
        }
        const struct snapkit_view *x = &a->v[i++], *y = &b->v[j++];
        bool ct = x->content_type == NULL || y->content_type == NULL
                      ? x->content_type == y->content_type
                      : strcmp(x->content_type, y->content_type) == 0;
        bool body = same_bytes(x->body, x->len, y->body, y->len);
        bool gz = same_bytes(x->gzip, x->gzip_len, y->gzip, y->gzip_len);
        bool etag = strcmp(x->etag, y->etag) == 0;
        if (ct && body && gz && etag)
            continue;
        differ++;
        if (shown++ >= 5)
            continue;
        if (!body)
            show_difference(x, y);
        else
            printf("  %s: %s differs in its %s\n", what, x->key,
                   !ct   ? "content type"
                   : !gz ? "gzip body"
                         : "ETag");
    }
    if (differ > 0) {
        CHECK(!"the views differ");
        printf("  %s: %zu keys differ\n", what, differ);
    }
    return differ;
}
