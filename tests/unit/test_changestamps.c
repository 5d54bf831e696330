/* Unit tests of the change stamps (incidents.rev, schema version 5): every
 * path that writes a post gives that post, and only that post, a new rev
 * from a counter that only goes up, whoever writes (a store function, the
 * write API's command, a hand-made SQL statement, an import); a write that
 * is refused changes nothing; and a database of version 4 keeps its data
 * through the migration, with every post at rev 0.
 *
 * The stamps are read straight from the database (snapkit_revs), then
 * through store_load_from(), which is what relies on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../store/command.h"
#include "../../store/store.h"
#include "../../store/store_int.h"
#include "fixture.h"
#include "snapkit.h"
#include "testlib.h"

#define NOW 1795000000

static struct store *open_mem(void)
{
    struct store *st = NULL;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    return st;
}

static void add_service(struct store *st, const char *slug, int position)
{
    struct service_input in = {
        .slug = slug, .name = slug, .position = position};
    CHECK_INT(store_service_add(st, &in), 0);
}

static int64_t open_post(struct store *st, enum incident_kind kind,
                         enum incident_status status, const char *slug,
                         int64_t at)
{
    const char *svcs[1] = {slug};
    struct post_input in = {
        .kind = kind,
        .title = kind == KIND_NOTICE ? "A notice" : "A post",
        .status = status,
        .impact = kind == KIND_MAINTENANCE ? IMPACT_MAINTENANCE
                  : kind == KIND_NOTICE    ? IMPACT_NONE
                                           : IMPACT_MINOR,
        .services = slug != NULL ? svcs : NULL,
        .n_services = slug != NULL ? 1 : 0,
        .body = "First words.",
        .via = "cli",
        .at = at,
        .scheduled_start = kind == KIND_MAINTENANCE ? at + 3600 : 0,
        .scheduled_end = kind == KIND_MAINTENANCE ? at + 7200 : 0,
    };
    int64_t id = 0;
    int rc = store_post_open(st, &in, &id);
    CHECK_INT(rc, 0);
    if (rc != 0)
        printf("  open: %s\n", store_errmsg(st));
    return id;
}

static int update_post(struct store *st, int64_t id, bool set_status,
                       enum incident_status status, const char *body,
                       int64_t at)
{
    struct update_input in = {.set_status = set_status,
                              .status = status,
                              .body = body,
                              .via = "cli",
                              .at = at};
    return store_post_update(st, id, &in);
}

/* The newest update of a post. */
static int64_t last_update_of(struct store *st, int64_t post)
{
    char sql[128];
    snprintf(sql, sizeof(sql),
             "SELECT max(id) FROM updates WHERE incident_id = %lld",
             (long long)post);
    return snapkit_sql_int(st, sql);
}

/* CHECKs what a write did to the stamps: exactly the posts of changed[]
 * (new ones included) have a new rev, one the counter gave out after
 * `before` was read and no post had before; every other post kept its
 * rev; the counter went up if and only if a post changed. */
#define EXPECT_CHANGED(before, after, ...)                                     \
    do {                                                                       \
        const int64_t changed_[] = {0, __VA_ARGS__};                           \
        expect_changed(__LINE__, (before), (after), changed_ + 1,              \
                       sizeof(changed_) / sizeof(changed_[0]) - 1);            \
    } while (0)

static bool in_list(const int64_t *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == id)
            return true;
    return false;
}

static void expect_changed(int line, const struct snapkit_revs *before,
                           const struct snapkit_revs *after,
                           const int64_t *changed, size_t n_changed)
{
    int failed_before = test_failed_current;
    test_failed_current = 0;
    for (size_t i = 0; i < n_changed; i++)
        CHECK(snapkit_rev_of(after, changed[i]) >= 0);
    for (size_t i = 0; i < after->n; i++) {
        int64_t id = after->id[i], rev = after->rev[i];
        int64_t old = snapkit_rev_of(before, id);
        if (in_list(changed, n_changed, id)) {
            CHECK(rev > before->counter);
            CHECK(rev <= after->counter);
            if (rev <= before->counter)
                printf("  post %lld: rev %lld, counter was %lld\n",
                       (long long)id, (long long)rev,
                       (long long)before->counter);
        } else {
            CHECK_INT(rev, old);
        }
    }
    /* No post went away. */
    for (size_t i = 0; i < before->n; i++)
        CHECK(snapkit_rev_of(after, before->id[i]) >= 0);
    if (n_changed > 0)
        CHECK(after->counter > before->counter);
    else
        CHECK_INT(after->counter, before->counter);
    if (test_failed_current)
        printf("  (the write checked at line %d)\n", line);
    test_failed_current = test_failed_current || failed_before;
}

