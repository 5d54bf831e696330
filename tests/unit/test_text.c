/* Unit tests of protocols/text.c: wrapping, cleaning, the finger
 * transliteration, CRLF, and the summary / incident / help pages rendered
 * from the fixture snapshot. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/text.h"
#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "../../store/query.h"
#include "../../store/snapshot.h"
#include "fixture.h"
#include "testlib.h"

/* ---- helpers ---------------------------------------------------------- */

/* Code points in s[0..n), or -1 if s is not valid UTF-8. */
static long utf8_cols(const unsigned char *s, size_t n)
{
    long cols = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80                 ? 1
                     : c >= 0xc2 && c <= 0xdf ? 2
                     : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4
                                              : 0;
        if (len == 0 || i + len > n)
            return -1;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
        i += len;
        cols++;
    }
    return cols;
}

/* The page promise: valid UTF-8, LF line ends, no other control byte
 * (ESC, CR, TAB, DEL, C1), every line at most TEXT_WIDTH code points. */
static void check_clean_text(const struct buf *b)
{
    CHECK(!buf_failed(b));
    CHECK(b->len > 0);
    CHECK(utf8_cols((const unsigned char *)b->data, b->len) >= 0);
    size_t start = 0;
    for (size_t i = 0; i <= b->len; i++) {
        unsigned char c = i < b->len ? (unsigned char)b->data[i] : '\n';
        if (c == '\n') {
            long cols =
                utf8_cols((const unsigned char *)b->data + start, i - start);
            if (cols > TEXT_WIDTH)
                fprintf(stderr, "long line: %.*s\n", (int)(i - start),
                        b->data + start);
            CHECK(cols <= TEXT_WIDTH);
            start = i + 1;
            continue;
        }
        CHECK(c >= 0x20 && c != 0x7f);
        /* C1 controls encoded as UTF-8: C2 80..C2 9F. */
        if (c == 0xc2 && i + 1 < b->len)
            CHECK((unsigned char)b->data[i + 1] >= 0xa0);
    }
    CHECK(b->data[b->len - 1] == '\n');
}

/* Offset of needle in b, or -1. */
static long find(const struct buf *b, const char *needle)
{
    if (b->data == NULL)
        return -1;
    const char *p = strstr(b->data, needle);
    return p != NULL ? (long)(p - b->data) : -1;
}

/* ---- text_wrap -------------------------------------------------------- */

struct wrap_case {
    const char *comment;
    const char *in;
    size_t width;
    const char *indent;
    const char *want;
};

