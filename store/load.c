/* load: reading the model into a snapshot, sharing what did not change.
 *
 * A snapshot is loaded in one read transaction. Services and tokens are a
 * few rows and are read every time. Posts are where an archive is big, so
 * store_load_from() reads the heads of all posts (one row each, with the
 * change stamp incidents.rev) and takes from the base snapshot every post
 * whose stamp is unchanged: its head is copied and its memory shared
 * (snapshot.h). Only the changed and new posts are read in full:
 *   - a few of them (the usual write): one query per post and child table,
 *     by index;
 *   - many (the first load, an import): the child tables are scanned once
 *     in incident order, as a merge walk, and rows of shared posts are
 *     skipped.
 * A post's strings and arrays are allocated in its own memory, so that the
 * snapshot that stops holding it can free it without touching the others.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "store_int.h"

/* Below this share of changed posts, each is read by its own queries. */
#define LOAD_FEW_DIVISOR 64

/* Column text copied into memory of the snapshot (m NULL) or of a post:
 * SQLite's pointer dies at the next step. A NULL column stays NULL; *oom
 * is set if the copy failed. */
static const char *col_text(struct snapshot *s, struct post_mem *m,
                            sqlite3_stmt *stmt, int col, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    if (t == NULL) {
        if (sqlite3_column_type(stmt, col) != SQLITE_NULL)
            *oom = true; /* text conversion failed for lack of memory */
        return NULL;
    }
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    char *d = m != NULL ? snapshot_post_memdup(m, t, len)
                        : snapshot_memdup(s, t, len);
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
        svc->slug = col_text(s, NULL, stmt, 1, &oom);
        svc->name = col_text(s, NULL, stmt, 2, &oom);
        svc->group = col_text(s, NULL, stmt, 3, &oom);
        svc->description = col_text(s, NULL, stmt, 4, &oom);
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

/* True if base's services stand at the same indices as s's, so that the
 * indices in base's posts (incident_service.service) hold for s. */
static bool same_service_places(const struct snapshot *base,
                                const struct snapshot *s)
{
    if (base->n_services != s->n_services)
        return false;
    for (size_t i = 0; i < s->n_services; i++)
        if (base->services[i].id != s->services[i].id)
            return false;
    return true;
}

/* A shared post whose services moved: its own copy of the list, with the
 * indices of s, in s's arena (the post's memory is not written, since
 * other snapshots read it). */
static int remap_services(struct snapshot *s, struct incident *inc,
                          const struct id_index *map)
{
    if (inc->n_services == 0)
        return 0;
    struct incident_service *v =
        snapshot_alloc(s, inc->n_services * sizeof(*v));
    if (v == NULL)
        return UV_ENOMEM;
    size_t n = 0;
    for (size_t k = 0; k < inc->n_services; k++) {
        size_t index;
        if (!find_service(map, s->n_services, inc->services[k].service_id,
                          &index))
            continue; /* deleted: the post itself changed, so not shared */
        v[n] = inc->services[k];
        v[n].service = index;
        n++;
    }
    inc->services = v;
    inc->n_services = n;
    inc->services_copied = true;
    return 0;
}

#define HEADS_SQL                                                              \
    "SELECT id, rev, kind, title, status, impact, created_at, started_at,"     \
    " updated_at, monitoring_at, resolved_at, scheduled_start, scheduled_end," \
    " postmortem, postmortem_at, auto_start, auto_complete FROM incidents"

/* A post read fresh from a HEADS_SQL row into inc, in memory of its own. */
static int head_row(struct store *st, struct snapshot *s, sqlite3_stmt *stmt,
                    struct incident *inc)
{
    memset(inc, 0, sizeof(*inc));
    inc->mem = snapshot_post_mem_new();
    if (inc->mem == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    inc->id = sqlite3_column_int64(stmt, 0);
    inc->rev = sqlite3_column_int64(stmt, 1);
    int rc = PARSE_COL(model_parse_kind, stmt, 2, &inc->kind, "kind");
    if (rc == 0)
        rc = PARSE_COL(model_parse_status, stmt, 4, &inc->status, "status");
    if (rc == 0)
        rc = PARSE_COL(model_parse_impact, stmt, 5, &inc->impact, "impact");
    if (rc != 0)
        return rc;
    bool oom = false;
    inc->title = col_text(s, inc->mem, stmt, 3, &oom);
    inc->created_at = sqlite3_column_int64(stmt, 6);
    inc->started_at = sqlite3_column_int64(stmt, 7);
    inc->updated_at = sqlite3_column_int64(stmt, 8);
    inc->monitoring_at = sqlite3_column_int64(stmt, 9);
    inc->resolved_at = sqlite3_column_int64(stmt, 10);
    inc->scheduled_start = sqlite3_column_int64(stmt, 11);
    inc->scheduled_end = sqlite3_column_int64(stmt, 12);
    inc->postmortem = col_text(s, inc->mem, stmt, 13, &oom);
    inc->postmortem_at = sqlite3_column_int64(stmt, 14);
    inc->auto_start = sqlite3_column_int(stmt, 15) != 0;
    inc->auto_complete = sqlite3_column_int(stmt, 16) != 0;
    return oom ? store_fail(st, UV_ENOMEM, "out of memory") : 0;
}

/* Takes base's post into inc: its head copied, its memory shared. */
static int share(struct snapshot *s, struct incident *inc,
                 const struct incident *from, const struct id_index *map,
                 bool same_places)
{
    *inc = *from;
    snapshot_post_mem_ref(inc->mem);
    /* A list copied into from's snapshot dies with it: copy it again. */
    return same_places && !from->services_copied ? 0
                                                 : remap_services(s, inc, map);
}

/* The change counter, which every stamp comes from, and the database's
 * own random id (schema.c). */
static int read_counter(struct store *st, struct snapshot *s)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "SELECT n, store_id FROM change_counter", &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        s->change_seq = sqlite3_column_int64(stmt, 0);
        s->store_id = sqlite3_column_int64(stmt, 1);
    } else {
        rc = store_sql_fail(st, "reading the change counter");
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The heads of every post, newest id first: shared from base when the
 * change stamp says nothing changed, else read here into memory of their
 * own, and marked in fresh[] for their children to be read. Every post is
 * read to compare stamps. */
static int heads_scan(struct store *st, struct snapshot *s,
                      const struct snapshot *base, const struct id_index *map,
                      bool *fresh, size_t n, size_t *n_fresh)
{
    bool same_places = base != NULL && same_service_places(base, s);
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, HEADS_SQL " ORDER BY id DESC", &stmt);
    if (rc != 0)
        return rc;
    size_t i = 0, j = 0;
    int step = SQLITE_DONE;
    while (rc == 0 && i < n && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        int64_t rev = sqlite3_column_int64(stmt, 1);
        /* base is in the same order: a merge walk finds the post. */
        while (base != NULL && j < base->n_incidents &&
               base->incidents[j].id > id)
            j++;
        struct incident *inc = &s->incidents[i++]; /* released on failure */
        if (base != NULL && j < base->n_incidents &&
            base->incidents[j].id == id && base->incidents[j].rev == rev &&
            base->incidents[j].mem != NULL) {
            if (share(s, inc, &base->incidents[j], map, same_places) != 0)
                rc = store_fail(st, UV_ENOMEM, "out of memory");
            continue;
        }
        rc = head_row(st, s, stmt, inc);
        fresh[i - 1] = true;
        (*n_fresh)++;
    }
    s->n_incidents = i;
    if (rc == 0 && i < n && step != SQLITE_ROW)
        rc = store_sql_fail(st, "loading incidents");
    sqlite3_finalize(stmt);
    return rc;
}

/* The same from the changes alone: the posts whose stamp is above base's
 * counter (an index on rev finds them) merged into base's posts by id.
 * Posts are never deleted one by one, so n posts in the store and n after
 * the merge means the merge is the store; anything else is a rare case
 * (*redo: read every head with heads_scan). */
static int heads_delta(struct store *st, struct snapshot *s,
                       const struct snapshot *base, const struct id_index *map,
                       bool *fresh, size_t n, size_t *n_fresh, bool *redo)
{
    *redo = false;
    bool same_places = same_service_places(base, s);
    sqlite3_stmt *stmt;
    int rc =
        store_prepare(st, HEADS_SQL " WHERE rev > ?1 ORDER BY id DESC", &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, base->change_seq);
    size_t i = 0, j = 0;
    int step = sqlite3_step(stmt);
    while (rc == 0 && (step == SQLITE_ROW || j < base->n_incidents)) {
        if (i == n) { /* more posts than the store holds */
            *redo = true;
            break;
        }
        struct incident *inc = &s->incidents[i++]; /* released on failure */
        int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        if (j < base->n_incidents &&
            (step != SQLITE_ROW || base->incidents[j].id > id)) {
            if (share(s, inc, &base->incidents[j++], map, same_places) != 0)
                rc = store_fail(st, UV_ENOMEM, "out of memory");
            continue;
        }
        if (j < base->n_incidents && base->incidents[j].id == id)
            j++; /* changed: the row replaces it */
        rc = head_row(st, s, stmt, inc);
        fresh[i - 1] = true;
        (*n_fresh)++;
        step = sqlite3_step(stmt);
    }
    s->n_incidents = i;
    if (rc == 0 && !*redo && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading changed incidents");
    if (rc == 0 && i != n)
        *redo = true;
    sqlite3_finalize(stmt);
    return rc;
}

/* Drops what a heads pass took, for another pass. */
static void heads_release(struct snapshot *s, bool *fresh, size_t n,
                          size_t *n_fresh)
{
    for (size_t i = 0; i < s->n_incidents; i++)
        snapshot_post_mem_unref(s->incidents[i].mem);
    s->n_incidents = 0;
    memset(fresh, 0, (n + 1) * sizeof(*fresh));
    *n_fresh = 0;
}

static int load_heads(struct store *st, struct snapshot *s,
                      const struct snapshot *base, const struct id_index *map,
                      bool *fresh_out[], size_t *n_fresh)
{
    *n_fresh = 0;
    size_t n;
    int rc = count_rows(st, "SELECT count(*) FROM incidents", &n);
    if (rc != 0)
        return rc;
    s->incidents = snapshot_alloc(s, (n + 1) * sizeof(*s->incidents));
    bool *fresh = calloc(n + 1, sizeof(*fresh));
    if (s->incidents == NULL || fresh == NULL) {
        free(fresh);
        return store_fail(st, UV_ENOMEM, "out of memory");
    }
    *fresh_out = fresh;
    bool redo = true;
    if (base != NULL && base->change_seq > 0 &&
        base->change_seq <= s->change_seq) {
        rc = heads_delta(st, s, base, map, fresh, n, n_fresh, &redo);
        if (rc == 0 && redo)
            heads_release(s, fresh, n, n_fresh);
    }
    if (rc == 0 && redo)
        rc = heads_scan(st, s, base, map, fresh, n, n_fresh);
    return rc;
}

/* A growing array of child rows of one post, copied into the post's memory
 * once all of them are read (a post's children are one contiguous run in
 * either scan). */
struct rows {
    void *v;
    size_t n, cap, size;
    bool updates; /* struct update rows, else struct incident_service */
};

static void *rows_add(struct rows *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        void *p = realloc(r->v, cap * r->size);
        if (p == NULL)
            return NULL;
        r->v = p;
        r->cap = cap;
    }
    void *row = (char *)r->v + r->n * r->size;
    memset(row, 0, r->size);
    r->n++;
    return row;
}

/* Moves the rows into inc's memory as its affected services or its
 * updates (r->updates says which); none for a NULL inc. */
static int rows_flush(struct rows *r, struct incident *inc)
{
    size_t n = r->n;
    r->n = 0;
    if (inc == NULL || n == 0)
        return 0;
    void *p = snapshot_post_alloc(inc->mem, n * r->size);
    if (p == NULL)
        return UV_ENOMEM;
    memcpy(p, r->v, n * r->size);
    if (r->updates) {
        inc->updates = p;
        inc->n_updates = n;
    } else {
        inc->services = p;
        inc->n_services = n;
    }
    return 0;
}

/* One row of incident_services (incident_id, service_id, window_start,
 * window_end) into r. */
static int service_row(struct snapshot *s, sqlite3_stmt *stmt,
                       const struct id_index *map, struct rows *r)
{
    size_t index;
    int64_t service_id = sqlite3_column_int64(stmt, 1);
    if (!find_service(map, s->n_services, service_id, &index))
        return 0; /* foreign keys forbid it; skip rather than crash */
    struct incident_service *is = rows_add(r);
    if (is == NULL)
        return UV_ENOMEM;
    is->service = index;
    is->service_id = service_id;
    is->window_start = sqlite3_column_int64(stmt, 2);
    is->window_end = sqlite3_column_int64(stmt, 3);
    return 0;
}

/* One row of the updates query (see UPDATES_SQL) into r, its strings in
 * inc's memory. */
static int update_row(struct store *st, struct incident *inc,
                      sqlite3_stmt *stmt, struct rows *r)
{
    struct update *u = rows_add(r);
    if (u == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    int rc = PARSE_COL(model_parse_status, stmt, 3, &u->status, "status");
    if (rc != 0)
        return rc;
    bool oom = false;
    u->id = sqlite3_column_int64(stmt, 1);
    u->created_at = sqlite3_column_int64(stmt, 2);
    u->body = col_text(NULL, inc->mem, stmt, 4, &oom);
    u->author = col_text(NULL, inc->mem, stmt, 5, &oom);
    u->via = col_text(NULL, inc->mem, stmt, 6, &oom);
    u->n_revisions = (size_t)sqlite3_column_int64(stmt, 7);
    u->edited_at = sqlite3_column_int64(stmt, 8);
    return oom ? store_fail(st, UV_ENOMEM, "out of memory") : 0;
}

#define SERVICES_SQL                                                           \
    "SELECT incident_id, service_id, window_start, window_end"                 \
    " FROM incident_services"
#define UPDATES_SQL                                                            \
    "SELECT incident_id, id, created_at, status, body, author, via,"           \
    " (SELECT count(*) FROM update_revisions r"                                \
    "  WHERE r.update_id = updates.id),"                                       \
    " (SELECT coalesce(max(edited_at), 0) FROM update_revisions r"             \
    "  WHERE r.update_id = updates.id)"                                        \
    " FROM updates"

/* The updates without their edits, which revisions_scan() adds. */
#define UPDATES_PLAIN_SQL                                                      \
    "SELECT incident_id, id, created_at, status, body, author, via, 0, 0"      \
    " FROM updates"

/* After the updates of many posts: each edited update's count of edits and
 * the time of the last, for the fresh posts. */
static int revisions_scan(struct store *st, struct snapshot *s,
                          const bool *fresh)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "SELECT u.incident_id, r.update_id, count(*),"
                           " max(r.edited_at) FROM update_revisions r"
                           " JOIN updates u ON u.id = r.update_id"
                           " GROUP BY r.update_id",
                           &stmt);
    if (rc != 0)
        return rc;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const struct incident *found =
            snapshot_incident(s, sqlite3_column_int64(stmt, 0));
        if (found == NULL || !fresh[found - s->incidents])
            continue;
        struct incident *inc = &s->incidents[found - s->incidents];
        int64_t uid = sqlite3_column_int64(stmt, 1);
        for (size_t k = 0; k < inc->n_updates; k++)
            if (inc->updates[k].id == uid) {
                inc->updates[k].n_revisions =
                    (size_t)sqlite3_column_int64(stmt, 2);
                inc->updates[k].edited_at = sqlite3_column_int64(stmt, 3);
            }
    }
    if (step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading update revisions");
    sqlite3_finalize(stmt);
    return rc;
}

