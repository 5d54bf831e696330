/* cli: the operator's command line, talking straight to the SQLite file.
 *
 * Every command parses and checks its whole argument list before it opens
 * the store, so bad usage never touches the database, and each write is
 * one store call (one transaction), so a refused write leaves nothing
 * behind. Reads load a snapshot, exactly what the server would render.
 *
 * Exit status: 0 success; 1 bad usage or input refused by the store
 * (UV_EINVAL, UV_ENOENT, UV_EEXIST); 2 the store could not be opened or
 * written (anything else). Errors are one line "outpost: <reason>".
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "../../store/common/buf.h"
#include "../../store/common/timeutil.h"
#include "../../store/model.h"
#include "../../store/snapshot.h"
#include "../../store/store.h"
#include "demo.h"

/* ---- errors ----------------------------------------------------------- */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "outpost: <reason>" as exactly one line and returns exit status 1.
 * A reason never carries a newline of its own: it is built from option
 * values, which could. */
static int fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    fprintf(stderr, "outpost: %s\n", msg);
    return 1;
}

/* Reports a store failure: refused input is the operator's to fix (1),
 * anything else means the store itself is in trouble (2). */
static int fail_store(struct store *st, int rc)
{
    const char *msg = st != NULL ? store_errmsg(st) : NULL;
    if (msg == NULL || msg[0] == '\0')
        msg = uv_strerror(rc);
    fail("%s", msg);
    return (rc == UV_EINVAL || rc == UV_ENOENT || rc == UV_EEXIST) ? 1 : 2;
}

/* ---- UTF-8 ------------------------------------------------------------ */

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

/* Appends s padded with spaces to width columns (one column per code
 * point, which is right for the names an ISP gives its services). */
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

static size_t text_width(const char *s)
{
    size_t cols = 0;
    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            cols++;
    }
    return cols;
}

/* Writes a finished buffer to stdout; a full disk or a closed pipe is
 * reported instead of silently losing the output. */
static int flush_out(struct buf *out)
{
    int rc = 0;
    if (buf_failed(out)) {
        rc = fail("out of memory");
    } else if ((out->len > 0 &&
                fwrite(out->data, 1, out->len, stdout) != out->len) ||
               fflush(stdout) != 0) {
        fail("cannot write the output: %s", strerror(errno));
        rc = 2;
    }
    buf_free(out);
    return rc;
}

/* ---- options ---------------------------------------------------------- */

struct optspec {
    const char *name;
    unsigned bit;
    size_t field; /* offset of the const char * in struct cli_opts, or -1 */
};

#define OPT_FLAG ((size_t)-1)

static const struct optspec optspecs[] = {
    {"title", CLI_OPT_TITLE, offsetof(struct cli_opts, title)},
    {"name", CLI_OPT_NAME, offsetof(struct cli_opts, name)},
    {"group", CLI_OPT_GROUP, offsetof(struct cli_opts, group)},
    {"description", CLI_OPT_DESCRIPTION,
     offsetof(struct cli_opts, description)},
    {"position", CLI_OPT_POSITION, offsetof(struct cli_opts, position)},
    {"service", CLI_OPT_SERVICE, OPT_FLAG},
    {"impact", CLI_OPT_IMPACT, offsetof(struct cli_opts, impact)},
    {"status", CLI_OPT_STATUS, offsetof(struct cli_opts, status)},
    {"body", CLI_OPT_BODY, offsetof(struct cli_opts, body)},
    {"author", CLI_OPT_AUTHOR, offsetof(struct cli_opts, author)},
    {"start", CLI_OPT_START, offsetof(struct cli_opts, start)},
    {"end", CLI_OPT_END, offsetof(struct cli_opts, end)},
    {"json", CLI_OPT_JSON, OPT_FLAG},
    {"open", CLI_OPT_OPEN, OPT_FLAG},
    {"demo", CLI_OPT_DEMO, OPT_FLAG},
};

void cli_opts_free(struct cli_opts *o)
{
    free(o->services);
    free(o->args);
}

/* The contract is in cli.h. */
int cli_opts_parse(struct cli_opts *o, const char *cmd, int argc, char **argv,
                   unsigned allowed)
{
    memset(o, 0, sizeof *o);
    o->services = calloc((size_t)argc + 1, sizeof *o->services);
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    if (o->services == NULL || o->args == NULL)
        return fail("out of memory");
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
            o->args[o->n_args++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (a[1] != '-')
            return fail("%s: unknown option '%s'", cmd, a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const struct optspec *spec = NULL;
        for (size_t k = 0; k < sizeof optspecs / sizeof optspecs[0]; k++) {
            if (strlen(optspecs[k].name) == name_len &&
                memcmp(optspecs[k].name, name, name_len) == 0) {
                spec = &optspecs[k];
                break;
            }
        }
        if (spec == NULL || !(spec->bit & allowed))
            return fail("%s: unknown option '--%.*s'", cmd, (int)name_len,
                        name);
        bool takes_value =
            spec->field != OPT_FLAG || spec->bit == CLI_OPT_SERVICE;
        const char *value = NULL;
        if (takes_value) {
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return fail("%s: option --%s needs a value", cmd, spec->name);
        } else if (eq != NULL) {
            return fail("%s: option --%s takes no value", cmd, spec->name);
        }
        o->seen |= spec->bit;
        if (spec->bit == CLI_OPT_SERVICE)
            o->services[o->n_services++] = value;
        else if (spec->bit == CLI_OPT_JSON)
            o->json = true;
        else if (spec->bit == CLI_OPT_OPEN)
            o->open = true;
        else if (spec->bit == CLI_OPT_DEMO)
            o->demo = true;
        else
            *(const char **)((char *)o + spec->field) = value;
    }
    return 0;
}

/* Parses a positive decimal id; nothing else (no sign, no spaces, no
 * trailing junk) so a typo never names another incident. */
static int parse_id(const char *cmd, const char *s, int64_t *out)
{
    int64_t v = 0;
    if (s[0] == '\0')
        return fail("%s: invalid id '' (want a number)", cmd);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return fail("%s: invalid id '%s' (want a number)", cmd, s);
        v = v * 10 + (*p - '0');
    }
    if (v == 0)
        return fail("%s: invalid id '%s' (want a number)", cmd, s);
    *out = v;
    return 0;
}

