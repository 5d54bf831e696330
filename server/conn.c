/* conn: the one connection lifecycle shared by every protocol.
 *
 * A connection owns two handles, the TCP stream and a timer. Before
 * uv_tcp_init() succeeds a failure frees directly; after it, every path goes
 * through conn_close(), and memory is freed only when both close callbacks
 * have run (libuv docs/src/handle.rst).
 *
 * States:
 *   READING   waiting for request bytes (read deadline or idle timer armed)
 *   COMMAND   a store write runs on the thread pool; reading is paused
 *   JOB       a protocol's job (a search) runs on the thread pool, or waits
 *             for one of the max_searches slots in a queue of search_queue;
 *             reading is paused
 *   WRITING   the socket did not take a whole reply at once, and the rest is
 *             being written; reading is paused so a pipelining or flooding
 *             peer cannot make us buffer without bound
 *   DRAINING  the reply is written and the write side shut down, or being
 *             shut down; we read and discard until EOF or a short linger
 *             deadline, so that unread request bytes do not turn our close
 *             into an RST that would cut off the reply on the peer's side
 *   CLOSING   uv_close() called on both handles
 *
 * Caps. A connection is served, or refused (over the per-address cap, or
 * over the total with no idle connection to close). Only served ones
 * count in the total and per address: a refused one gets the protocol's
 * "busy" reply and a short linger of its own, under a separate small cap
 * (past it, or past a few per address, it is closed with no reply), so
 * that a flood of refused connections costs the others nothing. When the
 * total is full, the connection idle the longest (waiting for its first
 * request, or kept alive between requests) is closed to make room, as
 * nginx reuses its "reusable" connections: a peer that holds connections
 * open without asking for anything cannot lock out one that asks.
 *
 * Jobs. A search costs milliseconds where a view costs microseconds, so it
 * never runs on the loop: the protocol hands it over (PROTO_JOB), it runs
 * on libuv's thread pool while the connection holds its snapshot, and the
 * loop only sends the answer. At most max_searches run at once, so that
 * searches leave pool threads to the snapshot builder and the writes; up
 * to search_queue more wait, first come first served; past that the
 * protocol says "busy" at once. A queue bounds the wait and the memory a
 * burst of searches can take, and the busy answer tells a client to come
 * back rather than hang.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../store/command.h"
#include "../store/store.h"
#include "server.h"

#define CONN_LINGER_MS 2000
#define CONN_WRITE_TIMEOUT_MS 30000
/* A refused connection's "busy" reply fits in any socket buffer; it gets
 * little time to leave and a short linger, then the descriptor is free. */
#define CONN_REFUSED_WRITE_MS 1000
#define CONN_REFUSED_LINGER_MS 250
/* Refused connections answered at once from one peer; past that, the
 * peer's further connections are closed without a word. */
#define CONN_REFUSED_PER_PEER 8
/* Descriptors kept back from the connections: listeners, the loop's own,
 * SQLite's (database, WAL and shared memory, for the snapshot builder and
 * for each write on the thread pool), the log, zone files. */
#define CONN_FD_RESERVE 64
/* Absolute cap on buffered input, whatever the protocol says: a protocol
 * that forgets its own limit still cannot make us grow without bound. */
#define CONN_HARD_CAP (128 * 1024)

enum conn_state {
    CONN_READING,
    CONN_COMMAND, /* a store write runs on the thread pool; reading paused */
    CONN_JOB,     /* a protocol's job runs or waits for a slot; paused */
    CONN_WRITING,
    CONN_DRAINING,
    CONN_CLOSING
};

/* A store write asked for by a protocol, run on the thread pool. */
struct command_job {
    uv_work_t work;
    struct conn *conn;
    struct store_command *command;
    struct store_result result;
    const char *db_path;
    const _Atomic int *give_up;
};

/* A protocol's job on the thread pool. */
struct job_work {
    uv_work_t work;
    struct conn *conn;
    struct proto_job *job;
    const struct snapshot *snap; /* the conn's, held until the job is done */
    const char *db_path;
};

struct conn {
    uv_tcp_t tcp; /* first, so a uv_handle_t* is a conn* */
    uv_timer_t timer;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    struct server *srv;
    struct listener *lst;
    const struct proto *proto;
    struct conn *next, *prev;
    struct conn *idle_next, *idle_prev; /* on srv's idle list if idle */
    enum conn_state state;
    int open_handles; /* free when this drops to 0 */
    bool proto_ready; /* proto->init ran, so fini must run */
    bool close_after_write;
    bool eof;
    bool reading;            /* uv_read_start() is in effect */
    bool read_short;         /* the last read emptied the socket; reading
                                has not paused since */
    bool close_now;          /* the closing reply left no unread input */
    bool idle;               /* on the idle list */
    bool refused;            /* counted as refused, not as served */
    struct peer *counted_as; /* its entry in srv->peers, or NULL */
    struct command_job *job; /* in flight: the conn outlives its handles */
    struct proto_job *pjob;  /* the protocol's job, until released */
    struct job_work *work;   /* pjob on the pool: the conn outlives it too */
    bool job_waiting;        /* pjob is in srv's queue of jobs */
    struct conn *wait_next, *wait_prev;
    size_t bytes_since_reply;
    unsigned replies_sent; /* tells read_cb that a reply went meanwhile */
    uint64_t deadline;     /* loop time (ms) at which the state times out */
    uint64_t timer_due;    /* when the timer, if active, fires */
    struct buf in;
    struct reply reply;
    struct snapshot *snap; /* held while a reply may point into it */
    char peer[48];
    void *pstate; /* the protocol's per-connection state */
};

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void conn_command(struct conn *c);
static void conn_job(struct conn *c);
static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

