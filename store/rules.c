/* rules: what every stored post keeps, however it was written.
 *
 * store_post_open(), store_post_update() and store_postmortem() (write.c)
 * check the row they are about to store, and store_import() (export.c)
 * checks every incident of a document, with these same functions and so
 * with the same messages. That is what makes a backup trustworthy: nothing
 * can be written that an import would refuse to bring back, and an import
 * holds nothing that the CLI or the API could not have written.
 *
 * The rules are about one post as it stands. How a post may change (which
 * status may follow which, where a new post starts) is write.c's, since an
 * import writes no change; the order of the times is nobody's, since an
 * operator may back-date.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "store_int.h"

/* Fails with the reason, naming the member of the export (the column) it
 * is about, so that the importer can put its JSON path in front. */
static int refuse(struct store *st, const char **field, const char *name,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int refuse(struct store *st, const char **field, const char *name,
                  const char *fmt, ...)
{
    char why[STORE_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (field != NULL)
        *field = name;
    return store_fail(st, UV_EINVAL, "%s", why);
}

const char *store_kind_noun(enum incident_kind k)
{
    switch (k) {
    case KIND_MAINTENANCE:
        return "maintenance";
    case KIND_NOTICE:
        return "a notice";
    default:
        return "an incident";
    }
}

int store_rules_status(struct store *st, enum incident_kind kind,
                       enum incident_status status)
{
    if (model_status_valid(kind, status))
        return 0;
    /* "resolved" on maintenance gets the hint operators need. */
    if (kind == KIND_MAINTENANCE &&
        (status == STATUS_RESOLVED || status == STATUS_POSTMORTEM))
        return store_fail(st, UV_EINVAL,
                          "maintenance cannot be resolved; use "
                          "start/complete");
    if ((int)status < 0 || status >= STATUS_COUNT)
        return store_fail(st, UV_EINVAL, "unknown status");
    return store_fail(st, UV_EINVAL, "status '%s' is not valid for %s",
                      model_status_name(status), store_kind_noun(kind));
}

/* Maintenance has exactly the maintenance impact (it is what the pages
 * show for it), a notice none, an incident any other. */
static int rules_impact(struct store *st, const struct post_row *p,
                        const char **field)
{
    switch (p->kind) {
    case KIND_INCIDENT:
        if ((int)p->impact < IMPACT_NONE || p->impact > IMPACT_CRITICAL)
            return refuse(st, field, "impact",
                          "impact of an incident must be none, minor, "
                          "major or critical");
        return 0;
    case KIND_MAINTENANCE:
        if (p->impact != IMPACT_MAINTENANCE)
            return refuse(st, field, "impact",
                          "impact of maintenance must be maintenance");
        return 0;
    default:
        if (p->impact != IMPACT_NONE)
            return refuse(st, field, "impact", "a notice has no impact (none)");
        return 0;
    }
}

static int rules_services(struct store *st, const struct post_row *p,
                          const char **field)
{
    if (p->kind == KIND_NOTICE && p->n_services > 0)
        return refuse(st, field, "services",
                      "a notice does not affect services");
    for (size_t i = 0; p->slugs != NULL && i < p->n_services; i++)
        for (size_t j = 0; j < i; j++)
            if (p->slugs[i] != NULL && p->slugs[j] != NULL &&
                strcmp(p->slugs[i], p->slugs[j]) == 0)
                return refuse(st, field, "services", "service '%s' given twice",
                              p->slugs[i]);
    return 0;
}

/* Maintenance is announced with its window; nothing else has one. */
static int rules_schedule(struct store *st, const struct post_row *p,
                          const char **field)
{
    int64_t start = p->scheduled_start, end = p->scheduled_end;
    if (p->kind != KIND_MAINTENANCE) {
        if (start != 0 || end != 0)
            return refuse(st, field,
                          start != 0 ? "scheduled_start" : "scheduled_end",
                          "only maintenance has a scheduled window");
        return 0;
    }
    if (start <= 0 || end <= 0)
        return refuse(st, field,
                      start <= 0 ? "scheduled_start" : "scheduled_end",
                      "maintenance needs a start and an end");
    if (end < start)
        return refuse(st, field, "scheduled_end", "end is before start");
    if (end == start)
        return refuse(st, field, "scheduled_end", "end is the same as start");
    return 0;
}

/* The times that follow the status: monitoring_at is the first time an
 * incident was monitored, so it is set while one is; resolved_at is the
 * latest close, set exactly while the post is closed. */
static int rules_times(struct store *st, const struct post_row *p,
                       const char **field)
{
    if (p->kind != KIND_INCIDENT && p->monitoring_at != 0)
        return refuse(st, field, "monitoring_at",
                      "set on a post that is not an incident");
    if (p->status == STATUS_MONITORING && p->monitoring_at == 0)
        return refuse(st, field, "monitoring_at",
                      "not set, but the status is monitoring");
    bool open = model_status_is_open(p->status);
    if (open && p->resolved_at != 0)
        return refuse(st, field, "resolved_at",
                      "set, but the post is still open");
    if (!open && p->resolved_at == 0)
        return refuse(st, field, "resolved_at", "not set, but the status is %s",
                      model_status_name(p->status));
    return 0;
}

/* A postmortem belongs to an incident and comes with its time and
 * signature (store_postmortem()); the status says "postmortem" only when
 * there is one. Its text is checked as a body (store_check_body()). */
static int rules_postmortem(struct store *st, const struct post_row *p,
                            const char **field)
{
    if (p->postmortem && p->kind != KIND_INCIDENT)
        return refuse(st, field, "postmortem",
                      "only incidents have a postmortem");
    if (!p->postmortem && p->status == STATUS_POSTMORTEM)
        return refuse(st, field, "postmortem",
                      "none, but the status is postmortem");
    if (p->postmortem && p->postmortem_at == 0)
        return refuse(st, field, "postmortem_at",
                      "not set, but there is a postmortem");
    if (!p->postmortem && p->postmortem_at != 0)
        return refuse(st, field, "postmortem_at", "set without a postmortem");
    if (p->postmortem != p->postmortem_via)
        return refuse(st, field, "postmortem_via",
                      p->postmortem ? "a postmortem needs its via"
                                    : "set without a postmortem");
    return 0;
}

int store_rules_post(struct store *st, const struct post_row *p,
                     const char **field)
{
    if ((int)p->kind < 0 || p->kind >= KIND_COUNT)
        return refuse(st, field, "kind", "unknown kind of post");
    int rc = store_rules_status(st, p->kind, p->status);
    if (rc != 0) {
        if (field != NULL)
            *field = "status";
        return rc;
    }
    rc = rules_impact(st, p, field);
    if (rc == 0)
        rc = rules_services(st, p, field);
    if (rc == 0)
        rc = rules_schedule(st, p, field);
    if (rc == 0)
        rc = rules_times(st, p, field);
    if (rc == 0)
        rc = rules_postmortem(st, p, field);
    return rc;
}

int store_rules_window(struct store *st, const struct post_row *p,
                       const char *slug, int64_t service_id, int64_t start,
                       int64_t end, const char **field)
{
    if (start == 0 && end == 0)
        return 0;
    /* The buffer is as long as a message may be, so a long slug is cut
     * where store_fail() would cut it anyway. */
    char name[STORE_ERRLEN];
    if (slug != NULL)
        snprintf(name, sizeof(name), "'%s'", slug);
    else
        snprintf(name, sizeof(name), "%lld", (long long)service_id);
    if (p->kind != KIND_MAINTENANCE)
        return refuse(st, field, start != 0 ? "window_start" : "window_end",
                      "only maintenance has service windows");
    if (start <= 0 || end <= 0)
        return refuse(st, field, start <= 0 ? "window_start" : "window_end",
                      "window of service %s needs a start and an end", name);
    if (end <= start)
        return refuse(st, field, "window_end",
                      "window of service %s: end is before start", name);
    /* A service's own slot is part of the announced window; one outside
     * it would contradict the post's headline. */
    if (start < p->scheduled_start || end > p->scheduled_end)
        return refuse(st, field,
                      start < p->scheduled_start ? "window_start"
                                                 : "window_end",
                      "window of service %s is outside the maintenance "
                      "window",
                      name);
    return 0;
}
