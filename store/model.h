/* model: the incident store's domain types, as held in a snapshot.
 *
 * Every string in these structs lives at least as long as the snapshot that
 * holds them: a service's in the snapshot's arena, a post's in its own
 * memory (struct incident.mem), which snapshots share.
 * Times are Unix seconds, UTC; 0 means "not set".
 */
#ifndef OUTPOST_MODEL_H
#define OUTPOST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered from best to worst, so "worst wins" is a max(). Maintenance ranks
 * just above operational: an outage during maintenance must still show. */
enum service_status {
    SERVICE_OPERATIONAL = 0,
    SERVICE_UNDER_MAINTENANCE,
    SERVICE_DEGRADED_PERFORMANCE,
    SERVICE_PARTIAL_OUTAGE,
    SERVICE_MAJOR_OUTAGE,
    SERVICE_STATUS_COUNT
};

enum incident_kind {
    KIND_INCIDENT = 0,
    KIND_MAINTENANCE,
    KIND_NOTICE,
    KIND_COUNT
};

/* One enum for the statuses of every kind; model_status_valid() says which
 * kind may use which. Notices have a single status, NOTICE_POSTED. */
enum incident_status {
    STATUS_INVESTIGATING = 0,
    STATUS_IDENTIFIED,
    STATUS_MONITORING,
    STATUS_RESOLVED,
    STATUS_POSTMORTEM,
    STATUS_SCHEDULED,
    STATUS_IN_PROGRESS,
    STATUS_VERIFYING,
    STATUS_COMPLETED,
    STATUS_POSTED,
    STATUS_COUNT
};

/* Ordered by severity. IMPACT_MAINTENANCE is only for maintenance. */
enum impact {
    IMPACT_NONE = 0,
    IMPACT_MINOR,
    IMPACT_MAJOR,
    IMPACT_CRITICAL,
    IMPACT_MAINTENANCE,
    IMPACT_COUNT
};

/* The overall indicator of the Statuspage v2 API. */
enum indicator {
    INDICATOR_NONE = 0,
    INDICATOR_MINOR,
    INDICATOR_MAJOR,
    INDICATOR_CRITICAL,
    INDICATOR_COUNT
};

struct service {
    int64_t id;
    const char *slug; /* [a-z0-9][a-z0-9_-]{0,31}, unique */
    const char *name;
    const char *group;                 /* NULL when ungrouped */
    const char *description;           /* NULL when none */
    int position;                      /* order within the page, ascending */
    bool manual;                       /* status was set by hand */
    enum service_status manual_status; /* meaningful when manual */
    enum service_status status;        /* shown status (derived or manual) */
    /* Why the shown status is what it is, for `service list` and the
     * service view: "set by hand", "incident #12", or "no open incidents". */
    const char *status_reason;
    /* Where the service stands on a page, derived with the groups so that
     * no renderer has to search for it: its group, an index into
     * snapshot.groups or MODEL_NO_GROUP; and its 0-based place within its
     * parent, which is its group's member list, or the page's top-level
     * items (snapshot.items) when it has no group. */
    size_t group_index;
    size_t place;
    int64_t created_at, updated_at;
};

/* service.group_index of a service that belongs to no group. */
#define MODEL_NO_GROUP SIZE_MAX

/* A service affected by an incident; maintenance may give each service its
 * own window (the "reboot three IMAP servers one by one" case). */
struct incident_service {
    size_t service;       /* index into snapshot.services */
    int64_t service_id;   /* services.id: survives a change of the index */
    int64_t window_start; /* 0: the incident's own window */
    int64_t window_end;
};

struct update {
    int64_t id;
    int64_t created_at;
    enum incident_status status; /* the incident's status at that time */
    const char *body;            /* plain text, paragraphs split by "\n\n" */
    const char *author;          /* signature, NULL when unsigned */
    const char *via;             /* "cli" or the API token's name */
    size_t n_revisions;          /* times its text was edited */
    int64_t edited_at;           /* the last edit, or 0 */
};

struct incident {
    int64_t id;
    enum incident_kind kind;
    const char *title;
    enum incident_status status;
    enum impact impact;
    int64_t created_at;
    int64_t started_at;
    int64_t updated_at;
    int64_t monitoring_at;   /* first time it entered monitoring, or 0 */
    int64_t resolved_at;     /* resolved / completed time, or 0 */
    int64_t scheduled_start; /* maintenance window, or 0 */
    int64_t scheduled_end;
    /* Maintenance that runs itself: the server starts it when its window
     * begins and completes it when it ends (store_maintenance_due()). */
    bool auto_start, auto_complete;
    const char *postmortem; /* NULL when none */
    int64_t postmortem_at;
    struct incident_service *services;
    size_t n_services;
    struct update *updates; /* newest first */
    size_t n_updates;
    /* Changes whenever the post or anything of it changes (incidents.rev,
     * kept by the store's triggers); never the same for two versions. */
    int64_t rev;
    /* The latest time in the post, its updates included (derived once:
     * store/derive.c, rule 5); 0 until then. */
    int64_t latest_at;
    /* The memory its strings and arrays live in, shared by the snapshots
     * that hold it; NULL when that is the snapshot's own arena (a
     * snapshot built by hand). */
    struct post_mem *mem;
    /* services is a copy in the snapshot's arena, made because the
     * services moved (store/load.c): the next snapshot copies it again. */
    bool services_copied;
};

/* Names as used in the CLI, the JSON APIs and the database. */
const char *model_service_status_name(enum service_status s);
const char *
model_service_status_label(enum service_status s); /* "Degraded performance" */
const char *model_kind_name(enum incident_kind k);
const char *model_kind_label(enum incident_kind k); /* "Maintenance" */
const char *model_status_name(enum incident_status s);
const char *model_status_label(enum incident_status s); /* "Investigating" */
const char *model_impact_name(enum impact i);
const char *model_indicator_name(enum indicator i);
const char *model_indicator_description(enum indicator i, bool maintenance);

/* Parse a name back; return 0 and set *out, or UV_EINVAL. */
int model_parse_service_status(const char *name, enum service_status *out);
int model_parse_kind(const char *name, enum incident_kind *out);
int model_parse_status(const char *name, enum incident_status *out);
int model_parse_impact(const char *name, enum impact *out);

/* True if kind k may be in status s. */
bool model_status_valid(enum incident_kind k, enum incident_status s);
/* True if the incident is still open: not resolved, postmortem, completed;
 * notices count as open for `notice_days` days after posting (see snapshot). */
bool model_status_is_open(enum incident_status s);

#endif
