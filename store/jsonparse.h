/* jsonparse: a strict RFC 8259 JSON parser into a small tree, for
 * `outpost import` (store/export.c) and the HTTP write API.
 *
 * Strict means anything the RFC does not allow is refused, with the byte
 * offset of the fault: trailing commas, leading zeros, "+1", ".5", "1.",
 * NaN/Infinity, single quotes, comments, unescaped control characters,
 * invalid UTF-8 (overlong forms, encoded surrogates, > U+10FFFF), lone
 * \u surrogates, and data after the document. On top of the RFC it also
 * refuses what an interoperable document should never contain
 * (RFC 8259 sections 4 and 9 leave these to the implementation):
 *   - duplicate member names in one object;
 *   - nesting deeper than JSON_MAX_DEPTH containers;
 *   - input longer than JSON_MAX_INPUT bytes (json_parse_limit() takes
 *     another limit);
 *   - strings (and member names) longer than JSON_MAX_STRING bytes once
 *     decoded;
 *   - numbers longer than JSON_MAX_NUMBER characters, or whose magnitude
 *     overflows a double (1e999; underflow to 0 is accepted).
 *
 * The tree. Every value is one malloc'd struct json; the whole tree is
 * owned by its root and freed by json_free(root). Containers keep their
 * children as a singly linked list in document order (object member order
 * is kept, which the exporter's byte-identical round trip relies on):
 *
 *     struct json *doc;
 *     char err[128];
 *     if (json_parse(body, len, &doc, err, sizeof(err)) != 0)
 *         return refuse(err);                 // "offset 17: expected ':'"
 *     const struct json *title = json_get(doc, "title");
 *     size_t n;
 *     const char *s = json_as_string(title, &n); // NULL if not a string
 *     for (const struct json *m = json_first(doc); m; m = json_next(m))
 *         printf("%s\n", m->key);                 // members in order
 *     json_free(doc);
 *
 * The fields of struct json may be read directly; the accessors below only
 * add the type checks. Nothing here is thread-unsafe: there is no global
 * state, and a parsed tree is immutable.
 */
#ifndef OUTPOST_JSONPARSE_H
#define OUTPOST_JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token-identical to protocols/json.h, which defines it for the writer, so
 * a file may include both headers. */
#define JSON_MAX_DEPTH 32
#define JSON_MAX_INPUT (8 * 1024 * 1024)
#define JSON_MAX_STRING (1024 * 1024)
#define JSON_MAX_NUMBER 512 /* characters in one number literal */

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_INT,    /* an integral number that fits int64_t ("-0" is 0) */
    JSON_NUMBER, /* any other number: a fraction, an exponent, or too big */
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json {
    enum json_type type;
    const char *key;    /* member name when inside an object (decoded, */
    size_t key_len;     /*   NUL-terminated), else NULL and 0 */
    const char *str;    /* JSON_STRING: decoded UTF-8, NUL-terminated, but */
    size_t str_len;     /*   "\u0000" may put a NUL inside: use str_len */
    int64_t i;          /* JSON_INT */
    double d;           /* JSON_INT and JSON_NUMBER (JSON_INT: (double)i) */
    struct json *child; /* JSON_ARRAY/OBJECT: first element or member */
    struct json *next;  /* the next sibling in the parent, or NULL */
    size_t n;           /* JSON_ARRAY/OBJECT: number of children */
};

/* Parses the len bytes at p (no terminator needed; a NUL byte inside is an
 * error, not an end). On success returns 0 and sets *root to a tree the
 * caller frees with json_free(). On failure *root is NULL and returns
 * UV_EINVAL, with "offset N: reason" (N counted in bytes from p) written
 * to err[errlen], or UV_ENOMEM ("out of memory"). err may be NULL when
 * errlen is 0. */
int json_parse(const char *p, size_t len, struct json **root, char *err,
               size_t errlen);
/* json_parse() with the caller's input limit in place of JSON_MAX_INPUT,
 * for trusted local input that may be larger than any request, such as a
 * file given to `outpost import` (the tree takes a few times the input's
 * size in memory, so the caller picks a limit it can afford). Every other
 * limit stays. */
int json_parse_limit(const char *p, size_t len, size_t max_input,
                     struct json **root, char *err, size_t errlen);
/* Frees a tree returned by json_parse(); NULL is a no-op. Only roots may be
 * freed, never a value inside a tree. */
void json_free(struct json *root);

/* The type of v; JSON_NULL when v is NULL, so a missing member and a null
 * one read alike when that is what the caller wants. */
enum json_type json_type(const struct json *v);
/* The name of a type for messages: "null", "boolean", "number", "string",
 * "array", "object". */
const char *json_type_name(enum json_type t);

/* The member `key` (a C string) of an object, or NULL when obj is NULL,
 * not an object, or has no such member. Linear in the member count. */
const struct json *json_get(const struct json *obj, const char *key);

/* The decoded bytes of a string and, if len is not NULL, their count; NULL
 * when v is not a string. The bytes live as long as the tree. */
const char *json_as_string(const struct json *v, size_t *len);
/* 0 and *out if v is a JSON_INT, else UV_EINVAL (a fraction such as 1.5,
 * or 1e3, is not an integer here; neither is a number beyond int64_t). */
int json_as_int64(const struct json *v, int64_t *out);
/* 0 and *out if v is true or false, else UV_EINVAL. */
int json_as_bool(const struct json *v, bool *out);

/* Iteration over an array's elements or an object's members, in document
 * order: json_first() is NULL for an empty container or a non-container;
 * json_next() is NULL after the last one. json_len() is the child count
 * (0 for a non-container). */
const struct json *json_first(const struct json *container);
const struct json *json_next(const struct json *v);
size_t json_len(const struct json *container);

#endif
