/*
 * lineload: a load generator for line protocols that answer one request per
 * connection and then close: finger (RFC 1288) and Gopher (RFC 1436). It
 * keeps N connections in flight; each one connects, sends one request line
 * with CRLF, reads the reply until the server closes, checks the reply's
 * length, and is replaced by a new connection at once.
 *
 *   lineload -p PORT [-a ADDR] [-c CONNS] [-d SECONDS] [-n MAX]
 *            [-t TIMEOUT_MS] REQFILE
 *
 * REQFILE holds one request a line, as "LEN<TAB>LINE": LINE (without its
 * line end) is sent followed by CRLF, LEN is the reply's expected length in
 * bytes (-1: any). Connections take the requests in turn.
 *
 * It stops starting connections after SECONDS (or MAX requests), waits up to
 * TIMEOUT_MS for those in flight, and prints one line of key=value pairs:
 *
 *   requests=N errors=N timeouts=N wrong=N bytes=N seconds=S rps=R
 *   p50_us=N p99_us=N max_us=N
 *
 * A request's latency runs from connect() to the server's close, which for
 * these protocols is the whole exchange. "errors" counts refused or reset
 * connections, "timeouts" exchanges over TIMEOUT_MS, "wrong" replies whose
 * length differs from LEN. Exit status: 0, or 2 on bad usage.
 *
 * Plain epoll and non-blocking sockets, one thread: run it pinned to a core
 * of its own (taskset) so that it does not compete with the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum slot_state { SLOT_IDLE, SLOT_CONNECTING, SLOT_READING };

struct request {
    char *line; /* with CRLF */
    size_t len;
    long long want; /* expected reply length, -1 for any */
};

struct slot {
    int fd;
    enum slot_state state;
    uint64_t start_ns;
    size_t req;
    unsigned long long got;
};

struct run {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct request *reqs;
    size_t nreqs, next_req;
    struct slot *slots;
    int nslots, active, ep;
    uint64_t deadline_ns, timeout_ns;
    unsigned long long max, started;
    unsigned long long done, errors, timeouts, wrong, bytes;
    uint32_t *lat; /* microseconds, one per completed request */
    size_t nlat, caplat;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "lineload: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void usage(void)
{
    fprintf(stderr, "usage: lineload -p PORT [-a ADDR] [-c CONNS] "
                    "[-d SECONDS] [-n MAX] [-t TIMEOUT_MS] REQFILE\n");
    exit(2);
}

/* Reads REQFILE: "LEN<TAB>LINE" a line. */
static void load_requests(struct run *r, const char *path)
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
        char *tab = strchr(buf, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        if (r->nreqs == alloc) {
            alloc = alloc ? alloc * 2 : 16;
            r->reqs = realloc(r->reqs, alloc * sizeof *r->reqs);
            if (r->reqs == NULL)
                die("realloc");
        }
        struct request *q = &r->reqs[r->nreqs++];
        size_t ll = strlen(tab + 1);
        q->line = malloc(ll + 3);
        if (q->line == NULL)
            die("malloc");
        memcpy(q->line, tab + 1, ll);
        memcpy(q->line + ll, "\r\n", 3);
        q->len = ll + 2;
        q->want = strtoll(buf, NULL, 10);
    }
    free(buf);
    fclose(f);
    if (r->nreqs == 0) {
        fprintf(stderr, "lineload: %s holds no request\n", path);
        exit(2);
    }
}

