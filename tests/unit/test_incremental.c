/* Unit tests of the incremental load (store_load_from) and of the view
 * cache as the server uses them: a snapshot built from the one before it,
 * sharing its unchanged posts and the cache of pages rendered for it,
 * must serve exactly what a snapshot loaded and rendered from scratch
 * serves, for every view of every protocol.
 *
 * A seeded run of random writes (posts opened, updated, resolved, edited,
 * given postmortems and services; services added in front of the others,
 * set by hand, renamed, deleted) goes round by round; after each round
 * the next snapshot is loaded from the last one (its cache shared, as
 * server/reload.c does) and another from nothing (with a cache of its
 * own), and every view of both is compared byte for byte. The posts that
 * were not written must be the same memory as in the base, those that
 * were must not; and a page whose inputs did not change must be the very
 * view rendered for the base, not one rendered again. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../store/store.h"
#include "../../store/store_int.h"
#include "snapkit.h"
#include "testlib.h"

#define NOW 1795000000
#define DAY 86400
#define SITE "Example Net status"

struct world {
    struct store *st;
    struct snapkit_rng rng;
    int n_services; /* slugs s0, s1, ... ever added (some deleted) */
    bool deleted[64];
    /* What the writes of a round touched. */
    int64_t changed[512];
    size_t n_changed;
    int manual;    /* the service OP_SET_MANUAL sets, or -1 */
    bool services; /* a write to the services (what they show may not change) */
    bool site;     /* the site changed */
};

static void touched(struct world *w, int64_t id)
{
    for (size_t i = 0; i < w->n_changed; i++)
        if (w->changed[i] == id)
            return;
    if (w->n_changed < sizeof(w->changed) / sizeof(w->changed[0]))
        w->changed[w->n_changed++] = id;
}

static bool was_touched(const struct world *w, int64_t id)
{
    for (size_t i = 0; i < w->n_changed; i++)
        if (w->changed[i] == id)
            return true;
    return false;
}

static const char *slug_of(int k)
{
    static char slugs[64][8];
    snprintf(slugs[k], sizeof(slugs[k]), "s%d", k);
    return slugs[k];
}

/* A live service at random. */
static const char *any_service(struct world *w)
{
    for (;;) {
        int k = (int)snapkit_below(&w->rng, (size_t)w->n_services);
        if (!w->deleted[k])
            return slug_of(k);
    }
}

static int add_service(struct world *w, int position)
{
    if (w->n_services == 64)
        return UV_ENOSPC;
    static const char *const groups[] = {"Access", "Mail", NULL};
    char name[48];
    int k = w->n_services;
    snprintf(name, sizeof(name), "Service number %d", k);
    struct service_input in = {.slug = slug_of(k),
                               .name = name,
                               .group = groups[k % 3],
                               .description =
                                   k % 2 ? "What it does, in a line." : NULL,
                               .position = position};
    int rc = store_service_add(w->st, &in);
    if (rc == 0)
        w->n_services++;
    return rc;
}

static int64_t max_id(struct world *w, const char *table)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s", table);
    return snapkit_sql_int(w->st, sql);
}

static void words(struct world *w, char *out, size_t cap)
{
    static const char *const vocabulary[] = {
        "fibre",    "router", "Zürich",    "cut",
        "restored", "—",      "engineers", "“quoted”",
        "<b>",      "&",      "traffic",   "https://example.net/x?a=1&b=2",
        "again",    "slowly", "ok"};
    size_t n = 3 + snapkit_below(&w->rng, 12), len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *v = vocabulary[snapkit_below(&w->rng, 15)];
        int k = snprintf(out + len, cap - len, "%s%s", i ? " " : "", v);
        if (k < 0 || (size_t)k >= cap - len)
            break;
        len += (size_t)k;
        if (snapkit_below(&w->rng, 12) == 0 && len + 3 < cap) {
            memcpy(out + len, ".\n\n", 4);
            len += 3;
        }
    }
}

/* Opens a post at time `at`, closed if asked (an incident resolved at
 * once, which changes no service's status); returns its id or 0. */