/* One read buffer for the whole loop: the read callback always runs right
 * after its allocation and only appends to the connection's own buffer. */
static char read_scratch[64 * 1024];

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    b->base = read_scratch;
    b->len = sizeof(read_scratch);
}

/* One input buffer and one reply head buffer for the whole loop, lent to
 * the connection being served and given back once empty. A keep-alive
 * request is read, answered and written within one callback, so one pair
 * serves them all: their bytes stay in the cache (with hundreds of
 * connections, each one's own buffers were cold by its next request), and
 * an idle connection holds neither. A connection keeps what it was lent
 * only while bytes in it are still owed: part of a request, or the rest
 * of a reply the socket did not take. */
static struct buf spare_in, spare_head;

static void buf_lend(struct buf *to, struct buf *spare)
{
    if (to->data == NULL && spare->data != NULL) {
        *to = *spare;
        *spare = (struct buf)BUF_INIT;
    }
}

static void buf_give_back(struct buf *from, struct buf *spare)
{
    if (from->data == NULL || from->len > 0)
        return;
    if (spare->data == NULL) {
        *spare = *from;
        buf_reset(spare);
    } else {
        buf_free(from);
    }
    *from = (struct buf)BUF_INIT;
}

/* ---- the idle list ---------------------------------------------------- */

/* A connection is idle while it waits for a request with nothing of one
 * received: just accepted, or kept alive after a reply. */
static void idle_enter(struct conn *c)
{
    struct server *srv = c->srv;
    if (c->idle || c->refused)
        return;
    c->idle = true;
    c->idle_next = NULL;
    c->idle_prev = srv->idle_tail;
    if (srv->idle_tail != NULL)
        srv->idle_tail->idle_next = c;
    else
        srv->idle_head = c;
    srv->idle_tail = c;
}

static void idle_leave(struct conn *c)
{
    struct server *srv = c->srv;
    if (!c->idle)
        return;
    if (c->idle_prev != NULL)
        c->idle_prev->idle_next = c->idle_next;
    else
        srv->idle_head = c->idle_next;
    if (c->idle_next != NULL)
        c->idle_next->idle_prev = c->idle_prev;
    else
        srv->idle_tail = c->idle_prev;
    c->idle_next = c->idle_prev = NULL;
    c->idle = false;
}

static void conn_destroy(struct conn *c)
{
    if (c->pjob != NULL)
        c->pjob->release(c->pjob);
    if (c->proto_ready && c->proto->fini != NULL)
        c->proto->fini(c->pstate);
    if (c->snap != NULL)
        snapshot_unref(c->snap);
    buf_free(&c->in);
    reply_free(&c->reply);
    free(c);
}

static void conn_free_cb(uv_handle_t *h)
{
    struct conn *c = h->data;
    /* A command or protocol job still running will come back to this
     * conn: it frees the conn when it is done (command_done_cb,
     * job_done_cb). */
    if (--c->open_handles > 0 || c->job != NULL || c->work != NULL)
        return;
    conn_destroy(c);
}

/* Takes c out of the queue of jobs waiting for a slot. */
static void wait_leave(struct conn *c)
{
    struct server *srv = c->srv;
    if (!c->job_waiting)
        return;
    if (c->wait_prev != NULL)
        c->wait_prev->wait_next = c->wait_next;
    else
        srv->jobs_head = c->wait_next;
    if (c->wait_next != NULL)
        c->wait_next->wait_prev = c->wait_prev;
    else
        srv->jobs_tail = c->wait_prev;
    c->wait_next = c->wait_prev = NULL;
    c->job_waiting = false;
    srv->jobs_waiting--;
}

/* Takes c off the lists and out of the counts: uv_close() gives its
 * descriptor back at once, whatever still runs for it. */
static void conn_unlink(struct conn *c)
{
    struct server *srv = c->srv;
    idle_leave(c);
    if (c->job_waiting) {
        /* Nobody is left to answer: the job is dropped unrun. */
        wait_leave(c);
        c->pjob->release(c->pjob);
        c->pjob = NULL;
    }
    if (c->prev != NULL)
        c->prev->next = c->next;
    else if (srv->conns == c)
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
    if (c->refused) {
        srv->n_refused--;
        if (c->counted_as != NULL)
            c->counted_as->refused--;
    } else {
        srv->n_conns--;
        if (c->counted_as != NULL)
            c->counted_as->served--;
    }
    peer_release(&srv->peers, c->counted_as);
    c->counted_as = NULL;
}

