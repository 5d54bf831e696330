/* Unit tests for store/export.c: lossless round trip, and an importer that
 * checks everything before it writes anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../store/demo.h"
#include "../../store/store.h"
#include "testlib.h"

#define NOW 1795000000

static struct store *fresh(void)
{
    struct store *st = NULL;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    return st;
}

/* The demo plus everything the demo lacks: manual statuses, per-service
 * windows, revisions, a postmortem, UTF-8 and quotes. */
static struct store *rich(void)
{
    struct store *st = fresh();
    CHECK_INT(store_demo(st, NOW), 0);
    struct service_input svc = {.slug = "imap9",
                                .name = "Zürich \"mailbox\" server",
                                .group = "Mail",
                                .description = "Back-slash \\ and tab-free"};
    CHECK_INT(store_service_add(st, &svc), 0);
    CHECK_INT(store_service_set(st, "imap9", SERVICE_PARTIAL_OUTAGE, false), 0);
    const char *slugs[] = {"imap9"};
    const int64_t windows[1][2] = {{NOW + 3600, NOW + 4000}};
    struct post_input m = {.kind = KIND_MAINTENANCE,
                           .title = "Reboot — one at a time",
                           .status = STATUS_SCHEDULED,
                           .impact = IMPACT_MAINTENANCE,
                           .services = slugs,
                           .n_services = 1,
                           .windows = windows,
                           .body = "Line one.\n\nLine \"two\"\twith a tab.",
                           .author = "Ana",
                           .at = NOW,
                           .scheduled_start = NOW + 3600,
                           .scheduled_end = NOW + 7200};
    int64_t id;
    CHECK_INT(store_post_open(st, &m, &id), 0);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    int64_t uid = snapshot_incident(s, id)->updates[0].id;
    snapshot_unref(s);
    CHECK_INT(store_update_edit(st, uid, "Replaced text.", "noc-bot", NOW + 9),
              0);
    char token[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_token_add(st, "noc-bot", token, NOW), 0);
    CHECK_INT(store_token_add(st, "old-script", token, NOW), 0);
    CHECK_INT(store_token_revoke(st, "old-script", NOW + 1), 0);
    return st;
}

static char *export_of(struct store *st, size_t *len)
{
    struct buf b = BUF_INIT;
    CHECK_INT(store_export(st, &b), 0);
    return buf_steal(&b, len);
}

TEST(round_trip_is_byte_identical)
{
    struct store *a = rich();
    size_t la, lb;
    char *ja = export_of(a, &la);
    struct store *b = fresh();
    CHECK_INT(store_import(b, ja, la), 0);
    char *jb = export_of(b, &lb);
    CHECK_INT(la, lb);
    CHECK(ja != NULL && jb != NULL && la == lb && memcmp(ja, jb, la) == 0);
    /* And the imported store loads to the same model. */
    struct snapshot *sa, *sb;
    CHECK_INT(store_load(a, NOW, &sa), 0);
    CHECK_INT(store_load(b, NOW, &sb), 0);
    CHECK_INT(sa->n_incidents, sb->n_incidents);
    CHECK_INT(sa->n_services, sb->n_services);
    CHECK_INT(sa->indicator, sb->indicator);
    CHECK_STR(snapshot_service(sb, "imap9")->name, "Zürich \"mailbox\" server");
    CHECK_INT(snapshot_service(sb, "imap9")->status, SERVICE_PARTIAL_OUTAGE);
    snapshot_unref(sa);
    snapshot_unref(sb);
    free(ja);
    free(jb);
    store_close(a);
    store_close(b);
}

TEST(import_needs_an_empty_store)
{
    struct store *a = rich();
    size_t len;
    char *j = export_of(a, &len);
    CHECK_INT(store_import(a, j, len), UV_EINVAL);
    CHECK(strstr(store_errmsg(a), "not empty") != NULL);
    free(j);
    store_close(a);
}

/* Replaces the first occurrence of from with to in doc (a fresh copy). */
static char *edit(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    if (at == NULL)
        return NULL;
    size_t a = (size_t)(at - doc), lf = strlen(from), lt = strlen(to);
    char *out = malloc(strlen(doc) - lf + lt + 1);
    memcpy(out, doc, a);
    memcpy(out + a, to, lt);
    strcpy(out + a + lt, at + lf);
    return out;
}

