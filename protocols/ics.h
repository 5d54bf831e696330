/* ics: the maintenance windows as an iCalendar feed (RFC 5545), so that
 * customers can subscribe to /maintenance.ics in a calendar program.
 */
#ifndef OUTPOST_ICS_H
#define OUTPOST_ICS_H

#include "../store/common/buf.h"
#include "../store/snapshot.h"

/* Appends one VCALENDAR (METHOD:PUBLISH) with a VEVENT per maintenance
 * window that the maintenance lists show (in progress, upcoming, overdue,
 * completed within SNAPSHOT_RECENT_DAYS), newest first. Each event's UID
 * is "maintenance-ID@HOSTNAME", the same for as long as the post exists;
 * SEQUENCE counts the changes made to it since it was scheduled (every
 * update after the first, every edit of an update's text), so that a
 * calendar takes the newer copy (RFC 5545 §3.8.7.4); DTSTAMP and
 * LAST-MODIFIED are its latest change, so the document stays the same
 * bytes until the data changes. DTSTART and DTEND are the scheduled
 * window in UTC. A completed maintenance says so in SUMMARY and
 * DESCRIPTION; the store has no cancelled maintenance, so every event is
 * STATUS:CONFIRMED. Lines end in CRLF and are folded at 75 octets,
 * never inside a UTF-8 character (§3.1). Sets out->oom on failure. */
void ics_maintenance(struct buf *out, const struct snapshot *s);

#endif
