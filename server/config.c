/* config: `outpost serve` settings from defaults, a file, then flags. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* The largest config file read (far above any real one). */
#define CONFIG_MAX_FILE (1024 * 1024)

void config_defaults(struct serve_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->http_addr, sizeof(cfg->http_addr), "127.0.0.1:7080");
    snprintf(cfg->gopher_addr, sizeof(cfg->gopher_addr), "127.0.0.1:7070");
    snprintf(cfg->finger_addr, sizeof(cfg->finger_addr), "127.0.0.1:7079");
    snprintf(cfg->hostname, sizeof(cfg->hostname), "localhost");
    snprintf(cfg->name, sizeof(cfg->name), "Network status");
    cfg->max_age = 15;
    /* An ISP's customers often share one address behind CGNAT, so the
     * per-address cap is generous. The total is left to the file limit
     * (serve.c): an open connection costs a few KiB, so descriptors, not
     * memory, are what runs out first. */
    cfg->max_connections = 0;
    cfg->max_per_address = 64;
    /* The kernel bounds it by net.core.somaxconn; asking for the most
     * lets an operator raise that alone to absorb bigger bursts. */
    cfg->backlog = 65535;
    cfg->reload_ms = 250;
    cfg->shutdown_grace_ms = 5000;
    /* Pages of single posts and months, rendered on request: room for the
     * few thousand a busy day reads, not for a crawl of the archive. */
    cfg->view_cache_mb = 32;
    /* libuv's pool has 4 threads unless told otherwise (serve.c sizes it
     * to leave two beside the searches), which snapshot builds and API
     * writes need too; a search on the index takes milliseconds, so a
     * queue of 32 is a fraction of a second of waiting. */
    cfg->max_searches = 2;
    cfg->search_queue = 32;
}

static int set_str(char *dst, size_t cap, const char *v, const char *key,
                   char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n >= cap) {
        snprintf(err, errlen, "%s: value too long", key);
        return UV_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
            snprintf(err, errlen, "%s: control character in value", key);
            return UV_EINVAL;
        }
    }
    memcpy(dst, v, n + 1);
    return 0;
}

static int set_int(int *dst, const char *v, int lo, int hi, const char *key,
                   char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
        snprintf(err, errlen, "%s: expected a number from %d to %d", key, lo,
                 hi);
        return UV_EINVAL;
    }
    *dst = (int)n;
    return 0;
}

int config_parse_addr(const char *text, struct sockaddr_storage *out)
{
    char host[64];
    const char *colon;
    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':' ||
            (size_t)(close - text - 1) >= sizeof(host))
            return UV_EINVAL;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
            return UV_EINVAL;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        if (strchr(host, ':') != NULL)
            return UV_EINVAL; /* IPv6 needs brackets: "[::1]:70" */
        if (host[0] == '\0')
            strcpy(host, "0.0.0.0");
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return UV_EINVAL;
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out) == 0)
        return 0;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)out) == 0)
        return 0;
    return UV_EINVAL;
}

/* Up to 60 bytes of s for an error message, with control bytes as '?':
 * a refusal is one line of plain text, whatever the file or flag held. */
static const char *echo(char out[61], const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0' && n < 60; n++)
        out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    out[n] = '\0';
    return out;
}

static int set_addr(char *dst, size_t cap, const char *v, const char *key,
                    char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    char shown[61];
    if (strcmp(v, "off") != 0 && config_parse_addr(v, &ss) < 0) {
        snprintf(err, errlen,
                 "%s: expected ADDR:PORT, [IPV6]:PORT or off, got '%s'", key,
                 echo(shown, v));
        return UV_EINVAL;
    }
    return set_str(dst, cap, strcmp(v, "off") == 0 ? "" : v, key, err, errlen);
}

/* "SCHEME://HOST[:PORT][/]" into host and port (the scheme's own port when
 * none is given: 70 for gopher, 79 for finger). Host-name bytes only, so
 * that no menu line or link gets anything else from the configuration. */