/* Reads the value of --body: "-" means all of standard input, up to
 * STORE_BODY_MAX bytes. Trailing newlines and blanks are dropped, since a
 * here-document or `echo` always adds one. *mem receives memory the
 * caller frees. Returns 0 or prints the reason and returns 1. */
static int read_body(const char *cmd, const char *arg, const char **body,
                     char **mem)
{
    *mem = NULL;
    if (arg == NULL || strcmp(arg, "-") != 0) {
        *body = arg;
        return 0;
    }
    char *data = malloc(STORE_BODY_MAX + 2);
    if (data == NULL)
        return fail("out of memory");
    size_t len = 0;
    while (len <= STORE_BODY_MAX) {
        size_t got = fread(data + len, 1, STORE_BODY_MAX + 1 - len, stdin);
        if (got == 0)
            break;
        len += got;
    }
    if (ferror(stdin)) {
        free(data);
        return fail("%s: cannot read the body from standard input: %s", cmd,
                    strerror(errno));
    }
    if (len > STORE_BODY_MAX) {
        free(data);
        return fail("%s: the body on standard input is longer than %d bytes",
                    cmd, STORE_BODY_MAX);
    }
    if (memchr(data, '\0', len) != NULL) {
        free(data);
        return fail("%s: the body on standard input contains a NUL byte", cmd);
    }
    while (len > 0 && strchr(" \t\r\n", data[len - 1]) != NULL)
        len--;
    data[len] = '\0';
    *body = data;
    *mem = data;
    return 0;
}

/* Lists the names of the statuses kind k may take, for an error message. */
static void status_names(char *out, size_t outlen, int kind)
{
    size_t used = 0;
    out[0] = '\0';
    for (int s = 0; s < STATUS_COUNT; s++) {
        if (kind >= 0 && !model_status_valid((enum incident_kind)kind,
                                             (enum incident_status)s))
            continue;
        if (kind < 0 && s == STATUS_POSTED)
            continue;
        int w =
            snprintf(out + used, outlen - used, "%s%s", used > 0 ? ", " : "",
                     model_status_name((enum incident_status)s));
        if (w < 0 || (size_t)w >= outlen - used)
            break;
        used += (size_t)w;
    }
}

static int parse_status(const char *cmd, const char *s, int kind,
                        enum incident_status *out)
{
    char names[256];
    if (model_parse_status(s, out) == 0 &&
        (kind < 0 || model_status_valid((enum incident_kind)kind, *out)))
        return 0;
    status_names(names, sizeof names, kind);
    return fail("%s: invalid status '%s' (one of: %s)", cmd, s, names);
}

static int parse_impact(const char *cmd, const char *s, enum impact *out)
{
    if (model_parse_impact(s, out) == 0 && *out <= IMPACT_CRITICAL)
        return 0;
    return fail("%s: invalid impact '%s' (one of: none, minor, major, "
                "critical)",
                cmd, s);
}

static int parse_time(const char *cmd, const char *opt, const char *s,
                      int64_t *out)
{
    if (time_parse_iso8601(s, out) == 0)
        return 0;
    return fail("%s: invalid time for --%s '%s' (want ISO 8601 with a zone, "
                "e.g. 2026-11-23T22:00Z)",
                cmd, opt, s);
}

/* ---- the store -------------------------------------------------------- */

/* Opens the database. Only `init` may create it: every other command on a
 * missing file is far more likely a wrong --db or directory than a wish
 * for a new, empty status page. Returns 0, or prints why and returns 2. */
static int open_store(const char *db_path, bool create, struct store **st)
{
    char err[256] = "";
    int rc = create ? store_open(db_path, st, err, sizeof err)
                    : store_open_existing(db_path, st, err, sizeof err);
    if (rc == UV_ENOENT) {
        fail("cannot open %s: no such file (run 'outpost init' to create it)",
             db_path);
        *st = NULL;
        return 2;
    }
    if (rc != 0) {
        /* The store's reason already names the file. */
        if (err[0] != '\0')
            fail("%s", err);
        else
            fail("cannot open %s: %s", db_path, uv_strerror(rc));
        *st = NULL;
        return 2;
    }
    return 0;
}

/* Loads the current model for the read commands. */
static int load(const char *db_path, struct store **st, struct snapshot **snap)
{
    *snap = NULL;
    int rc = open_store(db_path, false, st);
    if (rc != 0)
        return rc;
    rc = store_load(*st, time_now(), snap);
    if (rc != 0) {
        rc = fail_store(*st, rc);
        *snap = NULL;
    }
    return rc;
}

/* ---- output ----------------------------------------------------------- */

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

