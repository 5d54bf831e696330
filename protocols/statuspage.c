#include "statuspage.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/common/jsonw.h"
#include "../store/uptime.h"

static const char *const doc_paths[STATUSPAGE_DOC_COUNT] = {
    [STATUSPAGE_SUMMARY] = "/api/v2/summary.json",
    [STATUSPAGE_STATUS] = "/api/v2/status.json",
    [STATUSPAGE_COMPONENTS] = "/api/v2/components.json",
    [STATUSPAGE_INCIDENTS] = "/api/v2/incidents.json",
    [STATUSPAGE_INCIDENTS_UNRESOLVED] = "/api/v2/incidents/unresolved.json",
    [STATUSPAGE_MAINTENANCES] = "/api/v2/scheduled-maintenances.json",
    [STATUSPAGE_MAINTENANCES_UPCOMING] =
        "/api/v2/scheduled-maintenances/upcoming.json",
    [STATUSPAGE_MAINTENANCES_ACTIVE] =
        "/api/v2/scheduled-maintenances/active.json",
    [STATUSPAGE_UPTIME] = "/api/v2/uptime.json",
};

const char *statuspage_path(enum statuspage_doc doc)
{
    if ((int)doc < 0 || doc >= STATUSPAGE_DOC_COUNT)
        return NULL;
    return doc_paths[doc];
}

void statuspage_page_id(const char *hostname, char out[13])
{
    /* FNV-1a over the lower-cased host name: stable across restarts and
     * builds, and the same for "Status.Example.NET" and its lower case.
     * 36^12 is below 2^64, so reducing modulo it keeps all 12 digits
     * meaningful. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = hostname ? hostname : ""; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 11; i >= 0; i--) {
        out[i] = digits[h % 36];
        h /= 36;
    }
    out[12] = '\0';
}

/* ---- ids and positions ----------------------------------------------- */

struct ctx {
    const struct snapshot *s;
    struct jsonw w;
    char page_id[STATUSPAGE_PAGE_ID_MAX + 1];
};

#define GROUP_ID_MAX 64

/* "group." + the name lower-cased, every run of other bytes one '-'. */
static void group_slug(const char *name, char out[GROUP_ID_MAX])
{
    size_t n = 0;
    memcpy(out, "group.", 6);
    n = 6;
    bool dash = false;
    for (const char *p = name; *p != '\0' && n < GROUP_ID_MAX - 8; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && n > 6)
                out[n++] = '-';
            dash = false;
            out[n++] = c;
        } else {
            dash = true;
        }
    }
    if (n == 6) {
        memcpy(out + n, "group", 5);
        n += 5;
    }
    out[n] = '\0';
}

/* Two group names may reduce to the same slug ("Mail" and "mail!"); the
 * later group then gets its 1-based index appended, which stays stable as
 * long as the groups keep their order. */
static void group_id(const struct snapshot *s, size_t g, char out[GROUP_ID_MAX])
{
    group_slug(s->groups[g].name, out);
    for (size_t h = 0; h < g; h++) {
        char other[GROUP_ID_MAX];
        group_slug(s->groups[h].name, other);
        if (strcmp(other, out) == 0) {
            size_t n = strlen(out);
            snprintf(out + n, GROUP_ID_MAX - n, "-%zu", g + 1);
            return;
        }
    }
}

/* ---- objects ---------------------------------------------------------- */

static void write_service(struct ctx *c, size_t idx)
{
    const struct snapshot *s = c->s;
    const struct service *svc = &s->services[idx];
    struct jsonw *w = &c->w;
    bool grouped = svc->group_index != MODEL_NO_GROUP;
    char gid[GROUP_ID_MAX];
    if (grouped)
        group_id(s, svc->group_index, gid);

    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, svc->slug);
    jsonw_key(w, "name");
    jsonw_string(w, svc->name);
    jsonw_key(w, "status");
    jsonw_string(w, model_service_status_name(svc->status));
    jsonw_key(w, "created_at");
    jsonw_time(w, svc->created_at);
    jsonw_key(w, "updated_at");
    jsonw_time(w, svc->updated_at);
    jsonw_key(w, "position");
    jsonw_int(w, (int)svc->place + 1); /* within the group, or the page */
    jsonw_key(w, "description");
    jsonw_string(w, svc->description);
    jsonw_key(w, "showcase");
    jsonw_bool(w, false);
    jsonw_key(w, "start_date");
    jsonw_null(w);
    jsonw_key(w, "group_id");
    if (grouped)
        jsonw_string(w, gid);
    else
        jsonw_null(w);
    jsonw_key(w, "page_id");
    jsonw_string(w, c->page_id);
    jsonw_key(w, "group");
    jsonw_bool(w, false);
    jsonw_key(w, "only_show_if_degraded");
    jsonw_bool(w, false);
    jsonw_object_end(w);
}

