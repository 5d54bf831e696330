/* commands: the commands on services, posts and tokens (cli_int.h). Each
 * checks everything it was given, then opens the store for one call: a
 * write, or the load of one snapshot that it prints (output.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../store/common/timeutil.h"
#include "cli_int.h"
#include "demo.h"

/* ---- the store -------------------------------------------------------- */

int cli_open_store(const char *db_path, bool create, struct store **st)
{
    char err[256] = "";
    int rc = create ? store_open(db_path, st, err, sizeof err)
                    : store_open_existing(db_path, st, err, sizeof err);
    if (rc == 0)
        return 0;
    *st = NULL;
    if (rc == UV_ENOENT)
        cli_fail("cannot open %s: no such file (run 'outpost init' to create "
                 "it)",
                 db_path);
    else if (err[0] != '\0')
        cli_fail("%s", err); /* the store's reason already names the file */
    else
        cli_fail("cannot open %s: %s", db_path, uv_strerror(rc));
    return 2;
}

int cli_store_done(struct store *st, int rc)
{
    if (rc != 0)
        rc = cli_fail_store(st, rc);
    store_close(st);
    return rc;
}

/* What a read command holds: the store, the snapshot it loaded, and the
 * output being built. */
struct reader {
    struct store *st;
    struct snapshot *snap;
    struct buf out;
};

/* Opens the existing database and loads its current model. Returns 0 or
 * the exit status; read_done() is called either way. */
static int read_begin(struct reader *r, const char *db_path)
{
    r->snap = NULL;
    r->out = (struct buf)BUF_INIT;
    int rc = cli_open_store(db_path, false, &r->st);
    if (rc != 0)
        return rc;
    rc = store_load(r->st, time_now(), &r->snap);
    if (rc != 0) {
        r->snap = NULL;
        return cli_fail_store(r->st, rc);
    }
    return 0;
}

/* Prints what the read built when rc is 0, frees it all, and returns the
 * exit status. */
static int read_done(struct reader *r, int rc)
{
    if (rc == 0)
        rc = cli_flush(&r->out);
    buf_free(&r->out);
    if (r->snap != NULL)
        snapshot_unref(r->snap);
    if (r->st != NULL)
        store_close(r->st);
    return rc;
}

/* ---- init and services ------------------------------------------------ */

/* Fills the database with the demo ISP, if it holds nothing yet: the demo
 * must never mix with an operator's own data. */
static int load_demo(struct store *st, const char *db_path)
{
    bool empty = false;
    int rc = store_is_empty(st, &empty);
    if (rc != 0)
        return cli_fail_store(st, rc);
    if (!empty)
        return cli_fail("init --demo: %s already has data; the demo is only "
                        "loaded into an empty database",
                        db_path);
    rc = store_demo(st, time_now());
    return rc != 0 ? cli_fail_store(st, rc) : 0;
}

int cli_cmd_init(const char *db_path, const char *name, struct cli_opts *o)
{
    struct store *st;
    int rc = cli_open_store(db_path, true, &st);
    if (rc != 0)
        return rc;
    if (o->demo)
        rc = load_demo(st, db_path);
    if (rc == 0) {
        printf("%s is ready%s\n", db_path,
               o->demo ? ", with the demo data" : "");
        rc = fflush(stdout) == 0 ? 0 : 2;
    }
    store_close(st);
    return rc;
}

int cli_cmd_service_add(const char *db_path, const char *name,
                        struct cli_opts *o)
{
    if (o->name == NULL)
        return cli_fail("%s: --name is required", name);
    struct service_input in = {
        .slug = o->args[0],
        .name = o->name,
        .group = o->group,
        .description = o->description,
        .position = 0,
    };
    if (o->position != NULL &&
        cli_parse_position(name, o->position, &in.position) != 0)
        return 1;
    struct store *st;
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    return cli_store_done(st, store_service_add(st, &in));
}

int cli_cmd_service_set(const char *db_path, const char *name,
                        struct cli_opts *o)
{
    enum service_status status = SERVICE_OPERATIONAL;
    bool auto_status = strcmp(o->args[1], "auto") == 0;
    if (!auto_status && model_parse_service_status(o->args[1], &status) != 0)
        return cli_fail("%s: invalid status '%s' (one of: operational, "
                        "degraded_performance, partial_outage, major_outage, "
                        "under_maintenance, auto)",
                        name, o->args[1]);
    struct store *st;
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    return cli_store_done(
        st, store_service_set(st, o->args[0], status, auto_status));
}

