/* output: what the read commands print (cli_int.h), as text for a terminal
 * or as JSON for scripts, and the writing of it to stdout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../store/common/timeutil.h"
#include "cli_int.h"

int cli_flush(struct buf *out)
{
    int rc = 0;
    if (buf_failed(out)) {
        rc = cli_fail("out of memory");
    } else if ((out->len > 0 &&
                fwrite(out->data, 1, out->len, stdout) != out->len) ||
               fflush(stdout) != 0) {
        cli_fail("cannot write the output: %s", strerror(errno));
        rc = 2;
    }
    buf_free(out);
    return rc;
}

/* ---- UTF-8 and JSON
 * ------------------------------------------------------------ */

/* Decodes one code point from s (n > 0 bytes available). Returns its
 * length, or 0 if the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* Appends s as a JSON string literal (RFC 8259 section 7): quote and
 * backslash escaped, every control character as \uXXXX, valid UTF-8 copied
 * unchanged, and any invalid byte replaced by U+FFFD so the output always
 * parses. NULL becomes null. */
static void json_str(struct buf *b, const char *s)
{
    if (s == NULL) {
        buf_puts(b, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    buf_putc(b, '"');
    while (n > 0) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            buf_puts(b, "\\ufffd");
            len = 1;
        } else if (cp == '"' || cp == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)cp);
        } else if (cp < 0x20 || cp == 0x7f) {
            buf_printf(b, "\\u%04x", (unsigned)cp);
        } else {
            buf_append(b, p, len);
        }
        p += len;
        n -= len;
    }
    buf_putc(b, '"');
}

/* Appends a time as an ISO 8601 UTC string, or null when unset. */
static void json_time(struct buf *b, int64_t t)
{
    if (t == 0) {
        buf_puts(b, "null");
        return;
    }
    char tb[TIME_BUFSZ];
    time_iso8601(t, tb);
    json_str(b, tb);
}

static void json_service(struct buf *b, const struct service *sv)
{
    buf_printf(b, "{\"id\":%" PRId64 ",\"slug\":", sv->id);
    json_str(b, sv->slug);
    buf_puts(b, ",\"name\":");
    json_str(b, sv->name);
    buf_puts(b, ",\"group\":");
    json_str(b, sv->group);
    buf_puts(b, ",\"description\":");
    json_str(b, sv->description);
    buf_printf(b, ",\"position\":%d,\"status\":", sv->position);
    json_str(b, model_service_status_name(sv->status));
    buf_puts(b, ",\"status_reason\":");
    json_str(b, sv->status_reason);
    buf_printf(
        b, ",\"manual\":%s,\"manual_status\":", sv->manual ? "true" : "false");
    json_str(b,
             sv->manual ? model_service_status_name(sv->manual_status) : NULL);
    buf_puts(b, ",\"created_at\":");
    json_time(b, sv->created_at);
    buf_puts(b, ",\"updated_at\":");
    json_time(b, sv->updated_at);
    buf_putc(b, '}');
}

/* One post as JSON, with Statuspage v2's field names where it has one
 * (name, status, impact, *_at, scheduled_for/until, postmortem_body,
 * components, incident_updates) and outpost's own beside them. */
