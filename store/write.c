/* write: validation and the write transactions.
 *
 * Every write validates what it can before touching the database, then
 * runs as one BEGIN IMMEDIATE ... COMMIT; any failure inside rolls the
 * whole transaction back, so a refused or failed write leaves nothing
 * behind. Checks that need the database (does the service exist, is the
 * transition allowed) run inside the transaction, under the write lock, so
 * a concurrent writer cannot slip in between the check and the write.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common/timeutil.h"
#include "common/utf8.h"
#include "store_int.h"

#define LINE_MAX_BYTES 200
#define DESCRIPTION_MAX_BYTES 1000
#define BODY_MAX_BYTES 65536
#define SLUG_MAX 32

/* ---- text validation -------------------------------------------------- */

enum text_fault { TEXT_OK, TEXT_BAD_UTF8, TEXT_CONTROL };

/* Checks UTF-8 strictly (utf8.h) and refuses control characters: C0,
 * DEL and C1 (U+0080..U+009F, since some terminals take U+009B as CSI).
 * multiline allows LF and TAB. */
static enum text_fault text_check(const unsigned char *p, size_t len,
                                  bool multiline)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode((const char *)p + i, len - i, &cp);
        if (n == 0)
            return TEXT_BAD_UTF8;
        if ((cp < 0x20 || cp == 0x7f) &&
            !(multiline && (cp == '\n' || cp == '\t')))
            return TEXT_CONTROL;
        if (cp >= 0x80 && cp <= 0x9f)
            return TEXT_CONTROL;
        i += n;
    }
    return TEXT_OK;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* A one-line field (title, name, group, author, via): trimmed of
 * surrounding spaces, then non-empty when required, at most max bytes,
 * valid UTF-8, no control characters. *out is a malloc'd copy, or NULL
 * for an absent optional field (NULL or blank). */
