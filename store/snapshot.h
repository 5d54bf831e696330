/* snapshot: an immutable, refcounted picture of the whole store, plus the
 * views the protocols render from it.
 *
 * ARCHITECTURE: the cost of a change follows the change, not the archive.
 *
 *  Posts. Each post loaded from the store lives in memory of its own
 *  (struct post_mem, refcounted with atomics), not in the snapshot's arena.
 *  A snapshot holds an array of struct incident (a small head each) whose
 *  strings, updates and affected services point into that memory. The next
 *  snapshot is built from the current one (store_load_from): a post whose
 *  change stamp (incidents.rev, set by triggers on every write path) is the
 *  same is shared, its head copied and its memory referenced; only changed
 *  posts are read from SQLite. A minute tick with no write reads nothing.
 *
 *  Views. Two kinds:
 *   - snapshot views (snapshot_put_view): the pages that sum up the whole
 *     store (summaries, menus, feeds, the v2 documents, the history index,
 *     the service pages), rendered by each protocol's prerender on the
 *     worker thread before the snapshot is published. Their cost follows
 *     what is current (open posts, the fifty newest) and the number of
 *     months, never the whole text of the archive.
 *   - cached views (snapshot_cached_view / snapshot_cache_view): one post's,
 *     one service's and one month's pages, rendered on first request on the
 *     loop thread (the work of one post, twenty post lines, or one page of
 *     a month: bounded) and kept in a view cache that outlives snapshots,
 *     bounded in bytes, least recently used out first. Each is stored with
 *     a stamp of everything it was made from (snapshot_post_stamp,
 *     query_service_stamp, snapshot_month_stamp); a lookup
 *     whose stamp differs renders again. An unchanged post therefore keeps
 *     its rendered pages across versions, and a change renders only the
 *     pages asked for that depend on it.
 *
 *  The clock. Pages show the server time to the minute. Each build that
 *  the minute (or a write) causes re-renders the snapshot views, which are
 *  few; a cached view that shows the time has the displayed minute in its
 *  stamp, so it is rendered again on its first request in a new minute and
 *  not before. ETag and gzip stay those of the exact bytes sent.
 *
 *  Lifetimes. Only the loop thread touches a published snapshot's refcount
 *  and the view cache. Views are refcounted (struct view.refs, loop thread
 *  only) so that a reply can hold one it borrowed its body from while the
 *  cache drops it (struct reply.hold). A snapshot whose last reference goes
 *  may be handed to a reaper (snapshot_set_reaper) that frees it off the
 *  loop thread, so freeing a big one never pauses the loop.
 */
#ifndef OUTPOST_SNAPSHOT_H
#define OUTPOST_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct tz;

/* The site as configured: what every renderer needs to name itself. */
struct site {
    const char *name;     /* page name, "ExampleNet status" */
    const char *hostname; /* public host name advertised in menus/URLs */
    const char *base_url; /* "http://host:port" without trailing slash */
    const char *page_id;  /* the v2 JSON's page.id; NULL: derived */
    /* The public host of Gopher and finger when it is not hostname
     * (public_gopher_url, public_finger_url); NULL: hostname. */
    const char *gopher_host;
    const char *finger_host;
    /* A protocol switched off is never linked or advertised. */
    bool http_off;
    bool gopher_off;
    bool finger_off;
    int http_port; /* public ports, as advertised */
    int gopher_port;
    int finger_port;
    const char *time_zone; /* IANA display zone or NULL for UTC only */
    int max_age;           /* HTTP Cache-Control max-age, seconds */
    const struct tz *tz;   /* display zone or NULL; owned by the server */
    /* Rendered for a static copy (`outpost mirror`), not for the server:
     * the HTML links each page relative to itself, so that the copy works
     * under any path prefix, and nothing links the search, which no
     * static server can answer. */
    bool mirror;
};

/* "\"%016llx\"" and its NUL. */
#define SNAPSHOT_ETAG_MAX 24

/* A rendered response body. */
struct view {
    _Atomic int refs;      /* views are shared across threads */
    bool cached;           /* in a view cache, not a snapshot's table */
    uint64_t stamp;        /* cached views: what it was made from */
    size_t cost;           /* bytes it holds, for the cache's bound */
    struct view *lru_prev; /* the cache's recency list */
    struct view *lru_next;
    const char *key;          /* "http:/", "gopher:/status.txt", ... */
    const char *content_type; /* NULL for non-HTTP views */
    const char *body;
    size_t len;
    const char *gzip; /* gzip of body, or NULL */
    size_t gzip_len;
    char etag[SNAPSHOT_ETAG_MAX]; /* quoted strong ETag (snapshot_etag()) */
};

