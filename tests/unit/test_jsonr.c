/* Unit tests for store/common/jsonr.c, in the spirit of JSONTestSuite: what
 * RFC 8259 allows parses, everything else is refused with the offset of
 * the fault. The parser takes a whole buffer, not a stream, so instead of
 * feeding it a byte at a time the tests hand it every prefix of valid
 * documents (each in an exact-size heap copy, so valgrind sees a read past
 * the end) and randomly damaged copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../store/common/jsonr.h"
#include "testlib.h"

static int parse(const char *s, size_t len, struct jsonr_value **v)
{
    char err[128];
    return jsonr_parse(s, len, v, err, sizeof(err));
}

/* The accessors, as plain values for short checks: a string's length, an
 * integer, a number, a member's name. */
static size_t str_len(const struct jsonr_value *v)
{
    size_t n = 0;
    jsonr_as_string(v, &n);
    return n;
}

static int64_t int_of(const struct jsonr_value *v)
{
    int64_t i = -12345;
    jsonr_as_int64(v, &i);
    return i;
}

static double dbl_of(const struct jsonr_value *v)
{
    double d = -12345;
    jsonr_as_double(v, &d);
    return d;
}

static const char *key_of(const struct jsonr_value *v)
{
    return jsonr_name(v, NULL);
}

/* Parses len bytes from an exact-size heap copy, so a read past the end
 * is an invalid read under valgrind. */
static int parse_exact(const char *s, size_t len, struct jsonr_value **v,
                       char *err, size_t errlen)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, s, len);
    int rc = jsonr_parse(copy, len, v, err, errlen);
    free(copy);
    return rc;
}

TEST(accepted)
{
    static const struct {
        const char *doc;
        enum jsonr_type type;
    } cases[] = {
        {"{}", JSONR_OBJECT},                   /* empty object */
        {"[]", JSONR_ARRAY},                    /* empty array */
        {" \t\r\n[ 1 , 2 ] \n", JSONR_ARRAY},   /* white space anywhere */
        {"\"\"", JSONR_STRING},                 /* empty string */
        {"0", JSONR_INT},                       /* bare zero */
        {"-0", JSONR_INT},                      /* negative zero */
        {"7", JSONR_INT},                       /* scalar at top level */
        {"9223372036854775807", JSONR_INT},     /* INT64_MAX */
        {"-9223372036854775808", JSONR_INT},    /* INT64_MIN */
        {"9223372036854775808", JSONR_NUMBER},  /* past int64: a double */
        {"-9223372036854775809", JSONR_NUMBER}, /* below int64: a double */
        {"1.0", JSONR_NUMBER},                  /* a fraction is a double */
        {"1.5e3", JSONR_NUMBER},                /* exponent */
        {"1E-2", JSONR_NUMBER},                 /* capital E */
        {"1e+2", JSONR_NUMBER},                 /* explicit exponent sign */
        {"-0.0e-0", JSONR_NUMBER},              /* every optional part */
        {"1e-999", JSONR_NUMBER},               /* underflow to 0 is fine */
        {"true", JSONR_TRUE},                   /* literals */
        {"false", JSONR_FALSE},
        {"null", JSONR_NULL},
        {"{\"a\":{\"b\":[null,{}]}}", JSONR_OBJECT},      /* nesting */
        {"\"\\u00e9\\ud83d\\ude00\\/\"", JSONR_STRING},   /* escapes, pair */
        {"\"\\\"\\\\\\b\\f\\n\\r\\t\"", JSONR_STRING},    /* every escape */
        {"\"Z\xc3\xbcrich \xe2\x80\x94\"", JSONR_STRING}, /* raw UTF-8 */
        {"\"\xf4\x8f\xbf\xbf\"", JSONR_STRING},           /* U+10FFFF */
        {"\"\xef\xbb\xbf\"", JSONR_STRING},  /* a BOM inside a string */
        {"\"\x7f\"", JSONR_STRING},          /* DEL is not a control here */
        {"{\"a\":1,\"A\":2}", JSONR_OBJECT}, /* names are case sensitive */
        {"{\"\":0}", JSONR_OBJECT},          /* an empty name */
        {"{\"\\u0061\":1,\"b\":2}", JSONR_OBJECT}, /* escaped name */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct jsonr_value *v = NULL;
        char err[128] = "";
        int rc = parse_exact(cases[i].doc, strlen(cases[i].doc), &v, err,
                             sizeof(err));
        if (rc != 0)
            printf("  refused: %s (%s)\n", cases[i].doc, err);
        CHECK_INT(rc, 0);
        CHECK(v != NULL && jsonr_type(v) == cases[i].type);
        jsonr_free(v);
    }
}

