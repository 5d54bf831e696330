/* utf8: the one UTF-8 decoder and validator (RFC 3629), for every layer.
 *
 * Strict: a sequence is valid only in its shortest form, never a UTF-16
 * surrogate (U+D800..U+DFFF), never above U+10FFFF, and never cut short
 * by the end of the input. What each caller does with an invalid byte is
 * its own rule (refuse the text, print '?', write U+FFFD); deciding what
 * is valid is done here alone.
 */
#ifndef OUTPOST_UTF8_H
#define OUTPOST_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest encoding of one code point. */
#define UTF8_MAX 4

/* Decodes the sequence at s[0..n): its length in bytes (1..4), with the
 * code point in *cp (cp may be NULL), or 0 when the bytes there do not
 * start a valid sequence (or n is 0). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes cp (at most U+10FFFF, not a surrogate) into out; its length. */
size_t utf8_encode(uint32_t cp, char out[UTF8_MAX]);
/* True if all of s[0..n) is valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

#endif