static const struct wrap_case wrap_cases[] = {
    {"one short line", "hello world", 72, "", "hello world\n"},
    {"fits exactly at the width", "hello world", 11, "", "hello world\n"},
    {"one column short: breaks", "hello world", 10, "", "hello\nworld\n"},
    {"greedy filling", "aaa bbb ccc ddd", 10, "", "aaa bbb\nccc ddd\n"},
    {"a word wider than the line is cut hard", "abcdefghijklmnopqrstuvwxy", 10,
     "", "abcdefghij\nklmnopqrst\nuvwxy\n"},
    {"a long word after a short one starts a new line", "ab abcdefghijklmn", 10,
     "", "ab\nabcdefghij\nklmn\n"},
    {"UTF-8 counts code points, not bytes (13 bytes, 7 columns)",
     "\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9", 12, "",
     "\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9\n"},
    {"a hard cut never splits a code point",
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
     10, "",
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\n\xc3\xa9\xc3\xa9\n"},
    {"the indent counts towards the width", "one two three", 12, "  ",
     "  one two\n  three\n"},
    {"single line breaks are kept", "a\nb", 72, "", "a\nb\n"},
    {"blank lines become one paragraph break", "a\n\n\n  \nb", 72, "> ",
     "> a\n\n> b\n"},
    {"leading and trailing blank lines vanish", "\n\n  x  \n\n", 72, "", "x\n"},
    {"runs of spaces collapse", "a    b", 72, "", "a b\n"},
    {"CRLF is a line break, ESC and other C0 vanish, TAB is a space",
     "a\x1b[2Jb\tc\r\nd\x01", 72, "", "a[2Jb c\nd\n"},
    {"a bare CR breaks the line instead of gluing words", "a\rb", 72, "",
     "a\nb\n"},
    {"DEL and C1 controls (CSI 0x9b) vanish",
     "a\x7f\xc2\x9b"
     "b",
     72, "", "ab\n"},
    {"bidi override and zero-width space vanish",
     "a\xe2\x80\xae"
     "b\xe2\x80\x8b"
     "c",
     72, "", "abc\n"},
    {"invalid UTF-8: one '?' per bad byte (stray, overlong, surrogate)",
     "\xff \xc0\xaf \xed\xa0\x80 \xe2\x82", 72, "", "? ?? ??? ??\n"},
    {"a no-break space after \". \" is spacing, dropped where a wrap lands",
     "It is done. \xc2\xa0Next step", 14, "  ", "  It is done.\n  Next step\n"},
    {"...and kept where none does", "Done. \xc2\xa0Next", 72, "",
     "Done. \xc2\xa0Next\n"},
    {"empty input writes nothing", "", 72, "", ""},
    {"only blanks write nothing", " \n \t\n", 72, "", ""},
};

TEST(wrap_table)
{
    for (size_t i = 0; i < sizeof(wrap_cases) / sizeof(wrap_cases[0]); i++) {
        const struct wrap_case *c = &wrap_cases[i];
        struct buf b = BUF_INIT;
        text_wrap(&b, c->in, c->width, c->indent);
        if (strcmp(b.data != NULL ? b.data : "", c->want) != 0)
            fprintf(stderr, "case: %s\n", c->comment);
        CHECK_STR(b.data != NULL ? b.data : "", c->want);
        buf_free(&b);
    }
}

/* NULL text and indent are allowed and write nothing / no prefix. */
TEST(wrap_null)
{
    struct buf b = BUF_INIT;
    text_wrap(&b, NULL, 72, "  ");
    CHECK_INT(b.len, 0);
    text_wrap(&b, "x", 72, NULL);
    CHECK_STR(b.data, "x\n");
    buf_free(&b);
}

/* Property: for many widths and a mixed text, no line is wider than the
 * width, and no word is lost or changed except by hard cuts. */
TEST(wrap_property_width)
{
    const char *text =
        "Mail queued during the fault is being delivered now. "
        "Z\xc3\xbcrich \xe2\x80\x94 \xe2\x80\x9c"
        "core\xe2\x80\x9d "
        "https://example.net/a/very/long/path/that/does/not/fit/anywhere "
        "ok.\n\nSecond paragraph with \xc3\xa9\xc3\xa9\xc3\xa9 words.";
    /* From 12: the indent plus the 10 columns text_wrap always keeps. */
    for (size_t width = 12; width <= 80; width++) {
        struct buf b = BUF_INIT;
        text_wrap(&b, text, width, "  ");
        size_t start = 0;
        for (size_t i = 0; i < b.len; i++) {
            if (b.data[i] != '\n')
                continue;
            long cols = utf8_cols((unsigned char *)b.data + start, i - start);
            CHECK(cols >= 0 && (size_t)cols <= width);
            /* no trailing blank */
            CHECK(i == start || b.data[i - 1] != ' ');
            start = i + 1;
        }
        /* Removing the layout gives back the words: compare the text
         * without any whitespace. */
        char *a = malloc(strlen(text) + 1), *z = malloc(b.len + 1);
        size_t na = 0, nz = 0;
        for (const char *p = text; *p; p++)
            if (*p != ' ' && *p != '\n')
                a[na++] = *p;
        for (size_t k = 0; k < b.len; k++)
            if (b.data[k] != ' ' && b.data[k] != '\n')
                z[nz++] = b.data[k];
        CHECK_INT(nz, na);
        CHECK(nz == na && memcmp(a, z, na) == 0);
        free(a);
        free(z);
        buf_free(&b);
    }
}

/* ---- preformatted lines ----------------------------------------------- */

TEST(preformatted_rule)
{
    static const struct {
        const char *line;
        bool want;
    } cases[] = {
        {"Mail is slow for some customers.", false},
        {"  indented by spaces", true},
        {"\tindented by a tab", true},
        {"\xc2\xa0\xc2\xa0indented by no-break spaces", true},
        {"hop\taddress", true},
        {"name   status", true},
        {"a  b", true},
        {"It is fixed.  We are watching it.", false},
        {"Why?  A card failed!  It is swapped.", false},
        {"Cause:  a card", false},
        {"It is fixed.   Three spaces line something up", true},
        {"trailing blanks  ", false},
        {"", false},
        {"   ", false},
        {"\t \t", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = text_line_preformatted(cases[i].line, strlen(cases[i].line));
        if (got != cases[i].want)
            fprintf(stderr, "case: [%s]\n", cases[i].line);
        CHECK_INT(got, cases[i].want);
    }
}

TEST(wrap_body_table)
{
    static const struct wrap_case cases[] = {
        {"a traceroute keeps its columns", " 1  gw.example.net  0.5 ms", 72,
         "  ", "   1  gw.example.net  0.5 ms\n"},
        {"prose around a table still wraps, the table does not",
         "The path now:\n 1  gw  0.5 ms\n 2  core  1.2 ms\nWe are on it, "
         "and will say more soon.",
         24, "",
         "The path now:\n 1  gw  0.5 ms\n 2  core  1.2 ms\nWe are on it, and "
         "will\nsay more soon.\n"},
        {"tabs go to the next multiple of 8 columns", "hop\taddr\n1\t10.0.0.1",
         72, "", "hop     addr\n1       10.0.0.1\n"},
        {"a line wider than the room breaks at a space, under its indent",
         "  aaaaaaaaaa bbbbbbbbbb ccc", 20, "",
         "  aaaaaaaaaa\n  bbbbbbbbbb ccc\n"},
        {"...or under the text after its first gap",
         "03:21  Mains power fails. Batteries take the load.", 31, "",
         "03:21  Mains power fails.\n       Batteries take the load.\n"},
        {"...and is cut hard where no space fits",
         "  aaaaaaaaaaaaaaaaaaaaaaaa  b", 20, "",
         "  aaaaaaaaaaaaaaaaaa\n  aaaaaa  b\n"},
        {"trailing blanks are dropped", "a  b   ", 72, "", "a  b\n"},
        {"no-break space indentation is kept", "\xc2\xa0\xc2\xa0kept as it is",
         72, "> ", "> \xc2\xa0\xc2\xa0kept as it is\n"},
        {"two spaces after a full stop are prose", "One.  Two three four", 12,
         "", "One. Two\nthree four\n"},
        {"paragraphs stay", "a\n\n  b", 72, "", "a\n\n  b\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct wrap_case *c = &cases[i];
        struct buf b = BUF_INIT;
        text_wrap_body(&b, c->in, c->width, c->indent, c->indent);
        if (strcmp(b.data != NULL ? b.data : "", c->want) != 0)
            fprintf(stderr, "case: %s\n", c->comment);
        CHECK_STR(b.data != NULL ? b.data : "", c->want);
        buf_free(&b);
    }
}

/* ---- text_clean ------------------------------------------------------- */

TEST(clean_table)
{
    static const struct {
        const char *comment, *in, *want;
    } cases[] = {
        {"plain", "Delayed mail", "Delayed mail"},
        {"TAB, CR, LF become one space; edges trimmed", "  a \t b\r\nc  ",
         "a b c"},
        {"ESC and BEL vanish", "x\x1b[31my\x07", "x[31my"},
        {"UTF-8 kept", "Z\xc3\xbcrich \xe2\x80\x94 x",
         "Z\xc3\xbcrich \xe2\x80\x94 x"},
        {"the hostile fixture title", FIXTURE_HOSTILE_TITLE,
         "Tab here CR here LF here ESC[2J <script>alert(1)</script> say "
         "\"hi\" Z\xc3\xbcrich \xe2\x80\x94 \xe2\x80\x9c"
         "core\xe2\x80\x9d"},
        {"empty", "", ""},
        {"controls only", "\x01\x02\r\n", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        text_clean(&b, cases[i].in);
        if (strcmp(b.data != NULL ? b.data : "", cases[i].want) != 0)
            fprintf(stderr, "case: %s\n", cases[i].comment);
        CHECK_STR(b.data != NULL ? b.data : "", cases[i].want);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    text_clean(&b, NULL);
    CHECK_INT(b.len, 0);
    buf_free(&b);
}

/* ---- text_to_finger --------------------------------------------------- */

struct conv_case {
    const char *comment;
    const char *in;
    size_t len; /* 0: strlen */
    const char *want;
};

static const struct conv_case finger_cases[] = {
    {"ASCII unchanged", "Mail is late.", 0, "Mail is late."},
    {"LF becomes CRLF", "a\nb\n", 0, "a\r\nb\r\n"},
    {"CRLF stays one CRLF", "a\r\nb", 0, "a\r\nb"},
    {"a bare CR becomes a line end", "a\rb", 0, "a\r\nb"},
    {"e acute", "caf\xc3\xa9", 0, "cafe"},
    {"u umlaut", "Z\xc3\xbcrich", 0, "Zurich"},
    {"sharp s",
     "Stra\xc3\x9f"
     "e",
     0, "Strasse"},
    {"capitals and ligatures", "\xc3\x86 \xc3\x98 \xc3\x85 \xc3\x87", 0,
     "AE O A C"},
    {"Latin Extended-A",
     "\xc5\x81\xc3\xb3"
     "d\xc5\xba \xc5\x92uvre "
     "\xc5\xa0koda \xc4\xb3",
     0, "Lodz OEuvre Skoda ij"},
    {"curly double quotes",
     "\xe2\x80\x9c"
     "core\xe2\x80\x9d",
     0, "\"core\""},
    {"curly single quotes and apostrophe",
     "\xe2\x80\x98x\xe2\x80\x99 it\xe2\x80\x99s", 0, "'x' it's"},
    {"en dash and em dash",
     "08:00\xe2\x80\x93"
     "22:00 \xe2\x80\x94 ok",
     0, "08:00-22:00 -- ok"},
    {"ellipsis", "wait\xe2\x80\xa6", 0, "wait..."},
    {"no-break space", "10\xc2\xa0min", 0, "10 min"},
    {"soft hyphen vanishes",
     "re\xc2\xad"
     "boot",
     0, "reboot"},
    {"euro and trade mark", "5 \xe2\x82\xac, X\xe2\x84\xa2", 0, "5 EUR, X(TM)"},
    {"one '?' per unknown code point (CJK, emoji)",
     "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 0, "?? ?"},
    {"ESC dropped: no escape sequence survives", "\x1b[2Jx\x1b]0;t\x07", 0,
     "[2Jx]0;t"},
    {"DEL and C1 (NEL, CSI) dropped",
     "a\x7f\xc2\x85\xc2\x9b"
     "b",
     0, "ab"},
    {"TAB becomes a space", "a\tb", 0, "a b"},
    {"a NUL byte is dropped", "a\0b", 3, "ab"},
    {"invalid UTF-8: one '?' per byte", "\xff\xc0\xaf\xe2\x82", 0, "?????"},
    {"bidi override dropped",
     "a\xe2\x80\xae"
     "b",
     0, "ab"},
    {"line separator is a line end",
     "a\xe2\x80\xa8"
     "b",
     0, "a\r\nb"},
    {"empty", "", 0, ""},
};

TEST(to_finger_table)
{
    for (size_t i = 0; i < sizeof(finger_cases) / sizeof(finger_cases[0]);
         i++) {
        const struct conv_case *c = &finger_cases[i];
        struct buf b = BUF_INIT;
        text_to_finger(&b, c->in, c->len ? c->len : strlen(c->in));
        if (strcmp(b.data != NULL ? b.data : "", c->want) != 0)
            fprintf(stderr, "case: %s\n", c->comment);
        CHECK_STR(b.data != NULL ? b.data : "", c->want);
        buf_free(&b);
    }
}

/* Every byte value and every 2-byte sequence gives 7-bit ASCII with no
 * control byte other than CRLF pairs. */
TEST(to_finger_all_bytes)
{
    unsigned char in[3];
    for (int a = 0; a < 256; a++) {
        for (int z = 0; z < 256; z++) {
            in[0] = (unsigned char)a;
            in[1] = (unsigned char)z;
            in[2] = 0x80;
            struct buf b = BUF_INIT;
            text_to_finger(&b, (const char *)in, 3);
            for (size_t i = 0; i < b.len; i++) {
                unsigned char c = (unsigned char)b.data[i];
                bool ok =
                    (c >= 0x20 && c < 0x7f) ||
                    (c == '\r' && i + 1 < b.len && b.data[i + 1] == '\n') ||
                    (c == '\n' && i > 0 && b.data[i - 1] == '\r');
                if (!ok) {
                    CHECK(ok);
                    a = z = 256;
                    break;
                }
            }
            buf_free(&b);
        }
    }
}

/* Transliteration can lengthen a line ("EUR" for one sign): the ASCII is
 * broken again at 72 columns, at a space, keeping the line's indent. */
TEST(to_finger_rewrap)
{
    static const struct {
        const char *comment;
        int indent, x;     /* leading spaces, then this many 'x' */
        const char *tail;  /* then this (UTF-8) */
        const char *want1; /* the first line's end, after the x's */
        const char *want2; /* the second line, or NULL for none */
    } cases[] = {
        {"72 columns stay one line", 0, 70, " a", " a", NULL},
        {"EUR pushes a line past 72: broken at the space", 0, 70,
         " \xe2\x82\xac\xe2\x82\xac", "", "EUREUR"},
        {"the indent is kept on the new line", 2, 66, " \xe2\x84\xa2 ok", "",
         "  (TM) ok"},
        {"a word longer than the line is cut hard", 0, 80, "", "", "xxxxxxxx"},
        {"an indented hard cut keeps the indent", 4, 80, "", "",
         "    xxxxxxxxxxxx"},
        {"an ellipsis at the edge", 0, 70, " ab\xe2\x80\xa6", "", "ab..."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
        for (int k = 0; k < cases[i].indent; k++)
            buf_putc(&in, ' ');
        for (int k = 0; k < cases[i].x; k++)
            buf_putc(&in, 'x');
        buf_puts(&in, cases[i].tail);
        buf_puts(&in, "\nnext\n");
        /* The first line: the indent and as many x as fit. */
        int first_x = cases[i].x;
        if (cases[i].indent + first_x > 72)
            first_x = 72 - cases[i].indent;
        for (int k = 0; k < cases[i].indent; k++)
            buf_putc(&want, ' ');
        for (int k = 0; k < first_x; k++)
            buf_putc(&want, 'x');
        buf_puts(&want, cases[i].want1);
        buf_puts(&want, "\r\n");
        if (cases[i].want2 != NULL)
            buf_printf(&want, "%s\r\n", cases[i].want2);
        buf_puts(&want, "next\r\n");
        text_to_finger(&got, in.data, in.len);
        if (strcmp(got.data, want.data) != 0)
            fprintf(stderr, "case: %s\n", cases[i].comment);
        CHECK_STR(got.data, want.data);
        buf_free(&in);
        buf_free(&want);
        buf_free(&got);
    }
}

/* Wrapped text full of signs that grow in ASCII: no line over 72. */
TEST(to_finger_width_property)
{
    static const char *const words[] = {
        "\xe2\x82\xac", "\xe2\x84\xa2",
        "\xe2\x80\xa6", "\xc3\x9f",
        "\xc3\x86",     "caf\xc3\xa9",
        "word",         "a",
        "\xe2\x86\x94", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"};
    srand(7);
    for (int round = 0; round < 200; round++) {
        struct buf text = BUF_INIT, wrapped = BUF_INIT, ascii = BUF_INIT;
        int n = 5 + rand() % 120;
        for (int k = 0; k < n; k++) {
            buf_puts(&text, words[rand() % 10]);
            buf_putc(&text, rand() % 12 == 0 ? '\n' : ' ');
        }
        text_wrap(&wrapped, text.data, 72, round % 2 ? "    " : "");
        text_to_finger(&ascii, wrapped.data, wrapped.len);
        size_t col = 0;
        bool ok = true;
        for (size_t i = 0; i < ascii.len; i++) {
            if (ascii.data[i] == '\r')
                continue;
            col = ascii.data[i] == '\n' ? 0 : col + 1;
            ok = ok && col <= 72;
        }
        CHECK(ok);
        buf_free(&text);
        buf_free(&wrapped);
        buf_free(&ascii);
        if (!ok)
            break;
    }
}

TEST(to_crlf_table)
{
    static const struct conv_case cases[] = {
        {"LF to CRLF", "a\nb\n", 0, "a\r\nb\r\n"},
        {"an existing CRLF is not doubled", "a\r\nb", 0, "a\r\nb"},
        {"no final line end", "x", 0, "x"},
        {"UTF-8 and dots untouched", ".\n..\n\xc3\xa9", 0,
         ".\r\n..\r\n\xc3\xa9"},
        {"a leading LF", "\nx", 0, "\r\nx"},
        {"empty", "", 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        text_to_crlf(&b, cases[i].in, strlen(cases[i].in));
        if (strcmp(b.data != NULL ? b.data : "", cases[i].want) != 0)
            fprintf(stderr, "case: %s\n", cases[i].comment);
        CHECK_STR(b.data != NULL ? b.data : "", cases[i].want);
        buf_free(&b);
    }
}

/* ---- pages from the fixture ------------------------------------------- */

TEST(summary_fixture)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_summary(&b, s);
    check_clean_text(&b);

    CHECK(strncmp(b.data,
                  "Example Net status\n==================\n"
                  "Partial System Outage\n"
                  "Server time: 2026-11-18 11:06 UTC\n",
                  92) == 0);
    /* Services: grouped, right-aligned at 72. */
    CHECK_HAS(b.data, b.len,
              "\nAccess\n  DSL broadband ......................................"
              "...... Operational\n  Fibre to the home ......................."
              "................. Operational\nMail\n");
    CHECK_HAS(b.data, b.len,
              "  Mailbox access (IMAP) ................................. "
              "Partial outage\n");
    CHECK_HAS(b.data, b.len,
              "\nDNS resolvers ........................................ Under "
              "maintenance\n");
    /* Sections in the contract's order. */
    long open = find(&b, "\nOpen incidents\n--------------\n");
    long active = find(&b, "\nMaintenance in progress\n");
    long upcoming = find(&b, "\nUpcoming maintenance\n");
    long notices = find(&b, "\nNotices\n");
    CHECK(open > 0 && open < active && active < upcoming && upcoming < notices);
    CHECK_HAS(b.data, b.len,
              "#42 Delayed mail delivery for some customers\n"
              "    Identified - major impact - since 2026-11-18 09:40 UTC\n"
              "    Affects: Mailbox access (IMAP), Outgoing mail (SMTP)\n"
              "    Latest update 2026-11-18 10:45 UTC (Identified):\n"
              "    Mail queued during the fault is being delivered now.");
    CHECK_HAS(b.data, b.len,
              "#44 DNS resolver replacement\n"
              "    In progress - window 2026-11-18 10:30 to 12:30 UTC\n");
    CHECK_HAS(b.data, b.len,
              "#43 Core router software upgrade\n"
              "    Scheduled - window 2026-11-20 00:30 to 02:30 UTC\n");
    /* Only the first paragraph of a long update, marked as cut. */
    CHECK_HAS(b.data, b.len, "ten minutes.\n    [...]\n");
    CHECK_LACKS(b.data, b.len, "reconnect on their own");
    CHECK_HAS(b.data, b.len,
              "#45 New opening hours for the support line\n"
              "    Posted 2026-11-17 08:00 UTC\n");
    /* Resolved posts are not in the summary. */
    CHECK_LACKS(b.data, b.len, "#41");
    CHECK_LACKS(b.data, b.len, "#40");
    CHECK_LACKS(b.data, b.len, "#66");
    CHECK_LACKS(b.data, b.len, "No open incidents");
    /* The hint names a real id on every protocol. */
    CHECK_HAS(b.data, b.len,
              "\nDetails of any post above, e.g. #42:\n"
              "  finger 42@status.example.net\n"
              "  gopher://status.example.net/0/incidents/42\n"
              "  http://status.example.net/incidents/42\n"
              "Help:\n"
              "  finger help@status.example.net\n"
              "  http://status.example.net/help\n");
    /* ... and that is the end. */
    const char *end = "\n  http://status.example.net/help\n";
    CHECK(b.len > strlen(end) &&
          strcmp(b.data + b.len - strlen(end), end) == 0);
    buf_free(&b);
    snapshot_unref(s);
}

TEST(summary_empty)
{
    struct snapshot *s = fixture_empty_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_summary(&b, s);
    check_clean_text(&b);
    CHECK_STR(b.data, "Example Net status\n"
                      "==================\n"
                      "All Systems Operational\n"
                      "Server time: 2026-11-18 11:06 UTC\n"
                      "\n"
                      "No open incidents.\n"
                      "\n"
                      "Help:\n"
                      "  finger help@status.example.net\n"
                      "  http://status.example.net/help\n");
    buf_free(&b);
    snapshot_unref(s);
}

/* Ports other than the standard ones show up in the hints. */
TEST(summary_other_ports)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    s->site.gopher_port = 7070;
    s->site.finger_port = 7079;
    struct buf b = BUF_INIT;
    text_summary(&b, s);
    CHECK_HAS(b.data, b.len, "gopher://status.example.net:7070/0/incidents/42");
    CHECK_HAS(b.data, b.len, "\n  echo '42' | nc status.example.net 7079\n");
    buf_reset(&b);
    text_help(&b, s);
    CHECK_HAS(b.data, b.len, "gopher status.example.net 7070");
    CHECK_HAS(b.data, b.len, "echo '/W 42' | nc status.example.net 7079");
    buf_free(&b);
    snapshot_unref(s);
}

/* The exact short form of #42: the HTTP text twin and finger rely on it,
 * so a change here is a visible change on three protocols. */
TEST(incident_42_short_exact)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_incident(&b, s, snapshot_incident(s, 42), false);
    CHECK_STR(b.data,
              "Delayed mail delivery for some customers\n"
              "========================================\n"
              "Incident #42 - Identified - major impact\n"
              "Affects: Mailbox access (IMAP), Outgoing mail (SMTP)\n"
              "Started: 2026-11-18 09:40 UTC\n"
              "\n"
              "Updates, newest first\n"
              "---------------------\n"
              "\n"
              "2026-11-18 10:45 UTC - Identified\n"
              "  Mail queued during the fault is being delivered now. New "
              "mail can\n"
              "  still take up to half an hour to arrive. No mail has been "
              "lost.\n"
              "  -- Dana (NOC)\n"
              "\n"
              "2026-11-18 10:05 UTC - Identified\n"
              "  One of the mail storage servers ran out of disk space.\n"
              "\n"
              "  We are moving the affected mailboxes to a spare server.\n"
              "  -- Dana (NOC)\n"
              "\n"
              "2026-11-18 09:40 UTC - Investigating\n"
              "  We are looking into reports of delayed incoming and "
              "outgoing mail.\n");
    buf_free(&b);
    snapshot_unref(s);
}

TEST(incident_long_forms)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;

    /* #42 long: update ids, the API token of an update, services. */
    text_incident(&b, s, snapshot_incident(s, 42), true);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "2026-11-18 10:05 UTC - Identified (update 422)");
    CHECK_HAS(b.data, b.len, "  -- Dana (NOC), via noc-bot\n");
    CHECK_HAS(b.data, b.len, "  (posted via cli)\n");
    CHECK_HAS(b.data, b.len,
              "Affected services:\n"
              "  Mailbox access (IMAP) (now Partial outage)\n"
              "  Outgoing mail (SMTP) (now Partial outage)\n");
    CHECK_HAS(b.data, b.len, "Last updated: 2026-11-18 10:45 UTC\n");

    /* #43 long: the maintenance window and a service's own window. */
    buf_reset(&b);
    text_incident(&b, s, snapshot_incident(s, 43), true);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "Maintenance #43 - Scheduled\n");
    CHECK_HAS(b.data, b.len, "Window: 2026-11-20 00:30 to 02:30 UTC\n");
    CHECK_HAS(b.data, b.len, "its own window 2026-11-20 01:00 to");
    CHECK_HAS(b.data, b.len, "01:30 UTC");
    CHECK_HAS(b.data, b.len,
              "  Both core routers get new software, one after the other.");
    CHECK_HAS(b.data, b.len,
              "\n\n  DSL lines reconnect on their own afterwards.\n");

    /* #41: resolved with a postmortem after the updates. */
    buf_reset(&b);
    text_incident(&b, s, snapshot_incident(s, 41), false);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "Incident #41 - Postmortem - critical impact\n");
    CHECK_HAS(b.data, b.len,
              "Resolved: 2026-11-15 08:15 UTC (after 2 h 5 min)\n");
    long updates = find(&b, "Updates, newest first");
    long pm = find(&b, "\nPostmortem\n----------\n"
                       "Published 2026-11-16 14:00 UTC\n\n"
                       "A line card in the northern exchange failed");
    CHECK(updates > 0 && pm > updates);
    CHECK_HAS(b.data, b.len, "\n\nWe now alarm on session resets");
    long r413 = find(&b, "08:15 UTC - Resolved");
    long r412 = find(&b, "07:30 UTC - Monitoring");
    long r411 = find(&b, "06:10 UTC - Investigating");
    CHECK(r413 > 0 && r413 < r412 && r412 < r411);

    /* #45: a notice has no impact. */
    buf_reset(&b);
    text_incident(&b, s, snapshot_incident(s, 45), false);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "Notice #45 - Posted\n");
    CHECK_HAS(b.data, b.len, "Posted: 2026-11-17 08:00 UTC\n");
    CHECK_LACKS(b.data, b.len, "impact");
    CHECK_HAS(b.data, b.len,
              "08:00\xe2\x80\x93"
              "22:00");
    buf_free(&b);
    snapshot_unref(s);
}

/* #66 carries TAB, CR, LF, ESC, <script> and UTF-8 in title, body and
 * signature: the page must stay clean text in both forms. */
TEST(incident_hostile)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    for (int long_form = 0; long_form <= 1; long_form++) {
        struct buf b = BUF_INIT;
        text_incident(&b, s, snapshot_incident(s, 66), long_form);
        check_clean_text(&b);
        CHECK_LACKS(b.data, b.len, "\x1b");
        CHECK_LACKS(b.data, b.len, "\r");
        CHECK_LACKS(b.data, b.len, "\t");
        CHECK_HAS(b.data, b.len, "Z\xc3\xbcrich");
        /* The title's LF did not start a line of its own. */
        CHECK_LACKS(b.data, b.len, "\nhere");
        CHECK_HAS(b.data, b.len, "  -- <b>eve</b> [31m");
        /* A lone "." line of a body is kept as text. */
        CHECK_HAS(b.data, b.len, "\n  .\n  A line that is only a dot.\n");
        buf_free(&b);
    }
    snapshot_unref(s);
}

