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
    char hostname[256];    /* advertised host name */
    char name[128];        /* page name */
    char base_url[300];    /* "" = derived from hostname and HTTP port */
    char page_id[33];      /* "" = derived (statuspage_site_page_id()) */
    char gopher_host[256]; /* "" = hostname (public_gopher_url) */
    char finger_host[256]; /* "" = hostname (public_finger_url) */
    int http_public_port;  /* 0 = the bound port */
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
    char user[64];         /* "" = stay who started it (privs.c) */
    char access_log[256];  /* "" = standard error, "off", or a file */
    char metrics_addr[80]; /* "" = off; else where GET /metrics answers */
    bool quiet;            /* no access log */
    bool mirror;           /* render for `outpost mirror` (struct site) */
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

/* One listening socket (sockets.c), made before the loop and before the
 * privilege drop: from systemd, by name, or bound from the configuration. */
struct listen_socket {
    const char *name;    /* "http", "gopher", "finger", "metrics" */
    char configured[80]; /* the configured address; "" = off */
    int fd;              /* -1: none */
    bool from_systemd;
    char addr[80]; /* the address it serves: the socket's own, or configured */
};
/* The sockets, by protocol: the index of each in server.sockets. */
enum { SOCK_HTTP, SOCK_GOPHER, SOCK_FINGER, SOCK_METRICS, SOCK_COUNT };

/* Fills every socks[i].fd: first with the sockets systemd passed
 * (sd_listen_fds_with_names), each to the entry of its name, whatever that
 * entry's configured address (logged); then, for the others with a
 * configured address, with a socket bound to it but not listening yet.
 * Entries with neither get -1. 0, or UV_EINVAL (a socket from systemd with
 * a name not in socks, a second one of a name, one that is not a listening
 * TCP socket) or the bind's UV_E* code, with the reason in err and every
 * socket closed. */
int sockets_open(struct listen_socket *socks, size_t n, char *err,
                 size_t errlen);
/* Closes the sockets still held (fd >= 0) and sets them to -1. */
void sockets_close(struct listen_socket *socks, size_t n);

/* Before anything is bound: whether `--user` (user, "" if not given) can
 * be honoured. UV_EPERM for root without a user, or a user other than the
 * current one when not root; UV_EINVAL for a user that does not exist;
 * the reason in err. 0 otherwise. */
int privs_check(const char *user, char *err, size_t errlen);
/* After the sockets are bound, before the log, the database or a
 * connection is opened: when running as root, becomes user for good
 * (supplementary groups, group, user) and checks that real, effective and
 * saved ids all changed and that root cannot be regained. A user of uid 0
 * (root on purpose) and a process that is not root change nothing. 0 or
 * UV_EPERM / UV_EINVAL with the reason in err. */
int privs_drop(const char *user, char *err, size_t errlen);
/* Why a peer was refused or cut off (counted, and logged at most once a
 * second per cause: metrics.c). */
enum server_refusal {
    REFUSAL_MAX_PER_ADDRESS, /* over max_per_address: "busy" */
    REFUSAL_MAX_CONNECTIONS, /* over max_connections: "busy" */
    REFUSAL_READ_TIMEOUT,    /* half a request at the read deadline */
    REFUSAL_WRITE_TIMEOUT,   /* a reply the peer did not read in time */
    REFUSAL_TOO_LARGE,       /* a request over the protocol's limits */
    REFUSAL_SEARCH_QUEUE,    /* a search past max_searches + search_queue */
    REFUSAL_COUNT
};

/* Why a snapshot was built (metrics.c). */
enum server_build_cause {
    BUILD_API,     /* the data changed after a write through the API */
    BUILD_OUTSIDE, /* it changed with no API write: the CLI, an import */
    BUILD_MINUTE,  /* the minute turned (the server time on the pages) */
    BUILD_CONFIG,  /* SIGHUP's settings, or a file replaced at the path */
    BUILD_CAUSES
};

