/* Unit tests for protocols/api.c (request checking, the snapshot's token
 * check, result rendering), the write API's framing inside the HTTP
 * protocol, and store/command.c (token and write in one transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>
#include <uv.h>

#include "../../protocols/api.h"
#include "../../protocols/proto.h"
#include "../../store/store.h"
#include "fixture.h"
#include "testlib.h"

#define TOK                                                                    \
    "op_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define REVOKED                                                                \
    "op_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UNKNOWN                                                                \
    "op_00000000000000000000000000000000000000000000000000000000000000ff"
#define AUTH "Bearer " TOK
#define JSON "application/json"

/* Adds a token to a snapshot's table, as store_load() would. */
static void add_token(struct snapshot *s, const char *name, const char *token,
                      bool revoked)
{
    struct snapshot_token *t =
        snapshot_alloc(s, (s->n_tokens + 1) * sizeof(*t));
    if (t == NULL)
        abort();
    if (s->n_tokens > 0)
        memcpy(t, s->tokens, s->n_tokens * sizeof(*t));
    t[s->n_tokens].name = snapshot_strdup(s, name);
    t[s->n_tokens].revoked = revoked;
    store_token_hash(token, t[s->n_tokens].hash);
    s->tokens = t;
    s->n_tokens++;
}

/* The fixture, with "noc-bot" (TOK) valid and "old" (REVOKED) revoked. */
static struct snapshot *snapshot_with_tokens(void)
{
    struct snapshot *s = fixture_snapshot();
    add_token(s, "old", REVOKED, true);
    add_token(s, "noc-bot", TOK, false);
    return s;
}

