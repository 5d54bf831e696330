/* listener: one listening socket per protocol port. */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static void listener_free_cb(uv_handle_t *h)
{
    free(h->data);
}

static void connection_cb(uv_stream_t *s, int status)
{
    struct listener *l = s->data;
    if (status < 0) {
        server_log("%s: accept failed: %s", l->proto->name,
                   uv_strerror(status));
        return;
    }
    if (l->srv->stopping)
        return;
    conn_accept(l);
}

int listener_start(struct server *srv, const struct proto *proto,
                   const char *addr, struct listener **out)
{
    struct sockaddr_storage ss;
    int rc = config_parse_addr(addr, &ss);
    if (rc < 0)
        return rc;
    struct listener *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return UV_ENOMEM;
    l->srv = srv;
    l->proto = proto;
    snprintf(l->addr, sizeof(l->addr), "%s", addr);
    rc = uv_tcp_init(srv->loop, &l->tcp);
    if (rc < 0) {
        free(l);
        return rc;
    }
    l->tcp.data = l;
    /* IPv6 sockets serve only IPv6, so "[::]:70" and "0.0.0.0:70" can be
     * configured side by side. */
    unsigned flags = ss.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, flags);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 128, connection_cb);
    if (rc < 0) {
        uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
        return rc;
    }
    *out = l;
    return 0;
}

void listener_close(struct listener *l)
{
    uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
}
