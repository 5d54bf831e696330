/* export: the whole store as one JSON document, and back.
 *
 * FORMAT (version 1). One object holding every row of every table. Times
 * are integer Unix seconds, UTC (0 = not set); text is UTF-8; optional
 * text that is absent is null. Every object has exactly the keys shown, in
 * this order; arrays are ordered by id, except an incident's "services",
 * which keep the order the services were given in (the table's rowid);
 * the layout is fixed (two-space indents, one service, token or update
 * per line, an incident's header, times, postmortem and services on a
 * line each; tests/unit/test_export.c pins it byte for byte) and strings
 * escape only '"', '\\', control characters and DEL. So export -> import
 * into an empty database -> export gives the same bytes. The one
 * exception to "exactly the keys shown": "auto_start" and "auto_complete"
 * (schema 7: maintenance that the server starts or completes on its
 * window) are written, on the times line, only when true, so a store that
 * has none exports what it did before; import takes them as booleans,
 * absent being false, on maintenance only.
 *
 *   {
 *     "format": "outpost-export",
 *     "version": 1,
 *     "services": [
 *       {"id": 1, "slug": "dsl", "name": "DSL", "group": "Access" | null,
 *        "description": "..." | null, "position": 1,
 *        "manual_status": "partial_outage" | null,
 *        "created_at": 1795000000, "updated_at": 1795000000}, ...],
 *     "incidents": [
 *       {"id": 7, "kind": "incident" | "maintenance" | "notice",
 *        "title": "...", "status": "identified", "impact": "major",
 *        "created_at", "started_at", "updated_at", "monitoring_at",
 *        "resolved_at", "scheduled_start", "scheduled_end": integers,
 *        ["auto_start": true,] ["auto_complete": true,]
 *        "postmortem": "..." | null, "postmortem_at": 0,
 *        "postmortem_via": "cli" | null,
 *        "services": [{"service_id": 1, "window_start": 0,
 *                      "window_end": 0}, ...],
 *        "updates": [{"id": 12, "created_at": ..., "status": "...",
 *                     "body": "...", "author": "..." | null, "via": "cli",
 *                     "revisions": [{"id": 1, "edited_at": ...,
 *                                    "old_body": "...", "via": "cli"}]},
 *                    ...]}, ...],
 *     "tokens": [{"id": 1, "name": "noc-bot", "hash": "<64 lower-case hex
 *                 digits: the token's BLAKE2b-256>", "created_at": ...,
 *                 "revoked_at": 0, "last_used_at": 0}, ...]
 *   }
 *
 * "updates" are oldest first (by id) and "revisions" oldest first: each
 * old_body is the text an edit at edited_at replaced. API tokens travel as
 * their hashes (never as tokens), so a restored server keeps accepting its
 * clients' tokens.
 *
 * IMPORT checks the whole document before it writes the first row, then
 * writes everything, ids included, in one transaction, into a store that
 * must be empty (no services, incidents or tokens). It refuses unknown or
 * missing keys; wrong types; ids below 1 and duplicate ids or slugs or
 * token names; references to services that are not in the document;
 * unknown kinds, statuses and impacts; negative times; text the CLI would
 * refuse or would have normalised (store_check_line/body); and every
 * incident the writers could not have stored: each is judged by the same
 * rules, with the same messages, as the row store_post_open() and the
 * other writers are about to write (store_rules_post(), rules.c), and each
 * affected service's window and each update's status likewise. The
 * one-line message starts with the JSON path of the fault:
 *   incidents[3].updates[0].status: unknown status 'fixed'
 *   incidents[1].scheduled_end: end is before start
 * What it does not second-guess: the times' order and the history of
 * statuses, which an operator may have back-dated.
 *
 * MERGE (store_import_merge) runs the same checks, then adds the
 * document's posts to a store that has posts of its own: new ids for
 * posts, updates and revisions, services matched by slug (the missing
 * ones added), tokens left out. The pages file each post by its own
 * times (store/query.c), so an old page's history lands in its months
 * and in time order among the store's posts, whatever its new id.
 *
 * The document is read with jsonr, at most STORE_IMPORT_MAX (64 MiB);
 * every other parser limit holds (texts are far below them).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <sodium.h>

#include "common/jsonr.h"
#include "common/jsonw.h"
#include "store_int.h"

/* ---- export ------------------------------------------------------------ */

/* Text columns go out through the shared escaper (jsonw_put_str, NULL as
 * null). What it writes differently from a minimal escaper (\r, DEL,
 * invalid UTF-8) cannot be in a store: writes and imports refuse those
 * bytes. */

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static int export_services(struct store *st, struct buf *b)
{
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT id, slug, name, grp, description, position,"
                           " manual_status, created_at, updated_at"
                           " FROM services ORDER BY id",
                           &q);
    if (rc != 0)
        return rc;
    buf_puts(b, "  \"services\": [");
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        buf_puts(b, n++ ? ",\n    {" : "\n    {");
        buf_printf(b, "\"id\": %" PRId64 ", \"slug\": ",
                   (int64_t)sqlite3_column_int64(q, 0));
        jsonw_put_str(b, col(q, 1));
        buf_puts(b, ", \"name\": ");
        jsonw_put_str(b, col(q, 2));
        buf_puts(b, ", \"group\": ");
        jsonw_put_str(b, col(q, 3));
        buf_puts(b, ", \"description\": ");
        jsonw_put_str(b, col(q, 4));
        buf_printf(b, ", \"position\": %" PRId64 ", \"manual_status\": ",
                   (int64_t)sqlite3_column_int64(q, 5));
        jsonw_put_str(b, col(q, 6));
        buf_printf(
            b, ", \"created_at\": %" PRId64 ", \"updated_at\": %" PRId64 "}",
            (int64_t)sqlite3_column_int64(q, 7),
            (int64_t)sqlite3_column_int64(q, 8));
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return store_sql_fail(st, "exporting services");
    buf_puts(b, n ? "\n  ],\n" : "],\n");
    return 0;
}

static int export_revisions(struct store *st, int64_t update_id, struct buf *b)
{
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT id, edited_at, old_body, via"
                           " FROM update_revisions WHERE update_id = ?"
                           " ORDER BY id",
                           &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, update_id);
    buf_puts(b, ", \"revisions\": [");
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        buf_printf(b,
                   "%s{\"id\": %" PRId64 ", \"edited_at\": %" PRId64
                   ", \"old_body\": ",
                   n++ ? ", " : "", (int64_t)sqlite3_column_int64(q, 0),
                   (int64_t)sqlite3_column_int64(q, 1));
        jsonw_put_str(b, col(q, 2));
        buf_puts(b, ", \"via\": ");
        jsonw_put_str(b, col(q, 3));
        buf_putc(b, '}');
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return store_sql_fail(st, "exporting revisions");
    buf_putc(b, ']');
    return 0;
}

