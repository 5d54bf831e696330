/* serve: `outpost serve` — set up, run the loop, shut down cleanly.
 *
 * Signals:
 *   SIGTERM, SIGINT  graceful stop: stop accepting; close connections that
 *                    are owed nothing; drop writes that have not started
 *                    (answered 503); let started writes finish and answer
 *                    them. After shutdown_grace_ms writes still waiting for
 *                    a lock give up (503, nothing written), and a second
 *                    later whatever is left is closed. A second signal
 *                    skips the wait.
 *   SIGHUP           reopen the log file and read the configuration again
 *                    (the settings that can change while running; the
 *                    addresses to listen on need a restart).
 *   SIGPIPE          ignored: a log reader that goes away (`| head`, a
 *                    restarted log shipper) must not stop the service.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/common/timeutil.h"
#include "../store/common/tz.h"
#include "../store/store.h"
#include "cli/demo.h"
#include "server.h"

static const char serve_usage[] =
    "usage: outpost [--db FILE] serve [--http ADDR:PORT|off] "
    "[--gopher ADDR:PORT|off]\n"
    "                     [--finger ADDR:PORT|off] [--hostname NAME] "
    "[--name TEXT]\n"
    "                     [--config FILE] [--set KEY=VALUE]... [--quiet]\n"
    "\n"
    "Serves the status on HTTP (default 127.0.0.1:7080), Gopher (7070) and\n"
    "finger (7079). A new database file is created with demo data.\n"
    "Config file keys (key = value): http, gopher, finger, hostname, name,\n"
    "base_url, http_public_port, gopher_public_port, finger_public_port,\n"
    "time_zone, max_age, max_connections, max_per_address, backlog,\n"
    "reload_ms, read_timeout_ms, idle_timeout_ms, shutdown_grace_ms,\n"
    "view_cache_mb, log_file.\n";

/* Creates the database with demo data when the file does not exist yet. */
static int prepare_db(const char *path)
{
    struct stat st;
    bool is_new = stat(path, &st) != 0;
    struct store *db = NULL;
    char err[256];
    int rc = store_open(path, &db, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "outpost: %s\n", err);
        return 2;
    }
    bool empty = false;
    if (is_new && store_is_empty(db, &empty) == 0 && empty) {
        rc = store_demo(db, time_now());
        if (rc < 0) {
            fprintf(stderr, "outpost: demo data: %s\n", store_errmsg(db));
            store_close(db);
            return 2;
        }
        server_log("created %s with demo data", path);
    }
    store_close(db);
    return 0;
}

