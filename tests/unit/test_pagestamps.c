/* Unit tests of the stamps the cached pages are kept under
 * (snapshot_post_stamp, snapshot_month_stamp): a post's page is rendered
 * again when the post changes, when a service it names changes name or
 * status, when the site changes, and (the HTML page, which shows the
 * server time) when the minute shown changes; not when another post
 * changes. A month's page is rendered again when one of its posts
 * changes or a month next to it appears, not when a post of another
 * month changes. Each is checked on the stamp and on the page itself:
 * the same view served again from the cache, or a new one with the new
 * text. Snapshots come from a real store, each loaded from the one
 * before it as the server loads them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "../../store/query.h"
#include "../../store/store.h"
#include "snapkit.h"
#include "testlib.h"

/* 2026-11-18 11:06:00 UTC, the first second of a minute. */
#define NOW 1795000000
#define T0 (NOW - NOW % 60)

static int64_t at(int y, int mo, int d)
{
    return time_from_utc(y, mo, d, 12, 0, 0);
}

static int64_t open_post(struct store *st, const char *title, const char *slug,
                         int64_t when, bool resolved)
{
    const char *svcs[1] = {slug};
    struct post_input in = {.kind = KIND_INCIDENT,
                            .title = title,
                            .status = resolved ? STATUS_RESOLVED
                                               : STATUS_INVESTIGATING,
                            .impact = IMPACT_MINOR,
                            .services = slug != NULL ? svcs : NULL,
                            .n_services = slug != NULL ? 1 : 0,
                            .body = "First words.",
                            .via = "cli",
                            .at = when};
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    return id;
}

static int64_t first_update(struct store *st, int64_t post)
{
    char sql[96];
    snprintf(sql, sizeof(sql),
             "SELECT min(id) FROM updates WHERE incident_id = %" PRId64, post);
    return snapkit_sql_int(st, sql);
}

/* The store: four services, posts in three months.
 *   2026-10: A (on dsl, open) and B (on fibre, resolved)
 *   2026-08: C (on dns, resolved)
 *   2026-05: D (no service, resolved)
 * "voice" is named by no post. */
struct world {
    struct store *st;
    struct view_cache *cache;
    int64_t a, b, c, d;
};

static void world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    char err[256];
    CHECK_INT(store_open(":memory:", &w->st, err, sizeof(err)), 0);
    w->cache = snapshot_cache_new(SIZE_MAX);
    if (w->st == NULL || w->cache == NULL)
        return;
    const char *slugs[] = {"dsl", "fibre", "dns", "voice"};
    for (int i = 0; i < 4; i++) {
        struct service_input in = {
            .slug = slugs[i], .name = slugs[i], .position = i + 1};
        CHECK_INT(store_service_add(w->st, &in), 0);
    }
    w->a = open_post(w->st, "Post A", "dsl", at(2026, 10, 20), false);
    w->b = open_post(w->st, "Post B", "fibre", at(2026, 10, 10), true);
    w->c = open_post(w->st, "Post C", "dns", at(2026, 8, 15), true);
    w->d = open_post(w->st, "Post D", NULL, at(2026, 5, 2), true);
}

static void world_free(struct world *w)
{
    snapshot_cache_free(w->cache);
    store_close(w->st);
}

/* A snapshot of the store as the server makes one, from base, with the
 * site edited by `site` if given, sealed (no views rendered yet). */
static struct snapshot *load(struct world *w, int64_t now,
                             const struct snapshot *base,
                             void (*site)(struct snapshot *s))
{
    struct snapshot *s = NULL;
    CHECK_INT(store_load_from(w->st, now, base, &s), 0);
    if (s == NULL)
        return NULL;
    snapkit_site(s, "Example Net status");
    if (site != NULL)
        site(s);
    s->cache = w->cache;
    snapshot_seal(s);
    return s;
}

static uint64_t post_stamp(const struct snapshot *s, int64_t id, bool clock)
{
    const struct incident *inc = snapshot_incident(s, id);
    CHECK(inc != NULL);
    return inc != NULL ? snapshot_post_stamp(s, inc, clock) : 0;
}

