/* Unit tests for protocols/feeds.c against the hand-built fixture: XML
 * escaping, both documents checked by a small well-formedness checker
 * (below) and field by field, hostile text, a display zone, and an empty
 * store. (The end-to-end suite also runs both feeds through feedparser.) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/feeds.h"
#include "../../protocols/text.h"
#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "../../store/common/utf8.h"
#include "fixture.h"
#include "testlib.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
        n++;
    return n;
}

/* ---- a well-formedness checker for the XML we write ------------------- */

static bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':';
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A reference at s[0] == '&': the five XML entities and character
 * references; html adds any lower-case name (an HTML fragment's &mdash;).
 * Returns its length, or 0 if it is not one. */
static size_t reference(const char *s, size_t len, bool html)
{
    static const char *const xml[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                      "&apos;"};
    for (size_t i = 0; i < sizeof(xml) / sizeof(xml[0]); i++)
        if (len >= strlen(xml[i]) && memcmp(s, xml[i], strlen(xml[i])) == 0)
            return strlen(xml[i]);
    size_t j = 1;
    if (j < len && s[j] == '#') {
        j++;
        bool hex = j < len && s[j] == 'x';
        j += hex;
        size_t d = j;
        while (j < len && ((s[j] >= '0' && s[j] <= '9') ||
                           (hex && ((s[j] >= 'a' && s[j] <= 'f') ||
                                    (s[j] >= 'A' && s[j] <= 'F')))))
            j++;
        return j > d && j < len && s[j] == ';' ? j + 1 : 0;
    }
    if (!html)
        return 0;
    while (j < len && s[j] >= 'a' && s[j] <= 'z')
        j++;
    return j > 1 && j < len && s[j] == ';' ? j + 1 : 0;
}

/* Character data: well-formed UTF-8, only the characters XML 1.0 allows
 * (TAB, LF, CR and from U+0020; no U+FFFE/U+FFFF), and, as we write it,
 * no DEL or C1 control either. */
static const char *check_char(const char *s, size_t len, size_t *n)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        *n = 1;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return "control character";
        return c == 0x7f ? "DEL" : NULL;
    }
    *n = utf8_decode(s, len, NULL);
    if (*n == 0)
        return "malformed UTF-8";
    const unsigned char *u = (const unsigned char *)s;
    if (*n == 2 && u[0] == 0xc2 && u[1] <= 0x9f)
        return "C1 control";
    if (*n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
        return "U+FFFE or U+FFFF";
    return NULL;
}

/* Returns NULL if doc is one well-formed element (after an optional XML
 * declaration, when decl), else a reason. Checks: names, attributes quoted
 * and not repeated (as far as 8 per tag go), no '<' in attribute values,
 * every '&' a reference, every end tag matching, nothing but white space
 * outside the root, the characters above; comments, CDATA, doctypes and
 * processing instructions are refused (we write none). html allows HTML's
 * named references and <br>, for checking an entry's content. */
