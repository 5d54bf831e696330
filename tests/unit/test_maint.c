/* Unit tests of maintenance that runs itself: store_maintenance_due()
 * moves a maintenance with auto_start or auto_complete at its window's
 * edges, once, with an update saying so; snapshot_next_edge() names the
 * next edge; a maintenance that runs itself marks a service with a window
 * of its own during that window only. On a temporary file, so that two
 * connections can be tried against one database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../../protocols/ics.h"
#include "../../store/store.h"
#include "fixture.h"
#include "testlib.h"

#define NOW 1795000000

static char tmpdir[64];
static char dbpath[128];

static struct store *open_db(void)
{
    struct store *st = NULL;
    char err[256];
    CHECK_INT(store_open(dbpath, &st, err, sizeof(err)), 0);
    return st;
}

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/outpost-maint-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(dbpath, sizeof(dbpath), "%s/test.db", tmpdir);
}

static void clean(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", dbpath, suffix[i]);
        unlink(p);
    }
}

static void add_service(struct store *st, const char *slug)
{
    struct service_input in = {.slug = slug, .name = slug};
    CHECK_INT(store_service_add(st, &in), 0);
}

/* A maintenance of window [NOW+100, NOW+200) on imap and dns, scheduled
 * at NOW; dns has its own window [NOW+150, NOW+180) when windows is set. */
static int64_t schedule(struct store *st, bool auto_start, bool auto_complete,
                        bool windows)
{
    static const char *const slugs[] = {"imap", "dns"};
    static const int64_t w[2][2] = {{0, 0}, {NOW + 150, NOW + 180}};
    struct post_input in = {
        .kind = KIND_MAINTENANCE,
        .title = "Reboot",
        .status = STATUS_SCHEDULED,
        .impact = IMPACT_MAINTENANCE,
        .services = slugs,
        .n_services = 2,
        .at = NOW,
        .scheduled_start = NOW + 100,
        .scheduled_end = NOW + 200,
        .windows = windows ? w : NULL,
        .auto_start = auto_start,
        .auto_complete = auto_complete,
    };
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), 0);
    return id;
}

static struct snapshot *load_at(struct store *st, int64_t now)
{
    struct snapshot *s = NULL;
    CHECK_INT(store_load(st, now, &s), 0);
    return s;
}

TEST(starts_and_completes_once_at_the_edges)
{
    clean();
    struct store *st = open_db(), *other = open_db();
    REQUIRE(st != NULL && other != NULL);
    add_service(st, "imap");
    add_service(st, "dns");
    int64_t id = schedule(st, true, true, false);
    int64_t manual = schedule(st, false, false, false);
    int started = -1, completed = -1;

    CHECK_INT(store_maintenance_due(st, NOW + 99, &started, &completed), 0);
    CHECK_INT(started, 0);
    CHECK_INT(completed, 0);
    CHECK_INT(store_maintenance_due(st, NOW + 100, &started, &completed), 0);
    CHECK_INT(started, 1);
    CHECK_INT(completed, 0);
    /* Again, on this connection and on another one: nothing moves. */
    CHECK_INT(store_maintenance_due(st, NOW + 101, &started, &completed), 0);
    CHECK_INT(started + completed, 0);
    CHECK_INT(store_maintenance_due(other, NOW + 150, &started, &completed), 0);
    CHECK_INT(started + completed, 0);

    struct snapshot *s = load_at(st, NOW + 150);
    REQUIRE(s != NULL);
    const struct incident *inc = snapshot_incident(s, id);
    REQUIRE(inc != NULL);
    CHECK_INT(inc->status, STATUS_IN_PROGRESS);
    CHECK(inc->auto_start && inc->auto_complete);
    CHECK_INT(inc->n_updates, 2);
    CHECK_STR(inc->updates[0].via, STORE_VIA_SCHEDULE);
    CHECK_INT(inc->updates[0].created_at, NOW + 100);
    CHECK_INT(inc->updates[0].status, STATUS_IN_PROGRESS);
    CHECK(strstr(inc->updates[0].body, "automatically") != NULL);
    /* The maintenance run by hand is still scheduled, and overdue. */
    const struct incident *m = snapshot_incident(s, manual);
    REQUIRE(m != NULL);
    CHECK_INT(m->status, STATUS_SCHEDULED);
    CHECK(!snapshot_is_upcoming_maintenance(s, m));
    CHECK(snapshot_is_overdue_maintenance(s, m));
    CHECK_STR(snapshot_service(s, "imap")->status_reason, "maintenance #1");
    snapshot_unref(s);

    CHECK_INT(store_maintenance_due(other, NOW + 199, &started, &completed), 0);
    CHECK_INT(completed, 0);
    CHECK_INT(store_maintenance_due(other, NOW + 200, &started, &completed), 0);
    CHECK_INT(started, 0);
    CHECK_INT(completed, 1);
    CHECK_INT(store_maintenance_due(st, NOW + 300, &started, &completed), 0);
    CHECK_INT(started + completed, 0);
    s = load_at(st, NOW + 300);
    REQUIRE(s != NULL);
    inc = snapshot_incident(s, id);
    REQUIRE(inc != NULL);
    CHECK_INT(inc->status, STATUS_COMPLETED);
    CHECK_INT(inc->resolved_at, NOW + 200);
    CHECK_INT(inc->n_updates, 3);
    CHECK_INT(inc->updates[0].status, STATUS_COMPLETED);
    CHECK_STR(inc->updates[0].via, STORE_VIA_SCHEDULE);
    CHECK_INT(snapshot_incident(s, manual)->status, STATUS_SCHEDULED);
    snapshot_unref(s);
    store_close(other);
    store_close(st);
}