static int export_children(struct store *st, int64_t id, struct buf *b)
{
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT service_id, window_start, window_end"
                           " FROM incident_services WHERE incident_id = ?"
                           " ORDER BY rowid",
                           &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    buf_puts(b, ",\n     \"services\": [");
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        buf_printf(b,
                   "%s{\"service_id\": %" PRId64 ", \"window_start\": %" PRId64
                   ", \"window_end\": %" PRId64 "}",
                   n++ ? ", " : "", (int64_t)sqlite3_column_int64(q, 0),
                   (int64_t)sqlite3_column_int64(q, 1),
                   (int64_t)sqlite3_column_int64(q, 2));
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return store_sql_fail(st, "exporting affected services");
    buf_puts(b, "],\n     \"updates\": [");

    rc = store_prepare(st,
                       "SELECT id, created_at, status, body, author, via"
                       " FROM updates WHERE incident_id = ? ORDER BY id",
                       &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    n = 0;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t uid = sqlite3_column_int64(q, 0);
        buf_printf(b,
                   "%s\n       {\"id\": %" PRId64 ", \"created_at\": %" PRId64
                   ", \"status\": ",
                   n++ ? "," : "", uid, (int64_t)sqlite3_column_int64(q, 1));
        jsonw_put_str(b, col(q, 2));
        buf_puts(b, ", \"body\": ");
        jsonw_put_str(b, col(q, 3));
        buf_puts(b, ", \"author\": ");
        jsonw_put_str(b, col(q, 4));
        buf_puts(b, ", \"via\": ");
        jsonw_put_str(b, col(q, 5));
        rc = export_revisions(st, uid, b);
        buf_putc(b, '}');
    }
    sqlite3_finalize(q);
    if (rc == 0 && step != SQLITE_DONE)
        return store_sql_fail(st, "exporting updates");
    buf_puts(b, n ? "\n     ]}" : "]}");
    return rc;
}

static int export_incidents(struct store *st, struct buf *b)
{
    sqlite3_stmt *q;
    int rc = store_prepare(
        st,
        "SELECT id, kind, title, status, impact, created_at, started_at,"
        " updated_at, monitoring_at, resolved_at, scheduled_start,"
        " scheduled_end, postmortem, postmortem_at, postmortem_via,"
        " auto_start, auto_complete FROM incidents ORDER BY id",
        &q);
    if (rc != 0)
        return rc;
    static const char *const times[] = {
        "created_at",  "started_at",      "updated_at",   "monitoring_at",
        "resolved_at", "scheduled_start", "scheduled_end"};
    buf_puts(b, "  \"incidents\": [");
    int n = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        buf_printf(b,
                   "%s\n    {\"id\": %" PRId64 ", \"kind\": ", n++ ? "," : "",
                   (int64_t)sqlite3_column_int64(q, 0));
        jsonw_put_str(b, col(q, 1));
        buf_puts(b, ", \"title\": ");
        jsonw_put_str(b, col(q, 2));
        buf_puts(b, ", \"status\": ");
        jsonw_put_str(b, col(q, 3));
        buf_puts(b, ", \"impact\": ");
        jsonw_put_str(b, col(q, 4));
        buf_puts(b, ",\n     ");
        for (int i = 0; i < 7; i++)
            buf_printf(b, "%s\"%s\": %" PRId64, i ? ", " : "", times[i],
                       (int64_t)sqlite3_column_int64(q, 5 + i));
        /* Only when set, so that a store without them exports the bytes
         * it did before schema 7. */
        if (sqlite3_column_int(q, 15) != 0)
            buf_puts(b, ", \"auto_start\": true");
        if (sqlite3_column_int(q, 16) != 0)
            buf_puts(b, ", \"auto_complete\": true");
        buf_puts(b, ",\n     \"postmortem\": ");
        jsonw_put_str(b, col(q, 12));
        buf_printf(b, ", \"postmortem_at\": %" PRId64 ", \"postmortem_via\": ",
                   (int64_t)sqlite3_column_int64(q, 13));
        jsonw_put_str(b, col(q, 14));
        rc = export_children(st, sqlite3_column_int64(q, 0), b);
    }
    sqlite3_finalize(q);
    if (rc == 0 && step != SQLITE_DONE)
        return store_sql_fail(st, "exporting incidents");
    buf_puts(b, n ? "\n  ],\n" : "],\n");
    return rc;
}

static int export_tokens(struct store *st, struct buf *b)
{
    sqlite3_stmt *q;
    int rc = store_prepare(st,
                           "SELECT id, name, hash, created_at, revoked_at,"
                           " last_used_at FROM api_tokens ORDER BY id",
                           &q);
    if (rc != 0)
        return rc;
    buf_puts(b, "  \"tokens\": [");
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        char hex[2 * 32 + 1] = "";
        int len = sqlite3_column_bytes(q, 2);
        if (len == 32)
            sodium_bin2hex(hex, sizeof(hex), sqlite3_column_blob(q, 2), 32);
        buf_printf(b,
                   "%s\n    {\"id\": %" PRId64 ", \"name\": ", n++ ? "," : "",
                   (int64_t)sqlite3_column_int64(q, 0));
        jsonw_put_str(b, col(q, 1));
        buf_printf(b,
                   ", \"hash\": \"%s\", \"created_at\": %" PRId64
                   ", \"revoked_at\": %" PRId64 ", \"last_used_at\": %" PRId64
                   "}",
                   hex, (int64_t)sqlite3_column_int64(q, 3),
                   (int64_t)sqlite3_column_int64(q, 4),
                   (int64_t)sqlite3_column_int64(q, 5));
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return store_sql_fail(st, "exporting tokens");
    buf_puts(b, n ? "\n  ]\n" : "]\n");
    return 0;
}

int store_export(struct store *st, struct buf *out)
{
    /* One read transaction: the document is one consistent moment. */
    int rc = store_begin(st, false);
    if (rc != 0)
        return rc;
    buf_puts(out, "{\n  \"format\": \"outpost-export\",\n  \"version\": 1,\n");
    rc = export_services(st, out);
    if (rc == 0)
        rc = export_incidents(st, out);
    if (rc == 0)
        rc = export_tokens(st, out);
    buf_puts(out, "}\n");
    store_rollback(st); /* read only: nothing to commit */
    if (rc == 0 && buf_failed(out))
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    return rc;
}

/* ---- import ------------------------------------------------------------ */

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PATH_LEN 96

/* The keys of each object, in the order export writes them; import binds
 * the first columns of each INSERT from the same lists. */
static const char *const top_keys[] = {"format", "version", "services",
                                       "incidents", "tokens"};
static const char *const service_keys[] = {
    "id",       "slug",          "name",       "group",     "description",
    "position", "manual_status", "created_at", "updated_at"};