static int64_t open_post(struct world *w, int64_t at, bool closed)
{
    static const enum incident_kind kinds[] = {
        KIND_INCIDENT, KIND_INCIDENT,    KIND_INCIDENT,    KIND_INCIDENT,
        KIND_INCIDENT, KIND_MAINTENANCE, KIND_MAINTENANCE, KIND_NOTICE};
    enum incident_kind kind = kinds[snapkit_below(&w->rng, 8)];
    const char *svcs[3];
    size_t n = kind == KIND_NOTICE ? 0 : 1 + snapkit_below(&w->rng, 3);
    for (size_t i = 0; i < n; i++) {
        svcs[i] = any_service(w);
        for (size_t k = 0; k < i; k++)
            if (strcmp(svcs[k], svcs[i]) == 0)
                n = i; /* a repeat: keep the ones before it */
    }
    char title[96], body[600];
    snprintf(title, sizeof(title), "Post opened at %" PRId64, at);
    words(w, body, sizeof(body));
    struct post_input in = {
        .kind = kind,
        .title = title,
        .status = kind == KIND_NOTICE        ? STATUS_POSTED
                  : kind == KIND_MAINTENANCE ? STATUS_SCHEDULED
                  : closed || snapkit_below(&w->rng, 4) == 0
                      ? STATUS_RESOLVED
                      : STATUS_INVESTIGATING,
        .impact = kind == KIND_MAINTENANCE ? IMPACT_MAINTENANCE
                  : kind == KIND_NOTICE
                      ? IMPACT_NONE
                      : (enum impact)snapkit_below(&w->rng, 4),
        .services = svcs,
        .n_services = n,
        .body = body,
        .author = snapkit_below(&w->rng, 2) ? "NOC" : NULL,
        .via = "cli",
        .at = at,
        .scheduled_start = kind == KIND_MAINTENANCE ? at : 0,
        .scheduled_end = kind == KIND_MAINTENANCE ? at + 7200 : 0,
    };
    int64_t id = 0;
    if (store_post_open(w->st, &in, &id) != 0)
        return 0;
    return id;
}

static const enum incident_status any_status[] = {
    STATUS_INVESTIGATING, STATUS_IDENTIFIED, STATUS_MONITORING, STATUS_RESOLVED,
    STATUS_IN_PROGRESS,   STATUS_VERIFYING,  STATUS_COMPLETED,  STATUS_POSTED};

/* The writes a round makes. The OP_ ones up to OP_RANDOM are made to
 * show: each picks a target on which it succeeds and changes what a page
 * shows (a post of a month's list, a service some post names). */
enum op {
    OP_OPEN,           /* a post in the months there are */
    OP_OPEN_OLDEST,    /* a post before all of them: a new month */
    OP_UPDATE,         /* an update, often with a new status */
    OP_RESOLVE,        /* an update that resolves */
    OP_EDIT,           /* an update's text edited */
    OP_POSTMORTEM,     /* on an incident that is resolved */
    OP_LINK,           /* a service linked to an incident by hand */
    OP_ADD_FRONT,      /* a service in front of the others */
    OP_SET_MANUAL,     /* a named service set by hand, to a new status */
    OP_RENAME,         /* a named service renamed by hand */
    OP_DELETE_SERVICE, /* a named service deleted by hand */
    OP_BACKDATE,       /* an update dated before now (--at, "at") */
    OP_MOVE_MONTH,     /* a post's times moved to another month by hand */
    OP_MERGE,          /* an old page's posts merged (import --merge) */
    OP_RANDOM,         /* any of the above, or something that fails */
};

/* A post id at random among those of the SQL condition, or 0. */
static int64_t pick_post(struct world *w, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM incidents WHERE %s",
             where);
    int64_t n = snapkit_sql_int(w->st, sql);
    if (n <= 0)
        return 0;
    snprintf(sql, sizeof(sql),
             "SELECT id FROM incidents WHERE %s ORDER BY id LIMIT 1"
             " OFFSET %zu",
             where, snapkit_below(&w->rng, (size_t)n));
    return snapkit_sql_int(w->st, sql);
}

/* A live service that some post names, as its slug's number, or -1. */
static int pick_named_service(struct world *w)
{
    char sql[192];
    for (int tries = 0; tries < 64; tries++) {
        int k = (int)snapkit_below(&w->rng, (size_t)w->n_services);
        if (w->deleted[k])
            continue;
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM incident_services WHERE service_id ="
                 " (SELECT id FROM services WHERE slug = '%s')",
                 slug_of(k));
        if (snapkit_sql_int(w->st, sql) > 0)
            return k;
    }
    return -1;
}

static int64_t counter(struct world *w)
{
    return snapkit_sql_int(w->st, "SELECT n FROM change_counter");
}

