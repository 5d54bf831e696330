/* privs: who `outpost serve` runs as.
 *
 * A server that faces the Internet should not run as root. Started as
 * root, outpost binds its ports (sockets.c) and then becomes the user of
 * `--user NAME` for good, before it opens its log or its database or
 * accepts a connection; started as root without `--user` it refuses to
 * run, since nothing it does after binding needs root. `--user root`
 * says that root is meant (a container's only user, the test suite).
 *
 * The order of the drop is the one setuid(2) and initgroups(3) require:
 * the supplementary groups and the group while still root, the user last,
 * after which none of them can be changed back. Then it checks that they
 * all took, real, effective and saved alike, and that root cannot be
 * regained (CERT POS36-C, POS37-C).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

static bool is_root(void)
{
    return getuid() == 0 || geteuid() == 0;
}

/* The account named user, or NULL with the reason in err. */
static const struct passwd *find_user(const char *user, char *err,
                                      size_t errlen)
{
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        snprintf(err, errlen, "--user %.64s: %s", user,
                 errno != 0 ? strerror(errno) : "no such user");
    return pw;
}

int privs_check(const char *user, char *err, size_t errlen)
{
    if (user[0] == '\0') {
        if (is_root()) {
            snprintf(err, errlen,
                     "refusing to run as root: give --user NAME (the ports "
                     "are bound first, then outpost runs as NAME), or "
                     "--user root to run as root on purpose");
            return UV_EPERM;
        }
        return 0;
    }
    const struct passwd *pw = find_user(user, err, errlen);
    if (pw == NULL)
        return UV_EINVAL;
    if (!is_root() && (pw->pw_uid != getuid() || pw->pw_uid != geteuid())) {
        /* Already unprivileged (systemd's User=, say): only the same user
         * is a change that needs nothing. */
        snprintf(err, errlen,
                 "--user %.64s: only root can become another user (running "
                 "as uid %u)",
                 user, (unsigned)geteuid());
        return UV_EPERM;
    }
    return 0;
}

int privs_drop(const char *user, char *err, size_t errlen)
{
    if (user[0] == '\0' || !is_root())
        return 0;
    const struct passwd *pw = find_user(user, err, errlen);
    if (pw == NULL)
        return UV_EINVAL;
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0) {
        server_log("running as root (--user %s)", user);
        return 0;
    }
    /* initgroups sets the user's supplementary groups from the group
     * database, dropping root's own. */
    if (initgroups(user, gid) != 0) {
        snprintf(err, errlen, "--user %.64s: initgroups: %s", user,
                 strerror(errno));
        return UV_EPERM;
    }
    if (setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "--user %.64s: setgid/setuid: %s", user,
                 strerror(errno));
        return UV_EPERM;
    }
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
        sg != gid) {
        snprintf(err, errlen, "--user %.64s: the switch did not take", user);
        return UV_EPERM;
    }
    /* With every id the user's, setuid(0) must fail; if it does not, the
     * process kept a capability it should not have. */
    if (setuid(0) == 0) {
        snprintf(err, errlen, "--user %.64s: root could be regained", user);
        return UV_EPERM;
    }
    server_log("running as %s (uid %u, gid %u)", user, (unsigned)uid,
               (unsigned)gid);
    return 0;
}
