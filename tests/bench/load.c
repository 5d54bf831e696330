/*
 * load: the benchmark's load generator, one thread and epoll, for the three
 * ways outpost is asked for something:
 *
 *   -m http    HTTP/1.1 keep-alive (RFC 9112): each connection sends one
 *              request, reads the whole response, sends the next one on the
 *              same connection (no pipelining)
 *   -m http10  HTTP/1.0, one request per connection: connect, send, read the
 *              response until the server closes
 *   -m line    finger (RFC 1288) and Gopher (RFC 1436): connect, send one
 *              line with CRLF, read until the server closes
 *
 *   load -m MODE -p PORT [-a ADDR] [-c CONNS] [-d SECONDS] [-n MAX]
 *        [-t TIMEOUT_MS] [-i INTERVAL_US] [-H HEADER]... REQFILE
 *
 * REQFILE holds one request a line, taken in turn by all connections:
 *   http, http10  "STATUS<TAB>LEN<TAB>TARGET": GET TARGET; the response must
 *                 carry status STATUS (0: any) and a body of LEN bytes (-1:
 *                 any length)
 *   line          "LEN<TAB>LINE": LINE is sent with CRLF, the reply must be
 *                 LEN bytes (-1: any)
 * -H adds a header line to every HTTP request (after Host).
 *
 * HTTP responses are parsed, not just counted: the status line, the header
 * block (at most 16 KiB), Content-Length (without it the body ends at the
 * close, RFC 9112 section 6.3), Transfer-Encoding (refused: outpost never
 * sends chunked coding) and Connection: close (honoured). A connection that
 * is not kept is replaced and counted in "reconnects". A response whose
 * status or body length differs from the expected one is counted as an
 * error of that kind, so a server that answers fast but wrongly does not
 * score.
 *
 * With -i each connection starts a request at most every INTERVAL_US
 * microseconds (a probe: -c 1 -i 2000 asks every 2 ms and its max_us is the
 * longest pause a client saw). Without it, each starts the next request as
 * soon as the last is answered.
 *
 * Every run is bounded: no request starts after SECONDS (or MAX requests,
 * or SIGINT/SIGTERM), each one in flight is given up TIMEOUT_MS after it
 * started, and whatever is still open SECONDS + TIMEOUT_MS + 1 s after the
 * start is closed. Only targets in 127.0.0.0/8 are accepted: this is a
 * benchmark tool, not a way to load somebody else's server.
 *
 * Output, one line of key=value pairs on stdout:
 *   requests=N errors=N connect=N io=N eof=N timeout=N status=N length=N
 *   parse=N reconnects=N bytes=N seconds=S cpu_s=S rps=R p50_us=N p90_us=N
 *   p99_us=N max_us=N
 * "requests" counts complete responses (right or wrong); rps is requests a
 * second; "errors" is the sum of the kinds: connect (refused, unreachable),
 * io (a read or write error: reset), eof (the server closed before the whole
 * response), timeout, status, length, parse. Latency runs from the request's
 * write (keep-alive) or connect() (one request per connection) to its last
 * byte (keep-alive) or the server's close, over complete responses (the
 * first request of a keep-alive connection counts from connect()); the
 * percentiles come from a log-linear histogram within 1.6 %, max is exact.
 * cpu_s is the loader's own CPU time (user and system): close to seconds,
 * the loader rather than the server set the pace.
 * Exit status: 0 after a run, 2 on bad usage or a refused target.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_HTTP, MODE_HTTP10, MODE_LINE };

enum slot_state {
    SLOT_IDLE,       /* no connection */
    SLOT_CONNECTING, /* connect() in progress */
    SLOT_READING,    /* request sent, reading the response */
    SLOT_KEPT,       /* keep-alive, between requests */
};

enum err_kind {
    ERR_CONNECT,
    ERR_IO,
    ERR_EOF,
    ERR_TIMEOUT,
    ERR_STATUS,
    ERR_LENGTH,
    ERR_PARSE,
    ERR_KINDS
};

