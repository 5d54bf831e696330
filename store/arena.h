/* arena: a bump allocator over a list of chunks, for memory that is made
 * once and freed at once (a snapshot's own data, one post's data). No
 * per-object free and no fragmentation; a chunk list per owner.
 *
 * Chunks grow: the first is `first` bytes and each next one twice the last,
 * up to ARENA_CHUNK_MAX, so that a small owner (one post of a few updates)
 * wastes little and a large one (a snapshot) needs few chunks. An
 * allocation bigger than a quarter of the chunk size gets a chunk of its
 * own. Not thread-safe: one thread fills an arena, and it is read-only
 * from then on.
 */
#ifndef OUTPOST_ARENA_H
#define OUTPOST_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#define ARENA_CHUNK_MAX 16384

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
    size_t next_cap; /* size of the next regular chunk; 0: not started */
    size_t first;    /* the first chunk's size */
    size_t total;    /* bytes malloc'd, for accounting */
};

/* An empty arena whose first chunk will be `first` bytes (0: the maximum). */
void arena_init(struct arena *a, size_t first);
/* Zeroed memory aligned for any type, living as long as the arena; NULL on
 * OOM. */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of len bytes of p; NULL on OOM. */
char *arena_memdup(struct arena *a, const void *p, size_t len);
/* Frees every chunk; the arena is empty (and reusable) afterwards. */
void arena_release(struct arena *a);

#endif
