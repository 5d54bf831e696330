/* fuzz: what the libFuzzer targets in tests/fuzz/ share (fuzzlib.c).
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput for one reader of
 * untrusted bytes; build.zig links it with every source of the project and
 * clang's -fsanitize=fuzzer,address,undefined. A target reports a broken
 * promise of the code it drives with FUZZ_CHECK, which aborts, so that
 * libFuzzer keeps the input as a crash like any sanitizer report.
 */
#ifndef OUTPOST_FUZZ_H
#define OUTPOST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../protocols/proto.h"
#include "../../store/snapshot.h"

/* The fixed clock of every target: the unit tests' fixture time,
 * 2026-11-18 11:06:40 UTC (also set as OUTPOST_NOW by fuzz_setup). */
#define FUZZ_NOW 1795000000

/* The API tokens the protocol targets' snapshots know: a valid one and a
 * revoked one (each "op_" and 64 hex digits), named "fuzz" and "gone". */
#define FUZZ_TOKEN                                                             \
    "op_0000000000000000000000000000000000000000000000000000000000000000"
#define FUZZ_REVOKED_TOKEN                                                     \
    "op_1111111111111111111111111111111111111111111111111111111111111111"

/* Where fuzz_fail writes: stderr, or the stream stderr was before a target
 * silenced stderr for the code it drives (fuzz_quiet_stderr). */
extern FILE *fuzz_report;

/* Prints "file:line: broken: what" and aborts. */
_Noreturn void fuzz_fail(const char *file, int line, const char *what);
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)

/* Once per process, from LLVMFuzzerInitialize: pins the clock
 * (OUTPOST_NOW), so a replayed input takes the same path. */
void fuzz_setup(void);
/* Points the C stream stderr at /dev/null, for code that prints a line on
 * every refusal (the CLI); fuzz_report, libFuzzer and the sanitizers keep
 * writing to file descriptor 2. */
void fuzz_quiet_stderr(void);

/* The snapshots the protocol targets answer from, built on first use and
 * kept for the life of the process (so LeakSanitizer sees them reachable):
 *   0  the demo ISP (store_demo at FUZZ_NOW into an in-memory store, then
 *      store_load, as the server builds it), display zone America/New_York
 *      when tzdata has it;
 *   1  the unit tests' fixture (tests/unit/fixture.h: hostile titles and
 *      bodies), UTC only;
 *   2  the fixture's empty site: no services, no posts.
 * Each has the site of the golden files (status.example.net, ports 80, 70
 * and 79), the two tokens above, and every view rendered. */
#define FUZZ_N_SNAPSHOTS 3
const struct snapshot *fuzz_snapshot(int i);
/* fuzz_setup(), then every snapshot built: a protocol target's whole
 * LLVMFuzzerInitialize, so the first input does not pay for the builds. */
void fuzz_setup_snapshots(void);

/* A target's check of one reply, called before it is "written". */
typedef void (*fuzz_reply_check)(const struct reply *r, enum proto_result res);

/* Plays server/conn.c for protocol p over one input:
 *   byte 0    bits 0-1: the first snapshot (mod FUZZ_N_SNAPSHOTS);
 *             bit 2: take the next snapshot wherever conn.c may take a
 *             newer one (after each reply, after each wait for bytes);
 *             bits 3-4: how the connection ends once the bytes are in:
 *             0 the peer's EOF, 1 the read deadline, 2 nothing (the
 *             server closes it), 3 it is refused by the connection caps
 *             (busy(), no bytes read);
 *   byte 1    the result handed to on_command_done for a PROTO_COMMAND:
 *             bits 0-2 rc (0 or a store error), bits 3-5 the id, bits 6-7
 *             the message;
 *   bytes 2-7 chunk sizes, used in turn: b bytes arrive in one read, or
 *             everything left when b is 0;
 *   the rest  the bytes the peer sends.
 * Like conn.c it drops `consumed` bytes after each on_data, answers
 * on_limit at max_request (or the 128 KiB hard cap, to which it also
 * truncates input), stops reading while a command runs, frees each
 * command (store_command_free) instead of running it, and frees what
 * conn.c frees, so that a leak here is a leak in the server. Inputs of
 * fewer than 8 bytes are ignored. */
void fuzz_proto_run(const struct proto *p, const uint8_t *data, size_t size,
                    fuzz_reply_check check);

/* Checks that a reply's log text is NUL-terminated printable ASCII, as
 * reply_set_log promises, and reads every byte of the reply so that
 * AddressSanitizer sees a body that points outside its snapshot. */
void fuzz_check_reply_memory(const struct reply *r);

#endif