/* The children of one post, by index: the few-changes path. */
static int load_children_of(struct store *st, struct snapshot *s,
                            struct incident *inc, const struct id_index *map,
                            sqlite3_stmt *svc_stmt, sqlite3_stmt *upd_stmt,
                            struct rows *svc, struct rows *upd)
{
    int rc = 0, step = SQLITE_DONE;
    sqlite3_reset(svc_stmt);
    sqlite3_bind_int64(svc_stmt, 1, inc->id);
    while (rc == 0 && (step = sqlite3_step(svc_stmt)) == SQLITE_ROW)
        if (service_row(s, svc_stmt, map, svc) != 0)
            rc = store_fail(st, UV_ENOMEM, "out of memory");
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading affected services");
    if (rc == 0 && rows_flush(svc, inc) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    if (rc != 0)
        return rc;
    sqlite3_reset(upd_stmt);
    sqlite3_bind_int64(upd_stmt, 1, inc->id);
    while (rc == 0 && (step = sqlite3_step(upd_stmt)) == SQLITE_ROW)
        rc = update_row(st, inc, upd_stmt, upd);
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading updates");
    if (rc == 0 && rows_flush(upd, inc) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    return rc;
}

static int load_children_each(struct store *st, struct snapshot *s,
                              const bool *fresh, const struct id_index *map,
                              struct rows *svc, struct rows *upd)
{
    sqlite3_stmt *svc_stmt = NULL, *upd_stmt = NULL;
    int rc = store_prepare(
        st, SERVICES_SQL " WHERE incident_id = ?1 ORDER BY rowid", &svc_stmt);
    if (rc == 0)
        rc = store_prepare(st,
                           UPDATES_SQL " WHERE incident_id = ?1"
                                       " ORDER BY created_at DESC, id DESC",
                           &upd_stmt);
    for (size_t i = 0; rc == 0 && i < s->n_incidents; i++)
        if (fresh[i])
            rc = load_children_of(st, s, &s->incidents[i], map, svc_stmt,
                                  upd_stmt, svc, upd);
    sqlite3_finalize(svc_stmt);
    sqlite3_finalize(upd_stmt);
    return rc;
}

/* The post of id among s->incidents at or after *k, if it is fresh. Rows
 * come by incident id descending, the order of s->incidents. */
static struct incident *fresh_post(struct snapshot *s, const bool *fresh,
                                   size_t *k, int64_t id)
{
    while (*k < s->n_incidents && s->incidents[*k].id > id)
        (*k)++;
    if (*k < s->n_incidents && s->incidents[*k].id == id && fresh[*k])
        return &s->incidents[*k];
    return NULL;
}

/* The children of many posts: one ordered scan per table. */
static int load_children_scan(struct store *st, struct snapshot *s,
                              const bool *fresh, const struct id_index *map,
                              struct rows *svc, struct rows *upd)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, SERVICES_SQL " ORDER BY incident_id DESC, rowid",
                           &stmt);
    if (rc != 0)
        return rc;
    struct incident *cur = NULL;
    int64_t cur_id = INT64_MIN;
    size_t k = 0;
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        if (id != cur_id) {
            if (rows_flush(svc, cur) != 0)
                rc = UV_ENOMEM;
            cur = fresh_post(s, fresh, &k, id);
            cur_id = id;
        }
        if (rc == 0 && cur != NULL && service_row(s, stmt, map, svc) != 0)
            rc = UV_ENOMEM;
    }
    if (rc == 0 && rows_flush(svc, cur) != 0)
        rc = UV_ENOMEM;
    if (rc == UV_ENOMEM)
        rc = store_fail(st, rc, "out of memory");
    else if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading affected services");
    sqlite3_finalize(stmt);
    if (rc != 0)
        return rc;

    /* The edits are counted apart (revisions_scan): two lookups an update
     * would cost more than all of a long history's few edits. */
    rc = store_prepare(st,
                       UPDATES_PLAIN_SQL " ORDER BY incident_id DESC,"
                                         " created_at DESC, id DESC",
                       &stmt);
    if (rc != 0)
        return rc;
    cur = NULL;
    cur_id = INT64_MIN;
    k = 0;
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        if (id != cur_id) {
            if (rows_flush(upd, cur) != 0)
                rc = store_fail(st, UV_ENOMEM, "out of memory");
            cur = fresh_post(s, fresh, &k, id);
            cur_id = id;
        }
        if (rc == 0 && cur != NULL)
            rc = update_row(st, cur, stmt, upd);
    }
    if (rc == 0 && rows_flush(upd, cur) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    else if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "loading updates");
    sqlite3_finalize(stmt);
    return rc == 0 ? revisions_scan(st, s, fresh) : rc;
}