static uint64_t month_stamp(const struct snapshot *s, int y, int m)
{
    int k = query_find_month(s, y, m);
    CHECK(k >= 0);
    return k >= 0 ? snapshot_month_stamp(s, (size_t)k, 1, true) : 0;
}

/* The pages of post id on every protocol. */
static const char *const post_fmts[] = {
    "http:/incidents/%" PRId64, "http:/incidents/%" PRId64 ".txt",
    "gopher:/incidents/%" PRId64, "finger:%" PRId64, "finger:/W %" PRId64};
static const struct proto *const post_protos[] = {
    &http_proto, &http_proto, &gopher_proto, &finger_proto, &finger_proto};
#define N_POST_PAGES 5

struct pages {
    const struct view *v[N_POST_PAGES];
};

static void post_pages(const struct snapshot *s, int64_t id, struct pages *out)
{
    for (int k = 0; k < N_POST_PAGES; k++) {
        char key[64];
        snprintf(key, sizeof(key), post_fmts[k], id);
        out->v[k] = post_protos[k]->view(s, key);
        CHECK(out->v[k] != NULL);
    }
}

/* CHECKs which of a post's pages were served again from the cache:
 * `same` is a bit mask over post_fmts. */
static void expect_pages(int line, const struct pages *was,
                         const struct pages *now, unsigned same)
{
    for (int k = 0; k < N_POST_PAGES; k++) {
        bool reused = was->v[k] == now->v[k];
        bool want = (same >> k) & 1;
        if (reused != want) {
            CHECK(!"a page was reused or rendered against its stamp");
            printf("  line %d: %s page %d\n", line,
                   want ? "rendered again:" : "reused:", k);
        }
    }
}

#define ALL 0x1fu
#define NONE 0u
#define ALL_BUT_HTML 0x1eu

TEST(a_post_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    struct pages a1, b1, a2, b2;
    post_pages(s1, w.a, &a1);
    post_pages(s1, w.b, &b1);
    /* An edit of A's text: its stamp and pages change, B's do not (no
     * service changes its shown status). */
    CHECK_INT(store_update_edit(w.st, first_update(w.st, w.a),
                                "Second thoughts.", "cli", T0),
              0);
    struct snapshot *s2 = load(&w, T0, s1, NULL);
    REQUIRE(s2 != NULL);
    CHECK(post_stamp(s1, w.a, false) != post_stamp(s2, w.a, false));
    CHECK(post_stamp(s1, w.a, true) != post_stamp(s2, w.a, true));
    CHECK(post_stamp(s1, w.b, false) == post_stamp(s2, w.b, false));
    CHECK(post_stamp(s1, w.b, true) == post_stamp(s2, w.b, true));
    post_pages(s2, w.a, &a2);
    post_pages(s2, w.b, &b2);
    expect_pages(__LINE__, &a1, &a2, NONE);
    expect_pages(__LINE__, &b1, &b2, ALL);
    CHECK_HAS(a2.v[1]->body, a2.v[1]->len, "Second thoughts.");
    CHECK_HAS(a2.v[4]->body, a2.v[4]->len, "Second thoughts.");
    snapshot_unref(s1);
    snapshot_unref(s2);
    world_free(&w);
}

