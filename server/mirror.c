/* mirror: `outpost mirror DIR`, a copy of every view as files that any
 * ordinary server serves as they are (protocols/mirror.h says which file
 * each view is), for when outpost itself cannot be reached.
 *
 * One refresh walks every view of every protocol through the protocols'
 * own walkers (struct proto, each_view: the snapshot views, then every
 * post's, service's and month's pages), so that a view a protocol adds is
 * mirrored without being named here. Each file is written to a temporary
 * name beside it and renamed over it (rename(2) replaces the name at
 * once), so a server reading the copy sees the old file or the new one,
 * never half of one. A file whose bytes did not change is not written
 * (the first refresh compares with what is on disk, later ones with what
 * they wrote), and a file under the copy's three folders that no view
 * names any more is removed, with the folders left empty. With --gzip an
 * HTTP view that outpost sends gzipped (bodies over 512 bytes) gets its
 * very gzip bytes as a ".gz" twin, for nginx's gzip_static.
 *
 * --watch follows the store as `outpost serve` does, with the same
 * builder (server/reload.c): it polls the database file and its WAL every
 * reload_ms, builds the next snapshot from the last on the thread pool,
 * and builds once a minute besides, since the pages show the server time.
 * Each published snapshot is written out on the thread pool too (one
 * refresh at a time; snapshots published meanwhile are coalesced into one
 * more refresh of the newest), so the loop only starts jobs. The view
 * cache that the walk renders post pages into is the server's, used by
 * one refresh at a time and by nothing else in this process: no
 * connection reads it. --exec CMD runs `/bin/sh -c CMD` after a refresh
 * that changed a file, one at a time (refreshes that end meanwhile ask
 * for one more run), never holding up a refresh; a run that fails is
 * logged and run again after 1 s, then 2, 4, ... up to 60 s.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../protocols/mirror.h"
#include "../store/common/tz.h"
#include "server.h"

static const char mirror_usage[] =
    "usage: outpost [--db FILE] mirror [--watch] [--exec CMD] [--gzip] "
    "[--quiet]\n"
    "                      [--hostname NAME] [--name TEXT] [--time-zone "
    "ZONE]\n"
    "                      [--base-url URL] [--config FILE] [--set "
    "KEY=VALUE]... DIR\n"
    "\n"
    "Writes every view as files into DIR: DIR/http for a web server (HTML\n"
    "pages as index.html, linked relatively), DIR/gopher for a Gopher\n"
    "server (gophermaps for gophernicus), DIR/finger (the finger replies).\n"
    "The site settings are serve's (the same --config gives the same "
    "pages).\n"
    "  --watch     keep DIR current: refresh within a second of a change\n"
    "  --exec CMD  with --watch: run CMD (sh -c) after each refresh, one "
    "at a\n"
    "              time, failures logged and retried\n"
    "  --gzip      add the gzipped twin FILE.gz of every HTTP body outpost\n"
    "              sends gzipped\n";

/* The folders of a copy, each swept of files no view names. */
static const char *const trees[] = {"http", "gopher", "finger"};
/* The file that marks DIR as a copy, so that a mistyped DIR that holds
 * anything else is refused rather than swept. */
#define MIRROR_MARK ".outpost-mirror"
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

/* A file the copy holds: its path under DIR and a hash of its bytes. */
struct entry {
    char *path;
    uint64_t hash;
    size_t len;
    unsigned gen; /* the refresh that last named it */
};

struct mirror {
    struct server srv; /* the snapshot builder's state (reload.c) */
    char dir[3072];
    bool watch, gzip, quiet;
    const char *exec_cmd;
    /* The files, an open-addressing table by path (cap a power of 2). */
    struct entry *tab;
    size_t cap, n;
    unsigned gen;
    /* One refresh (worker thread), its snapshot, and what it did. */
    uv_work_t work;
    struct snapshot *job_snap;
    bool busy, again;
    size_t written, removed, same;
    int errors;
    char errmsg[400];
    uint64_t took_ns;
    /* --exec */
    uv_process_t *proc;
    bool exec_pending;
    uv_timer_t retry;
    bool retrying;
    uint64_t backoff_ms;
    bool stopping;
    uv_signal_t sigint, sigterm;
    int lock_fd; /* holds the flock(2) on the mark */
};

