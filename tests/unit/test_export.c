/* Unit tests for store/export.c: a fixed format, a lossless round trip,
 * and an importer that checks everything before it writes anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../server/cli/demo.h"
#include "../../store/common/jsonr.h"
#include "../../store/store.h"
#include "../../store/store_int.h"
#include "testlib.h"

#define NOW 1795000000

static struct store *fresh(void)
{
    struct store *st = NULL;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    return st;
}

static char *export_of(struct store *st, size_t *len)
{
    struct buf b = BUF_INIT;
    CHECK_INT(store_export(st, &b), 0);
    return buf_steal(&b, len);
}

static int64_t first_update_id(struct store *st, int64_t incident)
{
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *inc = snapshot_incident(s, incident);
    int64_t uid = inc != NULL && inc->n_updates > 0
                      ? inc->updates[inc->n_updates - 1].id
                      : 0;
    snapshot_unref(s);
    return uid;
}

/* What the demo lacks, added to st: a manual status, services given out
 * of id order, per-service windows, a postmortem, revisions, a notice,
 * tokens, and text with UTF-8, quotes, backslashes and tabs. */
static void add_hand_made(struct store *st, char token[STORE_TOKEN_LEN + 1])
{
    struct service_input dsl = {
        .slug = "dsl", .name = "DSL", .group = "Access"};
    struct service_input mail = {.slug = "mail",
                                 .name = "Mail — IMAP \"and\" SMTP",
                                 .description = "Zürich relays \\ backup"};
    /* The demo already has a dsl service; only add what is missing. */
    int rc = store_service_add(st, &dsl);
    CHECK(rc == 0 || rc == UV_EEXIST);
    CHECK_INT(store_service_add(st, &mail), 0);
    CHECK_INT(store_service_set(st, "mail", SERVICE_MAJOR_OUTAGE, false), 0);

    const char *both[] = {"mail", "dsl"}; /* mail first: not id order */
    struct post_input inc = {.kind = KIND_INCIDENT,
                             .title = "Fibre cut at the \"Elm\" cabinet",
                             .status = STATUS_INVESTIGATING,
                             .impact = IMPACT_MAJOR,
                             .services = both,
                             .n_services = 2,
                             .body = "Looking.",
                             .author = "Ana",
                             .at = NOW + 10};
    int64_t id;
    CHECK_INT(store_post_open(st, &inc, &id), 0);
    struct update_input res = {.set_status = true,
                               .status = STATUS_RESOLVED,
                               .body = "Fixed.\tAll good.",
                               .via = "noc-bot",
                               .at = NOW + 100};
    CHECK_INT(store_post_update(st, id, &res), 0);
    CHECK_INT(store_postmortem(st, id, "A digger.\n\nNext time: ducts.", "cli",
                               NOW + 200),
              0);
    int64_t uid = first_update_id(st, id);
    CHECK_INT(
        store_update_edit(st, uid, "Looking into it.", "noc-bot", NOW + 300),
        0);
    CHECK_INT(store_update_edit(st, uid, "Looking into it — Zürich too.", "cli",
                                NOW + 301),
              0);

    const char *one[] = {"dsl"};
    const int64_t windows[1][2] = {{NOW + 1060, NOW + 1120}};
    struct post_input m = {.kind = KIND_MAINTENANCE,
                           .title = "Line card swap",
                           .status = STATUS_SCHEDULED,
                           .impact = IMPACT_MAINTENANCE,
                           .services = one,
                           .n_services = 1,
                           .windows = windows,
                           .body = "One card at a time.",
                           .at = NOW + 20,
                           .scheduled_start = NOW + 1000,
                           .scheduled_end = NOW + 2000};
    CHECK_INT(store_post_open(st, &m, &id), 0);
    struct post_input n = {.kind = KIND_NOTICE,
                           .title = "Saturday support",
                           .status = STATUS_POSTED,
                           .impact = IMPACT_NONE,
                           .body = "Open 9–13.",
                           .at = NOW + 30};
    CHECK_INT(store_post_open(st, &n, &id), 0);
    char other[STORE_TOKEN_LEN + 1], name[65];
    unsigned char hash[STORE_TOKEN_HASH];
    CHECK_INT(store_token_add(st, "noc-bot", token, NOW), 0);
    CHECK_INT(store_token_add(st, "old-script", other, NOW), 0);
    store_token_hash(token, hash);
    CHECK_INT(store_token_use(st, hash, name, NOW + 400), 0);
    CHECK_INT(store_token_revoke(st, "old-script", NOW + 1), 0);
}

/* A small store with fixed times, for the golden export and the damage
 * table. Services take the wall clock when added, so their times are set
 * by hand afterwards. */
static struct store *small(void)
{
    struct store *st = fresh();
    char token[STORE_TOKEN_LEN + 1];
    add_hand_made(st, token);
    CHECK_INT(sqlite3_exec(st->db,
                           "UPDATE services SET created_at = 1794000000,"
                           " updated_at = 1794000000 + id",
                           NULL, NULL, NULL),
              SQLITE_OK);
    return st;
}

/* The demo plus the hand-made rows. */
static struct store *rich(char token[STORE_TOKEN_LEN + 1])
{
    struct store *st = fresh();
    CHECK_INT(store_demo(st, NOW), 0);
    add_hand_made(st, token);
    return st;
}

/* Token hashes are random: blank them for the golden comparison. */
static void mask_hashes(char *doc)
{
    for (char *p = doc; (p = strstr(p, "\"hash\": \"")) != NULL;) {
        p += 9;
        for (int i = 0; i < 64 && p[i] != '\0'; i++)
            p[i] = 'x';
    }
}

