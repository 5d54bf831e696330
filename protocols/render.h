/* render: fills a freshly loaded snapshot with every pre-rendered view of
 * every protocol. Runs on a worker thread, before the snapshot is published;
 * it must not touch anything but the snapshot.
 */
#ifndef OUTPOST_RENDER_H
#define OUTPOST_RENDER_H

#include "../store/snapshot.h"

/* Renders all views (HTTP, Gopher, finger) into s. 0 or UV_ENOMEM. */
int render_snapshot(struct snapshot *s);

/* Each protocol's part; called by render_snapshot(). */
int http_prerender(struct snapshot *s);
int gopher_prerender(struct snapshot *s);
int finger_prerender(struct snapshot *s);

#endif