static void record_latency(struct run *r, uint64_t ns)
{
    if (r->nlat == r->caplat) {
        r->caplat = r->caplat ? r->caplat * 2 : 65536;
        r->lat = realloc(r->lat, r->caplat * sizeof *r->lat);
        if (r->lat == NULL)
            die("realloc");
    }
    uint64_t us = ns / 1000;
    r->lat[r->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
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

static void slot_send(struct run *r, struct slot *s);

/* Opens the slot's next connection, unless the run is over. */
static void slot_start(struct run *r, struct slot *s)
{
    for (;;) {
        if (now_ns() >= r->deadline_ns || (r->max && r->started >= r->max))
            return;
        int fd = socket(r->addr.ss_family,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        s->fd = fd;
        s->req = r->next_req;
        r->next_req = (r->next_req + 1) % r->nreqs;
        s->got = 0;
        s->start_ns = now_ns();
        s->state = SLOT_CONNECTING;
        r->active++;
        r->started++;
        struct epoll_event ev = {.events = EPOLLOUT,
                                 .data.u32 = (uint32_t)(s - r->slots)};
        if (connect(fd, (struct sockaddr *)&r->addr, r->addrlen) == 0) {
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
        r->errors++;
        slot_close(r, s);
        /* A refused connection is retried at once; the deadline bounds it. */
    }
}

static void slot_fail(struct run *r, struct slot *s)
{
    r->errors++;
    slot_close(r, s);
    slot_start(r, s);
}

/* The request line is a few bytes: one write on a fresh socket takes it. */
static void slot_send(struct run *r, struct slot *s)
{
    const struct request *q = &r->reqs[s->req];
    ssize_t n = send(s->fd, q->line, q->len, MSG_NOSIGNAL);
    if (n != (ssize_t)q->len) {
        slot_fail(r, s);
        return;
    }
    s->state = SLOT_READING;
}

static void slot_event(struct run *r, struct slot *s, uint32_t events)
{
    if (s->state == SLOT_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
            err != 0) {
            slot_fail(r, s);
            return;
        }
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u32 = (uint32_t)(s - r->slots)};
        if (epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
            die("epoll_ctl");
        slot_send(r, s);
        return;
    }
    if (s->state != SLOT_READING)
        return;
    static char sink[65536];
    for (;;) {
        ssize_t n = read(s->fd, sink, sizeof sink);
        if (n > 0) {
            s->got += (unsigned long long)n;
            r->bytes += (unsigned long long)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            slot_fail(r, s);
            return;
        }
        break; /* the server closed: the reply is complete */
    }
    long long want = r->reqs[s->req].want;
    if (want >= 0 && s->got != (unsigned long long)want)
        r->wrong++;
    r->done++;
    record_latency(r, now_ns() - s->start_ns);
    slot_close(r, s);
    slot_start(r, s);
}

static void expire(struct run *r, uint64_t now)
{
    for (int i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (s->state != SLOT_IDLE && now - s->start_ns > r->timeout_ns) {
            r->timeouts++;
            slot_close(r, s);
            slot_start(r, s);
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted latencies. */
static uint32_t percentile(const struct run *r, unsigned p)
{
    if (r->nlat == 0)
        return 0;
    size_t rank = (r->nlat * p + 99) / 100;
    return r->lat[rank ? rank - 1 : 0];
}

static void parse_addr(struct run *r, const char *host, int port)
{
    memset(&r->addr, 0, sizeof r->addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&r->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&r->addr;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        r->addrlen = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        r->addrlen = sizeof *a6;
    } else {
        fprintf(stderr, "lineload: %s is not an IP address\n", host);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    struct run r = {0};
    const char *host = "127.0.0.1";
    int port = 0, conns = 1, opt;
    double seconds = 5;
    long timeout_ms = 5000;
    while ((opt = getopt(argc, argv, "a:p:c:d:n:t:")) != -1) {
        switch (opt) {
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
        default:
            usage();
        }
    }
    if (optind + 1 != argc || port <= 0 || port > 65535 || conns <= 0 ||
        conns > 100000 || seconds <= 0 || seconds > 3600 || timeout_ms <= 0)
        usage();
    parse_addr(&r, host, port);
    load_requests(&r, argv[optind]);

    /* Each connection is one descriptor; make room for all of them. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur < (rlim_t)conns + 64) {
        rl.rlim_cur = (rlim_t)conns + 64;
        if (rl.rlim_max < rl.rlim_cur)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    r.nslots = conns;
    r.slots = calloc((size_t)conns, sizeof *r.slots);
    r.ep = epoll_create1(EPOLL_CLOEXEC);
    if (r.slots == NULL || r.ep < 0)
        die("setup");
    uint64_t t0 = now_ns();
    r.deadline_ns = t0 + (uint64_t)(seconds * 1e9);
    r.timeout_ns = (uint64_t)timeout_ms * 1000000u;
    for (int i = 0; i < conns; i++) {
        r.slots[i].fd = -1;
        slot_start(&r, &r.slots[i]);
    }

    struct epoll_event evs[256];
    uint64_t last_expire = t0;
    /* Bounded: no connection starts after the deadline, and every one in
     * flight is given up TIMEOUT_MS after it started. */
    while (r.active > 0) {
        int n = epoll_wait(r.ep, evs, 256, 50);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++)
            slot_event(&r, &r.slots[evs[i].data.u32], evs[i].events);
        uint64_t now = now_ns();
        if (now - last_expire >= 50000000u) {
            expire(&r, now);
            last_expire = now;
        }
    }
    double elapsed = (double)(now_ns() - t0) / 1e9;

    qsort(r.lat, r.nlat, sizeof *r.lat, cmp_u32);
    printf("requests=%llu errors=%llu timeouts=%llu wrong=%llu bytes=%llu "
           "seconds=%.3f rps=%.1f p50_us=%u p99_us=%u max_us=%u\n",
           r.done, r.errors, r.timeouts, r.wrong, r.bytes, elapsed,
           elapsed > 0 ? (double)r.done / elapsed : 0.0, percentile(&r, 50),
           percentile(&r, 99), r.nlat ? r.lat[r.nlat - 1] : 0);
    for (size_t i = 0; i < r.nreqs; i++)
        free(r.reqs[i].line);
    free(r.reqs);
    free(r.slots);
    free(r.lat);
    close(r.ep);
    return 0;
}
