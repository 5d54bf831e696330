/* reload: keeps the published snapshot current.
 *
 * A timer on the loop fires every cfg.reload_ms. If no build is in flight it
 * queues one on libuv's thread pool. The worker looks at the database file
 * and its WAL with stat(2): every commit appends to the WAL (and a
 * checkpoint rewrites the file), so an unchanged pair means unchanged data
 * and the poll costs two system calls. It also rebuilds once a minute so
 * the server time shown on every page stays true. A build opens the store,
 * loads the model from the published snapshot (store_load_from: only the
 * posts that changed are read, the others are shared), closes the store
 * and renders the snapshot views (reload_render); the loop swaps the result
 * in. The published snapshot stays alive while the worker reads it, since
 * only the loop replaces it, and only once the build is done. Connections
 * that hold the old snapshot finish with it; its last unref hands it back
 * to the thread pool to be freed (reap_cb), so that dropping the references
 * of a large archive never pauses the loop. There is no SQL on the loop
 * thread at all.
 *
 * Why the store is not kept open between builds: restoring a backup may be
 * done by `outpost import` into a new file and `mv` over the served path.
 * SQLite keeps a database's WAL and shared-memory files by name beside it
 * and does not tie them to the file: while any connection still has the
 * old file open, its WAL stays there, and the new file opened at the path
 * would be read (and written) through the old file's WAL, showing the old
 * pages (the SQLite documentation, "How To Corrupt An SQLite Database
 * File", on renaming a database in use). Holding no connection between
 * builds lets the last connection to close check the WAL into its own
 * file and remove it, so a file moved into place is read as it is. The
 * reader opens read-write for that reason (a read-only connection cannot
 * check the WAL in); a file it may not write is read read-only.
 *
 * A changed device or inode at the path is said in the log and rebuilds at
 * once. A path with no file (deleted, moved away) is said once; the last
 * snapshot goes on being served, and nothing here creates a file (writes
 * refuse a missing file too, see conn.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "../store/common/timeutil.h"
#include "../store/common/tz.h"
#include "../store/store.h"
#include "server.h"

static void tick_cb(uv_timer_t *t);

static void set_site(struct snapshot *s, const struct serve_config *cfg,
                     const struct tz *srv_tz)
{
    s->site.name = snapshot_strdup(s, cfg->name);
    s->site.hostname = snapshot_strdup(s, cfg->hostname);
    s->site.base_url = snapshot_strdup(s, cfg->base_url);
    s->site.page_id = cfg->page_id[0] ? snapshot_strdup(s, cfg->page_id) : NULL;
    s->site.gopher_host =
        cfg->gopher_host[0] ? snapshot_strdup(s, cfg->gopher_host) : NULL;
    s->site.finger_host =
        cfg->finger_host[0] ? snapshot_strdup(s, cfg->finger_host) : NULL;
    s->site.http_off = cfg->http_addr[0] == '\0';
    s->site.gopher_off = cfg->gopher_addr[0] == '\0';
    s->site.finger_off = cfg->finger_addr[0] == '\0';
    s->site.http_port = cfg->http_public_port;
    s->site.gopher_port = cfg->gopher_public_port;
    s->site.finger_port = cfg->finger_public_port;
    s->site.time_zone =
        cfg->time_zone[0] ? snapshot_strdup(s, cfg->time_zone) : NULL;
    s->site.max_age = cfg->max_age;
    s->site.tz = srv_tz;
    s->site.mirror = cfg->mirror;
}

/* The protocols whose views a snapshot holds, in the order they are
 * rendered. Each writes only views under its own key prefix and HTTP
 * compresses only its own, so the order should not change a byte; it is
 * kept fixed (HTTP, Gopher, finger, as it always was) all the same. */
static const struct proto *const rendered[] = {&http_proto, &gopher_proto,
                                               &finger_proto};

