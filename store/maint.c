/* maint: maintenance that runs itself (schema 7's auto_start and
 * auto_complete).
 *
 * The server calls store_maintenance_due() when a window edge comes
 * (server/reload.c arms a timer from the snapshot), and again after a
 * start, so an edge missed while no server ran is caught up on. Each
 * transition is one conditional UPDATE that names the status it leaves,
 * inside one BEGIN IMMEDIATE transaction with the update it writes to the
 * timeline: a second server on the same database, a restart, or a timer
 * that fires twice finds the status already moved and changes nothing, so
 * a maintenance is started and completed once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

#include "common/timeutil.h"
#include "store_int.h"

/* The updates the server writes, worded for the customers who read the
 * timeline. */
#define STARTED_BODY                                                           \
    "Started automatically: the scheduled maintenance window has begun."
#define COMPLETED_BODY                                                         \
    "Completed automatically: the scheduled maintenance window has ended."

/* Moves every post that `sql` selects (it takes ?1 = now and RETURNs the
 * ids) and writes one update of status `to` with `body` to each. *n counts
 * the posts moved. */
static int transition(struct store *st, const char *sql, int64_t now,
                      enum incident_status to, const char *body, int *n)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, now);
    int64_t *ids = NULL;
    size_t n_ids = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n_ids == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            int64_t *v = realloc(ids, ncap * sizeof(*v));
            if (v == NULL) {
                rc = store_fail(st, UV_ENOMEM, "out of memory");
                break;
            }
            ids = v;
            cap = ncap;
        }
        ids[n_ids++] = sqlite3_column_int64(stmt, 0);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_sql_fail(st, "moving maintenance on its schedule");
    sqlite3_finalize(stmt);
    for (size_t i = 0; rc == 0 && i < n_ids; i++) {
        rc = store_prepare(st,
                           "INSERT INTO updates (incident_id, created_at,"
                           " status, body, author, via)"
                           " VALUES (?, ?, ?, ?, NULL, ?)",
                           &stmt);
        if (rc != 0)
            break;
        sqlite3_bind_int64(stmt, 1, ids[i]);
        sqlite3_bind_int64(stmt, 2, now);
        sqlite3_bind_text(stmt, 3, model_status_name(to), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, body, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, STORE_VIA_SCHEDULE, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            rc = store_sql_fail(st, "writing an automatic update");
        sqlite3_finalize(stmt);
    }
    free(ids);
    if (rc == 0)
        *n += (int)n_ids;
    return rc;
}

int store_maintenance_due(struct store *st, int64_t now, int *started,
                          int *completed)
{
    int n_started = 0, n_completed = 0;
    if (now <= 0)
        now = time_now();
    int rc = store_begin(st, true);
    if (rc != 0)
        return rc;
    /* Starts first: a maintenance whose whole window passed while no
     * server ran is started, then completed, in the order it would have
     * been. */
    rc = transition(st,
                    "UPDATE incidents SET status = 'in_progress',"
                    " updated_at = max(updated_at, ?1)"
                    " WHERE kind = 'maintenance' AND auto_start = 1"
                    " AND status = 'scheduled' AND scheduled_start <= ?1"
                    " RETURNING id",
                    now, STATUS_IN_PROGRESS, STARTED_BODY, &n_started);
    if (rc == 0)
        rc = transition(st,
                        "UPDATE incidents SET status = 'completed',"
                        " resolved_at = ?1,"
                        " updated_at = max(updated_at, ?1)"
                        " WHERE kind = 'maintenance' AND auto_complete = 1"
                        " AND status IN ('in_progress', 'verifying')"
                        " AND scheduled_end <= ?1 RETURNING id",
                        now, STATUS_COMPLETED, COMPLETED_BODY, &n_completed);
    if (rc == 0)
        rc = store_commit(st);
    if (rc != 0) {
        store_rollback(st);
        return rc;
    }
    if (started != NULL)
        *started = n_started;
    if (completed != NULL)
        *completed = n_completed;
    return 0;
}
