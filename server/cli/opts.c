/* opts: the command line's option parser (cli.h) and the parsers of the
 * values it hands the commands (cli_int.h). Every refusal names the
 * command and the value, so the operator sees at once what to retype.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/common/timeutil.h"
#include "cli_int.h"

/* ---- options ---------------------------------------------------------- */

struct optspec {
    const char *name;
    unsigned bit;
    size_t field; /* offset of the const char * in struct cli_opts, or -1 */
};

/* A flag, or --service (which accumulates): no single field to set. */
#define OPT_NO_FIELD ((size_t)-1)

static const struct optspec optspecs[] = {
    {"title", CLI_OPT_TITLE, offsetof(struct cli_opts, title)},
    {"name", CLI_OPT_NAME, offsetof(struct cli_opts, name)},
    {"group", CLI_OPT_GROUP, offsetof(struct cli_opts, group)},
    {"description", CLI_OPT_DESCRIPTION,
     offsetof(struct cli_opts, description)},
    {"position", CLI_OPT_POSITION, offsetof(struct cli_opts, position)},
    {"service", CLI_OPT_SERVICE, OPT_NO_FIELD},
    {"impact", CLI_OPT_IMPACT, offsetof(struct cli_opts, impact)},
    {"status", CLI_OPT_STATUS, offsetof(struct cli_opts, status)},
    {"body", CLI_OPT_BODY, offsetof(struct cli_opts, body)},
    {"author", CLI_OPT_AUTHOR, offsetof(struct cli_opts, author)},
    {"start", CLI_OPT_START, offsetof(struct cli_opts, start)},
    {"end", CLI_OPT_END, offsetof(struct cli_opts, end)},
    {"json", CLI_OPT_JSON, OPT_NO_FIELD},
    {"open", CLI_OPT_OPEN, OPT_NO_FIELD},
    {"demo", CLI_OPT_DEMO, OPT_NO_FIELD},
    {"auto-start", CLI_OPT_AUTO_START, OPT_NO_FIELD},
    {"auto-complete", CLI_OPT_AUTO_COMPLETE, OPT_NO_FIELD},
    {"at", CLI_OPT_AT, offsetof(struct cli_opts, at)},
    {"merge", CLI_OPT_MERGE, OPT_NO_FIELD},
};

void cli_opts_free(struct cli_opts *o)
{
    free(o->services);
    free(o->args);
}

/* The option called name[0..len), or NULL. */
static const struct optspec *find_spec(const char *name, size_t len)
{
    for (size_t k = 0; k < sizeof optspecs / sizeof optspecs[0]; k++) {
        if (strlen(optspecs[k].name) == len &&
            memcmp(optspecs[k].name, name, len) == 0)
            return &optspecs[k];
    }
    return NULL;
}

/* Records one given option (value is NULL for a flag). */
static void set_option(struct cli_opts *o, const struct optspec *spec,
                       const char *value)
{
    o->seen |= spec->bit;
    if (spec->bit == CLI_OPT_SERVICE)
        o->services[o->n_services++] = value;
    else if (spec->bit == CLI_OPT_JSON)
        o->json = true;
    else if (spec->bit == CLI_OPT_OPEN)
        o->open = true;
    else if (spec->bit == CLI_OPT_DEMO)
        o->demo = true;
    else if (spec->bit == CLI_OPT_AUTO_START)
        o->auto_start = true;
    else if (spec->bit == CLI_OPT_AUTO_COMPLETE)
        o->auto_complete = true;
    else if (spec->bit == CLI_OPT_MERGE)
        o->merge = true;
    else
        *(const char **)((char *)o + spec->field) = value;
}

/* Parses the option word argv[*i] (it starts with "--"), taking its value
 * from the word itself ("--opt=VALUE") or the next one, which moves *i
 * past it. Returns 0, or prints why and returns 1. */
static int parse_option(struct cli_opts *o, const char *cmd, int argc,
                        char **argv, int *i, unsigned allowed)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct optspec *spec = find_spec(name, name_len);
    if (spec == NULL || !(spec->bit & allowed))
        return cli_fail("%s: unknown option '--%.*s'", cmd, (int)name_len,
                        name);
    bool takes_value =
        spec->field != OPT_NO_FIELD || spec->bit == CLI_OPT_SERVICE;
    const char *value = NULL;
    if (takes_value) {
        if (eq != NULL)
            value = eq + 1;
        else if (*i + 1 < argc)
            value = argv[++*i];
        else
            return cli_fail("%s: option --%s needs a value", cmd, spec->name);
    } else if (eq != NULL) {
        return cli_fail("%s: option --%s takes no value", cmd, spec->name);
    }
    set_option(o, spec, value);
    return 0;
}

