/* jsonparse: a strict RFC 8259 JSON parser into a small tree, for
 * `outpost import` and the HTTP write API. Anything the RFC does not allow
 * is refused (trailing commas, leading zeros, unescaped control characters,
 * invalid UTF-8, lone surrogates), and so are duplicate keys in an object,
 * nesting deeper than JSON_MAX_DEPTH and documents over JSON_MAX_INPUT.
 */
#ifndef OUTPOST_JSONPARSE_H
#define OUTPOST_JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_INPUT (16 * 1024 * 1024)

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_INT,    /* an integer that fits int64_t */
    JSON_NUMBER, /* any other number */
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json {
    enum json_type type;
    const char *key; /* member name when inside an object, else NULL */
    size_t key_len;
    const char *str;    /* JSON_STRING: decoded UTF-8, NUL-terminated */
    size_t str_len;     /*   (may contain NUL bytes: use str_len) */
    int64_t i;          /* JSON_INT */
    double d;           /* JSON_INT and JSON_NUMBER */
    struct json *child; /* first element or member */
    struct json *next;  /* next sibling */
    size_t n;           /* number of elements or members */
};

/* Parses len bytes at p. On success returns 0 and *root (free with
 * json_free). On failure returns UV_EINVAL (UV_ENOMEM when out of memory),
 * *root is NULL and err receives "offset N: reason". */
int json_parse(const char *p, size_t len, struct json **root, char *err,
               size_t errlen);
void json_free(struct json *root);

/* The member `key` of an object, or NULL (also when obj is not an object). */
const struct json *json_get(const struct json *obj, const char *key);
/* The name of a JSON type, for messages ("string", "object"...). */
const char *json_type_name(enum json_type t);

#endif
