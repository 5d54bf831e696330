/* maint: maintenance that runs itself, and views that follow the clock to
 * the second at a window's edge.
 *
 * After every published snapshot the loop asks it for its next edge
 * (snapshot_next_edge(): a window beginning or ending, a service's own
 * window opening or closing) and arms one timer for that moment; a
 * maintenance that is due already (a start missed while no server ran)
 * fires it at once. When it fires, a job on libuv's thread pool opens the
 * store and calls store_maintenance_due(), whose conditional UPDATEs move
 * only what is still due (so a second server, or a timer that fires again,
 * moves nothing twice), and the loop then asks for a rebuild even when
 * nothing was written, since the edge itself changes what is shown (an
 * upcoming window becomes overdue). No SQL runs on the loop thread.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../store/common/timeutil.h"
#include "../store/store.h"
#include "server.h"

/* After a failed run, the next try waits this long, so that a database
 * that cannot be written (read-only, locked) is not hammered. */
#define RETRY_MS 10000
/* A run that just happened and still sees the move due: the snapshot it
 * read predates the write; the rebuild it asked for settles it. */
#define SETTLE_MS 1000
/* Fire this long after the edge's second begins, so the clock reads it. */
#define SLACK_MS 20

/* The time in ms on the clock that time_now() reads (whole seconds when
 * OUTPOST_NOW fixes it). */
static int64_t now_ms(void)
{
    int64_t s = time_now();
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec != s)
        return s * 1000;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timer_cb(uv_timer_t *t);

static void work_cb(uv_work_t *w)
{
    struct server *srv = w->data;
    struct store *st = NULL;
    srv->maint_started = srv->maint_completed = 0;
    srv->maint_rc = store_open_existing(srv->cfg.db_path, &st, srv->maint_err,
                                        sizeof(srv->maint_err));
    if (srv->maint_rc < 0)
        return;
    store_set_give_up(st, &srv->give_up_writes);
    srv->maint_rc = store_maintenance_due(st, 0, &srv->maint_started,
                                          &srv->maint_completed);
    if (srv->maint_rc < 0)
        snprintf(srv->maint_err, sizeof(srv->maint_err), "%s",
                 store_errmsg(st));
    store_close(st);
}

static void done_cb(uv_work_t *w, int status)
{
    struct server *srv = w->data;
    srv->maint_busy = false;
    srv->maint_ran_ms = now_ms();
    if (status < 0 || srv->stopping)
        return;
    if (srv->maint_rc < 0)
        server_log("maintenance: cannot start or complete on schedule: %s",
                   srv->maint_err);
    else if (srv->maint_started > 0 || srv->maint_completed > 0)
        server_log("maintenance: %d started, %d completed on schedule",
                   srv->maint_started, srv->maint_completed);
    /* An edge that came while this ran is looked at again. */
    if (srv->maint_again && srv->maint_ready)
        uv_timer_start(&srv->maint_timer, timer_cb, 0, 0);
    /* The edge changes what is shown even when nothing was written. */
    srv->reload_force = true;
    reload_kick(srv);
}

static void timer_cb(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->stopping)
        return;
    if (srv->maint_busy) {
        srv->maint_again = true;
        return;
    }
    srv->maint_work.data = srv;
    srv->maint_again = false;
    if (uv_queue_work(srv->loop, &srv->maint_work, work_cb, done_cb) == 0)
        srv->maint_busy = true;
}

void maint_arm(struct server *srv)
{
    if (!srv->maint_ready || srv->stopping || srv->current == NULL)
        return;
    bool due = false;
    int64_t next = snapshot_next_edge(srv->current, &due);
    int64_t now = now_ms(), delay;
    if (due) {
        int64_t since = now - srv->maint_ran_ms;
        int64_t wait = srv->maint_rc < 0 ? RETRY_MS : SETTLE_MS;
        delay = srv->maint_ran_ms != 0 && since < wait ? wait - since : 0;
    } else if (next != 0) {
        delay = next * 1000 - now + SLACK_MS;
        if (delay < 0)
            delay = 0;
    } else {
        uv_timer_stop(&srv->maint_timer);
        return;
    }
    uv_timer_start(&srv->maint_timer, timer_cb, (uint64_t)delay, 0);
}

int maint_start(struct server *srv)
{
    int rc = uv_timer_init(srv->loop, &srv->maint_timer);
    if (rc < 0)
        return rc;
    srv->maint_timer.data = srv;
    srv->maint_ready = true;
    maint_arm(srv);
    return 0;
}

void maint_stop(struct server *srv)
{
    if (!srv->maint_ready)
        return;
    srv->maint_ready = false;
    uv_timer_stop(&srv->maint_timer);
    uv_close((uv_handle_t *)&srv->maint_timer, NULL);
}
