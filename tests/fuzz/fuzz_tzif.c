/* fuzz_tzif: the TZif reader (store/tz.c, tz_load_mem) over arbitrary
 * bytes. The input is an instant (8 bytes, big-endian, two's complement)
 * and then the file. A file either loads or is refused with UV_EIO; a
 * zone that loads must answer every lookup and format at the instant,
 * around it and at fixed instants from 0000 to 9999 and beyond, within
 * the buffers tz.h sizes, with offsets inside RFC 8536's range, and keep
 * tz.h's promise: time_parse_iso8601(tz_format_iso8601(z, t)) == t for
 * every t whose UTC date has a four-digit year. */
#include <stdbool.h>
#include <string.h>

#include <uv.h>

#include "../../store/common/timeutil.h"
#include "../../store/common/tz.h"
#include "fuzz.h"

static int64_t first_t, last_t; /* 0000-01-01 and 9999-12-31 23:59:59 */

static void check_at(const struct tz *z, int64_t t)
{
    int off = 0;
    const char *abbr = NULL;
    bool dst = false;
    tz_lookup(z, t, &off, &abbr, &dst);
    FUZZ_CHECK(off >= -89999 && off <= 93599); /* RFC 8536 section 3.2 */
    FUZZ_CHECK(abbr != NULL && strlen(abbr) < 16);

    char human[TZ_HUMAN_MAX], local[TZ_HUMAN_MAX], offs[TZ_OFFSET_MAX];
    char iso[TIME_BUFSZ];
    tz_format_human(z, t, human);
    FUZZ_CHECK(strlen(human) < TZ_HUMAN_MAX);
    tz_format_local(z, t, true, local);
    FUZZ_CHECK(strlen(local) < TZ_HUMAN_MAX);
    tz_format_local(z, t, false, local);
    FUZZ_CHECK(strlen(local) < TZ_HUMAN_MAX);
    tz_format_offset(z, t, offs);
    FUZZ_CHECK(strncmp(offs, "UTC", 3) == 0 && strlen(offs) < TZ_OFFSET_MAX);
    (void)tz_local_day(z, t);
    tz_format_iso8601(z, t, iso);
    FUZZ_CHECK(strlen(iso) < TIME_BUFSZ);
    if (t < first_t || t > last_t)
        return;
    int64_t back = 0;
    int rc = time_parse_iso8601(iso, &back);
    if (rc != 0 || back != t)
        fprintf(fuzz_report, "t=%lld offset %d: \"%s\" reads back as %lld\n",
                (long long)t, off, iso, rc == 0 ? (long long)back : -1LL);
    FUZZ_CHECK(rc == 0 && back == t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    first_t = time_from_utc(0, 1, 1, 0, 0, 0);
    last_t = time_from_utc(9999, 12, 31, 23, 59, 59);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | data[i];
    int64_t t0 = (int64_t)u;
    struct tz *z = NULL;
    int rc = tz_load_mem("Fuzz/Zone", data + 8, size - 8, &z);
    FUZZ_CHECK(rc == 0 || rc == UV_EIO || rc == UV_ENOMEM);
    FUZZ_CHECK((rc == 0) == (z != NULL));
    if (z == NULL)
        return 0;
    FUZZ_CHECK(strcmp(tz_name(z), "Fuzz/Zone") == 0);
    static const int64_t fixed[] = {
        0,
        -1,
        1,
        FUZZ_NOW,
        INT32_MAX,
        INT32_MIN,
        4102444800,
        -2208988800,
        (int64_t)1 << 44,
        -((int64_t)1 << 44),
        INT64_MAX,
        INT64_MIN,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check_at(z, fixed[i]);
    check_at(z, first_t);
    check_at(z, last_t);
    /* The instant and its neighbourhood, where a transition may lie. */
    static const int64_t near[] = {0,      -1,    1,     -3600, 3600,
                                   -86400, 86400, -1800, 1800};
    for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
        if ((near[i] > 0 && t0 > INT64_MAX - near[i]) ||
            (near[i] < 0 && t0 < INT64_MIN - near[i]))
            continue;
        check_at(z, t0 + near[i]);
    }
    /* The instant read as a year: each of its days' starts and ends. */
    int year = (int)(u % 10000);
    for (int m = 1; m <= 12; m++) {
        check_at(z, time_from_utc(year, m, 1, 0, 0, 0));
        check_at(z, time_from_utc(year, m, 1, 0, 0, 0) - 1);
    }
    tz_free(z);
    return 0;
}
