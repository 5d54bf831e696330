/* store_int: what the store's own .c files share (schema.c, store.c,
 * write.c, and later additions such as API tokens). Private to store/:
 * nothing outside store/ includes it, and it is the only header that
 * includes sqlite3.h.
 *
 * Adding a table or column: append a step to the migration list in
 * schema.c (never edit a released step) and bump nothing else; the step's
 * index + 1 is the user_version it leads to.
 */
#ifndef OUTPOST_STORE_INT_H
#define OUTPOST_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define STORE_ERRLEN 256

struct store {
    sqlite3 *db;
    bool readonly;
    int depth; /* open store_begin() levels; inner ones are savepoints */
    const _Atomic int *give_up; /* store_set_give_up() */
    char err[STORE_ERRLEN];
};

/* The schema version this binary writes and understands. */
int store_schema_version(void);

/* Runs every migration step above the database's user_version, each in its
 * own BEGIN IMMEDIATE transaction. 0 or a UV_E* code with st->err set. */
int store_migrate(struct store *st);

/* For a bulk write (import), inside the caller's write transaction:
 * store_search_suspend() drops the triggers that keep the search index
 * current, and store_search_resume() creates them again and rebuilds the
 * index from every row. An FTS5 index takes rows fastest in rowid order,
 * and an export lists updates by post, not by id: kept current row by row,
 * an import of 10,000 posts took ten times as long as with one rebuild at
 * the end. Rolled back with the transaction, both leave nothing behind.
 * 0 or a UV_E* code with st->err set. */
int store_search_suspend(struct store *st);
int store_search_resume(struct store *st);

/* Formats a one-line reason into st->err and returns rc. */
int store_fail(struct store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps the connection's last SQLite error to a UV_E* code (UNIQUE ->
 * UV_EEXIST, NOMEM -> UV_ENOMEM, BUSY -> UV_EBUSY, anything else ->
 * UV_EIO) and sets the
 * message; `what` says what was being done ("loading services"). */
int store_sql_fail(struct store *st, const char *what);

/* Transactions. begin(immediate) takes the write lock up front so a write
 * never fails half way for a lock (busy_timeout waits for it). rollback
 * is safe to call when no transaction is open and keeps st->err.
 * They nest: inside an open transaction, begin makes a savepoint, commit
 * releases it and rollback undoes only it, so a command can check its
 * token and run a write function in one transaction (command.c). */
int store_begin(struct store *st, bool immediate);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Prepares sql; 0 or store_sql_fail(). */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt);

/* ---- the rules of a post (rules.c) ---------------------------------- */

/* A post's row as the rules see it. The writers fill it with exactly what
 * they are about to store, the importer with what a document holds. */
struct post_row {
    enum incident_kind kind;
    enum incident_status status;
    enum impact impact;
    int64_t monitoring_at, resolved_at;     /* 0: not set */
    int64_t scheduled_start, scheduled_end; /* 0: not set */
    bool postmortem, postmortem_via;        /* present (not NULL) */
    int64_t postmortem_at;                  /* 0: not set */
    size_t n_services;                      /* affected services */
    /* Their slugs, so that one given twice is refused; NULL where the
     * caller finds repeats itself (the importer knows services by id and
     * sorts all the references of a document at once). */
    const char *const *slugs;
};

/* Every rule a stored post keeps: a known kind; a status and an impact of
 * that kind; a notice affects no services, and none is given twice;
 * maintenance, and only maintenance, has a scheduled window with start <
 * end; monitoring_at only on incidents, and set while one is monitoring;
 * resolved_at set exactly while the post is closed; a postmortem only on
 * an incident, with its time and via, and there when the status is
 * postmortem. 0, or UV_EINVAL with the reason in st->err and, if field is
 * not NULL, *field set to the export member (column) the fault is in.
 * Used by store_post_open(), store_post_update(), store_postmortem() and
 * store_import(), so what one writes the other takes. */
int store_rules_post(struct store *st, const struct post_row *p,
                     const char **field);
/* One affected service's own window [start, end) of post p: both 0 (the
 * post's own window), or on maintenance a slot with 0 < start < end inside
 * the scheduled window. The service is named by slug in the message, or
 * by service_id when slug is NULL. 0, or UV_EINVAL and *field as above
 * ("window_start" or "window_end"). */
int store_rules_window(struct store *st, const struct post_row *p,
                       const char *slug, int64_t service_id, int64_t start,
                       int64_t end, const char **field);
/* The status part of store_rules_post() alone, for a change that must be
 * judged on its status before its transition (store_post_update()) and
 * for an update row's status. 0 or UV_EINVAL with the reason. */
int store_rules_status(struct store *st, enum incident_kind kind,
                       enum incident_status status);
/* "an incident", "maintenance", "a notice": the kind in a sentence. */
const char *store_kind_noun(enum incident_kind k);

/* The validation rules of write.c, for the importer: 0 if v is a valid,
 * already normalised value of the field, else UV_EINVAL with the reason.
 * required: the text must not be empty (a title; a postmortem, which
 * store_postmortem() refuses empty). */
int store_check_line(struct store *st, const char *field, const char *v,
                     bool required);
int store_check_body(struct store *st, const char *field, const char *v,
                     bool required);
/* store_check_line() for a service description, which may be longer than
 * other one-line fields (1000 bytes, not 200); NULL is valid. */
int store_check_description(struct store *st, const char *v);
bool store_check_slug(const char *slug);
/* [a-z0-9][a-z0-9._-]{0,63}, and not the reserved "cli" (tokens.c). */
bool store_check_token_name(const char *name);
/* Loads every API token's name, hash and revoked flag into s->tokens
 * (tokens.c; called by store_load() inside its read transaction). */
int store_load_tokens(struct store *st, struct snapshot *s);

#endif
