/* Unit tests of the snapshot: arena, views, refcount, the derive rule, the
 * classification helpers, and the fixture every protocol test relies on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../store/common/timeutil.h"
#include "../../store/model.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

static char *body_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    memcpy(d, s, n);
    return d;
}

/* ---- model names ------------------------------------------------------ */

TEST(model_names_round_trip)
{
    for (int i = 0; i < SERVICE_STATUS_COUNT; i++) {
        enum service_status v;
        CHECK_INT(model_parse_service_status(model_service_status_name(i), &v),
                  0);
        CHECK_INT(v, i);
    }
    for (int i = 0; i < KIND_COUNT; i++) {
        enum incident_kind v;
        CHECK_INT(model_parse_kind(model_kind_name(i), &v), 0);
        CHECK_INT(v, i);
    }
    for (int i = 0; i < STATUS_COUNT; i++) {
        enum incident_status v;
        CHECK_INT(model_parse_status(model_status_name(i), &v), 0);
        CHECK_INT(v, i);
    }
    for (int i = 0; i < IMPACT_COUNT; i++) {
        enum impact v;
        CHECK_INT(model_parse_impact(model_impact_name(i), &v), 0);
        CHECK_INT(v, i);
    }
    enum impact v;
    CHECK_INT(model_parse_impact("Major", &v), UV_EINVAL); /* exact case */
    CHECK_INT(model_parse_impact("", &v), UV_EINVAL);
    CHECK_INT(model_parse_impact(NULL, &v), UV_EINVAL);
    enum incident_status st;
    CHECK_INT(model_parse_status("in progress", &st), UV_EINVAL);
}

TEST(model_names_fixed)
{
    /* These spellings are a contract with the Statuspage v2 JSON and the
     * database. */
    CHECK_STR(model_service_status_name(SERVICE_DEGRADED_PERFORMANCE),
              "degraded_performance");
    CHECK_STR(model_service_status_name(SERVICE_UNDER_MAINTENANCE),
              "under_maintenance");
    CHECK_STR(model_service_status_label(SERVICE_MAJOR_OUTAGE), "Major outage");
    CHECK_STR(model_status_name(STATUS_IN_PROGRESS), "in_progress");
    CHECK_STR(model_status_label(STATUS_IN_PROGRESS), "In progress");
    CHECK_STR(model_status_label(STATUS_INVESTIGATING), "Investigating");
    CHECK_STR(model_kind_name(KIND_MAINTENANCE), "maintenance");
    CHECK_STR(model_impact_name(IMPACT_CRITICAL), "critical");
    CHECK_STR(model_indicator_name(INDICATOR_MAJOR), "major");
    CHECK_STR(model_status_name((enum incident_status)99), "unknown");
}