static int norm_line(struct store *st, const char *field, const char *in,
                     bool required, size_t max, char **out)
{
    *out = NULL;
    size_t len = in != NULL ? strlen(in) : 0;
    const char *start = in;
    while (len > 0 && *start == ' ') {
        start++;
        len--;
    }
    while (len > 0 && start[len - 1] == ' ')
        len--;
    if (len == 0) {
        if (required)
            return store_fail(st, UV_EINVAL, "%s must not be empty", field);
        return 0;
    }
    if (len > max)
        return store_fail(st, UV_EINVAL, "%s is longer than %zu bytes", field,
                          max);
    switch (text_check((const unsigned char *)start, len, false)) {
    case TEXT_BAD_UTF8:
        return store_fail(st, UV_EINVAL, "%s is not valid UTF-8", field);
    case TEXT_CONTROL:
        return store_fail(st, UV_EINVAL,
                          "%s must not contain control characters "
                          "(tabs, line breaks, escapes)",
                          field);
    case TEXT_OK:
        break;
    }
    char *d = malloc(len + 1);
    if (d == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    memcpy(d, start, len);
    d[len] = '\0';
    *out = d;
    return 0;
}

/* A body (update text, postmortem): CR LF becomes LF (text pasted from
 * other systems), trailing white space and blank lines are dropped (what
 * `--body -` reads ends with a newline), then at most BODY_MAX_BYTES,
 * valid UTF-8, and no control characters but LF and TAB. *out is a
 * malloc'd copy, "" for an absent body. */
static int norm_body(struct store *st, const char *field, const char *in,
                     char **out)
{
    *out = NULL;
    size_t in_len = in != NULL ? strlen(in) : 0;
    /* Refuse before copying, with room for CRs that will go away. */
    if (in_len > 2 * (size_t)BODY_MAX_BYTES)
        return store_fail(st, UV_EINVAL, "%s is longer than %d bytes", field,
                          BODY_MAX_BYTES);
    char *d = malloc(in_len + 1);
    if (d == NULL)
        return store_fail(st, UV_ENOMEM, "out of memory");
    size_t len = 0;
    for (size_t i = 0; i < in_len; i++) {
        if (in[i] == '\r' && i + 1 < in_len && in[i + 1] == '\n')
            continue;
        d[len++] = in[i];
    }
    while (len > 0 && is_space(d[len - 1]))
        len--;
    d[len] = '\0';
    int rc = 0;
    if (len > BODY_MAX_BYTES) {
        rc = store_fail(st, UV_EINVAL, "%s is longer than %d bytes", field,
                        BODY_MAX_BYTES);
    } else {
        switch (text_check((const unsigned char *)d, len, true)) {
        case TEXT_BAD_UTF8:
            rc = store_fail(st, UV_EINVAL, "%s is not valid UTF-8", field);
            break;
        case TEXT_CONTROL:
            rc = store_fail(st, UV_EINVAL,
                            "%s must not contain control characters other "
                            "than line breaks and tabs",
                            field);
            break;
        case TEXT_OK:
            break;
        }
    }
    if (rc != 0) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static bool slug_valid(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len == 0 || len > SLUG_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

/* The time of a write: now for 0, else the time given (a back-dated
 * post or update). A time ahead of the server's clock by at most
 * STORE_CLOCK_SKEW is the sender's clock running fast and is taken as
 * now, so that nothing stored ever lies in the future of the moment it
 * was written; one further ahead is refused, since it is a typo or a
 * wrong zone, and a post dated tomorrow would sort above everything that
 * happens until then. */
static int check_time(struct store *st, int64_t at, int64_t *out)
{
    if (at < 0)
        return store_fail(st, UV_EINVAL, "time is before 1970");
    int64_t now = time_now();
    if (at > now + STORE_CLOCK_SKEW) {
        char when[TIME_BUFSZ], clock[TIME_BUFSZ];
        time_iso8601(at, when);
        time_iso8601(now, clock);
        return store_fail(st, UV_EINVAL,
                          "time %s is in the future (the server's clock says "
                          "%s; at most %d minutes ahead is taken as now)",
                          when, clock, STORE_CLOCK_SKEW / 60);
    }
    *out = at == 0 || at > now ? now : at;
    return 0;
}

/* ---- small SQL helpers ------------------------------------------------ */

/* Binds text or NULL. SQLITE_TRANSIENT: our strings may die first. */
static void bind_text(sqlite3_stmt *stmt, int col, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(stmt, col);
    else
        sqlite3_bind_text(stmt, col, s, -1, SQLITE_TRANSIENT);
}

/* Steps a statement that returns no row; finalizes it. */
static int exec_stmt(struct store *st, sqlite3_stmt *stmt, const char *what)
{
    int rc = 0;
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sql_fail(st, what);
    sqlite3_finalize(stmt);
    return rc;
}

static int service_id(struct store *st, const char *slug, int64_t *id)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "SELECT id FROM services WHERE slug = ?", &stmt);
    if (rc != 0)
        return rc;
    bind_text(stmt, 1, slug);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(stmt, 0);
    else if (step == SQLITE_DONE)
        rc = store_fail(st, UV_ENOENT, "unknown service '%s'", slug);
    else
        rc = store_sql_fail(st, "looking up a service");
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- services --------------------------------------------------------- */

int store_service_add(struct store *st, const struct service_input *in)
{
    return store_service_add_at(st, in, 0);
}

int store_service_add_at(struct store *st, const struct service_input *in,
                         int64_t at)
{
    char *name = NULL, *group = NULL, *description = NULL;
    int rc;
    if (!slug_valid(in->slug))
        return store_fail(st, UV_EINVAL,
                          "invalid service slug '%s': use 1 to 32 of a-z, "
                          "0-9, '_' and '-', starting with a letter or digit",
                          in->slug != NULL ? in->slug : "");
    rc = norm_line(st, "name", in->name, true, LINE_MAX_BYTES, &name);
    if (rc == 0)
        rc = norm_line(st, "group", in->group, false, LINE_MAX_BYTES, &group);
    if (rc == 0)
        rc = norm_line(st, "description", in->description, false,
                       DESCRIPTION_MAX_BYTES, &description);
    if (rc != 0)
        goto done;

    /* Its uptime counts from this time (store/uptime.h). */
    int64_t now = at != 0 ? at : time_now();
    rc = store_begin(st, true);
    if (rc != 0)
        goto done;
    int64_t existing;
    rc = service_id(st, in->slug, &existing);
    if (rc == 0) {
        rc = store_fail(st, UV_EEXIST, "service '%s' already exists", in->slug);
        goto out;
    }
    if (rc != UV_ENOENT)
        goto out;

    sqlite3_stmt *stmt;
    /* position <= 0 means "after the last one". */
    rc = store_prepare(st,
                       "INSERT INTO services (slug, name, grp, description,"
                       " position, created_at, updated_at)"
                       " VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 > 0 THEN ?5"
                       " ELSE (SELECT coalesce(max(position), 0) + 1"
                       " FROM services) END, ?6, ?6)",
                       &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, in->slug);
    bind_text(stmt, 2, name);
    bind_text(stmt, 3, group);
    bind_text(stmt, 4, description);
    sqlite3_bind_int(stmt, 5, in->position);
    sqlite3_bind_int64(stmt, 6, now);
    rc = exec_stmt(st, stmt, "adding a service");
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
done:
    free(name);
    free(group);
    free(description);
    return rc;
}

int store_service_set(struct store *st, const char *slug,
                      enum service_status status, bool auto_status)
{
    if (!auto_status && ((int)status < 0 || status >= SERVICE_STATUS_COUNT))
        return store_fail(st, UV_EINVAL, "unknown service status");
    if (!slug_valid(slug))
        return store_fail(st, UV_ENOENT, "unknown service '%s'",
                          slug != NULL ? slug : "");
    int rc = store_begin(st, true);
    if (rc != 0)
        return rc;
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "UPDATE services SET manual_status = ?1,"
                       " updated_at = ?2 WHERE slug = ?3",
                       &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, auto_status ? NULL : model_service_status_name(status));
    sqlite3_bind_int64(stmt, 2, time_now());
    bind_text(stmt, 3, slug);
    rc = exec_stmt(st, stmt, "setting a service status");
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        rc = store_fail(st, UV_ENOENT, "unknown service '%s'", slug);
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
    return rc;
}

/* ---- posts ------------------------------------------------------------ */

/* The validated, normalised form of a post's text fields. */
struct post_text {
    char *title, *body, *author, *via;
};

static void post_text_free(struct post_text *t)
{
    free(t->title);
    free(t->body);
    free(t->author);
    free(t->via);
}

static int norm_signature(struct store *st, const char *author, const char *via,
                          struct post_text *t)
{
    int rc = norm_line(st, "author", author, false, LINE_MAX_BYTES, &t->author);
    if (rc == 0)
        rc = norm_line(st, "via", via != NULL ? via : "cli", true,
                       LINE_MAX_BYTES, &t->via);
    return rc;
}

static int insert_update(struct store *st, int64_t incident_id, int64_t at,
                         enum incident_status status, const char *body,
                         const char *author, const char *via)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "INSERT INTO updates (incident_id, created_at,"
                           " status, body, author, via)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, incident_id);
    sqlite3_bind_int64(stmt, 2, at);
    bind_text(stmt, 3, model_status_name(status));
    bind_text(stmt, 4, body);
    bind_text(stmt, 5, author);
    bind_text(stmt, 6, via);
    return exec_stmt(st, stmt, "adding an update");
}