/* A store of three services and four posts, each already written once. */
struct world {
    struct store *st;
    int64_t incident, maintenance, notice, resolved;
};

static void world_init(struct world *w)
{
    w->st = open_mem();
    if (w->st == NULL)
        return;
    add_service(w->st, "dsl", 1);
    add_service(w->st, "fibre", 2);
    add_service(w->st, "dns", 3);
    w->incident = open_post(w->st, KIND_INCIDENT, STATUS_INVESTIGATING, "dsl",
                            NOW - 7200);
    w->maintenance =
        open_post(w->st, KIND_MAINTENANCE, STATUS_SCHEDULED, "dns", NOW - 7000);
    w->notice = open_post(w->st, KIND_NOTICE, STATUS_POSTED, NULL, NOW - 6800);
    w->resolved = open_post(w->st, KIND_INCIDENT, STATUS_INVESTIGATING, "fibre",
                            NOW - 6600);
    CHECK_INT(update_post(w->st, w->resolved, true, STATUS_RESOLVED, "Fixed.",
                          NOW - 6500),
              0);
}

/* Runs a write between two readings of the stamps: `write` is a
 * statement, `after` names the reading taken after it. */
#define AROUND(w, before, after, write)                                        \
    struct snapkit_revs before, after;                                         \
    snapkit_revs((w)->st, &before);                                            \
    write;                                                                     \
    snapkit_revs((w)->st, &after)

TEST(every_post_starts_with_its_own_rev)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    struct snapkit_revs r;
    snapkit_revs(w.st, &r);
    CHECK_INT(r.n, 4);
    for (size_t i = 0; i < r.n; i++) {
        CHECK(r.rev[i] > 0);
        CHECK(r.rev[i] <= r.counter);
        for (size_t k = 0; k < i; k++)
            CHECK(r.rev[k] != r.rev[i]);
    }
    /* The last write was to the resolved incident: the counter's value. */
    CHECK_INT(snapkit_rev_of(&r, w.resolved), r.counter);
    snapkit_revs_free(&r);
    store_close(w.st);
}