static void text_time_line(struct buf *b, const char *label, int64_t t)
{
    char tb[TIME_BUFSZ];
    if (t == 0)
        return;
    time_human(t, tb);
    buf_printf(b, "%-12s%s\n", label, tb);
}

static void text_incident(struct buf *b, const struct snapshot *snap,
                          const struct incident *inc)
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
    buf_puts(b, "\n\nUpdates, newest first:\n");
    for (size_t i = 0; i < inc->n_updates; i++) {
        const struct update *u = &inc->updates[i];
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

/* ---- commands --------------------------------------------------------- */

struct command;
typedef int (*command_fn)(const char *db_path, const struct command *cmd,
                          struct cli_opts *o);

struct command {
    const char *group; /* "incident", ...; NULL for a one-word command */
    const char *name;
    const char *usage; /* arguments, after "outpost GROUP NAME " */
    const char *help;  /* one paragraph, for --help */
    unsigned allowed;  /* OPT_* bits */
    size_t min_args, max_args;
    command_fn run;
};

static int cmd_init(const char *db_path, const struct command *cmd,
                    struct cli_opts *o)
{
    struct store *st;
    int rc = open_store(db_path, true, &st);
    if (rc != 0)
        return rc;
    if (o->demo) {
        bool empty = false;
        rc = store_is_empty(st, &empty);
        if (rc != 0) {
            rc = fail_store(st, rc);
            goto out;
        }
        if (!empty) {
            rc = fail("init --demo: %s already has data; the demo is only "
                      "loaded into an empty database",
                      db_path);
            goto out;
        }
        rc = store_demo(st, time_now());
        if (rc != 0) {
            rc = fail_store(st, rc);
            goto out;
        }
    }
    printf("%s is ready%s\n", db_path, o->demo ? ", with the demo data" : "");
    rc = fflush(stdout) == 0 ? 0 : 2;
out:
    if (st != NULL)
        store_close(st);
    return rc;
}

static int cmd_service_add(const char *db_path, const struct command *cmd,
                           struct cli_opts *o)
{
    if (o->name == NULL)
        return fail("service add: --name is required");
    struct service_input in = {
        .slug = o->args[0],
        .name = o->name,
        .group = o->group,
        .description = o->description,
        .position = 0,
    };
    if (o->position != NULL) {
        char *end;
        errno = 0;
        long v = strtol(o->position, &end, 10);
        if (o->position[0] < '0' || o->position[0] > '9' || *end != '\0' ||
            errno != 0 || v < 1 || v > 1000000)
            return fail("service add: invalid --position '%s' (want a "
                        "number from 1)",
                        o->position);
        in.position = (int)v;
    }
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_service_add(st, &in);
    if (rc != 0)
        rc = fail_store(st, rc);
    if (st != NULL)
        store_close(st);
    return rc;
}

static int cmd_service_set(const char *db_path, const struct command *cmd,
                           struct cli_opts *o)
{
    enum service_status status = SERVICE_OPERATIONAL;
    bool auto_status = strcmp(o->args[1], "auto") == 0;
    if (!auto_status && model_parse_service_status(o->args[1], &status) != 0)
        return fail("service set: invalid status '%s' (one of: "
                    "operational, degraded_performance, partial_outage, "
                    "major_outage, under_maintenance, auto)",
                    o->args[1]);
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_service_set(st, o->args[0], status, auto_status);
    if (rc != 0)
        rc = fail_store(st, rc);
    if (st != NULL)
        store_close(st);
    return rc;
}

static int cmd_service_list(const char *db_path, const struct command *cmd,
                            struct cli_opts *o)
{
    struct store *st;
    struct snapshot *snap;
    struct buf out = BUF_INIT;
    int rc = load(db_path, &st, &snap);
    if (rc != 0)
        goto out;
    if (o->json) {
        buf_putc(&out, '[');
        for (size_t i = 0; i < snap->n_services; i++) {
            if (i > 0)
                buf_putc(&out, ',');
            json_service(&out, &snap->services[i]);
        }
        buf_puts(&out, "]\n");
    } else if (snap->n_services == 0) {
        buf_puts(&out, "no services yet (add one with 'outpost service "
                       "add')\n");
    } else {
        size_t w_slug = 4, w_group = 5, w_status = 6, w_reason = 3;
        for (size_t i = 0; i < snap->n_services; i++) {
            const struct service *sv = &snap->services[i];
            size_t w;
            if ((w = text_width(sv->slug)) > w_slug)
                w_slug = w;
            if (sv->group && (w = text_width(sv->group)) > w_group)
                w_group = w;
            if ((w = strlen(model_service_status_name(sv->status))) > w_status)
                w_status = w;
            if (sv->status_reason &&
                (w = text_width(sv->status_reason)) > w_reason)
                w_reason = w;
        }
        text_pad(&out, "SLUG", w_slug + 2);
        text_pad(&out, "GROUP", w_group + 2);
        text_pad(&out, "STATUS", w_status + 2);
        text_pad(&out, "WHY", w_reason + 2);
        buf_puts(&out, "NAME\n");
        for (size_t i = 0; i < snap->n_services; i++) {
            const struct service *sv = &snap->services[i];
            text_pad(&out, sv->slug, w_slug + 2);
            text_pad(&out, sv->group ? sv->group : "-", w_group + 2);
            text_pad(&out, model_service_status_name(sv->status), w_status + 2);
            text_pad(&out, sv->status_reason ? sv->status_reason : "-",
                     w_reason + 2);
            text_put(&out, sv->name, false, 0);
            buf_putc(&out, '\n');
        }
    }
    rc = flush_out(&out);
out:
    buf_free(&out);
    if (snap != NULL)
        snapshot_unref(snap);
    if (st != NULL)
        store_close(st);
    return rc;
}

/* Opens an incident, schedules a maintenance or posts a notice, and prints
 * the new id alone on its line, for scripts. */
static int post_open(const char *db_path, const char *cmdname,
                     struct post_input *in, const char *body_arg)
{
    char *mem;
    if (read_body(cmdname, body_arg, &in->body, &mem) != 0)
        return 1;
    struct store *st;
    int64_t id = 0;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        goto out;
    rc = store_post_open(st, in, &id);
    if (rc != 0) {
        rc = fail_store(st, rc);
    } else {
        struct buf out = BUF_INIT;
        buf_printf(&out, "%" PRId64 "\n", id);
        rc = flush_out(&out);
    }
    if (st != NULL)
        store_close(st);
out:
    free(mem);
    return rc;
}

static int cmd_incident_open(const char *db_path, const struct command *cmd,
                             struct cli_opts *o)
{
    struct post_input in = {
        .kind = KIND_INCIDENT,
        .title = o->title,
        .status = STATUS_INVESTIGATING,
        .impact = IMPACT_MINOR,
        .services = o->services,
        .n_services = o->n_services,
        .author = o->author,
        .via = "cli",
    };
    if (o->title == NULL)
        return fail("incident open: --title is required");
    if (o->status != NULL &&
        parse_status("incident open", o->status, KIND_INCIDENT, &in.status))
        return 1;
    if (o->impact != NULL &&
        parse_impact("incident open", o->impact, &in.impact) != 0)
        return 1;
    return post_open(db_path, "incident open", &in, o->body);
}

static int cmd_maintenance_schedule(const char *db_path,
                                    const struct command *cmd,
                                    struct cli_opts *o)
{
    const char *c = "maintenance schedule";
    struct post_input in = {
        .kind = KIND_MAINTENANCE,
        .title = o->title,
        .status = STATUS_SCHEDULED,
        .impact = IMPACT_MAINTENANCE,
        .services = o->services,
        .n_services = o->n_services,
        .author = o->author,
        .via = "cli",
    };
    if (o->title == NULL)
        return fail("%s: --title is required", c);
    if (o->start == NULL || o->end == NULL)
        return fail("%s: --start and --end are required", c);
    if (parse_time(c, "start", o->start, &in.scheduled_start) != 0 ||
        parse_time(c, "end", o->end, &in.scheduled_end) != 0)
        return 1;
    if (in.scheduled_end <= in.scheduled_start)
        return fail("%s: the window must end after it starts", c);
    /* "--service SLUG@START/END" gives one service its own window inside
     * the post's, as when three servers are rebooted one after another.
     * '@' cannot occur in a slug, so the forms cannot be confused. */
    const char **slugs = calloc(o->n_services + 1, sizeof(*slugs));
    int64_t(*windows)[2] = calloc(o->n_services + 1, sizeof(*windows));
    char **owned = calloc(o->n_services + 1, sizeof(*owned));
    bool any_window = false;
    int rc = 0;
    if (slugs == NULL || windows == NULL || owned == NULL) {
        rc = fail("%s: out of memory", c);
        goto out;
    }
    for (size_t i = 0; i < o->n_services && rc == 0; i++) {
        const char *at = strchr(o->services[i], '@');
        slugs[i] = o->services[i];
        if (at == NULL)
            continue;
        const char *slash = strchr(at + 1, '/');
        if (slash == NULL) {
            rc = fail("%s: --service %s: expected SLUG@START/END", c,
                      o->services[i]);
            break;
        }
        owned[i] = strndup(o->services[i], (size_t)(at - o->services[i]));
        char *from = strndup(at + 1, (size_t)(slash - at - 1));
        if (owned[i] == NULL || from == NULL) {
            free(from);
            rc = fail("%s: out of memory", c);
            break;
        }
        slugs[i] = owned[i];
        if (parse_time(c, "service window start", from, &windows[i][0]) != 0 ||
            parse_time(c, "service window end", slash + 1, &windows[i][1]) != 0)
            rc = 1;
        free(from);
        any_window = true;
    }
    if (rc == 0) {
        in.services = slugs;
        in.windows = any_window ? (const int64_t(*)[2])windows : NULL;
        rc = post_open(db_path, c, &in, o->body);
    }
out:
    for (size_t i = 0; owned != NULL && i < o->n_services; i++)
        free(owned[i]);
    free(owned);
    free(slugs);
    free(windows);
    return rc;
}

static int cmd_notice_post(const char *db_path, const struct command *cmd,
                           struct cli_opts *o)
{
    struct post_input in = {
        .kind = KIND_NOTICE,
        .title = o->title,
        .status = STATUS_POSTED,
        .impact = IMPACT_NONE,
        .author = o->author,
        .via = "cli",
    };
    if (o->title == NULL)
        return fail("notice post: --title is required");
    if (o->body == NULL)
        return fail("notice post: --body is required");
    return post_open(db_path, "notice post", &in, o->body);
}

/* Appends one update to post `id`; shared by every command that moves a
 * post along (update, resolve, start, complete). */
static int post_update(const char *db_path, const char *cmdname,
                       const char *id_arg, struct update_input *in,
                       const char *body_arg, bool need_change)
{
    int64_t id;
    char *mem;
    if (parse_id(cmdname, id_arg, &id) != 0)
        return 1;
    if (read_body(cmdname, body_arg, &in->body, &mem) != 0)
        return 1;
    int rc;
    if (need_change && !in->set_status && !in->set_impact &&
        (in->body == NULL || in->body[0] == '\0')) {
        rc = fail("%s: nothing to change (give --status, --impact or "
                  "--body)",
                  cmdname);
        goto out;
    }
    struct store *st;
    rc = open_store(db_path, false, &st);
    if (rc != 0)
        goto out;
    rc = store_post_update(st, id, in);
    if (rc != 0)
        rc = fail_store(st, rc);
    if (st != NULL)
        store_close(st);
out:
    free(mem);
    return rc;
}

static int cmd_incident_update(const char *db_path, const struct command *cmd,
                               struct cli_opts *o)
{
    struct update_input in = {.author = o->author, .via = "cli"};
    if (o->status != NULL) {
        if (parse_status("incident update", o->status, -1, &in.status) != 0)
            return 1;
        in.set_status = true;
    }
    if (o->impact != NULL) {
        if (parse_impact("incident update", o->impact, &in.impact) != 0)
            return 1;
        in.set_impact = true;
    }
    return post_update(db_path, "incident update", o->args[0], &in, o->body,
                       true);
}

/* incident resolve, maintenance start, maintenance complete: a status
 * change with an optional body. */
static int cmd_transition(const char *db_path, const struct command *cmd,
                          struct cli_opts *o)
{
    char cmdname[64];
    struct update_input in = {
        .set_status = true, .author = o->author, .via = "cli"};
    if (strcmp(cmd->name, "resolve") == 0)
        in.status = STATUS_RESOLVED;
    else if (strcmp(cmd->name, "start") == 0)
        in.status = STATUS_IN_PROGRESS;
    else
        in.status = STATUS_COMPLETED;
    snprintf(cmdname, sizeof cmdname, "%s %s", cmd->group, cmd->name);
    return post_update(db_path, cmdname, o->args[0], &in, o->body, false);
}

static int cmd_postmortem(const char *db_path, const struct command *cmd,
                          struct cli_opts *o)
{
    int64_t id;
    const char *body;
    char *mem;
    if (parse_id("postmortem", o->args[0], &id) != 0)
        return 1;
    if (o->body == NULL)
        return fail("postmortem: --body is required");
    if (read_body("postmortem", o->body, &body, &mem) != 0)
        return 1;
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc == 0) {
        rc = store_postmortem(st, id, body, "cli", 0);
        if (rc != 0)
            rc = fail_store(st, rc);
        store_close(st);
    }
    free(mem);
    return rc;
}

