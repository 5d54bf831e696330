/* conn: the one connection lifecycle shared by every protocol.
 *
 * A connection owns two handles, the TCP stream and a timer. Before
 * uv_tcp_init() succeeds a failure frees directly; after it, every path goes
 * through conn_close(), and memory is freed only when both close callbacks
 * have run (libuv docs/src/handle.rst).
 *
 * States:
 *   READING   waiting for request bytes (read deadline or idle timer armed)
 *   WRITING   a reply is being written; reading is paused so a pipelining or
 *             flooding peer cannot make us buffer without bound
 *   DRAINING  the reply is written and the write side shut down; we read and
 *             discard until EOF or a short linger deadline, so that unread
 *             request bytes do not turn our close into an RST that would cut
 *             off the reply on the peer's side (PROTOCOLS.md §4)
 *   CLOSING   uv_close() called on both handles
 */
#include <stdlib.h>
#include <string.h>

#include "../store/command.h"
#include "../store/store.h"
#include "server.h"

#define CONN_LINGER_MS 2000
#define CONN_WRITE_TIMEOUT_MS 30000
/* Absolute cap on buffered input, whatever the protocol says: a protocol
 * that forgets its own limit still cannot make us grow without bound. */
#define CONN_HARD_CAP (128 * 1024)

enum conn_state {
    CONN_READING,
    CONN_COMMAND, /* a store write runs on the thread pool; reading paused */
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
};

struct addr_count {
    struct addr_count *next;
    char addr[48];
    int count;
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
    enum conn_state state;
    int open_handles; /* free when this drops to 0 */
    bool proto_ready; /* proto->init ran, so fini must run */
    bool close_after_write;
    bool eof;
    bool counted;            /* counted in the per-address table */
    struct command_job *job; /* in flight: the conn outlives its handles */
    size_t bytes_since_reply;
    struct buf in;
    struct reply reply;
    struct snapshot *snap; /* held while a reply may point into it */
    char peer[48];
    void *pstate; /* the protocol's per-connection state */
};

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void conn_command(struct conn *c);
static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

/* One read buffer for the whole loop: the read callback always runs right
 * after its allocation and only appends to the connection's own buffer. */
static char read_scratch[64 * 1024];

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h;
    (void)suggested;
    b->base = read_scratch;
    b->len = sizeof(read_scratch);
}

static struct addr_count **addr_slot(struct server *srv, const char *addr)
{
    struct addr_count **p = &srv->addrs;
    while (*p != NULL && strcmp((*p)->addr, addr) != 0)
        p = &(*p)->next;
    return p;
}

/* Returns the number of connections from addr after adding delta. */
static int addr_adjust(struct server *srv, const char *addr, int delta)
{
    struct addr_count **p = addr_slot(srv, addr);
    if (*p == NULL) {
        if (delta <= 0)
            return 0;
        struct addr_count *a = calloc(1, sizeof(*a));
        if (a == NULL)
            return -1;
        snprintf(a->addr, sizeof(a->addr), "%s", addr);
        a->next = srv->addrs;
        srv->addrs = a;
        p = &srv->addrs;
    }
    struct addr_count *a = *p;
    a->count += delta;
    int n = a->count;
    if (n <= 0) {
        *p = a->next;
        free(a);
    }
    return n;
}

static void conn_destroy(struct conn *c)
{
    if (c->proto_ready && c->proto->fini != NULL)
        c->proto->fini(c->pstate);
    if (c->counted)
        addr_adjust(c->srv, c->peer, -1);
    if (c->snap != NULL)
        snapshot_unref(c->snap);
    buf_free(&c->in);
    reply_free(&c->reply);
    free(c);
}

static void conn_free_cb(uv_handle_t *h)
{
    struct conn *c = h->data;
    /* A command job still running will come back to this conn: it frees
     * the conn when it is done (command_done_cb). */
    if (--c->open_handles > 0 || c->job != NULL)
        return;
    conn_destroy(c);
}

static void conn_unlink(struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else if (c->srv->conns == c)
        c->srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
    c->srv->n_conns--;
}