static const char *xml_check(const char *s, size_t len, bool decl, bool html)
{
    static char why[128];
    const char *xml_decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    size_t i = 0;
    if (decl) {
        if (len < strlen(xml_decl) || memcmp(s, xml_decl, strlen(xml_decl)))
            return "no XML declaration";
        i = strlen(xml_decl);
    }
    char stack[32][32];
    int depth = 0;
    bool root_done = false;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '&') {
            size_t n = reference(s + i, len - i, html);
            if (n == 0)
                return "bare & or unknown entity";
            if (depth == 0)
                return "text outside the root";
            i += n;
            continue;
        }
        if (c == '>' && i >= 2 && memcmp(s + i - 2, "]]", 2) == 0)
            return "]]> in text";
        if (c != '<') {
            size_t n;
            const char *bad = check_char(s + i, len - i, &n);
            if (bad != NULL)
                return bad;
            if (depth == 0 && c != ' ' && c != '\n' && c != '\t' && c != '\r')
                return "text outside the root";
            i += n;
            continue;
        }
        /* a tag */
        bool closing = i + 1 < len && s[i + 1] == '/';
        size_t j = i + 1 + closing;
        size_t name = j;
        if (j >= len || !name_start((unsigned char)s[j]))
            return "bare < or markup we never write";
        while (j < len && name_char((unsigned char)s[j]))
            j++;
        size_t name_len = j - name;
        if (name_len >= sizeof(stack[0]))
            return "name too long";
        size_t attr_at[8], attr_len[8], n_attr = 0;
        bool empty = false;
        for (;;) {
            size_t ws = j;
            while (j < len && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t'))
                j++;
            if (j >= len)
                return "unterminated tag";
            if (s[j] == '>')
                break;
            if (!closing && s[j] == '/' && j + 1 < len && s[j + 1] == '>') {
                empty = true;
                j++;
                break;
            }
            if (closing || j == ws || !name_start((unsigned char)s[j]))
                return "bad attribute";
            size_t an = j;
            while (j < len && name_char((unsigned char)s[j]))
                j++;
            for (size_t k = 0; k < n_attr; k++)
                if (attr_len[k] == j - an &&
                    memcmp(s + attr_at[k], s + an, j - an) == 0)
                    return "repeated attribute";
            if (n_attr < 8) {
                attr_at[n_attr] = an;
                attr_len[n_attr++] = j - an;
            }
            if (j + 1 >= len || s[j] != '=' ||
                (s[j + 1] != '"' && s[j + 1] != '\''))
                return "unquoted attribute";
            char q = s[j + 1];
            j += 2;
            while (j < len && s[j] != q) {
                if (s[j] == '<')
                    return "< in attribute";
                if (s[j] == '&') {
                    size_t n = reference(s + j, len - j, false);
                    if (n == 0)
                        return "bare & in attribute";
                    j += n;
                    continue;
                }
                size_t n;
                const char *bad = check_char(s + j, len - j, &n);
                if (bad != NULL)
                    return bad;
                j += n;
            }
            if (j >= len)
                return "unterminated attribute";
            j++;
        }
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != name_len ||
                memcmp(stack[depth - 1], s + name, name_len) != 0) {
                snprintf(why, sizeof(why), "mismatched </%.*s>", (int)name_len,
                         s + name);
                return why;
            }
            if (--depth == 0)
                root_done = true;
        } else {
            if (root_done)
                return "a second root element";
            if (depth == 0 && empty)
                root_done = true;
            /* HTML's one void element in our content: <br>. */
            bool is_void =
                html && name_len == 2 && memcmp(s + name, "br", 2) == 0;
            if (!empty && !is_void) {
                if (depth == 32)
                    return "too deep";
                memcpy(stack[depth], s + name, name_len);
                stack[depth++][name_len] = '\0';
            }
        }
        i = j + 1;
    }
    if (depth != 0) {
        snprintf(why, sizeof(why), "<%s> never closed", stack[depth - 1]);
        return why;
    }
    return root_done ? NULL : "no root element";
}

/* The text of the first element <tag> at or after from, with the XML
 * references undone; malloc'd, or NULL if there is none. */