/* ---- the table of files ----------------------------------------------- */

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static struct entry *find_slot(struct entry *tab, size_t cap, const char *path)
{
    size_t i = (size_t)fnv1a(path, strlen(path)) & (cap - 1);
    while (tab[i].path != NULL && strcmp(tab[i].path, path) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Rebuilds the table into new_cap slots, keeping the entries of gen
 * `keep` only (0: all): how a refresh forgets the files it removed. */
static int rehash(struct mirror *m, size_t new_cap, unsigned keep)
{
    struct entry *t = calloc(new_cap, sizeof(*t));
    if (t == NULL)
        return UV_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++) {
        struct entry *e = &m->tab[i];
        if (e->path == NULL)
            continue;
        if (keep != 0 && e->gen != keep) {
            free(e->path);
            continue;
        }
        *find_slot(t, new_cap, e->path) = *e;
        n++;
    }
    free(m->tab);
    m->tab = t;
    m->cap = new_cap;
    m->n = n;
    return 0;
}

/* The entry of path, made (unnamed by any refresh: gen 0) if new; NULL
 * on OOM. */
static struct entry *entry_of(struct mirror *m, const char *path)
{
    if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 1024, 0) < 0)
        return NULL;
    struct entry *e = find_slot(m->tab, m->cap, path);
    if (e->path == NULL) {
        if ((e->path = strdup(path)) == NULL)
            return NULL;
        e->gen = 0;
        e->len = (size_t)-1;
        m->n++;
    }
    return e;
}

static bool named_now(struct mirror *m, const char *path)
{
    if (m->cap == 0)
        return false;
    struct entry *e = find_slot(m->tab, m->cap, path);
    return e->path != NULL && e->gen == m->gen;
}

/* ---- files ------------------------------------------------------------ */

static void note_error(struct mirror *m, const char *what, const char *path,
                       int err)
{
    if (m->errors++ == 0)
        snprintf(m->errmsg, sizeof(m->errmsg), "%s %s: %s", what, path,
                 strerror(err));
}

/* Whether the file at full holds exactly body[0..len). */
static bool same_on_disk(const char *full, const char *body, size_t len)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct stat st;
    bool same =
        fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    char chunk[65536];
    size_t at = 0;
    while (same && at < len) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0 || at + (size_t)n > len ||
            memcmp(chunk, body + at, (size_t)n) != 0)
            same = false;
        else
            at += (size_t)n;
    }
    close(fd);
    return same;
}

/* Makes the folders above rel (a path under DIR); a file in the way (a
 * name that was a file and is now a folder) is removed. */
static int make_parents(struct mirror *m, const char *rel)
{
    char full[4096];
    int n = snprintf(full, sizeof(full), "%s/%s", m->dir, rel);
    if (n < 0 || (size_t)n >= sizeof(full))
        return UV_ENAMETOOLONG;
    for (char *p = full + strlen(m->dir) + 1; (p = strchr(p, '/')) != NULL;
         p++) {
        *p = '\0';
        if (mkdir(full, 0755) != 0 && errno == EEXIST) {
            struct stat st;
            if (lstat(full, &st) == 0 && !S_ISDIR(st.st_mode) &&
                (unlink(full) != 0 || mkdir(full, 0755) != 0)) {
                *p = '/';
                return uv_translate_sys_error(errno);
            }
        }
        *p = '/';
    }
    return 0;
}

