/* Unit tests of the SQLite store, on ":memory:" and on a temporary file:
 * migrations, every write and its load, every refused input (with nothing
 * written), transitions, timestamps, data_version, durability.
 *
 * store_int.h is included for st->db: a few tests read PRAGMAs or plant a
 * failing trigger to prove that a write fails as a whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../../store/common/buf.h"
#include "../../store/common/timeutil.h"
#include "../../store/query.h"
#include "../../store/store.h"
#include "../../store/store_int.h"
#include "testlib.h"

#define NOW 1795000000

static char tmpdir[64];
static char dbpath[128];

static void tmp_setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/outpost-store-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(dbpath, sizeof(dbpath), "%s/test.db", tmpdir);
}

static void tmp_clean(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", dbpath, suffix[i]);
        unlink(p);
    }
}

static struct store *open_mem(void)
{
    struct store *st = NULL;
    char err[256];
    int rc = store_open(":memory:", &st, err, sizeof(err));
    CHECK_INT(rc, 0);
    return st;
}

static int pragma_int(struct store *st, const char *sql)
{
    sqlite3_stmt *stmt;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* A canonical text form of everything store_load() returns, so "nothing
 * was written" is one string comparison. */
static void dump_str(struct buf *b, const char *name, const char *v)
{
    buf_printf(b, " %s=%s", name, v ? v : "(null)");
}

static char *dump(struct store *st)
{
    struct snapshot *s = NULL;
    int rc = store_load(st, NOW, &s);
    CHECK_INT(rc, 0);
    if (rc != 0)
        return strdup("(load failed)");
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < s->n_services; i++) {
        const struct service *v = &s->services[i];
        buf_printf(&b, "service id=%lld", (long long)v->id);
        dump_str(&b, "slug", v->slug);
        dump_str(&b, "name", v->name);
        dump_str(&b, "group", v->group);
        dump_str(&b, "desc", v->description);
        buf_printf(&b, " pos=%d manual=%d/%d status=%d", v->position, v->manual,
                   v->manual_status, v->status);
        dump_str(&b, "reason", v->status_reason);
        buf_printf(&b, " c=%lld u=%lld\n", (long long)v->created_at,
                   (long long)v->updated_at);
    }
    for (size_t k = 0; k < s->n_incidents; k++) {
        const struct incident *i = &s->incidents[k];
        buf_printf(&b, "post id=%lld kind=%d status=%d impact=%d",
                   (long long)i->id, i->kind, i->status, i->impact);
        dump_str(&b, "title", i->title);
        buf_printf(&b, " c=%lld s=%lld u=%lld m=%lld r=%lld w=%lld..%lld",
                   (long long)i->created_at, (long long)i->started_at,
                   (long long)i->updated_at, (long long)i->monitoring_at,
                   (long long)i->resolved_at, (long long)i->scheduled_start,
                   (long long)i->scheduled_end);
        dump_str(&b, "pm", i->postmortem);
        buf_printf(&b, " pm_at=%lld\n", (long long)i->postmortem_at);
        for (size_t j = 0; j < i->n_services; j++)
            buf_printf(&b, "  affects %s %lld..%lld\n",
                       s->services[i->services[j].service].slug,
                       (long long)i->services[j].window_start,
                       (long long)i->services[j].window_end);
        for (size_t j = 0; j < i->n_updates; j++) {
            const struct update *u = &i->updates[j];
            buf_printf(&b, "  update id=%lld at=%lld status=%d",
                       (long long)u->id, (long long)u->created_at, u->status);
            dump_str(&b, "body", u->body);
            dump_str(&b, "author", u->author);
            dump_str(&b, "via", u->via);
            buf_putc(&b, '\n');
        }
    }
    buf_printf(&b, "indicator=%d %s\n", s->indicator, s->indicator_description);
    snapshot_unref(s);
    char *out = buf_steal(&b, NULL);
    return out ? out : strdup("");
}

/* ---- fixtures for the write tests ------------------------------------- */

static int add_service(struct store *st, const char *slug, const char *name,
                       const char *group, int position)
{
    struct service_input in = {slug, name, group, NULL, position};
    return store_service_add(st, &in);
}

static int64_t open_post(struct store *st, enum incident_kind kind,
                         enum incident_status status, enum impact impact,
                         const char *title, const char *svc, int64_t at)
{
    const char *svcs[1] = {svc};
    struct post_input in = {0};
    in.kind = kind;
    in.title = title;
    in.status = status;
    in.impact = impact;
    in.services = svc ? svcs : NULL;
    in.n_services = svc ? 1 : 0;
    in.body = "first";
    in.via = "cli";
    in.at = at;
    if (kind == KIND_MAINTENANCE) {
        in.scheduled_start = NOW + 3600;
        in.scheduled_end = NOW + 7200;
    }
    int64_t id = -1;
    int rc = store_post_open(st, &in, &id);
    CHECK_INT(rc, 0);
    if (rc != 0)
        printf("  %s\n", store_errmsg(st));
    return id;
}

static int update_status(struct store *st, int64_t id,
                         enum incident_status status, const char *body,
                         int64_t at)
{
    struct update_input in = {0};
    in.set_status = true;
    in.status = status;
    in.body = body;
    in.at = at;
    return store_post_update(st, id, &in);
}

/* The standard population of the validation tests; ids are 1..6 in a
 * fresh database. */
enum {
    P_OPEN = 1,    /* incident, investigating, imap */
    P_RESOLVED,    /* incident, resolved */
    P_SCHEDULED,   /* maintenance, scheduled */
    P_COMPLETED,   /* maintenance, completed */
    P_NOTICE,      /* notice */
    P_IN_PROGRESS, /* maintenance, in_progress */
};

static void populate(struct store *st)
{
    CHECK_INT(add_service(st, "dsl", "DSL", "Access", 0), 0);
    CHECK_INT(add_service(st, "imap", "IMAP", "Mail", 0), 0);
    CHECK_INT(add_service(st, "smtp", "SMTP", "Mail", 0), 0);
    CHECK_INT(open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MINOR,
                        "Slow mail", "imap", NOW - 600),
              P_OPEN);
    CHECK_INT(open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MAJOR,
                        "Old outage", "dsl", NOW - 9000),
              P_RESOLVED);
    CHECK_INT(
        update_status(st, P_RESOLVED, STATUS_RESOLVED, "fixed", NOW - 8000), 0);
    CHECK_INT(open_post(st, KIND_MAINTENANCE, STATUS_SCHEDULED,
                        IMPACT_MAINTENANCE, "Upgrade", "smtp", NOW - 500),
              P_SCHEDULED);
    CHECK_INT(open_post(st, KIND_MAINTENANCE, STATUS_IN_PROGRESS,
                        IMPACT_MAINTENANCE, "Done work", "dsl", NOW - 400),
              P_COMPLETED);
    CHECK_INT(update_status(st, P_COMPLETED, STATUS_COMPLETED, "", NOW - 300),
              0);
    CHECK_INT(open_post(st, KIND_NOTICE, STATUS_POSTED, IMPACT_NONE, "Hello",
                        NULL, NOW - 200),
              P_NOTICE);
    CHECK_INT(open_post(st, KIND_MAINTENANCE, STATUS_IN_PROGRESS,
                        IMPACT_MAINTENANCE, "Moving racks", "smtp", NOW - 100),
              P_IN_PROGRESS);
}

/* ---- open, migrations ------------------------------------------------- */

TEST(open_memory)
{
    struct store *st = open_mem();
    CHECK(st != NULL);
    CHECK_INT(pragma_int(st, "PRAGMA user_version"), store_schema_version());
    CHECK_INT(pragma_int(st, "PRAGMA foreign_keys"), 1);
    bool empty = false;
    CHECK_INT(store_is_empty(st, &empty), 0);
    CHECK(empty);
    struct snapshot *s = NULL;
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK(s != NULL && s->n_services == 0 && s->n_incidents == 0);
    CHECK_INT(s->generated_at, NOW);
    CHECK_INT(s->refs, 1);
    CHECK_STR(s->indicator_description, "All Systems Operational");
    snapshot_unref(s);
    CHECK_INT(add_service(st, "dsl", "DSL", NULL, 0), 0);
    CHECK_INT(store_is_empty(st, &empty), 0);
    CHECK(!empty);
    store_close(st);
    store_close(NULL);
}

