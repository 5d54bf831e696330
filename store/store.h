/* store: the SQLite incident store. The only module that includes sqlite3.h.
 *
 * Every function returns 0 on success or a negative libuv error code:
 *   UV_EINVAL  the input was refused (store_errmsg() says why, one line)
 *   UV_ENOENT  the named service/incident does not exist (message set too)
 *   UV_EEXIST  a unique key is taken (message set)
 *   UV_EBUSY   another connection held the lock for too long (message set)
 *   UV_EIO     SQLite could not read or write the file (message set)
 *   UV_ENOMEM  out of memory
 * Each write is one transaction: either all of it is durable when the
 * function returns 0, or nothing of it was written.
 *
 * A struct store is used by one thread at a time.
 */
#ifndef OUTPOST_STORE_H
#define OUTPOST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/jsonr.h"
#include "model.h"
#include "snapshot.h"

struct store;

/* Opens (creating if needed) the database at path, sets WAL mode and a busy
 * timeout, and runs forward migrations keyed on PRAGMA user_version.
 * On success *out owns the connection; on failure *out is NULL and, if
 * errmsg is not NULL, a one-line reason is copied into errmsg[errlen]. */
int store_open(const char *path, struct store **out, char *errmsg,
               size_t errlen);
/* Like store_open, but never creates a file: a missing database gives
 * UV_ENOENT ("no database at PATH"). For every writer but `init`, the
 * first start of the server and `import`: a write to a file that was
 * deleted or never made belongs nowhere, and an empty database created in
 * its place would hide the mistake. */
int store_open_existing(const char *path, struct store **out, char *errmsg,
                        size_t errlen);
/* Opens read-only for the snapshot builder (no migrations; fails with
 * UV_EIO if the schema is newer than this binary understands). */
int store_open_readonly(const char *path, struct store **out, char *errmsg,
                        size_t errlen);
void store_close(struct store *st);

/* Makes every wait of st for another connection's lock end as soon as
 * *flag is nonzero (it is looked at every 10 ms of the wait), instead of
 * after the usual 5 s: the write then fails with UV_EBUSY and writes
 * nothing. For a server that is shutting down. The flag must outlive st;
 * NULL waits the whole time again. */
void store_set_give_up(struct store *st, const _Atomic int *flag);

/* The reason for the last failure on st, one line, no trailing newline. */
const char *store_errmsg(const struct store *st);

/* Runs SQLite's PRAGMA quick_check over the whole file (store/integrity.c):
 * 0 if it reports "ok", else UV_EIO with its first complaint as the message
 * (or the error that stopped it, such as a file that is not a database). */
int store_quick_check(struct store *st);

/* True if the database has no services and no incidents yet. */
int store_is_empty(struct store *st, bool *empty);

/* Sets *version to a value that changes whenever any other connection
 * commits a write (PRAGMA data_version), so a poller can tell cheaply. */
int store_data_version(struct store *st, int64_t *version);

/* Loads the whole model into a fresh snapshot (refs = 1) and derives the
 * shown statuses (snapshot_derive). The caller owns the result. `now` is
 * the snapshot's generated_at. */
int store_load(struct store *st, int64_t now, struct snapshot **out);
/* The same, taking from base (a snapshot of the same database, or NULL)
 * every post that has not changed since (store/load.c): its head is
 * copied and its memory shared, so the cost follows the change. base is
 * only read. The result's prev is base, so that views rendered into it
 * may be shared with base's too (snapshot.h): base must outlive the
 * rendering, after which the caller sets prev to NULL. */
int store_load_from(struct store *st, int64_t now, const struct snapshot *base,
                    struct snapshot **out);

/* ---- writes ----------------------------------------------------------- */

struct service_input {
    const char *slug;
    const char *name;
    const char *group;       /* NULL: ungrouped */
    const char *description; /* NULL: none */
    int position;            /* <= 0: after the last one */
};
int store_service_add(struct store *st, const struct service_input *in);
/* The same, added at time at (0: now): the demo's services are as old as
 * its history, which their uptime (store/uptime.h) counts from. */
int store_service_add_at(struct store *st, const struct service_input *in,
                         int64_t at);
/* Sets a manual status. auto_status = true clears it (derive again). */
int store_service_set(struct store *st, const char *slug,
                      enum service_status status, bool auto_status);

/* How far ahead of the server's clock the time of a write (post_input.at,
 * update_input.at) may be: 5 minutes, more than NTP-less clocks drift
 * between two checks and less than any real event takes to report. Such
 * a time is taken as now; one further ahead is refused (UV_EINVAL). */
#define STORE_CLOCK_SKEW 300