TEST(request_table)
{
    static const struct {
        const char *what;
        int method;
        const char *path, *auth, *ctype, *body;
        int status;      /* 0: a command is built */
        const char *msg; /* part of the error, when refused */
    } cases[] = {
        {"open an incident", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"services\":[\"dsl\"],\"impact\":\"major\"}", 0,
         NULL},
        {"a charset parameter is fine", HTTP_POST, "/api/v1/notices", AUTH,
         "application/json; charset=utf-8", "{\"title\":\"n\",\"body\":\"b\"}",
         0, NULL},
        {"bearer is case-insensitive", HTTP_POST, "/api/v1/incidents",
         "bearer " TOK, JSON, "{\"title\":\"x\"}", 0, NULL},
        {"unknown route", HTTP_POST, "/api/v1/outages", AUTH, JSON, "{}", 404,
         "no such API endpoint"},
        {"bad id", HTTP_POST, "/api/v1/incidents/x/resolve", AUTH, JSON, "{}",
         404, NULL},
        {"id zero", HTTP_POST, "/api/v1/incidents/0/resolve", AUTH, JSON, "{}",
         404, NULL},
        {"trailing slash", HTTP_POST, "/api/v1/incidents/", AUTH, JSON, "{}",
         404, NULL},
        {"incidents have no start", HTTP_POST, "/api/v1/incidents/42/start",
         AUTH, JSON, "{}", 404, NULL},
        {"wrong method", HTTP_GET, "/api/v1/incidents", AUTH, JSON, "", 405,
         "use POST"},
        {"edit an update", HTTP_PUT, "/api/v1/updates/7", AUTH, JSON,
         "{\"body\":\"Fixed text.\"}", 0, NULL},
        {"an edit needs a body", HTTP_PUT, "/api/v1/updates/7", AUTH, JSON,
         "{}", 400, "'body' is required"},
        {"an edit changes the text only", HTTP_PUT, "/api/v1/updates/7", AUTH,
         JSON, "{\"body\":\"x\",\"status\":\"resolved\"}", 400,
         "unknown field 'status'"},
        {"an edit is a PUT", HTTP_POST, "/api/v1/updates/7", AUTH, JSON, "{}",
         405, "use PUT"},
        {"updates are edited one by one", HTTP_PUT, "/api/v1/updates", AUTH,
         JSON, "{}", 404, NULL},
        {"PUT only for service status", HTTP_POST,
         "/api/v1/services/dsl/status", AUTH, JSON, "{}", 405, "use PUT"},
        {"DELETE is not a write we take", HTTP_DELETE,
         "/api/v1/incidents/42/updates", AUTH, JSON, "", 405, "use POST"},
        {"route before auth: 404 without a token", HTTP_POST, "/api/v1/outages",
         NULL, JSON, "{}", 404, NULL},
        {"no token", HTTP_POST, "/api/v1/incidents", NULL, JSON, "{}", 401,
         "Authorization: Bearer"},
        {"an empty field is no token", HTTP_POST, "/api/v1/incidents", " \t",
         JSON, "{}", 401, "an API token is required"},
        {"basic auth is not a token", HTTP_POST, "/api/v1/incidents",
         "Basic dXNlcjpwYXNz", JSON, "{}", 401, "use the Bearer scheme"},
        {"a scheme run into the token", HTTP_POST, "/api/v1/incidents",
         "Bearer" TOK, JSON, "{}", 401, "use the Bearer scheme"},
        {"token of the wrong shape", HTTP_POST, "/api/v1/incidents",
         "Bearer op_123", JSON, "{}", 401, "malformed token"},
        {"the scheme alone", HTTP_POST, "/api/v1/incidents", "Bearer ", JSON,
         "{}", 401, "malformed token"},
        /* Whitespace around a field value is not part of it (RFC 9110
         * §5.5): the token works with a space or tab after it. */
        {"a trailing space", HTTP_POST, "/api/v1/notices", AUTH " ", JSON,
         "{\"title\":\"x\",\"body\":\"y\"}", 0, NULL},
        {"a trailing tab", HTTP_POST, "/api/v1/notices", AUTH "\t", JSON,
         "{\"title\":\"x\",\"body\":\"y\"}", 0, NULL},
        {"tabs and spaces around", HTTP_POST, "/api/v1/notices",
         "\t bearer \t" TOK " \t ", JSON, "{\"title\":\"x\",\"body\":\"y\"}", 0,
         NULL},
        {"token in upper case hex", HTTP_POST, "/api/v1/incidents",
         "Bearer op_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789"
         "abcdef",
         JSON, "{}", 401, NULL},
        {"well-formed but unknown token: left to the store", HTTP_POST,
         "/api/v1/notices", "Bearer " UNKNOWN, JSON,
         "{\"title\":\"x\",\"body\":\"y\"}", 0, NULL},
        {"revoked token: refused from the snapshot", HTTP_POST,
         "/api/v1/incidents", "Bearer " REVOKED, JSON, "{\"title\":\"x\"}", 401,
         "invalid or revoked token"},
        {"a revoked token is refused before its body is read", HTTP_POST,
         "/api/v1/incidents", "Bearer " REVOKED, JSON, "{not json", 401,
         "invalid or revoked token"},
        {"no content type", HTTP_POST, "/api/v1/incidents", AUTH, NULL, "{}",
         415, NULL},
        {"form data", HTTP_POST, "/api/v1/incidents", AUTH,
         "application/x-www-form-urlencoded", "title=x", 415, NULL},
        {"a look-alike media type", HTTP_POST, "/api/v1/incidents", AUTH,
         "application/jsonp", "{\"title\":\"x\"}", 415, NULL},
        {"empty body", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "", 400,
         "not valid JSON"},
        {"not JSON", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "{title:1}",
         400, "not valid JSON"},
        {"trailing garbage", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\"} {}", 400, "not valid JSON"},
        {"not an object", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "[]", 400,
         "must be a JSON object"},
        {"unknown field", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"colour\":\"red\"}", 400, "unknown field 'colour'"},
        {"missing title", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "{}", 400,
         "'title' is required"},
        {"null title is missing", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":null}", 400, "'title' is required"},
        {"title of the wrong type", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":[]}", 400, "'title' must be a string"},
        {"NUL in a string", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"a\\u0000b\"}", 400, "NUL"},
        {"unknown impact", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"impact\":\"huge\"}", 400, "unknown value 'huge'"},
        {"unknown status", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"status\":\"panicking\"}", 400,
         "unknown value 'panicking'"},
        {"services not an array", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"services\":\"dsl\"}", 400, "'services' must be"},
        {"services holding a number", HTTP_POST, "/api/v1/incidents", AUTH,
         JSON, "{\"title\":\"x\",\"services\":[\"dsl\",3]}", 400,
         "'services' must hold strings"},
        {"maintenance", HTTP_POST, "/api/v1/maintenances", AUTH, JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\","
         "\"end\":\"2099-01-01T02:00:00+01:00\",\"services\":[\"dns\"]}",
         0, NULL},
        {"maintenance without a zone", HTTP_POST, "/api/v1/maintenances", AUTH,
         JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00\","
         "\"end\":\"2099-01-01T02:00Z\"}",
         400, "with a zone"},
        {"maintenance without an end", HTTP_POST, "/api/v1/maintenances", AUTH,
         JSON, "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\"}", 400,
         "'end' is required"},
        {"maintenance has no impact field", HTTP_POST, "/api/v1/maintenances",
         AUTH, JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\","
         "\"end\":\"2099-01-01T02:00:00Z\",\"impact\":\"major\"}",
         400, "unknown field 'impact'"},
        {"a window on an incident", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"services\":[{\"slug\":\"dsl\"}]}", 400,
         "'services' must hold strings"},
        {"a window without its end", HTTP_POST, "/api/v1/maintenances", AUTH,
         JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\","
         "\"end\":\"2099-01-01T04:00:00Z\",\"services\":[{\"slug\":\"dns\","
         "\"start\":\"2099-01-01T01:00:00Z\"}]}",
         400, "a window's 'end' must be an ISO 8601 time"},
        {"a window with an unknown field", HTTP_POST, "/api/v1/maintenances",
         AUTH, JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\","
         "\"end\":\"2099-01-01T04:00:00Z\",\"services\":[{\"slug\":\"dns\","
         "\"from\":\"2099-01-01T01:00:00Z\"}]}",
         400, "unknown field 'from' in a window"},
        {"a window without a slug", HTTP_POST, "/api/v1/maintenances", AUTH,
         JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00:00Z\","
         "\"end\":\"2099-01-01T04:00:00Z\",\"services\":[{"
         "\"start\":\"2099-01-01T01:00:00Z\",\"end\":\"2099-01-01T02:00:00Z\"}]"
         "}",
         400, "slugs or windows {slug, start, end}"},
        {"notice needs a body", HTTP_POST, "/api/v1/notices", AUTH, JSON,
         "{\"title\":\"n\"}", 400, "'body' is required"},
        {"notices affect no services", HTTP_POST, "/api/v1/notices", AUTH, JSON,
         "{\"title\":\"n\",\"body\":\"b\",\"services\":[\"dsl\"]}", 400,
         "unknown field 'services'"},
        {"an update", HTTP_POST, "/api/v1/incidents/42/updates", AUTH, JSON,
         "{\"status\":\"monitoring\",\"body\":\"Better.\"}", 0, NULL},
        {"resolve", HTTP_POST, "/api/v1/incidents/42/resolve", AUTH, JSON,
         "{\"body\":\"Fixed.\"}", 0, NULL},
        {"resolve with an extra field", HTTP_POST,
         "/api/v1/incidents/42/resolve", AUTH, JSON,
         "{\"status\":\"identified\"}", 400, "unknown field"},
        {"resolving a maintenance as an incident", HTTP_POST,
         "/api/v1/incidents/43/resolve", AUTH, JSON, "{}", 400,
         "is not an incident"},
        {"starting an incident as a maintenance", HTTP_POST,
         "/api/v1/maintenances/42/start", AUTH, JSON, "{}", 400,
         "is not a maintenance"},
        {"postmortem needs a body", HTTP_POST,
         "/api/v1/incidents/41/postmortem", AUTH, JSON, "{}", 400,
         "'body' is required"},
        {"service status", HTTP_PUT, "/api/v1/services/dsl/status", AUTH, JSON,
         "{\"status\":\"auto\"}", 0, NULL},
        {"bad service status", HTTP_PUT, "/api/v1/services/dsl/status", AUTH,
         JSON, "{\"status\":\"sad\"}", 400, "unknown value 'sad'"},
        {"service add", HTTP_POST, "/api/v1/services", AUTH, JSON,
         "{\"slug\":\"voip\",\"name\":\"Telephony\",\"position\":7}", 0, NULL},
        {"position out of range", HTTP_POST, "/api/v1/services", AUTH, JSON,
         "{\"slug\":\"s\",\"name\":\"S\",\"position\":-1}", 400, "'position'"},
        {"position not an integer", HTTP_POST, "/api/v1/services", AUTH, JSON,
         "{\"slug\":\"s\",\"name\":\"S\",\"position\":1.5}", 400, "'position'"},
    };
    struct snapshot *s = snapshot_with_tokens();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct api_request req = {cases[i].method, cases[i].path,
                                  cases[i].auth,   cases[i].ctype,
                                  cases[i].body,   strlen(cases[i].body)};
        struct store_command *cmd = NULL;
        struct api_pending p;
        struct buf out = BUF_INIT;
        const char *allow = NULL;
        int status = api_request(s, &req, &cmd, &p, &out, &allow);
        if (status != cases[i].status)
            printf("  %s: %d %s\n", cases[i].what, status,
                   out.data ? out.data : "");
        CHECK_INT(status, cases[i].status);
        CHECK((status == 0) == (cmd != NULL));
        CHECK((status == 405) == (allow != NULL));
        if (cases[i].msg != NULL)
            CHECK_HAS(out.data, out.len, cases[i].msg);
        if (status != 0) /* every refusal is a JSON object with "error" */
            CHECK(out.data != NULL &&
                  strncmp(out.data, "{\"error\": ", 10) == 0);
        store_command_free(cmd);
        buf_free(&out);
    }
    snapshot_unref(s);
}

