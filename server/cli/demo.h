/* demo: the demo data of a fictional ISP, for `outpost init --demo` and for
 * `outpost serve` on a new database.
 */
#ifndef OUTPOST_DEMO_H
#define OUTPOST_DEMO_H

#include <stdint.h>

#include "../../store/store.h"

/* Fills an empty store with the demo ISP: services in groups, an open
 * incident with several updates, a scheduled maintenance, notices and
 * resolved history. Times are relative to now, so the demo always looks
 * current. Returns 0 or a negative UV_E* code (store_errmsg(st) says why). */
int store_demo(struct store *st, int64_t now);

#endif
