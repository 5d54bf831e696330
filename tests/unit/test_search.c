/* Unit tests for store/search.c and the index of migration 5: whatever
 * posts the index offers, search_run() answers exactly what query_search()
 * answers on the same snapshot, page by page; the index is what the
 * triggers keep it on every write path (FTS5's own integrity check
 * against the rows); a post written after the snapshot is not shown.
 *
 * The databases are real files in a temporary folder: search_run() opens
 * its own connection by path, as the server's worker threads do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../../server/cli/demo.h"
#include "../../store/query.h"
#include "../../store/search.h"
#include "../../store/store.h"
#include "../../store/store_int.h"
#include "fixture.h"
#include "testlib.h"

#define NOW 1795000000

static char dir[64];
static char db_path[128];

static void remove_db(const char *path)
{
    char p[160];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static struct store *open_fresh(const char *path)
{
    struct store *st = NULL;
    char err[256];
    remove_db(path);
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    return st;
}

static struct snapshot *load(struct store *st)
{
    struct snapshot *s = NULL;
    CHECK_INT(store_load(st, NOW, &s), 0);
    return s;
}

/* FTS5's 'integrity-check' with rank 1 compares each index with the rows
 * of its content table (the FTS5 documentation, "The 'integrity-check'
 * Command"): it fails when a trigger missed a write or deleted the wrong
 * text. */
static bool index_matches_rows(struct store *st)
{
    static const char *const sql[] = {
        "INSERT INTO search_posts (search_posts, rank)"
        " VALUES ('integrity-check', 1)",
        "INSERT INTO search_updates (search_updates, rank)"
        " VALUES ('integrity-check', 1)"};
    for (size_t i = 0; i < 2; i++) {
        char *err = NULL;
        if (sqlite3_exec(st->db, sql[i], NULL, NULL, &err) != SQLITE_OK) {
            fprintf(stderr, "integrity-check: %s\n", err ? err : "?");
            sqlite3_free(err);
            return false;
        }
    }
    return true;
}

/* The rows of the index that hold a trigram: the index's own view. */
static int index_rows(struct store *st, const char *table, const char *tri)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s WHERE %s MATCH '\"%s\"'", table, table,
             tri);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    return n;
}

/* The rows of a table whose column holds an ASCII trigram, any case (LIKE
 * folds ASCII case, as the tokenizer does): what the index should say. */
static int rows_like(struct store *st, const char *table, const char *col,
                     const char *tri)
{
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s LIKE '%%%s%%'",
             table, col, tri);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return -2;
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -2;
    sqlite3_finalize(q);
    return n;
}

/* The pages of q, per_page posts each, against query_search(s, q, 0): the
 * same posts in the same order, more set on every page but the last, and
 * an empty page after it. The first three pages and the last are asked
 * for (every page would be slow under valgrind and show nothing more).
 * Returns how many pages took their candidates from the index. */
static int same_as_query_search(const char *path, const struct snapshot *s,
                                const char *q, size_t per_page)
{
    const struct incident **all = NULL;
    int n = query_search(s, q, 0, &all);
    int indexed = 0;
    struct search_page p;
    if (n < 0) {
        CHECK_INT(search_run(path, s, q, 1, per_page, &p), n);
        CHECK(p.n == 0 && p.posts == NULL);
        return 0;
    }
    size_t last = n == 0 ? 1 : ((size_t)n + per_page - 1) / per_page;
    for (size_t page = 1; page <= last + 1; page++) {
        if (page > 3 && page < last)
            page = last;
        size_t at = (page - 1) * per_page;
        int rc = search_run(path, s, q, page, per_page, &p);
        CHECK_INT(rc, 0);
        if (rc != 0)
            break;
        indexed += p.indexed;
        size_t want = at >= (size_t)n             ? 0
                      : (size_t)n - at < per_page ? (size_t)n - at
                                                  : per_page;
        bool more = at + want < (size_t)n;
        if (p.n != want || p.more != more)
            fprintf(stderr,
                    "query '%s' page %zu of %zu: %zu posts, more %d;"
                    " want %zu of %d\n",
                    q, page, per_page, p.n, p.more, want, n);
        CHECK_INT(p.n, want);
        CHECK_INT(p.more, more);
        CHECK(p.n > 0 || p.posts == NULL);
        for (size_t i = 0; i < p.n && i < want; i++)
            CHECK(p.posts[i] == all[at + i]);
        search_page_free(&p);
    }
    free(all);
    return indexed;
}