/* Where a new post may start: an incident open or resolved (a
 * retroactive report), maintenance scheduled or already under way. Only a
 * status of the kind is judged here; any other gets the message of
 * store_rules_status(). */
static int check_start(struct store *st, const struct post_input *in)
{
    if (!model_status_valid(in->kind, in->status))
        return 0;
    if (in->kind == KIND_INCIDENT && in->status == STATUS_POSTMORTEM)
        return store_fail(st, UV_EINVAL,
                          "a new incident cannot start as postmortem; "
                          "add the postmortem once it is resolved");
    if (in->kind == KIND_MAINTENANCE && in->status != STATUS_SCHEDULED &&
        in->status != STATUS_IN_PROGRESS)
        return store_fail(st, UV_EINVAL,
                          "new maintenance must be scheduled or "
                          "in_progress");
    return 0;
}

/* The row store_post_open() writes for in at time at. */
static struct post_row new_row(const struct post_input *in, int64_t at)
{
    return (struct post_row){
        .kind = in->kind,
        .status = in->status,
        .impact = in->impact,
        .monitoring_at = in->status == STATUS_MONITORING ? at : 0,
        .resolved_at = in->status == STATUS_RESOLVED ? at : 0,
        .scheduled_start = in->scheduled_start,
        .scheduled_end = in->scheduled_end,
        .n_services = in->n_services,
        .slugs = in->services,
    };
}

