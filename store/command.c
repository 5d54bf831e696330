#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "store_int.h"

struct store_command *store_command_new(enum command_op op, const char *token)
{
    struct store_command *cmd = calloc(1, sizeof(*cmd));
    if (cmd == NULL)
        return NULL;
    cmd->op = op;
    store_token_hash(token, cmd->token_hash);
    return cmd;
}

static void *own(struct store_command *cmd, void *p)
{
    if (p == NULL || cmd->n_owned == COMMAND_MAX_STRINGS) {
        free(p);
        return NULL;
    }
    cmd->owned[cmd->n_owned++] = p;
    return p;
}

char *store_command_strdup(struct store_command *cmd, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    return own(cmd, n == (size_t)-1 ? strdup(s) : strndup(s, n));
}

void *store_command_alloc(struct store_command *cmd, size_t size)
{
    return own(cmd, calloc(1, size ? size : 1));
}

static int run(struct store *st, const struct store_command *cmd,
               const char *via, struct store_result *res)
{
    switch (cmd->op) {
    case COMMAND_POST_OPEN: {
        struct post_input in = cmd->post;
        in.via = via;
        return store_post_open(st, &in, &res->id);
    }
    case COMMAND_POST_UPDATE: {
        struct update_input in = cmd->update;
        in.via = via;
        res->id = cmd->id;
        int rc = store_post_update(st, cmd->id, &in);
        /* A bot corrects an update by its id (PUT /api/v1/updates/ID):
         * the reply names the one just added. */
        return rc == 0 ? store_newest_update(st, cmd->id, &res->update_id) : rc;
    }
    case COMMAND_POSTMORTEM:
        res->id = cmd->id;
        return store_postmortem(st, cmd->id, cmd->text, via, 0);
    case COMMAND_SERVICE_ADD:
        return store_service_add(st, &cmd->service);
    case COMMAND_SERVICE_SET:
        return store_service_set(st, cmd->text, cmd->status, cmd->auto_status);
    case COMMAND_UPDATE_EDIT: {
        /* The reply names the post the update belongs to. */
        res->update_id = cmd->id;
        int rc = store_update_edit(st, cmd->id, cmd->text, via, 0);
        return rc == 0 ? store_update_post(st, cmd->id, &res->id) : rc;
    }
    }
    return store_fail(st, UV_EINVAL, "unknown command");
}

void store_command_run(struct store *st, const struct store_command *cmd,
                       struct store_result *res)
{
    memset(res, 0, sizeof(*res));
    /* Token and write in one transaction: a token revoked a moment ago
     * cannot slip a write in between the check and the change. */
    int rc = 0;
    if (cmd->token_unseen)
        rc = store_token_check_hash(st, cmd->token_hash, res->token_name);
    if (rc == 0)
        rc = store_begin(st, true);
    if (rc == 0)
        rc = store_token_use(st, cmd->token_hash, res->token_name, 0);
    if (rc == 0)
        rc = run(st, cmd, res->token_name, res);
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0) {
        store_rollback(st);
        res->rc = rc;
        snprintf(res->message, sizeof(res->message), "%s", store_errmsg(st));
    }
}

void store_command_free(struct store_command *cmd)
{
    if (cmd == NULL)
        return;
    for (int i = 0; i < cmd->n_owned; i++)
        free(cmd->owned[i]);
    free(cmd);
}