static int set_public_url(char *host, size_t cap, int *port, const char *scheme,
                          const char *v, const char *key, char *err,
                          size_t errlen)
{
    char shown[61];
    size_t sl = strlen(scheme);
    const char *h = v;
    if (strncmp(v, scheme, sl) != 0 || strncmp(v + sl, "://", 3) != 0)
        goto bad;
    h = v + sl + 3;
    size_t n = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789.-[]");
    if (h[0] == '[') /* an IPv6 literal keeps its colons */
        n = strchr(h, ']') != NULL ? (size_t)(strchr(h, ']') - h) + 1 : 0;
    if (n == 0 || n >= cap)
        goto bad;
    int p = strcmp(scheme, "gopher") == 0 ? 70 : 79;
    const char *rest = h + n;
    if (*rest == ':') {
        char *end;
        long l = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || l < 1 || l > 65535)
            goto bad;
        p = (int)l;
        rest = end;
    }
    if (!(rest[0] == '\0' || (rest[0] == '/' && rest[1] == '\0')))
        goto bad;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = p;
    return 0;
bad:
    snprintf(err, errlen, "%s: expected %s://HOST[:PORT], got '%s'", key,
             scheme, echo(shown, v));
    return UV_EINVAL;
}

int config_set(struct serve_config *c, const char *k, const char *v, char *err,
               size_t errlen)
{
    if (strcmp(k, "http") == 0)
        return set_addr(c->http_addr, sizeof(c->http_addr), v, k, err, errlen);
    if (strcmp(k, "gopher") == 0)
        return set_addr(c->gopher_addr, sizeof(c->gopher_addr), v, k, err,
                        errlen);
    if (strcmp(k, "finger") == 0)
        return set_addr(c->finger_addr, sizeof(c->finger_addr), v, k, err,
                        errlen);
    if (strcmp(k, "hostname") == 0)
        return set_str(c->hostname, sizeof(c->hostname), v, k, err, errlen);
    if (strcmp(k, "name") == 0)
        return set_str(c->name, sizeof(c->name), v, k, err, errlen);
    if (strcmp(k, "base_url") == 0)
        return set_str(c->base_url, sizeof(c->base_url), v, k, err, errlen);
    /* The public address of HTTP (an alias of base_url), Gopher and
     * finger, where a proxy or a port forward serves them: links and menus
     * name it instead of hostname and the bound port. */
    if (strcmp(k, "public_http_url") == 0)
        return set_str(c->base_url, sizeof(c->base_url), v, k, err, errlen);
    if (strcmp(k, "public_gopher_url") == 0)
        return set_public_url(c->gopher_host, sizeof(c->gopher_host),
                              &c->gopher_public_port, "gopher", v, k, err,
                              errlen);
    if (strcmp(k, "public_finger_url") == 0)
        return set_public_url(c->finger_host, sizeof(c->finger_host),
                              &c->finger_public_port, "finger", v, k, err,
                              errlen);
    if (strcmp(k, "page_id") == 0) {
        /* Pollers use it as a key: letters, digits, '-' and '_' only. */
        size_t n = strlen(v);
        if (n == 0 || n >= sizeof(c->page_id) ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789-_") != n) {
            char shown[61];
            snprintf(err, errlen,
                     "%s: expected 1 to %zu of A-Z, a-z, 0-9, '-', '_', got "
                     "'%s'",
                     k, sizeof(c->page_id) - 1, echo(shown, v));
            return UV_EINVAL;
        }
        return set_str(c->page_id, sizeof(c->page_id), v, k, err, errlen);
    }
    if (strcmp(k, "time_zone") == 0)
        return set_str(c->time_zone, sizeof(c->time_zone), v, k, err, errlen);
    if (strcmp(k, "http_public_port") == 0)
        return set_int(&c->http_public_port, v, 0, 65535, k, err, errlen);
    if (strcmp(k, "gopher_public_port") == 0)
        return set_int(&c->gopher_public_port, v, 0, 65535, k, err, errlen);
    if (strcmp(k, "finger_public_port") == 0)
        return set_int(&c->finger_public_port, v, 0, 65535, k, err, errlen);
    if (strcmp(k, "max_age") == 0)
        return set_int(&c->max_age, v, 0, 86400, k, err, errlen);
    if (strcmp(k, "max_connections") == 0) {
        if (strcmp(v, "auto") == 0) {
            c->max_connections = 0;
            return 0;
        }
        return set_int(&c->max_connections, v, 1, 10000000, k, err, errlen);
    }
    if (strcmp(k, "backlog") == 0)
        return set_int(&c->backlog, v, 1, 65535, k, err, errlen);
    if (strcmp(k, "shutdown_grace_ms") == 0)
        return set_int(&c->shutdown_grace_ms, v, 0, 600000, k, err, errlen);
    if (strcmp(k, "view_cache_mb") == 0)
        return set_int(&c->view_cache_mb, v, 1, 65536, k, err, errlen);
    if (strcmp(k, "log_file") == 0)
        return set_str(c->log_file, sizeof(c->log_file), v, k, err, errlen);
    if (strcmp(k, "user") == 0)
        return set_str(c->user, sizeof(c->user), v, k, err, errlen);
    if (strcmp(k, "access_log") == 0) {
        if (v[0] == '\0') {
            snprintf(err, errlen, "access_log: expected a file or off");
            return UV_EINVAL;
        }
        return set_str(c->access_log, sizeof(c->access_log), v, k, err, errlen);
    }
    if (strcmp(k, "metrics") == 0)
        return set_addr(c->metrics_addr, sizeof(c->metrics_addr), v, k, err,
                        errlen);
    if (strcmp(k, "max_per_address") == 0)
        return set_int(&c->max_per_address, v, 1, 1000000, k, err, errlen);
    if (strcmp(k, "read_timeout_ms") == 0)
        return set_int(&c->read_timeout_ms, v, 0, 3600000, k, err, errlen);
    if (strcmp(k, "idle_timeout_ms") == 0)
        return set_int(&c->idle_timeout_ms, v, 0, 3600000, k, err, errlen);
    if (strcmp(k, "reload_ms") == 0)
        return set_int(&c->reload_ms, v, 50, 60000, k, err, errlen);
    if (strcmp(k, "max_searches") == 0)
        return set_int(&c->max_searches, v, 1, 64, k, err, errlen);
    if (strcmp(k, "search_queue") == 0)
        return set_int(&c->search_queue, v, 0, 100000, k, err, errlen);
    char shown[61];
    snprintf(err, errlen, "unknown setting '%s'", echo(shown, k));
    return UV_EINVAL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* One line of text (no line end), NUL-terminated in place. */
static int parse_line(struct serve_config *cfg, char *line, const char *name,
                      int lineno, char *err, size_t errlen)
{
    char why[200];
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        snprintf(err, errlen, "%s:%d: expected key = value", name, lineno);
        return UV_EINVAL;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    size_t vn = strlen(value);
    if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
        value[vn - 1] = '\0';
        value++;
    }
    int rc = config_set(cfg, key, value, why, sizeof(why));
    if (rc < 0)
        snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
    return rc;
}

