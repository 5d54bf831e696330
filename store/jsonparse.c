/* jsonparse: see jsonparse.h for the contract.
 *
 * A recursive-descent parser over a byte range that is never read past its
 * end (the input need not be NUL-terminated). Recursion depth is bounded
 * by JSON_MAX_DEPTH, so hostile nesting cannot exhaust the stack. The
 * first error wins: fail() records it and every caller unwinds, freeing
 * what it built, so a failed parse leaks nothing and returns no tree.
 */
#include "jsonparse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

struct parser {
    const unsigned char *p, *start, *end;
    char *err;
    size_t errlen;
    int rc;
};

static void *fail(struct parser *ps, const char *why)
{
    if (ps->rc == 0) {
        ps->rc = UV_EINVAL;
        if (ps->errlen > 0)
            snprintf(ps->err, ps->errlen, "offset %zu: %s",
                     (size_t)(ps->p - ps->start), why);
    }
    return NULL;
}

static void *oom(struct parser *ps)
{
    if (ps->rc == 0) {
        ps->rc = UV_ENOMEM;
        if (ps->errlen > 0)
            snprintf(ps->err, ps->errlen, "out of memory");
    }
    return NULL;
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                               *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    uint32_t min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Parses a string at ps->p (on the opening quote) into a malloc'd,
 * NUL-terminated buffer; *len_out is the decoded length. */
static char *parse_string(struct parser *ps, size_t *len_out)
{
    const unsigned char *open = ps->p;
    ps->p++; /* the quote */
    /* Find the closing quote first: the decoded string is never longer
     * than the encoded one (every escape shrinks or keeps its size), so
     * one allocation of that size always suffices. */
    const unsigned char *q = ps->p;
    while (q < ps->end && *q != '"') {
        if (*q == '\\' && q + 1 < ps->end)
            q++;
        q++;
    }
    if (q >= ps->end) {
        ps->p = open; /* where it began is what helps to find it */
        return fail(ps, "unterminated string");
    }
    char *out = malloc((size_t)(q - ps->p) + 1);
    if (out == NULL)
        return oom(ps);
    size_t n = 0;
    while (*ps->p != '"') {
        /* Plain ASCII, the bulk of any text, is copied a run at a time;
         * the closing quote found above ends every run. */
        const unsigned char *run = ps->p;
        while (*ps->p >= 0x20 && *ps->p < 0x80 && *ps->p != '"' &&
               *ps->p != '\\')
            ps->p++;
        memcpy(out + n, run, (size_t)(ps->p - run));
        n += (size_t)(ps->p - run);
        unsigned c = *ps->p;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(out);
            return fail(ps, "control character in a string");
        }
        if (c != '\\') {
            size_t k = utf8_len(ps->p, ps->end);
            if (k == 0) {
                free(out);
                return fail(ps, "invalid UTF-8");
            }
            memcpy(out + n, ps->p, k);
            n += k;
            ps->p += k;
            continue;
        }
        ps->p++;
        switch (*ps->p) {
        case '"':
            out[n++] = '"';
            break;
        case '\\':
            out[n++] = '\\';
            break;
        case '/':
            out[n++] = '/';
            break;
        case 'b':
            out[n++] = '\b';
            break;
        case 'f':
            out[n++] = '\f';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'u': {
            if (ps->end - ps->p < 5 || hex4(ps->p + 1) < 0) {
                free(out);
                return fail(ps, "expected 4 hex digits after \\u");
            }
            uint32_t cp = (uint32_t)hex4(ps->p + 1);
            ps->p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                free(out);
                return fail(ps, "lone low surrogate");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo =
                    ps->end - ps->p >= 7 && ps->p[1] == '\\' && ps->p[2] == 'u'
                        ? hex4(ps->p + 3)
                        : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    free(out);
                    return fail(ps, "lone high surrogate");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                ps->p += 6;
            }
            n += put_utf8(out + n, cp);
            break;
        }
        default:
            free(out);
            return fail(ps, "unknown escape");
        }
        ps->p++;
    }
    if (n > JSON_MAX_STRING) {
        free(out);
        ps->p = open; /* point at the string, not past it */
        return fail(ps, "string longer than 1 MiB");
    }
    ps->p++; /* the closing quote */
    out[n] = '\0';
    *len_out = n;
    return out;
}

