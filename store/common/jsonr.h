/* jsonr: a strict RFC 8259 JSON parser into a small tree, for
 * `outpost import` (store/export.c) and the HTTP write API.
 *
 * Strict means anything the RFC does not allow is refused, with the byte
 * offset of the fault: trailing commas, leading zeros, "+1", ".5", "1.",
 * NaN/Infinity, single quotes, comments, unescaped control characters,
 * invalid UTF-8 (overlong forms, encoded surrogates, > U+10FFFF), lone
 * \u surrogates, and data after the document. On top of the RFC it also
 * refuses what an interoperable document should never contain
 * (RFC 8259 sections 4 and 9 leave these to the implementation):
 *   - duplicate member names in one object (found once the object has
 *     been read to its end, so an error later inside the same object is
 *     reported first);
 *   - nesting deeper than JSONR_MAX_DEPTH containers;
 *   - input longer than JSONR_MAX_INPUT bytes (jsonr_parse_limit() takes
 *     another limit);
 *   - strings (and member names) longer than JSONR_MAX_STRING bytes once
 *     decoded;
 *   - numbers longer than JSONR_MAX_NUMBER characters, or whose magnitude
 *     overflows a double (1e999; underflow to 0 is accepted).
 *
 * The tree is read through the accessors below (struct jsonr_value is opaque);
 * it is owned by its root and freed by jsonr_free(root). Containers keep
 * their children in document order (object member order is kept, which
 * the exporter's byte-identical round trip relies on):
 *
 *     struct jsonr_value *doc;
 *     char err[128];
 *     if (jsonr_parse(body, len, &doc, err, sizeof(err)) != 0)
 *         return refuse(err);                 // "offset 17: expected ':'"
 *     const struct jsonr_value *title = jsonr_get(doc, "title");
 *     size_t n;
 *     const char *s = jsonr_as_string(title, &n); // NULL if not a string
 *     for (const struct jsonr_value *m = jsonr_first(doc); m; m =
 * jsonr_next(m)) printf("%s\n", jsonr_name(m, NULL));     // members in order
 *     jsonr_free(doc);
 *
 * Nothing here is thread-unsafe: there is no global state, and a parsed
 * tree is immutable. The tree does not refer to the input, which may be
 * freed as soon as jsonr_parse() returns.
 *
 * Memory. A parse makes one allocation for the whole tree, sized before
 * the tree is built by a quick scan of the input, plus, while a large
 * object's member names are checked for duplicates, one short-lived
 * table. Every value is a 16-byte node; every string and member name is
 * copied, decoded and NUL-terminated, into one pool after the nodes. Each
 * value but the first needs at least two bytes of input (itself and a
 * comma, or a bracket), a string's pool copy is shorter than its quoted
 * form, and the duplicate table takes at most 12 bytes per member, which
 * each member's name and colon pay for. So a parse of len bytes never has
 * more than
 *
 *     JSONR_MEM_PER_BYTE * len + JSONR_MEM_FIXED   (8 * len + 1 KiB)
 *
 * bytes allocated at once, whatever the input (valid or not); the worst
 * case, about 8 bytes per byte, is an array of one-digit numbers
 * ("[0,0,0,...]"). jsonr.c proves the bound; jsonr_parse_stats()
 * reports the actual peak so that tests can check it.
 */
#ifndef OUTPOST_JSONR_H
#define OUTPOST_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting read: far past what an export or an API body needs, near
 * enough that a document of brackets is refused after a small allocation. */
#define JSONR_MAX_DEPTH 32
#define JSONR_MAX_INPUT (8 * 1024 * 1024)
#define JSONR_MAX_STRING (1024 * 1024)
#define JSONR_MAX_NUMBER 512 /* characters in one number literal */
/* The largest input limit jsonr_parse_limit() takes: the tree addresses its
 * strings with 32-bit offsets, and 8 bytes per input byte must stay below
 * 4 GiB. */
#define JSONR_MAX_LIMIT (256 * 1024 * 1024)
/* The memory bound above: at most JSONR_MEM_PER_BYTE * len + JSONR_MEM_FIXED
 * bytes allocated at once during a parse of len bytes. */
#define JSONR_MEM_PER_BYTE 8
#define JSONR_MEM_FIXED 1024

