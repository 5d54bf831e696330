#include "query.h"

#include "common/timeutil.h"
#include "uptime.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

int64_t query_post_time(const struct incident *inc)
{
    if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0)
        return inc->scheduled_start;
    return inc->started_at != 0 ? inc->started_at : inc->created_at;
}

static void year_month(int64_t t, int *year, int *month)
{
    time_year_month(t, year, month);
}

/* Newest first by filing time, then by id, so equal times stay stable. */
int query_newest_first(const void *a, const void *b)
{
    const struct incident *x = *(const struct incident *const *)a;
    const struct incident *y = *(const struct incident *const *)b;
    int64_t tx = query_post_time(x), ty = query_post_time(y);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

/* Collects the posts for which keep() is true, sorted newest first. */
static int collect(const struct snapshot *s, size_t limit,
                   int (*keep)(const struct snapshot *, const struct incident *,
                               const void *),
                   const void *arg, const struct incident ***out)
{
    *out = NULL;
    if (s->n_incidents == 0)
        return 0;
    const struct incident **v = malloc(s->n_incidents * sizeof(*v));
    if (v == NULL)
        return UV_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        int k = keep(s, &s->incidents[i], arg);
        if (k < 0) {
            free(v);
            return k;
        }
        if (k)
            v[n++] = &s->incidents[i];
    }
    qsort(v, n, sizeof(*v), query_newest_first);
    if (limit > 0 && n > limit)
        n = limit;
    if (n == 0) {
        free(v);
        return 0;
    }
    *out = v;
    return (int)n;
}

static int service_stamps(struct snapshot *s);

/* A post's place in the history order, with its sort key at hand. */
struct timed {
    int64_t t, id;
    size_t idx;
    int year, month;
};

static int timed_cmp(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;
    if (x->t != y->t)
        return x->t > y->t ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

int query_index(struct snapshot *s)
{
    free(s->by_time);
    s->by_time = NULL;
    s->months = NULL;
    s->n_months = 0;
    s->longest_span = 0;
    size_t n = s->n_incidents;
    if (n == 0)
        return service_stamps(s);
    struct timed *v = malloc(n * sizeof(*v));
    s->by_time = malloc(n * sizeof(*s->by_time));
    if (v == NULL || s->by_time == NULL) {
        free(v);
        return UV_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].t = query_post_time(&s->incidents[i]);
        int64_t closed = s->incidents[i].resolved_at;
        if (closed - v[i].t > s->longest_span)
            s->longest_span = closed - v[i].t;
        v[i].id = s->incidents[i].id;
        v[i].idx = i;
        year_month(v[i].t, &v[i].year, &v[i].month);
    }
    qsort(v, n, sizeof(*v), timed_cmp);
    /* Newest first by time, so a month's posts are one run. */
    size_t nm = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i].year != v[i - 1].year ||
            v[i].month != v[i - 1].month)
            nm++;
    s->months = snapshot_alloc(s, nm * sizeof(*s->months));
    if (s->months == NULL) {
        free(v);
        return UV_ENOMEM;
    }
    struct query_month *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        if (cur == NULL || v[i].year != cur->year || v[i].month != cur->month) {
            cur = &s->months[s->n_months++];
            cur->year = v[i].year;
            cur->month = v[i].month;
            cur->first = i;
            cur->stamp = 0x6d6f6e7468ULL;
        }
        const struct incident *inc = &s->incidents[v[i].idx];
        cur->count++;
        cur->stamp = snapshot_mix(cur->stamp, (uint64_t)inc->id);
        cur->stamp = snapshot_mix(cur->stamp, (uint64_t)inc->rev);
        s->by_time[i] = v[i].idx;
    }
    free(v);
    return service_stamps(s);
}

