/* tokens: API tokens for the HTTP write API, stored only as hashes. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/timeutil.h"
#include "store_int.h"

/* The snapshot keeps hashes in a plain array of this size. */
_Static_assert(sizeof(((struct snapshot_token *)0)->hash) == STORE_TOKEN_HASH,
               "snapshot_token.hash holds one token hash");

/* Every write records who made it: "cli" for the command line, else the
 * token's name. A token called "cli" would make its writes look like the
 * operator's own, so the name is not available; nor is the name the
 * server's own scheduled updates carry (STORE_VIA_SCHEDULE). */
#define RESERVED_NAME "cli"

bool store_check_token_name(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 64 || strcmp(s, RESERVED_NAME) == 0 ||
        strcmp(s, STORE_VIA_SCHEDULE) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

static int sodium_ready(struct store *st)
{
    /* sodium_init() is idempotent and thread-safe; -1 means no usable
     * randomness, and then no token may be made. */
    if (sodium_init() < 0)
        return store_fail(st, UV_EIO, "libsodium cannot be initialised");
    return 0;
}

/* BLAKE2b-256, unkeyed. A token is 256 random bits, so no one can guess
 * it from its hash, and a slow password hash (Argon2) would only make
 * every API request slower for no gain. */
void store_token_hash(const char *token, unsigned char out[STORE_TOKEN_HASH])
{
    /* Idempotent and thread-safe; it picks the fastest implementation. */
    (void)sodium_init();
    if (token == NULL)
        token = "";
    crypto_generichash(out, STORE_TOKEN_HASH, (const unsigned char *)token,
                       strlen(token), NULL, 0);
}

enum store_token_seen store_token_seen(const struct snapshot *snap,
                                       const char *token)
{
    unsigned char hash[STORE_TOKEN_HASH];
    store_token_hash(token, hash);
    /* Every entry is compared in constant time, match or not, so the time
     * taken says nothing about how close a guess came. The same token
     * listed twice, once revoked (an import gone odd), is valid. */
    bool valid = false, revoked = false;
    for (size_t i = 0; i < snap->n_tokens; i++) {
        bool same =
            sodium_memcmp(snap->tokens[i].hash, hash, STORE_TOKEN_HASH) == 0;
        valid |= same && !snap->tokens[i].revoked;
        revoked |= same && snap->tokens[i].revoked;
    }
    return valid     ? STORE_TOKEN_VALID
           : revoked ? STORE_TOKEN_REVOKED
                     : STORE_TOKEN_UNSEEN;
}

bool store_token_known(const struct snapshot *snap, const char *token)
{
    return store_token_seen(snap, token) == STORE_TOKEN_VALID;
}

int store_token_add(struct store *st, const char *name,
                    char token_out[STORE_TOKEN_LEN + 1], int64_t at)
{
    token_out[0] = '\0';
    if (name != NULL && strcmp(name, RESERVED_NAME) == 0)
        return store_fail(st, UV_EINVAL,
                          "the token name '" RESERVED_NAME "' is reserved: "
                          "it marks writes made from the command line");
    if (!store_check_token_name(name))
        return store_fail(st, UV_EINVAL,
                          "token name must be 1 to 64 of a-z, 0-9, '.', "
                          "'_' and '-', starting with a letter or digit");
    int rc = sodium_ready(st);
    if (rc != 0)
        return rc;
    unsigned char raw[32], hash[STORE_TOKEN_HASH];
    char token[STORE_TOKEN_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    memcpy(token, "op_", 3);
    sodium_bin2hex(token + 3, sizeof(token) - 3, raw, sizeof(raw));
    store_token_hash(token, hash);
    sodium_memzero(raw, sizeof(raw));

    sqlite3_stmt *q;
    rc = store_begin(st, true);
    if (rc == 0)
        rc = store_prepare(st,
                           "INSERT INTO api_tokens (name, hash, created_at)"
                           " VALUES (?, ?, ?)",
                           &q);
    if (rc == 0) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, hash, sizeof(hash), SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, at != 0 ? at : time_now());
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE
                     ? store_fail(st, UV_EEXIST,
                                  "a token named '%s' already exists", name)
                     : store_sql_fail(st, "saving a token");
        }
        sqlite3_finalize(q);
    }
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0) {
        store_rollback(st);
        sodium_memzero(token, sizeof(token));
        return rc;
    }
    memcpy(token_out, token, sizeof(token));
    sodium_memzero(token, sizeof(token));
    return 0;
}