TEST(refused)
{
    static const struct {
        const char *doc;
        const char *err; /* the exact message */
    } cases[] = {
        {"", "offset 0: unexpected end of input"},          /* nothing */
        {"  ", "offset 2: unexpected end of input"},        /* only spaces */
        {"[1,]", "offset 3: unexpected character ']'"},     /* trailing comma */
        {"{\"a\":1,}", "offset 7: expected a member name"}, /* in object */
        {"[01]", "offset 1: leading zero"},                 /* leading zero */
        {"[-01]", "offset 2: leading zero"},
        {"[+1]", "offset 1: unexpected character '+'"},   /* plus sign */
        {"[.5]", "offset 1: unexpected character '.'"},   /* no int part */
        {"[1.]", "offset 3: expected a digit after '.'"}, /* no fraction */
        {"[1.e5]", "offset 3: expected a digit after '.'"},
        {"[1e]", "offset 3: expected a digit in the exponent"},
        {"[1e+]", "offset 4: expected a digit in the exponent"},
        {"[-]", "offset 2: expected a digit"},           /* bare minus */
        {"[- 1]", "offset 2: expected a digit"},         /* spaced minus */
        {"[NaN]", "offset 1: unexpected character 'N'"}, /* not JSON */
        {"[Infinity]", "offset 1: unexpected character 'I'"},
        {"[-Infinity]", "offset 2: expected a digit"},
        {"[1e999]", "offset 1: number out of range"},    /* overflow */
        {"[0x10]", "offset 2: expected ',' or ']'"},     /* hex */
        {"['a']", "offset 1: unexpected character '''"}, /* single quotes */
        {"{a:1}", "offset 1: expected a member name"},   /* unquoted name */
        {"{1:1}", "offset 1: expected a member name"},   /* number name */
        {"{\"a\" 1}", "offset 5: expected ':'"},         /* missing colon */
        {"{\"a\":1 \"b\":2}", "offset 7: expected ',' or '}'"}, /* comma */
        {"{\"a\":1,\"a\":2}", "offset 7: duplicate member name"},
        {"{\"a\":1,\"\\u0061\":2}", "offset 7: duplicate member name"},
        {"[1 2]", "offset 3: expected ',' or ']'"},
        {"[1,,2]", "offset 3: unexpected character ','"},
        {"{\"a\":}", "offset 5: unexpected character '}'"},
        {"\"a\tb\"", "offset 2: control character in a string"},
        {"\"a\nb\"", "offset 2: control character in a string"},
        {"\"\\x41\"", "offset 2: unknown escape"},
        {"\"\\U0041\"", "offset 2: unknown escape"}, /* capital U */
        {"\"\\'\"", "offset 2: unknown escape"},     /* escaped quote ' */
        {"\"\\u12\"", "offset 2: expected 4 hex digits after \\u"},
        {"\"\\u12G4\"", "offset 2: expected 4 hex digits after \\u"},
        {"\"\\ud800\"", "offset 6: lone high surrogate"},
        {"\"\\ud800\\u0041\"", "offset 6: lone high surrogate"},
        {"\"\\ud800\\ud800\"", "offset 6: lone high surrogate"},
        {"\"\\udc00\"", "offset 6: lone low surrogate"},
        {"\"\\udfff\\ud800\"", "offset 6: lone low surrogate"},
        {"\"\xc0\xaf\"", "offset 1: invalid UTF-8"},     /* overlong '/' */
        {"\"\xe0\x80\xaf\"", "offset 1: invalid UTF-8"}, /* 3-byte overlong */
        {"\"\xed\xa0\x80\"", "offset 1: invalid UTF-8"}, /* UTF-8 surrogate */
        {"\"\xf4\x90\x80\x80\"", "offset 1: invalid UTF-8"}, /* > U+10FFFF */
        {"\"\xff\"", "offset 1: invalid UTF-8"},             /* never UTF-8 */
        {"\"a\x80\"", "offset 2: invalid UTF-8"}, /* lone continuation */
        {"\"\xc3\"", "offset 1: invalid UTF-8"},  /* truncated sequence */
        {"\"abc", "offset 0: unterminated string"},
        {"[\"abc\\\"", "offset 1: unterminated string"}, /* escaped quote */
        {"[1] [2]", "offset 4: unexpected data after the document"},
        {"{} x", "offset 3: unexpected data after the document"},
        {"tru", "offset 0: expected 'true'"},
        {"nul", "offset 0: expected 'null'"},
        {"fals", "offset 0: expected 'false'"},
        {"True", "offset 0: unexpected character 'T'"},
        {"truex", "offset 4: unexpected data after the document"},
        {"[", "offset 1: unexpected end of input"},
        {"[1", "offset 2: expected ',' or ']'"},
        {"{\"a\"", "offset 4: expected ':'"},
        {"{\"a\":", "offset 5: unexpected end of input"},
        {"\xef\xbb\xbf{}", "offset 0: unexpected byte 0xef"}, /* a BOM */
        {"/* c */ {}", "offset 0: unexpected character '/'"}, /* comment */
        {"\x0c[]", "offset 0: unexpected byte 0x0c"}, /* form feed is not WS */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct jsonr_value *v = (struct jsonr_value *)1;
        char err[128] = "";
        int rc = parse_exact(cases[i].doc, strlen(cases[i].doc), &v, err,
                             sizeof(err));
        if (rc != UV_EINVAL || strcmp(err, cases[i].err) != 0)
            printf("  case %zu %s: rc %d, '%s'\n", i, cases[i].doc, rc, err);
        CHECK_INT(rc, UV_EINVAL);
        CHECK(v == NULL);
        CHECK_STR(err, cases[i].err);
    }
    /* A NUL byte inside the buffer is not a terminator. */
    struct jsonr_value *v;
    char err[128];
    CHECK_INT(jsonr_parse("[1]\0junk", 8, &v, err, sizeof(err)), UV_EINVAL);
    CHECK_STR(err, "offset 3: unexpected data after the document");
    CHECK_INT(jsonr_parse("\"a\0\"", 4, &v, err, sizeof(err)), UV_EINVAL);
    CHECK_STR(err, "offset 2: control character in a string");
    /* No error buffer at all is allowed. */
    CHECK_INT(jsonr_parse("[", 1, &v, NULL, 0), UV_EINVAL);
    CHECK(v == NULL);
    /* A short error buffer is truncated, not overrun. */
    char small[8];
    CHECK_INT(jsonr_parse("[", 1, &v, small, sizeof(small)), UV_EINVAL);
    CHECK_STR(small, "offset ");
}