static void json_incident(struct buf *b, const struct snapshot *snap,
                          const struct incident *inc)
{
    buf_printf(b, "{\"id\":%" PRId64 ",\"name\":", inc->id);
    json_str(b, inc->title);
    buf_puts(b, ",\"title\":");
    json_str(b, inc->title);
    buf_puts(b, ",\"kind\":");
    json_str(b, model_kind_name(inc->kind));
    buf_puts(b, ",\"status\":");
    json_str(b, model_status_name(inc->status));
    buf_puts(b, ",\"impact\":");
    json_str(b, model_impact_name(inc->impact));
    static const char *const time_names[] = {
        "created_at",      "started_at",
        "updated_at",      "monitoring_at",
        "resolved_at",     "scheduled_for",
        "scheduled_until", "postmortem_published_at"};
    const int64_t times[] = {inc->created_at,    inc->started_at,
                             inc->updated_at,    inc->monitoring_at,
                             inc->resolved_at,   inc->scheduled_start,
                             inc->scheduled_end, inc->postmortem_at};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        buf_printf(b, ",\"%s\":", time_names[i]);
        json_time(b, times[i]);
    }
    buf_puts(b, ",\"postmortem_body\":");
    json_str(b, inc->postmortem);
    buf_puts(b, ",\"components\":[");
    for (size_t i = 0; i < inc->n_services; i++) {
        const struct incident_service *is = &inc->services[i];
        if (is->service >= snap->n_services)
            continue;
        const struct service *sv = &snap->services[is->service];
        if (i > 0)
            buf_putc(b, ',');
        buf_printf(b, "{\"id\":%" PRId64 ",\"slug\":", sv->id);
        json_str(b, sv->slug);
        buf_puts(b, ",\"name\":");
        json_str(b, sv->name);
        buf_puts(b, ",\"status\":");
        json_str(b, model_service_status_name(sv->status));
        buf_puts(b, ",\"window_start\":");
        json_time(b, is->window_start);
        buf_puts(b, ",\"window_end\":");
        json_time(b, is->window_end);
        buf_putc(b, '}');
    }
    buf_puts(b, "],\"incident_updates\":[");
    for (size_t i = 0; i < inc->n_updates; i++) {
        const struct update *u = &inc->updates[i];
        if (i > 0)
            buf_putc(b, ',');
        buf_printf(
            b, "{\"id\":%" PRId64 ",\"incident_id\":%" PRId64 ",\"status\":",
            u->id, inc->id);
        json_str(b, model_status_name(u->status));
        buf_puts(b, ",\"body\":");
        json_str(b, u->body != NULL ? u->body : "");
        buf_puts(b, ",\"created_at\":");
        json_time(b, u->created_at);
        buf_puts(b, ",\"author\":");
        json_str(b, u->author);
        buf_puts(b, ",\"via\":");
        json_str(b, u->via);
        buf_putc(b, '}');
    }
    buf_puts(b, "]}");
}

/* ---- terminal text ---------------------------------------------------- */

/* Appends text for a terminal. Titles and bodies may come from any API
 * token, so nothing in them may drive the operator's terminal: C0 and C1
 * controls (ESC, CSI) and invalid UTF-8 become '?'. In multi-line text,
 * newlines and tabs stay and each line is indented by `indent` spaces;
 * in a one-line field they become spaces. */
static void text_put(struct buf *b, const char *s, bool multiline, int indent)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    bool line_start = true;
    while (n > 0) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            len = 1;
            cp = '?';
        }
        if (cp == '\r') {
            /* CRLF line ends: the LF alone ends the line. */
        } else if (cp == '\n' && multiline) {
            buf_putc(b, '\n');
            line_start = true;
        } else {
            if (multiline && line_start)
                buf_printf(b, "%*s", indent, "");
            line_start = false;
            if (cp == '\n' || (cp == '\t' && !multiline))
                buf_putc(b, ' ');
            else if (cp == '\t')
                buf_putc(b, '\t');
            else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
                buf_putc(b, '?');
            else
                buf_append(b, p, len);
        }
        p += len;
        n -= len;
    }
}

/* Columns of s: one per code point, which is right for the names an ISP
 * gives its services. */
static size_t text_width(const char *s)
{
    size_t cols = 0;
    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            cols++;
    }
    return cols;
}

/* Appends s (as a one-line field) padded with spaces to width columns. */
static void text_pad(struct buf *b, const char *s, size_t width)
{
    size_t before = b->len;
    text_put(b, s, false, 0);
    size_t cols = 0;
    for (size_t i = before; i < b->len; i++) {
        if (((unsigned char)b->data[i] & 0xc0) != 0x80)
            cols++;
    }
    while (cols++ < width)
        buf_putc(b, ' ');
}

/* The widths of the service table's columns: each as wide as its widest
 * entry (at least its heading), so the columns line up. */
struct service_widths {
    size_t slug, group, status, reason;
};

static void service_widths(const struct snapshot *snap,
                           struct service_widths *w)
{
    *w = (struct service_widths){4, 5, 6, 3};
    for (size_t i = 0; i < snap->n_services; i++) {
        const struct service *sv = &snap->services[i];
        size_t n;
        if ((n = text_width(sv->slug)) > w->slug)
            w->slug = n;
        if (sv->group && (n = text_width(sv->group)) > w->group)
            w->group = n;
        if ((n = strlen(model_service_status_name(sv->status))) > w->status)
            w->status = n;
        if (sv->status_reason &&
            (n = text_width(sv->status_reason)) > w->reason)
            w->reason = n;
    }
}