static void write_group(struct ctx *c, size_t g)
{
    const struct snapshot *s = c->s;
    const struct service_group *grp = &s->groups[g];
    struct jsonw *w = &c->w;
    char gid[GROUP_ID_MAX];
    group_id(s, g, gid);

    /* A group has no rows of its own: it was created with its first
     * member and changes whenever one of them does. */
    int64_t created = 0, updated = 0;
    for (size_t m = 0; m < grp->n_members; m++) {
        const struct service *svc = &s->services[grp->members[m]];
        if (created == 0 || (svc->created_at != 0 && svc->created_at < created))
            created = svc->created_at;
        if (svc->updated_at > updated)
            updated = svc->updated_at;
    }

    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, gid);
    jsonw_key(w, "name");
    jsonw_string(w, grp->name);
    jsonw_key(w, "status");
    jsonw_string(w, model_service_status_name(grp->status));
    jsonw_key(w, "created_at");
    jsonw_time(w, created);
    jsonw_key(w, "updated_at");
    jsonw_time(w, updated);
    jsonw_key(w, "position");
    jsonw_int(w, (int)grp->place + 1);
    jsonw_key(w, "description");
    jsonw_null(w);
    jsonw_key(w, "showcase");
    jsonw_bool(w, false);
    jsonw_key(w, "start_date");
    jsonw_null(w);
    jsonw_key(w, "group_id");
    jsonw_null(w);
    jsonw_key(w, "page_id");
    jsonw_string(w, c->page_id);
    jsonw_key(w, "group");
    jsonw_bool(w, true);
    jsonw_key(w, "only_show_if_degraded");
    jsonw_bool(w, false);
    jsonw_key(w, "components");
    jsonw_array_begin(w);
    for (size_t m = 0; m < grp->n_members; m++)
        jsonw_string(w, s->services[grp->members[m]].slug);
    jsonw_array_end(w);
    jsonw_object_end(w);
}

static void write_components(struct ctx *c)
{
    const struct snapshot *s = c->s;
    jsonw_key(&c->w, "components");
    jsonw_array_begin(&c->w);
    /* Page order (snapshot.items): each group row right before its
     * members. */
    for (size_t k = 0; k < s->n_items; k++) {
        const struct snapshot_item *it = &s->items[k];
        if (it->group == MODEL_NO_GROUP) {
            write_service(c, it->service);
            continue;
        }
        const struct service_group *grp = &s->groups[it->group];
        write_group(c, it->group);
        for (size_t m = 0; m < grp->n_members; m++)
            write_service(c, grp->members[m]);
    }
    jsonw_array_end(&c->w);
}

static void write_id(struct jsonw *w, int64_t id)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%" PRId64, id);
    jsonw_string(w, tmp);
}

static void write_update(struct ctx *c, const struct incident *inc,
                         const struct update *u)
{
    struct jsonw *w = &c->w;
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    write_id(w, u->id);
    jsonw_key(w, "incident_id");
    write_id(w, inc->id);
    jsonw_key(w, "status");
    jsonw_string(w, model_status_name(u->status));
    jsonw_key(w, "body");
    jsonw_string(w, u->body ? u->body : "");
    jsonw_key(w, "created_at");
    jsonw_time(w, u->created_at);
    /* Updates are append-only: never edited after they are written. */
    jsonw_key(w, "updated_at");
    jsonw_time(w, u->created_at);
    jsonw_key(w, "display_at");
    jsonw_time(w, u->created_at);
    /* We do not record per-update component transitions. */
    jsonw_key(w, "affected_components");
    jsonw_null(w);
    jsonw_key(w, "deliver_notifications");
    jsonw_bool(w, true);
    jsonw_key(w, "custom_tweet");
    jsonw_null(w);
    jsonw_key(w, "tweet_id");
    jsonw_null(w);
    jsonw_object_end(w);
}

