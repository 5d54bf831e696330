/* tune: what keeps a long-lived server kind to the box it runs on: pool
 * threads that yield to the loop, and memory given back once freed.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server.h"

/* How much less CPU a pool thread that builds or frees a snapshot or runs
 * a search gets than the loop when both want it: nice 10 weighs about a
 * tenth of nice 0 under Linux's scheduler (sched(7), "The nice value"), so
 * on a machine with fewer cores than busy threads the loop, which answers
 * every client, is not held up behind them. Linux keeps a nice value per
 * thread. An unprivileged thread cannot take the priority back (sched(7),
 * RLIMIT_NICE), so a pool thread stays there, and a write it runs later
 * runs there too: background work to the loop, as it is. */
#define BACKGROUND_NICE 10

void server_background_thread(void)
{
    static _Thread_local bool done;
    if (done)
        return;
    done = true;
    /* Best effort: failing to lower a priority changes nothing else. */
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int now = getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && now < BACKGROUND_NICE)
        (void)setpriority(PRIO_PROCESS, tid, BACKGROUND_NICE);
}

void server_memory_setup(void)
{
#ifdef M_MMAP_THRESHOLD
    (void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#endif
}

void server_memory_trim(void)
{
#ifdef __GLIBC__
    (void)malloc_trim(0);
#endif
}
