/* Unit tests for store/tokens.c: API tokens kept only as hashes. */
#include <stdlib.h>
#include <string.h>

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
    store_close(st);
}

int main(void)
{
    RUN(add_check_revoke);
    RUN(names);
    return test_report();
}
