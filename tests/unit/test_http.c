/* Unit tests of the HTTP protocol (protocols/http.c): routing, the reply
 * heads, conditional requests, limits and errors, keep-alive, pipelining,
 * and the same transcript whatever way the bytes are split.
 *
 * A small driver plays server/conn.c: it appends each chunk to an input
 * buffer, calls on_data until the protocol wants more bytes, drops what was
 * consumed, calls on_limit at max_request, and records every reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "../../protocols/proto.h"
#include "../../protocols/text.h"
#include "../../store/common/timeutil.h"
#include "../../store/snapshot.h"
#include "../../store/store.h"
#include "fixture.h"
#include "testlib.h"

#include <zlib.h>

static struct snapshot *snap;
/* What the driver tells on_job_done of a search: 0 (it ran), or UV_EBUSY
 * (the searches were at their caps). */
static int session_job_status = 0;

/* ---- the driver ------------------------------------------------------- */

#define MAX_REPLIES 8

struct recorded {
    int status;
    enum proto_result result;
    char *head;       /* copy of the head bytes */
    const char *body; /* the borrowed pointer itself */
    size_t body_len;
};

struct session {
    struct recorded replies[MAX_REPLIES];
    int n;
    bool closed;           /* the protocol asked to close */
    struct buf transcript; /* every reply's bytes, in order */
    size_t fed, consumed;
    char *state;
    struct buf in;
    struct reply reply;
};

static void session_init(struct session *ss)
{
    memset(ss, 0, sizeof(*ss));
    ss->state = calloc(1, http_proto.state_size);
    http_proto.init(ss->state);
}

static void session_free(struct session *ss)
{
    http_proto.fini(ss->state);
    free(ss->state);
    for (int i = 0; i < ss->n; i++)
        free(ss->replies[i].head);
    buf_free(&ss->transcript);
    buf_free(&ss->in);
    reply_free(&ss->reply);
}

static void record(struct session *ss, enum proto_result r)
{
    struct reply *rp = &ss->reply;
    if (r == PROTO_CLOSE) {
        ss->closed = true;
        return;
    }
    if (ss->n < MAX_REPLIES) {
        struct recorded *rec = &ss->replies[ss->n];
        rec->status = rp->status;
        rec->result = r;
        rec->head = strndup(rp->head.data ? rp->head.data : "", rp->head.len);
        rec->body = rp->body;
        rec->body_len = rp->body_len;
    }
    ss->n++;
    buf_append(&ss->transcript, rp->head.data, rp->head.len);
    if (rp->body != NULL)
        buf_append(&ss->transcript, rp->body, rp->body_len);
    buf_append(&ss->transcript, rp->tail.data, rp->tail.len);
    reply_reset(rp);
    if (r == PROTO_REPLY_CLOSE)
        ss->closed = true;
}

/* What conn_process() does with one read's worth of bytes. */
static void session_feed(struct session *ss, const char *p, size_t len)
{
    if (ss->closed)
        return;
    buf_append(&ss->in, p, len);
    ss->fed += len;
    for (;;) {
        size_t consumed = 0;
        enum proto_result r = http_proto.on_data(
            ss->state, snap, ss->in.data, ss->in.len, &consumed, &ss->reply);
        CHECK(consumed <= ss->in.len);
        ss->consumed += consumed;
        buf_consume(&ss->in, consumed);
        if (r == PROTO_JOB) {
            /* conn.c runs it on the thread pool; here, at once, with no
             * database (every post is read), then answers from it. */
            struct proto_job *job = ss->reply.job;
            ss->reply.job = NULL;
            CHECK(job != NULL);
            if (job == NULL)
                return;
            if (session_job_status == 0)
                job->run(job, snap, NULL);
            r = http_proto.on_job_done(ss->state, snap, job, session_job_status,
                                       &ss->reply);
            job->release(job);
        }
        if (r == PROTO_MORE) {
            if (ss->in.len >= http_proto.max_request) {
                r = http_proto.on_limit(ss->state, snap, &ss->reply);
                record(ss, r == PROTO_REPLY ? PROTO_REPLY_CLOSE : r);
            }
            return;
        }
        record(ss, r);
        if (ss->closed)
            return;
    }
}

/* Feeds req whole (mode 0), one byte at a time (mode 1), or in random
 * pieces of 1..17 bytes from the given seed (mode 2). */
static void session_run(struct session *ss, const char *req, size_t len,
                        int mode, unsigned seed)
{
    session_init(ss);
    size_t i = 0;
    while (i < len && !ss->closed) {
        size_t n = len - i;
        if (mode == 1)
            n = 1;
        else if (mode == 2) {
            seed = seed * 1103515245u + 12345u;
            size_t r = 1 + (seed >> 16) % 17;
            n = r < n ? r : n;
        }
        session_feed(ss, req + i, n);
        i += n;
    }
}

