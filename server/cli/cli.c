/* cli: the operator's command line, talking straight to the SQLite file.
 * This file is its entry: the command table (each command's words, usage,
 * help and options), the dispatch of argv to a command, the help text,
 * and the one-line error messages every part prints.
 *
 * Exit status: 0 success; 1 bad usage or input refused by the store
 * (UV_EINVAL, UV_ENOENT, UV_EEXIST); 2 the store could not be opened or
 * written (anything else). Errors are one line "outpost: <reason>".
 */
#include "cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "cli_int.h"

/* ---- errors ----------------------------------------------------------- */

int cli_fail(const char *fmt, ...)
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

int cli_fail_store(struct store *st, int rc)
{
    const char *msg = st != NULL ? store_errmsg(st) : NULL;
    if (msg == NULL || msg[0] == '\0')
        msg = uv_strerror(rc);
    cli_fail("%s", msg);
    return (rc == UV_EINVAL || rc == UV_ENOENT || rc == UV_EEXIST) ? 1 : 2;
}

/* ---- the command table ------------------------------------------------ */

/* Runs a command: see cli_int.h. */
typedef int (*command_fn)(const char *db_path, const char *name,
                          struct cli_opts *o);

struct command {
    const char *group; /* "incident", ...; NULL for a one-word command */
    const char *name;
    const char *usage; /* arguments, after "outpost GROUP NAME " */
    const char *help;  /* one paragraph, for --help */
    unsigned allowed;  /* CLI_OPT_* bits */
    size_t min_args, max_args;
    command_fn run;
};