TEST(a_named_service_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    struct pages p1, p2, p3, p4;
    post_pages(s1, w.b, &p1);

    /* fibre (B's service) renamed behind the store's back. */
    snapkit_sql(w.st, "UPDATE services SET name = 'Fibre to the home'"
                      " WHERE slug = 'fibre'");
    struct snapshot *s2 = load(&w, T0, s1, NULL);
    REQUIRE(s2 != NULL);
    CHECK(snapshot_incident(s2, w.b)->mem == snapshot_incident(s1, w.b)->mem);
    CHECK(post_stamp(s1, w.b, false) != post_stamp(s2, w.b, false));
    post_pages(s2, w.b, &p2);
    expect_pages(__LINE__, &p1, &p2, NONE);
    CHECK_HAS(p2.v[1]->body, p2.v[1]->len, "Fibre to the home");

    /* Set by hand to an outage, then to another: the reason ("set by
     * hand") is the same, only the status differs. */
    CHECK_INT(store_service_set(w.st, "fibre", SERVICE_MAJOR_OUTAGE, false), 0);
    struct snapshot *s3 = load(&w, T0, s2, NULL);
    REQUIRE(s3 != NULL);
    CHECK(post_stamp(s2, w.b, false) != post_stamp(s3, w.b, false));
    post_pages(s3, w.b, &p3);
    expect_pages(__LINE__, &p2, &p3, NONE);
    CHECK_INT(
        store_service_set(w.st, "fibre", SERVICE_DEGRADED_PERFORMANCE, false),
        0);
    struct snapshot *s4 = load(&w, T0, s3, NULL);
    REQUIRE(s4 != NULL);
    CHECK(post_stamp(s3, w.b, false) != post_stamp(s4, w.b, false));
    post_pages(s4, w.b, &p4);
    expect_pages(__LINE__, &p3, &p4, NONE);
    CHECK_HAS(p4.v[4]->body, p4.v[4]->len, "Degraded performance");
    CHECK_LACKS(p4.v[4]->body, p4.v[4]->len, "Major outage");
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapshot_unref(s3);
    snapshot_unref(s4);
    world_free(&w);
}

static void rename_site(struct snapshot *s)
{
    s->site.name = snapshot_strdup(s, "Other Net status");
}
static void other_host(struct snapshot *s)
{
    s->site.hostname = snapshot_strdup(s, "status.other.example");
}
static void other_url(struct snapshot *s)
{
    s->site.base_url = snapshot_strdup(s, "https://status.example.net");
}
static void other_port(struct snapshot *s)
{
    s->site.finger_port = 7079;
}

static struct tz *new_york;
static void in_new_york(struct snapshot *s)
{
    s->site.time_zone = "America/New_York";
    s->site.tz = new_york;
}

TEST(the_site_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    CHECK_INT(tz_load("America/New_York", &new_york), 0);
    REQUIRE(new_york != NULL);
    void (*const edits[])(struct snapshot *) = {
        rename_site, other_host, other_url, other_port, in_new_york};
    struct snapshot *base = load(&w, T0, NULL, NULL);
    REQUIRE(base != NULL);
    for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
        struct pages p1, p2;
        post_pages(base, w.a, &p1);
        struct snapshot *s = load(&w, T0, base, edits[e]);
        REQUIRE(s != NULL);
        CHECK(post_stamp(base, w.a, false) != post_stamp(s, w.a, false));
        CHECK(month_stamp(base, 2026, 10) != month_stamp(s, 2026, 10));
        post_pages(s, w.a, &p2);
        expect_pages(__LINE__, &p1, &p2, NONE);
        if (test_failed_current)
            printf("  (site edit %zu)\n", e);
        snapshot_unref(s);
    }
    /* And back: the first site's pages again. */
    struct snapshot *again = load(&w, T0, base, NULL);
    REQUIRE(again != NULL);
    CHECK(post_stamp(base, w.a, true) == post_stamp(again, w.a, true));
    snapshot_unref(again);
    snapshot_unref(base);
    tz_free(new_york);
    new_york = NULL;
    world_free(&w);
}

