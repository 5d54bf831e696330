/* metrics: the server's counters, the refusal summaries, and GET /metrics.
 *
 * Every counter lives in struct server_stats and is changed on the loop
 * thread only (conn.c, reload.c), so plain integers do. They are served
 * in the Prometheus text exposition format (version 0.0.4, Prometheus'
 * "Exposition formats" document) on a listen address of their own
 * (metrics = 127.0.0.1:9179; off by default), answered by metrics_proto
 * below, through the same connection lifecycle and caps as the public
 * protocols, with llhttp parsing the request: GET or HEAD /metrics gets
 * the counters, any other path 404, any other method 405, and the
 * connection closes after the reply.
 *
 * Store writes are counted where the server sees them: the writes it runs
 * for the API (and those refused or failed). The CLI writes the database
 * file directly; the server sees those only as a changed file, so they
 * are counted as snapshots built for a change that no API write explains
 * (outpost_snapshot_builds_total{cause="outside_change"}): several CLI
 * commands within one poll count once.
 *
 * Refusals (the caps, deadlines, requests over a protocol's limits, the
 * search queue) are counted one by one, and logged at most once a second
 * per cause: the first at once, the next ones summed into one line when
 * a second has passed (by the next refusal, or by a timer), so that a
 * flood of them cannot fill the disk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <llhttp.h>

#include "../store/common/timeutil.h"
#include "server.h"

/* The server GET /metrics reports on (one per process). */
static struct server *metrics_srv;

static const char *const proto_names[SERVER_PROTOS] = {"http", "gopher",
                                                       "finger", "metrics"};

static const struct {
    const char *label; /* in the metrics */
    const char *says;  /* in the log */
} refusal_names[REFUSAL_COUNT] = {
    [REFUSAL_MAX_PER_ADDRESS] = {"max_per_address",
                                 "connections over max_per_address"},
    [REFUSAL_MAX_CONNECTIONS] = {"max_connections",
                                 "connections over max_connections"},
    [REFUSAL_READ_TIMEOUT] = {"read", "requests cut off at the read deadline"},
    [REFUSAL_WRITE_TIMEOUT] = {"write",
                               "replies cut off at the write deadline"},
    [REFUSAL_TOO_LARGE] = {"too_large", "requests over the size limits"},
    [REFUSAL_SEARCH_QUEUE] = {"search_queue",
                              "searches over max_searches + search_queue"},
};

static const char *const build_names[BUILD_CAUSES] = {
    [BUILD_API] = "api_write",
    [BUILD_OUTSIDE] = "outside_change",
    [BUILD_MINUTE] = "minute",
    [BUILD_CONFIG] = "config",
};

#define METRICS_SUMMARY_MS 1000

int metrics_proto_index(const struct proto *proto)
{
    if (proto == &gopher_proto)
        return 1;
    if (proto == &finger_proto)
        return 2;
    if (proto == &metrics_proto)
        return 3;
    return 0;
}

void metrics_reply(struct server *srv, const struct proto *proto,
                   const struct reply *r)
{
    int p = metrics_proto_index(proto);
    int slot =
        r->status >= 100 && r->status < SERVER_STATUS_SLOTS ? r->status : 0;
    srv->stats.requests[p][slot]++;
    srv->stats.bytes_out[p] += reply_len(r);
}

static void summary(struct server *srv, enum server_refusal why,
                    const char *peer, uint64_t now)
{
    uint64_t n = srv->stats.refusal_pending[why];
    const char *says = refusal_names[why].says;
    if (peer != NULL)
        server_log_at(LOG_WARNING,
                      "refused: %" PRIu64 " %s in the last second (the "
                      "latest from %s); serving %zu of at most %zu",
                      n, says, peer, srv->n_conns, srv->conn_limit);
    else
        server_log_at(LOG_WARNING,
                      "refused: %" PRIu64 " %s in the last second; serving "
                      "%zu of at most %zu",
                      n, says, srv->n_conns, srv->conn_limit);
    srv->stats.refusal_pending[why] = 0;
    srv->stats.refusal_logged_ms[why] = now;
}