TEST(depth_limit)
{
    char doc[2 * JSONR_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < JSONR_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < JSONR_MAX_DEPTH; i++)
        doc[n++] = ']';
    struct jsonr_value *v;
    char err[128];
    CHECK_INT(parse(doc, n, &v), 0); /* exactly at the limit */
    jsonr_free(v);
    memmove(doc + 1, doc, n);
    doc[0] = '[';
    doc[n + 1] = ']';
    CHECK_INT(jsonr_parse(doc, n + 2, &v, err, sizeof(err)), UV_EINVAL);
    CHECK_STR(err, "offset 32: nested deeper than 32 levels");
    /* Objects count too. */
    char obj[8 * (JSONR_MAX_DEPTH + 1) + 8];
    n = 0;
    for (int i = 0; i <= JSONR_MAX_DEPTH; i++)
        n += (size_t)sprintf(obj + n, "{\"a\":");
    CHECK_INT(parse(obj, n, &v), UV_EINVAL);
    /* A deep hostile input fails fast instead of exhausting the stack. */
    size_t big = 1000000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    CHECK_INT(parse(deep, big, &v), UV_EINVAL);
    free(deep);
}

TEST(size_limits)
{
    struct jsonr_value *v;
    char err[128];
    /* A string of exactly JSONR_MAX_STRING bytes passes, one more fails. */
    size_t n = JSONR_MAX_STRING + 3;
    char *doc = malloc(n);
    doc[0] = '"';
    memset(doc + 1, 'x', JSONR_MAX_STRING);
    doc[JSONR_MAX_STRING + 1] = '"';
    CHECK_INT(parse(doc, JSONR_MAX_STRING + 2, &v), 0);
    CHECK_INT(str_len(v), JSONR_MAX_STRING);
    jsonr_free(v);
    doc[JSONR_MAX_STRING + 1] = 'x';
    doc[JSONR_MAX_STRING + 2] = '"';
    CHECK_INT(jsonr_parse(doc, n, &v, err, sizeof(err)), UV_EINVAL);
    CHECK_STR(err, "offset 0: string longer than 1 MiB");
    /* The limit is on the decoded length: escapes may make it longer. */
    memcpy(doc + 1, "\\u0041", 6);
    CHECK_INT(parse(doc, n, &v), 0);
    CHECK_INT(str_len(v), JSONR_MAX_STRING - 4);
    jsonr_free(v);
    free(doc);

    /* The input limit is checked before anything is read. */
    n = JSONR_MAX_INPUT + 1;
    doc = malloc(n);
    memset(doc, ' ', n);
    doc[0] = '0';
    CHECK_INT(jsonr_parse(doc, n, &v, err, sizeof(err)), UV_EINVAL);
    CHECK_STR(err, "offset 0: document larger than 8 MiB");
    CHECK_INT(parse(doc, JSONR_MAX_INPUT, &v), 0); /* at the limit */
    jsonr_free(v);
    /* jsonr_parse_limit() moves only that limit, either way. */
    CHECK_INT(jsonr_parse_limit(doc, n, n, &v, err, sizeof(err)), 0);
    CHECK_INT(int_of(v), 0);
    jsonr_free(v);
    CHECK_INT(jsonr_parse_limit(doc, n, 4 * 1024 * 1024, &v, err, sizeof(err)),
              UV_EINVAL);
    CHECK_STR(err, "offset 0: document larger than 4 MiB");
    CHECK(v == NULL);
    CHECK_INT(jsonr_parse_limit("[1, 2]", 6, 5, &v, err, sizeof(err)),
              UV_EINVAL);
    CHECK_STR(err, "offset 0: document larger than 5 bytes");
    CHECK_INT(jsonr_parse_limit("[1, 2]", 6, 6, &v, err, sizeof(err)), 0);
    CHECK_INT(jsonr_len(v), 2);
    jsonr_free(v);
    free(doc);

    /* Numbers: 512 characters pass, 513 fail. */
    char num[JSONR_MAX_NUMBER + 2];
    memset(num, '1', sizeof(num));
    num[1] = '.';
    CHECK_INT(parse(num, JSONR_MAX_NUMBER, &v), 0);
    jsonr_free(v);
    CHECK_INT(jsonr_parse(num, JSONR_MAX_NUMBER + 1, &v, err, sizeof(err)),
              UV_EINVAL);
    CHECK_STR(err, "offset 0: number longer than 512 characters");
}