int reload_render(struct snapshot *s)
{
    snapshot_seal(s);
    for (size_t i = 0; i < sizeof(rendered) / sizeof(rendered[0]); i++) {
        int rc = rendered[i]->prerender(s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void mark_of(const char *path, struct file_mark *m)
{
    struct stat sb;
    memset(m, 0, sizeof(*m));
    if (stat(path, &sb) != 0)
        return;
    m->exists = true;
    m->dev = sb.st_dev;
    m->ino = sb.st_ino;
    m->size = sb.st_size;
    m->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

static bool mark_eq(const struct file_mark *a, const struct file_mark *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
           a->size == b->size && a->mtime_ns == b->mtime_ns;
}

/* Opens the store for one build: read-write if it may (see the top of
 * this file), else read-only; never creating it. */
static int open_store(struct server *srv, struct store **st)
{
    int rc = store_open_existing(srv->cfg.db_path, st, srv->reload_errmsg,
                                 sizeof(srv->reload_errmsg));
    if (rc == UV_EIO)
        rc = store_open_readonly(srv->cfg.db_path, st, srv->reload_errmsg,
                                 sizeof(srv->reload_errmsg));
    return rc;
}

/* Builds a snapshot if the files changed or the minute turned (or force).
 * Runs on the worker thread (or the loop thread before listening); notes
 * for the log go to srv->reload_note. *out is NULL when nothing changed. */
static int build(struct server *srv, bool force, struct snapshot **out)
{
    /* The posts of a replaced file are not those of the old one. */
    bool same_file = true;
    *out = NULL;
    const char *path = srv->cfg.db_path;
    char wal_path[4096];
    snprintf(wal_path, sizeof(wal_path), "%s-wal", path);
    /* Marked before the store is opened: a commit that races with the
     * load changes the marks again and is loaded at the next poll. */
    struct file_mark db, wal;
    mark_of(path, &db);
    mark_of(wal_path, &wal);
    if (!db.exists) {
        if (!srv->reload_missing)
            snprintf(srv->reload_note, sizeof(srv->reload_note),
                     "database %s is gone: still serving version %llu; "
                     "writes are refused until a database is back there",
                     path, (unsigned long long)srv->snapshot_version);
        srv->reload_missing = true;
        return 0;
    }
    if (srv->reload_db.exists &&
        (srv->reload_missing || db.dev != srv->reload_db.dev ||
         db.ino != srv->reload_db.ino)) {
        snprintf(srv->reload_note, sizeof(srv->reload_note),
                 "database %s %s (inode %llu, was %llu): serving it", path,
                 srv->reload_missing ? "is back" : "was replaced",
                 (unsigned long long)db.ino,
                 (unsigned long long)srv->reload_db.ino);
        force = true;
        same_file = false;
    }
    srv->reload_missing = false;
    int64_t now = time_now();
    bool changed =
        !mark_eq(&db, &srv->reload_db) || !mark_eq(&wal, &srv->reload_wal);
    if (!force && !changed && now / 60 == srv->reload_minute)
        return 0;
    /* For the metrics; a change is told from an API write's on the loop
     * (after_work_cb). */
    srv->build_cause = force     ? BUILD_CONFIG
                       : changed ? BUILD_OUTSIDE
                                 : BUILD_MINUTE;

    struct store *st = NULL;
    int rc = open_store(srv, &st);
    if (rc < 0)
        return rc;
    struct snapshot *s = NULL;
    rc = store_load_from(st, now, same_file ? srv->current : NULL, &s);
    if (rc < 0) {
        snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg), "%s",
                 store_errmsg(st));
        store_close(st);
        return rc;
    }
    store_close(st);
    set_site(s, &srv->cfg, srv->tz);
    rc = reload_render(s);
    s->prev = NULL; /* the published snapshot may go from now on */
    if (rc < 0) {
        snapshot_unref(s);
        snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg),
                 "rendering failed: %s", uv_strerror(rc));
        return rc;
    }
    srv->reload_db = db;
    srv->reload_wal = wal;
    srv->reload_minute = now / 60;
    *out = s;
    return 0;
}

struct reap_job {
    uv_work_t work;
    struct snapshot *snap;
    struct server *srv;
};

static void reap_work_cb(uv_work_t *w)
{
    struct reap_job *job = w->data;
    server_background_thread();
    snapshot_free(job->snap);
    server_memory_trim();
}

