/* jsonr: see jsonr.h for the contract.
 *
 * Two passes over a byte range that is never read past its end (the input
 * need not be NUL-terminated):
 *
 *   1. estimate() looks only at the structure: it skips strings and counts
 *      what the tree can need at most, a few instructions per byte;
 *   2. a recursive-descent parser (its depth bounded by JSONR_MAX_DEPTH, so
 *      hostile nesting cannot exhaust the stack) validates the input and
 *      writes the tree into one block of that size:
 *
 *        [node 0, the root][node 1] ... [node cap-1][pool: every string
 *                                                    and name, decoded,
 *                                                    NUL-terminated]
 *
 * The nodes are in document order (preorder): a container's children
 * follow it, and its span counts all of its descendants, so the next
 * sibling of node v is v + 1 + span. A node reaches its strings by a
 * 32-bit offset from itself, so the block needs no header: the root is
 * the block, and jsonr_free() frees it.
 *
 * The first error wins: fail() records it and every caller unwinds; a
 * failed parse frees the block and returns no tree.
 *
 * The memory bound (jsonr.h). Let L be the bytes estimate() reads (at
 * most len), P the pool bytes it counts (each string's encoded length
 * between its quotes, plus one for the NUL: decoding never makes a string
 * longer), K the colons outside strings, and C the count of values: one,
 * plus one per comma, plus one per '[' or '{' not closed right after it
 * (white space aside). On a valid document C is exact. Every value is at
 * least one byte; a container that holds values adds its closing bracket,
 * and every value after the first in a container the comma before it, so
 * every value but the root brings at least two bytes. A string is its pool
 * share plus one byte, a member name its pool share plus one byte and a
 * colon. Hence L >= 2C - 1 + P + K. On an invalid document the
 * parser stops at its first error, and the same count holds for what it
 * read, except for at most JSONR_MAX_DEPTH + 1 containers still open and
 * one unterminated string; the bytes it did not read hold at least their
 * own strings' pool shares and colons. So the parser never needs more than
 *
 *     cap = min(C, (L - P - K) / 2 + JSONR_MAX_DEPTH)
 *
 * nodes, and the block, 16 * cap + P bytes, is at most
 * 8 * (L - P - K) + 512 + P <= 8 * L - 7 * P - 8 * K + 512. The one other
 * allocation is the table that checks a large object's n member names for
 * duplicates: fewer than 3 * n four-byte slots, 12 * n bytes, freed before
 * the parse goes on. Those n names are in P (at least one byte each, the
 * NUL) and in K (a colon each), so 7 * P + 8 * K >= 15 * n pays for it:
 * at no time are more than 8 * L + 512 bytes allocated, within
 * JSONR_MEM_PER_BYTE * len + JSONR_MEM_FIXED. Should the parser ever want
 * more than cap nodes or P pool bytes (it cannot), it refuses the input
 * rather than write past the block.
 *
 * estimate() also stops where more than JSONR_MAX_DEPTH containers are
 * open, since the parser cannot go past that point, so a deep hostile
 * input ("[[[[...") costs a small block and fails fast.
 */
#include "jsonr.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

/* One value: 16 bytes. */
struct jsonr_value {
    uint32_t meta; /* enum jsonr_type | LAST | name length << KEY_SHIFT */
    uint32_t key;  /* offset from this node to its name in the pool; 0 when
                      the node is not an object's member */
    union {
        int64_t i; /* JSONR_INT */
        double d;  /* JSONR_NUMBER */
        struct {
            uint32_t off, len; /* offset from this node, decoded length */
        } s;                   /* JSONR_STRING */
        struct {
            uint32_t n, span; /* children, descendants */
        } c;                  /* JSONR_ARRAY, JSONR_OBJECT */
    } u;
};

_Static_assert(sizeof(struct jsonr_value) == 16, "a node is 16 bytes");