int store_token_list(struct store *st, struct token_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT name, created_at, revoked_at,"
                           " last_used_at FROM api_tokens ORDER BY id",
                           &q);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct token_info *p = realloc(*out, cap * sizeof(**out));
            if (p == NULL) {
                rc = store_fail(st, UV_ENOMEM, "out of memory");
                break;
            }
            *out = p;
        }
        struct token_info *t = &(*out)[(*n)++];
        snprintf(t->name, sizeof(t->name), "%s",
                 (const char *)sqlite3_column_text(q, 0));
        t->created_at = sqlite3_column_int64(q, 1);
        t->revoked_at = sqlite3_column_int64(q, 2);
        t->last_used_at = sqlite3_column_int64(q, 3);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "listing tokens");
    sqlite3_finalize(q);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int store_token_revoke(struct store *st, const char *name, int64_t at)
{
    sqlite3_stmt *q;
    int rc = store_begin(st, true);
    if (rc == 0)
        rc = store_prepare(
            st, "SELECT revoked_at FROM api_tokens WHERE name = ?", &q);
    if (rc == 0) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            rc = store_fail(st, UV_ENOENT, "unknown token '%s'", name);
        else if (step != SQLITE_ROW)
            rc = store_sql_fail(st, "finding a token");
        else if (sqlite3_column_int64(q, 0) != 0)
            rc = store_fail(st, UV_EINVAL, "token '%s' is already revoked",
                            name);
        sqlite3_finalize(q);
    }
    if (rc == 0)
        rc = store_prepare(
            st, "UPDATE api_tokens SET revoked_at = ? WHERE name = ?", &q);
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, at != 0 ? at : time_now());
        sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = store_sql_fail(st, "revoking a token");
        sqlite3_finalize(q);
    }
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0)
        store_rollback(st);
    return rc;
}

/* Finds the valid token with this hash: 0 and its id and name, or
 * UV_EACCES. */
static int find_token(struct store *st,
                      const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                      char name_out[65])
{
    name_out[0] = '\0';
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT id, name, hash FROM api_tokens"
                           " WHERE revoked_at = 0 ORDER BY id",
                           &q);
    if (rc != 0)
        return rc;
    /* Every valid token is compared, match or not, each in constant time,
     * so the time taken says nothing about which bytes matched. */
    bool found = false;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(q, 2);
        if (h != NULL && sqlite3_column_bytes(q, 2) == STORE_TOKEN_HASH &&
            sodium_memcmp(h, hash, STORE_TOKEN_HASH) == 0 && !found) {
            found = true;
            *id = sqlite3_column_int64(q, 0);
            snprintf(name_out, 65, "%s",
                     (const char *)sqlite3_column_text(q, 1));
        }
    }
    if (step != SQLITE_DONE)
        rc = store_sql_fail(st, "checking a token");
    sqlite3_finalize(q);
    if (rc != 0) {
        name_out[0] = '\0';
        return rc;
    }
    if (!found)
        return store_fail(st, UV_EACCES, "invalid or revoked token");
    return 0;
}

int store_token_check(struct store *st, const char *token, char name_out[65])
{
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t id;
    store_token_hash(token, hash);
    return find_token(st, hash, &id, name_out);
}

int store_token_check_hash(struct store *st,
                           const unsigned char hash[STORE_TOKEN_HASH],
                           char name_out[65])
{
    int64_t id;
    return find_token(st, hash, &id, name_out);
}

int store_token_use(struct store *st,
                    const unsigned char hash[STORE_TOKEN_HASH],
                    char name_out[65], int64_t at)
{
    int64_t id = 0;
    int rc = find_token(st, hash, &id, name_out);
    if (rc != 0)
        return rc;
    sqlite3_stmt *q;
    rc = store_prepare(
        st, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, at != 0 ? at : time_now());
    sqlite3_bind_int64(q, 2, id);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = store_sql_fail(st, "recording a token's use");
    sqlite3_finalize(q);
    return rc;
}

int store_load_tokens(struct store *st, struct snapshot *s)
{
    /* Called inside store_load()'s read transaction, so the count and
     * the rows agree. */
    sqlite3_stmt *q;
    int rc = store_prepare(st, "SELECT count(*) FROM api_tokens", &q);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        cap = (size_t)sqlite3_column_int64(q, 0);
    else
        rc = store_sql_fail(st, "counting tokens");
    sqlite3_finalize(q);
    if (rc != 0)
        return rc;
    struct snapshot_token *list = snapshot_alloc(s, (cap + 1) * sizeof(*list));
    if (list == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    rc = store_prepare(st,
                       "SELECT name, hash, revoked_at FROM api_tokens"
                       " ORDER BY id",
                       &q);
    if (rc != 0)
        return rc;
    size_t n = 0;
    int step = SQLITE_DONE;
    while (n < cap && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 1) != STORE_TOKEN_HASH)
            continue; /* no token hashes to it: it could never match */
        struct snapshot_token *t = &list[n];
        t->name = snapshot_strdup(s, (const char *)sqlite3_column_text(q, 0));
        if (t->name == NULL) {
            rc = store_fail(st, UV_ENOMEM, "out of memory");
            break;
        }
        memcpy(t->hash, sqlite3_column_blob(q, 1), STORE_TOKEN_HASH);
        t->revoked = sqlite3_column_int64(q, 2) != 0;
        n++;
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading tokens");
    sqlite3_finalize(q);
    if (rc != 0)
        return rc;
    s->tokens = list;
    s->n_tokens = n;
    return 0;
}