TEST(model_indicator_descriptions)
{
    static const struct {
        enum indicator i;
        bool maintenance;
        const char *want;
    } cases[] = {
        {INDICATOR_NONE, false, "All Systems Operational"},
        {INDICATOR_NONE, true, "Service Under Maintenance"},
        {INDICATOR_MINOR, false, "Minor Service Outage"},
        /* An outage is the news even while maintenance runs. */
        {INDICATOR_MINOR, true, "Minor Service Outage"},
        {INDICATOR_MAJOR, false, "Partial System Outage"},
        {INDICATOR_CRITICAL, true, "Major System Outage"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        CHECK_STR(model_indicator_description(cases[k].i, cases[k].maintenance),
                  cases[k].want);
}

TEST(model_status_validity)
{
    static const struct {
        enum incident_kind k;
        enum incident_status s;
        bool valid, open;
    } cases[] = {
        {KIND_INCIDENT, STATUS_INVESTIGATING, true, true},
        {KIND_INCIDENT, STATUS_IDENTIFIED, true, true},
        {KIND_INCIDENT, STATUS_MONITORING, true, true},
        {KIND_INCIDENT, STATUS_RESOLVED, true, false},
        {KIND_INCIDENT, STATUS_POSTMORTEM, true, false},
        {KIND_INCIDENT, STATUS_SCHEDULED, false, true},
        {KIND_INCIDENT, STATUS_POSTED, false, true},
        {KIND_MAINTENANCE, STATUS_SCHEDULED, true, true},
        {KIND_MAINTENANCE, STATUS_IN_PROGRESS, true, true},
        {KIND_MAINTENANCE, STATUS_VERIFYING, true, true},
        {KIND_MAINTENANCE, STATUS_COMPLETED, true, false},
        {KIND_MAINTENANCE, STATUS_RESOLVED, false, false},
        {KIND_MAINTENANCE, STATUS_INVESTIGATING, false, true},
        {KIND_NOTICE, STATUS_POSTED, true, true},
        {KIND_NOTICE, STATUS_RESOLVED, false, false},
        {KIND_NOTICE, STATUS_INVESTIGATING, false, true},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        CHECK_INT(model_status_valid(cases[k].k, cases[k].s), cases[k].valid);
        CHECK_INT(model_status_is_open(cases[k].s), cases[k].open);
    }
}

/* ---- arena, refcount -------------------------------------------------- */

TEST(arena_alloc)
{
    struct snapshot *s = snapshot_new();
    CHECK(s != NULL);
    CHECK_INT(s->refs, 1);
    /* Many small and a few big allocations, all zeroed, aligned and
     * independent. */
    char *ptrs[300];
    for (int i = 0; i < 300; i++) {
        size_t size = (i % 50 == 0) ? 100000 : (size_t)(i % 17) + 1;
        ptrs[i] = snapshot_alloc(s, size);
        CHECK(ptrs[i] != NULL);
        CHECK_INT((uintptr_t)ptrs[i] % sizeof(void *), 0);
        int zero = 1;
        for (size_t j = 0; j < size; j++)
            if (ptrs[i][j] != 0)
                zero = 0;
        CHECK(zero);
        memset(ptrs[i], i & 0xff, size);
    }
    for (int i = 0; i < 300; i++)
        CHECK_INT((unsigned char)ptrs[i][0], i & 0xff);
    CHECK(snapshot_strdup(s, NULL) == NULL);
    CHECK_STR(snapshot_strdup(s, "imap"), "imap");
    char *m = snapshot_memdup(s, "a\0b", 3);
    CHECK(memcmp(m, "a\0b", 4) == 0); /* NUL-terminated copy */
    snapshot_unref(s);
}

TEST(refcount)
{
    struct snapshot *s = snapshot_new();
    CHECK(snapshot_ref(s) == s);
    CHECK_INT(s->refs, 2);
    snapshot_ref(s);
    CHECK_INT(s->refs, 3);
    snapshot_unref(s);
    snapshot_unref(s);
    CHECK_INT(s->refs, 1);
    /* The last unref frees (valgrind checks that nothing leaks). */
    snapshot_put_view(s, "http:/", "text/html", body_dup("<p>x</p>"), 8);
    snapshot_unref(s);
    snapshot_unref(NULL); /* harmless */
}

/* ---- views ------------------------------------------------------------ */

TEST(views_put_get_replace)
{
    struct snapshot *s = snapshot_new();
    CHECK(snapshot_view(s, "http:/") == NULL); /* empty table */
    CHECK_INT(snapshot_put_view(s, "http:/", "text/html; charset=utf-8",
                                body_dup("hello"), 5),
              0);
    CHECK_INT(snapshot_put_view(s, "gopher:", NULL, body_dup("menu"), 4), 0);
    const struct view *v = snapshot_view(s, "http:/");
    CHECK(v != NULL);
    CHECK_STR(v->key, "http:/");
    CHECK_STR(v->content_type, "text/html; charset=utf-8");
    CHECK_INT(v->len, 5);
    CHECK(memcmp(v->body, "hello", 5) == 0);
    CHECK_INT(strlen(v->etag), 18);
    CHECK(v->etag[0] == '"' && v->etag[17] == '"');
    char etag1[24];
    memcpy(etag1, v->etag, sizeof(etag1));
    CHECK(snapshot_view(s, "gopher:")->content_type == NULL);
    CHECK(snapshot_view(s, "http:/x") == NULL);

    /* Replacing a key keeps one entry with the new body and ETag. */
    CHECK_INT(
        snapshot_put_view(s, "http:/", "text/plain", body_dup("hello!"), 6), 0);
    v = snapshot_view(s, "http:/");
    CHECK_INT(v->len, 6);
    CHECK_STR(v->content_type, "text/plain");
    CHECK(strcmp(v->etag, etag1) != 0);

    /* gzip attaches to an existing view only. */
    CHECK_INT(snapshot_set_view_gzip(s, "http:/", body_dup("gz"), 2), 0);
    CHECK_INT(snapshot_view(s, "http:/")->gzip_len, 2);
    CHECK_INT(snapshot_set_view_gzip(s, "http:/", body_dup("gz2"), 3), 0);
    CHECK_INT(snapshot_view(s, "http:/")->gzip_len, 3);
    CHECK_INT(snapshot_set_view_gzip(s, "nope", body_dup("gz"), 2), UV_ENOENT);
    snapshot_unref(s);
}

static void count_cb(struct view *v, void *arg)
{
    int *n = arg;
    (*n)++;
    CHECK(v->body != NULL);
}

TEST(views_many)
{
    /* Enough keys to make the table grow several times; every pointer
     * taken before a growth stays valid after it. */
    struct snapshot *s = snapshot_new();
    const struct view *first = NULL;
    char key[64], body[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "http:/incidents/%d", i);
        int n = snprintf(body, sizeof(body), "incident %d", i);
        CHECK_INT(
            snapshot_put_view(s, key, "text/html", body_dup(body), (size_t)n),
            0);
        if (i == 0)
            first = snapshot_view(s, key);
    }
    CHECK(first == snapshot_view(s, "http:/incidents/0"));
    CHECK_STR(first->body, "incident 0");
    for (int i = 0; i < 2000; i += 97) {
        snprintf(key, sizeof(key), "http:/incidents/%d", i);
        snprintf(body, sizeof(body), "incident %d", i);
        const struct view *v = snapshot_view(s, key);
        CHECK(v != NULL && strcmp(v->body, body) == 0);
    }
    int n = 0;
    snapshot_each_view(s, count_cb, &n);
    CHECK_INT(n, 2000);
    snapshot_unref(s);
}

TEST(etag_depends_on_body_only)
{
    struct snapshot *s = snapshot_new();
    snapshot_put_view(s, "a", "text/plain", body_dup("same body"), 9);
    snapshot_put_view(s, "b", "text/html", body_dup("same body"), 9);
    snapshot_put_view(s, "c", "text/plain", body_dup("same bodY"), 9);
    snapshot_put_view(s, "d", "text/plain", body_dup("same body"), 8);
    snapshot_put_view(s, "e", NULL, NULL, 0);
    CHECK_STR(snapshot_view(s, "a")->etag, snapshot_view(s, "b")->etag);
    CHECK(strcmp(snapshot_view(s, "a")->etag, snapshot_view(s, "c")->etag));
    CHECK(strcmp(snapshot_view(s, "a")->etag, snapshot_view(s, "d")->etag));
    /* FNV-1a 64 of the empty string: a stable, known value. */
    CHECK_STR(snapshot_view(s, "e")->etag, "\"cbf29ce484222325\"");
    snapshot_unref(s);
}

/* ---- derive ----------------------------------------------------------- */

/* A tiny builder for derive cases: n services (slug "s0".. in group g0 or
 * g1 or none) and posts given as rows. */
struct post_row {
    int64_t id;
    enum incident_kind kind;
    enum incident_status status;
    enum impact impact;
    int svc_mask; /* bit i: affects service i */
};

static struct snapshot *build(int n_svc, const char *const *groups,
                              int manual_mask, enum service_status manual,
                              const struct post_row *rows, size_t n_rows)
{
    struct snapshot *s = snapshot_new();
    s->generated_at = FIXTURE_NOW;
    s->services = snapshot_alloc(s, (size_t)n_svc * sizeof(*s->services));
    s->n_services = (size_t)n_svc;
    for (int i = 0; i < n_svc; i++) {
        char slug[8];
        snprintf(slug, sizeof(slug), "s%d", i);
        s->services[i].id = i + 1;
        s->services[i].slug = snapshot_strdup(s, slug);
        s->services[i].name = s->services[i].slug;
        s->services[i].group = groups ? groups[i] : NULL;
        s->services[i].position = i + 1;
        if (manual_mask & (1 << i)) {
            s->services[i].manual = true;
            s->services[i].manual_status = manual;
        }
    }
    s->incidents = snapshot_alloc(s, (n_rows + 1) * sizeof(*s->incidents));
    s->n_incidents = n_rows;
    for (size_t k = 0; k < n_rows; k++) {
        struct incident *inc = &s->incidents[k];
        inc->id = rows[k].id;
        inc->kind = rows[k].kind;
        inc->status = rows[k].status;
        inc->impact = rows[k].impact;
        inc->created_at = inc->started_at = FIXTURE_NOW - 60;
        inc->services =
            snapshot_alloc(s, (size_t)(n_svc + 1) * sizeof(*inc->services));
        for (int i = 0; i < n_svc; i++)
            if (rows[k].svc_mask & (1 << i))
                inc->services[inc->n_services++].service = (size_t)i;
    }
    CHECK_INT(snapshot_derive(s), 0);
    return s;
}

TEST(derive_table)
{
    enum { I = KIND_INCIDENT, M = KIND_MAINTENANCE, N = KIND_NOTICE };
    static const struct {
        const char *what;
        struct post_row rows[3];
        size_t n_rows;
        int manual_mask;
        enum service_status manual;
        enum service_status want0, want1;
        const char *reason0;
        enum indicator ind;
        const char *desc;
    } cases[] = {
        {"nothing open",
         {{0}},
         0,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "no open incidents",
         INDICATOR_NONE,
         "All Systems Operational"},
        {"minor incident -> degraded",
         {{7, I, STATUS_INVESTIGATING, IMPACT_MINOR, 1}},
         1,
         0,
         0,
         SERVICE_DEGRADED_PERFORMANCE,
         SERVICE_OPERATIONAL,
         "incident #7",
         INDICATOR_MINOR,
         "Minor Service Outage"},
        {"major incident -> partial",
         {{7, I, STATUS_IDENTIFIED, IMPACT_MAJOR, 3}},
         1,
         0,
         0,
         SERVICE_PARTIAL_OUTAGE,
         SERVICE_PARTIAL_OUTAGE,
         "incident #7",
         INDICATOR_MAJOR,
         "Partial System Outage"},
        {"critical incident -> major outage",
         {{7, I, STATUS_MONITORING, IMPACT_CRITICAL, 1}},
         1,
         0,
         0,
         SERVICE_MAJOR_OUTAGE,
         SERVICE_OPERATIONAL,
         "incident #7",
         INDICATOR_CRITICAL,
         "Major System Outage"},
        {"impact none keeps operational, names the incident",
         {{7, I, STATUS_INVESTIGATING, IMPACT_NONE, 1}},
         1,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "incident #7",
         INDICATOR_NONE,
         "All Systems Operational"},
        {"incident affecting no service still raises the indicator",
         {{7, I, STATUS_INVESTIGATING, IMPACT_MAJOR, 0}},
         1,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "no open incidents",
         INDICATOR_MAJOR,
         "Partial System Outage"},
        {"resolved incident ignored",
         {{7, I, STATUS_RESOLVED, IMPACT_CRITICAL, 3},
          {8, I, STATUS_POSTMORTEM, IMPACT_CRITICAL, 3}},
         2,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "no open incidents",
         INDICATOR_NONE,
         "All Systems Operational"},
        {"active maintenance",
         {{9, M, STATUS_IN_PROGRESS, IMPACT_MAINTENANCE, 1}},
         1,
         0,
         0,
         SERVICE_UNDER_MAINTENANCE,
         SERVICE_OPERATIONAL,
         "maintenance #9",
         INDICATOR_NONE,
         "Service Under Maintenance"},
        {"verifying is still active",
         {{9, M, STATUS_VERIFYING, IMPACT_MAINTENANCE, 1}},
         1,
         0,
         0,
         SERVICE_UNDER_MAINTENANCE,
         SERVICE_OPERATIONAL,
         "maintenance #9",
         INDICATOR_NONE,
         "Service Under Maintenance"},
        {"scheduled and completed maintenance ignored",
         {{9, M, STATUS_SCHEDULED, IMPACT_MAINTENANCE, 3},
          {10, M, STATUS_COMPLETED, IMPACT_MAINTENANCE, 3}},
         2,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "no open incidents",
         INDICATOR_NONE,
         "All Systems Operational"},
        {"minor outage outranks maintenance",
         {{9, M, STATUS_IN_PROGRESS, IMPACT_MAINTENANCE, 3},
          {7, I, STATUS_INVESTIGATING, IMPACT_MINOR, 1}},
         2,
         0,
         0,
         SERVICE_DEGRADED_PERFORMANCE,
         SERVICE_UNDER_MAINTENANCE,
         "incident #7",
         INDICATOR_MINOR,
         "Minor Service Outage"},
        {"maintenance outranks an impact-none incident",
         {{7, I, STATUS_INVESTIGATING, IMPACT_NONE, 1},
          {9, M, STATUS_IN_PROGRESS, IMPACT_MAINTENANCE, 1}},
         2,
         0,
         0,
         SERVICE_UNDER_MAINTENANCE,
         SERVICE_OPERATIONAL,
         "maintenance #9",
         INDICATOR_NONE,
         "Service Under Maintenance"},
        {"worst incident wins",
         {{7, I, STATUS_INVESTIGATING, IMPACT_MINOR, 1},
          {8, I, STATUS_IDENTIFIED, IMPACT_CRITICAL, 1},
          {9, I, STATUS_MONITORING, IMPACT_MAJOR, 1}},
         3,
         0,
         0,
         SERVICE_MAJOR_OUTAGE,
         SERVICE_OPERATIONAL,
         "incident #8",
         INDICATOR_CRITICAL,
         "Major System Outage"},
        {"among equals the newest post decides",
         {{7, I, STATUS_INVESTIGATING, IMPACT_MAJOR, 1},
          {12, I, STATUS_INVESTIGATING, IMPACT_MAJOR, 1}},
         2,
         0,
         0,
         SERVICE_PARTIAL_OUTAGE,
         SERVICE_OPERATIONAL,
         "incident #12",
         INDICATOR_MAJOR,
         "Partial System Outage"},
        {"manual status overrides an incident",
         {{7, I, STATUS_INVESTIGATING, IMPACT_CRITICAL, 1}},
         1,
         1,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "set by hand",
         INDICATOR_CRITICAL,
         "Major System Outage"},
        {"manual outage raises the indicator",
         {{0}},
         0,
         2,
         SERVICE_MAJOR_OUTAGE,
         SERVICE_OPERATIONAL,
         SERVICE_MAJOR_OUTAGE,
         "no open incidents",
         INDICATOR_CRITICAL,
         "Major System Outage"},
        {"manual degraded -> minor",
         {{0}},
         0,
         1,
         SERVICE_DEGRADED_PERFORMANCE,
         SERVICE_DEGRADED_PERFORMANCE,
         SERVICE_OPERATIONAL,
         "set by hand",
         INDICATOR_MINOR,
         "Minor Service Outage"},
        {"manual maintenance -> indicator none, but no active post",
         {{0}},
         0,
         1,
         SERVICE_UNDER_MAINTENANCE,
         SERVICE_UNDER_MAINTENANCE,
         SERVICE_OPERATIONAL,
         "set by hand",
         INDICATOR_NONE,
         "All Systems Operational"},
        {"notices do not affect status",
         {{5, N, STATUS_POSTED, IMPACT_NONE, 3}},
         1,
         0,
         0,
         SERVICE_OPERATIONAL,
         SERVICE_OPERATIONAL,
         "no open incidents",
         INDICATOR_NONE,
         "All Systems Operational"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct snapshot *s =
            build(2, NULL, cases[k].manual_mask, cases[k].manual, cases[k].rows,
                  cases[k].n_rows);
        int before = test_failed_current;
        test_failed_current = 0;
        CHECK_INT(s->services[0].status, cases[k].want0);
        CHECK_INT(s->services[1].status, cases[k].want1);
        CHECK_STR(s->services[0].status_reason, cases[k].reason0);
        CHECK_INT(s->indicator, cases[k].ind);
        CHECK_STR(s->indicator_description, cases[k].desc);
        if (test_failed_current)
            printf("  in case: %s\n", cases[k].what);
        test_failed_current |= before;
        snapshot_unref(s);
    }
}

TEST(derive_groups)
{
    static const char *const groups[5] = {"Mail", NULL, "Access", "Mail",
                                          "Access"};
    const struct post_row rows[] = {
        {3, KIND_INCIDENT, STATUS_IDENTIFIED, IMPACT_MAJOR, 1 << 3},
        {4, KIND_MAINTENANCE, STATUS_IN_PROGRESS, IMPACT_MAINTENANCE, 1 << 2},
    };
    struct snapshot *s = build(5, groups, 0, 0, rows, 2);
    CHECK_INT(s->n_groups, 2);
    CHECK_STR(s->groups[0].name, "Mail");
    CHECK_INT(s->groups[0].position, 1);
    CHECK_INT(s->groups[0].n_members, 2);
    CHECK_INT(s->groups[0].members[0], 0);
    CHECK_INT(s->groups[0].members[1], 3);
    CHECK_INT(s->groups[0].status, SERVICE_PARTIAL_OUTAGE);
    CHECK_STR(s->groups[1].name, "Access");
    CHECK_INT(s->groups[1].position, 3);
    CHECK_INT(s->groups[1].n_members, 2);
    CHECK_INT(s->groups[1].members[0], 2);
    CHECK_INT(s->groups[1].members[1], 4);
    CHECK_INT(s->groups[1].status, SERVICE_UNDER_MAINTENANCE);
    /* Deriving twice gives the same answer (no stale members). */
    CHECK_INT(snapshot_derive(s), 0);
    CHECK_INT(s->n_groups, 2);
    CHECK_INT(s->groups[0].n_members, 2);
    snapshot_unref(s);
}

/* The page as the renderers walk it: items in order, a group as its name
 * in quotes and its members, a lone service as its slug. */
static void describe_page(const struct snapshot *s, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < s->n_items && n < cap; k++) {
        const struct snapshot_item *it = &s->items[k];
        const char *sep = k > 0 ? " " : "";
        if (it->group == MODEL_NO_GROUP) {
            n += (size_t)snprintf(out + n, cap - n, "%s%s", sep,
                                  s->services[it->service].slug);
            continue;
        }
        const struct service_group *grp = &s->groups[it->group];
        n += (size_t)snprintf(out + n, cap - n, "%s[\"%s\"", sep, grp->name);
        for (size_t m = 0; m < grp->n_members && n < cap; m++)
            n += (size_t)snprintf(out + n, cap - n, " %s",
                                  s->services[grp->members[m]].slug);
        if (n < cap)
            n += (size_t)snprintf(out + n, cap - n, "]");
    }
}

/* Every service's group index ('-' for none) and place, then "|" and every
 * group's place among the items. */
static void describe_places(const struct snapshot *s, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->n_services && n < cap; i++) {
        const struct service *svc = &s->services[i];
        if (svc->group_index == MODEL_NO_GROUP)
            n += (size_t)snprintf(out + n, cap - n, "-.%zu ", svc->place);
        else
            n += (size_t)snprintf(out + n, cap - n, "%zu.%zu ",
                                  svc->group_index, svc->place);
    }
    if (n < cap)
        n += (size_t)snprintf(out + n, cap - n, "|");
    for (size_t g = 0; g < s->n_groups && n < cap; g++)
        n += (size_t)snprintf(out + n, cap - n, " %zu", s->groups[g].place);
}

