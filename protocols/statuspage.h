/* statuspage: the Atlassian Statuspage v2 public API, as JSON documents
 * rendered from a snapshot (the documents, fields and enums a real
 * Statuspage page serves under /api/v2/, documented on each such page,
 * e.g. https://confluence.status.atlassian.com/api), so
 * pollers, dashboards and chat bots written for Statuspage work unchanged.
 *
 * Mapping from our model:
 *  - page.id is a stable 12-character lowercase alphanumeric string derived
 *    from the host name; page.url is the site's base_url; page.time_zone is
 *    the configured display zone or "Etc/UTC"; page.updated_at is the
 *    snapshot's data_changed_at (generated_at for an empty store).
 *  - A component's id is its service slug. A service group becomes a group
 *    row (group: true, components: [child ids]) whose id is "group." plus
 *    the group name reduced to [a-z0-9-]; the '.' cannot occur in a slug,
 *    so group and service ids never collide. Leaf rows carry group_id.
 *    position is 1-based within the parent (the page, or the group).
 *  - Incidents and maintenance keep their integer id, as a decimal string;
 *    update ids likewise. shortlink is base_url + "/incidents/ID".
 *  - Notices have no Statuspage equivalent and are left out.
 *  - Times are "YYYY-MM-DDTHH:MM:SS.000Z"; a time that is not set is null.
 *    Every field of the format is present, null when we have no value.
 */
#ifndef OUTPOST_STATUSPAGE_H
#define OUTPOST_STATUSPAGE_H

#include "../store/common/buf.h"
#include "../store/snapshot.h"

/* The documents, one per path under /api/v2/. */
enum statuspage_doc {
    STATUSPAGE_SUMMARY = 0,           /* page, status, components,
                                         unresolved incidents, upcoming
                                         and active maintenance */
    STATUSPAGE_STATUS,                /* page, status */
    STATUSPAGE_COMPONENTS,            /* page, components */
    STATUSPAGE_INCIDENTS,             /* page, 50 most recent incidents */
    STATUSPAGE_INCIDENTS_UNRESOLVED,  /* page, open incidents */
    STATUSPAGE_MAINTENANCES,          /* page, 50 most recent maintenance */
    STATUSPAGE_MAINTENANCES_UPCOMING, /* page, scheduled maintenance */
    STATUSPAGE_MAINTENANCES_ACTIVE,   /* page, in progress or verifying */
    /* Not Statuspage's: outpost's extension, /api/v2/uptime.json, page
     * and "uptime": every service's 90 days (store/uptime.h), with the
     * rule's figures, so that a poller gets what the bars show. */
    STATUSPAGE_UPTIME,
    STATUSPAGE_DOC_COUNT
};

/* How many posts incidents.json and scheduled-maintenances.json list. */
#define STATUSPAGE_RECENT 50

/* The document's path, "/api/v2/summary.json" etc. (static storage). */
const char *statuspage_path(enum statuspage_doc doc);

/* Appends the document (compact JSON, one object) to out. Allocation
 * failure shows as buf_failed(out). */
void statuspage_render(struct buf *out, const struct snapshot *s,
                       enum statuspage_doc doc);

/* Writes the page id for hostname (NULL counts as "") into out: 12
 * characters of [a-z0-9] and a NUL. The same host always gets the same id. */
void statuspage_page_id(const char *hostname, char out[13]);

/* The longest page id the config may set (page_id). */
#define STATUSPAGE_PAGE_ID_MAX 32
/* The v2 JSON's page.id for site: the configured page_id, else
 * statuspage_page_id() of the host name followed by what the base URL has
 * after its host (":8080", "/status-b"), so that two pages on one host get
 * two ids and a page at the root of its host keeps its host name's id. */
void statuspage_site_page_id(const struct site *site,
                             char out[STATUSPAGE_PAGE_ID_MAX + 1]);

#endif
