/* fuzzlib: the support of fuzz.h: failure reports, the snapshots, and the
 * connection driver that plays server/conn.c for the protocol targets. */
#include "fuzz.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../server/cli/demo.h"
#include "../../server/server.h"
#include "../../store/command.h"
#include "../../store/common/tz.h"
#include "../../store/store.h"
#include "../unit/fixture.h"

FILE *fuzz_report;

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
    FILE *f = fuzz_report != NULL ? fuzz_report : stderr;
    fprintf(f, "%s:%d: broken: %s\n", file, line, what);
    fflush(f);
    abort();
}

void fuzz_setup(void)
{
    if (fuzz_report == NULL)
        fuzz_report = stderr;
    setenv("OUTPOST_NOW", "1795000000", 1);
}

void fuzz_setup_snapshots(void)
{
    fuzz_setup();
    for (int i = 0; i < FUZZ_N_SNAPSHOTS; i++)
        (void)fuzz_snapshot(i);
}

void fuzz_quiet_stderr(void)
{
    if (fuzz_report == NULL)
        fuzz_report = stderr;
    FILE *null = fopen("/dev/null", "w");
    /* glibc's stderr is a plain variable: pointing it elsewhere leaves
     * descriptor 2 (and libFuzzer's own stream, copied at start) alone. */
    if (null != NULL)
        stderr = null;
}

/* ---- the snapshots ------------------------------------------------------ */

static const struct snapshot *snaps[FUZZ_N_SNAPSHOTS];
static struct tz *demo_tz;

static void put_site(struct snapshot *s, const struct tz *tz)
{
    s->site.name = snapshot_strdup(s, "Example Net status");
    s->site.hostname = snapshot_strdup(s, "status.example.net");
    s->site.base_url = snapshot_strdup(s, "https://status.example.net");
    s->site.http_port = 80;
    s->site.gopher_port = 70;
    s->site.finger_port = 79;
    s->site.time_zone = tz != NULL ? snapshot_strdup(s, tz_name(tz)) : NULL;
    s->site.tz = tz;
    s->site.max_age = 15;
}

static void put_tokens(struct snapshot *s)
{
    struct snapshot_token *t = snapshot_alloc(s, 2 * sizeof(*t));
    FUZZ_CHECK(t != NULL);
    t[0].name = snapshot_strdup(s, "fuzz");
    store_token_hash(FUZZ_TOKEN, t[0].hash);
    t[0].revoked = false;
    t[1].name = snapshot_strdup(s, "gone");
    store_token_hash(FUZZ_REVOKED_TOKEN, t[1].hash);
    t[1].revoked = true;
    s->tokens = t;
    s->n_tokens = 2;
}

static struct snapshot *demo_snapshot(void)
{
    struct store *st = NULL;
    char err[256] = "";
    struct snapshot *s = NULL;
    int rc = store_open(":memory:", &st, err, sizeof(err));
    if (rc == 0)
        rc = store_demo(st, FUZZ_NOW);
    if (rc == 0)
        rc = store_load(st, FUZZ_NOW, &s);
    if (rc != 0)
        fprintf(fuzz_report, "demo snapshot: %s\n",
                st != NULL ? store_errmsg(st) : err);
    FUZZ_CHECK(rc == 0);
    store_close(st);
    /* The display zone is optional: without tzdata the demo is UTC. */
    if (tz_load("America/New_York", &demo_tz) != 0)
        demo_tz = NULL;
    put_site(s, demo_tz);
    return s;
}

const struct snapshot *fuzz_snapshot(int i)
{
    i = ((i % FUZZ_N_SNAPSHOTS) + FUZZ_N_SNAPSHOTS) % FUZZ_N_SNAPSHOTS;
    if (snaps[i] != NULL)
        return snaps[i];
    struct snapshot *s = i == 0   ? demo_snapshot()
                         : i == 1 ? fixture_snapshot()
                                  : fixture_empty_snapshot();
    FUZZ_CHECK(s != NULL);
    if (i != 0)
        put_site(s, NULL);
    s->version = (uint64_t)i + 1;
    put_tokens(s);
    FUZZ_CHECK(reload_render(s) == 0);
    snaps[i] = s;
    return s;
}