/* Groups and page order: the items each renderer walks, and the places
 * the Statuspage documents number from. */
TEST(derive_page_order)
{
    static const struct {
        const char *what;
        int n_svc;
        const char *groups[5];
        const char *page, *places;
    } cases[] = {
        {"no services", 0, {NULL}, "", "|"},
        {"no groups", 3, {NULL, NULL, NULL}, "s0 s1 s2", "-.0 -.1 -.2 |"},
        {"every service grouped",
         3,
         {"A", "A", "B"},
         "[\"A\" s0 s1] [\"B\" s2]",
         "0.0 0.1 1.0 | 0 1"},
        {"members apart, a lone service between",
         5,
         {"Mail", NULL, "Access", "Mail", "Access"},
         "[\"Mail\" s0 s3] s1 [\"Access\" s2 s4]",
         "0.0 -.1 1.0 0.1 1.1 | 0 2"},
        {"a group after lone services, its members last",
         4,
         {NULL, NULL, "A", "A"},
         "s0 s1 [\"A\" s2 s3]",
         "-.0 -.1 0.0 0.1 | 2"},
        {"a group spanning lone services",
         4,
         {"A", NULL, NULL, "A"},
         "[\"A\" s0 s3] s1 s2",
         "0.0 -.1 -.2 0.1 | 0"},
        /* NULL is no group; "" is a name like any other. */
        {"empty group names",
         4,
         {"", NULL, "", "x"},
         "[\"\" s0 s2] s1 [\"x\" s3]",
         "0.0 -.1 0.1 1.0 | 0 2"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int before = test_failed_current;
        test_failed_current = 0;
        struct snapshot *s =
            build(cases[k].n_svc, cases[k].groups, 0, 0, NULL, 0);
        char page[256], places[256];
        /* Deriving again must give the same answer, not stale places. */
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1)
                CHECK_INT(snapshot_derive(s), 0);
            describe_page(s, page, sizeof(page));
            describe_places(s, places, sizeof(places));
            CHECK_STR(page, cases[k].page);
            CHECK_STR(places, cases[k].places);
        }
        if (test_failed_current)
            printf("  in case: %s\n", cases[k].what);
        test_failed_current |= before;
        snapshot_unref(s);
    }
}