static const char *const err_names[ERR_KINDS] = {
    "connect", "io", "eof", "timeout", "status", "length", "parse"};

#define HEAD_MAX 16384

struct request {
    char *bytes; /* what is sent */
    size_t len;
    int status;     /* expected HTTP status, 0 for any */
    long long want; /* expected body (or reply) length, -1 for any */
};

struct slot {
    int fd;
    enum slot_state state;
    uint64_t start_ns; /* of the request in flight, or of the last one */
    size_t req;
    /* The response being read: the header block until it is whole, then
     * only counts. */
    char *head;
    size_t head_len;
    int head_done;
    int status;
    long long clen; /* Content-Length, -1 if none */
    int close_after;
    unsigned long long body; /* body bytes (line mode: reply bytes) */
};

/* Log-linear latency histogram: values below 128 us exact, then 64 buckets
 * for every power of two (each within 1/64 of its value) up to 2^32 us. */
#define HIST_SUB 64
#define HIST_BUCKETS (128 + 26 * HIST_SUB)

struct run {
    enum mode mode;
    struct sockaddr_in addr;
    struct request *reqs;
    size_t nreqs, next_req;
    struct slot *slots;
    int nslots, active, ep;
    uint64_t start_ns, deadline_ns, hard_ns, timeout_ns, interval_ns;
    unsigned long long max, started;
    int parked; /* a slot was set to wait for its interval */
    unsigned long long done, reconnects, bytes;
    unsigned long long errs[ERR_KINDS];
    unsigned long long hist[HIST_BUCKETS];
    uint64_t max_us;
};

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    stop_asked = 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "load: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: load -m http|http10|line -p PORT [-a ADDR] [-c CONNS] "
            "[-d SECONDS] [-n MAX] [-t TIMEOUT_MS] [-i INTERVAL_US] "
            "[-H HEADER]... REQFILE\n");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("malloc");
    return p;
}

/* ----------------------------------------------------------- histogram */

static size_t hist_index(uint64_t us)
{
    if (us < 128)
        return (size_t)us;
    if (us > UINT32_MAX)
        us = UINT32_MAX;
    int e = 63 - __builtin_clzll(us); /* 7..31 */
    int shift = e - 6;
    uint64_t m = us >> shift; /* 64..127 */
    return 128 + (size_t)(e - 7) * HIST_SUB + (size_t)(m - 64);
}

/* The largest value that falls in bucket i. */
static uint64_t hist_upper(size_t i)
{
    if (i < 128)
        return i;
    size_t e = (i - 128) / HIST_SUB + 7, m = (i - 128) % HIST_SUB + 64;
    int shift = (int)e - 6;
    return ((uint64_t)(m + 1) << shift) - 1;
}

static void record_latency(struct run *r, uint64_t ns)
{
    uint64_t us = ns / 1000;
    r->hist[hist_index(us)]++;
    if (us > r->max_us)
        r->max_us = us;
}

/* Nearest-rank percentile, as the upper end of its bucket (never above the
 * exact maximum). */
static uint64_t percentile(const struct run *r, unsigned p)
{
    unsigned long long n = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        n += r->hist[i];
    if (n == 0)
        return 0;
    unsigned long long rank = (n * p + 99) / 100, seen = 0;
    if (rank == 0)
        rank = 1;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += r->hist[i];
        if (seen >= rank) {
            uint64_t v = hist_upper(i);
            return v < r->max_us ? v : r->max_us;
        }
    }
    return r->max_us;
}

/* ------------------------------------------------------------ requests */

static char *fields(char *line, char **rest)
{
    char *tab = strchr(line, '\t');
    if (tab == NULL)
        return NULL;
    *tab = '\0';
    *rest = tab + 1;
    return line;
}

