/* accesslog: one line per reply, in the combined log format, buffered.
 *
 * The format is Apache httpd's "combined" (its mod_log_config manual),
 * which log tools read as it is:
 *
 *   HOST - - [10/Oct/2000:13:55:36 +0000] "REQUEST" STATUS BYTES "REFERER"
 * "AGENT"
 *
 * For HTTP, REQUEST is the request line ("GET /status.txt HTTP/1.1") and
 * BYTES the body's (Apache's %b: "-" for none). Gopher and finger have no
 * method, referer or agent: REQUEST is the protocol's name and the line
 * the client sent ("gopher /incidents/42", "finger /W status"), STATUS
 * the HTTP code of the same meaning (struct reply), BYTES the whole
 * reply, and the last two fields "-". Fields are escaped by the protocol
 * (reply_log_escape), so a line is printable ASCII and its quotes are
 * its own. Times are UTC.
 *
 * Lines are collected in one buffer of the loop's and written with one
 * write(2) per loop iteration (a check handle, which runs after the
 * iteration's I/O callbacks), or at once when the buffer is full, to a
 * descriptor opened O_APPEND, so that lines of other writers never cut
 * into ours. A slow disk stalls the loop for that write, as it would
 * nginx's worker; a failed write (a full disk, a reader gone) drops the
 * lines rather than stop serving. Refused connections are not logged
 * here: they are counted and summed up once a second (metrics.c), so a
 * flood cannot fill the disk through this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../store/common/timeutil.h"
#include "server.h"

#define ACCESS_BUF (64 * 1024)
/* The longest line: the fields' caps (struct reply), the peer, the
 * time, the numbers and the punctuation. */
#define ACCESS_LINE_MAX 1024

static struct {
    int fd;   /* -1: off */
    bool own; /* opened here (else standard error) */
    bool started;
    uv_check_t check;
    size_t len;
    int64_t stamp_sec;
    char stamp[40];
    char buf[ACCESS_BUF];
} alog = {.fd = -1, .stamp_sec = -1};

static void flush(void)
{
    size_t off = 0;
    while (off < alog.len && alog.fd >= 0) {
        ssize_t w = write(alog.fd, alog.buf + off, alog.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* dropped: see the top of this file */
        off += (size_t)w;
    }
    alog.len = 0;
}

static void check_cb(uv_check_t *h)
{
    if (alog.len > 0)
        flush();
}

int server_access_open(const struct serve_config *cfg)
{
    int fd = -1;
    bool own = false;
    if (cfg->quiet || strcmp(cfg->access_log, "off") == 0) {
        fd = -1;
    } else if (cfg->access_log[0] == '\0') {
        fd = STDERR_FILENO;
    } else {
        fd = open(cfg->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                  0640);
        if (fd < 0)
            return uv_translate_sys_error(errno);
        own = true;
    }
    flush(); /* what was logged so far belongs to the old file */
    if (alog.own)
        close(alog.fd);
    alog.fd = fd;
    alog.own = own;
    return 0;
}

bool server_access_on(void)
{
    return alog.fd >= 0;
}

int server_access_start(uv_loop_t *loop)
{
    int rc = uv_check_init(loop, &alog.check);
    if (rc < 0)
        return rc;
    alog.started = true;
    /* The check handle must not keep the loop alive by itself. */
    uv_unref((uv_handle_t *)&alog.check);
    return uv_check_start(&alog.check, check_cb);
}

/* "10/Oct/2000:13:55:36 +0000", made once a second. */
static const char *stamp(void)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t now = time_now();
    if (now != alog.stamp_sec) {
        time_t t = (time_t)now;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(alog.stamp, sizeof(alog.stamp),
                 "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                 mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        alog.stamp_sec = now;
    }
    return alog.stamp;
}

static const char *or_dash(const char *s)
{
    return s[0] != '\0' ? s : "-";
}

void server_access_line(const char *peer, const struct reply *r, size_t bytes)
{
    if (alog.fd < 0)
        return;
    if (ACCESS_BUF - alog.len < ACCESS_LINE_MAX)
        flush();
    char status[16] = "-", size[24] = "-";
    if (r->status > 0)
        snprintf(status, sizeof(status), "%d", r->status);
    if (bytes > 0)
        snprintf(size, sizeof(size), "%zu", bytes);
    int n = snprintf(alog.buf + alog.len, ACCESS_BUF - alog.len,
                     "%s - - [%s] \"%s\" %s %s \"%s\" \"%s\"\n", peer, stamp(),
                     or_dash(r->log), status, size, or_dash(r->log_referer),
                     or_dash(r->log_agent));
    if (n > 0 && (size_t)n < ACCESS_BUF - alog.len)
        alog.len += (size_t)n;
    /* Not started (no loop yet) or stopped: nothing would write it. */
    if (!alog.started)
        flush();
}

void server_access_stop(void)
{
    flush();
    if (alog.started) {
        alog.started = false;
        uv_close((uv_handle_t *)&alog.check, NULL);
    }
}

void server_access_close(void)
{
    flush();
    if (alog.own)
        close(alog.fd);
    alog.fd = -1;
    alog.own = false;
}
