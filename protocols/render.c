/* render: every protocol's views of one snapshot, rendered once on the
 * worker thread so that requests are answered by lookup. */
#include "render.h"

int render_snapshot(struct snapshot *s)
{
    int rc = http_prerender(s);
    if (rc < 0)
        return rc;
    rc = gopher_prerender(s);
    if (rc < 0)
        return rc;
    return finger_prerender(s);
}