static int port_of(const char *addr)
{
    struct sockaddr_storage ss;
    if (addr[0] == '\0' || config_parse_addr(addr, &ss) < 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Public ports default to the bound ones; the base URL to the host name. */
static void resolve_public(struct serve_config *c)
{
    if (c->http_public_port == 0)
        c->http_public_port = port_of(c->http_addr);
    if (c->gopher_public_port == 0)
        c->gopher_public_port = port_of(c->gopher_addr);
    if (c->finger_public_port == 0)
        c->finger_public_port = port_of(c->finger_addr);
    if (c->base_url[0] == '\0') {
        const char *h = c->hostname;
        bool v6 = strchr(h, ':') != NULL;
        if (c->http_public_port == 80)
            snprintf(c->base_url, sizeof(c->base_url), "http://%s%s%s",
                     v6 ? "[" : "", h, v6 ? "]" : "");
        else
            snprintf(c->base_url, sizeof(c->base_url), "http://%s%s%s:%d",
                     v6 ? "[" : "", h, v6 ? "]" : "", c->http_public_port);
    }
    size_t n = strlen(c->base_url);
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
}

int serve_parse_args(struct serve_config *cfg, int argc, char **argv, char *err,
                     size_t errlen)
{
    char why[300];
    /* The config file first, so that flags override it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--config needs a FILE");
                return 1;
            }
            if (config_load(cfg, argv[i + 1], why, sizeof(why)) < 0) {
                snprintf(err, errlen, "%s", why);
                return 1;
            }
        }
    }
    static const char *const flag_keys[][2] = {
        {"--http", "http"},         {"--gopher", "gopher"},
        {"--finger", "finger"},     {"--hostname", "hostname"},
        {"--name", "name"},         {"--time-zone", "time_zone"},
        {"--base-url", "base_url"},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(serve_usage, stdout);
            return -1;
        }
        if (strcmp(a, "--quiet") == 0) {
            cfg->quiet = true;
            continue;
        }
        if (strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        const char *key = NULL;
        for (size_t k = 0; k < sizeof(flag_keys) / sizeof(flag_keys[0]); k++)
            if (strcmp(a, flag_keys[k][0]) == 0)
                key = flag_keys[k][1];
        if (key == NULL && strcmp(a, "--set") != 0) {
            snprintf(err, errlen, "%s: unknown option '%.60s'", argv[0], a);
            return 1;
        }
        if (i + 1 >= argc) {
            snprintf(err, errlen, "%s: %s needs a value", argv[0], a);
            return 1;
        }
        const char *value = argv[++i];
        char kbuf[64];
        if (key == NULL) { /* --set KEY=VALUE */
            const char *eq = strchr(value, '=');
            if (eq == NULL || (size_t)(eq - value) >= sizeof(kbuf)) {
                snprintf(err, errlen, "%s: --set needs KEY=VALUE", argv[0]);
                return 1;
            }
            memcpy(kbuf, value, (size_t)(eq - value));
            kbuf[eq - value] = '\0';
            key = kbuf;
            value = eq + 1;
        }
        if (config_set(cfg, key, value, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s: %s", argv[0], why);
            return 1;
        }
    }
    return 0;
}

static const char *tz_error(int rc)
{
    return rc == UV_EINVAL   ? "not a zone name"
           : rc == UV_ENOENT ? "unknown zone (is tzdata installed?)"
                             : "unreadable zone file";
}

/* ---- stopping --------------------------------------------------------- */

/* The last step: close what keeps the loop running, so uv_run returns. */
static void finish_stop(struct server *srv)
{
    if (srv->grace_stage == 3)
        return;
    srv->grace_stage = 3;
    uv_close((uv_handle_t *)&srv->grace_timer, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->sighup, NULL);
}

void serve_conns_done(struct server *srv)
{
    if (srv->stopping)
        finish_stop(srv);
}

static void grace_cb(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->grace_stage == 1) {
        /* Writes still waiting for a lock give up now and are answered
         * 503 (nothing written); a second is left for the answers. */
        atomic_store(&srv->give_up_writes, 1);
        srv->grace_stage = 2;
        server_log("shutdown: grace time over; waiting writes give up");
        uv_timer_start(t, grace_cb, 1000, 0);
        return;
    }
    conn_close_all(srv);
    finish_stop(srv);
}

static void stop(struct server *srv, const char *why)
{
    if (srv->stopping) {
        server_log("%s again: stopping now", why);
        atomic_store(&srv->give_up_writes, 1);
        conn_close_all(srv);
        finish_stop(srv);
        return;
    }
    srv->stopping = true;
    server_log("%s: shutting down", why);
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_close(srv->listeners[i]);
    srv->n_listeners = 0;
    reload_stop(srv);
    srv->grace_stage = 1;
    uv_timer_start(&srv->grace_timer, grace_cb,
                   (uint64_t)srv->cfg.shutdown_grace_ms, 0);
    conn_shutdown(srv);
}

/* ---- SIGHUP ----------------------------------------------------------- */

static bool differs(const char *a, const char *b)
{
    return strcmp(a, b) != 0;
}