TEST(the_minute_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    struct pages p1, p2;
    post_pages(s1, w.a, &p1);
    /* A build in the next minute with nothing written: only the HTML
     * page shows the time. */
    struct snapshot *s2 = load(&w, T0 + 60, s1, NULL);
    REQUIRE(s2 != NULL);
    CHECK(post_stamp(s1, w.a, true) != post_stamp(s2, w.a, true));
    CHECK(post_stamp(s1, w.a, false) == post_stamp(s2, w.a, false));
    CHECK(month_stamp(s1, 2026, 10) != month_stamp(s2, 2026, 10));
    post_pages(s2, w.a, &p2);
    expect_pages(__LINE__, &p1, &p2, ALL_BUT_HTML);
    CHECK_HAS(p2.v[0]->body, p2.v[0]->len, "11:07 UTC");
    /* Within the minute nothing is rendered again. */
    struct snapshot *s3 = load(&w, T0 + 119, s2, NULL);
    REQUIRE(s3 != NULL);
    CHECK(post_stamp(s2, w.a, true) == post_stamp(s3, w.a, true));
    struct pages p3;
    post_pages(s3, w.a, &p3);
    expect_pages(__LINE__, &p2, &p3, ALL);
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapshot_unref(s3);
    world_free(&w);
}

TEST(the_second_is_not_shown)
{
    /* A page served from the cache within its minute must be the page a
     * fresh render would give: its stamp leaves out the second, so its
     * bytes must too (a strong ETag names exact bytes, and the snapshot
     * views of the same build show the build's own time). */
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    char key[64];
    snprintf(key, sizeof(key), "http:/incidents/%" PRId64, w.a);
    const struct view *v1 = http_proto.view(s1, key);
    REQUIRE(v1 != NULL);
    CHECK(http_proto.view(s1, "http:/history/2026-10") != NULL);
    /* A write elsewhere 30 s later (the server builds on every write). */
    CHECK_INT(store_update_edit(w.st, first_update(w.st, w.c), "Later words.",
                                "cli", T0 + 30),
              0);
    struct snapshot *s2 = load(&w, T0 + 30, s1, NULL);
    REQUIRE(s2 != NULL);
    const struct view *cached = http_proto.view(s2, key);
    REQUIRE(cached != NULL);
    struct snapshot *fresh = load(&w, T0 + 30, NULL, NULL);
    REQUIRE(fresh != NULL);
    fresh->cache = NULL; /* a cache of its own: nothing rendered before */
    const struct view *want = http_proto.view(fresh, key);
    REQUIRE(want != NULL);
    CHECK_INT(cached->len, want->len);
    bool same = cached->len == want->len &&
                memcmp(cached->body, want->body, want->len) == 0;
    CHECK(same);
    if (!same) {
        size_t i = 0;
        while (i < want->len && i < cached->len &&
               want->body[i] == cached->body[i])
            i++;
        size_t from = i > 30 ? i - 30 : 0;
        printf("  fresh:  %.50s\n  cached: %.50s\n", want->body + from,
               cached->body + from);
    }
    /* The same holds for a month's page. */
    const struct view *m2 = http_proto.view(s2, "http:/history/2026-10");
    const struct view *mf = http_proto.view(fresh, "http:/history/2026-10");
    REQUIRE(m2 != NULL && mf != NULL);
    CHECK(m2->len == mf->len && memcmp(m2->body, mf->body, mf->len) == 0);
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapshot_unref(fresh);
    world_free(&w);
}

TEST(another_post_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    struct pages p1, p2;
    post_pages(s1, w.a, &p1);
    /* C (another month, another service, resolved) edited and given a
     * postmortem; D edited. A's pages stay as they were rendered. */
    CHECK_INT(store_update_edit(w.st, first_update(w.st, w.c), "Edited C.",
                                "cli", T0),
              0);
    CHECK_INT(store_postmortem(w.st, w.c, "What happened to C.", "cli", T0), 0);
    CHECK_INT(store_update_edit(w.st, first_update(w.st, w.d), "Edited D.",
                                "cli", T0),
              0);
    struct snapshot *s2 = load(&w, T0, s1, NULL);
    REQUIRE(s2 != NULL);
    CHECK(post_stamp(s1, w.a, true) == post_stamp(s2, w.a, true));
    CHECK(post_stamp(s1, w.a, false) == post_stamp(s2, w.a, false));
    CHECK(post_stamp(s1, w.c, false) != post_stamp(s2, w.c, false));
    post_pages(s2, w.a, &p2);
    expect_pages(__LINE__, &p1, &p2, ALL);
    snapshot_unref(s1);
    snapshot_unref(s2);
    world_free(&w);
}

