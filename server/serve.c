/* serve: `outpost serve` — set up, run the loop, shut down cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/demo.h"
#include "../store/store.h"
#include "../store/timeutil.h"
#include "../store/tz.h"
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
    "time_zone, max_age, max_connections, max_per_address, reload_ms,\n"
    "read_timeout_ms, idle_timeout_ms.\n";

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

static void stop(struct server *srv, const char *why)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    server_log("%s: shutting down", why);
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_close(srv->listeners[i]);
    srv->n_listeners = 0;
    conn_close_all(srv);
    reload_stop(srv);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    stop(h->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static int parse_args(struct serve_config *cfg, int argc, char **argv)
{
    char err[300];
    /* The config file first, so that flags override it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "outpost: --config needs a FILE\n");
                return 1;
            }
            if (config_load(cfg, argv[i + 1], err, sizeof(err)) < 0) {
                fprintf(stderr, "outpost: %s\n", err);
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
            fprintf(stderr, "outpost: serve: unknown option '%.60s'\n", a);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "outpost: serve: %s needs a value\n", a);
            return 1;
        }
        const char *value = argv[++i];
        char kbuf[64];
        if (key == NULL) { /* --set KEY=VALUE */
            const char *eq = strchr(value, '=');
            if (eq == NULL || (size_t)(eq - value) >= sizeof(kbuf)) {
                fprintf(stderr, "outpost: serve: --set needs KEY=VALUE\n");
                return 1;
            }
            memcpy(kbuf, value, (size_t)(eq - value));
            kbuf[eq - value] = '\0';
            key = kbuf;
            value = eq + 1;
        }
        if (config_set(cfg, key, value, err, sizeof(err)) < 0) {
            fprintf(stderr, "outpost: serve: %s\n", err);
            return 1;
        }
    }
    return 0;
}

int serve_main(const char *db_path, int argc, char **argv)
{
    static struct server srv; /* one per process; zeroed */
    uv_loop_t loop;
    struct serve_config *cfg = &srv.cfg;
    config_defaults(cfg);
    cfg->db_path = db_path;
    int rc = parse_args(cfg, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    resolve_public(cfg);
    if (cfg->time_zone[0] != '\0') {
        rc = tz_load(cfg->time_zone, &srv.tz);
        if (rc < 0) {
            fprintf(stderr, "outpost: time_zone '%s': %s\n", cfg->time_zone,
                    rc == UV_EINVAL   ? "not a zone name"
                    : rc == UV_ENOENT ? "unknown zone (is tzdata installed?)"
                                      : "unreadable zone file");
            return 1;
        }
    }

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
    char err[300];
    if (reload_initial(&srv, err, sizeof(err)) < 0) {
        fprintf(stderr, "outpost: cannot load %s: %s\n", db_path, err);
        reload_fini(&srv);
        uv_loop_close(&loop);
        tz_free(srv.tz);
        return 2;
    }

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

    uv_signal_init(&loop, &srv.sigint);
    uv_signal_init(&loop, &srv.sigterm);
    srv.sigint.data = srv.sigterm.data = &srv;
    if (reload_start(&srv) < 0)
        status = 2;
    if (status == 0) {
        uv_signal_start(&srv.sigint, signal_cb, SIGINT);
        uv_signal_start(&srv.sigterm, signal_cb, SIGTERM);
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
