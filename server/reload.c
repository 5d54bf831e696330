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
 */
#include <string.h>

#include "../protocols/render.h"
#include "../store/store.h"
#include "../store/timeutil.h"
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

/* Builds a snapshot if the data changed or the minute turned (or force).
 * Runs on the worker thread (or the loop thread before listening). */
static int build(struct server *srv, bool force, struct snapshot **out)
{
    *out = NULL;
    if (srv->reload_store == NULL) {
        int rc =
            store_open_readonly(srv->cfg.db_path, &srv->reload_store,
                                srv->reload_errmsg, sizeof(srv->reload_errmsg));
        if (rc < 0)
            return rc;
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
    /* Reopen next time: the file may have been replaced or repaired. */
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
    srv->reload_err = build(srv, false, &srv->reload_result);
}

static void after_work_cb(uv_work_t *w, int status)
{
    struct server *srv = w->data;
    srv->reload_busy = false;
    if (status < 0) /* cancelled */
        return;
    if (srv->reload_again && !srv->stopping)
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

static void tick_cb(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->reload_busy || srv->stopping)
        return;
    srv->reload_again = false;
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
}