TEST(derive_sorts_posts_and_updates)
{
    const struct post_row rows[] = {
        {3, KIND_INCIDENT, STATUS_RESOLVED, IMPACT_MINOR, 0},
        {10, KIND_INCIDENT, STATUS_RESOLVED, IMPACT_MINOR, 0},
        {1, KIND_INCIDENT, STATUS_RESOLVED, IMPACT_MINOR, 0},
        {7, KIND_INCIDENT, STATUS_RESOLVED, IMPACT_MINOR, 0},
    };
    struct snapshot *s = build(1, NULL, 0, 0, rows, 4);
    CHECK_INT(s->incidents[0].id, 10);
    CHECK_INT(s->incidents[1].id, 7);
    CHECK_INT(s->incidents[2].id, 3);
    CHECK_INT(s->incidents[3].id, 1);
    CHECK(snapshot_incident(s, 7) == &s->incidents[1]);
    CHECK(snapshot_incident(s, 1) == &s->incidents[3]);
    CHECK(snapshot_incident(s, 10) == &s->incidents[0]);
    CHECK(snapshot_incident(s, 5) == NULL);
    CHECK(snapshot_incident(s, 11) == NULL);
    CHECK(snapshot_incident(s, 0) == NULL);

    /* Updates: newest created_at first, ties by id descending. */
    struct incident *inc = &s->incidents[0];
    inc->updates = snapshot_alloc(s, 4 * sizeof(*inc->updates));
    int64_t times[4] = {100, 300, 200, 300};
    int64_t ids[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++) {
        inc->updates[i].id = ids[i];
        inc->updates[i].created_at = times[i];
    }
    inc->n_updates = 4;
    for (size_t k = 0; k < s->n_incidents; k++)
        s->incidents[k].created_at = s->incidents[k].started_at = 50;
    CHECK_INT(snapshot_derive(s), 0);
    inc = &s->incidents[0];
    CHECK_INT(inc->updates[0].id, 4);
    CHECK_INT(inc->updates[1].id, 2);
    CHECK_INT(inc->updates[2].id, 3);
    CHECK_INT(inc->updates[3].id, 1);
    CHECK_INT(s->data_changed_at, 300);
    snapshot_unref(s);
}