/* A server down for the whole window: both moves when it comes back, the
 * start first. */
TEST(a_missed_window_is_caught_up_on)
{
    clean();
    struct store *st = open_db();
    REQUIRE(st != NULL);
    add_service(st, "imap");
    add_service(st, "dns");
    int64_t id = schedule(st, true, true, false);
    int started = 0, completed = 0;
    CHECK_INT(store_maintenance_due(st, NOW + 500, &started, &completed), 0);
    CHECK_INT(started, 1);
    CHECK_INT(completed, 1);
    struct snapshot *s = load_at(st, NOW + 500);
    REQUIRE(s != NULL);
    const struct incident *inc = snapshot_incident(s, id);
    REQUIRE(inc != NULL && inc->n_updates == 3);
    CHECK_INT(inc->updates[0].status, STATUS_COMPLETED);
    CHECK_INT(inc->updates[1].status, STATUS_IN_PROGRESS);
    snapshot_unref(s);
    store_close(st);
}

/* Only the flag given moves: auto_complete alone waits for a start by
 * hand (a maintenance never completes without having started), and one
 * started by hand is completed on time. */
TEST(each_flag_alone)
{
    clean();
    struct store *st = open_db();
    REQUIRE(st != NULL);
    add_service(st, "imap");
    add_service(st, "dns");
    int64_t a = schedule(st, false, true, false);
    int64_t b = schedule(st, true, false, false);
    int started = 0, completed = 0;
    CHECK_INT(store_maintenance_due(st, NOW + 300, &started, &completed), 0);
    CHECK_INT(started, 1);
    CHECK_INT(completed, 0);
    struct update_input up = {.set_status = true,
                              .status = STATUS_IN_PROGRESS,
                              .via = "cli",
                              .at = NOW + 301};
    CHECK_INT(store_post_update(st, a, &up), 0);
    CHECK_INT(store_maintenance_due(st, NOW + 302, &started, &completed), 0);
    CHECK_INT(started, 0);
    CHECK_INT(completed, 1);
    struct snapshot *s = load_at(st, NOW + 400);
    REQUIRE(s != NULL);
    CHECK_INT(snapshot_incident(s, a)->status, STATUS_COMPLETED);
    CHECK_INT(snapshot_incident(s, b)->status, STATUS_IN_PROGRESS);
    snapshot_unref(s);
    store_close(st);
}

TEST(only_maintenance_runs_itself)
{
    clean();
    struct store *st = open_db();
    REQUIRE(st != NULL);
    struct post_input in = {.kind = KIND_NOTICE,
                            .title = "Hello",
                            .status = STATUS_POSTED,
                            .impact = IMPACT_NONE,
                            .body = "Hi.",
                            .auto_start = true};
    int64_t id = 0;
    CHECK_INT(store_post_open(st, &in, &id), UV_EINVAL);
    CHECK(strstr(store_errmsg(st), "only maintenance") != NULL);
    /* The server's own updates carry a name no token may take. */
    char token[STORE_TOKEN_LEN + 1];
    CHECK_INT(store_token_add(st, STORE_VIA_SCHEDULE, token, NOW), UV_EINVAL);
    store_close(st);
}

/* The edges the server's timer is armed for, and the service windows of
 * a maintenance that runs itself. */
TEST(next_edge_and_service_windows)
{
    clean();
    struct store *st = open_db();
    REQUIRE(st != NULL);
    add_service(st, "imap");
    add_service(st, "dns");
    schedule(st, true, true, true);
    bool due = true;
    struct snapshot *s = load_at(st, NOW);
    REQUIRE(s != NULL);
    CHECK_INT(snapshot_next_edge(s, &due), NOW + 100);
    CHECK(!due);
    snapshot_unref(s);
    s = load_at(st, NOW + 100);
    REQUIRE(s != NULL);
    snapshot_next_edge(s, &due);
    CHECK(due); /* the start is due and not yet made */
    snapshot_unref(s);

    CHECK_INT(store_maintenance_due(st, NOW + 100, NULL, NULL), 0);
    static const struct {
        int64_t at, next;
        enum service_status imap, dns;
    } steps[] = {
        {NOW + 100, NOW + 150, SERVICE_UNDER_MAINTENANCE, SERVICE_OPERATIONAL},
        {NOW + 149, NOW + 150, SERVICE_UNDER_MAINTENANCE, SERVICE_OPERATIONAL},
        {NOW + 150, NOW + 180, SERVICE_UNDER_MAINTENANCE,
         SERVICE_UNDER_MAINTENANCE},
        {NOW + 180, NOW + 200, SERVICE_UNDER_MAINTENANCE, SERVICE_OPERATIONAL},
    };
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        s = load_at(st, steps[k].at);
        REQUIRE(s != NULL);
        CHECK_INT(snapshot_next_edge(s, &due), steps[k].next);
        CHECK(!due);
        CHECK_INT(snapshot_service(s, "imap")->status, steps[k].imap);
        CHECK_INT(snapshot_service(s, "dns")->status, steps[k].dns);
        snapshot_unref(s);
    }
    s = load_at(st, NOW + 200);
    REQUIRE(s != NULL);
    snapshot_next_edge(s, &due);
    CHECK(due);
    snapshot_unref(s);
    CHECK_INT(store_maintenance_due(st, NOW + 200, NULL, NULL), 0);
    s = load_at(st, NOW + 200);
    REQUIRE(s != NULL);
    CHECK_INT(snapshot_next_edge(s, &due), 0);
    CHECK(!due);
    CHECK_INT(snapshot_service(s, "imap")->status, SERVICE_OPERATIONAL);
    snapshot_unref(s);
    store_close(st);
}

