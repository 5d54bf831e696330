/* Unit tests of protocols/gopher.c: the menu and text views rendered from
 * the fixture, and the selector parser driven the way server/conn.c drives
 * it (whole, one byte at a time, and in random splits, all alike). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../protocols/proto.h"
#include "../../store/snapshot.h"
#include "../../store/store.h"
#include "fixture.h"
#include "protodrive.h"
#include "testlib.h"

#define HOST "status.example.net"
#define ERR_TAIL "\t\terror.host\t1\r\n.\r\n"
#define STUB                                                                   \
    "+-1\r\n+INFO: 1Example Net status\t\t" HOST "\t70\r\n+VIEWS:\r\n"         \
    " application/gopher+-menu: <512b>\r\n.\r\n"
#define TOO_LONG "3Selector too long" ERR_TAIL
#define REFUSED_URL "3This kind of link is not followed" ERR_TAIL

static struct snapshot *snap;

static const char *view_body(const struct snapshot *s, const char *key,
                             size_t *len)
{
    const struct view *v = gopher_proto.view(s, key);
    CHECK(v != NULL);
    if (v == NULL) {
        fprintf(stderr, "no view %s\n", key);
        *len = 0;
        return "";
    }
    *len = v->len;
    return v->body;
}

/* A well-formed RFC 1436 menu: every line ends in CRLF (no other CR or
 * LF), has exactly three TABs (four fields), a known type and no control
 * byte; the last line is ".". Link lines point at our host and port. */
static void check_menu(const char *p, size_t n)
{
    CHECK(n >= 3 && memcmp(p + n - 3, ".\r\n", 3) == 0);
    size_t start = 0;
    bool ended = false;
    while (start < n) {
        const char *lf = memchr(p + start, '\n', n - start);
        CHECK(lf != NULL);
        if (lf == NULL)
            return;
        size_t end = (size_t)(lf - p);
        CHECK(end > start && p[end - 1] == '\r');
        const char *line = p + start;
        size_t len = end - 1 - start;
        CHECK(!ended); /* nothing after the "." line */
        if (len == 1 && line[0] == '.') {
            ended = true;
            start = end + 1;
            continue;
        }
        int tabs = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            tabs += c == '\t';
            CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
        }
        CHECK_INT(tabs, 3);
        CHECK(len > 0 && strchr("0137hi", line[0]) != NULL);
        if (len > 0 && line[0] != 'i' && line[0] != '3') {
            const char *host = memchr(line, '\t', len);
            host = host
                       ? memchr(host + 1, '\t', len - (size_t)(host + 1 - line))
                       : NULL;
            CHECK(host != NULL && strncmp(host, "\t" HOST "\t70\r\n", 24) == 0);
        }
        /* Display strings are capped at 70 columns. */
        const char *tab = memchr(line, '\t', len);
        size_t cols = 0;
        for (const char *q = line + 1; tab && q < tab; q++)
            cols += ((unsigned char)*q & 0xc0) != 0x80;
        CHECK(cols <= 70);
        start = end + 1;
    }
    CHECK(ended);
}

/* Type-0 text: CRLF only (no bare CR or LF), no control byte but those,
 * no ".\r\n" terminator. */
static void check_text(const char *p, size_t n)
{
    CHECK(n > 2 && p[n - 2] == '\r' && p[n - 1] == '\n');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            CHECK(i + 1 < n && p[i + 1] == '\n');
        else if (c == '\n')
            CHECK(i > 0 && p[i - 1] == '\r');
        else
            CHECK(c >= 0x20 && c != 0x7f);
    }
    CHECK(!(n >= 5 && memcmp(p + n - 5, "\r\n.\r\n", 5) == 0));
}

/* ---- the views -------------------------------------------------------- */

TEST(root_menu)
{
    size_t n;
    const char *m = view_body(snap, "gopher:", &n);
    check_menu(m, n);
    CHECK(strncmp(m, "iExample Net status\t\tnull.host\t1\r\n", 34) == 0);
    CHECK_HAS(m, n, "iPartial System Outage\t\tnull.host\t1\r\n");
    CHECK_HAS(m, n, "iServer time: 2026-11-18 11:06 UTC\t\tnull.host\t1\r\n");
    CHECK_HAS(m, n, "0Current status (text)\t/status.txt\t" HOST "\t70\r\n");
    CHECK_HAS(m, n,
              "i  Mailbox access (IMAP) ............................ "
              "Partial outage\t\tnull.host\t1\r\n");
    CHECK_HAS(m, n,
              "0#42 Delayed mail delivery for some customers\t"
              "/incidents/42\t" HOST "\t70\r\n"
              "i    Identified - major impact - since 2026-11-18 09:40 "
              "UTC\t\tnull.host\t1\r\n");
    CHECK_HAS(m, n, "0#44 DNS resolver replacement\t/incidents/44\t");
    CHECK_HAS(m, n, "0#43 Core router software upgrade\t/incidents/43\t");
    CHECK_HAS(m, n,
              "0#45 New opening hours for the support line\t"
              "/incidents/45\t");
    CHECK_HAS(m, n,
              "0Help: every way to read this status\t/help\t" HOST "\t70\r\n");
    CHECK_HAS(m, n,
              "0Server capabilities (caps.txt)\t/caps.txt\t" HOST "\t70\r\n");
    CHECK_HAS(m, n,
              "hWeb version\tURL:http://status.example.net/\t" HOST "\t70\r\n");
    CHECK_HAS(m, n,
              "hHistory feed (RSS)\tURL:http://status.example.net/"
              "history.rss\t" HOST "\t70\r\n.\r\n");
    /* Sections in the same order as the text summary. */
    const char *open = strstr(m, "iOpen incidents\t");
    const char *active = strstr(m, "iMaintenance in progress\t");
    const char *upcoming = strstr(m, "iUpcoming maintenance\t");
    const char *notices = strstr(m, "iNotices\t");
    CHECK(open && open < active && active < upcoming && upcoming < notices);
    /* Resolved posts are not on the root menu. */
    CHECK_LACKS(m, n, "/incidents/41\t");
    CHECK_LACKS(m, n, "/incidents/40\t");
    CHECK_LACKS(m, n, "/incidents/66\t");
}

