/* snapkit: what the tests of the shared snapshot have in common (change
 * stamps, incremental loads, the view cache, paging, finger's history):
 * a database on a temporary file, the site they serve, the change stamps
 * read straight from the database, a seeded random source, and every view
 * of a protocol collected so that two snapshots can be compared key by
 * key, byte for byte.
 */
#ifndef OUTPOST_SNAPKIT_H
#define OUTPOST_SNAPKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../protocols/proto.h"
#include "../../store/snapshot.h"
#include "../../store/store.h"

/* ---- a database on a temporary file ----------------------------------- */

#define SNAPKIT_PATH_MAX 64
/* A fresh path under /tmp where no file is yet. */
void snapkit_tmp_path(char path[SNAPKIT_PATH_MAX]);
/* Removes the database at path and its -wal and -shm files. */
void snapkit_tmp_remove(const char *path);

/* ---- the site --------------------------------------------------------- */

/* The unit fixture's site (fixture.h) with the given page name, copied
 * into s's arena, as the server sets it before rendering. */
void snapkit_site(struct snapshot *s, const char *name);

/* store_load_from(st, now, base) with that site, sealed and prerendered
 * by every protocol, sharing cache (NULL: the snapshot's own). CHECKs
 * that it all worked; NULL if it did not. */
struct snapshot *snapkit_load(struct store *st, int64_t now,
                              const struct snapshot *base,
                              struct view_cache *cache, const char *name);

/* ---- change stamps, read from the database ---------------------------- */

struct snapkit_revs {
    int64_t *id; /* ascending */
    int64_t *rev;
    size_t n;
    int64_t counter; /* change_counter.n */
};
/* Every post's id and rev, and the counter. CHECKs that the queries
 * worked. */
void snapkit_revs(struct store *st, struct snapkit_revs *out);
void snapkit_revs_free(struct snapkit_revs *r);
/* The rev of post id, or -1 when there is no such post. */
int64_t snapkit_rev_of(const struct snapkit_revs *r, int64_t id);
/* Runs one SQL statement (or several) on st's connection; CHECKs it. */
void snapkit_sql(struct store *st, const char *sql);
/* The first column of the first row of sql as an integer (-1: no row). */
int64_t snapkit_sql_int(struct store *st, const char *sql);

/* ---- a seeded random source ------------------------------------------- */

/* xorshift64*: small, and the same sequence on every machine. */
struct snapkit_rng {
    uint64_t x;
};
uint64_t snapkit_next(struct snapkit_rng *r);
/* Uniform enough in [0, bound); 0 for a bound of 0. */
size_t snapkit_below(struct snapkit_rng *r, size_t bound);

/* ---- every view of a protocol ----------------------------------------- */

struct snapkit_view {
    char *key, *content_type, *body, *gzip;
    size_t len, gzip_len;
    char etag[SNAPSHOT_ETAG_MAX];
    /* The view itself, for telling a view reused from one rendered anew;
     * never dereferenced (the cache may have dropped it). */
    const struct view *ptr;
};

struct snapkit_views {
    struct snapkit_view *v; /* sorted by key */
    size_t n, cap;
};

/* Copies every view p->each_view gives for s, sorted by key. CHECKs that
 * the walk worked and that no key came twice. */
void snapkit_collect(const struct proto *p, const struct snapshot *s,
                     struct snapkit_views *out);
void snapkit_views_free(struct snapkit_views *vs);
/* The collected view of key, or NULL. */
const struct snapkit_view *snapkit_find(const struct snapkit_views *vs,
                                        const char *key);
/* CHECKs that a and b hold the same keys, each with the same content
 * type, body, gzip body and ETag; prints the first few differences (key
 * and the first differing byte) under the label `what`. Returns how many
 * keys differ. */
size_t snapkit_compare(const struct snapkit_views *a,
                       const struct snapkit_views *b, const char *what);

#endif