static void add_request(struct run *r, size_t *alloc, char *bytes, size_t len,
                        int status, long long want)
{
    if (r->nreqs == *alloc) {
        *alloc = *alloc ? *alloc * 2 : 16;
        r->reqs = realloc(r->reqs, *alloc * sizeof *r->reqs);
        if (r->reqs == NULL)
            die("realloc");
    }
    r->reqs[r->nreqs++] = (struct request){
        .bytes = bytes, .len = len, .status = status, .want = want};
}

/* Reads REQFILE and builds every request's bytes once. */
static void load_requests(struct run *r, const char *path, const char *host,
                          const char *headers)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(path);
    char *buf = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, f)) >= 0) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        char *rest, *first = fields(buf, &rest);
        if (first == NULL)
            continue;
        if (r->mode == MODE_LINE) {
            size_t ll = strlen(rest);
            char *b = xmalloc(ll + 3);
            memcpy(b, rest, ll);
            memcpy(b + ll, "\r\n", 3);
            add_request(r, &alloc, b, ll + 2, 0, strtoll(first, NULL, 10));
            continue;
        }
        char *target, *len = fields(rest, &target);
        if (len == NULL || target[0] == '\0') {
            fprintf(stderr, "load: %s: want STATUS<TAB>LEN<TAB>TARGET\n", path);
            exit(2);
        }
        const char *version = r->mode == MODE_HTTP ? "1.1" : "1.0";
        size_t sz = strlen(target) + strlen(host) + strlen(headers) + 64;
        char *b = xmalloc(sz);
        int bl = snprintf(b, sz, "GET %s HTTP/%s\r\nHost: %s\r\n%s\r\n", target,
                          version, host, headers);
        if (bl < 0 || (size_t)bl >= sz)
            die("snprintf");
        add_request(r, &alloc, b, (size_t)bl, atoi(first),
                    strtoll(len, NULL, 10));
    }
    free(buf);
    fclose(f);
    if (r->nreqs == 0) {
        fprintf(stderr, "load: %s holds no request\n", path);
        exit(2);
    }
}

/* --------------------------------------------------------------- slots */

static int over(const struct run *r, uint64_t now)
{
    return stop_asked || now >= r->deadline_ns ||
           (r->max && r->started >= r->max);
}

static void slot_close(struct run *r, struct slot *s)
{
    if (s->fd >= 0)
        close(s->fd); /* close() also removes it from the epoll set */
    s->fd = -1;
    if (s->state != SLOT_IDLE)
        r->active--;
    s->state = SLOT_IDLE;
}

static void slot_reset_response(struct slot *s)
{
    s->head_len = 0;
    s->head_done = 0;
    s->status = 0;
    s->clen = -1;
    s->close_after = 0;
    s->body = 0;
}

static void slot_send(struct run *r, struct slot *s);

static void slot_error(struct run *r, struct slot *s, enum err_kind k)
{
    r->errs[k]++;
    slot_close(r, s);
}

/* Opens a connection and starts the slot's next request, unless the run is
 * over or the slot must wait for its interval. */
static void slot_connect(struct run *r, struct slot *s)
{
    uint64_t now = now_ns();
    if (over(r, now))
        return;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    s->fd = fd;
    s->state = SLOT_CONNECTING;
    s->start_ns = now;
    r->active++;
    r->started++; /* a connection carries at least one request */
    struct epoll_event ev = {.events = EPOLLOUT,
                             .data.u32 = (uint32_t)(s - r->slots)};
    if (connect(fd, (struct sockaddr *)&r->addr, sizeof r->addr) == 0) {
        ev.events = EPOLLIN;
        if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            die("epoll_ctl");
        slot_send(r, s);
        return;
    }
    if (errno == EINPROGRESS) {
        if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            die("epoll_ctl");
        return;
    }
    slot_error(r, s, ERR_CONNECT);
}

/* The slot's next step once it is free: a new request, now or when its
 * interval has passed (the main loop calls slot_due for those). */