TEST(classification)
{
    struct snapshot *s = snapshot_new();
    s->generated_at = FIXTURE_NOW;
    static const struct {
        enum incident_kind kind;
        enum incident_status status;
        int64_t age; /* seconds before generated_at */
        bool open, active, upcoming, notice;
    } cases[] = {
        {KIND_INCIDENT, STATUS_INVESTIGATING, 0, true, false, false, false},
        {KIND_INCIDENT, STATUS_MONITORING, 0, true, false, false, false},
        {KIND_INCIDENT, STATUS_RESOLVED, 0, false, false, false, false},
        {KIND_INCIDENT, STATUS_POSTMORTEM, 0, false, false, false, false},
        {KIND_MAINTENANCE, STATUS_SCHEDULED, 0, false, false, true, false},
        {KIND_MAINTENANCE, STATUS_IN_PROGRESS, 0, false, true, false, false},
        {KIND_MAINTENANCE, STATUS_VERIFYING, 0, false, true, false, false},
        {KIND_MAINTENANCE, STATUS_COMPLETED, 0, false, false, false, false},
        {KIND_NOTICE, STATUS_POSTED, 0, false, false, false, true},
        /* Just inside and just past SNAPSHOT_NOTICE_DAYS. */
        {KIND_NOTICE, STATUS_POSTED, 7 * 86400 - 1, false, false, false, true},
        {KIND_NOTICE, STATUS_POSTED, 7 * 86400, false, false, false, false},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct incident inc = {0};
        inc.kind = cases[k].kind;
        inc.status = cases[k].status;
        inc.created_at = inc.started_at = FIXTURE_NOW - cases[k].age;
        inc.scheduled_start = FIXTURE_NOW + 3600;
        inc.scheduled_end = FIXTURE_NOW + 7200;
        CHECK_INT(snapshot_is_open_incident(s, &inc), cases[k].open);
        CHECK_INT(snapshot_is_active_maintenance(s, &inc), cases[k].active);
        CHECK_INT(snapshot_is_upcoming_maintenance(s, &inc), cases[k].upcoming);
        CHECK_INT(snapshot_is_overdue_maintenance(s, &inc), false);
        CHECK_INT(snapshot_is_current_notice(s, &inc), cases[k].notice);
    }
    snapshot_unref(s);
}

