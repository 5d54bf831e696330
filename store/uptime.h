/* uptime: each service's uptime over the last UPTIME_DAYS days, day by
 * day, derived from the incidents and maintenance already stored (there
 * are no probes).
 *
 * THE UPTIME RULE (every protocol shows its result):
 *
 *  1. Days are the site's calendar days in its display zone (site.tz; UTC
 *     when none is set), so a day may have 23 or 25 hours. The window is
 *     the UPTIME_DAYS days that end with today; today counts up to now,
 *     the server time shown on the page, to the minute.
 *  2. Only the time a service existed counts: from its created_at (a
 *     service added ten days ago has ten days, the first of them a part).
 *  3. An incident affects its services from its start (started_at, else
 *     created_at) until it was resolved (resolved_at), or until now while
 *     it is open. Its current impact says how: critical (a major outage)
 *     counts the whole time as down; major (a partial outage) counts
 *     UPTIME_PARTIAL_PERMILLE per mille of the time as down; minor
 *     (degraded performance), none, and maintenance count as up. This is
 *     the weighting Instatus publishes for its 90-day bars ("Uptime
 *     colors", instatus.com/help/status-page/uptime-colors: a partial
 *     outage weighs 30 % of a major one, degraded performance nothing).
 *  4. Incidents that overlap are not added up: at any moment the worst of
 *     the incidents then open decides (a partial outage during a major
 *     one adds nothing).
 *  5. A maintenance marks the days it ran (from its first in_progress
 *     update until it was completed, or until now) but takes nothing.
 *  6. A percentage is 100 x (1 - down / counted), rounded down to
 *     hundredths, so 100.00 % always means no downtime at all.
 *
 * The cost follows the window: the posts are found through the
 * snapshot's history order (by_time), newest first, down to the oldest
 * post that can still reach into the window, and the open ones among its
 * live posts; never the whole archive.
 */
#ifndef OUTPOST_UPTIME_H
#define OUTPOST_UPTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define UPTIME_DAYS 90
/* A partial outage's share of down time, per mille (rule 3). */
#define UPTIME_PARTIAL_PERMILLE 300

struct uptime_day {
    int64_t date;    /* local calendar day, days since 1970-01-01 */
    int64_t start;   /* the day's first second (UTC), local midnight */
    int64_t counted; /* seconds of it that count (rule 2, and today) */
    int64_t down;    /* down seconds, weighted, in thousandths */
    /* The worst status the service had that day: SERVICE_OPERATIONAL
     * when nothing affected it, SERVICE_UNDER_MAINTENANCE for a day with
     * maintenance and no incident that weighs more. */
    enum service_status worst;
};

struct uptime {
    struct uptime_day day[UPTIME_DAYS]; /* oldest first, today last */
    int64_t counted;                    /* the sums over the days */
    int64_t down;
    uint64_t stamp; /* of every figure above: what a page shows of it */
};

/* Works out service svc's uptime in s as of now (rule 1 takes now to the
 * minute), with days in zone tz (NULL: UTC). Pure: reads s only. Returns
 * 0, UV_EINVAL for a service index out of range, or UV_ENOMEM. */
int uptime_compute(const struct snapshot *s, size_t svc, const struct tz *tz,
                   int64_t now, struct uptime *out);

/* Fills s->uptime for every service as of s->generated_at in the site's
 * zone (called by snapshot_seal once the site is set). On OOM s->uptime
 * stays NULL and the pages show no uptime. */
void uptime_seal(struct snapshot *s);

/* Service svc's uptime in a sealed snapshot, or NULL when there is none
 * (not worked out, or out of memory). */
const struct uptime *uptime_of(const struct snapshot *s, size_t svc);

/* Days a row of the bars shows: three rows fit 72 columns with a date
 * in front and a percentage behind. */
#define UPTIME_ROW 30
_Static_assert(UPTIME_DAYS % UPTIME_ROW == 0, "whole rows");
/* "YYYY-MM-DD" of a day's date, for every protocol's labels. */
void uptime_date(const struct uptime_day *d, char out[11]);

/* A percentage of rule 6 in hundredths, 0..10000, of down thousandths of
 * seconds out of counted seconds; 10000 when nothing counted. */
int uptime_hundredths(int64_t counted, int64_t down);
/* The same as text, "99.87%" or "100.00%"; out has room for 8 bytes. */
void uptime_format(int64_t counted, int64_t down, char out[8]);
/* The one-character mark of a day in the bars of every protocol: '.' up
 * all day, 'm' maintenance, '-' degraded, '+' partial outage, '#' major
 * outage, ' ' a day that does not count (before the service existed).
 * UPTIME_LEGEND spells it out. */
char uptime_mark(const struct uptime_day *d);
#define UPTIME_LEGEND                                                          \
    "Key: . up  m maintenance  - degraded  + partial outage  # major outage"
/* The word for a day's worst status: "up", "maintenance", "degraded
 * performance", "partial outage", "major outage", or "no data". */
const char *uptime_mark_word(const struct uptime_day *d);

#endif