static const char golden[] =
    "{\n"
    "  \"format\": \"outpost-export\",\n"
    "  \"version\": 1,\n"
    "  \"services\": [\n"
    "    {\"id\": 1, \"slug\": \"dsl\", \"name\": \"DSL\", \"group\": "
    "\"Access\", \"description\": null, \"position\": 1, \"manual_status\": "
    "null, \"created_at\": 1794000000, \"updated_at\": 1794000001},\n"
    "    {\"id\": 2, \"slug\": \"mail\", \"name\": \"Mail \xe2\x80\x94 IMAP "
    "\\\"and\\\" SMTP\", \"group\": null, \"description\": \"Z\xc3\xbcrich "
    "relays \\\\ backup\", \"position\": 2, \"manual_status\": "
    "\"major_outage\", \"created_at\": 1794000000, \"updated_at\": "
    "1794000002}\n"
    "  ],\n"
    "  \"incidents\": [\n"
    "    {\"id\": 1, \"kind\": \"incident\", \"title\": \"Fibre cut at the "
    "\\\"Elm\\\" cabinet\", \"status\": \"postmortem\", \"impact\": "
    "\"major\",\n"
    "     \"created_at\": 1795000010, \"started_at\": 1795000010, "
    "\"updated_at\": 1795000301, \"monitoring_at\": 0, \"resolved_at\": "
    "1795000100, \"scheduled_start\": 0, \"scheduled_end\": 0,\n"
    "     \"postmortem\": \"A digger.\\n\\nNext time: ducts.\", "
    "\"postmortem_at\": 1795000200, \"postmortem_via\": \"cli\",\n"
    "     \"services\": [{\"service_id\": 2, \"window_start\": 0, "
    "\"window_end\": 0}, {\"service_id\": 1, \"window_start\": 0, "
    "\"window_end\": 0}],\n"
    "     \"updates\": [\n"
    "       {\"id\": 1, \"created_at\": 1795000010, \"status\": "
    "\"investigating\", \"body\": \"Looking into it \xe2\x80\x94 "
    "Z\xc3\xbcrich too.\", \"author\": \"Ana\", \"via\": \"cli\", "
    "\"revisions\": [{\"id\": 1, \"edited_at\": 1795000300, \"old_body\": "
    "\"Looking.\", \"via\": \"noc-bot\"}, {\"id\": 2, \"edited_at\": "
    "1795000301, \"old_body\": \"Looking into it.\", \"via\": \"cli\"}]},\n"
    "       {\"id\": 2, \"created_at\": 1795000100, \"status\": "
    "\"resolved\", \"body\": \"Fixed.\\tAll good.\", \"author\": null, "
    "\"via\": \"noc-bot\", \"revisions\": []}\n"
    "     ]},\n"
    "    {\"id\": 2, \"kind\": \"maintenance\", \"title\": \"Line card "
    "swap\", \"status\": \"scheduled\", \"impact\": \"maintenance\",\n"
    "     \"created_at\": 1795000020, \"started_at\": 1795000020, "
    "\"updated_at\": 1795000020, \"monitoring_at\": 0, \"resolved_at\": 0, "
    "\"scheduled_start\": 1795001000, \"scheduled_end\": 1795002000,\n"
    "     \"postmortem\": null, \"postmortem_at\": 0, \"postmortem_via\": "
    "null,\n"
    "     \"services\": [{\"service_id\": 1, \"window_start\": 1795001060, "
    "\"window_end\": 1795001120}],\n"
    "     \"updates\": [\n"
    "       {\"id\": 3, \"created_at\": 1795000020, \"status\": "
    "\"scheduled\", \"body\": \"One card at a time.\", \"author\": null, "
    "\"via\": \"cli\", \"revisions\": []}\n"
    "     ]},\n"
    "    {\"id\": 3, \"kind\": \"notice\", \"title\": \"Saturday support\", "
    "\"status\": \"posted\", \"impact\": \"none\",\n"
    "     \"created_at\": 1795000030, \"started_at\": 1795000030, "
    "\"updated_at\": 1795000030, \"monitoring_at\": 0, \"resolved_at\": 0, "
    "\"scheduled_start\": 0, \"scheduled_end\": 0,\n"
    "     \"postmortem\": null, \"postmortem_at\": 0, \"postmortem_via\": "
    "null,\n"
    "     \"services\": [],\n"
    "     \"updates\": [\n"
    "       {\"id\": 4, \"created_at\": 1795000030, \"status\": \"posted\", "
    "\"body\": \"Open 9\xe2\x80\x93"
    "13.\", \"author\": null, \"via\": \"cli\", \"revisions\": []}\n"
    "     ]}\n"
    "  ],\n"
    "  \"tokens\": [\n"
    "    {\"id\": 1, \"name\": \"noc-bot\", \"hash\": "
    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", "
    "\"created_at\": 1795000000, \"revoked_at\": 0, \"last_used_at\": "
    "1795000400},\n"
    "    {\"id\": 2, \"name\": \"old-script\", \"hash\": "
    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", "
    "\"created_at\": 1795000000, \"revoked_at\": 1795000001, "
    "\"last_used_at\": 0}\n"
    "  ]\n"
    "}\n";

/* The layout is part of the format: pin it byte for byte. */
TEST(export_format_is_fixed)
{
    struct store *st = small();
    size_t len;
    char *doc = export_of(st, &len);
    CHECK_INT(strlen(doc), len);
    mask_hashes(doc);
    CHECK_STR(doc, golden);
    free(doc);
    store_close(st);
}

