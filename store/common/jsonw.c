#include "jsonw.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "timeutil.h"
#include "utf8.h"

void jsonw_put_strn(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(out, len + 2);
    buf_putc(out, '"');
    size_t i = 0;
    while (i < len) {
        /* Copy the longest run that needs no escaping in one append. */
        size_t run = i;
        while (run < len) {
            unsigned char c = (unsigned char)s[run];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            run++;
        }
        buf_append(out, s + i, run - i);
        i = run;
        if (i == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = utf8_decode(s + i, len - i, NULL);
            if (n == 0) {
                buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD */
                i++;
            } else {
                buf_append(out, s + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            buf_puts(out, "\\\"");
            break;
        case '\\':
            buf_puts(out, "\\\\");
            break;
        case '\n':
            buf_puts(out, "\\n");
            break;
        case '\r':
            buf_puts(out, "\\r");
            break;
        case '\t':
            buf_puts(out, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(out, esc, sizeof(esc));
            break;
        }
        }
        i++;
    }
    buf_putc(out, '"');
}

void jsonw_put_str(struct buf *out, const char *s)
{
    if (s == NULL)
        jsonw_put_null(out);
    else
        jsonw_put_strn(out, s, strlen(s));
}

void jsonw_put_int(struct buf *out, int64_t v)
{
    buf_printf(out, "%" PRId64, v);
}

void jsonw_put_bool(struct buf *out, bool v)
{
    buf_puts(out, v ? "true" : "false");
}

void jsonw_put_null(struct buf *out)
{
    buf_puts(out, "null");
}

void jsonw_put_time(struct buf *out, int64_t t)
{
    if (t == 0) {
        jsonw_put_null(out);
        return;
    }
    char tmp[TIME_BUFSZ];
    time_iso8601_ms(t, tmp);
    buf_putc(out, '"');
    buf_puts(out, tmp);
    buf_putc(out, '"');
}

/* ---- the writer ------------------------------------------------------- */

void jsonw_init(struct jsonw *w, struct buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

/* Puts the comma before a value or key when its container already holds
 * something; a value right after its key needs none. */
static void before_value(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->has_item[w->depth])
        buf_putc(w->out, ',');
    w->has_item[w->depth] = true;
}

static void open_container(struct jsonw *w, char c)
{
    before_value(w);
    assert(w->depth < JSONW_MAX_DEPTH);
    buf_putc(w->out, c);
    w->depth++;
    w->has_item[w->depth] = false;
}

static void close_container(struct jsonw *w, char c)
{
    assert(w->depth > 0 && !w->after_key);
    w->depth--;
    buf_putc(w->out, c);
}

void jsonw_object_begin(struct jsonw *w)
{
    open_container(w, '{');
}

void jsonw_object_end(struct jsonw *w)
{
    close_container(w, '}');
}

void jsonw_array_begin(struct jsonw *w)
{
    open_container(w, '[');
}

void jsonw_array_end(struct jsonw *w)
{
    close_container(w, ']');
}

void jsonw_key(struct jsonw *w, const char *key)
{
    assert(!w->after_key);
    before_value(w);
    jsonw_put_str(w->out, key);
    buf_putc(w->out, ':');
    w->after_key = true;
}

void jsonw_string(struct jsonw *w, const char *s)
{
    before_value(w);
    jsonw_put_str(w->out, s);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    before_value(w);
    jsonw_put_int(w->out, v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    before_value(w);
    jsonw_put_bool(w->out, v);
}

void jsonw_null(struct jsonw *w)
{
    before_value(w);
    jsonw_put_null(w->out);
}

void jsonw_time(struct jsonw *w, int64_t t)
{
    before_value(w);
    jsonw_put_time(w->out, t);
}
