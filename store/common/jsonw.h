/* jsonw: a tiny JSON writer (RFC 8259) for the Statuspage v2 views and,
 * later, the write API's responses.
 *
 * Two layers. jsonw_put_str() and friends append one value to a buf. The
 * jsonw on top of them places the commas and colons, so a renderer
 * only says what comes next:
 *
 *     struct jsonw w;
 *     jsonw_init(&w, &out);
 *     jsonw_object_begin(&w);
 *     jsonw_key(&w, "id");   jsonw_string(&w, "x1");
 *     jsonw_key(&w, "tags"); jsonw_array_begin(&w); jsonw_int(&w, 1);
 *     jsonw_array_end(&w);
 *     jsonw_object_end(&w);
 *
 * Output is compact (no spaces, no new lines). Strings come out as valid
 * UTF-8 whatever the input: control characters are escaped as \u00XX, and
 * bytes that are not valid UTF-8 become U+FFFD. Errors are the buf's sticky
 * OOM flag; nothing here fails otherwise.
 */
#ifndef OUTPOST_JSONW_H
#define OUTPOST_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Deepest nesting the writer tracks; the Statuspage views need 5. */
#define JSONW_MAX_DEPTH 32

/* Appends s as a quoted, escaped JSON string; NULL appends null. */
void jsonw_put_str(struct buf *out, const char *s);
/* The same for len bytes (which may contain NUL, escaped as \u0000). */
void jsonw_put_strn(struct buf *out, const char *s, size_t len);
/* Appends a decimal integer. */
void jsonw_put_int(struct buf *out, int64_t v);
/* Appends true or false. */
void jsonw_put_bool(struct buf *out, bool v);
/* Appends null. */
void jsonw_put_null(struct buf *out);
/* Appends a time as "2026-11-23T12:34:56.000Z" (Statuspage v2 style), or
 * null when t is 0 ("not set" in the model). */
void jsonw_put_time(struct buf *out, int64_t t);

struct jsonw {
    struct buf *out; /* borrowed; the caller owns and frees it */
    unsigned depth;  /* open containers */
    bool after_key;  /* a key was written, its value comes next */
    /* has_item[d]: the container at depth d already holds a value, so the
     * next one needs a comma. */
    bool has_item[JSONW_MAX_DEPTH + 1];
};

/* Starts writing into out (appending to what it holds). */
void jsonw_init(struct jsonw *w, struct buf *out);
/* Containers. Ends must match begins; nesting deeper than JSONW_MAX_DEPTH
 * is a programmer error (assert). */
void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
/* Writes a member name inside an object; the next call writes its value. */
void jsonw_key(struct jsonw *w, const char *key);
/* Values, as array elements or after jsonw_key(). */
void jsonw_string(struct jsonw *w, const char *s); /* NULL -> null */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
void jsonw_time(struct jsonw *w, int64_t t); /* 0 -> null */

#endif