/* One write; what it touched goes into w. */
static void write_op(struct world *w, int64_t now, enum op op)
{
    char body[600], sql[320];
    int64_t posts = max_id(w, "incidents");
    int64_t id = 1 + (int64_t)snapkit_below(&w->rng, (size_t)posts);
    if (op == OP_RANDOM) {
        static const enum op weighted[] = {
            OP_OPEN,   OP_OPEN,       OP_UPDATE,  OP_UPDATE,     OP_UPDATE,
            OP_UPDATE, OP_RESOLVE,    OP_RESOLVE, OP_EDIT,       OP_EDIT,
            OP_EDIT,   OP_POSTMORTEM, OP_LINK,    OP_ADD_FRONT,  OP_SET_MANUAL,
            OP_RENAME, OP_RANDOM,     OP_RANDOM,  OP_OPEN_OLDEST};
        op = weighted[snapkit_below(&w->rng,
                                    sizeof(weighted) / sizeof(weighted[0]))];
        if (op == OP_RANDOM) {
            /* Writes that may well be refused, on any post. */
            struct update_input in = {.set_status = true,
                                      .status =
                                          any_status[snapkit_below(&w->rng, 8)],
                                      .body = "Anything.",
                                      .via = "cli",
                                      .at = now};
            if (store_post_update(w->st, id, &in) == 0)
                touched(w, id);
            if (store_postmortem(w->st, id, "Maybe.", "cli", now) == 0)
                touched(w, id);
            return;
        }
    }
    switch (op) {
    case OP_OPEN:
    case OP_OPEN_OLDEST: {
        int64_t at = NOW - (int64_t)snapkit_below(&w->rng, 420 * DAY);
        if (op == OP_OPEN_OLDEST)
            at = snapkit_sql_int(w->st, "SELECT min(started_at) FROM"
                                        " incidents") -
                 40 * DAY;
        int64_t nid = open_post(w, at, op == OP_OPEN_OLDEST);
        CHECK(nid > 0);
        if (nid > 0)
            touched(w, nid);
        break;
    }
    case OP_UPDATE: {
        id = pick_post(w, "status NOT IN ('resolved', 'postmortem',"
                          " 'completed')");
        static const enum incident_status next[] = {
            STATUS_IDENTIFIED, STATUS_MONITORING, STATUS_INVESTIGATING};
        struct update_input in = {.set_status = snapkit_below(&w->rng, 3) != 0,
                                  .status = next[snapkit_below(&w->rng, 3)],
                                  .body = body,
                                  .via = "cli",
                                  .at = now};
        words(w, body, sizeof(body));
        if (id > 0 && store_post_update(w->st, id, &in) == 0)
            touched(w, id);
        break;
    }
    case OP_RESOLVE: {
        id = pick_post(w, "kind = 'incident' AND status NOT IN ('resolved',"
                          " 'postmortem')");
        struct update_input in = {.set_status = true,
                                  .status = STATUS_RESOLVED,
                                  .body = "Resolved.",
                                  .via = "cli",
                                  .at = now};
        if (id > 0 && store_post_update(w->st, id, &in) == 0)
            touched(w, id);
        break;
    }
    case OP_EDIT: {
        int64_t uid =
            1 + (int64_t)snapkit_below(&w->rng, (size_t)max_id(w, "updates"));
        int64_t post = 0;
        words(w, body, sizeof(body));
        if (store_update_post(w->st, uid, &post) == 0 &&
            store_update_edit(w->st, uid, body, "cli", now) == 0)
            touched(w, post);
        break;
    }
    case OP_POSTMORTEM:
        /* A resolved incident's status becomes postmortem: its month's
         * page shows the new status, and no service changes with it. */
        id = pick_post(w, "kind = 'incident' AND status = 'resolved'");
        words(w, body, sizeof(body));
        CHECK(id > 0);
        if (id > 0 && store_postmortem(w->st, id, body, "cli", now) == 0)
            touched(w, id);
        break;
    case OP_LINK: {
        /* A service linked to a post by hand (no store function does). */
        id = pick_post(w, "kind = 'incident'");
        snprintf(sql, sizeof(sql),
                 "INSERT OR IGNORE INTO incident_services (incident_id,"
                 " service_id) SELECT %" PRId64 ", id FROM services WHERE"
                 " slug = '%s'",
                 id, any_service(w));
        int64_t before = counter(w);
        snapkit_sql(w->st, sql);
        if (counter(w) != before)
            touched(w, id);
        break;
    }
    case OP_ADD_FRONT:
        /* In front of the others: every index moves. */
        if (add_service(w, 1) == 0)
            w->services = true;
        break;
    case OP_SET_MANUAL: {
        /* From one status set by hand to another: the reason shown stays
         * "set by hand", only the status changes. */
        if (w->manual >= 0 && w->deleted[w->manual])
            w->manual = -1;
        int k = w->manual >= 0 ? w->manual : pick_named_service(w);
        CHECK(k >= 0);
        if (k < 0)
            break;
        w->manual = k;
        snprintf(sql, sizeof(sql),
                 "SELECT manual_status FROM services WHERE slug = '%s'",
                 slug_of(k));
        enum service_status to = SERVICE_MAJOR_OUTAGE;
        sqlite3_stmt *stmt;
        CHECK_INT(sqlite3_prepare_v2(w->st->db, sql, -1, &stmt, NULL),
                  SQLITE_OK);
        if (sqlite3_step(stmt) == SQLITE_ROW &&
            sqlite3_column_type(stmt, 0) != SQLITE_NULL)
            to = strcmp((const char *)sqlite3_column_text(stmt, 0),
                        "major_outage") == 0
                     ? SERVICE_DEGRADED_PERFORMANCE
                     : SERVICE_MAJOR_OUTAGE;
        sqlite3_finalize(stmt);
        CHECK_INT(store_service_set(w->st, slug_of(k), to, false), 0);
        w->services = true;
        break;
    }
    case OP_RENAME: {
        int k = pick_named_service(w);
        CHECK(k >= 0);
        if (k < 0)
            break;
        snprintf(sql, sizeof(sql),
                 "UPDATE services SET name = 'Renamed at %" PRId64
                 " (%zu)' WHERE slug = '%s'",
                 now, snapkit_below(&w->rng, 1000000), slug_of(k));
        snapkit_sql(w->st, sql);
        w->services = true;
        break;
    }
    case OP_DELETE_SERVICE: {
        /* A service deleted by hand (the store has no command for it):
         * its links go with it, and the posts that named it change. */
        int k = pick_named_service(w);
        CHECK(k >= 0);
        if (k < 0)
            break;
        sqlite3_stmt *stmt;
        snprintf(sql, sizeof(sql),
                 "SELECT incident_id FROM incident_services WHERE service_id"
                 " = (SELECT id FROM services WHERE slug = '%s')",
                 slug_of(k));
        CHECK_INT(sqlite3_prepare_v2(w->st->db, sql, -1, &stmt, NULL),
                  SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW)
            touched(w, sqlite3_column_int64(stmt, 0));
        sqlite3_finalize(stmt);
        snprintf(sql, sizeof(sql), "DELETE FROM services WHERE slug = '%s'",
                 slug_of(k));
        snapkit_sql(w->st, sql);
        w->deleted[k] = true;
        w->services = true;
        break;
    }
    case OP_BACKDATE: {
        /* Between the post's latest update and now, as the NOC reports
         * after the fact. */
        id = pick_post(w, "status NOT IN ('resolved', 'postmortem',"
                          " 'completed')");
        if (id == 0)
            id = open_post(w, now - 3 * DAY, false);
        snprintf(sql, sizeof(sql),
                 "SELECT max(created_at) FROM updates WHERE incident_id = "
                 "%" PRId64,
                 id);
        int64_t latest = id > 0 ? snapkit_sql_int(w->st, sql) : 0;
        struct update_input in = {
            .body = "Reported after the fact.",
            .via = "cli",
            .at = latest +
                  (int64_t)snapkit_below(
                      &w->rng, (size_t)(now > latest ? now - latest : 1))};
        CHECK(id > 0);
        if (id > 0) {
            CHECK_INT(store_post_update(w->st, id, &in), 0);
            touched(w, id);
        }
        break;
    }
    case OP_MOVE_MONTH:
        /* What no write does yet but a hand edit can: every time of a
         * post 45 days earlier, so it leaves its month for another. */
        id = pick_post(w, "kind = 'incident'");
        snprintf(sql, sizeof(sql),
                 "UPDATE incidents SET created_at = created_at - %d,"
                 " started_at = started_at - %d WHERE id = %" PRId64,
                 45 * DAY, 45 * DAY, id);
        snapkit_sql(w->st, sql);
        snprintf(sql, sizeof(sql),
                 "UPDATE updates SET created_at = created_at - %d WHERE"
                 " incident_id = %" PRId64,
                 45 * DAY, id);
        snapkit_sql(w->st, sql);
        touched(w, id);
        break;
    case OP_MERGE: {
        /* Another store's export, merged: new posts in old months, on a
         * service matched by slug (s1) and one made (legacy). */
        struct store *o = NULL;
        CHECK_INT(store_open(":memory:", &o, body, sizeof(body)), 0);
        if (o == NULL)
            break;
        struct service_input s1 = {.slug = "s1", .name = "Old name"};
        struct service_input legacy = {.slug = "legacy", .name = "Legacy"};
        CHECK_INT(store_service_add(o, &s1), 0);
        int rc = store_service_add(o, &legacy);
        CHECK(rc == 0);
        const char *svcs[] = {"s1", "legacy"};
        for (int k = 0; k < 3; k++) {
            struct post_input in = {.kind = KIND_INCIDENT,
                                    .title = "Merged from the old page",
                                    .status = k == 0 ? STATUS_INVESTIGATING
                                                     : STATUS_RESOLVED,
                                    .impact = IMPACT_MAJOR,
                                    .services = svcs,
                                    .n_services = 2,
                                    .body = "Old news.",
                                    .via = "cli",
                                    .at = NOW - (int64_t)(30 + 60 * k) * DAY};
            int64_t nid;
            CHECK_INT(store_post_open(o, &in, &nid), 0);
        }
        struct buf doc = BUF_INIT;
        CHECK_INT(store_export(o, &doc), 0);
        struct store_merge res;
        CHECK_INT(store_import_merge(w->st, doc.data, doc.len, &res), 0);
        for (int64_t nid = res.first_id; nid > 0 && nid <= res.last_id; nid++)
            touched(w, nid);
        if (res.services_added > 0)
            w->services = true;
        buf_free(&doc);
        store_close(o);
        break;
    }
    case OP_RANDOM:
        break;
    }
}