/* The services that share a group name (derived: store/derive.c). */
struct service_group {
    const char *name;
    size_t *members; /* indices into services, by position; never empty */
    size_t n_members;
    enum service_status status; /* worst of the members */
    int position;               /* its first member's */
    size_t place;               /* 0-based, among the page's items */
};

/* One top-level entry of a page (derived: store/derive.c). A group stands
 * where its first member stands, with its members under it, and a service
 * of no group stands where it is, so walking the items shows every service
 * exactly once in position order. */
struct snapshot_item {
    size_t group;   /* index into groups, or MODEL_NO_GROUP */
    size_t service; /* the lone service, or the group's first member */
};

/* An API token as the write API sees it: never the token itself. */
struct snapshot_token {
    const char *name;
    unsigned char hash[32]; /* BLAKE2b-256 (STORE_TOKEN_HASH) */
    bool revoked;
};

struct arena;       /* store/arena.h */
struct view_table;  /* private */
struct view_cache;  /* see snapshot_cache_new() */
struct post_mem;    /* a post's own memory; see the top of this file */
struct query_month; /* store/query.h */
struct uptime;      /* store/uptime.h */

struct snapshot {
    int refs;
    uint64_t version;        /* increases with every published snapshot */
    int64_t generated_at;    /* the server time shown on pages */
    int64_t data_changed_at; /* latest change in the data: Last-Modified */

    struct site site; /* copied strings, owned by the arena */

    struct service *services; /* sorted by position, then slug */
    size_t n_services;
    struct service_group *groups; /* by first member's position */
    size_t n_groups;
    struct snapshot_item *items; /* groups and lone services, page order */
    size_t n_items;
    struct incident *incidents; /* all posts, newest id first */
    size_t n_incidents;
    /* Derived: the posts that any of the classifications below selects
     * (open, active, upcoming, current notice, recent maintenance), as
     * indices into incidents, in history order (by_time: newest first by
     * each post's own time, not its id). The summaries walk these, not
     * the archive. */
    size_t *live;
    size_t n_live;

    enum indicator indicator;
    const char *indicator_description;

    struct arena *arena;
    struct view_table *views;

    /* Set by the server before publishing (not owned): the view cache
     * shared by its snapshots. NULL: the snapshot makes one of its own on
     * first use, freed with it (tools, tests). */
    struct view_cache *cache;
    struct view_cache *own_cache;

    /* Derived (snapshot_derive): the months of the history, newest first,
     * each with its posts' place in by_time and a stamp of their changes;
     * by_time indexes incidents by history time, newest first. */
    struct query_month *months;
    size_t n_months;
    size_t *by_time;
    /* Per service (by index), stamps of its QUERY_SERVICE_SHORT and
     * QUERY_SERVICE_LONG newest posts (store/query.c), so that looking a
     * service's page up costs no walk of the archive. */
    uint64_t *service_short, *service_long;
    /* The longest a closed post stayed open past its filing time
     * (resolved_at - query_post_time, query_index), so that uptime's walk
     * of by_time knows how far back a post can still reach into its
     * window. */
    int64_t longest_span;

    /* snapshot_seal(): stamps of what every post's and month's pages
     * read from outside the post (site, services, the store's identity),
     * and of the server time as shown. */
    bool sealed;
    uint64_t context_stamp;
    uint64_t clock_stamp;
    /* And every service's uptime (store/uptime.h), by index, as of the
     * time shown; NULL when none was worked out (out of memory). */
    struct uptime *uptime;
    /* Which store the posts came from: posts of two epochs are never
     * taken for one another (store_load_from, a database replaced). */
    uint64_t epoch;
    /* The store's change counter when it was loaded: every post changed
     * since has a higher stamp (store/load.c). 0: not loaded from one. And
     * the store's random id, which the stamps are only good within. */
    int64_t change_seq;
    int64_t store_id;

    void (*reaper)(struct snapshot *s, void *arg);
    void *reaper_arg;