/* Snapshots loaded without a base start a new epoch: their posts are never
 * taken for a base's, nor their cached pages for another store's. */
static _Atomic uint64_t epochs;

int store_load_from(struct store *st, int64_t now, const struct snapshot *base,
                    struct snapshot **out)
{
    *out = NULL;
    struct snapshot *s = snapshot_new();
    if (s == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    s->generated_at = now;
    s->epoch = base != NULL ? base->epoch : atomic_fetch_add(&epochs, 1) + 1;
    s->prev = base;

    struct id_index *map = NULL;
    bool *fresh = NULL;
    size_t n_fresh = 0;
    struct rows svc = {NULL, 0, 0, sizeof(struct incident_service), false};
    struct rows upd = {NULL, 0, 0, sizeof(struct update), true};
    /* One read transaction: in WAL mode every query below sees the same
     * committed state, so an incident never refers to a service that a
     * concurrent writer added after the services were read. */
    int rc = store_begin(st, false);
    if (rc == 0)
        rc = read_counter(st, s);
    if (rc != 0)
        goto out;
    if (base != NULL && base->store_id != s->store_id) {
        /* Another database at the same path and inode (copied over the
         * file in place): none of base's posts are its posts. */
        base = NULL;
        s->prev = NULL;
        s->epoch = atomic_fetch_add(&epochs, 1) + 1;
    }
    rc = load_services(st, s, &map);
    if (rc == 0)
        rc = load_heads(st, s, base, map, &fresh, &n_fresh);
    if (rc == 0 && n_fresh > 0) {
        if (n_fresh * LOAD_FEW_DIVISOR < s->n_incidents)
            rc = load_children_each(st, s, fresh, map, &svc, &upd);
        else
            rc = load_children_scan(st, s, fresh, map, &svc, &upd);
    }
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
    free(fresh);
    free(svc.v);
    free(upd.v);
    *out = s;
    return 0;
out:
    store_rollback(st);
    free(map);
    free(fresh);
    free(svc.v);
    free(upd.v);
    snapshot_unref(s);
    return rc;
}

int store_load(struct store *st, int64_t now, struct snapshot **out)
{
    return store_load_from(st, now, NULL, out);
}
