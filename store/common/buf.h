/* buf: a growable byte buffer, the one string builder every layer uses.
 *
 * A buf owns its bytes (malloc'd). It is always NUL-terminated after any
 * successful append, so buf.data can be handed to C string functions, but
 * the length is authoritative: bodies may contain NUL bytes.
 *
 * Allocation failure is sticky: once an append fails, buf.oom is set, further
 * appends are no-ops, and the caller checks buf_failed() once at the end. This
 * keeps renderers free of an error check after every line.
 */
#ifndef OUTPOST_BUF_H
#define OUTPOST_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated */
    bool oom;   /* an append failed; contents are truncated */
};

#define BUF_INIT                                                               \
    {                                                                          \
        NULL, 0, 0, false                                                      \
    }

/* Appends len bytes from p. */
void buf_append(struct buf *b, const void *p, size_t len);
/* Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);
/* Appends one byte: inline while it fits, since renderers write text a
 * character at a time. */
void buf_putc_slow(struct buf *b, char c);
static inline void buf_putc(struct buf *b, char c)
{
    if (!b->oom && b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
    } else {
        buf_putc_slow(b, c);
    }
}
/* Appends printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Makes sure at least extra more bytes fit without reallocating. */
void buf_reserve(struct buf *b, size_t extra);
/* Drops the first n bytes (n <= len), keeping the rest. */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
/* Returns true if any append failed. */
bool buf_failed(const struct buf *b);
/* Frees the memory and returns the buf to BUF_INIT. */
void buf_free(struct buf *b);
/* Hands the bytes to the caller (who must free() them) and resets b.
 * Returns NULL if the buffer is empty or failed (after freeing it). */
char *buf_steal(struct buf *b, size_t *len_out);

#endif