/* A month's pages on both protocols that have them. */
struct month_pages {
    const struct view *http, *gopher;
};

static void month_pages(const struct snapshot *s, const char *ym,
                        struct month_pages *out)
{
    char key[64];
    snprintf(key, sizeof(key), "http:/history/%s", ym);
    out->http = http_proto.view(s, key);
    snprintf(key, sizeof(key), "gopher:/history/%s", ym);
    out->gopher = gopher_proto.view(s, key);
    CHECK(out->http != NULL && out->gopher != NULL);
}

static void expect_month(int line, const char *ym,
                         const struct month_pages *was,
                         const struct month_pages *now, bool same)
{
    if ((was->http == now->http) != same ||
        (was->gopher == now->gopher) != same) {
        CHECK(!"a month's page was reused or rendered against its stamp");
        printf("  line %d: %s %s\n", line, ym,
               same ? "rendered again" : "reused");
    }
}

TEST(a_month_changes)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL && w.cache != NULL);
    static const char *const ym[] = {"2026-10", "2026-08", "2026-05"};
    struct snapshot *s1 = load(&w, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    CHECK_INT(s1->n_months, 3);
    struct month_pages m1[3], m2[3], m3[3], m4[3];
    for (int k = 0; k < 3; k++)
        month_pages(s1, ym[k], &m1[k]);

    /* B's status (2026-10) changes with a postmortem; no service changes
     * its shown status (B is resolved). */
    CHECK_INT(store_postmortem(w.st, w.b, "What happened to B.", "cli", T0), 0);
    struct snapshot *s2 = load(&w, T0, s1, NULL);
    REQUIRE(s2 != NULL);
    CHECK(month_stamp(s1, 2026, 10) != month_stamp(s2, 2026, 10));
    CHECK(month_stamp(s1, 2026, 8) == month_stamp(s2, 2026, 8));
    CHECK(month_stamp(s1, 2026, 5) == month_stamp(s2, 2026, 5));
    for (int k = 0; k < 3; k++) {
        month_pages(s2, ym[k], &m2[k]);
        expect_month(__LINE__, ym[k], &m1[k], &m2[k], k != 0);
    }
    CHECK_HAS(m2[0].http->body, m2[0].http->len, "Postmortem");
    CHECK_HAS(m2[0].gopher->body, m2[0].gopher->len, "Postmortem");

    /* A post of a neighbouring month (2026-08) changes: 2026-10's page
     * names that month only, so it stays. */
    CHECK_INT(store_postmortem(w.st, w.c, "What happened to C.", "cli", T0), 0);
    struct snapshot *s3 = load(&w, T0, s2, NULL);
    REQUIRE(s3 != NULL);
    CHECK(month_stamp(s2, 2026, 10) == month_stamp(s3, 2026, 10));
    CHECK(month_stamp(s2, 2026, 8) != month_stamp(s3, 2026, 8));
    CHECK(month_stamp(s2, 2026, 5) == month_stamp(s3, 2026, 5));
    for (int k = 0; k < 3; k++) {
        month_pages(s3, ym[k], &m3[k]);
        expect_month(__LINE__, ym[k], &m2[k], &m3[k], k != 1);
    }

    /* A month appears between 2026-10 and 2026-08 (a post resolved at
     * once, on no service): both now link it, 2026-05 does not care. */
    int64_t e = open_post(w.st, "Post E", NULL, at(2026, 9, 9), true);
    CHECK(e > 0);
    struct snapshot *s4 = load(&w, T0, s3, NULL);
    REQUIRE(s4 != NULL);
    CHECK_INT(s4->n_months, 4);
    CHECK(month_stamp(s3, 2026, 10) != month_stamp(s4, 2026, 10));
    CHECK(month_stamp(s3, 2026, 8) != month_stamp(s4, 2026, 8));
    CHECK(month_stamp(s3, 2026, 5) == month_stamp(s4, 2026, 5));
    for (int k = 0; k < 3; k++) {
        month_pages(s4, ym[k], &m4[k]);
        expect_month(__LINE__, ym[k], &m3[k], &m4[k], k == 2);
    }
    CHECK_HAS(m4[0].http->body, m4[0].http->len, "/history/2026-09");
    CHECK_HAS(m4[1].http->body, m4[1].http->len, "/history/2026-09");
    CHECK_HAS(m4[0].gopher->body, m4[0].gopher->len, "/history/2026-09");
    CHECK_HAS(m4[1].gopher->body, m4[1].gopher->len, "/history/2026-09");
    CHECK_LACKS(m4[2].http->body, m4[2].http->len, "/history/2026-09");

    /* A month far from 2026-10 appears (2025-01): 2026-05 gets it as its
     * neighbour, 2026-10 stays. */
    CHECK(open_post(w.st, "Post F", NULL, at(2025, 1, 9), true) > 0);
    struct snapshot *s5 = load(&w, T0, s4, NULL);
    REQUIRE(s5 != NULL);
    CHECK(month_stamp(s4, 2026, 10) == month_stamp(s5, 2026, 10));
    CHECK(month_stamp(s4, 2026, 5) != month_stamp(s5, 2026, 5));
    struct month_pages m5;
    month_pages(s5, ym[0], &m5);
    expect_month(__LINE__, ym[0], &m4[0], &m5, true);

    /* The pages of one month are stamped apart. */
    int k10 = query_find_month(s5, 2026, 10);
    REQUIRE(k10 >= 0);
    CHECK(snapshot_month_stamp(s5, (size_t)k10, 1, false) !=
          snapshot_month_stamp(s5, (size_t)k10, 2, false));
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapshot_unref(s3);
    snapshot_unref(s4);
    snapshot_unref(s5);
    world_free(&w);
}