int query_find_month(const struct snapshot *s, int year, int month)
{
    /* Newest first: a binary search on year * 12 + month, descending. */
    int want = year * 12 + month;
    size_t lo = 0, hi = s->n_months;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int at = s->months[mid].year * 12 + s->months[mid].month;
        if (at == want)
            return (int)mid;
        if (at > want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int query_months(const struct snapshot *s, struct query_month **out)
{
    *out = NULL;
    if (s->n_months == 0)
        return 0;
    struct query_month *m = malloc(s->n_months * sizeof(*m));
    if (m == NULL)
        return UV_ENOMEM;
    memcpy(m, s->months, s->n_months * sizeof(*m));
    *out = m;
    return (int)s->n_months;
}

int query_month_posts(const struct snapshot *s, int year, int month,
                      const struct incident ***out)
{
    *out = NULL;
    int m = query_find_month(s, year, month);
    if (m < 0)
        return 0;
    const struct query_month *qm = &s->months[m];
    const struct incident **v = malloc(qm->count * sizeof(*v));
    if (v == NULL)
        return UV_ENOMEM;
    for (size_t i = 0; i < qm->count; i++)
        v[i] = &s->incidents[s->by_time[qm->first + i]];
    *out = v;
    return (int)qm->count;
}

int query_month_pages(const struct snapshot *s, size_t m)
{
    if (m >= s->n_months || s->months[m].count == 0)
        return 1;
    return (int)((s->months[m].count + QUERY_MONTH_PAGE - 1) /
                 QUERY_MONTH_PAGE);
}

size_t query_month_page(const struct snapshot *s, size_t m, int page,
                        const struct incident **out)
{
    if (m >= s->n_months || page < 1)
        return 0;
    const struct query_month *qm = &s->months[m];
    size_t from = (size_t)(page - 1) * QUERY_MONTH_PAGE;
    if (from >= qm->count)
        return 0;
    size_t n = qm->count - from;
    if (n > QUERY_MONTH_PAGE)
        n = QUERY_MONTH_PAGE;
    for (size_t i = 0; i < n; i++)
        out[i] = &s->incidents[s->by_time[qm->first + from + i]];
    return n;
}

static int affects(const struct snapshot *s, const struct incident *inc,
                   const void *arg)
{
    size_t svc = *(const size_t *)arg;
    for (size_t k = 0; k < inc->n_services; k++)
        if (inc->services[k].service == svc)
            return 1;
    return 0;
}

int query_service_posts(const struct snapshot *s, size_t svc, size_t limit,
                        const struct incident ***out)
{
    *out = NULL;
    if (s->by_time == NULL) /* not derived: the snapshot of a test */
        return collect(s, limit, affects, &svc, out);
    /* The history index is in the order asked for: walk it until the
     * limit, so a service page costs its few newest posts, not a scan
     * and a sort of the archive. */
    size_t cap = limit > 0 && limit < s->n_incidents ? limit : s->n_incidents;
    if (cap == 0)
        return 0;
    const struct incident **v = malloc(cap * sizeof(*v));
    if (v == NULL)
        return UV_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->n_incidents && n < cap; i++) {
        const struct incident *inc = &s->incidents[s->by_time[i]];
        if (affects(s, inc, &svc))
            v[n++] = inc;
    }
    if (n == 0) {
        free(v);
        return 0;
    }
    *out = v;
    return (int)n;
}

/* The stamps of every service's newest posts, in one walk of the history
 * (query_index): each post counts for each service it affects until that
 * service has QUERY_SERVICE_LONG. */
static int service_stamps(struct snapshot *s)
{
    size_t n = s->n_services;
    s->service_short = snapshot_alloc(s, (n + 1) * sizeof(uint64_t));
    s->service_long = snapshot_alloc(s, (n + 1) * sizeof(uint64_t));
    size_t *seen = calloc(n + 1, sizeof(*seen));
    if (s->service_short == NULL || s->service_long == NULL || seen == NULL) {
        free(seen);
        return UV_ENOMEM;
    }
    for (size_t k = 0; k < n; k++)
        s->service_long[k] = 0x73657276ULL + k;
    size_t full = 0;
    for (size_t i = 0; i < s->n_incidents && full < n; i++) {
        const struct incident *inc = &s->incidents[s->by_time[i]];
        for (size_t j = 0; j < inc->n_services; j++) {
            size_t k = inc->services[j].service;
            if (k >= n || seen[k] == QUERY_SERVICE_LONG)
                continue;
            uint64_t h = snapshot_mix(s->service_long[k], (uint64_t)inc->id);
            s->service_long[k] = snapshot_mix(h, (uint64_t)inc->rev);
            if (++seen[k] == QUERY_SERVICE_SHORT)
                s->service_short[k] = s->service_long[k];
            if (seen[k] == QUERY_SERVICE_LONG)
                full++;
        }
    }
    for (size_t k = 0; k < n; k++)
        if (seen[k] < QUERY_SERVICE_SHORT) /* fewer posts than either */
            s->service_short[k] = s->service_long[k];
    free(seen);
    return 0;
}

uint64_t query_service_stamp(const struct snapshot *s, size_t svc, size_t limit,
                             bool clock)
{
    uint64_t posts = 0;
    if (svc < s->n_services && s->service_long != NULL)
        posts = limit <= QUERY_SERVICE_SHORT ? s->service_short[svc]
                                             : s->service_long[svc];
    uint64_t h = snapshot_mix(snapshot_mix(s->context_stamp, svc), posts);
    h = snapshot_mix(h, limit);
    /* Every service page shows the uptime bar, which reads posts beyond
     * the newest few and changes with the time and the day. */
    const struct uptime *u = uptime_of(s, svc);
    h = snapshot_mix(h, u != NULL ? u->stamp : 0);
    return clock ? snapshot_mix(h, s->clock_stamp) : h;
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* How often a byte comes up in the texts, roughly: letters by their
 * frequency in English, then digits, then the rest. Only the order
 * matters, to pick the byte of a word to look for first. */
static int commonness(unsigned char c)
{
    static const char letters[] = "zqjxkvbpygfwmucldrhsnioate";
    c = fold(c);
    const char *l = c >= 'a' && c <= 'z' ? strchr(letters, c) : NULL;
    if (l != NULL)
        return 10 + (int)(l - letters);
    if (c >= '0' && c <= '9')
        return 8;
    return c >= 0x80 ? 6 : 1;
}

bool query_text_has(const char *hay, const char *needle, size_t n)
{
    if (hay == NULL)
        return false;
    if (n == 0)
        return *hay != '\0';
    /* Where the word's least common byte stands, libc finds faster than a
     * byte loop (strchr, and strpbrk for both cases of a letter); the
     * word is compared around each. A search reads every byte of every
     * post it rejects, so this is most of what it costs. */
    size_t k = 0;
    for (size_t i = 1; i < n; i++)
        if (commonness((unsigned char)needle[i]) <
            commonness((unsigned char)needle[k]))
            k = i;
    if (strnlen(hay, k) < k)
        return false; /* shorter than the bytes before the anchor */
    unsigned char a = fold((unsigned char)needle[k]);
    char both[3] = {(char)a, 0, 0};
    if (a >= 'a' && a <= 'z')
        both[1] = (char)(a - 'a' + 'A');
    for (const char *p = hay + k;; p++) {
        p = both[1] != 0 ? strpbrk(p, both) : strchr(p, (char)a);
        if (p == NULL)
            return false;
        const char *start = p - k; /* p >= hay + k */
        size_t i = 0;
        while (i < n && start[i] != '\0' &&
               fold((unsigned char)start[i]) == fold((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
}

static bool post_has_word(const struct snapshot *s, const struct incident *inc,
                          const char *w, size_t n)
{
    if (query_text_has(inc->title, w, n) ||
        query_text_has(inc->postmortem, w, n))
        return true;
    for (size_t k = 0; k < inc->n_updates; k++)
        if (query_text_has(inc->updates[k].body, w, n))
            return true;
    for (size_t k = 0; k < inc->n_services; k++) {
        size_t idx = inc->services[k].service;
        if (idx < s->n_services && query_text_has(s->services[idx].name, w, n))
            return true;
    }
    return false;
}

bool query_post_matches(const struct snapshot *s, const struct incident *inc,
                        const struct query_words *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (!post_has_word(s, inc, w->start[i], w->len[i]))
            return false;
    return true;
}

static int matches(const struct snapshot *s, const struct incident *inc,
                   const void *arg)
{
    return query_post_matches(s, inc, arg) ? 1 : 0;
}

int query_split(const char *q, struct query_words *ws)
{
    ws->n = 0;
    if (strlen(q) > QUERY_MAX)
        return UV_EINVAL;
    const char *p = q;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0')
            break;
        const char *w = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
               *p != '\n')
            p++;
        if (ws->n == QUERY_MAX_WORDS)
            return UV_EINVAL;
        ws->start[ws->n] = w;
        ws->len[ws->n] = (size_t)(p - w);
        ws->n++;
    }
    return 0;
}

int query_search(const struct snapshot *s, const char *q, size_t limit,
                 const struct incident ***out)
{
    *out = NULL;
    struct query_words ws;
    int rc = query_split(q, &ws);
    if (rc != 0)
        return rc;
    if (ws.n == 0)
        return 0;
    return collect(s, limit, matches, &ws, out);
}