/* Writes all of body into fd; 0 or a UV_E* code. */
static int write_all(int fd, const char *body, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, body, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return uv_translate_sys_error(errno);
        body += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Puts body at rel under DIR unless it is there already. */
static void put_file(struct mirror *m, const char *rel, const char *body,
                     size_t len)
{
    struct entry *e = entry_of(m, rel);
    if (e == NULL) {
        note_error(m, "cannot note", rel, ENOMEM);
        return;
    }
    uint64_t h = fnv1a(body, len);
    char full[4096], tmp[4096];
    int n = snprintf(full, sizeof(full), "%s/%s", m->dir, rel);
    if (n < 0 || (size_t)n >= sizeof(full)) {
        note_error(m, "cannot name", rel, ENAMETOOLONG);
        return;
    }
    if (e->gen == m->gen) /* two views of one file: the first stays */
        return;
    bool known = e->len == len && e->hash == h;
    e->gen = m->gen;
    if (known || same_on_disk(full, body, len)) {
        e->len = len;
        e->hash = h;
        m->same++;
        return;
    }
    e->len = (size_t)-1; /* unknown until written */
    int rc = make_parents(m, rel);
    if (rc < 0) {
        note_error(m, "cannot make the folders of", rel, -rc);
        return;
    }
    /* Beside the file, so that rename(2) stays in one file system; a
     * dot name, which the sweep removes if a crash leaves it. */
    const char *slash = strrchr(full, '/');
    n = snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp%ld", (int)(slash - full), full,
                 slash + 1, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        note_error(m, "cannot name", rel, ENAMETOOLONG);
        return;
    }
    int fd =
        open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        note_error(m, "cannot create", tmp, errno);
        return;
    }
    /* Readable by the server's own user whatever our umask, and never
     * executable: gophernicus runs an executable gophermap. */
    rc = fchmod(fd, 0644) != 0 ? uv_translate_sys_error(errno) : 0;
    if (rc == 0)
        rc = write_all(fd, body, len);
    if (close(fd) != 0 && rc == 0)
        rc = uv_translate_sys_error(errno);
    if (rc == 0 && rename(tmp, full) != 0)
        rc = uv_translate_sys_error(errno);
    if (rc < 0) {
        unlink(tmp);
        note_error(m, "cannot write", rel, -rc);
        return;
    }
    e->len = len;
    e->hash = h;
    m->written++;
}

/* Removes what is under full (rel under DIR) that this refresh did not
 * name; true when the folder is left empty. */
static bool sweep(struct mirror *m, char *full, size_t cap, size_t rel_at)
{
    DIR *d = opendir(full);
    if (d == NULL)
        return false;
    size_t base = strlen(full);
    bool empty = true;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int n = snprintf(full + base, cap - base, "/%s", de->d_name);
        if (n < 0 || (size_t)n >= cap - base) {
            full[base] = '\0';
            empty = false;
            continue;
        }
        struct stat st;
        if (lstat(full, &st) != 0) {
            full[base] = '\0';
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (sweep(m, full, cap, rel_at) && rmdir(full) == 0)
                m->removed++;
            else
                empty = false;
        } else if (named_now(m, full + rel_at)) {
            empty = false;
        } else if (unlink(full) == 0) {
            m->removed++;
        } else {
            note_error(m, "cannot remove", full + rel_at, errno);
            empty = false;
        }
        full[base] = '\0';
    }
    closedir(d);
    return empty;
}

/* ---- one refresh ------------------------------------------------------ */

static void view_cb(const struct view *v, void *arg)
{
    struct mirror *m = arg;
    char rel[2048];
    int rc = mirror_path(v, rel, sizeof(rel) - 4);
    if (rc < 0) {
        if (rc != UV_EINVAL)
            note_error(m, "cannot name the file of", v->key, -rc);
        return; /* a view with no file of its own */
    }
    put_file(m, rel, v->body != NULL ? v->body : "", v->len);
    if (m->gzip && v->gzip != NULL) {
        strcat(rel, ".gz");
        put_file(m, rel, v->gzip, v->gzip_len);
    }
}

static const struct proto *const mirrored[] = {&http_proto, &gopher_proto,
                                               &finger_proto};

/* Writes snapshot s out (any one thread: see the top of this file). */
static void refresh(struct mirror *m, const struct snapshot *s)
{
    uint64_t t0 = uv_hrtime();
    m->written = m->removed = m->same = 0;
    m->errors = 0;
    m->errmsg[0] = '\0';
    if (++m->gen == 0)
        m->gen = 1;
    for (size_t i = 0; i < sizeof(mirrored) / sizeof(mirrored[0]); i++) {
        int rc = mirrored[i]->each_view(s, view_cb, m);
        if (rc < 0) {
            /* A walk cut short names too little: sweeping now would
             * remove good files. */
            note_error(m, "cannot walk the views of", mirrored[i]->name, -rc);
            m->took_ns = uv_hrtime() - t0;
            return;
        }
    }
    char full[4096];
    size_t rel_at = strlen(m->dir) + 1;
    for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
        snprintf(full, sizeof(full), "%s/%s", m->dir, trees[i]);
        sweep(m, full, sizeof(full), rel_at);
    }
    if (rehash(m, m->cap ? m->cap : 1024, m->gen) < 0)
        note_error(m, "cannot note", "the files", ENOMEM);
    m->took_ns = uv_hrtime() - t0;
}

