/* protodrive: feeds a request to a protocol (protocols/proto.h) the way
 * server/conn.c does, with no socket, for the finger and Gopher tests.
 *
 *   struct buf wire = BUF_INIT;
 *   enum proto_result r =
 *       protodrive_all(&finger_proto, snap, "status\r\n", 8, false, &wire);
 *   CHECK_INT(r, PROTO_REPLY_CLOSE);   // wire holds the reply's bytes
 *   buf_free(&wire);
 *
 * A protocol must answer alike however its input is split across reads
 * (TCP is a byte stream with no message boundaries, RFC 9293 §2.2), so
 * protodrive_all() runs every request several ways and CHECKs that they agree.
 */
#ifndef OUTPOST_PROTODRIVE_H
#define OUTPOST_PROTODRIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../protocols/proto.h"
#include "../../store/common/buf.h"
#include "../../store/snapshot.h"

/* A PROTO_JOB is run at once on this thread, as server/ would run it on
 * the thread pool, without a database (job->run gets db_path NULL), then
 * answered with on_job_done() given protodrive_job_status: 0 (it ran), or
 * UV_EBUSY / UV_ECANCELED (it did not run: the busy answer). */
extern int protodrive_job_status;

/* Feeds req[0..n) to p in reads ending at cuts[0..ncuts) (ascending, each
 * in 1..n-1) and a last read up to n, as conn.c does: on_data after every
 * read, on_limit once the unconsumed input reaches max_request, on_eof at
 * the end if eof and the protocol still wants more. The reply's bytes as
 * they would go on the wire replace wire's content. Returns the last
 * result; CHECKs that on_data never consumes more than it was given, that
 * on_limit closes, and that the log text has no control byte. */
enum proto_result protodrive_once(const struct proto *p,
                                  const struct snapshot *snap, const char *req,
                                  size_t n, const size_t *cuts, size_t ncuts,
                                  bool eof, struct buf *wire);

/* Runs req whole (that run's result and bytes are returned, in wire), then
 * one byte at a time and in 20 pseudo-random splits from a fixed seed (so
 * every run of the tests is the same), CHECKing that each run gives the
 * same result and the same bytes. */
enum proto_result protodrive_all(const struct proto *p,
                                 const struct snapshot *snap, const char *req,
                                 size_t n, bool eof, struct buf *wire);

#endif
