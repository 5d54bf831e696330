/* Unit tests for server/peers.c: the per-peer connection counts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../../server/peers.h"
#include "testlib.h"

static struct sockaddr_storage v4(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    inet_pton(AF_INET, text, &in->sin_addr);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &in6->sin6_addr);
    return ss;
}

static struct peer *get(struct peer_table *t, struct sockaddr_storage ss)
{
    struct peer_key k;
    peer_key_of((struct sockaddr *)&ss, &k);
    return peer_get(t, &k);
}

/* The same address finds the same entry; different ones do not. */
TEST(peers_identity)
{
    struct peer_table t;
    CHECK_INT(peer_table_init(&t), 0);
    struct peer *a = get(&t, v4("192.0.2.1"));
    struct peer *b = get(&t, v4("192.0.2.1"));
    struct peer *c = get(&t, v4("192.0.2.2"));
    CHECK(a != NULL && a == b);
    CHECK(c != NULL && c != a);
    CHECK_INT(t.count, 2);
    /* An entry with no connections is freed on release... */
    peer_release(&t, c);
    CHECK_INT(t.count, 1);
    /* ...one with connections is not. */
    a->served = 1;
    peer_release(&t, a);
    CHECK_INT(t.count, 1);
    CHECK(get(&t, v4("192.0.2.1")) == a);
    a->served = 0;
    a->refused = 1;
    peer_release(&t, a);
    CHECK_INT(t.count, 1);
    a->refused = 0;
    peer_release(&t, a);
    CHECK_INT(t.count, 0);
    peer_table_fini(&t);
}

/* IPv6 peers are counted per /64: addresses of one prefix are one peer,
 * another prefix is another; IPv4 and IPv6 never collide. */
TEST(peers_ipv6_prefix)
{
    struct peer_table t;
    CHECK_INT(peer_table_init(&t), 0);
    struct peer *a = get(&t, v6("2001:db8:1:2::1"));
    struct peer *b = get(&t, v6("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    struct peer *c = get(&t, v6("2001:db8:1:3::1"));
    struct peer *d = get(&t, v4("32.1.13.184")); /* 2001:0db8 as IPv4 */
    CHECK(a == b);
    CHECK(a != c);
    CHECK(d != a && d != c);
    CHECK_INT(t.count, 3);
    /* A socket address of another family is one peer of its own. */
    struct sockaddr_storage un;
    memset(&un, 0, sizeof(un));
    un.ss_family = AF_UNIX;
    struct peer *e = get(&t, un);
    CHECK(e != NULL && e != a && e != d);
    peer_table_fini(&t);
}

/* A dual-stack socket (systemd's ListenStream=80 makes one) sees IPv4
 * peers as IPv4-mapped IPv6 addresses (RFC 4291, 2.5.5.2), all in one /64:
 * each is counted as the IPv4 address it is, not as one shared prefix. */
TEST(peers_ipv4_mapped)
{
    struct peer_table t;
    CHECK_INT(peer_table_init(&t), 0);
    struct peer *a = get(&t, v6("::ffff:192.0.2.1"));
    struct peer *b = get(&t, v6("::ffff:192.0.2.2"));
    struct peer *c = get(&t, v4("192.0.2.1"));
    struct peer *d = get(&t, v6("::1"));
    CHECK(a != NULL && a != b);
    CHECK(a == c);
    CHECK(d != a && d != b);
    CHECK_INT(t.count, 3);
    peer_table_fini(&t);
}

/* Ten thousand distinct peers: every one is found again with its own
 * count after the table has grown, and all go away on release. */
TEST(peers_many)
{
    struct peer_table t;
    CHECK_INT(peer_table_init(&t), 0);
    enum { N = 10000 };
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof(text), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
                 i & 255);
        struct peer *p = get(&t, v4(text));
        CHECK(p != NULL);
        if (p != NULL)
            p->served = (uint32_t)i + 1;
    }
    CHECK_INT(t.count, N);
    CHECK(t.mask + 1 >= N); /* grown: chains stay short */
    size_t longest = 0;
    for (size_t b = 0; b <= t.mask; b++) {
        size_t n = 0;
        for (struct peer *p = t.buckets[b]; p != NULL; p = p->next)
            n++;
        if (n > longest)
            longest = n;
    }
    CHECK(longest < 12); /* SipHash spreads sequential addresses */
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof(text), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
                 i & 255);
        struct peer *p = get(&t, v4(text));
        if (p == NULL || p->served != (uint32_t)i + 1)
            wrong++;
        if (p != NULL) {
            p->served = 0;
            peer_release(&t, p);
        }
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(t.count, 0);
    peer_table_fini(&t);
}

int main(void)
{
    RUN(peers_identity);
    RUN(peers_ipv6_prefix);
    RUN(peers_ipv4_mapped);
    RUN(peers_many);
    return test_report();
}