void metrics_refusal(struct server *srv, enum server_refusal why,
                     const char *peer, bool answered)
{
    srv->stats.refused[why]++;
    if (!answered)
        srv->stats.refused_silently++;
    srv->stats.refusal_pending[why]++;
    uint64_t now = uv_now(srv->loop);
    /* The first of a quiet spell is said at once, with its peer. */
    if (srv->stats.refusal_logged_ms[why] == 0 ||
        now - srv->stats.refusal_logged_ms[why] >= METRICS_SUMMARY_MS)
        summary(srv, why, peer, now);
}

static void stats_timer_cb(uv_timer_t *t)
{
    struct server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    for (int i = 0; i < REFUSAL_COUNT; i++)
        if (srv->stats.refusal_pending[i] > 0 &&
            now - srv->stats.refusal_logged_ms[i] >= METRICS_SUMMARY_MS)
            summary(srv, (enum server_refusal)i, NULL, now);
}

void metrics_build(struct server *srv, enum server_build_cause why)
{
    if (why < BUILD_CAUSES)
        srv->stats.builds[why]++;
    srv->stats.published_at = time_now();
}

int metrics_setup(struct server *srv)
{
    metrics_srv = srv;
    srv->stats.started_at = time_now();
    srv->stats.published_at = srv->stats.started_at;
    int rc = uv_timer_init(srv->loop, &srv->stats_timer);
    if (rc < 0)
        return rc;
    srv->stats_timer.data = srv;
    /* The summaries' timer alone must not keep the loop running. */
    uv_unref((uv_handle_t *)&srv->stats_timer);
    return uv_timer_start(&srv->stats_timer, stats_timer_cb, METRICS_SUMMARY_MS,
                          METRICS_SUMMARY_MS);
}

void metrics_stop(struct server *srv)
{
    if (uv_is_closing((uv_handle_t *)&srv->stats_timer))
        return;
    uint64_t now = uv_now(srv->loop);
    for (int i = 0; i < REFUSAL_COUNT; i++)
        if (srv->stats.refusal_pending[i] > 0)
            summary(srv, (enum server_refusal)i, NULL, now);
    uv_close((uv_handle_t *)&srv->stats_timer, NULL);
}

/* ---- the exposition ----------------------------------------------------- */

