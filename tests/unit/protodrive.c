#include "protodrive.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

int protodrive_job_status = 0;

/* conn_job and job_done_cb on one thread. */
static enum proto_result run_job(const struct proto *p,
                                 const struct snapshot *snap, struct reply *rep,
                                 enum proto_result r)
{
    if (r != PROTO_JOB)
        return r;
    struct proto_job *job = rep->job;
    rep->job = NULL;
    CHECK(job != NULL && p->on_job_done != NULL);
    if (job == NULL || p->on_job_done == NULL)
        return PROTO_CLOSE;
    if (protodrive_job_status == 0)
        job->run(job, snap, NULL);
    r = p->on_job_done(NULL, snap, job, protodrive_job_status, rep);
    job->release(job);
    CHECK(r != PROTO_MORE && r != PROTO_JOB && r != PROTO_COMMAND);
    return r;
}

enum proto_result protodrive_once(const struct proto *p,
                                  const struct snapshot *snap, const char *req,
                                  size_t n, const size_t *cuts, size_t ncuts,
                                  bool eof, struct buf *wire)
{
    struct buf in = BUF_INIT;
    struct reply rep;
    memset(&rep, 0, sizeof(rep));
    enum proto_result r = PROTO_MORE;
    size_t pos = 0;
    for (size_t k = 0; k <= ncuts && r == PROTO_MORE; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        if (end == pos)
            continue;
        buf_append(&in, req + pos, end - pos);
        pos = end;
        size_t consumed = 0;
        r = p->on_data(NULL, snap, in.data, in.len, &consumed, &rep);
        CHECK(consumed <= in.len);
        buf_consume(&in, consumed);
        r = run_job(p, snap, &rep, r);
        if (r == PROTO_MORE && in.len >= p->max_request) {
            r = p->on_limit(NULL, snap, &rep);
            CHECK(r == PROTO_REPLY_CLOSE);
        }
    }
    if (r == PROTO_MORE && eof)
        r = run_job(p, snap, &rep,
                    p->on_eof(NULL, snap, in.data, in.len, &rep));
    buf_reset(wire);
    buf_append(wire, rep.head.data, rep.head.len);
    if (rep.body_len > 0)
        buf_append(wire, rep.body, rep.body_len);
    buf_append(wire, rep.tail.data, rep.tail.len);
    /* The log fields never carry a control byte (they go to a terminal or
     * a log file as they are) nor a quote of their own: every '"' and
     * '\\' is escaped, as are the bytes outside printable ASCII. */
    const char *fields[] = {rep.log, rep.log_referer, rep.log_agent};
    for (size_t f = 0; f < 3; f++)
        for (const char *l = fields[f]; *l; l++) {
            CHECK((unsigned char)*l >= 0x20 && (unsigned char)*l < 0x7f);
            CHECK(*l != '"');
            if (*l == '\\') {
                l++;
                CHECK(*l == '"' || *l == '\\' ||
                      (*l == 'x' && isxdigit((unsigned char)l[1]) &&
                       isxdigit((unsigned char)l[2])));
                if (*l == 'x')
                    l += 2;
                if (*l == '\0')
                    break;
            }
        }
    reply_free(&rep);
    buf_free(&in);
    return r;
}

/* xorshift64: small, and the same sequence on every machine. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static size_t rnd(size_t bound)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return bound ? (size_t)(rng % bound) : 0;
}

static bool same(const struct buf *a, const struct buf *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

enum proto_result protodrive_all(const struct proto *p,
                                 const struct snapshot *snap, const char *req,
                                 size_t n, bool eof, struct buf *wire)
{
    enum proto_result r = protodrive_once(p, snap, req, n, NULL, 0, eof, wire);
    size_t *cuts = malloc((n + 1) * sizeof(*cuts));
    CHECK(cuts != NULL);
    if (cuts == NULL)
        return r;
    struct buf other = BUF_INIT;
    for (size_t i = 0; i + 1 < n; i++)
        cuts[i] = i + 1;
    CHECK_INT(
        protodrive_once(p, snap, req, n, cuts, n > 0 ? n - 1 : 0, eof, &other),
        r);
    CHECK(same(&other, wire));
    for (int t = 0; t < 20 && n > 1; t++) {
        size_t nc = 1 + rnd(n < 8 ? n - 1 : 8);
        for (size_t i = 0; i < nc; i++)
            cuts[i] = 1 + rnd(n - 1);
        /* sort the cut points */
        for (size_t i = 1; i < nc; i++)
            for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                size_t x = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = x;
            }
        CHECK_INT(protodrive_once(p, snap, req, n, cuts, nc, eof, &other), r);
        CHECK(same(&other, wire));
    }
    free(cuts);
    buf_free(&other);
    return r;
}
