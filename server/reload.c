/* reload: keeps the published snapshot current.
 *
 * A timer on the loop fires every cfg.reload_ms. If no build is in flight it
 * queues one on libuv's thread pool. The worker asks SQLite whether any
 * other connection committed since last time (PRAGMA data_version, cheap),
 * and also rebuilds once a minute so the server time shown on every page
 * stays true. A build loads the model (store_load) and renders every view
 * (render_snapshot); the loop swaps the result in. Connections that hold the
 * old snapshot finish with it: it is freed by its last unref.
 *
 * The worker has its own read-only SQLite connection, used only from the
 * thread pool and only by one job at a time (reload_busy), so there is no
 * SQL on the loop thread at all.
 *
 * The file behind it is watched too: restoring a backup is `outpost
 * import` into a new file, then `mv` over the served path, and a reader
 * that keeps the old file open would serve the old data forever. Each
 * poll compares the path's device and inode with the open file's and
 * reopens on a change. A path with no file (deleted, moved away) is said
 * once in the log; the last snapshot goes on being served, and nothing
 * here creates a file (the reader is read-only; writes refuse a missing
 * file, see conn.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../protocols/render.h"
#include "../store/store.h"
#include "../store/timeutil.h"
#include "../store/tz.h"
#include "server.h"

static void tick_cb(uv_timer_t *t);

static void set_site(struct snapshot *s, const struct serve_config *cfg,
                     const struct tz *srv_tz)
{
    s->site.name = snapshot_strdup(s, cfg->name);
    s->site.hostname = snapshot_strdup(s, cfg->hostname);
    s->site.base_url = snapshot_strdup(s, cfg->base_url);
    s->site.http_port = cfg->http_public_port;
    s->site.gopher_port = cfg->gopher_public_port;
    s->site.finger_port = cfg->finger_public_port;
    s->site.time_zone =
        cfg->time_zone[0] ? snapshot_strdup(s, cfg->time_zone) : NULL;
    s->site.max_age = cfg->max_age;
    s->site.tz = srv_tz;
}

/* Opens the reader, remembering which file it opened: the path is looked
 * at before and after, and a file replaced in between is opened again. */
static int open_reader(struct server *srv)
{
    const char *path = srv->cfg.db_path;
    for (int attempt = 0; attempt < 3; attempt++) {
        struct stat before, after;
        if (stat(path, &before) != 0) {
            snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg),
                     "no database at %s", path);
            return UV_ENOENT;
        }
        int rc =
            store_open_readonly(path, &srv->reload_store, srv->reload_errmsg,
                                sizeof(srv->reload_errmsg));
        if (rc < 0)
            return rc;
        if (stat(path, &after) == 0 && after.st_dev == before.st_dev &&
            after.st_ino == before.st_ino) {
            srv->reload_dev = after.st_dev;
            srv->reload_ino = after.st_ino;
            return 0;
        }
        store_close(srv->reload_store);
        srv->reload_store = NULL;
    }
    snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg),
             "%s keeps changing while it is opened", path);
    return UV_EAGAIN;
}

/* Is the file at the path still the one the reader has open? Notes for
 * the log what changed. false: nothing to read now (the file is gone). */
static bool watch_file(struct server *srv, bool *force)
{
    const char *path = srv->cfg.db_path;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (!srv->reload_missing)
            snprintf(srv->reload_note, sizeof(srv->reload_note),
                     "database %s is gone (%s): still serving version %llu; "
                     "writes are refused until a database is back there",
                     path, strerror(errno),
                     (unsigned long long)srv->snapshot_version);
        srv->reload_missing = true;
        return false;
    }
    if (srv->reload_store != NULL && !srv->reload_missing &&
        sb.st_dev == srv->reload_dev && sb.st_ino == srv->reload_ino)
        return true;
    if (srv->reload_store != NULL) {
        snprintf(srv->reload_note, sizeof(srv->reload_note),
                 "database %s %s (inode %llu, was %llu): reading it now", path,
                 srv->reload_missing ? "is back" : "was replaced",
                 (unsigned long long)sb.st_ino,
                 (unsigned long long)srv->reload_ino);
        store_close(srv->reload_store);
        srv->reload_store = NULL;
    }
    srv->reload_missing = false;
    *force = true;
    return true;
}

/* Builds a snapshot if the data changed or the minute turned (or force).
 * Runs on the worker thread (or the loop thread before listening). */
static int build(struct server *srv, bool force, struct snapshot **out)
{
    *out = NULL;
    if (!watch_file(srv, &force))
        return 0;
    if (srv->reload_store == NULL) {
        int rc = open_reader(srv);
        if (rc < 0)
            return rc;
        force = true;
    }
    int64_t version = 0;
    int rc = store_data_version(srv->reload_store, &version);
    if (rc < 0)
        goto fail;
    int64_t now = time_now();
    if (!force && version == srv->reload_version &&
        now / 60 == srv->reload_minute)
        return 0;
    struct snapshot *s = NULL;
    rc = store_load(srv->reload_store, now, &s);
    if (rc < 0)
        goto fail;
    set_site(s, &srv->cfg, srv->tz);
    rc = render_snapshot(s);
    if (rc < 0) {
        snapshot_unref(s);
        snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg),
                 "rendering failed: %s", uv_strerror(rc));
        return rc;
    }
    srv->reload_version = version;
    srv->reload_minute = now / 60;
    *out = s;
    return 0;
fail:
    snprintf(srv->reload_errmsg, sizeof(srv->reload_errmsg), "%s",
             store_errmsg(srv->reload_store));
    /* Reopen next time: the file may have been repaired. */
    store_close(srv->reload_store);
    srv->reload_store = NULL;
    return rc;
}

static void publish(struct server *srv, struct snapshot *s)
{
    struct snapshot *old = srv->current;
    s->version = ++srv->snapshot_version;
    srv->current = s;
    if (old != NULL)
        snapshot_unref(old);
}

int reload_initial(struct server *srv, char *err, size_t errlen)
{
    struct snapshot *s = NULL;
    int rc = build(srv, true, &s);
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
    srv->reload_err = build(srv, srv->reload_job_force, &srv->reload_result);
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
        server_log("%s", srv->reload_note);
        srv->reload_note[0] = '\0';
    }
    apply_pending(srv);
    if ((srv->reload_again || srv->reload_force) && !srv->stopping)
        uv_timer_start(&srv->reload_timer, tick_cb, 0,
                       (uint64_t)srv->cfg.reload_ms);
    if (srv->reload_err < 0) {
        server_log("snapshot: cannot rebuild, still serving version %llu: %s",
                   (unsigned long long)srv->snapshot_version,
                   srv->reload_errmsg);
        return;
    }
    if (srv->reload_result == NULL)
        return;
    if (srv->stopping) {
        snapshot_unref(srv->reload_result);
    } else {
        publish(srv, srv->reload_result);
        if (!srv->cfg.quiet)
            server_log("snapshot: version %llu published",
                       (unsigned long long)srv->snapshot_version);
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
    return uv_timer_start(&srv->reload_timer, tick_cb,
                          (uint64_t)srv->cfg.reload_ms,
                          (uint64_t)srv->cfg.reload_ms);
}

void reload_stop(struct server *srv)
{
    uv_timer_stop(&srv->reload_timer);
    uv_close((uv_handle_t *)&srv->reload_timer, NULL);
}

void reload_fini(struct server *srv)
{
    if (srv->reload_store != NULL) {
        store_close(srv->reload_store);
        srv->reload_store = NULL;
    }
    if (srv->current != NULL) {
        snapshot_unref(srv->current);
        srv->current = NULL;
    }
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
