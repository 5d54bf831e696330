/* snapshot: the arena, the refcount, the table of pre-rendered views, and
 * the one place where shown statuses are derived.
 *
 * THE DERIVE RULE (snapshot_derive; every protocol shows its result):
 *
 *  1. Order. Incidents are sorted newest id first, and each incident's
 *     updates newest first (created_at, then id, descending), so a snapshot
 *     built by hand obeys the same order as one loaded from SQLite.
 *     Services are NOT reordered (incident_service.service indexes them);
 *     whoever fills them sorts by position, then slug.
 *
 *  2. A service's shown status is
 *       - its manual status if one was set by hand (reason "set by hand");
 *       - otherwise the worst of
 *           every open incident affecting it, mapped from its impact:
 *             none -> operational, minor -> degraded_performance,
 *             major -> partial_outage, critical -> major_outage;
 *           every active maintenance (in_progress or verifying) affecting
 *             it -> under_maintenance. The enum order puts maintenance just
 *             above operational, so any outage outranks it;
 *         with the reason naming the deciding post ("incident #42",
 *         "maintenance #7"); among equals the newest post decides;
 *       - "operational" with reason "no open incidents" when nothing open
 *         affects it.
 *     A maintenance marks its services for as long as its status says it
 *     is active, whatever the per-service windows say: the operator's
 *     "start"/"complete" is the truth, a window is only the plan.
 *
 *  3. Groups: one per distinct group name, members in service order, the
 *     group's status the worst member's, groups ordered by their first
 *     member. Ungrouped services belong to no group.
 *
 *  4. The overall indicator is the max of
 *       every open incident's impact (none/minor/major/critical), and
 *       every service's shown status: degraded_performance -> minor,
 *       partial_outage -> major, major_outage -> critical,
 *       under_maintenance and operational -> none.
 *     Its description comes from model_indicator_description(), which says
 *     "Service Under Maintenance" when the indicator is none and some
 *     maintenance is active.
 *
 *  5. data_changed_at (Last-Modified) is the latest time found anywhere in
 *     the data: created/updated/resolved/postmortem times of posts, update
 *     times, service changes. It is 0 only for an empty store.
 */
#include "snapshot.h"

#include <assert.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* ---- arena ------------------------------------------------------------ */

/* A snapshot is built once and freed at once, so a bump allocator over a
 * list of chunks is all it needs: no per-object free, no fragmentation. */
#define ARENA_CHUNK 16384
#define ARENA_ALIGN alignof(max_align_t)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char data[];
};

struct snapshot_arena {
    struct arena_chunk *head;
};