TEST(corrupted_documents_write_nothing)
{
    static const struct {
        const char *from, *to; /* the damage */
        const char *msg;       /* part of the reason */
    } cases[] = {
        /* not JSON */
        {"\"version\": 1,", "\"version\": 1,,", "not valid JSON"},
        /* wrong format and version */
        {"outpost-export", "other-export", "not an outpost export"},
        {"\"version\": 1", "\"version\": 2", "reads version 1"},
        /* unknown and missing keys */
        {"\"slug\": \"dsl\"", "\"slug\": \"dsl\", \"colour\": 1",
         "services[0]: unknown key 'colour'"},
        {"\"position\": 1, ", "", "services[0]: missing key 'position'"},
        /* wrong types */
        {"\"id\": 1, \"slug\"", "\"id\": \"1\", \"slug\"",
         "services[0]: id: expected an integer"},
        {"\"name\": \"DSL broadband\"", "\"name\": 7",
         "name: expected a string"},
        /* invalid values under the CLI's rules */
        {"\"slug\": \"dsl\"", "\"slug\": \"DSL!\"", "is not a valid slug"},
        {"\"name\": \"DSL broadband\"", "\"name\": \"DSL\\u001b[2J\"",
         "services[0].name"},
        {"\"manual_status\": null", "\"manual_status\": \"broken\"",
         "manual_status: unknown status 'broken'"},
        {"\"kind\": \"incident\"", "\"kind\": \"outage\"",
         "kind: unknown kind 'outage'"},
        {"\"status\": \"resolved\"", "\"status\": \"completed\"",
         "is not a status of incident"},
        {"\"id\": 1, \"slug\"", "\"id\": 0, \"slug\"",
         "id: must be at least 1"},
        /* references and duplicates */
        {"\"service_id\": 1,", "\"service_id\": 999,", "no service 999"},
        {"\"slug\": \"fibre\"", "\"slug\": \"dsl\"",
         "slug 'dsl' is used twice"},
        {"\"id\": 2, \"slug\"", "\"id\": 1, \"slug\"", "service id 1 is used"},
        /* tokens */
        {"\"name\": \"noc-bot\", \"hash\": \"",
         "\"name\": \"noc-bot\", \"hash\": \"zz",
         "hash: expected 64 hex digits"},
        {"\"name\": \"old-script\"", "\"name\": \"noc-bot\"",
         "id or name used twice"},
        {"\"name\": \"noc-bot\"", "\"name\": \"Bad Name\"",
         "is not a token name"},
    };
    struct store *a = rich();
    size_t len;
    char *j = export_of(a, &len);
    store_close(a);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = edit(j, cases[i].from, cases[i].to);
        CHECK(bad != NULL);
        if (bad == NULL) {
            printf("  case %zu: '%s' not found in the export\n", i,
                   cases[i].from);
            continue;
        }
        struct store *b = fresh();
        CHECK_INT(store_import(b, bad, strlen(bad)), UV_EINVAL);
        if (strstr(store_errmsg(b), cases[i].msg) == NULL)
            printf("  case %zu: got '%s', want '%s'\n", i, store_errmsg(b),
                   cases[i].msg);
        CHECK(strstr(store_errmsg(b), cases[i].msg) != NULL);
        bool empty = false;
        CHECK_INT(store_is_empty(b, &empty), 0);
        CHECK(empty); /* nothing was written */
        store_close(b);
        free(bad);
    }
    /* The undamaged document still imports (the table is not vacuous). */
    struct store *b = fresh();
    CHECK_INT(store_import(b, j, len), 0);
    store_close(b);
    free(j);
}

TEST(empty_store_round_trip)
{
    struct store *a = fresh();
    size_t la, lb;
    char *ja = export_of(a, &la);
    CHECK_STR(ja, "{\n  \"format\": \"outpost-export\",\n  \"version\": 1,\n"
                  "  \"services\": [],\n  \"incidents\": [],\n"
                  "  \"tokens\": []\n}\n");
    struct store *b = fresh();
    CHECK_INT(store_import(b, ja, la), 0);
    char *jb = export_of(b, &lb);
    CHECK_STR(jb, ja);
    free(ja);
    free(jb);
    store_close(a);
    store_close(b);
}

int main(void)
{
    RUN(round_trip_is_byte_identical);
    RUN(import_needs_an_empty_store);
    RUN(corrupted_documents_write_nothing);
    RUN(empty_store_round_trip);
    return test_report();
}