static void random_write(struct world *w, int64_t now)
{
    write_op(w, now, OP_RANDOM);
}

static void world_init(struct world *w, uint64_t seed, int n_posts)
{
    memset(w, 0, sizeof(*w));
    w->manual = -1;
    w->rng.x = seed;
    char err[256];
    CHECK_INT(store_open(":memory:", &w->st, err, sizeof(err)), 0);
    if (w->st == NULL)
        return;
    for (int k = 0; k < 8; k++)
        CHECK_INT(add_service(w, 10 * (k + 1)), 0);
    /* A few hundred posts over fourteen months, most of them closed. */
    for (int k = 0; k < n_posts; k++) {
        int64_t at = NOW - 420 * DAY + (int64_t)k * (420 * DAY / n_posts);
        int64_t id = open_post(w, at, false);
        CHECK(id > 0);
        if (id > 0 && snapkit_below(&w->rng, 16) != 0) {
            struct update_input in = {.set_status = true,
                                      .status = STATUS_RESOLVED,
                                      .body = "Resolved.",
                                      .via = "cli",
                                      .at = at + 3600};
            (void)store_post_update(w->st, id, &in);
            in.status = STATUS_COMPLETED;
            (void)store_post_update(w->st, id, &in);
        }
    }
}

static const struct proto *const protos[] = {&http_proto, &gopher_proto,
                                             &finger_proto};

