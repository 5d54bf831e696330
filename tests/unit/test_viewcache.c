/* Unit tests of the view cache (store/snapshot.c): the pages of posts and
 * months rendered on request, kept across snapshots under a bound in
 * bytes, least recently used out first, each under the stamp of what it
 * was made from.
 *
 * A model of the cache (an LRU list, in the test) is run beside the real
 * one through thousands of seeded operations on keys chosen so that their
 * hashes collide (the table probes linearly and deletes by backward
 * shift): after every operation both must hold the same views in the same
 * order, every key the model holds must be found, and the bytes held
 * must be within the bound but for the one newest view. Views held by a
 * reply outlive their place in the cache and are freed with the last
 * release (valgrind checks both). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "snapkit.h"
#include "testlib.h"

static char *body_of(size_t len, char fill)
{
    char *b = malloc(len + 1);
    if (b != NULL) {
        memset(b, fill, len);
        b[len] = '\0';
    }
    return b;
}

/* A snapshot that only carries the cache. */
static struct snapshot *holder(struct view_cache *c)
{
    struct snapshot *s = snapshot_new();
    if (s != NULL)
        s->cache = c;
    return s;
}

static const struct view *put(struct snapshot *s, const char *key,
                              uint64_t stamp, size_t len)
{
    return snapshot_cache_view(s, key, stamp, "text/plain", body_of(len, 'x'),
                               len, NULL, 0);
}

/* ---- the model ---------------------------------------------------------- */

#define MODEL_MAX 4096

struct entry {
    char key[40];
    uint64_t stamp;
    size_t cost;
    const struct view *v;
};

struct model {
    struct entry e[MODEL_MAX]; /* most recently used first */
    size_t n, bytes, max;
};