/* The contract is in cli.h. */
int cli_opts_parse(struct cli_opts *o, const char *cmd, int argc, char **argv,
                   unsigned allowed)
{
    memset(o, 0, sizeof *o);
    /* Room for every word, so nothing below can run out. */
    o->services = calloc((size_t)argc + 1, sizeof *o->services);
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    if (o->services == NULL || o->args == NULL)
        return cli_fail("out of memory");
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (options_done || a[0] != '-' || strcmp(a, "-") == 0)
            o->args[o->n_args++] = a;
        else if (strcmp(a, "--") == 0)
            options_done = true;
        else if (a[1] != '-')
            return cli_fail("%s: unknown option '%s'", cmd, a);
        else if (parse_option(o, cmd, argc, argv, &i, allowed) != 0)
            return 1;
    }
    return 0;
}

/* ---- values ----------------------------------------------------------- */

int cli_parse_id(const char *cmd, const char *s, int64_t *out)
{
    int64_t v = 0;
    if (s[0] == '\0')
        return cli_fail("%s: invalid id '' (want a number)", cmd);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return cli_fail("%s: invalid id '%s' (want a number)", cmd, s);
        v = v * 10 + (*p - '0');
    }
    if (v == 0)
        return cli_fail("%s: invalid id '%s' (want a number)", cmd, s);
    *out = v;
    return 0;
}

/* Lists the names of the statuses kind may take (kind < 0: all but
 * "posted"), for an error message. */
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

int cli_parse_status(const char *cmd, const char *s, int kind,
                     enum incident_status *out)
{
    char names[256];
    if (model_parse_status(s, out) == 0 &&
        (kind < 0 || model_status_valid((enum incident_kind)kind, *out)))
        return 0;
    status_names(names, sizeof names, kind);
    return cli_fail("%s: invalid status '%s' (one of: %s)", cmd, s, names);
}

int cli_parse_impact(const char *cmd, const char *s, enum impact *out)
{
    /* IMPACT_MAINTENANCE is a maintenance's own, never given by hand. */
    if (model_parse_impact(s, out) == 0 && *out <= IMPACT_CRITICAL)
        return 0;
    return cli_fail("%s: invalid impact '%s' (one of: none, minor, major, "
                    "critical)",
                    cmd, s);
}

int cli_parse_time(const char *cmd, const char *opt, const char *s,
                   int64_t *out)
{
    if (time_parse_iso8601(s, out) == 0)
        return 0;
    return cli_fail("%s: invalid time for --%s '%s' (want ISO 8601 with a "
                    "zone, e.g. 2026-11-23T22:00Z)",
                    cmd, opt, s);
}

int cli_parse_position(const char *cmd, const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    /* strtol alone would take blanks and a sign in front. */
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < 1 ||
        v > 1000000)
        return cli_fail("%s: invalid --position '%s' (want a number from 1)",
                        cmd, s);
    *out = (int)v;
    return 0;
}

/* Reads all of standard input for --body -, into a malloc'd string. */
static int read_stdin_body(const char *cmd, char **out)
{
    char *data = malloc(STORE_BODY_MAX + 2);
    if (data == NULL)
        return cli_fail("out of memory");
    size_t len = 0;
    /* One byte more than the limit tells a body that is too long. */
    while (len <= STORE_BODY_MAX) {
        size_t got = fread(data + len, 1, STORE_BODY_MAX + 1 - len, stdin);
        if (got == 0)
            break;
        len += got;
    }
    int rc = 0;
    if (ferror(stdin))
        rc = cli_fail("%s: cannot read the body from standard input: %s", cmd,
                      strerror(errno));
    else if (len > STORE_BODY_MAX)
        rc = cli_fail("%s: the body on standard input is longer than %d "
                      "bytes",
                      cmd, STORE_BODY_MAX);
    else if (memchr(data, '\0', len) != NULL)
        rc =
            cli_fail("%s: the body on standard input contains a NUL byte", cmd);
    if (rc != 0) {
        free(data);
        return rc;
    }
    while (len > 0 && strchr(" \t\r\n", data[len - 1]) != NULL)
        len--;
    /* Nothing on standard input is almost always a mistake (a pipe whose
     * writer failed, a here-document left empty): say so rather than post
     * an update without a word. --body '' still says "no text" on
     * purpose. */
    size_t lead = 0;
    while (lead < len && strchr(" \t\r\n", data[lead]) != NULL)
        lead++;
    if (lead == len) {
        free(data);
        return cli_fail("%s: the body on standard input is empty", cmd);
    }
    data[len] = '\0';
    *out = data;
    return 0;
}

int cli_read_body(const char *cmd, const char *arg, const char **body,
                  char **mem)
{
    *mem = NULL;
    if (arg == NULL || strcmp(arg, "-") != 0) {
        *body = arg;
        return 0;
    }
    if (read_stdin_body(cmd, mem) != 0)
        return 1;
    *body = *mem;
    return 0;
}