static int cmd_update_edit(const char *db_path, const struct command *cmd,
                           struct cli_opts *o)
{
    int64_t id;
    const char *body;
    char *mem;
    if (parse_id("update edit", o->args[0], &id) != 0)
        return 1;
    if (o->body == NULL)
        return fail("update edit: --body is required");
    if (read_body("update edit", o->body, &body, &mem) != 0)
        return 1;
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc == 0) {
        rc = store_update_edit(st, id, body, "cli", 0);
        if (rc != 0)
            rc = fail_store(st, rc);
        store_close(st);
    }
    free(mem);
    return rc;
}

/* Writes data to path through a temporary file and rename(), so a reader
 * (or a crash) never sees half an export. */
static int write_file_atomically(const char *path, const char *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return fail("export: file name too long");
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return fail("export: cannot write %s: %s", tmp, strerror(errno)), 2;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fail("export: cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return 2;
    }
    return 0;
}

static int cmd_export(const char *db_path, const struct command *cmd,
                      struct cli_opts *o)
{
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    struct buf out = BUF_INIT;
    rc = store_export(st, &out);
    if (rc != 0)
        rc = fail_store(st, rc);
    store_close(st);
    if (rc == 0) {
        if (o->n_args > 0 && strcmp(o->args[0], "-") != 0)
            rc = write_file_atomically(o->args[0], out.data, out.len);
        else
            rc = flush_out(&out);
    }
    buf_free(&out);
    return rc;
}