/* The snapshot's token table refuses a revoked token at once; a token it
 * does not have goes to the store (it may be newer than the snapshot),
 * marked so that the store reads its tokens first. */
TEST(snapshot_token_check)
{
    const char *body = "{\"title\":\"x\"}";
    struct api_request req = {HTTP_POST, "/api/v1/incidents", AUTH, JSON,
                              body,      strlen(body)};
    struct store_command *cmd;
    struct api_pending p;
    const char *allow;
    struct buf out = BUF_INIT;

    struct snapshot *none = fixture_snapshot();
    CHECK_INT(api_request(none, &req, &cmd, &p, &out, &allow), 0);
    CHECK(cmd != NULL && cmd->token_unseen);
    store_command_free(cmd);
    snapshot_unref(none);

    struct snapshot *known = snapshot_with_tokens();
    buf_reset(&out);
    CHECK_INT(api_request(known, &req, &cmd, &p, &out, &allow), 0);
    CHECK(cmd != NULL && !cmd->token_unseen);
    store_command_free(cmd);
    snapshot_unref(known);

    /* The same token listed twice, once revoked (as after an import
     * gone odd): the valid entry still counts. */
    struct snapshot *both = fixture_snapshot();
    add_token(both, "a", TOK, true);
    add_token(both, "b", TOK, false);
    buf_reset(&out);
    CHECK_INT(api_request(both, &req, &cmd, &p, &out, &allow), 0);
    store_command_free(cmd);
    snapshot_unref(both);

    struct snapshot *revoked = fixture_snapshot();
    add_token(revoked, "a", TOK, true);
    buf_reset(&out);
    CHECK_INT(api_request(revoked, &req, &cmd, &p, &out, &allow), 401);
    snapshot_unref(revoked);
    buf_free(&out);
}