int cli_cmd_service_list(const char *db_path, const char *name,
                         struct cli_opts *o)
{
    struct reader r;
    int rc = read_begin(&r, db_path);
    if (rc == 0)
        cli_show_services(&r.out, r.snap, o->json);
    return read_done(&r, rc);
}

/* ---- opening posts ---------------------------------------------------- */

/* Opens the post `in` describes, with the body --body gives, at the time
 * --at gives (else now), and prints its id. */
static int post_open(const char *db_path, const char *name,
                     struct post_input *in, const struct cli_opts *o)
{
    char *mem;
    if (o->at != NULL && cli_parse_time(name, "at", o->at, &in->at) != 0)
        return 1;
    if (cli_read_body(name, o->body, &in->body, &mem) != 0)
        return 1;
    struct store *st;
    int64_t id = 0;
    int rc = cli_open_store(db_path, false, &st);
    if (rc == 0)
        rc = cli_store_done(st, store_post_open(st, in, &id));
    if (rc == 0) {
        struct buf out = BUF_INIT;
        buf_printf(&out, "%" PRId64 "\n", id);
        rc = cli_flush(&out);
    }
    free(mem);
    return rc;
}

int cli_cmd_incident_open(const char *db_path, const char *name,
                          struct cli_opts *o)
{
    struct post_input in = {
        .kind = KIND_INCIDENT,
        .title = o->title,
        .status = STATUS_INVESTIGATING,
        .impact = IMPACT_MINOR,
        .services = o->services,
        .n_services = o->n_services,
        .author = o->author,
        .via = "cli",
    };
    if (o->title == NULL)
        return cli_fail("%s: --title is required", name);
    if (o->status != NULL &&
        cli_parse_status(name, o->status, KIND_INCIDENT, &in.status) != 0)
        return 1;
    if (o->impact != NULL && cli_parse_impact(name, o->impact, &in.impact) != 0)
        return 1;
    return post_open(db_path, name, &in, o);
}

/* The services of a maintenance: "--service SLUG@START/END" gives one
 * service its own window inside the post's, as when three servers are
 * rebooted one after another. '@' cannot occur in a slug, so the two
 * forms cannot be confused. */
struct slots {
    const char **slugs;    /* the slugs alone */
    int64_t (*windows)[2]; /* {0, 0} for a service without its own */
    char **owned;          /* the slugs cut out of SLUG@START/END words */
    bool any_window;
};

static void slots_free(struct slots *s, size_t n)
{
    for (size_t i = 0; s->owned != NULL && i < n; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s->slugs);
    free(s->windows);
}

/* Splits one SLUG@START/END word (at points at its '@') into s's row i. */
static int parse_slot(const char *name, const char *word, const char *at,
                      struct slots *s, size_t i)
{
    const char *slash = strchr(at + 1, '/');
    if (slash == NULL)
        return cli_fail("%s: --service %s: expected SLUG@START/END", name,
                        word);
    s->owned[i] = strndup(word, (size_t)(at - word));
    char *from = strndup(at + 1, (size_t)(slash - at - 1));
    if (s->owned[i] == NULL || from == NULL) {
        free(from);
        return cli_fail("%s: out of memory", name);
    }
    s->slugs[i] = s->owned[i];
    int rc = 0;
    if (cli_parse_time(name, "service window start", from, &s->windows[i][0]) !=
            0 ||
        cli_parse_time(name, "service window end", slash + 1,
                       &s->windows[i][1]) != 0)
        rc = 1;
    free(from);
    s->any_window = true;
    return rc;
}

/* Fills s from the --service words; slots_free() is called either way. */
static int parse_slots(const char *name, const struct cli_opts *o,
                       struct slots *s)
{
    s->slugs = calloc(o->n_services + 1, sizeof(*s->slugs));
    s->windows = calloc(o->n_services + 1, sizeof(*s->windows));
    s->owned = calloc(o->n_services + 1, sizeof(*s->owned));
    s->any_window = false;
    if (s->slugs == NULL || s->windows == NULL || s->owned == NULL)
        return cli_fail("%s: out of memory", name);
    for (size_t i = 0; i < o->n_services; i++) {
        const char *at = strchr(o->services[i], '@');
        s->slugs[i] = o->services[i];
        if (at != NULL && parse_slot(name, o->services[i], at, s, i) != 0)
            return 1;
    }
    return 0;
}

