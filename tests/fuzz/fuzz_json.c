/* fuzz_json: the strict JSON reader (store/common/jsonr.h) over arbitrary
 * bytes. A refusal must say where ("offset N: ..." with N inside the
 * input); a tree must be what jsonr.h describes (counts, terminators,
 * unique member names, integers that are their doubles), and writing it
 * back with store/common/jsonw.c's escaper must parse to the same tree. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../store/common/buf.h"
#include "../../store/common/jsonr.h"
#include "../../store/common/jsonw.h"
#include "../../store/common/utf8.h"
#include "fuzz.h"

/* depth: the containers around v. */
static void check_tree(const struct jsonr_value *v, int depth, bool in_object)
{
    size_t klen = 0;
    const char *key = jsonr_name(v, &klen);
    if (in_object) {
        FUZZ_CHECK(key != NULL && key[klen] == '\0');
        FUZZ_CHECK(klen <= JSONR_MAX_STRING);
    } else {
        FUZZ_CHECK(key == NULL && klen == 0);
    }
    switch (jsonr_type(v)) {
    case JSONR_NULL:
    case JSONR_FALSE:
    case JSONR_TRUE:
        break;
    case JSONR_INT: {
        int64_t i = 0;
        double d = 0;
        FUZZ_CHECK(jsonr_as_int64(v, &i) == 0);
        FUZZ_CHECK(jsonr_as_double(v, &d) == 0 && d == (double)i);
        break;
    }
    case JSONR_NUMBER: {
        double d = 0;
        FUZZ_CHECK(jsonr_as_double(v, &d) == 0 && isfinite(d));
        FUZZ_CHECK(jsonr_as_int64(v, &(int64_t){0}) == UV_EINVAL);
        break;
    }
    case JSONR_STRING: {
        size_t n = 0;
        const char *str = jsonr_as_string(v, &n);
        FUZZ_CHECK(str != NULL && str[n] == '\0' && n <= JSONR_MAX_STRING);
        /* Decoded text is UTF-8 (a NUL from \u0000 included). */
        for (size_t i = 0; i < n;) {
            size_t k = utf8_decode(str + i, n - i, NULL);
            FUZZ_CHECK(k > 0);
            i += k;
        }
        break;
    }
    case JSONR_ARRAY:
    case JSONR_OBJECT: {
        bool obj = jsonr_type(v) == JSONR_OBJECT;
        size_t n = 0;
        FUZZ_CHECK(depth + 1 <= JSONR_MAX_DEPTH);
        for (const struct jsonr_value *c = jsonr_first(v); c != NULL;
             c = jsonr_next(c)) {
            check_tree(c, depth + 1, obj);
            n++;
            if (!obj)
                continue;
            size_t clen;
            const char *ckey = jsonr_name(c, &clen);
            /* Unique names: the first member of this name is this one. */
            for (const struct jsonr_value *d = jsonr_first(v); d != c;
                 d = jsonr_next(d)) {
                size_t dlen;
                const char *dkey = jsonr_name(d, &dlen);
                FUZZ_CHECK(dlen != clen || memcmp(dkey, ckey, clen) != 0);
            }
            if (strlen(ckey) == clen)
                FUZZ_CHECK(jsonr_get(v, ckey) == c);
        }
        FUZZ_CHECK(n == jsonr_len(v));
        break;
    }
    default:
        FUZZ_CHECK(!"an unknown type");
    }
}

