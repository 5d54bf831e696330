/* api: the authenticated write API under /api/v1/ (JSON in, JSON out).
 *
 * A request is checked here (route, method, Content-Type, bearer token's
 * form, every JSON field) and turned into a store_command; server/ runs it
 * on the thread pool, where the store checks the token against its hashes
 * and applies the same validation and transitions as the CLI; the result
 * comes back to api_result(). No database access here.
 *
 *   POST /api/v1/incidents                    {title, services?, impact?,
 *                                              status?, body?, author?}  201
 *   POST /api/v1/incidents/ID/updates         {status?, impact?, body?,
 *                                              author?}                  201
 *   POST /api/v1/incidents/ID/resolve         {body?, author?}           200
 *   POST /api/v1/incidents/ID/postmortem      {body}                     200
 *   POST /api/v1/maintenances                 {title, start, end,
 *                                              services?, body?, author?} 201
 *   POST /api/v1/maintenances/ID/start        {body?, author?}           200
 *   POST /api/v1/maintenances/ID/complete     {body?, author?}           200
 *   POST /api/v1/notices                      {title, body, author?}     201
 *   POST /api/v1/services                     {slug, name, group?,
 *                                              description?, position?}  201
 *   PUT  /api/v1/services/SLUG/status         {status}  (or "auto")      200
 *   PUT  /api/v1/updates/ID                   {body}  (a correction)     200
 *
 * "services" is an array of slugs; for a maintenance an entry may be
 * {slug, start, end} instead: that service's own window, which must lie
 * inside the maintenance window (the CLI's --service SLUG@START/END).
 *
 * Every request needs "Authorization: Bearer TOKEN" (401 otherwise, with
 * WWW-Authenticate: Bearer) and "Content-Type: application/json" (415).
 * Unknown fields, wrong types and invalid values are 400 with
 * {"error": "..."}; unknown posts 404; a taken service slug 409; other
 * methods on these paths 405 with Allow; bodies over STORE_BODY_MAX
 * (64 KiB) 413. Creations answer 201 with a Location; every reply is
 * Cache-Control: no-store and a success names the token ("via") the write
 * was recorded under.
 *
 * Tokens are checked twice: here, against the hashes in the current
 * snapshot, so a wrong or revoked token costs no database work; and again
 * by the store inside the write's own transaction, which is authoritative
 * (a token revoked a moment ago cannot write). A token just made with
 * `outpost token add` works once the server has reloaded, within a second.
 */
#ifndef OUTPOST_API_H
#define OUTPOST_API_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/command.h"
#include "../store/common/buf.h"
#include "../store/snapshot.h"

struct api_request {
    int method;        /* llhttp's HTTP_POST, HTTP_PUT, ... */
    const char *path;  /* decoded path, e.g. "/api/v1/incidents/7/updates" */
    const char *auth;  /* Authorization value, or NULL */
    const char *ctype; /* Content-Type value, or NULL */
    const char *body;
    size_t body_len;
};

/* What the reply to a finished command needs to know about its request. */
struct api_pending {
    bool created;   /* success is 201 + Location (else 200) */
    bool is_update; /* the id is a post's, the created thing an update */
    char slug[40];  /* a created service's slug, for its Location */
};

/* Checks req. On success returns 0 and *cmd (owned by the caller from
 * then on). Otherwise returns the HTTP status (400, 401, 404, 405, 415)
 * and appends the JSON error body to out; *allow is set for a 405. */
int api_request(const struct snapshot *snap, const struct api_request *req,
                struct store_command **cmd, struct api_pending *pending,
                struct buf *out, const char **allow);

/* Renders the result of a command: returns the HTTP status and appends
 * the JSON body to out; location (cap bytes) gets the Location URL for a
 * 201, else "". */
int api_result(const struct snapshot *snap, const struct api_pending *p,
               const struct store_result *res, struct buf *out, char *location,
               size_t cap);

#endif