TEST(command_fields)
{
    struct snapshot *s = snapshot_with_tokens();
    const char *body =
        "{\"title\":\"Fibre cut\",\"services\":[\"dsl\",\"fibre\"],"
        "\"impact\":\"critical\",\"status\":\"identified\","
        "\"body\":\"Digger.\",\"author\":\"Ben\"}";
    struct api_request req = {HTTP_POST, "/api/v1/incidents", AUTH, JSON,
                              body,      strlen(body)};
    struct store_command *cmd;
    struct api_pending p;
    struct buf out = BUF_INIT;
    const char *allow;
    CHECK_INT(api_request(s, &req, &cmd, &p, &out, &allow), 0);
    CHECK(p.created);
    CHECK_INT(cmd->op, COMMAND_POST_OPEN);
    /* The command carries the token's hash, not the token. */
    unsigned char want[STORE_TOKEN_HASH];
    store_token_hash(TOK, want);
    CHECK(memcmp(cmd->token_hash, want, sizeof(want)) == 0);
    CHECK_INT(cmd->post.kind, KIND_INCIDENT);
    CHECK_STR(cmd->post.title, "Fibre cut");
    CHECK_INT(cmd->post.n_services, 2);
    CHECK_STR(cmd->post.services[1], "fibre");
    CHECK_INT(cmd->post.impact, IMPACT_CRITICAL);
    CHECK_INT(cmd->post.status, STATUS_IDENTIFIED);
    CHECK_STR(cmd->post.body, "Digger.");
    CHECK_STR(cmd->post.author, "Ben");
    store_command_free(cmd);

    /* Maintenance with a window of its own for one service: the slugs in
     * order, the windowed one with its times, the plain one {0, 0} (the
     * maintenance's own window). */
    const char *mw = "{\"title\":\"Works\",\"start\":\"2099-01-01T01:00:00Z\","
                     "\"end\":\"2099-01-01T05:00:00Z\",\"services\":[\"imap\","
                     "{\"slug\":\"dns\",\"start\":\"2099-01-01T02:00:00Z\","
                     "\"end\":\"2099-01-01T03:00:00+00:00\"}]}";
    struct api_request mreq = {
        HTTP_POST, "/api/v1/maintenances", AUTH, JSON, mw, strlen(mw)};
    buf_reset(&out);
    CHECK_INT(api_request(s, &mreq, &cmd, &p, &out, &allow), 0);
    if (cmd != NULL) {
        CHECK_INT(cmd->post.kind, KIND_MAINTENANCE);
        CHECK_INT(cmd->post.n_services, 2);
        CHECK_STR(cmd->post.services[0], "imap");
        CHECK_STR(cmd->post.services[1], "dns");
        CHECK(cmd->post.windows != NULL);
        if (cmd->post.windows != NULL) {
            CHECK_INT(cmd->post.windows[0][0], 0);
            CHECK_INT(cmd->post.windows[0][1], 0);
            CHECK_INT(cmd->post.windows[1][0], 4070916000);
            CHECK_INT(cmd->post.windows[1][1], 4070919600);
        }
        store_command_free(cmd);
    }

    /* The endpoints that change a post set the status they stand for. */
    static const struct {
        const char *path, *body;
        int64_t id;
        enum command_op op;
        bool set_status;
        enum incident_status status;
        bool created;
    } posts[] = {
        {"/api/v1/incidents/42/updates", "{\"body\":\"More.\"}", 42,
         COMMAND_POST_UPDATE, false, 0, true},
        {"/api/v1/incidents/42/updates", "{\"status\":\"monitoring\"}", 42,
         COMMAND_POST_UPDATE, true, STATUS_MONITORING, true},
        {"/api/v1/incidents/42/resolve", "{}", 42, COMMAND_POST_UPDATE, true,
         STATUS_RESOLVED, false},
        {"/api/v1/maintenances/43/start", "{}", 43, COMMAND_POST_UPDATE, true,
         STATUS_IN_PROGRESS, false},
        {"/api/v1/maintenances/44/complete", "{\"body\":\"Done.\"}", 44,
         COMMAND_POST_UPDATE, true, STATUS_COMPLETED, false},
        {"/api/v1/incidents/41/postmortem", "{\"body\":\"Why.\"}", 41,
         COMMAND_POSTMORTEM, false, 0, false},
    };
    for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
        struct api_request r = {HTTP_POST,     posts[i].path,        AUTH, JSON,
                                posts[i].body, strlen(posts[i].body)};
        buf_reset(&out);
        CHECK_INT(api_request(s, &r, &cmd, &p, &out, &allow), 0);
        if (cmd == NULL)
            continue;
        CHECK_INT(cmd->op, posts[i].op);
        CHECK_INT(cmd->id, posts[i].id);
        CHECK_INT(p.created, posts[i].created);
        if (posts[i].op == COMMAND_POST_UPDATE) {
            CHECK_INT(cmd->update.set_status, posts[i].set_status);
            if (posts[i].set_status)
                CHECK_INT(cmd->update.status, posts[i].status);
        } else {
            CHECK_STR(cmd->text, "Why.");
        }
        store_command_free(cmd);
    }

    const char *svc = "{\"status\":\"partial_outage\"}";
    struct api_request put = {
        HTTP_PUT, "/api/v1/services/imap/status", AUTH, JSON, svc, strlen(svc)};
    buf_reset(&out);
    CHECK_INT(api_request(s, &put, &cmd, &p, &out, &allow), 0);
    CHECK_INT(cmd->op, COMMAND_SERVICE_SET);
    CHECK_STR(cmd->text, "imap");
    CHECK_INT(cmd->status, SERVICE_PARTIAL_OUTAGE);
    CHECK(!cmd->auto_status);
    store_command_free(cmd);
    buf_free(&out);
    snapshot_unref(s);
}

