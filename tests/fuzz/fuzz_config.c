/* fuzz_config: the config file reader (server/config.c, config_parse)
 * and the address parser over arbitrary bytes. A refusal must be one line
 * of printable text naming the line; an accepted file must leave every
 * setting within the bounds config_set promises: text without control
 * bytes that fits its field, addresses that config_parse_addr reads (or
 * "" for off), numbers in their ranges. The same text with every line
 * commented out must apply nothing. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../server/server.h"
#include "../../store/common/buf.h"
#include "fuzz.h"

static void check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    FUZZ_CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void check_addr(const char *s, size_t cap)
{
    check_text(s, cap);
    struct sockaddr_storage ss;
    FUZZ_CHECK(s[0] == '\0' || config_parse_addr(s, &ss) == 0);
}

static void check_config(const struct serve_config *c)
{
    check_addr(c->http_addr, sizeof(c->http_addr));
    check_addr(c->gopher_addr, sizeof(c->gopher_addr));
    check_addr(c->finger_addr, sizeof(c->finger_addr));
    check_text(c->hostname, sizeof(c->hostname));
    check_text(c->name, sizeof(c->name));
    check_text(c->base_url, sizeof(c->base_url));
    check_text(c->time_zone, sizeof(c->time_zone));
    FUZZ_CHECK(c->http_public_port >= 0 && c->http_public_port <= 65535);
    FUZZ_CHECK(c->gopher_public_port >= 0 && c->gopher_public_port <= 65535);
    FUZZ_CHECK(c->finger_public_port >= 0 && c->finger_public_port <= 65535);
    FUZZ_CHECK(c->max_age >= 0 && c->max_age <= 86400);
    /* max_connections 0 is "auto": from the open-file limit. */
    FUZZ_CHECK(c->max_connections >= 0 && c->max_per_address >= 1);
    FUZZ_CHECK(c->backlog >= 1 && c->backlog <= 65535);
    FUZZ_CHECK(c->read_timeout_ms >= 0 && c->idle_timeout_ms >= 0);
    FUZZ_CHECK(c->reload_ms >= 50 && c->reload_ms <= 60000);
    FUZZ_CHECK(c->shutdown_grace_ms >= 0 && c->shutdown_grace_ms <= 600000);
    check_text(c->log_file, sizeof(c->log_file));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct serve_config c;
    char err[300] = "";
    config_defaults(&c);
    int rc = config_parse(&c, (const char *)data, size, "fuzz.conf", err,
                          sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == UV_EINVAL || rc == UV_ENOMEM);
    /* Even a refused file leaves what it applied before the bad line
     * within bounds. */
    check_config(&c);
    if (rc != 0) {
        check_text(err, sizeof(err));
        FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
    }

    /* Every line commented out: nothing applies, however long a line is
     * (a NUL byte is refused even in a comment). */
    if (memchr(data, '\0', size) == NULL) {
        struct buf commented = BUF_INIT;
        buf_putc(&commented, '#');
        for (size_t i = 0; i < size; i++) {
            buf_putc(&commented, (char)data[i]);
            if (data[i] == '\n')
                buf_putc(&commented, '#');
        }
        FUZZ_CHECK(!buf_failed(&commented));
        struct serve_config d, want;
        config_defaults(&d);
        config_defaults(&want);
        FUZZ_CHECK(config_parse(&d, commented.data, commented.len, "fuzz.conf",
                                err, sizeof(err)) == 0);
        FUZZ_CHECK(memcmp(&d, &want, sizeof(d)) == 0);
        buf_free(&commented);
    }

    /* The same bytes as one address, up to the first NUL. */
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    struct sockaddr_storage ss;
    rc = config_parse_addr(text, &ss);
    FUZZ_CHECK(rc == 0 || rc == UV_EINVAL);
    if (rc == 0)
        FUZZ_CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
    free(text);
    return 0;
}
