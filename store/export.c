/* export: the whole store as one JSON document, and back.
 *
 * FORMAT (version 1). One object; every row of every table; integers are
 * Unix seconds (0 = not set); strings are UTF-8; absent optional text is
 * null. Keys appear in exactly this order, arrays are ordered by id, and
 * the layout (two-space indent, one member per line) is fixed, so that
 * export -> import into an empty database -> export gives the same bytes.
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
 *        "postmortem": "..." | null, "postmortem_at": 0,
 *        "postmortem_via": "cli" | null,
 *        "services": [{"service_id": 1, "window_start": 0,
 *                      "window_end": 0}, ...],
 *        "updates": [{"id": 12, "created_at": ..., "status": "...",
 *                     "body": "...", "author": "..." | null, "via": "cli",
 *                     "revisions": [{"id": 1, "edited_at": ...,
 *                                    "old_body": "...", "via": "cli"}]},
 *                    ...]}, ...],
 *     "tokens": [{"id": 1, "name": "noc-bot", "hash": "<64 hex digits of
 *                 the token's BLAKE2b-256>", "created_at": ...,
 *                 "revoked_at": 0}, ...]
 *   }
 *
 * API tokens travel as their hashes (never as tokens), so a restored server
 * keeps accepting its clients' tokens.
 *
 * Import refuses unknown or missing keys, wrong types, invalid names and
 * enums, statuses that do not fit the kind, dangling or duplicate ids, and
 * text the CLI would not have accepted; it checks the whole document before
 * it writes the first row, and writes everything in one transaction.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <sodium.h>

#include "jsonparse.h"
#include "store_int.h"

/* ---- export ------------------------------------------------------------ */

static void put_str(struct buf *b, const char *s)
{
    if (s == NULL) {
        buf_puts(b, "null");
        return;
    }
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_putc(b, (char)*p);
        }
    }
    buf_putc(b, '"');
}

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
        put_str(b, col(q, 1));
        buf_puts(b, ", \"name\": ");
        put_str(b, col(q, 2));
        buf_puts(b, ", \"group\": ");
        put_str(b, col(q, 3));
        buf_puts(b, ", \"description\": ");
        put_str(b, col(q, 4));
        buf_printf(b, ", \"position\": %" PRId64 ", \"manual_status\": ",
                   (int64_t)sqlite3_column_int64(q, 5));
        put_str(b, col(q, 6));
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
        put_str(b, col(q, 2));
        buf_puts(b, ", \"via\": ");
        put_str(b, col(q, 3));
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
                           " ORDER BY service_id",
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
        put_str(b, col(q, 2));
        buf_puts(b, ", \"body\": ");
        put_str(b, col(q, 3));
        buf_puts(b, ", \"author\": ");
        put_str(b, col(q, 4));
        buf_puts(b, ", \"via\": ");
        put_str(b, col(q, 5));
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
        " scheduled_end, postmortem, postmortem_at, postmortem_via"
        " FROM incidents ORDER BY id",
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
        put_str(b, col(q, 1));
        buf_puts(b, ", \"title\": ");
        put_str(b, col(q, 2));
        buf_puts(b, ", \"status\": ");
        put_str(b, col(q, 3));
        buf_puts(b, ", \"impact\": ");
        put_str(b, col(q, 4));
        buf_puts(b, ",\n     ");
        for (int i = 0; i < 7; i++)
            buf_printf(b, "%s\"%s\": %" PRId64, i ? ", " : "", times[i],
                       (int64_t)sqlite3_column_int64(q, 5 + i));
        buf_puts(b, ",\n     \"postmortem\": ");
        put_str(b, col(q, 12));
        buf_printf(b, ", \"postmortem_at\": %" PRId64 ", \"postmortem_via\": ",
                   (int64_t)sqlite3_column_int64(q, 13));
        put_str(b, col(q, 14));
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
                           "SELECT id, name, hash, created_at, revoked_at"
                           " FROM api_tokens ORDER BY id",
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
        put_str(b, col(q, 1));
        buf_printf(b,
                   ", \"hash\": \"%s\", \"created_at\": %" PRId64
                   ", \"revoked_at\": %" PRId64 "}",
                   hex, (int64_t)sqlite3_column_int64(q, 3),
                   (int64_t)sqlite3_column_int64(q, 4));
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

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int ids_add(struct ids *s, int64_t id)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return UV_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = id;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* What the checking pass learns, for the cross-references. */
struct seen {
    struct ids services, incidents, updates, revisions;
};