static void text_services(struct buf *out, const struct snapshot *snap)
{
    struct service_widths w;
    if (snap->n_services == 0) {
        buf_puts(out, "no services yet (add one with 'outpost service "
                      "add')\n");
        return;
    }
    service_widths(snap, &w);
    text_pad(out, "SLUG", w.slug + 2);
    text_pad(out, "GROUP", w.group + 2);
    text_pad(out, "STATUS", w.status + 2);
    text_pad(out, "WHY", w.reason + 2);
    buf_puts(out, "NAME\n");
    for (size_t i = 0; i < snap->n_services; i++) {
        const struct service *sv = &snap->services[i];
        text_pad(out, sv->slug, w.slug + 2);
        text_pad(out, sv->group ? sv->group : "-", w.group + 2);
        text_pad(out, model_service_status_name(sv->status), w.status + 2);
        text_pad(out, sv->status_reason ? sv->status_reason : "-",
                 w.reason + 2);
        text_put(out, sv->name, false, 0);
        buf_putc(out, '\n');
    }
}

/* "label:     time", the label padded to the column of the values; nothing
 * for a time that is not set. */
static void text_time_line(struct buf *b, const char *label, int64_t t)
{
    char tb[TIME_BUFSZ];
    if (t == 0)
        return;
    time_human(t, tb);
    buf_printf(b, "%-12s%s\n", label, tb);
}

/* The head of a post: title, what it is, and when each step happened. */
static void text_incident_head(struct buf *b, const struct incident *inc)
{
    char t1[TIME_BUFSZ], t2[TIME_BUFSZ];
    buf_printf(b, "#%" PRId64 " ", inc->id);
    text_put(b, inc->title, false, 0);
    buf_printf(b, "\n%-12s%" PRId64 "\n", "id:", inc->id);
    buf_printf(b, "%-12s%s\n", "kind:", model_kind_name(inc->kind));
    buf_printf(b, "%-12s%s\n", "status:", model_status_name(inc->status));
    buf_printf(b, "%-12s%s\n", "impact:", model_impact_name(inc->impact));
    if (inc->scheduled_start != 0) {
        time_human(inc->scheduled_start, t1);
        time_human(inc->scheduled_end, t2);
        buf_printf(b, "%-12s%s to %s\n", "window:", t1, t2);
    }
    text_time_line(b, "created:", inc->created_at);
    text_time_line(b, "started:", inc->started_at);
    text_time_line(b, "updated:", inc->updated_at);
    text_time_line(b, "monitoring:", inc->monitoring_at);
    text_time_line(b, "resolved:", inc->resolved_at);
}

/* "services:   slug (Name, window), ..." on one line. */
static void text_incident_services(struct buf *b, const struct snapshot *snap,
                                   const struct incident *inc)
{
    char t1[TIME_BUFSZ], t2[TIME_BUFSZ];
    buf_printf(b, "%-12s", "services:");
    if (inc->n_services == 0)
        buf_puts(b, "none");
    for (size_t i = 0; i < inc->n_services; i++) {
        const struct incident_service *is = &inc->services[i];
        if (is->service >= snap->n_services)
            continue;
        const struct service *sv = &snap->services[is->service];
        if (i > 0)
            buf_puts(b, ", ");
        text_put(b, sv->slug, false, 0);
        buf_puts(b, " (");
        text_put(b, sv->name, false, 0);
        if (is->window_start != 0) {
            time_human(is->window_start, t1);
            time_human(is->window_end, t2);
            buf_printf(b, ", %s to %s", t1, t2);
        }
        buf_putc(b, ')');
    }
    buf_putc(b, '\n');
}

/* One update: when, what status, its id (for `update edit`), whether it
 * was edited, who wrote it and through what, then its text indented. */
static void text_update(struct buf *b, const struct update *u)
{
    char t1[TIME_BUFSZ], t2[TIME_BUFSZ];
    time_human(u->created_at, t1);
    buf_printf(b, "\n%s  %s  [update %" PRId64 "]", t1,
               model_status_name(u->status), u->id);
    if (u->n_revisions > 0) {
        time_human(u->edited_at, t2);
        buf_printf(b, "  (edited %s)", t2);
    }
    if (u->author != NULL && u->author[0] != '\0') {
        buf_puts(b, "  -- ");
        text_put(b, u->author, false, 0);
    }
    if (u->via != NULL && u->via[0] != '\0') {
        buf_puts(b, "  (via ");
        text_put(b, u->via, false, 0);
        buf_putc(b, ')');
    }
    buf_putc(b, '\n');
    if (u->body != NULL && u->body[0] != '\0') {
        text_put(b, u->body, true, 2);
        buf_putc(b, '\n');
    }
}

