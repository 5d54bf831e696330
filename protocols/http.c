/* http: HTTP/1.0 and HTTP/1.1 (RFC 9110, 9112) over llhttp, answering
 * from the snapshot's pre-rendered views (http_prerender, the
 * http_proto.prerender) and from cached views of one post, service or
 * month, rendered on request (find_view; store/snapshot.h).
 *
 * One request at a time: on_message_complete pauses llhttp, so on_data
 * returns after exactly one request with *consumed up to its last byte,
 * and resumes the parser on the next call. Pipelined requests are thereby
 * answered in order, each reply written before the next one is parsed.
 * Everything llhttp hands a callback (URL, header values) is copied into
 * the state before the callback returns, so server/ may drop the consumed
 * bytes at once.
 *
 * The read path does no allocation beyond the reply head: bodies are
 * borrowed from the snapshot. A search is the exception: its page is made
 * per request, on the thread pool (a PROTO_JOB, search_reply()).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>
#include <uv.h>
#include <zlib.h>

#include "../store/common/timeutil.h"
#include "../store/query.h"
#include "../store/search.h"
#include "api.h"
#include "feeds.h"
#include "html.h"
#include "ics.h"
#include "proto.h"
#include "statuspage.h"
#include "text.h"

/* A request head (request line and header fields) of 8 KiB, of which the
 * target may take 2 KiB; a body is at most STORE_BODY_MAX (64 KiB). */
#define HTTP_MAX_URL 2048
#define HTTP_MAX_HEAD 8192
/* Enough for a few dozen entity tags; a longer If-None-Match is ignored
 * (the client then simply gets the full 200). */
#define HTTP_MAX_INM 512
#define HTTP_MAX_IMS 64
#define HTTP_MAX_AE 256
#define HTTP_MAX_AUTH 160
#define HTTP_MAX_CTYPE 128
#define HTTP_FIELD_MAX 32

#define HTTP_READ_TIMEOUT_MS 10000
#define HTTP_IDLE_TIMEOUT_MS 30000

#define HTTP_HTML "text/html; charset=utf-8"
#define HTTP_TEXT "text/plain; charset=utf-8"
#define HTTP_JSON "application/json"
#define HTTP_ATOM "application/atom+xml"
#define HTTP_RSS "application/rss+xml"
#define HTTP_ICS "text/calendar; charset=utf-8"

/* The page may be framed by nobody and run no script; the one inline
 * stylesheet needs style-src. */
#define HTTP_CSP                                                               \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "          \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

enum header_slot {
    SLOT_NONE = 0,
    SLOT_IF_NONE_MATCH,
    SLOT_IF_MODIFIED_SINCE,
    SLOT_ACCEPT_ENCODING,
    SLOT_AUTHORIZATION,
    SLOT_CONTENT_TYPE,
    SLOT_REFERER,
    SLOT_USER_AGENT,
};

struct http_state {
    llhttp_t parser;
    bool paused;      /* llhttp stopped at the end of a request */
    bool dead;        /* a closing error reply was made; parse no more */
    bool in_message;  /* a request has begun and is not complete */
    bool head_done;   /* its header section is complete */
    int refusal;      /* status found by a callback (414, 431, ...) or 0 */
    size_t head_raw;  /* raw bytes fed while the head was incomplete */
    size_t head_seen; /* bytes of target, field names and values */
    uint64_t body_seen;

    size_t url_len;
    char url[HTTP_MAX_URL + 1];

    /* The header field being read, to decide where its value goes. */
    char field[HTTP_FIELD_MAX];
    size_t field_len;
    bool field_long;
    enum header_slot slot;

    char inm[HTTP_MAX_INM + 1];
    size_t inm_len;
    bool inm_over;
    char ims[HTTP_MAX_IMS + 1];
    size_t ims_len;
    bool ims_over;
    char ae[HTTP_MAX_AE + 1];
    size_t ae_len;
    bool ae_over;
    char auth[HTTP_MAX_AUTH + 1];
    size_t auth_len;
    bool auth_over;
    char ctype[HTTP_MAX_CTYPE + 1];
    size_t ctype_len;
    bool ctype_over;
    /* For the access log only, and only while it is on (log_on): the
     * first bytes of Referer and User-Agent, as many as the log keeps. */
    bool log_on;
    bool have_version; /* the request line's version was read */
    char referer[sizeof(((struct reply *)0)->log_referer)];
    size_t referer_len;
    char agent[sizeof(((struct reply *)0)->log_agent)];
    size_t agent_len;

    /* The write API: its requests' bodies are kept (others are dropped),
     * and what the reply to a running command needs. */
    bool collect_body;
    struct buf body;
    struct api_pending pending;
    bool command_keep;
};

/* ---- llhttp callbacks ------------------------------------------------- */

static struct http_state *state_of(llhttp_t *p)
{
    return p->data;
}

static int refuse(struct http_state *st, int status)
{
    st->refusal = status;
    return HPE_USER;
}

/* The target and the field lines together; the request line's method and
 * version, the colons and line ends add a few bytes per line. */
static int count_head(struct http_state *st, size_t len)
{
    st->head_seen += len;
    if (st->head_seen > HTTP_MAX_HEAD)
        return refuse(st, 431);
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    struct http_state *st = state_of(p);
    st->in_message = true;
    st->head_done = false;
    st->refusal = 0;
    st->head_seen = 0;
    st->body_seen = 0;
    st->url_len = 0;
    st->url[0] = '\0';
    st->field_len = 0;
    st->field_long = false;
    st->slot = SLOT_NONE;
    st->inm_len = 0;
    st->inm_over = false;
    st->ims_len = 0;
    st->ims_over = false;
    st->ae_len = 0;
    st->ae_over = false;
    st->auth_len = 0;
    st->auth_over = false;
    st->ctype_len = 0;
    st->ctype_over = false;
    st->referer_len = 0;
    st->agent_len = 0;
    st->have_version = false;
    st->collect_body = false;
    buf_reset(&st->body);
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct http_state *st = state_of(p);
    if (len > HTTP_MAX_URL - st->url_len)
        return refuse(st, 414);
    memcpy(st->url + st->url_len, at, len);
    st->url_len += len;
    st->url[st->url_len] = '\0';
    return count_head(st, len);
}

/* An HTTP/0.9 request is a request line with no version ("GET /" CRLF)
 * and no header section. llhttp marks it as version 0.9 when the target
 * ends, then waits for header lines that such a client never sends, so
 * it would wait for the read deadline. It is refused at once instead. */
static int on_url_complete(llhttp_t *p)
{
    if (llhttp_get_http_major(p) == 0 && llhttp_get_http_minor(p) == 9)
        return refuse(state_of(p), 400);
    return 0;
}

static int on_version_complete(llhttp_t *p)
{
    state_of(p)->have_version = true;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct http_state *st = state_of(p);
    if (len > sizeof(st->field) - st->field_len)
        st->field_long = true;
    else {
        memcpy(st->field + st->field_len, at, len);
        st->field_len += len;
    }
    return count_head(st, len);
}

