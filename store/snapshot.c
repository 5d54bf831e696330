/* snapshot: the arena, the refcount, the table of pre-rendered views with
 * their ETags, and the lookups in the model. What the snapshot derives from
 * the rows (shown statuses, groups, the indicator) is in derive.c.
 */
#include "snapshot.h"

#include <assert.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* ---- arena ------------------------------------------------------------ */

/* A snapshot is built once and freed at once, so a bump allocator over a
 * list of chunks is all it needs: no per-object free, no fragmentation. */
#define ARENA_CHUNK 16384
#define ARENA_ALIGN alignof(max_align_t)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char data[];
};

struct snapshot_arena {
    struct arena_chunk *head;
};

static void arena_free(struct snapshot_arena *a)
{
    if (a == NULL)
        return;
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *snapshot_alloc(struct snapshot *s, size_t size)
{
    struct snapshot_arena *a = s->arena;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

    struct arena_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < size) {
        /* A big allocation gets a chunk of its own, linked behind the
         * current one so the current chunk's free space is not lost. */
        size_t cap = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        struct arena_chunk *n = malloc(sizeof(*n) + cap);
        if (n == NULL)
            return NULL;
        n->used = 0;
        n->cap = cap;
        if (c != NULL && cap != ARENA_CHUNK) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *snapshot_memdup(struct snapshot *s, const void *p, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = snapshot_alloc(s, len + 1);
    if (d == NULL)
        return NULL;
    if (len > 0)
        memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

char *snapshot_strdup(struct snapshot *s, const char *str)
{
    if (str == NULL)
        return NULL;
    return snapshot_memdup(s, str, strlen(str));
}

/* ---- views ------------------------------------------------------------ */

/* Open addressing with linear probing over pointers to individually
 * allocated views, so a view's address stays put when the table grows and
 * snapshot_view() results remain valid for the snapshot's life. */
struct view_table {
    struct view **slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
};

static uint64_t fnv1a(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void snapshot_etag(const char *body, size_t len, char out[SNAPSHOT_ETAG_MAX])
{
    snprintf(out, SNAPSHOT_ETAG_MAX, "\"%016llx\"",
             (unsigned long long)fnv1a(body != NULL ? body : "", len));
}

static void view_free(struct view *v)
{
    free((char *)v->key);
    free((char *)v->content_type);
    free((char *)v->body);
    free((char *)v->gzip);
    free(v);
}

static void views_free(struct view_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            view_free(t->slots[i]);
    free(t->slots);
    free(t);
}

/* Returns the slot holding key, or the empty slot where it would go. */
static size_t views_slot(const struct view_table *t, const char *key)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)fnv1a(key, strlen(key)) & mask;
    while (t->slots[i] != NULL && strcmp(t->slots[i]->key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int views_grow(struct view_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct view **old = t->slots;
    size_t old_cap = t->cap;
    t->slots = calloc(cap, sizeof(*t->slots));
    if (t->slots == NULL) {
        t->slots = old;
        return UV_ENOMEM;
    }
    t->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != NULL)
            t->slots[views_slot(t, old[i]->key)] = old[i];
    free(old);
    return 0;
}

static char *xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

int snapshot_put_view(struct snapshot *s, const char *key,
                      const char *content_type, char *body, size_t len)
{
    struct view_table *t = s->views;
    /* Keep the load factor at most 1/2 so probes stay short. */
    if ((t->count + 1) * 2 > t->cap && views_grow(t) != 0) {
        free(body);
        return UV_ENOMEM;
    }
    struct view *v = calloc(1, sizeof(*v));
    char *k = xstrdup(key);
    char *ct = xstrdup(content_type);
    if (v == NULL || k == NULL || (content_type != NULL && ct == NULL)) {
        free(v);
        free(k);
        free(ct);
        free(body);
        return UV_ENOMEM;
    }
    v->key = k;
    v->content_type = ct;
    v->body = body;
    v->len = len;
    snapshot_etag(body, len, v->etag);

    size_t i = views_slot(t, key);
    if (t->slots[i] != NULL)
        view_free(t->slots[i]);
    else
        t->count++;
    t->slots[i] = v;
    return 0;
}

int snapshot_set_view_gzip(struct snapshot *s, const char *key, char *gz,
                           size_t gz_len)
{
    struct view *v = (struct view *)snapshot_view(s, key);
    if (v == NULL) {
        free(gz);
        return UV_ENOENT;
    }
    free((char *)v->gzip);
    v->gzip = gz;
    v->gzip_len = gz_len;
    return 0;
}

const struct view *snapshot_view(const struct snapshot *s, const char *key)
{
    const struct view_table *t = s->views;
    if (t == NULL || t->cap == 0 || key == NULL)
        return NULL;
    return t->slots[views_slot(t, key)];
}

void snapshot_each_view(struct snapshot *s,
                        void (*fn)(struct view *v, void *arg), void *arg)
{
    struct view_table *t = s->views;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            fn(t->slots[i], arg);
}

/* ---- life cycle ------------------------------------------------------- */

struct snapshot *snapshot_new(void)
{
    struct snapshot *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->arena = calloc(1, sizeof(*s->arena));
    s->views = calloc(1, sizeof(*s->views));
    if (s->arena == NULL || s->views == NULL) {
        free(s->arena);
        free(s->views);
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->indicator = INDICATOR_NONE;
    s->indicator_description =
        model_indicator_description(INDICATOR_NONE, false);
    return s;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
    assert(s->refs > 0);
    s->refs++;
    return s;
}

void snapshot_unref(struct snapshot *s)
{
    if (s == NULL)
        return;
    assert(s->refs > 0);
    if (--s->refs > 0)
        return;
    views_free(s->views);
    arena_free(s->arena);
    free(s);
}

/* ---- lookups ---------------------------------------------------------- */

const struct incident *snapshot_incident(const struct snapshot *s, int64_t id)
{
    /* Incidents are sorted by id descending (snapshot_derive makes sure),
     * so a binary search finds one among thousands without a scan. */
    size_t lo = 0, hi = s->n_incidents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t mid_id = s->incidents[mid].id;
        if (mid_id == id)
            return &s->incidents[mid];
        if (mid_id > id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct service *snapshot_service(const struct snapshot *s,
                                       const char *slug)
{
    if (slug == NULL)
        return NULL;
    /* A status page has tens of services, not thousands. */
    for (size_t i = 0; i < s->n_services; i++)
        if (strcmp(s->services[i].slug, slug) == 0)
            return &s->services[i];
    return NULL;
}
