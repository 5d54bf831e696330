#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

int64_t query_post_time(const struct incident *inc)
{
    if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0)
        return inc->scheduled_start;
    return inc->started_at != 0 ? inc->started_at : inc->created_at;
}

static void year_month(int64_t t, int *year, int *month)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
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

int query_months(const struct snapshot *s, struct query_month **out)
{
    *out = NULL;
    struct query_month *m = NULL;
    size_t nm = 0, cap = 0;
    for (size_t i = 0; i < s->n_incidents; i++) {
        int y, mo;
        year_month(query_post_time(&s->incidents[i]), &y, &mo);
        size_t j = 0;
        while (j < nm && !(m[j].year == y && m[j].month == mo))
            j++;
        if (j == nm) {
            if (nm == cap) {
                cap = cap ? cap * 2 : 16;
                struct query_month *p = realloc(m, cap * sizeof(*m));
                if (p == NULL) {
                    free(m);
                    return UV_ENOMEM;
                }
                m = p;
            }
            m[nm].year = y;
            m[nm].month = mo;
            m[nm].count = 0;
            nm++;
        }
        m[j].count++;
    }
    /* Newest month first. */
    for (size_t i = 1; i < nm; i++) {
        struct query_month t = m[i];
        size_t j = i;
        while (j > 0 && (m[j - 1].year * 12 + m[j - 1].month) <
                            (t.year * 12 + t.month)) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = t;
    }
    *out = m;
    return (int)nm;
}

struct ym {
    int year, month;
};

static int in_month(const struct snapshot *s, const struct incident *inc,
                    const void *arg)
{
    const struct ym *want = arg;
    int y, m;
    year_month(query_post_time(inc), &y, &m);
    return y == want->year && m == want->month;
}

int query_month_posts(const struct snapshot *s, int year, int month,
                      const struct incident ***out)
{
    struct ym want = {year, month};
    return collect(s, 0, in_month, &want, out);
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
    return collect(s, limit, affects, &svc, out);
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