static void arena_free(struct snapshot_arena *a)
{
    if (a == NULL)
        return;
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *snapshot_alloc(struct snapshot *s, size_t size)
{
    struct snapshot_arena *a = s->arena;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

    struct arena_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < size) {
        /* A big allocation gets a chunk of its own, linked behind the
         * current one so the current chunk's free space is not lost. */
        size_t cap = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        struct arena_chunk *n = malloc(sizeof(*n) + cap);
        if (n == NULL)
            return NULL;
        n->used = 0;
        n->cap = cap;
        if (c != NULL && cap != ARENA_CHUNK) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *snapshot_memdup(struct snapshot *s, const void *p, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = snapshot_alloc(s, len + 1);
    if (d == NULL)
        return NULL;
    if (len > 0)
        memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

char *snapshot_strdup(struct snapshot *s, const char *str)
{
    if (str == NULL)
        return NULL;
    return snapshot_memdup(s, str, strlen(str));
}

/* ---- views ------------------------------------------------------------ */

/* Open addressing with linear probing over pointers to individually
 * allocated views, so a view's address stays put when the table grows and
 * snapshot_view() results remain valid for the snapshot's life. */
struct view_table {
    struct view **slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
};

static uint64_t fnv1a(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void snapshot_etag(const char *body, size_t len, char out[SNAPSHOT_ETAG_MAX])
{
    snprintf(out, SNAPSHOT_ETAG_MAX, "\"%016llx\"",
             (unsigned long long)fnv1a(body != NULL ? body : "", len));
}

static void view_free(struct view *v)
{
    free((char *)v->key);
    free((char *)v->content_type);
    free((char *)v->body);
    free((char *)v->gzip);
    free(v);
}

static void views_free(struct view_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            view_free(t->slots[i]);
    free(t->slots);
    free(t);
}

/* Returns the slot holding key, or the empty slot where it would go. */
static size_t views_slot(const struct view_table *t, const char *key)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)fnv1a(key, strlen(key)) & mask;
    while (t->slots[i] != NULL && strcmp(t->slots[i]->key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int views_grow(struct view_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct view **old = t->slots;
    size_t old_cap = t->cap;
    t->slots = calloc(cap, sizeof(*t->slots));
    if (t->slots == NULL) {
        t->slots = old;
        return UV_ENOMEM;
    }
    t->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != NULL)
            t->slots[views_slot(t, old[i]->key)] = old[i];
    free(old);
    return 0;
}

static char *xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

int snapshot_put_view(struct snapshot *s, const char *key,
                      const char *content_type, char *body, size_t len)
{
    struct view_table *t = s->views;
    /* Keep the load factor at most 1/2 so probes stay short. */
    if ((t->count + 1) * 2 > t->cap && views_grow(t) != 0) {
        free(body);
        return UV_ENOMEM;
    }
    struct view *v = calloc(1, sizeof(*v));
    char *k = xstrdup(key);
    char *ct = xstrdup(content_type);
    if (v == NULL || k == NULL || (content_type != NULL && ct == NULL)) {
        free(v);
        free(k);
        free(ct);
        free(body);
        return UV_ENOMEM;
    }
    v->key = k;
    v->content_type = ct;
    v->body = body;
    v->len = len;
    snapshot_etag(body, len, v->etag);

    size_t i = views_slot(t, key);
    if (t->slots[i] != NULL)
        view_free(t->slots[i]);
    else
        t->count++;
    t->slots[i] = v;
    return 0;
}

int snapshot_set_view_gzip(struct snapshot *s, const char *key, char *gz,
                           size_t gz_len)
{
    struct view *v = (struct view *)snapshot_view(s, key);
    if (v == NULL) {
        free(gz);
        return UV_ENOENT;
    }
    free((char *)v->gzip);
    v->gzip = gz;
    v->gzip_len = gz_len;
    return 0;
}

const struct view *snapshot_view(const struct snapshot *s, const char *key)
{
    const struct view_table *t = s->views;
    if (t == NULL || t->cap == 0 || key == NULL)
        return NULL;
    return t->slots[views_slot(t, key)];
}

void snapshot_each_view(struct snapshot *s,
                        void (*fn)(struct view *v, void *arg), void *arg)
{
    struct view_table *t = s->views;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            fn(t->slots[i], arg);
}

/* ---- life cycle ------------------------------------------------------- */

struct snapshot *snapshot_new(void)
{
    struct snapshot *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->arena = calloc(1, sizeof(*s->arena));
    s->views = calloc(1, sizeof(*s->views));
    if (s->arena == NULL || s->views == NULL) {
        free(s->arena);
        free(s->views);
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->indicator = INDICATOR_NONE;
    s->indicator_description =
        model_indicator_description(INDICATOR_NONE, false);
    return s;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
    assert(s->refs > 0);
    s->refs++;
    return s;
}

void snapshot_unref(struct snapshot *s)
{
    if (s == NULL)
        return;
    assert(s->refs > 0);
    if (--s->refs > 0)
        return;
    views_free(s->views);
    arena_free(s->arena);
    free(s);
}

/* ---- lookups ---------------------------------------------------------- */

const struct incident *snapshot_incident(const struct snapshot *s, int64_t id)
{
    /* Incidents are sorted by id descending (snapshot_derive makes sure),
     * so a binary search finds one among thousands without a scan. */
    size_t lo = 0, hi = s->n_incidents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t mid_id = s->incidents[mid].id;
        if (mid_id == id)
            return &s->incidents[mid];
        if (mid_id > id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct service *snapshot_service(const struct snapshot *s,
                                       const char *slug)
{
    if (slug == NULL)
        return NULL;
    /* A status page has tens of services, not thousands. */
    for (size_t i = 0; i < s->n_services; i++)
        if (strcmp(s->services[i].slug, slug) == 0)
            return &s->services[i];
    return NULL;
}

/* ---- classification --------------------------------------------------- */

bool snapshot_is_open_incident(const struct snapshot *s,
                               const struct incident *i)
{
    return i->kind == KIND_INCIDENT &&
           (i->status == STATUS_INVESTIGATING ||
            i->status == STATUS_IDENTIFIED || i->status == STATUS_MONITORING);
}

bool snapshot_is_active_maintenance(const struct snapshot *s,
                                    const struct incident *i)
{
    return i->kind == KIND_MAINTENANCE &&
           (i->status == STATUS_IN_PROGRESS || i->status == STATUS_VERIFYING);
}

bool snapshot_is_upcoming_maintenance(const struct snapshot *s,
                                      const struct incident *i)
{
    return i->kind == KIND_MAINTENANCE && i->status == STATUS_SCHEDULED;
}

bool snapshot_is_current_notice(const struct snapshot *s,
                                const struct incident *i)
{
    if (i->kind != KIND_NOTICE || i->status != STATUS_POSTED)
        return false;
    int64_t posted = i->started_at ? i->started_at : i->created_at;
    return s->generated_at - posted < (int64_t)SNAPSHOT_NOTICE_DAYS * 86400;
}

bool snapshot_is_current(const struct snapshot *s, const struct incident *i)
{
    return snapshot_is_open_incident(s, i) ||
           snapshot_is_active_maintenance(s, i) ||
           snapshot_is_upcoming_maintenance(s, i) ||
           snapshot_is_current_notice(s, i);
}

bool snapshot_is_recent_maintenance(const struct snapshot *s,
                                    const struct incident *i)
{
    return i->kind == KIND_MAINTENANCE && i->status == STATUS_COMPLETED &&
           s->generated_at - i->resolved_at <=
               (int64_t)SNAPSHOT_RECENT_DAYS * 86400;
}

/* ---- derive ----------------------------------------------------------- */

static int incident_cmp(const void *a, const void *b)
{
    const struct incident *x = a, *y = b;
    return (x->id < y->id) - (x->id > y->id); /* descending */
}

static int update_cmp(const void *a, const void *b)
{
    const struct update *x = a, *y = b;
    if (x->created_at != y->created_at)
        return (x->created_at < y->created_at) -
               (x->created_at > y->created_at);
    return (x->id < y->id) - (x->id > y->id);
}

static enum service_status impact_to_service(enum impact i)
{
    switch (i) {
    case IMPACT_MINOR:
        return SERVICE_DEGRADED_PERFORMANCE;
    case IMPACT_MAJOR:
        return SERVICE_PARTIAL_OUTAGE;
    case IMPACT_CRITICAL:
        return SERVICE_MAJOR_OUTAGE;
    default:
        return SERVICE_OPERATIONAL;
    }
}

static enum indicator service_to_indicator(enum service_status st)
{
    switch (st) {
    case SERVICE_DEGRADED_PERFORMANCE:
        return INDICATOR_MINOR;
    case SERVICE_PARTIAL_OUTAGE:
        return INDICATOR_MAJOR;
    case SERVICE_MAJOR_OUTAGE:
        return INDICATOR_CRITICAL;
    default:
        return INDICATOR_NONE;
    }
}

static void latest(int64_t *acc, int64_t t)
{
    if (t > *acc)
        *acc = t;
}

static int derive_services(struct snapshot *s)
{
    size_t n = s->n_services;
    /* The deciding post per service, found in one pass over the posts;
     * incidents are newest first, so "strictly worse" keeps the newest
     * among equals. */
    const struct incident **decider = NULL;
    if (n > 0) {
        decider = calloc(n, sizeof(*decider));
        if (decider == NULL)
            return UV_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        s->services[i].status = SERVICE_OPERATIONAL;

    for (size_t k = 0; k < s->n_incidents; k++) {
        const struct incident *inc = &s->incidents[k];
        enum service_status st;
        if (snapshot_is_open_incident(s, inc))
            st = impact_to_service(inc->impact);
        else if (snapshot_is_active_maintenance(s, inc))
            st = SERVICE_UNDER_MAINTENANCE;
        else
            continue;
        for (size_t j = 0; j < inc->n_services; j++) {
            size_t idx = inc->services[j].service;
            if (idx >= n)
                continue;
            if (decider[idx] == NULL || st > s->services[idx].status) {
                decider[idx] = inc;
                s->services[idx].status = st;
            }
        }
    }

    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct service *svc = &s->services[i];
        if (svc->manual) {
            svc->status = svc->manual_status;
            svc->status_reason = "set by hand";
        } else if (decider[i] != NULL) {
            char tmp[48];
            snprintf(tmp, sizeof(tmp), "%s #%lld",
                     model_kind_name(decider[i]->kind),
                     (long long)decider[i]->id);
            svc->status_reason = snapshot_strdup(s, tmp);
            if (svc->status_reason == NULL) {
                rc = UV_ENOMEM;
                break;
            }
        } else {
            svc->status_reason = "no open incidents";
        }
    }
    free(decider);
    return rc;
}

static int derive_groups(struct snapshot *s)
{
    size_t n = s->n_services;
    s->groups = NULL;
    s->n_groups = 0;
    if (n == 0)
        return 0;
    /* At most one group per service; the arena makes over-allocating
     * harmless. */
    struct service_group *groups = snapshot_alloc(s, n * sizeof(*groups));
    if (groups == NULL)
        return UV_ENOMEM;
    size_t n_groups = 0;
    for (size_t i = 0; i < n; i++) {
        const struct service *svc = &s->services[i];
        if (svc->group == NULL)
            continue;
        size_t g = 0;
        while (g < n_groups && strcmp(groups[g].name, svc->group) != 0)
            g++;
        if (g == n_groups) {
            groups[g].name = svc->group;
            groups[g].position = svc->position;
            groups[g].status = SERVICE_OPERATIONAL;
            groups[g].members = snapshot_alloc(s, n * sizeof(size_t));
            if (groups[g].members == NULL)
                return UV_ENOMEM;
            n_groups++;
        }
        groups[g].members[groups[g].n_members++] = i;
        if (svc->status > groups[g].status)
            groups[g].status = svc->status;
    }
    s->groups = groups;
    s->n_groups = n_groups;
    return 0;
}

int snapshot_derive(struct snapshot *s)
{
    if (s->n_incidents > 1)
        qsort(s->incidents, s->n_incidents, sizeof(*s->incidents),
              incident_cmp);
    for (size_t k = 0; k < s->n_incidents; k++) {
        struct incident *inc = &s->incidents[k];
        if (inc->n_updates > 1)
            qsort(inc->updates, inc->n_updates, sizeof(*inc->updates),
                  update_cmp);
    }

    int rc = derive_services(s);
    if (rc == 0)
        rc = derive_groups(s);
    if (rc != 0)
        return rc;

    enum indicator ind = INDICATOR_NONE;
    bool maintenance = false;
    int64_t changed = 0;
    for (size_t k = 0; k < s->n_incidents; k++) {
        const struct incident *inc = &s->incidents[k];
        if (snapshot_is_open_incident(s, inc) &&
            inc->impact <= IMPACT_CRITICAL && (enum indicator)inc->impact > ind)
            ind = (enum indicator)inc->impact;
        if (snapshot_is_active_maintenance(s, inc))
            maintenance = true;
        latest(&changed, inc->created_at);
        latest(&changed, inc->updated_at);
        latest(&changed, inc->resolved_at);
        latest(&changed, inc->postmortem_at);
        for (size_t u = 0; u < inc->n_updates; u++)
            latest(&changed, inc->updates[u].created_at);
    }
    for (size_t i = 0; i < s->n_services; i++) {
        enum indicator si = service_to_indicator(s->services[i].status);
        if (si > ind)
            ind = si;
        latest(&changed, s->services[i].created_at);
        latest(&changed, s->services[i].updated_at);
    }
    s->indicator = ind;
    s->indicator_description = model_indicator_description(ind, maintenance);
    s->data_changed_at = changed;
    return 0;
}