TEST(incident_open_update_resolve)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    int64_t id = 0;
    {
        AROUND(&w, a, b,
               id = open_post(w.st, KIND_INCIDENT, STATUS_INVESTIGATING,
                              "fibre", NOW - 100));
        REQUIRE(id > 0);
        CHECK_INT(snapkit_rev_of(&a, id), -1);
        EXPECT_CHANGED(&a, &b, id);
        /* A new post takes the counter's newest value. */
        CHECK_INT(snapkit_rev_of(&b, id), b.counter);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, id, true, STATUS_IDENTIFIED,
                                     "Found it.", NOW - 90),
                         0));
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* An update of the impact alone, with no text. */
        struct update_input in = {.set_impact = true,
                                  .impact = IMPACT_CRITICAL,
                                  .via = "cli",
                                  .at = NOW - 80};
        AROUND(&w, a, b, CHECK_INT(store_post_update(w.st, id, &in), 0));
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, id, true, STATUS_RESOLVED, "Fixed.",
                                     NOW - 70),
                         0));
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* Reopened by an update that says so. */
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, id, true, STATUS_INVESTIGATING,
                                     "Back again.", NOW - 60),
                         0));
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(maintenance_schedule_start_complete)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    int64_t id = 0;
    {
        /* Scheduled with a window of its own for one of its services. */
        const char *svcs[2] = {"dsl", "fibre"};
        const int64_t windows[2][2] = {{0, 0}, {NOW + 600, NOW + 1200}};
        struct post_input in = {.kind = KIND_MAINTENANCE,
                                .title = "Router upgrade",
                                .status = STATUS_SCHEDULED,
                                .impact = IMPACT_MAINTENANCE,
                                .services = svcs,
                                .n_services = 2,
                                .body = "Planned.",
                                .via = "cli",
                                .at = NOW - 100,
                                .scheduled_start = NOW,
                                .scheduled_end = NOW + 3600,
                                .windows = windows};
        AROUND(&w, a, b, CHECK_INT(store_post_open(w.st, &in, &id), 0));
        REQUIRE(id > 0);
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    static const enum incident_status steps[] = {
        STATUS_IN_PROGRESS, STATUS_VERIFYING, STATUS_COMPLETED};
    for (size_t k = 0; k < 3; k++) {
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, id, true, steps[k], "Step.",
                                     NOW + 10 * (int64_t)k),
                         0));
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    /* The world's own maintenance, started without a word. */
    {
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, w.maintenance, true,
                                     STATUS_IN_PROGRESS, NULL, NOW),
                         0));
        EXPECT_CHANGED(&a, &b, w.maintenance);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(notice_postmortem_edit)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    int64_t id = 0;
    {
        AROUND(&w, a, b,
               id = open_post(w.st, KIND_NOTICE, STATUS_POSTED, NULL, NOW));
        REQUIRE(id > 0);
        EXPECT_CHANGED(&a, &b, id);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        AROUND(&w, a, b,
               CHECK_INT(store_postmortem(w.st, w.resolved, "What happened.",
                                          "cli", NOW),
                         0));
        EXPECT_CHANGED(&a, &b, w.resolved);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A postmortem replaced; one on an open incident is refused and
         * changes nothing. */
        AROUND(&w, a, b,
               CHECK_INT(store_postmortem(w.st, w.resolved, "Rewritten.", "cli",
                                          NOW + 1),
                         0));
        EXPECT_CHANGED(&a, &b, w.resolved);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        AROUND(&w, a, b,
               CHECK_INT(store_postmortem(w.st, w.incident, "Early notes.",
                                          "cli", NOW + 2),
                         UV_EINVAL));
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* An edit of an update: the text of one update row changes and a
         * revision row is added; the post's stamp must follow. */
        int64_t uid = last_update_of(w.st, w.maintenance);
        REQUIRE(uid > 0);
        AROUND(&w, a, b,
               CHECK_INT(store_update_edit(w.st, uid, "Corrected words.", "cli",
                                           NOW + 3),
                         0));
        EXPECT_CHANGED(&a, &b, w.maintenance);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* An edit of an old update of a post with several. */
        int64_t uid = snapkit_sql_int(w.st, "SELECT min(id) FROM updates");
        int64_t post = 0;
        CHECK_INT(store_update_post(w.st, uid, &post), 0);
        AROUND(&w, a, b,
               CHECK_INT(store_update_edit(w.st, uid, "Older text, fixed.",
                                           "cli", NOW + 4),
                         0));
        EXPECT_CHANGED(&a, &b, post);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(writes_through_the_api_command)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    char token[STORE_TOKEN_LEN + 1];
    {
        /* A token is no post. */
        AROUND(&w, a, b,
               CHECK_INT(store_token_add(w.st, "noc-bot", token, NOW), 0));
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    struct store_command *cmd = store_command_new(COMMAND_POST_UPDATE, token);
    REQUIRE(cmd != NULL);
    cmd->id = w.incident;
    cmd->update.set_status = true;
    cmd->update.status = STATUS_MONITORING;
    cmd->update.body = "Watching it, from the API.";
    cmd->update.at = NOW;
    struct store_result res;
    {
        AROUND(&w, a, b, store_command_run(w.st, cmd, &res));
        CHECK_INT(res.rc, 0);
        EXPECT_CHANGED(&a, &b, w.incident);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_command_free(cmd);
    /* A revoked token writes nothing, and so stamps nothing. */
    CHECK_INT(store_token_revoke(w.st, "noc-bot", NOW + 1), 0);
    cmd = store_command_new(COMMAND_POSTMORTEM, token);
    REQUIRE(cmd != NULL);
    cmd->id = w.resolved;
    cmd->text = "From a revoked token.";
    {
        AROUND(&w, a, b, store_command_run(w.st, cmd, &res));
        CHECK_INT(res.rc, UV_EACCES);
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_command_free(cmd);
    store_close(w.st);
}

TEST(affected_services_change)
{
    /* No store function changes a post's services after it is opened;
     * the triggers still hold for any statement that does (a hand-made
     * fix in the sqlite3 shell), since a shared post's services would
     * otherwise go stale. */
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    char sql[256];
    {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO incident_services (incident_id, service_id)"
                 " VALUES (%lld, (SELECT id FROM services WHERE slug ="
                 " 'dns'))",
                 (long long)w.incident);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.incident);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        snprintf(sql, sizeof(sql),
                 "UPDATE incident_services SET window_start = %lld,"
                 " window_end = %lld WHERE incident_id = %lld",
                 (long long)NOW + 3700, (long long)NOW + 3800,
                 (long long)w.maintenance);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.maintenance);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A link moved from one post to another changes both. */
        snprintf(sql, sizeof(sql),
                 "UPDATE incident_services SET incident_id = %lld"
                 " WHERE incident_id = %lld",
                 (long long)w.notice, (long long)w.resolved);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.notice, w.resolved);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM incident_services WHERE incident_id = %lld",
                 (long long)w.notice);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.notice);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A service deleted: its links go with it (ON DELETE CASCADE),
         * and the posts that named it change. */
        AROUND(&w, a, b,
               snapkit_sql(w.st, "DELETE FROM services WHERE slug = 'dsl'"));
        EXPECT_CHANGED(&a, &b, w.incident);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(updates_and_revisions_by_hand)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    char sql[256];
    int64_t uid = last_update_of(w.st, w.incident);
    {
        snprintf(sql, sizeof(sql),
                 "UPDATE updates SET incident_id = %lld WHERE id = %lld",
                 (long long)w.notice, (long long)uid);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.incident, w.notice);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A revision row alone, as an older outpost's import might add. */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO update_revisions (update_id, edited_at,"
                 " old_body) VALUES (%lld, %lld, 'Older words.')",
                 (long long)uid, (long long)NOW);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.notice);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM update_revisions WHERE update_id = %lld",
                 (long long)uid);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.notice);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        snprintf(sql, sizeof(sql), "DELETE FROM updates WHERE id = %lld",
                 (long long)uid);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.notice);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* An update row written by hand. */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO updates (incident_id, created_at, status, body)"
                 " VALUES (%lld, %lld, 'investigating', 'By hand.')",
                 (long long)w.incident, (long long)NOW);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.incident);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A post written by hand, with nothing of its own yet. */
        AROUND(&w, a, b,
               snapkit_sql(w.st, "INSERT INTO incidents (id, kind, title,"
                                 " status, impact, created_at, started_at,"
                                 " updated_at) VALUES (77, 'notice', 'Bare',"
                                 " 'posted', 'none', 1, 1, 1)"));
        EXPECT_CHANGED(&a, &b, 77);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A column of the post itself, written by hand. */
        snprintf(sql, sizeof(sql),
                 "UPDATE incidents SET title = 'Renamed' WHERE id = %lld",
                 (long long)w.resolved);
        AROUND(&w, a, b, snapkit_sql(w.st, sql));
        EXPECT_CHANGED(&a, &b, w.resolved);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(writes_that_are_no_post_change_nothing)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    {
        AROUND(&w, a, b, add_service(w.st, "voice", 1));
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        /* A service's status changes what a post's page shows, but that
         * is the pages' stamp's business (snapshot_seal), not the post's. */
        AROUND(&w, a, b,
               CHECK_INT(
                   store_service_set(w.st, "dsl", SERVICE_MAJOR_OUTAGE, false),
                   0));
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    {
        AROUND(
            &w, a, b,
            CHECK_INT(store_service_set(w.st, "dsl", SERVICE_OPERATIONAL, true),
                      0));
        EXPECT_CHANGED(&a, &b);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    store_close(w.st);
}

TEST(refused_writes_change_nothing)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    {
        /* Maintenance never goes back. */
        AROUND(&w, a, b,
               CHECK_INT(update_post(w.st, w.maintenance, true,
                                     STATUS_IN_PROGRESS, "Started.", NOW),
                         0);
               CHECK_INT(update_post(w.st, w.maintenance, true,
                                     STATUS_SCHEDULED, "Again?", NOW + 1),
                         UV_EINVAL));
        EXPECT_CHANGED(&a, &b, w.maintenance);
        snapkit_revs_free(&a);
        snapkit_revs_free(&b);
    }
    struct snapkit_revs a, b;
    snapkit_revs(w.st, &a);
    CHECK_INT(update_post(w.st, 999, true, STATUS_RESOLVED, "x", NOW),
              UV_ENOENT);
    CHECK_INT(
        store_postmortem(w.st, w.notice, "Notices have none.", "cli", NOW),
        UV_EINVAL);
    CHECK_INT(store_update_edit(w.st, 99999, "No such update.", "cli", NOW),
              UV_ENOENT);
    CHECK_INT(store_update_edit(w.st, last_update_of(w.st, w.incident), "",
                                "cli", NOW),
              UV_EINVAL);
    CHECK_INT(
        update_post(w.st, w.incident, false, STATUS_INVESTIGATING, "", NOW),
        UV_EINVAL); /* nothing to update */
    const char *bad[1] = {"no-such-service"};
    struct post_input in = {.kind = KIND_INCIDENT,
                            .title = "On a service that is not there",
                            .status = STATUS_INVESTIGATING,
                            .impact = IMPACT_MINOR,
                            .services = bad,
                            .n_services = 1,
                            .via = "cli",
                            .at = NOW};
    int64_t id = 0;
    CHECK(store_post_open(w.st, &in, &id) != 0);
    snapkit_revs(w.st, &b);
    EXPECT_CHANGED(&a, &b);
    snapkit_revs_free(&a);
    snapkit_revs_free(&b);
    store_close(w.st);
}