static void slot_next(struct run *r, struct slot *s)
{
    uint64_t now = now_ns();
    if (over(r, now)) {
        slot_close(r, s);
        return;
    }
    if (r->interval_ns && now < s->start_ns + r->interval_ns) {
        if (s->fd < 0) {
            /* One request per connection: wait without a connection. The
             * slot keeps start_ns, so sweep() knows when it is due. */
            s->state = SLOT_IDLE;
        } else {
            s->state = SLOT_KEPT;
        }
        r->parked = 1;
        return;
    }
    if (s->fd >= 0 && r->mode == MODE_HTTP) {
        s->start_ns = now;
        r->started++;
        slot_send(r, s);
    } else {
        slot_connect(r, s);
    }
}

/* A request is a few hundred bytes at most: one write on a connected socket
 * with an empty send buffer takes it whole. */
static void slot_send(struct run *r, struct slot *s)
{
    s->req = r->next_req;
    r->next_req = (r->next_req + 1) % r->nreqs;
    slot_reset_response(s);
    const struct request *q = &r->reqs[s->req];
    ssize_t n = send(s->fd, q->bytes, q->len, MSG_NOSIGNAL);
    if (n != (ssize_t)q->len) {
        slot_error(r, s, ERR_IO);
        return;
    }
    s->state = SLOT_READING;
}

/* The response is complete (or the server closed): judge it, record it and
 * go on. */
static void slot_done(struct run *r, struct slot *s)
{
    const struct request *q = &r->reqs[s->req];
    r->done++;
    record_latency(r, now_ns() - s->start_ns);
    if (r->mode != MODE_LINE && q->status && s->status != q->status)
        r->errs[ERR_STATUS]++;
    else if (q->want >= 0 && s->body != (unsigned long long)q->want)
        r->errs[ERR_LENGTH]++;
    if (r->mode == MODE_HTTP && !s->close_after) {
        s->state = SLOT_KEPT;
        slot_next(r, s);
        return;
    }
    if (r->mode == MODE_HTTP)
        r->reconnects++;
    slot_close(r, s);
    slot_next(r, s);
}

/* Case-insensitive header name match at the start of a header line. */
static const char *header_value(const char *line, const char *end,
                                const char *name)
{
    size_t nl = strlen(name);
    if ((size_t)(end - line) <= nl || strncasecmp(line, name, nl) != 0 ||
        line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    return v;
}

/* Does the comma-separated header value hold TOKEN (RFC 9110 section 7.6.1:
 * connection options are case-insensitive)? */
static int has_token(const char *v, const char *end, const char *token)
{
    size_t tl = strlen(token);
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *t = v;
        while (v < end && *v != ',' && *v != ' ' && *v != '\t')
            v++;
        if ((size_t)(v - t) == tl && strncasecmp(t, token, tl) == 0)
            return 1;
    }
    return 0;
}

/* Parses the whole header block in s->head (ending with CRLF CRLF at
 * head_end). Returns 0, or -1 if it is not a response we can frame. */
static int parse_head(struct run *r, struct slot *s, size_t head_end)
{
    const char *p = s->head, *end = s->head + head_end;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    /* "HTTP/1.x SSS" and then a space or the line end. */
    if (eol == NULL || eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
        (p[7] != '0' && p[7] != '1') || p[8] != ' ' || p[9] < '1' ||
        p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
        return -1;
    s->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    int http10 = p[7] == '0', keep = 0;
    for (p = eol + 1; p < end;) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            return -1;
        const char *le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        const char *v;
        if ((v = header_value(p, le, "Content-Length")) != NULL) {
            char *e;
            long long n = strtoll(v, &e, 10);
            if (e == v || n < 0 || (s->clen >= 0 && s->clen != n))
                return -1;
            s->clen = n;
        } else if (header_value(p, le, "Transfer-Encoding") != NULL) {
            return -1;
        } else if ((v = header_value(p, le, "Connection")) != NULL) {
            if (has_token(v, le, "close"))
                s->close_after = 1;
            if (has_token(v, le, "keep-alive"))
                keep = 1;
        }
        p = eol + 1;
    }
    /* An HTTP/1.0 response closes unless it says keep-alive (RFC 9112
     * section 9.3), and one without Content-Length ends at the close
     * (section 6.3): either way the connection is not kept. */
    if (r->mode == MODE_HTTP && ((http10 && !keep) || s->clen < 0))
        s->close_after = 1;
    return 0;
}