/* Past 16 members an object switches to a hash set for the duplicate
 * check; duplicates must still be found on both sides of the switch. */
TEST(many_members)
{
    struct buf_like {
        char *p;
        size_t n;
    } d = {malloc(64 * 1024), 0};
    for (int dup = -1; dup < 3000; dup += 499) {
        d.n = 0;
        d.n += (size_t)sprintf(d.p + d.n, "{");
        for (int i = 0; i < 3000; i++)
            d.n +=
                (size_t)sprintf(d.p + d.n, "%s\"k%d\":%d", i ? "," : "", i, i);
        if (dup >= 0)
            d.n += (size_t)sprintf(d.p + d.n, ",\"k%d\":0", dup);
        d.n += (size_t)sprintf(d.p + d.n, "}");
        struct jsonr_value *v;
        int rc = parse(d.p, d.n, &v);
        if (dup < 0) {
            CHECK_INT(rc, 0);
            CHECK_INT(jsonr_len(v), 3000);
            /* Order is kept. */
            int i = 0, in_order = 1;
            for (const struct jsonr_value *m = jsonr_first(v); m;
                 m = jsonr_next(m)) {
                char want[16];
                snprintf(want, sizeof(want), "k%d", i++);
                in_order &= strcmp(key_of(m), want) == 0;
            }
            CHECK(in_order);
            CHECK(int_of(jsonr_get(v, "k2999")) == 2999);
            jsonr_free(v);
        } else {
            CHECK_INT(rc, UV_EINVAL);
        }
    }
    /* A duplicate just at the switch point. */
    d.n = (size_t)sprintf(d.p, "{");
    for (int i = 0; i < 16; i++)
        d.n += (size_t)sprintf(d.p + d.n, "\"k%d\":0,", i);
    d.n += (size_t)sprintf(d.p + d.n, "\"k15\":0}");
    struct jsonr_value *v;
    CHECK_INT(parse(d.p, d.n, &v), UV_EINVAL);
    free(d.p);
}