static void text_incident(struct buf *b, const struct snapshot *snap,
                          const struct incident *inc)
{
    char t1[TIME_BUFSZ];
    text_incident_head(b, inc);
    text_incident_services(b, snap, inc);
    buf_puts(b, "\nUpdates, newest first:\n");
    for (size_t i = 0; i < inc->n_updates; i++)
        text_update(b, &inc->updates[i]);
    if (inc->postmortem != NULL) {
        buf_puts(b, "\nPostmortem");
        if (inc->postmortem_at != 0) {
            time_human(inc->postmortem_at, t1);
            buf_printf(b, " (%s)", t1);
        }
        buf_puts(b, ":\n");
        text_put(b, inc->postmortem, true, 2);
        buf_putc(b, '\n');
    }
}

/* One row of the post list, under a heading the first row prints. */
static void text_incident_row(struct buf *out, const struct incident *inc,
                              bool first)
{
    char tb[TIME_BUFSZ], id[24];
    if (first)
        buf_printf(out, "%-6s %-11s %-13s %-11s %-20s %s\n", "ID", "KIND",
                   "STATUS", "IMPACT", "CREATED", "TITLE");
    time_human(inc->created_at, tb);
    snprintf(id, sizeof id, "%" PRId64, inc->id);
    buf_printf(out, "%-6s %-11s %-13s %-11s %-20s ", id,
               model_kind_name(inc->kind), model_status_name(inc->status),
               model_impact_name(inc->impact), tb);
    text_put(out, inc->title, false, 0);
    buf_putc(out, '\n');
}

/* One token: its name, when it was made, whether it is still valid, and
 * its last write (a token nobody uses any more is one to revoke). */
static void text_token(struct buf *out, const struct token_info *t)
{
    char t1[TIME_BUFSZ], t2[TIME_BUFSZ];
    time_human(t->created_at, t1);
    if (t->revoked_at != 0) {
        time_human(t->revoked_at, t2);
        buf_printf(out, "%-24s created %s  revoked %s", t->name, t1, t2);
    } else {
        buf_printf(out, "%-24s created %s  valid", t->name, t1);
    }
    if (t->last_used_at != 0) {
        time_human(t->last_used_at, t2);
        buf_printf(out, "  last used %s\n", t2);
    } else {
        buf_puts(out, "  never used\n");
    }
}

/* ---- the renderings --------------------------------------------------- */

void cli_show_services(struct buf *out, const struct snapshot *snap, bool json)
{
    if (!json) {
        text_services(out, snap);
        return;
    }
    buf_putc(out, '[');
    for (size_t i = 0; i < snap->n_services; i++) {
        if (i > 0)
            buf_putc(out, ',');
        json_service(out, &snap->services[i]);
    }
    buf_puts(out, "]\n");
}

void cli_show_incident(struct buf *out, const struct snapshot *snap,
                       const struct incident *inc, bool json)
{
    if (!json) {
        text_incident(out, snap, inc);
        return;
    }
    json_incident(out, snap, inc);
    buf_putc(out, '\n');
}

void cli_show_incidents(struct buf *out, const struct snapshot *snap,
                        bool open_only, bool json)
{
    size_t shown = 0;
    if (json)
        buf_putc(out, '[');
    for (size_t i = 0; i < snap->n_incidents; i++) {
        const struct incident *inc = &snap->incidents[i];
        if (open_only && !snapshot_is_current(snap, inc))
            continue;
        if (json && shown > 0)
            buf_putc(out, ',');
        if (json)
            json_incident(out, snap, inc);
        else
            text_incident_row(out, inc, shown == 0);
        shown++;
    }
    if (json)
        buf_puts(out, "]\n");
    else if (shown == 0) {
        buf_puts(out, open_only ? "no open incidents\n" : "no incidents\n");
    }
}

void cli_show_tokens(struct buf *out, const struct token_info *list, size_t n,
                     bool json)
{
    for (size_t i = 0; i < n; i++) {
        if (!json) {
            text_token(out, &list[i]);
            continue;
        }
        buf_puts(out, i == 0 ? "[\n  {\"name\": " : ",\n  {\"name\": ");
        json_str(out, list[i].name);
        buf_puts(out, ", \"created_at\": ");
        json_time(out, list[i].created_at);
        buf_puts(out, ", \"revoked_at\": ");
        json_time(out, list[i].revoked_at);
        buf_puts(out, ", \"last_used_at\": ");
        json_time(out, list[i].last_used_at);
        buf_puts(out, "}");
    }
    if (json)
        buf_puts(out, n == 0 ? "[]\n" : "\n]\n");
}
