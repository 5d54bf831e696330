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

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum command_op {
    COMMAND_POST_OPEN,   /* post: incident, maintenance or notice */
    COMMAND_POST_UPDATE, /* id + update */
    COMMAND_POSTMORTEM,  /* id + text */
    COMMAND_SERVICE_ADD, /* service */
    COMMAND_SERVICE_SET, /* slug + status / auto_status */
    COMMAND_UPDATE_EDIT, /* id (of the update) + text */
};

#define COMMAND_MAX_STRINGS 64

struct store_command {
    enum command_op op;
    /* The presented bearer token's hash (store_token_hash()), checked
     * by run. The token itself stays with the request: the worker thread
     * never needs the secret. */
    unsigned char token_hash[STORE_TOKEN_HASH];
    /* The server's snapshot did not have the token (it may be newer than
     * the snapshot): run reads the store first, without taking the write
     * lock, so that a wrong token costs no lock. */
    bool token_unseen;
    int64_t id;
    struct post_input post;
    struct update_input update;
    struct service_input service;
    const char *text; /* postmortem body; service slug for SET */
    enum service_status status;
    bool auto_status;
    /* Strings and arrays the inputs point at, owned by the command. */
    void *owned[COMMAND_MAX_STRINGS];
    int n_owned;
};

struct store_result {
    int rc;              /* 0, or the negative UV_E* code of the store */
    int64_t id;          /* the created or changed post's id, if any */
    int64_t update_id;   /* the update added or corrected, if any */
    char message[256];   /* store_errmsg() when rc < 0; one line */
    char token_name[65]; /* the authenticated token's name */
};

/* A zeroed command for op, carrying the hash of the presented bearer
 * token (NULL is hashed as "", which no token is, and so refused). NULL
 * when out of memory. */
struct store_command *store_command_new(enum command_op op, const char *token);
/* Copies n bytes of s (or a NUL-terminated s when n is (size_t)-1) into
 * memory owned by cmd; NULL when out of memory or when the command owns
 * COMMAND_MAX_STRINGS things already. */
char *store_command_strdup(struct store_command *cmd, const char *s, size_t n);
/* Zeroed memory owned by cmd (arrays of slugs or windows). */
void *store_command_alloc(struct store_command *cmd, size_t size);

/* Runs cmd against st in ONE transaction (after a read of the tokens
 * alone when cmd->token_unseen, which refuses an unknown token before the
 * write lock is taken): first the bearer token's hash is checked against
 * the stored ones (an unknown or revoked token gives
 * rc = UV_EACCES and writes nothing), then the write runs with the
 * token's name as its `via`, and the token's last use is recorded. Called
 * on a worker thread; st is used by this thread only. */
void store_command_run(struct store *st, const struct store_command *cmd,
                       struct store_result *res);

/* Frees a command and everything it owns. NULL is a no-op. */
void store_command_free(struct store_command *cmd);

#endif