TEST(open_file_wal_and_migrations_idempotent)
{
    tmp_clean();
    struct store *st = NULL;
    char err[256] = "";
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
    CHECK_INT(pragma_int(st, "PRAGMA user_version"), store_schema_version());
    sqlite3_stmt *stmt;
    sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &stmt, NULL);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    CHECK_INT(add_service(st, "dsl", "DSL", NULL, 0), 0);
    char *before = dump(st);
    store_close(st);

    /* Reopening runs no migration twice and keeps the data. */
    for (int round = 0; round < 2; round++) {
        st = NULL;
        CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
        CHECK_INT(pragma_int(st, "PRAGMA user_version"),
                  store_schema_version());
        char *after = dump(st);
        CHECK_STR(after, before);
        free(after);
        store_close(st);
    }
    free(before);
    tmp_clean();
}

TEST(open_refuses_newer_schema)
{
    tmp_clean();
    struct store *st = NULL;
    char err[256] = "";
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
    sqlite3_exec(st->db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    store_close(st);

    st = (struct store *)1;
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), UV_EIO);
    CHECK(st == NULL);
    CHECK_HAS(err, strlen(err), "newer");
    err[0] = '\0';
    CHECK_INT(store_open_readonly(dbpath, &st, err, sizeof(err)), UV_EIO);
    CHECK(st == NULL);
    CHECK_HAS(err, strlen(err), "newer");
    tmp_clean();
}

TEST(open_errors)
{
    struct store *st = (struct store *)1;
    char err[256] = "";
    CHECK_INT(store_open("/nonexistent-dir/x/y.db", &st, err, sizeof(err)),
              UV_EIO);
    CHECK(st == NULL);
    CHECK_HAS(err, strlen(err), "cannot open /nonexistent-dir/x/y.db");
    CHECK(strchr(err, '\n') == NULL);
    /* errmsg may be NULL. */
    CHECK_INT(store_open("/nonexistent-dir/x/y.db", &st, NULL, 0), UV_EIO);

    /* Read-only never creates a database, and neither does "existing":
     * a missing file is UV_ENOENT with the path in the reason. */
    tmp_clean();
    err[0] = '\0';
    CHECK_INT(store_open_readonly(dbpath, &st, err, sizeof(err)), UV_ENOENT);
    CHECK(st == NULL);
    CHECK(access(dbpath, F_OK) != 0);
    err[0] = '\0';
    CHECK_INT(store_open_existing(dbpath, &st, err, sizeof(err)), UV_ENOENT);
    CHECK(st == NULL);
    CHECK_HAS(err, strlen(err), "no database at");
    CHECK(access(dbpath, F_OK) != 0);
    /* So is a file in a directory that does not exist. */
    CHECK_INT(store_open_existing("/nonexistent-dir/y.db", &st, NULL, 0),
              UV_ENOENT);

    /* An existing file without our schema is refused read-only. */
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_INT(store_open_readonly(dbpath, &st, err, sizeof(err)), UV_EIO);
    CHECK_HAS(err, strlen(err), "older");
    tmp_clean();
}

TEST(readonly_reads_and_refuses_writes)
{
    tmp_clean();
    struct store *rw = NULL, *ro = NULL;
    char err[256];
    CHECK_INT(store_open(dbpath, &rw, err, sizeof(err)), 0);
    populate(rw);
    CHECK_INT(store_open_readonly(dbpath, &ro, err, sizeof(err)), 0);
    char *a = dump(rw);
    char *b = dump(ro);
    CHECK_STR(b, a);
    CHECK_INT(add_service(ro, "voip", "VoIP", NULL, 0), UV_EIO);
    CHECK(strlen(store_errmsg(ro)) > 0);
    CHECK_INT(store_service_set(ro, "dsl", SERVICE_MAJOR_OUTAGE, false),
              UV_EIO);
    char *c = dump(rw);
    CHECK_STR(c, a);
    free(a);
    free(b);
    free(c);
    store_close(ro);
    store_close(rw);
    tmp_clean();
}

/* A write waits for another connection's write lock, and gives up at once
 * when told to (a server shutting down), writing nothing. */
static void release_later(void *arg)
{
    struct store *holder = arg;
    uv_sleep(100);
    sqlite3_exec(holder->db, "COMMIT", NULL, NULL, NULL);
}

