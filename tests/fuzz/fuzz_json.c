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
    size_t klen = 0;
    const char *key = json_name(v, &klen);
    if (in_object) {
        FUZZ_CHECK(key != NULL && key[klen] == '\0');
        FUZZ_CHECK(klen <= JSON_MAX_STRING);
    } else {
        FUZZ_CHECK(key == NULL && klen == 0);
    }
    switch (json_type(v)) {
    case JSON_NULL:
    case JSON_FALSE:
    case JSON_TRUE:
        break;
    case JSON_INT: {
        int64_t i = 0;
        double d = 0;
        FUZZ_CHECK(json_as_int64(v, &i) == 0);
        FUZZ_CHECK(json_as_double(v, &d) == 0 && d == (double)i);
        break;
    }
    case JSON_NUMBER: {
        double d = 0;
        FUZZ_CHECK(json_as_double(v, &d) == 0 && isfinite(d));
        FUZZ_CHECK(json_as_int64(v, &(int64_t){0}) == UV_EINVAL);
        break;
    }
    case JSON_STRING: {
        size_t n = 0;
        const char *str = json_as_string(v, &n);
        FUZZ_CHECK(str != NULL && str[n] == '\0' && n <= JSON_MAX_STRING);
        /* Decoded text is UTF-8 (a NUL from \u0000 included). */
        for (size_t i = 0; i < n;) {
            size_t k = json_utf8_seq(str + i, n - i);
            FUZZ_CHECK(k > 0);
            i += k;
        }
        break;
    }
    case JSON_ARRAY:
    case JSON_OBJECT: {
        bool obj = json_type(v) == JSON_OBJECT;
        size_t n = 0;
        FUZZ_CHECK(depth + 1 <= JSON_MAX_DEPTH);
        for (const struct json *c = json_first(v); c != NULL;
             c = json_next(c)) {
            check_tree(c, depth + 1, obj);
            n++;
            if (!obj)
                continue;
            size_t clen;
            const char *ckey = json_name(c, &clen);
            /* Unique names: the first member of this name is this one. */
            for (const struct json *d = json_first(v); d != c;
                 d = json_next(d)) {
                size_t dlen;
                const char *dkey = json_name(d, &dlen);
                FUZZ_CHECK(dlen != clen || memcmp(dkey, ckey, clen) != 0);
            }
            if (strlen(ckey) == clen)
                FUZZ_CHECK(json_get(v, ckey) == c);
        }
        FUZZ_CHECK(n == json_len(v));
        break;
    }
    default:
        FUZZ_CHECK(!"an unknown type");
    }
}

/* Writes v as JSON: strings through the escaper the server uses. */
static void write_tree(struct buf *out, const struct json *v)
{
    switch (json_type(v)) {
    case JSON_NULL:
        json_nul(out);
        break;
    case JSON_FALSE:
    case JSON_TRUE:
        json_boolean(out, json_type(v) == JSON_TRUE);
        break;
    case JSON_INT: {
        int64_t i = 0;
        json_as_int64(v, &i);
        json_num(out, i);
        break;
    }
    case JSON_NUMBER: {
        double d = 0;
        json_as_double(v, &d);
        buf_printf(out, "%.17g", d);
        break;
    }
    case JSON_STRING: {
        size_t n = 0;
        const char *str = json_as_string(v, &n);
        json_strn(out, str, n);
        break;
    }
    case JSON_ARRAY:
    case JSON_OBJECT: {
        bool obj = json_type(v) == JSON_OBJECT;
        buf_putc(out, obj ? '{' : '[');
        for (const struct json *c = json_first(v); c != NULL;
             c = json_next(c)) {
            if (c != json_first(v))
                buf_putc(out, ',');
            if (obj) {
                size_t klen;
                const char *key = json_name(c, &klen);
                json_strn(out, key, klen);
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
    int64_t ia, ib;
    if (json_type(a) == JSON_INT && json_type(b) == JSON_INT)
        return json_as_int64(a, &ia) == 0 && json_as_int64(b, &ib) == 0 &&
               ia == ib;
    double da = 0, db = 0;
    json_as_double(a, &da);
    json_as_double(b, &db);
    return da == db;
}

static bool same_tree(const struct json *a, const struct json *b)
{
    enum json_type ta = json_type(a), tb = json_type(b);
    bool num_a = ta == JSON_INT || ta == JSON_NUMBER;
    bool num_b = tb == JSON_INT || tb == JSON_NUMBER;
    if (num_a || num_b)
        return num_a && num_b && same_number(a, b);
    size_t ka, kb;
    const char *na = json_name(a, &ka), *nb = json_name(b, &kb);
    if (ta != tb || ka != kb || (na != NULL && memcmp(na, nb, ka) != 0))
        return false;
    if (ta == JSON_STRING) {
        size_t la, lb;
        const char *sa = json_as_string(a, &la), *sb = json_as_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    if (ta != JSON_ARRAY && ta != JSON_OBJECT)
        return true;
    if (json_len(a) != json_len(b))
        return false;
    for (const struct json *x = json_first(a), *y = json_first(b); x != NULL;
         x = json_next(x), y = json_next(y))
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
