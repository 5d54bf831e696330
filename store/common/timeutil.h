/* timeutil: parsing and formatting of times. Times are Unix seconds, UTC. */
#ifndef OUTPOST_TIMEUTIL_H
#define OUTPOST_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIME_BUFSZ 64

/* "2026-11-23T12:34:56Z" (Statuspage, Atom, export). */
void time_iso8601(int64_t t, char out[TIME_BUFSZ]);
/* "2026-11-23T12:34:56.000Z" (Statuspage v2 style with milliseconds). */
void time_iso8601_ms(int64_t t, char out[TIME_BUFSZ]);
/* "2026-11-23 12:34 UTC" for text, finger, gopher and HTML. */
void time_human(int64_t t, char out[TIME_BUFSZ]);
/* "Mon, 23 Nov 2026 12:34:56 GMT" (HTTP dates, RSS). */
void time_http(int64_t t, char out[TIME_BUFSZ]);
/* Parses an HTTP date (IMF-fixdate); 0 on success, UV_EINVAL otherwise. */
int time_parse_http(const char *s, size_t len, int64_t *out);
/* Parses ISO 8601 with an offset or Z ("2026-11-23T12:00Z",
 * "2026-11-23T12:00:00-05:00", "2026-11-23 12:00:00Z");
 * 0 on success, UV_EINVAL otherwise. A time with no zone is refused. */
int time_parse_iso8601(const char *s, int64_t *out);
/* Converts a UTC broken-down date to Unix seconds (no TZ, no libc state). */
/* The UTC year and month (1..12) of t: arithmetic only, no libc call, so
 * that indexing years of posts by month costs little. */
void time_year_month(int64_t t, int *year, int *month);
int64_t time_from_utc(int year, int mon, int day, int hour, int min, int sec);
/* Current time, seconds. Honours OUTPOST_NOW (Unix seconds) for tests and
 * golden files, so every view can be rendered at a fixed clock. */
int64_t time_now(void);

#endif