/* The keys of one post's pages, per protocol. */
static void post_keys(int64_t id, char keys[5][48])
{
    snprintf(keys[0], 48, "http:/incidents/%" PRId64, id);
    snprintf(keys[1], 48, "http:/incidents/%" PRId64 ".txt", id);
    snprintf(keys[2], 48, "gopher:/incidents/%" PRId64, id);
    snprintf(keys[3], 48, "finger:%" PRId64, id);
    snprintf(keys[4], 48, "finger:/W %" PRId64, id);
}

/* CHECKs what s shares with base: exactly the posts the round did not
 * touch are base's memory; every post's services point at the service
 * they name in s. */
static void check_sharing(const struct world *w, const struct snapshot *base,
                          const struct snapshot *s)
{
    size_t shared = 0, fresh = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        const struct incident *inc = &s->incidents[i];
        const struct incident *old = snapshot_incident(base, inc->id);
        bool same = old != NULL && old->mem == inc->mem;
        CHECK(inc->mem != NULL);
        if (was_touched(w, inc->id)) {
            CHECK(!same);
            if (same)
                printf("  post %" PRId64 " was written but is shared\n",
                       inc->id);
            fresh++;
        } else {
            CHECK(old != NULL && same);
            if (old != NULL && !same)
                printf("  post %" PRId64 " was not written but read again\n",
                       inc->id);
            shared++;
        }
        for (size_t k = 0; k < inc->n_services; k++) {
            size_t at = inc->services[k].service;
            CHECK(at < s->n_services);
            if (at < s->n_services)
                CHECK_INT(s->services[at].id, inc->services[k].service_id);
        }
    }
    CHECK_INT(fresh + shared, s->n_incidents);
}