static const char *const incident_keys[] = {"id",
                                            "kind",
                                            "title",
                                            "status",
                                            "impact",
                                            "created_at",
                                            "started_at",
                                            "updated_at",
                                            "monitoring_at",
                                            "resolved_at",
                                            "scheduled_start",
                                            "scheduled_end",
                                            "auto_start",
                                            "auto_complete",
                                            "postmortem",
                                            "postmortem_at",
                                            "postmortem_via",
                                            "services",
                                            "updates"};
#define INCIDENT_COLUMNS 17 /* the incident_keys before "services" */
static const char *const link_keys[] = {"service_id", "window_start",
                                        "window_end"};
static const char *const update_keys[] = {
    "id", "created_at", "status", "body", "author", "via", "revisions"};
#define UPDATE_COLUMNS 6 /* the update_keys before "revisions" */
static const char *const revision_keys[] = {"id", "edited_at", "old_body",
                                            "via"};
static const char *const token_keys[] = {
    "id", "name", "hash", "created_at", "revoked_at", "last_used_at"};

/* Everything that must be unique, or must exist, across the document is
 * collected as entries during the check and compared after sorting, so a
 * large document costs n log n, not n^2. An entry is 32 bytes: it keeps
 * the list indices of its object rather than its JSON path, which is
 * rebuilt (entry_path()) only for an error message. With the array's
 * doubling, that is at most 96 bytes per entry, and each entry stands for
 * an object of at least three members with names of at least two letters
 * (a service link: "service_id", "window_start", "window_end"), for which
 * the parse tree takes far less than the 8 bytes per input byte that
 * jsonr's bound allows: the parse and the check together stay within
 * that bound. */
enum entry_kind {
    E_SERVICE_ID,
    E_SERVICE_SLUG,
    E_INCIDENT_ID,
    E_UPDATE_ID,
    E_REVISION_ID,
    E_TOKEN_ID,
    E_TOKEN_NAME,
    E_LINK, /* (incident's index, service id): once per incident */
};

struct entry {
    int64_t v;        /* the id (E_LINK: the service id) */
    const char *name; /* slugs and token names; NULL otherwise */
    uint32_t at[3];   /* indices in the lists, outermost first, which
                         give the path and the document order */
    uint32_t kind;    /* enum entry_kind */
};

struct import {
    struct store *st;
    struct entry *e;
    size_t n, cap;
    uint32_t at[3]; /* the indices of the object being checked */
};

static int bad(struct import *im, const char *path, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fails with "path.key: why" (path or key may be empty). */
static int bad(struct import *im, const char *path, const char *key,
               const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    const char *dot = path[0] != '\0' && key[0] != '\0' ? "." : "";
    return store_fail(im->st, UV_EINVAL, "%s%s%s: %s", path, dot, key, why);
}

static int add_entry(struct import *im, enum entry_kind kind, int64_t v,
                     const char *name)
{
    if (im->n == im->cap) {
        size_t cap = im->cap ? 2 * im->cap : 256;
        struct entry *e = realloc(im->e, cap * sizeof(*e));
        if (e == NULL)
            return store_fail(im->st, UV_ENOMEM, "out of memory");
        im->e = e;
        im->cap = cap;
    }
    im->e[im->n++] = (struct entry){
        v, name, {im->at[0], im->at[1], im->at[2]}, (uint32_t)kind};
    return 0;
}

/* The JSON path of the member an entry stands for, as check_*() name it. */
static const char *entry_path(const struct entry *e, char *buf, size_t size)
{
    const uint32_t *at = e->at;
    switch ((enum entry_kind)e->kind) {
    case E_SERVICE_ID:
    case E_SERVICE_SLUG:
        snprintf(buf, size, "services[%" PRIu32 "].%s", at[0],
                 e->kind == E_SERVICE_ID ? "id" : "slug");
        break;
    case E_INCIDENT_ID:
        snprintf(buf, size, "incidents[%" PRIu32 "].id", at[0]);
        break;
    case E_UPDATE_ID:
        snprintf(buf, size, "incidents[%" PRIu32 "].updates[%" PRIu32 "].id",
                 at[0], at[1]);
        break;
    case E_REVISION_ID:
        snprintf(buf, size,
                 "incidents[%" PRIu32 "].updates[%" PRIu32
                 "].revisions[%" PRIu32 "].id",
                 at[0], at[1], at[2]);
        break;
    case E_LINK:
        snprintf(buf, size,
                 "incidents[%" PRIu32 "].services[%" PRIu32 "].service_id",
                 at[0], at[1]);
        break;
    case E_TOKEN_ID:
    case E_TOKEN_NAME:
        snprintf(buf, size, "tokens[%" PRIu32 "].%s", at[0],
                 e->kind == E_TOKEN_ID ? "id" : "name");
        break;
    }
    return buf;
}

static int cmp_u32(uint32_t x, uint32_t y)
{
    return x < y ? -1 : x > y;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *x = pa, *y = pb;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->kind == E_LINK && x->at[0] != y->at[0])
        return cmp_u32(x->at[0], y->at[0]);
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    if (x->name != NULL && y->name != NULL) {
        int c = strcmp(x->name, y->name);
        if (c != 0)
            return c;
    }
    /* Document order last, so the later of two equal ones is named. */
    for (int i = 0; i < 3; i++)
        if (x->at[i] != y->at[i])
            return cmp_u32(x->at[i], y->at[i]);
    return 0;
}

/* The members export writes only when they are true: schema 7's flags of
 * maintenance that runs itself. Absent, they are false. */
static bool optional_key(const char *name)
{
    return strcmp(name, "auto_start") == 0 ||
           strcmp(name, "auto_complete") == 0;
}

/* obj must be an object holding exactly the given keys (the optional ones
 * may be left out). */
static int keys(struct import *im, const char *path,
                const struct jsonr_value *obj, const char *const *names,
                size_t n)
{
    if (jsonr_type(obj) != JSONR_OBJECT)
        return bad(im, path[0] ? path : "document", "",
                   "expected an object, not %s",
                   jsonr_type_name(jsonr_type(obj)));
    for (const struct jsonr_value *m = jsonr_first(obj); m != NULL;
         m = jsonr_next(m)) {
        size_t i = 0, len;
        const char *key = jsonr_name(m, &len);
        while (i < n &&
               !(strlen(names[i]) == len && memcmp(names[i], key, len) == 0))
            i++;
        if (i == n)
            return bad(im, path[0] ? path : "document", "",
                       "unknown key '%.40s'", key);
    }
    for (size_t i = 0; i < n; i++)
        if (jsonr_get(obj, names[i]) == NULL && !optional_key(names[i]))
            return bad(im, path[0] ? path : "document", "", "missing key '%s'",
                       names[i]);
    return 0;
}