int config_parse(struct serve_config *cfg, const char *text, size_t len,
                 const char *name, char *err, size_t errlen)
{
    /* Each line is copied whole, whatever its length: cutting it into
     * pieces would read the tail of a long comment as a setting. */
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (memchr(text + pos, '\0', n) != NULL) {
            snprintf(err, errlen, "%s:%d: NUL byte in the line", name, lineno);
            rc = UV_EINVAL;
            break;
        }
        if (n + 1 > cap) {
            char *grown = realloc(line, n + 1);
            if (grown == NULL) {
                snprintf(err, errlen, "%s: out of memory", name);
                rc = UV_ENOMEM;
                break;
            }
            line = grown;
            cap = n + 1;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        rc = parse_line(cfg, line, name, lineno, err, errlen);
        pos += n + 1;
    }
    free(line);
    return rc;
}

int config_load(struct serve_config *cfg, const char *path, char *err,
                size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open config %s: %s", path,
                 strerror(errno));
        return UV_ENOENT;
    }
    /* A config file is a few lines; a bound keeps a wrong path (a log, a
     * device) from being read without end. */
    char *text = malloc(CONFIG_MAX_FILE + 1);
    size_t len = text != NULL ? fread(text, 1, CONFIG_MAX_FILE + 1, f) : 0;
    bool failed = text == NULL || ferror(f);
    fclose(f);
    int rc;
    if (failed) {
        snprintf(err, errlen, "cannot read config %s", path);
        rc = UV_EINVAL;
    } else if (len > CONFIG_MAX_FILE) {
        snprintf(err, errlen, "config %s is larger than %d KiB", path,
                 CONFIG_MAX_FILE / 1024);
        rc = UV_EINVAL;
    } else {
        rc = config_parse(cfg, text, len, path, err, errlen);
    }
    free(text);
    return rc;
}
