/* Unit tests of the months' pages (QUERY_MONTH_PAGE posts a page): a
 * month of 250 posts has three pages on HTTP ("/history/YYYY-MM", "/2",
 * "/3") and on Gopher, every other name of a page is not found, each page
 * lists its 100, 100 and 50 posts newest first, and its links to the
 * pages before and after it lead there; a month of at most 100 posts has
 * one page and no pager. Requests go through each protocol's on_data, as
 * server/conn.c feeds them, on a snapshot of a real store. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "../../protocols/text.h"
#include "../../store/common/timeutil.h"
#include "../../store/query.h"
#include "../../store/store.h"
#include "protodrive.h"
#include "snapkit.h"
#include "testlib.h"

#define NOW 1795000000

/* The months and how many posts each gets. */
static const struct {
    int year, month;
    int posts;
} months[] = {{2026, 4, 40}, {2026, 3, 250}, {2026, 2, 100}, {2026, 1, 101}};
#define N_MONTHS 4

/* Every post opened: its id and the time it is filed under. */
struct post {
    int64_t id, t;
};

static struct store *st;
static struct snapshot *snap;
static struct post posts[600];
static size_t n_posts;

/* Newest first by filing time, then by id (the history's order). */
static int newest_first(const void *a, const void *b)
{
    const struct post *x = a, *y = b;
    if (x->t != y->t)
        return x->t > y->t ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

/* The ids of year-month in the history's order, into out; their count. */
static size_t expected(int year, int month, int64_t *out)
{
    int64_t from = time_from_utc(year, month, 1, 0, 0, 0);
    int64_t to = month == 12 ? time_from_utc(year + 1, 1, 1, 0, 0, 0)
                             : time_from_utc(year, month + 1, 1, 0, 0, 0);
    struct post v[600];
    size_t n = 0;
    for (size_t i = 0; i < n_posts; i++)
        if (posts[i].t >= from && posts[i].t < to)
            v[n++] = posts[i];
    qsort(v, n, sizeof(v[0]), newest_first);
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].id;
    return n;
}

/* The store: each month's posts opened in a shuffled order of their
 * times, so that ids do not follow the history's order; a few share a
 * time, so that the id decides. Maintenance is filed under its window. */
static bool setup(void)
{
    char err[256];
    if (store_open(":memory:", &st, err, sizeof(err)) != 0)
        return false;
    struct service_input svc = {.slug = "dsl", .name = "DSL", .position = 1};
    if (store_service_add(st, &svc) != 0)
        return false;
    struct snapkit_rng rng = {99};
    for (int m = 0; m < N_MONTHS; m++) {
        int n = months[m].posts;
        int64_t start =
            time_from_utc(months[m].year, months[m].month, 1, 0, 30, 0);
        int order[300];
        for (int k = 0; k < n; k++)
            order[k] = k;
        for (int k = n - 1; k > 0; k--) {
            int j = (int)snapkit_below(&rng, (size_t)k + 1);
            int x = order[k];
            order[k] = order[j];
            order[j] = x;
        }
        for (int k = 0; k < n; k++) {
            /* Pairs of slots share a time. */
            int64_t t = start + (int64_t)(order[k] / 2) * 3600;
            bool maint = order[k] % 7 == 3;
            char title[64];
            snprintf(title, sizeof(title), "Post %d of %d-%02d", order[k],
                     months[m].year, months[m].month);
            const char *svcs[1] = {"dsl"};
            struct post_input in = {
                .kind = maint ? KIND_MAINTENANCE : KIND_INCIDENT,
                .title = title,
                .status = maint ? STATUS_SCHEDULED : STATUS_RESOLVED,
                .impact = maint ? IMPACT_MAINTENANCE : IMPACT_MINOR,
                .services = svcs,
                .n_services = 1,
                .body = "Words.",
                .via = "cli",
                /* Maintenance written a month before its window. */
                .at = maint ? t - 30 * 86400 : t,
                .scheduled_start = maint ? t : 0,
                .scheduled_end = maint ? t + 600 : 0,
            };
            int64_t id = 0;
            if (store_post_open(st, &in, &id) != 0) {
                printf("  open: %s\n", store_errmsg(st));
                return false;
            }
            posts[n_posts].id = id;
            posts[n_posts].t = t;
            n_posts++;
        }
    }
    snap = snapkit_load(st, NOW, NULL, NULL, "Example Net status");
    return snap != NULL;
}

/* ---- HTTP ---------------------------------------------------------------- */

struct answer {
    int status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
};