static const struct command commands[] = {
    {NULL, "init", "[--demo]",
     "Creates the database, or brings an existing one up to this version's "
     "schema. With --demo, also fills an empty database with the demo ISP.",
     CLI_OPT_DEMO, 0, 0, cli_cmd_init},
    {"service", "add",
     "SLUG --name NAME [--group G] [--description D] [--position N]",
     "Adds a service (a component of the status page). SLUG is its short "
     "name: lower-case letters, digits, '-' and '_'.",
     CLI_OPT_NAME | CLI_OPT_GROUP | CLI_OPT_DESCRIPTION | CLI_OPT_POSITION, 1,
     1, cli_cmd_service_add},
    {"service", "set", "SLUG STATUS|auto",
     "Sets a service's status by hand (operational, degraded_performance, "
     "partial_outage, major_outage, under_maintenance); 'auto' lets open "
     "incidents and maintenance decide it again.",
     0, 2, 2, cli_cmd_service_set},
    {"service", "list", "[--json]",
     "Lists the services with the status shown on the page and why.",
     CLI_OPT_JSON, 0, 0, cli_cmd_service_list},
    {"incident", "open",
     "--title T [--service SLUG]... [--impact I] [--status S] "
     "[--body TEXT|-] [--author A] [--at ISO8601]",
     "Opens an incident and prints its id. Defaults: --status "
     "investigating, --impact minor. '--body -' reads standard input. "
     "--at back-dates it (a report after the fact): any past time, or at "
     "most 5 minutes ahead of the clock, which counts as now.",
     CLI_OPT_TITLE | CLI_OPT_SERVICE | CLI_OPT_IMPACT | CLI_OPT_STATUS |
         CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AT,
     0, 0, cli_cmd_incident_open},
    {"incident", "update",
     "ID [--status S] [--impact I] [--body TEXT|-] [--author A] "
     "[--at ISO8601]",
     "Adds an update to a post; it must change the status, the impact or "
     "say something. --at back-dates it, to no earlier than the post's "
     "latest update: updates are added in time order.",
     CLI_OPT_STATUS | CLI_OPT_IMPACT | CLI_OPT_BODY | CLI_OPT_AUTHOR |
         CLI_OPT_AT,
     1, 1, cli_cmd_incident_update},
    {"incident", "resolve", "ID [--body TEXT|-] [--author A] [--at ISO8601]",
     "Marks an incident resolved (--at: when it was).",
     CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AT, 1, 1,
     cli_cmd_incident_resolve},
    {"incident", "show", "ID [--json]",
     "Shows one incident, maintenance or notice with its whole timeline.",
     CLI_OPT_JSON, 1, 1, cli_cmd_incident_show},
    {"incident", "list", "[--open] [--json]",
     "Lists every post, newest first; --open keeps what the front page "
     "shows (open incidents, maintenance, current notices).",
     CLI_OPT_OPEN | CLI_OPT_JSON, 0, 0, cli_cmd_incident_list},
    {"maintenance", "schedule",
     "--title T --start ISO8601 --end ISO8601 [--service SLUG[@START/END]]... "
     "[--body TEXT|-] [--author A] [--auto-start] [--auto-complete] "
     "[--at ISO8601]",
     "Schedules a maintenance window and prints its id. Times need a zone: "
     "2026-11-23T22:00Z or 2026-11-23T17:00-05:00. With --auto-start the "
     "server starts it when the window begins, with --auto-complete it "
     "completes it when the window ends (each with an update saying so). "
     "--at: when it was announced, if not now.",
     CLI_OPT_TITLE | CLI_OPT_START | CLI_OPT_END | CLI_OPT_SERVICE |
         CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AUTO_START |
         CLI_OPT_AUTO_COMPLETE | CLI_OPT_AT,
     0, 0, cli_cmd_maintenance_schedule},
    {"maintenance", "start", "ID [--body TEXT|-] [--author A] [--at ISO8601]",
     "Marks a maintenance in progress (--at: when it started).",
     CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AT, 1, 1,
     cli_cmd_maintenance_start},
    {"maintenance", "complete",
     "ID [--body TEXT|-] [--author A] [--at ISO8601]",
     "Marks a maintenance completed (--at: when it was).",
     CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AT, 1, 1,
     cli_cmd_maintenance_complete},
    {"notice", "post", "--title T --body TEXT|- [--author A] [--at ISO8601]",
     "Posts a notice (news that is not an outage) and prints its id (--at: "
     "when it was posted, if not now).",
     CLI_OPT_TITLE | CLI_OPT_BODY | CLI_OPT_AUTHOR | CLI_OPT_AT, 0, 0,
     cli_cmd_notice_post},
    {NULL, "postmortem", "ID --body TEXT|-",
     "Sets or replaces the postmortem of an incident.", CLI_OPT_BODY, 1, 1,
     cli_cmd_postmortem},
    {"update", "edit", "UPDATE_ID --body TEXT|-",
     "Replaces the text of an update (its id is in 'incident show'). The "
     "old text is kept on record as a revision, and pages mark the update "
     "as edited.",
     CLI_OPT_BODY, 1, 1, cli_cmd_update_edit},
    {"token", "add", "NAME",
     "Makes an API token for the HTTP write API and prints it once: keep "
     "it, it cannot be shown again (only a hash of it is stored). NAME "
     "([a-z0-9][a-z0-9._-]*) is recorded with "
     "every write made with the token.",
     0, 1, 1, cli_cmd_token_add},
    {"token", "list", "[--json]",
     "Lists the API tokens: name, creation time, whether revoked, and when "
     "each last made a write.",
     CLI_OPT_JSON, 0, 0, cli_cmd_token_list},
    {"token", "revoke", "NAME",
     "Revokes an API token; writes made with it are refused from now on.", 0, 1,
     1, cli_cmd_token_revoke},
    {NULL, "export", "[FILE|-]",
     "Writes the whole store as one JSON document (format in README.md) to "
     "FILE, or to standard output. Importing it into an empty database and "
     "exporting again gives the same bytes.",
     0, 0, 1, cli_cmd_export},
    {NULL, "import", "[--merge] FILE|-",
     "Loads a JSON export into an empty (or new) database. Everything is "
     "checked before anything is written; on any error nothing is. With "
     "--merge, adds the document's posts to a database that has posts "
     "already, as new posts with new ids, and prints how many and their "
     "ids; services are matched by slug and the missing ones created; "
     "API tokens are not taken over.",
     CLI_OPT_MERGE, 1, 1, cli_cmd_import},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Prints c's one-line usage: "outpost [--db FILE] GROUP NAME ARGS". */
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

/* Prints c's --help: its usage and its paragraph. */
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
                 "  outpost serve [--http ADDR:PORT|off] [--gopher "
                 "ADDR:PORT|off] [--finger ADDR:PORT|off]\n"
                 "                [--hostname NAME] [--name TEXT] "
                 "[--time-zone ZONE] [--base-url URL]\n"
                 "                [--user NAME] [--config FILE] "
                 "[--set KEY=VALUE]... [--quiet]\n"
                 "  outpost mirror [--watch] [--exec CMD] [--gzip] "
                 "[serve's site flags] DIR\n"
                 "  outpost check [--config FILE] [--set KEY=VALUE]... "
                 "[--http|--gopher|--finger ADDR:PORT|off]\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];
        fprintf(out, "  outpost %s%s%s %s\n", c->group ? c->group : "",
                c->group ? " " : "", c->name, c->usage);
    }
    fprintf(out, "  outpost --version\n"
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

/* The command called `group name`, or `name` alone when group is NULL;
 * NULL if there is none. */
static const struct command *find_command(const char *group, const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];
        bool same_group =
            group == NULL ? c->group == NULL
                          : c->group != NULL && strcmp(c->group, group) == 0;
        if (same_group && strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* Runs c on the words after its name. --help (or -h) anywhere before "--"
 * prints its help instead, so a half-typed command line can always ask;
 * otherwise the options and the number of arguments are checked before
 * the command itself runs. */
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
        rc = cli_fail("%s: missing argument (usage: outpost %s %s)", cmdname,
                      cmdname, c->usage);
    } else if (rc == 0 && o.n_args > c->max_args) {
        rc = cli_fail("%s: unexpected argument '%s'", cmdname,
                      o.args[c->max_args]);
    }
    if (rc == 0)
        rc = c->run(db_path, cmdname, &o);
    cli_opts_free(&o);
    return rc;
}

/* Runs `GROUP SUBCOMMAND ...` (argv[0] is a group), or lists the group's
 * subcommands for `GROUP --help`. */
static int run_group(const char *db_path, int argc, char **argv)
{
    const char *group = argv[0];
    if (argc < 2)
        return cli_fail("%s: missing subcommand (try 'outpost %s --help')",
                        group, group);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        group_usage(stdout, group);
        return 0;
    }
    const struct command *c = find_command(group, argv[1]);
    if (c == NULL)
        return cli_fail("%s: unknown subcommand '%s' (try 'outpost %s --help')",
                        group, argv[1], group);
    return run_command(db_path, c, argc - 2, argv + 2);
}

int cli_run(const char *db_path, int argc, char **argv)
{
    if (argc < 1)
        return cli_fail("missing command (try 'outpost --help')");
    const char *word = argv[0];
    if (strcmp(word, "help") == 0) {
        if (argc >= 2 && is_group(argv[1]))
            group_usage(stdout, argv[1]);
        else
            cli_usage(stdout);
        return 0;
    }
    if (is_group(word))
        return run_group(db_path, argc, argv);
    const struct command *c = find_command(NULL, word);
    if (c == NULL)
        return cli_fail("unknown command '%s' (try 'outpost --help')", word);
    return run_command(db_path, c, argc - 1, argv + 1);
}