static int bad(struct store *st, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct store *st, const char *path, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return store_fail(st, UV_EINVAL, "%s: %s", path, why);
}

/* obj must be an object with exactly the given keys. */
static int keys(struct store *st, const char *path, const struct json *obj,
                const char *const *names, size_t n)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return bad(st, path, "expected an object");
    for (const struct json *m = obj->child; m != NULL; m = m->next) {
        size_t i = 0;
        while (i < n && !(strlen(names[i]) == m->key_len &&
                          memcmp(names[i], m->key, m->key_len) == 0))
            i++;
        if (i == n)
            return bad(st, path, "unknown key '%.40s'", m->key);
    }
    for (size_t i = 0; i < n; i++)
        if (json_get(obj, names[i]) == NULL)
            return bad(st, path, "missing key '%s'", names[i]);
    return 0;
}

static int get_int(struct store *st, const char *path, const struct json *obj,
                   const char *key, int64_t min, int64_t *out)
{
    const struct json *v = json_get(obj, key);
    if (v == NULL || v->type != JSON_INT)
        return bad(st, path, "%s: expected an integer", key);
    if (v->i < min)
        return bad(st, path, "%s: must be at least %" PRId64, key, min);
    *out = v->i;
    return 0;
}

/* A string (NULL for JSON null when nullable). NUL bytes are refused: no
 * stored text contains one. */
static int get_str(struct store *st, const char *path, const struct json *obj,
                   const char *key, bool nullable, const char **out)
{
    const struct json *v = json_get(obj, key);
    *out = NULL;
    if (v != NULL && v->type == JSON_NULL && nullable)
        return 0;
    if (v == NULL || v->type != JSON_STRING)
        return bad(st, path, "%s: expected a string%s", key,
                   nullable ? " or null" : "");
    if (strlen(v->str) != v->str_len)
        return bad(st, path, "%s: contains a NUL character", key);
    *out = v->str;
    return 0;
}

static const struct json *get_array(struct store *st, const char *path,
                                    const struct json *obj, const char *key)
{
    const struct json *v = json_get(obj, key);
    if (v == NULL || v->type != JSON_ARRAY) {
        bad(st, path, "%s: expected an array", key);
        return NULL;
    }
    return v;
}

/* Checks a line/body field with the CLI's own rules, naming the path. */
static int text_rule(struct store *st, const char *path, const char *field,
                     int rc)
{
    if (rc == 0)
        return 0;
    char why[STORE_ERRLEN];
    snprintf(why, sizeof(why), "%s", store_errmsg(st));
    return store_fail(st, rc, "%s.%s: %s", path, field, why);
}

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
                                            "postmortem",
                                            "postmortem_at",
                                            "postmortem_via",
                                            "services",
                                            "updates"};
static const char *const link_keys[] = {"service_id", "window_start",
                                        "window_end"};
static const char *const update_keys[] = {
    "id", "created_at", "status", "body", "author", "via", "revisions"};
static const char *const revision_keys[] = {"id", "edited_at", "old_body",
                                            "via"};