/* Every post of the fixture, both forms: clean text. */
TEST(incident_all_clean)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    for (size_t i = 0; i < s->n_incidents; i++) {
        for (int long_form = 0; long_form <= 1; long_form++) {
            struct buf b = BUF_INIT;
            text_incident(&b, s, &s->incidents[i], long_form);
            check_clean_text(&b);
            buf_free(&b);
        }
    }
    snapshot_unref(s);
}

TEST(help_fixture)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_help(&b, s);
    check_clean_text(&b);
    CHECK(strncmp(b.data, "Example Net status - help\n", 26) == 0);
    CHECK_HAS(b.data, b.len, "  finger status@status.example.net\n");
    CHECK_HAS(b.data, b.len, "  finger -l 42@status.example.net\n");
    CHECK_HAS(b.data, b.len, "  gopher status.example.net 70\n");
    CHECK_HAS(b.data, b.len, "  lynx http://status.example.net/\n");
    CHECK_HAS(b.data, b.len,
              "  curl http://status.example.net/api/v2/summary.json\n");
    CHECK_HAS(b.data, b.len,
              "  curl gopher://status.example.net/0/status.txt\n");
    buf_free(&b);
    snapshot_unref(s);
}

/* A configured name or host with control bytes cannot leak them. */
TEST(hostile_site_config)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    s->site.name = "Evil\x1b[2J\r\nname";
    s->site.hostname = "host\t\x1b.example";
    struct buf b = BUF_INIT;
    text_summary(&b, s);
    check_clean_text(&b);
    CHECK(strncmp(b.data, "Evil[2J name\n", 13) == 0);
    buf_reset(&b);
    text_help(&b, s);
    check_clean_text(&b);
    buf_free(&b);
    snapshot_unref(s);
}

