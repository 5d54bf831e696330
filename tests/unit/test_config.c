/* Unit tests for server/config.c: addresses, settings, config files. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../server/server.h"
#include "testlib.h"

TEST(parse_addresses)
{
    static const struct {
        const char *text;
        int ok;
        int family;
        int port;
    } cases[] = {
        {"127.0.0.1:7080", 1, AF_INET, 7080}, /* the default form */
        {"[::1]:70", 1, AF_INET6, 70},        /* IPv6 literal */
        {"[::]:79", 1, AF_INET6, 79},         /* IPv6 any */
        {":8080", 1, AF_INET, 8080},          /* empty host = any IPv4 */
        {"0.0.0.0:0", 1, AF_INET, 0},         /* port 0: kernel picks */
        {"127.0.0.1", 0, 0, 0},               /* no port */
        {"127.0.0.1:", 0, 0, 0},              /* empty port */
        {"127.0.0.1:65536", 0, 0, 0},         /* port out of range */
        {"127.0.0.1:80x", 0, 0, 0},           /* trailing junk */
        {"[::1:70", 0, 0, 0},                 /* unclosed bracket */
        {"::1:70", 0, 0, 0},                  /* v6 without brackets */
        {"example.net:80", 0, 0, 0},          /* names are not resolved */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sockaddr_storage ss;
        int rc = config_parse_addr(cases[i].text, &ss);
        if (!cases[i].ok) {
            CHECK_INT(rc, UV_EINVAL);
            continue;
        }
        CHECK_INT(rc, 0);
        CHECK_INT(ss.ss_family, cases[i].family);
        int port = ss.ss_family == AF_INET6
                       ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        CHECK_INT(port, cases[i].port);
    }
}

TEST(set_keys)
{
    struct serve_config c;
    char err[200];
    config_defaults(&c);
    CHECK_STR(c.http_addr, "127.0.0.1:7080");
    CHECK_STR(c.gopher_addr, "127.0.0.1:7070");
    CHECK_STR(c.finger_addr, "127.0.0.1:7079");
    CHECK_INT(config_set(&c, "gopher", "[::1]:70", err, sizeof(err)), 0);
    CHECK_STR(c.gopher_addr, "[::1]:70");
    CHECK_INT(config_set(&c, "finger", "off", err, sizeof(err)), 0);
    CHECK_STR(c.finger_addr, "");
    CHECK_INT(config_set(&c, "max_age", "30", err, sizeof(err)), 0);
    CHECK_INT(c.max_age, 30);
    CHECK_STR(c.page_id, "");
    CHECK_INT(config_set(&c, "page_id", "noc-main_2", err, sizeof(err)), 0);
    CHECK_STR(c.page_id, "noc-main_2");
    /* A public URL per protocol: its host and port are what is advertised. */
    CHECK_INT(config_set(&c, "public_gopher_url", "gopher://g.example.net:7070",
                         err, sizeof(err)),
              0);
    CHECK_STR(c.gopher_host, "g.example.net");
    CHECK_INT(c.gopher_public_port, 7070);
    CHECK_INT(config_set(&c, "public_finger_url", "finger://[2001:db8::1]/",
                         err, sizeof(err)),
              0);
    CHECK_STR(c.finger_host, "[2001:db8::1]");
    CHECK_INT(c.finger_public_port, 79);
    CHECK_INT(config_set(&c, "public_gopher_url", "http://g.example.net", err,
                         sizeof(err)),
              UV_EINVAL);
    CHECK_INT(
        config_set(&c, "public_gopher_url", "gopher://g\tx", err, sizeof(err)),
        UV_EINVAL);
    CHECK_INT(
        config_set(&c, "public_gopher_url", "gopher://g:0", err, sizeof(err)),
        UV_EINVAL);
    CHECK_STR(c.gopher_host, "g.example.net");
    CHECK_INT(config_set(&c, "public_http_url", "https://s.example.net", err,
                         sizeof(err)),
              0);
    CHECK_STR(c.base_url, "https://s.example.net");
    CHECK_INT(config_set(&c, "page_id", "a b", err, sizeof(err)), UV_EINVAL);
    CHECK(strstr(err, "page_id: expected 1 to 32") != NULL);
    CHECK_INT(config_set(&c, "page_id", "", err, sizeof(err)), UV_EINVAL);
    CHECK_STR(c.page_id, "noc-main_2");
    /* The user to run as: none unless given (serve refuses root then). */
    CHECK_STR(c.user, "");
    CHECK_INT(config_set(&c, "user", "outpost", err, sizeof(err)), 0);
    CHECK_STR(c.user, "outpost");
    CHECK_INT(config_set(&c, "user", "out\npost", err, sizeof(err)), UV_EINVAL);
    CHECK_STR(c.user, "outpost");
    /* Refusals keep the old value and say why. */
    CHECK_INT(config_set(&c, "max_age", "-1", err, sizeof(err)), UV_EINVAL);
    CHECK_INT(c.max_age, 30);
    CHECK_INT(config_set(&c, "http", "nonsense", err, sizeof(err)), UV_EINVAL);
    CHECK_STR(c.http_addr, "127.0.0.1:7080");
    CHECK_INT(config_set(&c, "colour", "blue", err, sizeof(err)), UV_EINVAL);
    CHECK(strstr(err, "unknown setting") != NULL);
    CHECK_INT(config_set(&c, "name", "bad\x1bname", err, sizeof(err)),
              UV_EINVAL);
    /* What a refusal echoes of the input is one line of plain text: no
     * terminal escape, no CR that would overwrite the line (from a
     * config file or --set). */
    CHECK_INT(config_set(&c, "http", "1\x1b[2J\r\tx", err, sizeof(err)),
              UV_EINVAL);
    CHECK_STR(err, "http: expected ADDR:PORT, [IPV6]:PORT or off, got "
                   "'1?[2J??x'");
    CHECK_INT(config_set(&c, "col\rour\x7f", "blue", err, sizeof(err)),
              UV_EINVAL);
    CHECK_STR(err, "unknown setting 'col?our?'");
}