static void conn_close(struct conn *c)
{
    if (c->state == CONN_CLOSING)
        return;
    c->state = CONN_CLOSING;
    conn_unlink(c);
    uv_close((uv_handle_t *)&c->timer, conn_free_cb);
    uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
    if (c->srv->stopping && c->srv->conns == NULL)
        serve_conns_done(c->srv);
}

static void timer_cb(uv_timer_t *t);

static uint64_t read_timeout(const struct conn *c)
{
    return c->srv->cfg.read_timeout_ms > 0
               ? (uint64_t)c->srv->cfg.read_timeout_ms
               : c->proto->read_timeout_ms;
}

static uint64_t idle_timeout(const struct conn *c)
{
    return c->srv->cfg.idle_timeout_ms > 0
               ? (uint64_t)c->srv->cfg.idle_timeout_ms
               : c->proto->idle_timeout_ms;
}

/* Sets the deadline of the state just entered, ms from now. A deadline
 * later than the armed one is only noted, and timer_cb arms the rest when
 * the earlier one fires: keep-alive moves the deadline later after every
 * reply, and this keeps that from costing a timer heap update each time. */
static void arm_timer(struct conn *c, uint64_t ms)
{
    c->deadline = uv_now(c->srv->loop) + ms;
    if (uv_is_active((uv_handle_t *)&c->timer) && c->timer_due <= c->deadline)
        return;
    c->timer_due = c->deadline;
    uv_timer_start(&c->timer, timer_cb, ms, 0);
}

/* Reading is left on between requests: a reply that the socket takes at
 * once needs no pause, and every uv_read_stop() / uv_read_start() pair
 * costs two epoll_ctl(2) calls. It stops only while a reply, a store
 * write or a shutdown is pending, or once the peer has closed. */
static int conn_read_start(struct conn *c)
{
    if (c->reading)
        return 0;
    int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
    c->reading = rc == 0;
    return rc;
}

static void conn_read_stop(struct conn *c)
{
    if (!c->reading)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
    c->read_short = false; /* bytes may come meanwhile, unread */
}

/* Counts the reply, and logs it unless it is a refusal's (conn_refuse
 * empties its log: refusals are summed up by metrics_refusal instead).
 * For HTTP the access log's bytes are the body's, as Apache's %b; the
 * line protocols' replies are all body. */
static void log_reply(struct conn *c)
{
    struct reply *r = &c->reply;
    metrics_reply(c->srv, c->proto, r);
    if (r->status == 413 || r->status == 414 || r->status == 431)
        metrics_refusal(c->srv, REFUSAL_TOO_LARGE, c->peer, true);
    if (r->log[0] == '\0')
        return;
    size_t bytes = reply_len(r);
    if (c->proto == &http_proto || c->proto == &metrics_proto)
        bytes -= r->head.len;
    server_access_line(c->peer, r, bytes);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    if (c->state == CONN_CLOSING)
        return;
    if (status < 0 || c->eof) {
        conn_close(c);
        return;
    }
    c->state = CONN_DRAINING;
    /* Its peer has the whole reply: it no longer counts against the peer's
     * cap (a client that opens one connection per request would otherwise
     * be held back by its own lingering ones), only in the total, since it
     * still holds a descriptor. */
    if (!c->refused && c->counted_as != NULL) {
        c->counted_as->served--;
        peer_release(&c->srv->peers, c->counted_as);
        c->counted_as = NULL;
    }
    arm_timer(c, c->refused ? CONN_REFUSED_LINGER_MS : CONN_LINGER_MS);
    if (conn_read_start(c) < 0)
        conn_close(c);
}

/* After the last reply. When the request was read to its end and nothing
 * else has come (the last read emptied the socket, and reading never
 * paused since), or the peer has closed its side, the connection closes
 * at once: close(2) with nothing unread sends a FIN after the reply, as
 * nginx closes without lingering when no input is pending. That is the
 * one-request-per-connection case (HTTP/1.0, Gopher, finger), and it saves
 * a shutdown, a wakeup and a read per connection. Otherwise it half-closes
 * and reads are drained in read_cb, so that bytes still on their way do
 * not turn the close into an RST that cuts off the reply. Reading goes on
 * (or resumes in shutdown_cb): the reply is out, so whatever the peer
 * still sends is discarded from now on, and stopping and restarting it
 * around the shutdown would only cost two epoll_ctl calls. */
static void conn_finish(struct conn *c)
{
    idle_leave(c);
    if (c->close_now || c->eof) {
        conn_close(c);
        return;
    }
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, shutdown_cb) < 0) {
        conn_close(c);
        return;
    }
    c->state = CONN_DRAINING;
    arm_timer(c, c->refused ? CONN_REFUSED_LINGER_MS : CONN_LINGER_MS);
}