static void reap_done_cb(uv_work_t *w, int status)
{
    struct reap_job *job = w->data;
    struct server *srv = job->srv;
    if (status < 0) /* cancelled: free it here after all */
        snapshot_free(job->snap);
    free(job);
    srv->reaping--;
}

/* A snapshot's last reference went (snapshot_set_reaper): free it on the
 * thread pool, or here if it cannot be queued. */
static void reap_cb(struct snapshot *s, void *arg)
{
    struct server *srv = arg;
    struct reap_job *job = malloc(sizeof(*job));
    if (job == NULL) {
        snapshot_free(s);
        return;
    }
    job->snap = s;
    job->srv = srv;
    job->work.data = job;
    if (uv_queue_work(srv->loop, &job->work, reap_work_cb, reap_done_cb) != 0) {
        free(job);
        snapshot_free(s);
        return;
    }
    srv->reaping++;
}

static void publish(struct server *srv, struct snapshot *s)
{
    struct snapshot *old = srv->current;
    s->version = ++srv->snapshot_version;
    s->cache = srv->view_cache;
    snapshot_set_reaper(s, reap_cb, srv);
    srv->current = s;
    if (old != NULL)
        snapshot_unref(old);
    maint_arm(srv);
    if (srv->on_publish != NULL)
        srv->on_publish(srv, srv->on_publish_arg);
}

int reload_initial(struct server *srv, char *err, size_t errlen)
{
    if (srv->view_cache == NULL)
        srv->view_cache =
            snapshot_cache_new((size_t)srv->cfg.view_cache_mb << 20);
    if (srv->view_cache == NULL) {
        snprintf(err, errlen, "out of memory");
        return UV_ENOMEM;
    }
    struct snapshot *s = NULL;
    uint64_t t0 = uv_hrtime();
    int rc = build(srv, true, &s);
    srv->stats.last_build_ns = uv_hrtime() - t0;
    if (rc == 0 && s == NULL) {
        rc = UV_ENOENT;
        snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg),
                 "no database at %s", srv->cfg.db_path);
    }
    srv->reload_note[0] = '\0';
    if (rc < 0) {
        snprintf(err, errlen, "%s", srv->reload_errmsg);
        return rc;
    }
    publish(srv, s);
    return 0;
}

static void work_cb(uv_work_t *w)
{
    struct server *srv = w->data;
    server_background_thread();
    uint64_t t0 = uv_hrtime();
    srv->reload_err = build(srv, srv->reload_job_force, &srv->reload_result);
    srv->reload_build_ns = uv_hrtime() - t0;
}

/* Takes up a configuration read on SIGHUP; only between builds, since a
 * build reads the site settings and the zone on the worker thread. */
static void apply_pending(struct server *srv)
{
    struct serve_config *next = srv->pending_cfg;
    if (next == NULL || srv->reload_busy)
        return;
    srv->pending_cfg = NULL;
    if (strcmp(next->time_zone, srv->cfg.time_zone) != 0) {
        struct tz **r =
            realloc(srv->retired_tz, (srv->n_retired_tz + 1) * sizeof(*r));
        if (r != NULL) {
            srv->retired_tz = r;
            if (srv->tz != NULL)
                r[srv->n_retired_tz++] = srv->tz;
            srv->tz = srv->pending_tz;
        } else {
            /* No room to keep the old zone alive: keep using it. */
            tz_free(srv->pending_tz);
            snprintf(next->time_zone, sizeof(next->time_zone), "%s",
                     srv->cfg.time_zone);
        }
        srv->pending_tz = NULL;
    }
    bool new_period = next->reload_ms != srv->cfg.reload_ms;
    if (next->view_cache_mb != srv->cfg.view_cache_mb && srv->view_cache)
        snapshot_cache_set_max(srv->view_cache,
                               (size_t)next->view_cache_mb << 20);
    srv->cfg = *next;
    free(next);
    conn_reconfigure(srv);
    if (new_period)
        uv_timer_set_repeat(&srv->reload_timer, (uint64_t)srv->cfg.reload_ms);
    srv->reload_force = true;
}

