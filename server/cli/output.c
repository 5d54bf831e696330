/* output: what the read commands print (cli_int.h), as text for a terminal
 * or as JSON for scripts, and the writing of it to stdout.
 *
 * The JSON is the shared writer's (jsonw), strings and all. Times are
 * ISO 8601 in whole seconds ("2026-11-23T12:34:56Z"), unlike jsonw_time's
 * Statuspage form with milliseconds, as the command line has always
 * printed them.
 *
 * The text is the command line's own, not protocols/text.c's: it shows
 * the stored text exactly (every space, every character a terminal can
 * print) where the status pages tidy it for readers, and keeps the
 * operator's line breaks instead of wrapping.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../store/common/jsonw.h"
#include "../../store/common/timeutil.h"
#include "../../store/common/utf8.h"
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

/* ---- JSON ------------------------------------------------------------- */

static void put_time(struct buf *out, int64_t t)
{
    char tb[TIME_BUFSZ];
    if (t == 0) {
        jsonw_put_null(out);
        return;
    }
    time_iso8601(t, tb);
    jsonw_put_str(out, tb);
}

/* The members of an object, in jsonw: "key":value. */
static void member_str(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}

static void member_time(struct jsonw *w, const char *key, int64_t t)
{
    char tb[TIME_BUFSZ];
    jsonw_key(w, key);
    if (t == 0) {
        jsonw_null(w);
        return;
    }
    time_iso8601(t, tb);
    jsonw_string(w, tb);
}