static void log_refresh(struct mirror *m, uint64_t version)
{
    if (m->errors > 0)
        server_log("mirror: version %llu: %d error%s, the first: %s",
                   (unsigned long long)version, m->errors,
                   m->errors == 1 ? "" : "s", m->errmsg);
    if (!m->quiet && (m->written > 0 || m->removed > 0 || !m->watch))
        server_log("mirror: version %llu: %zu files written, %zu removed, "
                   "%zu unchanged, in %.1f ms",
                   (unsigned long long)version, m->written, m->removed, m->same,
                   (double)m->took_ns / 1e6);
}

/* ---- --exec ----------------------------------------------------------- */

static void exec_start(struct mirror *m);

static void retry_cb(uv_timer_t *t)
{
    struct mirror *m = t->data;
    m->retrying = false;
    if (!m->stopping && m->exec_pending)
        exec_start(m);
}

static void proc_closed_cb(uv_handle_t *h)
{
    free(h);
}

static void maybe_finish(struct mirror *m);

static void exec_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct mirror *m = p->data;
    uv_close((uv_handle_t *)p, proc_closed_cb);
    m->proc = NULL;
    if (status != 0 || sig != 0) {
        m->backoff_ms = m->backoff_ms == 0                 ? RETRY_FIRST_MS
                        : m->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
                                                           : m->backoff_ms * 2;
        if (sig != 0)
            server_log("mirror: --exec killed by signal %d; again in %.0f s",
                       sig, (double)m->backoff_ms / 1000);
        else
            server_log("mirror: --exec exited %lld; again in %.0f s",
                       (long long)status, (double)m->backoff_ms / 1000);
        m->exec_pending = true;
        if (!m->stopping) {
            m->retrying = true;
            uv_timer_start(&m->retry, retry_cb, m->backoff_ms, 0);
        }
    } else {
        if (m->backoff_ms != 0)
            server_log("mirror: --exec succeeded again");
        m->backoff_ms = 0;
        if (m->exec_pending && !m->stopping)
            exec_start(m);
    }
    maybe_finish(m);
}

static void exec_start(struct mirror *m)
{
    m->exec_pending = false;
    uv_process_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        server_log("mirror: --exec: out of memory");
        m->exec_pending = true;
        m->retrying = true;
        uv_timer_start(&m->retry, retry_cb, RETRY_FIRST_MS, 0);
        return;
    }
    char *args[] = {"/bin/sh", "-c", (char *)m->exec_cmd, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 1},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
    };
    uv_process_options_t o = {
        .exit_cb = exec_exit_cb,
        .file = "/bin/sh",
        .args = args,
        .stdio_count = 3,
        .stdio = stdio,
    };
    p->data = m;
    int rc = uv_spawn(m->srv.loop, p, &o);
    if (rc < 0) {
        /* A failed spawn still has a handle to close. */
        uv_close((uv_handle_t *)p, proc_closed_cb);
        m->backoff_ms = m->backoff_ms == 0                 ? RETRY_FIRST_MS
                        : m->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
                                                           : m->backoff_ms * 2;
        server_log("mirror: --exec cannot start: %s; again in %.0f s",
                   uv_strerror(rc), (double)m->backoff_ms / 1000);
        m->exec_pending = true;
        m->retrying = true;
        uv_timer_start(&m->retry, retry_cb, m->backoff_ms, 0);
        return;
    }
    m->proc = p;
}

/* A refresh changed files: run the command, or once more after the run
 * (or the wait before a retry) in progress. */
static void exec_request(struct mirror *m)
{
    if (m->exec_cmd == NULL)
        return;
    if (m->proc != NULL || m->retrying || m->stopping) {
        m->exec_pending = true;
        return;
    }
    exec_start(m);
}

/* ---- --watch ---------------------------------------------------------- */

static void start_refresh(struct mirror *m);

static void work_cb(uv_work_t *w)
{
    struct mirror *m = w->data;
    server_background_thread();
    refresh(m, m->job_snap);
}

static void after_work_cb(uv_work_t *w, int status)
{
    struct mirror *m = w->data;
    (void)status;
    uint64_t version = m->job_snap->version;
    snapshot_unref(m->job_snap);
    m->job_snap = NULL;
    m->busy = false;
    log_refresh(m, version);
    if (m->written > 0 || m->removed > 0)
        exec_request(m);
    if (m->again && !m->stopping) {
        m->again = false;
        start_refresh(m);
    }
    maybe_finish(m);
}

