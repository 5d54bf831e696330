/* snapshot: the arena, the refcount, the table of pre-rendered views with
 * their ETags, and the lookups in the model. What the snapshot derives from
 * the rows (shown statuses, groups, the indicator) is in derive.c.
 */
#include "snapshot.h"

#include "arena.h"
#include "common/tz.h"
#include "query.h"
#include "uptime.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* ---- arena ------------------------------------------------------------ */

void *snapshot_alloc(struct snapshot *s, size_t size)
{
    return arena_alloc(s->arena, size);
}

char *snapshot_memdup(struct snapshot *s, const void *p, size_t len)
{
    return arena_memdup(s->arena, p, len);
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

struct view *snapshot_view_hold(const struct view *cv)
{
    struct view *v = (struct view *)cv;
    if (v != NULL)
        atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    return v;
}

void snapshot_view_release(struct view *v)
{
    if (v != NULL &&
        atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
        view_free(v);
}

static void views_free(struct view_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            snapshot_view_release(t->slots[i]);
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

/* A view with one reference, owning body; NULL on OOM (body freed). */
static struct view *view_new(const char *key, const char *content_type,
                             char *body, size_t len)
{
    struct view *v = calloc(1, sizeof(*v));
    char *k = xstrdup(key);
    char *ct = xstrdup(content_type);
    if (v == NULL || k == NULL || (content_type != NULL && ct == NULL)) {
        free(v);
        free(k);
        free(ct);
        free(body);
        return NULL;
    }
    atomic_init(&v->refs, 1);
    v->key = k;
    v->content_type = ct;
    v->body = body;
    v->len = len;
    v->cost = sizeof(*v) + strlen(k) + len;
    snapshot_etag(body, len, v->etag);
    return v;
}

/* Puts v in t (taking its reference), replacing a view of the same key. */
static int views_put(struct view_table *t, struct view *v)
{
    /* Keep the load factor at most 1/2 so probes stay short. */
    if ((t->count + 1) * 2 > t->cap && views_grow(t) != 0) {
        snapshot_view_release(v);
        return UV_ENOMEM;
    }
    size_t i = views_slot(t, v->key);
    if (t->slots[i] != NULL)
        snapshot_view_release(t->slots[i]);
    else
        t->count++;
    t->slots[i] = v;
    return 0;
}

int snapshot_put_view(struct snapshot *s, const char *key,
                      const char *content_type, char *body, size_t len)
{
    const struct view *old =
        s->prev != NULL ? snapshot_view(s->prev, key) : NULL;
    if (old != NULL && old->len == len &&
        (old->content_type == NULL) == (content_type == NULL) &&
        (content_type == NULL ||
         strcmp(old->content_type, content_type) == 0) &&
        memcmp(old->body, body != NULL ? body : "", len) == 0) {
        free(body);
        return views_put(s->views, snapshot_view_hold(old));
    }
    struct view *v = view_new(key, content_type, body, len);
    if (v == NULL)
        return UV_ENOMEM;
    return views_put(s->views, v);
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
    v->cost -= v->gzip_len;
    v->gzip = gz;
    v->gzip_len = gz_len;
    v->cost += gz_len;
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

/* ---- the view cache -------------------------------------------------- */

/* A hash table of key -> view like the snapshot's (linear probing, load at
 * most 1/2) with the views on a recency list, most recent at the head.
 * Removal uses backward-shift deletion, so no tombstones pile up while a
 * crawler walks the archive through a small cache. */
struct view_cache {
    struct view **slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
    size_t bytes;
    size_t max_bytes;
    struct view *head, *tail;
};

struct view_cache *snapshot_cache_new(size_t max_bytes)
{
    struct view_cache *c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->max_bytes = max_bytes;
    return c;
}

void snapshot_cache_free(struct view_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i] != NULL)
            snapshot_view_release(c->slots[i]);
    free(c->slots);
    free(c);
}

static void cache_remove_slot(struct view_cache *c, size_t i);
static size_t cache_slot(const struct view_cache *c, const char *key);

void snapshot_cache_set_max(struct view_cache *c, size_t max_bytes)
{
    c->max_bytes = max_bytes;
    while (c->tail != NULL && c->bytes > c->max_bytes)
        cache_remove_slot(c, cache_slot(c, c->tail->key));
}

size_t snapshot_cache_bytes(const struct view_cache *c)
{
    return c != NULL ? c->bytes : 0;
}

size_t snapshot_cache_count(const struct view_cache *c)
{
    return c != NULL ? c->count : 0;
}

static size_t cache_slot(const struct view_cache *c, const char *key)
{
    size_t mask = c->cap - 1;
    size_t i = (size_t)fnv1a(key, strlen(key)) & mask;
    while (c->slots[i] != NULL && strcmp(c->slots[i]->key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int cache_grow(struct view_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct view **old = c->slots;
    size_t old_cap = c->cap;
    c->slots = calloc(cap, sizeof(*c->slots));
    if (c->slots == NULL) {
        c->slots = old;
        return UV_ENOMEM;
    }
    c->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != NULL)
            c->slots[cache_slot(c, old[i]->key)] = old[i];
    free(old);
    return 0;
}

static void lru_unlink(struct view_cache *c, struct view *v)
{
    if (v->lru_prev != NULL)
        v->lru_prev->lru_next = v->lru_next;
    else
        c->head = v->lru_next;
    if (v->lru_next != NULL)
        v->lru_next->lru_prev = v->lru_prev;
    else
        c->tail = v->lru_prev;
    v->lru_prev = v->lru_next = NULL;
}

static void lru_push(struct view_cache *c, struct view *v)
{
    v->lru_prev = NULL;
    v->lru_next = c->head;
    if (c->head != NULL)
        c->head->lru_prev = v;
    c->head = v;
    if (c->tail == NULL)
        c->tail = v;
}

/* Takes the view in slot i out of the cache and drops the cache's
 * reference; the entries after it move back into the gap. */
static void cache_remove_slot(struct view_cache *c, size_t i)
{
    struct view *v = c->slots[i];
    size_t mask = c->cap - 1;
    c->slots[i] = NULL;
    for (size_t j = (i + 1) & mask; c->slots[j] != NULL; j = (j + 1) & mask) {
        size_t home =
            (size_t)fnv1a(c->slots[j]->key, strlen(c->slots[j]->key)) & mask;
        /* Move it back if its home is not in the cyclic range (i, j]. */
        bool between =
            i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            c->slots[i] = c->slots[j];
            c->slots[j] = NULL;
            i = j;
        }
    }
    lru_unlink(c, v);
    c->count--;
    c->bytes -= v->cost;
    snapshot_view_release(v);
}

static struct view_cache *cache_of(const struct snapshot *s)
{
    if (s->cache != NULL)
        return s->cache;
    struct snapshot *m = (struct snapshot *)s;
    if (m->own_cache == NULL)
        m->own_cache = snapshot_cache_new(SIZE_MAX);
    return m->own_cache;
}

const struct view *snapshot_cached_view(const struct snapshot *s,
                                        const char *key, uint64_t stamp)
{
    struct view_cache *c = cache_of(s);
    if (c == NULL || c->cap == 0 || key == NULL)
        return NULL;
    struct view *v = c->slots[cache_slot(c, key)];
    if (v == NULL || v->stamp != stamp)
        return NULL;
    if (c->head != v) {
        lru_unlink(c, v);
        lru_push(c, v);
    }
    return v;
}

const struct view *snapshot_cache_view(const struct snapshot *s,
                                       const char *key, uint64_t stamp,
                                       const char *content_type, char *body,
                                       size_t len, char *gz, size_t gz_len)
{
    struct view_cache *c = cache_of(s);
    if (c == NULL) {
        free(body);
        free(gz);
        return NULL;
    }
    struct view *v = view_new(key, content_type, body, len);
    if (v == NULL) {
        free(gz);
        return NULL;
    }
    v->stamp = stamp;
    v->cached = true;
    v->gzip = gz;
    v->gzip_len = gz != NULL ? gz_len : 0;
    v->cost += v->gzip_len;
    if (c->cap > 0) {
        size_t i = cache_slot(c, key);
        if (c->slots[i] != NULL)
            cache_remove_slot(c, i);
    }
    if ((c->count + 1) * 2 > c->cap && cache_grow(c) != 0) {
        snapshot_view_release(v);
        return NULL;
    }
    /* Make room, oldest first; the newest view stays even if it alone is
     * over the bound, since it is about to be sent. */
    while (c->tail != NULL && c->bytes + v->cost > c->max_bytes)
        cache_remove_slot(c, cache_slot(c, c->tail->key));
    c->slots[cache_slot(c, key)] = v;
    lru_push(c, v);
    c->count++;
    c->bytes += v->cost;
    return v;
}

/* ---- posts' own memory ------------------------------------------------ */

struct post_mem {
    _Atomic int refs;
    struct arena arena;
};

/* Most posts are a title and a few updates of a few hundred bytes. */
#define POST_MEM_FIRST 1024

struct post_mem *snapshot_post_mem_new(void)
{
    struct post_mem *m = malloc(sizeof(*m));
    if (m == NULL)
        return NULL;
    atomic_init(&m->refs, 1);
    arena_init(&m->arena, POST_MEM_FIRST);
    return m;
}

void *snapshot_post_alloc(struct post_mem *m, size_t size)
{
    return arena_alloc(&m->arena, size);
}

char *snapshot_post_memdup(struct post_mem *m, const void *p, size_t len)
{
    return arena_memdup(&m->arena, p, len);
}

void snapshot_post_mem_ref(struct post_mem *m)
{
    if (m != NULL)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void snapshot_post_mem_unref(struct post_mem *m)
{
    if (m == NULL)
        return;
    /* Release, then acquire before freeing: every use of the memory by
     * another thread happens before the free. */
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    arena_release(&m->arena);
    free(m);
}

size_t snapshot_post_mem_size(const struct post_mem *m)
{
    return m != NULL ? sizeof(*m) + m->arena.total : 0;
}

/* ---- stamps ----------------------------------------------------------- */

/* A 64-bit mix (the finaliser of SplitMix64), so that stamps made of a
 * few small integers still differ in every bit. */
uint64_t snapshot_mix(uint64_t h, uint64_t v)
{
    uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define mix snapshot_mix

static uint64_t mix_str(uint64_t h, const char *str)
{
    return mix(h, str != NULL ? fnv1a(str, strlen(str)) : 0x6e756c6cULL);
}

void snapshot_seal(struct snapshot *s)
{
    if (s->sealed)
        return;
    s->sealed = true;
    /* Everything a post's or a month's page reads from outside its posts:
     * the site (names, host, ports, zone), every service as shown, and
     * the store the posts came from. */
    uint64_t h = mix(0, s->epoch);
    h = mix_str(h, s->site.name);
    h = mix_str(h, s->site.hostname);
    h = mix_str(h, s->site.base_url);
    h = mix(h, (uint64_t)s->site.http_port);
    h = mix(h, (uint64_t)s->site.gopher_port);
    h = mix(h, (uint64_t)s->site.finger_port);
    h = mix_str(h, s->site.time_zone);
    h = mix(h, (uint64_t)(uintptr_t)s->site.tz);
    h = mix(h, (uint64_t)s->site.max_age);
    h = mix(h, s->n_services);
    for (size_t i = 0; i < s->n_services; i++) {
        const struct service *svc = &s->services[i];
        h = mix(h, (uint64_t)svc->id);
        h = mix_str(h, svc->slug);
        h = mix_str(h, svc->name);
        h = mix_str(h, svc->group);
        h = mix_str(h, svc->description);
        h = mix(h, (uint64_t)svc->status);
        h = mix_str(h, svc->status_reason);
        h = mix(h, (uint64_t)svc->position);
    }
    s->context_stamp = h;
    /* The server time is shown to the minute in the display zone: stamp
     * what is shown, not the second it was taken. */
    char shown[TZ_HUMAN_MAX];
    tz_format_human(s->site.tz, s->generated_at, shown);
    s->clock_stamp = mix_str(0x636c6f636bULL, shown);
    /* Last: it reads the site's zone and the server time. */
    uptime_seal(s);
}

uint64_t snapshot_post_stamp(const struct snapshot *s,
                             const struct incident *inc, bool clock)
{
    uint64_t h = mix(s->context_stamp, (uint64_t)inc->id);
    h = mix(h, (uint64_t)inc->rev);
    return clock ? mix(h, s->clock_stamp) : h;
}

uint64_t snapshot_month_stamp(const struct snapshot *s, size_t m, int page,
                              bool clock)
{
    uint64_t h =
        mix(s->context_stamp, m < s->n_months ? s->months[m].stamp : 0);
    /* A month's page links the months next to it. */
    for (size_t k = m > 0 ? m - 1 : m; k <= m + 1 && k < s->n_months; k++)
        h = mix(h, (uint64_t)(s->months[k].year * 12 + s->months[k].month));
    h = mix(h, (uint64_t)page);
    return clock ? mix(h, s->clock_stamp) : h;
}

/* ---- life cycle ------------------------------------------------------- */

struct snapshot *snapshot_new(void)
{
    struct snapshot *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->arena = malloc(sizeof(*s->arena));
    s->views = calloc(1, sizeof(*s->views));
    if (s->arena == NULL || s->views == NULL) {
        free(s->arena);
        free(s->views);
        free(s);
        return NULL;
    }
    arena_init(s->arena, 0);
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

void snapshot_set_reaper(struct snapshot *s,
                         void (*reap)(struct snapshot *s, void *arg), void *arg)
{
    s->reaper = reap;
    s->reaper_arg = arg;
}

void snapshot_free(struct snapshot *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_incidents; i++)
        snapshot_post_mem_unref(s->incidents[i].mem);
    views_free(s->views);
    snapshot_cache_free(s->own_cache);
    free(s->by_time);
    arena_release(s->arena);
    free(s->arena);
    free(s);
}

void snapshot_unref(struct snapshot *s)
{
    if (s == NULL)
        return;
    assert(s->refs > 0);
    if (--s->refs > 0)
        return;
    if (s->reaper != NULL)
        s->reaper(s, s->reaper_arg);
    else
        snapshot_free(s);
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
