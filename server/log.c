/* log: one line per event on standard error, with a level.
 *
 * With log_file set, the file is opened and put on descriptor 2 (as
 * nginx does with its error log), so whatever else writes to standard
 * error lands there too; SIGHUP opens the path again, which is how a
 * rotated log gets a fresh file. Writes that fail (a reader that went
 * away, a full disk) are dropped: logging never stops the service.
 *
 * Under systemd, standard error is a stream to the journal, which reads
 * a "<N>" prefix as the line's syslog level (sd-daemon(3)) and stamps
 * the time itself. systemd says which stream that is in JOURNAL_STREAM
 * ("DEVICE:INODE" of it, systemd.exec(5)), so that a process can tell it
 * from a file or a terminal it was given instead: only then are lines
 * written in the journal's form; anywhere else they carry a UTC time and
 * the level as a word.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../store/common/timeutil.h"
#include "server.h"

/* Whether descriptor 2 is the journal's stream; -1: not looked at since
 * it was last set. Atomic: worker threads log too. */
static _Atomic int journal = -1;

static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat sb;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
        fstat(STDERR_FILENO, &sb) != 0)
        return false;
    return (unsigned long long)sb.st_dev == dev &&
           (unsigned long long)sb.st_ino == ino;
}

static const char *level_word(int level)
{
    switch (level) {
    case LOG_EMERG:
    case LOG_ALERT:
    case LOG_CRIT:
    case LOG_ERR:
        return "error";
    case LOG_WARNING:
        return "warning";
    case LOG_NOTICE:
        return "notice";
    case LOG_DEBUG:
        return "debug";
    default:
        return "info";
    }
}

static void log_v(int level, const char *fmt, va_list ap)
{
    char line[1024];
    int n;
    int to_journal = atomic_load(&journal);
    if (to_journal < 0) {
        to_journal = stderr_is_journal();
        atomic_store(&journal, to_journal);
    }
    if (to_journal) {
        n = snprintf(line, sizeof(line), "<%d>", level & 7);
    } else {
        char when[TIME_BUFSZ];
        time_iso8601(time_now(), when);
        n = snprintf(line, sizeof(line), "%s %s ", when, level_word(level));
    }
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* One write per line, so lines from the worker threads (and from
     * other processes appending to the same file) never interleave. */
    size_t len = strnlen(line, sizeof(line) - 2);
    line[len++] = '\n';
    ssize_t w;
    do
        w = write(STDERR_FILENO, line, len);
    while (w < 0 && errno == EINTR);
}

void server_log_at(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(level, fmt, ap);
    va_end(ap);
}

void server_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(LOG_INFO, fmt, ap);
    va_end(ap);
}

int server_log_open(const struct serve_config *cfg)
{
    if (cfg->log_file[0] == '\0') {
        atomic_store(&journal, -1);
        return 0;
    }
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
    atomic_store(&journal, -1); /* a file now, whatever it was */
    return rc;
}
