/* proto: the one interface between server/ (sockets, buffers, timeouts,
 * limits) and a protocol (parsing, routing, rendering). A protocol never
 * sees a socket: it gets the bytes received so far and the current
 * snapshot, and fills in a reply.
 *
 * Per snapshot (server/reload.c): prerender(snap) once, on a worker
 * thread before the snapshot is published, stores the snapshot views the
 * protocol answers from, so that a request for them costs a lookup and no
 * rendering. A post's, a service's and a month's pages are cached views
 * instead (store/snapshot.h): rendered on their first request, by the
 * protocol's on_data, and then looked up like the others.
 *
 * Flow, per connection (server/conn.c):
 *   1. init(state) once, with state_size zeroed bytes.
 *   2. After each read, while no write is in flight:
 *        r = on_data(state, snap, in, len, &consumed, &reply)
 *      server/ drops the first `consumed` bytes of its input buffer, then:
 *        PROTO_MORE         wait for more bytes (line protocols leave
 *                           consumed = 0 and rescan; HTTP consumes all)
 *        PROTO_REPLY        write reply, then call on_data again with what
 *                           is left (keep-alive, pipelining)
 *        PROTO_REPLY_CLOSE  write reply, then close
 *        PROTO_CLOSE        close with no reply
 *        PROTO_COMMAND      the protocol put a store write in reply.command;
 *                           server/ takes it, runs store_command_run() on
 *                           the thread pool (reading stays paused), frees
 *                           it, then calls on_command_done() for the reply
 *                           and acts on that result as above
 *        PROTO_JOB          the protocol put work in reply.job (a search);
 *                           server/ takes it, runs job->run on the thread
 *                           pool (reading stays paused, the snapshot held),
 *                           then calls on_job_done() on the loop for the
 *                           reply, acts on that result as above, and
 *                           releases the job. At most max_searches jobs
 *                           run at once and search_queue wait; past that,
 *                           or at shutdown, on_job_done() is called at
 *                           once with UV_EBUSY or UV_ECANCELED, for the
 *                           protocol's busy reply
 *      A reply the socket takes at once is written before on_data is
 *      called again; one it does not take pauses reading until it is
 *      out (backpressure), so requests are answered in order.
 *   3. If the input buffer reaches max_request bytes with PROTO_MORE still
 *      the answer, server/ calls on_limit() for an error reply and closes.
 *   4. On the read deadline: on_timeout(); on EOF: on_eof(). Both may fill
 *      a final reply (return PROTO_REPLY_CLOSE) or not (PROTO_CLOSE); a
 *      NULL one means PROTO_CLOSE, for a protocol with nothing to say.
 *   5. fini(state) once.
 * When the connection is refused because of the connection caps, busy()
 * writes the protocol's "try later" reply.
 */
#ifndef OUTPOST_PROTO_H
#define OUTPOST_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/common/buf.h"
#include "../store/snapshot.h"

/* The content types of Gopher views, which no Gopher reply carries: a
 * menu (item type 1) or a text (type 0), named as the Gopher+ views name them
 * ("Gopher+: upward compatible enhancements to the Internet Gopher
 * protocol", 1993: "application/gopher-menu", "text/plain"). A
 * static mirror writes a menu as a gophermap and a text as a file. */
#define PROTO_GOPHER_MENU "application/gopher-menu"
#define PROTO_GOPHER_TEXT "text/plain"

enum proto_result {
    PROTO_MORE = 0,
    PROTO_REPLY,
    PROTO_REPLY_CLOSE,
    PROTO_CLOSE,
    PROTO_COMMAND,
    PROTO_JOB,
};

/* A reply: owned head bytes, then an optional body borrowed from the
 * snapshot (valid as long as the snapshot; server/ holds a reference until
 * the write completes), then optional owned tail bytes. */
struct store_command;
struct store_result;
struct proto;
struct proto_job;

