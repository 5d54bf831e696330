/* finger: the status as a finger server (RFC 1288), answering from views
 * rendered once per snapshot.
 *
 * Queries are keys into the status ("", "status", "42", "help"), never
 * user names, and the answer is always plain ASCII with CRLF: the stock
 * client shows bytes >= 0x80 as "M-^X" garbage and obeys nothing we would
 * want it to obey, so every body went through text_to_finger() when it was
 * rendered. Nothing read from the peer is ever echoed back.
 *
 * View keys:
 *   finger:status       the summary            (""  or "status")
 *   finger:/W           the long summary       ("/W" or "/W status")
 *   finger:help         help                   ("help", "/W help")
 *   finger:ID           one incident           ("42")
 *   finger:/W ID        the same, long form    ("/W 42")
 *   finger:history      months and their posts ("history")
 *   finger:maintenance  running, upcoming, recently completed
 *   finger:SLUG         one service           ("dsl")
 *   finger:/W NAME      the long form of any of these named views
 * Any other whitelisted name is looked up as "finger:NAME" (lower case).
 * A service whose slug is "status", "help", "history" or "maintenance"
 * is shadowed by the fixed view of that name.
 *
 * Every reply is capped at FINGER_MAX_REPLY bytes: the stock client has no
 * pager, and a years-long history in the long form could run to megabytes.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../store/query.h"
#include "proto.h"
#include "text.h"

/* A finger query is at most 512 bytes. RFC 1288 sets no limit;
 * netkit reads 1024, efingerd 100. The LF must come within this many
 * bytes, whatever way they are split into reads. */
#define FINGER_MAX_QUERY 512
#define FINGER_MAX_NAME 64
#define FINGER_TIMEOUT_MS 10000
#define FINGER_MAX_REPLY (64 * 1024)
/* Room kept under the cap for the note that says where the rest is. */
#define FINGER_MAX_NOTE 1024

#define FINGER_FORWARD_DENIED "finger: forwarding service denied\r\n"
#define FINGER_TOO_LONG "finger: query too long\r\n"
#define FINGER_BUSY "finger: server busy, try again shortly\r\n"

/* ---- rendering -------------------------------------------------------- */

/* Renders UTF-8 text as a finger reply into *body (malloc'd); web_path is
 * the page with the same text, named when the reply has to be cut. */
static int finger_body(const struct snapshot *s, const struct buf *text,
                       const char *web_path, char **body, size_t *body_len)
{
    if (buf_failed(text))
        return UV_ENOMEM;
    struct buf ascii = BUF_INIT;
    text_to_finger(&ascii, text->data != NULL ? text->data : "", text->len);
    if (ascii.len > FINGER_MAX_REPLY) {
        /* Cut at a line end and say where the rest is. The note goes
         * through text_to_finger too: the base URL is configuration, and
         * even a strange one must come out as ASCII in 72 columns. */
        struct buf url = BUF_INIT, note = BUF_INIT, note_ascii = BUF_INIT;
        text_web_url(&url, s, web_path);
        buf_puts(&note, "\n[truncated: see ");
        text_clean(&note, url.data != NULL ? url.data : "");
        buf_puts(&note, "]\n");
        text_to_finger(&note_ascii, note.data != NULL ? note.data : "",
                       note.len);
        size_t cut = FINGER_MAX_REPLY - FINGER_MAX_NOTE;
        while (cut > 0 && ascii.data[cut - 1] != '\n')
            cut--;
        ascii.len = cut;
        if (note_ascii.len <= FINGER_MAX_NOTE && !buf_failed(&note_ascii) &&
            !buf_failed(&url))
            buf_append(&ascii, note_ascii.data, note_ascii.len);
        else
            buf_puts(&ascii, "\r\n[truncated: see the web version]\r\n");
        buf_free(&url);
        buf_free(&note);
        buf_free(&note_ascii);
    }
    if (buf_failed(&ascii)) {
        buf_free(&ascii);
        return UV_ENOMEM;
    }
    *body = buf_steal(&ascii, body_len);
    if (*body == NULL && (*body = calloc(1, 1)) == NULL)
        return UV_ENOMEM;
    return 0;
}

/* The same, as the snapshot view `key`. */
static int put_finger_view(struct snapshot *s, const char *key,
                           const struct buf *text, const char *web_path)
{
    char *body;
    size_t len;
    int rc = finger_body(s, text, web_path, &body, &len);
    if (rc != 0)
        return rc;
    return snapshot_put_view(s, key, NULL, body, len);
}

