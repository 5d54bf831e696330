/* peers: the open connections counted per peer, for the per-address cap.
 *
 * A hash table keyed by the peer's address, so that an accept costs the
 * same whether one peer or ten thousand are connected. The hash is
 * SipHash-2-4 (libsodium's crypto_shorthash) under a key drawn at start:
 * a peer that chooses its addresses (anyone with an IPv6 prefix) cannot
 * aim them all at one bucket and turn every accept into a list scan.
 *
 * IPv6 peers are counted per /64 prefix: one host or home is normally
 * given a whole /64 and can pick any address in it (RFC 8981 temporary
 * addresses do so on their own), so a cap on single addresses would not
 * hold a single IPv6 host back.
 */
#ifndef OUTPOST_PEERS_H
#define OUTPOST_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What a peer is counted by: 4 bytes of IPv4 address, or the first 8 of
 * an IPv6 one. */
struct peer_key {
    uint8_t family; /* AF_INET or AF_INET6 */
    uint8_t len;
    uint8_t bytes[8];
};

struct peer {
    struct peer *next; /* in its bucket */
    struct peer_key key;
    uint64_t hash;
    uint32_t served;  /* open connections being served */
    uint32_t refused; /* refused connections still saying "busy" */
};

struct peer_table {
    struct peer **buckets;
    size_t mask; /* buckets - 1; the count of buckets is a power of two */
    size_t count;
    unsigned char hash_key[16];
};

/* Sets up an empty table with a fresh random hash key. 0 or UV_ENOMEM. */
int peer_table_init(struct peer_table *t);
/* Frees every entry and the buckets. */
void peer_table_fini(struct peer_table *t);
/* The key of a socket address (AF_INET or AF_INET6, an IPv4-mapped IPv6
 * address being its IPv4 one; anything else gets an empty key, which is
 * counted as one peer). */
void peer_key_of(const struct sockaddr *sa, struct peer_key *out);
/* Finds the entry of key, creating it with zero counts if there is none.
 * The entry stays at the same address until peer_release() frees it.
 * NULL when out of memory. */
struct peer *peer_get(struct peer_table *t, const struct peer_key *key);
/* Frees p if both of its counts are zero. */
void peer_release(struct peer_table *t, struct peer *p);

#endif