static void write_incident(struct ctx *c, const struct incident *inc)
{
    const struct snapshot *s = c->s;
    struct jsonw *w = &c->w;
    struct buf link = BUF_INIT;
    buf_printf(&link, "%s/incidents/%" PRId64,
               s->site.base_url ? s->site.base_url : "", inc->id);

    jsonw_object_begin(w);
    jsonw_key(w, "id");
    write_id(w, inc->id);
    jsonw_key(w, "name");
    jsonw_string(w, inc->title);
    jsonw_key(w, "status");
    jsonw_string(w, model_status_name(inc->status));
    jsonw_key(w, "created_at");
    jsonw_time(w, inc->created_at);
    jsonw_key(w, "updated_at");
    jsonw_time(w, inc->updated_at);
    jsonw_key(w, "monitoring_at");
    jsonw_time(w, inc->monitoring_at);
    jsonw_key(w, "resolved_at");
    jsonw_time(w, inc->resolved_at);
    jsonw_key(w, "impact");
    jsonw_string(w, model_impact_name(inc->impact));
    jsonw_key(w, "shortlink");
    if (buf_failed(&link))
        c->w.out->oom = true;
    jsonw_string(w, link.data ? link.data : "");
    jsonw_key(w, "started_at");
    jsonw_time(w, inc->started_at ? inc->started_at : inc->created_at);
    jsonw_key(w, "page_id");
    jsonw_string(w, c->page_id);
    if (inc->kind == KIND_MAINTENANCE) {
        jsonw_key(w, "scheduled_for");
        jsonw_time(w, inc->scheduled_start);
        jsonw_key(w, "scheduled_until");
        jsonw_time(w, inc->scheduled_end);
    } else {
        jsonw_key(w, "postmortem_body");
        jsonw_string(w, inc->postmortem);
        jsonw_key(w, "postmortem_published_at");
        jsonw_time(w, inc->postmortem ? inc->postmortem_at : 0);
    }
    jsonw_key(w, "reminder_intervals");
    jsonw_null(w);
    jsonw_key(w, "incident_updates");
    jsonw_array_begin(w);
    for (size_t u = 0; u < inc->n_updates; u++)
        write_update(c, inc, &inc->updates[u]);
    jsonw_array_end(w);
    jsonw_key(w, "components");
    jsonw_array_begin(w);
    for (size_t k = 0; k < inc->n_services; k++)
        if (inc->services[k].service < s->n_services)
            write_service(c, inc->services[k].service);
    jsonw_array_end(w);
    jsonw_object_end(w);
    buf_free(&link);
}

static void write_page(struct ctx *c)
{
    const struct snapshot *s = c->s;
    struct jsonw *w = &c->w;
    jsonw_key(w, "page");
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, c->page_id);
    jsonw_key(w, "name");
    jsonw_string(w, s->site.name ? s->site.name : "");
    jsonw_key(w, "url");
    jsonw_string(w, s->site.base_url ? s->site.base_url : "");
    jsonw_key(w, "time_zone");
    jsonw_string(w, s->site.time_zone ? s->site.time_zone : "Etc/UTC");
    jsonw_key(w, "updated_at");
    jsonw_time(w, s->data_changed_at ? s->data_changed_at : s->generated_at);
    jsonw_object_end(w);
}

static void write_status(struct ctx *c)
{
    struct jsonw *w = &c->w;
    jsonw_key(w, "status");
    jsonw_object_begin(w);
    jsonw_key(w, "indicator");
    jsonw_string(w, model_indicator_name(c->s->indicator));
    jsonw_key(w, "description");
    jsonw_string(w, c->s->indicator_description
                        ? c->s->indicator_description
                        : model_indicator_description(c->s->indicator, false));
    jsonw_object_end(w);
}

/* Which posts a list holds. */
enum selection {
    SEL_OPEN_INCIDENTS,
    SEL_RECENT_INCIDENTS,
    SEL_RECENT_MAINTENANCE,
    SEL_UPCOMING,
    SEL_ACTIVE,
    SEL_ACTIVE_AND_UPCOMING,
};