static bool same_str(const char *a, const char *b)
{
    return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* CHECKs that s and full hold the same model: the same services with the
 * same shown statuses, the same posts with the same fields, services and
 * updates. Prints the first few posts that differ. */
static void check_model(const struct snapshot *s, const struct snapshot *full)
{
    CHECK_INT(s->n_services, full->n_services);
    for (size_t i = 0; i < s->n_services && i < full->n_services; i++) {
        const struct service *a = &s->services[i], *b = &full->services[i];
        CHECK(a->id == b->id && same_str(a->slug, b->slug) &&
              same_str(a->name, b->name) && a->status == b->status &&
              same_str(a->status_reason, b->status_reason));
    }
    CHECK_INT(s->n_incidents, full->n_incidents);
    size_t shown = 0;
    for (size_t i = 0; i < s->n_incidents && i < full->n_incidents; i++) {
        const struct incident *a = &s->incidents[i], *b = &full->incidents[i];
        bool same = a->id == b->id && a->rev == b->rev && a->kind == b->kind &&
                    a->status == b->status && a->impact == b->impact &&
                    same_str(a->title, b->title) &&
                    same_str(a->postmortem, b->postmortem) &&
                    a->updated_at == b->updated_at &&
                    a->resolved_at == b->resolved_at &&
                    a->n_services == b->n_services &&
                    a->n_updates == b->n_updates;
        for (size_t k = 0; same && k < a->n_services; k++)
            same = a->services[k].service == b->services[k].service &&
                   a->services[k].service_id == b->services[k].service_id &&
                   a->services[k].window_start == b->services[k].window_start &&
                   a->services[k].window_end == b->services[k].window_end;
        for (size_t k = 0; same && k < a->n_updates; k++)
            same = a->updates[k].id == b->updates[k].id &&
                   a->updates[k].status == b->updates[k].status &&
                   a->updates[k].created_at == b->updates[k].created_at &&
                   same_str(a->updates[k].body, b->updates[k].body) &&
                   same_str(a->updates[k].author, b->updates[k].author) &&
                   a->updates[k].n_revisions == b->updates[k].n_revisions &&
                   a->updates[k].edited_at == b->updates[k].edited_at;
        if (same)
            continue;
        CHECK(!"a post differs from the one loaded in full");
        if (shown++ < 3) {
            printf("  post %" PRId64 " (rev %" PRId64 ", full %" PRId64
                   "): services",
                   a->id, a->rev, b->rev);
            for (size_t k = 0; k < a->n_services; k++)
                printf(" %zu/%" PRId64, a->services[k].service,
                       a->services[k].service_id);
            printf(", in full");
            for (size_t k = 0; k < b->n_services; k++)
                printf(" %zu/%" PRId64, b->services[k].service,
                       b->services[k].service_id);
            printf("; updates %zu, in full %zu\n", a->n_updates, b->n_updates);
        }
    }
}

struct walked {
    struct snapkit_views v[3];
};

static void walk_all(const struct snapshot *s, struct walked *out)
{
    for (size_t p = 0; p < 3; p++)
        snapkit_collect(protos[p], s, &out->v[p]);
}

static void walked_free(struct walked *w)
{
    for (size_t p = 0; p < 3; p++)
        snapkit_views_free(&w->v[p]);
}

/* Whether every service is shown the same in a and b: what a post's page
 * shows of the others (a write to a post may change a service's shown
 * status, and so the pages of every post that names it). */
static bool services_same(const struct snapshot *a, const struct snapshot *b)
{
    if (a->n_services != b->n_services)
        return false;
    for (size_t i = 0; i < a->n_services; i++) {
        const struct service *x = &a->services[i], *y = &b->services[i];
        if (x->id != y->id || !same_str(x->slug, y->slug) ||
            !same_str(x->name, y->name) || !same_str(x->group, y->group) ||
            !same_str(x->description, y->description) ||
            x->status != y->status ||
            !same_str(x->status_reason, y->status_reason) ||
            x->position != y->position)
            return false;
    }
    return true;
}

/* CHECKs that a page of an unchanged post with unchanged inputs is the
 * view rendered before, and that a changed post's pages are new. The
 * HTML page shows the time, so it is reused only within the minute. */
static void check_reuse(const struct world *w, const struct walked *before,
                        const struct walked *now, const struct snapshot *base,
                        const struct snapshot *s, bool same_minute)
{
    bool context = w->site || !services_same(base, s);
    size_t reused = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        int64_t id = s->incidents[i].id;
        char keys[5][48];
        post_keys(id, keys);
        for (int k = 0; k < 5; k++) {
            size_t p = k < 2 ? 0 : k == 2 ? 1 : 2;
            const struct snapkit_view *a = snapkit_find(&before->v[p], keys[k]);
            const struct snapkit_view *b = snapkit_find(&now->v[p], keys[k]);
            CHECK(b != NULL);
            if (a == NULL || b == NULL)
                continue;
            bool expect =
                !was_touched(w, id) && !context && (k != 0 || same_minute);
            if ((a->ptr == b->ptr) != expect) {
                CHECK(!"a page reused when it should not be, or not reused");
                printf("  %s: %s\n", keys[k],
                       expect ? "rendered again" : "reused");
            }
            reused += a->ptr == b->ptr;
        }
    }
    if (!context && same_minute)
        CHECK(reused > 0);
}

