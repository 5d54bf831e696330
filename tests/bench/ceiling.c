/*
 * ceiling: the benchmark's reference server, the least a server can do to
 * send the same bytes as outpost: one thread, epoll, non-blocking sockets,
 * every reply read into memory at start and written as it is. What it
 * sustains on a machine is the ceiling that outpost (and its peers) are
 * measured against.
 *
 *   ceiling -m http|line -p PORT [-a ADDR] MAPFILE
 *
 * MAPFILE holds one reply a line, "KEY<TAB>FILE": FILE's bytes are sent,
 * whole and unchanged, to the request KEY.
 *   -m http  KEY is the request line ("GET / HTTP/1.1"); FILE is the whole
 *            response, status line and headers included. Requests are read
 *            up to the end of their header block (RFC 9112 section 2.1;
 *            no body is expected) and answered in order on the same
 *            connection, which stays open unless the request is HTTP/1.0
 *            or says "Connection: close". An unknown request gets a fixed
 *            404 response.
 *   -m line  finger (RFC 1288) and Gopher (RFC 1436): KEY is the request
 *            line without its line end; the reply is sent and the
 *            connection closed. An unknown line gets an empty reply.
 *
 * It listens on ADDR (default 127.0.0.1; only 127.0.0.0/8 is accepted) and
 * runs until SIGTERM or SIGINT, then exits with status 0. Exit status 2 on
 * bad usage or if it cannot listen.
 */
#include <arpa/inet.h>
#include <errno.h>
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
#include <unistd.h>

#define REQ_MAX 16384

struct reply {
    char *key;
    size_t key_len;
    char *bytes;
    size_t len;
};

struct conn {
    int fd;
    char in[REQ_MAX];
    size_t in_len;
    const char *out; /* reply being written */
    size_t out_len, out_off;
    int close_after; /* close once the reply is out */
    int polling_out; /* registered for EPOLLOUT, not EPOLLIN */
};

static struct reply *replies;
static size_t nreplies;
static int http_mode;
static volatile sig_atomic_t stop_asked;

static const char not_found[] = "HTTP/1.1 404 Not Found\r\n"
                                "Content-Length: 0\r\n"
                                "\r\n";

static void on_stop(int sig)
{
    stop_asked = 1;
}

static void die(const char *what)
{
    fprintf(stderr, "ceiling: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void usage(void)
{
    fprintf(stderr, "usage: ceiling -m http|line -p PORT [-a ADDR] MAPFILE\n");
    exit(2);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path);
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (b == NULL)
            die("malloc");
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        b = realloc(b, cap);
    }
    if (ferror(f))
        die(path);
    fclose(f);
    *len = n;
    return b;
}

static void load_map(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(path);
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *tab = strrchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        if (nreplies == alloc) {
            alloc = alloc ? alloc * 2 : 16;
            replies = realloc(replies, alloc * sizeof *replies);
            if (replies == NULL)
                die("realloc");
        }
        struct reply *r = &replies[nreplies++];
        r->key = strdup(line);
        if (r->key == NULL)
            die("strdup");
        r->key_len = strlen(line);
        r->bytes = read_file(tab + 1, &r->len);
    }
    free(line);
    fclose(f);
    if (nreplies == 0) {
        fprintf(stderr, "ceiling: %s holds no reply\n", path);
        exit(2);
    }
}

static const struct reply *lookup(const char *key, size_t len)
{
    for (size_t i = 0; i < nreplies; i++)
        if (replies[i].key_len == len && memcmp(replies[i].key, key, len) == 0)
            return &replies[i];
    return NULL;
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    free(c);
}

/* Writes what is left of the reply. Returns 1 when it is out, 0 if the
 * socket is full, -1 on an error. */
static int conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN ? 0 : -1;
    }
    c->out = NULL;
    return 1;
}

/* Does a header line of the block [p, end) say "Connection: close"? */
static int wants_close(const char *p, const char *end)
{
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) >= 11 && strncasecmp(p, "Connection:", 11) == 0)
            for (const char *v = p + 11; v + 5 <= eol; v++)
                if (strncasecmp(v, "close", 5) == 0)
                    return 1;
        p = eol + 1;
    }
    return 0;
}

/* Takes the next whole request from the input, if there is one, and sets
 * the reply to it. Returns 1 if a reply was set, 0 if more input is
 * needed, -1 if the input cannot be a request. */
static int next_request(struct conn *c)
{
    if (!http_mode) {
        char *nl = memchr(c->in, '\n', c->in_len);
        if (nl == NULL)
            return c->in_len == REQ_MAX ? -1 : 0;
        size_t len = (size_t)(nl - c->in);
        if (len > 0 && c->in[len - 1] == '\r')
            len--;
        const struct reply *r = lookup(c->in, len);
        c->out = r ? r->bytes : "";
        c->out_len = r ? r->len : 0;
        c->out_off = 0;
        c->close_after = 1;
        c->in_len = 0;
        return 1;
    }
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (end == NULL)
        return c->in_len == REQ_MAX ? -1 : 0;
    char *eol = memchr(c->in, '\r', (size_t)(end - c->in) + 1);
    size_t line_len = (size_t)(eol - c->in);
    const struct reply *r = lookup(c->in, line_len);
    c->out = r ? r->bytes : not_found;
    c->out_len = r ? r->len : sizeof not_found - 1;
    c->out_off = 0;
    c->close_after = (line_len >= 8 && memcmp(eol - 8, "HTTP/1.0", 8) == 0) ||
                     wants_close(eol + 2, end + 2);
    size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    return 1;
}

/* Serves what the connection can be served now. Returns 0 to keep it, -1
 * to close it. */
static int conn_run(struct conn *c, int ep)
{
    for (;;) {
        if (c->out != NULL) {
            int st = conn_flush(c);
            if (st < 0)
                return -1;
            if (st == 0) {
                struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
                c->polling_out = 1;
                return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -1 : 0;
            }
            if (c->close_after)
                return -1;
            if (c->polling_out) {
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                c->polling_out = 0;
                if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
                    return -1;
            }
        }
        int st = next_request(c);
        if (st < 0)
            return -1;
        if (st > 0)
            continue;
        ssize_t n = read(c->fd, c->in + c->in_len, REQ_MAX - c->in_len);
        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        return -1; /* the client closed, or an error */
    }
}

static int listen_on(const char *host, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "ceiling: %s is not an address in 127.0.0.0/8\n", host);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0)
        die("listen");
    return fd;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *mode = NULL;
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "m:a:p:")) != -1) {
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
        default:
            usage();
        }
    }
    if (mode == NULL || optind + 1 != argc || port <= 0 || port > 65535)
        usage();
    if (strcmp(mode, "http") == 0)
        http_mode = 1;
    else if (strcmp(mode, "line") != 0)
        usage();
    load_map(argv[optind]);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = listen_on(host, port);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0)
        die("epoll");
    struct epoll_event evs[256];
    while (!stop_asked) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c != NULL) {
                if (conn_run(c, ep) < 0)
                    conn_close(c);
                continue;
            }
            for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    break; /* EAGAIN, or a connection that went away */
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = calloc(1, sizeof *c);
                if (c == NULL) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
                    conn_close(c);
            }
        }
    }
    /* Open connections are left to exit(): the process is going away. */
    for (size_t i = 0; i < nreplies; i++) {
        free(replies[i].key);
        free(replies[i].bytes);
    }
    free(replies);
    return 0;
}