#define TYPE_MASK 7u
#define LAST 8u      /* the last child of its parent (and the root) */
#define KEY_SHIFT 8u /* names are at most JSONR_MAX_STRING < 2^24 bytes */
#define NONE ((size_t)-1)

struct parser {
    const unsigned char *p, *start, *end;
    struct jsonr_value *node; /* the block: cap nodes, then the pool */
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
    size_t bytes, peak; /* allocated now, and at most */
    char *err;
    size_t errlen;
    int rc;
};

static bool fail(struct parser *ps, const char *why)
{
    if (ps->rc == 0) {
        ps->rc = UV_EINVAL;
        if (ps->errlen > 0)
            snprintf(ps->err, ps->errlen, "offset %zu: %s",
                     (size_t)(ps->p - ps->start), why);
    }
    return false;
}

static bool oom(struct parser *ps)
{
    if (ps->rc == 0) {
        ps->rc = UV_ENOMEM;
        if (ps->errlen > 0)
            snprintf(ps->err, ps->errlen, "out of memory");
    }
    return false;
}

/* Every allocation goes through these two, so that jsonr_parse_stats() can
 * report the peak the bound above is about. */
static void *counted_calloc(struct parser *ps, size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p != NULL) {
        ps->bytes += n * size;
        if (ps->bytes > ps->peak)
            ps->peak = ps->bytes;
    }
    return p;
}

static void counted_free(struct parser *ps, void *p, size_t size)
{
    if (p != NULL) {
        free(p);
        ps->bytes -= size;
    }
}

static bool space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const unsigned char *skip_space(const unsigned char *p,
                                       const unsigned char *end)
{
    while (p < end && space(*p))
        p++;
    return p;
}

static void skip_ws(struct parser *ps)
{
    ps->p = skip_space(ps->p, ps->end);
}

/* The quote that closes a string whose first byte is at p, or end. A
 * quote is escaped when an odd run of backslashes precedes it (each
 * backslash escapes the byte after it). estimate() and parse_string()
 * both use this, so they agree on where every string ends. */
static const unsigned char *closing_quote(const unsigned char *p,
                                          const unsigned char *end)
{
    for (;;) {
        const unsigned char *q = memchr(p, '"', (size_t)(end - p));
        if (q == NULL)
            return end;
        const unsigned char *b = q;
        while (b > p && b[-1] == '\\')
            b--;
        if ((q - b) % 2 == 0)
            return q;
        p = q + 1;
    }
}

struct estimate {
    size_t len;    /* bytes read */
    size_t values; /* C above */
    size_t pool;   /* P */
    size_t colons; /* K */
};