int cli_cmd_maintenance_schedule(const char *db_path, const char *name,
                                 struct cli_opts *o)
{
    struct post_input in = {
        .kind = KIND_MAINTENANCE,
        .title = o->title,
        .status = STATUS_SCHEDULED,
        .impact = IMPACT_MAINTENANCE,
        .author = o->author,
        .via = "cli",
        .auto_start = o->auto_start,
        .auto_complete = o->auto_complete,
    };
    if (o->title == NULL)
        return cli_fail("%s: --title is required", name);
    if (o->start == NULL || o->end == NULL)
        return cli_fail("%s: --start and --end are required", name);
    if (cli_parse_time(name, "start", o->start, &in.scheduled_start) != 0 ||
        cli_parse_time(name, "end", o->end, &in.scheduled_end) != 0)
        return 1;
    if (in.scheduled_end <= in.scheduled_start)
        return cli_fail("%s: the window must end after it starts", name);
    struct slots s;
    int rc = parse_slots(name, o, &s);
    if (rc == 0) {
        in.services = s.slugs;
        in.n_services = o->n_services;
        in.windows = s.any_window ? (const int64_t(*)[2])s.windows : NULL;
        rc = post_open(db_path, name, &in, o);
    }
    slots_free(&s, o->n_services);
    return rc;
}

int cli_cmd_notice_post(const char *db_path, const char *name,
                        struct cli_opts *o)
{
    struct post_input in = {
        .kind = KIND_NOTICE,
        .title = o->title,
        .status = STATUS_POSTED,
        .impact = IMPACT_NONE,
        .author = o->author,
        .via = "cli",
    };
    if (o->title == NULL)
        return cli_fail("%s: --title is required", name);
    if (o->body == NULL)
        return cli_fail("%s: --body is required", name);
    return post_open(db_path, name, &in, o);
}

/* ---- moving posts along ----------------------------------------------- */

/* Appends one update to the post o->args[0] names, with the body --body
 * gives, at the time --at gives (else now). need_change refuses an update that
 * changes nothing (a transition changes the status by itself). */
static int post_update(const char *db_path, const char *name,
                       const struct cli_opts *o, struct update_input *in,
                       bool need_change)
{
    int64_t id;
    char *mem;
    if (cli_parse_id(name, o->args[0], &id) != 0)
        return 1;
    if (o->at != NULL && cli_parse_time(name, "at", o->at, &in->at) != 0)
        return 1;
    if (cli_read_body(name, o->body, &in->body, &mem) != 0)
        return 1;
    struct store *st = NULL;
    int rc = 0;
    if (need_change && !in->set_status && !in->set_impact &&
        (in->body == NULL || in->body[0] == '\0'))
        rc = cli_fail("%s: nothing to change (give --status, --impact or "
                      "--body)",
                      name);
    if (rc == 0)
        rc = cli_open_store(db_path, false, &st);
    if (rc == 0)
        rc = cli_store_done(st, store_post_update(st, id, in));
    free(mem);
    return rc;
}

int cli_cmd_incident_update(const char *db_path, const char *name,
                            struct cli_opts *o)
{
    struct update_input in = {.author = o->author, .via = "cli"};
    if (o->status != NULL) {
        if (cli_parse_status(name, o->status, -1, &in.status) != 0)
            return 1;
        in.set_status = true;
    }
    if (o->impact != NULL) {
        if (cli_parse_impact(name, o->impact, &in.impact) != 0)
            return 1;
        in.set_impact = true;
    }
    return post_update(db_path, name, o, &in, true);
}

/* A status change with an optional body: incident resolve, maintenance
 * start and complete. The store refuses the ones the post's kind does not
 * have. */
static int transition(const char *db_path, const char *name,
                      const struct cli_opts *o, enum incident_status status)
{
    struct update_input in = {.set_status = true,
                              .status = status,
                              .author = o->author,
                              .via = "cli"};
    return post_update(db_path, name, o, &in, false);
}

