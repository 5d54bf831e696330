/* arena: see arena.h. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t first)
{
    a->head = NULL;
    a->next_cap = 0;
    a->first = first == 0 || first > ARENA_CHUNK_MAX ? ARENA_CHUNK_MAX : first;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

    struct arena_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < size) {
        size_t regular = a->next_cap != 0 ? a->next_cap : a->first;
        /* A big allocation gets a chunk of its own, linked behind the
         * current one so the current chunk's free space is not lost. */
        bool own = size > regular / 4 && size > regular - sizeof(*c);
        size_t cap = own ? size : regular - sizeof(*c);
        while (!own && cap < size) /* a small first chunk, a bigger need */
            cap = cap * 2 + sizeof(*c);
        struct arena_chunk *n = malloc(sizeof(*n) + cap);
        if (n == NULL)
            return NULL;
        a->total += sizeof(*n) + cap;
        n->used = 0;
        n->cap = cap;
        if (own && c != NULL) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
            if (!own && regular < ARENA_CHUNK_MAX)
                a->next_cap = regular * 2 > ARENA_CHUNK_MAX ? ARENA_CHUNK_MAX
                                                            : regular * 2;
            else if (a->next_cap == 0)
                a->next_cap = regular;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_memdup(struct arena *a, const void *p, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = arena_alloc(a, len + 1);
    if (d == NULL)
        return NULL;
    if (len > 0)
        memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

void arena_release(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->next_cap = 0;
    a->total = 0;
}
