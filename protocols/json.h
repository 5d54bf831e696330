/* json: a tiny JSON writer (RFC 8259) for the Statuspage v2 views and,
 * later, the write API's responses.
 *
 * Two layers. json_str() and friends append one value to a buf. The
 * json_writer on top of them places the commas and colons, so a renderer
 * only says what comes next:
 *
 *     struct json_writer w;
 *     json_init(&w, &out);
 *     json_object_begin(&w);
 *     json_key(&w, "id");   json_string(&w, "x1");
 *     json_key(&w, "tags"); json_array_begin(&w); json_int(&w, 1);
 *     json_array_end(&w);
 *     json_object_end(&w);
 *
 * Output is compact (no spaces, no new lines). Strings come out as valid
 * UTF-8 whatever the input: control characters are escaped as \u00XX, and
 * bytes that are not valid UTF-8 become U+FFFD. Errors are the buf's sticky
 * OOM flag; nothing here fails otherwise.
 */
#ifndef OUTPOST_JSON_H
#define OUTPOST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/buf.h"

/* Deepest nesting the writer tracks; the Statuspage views need 5. */
#define JSON_MAX_DEPTH 32

/* Appends s as a quoted, escaped JSON string; NULL appends null. */
void json_str(struct buf *out, const char *s);
/* The same for len bytes (which may contain NUL, escaped as \u0000). */
void json_strn(struct buf *out, const char *s, size_t len);
/* Appends a decimal integer. */
void json_num(struct buf *out, int64_t v);
/* Appends true or false. */
void json_boolean(struct buf *out, bool v);
/* Appends null. */
void json_nul(struct buf *out);
/* Returns the length (1..4) of the well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) that starts at
 * s[0], looking at no more than len bytes; 0 if it is not well formed or
 * len is 0. Shared with the HTML escaper. */
size_t json_utf8_seq(const char *s, size_t len);
/* Appends a time as "2026-11-23T12:34:56.000Z" (Statuspage v2 style), or
 * null when t is 0 ("not set" in the model). */
void json_timestamp(struct buf *out, int64_t t);

struct json_writer {
    struct buf *out; /* borrowed; the caller owns and frees it */
    unsigned depth;  /* open containers */
    bool after_key;  /* a key was written, its value comes next */
    /* has_item[d]: the container at depth d already holds a value, so the
     * next one needs a comma. */
    bool has_item[JSON_MAX_DEPTH + 1];
};

/* Starts writing into out (appending to what it holds). */
void json_init(struct json_writer *w, struct buf *out);
/* Containers. Ends must match begins; nesting deeper than JSON_MAX_DEPTH
 * is a programmer error (assert). */
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* Writes a member name inside an object; the next call writes its value. */
void json_key(struct json_writer *w, const char *key);
/* Values, as array elements or after json_key(). */
void json_string(struct json_writer *w, const char *s); /* NULL -> null */
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
void json_time(struct json_writer *w, int64_t t); /* 0 -> null */

#endif