TEST(the_counter_only_goes_up)
{
    /* Many writes to few posts: every rev given out is new, for every
     * post, and larger than any given out before it. */
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    const int64_t posts[] = {w.incident, w.maintenance, w.notice, w.resolved};
    struct snapkit_rng rng = {42};
    struct snapkit_revs prev;
    snapkit_revs(w.st, &prev);
    int64_t seen[400];
    size_t n_seen = 0;
    for (int k = 0; k < 200; k++) {
        int64_t id = posts[snapkit_below(&rng, 4)];
        int rc;
        /* Edits for any post, updates for the two still open. */
        if (snapkit_below(&rng, 2) == 0 ||
            (id != w.incident && id != w.maintenance)) {
            char body[64];
            snprintf(body, sizeof(body), "Edit number %d.", k);
            rc = store_update_edit(w.st, last_update_of(w.st, id), body, "cli",
                                   NOW + k);
        } else {
            rc = update_post(w.st, id, false, STATUS_INVESTIGATING, "More.",
                             NOW + k);
        }
        CHECK_INT(rc, 0);
        struct snapkit_revs now;
        snapkit_revs(w.st, &now);
        CHECK(now.counter > prev.counter);
        int64_t rev = snapkit_rev_of(&now, id);
        CHECK_INT(rev, now.counter);
        for (size_t i = 0; i < n_seen; i++)
            CHECK(seen[i] != rev);
        if (n_seen < sizeof(seen) / sizeof(seen[0]))
            seen[n_seen++] = rev;
        snapkit_revs_free(&prev);
        prev = now;
    }
    snapkit_revs_free(&prev);
    store_close(w.st);
}