TEST(text_views)
{
    size_t n;
    const char *b = view_body(snap, "gopher:/status.txt", &n);
    check_text(b, n);
    CHECK(strncmp(b, "Example Net status\r\n====", 24) == 0);
    CHECK_HAS(b, n, "Server time: 2026-11-18 11:06 UTC\r\n");
    /* Gopher text keeps UTF-8 (the en dash of #45). */
    CHECK_HAS(b, n,
              "08:00\xe2\x80\x93"
              "22:00");

    b = view_body(snap, "gopher:/incidents/42", &n);
    check_text(b, n);
    CHECK_HAS(b, n, "Incident #42 - Identified - major impact\r\n");
    /* the long form */
    CHECK_HAS(b, n, "  -- Dana (NOC), via noc-bot\r\n");

    b = view_body(snap, "gopher:/help", &n);
    check_text(b, n);
    CHECK_HAS(b, n, "  gopher " HOST " 70\r\n");

    /* Every post has its page, including resolved ones. */
    for (size_t i = 0; i < snap->n_incidents; i++) {
        char key[48];
        snprintf(key, sizeof(key), "gopher:/incidents/%lld",
                 (long long)snap->incidents[i].id);
        b = view_body(snap, key, &n);
        check_text(b, n);
    }
}

/* #66 in its text page: no ESC or stray CR; the lone "." line is sent as
 * it is (no dot-stuffing: no client tried, lynx, curl, bombadillo or UMN,
 * un-stuffs ".." in a text item). */
TEST(text_hostile)
{
    size_t n;
    const char *b = view_body(snap, "gopher:/incidents/66", &n);
    check_text(b, n);
    CHECK_LACKS(b, n, "\x1b");
    CHECK_LACKS(b, n, "\t");
    CHECK_HAS(b, n, "\r\n  .\r\n  A line that is only a dot.\r\n");
}

/* A hostile title on the root menu (the incident made open): one line,
 * four fields, capped. Then a title forged to look like a second menu line
 * (TAB, selector, host, port, CRLF, "1Click..."), which lynx would render
 * as a link to the attacker's host were it not cleaned. */
TEST(menu_hostile_titles)
{
    const char *titles[] = {
        FIXTURE_HOSTILE_TITLE,
        "x\t/x\tevil.example\t70\r\n1Click for refund",
        "\t\t\t\r\n.\r\n3\t\t\t",
    };
    for (size_t t = 0; t < sizeof(titles) / sizeof(titles[0]); t++) {
        struct snapshot *s = fixture_snapshot();
        REQUIRE(s != NULL);
        struct incident *inc = (struct incident *)snapshot_incident(s, 66);
        inc->status = STATUS_INVESTIGATING;
        inc->title = titles[t];
        fixture_changed(s);
        CHECK_INT(gopher_proto.prerender(s), 0);
        size_t n;
        const char *m = view_body(s, "gopher:", &n);
        check_menu(m, n);
        CHECK_LACKS(m, n, "\x1b");
        CHECK_LACKS(m, n, "evil.example\t70");
        CHECK_HAS(m, n, "\t/incidents/66\t" HOST "\t70\r\n");
        if (t == 0)
            CHECK_HAS(m, n,
                      "0#66 Tab here CR here LF here ESC[2J "
                      "<script>alert(1)</script> say \"...\t");
        snapshot_unref(s);
    }
}

/* Another site config: host and port are what menus advertise; bytes
 * that would split a line cannot come from the config either. */
TEST(menu_site_config)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    s->site.hostname = "gopher.example.org";
    s->site.gopher_port = 7070;
    s->site.base_url = "http://web.example.org:8080/\t\r\nx";
    CHECK_INT(gopher_proto.prerender(s), 0);
    size_t n;
    const char *m = view_body(s, "gopher:", &n);
    CHECK_HAS(m, n,
              "0Current status (text)\t/status.txt\t"
              "gopher.example.org\t7070\r\n");
    CHECK_HAS(m, n,
              "hWeb version\tURL:http://web.example.org:8080/x/\t"
              "gopher.example.org\t7070\r\n");
    int tabs = 0;
    for (size_t i = 0; i < n; i++)
        tabs += m[i] == '\t';
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += m[i] == '\n';
    CHECK_INT(tabs, 3 * (lines - 1));
    snapshot_unref(s);
}

/* ---- the parser ------------------------------------------------------- */