static int get_int(struct import *im, const char *path,
                   const struct jsonr_value *obj, const char *key, int64_t min,
                   int64_t max, int64_t *out)
{
    const struct jsonr_value *v = jsonr_get(obj, key);
    if (jsonr_as_int64(v, out) != 0)
        return bad(im, path, key, "expected an integer, not %s",
                   jsonr_type(v) == JSONR_NUMBER
                       ? "a fraction, an exponent or a number beyond 64 bits"
                       : jsonr_type_name(jsonr_type(v)));
    if (*out < min)
        return bad(im, path, key, "must be at least %" PRId64, min);
    if (*out > max)
        return bad(im, path, key, "must be at most %" PRId64, max);
    return 0;
}

/* A string, or NULL for null when nullable. NUL bytes are refused: no
 * stored text contains one. */
static int get_str(struct import *im, const char *path,
                   const struct jsonr_value *obj, const char *key,
                   bool nullable, const char **out)
{
    const struct jsonr_value *v = jsonr_get(obj, key);
    size_t len;
    *out = NULL;
    if (nullable && jsonr_type(v) == JSONR_NULL)
        return 0;
    if ((*out = jsonr_as_string(v, &len)) == NULL)
        return bad(im, path, key, "expected a string%s, not %s",
                   nullable ? " or null" : "", jsonr_type_name(jsonr_type(v)));
    if (strlen(*out) != len)
        return bad(im, path, key, "contains a NUL character");
    return 0;
}

/* Prefixes the path to the message a store_check_*() or store_rules_*()
 * function left in st->err: the rules are the writers', the path is the
 * document's. */
static int with_path(struct import *im, const char *path, const char *key,
                     int rc)
{
    if (rc == 0)
        return 0;
    char why[STORE_ERRLEN];
    snprintf(why, sizeof(why), "%s", store_errmsg(im->st));
    return rc == UV_EINVAL ? bad(im, path, key, "%s", why) : rc;
}

/* A one-line text field under the CLI's rules (names, titles, authors). */
static int get_line(struct import *im, const char *path,
                    const struct jsonr_value *obj, const char *key,
                    bool nullable, const char **out)
{
    int rc = get_str(im, path, obj, key, nullable, out);
    if (rc == 0 && *out != NULL)
        rc =
            with_path(im, path, key, store_check_line(im->st, key, *out, true));
    return rc;
}

/* A multi-line text under the CLI's rules (bodies, postmortems); required:
 * not empty. */
static int get_body(struct import *im, const char *path,
                    const struct jsonr_value *obj, const char *key,
                    bool nullable, bool required, const char **out)
{
    int rc = get_str(im, path, obj, key, nullable, out);
    if (rc == 0 && *out != NULL)
        rc = with_path(im, path, key,
                       store_check_body(im->st, key, *out, required));
    return rc;
}

static const struct jsonr_value *get_array(struct import *im, const char *path,
                                           const struct jsonr_value *obj,
                                           const char *key)
{
    const struct jsonr_value *v = jsonr_get(obj, key);
    if (jsonr_type(v) != JSONR_ARRAY) {
        bad(im, path, key, "expected an array, not %s",
            jsonr_type_name(jsonr_type(v)));
        return NULL;
    }
    return v;
}

/* An incident status that exists; *out is left to the rules. */
static int get_status(struct import *im, const char *path,
                      const struct jsonr_value *obj, enum incident_status *out)
{
    const char *s;
    int rc = get_str(im, path, obj, "status", false, &s);
    if (rc == 0 && model_parse_status(s, out) != 0)
        rc = bad(im, path, "status", "unknown status '%.40s'", s);
    return rc;
}

/* An optional flag: true, false or absent (false). */
static int get_flag(struct import *im, const char *path,
                    const struct jsonr_value *obj, const char *key, bool *out)
{
    const struct jsonr_value *v = jsonr_get(obj, key);
    enum jsonr_type t = jsonr_type(v);
    *out = t == JSONR_TRUE;
    if (v != NULL && t != JSONR_TRUE && t != JSONR_FALSE)
        return bad(im, path, key, "expected true or false, not %s",
                   jsonr_type_name(t));
    return 0;
}

#define TIME_MAX INT64_MAX

static int check_service(struct import *im, const char *path,
                         const struct jsonr_value *o)
{
    int64_t id, n;
    const char *slug, *s;
    enum service_status ss;
    int rc = keys(im, path, o, service_keys, N(service_keys));
    if (rc == 0)
        rc = get_int(im, path, o, "id", 1, INT64_MAX, &id);
    if (rc == 0)
        rc = get_str(im, path, o, "slug", false, &slug);
    if (rc == 0 && !store_check_slug(slug))
        rc = bad(im, path, "slug", "'%.40s' is not a valid slug", slug);
    if (rc == 0)
        rc = get_line(im, path, o, "name", false, &s);
    if (rc == 0)
        rc = get_line(im, path, o, "group", true, &s);
    if (rc == 0)
        rc = get_str(im, path, o, "description", true, &s);
    if (rc == 0 && s != NULL)
        rc = with_path(im, path, "description",
                       store_check_description(im->st, s));
    if (rc == 0)
        rc = get_int(im, path, o, "position", INT32_MIN, INT32_MAX, &n);
    if (rc == 0)
        rc = get_str(im, path, o, "manual_status", true, &s);
    if (rc == 0 && s != NULL && model_parse_service_status(s, &ss) != 0)
        rc = bad(im, path, "manual_status", "unknown status '%.40s'", s);
    if (rc == 0)
        rc = get_int(im, path, o, "created_at", 0, TIME_MAX, &n);
    if (rc == 0)
        rc = get_int(im, path, o, "updated_at", 0, TIME_MAX, &n);
    if (rc == 0)
        rc = add_entry(im, E_SERVICE_ID, id, NULL);
    if (rc == 0)
        rc = add_entry(im, E_SERVICE_SLUG, 0, slug);
    return rc;
}

static int check_revision(struct import *im, const char *path,
                          const struct jsonr_value *r)
{
    int64_t id, t;
    const char *s;
    int rc = keys(im, path, r, revision_keys, N(revision_keys));
    if (rc == 0)
        rc = get_int(im, path, r, "id", 1, INT64_MAX, &id);
    if (rc == 0)
        rc = get_int(im, path, r, "edited_at", 0, TIME_MAX, &t);
    if (rc == 0)
        rc = get_body(im, path, r, "old_body", false, false, &s);
    if (rc == 0)
        rc = get_line(im, path, r, "via", false, &s);
    if (rc == 0)
        rc = add_entry(im, E_REVISION_ID, id, NULL);
    return rc;
}

