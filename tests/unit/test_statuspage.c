/* Unit tests of the JSON writer (protocols/json.c) and the Statuspage v2
 * documents (protocols/statuspage.c).
 *
 * The documents are read back with the project's strict RFC 8259 parser
 * (store/jsonparse.h: it refuses trailing commas, raw control characters,
 * bad escapes, malformed UTF-8 and duplicate member names), held here to
 * two more rules the writer keeps (only integers, no surrogate escapes),
 * then checked field by field against the Statuspage v2 public API's shape
 * and the fixture's data. Only the reader's functions are used, never the
 * fields of its tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/json.h"
#include "../../protocols/statuspage.h"
#include "../../store/jsonparse.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

/* ---- reading the documents back --------------------------------------- */

/* True if every number in the tree is an integer: the writer has only
 * json_int(), so a fraction or an exponent is not ours. */
static bool only_integers(const struct json *v)
{
    if (json_type(v) == JSON_NUMBER)
        return false;
    for (const struct json *c = json_first(v); c != NULL; c = json_next(c))
        if (!only_integers(c))
            return false;
    return true;
}

/* True if no \u escape in the text is a UTF-16 surrogate: the writer sends
 * every character above U+001F as raw UTF-8 and escapes only controls,
 * quotes and backslashes. A backslash can only stand inside a string in
 * valid JSON, and skipping the escaped character keeps "\\u" (an escaped
 * backslash, then 'u') apart. */
static bool no_surrogate_escapes(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] != '\\')
            continue;
        if (p[i + 1] == 'u' && i + 3 < len && (p[i + 2] | 0x20) == 'd' &&
            memchr("89abAB", p[i + 3], 6) != NULL)
            return false;
        i++;
    }
    return true;
}

/* Parses a whole document; NULL (with the reason in err) unless it is
 * exactly one valid value that keeps the writer's two rules above. */
static struct json *jparse(const char *s, size_t len, char *err, size_t errlen)
{
    struct json *v = NULL;
    if (json_parse(s, len, &v, err, errlen) != 0)
        return NULL;
    if (!only_integers(v) || !no_surrogate_escapes(s, len)) {
        snprintf(err, errlen, "%s",
                 only_integers(v) ? "a surrogate escape" : "not an integer");
        json_free(v);
        return NULL;
    }
    return v;
}

/* The i-th element of an array (or member of an object), or NULL. */
static const struct json *jat(const struct json *arr, size_t i)
{
    const struct json *e = json_first(arr);
    while (e != NULL && i-- > 0)
        e = json_next(e);
    return e;
}

static const char *jstr(const struct json *o, const char *key)
{
    return json_as_string(json_get(o, key), NULL);
}

/* The member is present and of type t (a null member counts as present). */
static bool jis(const struct json *o, const char *key, enum json_type t)
{
    const struct json *v = json_get(o, key);
    return v != NULL && json_type(v) == t;
}

static bool jis_bool(const struct json *o, const char *key)
{
    bool b;
    return json_as_bool(json_get(o, key), &b) == 0;
}

static bool jtrue(const struct json *v)
{
    bool b;
    return json_as_bool(v, &b) == 0 && b;
}

/* The integer value of a member, or INT64_MIN when it is not an integer. */
static int64_t jint(const struct json *o, const char *key)
{
    int64_t i;
    return json_as_int64(json_get(o, key), &i) == 0 ? i : INT64_MIN;
}

/* "YYYY-MM-DDTHH:MM:SS.000Z" */
static bool is_ms_time(const char *s)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:dd.000Z";
    if (s == NULL || strlen(s) != sizeof(pat) - 1)
        return false;
    for (size_t i = 0; pat[i]; i++) {
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return false;
    }
    return true;
}

/* A time field: present, and either null or a millisecond timestamp. */
static bool time_or_null(const struct json *o, const char *key)
{
    const struct json *v = json_get(o, key);
    if (v == NULL)
        return false;
    return json_type(v) == JSON_NULL || is_ms_time(json_as_string(v, NULL));
}

