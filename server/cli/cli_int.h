/* cli_int: what the command line's own files share; the rest of the
 * program sees only cli.h.
 *
 *   cli.c       the entry (cli_run), the command table, its dispatch and
 *               the help text, and the one-line error messages
 *   opts.c      the option parser (cli.h) and the parsers of the values
 *   commands.c  the commands on services, posts and tokens
 *   export.c    export and import: the whole store as one JSON document
 *   output.c    what the read commands print, as terminal text or --json
 *
 * A function here that can fail has already printed its one-line reason
 * (cli_fail) when it returns; what it returns is the process exit status
 * (cli.h): 0, 1 for bad usage or refused input, 2 for a store or an output
 * in trouble.
 */
#ifndef OUTPOST_CLI_INT_H
#define OUTPOST_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../store/common/buf.h"
#include "../../store/model.h"
#include "../../store/snapshot.h"
#include "../../store/store.h"
#include "cli.h"

/* ---- messages (cli.c) --------------------------------------------------- */

/* Prints "outpost: <reason>" on stderr as exactly one line and returns 1.
 * Control characters in the reason become spaces: a reason is built from
 * option values, which may hold a newline or an escape sequence. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports a failed store call rc with the store's reason (st may be NULL:
 * then libuv's name for rc). Returns 1 for input the store refused
 * (UV_EINVAL, UV_ENOENT, UV_EEXIST: the operator's to fix), else 2. */
int cli_fail_store(struct store *st, int rc);

/* ---- values (opts.c) ---------------------------------------------------- */

/* Each parses one option value for command cmd (named in the message),
 * returning 0 or printing the reason and returning 1. */

/* A positive decimal id: digits only (no sign, no spaces, no trailing
 * junk), so that a typo never names another post. */
int cli_parse_id(const char *cmd, const char *s, int64_t *out);
/* A status name. kind >= 0 (an enum incident_kind) also requires it to be
 * valid for that kind; kind < 0 takes any status but "posted". */
int cli_parse_status(const char *cmd, const char *s, int kind,
                     enum incident_status *out);
/* An impact an incident may have (none, minor, major, critical). */
int cli_parse_impact(const char *cmd, const char *s, enum impact *out);
/* An ISO 8601 time with a zone, given as option --opt. */
int cli_parse_time(const char *cmd, const char *opt, const char *s,
                   int64_t *out);
/* A service's --position: 1 to 1,000,000. */
int cli_parse_position(const char *cmd, const char *s, int *out);
/* The value of --body: arg itself, or for "-" all of standard input (at
 * most STORE_BODY_MAX bytes, no NUL, trailing blanks and newlines dropped
 * since a here-document or `echo` always adds one). *body is the text
 * (NULL when arg is); *mem is memory for the caller to free (NULL if
 * none), set whatever the outcome. */
int cli_read_body(const char *cmd, const char *arg, const char **body,
                  char **mem);

/* ---- output (output.c) -------------------------------------------------- */

/* These append what a read command prints to out, as terminal text (with
 * nothing in the data able to drive the terminal) or as JSON (json). */

/* Every service with the status the page shows and why. */
void cli_show_services(struct buf *out, const struct snapshot *snap, bool json);
/* One post with its affected services and whole timeline. */
void cli_show_incident(struct buf *out, const struct snapshot *snap,
                       const struct incident *inc, bool json);
/* Every post, newest first (open_only: those snapshot_is_current()). */
void cli_show_incidents(struct buf *out, const struct snapshot *snap,
                        bool open_only, bool json);
/* The API tokens of store_token_list(). */
void cli_show_tokens(struct buf *out, const struct token_info *list, size_t n,
                     bool json);
/* Writes out to stdout and frees it. Returns 0; or 1 when an append ran
 * out of memory, 2 when stdout cannot be written (a full disk, a closed
 * pipe), after saying so. */
int cli_flush(struct buf *out);

/* ---- the store (commands.c) --------------------------------------------- */

/* Opens the database at db_path into *st (NULL on failure). Only `init`
 * and `import` create a missing file (create): for any other command a
 * missing file is far more likely a wrong --db than a wish for a new,
 * empty status page. Returns 0, or 2 after saying why. */
int cli_open_store(const char *db_path, bool create, struct store **st);
/* Ends a command's one store call: closes st, and turns a failure rc into
 * its message and exit status (cli_fail_store). Returns the exit status. */
int cli_store_done(struct store *st, int rc);

/* ---- the commands (commands.c, export.c) -------------------------------- */

/* Each runs one command of the table in cli.c once the table has checked
 * the options and the number of arguments: name is the command's words
 * ("incident open", for messages), o its parsed arguments. Returns the exit
 * status. Arguments are checked before the store is opened, so bad usage
 * never touches the database; a write is one store call (one
 * transaction), so a refused write leaves nothing behind; a read loads one
 * snapshot, exactly what the server would render. */

int cli_cmd_init(const char *db_path, const char *name, struct cli_opts *o);
int cli_cmd_service_add(const char *db_path, const char *name,
                        struct cli_opts *o);
int cli_cmd_service_set(const char *db_path, const char *name,
                        struct cli_opts *o);
int cli_cmd_service_list(const char *db_path, const char *name,
                         struct cli_opts *o);
/* The three that open a post print its id alone on a line, for scripts. */
int cli_cmd_incident_open(const char *db_path, const char *name,
                          struct cli_opts *o);
int cli_cmd_maintenance_schedule(const char *db_path, const char *name,
                                 struct cli_opts *o);
int cli_cmd_notice_post(const char *db_path, const char *name,
                        struct cli_opts *o);
/* The four that add an update to a post: any change, or one status. */
int cli_cmd_incident_update(const char *db_path, const char *name,
                            struct cli_opts *o);
int cli_cmd_incident_resolve(const char *db_path, const char *name,
                             struct cli_opts *o);
int cli_cmd_maintenance_start(const char *db_path, const char *name,
                              struct cli_opts *o);
int cli_cmd_maintenance_complete(const char *db_path, const char *name,
                                 struct cli_opts *o);
/* The two that replace a text: a post's postmortem, an update's body. */
int cli_cmd_postmortem(const char *db_path, const char *name,
                       struct cli_opts *o);
int cli_cmd_update_edit(const char *db_path, const char *name,
                        struct cli_opts *o);
int cli_cmd_incident_show(const char *db_path, const char *name,
                          struct cli_opts *o);
int cli_cmd_incident_list(const char *db_path, const char *name,
                          struct cli_opts *o);
/* token add prints the new token once; only its hash is stored. */
int cli_cmd_token_add(const char *db_path, const char *name,
                      struct cli_opts *o);
int cli_cmd_token_list(const char *db_path, const char *name,
                       struct cli_opts *o);
int cli_cmd_token_revoke(const char *db_path, const char *name,
                         struct cli_opts *o);
/* export writes to the file o->args[0] names (atomically), or to stdout
 * for none or "-"; import reads the file or "-" (stdin), and with --merge
 * (o->merge) adds its posts to the store and prints one line saying how
 * many, their new ids and how many services it made. */
int cli_cmd_export(const char *db_path, const char *name, struct cli_opts *o);
int cli_cmd_import(const char *db_path, const char *name, struct cli_opts *o);

#endif