struct reply {
    struct buf head;
    const char *body; /* borrowed, or NULL */
    size_t body_len;
    /* A reference to the view the body is borrowed from when that is a
     * cached view (snapshot.h), which the cache may drop while the bytes
     * are still going out; released by reply_reset() and reply_free(). A
     * snapshot view needs none: server/ holds the snapshot. */
    struct view *hold;
    struct buf tail;
    /* For the access log (server/ writes a line per reply): the request
     * line, and HTTP's Referer and User-Agent, each escaped as Apache
     * httpd escapes its log fields (a backslash before '"' and '\', any
     * other byte outside printable ASCII as \xHH), so that a line holds
     * printable ASCII only and a field can neither end early nor forge a
     * line; cut before an escape that does not fit. Empty: none ("-" in
     * the log). status: the HTTP status code; Gopher and finger, which
     * have none, give the code of the same meaning (200 an answer, 404 no
     * such item, 400 a bad request, 414 too long, 503 busy), so that logs
     * and metrics count every protocol alike. 0: no reply was made. */
    char log[256];
    char log_referer[128];
    char log_agent[160];
    int status;
    /* Set by the protocol when the request was read to its last byte (an
     * answer, not a limit or a timeout): after a reply that closes, server/
     * may then close at once when nothing else has arrived, instead of
     * draining and lingering (as nginx skips its lingering close). */
    bool whole;
    /* Set by server/ when the access log is off: then log stays empty, and
     * a protocol may skip the work of describing the request. */
    bool no_log;
    /* With PROTO_COMMAND: the write to run (owned by server/ once
     * returned). NULL otherwise. */
    struct store_command *command;
    /* With PROTO_JOB: the work to run (owned by server/ once returned,
     * until it calls job->release). NULL otherwise. */
    struct proto_job *job;
};

/* Work a protocol hands server/ to run off the loop thread (PROTO_JOB):
 * a search, which reads the database and renders a page. The protocol
 * embeds this at the start of a struct of its own that holds the request
 * and, once run, the answer, and allocates it; what the job does is its
 * own affair, server/ only schedules it. */
struct proto_job {
    /* On a worker thread: does the work, keeping its answer in the job.
     * snap is the snapshot the request was read against (server/ holds a
     * reference until the job is released; it is immutable, so any thread
     * may read it); db_path is the database, or NULL where there is none
     * (the unit tests and the fuzz targets, which call run themselves on
     * their own thread). It may call store/ functions but must touch
     * nothing the loop thread uses, the connection's state included. */
    void (*run)(struct proto_job *job, const struct snapshot *snap,
                const char *db_path);
    /* Frees the job, on the loop thread, run or not. */
    void (*release)(struct proto_job *job);
};

/* Where the request line of a one-line protocol (finger, Gopher) ends. */
enum proto_line {
    PROTO_LINE_MORE,     /* no LF yet, and room for more bytes */
    PROTO_LINE_TOO_LONG, /* max bytes and no LF among them */
    PROTO_LINE_DONE,     /* the line is in[0..*line_len) */
};
/* Finds the first line of in[0..len): the bytes before the first LF among
 * the first max (a CR before the LF is the caller's to drop). Only the
 * first line counts: what follows, a CRLF injected through a URL or a
 * second query, is never read. A client may write its line in pieces, so
 * fewer than max bytes with no LF is PROTO_LINE_MORE, unless at_eof: the
 * peer has half-closed, and what came is the whole line. */
enum proto_line proto_first_line(const char *in, size_t len, size_t max,
                                 bool at_eof, size_t *line_len);

/* The names of a post's and a month's pages, as every protocol writes
 * them: a post id in decimal without a leading zero ("42"), and a month
 * "YYYY-MM" with, past its first page, "/N" (N >= 2, no leading zero).
 * Each returns the bytes it read (0: not such a name); what follows is
 * the caller's to check. Only canonical names are read, so that each page
 * has one name and one cache entry. */
size_t proto_parse_id(const char *p, int64_t *id);
size_t proto_parse_month(const char *p, int *year, int *month, int *page);

/* The cached views of a protocol, named by printf formats: of a post's id
 * (int64_t), of a service's slug (a string), and of a month's year and
 * month ("/N" is added past its first page; NULL: none). */
