/* Unit tests for store/tokens.c: API tokens kept only as hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../../store/store.h"
#include "../../store/store_int.h"
#include "testlib.h"

#define NOW 1795000000

TEST(add_check_revoke)
{
    struct store *st;
    char err[256], tok[STORE_TOKEN_LEN + 1], tok2[STORE_TOKEN_LEN + 1];
    char name[65];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    CHECK_INT(store_token_add(st, "noc-bot", tok, NOW), 0);
    CHECK_INT(strlen(tok), STORE_TOKEN_LEN);
    CHECK(strncmp(tok, "op_", 3) == 0);
    CHECK(strspn(tok + 3, "0123456789abcdef") == 64);
    CHECK_INT(store_token_add(st, "monitoring", tok2, NOW), 0);
    CHECK(strcmp(tok, tok2) != 0); /* random, not derived from the name */

    CHECK_INT(store_token_check(st, tok, name), 0);
    CHECK_STR(name, "noc-bot");
    CHECK_INT(store_token_check(st, tok2, name), 0);
    CHECK_STR(name, "monitoring");

    /* Near misses and junk are refused. */
    char near[STORE_TOKEN_LEN + 1];
    memcpy(near, tok, sizeof(near));
    near[STORE_TOKEN_LEN - 1] = near[STORE_TOKEN_LEN - 1] == '0' ? '1' : '0';
    static const char *bad[] = {"", "op_", "Bearer x", "noc-bot"};
    CHECK_INT(store_token_check(st, near, name), UV_EACCES);
    CHECK_STR(name, "");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(store_token_check(st, bad[i], name), UV_EACCES);
    CHECK_INT(store_token_check(st, NULL, name), UV_EACCES);

    /* Revoked: refused at once; the other token still works. */
    CHECK_INT(store_token_revoke(st, "noc-bot", NOW + 5), 0);
    CHECK_INT(store_token_check(st, tok, name), UV_EACCES);
    CHECK_INT(store_token_check(st, tok2, name), 0);
    CHECK_INT(store_token_revoke(st, "noc-bot", NOW + 6), UV_EINVAL);
    CHECK(strstr(store_errmsg(st), "already revoked") != NULL);
    CHECK_INT(store_token_revoke(st, "nobody", NOW), UV_ENOENT);

    struct token_info *list;
    size_t n;
    CHECK_INT(store_token_list(st, &list, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(list[0].name, "noc-bot");
    CHECK_INT(list[0].revoked_at, NOW + 5);
    CHECK_STR(list[1].name, "monitoring");
    CHECK_INT(list[1].revoked_at, 0);
    free(list);

    /* Only a hash is stored: the token's text is nowhere in the table. */
    sqlite3_stmt *q;
    sqlite3_prepare_v2(st->db,
                       "SELECT count(*) FROM api_tokens WHERE hash = ?1 OR"
                       " CAST(hash AS TEXT) LIKE '%' || ?1 || '%'"
                       " OR name = ?1",
                       -1, &q, NULL);
    sqlite3_bind_text(q, 1, tok2, -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(q), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    store_close(st);
}

TEST(names)
{
    static const struct {
        const char *name;
        int want;
    } cases[] = {
        {"noc-bot", 0},         /* ordinary */
        {"nagios.prod_2", 0},   /* dots and underscores inside */
        {"", UV_EINVAL},        /* empty */
        {"-bot", UV_EINVAL},    /* must start with a letter or digit */
        {"NOC", UV_EINVAL},     /* lower case only */
        {"a b", UV_EINVAL},     /* no spaces */
        {"x\x1b", UV_EINVAL},   /* no escapes */
        {"noc-bot", UV_EEXIST}, /* taken by the first case */
        {"cli", UV_EINVAL},     /* reserved: the CLI's own writes say so */
        {"cli2", 0},            /* only the exact name is reserved */
    };
    struct store *st;
    char err[256], tok[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_INT(store_token_add(st, cases[i].name, tok, NOW), cases[i].want);
        if (cases[i].want != 0)
            CHECK_STR(tok, ""); /* nothing to show for a refusal */
    }
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    CHECK_INT(store_token_add(st, long_name, tok, NOW), UV_EINVAL);
    CHECK_INT(store_token_add(st, "cli", tok, NOW), UV_EINVAL);
    CHECK(strstr(store_errmsg(st), "reserved") != NULL);
    CHECK(!store_check_token_name("cli")); /* so import refuses it too */
    store_close(st);
}

/* The hash is BLAKE2b-256, unkeyed: a known vector (RFC 7693's "abc",
 * 32-byte digest), and NULL hashes like "". */
TEST(hash)
{
    static const unsigned char abc[STORE_TOKEN_HASH] = {
        0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef,
        0x3f, 0xee, 0x98, 0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb,
        0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0, 0x68, 0xd5, 0x23, 0x19};
    unsigned char h[STORE_TOKEN_HASH], e[STORE_TOKEN_HASH];
    store_token_hash("abc", h);
    CHECK(memcmp(h, abc, sizeof(h)) == 0);
    store_token_hash(NULL, h);
    store_token_hash("", e);
    CHECK(memcmp(h, e, sizeof(h)) == 0);
}

/* store_load() copies names, hashes and revocations into the snapshot,
 * which store_token_known() consults; store_token_use() records a use and
 * refuses what check refuses. */
TEST(snapshot_and_use)
{
    struct store *st;
    char err[256], a[STORE_TOKEN_LEN + 1], b[STORE_TOKEN_LEN + 1];
    char name[65];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK_INT(s->n_tokens, 0);
    snapshot_unref(s);

    CHECK_INT(store_token_add(st, "noc-bot", a, NOW), 0);
    CHECK_INT(store_token_add(st, "old", b, NOW), 0);
    CHECK_INT(store_token_revoke(st, "old", NOW + 1), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK_INT(s->n_tokens, 2);
    unsigned char ha[STORE_TOKEN_HASH], hb[STORE_TOKEN_HASH];
    store_token_hash(a, ha);
    store_token_hash(b, hb);
    if (s->n_tokens == 2) {
        CHECK_STR(s->tokens[0].name, "noc-bot");
        CHECK(!s->tokens[0].revoked);
        CHECK(memcmp(s->tokens[0].hash, ha, sizeof(ha)) == 0);
        CHECK_STR(s->tokens[1].name, "old");
        CHECK(s->tokens[1].revoked);
        CHECK(memcmp(s->tokens[1].hash, hb, sizeof(hb)) == 0);
    }
    /* The snapshot's copy knows the valid token only: not the revoked
     * one, not a near miss, not nothing. */
    char near[STORE_TOKEN_LEN + 1];
    memcpy(near, a, sizeof(near));
    near[3] = near[3] == '0' ? '1' : '0';
    CHECK(store_token_known(s, a));
    CHECK(!store_token_known(s, b));
    CHECK(!store_token_known(s, near));
    CHECK(!store_token_known(s, ""));
    CHECK(!store_token_known(s, NULL));
    snapshot_unref(s);

    CHECK_INT(store_token_use(st, hb, name, NOW + 2), UV_EACCES);
    CHECK_STR(name, "");
    CHECK_INT(store_token_use(st, ha, name, NOW + 3), 0);
    CHECK_STR(name, "noc-bot");
    struct token_info *list;
    size_t n;
    CHECK_INT(store_token_list(st, &list, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(list[0].last_used_at, NOW + 3);
    CHECK_INT(list[1].last_used_at, 0);
    free(list);
    store_close(st);
}

/* A database from before last_used_at (schema 3) keeps its tokens, and
 * they keep working, after the upgrade. */
TEST(migration_adds_last_used)
{
    char path[] = "/tmp/outpost-tokens-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct store *st;
    char err[256], tok[STORE_TOKEN_LEN + 1], name[65];
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    if (st == NULL)
        return;
    CHECK_INT(store_token_add(st, "noc-bot", tok, NOW), 0);
    /* Back to version 3 (migration 5's search index gone too). */
    CHECK_INT(
        sqlite3_exec(st->db,
                     "DROP TRIGGER search_posts_insert; DROP TRIGGER "
                     "search_posts_delete;"
                     " DROP TRIGGER search_posts_update;"
                     " DROP TRIGGER search_updates_insert;"
                     " DROP TRIGGER search_updates_delete;"
                     " DROP TRIGGER search_updates_update;"
                     " DROP TABLE search_posts; DROP TABLE search_updates;"
                     " ALTER TABLE api_tokens DROP COLUMN last_used_at;"
                     " PRAGMA user_version = 3;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    store_close(st);
    CHECK_INT(store_open(path, &st, err, sizeof(err)), 0);
    if (st != NULL) {
        CHECK_INT(store_token_check(st, tok, name), 0);
        struct token_info *list;
        size_t n;
        CHECK_INT(store_token_list(st, &list, &n), 0);
        CHECK_INT(n, 1);
        CHECK_INT(list[0].last_used_at, 0);
        free(list);
        store_close(st);
    }
    unlink(path);
    char aux[sizeof(path) + 8];
    snprintf(aux, sizeof(aux), "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", path);
    unlink(aux);
}

int main(void)
{
    RUN(add_check_revoke);
    RUN(names);
    RUN(hash);
    RUN(snapshot_and_use);
    RUN(migration_adds_last_used);
    return test_report();
}