TEST(lock_waits_and_give_up)
{
    tmp_clean();
    struct store *holder = NULL, *writer = NULL;
    char err[256];
    CHECK_INT(store_open(dbpath, &holder, err, sizeof(err)), 0);
    CHECK_INT(store_open(dbpath, &writer, err, sizeof(err)), 0);
    populate(holder);
    char *before = dump(holder);
    CHECK_INT(sqlite3_exec(holder->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
              SQLITE_OK);

    _Atomic int give_up = 1;
    store_set_give_up(writer, &give_up);
    CHECK_INT(add_service(writer, "voip", "VoIP", NULL, 0), UV_EBUSY);
    CHECK_HAS(store_errmsg(writer), strlen(store_errmsg(writer)), "locked");
    CHECK_INT(sqlite3_exec(holder->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    char *after = dump(holder);
    CHECK_STR(after, before); /* the refused write left nothing */

    /* Not told to give up, it waits until the lock is free. */
    give_up = 0;
    CHECK_INT(sqlite3_exec(holder->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
              SQLITE_OK);
    uv_thread_t t;
    CHECK_INT(uv_thread_create(&t, release_later, holder), 0);
    CHECK_INT(add_service(writer, "voip", "VoIP", NULL, 0), 0);
    uv_thread_join(&t);
    store_set_give_up(writer, NULL);
    free(before);
    free(after);
    store_close(writer);
    store_close(holder);
    tmp_clean();
}

/* ---- round trips ------------------------------------------------------ */

TEST(services_round_trip)
{
    struct store *st = open_mem();
    struct service_input in = {"imap", "  Mailbox access  ", "Mail",
                               "Reading mail", 0};
    CHECK_INT(store_service_add(st, &in), 0);
    CHECK_INT(add_service(st, "smtp", "SMTP", "Mail", 0), 0);
    CHECK_INT(add_service(st, "dsl", "DSL", "", 1), 0); /* "" = none */
    CHECK_INT(add_service(st, "adsl", "ADSL", NULL, 1), 0);
    CHECK_INT(add_service(st, "dns", "DNS", NULL, 10), 0);
    CHECK_INT(add_service(st, "web", "Web", NULL, 0), 0); /* after 10 */
    CHECK_INT(store_service_set(st, "smtp", SERVICE_MAJOR_OUTAGE, false), 0);

    struct snapshot *s = NULL;
    CHECK_INT(store_load(st, NOW, &s), 0);
    /* Sorted by position, then slug. */
    static const char *const order[] = {"adsl", "dsl", "imap",
                                        "smtp", "dns", "web"};
    CHECK_INT(s->n_services, 6);
    for (size_t i = 0; i < 6 && i < s->n_services; i++)
        CHECK_STR(s->services[i].slug, order[i]);
    const struct service *imap = snapshot_service(s, "imap");
    CHECK_STR(imap->name, "Mailbox access"); /* trimmed */
    CHECK_STR(imap->group, "Mail");
    CHECK_STR(imap->description, "Reading mail");
    CHECK_INT(imap->position, 1);
    CHECK_INT(imap->created_at, NOW);
    CHECK(!imap->manual);
    CHECK_STR(imap->status_reason, "no open incidents");
    CHECK(snapshot_service(s, "dsl")->group == NULL);
    CHECK(snapshot_service(s, "dsl")->description == NULL);
    CHECK_INT(snapshot_service(s, "web")->position, 11);
    const struct service *smtp = snapshot_service(s, "smtp");
    CHECK(smtp->manual);
    CHECK_INT(smtp->manual_status, SERVICE_MAJOR_OUTAGE);
    CHECK_INT(smtp->status, SERVICE_MAJOR_OUTAGE);
    CHECK_STR(smtp->status_reason, "set by hand");
    CHECK_INT(s->indicator, INDICATOR_CRITICAL);
    CHECK_INT(s->n_groups, 1);
    snapshot_unref(s);

    /* Back to automatic. */
    CHECK_INT(store_service_set(st, "smtp", SERVICE_OPERATIONAL, true), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK(!snapshot_service(s, "smtp")->manual);
    CHECK_INT(snapshot_service(s, "smtp")->status, SERVICE_OPERATIONAL);
    CHECK_INT(s->indicator, INDICATOR_NONE);
    snapshot_unref(s);
    store_close(st);
}

TEST(incident_life_cycle)
{
    struct store *st = open_mem();
    populate(st);
    struct snapshot *s = NULL;

    /* Open with two services, an author, and a CRLF body. */
    const char *svcs[] = {"smtp", "imap"};
    struct post_input in = {0};
    in.kind = KIND_INCIDENT;
    in.title = "Mail is slow";
    in.status = STATUS_IDENTIFIED;
    in.impact = IMPACT_MAJOR;
    in.services = svcs;
    in.n_services = 2;
    in.body = "Line one\r\nline two\r\n\r\nPara two\n\n  \n";
    in.author = "Dana";
    in.via = "noc-bot";
    in.at = NOW - 1000;
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    CHECK_INT(id, 7);

    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *inc = snapshot_incident(s, id);
    CHECK(inc != NULL);
    CHECK_INT(inc->kind, KIND_INCIDENT);
    CHECK_STR(inc->title, "Mail is slow");
    CHECK_INT(inc->status, STATUS_IDENTIFIED);
    CHECK_INT(inc->impact, IMPACT_MAJOR);
    CHECK_INT(inc->created_at, NOW - 1000);
    CHECK_INT(inc->started_at, NOW - 1000);
    CHECK_INT(inc->updated_at, NOW - 1000);
    CHECK_INT(inc->monitoring_at, 0);
    CHECK_INT(inc->resolved_at, 0);
    CHECK_INT(inc->n_services, 2);
    CHECK_STR(s->services[inc->services[0].service].slug, "smtp");
    CHECK_STR(s->services[inc->services[1].service].slug, "imap");
    CHECK_INT(inc->n_updates, 1);
    CHECK_STR(inc->updates[0].body, "Line one\nline two\n\nPara two");
    CHECK_STR(inc->updates[0].author, "Dana");
    CHECK_STR(inc->updates[0].via, "noc-bot");
    CHECK_INT(inc->updates[0].status, STATUS_IDENTIFIED);
    CHECK_INT(snapshot_service(s, "smtp")->status, SERVICE_PARTIAL_OUTAGE);
    CHECK_STR(snapshot_service(s, "smtp")->status_reason, "incident #7");
    /* imap: #7 (major) beats #1 (minor). */
    CHECK_STR(snapshot_service(s, "imap")->status_reason, "incident #7");
    CHECK_INT(s->indicator, INDICATOR_MAJOR);
    snapshot_unref(s);

    /* Monitoring, then an update without a status, then monitoring again:
     * monitoring_at remembers the first time. */
    CHECK_INT(
        update_status(st, id, STATUS_MONITORING, "fix deployed", NOW - 800), 0);
    struct update_input up = {0};
    up.body = "still watching";
    up.at = NOW - 700;
    up.set_impact = true;
    up.impact = IMPACT_MINOR;
    CHECK_INT(store_post_update(st, id, &up), 0);
    CHECK_INT(update_status(st, id, STATUS_IDENTIFIED, "back", NOW - 650), 0);
    CHECK_INT(update_status(st, id, STATUS_MONITORING, "again", NOW - 600), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    inc = snapshot_incident(s, id);
    CHECK_INT(inc->monitoring_at, NOW - 800);
    CHECK_INT(inc->impact, IMPACT_MINOR);
    CHECK_INT(inc->status, STATUS_MONITORING);
    CHECK_INT(inc->updated_at, NOW - 600);
    CHECK_INT(inc->n_updates, 5);
    CHECK_STR(inc->updates[0].body, "again");
    CHECK_STR(inc->updates[2].body, "still watching");
    CHECK_INT(inc->updates[2].status, STATUS_MONITORING); /* kept */
    CHECK_STR(inc->updates[2].via, "cli"); /* NULL via means the CLI */
    CHECK(inc->updates[2].author == NULL);
    CHECK_INT(snapshot_service(s, "smtp")->status,
              SERVICE_DEGRADED_PERFORMANCE);
    snapshot_unref(s);

    /* Resolve, postmortem, reopen, resolve again. */
    CHECK_INT(update_status(st, id, STATUS_RESOLVED, "all good", NOW - 500), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    inc = snapshot_incident(s, id);
    CHECK_INT(inc->resolved_at, NOW - 500);
    /* smtp falls back to the maintenance in progress on it. */
    CHECK_INT(snapshot_service(s, "smtp")->status, SERVICE_UNDER_MAINTENANCE);
    CHECK_STR(snapshot_service(s, "smtp")->status_reason, "maintenance #6");
    CHECK_STR(snapshot_service(s, "imap")->status_reason, "incident #1");
    snapshot_unref(s);

    CHECK_INT(store_postmortem(st, id, "What happened.\r\n\r\nWhy.\n", "cli",
                               NOW - 100),
              0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    inc = snapshot_incident(s, id);
    CHECK_INT(inc->status, STATUS_POSTMORTEM);
    CHECK_STR(inc->postmortem, "What happened.\n\nWhy.");
    CHECK_INT(inc->postmortem_at, NOW - 100);
    CHECK_INT(inc->updated_at, NOW - 100);
    CHECK_INT(inc->n_updates, 6); /* a postmortem is not an update */
    snapshot_unref(s);

    /* Replacing the postmortem keeps one. */
    CHECK_INT(store_postmortem(st, id, "Better text.", NULL, NOW - 50), 0);
    CHECK_INT(
        update_status(st, id, STATUS_INVESTIGATING, "it is back", NOW - 10), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    inc = snapshot_incident(s, id);
    CHECK_INT(inc->status, STATUS_INVESTIGATING);
    CHECK_INT(inc->resolved_at, 0); /* cleared on reopen */
    CHECK_STR(inc->postmortem, "Better text.");
    CHECK(snapshot_is_open_incident(s, inc));
    snapshot_unref(s);
    CHECK_INT(update_status(st, id, STATUS_RESOLVED, "", NOW), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK_INT(snapshot_incident(s, id)->resolved_at, NOW);
    snapshot_unref(s);
    store_close(st);
}

TEST(maintenance_life_cycle)
{
    struct store *st = open_mem();
    populate(st);
    const char *svcs[] = {"imap", "smtp"};
    const int64_t windows[2][2] = {{NOW + 3600, NOW + 4000}, {0, 0}};
    struct post_input in = {0};
    in.kind = KIND_MAINTENANCE;
    in.title = "Reboot mail servers";
    in.status = STATUS_SCHEDULED;
    in.impact = IMPACT_MAINTENANCE;
    in.services = svcs;
    in.n_services = 2;
    in.windows = windows;
    in.scheduled_start = NOW + 3600;
    in.scheduled_end = NOW + 7200;
    in.body = "One at a time.";
    in.at = NOW - 9000;
    int64_t id;
    CHECK_INT(store_post_open(st, &in, &id), 0);

    struct snapshot *s = NULL;
    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *m = snapshot_incident(s, id);
    CHECK(snapshot_is_upcoming_maintenance(s, m));
    CHECK_INT(m->scheduled_start, NOW + 3600);
    CHECK_INT(m->scheduled_end, NOW + 7200);
    CHECK_INT(m->services[0].window_start, NOW + 3600);
    CHECK_INT(m->services[0].window_end, NOW + 4000);
    CHECK_INT(m->services[1].window_start, 0);
    CHECK_INT(snapshot_service(s, "imap")->status,
              SERVICE_DEGRADED_PERFORMANCE);
    snapshot_unref(s);

    CHECK_INT(update_status(st, id, STATUS_IN_PROGRESS, "", NOW - 7200), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK(snapshot_is_active_maintenance(s, snapshot_incident(s, id)));
    /* An incident outranks maintenance; smtp shows the maintenance. */
    CHECK_INT(snapshot_service(s, "imap")->status,
              SERVICE_DEGRADED_PERFORMANCE);
    CHECK_INT(snapshot_service(s, "smtp")->status, SERVICE_UNDER_MAINTENANCE);
    snapshot_unref(s);

    /* verifying may be skipped */
    CHECK_INT(update_status(st, id, STATUS_COMPLETED, "done", NOW - 200), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    m = snapshot_incident(s, id);
    CHECK_INT(m->status, STATUS_COMPLETED);
    CHECK_INT(m->resolved_at, NOW - 200);
    CHECK_INT(m->updated_at, NOW - 200);
    CHECK_INT(m->n_updates, 3);
    snapshot_unref(s);
    store_close(st);
}

TEST(notice_round_trip)
{
    struct store *st = open_mem();
    struct post_input in = {0};
    in.kind = KIND_NOTICE;
    in.title = "Support hours";
    in.status = STATUS_POSTED;
    in.impact = IMPACT_NONE;
    in.body = "Open 8\xe2\x80\x93"
              "22.";
    int64_t id;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    struct update_input up = {0};
    up.body = "Also on Sundays.";
    up.at = NOW + 60;
    CHECK_INT(store_post_update(st, id, &up), 0);
    struct snapshot *s;
    CHECK_INT(store_load(st, NOW + 60, &s), 0);
    const struct incident *n = snapshot_incident(s, id);
    CHECK_INT(n->created_at, NOW); /* at = 0 means now (OUTPOST_NOW) */
    CHECK_INT(n->status, STATUS_POSTED);
    CHECK(snapshot_is_current_notice(s, n));
    CHECK_INT(n->n_updates, 2);
    CHECK_STR(n->updates[1].body, "Open 8\xe2\x80\x93"
                                  "22.");
    snapshot_unref(s);
    store_close(st);
}

/* Back-dated writes: any past time, the clock's skew taken as now, the
 * future refused; updates in time order, never before their post. */
TEST(backdated_writes)
{
    struct store *st = open_mem();
    CHECK_INT(add_service(st, "dsl", "DSL", NULL, 0), 0);
    /* A report after the fact lands in its own month. */
    int64_t old = NOW - 90 * 86400; /* 2026-08-20 */
    int64_t a = open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MAJOR,
                          "Core switch", "dsl", old);
    CHECK_INT(update_status(st, a, STATUS_RESOLVED, "fixed", old + 3000), 0);

    /* Ahead by at most STORE_CLOCK_SKEW is the sender's fast clock: now. */
    int64_t b = open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MINOR,
                          "Fast clock", "dsl", NOW + STORE_CLOCK_SKEW);
    /* Further ahead is refused, for a post and for an update. */
    struct post_input in = {.kind = KIND_NOTICE,
                            .title = "Tomorrow",
                            .status = STATUS_POSTED,
                            .impact = IMPACT_NONE,
                            .at = NOW + STORE_CLOCK_SKEW + 1};
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), UV_EINVAL);
    CHECK_STR(store_errmsg(st),
              "time 2026-11-18T11:11:41Z is in the future (the server's "
              "clock says 2026-11-18T11:06:40Z; at most 5 minutes ahead is "
              "taken as now)");
    CHECK_INT(update_status(st, b, STATUS_IDENTIFIED, "",
                            NOW + STORE_CLOCK_SKEW + 60),
              UV_EINVAL);
    /* An update before its post was opened is refused. */
    CHECK_INT(update_status(st, a, STATUS_INVESTIGATING, "reopen", old - 1),
              UV_EINVAL);
    CHECK_STR(store_errmsg(st), "time 2026-08-20T11:06:39Z is before #1 was "
                                "opened (2026-08-20T11:06:40Z)");

    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *ia = snapshot_incident(s, a);
    const struct incident *ib = snapshot_incident(s, b);
    CHECK_INT(ia->created_at, old);
    CHECK_INT(ia->resolved_at, old + 3000);
    CHECK_INT(ia->updated_at, old + 3000);
    CHECK_INT(ib->created_at, NOW);
    CHECK_INT(s->n_incidents, 2);
    int m = query_find_month(s, 2026, 8);
    CHECK(m >= 0);
    if (m >= 0) {
        CHECK_INT(s->months[m].count, 1);
        CHECK_INT(s->incidents[s->by_time[s->months[m].first]].id, a);
    }
    CHECK_INT(query_find_month(s, 2026, 11) >= 0, 1);
    snapshot_unref(s);

    /* A clock stepped back does not refuse an update without a time: it
     * goes at the latest update's time. */
    setenv("OUTPOST_NOW", "1795001000", 1);
    int64_t c = open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MINOR,
                          "Before the step", "dsl", 0);
    setenv("OUTPOST_NOW", "1795000000", 1);
    CHECK_INT(update_status(st, c, STATUS_IDENTIFIED, "found", 0), 0);
    CHECK_INT(store_load(st, NOW, &s), 0);
    const struct incident *ic = snapshot_incident(s, c);
    CHECK_INT(ic->n_updates, 2);
    if (ic->n_updates == 2) {
        CHECK_INT(ic->updates[0].created_at, NOW + 1000);
        CHECK_STR(ic->updates[0].body, "found");
    }
    snapshot_unref(s);
    store_close(st);
}

TEST(load_orders)
{
    struct store *st = open_mem();
    CHECK_INT(add_service(st, "dsl", "DSL", NULL, 0), 0);
    int64_t a = open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MINOR,
                          "A", "dsl", NOW - 100);
    int64_t b = open_post(st, KIND_INCIDENT, STATUS_INVESTIGATING, IMPACT_MINOR,
                          "B", "dsl", NOW - 5000);
    /* A backdated update sorts by its time; equal times by id. */
    struct update_input up = {0};
    up.body = "late entry";
    up.at = NOW - 3000;
    CHECK_INT(store_post_update(st, b, &up), 0);
    up.body = "earlier";
    up.at = NOW - 90;
    CHECK_INT(store_post_update(st, a, &up), 0);
    up.body = "same time 1";
    up.at = NOW - 50;
    CHECK_INT(store_post_update(st, a, &up), 0);
    up.body = "same time 2";
    CHECK_INT(store_post_update(st, a, &up), 0);
    /* Updates go in in time order: one under the latest is refused. */
    up.body = "too early";
    up.at = NOW - 60;
    CHECK_INT(store_post_update(st, a, &up), UV_EINVAL);
    CHECK_STR(store_errmsg(st),
              "time 2026-11-18T11:05:40Z is before the latest update of #1 "
              "(2026-11-18T11:05:50Z); updates are added in time order");

    struct snapshot *s;
    CHECK_INT(store_load(st, NOW, &s), 0);
    CHECK_INT(s->incidents[0].id, b);
    CHECK_INT(s->incidents[1].id, a);
    /* The history and the live posts go by time, not by id: B, opened
     * second, began first. */
    CHECK_INT(s->incidents[s->by_time[0]].id, a);
    CHECK_INT(s->incidents[s->by_time[1]].id, b);
    CHECK_INT(s->n_live, 2);
    CHECK_INT(s->incidents[s->live[0]].id, a);
    CHECK_INT(s->incidents[s->live[1]].id, b);
    const struct incident *ia = snapshot_incident(s, a);
    CHECK_INT(ia->n_updates, 4);
    CHECK_STR(ia->updates[0].body, "same time 2");
    CHECK_STR(ia->updates[1].body, "same time 1");
    CHECK_STR(ia->updates[2].body, "earlier");
    CHECK_STR(ia->updates[3].body, "first");
    CHECK_INT(ia->updated_at, NOW - 50);
    const struct incident *ib = snapshot_incident(s, b);
    CHECK_STR(ib->updates[0].body, "late entry");
    CHECK_INT(s->data_changed_at, NOW); /* the service was added at NOW */
    snapshot_unref(s);
    store_close(st);
}

/* ---- refusals --------------------------------------------------------- */

enum op { OP_SVC_ADD, OP_SVC_SET, OP_OPEN, OP_UPDATE, OP_POSTMORTEM };

struct bad_case {
    const char *what;
    enum op op;
    struct service_input svc; /* OP_SVC_ADD */
    const char *slug;         /* OP_SVC_SET */
    int svc_status;
    struct post_input post; /* OP_OPEN */
    int64_t id;             /* OP_UPDATE, OP_POSTMORTEM */
    struct update_input upd;
    const char *pm;
    int want_rc;
    const char *want_msg;
};

static const char *const S_IMAP[] = {"imap"};
static const char *const S_DLS[] = {"dls"};
static const char *const S_TWICE[] = {"imap", "dsl", "imap"};
static const int64_t W_BAD[1][2] = {{NOW + 4000, NOW + 3700}};
static const int64_t W_HALF[1][2] = {{NOW + 4000, 0}};
/* Starts before the maintenance window (NOW + 3600 .. NOW + 7200). */
static const int64_t W_EARLY[1][2] = {{NOW + 3000, NOW + 4000}};
/* Ends after it. */
static const int64_t W_LATE[1][2] = {{NOW + 7000, NOW + 8000}};

#define INC(...)                                                               \
    .op = OP_OPEN, .post = {.kind = KIND_INCIDENT,                             \
                            .title = "T",                                      \
                            .status = STATUS_INVESTIGATING,                    \
                            .impact = IMPACT_MINOR,                            \
                            __VA_ARGS__}
#define MNT(...)                                                               \
    .op = OP_OPEN, .post = {.kind = KIND_MAINTENANCE,                          \
                            .title = "T",                                      \
                            .status = STATUS_SCHEDULED,                        \
                            .impact = IMPACT_MAINTENANCE,                      \
                            .scheduled_start = NOW + 3600,                     \
                            .scheduled_end = NOW + 7200,                       \
                            __VA_ARGS__}
#define UPD(ID, ...) .op = OP_UPDATE, .id = (ID), .upd = {__VA_ARGS__}
#define SETST(ID, ST) UPD(ID, .set_status = true, .status = (ST), .body = "x")

/* The case macros give defaults that a case then overrides, which is the
 * point of designated initializers here. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Winitializer-overrides"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

static char long_title[202];
static char *long_body;

static const struct bad_case bad_cases[] = {
    /* services */
    {"empty slug", OP_SVC_ADD, .svc = {"", "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug ''"},
    {"slug starts with dash", OP_SVC_ADD, .svc = {"-x", "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug '-x'"},
    {"slug upper case", OP_SVC_ADD, .svc = {"Imap", "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug"},
    {"slug with space", OP_SVC_ADD, .svc = {"a b", "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug"},
    {"slug 33 chars", OP_SVC_ADD,
     .svc = {"abcdefghijabcdefghijabcdefghijabc", "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug"},
    {"slug NULL", OP_SVC_ADD, .svc = {NULL, "X", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "invalid service slug"},
    {"name empty", OP_SVC_ADD, .svc = {"voip", "   ", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "name must not be empty"},
    {"name NULL", OP_SVC_ADD, .svc = {"voip", NULL, NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "name must not be empty"},
    {"name with tab", OP_SVC_ADD, .svc = {"voip", "Vo\tIP", NULL, NULL, 0},
     .want_rc = UV_EINVAL, .want_msg = "name must not contain control"},
    {"group with escape", OP_SVC_ADD,
     .svc = {"voip", "VoIP", "G\x1b[2J", NULL, 0}, .want_rc = UV_EINVAL,
     .want_msg = "group must not contain control"},
    {"description bad UTF-8", OP_SVC_ADD,
     .svc = {"voip", "VoIP", NULL, "caf\xe9", 0}, .want_rc = UV_EINVAL,
     .want_msg = "description is not valid UTF-8"},
    {"duplicate slug", OP_SVC_ADD, .svc = {"imap", "Other", NULL, NULL, 0},
     .want_rc = UV_EEXIST, .want_msg = "service 'imap' already exists"},
    {"set unknown service", OP_SVC_SET, .slug = "dls",
     .svc_status = SERVICE_MAJOR_OUTAGE, .want_rc = UV_ENOENT,
     .want_msg = "unknown service 'dls'"},
    {"set bad slug", OP_SVC_SET, .slug = "DSL\n",
     .svc_status = SERVICE_MAJOR_OUTAGE, .want_rc = UV_ENOENT,
     .want_msg = "unknown service 'DSL?'"},
    {"set bad status", OP_SVC_SET, .slug = "dsl", .svc_status = 17,
     .want_rc = UV_EINVAL, .want_msg = "unknown service status"},

    /* titles and bodies */
    {"title empty", INC(.title = ""), .want_rc = UV_EINVAL,
     .want_msg = "title must not be empty"},
    {"title NULL", INC(.title = NULL), .want_rc = UV_EINVAL,
     .want_msg = "title must not be empty"},
    {"title blank", INC(.title = "   "), .want_rc = UV_EINVAL,
     .want_msg = "title must not be empty"},
    {"title with LF", INC(.title = "a\nb"), .want_rc = UV_EINVAL,
     .want_msg = "title must not contain control"},
    {"title with ESC", INC(.title = "a\x1b[2Jb"), .want_rc = UV_EINVAL,
     .want_msg = "title must not contain control"},
    {"title with DEL", INC(.title = "a\x7f"), .want_rc = UV_EINVAL,
     .want_msg = "title must not contain control"},
    {"title with C1 CSI",
     INC(.title = "a\xc2\x9b"
                  "2J"),
     .want_rc = UV_EINVAL, .want_msg = "title must not contain control"},
    {"title overlong UTF-8", INC(.title = "a\xc0\xaf"), .want_rc = UV_EINVAL,
     .want_msg = "title is not valid UTF-8"},
    {"title surrogate", INC(.title = "a\xed\xa0\x80"), .want_rc = UV_EINVAL,
     .want_msg = "title is not valid UTF-8"},
    {"title truncated UTF-8", INC(.title = "Z\xc3"), .want_rc = UV_EINVAL,
     .want_msg = "title is not valid UTF-8"},
    {"title above U+10FFFF", INC(.title = "\xf4\x90\x80\x80"),
     .want_rc = UV_EINVAL, .want_msg = "title is not valid UTF-8"},
    {"title 201 bytes", INC(.title = long_title), .want_rc = UV_EINVAL,
     .want_msg = "title is longer than 200 bytes"},
    {"body with ESC", INC(.body = "ok\x1b[31mred"), .want_rc = UV_EINVAL,
     .want_msg = "body must not contain control"},
    {"body with lone CR", INC(.body = "a\rb"), .want_rc = UV_EINVAL,
     .want_msg = "body must not contain control"},
    {"body bad UTF-8", INC(.body = "\xff"), .want_rc = UV_EINVAL,
     .want_msg = "body is not valid UTF-8"},
    {"body too long", INC(.body = NULL /* set in main */), .want_rc = UV_EINVAL,
     .want_msg = "body is longer than 65536 bytes"},
    {"author with LF", INC(.author = "eve\n"), .want_rc = UV_EINVAL,
     .want_msg = "author must not contain control"},

    /* kinds, statuses, impacts, services */
    {"bad kind", INC(.kind = 9), .want_rc = UV_EINVAL,
     .want_msg = "unknown kind"},
    {"incident scheduled", INC(.status = STATUS_SCHEDULED),
     .want_rc = UV_EINVAL,
     .want_msg = "status 'scheduled' is not valid for an incident"},
    {"incident starts as postmortem", INC(.status = STATUS_POSTMORTEM),
     .want_rc = UV_EINVAL, .want_msg = "cannot start as postmortem"},
    {"incident impact maintenance", INC(.impact = IMPACT_MAINTENANCE),
     .want_rc = UV_EINVAL, .want_msg = "impact of an incident"},
    {"unknown service", INC(.services = S_DLS, .n_services = 1),
     .want_rc = UV_ENOENT, .want_msg = "unknown service 'dls'"},
    {"service twice", INC(.services = S_TWICE, .n_services = 3),
     .want_rc = UV_EINVAL, .want_msg = "service 'imap' given twice"},
    {"services NULL with a count", INC(.n_services = 2), .want_rc = UV_EINVAL,
     .want_msg = "services missing"},
    {"incident with a window",
     INC(.scheduled_start = NOW, .scheduled_end = NOW + 1),
     .want_rc = UV_EINVAL, .want_msg = "only maintenance has a scheduled"},
    {"negative time", INC(.at = -5), .want_rc = UV_EINVAL,
     .want_msg = "time is before 1970"},
    {"maintenance resolved", MNT(.status = STATUS_RESOLVED),
     .want_rc = UV_EINVAL,
     .want_msg = "maintenance cannot be resolved; use start/complete"},
    {"maintenance starts completed", MNT(.status = STATUS_COMPLETED),
     .want_rc = UV_EINVAL, .want_msg = "must be scheduled or in_progress"},
    {"maintenance impact major", MNT(.impact = IMPACT_MAJOR),
     .want_rc = UV_EINVAL, .want_msg = "impact of maintenance"},
    {"maintenance end before start",
     MNT(.scheduled_start = NOW + 7200, .scheduled_end = NOW + 3600),
     .want_rc = UV_EINVAL, .want_msg = "end is before start"},
    {"maintenance empty window",
     MNT(.scheduled_start = NOW + 7200, .scheduled_end = NOW + 7200),
     .want_rc = UV_EINVAL, .want_msg = "end is the same as start"},
    {"maintenance without a window", MNT(.scheduled_start = 0),
     .want_rc = UV_EINVAL, .want_msg = "needs a start and an end"},
    {"service window end before start",
     MNT(.services = S_IMAP, .n_services = 1, .windows = W_BAD),
     .want_rc = UV_EINVAL,
     .want_msg = "window of service 'imap': end is before start"},
    {"service window starts before the maintenance window",
     MNT(.services = S_IMAP, .n_services = 1, .windows = W_EARLY),
     .want_rc = UV_EINVAL,
     .want_msg = "window of service 'imap' is outside the maintenance window"},
    {"service window ends after the maintenance window",
     MNT(.services = S_IMAP, .n_services = 1, .windows = W_LATE),
     .want_rc = UV_EINVAL, .want_msg = "is outside the maintenance window"},
    {"service window half set",
     MNT(.services = S_IMAP, .n_services = 1, .windows = W_HALF),
     .want_rc = UV_EINVAL, .want_msg = "needs a start and an end"},
    {"notice with services", .op = OP_OPEN,
     .post = {.kind = KIND_NOTICE,
              .title = "N",
              .status = STATUS_POSTED,
              .services = S_IMAP,
              .n_services = 1},
     .want_rc = UV_EINVAL, .want_msg = "a notice does not affect services"},
    {"notice with impact", .op = OP_OPEN,
     .post = {.kind = KIND_NOTICE,
              .title = "N",
              .status = STATUS_POSTED,
              .impact = IMPACT_MINOR},
     .want_rc = UV_EINVAL, .want_msg = "a notice has no impact"},
    {"notice investigating", .op = OP_OPEN,
     .post = {.kind = KIND_NOTICE,
              .title = "N",
              .status = STATUS_INVESTIGATING},
     .want_rc = UV_EINVAL, .want_msg = "not valid for a notice"},

    /* updates and transitions */
    {"update unknown id", SETST(99, STATUS_IDENTIFIED), .want_rc = UV_ENOENT,
     .want_msg = "unknown incident #99"},
    {"update with nothing", UPD(P_OPEN, .body = "  \n"), .want_rc = UV_EINVAL,
     .want_msg = "nothing to update"},
    {"update same status, no body",
     UPD(P_OPEN, .set_status = true, .status = STATUS_INVESTIGATING),
     .want_rc = UV_EINVAL, .want_msg = "nothing to update"},
    {"update bad body", UPD(P_OPEN, .body = "\x1b"), .want_rc = UV_EINVAL,
     .want_msg = "body must not contain control"},
    {"incident to postmortem by update", SETST(P_OPEN, STATUS_POSTMORTEM),
     .want_rc = UV_EINVAL, .want_msg = "a postmortem is published on its own"},
    {"incident to scheduled", SETST(P_OPEN, STATUS_SCHEDULED),
     .want_rc = UV_EINVAL, .want_msg = "not valid for an incident"},
    {"incident impact maintenance by update",
     UPD(P_OPEN, .set_impact = true, .impact = IMPACT_MAINTENANCE, .body = "x"),
     .want_rc = UV_EINVAL, .want_msg = "impact of an incident"},
    {"resolved incident, plain update", UPD(P_RESOLVED, .body = "more"),
     .want_rc = UV_EINVAL,
     .want_msg = "incident #2 is resolved; to reopen it, give the status "
                 "investigating"},
    {"resolved incident, resolved again", SETST(P_RESOLVED, STATUS_RESOLVED),
     .want_rc = UV_EINVAL, .want_msg = "incident #2 is resolved"},
    {"maintenance resolved by update", SETST(P_SCHEDULED, STATUS_RESOLVED),
     .want_rc = UV_EINVAL,
     .want_msg = "maintenance cannot be resolved; use start/complete"},
    {"maintenance scheduled to completed", SETST(P_SCHEDULED, STATUS_COMPLETED),
     .want_rc = UV_EINVAL, .want_msg = "maintenance #3 has not started"},
    {"maintenance scheduled to verifying", SETST(P_SCHEDULED, STATUS_VERIFYING),
     .want_rc = UV_EINVAL, .want_msg = "has not started"},
    {"maintenance backwards", SETST(P_IN_PROGRESS, STATUS_SCHEDULED),
     .want_rc = UV_EINVAL,
     .want_msg = "maintenance #6 is in_progress; it cannot go back to "
                 "scheduled"},
    {"maintenance after completed", UPD(P_COMPLETED, .body = "more"),
     .want_rc = UV_EINVAL, .want_msg = "maintenance #4 is completed"},
    {"maintenance reopen", SETST(P_COMPLETED, STATUS_IN_PROGRESS),
     .want_rc = UV_EINVAL, .want_msg = "maintenance #4 is completed"},
    {"notice to resolved", SETST(P_NOTICE, STATUS_RESOLVED),
     .want_rc = UV_EINVAL, .want_msg = "not valid for a notice"},
    {"notice impact",
     UPD(P_NOTICE, .set_impact = true, .impact = IMPACT_MAJOR, .body = "x"),
     .want_rc = UV_EINVAL, .want_msg = "a notice has no impact"},

    /* postmortems */
    {"postmortem empty", .op = OP_POSTMORTEM, .id = P_RESOLVED, .pm = "\n \n",
     .want_rc = UV_EINVAL, .want_msg = "postmortem must not be empty"},
    {"postmortem on maintenance", .op = OP_POSTMORTEM, .id = P_COMPLETED,
     .pm = "text", .want_rc = UV_EINVAL,
     .want_msg = "only incidents have a postmortem; #4 is maintenance"},
    {"postmortem on an open incident", .op = OP_POSTMORTEM, .id = P_OPEN,
     .pm = "text", .want_rc = UV_EINVAL,
     .want_msg = "incident #1 is still investigating; resolve it before "
                 "publishing its postmortem"},
    {"postmortem unknown id", .op = OP_POSTMORTEM, .id = 77, .pm = "text",
     .want_rc = UV_ENOENT, .want_msg = "unknown incident #77"},
    {"postmortem with ESC", .op = OP_POSTMORTEM, .id = P_RESOLVED,
     .pm = "\x1b[2J", .want_rc = UV_EINVAL,
     .want_msg = "postmortem must not contain control"},
};

static int run_case(struct store *st, const struct bad_case *c)
{
    int64_t id = -1;
    struct post_input post = c->post;
    if (strcmp(c->what, "body too long") == 0)
        post.body = long_body;
    switch (c->op) {
    case OP_SVC_ADD:
        return store_service_add(st, &c->svc);
    case OP_SVC_SET:
        return store_service_set(st, c->slug,
                                 (enum service_status)c->svc_status, false);
    case OP_OPEN:
        return store_post_open(st, &post, &id);
    case OP_UPDATE:
        return store_post_update(st, c->id, &c->upd);
    case OP_POSTMORTEM:
        return store_postmortem(st, c->id, c->pm, "cli", 0);
    }
    return 0;
}

TEST(refusals_write_nothing)
{
    struct store *st = open_mem();
    populate(st);
    char *before = dump(st);
    for (size_t k = 0; k < sizeof(bad_cases) / sizeof(bad_cases[0]); k++) {
        const struct bad_case *c = &bad_cases[k];
        int failed_before = test_failed_current;
        test_failed_current = 0;
        int rc = run_case(st, c);
        CHECK_INT(rc, c->want_rc);
        const char *msg = store_errmsg(st);
        CHECK_HAS(msg, strlen(msg), c->want_msg);
        CHECK(strchr(msg, '\n') == NULL && strchr(msg, '\x1b') == NULL);
        char *after = dump(st);
        CHECK_STR(after, before);
        free(after);
        if (test_failed_current)
            printf("  in case: %s (got %d: %s)\n", c->what, rc, msg);
        test_failed_current |= failed_before;
    }
    free(before);
    store_close(st);
}

TEST(accepted_transitions)
{
    /* The positive side of the transition rules, one fresh post each. */
    static const struct {
        enum incident_kind kind;
        enum incident_status from;
        enum incident_status to[3];
        size_t n;
    } cases[] = {
        {KIND_INCIDENT,
         STATUS_INVESTIGATING,
         {STATUS_RESOLVED, STATUS_IDENTIFIED, STATUS_MONITORING},
         3},
        {KIND_INCIDENT,
         STATUS_MONITORING,
         {STATUS_INVESTIGATING, STATUS_MONITORING, STATUS_RESOLVED},
         3},
        {KIND_INCIDENT,
         STATUS_RESOLVED,
         {STATUS_MONITORING, STATUS_RESOLVED, STATUS_IDENTIFIED},
         3},
        {KIND_MAINTENANCE,
         STATUS_SCHEDULED,
         {STATUS_IN_PROGRESS, STATUS_VERIFYING, STATUS_COMPLETED},
         3},
        {KIND_MAINTENANCE,
         STATUS_IN_PROGRESS,
         {STATUS_IN_PROGRESS, STATUS_VERIFYING, STATUS_VERIFYING},
         3},
        {KIND_NOTICE, STATUS_POSTED, {STATUS_POSTED}, 1},
    };
    struct store *st = open_mem();
    CHECK_INT(add_service(st, "dsl", "DSL", NULL, 0), 0);
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        enum impact impact = cases[k].kind == KIND_INCIDENT ? IMPACT_MINOR
                             : cases[k].kind == KIND_MAINTENANCE
                                 ? IMPACT_MAINTENANCE
                                 : IMPACT_NONE;
        int64_t id =
            open_post(st, cases[k].kind, cases[k].from, impact, "T", NULL, NOW);
        for (size_t j = 0; j < cases[k].n; j++) {
            int rc =
                update_status(st, id, cases[k].to[j], "step", NOW + (int64_t)j);
            CHECK_INT(rc, 0);
            if (rc != 0)
                printf("  case %zu step %zu: %s\n", k, j, store_errmsg(st));
        }
    }
    store_close(st);
}

/* ---- the rules of a post (store/rules.c), one row per rule ---------- */

#define R_INC(...)                                                             \
    {                                                                          \
        .kind = KIND_INCIDENT, .status = STATUS_INVESTIGATING,                 \
        .impact = IMPACT_MINOR, .n_services = 1, __VA_ARGS__                   \
    }
#define R_MNT(...)                                                             \
    {                                                                          \
        .kind = KIND_MAINTENANCE, .status = STATUS_SCHEDULED,                  \
        .impact = IMPACT_MAINTENANCE, .scheduled_start = NOW,                  \
        .scheduled_end = NOW + 3600, .n_services = 1, __VA_ARGS__              \
    }
#define R_NTC(...)                                                             \
    {                                                                          \
        .kind = KIND_NOTICE, .status = STATUS_POSTED, .impact = IMPACT_NONE,   \
        __VA_ARGS__                                                            \
    }
#define R_PM .postmortem = true, .postmortem_at = NOW, .postmortem_via = true

static const char *const R_TWICE[] = {"imap", "dsl", "imap"};

static const struct {
    const char *what;
    struct post_row row;
    const char *field; /* NULL: the row keeps every rule */
    const char *msg;
} rule_cases[] = {
    /* kind and status */
    {"kind out of range", R_INC(.kind = 9), "kind", "unknown kind of post"},
    {"incident scheduled", R_INC(.status = STATUS_SCHEDULED), "status",
     "status 'scheduled' is not valid for an incident"},
    {"status out of range", R_INC(.status = 99), "status", "unknown status"},
    {"maintenance resolved", R_MNT(.status = STATUS_RESOLVED), "status",
     "maintenance cannot be resolved; use start/complete"},
    {"maintenance postmortem", R_MNT(.status = STATUS_POSTMORTEM), "status",
     "maintenance cannot be resolved; use start/complete"},
    {"notice investigating", R_NTC(.status = STATUS_INVESTIGATING), "status",
     "status 'investigating' is not valid for a notice"},
    /* impact */
    {"incident impact maintenance", R_INC(.impact = IMPACT_MAINTENANCE),
     "impact", "impact of an incident must be none, minor, major or critical"},
    {"incident impact out of range", R_INC(.impact = 99), "impact",
     "impact of an incident must be none, minor, major or critical"},
    {"incident impact none", R_INC(.impact = IMPACT_NONE), NULL, NULL},
    {"maintenance impact major", R_MNT(.impact = IMPACT_MAJOR), "impact",
     "impact of maintenance must be maintenance"},
    {"notice impact minor", R_NTC(.impact = IMPACT_MINOR), "impact",
     "a notice has no impact (none)"},
    /* services */
    {"notice with a service", R_NTC(.n_services = 1), "services",
     "a notice does not affect services"},
    {"service given twice", R_INC(.n_services = 3, .slugs = R_TWICE),
     "services", "service 'imap' given twice"},
    {"repeats left to the caller", R_INC(.n_services = 3), NULL, NULL},
    /* scheduled window */
    {"incident with a start", R_INC(.scheduled_start = NOW), "scheduled_start",
     "only maintenance has a scheduled window"},
    {"notice with an end", R_NTC(.scheduled_end = NOW), "scheduled_end",
     "only maintenance has a scheduled window"},
    {"maintenance without a start", R_MNT(.scheduled_start = 0),
     "scheduled_start", "maintenance needs a start and an end"},
    {"maintenance without an end", R_MNT(.scheduled_end = 0), "scheduled_end",
     "maintenance needs a start and an end"},
    {"maintenance negative start", R_MNT(.scheduled_start = -5),
     "scheduled_start", "maintenance needs a start and an end"},
    {"maintenance end before start", R_MNT(.scheduled_end = NOW - 1),
     "scheduled_end", "end is before start"},
    {"maintenance end at start", R_MNT(.scheduled_end = NOW), "scheduled_end",
     "end is the same as start"},
    /* monitoring_at */
    {"maintenance monitored", R_MNT(.monitoring_at = NOW), "monitoring_at",
     "set on a post that is not an incident"},
    {"notice monitored", R_NTC(.monitoring_at = NOW), "monitoring_at",
     "set on a post that is not an incident"},
    {"monitoring without its time", R_INC(.status = STATUS_MONITORING),
     "monitoring_at", "not set, but the status is monitoring"},
    {"monitored once, investigating again", R_INC(.monitoring_at = NOW), NULL,
     NULL},
    /* resolved_at */
    {"open incident with resolved_at", R_INC(.resolved_at = NOW), "resolved_at",
     "set, but the post is still open"},
    {"notice with resolved_at", R_NTC(.resolved_at = NOW), "resolved_at",
     "set, but the post is still open"},
    {"resolved without its time", R_INC(.status = STATUS_RESOLVED),
     "resolved_at", "not set, but the status is resolved"},
    {"completed without its time", R_MNT(.status = STATUS_COMPLETED),
     "resolved_at", "not set, but the status is completed"},
    /* postmortem */
    {"postmortem on maintenance",
     R_MNT(.status = STATUS_COMPLETED, .resolved_at = NOW, R_PM), "postmortem",
     "only incidents have a postmortem"},
    {"status postmortem without one",
     R_INC(.status = STATUS_POSTMORTEM, .resolved_at = NOW), "postmortem",
     "none, but the status is postmortem"},
    {"postmortem without its time", R_INC(R_PM, .postmortem_at = 0),
     "postmortem_at", "not set, but there is a postmortem"},
    {"time without a postmortem", R_INC(.postmortem_at = NOW), "postmortem_at",
     "set without a postmortem"},
    {"postmortem without its via", R_INC(R_PM, .postmortem_via = false),
     "postmortem_via", "a postmortem needs its via"},
    {"via without a postmortem", R_INC(.postmortem_via = true),
     "postmortem_via", "set without a postmortem"},
    {"postmortem on an open incident", R_INC(R_PM), NULL, NULL},
    {"postmortem status with one",
     R_INC(.status = STATUS_POSTMORTEM, .resolved_at = NOW, R_PM), NULL, NULL},
};

TEST(post_rules)
{
    struct store *st = open_mem();
    for (size_t k = 0; k < sizeof(rule_cases) / sizeof(rule_cases[0]); k++) {
        int failed_before = test_failed_current;
        test_failed_current = 0;
        const char *field = "untouched";
        int rc = store_rules_post(st, &rule_cases[k].row, &field);
        CHECK_INT(rc, rule_cases[k].msg != NULL ? UV_EINVAL : 0);
        if (rule_cases[k].msg != NULL) {
            CHECK_STR(store_errmsg(st), rule_cases[k].msg);
            CHECK_STR(field, rule_cases[k].field);
            /* The writers pass no field. */
            CHECK_INT(store_rules_post(st, &rule_cases[k].row, NULL), rc);
        } else {
            CHECK_STR(field, "untouched");
        }
        if (test_failed_current)
            printf("  in case: %s (got %d: %s)\n", rule_cases[k].what, rc,
                   store_errmsg(st));
        test_failed_current |= failed_before;
    }
    store_close(st);
}

/* The positive side: every status of every kind, with the times and the
 * postmortem its writers give it, keeps the rules. */
TEST(post_rules_take_every_status)
{
    static const enum impact impact[KIND_COUNT] = {
        [KIND_INCIDENT] = IMPACT_CRITICAL,
        [KIND_MAINTENANCE] = IMPACT_MAINTENANCE,
        [KIND_NOTICE] = IMPACT_NONE};
    struct store *st = open_mem();
    int n = 0;
    for (int k = 0; k < KIND_COUNT; k++) {
        for (int s = 0; s < STATUS_COUNT; s++) {
            if (!model_status_valid((enum incident_kind)k,
                                    (enum incident_status)s))
                continue;
            bool pm = s == STATUS_POSTMORTEM;
            struct post_row row = {
                .kind = (enum incident_kind)k,
                .status = (enum incident_status)s,
                .impact = impact[k],
                .monitoring_at = s == STATUS_MONITORING ? NOW : 0,
                .resolved_at =
                    model_status_is_open((enum incident_status)s) ? 0 : NOW,
                .scheduled_start = k == KIND_MAINTENANCE ? NOW : 0,
                .scheduled_end = k == KIND_MAINTENANCE ? NOW + 60 : 0,
                .postmortem = pm,
                .postmortem_via = pm,
                .postmortem_at = pm ? NOW : 0,
                .n_services = k == KIND_NOTICE ? 0 : 2};
            int rc = store_rules_post(st, &row, NULL);
            CHECK_INT(rc, 0);
            if (rc != 0)
                printf("  %s %s: %s\n", model_kind_name(row.kind),
                       model_status_name(row.status), store_errmsg(st));
            n++;
        }
    }
    CHECK_INT(n, 10); /* 5 incident, 4 maintenance, 1 notice statuses */
    store_close(st);
}

TEST(window_rules)
{
    static const struct post_row inc = R_INC(), mnt = R_MNT();
    static const struct {
        const struct post_row *row;
        const char *slug;
        int64_t start, end;
        const char *field, *msg; /* NULL: accepted */
    } cases[] = {
        {&inc, "imap", 0, 0, NULL, NULL},
        {&mnt, "imap", 0, 0, NULL, NULL},
        {&mnt, "imap", NOW, NOW + 3600, NULL, NULL}, /* the whole window */
        {&mnt, "imap", NOW + 10, NOW + 20, NULL, NULL},
        {&inc, "imap", 5, 9, "window_start",
         "only maintenance has service windows"},
        {&inc, "imap", 0, 9, "window_end",
         "only maintenance has service windows"},
        {&mnt, "imap", 0, NOW + 10, "window_start",
         "window of service 'imap' needs a start and an end"},
        {&mnt, "imap", NOW + 10, 0, "window_end",
         "window of service 'imap' needs a start and an end"},
        {&mnt, "imap", NOW + 20, NOW + 10, "window_end",
         "window of service 'imap': end is before start"},
        {&mnt, "imap", NOW + 20, NOW + 20, "window_end",
         "window of service 'imap': end is before start"},
        {&mnt, "imap", NOW - 1, NOW + 10, "window_start",
         "window of service 'imap' is outside the maintenance window"},
        {&mnt, "imap", NOW + 10, NOW + 3601, "window_end",
         "window of service 'imap' is outside the maintenance window"},
        /* The importer names the service by id. */
        {&mnt, NULL, NOW + 20, NOW + 10, "window_end",
         "window of service 7: end is before start"},
    };
    struct store *st = open_mem();
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int failed_before = test_failed_current;
        test_failed_current = 0;
        const char *field = "untouched";
        int rc = store_rules_window(st, cases[k].row, cases[k].slug, 7,
                                    cases[k].start, cases[k].end, &field);
        CHECK_INT(rc, cases[k].msg != NULL ? UV_EINVAL : 0);
        if (cases[k].msg != NULL) {
            CHECK_STR(store_errmsg(st), cases[k].msg);
            CHECK_STR(field, cases[k].field);
        }
        if (test_failed_current)
            printf("  in case %zu (got %d: %s)\n", k, rc, store_errmsg(st));
        test_failed_current |= failed_before;
    }
    store_close(st);
}

TEST(failure_inside_transaction_rolls_back)
{
    /* A trigger makes the last statement of each write fail, after the
     * earlier statements succeeded: nothing of the write may remain. */
    struct store *st = open_mem();
    populate(st);
    char *before = dump(st);
    CHECK_INT(sqlite3_exec(st->db,
                           "CREATE TEMP TRIGGER no_updates BEFORE INSERT ON"
                           " main.updates BEGIN SELECT RAISE(ABORT,"
                           " 'planted failure'); END",
                           NULL, NULL, NULL),
              SQLITE_OK);
    const char *svcs[] = {"imap", "dsl"};
    struct post_input in = {0};
    in.kind = KIND_INCIDENT;
    in.title = "Will fail";
    in.status = STATUS_INVESTIGATING;
    in.impact = IMPACT_MAJOR;
    in.services = svcs;
    in.n_services = 2;
    int64_t id = -1;
    CHECK_INT(store_post_open(st, &in, &id), UV_EIO);
    CHECK_HAS(store_errmsg(st), strlen(store_errmsg(st)), "planted failure");
    CHECK_INT(id, -1);
    CHECK_INT(update_status(st, P_OPEN, STATUS_RESOLVED, "x", NOW), UV_EIO);
    char *after = dump(st);
    CHECK_STR(after, before);
    free(after);
    /* The connection is usable again afterwards. */
    sqlite3_exec(st->db, "DROP TRIGGER no_updates", NULL, NULL, NULL);
    CHECK_INT(update_status(st, P_OPEN, STATUS_RESOLVED, "x", NOW), 0);
    CHECK_INT(pragma_int(st, "SELECT count(*) FROM incident_services"), 5);
    free(before);
    store_close(st);
}

/* ---- multi-connection, durability ------------------------------------ */

TEST(data_version_sees_other_connections)
{
    tmp_clean();
    struct store *reader = NULL, *writer = NULL;
    char err[256];
    CHECK_INT(store_open(dbpath, &writer, err, sizeof(err)), 0);
    CHECK_INT(store_open_readonly(dbpath, &reader, err, sizeof(err)), 0);
    int64_t v1 = 0, v2 = 0, v3 = 0;
    CHECK_INT(store_data_version(reader, &v1), 0);
    CHECK_INT(store_data_version(reader, &v2), 0);
    CHECK_INT(v2, v1); /* nothing changed */
    CHECK_INT(add_service(writer, "dsl", "DSL", NULL, 0), 0);
    CHECK_INT(store_data_version(reader, &v3), 0);
    CHECK(v3 != v1);
    /* A refused write commits nothing, so the version stays. */
    CHECK_INT(add_service(writer, "dsl", "DSL", NULL, 0), UV_EEXIST);
    int64_t v4 = 0;
    CHECK_INT(store_data_version(reader, &v4), 0);
    CHECK_INT(v4, v3);
    /* The reader sees the committed row. */
    struct snapshot *s;
    CHECK_INT(store_load(reader, NOW, &s), 0);
    CHECK_INT(s->n_services, 1);
    snapshot_unref(s);
    store_close(reader);
    store_close(writer);
    tmp_clean();
}

TEST(durable_across_reopen)
{
    tmp_clean();
    struct store *st = NULL;
    char err[256];
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
    populate(st);
    CHECK_INT(store_postmortem(st, P_RESOLVED, "Root cause.", "cli", NOW), 0);
    char *before = dump(st);
    store_close(st);
    /* Nothing of the WAL may be needed from memory: reopen from disk. */
    st = NULL;
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
    char *after = dump(st);
    CHECK_STR(after, before);
    free(after);
    store_close(st);
    CHECK_INT(store_open_readonly(dbpath, &st, err, sizeof(err)), 0);
    after = dump(st);
    CHECK_STR(after, before);
    free(after);
    store_close(st);
    free(before);
    tmp_clean();
}

int main(void)
{
    /* at = 0 means "now": pin it so loads compare equal. */
    setenv("OUTPOST_NOW", "1795000000", 1);
    tmp_setup();
    memset(long_title, 'x', 201);
    long_body = malloc(65537 + 1);
    memset(long_body, 'y', 65537);
    long_body[65537] = '\0';

    RUN(open_memory);
    RUN(open_file_wal_and_migrations_idempotent);
    RUN(open_refuses_newer_schema);
    RUN(open_errors);
    RUN(readonly_reads_and_refuses_writes);
    RUN(lock_waits_and_give_up);
    RUN(services_round_trip);
    RUN(incident_life_cycle);
    RUN(maintenance_life_cycle);
    RUN(notice_round_trip);
    RUN(load_orders);
    RUN(backdated_writes);
    RUN(refusals_write_nothing);
    RUN(accepted_transitions);
    RUN(post_rules);
    RUN(post_rules_take_every_status);
    RUN(window_rules);
    RUN(failure_inside_transaction_rolls_back);
    RUN(data_version_sees_other_connections);
    RUN(durable_across_reopen);

    free(long_body);
    tmp_clean();
    rmdir(tmpdir);
    return test_report();
}