/* GET path through http_proto.on_data, as one read. */
static void http_get(const char *path, struct answer *out)
{
    char req[256];
    int n =
        snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: status.example.net\r\n\r\n", path);
    char *state = calloc(1, http_proto.state_size);
    struct reply rep;
    memset(&rep, 0, sizeof(rep));
    memset(out, 0, sizeof(*out));
    if (state == NULL)
        return;
    http_proto.init(state);
    size_t consumed = 0;
    enum proto_result r =
        http_proto.on_data(state, snap, req, (size_t)n, &consumed, &rep);
    CHECK(r == PROTO_REPLY || r == PROTO_REPLY_CLOSE);
    out->status = rep.status;
    const char *b = rep.body != NULL ? rep.body : rep.tail.data;
    size_t len = rep.body != NULL ? rep.body_len : rep.tail.len;
    out->body = malloc(len + 1);
    if (out->body != NULL) {
        if (len > 0)
            memcpy(out->body, b, len);
        out->body[len] = '\0';
        out->len = len;
    }
    reply_free(&rep);
    http_proto.fini(state);
    free(state);
}

/* The ids of the posts a page links, in order ("/incidents/ID"). */
static size_t linked_ids(const char *body, const char *prefix, int64_t *out,
                         size_t cap)
{
    size_t n = 0, plen = strlen(prefix);
    for (const char *p = strstr(body, prefix); p != NULL && n < cap;
         p = strstr(p + plen, prefix)) {
        int64_t id = strtoll(p + plen, NULL, 10);
        if (n == 0 || out[n - 1] != id)
            out[n++] = id;
    }
    return n;
}

/* The href of the link whose text is `text`, or "" (into out). */
static void link_to(const char *body, const char *text, char *out, size_t cap)
{
    out[0] = '\0';
    char want[64];
    snprintf(want, sizeof(want), "\">%s</a>", text);
    const char *end = strstr(body, want);
    if (end == NULL)
        return;
    const char *start = end;
    while (start > body && strncmp(start, "href=\"", 6) != 0)
        start--;
    if (start == body)
        return;
    start += 6;
    snprintf(out, cap, "%.*s", (int)(end - start), start);
}

static bool same_ids(const int64_t *got, size_t n_got, const int64_t *want,
                     size_t n_want)
{
    if (n_got != n_want)
        return false;
    for (size_t i = 0; i < n_got; i++)
        if (got[i] != want[i])
            return false;
    return true;
}

TEST(http_a_busy_month_has_three_pages)
{
    static int64_t want[300], got[300];
    size_t n = expected(2026, 3, want);
    REQUIRE(n == 250);
    static const char *const page_path[] = {
        "/history/2026-03", "/history/2026-03/2", "/history/2026-03/3"};
    static const size_t from[] = {0, 100, 200}, count[] = {100, 100, 50};
    for (int p = 0; p < 3; p++) {
        struct answer a;
        http_get(page_path[p], &a);
        REQUIRE(a.body != NULL);
        CHECK_INT(a.status, 200);
        size_t k = linked_ids(a.body, "href=\"/incidents/", got, 300);
        CHECK_INT(k, count[p]);
        CHECK(same_ids(got, k, want + from[p], count[p]));
        char says[96];
        snprintf(says, sizeof(says),
                 "Posts %zu to %zu of 250, newest first (page %d of 3).",
                 from[p] + 1, from[p] + count[p], p + 1);
        CHECK_HAS(a.body, a.len, says);
        /* The pages before and after, by the page's own links. */
        char newer[64], older[64];
        link_to(a.body, "Newer posts", newer, sizeof(newer));
        link_to(a.body, "Older posts", older, sizeof(older));
        CHECK_STR(newer, p > 0 ? page_path[p - 1] : "");
        CHECK_STR(older, p < 2 ? page_path[p + 1] : "");
        /* The months around it, as every month's page links them. */
        CHECK_HAS(a.body, a.len, "href=\"/history/2026-04\"");
        CHECK_HAS(a.body, a.len, "href=\"/history/2026-02\"");
        if (test_failed_current)
            printf("  (page %d)\n", p + 1);
        free(a.body);
    }
}

TEST(http_other_page_names_are_not_found)
{
    static const char *const bad[] = {
        "/history/2026-03/4",  "/history/2026-03/1",
        "/history/2026-03/02", "/history/2026-03/0",
        "/history/2026-03/",   "/history/2026-03/2/",
        "/history/2026-03/-2", "/history/2026-03/3x",
        "/history/2026-03//2", "/history/2026-02/2",
        "/history/2026-01/3",  "/history/2026-04/2",
        "/history/2025-12",    "/history/2026-03/99999999999999999999",
        "/history/2026-3/2",   "/history/2026-03/1000001"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct answer a;
        http_get(bad[i], &a);
        CHECK_INT(a.status, 404);
        if (a.status != 404)
            printf("  %s\n", bad[i]);
        free(a.body);
    }
    /* And the names that are pages. */
    static const char *const good[] = {"/history/2026-01/2", "/history/2026-02",
                                       "/history/2026-04"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct answer a;
        http_get(good[i], &a);
        CHECK_INT(a.status, 200);
        free(a.body);
    }
}