/* The command path against a real store: the token is checked in the
 * write's own transaction, the write carries the token's name, and the
 * token's use is recorded only when the write commits. */
TEST(run_commands)
{
    struct store *st;
    char err[256], tok[STORE_TOKEN_LEN + 1], old[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    CHECK_INT(store_token_add(st, "noc-bot", tok, 0), 0);
    CHECK_INT(store_token_add(st, "old", old, 0), 0);
    CHECK_INT(store_token_revoke(st, "old", 0), 0);

    struct post_input notice = {.kind = KIND_NOTICE,
                                .title = "Hello",
                                .status = STATUS_POSTED,
                                .impact = IMPACT_NONE,
                                .body = "World."};
    struct store_command *c = store_command_new(COMMAND_POST_OPEN, tok);
    c->post = notice;
    struct store_result res;
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, 0);
    CHECK(res.id > 0);
    CHECK_STR(res.token_name, "noc-bot");
    store_command_free(c);
    struct snapshot *s;
    CHECK_INT(store_load(st, 0, &s), 0);
    CHECK_STR(snapshot_incident(s, res.id)->updates[0].via, "noc-bot");
    snapshot_unref(s);
    struct token_info *list;
    size_t n;
    CHECK_INT(store_token_list(st, &list, &n), 0);
    CHECK_INT(n, 2);
    CHECK(list[0].last_used_at > 0); /* noc-bot wrote */
    CHECK_INT(list[1].last_used_at, 0);
    free(list);

    /* A revoked token: refused, nothing written, no use recorded. */
    c = store_command_new(COMMAND_POST_OPEN, old);
    c->post = notice;
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EACCES);
    CHECK_STR(res.token_name, "");
    store_command_free(c);
    /* No token at all (the API never sends one, but the store must not
     * rely on that). */
    c = store_command_new(COMMAND_POST_OPEN, NULL);
    c->post = notice;
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EACCES);
    store_command_free(c);

    /* A token the snapshot did not have: the store is read first. One
     * made after the snapshot works; an unknown one is refused, and
     * neither a revoked nor an unknown one writes anything. */
    char fresh[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_token_add(st, "fresh", fresh, 0), 0);
    c = store_command_new(COMMAND_POST_OPEN, fresh);
    c->post = notice;
    c->token_unseen = true;
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, 0);
    CHECK_STR(res.token_name, "fresh");
    store_command_free(c);
    const char *guesses[] = {UNKNOWN, old};
    for (size_t i = 0; i < 2; i++) {
        c = store_command_new(COMMAND_POST_OPEN, guesses[i]);
        c->post = notice;
        c->token_unseen = true;
        store_command_run(st, c, &res);
        CHECK_INT(res.rc, UV_EACCES);
        CHECK_STR(res.message, "invalid or revoked token");
        CHECK_STR(res.token_name, "");
        store_command_free(c);
    }

    /* A token revoked after the request passed the snapshot's check:
     * the store has the last word. */
    char late[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_token_add(st, "late", late, 0), 0);
    c = store_command_new(COMMAND_POST_OPEN, late);
    c->post = notice;
    CHECK_INT(store_token_revoke(st, "late", 0), 0);
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EACCES);
    store_command_free(c);

    /* An invalid write with a good token: refused by the store, the
     * token's use rolled back with it. */
    CHECK_INT(store_token_use(st, (unsigned char[STORE_TOKEN_HASH]){0},
                              res.token_name, 0),
              UV_EACCES);
    c = store_command_new(COMMAND_POST_OPEN, tok);
    c->post = notice;
    c->post.title = "";
    int64_t before;
    CHECK_INT(store_token_list(st, &list, &n), 0);
    before = list[0].last_used_at;
    free(list);
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EINVAL);
    CHECK(strstr(res.message, "title") != NULL);
    store_command_free(c);
    CHECK_INT(store_load(st, 0, &s), 0);
    CHECK_INT(s->n_incidents, 2); /* noc-bot's notice and fresh's */
    snapshot_unref(s);

    /* Every other op, through the same path. */
    struct store_command *svc = store_command_new(COMMAND_SERVICE_ADD, tok);
    svc->service = (struct service_input){.slug = "voip", .name = "Phones"};
    store_command_run(st, svc, &res);
    CHECK_INT(res.rc, 0);
    store_command_run(st, svc, &res);
    CHECK_INT(res.rc, UV_EEXIST);
    store_command_free(svc);
    struct store_command *set = store_command_new(COMMAND_SERVICE_SET, tok);
    set->text = "voip";
    set->status = SERVICE_MAJOR_OUTAGE;
    store_command_run(st, set, &res);
    CHECK_INT(res.rc, 0);
    set->text = "nope";
    store_command_run(st, set, &res);
    CHECK_INT(res.rc, UV_ENOENT);
    store_command_free(set);
    struct store_command *inc = store_command_new(COMMAND_POST_OPEN, tok);
    inc->post = (struct post_input){.kind = KIND_INCIDENT,
                                    .title = "Phones down",
                                    .status = STATUS_INVESTIGATING,
                                    .impact = IMPACT_MAJOR};
    store_command_run(st, inc, &res);
    CHECK_INT(res.rc, 0);
    int64_t id = res.id;
    store_command_free(inc);
    struct store_command *up = store_command_new(COMMAND_POST_UPDATE, tok);
    up->id = id;
    up->update = (struct update_input){
        .set_status = true, .status = STATUS_RESOLVED, .body = "Back."};
    store_command_run(st, up, &res);
    CHECK_INT(res.rc, 0);
    CHECK_INT(res.id, id);
    up->update.set_status = false; /* resolved, and not reopened */
    store_command_run(st, up, &res);
    CHECK_INT(res.rc, UV_EINVAL);
    CHECK(strstr(res.message, "is resolved") != NULL);
    up->id = 999999;
    store_command_run(st, up, &res);
    CHECK_INT(res.rc, UV_ENOENT);
    store_command_free(up);
    struct store_command *pm = store_command_new(COMMAND_POSTMORTEM, tok);
    pm->id = id;
    pm->text = "A card failed.";
    store_command_run(st, pm, &res);
    CHECK_INT(res.rc, 0);
    store_command_free(pm);
    CHECK_INT(store_load(st, 0, &s), 0);
    const struct incident *i = snapshot_incident(s, id);
    CHECK(i != NULL && i->status == STATUS_POSTMORTEM);
    CHECK(i != NULL && i->n_updates == 2 &&
          strcmp(i->updates[0].via, "noc-bot") == 0);
    const struct service *v = snapshot_service(s, "voip");
    CHECK(v != NULL && v->manual && v->manual_status == SERVICE_MAJOR_OUTAGE);
    int64_t uid = i != NULL && i->n_updates == 2 ? i->updates[0].id : 0;
    snapshot_unref(s);
    /* Editing an update: the result names its post; the old text becomes
     * a revision; an unknown update is UV_ENOENT. */
    struct store_command *ed = store_command_new(COMMAND_UPDATE_EDIT, tok);
    ed->id = uid;
    ed->text = "Back at 14:05.";
    store_command_run(st, ed, &res);
    CHECK_INT(res.rc, 0);
    CHECK_INT(res.id, id);
    ed->id = 999999;
    store_command_run(st, ed, &res);
    CHECK_INT(res.rc, UV_ENOENT);
    CHECK_INT(res.id, 0);
    store_command_free(ed);
    CHECK_INT(store_load(st, 0, &s), 0);
    i = snapshot_incident(s, id);
    CHECK(i != NULL && strcmp(i->updates[0].body, "Back at 14:05.") == 0 &&
          i->updates[0].n_revisions == 1);
    snapshot_unref(s);
    CHECK_INT(store_token_list(st, &list, &n), 0);
    CHECK(list[0].last_used_at >= before);
    free(list);
    store_close(st);
}