/* A post's reply, short or long ("/W "), from the view cache, rendered
 * now if it is not there as of this snapshot (snapshot.h). NULL for a key
 * that names no post (it may name a service), or out of memory. */
static const struct view *post_view(const struct snapshot *s, const char *key)
{
    const char *p = key + 7; /* "finger:" */
    bool long_form = strncmp(p, "/W ", 3) == 0;
    if (long_form)
        p += 3;
    int64_t id;
    size_t n = proto_parse_id(p, &id);
    const struct incident *inc = NULL;
    if (n == 0 || p[n] != '\0' || (inc = snapshot_incident(s, id)) == NULL)
        return NULL;
    uint64_t stamp = snapshot_post_stamp(s, inc, false);
    const struct view *v = snapshot_cached_view(s, key, stamp);
    if (v != NULL)
        return v;
    char path[48];
    snprintf(path, sizeof(path), "/incidents/%" PRId64, inc->id);
    struct buf text = BUF_INIT;
    text_incident(&text, s, inc, long_form);
    char *body;
    size_t len;
    int rc = finger_body(s, &text, path, &body, &len);
    buf_free(&text);
    if (rc != 0)
        return NULL;
    return snapshot_cache_view(s, key, stamp, NULL, body, len, NULL, 0);
}

/* A service's reply, short or long, from the view cache like a post's. */
static const struct view *service_view(const struct snapshot *s,
                                       const char *key)
{
    const char *p = key + 7; /* "finger:" */
    bool long_form = strncmp(p, "/W ", 3) == 0;
    const struct service *svc = snapshot_service(s, long_form ? p + 3 : p);
    if (svc == NULL)
        return NULL;
    uint64_t stamp = query_service_stamp(s, (size_t)(svc - s->services),
                                         text_service_posts(long_form), true);
    const struct view *v = snapshot_cached_view(s, key, stamp);
    if (v != NULL)
        return v;
    char path[96];
    snprintf(path, sizeof(path), "/services/%s", svc->slug);
    struct buf text = BUF_INIT;
    text_service(&text, s, svc, long_form);
    char *body;
    size_t len;
    int rc = finger_body(s, &text, path, &body, &len);
    buf_free(&text);
    if (rc != 0)
        return NULL;
    return snapshot_cache_view(s, key, stamp, NULL, body, len, NULL, 0);
}

/* A post's reply, else the snapshot view of the key, else a service's: a
 * post's id wins over a service slug of the same digits, and a fixed name
 * (help, history) over a service of that name, as they always have. */
static const struct view *find_view(const struct snapshot *s, const char *key)
{
    const struct view *v = post_view(s, key);
    if (v == NULL)
        v = snapshot_view(s, key);
    return v != NULL ? v : service_view(s, key);
}

/* The history, rendered only as far as the reply's cap needs: the text
 * up to where the reply is cut is all that is sent. Text shrinks on its
 * way to ASCII (a four-byte character becomes one "?", a zero-width one
 * nothing), so the bound grows until the ASCII reaches the cap or the
 * whole history is there. ASCII is about as long as the text it comes
 * from, so the first bound is nearly always enough. */
static void history_text(struct buf *text, const struct snapshot *s,
                         bool long_form)
{
    for (size_t budget = FINGER_MAX_REPLY + FINGER_MAX_REPLY / 8;;
         budget *= 4) {
        buf_reset(text);
        if (!text_history_upto(text, s, long_form, budget) || buf_failed(text))
            return;
        struct buf ascii = BUF_INIT;
        text_to_finger(&ascii, text->data, text->len);
        bool enough = ascii.len > FINGER_MAX_REPLY || buf_failed(&ascii);
        buf_free(&ascii);
        if (enough)
            return;
    }
}

/* "/W" on an empty name: the summary, then the full story of everything
 * still going on, since `finger -l @host` asks for all the detail; in the
 * summary's order, section by section, so that an open incident comes
 * before a maintenance whose window is still ahead. */
static void long_summary(struct buf *out, const struct snapshot *s)
{
    static const snapshot_filter sections[] = {
        snapshot_is_open_incident, snapshot_is_active_maintenance,
        snapshot_is_upcoming_maintenance, snapshot_is_current_notice};
    text_summary(out, s);
    for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++)
        for (size_t j = 0; j < s->n_live; j++) {
            const struct incident *inc = &s->incidents[s->live[j]];
            if (!sections[k](s, inc))
                continue;
            buf_puts(out, "\n\n");
            text_incident(out, s, inc, true);
        }
}