static char *element_text(const char *from, const char *tag)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *p = strstr(from, open);
    if (p == NULL || (p = strchr(p, '>')) == NULL)
        return NULL;
    p++;
    const char *end = strstr(p, close);
    if (end == NULL)
        return NULL;
    char *out = malloc((size_t)(end - p) + 1);
    size_t n = 0;
    static const struct {
        const char *ref, *ch;
    } refs[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}};
    while (p < end) {
        size_t k = 0;
        if (*p == '&')
            for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
                if (strncmp(p, refs[k].ref, strlen(refs[k].ref)) == 0)
                    break;
        if (*p == '&' && k < sizeof(refs) / sizeof(refs[0])) {
            out[n++] = refs[k].ch[0];
            p += strlen(refs[k].ref);
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* Well-formed, and every entry's content a balanced HTML fragment. */
static void check_feed(const char *what, const struct buf *b, const char *tag)
{
    CHECK(!buf_failed(b));
    const char *why = xml_check(b->data, b->len, true, false);
    if (why != NULL)
        printf("  %s: %s\n", what, why);
    CHECK(why == NULL);
    for (const char *p = strstr(b->data, tag); p != NULL;
         p = strstr(p + 1, tag)) {
        char *html = element_text(p, tag + 1);
        CHECK(html != NULL);
        if (html == NULL)
            break;
        size_t n = strlen(html) + 16;
        char *frag = malloc(n);
        snprintf(frag, n, "<div>%s</div>", html);
        why = xml_check(frag, strlen(frag), false, true);
        if (why != NULL)
            printf("  %s content: %s\n", what, why);
        CHECK(why == NULL);
        /* No markup of the data's own in the content HTML. */
        CHECK(strstr(html, "<script") == NULL);
        CHECK(strstr(html, "<b>") == NULL);
        free(frag);
        free(html);
    }
}

TEST(xml_checker_catches_faults)
{
    static const char *const bad[] = {
        "<a>",                  /* never closed */
        "<a></b>",              /* mismatched */
        "<a>x & y</a>",         /* bare & */
        "<a>&nbsp;</a>",        /* not an XML entity */
        "<a>x < y</a>",         /* bare < */
        "<a b=c/>",             /* unquoted */
        "<a b=\"1\" b=\"2\"/>", /* repeated attribute */
        "<a b=\"<\"/>",         /* < in attribute */
        "<a>\x1b[2J</a>",       /* control character */
        "<a>\xff</a>",          /* malformed UTF-8 */
        "<a>\xef\xbf\xbe</a>",  /* U+FFFE */
        "<a/><b/>",             /* two roots */
        "x<a/>",                /* text outside */
        "<a><![CDATA[x]]></a>", /* we write no CDATA */
        "<a>]]></a>",           /* ]]> in text */
        "",                     /* nothing */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (xml_check(bad[i], strlen(bad[i]), false, false) == NULL)
            printf("  accepted: %s\n", bad[i]);
        CHECK(xml_check(bad[i], strlen(bad[i]), false, false) != NULL);
    }
    const char *good = "<a x=\"1\" y='&amp;'>t&#233;xt &lt;\n<b/><c>\xc3\xbc"
                       "</c></a>\n";
    CHECK(xml_check(good, strlen(good), false, false) == NULL);
    const char *frag = "<div><p>a &mdash;<br>\nb</p></div>";
    CHECK(xml_check(frag, strlen(frag), false, true) == NULL);
    CHECK(xml_check(frag, strlen(frag), false, false) != NULL);
}

TEST(xml_escape_table)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* plain text passes */
        {"plain", "plain"},
        /* the five markup characters */
        {"a & b", "a &amp; b"},
        {"<tag attr=\"x\">'", "&lt;tag attr=&quot;x&quot;&gt;&#39;"},
        /* an entity in the data stays text */
        {"&amp;", "&amp;amp;"},
        /* TAB and LF are allowed in XML 1.0 */
        {"tab\tand\nline", "tab\tand\nline"},
        /* other C0 controls are forbidden: dropped (CR too, see feeds.h) */
        {"esc\x1b[2Jbell\x07\r", "esc[2Jbell"},
        /* DEL and the C1 controls (U+0085, U+009B CSI): dropped */
        {"a\x7f"
         "b\xc2\x85"
         "c\xc2\x9b"
         "d",
         "abcd"},
        /* U+FFFE and U+FFFF are not XML characters */
        {"a\xef\xbf\xbe"
         "b\xef\xbf\xbf"
         "c",
         "abc"},
        /* malformed UTF-8 (a stray byte, an overlong '/', a surrogate)
         * becomes U+FFFD, one per byte */
        {"a\xff"
         "b\xc0\xaf"
         "c\xed\xa0\x80",
         "a\xef\xbf\xbd"
         "b\xef\xbf\xbd\xef\xbf\xbd"
         "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        /* a truncated sequence at the end */
        {"ok\xe2\x80", "ok\xef\xbf\xbd\xef\xbf\xbd"},
        /* well-formed UTF-8 passes, 2 to 4 bytes */
        {"Z\xc3\xbcrich \xe2\x80\x94 \xf0\x9f\x93\xa1",
         "Z\xc3\xbcrich \xe2\x80\x94 \xf0\x9f\x93\xa1"},
        /* nothing */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        feeds_xml_escape(&b, cases[i].in);
        CHECK_STR(b.data != NULL ? b.data : "", cases[i].want);
        /* whatever came in, what goes out is well-formed text */
        struct buf el = BUF_INIT;
        buf_printf(&el, "<t>%s</t>", b.data != NULL ? b.data : "");
        CHECK(xml_check(el.data, el.len, false, false) == NULL);
        buf_free(&el);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    feeds_xml_escape(&b, NULL);
    CHECK_INT(b.len, 0);
    buf_free(&b);
}

/* The order of the entries: newest change first, ties by higher id. */
static const char *const by_change[] = {"42", "44", "43", "45",
                                        "41", "66", "40"};

TEST(atom_document)
{
    struct snapshot *s = fixture_snapshot();
    struct buf b = BUF_INIT;
    feeds_atom(&b, s);
    const char *d = b.data;
    check_feed("atom", &b, "<content");
    CHECK(strncmp(d,
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                  "xmlns=\"http://www.w3.org/2005/Atom\">\n",
                  71) == 0);
    /* The feed's own fields (RFC 4287 §4.1.1: id, title, updated, an
     * author for entries that have none, a self link). */
    CHECK_HAS(d, b.len,
              "<title>Example Net status: history</title>\n"
              "<id>http://status.example.net/history.atom</id>\n"
              "<link rel=\"self\" type=\"application/atom+xml\" "
              "href=\"http://status.example.net/history.atom\"/>\n"
              "<link rel=\"alternate\" type=\"text/html\" "
              "href=\"http://status.example.net/\"/>\n"
              "<updated>2026-11-18T10:45:00Z</updated>\n"
              "<author><name>Example Net status</name></author>\n");
    /* One entry per post, each with id, link, both dates and content. */
    CHECK_INT(count(d, "<entry>"), s->n_incidents);
    CHECK_INT(count(d, "</entry>"), s->n_incidents);
    CHECK_INT(count(d, "<updated>"), s->n_incidents + 1);
    CHECK_INT(count(d, "<published>"), s->n_incidents);
    CHECK_INT(count(d, "<content type=\"html\">"), s->n_incidents);
    /* An entry, field by field: RFC 3339 times in UTC. */
    CHECK_HAS(d, b.len,
              "<entry>\n<title>Incident: Delayed mail delivery for some "
              "customers (Identified)</title>\n"
              "<id>http://status.example.net/incidents/42</id>\n"
              "<link rel=\"alternate\" type=\"text/html\" "
              "href=\"http://status.example.net/incidents/42\"/>\n"
              "<published>2026-11-18T09:40:00Z</published>\n"
              "<updated>2026-11-18T10:45:00Z</updated>\n"
              "<category term=\"incident\"/>\n<content type=\"html\">");
    CHECK_HAS(d, b.len,
              "<title>Maintenance: Core router software upgrade "
              "(Scheduled)</title>");
    CHECK_HAS(d, b.len, "<category term=\"maintenance\"/>");
    CHECK_HAS(d, b.len, "<category term=\"notice\"/>");
    /* Newest change first. */
    const char *prev = d;
    for (size_t i = 0; i < sizeof(by_change) / sizeof(by_change[0]); i++) {
        char id[64];
        snprintf(id, sizeof(id), "/incidents/%s</id>", by_change[i]);
        const char *at = strstr(d, id);
        CHECK(at != NULL && at > prev);
        if (at != NULL)
            prev = at;
    }
    /* The content: facts, every update newest first with its author, and
     * the postmortem, as HTML. */
    char *c42 = element_text(strstr(d, "/incidents/42</id>"), "content");
    CHECK(c42 != NULL);
    if (c42 != NULL) {
        CHECK_HAS(c42, strlen(c42),
                  "<p><strong>Incident #42: Identified</strong>, major "
                  "impact. Affects: Mailbox access (IMAP), Outgoing mail "
                  "(SMTP).</p>\n<p><em>2026-11-18 10:45 UTC, "
                  "Identified</em></p>\n<p>Mail queued during the fault");
        CHECK_HAS(c42, strlen(c42), "<p>&mdash; Dana (NOC)</p>");
        const char *u3 = strstr(c42, "2026-11-18 10:45 UTC");
        const char *u1 = strstr(c42, "2026-11-18 09:40 UTC, Investigating");
        CHECK(u3 != NULL && u1 != NULL && u3 < u1);
    }
    free(c42);
    char *c43 = element_text(strstr(d, "/incidents/43</id>"), "content");
    CHECK(c43 != NULL && strstr(c43, "window 2026-11-20 00:30 to 02:30 UTC. "
                                     "Affects: Fibre to the home, DSL") != 0);
    free(c43);
    char *c41 = element_text(strstr(d, "/incidents/41</id>"), "content");
    CHECK(c41 != NULL &&
          strstr(c41, "<p><strong>Postmortem</strong></p>\n<p>A line card") !=
              NULL);
    free(c41);

    /* The feed's time is the data's, not the clock's: it stays the same
     * bytes until something changes. */
    struct buf again = BUF_INIT;
    s->generated_at += 3600;
    feeds_atom(&again, s);
    CHECK(again.len == b.len && memcmp(again.data, d, b.len) == 0);
    buf_free(&b);
    buf_free(&again);
    snapshot_unref(s);
}

TEST(rss_document)
{
    struct snapshot *s = fixture_snapshot();
    struct buf b = BUF_INIT;
    feeds_rss(&b, s);
    const char *d = b.data;
    check_feed("rss", &b, "<description");
    CHECK_HAS(d, b.len,
              "<rss version=\"2.0\" "
              "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n"
              "<title>Example Net status: history</title>\n"
              "<link>http://status.example.net/</link>\n");
    CHECK_HAS(d, b.len,
              "<atom:link rel=\"self\" type=\"application/rss+xml\" "
              "href=\"http://status.example.net/history.rss\"/>");
    CHECK_HAS(d, b.len,
              "<lastBuildDate>Wed, 18 Nov 2026 10:45:00 GMT</lastBuildDate>");
    CHECK_INT(count(d, "<item>"), s->n_incidents);
    CHECK_INT(count(d, "<pubDate>"), s->n_incidents);
    CHECK_INT(count(d, "<guid isPermaLink=\"true\">"), s->n_incidents);
    /* An item, field by field: the guid is the post's URL, stable across
     * updates; RFC 822 dates with a four-digit year. */
    CHECK_HAS(d, b.len,
              "<item>\n<title>Incident: Delayed mail delivery for some "
              "customers (Identified)</title>\n"
              "<link>http://status.example.net/incidents/42</link>\n"
              "<guid isPermaLink=\"true\">http://status.example.net/"
              "incidents/42</guid>\n"
              "<pubDate>Wed, 18 Nov 2026 10:45:00 GMT</pubDate>\n"
              "<category>incident</category>\n<description>");
    CHECK_HAS(d, b.len,
              "<guid isPermaLink=\"true\">http://status.example.net/"
              "incidents/40</guid>\n<pubDate>Wed, 07 Oct 2026 14:05:00 "
              "GMT</pubDate>");
    const char *prev = d;
    for (size_t i = 0; i < sizeof(by_change) / sizeof(by_change[0]); i++) {
        char id[64];
        snprintf(id, sizeof(id), "/incidents/%s</guid>", by_change[i]);
        const char *at = strstr(d, id);
        CHECK(at != NULL && at > prev);
        if (at != NULL)
            prev = at;
    }
    /* The same content as Atom's. */
    struct buf atom = BUF_INIT;
    feeds_atom(&atom, s);
    char *a = element_text(strstr(atom.data, "/incidents/42</id>"), "content");
    char *r = element_text(strstr(d, "/incidents/42</guid>"), "description");
    CHECK(a != NULL && r != NULL && strcmp(a, r) == 0);
    free(a);
    free(r);
    buf_free(&atom);
    buf_free(&b);
    snapshot_unref(s);
}

/* Hostile titles, bodies, authors and service names: nothing is markup,
 * no control byte survives, and the documents stay well-formed. */
TEST(hostile_text)
{
    struct snapshot *s = fixture_snapshot();
    struct service *fibre = (struct service *)snapshot_service(s, "fibre");
    fibre->name = snapshot_strdup(s, "<b>Fibre</b> & \"co\"\x1b\xff");
    struct incident *i45 = (struct incident *)snapshot_incident(s, 45);
    i45->title = snapshot_strdup(s, "]]><script>x</script>\xef\xbf\xbf\x01");
    struct buf a = BUF_INIT, r = BUF_INIT;
    feeds_atom(&a, s);
    feeds_rss(&r, s);
    check_feed("hostile atom", &a, "<content");
    check_feed("hostile rss", &r, "<description");
    const struct buf *docs[] = {&a, &r};
    for (int k = 0; k < 2; k++) {
        const char *d = docs[k]->data;
        size_t n = docs[k]->len;
        CHECK_LACKS(d, n, "<script>");
        CHECK_LACKS(d, n, "<b>");
        CHECK_LACKS(d, n, "]]>");
        CHECK_LACKS(d, n, "\x1b");
        CHECK_LACKS(d, n, "\r");
        CHECK_HAS(d, n, "Notice: ]]&gt;&lt;script&gt;x&lt;/script&gt; (");
        /* #66's title and body: escaped once in the title, twice in the
         * content (HTML inside XML). */
        CHECK_HAS(d, n,
                  "&lt;script&gt;alert(1)&lt;/script&gt; say "
                  "&quot;hi&quot;");
        CHECK_HAS(d, n, "&amp;lt;script&amp;gt;alert(1)");
        /* The one URL in #66's body is a link, its & escaped twice. */
        CHECK_HAS(d, n,
                  "&lt;a href=&quot;https://example.net/notes?id=66&amp;amp;"
                  "x=&quot;&gt;");
        CHECK_LACKS(d, n, "href=&quot;javascript");
        /* The service name inside the content: escaped for HTML, then
         * for XML. */
        CHECK_HAS(d, n,
                  "&amp;lt;b&amp;gt;Fibre&amp;lt;/b&amp;gt; &amp;amp; "
                  "&amp;quot;co&amp;quot;\xef\xbf\xbd");
    }
    buf_free(&a);
    buf_free(&r);
    snapshot_unref(s);
}

/* With a display zone, the times in the content are the other views'
 * words (text_time), zone included; the machine dates stay UTC. */
TEST(display_zone)
{
    struct snapshot *s = fixture_snapshot();
    struct tz *z = NULL;
    CHECK_INT(tz_load("America/New_York", &z), 0);
    if (z == NULL) {
        snapshot_unref(s);
        return;
    }
    s->site.tz = z;
    s->site.time_zone = "America/New_York";
    struct buf b = BUF_INIT, words = BUF_INIT;
    feeds_atom(&b, s);
    check_feed("atom with zone", &b, "<content");
    text_time(&words, s, snapshot_incident(s, 42)->updates[0].created_at);
    CHECK(strstr(words.data, "EST") != NULL);
    char *c = element_text(strstr(b.data, "/incidents/42</id>"), "content");
    char want[256];
    snprintf(want, sizeof(want), "<p><em>%s, Identified</em></p>", words.data);
    CHECK(c != NULL && strstr(c, want) != NULL);
    free(c);
    CHECK_HAS(b.data, b.len, "<updated>2026-11-18T10:45:00Z</updated>");
    buf_free(&b);
    buf_free(&words);
    snapshot_unref(s);
    tz_free(z);
}

TEST(empty_store)
{
    struct snapshot *s = fixture_empty_snapshot();
    struct buf a = BUF_INIT, r = BUF_INIT;
    feeds_atom(&a, s);
    feeds_rss(&r, s);
    check_feed("empty atom", &a, "<content");
    check_feed("empty rss", &r, "<description>x");
    CHECK_INT(count(a.data, "<entry>"), 0);
    CHECK_HAS(a.data, a.len, "</feed>\n");
    CHECK_INT(count(r.data, "<item>"), 0);
    CHECK_HAS(r.data, r.len, "</rss>\n");
    buf_free(&a);
    buf_free(&r);
    snapshot_unref(s);
}

/* Without a configured base URL the ids are still absolute. */
TEST(no_base_url)
{
    struct snapshot *s = fixture_snapshot();
    s->site.base_url = NULL;
    s->site.http_port = 8080;
    struct buf a = BUF_INIT;
    feeds_atom(&a, s);
    CHECK_HAS(a.data, a.len,
              "<id>http://status.example.net:8080/incidents/42</id>");
    buf_free(&a);
    snapshot_unref(s);
}

int main(void)
{
    RUN(xml_checker_catches_faults);
    RUN(xml_escape_table);
    RUN(atom_document);
    RUN(rss_document);
    RUN(hostile_text);
    RUN(display_zone);
    RUN(empty_store);
    RUN(no_base_url);
    return test_report();
}
