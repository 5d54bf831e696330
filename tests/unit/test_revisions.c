/* Unit tests for update revisions and the migration that added them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../../store/store.h"
#include "../../store/store_int.h"
#include "testlib.h"

#define NOW 1795000000

static int64_t open_incident(struct store *st)
{
    struct post_input in = {.kind = KIND_INCIDENT,
                            .title = "Fibre cut",
                            .status = STATUS_INVESTIGATING,
                            .impact = IMPACT_MAJOR,
                            .body = "We are looking into it.",
                            .at = NOW};
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    return id;
}

static const struct update *first_update(const struct snapshot *s, int64_t id)
{
    const struct incident *inc = snapshot_incident(s, id);
    return inc != NULL && inc->n_updates > 0 ? &inc->updates[0] : NULL;
}

TEST(edit_keeps_the_old_text)
{
    struct store *st;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    int64_t id = open_incident(st);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    int64_t uid = first_update(s, id)->id;
    CHECK_INT(first_update(s, id)->n_revisions, 0);
    snapshot_unref(s);

    CHECK_INT(store_update_edit(st, uid, "We are looking into it in Elm St.",
                                "cli", NOW + 60),
              0);
    CHECK_INT(store_update_edit(st, uid, "Third text.", "noc-bot", NOW + 120),
              0);
    CHECK_INT(store_load(st, NOW + 200, &s), 0);
    const struct update *u = first_update(s, id);
    CHECK_STR(u->body, "Third text.");
    CHECK_INT(u->n_revisions, 2);
    CHECK_INT(u->edited_at, NOW + 120);
    CHECK_INT(snapshot_incident(s, id)->updated_at, NOW + 120);
    snapshot_unref(s);

    /* Both old texts are on record, oldest first, with who changed them. */
    sqlite3_stmt *stmt;
    sqlite3_prepare_v2(st->db,
                       "SELECT old_body, via, edited_at FROM update_revisions"
                       " WHERE update_id = ? ORDER BY id",
                       -1, &stmt, NULL);
    sqlite3_bind_int64(stmt, 1, uid);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0),
              "We are looking into it.");
    CHECK_STR((const char *)sqlite3_column_text(stmt, 1), "cli");
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0),
              "We are looking into it in Elm St.");
    CHECK_STR((const char *)sqlite3_column_text(stmt, 1), "noc-bot");
    CHECK_INT(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    store_close(st);
}

TEST(edit_refusals_write_nothing)
{
    static const struct {
        int64_t update; /* 0: the real one */
        const char *body;
        int want;
        const char *msg;
    } cases[] = {
        {999, "text", UV_ENOENT, "unknown update 999"},     /* no such update */
        {0, "", UV_EINVAL, "must not be empty"},            /* empty */
        {0, "   \n\n", UV_EINVAL, "must not be empty"},     /* blank */
        {0, "bad\x1b[2J", UV_EINVAL, "control characters"}, /* ESC */
        {0, "bad \xff", UV_EINVAL, "not valid UTF-8"},      /* bad UTF-8 */
    };
    struct store *st;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    int64_t id = open_incident(st);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    int64_t uid = first_update(s, id)->id;
    snapshot_unref(s);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t target = cases[i].update ? cases[i].update : uid;
        CHECK_INT(store_update_edit(st, target, cases[i].body, "cli", NOW),
                  cases[i].want);
        CHECK(strstr(store_errmsg(st), cases[i].msg) != NULL);
    }
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK_STR(first_update(s, id)->body, "We are looking into it.");
    CHECK_INT(first_update(s, id)->n_revisions, 0);
    snapshot_unref(s);
    store_close(st);
}

/* The new text is normalised like any update body (CR LF to LF, trailing
 * white space gone); a NULL via is the CLI; the incident's own history
 * (status, other updates) is left alone. */
TEST(edit_normalises_and_touches_only_the_text)
{
    struct store *st;
    char err[256];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    int64_t id = open_incident(st);
    struct update_input up = {.set_status = true,
                              .status = STATUS_IDENTIFIED,
                              .body = "Found it.",
                              .at = NOW + 30};
    CHECK_INT(store_post_update(st, id, &up), 0);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW + 40, &s), 0);
    const struct incident *inc = snapshot_incident(s, id);
    CHECK_INT(inc->n_updates, 2);
    int64_t oldest = inc->updates[1].id; /* newest first */
    snapshot_unref(s);

    CHECK_INT(store_update_edit(st, oldest, "Line one.\r\n\r\nLine two.  \r\n",
                                NULL, NOW + 50),
              0);
    CHECK_INT(store_load(st, NOW + 60, &s), 0);
    inc = snapshot_incident(s, id);
    CHECK_STR(inc->updates[1].body, "Line one.\n\nLine two.");
    CHECK_INT(inc->updates[1].n_revisions, 1);
    CHECK_INT(inc->updates[1].edited_at, NOW + 50);
    CHECK_INT(inc->updates[1].created_at, NOW); /* still when it was said */
    CHECK_INT(inc->updates[1].status, STATUS_INVESTIGATING);
    CHECK_STR(inc->updates[0].body, "Found it.");
    CHECK_INT(inc->updates[0].n_revisions, 0);
    CHECK_INT(inc->updates[0].edited_at, 0);
    CHECK_INT(inc->status, STATUS_IDENTIFIED);
    snapshot_unref(s);

    sqlite3_stmt *stmt;
    sqlite3_prepare_v2(st->db, "SELECT via FROM update_revisions", -1, &stmt,
                       NULL);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "cli");
    sqlite3_finalize(stmt);
    store_close(st);
}

TEST(migration_from_version_1_keeps_data)
{
    char path[] = "/tmp/outpost-migrate-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct store *st;
    char err[256];
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    int64_t id = open_incident(st);
    /* Turn it back into a version-1 database, as an older outpost left it
     * (migration 5's search index gone too). */
    CHECK_INT(
        sqlite3_exec(st->db,
                     "DROP TRIGGER search_posts_insert; DROP TRIGGER "
                     "search_posts_delete;"
                     " DROP TRIGGER search_posts_update;"
                     " DROP TRIGGER search_updates_insert;"
                     " DROP TRIGGER search_updates_delete;"
                     " DROP TRIGGER search_updates_update;"
                     " DROP TABLE search_posts; DROP TABLE search_updates;"
                     " DROP TABLE update_revisions;"
                     " DROP TABLE api_tokens;"
                     " PRAGMA user_version = 1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    store_close(st);
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    if (st == NULL)
        return;
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK(snapshot_incident(s, id) != NULL);
    CHECK_STR(first_update(s, id)->body, "We are looking into it.");
    int64_t uid = first_update(s, id)->id;
    snapshot_unref(s);
    CHECK_INT(
        store_update_edit(st, uid, "Edited after the upgrade.", "cli", NOW + 5),
        0);
    store_close(st);
    unlink(path);
    char aux[sizeof(path) + 8];
    snprintf(aux, sizeof(aux), "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", path);
    unlink(aux);
}

int main(void)
{
    RUN(edit_keeps_the_old_text);
    RUN(edit_refusals_write_nothing);
    RUN(edit_normalises_and_touches_only_the_text);
    RUN(migration_from_version_1_keeps_data);
    return test_report();
}