static int finger_prerender(struct snapshot *s)
{
    struct buf text = BUF_INIT;
    int rc = 0;
    snapshot_seal(s);

    for (int long_form = 0; long_form <= 1 && rc == 0; long_form++) {
        history_text(&text, s, long_form);
        rc = put_finger_view(s,
                             long_form ? "finger:/W history" : "finger:history",
                             &text, "/history");
        if (rc < 0)
            break;
        buf_reset(&text);
        text_maintenance(&text, s, long_form);
        rc = put_finger_view(
            s, long_form ? "finger:/W maintenance" : "finger:maintenance",
            &text, "/");
    }
    if (rc < 0)
        goto out;
    buf_reset(&text);
    text_summary(&text, s);
    rc = put_finger_view(s, "finger:status", &text, "/");
    if (rc < 0)
        goto out;
    buf_reset(&text);
    long_summary(&text, s);
    rc = put_finger_view(s, "finger:/W", &text, "/");
    if (rc < 0)
        goto out;
    buf_reset(&text);
    text_help(&text, s);
    rc = put_finger_view(s, "finger:help", &text, "/help");
    if (rc < 0)
        goto out;
out:
    buf_free(&text);
    return rc;
}

/* ---- requests --------------------------------------------------------- */

/* The host for our own messages, reduced to host-name bytes so that a
 * strange configuration cannot put anything else on the wire. */
static void put_host(struct buf *out, const struct snapshot *snap)
{
    const char *h = snap == NULL                     ? ""
                    : snap->site.finger_host != NULL ? snap->site.finger_host
                    : snap->site.hostname != NULL    ? snap->site.hostname
                                                     : "";
    size_t n = 0;
    for (; h[n] != '\0' && n < 253; n++) {
        unsigned char c = (unsigned char)h[n];
        if (!isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' &&
            c != ']')
            break;
    }
    if (n == 0)
        buf_puts(out, "localhost");
    else
        buf_append(out, h, n);
}

