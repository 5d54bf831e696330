/* Unit tests of the HTML renderers (protocols/html.c): escaping, bodies
 * with paragraphs and links, every page of the fixture (summary, posts,
 * services, history, months, search, help), hostile text in posts and
 * services, and a structural check of every page (tags balanced,
 * attributes quoted, entities well formed, UTF-8 clean). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/html.h"
#include "../../protocols/proto.h"
#include "../../store/common/utf8.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

static struct snapshot *snap;

/* ---- escaping and bodies ---------------------------------------------- */

TEST(html_escape_table)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* the five characters that matter in text and attributes */
        {"a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f"},
        /* an entity in the data stays text */
        {"&amp;", "&amp;amp;"},
        /* TAB, CR, LF become spaces inside a line */
        {"a\tb\rc\nd", "a b c d"},
        /* ESC and other controls are dropped, DEL too */
        {"\x1b[2Jx\x01\x7f", "[2Jx"},
        /* UTF-8 passes */
        {"Z\xc3\xbcrich \xe2\x80\x94", "Z\xc3\xbcrich \xe2\x80\x94"},
        /* malformed bytes become U+FFFD */
        {"a\xff"
         "b\xc0\xaf",
         "a\xef\xbf\xbd"
         "b\xef\xbf\xbd\xef\xbf\xbd"},
        /* C1 controls (U+0085 NEL, U+009B CSI) are dropped */
        {"a\xc2\x85"
         "b\xc2\x9b"
         "c",
         "abc"},
        /* noncharacters are dropped */
        {"a\xef\xbf\xbe"
         "b\xef\xb7\x90",
         "ab"},
        /* nothing at all */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        html_escape(&b, cases[i].in);
        CHECK_STR(b.data ? b.data : "", cases[i].want);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    html_escape(&b, NULL);
    CHECK_INT(b.len, 0);
    buf_free(&b);
}

TEST(html_body_table)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* one paragraph */
        {"Mail is slow.", "<p>Mail is slow.</p>\n"},
        /* blank lines split paragraphs, single breaks are kept */
        {"a\nb\n\nc", "<p>a<br>\nb</p>\n<p>c</p>\n"},
        /* CRLF line ends; several blank lines and whitespace-only lines */
        {"a\r\n\r\n \t\r\n\nb\r\n", "<p>a</p>\n<p>b</p>\n"},
        /* leading and trailing blank lines leave no empty paragraph */
        {"\n\nx\n\n", "<p>x</p>\n"},
        /* blank text: nothing */
        {"  \n \n", ""},
        /* a URL becomes a link; the sentence's full stop stays outside */
        {"See https://example.net/a.",
         "<p>See <a href=\"https://example.net/a\">https://example.net/a</a>."
         "</p>\n"},
        /* a parenthesised URL: the closing parenthesis is not the URL's */
        {"(http://example.net/x)",
         "<p>(<a "
         "href=\"http://example.net/x\">http://example.net/x</a>)</p>\n"},
        /* ...unless the URL opened it */
        {"http://example.net/wiki/A_(b)",
         "<p><a href=\"http://example.net/wiki/A_(b)\">"
         "http://example.net/wiki/A_(b)</a></p>\n"},
        /* & in a URL is escaped in href and text */
        {"https://e.net/?a=1&b=2",
         "<p><a href=\"https://e.net/?a=1&amp;b=2\">https://e.net/?a=1&amp;"
         "b=2</a></p>\n"},
        /* a quote ends the URL, so it can never close the attribute */
        {"https://e.net/\"onmouseover=\"x",
         "<p><a href=\"https://e.net/\">https://e.net/</a>&quot;onmouseover="
         "&quot;x</p>\n"},
        /* < ends the URL */
        {"https://e.net/a<script>",
         "<p><a href=\"https://e.net/a\">https://e.net/a</a>&lt;script&gt;"
         "</p>\n"},
        /* other schemes are never links */
        {"javascript:alert(1) data:text/html,x ftp://e.net/",
         "<p>javascript:alert(1) data:text/html,x ftp://e.net/</p>\n"},
        /* the scheme must start a word */
        {"xhttp://e.net/", "<p>xhttp://e.net/</p>\n"},
        /* a scheme with no host is no link */
        {"http:// and https://.", "<p>http:// and https://.</p>\n"},
        /* the scheme is case-insensitive */
        {"HTTPS://E.NET/",
         "<p><a href=\"HTTPS://E.NET/\">HTTPS://E.NET/</a></p>\n"},
        /* two links on one line */
        {"http://a.net and http://b.net",
         "<p><a href=\"http://a.net\">http://a.net</a> and "
         "<a href=\"http://b.net\">http://b.net</a></p>\n"},
        /* lines that look preformatted go in <pre>, with their
         * neighbours; prose around them stays in paragraphs */
        {"Trace:\n 1  gw (10.0.0.1)\n 2  core (10.0.0.2)\nDone.",
         "<p>Trace:</p>\n<pre> 1  gw (10.0.0.1)\n 2  core (10.0.0.2)</pre>\n"
         "<p>Done.</p>\n"},
        /* tabs expanded as the text views do, trailing blanks dropped */
        {"hop\taddr  \r\n1\t10.0.0.1",
         "<pre>hop     addr\n1       10.0.0.1</pre>\n"},
        /* two spaces after a full stop are prose */
        {"Fixed.  Watching.", "<p>Fixed.  Watching.</p>\n"},
        /* a blank line ends a <pre> too */
        {"x\n\n  y\n\n  z", "<p>x</p>\n<pre>  y</pre>\n<pre>  z</pre>\n"},
        /* escaped and linked in a <pre> as well */
        {"  <b> https://e.net/",
         "<pre>  &lt;b&gt; <a "
         "href=\"https://e.net/\">https://e.net/</a></pre>\n"},
        /* controls in a body are dropped too */
        {"\x1b[31mred\x1b[0m", "<p>[31mred[0m</p>\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        html_body(&b, cases[i].in);
        CHECK_STR(b.data ? b.data : "", cases[i].want);
        buf_free(&b);
    }
}