/* The whole reply is out: the snapshot may go, and the connection waits
 * for the next request or closes. The caller offers any pipelined bytes
 * to the protocol next (conn_process). */
static void reply_sent(struct conn *c)
{
    reply_reset(&c->reply);
    buf_give_back(&c->reply.head, &spare_head);
    if (c->snap != NULL) {
        snapshot_unref(c->snap);
        c->snap = NULL;
    }
    c->replies_sent++;
    if (c->close_after_write || c->srv->stopping) {
        conn_finish(c);
        return;
    }
    c->state = CONN_READING;
    c->bytes_since_reply = c->in.len;
    arm_timer(c, c->in.len > 0 ? read_timeout(c) : idle_timeout(c));
    if (c->in.len == 0)
        idle_enter(c);
}

/* The rest of a reply that the socket did not take at once is out. */
static void write_cb(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    if (c->state == CONN_CLOSING)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    reply_sent(c);
    /* Pipelined bytes may already hold the next request. */
    conn_process(c);
}

/* Writes c->reply; close_after decides what happens once it is out.
 *
 * First at once (uv_try_write): a reply that fits in the socket's send
 * buffer, the usual case, is done before this returns, reading never
 * pauses and the reply costs one write(2). Only the rest of a reply the
 * socket did not take goes through uv_write(), with reading paused until
 * it is out: a peer that sends requests without reading their replies
 * fills its own receive window, then ours, and is then read no more. */
static void conn_send(struct conn *c, bool close_after)
{
    uv_buf_t bufs[3];
    unsigned n = 0;
    log_reply(c);
    c->close_after_write = close_after;
    if (c->reply.head.len > 0)
        bufs[n++] = uv_buf_init(c->reply.head.data, c->reply.head.len);
    if (c->reply.body_len > 0)
        bufs[n++] = uv_buf_init((char *)c->reply.body, c->reply.body_len);
    if (c->reply.tail.len > 0)
        bufs[n++] = uv_buf_init(c->reply.tail.data, c->reply.tail.len);
    if (buf_failed(&c->reply.head) || buf_failed(&c->reply.tail)) {
        conn_close(c); /* out of memory: nothing sensible to send */
        return;
    }
    idle_leave(c);
    c->close_now = close_after && c->reply.whole && c->read_short &&
                   c->in.len == 0 && !c->refused;
    size_t done = 0;
    if (n > 0) {
        int r = uv_try_write((uv_stream_t *)&c->tcp, bufs, n);
        if (r < 0 && r != UV_EAGAIN) {
            conn_close(c); /* the peer is gone */
            return;
        }
        done = r > 0 ? (size_t)r : 0;
    }
    if (done == reply_len(&c->reply)) {
        reply_sent(c);
        return;
    }
    /* Skip what was written; the rest is what uv_write() gets. */
    unsigned first = 0;
    size_t skip = done;
    while (skip >= bufs[first].len) {
        skip -= bufs[first].len;
        first++;
    }
    bufs[first].base += skip;
    bufs[first].len -= skip;
    /* Only the body points into the snapshot: once it is written, the
     * snapshot need not outlive the head and tail bytes still owed. */
    if (c->reply.body_len == 0 ||
        done >= c->reply.head.len + c->reply.body_len) {
        if (c->snap != NULL) {
            snapshot_unref(c->snap);
            c->snap = NULL;
        }
    }
    conn_read_stop(c);
    c->close_now = false; /* the peer may send more while we wait */
    c->state = CONN_WRITING;
    arm_timer(c, c->refused ? CONN_REFUSED_WRITE_MS : CONN_WRITE_TIMEOUT_MS);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs + first, n - first,
                 write_cb) < 0)
        conn_close(c);
}

static void conn_act(struct conn *c, enum proto_result r)
{
    switch (r) {
    case PROTO_MORE:
        break;
    case PROTO_REPLY:
        conn_send(c, false);
        break;
    case PROTO_REPLY_CLOSE:
        conn_send(c, true);
        break;
    case PROTO_COMMAND:
        conn_command(c);
        break;
    case PROTO_JOB:
        conn_job(c);
        break;
    case PROTO_CLOSE:
        if (c->snap != NULL) {
            snapshot_unref(c->snap);
            c->snap = NULL;
        }
        buf_give_back(&c->reply.head, &spare_head);
        conn_finish(c);
        break;
    }
}

/* Called before every call into the protocol: the snapshot it answers
 * from, and whether the access log wants the request described (it may
 * be turned on or off by SIGHUP while a connection is kept alive). */
static void take_snapshot(struct conn *c)
{
    if (c->snap == NULL)
        c->snap = snapshot_ref(c->srv->current);
    c->reply.no_log = !server_access_on();
}

/* Worker thread: its own connection for this one write, so writes never
 * share a SQLite handle across threads; SQLite's busy timeout and WAL order
 * them against the CLI and each other. */
