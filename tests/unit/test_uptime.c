/* Unit tests for store/uptime.c: the rule of store/uptime.h against cases
 * worked out by hand, on snapshots built here so every time is known. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "../../store/uptime.h"
#include "testlib.h"

#define H 3600
#define DAY 86400

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return time_from_utc(y, mo, d, h, mi, 0);
}

/* "Now" in every case: 2026-12-01 12:30:45 UTC, the last of the 90 days;
 * the first is 2026-09-03. */
static int64_t now(void)
{
    return utc(2026, 12, 1, 12, 30) + 45;
}

enum { MAX_POSTS = 16 };

/* A snapshot of two services (created `born`) and no posts yet. */
static struct snapshot *snap(int64_t born)
{
    struct snapshot *s = snapshot_new();
    if (s == NULL)
        return NULL;
    s->generated_at = now();
    s->services = snapshot_alloc(s, 2 * sizeof(*s->services));
    s->incidents = snapshot_alloc(s, MAX_POSTS * sizeof(*s->incidents));
    if (s->services == NULL || s->incidents == NULL) {
        snapshot_unref(s);
        return NULL;
    }
    memset(s->services, 0, 2 * sizeof(*s->services));
    s->n_services = 2;
    const char *slugs[] = {"fibre", "dns"};
    for (size_t i = 0; i < 2; i++) {
        s->services[i].id = (int64_t)i + 1;
        s->services[i].slug = slugs[i];
        s->services[i].name = slugs[i];
        s->services[i].position = (int)i;
        s->services[i].created_at = born;
    }
    return s;
}

/* Adds a post affecting service 0 (and service 1 when both). */
static struct incident *post(struct snapshot *s, enum incident_kind kind,
                             enum impact impact, enum incident_status status,
                             int64_t start, int64_t resolved, bool both)
{
    if (s->n_incidents == MAX_POSTS)
        return NULL;
    struct incident *inc = &s->incidents[s->n_incidents];
    memset(inc, 0, sizeof(*inc));
    inc->id = (int64_t)++s->n_incidents;
    inc->kind = kind;
    inc->title = "post";
    inc->impact = impact;
    inc->status = status;
    inc->created_at = inc->started_at = inc->updated_at = start;
    inc->resolved_at = resolved;
    inc->services = snapshot_alloc(s, 2 * sizeof(*inc->services));
    if (inc->services == NULL)
        return NULL;
    memset(inc->services, 0, 2 * sizeof(*inc->services));
    inc->services[0].service = 0;
    inc->services[1].service = 1;
    inc->n_services = both ? 2 : 1;
    return inc;
}

/* A maintenance of service 0 that went in progress at `began`. */
static void maintenance(struct snapshot *s, int64_t scheduled, int64_t began,
                        int64_t completed)
{
    struct incident *inc =
        post(s, KIND_MAINTENANCE, IMPACT_MAINTENANCE,
             completed ? STATUS_COMPLETED : STATUS_IN_PROGRESS, scheduled - DAY,
             completed, false);
    if (inc == NULL)
        return;
    inc->scheduled_start = scheduled;
    inc->scheduled_end = scheduled + 4 * H;
    inc->updates = snapshot_alloc(s, 2 * sizeof(*inc->updates));
    if (inc->updates == NULL)
        return;
    memset(inc->updates, 0, 2 * sizeof(*inc->updates));
    inc->updates[0].status = completed ? STATUS_COMPLETED : STATUS_IN_PROGRESS;
    inc->updates[0].created_at = completed ? completed : began;
    inc->updates[0].body = "";
    inc->updates[1].status = STATUS_IN_PROGRESS;
    inc->updates[1].created_at = began;
    inc->updates[1].body = "";
    inc->n_updates = completed ? 2 : 1;
}

