/* tz: display time zones, read from the system's compiled zone files
 * (/usr/share/zoneinfo, Debian's tzdata; RFC 8536 "TZif"), without touching
 * the process-global TZ/localtime state, so any thread may format times.
 */
#ifndef OUTPOST_TZ_H
#define OUTPOST_TZ_H

#include <stdbool.h>
#include <stdint.h>

#define TZ_HUMAN_MAX 96

struct tz; /* immutable once loaded; safe to share between threads */

/* Loads the IANA zone `name` ("America/New_York"). The name is checked
 * before any file is opened: segments of [A-Za-z0-9_+-] separated by '/',
 * no "." or ".." segment, at most 64 bytes. Returns 0 and *out (free with
 * tz_free), UV_EINVAL for a bad name, UV_ENOENT for an unknown zone, UV_EIO
 * for a file that is not a valid TZif file. */
int tz_load(const char *name, struct tz **out);
/* Loads a TZif file from path under the given name (tests, other roots). */
int tz_load_file(const char *name, const char *path, struct tz **out);
void tz_free(struct tz *z);
const char *tz_name(const struct tz *z);

/* The zone's rules at instant t: offset east of UTC in seconds, its
 * abbreviation ("EST", or "+0530" where the zone has no letters), and
 * whether daylight saving time is in effect. */
void tz_lookup(const struct tz *z, int64_t t, int *utc_offset,
               const char **abbr, bool *is_dst);

/* "2026-11-23 17:00 UTC" when z is NULL; "2026-11-23 17:00 UTC (12:00 EST)"
 * with a zone; the local date is added when it differs from the UTC date:
 * "2026-11-23 03:30 UTC (2026-11-22 22:30 EST)". Numeric abbreviations are
 * shown as "UTC+05:30". */
void tz_format_human(const struct tz *z, int64_t t, char out[TZ_HUMAN_MAX]);
/* The local clock alone: "12:00 EST", or with_date "2026-11-22 22:30 EST". */
void tz_format_local(const struct tz *z, int64_t t, bool with_date,
                     char out[TZ_HUMAN_MAX]);
/* The local calendar day of t as days since 1970-01-01 (for comparing
 * dates); with z NULL, the UTC day. */
int64_t tz_local_day(const struct tz *z, int64_t t);

#endif
