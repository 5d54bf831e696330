/* cli: the operator's command line (every command except `serve`), talking
 * straight to the SQLite file. The command line is a contract: see
 * README.md "Command line".
 */
#ifndef OUTPOST_CLI_H
#define OUTPOST_CLI_H

#include <stdio.h>

/* Runs one command. argv[0] is the command word ("init", "service",
 * "incident", ...), the rest its arguments; db_path is the database file
 * (from --db, $OUTPOST_DB or ./outpost.db). Prints results on stdout and a
 * one-line reason on stderr. Returns the process exit status: 0 success,
 * 1 bad usage or invalid input, 2 the store cannot be opened or written. */
int cli_run(const char *db_path, int argc, char **argv);

/* Prints the top-level usage (all commands) to out. */
void cli_usage(FILE *out);

#endif