static bool digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static bool parse_number(struct parser *ps, struct json *v)
{
    const unsigned char *s = ps->p;
    bool integral = true;
    if (*ps->p == '-')
        ps->p++;
    if (!digit(ps->p, ps->end))
        return fail(ps, "expected a digit"), false;
    if (*ps->p == '0' && digit(ps->p + 1, ps->end))
        return fail(ps, "leading zero"), false;
    while (digit(ps->p, ps->end))
        ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = false;
        ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "expected a digit after '.'"), false;
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "expected a digit in the exponent"), false;
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    /* strtoll/strtod need a terminated copy (the input may end right after
     * the number). The C locale is assumed: the daemon never calls
     * setlocale(), so '.' is the decimal point. */
    char buf[JSON_MAX_NUMBER + 1];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof(buf))
        return ps->p = s, fail(ps, "number longer than 512 characters"), false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    if (integral) {
        long long i = strtoll(buf, NULL, 10);
        if (errno == 0) {
            v->type = JSON_INT;
            v->i = i;
            v->d = (double)i;
            return true;
        }
    }
    errno = 0;
    v->d = strtod(buf, NULL);
    if (!isfinite(v->d))
        return ps->p = s, fail(ps, "number out of range"), false;
    v->type = JSON_NUMBER;
    return true;
}

static bool literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static struct json *parse_value(struct parser *ps, int depth);

/* The member names seen so far in one object. A short object is checked
 * for duplicates by walking its members; past KEYS_LINEAR members an
 * open-addressing hash set takes over, so an object with a million
 * members costs a million probes, not half a trillion comparisons. */
#define KEYS_LINEAR 16

struct keyset {
    const struct json **slot; /* NULL: empty */
    size_t cap;               /* a power of two, or 0 before the switch */
    size_t n;
};

static uint64_t key_hash(const char *k, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)k[i]) * 0x100000001b3u;
    return h;
}

static bool same_key(const struct json *m, const char *k, size_t len)
{
    return m->key_len == len && memcmp(m->key, k, len) == 0;
}

/* The slot holding key k, or the empty slot where it would go. */
static const struct json **keyset_find(struct keyset *ks, const char *k,
                                       size_t len)
{
    size_t i = (size_t)key_hash(k, len) & (ks->cap - 1);
    while (ks->slot[i] != NULL && !same_key(ks->slot[i], k, len))
        i = (i + 1) & (ks->cap - 1);
    return &ks->slot[i];
}

/* Adds member m; the set stays at most half full. */
static int keyset_add(struct keyset *ks, const struct json *m)
{
    if (2 * (ks->n + 1) > ks->cap) {
        struct keyset big = {
            calloc(ks->cap ? 2 * ks->cap : 64, sizeof(*big.slot)),
            ks->cap ? 2 * ks->cap : 64, 0};
        if (big.slot == NULL)
            return UV_ENOMEM;
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->slot[i] != NULL)
                *keyset_find(&big, ks->slot[i]->key, ks->slot[i]->key_len) =
                    ks->slot[i];
        big.n = ks->n;
        free(ks->slot);
        *ks = big;
    }
    *keyset_find(ks, m->key, m->key_len) = m;
    ks->n++;
    return 0;
}

/* True if object v already has a member named k. */
static bool has_key(const struct json *v, struct keyset *ks, const char *k,
                    size_t len)
{
    if (ks->cap > 0)
        return *keyset_find(ks, k, len) != NULL;
    for (const struct json *m = v->child; m != NULL; m = m->next)
        if (same_key(m, k, len))
            return true;
    return false;
}

/* Parses the members or elements of an object/array (ps->p on the opening
 * bracket) into v. */
static bool parse_container(struct parser *ps, struct json *v, int depth)
{
    bool object = *ps->p == '{';
    char close = object ? '}' : ']';
    struct keyset ks = {NULL, 0, 0};
    bool ok = false;
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    if (depth >= JSON_MAX_DEPTH)
        return fail(ps, "nested deeper than 32 levels"), false;
    ps->p++;
    skip_ws(ps);
    struct json **tail = &v->child;
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        skip_ws(ps);
        if (object) {
            const unsigned char *key_at = ps->p;
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "expected a member name");
                goto out;
            }
            key = parse_string(ps, &key_len);
            if (key == NULL)
                goto out;
            if (has_key(v, &ks, key, key_len)) {
                free(key);
                ps->p = key_at;
                fail(ps, "duplicate member name");
                goto out;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                fail(ps, "expected ':'");
                goto out;
            }
            ps->p++;
        }
        struct json *item = parse_value(ps, depth + 1);
        if (item == NULL) {
            free(key);
            goto out;
        }
        item->key = key;
        item->key_len = key_len;
        *tail = item;
        tail = &item->next;
        v->n++;
        if (object && (ks.cap > 0 || v->n == KEYS_LINEAR)) {
            /* At the switch, every member so far goes into the set. */
            int rc = 0;
            for (const struct json *m = ks.cap > 0 ? item : v->child;
                 m != NULL && rc == 0; m = m->next)
                rc = keyset_add(&ks, m);
            if (rc != 0) {
                oom(ps);
                goto out;
            }
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ok = true;
            goto out;
        }
        fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        goto out;
    }
