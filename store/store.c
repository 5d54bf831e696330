/* store: opening the database, errors, transactions, and store_load().
 * The writes live in write.c, the schema in schema.c.
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

/* ---- load ------------------------------------------------------------- */

/* Column text copied into the arena: SQLite's pointer dies at the next
 * step. A NULL column stays NULL; *oom is set if the copy failed. */
static const char *col_text(struct snapshot *s, sqlite3_stmt *stmt, int col,
                            bool *oom)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    if (t == NULL) {
        if (sqlite3_column_type(stmt, col) != SQLITE_NULL)
            *oom = true; /* text conversion failed for lack of memory */
        return NULL;
    }
    int len = sqlite3_column_bytes(stmt, col);
    char *d = snapshot_memdup(s, t, (size_t)len);
    if (d == NULL)
        *oom = true;
    return d;
}

static int count_rows(struct store *st, const char *sql, size_t *out)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *out = (size_t)sqlite3_column_int64(stmt, 0);
    else
        rc = store_sql_fail(st, "counting rows");
    sqlite3_finalize(stmt);
    return rc;
}

/* Service id -> index into snapshot.services, for incident_services. */
struct id_index {
    int64_t id;
    size_t index;
};

static int id_index_cmp(const void *a, const void *b)
{
    const struct id_index *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static bool find_service(const struct id_index *map, size_t n, int64_t id,
                         size_t *out)
{
    struct id_index key = {id, 0};
    const struct id_index *hit =
        bsearch(&key, map, n, sizeof(*map), id_index_cmp);
    if (hit == NULL)
        return false;
    *out = hit->index;
    return true;
}

/* Reads a status/kind/impact column, refusing names this binary does not
 * know rather than guessing. */
#define PARSE_COL(fn, stmt, col, out, what)                                    \
    (fn((const char *)sqlite3_column_text((stmt), (col)), (out)) == 0          \
         ? 0                                                                   \
         : store_fail(st, UV_EIO, "unknown %s '%s' in the database", (what),   \
                      (const char *)sqlite3_column_text((stmt), (col))         \
                          ? (const char *)sqlite3_column_text((stmt), (col))   \
                          : "NULL"))

static int load_services(struct store *st, struct snapshot *s,
                         struct id_index **map_out)
{
    size_t n;
    int rc = count_rows(st, "SELECT count(*) FROM services", &n);
    if (rc != 0)
        return rc;
    struct id_index *map = calloc(n + 1, sizeof(*map));
    s->services = snapshot_alloc(s, (n + 1) * sizeof(*s->services));
    if (map == NULL || s->services == NULL) {
        free(map);
        return store_fail(st, UV_ENOMEM, "out of memory");
    }
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "SELECT id, slug, name, grp, description, position,"
                       " manual_status, created_at, updated_at"
                       " FROM services ORDER BY position, slug",
                       &stmt);
    if (rc != 0) {
        free(map);
        return rc;
    }
    bool oom = false;
    size_t i = 0;
    while (i < n && sqlite3_step(stmt) == SQLITE_ROW) {
        struct service *svc = &s->services[i];
        svc->id = sqlite3_column_int64(stmt, 0);
        svc->slug = col_text(s, stmt, 1, &oom);
        svc->name = col_text(s, stmt, 2, &oom);
        svc->group = col_text(s, stmt, 3, &oom);
        svc->description = col_text(s, stmt, 4, &oom);
        svc->position = sqlite3_column_int(stmt, 5);
        if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
            svc->manual = true;
            rc = PARSE_COL(model_parse_service_status, stmt, 6,
                           &svc->manual_status, "service status");
            if (rc != 0)
                break;
        }
        svc->created_at = sqlite3_column_int64(stmt, 7);
        svc->updated_at = sqlite3_column_int64(stmt, 8);
        map[i].id = svc->id;
        map[i].index = i;
        i++;
    }
    if (rc == 0 && i < n)
        rc = store_sql_fail(st, "loading services");
    sqlite3_finalize(stmt);
    if (rc == 0 && oom)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    if (rc != 0) {
        free(map);
        return rc;
    }
    s->n_services = n;
    qsort(map, n, sizeof(*map), id_index_cmp);
    *map_out = map;
    return 0;
}

static int load_incidents(struct store *st, struct snapshot *s)
{
    size_t n;
    int rc = count_rows(st, "SELECT count(*) FROM incidents", &n);
    if (rc != 0)
        return rc;
    s->incidents = snapshot_alloc(s, (n + 1) * sizeof(*s->incidents));
    if (s->incidents == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "SELECT id, kind, title, status, impact, created_at,"
                       " started_at, updated_at, monitoring_at, resolved_at,"
                       " scheduled_start, scheduled_end, postmortem,"
                       " postmortem_at FROM incidents ORDER BY id DESC",
                       &stmt);
    if (rc != 0)
        return rc;
    bool oom = false;
    size_t i = 0;
    while (i < n && sqlite3_step(stmt) == SQLITE_ROW) {
        struct incident *inc = &s->incidents[i];
        inc->id = sqlite3_column_int64(stmt, 0);
        rc = PARSE_COL(model_parse_kind, stmt, 1, &inc->kind, "kind");
        if (rc == 0)
            rc = PARSE_COL(model_parse_status, stmt, 3, &inc->status, "status");
        if (rc == 0)
            rc = PARSE_COL(model_parse_impact, stmt, 4, &inc->impact, "impact");
        if (rc != 0)
            break;
        inc->title = col_text(s, stmt, 2, &oom);
        inc->created_at = sqlite3_column_int64(stmt, 5);
        inc->started_at = sqlite3_column_int64(stmt, 6);
        inc->updated_at = sqlite3_column_int64(stmt, 7);
        inc->monitoring_at = sqlite3_column_int64(stmt, 8);
        inc->resolved_at = sqlite3_column_int64(stmt, 9);
        inc->scheduled_start = sqlite3_column_int64(stmt, 10);
        inc->scheduled_end = sqlite3_column_int64(stmt, 11);
        inc->postmortem = col_text(s, stmt, 12, &oom);
        inc->postmortem_at = sqlite3_column_int64(stmt, 13);
        i++;
    }
    if (rc == 0 && i < n)
        rc = store_sql_fail(st, "loading incidents");
    sqlite3_finalize(stmt);
    if (rc == 0 && oom)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    if (rc == 0)
        s->n_incidents = n;
    return rc;
}

