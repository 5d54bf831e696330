/* fuzz_gopher: Gopher (protocols/gopher.c through gopher_proto) over
 * arbitrary bytes in arbitrary reads, played as server/conn.c plays it
 * (fuzz.h, fuzz_proto_run). A reply made for the request (an error, a
 * search result, the Gopher+ stub) must be a menu of RFC 1436 lines: each
 * CRLF-terminated with exactly four TAB-separated fields, no other control
 * byte, closed by a line holding only "." (the Gopher+ stub: the same
 * but for its attribute lines), whatever the selector held. */
#include <stdbool.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "fuzz.h"

/* CRLF lines, no other control byte than TAB, ending in a "." line; with
 * `fields`, every other line has exactly four TAB-separated fields. */
static void check_menu(const char *m, size_t n, bool fields)
{
    FUZZ_CHECK(n >= 3 && memcmp(m + n - 3, ".\r\n", 3) == 0);
    size_t start = 0, tabs = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\r' || c == '\n');
        FUZZ_CHECK(c != 0x7f);
        if (c == '\t')
            tabs++;
        if (c == '\r')
            FUZZ_CHECK(i + 1 < n && m[i + 1] == '\n');
        if (c != '\n')
            continue;
        FUZZ_CHECK(i > 0 && m[i - 1] == '\r');
        bool last = i + 1 == n;
        if (last)
            FUZZ_CHECK(i - start == 2 && m[start] == '.');
        else
            FUZZ_CHECK(!fields || tabs == 3);
        start = i + 1;
        tabs = 0;
    }
}

static void check_gopher(const struct reply *r, enum proto_result res)
{
    const char *h = r->head.data;
    size_t n = r->head.len;
    if (n == 0) {
        /* A view of the snapshot, as rendered once for every client. */
        FUZZ_CHECK(r->body != NULL && r->tail.len == 0);
        return;
    }
    FUZZ_CHECK(r->body_len == 0 && r->tail.len == 0);
    /* The small HTML page of a URL: selector (RFC 4266 section 2.1)
     * is no menu. */
    if (h[0] == '<')
        return;
    /* The Gopher+ stub for the UMN client is a Gopher+ reply (a "+-1"
     * header, then attribute lines), not a plain menu. */
    bool plus = n >= 5 && memcmp(h, "+-1\r\n", 5) == 0;
    check_menu(h, n, !plus);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup_snapshots();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&gopher_proto, data, size, check_gopher);
    return 0;
}