static int check_update(struct import *im, const char *path,
                        const struct jsonr_value *u, enum incident_kind kind)
{
    int64_t id, t;
    const char *s;
    enum incident_status status;
    int rc = keys(im, path, u, update_keys, N(update_keys));
    if (rc == 0)
        rc = get_int(im, path, u, "id", 1, INT64_MAX, &id);
    if (rc == 0)
        rc = get_int(im, path, u, "created_at", 0, TIME_MAX, &t);
    if (rc == 0)
        rc = get_status(im, path, u, &status);
    if (rc == 0)
        rc = with_path(im, path, "status",
                       store_rules_status(im->st, kind, status));
    if (rc == 0)
        rc = get_body(im, path, u, "body", false, false, &s);
    if (rc == 0)
        rc = get_line(im, path, u, "author", true, &s);
    if (rc == 0)
        rc = get_line(im, path, u, "via", false, &s);
    if (rc == 0)
        rc = add_entry(im, E_UPDATE_ID, id, NULL);
    const struct jsonr_value *revs =
        rc == 0 ? get_array(im, path, u, "revisions") : NULL;
    if (rc == 0 && revs == NULL)
        rc = UV_EINVAL;
    size_t i = 0;
    for (const struct jsonr_value *r = jsonr_first(revs); rc == 0 && r != NULL;
         r = jsonr_next(r), i++) {
        char rp[PATH_LEN];
        snprintf(rp, sizeof(rp), "%s.revisions[%zu]", path, i);
        im->at[2] = (uint32_t)i;
        rc = check_revision(im, rp, r);
    }
    return rc;
}

/* One affected service: its own window under the writers' rules; the
 * reference is checked later, once every service id is known. */
static int check_link(struct import *im, const char *path,
                      const struct jsonr_value *l, const struct post_row *row)
{
    int64_t sid, ws, we;
    const char *field = "";
    int rc = keys(im, path, l, link_keys, N(link_keys));
    if (rc == 0)
        rc = get_int(im, path, l, "service_id", 1, INT64_MAX, &sid);
    if (rc == 0)
        rc = get_int(im, path, l, "window_start", 0, TIME_MAX, &ws);
    if (rc == 0)
        rc = get_int(im, path, l, "window_end", 0, TIME_MAX, &we);
    if (rc == 0) {
        rc = store_rules_window(im->st, row, NULL, sid, ws, we, &field);
        rc = with_path(im, path, field, rc);
    }
    if (rc == 0)
        rc = add_entry(im, E_LINK, sid, NULL);
    return rc;
}

/* The members of an incident that the rules judge, each of the right type
 * and kind of value, into row; "services" must be an array. */
static int get_row(struct import *im, const char *path,
                   const struct jsonr_value *o, struct post_row *row)
{
    const char *s, *pm, *pm_via;
    int64_t t;
    int rc = get_str(im, path, o, "kind", false, &s);
    if (rc == 0 && model_parse_kind(s, &row->kind) != 0)
        rc = bad(im, path, "kind", "unknown kind '%.40s'", s);
    if (rc == 0)
        rc = get_line(im, path, o, "title", false, &s);
    if (rc == 0)
        rc = get_status(im, path, o, &row->status);
    if (rc == 0)
        rc = get_str(im, path, o, "impact", false, &s);
    if (rc == 0 && model_parse_impact(s, &row->impact) != 0)
        rc = bad(im, path, "impact", "unknown impact '%.40s'", s);
    static const char *const times[] = {"created_at", "started_at",
                                        "updated_at"};
    for (size_t i = 0; rc == 0 && i < N(times); i++)
        rc = get_int(im, path, o, times[i], 0, TIME_MAX, &t);
    struct {
        const char *key;
        int64_t *to;
    } const row_times[] = {{"monitoring_at", &row->monitoring_at},
                           {"resolved_at", &row->resolved_at},
                           {"scheduled_start", &row->scheduled_start},
                           {"scheduled_end", &row->scheduled_end}};
    for (size_t i = 0; rc == 0 && i < N(row_times); i++)
        rc = get_int(im, path, o, row_times[i].key, 0, TIME_MAX,
                     row_times[i].to);
    if (rc == 0)
        rc = get_body(im, path, o, "postmortem", true, true, &pm);
    if (rc == 0)
        rc = get_int(im, path, o, "postmortem_at", 0, TIME_MAX,
                     &row->postmortem_at);
    if (rc == 0)
        rc = get_line(im, path, o, "postmortem_via", true, &pm_via);
    const struct jsonr_value *links =
        rc == 0 ? get_array(im, path, o, "services") : NULL;
    if (rc == 0 && links == NULL)
        rc = UV_EINVAL;
    if (rc == 0) {
        row->postmortem = pm != NULL;
        row->postmortem_via = pm_via != NULL;
        row->n_services = jsonr_len(links);
    }
    return rc;
}

/* An incident: its members, then the writers' rules on the whole post,
 * then each affected service and each update. */
static int check_incident(struct import *im, const char *path,
                          const struct jsonr_value *o)
{
    int64_t id;
    struct post_row row = {0};
    const char *field = "";
    bool auto_start = false, auto_complete = false;
    int rc = keys(im, path, o, incident_keys, N(incident_keys));
    if (rc == 0)
        rc = get_int(im, path, o, "id", 1, INT64_MAX, &id);
    if (rc == 0)
        rc = get_row(im, path, o, &row);
    if (rc == 0)
        rc = get_flag(im, path, o, "auto_start", &auto_start);
    if (rc == 0)
        rc = get_flag(im, path, o, "auto_complete", &auto_complete);
    if (rc == 0) {
        rc = store_rules_post(im->st, &row, &field);
        rc = with_path(im, path, field, rc);
    }
    /* The writers' rule (store_post_open()), and its message. */
    if (rc == 0 && (auto_start || auto_complete) &&
        row.kind != KIND_MAINTENANCE)
        rc = bad(im, path, auto_start ? "auto_start" : "auto_complete",
                 "only maintenance starts or completes itself");
    if (rc == 0)
        rc = add_entry(im, E_INCIDENT_ID, id, NULL);

    size_t i = 0;
    const struct jsonr_value *links = jsonr_get(o, "services");
    for (const struct jsonr_value *l = jsonr_first(links); rc == 0 && l != NULL;
         l = jsonr_next(l), i++) {
        char lp[PATH_LEN];
        snprintf(lp, sizeof(lp), "%s.services[%zu]", path, i);
        im->at[1] = (uint32_t)i;
        rc = check_link(im, lp, l, &row);
    }
    const struct jsonr_value *ups =
        rc == 0 ? get_array(im, path, o, "updates") : NULL;
    if (rc == 0 && ups == NULL)
        rc = UV_EINVAL;
    i = 0;
    for (const struct jsonr_value *u = jsonr_first(ups); rc == 0 && u != NULL;
         u = jsonr_next(u), i++) {
        char up[PATH_LEN];
        snprintf(up, sizeof(up), "%s.updates[%zu]", path, i);
        im->at[1] = (uint32_t)i;
        im->at[2] = 0;
        rc = check_update(im, up, u, row.kind);
    }
    return rc;
}