enum jsonr_type {
    JSONR_NULL,
    JSONR_FALSE,
    JSONR_TRUE,
    JSONR_INT,    /* an integral number that fits int64_t ("-0" is 0) */
    JSONR_NUMBER, /* any other number: a fraction, an exponent, or too big */
    JSONR_STRING,
    JSONR_ARRAY,
    JSONR_OBJECT,
};

/* A value in a parsed tree; read it through the functions below. */
struct jsonr_value;

/* Parses the len bytes at p (no terminator needed; a NUL byte inside is an
 * error, not an end). On success returns 0 and sets *root to a tree the
 * caller frees with jsonr_free(). On failure *root is NULL and returns
 * UV_EINVAL, with "offset N: reason" (N counted in bytes from p) written
 * to err[errlen], or UV_ENOMEM ("out of memory"). err may be NULL when
 * errlen is 0. */
int jsonr_parse(const char *p, size_t len, struct jsonr_value **root, char *err,
                size_t errlen);
/* jsonr_parse() with the caller's input limit in place of JSONR_MAX_INPUT,
 * for trusted local input that may be larger than any request, such as a
 * file given to `outpost import` (the parse takes up to 8 times the
 * input's size in memory, so the caller picks a limit it can afford). A
 * limit above JSONR_MAX_LIMIT acts as JSONR_MAX_LIMIT. Every other limit
 * stays. */
int jsonr_parse_limit(const char *p, size_t len, size_t max_input,
                      struct jsonr_value **root, char *err, size_t errlen);
/* jsonr_parse_limit() that also reports, in *peak (when not NULL), the most
 * bytes the parse had allocated at once, whether it succeeded or not: at
 * most JSONR_MEM_PER_BYTE * len + JSONR_MEM_FIXED. */
int jsonr_parse_stats(const char *p, size_t len, size_t max_input,
                      struct jsonr_value **root, char *err, size_t errlen,
                      size_t *peak);
/* Frees a tree returned by jsonr_parse(); NULL is a no-op. Only roots may be
 * freed, never a value inside a tree. */
void jsonr_free(struct jsonr_value *root);

/* The type of v; JSONR_NULL when v is NULL, so a missing member and a null
 * one read alike when that is what the caller wants. */
enum jsonr_type jsonr_type(const struct jsonr_value *v);
/* The name of a type for messages: "null", "boolean", "number", "string",
 * "array", "object". */
const char *jsonr_type_name(enum jsonr_type t);

/* The member `key` (a C string) of an object, or NULL when obj is NULL,
 * not an object, or has no such member. Linear in the member count. */
const struct jsonr_value *jsonr_get(const struct jsonr_value *obj,
                                    const char *key);

/* The name of member v (decoded, NUL-terminated) and, if len is not NULL,
 * its length in bytes; NULL (and 0) when v is NULL or not an object's
 * member. The bytes live as long as the tree. */
const char *jsonr_name(const struct jsonr_value *v, size_t *len);
/* The decoded bytes of a string, NUL-terminated, and, if len is not NULL,
 * their count ("\u0000" may put a NUL inside: use the count); NULL when v
 * is not a string. The bytes live as long as the tree. */
const char *jsonr_as_string(const struct jsonr_value *v, size_t *len);
/* 0 and *out if v is a JSONR_INT, else UV_EINVAL (a fraction such as 1.5,
 * or 1e3, is not an integer here; neither is a number beyond int64_t). */
int jsonr_as_int64(const struct jsonr_value *v, int64_t *out);
/* 0 and *out if v is a number (a JSONR_INT as (double)i), else UV_EINVAL. */
int jsonr_as_double(const struct jsonr_value *v, double *out);
/* 0 and *out if v is true or false, else UV_EINVAL. */
int jsonr_as_bool(const struct jsonr_value *v, bool *out);

/* Iteration over an array's elements or an object's members, in document
 * order: jsonr_first() is NULL for an empty container or a non-container;
 * jsonr_next() is NULL after the last one. jsonr_len() is the child count
 * (0 for a non-container). */
const struct jsonr_value *jsonr_first(const struct jsonr_value *container);
const struct jsonr_value *jsonr_next(const struct jsonr_value *v);
size_t jsonr_len(const struct jsonr_value *container);

#endif