/* Reads all of f, at most max bytes, into one malloc'd buffer that the
 * caller frees, so that `import` holds the document in memory once, at
 * its own size: a regular file's size is known up front (fstat), so its
 * buffer is exact from the start; a pipe's grows by doubling and is
 * shrunk to fit at the end, before the parse needs any memory. Returns
 * UV_E2BIG when f holds more than max bytes, UV_EIO on a read error,
 * UV_ENOMEM. */
static int read_all(FILE *f, size_t max, char **out, size_t *len_out)
{
    struct stat sb;
    size_t cap = 65536, len = 0;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode))
        cap = (uintmax_t)sb.st_size < max ? (size_t)sb.st_size + 1 : max + 1;
    char *data = malloc(cap);
    *out = NULL;
    *len_out = 0;
    for (;;) {
        if (data == NULL)
            return UV_ENOMEM;
        if (len == cap) {
            /* Full: one byte past max tells that the input is too big;
             * a regular file's buffer fills only if the file grew. */
            if (cap > max) {
                free(data);
                return UV_E2BIG;
            }
            cap = cap < (max + 1) / 2 ? 2 * cap : max + 1;
            char *bigger = realloc(data, cap);
            if (bigger == NULL)
                free(data);
            data = bigger;
            continue;
        }
        size_t n = fread(data + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    if (ferror(f)) {
        free(data);
        return UV_EIO;
    }
    if (cap > len + 1) {
        char *fit = realloc(data, len + 1);
        if (fit != NULL)
            data = fit;
    }
    *out = data;
    *len_out = len;
    return 0;
}

static int cmd_import(const char *db_path, const struct command *cmd,
                      struct cli_opts *o)
{
    const char *path = o->args[0];
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return fail("import: cannot read %s: %s", path, strerror(errno));
    char *data;
    size_t len;
    int rc = read_all(f, STORE_IMPORT_MAX, &data, &len);
    if (f != stdin)
        fclose(f);
    if (rc == UV_E2BIG)
        return fail("import: %s is larger than %d MiB", path,
                    STORE_IMPORT_MAX / (1024 * 1024));
    if (rc != 0)
        return fail("import: cannot read %s", path);
    struct store *st;
    /* Importing into a new file is the point: create it if missing. */
    rc = open_store(db_path, true, &st);
    if (rc == 0) {
        rc = store_import(st, data, len);
        if (rc != 0)
            rc = fail_store(st, rc);
        store_close(st);
    }
    free(data);
    return rc;
}

static int cmd_token_add(const char *db_path, const struct command *cmd,
                         struct cli_opts *o)
{
    struct store *st;
    char token[STORE_TOKEN_LEN + 1];
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_token_add(st, o->args[0], token, 0);
    if (rc != 0)
        rc = fail_store(st, rc);
    store_close(st);
    if (rc == 0) {
        /* Shown once: only its hash is kept (the help says so). */
        printf("%s\n", token);
        fflush(stdout);
    }
    return rc;
}

static int cmd_token_list(const char *db_path, const struct command *cmd,
                          struct cli_opts *o)
{
    struct store *st;
    struct token_info *list = NULL;
    size_t n = 0;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_token_list(st, &list, &n);
    if (rc != 0)
        rc = fail_store(st, rc);
    store_close(st);
    struct buf out = BUF_INIT;
    char t1[TIME_BUFSZ], t2[TIME_BUFSZ];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (o->json) {
            buf_puts(&out, i == 0 ? "[\n  {\"name\": " : ",\n  {\"name\": ");
            json_str(&out, list[i].name);
            buf_puts(&out, ", \"created_at\": ");
            json_time(&out, list[i].created_at);
            buf_puts(&out, ", \"revoked_at\": ");
            json_time(&out, list[i].revoked_at);
            buf_puts(&out, ", \"last_used_at\": ");
            json_time(&out, list[i].last_used_at);
            buf_puts(&out, "}");
            continue;
        }
        time_human(list[i].created_at, t1);
        if (list[i].revoked_at != 0) {
            time_human(list[i].revoked_at, t2);
            buf_printf(&out, "%-24s created %s  revoked %s", list[i].name, t1,
                       t2);
        } else {
            buf_printf(&out, "%-24s created %s  valid", list[i].name, t1);
        }
        /* The last write made with it: a token nobody uses any more is
         * one to revoke. */
        if (list[i].last_used_at != 0) {
            time_human(list[i].last_used_at, t2);
            buf_printf(&out, "  last used %s\n", t2);
        } else {
            buf_puts(&out, "  never used\n");
        }
    }
    if (rc == 0 && o->json)
        buf_puts(&out, n == 0 ? "[]\n" : "\n]\n");
    if (rc == 0)
        rc = flush_out(&out);
    buf_free(&out);
    free(list);
    return rc;
}