static void command_work_cb(uv_work_t *w)
{
    struct command_job *job = w->data;
    struct store *st = NULL;
    char err[256];
    memset(&job->result, 0, sizeof(job->result));
    /* Never create the database here: if it was deleted, the write has
     * nowhere to go, and the server says so (503) rather than starting an
     * empty status page at the path. Whatever stops the open is the
     * server's trouble, not the request's: UV_EIO, so 503, not 404. */
    int rc = store_open_existing(job->db_path, &st, err, sizeof(err));
    if (rc < 0) {
        job->result.rc = UV_EIO;
        snprintf(job->result.message, sizeof(job->result.message), "%s", err);
        return;
    }
    store_set_give_up(st, job->give_up);
    store_command_run(st, job->command, &job->result);
    store_close(st);
}

static void command_done_cb(uv_work_t *w, int status)
{
    struct command_job *job = w->data;
    struct conn *c = job->conn;
    c->job = NULL;
    /* Cancelled before it started, or gave up waiting for the lock when
     * the grace time ran out: nothing was written. */
    if ((status < 0 && job->result.rc == 0) ||
        (c->srv->stopping && job->result.rc == UV_EBUSY)) {
        job->result.rc = UV_ECANCELED;
        snprintf(job->result.message, sizeof(job->result.message),
                 "the server is shutting down");
    }
    store_command_free(job->command);
    switch (job->result.rc) {
    case 0:
        c->srv->stats.api_writes++;
        reload_kick(c->srv);
        break;
    case UV_EACCES: /* the errors of the request, not of the store */
    case UV_ENOENT:
    case UV_EEXIST:
    case UV_EINVAL:
        c->srv->stats.api_write_rejected++;
        break;
    default:
        c->srv->stats.api_write_failed++;
        break;
    }
    if (c->state == CONN_CLOSING) {
        if (c->open_handles == 0)
            conn_destroy(c);
        free(job);
        return;
    }
    c->state = CONN_READING;
    take_snapshot(c);
    buf_lend(&c->reply.head, &spare_head);
    enum proto_result r =
        c->proto->on_command_done(c->pstate, c->snap, &job->result, &c->reply);
    free(job);
    if (r == PROTO_MORE || r == PROTO_COMMAND)
        r = PROTO_CLOSE; /* a protocol must answer a command */
    conn_act(c, r);
    /* Answered at once: pipelined bytes may hold the next request, and
     * reading, paused for the command, goes on. */
    conn_process(c);
}

static void conn_command(struct conn *c)
{
    struct command_job *job = calloc(1, sizeof(*job));
    struct store_command *cmd = c->reply.command;
    c->reply.command = NULL;
    if (job == NULL || c->proto->on_command_done == NULL) {
        free(job);
        store_command_free(cmd);
        conn_close(c);
        return;
    }
    job->conn = c;
    job->command = cmd;
    job->db_path = c->srv->cfg.db_path;
    job->give_up = &c->srv->give_up_writes;
    job->work.data = job;
    conn_read_stop(c);
    c->state = CONN_COMMAND;
    arm_timer(c, CONN_WRITE_TIMEOUT_MS);
    c->job = job;
    if (uv_queue_work(c->srv->loop, &job->work, command_work_cb,
                      command_done_cb) < 0) {
        c->job = NULL;
        store_command_free(cmd);
        free(job);
        conn_close(c);
    }
}

/* ---- protocol jobs ------------------------------------------------------ */

static void job_submit(struct conn *c);

/* The job ran (status 0) or never will (UV_EBUSY, UV_ECANCELED): the
 * protocol answers from it, and it is released. */
static void job_finish(struct conn *c, int status)
{
    struct proto_job *job = c->pjob;
    c->pjob = NULL;
    if (status == UV_EBUSY)
        metrics_refusal(c->srv, REFUSAL_SEARCH_QUEUE, c->peer, true);
    if (c->state == CONN_CLOSING) {
        job->release(job);
        if (c->open_handles == 0 && c->job == NULL && c->work == NULL)
            conn_destroy(c);
        return;
    }
    c->state = CONN_READING;
    take_snapshot(c);
    buf_lend(&c->reply.head, &spare_head);
    enum proto_result r =
        c->proto->on_job_done(c->pstate, c->snap, job, status, &c->reply);
    job->release(job);
    if (c->reply.job != NULL) {
        c->reply.job->release(c->reply.job);
        c->reply.job = NULL;
    }
    if (r == PROTO_MORE || r == PROTO_COMMAND || r == PROTO_JOB)
        r = PROTO_CLOSE; /* a protocol must answer a job */
    conn_act(c, r);
    /* Answered at once: pipelined bytes may hold the next request, and
     * reading, paused for the job, goes on (as after a command). */
    conn_process(c);
}

/* Starts waiting jobs while slots are free (a slot freed, or a larger
 * max_searches after SIGHUP). */