/* Times and windows, in UTC and with a display zone, across a DST change:
 * every protocol prints times through these two functions. */
TEST(time_and_window_with_zone)
{
    static const struct {
        const char *zone;   /* NULL: UTC only */
        int64_t start, end; /* end 0: a single time (text_time) */
        const char *want;
    } cases[] = {
        /* UTC only: a time, a same-day window, a window over midnight */
        {NULL, 1795000000, 0, "2026-11-18 11:06 UTC"},
        {NULL, 1795000000, 1795000000 + 7200, "2026-11-18 11:06 to 13:06 UTC"},
        {NULL, 1795042800, 1795042800 + 7200,
         "2026-11-18 23:00 to 2026-11-19 01:00 UTC"},
        /* New York in winter: same local day */
        {"America/New_York", 1795000000, 0,
         "2026-11-18 11:06 UTC (06:06 EST, UTC-05:00)"},
        {"America/New_York", 1795000000, 1795000000 + 7200,
         "2026-11-18 11:06 to 13:06 UTC (06:06 to 08:06 EST)"},
        /* the UTC window is after midnight, the local one is not */
        {"America/New_York", 1795051800, 1795051800 + 7200,
         "2026-11-19 01:30 to 03:30 UTC (2026-11-18 20:30 to 22:30 EST)"},
        /* over midnight in UTC, not on the local clock */
        {"America/New_York", 1795042800, 1795042800 + 7200,
         "2026-11-18 23:00 to 2026-11-19 01:00 UTC (18:00 to 20:00 EST)"},
        /* a window across the autumn change: EDT then EST */
        {"America/New_York", 1793509200, 1793509200 + 3 * 3600,
         "2026-11-01 05:00 to 08:00 UTC (01:00 EDT to 03:00 EST)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct snapshot *s = fixture_snapshot();
        REQUIRE(s != NULL);
        struct tz *z = NULL;
        if (cases[i].zone != NULL)
            CHECK_INT(tz_load(cases[i].zone, &z), 0);
        s->site.tz = z;
        struct buf out = BUF_INIT;
        if (cases[i].end == 0)
            text_time(&out, s, cases[i].start);
        else
            text_window(&out, s, cases[i].start, cases[i].end);
        CHECK_STR(out.data, cases[i].want);
        buf_free(&out);
        snapshot_unref(s);
        tz_free(z);
    }
}

/* ---- service, history and maintenance pages --------------------------- */

/* The short service page, byte for byte: status with its reason, group,
 * description, the server time, then one entry per post. */
TEST(service_imap_short_exact)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_service(&b, s, &s->services[2], false);
    CHECK_STR(b.data, "Mailbox access (IMAP)\n"
                      "=====================\n"
                      "Status: Partial outage (incident #42)\n"
                      "Group: Mail\n"
                      "About: Reading mail\n"
                      "Server time: 2026-11-18 11:06 UTC\n"
                      "\n"
                      "Recent posts\n"
                      "------------\n"
                      "#42 Delayed mail delivery for some customers\n"
                      "    Incident - Identified - 2026-11-18 09:40 UTC\n");
    buf_free(&b);
    snapshot_unref(s);
}

