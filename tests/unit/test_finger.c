/* Unit tests of protocols/finger.c: the views rendered from the fixture,
 * and the query parser driven the way server/conn.c drives it (whole, one
 * byte at a time, and in random splits, all with the same result). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "protodrive.h"
#include "testlib.h"

#define HOST "status.example.net"
#define UNKNOWN "finger: no such status entry; try 'finger help@" HOST "'\r\n"
#define NO_INCIDENT "finger: no such incident; try 'finger status@" HOST "'\r\n"
#define DENIED "finger: forwarding service denied\r\n"
#define TOO_LONG "finger: query too long\r\n"

static struct snapshot *snap;

/* Pure 7-bit ASCII, CR only in CRLF, LF only after CR. */
/* 7-bit ASCII, CRLF line ends only, no control byte, lines of at most
 * 72 columns: what every finger reply must be. */
static bool ascii_crlf(const char *p, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        col = c == '\n' ? 0 : col + (c != '\r');
        if (col > 72)
            return false;
        if (c == '\r') {
            if (i + 1 >= n || p[i + 1] != '\n')
                return false;
        } else if (c == '\n') {
            if (i == 0 || p[i - 1] != '\r')
                return false;
        } else if (c < 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

static const char *view_body(const char *key, size_t *len)
{
    const struct view *v = finger_proto.view(snap, key);
    CHECK(v != NULL);
    if (v == NULL) {
        fprintf(stderr, "no view %s\n", key);
        *len = 0;
        return "";
    }
    *len = v->len;
    return v->body;
}

/* ---- the views -------------------------------------------------------- */

/* Every finger view exists, is pure ASCII with CRLF, and ends in CRLF. */
TEST(views_ascii_crlf)
{
    const char *keys[] = {"finger:status", "finger:/W",    "finger:help",
                          "finger:42",     "finger:/W 42", "finger:66",
                          "finger:/W 66",  "finger:40",    "finger:/W 45"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n;
        const char *b = view_body(keys[i], &n);
        CHECK(n > 2);
        CHECK(ascii_crlf(b, n));
        CHECK(n > 2 && b[n - 2] == '\r' && b[n - 1] == '\n');
    }
    /* Every incident of the fixture, both forms. */
    for (size_t i = 0; i < snap->n_incidents; i++) {
        char key[48];
        snprintf(key, sizeof(key), "finger:%lld",
                 (long long)snap->incidents[i].id);
        CHECK(finger_proto.view(snap, key) != NULL);
        snprintf(key, sizeof(key), "finger:/W %lld",
                 (long long)snap->incidents[i].id);
        CHECK(finger_proto.view(snap, key) != NULL);
    }
}

TEST(views_content)
{
    size_t n;
    const char *b = view_body("finger:status", &n);
    CHECK(strncmp(b,
                  "Example Net status\r\n==================\r\n"
                  "Partial System Outage\r\n"
                  "Server time: 2026-11-18 11:06 UTC\r\n",
                  96) == 0);
    CHECK_HAS(b, n, "#42 Delayed mail delivery for some customers\r\n");
    CHECK_HAS(b, n, "  finger 42@" HOST "\r\n");
    /* The notice's en dash became an ASCII hyphen. */
    CHECK_HAS(b, n, "08:00-22:00");

    b = view_body("finger:/W", &n);
    CHECK_HAS(b, n, "Partial System Outage\r\n");
    /* The long summary carries the full story of what is going on. */
    CHECK_HAS(b, n, "Incident #42 - Identified - major impact\r\n");
    CHECK_HAS(b, n, "(update 422)");
    CHECK_HAS(b, n, "Maintenance #44 - In progress\r\n");
    CHECK_HAS(b, n, "Maintenance #43 - Scheduled\r\n");
    CHECK_HAS(b, n, "Notice #45 - Posted\r\n");
    CHECK_LACKS(b, n, "Incident #41");

    b = view_body("finger:42", &n);
    CHECK_HAS(b, n, "Incident #42 - Identified - major impact\r\n");
    CHECK_HAS(b, n, "  -- Dana (NOC)\r\n");
    CHECK_LACKS(b, n, "via noc-bot");
    b = view_body("finger:/W 42", &n);
    CHECK_HAS(b, n, "  -- Dana (NOC), via noc-bot\r\n");

    b = view_body("finger:help", &n);
    CHECK_HAS(b, n, "  finger status@" HOST "\r\n");
}

/* #66's title and body: TAB, CR, LF, ESC, <script>, UTF-8. */
TEST(view_hostile)
{
    size_t n;
    const char *b = view_body("finger:/W 66", &n);
    CHECK(ascii_crlf(b, n));
    CHECK_LACKS(b, n, "\x1b");
    CHECK_HAS(b, n, "Zurich -- \"core\"");
    CHECK_LACKS(b, n, "\r\nhere");
}

/* ---- the parser ------------------------------------------------------- */

struct fcase {
    const char *comment;
    const char *req;
    size_t len; /* 0: strlen(req) */
    bool eof;   /* the peer half-closes after req */
    enum proto_result want;
    const char *view;  /* reply is exactly this view's body, or */
    const char *bytes; /* exactly these bytes */
};

static const struct fcase cases[] = {
    /* RFC 1288 {C}: the summary, vending-machine style. */
    {"empty line (finger @host)", "\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:status", NULL},
    {"status", "status\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:status",
     NULL},
    {"names are case-insensitive", "STATUS\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:status", NULL},
    {"blanks around the name", "  status \t\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:status", NULL},
    {"/W alone", "/W\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:/W", NULL},
    {"finger -l @host sends '/W ' with a trailing space", "/W \r\n", 0, false,
     PROTO_REPLY_CLOSE, "finger:/W", NULL},
    {"/W status", "/W status\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:/W",
     NULL},
    {"an incident", "42\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:42", NULL},
    {"leading zeros", "0042\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:42",
     NULL},
    {"finger -l 42@host", "/W 42\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:/W 42", NULL},
    {"lynx sends a lower-case /w", "/w 42\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:/W 42", NULL},
    {"several blanks after /W", "/W   42\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:/W 42", NULL},
    {"help", "help\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:help", NULL},
    {"/W help is help", "/W help\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:help", NULL},
    {"bare LF", "42\n", 0, false, PROTO_REPLY_CLOSE, "finger:42", NULL},
    {"only the first line counts (lynx decodes %0D%0A)", "status\r\nroot\r\n",
     0, false, PROTO_REPLY_CLOSE, "finger:status", NULL},
    {"a second query in the same segment is ignored", "help\r\n42\r\n", 0,
     false, PROTO_REPLY_CLOSE, "finger:help", NULL},
    {"no line end, then EOF: answered", "help", 0, true, PROTO_REPLY_CLOSE,
     "finger:help", NULL},
    {"a CR and EOF", "42\r", 0, true, PROTO_REPLY_CLOSE, "finger:42", NULL},
    {"nothing, then EOF: closed without a reply", "", 0, true, PROTO_CLOSE,
     NULL, ""},
    {"a partial line without EOF waits", "stat", 0, false, PROTO_MORE, NULL,
     ""},
    /* Forwarding (RFC 1288 §3.2.1). */
    {"user@host", "a@b\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, DENIED},
    {"a chain x@y@z", "x@y@z\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, DENIED},
    {"/W user@host", "/W alice@example.org\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, DENIED},
    {"a lone @", "@\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, DENIED},
    {"@ after EOF without line end", "42@h", 0, true, PROTO_REPLY_CLOSE, NULL,
     DENIED},
    /* Unknown names: one fixed line, no echo. */
    {"a user name", "alice\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"two words (netkit would look up both)", "Alice Smith\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"an option in disguise", "-p root\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     UNKNOWN},
    {"a path", "../../etc/passwd\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     UNKNOWN},
    {"/W glued to the name is no /W", "/Whelp\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, UNKNOWN},
    {"an escape sequence is not echoed", "\x1b[2J\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"markup is not echoed", "<script>\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     UNKNOWN},
    {"a NUL byte", "he\0lp\r\n", 7, false, PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"a view key of another protocol", "gopher:\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"65 characters: over the name limit",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 0,
     false, PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"an unknown incident", "999\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     NO_INCIDENT},
    {"an unknown incident, long form", "/W 999\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, NO_INCIDENT},
    {"a number too large for an id", "99999999999999999999999\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    /* The named views: history, maintenance, each service. */
    {"history", "history\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:history",
     NULL},
    {"history, long form", "/W history\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:/W history", NULL},
    {"maintenance", "maintenance\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:maintenance", NULL},
    {"maintenance, lynx's /w", "/w maintenance\r\n", 0, false,
     PROTO_REPLY_CLOSE, "finger:/W maintenance", NULL},
    {"a service slug", "dsl\r\n", 0, false, PROTO_REPLY_CLOSE, "finger:dsl",
     NULL},
    {"a service slug in capitals", "DSL\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:dsl", NULL},
    {"a service, long form", "/W imap\r\n", 0, false, PROTO_REPLY_CLOSE,
     "finger:/W imap", NULL},
    {"help has one form: /W help is help", "/W help\r\n", 0, false,
     PROTO_REPLY_CLOSE, "finger:help", NULL},
    {"a service slug, split by the Debian client's three writes", "/W dns\r\n",
     0, false, PROTO_REPLY_CLOSE, "finger:/W dns", NULL},
    {"named views are case-insensitive in both forms", "/w HISTORY\r\n", 0,
     false, PROTO_REPLY_CLOSE, "finger:/W history", NULL},
    {"Maintenance, capitalised, bare LF", "Maintenance\n", 0, false,
     PROTO_REPLY_CLOSE, "finger:maintenance", NULL},
    {"a slug then EOF without a line end", "fibre", 0, true, PROTO_REPLY_CLOSE,
     "finger:fibre", NULL},
    {"a prefix of a name is no name", "hist\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, UNKNOWN},
    {"a named view and a second word", "history all\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"/W and an unknown name", "/W nosuch\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, UNKNOWN},
    {"a slug with an escape glued on", "dsl\x1b[2J\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"a slug with a BEL", "dsl\a\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     UNKNOWN},
    {"a slug of another snapshot's view space", "/W gopher:/services\r\n", 0,
     false, PROTO_REPLY_CLOSE, NULL, UNKNOWN},
    {"UTF-8 that folds to a slug is still unknown", "ds\xc5\x82\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, UNKNOWN},
};

TEST(query_table)
{
    struct buf wire = BUF_INIT;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fcase *c = &cases[i];
        size_t n = c->len ? c->len : strlen(c->req);
        int before = test_failed_current;
        test_failed_current = 0;
        enum proto_result r =
            protodrive_all(&finger_proto, snap, c->req, n, c->eof, &wire);
        CHECK_INT(r, c->want);
        if (c->view != NULL) {
            size_t vn;
            const char *vb = view_body(c->view, &vn);
            CHECK(wire.len == vn && memcmp(wire.data, vb, vn) == 0);
        } else {
            CHECK_INT(wire.len, strlen(c->bytes));
            CHECK_STR(wire.len ? wire.data : "", c->bytes);
        }
        CHECK(ascii_crlf(wire.data, wire.len));
        if (test_failed_current)
            fprintf(stderr, "  ^ case: %s\n", c->comment);
        test_failed_current = test_failed_current || before;
    }
    buf_free(&wire);
}

/* The named views say what they are about, and stay ASCII. */
TEST(named_views_content)
{
    static const struct {
        const char *key, *has;
    } cases[] = {
        {"finger:dsl", "Status: "},     /* the service's status */
        {"finger:dsl", "Recent posts"}, /* and its posts */
        {"finger:imap", "#42"},         /* the open incident on it */
        {"finger:/W imap", "No mail has been lost."}, /* in full */
        {"finger:history", "November 2026"},          /* months as headings */
        {"finger:history", "October 2026"},
        {"finger:/W history", "Updates, newest first"}, /* posts in full */
        {"finger:maintenance", "In progress"},
        {"finger:maintenance", "#44"}, /* the running one */
        {"finger:maintenance", "#43"}, /* the upcoming one */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        const char *b = view_body(cases[i].key, &n);
        CHECK(b != NULL);
        if (b == NULL)
            continue;
        if (!test_contains(b, n, cases[i].has))
            printf("  %s lacks %s\n", cases[i].key, cases[i].has);
        CHECK_HAS(b, n, cases[i].has);
        CHECK(ascii_crlf(b, n));
    }
}

/* The 512-byte limit holds however the bytes arrive. */
TEST(query_lengths)
{
    struct buf wire = BUF_INIT;
    char req[700];

    /* 600 bytes without a line end: refused by the limit. */
    memset(req, 'a', 600);
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 600, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);

    /* 600 bytes, then CRLF in the same read: still too long. */
    memcpy(req + 600, "\r\n", 2);
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 602, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);

    /* 600 bytes and EOF. */
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 600, true, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);

    /* 510 bytes + CRLF = 512: the LF is the 512th byte, accepted (and an
     * unknown name). */
    memset(req, 'a', 510);
    memcpy(req + 510, "\r\n", 2);
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 512, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, UNKNOWN);

    /* 512 bytes, then LF: one byte over. */
    memset(req, 'a', 512);
    req[512] = '\n';
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 513, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);

    /* Blanks count too: "status" after 505 spaces fits, after 506 not. */
    memset(req, ' ', 505);
    memcpy(req + 505, "status\n", 7);
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 512, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK(wire.len > 100 && strncmp(wire.data, "Example Net status", 18) == 0);
    memset(req, ' ', 506);
    memcpy(req + 506, "status\n", 7);
    CHECK_INT(protodrive_all(&finger_proto, snap, req, 513, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);
    buf_free(&wire);
}

TEST(timeout_limit_busy)
{
    struct reply rep;
    memset(&rep, 0, sizeof(rep));
    /* A timeout closes with nothing said (server/conn.c's reading of a
     * NULL on_timeout). */
    CHECK(finger_proto.on_timeout == NULL);
    CHECK_INT(finger_proto.on_limit(NULL, snap, &rep), PROTO_REPLY_CLOSE);
    CHECK_STR(rep.head.data, TOO_LONG);
    reply_reset(&rep);
    finger_proto.busy(snap, &rep);
    CHECK_STR(rep.head.data, "finger: server busy, try again shortly\r\n");
    reply_free(&rep);
    CHECK_STR(finger_proto.name, "finger");
    CHECK_INT(finger_proto.max_request, 512);
    CHECK(finger_proto.read_timeout_ms > 0);
}

/* Another host name in the site config shows in the fixed lines; one with
 * bytes that are not host-name bytes is cut there. */
TEST(fixed_lines_use_clean_host)
{
    const char *saved = snap->site.hostname;
    struct buf wire = BUF_INIT;
    snap->site.hostname = "st.example.org\r\nX-Evil: 1";
    CHECK_INT(
        protodrive_all(&finger_proto, snap, "nobody\r\n", 8, false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data,
              "finger: no such status entry; try 'finger help@st.example.org'"
              "\r\n");
    snap->site.hostname = saved;
    buf_free(&wire);
}

/* An open hostile incident: the summaries still are pure ASCII. */
TEST(hostile_open)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct incident *inc = (struct incident *)snapshot_incident(s, 66);
    inc->status = STATUS_INVESTIGATING;
    fixture_changed(s);
    CHECK_INT(finger_proto.prerender(s), 0);
    const char *keys[] = {"finger:status", "finger:/W"};
    for (size_t i = 0; i < 2; i++) {
        const struct view *v = finger_proto.view(s, keys[i]);
        CHECK(v != NULL);
        if (v == NULL)
            continue;
        CHECK(ascii_crlf(v->body, v->len));
        CHECK_HAS(v->body, v->len, "#66 Tab here CR here LF here ESC[2J");
    }
    snapshot_unref(s);
}

/* Every line of a finger view fits the 72 columns of a terminal, after
 * transliteration too (an em dash becomes two characters). */
static bool lines_fit(const char *p, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r')
            continue;
        col = p[i] == '\n' ? 0 : col + 1;
        if (col > 72) {
            fprintf(stderr, "over 72 columns: %.80s\n", p + i - 72);
            return false;
        }
    }
    return true;
}

/* Each service and each named view, both forms: there, ASCII, 72 columns,
 * and about what it says it is about. */
TEST(named_views_every_service)
{
    for (size_t i = 0; i < snap->n_services; i++) {
        for (int long_form = 0; long_form <= 1; long_form++) {
            char key[96];
            size_t n;
            snprintf(key, sizeof(key), "finger:%s%s", long_form ? "/W " : "",
                     snap->services[i].slug);
            const char *b = view_body(key, &n);
            CHECK(ascii_crlf(b, n));
            CHECK(lines_fit(b, n));
            CHECK(strncmp(b, snap->services[i].name,
                          strlen(snap->services[i].name)) == 0);
            CHECK_HAS(b, n, "\r\nStatus: ");
        }
    }
    static const char *const keys[] = {
        "finger:status",         "finger:/W",         "finger:help",
        "finger:history",        "finger:/W history", "finger:maintenance",
        "finger:/W maintenance", "finger:/W 66",      "finger:66"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n;
        const char *b = view_body(keys[i], &n);
        CHECK(ascii_crlf(b, n));
        CHECK(lines_fit(b, n));
    }
}

/* A reply is capped at 64 KiB, cut at a line end, with a last line that
 * says so: an update of 200 KB makes every view that tells it in full too
 * long. */
TEST(reply_cap)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct incident *inc = (struct incident *)snapshot_incident(s, 42);
    struct update *u = &inc->updates[0];
    const char *saved = u->body;
    size_t big = 200 * 1024;
    char *body = malloc(big + 1);
    CHECK(body != NULL);
    if (body == NULL) {
        snapshot_unref(s);
        return;
    }
    for (size_t i = 0; i < big; i++)
        body[i] = i % 50 == 49 ? (i % 1000 == 999 ? '\n' : ' ') : 'a';
    body[big] = '\0';
    u->body = body;
    CHECK_INT(finger_proto.prerender(s), 0);

    static const struct {
        const char *key;
        const char *see; /* the note naming the page, or NULL: not cut */
    } cases[] = {
        {"finger:42", "http://status.example.net/incidents/42"},
        {"finger:/W 42", "http://status.example.net/incidents/42"},
        {"finger:/W", "http://status.example.net/"},
        {"finger:/W imap", "http://status.example.net/services/imap"},
        {"finger:/W history", "http://status.example.net/history"},
        {"finger:status", NULL},
        {"finger:history", NULL},
        {"finger:41", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct view *v = finger_proto.view(s, cases[i].key);
        CHECK(v != NULL);
        if (v == NULL)
            continue;
        CHECK(v->len <= 64 * 1024);
        CHECK(ascii_crlf(v->body, v->len));
        CHECK(v->len >= 2 && v->body[v->len - 1] == '\n');
        /* The last line is the notice, after a whole line. */
        const char *last = v->body + v->len - 2;
        while (last > v->body && last[-1] != '\n')
            last--;
        bool cut = strncmp(last, "[truncated", 10) == 0;
        if (cut != (cases[i].see != NULL))
            fprintf(stderr, "%s: cut %d, %zu bytes\n", cases[i].key, cut,
                    v->len);
        CHECK(cut == (cases[i].see != NULL));
        if (cut) {
            char want[128];
            snprintf(want, sizeof(want), "[truncated: see %s]\r\n",
                     cases[i].see);
            CHECK_STR(last, want);
            CHECK(v->len > 60 * 1024); /* cut near the cap, not early */
        }
    }
    u->body = saved;
    free(body);
    snapshot_unref(s);
}

/* The note of a cut reply names the page through the configured base URL,
 * so a hostile or absurd one must still give ASCII lines of 72 columns,
 * and one too long for the room kept gives a fixed note instead. */
TEST(reply_cap_base_url)
{
    struct buf longurl = BUF_INIT;
    buf_puts(&longurl, "https://");
    for (int i = 0; i < 3000; i++)
        buf_putc(&longurl, 'a' + i % 26);
    static const struct {
        const char *base;
        const char *want_start; /* the note's first line starts so */
    } cases[] = {
        {"https://st\xc3\xa4tus.example/\x1b[2J\r\nx",
         "[truncated: see https://status.example/[2J x/incidents/42]\r\n"},
        {NULL, "[truncated: see the web version]"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct snapshot *s = fixture_snapshot();
        CHECK(s != NULL);
        if (s == NULL)
            break;
        struct incident *inc = (struct incident *)snapshot_incident(s, 42);
        struct update *u = &inc->updates[0];
        const char *saved_body = u->body, *saved_base = s->site.base_url;
        size_t big = 100 * 1024;
        char *body = malloc(big + 1);
        CHECK(body != NULL);
        if (body == NULL) {
            snapshot_unref(s);
            break;
        }
        for (size_t i = 0; i < big; i++)
            body[i] = i % 50 == 49 ? '\n' : 'b';
        body[big] = '\0';
        u->body = body;
        s->site.base_url = cases[k].base != NULL ? cases[k].base : longurl.data;
        CHECK_INT(finger_proto.prerender(s), 0);
        const struct view *v = finger_proto.view(s, "finger:42");
        CHECK(v != NULL);
        if (v != NULL) {
            CHECK(v->len <= 64 * 1024);
            CHECK(ascii_crlf(v->body, v->len));
            const char *note = memmem(v->body, v->len, "[truncated", 10);
            CHECK(note != NULL);
            if (note != NULL)
                CHECK(strncmp(note, cases[k].want_start,
                              strlen(cases[k].want_start)) == 0 ||
                      (fprintf(stderr, "note: %.200s\n", note), false));
        }
        u->body = saved_body;
        s->site.base_url = saved_base;
        free(body);
        snapshot_unref(s);
    }
    buf_free(&longurl);
}

/* The empty store still answers every fixed query. */
TEST(empty_store)
{
    struct snapshot *s = fixture_empty_snapshot();
    REQUIRE(s != NULL);
    CHECK_INT(finger_proto.prerender(s), 0);
    const struct view *v = finger_proto.view(s, "finger:status");
    CHECK(v != NULL && ascii_crlf(v->body, v->len));
    CHECK(v != NULL && test_contains(v->body, v->len, "No open incidents."));
    CHECK(finger_proto.view(s, "finger:/W") != NULL);
    CHECK(finger_proto.view(s, "finger:help") != NULL);
    static const char *const named[] = {"finger:history", "finger:/W history",
                                        "finger:maintenance",
                                        "finger:/W maintenance"};
    for (size_t i = 0; i < 4; i++) {
        v = finger_proto.view(s, named[i]);
        CHECK(v != NULL && ascii_crlf(v->body, v->len));
    }
    snapshot_unref(s);
}

int main(void)
{
    snap = fixture_snapshot();
    if (snap == NULL || finger_proto.prerender(snap) != 0) {
        fprintf(stderr, "cannot build the fixture\n");
        return 1;
    }
    RUN(views_ascii_crlf);
    RUN(views_content);
    RUN(view_hostile);
    RUN(query_table);
    RUN(named_views_content);
    RUN(query_lengths);
    RUN(timeout_limit_busy);
    RUN(fixed_lines_use_clean_host);
    RUN(hostile_open);
    RUN(named_views_every_service);
    RUN(reply_cap);
    RUN(reply_cap_base_url);
    RUN(empty_store);
    snapshot_unref(snap);
    return test_report();
}