TEST(import_stamps_every_post)
{
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    CHECK_INT(store_postmortem(w.st, w.resolved, "Notes.", "cli", NOW), 0);
    CHECK_INT(store_update_edit(w.st, last_update_of(w.st, w.incident),
                                "Edited.", "cli", NOW),
              0);
    struct buf doc = BUF_INIT;
    CHECK_INT(store_export(w.st, &doc), 0);
    store_close(w.st);

    struct store *st = open_mem();
    REQUIRE(st != NULL);
    struct snapkit_revs empty, r;
    snapkit_revs(st, &empty);
    CHECK_INT(empty.n, 0);
    CHECK_INT(empty.counter, 0);
    CHECK_INT(store_import(st, doc.data, doc.len), 0);
    snapkit_revs(st, &r);
    CHECK_INT(r.n, 4);
    for (size_t i = 0; i < r.n; i++) {
        CHECK(r.rev[i] > 0);
        CHECK(r.rev[i] <= r.counter);
        for (size_t k = 0; k < i; k++)
            CHECK(r.rev[k] != r.rev[i]);
    }
    /* After the import, a write stamps past everything it stamped (ids
     * are kept by the import). */
    struct snapkit_revs after;
    CHECK_INT(update_post(st, w.incident, false, STATUS_INVESTIGATING, "After.",
                          NOW + 5),
              0);
    CHECK_INT(store_update_edit(st, last_update_of(st, w.resolved), "Later.",
                                "cli", NOW + 6),
              0);
    snapkit_revs(st, &after);
    EXPECT_CHANGED(&r, &after, w.incident, w.resolved);
    snapkit_revs_free(&empty);
    snapkit_revs_free(&r);
    snapkit_revs_free(&after);
    buf_free(&doc);
    store_close(st);
}