TEST(result_mapping)
{
    /* api_result maps store codes to HTTP. */
    static const struct {
        int rc, status;
    } map[] = {{0, 201},           {UV_EACCES, 401}, {UV_ENOENT, 404},
               {UV_EEXIST, 409},   {UV_EINVAL, 400}, {UV_EIO, 503},
               {UV_ECANCELED, 503}};
    struct snapshot *fx = fixture_snapshot();
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        struct store_result r = {.rc = map[i].rc, .id = 7};
        snprintf(r.message, sizeof(r.message), "reason %zu", i);
        snprintf(r.token_name, sizeof(r.token_name), "noc-bot");
        struct api_pending p = {.created = true};
        struct buf out = BUF_INIT;
        char loc[256];
        CHECK_INT(api_result(fx, &p, &r, &out, loc, sizeof(loc)),
                  map[i].status);
        if (map[i].rc == 0) {
            CHECK_STR(loc, "http://status.example.net/incidents/7");
            CHECK_HAS(out.data, out.len, "\"id\":7");
            CHECK_HAS(out.data, out.len, "\"via\":\"noc-bot\"");
        } else {
            CHECK_STR(loc, "");
            char want[32];
            snprintf(want, sizeof(want), "reason %zu", i);
            CHECK_HAS(out.data, out.len, want); /* the store's reason */
        }
        buf_free(&out);
    }
    /* 200 without a Location when nothing was created. */
    struct store_result r = {.rc = 0, .id = 42};
    struct api_pending p = {.created = false, .is_update = true};
    struct buf out = BUF_INIT;
    char loc[256];
    CHECK_INT(api_result(fx, &p, &r, &out, loc, sizeof(loc)), 200);
    CHECK_STR(loc, "");
    buf_free(&out);
    /* A created service's Location is its page. */
    r = (struct store_result){.rc = 0};
    p = (struct api_pending){.created = true, .slug = "voip"};
    CHECK_INT(api_result(fx, &p, &r, &out, loc, sizeof(loc)), 201);
    CHECK_STR(loc, "http://status.example.net/services/voip");
    buf_free(&out);
    snapshot_unref(fx);
}

