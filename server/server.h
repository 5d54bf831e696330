/* server: the process side of outpost: one libuv loop, the listeners, the
 * connection lifecycle, and the snapshot that every connection reads.
 */
#ifndef OUTPOST_SERVER_H
#define OUTPOST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../protocols/proto.h"
#include "../store/snapshot.h"

/* Everything `outpost serve` can be told, by flags or the config file. */
struct serve_config {
    const char *db_path;
    char http_addr[80]; /* "127.0.0.1:7080", "[::1]:7080", or "" = off */
    char gopher_addr[80];
    char finger_addr[80];
    char hostname[256];   /* advertised host name */
    char name[128];       /* page name */
    char base_url[300];   /* "" = derived from hostname and HTTP port */
    int http_public_port; /* 0 = the bound port */
    int gopher_public_port;
    int finger_public_port;
    char time_zone[64];  /* "" = UTC only */
    int max_age;         /* HTTP Cache-Control max-age */
    int max_connections; /* total open connections */
    int max_per_address; /* open connections from one peer address */
    int reload_ms;       /* how often to look for changes */
    int read_timeout_ms; /* 0: each protocol's own request deadline */
    int idle_timeout_ms; /* 0: each protocol's own keep-alive idle */
    bool quiet;          /* no access log */
};

/* Fills cfg with the defaults of DESIGN.md. */
void config_defaults(struct serve_config *cfg);
/* Reads a config file of `key = value` lines ('#' comments) into cfg
 * (config_parse over the file's text, at most 1 MiB). Returns 0, or
 * UV_EINVAL / UV_ENOENT with a one-line reason in err. */
int config_load(struct serve_config *cfg, const char *path, char *err,
                size_t errlen);
/* The parser of config_load over len bytes of text (no terminator needed):
 * lines end at LF (a CR before it is trimmed with the other blanks), may
 * be of any length, and must not hold a NUL byte; errors name the line as
 * "NAME:LINE: reason". Stops at the first bad line, with the earlier lines
 * applied. 0, or UV_EINVAL (UV_ENOMEM) with the reason in err. */
int config_parse(struct serve_config *cfg, const char *text, size_t len,
                 const char *name, char *err, size_t errlen);
/* Sets one key (the same keys as the file); UV_EINVAL for an unknown key
 * or a bad value, with the reason in err. */
int config_set(struct serve_config *cfg, const char *key, const char *value,
               char *err, size_t errlen);
/* Splits "ADDR:PORT" / "[V6]:PORT" / ":PORT" into a sockaddr.
 * Returns 0 or UV_EINVAL. */
int config_parse_addr(const char *text, struct sockaddr_storage *out);

/* The running server (one per process). */
struct server {
    uv_loop_t *loop;
    struct serve_config cfg;
    struct snapshot *current; /* the published snapshot; never NULL */
    uint64_t snapshot_version;
    struct listener *listeners[3];
    size_t n_listeners;
    struct conn *conns; /* every open connection, for shutdown */
    size_t n_conns;
    struct addr_count *addrs; /* per-address connection counts */
    bool stopping;
    /* the snapshot builder (server/reload.c) */
    uv_timer_t reload_timer;
    uv_work_t reload_work;
    bool reload_busy;
    struct store *reload_store; /* used only by the worker thread */
    int64_t reload_version;
    int64_t reload_minute;
    bool reload_again; /* a kick came while a build was running */
    struct snapshot *reload_result;
    int reload_err;
    char reload_errmsg[256];
    uv_signal_t sigint, sigterm;
    struct tz *tz; /* the display zone, or NULL for UTC only */
};

/* Runs `outpost serve`: argv[0] is "serve". Returns the exit status. */
int serve_main(const char *db_path, int argc, char **argv);

/* Logging to stderr, one line per event, with a UTC time stamp. */
void server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- snapshot builder (reload.c) --- */
/* Builds the first snapshot synchronously (before listening). */
int reload_initial(struct server *srv, char *err, size_t errlen);
/* Starts polling the database for changes every cfg.reload_ms. */
int reload_start(struct server *srv);
/* Asks for a rebuild now (after a write through the API), so the change is
 * served at once rather than at the next poll. */
void reload_kick(struct server *srv);
/* Stops polling; the work in flight, if any, finishes in the loop. */
void reload_stop(struct server *srv);
/* Frees the builder's resources once the loop has finished. */
void reload_fini(struct server *srv);

/* --- listeners and connections (listener.c, conn.c) --- */
struct listener {
    uv_tcp_t tcp; /* first: the handle is the listener */
    struct server *srv;
    const struct proto *proto;
    char addr[80];
};
/* Binds and listens on text address for proto; 0 or a UV_E* code. */
int listener_start(struct server *srv, const struct proto *proto,
                   const char *addr, struct listener **out);
/* Closes the listening socket; memory is freed in the close callback. */
void listener_close(struct listener *l);

/* Accepts one connection from l (called by the listener's callback). */
void conn_accept(struct listener *l);
/* Closes every open connection (shutdown). */
void conn_close_all(struct server *srv);
/* Frees the per-address table once the loop has ended. */
void conn_fini(struct server *srv);

#endif