static const char *header(const char *head, const char *name, char *out,
                          size_t size)
{
    size_t n = strlen(name);
    for (const char *p = head; p != NULL && *p; p = strstr(p, "\r\n")) {
        if (p != head)
            p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= size)
                len = size - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

/* ---- the cases -------------------------------------------------------- */

enum conn_after { KEEP, CLOSE };

struct http_case {
    const char *name; /* what the case is about */
    const char *request;
    int statuses[4]; /* expected replies in order, 0-terminated */
    enum conn_after after;
    const char *view;  /* the view whose body the last reply borrows */
    const char *has;   /* text every reply head contains, or NULL */
    const char *lacks; /* text no reply's bytes contain, or NULL */
};

#define H11 " HTTP/1.1\r\nHost: status.example.net\r\n"

static char long_url_req[4096];
static char long_head_req[12000];
static char etag_req[256], weak_etag_req[256], etag_list_req[256];

static const struct http_case cases[] = {
    /* Every pre-rendered route answers 200 with the view's bytes. */
    {"root",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     "Content-Type: text/html; charset=utf-8",
     NULL},
    {"status.txt",
     "GET /status.txt" H11 "\r\n",
     {200},
     KEEP,
     "http:/status.txt",
     "Content-Type: text/plain; charset=utf-8",
     NULL},
    {"incident page",
     "GET /incidents/42" H11 "\r\n",
     {200},
     KEEP,
     "http:/incidents/42",
     NULL,
     NULL},
    {"incident text",
     "GET /incidents/42.txt" H11 "\r\n",
     {200},
     KEEP,
     "http:/incidents/42.txt",
     NULL,
     NULL},
    {"notice page",
     "GET /incidents/45" H11 "\r\n",
     {200},
     KEEP,
     "http:/incidents/45",
     NULL,
     NULL},
    {"summary.json",
     "GET /api/v2/summary.json" H11 "\r\n",
     {200},
     KEEP,
     "http:/api/v2/summary.json",
     "Content-Type: application/json",
     NULL},
    {"status.json",
     "GET /api/v2/status.json" H11 "\r\n",
     {200},
     KEEP,
     "http:/api/v2/status.json",
     NULL,
     NULL},
    {"components.json",
     "GET /api/v2/components.json" H11 "\r\n",
     {200},
     KEEP,
     "http:/api/v2/components.json",
     NULL,
     NULL},
    {"unresolved.json",
     "GET /api/v2/incidents/unresolved.json" H11 "\r\n",
     {200},
     KEEP,
     "http:/api/v2/incidents/unresolved.json",
     NULL,
     NULL},
    {"upcoming.json",
     "GET /api/v2/scheduled-maintenances/upcoming.json" H11 "\r\n",
     {200},
     KEEP,
     "http:/api/v2/scheduled-maintenances/upcoming.json",
     NULL,
     NULL},
    {"help", "GET /help" H11 "\r\n", {200}, KEEP, "http:/help", NULL, NULL},
    /* The query string does not take part in the lookup. */
    {"query stripped",
     "GET /status.txt?x=1&y=<2>" H11 "\r\n",
     {200},
     KEEP,
     "http:/status.txt",
     NULL,
     NULL},
    {"fragment stripped",
     "GET /#top" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    /* %-escapes are decoded before the lookup. */
    {"percent decoded",
     "GET /incidents/%34%32" H11 "\r\n",
     {200},
     KEEP,
     "http:/incidents/42",
     NULL,
     NULL},
    /* absolute-form, as a proxy would send it. */
    {"absolute form",
     "GET http://status.example.net/status.txt" H11 "\r\n",
     {200},
     KEEP,
     "http:/status.txt",
     NULL,
     NULL},
    {"absolute form, no path",
     "GET http://status.example.net" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    /* The reply head's fixed parts. */
    {"standard headers",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     "Server: outpost\r\n",
     NULL},
    {"date",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     "Date: Wed, 18 Nov 2026 11:06:40 GMT\r\n",
     NULL},
    {"last-modified",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     "Last-Modified: Wed, 18 Nov 2026 10:45:00 GMT\r\n",
     NULL},
    {"max-age",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     "Cache-Control: public, max-age=30\r\n",
     NULL},
    {"nosniff",
     "GET /status.txt" H11 "\r\n",
     {200},
     KEEP,
     NULL,
     "X-Content-Type-Options: nosniff\r\n",
     NULL},
    {"csp on html",
     "GET /incidents/66" H11 "\r\n",
     {200},
     KEEP,
     NULL,
     "Content-Security-Policy: default-src 'none';",
     NULL},
    {"no csp on json",
     "GET /api/v2/status.json" H11 "\r\n",
     {200},
     KEEP,
     NULL,
     NULL,
     "Content-Security-Policy"},
    /* HEAD: the GET's headers, no body. */
    {"head",
     "HEAD /status.txt" H11 "\r\n",
     {200},
     KEEP,
     NULL,
     "Content-Type: text/plain",
     NULL},
    /* Unknown paths: 404 with a fixed body that never echoes the path. */
    {"404",
     "GET /nope" H11 "\r\n",
     {404},
     KEEP,
     NULL,
     "Content-Type: text/plain; charset=utf-8",
     NULL},
    {"404 no echo",
     "GET /%3Cscript%3Ealert(1)%3C/script%3E" H11 "\r\n",
     {404},
     KEEP,
     NULL,
     NULL,
     "script"},
    {"404 unknown incident",
     "GET /incidents/999" H11 "\r\n",
     {404},
     KEEP,
     NULL,
     NULL,
     NULL},
    {"404 control byte",
     "GET /incidents/%0a42" H11 "\r\n",
     {404},
     KEEP,
     NULL,
     NULL,
     NULL},
    {"404 trailing slash",
     "GET /incidents/42/" H11 "\r\n",
     {404},
     KEEP,
     NULL,
     NULL,
     NULL},
    /* Other methods: 405 with Allow on known paths, 404 elsewhere. The
     * body of a refused POST is read and skipped, keeping the connection
     * usable. */
    {"405 post",
     "POST /" H11 "Content-Length: 3\r\n\r\nabc",
     {405},
     KEEP,
     NULL,
     "Allow: GET, HEAD\r\n",
     NULL},
    {"405 delete",
     "DELETE /status.txt" H11 "\r\n",
     {405},
     KEEP,
     NULL,
     "Allow: GET, HEAD\r\n",
     NULL},
    {"404 put unknown",
     "PUT /nope" H11 "Content-Length: 0\r\n\r\n",
     {404},
     KEEP,
     NULL,
     NULL,
     NULL},
    /* GET bodies are discarded, the next request still parses. */
    {"get with body",
     "GET /status.txt" H11 "Content-Length: 5\r\n\r\nhello"
     "GET /" H11 "\r\n",
     {200, 200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    {"chunked get body",
     "GET /status.txt" H11 "Transfer-Encoding: chunked\r\n\r\n"
     "5\r\nhello\r\n0\r\n\r\n",
     {200},
     KEEP,
     "http:/status.txt",
     NULL,
     NULL},
    /* Keep-alive rules (RFC 9112 §9.3). */
    {"1.1 keeps",
     "GET /" H11 "\r\n",
     {200},
     KEEP,
     NULL,
     "Connection: keep-alive\r\n",
     NULL},
    {"1.1 close",
     "GET /" H11 "Connection: close\r\n\r\n",
     {200},
     CLOSE,
     "http:/",
     "Connection: close\r\n",
     NULL},
    {"1.0 closes",
     "GET / HTTP/1.0\r\n\r\n",
     {200},
     CLOSE,
     "http:/",
     "Connection: close\r\n",
     NULL},
    {"1.0 keep-alive",
     "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
     {200},
     KEEP,
     "http:/",
     "Connection: keep-alive\r\n",
     NULL},
    {"upgrade ignored, then close",
     "GET /" H11 "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI junk",
     {200},
     CLOSE,
     "http:/",
     "Connection: close\r\n",
     NULL},
    /* Pipelining: answered in order; a close ends the pipeline. */
    {"pipeline",
     "GET /status.txt" H11 "\r\nGET /" H11 "\r\n",
     {200, 200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    {"pipeline of three",
     "GET /status.txt" H11 "\r\nHEAD /nope" H11 "\r\nGET /" H11 "\r\n",
     {200, 404, 200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    {"pipeline stops at close",
     "GET /status.txt" H11 "Connection: close\r\n\r\nGET /" H11 "\r\n",
     {200},
     CLOSE,
     "http:/status.txt",
     NULL,
     NULL},
    {"pipeline stops at 400",
     "GET /" H11 "\r\nBAD\r\n\r\nGET /" H11 "\r\n",
     {200, 400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    /* Blank lines before a request are tolerated (RFC 9112 §2.2). */
    {"leading blank lines",
     "\r\n\r\nGET /" H11 "\r\n",
     {200},
     KEEP,
     "http:/",
     NULL,
     NULL},
    /* Malformed input: 400 and close. */
    {"garbage",
     "HELLO\r\n\r\n",
     {400},
     CLOSE,
     NULL,
     "Connection: close\r\n",
     NULL},
    {"tls hello",
     "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"lower-case method", "get /" H11 "\r\n", {400}, CLOSE, NULL, NULL, NULL},
    {"target not a path",
     "GET status.txt" H11 "\r\n",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"bad percent escape",
     "GET /incidents/%4" H11 "\r\n",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"control byte in header",
     "GET /" H11 "X-A: a\x01b\r\n\r\n",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"bad content-length",
     "GET /" H11 "Content-Length: x\r\n\r\n",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"two content-lengths",
     "POST /" H11 "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
     {400},
     CLOSE,
     NULL,
     NULL,
     NULL},
    /* Versions: 1.0 and 1.1 only. */
    {"http/2 preface",
     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
     {505},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"http/2.0 request line",
     "GET / HTTP/2.0\r\n\r\n",
     {505},
     CLOSE,
     NULL,
     NULL,
     NULL},
    {"http/1.2", "GET / HTTP/1.2\r\n\r\n", {505}, CLOSE, NULL, NULL, NULL},
    /* HTTP/0.9 has no version and no header section: refused as soon as
     * the request line ends, not at the read deadline (llhttp would wait
     * for header lines that never come). */
    {"http/0.9", "GET /\r\n\r\n", {400}, CLOSE, NULL, NULL, NULL},
    {"http/0.9 line alone", "GET /\r\n", {400}, CLOSE, NULL, NULL, NULL},
    {"http/0.9 bare LF", "GET /status.txt\n", {400}, CLOSE, NULL, NULL, NULL},
    /* Limits. */
    {"body over 64 KiB",
     "POST /" H11 "Content-Length: 65537\r\n\r\n",
     {413},
     CLOSE,
     NULL,
     NULL,
     NULL},
};

/* Cases built at run time (long inputs, the fixture's ETags). */
struct dyn_case {
    const char *name;
    const char *request;
    int status;
    enum conn_after after;
};

static void build_dynamic(void)
{
    /* A target of 3000 bytes: over the 2 KiB cap. */
    char *p = long_url_req;
    p += sprintf(p, "GET /");
    memset(p, 'a', 3000);
    p += 3000;
    sprintf(p, H11 "\r\n");

    /* 30 fields of 300 bytes: over the 8 KiB head cap. */
    p = long_head_req;
    p += sprintf(p, "GET /" H11);
    for (int i = 0; i < 30; i++) {
        p += sprintf(p, "X-Filler-%02d: ", i);
        memset(p, 'v', 300);
        p += 300;
        p += sprintf(p, "\r\n");
    }
    sprintf(p, "\r\n");

    const struct view *v = http_proto.view(snap, "http:/");
    snprintf(etag_req, sizeof(etag_req),
             "GET /" H11 "If-None-Match: %s\r\n\r\n", v->etag);
    snprintf(weak_etag_req, sizeof(weak_etag_req),
             "GET /" H11 "If-None-Match: W/%s\r\n\r\n", v->etag);
    snprintf(etag_list_req, sizeof(etag_list_req),
             "GET /" H11 "If-None-Match: \"nope\"\r\n"
             "If-None-Match: \"other\", %s\r\n\r\n",
             v->etag);
}

static const struct dyn_case dyn_cases[] = {
    {"414 long target", long_url_req, 414, CLOSE},
    {"431 long head", long_head_req, 431, CLOSE},
    /* If-None-Match with the current ETag: 304. */
    {"etag 304", etag_req, 304, KEEP},
    {"weak etag 304", weak_etag_req, 304, KEEP},
    {"etag list over two lines 304", etag_list_req, 304, KEEP},
    {"etag star 304", "GET /" H11 "If-None-Match: *\r\n\r\n", 304, KEEP},
    {"stale etag 200", "GET /" H11 "If-None-Match: \"0000\"\r\n\r\n", 200,
     KEEP},
    /* If-Modified-Since at or after the data's last change: 304. */
    {"ims 304",
     "GET /" H11 "If-Modified-Since: Wed, 18 Nov 2026 10:45:00 GMT\r\n\r\n",
     304, KEEP},
    {"ims older 200",
     "GET /" H11 "If-Modified-Since: Wed, 18 Nov 2026 10:44:59 GMT\r\n\r\n",
     200, KEEP},
    {"ims garbage 200", "GET /" H11 "If-Modified-Since: yesterday\r\n\r\n", 200,
     KEEP},
    /* If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3). */
    {"inm beats ims",
     "GET /" H11 "If-None-Match: \"0000\"\r\n"
     "If-Modified-Since: Wed, 18 Nov 2026 10:45:00 GMT\r\n\r\n",
     200, KEEP},
};

/* ---- tests ------------------------------------------------------------ */

static void check_case(const struct http_case *c, struct session *ss)
{
    int want = 0;
    while (want < 4 && c->statuses[want] != 0)
        want++;
    if (ss->n != want)
        printf("  case %s: %d replies, want %d\n", c->name, ss->n, want);
    CHECK_INT(ss->n, want);
    for (int i = 0; i < want && i < ss->n; i++) {
        struct recorded *r = &ss->replies[i];
        if (r->status != c->statuses[i])
            printf("  case %s: reply %d\n", c->name, i);
        CHECK_INT(r->status, c->statuses[i]);
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "HTTP/1.1 %d ", c->statuses[i]);
        CHECK(strncmp(r->head, tmp, strlen(tmp)) == 0);
        CHECK(strstr(r->head, "\r\n\r\n") == r->head + strlen(r->head) - 4);
        if (c->has != NULL && strstr(r->head, c->has) == NULL) {
            printf("  case %s: head lacks %s\n", c->name, c->has);
            CHECK(0);
        }
        /* Every reply says how long its body is, except a 304. */
        char cl[32];
        if (r->status != 304) {
            CHECK(header(r->head, "Content-Length", cl, sizeof(cl)) != NULL);
            /* (A HEAD reply has the length but no body.) */
            if (r->body != NULL)
                CHECK_INT(strtoul(cl, NULL, 10), r->body_len);
        }
        CHECK(r->status == 0 || r->body_len == 0 || r->body != NULL);
    }
    if (c->lacks != NULL)
        CHECK_LACKS(ss->transcript.data, ss->transcript.len, c->lacks);
    if (want > 0 && ss->n == want) {
        struct recorded *last = &ss->replies[want - 1];
        CHECK_INT(last->result,
                  c->after == CLOSE ? PROTO_REPLY_CLOSE : PROTO_REPLY);
        for (int i = 0; i + 1 < want; i++)
            CHECK_INT(ss->replies[i].result, PROTO_REPLY);
        if (c->view != NULL) {
            const struct view *v = http_proto.view(snap, c->view);
            CHECK(v != NULL);
            /* The body is the view's own bytes, borrowed, not copied. */
            if (v != NULL) {
                CHECK(last->body == v->body);
                CHECK_INT(last->body_len, v->len);
                char et[64];
                CHECK(header(last->head, "ETag", et, sizeof(et)) != NULL);
                CHECK_STR(et, v->etag);
            }
        }
    }
    /* A kept connection consumed every byte it was given. */
    if (!ss->closed)
        CHECK_INT(ss->consumed, ss->fed);
}

TEST(http_routes_and_errors)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct session ss;
        session_run(&ss, cases[i].request, strlen(cases[i].request), 0, 0);
        int before = test_failed_current;
        test_failed_current = 0;
        check_case(&cases[i], &ss);
        if (test_failed_current)
            printf("  ^ in case \"%s\"\n", cases[i].name);
        test_failed_current |= before;
        session_free(&ss);
    }
}

TEST(http_dynamic_cases)
{
    for (size_t i = 0; i < sizeof(dyn_cases) / sizeof(dyn_cases[0]); i++) {
        const struct dyn_case *c = &dyn_cases[i];
        struct session ss;
        session_run(&ss, c->request, strlen(c->request), 0, 0);
        int before = test_failed_current;
        test_failed_current = 0;
        CHECK_INT(ss.n, 1);
        if (ss.n == 1) {
            struct recorded *r = &ss.replies[0];
            CHECK_INT(r->status, c->status);
            CHECK_INT(r->result,
                      c->after == CLOSE ? PROTO_REPLY_CLOSE : PROTO_REPLY);
            if (c->status == 304) {
                /* Validators and caching fields, no body, no length. */
                CHECK(r->body == NULL && r->body_len == 0);
                CHECK(strstr(r->head, "Content-Length") == NULL);
                CHECK(strstr(r->head, "\r\nETag: \"") != NULL);
                CHECK(strstr(r->head, "\r\nCache-Control: ") != NULL);
            }
            if (c->status == 200)
                CHECK(r->body == http_proto.view(snap, "http:/")->body);
        }
        if (test_failed_current)
            printf("  ^ in case \"%s\"\n", c->name);
        test_failed_current |= before;
        session_free(&ss);
    }
}

/* The transcript (every reply byte) and the replies' results do not depend
 * on how the request bytes are split across reads. */
static void check_splits(const char *name, const char *req)
{
    size_t len = strlen(req);
    struct session whole;
    session_run(&whole, req, len, 0, 0);
    for (int mode = 1; mode <= 2; mode++) {
        for (unsigned seed = 1; seed <= (mode == 2 ? 6u : 1u); seed++) {
            struct session ss;
            session_run(&ss, req, len, mode, seed);
            bool same = ss.n == whole.n && ss.closed == whole.closed &&
                        ss.transcript.len == whole.transcript.len &&
                        (ss.transcript.len == 0 ||
                         memcmp(ss.transcript.data, whole.transcript.data,
                                ss.transcript.len) == 0);
            for (int i = 0; same && i < ss.n && i < MAX_REPLIES; i++)
                same = ss.replies[i].result == whole.replies[i].result &&
                       ss.replies[i].status == whole.replies[i].status;
            if (!same)
                printf("  split mode %d seed %u differs: \"%s\"\n", mode, seed,
                       name);
            CHECK(same);
            session_free(&ss);
        }
    }
    session_free(&whole);
}

TEST(http_any_split_same_replies)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_splits(cases[i].name, cases[i].request);
    for (size_t i = 0; i < sizeof(dyn_cases) / sizeof(dyn_cases[0]); i++)
        check_splits(dyn_cases[i].name, dyn_cases[i].request);
}

TEST(http_head_has_get_length)
{
    struct session get, head;
    const char *g = "GET /incidents/42" H11 "\r\n";
    const char *h = "HEAD /incidents/42" H11 "\r\n";
    session_run(&get, g, strlen(g), 0, 0);
    session_run(&head, h, strlen(h), 0, 0);
    CHECK_INT(get.n, 1);
    CHECK_INT(head.n, 1);
    if (get.n == 1 && head.n == 1) {
        char a[32], b[32];
        CHECK(header(get.replies[0].head, "Content-Length", a, sizeof(a)));
        CHECK(header(head.replies[0].head, "Content-Length", b, sizeof(b)));
        CHECK_STR(b, a);
        CHECK(head.replies[0].body == NULL);
        CHECK_INT(head.replies[0].body_len, 0);
        /* Same head apart from nothing: HEAD answers as GET would. */
        CHECK_STR(head.replies[0].head, get.replies[0].head);
    }
    /* HEAD of an error has no body either. */
    struct session e;
    const char *he = "HEAD /nope" H11 "\r\n";
    session_run(&e, he, strlen(he), 0, 0);
    CHECK_INT(e.n, 1);
    if (e.n == 1) {
        CHECK_INT(e.replies[0].status, 404);
        CHECK_INT(e.replies[0].body_len, 0);
        char cl[32];
        CHECK(header(e.replies[0].head, "Content-Length", cl, sizeof(cl)));
        CHECK_STR(cl, "29"); /* strlen("404 Not Found: no such page.\n") */
    }
    session_free(&get);
    session_free(&head);
    session_free(&e);
}

TEST(http_404_body_exact)
{
    struct session ss;
    const char *r = "GET /no/such/thing" H11 "\r\n";
    session_run(&ss, r, strlen(r), 0, 0);
    CHECK_INT(ss.n, 1);
    if (ss.n == 1 && ss.replies[0].body != NULL) {
        char body[64] = {0};
        memcpy(body, ss.replies[0].body,
               ss.replies[0].body_len < 63 ? ss.replies[0].body_len : 63);
        CHECK_STR(body, "404 Not Found: no such page.\n");
    } else {
        CHECK(0);
    }
    session_free(&ss);
}

/* Pipelined requests in one read: the first on_data call stops right after
 * the first request, and consumed says exactly where. */
TEST(http_pipeline_consumed)
{
    const char *a = "GET /status.txt" H11 "\r\n";
    const char *b = "GET /" H11 "\r\n";
    char both[512];
    snprintf(both, sizeof(both), "%s%s", a, b);
    char *state = calloc(1, http_proto.state_size);
    struct reply rp = {0};
    http_proto.init(state);
    size_t consumed = 99;
    enum proto_result r =
        http_proto.on_data(state, snap, both, strlen(both), &consumed, &rp);
    CHECK_INT(r, PROTO_REPLY);
    CHECK_INT(consumed, strlen(a));
    CHECK_INT(rp.status, 200);
    CHECK(rp.body == http_proto.view(snap, "http:/status.txt")->body);
    CHECK_STR(rp.log, "GET /status.txt HTTP/1.1");
    reply_reset(&rp);
    r = http_proto.on_data(state, snap, both + consumed,
                           strlen(both) - consumed, &consumed, &rp);
    CHECK_INT(r, PROTO_REPLY);
    CHECK_INT(consumed, strlen(b));
    CHECK(rp.body == http_proto.view(snap, "http:/")->body);
    reply_reset(&rp);
    /* Nothing left: wait for more. */
    r = http_proto.on_data(state, snap, NULL, 0, &consumed, &rp);
    CHECK_INT(r, PROTO_MORE);
    CHECK_INT(consumed, 0);
    http_proto.fini(state);

    /* After a reply that closes, whatever else arrives is not parsed. */
    memset(state, 0, http_proto.state_size);
    http_proto.init(state);
    const char *c = "GET / HTTP/1.0\r\n\r\n";
    r = http_proto.on_data(state, snap, c, strlen(c), &consumed, &rp);
    CHECK_INT(r, PROTO_REPLY_CLOSE);
    reply_reset(&rp);
    r = http_proto.on_data(state, snap, a, strlen(a), &consumed, &rp);
    CHECK_INT(r, PROTO_CLOSE);
    CHECK_INT(rp.head.len, 0);
    http_proto.fini(state);
    free(state);
    reply_free(&rp);
}

/* The log's request line is the combined format's: method, target and
 * version; Referer and User-Agent come with it, escaped as Apache httpd
 * escapes them (a quote in a field must not end it). */
TEST(http_log_line)
{
    struct session ss;
    const char *r = "GET /nope?a=%1b" H11 "Referer: http://x/\"q\"\r\n"
                    "User-Agent: a\"b\\c\x80\td\r\n\r\n";
    session_init(&ss);
    size_t consumed;
    enum proto_result res =
        http_proto.on_data(ss.state, snap, r, strlen(r), &consumed, &ss.reply);
    CHECK_INT(res, PROTO_REPLY);
    CHECK_STR(ss.reply.log, "GET /nope?a=%1b HTTP/1.1");
    CHECK_STR(ss.reply.log_referer, "http://x/\\\"q\\\"");
    CHECK_STR(ss.reply.log_agent, "a\\\"b\\\\c\\x80\\x09d");
    CHECK_INT(ss.reply.status, 404);
    session_free(&ss);

    /* With the log off, nothing is described. */
    session_init(&ss);
    ss.reply.no_log = true;
    res =
        http_proto.on_data(ss.state, snap, r, strlen(r), &consumed, &ss.reply);
    CHECK_INT(res, PROTO_REPLY);
    CHECK_STR(ss.reply.log, "");
    CHECK_STR(ss.reply.log_agent, "");
    CHECK_INT(ss.reply.status, 404);
    session_free(&ss);
}

/* An escape is never cut in half at the end of the room. */
TEST(http_log_escape_cut)
{
    char out[8];
    CHECK_INT(reply_log_escape(out, sizeof(out), "ab\x1b\"", 4), 6);
    CHECK_STR(out, "ab\\x1b");
    CHECK_INT(reply_log_escape(out, sizeof(out), "abcd\"", 5), 6);
    CHECK_STR(out, "abcd\\\"");
    CHECK_INT(reply_log_escape(out, sizeof(out), "abcde\n", 6), 5);
    CHECK_STR(out, "abcde");
}

TEST(http_timeout_eof_limit_busy)
{
    /* Half a request when the deadline passes: 408 and close. */
    char *state = calloc(1, http_proto.state_size);
    struct reply rp = {0};
    size_t consumed;
    http_proto.init(state);
    const char *part = "GET /status.txt HTTP/1.1\r\nHo";
    CHECK_INT(
        http_proto.on_data(state, snap, part, strlen(part), &consumed, &rp),
        PROTO_MORE);
    CHECK_INT(consumed, strlen(part));
    CHECK_INT(http_proto.on_timeout(state, snap, NULL, 0, &rp),
              PROTO_REPLY_CLOSE);
    CHECK_INT(rp.status, 408);
    CHECK(strncmp(rp.head.data, "HTTP/1.1 408 Request Timeout\r\n", 30) == 0);
    CHECK(strstr(rp.head.data, "Connection: close\r\n") != NULL);
    /* After a closing error nothing more is parsed. */
    reply_reset(&rp);
    CHECK_INT(http_proto.on_data(state, snap, "GET / HTTP/1.1\r\n\r\n", 18,
                                 &consumed, &rp),
              PROTO_CLOSE);
    http_proto.fini(state);

    /* Idle between requests: close quietly. */
    memset(state, 0, http_proto.state_size);
    http_proto.init(state);
    const char *full = "GET /" H11 "\r\n";
    reply_reset(&rp);
    CHECK_INT(
        http_proto.on_data(state, snap, full, strlen(full), &consumed, &rp),
        PROTO_REPLY);
    reply_reset(&rp);
    CHECK_INT(http_proto.on_timeout(state, snap, NULL, 0, &rp), PROTO_CLOSE);
    /* EOF anywhere: close, with nothing said (server/conn.c's reading of
     * a NULL on_eof). */
    CHECK(http_proto.on_eof == NULL);
    http_proto.fini(state);

    /* Over max_request without a complete head: 431. */
    memset(state, 0, http_proto.state_size);
    http_proto.init(state);
    reply_reset(&rp);
    CHECK_INT(
        http_proto.on_data(state, snap, part, strlen(part), &consumed, &rp),
        PROTO_MORE);
    CHECK_INT(http_proto.on_limit(state, snap, &rp), PROTO_REPLY_CLOSE);
    CHECK_INT(rp.status, 431);
    http_proto.fini(state);

    /* Too many connections: 503 with Retry-After. */
    reply_reset(&rp);
    http_proto.busy(snap, &rp);
    CHECK_INT(rp.status, 503);
    CHECK(strstr(rp.head.data, "HTTP/1.1 503 Service Unavailable\r\n") ==
          rp.head.data);
    CHECK(strstr(rp.head.data, "Retry-After: ") != NULL);
    CHECK(strstr(rp.head.data, "Connection: close\r\n") != NULL);
    CHECK(rp.body != NULL && rp.body_len > 0);

    free(state);
    reply_free(&rp);
}

/* A head padded with whitespace that llhttp skips without a callback is
 * still bounded. */
TEST(http_padded_head_bounded)
{
    static char req[40000];
    char *p = req;
    p += sprintf(p, "GET / HTTP/1.1\r\nX-Pad:");
    memset(p, ' ', 30000);
    p += 30000;
    sprintf(p, "x\r\n\r\n");
    struct session ss;
    /* In pieces, as reads would bring it. */
    session_init(&ss);
    for (size_t i = 0; i < strlen(req) && !ss.closed; i += 1024) {
        size_t n = strlen(req) - i < 1024 ? strlen(req) - i : 1024;
        session_feed(&ss, req + i, n);
    }
    CHECK_INT(ss.n, 1);
    if (ss.n == 1) {
        CHECK_INT(ss.replies[0].status, 431);
        CHECK_INT(ss.replies[0].result, PROTO_REPLY_CLOSE);
    }
    session_free(&ss);
}

/* A chunked body that grows past 64 KiB is refused with 413 once it does. */
TEST(http_chunked_body_cap)
{
    struct session ss;
    session_init(&ss);
    const char *h = "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n";
    session_feed(&ss, h, strlen(h));
    static char chunk[8200];
    int n = sprintf(chunk, "2000\r\n");
    memset(chunk + n, 'z', 0x2000);
    memcpy(chunk + n + 0x2000, "\r\n", 2);
    size_t clen = (size_t)n + 0x2000 + 2;
    for (int i = 0; i < 10 && !ss.closed; i++)
        session_feed(&ss, chunk, clen);
    CHECK_INT(ss.n, 1);
    if (ss.n == 1)
        CHECK_INT(ss.replies[0].status, 413);
    session_free(&ss);
}

TEST(http_prerender_views)
{
    const char *keys[] = {
        "http:/",
        "http:/status.txt",
        "http:/help",
        "http:/api/v2/summary.json",
        "http:/api/v2/status.json",
        "http:/api/v2/components.json",
        "http:/api/v2/incidents.json",
        "http:/api/v2/incidents/unresolved.json",
        "http:/api/v2/scheduled-maintenances.json",
        "http:/api/v2/scheduled-maintenances/upcoming.json",
        "http:/api/v2/scheduled-maintenances/active.json",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct view *v = http_proto.view(snap, keys[i]);
        CHECK(v != NULL);
        if (v == NULL) {
            printf("  missing view %s\n", keys[i]);
            continue;
        }
        CHECK(v->len > 0);
        CHECK(v->content_type != NULL);
    }
    /* Every post has its page and its text twin. */
    for (size_t k = 0; k < snap->n_incidents; k++) {
        char key[64];
        snprintf(key, sizeof(key), "http:/incidents/%lld",
                 (long long)snap->incidents[k].id);
        const struct view *v = http_proto.view(snap, key);
        CHECK(v != NULL);
        if (v != NULL)
            CHECK_STR(v->content_type, "text/html; charset=utf-8");
        strcat(key, ".txt");
        v = http_proto.view(snap, key);
        CHECK(v != NULL);
        if (v != NULL)
            CHECK_STR(v->content_type, "text/plain; charset=utf-8");
    }
    /* The text twins are text.c's renderings, byte for byte. */
    struct buf t = BUF_INIT;
    text_summary(&t, snap);
    const struct view *v = http_proto.view(snap, "http:/status.txt");
    CHECK(v != NULL && v->len == t.len && memcmp(v->body, t.data, t.len) == 0);
    buf_reset(&t);
    text_incident(&t, snap, snapshot_incident(snap, 42), true);
    v = http_proto.view(snap, "http:/incidents/42.txt");
    CHECK(v != NULL && v->len == t.len && memcmp(v->body, t.data, t.len) == 0);
    buf_free(&t);

    /* An empty store renders too. */
    struct snapshot *e = fixture_empty_snapshot();
    CHECK_INT(http_proto.prerender(e), 0);
    CHECK(http_proto.view(e, "http:/") != NULL);
    CHECK(http_proto.view(e, "http:/api/v2/summary.json") != NULL);
    snapshot_unref(e);
}

/* The pages added for the whole web surface: each is a pre-rendered view
 * with its own content type. */
TEST(http_pages_and_feeds)
{
    static const struct {
        const char *path;
        int status;
        const char *type; /* Content-Type, when 200 */
    } pages[] = {
        {"/services/dsl", 200, "text/html; charset=utf-8"},
        {"/services/imap", 200, "text/html; charset=utf-8"},
        {"/services/nope", 404, NULL}, /* unknown slug */
        {"/history", 200, "text/html; charset=utf-8"},
        {"/history/2026-11", 200, "text/html; charset=utf-8"},
        {"/history/2026-10", 200, "text/html; charset=utf-8"},
        {"/history/1999-01", 404, NULL}, /* a month without posts */
        {"/history.atom", 200, "application/atom+xml"},
        {"/history.rss", 200, "application/rss+xml"},
    };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        char req[256], ct[64];
        snprintf(req, sizeof(req), "GET %s" H11 "\r\n", pages[i].path);
        struct session ss;
        session_run(&ss, req, strlen(req), 0, 0);
        CHECK_INT(ss.n, 1);
        if (ss.n != 1) {
            session_free(&ss);
            continue;
        }
        if (ss.replies[0].status != pages[i].status)
            printf("  %s: %d\n", pages[i].path, ss.replies[0].status);
        CHECK_INT(ss.replies[0].status, pages[i].status);
        if (pages[i].type != NULL) {
            CHECK(header(ss.replies[0].head, "Content-Type", ct, sizeof(ct)) !=
                  NULL);
            CHECK_STR(ct, pages[i].type);
        }
        session_free(&ss);
        check_splits(pages[i].path, req);
    }
}

/* /search?q=: decoded, searched, echoed escaped; malformed input refused. */
TEST(http_search)
{
    static const struct {
        const char *target;
        int status;
        const char *has;   /* in the reply bytes */
        const char *lacks; /* not in the reply bytes */
    } cases[] = {
        /* '+' is a space; words match in any case */
        {"/search?q=DELAYED+mail", 200, "/incidents/42", NULL},
        /* %-escapes decode */
        {"/search?q=delayed%20mail", 200, "/incidents/42", NULL},
        /* the query is echoed into the form, escaped */
        {"/search?q=%22%3E%3Cscript%3E", 200,
         "value=\"&quot;&gt;&lt;script&gt;", "<script>"},
        /* no results */
        {"/search?q=zebra", 200, "No post matches", "/incidents/42\""},
        /* no query: just the form */
        {"/search", 200, "<form", "Results"},
        /* other parameters are ignored */
        {"/search?x=1&q=delayed&y=2", 200, "/incidents/42", NULL},
        /* a malformed escape is a bad request */
        {"/search?q=%zz", 400, NULL, NULL},
        /* a NUL byte is refused */
        {"/search?q=a%00b", 400, NULL, NULL},
        /* too many words: said plainly, nothing searched */
        {"/search?q=a+b+c+d+e+f+g+h+i", 200, "too long", "Results"},
        /* %2B is a literal '+', %26 a literal '&' (not a separator) */
        {"/search?q=a%2Bb%26c", 200, "value=\"a+b&amp;c\"", NULL},
        /* lower- and upper-case hex, UTF-8 bytes */
        {"/search?q=Z%c3%BCrich", 200, "value=\"Z\xc3\xbcrich\"", NULL},
        /* the hostile post is found by its words, its title escaped */
        {"/search?q=alert", 200, "<a href=\"/incidents/66\">", "<script>alert"},
        /* a single quote in the query stays inside the attribute */
        {"/search?q=%27+onfocus%3D%27x", 200, "value=\"&#39; onfocus=&#39;x\"",
         "onfocus='"},
        /* a fragment is not part of the query */
        {"/search?q=delayed#frag", 200, "value=\"delayed\"", "frag"},
        /* "q" without '=' and an empty q: the form alone */
        {"/search?q", 200, "<form", "Results"},
        {"/search?q=", 200, "<form", "Results"},
        /* blanks only: searched, nothing found */
        {"/search?q=+++", 200, "No post matches", NULL},
        /* a parameter that merely ends in q is not q */
        {"/search?qq=delayed", 200, "<form", "Results"},
        /* escapes cut short at the end */
        {"/search?q=abc%4", 400, NULL, NULL},
        {"/search?q=abc%", 400, NULL, NULL},
        /* the path itself may be escaped */
        {"/s%65arch?q=delayed", 200, "/incidents/42", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "GET %s" H11 "\r\n", cases[i].target);
        struct session ss;
        session_run(&ss, req, strlen(req), 0, 0);
        CHECK_INT(ss.n, 1);
        if (ss.n == 1 && ss.replies[0].status != cases[i].status)
            printf("  %s: %d\n", cases[i].target, ss.replies[0].status);
        CHECK(ss.n == 1 && ss.replies[0].status == cases[i].status);
        if (cases[i].has != NULL)
            CHECK_HAS(ss.transcript.data, ss.transcript.len, cases[i].has);
        if (cases[i].lacks != NULL)
            CHECK_LACKS(ss.transcript.data, ss.transcript.len, cases[i].lacks);
        session_free(&ss);
        check_splits(cases[i].target, req);
    }
    /* HEAD: the GET's length, no body; POST: 405. */
    struct session get, head, post;
    const char *g = "GET /search?q=mail" H11 "\r\n";
    const char *h = "HEAD /search?q=mail" H11 "\r\n";
    const char *p = "POST /search?q=mail" H11 "Content-Length: 0\r\n\r\n";
    session_run(&get, g, strlen(g), 0, 0);
    session_run(&head, h, strlen(h), 0, 0);
    session_run(&post, p, strlen(p), 0, 0);
    char l1[32], l2[32];
    CHECK(header(get.replies[0].head, "Content-Length", l1, sizeof(l1)) !=
          NULL);
    CHECK(header(head.replies[0].head, "Content-Length", l2, sizeof(l2)) !=
          NULL);
    CHECK_STR(l1, l2);
    CHECK_INT(head.transcript.len, strlen(head.replies[0].head));
    CHECK_INT(post.replies[0].status, 405);
    session_free(&get);
    session_free(&head);
    session_free(&post);
}

/* Inflates a gzip body with zlib; returns a malloc'd buffer. */
static char *gunzip(const char *p, size_t len, size_t *out_len)
{
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof(z));
    inflateInit2(&z, 15 + 16);
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)len;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

/* Accept-Encoding decides, per request, between the two bodies that were
 * made once for the snapshot. */
TEST(http_gzip_negotiation)
{
    static const struct {
        const char *ae; /* NULL: no header */
        bool gzip;
    } cases[] = {
        {NULL, false},                   /* no header: identity */
        {"gzip", true},                  /* plain */
        {"GZip", true},                  /* case-insensitive */
        {"x-gzip", true},                /* the old name */
        {"*", true},                     /* anything */
        {"deflate, br", false},          /* not offered */
        {"identity", false},             /* explicitly plain */
        {"gzip;q=0", false},             /* refused */
        {"gzip; q=0.000", false},        /* refused, long form */
        {"gzip;q=0.5", true},            /* a low preference still counts */
        {"br;q=1, gzip;q=0.1", true},    /* in a list */
        {"*;q=0", false},                /* nothing but identity */
        {"*;q=0, gzip", true},           /* the named coding wins over * */
        {"gzip;q=0, *", false},          /* ...also when it refuses */
        {"identity;q=1, *;q=0.5", true}, /* * alone decides */
        {"gzip;q=0.", false},            /* "0." is zero too */
        {"gzip;q=1.000", true},          /* the longest one */
        {"gzip;q=0.001", true},          /* the smallest non-zero */
        {"gzip ; q=0", false},           /* white space before ';' */
        {"gzip;level=9;q=0", false},     /* q after another parameter */
        {"gzip;qq=0", true},             /* not a q parameter */
        {"gzipper, xgzip", false},       /* tokens match whole */
        {" , ,gzip", true},              /* empty list members */
    };
    const struct view *v = http_proto.view(snap, "http:/");
    CHECK(v != NULL && v->gzip != NULL);
    for (size_t i = 0; v != NULL && i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[256], ce[32], vary[64], et[64];
        if (cases[i].ae != NULL)
            snprintf(req, sizeof(req),
                     "GET /" H11 "Accept-Encoding: %s\r\n\r\n", cases[i].ae);
        else
            snprintf(req, sizeof(req), "GET /" H11 "\r\n");
        struct session ss;
        session_run(&ss, req, strlen(req), 0, 0);
        CHECK(ss.n == 1 && ss.replies[0].status == 200);
        const char *head = ss.replies[0].head;
        bool gz = header(head, "Content-Encoding", ce, sizeof(ce)) != NULL;
        if (gz != cases[i].gzip)
            printf("  Accept-Encoding %s\n", cases[i].ae ? cases[i].ae : "-");
        CHECK(gz == cases[i].gzip);
        CHECK(header(head, "Vary", vary, sizeof(vary)) != NULL);
        header(head, "ETag", et, sizeof(et));
        if (gz) {
            CHECK_STR(ce, "gzip");
            CHECK(ss.replies[0].body == v->gzip); /* made once, borrowed */
            CHECK(strstr(et, "-gz\"") != NULL);
            size_t n;
            char *plain = gunzip(v->gzip, v->gzip_len, &n);
            CHECK(plain != NULL && n == v->len &&
                  memcmp(plain, v->body, n) == 0);
            free(plain);
        } else {
            CHECK(ss.replies[0].body == v->body);
            CHECK_STR(et, v->etag);
        }
        session_free(&ss);
    }
    /* Small views are not compressed at all. */
    const struct view *tiny = http_proto.view(snap, "http:/api/v2/status.json");
    CHECK(tiny != NULL && tiny->gzip == NULL);
}

/* A query of 257 bytes is refused as too long; 256 is searched. */
TEST(http_search_length)
{
    static char req[1024];
    for (int len = 256; len <= 257; len++) {
        char *p = req + sprintf(req, "GET /search?q=");
        memset(p, 'x', (size_t)len);
        p += len;
        sprintf(p, H11 "\r\n");
        struct session ss;
        session_run(&ss, req, strlen(req), 0, 0);
        CHECK(ss.n == 1 && ss.replies[0].status == 200);
        if (len == 256) {
            CHECK_HAS(ss.transcript.data, ss.transcript.len, "No post matches");
        } else {
            CHECK_HAS(ss.transcript.data, ss.transcript.len, "too long");
            /* and it is not echoed back */
            CHECK_LACKS(ss.transcript.data, ss.transcript.len, "xxxxxxxx");
        }
        session_free(&ss);
    }
}

/* The search page validates like a view: ETag (a hash of the bytes),
 * Last-Modified, and 304 for either validator, in any split. */
TEST(http_search_conditional)
{
    const char *g = "GET /search?q=mail" H11 "\r\n";
    struct session ss;
    session_run(&ss, g, strlen(g), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200);
    char et[64], lm[64], et2[64];
    CHECK(header(ss.replies[0].head, "ETag", et, sizeof(et)) != NULL);
    CHECK(header(ss.replies[0].head, "Last-Modified", lm, sizeof(lm)) != NULL);
    CHECK_STR(lm, "Wed, 18 Nov 2026 10:45:00 GMT");
    CHECK(header(ss.replies[0].head, "Vary", et2, sizeof(et2)) == NULL);
    CHECK(strlen(et) == 18 && et[0] == '"' && et[17] == '"');
    session_free(&ss);

    /* The same query again: the same ETag; another query: another. */
    session_run(&ss, g, strlen(g), 0, 0);
    header(ss.replies[0].head, "ETag", et2, sizeof(et2));
    CHECK_STR(et2, et);
    session_free(&ss);
    const char *other = "GET /search?q=dns" H11 "\r\n";
    session_run(&ss, other, strlen(other), 0, 0);
    header(ss.replies[0].head, "ETag", et2, sizeof(et2));
    CHECK(strcmp(et2, et) != 0);
    session_free(&ss);

    char req[256];
    snprintf(req, sizeof(req),
             "GET /search?q=mail" H11 "If-None-Match: %s\r\n\r\n", et);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 304);
    CHECK_INT(ss.transcript.len, strlen(ss.replies[0].head));
    CHECK(strstr(ss.replies[0].head, "Content-Length") == NULL);
    CHECK(strstr(ss.replies[0].head, et) != NULL);
    session_free(&ss);
    check_splits("search 304", req);

    const char *ims =
        "GET /search?q=mail" H11
        "If-Modified-Since: Wed, 18 Nov 2026 10:45:00 GMT\r\n\r\n";
    session_run(&ss, ims, strlen(ims), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 304);
    session_free(&ss);
    /* A 304 keeps the connection: a pipelined GET follows. */
    snprintf(req, sizeof(req),
             "GET /search?q=mail" H11
             "If-None-Match: %s\r\n\r\nGET /search?q=mail" H11 "\r\n",
             et);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 2 && ss.replies[0].status == 304 &&
          ss.replies[1].status == 200);
    session_free(&ss);
}

/* HEAD with gzip: the gzip variant's head (its length, its ETag), and no
 * body; the identity ETag does not validate the gzip variant. */
TEST(http_gzip_head_and_validators)
{
    const struct view *v = http_proto.view(snap, "http:/history.atom");
    CHECK(v != NULL && v->gzip != NULL);
    if (v == NULL || v->gzip == NULL)
        return;
    const char *h = "HEAD /history.atom" H11 "Accept-Encoding: gzip\r\n\r\n";
    struct session ss;
    session_run(&ss, h, strlen(h), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200);
    char cl[32], ce[32], et[64], want[64];
    CHECK(header(ss.replies[0].head, "Content-Length", cl, sizeof(cl)) != NULL);
    CHECK_INT(strtoul(cl, NULL, 10), v->gzip_len);
    CHECK(header(ss.replies[0].head, "Content-Encoding", ce, sizeof(ce)) !=
          NULL);
    CHECK_STR(ce, "gzip");
    header(ss.replies[0].head, "ETag", et, sizeof(et));
    snprintf(want, sizeof(want), "%.*s-gz\"", (int)strlen(v->etag) - 1,
             v->etag);
    CHECK_STR(et, want);
    CHECK(ss.replies[0].body == NULL);
    CHECK_INT(ss.transcript.len, strlen(ss.replies[0].head));
    session_free(&ss);
    check_splits("head gzip", h);

    /* The identity ETag, asked with gzip accepted: a 200 with the gzip
     * body, since that ETag names the other variant. */
    char req[256];
    snprintf(req, sizeof(req),
             "GET /history.atom" H11 "Accept-Encoding: gzip\r\n"
             "If-None-Match: %s\r\n\r\n",
             v->etag);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200 &&
          ss.replies[0].body == v->gzip);
    session_free(&ss);
    /* The gzip ETag: 304, which still says which variant it validates. */
    snprintf(req, sizeof(req),
             "GET /history.atom" H11 "Accept-Encoding: gzip\r\n"
             "If-None-Match: %s\r\n\r\n",
             want);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 304);
    CHECK(strstr(ss.replies[0].head, "Vary: Accept-Encoding\r\n") != NULL);
    session_free(&ss);
    /* ...but not for a client that does not take gzip. */
    snprintf(req, sizeof(req),
             "GET /history.atom" H11 "If-None-Match: %s\r\n\r\n", want);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200 &&
          ss.replies[0].body == v->body);
    session_free(&ss);
}

struct gz_walk {
    int http, gz;
};

static void check_gzip_view(const struct view *v, void *arg)
{
    struct gz_walk *w = arg;
    if (strncmp(v->key, "http:", 5) != 0) {
        CHECK(v->gzip == NULL); /* only HTTP has Content-Encoding */
        return;
    }
    w->http++;
    /* Pages and feeds are text: every one of them compresses. */
    if (v->len >= 512 && v->content_type != NULL &&
        (strncmp(v->content_type, "text/html", 9) == 0 ||
         strstr(v->content_type, "xml") != NULL))
        CHECK(v->gzip != NULL);
    if (v->len < 512)
        CHECK(v->gzip == NULL); /* tiny bodies are left alone */
    if (v->gzip == NULL)
        return;
    w->gz++;
    CHECK(v->gzip_len < v->len);
    size_t n = 0;
    char *plain = gunzip(v->gzip, v->gzip_len, &n);
    CHECK(plain != NULL && n == v->len && memcmp(plain, v->body, n) == 0);
    free(plain);
}

/* Every compressed view inflates back to its identity body. */
TEST(http_gzip_every_view)
{
    struct gz_walk w = {0, 0};
    CHECK_INT(http_proto.each_view(snap, check_gzip_view, &w), 0);
    CHECK(w.http > 30);
    CHECK(w.gz > 20);
    /* The feeds come compressed to a client that asks. */
    const char *r = "GET /history.rss" H11 "Accept-Encoding: gzip\r\n\r\n";
    struct session ss;
    session_run(&ss, r, strlen(r), 2, 7);
    const struct view *v = http_proto.view(snap, "http:/history.rss");
    CHECK(ss.n == 1 && v != NULL && ss.replies[0].body == v->gzip);
    session_free(&ss);
}

/* A snapshot of n incidents titled "Outage K at the ring", K = 0..n-1,
 * one a day back from the fixture's clock, from a store in memory. */
static struct snapshot *many_posts(int n)
{
    struct store *st = NULL;
    char err[256];
    struct snapshot *s = NULL;
    if (store_open(":memory:", &st, err, sizeof(err)) != 0)
        return NULL;
    for (int i = 0; i < n; i++) {
        char title[64];
        snprintf(title, sizeof(title), "Outage %d at the ring", i);
        const char *none[] = {NULL};
        struct post_input in = {.kind = KIND_INCIDENT,
                                .title = title,
                                .status = STATUS_INVESTIGATING,
                                .impact = IMPACT_MINOR,
                                .services = none,
                                .body = "Looking.",
                                .at = 1795000000 - 86400 * (n - i)};
        int64_t id;
        if (store_post_open(st, &in, &id) != 0)
            break;
    }
    if (store_load(st, 1795000000, &s) != 0)
        s = NULL;
    store_close(st);
    return s;
}

/* Pages of a search: 100 a page, newest first, linked both ways; the
 * first page says that there is more; a page past the end says so; a
 * page number that is not 1..10000 is a 400. Each page validates on its
 * own. */
TEST(http_search_pages)
{
    struct snapshot *fixture = snap;
    snap = many_posts(230);
    REQUIRE(snap != NULL && snap->n_incidents == 230);
    struct session ss;
    static const struct {
        const char *target;
        int lis; /* posts listed */
        const char *has, *has2, *lacks;
    } cases[] = {
        {"/search?q=outage", 100, "The 100 newest matches",
         "<a href=\"/search?q=outage&amp;page=2\" rel=\"next\">Older matches",
         "rel=\"prev\""},
        {"/search?q=outage&page=1", 100, "The 100 newest matches",
         "&amp;page=2\"", "rel=\"prev\""},
        {"/search?page=2&q=OUTAGE", 100, "Older matches: 101 to 200.",
         "<a href=\"/search?q=OUTAGE\" rel=\"prev\">&larr; Newer matches</a>"
         " | <a href=\"/search?q=OUTAGE&amp;page=3\" rel=\"next\">",
         "The 100 newest"},
        {"/search?q=outage&page=3", 30, "Older matches: 201 to 230.",
         "href=\"/search?q=outage&amp;page=2\" rel=\"prev\"", "rel=\"next\""},
        {"/search?q=outage&page=4", 0, "There are no more matches.",
         "page=3\" rel=\"prev\"", "rel=\"next\""},
        /* Words with spaces and bytes to escape, in the links too. */
        {"/search?q=at+the%20ring&page=2", 100, "Older matches: 101 to 200.",
         "/search?q=at%20the%20ring&amp;page=3", NULL},
        {"/search?q=Outage+12", 13, "/incidents/", NULL, "pager"},
        {"/search?q=Outage+229", 1, "Outage 229 at the ring", NULL, "pager"},
    };
    char et[SNAPSHOT_ETAG_MAX + 8], prev[SNAPSHOT_ETAG_MAX + 8] = "";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[256];
        snprintf(req, sizeof(req), "GET %s" H11 "\r\n", cases[i].target);
        session_run(&ss, req, strlen(req), 0, 0);
        CHECK(ss.n == 1 && ss.replies[0].status == 200);
        const char *t = ss.transcript.data;
        size_t n = ss.transcript.len;
        int lis = 0;
        for (const char *p = t; p != NULL && p < t + n; lis++) {
            p = strstr(p, "<li><a href=\"/incidents/");
            if (p == NULL)
                break;
            p++;
        }
        if (lis != cases[i].lis)
            printf("  %s: %d posts listed, want %d\n", cases[i].target, lis,
                   cases[i].lis);
        CHECK_INT(lis, cases[i].lis);
        CHECK_HAS(t, n, cases[i].has);
        if (cases[i].has2 != NULL)
            CHECK_HAS(t, n, cases[i].has2);
        if (cases[i].lacks != NULL)
            CHECK_LACKS(t, n, cases[i].lacks);
        /* Newest first across the pages: page 2 starts below page 1. */
        if (strcmp(cases[i].target, "/search?page=2&q=OUTAGE") == 0)
            CHECK_HAS(t, n, ">Outage 129 at the ring<");
        header(ss.replies[0].head, "ETag", et, sizeof(et));
        CHECK(strcmp(et, prev) != 0 || i == 1);
        snprintf(prev, sizeof(prev), "%s", et);
        session_free(&ss);
    }
    /* A later page validates like the first. */
    const char *p2 = "GET /search?q=outage&page=2" H11 "\r\n";
    session_run(&ss, p2, strlen(p2), 0, 0);
    header(ss.replies[0].head, "ETag", et, sizeof(et));
    session_free(&ss);
    char req[256];
    snprintf(req, sizeof(req),
             "GET /search?q=outage&page=2" H11 "If-None-Match: %s\r\n\r\n", et);
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 304);
    session_free(&ss);
    static const char *const bad[] = {
        "/search?q=outage&page=0",
        "/search?q=outage&page=10001",
        "/search?q=outage&page=-1",
        "/search?q=outage&page=2x",
        "/search?q=outage&page=%32%zz",
        "/search?q=outage&page=99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(req, sizeof(req), "GET %s" H11 "\r\n", bad[i]);
        session_run(&ss, req, strlen(req), 0, 0);
        if (ss.n != 1 || ss.replies[0].status != 400)
            printf("  %s: not a 400\n", bad[i]);
        CHECK(ss.n == 1 && ss.replies[0].status == 400);
        session_free(&ss);
    }
    /* The last page there is, 10000, is answered (empty). */
    const char *last = "GET /search?q=outage&page=10000" H11 "\r\n";
    session_run(&ss, last, strlen(last), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200);
    CHECK_HAS(ss.transcript.data, ss.transcript.len,
              "There are no more matches.");
    session_free(&ss);
    /* The form with no words ignores the page. */
    const char *form = "GET /search?page=3" H11 "\r\n";
    session_run(&ss, form, strlen(form), 0, 0);
    CHECK(ss.n == 1 && ss.replies[0].status == 200);
    CHECK_LACKS(ss.transcript.data, ss.transcript.len, "Results");
    session_free(&ss);
    snapshot_unref(snap);
    snap = fixture;
}

