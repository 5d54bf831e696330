/* tune: what keeps a long-lived server kind to the box it runs on: pool
 * threads that yield to the loop, and memory given back once freed.
 */
#include <malloc.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server.h"

/* How much lower than the loop a pool thread runs: enough for the kernel
 * to prefer the loop when both are runnable, not so much that a build
 * starves behind other processes of the machine. */
#define BACKGROUND_NICE 5

void server_background_thread(void)
{
    static _Thread_local bool done;
    if (done)
        return;
    done = true;
    /* Best effort: failing to lower a priority changes nothing else. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), BACKGROUND_NICE);
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
