/* command: placeholder until the write API lands (issue 4): no command can
 * be built yet, so none is ever run. */
#include "command.h"

#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

struct store_command {
    int unused;
};

void store_command_run(struct store *st, const struct store_command *cmd,
                       struct store_result *res)
{
    (void)st;
    (void)cmd;
    res->rc = UV_ENOSYS;
    snprintf(res->message, sizeof(res->message), "not implemented");
}

void store_command_free(struct store_command *cmd)
{
    free(cmd);
}
