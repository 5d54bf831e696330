/* Unit tests for store/query.c against the hand-built fixture. */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "../../store/query.h"
#include "fixture.h"
#include "testlib.h"

static int ids(const struct incident **v, int n, int64_t *out)
{
    for (int i = 0; i < n; i++)
        out[i] = v[i]->id;
    return n;
}

TEST(months_newest_first_and_counted)
{
    struct snapshot *s = fixture_snapshot();
    struct query_month *m;
    int n = query_months(s, &m);
    CHECK(n >= 2); /* the fixture spans October and November 2026 */
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        total += m[i].count;
        if (i > 0) /* strictly newer before older */
            CHECK(m[i - 1].year * 12 + m[i - 1].month >
                  m[i].year * 12 + m[i].month);
    }
    CHECK_INT(total, s->n_incidents);
    free(m);
    snapshot_unref(s);
}

TEST(month_posts_match_months)
{
    struct snapshot *s = fixture_snapshot();
    struct query_month *m;
    int n = query_months(s, &m);
    for (int i = 0; i < n; i++) {
        const struct incident **v;
        int k = query_month_posts(s, m[i].year, m[i].month, &v);
        CHECK_INT(k, m[i].count);
        for (int j = 1; j < k; j++)
            CHECK(query_post_time(v[j - 1]) >= query_post_time(v[j]));
        free(v);
    }
    const struct incident **v;
    CHECK_INT(query_month_posts(s, 1999, 1, &v), 0); /* no posts */
    CHECK(v == NULL);
    free(m);
    snapshot_unref(s);
}

TEST(service_posts)
{
    struct snapshot *s = fixture_snapshot();
    const struct incident *open = snapshot_incident(s, 42);
    CHECK(open != NULL && open->n_services > 0);
    size_t svc = open->services[0].service;
    const struct incident **v;
    int n = query_service_posts(s, svc, 0, &v);
    CHECK(n >= 1);
    int found = 0;
    for (int i = 0; i < n; i++) {
        found |= v[i]->id == 42;
        int hit = 0; /* every result really affects the service */
        for (size_t k = 0; k < v[i]->n_services; k++)
            hit |= v[i]->services[k].service == svc;
        CHECK(hit);
    }
    CHECK(found);
    free(v);
    CHECK_INT(query_service_posts(s, svc, 1, &v), 1); /* limit */
    free(v);
    snapshot_unref(s);
}

TEST(search_table)
{
    struct snapshot *s = fixture_snapshot();
    const struct incident *open = snapshot_incident(s, 42);
    static const struct {
        const char *q;
        int min; /* at least this many results */
        int max; /* at most */
    } cases[] = {
        {"", 0, 0},                    /* empty query matches nothing */
        {"   \t ", 0, 0},              /* only white space */
        {"zzqqxx-no-such-word", 0, 0}, /* nothing matches */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct incident **v;
        int n = query_search(s, cases[i].q, 0, &v);
        CHECK(n >= cases[i].min && n <= cases[i].max);
        free(v);
    }
    /* The open incident's title, upper-cased, finds it (case folding). */
    char up[256];
    size_t k = 0;
    for (const char *p = open->title; *p && k + 1 < sizeof(up); p++)
        up[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
    up[k] = '\0';
    const struct incident **v;
    int n = query_search(s, up, 0, &v);
    int64_t got[64];
    ids(v, n, got);
    int found = 0;
    for (int i = 0; i < n; i++)
        found |= got[i] == 42;
    CHECK(found);
    free(v);
    /* Two words must both occur: the title's first word plus junk fails. */
    char two[300];
    snprintf(two, sizeof(two), "%.*s zzqqxx", 5, open->title);
    CHECK_INT(query_search(s, two, 0, &v), 0);
    /* Limits on the query itself. */
    char big[QUERY_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT(query_search(s, big, 0, &v), UV_EINVAL);
    CHECK_INT(query_search(s, "a b c d e f g h i", 0, &v), UV_EINVAL);
    snapshot_unref(s);
}

/* The rule of query_search, written the plainest way: at some position
 * of hay, the n bytes of needle, ASCII letters without case. */
static bool naive_has(const char *hay, const char *needle, size_t n)
{
    for (size_t at = 0; hay[at] != '\0'; at++) {
        size_t i = 0;
        for (; i < n && hay[at + i] != '\0'; i++) {
            int a = hay[at + i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a += 'a' - 'A';
            if (b >= 'A' && b <= 'Z')
                b += 'a' - 'A';
            if (a != b)
                break;
        }
        if (i == n)
            return true;
    }
    return false;
}

/* query_text_has (which skips ahead with strchr and strpbrk) against the
 * plain rule, on random texts over a small alphabet (so that matches are
 * common): letters of both cases, digits, punctuation, UTF-8 bytes. */
TEST(text_has_matches_the_plain_rule)
{
    static const char alphabet[] = "aAbBzZ09 .-_~\"\xc3\xbc\xe2\x80\x94\x1b";
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    int agree = 0, found = 0;
    for (int t = 0; t < 20000; t++) {
        char hay[40], needle[8];
        size_t hn = 0, nn = 0;
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        size_t hl = (size_t)(rng % 30), nl = 1 + (size_t)((rng >> 8) % 5);
        for (size_t i = 0; i < hl; i++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            hay[hn++] = alphabet[rng % (sizeof(alphabet) - 1)];
        }
        hay[hn] = '\0';
        for (size_t i = 0; i < nl; i++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            needle[nn++] = alphabet[rng % (sizeof(alphabet) - 1)];
        }
        needle[nn] = '\0';
        bool want = naive_has(hay, needle, nn);
        bool got = query_text_has(hay, needle, nn);
        if (got != want)
            printf("  '%s' in '%s': %d, want %d\n", needle, hay, got, want);
        agree += got == want;
        found += want;
    }
    CHECK_INT(agree, 20000);
    CHECK(found > 2000); /* the texts do hold the words, often */
    CHECK(!query_text_has(NULL, "a", 1));
    CHECK(!query_text_has("", "a", 1));
    CHECK(query_text_has("MAIL", "mail", 4));
    CHECK(query_text_has("e-mail", "-MA", 3));
    CHECK(!query_text_has("Z\xc3\xbcrich", "Z\xc3\x9c", 3)); /* not ASCII */
    CHECK(query_text_has("ab", "b", 1) && !query_text_has("ab", "abc", 3));
}

TEST(empty_snapshot)
{
    struct snapshot *s = fixture_empty_snapshot();
    struct query_month *m;
    const struct incident **v;
    CHECK_INT(query_months(s, &m), 0);
    CHECK_INT(query_search(s, "outage", 0, &v), 0);
    snapshot_unref(s);
}

int main(void)
{
    RUN(months_newest_first_and_counted);
    RUN(month_posts_match_months);
    RUN(service_posts);
    RUN(search_table);
    RUN(text_has_matches_the_plain_rule);
    RUN(empty_snapshot);
    return test_report();
}