static void after_work_cb(uv_work_t *w, int status)
{
    struct server *srv = w->data;
    srv->reload_busy = false;
    if (status < 0) /* cancelled */
        return;
    if (srv->reload_note[0] != '\0') {
        server_log_at(LOG_WARNING, "%s", srv->reload_note);
        srv->reload_note[0] = '\0';
    }
    apply_pending(srv);
    if ((srv->reload_again || srv->reload_force) && !srv->stopping)
        uv_timer_start(&srv->reload_timer, tick_cb, 0,
                       (uint64_t)srv->cfg.reload_ms);
    if (srv->reload_err < 0) {
        srv->stats.build_failures++;
        server_log_at(
            LOG_ERR, "snapshot: cannot rebuild, still serving version %llu: %s",
            (unsigned long long)srv->snapshot_version, srv->reload_errmsg);
        return;
    }
    if (srv->reload_result == NULL)
        return;
    if (srv->stopping) {
        snapshot_unref(srv->reload_result);
    } else {
        /* A change after an API write of ours is that write's (a CLI
         * write in the same moment is counted with it); one with no API
         * write since the last build came from outside. */
        enum server_build_cause why = (enum server_build_cause)srv->build_cause;
        if (why == BUILD_OUTSIDE &&
            srv->stats.api_writes_at_start != srv->stats.api_writes_built)
            why = BUILD_API;
        srv->stats.api_writes_built = srv->stats.api_writes_at_start;
        srv->stats.last_build_ns = srv->reload_build_ns;
        metrics_build(srv, why);
        publish(srv, srv->reload_result);
        if (!srv->cfg.quiet)
            server_log("snapshot: version %llu published, built in %.1f ms",
                       (unsigned long long)srv->snapshot_version,
                       (double)srv->reload_build_ns / 1e6);
    }
    srv->reload_result = NULL;
}

void reload_kick(struct server *srv)
{
    if (srv->reload_busy) {
        srv->reload_again = true; /* that build may predate the write */
        return;
    }
    tick_cb(&srv->reload_timer);
}

void reload_config(struct server *srv)
{
    apply_pending(srv);
    reload_kick(srv);
}

static void tick_cb(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->reload_busy || srv->stopping)
        return;
    srv->reload_again = false;
    srv->stats.api_writes_at_start = srv->stats.api_writes;
    srv->reload_job_force = srv->reload_force;
    srv->reload_force = false;
    srv->reload_work.data = srv;
    if (uv_queue_work(srv->loop, &srv->reload_work, work_cb, after_work_cb) ==
        0)
        srv->reload_busy = true;
}

int reload_start(struct server *srv)
{
    int rc = uv_timer_init(srv->loop, &srv->reload_timer);
    if (rc < 0)
        return rc;
    srv->reload_timer.data = srv;
    rc = uv_timer_start(&srv->reload_timer, tick_cb,
                        (uint64_t)srv->cfg.reload_ms,
                        (uint64_t)srv->cfg.reload_ms);
    return rc < 0 ? rc : maint_start(srv);
}

void reload_stop(struct server *srv)
{
    maint_stop(srv);
    uv_timer_stop(&srv->reload_timer);
    uv_close((uv_handle_t *)&srv->reload_timer, NULL);
}

void reload_fini(struct server *srv)
{
    if (srv->current != NULL) {
        /* The loop is done: free it here, not on the pool. */
        snapshot_set_reaper(srv->current, NULL, NULL);
        snapshot_unref(srv->current);
        srv->current = NULL;
    }
    snapshot_cache_free(srv->view_cache);
    srv->view_cache = NULL;
    for (size_t i = 0; i < srv->n_retired_tz; i++)
        tz_free(srv->retired_tz[i]);
    free(srv->retired_tz);
    srv->retired_tz = NULL;
    srv->n_retired_tz = 0;
    free(srv->pending_cfg);
    srv->pending_cfg = NULL;
    tz_free(srv->pending_tz);
    srv->pending_tz = NULL;
}