/* What each service page must say, in both forms. */
static const struct {
    size_t svc;
    bool long_form;
    const char *has[4]; /* in this order */
    const char *lacks;
} service_cases[] = {
    /* Newest first: the upcoming window is filed after the hostile post. */
    {1,
     false,
     {"Status: Operational (no open incidents)\n",
      "#43 Core router software upgrade\n    Maintenance - Scheduled - "
      "2026-11-20 00:30 to 02:30 UTC\n",
      "#66 Tab here CR here LF here ESC[2J", "Incident - Resolved - "},
     "About:"},
    /* No group: no "Group:" line. */
    {4,
     false,
     {"Status: Under maintenance (maintenance #44)\n",
      "About: Recursive name servers\n", "#44 DNS resolver replacement\n",
      NULL},
     "Group:"},
    /* The long form tells each post in full, timeline included. */
    {0,
     true,
     {"#43", "DSL lines reconnect on their own afterwards.",
      "Incident #41 - Postmortem", "We now alarm on session resets"},
     NULL},
    {3,
     true,
     {"Incident #42", "No mail has been lost.", "Incident #40",
      "Mail flows normally."},
     NULL},
};

TEST(service_table)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    for (size_t i = 0; i < sizeof(service_cases) / sizeof(service_cases[0]);
         i++) {
        struct buf b = BUF_INIT;
        text_service(&b, s, &s->services[service_cases[i].svc],
                     service_cases[i].long_form);
        check_clean_text(&b);
        long at = 0;
        for (size_t k = 0; k < 4 && service_cases[i].has[k] != NULL; k++) {
            long p = find(&b, service_cases[i].has[k]);
            if (p < at)
                fprintf(stderr, "case %zu: [%s] missing or out of order\n", i,
                        service_cases[i].has[k]);
            CHECK(p >= at);
            at = p;
        }
        if (service_cases[i].lacks != NULL)
            CHECK_LACKS(b.data, b.len, service_cases[i].lacks);
        buf_free(&b);
    }
    snapshot_unref(s);
}