static void start_refresh(struct mirror *m)
{
    if (m->busy) {
        m->again = true; /* coalesced: the newest snapshot, once */
        return;
    }
    m->job_snap = snapshot_ref(m->srv.current);
    m->work.data = m;
    if (uv_queue_work(m->srv.loop, &m->work, work_cb, after_work_cb) != 0) {
        snapshot_unref(m->job_snap);
        m->job_snap = NULL;
        server_log("mirror: cannot queue a refresh");
        return;
    }
    m->busy = true;
}

/* Each published snapshot: the builder's hook (struct server). A timer of
 * the mirror's own (the staleness of a copy whose store stopped changing,
 * say) would start a refresh here too; the builder already publishes a
 * snapshot each minute, for the server time the pages show. */
static void published_cb(struct server *srv, void *arg)
{
    struct mirror *m = arg;
    (void)srv;
    if (!m->stopping)
        start_refresh(m);
}

/* Once stopping, the loop ends by itself when the refresh, the build and
 * the command in flight are done (their requests and the process handle
 * are all that is left); this says what is not done. */
static void maybe_finish(struct mirror *m)
{
    if (!m->stopping || m->busy || m->proc != NULL)
        return;
    if (m->exec_pending && m->exec_cmd != NULL)
        server_log("mirror: stopping with --exec not run since the last "
                   "change");
    m->exec_pending = false;
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct mirror *m = h->data;
    if (m->stopping)
        return;
    server_log("%s: stopping after the refresh and the command in flight",
               signum == SIGINT ? "SIGINT" : "SIGTERM");
    m->stopping = true;
    m->srv.stopping = true;
    reload_stop(&m->srv);
    uv_close((uv_handle_t *)&m->retry, NULL);
    m->retrying = false;
    uv_close((uv_handle_t *)&m->sigint, NULL);
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    maybe_finish(m);
}

/* ---- setting up ------------------------------------------------------- */

/* DIR exists (made if not) and is a copy, or empty and made one. */
static int claim_dir(struct mirror *m)
{
    if (mkdir(m->dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "outpost: cannot make %s: %s\n", m->dir,
                strerror(errno));
        return 2;
    }
    char mark[4096];
    snprintf(mark, sizeof(mark), "%s/%s", m->dir, MIRROR_MARK);
    struct stat st;
    if (stat(mark, &st) != 0) {
        DIR *d = opendir(m->dir);
        if (d == NULL) {
            fprintf(stderr, "outpost: cannot read %s: %s\n", m->dir,
                    strerror(errno));
            return 2;
        }
        struct dirent *de;
        bool empty = true;
        while ((de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                empty = false;
        closedir(d);
        if (!empty) {
            fprintf(stderr,
                    "outpost: %s is not empty and holds no %s: not a "
                    "mirror, left alone\n",
                    m->dir, MIRROR_MARK);
            return 1;
        }
        int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || write_all(fd, "outpost mirror\n", 15) < 0) {
            fprintf(stderr, "outpost: cannot write %s: %s\n", mark,
                    strerror(errno));
            if (fd >= 0)
                close(fd);
            return 2;
        }
        close(fd);
    }
    /* Two writers of one copy would remove each other's files: the
     * first holds a lock on the mark as long as it runs. */
    m->lock_fd = open(mark, O_RDONLY | O_CLOEXEC);
    if (m->lock_fd < 0 || flock(m->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "outpost: %s: %s\n", mark,
                m->lock_fd < 0 ? strerror(errno)
                               : "another outpost mirror writes this copy");
        return 1;
    }
    return 0;
}

/* Takes mirror's own flags out of argv into m, leaving serve's (and
 * argv[0]) in rest; 0, 1 on bad usage, -1 for --help. */
static int split_args(struct mirror *m, int argc, char **argv, char **rest,
                      int *n_rest, const char **dir)
{
    *n_rest = 0;
    rest[(*n_rest)++] = argv[0];
    *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--watch") == 0) {
            m->watch = true;
        } else if (strcmp(a, "--gzip") == 0) {
            m->gzip = true;
        } else if (strcmp(a, "--exec") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "outpost: mirror: --exec needs a CMD\n");
                return 1;
            }
            m->exec_cmd = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(mirror_usage, stdout);
            return -1;
        } else if (strcmp(a, "--quiet") == 0) {
            m->quiet = true;
            rest[(*n_rest)++] = argv[i];
        } else if (a[0] == '-' && a[1] == '-') {
            /* One of serve's, all of which take a value. */
            rest[(*n_rest)++] = argv[i];
            if (i + 1 < argc)
                rest[(*n_rest)++] = argv[++i];
        } else if (*dir == NULL) {
            *dir = a;
        } else {
            fprintf(stderr, "outpost: mirror: one DIR only ('%.60s')\n", a);
            return 1;
        }
    }
    if (*dir == NULL || (*dir)[0] == '\0') {
        fputs(mirror_usage, stderr);
        return 1;
    }
    if (m->exec_cmd != NULL && !m->watch) {
        fprintf(stderr, "outpost: mirror: --exec needs --watch (once, run "
                        "the command after the mirror)\n");
        return 1;
    }
    return 0;
}

