/* store: opening the database, errors and transactions. The writes live
 * in write.c, the schema in schema.c, loading a snapshot in load.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "store_int.h"

/* ---- errors and transactions ------------------------------------------ */

int store_fail(struct store *st, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof(st->err), fmt, ap);
    va_end(ap);
    /* One line of plain text, always: messages quote user input (a slug,
     * a status name) and SQLite's own text, and they end up on a
     * terminal, so no control byte survives. */
    for (char *p = st->err; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return rc;
}

int store_sql_fail(struct store *st, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    const char *msg = sqlite3_errmsg(st->db);
    int rc = UV_EIO;
    if ((code & 0xff) == SQLITE_NOMEM)
        rc = UV_ENOMEM;
    else if (code == SQLITE_CONSTRAINT_UNIQUE ||
             code == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = UV_EEXIST;
    else if ((code & 0xff) == SQLITE_BUSY)
        rc = UV_EBUSY;
    return store_fail(st, rc, "database error %s: %s", what, msg);
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return store_sql_fail(st, "preparing a query");
    }
    return 0;
}

int store_begin(struct store *st, bool immediate)
{
    const char *sql = st->depth > 0 ? "SAVEPOINT nested"
                      : immediate   ? "BEGIN IMMEDIATE"
                                    : "BEGIN";
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_sql_fail(st, "starting a transaction");
    st->depth++;
    return 0;
}

int store_commit(struct store *st)
{
    const char *sql = st->depth > 1 ? "RELEASE nested" : "COMMIT";
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_sql_fail(st, "committing");
    if (st->depth > 0)
        st->depth--;
    return 0;
}

void store_rollback(struct store *st)
{
    /* Some errors (SQLITE_FULL, IOERR) roll back by themselves; a second
     * ROLLBACK would fail and overwrite nothing we need. */
    if (sqlite3_get_autocommit(st->db)) {
        st->depth = 0;
        return;
    }
    if (st->depth > 1) {
        sqlite3_exec(st->db, "ROLLBACK TO nested; RELEASE nested", NULL, NULL,
                     NULL);
        st->depth--;
        return;
    }
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->depth = 0;
}

const char *store_errmsg(const struct store *st)
{
    if (st == NULL)
        return "no store";
    return st->err;
}

/* ---- open and close --------------------------------------------------- */

static void copy_err(char *errmsg, size_t errlen, const char *msg)
{
    if (errmsg != NULL && errlen > 0)
        snprintf(errmsg, errlen, "%s", msg);
}

static int pragma_version(struct store *st, int *out)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "PRAGMA user_version", &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_int(stmt, 0);
    else
        rc = store_sql_fail(st, "reading the schema version");
    sqlite3_finalize(stmt);
    return rc;
}

/* How long a write waits for another connection's lock before it gives
 * up, and how often it looks again meanwhile. */
#define STORE_BUSY_MS 5000
#define STORE_BUSY_STEP_MS 10

/* SQLite's busy handler: wait in short steps, so that a process that is
 * shutting down (store_set_give_up) is heard within one step rather than
 * at the end of the whole timeout. Returning 0 makes the statement fail
 * with SQLITE_BUSY, which rolls nothing forward. */
static int busy_cb(void *arg, int count)
{
    struct store *st = arg;
    if (st->give_up != NULL && atomic_load(st->give_up) != 0)
        return 0;
    if ((int64_t)count * STORE_BUSY_STEP_MS >= STORE_BUSY_MS)
        return 0;
    sqlite3_sleep(STORE_BUSY_STEP_MS);
    return 1;
}

void store_set_give_up(struct store *st, const _Atomic int *flag)
{
    st->give_up = flag;
}

enum open_mode { OPEN_CREATE, OPEN_EXISTING, OPEN_READONLY };