static void conn_close(struct conn *c)
{
    if (c->state == CONN_CLOSING)
        return;
    c->state = CONN_CLOSING;
    conn_unlink(c);
    uv_close((uv_handle_t *)&c->timer, conn_free_cb);
    uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
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

static void arm_timer(struct conn *c, uint64_t ms)
{
    uv_timer_start(&c->timer, timer_cb, ms, 0);
}

static void log_reply(struct conn *c)
{
    if (c->srv->cfg.quiet || c->reply.log[0] == '\0')
        return;
    server_log("%s %s %d %zu %s", c->proto->name, c->peer, c->reply.status,
               reply_len(&c->reply), c->reply.log);
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
    arm_timer(c, CONN_LINGER_MS);
    if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) < 0)
        conn_close(c);
}

/* Half-closes after the last reply; reads are drained in read_cb. */
static void conn_finish(struct conn *c)
{
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, shutdown_cb) < 0) {
        conn_close(c);
        return;
    }
    c->state = CONN_WRITING; /* until shutdown_cb: nothing else to do */
    arm_timer(c, CONN_LINGER_MS);
}

static void write_cb(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    if (c->state == CONN_CLOSING)
        return;
    reply_reset(&c->reply);
    if (c->snap != NULL) {
        snapshot_unref(c->snap);
        c->snap = NULL;
    }
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->close_after_write || c->srv->stopping) {
        conn_finish(c);
        return;
    }
    c->state = CONN_READING;
    c->bytes_since_reply = c->in.len;
    arm_timer(c, c->in.len > 0 ? read_timeout(c) : idle_timeout(c));
    /* Pipelined bytes may already hold the next request. */
    conn_process(c);
    if (c->state == CONN_READING &&
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) < 0)
        conn_close(c);
}

/* Writes c->reply; close_after decides what happens once it is out. */
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
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->state = CONN_WRITING;
    arm_timer(c, CONN_WRITE_TIMEOUT_MS);
    if (n == 0) {
        /* Nothing to write (e.g. a reply of zero bytes): finish at once. */
        c->wreq.data = c;
        write_cb(&c->wreq, 0);
        return;
    }
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, n, write_cb) < 0)
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
    case PROTO_CLOSE:
        if (c->snap != NULL) {
            snapshot_unref(c->snap);
            c->snap = NULL;
        }
        conn_finish(c);
        break;
    }
}

static void take_snapshot(struct conn *c)
{
    if (c->snap == NULL)
        c->snap = snapshot_ref(c->srv->current);
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
    int rc = store_open(job->db_path, &st, err, sizeof(err));
    if (rc < 0) {
        job->result.rc = rc;
        snprintf(job->result.message, sizeof(job->result.message), "%s", err);
        return;
    }
    store_command_run(st, job->command, &job->result);
    store_close(st);
}

static void command_done_cb(uv_work_t *w, int status)
{
    struct command_job *job = w->data;
    struct conn *c = job->conn;
    c->job = NULL;
    if (status < 0 && job->result.rc == 0) { /* cancelled at shutdown */
        job->result.rc = UV_ECANCELED;
        snprintf(job->result.message, sizeof(job->result.message),
                 "the server is shutting down");
    }
    store_command_free(job->command);
    if (job->result.rc == 0)
        reload_kick(c->srv);
    if (c->state == CONN_CLOSING) {
        if (c->open_handles == 0)
            conn_destroy(c);
        free(job);
        return;
    }
    c->state = CONN_READING;
    take_snapshot(c);
    enum proto_result r =
        c->proto->on_command_done(c->pstate, c->snap, &job->result, &c->reply);
    free(job);
    if (r == PROTO_MORE || r == PROTO_COMMAND)
        r = PROTO_CLOSE; /* a protocol must answer a command */
    conn_act(c, r);
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
    job->work.data = job;
    uv_read_stop((uv_stream_t *)&c->tcp);
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

/* Offers the buffered input to the protocol until it needs more bytes or a
 * reply is on its way. */
static void conn_process(struct conn *c)
{
    if (c->state != CONN_READING)
        return;
    take_snapshot(c);
    size_t consumed = 0;
    enum proto_result r = c->proto->on_data(c->pstate, c->snap, c->in.data,
                                            c->in.len, &consumed, &c->reply);
    if (consumed > 0)
        buf_consume(&c->in, consumed);
    if (r == PROTO_MORE) {
        if (c->in.len >= c->proto->max_request || c->in.len >= CONN_HARD_CAP) {
            r = c->proto->on_limit(c->pstate, c->snap, &c->reply);
            if (r == PROTO_REPLY)
                r = PROTO_REPLY_CLOSE;
        } else if (c->eof) {
            r = c->proto->on_eof(c->pstate, c->snap, c->in.data, c->in.len,
                                 &c->reply);
        } else {
            /* Keep no snapshot while merely waiting for bytes. */
            snapshot_unref(c->snap);
            c->snap = NULL;
            return;
        }
    }
    conn_act(c, r);
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
        uv_read_stop(s);
        conn_process(c);
        /* on_eof answered PROTO_MORE (it should not): nothing will come. */
        if (c->state == CONN_READING)
            conn_close(c);
        return;
    }
    if (c->bytes_since_reply == 0)
        arm_timer(c, read_timeout(c)); /* a request starts */
    c->bytes_since_reply += (size_t)nread;
    size_t room = CONN_HARD_CAP - c->in.len;
    buf_append(&c->in, b->base, (size_t)nread < room ? (size_t)nread : room);
    if (buf_failed(&c->in)) {
        conn_close(c);
        return;
    }
    conn_process(c);
}