/* The protocols the counters are kept by: http, gopher, finger and the
 * metrics listener. */
#define SERVER_PROTOS 4
/* Status codes counted one by one (100 to 599); others in slot 0. */
#define SERVER_STATUS_SLOTS 600

/* Counters for GET /metrics and the refusal summaries, all updated on
 * the loop thread, so none needs to be atomic. */
struct server_stats {
    uint64_t requests[SERVER_PROTOS][SERVER_STATUS_SLOTS];
    uint64_t bytes_out[SERVER_PROTOS];
    uint64_t accepted[SERVER_PROTOS];
    uint64_t refused[REFUSAL_COUNT];
    uint64_t refused_silently; /* over the caps and closed with no reply */
    uint64_t api_writes, api_write_rejected, api_write_failed;
    uint64_t api_writes_built;    /* api_writes when the last build began */
    uint64_t api_writes_at_start; /* api_writes when the one in flight began */
    uint64_t builds[BUILD_CAUSES];
    uint64_t build_failures;
    uint64_t last_build_ns; /* the last build that published */
    int64_t published_at;   /* wall clock, Unix seconds */
    int64_t started_at;
    /* The refusal summaries: when each cause was last logged (loop ms)
     * and how many came since. */
    uint64_t refusal_logged_ms[REFUSAL_COUNT];
    uint64_t refusal_pending[REFUSAL_COUNT];
};

/* The running server (one per process). */
struct server {
    uv_loop_t *loop;
    struct serve_config cfg;
    int argc; /* serve's arguments, read again on SIGHUP */
    char **argv;
    struct snapshot *current; /* the published snapshot; never NULL */
    uint64_t snapshot_version;
    struct listener *listeners[4];
    size_t n_listeners;
    struct listen_socket sockets[SOCK_COUNT]; /* as made at start */
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
    /* maintenance that runs itself (maint.c): one timer for the next
     * window edge, and the job that makes the moves on the thread pool */
    uv_timer_t maint_timer;
    uv_work_t maint_work;
    bool maint_ready, maint_busy, maint_again;
    int maint_rc, maint_started, maint_completed;
    int64_t maint_ran_ms; /* when the last job ended (ms), or 0 */
    char maint_err[256];
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
    /* Called on the loop after each snapshot is published (reload.c),
     * with on_publish_arg: `outpost mirror --watch` writes it out. */
    void (*on_publish)(struct server *srv, void *arg);
    void *on_publish_arg;
    /* Counters and the refusal summaries' timer (metrics.c). */
    struct server_stats stats;
    uv_timer_t stats_timer;
    /* Why the build in flight runs (reload.c); BUILD_CAUSES: none yet. */
    int build_cause;
};
/* Runs `outpost serve`: argv[0] is "serve". Returns the exit status. */
int serve_main(const char *db_path, int argc, char **argv);
/* Reads the --config file, then the flags over it (--http, --gopher,
 * --finger, --hostname, --name, --time-zone, --base-url, --set KEY=VALUE,
 * --quiet), into cfg; argv[0] is the command, which errors name. 0; 1
 * with the reason in err; -1 for --help, having printed usage. */
int serve_parse_args(struct serve_config *cfg, int argc, char **argv,
                     const char *usage, char *err, size_t errlen);
/* Public ports default to the bound ones; the base URL to the host name
 * and the public HTTP port; a trailing slash of the base URL goes. */
void serve_resolve_public(struct serve_config *c);
/* Why tz_load() failed, in words. */
const char *serve_tz_error(int rc);
/* Runs `outpost mirror`: argv[0] is "mirror" (server/mirror.c). Returns
 * the exit status. */
int mirror_main(const char *db_path, int argc, char **argv);
/* Runs `outpost check` (server/check.c): argv[0] is "check". Returns the
 * exit status: 0 when all is well, else 1 (usage, config), 2 (the store)
 * or 3 (the server), after one line on stderr saying why. */
