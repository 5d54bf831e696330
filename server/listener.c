/* listener: one listening socket per protocol port.
 *
 * libuv accepts in a loop: each time the socket is readable it calls
 * connection_cb once per pending connection until accept(2) would block,
 * as long as each call takes its connection with uv_accept(). conn_accept
 * always does (a refused connection is accepted, answered and closed),
 * except when it has no memory for one; then libuv stops watching the
 * socket until the next uv_accept(), which the retry timer makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/* How long to wait before accepting again after running out of memory. */
#define LISTENER_RETRY_MS 100

static void listener_free_cb(uv_handle_t *h)
{
    struct listener *l = h->data;
    if (--l->open_handles == 0)
        free(l);
}

static void retry_cb(uv_timer_t *t);

static void accept_pending(struct listener *l)
{
    if (conn_accept(l) == UV_ENOMEM)
        uv_timer_start(&l->retry, retry_cb, LISTENER_RETRY_MS, 0);
}

static void retry_cb(uv_timer_t *t)
{
    struct listener *l = t->data;
    if (!l->srv->stopping)
        accept_pending(l);
}

static void connection_cb(uv_stream_t *s, int status)
{
    struct listener *l = s->data;
    if (status < 0) {
        /* Out of descriptors despite the caps (another part of the
         * process holds them): libuv has closed the connection for us. */
        server_log("%s: accept failed: %s", l->proto->name,
                   uv_strerror(status));
        return;
    }
    if (l->srv->stopping)
        return;
    accept_pending(l);
}

int listener_start(struct server *srv, const struct proto *proto,
                   const struct listen_socket *s, struct listener **out)
{
    struct listener *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        close(s->fd);
        return UV_ENOMEM;
    }
    l->srv = srv;
    l->proto = proto;
    snprintf(l->addr, sizeof(l->addr), "%s", s->addr);
    int rc = uv_tcp_init(srv->loop, &l->tcp);
    if (rc < 0) {
        close(s->fd);
        free(l);
        return rc;
    }
    l->tcp.data = l;
    l->open_handles = 1;
    uv_timer_init(srv->loop, &l->retry);
    l->retry.data = l;
    l->open_handles = 2;
    /* The socket is bound already (sockets.c); uv_listen calls listen(2)
     * on it, which for a socket from systemd, listening already, only sets
     * our backlog. */
    rc = uv_tcp_open(&l->tcp, s->fd);
    if (rc < 0)
        close(s->fd);
    else
        rc = uv_listen((uv_stream_t *)&l->tcp, srv->cfg.backlog, connection_cb);
    if (rc < 0) {
        listener_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

void listener_close(struct listener *l)
{
    uv_close((uv_handle_t *)&l->retry, listener_free_cb);
    uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
}
