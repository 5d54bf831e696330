/* Unit tests of the JSON writer (store/common/jsonw.c) and the Statuspage v2
 * documents (protocols/statuspage.c).
 *
 * The documents are read back with the project's strict RFC 8259 parser
 * (store/common/jsonr.h: it refuses trailing commas, raw control characters,
 * bad escapes, malformed UTF-8 and duplicate member names), held here to
 * two more rules the writer keeps (only integers, no surrogate escapes),
 * then checked field by field against the Statuspage v2 public API's shape
 * and the fixture's data. Only the reader's functions are used, never the
 * fields of its tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/statuspage.h"
#include "../../store/common/jsonr.h"
#include "../../store/common/jsonw.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

/* ---- reading the documents back --------------------------------------- */

/* True if every number in the tree is an integer: the writer has only
 * jsonw_int(), so a fraction or an exponent is not ours. */
static bool only_integers(const struct jsonr_value *v)
{
    if (jsonr_type(v) == JSONR_NUMBER)
        return false;
    for (const struct jsonr_value *c = jsonr_first(v); c != NULL;
         c = jsonr_next(c))
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
static struct jsonr_value *jparse(const char *s, size_t len, char *err,
                                  size_t errlen)
{
    struct jsonr_value *v = NULL;
    if (jsonr_parse(s, len, &v, err, errlen) != 0)
        return NULL;
    if (!only_integers(v) || !no_surrogate_escapes(s, len)) {
        snprintf(err, errlen, "%s",
                 only_integers(v) ? "a surrogate escape" : "not an integer");
        jsonr_free(v);
        return NULL;
    }
    return v;
}

/* The i-th element of an array (or member of an object), or NULL. */
static const struct jsonr_value *jat(const struct jsonr_value *arr, size_t i)
{
    const struct jsonr_value *e = jsonr_first(arr);
    while (e != NULL && i-- > 0)
        e = jsonr_next(e);
    return e;
}

static const char *jstr(const struct jsonr_value *o, const char *key)
{
    return jsonr_as_string(jsonr_get(o, key), NULL);
}

/* The member is present and of type t (a null member counts as present). */
static bool jis(const struct jsonr_value *o, const char *key, enum jsonr_type t)
{
    const struct jsonr_value *v = jsonr_get(o, key);
    return v != NULL && jsonr_type(v) == t;
}

static bool jis_bool(const struct jsonr_value *o, const char *key)
{
    bool b;
    return jsonr_as_bool(jsonr_get(o, key), &b) == 0;
}

static bool jtrue(const struct jsonr_value *v)
{
    bool b;
    return jsonr_as_bool(v, &b) == 0 && b;
}

/* The integer value of a member, or INT64_MIN when it is not an integer. */
static int64_t jint(const struct jsonr_value *o, const char *key)
{
    int64_t i;
    return jsonr_as_int64(jsonr_get(o, key), &i) == 0 ? i : INT64_MIN;
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
static bool time_or_null(const struct jsonr_value *o, const char *key)
{
    const struct jsonr_value *v = jsonr_get(o, key);
    if (v == NULL)
        return false;
    return jsonr_type(v) == JSONR_NULL || is_ms_time(jsonr_as_string(v, NULL));
}

static struct snapshot *snap;

static struct jsonr_value *doc(enum statuspage_doc d)
{
    struct buf b = BUF_INIT;
    statuspage_render(&b, snap, d);
    CHECK(!buf_failed(&b));
    char err[128] = "";
    struct jsonr_value *v = jparse(b.data, b.len, err, sizeof(err));
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
        jsonw_put_strn(&b, cases[i].in, cases[i].len);
        CHECK_STR(b.data, cases[i].want);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    jsonw_put_str(&b, NULL);
    CHECK_STR(b.data, "null");
    buf_free(&b);
}

TEST(json_writer_commas)
{
    struct buf b = BUF_INIT;
    struct jsonw w;
    jsonw_init(&w, &b);
    jsonw_object_begin(&w);
    jsonw_key(&w, "a");
    jsonw_array_begin(&w);
    jsonw_int(&w, 1);
    jsonw_int(&w, -9007199254740993LL);
    jsonw_bool(&w, true);
    jsonw_null(&w);
    jsonw_string(&w, "x");
    jsonw_string(&w, NULL);
    jsonw_array_end(&w);
    jsonw_key(&w, "b");
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    jsonw_key(&w, "c");
    jsonw_array_begin(&w);
    jsonw_array_begin(&w);
    jsonw_array_end(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "t");
    jsonw_time(&w, 1795000000);
    jsonw_key(&w, "u");
    jsonw_time(&w, 0);
    jsonw_object_end(&w);
    jsonw_array_end(&w);
    jsonw_key(&w, "d");
    jsonw_bool(&w, false);
    jsonw_object_end(&w);
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
        struct jsonr_value *v =
            jparse(bad[i], strlen(bad[i]), err, sizeof(err));
        if (v != NULL)
            printf("  accepted: %s\n", bad[i]);
        CHECK(v == NULL);
        jsonr_free(v);
    }
    const char *good = " {\"a\":[true,false,null,\"\\u00e9\\n\",-1]} ";
    struct jsonr_value *v = jparse(good, strlen(good), err, sizeof(err));
    CHECK(v != NULL);
    if (v != NULL) {
        const struct jsonr_value *a = jsonr_get(v, "a");
        CHECK(jsonr_type(a) == JSONR_ARRAY && jsonr_len(a) == 5);
        if (jsonr_len(a) == 5)
            CHECK_STR(jsonr_as_string(jat(a, 3), NULL), "\xc3\xa9\n");
    }
    jsonr_free(v);
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

/* A page's id names the page, not only its host: two pages on one host
 * (another port, another path) get two ids; a page at the root of its
 * host keeps the host name's; a configured one wins. */
TEST(site_page_id_names_the_page)
{
    char host[13], a[STATUSPAGE_PAGE_ID_MAX + 1], b[STATUSPAGE_PAGE_ID_MAX + 1],
        c[STATUSPAGE_PAGE_ID_MAX + 1], d[STATUSPAGE_PAGE_ID_MAX + 1],
        e[STATUSPAGE_PAGE_ID_MAX + 1];
    statuspage_page_id("status.example.net", host);
    struct site s = {.hostname = "status.example.net",
                     .base_url = "https://status.example.net/"};
    statuspage_site_page_id(&s, a);
    CHECK_STR(a, host);
    CHECK_STR(a, "67bvaq7epgqi");
    s.base_url = "http://status.example.net:8080";
    statuspage_site_page_id(&s, b);
    s.base_url = "https://status.example.net/mail";
    statuspage_site_page_id(&s, c);
    s.base_url = "https://status.example.net/dsl/";
    statuspage_site_page_id(&s, d);
    CHECK(strcmp(a, b) != 0 && strcmp(a, c) != 0 && strcmp(b, c) != 0);
    CHECK(strcmp(c, d) != 0);
    CHECK_INT(strlen(b), 12);
    s.page_id = "noc-main";
    statuspage_site_page_id(&s, e);
    CHECK_STR(e, "noc-main");
}

/* ---- the documents ---------------------------------------------------- */

static void check_page(const struct jsonr_value *root)
{
    const struct jsonr_value *page = jsonr_get(root, "page");
    CHECK(jsonr_type(page) == JSONR_OBJECT);
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

static void check_component(const struct jsonr_value *c, const char *page_id)
{
    CHECK(jsonr_type(c) == JSONR_OBJECT);
    for (size_t k = 0; k < sizeof(component_keys) / sizeof(*component_keys);
         k++) {
        if (jsonr_get(c, component_keys[k]) == NULL)
            printf("  component lacks %s\n", component_keys[k]);
        CHECK(jsonr_get(c, component_keys[k]) != NULL);
    }
    CHECK(jis(c, "id", JSONR_STRING));
    CHECK(jis(c, "name", JSONR_STRING));
    CHECK(jis_bool(c, "group"));
    CHECK(jis(c, "position", JSONR_INT));
    CHECK(jis_bool(c, "showcase"));
    CHECK(jis_bool(c, "only_show_if_degraded"));
    CHECK(jis(c, "description", JSONR_STRING) ||
          jis(c, "description", JSONR_NULL));
    CHECK(jis(c, "group_id", JSONR_STRING) || jis(c, "group_id", JSONR_NULL));
    CHECK(jis(c, "start_date", JSONR_NULL));
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
    if (jtrue(jsonr_get(c, "group")))
        CHECK(jis(c, "components", JSONR_ARRAY));
    else
        CHECK(jsonr_get(c, "components") == NULL);
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

static void check_incident(const struct jsonr_value *inc, const char *page_id,
                           bool maintenance)
{
    CHECK(jsonr_type(inc) == JSONR_OBJECT);
    for (size_t k = 0; k < sizeof(incident_keys) / sizeof(*incident_keys);
         k++) {
        if (jsonr_get(inc, incident_keys[k]) == NULL)
            printf("  incident lacks %s\n", incident_keys[k]);
        CHECK(jsonr_get(inc, incident_keys[k]) != NULL);
    }
    CHECK(jis(inc, "id", JSONR_STRING));
    CHECK(jis(inc, "name", JSONR_STRING));
    CHECK_STR(jstr(inc, "page_id"), page_id);
    CHECK(time_or_null(inc, "created_at") &&
          jis(inc, "created_at", JSONR_STRING));
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
              jis(inc, "scheduled_for", JSONR_STRING));
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
    const struct jsonr_value *ups = jsonr_get(inc, "incident_updates");
    CHECK(jsonr_type(ups) == JSONR_ARRAY && jsonr_len(ups) > 0);
    const struct jsonr_value *prev = NULL;
    for (const struct jsonr_value *up = jsonr_first(ups); up != NULL;
         prev = up, up = jsonr_next(up)) {
        for (size_t k = 0; k < sizeof(update_keys) / sizeof(*update_keys); k++)
            CHECK(jsonr_get(up, update_keys[k]) != NULL);
        CHECK(jis(up, "id", JSONR_STRING) && jis(up, "body", JSONR_STRING));
        CHECK_STR(jstr(up, "incident_id"), jstr(inc, "id"));
        CHECK(time_or_null(up, "created_at") &&
              jis(up, "created_at", JSONR_STRING));
        CHECK(jis_bool(up, "deliver_notifications"));
        /* newest first */
        if (prev != NULL)
            CHECK(strcmp(jstr(prev, "created_at"), jstr(up, "created_at")) >=
                  0);
    }
    const struct jsonr_value *comps = jsonr_get(inc, "components");
    CHECK(jsonr_type(comps) == JSONR_ARRAY);
    for (const struct jsonr_value *c = jsonr_first(comps); c != NULL;
         c = jsonr_next(c))
        check_component(c, page_id);
}

/* The ids of a list of posts, "42,41,…". */
static void list_ids(const struct jsonr_value *arr, char *out, size_t size)
{
    out[0] = '\0';
    size_t i = 0;
    for (const struct jsonr_value *e = jsonr_first(arr); e != NULL;
         e = jsonr_next(e), i++) {
        const char *id = jstr(e, "id");
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? "," : "", id ? id : "?");
    }
}

TEST(statuspage_summary_shape)
{
    struct jsonr_value *root = doc(STATUSPAGE_SUMMARY);
    REQUIRE(root != NULL);
    CHECK_INT(jsonr_len(root), 5);
    check_page(root);
    const char *page_id = jstr(jsonr_get(root, "page"), "id");

    const struct jsonr_value *status = jsonr_get(root, "status");
    CHECK_STR(jstr(status, "indicator"), "major");
    CHECK_STR(jstr(status, "description"), "Partial System Outage");

    /* Components in page order, groups before their members. */
    const struct jsonr_value *comps = jsonr_get(root, "components");
    CHECK(jsonr_type(comps) == JSONR_ARRAY);
    char ids[256];
    list_ids(comps, ids, sizeof(ids));
    CHECK_STR(ids, "group.access,dsl,fibre,group.mail,imap,smtp,dns");
    for (const struct jsonr_value *c = jsonr_first(comps); c != NULL;
         c = jsonr_next(c))
        check_component(c, page_id);
    if (jsonr_len(comps) == 7) {
        const struct jsonr_value *mail = jat(comps, 3);
        CHECK(jtrue(jsonr_get(mail, "group")));
        CHECK_STR(jstr(mail, "status"), "partial_outage");
        const struct jsonr_value *kids = jsonr_get(mail, "components");
        CHECK(jsonr_len(kids) == 2);
        if (jsonr_len(kids) == 2) {
            CHECK_STR(jsonr_as_string(jat(kids, 0), NULL), "imap");
            CHECK_STR(jsonr_as_string(jat(kids, 1), NULL), "smtp");
        }
        CHECK(jis(mail, "group_id", JSONR_NULL));
        CHECK_STR(jstr(jat(comps, 4), "group_id"), "group.mail");
        CHECK_STR(jstr(jat(comps, 4), "name"), "Mailbox access (IMAP)");
        CHECK_STR(jstr(jat(comps, 4), "description"), "Reading mail");
        CHECK_INT(jint(jat(comps, 4), "position"), 1);
        CHECK_INT(jint(jat(comps, 5), "position"), 2);
        CHECK(jis(jat(comps, 2), "description", JSONR_NULL)); /* fibre */
        const struct jsonr_value *dns = jat(comps, 6);
        CHECK(jis(dns, "group_id", JSONR_NULL));
        CHECK_STR(jstr(dns, "status"), "under_maintenance");
        CHECK_INT(jint(dns, "position"), 3);
        CHECK_INT(jint(jat(comps, 0), "position"), 1);
        CHECK_INT(jint(mail, "position"), 2);
    }

    /* Unresolved incidents only: #42. */
    const struct jsonr_value *incs = jsonr_get(root, "incidents");
    list_ids(incs, ids, sizeof(ids));
    CHECK_STR(ids, "42");
    if (jsonr_len(incs) == 1) {
        const struct jsonr_value *i42 = jat(incs, 0);
        check_incident(i42, page_id, false);
        CHECK_STR(jstr(i42, "name"),
                  "Delayed mail delivery for some customers");
        CHECK_STR(jstr(i42, "status"), "identified");
        CHECK_STR(jstr(i42, "impact"), "major");
        CHECK_STR(jstr(i42, "started_at"), "2026-11-18T09:40:00.000Z");
        CHECK(jis(i42, "monitoring_at", JSONR_NULL));
        CHECK(jis(i42, "resolved_at", JSONR_NULL));
        list_ids(jsonr_get(i42, "incident_updates"), ids, sizeof(ids));
        CHECK_STR(ids, "423,422,421");
        const struct jsonr_value *u =
            jat(jsonr_get(i42, "incident_updates"), 1);
        CHECK_STR(jstr(u, "body"),
                  "One of the mail storage servers ran out of disk space."
                  "\n\nWe are moving the affected mailboxes to a spare "
                  "server.");
        CHECK_STR(jstr(u, "status"), "identified");
        CHECK_STR(jstr(u, "created_at"), "2026-11-18T10:05:00.000Z");
        list_ids(jsonr_get(i42, "components"), ids, sizeof(ids));
        CHECK_STR(ids, "imap,smtp");
    }

    /* Maintenance in progress, then upcoming. */
    const struct jsonr_value *ms = jsonr_get(root, "scheduled_maintenances");
    list_ids(ms, ids, sizeof(ids));
    CHECK_STR(ids, "44,43");
    for (const struct jsonr_value *m = jsonr_first(ms); m != NULL;
         m = jsonr_next(m))
        check_incident(m, page_id, true);
    if (jsonr_len(ms) == 2) {
        CHECK_STR(jstr(jat(ms, 0), "status"), "in_progress");
        CHECK_STR(jstr(jat(ms, 0), "scheduled_for"),
                  "2026-11-18T10:30:00.000Z");
        CHECK_STR(jstr(jat(ms, 0), "scheduled_until"),
                  "2026-11-18T12:30:00.000Z");
        CHECK_STR(jstr(jat(ms, 1), "status"), "scheduled");
        list_ids(jsonr_get(jat(ms, 1), "components"), ids, sizeof(ids));
        CHECK_STR(ids, "fibre,dsl");
    }
    jsonr_free(root);
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
         * maintenance, newest first by their own times (66 is the
         * highest id but began before 40 and 41) */
        {STATUSPAGE_INCIDENTS, "incidents", "42,41,66,40", 2},
        {STATUSPAGE_INCIDENTS_UNRESOLVED, "incidents", "42", 2},
        /* by their windows: 43 is upcoming, 44 began earlier */
        {STATUSPAGE_MAINTENANCES, "scheduled_maintenances", "43,44", 2},
        {STATUSPAGE_MAINTENANCES_UPCOMING, "scheduled_maintenances", "43", 2},
        {STATUSPAGE_MAINTENANCES_ACTIVE, "scheduled_maintenances", "44", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct jsonr_value *root = doc(cases[i].doc);
        CHECK(root != NULL);
        if (root == NULL)
            continue;
        check_page(root);
        CHECK_INT(jsonr_len(root), cases[i].n_keys);
        if (cases[i].list != NULL) {
            const struct jsonr_value *l = jsonr_get(root, cases[i].list);
            CHECK(jsonr_type(l) == JSONR_ARRAY);
            char ids[256];
            list_ids(l, ids, sizeof(ids));
            CHECK_STR(ids, cases[i].ids);
        } else {
            CHECK_STR(jstr(jsonr_get(root, "status"), "indicator"), "major");
        }
        jsonr_free(root);
    }
}

/* The hostile post's strings survive the trip through JSON exactly. */
TEST(statuspage_hostile_round_trip)
{
    struct jsonr_value *root = doc(STATUSPAGE_INCIDENTS);
    CHECK(root != NULL);
    const struct jsonr_value *incs = jsonr_get(root, "incidents");
    CHECK(jsonr_len(incs) > 0);
    if (jsonr_len(incs) > 0) {
        const struct jsonr_value *i66 = jat(incs, 2); /* by time */
        CHECK_STR(jstr(i66, "id"), "66");
        CHECK_STR(jstr(i66, "name"), FIXTURE_HOSTILE_TITLE);
        const struct jsonr_value *ups = jsonr_get(i66, "incident_updates");
        CHECK(jsonr_len(ups) == 2);
        if (jsonr_len(ups) == 2)
            CHECK_STR(jstr(jat(ups, 0), "body"), FIXTURE_HOSTILE_BODY);
        CHECK_STR(jstr(i66, "resolved_at"), "2026-11-12T21:00:00.000Z");
        CHECK(jis(i66, "postmortem_body", JSONR_NULL));
    }
    /* #41's postmortem is carried. */
    bool seen41 = false;
    for (const struct jsonr_value *i = jsonr_first(incs); i != NULL;
         i = jsonr_next(i)) {
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
    jsonr_free(root);
}

TEST(statuspage_empty_store)
{
    struct snapshot *empty = fixture_empty_snapshot();
    REQUIRE(empty != NULL);
    struct snapshot *keep = snap;
    snap = empty;
    struct jsonr_value *root = doc(STATUSPAGE_SUMMARY);
    CHECK(root != NULL);
    if (root != NULL) {
        CHECK_STR(jstr(jsonr_get(root, "status"), "indicator"), "none");
        CHECK_STR(jstr(jsonr_get(root, "status"), "description"),
                  "All Systems Operational");
        CHECK(jis(root, "components", JSONR_ARRAY));
        CHECK(jis(root, "incidents", JSONR_ARRAY));
        CHECK(jis(root, "scheduled_maintenances", JSONR_ARRAY));
        CHECK(jsonr_len(jsonr_get(root, "components")) == 0);
        CHECK(jsonr_len(jsonr_get(root, "incidents")) == 0);
        CHECK(jsonr_len(jsonr_get(root, "scheduled_maintenances")) == 0);
        /* No data yet: updated_at falls back to the server time. */
        CHECK_STR(jstr(jsonr_get(root, "page"), "updated_at"),
                  "2026-11-18T11:06:40.000Z");
    }
    jsonr_free(root);
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
    struct jsonr_value *root = doc(STATUSPAGE_COMPONENTS);
    char ids[256];
    list_ids(jsonr_get(root, "components"), ids, sizeof(ids));
    CHECK_STR(ids, "group.mail-news,dsl,fibre,group.mail-news-2,imap,smtp,dns");
    jsonr_free(root);
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
    RUN(site_page_id_names_the_page);
    RUN(statuspage_summary_shape);
    RUN(statuspage_other_documents);
    RUN(statuspage_hostile_round_trip);
    RUN(statuspage_empty_store);
    RUN(statuspage_group_ids_distinct);
    snapshot_unref(snap);
    return test_report();
}
