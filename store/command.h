/* command: a write to the store described as plain data, so that a
 * protocol (the HTTP write API) can ask for a write without touching the
 * database: protocols/ builds a command, server/ runs it on libuv's thread
 * pool with store_command_run(), protocols/ renders the result.
 *
 * The operations are the same store_* functions the CLI calls: one code
 * path for validation and transitions, not two.
 */
#ifndef OUTPOST_COMMAND_H
#define OUTPOST_COMMAND_H

#include <stdint.h>

#include "store.h"

struct store_command; /* defined in command.c; built by command_* helpers */

struct store_result {
    int rc;              /* 0, or the negative UV_E* code of the store */
    int64_t id;          /* the created or changed post's id, if any */
    char message[256];   /* store_errmsg() when rc < 0; one line */
    char token_name[64]; /* the authenticated token's name, when checked */
};

/* Runs cmd against st in one transaction, after checking the command's
 * bearer token (if it carries one) against the stored token hashes: an
 * unknown or revoked token gives rc = UV_EACCES and writes nothing.
 * Called on a worker thread; st is used by this thread only. */
void store_command_run(struct store *st, const struct store_command *cmd,
                       struct store_result *res);

/* Frees a command and everything it owns. NULL is a no-op. */
void store_command_free(struct store_command *cmd);

#endif