struct post_input {
    enum incident_kind kind;
    const char *title;
    enum incident_status status; /* initial; must be valid for kind */
    enum impact impact;          /* maintenance: IMPACT_MAINTENANCE */
    const char *const *services; /* slugs, n_services of them */
    size_t n_services;
    const char *body;        /* first update's text; NULL or "" allowed */
    const char *author;      /* NULL: unsigned */
    const char *via;         /* "cli" or token name */
    int64_t at;              /* 0: now; else back-dated (STORE_CLOCK_SKEW) */
    int64_t scheduled_start; /* maintenance only */
    int64_t scheduled_end;
    /* Maintenance only, optional: NULL, or n_services {start, end} pairs
     * giving each service its own window; {0, 0} means the post's own
     * window. Each window must have start < end. */
    const int64_t (*windows)[2];
    /* Maintenance only: the server starts it when its window begins and
     * completes it when the window ends (store_maintenance_due()). */
    bool auto_start, auto_complete;
};
/* Opens an incident, schedules a maintenance or posts a notice; the first
 * update row is written with it, at in->at (0: now), which may be in the
 * past (a report after the fact, an old page's history) but not later
 * than STORE_CLOCK_SKEW ahead. *id_out receives the new id. */
int store_post_open(struct store *st, const struct post_input *in,
                    int64_t *id_out);

struct update_input {
    bool set_status; /* false: keep the current status */
    enum incident_status status;
    bool set_impact;
    enum impact impact;
    const char *body;
    const char *author;
    const char *via;
    int64_t at; /* 0: now; else back-dated (STORE_CLOCK_SKEW) */
};
/* Appends an update, refusing transitions that are invalid for the kind,
 * and a time (at) before the post was opened or before its latest update:
 * a post's updates are added in time order, so that its status is always
 * that of the newest entry of its timeline. Without a time, the update is
 * now, or at its latest update's time if the clock says earlier. */
int store_post_update(struct store *st, int64_t id,
                      const struct update_input *in);
/* Sets or replaces the postmortem text (incidents only; status becomes
 * postmortem when resolved). */
int store_postmortem(struct store *st, int64_t id, const char *body,
                     const char *via, int64_t at);

/* Replaces the text of update update_id, keeping the old text as a
 * revision row (a status page is a record). The body is validated like any
 * update body and must not be empty. UV_ENOENT for an unknown update. */
int store_update_edit(struct store *st, int64_t update_id, const char *body,
                      const char *via, int64_t at);
/* The post that update update_id belongs to, in *post_id; UV_ENOENT for
 * an unknown update. */
int store_update_post(struct store *st, int64_t update_id, int64_t *post_id);
/* The newest update of post post_id (the one with the highest id: ids only
 * grow), in *update_id; UV_ENOENT when it has none. Inside a write's
 * transaction it is the update that write added. */
int store_newest_update(struct store *st, int64_t post_id, int64_t *update_id);

/* The `via` of the updates the server writes itself when a maintenance
 * starts or completes on its schedule; no token may take the name. */
#define STORE_VIA_SCHEDULE "schedule"
/* Maintenance that runs itself, at time now (0: the clock): in one
 * transaction, every scheduled maintenance with auto_start whose window
 * has begun goes to in_progress, then every one in progress or verifying
 * with auto_complete whose window has ended goes to completed, each with
 * an update saying it was automatic (via STORE_VIA_SCHEDULE). Every move
 * is conditional on the status it leaves, so calling it again, from this
 * process or another on the same file, moves nothing twice. *started and
 * *completed (either may be NULL) count the posts moved. */
int store_maintenance_due(struct store *st, int64_t now, int *started,
                          int *completed);

/* ---- API tokens -------------------------------------------------------- */

#define STORE_TOKEN_LEN 67 /* "op_" + 64 hex digits */
#define STORE_TOKEN_HASH 32

struct token_info {
    char name[65];
    int64_t created_at;
    int64_t revoked_at;   /* 0 while valid */
    int64_t last_used_at; /* the last write made with it; 0: none yet */
};

/* Makes a token for name ([a-z0-9][a-z0-9._-]{0,63}, unique, and not
 * "cli", which marks the command line's writes): 32 random
 * bytes from libsodium, written as "op_" + hex into token_out, which the
 * caller shows once. Only its BLAKE2b-256 hash is stored: the token is
 * random and long, so a slow password hash would add nothing. */
int store_token_add(struct store *st, const char *name,
                    char token_out[STORE_TOKEN_LEN + 1], int64_t at);
/* Lists every token, oldest first; *out is malloc'd (free()), *n its
 * length. */
