/* integrity: the store's own check of its file, for `outpost check`. */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "store_int.h"

int store_quick_check(struct store *st)
{
    /* quick_check reads every page and checks the b-trees' structure, but
     * not that each index matches its table (integrity_check does, at
     * many times the cost): enough to tell a torn or truncated file, and
     * fast enough to run from a monitoring probe on a large store
     * (https://www.sqlite.org/pragma.html#pragma_quick_check). It returns
     * one row "ok", or up to 100 rows that each describe a problem; the
     * first is what a one-line report can hold. */
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "PRAGMA quick_check(1)", &stmt);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        const unsigned char *row = sqlite3_column_text(stmt, 0);
        const char *text = row != NULL ? (const char *)row : "";
        if (strcmp(text, "ok") != 0)
            rc = store_fail(st, UV_EIO, "quick_check: %.200s", text);
    } else {
        rc = store_sql_fail(st, "running quick_check");
    }
    sqlite3_finalize(stmt);
    return rc;
}