static void member_int(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

static void json_service(struct jsonw *w, const struct service *sv)
{
    jsonw_object_begin(w);
    member_int(w, "id", sv->id);
    member_str(w, "slug", sv->slug);
    member_str(w, "name", sv->name);
    member_str(w, "group", sv->group);
    member_str(w, "description", sv->description);
    member_int(w, "position", sv->position);
    member_str(w, "status", model_service_status_name(sv->status));
    member_str(w, "status_reason", sv->status_reason);
    jsonw_key(w, "manual");
    jsonw_bool(w, sv->manual);
    member_str(w, "manual_status",
               sv->manual ? model_service_status_name(sv->manual_status)
                          : NULL);
    member_time(w, "created_at", sv->created_at);
    member_time(w, "updated_at", sv->updated_at);
    jsonw_object_end(w);
}

/* One affected service of a post, with its own window if it has one. */
static void json_component(struct jsonw *w, const struct service *sv,
                           const struct incident_service *is)
{
    jsonw_object_begin(w);
    member_int(w, "id", sv->id);
    member_str(w, "slug", sv->slug);
    member_str(w, "name", sv->name);
    member_str(w, "status", model_service_status_name(sv->status));
    member_time(w, "window_start", is->window_start);
    member_time(w, "window_end", is->window_end);
    jsonw_object_end(w);
}

static void json_update(struct jsonw *w, const struct incident *inc,
                        const struct update *u)
{
    jsonw_object_begin(w);
    member_int(w, "id", u->id);
    member_int(w, "incident_id", inc->id);
    member_str(w, "status", model_status_name(u->status));
    member_str(w, "body", u->body != NULL ? u->body : "");
    member_time(w, "created_at", u->created_at);
    member_str(w, "author", u->author);
    member_str(w, "via", u->via);
    jsonw_object_end(w);
}

/* One post as JSON, with Statuspage v2's field names where it has one
 * (name, status, impact, *_at, scheduled_for/until, postmortem_body,
 * components, incident_updates) and outpost's own beside them. */
static void json_incident(struct jsonw *w, const struct snapshot *snap,
                          const struct incident *inc)
{
    static const char *const time_names[] = {
        "created_at",      "started_at",
        "updated_at",      "monitoring_at",
        "resolved_at",     "scheduled_for",
        "scheduled_until", "postmortem_published_at"};
    const int64_t times[] = {inc->created_at,    inc->started_at,
                             inc->updated_at,    inc->monitoring_at,
                             inc->resolved_at,   inc->scheduled_start,
                             inc->scheduled_end, inc->postmortem_at};
    jsonw_object_begin(w);
    member_int(w, "id", inc->id);
    member_str(w, "name", inc->title);
    member_str(w, "title", inc->title);
    member_str(w, "kind", model_kind_name(inc->kind));
    member_str(w, "status", model_status_name(inc->status));
    member_str(w, "impact", model_impact_name(inc->impact));
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        member_time(w, time_names[i], times[i]);
    member_str(w, "postmortem_body", inc->postmortem);
    if (inc->kind == KIND_MAINTENANCE) {
        /* Statuspage's names for "starts/completes on schedule". */
        jsonw_key(w, "scheduled_auto_in_progress");
        jsonw_bool(w, inc->auto_start);
        jsonw_key(w, "scheduled_auto_completed");
        jsonw_bool(w, inc->auto_complete);
    }
    jsonw_key(w, "components");
    jsonw_array_begin(w);
    for (size_t i = 0; i < inc->n_services; i++) {
        const struct incident_service *is = &inc->services[i];
        if (is->service < snap->n_services)
            json_component(w, &snap->services[is->service], is);
    }
    jsonw_array_end(w);
    jsonw_key(w, "incident_updates");
    jsonw_array_begin(w);
    for (size_t i = 0; i < inc->n_updates; i++)
        json_update(w, inc, &inc->updates[i]);
    jsonw_array_end(w);
    jsonw_object_end(w);
}

/* ---- terminal text ---------------------------------------------------- */

/* Appends text for a terminal. Titles and bodies may come from any API
 * token, so nothing in them may drive the operator's terminal: C0 and C1
 * controls (ESC, CSI) and invalid UTF-8 become '?'. In multi-line text,
 * newlines and tabs stay and each line is indented by `indent` spaces;
 * in a one-line field they become spaces. */
static void text_put(struct buf *b, const char *s, bool multiline, int indent)
{
    size_t n = strlen(s);
    bool line_start = true;
    while (n > 0) {
        uint32_t cp;
        size_t len = utf8_decode(s, n, &cp);
        bool invalid = len == 0;
        if (invalid) {
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
            else if (invalid || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
                buf_putc(b, '?');
            else
                buf_append(b, s, len);
        }
        s += len;
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
    if (inc->auto_start || inc->auto_complete)
        buf_printf(b, "%-12s%s\n", "on window:",
                   inc->auto_start && inc->auto_complete
                       ? "starts and completes itself"
                   : inc->auto_start ? "starts itself"
                                     : "completes itself");
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
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_array_begin(&w);
    for (size_t i = 0; i < snap->n_services; i++)
        json_service(&w, &snap->services[i]);
    jsonw_array_end(&w);
    buf_putc(out, '\n');
}

void cli_show_incident(struct buf *out, const struct snapshot *snap,
                       const struct incident *inc, bool json)
{
    if (!json) {
        text_incident(out, snap, inc);
        return;
    }
    struct jsonw w;
    jsonw_init(&w, out);
    json_incident(&w, snap, inc);
    buf_putc(out, '\n');
}

void cli_show_incidents(struct buf *out, const struct snapshot *snap,
                        bool open_only, bool json)
{
    struct jsonw w;
    size_t shown = 0;
    jsonw_init(&w, out);
    if (json)
        jsonw_array_begin(&w);
    /* Newest first by each post's own time, as the history shows them. */
    for (size_t i = 0; i < snap->n_incidents; i++) {
        const struct incident *inc =
            &snap->incidents[snap->by_time != NULL ? snap->by_time[i] : i];
        if (open_only && !snapshot_is_current(snap, inc))
            continue;
        if (json)
            json_incident(&w, snap, inc);
        else
            text_incident_row(out, inc, shown == 0);
        shown++;
    }
    if (json) {
        jsonw_array_end(&w);
        buf_putc(out, '\n');
    } else if (shown == 0) {
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
        /* One token a line, as the command line has always printed them;
         * a token's name ([a-z0-9._-]) needs no escape. */
        buf_puts(out, i == 0 ? "[\n  {\"name\": " : ",\n  {\"name\": ");
        jsonw_put_str(out, list[i].name);
        buf_puts(out, ", \"created_at\": ");
        put_time(out, list[i].created_at);
        buf_puts(out, ", \"revoked_at\": ");
        put_time(out, list[i].revoked_at);
        buf_puts(out, ", \"last_used_at\": ");
        put_time(out, list[i].last_used_at);
        buf_puts(out, "}");
    }
    if (json)
        buf_puts(out, n == 0 ? "[]\n" : "\n]\n");
}