/* A scheduled maintenance is upcoming until its window begins, and from
 * then on overdue (still listed, never "upcoming") until
 * SNAPSHOT_RECENT_DAYS after its end. */
TEST(classification_overdue_maintenance)
{
    struct snapshot *s = snapshot_new();
    s->generated_at = FIXTURE_NOW;
    static const struct {
        int64_t start, end; /* relative to generated_at */
        bool upcoming, overdue;
    } cases[] = {
        {1, 3600, true, false},
        {0, 3600, false, true},
        {-3600, -1, false, true},
        {-7200, -30 * 86400, false, true},
        {-7200, -30 * 86400 - 1, false, false},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct incident inc = {.kind = KIND_MAINTENANCE,
                               .status = STATUS_SCHEDULED,
                               .scheduled_start = FIXTURE_NOW + cases[k].start,
                               .scheduled_end = FIXTURE_NOW + cases[k].end};
        CHECK_INT(snapshot_is_upcoming_maintenance(s, &inc), cases[k].upcoming);
        CHECK_INT(snapshot_is_overdue_maintenance(s, &inc), cases[k].overdue);
        CHECK_INT(snapshot_is_current(s, &inc),
                  cases[k].upcoming || cases[k].overdue);
        inc.status = STATUS_IN_PROGRESS;
        CHECK_INT(snapshot_is_overdue_maintenance(s, &inc), false);
    }
    snapshot_unref(s);
}