static void jobs_start(struct server *srv)
{
    while (srv->jobs_head != NULL &&
           srv->jobs_running < (size_t)srv->cfg.max_searches) {
        struct conn *c = srv->jobs_head;
        wait_leave(c);
        job_submit(c);
    }
}

/* Worker thread: the protocol's own work, on the snapshot the conn holds. */
static void job_work_cb(uv_work_t *w)
{
    struct job_work *jw = w->data;
    server_background_thread();
    jw->job->run(jw->job, jw->snap, jw->db_path);
}

static void job_done_cb(uv_work_t *w, int status)
{
    struct job_work *jw = w->data;
    struct conn *c = jw->conn;
    struct server *srv = c->srv;
    free(jw);
    c->work = NULL;
    srv->jobs_running--;
    /* Cancelled at shutdown before a thread took it up. */
    job_finish(c, status < 0 ? UV_ECANCELED : 0);
    if (srv->stopping) {
        while (srv->jobs_head != NULL) {
            struct conn *next = srv->jobs_head;
            wait_leave(next);
            job_finish(next, UV_ECANCELED);
        }
    } else {
        jobs_start(srv);
    }
}

static void job_submit(struct conn *c)
{
    struct server *srv = c->srv;
    struct job_work *jw = calloc(1, sizeof(*jw));
    if (jw == NULL) {
        job_finish(c, UV_EBUSY);
        return;
    }
    jw->conn = c;
    jw->job = c->pjob;
    jw->snap = c->snap;
    jw->db_path = srv->cfg.db_path;
    jw->work.data = jw;
    c->work = jw;
    if (uv_queue_work(srv->loop, &jw->work, job_work_cb, job_done_cb) < 0) {
        c->work = NULL;
        free(jw);
        job_finish(c, UV_EBUSY);
        return;
    }
    srv->jobs_running++;
}

static void conn_job(struct conn *c)
{
    struct server *srv = c->srv;
    struct proto_job *job = c->reply.job;
    c->reply.job = NULL;
    if (job == NULL || c->proto->on_job_done == NULL || c->snap == NULL) {
        if (job != NULL)
            job->release(job);
        conn_close(c);
        return;
    }
    c->pjob = job;
    conn_read_stop(c);
    /* The job comes back, or is answered busy, on its own: no deadline
     * while it runs or waits (the queue bounds the wait). */
    uv_timer_stop(&c->timer);
    c->state = CONN_JOB;
    if (srv->stopping) {
        job_finish(c, UV_ECANCELED);
    } else if (srv->jobs_running < (size_t)srv->cfg.max_searches) {
        job_submit(c);
    } else if (srv->jobs_waiting < (size_t)srv->cfg.search_queue) {
        c->job_waiting = true;
        c->wait_next = NULL;
        c->wait_prev = srv->jobs_tail;
        if (srv->jobs_tail != NULL)
            srv->jobs_tail->wait_next = c;
        else
            srv->jobs_head = c;
        srv->jobs_tail = c;
        srv->jobs_waiting++;
    } else {
        job_finish(c, UV_EBUSY);
    }
}

/* Offers the buffered input to the protocol until it needs more bytes or a
 * reply is pending: replies written at once (conn_send) leave the
 * connection READING, so pipelined requests are answered here one after
 * the other, in order. Reading goes on while the connection waits. */
static void conn_process(struct conn *c)
{
    while (c->state == CONN_READING) {
        take_snapshot(c);
        buf_lend(&c->reply.head, &spare_head);
        size_t consumed = 0;
        enum proto_result r = c->proto->on_data(
            c->pstate, c->snap, c->in.data, c->in.len, &consumed, &c->reply);
        if (consumed > 0)
            buf_consume(&c->in, consumed);
        if (r == PROTO_MORE) {
            if (c->in.len >= c->proto->max_request ||
                c->in.len >= CONN_HARD_CAP) {
                r = c->proto->on_limit(c->pstate, c->snap, &c->reply);
                if (r == PROTO_REPLY)
                    r = PROTO_REPLY_CLOSE;
            } else if (c->eof) {
                r = c->proto->on_eof != NULL
                        ? c->proto->on_eof(c->pstate, c->snap, c->in.data,
                                           c->in.len, &c->reply)
                        : PROTO_CLOSE;
                if (r == PROTO_MORE) {
                    /* on_eof should not say so: nothing more will come. */
                    conn_close(c);
                    return;
                }
            } else {
                /* Keep no snapshot while merely waiting for bytes. */
                snapshot_unref(c->snap);
                c->snap = NULL;
                break;
            }
            if (r == PROTO_MORE)
                break; /* on_limit asks for more: the protocol's call */
        }
        conn_act(c, r);
    }
    buf_give_back(&c->in, &spare_in);
    buf_give_back(&c->reply.head, &spare_head);
    if (c->state == CONN_READING && !c->eof && conn_read_start(c) < 0)
        conn_close(c);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = s->data;
    if (nread == 0 || c->state == CONN_CLOSING)
        return;
    if (c->state == CONN_DRAINING) {
        if (nread < 0)
            conn_close(c); /* EOF or error: the peer has our reply */
        return;
    }
    if (nread < 0) {
        if (nread != UV_EOF) {
            conn_close(c);
            return;
        }
        c->eof = true;
        conn_read_stop(c);
        conn_process(c);
        return;
    }
    c->read_short = (size_t)nread < b->len;
    bool starts = c->bytes_since_reply == 0;
    unsigned replies = c->replies_sent;
    if (starts)
        idle_leave(c);
    c->bytes_since_reply += (size_t)nread;
    size_t room = CONN_HARD_CAP - c->in.len;
    buf_lend(&c->in, &spare_in);
    buf_append(&c->in, b->base, (size_t)nread < room ? (size_t)nread : room);
    if (buf_failed(&c->in)) {
        conn_close(c);
        return;
    }
    conn_process(c);
    /* A request that starts in this read and is not answered by its end
     * gets the read deadline, from its first byte. One answered at once
     * never needs it: the idle deadline that follows the reply is later
     * than the one armed, so keep-alive costs no timer update. */
    if (starts && c->replies_sent == replies && c->state == CONN_READING &&
        c->bytes_since_reply > 0)
        arm_timer(c, read_timeout(c));
}

