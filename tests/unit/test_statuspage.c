/* Unit tests of the JSON writer (protocols/json.c) and the Statuspage v2
 * documents (protocols/statuspage.c).
 *
 * The documents are read back with a strict RFC 8259 parser written here
 * (it refuses trailing commas, raw control characters, bad escapes and
 * malformed UTF-8), then checked field by field against the shape of
 * STATUS_PAGES.md §1 and the fixture's data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/json.h"
#include "../../protocols/statuspage.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

/* ---- a strict JSON reader --------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jtype type;
    bool b;
    double num;
    char *str; /* J_STR: decoded UTF-8, NUL-terminated */
    size_t str_len;
    struct jv **items; /* J_ARR elements, J_OBJ values */
    char **keys;       /* J_OBJ keys */
    size_t n;
};

struct jp {
    const char *p, *end;
    bool bad;
};

static void jfree(struct jv *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jfree(v->items[i]);
        if (v->keys != NULL)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static void ws(struct jp *j)
{
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static struct jv *jnew(enum jtype t)
{
    struct jv *v = calloc(1, sizeof(*v));
    v->type = t;
    return v;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static void put_utf8(struct buf *b, unsigned cp)
{
    char t[4];
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        t[0] = (char)(0xc0 | cp >> 6);
        t[1] = (char)(0x80 | (cp & 0x3f));
        buf_append(b, t, 2);
    } else if (cp < 0x10000) {
        t[0] = (char)(0xe0 | cp >> 12);
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (char)(0x80 | (cp & 0x3f));
        buf_append(b, t, 3);
    } else {
        t[0] = (char)(0xf0 | cp >> 18);
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[3] = (char)(0x80 | (cp & 0x3f));
        buf_append(b, t, 4);
    }
}

/* Parses a string at j->p (on the opening quote) into out. */
static bool jstring(struct jp *j, struct buf *out)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            buf_append(out, "", 0);
            return true;
        }
        if (c < 0x20)
            return false; /* raw control characters are not allowed */
        if (c >= 0x80) {
            size_t n = json_utf8_seq(j->p, (size_t)(j->end - j->p));
            if (n == 0)
                return false;
            buf_append(out, j->p, n);
            j->p += n;
            continue;
        }
        if (c != '\\') {
            buf_putc(out, (char)c);
            j->p++;
            continue;
        }
        if (j->end - j->p < 2)
            return false;
        char e = j->p[1];
        j->p += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            buf_putc(out, e);
            break;
        case 'b':
            buf_putc(out, '\b');
            break;
        case 'f':
            buf_putc(out, '\f');
            break;
        case 'n':
            buf_putc(out, '\n');
            break;
        case 'r':
            buf_putc(out, '\r');
            break;
        case 't':
            buf_putc(out, '\t');
            break;
        case 'u': {
            if (j->end - j->p < 4)
                return false;
            int cp = hex4(j->p);
            if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff))
                return false; /* we never write surrogate escapes */
            j->p += 4;
            put_utf8(out, (unsigned)cp);
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

static struct jv *jvalue(struct jp *j, int depth);

static struct jv *jnumber(struct jp *j)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end)
        return NULL;
    if (*j->p == '0') {
        j->p++;
    } else if (*j->p >= '1' && *j->p <= '9') {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    } else {
        return NULL;
    }
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
        return NULL; /* we only ever write integers */
    struct jv *v = jnew(J_NUM);
    char tmp[32];
    size_t n = (size_t)(j->p - s);
    if (n >= sizeof(tmp)) {
        free(v);
        return NULL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    v->num = strtod(tmp, NULL);
    return v;
}

static void jpush(struct jv *v, char *key, struct jv *item)
{
    v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
    if (v->type == J_OBJ)
        v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
    v->items[v->n] = item;
    if (v->type == J_OBJ)
        v->keys[v->n] = key;
    v->n++;
}

