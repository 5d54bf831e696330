#include <stdarg.h>
#include <stdio.h>

#include "../store/timeutil.h"
#include "server.h"

void server_log(const char *fmt, ...)
{
    char when[TIME_BUFSZ];
    time_iso8601(time_now(), when);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s ", when);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