/* ---- a structural checker --------------------------------------------- */

static bool is_void(const char *name)
{
    static const char *voids[] = {"meta", "link",  "br", "hr",
                                  "img",  "input", "wbr"};
    for (size_t i = 0; i < sizeof(voids) / sizeof(voids[0]); i++)
        if (strcmp(name, voids[i]) == 0)
            return true;
    return false;
}

/* The attributes our pages use; anything else (onclick, style, src...)
 * would be a bug or an injection. */
static bool known_attribute(const char *a, size_t n)
{
    static const char *names[] = {"lang",   "charset", "name",    "content",
                                  "rel",    "type",    "title",   "href",
                                  "class",  "id",      "for",     "action",
                                  "method", "value",   "datetime"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && memcmp(names[i], a, n) == 0)
            return true;
    return false;
}

/* Returns NULL if the page is structurally sound, else a reason. Checks:
 * the doctype first; every tag name lower-case letters/digits; attribute
 * names from a short list, values double-quoted with no raw '<' or '"'
 * inside; every non-void
 * element closed in order; '&' always starts an entity; '<' in text only
 * starts a tag; well-formed UTF-8 and no control bytes but LF; inside
 * <style> nothing is checked. */
static const char *check_structure(const char *s, size_t len)
{
    static char why[160];
    const char *doctype = "<!DOCTYPE html>\n<html lang=\"en\">\n";
    if (len < strlen(doctype) || memcmp(s, doctype, strlen(doctype)) != 0)
        return "no doctype/lang";
    char stack[64][16];
    int depth = 0;
    size_t i = strlen("<!DOCTYPE html>\n");
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = utf8_decode(s + i, len - i, NULL);
            if (n == 0)
                return "bad UTF-8";
            i += n;
            continue;
        }
        if (c < 0x20 && c != '\n')
            return "control byte";
        if (c == 0x7f)
            return "DEL byte";
        if (c == '&') {
            size_t j = i + 1;
            if (j < len && s[j] == '#') {
                j++;
                while (j < len && s[j] >= '0' && s[j] <= '9')
                    j++;
            } else {
                while (j < len && s[j] >= 'a' && s[j] <= 'z')
                    j++;
            }
            if (j == i + 1 || j >= len || s[j] != ';')
                return "bare &";
            i = j + 1;
            continue;
        }
        if (c == '>')
            return "bare >";
        if (c != '<') {
            i++;
            continue;
        }
        /* a tag */
        bool closing = i + 1 < len && s[i + 1] == '/';
        size_t j = i + 1 + closing;
        char name[16];
        size_t n = 0;
        while (j < len &&
               ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9'))) {
            if (n + 1 < sizeof(name))
                name[n++] = s[j];
            j++;
        }
        name[n] = '\0';
        if (n == 0)
            return "bare < or bad tag name";
        /* attributes */
        while (j < len && s[j] != '>') {
            if (s[j] == ' ') {
                j++;
                continue;
            }
            size_t an = j;
            while (j < len && ((s[j] >= 'a' && s[j] <= 'z') || s[j] == '-'))
                j++;
            if (!known_attribute(s + an, j - an))
                return "unexpected attribute (an event handler?)";
            if (j < len && s[j] == '=') {
                j++;
                if (j >= len || s[j] != '"')
                    return "unquoted attribute";
                j++;
                while (j < len && s[j] != '"') {
                    if (s[j] == '<' || s[j] == '\n')
                        return "raw < or LF in attribute";
                    j++;
                }
                if (j >= len)
                    return "unterminated attribute";
                j++;
            } else if (j < len && s[j] != ' ' && s[j] != '>') {
                return "bad attribute";
            }
        }
        if (j >= len)
            return "unterminated tag";
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(why, sizeof(why), "mismatched </%s> (open: %s)", name,
                         depth ? stack[depth - 1] : "none");
                return why;
            }
            depth--;
        } else if (!is_void(name)) {
            if (depth == 64)
                return "too deep";
            strcpy(stack[depth++], name);
        }
        i = j + 1;
        if (!closing && strcmp(name, "style") == 0) {
            const char *end = strstr(s + i, "</style>");
            if (end == NULL)
                return "unterminated style";
            i = (size_t)(end - s);
        }
    }
    if (depth != 0) {
        snprintf(why, sizeof(why), "<%s> never closed", stack[depth - 1]);
        return why;
    }
    return NULL;
}

