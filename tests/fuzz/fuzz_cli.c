/* fuzz_cli: the command line's option parser (server/cli/opts.c,
 * cli_opts_parse) and its time parser (store/timeutil.c,
 * time_parse_iso8601) over arbitrary bytes. The input is two bytes of
 * allowed-option bits and then the arguments, separated by NUL bytes.
 * A parse must account for every word (positional, option, or value),
 * take only allowed options, and point only into the argument words; a
 * time that parses must format back to itself (time_iso8601) when its
 * year has four digits. */
#include <stdlib.h>
#include <string.h>

#include "../../server/cli/cli.h"
#include "../../store/common/timeutil.h"
#include "fuzz.h"

#define MAX_WORDS 64

static int64_t first_t, last_t; /* 0000-01-01 and 9999-12-31 23:59:59 */

/* True if p points into one of the words. */
static bool in_words(const char *p, char **argv, int argc)
{
    for (int i = 0; i < argc; i++)
        if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
            return true;
    return false;
}

static void check_time(const char *s)
{
    int64_t t = 0;
    if (s == NULL || time_parse_iso8601(s, &t) != 0)
        return;
    if (t < first_t || t > last_t)
        return; /* a late offset can move 9999-12-31 into year 10000 */
    char out[TIME_BUFSZ];
    int64_t back = 0;
    time_iso8601(t, out);
    FUZZ_CHECK(time_parse_iso8601(out, &back) == 0 && back == t);
    time_iso8601_ms(t, out);
    FUZZ_CHECK(time_parse_iso8601(out, &back) == 0 && back == t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    fuzz_quiet_stderr(); /* every refusal prints "outpost: ..." */
    first_t = time_from_utc(0, 1, 1, 0, 0, 0);
    last_t = time_from_utc(9999, 12, 31, 23, 59, 59);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned allowed = (unsigned)data[0] | (unsigned)data[1] << 8;
    char *text = malloc(size - 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    for (char *p = text; argc < MAX_WORDS && p < text + (size - 2) + 1;
         p += strlen(p) + 1)
        argv[argc++] = p;
    if (size == 2)
        argc = 0;
    argv[argc] = NULL;

    struct cli_opts o;
    int rc = cli_opts_parse(&o, "fuzz", argc, argv, allowed);
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc == 0) {
        FUZZ_CHECK((o.seen & ~allowed) == 0);
        FUZZ_CHECK(o.n_args + o.n_services <= (size_t)argc);
        FUZZ_CHECK(o.json == ((o.seen & CLI_OPT_JSON) != 0));
        FUZZ_CHECK(o.open == ((o.seen & CLI_OPT_OPEN) != 0));
        FUZZ_CHECK(o.demo == ((o.seen & CLI_OPT_DEMO) != 0));
        FUZZ_CHECK(o.merge == ((o.seen & CLI_OPT_MERGE) != 0));
        FUZZ_CHECK((o.n_services > 0) == ((o.seen & CLI_OPT_SERVICE) != 0));
        const char *values[] = {o.title,    o.name,   o.group,  o.description,
                                o.position, o.impact, o.status, o.body,
                                o.author,   o.start,  o.end,    o.at};
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            FUZZ_CHECK(values[i] == NULL || in_words(values[i], argv, argc));
            check_time(values[i]);
        }
        for (size_t i = 0; i < o.n_services; i++)
            FUZZ_CHECK(in_words(o.services[i], argv, argc));
        for (size_t i = 0; i < o.n_args; i++) {
            FUZZ_CHECK(in_words(o.args[i], argv, argc));
            check_time(o.args[i]);
        }
    }
    cli_opts_free(&o);
    for (int i = 0; i < argc; i++)
        check_time(argv[i]);
    free(text);
    return 0;
}
