/* check: `outpost check`, the probe that a monitor (or systemd, after the
 * service starts) runs against a running service. It passes when the
 * store opens read-only and passes SQLite's quick_check, and every
 * protocol the configuration enables answers a real request on its
 * address. One line says the outcome: on stdout when all is well, else on
 * stderr, with an exit status that tells the part at fault.
 */
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"
#include "server.h"

/* How long the probes may take together. A monitor runs the check on a
 * schedule and must hear back in bounded time, and a server that needs
 * seconds to answer a request over loopback is not well. */
#define CHECK_DEADLINE_MS 5000
/* The most of a reply that is read. The views asked for are a few KiB;
 * a finger reply is at most 64 KiB. */
#define CHECK_REPLY_MAX (256 * 1024)

enum { CHECK_OK = 0, CHECK_USAGE = 1, CHECK_STORE = 2, CHECK_SERVER = 3 };

static const char check_usage[] =
    "usage: outpost [--db FILE] check [--config FILE] [--set KEY=VALUE]...\n"
    "                     [--http ADDR:PORT|off] [--gopher ADDR:PORT|off]\n"
    "                     [--finger ADDR:PORT|off]\n"
    "\n"
    "Checks a running service: the database opens read-only and passes\n"
    "SQLite's quick_check, and the server answers on every address that\n"
    "the configuration (the same --config files, flags and --set as serve)\n"
    "enables: HTTP GET /api/v2/status.json with 200, Gopher with its root\n"
    "menu, finger with the status, all within 5 seconds. A wildcard\n"
    "address (0.0.0.0, [::]) is checked on loopback. Run as root, the\n"
    "check first becomes the owner of the database file.\n"
    "\n"
    "Exit status: 0 all is well (one line on stdout); 1 bad usage or\n"
    "configuration; 2 the store cannot be opened or fails quick_check;\n"
    "3 the server does not answer as it should (one line on stderr).\n";

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000;
}

/* Root (an operator's sudo) becomes the owner of the database file before
 * opening it: SQLite creates the -wal and -shm files beside the database
 * even for a reader, and files owned by root would keep the service,
 * which runs as that owner, from opening its own store. A missing file is
 * left to the store to report. 0 or UV_EPERM with the reason in err. */
static int become_owner(const char *db_path, char *err, size_t errlen)
{
    struct stat st;
    if (geteuid() != 0 || stat(db_path, &st) != 0 || st.st_uid == 0)
        return 0;
    if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 ||
        setuid(st.st_uid) != 0) {
        snprintf(err, errlen, "cannot become uid %u, the owner of %s: %s",
                 (unsigned)st.st_uid, db_path, strerror(errno));
        return UV_EPERM;
    }
    return 0;
}

/* Waits until fd is ready for events or the deadline passes: 0,
 * UV_ETIMEDOUT or another UV_E* code. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return UV_ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)(deadline - now));
        if (n > 0)
            return 0;
        if (n == 0)
            return UV_ETIMEDOUT;
        if (errno != EINTR)
            return uv_translate_sys_error(errno);
    }
}

/* Connects to addr, sends req and reads the reply into reply[cap] until
 * the server closes the connection, all before the deadline. 0, or a UV_E*
 * code (UV_E2BIG for a reply longer than cap). */
static int exchange(const struct sockaddr_storage *addr, const char *req,
                    char *reply, size_t cap, size_t *len, uint64_t deadline)
{
    *len = 0;
    int fd =
        socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return uv_translate_sys_error(errno);
    socklen_t alen = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
    int rc = 0;
    if (connect(fd, (const struct sockaddr *)addr, alen) != 0) {
        if (errno != EINPROGRESS) {
            rc = uv_translate_sys_error(errno);
            goto out;
        }
        rc = wait_fd(fd, POLLOUT, deadline);
        int soerr = 0;
        socklen_t elen = sizeof(soerr);
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) != 0)
            soerr = errno;
        if (rc == 0 && soerr != 0)
            rc = uv_translate_sys_error(soerr);
        if (rc != 0)
            goto out;
    }
    for (size_t sent = 0, n = strlen(req); sent < n;) {
        ssize_t k = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
        if (k > 0) {
            sent += (size_t)k;
        } else if (errno == EAGAIN || errno == EINTR) {
            if ((rc = wait_fd(fd, POLLOUT, deadline)) != 0)
                goto out;
        } else {
            rc = uv_translate_sys_error(errno);
            goto out;
        }
    }
    for (;;) {
        if (*len == cap) {
            rc = UV_E2BIG;
            break;
        }
        ssize_t k = recv(fd, reply + *len, cap - *len, 0);
        if (k > 0) {
            *len += (size_t)k;
        } else if (k == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            if ((rc = wait_fd(fd, POLLIN, deadline)) != 0)
                break;
        } else {
            rc = uv_translate_sys_error(errno);
            break;
        }
    }
out:
    close(fd);
    return rc;
}

/* A listener on every address (0.0.0.0, ::) takes connections on
 * loopback too, and loopback is the address that is certain to reach
 * this machine's own server. */
static void wildcard_to_loopback(struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (ss->ss_family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
            sin6->sin6_addr = in6addr_loopback;
    }
}

/* The first line of a reply, at most 60 bytes, control bytes as '?', for
 * a report that stays one line whatever the peer sent. */