int cli_cmd_incident_resolve(const char *db_path, const char *name,
                             struct cli_opts *o)
{
    return transition(db_path, name, o, STATUS_RESOLVED);
}

int cli_cmd_maintenance_start(const char *db_path, const char *name,
                              struct cli_opts *o)
{
    return transition(db_path, name, o, STATUS_IN_PROGRESS);
}

int cli_cmd_maintenance_complete(const char *db_path, const char *name,
                                 struct cli_opts *o)
{
    return transition(db_path, name, o, STATUS_COMPLETED);
}

/* A store call that sets the text of the thing numbered id. */
typedef int (*text_setter)(struct store *st, int64_t id, const char *body,
                           const char *via, int64_t at);

/* Sets the text of the thing o->args[0] numbers to what --body (required)
 * gives, through set: a postmortem, or an update's new body. */
static int replace_text(const char *db_path, const char *name,
                        const struct cli_opts *o, text_setter set)
{
    int64_t id;
    const char *body;
    char *mem;
    if (cli_parse_id(name, o->args[0], &id) != 0)
        return 1;
    if (o->body == NULL)
        return cli_fail("%s: --body is required", name);
    if (cli_read_body(name, o->body, &body, &mem) != 0)
        return 1;
    struct store *st;
    int rc = cli_open_store(db_path, false, &st);
    if (rc == 0)
        rc = cli_store_done(st, set(st, id, body, "cli", 0));
    free(mem);
    return rc;
}

int cli_cmd_postmortem(const char *db_path, const char *name,
                       struct cli_opts *o)
{
    return replace_text(db_path, name, o, store_postmortem);
}

int cli_cmd_update_edit(const char *db_path, const char *name,
                        struct cli_opts *o)
{
    return replace_text(db_path, name, o, store_update_edit);
}

/* ---- reading posts ---------------------------------------------------- */

int cli_cmd_incident_show(const char *db_path, const char *name,
                          struct cli_opts *o)
{
    int64_t id;
    if (cli_parse_id(name, o->args[0], &id) != 0)
        return 1;
    struct reader r;
    int rc = read_begin(&r, db_path);
    const struct incident *inc = rc == 0 ? snapshot_incident(r.snap, id) : NULL;
    if (rc == 0 && inc == NULL)
        rc = cli_fail("%s: no incident #%" PRId64, name, id);
    if (rc == 0)
        cli_show_incident(&r.out, r.snap, inc, o->json);
    return read_done(&r, rc);
}

int cli_cmd_incident_list(const char *db_path, const char *name,
                          struct cli_opts *o)
{
    struct reader r;
    int rc = read_begin(&r, db_path);
    if (rc == 0)
        cli_show_incidents(&r.out, r.snap, o->open, o->json);
    return read_done(&r, rc);
}

/* ---- API tokens ------------------------------------------------------- */

int cli_cmd_token_add(const char *db_path, const char *name, struct cli_opts *o)
{
    struct store *st;
    char token[STORE_TOKEN_LEN + 1];
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_token_add(st, o->args[0], token, 0);
    if (rc == 0) {
        /* Shown once: only its hash is kept (the help says so). A token
         * nobody could read is useless and would linger as a valid
         * credential, so if it cannot be written out it is revoked again. */
        bool shown = printf("%s\n", token) >= 0 && fflush(stdout) == 0;
        explicit_bzero(token, sizeof(token));
        if (!shown) {
            store_token_revoke(st, o->args[0], 0);
            store_close(st);
            cli_fail("%s: cannot write the token to standard output; it "
                     "was revoked",
                     name);
            return 2;
        }
    }
    return cli_store_done(st, rc);
}

int cli_cmd_token_list(const char *db_path, const char *name,
                       struct cli_opts *o)
{
    struct store *st;
    struct token_info *list = NULL;
    size_t n = 0;
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = cli_store_done(st, store_token_list(st, &list, &n));
    if (rc == 0) {
        struct buf out = BUF_INIT;
        cli_show_tokens(&out, list, n, o->json);
        rc = cli_flush(&out);
    }
    free(list);
    return rc;
}

int cli_cmd_token_revoke(const char *db_path, const char *name,
                         struct cli_opts *o)
{
    struct store *st;
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    return cli_store_done(st, store_token_revoke(st, o->args[0], 0));
}