static void fixed_reply(struct reply *out, const char *line)
{
    buf_puts(&out->head, line);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* "finger:" + prefix + the name in lower case: the key of a named view.
 * (Written afresh for each prefix: a memmove within the key would be
 * reported as an overlapping copy by valgrind under _FORTIFY_SOURCE.) */
static void lower_key(char *key, size_t cap, const char *prefix,
                      const char *name, size_t len)
{
    size_t k = (size_t)snprintf(key, cap, "finger:%s", prefix);
    for (size_t j = 0; j < len && k + 1 < cap; j++)
        key[k++] = (char)tolower((unsigned char)name[j]);
    key[k] = '\0';
}

/* Answers one query line (without its LF; a final CR is still there). */
static enum proto_result answer(const struct snapshot *snap, const char *line,
                                size_t n, struct reply *out)
{
    char key[16 + FINGER_MAX_NAME];

    /* Strip one CR: the line end is CRLF, but a bare LF is accepted. */
    if (n > 0 && line[n - 1] == '\r')
        n--;
    reply_set_log(out, "finger ", line, n);
    out->status = 200; /* unless an error below says otherwise */

    /* RFC 1288 §2.5.5 / §3.2.1: any '@' asks us to forward the query to
     * another host. Refused, whatever else the line says. */
    if (memchr(line, '@', n) != NULL) {
        fixed_reply(out, FINGER_FORWARD_DENIED);
        out->status = 403;
        return PROTO_REPLY_CLOSE;
    }

    size_t i = 0;
    while (i < n && is_blank(line[i]))
        i++;
    /* "/W" (lynx sends "/w") asks for the long form; it must stand alone
     * or be followed by a blank, so "/Walice" is just an unknown name. */
    bool long_form = false;
    if (n - i >= 2 && line[i] == '/' &&
        (line[i + 1] == 'W' || line[i + 1] == 'w') &&
        (n - i == 2 || is_blank(line[i + 2]))) {
        long_form = true;
        i += 2;
        while (i < n && is_blank(line[i]))
            i++;
    }
    while (n > i && is_blank(line[n - 1]))
        n--;
    const char *name = line + i;
    size_t len = n - i;

    bool valid = len <= FINGER_MAX_NAME;
    bool digits = len > 0;
    for (size_t k = 0; k < len && valid; k++) {
        unsigned char c = (unsigned char)name[k];
        valid = isalnum(c) || c == '.' || c == '_' || c == '-';
        digits = digits && isdigit(c);
    }

    const char *prefix = long_form ? "/W " : "";
    if (!valid) {
        key[0] = '\0';
    } else if (len == 0 || (len == 6 && strncasecmp(name, "status", 6) == 0)) {
        snprintf(key, sizeof(key), "finger:%s", long_form ? "/W" : "status");
    } else if (digits) {
        /* "042" is incident 42; ids beyond 18 digits cannot exist. */
        while (len > 1 && name[0] == '0') {
            name++;
            len--;
        }
        if (len > 18) {
            key[0] = '\0';
        } else {
            snprintf(key, sizeof(key), "finger:%s%.*s", prefix, (int)len, name);
            if (find_view(snap, key) == NULL) {
                buf_puts(&out->head, "finger: no such incident; try "
                                     "'finger status@");
                put_host(&out->head, snap);
                buf_puts(&out->head, "'\r\n");
                out->status = 404;
                return PROTO_REPLY_CLOSE;
            }
        }
    } else {
        /* Names are case-insensitive, like the user names they stand in
         * for; views are keyed in lower case. A named view without a long
         * form of its own (help) answers "/W" with its one form. */
        lower_key(key, sizeof(key), prefix, name, len);
        if (long_form && find_view(snap, key) == NULL)
            lower_key(key, sizeof(key), "", name, len);
    }

    const struct view *v = key[0] != '\0' ? find_view(snap, key) : NULL;
    if (v == NULL) {
        buf_puts(&out->head, "finger: no such status entry; try 'finger "
                             "help@");
        put_host(&out->head, snap);
        buf_puts(&out->head, "'\r\n");
        out->status = 404;
        return PROTO_REPLY_CLOSE;
    }
    out->body = v->body;
    out->body_len = v->len;
    if (v->cached) /* it may go before it is sent */
        out->hold = snapshot_view_hold(v);
    return PROTO_REPLY_CLOSE;
}

static enum proto_result
finger_on_limit(void *state, const struct snapshot *snap, struct reply *out)
{
    fixed_reply(out, FINGER_TOO_LONG);
    reply_set_log(out, NULL, "-", 1);
    out->status = 414;
    return PROTO_REPLY_CLOSE;
}

static enum proto_result finger_on_data(void *state,
                                        const struct snapshot *snap,
                                        const char *in, size_t len,
                                        size_t *consumed, struct reply *out)
{
    /* Only the first line counts: lynx decodes %0D%0A, so a URL can carry
     * "alice\r\nroot\r\n", and the rest must not become a second query. */
    size_t n;
    switch (proto_first_line(in, len, FINGER_MAX_QUERY, false, &n)) {
    case PROTO_LINE_MORE:
        return PROTO_MORE;
    case PROTO_LINE_TOO_LONG:
        *consumed = len;
        return finger_on_limit(state, snap, out);
    case PROTO_LINE_DONE:
        break;
    }
    *consumed = len;
    enum proto_result r = answer(snap, in, n, out);
    out->whole = true;
    return r;
}

static enum proto_result finger_on_eof(void *state, const struct snapshot *snap,
                                       const char *in, size_t len,
                                       struct reply *out)
{
    /* A client that half-closes without a line end still asked something;
     * one that sent nothing gets nothing. */
    size_t n;
    if (len == 0)
        return PROTO_CLOSE;
    if (proto_first_line(in, len, FINGER_MAX_QUERY, true, &n) !=
        PROTO_LINE_DONE)
        return finger_on_limit(state, snap, out);
    return answer(snap, in, n, out);
}

static void finger_busy(const struct snapshot *snap, struct reply *out)
{
    fixed_reply(out, FINGER_BUSY);
    out->status = 503;
}

static int finger_each_view(const struct snapshot *s,
                            void (*fn)(const struct view *v, void *arg),
                            void *arg)
{
    static const char *const posts[] = {"finger:%" PRId64,
                                        "finger:/W %" PRId64};
    static const char *const services[] = {"finger:%s", "finger:/W %s"};
    static const struct proto_keys keys = {posts, 2, services, 2, NULL};
    return proto_walk_views(&finger_proto, s, "finger:", &keys, fn, arg);
}

const struct proto finger_proto = {
    .name = "finger",
    .state_size = 0,
    .max_request = FINGER_MAX_QUERY,
    .read_timeout_ms = FINGER_TIMEOUT_MS,
    .idle_timeout_ms = FINGER_TIMEOUT_MS,
    .prerender = finger_prerender,
    .view = find_view,
    .each_view = finger_each_view,
    .init = NULL,
    .fini = NULL,
    .on_data = finger_on_data,
    .on_limit = finger_on_limit,
    .on_timeout = NULL, /* a client that stalls gets nothing: close */
    .on_eof = finger_on_eof,
    .busy = finger_busy,
};
