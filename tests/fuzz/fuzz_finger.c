/* fuzz_finger: finger (protocols/finger.c through finger_proto) over
 * arbitrary bytes in arbitrary reads, played as server/conn.c plays it
 * (fuzz.h, fuzz_proto_run). Every reply must be what README.md promises of
 * finger: 7-bit ASCII text in CRLF lines with no other control byte, at
 * most 64 KiB, and never a byte of the query echoed back outside a view
 * (the only per-query text is a fixed line naming the server's host). */
#include <string.h>

#include "../../protocols/proto.h"
#include "fuzz.h"

#define FINGER_REPLY_MAX (64 * 1024)

static void check_text(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        FUZZ_CHECK(c < 0x7f && (c >= 0x20 || c == '\r' || c == '\n'));
        if (c == '\r')
            FUZZ_CHECK(i + 1 < n && t[i + 1] == '\n');
        if (c == '\n')
            FUZZ_CHECK(i > 0 && t[i - 1] == '\r');
    }
}

static void check_finger(const struct reply *r, enum proto_result res)
{
    FUZZ_CHECK(res == PROTO_REPLY_CLOSE);
    FUZZ_CHECK(reply_len(r) > 0 && reply_len(r) <= FINGER_REPLY_MAX);
    check_text(r->head.data, r->head.len);
    check_text(r->body, r->body_len);
    check_text(r->tail.data, r->tail.len);
    if (r->head.len > 0) {
        /* A made-up line: one of the fixed ones, with the host at most. */
        const char *h = r->head.data;
        FUZZ_CHECK(r->body_len == 0 && r->tail.len == 0);
        FUZZ_CHECK(strncmp(h, "finger: ", 8) == 0);
        FUZZ_CHECK(memchr(h, '\n', r->head.len) == h + r->head.len - 1);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup_snapshots();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&finger_proto, data, size, check_finger);
    return 0;
}