static void family(struct buf *b, const char *name, const char *type,
                   const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render(struct buf *b, const struct server *srv)
{
    const struct server_stats *st = &srv->stats;
    int64_t now = time_now();

    family(b, "outpost_requests_total", "counter",
           "Replies sent, by protocol and status code (Gopher and finger: "
           "the HTTP code of the same meaning).");
    for (int p = 0; p < SERVER_PROTOS; p++)
        for (int s = 0; s < SERVER_STATUS_SLOTS; s++)
            if (st->requests[p][s] > 0)
                buf_printf(b,
                           "outpost_requests_total{protocol=\"%s\","
                           "code=\"%d\"} %" PRIu64 "\n",
                           proto_names[p], s, st->requests[p][s]);
    family(b, "outpost_response_bytes_total", "counter",
           "Bytes of the replies sent (headers included), by protocol.");
    for (int p = 0; p < SERVER_PROTOS; p++)
        buf_printf(
            b, "outpost_response_bytes_total{protocol=\"%s\"} %" PRIu64 "\n",
            proto_names[p], st->bytes_out[p]);
    family(b, "outpost_connections_accepted_total", "counter",
           "Connections accepted, by protocol (refused ones included).");
    for (int p = 0; p < SERVER_PROTOS; p++)
        buf_printf(b,
                   "outpost_connections_accepted_total{protocol=\"%s\"} "
                   "%" PRIu64 "\n",
                   proto_names[p], st->accepted[p]);
    family(b, "outpost_connections_open", "gauge",
           "Connections open and being served.");
    buf_printf(b, "outpost_connections_open %zu\n", srv->n_conns);
    family(b, "outpost_connections_refusing", "gauge",
           "Refused connections still being told the server is busy.");
    buf_printf(b, "outpost_connections_refusing %zu\n", srv->n_refused);
    family(b, "outpost_connections_limit", "gauge",
           "The effective max_connections.");
    buf_printf(b, "outpost_connections_limit %zu\n", srv->conn_limit);
    family(b, "outpost_connections_refused_total", "counter",
           "Connections refused over a cap, by cap.");
    for (int i = REFUSAL_MAX_PER_ADDRESS; i <= REFUSAL_MAX_CONNECTIONS; i++)
        buf_printf(
            b, "outpost_connections_refused_total{cause=\"%s\"} %" PRIu64 "\n",
            refusal_names[i].label, st->refused[i]);
    family(b, "outpost_connections_refused_unanswered_total", "counter",
           "Refused connections closed without the busy reply (too many "
           "refused at once, or from one peer).");
    buf_printf(b, "outpost_connections_refused_unanswered_total %" PRIu64 "\n",
               st->refused_silently);
    family(b, "outpost_deadlines_total", "counter",
           "Connections cut off at a deadline: read (half a request), write "
           "(a reply not read).");
    for (int i = REFUSAL_READ_TIMEOUT; i <= REFUSAL_WRITE_TIMEOUT; i++)
        buf_printf(b, "outpost_deadlines_total{deadline=\"%s\"} %" PRIu64 "\n",
                   refusal_names[i].label, st->refused[i]);
    family(b, "outpost_requests_refused_total", "counter",
           "Requests refused: over the size limits, or over the search "
           "queue.");
    for (int i = REFUSAL_TOO_LARGE; i <= REFUSAL_SEARCH_QUEUE; i++)
        buf_printf(b,
                   "outpost_requests_refused_total{cause=\"%s\"} %" PRIu64 "\n",
                   refusal_names[i].label, st->refused[i]);
    family(b, "outpost_searches_running", "gauge",
           "Searches running on the thread pool.");
    buf_printf(b, "outpost_searches_running %zu\n", srv->jobs_running);
    family(b, "outpost_searches_waiting", "gauge",
           "Searches waiting for one of the max_searches slots.");
    buf_printf(b, "outpost_searches_waiting %zu\n", srv->jobs_waiting);
    family(b, "outpost_search_queue_limit", "gauge",
           "search_queue: the searches that may wait.");
    buf_printf(b, "outpost_search_queue_limit %d\n", srv->cfg.search_queue);
    family(b, "outpost_snapshot_version", "gauge",
           "Version of the snapshot being served.");
    buf_printf(b, "outpost_snapshot_version %" PRIu64 "\n",
               srv->snapshot_version);
    family(b, "outpost_snapshot_age_seconds", "gauge",
           "Seconds since the snapshot being served was published.");
    buf_printf(b, "outpost_snapshot_age_seconds %" PRId64 "\n",
               now > st->published_at ? now - st->published_at : 0);
    family(b, "outpost_snapshot_build_duration_seconds", "gauge",
           "How long the last snapshot build took (on the thread pool).");
    buf_printf(b, "outpost_snapshot_build_duration_seconds %.6f\n",
               (double)st->last_build_ns / 1e9);
    family(b, "outpost_snapshot_builds_total", "counter",
           "Snapshots built and published, by cause: api_write, "
           "outside_change (the CLI or another program changed the "
           "database), minute (the clock on the pages), config (SIGHUP, a "
           "file replaced).");
    for (int i = 0; i < BUILD_CAUSES; i++)
        buf_printf(b,
                   "outpost_snapshot_builds_total{cause=\"%s\"} %" PRIu64 "\n",
                   build_names[i], st->builds[i]);
    family(b, "outpost_snapshot_build_failures_total", "counter",
           "Snapshot builds that failed (the last snapshot stays).");
    buf_printf(b, "outpost_snapshot_build_failures_total %" PRIu64 "\n",
               st->build_failures);
    family(b, "outpost_store_writes_total", "counter",
           "Store writes the server ran, by source (the CLI's are seen as "
           "outside_change builds).");
    buf_printf(b, "outpost_store_writes_total{source=\"api\"} %" PRIu64 "\n",
               st->api_writes);
    family(b, "outpost_store_write_failures_total", "counter",
           "Store writes not made: rejected (invalid, unauthorized, unknown, "
           "conflicting) or failed (the store could not be written).");
    buf_printf(b,
               "outpost_store_write_failures_total{source=\"api\","
               "reason=\"rejected\"} %" PRIu64 "\n",
               st->api_write_rejected);
    buf_printf(b,
               "outpost_store_write_failures_total{source=\"api\","
               "reason=\"failed\"} %" PRIu64 "\n",
               st->api_write_failed);
    family(b, "outpost_start_time_seconds", "gauge",
           "When the server started, Unix seconds.");
    buf_printf(b, "outpost_start_time_seconds %" PRId64 "\n", st->started_at);
}

/* ---- the protocol ---------------------------------------------------------
 */

#define METRICS_MAX_REQUEST 8192
#define METRICS_TIMEOUT_MS 10000

struct metrics_state {
    llhttp_t parser;
    bool complete;
    size_t url_len;
    char url[64];
};

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct metrics_state *st = p->data;
    size_t n = len < sizeof(st->url) - 1 - st->url_len
                   ? len
                   : sizeof(st->url) - 1 - st->url_len;
    memcpy(st->url + st->url_len, at, n);
    st->url_len += n;
    st->url[st->url_len] = '\0';
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    ((struct metrics_state *)p->data)->complete = true;
    return HPE_PAUSED;
}

