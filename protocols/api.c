/* api: the /api/v1/ write API; see api.h for the routes. */
#include "api.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>
#include <uv.h>

#include "../store/common/jsonr.h"
#include "../store/common/jsonw.h"
#include "../store/common/timeutil.h"

#define API_PREFIX "/api/v1/"

static int error(struct buf *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int error(struct buf *out, int status, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    buf_puts(out, "{\"error\": ");
    jsonw_put_str(out, msg);
    buf_puts(out, "}\n");
    return status;
}

/* Why a presented Authorization field gives no token. */
enum bearer_fault {
    BEARER_OK,
    BEARER_MISSING,   /* no field, or an empty one */
    BEARER_SCHEME,    /* another scheme (Basic, ...) */
    BEARER_MALFORMED, /* Bearer, but not one of our tokens */
};

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* "Bearer TOKEN" (RFC 6750 §2.1; the scheme is case-insensitive), the
 * token copied into tok. Whitespace around a field value is not part of it
 * (RFC 9110 §5.5: OWS is SP or HTAB), so it is dropped at both ends, and
 * the scheme may be followed by more than one space or tab. Our tokens are
 * "op_" and 64 hex digits: anything else is refused here, before it costs
 * a trip to the database. */
static enum bearer_fault bearer(const char *auth, char tok[STORE_TOKEN_LEN + 1])
{
    tok[0] = '\0';
    if (auth == NULL)
        return BEARER_MISSING;
    while (is_ows(*auth))
        auth++;
    size_t n = strlen(auth);
    while (n > 0 && is_ows(auth[n - 1]))
        n--;
    if (n == 0)
        return BEARER_MISSING;
    if (n < 6 || strncasecmp(auth, "Bearer", 6) != 0 ||
        (n > 6 && !is_ows(auth[6])))
        return BEARER_SCHEME;
    const char *t = auth + 6;
    n -= 6;
    while (n > 0 && is_ows(*t)) {
        t++;
        n--;
    }
    if (n != STORE_TOKEN_LEN || strncmp(t, "op_", 3) != 0 ||
        strspn(t + 3, "0123456789abcdef") < 64)
        return BEARER_MALFORMED;
    memcpy(tok, t, n);
    tok[n] = '\0';
    return BEARER_OK;
}

static bool json_content(const char *ctype)
{
    if (ctype == NULL)
        return false;
    while (*ctype == ' ')
        ctype++;
    size_t n = strlen("application/json");
    return strncasecmp(ctype, "application/json", n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* ---- fields -------------------------------------------------------------- */

/* One request's decoding: the body, the command it fills, where errors
 * go, and what the route and path said. */
struct fields {
    const struct jsonr_value *obj;
    struct store_command *cmd;
    struct buf *out;
    int status; /* 0 while all is well */
    const struct route *route;
    const struct snapshot *snap;
    const char *slug; /* the path's second segment: a "*" slug */
    struct api_pending *pending;
};

/* One endpoint: its path below /api/v1/, where "#" stands for a segment
 * that is a post's or an update's id and "*" for one that is a service's
 * slug; its one method; and the command its body becomes. */
struct route {
    const char *path;
    int method;
    enum command_op op;
    void (*decode)(struct fields *f); /* body -> command */
    enum incident_kind kind;          /* of the post changed (the kind check) */
    enum incident_status sets;        /* decode_transition: the new status */
    bool created;                     /* api_pending.created */
    bool is_update;                   /* api_pending.is_update */
};

/* Refuses members the endpoint does not know, so a typo ("titel") is an
 * error instead of a silently missing field. */
static void only(struct fields *f, const char *const *names)
{
    for (const struct jsonr_value *m = jsonr_first(f->obj); m && !f->status;
         m = jsonr_next(m)) {
        size_t len;
        const char *key = jsonr_name(m, &len);
        bool known = false;
        for (const char *const *n = names; *n && !known; n++)
            known = strlen(*n) == len && memcmp(*n, key, len) == 0;
        if (!known)
            f->status = error(f->out, 400, "unknown field '%.40s'", key);
    }
}

/* A string member, owned by the command; NULL when absent or null. */
static const char *str(struct fields *f, const char *key, bool required)
{
    if (f->status)
        return NULL;
    const struct jsonr_value *v = jsonr_get(f->obj, key);
    size_t len;
    const char *text = jsonr_as_string(v, &len);
    if (jsonr_type(v) == JSONR_NULL) {
        if (required)
            f->status = error(f->out, 400, "'%s' is required", key);
        return NULL;
    }
    if (text == NULL) {
        f->status = error(f->out, 400, "'%s' must be a string", key);
        return NULL;
    }
    if (strlen(text) != len) {
        f->status = error(f->out, 400, "'%s' contains a NUL character", key);
        return NULL;
    }
    const char *s = store_command_strdup(f->cmd, text, len);
    if (s == NULL)
        f->status = error(f->out, 400, "too many fields");
    return s;
}

static bool parse_enum(struct fields *f, const char *key, const char *v,
                       int (*parse)(const char *, void *), void *out)
{
    if (v == NULL || f->status)
        return false;
    if (parse(v, out) != 0) {
        f->status = error(f->out, 400, "'%s': unknown value '%.40s'", key, v);
        return false;
    }
    return true;
}

static int p_status(const char *s, void *o)
{
    return model_parse_status(s, o);
}

static int p_impact(const char *s, void *o)
{
    return model_parse_impact(s, o);
}

static int p_service_status(const char *s, void *o)
{
    return model_parse_service_status(s, o);
}

/* A boolean member; false when absent or null. */
static bool bool_field(struct fields *f, const char *key)
{
    const struct jsonr_value *v = jsonr_get(f->obj, key);
    enum jsonr_type t = jsonr_type(v);
    if (f->status || t == JSONR_NULL)
        return false;
    if (t != JSONR_TRUE && t != JSONR_FALSE)
        f->status = error(f->out, 400, "'%s' must be true or false", key);
    return t == JSONR_TRUE;
}

static int64_t time_field(struct fields *f, const char *key)
{
    const char *s = str(f, key, true);
    int64_t t = 0;
    if (s != NULL && time_parse_iso8601(s, &t) != 0)
        f->status = error(f->out, 400,
                          "'%s' must be an ISO 8601 time with a zone, "
                          "e.g. 2026-11-23T18:00:00Z",
                          key);
    return t;
}

/* "at": when a post or an update happened, for a report after the fact
 * or an old page's history; absent or null is now (0). The store judges
 * it (not in the future, not before the post's latest update). */
static int64_t at_field(struct fields *f)
{
    const struct jsonr_value *v = jsonr_get(f->obj, "at");
    if (f->status || v == NULL || jsonr_type(v) == JSONR_NULL)
        return 0;
    int64_t t = time_field(f, "at");
    if (!f->status && t <= 0)
        f->status = error(f->out, 400, "'at' must be after 1970");
    return t;
}

/* One time of a per-service window: an ISO 8601 string member of o. */
static int64_t window_time(struct fields *f, const struct jsonr_value *o,
                           const char *key)
{
    size_t len;
    const char *text = jsonr_as_string(jsonr_get(o, key), &len);
    int64_t t = 0;
    if (f->status)
        return 0;
    if (text == NULL || strlen(text) != len ||
        time_parse_iso8601(text, &t) != 0)
        f->status = error(f->out, 400,
                          "'services': a window's '%s' must be an ISO 8601 "
                          "time with a zone",
                          key);
    return t;
}

/* "services": an array of slugs; for maintenance an entry may instead be
 * {"slug", "start", "end"}, that service's own window inside the
 * maintenance window (the CLI's --service SLUG@START/END). */
static void services(struct fields *f, struct post_input *in)
{
    if (f->status)
        return;
    const struct jsonr_value *v = jsonr_get(f->obj, "services");
    if (jsonr_type(v) == JSONR_NULL)
        return;
    size_t n = jsonr_len(v);
    if (jsonr_type(v) != JSONR_ARRAY || n > 32) {
        f->status = error(f->out, 400,
                          "'services' must be an array of at most 32 slugs");
        return;
    }
    const char **slugs = store_command_alloc(f->cmd, n * sizeof(*slugs));
    int64_t(*windows)[2] = NULL;
    if (slugs == NULL) {
        f->status = error(f->out, 400, "too many fields");
        return;
    }
    size_t i = 0;
    for (const struct jsonr_value *e = jsonr_first(v); e;
         e = jsonr_next(e), i++) {
        const struct jsonr_value *slug = e;
        if (jsonr_type(e) == JSONR_OBJECT && in->kind == KIND_MAINTENANCE) {
            for (const struct jsonr_value *m = jsonr_first(e);
                 m != NULL && !f->status; m = jsonr_next(m)) {
                size_t len;
                const char *key = jsonr_name(m, &len);
                if (strlen(key) != len ||
                    (strcmp(key, "slug") != 0 && strcmp(key, "start") != 0 &&
                     strcmp(key, "end") != 0))
                    f->status = error(f->out, 400,
                                      "'services': unknown field '%.40s' in "
                                      "a window",
                                      key);
            }
            slug = jsonr_get(e, "slug");
            if (windows == NULL && !f->status) {
                windows = store_command_alloc(f->cmd, n * sizeof(*windows));
                if (windows == NULL)
                    f->status = error(f->out, 400, "too many fields");
            }
            int64_t start = window_time(f, e, "start");
            int64_t end = window_time(f, e, "end");
            if (f->status)
                return;
            windows[i][0] = start;
            windows[i][1] = end;
        }
        if (f->status)
            return;
        size_t len;
        const char *text = jsonr_as_string(slug, &len);
        if (text == NULL || strlen(text) != len) {
            f->status = error(f->out, 400,
                              in->kind == KIND_MAINTENANCE
                                  ? "'services' must hold slugs or "
                                    "windows {slug, start, end}"
                                  : "'services' must hold strings");
            return;
        }
        slugs[i] = store_command_strdup(f->cmd, text, len);
        if (slugs[i] == NULL) {
            f->status = error(f->out, 400, "too many fields");
            return;
        }
    }
    in->services = slugs;
    in->n_services = n;
    in->windows = (const int64_t(*)[2])windows;
}

/* ---- decoders: one per operation --------------------------------------- */

/* What every post that opens takes after its own fields: a title, the
 * services it affects (not a notice: it affects none), a body (which a
 * notice is nothing without) and an author. */
static void decode_post_tail(struct fields *f, struct post_input *in)
{
    in->title = str(f, "title", true);
    if (in->kind != KIND_NOTICE)
        services(f, in);
    in->body = str(f, "body", in->kind == KIND_NOTICE);
    in->author = str(f, "author", false);
    in->at = at_field(f);
}

static void decode_incident(struct fields *f)
{
    static const char *const k[] = {"title", "services", "impact", "status",
                                    "body",  "author",   "at",     NULL};
    struct post_input *in = &f->cmd->post;
    in->kind = KIND_INCIDENT;
    only(f, k);
    in->status = STATUS_INVESTIGATING;
    in->impact = IMPACT_MINOR;
    parse_enum(f, "status", str(f, "status", false), p_status, &in->status);
    parse_enum(f, "impact", str(f, "impact", false), p_impact, &in->impact);
    decode_post_tail(f, in);
}

static void decode_maintenance(struct fields *f)
{
    static const char *const k[] = {
        "title",  "start",      "end",           "services", "body",
        "author", "auto_start", "auto_complete", "at",       NULL};
    struct post_input *in = &f->cmd->post;
    in->kind = KIND_MAINTENANCE;
    only(f, k);
    in->status = STATUS_SCHEDULED;
    in->impact = IMPACT_MAINTENANCE;
    in->scheduled_start = time_field(f, "start");
    in->scheduled_end = time_field(f, "end");
    in->auto_start = bool_field(f, "auto_start");
    in->auto_complete = bool_field(f, "auto_complete");
    decode_post_tail(f, in);
}

static void decode_notice(struct fields *f)
{
    static const char *const k[] = {"title", "body", "author", "at", NULL};
    struct post_input *in = &f->cmd->post;
    in->kind = KIND_NOTICE;
    only(f, k);
    in->status = STATUS_POSTED;
    in->impact = IMPACT_NONE;
    decode_post_tail(f, in);
}

/* What every update takes after its own fields: a body and an author. The
 * endpoint's kind must be the post's: resolving a maintenance through
 * /incidents/ID/resolve is refused like in the CLI. */
static void decode_update_tail(struct fields *f, struct update_input *in)
{
    in->body = str(f, "body", false);
    in->author = str(f, "author", false);
    in->at = at_field(f);
    enum incident_kind kind = f->route->kind;
    const struct incident *inc = snapshot_incident(f->snap, f->cmd->id);
    if (!f->status && inc != NULL && inc->kind != kind)
        f->status =
            error(f->out, 400, "#%" PRId64 " is not %s", f->cmd->id,
                  kind == KIND_INCIDENT ? "an incident" : "a maintenance");
}

/* .../updates: any status and impact the post's kind allows. */
static void decode_update(struct fields *f)
{
    static const char *const k[] = {"status", "impact", "body",
                                    "author", "at",     NULL};
    struct update_input *in = &f->cmd->update;
    only(f, k);
    in->set_status =
        parse_enum(f, "status", str(f, "status", false), p_status, &in->status);
    in->set_impact =
        parse_enum(f, "impact", str(f, "impact", false), p_impact, &in->impact);
    decode_update_tail(f, in);
}

/* .../resolve, /start, /complete: an update to the route's status. */
static void decode_transition(struct fields *f)
{
    static const char *const k[] = {"body", "author", "at", NULL};
    struct update_input *in = &f->cmd->update;
    only(f, k);
    in->set_status = true;
    in->status = f->route->sets;
    decode_update_tail(f, in);
}

/* A postmortem, or a correction of an update: a text and nothing else. */
static void decode_text(struct fields *f)
{
    static const char *const k[] = {"body", NULL};
    only(f, k);
    f->cmd->text = str(f, "body", true);
}

static void decode_service_add(struct fields *f)
{
    static const char *const k[] = {"slug",        "name",     "group",
                                    "description", "position", NULL};
    struct service_input *in = &f->cmd->service;
    only(f, k);
    in->slug = str(f, "slug", true);
    if (in->slug != NULL)
        snprintf(f->pending->slug, sizeof(f->pending->slug), "%s", in->slug);
    in->name = str(f, "name", true);
    in->group = str(f, "group", false);
    in->description = str(f, "description", false);
    const struct jsonr_value *pos = jsonr_get(f->obj, "position");
    int64_t position = 0;
    if (!f->status && pos != NULL && jsonr_type(pos) != JSONR_NULL) {
        if (jsonr_as_int64(pos, &position) != 0 || position < 0 ||
            position > 100000)
            f->status = error(f->out, 400,
                              "'position' must be an integer "
                              "from 0 to 100000");
        else
            in->position = (int)position;
    }
}

static void decode_service_set(struct fields *f)
{
    static const char *const k[] = {"status", NULL};
    only(f, k);
    f->cmd->text = store_command_strdup(f->cmd, f->slug, (size_t)-1);
    const char *st = str(f, "status", true);
    if (st != NULL && strcmp(st, "auto") == 0)
        f->cmd->auto_status = true;
    else
        parse_enum(f, "status", st, p_service_status, &f->cmd->status);
}

/* ---- routes -------------------------------------------------------------- */

static const struct route routes[] = {
    {"incidents", HTTP_POST, COMMAND_POST_OPEN, decode_incident,
     .created = true},
    {"maintenances", HTTP_POST, COMMAND_POST_OPEN, decode_maintenance,
     .created = true},
    {"notices", HTTP_POST, COMMAND_POST_OPEN, decode_notice, .created = true},
    {"services", HTTP_POST, COMMAND_SERVICE_ADD, decode_service_add,
     .created = true},
    {"services/*/status", HTTP_PUT, COMMAND_SERVICE_SET, decode_service_set,
     .created = false},
    /* A correction: the new text replaces the old, which the store keeps
     * as a revision; status and time stay as they were. */
    {"updates/#", HTTP_PUT, COMMAND_UPDATE_EDIT, decode_text, .created = false},
    {"incidents/#/updates", HTTP_POST, COMMAND_POST_UPDATE, decode_update,
     .kind = KIND_INCIDENT, .created = true, .is_update = true},
    {"incidents/#/resolve", HTTP_POST, COMMAND_POST_UPDATE, decode_transition,
     .kind = KIND_INCIDENT, .sets = STATUS_RESOLVED, .is_update = true},
    {"incidents/#/postmortem", HTTP_POST, COMMAND_POSTMORTEM, decode_text,
     .kind = KIND_INCIDENT, .is_update = true},
    {"maintenances/#/updates", HTTP_POST, COMMAND_POST_UPDATE, decode_update,
     .kind = KIND_MAINTENANCE, .created = true, .is_update = true},
    {"maintenances/#/start", HTTP_POST, COMMAND_POST_UPDATE, decode_transition,
     .kind = KIND_MAINTENANCE, .sets = STATUS_IN_PROGRESS, .is_update = true},
    {"maintenances/#/complete", HTTP_POST, COMMAND_POST_UPDATE,
     decode_transition, .kind = KIND_MAINTENANCE, .sets = STATUS_COMPLETED,
     .is_update = true},
};

/* Splits "/api/v1/incidents/42/updates" into its segments. */
static size_t segments(const char *path, char seg[4][48])
{
    size_t n = 0;
    const char *p = path + strlen(API_PREFIX);
    while (*p && n < 4) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= 48)
            return 5; /* empty or absurd segment: no route */
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        if (*p != '/')
            break;
        if (*++p == '\0')
            return 5; /* a trailing slash names no endpoint */
    }
    return *p ? 5 : n;
}

static bool parse_id(const char *s, int64_t *id)
{
    if (*s == '\0' || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return false;
    *id = strtoll(s, NULL, 10);
    return *id > 0;
}

/* Whether seg is what the len bytes of a route's pattern at pat ask for;
 * a "#" stores its id in *id. */
static bool segment_matches(const char *pat, size_t len, const char *seg,
                            int64_t *id)
{
    if (len == 1 && pat[0] == '#')
        return parse_id(seg, id);
    if (len == 1 && pat[0] == '*')
        return true;
    return strlen(seg) == len && memcmp(pat, seg, len) == 0;
}

/* Whether the n segments in seg are r's path; *id gets its "#", if any. */
static bool route_matches(const struct route *r, char seg[4][48], size_t n,
                          int64_t *id)
{
    int64_t got = 0;
    size_t k = 0;
    for (const char *p = r->path; *p != '\0'; k++) {
        size_t len = strcspn(p, "/");
        if (k >= n || !segment_matches(p, len, seg[k], &got))
            return false;
        p += len + (p[len] == '/');
    }
    if (k != n)
        return false;
    *id = got;
    return true;
}

/* The route of path, with its segments in seg and its id in *id; NULL for
 * a path that names no endpoint. */
static const struct route *route_find(const char *path, char seg[4][48],
                                      int64_t *id)
{
    size_t n = segments(path, seg);
    if (n > 3)
        return NULL; /* no endpoint is longer; 5 says no path at all */
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (route_matches(&routes[i], seg, n, id))
            return &routes[i];
    return NULL;
}

/* ---- requests ------------------------------------------------------------ */

/* The checks before the body is read, in the order a client is told of
 * them: the method, a well-formed bearer token (one message per fault),
 * one the snapshot does not know to be revoked, the Content-Type. 0 and
 * the token in tok, or the HTTP status. */
static int admit(const struct snapshot *snap, const struct api_request *req,
                 const struct route *r, struct buf *out, const char **allow,
                 char tok[STORE_TOKEN_LEN + 1], bool *unseen)
{
    if (req->method != r->method) {
        *allow = r->method == HTTP_PUT ? "PUT" : "POST";
        return error(out, 405, "use %s on this endpoint", *allow);
    }
    switch (bearer(req->auth, tok)) {
    case BEARER_OK:
        break;
    case BEARER_MISSING:
        return error(out, 401,
                     "an API token is required: "
                     "Authorization: Bearer TOKEN");
    case BEARER_SCHEME:
        return error(out, 401,
                     "use the Bearer scheme: Authorization: Bearer TOKEN");
    case BEARER_MALFORMED:
        return error(out, 401,
                     "malformed token: a token is op_ and 64 lower-case "
                     "hex digits, as outpost token add prints it");
    }
    /* A revoked token is refused here, before its body is even parsed:
     * revocation is for good, so the snapshot's word is final. A token
     * the snapshot does not have may have been made since it was built
     * (a script that adds a token and uses it at once): the write's job
     * reads the store before refusing it (store_command_run()). */
    enum store_token_seen seen = store_token_seen(snap, tok);
    if (seen == STORE_TOKEN_REVOKED)
        return error(out, 401, "invalid or revoked token");
    *unseen = seen == STORE_TOKEN_UNSEEN;
    if (!json_content(req->ctype))
        return error(out, 415, "send Content-Type: application/json");
    return 0;
}

/* The body as a JSON object in *doc (jsonr_free()), or the HTTP status. */
static int parse_body(const struct api_request *req, struct buf *out,
                      struct jsonr_value **doc)
{
    char err[160];
    *doc = NULL;
    if (jsonr_parse(req->body ? req->body : "", req->body_len, doc, err,
                    sizeof(err)) != 0)
        return error(out, 400, "the body is not valid JSON: %s", err);
    if (jsonr_type(*doc) != JSONR_OBJECT) {
        jsonr_free(*doc);
        *doc = NULL;
        return error(out, 400, "the body must be a JSON object");
    }
    return 0;
}

int api_request(const struct snapshot *snap, const struct api_request *req,
                struct store_command **cmd_out, struct api_pending *pending,
                struct buf *out, const char **allow)
{
    *cmd_out = NULL;
    *allow = NULL;
    memset(pending, 0, sizeof(*pending));
    /* Route first, so a wrong path is 404 whatever else is wrong. */
    char seg[4][48] = {{0}};
    int64_t id = 0;
    const struct route *r = route_find(req->path, seg, &id);
    if (r == NULL)
        return error(out, 404, "no such API endpoint");
    pending->created = r->created;
    pending->is_update = r->is_update;
    char token[STORE_TOKEN_LEN + 1];
    bool unseen = false;
    struct jsonr_value *doc = NULL;
    int status = admit(snap, req, r, out, allow, token, &unseen);
    if (status == 0)
        status = parse_body(req, out, &doc);
    if (status != 0)
        return status;
    struct store_command *cmd = store_command_new(r->op, token);
    if (cmd == NULL) {
        jsonr_free(doc);
        return error(out, 503, "out of memory");
    }
    cmd->id = id;
    cmd->token_unseen = unseen;
    struct fields f = {doc, cmd, out, 0, r, snap, seg[1], pending};
    r->decode(&f);
    jsonr_free(doc);
    if (f.status) {
        store_command_free(cmd);
        return f.status;
    }
    *cmd_out = cmd;
    return 0;
}

int api_result(const struct snapshot *snap, const struct api_pending *p,
               const struct store_result *res, struct buf *out, char *location,
               size_t cap)
{
    location[0] = '\0';
    switch (res->rc) {
    case 0:
        break;
    case UV_EACCES:
        return error(out, 401, "%s", res->message);
    case UV_ENOENT:
        return error(out, 404, "%s", res->message);
    case UV_EEXIST:
        return error(out, 409, "%s", res->message);
    case UV_EINVAL:
        return error(out, 400, "%s", res->message);
    case UV_ECANCELED: /* not written: the server stopped first */
        return error(out, 503, "%s", res->message);
    default:
        return error(out, 503, "the store could not be written: %s",
                     res->message);
    }
    const char *base = snap->site.base_url ? snap->site.base_url : "";
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_object_begin(&w);
    if (res->id != 0) {
        jsonw_key(&w, "id");
        jsonw_int(&w, res->id);
        char url[512];
        snprintf(url, sizeof(url), "%s/incidents/%" PRId64, base, res->id);
        jsonw_key(&w, "url");
        jsonw_string(&w, url);
        if (p->created)
            snprintf(location, cap, "%s", url);
    }
    if (res->update_id != 0) {
        jsonw_key(&w, "update_id");
        jsonw_int(&w, res->update_id);
    }
    if (p->slug[0] != '\0' && p->created) {
        /* A service's id is its slug, as in the v2 JSON's components. */
        jsonw_key(&w, "id");
        jsonw_string(&w, p->slug);
        char url[512];
        snprintf(url, sizeof(url), "%s/services/%s", base, p->slug);
        jsonw_key(&w, "url");
        jsonw_string(&w, url);
        snprintf(location, cap, "%s", url);
    }
    jsonw_key(&w, "via");
    jsonw_string(&w, res->token_name);
    jsonw_object_end(&w);
    buf_putc(out, '\n');
    return p->created ? 201 : 200;
}