static void estimate(const unsigned char *p, const unsigned char *end,
                     struct estimate *e)
{
    const unsigned char *start = p;
    size_t values = 1, pool = 0, colons = 0;
    int depth = 0;
    while (p < end) {
        unsigned c = *p++;
        if (c == '"') {
            const unsigned char *q = closing_quote(p, end);
            pool += (size_t)(q - p) + 1;
            p = q < end ? q + 1 : end;
        } else if (c == ',') {
            values++;
        } else if (c == ':') {
            colons++;
        } else if (c == '[' || c == '{') {
            if (++depth > JSONR_MAX_DEPTH)
                break;
            const unsigned char *q = skip_space(p, end);
            if (q == end || *q != (c == '[' ? ']' : '}'))
                values++;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    e->len = (size_t)(p - start);
    e->values = values;
    e->pool = pool;
    e->colons = colons;
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

/* Parses a string at ps->p (on the opening quote), decoding it into the
 * pool; *off is where it starts there and *len_out its decoded length
 * (the pool copy is NUL-terminated). */
static bool parse_string(struct parser *ps, size_t *off, size_t *len_out)
{
    const unsigned char *open = ps->p;
    ps->p++; /* the quote */
    /* Find the closing quote first: the decoded string is never longer
     * than the encoded one (every escape shrinks or keeps its size), so
     * that much room, which estimate() counted, always suffices. */
    const unsigned char *q = closing_quote(ps->p, ps->end);
    if (q >= ps->end) {
        ps->p = open; /* where it began is what helps to find it */
        return fail(ps, "unterminated string");
    }
    if ((size_t)(q - ps->p) + 1 > ps->pool_cap - ps->pool_len)
        return fail(ps, "more text than estimated"); /* cannot happen */
    char *out = ps->pool + ps->pool_len;
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
        if (c < 0x20)
            return fail(ps, "control character in a string");
        if (c != '\\') {
            size_t k = utf8_decode((const char *)ps->p,
                                   (size_t)(ps->end - ps->p), NULL);
            if (k == 0)
                return fail(ps, "invalid UTF-8");
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
            if (ps->end - ps->p < 5 || hex4(ps->p + 1) < 0)
                return fail(ps, "expected 4 hex digits after \\u");
            uint32_t cp = (uint32_t)hex4(ps->p + 1);
            ps->p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail(ps, "lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo =
                    ps->end - ps->p >= 7 && ps->p[1] == '\\' && ps->p[2] == 'u'
                        ? hex4(ps->p + 3)
                        : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, "lone high surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                ps->p += 6;
            }
            n += utf8_encode(cp, out + n);
            break;
        }
        default:
            return fail(ps, "unknown escape");
        }
        ps->p++;
    }
    if (n > JSONR_MAX_STRING) {
        ps->p = open; /* point at the string, not past it */
        return fail(ps, "string longer than 1 MiB");
    }
    ps->p++; /* the closing quote */
    out[n] = '\0';
    *off = ps->pool_len;
    *len_out = n;
    ps->pool_len += n + 1;
    return true;
}

/* The 32-bit offset from node v to byte off of the pool. */
static uint32_t pool_offset(const struct parser *ps,
                            const struct jsonr_value *v, size_t off)
{
    return (uint32_t)(ps->pool + off - (const char *)v);
}

static bool digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static bool parse_number(struct parser *ps, struct jsonr_value *v)
{
    const unsigned char *s = ps->p;
    bool integral = true;
    if (*ps->p == '-')
        ps->p++;
    if (!digit(ps->p, ps->end))
        return fail(ps, "expected a digit");
    if (*ps->p == '0' && digit(ps->p + 1, ps->end))
        return fail(ps, "leading zero");
    while (digit(ps->p, ps->end))
        ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = false;
        ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "expected a digit after '.'");
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digit(ps->p, ps->end))
            return fail(ps, "expected a digit in the exponent");
        while (digit(ps->p, ps->end))
            ps->p++;
    }
    size_t n = (size_t)(ps->p - s);
    size_t sign = *s == '-';
    if (integral && n - sign <= 18) {
        /* The common case, at most 18 digits, cannot overflow int64_t:
         * no need for a terminated copy and strtoll(). */
        int64_t i = 0;
        for (const unsigned char *d = s + sign; d < ps->p; d++)
            i = i * 10 + (*d - '0');
        v->meta = JSONR_INT;
        v->u.i = sign ? -i : i;
        return true;
    }
    /* strtoll/strtod need a terminated copy (the input may end right after
     * the number). The C locale is assumed: the daemon never calls
     * setlocale(), so '.' is the decimal point. */
    char buf[JSONR_MAX_NUMBER + 1];
    if (n >= sizeof(buf))
        return ps->p = s, fail(ps, "number longer than 512 characters");
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    if (integral) {
        long long i = strtoll(buf, NULL, 10);
        if (errno == 0) {
            v->meta = JSONR_INT;
            v->u.i = i;
            return true;
        }
    }
    errno = 0;
    v->u.d = strtod(buf, NULL);
    if (!isfinite(v->u.d))
        return ps->p = s, fail(ps, "number out of range");
    v->meta = JSONR_NUMBER;
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

static size_t parse_value(struct parser *ps, int depth);