/* Validation of a new post that needs no database: where it starts, then
 * the rules of every post on the row it will be, then the services' own
 * windows. */
static int check_post_input(struct store *st, const struct post_input *in,
                            const struct post_row *row)
{
    int rc = check_start(st, in);
    if (rc != 0)
        return rc;
    if (in->n_services > 0 && in->services == NULL)
        return store_fail(st, UV_EINVAL, "services missing");
    rc = store_rules_post(st, row, NULL);
    if (rc != 0)
        return rc;
    if ((in->auto_start || in->auto_complete) && in->kind != KIND_MAINTENANCE)
        return store_fail(st, UV_EINVAL,
                          "only maintenance starts or completes itself");
    if (in->windows != NULL && in->kind != KIND_MAINTENANCE)
        return store_fail(st, UV_EINVAL,
                          "only maintenance has service windows");
    for (size_t i = 0; in->windows != NULL && i < in->n_services; i++) {
        const char *slug = in->services[i] != NULL ? in->services[i] : "";
        rc = store_rules_window(st, row, slug, 0, in->windows[i][0],
                                in->windows[i][1], NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int store_post_open(struct store *st, const struct post_input *in,
                    int64_t *id_out)
{
    struct post_text t = {0};
    int64_t at = 0, id = 0;
    int64_t *svc_ids = NULL;
    /* The time first: the row to be checked holds it. */
    int rc = check_time(st, in->at, &at);
    struct post_row row = new_row(in, at);
    if (rc == 0)
        rc = check_post_input(st, in, &row);
    if (rc == 0)
        rc = norm_line(st, "title", in->title, true, LINE_MAX_BYTES, &t.title);
    if (rc == 0)
        rc = norm_body(st, "body", in->body, &t.body);
    if (rc == 0)
        rc = norm_signature(st, in->author, in->via, &t);
    if (rc == 0 && in->n_services > 0 &&
        (svc_ids = calloc(in->n_services, sizeof(*svc_ids))) == NULL)
        rc = store_fail(st, UV_ENOMEM, "out of memory");
    if (rc != 0)
        goto done;

    rc = store_begin(st, true);
    if (rc != 0)
        goto done;
    for (size_t i = 0; i < in->n_services && rc == 0; i++)
        rc = service_id(st, in->services[i] != NULL ? in->services[i] : "",
                        &svc_ids[i]);
    if (rc != 0)
        goto out;

    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "INSERT INTO incidents (kind, title, status, impact,"
                       " created_at, started_at, updated_at, monitoring_at,"
                       " resolved_at, scheduled_start, scheduled_end,"
                       " auto_start, auto_complete)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, ?6, ?7, ?8, ?9,"
                       " ?10, ?11)",
                       &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, model_kind_name(row.kind));
    bind_text(stmt, 2, t.title);
    bind_text(stmt, 3, model_status_name(row.status));
    bind_text(stmt, 4, model_impact_name(row.impact));
    sqlite3_bind_int64(stmt, 5, at);
    sqlite3_bind_int64(stmt, 6, row.monitoring_at);
    sqlite3_bind_int64(stmt, 7, row.resolved_at);
    sqlite3_bind_int64(stmt, 8, row.scheduled_start);
    sqlite3_bind_int64(stmt, 9, row.scheduled_end);
    sqlite3_bind_int(stmt, 10, in->auto_start);
    sqlite3_bind_int(stmt, 11, in->auto_complete);
    rc = exec_stmt(st, stmt, "adding a post");
    if (rc != 0)
        goto out;
    id = sqlite3_last_insert_rowid(st->db);

    for (size_t i = 0; i < in->n_services; i++) {
        rc = store_prepare(st,
                           "INSERT INTO incident_services (incident_id,"
                           " service_id, window_start, window_end)"
                           " VALUES (?, ?, ?, ?)",
                           &stmt);
        if (rc != 0)
            goto out;
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_int64(stmt, 2, svc_ids[i]);
        sqlite3_bind_int64(stmt, 3, in->windows ? in->windows[i][0] : 0);
        sqlite3_bind_int64(stmt, 4, in->windows ? in->windows[i][1] : 0);
        rc = exec_stmt(st, stmt, "linking a service");
        if (rc != 0)
            goto out;
    }
    rc = insert_update(st, id, at, in->status, t.body, t.author, t.via);
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
done:
    if (rc == 0 && id_out != NULL)
        *id_out = id;
    free(svc_ids);
    post_text_free(&t);
    return rc;
}

/* A stored post: its row as the rules see it, when it last changed, when
 * it was opened, and the time of its latest update (0: none, which only
 * an imported post may lack). */
struct post_state {
    struct post_row row;
    int64_t updated_at;
    int64_t created_at;
    int64_t latest_update_at;
};

/* Reads the row of post id, so that a change can be judged on the whole
 * post it leads to. */
static int load_state(struct store *st, int64_t id, struct post_state *ps)
{
    *ps = (struct post_state){0};
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "SELECT kind, status, impact, updated_at,"
                           " monitoring_at, resolved_at, scheduled_start,"
                           " scheduled_end, postmortem IS NOT NULL,"
                           " postmortem_at, postmortem_via IS NOT NULL,"
                           " (SELECT count(*) FROM incident_services"
                           "  WHERE incident_id = incidents.id),"
                           " created_at, (SELECT coalesce(max(created_at), 0)"
                           "  FROM updates WHERE incident_id = incidents.id)"
                           " FROM incidents WHERE id = ?",
                           &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    struct post_row *row = &ps->row;
    if (step == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(stmt, 0);
        const char *status = (const char *)sqlite3_column_text(stmt, 1);
        const char *impact = (const char *)sqlite3_column_text(stmt, 2);
        if (model_parse_kind(kind, &row->kind) != 0 ||
            model_parse_status(status, &row->status) != 0 ||
            model_parse_impact(impact, &row->impact) != 0)
            rc = store_fail(st, UV_EIO,
                            "post #%lld has an unknown kind, "
                            "status or impact in the database",
                            (long long)id);
        ps->updated_at = sqlite3_column_int64(stmt, 3);
        row->monitoring_at = sqlite3_column_int64(stmt, 4);
        row->resolved_at = sqlite3_column_int64(stmt, 5);
        row->scheduled_start = sqlite3_column_int64(stmt, 6);
        row->scheduled_end = sqlite3_column_int64(stmt, 7);
        row->postmortem = sqlite3_column_int(stmt, 8) != 0;
        row->postmortem_at = sqlite3_column_int64(stmt, 9);
        row->postmortem_via = sqlite3_column_int(stmt, 10) != 0;
        row->n_services = (size_t)sqlite3_column_int64(stmt, 11);
        ps->created_at = sqlite3_column_int64(stmt, 12);
        ps->latest_update_at = sqlite3_column_int64(stmt, 13);
    } else if (step == SQLITE_DONE) {
        rc = store_fail(st, UV_ENOENT, "unknown incident #%lld", (long long)id);
    } else {
        rc = store_sql_fail(st, "looking up a post");
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Order of the maintenance statuses; verifying may be skipped, nothing
 * else. */
static int maintenance_rank(enum incident_status s)
{
    switch (s) {
    case STATUS_SCHEDULED:
        return 0;
    case STATUS_IN_PROGRESS:
        return 1;
    case STATUS_VERIFYING:
        return 2;
    default:
        return 3; /* completed */
    }
}

/* May a post of this kind go from `from` to `to`? set_status says whether
 * the update names a status explicitly (needed to reopen). */
static int check_transition(struct store *st, int64_t id,
                            const struct post_state *ps, bool set_status,
                            enum incident_status to)
{
    enum incident_status from = ps->row.status;
    long long lid = (long long)id;
    switch (ps->row.kind) {
    case KIND_INCIDENT:
        if (to == STATUS_POSTMORTEM && from != STATUS_POSTMORTEM)
            return store_fail(st, UV_EINVAL,
                              "a postmortem is published on its own, not "
                              "as an update");
        if (!model_status_is_open(from) &&
            !(set_status && model_status_is_open(to)))
            return store_fail(st, UV_EINVAL,
                              "incident #%lld is resolved; to reopen it, "
                              "give the status investigating",
                              lid);
        return 0;
    case KIND_MAINTENANCE: {
        int a = maintenance_rank(from), b = maintenance_rank(to);
        if (from == STATUS_COMPLETED)
            return store_fail(st, UV_EINVAL, "maintenance #%lld is completed",
                              lid);
        if (b < a)
            return store_fail(st, UV_EINVAL,
                              "maintenance #%lld is %s; it cannot go back "
                              "to %s",
                              lid, model_status_name(from),
                              model_status_name(to));
        if (from == STATUS_SCHEDULED && b >= 2)
            return store_fail(st, UV_EINVAL,
                              "maintenance #%lld has not started; start "
                              "it first",
                              lid);
        return 0;
    }
    default:
        return 0; /* notices stay posted; store_rules_status() saw to it */
    }
}

/* The row of post `from` after an update at time at to status `to` and
 * impact `impact`: monitoring_at remembers the first time only;
 * resolved_at follows the latest close and is cleared when the post
 * reopens. */
static struct post_row updated_row(const struct post_row *from,
                                   enum incident_status to, enum impact impact,
                                   int64_t at)
{
    struct post_row row = *from;
    row.status = to;
    row.impact = impact;
    if (to == STATUS_MONITORING && row.monitoring_at == 0)
        row.monitoring_at = at;
    if (model_status_is_open(to))
        row.resolved_at = 0;
    else if (model_status_is_open(from->status))
        row.resolved_at = at;
    return row;
}

/* Where an update at *at may go on post id: not before the post was
 * opened, and not before its latest update. Updates are added in the
 * order of their times because each one moves the post on: the status it
 * leaves the post in is the status of the newest entry of its timeline,
 * and resolved_at is the time of the update that closed it, so an update
 * slipped in under a later one would make the timeline and the post
 * disagree. An update without a time (given_at false) is "now", which a
 * server clock stepped back must not turn into a refusal: it goes at the
 * latest update's time instead. */
static int check_update_time(struct store *st, int64_t id,
                             const struct post_state *ps, bool given_at,
                             int64_t *at)
{
    int64_t floor = ps->latest_update_at > ps->created_at ? ps->latest_update_at
                                                          : ps->created_at;
    if (*at >= floor)
        return 0;
    if (!given_at) {
        *at = floor;
        return 0;
    }
    char when[TIME_BUFSZ], bound[TIME_BUFSZ];
    time_iso8601(*at, when);
    time_iso8601(*at < ps->created_at ? ps->created_at : floor, bound);
    if (*at < ps->created_at)
        return store_fail(st, UV_EINVAL,
                          "time %s is before #%lld was opened (%s)", when,
                          (long long)id, bound);
    return store_fail(st, UV_EINVAL,
                      "time %s is before the latest update of #%lld (%s); "
                      "updates are added in time order",
                      when, (long long)id, bound);
}

int store_post_update(struct store *st, int64_t id,
                      const struct update_input *in)
{
    struct post_text t = {0};
    int64_t at = 0;
    int rc = norm_body(st, "body", in->body, &t.body);
    if (rc == 0)
        rc = norm_signature(st, in->author, in->via, &t);
    if (rc == 0)
        rc = check_time(st, in->at, &at);
    if (rc != 0)
        goto done;

    rc = store_begin(st, true);
    if (rc != 0)
        goto done;
    struct post_state ps;
    rc = load_state(st, id, &ps);
    if (rc == 0)
        rc = check_update_time(st, id, &ps, in->at != 0, &at);
    if (rc != 0)
        goto out;
    enum incident_status to = in->set_status ? in->status : ps.row.status;
    enum impact impact = in->set_impact ? in->impact : ps.row.impact;
    /* The status is judged before the transition, so that a status the
     * kind does not have is named as such. */
    rc = store_rules_status(st, ps.row.kind, to);
    if (rc == 0)
        rc = check_transition(st, id, &ps, in->set_status, to);
    struct post_row row = updated_row(&ps.row, to, impact, at);
    if (rc == 0)
        rc = store_rules_post(st, &row, NULL);
    if (rc == 0 && t.body[0] == '\0' && to == ps.row.status &&
        impact == ps.row.impact)
        rc = store_fail(st, UV_EINVAL,
                        "nothing to update: give a body, a status or an "
                        "impact");
    if (rc != 0)
        goto out;
    int64_t updated_at = at > ps.updated_at ? at : ps.updated_at;

    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "UPDATE incidents SET status = ?, impact = ?,"
                       " updated_at = ?, monitoring_at = ?,"
                       " resolved_at = ? WHERE id = ?",
                       &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, model_status_name(row.status));
    bind_text(stmt, 2, model_impact_name(row.impact));
    sqlite3_bind_int64(stmt, 3, updated_at);
    sqlite3_bind_int64(stmt, 4, row.monitoring_at);
    sqlite3_bind_int64(stmt, 5, row.resolved_at);
    sqlite3_bind_int64(stmt, 6, id);
    rc = exec_stmt(st, stmt, "updating a post");
    if (rc == 0)
        rc = insert_update(st, id, at, to, t.body, t.author, t.via);
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
done:
    post_text_free(&t);
    return rc;
}

/* A text that must say something (a postmortem, an edit), after
 * normalising. */
static int check_not_empty(struct store *st, const char *field,
                           const char *text)
{
    if (text[0] == '\0')
        return store_fail(st, UV_EINVAL, "%s must not be empty", field);
    return 0;
}

/* The checks of a write that sets one text (a postmortem, an edit): the
 * text normalised and not empty, the via, the time (0: now). */
static int norm_text_write(struct store *st, const char *field,
                           const char *body, const char *via, int64_t *at,
                           struct post_text *t)
{
    int rc = norm_body(st, field, body, &t->body);
    if (rc == 0)
        rc = check_not_empty(st, field, t->body);
    if (rc == 0)
        rc = norm_signature(st, NULL, via, t);
    if (rc == 0)
        rc = check_time(st, *at, at);
    return rc;
}

int store_postmortem(struct store *st, int64_t id, const char *body,
                     const char *via, int64_t at)
{
    struct post_text t = {0};
    int rc = norm_text_write(st, "postmortem", body, via, &at, &t);
    if (rc != 0)
        goto done;

    rc = store_begin(st, true);
    if (rc != 0)
        goto done;
    struct post_state ps;
    rc = load_state(st, id, &ps);
    if (rc == 0 && ps.row.kind != KIND_INCIDENT)
        rc = store_fail(st, UV_EINVAL,
                        "only incidents have a postmortem; #%lld is %s",
                        (long long)id, store_kind_noun(ps.row.kind));
    /* A postmortem is the account of an incident that is over: on an open
     * one the page would show "Monitoring" above a published postmortem,
     * so it waits until the incident is resolved. */
    if (rc == 0 && model_status_is_open(ps.row.status))
        rc = store_fail(st, UV_EINVAL,
                        "incident #%lld is still %s; resolve it before "
                        "publishing its postmortem",
                        (long long)id, model_status_name(ps.row.status));
    struct post_row row = ps.row;
    if (row.status == STATUS_RESOLVED)
        row.status = STATUS_POSTMORTEM;
    row.postmortem = row.postmortem_via = true;
    row.postmortem_at = at;
    if (rc == 0)
        rc = store_rules_post(st, &row, NULL);
    if (rc != 0)
        goto out;
    sqlite3_stmt *stmt;
    rc = store_prepare(st,
                       "UPDATE incidents SET postmortem = ?,"
                       " postmortem_at = ?, postmortem_via = ?,"
                       " status = ?, updated_at = max(updated_at, ?)"
                       " WHERE id = ?",
                       &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, t.body);
    sqlite3_bind_int64(stmt, 2, at);
    bind_text(stmt, 3, t.via);
    bind_text(stmt, 4, model_status_name(row.status));
    sqlite3_bind_int64(stmt, 5, at);
    sqlite3_bind_int64(stmt, 6, id);
    rc = exec_stmt(st, stmt, "saving a postmortem");
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
done:
    post_text_free(&t);
    return rc;
}

int store_update_edit(struct store *st, int64_t update_id, const char *body,
                      const char *via, int64_t at)
{
    struct post_text t = {0};
    int rc = norm_text_write(st, "body", body, via, &at, &t);
    if (rc != 0)
        goto done;
    rc = store_begin(st, true);
    if (rc != 0)
        goto done;
    sqlite3_stmt *stmt;
    /* The old text goes into a revision row first, in the same
     * transaction as the change: the record never loses a word. */
    rc = store_prepare(st,
                       "INSERT INTO update_revisions (update_id, edited_at,"
                       " old_body, via)"
                       " SELECT id, ?, body, ? FROM updates WHERE id = ?",
                       &stmt);
    if (rc != 0)
        goto out;
    sqlite3_bind_int64(stmt, 1, at);
    bind_text(stmt, 2, t.via);
    sqlite3_bind_int64(stmt, 3, update_id);
    rc = exec_stmt(st, stmt, "saving the old text");
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        rc = store_fail(st, UV_ENOENT, "unknown update %lld",
                        (long long)update_id);
    if (rc != 0)
        goto out;
    rc = store_prepare(st, "UPDATE updates SET body = ? WHERE id = ?", &stmt);
    if (rc != 0)
        goto out;
    bind_text(stmt, 1, t.body);
    sqlite3_bind_int64(stmt, 2, update_id);
    rc = exec_stmt(st, stmt, "editing an update");
    if (rc == 0)
        rc = store_prepare(st,
                           "UPDATE incidents SET updated_at ="
                           " max(updated_at, ?) WHERE id ="
                           " (SELECT incident_id FROM updates WHERE id = ?)",
                           &stmt);
    if (rc == 0) {
        sqlite3_bind_int64(stmt, 1, at);
        sqlite3_bind_int64(stmt, 2, update_id);
        rc = exec_stmt(st, stmt, "editing an update");
    }
    if (rc == 0)
        rc = store_commit(st);
out:
    if (rc != 0)
        store_rollback(st);
done:
    post_text_free(&t);
    return rc;
}

int store_update_post(struct store *st, int64_t update_id, int64_t *post_id)
{
    *post_id = 0;
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "SELECT incident_id FROM updates WHERE id = ?",
                           &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, update_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *post_id = sqlite3_column_int64(stmt, 0);
    else if (step == SQLITE_DONE)
        rc = store_fail(st, UV_ENOENT, "unknown update %lld",
                        (long long)update_id);
    else
        rc = store_sql_fail(st, "finding an update");
    sqlite3_finalize(stmt);
    return rc;
}

int store_newest_update(struct store *st, int64_t post_id, int64_t *update_id)
{
    *update_id = 0;
    sqlite3_stmt *stmt;
    int rc = store_prepare(
        st, "SELECT max(id) FROM updates WHERE incident_id = ?", &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, post_id);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *update_id = sqlite3_column_int64(stmt, 0);
    else
        rc = store_sql_fail(st, "finding an update");
    sqlite3_finalize(stmt);
    if (rc == 0 && *update_id == 0)
        rc = store_fail(st, UV_ENOENT, "post #%lld has no update",
                        (long long)post_id);
    return rc;
}

/* ---- the same rules for the importer (export.c) ---------------------- */

/* A stored value must already be in normal form (what norm_* would make of
 * it), so an import writes exactly what an export read. */
int store_check_line(struct store *st, const char *field, const char *v,
                     bool required)
{
    char *norm = NULL;
    int rc = norm_line(st, field, v, required, LINE_MAX_BYTES, &norm);
    if (rc == 0 && v != NULL && (norm == NULL || strcmp(norm, v) != 0))
        rc = store_fail(st, UV_EINVAL, "%s has surrounding spaces or is blank",
                        field);
    free(norm);
    return rc;
}

int store_check_description(struct store *st, const char *v)
{
    char *norm = NULL;
    int rc =
        norm_line(st, "description", v, false, DESCRIPTION_MAX_BYTES, &norm);
    if (rc == 0 && v != NULL && (norm == NULL || strcmp(norm, v) != 0))
        rc = store_fail(st, UV_EINVAL,
                        "description has surrounding spaces or is blank");
    free(norm);
    return rc;
}

int store_check_body(struct store *st, const char *field, const char *v,
                     bool required)
{
    char *norm = NULL;
    int rc = norm_body(st, field, v, &norm);
    if (rc == 0 && strcmp(norm, v) != 0)
        rc = store_fail(st, UV_EINVAL,
                        "%s has CR line ends or trailing white space", field);
    if (rc == 0 && required)
        rc = check_not_empty(st, field, v);
    free(norm);
    return rc;
}

bool store_check_slug(const char *slug)
{
    return slug_valid(slug);
}