    /* While it is built: the snapshot it is built from (store_load_from's
     * base). A snapshot view rendered to the same bytes as prev's is
     * shared with prev, gzip body and all, instead of kept twice. The
     * builder clears it before the snapshot is published. */
    const struct snapshot *prev;

    /* API tokens (store_load), oldest first, so the write API can refuse
     * a wrong or revoked token at once, without a database trip. The
     * store checks again inside each write's transaction: a stale copy
     * may refuse a token made a moment ago, but never lets a revoked one
     * write. */
    struct snapshot_token *tokens;
    size_t n_tokens;
};

/* The strong ETag of a body, quoted: a 64-bit FNV-1a of its bytes in hex.
 * Views get theirs from this; a page made per request (search) uses it
 * too, so the same bytes always validate the same way. */
void snapshot_etag(const char *body, size_t len, char out[SNAPSHOT_ETAG_MAX]);

/* Creates an empty snapshot with refs = 1. Returns NULL on OOM. */
struct snapshot *snapshot_new(void);
/* Reference counting (loop thread only once published). The last unref
 * frees the snapshot, its arena, its views and its references to posts,
 * or hands it to the reaper if one is set. */
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s);
/* Makes the last unref call reap(s, arg) instead of freeing; the reaper
 * must see that snapshot_free(s) is called, on any thread. */
void snapshot_set_reaper(struct snapshot *s,
                         void (*reap)(struct snapshot *s, void *arg),
                         void *arg);
/* Frees a snapshot nobody references (for reapers). */
void snapshot_free(struct snapshot *s);

/* ---- posts' own memory ------------------------------------------------ */

/* A new, empty post memory with one reference; NULL on OOM. */
struct post_mem *snapshot_post_mem_new(void);
/* Allocation from it, as snapshot_alloc / snapshot_memdup. */
void *snapshot_post_alloc(struct post_mem *m, size_t size);
char *snapshot_post_memdup(struct post_mem *m, const void *p, size_t len);
/* Atomic reference counting: snapshots on different threads share posts.
 * The last unref frees it. NULL is a no-op for both. */
void snapshot_post_mem_ref(struct post_mem *m);
void snapshot_post_mem_unref(struct post_mem *m);
/* Bytes it holds (malloc'd), for the benchmark's accounting. */
size_t snapshot_post_mem_size(const struct post_mem *m);

/* Arena allocation: memory lives as long as the snapshot. NULL on OOM. */
void *snapshot_alloc(struct snapshot *s, size_t size);
char *snapshot_strdup(struct snapshot *s, const char *str); /* NULL -> NULL */
char *snapshot_memdup(struct snapshot *s, const void *p, size_t len);

/* Adds a view; the snapshot takes ownership of body (malloc'd) and copies
 * key and content_type. Computes the ETag. A second view with the same key
 * replaces the first. When prev has a view of the key with these very
 * bytes, that one is shared and body freed. Returns 0 or UV_ENOMEM. */
int snapshot_put_view(struct snapshot *s, const char *key,
                      const char *content_type, char *body, size_t len);
/* Attaches a gzip body (malloc'd, owned by the snapshot) to a view. */
int snapshot_set_view_gzip(struct snapshot *s, const char *key, char *gz,
                           size_t gz_len);
/* Looks a view up; NULL if absent. The pointer lives as long as s. */
const struct view *snapshot_view(const struct snapshot *s, const char *key);
/* Calls fn for every snapshot view (for precompression and tests). */
void snapshot_each_view(struct snapshot *s,
                        void (*fn)(struct view *v, void *arg), void *arg);

/* A reference to a view, for a reply that borrows its body (loop thread).
 * Release drops it; the last one frees the view. NULL is a no-op. */
struct view *snapshot_view_hold(const struct view *v);
void snapshot_view_release(struct view *v);

/* ---- cached views ----------------------------------------------------- */

/* A cache of views rendered on request, shared by the snapshots of one
 * server, holding at most about max_bytes of bodies (loop thread only).
 * NULL on OOM. Free drops the cache's references. */
struct view_cache *snapshot_cache_new(size_t max_bytes);
void snapshot_cache_free(struct view_cache *c);
/* A new bound, dropping the least recently used views down to it. */
void snapshot_cache_set_max(struct view_cache *c, size_t max_bytes);
/* Bytes and views held now. */
size_t snapshot_cache_bytes(const struct view_cache *c);
size_t snapshot_cache_count(const struct view_cache *c);

