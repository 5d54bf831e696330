/* mirror: where each view goes in a static copy of the server
 * (`outpost mirror DIR`), which ordinary servers serve as files:
 *
 *   http/    for a web server's root: every HTML page as PATH/index.html
 *            ("/" as index.html, "/incidents/42" as incidents/42/
 *            index.html), every other view (the .txt views, the v2 JSON,
 *            the feeds) under its own path ("/api/v2/summary.json")
 *   gopher/  for a Gopher server's root (gophernicus): every menu as
 *            SELECTOR/gophermap ("" as gophermap, "/history" as history/
 *            gophermap), every text item under its selector
 *            ("/incidents/42" as incidents/42)
 *   finger/  every finger reply as NAME.txt, its long form ("/W NAME") as
 *            W/NAME.txt ("/W" alone, the long summary, as W/status.txt)
 *
 * A view's kind comes from its content type (HTML, or a Gopher menu:
 * PROTO_GOPHER_MENU), so views that protocols add are mirrored as they
 * come. The HTML pages link each other the same way (html.c, put_href).
 */
#ifndef OUTPOST_MIRROR_H
#define OUTPOST_MIRROR_H

#include <stddef.h>

#include "../store/snapshot.h"

/* The file name a gophernicus directory menu is read from. */
#define MIRROR_GOPHERMAP "gophermap"

/* Writes into out (cap bytes) the file of view v under the mirror's
 * directory, "http/incidents/42/index.html": 0; UV_EINVAL when the view
 * has no file (a key of no protocol mirrored, or a path that is not a
 * plain relative one: an empty, "." or ".." segment, or one that starts
 * with a dot, which would hide or escape it), UV_ENAMETOOLONG when it
 * does not fit. */
int mirror_path(const struct view *v, char *out, size_t cap);

#endif