/* Upcoming maintenance is listed soonest first, which is what a reader
 * (and a "next window" bot) wants; everything else newest first, in the
 * history order of the snapshot. Returns how many of the ids were chosen. */
static size_t select_upcoming(const struct snapshot *s, size_t *out)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_live; j++) {
        size_t k = s->live[j];
        if (!snapshot_is_upcoming_maintenance(s, &s->incidents[k]))
            continue;
        /* Insertion sort: a page has a handful of upcoming windows, and
         * it keeps equal start times in snapshot order. */
        size_t j = n++;
        int64_t start = s->incidents[k].scheduled_start;
        while (j > 0 && s->incidents[out[j - 1]].scheduled_start > start) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = k;
    }
    return n;
}

static void write_list(struct ctx *c, const char *key, enum selection sel)
{
    const struct snapshot *s = c->s;
    struct jsonw *w = &c->w;
    jsonw_key(w, key);
    jsonw_array_begin(w);
    size_t listed = 0;
    if (sel == SEL_ACTIVE || sel == SEL_ACTIVE_AND_UPCOMING)
        for (size_t j = 0; j < s->n_live; j++)
            if (snapshot_is_active_maintenance(s, &s->incidents[s->live[j]]))
                write_incident(c, &s->incidents[s->live[j]]);
    if (sel == SEL_UPCOMING || sel == SEL_ACTIVE_AND_UPCOMING) {
        size_t *order = NULL;
        if (s->n_live > 0) {
            order = malloc(s->n_live * sizeof(*order));
            if (order == NULL) {
                w->out->oom = true;
                jsonw_array_end(w);
                return;
            }
        }
        size_t n = select_upcoming(s, order);
        for (size_t i = 0; i < n; i++)
            write_incident(c, &s->incidents[order[i]]);
        free(order);
    }
    /* Open incidents are live; the recent lists stop at their limit and
     * walk the history index, so that "recent" means by the posts' own
     * times: an old page merged in gets new, higher ids, but is not
     * recent. */
    bool all = sel == SEL_RECENT_INCIDENTS || sel == SEL_RECENT_MAINTENANCE;
    size_t n = all ? s->n_incidents : s->n_live;
    for (size_t j = 0; j < n && (!all || listed < STATUSPAGE_RECENT); j++) {
        size_t k = !all ? s->live[j] : s->by_time != NULL ? s->by_time[j] : j;
        const struct incident *inc = &s->incidents[k];
        bool take = false;
        switch (sel) {
        case SEL_OPEN_INCIDENTS:
            take = snapshot_is_open_incident(s, inc);
            break;
        case SEL_RECENT_INCIDENTS:
            take = inc->kind == KIND_INCIDENT && listed < STATUSPAGE_RECENT;
            break;
        case SEL_RECENT_MAINTENANCE:
            take = inc->kind == KIND_MAINTENANCE && listed < STATUSPAGE_RECENT;
            break;
        default:
            break;
        }
        if (take) {
            write_incident(c, inc);
            listed++;
        }
    }
    jsonw_array_end(w);
}

/* A percentage as shown on the pages ("99.87"), as a string so that no
 * reader rounds it again, and in hundredths as a number. */
static void write_percent(struct jsonw *w, int64_t counted, int64_t down)
{
    char pct[8];
    uptime_format(counted, down, pct);
    pct[strlen(pct) - 1] = '\0'; /* the '%' */
    jsonw_key(w, "uptime");
    jsonw_string(w, pct);
    jsonw_key(w, "uptime_hundredths");
    jsonw_int(w, uptime_hundredths(counted, down));
    jsonw_key(w, "counted_seconds");
    jsonw_int(w, counted);
    jsonw_key(w, "down_milliseconds");
    jsonw_int(w, down);
}