static bool container(const struct jsonr_value *v)
{
    unsigned t = v->meta & TYPE_MASK;
    return t == JSONR_ARRAY || t == JSONR_OBJECT;
}

/* Past the value that starts at p, in input known to be valid there. */
static const unsigned char *skip_value(const unsigned char *p,
                                       const unsigned char *end)
{
    if (*p == '"')
        return closing_quote(p + 1, end) + 1;
    if (*p != '[' && *p != '{') {
        while (p < end && !space(*p) && *p != ',' && *p != ']' && *p != '}')
            p++;
        return p;
    }
    int depth = 0;
    do {
        unsigned c = *p++;
        if (c == '"')
            p = closing_quote(p, end) + 1;
        else if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
    } while (depth > 0);
    return p;
}

/* The name of member j of the object whose '{' is at p, once the whole
 * object has been read (so it is valid JSON): only a duplicate's error
 * message needs this, so the nodes do not keep their input offsets. */
static const unsigned char *member_name_at(const unsigned char *p,
                                           const unsigned char *end, size_t j)
{
    p++; /* the brace */
    for (;; j--) {
        p = skip_space(p, end);
        if (j == 0)
            return p;
        p = skip_space(skip_value(p, end), end) + 1; /* name, ':' */
        p = skip_space(skip_value(skip_space(p, end), end), end) + 1; /* , */
    }
}

static bool same_name(const struct jsonr_value *a, const struct jsonr_value *b)
{
    size_t na, nb;
    const char *ka = jsonr_name(a, &na), *kb = jsonr_name(b, &nb);
    return na == nb && memcmp(ka, kb, na) == 0;
}