static void reread(struct server *srv)
{
    int rc = server_log_open(&srv->cfg);
    if (rc < 0)
        server_log("SIGHUP: cannot reopen %s: %s", srv->cfg.log_file,
                   uv_strerror(rc));
    if (srv->pending_cfg != NULL) {
        server_log("SIGHUP: the last configuration is not applied yet");
        return;
    }
    struct serve_config *next = malloc(sizeof(*next));
    if (next == NULL) {
        server_log("SIGHUP: out of memory; configuration unchanged");
        return;
    }
    char err[300] = "";
    config_defaults(next);
    next->db_path = srv->cfg.db_path;
    if (serve_parse_args(next, srv->argc, srv->argv, err, sizeof(err)) != 0) {
        server_log("SIGHUP: configuration unchanged: %s", err);
        free(next);
        return;
    }
    /* What the listening sockets were made with stays until a restart. */
    static const struct {
        const char *key;
        size_t off;
    } fixed[] = {
        {"http", offsetof(struct serve_config, http_addr)},
        {"gopher", offsetof(struct serve_config, gopher_addr)},
        {"finger", offsetof(struct serve_config, finger_addr)},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        char *now = (char *)&srv->cfg + fixed[i].off;
        char *then = (char *)next + fixed[i].off;
        if (differs(now, then))
            server_log("SIGHUP: %s changed to '%s'; it takes a restart",
                       fixed[i].key, then[0] ? then : "off");
        memcpy(then, now, sizeof(srv->cfg.http_addr));
    }
    if (next->backlog != srv->cfg.backlog)
        server_log("SIGHUP: backlog changed; it takes a restart");
    next->backlog = srv->cfg.backlog;
    resolve_public(next);
    if (differs(next->time_zone, srv->cfg.time_zone) &&
        next->time_zone[0] != '\0') {
        rc = tz_load(next->time_zone, &srv->pending_tz);
        if (rc < 0) {
            server_log("SIGHUP: time_zone '%s': %s; configuration unchanged",
                       next->time_zone, tz_error(rc));
            free(next);
            return;
        }
    }
    if (differs(next->log_file, srv->cfg.log_file) &&
        next->log_file[0] != '\0') {
        rc = server_log_open(next);
        if (rc < 0)
            server_log("SIGHUP: cannot open log_file %s: %s", next->log_file,
                       uv_strerror(rc));
    }
    srv->pending_cfg = next;
    server_log("SIGHUP: configuration read again; rebuilding the pages");
    reload_config(srv);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct server *srv = h->data;
    if (signum == SIGHUP) {
        if (!srv->stopping)
            reread(srv);
        return;
    }
    stop(srv, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* The kernel cuts every listen backlog to net.core.somaxconn; say so
 * when it cuts ours, since that is where a burst of connects waits. */
static void check_backlog(const struct serve_config *cfg)
{
    FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
    if (f == NULL)
        return;
    int max = 0;
    if (fscanf(f, "%d", &max) == 1 && max < cfg->backlog)
        server_log("listen backlog: %d (net.core.somaxconn; %d asked for)", max,
                   cfg->backlog);
    fclose(f);
}

/* libuv's thread pool serves the snapshot builder, the API writes and the
 * searches alike, with 4 threads unless UV_THREADPOOL_SIZE says otherwise
 * (libuv's documentation, "Thread pool work scheduling"). Searches are
 * capped at max_searches; the pool gets room for them and two threads
 * more, unless the operator sized it. libuv reads the variable when the
 * pool is first used, after this: a max_searches changed on SIGHUP moves
 * the cap, not the pool. */
static void size_pool(const struct serve_config *cfg)
{
    const char *set = getenv("UV_THREADPOOL_SIZE");
    if (set == NULL) {
        char n[16];
        snprintf(n, sizeof(n), "%d",
                 cfg->max_searches + 2 > 4 ? cfg->max_searches + 2 : 4);
        setenv("UV_THREADPOOL_SIZE", n, 1);
        set = getenv("UV_THREADPOOL_SIZE");
    }
    server_log("searches: at most %d at once, %d more waiting; thread pool "
               "of %s",
               cfg->max_searches, cfg->search_queue, set != NULL ? set : "?");
}

int serve_main(const char *db_path, int argc, char **argv)
{
    static struct server srv; /* one per process; zeroed */
    uv_loop_t loop;
    struct serve_config *cfg = &srv.cfg;
    char err[300];
    config_defaults(cfg);
    cfg->db_path = db_path;
    srv.argc = argc;
    srv.argv = argv;
    int rc = serve_parse_args(cfg, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc > 0)
            fprintf(stderr, "outpost: %s\n", err);
        return rc < 0 ? 0 : rc;
    }
    resolve_public(cfg);
    if (cfg->time_zone[0] != '\0') {
        rc = tz_load(cfg->time_zone, &srv.tz);
        if (rc < 0) {
            fprintf(stderr, "outpost: time_zone '%s': %s\n", cfg->time_zone,
                    tz_error(rc));
            return 1;
        }
    }
    rc = server_log_open(cfg);
    if (rc < 0) {
        fprintf(stderr, "outpost: cannot open log_file %s: %s\n", cfg->log_file,
                uv_strerror(rc));
        tz_free(srv.tz);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    server_memory_setup();
    server_loop_thread();

    rc = prepare_db(db_path);
    if (rc != 0) {
        tz_free(srv.tz);
        return rc;
    }

    if (uv_loop_init(&loop) < 0) {
        fprintf(stderr, "outpost: cannot create the event loop\n");
        tz_free(srv.tz);
        return 2;
    }
    srv.loop = &loop;
    if (reload_initial(&srv, err, sizeof(err)) < 0) {
        fprintf(stderr, "outpost: cannot load %s: %s\n", db_path, err);
        reload_fini(&srv);
        uv_loop_close(&loop);
        tz_free(srv.tz);
        return 2;
    }
    if (conn_setup(&srv) < 0) {
        fprintf(stderr, "outpost: out of memory\n");
        reload_fini(&srv);
        uv_loop_close(&loop);
        tz_free(srv.tz);
        return 2;
    }
    check_backlog(cfg);
    size_pool(cfg);

    const struct {
        const struct proto *proto;
        const char *addr;
    } ports[] = {
        {&http_proto, cfg->http_addr},
        {&gopher_proto, cfg->gopher_addr},
        {&finger_proto, cfg->finger_addr},
    };
    int status = 0;
    for (size_t i = 0; i < 3; i++) {
        if (ports[i].addr[0] == '\0')
            continue;
        struct listener *l;
        rc = listener_start(&srv, ports[i].proto, ports[i].addr, &l);
        if (rc < 0) {
            fprintf(stderr, "outpost: cannot listen for %s on %s: %s\n",
                    ports[i].proto->name, ports[i].addr, uv_strerror(rc));
            status = 2;
            break;
        }
        srv.listeners[srv.n_listeners++] = l;
        server_log("%s listening on %s", ports[i].proto->name, ports[i].addr);
    }

    uv_timer_init(&loop, &srv.grace_timer);
    uv_signal_init(&loop, &srv.sigint);
    uv_signal_init(&loop, &srv.sigterm);
    uv_signal_init(&loop, &srv.sighup);
    srv.grace_timer.data = srv.sigint.data = srv.sigterm.data =
        srv.sighup.data = &srv;
    if (reload_start(&srv) < 0)
        status = 2;
    if (status == 0) {
        uv_signal_start(&srv.sigint, signal_cb, SIGINT);
        uv_signal_start(&srv.sigterm, signal_cb, SIGTERM);
        uv_signal_start(&srv.sighup, signal_cb, SIGHUP);
        server_log("serving %s (snapshot version %llu)", db_path,
                   (unsigned long long)srv.snapshot_version);
    } else {
        stop(&srv, "startup failed");
    }
    uv_run(&loop, UV_RUN_DEFAULT);

    conn_fini(&srv);
    reload_fini(&srv);
    if (uv_loop_close(&loop) != 0)
        server_log("warning: handles left open at exit");
    tz_free(srv.tz);
    srv.tz = NULL;
    server_log("stopped");
    return status;
}
