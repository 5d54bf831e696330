/* uptime: the rule is written out at the top of uptime.h. */
#include "uptime.h"

#include "common/timeutil.h"
#include "common/tz.h"
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

/* The first second of local day `date`: the smallest t whose local day is
 * date or later. A zone's offset is within a day of UTC, so the answer
 * lies within two days of the UTC midnight; a binary search finds it even
 * where a transition skips midnight itself (the day then starts at 01:00). */
static int64_t local_midnight(const struct tz *tz, int64_t date)
{
    int64_t lo = date * 86400 - 2 * 86400, hi = date * 86400 + 2 * 86400;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (tz_local_day(tz, mid) >= date)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A time during which one post held a service in one status. */
struct span {
    int64_t from, to;
    enum service_status status;
};

struct spans {
    struct span *v;
    size_t n, cap;
    bool oom;
};

static void spans_add(struct spans *l, int64_t from, int64_t to,
                      enum service_status st, int64_t lo, int64_t now)
{
    if (from < lo)
        from = lo;
    if (to > now)
        to = now;
    if (to <= from || st == SERVICE_OPERATIONAL || l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct span *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct span){from, to, st};
}

static bool affects(const struct incident *inc, size_t svc)
{
    for (size_t k = 0; k < inc->n_services; k++)
        if (inc->services[k].service == svc)
            return true;
    return false;
}

/* Rules 3 and 5: the span post inc held service svc, clipped to
 * [lo, now). */
static void add_post(const struct snapshot *s, const struct incident *inc,
                     size_t svc, int64_t lo, int64_t now, struct spans *l)
{
    if (!affects(inc, svc))
        return;
    if (inc->kind == KIND_INCIDENT) {
        static const enum service_status by_impact[] = {
            [IMPACT_NONE] = SERVICE_OPERATIONAL,
            [IMPACT_MINOR] = SERVICE_DEGRADED_PERFORMANCE,
            [IMPACT_MAJOR] = SERVICE_PARTIAL_OUTAGE,
            [IMPACT_CRITICAL] = SERVICE_MAJOR_OUTAGE,
            [IMPACT_MAINTENANCE] = SERVICE_OPERATIONAL,
        };
        if ((unsigned)inc->impact >= IMPACT_COUNT)
            return;
        int64_t from = inc->started_at ? inc->started_at : inc->created_at;
        int64_t to = snapshot_is_open_incident(s, inc) ? now : inc->resolved_at;
        spans_add(l, from, to, by_impact[inc->impact], lo, now);
    } else if (inc->kind == KIND_MAINTENANCE) {
        /* It ran from the first time it was put in progress: its
         * scheduled window is only the plan (store/derive.c, rule 2). */
        int64_t from = 0;
        for (size_t u = 0; u < inc->n_updates; u++)
            if (inc->updates[u].status == STATUS_IN_PROGRESS &&
                (from == 0 || inc->updates[u].created_at < from))
                from = inc->updates[u].created_at;
        if (from == 0)
            return;
        int64_t to =
            snapshot_is_active_maintenance(s, inc) ? now : inc->resolved_at;
        spans_add(l, from, to, SERVICE_UNDER_MAINTENANCE, lo, now);
    }
}

/* The posts that can reach into [lo, now): through the history order down
 * to the oldest filing time a closed post can have and still end in the
 * window, then the open ones filed before that. */
static void collect(const struct snapshot *s, size_t svc, int64_t lo,
                    int64_t now, struct spans *l)
{
    if (s->by_time == NULL) { /* a snapshot not derived: read them all */
        for (size_t i = 0; i < s->n_incidents; i++)
            add_post(s, &s->incidents[i], svc, lo, now, l);
        return;
    }
    int64_t reach = lo - s->longest_span;
    for (size_t i = 0; i < s->n_incidents; i++) {
        const struct incident *inc = &s->incidents[s->by_time[i]];
        if (query_post_time(inc) < reach)
            break;
        add_post(s, inc, svc, lo, now, l);
    }
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        if (query_post_time(inc) < reach &&
            (snapshot_is_open_incident(s, inc) ||
             snapshot_is_active_maintenance(s, inc)))
            add_post(s, inc, svc, lo, now, l);
    }
}

struct edge {
    int64_t t;
    enum service_status status;
    int delta;
};