/* Whether two snapshots hold post id in the same memory. */
static bool shared(const struct snapshot *a, const struct snapshot *b,
                   int64_t id)
{
    const struct incident *x = snapshot_incident(a, id);
    const struct incident *y = snapshot_incident(b, id);
    return x != NULL && y != NULL && x->mem != NULL && x->mem == y->mem;
}

TEST(migration_from_version_4_keeps_data_at_rev_0)
{
    char path[SNAPKIT_PATH_MAX];
    snapkit_tmp_path(path);
    struct store *st;
    char err[256];
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    REQUIRE(st != NULL);
    add_service(st, "dsl", 1);
    add_service(st, "dns", 2);
    int64_t a =
        open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, "dsl", NOW - 500);
    int64_t b =
        open_post(st, KIND_MAINTENANCE, STATUS_SCHEDULED, "dns", NOW - 400);
    int64_t c = open_post(st, KIND_NOTICE, STATUS_POSTED, NULL, NOW - 300);
    CHECK_INT(store_update_edit(st, last_update_of(st, a), "Edited.", "cli",
                                NOW - 200),
              0);
    /* A postmortem waits for the incident to be resolved. */
    CHECK_INT(update_post(st, a, true, STATUS_RESOLVED, "Fixed.", NOW - 150),
              0);
    CHECK_INT(store_postmortem(st, a, "Notes.", "cli", NOW - 100), 0);
    struct buf before = BUF_INIT, after = BUF_INIT;
    CHECK_INT(store_export(st, &before), 0);
    snapkit_sql(st, FIXTURE_BACK_TO_V4);
    CHECK_INT(snapkit_sql_int(st, "PRAGMA user_version"), 4);
    store_close(st);

    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    REQUIRE(st != NULL);
    CHECK_INT(snapkit_sql_int(st, "PRAGMA user_version"),
              store_schema_version());
    CHECK_INT(store_export(st, &after), 0);
    CHECK_INT(after.len, before.len);
    CHECK(after.len == before.len &&
          memcmp(after.data, before.data, before.len) == 0);
    struct snapkit_revs r;
    snapkit_revs(st, &r);
    CHECK_INT(r.n, 3);
    CHECK_INT(r.counter, 0);
    for (size_t i = 0; i < r.n; i++)
        CHECK_INT(r.rev[i], 0);

    /* Posts at rev 0 are shared like any other until they change; the
     * first write gives its post the counter's first values. */
    struct snapshot *s1 = NULL, *s2 = NULL;
    CHECK_INT(store_load(st, NOW, &s1), 0);
    REQUIRE(s1 != NULL);
    CHECK_INT(snapshot_incident(s1, a)->n_updates, 2);
    CHECK_STR(snapshot_incident(s1, a)->updates[1].body, "Edited.");
    CHECK_INT(snapshot_incident(s1, a)->updates[1].n_revisions, 1);
    CHECK_INT(update_post(st, b, true, STATUS_IN_PROGRESS, "Started.", NOW), 0);
    struct snapkit_revs r2;
    snapkit_revs(st, &r2);
    CHECK(snapkit_rev_of(&r2, b) > 0);
    CHECK_INT(snapkit_rev_of(&r2, b), r2.counter);
    CHECK_INT(snapkit_rev_of(&r2, a), 0);
    CHECK_INT(snapkit_rev_of(&r2, c), 0);
    CHECK_INT(store_load_from(st, NOW + 1, s1, &s2), 0);
    REQUIRE(s2 != NULL);
    CHECK(shared(s1, s2, a));
    CHECK(shared(s1, s2, c));
    CHECK(!shared(s1, s2, b));
    CHECK_INT(snapshot_incident(s2, b)->status, STATUS_IN_PROGRESS);
    CHECK_INT(snapshot_incident(s2, b)->n_updates, 2);
    snapshot_unref(s1);
    snapshot_unref(s2);
    snapkit_revs_free(&r);
    snapkit_revs_free(&r2);
    buf_free(&before);
    buf_free(&after);
    store_close(st);
    snapkit_tmp_remove(path);
}

