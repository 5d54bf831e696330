#include "mirror.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "proto.h"

/* A path of ours is plain: segments of printable ASCII without a slash,
 * none empty or starting with a dot (no "..", no hidden or temporary
 * names: the writer's own temporary files start with a dot). */
static bool plain_path(const char *p)
{
    if (*p == '\0')
        return true;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n == 0 || p[0] == '.')
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f ||
                p[i] == '\\')
                return false;
        if (end == NULL)
            return true;
        p = end + 1;
    }
}

static int put(char *out, size_t cap, const char *a, const char *b,
               const char *c)
{
    int n = snprintf(out, cap, "%s%s%s", a, b, c);
    if (n < 0)
        return UV_EINVAL;
    return (size_t)n < cap ? 0 : UV_ENAMETOOLONG;
}

int mirror_path(const struct view *v, char *out, size_t cap)
{
    const char *k = v->key;
    const char *type = v->content_type != NULL ? v->content_type : "";
    if (strncmp(k, "http:/", 6) == 0) {
        const char *p = k + 6;
        if (!plain_path(p))
            return UV_EINVAL;
        if (strncmp(type, "text/html", 9) != 0)
            return p[0] == '\0' ? UV_EINVAL : put(out, cap, "http/", p, "");
        return put(out, cap, "http/", p,
                   p[0] == '\0' ? "index.html" : "/index.html");
    }
    if (strncmp(k, "gopher:", 7) == 0) {
        const char *p = k + 7;
        if (*p == '/')
            p++;
        if (!plain_path(p))
            return UV_EINVAL;
        if (strcmp(type, PROTO_GOPHER_MENU) != 0)
            return p[0] == '\0' ? UV_EINVAL : put(out, cap, "gopher/", p, "");
        return put(out, cap, "gopher/", p,
                   p[0] == '\0' ? MIRROR_GOPHERMAP : "/" MIRROR_GOPHERMAP);
    }
    if (strncmp(k, "finger:", 7) == 0) {
        const char *p = k + 7;
        const char *dir = "finger/";
        if (strncmp(p, "/W", 2) == 0 && (p[2] == '\0' || p[2] == ' ')) {
            dir = "finger/W/";
            p = p[2] == '\0' ? "status" : p + 3;
        }
        if (p[0] == '\0' || strchr(p, '/') != NULL || !plain_path(p))
            return UV_EINVAL;
        return put(out, cap, dir, p, ".txt");
    }
    return UV_EINVAL;
}