TEST(http_a_month_of_one_page_has_no_pager)
{
    static int64_t want[300], got[300];
    /* 100 posts: one page, all of them, and nothing about pages. */
    size_t n = expected(2026, 2, want);
    REQUIRE(n == 100);
    struct answer a;
    http_get("/history/2026-02", &a);
    REQUIRE(a.body != NULL);
    size_t k = linked_ids(a.body, "href=\"/incidents/", got, 300);
    CHECK(same_ids(got, k, want, n));
    CHECK_LACKS(a.body, a.len, "class=\"pages\"");
    CHECK_LACKS(a.body, a.len, "Newer posts");
    CHECK_LACKS(a.body, a.len, "Older posts");
    CHECK_LACKS(a.body, a.len, "/history/2026-02/");
    free(a.body);
    /* 101 posts: two pages, the second with one post. */
    n = expected(2026, 1, want);
    REQUIRE(n == 101);
    http_get("/history/2026-01/2", &a);
    REQUIRE(a.body != NULL);
    k = linked_ids(a.body, "href=\"/incidents/", got, 300);
    CHECK_INT(k, 1);
    CHECK(k == 1 && got[0] == want[100]);
    CHECK_HAS(a.body, a.len, "Posts 101 to 101 of 101");
    free(a.body);
}

/* ---- Gopher -------------------------------------------------------------- */

/* The menu for a selector, through gopher_proto.on_data. */
static void gopher_get(const char *sel, struct buf *out)
{
    char req[256];
    int n = snprintf(req, sizeof(req), "%s\r\n", sel);
    CHECK_INT(protodrive_once(&gopher_proto, snap, req, (size_t)n, NULL, 0,
                              false, out),
              PROTO_REPLY_CLOSE);
    buf_append(out, "", 0); /* NUL-terminated */
}

/* The selectors of a menu's items of type t, in order. */
static size_t items(const struct buf *menu, char t, char (*out)[64],
                    char (*titles)[96], size_t cap)
{
    size_t n = 0;
    const char *p = menu->data;
    while (p != NULL && *p != '\0' && n < cap) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if (*p == t) {
            const char *tab = memchr(p, '\t', (size_t)(eol - p));
            const char *tab2 =
                tab != NULL ? memchr(tab + 1, '\t', (size_t)(eol - tab - 1))
                            : NULL;
            if (tab2 != NULL) {
                snprintf(out[n], 64, "%.*s", (int)(tab2 - tab - 1), tab + 1);
                if (titles != NULL)
                    snprintf(titles[n], 96, "%.*s", (int)(tab - p - 1), p + 1);
                n++;
            }
        }
        p = eol + 2;
    }
    return n;
}

TEST(gopher_a_busy_month_has_three_pages)
{
    static int64_t want[300];
    static char sels[400][64], titles[400][96];
    size_t n = expected(2026, 3, want);
    REQUIRE(n == 250);
    static const char *const page_sel[] = {
        "/history/2026-03", "/history/2026-03/2", "/history/2026-03/3"};
    static const size_t from[] = {0, 100, 200}, count[] = {100, 100, 50};
    for (int p = 0; p < 3; p++) {
        struct buf menu = BUF_INIT;
        gopher_get(page_sel[p], &menu);
        REQUIRE(menu.data != NULL);
        CHECK(menu.data[0] == 'i'); /* a menu, not an error */
        char title[64];
        snprintf(title, sizeof(title), "iMarch 2026, page %d of 3\t", p + 1);
        CHECK(strncmp(menu.data, title, strlen(title)) == 0);
        /* The posts, each a text item. */
        size_t k = items(&menu, '0', sels, NULL, 400);
        CHECK_INT(k, count[p]);
        for (size_t i = 0; i < k && i < count[p]; i++) {
            char want_sel[64];
            snprintf(want_sel, sizeof(want_sel), "/incidents/%" PRId64,
                     want[from[p] + i]);
            CHECK_STR(sels[i], want_sel);
        }
        /* The menus it leads to: the pages next to it, the months next to
         * it, all months, the root. */
        k = items(&menu, '1', sels, titles, 400);
        size_t seen = 0;
        for (size_t i = 0; i < k; i++) {
            if (strncmp(titles[i], "Newer posts", 11) == 0) {
                CHECK(p > 0);
                if (p > 0)
                    CHECK_STR(sels[i], page_sel[p - 1]);
                seen |= 1;
            } else if (strncmp(titles[i], "Older posts", 11) == 0) {
                CHECK(p < 2);
                if (p < 2)
                    CHECK_STR(sels[i], page_sel[p + 1]);
                seen |= 2;
            }
            /* Every menu item leads to a menu. */
            struct buf there = BUF_INIT;
            gopher_get(sels[i], &there);
            CHECK(there.data != NULL && there.data[0] == 'i');
            buf_free(&there);
        }
        CHECK_INT(seen, p == 0 ? 2 : p == 1 ? 3 : 1);
        CHECK(buf_failed(&menu) == false);
        if (test_failed_current)
            printf("  (page %d)\n", p + 1);
        buf_free(&menu);
    }
}