/* ---- replies ------------------------------------------------------------ */

static volatile unsigned char sink;

static void touch(const char *p, size_t n)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= (unsigned char)p[i];
    sink ^= acc;
}

void fuzz_check_reply_memory(const struct reply *r)
{
    size_t n = strnlen(r->log, sizeof(r->log));
    FUZZ_CHECK(n < sizeof(r->log));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(r->log[i] >= 0x20 && r->log[i] < 0x7f);
    const char *fields[] = {r->log_referer, r->log_agent};
    size_t caps[] = {sizeof(r->log_referer), sizeof(r->log_agent)};
    for (size_t f = 0; f < 2; f++) {
        size_t fn = strnlen(fields[f], caps[f]);
        FUZZ_CHECK(fn < caps[f]);
        for (size_t i = 0; i < fn; i++)
            FUZZ_CHECK(fields[f][i] >= 0x20 && fields[f][i] < 0x7f);
    }
    FUZZ_CHECK(!buf_failed(&r->head) && !buf_failed(&r->tail));
    FUZZ_CHECK(r->body != NULL || r->body_len == 0);
    touch(r->head.data, r->head.len);
    touch(r->body, r->body_len);
    touch(r->tail.data, r->tail.len);
}

/* ---- the connection ----------------------------------------------------- */

/* server/conn.c's absolute cap on buffered input (CONN_HARD_CAP). */
#define FUZZ_HARD_CAP (128 * 1024)

struct conn {
    const struct proto *p;
    fuzz_reply_check check;
    void *state;
    struct buf in;
    struct reply reply;
    int snap_i;
    bool rotate;
    uint8_t result;
    size_t bytes_since_reply;
    bool eof, closed;
    struct buf *transcript; /* every reply's bytes and result, in order */
};

static const struct snapshot *snap_of(struct conn *c)
{
    return fuzz_snapshot(c->snap_i);
}

/* Where conn.c drops its snapshot reference and takes the current one
 * later, a reload may have published another. */
static void maybe_reload(struct conn *c)
{
    if (c->rotate)
        c->snap_i++;
}

static void written(struct conn *c, enum proto_result r)
{
    fuzz_check_reply_memory(&c->reply);
    if (c->check != NULL)
        c->check(&c->reply, r);
    struct buf *t = c->transcript;
    buf_printf(t, "[%d %zu]", (int)r, reply_len(&c->reply));
    buf_append(t, c->reply.head.data, c->reply.head.len);
    buf_append(t, c->reply.body, c->reply.body_len);
    buf_append(t, c->reply.tail.data, c->reply.tail.len);
    reply_reset(&c->reply);
}

static const int result_rcs[8] = {0,         UV_EINVAL,   UV_ENOENT,
                                  UV_EEXIST, UV_EACCES,   UV_EIO,
                                  UV_ENOMEM, UV_ECANCELED};
static const int64_t result_ids[8] = {0,    1,  42,        66,
                                      9999, -1, INT64_MAX, INT64_MIN};
static const char *const result_msgs[4] = {
    "",
    "incidents[3].updates[0].status: 'fixed' is not a status of incident",
    "title: \"<script>\"\n\r\t\x01\x7f\xff\xfe \xe2\x80\x94 \\u0000 refused",
    "a message of the whole size: "
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};

/* conn_command and command_done_cb, with a made-up result for the write
 * the worker thread would have run. */