TEST(values_and_accessors)
{
    const char *doc = "{\"id\": 42, \"title\": \"Fibre \\\"cut\\\"\\n\","
                      " \"x\": -1.25, \"tags\": [\"a\", \"b\"], \"n\": null,"
                      " \"on\": true, \"off\": false, \"big\": 1e3}";
    struct jsonr_value *v;
    CHECK_INT(parse(doc, strlen(doc), &v), 0);
    CHECK_INT(jsonr_type(v), JSONR_OBJECT);
    CHECK_INT(jsonr_len(v), 8);
    int64_t i = 0;
    CHECK_INT(jsonr_as_int64(jsonr_get(v, "id"), &i), 0);
    CHECK_INT(i, 42);
    CHECK_INT(jsonr_as_int64(jsonr_get(v, "big"), &i), UV_EINVAL); /* 1e3 */
    CHECK_INT(jsonr_as_int64(jsonr_get(v, "title"), &i), UV_EINVAL);
    CHECK_INT(jsonr_as_int64(NULL, &i), UV_EINVAL);
    size_t len = 0;
    const char *t = jsonr_as_string(jsonr_get(v, "title"), &len);
    CHECK_STR(t, "Fibre \"cut\"\n");
    CHECK_INT(len, 12);
    CHECK(jsonr_as_string(jsonr_get(v, "id"), &len) == NULL);
    CHECK(jsonr_as_string(jsonr_get(v, "missing"), NULL) == NULL);
    CHECK(dbl_of(jsonr_get(v, "x")) == -1.25);
    CHECK(dbl_of(jsonr_get(v, "big")) == 1000.0);
    CHECK(dbl_of(jsonr_get(v, "id")) == 42.0); /* an integer as a double */
    double d = 0;
    CHECK_INT(jsonr_as_double(jsonr_get(v, "title"), &d), UV_EINVAL);
    bool b = false;
    CHECK_INT(jsonr_as_bool(jsonr_get(v, "on"), &b), 0);
    CHECK(b);
    CHECK_INT(jsonr_as_bool(jsonr_get(v, "off"), &b), 0);
    CHECK(!b);
    CHECK_INT(jsonr_as_bool(jsonr_get(v, "n"), &b), UV_EINVAL);
    CHECK_INT(jsonr_type(jsonr_get(v, "n")), JSONR_NULL);
    CHECK_INT(jsonr_type(jsonr_get(v, "missing")), JSONR_NULL);
    const struct jsonr_value *tags = jsonr_get(v, "tags");
    CHECK_INT(jsonr_len(tags), 2);
    CHECK_STR(jsonr_as_string(jsonr_first(tags), NULL), "a");
    CHECK_STR(jsonr_as_string(jsonr_next(jsonr_first(tags)), NULL), "b");
    CHECK(jsonr_next(jsonr_next(jsonr_first(tags))) == NULL);
    CHECK(jsonr_first(jsonr_get(v, "id")) == NULL); /* not a container */
    CHECK_INT(jsonr_len(jsonr_get(v, "id")), 0);
    CHECK(jsonr_get(v, "missing") == NULL);
    CHECK(jsonr_get(tags, "a") == NULL); /* not an object */
    CHECK(jsonr_get(NULL, "a") == NULL);
    /* Members come back in document order, with their names. */
    static const char *const order[] = {"id", "title", "x",   "tags",
                                        "n",  "on",    "off", "big"};
    size_t k = 0;
    for (const struct jsonr_value *m = jsonr_first(v); m;
         m = jsonr_next(m), k++)
        CHECK(k < 8 && strcmp(key_of(m), order[k]) == 0 &&
              jsonr_name(m, &len) != NULL && len == strlen(order[k]));
    CHECK(jsonr_name(v, &len) == NULL && len == 0); /* the root is no member */
    CHECK(jsonr_name(jsonr_first(tags), NULL) == NULL); /* nor an element */
    CHECK_INT(k, 8);
    CHECK_STR(jsonr_type_name(JSONR_TRUE), "boolean");
    CHECK_STR(jsonr_type_name(JSONR_INT), "number");
    CHECK_STR(jsonr_type_name(JSONR_OBJECT), "object");
    jsonr_free(v);
    jsonr_free(NULL);

    /* Escapes decode to the right UTF-8 bytes. */
    static const struct {
        const char *doc, *want;
    } strings[] = {
        {"\"\\u00e9\"", "\xc3\xa9"},                /* 2 bytes */
        {"\"\\u20AC\"", "\xe2\x82\xac"},            /* 3 bytes, caps */
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"}, /* surrogate pair */
        {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
        {"\"a\\/b\"", "a/b"},                       /* escaped solidus */
        {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"},
    };
    for (size_t j = 0; j < sizeof(strings) / sizeof(strings[0]); j++) {
        CHECK_INT(parse(strings[j].doc, strlen(strings[j].doc), &v), 0);
        CHECK_STR(jsonr_as_string(v, NULL), strings[j].want);
        jsonr_free(v);
    }
    /* \u0000 decodes to a NUL inside the string; str_len tells. */
    CHECK_INT(parse("\"a\\u0000b\"", 10, &v), 0);
    CHECK_INT(str_len(v), 3);
    CHECK(memcmp(jsonr_as_string(v, NULL), "a\0b", 4) == 0);
    jsonr_free(v);
    /* Integers at the edges, and -0. */
    CHECK_INT(parse("[-9223372036854775808, -0, 9223372036854775807]", 47, &v),
              0);
    const struct jsonr_value *e = jsonr_first(v);
    CHECK(int_of(e) == INT64_MIN && int_of(jsonr_next(e)) == 0 &&
          int_of(jsonr_next(jsonr_next(e))) == INT64_MAX);
    jsonr_free(v);
}

/* Every strict prefix of a valid document is refused with an offset no
 * larger than the prefix, and without reading past its end. */
TEST(every_prefix_is_refused)
{
    static const char *docs[] = {
        "{\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\ud83d\\ude00\"],"
        " \"b\": {\"c\": \"Z\xc3\xbcrich\"}}",
        "[\"\xf0\x9f\x98\x80\", 0, {}, [], \"\"]",
    };
    for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
        size_t len = strlen(docs[d]);
        struct jsonr_value *v;
        CHECK_INT(parse(docs[d], len, &v), 0);
        jsonr_free(v);
        for (size_t n = 0; n < len; n++) {
            char err[128] = "";
            /* "[... 0" style prefixes that are complete numbers at top
             * level do not occur: both documents are containers. */
            int rc = parse_exact(docs[d], n, &v, err, sizeof(err));
            CHECK_INT(rc, UV_EINVAL);
            CHECK(v == NULL);
            size_t off = (size_t)strtoul(err + 7, NULL, 10);
            CHECK(strncmp(err, "offset ", 7) == 0 && off <= n);
            CHECK(strstr(err, "estimated") == NULL);
        }
    }
}

/* Random damage never crashes, leaks or reads out of bounds (valgrind
 * watches), and a document either parses or names an offset inside it. */
TEST(random_damage)
{
    const char *doc =
        "{\"services\": [{\"id\": 1, \"slug\": \"dsl\", "
        "\"name\": \"DSL \\\"east\\\"\", \"group\": null}],"
        " \"n\": [1.5, -0, 1e3, true, false, \"\\ud83d\\ude00\"]}";
    size_t len = strlen(doc);
    static const char bytes[] = "{}[]\",:\\u0e-+.1 \xc3\xff\x00tnf";
    unsigned seed = 12345;
    char *copy = malloc(len);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, doc, len);
        int edits = 1 + round % 3;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            copy[at] = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
        }
        seed = seed * 1103515245u + 12345u;
        size_t n = round % 2 ? len : (seed >> 8) % (len + 1);
        struct jsonr_value *v = NULL;
        char err[128] = "";
        int rc = parse_exact(copy, n, &v, err, sizeof(err));
        CHECK(rc == 0 || rc == UV_EINVAL);
        CHECK((rc == 0) == (v != NULL));
        if (rc != 0)
            CHECK(strncmp(err, "offset ", 7) == 0 &&
                  strtoul(err + 7, NULL, 10) <= n &&
                  strstr(err, "estimated") == NULL);
        jsonr_free(v);
    }
    free(copy);
}