/* Adds n bytes of response (in buf) to the slot. Returns 1 when the
 * response is complete, 0 if more is needed, -1 on a parse error. */
static int http_feed(struct run *r, struct slot *s, const char *buf, size_t n)
{
    if (!s->head_done) {
        size_t room = HEAD_MAX - s->head_len, take = n < room ? n : room;
        memcpy(s->head + s->head_len, buf, take);
        size_t from = s->head_len > 3 ? s->head_len - 3 : 0;
        s->head_len += take;
        char *e = memmem(s->head + from, s->head_len - from, "\r\n\r\n", 4);
        if (e == NULL)
            return s->head_len == HEAD_MAX ? -1 : 0;
        size_t head_end = (size_t)(e - s->head) + 4;
        if (parse_head(r, s, head_end) < 0)
            return -1;
        s->head_done = 1;
        /* The bytes past the header block in this read are body. */
        s->body = (s->head_len - head_end) + (n - take);
    } else {
        s->body += n;
    }
    if (s->clen >= 0 && s->body > (unsigned long long)s->clen)
        return -1; /* more than announced: nothing was pipelined */
    if (r->mode == MODE_HTTP && s->clen >= 0 &&
        s->body == (unsigned long long)s->clen)
        return 1;
    return 0;
}

static void slot_readable(struct run *r, struct slot *s)
{
    static char sink[65536];
    for (;;) {
        ssize_t n = read(s->fd, sink, sizeof sink);
        if (n > 0) {
            r->bytes += (unsigned long long)n;
            if (r->mode == MODE_LINE) {
                s->body += (unsigned long long)n;
                continue;
            }
            int st = http_feed(r, s, sink, (size_t)n);
            if (st < 0) {
                slot_error(r, s, ERR_PARSE);
                slot_next(r, s);
                return;
            }
            if (st > 0) {
                slot_done(r, s);
                return;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            slot_error(r, s, ERR_IO);
            slot_next(r, s);
            return;
        }
        break; /* the server closed */
    }
    if (r->mode == MODE_LINE) {
        slot_done(r, s);
        return;
    }
    /* A close ends an HTTP response only if it has no Content-Length (or
     * has all of it, in HTTP/1.0 mode), and only after the header block. */
    if (s->head_done &&
        (s->clen < 0 || s->body == (unsigned long long)s->clen)) {
        s->close_after = 1;
        slot_done(r, s);
        return;
    }
    slot_error(r, s, ERR_EOF);
    slot_next(r, s);
}

static void slot_event(struct run *r, struct slot *s, uint32_t events)
{
    if (s->state == SLOT_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
            err != 0) {
            slot_error(r, s, ERR_CONNECT);
            slot_next(r, s);
            return;
        }
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u32 = (uint32_t)(s - r->slots)};
        if (epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
            die("epoll_ctl");
        slot_send(r, s);
        return;
    }
    if (s->state == SLOT_READING) {
        slot_readable(r, s);
        return;
    }
    if (s->state == SLOT_KEPT && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        /* The server closed (or sent something unasked) between requests:
         * a keep-alive connection it did not keep. Counted and replaced. */
        char c;
        ssize_t n = recv(s->fd, &c, 1, MSG_PEEK);
        if (n > 0) {
            slot_error(r, s, ERR_PARSE);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            r->reconnects++;
            slot_close(r, s);
        } else {
            return;
        }
        s->start_ns = 0; /* the next request is due at once */
        slot_next(r, s);
    }
}