static struct jv *jcontainer(struct jp *j, int depth, bool obj)
{
    struct jv *v = jnew(obj ? J_OBJ : J_ARR);
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        if (obj) {
            struct buf k = BUF_INIT;
            ws(j);
            if (!jstring(j, &k)) {
                buf_free(&k);
                jfree(v);
                return NULL;
            }
            key = buf_steal(&k, NULL);
            if (key == NULL)
                key = strdup("");
            /* Duplicate keys are legal JSON but a bug in our output. */
            for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->keys[i], key) == 0)
                    j->bad = true;
            ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                jfree(v);
                return NULL;
            }
            j->p++;
        }
        struct jv *item = jvalue(j, depth + 1);
        if (item == NULL) {
            free(key);
            jfree(v);
            return NULL;
        }
        jpush(v, key, item);
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
            j->p++;
            return v;
        }
        jfree(v);
        return NULL;
    }
}

static struct jv *jvalue(struct jp *j, int depth)
{
    ws(j);
    if (j->p >= j->end || depth > 64)
        return NULL;
    char c = *j->p;
    if (c == '{' || c == '[')
        return jcontainer(j, depth, c == '{');
    if (c == '"') {
        struct buf b = BUF_INIT;
        if (!jstring(j, &b)) {
            buf_free(&b);
            return NULL;
        }
        struct jv *v = jnew(J_STR);
        v->str_len = b.len;
        v->str = buf_steal(&b, NULL);
        if (v->str == NULL)
            v->str = strdup("");
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return jnumber(j);
    static const struct {
        const char *word;
        enum jtype t;
        bool b;
    } words[] = {{"true", J_BOOL, true},
                 {"false", J_BOOL, false},
                 {"null", J_NULL, false}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(j->end - j->p) >= n &&
            memcmp(j->p, words[i].word, n) == 0) {
            j->p += n;
            struct jv *v = jnew(words[i].t);
            v->b = words[i].b;
            return v;
        }
    }
    return NULL;
}

/* Parses a whole document; NULL if it is not exactly one valid value. */
static struct jv *jparse(const char *s, size_t len)
{
    struct jp j = {s, s + len, false};
    struct jv *v = jvalue(&j, 0);
    ws(&j);
    if (v != NULL && (j.p != j.end || j.bad)) {
        jfree(v);
        return NULL;
    }
    return v;
}