int check_main(const char *db_path, int argc, char **argv);

/* Logging to stderr, one line per event, at a syslog(3) level (LOG_ERR,
 * LOG_WARNING, LOG_NOTICE, LOG_INFO): "TIME LEVEL message", or, when
 * standard error is the systemd journal (JOURNAL_STREAM, systemd.exec(5)),
 * "<N>message", the sd-daemon(3) prefix the journal reads the level from
 * (it stamps the time itself). server_log logs at LOG_INFO. */
void server_log_at(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
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

/* --- the access log (accesslog.c) --- */
/* Opens (or reopens, after a rotation) the access log cfg names: a file
 * opened O_APPEND, standard error, or none ("off", or --quiet). What is
 * buffered for the old one is written there first. 0, or a negative
 * UV_E* code with the log left as it was. */
int server_access_open(const struct serve_config *cfg);
/* Whether a line would be written: protocols skip describing the request
 * when not (struct reply's no_log). */
bool server_access_on(void);
/* Starts writing the buffer once per loop iteration (a check handle). */
int server_access_start(uv_loop_t *loop);
/* Adds the line of one reply to the buffer (written at the end of the
 * loop iteration, or at once when the buffer is full). bytes: the reply's
 * body, or all of it for a protocol without headers. */
void server_access_line(const char *peer, const struct reply *r, size_t bytes);
/* Writes what is buffered; closes the check handle (the loop is ending). */
void server_access_stop(void);
/* Writes what is buffered and closes the file, once the loop is done. */
void server_access_close(void);

/* --- counters and GET /metrics (metrics.c) --- */
/* The protocol that answers GET /metrics on cfg.metrics_addr. */
extern const struct proto metrics_proto;
/* Sets up the counters and the refusal summaries' timer; srv is the one
 * the metrics listener reports on. 0 or a UV_E* code. */
int metrics_setup(struct server *srv);
/* Closes the timer, logging the summaries still pending (stopping). */
void metrics_stop(struct server *srv);
/* The counters' index of proto (http 0, gopher 1, finger 2, metrics 3). */
int metrics_proto_index(const struct proto *proto);
/* Counts one reply of proto with r's status and bytes. */
void metrics_reply(struct server *srv, const struct proto *proto,
                   const struct reply *r);
/* Counts a refusal, and logs the refusals of its cause at most once a
 * second (the rest are summed into the next line, or the timer's). peer is
 * the peer of this one, shown in the line; answered: whether it got the
 * protocol's busy reply (the caps only). */
void metrics_refusal(struct server *srv, enum server_refusal why,
                     const char *peer, bool answered);
/* Counts a snapshot build and its cause (on the loop, once published). */
void metrics_build(struct server *srv, enum server_build_cause why);

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

/* --- maintenance that runs itself (maint.c) --- */
/* Sets up the window-edge timer and arms it from srv->current (called by
 * reload_start()). 0 or a UV_E* code. */
int maint_start(struct server *srv);
/* Arms the timer for the published snapshot's next edge, or at once when
 * a maintenance that runs itself is due (after each publish). */
void maint_arm(struct server *srv);
/* Stops and closes the timer (called by reload_stop()); a job in flight
 * finishes and writes what it was writing, and asks for nothing more. */
void maint_stop(struct server *srv);

/* --- listeners and connections (listener.c, conn.c) --- */
struct listener {
    uv_tcp_t tcp;     /* first: the handle is the listener */
    uv_timer_t retry; /* accepting again after running out of memory */
    int open_handles;
    struct server *srv;
    const struct proto *proto;
    char addr[80];
};
/* Listens for proto on the socket s (from sockets_open), which it takes:
 * on failure it is closed too. 0 or a UV_E* code. */
int listener_start(struct server *srv, const struct proto *proto,
                   const struct listen_socket *s, struct listener **out);
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