static int check_token(struct import *im, const char *path,
                       const struct jsonr_value *t)
{
    int64_t id, when;
    const char *name, *hash;
    unsigned char bin[STORE_TOKEN_HASH];
    size_t bin_len = 0;
    int rc = keys(im, path, t, token_keys, N(token_keys));
    if (rc == 0)
        rc = get_int(im, path, t, "id", 1, INT64_MAX, &id);
    if (rc == 0)
        rc = get_str(im, path, t, "name", false, &name);
    if (rc == 0 && !store_check_token_name(name))
        rc = bad(im, path, "name", "'%.40s' is not a token name", name);
    if (rc == 0)
        rc = get_str(im, path, t, "hash", false, &hash);
    if (rc == 0 && (strlen(hash) != 2 * STORE_TOKEN_HASH ||
                    strspn(hash, "0123456789abcdef") != strlen(hash) ||
                    sodium_hex2bin(bin, sizeof(bin), hash, strlen(hash), NULL,
                                   &bin_len, NULL) != 0 ||
                    bin_len != STORE_TOKEN_HASH))
        rc = bad(im, path, "hash", "expected 64 lower-case hex digits");
    if (rc == 0)
        rc = get_int(im, path, t, "created_at", 0, TIME_MAX, &when);
    if (rc == 0)
        rc = get_int(im, path, t, "revoked_at", 0, TIME_MAX, &when);
    if (rc == 0)
        rc = get_int(im, path, t, "last_used_at", 0, TIME_MAX, &when);
    if (rc == 0)
        rc = add_entry(im, E_TOKEN_ID, id, NULL);
    if (rc == 0)
        rc = add_entry(im, E_TOKEN_NAME, 0, name);
    return rc;
}

/* Checks a top-level array with one function per element. */
static int check_list(struct import *im, const struct jsonr_value *doc,
                      const char *key,
                      int (*check)(struct import *, const char *,
                                   const struct jsonr_value *))
{
    const struct jsonr_value *list = get_array(im, "", doc, key);
    if (list == NULL)
        return UV_EINVAL;
    size_t i = 0;
    int rc = 0;
    for (const struct jsonr_value *o = jsonr_first(list); rc == 0 && o != NULL;
         o = jsonr_next(o), i++) {
        char p[PATH_LEN];
        snprintf(p, sizeof(p), "%s[%zu]", key, i);
        im->at[0] = (uint32_t)i;
        im->at[1] = im->at[2] = 0;
        rc = check(im, p, o);
    }
    return rc;
}

/* After the per-object checks: ids and names unique, every affected
 * service exists and is listed once per incident. */
static int check_references(struct import *im)
{
    static const char *const what[] = {
        [E_SERVICE_ID] = "service id",   [E_SERVICE_SLUG] = "slug",
        [E_INCIDENT_ID] = "incident id", [E_UPDATE_ID] = "update id",
        [E_REVISION_ID] = "revision id", [E_TOKEN_ID] = "token id",
        [E_TOKEN_NAME] = "token name",   [E_LINK] = "service"};
    if (im->n == 0)
        return 0; /* qsort() must not see a NULL array */
    qsort(im->e, im->n, sizeof(*im->e), cmp_entry);
    size_t first_service = 0, n_services = 0;
    char path[PATH_LEN], orig[PATH_LEN];
    for (size_t i = 0; i < im->n; i++) {
        const struct entry *e = &im->e[i], *p = i > 0 ? e - 1 : NULL;
        if (e->kind == E_SERVICE_ID) {
            if (n_services++ == 0)
                first_service = i;
        }
        if (p == NULL || p->kind != e->kind || p->v != e->v ||
            (e->kind == E_LINK && p->at[0] != e->at[0]) ||
            (e->name != NULL && strcmp(p->name, e->name) != 0))
            continue;
        /* Sorted in document order among equals: e is the duplicate. */
        entry_path(e, path, sizeof(path));
        entry_path(p, orig, sizeof(orig));
        if (e->name != NULL)
            return store_fail(im->st, UV_EINVAL,
                              "%s: %s '%.40s' is already used at %s", path,
                              what[e->kind], e->name, orig);
        if (e->kind == E_LINK)
            return store_fail(im->st, UV_EINVAL,
                              "%s: service %" PRId64 " is listed twice", path,
                              e->v);
        return store_fail(im->st, UV_EINVAL,
                          "%s: %s %" PRId64 " is already used at %s", path,
                          what[e->kind], e->v, orig);
    }
    /* The services' ids are now sorted: look each reference up. */
    const struct entry *services = &im->e[first_service];
    for (size_t i = 0; i < im->n; i++) {
        const struct entry *e = &im->e[i];
        if (e->kind != E_LINK)
            continue;
        size_t lo = 0, hi = n_services;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (services[mid].v < e->v)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n_services || services[lo].v != e->v)
            return store_fail(im->st, UV_EINVAL,
                              "%s: no service has id %" PRId64,
                              entry_path(e, path, sizeof(path)), e->v);
    }
    return 0;
}

static int check_document(struct import *im, const struct jsonr_value *doc)
{
    const char *format;
    int64_t version;
    int rc = keys(im, "", doc, top_keys, N(top_keys));
    if (rc == 0)
        rc = get_str(im, "", doc, "format", false, &format);
    if (rc == 0 && strcmp(format, "outpost-export") != 0)
        rc = bad(im, "", "format", "'%.40s' is not an outpost export", format);
    if (rc == 0)
        rc = get_int(im, "", doc, "version", 0, INT64_MAX, &version);
    if (rc == 0 && version != 1)
        rc = bad(im, "", "version",
                 "this outpost reads version 1, not %" PRId64, version);
    if (rc == 0)
        rc = check_list(im, doc, "services", check_service);
    if (rc == 0)
        rc = check_list(im, doc, "incidents", check_incident);
    if (rc == 0)
        rc = check_list(im, doc, "tokens", check_token);
    if (rc == 0)
        rc = check_references(im);
    return rc;
}

/* Binds member `key` of obj to parameter i: integer, string, NULL, or a
 * flag as 0 or 1. The document outlives the statement, so the text need
 * not be copied. */