static struct jv *jget(const struct jv *o, const char *key)
{
    if (o == NULL || o->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->items[i];
    return NULL;
}

static const char *jstr(const struct jv *o, const char *key)
{
    struct jv *v = jget(o, key);
    return v != NULL && v->type == J_STR ? v->str : NULL;
}

static bool jis(const struct jv *o, const char *key, enum jtype t)
{
    struct jv *v = jget(o, key);
    return v != NULL && v->type == t;
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
static bool time_or_null(const struct jv *o, const char *key)
{
    struct jv *v = jget(o, key);
    if (v == NULL)
        return false;
    return v->type == J_NULL || (v->type == J_STR && is_ms_time(v->str));
}

static struct snapshot *snap;

static struct jv *doc(enum statuspage_doc d)
{
    struct buf b = BUF_INIT;
    statuspage_render(&b, snap, d);
    CHECK(!buf_failed(&b));
    struct jv *v = jparse(b.data, b.len);
    if (v == NULL)
        printf("  document %s does not parse:\n%s\n", statuspage_path(d),
               b.data);
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
        "{\"a\":1,}", "[1,]", "{\"a\" 1}",         "\"a\nb\"", "[1 2]",
        "{a:1}",      "[01]", "\"\\x\"",           "\"\xff\"", "{\"a\":1}x",
        "",           "[",    "{\"a\":1,\"a\":2}", "tru",      "[1.5]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct jv *v = jparse(bad[i], strlen(bad[i]));
        if (v != NULL)
            printf("  accepted: %s\n", bad[i]);
        CHECK(v == NULL);
        jfree(v);
    }
    const char *good = " {\"a\":[true,false,null,\"\\u00e9\\n\",-1]} ";
    struct jv *v = jparse(good, strlen(good));
    CHECK(v != NULL);
    if (v != NULL) {
        struct jv *a = jget(v, "a");
        CHECK(a != NULL && a->type == J_ARR && a->n == 5);
        if (a != NULL && a->n == 5)
            CHECK_STR(a->items[3]->str, "\xc3\xa9\n");
    }
    jfree(v);
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

static void check_page(const struct jv *root)
{
    struct jv *page = jget(root, "page");
    CHECK(page != NULL && page->type == J_OBJ);
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

static void check_component(const struct jv *c, const char *page_id)
{
    CHECK(c->type == J_OBJ);
    for (size_t k = 0; k < sizeof(component_keys) / sizeof(*component_keys);
         k++) {
        if (jget(c, component_keys[k]) == NULL)
            printf("  component lacks %s\n", component_keys[k]);
        CHECK(jget(c, component_keys[k]) != NULL);
    }
    CHECK(jis(c, "id", J_STR));
    CHECK(jis(c, "name", J_STR));
    CHECK(jis(c, "group", J_BOOL));
    CHECK(jis(c, "position", J_NUM));
    CHECK(jis(c, "showcase", J_BOOL));
    CHECK(jis(c, "only_show_if_degraded", J_BOOL));
    CHECK(jis(c, "description", J_STR) || jis(c, "description", J_NULL));
    CHECK(jis(c, "group_id", J_STR) || jis(c, "group_id", J_NULL));
    CHECK(jis(c, "start_date", J_NULL));
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
    struct jv *g = jget(c, "group");
    if (g != NULL && g->type == J_BOOL && g->b)
        CHECK(jis(c, "components", J_ARR));
    else
        CHECK(jget(c, "components") == NULL);
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

static void check_incident(const struct jv *inc, const char *page_id,
                           bool maintenance)
{
    CHECK(inc->type == J_OBJ);
    for (size_t k = 0; k < sizeof(incident_keys) / sizeof(*incident_keys);
         k++) {
        if (jget(inc, incident_keys[k]) == NULL)
            printf("  incident lacks %s\n", incident_keys[k]);
        CHECK(jget(inc, incident_keys[k]) != NULL);
    }
    CHECK(jis(inc, "id", J_STR));
    CHECK(jis(inc, "name", J_STR));
    CHECK_STR(jstr(inc, "page_id"), page_id);
    CHECK(time_or_null(inc, "created_at") && jis(inc, "created_at", J_STR));
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
              jis(inc, "scheduled_for", J_STR));
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
    struct jv *ups = jget(inc, "incident_updates");
    CHECK(ups != NULL && ups->type == J_ARR && ups->n > 0);
    for (size_t u = 0; ups != NULL && u < ups->n; u++) {
        struct jv *up = ups->items[u];
        for (size_t k = 0; k < sizeof(update_keys) / sizeof(*update_keys); k++)
            CHECK(jget(up, update_keys[k]) != NULL);
        CHECK(jis(up, "id", J_STR) && jis(up, "body", J_STR));
        CHECK_STR(jstr(up, "incident_id"), jstr(inc, "id"));
        CHECK(time_or_null(up, "created_at") && jis(up, "created_at", J_STR));
        CHECK(jis(up, "deliver_notifications", J_BOOL));
        /* newest first */
        if (u > 0)
            CHECK(strcmp(jstr(ups->items[u - 1], "created_at"),
                         jstr(up, "created_at")) >= 0);
    }
    struct jv *comps = jget(inc, "components");
    CHECK(comps != NULL && comps->type == J_ARR);
    for (size_t c = 0; comps != NULL && c < comps->n; c++)
        check_component(comps->items[c], page_id);
}

/* The ids of a list of posts, "42,41,…". */
static void list_ids(const struct jv *arr, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; arr != NULL && i < arr->n; i++) {
        const char *id = jstr(arr->items[i], "id");
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? "," : "", id ? id : "?");
    }
}

TEST(statuspage_summary_shape)
{
    struct jv *root = doc(STATUSPAGE_SUMMARY);
    CHECK(root != NULL);
    if (root == NULL)
        return;
    CHECK_INT(root->n, 5);
    check_page(root);
    const char *page_id = jstr(jget(root, "page"), "id");

    struct jv *status = jget(root, "status");
    CHECK_STR(jstr(status, "indicator"), "major");
    CHECK_STR(jstr(status, "description"), "Partial System Outage");

    /* Components in page order, groups before their members. */
    struct jv *comps = jget(root, "components");
    CHECK(comps != NULL && comps->type == J_ARR);
    char ids[256];
    list_ids(comps, ids, sizeof(ids));
    CHECK_STR(ids, "group.access,dsl,fibre,group.mail,imap,smtp,dns");
    for (size_t i = 0; comps != NULL && i < comps->n; i++)
        check_component(comps->items[i], page_id);
    if (comps != NULL && comps->n == 7) {
        struct jv *mail = comps->items[3];
        CHECK(jget(mail, "group")->b);
        CHECK_STR(jstr(mail, "status"), "partial_outage");
        struct jv *kids = jget(mail, "components");
        CHECK(kids != NULL && kids->n == 2);
        if (kids != NULL && kids->n == 2) {
            CHECK_STR(kids->items[0]->str, "imap");
            CHECK_STR(kids->items[1]->str, "smtp");
        }
        CHECK(jis(mail, "group_id", J_NULL));
        CHECK_STR(jstr(comps->items[4], "group_id"), "group.mail");
        CHECK_STR(jstr(comps->items[4], "name"), "Mailbox access (IMAP)");
        CHECK_STR(jstr(comps->items[4], "description"), "Reading mail");
        CHECK_INT(jget(comps->items[4], "position")->num, 1);
        CHECK_INT(jget(comps->items[5], "position")->num, 2);
        CHECK(jis(comps->items[2], "description", J_NULL)); /* fibre */
        struct jv *dns = comps->items[6];
        CHECK(jis(dns, "group_id", J_NULL));
        CHECK_STR(jstr(dns, "status"), "under_maintenance");
        CHECK_INT(jget(dns, "position")->num, 3);
        CHECK_INT(jget(comps->items[0], "position")->num, 1);
        CHECK_INT(jget(mail, "position")->num, 2);
    }

    /* Unresolved incidents only: #42. */
    struct jv *incs = jget(root, "incidents");
    list_ids(incs, ids, sizeof(ids));
    CHECK_STR(ids, "42");
    if (incs != NULL && incs->n == 1) {
        struct jv *i42 = incs->items[0];
        check_incident(i42, page_id, false);
        CHECK_STR(jstr(i42, "name"),
                  "Delayed mail delivery for some customers");
        CHECK_STR(jstr(i42, "status"), "identified");
        CHECK_STR(jstr(i42, "impact"), "major");
        CHECK_STR(jstr(i42, "started_at"), "2026-11-18T09:40:00.000Z");
        CHECK(jis(i42, "monitoring_at", J_NULL));
        CHECK(jis(i42, "resolved_at", J_NULL));
        list_ids(jget(i42, "incident_updates"), ids, sizeof(ids));
        CHECK_STR(ids, "423,422,421");
        struct jv *u = jget(i42, "incident_updates")->items[1];
        CHECK_STR(jstr(u, "body"),
                  "One of the mail storage servers ran out of disk space."
                  "\n\nWe are moving the affected mailboxes to a spare "
                  "server.");
        CHECK_STR(jstr(u, "status"), "identified");
        CHECK_STR(jstr(u, "created_at"), "2026-11-18T10:05:00.000Z");
        list_ids(jget(i42, "components"), ids, sizeof(ids));
        CHECK_STR(ids, "imap,smtp");
    }

    /* Maintenance in progress, then upcoming. */
    struct jv *ms = jget(root, "scheduled_maintenances");
    list_ids(ms, ids, sizeof(ids));
    CHECK_STR(ids, "44,43");
    for (size_t i = 0; ms != NULL && i < ms->n; i++)
        check_incident(ms->items[i], page_id, true);
    if (ms != NULL && ms->n == 2) {
        CHECK_STR(jstr(ms->items[0], "status"), "in_progress");
        CHECK_STR(jstr(ms->items[0], "scheduled_for"),
                  "2026-11-18T10:30:00.000Z");
        CHECK_STR(jstr(ms->items[0], "scheduled_until"),
                  "2026-11-18T12:30:00.000Z");
        CHECK_STR(jstr(ms->items[1], "status"), "scheduled");
        list_ids(jget(ms->items[1], "components"), ids, sizeof(ids));
        CHECK_STR(ids, "fibre,dsl");
    }
    jfree(root);
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
        struct jv *root = doc(cases[i].doc);
        CHECK(root != NULL);
        if (root == NULL)
            continue;
        check_page(root);
        CHECK_INT(root->n, cases[i].n_keys);
        if (cases[i].list != NULL) {
            struct jv *l = jget(root, cases[i].list);
            CHECK(l != NULL && l->type == J_ARR);
            char ids[256];
            list_ids(l, ids, sizeof(ids));
            CHECK_STR(ids, cases[i].ids);
        } else {
            CHECK_STR(jstr(jget(root, "status"), "indicator"), "major");
        }
        jfree(root);
    }
}