/* xorshift64: the same queries on every run and machine. */
static uint64_t rng = 0x2545f4914f6cdd1dULL;
static size_t rnd(size_t bound)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return bound ? (size_t)(rng % bound) : 0;
}

/* A piece of text of 1..9 bytes, its letters' case flipped at random (the
 * search folds ASCII case; it need not be valid UTF-8 or a whole word). */
static void piece(char *out, size_t cap, const char *text)
{
    size_t len = strlen(text);
    out[0] = '\0';
    if (len == 0)
        return;
    size_t at = rnd(len), n = 1 + rnd(9);
    if (n > len - at)
        n = len - at;
    if (n + 1 > cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++) {
        char c = text[at + i];
        if (rnd(3) == 0 && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (rnd(3) == 0 && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[i] = c;
    }
    out[n] = '\0';
}

/* A text of the post, picked at random: title, update body, postmortem or
 * the name of a service it affects. */
static const char *some_text(const struct snapshot *s,
                             const struct incident *inc)
{
    switch (rnd(4)) {
    case 0:
        return inc->title;
    case 1:
        if (inc->postmortem != NULL)
            return inc->postmortem;
        return inc->title;
    case 2:
        if (inc->n_services > 0)
            return s->services[inc->services[rnd(inc->n_services)].service]
                .name;
        return inc->title;
    default:
        if (inc->n_updates > 0)
            return inc->updates[rnd(inc->n_updates)].body;
        return inc->title;
    }
}

/* Random queries of one to three pieces of the snapshot's texts (some
 * from one post, so they match, some from several, so they may not),
 * every page compared; returns the pages the index answered. */
static int random_queries(const char *path, const struct snapshot *s, int count)
{
    int indexed = 0;
    for (int k = 0; k < count; k++) {
        char q[QUERY_MAX + 1] = "";
        size_t words = 1 + rnd(3);
        const struct incident *inc = &s->incidents[rnd(s->n_incidents)];
        for (size_t w = 0; w < words; w++) {
            char pc[16];
            if (rnd(4) == 0)
                inc = &s->incidents[rnd(s->n_incidents)];
            piece(pc, sizeof(pc), some_text(s, inc));
            if (strlen(q) + strlen(pc) + 2 < sizeof(q)) {
                strcat(q, w > 0 ? " " : "");
                strcat(q, pc);
            }
        }
        indexed += same_as_query_search(path, s, q, 1 + rnd(3));
    }
    return indexed;
}

/* ---- the fixture, as rows ---------------------------------------------- */

/* Writes the fixture's posts and texts as rows, straight through SQL, as
 * the store's checks would refuse its hostile title (control bytes): the
 * triggers index them, and the fixture's snapshot is searched against
 * the index. */
static void fixture_rows(struct store *st, const struct snapshot *s)
{
    sqlite3_stmt *pi, *pu;
    REQUIRE(
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO incidents (id, kind, title, status,"
                           " impact, created_at, started_at, updated_at,"
                           " postmortem) VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?)",
                           -1, &pi, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(st->db,
                               "INSERT INTO updates (id, incident_id,"
                               " created_at, status, body)"
                               " VALUES (?, ?, 0, ?, ?)",
                               -1, &pu, NULL) == SQLITE_OK);
    for (size_t i = 0; i < s->n_incidents; i++) {
        const struct incident *inc = &s->incidents[i];
        sqlite3_bind_int64(pi, 1, inc->id);
        sqlite3_bind_text(pi, 2, model_kind_name(inc->kind), -1, NULL);
        sqlite3_bind_text(pi, 3, inc->title, -1, NULL);
        sqlite3_bind_text(pi, 4, model_status_name(inc->status), -1, NULL);
        sqlite3_bind_text(pi, 5, model_impact_name(inc->impact), -1, NULL);
        if (inc->postmortem != NULL)
            sqlite3_bind_text(pi, 6, inc->postmortem, -1, NULL);
        else
            sqlite3_bind_null(pi, 6);
        CHECK(sqlite3_step(pi) == SQLITE_DONE);
        sqlite3_reset(pi);
        for (size_t k = 0; k < inc->n_updates; k++) {
            const struct update *u = &inc->updates[k];
            sqlite3_bind_int64(pu, 1, u->id);
            sqlite3_bind_int64(pu, 2, inc->id);
            sqlite3_bind_text(pu, 3, model_status_name(u->status), -1, NULL);
            sqlite3_bind_text(pu, 4, u->body, -1, NULL);
            CHECK(sqlite3_step(pu) == SQLITE_DONE);
            sqlite3_reset(pu);
        }
    }
    sqlite3_finalize(pi);
    sqlite3_finalize(pu);
}

TEST(fixture_same_as_query_search)
{
    struct snapshot *s = fixture_snapshot();
    struct store *st = open_fresh(db_path);
    REQUIRE(s != NULL && st != NULL);
    fixture_rows(st, s);
    CHECK(index_matches_rows(st));
    static const char *const queries[] = {
        "mail",
        "DELAYED mail",
        "delayed mail relay",
        "core router",
        "z\xc3\xbcrich",
        "Z\xc3\x9crich",
        "\"core\"",
        "<script>",
        "javascript:",
        "alert(1)",
        "mailbox",
        "imap",
        "(IMAP)",
        "dns resolver",
        "line card",
        "zzqqxx",
        "a",
        "ma il",
        "rEpOrT",
        ("08:00\xe2\x80\x93"
         "22:00"),
        "x\x1b[2J",
        "\x1b[2J",
        "Tab",
        "ur",
    };
    int indexed = 0;
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        for (size_t per = 1; per <= 3; per++)
            indexed += same_as_query_search(db_path, s, queries[i], per);
    rng = 0x9e3779b97f4a7c15ULL;
    indexed += random_queries(db_path, s, 150);
    /* Pages of one or two posts are filled from the index (the snapshot
     * has seven posts, more than a few times a page): it was asked. */
    CHECK(indexed > 50);
    store_close(st);
    snapshot_unref(s);
}

/* ---- a store written through the store's own functions ------------------ */

/* The demo, plus posts enough for pages and text the index must handle:
 * UTF-8, quotes, words of one and two letters, a postmortem, an edit. */
static void fill(struct store *st)
{
    CHECK_INT(store_demo(st, NOW - 86400 * 400), 0);
    const char *dsl[] = {"dsl"};
    for (int i = 0; i < 40; i++) {
        char title[96], body[200];
        snprintf(title, sizeof(title), "Outage %d at the \"Elm %c\" cabinet", i,
                 'A' + i % 26);
        snprintf(body, sizeof(body),
                 "Fibre cut %d near Z\xc3\xbcrich Stra\xc3\x9f"
                 "e; a digger. "
                 "ETA %d:00, ticket #%d.",
                 i % 7, 8 + i % 10, 1000 + i);
        struct post_input in = {.kind = KIND_INCIDENT,
                                .title = title,
                                .status = STATUS_INVESTIGATING,
                                .impact = IMPACT_MINOR,
                                .services = dsl,
                                .n_services = i % 3 == 0 ? 1 : 0,
                                .body = body,
                                .at = NOW - 86400 * (40 - i)};
        int64_t id;
        CHECK_INT(store_post_open(st, &in, &id), 0);
        /* Every fourth stays open, for the updates written later. */
        struct update_input up = {.set_status = true,
                                  .status = i % 4 == 3 ? STATUS_IDENTIFIED
                                                       : STATUS_RESOLVED,
                                  .body = i % 2 ? "Fixed." : "Spliced; ok.",
                                  .at = NOW - 86400 * (40 - i) + 3600};
        CHECK_INT(store_post_update(st, id, &up), 0);
        if (i % 5 == 0 && i % 4 != 3)
            CHECK_INT(store_postmortem(st, id, "Ducts, not diggers.", "cli",
                                       NOW - 86400 * (40 - i) + 7200),
                      0);
    }
}

/* An incident of fill() still open, the n-th of them from the newest:
 * one that takes an update. */
static int64_t open_incident(const struct snapshot *s, size_t nth)
{
    for (size_t i = 0; i < s->n_incidents; i++) {
        const struct incident *inc = &s->incidents[i];
        if (inc->kind == KIND_INCIDENT && inc->status == STATUS_IDENTIFIED &&
            strncmp(inc->title, "Outage ", 7) == 0 && nth-- == 0)
            return inc->id;
    }
    CHECK(!"no open incident");
    return 0;
}

TEST(store_same_as_query_search)
{
    struct store *st = open_fresh(db_path);
    REQUIRE(st != NULL);
    fill(st);
    CHECK(index_matches_rows(st));
    struct snapshot *s = load(st);
    REQUIRE(s != NULL);
    static const char *const queries[] = {
        "outage",
        "OUTAGE 1",
        "elm",
        "\"elm",
        "z\xc3\xbcrich",
        ("stra\xc3\x9f"
         "e"),
        "digger",
        "ducts",
        "fixed",
        "ok",
        "#1017",
        "cabinet a",
        "dsl",
        "DSL broadband",
        "broadband outage",
        "x",
        "fibre cut 3",
        "ticket #1039",
        "nothing-like-this",
    };
    int indexed = 0;
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        indexed += same_as_query_search(db_path, s, queries[i], 1);
        indexed += same_as_query_search(db_path, s, queries[i], 7);
        same_as_query_search(db_path, s, queries[i], 100);
    }
    rng = 0x1234567887654321ULL;
    indexed += random_queries(db_path, s, 150);
    CHECK(indexed > 50);
    /* The same without a database, and with a path where there is none:
     * every post is read, and the answers are the same. */
    same_as_query_search(NULL, s, "outage 3", 2);
    char gone[160];
    snprintf(gone, sizeof(gone), "%s/nothing-here.db", dir);
    CHECK_INT(same_as_query_search(gone, s, "outage 3", 2), 0);
    CHECK(access(gone, F_OK) != 0); /* and nothing is created there */
    snapshot_unref(s);
    store_close(st);
}

/* A word the index cannot look up (under three characters, or not valid
 * UTF-8) is found by reading the posts; with a longer word beside it, the
 * index answers for the longer word and the short one is confirmed. */
TEST(short_words)
{
    struct store *st = open_fresh(db_path);
    REQUIRE(st != NULL);
    fill(st);
    struct snapshot *s = load(st);
    REQUIRE(s != NULL);
    struct search_page p;
    CHECK_INT(search_run(db_path, s, "ok", 1, 1, &p), 0);
    CHECK(p.n == 1 && !p.indexed);
    search_page_free(&p);
    CHECK_INT(search_run(db_path, s, "\xc3\xbc", 1, 1, &p), 0);
    CHECK(p.n == 1 && !p.indexed);
    search_page_free(&p);
    CHECK_INT(search_run(db_path, s, "ok #1018", 1, 1, &p), 0);
    CHECK(p.n == 1 && p.indexed);
    search_page_free(&p);
    CHECK_INT(same_as_query_search(db_path, s, "ok", 1), 0);
    CHECK_INT(same_as_query_search(db_path, s, "Z\xc3", 3), 0);
    CHECK(same_as_query_search(db_path, s, "ok #1018", 1) > 0);
    same_as_query_search(db_path, s, "ok spliced", 1);
    snapshot_unref(s);
    store_close(st);
}

/* The limits of query_search, and pages out of range. */
TEST(limits)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct search_page p;
    char big[QUERY_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT(search_run(NULL, s, big, 1, 10, &p), UV_EINVAL);
    big[QUERY_MAX] = '\0';
    CHECK_INT(search_run(NULL, s, big, 1, 10, &p), 0);
    CHECK_INT(search_run(NULL, s, "a b c d e f g h i", 1, 10, &p), UV_EINVAL);
    CHECK_INT(search_run(NULL, s, "a b c d e f g h", 1, 10, &p), 0);
    search_page_free(&p);
    CHECK_INT(search_run(NULL, s, "mail", 0, 10, &p), UV_EINVAL);
    CHECK_INT(search_run(NULL, s, "mail", SEARCH_PAGE_MAX + 1, 10, &p),
              UV_EINVAL);
    CHECK_INT(search_run(NULL, s, "mail", SEARCH_PAGE_MAX, 10, &p), 0);
    CHECK(p.n == 0 && !p.more);
    CHECK_INT(search_run(NULL, s, "mail", 1, 0, &p), UV_EINVAL);
    CHECK_INT(search_run(NULL, s, "  \t ", 1, 10, &p), 0);
    CHECK(p.n == 0 && !p.more && p.posts == NULL);
    snapshot_unref(s);
    struct snapshot *e = fixture_empty_snapshot();
    REQUIRE(e != NULL);
    CHECK_INT(search_run(NULL, e, "outage", 1, 10, &p), 0);
    CHECK(p.n == 0 && !p.more);
    snapshot_unref(e);
}

/* Written after the snapshot: a new post and a new update are in the
 * index but not in the snapshot, so the old snapshot does not show them
 * (and the new one does); an edit's new words likewise. */
TEST(written_after_the_snapshot)
{
    struct store *st = open_fresh(db_path);
    REQUIRE(st != NULL);
    fill(st);
    struct snapshot *old = load(st);
    REQUIRE(old != NULL);
    const char *none[] = {NULL};
    struct post_input in = {.kind = KIND_NOTICE,
                            .title = "Quokka sightings at the exchange",
                            .status = STATUS_POSTED,
                            .impact = IMPACT_NONE,
                            .services = none,
                            .body = "Quokkas everywhere.",
                            .at = NOW};
    int64_t id;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    /* An old post gets a new update with the same word. */
    int64_t old_id = open_incident(old, 3);
    struct update_input up = {.body = "A quokka was seen here too.",
                              .at = NOW + 10};
    CHECK_INT(store_post_update(st, old_id, &up), 0);
    CHECK(index_matches_rows(st));
    CHECK(index_rows(st, "search_posts", "okk") == 1);
    CHECK(index_rows(st, "search_updates", "okk") == 2);

    struct search_page p;
    CHECK_INT(search_run(db_path, old, "quokka", 1, 1, &p), 0);
    CHECK(p.indexed && p.n == 0 && !p.more);
    CHECK(same_as_query_search(db_path, old, "quokka", 1) > 0);

    struct snapshot *now = load(st);
    REQUIRE(now != NULL);
    CHECK_INT(search_run(db_path, now, "quokka", 1, 5, &p), 0);
    CHECK(p.indexed && p.n == 2 && !p.more);
    if (p.n == 2)
        CHECK(p.posts[0]->id == id && p.posts[1]->id == old_id);
    search_page_free(&p);
    same_as_query_search(db_path, now, "quokka", 1);
    snapshot_unref(now);
    snapshot_unref(old);
    store_close(st);
}

/* Every write path keeps the index true to the rows: an edit forgets the
 * old words and learns the new ones, a replaced postmortem likewise, and
 * an import of the export builds the same index. */
TEST(write_paths_keep_the_index)
{
    struct store *st = open_fresh(db_path);
    REQUIRE(st != NULL);
    fill(st);
    struct snapshot *s = load(st);
    REQUIRE(s != NULL);
    const struct incident *inc = snapshot_incident(s, open_incident(s, 1));
    REQUIRE(inc != NULL && inc->n_updates > 0);
    int64_t uid = inc->updates[0].id, pid = inc->id;
    CHECK_INT(
        store_update_edit(st, uid, "Wombat damage, now repaired.", "cli", NOW),
        0);
    snapshot_unref(s);
    CHECK(index_matches_rows(st));
    CHECK(index_rows(st, "search_updates", "mba") == 1);

    /* A postmortem set, then replaced. */
    int64_t first = 0;
    s = load(st);
    REQUIRE(s != NULL);
    for (size_t i = 0; i < s->n_incidents && first == 0; i++)
        if (s->incidents[i].kind == KIND_INCIDENT &&
            s->incidents[i].resolved_at != 0)
            first = s->incidents[i].id;
    snapshot_unref(s);
    CHECK_INT(store_postmortem(st, first, "Platypus in the duct.", "cli", NOW),
              0);
    CHECK(index_rows(st, "search_posts", "typ") == 1);
    CHECK_INT(store_postmortem(st, first, "Echidna in the duct.", "cli", NOW),
              0);
    CHECK(index_rows(st, "search_posts", "typ") == 0);
    CHECK(index_rows(st, "search_posts", "chi") == 1);
    CHECK(index_matches_rows(st));

    s = load(st);
    REQUIRE(s != NULL);
    struct search_page p;
    CHECK_INT(search_run(db_path, s, "wombat", 1, 1, &p), 0);
    CHECK(p.indexed && p.n == 1 && p.posts[0]->id == pid);
    search_page_free(&p);
    CHECK_INT(search_run(db_path, s, "echidna", 1, 1, &p), 0);
    CHECK(p.indexed && p.n == 1 && p.posts[0]->id == first);
    search_page_free(&p);
    CHECK_INT(search_run(db_path, s, "platypus", 1, 1, &p), 0);
    CHECK(p.n == 0);
    same_as_query_search(db_path, s, "wombat", 1);
    same_as_query_search(db_path, s, "duct", 1);

    /* Export, import into a new file: the index is built there too. */
    struct buf doc = BUF_INIT;
    CHECK_INT(store_export(st, &doc), 0);
    char other[160];
    snprintf(other, sizeof(other), "%s/imported.db", dir);
    struct store *im = open_fresh(other);
    REQUIRE(im != NULL);
    CHECK_INT(store_import(im, doc.data, doc.len), 0);
    CHECK(index_matches_rows(im));
    CHECK(index_rows(im, "search_updates", "mba") == 1);
    struct snapshot *is = load(im);
    REQUIRE(is != NULL);
    CHECK(same_as_query_search(other, is, "wombat", 1) > 0);
    CHECK(same_as_query_search(other, is, "echidna", 1) > 0);
    rng = 0x0badcafe0badcafeULL;
    CHECK(random_queries(other, is, 40) > 0);
    /* The import put the triggers back: a later write is indexed. */
    struct update_input up = {.body = "Numbat update.", .at = NOW + 99};
    CHECK_INT(store_post_update(im, pid, &up), 0);
    CHECK(index_rows(im, "search_updates", "umb") ==
          rows_like(im, "updates", "body", "umb"));
    CHECK(rows_like(im, "updates", "body", "numbat") == 1);
    CHECK(index_matches_rows(im));
    snapshot_unref(is);
    store_close(im);
    remove_db(other);
    buf_free(&doc);
    snapshot_unref(s);
    store_close(st);
}

/* Migration 5 on a database made before it: the index is filled from the
 * rows already there. */
TEST(migration_fills_the_index)
{
    struct store *st = open_fresh(db_path);
    REQUIRE(st != NULL);
    fill(st);
    /* The post to write to, found while the schema is this binary's. */
    struct snapshot *s = load(st);
    REQUIRE(s != NULL);
    int64_t pid = open_incident(s, 2);
    snapshot_unref(s);
    /* Back to schema 5: no index, no triggers. */
    CHECK(sqlite3_exec(st->db, FIXTURE_BACK_TO_V5, NULL, NULL, NULL) ==
          SQLITE_OK);
    /* A write at schema 5, which no search trigger sees. */
    struct update_input up = {.body = "Written at schema 5: bandicoot.",
                              .at = NOW};
    CHECK_INT(store_post_update(st, pid, &up), 0);
    store_close(st);

    char err[256];
    CHECK_INT(store_open(db_path, &st, err, sizeof(err)), 0);
    REQUIRE(st != NULL);
    CHECK(index_matches_rows(st));
    CHECK(index_rows(st, "search_updates", "ndi") ==
          rows_like(st, "updates", "body", "ndi"));
    s = load(st);
    REQUIRE(s != NULL);
    struct search_page p;
    CHECK_INT(search_run(db_path, s, "bandicoot", 1, 1, &p), 0);
    CHECK(p.indexed && p.n == 1 && p.posts[0]->id == pid);
    search_page_free(&p);
    rng = 0x5eed5eed5eed5eedULL;
    CHECK(random_queries(db_path, s, 40) > 0);
    snapshot_unref(s);
    store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/outpost-search-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db_path, sizeof(db_path), "%s/search.db", dir);
    RUN(fixture_same_as_query_search);
    RUN(store_same_as_query_search);
    RUN(short_words);
    RUN(limits);
    RUN(written_after_the_snapshot);
    RUN(write_paths_keep_the_index);
    RUN(migration_fills_the_index);
    remove_db(db_path);
    rmdir(dir);
    return test_report();
}