static int cmd_token_revoke(const char *db_path, const struct command *cmd,
                            struct cli_opts *o)
{
    struct store *st;
    int rc = open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    rc = store_token_revoke(st, o->args[0], 0);
    if (rc != 0)
        rc = fail_store(st, rc);
    store_close(st);
    return rc;
}

static int cmd_incident_show(const char *db_path, const struct command *cmd,
                             struct cli_opts *o)
{
    int64_t id;
    if (parse_id("incident show", o->args[0], &id) != 0)
        return 1;
    struct store *st;
    struct snapshot *snap;
    struct buf out = BUF_INIT;
    int rc = load(db_path, &st, &snap);
    if (rc != 0)
        goto out;
    const struct incident *inc = snapshot_incident(snap, id);
    if (inc == NULL) {
        rc = fail("incident show: no incident #%" PRId64, id);
        goto out;
    }
    if (o->json) {
        json_incident(&out, snap, inc);
        buf_putc(&out, '\n');
    } else {
        text_incident(&out, snap, inc);
    }
    rc = flush_out(&out);
out:
    buf_free(&out);
    if (snap != NULL)
        snapshot_unref(snap);
    if (st != NULL)
        store_close(st);
    return rc;
}

static int cmd_incident_list(const char *db_path, const struct command *cmd,
                             struct cli_opts *o)
{
    struct store *st;
    struct snapshot *snap;
    struct buf out = BUF_INIT;
    int rc = load(db_path, &st, &snap);
    if (rc != 0)
        goto out;
    size_t shown = 0;
    if (o->json)
        buf_putc(&out, '[');
    for (size_t i = 0; i < snap->n_incidents; i++) {
        const struct incident *inc = &snap->incidents[i];
        if (o->open && !snapshot_is_current(snap, inc))
            continue;
        if (o->json) {
            if (shown > 0)
                buf_putc(&out, ',');
            json_incident(&out, snap, inc);
        } else {
            char tb[TIME_BUFSZ], id[24];
            if (shown == 0)
                buf_printf(&out, "%-6s %-11s %-13s %-11s %-20s %s\n", "ID",
                           "KIND", "STATUS", "IMPACT", "CREATED", "TITLE");
            time_human(inc->created_at, tb);
            snprintf(id, sizeof id, "%" PRId64, inc->id);
            buf_printf(&out, "%-6s %-11s %-13s %-11s %-20s ", id,
                       model_kind_name(inc->kind),
                       model_status_name(inc->status),
                       model_impact_name(inc->impact), tb);
            text_put(&out, inc->title, false, 0);
            buf_putc(&out, '\n');
        }
        shown++;
    }
    if (o->json)
        buf_puts(&out, "]\n");
    else if (shown == 0)
        buf_puts(&out, o->open ? "no open incidents\n" : "no incidents\n");
    rc = flush_out(&out);
out:
    buf_free(&out);
    if (snap != NULL)
        snapshot_unref(snap);
    if (st != NULL)
        store_close(st);
    return rc;
}