struct gcase {
    const char *comment;
    const char *req;
    size_t len; /* 0: strlen(req) */
    bool eof;
    enum proto_result want;
    const char *view;  /* reply is exactly this view's body, or */
    const char *bytes; /* exactly these bytes, or (both NULL) custom */
};

static const struct gcase cases[] = {
    /* What real clients send: curl, lynx, bombadillo (bare LF), the UMN
     * client (Gopher+ "\t$" first), search with a TAB. */
    {"curl / lynx root", "\r\n", 0, false, PROTO_REPLY_CLOSE, "gopher:", NULL},
    {"bombadillo root: bare LF", "\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:", NULL},
    {"curl /1/ sends '/'", "/\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:", NULL},
    {"UMN Gopher+ probe", "\t$\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, STUB},
    {"Gopher+ '+'", "\t+\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, STUB},
    {"Gopher+ '!'", "\t!\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, STUB},
    {"a bare TAB", "\t\r\n", 0, false, PROTO_REPLY_CLOSE, NULL, STUB},
    {"Gopher+ probe on '/'", "/\t$\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     STUB},
    {"Gopher+ probe with bare LF", "\t$\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     STUB},
    {"a search string on the root is ignored", "\tmail\r\n", 0, false,
     PROTO_REPLY_CLOSE, "gopher:", NULL},
    {"status text", "/status.txt\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/status.txt", NULL},
    {"status text, bare LF", "/status.txt\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/status.txt", NULL},
    {"an incident", "/incidents/42\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/incidents/42", NULL},
    {"'\\t$' on a non-root selector is ignored", "/incidents/42\t$\r\n", 0,
     false, PROTO_REPLY_CLOSE, "gopher:/incidents/42", NULL},
    {"'\\t+' on a non-root selector is ignored", "/incidents/42\t+\r\n", 0,
     false, PROTO_REPLY_CLOSE, "gopher:/incidents/42", NULL},
    {"help", "/help\r\n", 0, false, PROTO_REPLY_CLOSE, "gopher:/help", NULL},
    {"no line end, then EOF: answered", "/help", 0, true, PROTO_REPLY_CLOSE,
     "gopher:/help", NULL},
    {"curl with %00 sends nothing, then EOF", "", 0, true, PROTO_CLOSE, NULL,
     ""},
    {"a partial selector without EOF waits", "/hel", 0, false, PROTO_MORE, NULL,
     ""},
    {"only the first line counts (CRLF injection)", "/a\r\nb\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, "3'/a' does not exist" ERR_TAIL},
    {"an injected second request is not served", "/nosuch\r\n/status.txt\r\n",
     0, false, PROTO_REPLY_CLOSE, NULL, "3'/nosuch' does not exist" ERR_TAIL},
    {"UMN -p /nosuch", "/nosuch\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     "3'/nosuch' does not exist" ERR_TAIL},
    {"an unknown incident", "/incidents/999\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, "3'/incidents/999' does not exist" ERR_TAIL},
    {"the HTTP twin's name is not a gopher selector", "/incidents/42.txt\r\n",
     0, false, PROTO_REPLY_CLOSE, NULL,
     "3'/incidents/42.txt' does not exist" ERR_TAIL},
    {"a type prefix is not part of our selectors", "1/\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, "3'1/' does not exist" ERR_TAIL},
    {"controls in the echo are removed", "/\x1b[2J\x01<x>\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, "3'/[2J<x>' does not exist" ERR_TAIL},
    {"a CR inside the selector is a space in the echo", "/a\rb\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, "3'/a b' does not exist" ERR_TAIL},
    {"a NUL inside the selector", "/status.txt\0x\r\n", 15, false,
     PROTO_REPLY_CLOSE, NULL, "3'/status.txtx' does not exist" ERR_TAIL},
    {"the search part of an unknown selector is not echoed",
     "/nosuch\tsecret\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     "3'/nosuch' does not exist" ERR_TAIL},
    /* "URL:" links (lynx follows h items by sending the selector). */
    {"javascript: refused", "URL:javascript:alert(1)\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL, REFUSED_URL},
    {"data: refused", "URL:data:text/html,<script>alert(1)</script>\r\n", 0,
     false, PROTO_REPLY_CLOSE, NULL, REFUSED_URL},
    {"a scheme without a host", "URL:http://\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, REFUSED_URL},
    {"a space in the URL", "URL:http://x/ y\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, REFUSED_URL},
    {"no scheme at all", "URL:\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     REFUSED_URL},
    {"a scheme look-alike", "URL:httpx://x/\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, REFUSED_URL},
    /* The listing menus: services, posts, maintenance, history. */
    {"services", "/services\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/services", NULL},
    {"one service", "/services/dsl\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/services/dsl", NULL},
    {"one service, Gopher+ suffix ignored", "/services/dsl\t$\r\n", 0, false,
     PROTO_REPLY_CLOSE, "gopher:/services/dsl", NULL},
    {"open incidents", "/incidents\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/incidents", NULL},
    {"maintenance", "/maintenance\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/maintenance", NULL},
    {"history", "/history\r\n", 0, false, PROTO_REPLY_CLOSE, "gopher:/history",
     NULL},
    {"one month", "/history/2026-11\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/history/2026-11", NULL},
    {"caps.txt", "/caps.txt\r\n", 0, false, PROTO_REPLY_CLOSE,
     "gopher:/caps.txt", NULL},
    {"search without words", "/search\r\n", 0, false, PROTO_REPLY_CLOSE, NULL,
     "3Search: give some words to look for\t\terror.host\t1\r\n.\r\n"},
    {"search with an empty query", "/search\t\r\n", 0, false, PROTO_REPLY_CLOSE,
     NULL, "3Search: give some words to look for\t\terror.host\t1\r\n.\r\n"},
    {"search with nine words", "/search\ta b c d e f g h i\r\n", 0, false,
     PROTO_REPLY_CLOSE, NULL,
     "3Search: at most 8 words\t\terror.host\t1\r\n.\r\n"},
};

TEST(request_table)
{
    struct buf wire = BUF_INIT;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct gcase *c = &cases[i];
        size_t n = c->len ? c->len : strlen(c->req);
        int before = test_failed_current;
        test_failed_current = 0;
        enum proto_result r =
            protodrive_all(&gopher_proto, snap, c->req, n, c->eof, &wire);
        CHECK_INT(r, c->want);
        if (c->view != NULL) {
            size_t vn;
            const char *vb = view_body(snap, c->view, &vn);
            CHECK(wire.len == vn && memcmp(wire.data, vb, vn) == 0);
        } else {
            CHECK_INT(wire.len, strlen(c->bytes));
            CHECK_STR(wire.len ? wire.data : "", c->bytes);
        }
        if (test_failed_current)
            fprintf(stderr, "  ^ case: %s\n", c->comment);
        test_failed_current = test_failed_current || before;
    }
    buf_free(&wire);
}

/* Every new menu is well formed (four fields, CRLF, the final dot). */
TEST(listing_menus_well_formed_and_linked)
{
    static const char *const keys[] = {
        "gopher:/services",        "gopher:/services/dsl",
        "gopher:/services/imap",   "gopher:/incidents",
        "gopher:/maintenance",     "gopher:/history",
        "gopher:/history/2026-11", "gopher:/history/2026-10"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n;
        const char *b = view_body(snap, keys[i], &n);
        CHECK(b != NULL);
        if (b != NULL)
            check_menu(b, n);
    }
    size_t n;
    const char *caps = view_body(snap, "gopher:/caps.txt", &n);
    CHECK(caps != NULL && strncmp(caps, "CAPS\r\n", 6) == 0);
    CHECK_HAS(caps, n, "PathDelimeter=/\r\n");
    /* The root menu links them, the search as type 7, the feeds as h. */
    const char *root = view_body(snap, "gopher:", &n);
    CHECK_HAS(root, n, "7Search the history\t/search\t");
    CHECK_HAS(root, n, "1History, by month\t/history\t");
    CHECK_HAS(root, n,
              "hHistory feed (Atom)\tURL:http://status.example.net/"
              "history.atom\t");
}

/* Type 7: the results are a menu, rendered per request, the same
 * whichever way the request arrives. */
TEST(search_results)
{
    struct buf wire = BUF_INIT;
    const char *req = "/search\tDELAYED mail\r\n";
    enum proto_result r =
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire);
    CHECK_INT(r, PROTO_REPLY_CLOSE);
    check_menu(wire.data, wire.len);
    CHECK_HAS(wire.data, wire.len, "\t/incidents/42\t");
    CHECK_HAS(wire.data, wire.len, "Search results for: DELAYED mail");
    req = "/search\tzebra unicorn\r\n";
    protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire);
    check_menu(wire.data, wire.len);
    CHECK_HAS(wire.data, wire.len, "No post matches");
    /* A query with a control character is echoed cleaned. */
    req = "/search\tmail\x1b[2J\r\n";
    protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire);
    check_menu(wire.data, wire.len);
    CHECK_LACKS(wire.data, wire.len, "\x1b");
    buf_free(&wire);
}

/* A menu listing the hostile #66: well formed, no terminal control, no
 * forged item, and #66 one item on this server. */
static void check_hostile_listed(const char *m, size_t n)
{
    check_menu(m, n);
    CHECK_LACKS(m, n, "\x1b");
    CHECK_LACKS(m, n, "\x07");
    CHECK_LACKS(m, n, "evil.example\t");
    CHECK_LACKS(m, n, "\n1Click");
    CHECK_HAS(m, n, "\t/incidents/66\t" HOST "\t70\r\n");
}

/* The hostile titles of menu_hostile_titles in every listing menu that
 * lists #66, and in search results: one item each, on this server. */
TEST(listing_menus_hostile_title_one_item)
{
    const char *titles[] = {
        FIXTURE_HOSTILE_TITLE,
        "x\t/evil\tevil.example\t70\r\n1Click",
        "\x1b]0;pwned\x07\x1b[2J",
        "\t\t\t\r\n.\r\n3\t\t\t",
    };
    static const char *const keys[] = {"gopher:/services/fibre",
                                       "gopher:/incidents",
                                       "gopher:/history/2026-11"};
    for (size_t t = 0; t < sizeof(titles) / sizeof(titles[0]); t++) {
        struct snapshot *s = fixture_snapshot();
        REQUIRE(s != NULL);
        struct incident *inc = (struct incident *)snapshot_incident(s, 66);
        inc->status = STATUS_INVESTIGATING; /* so /incidents lists it */
        inc->title = titles[t];
        fixture_changed(s);
        CHECK_INT(gopher_proto.prerender(s), 0);
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            size_t n;
            const char *m = view_body(s, keys[k], &n);
            check_hostile_listed(m, n);
        }
        /* Search results are rendered per request: #66's first update
         * says "Checking a report." */
        struct buf wire = BUF_INIT;
        const char *req = "/search\tchecking report\r\n";
        CHECK_INT(
            protodrive_all(&gopher_proto, s, req, strlen(req), false, &wire),
            PROTO_REPLY_CLOSE);
        check_hostile_listed(wire.data, wire.len);
        buf_free(&wire);
        snapshot_unref(s);
    }
}

/* The page name is configuration, yet it lands in the Gopher+ stub, the
 * root menu and caps.txt: a TAB, line end or escape in it changes none
 * of their shapes. */
TEST(hostile_site_name)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    s->site.name = "Evil\t/x\tevil.example\t70\r\n1Click\x1b]0;t\x07";
    CHECK_INT(gopher_proto.prerender(s), 0);
    struct snapshot *saved = snap;
    snap = s;
    struct buf wire = BUF_INIT;
    CHECK(protodrive_all(&gopher_proto, snap, "\t$\r\n", 4, false, &wire) ==
          PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data,
              "+-1\r\n+INFO: 1Evil /x evil.example 70 1Click]0;t\t\t" HOST
              "\t70\r\n+VIEWS:\r\n application/gopher+-menu: <512b>\r\n.\r\n");
    snap = saved;
    buf_free(&wire);
    size_t n;
    const char *m = view_body(s, "gopher:", &n);
    const char *first =
        "iEvil /x evil.example 70 1Click]0;t\t\tnull.host\t1\r\n";
    CHECK(strncmp(m, first, strlen(first)) == 0);
    check_menu(m, n);
    m = view_body(s, "gopher:/caps.txt", &n);
    CHECK_HAS(m, n,
              "\r\nServerDescription=Evil /x evil.example 70 1Click]0;t\r\n");
    CHECK_LACKS(m, n, "\x1b");
    CHECK_LACKS(m, n, "\r\n1Click");
    snapshot_unref(s);
}

/* A server behind NAT advertises its public name and port in every menu,
 * the listing menus included. */
TEST(listing_menus_use_public_host_port)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    s->site.hostname = "gopher.example.org";
    s->site.gopher_port = 7070;
    CHECK_INT(gopher_proto.prerender(s), 0);
    static const char *const keys[] = {
        "gopher:/services",  "gopher:/services/imap",
        "gopher:/incidents", "gopher:/maintenance",
        "gopher:/history",   "gopher:/history/2026-10"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t n;
        const char *m = view_body(s, keys[k], &n);
        size_t items = 0, ours = 0;
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && m[i - 1] != '\n')
                continue;
            if (m[i] == 'i' || m[i] == '.')
                continue;
            items++;
            const char *eol = memchr(m + i, '\n', n - i);
            const char *want = "\tgopher.example.org\t7070\r";
            size_t wl = strlen(want);
            ours += eol != NULL && (size_t)(eol - (m + i)) >= wl &&
                    memcmp(eol - wl, want, wl) == 0;
        }
        CHECK(items > 0);
        CHECK_INT(ours, items);
    }
    snapshot_unref(s);
}

/* The exact menus that are short enough to read: a month with its
 * neighbours, and caps.txt. */
TEST(month_menu_history_caps_exact)
{
    size_t n;
    const char *m = view_body(snap, "gopher:/history/2026-10", &n);
    CHECK_STR(m, "iOctober 2026\t\tnull.host\t1\r\n"
                 "iServer time: 2026-11-18 11:06 UTC\t\tnull.host\t1\r\n"
                 "i\t\tnull.host\t1\r\n"
                 "0#40 Outgoing mail refused by one relay\t/incidents/40\t" HOST
                 "\t70\r\n"
                 "i    Resolved - minor impact - 2026-10-07 13:20 to 14:05 "
                 "UTC\t\tnull.host\t1\r\n"
                 "i    Affects: Outgoing mail (SMTP)\t\tnull.host\t1\r\n"
                 "i\t\tnull.host\t1\r\n"
                 "1Newer: November 2026\t/history/2026-11\t" HOST "\t70\r\n"
                 "1All months\t/history\t" HOST "\t70\r\n"
                 "i\t\tnull.host\t1\r\n"
                 "1Back to the status\t/\t" HOST "\t70\r\n"
                 ".\r\n");
    m = view_body(snap, "gopher:/history", &n);
    check_menu(m, n);
    const char *nov = strstr(m, "1November 2026 (6 posts)\t/history/2026-11\t");
    const char *oct = strstr(m, "1October 2026 (1 post)\t/history/2026-10\t");
    CHECK(nov != NULL && oct != NULL && nov < oct);

    m = view_body(snap, "gopher:/caps.txt", &n);
    CHECK(strncmp(m, "CAPS\r\n", 6) == 0);
    static const char *const lines[] = {
        "\r\nCapsVersion=1\r\n",
        "\r\nExpireCapsAfter=3600\r\n",
        "\r\nPathDelimeter=/\r\n",
        "\r\nPathIdentity=.\r\n",
        "\r\nPathParent=..\r\n",
        "\r\nPathParentDouble=FALSE\r\n",
        "\r\nPathKeepPreDelimeter=FALSE\r\n",
        "\r\nServerSoftware=outpost\r\n",
        "\r\nServerDefaultEncoding=utf-8\r\n",
        "\r\nServerDescription=Example Net status\r\n"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        CHECK_HAS(m, n, lines[i]);
    /* Text, not a menu: no "." line at the end, CRLF throughout. */
    CHECK_LACKS(m, n, "\r\n.\r\n");
    for (size_t i = 0; i < n; i++)
        CHECK(m[i] != '\n' || (i > 0 && m[i - 1] == '\r'));
}

/* Type 7 requests, each fed whole, byte by byte and in random splits. */
static const struct {
    const char *req;
    const char *has; /* NULL: a type-3 error */
    const char *lacks;
} search_cases[] = {
    {"/search\tdelayed\r\n", "\t/incidents/42\t", "\t/incidents/40\t"},
    {"/search\tMAIL relay\n", "\t/incidents/40\t", "\t/incidents/42\t"},
    {"/search\t  core   router \r\n", "\t/incidents/43\t", NULL},
    {"/search\tz\xc3\xbcrich\r\n", "\t/incidents/66\t", NULL},
    /* A Gopher+ "+" after the words is ignored, as on other selectors. */
    {"/search\tmail\t+\r\n", "\t/incidents/42\t", "\t/incidents/43\t"},
    {"/search\t\r\n", NULL, "\t/incidents/"},
    {"/search\t \t \r\n", NULL, "\t/incidents/"},
    {"/search\r\n", NULL, "\t/incidents/"},
    {"/search\ta b c d e f g h i\r\n", NULL, "\t/incidents/"},
    /* The words are echoed in the title, cleaned like any display text. */
    {"/search\tmail\x1b]0;pwned\x07\x1b[2J\r\n",
     "iSearch results for: mail]0;pwned[2J\t\tnull.host\t1\r\n", "\x1b"},
    {"/search\tx\rx\tevil.example\t70\r\n", "iSearch results for: x x\t",
     "evil.example"},
    {"/search\t\xff\xfe\xc3\r\n", "iSearch results for: ", NULL},
};

TEST(search_table)
{
    struct buf wire = BUF_INIT;
    char longq[400];
    for (size_t i = 0; i < sizeof(search_cases) / sizeof(search_cases[0]);
         i++) {
        const char *req = search_cases[i].req;
        enum proto_result r =
            protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire);
        CHECK_INT(r, PROTO_REPLY_CLOSE);
        check_menu(wire.data, wire.len);
        if (search_cases[i].has != NULL) {
            CHECK_HAS(wire.data, wire.len, search_cases[i].has);
        } else {
            CHECK(wire.len > 0 && wire.data[0] == '3');
            CHECK(wire.len < 120); /* one line and "." */
        }
        if (search_cases[i].lacks != NULL)
            CHECK_LACKS(wire.data, wire.len, search_cases[i].lacks);
    }
    /* Over QUERY_MAX (256) bytes of words: refused, not searched. */
    memcpy(longq, "/search\t", 8);
    memset(longq + 8, 'a', 300);
    memcpy(longq + 308, "\r\n", 3);
    protodrive_all(&gopher_proto, snap, longq, strlen(longq), false, &wire);
    check_menu(wire.data, wire.len);
    CHECK(wire.len > 0 && wire.data[0] == '3' && wire.len < 120);
    buf_free(&wire);
}

/* The redirect page of "URL:" selectors: allowed schemes only, the URL
 * escaped everywhere it appears. */
TEST(url_pages)
{
    struct buf wire = BUF_INIT;
    const char *req = "URL:https://x/\r\n";
    CHECK_INT(
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_HAS(wire.data, wire.len, "<!DOCTYPE html>");
    CHECK_HAS(wire.data, wire.len, "content=\"2; url=https://x/\"");
    CHECK_HAS(wire.data, wire.len, "<a href=\"https://x/\">https://x/</a>");

    req = "URL:HTTP://EXAMPLE.NET/\r\n";
    CHECK_INT(
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_HAS(wire.data, wire.len, "<a href=\"HTTP://EXAMPLE.NET/\">");

    req = "URL:gopher://example.net/1/\r\n";
    CHECK_INT(
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_HAS(wire.data, wire.len, "<a href=\"gopher://example.net/1/\">");

    /* gophernicus 3.1.1 and pygopherd 3.0.0 reflected this. */
    req = "URL:http://x/\"><script>alert(1)</script>'&\r\n";
    CHECK_INT(
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_LACKS(wire.data, wire.len, "<script>");
    CHECK_LACKS(wire.data, wire.len, "\"><");
    CHECK_HAS(wire.data, wire.len,
              "<a href=\"http://x/&quot;&gt;&lt;script&gt;alert(1)&lt;/"
              "script&gt;&#39;&amp;\">");

    /* A search part after the URL is not part of it. */
    req = "URL:https://x/\t$\r\n";
    CHECK_INT(
        protodrive_all(&gopher_proto, snap, req, strlen(req), false, &wire),
        PROTO_REPLY_CLOSE);
    CHECK_HAS(wire.data, wire.len, "<a href=\"https://x/\">https://x/</a>");
    CHECK_LACKS(wire.data, wire.len, "$");
    buf_free(&wire);
}

/* The 1 KiB limit holds however the bytes arrive. */
TEST(request_lengths)
{
    struct buf wire = BUF_INIT;
    char req[1200];

    /* 1100 bytes without a line end. */
    memset(req, 'a', 1100);
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, 1100, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);
    /* ... with a line end in the same read: still too long. */
    memcpy(req + 1100, "\r\n", 2);
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, 1102, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);
    /* ... and with EOF. */
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, 1100, true, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);

    /* 1022 + CRLF = 1024 bytes: accepted, echo cut to 50 columns. */
    req[0] = '/';
    memset(req + 1, 'b', 1021);
    memcpy(req + 1022, "\r\n", 2);
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, 1024, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, "3'/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                         "...' does not exist" ERR_TAIL);
    /* 1024 bytes and then LF: one over. */
    memset(req + 1, 'b', 1023);
    req[1024] = '\n';
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, 1025, false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK_STR(wire.data, TOO_LONG);
    buf_free(&wire);
}

/* Echoed selectors with UTF-8 are cut on a code point, never inside. */
TEST(echo_utf8_cut)
{
    struct buf wire = BUF_INIT;
    char req[200];
    size_t n = 0;
    req[n++] = '/';
    for (int i = 0; i < 70; i++) {
        req[n++] = '\xc3';
        req[n++] = '\xa9';
    }
    req[n++] = '\r';
    req[n++] = '\n';
    CHECK_INT(protodrive_all(&gopher_proto, snap, req, n, false, &wire),
              PROTO_REPLY_CLOSE);
    struct buf want = BUF_INIT;
    buf_puts(&want, "3'/");
    for (int i = 0; i < 49; i++)
        buf_puts(&want, "\xc3\xa9");
    buf_puts(&want, "...' does not exist" ERR_TAIL);
    CHECK_STR(wire.data, want.data);
    buf_free(&want);
    buf_free(&wire);
}

TEST(timeout_limit_busy)
{
    struct reply rep;
    memset(&rep, 0, sizeof(rep));
    /* A timeout closes with nothing said (server/conn.c's reading of a
     * NULL on_timeout). */
    CHECK(gopher_proto.on_timeout == NULL);
    CHECK_INT(gopher_proto.on_limit(NULL, snap, &rep), PROTO_REPLY_CLOSE);
    CHECK_STR(rep.head.data, TOO_LONG);
    reply_reset(&rep);
    gopher_proto.busy(snap, &rep);
    CHECK_STR(rep.head.data, "3Server busy, try again shortly" ERR_TAIL);
    reply_free(&rep);
    CHECK_STR(gopher_proto.name, "gopher");
    CHECK_INT(gopher_proto.max_request, 1024);
}

TEST(empty_store)
{
    struct snapshot *s = fixture_empty_snapshot();
    REQUIRE(s != NULL);
    CHECK_INT(gopher_proto.prerender(s), 0);
    size_t n;
    const char *m = view_body(s, "gopher:", &n);
    check_menu(m, n);
    CHECK_HAS(m, n, "iAll Systems Operational\t\tnull.host\t1\r\n");
    CHECK_HAS(m, n, "iNo open incidents.\t\tnull.host\t1\r\n");
    CHECK_LACKS(m, n, "iServices\t");
    snapshot_unref(s);
}

/* A snapshot of n incidents titled "Outage K at the ring", K = 0..n-1,
 * one a day back from the fixture's clock, from a store in memory. */
static struct snapshot *many_posts(int n)
{
    struct store *st = NULL;
    char err[256];
    struct snapshot *s = NULL;
    if (store_open(":memory:", &st, err, sizeof(err)) != 0)
        return NULL;
    for (int i = 0; i < n; i++) {
        char title[64];
        snprintf(title, sizeof(title), "Outage %d at the ring", i);
        const char *none[] = {NULL};
        struct post_input in = {.kind = KIND_INCIDENT,
                                .title = title,
                                .status = STATUS_INVESTIGATING,
                                .impact = IMPACT_MINOR,
                                .services = none,
                                .body = "Looking.",
                                .at = 1795000000 - 86400 * (n - i)};
        int64_t id;
        if (store_post_open(st, &in, &id) != 0)
            break;
    }
    if (store_load(st, 1795000000, &s) != 0)
        s = NULL;
    store_close(st);
    if (s != NULL)
        s->site.hostname = "status.example.net";
    return s;
}

static int items_of(const char *m, size_t n, const char *prefix)
{
    int k = 0;
    size_t plen = strlen(prefix);
    for (size_t i = 0; i + plen <= n; i++)
        if ((i == 0 || m[i - 1] == '\n') && memcmp(m + i, prefix, plen) == 0)
            k++;
    return k;
}

/* Pages of a search: 50 posts a menu, then a type-1 item to the next page,
 * whose selector holds the words (percent-encoded) and the page; the
 * selector also works as a client that decodes URLs sends it (curl), and
 * a page that is no number is an error. */
TEST(search_pages)
{
    struct snapshot *s = many_posts(120);
    REQUIRE(s != NULL && s->n_incidents == 120);
    struct buf wire = BUF_INIT;
    static const struct {
        const char *req;
        int posts;
        const char *has, *has2, *lacks;
    } cases[] = {
        {"/search\tat the ring\r\n", 50,
         "1Older matches\t/search?q=at%20the%20ring&page=2\t"
         "status.example.net\t",
         "Search results for: at the ring", "Newer matches"},
        {"/search?q=at%20the%20ring&page=2\r\n", 50,
         "1Older matches\t/search?q=at%20the%20ring&page=3\t",
         "1Newer matches\t/search?q=at%20the%20ring\t",
         "Search results for: at%20"},
        {"/search?q=at the ring&page=2\r\n", 50, "iOlder matches: 51 to 100\t",
         "/search?q=at%20the%20ring&page=3\t", NULL},
        {"/search?page=3&q=at%20the%20ring\r\n", 20,
         "iOlder matches: 101 to 120\t",
         "1Newer matches\t/search?q=at%20the%20ring&page=2\t",
         "Older matches\t"},
        {"/search?q=ring&page=4\r\n", 0, "iThere are no more matches.\t",
         "1Newer matches\t/search?q=ring&page=3\t", "Older matches\t"},
        {"/search?q=outage%2011\r\n", 11, "Search results for: outage 11", NULL,
         "matches\t/search"},
        {"/search?q=50%\r\n", 0, "No post matches", NULL, NULL},
        {"/search?q=%\r\n", 0, "No post matches", NULL, NULL},
        {"/search?page=2\r\n", 0, "3Search: give some words", NULL, NULL},
        {"/search?q=ring&page=0\r\n", 0, "3Search: no such page", NULL, NULL},
        {"/search?q=ring&page=x\r\n", 0, "3Search: no such page", NULL, NULL},
        {"/search?q=ring&page=\r\n", 0, "3Search: no such page", NULL, NULL},
        {"/search?q=ring&page=10001\r\n", 0, "3Search: no such page", NULL,
         NULL},
        {"/search?q=a%00b\r\n", 0, "3Search: give some words", NULL, NULL},
        {"/search?q=a%20b%20c%20d%20e%20f%20g%20h%20i\r\n", 0,
         "3Search: at most 8 words", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *req = cases[i].req;
        enum proto_result r =
            protodrive_all(&gopher_proto, s, req, strlen(req), false, &wire);
        CHECK_INT(r, PROTO_REPLY_CLOSE);
        check_menu(wire.data, wire.len);
        int posts = items_of(wire.data, wire.len, "0#");
        if (posts != cases[i].posts)
            printf("  %.40s: %d posts, want %d\n", req, posts, cases[i].posts);
        CHECK_INT(posts, cases[i].posts);
        CHECK_HAS(wire.data, wire.len, cases[i].has);
        if (cases[i].has2 != NULL)
            CHECK_HAS(wire.data, wire.len, cases[i].has2);
        if (cases[i].lacks != NULL)
            CHECK_LACKS(wire.data, wire.len, cases[i].lacks);
    }
    /* Words longer than a query may be, once decoded: refused. */
    char longq[1024] = "/search?q=";
    for (int i = 0; i < 257; i++)
        strcat(longq, "%41");
    strcat(longq, "\r\n");
    protodrive_all(&gopher_proto, s, longq, strlen(longq), false, &wire);
    CHECK_HAS(wire.data, wire.len, "3Search: too long a query");
    buf_free(&wire);
    snapshot_unref(s);
}

/* The searches at their caps, or the server stopping: one error line. */
TEST(search_busy)
{
    struct buf wire = BUF_INIT;
    const char *reqs[] = {"/search\tmail\r\n", "/search?q=mail&page=2\r\n"};
    for (int st = 0; st < 2; st++) {
        protodrive_job_status = st == 0 ? UV_EBUSY : UV_ECANCELED;
        for (size_t i = 0; i < 2; i++) {
            enum proto_result r = protodrive_all(&gopher_proto, snap, reqs[i],
                                                 strlen(reqs[i]), false, &wire);
            CHECK_INT(r, PROTO_REPLY_CLOSE);
            check_menu(wire.data, wire.len);
            CHECK_HAS(wire.data, wire.len,
                      "3Too many searches at once, try again shortly\t");
            CHECK_INT(items_of(wire.data, wire.len, "3"), 1);
        }
    }
    protodrive_job_status = 0;
    buf_free(&wire);
}

int main(void)
{
    snap = fixture_snapshot();
    if (snap == NULL || gopher_proto.prerender(snap) != 0) {
        fprintf(stderr, "cannot build the fixture\n");
        return 1;
    }
    RUN(root_menu);
    RUN(text_views);
    RUN(text_hostile);
    RUN(menu_hostile_titles);
    RUN(menu_site_config);
    RUN(request_table);
    RUN(listing_menus_well_formed_and_linked);
    RUN(search_results);
    RUN(listing_menus_hostile_title_one_item);
    RUN(listing_menus_use_public_host_port);
    RUN(hostile_site_name);
    RUN(month_menu_history_caps_exact);
    RUN(search_table);
    RUN(search_pages);
    RUN(search_busy);
    RUN(url_pages);
    RUN(request_lengths);
    RUN(echo_utf8_cut);
    RUN(timeout_limit_busy);
    RUN(empty_store);
    snapshot_unref(snap);
    return test_report();
}