/* Writes v as JSON: strings through the escaper the server uses. */
static void write_tree(struct buf *out, const struct jsonr_value *v)
{
    switch (jsonr_type(v)) {
    case JSONR_NULL:
        jsonw_put_null(out);
        break;
    case JSONR_FALSE:
    case JSONR_TRUE:
        jsonw_put_bool(out, jsonr_type(v) == JSONR_TRUE);
        break;
    case JSONR_INT: {
        int64_t i = 0;
        jsonr_as_int64(v, &i);
        jsonw_put_int(out, i);
        break;
    }
    case JSONR_NUMBER: {
        double d = 0;
        jsonr_as_double(v, &d);
        buf_printf(out, "%.17g", d);
        break;
    }
    case JSONR_STRING: {
        size_t n = 0;
        const char *str = jsonr_as_string(v, &n);
        jsonw_put_strn(out, str, n);
        break;
    }
    case JSONR_ARRAY:
    case JSONR_OBJECT: {
        bool obj = jsonr_type(v) == JSONR_OBJECT;
        buf_putc(out, obj ? '{' : '[');
        for (const struct jsonr_value *c = jsonr_first(v); c != NULL;
             c = jsonr_next(c)) {
            if (c != jsonr_first(v))
                buf_putc(out, ',');
            if (obj) {
                size_t klen;
                const char *key = jsonr_name(c, &klen);
                jsonw_put_strn(out, key, klen);
                buf_putc(out, ':');
            }
            write_tree(out, c);
        }
        buf_putc(out, obj ? '}' : ']');
        break;
    }
    }
}

static bool same_number(const struct jsonr_value *a,
                        const struct jsonr_value *b)
{
    /* "%.17g" reads back to the same double; a JSONR_NUMBER that holds an
     * integral value ("1e2", "-0.0") comes back as a JSONR_INT. */
    int64_t ia, ib;
    if (jsonr_type(a) == JSONR_INT && jsonr_type(b) == JSONR_INT)
        return jsonr_as_int64(a, &ia) == 0 && jsonr_as_int64(b, &ib) == 0 &&
               ia == ib;
    double da = 0, db = 0;
    jsonr_as_double(a, &da);
    jsonr_as_double(b, &db);
    return da == db;
}

static bool same_tree(const struct jsonr_value *a, const struct jsonr_value *b)
{
    enum jsonr_type ta = jsonr_type(a), tb = jsonr_type(b);
    bool num_a = ta == JSONR_INT || ta == JSONR_NUMBER;
    bool num_b = tb == JSONR_INT || tb == JSONR_NUMBER;
    if (num_a || num_b)
        return num_a && num_b && same_number(a, b);
    size_t ka, kb;
    const char *na = jsonr_name(a, &ka), *nb = jsonr_name(b, &kb);
    if (ta != tb || ka != kb || (na != NULL && memcmp(na, nb, ka) != 0))
        return false;
    if (ta == JSONR_STRING) {
        size_t la, lb;
        const char *sa = jsonr_as_string(a, &la), *sb = jsonr_as_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    if (ta != JSONR_ARRAY && ta != JSONR_OBJECT)
        return true;
    if (jsonr_len(a) != jsonr_len(b))
        return false;
    for (const struct jsonr_value *x = jsonr_first(a), *y = jsonr_first(b);
         x != NULL; x = jsonr_next(x), y = jsonr_next(y))
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
    struct jsonr_value *doc = NULL;
    char err[128] = "";
    int rc = jsonr_parse(p, size, &doc, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == UV_EINVAL || rc == UV_ENOMEM);
    FUZZ_CHECK((rc == 0) == (doc != NULL));
    /* A limit of the input's own length changes nothing; one byte less
     * refuses it. */
    struct jsonr_value *again = NULL;
    FUZZ_CHECK(jsonr_parse_limit(p, size, size, &again, NULL, 0) == rc);
    jsonr_free(again);
    if (size > 0)
        FUZZ_CHECK(jsonr_parse_limit(p, size, size - 1, &again, NULL, 0) ==
                   UV_EINVAL);
    if (rc != 0) {
        check_refusal(err, size);
        return 0;
    }
    check_tree(doc, 0, false);
    struct buf out = BUF_INIT;
    write_tree(&out, doc);
    FUZZ_CHECK(!buf_failed(&out));
    struct jsonr_value *back = NULL;
    rc = jsonr_parse(out.data, out.len, &back, err, sizeof(err));
    if (rc != 0)
        fprintf(fuzz_report, "rewritten: %s: %.*s\n", err, (int)out.len,
                out.data);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(same_tree(doc, back));
    jsonr_free(back);
    buf_free(&out);
    jsonr_free(doc);
    return 0;
}