static bool field_is(const struct http_state *st, const char *name)
{
    size_t n = strlen(name);
    return !st->field_long && st->field_len == n &&
           strncasecmp(st->field, name, n) == 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    struct http_state *st = state_of(p);
    st->slot = SLOT_NONE;
    if (field_is(st, "if-none-match")) {
        st->slot = SLOT_IF_NONE_MATCH;
        /* Repeated field lines form one comma-separated list
         * (RFC 9110 §5.3). */
        if (st->inm_len > 0 && st->inm_len < HTTP_MAX_INM)
            st->inm[st->inm_len++] = ',';
    } else if (field_is(st, "if-modified-since")) {
        st->slot = SLOT_IF_MODIFIED_SINCE;
        st->ims_len = 0; /* the last one counts */
    } else if (field_is(st, "authorization")) {
        st->slot = SLOT_AUTHORIZATION;
        st->auth_len = 0;
    } else if (field_is(st, "content-type")) {
        st->slot = SLOT_CONTENT_TYPE;
        st->ctype_len = 0;
    } else if (st->log_on && field_is(st, "referer")) {
        st->slot = SLOT_REFERER;
        st->referer_len = 0; /* the last one counts */
    } else if (st->log_on && field_is(st, "user-agent")) {
        st->slot = SLOT_USER_AGENT;
        st->agent_len = 0;
    } else if (field_is(st, "accept-encoding")) {
        st->slot = SLOT_ACCEPT_ENCODING;
        if (st->ae_len > 0 && st->ae_len < HTTP_MAX_AE)
            st->ae[st->ae_len++] = ',';
    }
    st->field_len = 0;
    st->field_long = false;
    return count_head(st, 4); /* ": " and CRLF */
}

static void append_capped(char *dst, size_t *dst_len, size_t cap, bool *over,
                          const char *at, size_t len)
{
    if (len > cap - *dst_len) {
        *over = true;
        return;
    }
    memcpy(dst + *dst_len, at, len);
    *dst_len += len;
    dst[*dst_len] = '\0';
}

/* The first bytes of a value that is only logged: the rest is cut. */
static void append_cut(char *dst, size_t *dst_len, size_t cap, const char *at,
                       size_t len)
{
    size_t n = len < cap - *dst_len ? len : cap - *dst_len;
    memcpy(dst + *dst_len, at, n);
    *dst_len += n;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct http_state *st = state_of(p);
    if (st->slot == SLOT_REFERER)
        append_cut(st->referer, &st->referer_len, sizeof(st->referer), at, len);
    else if (st->slot == SLOT_USER_AGENT)
        append_cut(st->agent, &st->agent_len, sizeof(st->agent), at, len);
    if (st->slot == SLOT_IF_NONE_MATCH)
        append_capped(st->inm, &st->inm_len, HTTP_MAX_INM, &st->inm_over, at,
                      len);
    else if (st->slot == SLOT_IF_MODIFIED_SINCE)
        append_capped(st->ims, &st->ims_len, HTTP_MAX_IMS, &st->ims_over, at,
                      len);
    else if (st->slot == SLOT_ACCEPT_ENCODING)
        append_capped(st->ae, &st->ae_len, HTTP_MAX_AE, &st->ae_over, at, len);
    else if (st->slot == SLOT_AUTHORIZATION)
        append_capped(st->auth, &st->auth_len, HTTP_MAX_AUTH, &st->auth_over,
                      at, len);
    else if (st->slot == SLOT_CONTENT_TYPE)
        append_capped(st->ctype, &st->ctype_len, HTTP_MAX_CTYPE,
                      &st->ctype_over, at, len);
    return count_head(st, len);
}

static int on_header_value_complete(llhttp_t *p)
{
    state_of(p)->slot = SLOT_NONE;
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    struct http_state *st = state_of(p);
    st->head_done = true;
    /* llhttp accepts 0.9, 1.0, 1.1 and 2.0 in the request line; we speak
     * HTTP/1.x only (RFC 9110 §15.6.6). */
    if (p->http_major != 1 || p->http_minor > 1)
        return refuse(st, 505);
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > STORE_BODY_MAX)
        return refuse(st, 413);
    /* Only the write API reads bodies; everywhere else they are dropped
     * as they arrive, so they cost no memory. */
    st->collect_body = st->url_len >= 8 && memcmp(st->url, "/api/v1/", 8) == 0;
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct http_state *st = state_of(p);
    st->body_seen += len;
    if (st->body_seen > STORE_BODY_MAX)
        return refuse(st, 413);
    if (st->collect_body) {
        buf_append(&st->body, at, len);
        if (buf_failed(&st->body))
            return refuse(st, 503);
    }
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    state_of(p)->in_message = false;
    return HPE_PAUSED; /* one request at a time; see the file comment */
}

static const llhttp_settings_t parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_version_complete = on_version_complete,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- replies ---------------------------------------------------------- */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Internal Server Error";
    }
}

/* Every error body is one short line of plain text. The requested path is
 * never echoed: it is the peer's text, not ours. */
static const char *error_body(int status)
{
    switch (status) {
    case 400:
        return "400 Bad Request: the request could not be understood.\n";
    case 404:
        return "404 Not Found: no such page.\n";
    case 405:
        return "405 Method Not Allowed: this page can only be read "
               "(GET or HEAD).\n";
    case 408:
        return "408 Request Timeout: the request took too long to "
               "arrive.\n";
    case 413:
        return "413 Content Too Large: a request body may have 64 KiB at "
               "most.\n";
    case 414:
        return "414 URI Too Long: an address may have 2 KiB at most.\n";
    case 431:
        return "431 Request Header Fields Too Large: a request head may "
               "have 8 KiB at most.\n";
    case 503:
        return "503 Service Unavailable: too many connections; try again "
               "in a few seconds.\n";
    case 505:
        return "505 HTTP Version Not Supported: this server speaks "
               "HTTP/1.0 and HTTP/1.1.\n";
    default:
        return "500 Internal Server Error: the reply could not be made.\n";
    }
}

/* Reply heads are built per request from constant pieces, with no
 * printf and no per-piece bookkeeping: room is reserved once, then the
 * pieces are copied in. Formatting the same few fields again for every
 * reply was most of the protocol's time on a keep-alive connection. */
struct head {
    struct buf *b;
    char *p, *end; /* the cursor and the end of the reserved room */
    bool over;     /* a piece did not fit: the head is marked failed */
};

/* Room for every fixed piece of a head, the longest reason phrase and
 * both dates; head_open callers add their variable strings. */
#define HEAD_ROOM 768

static void head_open(struct head *h, struct buf *b, size_t room)
{
    buf_reserve(b, room);
    h->b = b;
    h->over = buf_failed(b);
    h->p = h->over ? NULL : b->data + b->len;
    h->end = h->over ? NULL : h->p + room;
}

static void head_close(struct head *h)
{
    if (h->over) {
        /* Failed, as if an append had run out of memory: the reply is
         * then dropped (buf_failed), never sent cut short. */
        h->b->oom = true;
        return;
    }
    h->b->len = (size_t)(h->p - h->b->data);
    *h->p = '\0';
}

