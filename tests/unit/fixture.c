/* fixture: builds the snapshot documented in fixture.h. Keep the two in
 * step: other modules' tests assert on the exact strings and times. */
#include "fixture.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/common/timeutil.h"

/* A builder that remembers an allocation failure, so the tables below need
 * no error check per field. */
struct fx {
    struct snapshot *s;
    bool oom;
};

static const char *fx_str(struct fx *f, const char *str)
{
    if (str == NULL)
        return NULL;
    char *d = snapshot_strdup(f->s, str);
    if (d == NULL)
        f->oom = true;
    return d;
}

static void *fx_alloc(struct fx *f, size_t size)
{
    void *p = snapshot_alloc(f->s, size);
    if (p == NULL)
        f->oom = true;
    return p;
}

static int64_t at(int y, int mo, int d, int h, int mi)
{
    return time_from_utc(y, mo, d, h, mi, 0);
}

static void fx_site(struct fx *f)
{
    struct site *site = &f->s->site;
    site->name = fx_str(f, "Example Net status");
    site->hostname = fx_str(f, "status.example.net");
    site->base_url = fx_str(f, "http://status.example.net");
    site->http_port = 80;
    site->gopher_port = 70;
    site->finger_port = 79;
    site->time_zone = NULL;
    site->max_age = 30;
    f->s->version = 1;
    f->s->generated_at = FIXTURE_NOW;
}

struct svc_row {
    const char *slug, *name, *group, *description;
};

static const struct svc_row svc_rows[] = {
    {"dsl", "DSL broadband", "Access", "ADSL and VDSL lines"},
    {"fibre", "Fibre to the home", "Access", NULL},
    {"imap", "Mailbox access (IMAP)", "Mail", "Reading mail"},
    {"smtp", "Outgoing mail (SMTP)", "Mail", "Sending mail"},
    {"dns", "DNS resolvers", NULL, "Recursive name servers"},
};
enum { SVC_DSL, SVC_FIBRE, SVC_IMAP, SVC_SMTP, SVC_DNS, N_SVC };

static void fx_services(struct fx *f)
{
    struct snapshot *s = f->s;
    s->services = fx_alloc(f, N_SVC * sizeof(*s->services));
    if (s->services == NULL)
        return;
    s->n_services = N_SVC;
    for (size_t i = 0; i < N_SVC; i++) {
        struct service *svc = &s->services[i];
        svc->id = (int64_t)i + 1;
        svc->slug = fx_str(f, svc_rows[i].slug);
        svc->name = fx_str(f, svc_rows[i].name);
        svc->group = fx_str(f, svc_rows[i].group);
        svc->description = fx_str(f, svc_rows[i].description);
        svc->position = (int)i + 1;
        svc->created_at = at(2026, 1, 5, 9, 0);
        svc->updated_at = svc->created_at;
    }
}

struct upd_row {
    int64_t id;
    int64_t created_at;
    enum incident_status status;
    const char *body, *author, *via;
};

/* Fills one post; updates are given newest first, as in the snapshot. */
static void fx_post(struct fx *f, struct incident *inc,
                    const struct upd_row *ups, size_t n_ups, const size_t *svcs,
                    size_t n_svcs)
{
    inc->updates = fx_alloc(f, (n_ups ? n_ups : 1) * sizeof(*inc->updates));
    inc->services = fx_alloc(f, (n_svcs ? n_svcs : 1) * sizeof(*inc->services));
    if (inc->updates == NULL || inc->services == NULL)
        return;
    for (size_t i = 0; i < n_ups; i++) {
        struct update *u = &inc->updates[i];
        u->id = ups[i].id;
        u->created_at = ups[i].created_at;
        u->status = ups[i].status;
        u->body = fx_str(f, ups[i].body);
        u->author = fx_str(f, ups[i].author);
        u->via = fx_str(f, ups[i].via);
    }
    inc->n_updates = n_ups;
    for (size_t i = 0; i < n_svcs; i++)
        inc->services[i].service = svcs[i];
    inc->n_services = n_svcs;
}

enum { N_POSTS = 7 };

