/* snapshot: an immutable, refcounted picture of the whole store, plus every
 * view the protocols rendered from it.
 *
 * Life cycle: a worker thread calls store_load() (model) and then every
 * protocol's prerender (views); the loop thread publishes it and from then
 * on it is read-only. Only the loop thread touches the refcount after
 * publication, so it is a plain integer. A connection takes a reference for as
 * long as it writes bytes that point into the snapshot.
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
    int http_port;        /* public ports, as advertised */
    int gopher_port;
    int finger_port;
    const char *time_zone; /* IANA display zone or NULL for UTC only */
    int max_age;           /* HTTP Cache-Control max-age, seconds */
    const struct tz *tz;   /* display zone or NULL; owned by the server */
};

/* "\"%016llx\"" and its NUL. */
#define SNAPSHOT_ETAG_MAX 24

/* A pre-rendered response body. */
struct view {
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

struct snapshot_arena; /* private */
struct view_table;     /* private */

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

    enum indicator indicator;
    const char *indicator_description;

    struct snapshot_arena *arena;
    struct view_table *views;

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
 * frees the snapshot, its arena and its views. */
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s);

/* Arena allocation: memory lives as long as the snapshot. NULL on OOM. */
void *snapshot_alloc(struct snapshot *s, size_t size);
char *snapshot_strdup(struct snapshot *s, const char *str); /* NULL -> NULL */
char *snapshot_memdup(struct snapshot *s, const void *p, size_t len);

/* Adds a view; the snapshot takes ownership of body (malloc'd) and copies
 * key and content_type. Computes the ETag. A second view with the same key
 * replaces the first. Returns 0 or UV_ENOMEM. */
int snapshot_put_view(struct snapshot *s, const char *key,
                      const char *content_type, char *body, size_t len);
/* Attaches a gzip body (malloc'd, owned by the snapshot) to a view. */
int snapshot_set_view_gzip(struct snapshot *s, const char *key, char *gz,
                           size_t gz_len);
/* Looks a view up; NULL if absent. The pointer lives as long as s. */
const struct view *snapshot_view(const struct snapshot *s, const char *key);
/* Calls fn for every view (for precompression and tests). */
void snapshot_each_view(struct snapshot *s,
                        void (*fn)(struct view *v, void *arg), void *arg);

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
 *  upcoming maintenance: kind maintenance, scheduled
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
bool snapshot_is_current_notice(const struct snapshot *s,
                                const struct incident *i);
bool snapshot_is_recent_maintenance(const struct snapshot *s,
                                    const struct incident *i);
/* Open, active, upcoming or current: what the front page lists. */
bool snapshot_is_current(const struct snapshot *s, const struct incident *i);

#endif
