/* log: one line per event on standard error, with a UTC time stamp.
 *
 * With log_file set, the file is opened and put on descriptor 2 (as
 * nginx does with its error log), so whatever else writes to standard
 * error lands there too; SIGHUP opens the path again, which is how a
 * rotated log gets a fresh file. Writes that fail (a reader that went
 * away, a full disk) are dropped: logging never stops the service.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../store/common/timeutil.h"
#include "server.h"

void server_log(const char *fmt, ...)
{
    char when[TIME_BUFSZ];
    char line[1024];
    time_iso8601(time_now(), when);
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(line, sizeof(line), "%s ", when);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line, so lines from the worker threads (and from
     * other processes appending to the same file) never interleave. */
    size_t len = strnlen(line, sizeof(line) - 2);
    line[len++] = '\n';
    ssize_t w;
    do
        w = write(STDERR_FILENO, line, len);
    while (w < 0 && errno == EINTR);
}

int server_log_open(const struct serve_config *cfg)
{
    if (cfg->log_file[0] == '\0')
        return 0;
    int fd =
        open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return uv_translate_sys_error(errno);
    int rc = 0;
    if (fd != STDERR_FILENO) {
        if (dup2(fd, STDERR_FILENO) < 0)
            rc = uv_translate_sys_error(errno);
        close(fd);
    }
    return rc;
}
