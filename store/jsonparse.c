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
        snprintf(ps->err, ps->errlen, "offset %zu: %s",
                 (size_t)(ps->p - ps->start), why);
    }
    return NULL;
}

static void *oom(struct parser *ps)
{
    if (ps->rc == 0) {
        ps->rc = UV_ENOMEM;
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

/* Parses a string at ps->p (on the opening quote) into a malloc'd buffer. */
static char *parse_string(struct parser *ps, size_t *len_out)
{
    ps->p++; /* the quote */
    /* The decoded string is never longer than the encoded one. */
    const unsigned char *q = ps->p;
    while (q < ps->end && *q != '"') {
        if (*q == '\\' && q + 1 < ps->end)
            q++;
        q++;
    }
    if (q >= ps->end)
        return fail(ps, "unterminated string");
    char *out = malloc((size_t)(q - ps->p) + 1);
    if (out == NULL)
        return oom(ps);
    size_t n = 0;
    while (*ps->p != '"') {
        unsigned c = *ps->p;
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
                return fail(ps, "bad \\u escape");
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
            return fail(ps, "bad escape");
        }
        ps->p++;
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
        return fail(ps, "bad number"), false;
    if (*ps->p == '0' && digit(ps->p + 1, ps->end))
        return fail(ps, "leading zero"), false;
    while (digit(ps->p, ps->end))
        ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = false;
        ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "bad fraction"), false;
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "bad exponent"), false;
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    char buf[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof(buf))
        return fail(ps, "number too long"), false;
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
        return fail(ps, "number out of range"), false;
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

/* Parses the members or elements of an object/array into v. */
static bool parse_container(struct parser *ps, struct json *v, int depth)
{
    bool object = *ps->p == '{';
    char close = object ? '}' : ']';
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    if (depth >= JSON_MAX_DEPTH)
        return fail(ps, "nested too deeply"), false;
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
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a member name"), false;
            key = parse_string(ps, &key_len);
            if (key == NULL)
                return false;
            for (struct json *m = v->child; m != NULL; m = m->next) {
                if (m->key_len == key_len &&
                    memcmp(m->key, key, key_len) == 0) {
                    free(key);
                    return fail(ps, "duplicate member name"), false;
                }
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return fail(ps, "expected ':'"), false;
            }
            ps->p++;
        }
        struct json *item = parse_value(ps, depth + 1);
        if (item == NULL) {
            free(key);
            return false;
        }
        item->key = key;
        item->key_len = key_len;
        *tail = item;
        tail = &item->next;
        v->n++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'"),
               false;
    }
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
        ok = literal(ps, "true") || fail(ps, "bad literal");
        break;
    case 'f':
        v->type = JSON_FALSE;
        ok = literal(ps, "false") || fail(ps, "bad literal");
        break;
    case 'n':
        v->type = JSON_NULL;
        ok = literal(ps, "null") || fail(ps, "bad literal");
        break;
    default:
        ok = parse_number(ps, v);
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
    struct parser ps = {(const unsigned char *)p,
                        (const unsigned char *)p,
                        (const unsigned char *)p + len,
                        err,
                        errlen,
                        0};
    *root = NULL;
    if (len > JSON_MAX_INPUT) {
        fail(&ps, "document too large");
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