static const char *first_line(char out[61], const char *s, size_t len)
{
    size_t n = 0;
    for (; n < len && n < 60 && s[n] != '\r' && s[n] != '\n'; n++)
        out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    out[n] = '\0';
    return out;
}

static bool ends_with(const char *s, size_t len, const char *tail)
{
    size_t n = strlen(tail);
    return len >= n && memcmp(s + len - n, tail, n) == 0;
}

/* A finger reply is 7-bit text with CRLF and no other control byte (the
 * server removes them), which tells it from a Gopher menu (TABs) or an
 * HTTP reply on the wrong port. */
static bool finger_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n'))
            return false;
    }
    return true;
}

/* A Gopher menu's first line is an item: a type, then at least the
 * selector, host and port fields after TABs (RFC 1436, 3.8). */
static bool gopher_item(const char *s, size_t len)
{
    int tabs = 0;
    for (size_t i = 0; i < len && s[i] != '\r' && s[i] != '\n'; i++)
        tabs += s[i] == '\t';
    return tabs >= 3;
}

/* Asks the server on addr (a configured address) for one view in protocol
 * proto ("http", "gopher" or "finger") and judges the reply. 0, or a UV_E*
 * code with a one-line reason in err. */
static int probe(const char *proto, const char *addr, const char *host,
                 uint64_t deadline, char *err, size_t errlen)
{
    static char reply[CHECK_REPLY_MAX];
    struct sockaddr_storage ss;
    char req[400], shown[61];
    if (config_parse_addr(addr, &ss) < 0) {
        snprintf(err, errlen, "%s %s: not an address", proto, addr);
        return UV_EINVAL;
    }
    wildcard_to_loopback(&ss);
    /* Each asks for a view that every store has, empty or not: HTTP's
     * smallest JSON (RFC 9112 request, closed after the reply), the
     * Gopher root menu (the empty selector, RFC 1436) and finger's empty
     * query (RFC 1288: the list of "users", here the status). */
    if (strcmp(proto, "http") == 0)
        snprintf(req, sizeof(req),
                 "GET /api/v2/status.json HTTP/1.1\r\nHost: %s\r\n"
                 "User-Agent: outpost-check\r\nConnection: close\r\n\r\n",
                 host);
    else
        snprintf(req, sizeof(req), "\r\n");
    size_t len = 0;
    int rc = exchange(&ss, req, reply, sizeof(reply), &len, deadline);
    if (rc == UV_ETIMEDOUT) {
        snprintf(err, errlen, "%s %s: no whole answer within %d ms", proto,
                 addr, CHECK_DEADLINE_MS);
        return rc;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s %s: %s", proto, addr, uv_strerror(rc));
        return rc;
    }
    bool good;
    if (strcmp(proto, "http") == 0)
        good = len > 13 && memcmp(reply, "HTTP/1.1 200 ", 13) == 0 &&
               memmem(reply, len, "\r\n\r\n", 4) != NULL;
    else if (strcmp(proto, "gopher") == 0)
        good = len > 0 && reply[0] != '3' && gopher_item(reply, len) &&
               ends_with(reply, len, "\r\n.\r\n");
    else
        good =
            len > 0 && ends_with(reply, len, "\r\n") && finger_text(reply, len);
    if (!good) {
        if (len == 0)
            snprintf(err, errlen, "%s %s: closed without an answer", proto,
                     addr);
        else
            snprintf(err, errlen, "%s %s: unexpected answer '%s'", proto, addr,
                     first_line(shown, reply, len));
        return UV_EPROTO;
    }
    return 0;
}

int check_main(const char *db_path, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(check_usage, stdout);
            return CHECK_OK;
        }
    }
    struct serve_config cfg;
    char err[512];
    config_defaults(&cfg);
    /* serve_parse_args names the command in its reasons already. */
    if (serve_parse_args(&cfg, argc, argv, check_usage, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "outpost: %s\n", err);
        return CHECK_USAGE;
    }
    if (become_owner(db_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "outpost: check: %s\n", err);
        return CHECK_STORE;
    }

    struct store *st = NULL;
    int rc = store_open_readonly(db_path, &st, err, sizeof(err));
    if (rc == 0 && (rc = store_quick_check(st)) < 0)
        snprintf(err, sizeof(err), "%s: %s", db_path, store_errmsg(st));
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "outpost: check: %s\n", err);
        return CHECK_STORE;
    }

    const char *protos[3] = {"http", "gopher", "finger"};
    const char *addrs[3] = {cfg.http_addr, cfg.gopher_addr, cfg.finger_addr};
    char answered[400] = "";
    size_t used = 0;
    uint64_t deadline = now_ms() + CHECK_DEADLINE_MS;
    for (int i = 0; i < 3; i++) {
        if (addrs[i][0] == '\0')
            continue;
        if (probe(protos[i], addrs[i], cfg.hostname, deadline, err,
                  sizeof(err)) < 0) {
            fprintf(stderr, "outpost: check: %s\n", err);
            return CHECK_SERVER;
        }
        int n = snprintf(answered + used, sizeof(answered) - used, "%s%s %s",
                         used > 0 ? ", " : "", protos[i], addrs[i]);
        if (n > 0 && (size_t)n < sizeof(answered) - used)
            used += (size_t)n;
    }
    printf("outpost: check: ok: %s passes quick_check; %s%s\n", db_path,
           used > 0 ? "answered: " : "",
           used > 0 ? answered : "no protocol is enabled");
    return CHECK_OK;
}
