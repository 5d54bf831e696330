/* server: the process side of outpost: one libuv loop, the listeners, the
 * connection lifecycle, and the snapshot that every connection reads.
 */
#ifndef OUTPOST_SERVER_H
#define OUTPOST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>
#include <uv.h>

#include "../protocols/proto.h"
#include "../store/snapshot.h"
#include "peers.h"

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
    char time_zone[64];    /* "" = UTC only */
    int max_age;           /* HTTP Cache-Control max-age */
    int max_connections;   /* total open connections; 0: from the file limit */
    int max_per_address;   /* open connections from one peer address */
    int backlog;           /* listen(2) backlog, bounded by somaxconn */
    int reload_ms;         /* how often to look for changes */
    int read_timeout_ms;   /* 0: each protocol's own request deadline */
    int idle_timeout_ms;   /* 0: each protocol's own keep-alive idle */
    int shutdown_grace_ms; /* how long writes in flight may finish */
    int view_cache_mb;     /* bound of the views rendered on request */
    int max_searches;      /* protocol jobs (searches) running at once */
    int search_queue;      /* more that may wait for a slot */
    char log_file[256];    /* "" = standard error */
    bool quiet;            /* no access log */
};

/* Fills cfg with the defaults (README.md, Configuration). */
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

/* A file as stat(2) saw it: enough to tell that it changed. */
struct file_mark {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
};

/* The running server (one per process). */
struct server {
    uv_loop_t *loop;
    struct serve_config cfg;
    int argc; /* serve's arguments, read again on SIGHUP */
    char **argv;
    struct snapshot *current; /* the published snapshot; never NULL */
    uint64_t snapshot_version;
    struct listener *listeners[3];
    size_t n_listeners;
    /* Connections (conn.c). Every open one is on `conns`; those being
     * served count in n_conns, refused ones (still saying "busy") in
     * n_refused, which has its own, small cap. */
    struct conn *conns;
    size_t n_conns;
    size_t n_refused;
    size_t conn_limit;   /* the effective max_connections */
    size_t refuse_limit; /* refused connections answered at once */
    /* Connections waiting for a request, oldest first: the first to go
     * when the total is full (conn.c). */
    struct conn *idle_head, *idle_tail;
    struct peer_table peers;
    /* Protocol jobs (conn.c): how many run on the thread pool, and the
     * connections whose job waits for a slot, oldest first. */
    size_t jobs_running;
    struct conn *jobs_head, *jobs_tail;
    size_t jobs_waiting;
    bool stopping;
    /* shutdown (serve.c): writes in flight may finish until the grace
     * timer fires; then waiting writes give up (give_up_writes). */
    uv_timer_t grace_timer;
    int grace_stage;
    _Atomic int give_up_writes;
    /* the snapshot builder (server/reload.c) */
    uv_timer_t reload_timer;
    uv_work_t reload_work;
    bool reload_busy;
    /* What the database file and its WAL looked like when the published
     * snapshot was loaded (reload.c), and whether the file is gone. */
    struct file_mark reload_db, reload_wal;
    bool reload_missing;
    int64_t reload_minute;
    bool reload_again;     /* a kick came while a build was running */
    bool reload_force;     /* rebuild even if the data did not change */
    bool reload_job_force; /* reload_force, as the job in flight saw it */
    struct snapshot *reload_result;
    uint64_t reload_build_ns; /* how long the last build took */
    /* Views rendered on request, shared by every snapshot (snapshot.h). */
    struct view_cache *view_cache;
    /* Old snapshots being freed on the thread pool (reload.c). */
    int reaping;
    int reload_err;
    char reload_errmsg[256];
    char reload_note[320]; /* what the worker saw, logged by the loop */
    /* a configuration read on SIGHUP, applied when no build runs */
    struct serve_config *pending_cfg;
    struct tz *pending_tz;
    uv_signal_t sigint, sigterm, sighup;
    struct tz *tz; /* the display zone, or NULL for UTC only */
    /* Zones replaced on SIGHUP: snapshots still being served may point at
     * them, so they are freed only at exit. */
    struct tz **retired_tz;
    size_t n_retired_tz;
};
/* Runs `outpost serve`: argv[0] is "serve". Returns the exit status. */
int serve_main(const char *db_path, int argc, char **argv);
/* Reads serve's arguments argv[1..argc) into cfg (which the caller filled
 * with config_defaults): every --config file, then the flags and --set over
 * them, so that `outpost check` finds the addresses serve would use. argv[0]
 * names the command in the reasons. 0; 1 with a one-line reason in err; -1 for
 * --help (serve's usage printed). */
