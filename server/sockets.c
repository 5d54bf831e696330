/* sockets: the listening sockets, made before the event loop exists and
 * before the process gives up root (privs.c), so that ports below 1024 can
 * be served by a process that runs unprivileged.
 *
 * Under systemd's socket activation the sockets come ready-made: systemd
 * passes them as descriptors 3, 4, ... with their names in LISTEN_FDNAMES,
 * each socket unit's FileDescriptorName= (sd_listen_fds_with_names(3),
 * systemd.socket(5)); a protocol is bound to its socket by that name, never
 * by its position or port. Every other protocol is bound here from its
 * configured address, without listen(2): the socket stays refusing until
 * the loop is ready to serve (listener_start), as it did before there was
 * a loop to wait for, while the port is already held.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "server.h"

/* The text form of a bound socket's address, as the config writes it
 * ("0.0.0.0:80", "[::]:70"), so that resolve_public reads its port. */
static void addr_text(int fd, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[64] = "?";
    int port = 0;
    snprintf(out, cap, "?");
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, host, sizeof(host));
        port = ntohs(a->sin6_port);
        snprintf(out, cap, "[%s]:%d", host, port);
    } else if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        uv_ip4_name(a, host, sizeof(host));
        port = ntohs(a->sin_port);
        snprintf(out, cap, "%s:%d", host, port);
    }
}

static struct listen_socket *by_name(struct listen_socket *socks, size_t n,
                                     const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(socks[i].name, name) == 0)
            return &socks[i];
    return NULL;
}

/* Takes the descriptors systemd passed. 0 when there are none; UV_EINVAL
 * (with the reason in err) for one outpost cannot place. */
static int from_systemd(struct listen_socket *socks, size_t n, char *err,
                        size_t errlen)
{
    char **names = NULL;
    /* 1: unset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so that nothing
     * the server starts later takes them for its own. */
    int count = sd_listen_fds_with_names(1, &names);
    if (count < 0) {
        snprintf(err, errlen, "systemd sockets: %s", strerror(-count));
        return UV_EINVAL;
    }
    int rc = 0;
    for (int i = 0; i < count; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        const char *name = names != NULL && names[i] != NULL ? names[i] : "";
        struct listen_socket *s = by_name(socks, n, name);
        if (rc < 0) {
            close(fd);
        } else if (s == NULL) {
            /* A socket unit without FileDescriptorName= passes its own
             * unit name ("outpost.socket"); systemd-socket-activate
             * without --fdname passes "unknown". */
            snprintf(err, errlen,
                     "systemd passed a socket named '%.60s' (descriptor %d), "
                     "which outpost does not know: name each socket "
                     "(FileDescriptorName=) http, gopher, finger or metrics",
                     name, fd);
            rc = UV_EINVAL;
            close(fd);
        } else if (s->fd >= 0) {
            snprintf(err, errlen,
                     "systemd passed two sockets named '%s' (descriptors %d "
                     "and %d); outpost serves one socket per protocol",
                     name, s->fd, fd);
            rc = UV_EINVAL;
            close(fd);
        } else if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
            snprintf(err, errlen,
                     "systemd passed a socket named '%s' (descriptor %d) "
                     "that is not a listening TCP socket (ListenStream=)",
                     name, fd);
            rc = UV_EINVAL;
            close(fd);
        } else {
            s->fd = fd;
            s->from_systemd = true;
        }
        if (names != NULL)
            free(names[i]);
    }
    free(names);
    return rc;
}

/* A socket bound to addr, not yet listening, with what uv_tcp_bind would
 * have set: SO_REUSEADDR (a restart binds while old connections linger in
 * TIME_WAIT) and, for IPv6, IPV6_V6ONLY, so that "[::]:70" and
 * "0.0.0.0:70" can be configured side by side. */
static int bind_one(const char *addr, int *out)
{
    struct sockaddr_storage ss;
    int rc = config_parse_addr(addr, &ss);
    if (rc < 0)
        return rc;
    int fd =
        socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int on = 1;
    socklen_t len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                             : sizeof(struct sockaddr_in);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
        bind(fd, (struct sockaddr *)&ss, len) != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

int sockets_open(struct listen_socket *socks, size_t n, char *err,
                 size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        socks[i].fd = -1;
        socks[i].from_systemd = false;
        snprintf(socks[i].addr, sizeof(socks[i].addr), "%s",
                 socks[i].configured);
    }
    int rc = from_systemd(socks, n, err, errlen);
    if (rc < 0) {
        sockets_close(socks, n);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        struct listen_socket *s = &socks[i];
        if (s->from_systemd) {
            addr_text(s->fd, s->addr, sizeof(s->addr));
            if (s->configured[0] != '\0')
                server_log("%s: socket %s from systemd; the configured "
                           "address %s is ignored",
                           s->name, s->addr, s->configured);
            else
                server_log("%s: socket %s from systemd", s->name, s->addr);
            continue;
        }
        if (s->configured[0] == '\0')
            continue;
        rc = bind_one(s->configured, &s->fd);
        if (rc < 0) {
            snprintf(err, errlen, "cannot listen for %s on %s: %s", s->name,
                     s->configured, uv_strerror(rc));
            sockets_close(socks, n);
            return rc;
        }
    }
    return 0;
}

void sockets_close(struct listen_socket *socks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (socks[i].fd >= 0)
            close(socks[i].fd);
        socks[i].fd = -1;
    }
}