static const llhttp_settings_t metrics_settings = {
    .on_url = on_url,
    .on_message_complete = on_message_complete,
};

static void metrics_init(void *state)
{
    struct metrics_state *st = state;
    llhttp_init(&st->parser, HTTP_REQUEST, &metrics_settings);
    st->parser.data = st;
}

static enum proto_result answer(struct reply *out, int status,
                                const char *reason, const char *type,
                                const struct buf *body, bool head_only)
{
    out->status = status;
    buf_printf(&out->head,
               "HTTP/1.1 %d %s\r\nServer: outpost\r\nContent-Type: %s\r\n"
               "Content-Length: %zu\r\nCache-Control: no-store\r\n"
               "Connection: close\r\n\r\n",
               status, reason, type, body->len);
    if (!head_only && body->len > 0)
        buf_append(&out->tail, body->data, body->len);
    return PROTO_REPLY_CLOSE;
}

static enum proto_result plain(struct reply *out, int status,
                               const char *reason)
{
    struct buf body = BUF_INIT;
    buf_printf(&body, "%s\n", reason);
    enum proto_result r =
        answer(out, status, reason, "text/plain; charset=utf-8", &body, false);
    buf_free(&body);
    return r;
}

static enum proto_result metrics_on_data(void *state,
                                         const struct snapshot *snap,
                                         const char *in, size_t len,
                                         size_t *consumed, struct reply *out)
{
    struct metrics_state *st = state;
    *consumed = len;
    st->parser.data = st;
    llhttp_errno_t e = llhttp_execute(&st->parser, in, len);
    if (e == HPE_OK && !st->complete)
        return PROTO_MORE;
    out->whole = true;
    if (e != HPE_PAUSED) {
        reply_set_log(out, NULL, "-", 1);
        return plain(out, 400, "Bad Request");
    }
    llhttp_method_t m = (llhttp_method_t)llhttp_get_method(&st->parser);
    char line[96];
    int n =
        snprintf(line, sizeof(line), "%s %s HTTP/%d.%d", llhttp_method_name(m),
                 st->url, llhttp_get_http_major(&st->parser) % 10,
                 llhttp_get_http_minor(&st->parser) % 10);
    reply_set_log(out, NULL, line,
                  n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
    if (m != HTTP_GET && m != HTTP_HEAD)
        return plain(out, 405, "Method Not Allowed");
    /* The path alone counts; Prometheus may add a query. */
    size_t path = strcspn(st->url, "?");
    if (path != 8 || memcmp(st->url, "/metrics", 8) != 0)
        return plain(out, 404, "Not Found");
    struct buf body = BUF_INIT;
    render(&body, metrics_srv);
    if (buf_failed(&body)) {
        buf_free(&body);
        return PROTO_CLOSE;
    }
    enum proto_result r =
        answer(out, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
               &body, m == HTTP_HEAD);
    buf_free(&body);
    return r;
}

static enum proto_result
metrics_on_limit(void *state, const struct snapshot *snap, struct reply *out)
{
    reply_set_log(out, NULL, "-", 1);
    return plain(out, 431, "Request Header Fields Too Large");
}

static void metrics_busy(const struct snapshot *snap, struct reply *out)
{
    plain(out, 503, "Service Unavailable");
}

const struct proto metrics_proto = {
    .name = "metrics",
    .state_size = sizeof(struct metrics_state),
    .max_request = METRICS_MAX_REQUEST,
    .read_timeout_ms = METRICS_TIMEOUT_MS,
    .idle_timeout_ms = METRICS_TIMEOUT_MS,
    .init = metrics_init,
    .on_data = metrics_on_data,
    .on_limit = metrics_on_limit,
    .busy = metrics_busy,
};