/* The hostile post's strings survive the trip through JSON exactly. */
TEST(statuspage_hostile_round_trip)
{
    struct jv *root = doc(STATUSPAGE_INCIDENTS);
    CHECK(root != NULL);
    struct jv *incs = jget(root, "incidents");
    CHECK(incs != NULL && incs->n > 0);
    if (incs != NULL && incs->n > 0) {
        struct jv *i66 = incs->items[0];
        CHECK_STR(jstr(i66, "id"), "66");
        CHECK_STR(jstr(i66, "name"), FIXTURE_HOSTILE_TITLE);
        struct jv *ups = jget(i66, "incident_updates");
        CHECK(ups != NULL && ups->n == 2);
        if (ups != NULL && ups->n == 2)
            CHECK_STR(jstr(ups->items[0], "body"), FIXTURE_HOSTILE_BODY);
        CHECK_STR(jstr(i66, "resolved_at"), "2026-11-12T21:00:00.000Z");
        CHECK(jis(i66, "postmortem_body", J_NULL));
    }
    /* #41's postmortem is carried. */
    for (size_t i = 0; incs != NULL && i < incs->n; i++) {
        if (strcmp(jstr(incs->items[i], "id"), "41") != 0)
            continue;
        CHECK_STR(jstr(incs->items[i], "status"), "postmortem");
        CHECK_STR(jstr(incs->items[i], "postmortem_body"), FIXTURE_POSTMORTEM);
        CHECK_STR(jstr(incs->items[i], "postmortem_published_at"),
                  "2026-11-16T14:00:00.000Z");
        CHECK_STR(jstr(incs->items[i], "monitoring_at"),
                  "2026-11-15T07:30:00.000Z");
    }
    jfree(root);
}

