/* Unit tests for protocols/api.c (request checking, result rendering) and
 * store/command.c (token and write in one transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>
#include <uv.h>

#include "../../protocols/api.h"
#include "../../store/store.h"
#include "fixture.h"
#include "testlib.h"

#define TOK                                                                    \
    "op_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define AUTH "Bearer " TOK
#define JSON "application/json"

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
        {"incidents have no start", HTTP_POST, "/api/v1/incidents/42/start",
         AUTH, JSON, "{}", 404, NULL},
        {"wrong method", HTTP_GET, "/api/v1/incidents", AUTH, JSON, "", 405,
         "use POST"},
        {"PUT only for service status", HTTP_POST,
         "/api/v1/services/dsl/status", AUTH, JSON, "{}", 405, "use PUT"},
        {"no token", HTTP_POST, "/api/v1/incidents", NULL, JSON, "{}", 401,
         NULL},
        {"basic auth is not a token", HTTP_POST, "/api/v1/incidents",
         "Basic dXNlcjpwYXNz", JSON, "{}", 401, NULL},
        {"token of the wrong shape", HTTP_POST, "/api/v1/incidents",
         "Bearer op_123", JSON, "{}", 401, NULL},
        {"no content type", HTTP_POST, "/api/v1/incidents", AUTH, NULL, "{}",
         415, NULL},
        {"form data", HTTP_POST, "/api/v1/incidents", AUTH,
         "application/x-www-form-urlencoded", "title=x", 415, NULL},
        {"not JSON", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "{title:1}",
         400, "not valid JSON"},
        {"not an object", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "[]", 400,
         "must be a JSON object"},
        {"unknown field", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"colour\":\"red\"}", 400, "unknown field 'colour'"},
        {"missing title", HTTP_POST, "/api/v1/incidents", AUTH, JSON, "{}", 400,
         "'title' is required"},
        {"title of the wrong type", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":[]}", 400, "'title' must be a string"},
        {"NUL in a string", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"a\\u0000b\"}", 400, "NUL"},
        {"unknown impact", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"impact\":\"huge\"}", 400, "unknown value 'huge'"},
        {"services not an array", HTTP_POST, "/api/v1/incidents", AUTH, JSON,
         "{\"title\":\"x\",\"services\":\"dsl\"}", 400, "'services' must be"},
        {"maintenance without a zone", HTTP_POST, "/api/v1/maintenances", AUTH,
         JSON,
         "{\"title\":\"m\",\"start\":\"2099-01-01T01:00\","
         "\"end\":\"2099-01-01T02:00Z\"}",
         400, "with a zone"},
        {"notice needs a body", HTTP_POST, "/api/v1/notices", AUTH, JSON,
         "{\"title\":\"n\"}", 400, "'body' is required"},
        {"resolve with an extra field", HTTP_POST,
         "/api/v1/incidents/42/resolve", AUTH, JSON,
         "{\"status\":\"identified\"}", 400, "unknown field"},
        {"resolving a maintenance as an incident", HTTP_POST,
         "/api/v1/incidents/43/resolve", AUTH, JSON, "{}", 400,
         "is not an incident"},
        {"service status", HTTP_PUT, "/api/v1/services/dsl/status", AUTH, JSON,
         "{\"status\":\"auto\"}", 0, NULL},
        {"bad service status", HTTP_PUT, "/api/v1/services/dsl/status", AUTH,
         JSON, "{\"status\":\"sad\"}", 400, "unknown value 'sad'"},
        {"position out of range", HTTP_POST, "/api/v1/services", AUTH, JSON,
         "{\"slug\":\"s\",\"name\":\"S\",\"position\":-1}", 400, "'position'"},
    };
    struct snapshot *s = fixture_snapshot();
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

TEST(command_fields)
{
    struct snapshot *s = fixture_snapshot();
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
    CHECK_STR(cmd->token, TOK);
    CHECK_INT(cmd->post.kind, KIND_INCIDENT);
    CHECK_STR(cmd->post.title, "Fibre cut");
    CHECK_INT(cmd->post.n_services, 2);
    CHECK_STR(cmd->post.services[1], "fibre");
    CHECK_INT(cmd->post.impact, IMPACT_CRITICAL);
    CHECK_INT(cmd->post.status, STATUS_IDENTIFIED);
    CHECK_STR(cmd->post.author, "Ben");
    store_command_free(cmd);
    buf_free(&out);
    snapshot_unref(s);
}

/* The command path against a real store: the token is checked in the
 * write's own transaction, the write carries the token's name. */
TEST(run_commands)
{
    struct store *st;
    char err[256], tok[STORE_TOKEN_LEN + 1], old[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_open(":memory:", &st, err, sizeof(err)), 0);
    CHECK_INT(store_token_add(st, "noc-bot", tok, 0), 0);
    CHECK_INT(store_token_add(st, "old", old, 0), 0);
    CHECK_INT(store_token_revoke(st, "old", 0), 0);

    struct store_command *c = store_command_new(COMMAND_POST_OPEN, tok);
    c->post = (struct post_input){.kind = KIND_NOTICE,
                                  .title = "Hello",
                                  .status = STATUS_POSTED,
                                  .impact = IMPACT_NONE,
                                  .body = "World."};
    struct store_result res;
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, 0);
    CHECK(res.id > 0);
    CHECK_STR(res.token_name, "noc-bot");
    struct snapshot *s;
    CHECK_INT(store_load(st, 0, &s), 0);
    CHECK_STR(snapshot_incident(s, res.id)->updates[0].via, "noc-bot");
    snapshot_unref(s);

    /* A revoked token: refused, nothing written. */
    snprintf(c->token, sizeof(c->token), "%s", old);
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EACCES);
    /* An invalid write with a good token: refused by the store. */
    snprintf(c->token, sizeof(c->token), "%s", tok);
    c->post.title = "";
    store_command_run(st, c, &res);
    CHECK_INT(res.rc, UV_EINVAL);
    CHECK(strstr(res.message, "title") != NULL);
    CHECK_INT(store_load(st, 0, &s), 0);
    CHECK_INT(s->n_incidents, 1);
    snapshot_unref(s);
    store_command_free(c);

    /* api_result maps store codes to HTTP. */
    static const struct {
        int rc, status;
    } map[] = {{0, 201},         {UV_EACCES, 401}, {UV_ENOENT, 404},
               {UV_EEXIST, 409}, {UV_EINVAL, 400}, {UV_EIO, 503}};
    struct snapshot *fx = fixture_snapshot();
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        struct store_result r = {.rc = map[i].rc, .id = 7};
        struct api_pending p = {.created = true};
        struct buf out = BUF_INIT;
        char loc[256];
        CHECK_INT(api_result(fx, &p, &r, &out, loc, sizeof(loc)),
                  map[i].status);
        if (map[i].rc == 0)
            CHECK_STR(loc, "http://status.example.net/incidents/7");
        else
            CHECK_STR(loc, "");
        buf_free(&out);
    }
    snapshot_unref(fx);
    store_close(st);
}

int main(void)
{
    RUN(request_table);
    RUN(command_fields);
    RUN(run_commands);
    return test_report();
}