/* The rounds: the writes each makes (some chosen, then some at random),
 * and how far the clock moves before it. Few writes take load.c's
 * per-post path, many its scan. The clock moves by whole minutes, or not
 * at all: what a page shows of the seconds is test_pagestamps' business
 * (the_second_is_not_shown). */
static const struct {
    enum op ops[2];
    int n_ops;
    int random;
    int64_t seconds;
} rounds[] = {
    {{OP_SET_MANUAL}, 1, 0, 0},
    {{0}, 0, 0, 0},
    {{OP_SET_MANUAL}, 1, 0, 60},
    {{OP_RENAME}, 1, 0, 0},
    {{OP_POSTMORTEM}, 1, 0, 0},
    {{OP_OPEN_OLDEST}, 1, 0, 0},
    {{0}, 0, 0, 60},
    {{OP_ADD_FRONT, OP_EDIT}, 2, 1, 0},
    {{OP_EDIT}, 1, 0, 0},
    {{0}, 0, 40, 0},
    {{OP_DELETE_SERVICE}, 1, 1, 0},
    {{OP_LINK, OP_RESOLVE}, 2, 0, 60},
    {{OP_BACKDATE, OP_MOVE_MONTH}, 2, 0, 0},
    {{OP_MERGE}, 1, 0, 0},
    {{OP_MERGE, OP_BACKDATE}, 2, 2, 60},
    {{0}, 0, 60, 120},
};
#define N_ROUNDS (sizeof(rounds) / sizeof(rounds[0]))

static void run(uint64_t seed, int n_posts, size_t first, size_t n_rounds)
{
    struct world w;
    world_init(&w, seed, n_posts);
    REQUIRE(w.st != NULL);
    struct view_cache *cache = snapshot_cache_new(SIZE_MAX);
    REQUIRE(cache != NULL);
    /* The clock starts at a minute's first second. */
    int64_t now = NOW - NOW % 60;
    struct snapshot *base = snapkit_load(w.st, now, NULL, cache, SITE);
    REQUIRE(base != NULL);
    struct walked before;
    walk_all(base, &before);
    for (size_t r = first; r < first + n_rounds && r < N_ROUNDS; r++) {
        w.n_changed = 0;
        w.services = false;
        int64_t was = now;
        now += rounds[r].seconds;
        for (int k = 0; k < rounds[r].n_ops; k++)
            write_op(&w, now, rounds[r].ops[k]);
        for (int k = 0; k < rounds[r].random; k++)
            random_write(&w, now);
        struct snapshot *s = snapkit_load(w.st, now, base, cache, SITE);
        struct snapshot *full = snapkit_load(w.st, now, NULL, NULL, SITE);
        REQUIRE(s != NULL && full != NULL);
        check_sharing(&w, base, s);
        check_model(s, full);
        struct walked got, want;
        walk_all(s, &got);
        walk_all(full, &want);
        for (size_t p = 0; p < 3; p++) {
            char what[64];
            snprintf(what, sizeof(what), "round %zu, %s", r, protos[p]->name);
            snapkit_compare(&want.v[p], &got.v[p], what);
        }
        check_reuse(&w, &before, &got, base, s, was / 60 == now / 60);
        if (test_failed_current)
            printf("  (seed %" PRIu64 ", round %zu: %d writes, %zu posts "
                   "touched%s)\n",
                   seed, r, rounds[r].n_ops + rounds[r].random, w.n_changed,
                   w.services ? ", services written" : "");
        walked_free(&want);
        walked_free(&before);
        before = got;
        snapshot_unref(full);
        snapshot_unref(base);
        base = s;
        if (test_failed_current)
            break;
    }
    walked_free(&before);
    snapshot_unref(base);
    snapshot_cache_free(cache);
    store_close(w.st);
}

TEST(incremental_equals_full_seed_1)
{
    run(1, 150, 0, N_ROUNDS);
}

TEST(incremental_equals_full_seed_2)
{
    run(0x5eed, 60, N_ROUNDS - 4, 4);
}