TEST(loads_follow_the_stamps)
{
    /* What store_load_from makes of the stamps: after each kind of write,
     * the written post is read again and every other one is shared. */
    struct world w;
    world_init(&w);
    REQUIRE(w.st != NULL);
    const int64_t posts[] = {w.incident, w.maintenance, w.notice, w.resolved};
    struct snapshot *base = NULL;
    CHECK_INT(store_load(w.st, NOW, &base), 0);
    REQUIRE(base != NULL);
    for (int k = 0; k < 12; k++) {
        int64_t id = posts[k % 4];
        int rc = 0;
        switch (k / 4) {
        case 0:
            rc = store_update_edit(w.st, last_update_of(w.st, id), "Edited.",
                                   "cli", NOW + k);
            break;
        case 1:
            /* Only a resolved incident takes a postmortem. */
            rc = id != w.resolved
                     ? store_update_edit(w.st, last_update_of(w.st, id),
                                         "Again.", "cli", NOW + k)
                     : store_postmortem(w.st, id, "Notes.", "cli", NOW + k);
            break;
        default: {
            char sql[160];
            snprintf(sql, sizeof(sql),
                     "INSERT OR REPLACE INTO incident_services"
                     " (incident_id, service_id) VALUES (%lld, 3)",
                     (long long)id);
            snapkit_sql(w.st, sql);
            break;
        }
        }
        CHECK_INT(rc, 0);
        struct snapshot *s = NULL;
        CHECK_INT(store_load_from(w.st, NOW + k, base, &s), 0);
        REQUIRE(s != NULL);
        for (size_t i = 0; i < 4; i++)
            CHECK_INT(shared(base, s, posts[i]), posts[i] != id);
        snapshot_unref(base);
        base = s;
    }
    snapshot_unref(base);
    store_close(w.st);
}

int main(void)
{
    RUN(every_post_starts_with_its_own_rev);
    RUN(incident_open_update_resolve);
    RUN(maintenance_schedule_start_complete);
    RUN(notice_postmortem_edit);
    RUN(writes_through_the_api_command);
    RUN(affected_services_change);
    RUN(updates_and_revisions_by_hand);
    RUN(writes_that_are_no_post_change_nothing);
    RUN(refused_writes_change_nothing);
    RUN(the_counter_only_goes_up);
    RUN(import_stamps_every_post);
    RUN(migration_from_version_4_keeps_data_at_rev_0);
    RUN(loads_follow_the_stamps);
    return test_report();
}