int serve_parse_args(struct serve_config *cfg, int argc, char **argv, char *err,
                     size_t errlen);
/* Runs `outpost check` (server/check.c): argv[0] is "check". Returns the
 * exit status: 0 when all is well, else 1 (usage, config), 2 (the store)
 * or 3 (the server), after one line on stderr saying why. */
int check_main(const char *db_path, int argc, char **argv);

/* Logging to stderr, one line per event, with a UTC time stamp. */
void server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called first by a long job on libuv's thread pool (a snapshot build or
 * free, a search; tune.c): lowers the calling thread's scheduling priority
 * once (Linux gives each thread its own nice value), so that on a box of
 * few cores the loop thread, which answers every client, is the one that
 * runs when both want a core. */
void server_background_thread(void);
/* Called once by the loop thread at start: asks the kernel for a short
 * time slice, so that a waking loop preempts a CPU-bound task rather than
 * wait out its slice (tune.c). Pool threads give it up again. */
void server_loop_thread(void);
/* Memory that a server frees in big pieces goes back to the system:
 * allocations of a MiB or more (a snapshot's array of posts) are mapped
 * on their own, glibc's adaptive threshold, which would move them into
 * the heap after the first free, being fixed (mallopt). Once at start. */
void server_memory_setup(void);
/* After an old snapshot is freed: hands the free pages of every malloc
 * arena back to the system (malloc_trim), on the thread pool. */
void server_memory_trim(void);

/* Logs to the configured log file, or to standard error. Opens (or
 * reopens, after a rotation) cfg.log_file and puts it on descriptor 2, so
 * that every later line goes there. 0, or a negative errno-style UV_E*
 * code with the log left where it was. */
int server_log_open(const struct serve_config *cfg);

/* --- snapshot builder (reload.c) --- */
/* Renders every protocol's snapshot views into s: HTTP's, then Gopher's,
 * then finger's prerender (struct proto), stopping at the first failure
 * (the cached views are rendered on request instead). Pure:
 * no loop, no database; a worker thread calls it before s is published.
 * 0 or UV_ENOMEM. */
int reload_render(struct snapshot *s);
/* Builds the first snapshot synchronously (before listening). */
int reload_initial(struct server *srv, char *err, size_t errlen);
/* Starts polling the database for changes every cfg.reload_ms. */
int reload_start(struct server *srv);
/* Asks for a rebuild now (after a write through the API), so the change is
 * served at once rather than at the next poll. */
void reload_kick(struct server *srv);
/* Asks for a rebuild even if the data did not change (the site settings
 * did), and applies srv->pending_cfg first, once no build is running. */
void reload_config(struct server *srv);
/* Stops polling; the work in flight, if any, finishes in the loop. */
void reload_stop(struct server *srv);
/* Frees the builder's resources once the loop has finished. */
void reload_fini(struct server *srv);

/* --- listeners and connections (listener.c, conn.c) --- */
struct listener {
    uv_tcp_t tcp;     /* first: the handle is the listener */
    uv_timer_t retry; /* accepting again after running out of memory */
    int open_handles;
    struct server *srv;
    const struct proto *proto;
    char addr[80];
};
/* Binds and listens on text address for proto; 0 or a UV_E* code. */
int listener_start(struct server *srv, const struct proto *proto,
                   const char *addr, struct listener **out);
/* Closes the listening socket; memory is freed in the close callback. */
void listener_close(struct listener *l);

/* Sets the connection caps from the configuration and the process's file
 * limit (raised to its hard maximum first), and sets up the per-peer
 * table. Call once before listening. 0 or UV_ENOMEM. */
int conn_setup(struct server *srv);
/* Applies changed caps (SIGHUP); connections over a new cap stay, and
 * jobs waiting for a slot start if max_searches grew. */
void conn_reconfigure(struct server *srv);
/* Accepts one pending connection from l (the listener's callback). 0, or
 * UV_ENOMEM when there was no memory for it: the connection stays queued
 * in the kernel and the caller tries again later. */
int conn_accept(struct listener *l);
/* Shutdown, first step: closes every connection that owes nothing (idle,
 * or half a request), asks the thread pool to drop writes that have not
 * started (they are answered 503) and lets the rest finish. */
void conn_shutdown(struct server *srv);
/* Closes every open connection (the end of shutdown). */
void conn_close_all(struct server *srv);
/* Frees the per-peer table and the buffers the connections shared, once
 * the loop has ended. */
void conn_fini(struct server *srv);
/* Called by conn.c whenever the last connection goes while stopping. */
void serve_conns_done(struct server *srv);

#endif