static void bind_member(sqlite3_stmt *q, int i, const struct jsonr_value *obj,
                        const char *key)
{
    const struct jsonr_value *v = jsonr_get(obj, key);
    int64_t n;
    size_t len;
    const char *text = jsonr_as_string(v, &len);
    enum jsonr_type t = jsonr_type(v);
    /* After the checks, only an optional flag can be absent: false. */
    if (v == NULL || t == JSONR_TRUE || t == JSONR_FALSE)
        sqlite3_bind_int(q, i, t == JSONR_TRUE);
    else if (jsonr_as_int64(v, &n) == 0)
        sqlite3_bind_int64(q, i, n);
    else if (text != NULL)
        sqlite3_bind_text(q, i, text, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* Runs q once with the given members bound to its first parameters and,
 * when parent is not 0, the parent's id after them; then resets it for
 * the next row (one prepared statement per table, not per row). */
static int insert_row(struct store *st, sqlite3_stmt *q,
                      const struct jsonr_value *obj, const char *const *members,
                      size_t n, int64_t parent)
{
    for (size_t i = 0; i < n; i++)
        bind_member(q, (int)i + 1, obj, members[i]);
    if (parent != 0)
        sqlite3_bind_int64(q, (int)n + 1, parent);
    int rc = 0;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = store_sql_fail(st, "importing");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

enum { Q_SERVICE, Q_INCIDENT, Q_LINK, Q_UPDATE, Q_REVISION, Q_TOKEN, Q_COUNT };

static const char *const insert_sql[Q_COUNT] = {
    [Q_SERVICE] = "INSERT INTO services (id, slug, name, grp, description,"
                  " position, manual_status, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [Q_INCIDENT] = "INSERT INTO incidents (id, kind, title, status, impact,"
                   " created_at, started_at, updated_at, monitoring_at,"
                   " resolved_at, scheduled_start, scheduled_end,"
                   " auto_start, auto_complete,"
                   " postmortem, postmortem_at, postmortem_via)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?)",
    /* Rows go in in document order, so their rowids keep the order in
     * which the affected services were given. */
    [Q_LINK] = "INSERT INTO incident_services (service_id, window_start,"
               " window_end, incident_id) VALUES (?, ?, ?, ?)",
    [Q_UPDATE] = "INSERT INTO updates (id, created_at, status, body,"
                 " author, via, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [Q_REVISION] = "INSERT INTO update_revisions (id, edited_at, old_body,"
                   " via, update_id) VALUES (?, ?, ?, ?, ?)",
    [Q_TOKEN] = "INSERT INTO api_tokens (id, name, hash, created_at,"
                " revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)",
};

static int write_token(struct store *st, sqlite3_stmt *q,
                       const struct jsonr_value *t)
{
    unsigned char bin[STORE_TOKEN_HASH];
    size_t bin_len = 0;
    const char *hex = jsonr_as_string(jsonr_get(t, "hash"), NULL);
    sodium_hex2bin(bin, sizeof(bin), hex, strlen(hex), NULL, &bin_len, NULL);
    bind_member(q, 1, t, "id");
    bind_member(q, 2, t, "name");
    sqlite3_bind_blob(q, 3, bin, (int)bin_len, SQLITE_TRANSIENT);
    bind_member(q, 4, t, "created_at");
    bind_member(q, 5, t, "revoked_at");
    bind_member(q, 6, t, "last_used_at");
    int rc = 0;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = store_sql_fail(st, "importing a token");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* Writes a checked document; the caller holds the transaction. */
static int write_document(struct store *st, const struct jsonr_value *doc)
{
    sqlite3_stmt *q[Q_COUNT] = {NULL};
    int rc = 0;
    for (int i = 0; rc == 0 && i < Q_COUNT; i++)
        rc = store_prepare(st, insert_sql[i], &q[i]);
    for (const struct jsonr_value *s = jsonr_first(jsonr_get(doc, "services"));
         rc == 0 && s != NULL; s = jsonr_next(s))
        rc = insert_row(st, q[Q_SERVICE], s, service_keys, N(service_keys), 0);
    for (const struct jsonr_value *o = jsonr_first(jsonr_get(doc, "incidents"));
         rc == 0 && o != NULL; o = jsonr_next(o)) {
        int64_t id = 0;
        jsonr_as_int64(jsonr_get(o, "id"), &id);
        rc = insert_row(st, q[Q_INCIDENT], o, incident_keys, INCIDENT_COLUMNS,
                        0);
        for (const struct jsonr_value *l =
                 jsonr_first(jsonr_get(o, "services"));
             rc == 0 && l != NULL; l = jsonr_next(l))
            rc = insert_row(st, q[Q_LINK], l, link_keys, N(link_keys), id);
        for (const struct jsonr_value *u = jsonr_first(jsonr_get(o, "updates"));
             rc == 0 && u != NULL; u = jsonr_next(u)) {
            int64_t uid = 0;
            jsonr_as_int64(jsonr_get(u, "id"), &uid);
            rc =
                insert_row(st, q[Q_UPDATE], u, update_keys, UPDATE_COLUMNS, id);
            for (const struct jsonr_value *r =
                     jsonr_first(jsonr_get(u, "revisions"));
                 rc == 0 && r != NULL; r = jsonr_next(r))
                rc = insert_row(st, q[Q_REVISION], r, revision_keys,
                                N(revision_keys), uid);
        }
    }
    for (const struct jsonr_value *t = jsonr_first(jsonr_get(doc, "tokens"));
         rc == 0 && t != NULL; t = jsonr_next(t))
        rc = write_token(st, q[Q_TOKEN], t);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(q[i]);
    return rc;
}

/* ---- merge ------------------------------------------------------------- */

/* A service of the document and the store's service it became. */
struct service_map {
    int64_t doc_id, id;
};

static int service_map_cmp(const void *a, const void *b)
{
    const struct service_map *x = a, *y = b;
    return (x->doc_id > y->doc_id) - (x->doc_id < y->doc_id);
}

static const char *const merge_sql[Q_COUNT] = {
    [Q_SERVICE] = "INSERT INTO services (slug, name, grp, description,"
                  " position, created_at, updated_at) VALUES (?, ?, ?, ?,"
                  " (SELECT coalesce(max(position), 0) + 1 FROM services),"
                  " ?, ?)",
    [Q_INCIDENT] = "INSERT INTO incidents (kind, title, status, impact,"
                   " created_at, started_at, updated_at, monitoring_at,"
                   " resolved_at, scheduled_start, scheduled_end,"
                   " auto_start, auto_complete,"
                   " postmortem, postmortem_at, postmortem_via)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [Q_LINK] = "INSERT INTO incident_services (service_id, window_start,"
               " window_end, incident_id) VALUES (?, ?, ?, ?)",
    [Q_UPDATE] = "INSERT INTO updates (created_at, status, body,"
                 " author, via, incident_id) VALUES (?, ?, ?, ?, ?, ?)",
    [Q_REVISION] = "INSERT INTO update_revisions (edited_at, old_body,"
                   " via, update_id) VALUES (?, ?, ?, ?)",
    [Q_TOKEN] = "SELECT id FROM services WHERE slug = ?",
};

/* The store's service for each of the document's: the one of the same
 * slug, else a new one made from the document's (name, group,
 * description and times; placed after the last, and with no status set
 * by hand, since an old page's manual status says nothing about today's
 * services). */
static int merge_services(struct store *st, sqlite3_stmt **q,
                          const struct jsonr_value *doc,
                          struct service_map *map, size_t *n_map,
                          struct store_merge *res)
{
    static const char *const new_keys[] = {"slug", "name", "group",
                                           "description"};
    int rc = 0;
    size_t n = 0;
    for (const struct jsonr_value *s = jsonr_first(jsonr_get(doc, "services"));
         rc == 0 && s != NULL; s = jsonr_next(s)) {
        struct service_map *m = &map[n++];
        jsonr_as_int64(jsonr_get(s, "id"), &m->doc_id);
        bind_member(q[Q_TOKEN], 1, s, "slug");
        int step = sqlite3_step(q[Q_TOKEN]);
        if (step == SQLITE_ROW)
            m->id = sqlite3_column_int64(q[Q_TOKEN], 0);
        else if (step != SQLITE_DONE)
            rc = store_sql_fail(st, "looking up a service");
        sqlite3_reset(q[Q_TOKEN]);
        if (rc != 0 || step == SQLITE_ROW)
            continue;
        for (size_t i = 0; i < N(new_keys); i++)
            bind_member(q[Q_SERVICE], (int)i + 1, s, new_keys[i]);
        bind_member(q[Q_SERVICE], 5, s, "created_at");
        bind_member(q[Q_SERVICE], 6, s, "updated_at");
        if (sqlite3_step(q[Q_SERVICE]) != SQLITE_DONE)
            rc = store_sql_fail(st, "adding a service");
        sqlite3_reset(q[Q_SERVICE]);
        sqlite3_clear_bindings(q[Q_SERVICE]);
        m->id = sqlite3_last_insert_rowid(st->db);
        res->services_added++;
    }
    *n_map = n;
    if (n > 0)
        qsort(map, n, sizeof(*map), service_map_cmp);
    return rc;
}

/* One affected service of a merged post, by the store's service id. */
static int merge_link(struct store *st, sqlite3_stmt *q,
                      const struct jsonr_value *l,
                      const struct service_map *map, size_t n_map, int64_t id)
{
    struct service_map key = {0, 0};
    jsonr_as_int64(jsonr_get(l, "service_id"), &key.doc_id);
    const struct service_map *hit =
        bsearch(&key, map, n_map, sizeof(*map), service_map_cmp);
    if (hit == NULL) /* check_references() saw that it is there */
        return store_fail(st, UV_EIO, "a merged service is missing");
    sqlite3_bind_int64(q, 1, hit->id);
    bind_member(q, 2, l, "window_start");
    bind_member(q, 3, l, "window_end");
    sqlite3_bind_int64(q, 4, id);
    int rc = 0;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = store_sql_fail(st, "importing");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* Adds a checked document's posts to the store under new ids (the
 * document's ids are left behind: the store's own may be taken), in the
 * document's order, each with its affected services, updates and
 * revisions; the caller holds the transaction. */
static int merge_document(struct store *st, const struct jsonr_value *doc,
                          struct store_merge *res)
{
    sqlite3_stmt *q[Q_COUNT] = {NULL};
    size_t n_map = 0;
    struct service_map *map =
        calloc(jsonr_len(jsonr_get(doc, "services")) + 1, sizeof(*map));
    int rc = map == NULL ? store_fail(st, UV_ENOMEM, "out of memory") : 0;
    for (int i = 0; rc == 0 && i < Q_COUNT; i++)
        rc = store_prepare(st, merge_sql[i], &q[i]);
    if (rc == 0)
        rc = merge_services(st, q, doc, map, &n_map, res);
    for (const struct jsonr_value *o = jsonr_first(jsonr_get(doc, "incidents"));
         rc == 0 && o != NULL; o = jsonr_next(o)) {
        rc = insert_row(st, q[Q_INCIDENT], o, incident_keys + 1,
                        INCIDENT_COLUMNS - 1, 0);
        int64_t id = sqlite3_last_insert_rowid(st->db);
        if (rc == 0 && res->posts++ == 0)
            res->first_id = id;
        res->last_id = id;
        for (const struct jsonr_value *l =
                 jsonr_first(jsonr_get(o, "services"));
             rc == 0 && l != NULL; l = jsonr_next(l))
            rc = merge_link(st, q[Q_LINK], l, map, n_map, id);
        for (const struct jsonr_value *u = jsonr_first(jsonr_get(o, "updates"));
             rc == 0 && u != NULL; u = jsonr_next(u)) {
            rc = insert_row(st, q[Q_UPDATE], u, update_keys + 1,
                            UPDATE_COLUMNS - 1, id);
            int64_t uid = sqlite3_last_insert_rowid(st->db);
            for (const struct jsonr_value *r =
                     jsonr_first(jsonr_get(u, "revisions"));
                 rc == 0 && r != NULL; r = jsonr_next(r))
                rc = insert_row(st, q[Q_REVISION], r, revision_keys + 1,
                                N(revision_keys) - 1, uid);
        }
    }
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(q[i]);
    free(map);
    return rc;
}

/* store_import() and store_import_merge(): the same checks of the whole
 * document, then one transaction that writes it as it is into an empty
 * store (res NULL) or adds its posts to this one. */
static int import_document(struct store *st, const char *json, size_t len,
                           struct store_merge *res)
{
    char err[160];
    struct jsonr_value *doc = NULL;
    struct import im = {st, NULL, 0, 0, {0, 0, 0}};
    int rc =
        jsonr_parse_limit(json, len, STORE_IMPORT_MAX, &doc, err, sizeof(err));
    if (rc != 0) {
        rc = store_fail(st, rc, "not valid JSON: %s", err);
        goto out;
    }
    rc = check_document(&im, doc);
    if (rc != 0)
        goto out;
    rc = store_begin(st, true);
    if (rc != 0)
        goto out;
    /* Checked inside the write transaction, so no other writer can slip a
     * row in between the check and the import. */
    bool empty = false;
    rc = res != NULL ? 0 : store_is_empty(st, &empty);
    if (rc == 0 && res == NULL && !empty)
        rc = store_fail(st, UV_EINVAL,
                        "the database is not empty; import needs a new one "
                        "(or --merge, to add the document's posts)");
    /* The search index is rebuilt once, after the rows are in (see
     * store_search_suspend). */
    if (rc == 0)
        rc = store_search_suspend(st);
    if (rc == 0)
        rc = res != NULL ? merge_document(st, doc, res)
                         : write_document(st, doc);
    if (rc == 0)
        rc = store_search_resume(st);
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0)
        store_rollback(st);
out:
    jsonr_free(doc);
    free(im.e);
    return rc;
}

int store_import(struct store *st, const char *json, size_t len)
{
    return import_document(st, json, len, NULL);
}

int store_import_merge(struct store *st, const char *json, size_t len,
                       struct store_merge *res)
{
    *res = (struct store_merge){0, 0, 0, 0};
    int rc = import_document(st, json, len, res);
    if (rc != 0)
        *res = (struct store_merge){0, 0, 0, 0};
    return rc;
}