TEST(statuspage_empty_store)
{
    struct snapshot *keep = snap;
    snap = fixture_empty_snapshot();
    struct jv *root = doc(STATUSPAGE_SUMMARY);
    CHECK(root != NULL);
    if (root != NULL) {
        CHECK_STR(jstr(jget(root, "status"), "indicator"), "none");
        CHECK_STR(jstr(jget(root, "status"), "description"),
                  "All Systems Operational");
        CHECK(jget(root, "components")->n == 0);
        CHECK(jget(root, "incidents")->n == 0);
        CHECK(jget(root, "scheduled_maintenances")->n == 0);
        /* No data yet: updated_at falls back to the server time. */
        CHECK_STR(jstr(jget(root, "page"), "updated_at"),
                  "2026-11-18T11:06:40.000Z");
    }
    jfree(root);
    snapshot_unref(snap);
    snap = keep;
}

/* Group names that reduce to the same id get distinct ids. */
TEST(statuspage_group_ids_distinct)
{
    struct snapshot *s = fixture_snapshot();
    CHECK(s != NULL && s->n_groups == 2);
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
    struct jv *root = doc(STATUSPAGE_COMPONENTS);
    char ids[256];
    list_ids(jget(root, "components"), ids, sizeof(ids));
    CHECK_STR(ids, "group.mail-news,dsl,fibre,group.mail-news-2,imap,smtp,dns");
    jfree(root);
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
