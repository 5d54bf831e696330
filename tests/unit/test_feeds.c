/* Unit tests for protocols/feeds.c against the hand-built fixture. (The
 * end-to-end suite also runs both feeds through feedparser.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/feeds.h"
#include "../../store/timeutil.h"
#include "fixture.h"
#include "testlib.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
        n++;
    return n;
}

TEST(xml_escape_table)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"a & b", "a &amp; b"},
        {"<tag attr=\"x\">'", "&lt;tag attr=&quot;x&quot;&gt;&#39;"},
        {"tab\tand\nline", "tab\tand\nline"}, /* allowed in XML 1.0 */
        {"esc\x1b[2Jbell\x07", "esc[2Jbell"}, /* forbidden: dropped */
        {"Z\xc3\xbcrich \xe2\x80\x94",
         "Z\xc3\xbcrich \xe2\x80\x94"}, /* UTF-8 */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        feeds_xml_escape(&b, cases[i].in);
        CHECK_STR(b.data != NULL ? b.data : "", cases[i].want);
        buf_free(&b);
    }
}

TEST(atom_document)
{
    struct snapshot *s = fixture_snapshot();
    struct buf b = BUF_INIT;
    feeds_atom(&b, s);
    const char *d = b.data;
    CHECK(strncmp(d,
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                  "xmlns=\"http://www.w3.org/2005/Atom\">",
                  70) == 0);
    /* One entry per post, each with id, link, dates and content. */
    CHECK_INT(count(d, "<entry>"), s->n_incidents);
    CHECK_INT(count(d, "</entry>"), s->n_incidents);
    CHECK_INT(count(d, "<updated>"), s->n_incidents + 1);
    CHECK_HAS(d, b.len, "<id>http://status.example.net/incidents/42</id>");
    CHECK_HAS(d, b.len,
              "<link rel=\"self\" "
              "href=\"http://status.example.net/history.atom\"/>");
    /* The feed's time is the data's, not the clock's: it stays the same
     * bytes until something changes. */
    char when[TIME_BUFSZ], tag[64];
    time_iso8601(s->data_changed_at, when);
    snprintf(tag, sizeof(tag), "<updated>%s</updated>", when);
    CHECK_HAS(d, b.len, tag);
    struct buf again = BUF_INIT;
    s->generated_at += 3600;
    feeds_atom(&again, s);
    CHECK(again.len == b.len && memcmp(again.data, d, b.len) == 0);
    /* The hostile post: nothing raw, no control bytes. */
    CHECK_LACKS(d, b.len, "<script>");
    CHECK_LACKS(d, b.len, "\x1b");
    CHECK_LACKS(d, b.len, "\r");
    CHECK_HAS(d, b.len, "&lt;script&gt;");
    /* Newest change first: #42's entry comes before the older #40. */
    const char *e42 = strstr(d, "/incidents/42</id>");
    const char *e40 = strstr(d, "/incidents/40</id>");
    CHECK(e42 != NULL && e40 != NULL && e42 < e40);
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
    CHECK_HAS(d, b.len, "<rss version=\"2.0\"");
    CHECK_INT(count(d, "<item>"), s->n_incidents);
    CHECK_INT(count(d, "<pubDate>"), s->n_incidents);
    CHECK_HAS(d, b.len, "<link>http://status.example.net/incidents/42</link>");
    /* RFC 822 dates, as RSS 2.0 wants. */
    CHECK_HAS(d, b.len, " GMT</pubDate>");
    CHECK_LACKS(d, b.len, "<script>");
    CHECK_LACKS(d, b.len, "\x1b");
    buf_free(&b);
    snapshot_unref(s);
}

TEST(empty_store)
{
    struct snapshot *s = fixture_empty_snapshot();
    struct buf a = BUF_INIT, r = BUF_INIT;
    feeds_atom(&a, s);
    feeds_rss(&r, s);
    CHECK_INT(count(a.data, "<entry>"), 0);
    CHECK_HAS(a.data, a.len, "</feed>\n");
    CHECK_INT(count(r.data, "<item>"), 0);
    CHECK_HAS(r.data, r.len, "</rss>\n");
    buf_free(&a);
    buf_free(&r);
    snapshot_unref(s);
}

int main(void)
{
    RUN(xml_escape_table);
    RUN(atom_document);
    RUN(rss_document);
    RUN(empty_store);
    return test_report();
}