/* The day of the window that is UTC date y-mo-d. */
static const struct uptime_day *day_of(const struct uptime *u, int y, int mo,
                                       int d)
{
    int64_t date = utc(y, mo, d, 0, 0) / DAY;
    for (size_t i = 0; i < UPTIME_DAYS; i++)
        if (u->day[i].date == date)
            return &u->day[i];
    return NULL;
}

static void compute(struct snapshot *s, size_t svc, const struct tz *tz,
                    struct uptime *u)
{
    CHECK_INT(snapshot_derive(s), 0);
    CHECK_INT(uptime_compute(s, svc, tz, now(), u), 0);
}

TEST(no_posts_is_all_up)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    struct uptime u;
    compute(s, 0, NULL, &u);
    CHECK_INT(u.day[0].date, utc(2026, 9, 3, 0, 0) / DAY);
    CHECK_INT(u.day[0].start, utc(2026, 9, 3, 0, 0));
    CHECK_INT(u.day[0].counted, DAY);
    /* Today counts to the minute shown, 12:30: 45 s are not yet shown. */
    CHECK_INT(u.day[UPTIME_DAYS - 1].counted, 12 * H + 30 * 60);
    CHECK_INT(u.counted, 89 * DAY + 12 * H + 30 * 60);
    CHECK_INT(u.down, 0);
    char pct[8];
    uptime_format(u.counted, u.down, pct);
    CHECK_STR(pct, "100.00%");
    CHECK(uptime_mark(&u.day[5]) == '.');
    snapshot_unref(s);
}

TEST(overlapping_incidents_take_the_worst)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    /* Nov 10: a major outage 10:00-12:00 and a partial one 11:00-14:00:
     * 2 h down, then 2 h at 30 %; the hour they share counts once. And a
     * second partial one 13:00-13:30 inside the first adds nothing. */
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_RESOLVED,
         utc(2026, 11, 10, 10, 0), utc(2026, 11, 10, 12, 0), false);
    post(s, KIND_INCIDENT, IMPACT_MAJOR, STATUS_RESOLVED,
         utc(2026, 11, 10, 11, 0), utc(2026, 11, 10, 14, 0), false);
    post(s, KIND_INCIDENT, IMPACT_MAJOR, STATUS_POSTMORTEM,
         utc(2026, 11, 10, 13, 0), utc(2026, 11, 10, 13, 30), false);
    /* Nov 11: degraded all afternoon counts as up. */
    post(s, KIND_INCIDENT, IMPACT_MINOR, STATUS_RESOLVED,
         utc(2026, 11, 11, 12, 0), utc(2026, 11, 11, 18, 0), false);
    struct uptime u;
    compute(s, 0, NULL, &u);
    const struct uptime_day *d = day_of(&u, 2026, 11, 10);
    REQUIRE(d != NULL);
    CHECK_INT(d->down, 2 * H * 1000 + 2 * H * 300);
    CHECK_INT(d->worst, SERVICE_MAJOR_OUTAGE);
    CHECK(uptime_mark(d) == '#');
    /* 1 - 9360 / 86400 = 89.166...%: rounded down. */
    char pct[8];
    uptime_format(d->counted, d->down, pct);
    CHECK_STR(pct, "89.16%");
    d = day_of(&u, 2026, 11, 11);
    REQUIRE(d != NULL);
    CHECK_INT(d->down, 0);
    CHECK(uptime_mark(d) == '-');
    CHECK_INT(u.down, 2 * H * 1000 + 2 * H * 300);
    /* The other service was not affected. */
    struct uptime other;
    CHECK_INT(uptime_compute(s, 1, NULL, now(), &other), 0);
    CHECK_INT(other.down, 0);
    CHECK(other.stamp != u.stamp);
    snapshot_unref(s);
}