static enum proto_result command(struct conn *c)
{
    struct store_command *cmd = c->reply.command;
    c->reply.command = NULL;
    FUZZ_CHECK(cmd != NULL); /* conn.c would hand NULL to the worker */
    if (c->p->on_command_done == NULL) {
        store_command_free(cmd);
        return PROTO_CLOSE;
    }
    FUZZ_CHECK(cmd->n_owned >= 0 && cmd->n_owned <= COMMAND_MAX_STRINGS);
    store_command_free(cmd);
    struct store_result res;
    memset(&res, 0, sizeof(res));
    res.rc = result_rcs[c->result & 7];
    res.id = result_ids[(c->result >> 3) & 7];
    snprintf(res.message, sizeof(res.message), "%s",
             result_msgs[(c->result >> 6) & 3]);
    snprintf(res.token_name, sizeof(res.token_name), "%s",
             res.rc == 0 ? "fuzz" : "");
    enum proto_result r =
        c->p->on_command_done(c->state, snap_of(c), &res, &c->reply);
    if (r == PROTO_MORE || r == PROTO_COMMAND)
        r = PROTO_CLOSE; /* a protocol must answer a command */
    return r;
}

/* conn_job and job_done_cb: the job run at once on this thread, with no
 * database (search_run reads every post of the snapshot), or, as the
 * input's result byte says, refused for the caps or the shutdown. */
static enum proto_result job(struct conn *c)
{
    struct proto_job *j = c->reply.job;
    c->reply.job = NULL;
    FUZZ_CHECK(j != NULL); /* conn.c would close the connection */
    FUZZ_CHECK(c->p->on_job_done != NULL);
    static const int statuses[4] = {0, 0, UV_EBUSY, UV_ECANCELED};
    int status = statuses[(c->result >> 4) & 3];
    if (status == 0)
        j->run(j, snap_of(c), NULL);
    enum proto_result r =
        c->p->on_job_done(c->state, snap_of(c), j, status, &c->reply);
    j->release(j);
    FUZZ_CHECK(c->reply.job == NULL);
    if (r == PROTO_MORE || r == PROTO_COMMAND || r == PROTO_JOB)
        r = PROTO_CLOSE; /* a protocol must answer a job */
    return r;
}

/* conn_act: true when the connection reads on (and conn.c would offer the
 * protocol the buffered bytes again). */
static bool act(struct conn *c, enum proto_result r)
{
    if (r == PROTO_COMMAND)
        r = command(c);
    else if (r == PROTO_JOB)
        r = job(c);
    switch (r) {
    case PROTO_MORE:
        return false;
    case PROTO_REPLY:
        written(c, r);
        c->bytes_since_reply = c->in.len;
        maybe_reload(c);
        return true;
    case PROTO_REPLY_CLOSE:
        written(c, r);
        c->closed = true;
        return false;
    case PROTO_CLOSE:
        c->closed = true;
        return false;
    case PROTO_COMMAND:
    case PROTO_JOB:
        break;
    }
    FUZZ_CHECK(!"a result outside enum proto_result");
    return false;
}

/* conn_process, looping where conn.c continues from write_cb. */
static void process(struct conn *c)
{
    while (!c->closed) {
        size_t consumed = 0;
        enum proto_result r = c->p->on_data(c->state, snap_of(c), c->in.data,
                                            c->in.len, &consumed, &c->reply);
        FUZZ_CHECK(consumed <= c->in.len);
        if (consumed > 0)
            buf_consume(&c->in, consumed);
        if (r == PROTO_MORE) {
            if (c->in.len >= c->p->max_request || c->in.len >= FUZZ_HARD_CAP) {
                r = c->p->on_limit(c->state, snap_of(c), &c->reply);
                if (r == PROTO_REPLY)
                    r = PROTO_REPLY_CLOSE;
            } else if (c->eof) {
                /* A NULL on_eof means "close", as in conn.c. */
                r = c->p->on_eof == NULL
                        ? PROTO_CLOSE
                        : c->p->on_eof(c->state, snap_of(c), c->in.data,
                                       c->in.len, &c->reply);
            } else {
                maybe_reload(c); /* waiting for bytes holds no snapshot */
                return;
            }
        }
        if (!act(c, r))
            return;
    }
}

static void deliver(struct conn *c, const uint8_t *p, size_t n)
{
    c->bytes_since_reply += n; /* the first byte starts the read deadline */
    size_t room = FUZZ_HARD_CAP - c->in.len;
    buf_append(&c->in, p, n < room ? n : room);
    FUZZ_CHECK(!buf_failed(&c->in));
    process(c);
}