TEST(services_moved_then_shared_again)
{
    /* Three generations, each freed once the next is made, as the server
     * does. A service added in front moves every index, so the second
     * snapshot gives its shared posts service lists of its own; the third,
     * with no service change, shares those posts again: their lists must
     * not be left in the second snapshot's memory, which goes before the
     * third does (valgrind: an invalid read; else garbage indices). */
    struct world w;
    world_init(&w, 5, 60);
    REQUIRE(w.st != NULL);
    struct snapshot *a = snapkit_load(w.st, NOW, NULL, NULL, SITE);
    REQUIRE(a != NULL);
    CHECK_INT(add_service(&w, 1), 0);
    struct snapshot *b = snapkit_load(w.st, NOW, a, NULL, SITE);
    REQUIRE(b != NULL);
    snapshot_unref(a);
    int64_t id = open_post(&w, NOW - DAY, false);
    CHECK(id > 0);
    struct snapshot *c = snapkit_load(w.st, NOW, b, NULL, SITE);
    REQUIRE(c != NULL);
    snapshot_unref(b);
    /* Something that reuses the memory b had, as the next build would. */
    struct snapshot *filler = snapkit_load(w.st, NOW, NULL, NULL, SITE);
    struct snapshot *full = snapkit_load(w.st, NOW, NULL, NULL, SITE);
    REQUIRE(filler != NULL && full != NULL);
    check_model(c, full);
    struct snapkit_views got, want;
    snapkit_collect(&finger_proto, c, &got);
    snapkit_collect(&finger_proto, full, &want);
    snapkit_compare(&want, &got, "finger");
    snapkit_views_free(&got);
    snapkit_views_free(&want);
    snapshot_unref(filler);
    snapshot_unref(full);
    snapshot_unref(c);
    store_close(w.st);
}

TEST(the_site_changing_renders_every_page_again)
{
    /* Not a write at all: a SIGHUP with a new name. A cached page of the
     * old name must not be served under the new one. */
    struct world w;
    world_init(&w, 3, 60);
    REQUIRE(w.st != NULL);
    struct view_cache *cache = snapshot_cache_new(SIZE_MAX);
    struct snapshot *base = snapkit_load(w.st, NOW, NULL, cache, SITE);
    REQUIRE(base != NULL);
    struct walked before, got, want;
    walk_all(base, &before);
    struct snapshot *s = snapkit_load(w.st, NOW, base, cache, "Renamed status");
    struct snapshot *full =
        snapkit_load(w.st, NOW, NULL, NULL, "Renamed status");
    REQUIRE(s != NULL && full != NULL);
    walk_all(s, &got);
    walk_all(full, &want);
    for (size_t p = 0; p < 3; p++)
        snapkit_compare(&want.v[p], &got.v[p], protos[p]->name);
    w.site = true;
    check_reuse(&w, &before, &got, base, s, true);
    walked_free(&before);
    walked_free(&got);
    walked_free(&want);
    snapshot_unref(s);
    snapshot_unref(full);
    snapshot_unref(base);
    snapshot_cache_free(cache);
    store_close(w.st);
}

TEST(old_snapshots_go_in_any_order)
{
    /* The server drops old snapshots when their last reply is out, in
     * any order, on the thread pool: a post shared by five generations
     * lives until the last of them goes (valgrind sees a use after free
     * or a leak). */
    struct world w;
    world_init(&w, 4, 60);
    REQUIRE(w.st != NULL);
    struct snapshot *gen[5];
    gen[0] = snapkit_load(w.st, NOW, NULL, NULL, SITE);
    REQUIRE(gen[0] != NULL);
    for (int g = 1; g < 5; g++) {
        for (int k = 0; k < 5; k++)
            random_write(&w, NOW + g);
        gen[g] = snapkit_load(w.st, NOW + g, gen[g - 1], NULL, SITE);
        REQUIRE(gen[g] != NULL);
    }
    static const int order[] = {2, 0, 4, 1};
    for (int k = 0; k < 4; k++)
        snapshot_unref(gen[order[k]]);
    /* What is left still reads whole. */
    size_t bytes = 0;
    for (size_t i = 0; i < gen[3]->n_incidents; i++) {
        const struct incident *inc = &gen[3]->incidents[i];
        bytes += strlen(inc->title);
        for (size_t u = 0; u < inc->n_updates; u++)
            bytes += strlen(inc->updates[u].body);
    }
    CHECK(bytes > 0);
    snapshot_unref(gen[3]);
    store_close(w.st);
}

int main(void)
{
    RUN(incremental_equals_full_seed_1);
    RUN(incremental_equals_full_seed_2);
    RUN(services_moved_then_shared_again);
    RUN(the_site_changing_renders_every_page_again);
    RUN(old_snapshots_go_in_any_order);
    return test_report();
}