TEST(open_incident_counts_until_now)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_IDENTIFIED,
         utc(2026, 12, 1, 10, 30), 0, true);
    struct uptime u;
    compute(s, 0, NULL, &u);
    CHECK_INT(u.day[UPTIME_DAYS - 1].down, 2 * H * 1000);
    CHECK_INT(u.down, 2 * H * 1000);
    /* A later minute: more down time, another stamp; a later second of
     * the same minute: the same figures, the same stamp. */
    struct uptime same, later;
    CHECK_INT(uptime_compute(s, 0, NULL, now() + 10, &same), 0);
    CHECK_INT(uptime_compute(s, 0, NULL, now() + 60, &later), 0);
    CHECK(same.stamp == u.stamp);
    CHECK(later.stamp != u.stamp);
    CHECK_INT(later.down, (2 * H + 60) * 1000);
    snapshot_unref(s);
}

TEST(incident_across_midnight_splits)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    post(s, KIND_INCIDENT, IMPACT_MAJOR, STATUS_RESOLVED,
         utc(2026, 11, 20, 22, 0), utc(2026, 11, 21, 2, 0), false);
    struct uptime u;
    compute(s, 0, NULL, &u);
    const struct uptime_day *a = day_of(&u, 2026, 11, 20);
    const struct uptime_day *b = day_of(&u, 2026, 11, 21);
    REQUIRE(a != NULL && b != NULL);
    CHECK_INT(a->down, 2 * H * 300);
    CHECK_INT(b->down, 2 * H * 300);
    CHECK(uptime_mark(a) == '+' && uptime_mark(b) == '+');
    /* The same incident, days in New York (UTC-5 in November): it runs
     * 17:00-21:00 local on the 20th, one day only. */
    struct tz *ny = NULL;
    REQUIRE(tz_load("America/New_York", &ny) == 0);
    CHECK_INT(uptime_compute(s, 0, ny, now(), &u), 0);
    a = day_of(&u, 2026, 11, 20);
    b = day_of(&u, 2026, 11, 21);
    REQUIRE(a != NULL && b != NULL);
    CHECK_INT(a->start, utc(2026, 11, 20, 5, 0));
    CHECK_INT(a->down, 4 * H * 300);
    CHECK_INT(b->down, 0);
    /* 2026-11-01 had 25 hours there (DST ended). */
    const struct uptime_day *dst = day_of(&u, 2026, 11, 1);
    REQUIRE(dst != NULL);
    CHECK_INT(dst->counted, 25 * H);
    tz_free(ny);
    snapshot_unref(s);
}

TEST(maintenance_marks_but_takes_nothing)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    /* Scheduled for Nov 15 02:00, started 01:00 (early), done 03:00. */
    maintenance(s, utc(2026, 11, 15, 2, 0), utc(2026, 11, 15, 1, 0),
                utc(2026, 11, 15, 3, 0));
    /* One in progress since yesterday 23:00, scheduled long ago. */
    maintenance(s, utc(2026, 6, 1, 0, 0), utc(2026, 11, 30, 23, 0), 0);
    struct uptime u;
    compute(s, 0, NULL, &u);
    const struct uptime_day *d = day_of(&u, 2026, 11, 15);
    REQUIRE(d != NULL);
    CHECK_INT(d->down, 0);
    CHECK(uptime_mark(d) == 'm');
    CHECK(uptime_mark(day_of(&u, 2026, 11, 14)) == '.');
    CHECK(uptime_mark(&u.day[UPTIME_DAYS - 2]) == 'm');
    CHECK(uptime_mark(&u.day[UPTIME_DAYS - 1]) == 'm');
    CHECK_INT(u.down, 0);
    snapshot_unref(s);
}