static void free_table(struct mirror *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->tab[i].path);
    free(m->tab);
    m->tab = NULL;
    m->cap = m->n = 0;
}

int mirror_main(const char *db_path, int argc, char **argv)
{
    static struct mirror mir; /* one per process; zeroed */
    struct mirror *m = &mir;
    struct server *srv = &m->srv;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (rest == NULL)
        return 2;
    int n_rest;
    const char *dir;
    int rc = split_args(m, argc, argv, rest, &n_rest, &dir);
    if (rc != 0) {
        free(rest);
        return rc < 0 ? 0 : rc;
    }
    char err[300];
    config_defaults(&srv->cfg);
    srv->cfg.db_path = db_path;
    rc = serve_parse_args(&srv->cfg, n_rest, rest, mirror_usage, err,
                          sizeof(err));
    free(rest);
    if (rc != 0) {
        if (rc > 0)
            fprintf(stderr, "outpost: %s\n", err);
        return rc < 0 ? 0 : rc;
    }
    srv->cfg.mirror = true;
    srv->cfg.quiet = true; /* no "snapshot published" lines */
    serve_resolve_public(&srv->cfg);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl >= sizeof(m->dir)) {
        fprintf(stderr, "outpost: mirror: DIR is too long\n");
        return 1;
    }
    memcpy(m->dir, dir, dl);
    m->dir[dl] = '\0';
    if (srv->cfg.time_zone[0] != '\0' &&
        (rc = tz_load(srv->cfg.time_zone, &srv->tz)) < 0) {
        fprintf(stderr, "outpost: time_zone '%s': %s\n", srv->cfg.time_zone,
                serve_tz_error(rc));
        return 1;
    }
    struct stat st;
    if (stat(db_path, &st) != 0) {
        fprintf(stderr, "outpost: no database at %s\n", db_path);
        tz_free(srv->tz);
        return 2;
    }
    if ((rc = claim_dir(m)) != 0) {
        tz_free(srv->tz);
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    uv_loop_t loop;
    if (uv_loop_init(&loop) < 0) {
        fprintf(stderr, "outpost: cannot create the event loop\n");
        tz_free(srv->tz);
        return 2;
    }
    srv->loop = &loop;
    int status = 0;
    if (reload_initial(srv, err, sizeof(err)) < 0) {
        fprintf(stderr, "outpost: cannot load %s: %s\n", db_path, err);
        status = 2;
    } else if (!m->watch) {
        m->gen = 0;
        refresh(m, srv->current);
        log_refresh(m, srv->current->version);
        status = m->errors > 0 ? 2 : 0;
    } else {
        uv_timer_init(&loop, &m->retry);
        m->retry.data = m;
        uv_signal_init(&loop, &m->sigint);
        uv_signal_init(&loop, &m->sigterm);
        m->sigint.data = m->sigterm.data = m;
        uv_signal_start(&m->sigint, signal_cb, SIGINT);
        uv_signal_start(&m->sigterm, signal_cb, SIGTERM);
        srv->on_publish = published_cb;
        srv->on_publish_arg = m;
        if (reload_start(srv) < 0) {
            fprintf(stderr, "outpost: cannot start watching %s\n", db_path);
            status = 2;
            signal_cb(&m->sigterm, SIGTERM);
        } else {
            server_log("mirror: watching %s into %s", db_path, m->dir);
            start_refresh(m);
        }
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    reload_fini(srv);
    if (uv_loop_close(&loop) != 0)
        server_log("warning: handles left open at exit");
    free_table(m);
    tz_free(srv->tz);
    srv->tz = NULL;
    return status;
}