static void timer_cb(uv_timer_t *t)
{
    struct conn *c = t->data;
    switch (c->state) {
    case CONN_READING: {
        take_snapshot(c);
        enum proto_result r =
            c->bytes_since_reply > 0
                ? c->proto->on_timeout(c->pstate, c->snap, c->in.data,
                                       c->in.len, &c->reply)
                : PROTO_CLOSE;
        if (r == PROTO_REPLY || r == PROTO_MORE)
            r = r == PROTO_REPLY ? PROTO_REPLY_CLOSE : PROTO_CLOSE;
        if (!c->srv->cfg.quiet)
            server_log("%s %s timeout after %zu bytes", c->proto->name, c->peer,
                       c->bytes_since_reply);
        conn_act(c, r);
        break;
    }
    case CONN_COMMAND: /* the write finishes; its reply follows */
        break;
    case CONN_WRITING:  /* the peer does not read its reply */
    case CONN_DRAINING: /* linger is over */
        conn_close(c);
        break;
    case CONN_CLOSING:
        break;
    }
}

static void peer_name(struct conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    strcpy(c->peer, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer, sizeof(c->peer));
    else
        uv_ip4_name((struct sockaddr_in *)&ss, c->peer, sizeof(c->peer));
}

void conn_accept(struct listener *l)
{
    struct server *srv = l->srv;
    struct conn *c = calloc(1, sizeof(*c) + l->proto->state_size);
    if (c == NULL)
        return; /* the pending connection stays queued; retried next time */
    c->pstate = c + 1;
    c->srv = srv;
    c->lst = l;
    c->proto = l->proto;
    if (uv_tcp_init(srv->loop, &c->tcp) < 0) {
        free(c);
        return;
    }
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 1;
    /* From here on every exit goes through conn_close(). */
    uv_timer_init(srv->loop, &c->timer);
    c->open_handles = 2;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    c->state = CONN_READING;
    if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    if (c->proto->init != NULL)
        c->proto->init(c->pstate);
    c->proto_ready = true;

    int from_peer = addr_adjust(srv, c->peer, 1);
    c->counted = from_peer > 0;
    if (from_peer < 0 || srv->n_conns > (size_t)srv->cfg.max_connections ||
        from_peer > srv->cfg.max_per_address) {
        /* Over a cap: say so in the protocol's own words, then close. */
        take_snapshot(c);
        c->proto->busy(c->snap, &c->reply);
        if (!srv->cfg.quiet)
            server_log("%s %s refused: connection limit", c->proto->name,
                       c->peer);
        c->reply.log[0] = '\0';
        conn_send(c, true);
        return;
    }
    arm_timer(c, read_timeout(c));
    if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) < 0)
        conn_close(c);
}

void conn_close_all(struct server *srv)
{
    while (srv->conns != NULL)
        conn_close(srv->conns);
}

void conn_fini(struct server *srv)
{
    while (srv->addrs != NULL) {
        struct addr_count *a = srv->addrs;
        srv->addrs = a->next;
        free(a);
    }
}
