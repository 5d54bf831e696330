/* derive: everything a snapshot shows that is not a stored row, worked out
 * once from the loaded rows so that every protocol shows the same thing.
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
 *     A maintenance run by hand marks its services for as long as its
 *     status says it is active, whatever the per-service windows say: the
 *     operator's "start"/"complete" is the truth, a window is only the
 *     plan. One that runs itself (auto_start or auto_complete) follows
 *     the plan: while it is active, a service with a window of its own is
 *     under maintenance during that window only.
 *
 *  3. Groups: one per distinct group name (NULL is no group, "" is a
 *     name), members in service order, the group's status the worst
 *     member's, groups ordered by their first member. Ungrouped services
 *     belong to no group. Page order: the top-level items are the groups
 *     and the ungrouped services, each group standing where its first
 *     member stands; every service records its group and its place within
 *     its group or, ungrouped, among the items, so that the renderers walk
 *     the items and never search the memberships.
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
 *
 *  6. The history index: every post by the time it is filed under
 *     (query_post_time), newest first, and the months (store/query.c).
 *     The live posts (snapshot.live), and so every list of current posts,
 *     follow the same order: times given with a write (a back-dated
 *     post, an old page merged in) decide where a post stands, not its
 *     id.
 */
#include "snapshot.h"

#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

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
    return i->kind == KIND_MAINTENANCE && i->status == STATUS_SCHEDULED &&
           s->generated_at < i->scheduled_start;
}

bool snapshot_is_overdue_maintenance(const struct snapshot *s,
                                     const struct incident *i)
{
    return i->kind == KIND_MAINTENANCE && i->status == STATUS_SCHEDULED &&
           s->generated_at >= i->scheduled_start &&
           s->generated_at - i->scheduled_end <=
               (int64_t)SNAPSHOT_RECENT_DAYS * 86400;
}

/* Whether a maintenance follows its services' own windows (rule 2): one
 * that runs itself does, one run by hand does not. */
static bool runs_itself(const struct incident *i)
{
    return i->auto_start || i->auto_complete;
}

/* Whether affected service a of active maintenance i is under it now. */
static bool in_window(const struct snapshot *s, const struct incident *i,
                      const struct incident_service *a)
{
    if (!runs_itself(i) || a->window_start == 0)
        return true;
    return s->generated_at >= a->window_start &&
           s->generated_at < a->window_end;
}

static void earliest(int64_t *acc, int64_t t, int64_t after)
{
    if (t > after && (*acc == 0 || t < *acc))
        *acc = t;
}

int64_t snapshot_next_edge(const struct snapshot *s, bool *due)
{
    int64_t now = s->generated_at, next = 0;
    *due = false;
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *i = &s->incidents[s->live[j]];
        if (i->kind != KIND_MAINTENANCE)
            continue;
        if (i->status == STATUS_SCHEDULED) {
            earliest(&next, i->scheduled_start, now);
            if (i->auto_start && i->scheduled_start <= now)
                *due = true;
        } else if (snapshot_is_active_maintenance(s, i)) {
            if (i->auto_complete) {
                earliest(&next, i->scheduled_end, now);
                if (i->scheduled_end <= now)
                    *due = true;
            }
            for (size_t k = 0; runs_itself(i) && k < i->n_services; k++) {
                earliest(&next, i->services[k].window_start, now);
                earliest(&next, i->services[k].window_end, now);
            }
        }
    }
    return next;
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
           snapshot_is_overdue_maintenance(s, i) ||
           snapshot_is_current_notice(s, i);
}

bool snapshot_is_live(const struct snapshot *s, const struct incident *i)
{
    return snapshot_is_current(s, i) || snapshot_is_recent_maintenance(s, i);
}

bool snapshot_is_recent_maintenance(const struct snapshot *s,
                                    const struct incident *i)
{
    return i->kind == KIND_MAINTENANCE && i->status == STATUS_COMPLETED &&
           s->generated_at - i->resolved_at <=
               (int64_t)SNAPSHOT_RECENT_DAYS * 86400;
}

/* ---- order ------------------------------------------------------------ */

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

static bool sorted(const void *base, size_t n, size_t size,
                   int (*cmp)(const void *, const void *))
{
    const char *p = base;
    for (size_t i = 1; i < n; i++)
        if (cmp(p + (i - 1) * size, p + i * size) > 0)
            return false;
    return true;
}

/* Rule 1: the posts and their updates, newest first. What is in order is
 * only read, never written: a post's updates may be shared with a
 * snapshot another thread is serving (snapshot.h), and the store loads
 * them in order. */