TEST(new_service_has_fewer_days)
{
    /* Added ten days ago at 18:00: 2026-11-21 counts its last 6 hours. */
    struct snapshot *s = snap(utc(2026, 11, 21, 18, 0));
    REQUIRE(s != NULL);
    /* An incident before it existed takes nothing; one across its birth
     * only the part after. */
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_RESOLVED,
         utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0), false);
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_RESOLVED,
         utc(2026, 11, 21, 17, 0), utc(2026, 11, 21, 19, 0), false);
    struct uptime u;
    compute(s, 0, NULL, &u);
    const struct uptime_day *first = day_of(&u, 2026, 11, 21);
    REQUIRE(first != NULL);
    CHECK_INT(first->counted, 6 * H);
    CHECK_INT(first->down, 1 * H * 1000);
    const struct uptime_day *before = day_of(&u, 2026, 11, 20);
    REQUIRE(before != NULL);
    CHECK_INT(before->counted, 0);
    CHECK(uptime_mark(before) == ' ');
    CHECK_STR(uptime_mark_word(before), "no data");
    CHECK_INT(u.counted, 6 * H + 9 * DAY + 12 * H + 30 * 60);
    CHECK_INT(u.down, 1 * H * 1000);
    snapshot_unref(s);
}

TEST(old_posts_that_reach_into_the_window)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    /* Filed long before the window, resolved 2 h into its first day;
     * open since long before it; and one long over, which the walk of
     * the history must pass over. */
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_RESOLVED,
         utc(2026, 3, 1, 0, 0), utc(2026, 9, 3, 2, 0), false);
    post(s, KIND_INCIDENT, IMPACT_MAJOR, STATUS_MONITORING,
         utc(2025, 1, 1, 0, 0), 0, false);
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_RESOLVED,
         utc(2024, 1, 1, 0, 0), utc(2024, 1, 2, 0, 0), false);
    struct uptime u;
    compute(s, 0, NULL, &u);
    CHECK(s->longest_span >= utc(2026, 9, 3, 2, 0) - utc(2026, 3, 1, 0, 0));
    CHECK_INT(u.day[0].down, 2 * H * 1000 + 22 * H * 300);
    CHECK_INT(u.day[1].down, DAY * 300);
    CHECK_INT(u.down, 2 * H * 1000 + (u.counted - 2 * H) * 300);
    snapshot_unref(s);
}

TEST(percentages_round_down)
{
    CHECK_INT(uptime_hundredths(DAY, 0), 10000);
    CHECK_INT(uptime_hundredths(DAY, 1000), 9999); /* one second down */
    CHECK_INT(uptime_hundredths(DAY, DAY * 1000), 0);
    CHECK_INT(uptime_hundredths(0, 0), 10000);
    char pct[8];
    uptime_format(DAY, DAY * 500, pct);
    CHECK_STR(pct, "50.00%");
    uptime_format(DAY, DAY * 1000, pct);
    CHECK_STR(pct, "0.00%");
}

TEST(sealed_snapshot_has_every_service)
{
    struct snapshot *s = snap(utc(2020, 1, 1, 0, 0));
    REQUIRE(s != NULL);
    post(s, KIND_INCIDENT, IMPACT_CRITICAL, STATUS_INVESTIGATING,
         utc(2026, 12, 1, 12, 0), 0, false);
    CHECK_INT(snapshot_derive(s), 0);
    CHECK(uptime_of(s, 0) == NULL); /* not sealed yet */
    snapshot_seal(s);
    const struct uptime *a = uptime_of(s, 0), *b = uptime_of(s, 1);
    REQUIRE(a != NULL && b != NULL);
    CHECK(uptime_of(s, 2) == NULL);
    CHECK_INT(a->down, 30 * 60 * 1000);
    CHECK_INT(b->down, 0);
    struct uptime u;
    CHECK_INT(uptime_compute(s, 7, NULL, now(), &u), UV_EINVAL);
    snapshot_unref(s);
}

int main(void)
{
    RUN(no_posts_is_all_up);
    RUN(overlapping_incidents_take_the_worst);
    RUN(open_incident_counts_until_now);
    RUN(incident_across_midnight_splits);
    RUN(maintenance_marks_but_takes_nothing);
    RUN(new_service_has_fewer_days);
    RUN(old_posts_that_reach_into_the_window);
    RUN(percentages_round_down);
    RUN(sealed_snapshot_has_every_service);
    return test_report();
}