static const struct command commands[] = {
    {NULL, "init", "[--demo]",
     "Creates the database, or brings an existing one up to this version's "
     "schema. With --demo, also fills an empty database with the demo ISP.",
     CLI_OPT_DEMO, 0, 0, cmd_init},
    {"service", "add",
     "SLUG --name NAME [--group G] [--description D] [--position N]",
     "Adds a service (a component of the status page). SLUG is its short "
     "name: lower-case letters, digits, '-' and '_'.",
     CLI_OPT_NAME | CLI_OPT_GROUP | CLI_OPT_DESCRIPTION | CLI_OPT_POSITION, 1,
     1, cmd_service_add},
    {"service", "set", "SLUG STATUS|auto",
     "Sets a service's status by hand (operational, degraded_performance, "
     "partial_outage, major_outage, under_maintenance); 'auto' lets open "
     "incidents and maintenance decide it again.",
     0, 2, 2, cmd_service_set},
    {"service", "list", "[--json]",
     "Lists the services with the status shown on the page and why.",
     CLI_OPT_JSON, 0, 0, cmd_service_list},
    {"incident", "open",
     "--title T [--service SLUG]... [--impact I] [--status S] "
     "[--body TEXT|-] [--author A]",
     "Opens an incident and prints its id. Defaults: --status "
     "investigating, --impact minor. '--body -' reads standard input.",
     CLI_OPT_TITLE | CLI_OPT_SERVICE | CLI_OPT_IMPACT | CLI_OPT_STATUS |
         CLI_OPT_BODY | CLI_OPT_AUTHOR,
     0, 0, cmd_incident_open},
    {"incident", "update",
     "ID [--status S] [--impact I] [--body TEXT|-] [--author A]",
     "Adds an update to a post; it must change the status, the impact or "
     "say something.",
     CLI_OPT_STATUS | CLI_OPT_IMPACT | CLI_OPT_BODY | CLI_OPT_AUTHOR, 1, 1,
     cmd_incident_update},
    {"incident", "resolve", "ID [--body TEXT|-] [--author A]",
     "Marks an incident resolved.", CLI_OPT_BODY | CLI_OPT_AUTHOR, 1, 1,
     cmd_transition},
    {"incident", "show", "ID [--json]",
     "Shows one incident, maintenance or notice with its whole timeline.",
     CLI_OPT_JSON, 1, 1, cmd_incident_show},
    {"incident", "list", "[--open] [--json]",
     "Lists every post, newest first; --open keeps what the front page "
     "shows (open incidents, maintenance, current notices).",
     CLI_OPT_OPEN | CLI_OPT_JSON, 0, 0, cmd_incident_list},
    {"maintenance", "schedule",
     "--title T --start ISO8601 --end ISO8601 [--service SLUG[@START/END]]... "
     "[--body TEXT|-] [--author A]",
     "Schedules a maintenance window and prints its id. Times need a zone: "
     "2026-11-23T22:00Z or 2026-11-23T17:00-05:00.",
     CLI_OPT_TITLE | CLI_OPT_START | CLI_OPT_END | CLI_OPT_SERVICE |
         CLI_OPT_BODY | CLI_OPT_AUTHOR,
     0, 0, cmd_maintenance_schedule},
    {"maintenance", "start", "ID [--body TEXT|-] [--author A]",
     "Marks a maintenance in progress.", CLI_OPT_BODY | CLI_OPT_AUTHOR, 1, 1,
     cmd_transition},
    {"maintenance", "complete", "ID [--body TEXT|-] [--author A]",
     "Marks a maintenance completed.", CLI_OPT_BODY | CLI_OPT_AUTHOR, 1, 1,
     cmd_transition},
    {"notice", "post", "--title T --body TEXT|- [--author A]",
     "Posts a notice (news that is not an outage) and prints its id.",
     CLI_OPT_TITLE | CLI_OPT_BODY | CLI_OPT_AUTHOR, 0, 0, cmd_notice_post},
    {NULL, "postmortem", "ID --body TEXT|-",
     "Sets or replaces the postmortem of an incident.", CLI_OPT_BODY, 1, 1,
     cmd_postmortem},
    {"update", "edit", "UPDATE_ID --body TEXT|-",
     "Replaces the text of an update (its id is in 'incident show'). The "
     "old text is kept on record as a revision, and pages mark the update "
     "as edited.",
     CLI_OPT_BODY, 1, 1, cmd_update_edit},
    {"token", "add", "NAME",
     "Makes an API token for the HTTP write API and prints it once: keep "
     "it, it cannot be shown again (only a hash of it is stored). NAME "
     "([a-z0-9][a-z0-9._-]*) is recorded with "
     "every write made with the token.",
     0, 1, 1, cmd_token_add},
    {"token", "list", "[--json]",
     "Lists the API tokens: name, creation time, whether revoked, and when "
     "each last made a write.",
     CLI_OPT_JSON, 0, 0, cmd_token_list},
    {"token", "revoke", "NAME",
     "Revokes an API token; writes made with it are refused from now on.", 0, 1,
     1, cmd_token_revoke},
    {NULL, "export", "[FILE|-]",
     "Writes the whole store as one JSON document (format in README.md) to "
     "FILE, or to standard output. Importing it into an empty database and "
     "exporting again gives the same bytes.",
     0, 0, 1, cmd_export},
    {NULL, "import", "FILE|-",
     "Loads a JSON export into an empty (or new) database. Everything is "
     "checked before anything is written; on any error nothing is.",
     0, 1, 1, cmd_import},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out, const struct command *c)
{
    fprintf(out, "outpost [--db FILE] %s%s%s %s\n", c->group ? c->group : "",
            c->group ? " " : "", c->name, c->usage);
}