static void derive_order(struct snapshot *s)
{
    if (!sorted(s->incidents, s->n_incidents, sizeof(*s->incidents),
                incident_cmp))
        qsort(s->incidents, s->n_incidents, sizeof(*s->incidents),
              incident_cmp);
    for (size_t k = 0; k < s->n_incidents; k++) {
        struct incident *inc = &s->incidents[k];
        if (inc->mem != NULL)
            continue; /* the store reads them in this order */
        if (!sorted(inc->updates, inc->n_updates, sizeof(*inc->updates),
                    update_cmp))
            qsort(inc->updates, inc->n_updates, sizeof(*inc->updates),
                  update_cmp);
    }
}

/* The live posts (snapshot.live), found once so that nothing else walks
 * the archive for them, in history order (snapshot.by_time: newest first
 * by the time each post is filed under), so that a post opened after the
 * fact with an earlier time stands below the ones that began after it. */
static int derive_live(struct snapshot *s)
{
    s->live = snapshot_alloc(s, (s->n_incidents + 1) * sizeof(*s->live));
    if (s->live == NULL)
        return UV_ENOMEM;
    s->n_live = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        size_t k = s->by_time != NULL ? s->by_time[i] : i;
        if (snapshot_is_live(s, &s->incidents[k]))
            s->live[s->n_live++] = k;
    }
    return 0;
}

/* ---- shown statuses --------------------------------------------------- */

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

/* The status a post gives the services it affects; false when it gives
 * none because it is neither an open incident nor an active maintenance. */
static bool post_status(const struct snapshot *s, const struct incident *inc,
                        enum service_status *st)
{
    if (snapshot_is_open_incident(s, inc))
        *st = impact_to_service(inc->impact);
    else if (snapshot_is_active_maintenance(s, inc))
        *st = SERVICE_UNDER_MAINTENANCE;
    else
        return false;
    return true;
}

/* Sets each service's status to the worst any post gives it and records
 * the deciding post, in one pass over the posts; they are newest first,
 * so "strictly worse" keeps the newest among equals. */
static void find_deciders(struct snapshot *s, const struct incident **decider)
{
    size_t n = s->n_services;
    for (size_t i = 0; i < n; i++)
        s->services[i].status = SERVICE_OPERATIONAL;
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        enum service_status st;
        if (!post_status(s, inc, &st))
            continue;
        for (size_t j = 0; j < inc->n_services; j++) {
            size_t idx = inc->services[j].service;
            if (idx >= n || (st == SERVICE_UNDER_MAINTENANCE &&
                             !in_window(s, inc, &inc->services[j])))
                continue;
            if (decider[idx] == NULL || st > s->services[idx].status) {
                decider[idx] = inc;
                s->services[idx].status = st;
            }
        }
    }
}

/* The hand-set status overrides the posts'; the reason says which won. */
static int set_reason(struct snapshot *s, struct service *svc,
                      const struct incident *decider)
{
    if (svc->manual) {
        svc->status = svc->manual_status;
        svc->status_reason = "set by hand";
    } else if (decider != NULL) {
        char tmp[48];
        snprintf(tmp, sizeof(tmp), "%s #%lld", model_kind_name(decider->kind),
                 (long long)decider->id);
        svc->status_reason = snapshot_strdup(s, tmp);
        if (svc->status_reason == NULL)
            return UV_ENOMEM;
    } else {
        svc->status_reason = "no open incidents";
    }
    return 0;
}

/* Rule 2. */
static int derive_services(struct snapshot *s)
{
    size_t n = s->n_services;
    const struct incident **decider = NULL;
    if (n > 0) {
        decider = calloc(n, sizeof(*decider));
        if (decider == NULL)
            return UV_ENOMEM;
    }
    find_deciders(s, decider);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = set_reason(s, &s->services[i], decider[i]);
    free(decider);
    return rc;
}

/* ---- groups and page order -------------------------------------------- */

/* The group named name among the first n, or n when there is none yet. A
 * page has a handful of groups, so a scan beats a hash table. */
static size_t find_group(const struct service_group *groups, size_t n,
                         const char *name)
{
    size_t g = 0;
    while (g < n && strcmp(groups[g].name, name) != 0)
        g++;
    return g;
}

/* A group is born with its first member: its name and position. Room for
 * every service as a member costs little in an arena. */
static int start_group(struct snapshot *s, struct service_group *grp,
                       const struct service *first)
{
    grp->name = first->group;
    grp->position = first->position;
    grp->status = SERVICE_OPERATIONAL;
    grp->members = snapshot_alloc(s, s->n_services * sizeof(size_t));
    return grp->members != NULL ? 0 : UV_ENOMEM;
}