/* When the searches are at their caps (conn.c calls on_job_done with
 * UV_EBUSY), the search is a 503 with Retry-After, on a connection kept
 * alive if the request asked so, and a pipelined request after it is
 * answered as usual. */
TEST(http_search_busy)
{
    session_job_status = UV_EBUSY;
    const char *req = "GET /search?q=mail" H11 "\r\nGET /status.txt" H11
                      "\r\nHEAD /search?q=mail HTTP/1.1\r\n"
                      "Connection: close\r\n\r\n";
    struct session ss;
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK_INT(ss.n, 3);
    CHECK_INT(ss.replies[0].status, 503);
    CHECK_INT(ss.replies[0].result, PROTO_REPLY);
    CHECK(strstr(ss.replies[0].head, "\r\nRetry-After: 1\r\n") != NULL);
    CHECK(strstr(ss.replies[0].head, "Connection: keep-alive") != NULL);
    CHECK_INT(ss.replies[1].status, 200);
    CHECK_INT(ss.replies[2].status, 503);
    CHECK_INT(ss.replies[2].result, PROTO_REPLY_CLOSE);
    CHECK_INT(ss.replies[2].body_len, 0); /* HEAD */
    CHECK(ss.closed);
    session_free(&ss);
    check_splits("search busy", req);
    session_job_status = UV_ECANCELED;
    session_run(&ss, req, strlen(req), 0, 0);
    CHECK(ss.n >= 1 && ss.replies[0].status == 503);
    session_free(&ss);
    session_job_status = 0;
}

int main(void)
{
    setenv("OUTPOST_NOW", "1795000000", 1);
    snap = fixture_snapshot();
    if (snap == NULL || http_proto.prerender(snap) != 0) {
        printf("cannot build the fixture\n0 passed, 1 failed\n");
        return 1;
    }
    build_dynamic();
    RUN(http_routes_and_errors);
    RUN(http_dynamic_cases);
    RUN(http_any_split_same_replies);
    RUN(http_head_has_get_length);
    RUN(http_404_body_exact);
    RUN(http_pipeline_consumed);
    RUN(http_log_line);
    RUN(http_log_escape_cut);
    RUN(http_timeout_eof_limit_busy);
    RUN(http_padded_head_bounded);
    RUN(http_chunked_body_cap);
    RUN(http_prerender_views);
    RUN(http_pages_and_feeds);
    RUN(http_search);
    RUN(http_gzip_negotiation);
    RUN(http_search_length);
    RUN(http_search_conditional);
    RUN(http_search_pages);
    RUN(http_search_busy);
    RUN(http_gzip_head_and_validators);
    RUN(http_gzip_every_view);
    snapshot_unref(snap);
    return test_report();
}
