#include "ics.h"

#include <inttypes.h>
#include <string.h>

#include "../store/common/timeutil.h"

/* RFC 5545 §3.1: content lines SHOULD NOT be longer than 75 octets; a
 * longer one is folded, CRLF and one space, and the space is dropped
 * again by the reader. */
#define ICS_LINE_MAX 75

/* Appends one content line, folded, with its CRLF. */
static void put_line(struct buf *out, const char *line, size_t len)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        /* Fold before a character's first byte only, so a UTF-8 sequence
         * is never cut (a continuation byte is 10xxxxxx). The continued
         * line starts with the space, which counts. */
        if (col >= ICS_LINE_MAX && (c & 0xc0) != 0x80) {
            buf_puts(out, "\r\n ");
            col = 1;
        }
        buf_putc(out, (char)c);
        col++;
    }
    buf_puts(out, "\r\n");
}

/* Appends s as a TEXT value (§3.3.11): backslash, semicolon and comma
 * escaped, a line end written as \n, other control characters dropped
 * (the store refuses them in one-line fields already). */
static void put_text(struct buf *out, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\' || c == ';' || c == ',') {
            buf_putc(out, '\\');
            buf_putc(out, (char)c);
        } else if (c == '\n') {
            buf_puts(out, "\\n");
        } else if (c >= 0x20 && c != 0x7f) {
            buf_putc(out, (char)c);
        }
    }
}

/* A DATE-TIME in UTC, "20261123T123456Z" (§3.3.5, form 2). */
static void put_time(struct buf *out, int64_t t)
{
    char iso[TIME_BUFSZ];
    time_iso8601(t, iso);
    for (const char *p = iso; *p != '\0'; p++)
        if (*p != '-' && *p != ':')
            buf_putc(out, *p);
}

/* Writes the content line built in line, folded, and empties line. */
static void flush(struct buf *out, struct buf *line)
{
    put_line(out, line->data != NULL ? line->data : "", line->len);
    if (buf_failed(line))
        out->oom = true;
    buf_reset(line);
}

static const char *host(const struct snapshot *s)
{
    return s->site.hostname != NULL && s->site.hostname[0] != '\0'
               ? s->site.hostname
               : "localhost";
}

static const char *site_name(const struct snapshot *s)
{
    return s->site.name != NULL && s->site.name[0] ? s->site.name : "Status";
}

/* The post's latest change, an edit of an update's text included. */
static int64_t changed_at(const struct incident *inc)
{
    int64_t t =
        inc->latest_at > inc->created_at ? inc->latest_at : inc->created_at;
    for (size_t u = 0; u < inc->n_updates; u++)
        if (inc->updates[u].edited_at > t)
            t = inc->updates[u].edited_at;
    return t;
}

static void put_event(struct buf *out, struct buf *l, const struct snapshot *s,
                      const struct incident *inc)
{
    bool completed = inc->status == STATUS_COMPLETED;
    uint64_t sequence = inc->n_updates > 0 ? inc->n_updates - 1 : 0;
    for (size_t u = 0; u < inc->n_updates; u++)
        sequence += inc->updates[u].n_revisions;
    put_line(out, "BEGIN:VEVENT", 12);
    buf_printf(l, "UID:maintenance-%" PRId64 "@", inc->id);
    put_text(l, host(s));
    flush(out, l);
    buf_puts(l, "DTSTAMP:");
    put_time(l, changed_at(inc));
    flush(out, l);
    buf_puts(l, "LAST-MODIFIED:");
    put_time(l, changed_at(inc));
    flush(out, l);
    buf_puts(l, "CREATED:");
    put_time(l, inc->created_at);
    flush(out, l);
    buf_printf(l, "SEQUENCE:%" PRIu64, sequence);
    flush(out, l);
    buf_puts(l, "DTSTART:");
    put_time(l, inc->scheduled_start);
    flush(out, l);
    buf_puts(l, "DTEND:");
    put_time(l, inc->scheduled_end);
    flush(out, l);
    buf_puts(l, "SUMMARY:");
    if (completed)
        buf_puts(l, "Completed: ");
    put_text(l, inc->title);
    flush(out, l);
    buf_printf(l, "DESCRIPTION:Maintenance #%" PRId64 ": %s.", inc->id,
               model_status_label(inc->status));
    if (completed && inc->resolved_at != 0) {
        char when[TIME_BUFSZ];
        time_human(inc->resolved_at, when);
        buf_printf(l, " Completed %s.", when);
    }
    for (size_t k = 0; k < inc->n_services; k++) {
        const struct incident_service *a = &inc->services[k];
        if (a->service >= s->n_services)
            continue;
        buf_puts(l, k == 0 ? "\\nAffects: " : "\\, ");
        put_text(l, s->services[a->service].name);
        if (a->window_start != 0) {
            char from[TIME_BUFSZ], to[TIME_BUFSZ];
            time_human(a->window_start, from);
            time_human(a->window_end, to);
            buf_puts(l, " (");
            put_text(l, from);
            buf_puts(l, " to ");
            put_text(l, to);
            buf_putc(l, ')');
        }
    }
    flush(out, l);
    buf_puts(l, "STATUS:CONFIRMED");
    flush(out, l);
    buf_puts(l, "TRANSP:OPAQUE");
    flush(out, l);
    buf_puts(l, "URL:");
    if (s->site.base_url != NULL && s->site.base_url[0] != '\0') {
        size_t n = strlen(s->site.base_url);
        while (n > 0 && s->site.base_url[n - 1] == '/')
            n--;
        buf_append(l, s->site.base_url, n);
    } else {
        buf_printf(l, "http://%s", host(s));
        if (s->site.http_port > 0 && s->site.http_port != 80)
            buf_printf(l, ":%d", s->site.http_port);
    }
    buf_printf(l, "/incidents/%" PRId64, inc->id);
    flush(out, l);
    put_line(out, "END:VEVENT", 10);
}

void ics_maintenance(struct buf *out, const struct snapshot *s)
{
    struct buf l = BUF_INIT;
    put_line(out, "BEGIN:VCALENDAR", 15);
    put_line(out, "VERSION:2.0", 11);
    put_line(out, "PRODID:-//outpost//maintenance windows//EN", 42);
    put_line(out, "CALSCALE:GREGORIAN", 18);
    put_line(out, "METHOD:PUBLISH", 14);
    buf_puts(&l, "X-WR-CALNAME:");
    put_text(&l, site_name(s));
    buf_puts(&l, ": maintenance");
    flush(out, &l);
    for (size_t j = 0; j < s->n_live; j++) {
        const struct incident *inc = &s->incidents[s->live[j]];
        if (inc->kind == KIND_MAINTENANCE && inc->scheduled_start != 0)
            put_event(out, &l, s, inc);
    }
    put_line(out, "END:VCALENDAR", 13);
    buf_free(&l);
}