/* Every page of this section, for every service and both forms, keeps the
 * page promise, however hostile the titles and bodies listed. */
TEST(lists_all_clean)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    for (int long_form = 0; long_form <= 1; long_form++) {
        struct buf b = BUF_INIT;
        for (size_t i = 0; i < s->n_services; i++) {
            buf_reset(&b);
            text_service(&b, s, &s->services[i], long_form);
            check_clean_text(&b);
        }
        buf_reset(&b);
        text_history(&b, s, long_form);
        check_clean_text(&b);
        CHECK_LACKS(b.data, b.len, "\x1b");
        buf_reset(&b);
        text_maintenance(&b, s, long_form);
        check_clean_text(&b);
        buf_free(&b);
    }
    snapshot_unref(s);
}

/* The history: months newest first, posts newest first (maintenance filed
 * under its window's start), one entry each. */
TEST(history_short_exact)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_history(&b, s, false);
    CHECK_STR(b.data,
              "Example Net status: history\n"
              "===========================\n"
              "Server time: 2026-11-18 11:06 UTC\n"
              "\n"
              "November 2026\n"
              "-------------\n"
              "#43 Core router software upgrade\n"
              "    Maintenance - Scheduled - 2026-11-20 00:30 to 02:30 UTC\n"
              "#44 DNS resolver replacement\n"
              "    Maintenance - In progress - 2026-11-18 10:30 to 12:30 "
              "UTC\n"
              "#42 Delayed mail delivery for some customers\n"
              "    Incident - Identified - 2026-11-18 09:40 UTC\n"
              "#45 New opening hours for the support line\n"
              "    Notice - Posted - 2026-11-17 08:00 UTC\n"
              "#41 DSL sessions dropping in the northern exchange area\n"
              "    Incident - Postmortem - 2026-11-15 06:10 UTC\n"
              "#66 Tab here CR here LF here ESC[2J "
              "<script>alert(1)</script> say \"hi\"\n"
              "    Z\xc3\xbcrich \xe2\x80\x94 \xe2\x80\x9c"
              "core\xe2\x80\x9d\n"
              "    Incident - Resolved - 2026-11-12 20:00 UTC\n"
              "\n"
              "October 2026\n"
              "------------\n"
              "#40 Outgoing mail refused by one relay\n"
              "    Incident - Resolved - 2026-10-07 13:20 UTC\n");
    buf_free(&b);
    snapshot_unref(s);
}