/* Prints text word-wrapped at 72 columns. */
static void print_wrapped(FILE *out, const char *text)
{
    size_t col = 0;
    while (*text != '\0') {
        size_t word = strcspn(text, " ");
        if (col > 0 && col + 1 + word > 72) {
            fputc('\n', out);
            col = 0;
        } else if (col > 0) {
            fputc(' ', out);
            col++;
        }
        fwrite(text, 1, word, out);
        col += word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

static void print_help(const struct command *c)
{
    printf("usage: ");
    print_usage(stdout, c);
    printf("\n");
    print_wrapped(stdout, c->help);
}

void cli_usage(FILE *out)
{
    fprintf(out, "usage: outpost [--db FILE] COMMAND ...\n"
                 "\n"
                 "The database is --db FILE, else $OUTPOST_DB, else "
                 "./outpost.db.\n"
                 "\n"
                 "  outpost serve [--http ADDR:PORT] [--gopher ADDR:PORT] "
                 "[--finger ADDR:PORT]\n"
                 "                [--hostname NAME] [--config FILE]\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];
        fprintf(out, "  outpost %s%s%s %s\n", c->group ? c->group : "",
                c->group ? " " : "", c->name, c->usage);
    }
    fprintf(out, "  outpost token add NAME | token list | token revoke NAME\n"
                 "  outpost export [FILE] | outpost import FILE\n"
                 "\n"
                 "Every command takes --help. Exit status: 0 done, 1 bad "
                 "usage or input,\n"
                 "2 the database cannot be opened or written.\n");
}

/* True if argv holds --help (or -h) before any "--". */
static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

/* Prints the usage of every subcommand of group to out. */
static void group_usage(FILE *out, const char *group)
{
    fprintf(out, "usage:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (commands[i].group && strcmp(commands[i].group, group) == 0) {
            fprintf(out, "  ");
            print_usage(out, &commands[i]);
        }
    }
}

static bool is_group(const char *word)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (commands[i].group && strcmp(commands[i].group, word) == 0)
            return true;
    }
    return false;
}

static int run_command(const char *db_path, const struct command *c, int argc,
                       char **argv)
{
    char cmdname[64];
    struct cli_opts o;
    snprintf(cmdname, sizeof cmdname, "%s%s%s", c->group ? c->group : "",
             c->group ? " " : "", c->name);
    if (wants_help(argc, argv)) {
        print_help(c);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    int rc = cli_opts_parse(&o, cmdname, argc, argv, c->allowed);
    if (rc == 0 && o.n_args < c->min_args) {
        rc = fail("%s: missing argument (usage: outpost %s %s)", cmdname,
                  cmdname, c->usage);
    } else if (rc == 0 && o.n_args > c->max_args) {
        rc = fail("%s: unexpected argument '%s'", cmdname, o.args[c->max_args]);
    }
    if (rc == 0)
        rc = c->run(db_path, c, &o);
    cli_opts_free(&o);
    return rc;
}

int cli_run(const char *db_path, int argc, char **argv)
{
    if (argc < 1)
        return fail("missing command (try 'outpost --help')");
    const char *word = argv[0];
    if (strcmp(word, "help") == 0) {
        if (argc >= 2 && is_group(argv[1])) {
            group_usage(stdout, argv[1]);
            return 0;
        }
        cli_usage(stdout);
        return 0;
    }
    if (is_group(word)) {
        if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
            strcmp(argv[1], "-h") == 0) {
            if (argc >= 2) {
                group_usage(stdout, word);
                return 0;
            }
            return fail("%s: missing subcommand (try 'outpost %s --help')",
                        word, word);
        }
        for (size_t i = 0; i < N_COMMANDS; i++) {
            const struct command *c = &commands[i];
            if (c->group && strcmp(c->group, word) == 0 &&
                strcmp(c->name, argv[1]) == 0)
                return run_command(db_path, c, argc - 2, argv + 2);
        }
        return fail("%s: unknown subcommand '%s' (try 'outpost %s --help')",
                    word, argv[1], word);
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];
        if (c->group == NULL && strcmp(c->name, word) == 0)
            return run_command(db_path, c, argc - 1, argv + 1);
    }
    return fail("unknown command '%s' (try 'outpost --help')", word);
}