/* The cached view `key` if it was made with this stamp, else NULL. */
const struct view *snapshot_cached_view(const struct snapshot *s,
                                        const char *key, uint64_t stamp);
/* Caches a view just rendered (the cache takes body and gz, malloc'd; gz
 * may be NULL), replacing any older one of the key, and returns it; NULL
 * on OOM (body and gz freed). The view lives until the cache drops it and
 * no reply holds it: take snapshot_view_hold() before the next call. */
const struct view *snapshot_cache_view(const struct snapshot *s,
                                       const char *key, uint64_t stamp,
                                       const char *content_type, char *body,
                                       size_t len, char *gz, size_t gz_len);

/* Mixes v into the 64-bit hash h (for stamps). */
uint64_t snapshot_mix(uint64_t h, uint64_t v);

/* Computes the stamps of snapshot_post_stamp() and snapshot_month_stamp()
 * once the site is set; idempotent, and called by every prerender. */
void snapshot_seal(struct snapshot *s);
/* What a page of one post is made from: the post's change stamp, the
 * context (site, services and their shown statuses, the store), and, with
 * clock, the server time as shown. */
uint64_t snapshot_post_stamp(const struct snapshot *s,
                             const struct incident *inc, bool clock);
/* The same for page `page` of month m (an index into s->months), which
 * also shows which months are next to it. */
uint64_t snapshot_month_stamp(const struct snapshot *s, size_t m, int page,
                              bool clock);

/* Lookups in the model; NULL when absent. */
const struct incident *snapshot_incident(const struct snapshot *s, int64_t id);
const struct service *snapshot_service(const struct snapshot *s,
                                       const char *slug);

/* ---- derived data (store/derive.c) ------------------------------------ */

/* Derives each service's shown status and reason, the groups, the page
 * order (items, and each service's group_index and place), and the overall
 * indicator from the loaded rows (called by store_load()), by the rule
 * written out at the top of store/derive.c. Deriving again replaces what
 * was derived before. Returns 0 or UV_ENOMEM. */
int snapshot_derive(struct snapshot *s);

/* Classification used by every summary view, so all protocols agree:
 *  open incident:       kind incident, status investigating..monitoring
 *  active maintenance:  kind maintenance, in_progress or verifying
 *  upcoming maintenance: kind maintenance, scheduled, its window not
 *                       begun (generated_at < scheduled_start)
 *  overdue maintenance: kind maintenance, still scheduled though its
 *                       window has begun, until SNAPSHOT_RECENT_DAYS after
 *                       its end: never "upcoming", since a window in the
 *                       past is not
 *  current notice:      kind notice, posted within SNAPSHOT_NOTICE_DAYS
 *  recent maintenance:  kind maintenance, completed within
 *                       SNAPSHOT_RECENT_DAYS (the maintenance lists) */
#define SNAPSHOT_NOTICE_DAYS 7
#define SNAPSHOT_RECENT_DAYS 30
typedef bool (*snapshot_filter)(const struct snapshot *s,
                                const struct incident *i);
bool snapshot_is_open_incident(const struct snapshot *s,
                               const struct incident *i);
bool snapshot_is_active_maintenance(const struct snapshot *s,
                                    const struct incident *i);
bool snapshot_is_upcoming_maintenance(const struct snapshot *s,
                                      const struct incident *i);
bool snapshot_is_overdue_maintenance(const struct snapshot *s,
                                     const struct incident *i);
bool snapshot_is_current_notice(const struct snapshot *s,
                                const struct incident *i);
bool snapshot_is_recent_maintenance(const struct snapshot *s,
                                    const struct incident *i);
/* Any of the six: what s->live holds. */
bool snapshot_is_live(const struct snapshot *s, const struct incident *i);
/* Open, active, upcoming, overdue or current: what the front page
 * lists. */
bool snapshot_is_current(const struct snapshot *s, const struct incident *i);
/* The first time after s->generated_at at which something s shows from
 * the clock changes (a window begins or ends: upcoming becomes overdue, a
 * maintenance that runs itself is due, a service's own window opens or
 * closes), or 0 when none is coming; *due is set when a maintenance that
 * runs itself is due already (store_maintenance_due() would move it).
 * The server arms a timer for it, so that no view shows a window's edge
 * late. Pure. */
int64_t snapshot_next_edge(const struct snapshot *s, bool *due);

#endif