struct proto_keys {
    const char *const *post;
    size_t n_post;
    const char *const *service;
    size_t n_service;
    const char *month;
};
/* The walk behind each protocol's each_view: p's snapshot views (those
 * under prefix), then the keys of every post, service, and page of every
 * month. 0, or UV_ENOMEM. */
int proto_walk_views(const struct proto *p, const struct snapshot *s,
                     const char *prefix, const struct proto_keys *keys,
                     void (*fn)(const struct view *v, void *arg), void *arg);

/* The value of a hexadecimal digit (either case), or -1: for the
 * %-escapes of URLs and selectors. */
int proto_hex_value(char c);

/* Resets a reply for reuse (keeps buffer memory). */
void reply_reset(struct reply *r);
void reply_free(struct reply *r);
/* Total bytes of the reply. */
size_t reply_len(const struct reply *r);
/* Sets the logged request line: prefix (plain text such as "gopher ",
 * or NULL) as it is, then what[0..len) escaped (see struct reply), cut
 * to fit; empty when r->no_log is set. */
void reply_set_log(struct reply *r, const char *prefix, const char *what,
                   size_t len);
/* Writes src[0..len) escaped for the access log into dst, at most cap
 * bytes with the NUL (cut before an escape that does not fit). Returns
 * the bytes written, without the NUL. */
size_t reply_log_escape(char *dst, size_t cap, const char *src, size_t len);

struct proto {
    const char *name; /* "http", "gopher", "finger" */
    size_t state_size;
    size_t max_request;       /* cap on buffered, unconsumed input */
    uint64_t read_timeout_ms; /* deadline for a whole request */
    uint64_t idle_timeout_ms; /* keep-alive idle between requests */

    /* Renders this protocol's views into s, under keys of its own prefix
     * ("http:", ...), touching nothing else. 0 or UV_ENOMEM. */
    int (*prerender)(struct snapshot *s);
    /* The view this protocol answers key with ("http:/incidents/42"): a
     * snapshot view, or a cached one, rendered now if needed (loop thread,
     * or the one thread that owns an unpublished snapshot). NULL when
     * there is no such view. For tests and tools that walk every view. */
    const struct view *(*view)(const struct snapshot *s, const char *key);
    /* Calls fn with every view this protocol has for s, snapshot views
     * and every post's and month's pages alike (rendering those, as view
     * does); each view is held only for the call. 0, or UV_ENOMEM. */
    int (*each_view)(const struct snapshot *s,
                     void (*fn)(const struct view *v, void *arg), void *arg);

    void (*init)(void *state);
    void (*fini)(void *state);
    enum proto_result (*on_data)(void *state, const struct snapshot *snap,
                                 const char *in, size_t len, size_t *consumed,
                                 struct reply *out);
    enum proto_result (*on_limit)(void *state, const struct snapshot *snap,
                                  struct reply *out);
    enum proto_result (*on_timeout)(void *state, const struct snapshot *snap,
                                    const char *in, size_t len,
                                    struct reply *out);
    enum proto_result (*on_eof)(void *state, const struct snapshot *snap,
                                const char *in, size_t len, struct reply *out);
    void (*busy)(const struct snapshot *snap, struct reply *out);
    /* After a PROTO_COMMAND: fill the reply from the result. NULL for
     * protocols that never write. */
    enum proto_result (*on_command_done)(void *state,
                                         const struct snapshot *snap,
                                         const struct store_result *res,
                                         struct reply *out);
    /* After a PROTO_JOB: fill the reply from the job. status is 0 when
     * job->run ran; UV_EBUSY when it did not, for the searches running and
     * waiting were at their caps; UV_ECANCELED when it did not, for the
     * server is shutting down (both: the protocol's "try later"). The job
     * is still server/'s, released after this returns. A protocol that
     * returns PROTO_JOB must have it. */
    enum proto_result (*on_job_done)(void *state, const struct snapshot *snap,
                                     struct proto_job *job, int status,
                                     struct reply *out);
};

extern const struct proto http_proto;
extern const struct proto gopher_proto;
extern const struct proto finger_proto;

#endif