/* ---- through the HTTP protocol ---------------------------------------- */

/* Appends a reply's head without its Date value, which would make two
 * runs a second apart differ. */
static void append_head(struct buf *t, const char *head, size_t len)
{
    const char *date = head != NULL ? memmem(head, len, "\r\nDate: ", 8) : NULL;
    if (date == NULL) {
        buf_append(t, head, len);
        return;
    }
    const char *eol =
        memmem(date + 2, len - (size_t)(date + 2 - head), "\r\n", 2);
    if (eol == NULL)
        eol = head + len;
    buf_append(t, head, (size_t)(date - head));
    buf_puts(t, "\r\nDate: (now)");
    buf_append(t, eol, len - (size_t)(eol - head));
}

/* Plays server/conn.c: feeds `stream` to http_proto in the given chunks,
 * runs each command with a stand-in that writes down what it was asked
 * (no database), and appends every reply to transcript. */
static void play(const struct snapshot *snap, const char *stream, size_t len,
                 const size_t *cuts, size_t n_cuts, struct buf *transcript)
{
    void *state = calloc(1, http_proto.state_size);
    struct reply r = {0};
    struct buf in = BUF_INIT;
    http_proto.init(state);
    size_t fed = 0;
    bool closed = false;
    for (size_t k = 0; k <= n_cuts && !closed; k++) {
        size_t end = k < n_cuts ? cuts[k] : len;
        buf_append(&in, stream + fed, end - fed);
        fed = end;
        for (;;) {
            size_t consumed = 0;
            enum proto_result res = http_proto.on_data(
                state, snap, in.data ? in.data : "", in.len, &consumed, &r);
            buf_consume(&in, consumed);
            if (res == PROTO_MORE)
                break;
            if (res == PROTO_COMMAND) {
                struct store_command *cmd = r.command;
                r.command = NULL;
                struct store_result sr = {.rc = 0, .id = 7};
                snprintf(sr.token_name, sizeof(sr.token_name), "noc-bot");
                buf_printf(transcript, "[command op %d title %s text %s]\n",
                           cmd->op, cmd->post.title ? cmd->post.title : "-",
                           cmd->text ? cmd->text : "-");
                store_command_free(cmd);
                res = http_proto.on_command_done(state, snap, &sr, &r);
            }
            append_head(transcript, r.head.data, r.head.len);
            buf_append(transcript, r.body, r.body_len);
            buf_append(transcript, r.tail.data, r.tail.len);
            buf_puts(transcript, "[end]\n");
            if (res != PROTO_REPLY) {
                closed = true;
                break;
            }
        }
    }
    http_proto.fini(state);
    reply_free(&r);
    buf_free(&in);
    free(state);
}

/* Splits of len: every byte, or random ones from seed. */
static size_t make_cuts(size_t len, unsigned seed, size_t *cuts)
{
    size_t n = 0;
    if (seed == 0) {
        for (size_t i = 1; i < len; i++)
            cuts[n++] = i;
        return n;
    }
    unsigned x = seed;
    for (size_t at = 0;;) {
        x = x * 1103515245u + 12345u;
        at += 1 + (x >> 16) % 97;
        if (at >= len)
            return n;
        cuts[n++] = at;
    }
}