/* Run by hand, a maintenance marks its services for as long as it is in
 * progress, windows or not (the operator's word is the truth). */
TEST(by_hand_the_windows_are_only_the_plan)
{
    clean();
    struct store *st = open_db();
    REQUIRE(st != NULL);
    add_service(st, "imap");
    add_service(st, "dns");
    int64_t id = schedule(st, false, false, true);
    struct update_input up = {.set_status = true,
                              .status = STATUS_IN_PROGRESS,
                              .via = "cli",
                              .at = NOW + 100};
    CHECK_INT(store_post_update(st, id, &up), 0);
    struct snapshot *s = load_at(st, NOW + 120);
    REQUIRE(s != NULL);
    CHECK_INT(snapshot_service(s, "dns")->status, SERVICE_UNDER_MAINTENANCE);
    bool due = true;
    CHECK_INT(snapshot_next_edge(s, &due), 0);
    CHECK(!due);
    snapshot_unref(s);
    store_close(st);
}

/* The calendar of the fixture: an event per listed maintenance, with a
 * title long enough and non-ASCII enough to be folded, and every content
 * line within 75 octets, never cut inside a UTF-8 character, TEXT values
 * escaped. */
TEST(ics_events_folding_and_escapes)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct incident *inc = (struct incident *)snapshot_incident(s, 43);
    REQUIRE(inc != NULL);
    inc->title = "Wartung der Kernrouter; Glasfaser, DSL und \\ "
                 "Übergänge in Zürich, Genève und München (zweite Runde)";
    struct buf b = BUF_INIT;
    ics_maintenance(&b, s);
    REQUIRE(!buf_failed(&b) && b.data != NULL);
    CHECK_HAS(b.data, b.len, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    CHECK_HAS(b.data, b.len, "UID:maintenance-43@");
    CHECK_HAS(b.data, b.len, "UID:maintenance-44@");
    CHECK_HAS(b.data, b.len, "DTSTART:20261120T003000Z\r\n");
    CHECK_HAS(b.data, b.len,
              "SUMMARY:Wartung der Kernrouter\\; Glasfaser\\, "
              "DSL und \\\\ ");
    CHECK_LACKS(b.data, b.len, "UID:maintenance-42@"); /* an incident */
    /* Unfolded, the title is there whole. */
    struct buf u = BUF_INIT;
    for (size_t i = 0; i < b.len; i++) {
        if (i + 2 < b.len && b.data[i] == '\r' && b.data[i + 1] == '\n' &&
            b.data[i + 2] == ' ') {
            i += 2;
            continue;
        }
        buf_putc(&u, b.data[i]);
    }
    CHECK_HAS(u.data, u.len,
              "Übergänge in Zürich\\, Genève und München "
              "(zweite Runde)\r\n");
    int folded = 0;
    size_t line = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] == '\r') {
            CHECK(i + 1 < b.len && b.data[i + 1] == '\n');
            CHECK(i - line <= 75);
            if (i + 2 < b.len && b.data[i + 2] == ' ') {
                folded++;
                CHECK(((unsigned char)b.data[i + 3] & 0xc0) != 0x80);
            }
            line = i + 2;
        }
    }
    CHECK(folded > 0);
    CHECK(b.len >= 15 &&
          memcmp(b.data + b.len - 15, "END:VCALENDAR\r\n", 15) == 0);
    buf_free(&u);
    buf_free(&b);
    snapshot_unref(s);
}

int main(void)
{
    setup();
    RUN(starts_and_completes_once_at_the_edges);
    RUN(a_missed_window_is_caught_up_on);
    RUN(each_flag_alone);
    RUN(only_maintenance_runs_itself);
    RUN(next_edge_and_service_windows);
    RUN(by_hand_the_windows_are_only_the_plan);
    RUN(ics_events_folding_and_escapes);
    clean();
    rmdir(tmpdir);
    return test_report();
}