static void write_uptime(struct ctx *c)
{
    const struct snapshot *s = c->s;
    struct jsonw *w = &c->w;
    jsonw_key(w, "uptime");
    jsonw_object_begin(w);
    jsonw_key(w, "days");
    jsonw_int(w, UPTIME_DAYS);
    jsonw_key(w, "time_zone");
    jsonw_string(w, s->site.time_zone ? s->site.time_zone : "Etc/UTC");
    jsonw_key(w, "partial_outage_permille");
    jsonw_int(w, UPTIME_PARTIAL_PERMILLE);
    jsonw_key(w, "components");
    jsonw_array_begin(w);
    for (size_t i = 0; i < s->n_services; i++) {
        const struct uptime *u = uptime_of(s, i);
        if (u == NULL)
            break;
        jsonw_object_begin(w);
        jsonw_key(w, "id");
        jsonw_string(w, s->services[i].slug);
        jsonw_key(w, "name");
        jsonw_string(w, s->services[i].name);
        write_percent(w, u->counted, u->down);
        jsonw_key(w, "days");
        jsonw_array_begin(w);
        for (size_t k = 0; k < UPTIME_DAYS; k++) {
            const struct uptime_day *d = &u->day[k];
            char date[11];
            uptime_date(d, date);
            jsonw_object_begin(w);
            jsonw_key(w, "date");
            jsonw_string(w, date);
            jsonw_key(w, "start");
            jsonw_time(w, d->start);
            write_percent(w, d->counted, d->down);
            jsonw_key(w, "worst");
            if (d->counted > 0)
                jsonw_string(w, model_service_status_name(d->worst));
            else
                jsonw_null(w);
            jsonw_object_end(w);
        }
        jsonw_array_end(w);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    jsonw_object_end(w);
}

void statuspage_site_page_id(const struct site *site,
                             char out[STATUSPAGE_PAGE_ID_MAX + 1])
{
    if (site->page_id != NULL && site->page_id[0] != '\0') {
        snprintf(out, STATUSPAGE_PAGE_ID_MAX + 1, "%s", site->page_id);
        return;
    }
    /* The host name, and what the base URL adds to it (a port, a path):
     * two pages on one host differ there, and a page at the root of its
     * own host keeps the id it always had (the host name's). */
    const char *base = site->base_url != NULL ? site->base_url : "";
    const char *sep = strstr(base, "://");
    const char *rest = sep != NULL ? sep + 3 : "";
    rest += strcspn(rest, ":/"); /* past the URL's own host */
    char key[600];
    size_t n = strlen(rest);
    while (n > 0 && rest[n - 1] == '/')
        n--;
    snprintf(key, sizeof(key), "%s%.*s",
             site->hostname != NULL ? site->hostname : "", (int)n, rest);
    statuspage_page_id(key, out);
}

void statuspage_render(struct buf *out, const struct snapshot *s,
                       enum statuspage_doc doc)
{
    struct ctx c;
    c.s = s;
    jsonw_init(&c.w, out);
    statuspage_site_page_id(&s->site, c.page_id);

    jsonw_object_begin(&c.w);
    write_page(&c);
    switch (doc) {
    case STATUSPAGE_SUMMARY:
        write_status(&c);
        write_components(&c);
        write_list(&c, "incidents", SEL_OPEN_INCIDENTS);
        write_list(&c, "scheduled_maintenances", SEL_ACTIVE_AND_UPCOMING);
        break;
    case STATUSPAGE_STATUS:
        write_status(&c);
        break;
    case STATUSPAGE_COMPONENTS:
        write_components(&c);
        break;
    case STATUSPAGE_INCIDENTS:
        write_list(&c, "incidents", SEL_RECENT_INCIDENTS);
        break;
    case STATUSPAGE_INCIDENTS_UNRESOLVED:
        write_list(&c, "incidents", SEL_OPEN_INCIDENTS);
        break;
    case STATUSPAGE_MAINTENANCES:
        write_list(&c, "scheduled_maintenances", SEL_RECENT_MAINTENANCE);
        break;
    case STATUSPAGE_MAINTENANCES_UPCOMING:
        write_list(&c, "scheduled_maintenances", SEL_UPCOMING);
        break;
    case STATUSPAGE_MAINTENANCES_ACTIVE:
        write_list(&c, "scheduled_maintenances", SEL_ACTIVE);
        break;
    case STATUSPAGE_UPTIME:
        write_uptime(&c);
        break;
    default:
        break;
    }
    jsonw_object_end(&c.w);
}