static int model_find(const struct model *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->e[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* (Entries move one by one: valgrind takes a fortified memmove for an
 * overlapping memcpy.) */
static void model_remove(struct model *m, size_t i)
{
    m->bytes -= m->e[i].cost;
    for (size_t k = i; k + 1 < m->n; k++)
        m->e[k] = m->e[k + 1];
    m->n--;
}

/* Entry i becomes the most recent. */
static void model_front(struct model *m, size_t i)
{
    struct entry x = m->e[i];
    for (size_t k = i; k > 0; k--)
        m->e[k] = m->e[k - 1];
    m->e[0] = x;
}

/* What the cache must do with a new view of key: drop the old one of the
 * key, then the least recently used until the new one fits (or nothing
 * is left), then take it as the most recent. */
static void model_insert(struct model *m, const char *key, uint64_t stamp,
                         const struct view *v)
{
    int at = model_find(m, key);
    if (at >= 0)
        model_remove(m, (size_t)at);
    while (m->n > 0 && m->bytes + v->cost > m->max)
        model_remove(m, m->n - 1);
    if (m->n == MODEL_MAX)
        return;
    m->n++;
    model_front(m, m->n - 1);
    snprintf(m->e[0].key, sizeof(m->e[0].key), "%s", key);
    m->e[0].stamp = stamp;
    m->e[0].cost = v->cost;
    m->e[0].v = v;
    m->bytes += v->cost;
}

/* CHECKs the cache against the model: the count, the bytes, the bound,
 * and every key found with its view. Looking each key up makes it the
 * most recent, so they are looked up oldest first: the order stays. */
static bool model_check(const struct model *m, const struct snapshot *s,
                        const struct view_cache *c)
{
    bool ok = snapshot_cache_count(c) == m->n &&
              snapshot_cache_bytes(c) == m->bytes &&
              (m->bytes <= m->max || m->n == 1);
    for (size_t i = m->n; ok && i-- > 0;)
        ok = snapshot_cached_view(s, m->e[i].key, m->e[i].stamp) == m->e[i].v;
    if (!ok) {
        CHECK(!"the cache is not what the model says");
        printf("  count %zu (model %zu), bytes %zu (model %zu, bound %zu)\n",
               snapshot_cache_count(c), m->n, snapshot_cache_bytes(c), m->bytes,
               m->max);
        for (size_t i = 0; i < m->n; i++)
            if (snapshot_cached_view(s, m->e[i].key, m->e[i].stamp) !=
                m->e[i].v)
                printf("  %s (stamp %llu) is not found\n", m->e[i].key,
                       (unsigned long long)m->e[i].stamp);
    }
    return ok;
}

/* ---- keys whose hashes collide ------------------------------------------ */

/* FNV-1a, 64 bits (the public algorithm the cache hashes keys with), to
 * choose keys that land on a few neighbouring slots. */
static uint64_t fnv1a(const char *p)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *p != '\0'; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Keys whose home slot in a table of `cap` slots is one of the last two
 * or the first two, so that probing runs wrap around the end. */
static size_t colliding_keys(char (*out)[40], size_t n, size_t cap)
{
    size_t got = 0;
    for (unsigned i = 0; got < n && i < 10000000; i++) {
        char key[40];
        snprintf(key, sizeof(key), "http:/incidents/%u", i);
        size_t home = (size_t)(fnv1a(key) & (cap - 1));
        if (home >= cap - 2 || home < 2)
            snprintf(out[got++], sizeof(out[0]), "%s", key);
    }
    return got;
}

/* ---- tests -------------------------------------------------------------- */

TEST(against_a_model_with_colliding_keys)
{
    /* A cache of a few dozen views, so that the table stays at its first
     * size (256 slots) and the keys pile up on four of its slots. */
    static char keys[160][40];
    REQUIRE(colliding_keys(keys, 160, 256) == 160);
    static struct model m;
    memset(&m, 0, sizeof(m));
    m.max = 12000;
    struct view_cache *c = snapshot_cache_new(m.max);
    struct snapshot *s = holder(c);
    REQUIRE(c != NULL && s != NULL);
    struct snapkit_rng rng = {7};
    bool ok = true;
    size_t hits = 0, misses = 0, evicted_before = 0;
    for (int op = 0; op < 20000 && ok; op++) {
        const char *key = keys[snapkit_below(&rng, 160)];
        uint64_t stamp = 1 + snapkit_below(&rng, 3);
        int at = model_find(&m, key);
        if (snapkit_below(&rng, 3) == 0) {
            /* A lookup: a hit makes the view the most recent. */
            const struct view *v = snapshot_cached_view(s, key, stamp);
            bool want = at >= 0 && m.e[at].stamp == stamp;
            CHECK(v == (want ? m.e[at].v : NULL));
            if (want) {
                model_front(&m, (size_t)at);
                hits++;
            } else {
                misses++;
            }
        } else {
            /* A view rendered (anew, or for another stamp), of 1 to 400
             * bytes; now and then one bigger than the whole bound. */
            size_t len = snapkit_below(&rng, 200) == 0
                             ? m.max + 100
                             : 1 + snapkit_below(&rng, 400);
            size_t before = m.n;
            const struct view *v = put(s, key, stamp, len);
            REQUIRE(v != NULL);
            CHECK(v->cost >= len);
            CHECK_INT(v->stamp, stamp);
            model_insert(&m, key, stamp, v);
            evicted_before += before + (at < 0) > m.n;
        }
        ok = model_check(&m, s, c);
        if (!ok)
            printf("  (after operation %d)\n", op);
    }
    /* The run did what it is for. */
    CHECK(hits > 300 && misses > 1000 && evicted_before > 1000);
    if (test_failed_current)
        printf("  hits %zu, misses %zu, evictions %zu\n", hits, misses,
               evicted_before);
    snapshot_unref(s);
    snapshot_cache_free(c);
}

TEST(growing_the_table)
{
    /* Past the first size, several times over: thousands of views under
     * no bound, then half of them replaced. */
    static char keys[3000][40];
    REQUIRE(colliding_keys(keys, 3000, 4) == 3000); /* any keys */
    static struct model m;
    memset(&m, 0, sizeof(m));
    m.max = SIZE_MAX;
    struct view_cache *c = snapshot_cache_new(SIZE_MAX);
    struct snapshot *s = holder(c);
    REQUIRE(c != NULL && s != NULL);
    for (size_t i = 0; i < 3000; i++) {
        const struct view *v = put(s, keys[i], 1, 10 + i % 50);
        REQUIRE(v != NULL);
        model_insert(&m, keys[i], 1, v);
    }
    CHECK(model_check(&m, s, c));
    for (size_t i = 0; i < 3000; i += 2) {
        const struct view *v = put(s, keys[i], 2, 20);
        REQUIRE(v != NULL);
        model_insert(&m, keys[i], 2, v);
    }
    CHECK(model_check(&m, s, c));
    CHECK_INT(snapshot_cache_count(c), 3000);
    snapshot_unref(s);
    snapshot_cache_free(c);
}

TEST(bound_and_lru_order)
{
    /* Views of one size, a bound of exactly three of them. */
    struct view_cache *c = snapshot_cache_new(SIZE_MAX);
    struct snapshot *s = holder(c);
    REQUIRE(c != NULL && s != NULL);
    const struct view *probe = put(s, "k:A", 1, 100);
    REQUIRE(probe != NULL);
    size_t cost = probe->cost;
    CHECK(cost >= 100 + strlen("k:A"));
    snapshot_cache_free(c);
    c = snapshot_cache_new(3 * cost);
    s->cache = c;
    REQUIRE(c != NULL);

    CHECK(put(s, "k:A", 1, 100) != NULL);
    CHECK(put(s, "k:B", 1, 100) != NULL);
    CHECK(put(s, "k:C", 1, 100) != NULL);
    CHECK_INT(snapshot_cache_count(c), 3);
    CHECK_INT(snapshot_cache_bytes(c), 3 * cost);
    /* A lookup makes A the most recent; a miss on another stamp does not
     * count as a use. */
    CHECK(snapshot_cached_view(s, "k:A", 1) != NULL);
    CHECK(snapshot_cached_view(s, "k:B", 2) == NULL);
    CHECK(put(s, "k:D", 1, 100) != NULL);
    CHECK(snapshot_cached_view(s, "k:B", 1) == NULL); /* the oldest went */
    CHECK(snapshot_cached_view(s, "k:C", 1) != NULL);
    CHECK(snapshot_cached_view(s, "k:A", 1) != NULL);
    CHECK(snapshot_cached_view(s, "k:D", 1) != NULL);
    /* Those lookups used C, A, then D: C is now the oldest. */
    CHECK(put(s, "k:E", 1, 100) != NULL);
    CHECK(snapshot_cached_view(s, "k:C", 1) == NULL);
    CHECK(snapshot_cached_view(s, "k:A", 1) != NULL);
    CHECK(snapshot_cached_view(s, "k:D", 1) != NULL);
    CHECK(snapshot_cached_view(s, "k:E", 1) != NULL);
    CHECK_INT(snapshot_cache_count(c), 3);
    CHECK(snapshot_cache_bytes(c) <= 3 * cost);

    /* A view bigger than the bound stays alone, as the newest. */
    const struct view *big = put(s, "k:big", 1, 10 * cost);
    REQUIRE(big != NULL);
    CHECK_INT(snapshot_cache_count(c), 1);
    CHECK_INT(snapshot_cache_bytes(c), big->cost);
    CHECK(snapshot_cached_view(s, "k:big", 1) == big);
    /* And goes as soon as anything else comes. */
    CHECK(put(s, "k:F", 1, 100) != NULL);
    CHECK_INT(snapshot_cache_count(c), 1);
    CHECK(snapshot_cached_view(s, "k:big", 1) == NULL);
    CHECK(snapshot_cached_view(s, "k:F", 1) != NULL);

    /* A gzip body counts against the bound too. */
    char *gz = body_of(2 * cost, 'z');
    const struct view *g = snapshot_cache_view(
        s, "k:G", 1, "text/html", body_of(10, 'g'), 10, gz, 2 * cost);
    REQUIRE(g != NULL);
    CHECK(g->cost >= 10 + 2 * cost);
    CHECK_INT(g->gzip_len, 2 * cost);
    CHECK(snapshot_cache_bytes(c) <= 3 * cost);
    CHECK(snapshot_cached_view(s, "k:F", 1) == NULL); /* pushed out */
    snapshot_unref(s);
    snapshot_cache_free(c);
}

TEST(replacing_a_key)
{
    struct view_cache *c = snapshot_cache_new(SIZE_MAX);
    struct snapshot *s = holder(c);
    REQUIRE(c != NULL && s != NULL);
    const struct view *a = put(s, "k:A", 1, 50);
    const struct view *b = put(s, "k:B", 1, 60);
    REQUIRE(a != NULL && b != NULL);
    size_t before = snapshot_cache_bytes(c);
    const struct view *a2 = snapshot_cache_view(s, "k:A", 2, "text/plain",
                                                body_of(70, 'y'), 70, NULL, 0);
    REQUIRE(a2 != NULL);
    CHECK_INT(snapshot_cache_count(c), 2);
    CHECK_INT(snapshot_cache_bytes(c), before - 50 + 70);
    CHECK(snapshot_cached_view(s, "k:A", 1) == NULL);
    CHECK(snapshot_cached_view(s, "k:A", 2) == a2);
    CHECK_INT(a2->len, 70);
    CHECK(a2->body[0] == 'y');
    CHECK(snapshot_cached_view(s, "k:B", 1) == b);
    /* The same stamp again: still one view of the key. */
    CHECK(put(s, "k:A", 2, 5) != NULL);
    CHECK_INT(snapshot_cache_count(c), 2);
    snapshot_unref(s);
    snapshot_cache_free(c);
}

TEST(a_held_view_outlives_the_cache)
{
    struct view_cache *c = snapshot_cache_new(1000);
    struct snapshot *s = holder(c);
    REQUIRE(c != NULL && s != NULL);
    const struct view *v = put(s, "k:held", 1, 300);
    REQUIRE(v != NULL);
    char etag[SNAPSHOT_ETAG_MAX];
    memcpy(etag, v->etag, sizeof(etag));
    /* A reply borrows its body, as server/conn.c does until it is sent. */
    struct view *hold = snapshot_view_hold(v);
    CHECK(hold == v);
    /* Pushed out by others... */
    for (int i = 0; i < 20; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k:%d", i);
        CHECK(put(s, key, 1, 300) != NULL);
    }
    CHECK(snapshot_cached_view(s, "k:held", 1) == NULL);
    /* ... yet whole (valgrind: no read of freed memory). */
    CHECK_INT(hold->len, 300);
    CHECK(hold->body[0] == 'x' && hold->body[299] == 'x');
    CHECK_STR(hold->key, "k:held");
    CHECK_STR(hold->etag, etag);
    snapshot_view_release(hold); /* the last reference: freed here */

    /* Replaced while held: the reply keeps the old bytes. */
    const struct view *r1 = put(s, "k:r", 1, 10);
    REQUIRE(r1 != NULL);
    struct view *h1 = snapshot_view_hold(r1);
    const struct view *r2 = snapshot_cache_view(s, "k:r", 2, "text/plain",
                                                body_of(20, 'n'), 20, NULL, 0);
    REQUIRE(r2 != NULL);
    CHECK(r2 != r1);
    CHECK_INT(h1->len, 10);
    CHECK(h1->body[0] == 'x');
    snapshot_view_release(h1);

    /* Held and released while still cached: the cache keeps it. */
    struct view *h2 = snapshot_view_hold(r2);
    snapshot_view_release(h2);
    CHECK(snapshot_cached_view(s, "k:r", 2) == r2);

    /* Held across the cache's own end (the server stops while a reply is
     * still being written). */
    struct view *h3 = snapshot_view_hold(r2);
    snapshot_unref(s);
    snapshot_cache_free(c);
    CHECK_INT(h3->len, 20);
    CHECK(h3->body[19] == 'n');
    snapshot_view_release(h3);
    snapshot_view_release(NULL); /* harmless */
}

TEST(a_snapshot_without_a_cache_has_its_own)
{
    /* Tools and tests render without a server: the snapshot makes a cache
     * of its own on first use and frees it with itself. */
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    CHECK_INT(http_proto.prerender(s), 0);
    const struct view *v = http_proto.view(s, "http:/incidents/42");
    REQUIRE(v != NULL);
    CHECK(http_proto.view(s, "http:/incidents/42") == v);
    CHECK(s->own_cache != NULL);
    CHECK_INT(snapshot_cache_count(s->own_cache), 1);
    snapshot_unref(s);
}

TEST(a_stamp_mismatch_renders_again)
{
    /* Two snapshots of one server share its cache. The second shows
     * another minute: the HTML page of a post is rendered again for it,
     * and again for the first when that asks (its stamp differs from the
     * one now cached); the text page, which shows no time, is shared. */
    struct view_cache *c = snapshot_cache_new(SIZE_MAX);
    struct snapshot *s1 = fixture_snapshot(), *s2 = fixture_snapshot();
    REQUIRE(c != NULL && s1 != NULL && s2 != NULL);
    s2->generated_at += 60;
    s1->cache = s2->cache = c;
    CHECK_INT(http_proto.prerender(s1), 0);
    CHECK_INT(http_proto.prerender(s2), 0);
    const char *key = "http:/incidents/42", *txt = "http:/incidents/42.txt";
    const struct view *v1 = http_proto.view(s1, key);
    REQUIRE(v1 != NULL);
    CHECK_HAS(v1->body, v1->len, "2026-11-18 11:06 UTC");
    CHECK(http_proto.view(s1, key) == v1); /* a hit */
    struct view *held = snapshot_view_hold(v1);
    const struct view *v2 = http_proto.view(s2, key);
    REQUIRE(v2 != NULL);
    CHECK(v2 != v1);
    CHECK_HAS(v2->body, v2->len, "2026-11-18 11:07 UTC");
    CHECK_LACKS(v2->body, v2->len, "2026-11-18 11:06 UTC");
    CHECK(strcmp(v2->etag, v1->etag) != 0);
    const struct view *v3 = http_proto.view(s1, key);
    REQUIRE(v3 != NULL);
    CHECK_HAS(v3->body, v3->len, "2026-11-18 11:06 UTC");
    CHECK_INT(v3->len, held->len);
    CHECK(memcmp(v3->body, held->body, held->len) == 0);
    CHECK_INT(snapshot_cache_count(c), 1);
    snapshot_view_release(held);
    const struct view *t1 = http_proto.view(s1, txt);
    CHECK(t1 != NULL && http_proto.view(s2, txt) == t1);
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapshot_cache_free(c);
}

TEST(a_bounded_cache_answers_every_page)
{
    /* A cache far smaller than the pages of the archive: walking every
     * page of every protocol still gives every page, each as a snapshot
     * with a cache of its own renders it. */
    struct snapshot *a = fixture_snapshot(), *b = fixture_snapshot();
    struct view_cache *c = snapshot_cache_new(2048);
    REQUIRE(a != NULL && b != NULL && c != NULL);
    b->cache = c;
    const struct proto *const all[] = {&http_proto, &gopher_proto,
                                       &finger_proto};
    for (size_t p = 0; p < 3; p++) {
        CHECK_INT(all[p]->prerender(a), 0);
        CHECK_INT(all[p]->prerender(b), 0);
    }
    for (int twice = 0; twice < 2; twice++)
        for (size_t p = 0; p < 3; p++) {
            struct snapkit_views want, got;
            snapkit_collect(all[p], a, &want);
            snapkit_collect(all[p], b, &got);
            snapkit_compare(&want, &got, all[p]->name);
            CHECK(want.n > 10);
            snapkit_views_free(&want);
            snapkit_views_free(&got);
            CHECK(snapshot_cache_bytes(c) <= 2048 ||
                  snapshot_cache_count(c) == 1);
        }
    snapshot_unref(a);
    snapshot_unref(b);
    snapshot_cache_free(c);
}

int main(void)
{
    RUN(against_a_model_with_colliding_keys);
    RUN(growing_the_table);
    RUN(bound_and_lru_order);
    RUN(replacing_a_key);
    RUN(a_held_view_outlives_the_cache);
    RUN(a_snapshot_without_a_cache_has_its_own);
    RUN(a_stamp_mismatch_renders_again);
    RUN(a_bounded_cache_answers_every_page);
    return test_report();
}