int store_token_list(struct store *st, struct token_info **out, size_t *n);
/* Revokes a token by name: it stops working at once for writes (checked in
 * each write's transaction). UV_ENOENT unknown, UV_EINVAL already revoked. */
int store_token_revoke(struct store *st, const char *name, int64_t at);
/* Checks a presented token: hashes it and compares it in constant time
 * with every valid token's hash (sodium_memcmp), so the time taken does
 * not depend on how much of it matched. 0 and the token's name in
 * name_out, or UV_EACCES. */
int store_token_check(struct store *st, const char *token, char name_out[65]);
/* The hash a token is stored under (BLAKE2b-256 of its text), so that the
 * write API can recognise a token in the snapshot and hand only its hash
 * to the thread that writes. Pure: no database. */
void store_token_hash(const char *token, unsigned char out[STORE_TOKEN_HASH]);
/* What snap's copy of the token table says of token: valid, revoked, or
 * not there (unknown, or made after the snapshot was built). Hashed, then
 * compared in constant time with every entry, like store_token_known().
 * Pure: no database. */
enum store_token_seen {
    STORE_TOKEN_UNSEEN,
    STORE_TOKEN_VALID,
    STORE_TOKEN_REVOKED,
};
enum store_token_seen store_token_seen(const struct snapshot *snap,
                                       const char *token);
/* Whether token is a valid (not revoked) token of snap's copy of the token
 * table: hashed, then compared in constant time with every entry, so the
 * time taken says nothing about how close a guess came. Pure: no database,
 * so the write API can refuse a wrong token on the loop thread; the write
 * itself checks again in its transaction (store_command_run()), which is
 * authoritative. NULL is hashed as "", which no token is. */
bool store_token_known(const struct snapshot *snap, const char *token);
/* store_token_check() for a token already hashed, reading only (no
 * transaction of its own, no lock): 0 and the name, or UV_EACCES. */
int store_token_check_hash(struct store *st,
                           const unsigned char hash[STORE_TOKEN_HASH],
                           char name_out[65]);
/* store_token_check() for a token already hashed, which also records the
 * use (last_used_at = at, or now when at is 0). Meant for the inside of a
 * write's own transaction (store_command_run()), so the use is recorded
 * exactly when the write commits. 0 and the name, or UV_EACCES. */
int store_token_use(struct store *st,
                    const unsigned char hash[STORE_TOKEN_HASH],
                    char name_out[65], int64_t at);

/* Writes the whole store as one JSON document (see export.c for the
 * format): every row of every table, in a fixed order, so that exporting,
 * importing into an empty database and exporting again gives the same
 * bytes. */
int store_export(struct store *st, struct buf *out);
/* The largest body a write arrives with (64 KiB): an HTTP request's body,
 * which for the write API is the JSON of one write, and what the CLI reads
 * for `--body -`. One number, so the two front ends refuse alike. (The
 * store's own cap on a post's text, checked after line ends are
 * normalised, is a separate limit of its writes.) */
#define STORE_BODY_MAX (64 * 1024)
/* The largest document store_import() reads (256 MiB, the parser's own
 * ceiling): far above any request, since a backup holds the whole history
 * (100,000 posts of five updates export to about 250 MB), but bounded,
 * since the parse takes up to 8 times the document's size in memory
 * (jsonr.h) for a document of the smallest values, and about its size for
 * a real one, whose bytes are mostly text. */
#define STORE_IMPORT_MAX JSONR_MAX_LIMIT
/* Loads a document written by store_export() into an EMPTY store (no
 * services, incidents or tokens; else UV_EINVAL, "the database is not
 * empty..."). Every part is checked before anything is written; on any
 * error nothing is written and store_errmsg() names the JSON path and the
 * fault. json need not be NUL-terminated; len is at most
 * STORE_IMPORT_MAX. */
int store_import(struct store *st, const char *json, size_t len);

/* What store_import_merge() added. */
struct store_merge {
    size_t posts;              /* posts added */
    size_t services_added;     /* services made for slugs the store lacked */
    int64_t first_id, last_id; /* the added posts' ids, ascending; 0: none */
};
/* Adds the posts of a document written by store_export() to a store that
 * may hold posts already, so that two old pages can become one: the
 * document is checked exactly as store_import() checks it (on any error
 * nothing is written and store_errmsg() names the JSON path), then, in one
 * transaction, each of its services is matched by slug to the store's,
 * and the missing ones are added (after the last, with no status set by
 * hand); its posts, updates and revisions are added under new ids, in the
 * document's order, pointing at the store's services. Its API tokens are
 * not taken over: they are another server's credentials. *res says what
 * was added (all 0 on failure). */
int store_import_merge(struct store *st, const char *json, size_t len,
                       struct store_merge *res);

#endif