/* Rows of both child tables come sorted by incident id descending, the
 * order of s->incidents, so one arena array per table is filled in order
 * and each incident gets a contiguous slice of it: a merge walk, no
 * per-incident query. */
static struct incident *advance_to(struct snapshot *s, size_t *k, int64_t id)
{
    while (*k < s->n_incidents && s->incidents[*k].id > id)
        (*k)++;
    if (*k < s->n_incidents && s->incidents[*k].id == id)
        return &s->incidents[*k];
    return NULL;
}

static int load_incident_services(struct store *st, struct snapshot *s,
                                  const struct id_index *map)
{
    size_t n;
    int rc = count_rows(st, "SELECT count(*) FROM incident_services", &n);
    if (rc != 0)
        return rc;
    struct incident_service *all = snapshot_alloc(s, (n + 1) * sizeof(*all));
    if (all == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "SELECT incident_id, service_id, window_start,"
                       " window_end FROM incident_services"
                       " ORDER BY incident_id DESC, rowid",
                       &stmt);
    if (rc != 0)
        return rc;
    size_t used = 0, k = 0, seen = 0;
    while (seen < n && sqlite3_step(stmt) == SQLITE_ROW) {
        seen++;
        struct incident *inc = advance_to(s, &k, sqlite3_column_int64(stmt, 0));
        size_t index;
        if (inc == NULL || !find_service(map, s->n_services,
                                         sqlite3_column_int64(stmt, 1), &index))
            continue; /* foreign keys forbid it; skip rather than crash */
        if (inc->services == NULL)
            inc->services = &all[used];
        all[used].service = index;
        all[used].window_start = sqlite3_column_int64(stmt, 2);
        all[used].window_end = sqlite3_column_int64(stmt, 3);
        inc->n_services++;
        used++;
    }
    if (seen < n)
        rc = store_sql_fail(st, "loading affected services");
    sqlite3_finalize(stmt);
    return rc;
}

static int load_updates(struct store *st, struct snapshot *s)
{
    size_t n;
    int rc = count_rows(st, "SELECT count(*) FROM updates", &n);
    if (rc != 0)
        return rc;
    struct update *all = snapshot_alloc(s, (n + 1) * sizeof(*all));
    if (all == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "SELECT incident_id, id, created_at, status, body,"
                       " author, via,"
                       " (SELECT count(*) FROM update_revisions r"
                       "  WHERE r.update_id = updates.id),"
                       " (SELECT coalesce(max(edited_at), 0)"
                       "  FROM update_revisions r"
                       "  WHERE r.update_id = updates.id)"
                       " FROM updates"
                       " ORDER BY incident_id DESC, created_at DESC, id DESC",
                       &stmt);
    if (rc != 0)
        return rc;
    bool oom = false;
    size_t used = 0, k = 0, seen = 0;
    while (seen < n && sqlite3_step(stmt) == SQLITE_ROW) {
        seen++;
        struct incident *inc = advance_to(s, &k, sqlite3_column_int64(stmt, 0));
        if (inc == NULL)
            continue;
        struct update *u = &all[used];
        rc = PARSE_COL(model_parse_status, stmt, 3, &u->status, "status");
        if (rc != 0)
            break;
        if (inc->updates == NULL)
            inc->updates = u;
        u->id = sqlite3_column_int64(stmt, 1);
        u->created_at = sqlite3_column_int64(stmt, 2);
        u->body = col_text(s, stmt, 4, &oom);
        u->author = col_text(s, stmt, 5, &oom);
        u->via = col_text(s, stmt, 6, &oom);
        u->n_revisions = (size_t)sqlite3_column_int64(stmt, 7);
        u->edited_at = sqlite3_column_int64(stmt, 8);
        inc->n_updates++;
        used++;
    }
    if (rc == 0 && seen < n)
        rc = store_sql_fail(st, "loading updates");
    sqlite3_finalize(stmt);
    if (rc == 0 && oom)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    return rc;
}

int store_load(struct store *st, int64_t now, struct snapshot **out)
{
    *out = NULL;
    struct snapshot *s = snapshot_new();
    if (s == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    s->generated_at = now;

    struct id_index *map = NULL;
    /* One read transaction: in WAL mode every query below sees the same
     * committed state, so an incident never refers to a service that a
     * concurrent writer added after the services were read. */
    int rc = store_begin(st, false);
    if (rc != 0)
        goto out;
    rc = load_services(st, s, &map);
    if (rc == 0)
        rc = load_incidents(st, s);
    if (rc == 0)
        rc = load_incident_services(st, s, map);
    if (rc == 0)
        rc = load_updates(st, s);
    if (rc == 0)
        rc = store_load_tokens(st, s); /* for the write API (tokens.c) */
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0)
        goto out;
    rc = snapshot_derive(s);
    if (rc != 0) {
        rc = store_fail(st, rc, "out of memory");
        goto out;
    }
    free(map);
    *out = s;
    return 0;
out:
    store_rollback(st);
    free(map);
    snapshot_unref(s);
    return rc;
}
