/* fuzz_http: HTTP (protocols/http.c through http_proto, the write API
 * included) over arbitrary bytes in arbitrary reads, played as
 * server/conn.c plays it (fuzz.h, fuzz_proto_run, says how the input is
 * read). Every reply must be one well-formed HTTP/1.1 message head: a
 * status line whose code is the logged status, CRLF-terminated field
 * lines with no other control byte (no header injection from a URL, a
 * header or a store message), and a Content-Length that frames exactly the
 * bytes sent, so that keep-alive and pipelining stay in step. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "fuzz.h"

/* The value of field `name` (with its ": ") in the head, or NULL. */
static const char *field(const char *h, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + 2 + k <= n; i++) {
        if (h[i] == '\r' && h[i + 1] == '\n' && memcmp(h + i + 2, name, k) == 0)
            return h + i + 2 + k;
    }
    return NULL;
}

static void check_http(const struct reply *r, enum proto_result res)
{
    const char *h = r->head.data;
    size_t n = r->head.len;
    FUZZ_CHECK(n >= 17 && memcmp(h, "HTTP/1.1 ", 9) == 0);
    FUZZ_CHECK(h[9] >= '1' && h[9] <= '5' && h[10] >= '0' && h[10] <= '9' &&
               h[11] >= '0' && h[11] <= '9' && h[12] == ' ');
    int code = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    FUZZ_CHECK(r->status == 0 || r->status == code);
    FUZZ_CHECK(memcmp(h + n - 4, "\r\n\r\n", 4) == 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\r' || c == '\n');
        FUZZ_CHECK(c != 0x7f);
        if (c == '\r')
            FUZZ_CHECK(i + 1 < n && h[i + 1] == '\n');
        if (c == '\n')
            FUZZ_CHECK(i > 0 && h[i - 1] == '\r');
        /* The head ends at its first empty line, and only there. */
        if (i + 4 < n)
            FUZZ_CHECK(memcmp(h + i, "\r\n\r\n", 4) != 0);
    }
    size_t sent = r->body_len + r->tail.len;
    const char *cl = field(h, n, "Content-Length: ");
    if (cl == NULL) {
        FUZZ_CHECK(sent == 0);
    } else {
        char *end;
        unsigned long long want = strtoull(cl, &end, 10);
        FUZZ_CHECK(end != cl && *end == '\r');
        /* A reply to HEAD, or a 304, announces the length and sends
         * nothing (RFC 9110 sections 8.6 and 15.4.5). */
        FUZZ_CHECK(sent == want || sent == 0);
        if (code == 304 || code == 204)
            FUZZ_CHECK(sent == 0);
    }
    const char *conn = field(h, n, "Connection: ");
    FUZZ_CHECK(conn != NULL);
    bool close = strncmp(conn, "close\r\n", 7) == 0;
    FUZZ_CHECK(close || strncmp(conn, "keep-alive\r\n", 12) == 0);
    /* The server keeps a connection open exactly when it says so. */
    FUZZ_CHECK(close == (res == PROTO_REPLY_CLOSE));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup_snapshots();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&http_proto, data, size, check_http);
    return 0;
}