TEST(html_checker_catches_faults)
{
    /* The checker must itself fail on broken pages. */
    static const char *bad[] = {
        "<!DOCTYPE html>\n<html lang=\"en\"><p>x</html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><p>a & b</p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><p>a < b</p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><a href=x>y</a></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><p>\x1b[2J</p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\"><p>\xff</p></html>",
        "<html><p>x</p></html>",
        "<!DOCTYPE html>\n<html lang=\"en\">\n<p onclick=\"x\">y</p></html>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(check_structure(bad[i], strlen(bad[i])) != NULL);
    const char *good = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta "
                       "charset=\"utf-8\"></head><body><p>a &amp; b<br>"
                       "</p></body></html>\n";
    CHECK(check_structure(good, strlen(good)) == NULL);
}

static void check_page(const char *what, const struct buf *b)
{
    CHECK(!buf_failed(b));
    const char *why = check_structure(b->data, b->len);
    if (why != NULL)
        printf("  %s: %s\n", what, why);
    CHECK(why == NULL);
    /* The frame every page has. */
    CHECK_HAS(b->data, b->len, "<meta charset=\"utf-8\">");
    CHECK_HAS(b->data, b->len, "<title>");
    CHECK_HAS(b->data, b->len, "<style>");
    CHECK_HAS(b->data, b->len, "<header>");
    CHECK_HAS(b->data, b->len, "<main>");
    CHECK_HAS(b->data, b->len, "<h1>");
    CHECK_HAS(b->data, b->len, "Example Net status");
    /* To the minute (the clock is at 11:06:40), so that a page cached
     * within the minute is what rendering it again would give. */
    CHECK_HAS(b->data, b->len,
              "Server time: <time datetime=\"2026-11-18T11:06:00Z\">"
              "2026-11-18 11:06 UTC</time>");
    CHECK_HAS(b->data, b->len,
              "<link rel=\"alternate\" "
              "type=\"application/atom+xml\" title=\"History (Atom)\" "
              "href=\"/history.atom\">");
    CHECK_HAS(b->data, b->len,
              "<link rel=\"alternate\" "
              "type=\"application/rss+xml\" title=\"History (RSS)\" "
              "href=\"/history.rss\">");
    /* Navigation: home, history, search, help and both feeds. */
    CHECK_HAS(b->data, b->len,
              "<nav><a href=\"/\">Status</a> | <a "
              "href=\"/history\">History</a> | <a href=\"/search\">Search</a> "
              "| <a href=\"/help\">Help</a> | Feeds: <a "
              "href=\"/history.atom\">Atom</a>, <a "
              "href=\"/history.rss\">RSS</a></nav>");
    /* No script, ever. */
    CHECK_LACKS(b->data, b->len, "<script");
    CHECK_LACKS(b->data, b->len, "javascript:alert(1)\"");
    CHECK_LACKS(b->data, b->len, "href=\"javascript");
}

/* Returns the offset of needle in the page, or -1. */
static long where(const struct buf *b, const char *needle)
{
    const char *p = strstr(b->data, needle);
    return p ? (long)(p - b->data) : -1;
}

TEST(html_summary_page)
{
    struct buf b = BUF_INIT;
    html_summary(&b, snap);
    check_page("summary", &b);
    CHECK_HAS(b.data, b.len, "<title>Example Net status</title>");
    CHECK_HAS(b.data, b.len,
              "<p class=\"overall ind-major\"><strong>Partial System Outage"
              "</strong></p>");
    /* Status in words, never colour alone. */
    CHECK_HAS(b.data, b.len,
              "<li><a href=\"/services/imap\">Mailbox access (IMAP)</a>: "
              "<span class=\"st-partial_outage\">"
              "Partial outage</span></li>");
    CHECK_HAS(b.data, b.len,
              "<li><a href=\"/services/dns\">DNS resolvers</a>: "
              "<span class=\"st-under_maintenance\">"
              "Under maintenance</span></li>");
    CHECK_HAS(b.data, b.len,
              "<li><strong>Access</strong>: <span class=\"st-operational\">"
              "Operational</span>");
    /* The same facts in the same order as text_summary(). */
    long order[] = {
        where(&b, "<h1>Example Net status</h1>"),
        where(&b, "Partial System Outage"),
        where(&b, "Server time:"),
        where(&b, "<h2>Services</h2>"),
        where(&b, "<strong>Access</strong>"),
        where(&b, "DSL broadband"),
        where(&b, "Fibre to the home"),
        where(&b, "<strong>Mail</strong>"),
        where(&b, "Outgoing mail (SMTP)"),
        where(&b, "DNS resolvers</a>:"),
        where(&b, "<h2>Open incidents</h2>"),
        where(&b, "<a href=\"/incidents/42\">Delayed mail delivery"),
        where(&b, "No mail has been lost."),
        where(&b, "<h2>Maintenance in progress</h2>"),
        where(&b, "<a href=\"/incidents/44\">DNS resolver replacement"),
        where(&b, "<h2>Upcoming maintenance</h2>"),
        where(&b, "<a href=\"/incidents/43\">Core router software upgrade"),
        where(&b, "<h2>Notices</h2>"),
        where(&b, "<a href=\"/incidents/45\">New opening hours"),
        where(&b, "<footer>"),
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        CHECK(order[i] >= 0);
        if (i > 0 && !(order[i] > order[i - 1]))
            printf("  item %zu out of order\n", i);
        CHECK(i == 0 || order[i] > order[i - 1]);
    }
    /* Only the latest update of an open incident is on the summary. */
    CHECK_LACKS(b.data, b.len, "We are looking into reports");
    /* Resolved posts are not. */
    CHECK_LACKS(b.data, b.len, "/incidents/41\"");
    CHECK_LACKS(b.data, b.len, "/incidents/66\"");
    CHECK_LACKS(b.data, b.len, "/incidents/40\"");
    /* The upcoming window and the per-service window. */
    CHECK_HAS(b.data, b.len,
              "window <time datetime=\"2026-11-20T00:30:00Z\">2026-11-20 "
              "00:30</time> to <time datetime=\"2026-11-20T02:30:00Z\">"
              "02:30 UTC</time>");
    CHECK_HAS(b.data, b.len,
              "DSL broadband (<time datetime=\"2026-11-20T01:00:00Z\">");
    buf_free(&b);
}

TEST(html_summary_empty_store)
{
    struct snapshot *e = fixture_empty_snapshot();
    struct buf b = BUF_INIT;
    html_summary(&b, e);
    check_page("empty summary", &b);
    CHECK_HAS(b.data, b.len, "All Systems Operational");
    CHECK_HAS(b.data, b.len, "No open incidents.");
    CHECK_LACKS(b.data, b.len, "<h2>Notices</h2>");
    buf_free(&b);
    snapshot_unref(e);
}

TEST(html_incident_page)
{
    struct buf b = BUF_INIT;
    html_incident(&b, snap, snapshot_incident(snap, 42));
    check_page("incident 42", &b);
    CHECK_HAS(b.data, b.len,
              "<title>Delayed mail delivery for some customers - Example Net "
              "status</title>");
    CHECK_HAS(b.data, b.len,
              "<h1>Delayed mail delivery for some "
              "customers</h1>");
    CHECK_HAS(b.data, b.len, "<dt>Status</dt><dd>Identified</dd>");
    CHECK_HAS(b.data, b.len, "<dt>Impact</dt><dd>Major</dd>");
    /* On the post's page the affected services link to theirs. */
    CHECK_HAS(b.data, b.len,
              "<dt>Affects</dt><dd><a href=\"/services/imap\">Mailbox access "
              "(IMAP)</a>, <a href=\"/services/smtp\">Outgoing mail "
              "(SMTP)</a></dd>");
    /* The whole timeline, newest first, with authors. */
    long a = where(&b, "<article id=\"update-423\">");
    long m = where(&b, "<article id=\"update-422\">");
    long z = where(&b, "<article id=\"update-421\">");
    CHECK(a > 0 && m > a && z > m);
    CHECK_HAS(b.data, b.len,
              "<p>One of the mail storage servers ran out of disk space.</p>\n"
              "<p>We are moving the affected mailboxes to a spare server."
              "</p>");
    CHECK_HAS(b.data, b.len, "<p class=\"author\">&mdash; Dana (NOC)</p>");
    CHECK_HAS(b.data, b.len, "<a href=\"/incidents/42.txt\">");
    buf_free(&b);

    /* The postmortem of #41 follows its timeline. */
    html_incident(&b, snap, snapshot_incident(snap, 41));
    check_page("incident 41", &b);
    long t = where(&b, "<h2>Timeline</h2>");
    long p = where(&b, "<h2>Postmortem</h2>");
    CHECK(t > 0 && p > t);
    CHECK_HAS(b.data, b.len, "<p>A line card in the northern exchange");
    CHECK_HAS(b.data, b.len, "<dt>Resolved</dt>");
    buf_free(&b);

    /* Maintenance shows its window; a notice has no impact. */
    html_incident(&b, snap, snapshot_incident(snap, 43));
    check_page("maintenance 43", &b);
    CHECK_HAS(b.data, b.len, "<dt>Window</dt>");
    CHECK_LACKS(b.data, b.len, "<dt>Impact</dt>");
    /* Its post was made when it was announced: the word the text views
     * use, not "Started" (the work starts in its window). */
    CHECK_HAS(b.data, b.len,
              "<dt>Announced</dt><dd><time datetime=\"2026-11-17T16:00:00Z\">");
    CHECK_LACKS(b.data, b.len, "<dt>Started</dt>");
    buf_free(&b);
    html_incident(&b, snap, snapshot_incident(snap, 45));
    check_page("notice 45", &b);
    CHECK_HAS(b.data, b.len, "<dt>Post</dt><dd>Notice #45</dd>");
    CHECK_LACKS(b.data, b.len, "<dt>Impact</dt>");
    buf_free(&b);
}

TEST(html_hostile_post)
{
    struct buf b = BUF_INIT;
    html_incident(&b, snap, snapshot_incident(snap, 66));
    check_page("hostile 66", &b);
    /* The title, escaped, with its controls gone. */
    CHECK_HAS(b.data, b.len,
              "<h1>Tab here CR here LF here ESC[2J &lt;script&gt;alert(1)"
              "&lt;/script&gt; say &quot;hi&quot; Z\xc3\xbcrich \xe2\x80\x94 "
              "\xe2\x80\x9c"
              "core\xe2\x80\x9d</h1>");
    CHECK_LACKS(b.data, b.len, "\x1b");
    CHECK_LACKS(b.data, b.len, "\r");
    CHECK_LACKS(b.data, b.len, "\t");
    CHECK_LACKS(b.data, b.len, "<b>");
    /* The https URL is a link that stops before '<'; javascript: is
     * text. */
    CHECK_HAS(b.data, b.len,
              "<a href=\"https://example.net/notes?id=66&amp;x=\">https://"
              "example.net/notes?id=66&amp;x=</a>&lt;y&gt;");
    CHECK_HAS(b.data, b.len, "Do not follow javascript:alert(1) links.");
    CHECK_HAS(b.data, b.len,
              "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;");
    CHECK_HAS(b.data, b.len,
              "<p class=\"author\">&mdash; &lt;b&gt;eve&lt;/b&gt; [31m</p>");
    /* Exactly one link in the body, and no href but ours. */
    long n = 0;
    for (const char *p = b.data; (p = strstr(p, "href=\"")) != NULL; p++) {
        n++;
        const char *v = p + 6;
        CHECK(strncmp(v, "/", 1) == 0 || strncmp(v, "https://", 8) == 0 ||
              strncmp(v, "gopher://", 9) == 0);
    }
    CHECK(n > 0);
    buf_free(&b);

    /* On the summary of a snapshot where it is open, it is escaped too. */
    struct snapshot *s = fixture_snapshot();
    struct incident *i66 = (struct incident *)snapshot_incident(s, 66);
    i66->status = STATUS_INVESTIGATING;
    i66->resolved_at = 0;
    fixture_changed(s);
    html_summary(&b, s);
    check_page("summary with hostile post open", &b);
    CHECK_HAS(b.data, b.len, "<a href=\"/incidents/66\">Tab here");
    CHECK_LACKS(b.data, b.len, "\x1b");
    buf_free(&b);
    snapshot_unref(s);
}

TEST(html_help_page)
{
    struct buf b = BUF_INIT;
    html_help(&b, snap);
    check_page("help", &b);
    CHECK_HAS(b.data, b.len, "<h1>Help</h1>");
    CHECK_HAS(b.data, b.len, "<pre>");
    CHECK_HAS(b.data, b.len, "status.example.net");
    buf_free(&b);
}

/* Checks that the needles occur in this order in the page. */
static void check_order(const struct buf *b, const char *const *needles,
                        size_t n)
{
    long prev = -1;
    for (size_t i = 0; i < n; i++) {
        long at = where(b, needles[i]);
        if (at < 0 || at <= prev)
            printf("  out of order or missing: %s\n", needles[i]);
        CHECK(at > prev);
        prev = at;
    }
}

TEST(html_service_page)
{
    struct buf b = BUF_INIT;
    html_service(&b, snap, snapshot_service(snap, "imap"));
    check_page("service imap", &b);
    CHECK_HAS(b.data, b.len,
              "<title>Mailbox access (IMAP) - Example Net status</title>");
    CHECK_HAS(b.data, b.len, "<h1>Mailbox access (IMAP)</h1>");
    /* Status in words, and why. */
    CHECK_HAS(b.data, b.len,
              "<p class=\"overall\"><strong><span class=\"st-partial_outage\">"
              "Partial outage</span></strong> (incident #42)</p>");
    CHECK_HAS(b.data, b.len, "<dt>Group</dt><dd>Mail</dd>");
    CHECK_HAS(b.data, b.len, "<dt>About</dt><dd>Reading mail</dd>");
    CHECK_HAS(b.data, b.len,
              "<li><a href=\"/incidents/42\">Delayed mail delivery for some "
              "customers</a> &mdash; Incident, Identified, <time "
              "datetime=\"2026-11-18T09:40:00Z\">2026-11-18 09:40 "
              "UTC</time></li>");
    CHECK_LACKS(b.data, b.len, "/incidents/40\"");
    buf_free(&b);

    /* dsl: the upcoming maintenance, then the older incident; no group
     * mix-up with its sibling. */
    html_service(&b, snap, snapshot_service(snap, "dsl"));
    check_page("service dsl", &b);
    CHECK_HAS(b.data, b.len, "(no open incidents)");
    static const char *const dsl[] = {"<h2>Recent posts</h2>",
                                      "<a href=\"/incidents/43\">",
                                      "<a href=\"/incidents/41\">"};
    check_order(&b, dsl, 3);
    CHECK_LACKS(b.data, b.len, "/incidents/66\"");
    buf_free(&b);

    /* A service with no description and no group says neither. */
    html_service(&b, snap, snapshot_service(snap, "dns"));
    check_page("service dns", &b);
    CHECK_LACKS(b.data, b.len, "<dt>Group</dt>");
    CHECK_HAS(b.data, b.len,
              "Under maintenance</span></strong> "
              "(maintenance #44)");
    buf_free(&b);
    html_service(&b, snap, snapshot_service(snap, "fibre"));
    check_page("service fibre", &b);
    CHECK_LACKS(b.data, b.len, "<dt>About</dt>");
    buf_free(&b);

    /* Neither group nor description: no empty <dl> (tidy flags one). */
    struct snapshot *s = fixture_snapshot();
    struct service *fibre = (struct service *)snapshot_service(s, "fibre");
    fibre->group = NULL;
    html_service(&b, s, fibre);
    check_page("service without group or description", &b);
    CHECK_LACKS(b.data, b.len, "<dl>");
    CHECK_HAS(b.data, b.len, "<h2>Recent posts</h2>");
    buf_free(&b);
    snapshot_unref(s);
}

TEST(html_history_pages)
{
    struct buf b = BUF_INIT;
    html_history(&b, snap);
    check_page("history", &b);
    CHECK_HAS(b.data, b.len, "<h1>History</h1>");
    static const char *const months[] = {
        "<li><a href=\"/history/2026-11\">November 2026</a> (6 posts)</li>",
        "<li><a href=\"/history/2026-10\">October 2026</a> (1 post)</li>"};
    check_order(&b, months, 2);
    buf_free(&b);

    /* November: the newest month, so a link back and none forward; its
     * posts newest first by the time they are filed under. */
    html_history_month(&b, snap, 2026, 11, 1);
    check_page("history 2026-11", &b);
    CHECK_HAS(b.data, b.len, "<title>November 2026 - Example Net status");
    CHECK_HAS(b.data, b.len, "<h1>History: November 2026</h1>");
    CHECK_HAS(b.data, b.len,
              "<p class=\"pager\"><a href=\"/history/2026-10\" rel=\"prev\">"
              "&larr; October 2026</a> | <a href=\"/history\">All "
              "months</a></p>");
    CHECK_LACKS(b.data, b.len, "rel=\"next\"");
    static const char *const nov[] = {"\"/incidents/43\"", "\"/incidents/44\"",
                                      "\"/incidents/42\"", "\"/incidents/45\"",
                                      "\"/incidents/41\"", "\"/incidents/66\""};
    check_order(&b, nov, 6);
    CHECK_LACKS(b.data, b.len, "\"/incidents/40\"");
    /* The hostile title is a list item like any other, escaped. */
    CHECK_HAS(b.data, b.len, "&lt;script&gt;alert(1)&lt;/script&gt;");
    buf_free(&b);

    /* October: the oldest, so a link forward only. */
    html_history_month(&b, snap, 2026, 10, 1);
    check_page("history 2026-10", &b);
    CHECK_HAS(b.data, b.len,
              "<p class=\"pager\"><a href=\"/history\">All months</a> | <a "
              "href=\"/history/2026-11\" rel=\"next\">November 2026 "
              "&rarr;</a></p>");
    CHECK_LACKS(b.data, b.len, "rel=\"prev\"");
    CHECK_HAS(b.data, b.len, "\"/incidents/40\"");
    buf_free(&b);

    /* A store without posts. */
    struct snapshot *e = fixture_empty_snapshot();
    html_history(&b, e);
    check_page("empty history", &b);
    CHECK_HAS(b.data, b.len, "<p>Nothing has been posted yet.</p>");
    buf_free(&b);
    snapshot_unref(e);
}

TEST(html_search_page)
{
    static const struct {
        const char *q;
        bool too_long;
        const char *has, *lacks;
    } cases[] = {
        /* results newest first, echoed in the form */
        {"mail", false, "value=\"mail\"", NULL},
        /* nothing found: said so */
        {"zebra", false, "<p>No post matches all of those words.</p>", "<li>"},
        /* no query: the form alone */
        {"", false, "<form action=\"/search\" method=\"get\">", "Results"},
        /* markup in the query is text, also inside the attribute */
        {"\"><script>alert(1)</script>", false,
         "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"",
         "<script>"},
        /* a single quote cannot end the attribute either */
        {"' onfocus='x", false, "value=\"&#39; onfocus=&#39;x\"", "onfocus='"},
        /* refused as too long by the caller */
        {"", true, "That search is too long: use at most 256 characters",
         "Results"},
        /* too many words, found by query_search itself */
        {"a b c d e f g h i", false, "That search is too long", "Results"},
        /* the hostile post's words find it, its title escaped */
        {"ALERT", false,
         "<a href=\"/incidents/66\">Tab here CR here LF here ESC[2J "
         "&lt;script&gt;",
         "<script>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        html_search(&b, snap, cases[i].q, cases[i].too_long);
        check_page("search", &b);
        CHECK_HAS(b.data, b.len, cases[i].has);
        if (cases[i].lacks != NULL)
            CHECK_LACKS(b.data, b.len, cases[i].lacks);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    html_search(&b, snap, "mail", false);
    static const char *const found[] = {"<h2>Results</h2>", "\"/incidents/42\"",
                                        "\"/incidents/40\""};
    check_order(&b, found, 3);
    CHECK_LACKS(b.data, b.len, "\"/incidents/41\"");
    CHECK_LACKS(b.data, b.len, "newest matches");
    buf_free(&b);
}

/* Pages past the first: a pager linking newer and older pages with the
 * words escaped for the URL and the attribute, well formed every way. */
TEST(html_search_pages)
{
    const struct incident *v[3];
    for (int i = 0; i < 3; i++)
        v[i] = &snap->incidents[i];
    static const struct {
        size_t page, n;
        bool more;
        const char *has, *lacks;
    } cases[] = {
        {1, 3, true,
         "<p class=\"pager\"><a href=\"/search?q=%22%3E%3Cb%3E%20x&amp;"
         "page=2\" rel=\"next\">Older matches &rarr;</a></p>",
         "rel=\"prev\""},
        {2, 3, true,
         "<p class=\"pager\"><a href=\"/search?q=%22%3E%3Cb%3E%20x\" "
         "rel=\"prev\">&larr; Newer matches</a> | <a href=\"/search?q="
         "%22%3E%3Cb%3E%20x&amp;page=3\" rel=\"next\">",
         "The 100 newest"},
        {3, 2, false, "<p>Older matches: 201 to 202.</p>", "rel=\"next\""},
        {4, 0, false, "<p>There are no more matches.</p>", "<ul"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct search_page res = {v, cases[i].n, cases[i].more, true};
        struct buf b = BUF_INIT;
        html_search_results(&b, snap, "\"><b> x", false, 0, cases[i].page,
                            &res);
        check_page("search page", &b);
        CHECK_HAS(b.data, b.len, cases[i].has);
        CHECK_LACKS(b.data, b.len, cases[i].lacks);
        CHECK_LACKS(b.data, b.len, "<b>");
        buf_free(&b);
    }
}

/* Hostile text where the operator or a compromised token may put it: a
 * service's name, description and status reason, and an open post. */
static struct snapshot *hostile_snapshot(void)
{
    struct snapshot *s = fixture_snapshot();
    struct incident *i66 = (struct incident *)snapshot_incident(s, 66);
    i66->status = STATUS_INVESTIGATING;
    i66->resolved_at = 0;
    fixture_changed(s); /* before the reason, which deriving would redo */
    struct service *fibre = (struct service *)snapshot_service(s, "fibre");
    fibre->name = snapshot_strdup(
        s, "<script>alert('svc')</script> \"Fibre\" & <b>more</b>\x1b[2J");
    fibre->description = snapshot_strdup(
        s, "javascript:alert(1) <img src=x onerror=alert(1)> \xff");
    fibre->status_reason = snapshot_strdup(s, "<i>why</i>");
    return s;
}

struct page_walk {
    int pages;
};

static void check_view(const struct view *v, void *arg)
{
    struct page_walk *w = arg;
    if (v->content_type == NULL ||
        strncmp(v->content_type, "text/html", 9) != 0)
        return;
    struct buf b = {(char *)v->body, v->len, v->len, false};
    check_page(v->key, &b);
    /* Nothing the hostile rows hold survives as markup. */
    CHECK_LACKS(v->body, v->len, "<b>");
    CHECK_LACKS(v->body, v->len, "<i>");
    CHECK_LACKS(v->body, v->len, "<img");
    CHECK_LACKS(v->body, v->len, "\x1b");
    w->pages++;
}

/* Every HTML page the HTTP side serves, of a snapshot full of
 * hostile text, is sound and carries the whole frame. */
TEST(html_every_page_hostile)
{
    struct snapshot *s = hostile_snapshot();
    CHECK_INT(http_proto.prerender(s), 0);
    struct page_walk w = {0};
    CHECK_INT(http_proto.each_view(s, check_view, &w), 0);
    /* summary, help, 7 posts, 5 services, history, 2 months */
    CHECK_INT(w.pages, 17);
    const struct view *v = snapshot_view(s, "http:/");
    CHECK(v != NULL);
    if (v != NULL) {
        CHECK_HAS(v->body, v->len,
                  "<li><a href=\"/services/fibre\">&lt;script&gt;alert(&#39;"
                  "svc&#39;)&lt;/script&gt; &quot;Fibre&quot; &amp; "
                  "&lt;b&gt;more&lt;/b&gt;[2J</a>");
        CHECK_HAS(v->body, v->len, "<a href=\"/incidents/66\">Tab here");
    }
    v = http_proto.view(s, "http:/services/fibre");
    CHECK(v != NULL);
    if (v != NULL) {
        CHECK_HAS(v->body, v->len,
                  "<dt>About</dt><dd>javascript:alert(1) &lt;img src=x "
                  "onerror=alert(1)&gt; \xef\xbf\xbd</dd>");
        CHECK_HAS(v->body, v->len, "(&lt;i&gt;why&lt;/i&gt;)");
    }
    snapshot_unref(s);
}

int main(void)
{
    snap = fixture_snapshot();
    if (snap == NULL) {
        printf("cannot build the fixture\n0 passed, 1 failed\n");
        return 1;
    }
    RUN(html_escape_table);
    RUN(html_body_table);
    RUN(html_checker_catches_faults);
    RUN(html_summary_page);
    RUN(html_summary_empty_store);
    RUN(html_incident_page);
    RUN(html_hostile_post);
    RUN(html_help_page);
    RUN(html_service_page);
    RUN(html_history_pages);
    RUN(html_search_page);
    RUN(html_search_pages);
    RUN(html_every_page_hostile);
    snapshot_unref(snap);
    return test_report();
}