static int open_common(const char *path, enum open_mode mode,
                       struct store **out, char *errmsg, size_t errlen)
{
    *out = NULL;
    bool readonly = mode == OPEN_READONLY;
    struct store *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        copy_err(errmsg, errlen, "out of memory");
        return UV_ENOMEM;
    }
    st->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY
                : mode == OPEN_CREATE
                    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                    : SQLITE_OPEN_READWRITE;
    /* One struct store per thread (see store.h), so SQLite's own mutexes
     * would only cost time. */
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = 0;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        if (st->db == NULL)
            rc = store_fail(st, UV_ENOMEM, "out of memory");
        else if (mode != OPEN_CREATE && access(path, F_OK) != 0 &&
                 errno == ENOENT)
            rc = store_fail(st, UV_ENOENT, "no database at %s", path);
        else
            rc = store_fail(st, UV_EIO, "cannot open %s: %s", path,
                            sqlite3_errmsg(st->db));
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* Writers from the CLI and the API may overlap; wait rather than
     * fail with SQLITE_BUSY. */
    sqlite3_busy_handler(st->db, busy_cb, st);

    if (!readonly) {
        /* WAL lets the snapshot builder read while a write commits;
         * synchronous=FULL makes a commit durable before it returns
         * ("acknowledged = durable"), which NORMAL does not in WAL mode. */
        const char *setup = "PRAGMA journal_mode = WAL;"
                            "PRAGMA synchronous = FULL;"
                            "PRAGMA foreign_keys = ON;";
        if (sqlite3_exec(st->db, setup, NULL, NULL, NULL) != SQLITE_OK) {
            rc = store_sql_fail(st, "opening");
            goto out;
        }
        rc = store_migrate(st);
        if (rc != 0)
            goto out;
    } else {
        int version = 0;
        rc = pragma_version(st, &version);
        if (rc != 0)
            goto out;
        if (version > store_schema_version()) {
            rc = store_fail(st, UV_EIO,
                            "database schema version %d is newer than "
                            "this outpost understands (%d)",
                            version, store_schema_version());
            goto out;
        }
        if (version < store_schema_version()) {
            rc = store_fail(st, UV_EIO,
                            "database schema version %d is older than "
                            "this outpost (%d); open it read-write once "
                            "to migrate it",
                            version, store_schema_version());
            goto out;
        }
    }
    *out = st;
    return 0;
out:
    copy_err(errmsg, errlen, st->err);
    sqlite3_close(st->db);
    free(st);
    return rc;
}

int store_open(const char *path, struct store **out, char *errmsg,
               size_t errlen)
{
    return open_common(path, OPEN_CREATE, out, errmsg, errlen);
}

int store_open_existing(const char *path, struct store **out, char *errmsg,
                        size_t errlen)
{
    return open_common(path, OPEN_EXISTING, out, errmsg, errlen);
}

int store_open_readonly(const char *path, struct store **out, char *errmsg,
                        size_t errlen)
{
    return open_common(path, OPEN_READONLY, out, errmsg, errlen);
}

void store_close(struct store *st)
{
    if (st == NULL)
        return;
    /* sqlite3_close (not _v2) fails loudly if a statement leaked; every
     * function here finalizes its own, so this only checkpoints and
     * closes. */
    sqlite3_close(st->db);
    free(st);
}

/* ---- small queries ---------------------------------------------------- */

int store_is_empty(struct store *st, bool *empty)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "SELECT (SELECT count(*) FROM services) +"
                           " (SELECT count(*) FROM incidents) +"
                           " (SELECT count(*) FROM api_tokens)",
                           &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *empty = sqlite3_column_int64(stmt, 0) == 0;
    else
        rc = store_sql_fail(st, "counting rows");
    sqlite3_finalize(stmt);
    return rc;
}

int store_data_version(struct store *st, int64_t *version)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "PRAGMA data_version", &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *version = sqlite3_column_int64(stmt, 0);
    else
        rc = store_sql_fail(st, "reading data_version");
    sqlite3_finalize(stmt);
    return rc;
}
