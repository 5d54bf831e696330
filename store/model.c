/* model: names, labels and parsers of the domain enums.
 *
 * The names are a contract: they are what the CLI accepts, what the JSON
 * APIs emit (Statuspage v2 spells them the same way) and what the database
 * stores, so a rename here is a schema migration.
 */
#include "model.h"

#include <string.h>
#include <uv.h>

static const char *const service_status_names[SERVICE_STATUS_COUNT] = {
    [SERVICE_OPERATIONAL] = "operational",
    [SERVICE_UNDER_MAINTENANCE] = "under_maintenance",
    [SERVICE_DEGRADED_PERFORMANCE] = "degraded_performance",
    [SERVICE_PARTIAL_OUTAGE] = "partial_outage",
    [SERVICE_MAJOR_OUTAGE] = "major_outage",
};

static const char *const service_status_labels[SERVICE_STATUS_COUNT] = {
    [SERVICE_OPERATIONAL] = "Operational",
    [SERVICE_UNDER_MAINTENANCE] = "Under maintenance",
    [SERVICE_DEGRADED_PERFORMANCE] = "Degraded performance",
    [SERVICE_PARTIAL_OUTAGE] = "Partial outage",
    [SERVICE_MAJOR_OUTAGE] = "Major outage",
};

static const char *const kind_names[KIND_COUNT] = {
    [KIND_INCIDENT] = "incident",
    [KIND_MAINTENANCE] = "maintenance",
    [KIND_NOTICE] = "notice",
};
static const char *const kind_labels[KIND_COUNT] = {
    [KIND_INCIDENT] = "Incident",
    [KIND_MAINTENANCE] = "Maintenance",
    [KIND_NOTICE] = "Notice",
};

static const char *const status_names[STATUS_COUNT] = {
    [STATUS_INVESTIGATING] = "investigating",
    [STATUS_IDENTIFIED] = "identified",
    [STATUS_MONITORING] = "monitoring",
    [STATUS_RESOLVED] = "resolved",
    [STATUS_POSTMORTEM] = "postmortem",
    [STATUS_SCHEDULED] = "scheduled",
    [STATUS_IN_PROGRESS] = "in_progress",
    [STATUS_VERIFYING] = "verifying",
    [STATUS_COMPLETED] = "completed",
    [STATUS_POSTED] = "posted",
};

static const char *const status_labels[STATUS_COUNT] = {
    [STATUS_INVESTIGATING] = "Investigating",
    [STATUS_IDENTIFIED] = "Identified",
    [STATUS_MONITORING] = "Monitoring",
    [STATUS_RESOLVED] = "Resolved",
    [STATUS_POSTMORTEM] = "Postmortem",
    [STATUS_SCHEDULED] = "Scheduled",
    [STATUS_IN_PROGRESS] = "In progress",
    [STATUS_VERIFYING] = "Verifying",
    [STATUS_COMPLETED] = "Completed",
    [STATUS_POSTED] = "Posted",
};

static const char *const impact_names[IMPACT_COUNT] = {
    [IMPACT_NONE] = "none",
    [IMPACT_MINOR] = "minor",
    [IMPACT_MAJOR] = "major",
    [IMPACT_CRITICAL] = "critical",
    [IMPACT_MAINTENANCE] = "maintenance",
};

static const char *const indicator_names[INDICATOR_COUNT] = {
    [INDICATOR_NONE] = "none",
    [INDICATOR_MINOR] = "minor",
    [INDICATOR_MAJOR] = "major",
    [INDICATOR_CRITICAL] = "critical",
};

/* Statuspage's own wording, so tools that match on the description keep
 * working. */
static const char *const indicator_descriptions[INDICATOR_COUNT] = {
    [INDICATOR_NONE] = "All Systems Operational",
    [INDICATOR_MINOR] = "Minor Service Outage",
    [INDICATOR_MAJOR] = "Partial System Outage",
    [INDICATOR_CRITICAL] = "Major System Outage",
};

/* An out-of-range value is a programmer error, but renderers must never
 * be handed NULL, so it gets a visible placeholder. */
static const char *lookup(const char *const *table, int n, int v)
{
    if (v < 0 || v >= n || table[v] == NULL)
        return "unknown";
    return table[v];
}

static int parse(const char *const *table, int n, const char *name, int *out)
{
    if (name == NULL)
        return UV_EINVAL;
    for (int i = 0; i < n; i++) {
        if (table[i] != NULL && strcmp(table[i], name) == 0) {
            *out = i;
            return 0;
        }
    }
    return UV_EINVAL;
}

const char *model_service_status_name(enum service_status s)
{
    return lookup(service_status_names, SERVICE_STATUS_COUNT, (int)s);
}

const char *model_service_status_label(enum service_status s)
{
    return lookup(service_status_labels, SERVICE_STATUS_COUNT, (int)s);
}

const char *model_kind_name(enum incident_kind k)
{
    return lookup(kind_names, KIND_COUNT, (int)k);
}

const char *model_kind_label(enum incident_kind k)
{
    return lookup(kind_labels, KIND_COUNT, (int)k);
}

const char *model_status_name(enum incident_status s)
{
    return lookup(status_names, STATUS_COUNT, (int)s);
}

const char *model_status_label(enum incident_status s)
{
    return lookup(status_labels, STATUS_COUNT, (int)s);
}

const char *model_impact_name(enum impact i)
{
    return lookup(impact_names, IMPACT_COUNT, (int)i);
}

const char *model_indicator_name(enum indicator i)
{
    return lookup(indicator_names, INDICATOR_COUNT, (int)i);
}

const char *model_indicator_description(enum indicator i, bool maintenance)
{
    /* Only a quiet page says "under maintenance": an outage elsewhere is
     * the more important news. */
    if (i == INDICATOR_NONE && maintenance)
        return "Service Under Maintenance";
    return lookup(indicator_descriptions, INDICATOR_COUNT, (int)i);
}

int model_parse_service_status(const char *name, enum service_status *out)
{
    int v;
    int rc = parse(service_status_names, SERVICE_STATUS_COUNT, name, &v);
    if (rc == 0)
        *out = (enum service_status)v;
    return rc;
}

int model_parse_kind(const char *name, enum incident_kind *out)
{
    int v;
    int rc = parse(kind_names, KIND_COUNT, name, &v);
    if (rc == 0)
        *out = (enum incident_kind)v;
    return rc;
}

int model_parse_status(const char *name, enum incident_status *out)
{
    int v;
    int rc = parse(status_names, STATUS_COUNT, name, &v);
    if (rc == 0)
        *out = (enum incident_status)v;
    return rc;
}

int model_parse_impact(const char *name, enum impact *out)
{
    int v;
    int rc = parse(impact_names, IMPACT_COUNT, name, &v);
    if (rc == 0)
        *out = (enum impact)v;
    return rc;
}

bool model_status_valid(enum incident_kind k, enum incident_status s)
{
    switch (k) {
    case KIND_INCIDENT:
        return (int)s >= STATUS_INVESTIGATING && s <= STATUS_POSTMORTEM;
    case KIND_MAINTENANCE:
        return s >= STATUS_SCHEDULED && s <= STATUS_COMPLETED;
    case KIND_NOTICE:
        return s == STATUS_POSTED;
    default:
        return false;
    }
}

bool model_status_is_open(enum incident_status s)
{
    switch (s) {
    case STATUS_RESOLVED:
    case STATUS_POSTMORTEM:
    case STATUS_COMPLETED:
        return false;
    default:
        return (int)s >= 0 && s < STATUS_COUNT;
    }
}