static void timer_cb(uv_timer_t *t)
{
    struct conn *c = t->data;
    uint64_t now = uv_now(c->srv->loop);
    if (c->deadline > now) {
        /* The deadline moved later since the timer was armed. */
        c->timer_due = c->deadline;
        uv_timer_start(t, timer_cb, c->deadline - now, 0);
        return;
    }
    switch (c->state) {
    case CONN_READING: {
        take_snapshot(c);
        buf_lend(&c->reply.head, &spare_head);
        enum proto_result r =
            c->bytes_since_reply > 0 && c->proto->on_timeout != NULL
                ? c->proto->on_timeout(c->pstate, c->snap, c->in.data,
                                       c->in.len, &c->reply)
                : PROTO_CLOSE;
        if (r == PROTO_REPLY || r == PROTO_MORE)
            r = r == PROTO_REPLY ? PROTO_REPLY_CLOSE : PROTO_CLOSE;
        /* Idle between requests is no refusal; half a request is. */
        if (c->bytes_since_reply > 0)
            metrics_refusal(c->srv, REFUSAL_READ_TIMEOUT, c->peer, true);
        conn_act(c, r);
        break;
    }
    case CONN_COMMAND: /* the write finishes; its reply follows */
    case CONN_JOB:     /* likewise the job (no timer is armed for it) */
        break;
    case CONN_WRITING: /* the peer does not read its reply */
        metrics_refusal(c->srv, REFUSAL_WRITE_TIMEOUT, c->peer, true);
        conn_close(c);
        break;
    case CONN_DRAINING: /* linger is over */
        conn_close(c);
        break;
    case CONN_CLOSING:
        break;
    }
}

static void peer_name(struct conn *c, struct sockaddr_storage *ss)
{
    int len = sizeof(*ss);
    strcpy(c->peer, "?");
    memset(ss, 0, sizeof(*ss));
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)ss, &len) < 0)
        return;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    /* An IPv4 peer on a dual-stack socket is logged as the IPv4 address
     * it is (RFC 4291, 2.5.5.2), as on an IPv4 socket. */
    if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
        uv_inet_ntop(AF_INET, in6->sin6_addr.s6_addr + 12, c->peer,
                     sizeof(c->peer));
    else if (ss->ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)ss, c->peer, sizeof(c->peer));
    else
        uv_ip4_name((struct sockaddr_in *)ss, c->peer, sizeof(c->peer));
}

/* Over a cap: the protocol's "try later" in its own words, then close.
 * c is already counted as refused. */
static void conn_refuse(struct conn *c, enum server_refusal why)
{
    struct server *srv = c->srv;
    if (c->counted_as != NULL)
        c->counted_as->refused++;
    if (srv->n_refused > srv->refuse_limit ||
        (c->counted_as != NULL &&
         c->counted_as->refused > CONN_REFUSED_PER_PEER)) {
        metrics_refusal(srv, why, c->peer, false);
        conn_close(c);
        return;
    }
    metrics_refusal(srv, why, c->peer, true);
    take_snapshot(c);
    buf_lend(&c->reply.head, &spare_head);
    c->proto->busy(c->snap, &c->reply);
    c->reply.log[0] = '\0';
    conn_send(c, true);
}

