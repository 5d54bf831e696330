/* cli: the operator's command line (every command except `serve`), talking
 * straight to the SQLite file. The command line is a contract: see
 * README.md "Command line".
 */
#ifndef OUTPOST_CLI_H
#define OUTPOST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Runs one command. argv[0] is the command word ("init", "service",
 * "incident", ...), the rest its arguments; db_path is the database file
 * (from --db, $OUTPOST_DB or ./outpost.db). Prints results on stdout and a
 * one-line reason on stderr. Returns the process exit status: 0 success,
 * 1 bad usage or invalid input, 2 the store cannot be opened or written. */
int cli_run(const char *db_path, int argc, char **argv);

/* Prints the top-level usage (all commands) to out. */
void cli_usage(FILE *out);

/* ---- option parsing (shared by every command; exposed for the fuzz
 * tests) ---- */

/* The options a command may take, as bits of `allowed`. */
enum {
    CLI_OPT_TITLE = 1u << 0,
    CLI_OPT_NAME = 1u << 1,
    CLI_OPT_GROUP = 1u << 2,
    CLI_OPT_DESCRIPTION = 1u << 3,
    CLI_OPT_POSITION = 1u << 4,
    CLI_OPT_SERVICE = 1u << 5,
    CLI_OPT_IMPACT = 1u << 6,
    CLI_OPT_STATUS = 1u << 7,
    CLI_OPT_BODY = 1u << 8,
    CLI_OPT_AUTHOR = 1u << 9,
    CLI_OPT_START = 1u << 10,
    CLI_OPT_END = 1u << 11,
    CLI_OPT_JSON = 1u << 12,
    CLI_OPT_OPEN = 1u << 13,
    CLI_OPT_DEMO = 1u << 14,
    CLI_OPT_AT = 1u << 15,
    CLI_OPT_MERGE = 1u << 16,
    CLI_OPT_AUTO_START = 1u << 20,
    CLI_OPT_AUTO_COMPLETE = 1u << 21,
};

/* A parsed argument list. Every string points into argv (a value given
 * as "--opt=VALUE" points just past the '='); NULL for an absent option. */
struct cli_opts {
    const char *title, *name, *group, *description, *position, *impact, *status,
        *body, *author, *start, *end, *at;
    const char **services; /* every --service, in order */
    size_t n_services;
    bool json, open, demo, merge;
    bool auto_start, auto_complete; /* maintenance schedule */
    char **args;                    /* positional arguments */
    size_t n_args;
    unsigned seen; /* the CLI_OPT_* bits of the options given */
};

/* Parses argv[0..argc) (the words after the command) into o, accepting
 * only the options in `allowed` (CLI_OPT_* bits). "--opt VALUE" and
 * "--opt=VALUE" both work; a value is taken as it is even if it starts
 * with '-' (so "--body -" works); "--" ends the options; "-" alone is a
 * positional argument. A repeated option replaces the earlier value,
 * except --service, which accumulates. Returns 0, or prints the reason
 * ("outpost: CMD: ...", one line on stderr) and returns 1. Either way the
 * caller calls cli_opts_free(o) afterwards. */
int cli_opts_parse(struct cli_opts *o, const char *cmd, int argc, char **argv,
                   unsigned allowed);
/* Frees what cli_opts_parse allocated (not the strings, which are argv's). */
void cli_opts_free(struct cli_opts *o);

#endif