out:
    free(ks.slot);
    return ok;
}

static struct json *parse_value(struct parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    struct json *v = calloc(1, sizeof(*v));
    if (v == NULL)
        return oom(ps);
    bool ok;
    switch (*ps->p) {
    case '{':
    case '[':
        ok = parse_container(ps, v, depth);
        break;
    case '"':
        v->type = JSON_STRING;
        v->str = parse_string(ps, &v->str_len);
        ok = v->str != NULL;
        break;
    case 't':
        v->type = JSON_TRUE;
        ok = literal(ps, "true") || fail(ps, "expected 'true'") != NULL;
        break;
    case 'f':
        v->type = JSON_FALSE;
        ok = literal(ps, "false") || fail(ps, "expected 'false'") != NULL;
        break;
    case 'n':
        v->type = JSON_NULL;
        ok = literal(ps, "null") || fail(ps, "expected 'null'") != NULL;
        break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        ok = parse_number(ps, v);
        break;
    default: {
        char why[48];
        unsigned c = *ps->p;
        if (c > 0x20 && c < 0x7f)
            snprintf(why, sizeof(why), "unexpected character '%c'", (int)c);
        else
            snprintf(why, sizeof(why), "unexpected byte 0x%02x", c);
        ok = fail(ps, why) != NULL;
    }
    }
    if (!ok) {
        json_free(v);
        return NULL;
    }
    return v;
}

int json_parse(const char *p, size_t len, struct json **root, char *err,
               size_t errlen)
{
    return json_parse_limit(p, len, JSON_MAX_INPUT, root, err, errlen);
}

int json_parse_limit(const char *p, size_t len, size_t max_input,
                     struct json **root, char *err, size_t errlen)
{
    struct parser ps = {(const unsigned char *)p,
                        (const unsigned char *)p,
                        (const unsigned char *)p + len,
                        err,
                        errlen,
                        0};
    *root = NULL;
    if (len > max_input) {
        char why[64];
        if (max_input % (1024 * 1024) == 0)
            snprintf(why, sizeof(why), "document larger than %zu MiB",
                     max_input / (1024 * 1024));
        else
            snprintf(why, sizeof(why), "document larger than %zu bytes",
                     max_input);
        fail(&ps, why);
        return ps.rc;
    }
    struct json *v = parse_value(&ps, 0);
    if (v != NULL) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            fail(&ps, "unexpected data after the document");
            json_free(v);
            v = NULL;
        }
    }
    if (v == NULL)
        return ps.rc != 0 ? ps.rc : UV_EINVAL;
    *root = v;
    return 0;
}

void json_free(struct json *v)
{
    /* Iterative over siblings, recursive over depth (bounded by
     * JSON_MAX_DEPTH), so long arrays cannot exhaust the stack. */
    while (v != NULL) {
        struct json *next = v->next;
        json_free(v->child);
        free((char *)v->key);
        free((char *)v->str);
        free(v);
        v = next;
    }
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (const struct json *m = obj->child; m != NULL; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return m;
    return NULL;
}

const char *json_type_name(enum json_type t)
{
    switch (t) {
    case JSON_NULL:
        return "null";
    case JSON_FALSE:
    case JSON_TRUE:
        return "boolean";
    case JSON_INT:
    case JSON_NUMBER:
        return "number";
    case JSON_STRING:
        return "string";
    case JSON_ARRAY:
        return "array";
    case JSON_OBJECT:
        return "object";
    }
    return "value";
}

enum json_type json_type(const struct json *v)
{
    return v != NULL ? v->type : JSON_NULL;
}

const char *json_as_string(const struct json *v, size_t *len)
{
    if (v == NULL || v->type != JSON_STRING)
        return NULL;
    if (len != NULL)
        *len = v->str_len;
    return v->str;
}

int json_as_int64(const struct json *v, int64_t *out)
{
    if (v == NULL || v->type != JSON_INT)
        return UV_EINVAL;
    *out = v->i;
    return 0;
}

int json_as_bool(const struct json *v, bool *out)
{
    if (v == NULL || (v->type != JSON_TRUE && v->type != JSON_FALSE))
        return UV_EINVAL;
    *out = v->type == JSON_TRUE;
    return 0;
}

const struct json *json_first(const struct json *container)
{
    if (container == NULL ||
        (container->type != JSON_ARRAY && container->type != JSON_OBJECT))
        return NULL;
    return container->child;
}

const struct json *json_next(const struct json *v)
{
    return v != NULL ? v->next : NULL;
}

size_t json_len(const struct json *container)
{
    if (container == NULL ||
        (container->type != JSON_ARRAY && container->type != JSON_OBJECT))
        return 0;
    return container->n;
}