TEST(history_long_and_empty)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_history(&b, s, true);
    /* Each post in full, still under its month. */
    long nov = find(&b, "\nNovember 2026\n");
    long full42 = find(&b, "Mail queued during the fault is being");
    long oct = find(&b, "\nOctober 2026\n");
    long full40 = find(&b, "The relay was taken out of rotation.");
    CHECK(nov > 0 && full42 > nov && oct > full42 && full40 > oct);
    CHECK_HAS(b.data, b.len, "Published 2026-11-16 14:00 UTC");
    snapshot_unref(s);

    s = fixture_empty_snapshot();
    CHECK(s != NULL);
    if (s == NULL) {
        buf_free(&b);
        return;
    }
    for (int long_form = 0; long_form <= 1; long_form++) {
        buf_reset(&b);
        text_history(&b, s, long_form);
        check_clean_text(&b);
        CHECK_HAS(b.data, b.len, "\nNothing has been posted yet.\n");
        buf_reset(&b);
        text_maintenance(&b, s, long_form);
        check_clean_text(&b);
        CHECK_HAS(b.data, b.len,
                  "In progress\n-----------\nNone.\n\nUpcoming\n--------\n"
                  "None.\n\nCompleted in the last 30 days\n"
                  "-----------------------------\nNone.\n");
    }
    buf_free(&b);
    snapshot_unref(s);
}

