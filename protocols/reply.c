#include "proto.h"

#include "../store/query.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

void reply_reset(struct reply *r)
{
    buf_reset(&r->head);
    buf_reset(&r->tail);
    r->body = NULL;
    r->body_len = 0;
    r->log[0] = '\0';
    r->log_referer[0] = '\0';
    r->log_agent[0] = '\0';
    r->status = 0;
    r->whole = false;
    snapshot_view_release(r->hold);
    r->hold = NULL;
}

void reply_free(struct reply *r)
{
    buf_free(&r->head);
    buf_free(&r->tail);
    r->body = NULL;
    r->body_len = 0;
    snapshot_view_release(r->hold);
    r->hold = NULL;
}

size_t reply_len(const struct reply *r)
{
    return r->head.len + r->body_len + r->tail.len;
}

size_t reply_log_escape(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t j = 0;
    if (cap == 0)
        return 0;
    /* A log line must not carry a peer's terminal escapes, fake line
     * ends, or a quote that closes its field early (the classic log
     * injection); Apache httpd's ap_escape_logitem() writes exactly
     * these escapes, which log parsers expect. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        char esc[4];
        size_t n;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            n = 2;
        } else if (c < 0x20 || c >= 0x7f) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            n = 4;
        } else {
            esc[0] = (char)c;
            n = 1;
        }
        if (j + n + 1 > cap)
            break;
        memcpy(dst + j, esc, n);
        j += n;
    }
    dst[j] = '\0';
    return j;
}

void reply_set_log(struct reply *r, const char *prefix, const char *what,
                   size_t len)
{
    r->log[0] = '\0';
    if (r->no_log)
        return;
    size_t j = 0;
    if (prefix != NULL) {
        j = strlen(prefix);
        if (j >= sizeof(r->log))
            j = sizeof(r->log) - 1;
        memcpy(r->log, prefix, j);
        r->log[j] = '\0';
    }
    reply_log_escape(r->log + j, sizeof(r->log) - j, what, len);
}

enum proto_line proto_first_line(const char *in, size_t len, size_t max,
                                 bool at_eof, size_t *line_len)
{
    size_t scan = len < max ? len : max;
    /* memchr may not be given a NULL buffer, even for 0 bytes. */
    const char *lf = scan > 0 ? memchr(in, '\n', scan) : NULL;
    if (lf != NULL) {
        *line_len = (size_t)(lf - in);
        return PROTO_LINE_DONE;
    }
    if (len >= max)
        return PROTO_LINE_TOO_LONG;
    if (!at_eof)
        return PROTO_LINE_MORE;
    *line_len = len;
    return PROTO_LINE_DONE;
}

size_t proto_parse_id(const char *p, int64_t *id)
{
    if (p[0] < '1' || p[0] > '9')
        return 0;
    int64_t v = 0;
    size_t i = 0;
    for (; p[i] >= '0' && p[i] <= '9'; i++) {
        if (v > (INT64_MAX - (p[i] - '0')) / 10)
            return 0;
        v = v * 10 + (p[i] - '0');
    }
    *id = v;
    return i;
}

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

size_t proto_parse_month(const char *p, int *year, int *month, int *page)
{
    if (!digits(p, 4) || p[4] != '-' || !digits(p + 5, 2))
        return 0;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
            (p[3] - '0');
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    if (m < 1 || m > 12)
        return 0;
    size_t n = 7;
    int pg = 1;
    if (p[7] == '/') {
        int64_t v;
        size_t k = proto_parse_id(p + 8, &v);
        if (k == 0 || v < 2 || v > 1000000)
            return 0;
        pg = (int)v;
        n = 8 + k;
    }
    *year = y;
    *month = m;
    *page = pg;
    return n;
}

struct walk {
    const char *prefix;
    void (*fn)(const struct view *v, void *arg);
    void *arg;
};

static void walk_snapshot_view(struct view *v, void *arg)
{
    struct walk *w = arg;
    if (strncmp(v->key, w->prefix, strlen(w->prefix)) == 0)
        w->fn(v, w->arg);
}

/* Looks key up through p and hands the view to fn, held for the call. */
static int walk_key(const struct proto *p, const struct snapshot *s,
                    const char *key, void (*fn)(const struct view *v, void *),
                    void *arg)
{
    const struct view *v = p->view(s, key);
    if (v == NULL)
        return UV_ENOMEM; /* every key walked names a page that exists */
    struct view *hold = snapshot_view_hold(v);
    fn(v, arg);
    snapshot_view_release(hold);
    return 0;
}

int proto_walk_views(const struct proto *p, const struct snapshot *s,
                     const char *prefix, const struct proto_keys *keys,
                     void (*fn)(const struct view *v, void *arg), void *arg)
{
    struct walk w = {prefix, fn, arg};
    snapshot_each_view((struct snapshot *)s, walk_snapshot_view, &w);
    char key[96];
    int rc = 0;
    for (size_t i = 0; i < s->n_incidents && rc == 0; i++)
        for (size_t f = 0; f < keys->n_post && rc == 0; f++) {
            snprintf(key, sizeof(key), keys->post[f], s->incidents[i].id);
            rc = walk_key(p, s, key, fn, arg);
        }
    for (size_t i = 0; i < s->n_services && rc == 0; i++)
        for (size_t f = 0; f < keys->n_service && rc == 0; f++) {
            snprintf(key, sizeof(key), keys->service[f], s->services[i].slug);
            /* A service shadowed by a fixed view of its name (finger's
             * "help") has no view of its own: the walk had that one. */
            if (snapshot_view(s, key) == NULL)
                rc = walk_key(p, s, key, fn, arg);
        }
    for (size_t m = 0; keys->month != NULL && m < s->n_months && rc == 0; m++)
        for (int page = 1; page <= query_month_pages(s, m) && rc == 0; page++) {
            int n = snprintf(key, sizeof(key), keys->month, s->months[m].year,
                             s->months[m].month);
            if (page > 1 && n > 0 && (size_t)n < sizeof(key))
                snprintf(key + n, sizeof(key) - (size_t)n, "/%d", page);
            rc = walk_key(p, s, key, fn, arg);
        }
    return rc;
}

int proto_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