static void head_put(struct head *h, const char *s, size_t n)
{
    if (h->over || n > (size_t)(h->end - h->p)) {
        h->over = true;
        return;
    }
    memcpy(h->p, s, n);
    h->p += n;
}

#define HEAD_LIT(h, lit) head_put((h), (lit), sizeof(lit) - 1)

static void head_str(struct head *h, const char *s)
{
    head_put(h, s, strlen(s));
}

static void head_uint(struct head *h, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    head_put(h, digits + sizeof(digits) - n, n);
}

/* An HTTP-date (RFC 9110 §5.6.7) for time t, formatted again only when t
 * changes. Heads are made on one thread only (the loop's), so a cache of
 * one entry per field suffices: the Date field changes once a second,
 * and Last-Modified once per change of the data. */
struct http_date_cache {
    int64_t t;
    size_t len;
    char text[TIME_BUFSZ];
};

static void head_date(struct head *h, struct http_date_cache *cache, int64_t t)
{
    if (cache->len == 0 || cache->t != t) {
        time_http(t, cache->text);
        cache->t = t;
        cache->len = strlen(cache->text);
    }
    head_put(h, cache->text, cache->len);
}

static struct http_date_cache date_now, date_changed;

static void head_status(struct head *h, int status)
{
    HEAD_LIT(h, "HTTP/1.1 ");
    head_uint(h, (uint64_t)status);
    HEAD_LIT(h, " ");
    head_str(h, reason_phrase(status));
    HEAD_LIT(h, "\r\nServer: outpost\r\nDate: ");
    head_date(h, &date_now, time_now());
    HEAD_LIT(h, "\r\n");
}

/* The status line, Server and Date, appended to b. */
static void status_line(struct buf *b, int status)
{
    struct head h;
    head_open(&h, b, HEAD_ROOM);
    head_status(&h, status);
    head_close(&h);
}

static void head_connection(struct head *h, bool keep)
{
    if (keep)
        HEAD_LIT(h, "Connection: keep-alive\r\n\r\n");
    else
        HEAD_LIT(h, "Connection: close\r\n\r\n");
}

/* The request's access log fields: the request line as the combined log
 * format has it ("METHOD target HTTP/1.1", the target cut to what the
 * line holds), Referer and User-Agent; "-" when no request line was read
 * (the peer sent bytes that are not one). */
static void log_request(struct reply *out, const struct http_state *st,
                        int status)
{
    char what[HTTP_MAX_URL + 32];
    size_t n = 0;
    out->status = status;
    out->log_referer[0] = out->log_agent[0] = '\0';
    if (out->no_log) {
        out->log[0] = '\0';
        return;
    }
    if (st != NULL && st->url_len > 0) {
        llhttp_t *p = (llhttp_t *)&st->parser;
        const char *m =
            llhttp_method_name((llhttp_method_t)llhttp_get_method(p));
        size_t mlen = strlen(m);
        if (mlen > 16)
            mlen = 16;
        memcpy(what, m, mlen);
        what[mlen] = ' ';
        n = mlen + 1;
        memcpy(what + n, st->url, st->url_len);
        n += st->url_len;
        /* The version, when the request line got as far as one. */
        if (st->have_version)
            n += (size_t)snprintf(what + n, sizeof(what) - n, " HTTP/%d.%d",
                                  llhttp_get_http_major(p) % 10,
                                  llhttp_get_http_minor(p) % 10);
        reply_log_escape(out->log_referer, sizeof(out->log_referer),
                         st->referer, st->referer_len);
        reply_log_escape(out->log_agent, sizeof(out->log_agent), st->agent,
                         st->agent_len);
    } else {
        what[n++] = '-';
    }
    reply_set_log(out, NULL, what, n);
}

/* An error reply: status line, a short text body (left out for HEAD),
 * and Connection as asked. extra is more header lines, or NULL. */
static void error_reply(struct reply *out, int status, bool keep_alive,
                        bool head_only, const char *extra)
{
    const char *body = error_body(status);
    size_t len = strlen(body);
    struct head h;
    buf_reset(&out->head);
    head_open(&h, &out->head, HEAD_ROOM + (extra != NULL ? strlen(extra) : 0));
    head_status(&h, status);
    HEAD_LIT(&h, "Content-Type: " HTTP_TEXT "\r\nContent-Length: ");
    head_uint(&h, len);
    HEAD_LIT(&h, "\r\nX-Content-Type-Options: nosniff\r\n"
                 "Cache-Control: no-store\r\n");
    if (extra != NULL)
        head_str(&h, extra);
    head_connection(&h, keep_alive);
    head_close(&h);
    /* The body is a string constant: it outlives any reply. */
    out->body = head_only ? NULL : body;
    out->body_len = head_only ? 0 : len;
}

/* A refusal after which nothing more of this connection is parsed. */
static enum proto_result fail(struct http_state *st, struct reply *out,
                              int status)
{
    reply_reset(out);
    if (st != NULL)
        st->dead = true;
    error_reply(out, status, false, false, NULL);
    log_request(out, st, status);
    return buf_failed(&out->head) ? PROTO_CLOSE : PROTO_REPLY_CLOSE;
}

/* ---- routing ---------------------------------------------------------- */

/* Turns the request target into a view key, "http:" + the decoded path
 * (no query, no fragment). Returns 0, 400 for a target that is not a path
 * (or a malformed %-escape), or 404 for a path no view can have. */
