/* Unit tests for store/common/utf8.c: the one UTF-8 decoder. */
#include <stdio.h>
#include <string.h>

#include "../../store/common/utf8.h"
#include "testlib.h"

/* Every sequence RFC 3629 allows, at its edges, and every way to be
 * wrong: one case each, the length the decoder must give (0: invalid). */
TEST(utf8_decode_table)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t n;
        size_t want;
        uint32_t cp;
    } cases[] = {
        {"ASCII", "A", 1, 1, 0x41},
        {"NUL is a character", "\0", 1, 1, 0},
        {"last one-byte", "\x7f", 1, 1, 0x7f},
        {"first two-byte", "\xc2\x80", 2, 2, 0x80},
        {"last two-byte", "\xdf\xbf", 2, 2, 0x7ff},
        {"first three-byte", "\xe0\xa0\x80", 3, 3, 0x800},
        {"euro sign", "\xe2\x82\xac", 3, 3, 0x20ac},
        {"last before surrogates", "\xed\x9f\xbf", 3, 3, 0xd7ff},
        {"first after surrogates", "\xee\x80\x80", 3, 3, 0xe000},
        {"last three-byte", "\xef\xbf\xbf", 3, 3, 0xffff},
        {"first four-byte", "\xf0\x90\x80\x80", 4, 4, 0x10000},
        {"last code point", "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"only the first of two", "\xc3\xa9x", 3, 2, 0xe9},
        {"lone continuation", "\x80", 1, 0, 0},
        {"overlong NUL (C0 80)", "\xc0\x80", 2, 0, 0},
        {"overlong two-byte (C1)", "\xc1\xbf", 2, 0, 0},
        {"overlong three-byte", "\xe0\x9f\xbf", 3, 0, 0},
        {"overlong four-byte", "\xf0\x8f\xbf\xbf", 4, 0, 0},
        {"high surrogate", "\xed\xa0\x80", 3, 0, 0},
        {"low surrogate", "\xed\xbf\xbf", 3, 0, 0},
        {"above U+10FFFF", "\xf4\x90\x80\x80", 4, 0, 0},
        {"lead F5", "\xf5\x80\x80\x80", 4, 0, 0},
        {"lead FF", "\xff", 1, 0, 0},
        {"cut short by the input", "\xe2\x82", 2, 0, 0},
        {"cut short by n", "\xe2\x82\xac", 2, 0, 0},
        {"bad continuation", "\xe2\x28\xac", 3, 0, 0},
        {"nothing at all", "", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t cp = 0xffffffff;
        size_t got = utf8_decode(cases[i].bytes, cases[i].n, &cp);
        if (got != cases[i].want)
            printf("  case %s\n", cases[i].name);
        CHECK_INT(got, cases[i].want);
        if (got > 0)
            CHECK_INT(cp, cases[i].cp);
        /* cp may be NULL; the length is the same. */
        CHECK_INT(utf8_decode(cases[i].bytes, cases[i].n, NULL), cases[i].want);
    }
}

/* Every code point encodes to what decodes back to it, at its length;
 * surrogates are not code points of UTF-8. */
TEST(utf8_round_trip_every_code_point)
{
    size_t wrong = 0;
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        char b[UTF8_MAX];
        size_t n = utf8_encode(cp, b);
        uint32_t back = 0;
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (n != want || utf8_decode(b, n, &back) != n || back != cp ||
            !utf8_valid(b, n))
            wrong++;
    }
    CHECK_INT(wrong, 0);
}

TEST(utf8_valid_strings)
{
    CHECK(utf8_valid("", 0));
    CHECK(utf8_valid("plain", 5));
    CHECK(utf8_valid("caf\xc3\xa9 \xe2\x82\xac", 9));
    CHECK(!utf8_valid("caf\xc3", 4));        /* cut at the end */
    CHECK(!utf8_valid("a\xed\xa0\x80z", 5)); /* a surrogate inside */
    CHECK(!utf8_valid("\xc0\xaf", 2));       /* overlong '/' */
}

int main(void)
{
    RUN(utf8_decode_table);
    RUN(utf8_round_trip_every_code_point);
    RUN(utf8_valid_strings);
    return test_report();
}