static uint32_t name_hash(const struct jsonr_value *m)
{
    size_t n;
    const unsigned char *k = (const unsigned char *)jsonr_name(m, &n);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

/* Up to KEYS_LINEAR members, names are compared pairwise; past that an
 * open-addressing table of node indices, at most two thirds full, so an
 * object with a million members costs a million probes, not half a
 * trillion comparisons. */
#define KEYS_LINEAR 16

/* Refuses an object (node at, '{' at open) in which two members have the
 * same name, pointing at the later one. */
static bool unique_names(struct parser *ps, size_t at,
                         const unsigned char *open)
{
    const struct jsonr_value *obj = &ps->node[at];
    size_t n = obj->u.c.n, j = 0, dup = NONE;
    if (n <= KEYS_LINEAR) {
        for (const struct jsonr_value *m = jsonr_first(obj); m && dup == NONE;
             m = jsonr_next(m), j++)
            for (const struct jsonr_value *k = jsonr_first(obj); k != m;
                 k = jsonr_next(k))
                if (same_name(k, m)) {
                    dup = j;
                    break;
                }
    } else {
        size_t cap = 32;
        while (2 * cap < 3 * n)
            cap *= 2; /* the smallest power of two, so cap < 3 * n */
        uint32_t *slot = counted_calloc(ps, cap, sizeof(*slot));
        if (slot == NULL)
            return oom(ps);
        /* A slot holds a node index (never 0: that is the root) and, in
         * the bits the indices leave free, the top bits of the name's
         * hash, so most probes skip a name without reading it. */
        unsigned bits = 1;
        while (bits < 32 && ps->n >> bits != 0)
            bits++;
        uint32_t index_mask = bits < 32 ? (1u << bits) - 1 : UINT32_MAX;
        for (const struct jsonr_value *m = jsonr_first(obj); m && dup == NONE;
             m = jsonr_next(m), j++) {
            uint32_t h = name_hash(m);
            uint32_t tag = bits < 32 ? h >> bits << bits : 0;
            size_t i = h & (cap - 1);
            while (slot[i] != 0 &&
                   ((slot[i] & ~index_mask) != tag ||
                    !same_name(&ps->node[slot[i] & index_mask], m)))
                i = (i + 1) & (cap - 1);
            if (slot[i] != 0)
                dup = j;
            else
                slot[i] = tag | (uint32_t)(m - ps->node);
        }
        counted_free(ps, slot, cap * sizeof(*slot));
    }
    if (dup == NONE)
        return true;
    ps->p = member_name_at(open, ps->end, dup);
    return fail(ps, "duplicate member name");
}

/* Parses the members or elements of an object/array (ps->p on the opening
 * bracket) after node at, their parent. */
static bool parse_container(struct parser *ps, size_t at, int depth)
{
    const unsigned char *open = ps->p;
    bool object = *ps->p == '{';
    char close = object ? '}' : ']';
    ps->node[at].meta = object ? JSONR_OBJECT : JSONR_ARRAY;
    if (depth >= JSONR_MAX_DEPTH)
        return fail(ps, "nested deeper than 32 levels");
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    size_t last = NONE, n = 0;
    for (;;) {
        size_t key = 0, key_len = 0;
        skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a member name");
            if (!parse_string(ps, &key, &key_len))
                return false;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
        }
        size_t item = parse_value(ps, depth + 1);
        if (item == NONE)
            return false;
        if (object) {
            struct jsonr_value *m = &ps->node[item];
            m->key = pool_offset(ps, m, key);
            m->meta |= (uint32_t)key_len << KEY_SHIFT;
        }
        last = item;
        n++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    ps->node[last].meta |= LAST;
    ps->node[at].u.c.n = (uint32_t)n;
    ps->node[at].u.c.span = (uint32_t)(ps->n - at - 1);
    return !object || unique_names(ps, at, open);
}

/* Parses one value into the next node; its index, or NONE. */
static size_t parse_value(struct parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input"), NONE;
    if (ps->n == ps->cap)
        return fail(ps, "more values than estimated"), NONE; /* cannot be */
    size_t at = ps->n++;
    struct jsonr_value *v = &ps->node[at];
    *v = (struct jsonr_value){0};
    bool ok;
    switch (*ps->p) {
    case '{':
    case '[':
        ok = parse_container(ps, at, depth);
        break;
    case '"': {
        size_t off, len;
        ok = parse_string(ps, &off, &len);
        if (ok) {
            v->meta = JSONR_STRING;
            v->u.s.off = pool_offset(ps, v, off);
            v->u.s.len = (uint32_t)len;
        }
        break;
    }
    case 't':
        v->meta = JSONR_TRUE;
        ok = literal(ps, "true") || fail(ps, "expected 'true'");
        break;
    case 'f':
        v->meta = JSONR_FALSE;
        ok = literal(ps, "false") || fail(ps, "expected 'false'");
        break;
    case 'n':
        v->meta = JSONR_NULL;
        ok = literal(ps, "null") || fail(ps, "expected 'null'");
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
        ok = fail(ps, why);
    }
    }
    return ok ? at : NONE;
}

int jsonr_parse(const char *p, size_t len, struct jsonr_value **root, char *err,
                size_t errlen)
{
    return jsonr_parse_stats(p, len, JSONR_MAX_INPUT, root, err, errlen, NULL);
}

int jsonr_parse_limit(const char *p, size_t len, size_t max_input,
                      struct jsonr_value **root, char *err, size_t errlen)
{
    return jsonr_parse_stats(p, len, max_input, root, err, errlen, NULL);
}

