#include "proto.h"

#include <string.h>

void reply_reset(struct reply *r)
{
    buf_reset(&r->head);
    buf_reset(&r->tail);
    r->body = NULL;
    r->body_len = 0;
    r->log[0] = '\0';
    r->status = 0;
}

void reply_free(struct reply *r)
{
    buf_free(&r->head);
    buf_free(&r->tail);
    r->body = NULL;
    r->body_len = 0;
}

size_t reply_len(const struct reply *r)
{
    return r->head.len + r->body_len + r->tail.len;
}

void reply_set_log(struct reply *r, const char *what, size_t len)
{
    size_t j = 0;
    if (r->no_log)
        len = 0;
    /* Log lines must not carry a peer's terminal escapes or fake new lines;
     * anything outside printable ASCII becomes '?'. */
    for (size_t i = 0; i < len && j + 1 < sizeof(r->log); i++) {
        unsigned char c = (unsigned char)what[i];
        r->log[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    r->log[j] = '\0';
}

enum proto_line proto_first_line(const char *in, size_t len, size_t max,
                                 bool at_eof, size_t *line_len)
{
    size_t scan = len < max ? len : max;
    /* memchr may not be given a NULL buffer, even for 0 bytes. */
    const char *lf = scan > 0 ? memchr(in, '\n', scan) : NULL;
    if (lf != NULL) {
        *line_len = (size_t)(lf - in);
        return PROTO_LINE_DONE;
    }
    if (len >= max)
        return PROTO_LINE_TOO_LONG;
    if (!at_eof)
        return PROTO_LINE_MORE;
    *line_len = len;
    return PROTO_LINE_DONE;
}