static struct snapshot *snap;

static struct json *doc(enum statuspage_doc d)
{
    struct buf b = BUF_INIT;
    statuspage_render(&b, snap, d);
    CHECK(!buf_failed(&b));
    char err[128] = "";
    struct json *v = jparse(b.data, b.len, err, sizeof(err));
    if (v == NULL)
        printf("  document %s does not parse (%s):\n%s\n", statuspage_path(d),
               err, b.data);
    buf_free(&b);
    return v;
}

/* ---- the JSON writer -------------------------------------------------- */

TEST(json_str_escapes)
{
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        /* plain text passes unchanged */
        {"status", 6, "\"status\""},
        /* quotes and backslashes */
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        /* the short escapes */
        {"\n\r\t", 3, "\"\\n\\r\\t\""},
        /* other controls as \u00XX, ESC included */
        {"\x01\x1b[2J\x1f", 6, "\"\\u0001\\u001b[2J\\u001f\""},
        /* a NUL inside the counted length */
        {"a\0b", 3, "\"a\\u0000b\""},
        /* DEL is legal raw JSON */
        {"\x7f", 1, "\"\x7f\""},
        /* well-formed UTF-8 passes */
        {"Z\xc3\xbcrich \xe2\x80\x94 \xf0\x9f\x93\xa1", 16,
         "\"Z\xc3\xbcrich \xe2\x80\x94 \xf0\x9f\x93\xa1\""},
        /* a stray byte becomes U+FFFD */
        {"a\xff"
         "b",
         3,
         "\"a\xef\xbf\xbd"
         "b\""},
        /* an overlong NUL is two bad bytes */
        {"\xc0\x80", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
        /* a UTF-16 surrogate encoded in UTF-8 is refused */
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        /* a truncated sequence at the end */
        {"ok\xe2\x80", 4, "\"ok\xef\xbf\xbd\xef\xbf\xbd\""},
        /* above U+10FFFF */
        {"\xf4\x90\x80\x80", 4,
         "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        /* slashes need no escape (and "</script>" is not an HTML matter) */
        {"</x>", 4, "\"</x>\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        json_strn(&b, cases[i].in, cases[i].len);
        CHECK_STR(b.data, cases[i].want);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    json_str(&b, NULL);
    CHECK_STR(b.data, "null");
    buf_free(&b);
}

TEST(json_writer_commas)
{
    struct buf b = BUF_INIT;
    struct json_writer w;
    json_init(&w, &b);
    json_object_begin(&w);
    json_key(&w, "a");
    json_array_begin(&w);
    json_int(&w, 1);
    json_int(&w, -9007199254740993LL);
    json_bool(&w, true);
    json_null(&w);
    json_string(&w, "x");
    json_string(&w, NULL);
    json_array_end(&w);
    json_key(&w, "b");
    json_object_begin(&w);
    json_object_end(&w);
    json_key(&w, "c");
    json_array_begin(&w);
    json_array_begin(&w);
    json_array_end(&w);
    json_object_begin(&w);
    json_key(&w, "t");
    json_time(&w, 1795000000);
    json_key(&w, "u");
    json_time(&w, 0);
    json_object_end(&w);
    json_array_end(&w);
    json_key(&w, "d");
    json_bool(&w, false);
    json_object_end(&w);
    CHECK_STR(b.data, "{\"a\":[1,-9007199254740993,true,null,\"x\",null],"
                      "\"b\":{},\"c\":[[],{\"t\":\"2026-11-18T11:06:40.000Z\","
                      "\"u\":null}],\"d\":false}");
    CHECK_INT(w.depth, 0);
    buf_free(&b);
}

TEST(json_reader_is_strict)
{
    /* The checks below are only as good as the reader: make sure it
     * refuses what is not JSON. */
    static const char *bad[] = {
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "\"a\nb\"",
        "[1 2]",
        "{a:1}",
        "[01]",
        "\"\\x\"",
        "\"\xff\"",
        "{\"a\":1}x",
        "",
        "[",
        "{\"a\":1,\"a\":2}",
        "tru",
        "[1.5]",
        /* on top of RFC 8259: the writer's rules */
        "[1e3]",
        "\"\\ud83d\\ude00\"",
        "\"\\uDBFF\\uDFFF\"",
    };
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct json *v = jparse(bad[i], strlen(bad[i]), err, sizeof(err));
        if (v != NULL)
            printf("  accepted: %s\n", bad[i]);
        CHECK(v == NULL);
        json_free(v);
    }
    const char *good = " {\"a\":[true,false,null,\"\\u00e9\\n\",-1]} ";
    struct json *v = jparse(good, strlen(good), err, sizeof(err));
    CHECK(v != NULL);
    if (v != NULL) {
        const struct json *a = json_get(v, "a");
        CHECK(json_type(a) == JSON_ARRAY && json_len(a) == 5);
        if (json_len(a) == 5)
            CHECK_STR(json_as_string(jat(a, 3), NULL), "\xc3\xa9\n");
    }
    json_free(v);
}

/* ---- page ids --------------------------------------------------------- */

TEST(statuspage_page_id_stable)
{
    char a[13], b[13], c[13], d[13];
    statuspage_page_id("status.example.net", a);
    statuspage_page_id("Status.Example.NET", b);
    statuspage_page_id("status.example.org", c);
    statuspage_page_id(NULL, d);
    CHECK_INT(strlen(a), 12);
    CHECK_INT(strlen(d), 12);
    for (int i = 0; i < 12; i++)
        CHECK((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9'));
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    /* Pinned: a poller keyed on the id must not see it change between
     * releases. */
    CHECK_STR(a, "67bvaq7epgqi");
}

/* ---- the documents ---------------------------------------------------- */

static void check_page(const struct json *root)
{
    const struct json *page = json_get(root, "page");
    CHECK(json_type(page) == JSON_OBJECT);
    const char *id = jstr(page, "id");
    CHECK(id != NULL && strlen(id) == 12);
    CHECK_STR(jstr(page, "name"), "Example Net status");
    CHECK_STR(jstr(page, "url"), "http://status.example.net");
    CHECK_STR(jstr(page, "time_zone"), "Etc/UTC");
    CHECK_STR(jstr(page, "updated_at"), "2026-11-18T10:45:00.000Z");
}

static const char *const component_keys[] = {
    "id",         "page_id",
    "group_id",   "group",
    "name",       "description",
    "position",   "status",
    "showcase",   "only_show_if_degraded",
    "start_date", "created_at",
    "updated_at",
};

static void check_component(const struct json *c, const char *page_id)
{
    CHECK(json_type(c) == JSON_OBJECT);
    for (size_t k = 0; k < sizeof(component_keys) / sizeof(*component_keys);
         k++) {
        if (json_get(c, component_keys[k]) == NULL)
            printf("  component lacks %s\n", component_keys[k]);
        CHECK(json_get(c, component_keys[k]) != NULL);
    }
    CHECK(jis(c, "id", JSON_STRING));
    CHECK(jis(c, "name", JSON_STRING));
    CHECK(jis_bool(c, "group"));
    CHECK(jis(c, "position", JSON_INT));
    CHECK(jis_bool(c, "showcase"));
    CHECK(jis_bool(c, "only_show_if_degraded"));
    CHECK(jis(c, "description", JSON_STRING) ||
          jis(c, "description", JSON_NULL));
    CHECK(jis(c, "group_id", JSON_STRING) || jis(c, "group_id", JSON_NULL));
    CHECK(jis(c, "start_date", JSON_NULL));
    CHECK(time_or_null(c, "created_at"));
    CHECK(time_or_null(c, "updated_at"));
    CHECK_STR(jstr(c, "page_id"), page_id);
    static const char *statuses[] = {"operational", "degraded_performance",
                                     "partial_outage", "major_outage",
                                     "under_maintenance"};
    const char *st = jstr(c, "status");
    bool known = false;
    for (size_t i = 0; st != NULL && i < 5; i++)
        known |= strcmp(st, statuses[i]) == 0;
    CHECK(known);
    /* Only group rows list their children. */
    if (jtrue(json_get(c, "group")))
        CHECK(jis(c, "components", JSON_ARRAY));
    else
        CHECK(json_get(c, "components") == NULL);
}

static const char *const incident_keys[] = {
    "id",
    "page_id",
    "name",
    "status",
    "impact",
    "created_at",
    "updated_at",
    "started_at",
    "monitoring_at",
    "resolved_at",
    "shortlink",
    "incident_updates",
    "components",
    "reminder_intervals",
};

static const char *const update_keys[] = {
    "id",
    "incident_id",
    "status",
    "body",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
};

static void check_incident(const struct json *inc, const char *page_id,
                           bool maintenance)
{
    CHECK(json_type(inc) == JSON_OBJECT);
    for (size_t k = 0; k < sizeof(incident_keys) / sizeof(*incident_keys);
         k++) {
        if (json_get(inc, incident_keys[k]) == NULL)
            printf("  incident lacks %s\n", incident_keys[k]);
        CHECK(json_get(inc, incident_keys[k]) != NULL);
    }
    CHECK(jis(inc, "id", JSON_STRING));
    CHECK(jis(inc, "name", JSON_STRING));
    CHECK_STR(jstr(inc, "page_id"), page_id);
    CHECK(time_or_null(inc, "created_at") &&
          jis(inc, "created_at", JSON_STRING));
    CHECK(time_or_null(inc, "updated_at"));
    CHECK(time_or_null(inc, "started_at"));
    CHECK(time_or_null(inc, "monitoring_at"));
    CHECK(time_or_null(inc, "resolved_at"));
    char link[96];
    snprintf(link, sizeof(link), "http://status.example.net/incidents/%s",
             jstr(inc, "id") ? jstr(inc, "id") : "?");
    CHECK_STR(jstr(inc, "shortlink"), link);
    const char *st = jstr(inc, "status");
    const char *imp = jstr(inc, "impact");
    CHECK(st != NULL && imp != NULL);
    if (maintenance) {
        CHECK(time_or_null(inc, "scheduled_for") &&
              jis(inc, "scheduled_for", JSON_STRING));
        CHECK(time_or_null(inc, "scheduled_until"));
        CHECK(st != NULL &&
              (strcmp(st, "scheduled") == 0 || strcmp(st, "in_progress") == 0 ||
               strcmp(st, "verifying") == 0 || strcmp(st, "completed") == 0));
        CHECK_STR(imp, "maintenance");
    } else {
        CHECK(st != NULL &&
              (strcmp(st, "investigating") == 0 ||
               strcmp(st, "identified") == 0 || strcmp(st, "monitoring") == 0 ||
               strcmp(st, "resolved") == 0 || strcmp(st, "postmortem") == 0));
        CHECK(imp != NULL &&
              (strcmp(imp, "none") == 0 || strcmp(imp, "minor") == 0 ||
               strcmp(imp, "major") == 0 || strcmp(imp, "critical") == 0));
    }
    const struct json *ups = json_get(inc, "incident_updates");
    CHECK(json_type(ups) == JSON_ARRAY && json_len(ups) > 0);
    const struct json *prev = NULL;
    for (const struct json *up = json_first(ups); up != NULL;
         prev = up, up = json_next(up)) {
        for (size_t k = 0; k < sizeof(update_keys) / sizeof(*update_keys); k++)
            CHECK(json_get(up, update_keys[k]) != NULL);
        CHECK(jis(up, "id", JSON_STRING) && jis(up, "body", JSON_STRING));
        CHECK_STR(jstr(up, "incident_id"), jstr(inc, "id"));
        CHECK(time_or_null(up, "created_at") &&
              jis(up, "created_at", JSON_STRING));
        CHECK(jis_bool(up, "deliver_notifications"));
        /* newest first */
        if (prev != NULL)
            CHECK(strcmp(jstr(prev, "created_at"), jstr(up, "created_at")) >=
                  0);
    }
    const struct json *comps = json_get(inc, "components");
    CHECK(json_type(comps) == JSON_ARRAY);
    for (const struct json *c = json_first(comps); c != NULL; c = json_next(c))
        check_component(c, page_id);
}

/* The ids of a list of posts, "42,41,…". */
static void list_ids(const struct json *arr, char *out, size_t size)
{
    out[0] = '\0';
    size_t i = 0;
    for (const struct json *e = json_first(arr); e != NULL;
         e = json_next(e), i++) {
        const char *id = jstr(e, "id");
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? "," : "", id ? id : "?");
    }
}

TEST(statuspage_summary_shape)
{
    struct json *root = doc(STATUSPAGE_SUMMARY);
    REQUIRE(root != NULL);
    CHECK_INT(json_len(root), 5);
    check_page(root);
    const char *page_id = jstr(json_get(root, "page"), "id");

    const struct json *status = json_get(root, "status");
    CHECK_STR(jstr(status, "indicator"), "major");
    CHECK_STR(jstr(status, "description"), "Partial System Outage");

    /* Components in page order, groups before their members. */
    const struct json *comps = json_get(root, "components");
    CHECK(json_type(comps) == JSON_ARRAY);
    char ids[256];
    list_ids(comps, ids, sizeof(ids));
    CHECK_STR(ids, "group.access,dsl,fibre,group.mail,imap,smtp,dns");
    for (const struct json *c = json_first(comps); c != NULL; c = json_next(c))
        check_component(c, page_id);
    if (json_len(comps) == 7) {
        const struct json *mail = jat(comps, 3);
        CHECK(jtrue(json_get(mail, "group")));
        CHECK_STR(jstr(mail, "status"), "partial_outage");
        const struct json *kids = json_get(mail, "components");
        CHECK(json_len(kids) == 2);
        if (json_len(kids) == 2) {
            CHECK_STR(json_as_string(jat(kids, 0), NULL), "imap");
            CHECK_STR(json_as_string(jat(kids, 1), NULL), "smtp");
        }
        CHECK(jis(mail, "group_id", JSON_NULL));
        CHECK_STR(jstr(jat(comps, 4), "group_id"), "group.mail");
        CHECK_STR(jstr(jat(comps, 4), "name"), "Mailbox access (IMAP)");
        CHECK_STR(jstr(jat(comps, 4), "description"), "Reading mail");
        CHECK_INT(jint(jat(comps, 4), "position"), 1);
        CHECK_INT(jint(jat(comps, 5), "position"), 2);
        CHECK(jis(jat(comps, 2), "description", JSON_NULL)); /* fibre */
        const struct json *dns = jat(comps, 6);
        CHECK(jis(dns, "group_id", JSON_NULL));
        CHECK_STR(jstr(dns, "status"), "under_maintenance");
        CHECK_INT(jint(dns, "position"), 3);
        CHECK_INT(jint(jat(comps, 0), "position"), 1);
        CHECK_INT(jint(mail, "position"), 2);
    }

    /* Unresolved incidents only: #42. */
    const struct json *incs = json_get(root, "incidents");
    list_ids(incs, ids, sizeof(ids));
    CHECK_STR(ids, "42");
    if (json_len(incs) == 1) {
        const struct json *i42 = jat(incs, 0);
        check_incident(i42, page_id, false);
        CHECK_STR(jstr(i42, "name"),
                  "Delayed mail delivery for some customers");
        CHECK_STR(jstr(i42, "status"), "identified");
        CHECK_STR(jstr(i42, "impact"), "major");
        CHECK_STR(jstr(i42, "started_at"), "2026-11-18T09:40:00.000Z");
        CHECK(jis(i42, "monitoring_at", JSON_NULL));
        CHECK(jis(i42, "resolved_at", JSON_NULL));
        list_ids(json_get(i42, "incident_updates"), ids, sizeof(ids));
        CHECK_STR(ids, "423,422,421");
        const struct json *u = jat(json_get(i42, "incident_updates"), 1);
        CHECK_STR(jstr(u, "body"),
                  "One of the mail storage servers ran out of disk space."
                  "\n\nWe are moving the affected mailboxes to a spare "
                  "server.");
        CHECK_STR(jstr(u, "status"), "identified");
        CHECK_STR(jstr(u, "created_at"), "2026-11-18T10:05:00.000Z");
        list_ids(json_get(i42, "components"), ids, sizeof(ids));
        CHECK_STR(ids, "imap,smtp");
    }

    /* Maintenance in progress, then upcoming. */
    const struct json *ms = json_get(root, "scheduled_maintenances");
    list_ids(ms, ids, sizeof(ids));
    CHECK_STR(ids, "44,43");
    for (const struct json *m = json_first(ms); m != NULL; m = json_next(m))
        check_incident(m, page_id, true);
    if (json_len(ms) == 2) {
        CHECK_STR(jstr(jat(ms, 0), "status"), "in_progress");
        CHECK_STR(jstr(jat(ms, 0), "scheduled_for"),
                  "2026-11-18T10:30:00.000Z");
        CHECK_STR(jstr(jat(ms, 0), "scheduled_until"),
                  "2026-11-18T12:30:00.000Z");
        CHECK_STR(jstr(jat(ms, 1), "status"), "scheduled");
        list_ids(json_get(jat(ms, 1), "components"), ids, sizeof(ids));
        CHECK_STR(ids, "fibre,dsl");
    }
    json_free(root);
}

TEST(statuspage_other_documents)
{
    static const struct {
        enum statuspage_doc doc;
        const char *list; /* the list's key, or NULL */
        const char *ids;  /* its ids in order */
        size_t n_keys;    /* top-level members */
    } cases[] = {
        {STATUSPAGE_STATUS, NULL, NULL, 2},
        {STATUSPAGE_COMPONENTS, "components",
         "group.access,dsl,fibre,group.mail,imap,smtp,dns", 2},
        /* every incident, resolved ones too, never notices or
         * maintenance */
        {STATUSPAGE_INCIDENTS, "incidents", "66,42,41,40", 2},
        {STATUSPAGE_INCIDENTS_UNRESOLVED, "incidents", "42", 2},
        {STATUSPAGE_MAINTENANCES, "scheduled_maintenances", "44,43", 2},
        {STATUSPAGE_MAINTENANCES_UPCOMING, "scheduled_maintenances", "43", 2},
        {STATUSPAGE_MAINTENANCES_ACTIVE, "scheduled_maintenances", "44", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json *root = doc(cases[i].doc);
        CHECK(root != NULL);
        if (root == NULL)
            continue;
        check_page(root);
        CHECK_INT(json_len(root), cases[i].n_keys);
        if (cases[i].list != NULL) {
            const struct json *l = json_get(root, cases[i].list);
            CHECK(json_type(l) == JSON_ARRAY);
            char ids[256];
            list_ids(l, ids, sizeof(ids));
            CHECK_STR(ids, cases[i].ids);
        } else {
            CHECK_STR(jstr(json_get(root, "status"), "indicator"), "major");
        }
        json_free(root);
    }
}

/* The hostile post's strings survive the trip through JSON exactly. */
TEST(statuspage_hostile_round_trip)
{
    struct json *root = doc(STATUSPAGE_INCIDENTS);
    CHECK(root != NULL);
    const struct json *incs = json_get(root, "incidents");
    CHECK(json_len(incs) > 0);
    if (json_len(incs) > 0) {
        const struct json *i66 = jat(incs, 0);
        CHECK_STR(jstr(i66, "id"), "66");
        CHECK_STR(jstr(i66, "name"), FIXTURE_HOSTILE_TITLE);
        const struct json *ups = json_get(i66, "incident_updates");
        CHECK(json_len(ups) == 2);
        if (json_len(ups) == 2)
            CHECK_STR(jstr(jat(ups, 0), "body"), FIXTURE_HOSTILE_BODY);
        CHECK_STR(jstr(i66, "resolved_at"), "2026-11-12T21:00:00.000Z");
        CHECK(jis(i66, "postmortem_body", JSON_NULL));
    }
    /* #41's postmortem is carried. */
    bool seen41 = false;
    for (const struct json *i = json_first(incs); i != NULL; i = json_next(i)) {
        const char *id = jstr(i, "id");
        if (id == NULL || strcmp(id, "41") != 0)
            continue;
        seen41 = true;
        CHECK_STR(jstr(i, "status"), "postmortem");
        CHECK_STR(jstr(i, "postmortem_body"), FIXTURE_POSTMORTEM);
        CHECK_STR(jstr(i, "postmortem_published_at"),
                  "2026-11-16T14:00:00.000Z");
        CHECK_STR(jstr(i, "monitoring_at"), "2026-11-15T07:30:00.000Z");
    }
    CHECK(seen41);
    json_free(root);
}

TEST(statuspage_empty_store)
{
    struct snapshot *empty = fixture_empty_snapshot();
    REQUIRE(empty != NULL);
    struct snapshot *keep = snap;
    snap = empty;
    struct json *root = doc(STATUSPAGE_SUMMARY);
    CHECK(root != NULL);
    if (root != NULL) {
        CHECK_STR(jstr(json_get(root, "status"), "indicator"), "none");
        CHECK_STR(jstr(json_get(root, "status"), "description"),
                  "All Systems Operational");
        CHECK(jis(root, "components", JSON_ARRAY));
        CHECK(jis(root, "incidents", JSON_ARRAY));
        CHECK(jis(root, "scheduled_maintenances", JSON_ARRAY));
        CHECK(json_len(json_get(root, "components")) == 0);
        CHECK(json_len(json_get(root, "incidents")) == 0);
        CHECK(json_len(json_get(root, "scheduled_maintenances")) == 0);
        /* No data yet: updated_at falls back to the server time. */
        CHECK_STR(jstr(json_get(root, "page"), "updated_at"),
                  "2026-11-18T11:06:40.000Z");
    }
    json_free(root);
    snapshot_unref(snap);
    snap = keep;
}

/* Group names that reduce to the same id get distinct ids. */
TEST(statuspage_group_ids_distinct)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL && s->n_groups == 2);
    /* Rename both groups so they collide once reduced to [a-z0-9-]. */
    s->groups[0].name = "Mail & News";
    s->groups[1].name = "mail news";
    for (size_t i = 0; i < s->n_services; i++) {
        if (s->services[i].group && strcmp(s->services[i].group, "Access") == 0)
            s->services[i].group = "Mail & News";
        else if (s->services[i].group)
            s->services[i].group = "mail news";
    }
    struct snapshot *keep = snap;
    snap = s;
    struct json *root = doc(STATUSPAGE_COMPONENTS);
    char ids[256];
    list_ids(json_get(root, "components"), ids, sizeof(ids));
    CHECK_STR(ids, "group.mail-news,dsl,fibre,group.mail-news-2,imap,smtp,dns");
    json_free(root);
    snap = keep;
    snapshot_unref(s);
}

int main(void)
{
    snap = fixture_snapshot();
    if (snap == NULL) {
        printf("cannot build the fixture\n0 passed, 1 failed\n");
        return 1;
    }
    RUN(json_str_escapes);
    RUN(json_writer_commas);
    RUN(json_reader_is_strict);
    RUN(statuspage_page_id_stable);
    RUN(statuspage_summary_shape);
    RUN(statuspage_other_documents);
    RUN(statuspage_hostile_round_trip);
    RUN(statuspage_empty_store);
    RUN(statuspage_group_ids_distinct);
    snapshot_unref(snap);
    return test_report();
}
