/* fuzz_json: the strict JSON reader (store/jsonparse.h) over arbitrary
 * bytes. A refusal must say where ("offset N: ..." with N inside the
 * input); a tree must be what jsonparse.h describes (counts, terminators,
 * unique member names, integers that are their doubles), and writing it
 * back with protocols/json.c's escaper must parse to the same tree. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../protocols/json.h"
#include "../../store/buf.h"
#include "../../store/jsonparse.h"
#include "fuzz.h"

/* depth: the containers around v. */
static void check_tree(const struct json *v, int depth, bool in_object)
{
    if (in_object) {
        FUZZ_CHECK(v->key != NULL && v->key[v->key_len] == '\0');
        FUZZ_CHECK(v->key_len <= JSON_MAX_STRING);
    } else {
        FUZZ_CHECK(v->key == NULL && v->key_len == 0);
    }
    switch (v->type) {
    case JSON_NULL:
    case JSON_FALSE:
    case JSON_TRUE:
        break;
    case JSON_INT: {
        int64_t i = 0;
        FUZZ_CHECK(json_as_int64(v, &i) == 0 && i == v->i);
        FUZZ_CHECK(v->d == (double)v->i);
        break;
    }
    case JSON_NUMBER:
        FUZZ_CHECK(isfinite(v->d));
        FUZZ_CHECK(json_as_int64(v, &(int64_t){0}) == UV_EINVAL);
        break;
    case JSON_STRING: {
        size_t n = 0;
        FUZZ_CHECK(json_as_string(v, &n) == v->str && n == v->str_len);
        FUZZ_CHECK(v->str[v->str_len] == '\0' && n <= JSON_MAX_STRING);
        /* Decoded text is UTF-8 (a NUL from \u0000 included). */
        for (size_t i = 0; i < n;) {
            size_t k = json_utf8_seq(v->str + i, n - i);
            FUZZ_CHECK(k > 0);
            i += k;
        }
        break;
    }
    case JSON_ARRAY:
    case JSON_OBJECT: {
        bool obj = v->type == JSON_OBJECT;
        size_t n = 0;
        FUZZ_CHECK(depth + 1 <= JSON_MAX_DEPTH);
        for (const struct json *c = json_first(v); c != NULL;
             c = json_next(c)) {
            check_tree(c, depth + 1, obj);
            n++;
            if (!obj)
                continue;
            /* Unique names: the first member of this name is this one. */
            for (const struct json *d = json_first(v); d != c; d = d->next)
                FUZZ_CHECK(d->key_len != c->key_len ||
                           memcmp(d->key, c->key, c->key_len) != 0);
            if (strlen(c->key) == c->key_len)
                FUZZ_CHECK(json_get(v, c->key) == c);
        }
        FUZZ_CHECK(n == v->n && n == json_len(v));
        break;
    }
    default:
        FUZZ_CHECK(!"an unknown type");
    }
}

/* Writes v as JSON: strings through the escaper the server uses. */
static void write_tree(struct buf *out, const struct json *v)
{
    switch (v->type) {
    case JSON_NULL:
        json_nul(out);
        break;
    case JSON_FALSE:
    case JSON_TRUE:
        json_boolean(out, v->type == JSON_TRUE);
        break;
    case JSON_INT:
        json_num(out, v->i);
        break;
    case JSON_NUMBER:
        buf_printf(out, "%.17g", v->d);
        break;
    case JSON_STRING:
        json_strn(out, v->str, v->str_len);
        break;
    case JSON_ARRAY:
    case JSON_OBJECT: {
        bool obj = v->type == JSON_OBJECT;
        buf_putc(out, obj ? '{' : '[');
        for (const struct json *c = json_first(v); c != NULL;
             c = json_next(c)) {
            if (c != json_first(v))
                buf_putc(out, ',');
            if (obj) {
                json_strn(out, c->key, c->key_len);
                buf_putc(out, ':');
            }
            write_tree(out, c);
        }
        buf_putc(out, obj ? '}' : ']');
        break;
    }
    }
}

static bool same_number(const struct json *a, const struct json *b)
{
    /* "%.17g" reads back to the same double; a JSON_NUMBER that holds an
     * integral value ("1e2", "-0.0") comes back as a JSON_INT. */
    if (a->type == JSON_INT && b->type == JSON_INT)
        return a->i == b->i;
    return a->d == b->d;
}

static bool same_tree(const struct json *a, const struct json *b)
{
    bool num_a = a->type == JSON_INT || a->type == JSON_NUMBER;
    bool num_b = b->type == JSON_INT || b->type == JSON_NUMBER;
    if (num_a || num_b)
        return num_a && num_b && same_number(a, b);
    if (a->type != b->type || a->key_len != b->key_len ||
        (a->key != NULL && memcmp(a->key, b->key, a->key_len) != 0))
        return false;
    if (a->type == JSON_STRING)
        return a->str_len == b->str_len &&
               memcmp(a->str, b->str, a->str_len) == 0;
    if (a->type != JSON_ARRAY && a->type != JSON_OBJECT)
        return true;
    if (a->n != b->n)
        return false;
    for (const struct json *x = a->child, *y = b->child; x != NULL;
         x = x->next, y = y->next)
        if (y == NULL || !same_tree(x, y))
            return false;
    return true;
}

static void check_refusal(const char *err, size_t len)
{
    if (strcmp(err, "out of memory") == 0)
        return;
    unsigned long long at = 0;
    int used = 0;
    FUZZ_CHECK(sscanf(err, "offset %llu: %n", &at, &used) == 1 && used > 0);
    FUZZ_CHECK(at <= len && err[used] != '\0');
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct json *doc = NULL;
    char err[128] = "";
    int rc = json_parse(p, size, &doc, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == UV_EINVAL || rc == UV_ENOMEM);
    FUZZ_CHECK((rc == 0) == (doc != NULL));
    /* A limit of the input's own length changes nothing; one byte less
     * refuses it. */
    struct json *again = NULL;
    FUZZ_CHECK(json_parse_limit(p, size, size, &again, NULL, 0) == rc);
    json_free(again);
    if (size > 0)
        FUZZ_CHECK(json_parse_limit(p, size, size - 1, &again, NULL, 0) ==
                   UV_EINVAL);
    if (rc != 0) {
        check_refusal(err, size);
        return 0;
    }
    check_tree(doc, 0, false);
    struct buf out = BUF_INIT;
    write_tree(&out, doc);
    FUZZ_CHECK(!buf_failed(&out));
    struct json *back = NULL;
    rc = json_parse(out.data, out.len, &back, err, sizeof(err));
    if (rc != 0)
        fprintf(fuzz_report, "rewritten: %s: %.*s\n", err, (int)out.len,
                out.data);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(same_tree(doc, back));
    json_free(back);
    buf_free(&out);
    json_free(doc);
    return 0;
}