/* Gives up requests over the timeout, starts those whose interval has
 * passed and reconnects slots whose connection failed (a millisecond later:
 * the retry delay after a refused connection). Returns the time the next
 * waiting slot is due, or 0 if none waits. */
static uint64_t sweep(struct run *r, uint64_t now)
{
    uint64_t next = 0;
    for (int i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (s->state == SLOT_CONNECTING || s->state == SLOT_READING) {
            if (now - s->start_ns > r->timeout_ns) {
                slot_error(r, s, ERR_TIMEOUT);
                slot_next(r, s);
            }
            continue;
        }
        if (over(r, now)) {
            slot_close(r, s);
            continue;
        }
        uint64_t due = now;
        if (r->interval_ns && now < s->start_ns + r->interval_ns) {
            due = s->start_ns + r->interval_ns;
        } else if (s->state == SLOT_KEPT) {
            s->start_ns = now;
            r->started++;
            slot_send(r, s);
        } else {
            slot_connect(r, s);
        }
        if (s->state == SLOT_IDLE || s->state == SLOT_KEPT) {
            if (due == now)
                due = now + 1000000u;
            if (next == 0 || due < next)
                next = due;
        }
    }
    return next;
}

/* Only the loopback network: 127.0.0.0/8. */
static void parse_addr(struct run *r, const char *host, int port)
{
    memset(&r->addr, 0, sizeof r->addr);
    if (inet_pton(AF_INET, host, &r->addr.sin_addr) != 1) {
        fprintf(stderr, "load: %s is not an IPv4 address\n", host);
        exit(2);
    }
    if ((ntohl(r->addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "load: %s is outside 127.0.0.0/8; load only loopback\n",
                host);
        exit(2);
    }
    r->addr.sin_family = AF_INET;
    r->addr.sin_port = htons((uint16_t)port);
}

int main(int argc, char **argv)
{
    struct run r = {0};
    const char *host = "127.0.0.1", *mode = NULL;
    int port = 0, conns = 1, opt;
    double seconds = 5;
    long timeout_ms = 5000, interval_us = 0;
    char headers[4096] = "";
    size_t hl = 0;
    while ((opt = getopt(argc, argv, "m:a:p:c:d:n:t:i:H:")) != -1) {
        switch (opt) {
        case 'm':
            mode = optarg;
            break;
        case 'a':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'c':
            conns = atoi(optarg);
            break;
        case 'd':
            seconds = atof(optarg);
            break;
        case 'n':
            r.max = strtoull(optarg, NULL, 10);
            break;
        case 't':
            timeout_ms = atol(optarg);
            break;
        case 'i':
            interval_us = atol(optarg);
            break;
        case 'H': {
            size_t l = strlen(optarg);
            if (hl + l + 3 > sizeof headers || strpbrk(optarg, "\r\n"))
                usage();
            memcpy(headers + hl, optarg, l);
            memcpy(headers + hl + l, "\r\n", 3);
            hl += l + 2;
            break;
        }
        default:
            usage();
        }
    }
    if (mode == NULL || optind + 1 != argc || port <= 0 || port > 65535 ||
        conns <= 0 || conns > 100000 || !(seconds > 0) || seconds > 3600 ||
        timeout_ms <= 0 || timeout_ms > 600000 || interval_us < 0)
        usage();
    if (strcmp(mode, "http") == 0)
        r.mode = MODE_HTTP;
    else if (strcmp(mode, "http10") == 0)
        r.mode = MODE_HTTP10;
    else if (strcmp(mode, "line") == 0)
        r.mode = MODE_LINE;
    else
        usage();
    parse_addr(&r, host, port);
    char hostport[64];
    snprintf(hostport, sizeof hostport, "%s:%d", host, port);
    load_requests(&r, argv[optind], hostport, headers);

    /* Each connection is one descriptor; make room for all of them. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur < (rlim_t)conns + 64) {
        rl.rlim_cur = (rlim_t)conns + 64;
        if (rl.rlim_max < rl.rlim_cur)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    r.nslots = conns;
    r.slots = calloc((size_t)conns, sizeof *r.slots);
    r.ep = epoll_create1(EPOLL_CLOEXEC);
    if (r.slots == NULL || r.ep < 0)
        die("setup");
    r.start_ns = now_ns();
    r.deadline_ns = r.start_ns + (uint64_t)(seconds * 1e9);
    r.timeout_ns = (uint64_t)timeout_ms * 1000000u;
    r.hard_ns = r.deadline_ns + r.timeout_ns + 1000000000u;
    r.interval_ns = (uint64_t)interval_us * 1000u;
    for (int i = 0; i < conns; i++) {
        r.slots[i].fd = -1;
        if (r.mode != MODE_LINE)
            r.slots[i].head = xmalloc(HEAD_MAX);
        slot_connect(&r, &r.slots[i]);
    }

    struct epoll_event evs[256];
    uint64_t last_sweep = r.start_ns, due = 0;
    /* Bounded: no request starts after the deadline, each in flight is
     * given up after the timeout, and at hard_ns everything is closed. */
    for (;;) {
        uint64_t now = now_ns();
        if (r.active == 0) {
            due = sweep(&r, now);
            if (r.active == 0 && due == 0)
                break;
        }
        if (now >= r.hard_ns) {
            for (int i = 0; i < conns; i++)
                if (r.slots[i].state != SLOT_IDLE)
                    slot_error(&r, &r.slots[i], ERR_TIMEOUT);
            break;
        }
        /* Wake for the next due slot, or every 20 ms for the timeouts. */
        uint64_t wake = last_sweep + 20000000u;
        if (r.parked)
            wake = now;
        else if (due && due < wake)
            wake = due;
        uint64_t wait = wake > now ? wake - now : 0;
        struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000u),
                              .tv_nsec = (long)(wait % 1000000000u)};
        int n = epoll_pwait2(r.ep, evs, 256, &ts, NULL);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++)
            slot_event(&r, &r.slots[evs[i].data.u32], evs[i].events);
        now = now_ns();
        if (r.parked || (due && now >= due) || now - last_sweep >= 20000000u ||
            stop_asked) {
            r.parked = 0;
            due = sweep(&r, now);
            last_sweep = now;
        }
        if (over(&r, now)) {
            /* Idle keep-alive connections have nothing more to do. */
            for (int i = 0; i < conns; i++)
                if (r.slots[i].state == SLOT_KEPT)
                    slot_close(&r, &r.slots[i]);
        }
    }
    double elapsed = (double)(now_ns() - r.start_ns) / 1e9;

    unsigned long long errors = 0;
    for (int k = 0; k < ERR_KINDS; k++)
        errors += r.errs[k];
    printf("requests=%llu errors=%llu", r.done, errors);
    for (int k = 0; k < ERR_KINDS; k++)
        printf(" %s=%llu", err_names[k], r.errs[k]);
    /* The loader's own CPU time: near `seconds`, the loader and not the
     * server was the bottleneck. */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf(" reconnects=%llu bytes=%llu seconds=%.3f cpu_s=%.3f rps=%.1f "
           "p50_us=%llu p90_us=%llu p99_us=%llu max_us=%llu\n",
           r.reconnects, r.bytes, elapsed, cpu,
           elapsed > 0 ? (double)r.done / elapsed : 0.0,
           (unsigned long long)percentile(&r, 50),
           (unsigned long long)percentile(&r, 90),
           (unsigned long long)percentile(&r, 99),
           (unsigned long long)r.max_us);
    for (size_t i = 0; i < r.nreqs; i++)
        free(r.reqs[i].bytes);
    for (int i = 0; i < conns; i++)
        free(r.slots[i].head);
    free(r.reqs);
    free(r.slots);
    close(r.ep);
    return 0;
}