/* ---- the fixture ------------------------------------------------------ */

TEST(fixture_matches_its_documentation)
{
    struct snapshot *s = fixture_snapshot();
    CHECK(s != NULL);
    CHECK_INT(s->refs, 1);
    CHECK_INT(s->generated_at, FIXTURE_NOW);
    CHECK_STR(s->site.name, "Example Net status");
    CHECK_STR(s->site.hostname, "status.example.net");
    CHECK_INT(s->site.gopher_port, 70);
    CHECK_INT(s->n_services, 5);
    static const struct {
        const char *slug;
        enum service_status status;
        const char *reason;
    } svc[] = {
        {"dsl", SERVICE_OPERATIONAL, "no open incidents"},
        {"fibre", SERVICE_OPERATIONAL, "no open incidents"},
        {"imap", SERVICE_PARTIAL_OUTAGE, "incident #42"},
        {"smtp", SERVICE_PARTIAL_OUTAGE, "incident #42"},
        {"dns", SERVICE_UNDER_MAINTENANCE, "maintenance #44"},
    };
    for (size_t i = 0; i < 5; i++) {
        CHECK_STR(s->services[i].slug, svc[i].slug);
        CHECK_INT(s->services[i].status, svc[i].status);
        CHECK_STR(s->services[i].status_reason, svc[i].reason);
        CHECK(snapshot_service(s, svc[i].slug) == &s->services[i]);
    }
    CHECK(snapshot_service(s, "voip") == NULL);
    CHECK(s->services[4].group == NULL);
    CHECK_INT(s->n_groups, 2);
    CHECK_STR(s->groups[0].name, "Access");
    CHECK_STR(s->groups[1].name, "Mail");
    CHECK_INT(s->groups[1].status, SERVICE_PARTIAL_OUTAGE);
    CHECK_INT(s->n_items, 3);
    CHECK_INT(s->items[0].group, 0);
    CHECK_INT(s->items[1].group, 1);
    CHECK(s->items[2].group == MODEL_NO_GROUP);
    CHECK_INT(s->items[2].service, 4);
    CHECK_INT(s->groups[1].place, 1);
    CHECK_INT(s->services[3].group_index, 1);
    CHECK_INT(s->services[3].place, 1);
    CHECK_INT(s->services[4].place, 2);
    CHECK_INT(s->indicator, INDICATOR_MAJOR);
    CHECK_STR(s->indicator_description, "Partial System Outage");
    CHECK_INT(s->data_changed_at, time_from_utc(2026, 11, 18, 10, 45, 0));

    static const int64_t ids[] = {66, 45, 44, 43, 42, 41, 40};
    CHECK_INT(s->n_incidents, 7);
    for (size_t k = 0; k < 7; k++)
        CHECK_INT(s->incidents[k].id, ids[k]);

    const struct incident *i42 = snapshot_incident(s, 42);
    CHECK(snapshot_is_open_incident(s, i42));
    CHECK_INT(i42->n_updates, 3);
    CHECK_INT(i42->updates[0].id, 423);
    CHECK_INT(i42->n_services, 2);
    CHECK(snapshot_is_active_maintenance(s, snapshot_incident(s, 44)));
    CHECK(snapshot_is_upcoming_maintenance(s, snapshot_incident(s, 43)));
    CHECK(snapshot_incident(s, 43)->scheduled_start > FIXTURE_NOW);
    CHECK(snapshot_is_current_notice(s, snapshot_incident(s, 45)));
    CHECK_STR(snapshot_incident(s, 41)->postmortem, FIXTURE_POSTMORTEM);

    const struct incident *h = snapshot_incident(s, 66);
    CHECK_STR(h->title, FIXTURE_HOSTILE_TITLE);
    CHECK(strchr(h->title, '\t') && strchr(h->title, '\r') &&
          strchr(h->title, '\n') && strstr(h->title, "\x1b[2J") &&
          strstr(h->title, "<script>alert(1)</script>") &&
          strchr(h->title, '"') && strstr(h->title, "Z\xc3\xbcrich"));
    CHECK(strstr(h->updates[0].body, "javascript:alert(1)") != NULL);
    CHECK(strstr(h->updates[0].body, "https://example.net/") != NULL);
    CHECK(!model_status_is_open(h->status));
    snapshot_unref(s);

    s = fixture_empty_snapshot();
    CHECK(s != NULL);
    CHECK_INT(s->n_services + s->n_incidents + s->n_groups, 0);
    CHECK_INT(s->indicator, INDICATOR_NONE);
    CHECK_STR(s->indicator_description, "All Systems Operational");
    CHECK_INT(s->data_changed_at, 0);
    CHECK_STR(s->site.base_url, "http://status.example.net");
    snapshot_unref(s);
}

int main(void)
{
    RUN(model_names_round_trip);
    RUN(model_names_fixed);
    RUN(model_indicator_descriptions);
    RUN(model_status_validity);
    RUN(arena_alloc);
    RUN(refcount);
    RUN(views_put_get_replace);
    RUN(views_many);
    RUN(etag_depends_on_body_only);
    RUN(derive_table);
    RUN(derive_groups);
    RUN(derive_page_order);
    RUN(derive_sorts_posts_and_updates);
    RUN(classification);
    RUN(classification_overdue_maintenance);
    RUN(fixture_matches_its_documentation);
    return test_report();
}