TEST(round_trip_is_byte_identical)
{
    char token[STORE_TOKEN_LEN + 1];
    struct store *a = rich(token);
    size_t la, lb;
    char *ja = export_of(a, &la);
    struct store *b = fresh();
    CHECK_INT(store_import(b, ja, la), 0);
    char *jb = export_of(b, &lb);
    CHECK_INT(la, lb);
    CHECK(ja != NULL && jb != NULL && la == lb && memcmp(ja, jb, la) == 0);

    /* The imported store loads to the same model. */
    struct snapshot *sa, *sb;
    CHECK_INT(store_load(a, NOW, &sa), 0);
    CHECK_INT(store_load(b, NOW, &sb), 0);
    int64_t max_id = 0;
    for (size_t i = 0; i < sa->n_incidents; i++)
        if (sa->incidents[i].id > max_id)
            max_id = sa->incidents[i].id;
    CHECK_INT(sa->n_incidents, sb->n_incidents);
    CHECK_INT(sa->n_services, sb->n_services);
    CHECK_INT(sa->indicator, sb->indicator);
    for (size_t i = 0; i < sa->n_services && i < sb->n_services; i++) {
        CHECK_STR(sa->services[i].slug, sb->services[i].slug);
        CHECK_INT(sa->services[i].status, sb->services[i].status);
        CHECK_INT(sa->services[i].manual, sb->services[i].manual);
    }
    const struct service *mail = snapshot_service(sb, "mail");
    CHECK(mail != NULL && mail->manual && mail->status == SERVICE_MAJOR_OUTAGE);
    CHECK_STR(mail->name, "Mail — IMAP \"and\" SMTP");
    for (size_t i = 0; i < sa->n_incidents && i < sb->n_incidents; i++) {
        const struct incident *x = &sa->incidents[i], *y = &sb->incidents[i];
        CHECK_INT(x->id, y->id);
        CHECK_INT(x->status, y->status);
        CHECK_INT(x->n_services, y->n_services);
        for (size_t k = 0; k < x->n_services && k < y->n_services; k++) {
            /* Same service, same order, same window. */
            CHECK_STR(sa->services[x->services[k].service].slug,
                      sb->services[y->services[k].service].slug);
            CHECK_INT(x->services[k].window_start, y->services[k].window_start);
            CHECK_INT(x->services[k].window_end, y->services[k].window_end);
        }
        CHECK_INT(x->n_updates, y->n_updates);
        for (size_t k = 0; k < x->n_updates && k < y->n_updates; k++) {
            CHECK_STR(x->updates[k].body, y->updates[k].body);
            CHECK_INT(x->updates[k].n_revisions, y->updates[k].n_revisions);
            CHECK_INT(x->updates[k].edited_at, y->updates[k].edited_at);
        }
        CHECK_STR(x->postmortem, y->postmortem);
    }
    /* The hand-made incident: services in the order given, not by id. */
    const struct incident *cut = &sb->incidents[0];
    for (size_t i = 0; i < sb->n_incidents; i++)
        if (strstr(sb->incidents[i].title, "Elm") != NULL)
            cut = &sb->incidents[i];
    CHECK_INT(cut->n_services, 2);
    CHECK_STR(sb->services[cut->services[0].service].slug, "mail");
    CHECK_STR(sb->services[cut->services[1].service].slug, "dsl");
    CHECK_INT(cut->updates[cut->n_updates - 1].n_revisions, 2);
    CHECK_INT(cut->updates[cut->n_updates - 1].edited_at, NOW + 301);
    CHECK_STR(cut->postmortem, "A digger.\n\nNext time: ducts.");
    snapshot_unref(sa);
    snapshot_unref(sb);

    /* Tokens travel as hashes: the old token still works, the revoked one
     * still does not. */
    char name[65];
    CHECK_INT(store_token_check(b, token, name), 0);
    CHECK_STR(name, "noc-bot");
    struct token_info *tokens;
    size_t n;
    CHECK_INT(store_token_list(b, &tokens, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(tokens[0].last_used_at, NOW + 400);
        CHECK_INT(tokens[1].revoked_at, NOW + 1);
    }
    free(tokens);

    /* New rows after an import get fresh ids, above the imported ones. */
    struct post_input p = {.kind = KIND_NOTICE,
                           .title = "After the move",
                           .status = STATUS_POSTED,
                           .at = NOW + 500};
    int64_t id;
    CHECK_INT(store_post_open(b, &p, &id), 0);
    CHECK_INT(id, max_id + 1);
    free(ja);
    free(jb);
    store_close(a);
    store_close(b);
}

/* The statuses a post of kind k may take, and the impacts it may have. */
static size_t statuses_of(enum incident_kind k, enum incident_status out[])
{
    size_t n = 0;
    for (int s = 0; s < STATUS_COUNT; s++)
        if (model_status_valid(k, (enum incident_status)s))
            out[n++] = (enum incident_status)s;
    return n;
}

static enum impact impact_for(enum incident_kind k, size_t i)
{
    if (k == KIND_MAINTENANCE)
        return IMPACT_MAINTENANCE;
    if (k == KIND_NOTICE)
        return IMPACT_NONE;
    return (enum impact)(i % (IMPACT_CRITICAL + 1));
}

/* Opens a post of kind k in status first, then tries three updates to the
 * statuses steps[] (with a new impact each) and, for an incident, a
 * postmortem after the step pm_after (3: none). Refused writes are
 * counted, not failures: what the writers accept is what must survive. */
static void write_history(struct store *st, enum incident_kind k,
                          enum incident_status first,
                          const enum incident_status steps[3], int pm_after,
                          int64_t at, int *accepted, int *refused)
{
    static const char *const slugs[] = {"dsl", "mail"};
    static const int64_t windows[2][2] = {{0, 0}, {NOW + 100, NOW + 200}};
    struct post_input in = {.kind = k,
                            .title = "History",
                            .status = first,
                            .impact = impact_for(k, 1),
                            .services = k == KIND_NOTICE ? NULL : slugs,
                            .n_services = k == KIND_NOTICE ? 0 : 2,
                            .body = "Start.",
                            .at = at};
    if (k == KIND_MAINTENANCE) {
        in.scheduled_start = NOW;
        in.scheduled_end = NOW + 300;
        in.windows = windows;
    }
    int64_t id;
    if (store_post_open(st, &in, &id) != 0) {
        (*refused)++;
        return;
    }
    (*accepted)++;
    for (int j = 0; j <= 3; j++) {
        if (j == pm_after && k == KIND_INCIDENT) {
            int rc = store_postmortem(st, id, "Why.", "cli", at + 10 * j + 5);
            *(rc == 0 ? accepted : refused) += 1;
        }
        if (j == 3)
            break;
        struct update_input up = {.set_status = true,
                                  .status = steps[j],
                                  .set_impact = true,
                                  .impact = impact_for(k, (size_t)j),
                                  .body = "Step.",
                                  .at = at + 10 * (j + 1)};
        int rc = store_post_update(st, id, &up);
        *(rc == 0 ? accepted : refused) += 1;
    }
}

/* The property behind one set of rules: whatever the writers accept, an
 * export brings back. Every start, every sequence of three status changes
 * and every place for a postmortem, through the store's own functions;
 * then export, import into an empty store, export again: the same bytes. */
TEST(whatever_is_written_imports_again)
{
    struct store *a = fresh();
    struct service_input dsl = {.slug = "dsl", .name = "DSL"};
    struct service_input mail = {.slug = "mail", .name = "Mail"};
    CHECK_INT(store_service_add(a, &dsl), 0);
    CHECK_INT(store_service_add(a, &mail), 0);
    int accepted = 0, refused = 0;
    int64_t at = NOW;
    for (int k = 0; k < KIND_COUNT; k++) {
        enum incident_status st[STATUS_COUNT];
        size_t n = statuses_of((enum incident_kind)k, st);
        for (size_t s0 = 0; s0 < n; s0++)
            for (size_t i = 0; i < n * n * n; i++) {
                enum incident_status steps[3] = {st[i % n], st[i / n % n],
                                                 st[i / n / n]};
                write_history(a, (enum incident_kind)k, st[s0], steps,
                              (int)(i % 5), at, &accepted, &refused);
                at += 100;
            }
    }
    /* Both sides of the writers' rules were exercised. */
    CHECK(accepted > 1000);
    CHECK(refused > 100);
    size_t la, lb;
    char *ja = export_of(a, &la);
    struct store *b = fresh();
    int rc = store_import(b, ja, la);
    CHECK_INT(rc, 0);
    if (rc != 0)
        printf("  import: %s\n", store_errmsg(b));
    char *jb = export_of(b, &lb);
    CHECK(la == lb && memcmp(ja, jb, la) == 0);
    free(ja);
    free(jb);
    store_close(a);
    store_close(b);
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

static int64_t rows(struct store *st, const char *table)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    sqlite3_stmt *q;
    int64_t n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

TEST(import_needs_an_empty_store)
{
    struct store *a = small();
    size_t len;
    char *j = export_of(a, &len);
    CHECK_INT(store_import(a, j, len), UV_EINVAL);
    CHECK_STR(store_errmsg(a),
              "the database is not empty; import needs a new one (or "
              "--merge, to add the document's posts)");
    store_close(a);

    /* A store holding only a token is not empty either. */
    struct store *b = fresh();
    char token[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_token_add(b, "lonely", token, NOW), 0);
    CHECK_INT(store_import(b, j, len), UV_EINVAL);
    CHECK(strstr(store_errmsg(b), "not empty") != NULL);
    CHECK_INT(rows(b, "services") + rows(b, "incidents"), 0);
    CHECK_INT(rows(b, "api_tokens"), 1);
    store_close(b);
    free(j);
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

/* True if nothing at all is in st. */
static bool untouched(struct store *st)
{
    sqlite3_stmt *q;
    int64_t n = -1;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT (SELECT count(*) FROM services)"
                           " + (SELECT count(*) FROM incidents)"
                           " + (SELECT count(*) FROM incident_services)"
                           " + (SELECT count(*) FROM updates)"
                           " + (SELECT count(*) FROM update_revisions)"
                           " + (SELECT count(*) FROM api_tokens)",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n == 0;
}

static int64_t count_of(struct store *st, const char *table)
{
    char sql[80];
    sqlite3_stmt *q;
    int64_t n = -1;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* --merge: an old page's posts join a store that has posts of its own,
 * under new ids, on the store's services (matched by slug, the missing
 * ones made), without the old page's tokens, in the history by their own
 * times. */
TEST(merge_adds_posts_under_new_ids)
{
    struct store *a = small();
    size_t len;
    char *j = export_of(a, &len);
    store_close(a);

    struct store *b = fresh();
    struct service_input dsl = {.slug = "dsl", .name = "DSL here"};
    struct service_input core = {.slug = "core", .name = "Core"};
    CHECK_INT(store_service_add(b, &core), 0);
    CHECK_INT(store_service_add(b, &dsl), 0);
    const char *svc[] = {"core"};
    struct post_input p = {.kind = KIND_INCIDENT,
                           .title = "Core switch",
                           .status = STATUS_INVESTIGATING,
                           .impact = IMPACT_MAJOR,
                           .services = svc,
                           .n_services = 1,
                           .at = NOW + 5000};
    int64_t id;
    CHECK_INT(store_post_open(b, &p, &id), 0);
    CHECK_INT(id, 1);

    struct store_merge res;
    CHECK_INT(store_import_merge(b, j, len, &res), 0);
    CHECK_INT(res.posts, 3);
    CHECK_INT(res.services_added, 1); /* mail; dsl is matched by slug */
    CHECK_INT(res.first_id, 2);
    CHECK_INT(res.last_id, 4);
    CHECK_INT(count_of(b, "api_tokens"), 0);
    CHECK_INT(count_of(b, "update_revisions"), 2);

    struct snapshot *s;
    CHECK_INT(store_load(b, NOW + 6000, &s), 0);
    CHECK_INT(s->n_incidents, 4);
    CHECK_INT(s->n_services, 3);
    const struct incident *fibre = snapshot_incident(s, 2);
    CHECK(fibre != NULL);
    if (fibre != NULL) {
        CHECK_STR(fibre->title, "Fibre cut at the \"Elm\" cabinet");
        CHECK_INT(fibre->created_at, NOW + 10);
        CHECK_INT(fibre->n_services, 2);
        CHECK_INT(fibre->n_updates, 2);
        CHECK(fibre->postmortem != NULL);
        if (fibre->n_services == 2) {
            CHECK_STR(s->services[fibre->services[0].service].slug, "mail");
            CHECK_STR(s->services[fibre->services[1].service].slug, "dsl");
        }
        if (fibre->n_updates == 2)
            CHECK_INT(fibre->updates[1].n_revisions, 2);
    }
    /* The store's own dsl stays as it was; the new mail is not set by
     * hand, whatever the old page said. */
    CHECK_STR(snapshot_service(s, "dsl")->name, "DSL here");
    CHECK(!snapshot_service(s, "mail")->manual);
    /* History order is by time: core (NOW + 5000), the maintenance
     * (starts NOW + 1000), the notice (NOW + 30), the fibre cut (NOW +
     * 10); its ids are 1, 3, 4, 2. */
    char order[64] = "";
    for (size_t i = 0; i < s->n_incidents; i++)
        snprintf(order + strlen(order), sizeof(order) - strlen(order), "%s%lld",
                 i ? "," : "", (long long)s->incidents[s->by_time[i]].id);
    CHECK_STR(order, "1,3,4,2");
    snapshot_unref(s);

    /* A fault anywhere writes nothing and names its path. */
    char *bad = strdup(j);
    char *at = strstr(bad, "\"status\": \"resolved\", \"body\"");
    CHECK(at != NULL);
    if (at != NULL) {
        memcpy(at + 11, "fixed\"   ,", 10); /* same length, still JSON */
        CHECK_INT(store_import_merge(b, bad, len, &res), UV_EINVAL);
        CHECK_STR(store_errmsg(b),
                  "incidents[0].updates[1].status: unknown status 'fixed'");
        CHECK_INT(res.posts, 0);
        CHECK_INT(count_of(b, "incidents"), 4);
        CHECK_INT(count_of(b, "services"), 3);
    }
    free(bad);

    /* Into an empty store it makes every service. */
    struct store *c = fresh();
    CHECK_INT(store_import_merge(c, j, len, &res), 0);
    CHECK_INT(res.services_added, 2);
    CHECK_INT(res.first_id, 1);
    CHECK_INT(count_of(c, "incidents"), 3);
    store_close(c);
    store_close(b);
    free(j);
}

/* The flags of maintenance that runs itself: written only when set (an
 * export without them keeps its bytes), and restored by import and by
 * --merge. */
static int64_t schedule_auto(struct store *st, bool start, bool complete,
                             int64_t at)
{
    const char *one[] = {"dsl"};
    struct post_input m = {.kind = KIND_MAINTENANCE,
                           .title = "Runs itself",
                           .status = STATUS_SCHEDULED,
                           .impact = IMPACT_MAINTENANCE,
                           .services = one,
                           .n_services = 1,
                           .at = at,
                           .scheduled_start = at + 1000,
                           .scheduled_end = at + 2000,
                           .auto_start = start,
                           .auto_complete = complete};
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &m, &id), 0);
    return id;
}

static void check_flags(struct store *st, int64_t id, bool start, bool complete)
{
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *inc = snapshot_incident(s, id);
    CHECK(inc != NULL);
    if (inc != NULL) {
        CHECK(inc->auto_start == start);
        CHECK(inc->auto_complete == complete);
    }
    snapshot_unref(s);
}

TEST(auto_flags_survive_export_and_import)
{
    struct store *a = small(); /* posts 1-3: none runs itself */
    CHECK_INT(schedule_auto(a, true, true, NOW + 40), 4);
    CHECK_INT(schedule_auto(a, false, true, NOW + 50), 5);
    CHECK_INT(schedule_auto(a, true, false, NOW + 60), 6);
    size_t len;
    char *j = export_of(a, &len);
    store_close(a);
    CHECK(strstr(j, "\"scheduled_end\": 1795002040, \"auto_start\": true, "
                    "\"auto_complete\": true,\n") != NULL);
    CHECK(strstr(j, "\"scheduled_end\": 1795002050, "
                    "\"auto_complete\": true,\n") != NULL);
    CHECK(strstr(j, "\"scheduled_end\": 1795002060, \"auto_start\": "
                    "true,\n") != NULL);
    CHECK(strstr(j, "false") == NULL); /* an unset flag is not written */

    struct store *b = fresh();
    CHECK_INT(store_import(b, j, len), 0);
    check_flags(b, 2, false, false);
    check_flags(b, 4, true, true);
    check_flags(b, 5, false, true);
    check_flags(b, 6, true, false);
    size_t len2;
    char *j2 = export_of(b, &len2);
    CHECK_INT(len2, len);
    CHECK(len2 == len && memcmp(j, j2, len) == 0);
    free(j2);

    /* --merge carries them to the new ids (after b's six posts). */
    struct store_merge res;
    CHECK_INT(store_import_merge(b, j, len, &res), 0);
    CHECK_INT(res.first_id, 7);
    CHECK_INT(res.last_id, 12);
    check_flags(b, 8, false, false);
    check_flags(b, 10, true, true);
    check_flags(b, 11, false, true);
    check_flags(b, 12, true, false);
    store_close(b);

    /* Written out as false, a flag is the same as absent. */
    char *f = edit(j, "\"scheduled_end\": 1795002050",
                   "\"scheduled_end\": 1795002050, \"auto_start\": false");
    CHECK(f != NULL);
    if (f != NULL) {
        struct store *c = fresh();
        CHECK_INT(store_import(c, f, strlen(f)), 0);
        check_flags(c, 5, false, true);
        store_close(c);
    }
    free(f);
    free(j);
}

TEST(corrupted_documents_write_nothing)
{
    static const struct {
        const char *from, *to; /* the damage */
        const char *msg;       /* the whole message */
    } cases[] = {
        /* not JSON at all */
        {"\"version\": 1,", "\"version\": 1,,",
         "not valid JSON: offset 47: expected a member name"},
        /* valid JSON, not an export */
        {"\"format\": \"outpost-export\"", "\"format\": \"statuspage\"",
         "format: 'statuspage' is not an outpost export"},
        {"\"version\": 1", "\"version\": 2",
         "version: this outpost reads version 1, not 2"},
        {"\"version\": 1", "\"version\": 1.0",
         "version: expected an integer, not a fraction, an exponent or a "
         "number beyond 64 bits"},
        {"\"tokens\": [", "\"tokenz\": [", "document: unknown key 'tokenz'"},
        {"\"services\": [\n", "\"services\": {\"a\": 1}, \"x\": [\n",
         "document: unknown key 'x'"},
        /* unknown and missing keys */
        {"\"slug\": \"dsl\"", "\"slug\": \"dsl\", \"colour\": 1",
         "services[0]: unknown key 'colour'"},
        {"\"position\": 1, ", "", "services[0]: missing key 'position'"},
        {"\"revisions\": []}", "\"revisions\": [], \"x\": null}",
         "incidents[0].updates[1]: unknown key 'x'"},
        /* wrong types */
        {"\"id\": 1, \"slug\"", "\"id\": \"1\", \"slug\"",
         "services[0].id: expected an integer, not string"},
        {"\"name\": \"DSL\"", "\"name\": 7",
         "services[0].name: expected a string, not number"},
        {"\"group\": \"Access\"", "\"group\": false",
         "services[0].group: expected a string or null, not boolean"},
        {"\"services\": [{\"service_id\": 2",
         "\"services\": {\"service_id\": 2",
         "not valid JSON: offset 960: expected a member name"},
        {"\"revisions\": []}\n     ]},\n    {\"id\": 3",
         "\"revisions\": null}\n     ]},\n    {\"id\": 3",
         "incidents[1].updates[0].revisions: expected an array, not null"},
        {"\"name\": \"DSL\"", "\"name\": \"DS\\u0000L\"",
         "services[0].name: contains a NUL character"},
        /* values the CLI would refuse */
        {"\"slug\": \"dsl\"", "\"slug\": \"DSL!\"",
         "services[0].slug: 'DSL!' is not a valid slug"},
        {"\"name\": \"DSL\"", "\"name\": \"DSL\\u001b[2J\"",
         "services[0].name: name must not contain control characters "
         "(tabs, line breaks, escapes)"},
        {"\"name\": \"DSL\"", "\"name\": \" DSL\"",
         "services[0].name: name has surrounding spaces or is blank"},
        {"\"name\": \"DSL\"", "\"name\": \"\"",
         "services[0].name: name must not be empty"},
        {"\"body\": \"One card", "\"body\": \"\\r\\nOne card",
         "incidents[1].updates[0].body: body has CR line ends or trailing "
         "white space"},
        {"\"position\": 1", "\"position\": 2147483648",
         "services[0].position: must be at most 2147483647"},
        {"\"created_at\": 1794000000", "\"created_at\": -1",
         "services[0].created_at: must be at least 0"},
        /* enums, and statuses that do not fit the kind */
        {"\"manual_status\": null", "\"manual_status\": \"broken\"",
         "services[0].manual_status: unknown status 'broken'"},
        {"\"kind\": \"incident\"", "\"kind\": \"outage\"",
         "incidents[0].kind: unknown kind 'outage'"},
        {"\"status\": \"resolved\"", "\"status\": \"fixed\"",
         "incidents[0].updates[1].status: unknown status 'fixed'"},
        {"\"status\": \"postmortem\"", "\"status\": \"completed\"",
         "incidents[0].status: status 'completed' is not valid for an "
         "incident"},
        {"\"status\": \"posted\", \"impact\"",
         "\"status\": \"resolved\", \"impact\"",
         "incidents[2].status: status 'resolved' is not valid for a notice"},
        {"\"impact\": \"major\"", "\"impact\": \"maintenance\"",
         "incidents[0].impact: impact of an incident must be none, minor, "
         "major or critical"},
        {"\"impact\": \"none\"", "\"impact\": \"minor\"",
         "incidents[2].impact: a notice has no impact (none)"},
        {"\"impact\": \"major\"", "\"impact\": \"severe\"",
         "incidents[0].impact: unknown impact 'severe'"},
        {"\"status\": \"scheduled\", \"impact\"",
         "\"status\": \"resolved\", \"impact\"",
         "incidents[1].status: maintenance cannot be resolved; use "
         "start/complete"},
        {"\"status\": \"scheduled\", \"body\"",
         "\"status\": \"resolved\", \"body\"",
         "incidents[1].updates[0].status: maintenance cannot be resolved; use "
         "start/complete"},
        {"\"status\": \"resolved\", \"body\": \"Fixed.",
         "\"status\": \"posted\", \"body\": \"Fixed.",
         "incidents[0].updates[1].status: status 'posted' is not valid for an "
         "incident"},
        /* windows and schedules */
        {"\"scheduled_end\": 1795002000", "\"scheduled_end\": 1795000999",
         "incidents[1].scheduled_end: end is before start"},
        {"\"scheduled_start\": 1795001000", "\"scheduled_start\": 0",
         "incidents[1].scheduled_start: maintenance needs a start and an end"},
        {"\"scheduled_end\": 0,", "\"scheduled_end\": 5,",
         "incidents[0].scheduled_end: only maintenance has a scheduled "
         "window"},
        {"\"window_start\": 1795001060", "\"window_start\": 0",
         "incidents[1].services[0].window_start: window of service 1 needs a "
         "start and an end"},
        {"\"window_start\": 0, \"window_end\": 0}",
         "\"window_start\": 0, \"window_end\": 9}",
         "incidents[0].services[0].window_end: only maintenance has service "
         "windows"},
        {"\"scheduled_end\": 1795002000", "\"scheduled_end\": 1795001000",
         "incidents[1].scheduled_end: end is the same as start"},
        {"\"scheduled_start\": 0", "\"scheduled_start\": 5",
         "incidents[0].scheduled_start: only maintenance has a scheduled "
         "window"},
        {"\"window_end\": 1795001120", "\"window_end\": 1795001060",
         "incidents[1].services[0].window_end: window of service 1: end is "
         "before start"},
        {"\"window_end\": 1795001120", "\"window_end\": 1795009999",
         "incidents[1].services[0].window_end: window of service 1 is "
         "outside the maintenance window"},
        {"\"window_start\": 0, \"window_end\": 0}",
         "\"window_start\": 5, \"window_end\": 9}",
         "incidents[0].services[0].window_start: only maintenance has "
         "service windows"},
        {"\"services\": [],",
         "\"services\": [{\"service_id\": 1, "
         "\"window_start\": 0, \"window_end\": 0}],",
         "incidents[2].services: a notice does not affect services"},
        /* the times that follow the status */
        {"\"monitoring_at\": 0, \"resolved_at\": 0, \"scheduled_start\": "
         "1795001000",
         "\"monitoring_at\": 5, \"resolved_at\": 0, \"scheduled_start\": "
         "1795001000",
         "incidents[1].monitoring_at: set on a post that is not an incident"},
        {"\"status\": \"postmortem\", \"impact\"",
         "\"status\": \"monitoring\", \"impact\"",
         "incidents[0].monitoring_at: not set, but the status is monitoring"},
        {"\"status\": \"postmortem\", \"impact\"",
         "\"status\": \"identified\", \"impact\"",
         "incidents[0].resolved_at: set, but the post is still open"},
        {"\"resolved_at\": 1795000100", "\"resolved_at\": 0",
         "incidents[0].resolved_at: not set, but the status is postmortem"},
        {"\"status\": \"scheduled\", \"impact\"",
         "\"status\": \"completed\", \"impact\"",
         "incidents[1].resolved_at: not set, but the status is completed"},
        /* postmortems */
        {"\"postmortem_at\": 1795000200", "\"postmortem_at\": 0",
         "incidents[0].postmortem_at: not set, but there is a postmortem"},
        {"\"postmortem\": \"A digger.\\n\\nNext time: ducts.\", "
         "\"postmortem_at\": 1795000200, \"postmortem_via\": \"cli\"",
         "\"postmortem\": null, \"postmortem_at\": 0, \"postmortem_via\": "
         "null",
         "incidents[0].postmortem: none, but the status is postmortem"},
        {"\"postmortem_via\": \"cli\"", "\"postmortem_via\": null",
         "incidents[0].postmortem_via: a postmortem needs its via"},
        {"\"postmortem\": null, \"postmortem_at\": 0, \"postmortem_via\": null",
         "\"postmortem\": \"Why.\", \"postmortem_at\": 5, "
         "\"postmortem_via\": \"cli\"",
         "incidents[1].postmortem: only incidents have a postmortem"},
        {"\"postmortem\": null, \"postmortem_at\": 0",
         "\"postmortem\": null, \"postmortem_at\": 7",
         "incidents[1].postmortem_at: set without a postmortem"},
        {"\"postmortem\": \"A digger.\\n\\nNext time: ducts.\"",
         "\"postmortem\": \"\"",
         "incidents[0].postmortem: postmortem must not be empty"},
        /* revisions */
        {"\"old_body\": \"Looking.\"", "\"old_body\": \"Looking. \"",
         "incidents[0].updates[0].revisions[0].old_body: old_body has CR "
         "line ends or trailing white space"},
        {"\"edited_at\": 1795000300", "\"edited_at\": \"soon\"",
         "incidents[0].updates[0].revisions[0].edited_at: expected an "
         "integer, not string"},
        {"\"via\": \"noc-bot\"}", "\"via\": \"\"}",
         "incidents[0].updates[0].revisions[0].via: via must not be empty"},
        /* schema 7's flags: booleans, on maintenance only */
        {"\"scheduled_end\": 1795002000",
         "\"scheduled_end\": 1795002000, \"auto_complete\": 1",
         "incidents[1].auto_complete: expected true or false, not number"},
        {"\"scheduled_end\": 1795002000",
         "\"scheduled_end\": 1795002000, \"auto_start\": null",
         "incidents[1].auto_start: expected true or false, not null"},
        {"\"scheduled_end\": 0,\n",
         "\"scheduled_end\": 0, \"auto_start\": true,\n",
         "incidents[0].auto_start: only maintenance starts or completes "
         "itself"},
        {"\"scheduled_end\": 0,\n     \"postmortem\": null",
         "\"scheduled_end\": 0, \"auto_start\": false, "
         "\"auto_complete\": true,\n     \"postmortem\": null",
         "incidents[2].auto_complete: only maintenance starts or completes "
         "itself"},
        /* ids, references and duplicates */
        {"\"id\": 1, \"slug\"", "\"id\": 0, \"slug\"",
         "services[0].id: must be at least 1"},
        {"\"service_id\": 2,", "\"service_id\": 999,",
         "incidents[0].services[0].service_id: no service has id 999"},
        {"\"service_id\": 2,", "\"service_id\": 1,",
         "incidents[0].services[1].service_id: service 1 is listed twice"},
        {"\"slug\": \"mail\"", "\"slug\": \"dsl\"",
         "services[1].slug: slug 'dsl' is already used at services[0].slug"},
        {"\"id\": 2, \"slug\"", "\"id\": 1, \"slug\"",
         "services[1].id: service id 1 is already used at services[0].id"},
        {"{\"id\": 3, \"kind\"", "{\"id\": 1, \"kind\"",
         "incidents[2].id: incident id 1 is already used at incidents[0].id"},
        {"{\"id\": 4, \"created_at\"", "{\"id\": 2, \"created_at\"",
         "incidents[2].updates[0].id: update id 2 is already used at "
         "incidents[0].updates[1].id"},
        {"{\"id\": 2, \"edited_at\"", "{\"id\": 1, \"edited_at\"",
         "incidents[0].updates[0].revisions[1].id: revision id 1 is already "
         "used at incidents[0].updates[0].revisions[0].id"},
        /* tokens */
        {"\"name\": \"noc-bot\", \"hash\": \"",
         "\"name\": \"noc-bot\", \"hash\": \"zz",
         "tokens[0].hash: expected 64 lower-case hex digits"},
        {"\"name\": \"old-script\"", "\"name\": \"noc-bot\"",
         "tokens[1].name: token name 'noc-bot' is already used at "
         "tokens[0].name"},
        {"\"name\": \"noc-bot\", \"hash", "\"name\": \"Bad Name\", \"hash",
         "tokens[0].name: 'Bad Name' is not a token name"},
        {"{\"id\": 2, \"name\": \"old", "{\"id\": 1, \"name\": \"old",
         "tokens[1].id: token id 1 is already used at tokens[0].id"},
        {"\"last_used_at\": 0}", "\"last_used_at\": -5}",
         "tokens[1].last_used_at: must be at least 0"},
        {"\"revoked_at\": 0, \"last_used_at\"",
         "\"revoked_at\": 0, \"last_use\"",
         "tokens[0]: unknown key 'last_use'"},
    };
    struct store *a = small();
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
        if (strcmp(store_errmsg(b), cases[i].msg) != 0)
            printf("  case %zu: got '%s'\n", i, store_errmsg(b));
        CHECK_STR(store_errmsg(b), cases[i].msg);
        CHECK(untouched(b)); /* nothing was written */
        store_close(b);
        free(bad);
    }
    /* The undamaged document still imports (the table is not vacuous). */
    struct store *b = fresh();
    CHECK_INT(store_import(b, j, len), 0);
    CHECK(!untouched(b));
    store_close(b);
    free(j);
}