TEST(gopher_other_page_names_are_not_found)
{
    static const char *const bad[] = {
        "/history/2026-03/4", "/history/2026-03/1", "/history/2026-03/02",
        "/history/2026-03/0", "/history/2026-03/",  "/history/2026-03/3x",
        "/history/2026-02/2", "/history/2026-01/3", "/history/2026-03/2/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf menu = BUF_INIT;
        gopher_get(bad[i], &menu);
        CHECK(menu.data != NULL && menu.data[0] == '3');
        if (menu.data == NULL || menu.data[0] != '3')
            printf("  %s\n", bad[i]);
        buf_free(&menu);
    }
}

TEST(gopher_a_month_of_one_page_has_no_pager)
{
    static int64_t want[300];
    static char sels[400][64], titles[400][96];
    size_t n = expected(2026, 2, want);
    struct buf menu = BUF_INIT;
    gopher_get("/history/2026-02", &menu);
    REQUIRE(menu.data != NULL);
    CHECK(strncmp(menu.data, "iFebruary 2026\t", 15) == 0);
    CHECK_INT(items(&menu, '0', sels, NULL, 400), n);
    size_t k = items(&menu, '1', sels, titles, 400);
    for (size_t i = 0; i < k; i++)
        CHECK(strstr(titles[i], "posts of") == NULL);
    CHECK_LACKS(menu.data, menu.len, "/history/2026-02/");
    buf_free(&menu);
}

/* ---- the other views of the history ---------------------------------------
 */

TEST(every_post_of_a_busy_month_is_in_the_text_history)
{
    /* The text history (finger, /W history) walks a month page by page:
     * every post of it, once, in order. */
    static int64_t want[300], got[700];
    size_t n = expected(2026, 3, want);
    struct buf text = BUF_INIT;
    text_history(&text, snap, false);
    buf_append(&text, "", 0);
    REQUIRE(text.data != NULL);
    const char *start = strstr(text.data, "March 2026");
    const char *end = strstr(text.data, "February 2026");
    REQUIRE(start != NULL && end != NULL && start < end);
    size_t k = 0;
    for (const char *p = start; p < end && k < 700; p++)
        if (p[0] == '#' && (p == text.data || p[-1] == '\n'))
            got[k++] = strtoll(p + 1, NULL, 10);
    CHECK(same_ids(got, k, want, n));
    buf_free(&text);
}

TEST(each_view_walks_every_page)
{
    /* The walk of every view (tools, tests) names each page of a month
     * once, and no page that does not exist. */
    struct snapkit_views v;
    snapkit_collect(&http_proto, snap, &v);
    CHECK(snapkit_find(&v, "http:/history/2026-03") != NULL);
    CHECK(snapkit_find(&v, "http:/history/2026-03/2") != NULL);
    CHECK(snapkit_find(&v, "http:/history/2026-03/3") != NULL);
    CHECK(snapkit_find(&v, "http:/history/2026-03/4") == NULL);
    CHECK(snapkit_find(&v, "http:/history/2026-01/2") != NULL);
    CHECK(snapkit_find(&v, "http:/history/2026-02/2") == NULL);
    snapkit_views_free(&v);
    snapkit_collect(&gopher_proto, snap, &v);
    CHECK(snapkit_find(&v, "gopher:/history/2026-03/3") != NULL);
    CHECK(snapkit_find(&v, "gopher:/history/2026-03/4") == NULL);
    snapkit_views_free(&v);
    CHECK_INT(query_month_pages(snap, (size_t)query_find_month(snap, 2026, 3)),
              3);
    CHECK_INT(query_month_pages(snap, (size_t)query_find_month(snap, 2026, 2)),
              1);
    CHECK_INT(query_month_pages(snap, (size_t)query_find_month(snap, 2026, 1)),
              2);
}

int main(void)
{
    bool ok = setup();
    if (!ok) {
        printf("FAIL setup\n0 passed, 1 failed\n");
        return 1;
    }
    RUN(http_a_busy_month_has_three_pages);
    RUN(http_other_page_names_are_not_found);
    RUN(http_a_month_of_one_page_has_no_pager);
    RUN(gopher_a_busy_month_has_three_pages);
    RUN(gopher_other_page_names_are_not_found);
    RUN(gopher_a_month_of_one_page_has_no_pager);
    RUN(every_post_of_a_busy_month_is_in_the_text_history);
    RUN(each_view_walks_every_page);
    snapshot_unref(snap);
    store_close(st);
    return test_report();
}