/* More than a year of history: the short form stops at 12 months and says
 * how many more the long form has. */
TEST(history_year_cap)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    /* Fourteen posts, one a month back from November 2026, made from the
     * fixture's own (the array is put back before the snapshot goes). */
    struct incident many[14];
    for (size_t i = 0; i < 14; i++) {
        many[i] = s->incidents[i % s->n_incidents];
        many[i].id = 100 + (int64_t)i;
        many[i].kind = KIND_INCIDENT;
        many[i].scheduled_start = many[i].scheduled_end = 0;
        many[i].created_at = many[i].started_at =
            1795000000 - (int64_t)i * 31 * 86400;
    }
    struct incident *orig = s->incidents;
    size_t n_orig = s->n_incidents;
    s->incidents = many;
    s->n_incidents = 14;
    REQUIRE(query_index(s) == 0); /* the history index of the new posts */

    struct buf b = BUF_INIT;
    text_history(&b, s, false);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "\nNovember 2026\n");
    CHECK_HAS(b.data, b.len, "\nDecember 2025\n");
    CHECK_LACKS(b.data, b.len, "\nNovember 2025\n");
    CHECK_HAS(b.data, b.len, "\n(2 older months: ask for the long form.)\n");
    buf_reset(&b);
    text_history(&b, s, true);
    check_clean_text(&b);
    CHECK_HAS(b.data, b.len, "\nOctober 2025\n");
    CHECK_LACKS(b.data, b.len, "older months");
    buf_free(&b);

    s->incidents = orig;
    s->n_incidents = n_orig;
    REQUIRE(query_index(s) == 0);
    snapshot_unref(s);
}

/* Maintenance: running, upcoming, then completed within 30 days. */
TEST(maintenance_short_exact)
{
    struct snapshot *s = fixture_snapshot();
    REQUIRE(s != NULL);
    struct buf b = BUF_INIT;
    text_maintenance(&b, s, false);
    CHECK_STR(b.data,
              "Example Net status: maintenance\n"
              "===============================\n"
              "Server time: 2026-11-18 11:06 UTC\n"
              "\n"
              "In progress\n"
              "-----------\n"
              "#44 DNS resolver replacement\n"
              "    Maintenance - In progress - 2026-11-18 10:30 to 12:30 "
              "UTC\n"
              "\n"
              "Upcoming\n"
              "--------\n"
              "#43 Core router software upgrade\n"
              "    Maintenance - Scheduled - 2026-11-20 00:30 to 02:30 UTC\n"
              "\n"
              "Completed in the last 30 days\n"
              "-----------------------------\n"
              "None.\n");
    buf_reset(&b);
    text_maintenance(&b, s, true);
    check_clean_text(&b);
    long run = find(&b, "Work has started.");
    long up = find(&b, "Both core routers get new software");
    CHECK(run > 0 && up > run);
    snapshot_unref(s);
    buf_free(&b);
}

int main(void)
{
    RUN(time_and_window_with_zone);
    RUN(wrap_table);
    RUN(wrap_null);
    RUN(wrap_property_width);
    RUN(preformatted_rule);
    RUN(wrap_body_table);
    RUN(clean_table);
    RUN(to_finger_table);
    RUN(to_finger_all_bytes);
    RUN(to_finger_rewrap);
    RUN(to_finger_width_property);
    RUN(to_crlf_table);
    RUN(summary_fixture);
    RUN(summary_empty);
    RUN(summary_other_ports);
    RUN(incident_42_short_exact);
    RUN(incident_long_forms);
    RUN(incident_hostile);
    RUN(incident_all_clean);
    RUN(help_fixture);
    RUN(hostile_site_config);
    RUN(service_imap_short_exact);
    RUN(service_table);
    RUN(lists_all_clean);
    RUN(history_short_exact);
    RUN(history_long_and_empty);
    RUN(history_year_cap);
    RUN(maintenance_short_exact);
    return test_report();
}
