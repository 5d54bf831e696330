/* tune: what keeps a long-lived server kind to the box it runs on: a loop
 * thread that gets a core soon after it wakes, pool threads that yield to
 * it, and memory given back once freed.
 */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
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

/* The loop's time slice under Linux's EEVDF scheduler (6.6 and later):
 * a task that asks for a shorter slice gets an earlier virtual deadline,
 * so when it wakes it preempts a task that runs a longer one (since 6.12,
 * which reads sched_attr.sched_runtime as the slice of a SCHED_OTHER task,
 * sched(7)). The loop's work per wakeup is tens of microseconds, so a short
 * slice costs it nothing; without it, a client's request that wakes the
 * loop while a CPU-bound process (a CLI write, another server) holds its
 * core waits up to that process's slice, a few milliseconds. Older kernels
 * ignore the field. The kernel's bounds are 0.1 to 100 ms. */
#define LOOP_SLICE_NS (200 * 1000)

/* sched_setattr(2)'s argument, its first version (48 bytes, which every
 * kernel since 3.14 takes); glibc has no wrapper and the kernel's header
 * clashes with glibc's <sched.h>. */
struct fair_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

/* SCHED_OTHER at the thread's nice value, with this slice (0: the
 * kernel's default). Best effort: 0, or -1 where the call is refused. */
static int set_fair(id_t tid, int nice, uint64_t slice_ns)
{
    struct fair_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.sched_policy = SCHED_OTHER;
    a.sched_nice = nice;
    a.sched_runtime = slice_ns;
    return (int)syscall(SYS_sched_setattr, (pid_t)tid, &a, 0);
}

static int thread_nice(id_t tid, int *nice)
{
    errno = 0;
    *nice = getpriority(PRIO_PROCESS, tid);
    return errno == 0 ? 0 : -1;
}

void server_loop_thread(void)
{
    id_t tid = (id_t)syscall(SYS_gettid);
    int nice;
    if (thread_nice(tid, &nice) == 0)
        (void)set_fair(tid, nice, LOOP_SLICE_NS);
}

void server_background_thread(void)
{
    static _Thread_local bool done;
    if (done)
        return;
    done = true;
    /* Best effort: failing to lower a priority changes nothing else. A
     * pool thread inherits the loop's short slice from the thread that
     * started it; it goes back to the default one with the lower nice. */
    id_t tid = (id_t)syscall(SYS_gettid);
    int now;
    if (thread_nice(tid, &now) < 0)
        return;
    int nice = now < BACKGROUND_NICE ? BACKGROUND_NICE : now;
    if (set_fair(tid, nice, 0) < 0 && nice != now)
        (void)setpriority(PRIO_PROCESS, tid, nice);
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