int jsonr_parse_stats(const char *p, size_t len, size_t max_input,
                      struct jsonr_value **root, char *err, size_t errlen,
                      size_t *peak)
{
    struct parser ps = {.p = (const unsigned char *)p,
                        .start = (const unsigned char *)p,
                        .end = (const unsigned char *)p + len,
                        .err = err,
                        .errlen = errlen};
    *root = NULL;
    if (peak != NULL)
        *peak = 0;
    if (max_input > JSONR_MAX_LIMIT)
        max_input = JSONR_MAX_LIMIT;
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
    struct estimate e;
    estimate(ps.p, ps.end, &e);
    size_t room = (e.len - e.pool - e.colons) / 2 + JSONR_MAX_DEPTH;
    ps.cap = e.values < room ? e.values : room;
    ps.pool_cap = e.pool;
    size_t size = ps.cap * sizeof(struct jsonr_value) + ps.pool_cap;
    ps.node = counted_calloc(&ps, 1, size);
    if (ps.node == NULL) {
        oom(&ps);
        return ps.rc;
    }
    ps.pool = (char *)(ps.node + ps.cap);
    if (parse_value(&ps, 0) != NONE) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            fail(&ps, "unexpected data after the document");
    }
    if (peak != NULL)
        *peak = ps.peak;
    if (ps.rc != 0) {
        counted_free(&ps, ps.node, size);
        return ps.rc;
    }
    ps.node[0].meta |= LAST; /* the root has no siblings */
    *root = ps.node;
    return 0;
}

void jsonr_free(struct jsonr_value *root)
{
    free(root); /* the root is the whole block */
}

const struct jsonr_value *jsonr_get(const struct jsonr_value *obj,
                                    const char *key)
{
    if (jsonr_type(obj) != JSONR_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (const struct jsonr_value *m = jsonr_first(obj); m != NULL;
         m = jsonr_next(m))
        if (m->meta >> KEY_SHIFT == n &&
            memcmp((const char *)m + m->key, key, n) == 0)
            return m;
    return NULL;
}

const char *jsonr_type_name(enum jsonr_type t)
{
    switch (t) {
    case JSONR_NULL:
        return "null";
    case JSONR_FALSE:
    case JSONR_TRUE:
        return "boolean";
    case JSONR_INT:
    case JSONR_NUMBER:
        return "number";
    case JSONR_STRING:
        return "string";
    case JSONR_ARRAY:
        return "array";
    case JSONR_OBJECT:
        return "object";
    }
    return "value";
}

enum jsonr_type jsonr_type(const struct jsonr_value *v)
{
    return v != NULL ? (enum jsonr_type)(v->meta & TYPE_MASK) : JSONR_NULL;
}

const char *jsonr_name(const struct jsonr_value *v, size_t *len)
{
    if (v == NULL || v->key == 0) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = v->meta >> KEY_SHIFT;
    return (const char *)v + v->key;
}

const char *jsonr_as_string(const struct jsonr_value *v, size_t *len)
{
    if (jsonr_type(v) != JSONR_STRING)
        return NULL;
    if (len != NULL)
        *len = v->u.s.len;
    return (const char *)v + v->u.s.off;
}

int jsonr_as_int64(const struct jsonr_value *v, int64_t *out)
{
    if (jsonr_type(v) != JSONR_INT)
        return UV_EINVAL;
    *out = v->u.i;
    return 0;
}

int jsonr_as_double(const struct jsonr_value *v, double *out)
{
    if (jsonr_type(v) == JSONR_INT)
        *out = (double)v->u.i;
    else if (jsonr_type(v) == JSONR_NUMBER)
        *out = v->u.d;
    else
        return UV_EINVAL;
    return 0;
}

int jsonr_as_bool(const struct jsonr_value *v, bool *out)
{
    if (jsonr_type(v) != JSONR_TRUE && jsonr_type(v) != JSONR_FALSE)
        return UV_EINVAL;
    *out = jsonr_type(v) == JSONR_TRUE;
    return 0;
}

const struct jsonr_value *jsonr_first(const struct jsonr_value *v)
{
    if (v == NULL || !container(v) || v->u.c.n == 0)
        return NULL;
    return v + 1;
}

const struct jsonr_value *jsonr_next(const struct jsonr_value *v)
{
    if (v == NULL || (v->meta & LAST) != 0)
        return NULL;
    return v + 1 + (container(v) ? v->u.c.span : 0);
}

size_t jsonr_len(const struct jsonr_value *v)
{
    return v != NULL && container(v) ? v->u.c.n : 0;
}