static void fx_posts(struct fx *f)
{
    struct snapshot *s = f->s;
    struct incident *p = fx_alloc(f, N_POSTS * sizeof(*p));
    if (p == NULL)
        return;
    s->incidents = p;
    s->n_incidents = N_POSTS;

    /* #66: every hostile byte a renderer must neutralise. */
    {
        struct incident *inc = &p[0];
        inc->id = 66;
        inc->kind = KIND_INCIDENT;
        inc->title = fx_str(f, FIXTURE_HOSTILE_TITLE);
        inc->status = STATUS_RESOLVED;
        inc->impact = IMPACT_MINOR;
        inc->created_at = inc->started_at = at(2026, 11, 12, 20, 0);
        inc->resolved_at = inc->updated_at = at(2026, 11, 12, 21, 0);
        const struct upd_row ups[] = {
            {662, at(2026, 11, 12, 21, 0), STATUS_RESOLVED,
             FIXTURE_HOSTILE_BODY, "<b>eve</b>\t\x1b[31m", "cli"},
            {661, at(2026, 11, 12, 20, 0), STATUS_INVESTIGATING,
             "Checking a report.\n\n.\nA line that is only a dot.", NULL,
             "cli"},
        };
        const size_t svcs[] = {SVC_FIBRE};
        fx_post(f, inc, ups, 2, svcs, 1);
    }

    /* #45: a current notice. */
    {
        struct incident *inc = &p[1];
        inc->id = 45;
        inc->kind = KIND_NOTICE;
        inc->title = fx_str(f, "New opening hours for the support line");
        inc->status = STATUS_POSTED;
        inc->impact = IMPACT_NONE;
        inc->created_at = inc->started_at = inc->updated_at =
            at(2026, 11, 17, 8, 0);
        const struct upd_row ups[] = {
            {451, at(2026, 11, 17, 8, 0), STATUS_POSTED,
             "From 1 December the support line is open "
             "08:00\xe2\x80\x93"
             "22:00 every day, weekends included.",
             "Customer care", "cli"},
        };
        fx_post(f, inc, ups, 1, NULL, 0);
    }

    /* #44: maintenance in progress. */
    {
        struct incident *inc = &p[2];
        inc->id = 44;
        inc->kind = KIND_MAINTENANCE;
        inc->title = fx_str(f, "DNS resolver replacement");
        inc->status = STATUS_IN_PROGRESS;
        inc->impact = IMPACT_MAINTENANCE;
        inc->created_at = inc->started_at = at(2026, 11, 16, 9, 0);
        inc->updated_at = at(2026, 11, 18, 10, 30);
        inc->scheduled_start = at(2026, 11, 18, 10, 30);
        inc->scheduled_end = at(2026, 11, 18, 12, 30);
        const struct upd_row ups[] = {
            {442, at(2026, 11, 18, 10, 30), STATUS_IN_PROGRESS,
             "Work has started. The second resolver answers all queries "
             "meanwhile.",
             "Sam (NOC)", "cli"},
            {441, at(2026, 11, 16, 9, 0), STATUS_SCHEDULED,
             "We are replacing the first of our two DNS resolvers. No "
             "interruption is expected.",
             "Sam (NOC)", "cli"},
        };
        const size_t svcs[] = {SVC_DNS};
        fx_post(f, inc, ups, 2, svcs, 1);
    }

    /* #43: upcoming maintenance, one service with its own window. */
    {
        struct incident *inc = &p[3];
        inc->id = 43;
        inc->kind = KIND_MAINTENANCE;
        inc->title = fx_str(f, "Core router software upgrade");
        inc->status = STATUS_SCHEDULED;
        inc->impact = IMPACT_MAINTENANCE;
        inc->created_at = inc->started_at = inc->updated_at =
            at(2026, 11, 17, 16, 0);
        inc->scheduled_start = at(2026, 11, 20, 0, 30);
        inc->scheduled_end = at(2026, 11, 20, 2, 30);
        const struct upd_row ups[] = {
            {431, at(2026, 11, 17, 16, 0), STATUS_SCHEDULED,
             "Both core routers get new software, one after the other. "
             "Each upgrade interrupts traffic for up to ten minutes.\n\n"
             "DSL lines reconnect on their own afterwards.",
             "Sam (NOC)", "cli"},
        };
        const size_t svcs[] = {SVC_FIBRE, SVC_DSL};
        fx_post(f, inc, ups, 1, svcs, 2);
        if (inc->services != NULL) {
            inc->services[1].window_start = at(2026, 11, 20, 1, 0);
            inc->services[1].window_end = at(2026, 11, 20, 1, 30);
        }
    }

    /* #42: the open incident. */
    {
        struct incident *inc = &p[4];
        inc->id = 42;
        inc->kind = KIND_INCIDENT;
        inc->title = fx_str(f, "Delayed mail delivery for some customers");
        inc->status = STATUS_IDENTIFIED;
        inc->impact = IMPACT_MAJOR;
        inc->created_at = inc->started_at = at(2026, 11, 18, 9, 40);
        inc->updated_at = at(2026, 11, 18, 10, 45);
        const struct upd_row ups[] = {
            {423, at(2026, 11, 18, 10, 45), STATUS_IDENTIFIED,
             "Mail queued during the fault is being delivered now. New "
             "mail can still take up to half an hour to arrive. No mail "
             "has been lost.",
             "Dana (NOC)", "cli"},
            {422, at(2026, 11, 18, 10, 5), STATUS_IDENTIFIED,
             "One of the mail storage servers ran out of disk space.\n\n"
             "We are moving the affected mailboxes to a spare server.",
             "Dana (NOC)", "noc-bot"},
            {421, at(2026, 11, 18, 9, 40), STATUS_INVESTIGATING,
             "We are looking into reports of delayed incoming and "
             "outgoing mail.",
             NULL, "cli"},
        };
        const size_t svcs[] = {SVC_IMAP, SVC_SMTP};
        fx_post(f, inc, ups, 3, svcs, 2);
    }

    /* #41: resolved, with a postmortem. */
    {
        struct incident *inc = &p[5];
        inc->id = 41;
        inc->kind = KIND_INCIDENT;
        inc->title =
            fx_str(f, "DSL sessions dropping in the northern exchange area");
        inc->status = STATUS_POSTMORTEM;
        inc->impact = IMPACT_CRITICAL;
        inc->created_at = inc->started_at = at(2026, 11, 15, 6, 10);
        inc->monitoring_at = at(2026, 11, 15, 7, 30);
        inc->resolved_at = at(2026, 11, 15, 8, 15);
        inc->postmortem = fx_str(f, FIXTURE_POSTMORTEM);
        inc->postmortem_at = inc->updated_at = at(2026, 11, 16, 14, 0);
        const struct upd_row ups[] = {
            {413, at(2026, 11, 15, 8, 15), STATUS_RESOLVED,
             "Sessions have been stable for 45 minutes. This incident is "
             "resolved.",
             "Lee (NOC)", "cli"},
            {412, at(2026, 11, 15, 7, 30), STATUS_MONITORING,
             "A faulty line card was replaced. Sessions are reconnecting.",
             "Lee (NOC)", "cli"},
            {411, at(2026, 11, 15, 6, 10), STATUS_INVESTIGATING,
             "DSL customers in the northern exchange area lose their "
             "connection every few minutes.",
             "Lee (NOC)", "cli"},
        };
        const size_t svcs[] = {SVC_DSL};
        fx_post(f, inc, ups, 3, svcs, 1);
    }

    /* #40: last month's history. */
    {
        struct incident *inc = &p[6];
        inc->id = 40;
        inc->kind = KIND_INCIDENT;
        inc->title = fx_str(f, "Outgoing mail refused by one relay");
        inc->status = STATUS_RESOLVED;
        inc->impact = IMPACT_MINOR;
        inc->created_at = inc->started_at = at(2026, 10, 7, 13, 20);
        inc->resolved_at = inc->updated_at = at(2026, 10, 7, 14, 5);
        const struct upd_row ups[] = {
            {402, at(2026, 10, 7, 14, 5), STATUS_RESOLVED,
             "The relay was taken out of rotation. Mail flows normally.", NULL,
             "cli"},
            {401, at(2026, 10, 7, 13, 20), STATUS_INVESTIGATING,
             "Some outgoing mail is refused with a temporary error.", NULL,
             "cli"},
        };
        const size_t svcs[] = {SVC_SMTP};
        fx_post(f, inc, ups, 2, svcs, 1);
    }
}

static struct snapshot *fx_finish(struct fx *f)
{
    if (f->oom || snapshot_derive(f->s) != 0) {
        snapshot_unref(f->s);
        return NULL;
    }
    return f->s;
}

struct snapshot *fixture_snapshot(void)
{
    struct fx f = {snapshot_new(), false};
    if (f.s == NULL)
        return NULL;
    fx_site(&f);
    fx_services(&f);
    fx_posts(&f);
    return fx_finish(&f);
}

struct snapshot *fixture_empty_snapshot(void)
{
    struct fx f = {snapshot_new(), false};
    if (f.s == NULL)
        return NULL;
    fx_site(&f);
    return fx_finish(&f);
}

void fixture_changed(struct snapshot *s)
{
    if (snapshot_derive(s) != 0)
        abort(); /* a test that cannot derive cannot go on */
    snapshot_cache_free(s->own_cache);
    s->own_cache = NULL;
    s->sealed = false;
}