/* head item sep item ... item tail, about size bytes, malloc'd. */
static char *repeated(const char *head, const char *item, const char *sep,
                      const char *tail, size_t size, size_t *len)
{
    size_t nh = strlen(head), ni = strlen(item), ns = strlen(sep);
    size_t n = (size - nh - ni - strlen(tail)) / (ns + ni);
    char *d = malloc(size + 1);
    memcpy(d, head, nh);
    memcpy(d + nh, item, ni);
    size_t at = nh + ni;
    for (size_t i = 0; i < n; i++) {
        memcpy(d + at, sep, ns);
        memcpy(d + at + ns, item, ni);
        at += ns + ni;
    }
    strcpy(d + at, tail);
    *len = at + strlen(tail);
    return d;
}

static size_t bound(size_t len)
{
    return JSONR_MEM_PER_BYTE * len + JSONR_MEM_FIXED;
}

/* The parse's own accounting of what it allocates, against the bound in
 * jsonr.h: exact for small documents, within the bound for the
 * shapes that cost the most per byte, valid or not. */
TEST(memory_bound)
{
    struct jsonr_value *v;
    char err[128];
    size_t peak = 0;
    /* Three nodes; nothing else. */
    CHECK_INT(jsonr_parse_stats("[0,0]", 5, JSONR_MAX_INPUT, &v, err,
                                sizeof(err), &peak),
              0);
    CHECK_INT(peak, 3 * 16);
    jsonr_free(v);
    /* Two nodes, and "ab" and "c" with their NULs in the pool. */
    CHECK_INT(jsonr_parse_stats("{\"ab\":\"c\"}", 10, JSONR_MAX_INPUT, &v, err,
                                sizeof(err), &peak),
              0);
    CHECK_INT(peak, 2 * 16 + 5);
    jsonr_free(v);
    /* A refused document reports its peak too. */
    CHECK_INT(jsonr_parse_stats("[1,x]", 5, JSONR_MAX_INPUT, &v, err,
                                sizeof(err), &peak),
              UV_EINVAL);
    CHECK_INT(peak, 3 * 16);
    CHECK(v == NULL);

    static const struct {
        const char *head, *item, *sep, *tail;
        bool valid;
    } shapes[] = {
        {"[", "0", ",", "]", true},  /* the worst: 8 bytes per byte */
        {"[", "[]", ",", "]", true}, /* empty containers */
        {"[", "{}", ",", "]", true},
        {"[", "\"\"", ",", "]", true}, /* empty strings */
        {"[", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
         ",", "]", true}, /* 32 deep, over and over */
        {"[", "\"\\n\\u00e9\\\"\"", ",", "]", true}, /* escapes */
        {"[", "-1.5e-3", ",", "]", true},
        {"[", "{\"\":0}", ",", "]", true}, /* empty names */
        {"[", "0", ",", "", false},        /* never closed */
        {"", ",", "", "", false},          /* only commas */
        {"[", ",", ":", "]", false},       /* commas and colons */
        {"[0", "", ",", "", false},        /* trailing commas */
        {"\"", "\\\"", "", "", false},     /* one unterminated string */
        {"[", "{\"a\":", "", "", false},   /* opened, never closed */
    };
    size_t size = 64 * 1024;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        size_t len;
        char *d = repeated(shapes[i].head, shapes[i].item, shapes[i].sep,
                           shapes[i].tail, size, &len);
        int rc = jsonr_parse_stats(d, len, JSONR_MAX_INPUT, &v, err,
                                   sizeof(err), &peak);
        if (rc != (shapes[i].valid ? 0 : UV_EINVAL) || peak > bound(len))
            printf("  shape %zu: rc %d (%s), %zu bytes for %zu\n", i, rc,
                   rc ? err : "", peak, len);
        CHECK_INT(rc, shapes[i].valid ? 0 : UV_EINVAL);
        CHECK(peak <= bound(len));
        CHECK(rc == 0 || strstr(err, "estimated") == NULL);
        if (i == 0) /* the accounting is real: 16 bytes a value */
            CHECK(peak >= 7 * len);
        jsonr_free(v);
        free(d);
    }

    /* Deep nesting is refused after a small block, not one sized for the
     * whole input. */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    CHECK_INT(jsonr_parse_stats(deep, n, JSONR_MAX_INPUT, &v, err, sizeof(err),
                                &peak),
              UV_EINVAL);
    CHECK_STR(err, "offset 32: nested deeper than 32 levels");
    CHECK(peak <= 16 * (JSONR_MAX_DEPTH + 1));
    free(deep);

    /* A large object's duplicate check: its table, 4 bytes a slot and
     * the smallest power of two at least 1.5 times the members, is
     * counted on top of the block, and stays within the bound. */
    size_t members = 20000, at = 0;
    char *obj = malloc(members * 16 + 16);
    size_t pool = 0;
    at += (size_t)sprintf(obj, "{");
    for (size_t k = 0; k < members; k++) {
        int w = sprintf(obj + at, "%s\"k%zu\":0", k ? "," : "", k);
        pool += (size_t)snprintf(NULL, 0, "k%zu", k) + 1;
        at += (size_t)w;
    }
    at += (size_t)sprintf(obj + at, "}");
    CHECK_INT(jsonr_parse_stats(obj, at, JSONR_MAX_INPUT, &v, err, sizeof(err),
                                &peak),
              0);
    CHECK_INT(peak, 16 * (members + 1) + pool + 4 * 32768);
    CHECK(peak <= bound(at));
    jsonr_free(v);
    /* The same with a duplicate name last: refused, as cheaply. */
    at -= 1;
    at += (size_t)sprintf(obj + at, ",\"k7\":1}");
    CHECK_INT(jsonr_parse_stats(obj, at, JSONR_MAX_INPUT, &v, err, sizeof(err),
                                &peak),
              UV_EINVAL);
    char want[64];
    snprintf(want, sizeof(want), "offset %zu: duplicate member name", at - 7);
    CHECK_STR(err, want);
    CHECK(peak <= bound(at));
    free(obj);
}

/* The tree keeps no pointer into the input: strings and names are read
 * after the input is gone (valgrind would see a read of freed memory). */
TEST(tree_outlives_input)
{
    const char *doc = "{\"name\": \"Fibre cut\", \"tags\": [\"a\", \"b\"]}";
    char *copy = strdup(doc);
    struct jsonr_value *v;
    CHECK_INT(parse(copy, strlen(copy), &v), 0);
    memset(copy, 'x', strlen(copy));
    free(copy);
    CHECK_STR(jsonr_as_string(jsonr_get(v, "name"), NULL), "Fibre cut");
    CHECK_STR(jsonr_name(jsonr_first(v), NULL), "name");
    CHECK_STR(
        jsonr_as_string(jsonr_next(jsonr_first(jsonr_get(v, "tags"))), NULL),
        "b");
    jsonr_free(v);
}

int main(void)
{
    RUN(accepted);
    RUN(refused);
    RUN(depth_limit);
    RUN(size_limits);
    RUN(many_members);
    RUN(values_and_accessors);
    RUN(every_prefix_is_refused);
    RUN(random_damage);
    RUN(memory_bound);
    RUN(tree_outlives_input);
    return test_report();
}