static int target_to_key(const char *url, size_t len, char *key,
                         size_t key_size)
{
    size_t i = 0;
    /* absolute-form (RFC 9112 §3.2.2): a proxy-style request names the
     * scheme and host; only the path matters to us. */
    size_t scheme = 0;
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    if (scheme > 0) {
        i = scheme;
        while (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
            i++;
        if (i == len || url[i] != '/') {
            snprintf(key, key_size, "http:/");
            return 0;
        }
    }
    if (i >= len || url[i] != '/')
        return 400;

    if (key_size < 6)
        return 404;
    memcpy(key, "http:", 5);
    size_t n = 5;
    for (; i < len && url[i] != '?' && url[i] != '#'; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c == '%') {
            int hi = i + 2 < len ? proto_hex_value(url[i + 1]) : -1;
            int lo = i + 2 < len ? proto_hex_value(url[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 400;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        /* No view has a control byte in its name. */
        if (c < 0x20 || c == 0x7f)
            return 404;
        if (n + 1 >= key_size)
            return 404;
        key[n++] = (char)c;
    }
    key[n] = '\0';
    return 0;
}

/* If-None-Match against our strong ETag, with the weak comparison that
 * RFC 9110 §13.1.2 prescribes for this field: W/ prefixes are ignored. */
static bool etag_matches(const char *list, size_t len, const char *etag)
{
    size_t elen = strlen(etag);
    size_t i = 0;
    while (i < len) {
        while (i < len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
            i++;
        if (i == len)
            break;
        if (list[i] == '*')
            return true;
        if (i + 2 <= len && list[i] == 'W' && list[i + 1] == '/')
            i += 2;
        size_t start = i;
        if (i < len && list[i] == '"') {
            i++;
            while (i < len && list[i] != '"')
                i++;
            if (i < len)
                i++; /* the closing quote */
        } else {
            while (i < len && list[i] != ',')
                i++;
        }
        if (i - start == elen && memcmp(list + start, etag, elen) == 0)
            return true;
    }
    return false;
}

/* Whether an Accept-Encoding q-value (RFC 9110 §12.4.2: "0", "0.", up to
 * three decimals) is zero, which means "not acceptable". Anything else,
 * a malformed value included, is read as acceptance: the client named the
 * coding, and the identity body stays available regardless. */
static bool qvalue_zero(const char *q, size_t len)
{
    if (len == 0 || q[0] != '0')
        return false;
    for (size_t i = 1; i < len; i++)
        if (q[i] != '.' && q[i] != '0')
            return false;
    return true;
}

/* Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3). A "gzip" or
 * "x-gzip" member decides by its q-value; without one, "*" decides the
 * same way; a field that names neither means no. (So "*;q=0, gzip" is
 * gzip, and "gzip;q=0, *" is not.) An over-long field never gets here:
 * it is read as "no", since the identity body is always acceptable. */
static bool http_accepts_gzip(const char *ae, size_t len)
{
    int gzip = -1, star = -1; /* -1: not named; 0: refused; 1: accepted */
    size_t i = 0;
    while (i < len) {
        while (i < len && (ae[i] == ' ' || ae[i] == '\t' || ae[i] == ','))
            i++;
        size_t tok = i;
        while (i < len && ae[i] != ',' && ae[i] != ';' && ae[i] != ' ' &&
               ae[i] != '\t')
            i++;
        size_t tok_len = i - tok;
        bool zero = false;
        /* Parameters: only q matters. */
        while (i < len && ae[i] != ',') {
            if (ae[i] != ';') {
                i++;
                continue;
            }
            i++;
            while (i < len && (ae[i] == ' ' || ae[i] == '\t'))
                i++;
            size_t name = i;
            while (i < len && ae[i] != '=' && ae[i] != ';' && ae[i] != ',')
                i++;
            if (i - name != 1 || (ae[name] != 'q' && ae[name] != 'Q') ||
                i == len || ae[i] != '=')
                continue;
            size_t val = ++i;
            while (i < len && ae[i] != ';' && ae[i] != ',' && ae[i] != ' ' &&
                   ae[i] != '\t')
                i++;
            zero = qvalue_zero(ae + val, i - val);
        }
        if ((tok_len == 4 && strncasecmp(ae + tok, "gzip", 4) == 0) ||
            (tok_len == 6 && strncasecmp(ae + tok, "x-gzip", 6) == 0))
            gzip = !zero;
        else if (tok_len == 1 && ae[tok] == '*')
            star = !zero;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}

/* The gzip variant's ETag: the identity ETag with "-gz" inside the
 * quotes, so caches never confuse the two bodies (RFC 9110 §8.8.3). */
static void gzip_etag(const char *etag, char *out, size_t cap)
{
    size_t n = strlen(etag);
    if (n >= 2 && etag[n - 1] == '"' && n + 3 < cap) {
        memcpy(out, etag, n - 1);
        memcpy(out + n - 1, "-gz\"", 5);
    } else {
        snprintf(out, cap, "%s", etag);
    }
}

static bool not_modified(const struct http_state *st,
                         const struct snapshot *snap, const char *etag)
{
    if (st->inm_len > 0 && !st->inm_over)
        return etag_matches(st->inm, st->inm_len, etag);
    /* If-Modified-Since only counts without If-None-Match (RFC 9110
     * §13.1.3), and only when we know when the data last changed. */
    if (st->inm_len > 0 || st->ims_len == 0 || st->ims_over ||
        snap->data_changed_at == 0)
        return false;
    int64_t since;
    if (time_parse_http(st->ims, st->ims_len, &since) != 0)
        return false;
    return snap->data_changed_at <= since;
}

/* What the head of a 200 or 304 from the snapshot says. */
struct reply_meta {
    const char *content_type;
    size_t len;       /* of the body this reply would carry */
    const char *etag; /* quoted */
    bool gz;          /* the body is the gzip variant */
    bool vary;        /* the choice depended on Accept-Encoding */
};

/* The fields of a 200 or (fresh) 304 between Date and Connection:
 * validators and caching fields on both, the body's type and length only
 * on the 200. */
static void ok_fields(struct head *h, const struct snapshot *snap,
                      const struct reply_meta *m, bool fresh)
{
    /* A 304 carries the validators and caching fields a 200 would, but no
     * Content-Length: there is no body to measure (RFC 9110 §15.4.5). */
    if (!fresh) {
        HEAD_LIT(h, "Content-Type: ");
        head_str(h, m->content_type);
        HEAD_LIT(h, "\r\nContent-Length: ");
        head_uint(h, m->len);
        HEAD_LIT(h, "\r\n");
    }
    if (m->gz)
        HEAD_LIT(h, "Content-Encoding: gzip\r\n");
    if (m->vary)
        HEAD_LIT(h, "Vary: Accept-Encoding\r\n");
    HEAD_LIT(h, "ETag: ");
    head_str(h, m->etag);
    HEAD_LIT(h, "\r\n");
    if (snap->data_changed_at != 0) {
        HEAD_LIT(h, "Last-Modified: ");
        head_date(h, &date_changed, snap->data_changed_at);
        HEAD_LIT(h, "\r\n");
    }
    HEAD_LIT(h, "Cache-Control: public, max-age=");
    head_uint(h, snap->site.max_age > 0 ? (uint64_t)snap->site.max_age : 0);
    HEAD_LIT(h, "\r\nX-Content-Type-Options: nosniff\r\n");
    if (strncmp(m->content_type, "text/html", 9) == 0)
        HEAD_LIT(h, "Content-Security-Policy: " HTTP_CSP "\r\n");
}

/* Those fields depend on nothing but what is compared here, so the bytes
 * made for one reply serve every later reply with the same inputs: the
 * same view, in the same variant, of data changed at the same time. A
 * small table of them (one thread: the loop's) spares a busy view the
 * work of making its head again for every request; a miss makes the
 * fields anew and takes the slot. Matching on the inputs themselves, not
 * on pointers, keeps a freed and reused view from ever matching. */
#define HEAD_MEMO_SLOTS 64
#define HEAD_MEMO_BYTES 640
#define HEAD_MEMO_TYPE 64

struct head_memo {
    char etag[SNAPSHOT_ETAG_MAX + 4];
    char content_type[HEAD_MEMO_TYPE];
    size_t len;
    int64_t changed_at;
    int max_age;
    bool gz, vary, fresh;
    size_t n; /* bytes held; 0: an empty slot */
    char bytes[HEAD_MEMO_BYTES];
};

static struct head_memo head_memo[HEAD_MEMO_SLOTS];

static struct head_memo *memo_slot(const struct reply_meta *m, bool fresh)
{
    /* The ETag is a hash of the body already: its last hex digits spread
     * the views over the table. */
    size_t n = strlen(m->etag), k = 0;
    for (size_t i = n > 4 ? n - 4 : 0; i < n; i++)
        k = k * 31 + (unsigned char)m->etag[i];
    return &head_memo[(k * 2 + fresh) % HEAD_MEMO_SLOTS];
}

static bool memo_matches(const struct head_memo *e, const struct snapshot *snap,
                         const struct reply_meta *m, bool fresh)
{
    return e->n > 0 && e->len == m->len && e->fresh == fresh &&
           e->gz == m->gz && e->vary == m->vary &&
           e->changed_at == snap->data_changed_at &&
           e->max_age == snap->site.max_age && strcmp(e->etag, m->etag) == 0 &&
           strcmp(e->content_type, m->content_type) == 0;
}

static void memo_fill(struct head_memo *e, const struct snapshot *snap,
                      const struct reply_meta *m, bool fresh, const char *bytes,
                      size_t n)
{
    e->n = 0;
    if (n == 0 || n > sizeof(e->bytes) || strlen(m->etag) >= sizeof(e->etag) ||
        strlen(m->content_type) >= sizeof(e->content_type))
        return; /* not kept: made anew each time */
    strcpy(e->etag, m->etag);
    strcpy(e->content_type, m->content_type);
    e->len = m->len;
    e->changed_at = snap->data_changed_at;
    e->max_age = snap->site.max_age;
    e->gz = m->gz;
    e->vary = m->vary;
    e->fresh = fresh;
    memcpy(e->bytes, bytes, n);
    e->n = n;
}

/* The head of a 200 or (fresh) 304. */
static void ok_head(struct buf *out, const struct snapshot *snap,
                    const struct reply_meta *m, bool fresh, bool keep)
{
    struct head h;
    head_open(&h, out,
              HEAD_ROOM + sizeof(HTTP_CSP) + strlen(m->content_type) +
                  strlen(m->etag));
    head_status(&h, fresh ? 304 : 200);
    struct head_memo *e = memo_slot(m, fresh);
    if (memo_matches(e, snap, m, fresh)) {
        head_put(&h, e->bytes, e->n);
    } else {
        char *start = h.p;
        ok_fields(&h, snap, m, fresh);
        if (!h.over)
            memo_fill(e, snap, m, fresh, start, (size_t)(h.p - start));
    }
    head_connection(&h, keep);
    head_close(&h);
}

/* The 200 or 304 for a view; etag is that of the body chosen (gz). */
static void view_reply(struct reply *out, const struct snapshot *snap,
                       const struct view *v, const char *etag, bool gz,
                       bool fresh, bool head_only, bool keep)
{
    /* Whether or not this reply is compressed, the choice depended on
     * Accept-Encoding for every view that has a gzip body. */
    struct reply_meta m = {v->content_type, gz ? v->gzip_len : v->len, etag, gz,
                           v->gzip != NULL};
    ok_head(&out->head, snap, &m, fresh, keep);
    if (!fresh && !head_only) {
        out->body = gz ? v->gzip : v->body;
        out->body_len = gz ? v->gzip_len : v->len;
    }
}

/* Finds parameter `name` in the query string of url and decodes it
 * (application/x-www-form-urlencoded: '+' is a space, %XX a byte) into
 * out. Returns 0 (an absent parameter gives ""), 400 for a malformed
 * escape or a NUL byte, 414 when the decoded value does not fit. */
static int query_param(const char *url, size_t len, const char *name, char *out,
                       size_t cap)
{
    const char *q = memchr(url, '?', len);
    out[0] = '\0';
    if (q == NULL)
        return 0;
    size_t nlen = strlen(name);
    const char *end = url + len;
    const char *hash = memchr(q, '#', (size_t)(end - q));
    if (hash != NULL)
        end = hash;
    for (const char *p = q + 1; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 &&
            p[nlen] == '=') {
            size_t n = 0;
            for (const char *c = p + nlen + 1; c < stop; c++) {
                int ch = (unsigned char)*c;
                if (ch == '+') {
                    ch = ' ';
                } else if (ch == '%') {
                    int hi = c + 2 < stop ? proto_hex_value(c[1]) : -1;
                    int lo = c + 2 < stop ? proto_hex_value(c[2]) : -1;
                    if (hi < 0 || lo < 0)
                        return 400;
                    ch = hi * 16 + lo;
                    c += 2;
                }
                if (ch == 0)
                    return 400;
                if (n + 1 >= cap)
                    return 414;
                out[n++] = (char)ch;
            }
            out[n] = '\0';
            return 0;
        }
        p = stop + 1;
    }
    return 0;
}

/* The search page in out->tail, answered: made per request but from the
 * snapshot alone, so it validates like any view: same query, same
 * snapshot, same bytes, same ETag. Never compressed: gzip is made once
 * per snapshot, and this page is not. */
static enum proto_result search_answer(struct http_state *st,
                                       const struct snapshot *snap,
                                       struct reply *out, const char *etag,
                                       bool head_only, bool keep)
{
    bool fresh = not_modified(st, snap, etag);
    struct reply_meta m = {HTTP_HTML, out->tail.len, etag, false, false};
    ok_head(&out->head, snap, &m, fresh, keep);
    if (fresh || head_only)
        buf_reset(&out->tail);
    log_request(out, st, fresh ? 304 : 200);
    if (buf_failed(&out->head))
        return PROTO_CLOSE;
    if (!keep)
        st->dead = true;
    return keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
}

/* A search, run on the thread pool (PROTO_JOB): the request it answers,
 * then the page it rendered. */
struct search_job {
    struct proto_job base; /* first: a proto_job* is a search_job* */
    char q[QUERY_MAX + 1];
    size_t page;
    bool head_only, keep;
    struct buf body;
    char etag[SNAPSHOT_ETAG_MAX];
};

/* Worker thread: the search and the whole page, so that the loop only
 * sends it; nothing here touches the connection's state. */
static void search_job_run(struct proto_job *pj, const struct snapshot *snap,
                           const char *db_path)
{
    struct search_job *job = (struct search_job *)pj;
    struct search_page res;
    int rc =
        search_run(db_path, snap, job->q, job->page, HTML_SEARCH_MAX, &res);
    html_search_results(&job->body, snap, job->q, false, rc, job->page,
                        rc == 0 ? &res : NULL);
    if (rc == 0)
        search_page_free(&res);
    snapshot_etag(job->body.data != NULL ? job->body.data : "", job->body.len,
                  job->etag);
}

static void search_job_release(struct proto_job *pj)
{
    struct search_job *job = (struct search_job *)pj;
    buf_free(&job->body);
    free(job);
}

static enum proto_result http_on_job_done(void *state,
                                          const struct snapshot *snap,
                                          struct proto_job *pj, int status,
                                          struct reply *out)
{
    struct http_state *st = state;
    struct search_job *job = (struct search_job *)pj;
    reply_reset(out);
    if (status != 0) {
        /* Too many searches at once, or shutting down: come back soon
         * (RFC 9110 §15.6.4 and §10.2.3). */
        error_reply(out, 503, job->keep, job->head_only, "Retry-After: 1\r\n");
        log_request(out, st, 503);
        if (buf_failed(&out->head))
            return PROTO_CLOSE;
        if (!job->keep)
            st->dead = true;
        return job->keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
    }
    if (buf_failed(&job->body))
        return fail(st, out, 500);
    /* The page moves into the reply; the reply's old buffer goes with the
     * job. */
    struct buf t = out->tail;
    out->tail = job->body;
    job->body = t;
    return search_answer(st, snap, out, job->etag, job->head_only, job->keep);
}

/* The page number of a search: absent (the first), or 1..SEARCH_PAGE_MAX
 * in plain digits; 0 for anything else. */
static size_t page_number(const char *v)
{
    if (v[0] == '\0')
        return 1;
    size_t n = 0;
    for (const char *p = v; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || n > SEARCH_PAGE_MAX)
            return 0;
        n = n * 10 + (size_t)(*p - '0');
    }
    return n >= 1 && n <= SEARCH_PAGE_MAX ? n : 0;
}

/* /search?q=...[&page=N]: the one page that depends on the request. The
 * form alone, or a refusal, is made here; a search runs off the loop
 * (PROTO_JOB), and the page it makes is sent from owned memory. */
static enum proto_result search_reply(struct http_state *st,
                                      const struct snapshot *snap,
                                      struct reply *out, int method,
                                      bool head_only, bool keep)
{
    if (method != HTTP_GET && method != HTTP_HEAD) {
        error_reply(out, 405, keep, head_only, "Allow: GET, HEAD\r\n");
        log_request(out, st, 405);
        if (!keep)
            st->dead = true;
        return keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
    }
    char q[HTTP_MAX_URL + 1];
    int bad = query_param(st->url, st->url_len, "q", q, sizeof(q));
    if (bad == 400)
        return fail(st, out, 400);
    char pg[16];
    int pbad = query_param(st->url, st->url_len, "page", pg, sizeof(pg));
    size_t page = pbad == 0 ? page_number(pg) : 0;
    if (page == 0)
        return fail(st, out, 400);
    bool too_long = bad != 0 || strlen(q) > QUERY_MAX;
    if (too_long)
        q[0] = '\0';
    if (!too_long && q[0] != '\0') {
        struct search_job *job = calloc(1, sizeof(*job));
        if (job == NULL)
            return fail(st, out, 500);
        job->base.run = search_job_run;
        job->base.release = search_job_release;
        memcpy(job->q, q, strlen(q) + 1);
        job->page = page;
        job->head_only = head_only;
        job->keep = keep;
        out->job = &job->base;
        return PROTO_JOB;
    }
    html_search_results(&out->tail, snap, q, too_long, 0, 1, NULL);
    if (buf_failed(&out->tail))
        return fail(st, out, 500);
    char etag[SNAPSHOT_ETAG_MAX];
    snapshot_etag(out->tail.data, out->tail.len, etag);
    return search_answer(st, snap, out, etag, head_only, keep);
}

/* A JSON reply of the write API: status, body in out->tail. */
static void api_json_reply(struct reply *out, int status, bool keep,
                           const char *allow, const char *location)
{
    struct buf *h = &out->head;
    status_line(h, status);
    buf_printf(h,
               "Content-Type: " HTTP_JSON "\r\nContent-Length: %zu\r\n"
               "Cache-Control: no-store\r\n"
               "X-Content-Type-Options: nosniff\r\n",
               out->tail.len);
    if (status == 401)
        buf_puts(h, "WWW-Authenticate: Bearer realm=\"outpost\"\r\n");
    if (allow != NULL)
        buf_printf(h, "Allow: %s\r\n", allow);
    if (location != NULL && location[0] != '\0')
        buf_printf(h, "Location: %s\r\n", location);
    buf_printf(h, "Connection: %s\r\n\r\n", keep ? "keep-alive" : "close");
}

/* /api/v1/...: a refusal now, or a command for server/ to run. */
static enum proto_result api_reply(struct http_state *st,
                                   const struct snapshot *snap,
                                   struct reply *out, int method,
                                   const char *path, bool keep)
{
    struct api_request req = {
        .method = method,
        .path = path,
        .auth = st->auth_len > 0 && !st->auth_over ? st->auth : NULL,
        .ctype = st->ctype_len > 0 && !st->ctype_over ? st->ctype : NULL,
        .body = st->body.data,
        .body_len = st->body.len,
    };
    const char *allow = NULL;
    struct store_command *cmd = NULL;
    int status =
        api_request(snap, &req, &cmd, &st->pending, &out->tail, &allow);
    /* The body has served its purpose; keep no copy of what may be
     * sensitive text longer than needed. */
    buf_reset(&st->body);
    if (status != 0) {
        api_json_reply(out, status, keep, allow, NULL);
        log_request(out, st, status);
        if (!keep)
            st->dead = true;
        return keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
    }
    out->command = cmd;
    st->command_keep = keep;
    log_request(out, st, 0);
    return PROTO_COMMAND;
}

static enum proto_result http_on_command_done(void *state,
                                              const struct snapshot *snap,
                                              const struct store_result *res,
                                              struct reply *out)
{
    struct http_state *st = state;
    char location[600];
    reply_reset(out);
    int status = api_result(snap, &st->pending, res, &out->tail, location,
                            sizeof(location));
    api_json_reply(out, status, st->command_keep, NULL, location);
    log_request(out, st, status);
    if (buf_failed(&out->head) || buf_failed(&out->tail))
        return PROTO_CLOSE;
    if (!st->command_keep)
        st->dead = true;
    return st->command_keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
}

static const struct view *find_view(const struct snapshot *s, const char *key);

/* Answers the request that just completed. */
static enum proto_result respond(struct http_state *st,
                                 const struct snapshot *snap, struct reply *out)
{
    llhttp_t *p = &st->parser;
    int method = llhttp_get_method(p);
    bool head_only = method == HTTP_HEAD;
    /* An Upgrade (h2c, websocket) is not taken up: answer the request as
     * plain HTTP/1.1 and close, so no upgraded bytes get parsed as a
     * request (RFC 9110 §7.8 lets a server ignore Upgrade). */
    bool keep = llhttp_should_keep_alive(p) && !llhttp_get_upgrade(p);

    reply_reset(out);
    char key[HTTP_MAX_URL + 8];
    int bad = target_to_key(st->url, st->url_len, key, sizeof(key));
    if (bad == 400)
        return fail(st, out, 400);

    if (bad == 0 && strcmp(key, "http:/search") == 0)
        return search_reply(st, snap, out, method, head_only, keep);
    if (bad == 0 && strncmp(key, "http:/api/v1/", 13) == 0)
        return api_reply(st, snap, out, method, key + 5, keep);

    const struct view *v = bad == 0 ? find_view(snap, key) : NULL;
    int status;
    if (v == NULL || v->content_type == NULL) {
        status = 404;
        error_reply(out, status, keep, head_only, NULL);
    } else if (method != HTTP_GET && method != HTTP_HEAD) {
        status = 405;
        error_reply(out, status, keep, head_only, "Allow: GET, HEAD\r\n");
    } else {
        bool gz = v->gzip != NULL && !st->ae_over &&
                  http_accepts_gzip(st->ae, st->ae_len);
        char gz_etag[sizeof(v->etag) + 4];
        const char *etag = v->etag;
        if (gz) {
            gzip_etag(v->etag, gz_etag, sizeof(gz_etag));
            etag = gz_etag;
        }
        bool fresh = not_modified(st, snap, etag);
        status = fresh ? 304 : 200;
        view_reply(out, snap, v, etag, gz, fresh, head_only, keep);
        if (out->body != NULL && v->cached) /* it may go before it is sent */
            out->hold = snapshot_view_hold(v);
    }
    log_request(out, st, status);
    if (buf_failed(&out->head))
        return PROTO_CLOSE;
    if (!keep)
        st->dead = true;
    return keep ? PROTO_REPLY : PROTO_REPLY_CLOSE;
}

/* ---- the protocol ----------------------------------------------------- */

static void http_init(void *state)
{
    struct http_state *st = state;
    llhttp_init(&st->parser, HTTP_REQUEST, &parser_settings);
    st->parser.data = st;
}

static void http_fini(void *state)
{
    struct http_state *st = state;
    buf_free(&st->body); /* the one allocation: an API request's body */
}

static int status_for_error(const struct http_state *st, llhttp_errno_t e)
{
    if (st->refusal != 0)
        return st->refusal;
    switch (e) {
    case HPE_INVALID_VERSION:
    case HPE_PAUSED_H2_UPGRADE: /* the HTTP/2 connection preface */
        return 505;
    default:
        return 400;
    }
}

static enum proto_result http_on_data(void *state, const struct snapshot *snap,
                                      const char *in, size_t len,
                                      size_t *consumed, struct reply *out)
{
    struct http_state *st = state;
    *consumed = 0;
    if (st->dead) {
        *consumed = len;
        return PROTO_CLOSE;
    }
    st->parser.data = st;
    st->log_on = !out->no_log;
    if (st->paused) {
        llhttp_resume(&st->parser);
        st->paused = false;
    }
    if (len == 0)
        return PROTO_MORE;

    llhttp_errno_t e = llhttp_execute(&st->parser, in, len);
    if (e == HPE_PAUSED) {
        const char *end = llhttp_get_error_pos(&st->parser);
        *consumed = end != NULL && end >= in && end <= in + len
                        ? (size_t)(end - in)
                        : len;
        st->paused = true;
        st->head_raw = 0;
        st->head_done = false;
        enum proto_result r = respond(st, snap, out);
        out->whole = true; /* paused only when a message is complete */
        return r;
    }
    *consumed = len;
    if (e == HPE_OK) {
        /* Callbacks count the target and fields; this also catches a head
         * padded with what llhttp skips silently (whitespace, empty lines)
         * and so never reaches a callback. */
        if (!st->head_done) {
            st->head_raw += len;
            if (st->head_raw > HTTP_MAX_HEAD + HTTP_MAX_URL)
                return fail(st, out, 431);
        }
        return PROTO_MORE;
    }
    return fail(st, out, status_for_error(st, e));
}

static enum proto_result http_on_limit(void *state, const struct snapshot *snap,
                                       struct reply *out)
{
    struct http_state *st = state;
    return fail(st, out, st->head_done ? 413 : 431);
}

static enum proto_result http_on_timeout(void *state,
                                         const struct snapshot *snap,
                                         const char *in, size_t len,
                                         struct reply *out)
{
    struct http_state *st = state;
    /* Idle between requests: just close. Half a request: say why. (HTTP
     * consumes every byte it is given, so len is normally 0 and the
     * parser's state is what tells.) */
    if (st->dead || (!st->in_message && len == 0))
        return PROTO_CLOSE;
    return fail(st, out, 408);
}

static void http_busy(const struct snapshot *snap, struct reply *out)
{
    reply_reset(out);
    error_reply(out, 503, false, false, "Retry-After: 5\r\n");
    reply_set_log(out, NULL, "-", 1);
    out->status = 503;
}

/* ---- pre-rendering ---------------------------------------------------- */

/* Bodies smaller than this gain too little from compression to be worth a
 * second copy. */
#define HTTP_GZIP_MIN 512

/* A gzip copy of body (zlib, level 6, gzip wrapper) into *gz, or NULL
 * when it would not pay: a small or incompressible body. UV_ENOMEM. */
static int gzip_body(const char *body, size_t len, char **gz_out,
                     size_t *gz_len_out)
{
    *gz_out = NULL;
    *gz_len_out = 0;
    if (len < HTTP_GZIP_MIN)
        return 0;
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16 asks zlib for the gzip wrapper (RFC 1952). */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return UV_ENOMEM;
    uLong cap = deflateBound(&z, (uLong)len);
    unsigned char *gz = malloc(cap);
    if (gz == NULL) {
        deflateEnd(&z);
        return UV_ENOMEM;
    }
    z.next_in = (unsigned char *)body;
    z.avail_in = (uInt)len;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t gz_len = z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END || gz_len >= len) {
        free(gz); /* incompressible: serve identity only */
        return 0;
    }
    *gz_out = (char *)gz;
    *gz_len_out = gz_len;
    return 0;
}

struct gzip_pass {
    struct snapshot *s;
    int rc;
};

/* Adds a gzip body to an HTTP view. */
static void gzip_view(struct view *v, void *arg)
{
    struct gzip_pass *pass = arg;
    if (pass->rc != 0 || strncmp(v->key, "http:", 5) != 0 || v->gzip != NULL)
        return;
    char *gz;
    size_t gz_len;
    pass->rc = gzip_body(v->body, v->len, &gz, &gz_len);
    if (pass->rc == 0 && gz != NULL &&
        snapshot_set_view_gzip(pass->s, v->key, gz, gz_len) != 0)
        pass->rc = UV_ENOMEM;
}

/* A rendered page into the view cache under key and stamp, compressed
 * once here like the snapshot views; NULL on OOM. */
static const struct view *cache_page(const struct snapshot *s, const char *key,
                                     uint64_t stamp, const char *type,
                                     struct buf *b)
{
    if (buf_failed(b)) {
        buf_free(b);
        return NULL;
    }
    size_t len = 0;
    char *body = buf_steal(b, &len);
    if (body == NULL && (body = calloc(1, 1)) == NULL)
        return NULL;
    char *gz;
    size_t gz_len;
    if (gzip_body(body, len, &gz, &gz_len) != 0) {
        free(body);
        return NULL;
    }
    return snapshot_cache_view(s, key, stamp, type, body, len, gz, gz_len);
}

/* The service whose feed name is "SLUG.atom" or "SLUG.rss" (*rss says
 * which), or NULL. */
static const struct service *feed_service(const struct snapshot *s,
                                          const char *name, bool *rss)
{
    const char *dot = strrchr(name, '.');
    char slug[40];
    size_t n = dot != NULL ? (size_t)(dot - name) : 0;
    if (n == 0 || n >= sizeof(slug) ||
        (strcmp(dot, ".atom") != 0 && strcmp(dot, ".rss") != 0))
        return NULL;
    memcpy(slug, name, n);
    slug[n] = '\0';
    *rss = strcmp(dot, ".rss") == 0;
    return snapshot_service(s, slug);
}

/* A snapshot view, or else a post's, a service's or a month's page from
 * the cache,
 * rendered now if it is not there as of this snapshot (snapshot.h): one
 * post, or one page of a month, which bounds the work. NULL: no such
 * page (404), or out of memory. */
static const struct view *find_view(const struct snapshot *s, const char *key)
{
    const struct view *v = snapshot_view(s, key);
    if (v != NULL)
        return v;
    struct buf b = BUF_INIT;
    int64_t id;
    size_t n;
    if (strncmp(key, "http:/incidents/", 16) == 0 &&
        (n = proto_parse_id(key + 16, &id)) > 0) {
        const char *rest = key + 16 + n;
        bool txt = strcmp(rest, ".txt") == 0;
        const struct incident *inc = snapshot_incident(s, id);
        if (inc == NULL || (!txt && rest[0] != '\0'))
            return NULL;
        /* The HTML page shows the server time, the text one does not. */
        uint64_t stamp = snapshot_post_stamp(s, inc, !txt);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        if (txt)
            text_incident(&b, s, inc, true);
        else
            html_incident(&b, s, inc);
        return cache_page(s, key, stamp, txt ? HTTP_TEXT : HTTP_HTML, &b);
    }
    const struct service *svc;
    bool rss = false;
    if (strncmp(key, "http:/services/", 15) == 0 &&
        (svc = feed_service(s, key + 15, &rss)) != NULL) {
        /* A service's feeds show no clock: stamped by its posts alone. */
        uint64_t stamp = query_service_stamp(s, (size_t)(svc - s->services),
                                             FEEDS_SERVICE_ENTRIES, false);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        if (rss)
            feeds_service_rss(&b, s, svc);
        else
            feeds_service_atom(&b, s, svc);
        return cache_page(s, key, stamp, rss ? HTTP_RSS : HTTP_ATOM, &b);
    }
    if (strncmp(key, "http:/services/", 15) == 0 &&
        (svc = snapshot_service(s, key + 15)) != NULL) {
        uint64_t stamp = query_service_stamp(s, (size_t)(svc - s->services),
                                             HTML_SERVICE_POSTS, true);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        html_service(&b, s, svc);
        return cache_page(s, key, stamp, HTTP_HTML, &b);
    }
    int year, month, page;
    if (strncmp(key, "http:/history/", 14) == 0 &&
        (n = proto_parse_month(key + 14, &year, &month, &page)) > 0 &&
        key[14 + n] == '\0') {
        int m = query_find_month(s, year, month);
        if (m < 0 || page > query_month_pages(s, (size_t)m))
            return NULL;
        uint64_t stamp = snapshot_month_stamp(s, (size_t)m, page, true);
        if ((v = snapshot_cached_view(s, key, stamp)) != NULL)
            return v;
        html_history_month(&b, s, year, month, page);
        return cache_page(s, key, stamp, HTTP_HTML, &b);
    }
    return NULL;
}

/* Hands a rendered buf to the snapshot as view `key`. */
static int put_view(struct snapshot *s, const char *key, const char *type,
                    struct buf *b)
{
    if (buf_failed(b)) {
        buf_free(b);
        return UV_ENOMEM;
    }
    size_t len = 0;
    char *body = buf_steal(b, &len);
    if (body == NULL) {
        body = calloc(1, 1); /* an empty view is still a view */
        if (body == NULL)
            return UV_ENOMEM;
    }
    return snapshot_put_view(s, key, type, body, len);
}

static int http_prerender(struct snapshot *s)
{
    struct buf b = BUF_INIT;
    int rc;
    snapshot_seal(s);

    html_summary(&b, s);
    if ((rc = put_view(s, "http:/", HTTP_HTML, &b)) != 0)
        return rc;
    text_summary(&b, s);
    if ((rc = put_view(s, "http:/status.txt", HTTP_TEXT, &b)) != 0)
        return rc;
    html_help(&b, s);
    if ((rc = put_view(s, "http:/help", HTTP_HTML, &b)) != 0)
        return rc;
    text_help(&b, s);
    if ((rc = put_view(s, "http:/help.txt", HTTP_TEXT, &b)) != 0)
        return rc;

    html_history(&b, s);
    if ((rc = put_view(s, "http:/history", HTTP_HTML, &b)) != 0)
        return rc;
    feeds_atom(&b, s);
    if ((rc = put_view(s, "http:/history.atom", HTTP_ATOM, &b)) != 0)
        return rc;
    feeds_rss(&b, s);
    if ((rc = put_view(s, "http:/history.rss", HTTP_RSS, &b)) != 0)
        return rc;
    ics_maintenance(&b, s);
    if ((rc = put_view(s, "http:/maintenance.ics", HTTP_ICS, &b)) != 0)
        return rc;

    for (int d = 0; d < STATUSPAGE_DOC_COUNT; d++) {
        char key[96];
        statuspage_render(&b, s, (enum statuspage_doc)d);
        snprintf(key, sizeof(key), "http:%s",
                 statuspage_path((enum statuspage_doc)d));
        if ((rc = put_view(s, key, HTTP_JSON, &b)) != 0)
            return rc;
    }
    /* Compress once per snapshot, never per request. */
    struct gzip_pass pass = {s, 0};
    snapshot_each_view(s, gzip_view, &pass);
    return pass.rc;
}

static int http_each_view(const struct snapshot *s,
                          void (*fn)(const struct view *v, void *arg),
                          void *arg)
{
    static const char *const posts[] = {"http:/incidents/%" PRId64,
                                        "http:/incidents/%" PRId64 ".txt"};
    static const char *const services[] = {
        "http:/services/%s", "http:/services/%s.atom", "http:/services/%s.rss"};
    static const struct proto_keys keys = {posts, 2, services, 3,
                                           "http:/history/%04d-%02d"};
    return proto_walk_views(&http_proto, s, "http:", &keys, fn, arg);
}

const struct proto http_proto = {
    .name = "http",
    .state_size = sizeof(struct http_state),
    .max_request = HTTP_MAX_HEAD + STORE_BODY_MAX,
    .read_timeout_ms = HTTP_READ_TIMEOUT_MS,
    .idle_timeout_ms = HTTP_IDLE_TIMEOUT_MS,
    .prerender = http_prerender,
    .view = find_view,
    .each_view = http_each_view,
    .init = http_init,
    .fini = http_fini,
    .on_data = http_on_data,
    .on_limit = http_on_limit,
    .on_timeout = http_on_timeout,
    .on_eof = NULL, /* a request cut short has nobody left to read an error */
    .busy = http_busy,
    .on_command_done = http_on_command_done,
    .on_job_done = http_on_job_done,
};