static const char *const token_keys[] = {"id", "name", "hash", "created_at",
                                         "revoked_at"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static int check_service(struct store *st, const char *path,
                         const struct json *o, struct seen *seen)
{
    int64_t id, n;
    const char *slug, *name, *group, *desc, *manual;
    int rc = keys(st, path, o, service_keys, N(service_keys));
    if (rc == 0)
        rc = get_int(st, path, o, "id", 1, &id);
    if (rc == 0)
        rc = get_str(st, path, o, "slug", false, &slug);
    if (rc == 0 && !store_check_slug(slug))
        rc = bad(st, path, "slug: '%.40s' is not a valid slug", slug);
    if (rc == 0)
        rc = get_str(st, path, o, "name", false, &name);
    if (rc == 0)
        rc = text_rule(st, path, "name",
                       store_check_line(st, "name", name, true));
    if (rc == 0)
        rc = get_str(st, path, o, "group", true, &group);
    if (rc == 0 && group != NULL)
        rc = text_rule(st, path, "group",
                       store_check_line(st, "group", group, true));
    if (rc == 0)
        rc = get_str(st, path, o, "description", true, &desc);
    if (rc == 0 && desc != NULL)
        rc = text_rule(st, path, "description",
                       store_check_line(st, "description", desc, true));
    if (rc == 0)
        rc = get_int(st, path, o, "position", INT32_MIN, &n);
    if (rc == 0)
        rc = get_str(st, path, o, "manual_status", true, &manual);
    enum service_status ss;
    if (rc == 0 && manual != NULL &&
        model_parse_service_status(manual, &ss) != 0)
        rc = bad(st, path, "manual_status: unknown status '%.40s'", manual);
    if (rc == 0)
        rc = get_int(st, path, o, "created_at", 0, &n);
    if (rc == 0)
        rc = get_int(st, path, o, "updated_at", 0, &n);
    if (rc == 0 && ids_add(&seen->services, id) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    return rc;
}

static int check_update(struct store *st, const char *path,
                        const struct json *u, enum incident_kind kind,
                        struct seen *seen)
{
    int64_t id, t;
    const char *status, *body, *author, *via;
    enum incident_status s;
    int rc = keys(st, path, u, update_keys, N(update_keys));
    if (rc == 0)
        rc = get_int(st, path, u, "id", 1, &id);
    if (rc == 0)
        rc = get_int(st, path, u, "created_at", 0, &t);
    if (rc == 0)
        rc = get_str(st, path, u, "status", false, &status);
    if (rc == 0 && (model_parse_status(status, &s) != 0 ||
                    (!model_status_valid(kind, s) &&
                     !(kind == KIND_INCIDENT && s == STATUS_POSTMORTEM))))
        rc = bad(st, path, "status: '%.40s' is not a status of %s", status,
                 model_kind_name(kind));
    if (rc == 0)
        rc = get_str(st, path, u, "body", false, &body);
    if (rc == 0)
        rc = text_rule(st, path, "body", store_check_body(st, "body", body));
    if (rc == 0)
        rc = get_str(st, path, u, "author", true, &author);
    if (rc == 0 && author != NULL)
        rc = text_rule(st, path, "author",
                       store_check_line(st, "author", author, true));
    if (rc == 0)
        rc = get_str(st, path, u, "via", false, &via);
    if (rc == 0)
        rc = text_rule(st, path, "via", store_check_line(st, "via", via, true));
    if (rc == 0 && ids_add(&seen->updates, id) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    const struct json *revs =
        rc == 0 ? get_array(st, path, u, "revisions") : NULL;
    if (rc == 0 && revs == NULL)
        rc = UV_EINVAL;
    size_t i = 0;
    for (const struct json *r = revs ? revs->child : NULL; rc == 0 && r;
         r = r->next, i++) {
        char rp[160];
        const char *old, *rvia;
        snprintf(rp, sizeof(rp), "%s.revisions[%zu]", path, i);
        rc = keys(st, rp, r, revision_keys, N(revision_keys));
        if (rc == 0)
            rc = get_int(st, rp, r, "id", 1, &id);
        if (rc == 0)
            rc = get_int(st, rp, r, "edited_at", 0, &t);
        if (rc == 0)
            rc = get_str(st, rp, r, "old_body", false, &old);
        if (rc == 0)
            rc = text_rule(st, rp, "old_body",
                           store_check_body(st, "old_body", old));
        if (rc == 0)
            rc = get_str(st, rp, r, "via", false, &rvia);
        if (rc == 0 && ids_add(&seen->revisions, id) != 0)
            rc = store_fail(st, UV_ENOMEM, "out of memory");
    }
    return rc;
}

static int check_incident(struct store *st, const char *path,
                          const struct json *o, struct seen *seen)
{
    int64_t id, t;
    const char *kind_s, *title, *status_s, *impact_s, *pm, *pm_via;
    enum incident_kind kind;
    enum incident_status status;
    enum impact impact;
    int rc = keys(st, path, o, incident_keys, N(incident_keys));
    if (rc == 0)
        rc = get_int(st, path, o, "id", 1, &id);
    if (rc == 0)
        rc = get_str(st, path, o, "kind", false, &kind_s);
    if (rc == 0 && model_parse_kind(kind_s, &kind) != 0)
        rc = bad(st, path, "kind: unknown kind '%.40s'", kind_s);
    if (rc == 0)
        rc = get_str(st, path, o, "title", false, &title);
    if (rc == 0)
        rc = text_rule(st, path, "title",
                       store_check_line(st, "title", title, true));
    if (rc == 0)
        rc = get_str(st, path, o, "status", false, &status_s);
    if (rc == 0 && (model_parse_status(status_s, &status) != 0 ||
                    (!model_status_valid(kind, status) &&
                     !(kind == KIND_INCIDENT && status == STATUS_POSTMORTEM))))
        rc = bad(st, path, "status: '%.40s' is not a status of %s", status_s,
                 model_kind_name(kind));
    if (rc == 0)
        rc = get_str(st, path, o, "impact", false, &impact_s);
    if (rc == 0 && model_parse_impact(impact_s, &impact) != 0)
        rc = bad(st, path, "impact: unknown impact '%.40s'", impact_s);
    if (rc == 0 &&
        ((kind == KIND_MAINTENANCE) != (impact == IMPACT_MAINTENANCE) ||
         (kind == KIND_NOTICE && impact != IMPACT_NONE)))
        rc = bad(st, path, "impact: '%s' does not fit a %s", impact_s,
                 model_kind_name(kind));
    static const char *const times[] = {
        "created_at",  "started_at",      "updated_at",    "monitoring_at",
        "resolved_at", "scheduled_start", "scheduled_end", "postmortem_at"};
    for (size_t i = 0; rc == 0 && i < N(times); i++)
        rc = get_int(st, path, o, times[i], 0, &t);
    if (rc == 0)
        rc = get_str(st, path, o, "postmortem", true, &pm);
    if (rc == 0 && pm != NULL)
        rc = text_rule(st, path, "postmortem",
                       store_check_body(st, "postmortem", pm));
    if (rc == 0)
        rc = get_str(st, path, o, "postmortem_via", true, &pm_via);
    if (rc == 0 && ids_add(&seen->incidents, id) != 0)
        rc = store_fail(st, UV_ENOMEM, "out of memory");

    const struct json *links =
        rc == 0 ? get_array(st, path, o, "services") : NULL;
    if (rc == 0 && links == NULL)
        rc = UV_EINVAL;
    size_t i = 0;
    for (const struct json *l = links ? links->child : NULL; rc == 0 && l;
         l = l->next, i++) {
        char lp[160];
        int64_t sid, ws, we;
        snprintf(lp, sizeof(lp), "%s.services[%zu]", path, i);
        rc = keys(st, lp, l, link_keys, N(link_keys));
        if (rc == 0)
            rc = get_int(st, lp, l, "service_id", 1, &sid);
        if (rc == 0 && (seen->services.n == 0 ||
                        bsearch(&sid, seen->services.v, seen->services.n,
                                sizeof(int64_t), cmp_id) == NULL))
            rc = bad(st, lp, "service_id: no service %" PRId64, sid);
        if (rc == 0)
            rc = get_int(st, lp, l, "window_start", 0, &ws);
        if (rc == 0)
            rc = get_int(st, lp, l, "window_end", 0, &we);
        if (rc == 0 && (ws != 0 || we != 0) && we <= ws)
            rc = bad(st, lp, "window_end: must be after window_start");
        for (const struct json *m = links->child; rc == 0 && m != l;
             m = m->next)
            if (json_get(m, "service_id")->i == sid)
                rc = bad(st, lp, "service_id: %" PRId64 " listed twice", sid);
    }
    const struct json *ups = rc == 0 ? get_array(st, path, o, "updates") : NULL;
    if (rc == 0 && ups == NULL)
        rc = UV_EINVAL;
    i = 0;
    for (const struct json *u = ups ? ups->child : NULL; rc == 0 && u;
         u = u->next, i++) {
        char up[160];
        snprintf(up, sizeof(up), "%s.updates[%zu]", path, i);
        rc = check_update(st, up, u, kind, seen);
    }
    return rc;
}

static int unique(struct store *st, struct ids *s, const char *what)
{
    if (s->n < 2)
        return 0; /* qsort() must not see a NULL array */
    qsort(s->v, s->n, sizeof(int64_t), cmp_id);
    for (size_t i = 1; i < s->n; i++)
        if (s->v[i] == s->v[i - 1])
            return store_fail(st, UV_EINVAL, "%s id %" PRId64 " is used twice",
                              what, s->v[i]);
    return 0;
}

static int check_document(struct store *st, const struct json *doc,
                          struct seen *seen)
{
    static const char *const top[] = {"format", "version", "services",
                                      "incidents", "tokens"};
    const char *format;
    int64_t version;
    int rc = keys(st, "document", doc, top, N(top));
    if (rc == 0)
        rc = get_str(st, "document", doc, "format", false, &format);
    if (rc == 0 && strcmp(format, "outpost-export") != 0)
        rc = bad(st, "format", "not an outpost export");
    if (rc == 0)
        rc = get_int(st, "document", doc, "version", 0, &version);
    if (rc == 0 && version != 1)
        rc = bad(st, "version", "this outpost reads version 1, not %" PRId64,
                 version);
    const struct json *svcs =
        rc == 0 ? get_array(st, "document", doc, "services") : NULL;
    const struct json *incs =
        svcs ? get_array(st, "document", doc, "incidents") : NULL;
    if (rc == 0 && (svcs == NULL || incs == NULL))
        rc = UV_EINVAL;
    size_t i = 0;
    for (const struct json *s = svcs ? svcs->child : NULL; rc == 0 && s;
         s = s->next, i++) {
        char p[64];
        snprintf(p, sizeof(p), "services[%zu]", i);
        rc = check_service(st, p, s, seen);
    }
    if (rc == 0)
        rc = unique(st, &seen->services, "service");
    for (const struct json *a = svcs ? svcs->child : NULL; rc == 0 && a;
         a = a->next)
        for (const struct json *b = a->next; rc == 0 && b; b = b->next)
            if (strcmp(json_get(a, "slug")->str, json_get(b, "slug")->str) == 0)
                rc = store_fail(st, UV_EINVAL,
                                "service slug '%s' is used "
                                "twice",
                                json_get(a, "slug")->str);
    i = 0;
    for (const struct json *o = incs ? incs->child : NULL; rc == 0 && o;
         o = o->next, i++) {
        char p[64];
        snprintf(p, sizeof(p), "incidents[%zu]", i);
        rc = check_incident(st, p, o, seen);
    }
    if (rc == 0)
        rc = unique(st, &seen->incidents, "incident");
    if (rc == 0)
        rc = unique(st, &seen->updates, "update");
    if (rc == 0)
        rc = unique(st, &seen->revisions, "revision");
    const struct json *toks =
        rc == 0 ? get_array(st, "document", doc, "tokens") : NULL;
    if (rc == 0 && toks == NULL)
        rc = UV_EINVAL;
    i = 0;
    for (const struct json *t = toks ? toks->child : NULL; rc == 0 && t;
         t = t->next, i++) {
        char p[64];
        int64_t id, when;
        const char *name, *hash;
        snprintf(p, sizeof(p), "tokens[%zu]", i);
        rc = keys(st, p, t, token_keys, N(token_keys));
        if (rc == 0)
            rc = get_int(st, p, t, "id", 1, &id);
        if (rc == 0)
            rc = get_str(st, p, t, "name", false, &name);
        if (rc == 0 && !store_check_token_name(name))
            rc = bad(st, p, "name: '%.40s' is not a token name", name);
        if (rc == 0)
            rc = get_str(st, p, t, "hash", false, &hash);
        unsigned char bin[32];
        size_t bin_len = 0;
        if (rc == 0 && (strlen(hash) != 64 ||
                        sodium_hex2bin(bin, sizeof(bin), hash, 64, NULL,
                                       &bin_len, NULL) != 0 ||
                        bin_len != 32))
            rc = bad(st, p, "hash: expected 64 hex digits");
        if (rc == 0)
            rc = get_int(st, p, t, "created_at", 0, &when);
        if (rc == 0)
            rc = get_int(st, p, t, "revoked_at", 0, &when);
        for (const struct json *u = toks->child; rc == 0 && u != t; u = u->next)
            if (json_get(u, "id")->i == id ||
                strcmp(json_get(u, "name")->str, name) == 0)
                rc = bad(st, p, "id or name used twice");
    }
    return rc;
}

/* Binds member `key` of obj to parameter i: integer, string or NULL. */
static void bind_member(sqlite3_stmt *q, int i, const struct json *obj,
                        const char *key)
{
    const struct json *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL)
        sqlite3_bind_null(q, i);
    else if (v->type == JSON_INT)
        sqlite3_bind_int64(q, i, v->i);
    else
        sqlite3_bind_text(q, i, v->str, (int)v->str_len, SQLITE_STATIC);
}

/* Inserts one row: the statement's parameters are the given members. */
static int insert_row(struct store *st, const char *sql, const struct json *obj,
                      const char *const *members, size_t n, int64_t parent)
{
    sqlite3_stmt *q;
    int rc = store_prepare(st, sql, &q);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        bind_member(q, (int)i + 1, obj, members[i]);
    if (parent != 0)
        sqlite3_bind_int64(q, (int)n + 1, parent);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = store_sql_fail(st, "importing");
    sqlite3_finalize(q);
    return rc;
}

static int write_document(struct store *st, const struct json *doc)
{
    int rc = 0;
    for (const struct json *s = json_get(doc, "services")->child; rc == 0 && s;
         s = s->next)
        rc = insert_row(st,
                        "INSERT INTO services (id, slug, name, grp,"
                        " description, position, manual_status, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        s, service_keys, N(service_keys), 0);
    for (const struct json *o = json_get(doc, "incidents")->child; rc == 0 && o;
         o = o->next) {
        int64_t id = json_get(o, "id")->i;
        rc = insert_row(st,
                        "INSERT INTO incidents (id, kind, title, status,"
                        " impact, created_at, started_at, updated_at,"
                        " monitoring_at, resolved_at, scheduled_start,"
                        " scheduled_end, postmortem, postmortem_at,"
                        " postmortem_via)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        o, incident_keys, 15, 0);
        for (const struct json *l = json_get(o, "services")->child;
             rc == 0 && l; l = l->next)
            rc = insert_row(st,
                            "INSERT INTO incident_services (service_id,"
                            " window_start, window_end, incident_id)"
                            " VALUES (?, ?, ?, ?)",
                            l, link_keys, N(link_keys), id);
        for (const struct json *u = json_get(o, "updates")->child; rc == 0 && u;
             u = u->next) {
            rc = insert_row(st,
                            "INSERT INTO updates (id, created_at, status,"
                            " body, author, via, incident_id)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            u, update_keys, 6, id);
            int64_t uid = json_get(u, "id")->i;
            for (const struct json *r = json_get(u, "revisions")->child;
                 rc == 0 && r; r = r->next)
                rc = insert_row(st,
                                "INSERT INTO update_revisions (id,"
                                " edited_at, old_body, via, update_id)"
                                " VALUES (?, ?, ?, ?, ?)",
                                r, revision_keys, N(revision_keys), uid);
        }
    }
    for (const struct json *t = json_get(doc, "tokens")->child; rc == 0 && t;
         t = t->next) {
        unsigned char bin[32];
        size_t bin_len = 0;
        sodium_hex2bin(bin, sizeof(bin), json_get(t, "hash")->str, 64, NULL,
                       &bin_len, NULL);
        sqlite3_stmt *q;
        rc = store_prepare(st,
                           "INSERT INTO api_tokens (id, name, hash,"
                           " created_at, revoked_at) VALUES (?, ?, ?, ?, ?)",
                           &q);
        if (rc != 0)
            break;
        bind_member(q, 1, t, "id");
        bind_member(q, 2, t, "name");
        sqlite3_bind_blob(q, 3, bin, 32, SQLITE_TRANSIENT);
        bind_member(q, 4, t, "created_at");
        bind_member(q, 5, t, "revoked_at");
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = store_sql_fail(st, "importing tokens");
        sqlite3_finalize(q);
    }
    return rc;
}

int store_import(struct store *st, const char *json, size_t len)
{
    char err[160];
    struct json *doc = NULL;
    struct seen seen = {0};
    int rc = json_parse(json, len, &doc, err, sizeof(err));
    if (rc != 0) {
        rc = store_fail(st, rc, "not valid JSON: %s", err);
        goto out;
    }
    rc = check_document(st, doc, &seen);
    if (rc != 0)
        goto out;
    rc = store_begin(st, true);
    if (rc != 0)
        goto out;
    /* Checked inside the write transaction, so no other writer can slip a
     * row in between the check and the import. */
    bool empty = false;
    rc = store_is_empty(st, &empty);
    if (rc == 0 && !empty)
        rc = store_fail(st, UV_EINVAL,
                        "the database is not empty; import needs a new one");
    if (rc == 0)
        rc = write_document(st, doc);
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0)
        store_rollback(st);
out:
    json_free(doc);
    free(seen.services.v);
    free(seen.incidents.v);
    free(seen.updates.v);
    free(seen.revisions.v);
    return rc;
}
