/* Unit tests for store/jsonparse.c, in the spirit of JSONTestSuite: what
 * RFC 8259 allows parses, everything else is refused with an offset. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../store/jsonparse.h"
#include "testlib.h"

static int parse(const char *s, size_t len, struct json **v)
{
    char err[128];
    return json_parse(s, len, v, err, sizeof(err));
}

TEST(accepted)
{
    static const struct {
        const char *doc;
        enum json_type type;
    } cases[] = {
        {"{}", JSON_OBJECT},                  /* empty object */
        {"[]", JSON_ARRAY},                   /* empty array */
        {" \t\r\n[ 1 , 2 ] \n", JSON_ARRAY},  /* white space anywhere */
        {"\"\"", JSON_STRING},                /* empty string */
        {"0", JSON_INT},                      /* bare zero */
        {"-0", JSON_INT},                     /* negative zero */
        {"9223372036854775807", JSON_INT},    /* INT64_MAX */
        {"-9223372036854775808", JSON_INT},   /* INT64_MIN */
        {"9223372036854775808", JSON_NUMBER}, /* past int64: a double */
        {"1.5e3", JSON_NUMBER},               /* exponent */
        {"1E-2", JSON_NUMBER},                /* capital E */
        {"true", JSON_TRUE},                  /* literals */
        {"false", JSON_FALSE},
        {"null", JSON_NULL},
        {"{\"a\":{\"b\":[null,{}]}}", JSON_OBJECT},      /* nesting */
        {"\"\\u00e9\\ud83d\\ude00\\/\"", JSON_STRING},   /* escapes, pair */
        {"\"Z\xc3\xbcrich \xe2\x80\x94\"", JSON_STRING}, /* raw UTF-8 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json *v = NULL;
        int rc = parse(cases[i].doc, strlen(cases[i].doc), &v);
        if (rc != 0)
            printf("  refused: %s\n", cases[i].doc);
        CHECK_INT(rc, 0);
        CHECK(v != NULL && v->type == cases[i].type);
        json_free(v);
    }
}

TEST(refused)
{
    static const char *cases[] = {
        "",                  /* nothing */
        "[1,]",              /* trailing comma */
        "{\"a\":1,}",        /* trailing comma in an object */
        "[01]",              /* leading zero */
        "[+1]",              /* plus sign */
        "[.5]",              /* no integer part */
        "[1.]",              /* no fraction digits */
        "[1e]",              /* no exponent digits */
        "[NaN]",             /* not JSON */
        "[Infinity]",        /* not JSON */
        "[1e999]",           /* out of range */
        "['a']",             /* single quotes */
        "{a:1}",             /* unquoted name */
        "{\"a\" 1}",         /* missing colon */
        "{\"a\":1 \"b\":2}", /* missing comma */
        "{\"a\":1,\"a\":2}", /* duplicate name */
        "\"a\tb\"",          /* raw control character */
        "\"\\x41\"",         /* unknown escape */
        "\"\\u12\"",         /* short \u */
        "\"\\ud800\"",       /* lone high surrogate */
        "\"\\udc00\"",       /* lone low surrogate */
        "\"\xc0\xaf\"",      /* overlong UTF-8 */
        "\"\xed\xa0\x80\"",  /* UTF-8 surrogate */
        "\"\xff\"",          /* not UTF-8 at all */
        "\"abc",             /* unterminated */
        "[1] [2]",           /* two documents */
        "tru",               /* truncated literal */
        "nul",               /* truncated literal */
        "[",                 /* unterminated array */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json *v = (struct json *)1;
        char err[128] = "";
        int rc = json_parse(cases[i], strlen(cases[i]), &v, err, sizeof(err));
        if (rc != UV_EINVAL)
            printf("  accepted: %s\n", cases[i]);
        CHECK_INT(rc, UV_EINVAL);
        CHECK(v == NULL);
        CHECK(strncmp(err, "offset ", 7) == 0);
    }
    /* A NUL byte inside the buffer is not a terminator. */
    struct json *v;
    CHECK_INT(parse("[1]\0junk", 8, &v), UV_EINVAL);
}

TEST(depth_limit)
{
    char doc[2 * JSON_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        doc[n++] = ']';
    struct json *v;
    CHECK_INT(parse(doc, n, &v), 0); /* exactly at the limit */
    json_free(v);
    memmove(doc + 1, doc, n);
    doc[0] = '[';
    doc[n + 1] = ']';
    CHECK_INT(parse(doc, n + 2, &v), UV_EINVAL); /* one deeper */
}

TEST(values_and_lookup)
{
    const char *doc = "{\"id\": 42, \"title\": \"Fibre \\\"cut\\\"\\n\","
                      " \"x\": -1.25, \"tags\": [\"a\", \"b\"], \"n\": null}";
    struct json *v;
    CHECK_INT(parse(doc, strlen(doc), &v), 0);
    CHECK_INT(v->n, 5);
    const struct json *id = json_get(v, "id");
    CHECK(id != NULL && id->type == JSON_INT && id->i == 42);
    const struct json *t = json_get(v, "title");
    CHECK(t != NULL && t->type == JSON_STRING);
    CHECK_STR(t->str, "Fibre \"cut\"\n");
    CHECK(json_get(v, "x")->d == -1.25);
    const struct json *tags = json_get(v, "tags");
    CHECK(tags->n == 2 && strcmp(tags->child->next->str, "b") == 0);
    CHECK(json_get(v, "missing") == NULL);
    CHECK(json_get(tags, "a") == NULL); /* not an object */
    json_free(v);
    /* \u0000 decodes to a NUL inside the string; str_len tells. */
    CHECK_INT(parse("\"a\\u0000b\"", 10, &v), 0);
    CHECK_INT(v->str_len, 3);
    json_free(v);
}

int main(void)
{
    RUN(accepted);
    RUN(refused);
    RUN(depth_limit);
    RUN(values_and_lookup);
    return test_report();
}