TEST(http_framing)
{
    static const char stream[] =
        /* 1. an incident, with a Content-Length body */
        "POST /api/v1/incidents HTTP/1.1\r\nHost: status.example.net\r\n"
        "Authorization: Bearer " TOK "\r\n"
        "Content-Type: application/json\r\nContent-Length: 35\r\n\r\n"
        "{\"title\":\"Lift stuck\",\"body\":\"Up.\"}"
        /* 2. no token: refused at once, no command */
        "POST /api/v1/notices HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        /* 3. a chunked body: llhttp hands over the data, not the framing */
        "PUT /api/v1/services/dsl/status HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer " TOK "\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"sta\r\n12\r\ntus\":\"major_outage\r\n2\r\n\"}\r\n0\r\n\r\n"
        /* 4. a GET on a write endpoint */
        "GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\n\r\n"
        /* 5. a postmortem, and the connection closes after it */
        "POST /api/v1/incidents/41/postmortem HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer " TOK "\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: 21\r\n\r\n"
        "{\"body\":\"A bad fan.\"}";
    size_t len = sizeof(stream) - 1;
    struct snapshot *s = snapshot_with_tokens();
    struct buf whole = BUF_INIT;
    play(s, stream, len, NULL, 0, &whole);
    const char *t = whole.data ? whole.data : "";

    /* The five replies, in order. */
    const char *want[] = {
        "[command op 0 title Lift stuck text -]\nHTTP/1.1 201 ",
        "Cache-Control: no-store\r\n",
        "Location: http://status.example.net/incidents/7\r\n",
        "{\"id\":7,",
        "[end]\nHTTP/1.1 401 ",
        "WWW-Authenticate: Bearer",
        "[end]\n[command op 4 title - text dsl]\nHTTP/1.1 200 ",
        "[end]\nHTTP/1.1 405 ",
        "Allow: POST\r\n",
        "[end]\n[command op 2 title - text A bad fan.]\nHTTP/1.1 200 ",
        "Connection: close\r\n",
        "[end]\n",
    };
    const char *at = t;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *hit = strstr(at, want[i]);
        if (hit == NULL)
            printf("  missing in order: %s\n", want[i]);
        CHECK(hit != NULL);
        if (hit != NULL)
            at = hit + strlen(want[i]);
    }
    CHECK_INT(*at, '\0'); /* nothing after the close */

    /* The same replies however the bytes arrive. */
    size_t *cuts = calloc(len, sizeof(*cuts));
    for (unsigned seed = 0; seed < 40; seed++) {
        struct buf split = BUF_INIT;
        size_t n = make_cuts(len, seed, cuts);
        play(s, stream, len, cuts, n, &split);
        bool same = split.len == whole.len &&
                    memcmp(split.data, whole.data, whole.len) == 0;
        if (!same)
            printf("  split %u differs\n", seed);
        CHECK(same);
        buf_free(&split);
    }
    free(cuts);
    buf_free(&whole);
    snapshot_unref(s);
}

/* Bodies are capped at 64 KiB: announced or sent, over it is a 413 and
 * no command. */
TEST(http_body_limit)
{
    struct snapshot *s = snapshot_with_tokens();
    struct buf req = BUF_INIT, t = BUF_INIT;
    buf_printf(&req,
               "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer " TOK "\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n",
               STORE_BODY_MAX + 1);
    play(s, req.data, req.len, NULL, 0, &t);
    CHECK_HAS(t.data, t.len, "HTTP/1.1 413 ");
    CHECK_LACKS(t.data, t.len, "[command");

    /* Chunked, so the size is only known as it arrives. */
    buf_reset(&req);
    buf_reset(&t);
    buf_puts(&req, "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer " TOK "\r\n"
                   "Content-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 17; i++) {
        buf_printf(&req, "1000\r\n");
        for (int j = 0; j < 0x1000; j++)
            buf_putc(&req, ' ');
        buf_puts(&req, "\r\n");
    }
    buf_puts(&req, "0\r\n\r\n");
    play(s, req.data, req.len, NULL, 0, &t);
    CHECK_HAS(t.data, t.len, "HTTP/1.1 413 ");
    CHECK_LACKS(t.data, t.len, "[command");

    /* Exactly 64 KiB of JSON (a title padded with spaces) is taken. */
    buf_reset(&req);
    buf_reset(&t);
    buf_printf(&req,
               "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer " TOK "\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n{\"title\":\"Big\"}",
               STORE_BODY_MAX);
    for (size_t i = strlen("{\"title\":\"Big\"}"); i < STORE_BODY_MAX; i++)
        buf_putc(&req, ' ');
    play(s, req.data, req.len, NULL, 0, &t);
    CHECK_HAS(t.data, t.len, "[command op 0 title Big text -]");
    CHECK_HAS(t.data, t.len, "HTTP/1.1 201 ");
    buf_free(&req);
    buf_free(&t);
    snapshot_unref(s);
}

int main(void)
{
    RUN(request_table);
    RUN(snapshot_token_check);
    RUN(command_fields);
    RUN(run_commands);
    RUN(result_mapping);
    RUN(http_framing);
    RUN(http_body_limit);
    return test_report();
}