/* One connection over the bytes after the prefix, read in the pieces that
 * chunks[0..5] say; its transcript ends with how it ended. */
static void run_once(const struct proto *p, const uint8_t *prefix,
                     const uint8_t *chunks, const uint8_t *data, size_t size,
                     fuzz_reply_check check, struct buf *transcript)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.p = p;
    c.check = check;
    c.transcript = transcript;
    c.snap_i = prefix[0] & 3;
    c.rotate = (prefix[0] & 4) != 0;
    c.result = prefix[1];
    int end = (prefix[0] >> 3) & 3;

    c.state = calloc(1, p->state_size > 0 ? p->state_size : 1);
    FUZZ_CHECK(c.state != NULL);
    if (p->init != NULL)
        p->init(c.state);
    if (end == 3) {
        /* conn_accept over a cap: the protocol's "try later", then close. */
        p->busy(snap_of(&c), &c.reply);
        c.reply.log[0] = '\0';
        written(&c, PROTO_REPLY_CLOSE);
        c.closed = true;
    }
    for (size_t k = 0; size > 0 && !c.closed; k++) {
        size_t n = chunks[k % 6] == 0 ? size : chunks[k % 6];
        if (n > size)
            n = size;
        deliver(&c, data, n);
        data += n;
        size -= n;
    }
    if (!c.closed && end == 0) {
        /* read_cb on UV_EOF; on_eof answering PROTO_MORE closes too. */
        c.eof = true;
        process(&c);
        c.closed = true;
    } else if (!c.closed && end == 1) {
        /* timer_cb while reading: idle connections just close. */
        enum proto_result r = c.bytes_since_reply > 0 && p->on_timeout != NULL
                                  ? p->on_timeout(c.state, snap_of(&c),
                                                  c.in.data, c.in.len, &c.reply)
                                  : PROTO_CLOSE;
        if (r == PROTO_REPLY || r == PROTO_MORE)
            r = r == PROTO_REPLY ? PROTO_REPLY_CLOSE : PROTO_CLOSE;
        act(&c, r);
    }
    /* conn_destroy. A command still in the reply is not freed there
     * either: LeakSanitizer reports it. */
    if (p->fini != NULL)
        p->fini(c.state);
    free(c.state);
    buf_puts(transcript, c.closed ? "[closed]" : "[open]");
    buf_free(&c.in);
    reply_free(&c.reply);
}

void fuzz_proto_run(const struct proto *p, const uint8_t *data, size_t size,
                    fuzz_reply_check check)
{
    if (size < 8)
        return;
    struct buf split = BUF_INIT, whole = BUF_INIT;
    run_once(p, data, data + 2, data + 8, size - 8, check, &split);
    /* The same bytes in one read must get the same answers: how the peer
     * (or the network) cuts a request into reads is no part of it. Not
     * when reloads come at each wait for bytes, whose number does depend
     * on the reads, nor past the hard cap, where conn.c drops what one
     * read brings beyond it. */
    static const uint8_t one_read[6] = {0};
    bool same_reads = memcmp(data + 2, one_read, 6) == 0;
    if (!same_reads && (data[0] & 4) == 0 && size - 8 < FUZZ_HARD_CAP) {
        run_once(p, data, one_read, data + 8, size - 8, NULL, &whole);
        FUZZ_CHECK(!buf_failed(&split) && !buf_failed(&whole));
        if (split.len != whole.len ||
            memcmp(split.data, whole.data, split.len) != 0)
            fprintf(fuzz_report, "in pieces:\n%.*s\n---\nin one read:\n%.*s\n",
                    (int)(split.len < 2000 ? split.len : 2000), split.data,
                    (int)(whole.len < 2000 ? whole.len : 2000), whole.data);
        FUZZ_CHECK(split.len == whole.len &&
                   memcmp(split.data, whole.data, split.len) == 0);
    }
    buf_free(&split);
    buf_free(&whole);
}