/* A failure half way through the writing (here a trigger refusing the
 * first revision, after services, incidents and updates went in) leaves
 * nothing behind: the import is one transaction. */
TEST(failure_while_writing_rolls_everything_back)
{
    struct store *a = small();
    size_t len;
    char *j = export_of(a, &len);
    store_close(a);
    struct store *b = fresh();
    CHECK_INT(sqlite3_exec(b->db,
                           "CREATE TRIGGER no_revisions BEFORE INSERT ON"
                           " update_revisions BEGIN"
                           " SELECT RAISE(ABORT, 'refused by the test'); END",
                           NULL, NULL, NULL),
              SQLITE_OK);
    CHECK(store_import(b, j, len) < 0);
    CHECK(strstr(store_errmsg(b), "refused by the test") != NULL);
    CHECK(untouched(b));
    /* Without the trigger the same store takes the document. */
    CHECK_INT(
        sqlite3_exec(b->db, "DROP TRIGGER no_revisions", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(store_import(b, j, len), 0);
    store_close(b);
    free(j);
}

/* The limits a backup meets: texts at the longest the CLI takes (a
 * 1000-byte description, 64 KiB bodies) and a document larger than the
 * parser's 8 MiB default, which import must still read. */
TEST(long_texts_and_large_documents)
{
    struct store *a = fresh();
    char desc[1001] = "";
    for (int i = 0; i < 500; i++)
        strcat(desc, "\xc3\xa9"); /* 1000 bytes of e-acute */
    char title[201];
    memset(title, 'T', 200);
    title[200] = '\0';
    struct service_input svc = {
        .slug = "dsl", .name = title, .description = desc};
    CHECK_INT(store_service_add(a, &svc), 0);
    const char *one[] = {"dsl"};
    struct post_input inc = {.kind = KIND_INCIDENT,
                             .title = title,
                             .status = STATUS_INVESTIGATING,
                             .impact = IMPACT_MINOR,
                             .services = one,
                             .n_services = 1,
                             .at = NOW};
    int64_t id;
    CHECK_INT(store_post_open(a, &inc, &id), 0);
    enum { BODY = 65536, UPDATES = 132 };
    char *body = malloc(BODY + 1);
    for (int k = 0; k < UPDATES; k++) {
        for (int i = 0; i < BODY; i++)
            body[i] = i % 64 == 63 ? '\n' : (char)('a' + (i + k) % 26);
        body[BODY - 1] = 'z'; /* no trailing line break */
        body[BODY] = '\0';
        struct update_input u = {.body = body, .at = NOW + 1 + k};
        CHECK_INT(store_post_update(a, id, &u), 0);
    }
    free(body);

    size_t la, lb;
    char *ja = export_of(a, &la);
    store_close(a);
    CHECK(la > JSONR_MAX_INPUT);
    struct store *b = fresh();
    CHECK_INT(store_import(b, ja, la), 0);
    char *jb = export_of(b, &lb);
    CHECK(ja != NULL && jb != NULL && la == lb && memcmp(ja, jb, la) == 0);
    free(jb);
    store_close(b);

    /* One byte more than the CLI takes is refused, as the CLI would. */
    char *bad = edit(ja, "\"description\": \"", "\"description\": \"x");
    b = fresh();
    CHECK_INT(store_import(b, bad, strlen(bad)), UV_EINVAL);
    CHECK_STR(store_errmsg(b),
              "services[0].description: description is longer than 1000 "
              "bytes");
    CHECK(untouched(b));
    free(bad);

    /* Past STORE_IMPORT_MAX the document is refused unread. */
    size_t huge = (size_t)STORE_IMPORT_MAX + 1;
    char *big = malloc(huge);
    memset(big, ' ', huge);
    memcpy(big, ja, la);
    CHECK_INT(store_import(b, big, huge), UV_EINVAL);
    CHECK_STR(store_errmsg(b),
              "not valid JSON: offset 0: document larger than 256 MiB");
    CHECK(untouched(b));
    free(big);
    store_close(b);
    free(ja);
}

int main(void)
{
    RUN(export_format_is_fixed);
    RUN(round_trip_is_byte_identical);
    RUN(whatever_is_written_imports_again);
    RUN(empty_store_round_trip);
    RUN(import_needs_an_empty_store);
    RUN(merge_adds_posts_under_new_ids);
    RUN(auto_flags_survive_export_and_import);
    RUN(corrupted_documents_write_nothing);
    RUN(failure_while_writing_rolls_everything_back);
    RUN(long_texts_and_large_documents);
    return test_report();
}