int conn_accept(struct listener *l)
{
    struct server *srv = l->srv;
    struct conn *c = calloc(1, sizeof(*c) + l->proto->state_size);
    if (c == NULL)
        return UV_ENOMEM; /* it stays queued; the listener retries */
    c->pstate = c + 1;
    c->srv = srv;
    c->reply.no_log = !server_access_on();
    srv->stats.accepted[metrics_proto_index(l->proto)]++;
    c->lst = l;
    c->proto = l->proto;
    if (uv_tcp_init(srv->loop, &c->tcp) < 0) {
        free(c);
        return UV_ENOMEM;
    }
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 1;
    /* From here on every exit goes through conn_close(). Until it is
     * known to be served, it counts as refused, which costs the served
     * nothing. */
    uv_timer_init(srv->loop, &c->timer);
    c->open_handles = 2;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    c->refused = true;
    srv->n_refused++;
    c->state = CONN_READING;
    if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return 0;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage ss;
    peer_name(c, &ss);
    if (c->proto->init != NULL)
        c->proto->init(c->pstate);
    c->proto_ready = true;

    struct peer_key key;
    peer_key_of((struct sockaddr *)&ss, &key);
    c->counted_as = peer_get(&srv->peers, &key);
    if (c->counted_as == NULL ||
        c->counted_as->served >= (uint32_t)srv->cfg.max_per_address) {
        conn_refuse(c, REFUSAL_MAX_PER_ADDRESS);
        return 0;
    }
    if (srv->n_conns >= srv->conn_limit && srv->idle_head != NULL)
        conn_close(srv->idle_head);
    if (srv->n_conns >= srv->conn_limit) {
        conn_refuse(c, REFUSAL_MAX_CONNECTIONS);
        return 0;
    }
    srv->n_refused--;
    c->refused = false;
    srv->n_conns++;
    c->counted_as->served++;
    arm_timer(c, read_timeout(c));
    idle_enter(c);
    if (conn_read_start(c) < 0)
        conn_close(c);
    return 0;
}

/* The connections the file limit leaves room for, and the refused ones'
 * own share of it (a sixteenth, within bounds). */
static void fd_room(size_t *served, size_t *refused)
{
    struct rlimit rl;
    size_t files = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        files = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 24)
                    ? (size_t)1 << 24
                    : (size_t)rl.rlim_cur;
    size_t spare = files > CONN_FD_RESERVE + 64 ? files - CONN_FD_RESERVE : 64;
    *refused = spare / 16 < 16 ? 16 : spare / 16 > 1024 ? 1024 : spare / 16;
    *served = spare - *refused;
}

/* The effective total cap: the setting, unless the file limit is lower. */
static size_t conn_limit_of(const struct server *srv, size_t room)
{
    if (srv->cfg.max_connections <= 0)
        return room;
    if ((size_t)srv->cfg.max_connections > room) {
        server_log("max_connections %d is more than the open-file limit "
                   "allows; using %zu",
                   srv->cfg.max_connections, room);
        return room;
    }
    return (size_t)srv->cfg.max_connections;
}

int conn_setup(struct server *srv)
{
    /* Descriptors are what connections run out of, so take all the
     * kernel allows this process: the soft limit up to the hard one. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            server_log("cannot raise the open-file limit: %s",
                       uv_strerror(uv_translate_sys_error(errno)));
    }
    size_t room;
    fd_room(&room, &srv->refuse_limit);
    srv->conn_limit = conn_limit_of(srv, room);
    server_log("connections: at most %zu (%d per address), %zu more "
               "answered busy",
               srv->conn_limit, srv->cfg.max_per_address, srv->refuse_limit);
    return peer_table_init(&srv->peers);
}

void conn_reconfigure(struct server *srv)
{
    size_t room, refused;
    fd_room(&room, &refused);
    size_t limit = conn_limit_of(srv, room);
    if (limit != srv->conn_limit)
        server_log("connections: at most %zu (was %zu)", limit,
                   srv->conn_limit);
    srv->conn_limit = limit;
    jobs_start(srv); /* max_searches may have grown */
}

void conn_shutdown(struct server *srv)
{
    struct conn *c = srv->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        switch (c->state) {
        case CONN_READING:
            /* Idle, or half a request: nothing was promised yet. */
            conn_close(c);
            break;
        case CONN_COMMAND:
            /* Not started yet: dropped, and answered 503 in
             * command_done_cb. Started: it finishes and is answered. */
            if (c->job != NULL)
                uv_cancel((uv_req_t *)&c->job->work);
            break;
        case CONN_JOB:
            /* Waiting for a slot: answered "busy" now. On the pool but
             * not started: likewise, from job_done_cb. Started: it
             * finishes (a search takes milliseconds) and is answered. */
            if (c->job_waiting) {
                wait_leave(c);
                job_finish(c, UV_ECANCELED);
            } else if (c->work != NULL) {
                uv_cancel((uv_req_t *)&c->work->work);
            }
            break;
        case CONN_WRITING:
        case CONN_DRAINING:
        case CONN_CLOSING:
            break;
        }
        c = next;
    }
    if (srv->conns == NULL)
        serve_conns_done(srv);
}

void conn_close_all(struct server *srv)
{
    while (srv->conns != NULL)
        conn_close(srv->conns);
}

void conn_fini(struct server *srv)
{
    peer_table_fini(&srv->peers);
    buf_free(&spare_in);
    buf_free(&spare_head);
}