TEST(another_database_is_not_taken_for_this_one)
{
    /* Two stores written alike but for one text have the same ids and
     * the same change stamps. A server whose file is replaced by the
     * other (`mv`) loads it with no base, keeping its cache: the pages
     * cached for the first file must not be served for the second. */
    struct world w1, w2;
    world_init(&w1);
    world_init(&w2);
    REQUIRE(w1.st != NULL && w2.st != NULL && w1.cache != NULL);
    CHECK_INT(store_update_edit(w2.st, first_update(w2.st, w2.a),
                                "The other file's words.", "cli", T0),
              0);
    CHECK_INT(store_update_edit(w1.st, first_update(w1.st, w1.a),
                                "The first file's words.", "cli", T0),
              0);
    struct snapshot *s1 = load(&w1, T0, NULL, NULL);
    REQUIRE(s1 != NULL);
    struct pages p1, p2;
    post_pages(s1, w1.a, &p1);
    struct snapshot *s2 = NULL;
    CHECK_INT(store_load_from(w2.st, T0, NULL, &s2), 0);
    REQUIRE(s2 != NULL);
    CHECK_INT(snapshot_incident(s2, w2.a)->rev,
              snapshot_incident(s1, w1.a)->rev);
    snapkit_site(s2, "Example Net status");
    s2->cache = w1.cache; /* the server's one cache */
    snapshot_seal(s2);
    post_pages(s2, w2.a, &p2);
    expect_pages(__LINE__, &p1, &p2, NONE);
    CHECK_HAS(p2.v[1]->body, p2.v[1]->len, "The other file's words.");
    snapshot_unref(s1);
    snapshot_unref(s2);
    world_free(&w1);
    world_free(&w2);
}

int main(void)
{
    RUN(a_post_changes);
    RUN(a_named_service_changes);
    RUN(the_site_changes);
    RUN(the_minute_changes);
    RUN(the_second_is_not_shown);
    RUN(another_post_changes);
    RUN(a_month_changes);
    RUN(another_database_is_not_taken_for_this_one);
    return test_report();
}