TEST(config_file)
{
    char path[] = "/tmp/outpost-config-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\n\nhostname = status.example.net\n"
          "name = \"Example Net status\"\n  gopher_public_port=70  \n",
          f);
    fclose(f);
    struct serve_config c;
    char err[300];
    config_defaults(&c);
    CHECK_INT(config_load(&c, path, err, sizeof(err)), 0);
    CHECK_STR(c.hostname, "status.example.net");
    CHECK_STR(c.name, "Example Net status");
    CHECK_INT(c.gopher_public_port, 70);

    /* A bad line names the file and line. */
    f = fopen(path, "w");
    fputs("hostname = a\nthis line has no equals sign\n", f);
    fclose(f);
    CHECK_INT(config_load(&c, path, err, sizeof(err)), UV_EINVAL);
    CHECK(strstr(err, ":2:") != NULL);
    unlink(path);
    CHECK_INT(config_load(&c, "/nonexistent/outpost.conf", err, sizeof(err)),
              UV_ENOENT);
}

/* Writes text (len bytes) to a new temporary file; path gets its name. */
static void write_temp(char *path, const char *text, size_t len)
{
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, text, len) == (ssize_t)len);
    close(fd);
}

TEST(config_long_lines)
{
    /* A line is a line however long: the tail of a long comment is not
     * read as a setting of its own (it was, past 1023 bytes). */
    static char text[4096];
    size_t n = 0;
    text[n++] = '#';
    memset(text + n, ' ', 1100);
    n += 1100;
    n += (size_t)sprintf(text + n, "name = evil\nhostname = ok\n");
    char path[] = "/tmp/outpost-config-XXXXXX";
    write_temp(path, text, n);
    struct serve_config c;
    char err[300];
    config_defaults(&c);
    CHECK_INT(config_load(&c, path, err, sizeof(err)), 0);
    CHECK_STR(c.name, "Network status");
    CHECK_STR(c.hostname, "ok");
    unlink(path);

    /* A long value is refused once, on its own line. */
    n = (size_t)sprintf(text, "name = ");
    memset(text + n, 'x', 2000);
    n += 2000;
    text[n++] = '\n';
    char path2[] = "/tmp/outpost-config-XXXXXX";
    write_temp(path2, text, n);
    config_defaults(&c);
    CHECK_INT(config_load(&c, path2, err, sizeof(err)), UV_EINVAL);
    CHECK(strstr(err, ":1: name: value too long") != NULL);
    unlink(path2);

    /* The same text from memory, and a NUL byte, which no text file has:
     * refused with its line rather than cutting the line short. */
    config_defaults(&c);
    CHECK_INT(config_parse(&c, text, n, "mem", err, sizeof(err)), UV_EINVAL);
    CHECK(strstr(err, "mem:1: name: value too long") != NULL);
    static const char nul[] = "hostname = a\nname = b\0c\n";
    config_defaults(&c);
    CHECK_INT(config_parse(&c, nul, sizeof(nul) - 1, "mem", err, sizeof(err)),
              UV_EINVAL);
    CHECK(strstr(err, "mem:2: NUL byte") != NULL);
    /* No final newline, CRLF line ends and an empty text are fine. */
    static const char crlf[] = "hostname = a\r\nmax_age = 7";
    config_defaults(&c);
    CHECK_INT(config_parse(&c, crlf, sizeof(crlf) - 1, "mem", err, sizeof(err)),
              0);
    CHECK_STR(c.hostname, "a");
    CHECK_INT(c.max_age, 7);
    CHECK_INT(config_parse(&c, "", 0, "mem", err, sizeof(err)), 0);
}

int main(void)
{
    RUN(parse_addresses);
    RUN(set_keys);
    RUN(config_file);
    RUN(config_long_lines);
    return test_report();
}