static int edge_cmp(const void *a, const void *b)
{
    const struct edge *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

static int64_t weight(enum service_status st)
{
    if (st == SERVICE_MAJOR_OUTAGE)
        return 1000;
    return st == SERVICE_PARTIAL_OUTAGE ? UPTIME_PARTIAL_PERMILLE : 0;
}

/* Lays [a, b) in status st over the days, within what each counts. */
static void lay(struct uptime *u, const int64_t *from, const int64_t *to,
                int64_t a, int64_t b, enum service_status st)
{
    for (size_t i = 0; i < UPTIME_DAYS; i++) {
        int64_t x = a > from[i] ? a : from[i];
        int64_t y = b < to[i] ? b : to[i];
        if (y <= x)
            continue;
        u->day[i].down += (y - x) * weight(st);
        if (st > u->day[i].worst)
            u->day[i].worst = st;
    }
}

int uptime_compute(const struct snapshot *s, size_t svc, const struct tz *tz,
                   int64_t now, struct uptime *out)
{
    memset(out, 0, sizeof(*out));
    if (svc >= s->n_services)
        return UV_EINVAL;
    now -= ((now % 60) + 60) % 60; /* the minute shown */
    int64_t today = tz_local_day(tz, now);
    int64_t born = s->services[svc].created_at;
    int64_t from[UPTIME_DAYS], to[UPTIME_DAYS];
    for (size_t i = 0; i < UPTIME_DAYS; i++) {
        out->day[i].date = today - (UPTIME_DAYS - 1) + (int64_t)i;
        out->day[i].start = local_midnight(tz, out->day[i].date);
    }
    for (size_t i = 0; i < UPTIME_DAYS; i++) {
        from[i] = out->day[i].start > born ? out->day[i].start : born;
        to[i] = i + 1 < UPTIME_DAYS ? out->day[i + 1].start : now;
        if (to[i] < from[i])
            to[i] = from[i];
        out->day[i].counted = to[i] - from[i];
    }
    int64_t lo = from[0];

    struct spans l = {0};
    collect(s, svc, lo, now, &l);
    struct edge *e = l.oom ? NULL : malloc((2 * l.n + 1) * sizeof(*e));
    if (e == NULL) {
        free(l.v);
        return UV_ENOMEM;
    }
    for (size_t i = 0; i < l.n; i++) {
        e[2 * i] = (struct edge){l.v[i].from, l.v[i].status, 1};
        e[2 * i + 1] = (struct edge){l.v[i].to, l.v[i].status, -1};
    }
    free(l.v);
    qsort(e, 2 * l.n, sizeof(*e), edge_cmp);
    /* Rule 4: between two edges the worst status then held decides. */
    size_t held[SERVICE_STATUS_COUNT] = {0};
    for (size_t i = 0; i < 2 * l.n; i++) {
        if (i > 0 && e[i].t > e[i - 1].t) {
            enum service_status worst = SERVICE_OPERATIONAL;
            for (int st = SERVICE_STATUS_COUNT - 1; st > 0; st--)
                if (held[st] > 0) {
                    worst = (enum service_status)st;
                    break;
                }
            if (worst != SERVICE_OPERATIONAL)
                lay(out, from, to, e[i - 1].t, e[i].t, worst);
        }
        if (e[i].delta > 0)
            held[e[i].status]++;
        else
            held[e[i].status]--;
    }
    free(e);

    uint64_t h = 0x757074696d65ULL;
    for (size_t i = 0; i < UPTIME_DAYS; i++) {
        const struct uptime_day *d = &out->day[i];
        out->counted += d->counted;
        out->down += d->down;
        h = snapshot_mix(h, (uint64_t)d->date);
        h = snapshot_mix(h, (uint64_t)d->counted);
        h = snapshot_mix(h, (uint64_t)d->down);
        h = snapshot_mix(h, (uint64_t)d->worst);
    }
    out->stamp = h;
    return 0;
}

void uptime_seal(struct snapshot *s)
{
    s->uptime = NULL;
    if (s->n_services == 0)
        return;
    struct uptime *u = snapshot_alloc(s, s->n_services * sizeof(*u));
    if (u == NULL)
        return;
    for (size_t i = 0; i < s->n_services; i++)
        if (uptime_compute(s, i, s->site.tz, s->generated_at, &u[i]) != 0)
            return;
    s->uptime = u;
}

const struct uptime *uptime_of(const struct snapshot *s, size_t svc)
{
    return s->uptime != NULL && svc < s->n_services ? &s->uptime[svc] : NULL;
}

int uptime_hundredths(int64_t counted, int64_t down)
{
    if (counted <= 0)
        return 10000;
    int64_t total = counted * 1000;
    int64_t up = total - down;
    if (up < 0)
        up = 0;
    return (int)(up * 10000 / total);
}

void uptime_date(const struct uptime_day *d, char out[11])
{
    /* The local date is a UTC date number: its midnight in UTC has it. */
    char iso[TIME_BUFSZ];
    time_iso8601(d->date * 86400, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

void uptime_format(int64_t counted, int64_t down, char out[8])
{
    int h = uptime_hundredths(counted, down);
    snprintf(out, 8, "%d.%02d%%", h / 100, h % 100);
}

char uptime_mark(const struct uptime_day *d)
{
    if (d->counted <= 0)
        return ' ';
    switch (d->worst) {
    case SERVICE_UNDER_MAINTENANCE:
        return 'm';
    case SERVICE_DEGRADED_PERFORMANCE:
        return '-';
    case SERVICE_PARTIAL_OUTAGE:
        return '+';
    case SERVICE_MAJOR_OUTAGE:
        return '#';
    default:
        return '.';
    }
}

const char *uptime_mark_word(const struct uptime_day *d)
{
    if (d->counted <= 0)
        return "no data";
    switch (d->worst) {
    case SERVICE_UNDER_MAINTENANCE:
        return "maintenance";
    case SERVICE_DEGRADED_PERFORMANCE:
        return "degraded performance";
    case SERVICE_PARTIAL_OUTAGE:
        return "partial outage";
    case SERVICE_MAJOR_OUTAGE:
        return "major outage";
    default:
        return "up";
    }
}
