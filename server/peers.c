/* peers: a chained hash table of per-peer connection counts. */
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sodium.h>
#include <uv.h>

#include "peers.h"

#define PEERS_MIN_BUCKETS 64

int peer_table_init(struct peer_table *t)
{
    memset(t, 0, sizeof(*t));
    t->buckets = calloc(PEERS_MIN_BUCKETS, sizeof(*t->buckets));
    if (t->buckets == NULL)
        return UV_ENOMEM;
    t->mask = PEERS_MIN_BUCKETS - 1;
    _Static_assert(sizeof(t->hash_key) == crypto_shorthash_KEYBYTES,
                   "SipHash takes a 16-byte key");
    /* sodium_init() is idempotent; it fails only where no random source
     * exists at all, and then randombytes_buf() aborts by itself. */
    (void)sodium_init();
    randombytes_buf(t->hash_key, sizeof(t->hash_key));
    return 0;
}

void peer_table_fini(struct peer_table *t)
{
    for (size_t i = 0; t->buckets != NULL && i <= t->mask; i++) {
        struct peer *p = t->buckets[i];
        while (p != NULL) {
            struct peer *next = p->next;
            free(p);
            p = next;
        }
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

void peer_key_of(const struct sockaddr *sa, struct peer_key *out)
{
    memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        out->family = AF_INET;
        out->len = 4;
        memcpy(out->bytes, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6 &&
               IN6_IS_ADDR_V4MAPPED(
                   &((const struct sockaddr_in6 *)sa)->sin6_addr)) {
        /* An IPv4 peer on a dual-stack socket (RFC 4291, 2.5.5.2): its
         * last 4 bytes are the IPv4 address, counted as one. */
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        out->family = AF_INET;
        out->len = 4;
        memcpy(out->bytes, in6->sin6_addr.s6_addr + 12, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        out->family = AF_INET6;
        out->len = 8; /* the /64 prefix; see peers.h */
        memcpy(out->bytes, &in6->sin6_addr, 8);
    }
}

static uint64_t hash_of(const struct peer_table *t, const struct peer_key *k)
{
    unsigned char in[2 + sizeof(k->bytes)];
    unsigned char h[crypto_shorthash_BYTES];
    in[0] = k->family;
    in[1] = k->len;
    memcpy(in + 2, k->bytes, sizeof(k->bytes));
    crypto_shorthash(h, in, sizeof(in), t->hash_key);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    return v;
}

static bool key_eq(const struct peer_key *a, const struct peer_key *b)
{
    return a->family == b->family && a->len == b->len &&
           memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* Doubles the buckets; on failure the table stays as it is (only slower). */
static void grow(struct peer_table *t)
{
    size_t n = (t->mask + 1) * 2;
    struct peer **b = calloc(n, sizeof(*b));
    if (b == NULL)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        struct peer *p = t->buckets[i];
        while (p != NULL) {
            struct peer *next = p->next;
            size_t j = p->hash & (n - 1);
            p->next = b[j];
            b[j] = p;
            p = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->mask = n - 1;
}

struct peer *peer_get(struct peer_table *t, const struct peer_key *key)
{
    uint64_t h = hash_of(t, key);
    for (struct peer *p = t->buckets[h & t->mask]; p != NULL; p = p->next)
        if (p->hash == h && key_eq(&p->key, key))
            return p;
    struct peer *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->key = *key;
    p->hash = h;
    /* A load factor of one keeps chains short on average. */
    if (t->count + 1 > t->mask + 1)
        grow(t);
    struct peer **slot = &t->buckets[h & t->mask];
    p->next = *slot;
    *slot = p;
    t->count++;
    return p;
}

void peer_release(struct peer_table *t, struct peer *p)
{
    if (p == NULL || p->served > 0 || p->refused > 0)
        return;
    struct peer **slot = &t->buckets[p->hash & t->mask];
    while (*slot != NULL && *slot != p)
        slot = &(*slot)->next;
    if (*slot == p)
        *slot = p->next;
    t->count--;
    free(p);
}
