/* tz: display time zones, read from the system's compiled zone files
 * (/usr/share/zoneinfo, Debian's tzdata; RFC 8536 "TZif"), without touching
 * the process-global TZ/localtime state, so any thread may format times.
 *
 * Times stay UTC everywhere; a zone only adds a second, local rendering.
 */
#ifndef OUTPOST_TZ_H
#define OUTPOST_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "timeutil.h"

/* Room for the longest tz_format_human/tz_format_local output. */
#define TZ_HUMAN_MAX (TIME_BUFSZ * 2)
/* Room for "UTC+05:30". */
#define TZ_OFFSET_MAX 16

struct tz; /* immutable once loaded; safe to share between threads */

/* Loads the IANA zone `name` ("America/New_York"). The name is checked
 * before any file is opened: segments of [A-Za-z0-9_+-] separated by '/'
 * (so no "." or ".." segment), no leading '/', at most 64 bytes; the file,
 * after following links, must be a regular file under /usr/share/zoneinfo.
 * Returns 0 and *out (the caller frees it with tz_free); otherwise *out is
 * NULL and the result is UV_EINVAL for a bad name, UV_ENOENT for an unknown
 * zone (or a directory such as "America"), UV_EIO for a file that is not a
 * valid TZif file (leap-second "right/" zones included), UV_ENOMEM. */
int tz_load(const char *name, struct tz **out);
/* Loads the TZif file at path (no name check, no directory check) and
 * names it `name` (copied, truncated to 64 bytes). For tests and other
 * roots. Same results as tz_load, without UV_EINVAL. */
int tz_load_file(const char *name, const char *path, struct tz **out);
/* Parses a TZif image of len bytes at data (no terminator needed; at most
 * 1 MiB, as for a file) and names it `name` (copied, truncated to 64
 * bytes): the parser of tz_load_file without the file, for the fuzz tests.
 * 0 and *out, or UV_EIO (not a valid TZif image) or UV_ENOMEM with *out
 * NULL. */
int tz_load_mem(const char *name, const void *data, size_t len,
                struct tz **out);
/* Frees a zone; NULL is allowed. */
void tz_free(struct tz *z);
/* The name given at load time (owned by z); "UTC" for NULL. */
const char *tz_name(const struct tz *z);

/* The zone's rules at instant t (Unix seconds): offset east of UTC in
 * seconds, its abbreviation ("EST", or "+0530" where the zone has no
 * letters; owned by z, valid until tz_free), and whether daylight saving
 * time is in effect. Past the file's last transition the POSIX rule of its
 * footer applies. Any output pointer may be NULL; z NULL means UTC.
 * Instants beyond about 557,000 years from 1970 (2^44 s) are answered as
 * at that edge, here and in the formatters below. */
void tz_lookup(const struct tz *z, int64_t t, int *utc_offset,
               const char **abbr, bool *is_dst);

/* "2026-11-23 17:00 UTC" when z is NULL; with a zone, the local clock and
 * the offset: "2026-11-23 17:00 UTC (12:00 EST, UTC-05:00)", so a reader
 * who does not know the abbreviation (IST is India, Ireland and Israel)
 * still knows the time. The local date is added when it differs from the
 * UTC date: "2026-11-23 03:30 UTC (2026-11-22 22:30 EST, UTC-05:00)".
 * Numeric abbreviations are shown as the offset alone: "+0530" becomes
 * "(16:36 UTC+05:30)", "-03" becomes "(08:06 UTC-03:00)"; a zone whose
 * abbreviation is "UTC" adds no offset either: "(11:06 UTC)". */
void tz_format_human(const struct tz *z, int64_t t, char out[TZ_HUMAN_MAX]);
/* The local clock alone, without the offset (tz_format_offset gives it):
 * "12:00 EST", or with_date "2026-11-22 22:30 EST"; numeric abbreviations
 * as in tz_format_human ("08:06 UTC-03:00"); with z NULL, the UTC clock
 * ("17:00 UTC"). */
void tz_format_local(const struct tz *z, int64_t t, bool with_date,
                     char out[TZ_HUMAN_MAX]);
/* The local calendar day of t as days since 1970-01-01 (for comparing
 * dates); with z NULL, the UTC day. */
int64_t tz_local_day(const struct tz *z, int64_t t);
/* The offset of z at t as "UTC-05:00", "UTC+05:30", "UTC+00:00" (also for
 * z NULL), for callers composing their own local forms. */
void tz_format_offset(const struct tz *z, int64_t t, char out[TZ_OFFSET_MAX]);
/* t on the local clock in ISO 8601 with its offset, seconds included:
 * "2026-11-23T12:00:00-05:00"; with z NULL, "2026-11-23T17:00:00Z" (as
 * time_iso8601). Where the local form has no RFC 3339 spelling (an offset
 * with seconds or of 24 hours or more, a local year outside 0000..9999)
 * the UTC form is written instead. For every t whose UTC date lies in the
 * years 0000 to 9999, and every zone that loads, time_parse_iso8601 reads
 * the output back to t. */
void tz_format_iso8601(const struct tz *z, int64_t t, char out[TIME_BUFSZ]);

#endif