/* Every named service joins its group, the first one of a name starting
 * it; groups thus come in the order of their first members. */
static int place_in_groups(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_services; i++) {
        struct service *svc = &s->services[i];
        svc->group_index = MODEL_NO_GROUP;
        svc->place = 0;
        if (svc->group == NULL)
            continue;
        size_t g = find_group(s->groups, s->n_groups, svc->group);
        if (g == s->n_groups) {
            if (start_group(s, &s->groups[g], svc) != 0)
                return UV_ENOMEM;
            s->n_groups++;
        }
        struct service_group *grp = &s->groups[g];
        svc->group_index = g;
        svc->place = grp->n_members;
        grp->members[grp->n_members++] = i;
        if (svc->status > grp->status)
            grp->status = svc->status;
    }
    return 0;
}

/* After place_in_groups: the page's items, and the place of every lone
 * service and every group among them. A service is its group's first
 * member exactly when its place in the group is 0, which is where the
 * group joins the page. */
static void place_on_page(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_services; i++) {
        struct service *svc = &s->services[i];
        size_t g = svc->group_index;
        if (g == MODEL_NO_GROUP)
            svc->place = s->n_items;
        else if (svc->place == 0)
            s->groups[g].place = s->n_items;
        else
            continue;
        s->items[s->n_items].group = g;
        s->items[s->n_items].service = i;
        s->n_items++;
    }
}

/* Rule 3: the groups, then the page order, which needs them. */
static int derive_page(struct snapshot *s)
{
    size_t n = s->n_services;
    s->groups = NULL;
    s->n_groups = 0;
    s->items = NULL;
    s->n_items = 0;
    if (n == 0)
        return 0;
    /* At most one group and one item per service; the arena makes
     * over-allocating harmless. */
    s->groups = snapshot_alloc(s, n * sizeof(*s->groups));
    s->items = snapshot_alloc(s, n * sizeof(*s->items));
    if (s->groups == NULL || s->items == NULL)
        return UV_ENOMEM;
    int rc = place_in_groups(s);
    if (rc == 0)
        place_on_page(s);
    return rc;
}

/* ---- indicator and Last-Modified -------------------------------------- */

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

/* Rule 4. */
static void derive_indicator(struct snapshot *s)
{
    enum indicator ind = INDICATOR_NONE;
    bool maintenance = false;
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        if (snapshot_is_open_incident(s, inc) &&
            inc->impact <= IMPACT_CRITICAL && (enum indicator)inc->impact > ind)
            ind = (enum indicator)inc->impact;
        if (snapshot_is_active_maintenance(s, inc))
            maintenance = true;
    }
    for (size_t i = 0; i < s->n_services; i++) {
        enum indicator si = service_to_indicator(s->services[i].status);
        if (si > ind)
            ind = si;
    }
    s->indicator = ind;
    s->indicator_description = model_indicator_description(ind, maintenance);
}

static void latest(int64_t *acc, int64_t t)
{
    if (t > *acc)
        *acc = t;
}

/* Rule 5. */
static void derive_changed_at(struct snapshot *s)
{
    int64_t changed = 0;
    for (size_t k = 0; k < s->n_incidents; k++) {
        struct incident *inc = &s->incidents[k];
        /* Worked out once per version of a stored post: the head is the
         * snapshot's own, copied with the post to the next snapshot. A
         * post made by hand (no mem) may have been changed since. */
        if (inc->latest_at == 0 || inc->mem == NULL) {
            inc->latest_at = 0;
            latest(&inc->latest_at, inc->created_at);
            latest(&inc->latest_at, inc->updated_at);
            latest(&inc->latest_at, inc->resolved_at);
            latest(&inc->latest_at, inc->postmortem_at);
            for (size_t u = 0; u < inc->n_updates; u++)
                latest(&inc->latest_at, inc->updates[u].created_at);
        }
        latest(&changed, inc->latest_at);
    }
    for (size_t i = 0; i < s->n_services; i++) {
        latest(&changed, s->services[i].created_at);
        latest(&changed, s->services[i].updated_at);
    }
    s->data_changed_at = changed;
}

/* ---- the whole rule --------------------------------------------------- */

int snapshot_derive(struct snapshot *s)
{
    derive_order(s);
    /* The history index first: the live posts are listed in its order. */
    int rc = query_index(s);
    if (rc == 0)
        rc = derive_live(s);
    if (rc == 0)
        rc = derive_services(s);
    if (rc == 0)
        rc = derive_page(s);
    if (rc != 0)
        return rc;
    derive_indicator(s);
    derive_changed_at(s);
    return 0;
}
