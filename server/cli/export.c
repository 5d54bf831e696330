/* export: the commands that move the whole store as one JSON document
 * (store_export, store_import; the format is in README.md), to and from
 * files, pipes and the terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "cli_int.h"

/* Writes data to path through a temporary file and rename(), so a reader
 * (or a crash) never sees half an export. */
static int write_file_atomically(const char *name, const char *path,
                                 const char *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return cli_fail("%s: file name too long", name);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        cli_fail("%s: cannot write %s: %s", name, tmp, strerror(errno));
        return 2;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        cli_fail("%s: cannot write %s: %s", name, path, strerror(errno));
        unlink(tmp);
        return 2;
    }
    return 0;
}

int cli_cmd_export(const char *db_path, const char *name, struct cli_opts *o)
{
    struct store *st;
    int rc = cli_open_store(db_path, false, &st);
    if (rc != 0)
        return rc;
    struct buf out = BUF_INIT;
    rc = cli_store_done(st, store_export(st, &out));
    if (rc == 0) {
        if (o->n_args > 0 && strcmp(o->args[0], "-") != 0)
            rc = write_file_atomically(name, o->args[0], out.data, out.len);
        else
            rc = cli_flush(&out);
    }
    buf_free(&out);
    return rc;
}

/* Reads all of f, at most max bytes, into one malloc'd buffer that the
 * caller frees, so that `import` holds the document in memory once, at
 * its own size: a regular file's size is known up front (fstat), so its
 * buffer is exact from the start; a pipe's grows by doubling and is
 * shrunk to fit at the end, before the parse needs any memory. Returns
 * UV_E2BIG when f holds more than max bytes, UV_EIO on a read error,
 * UV_ENOMEM. */
static int read_all(FILE *f, size_t max, char **out, size_t *len_out)
{
    struct stat sb;
    size_t cap = 65536, len = 0;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode))
        cap = (uintmax_t)sb.st_size < max ? (size_t)sb.st_size + 1 : max + 1;
    char *data = malloc(cap);
    *out = NULL;
    *len_out = 0;
    for (;;) {
        if (data == NULL)
            return UV_ENOMEM;
        if (len == cap) {
            /* Full: one byte past max tells that the input is too big;
             * a regular file's buffer fills only if the file grew. */
            if (cap > max) {
                free(data);
                return UV_E2BIG;
            }
            cap = cap < (max + 1) / 2 ? 2 * cap : max + 1;
            char *bigger = realloc(data, cap);
            if (bigger == NULL)
                free(data);
            data = bigger;
            continue;
        }
        size_t n = fread(data + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    if (ferror(f)) {
        free(data);
        return UV_EIO;
    }
    if (cap > len + 1) {
        char *fit = realloc(data, len + 1);
        if (fit != NULL)
            data = fit;
    }
    *out = data;
    *len_out = len;
    return 0;
}

int cli_cmd_import(const char *db_path, const char *name, struct cli_opts *o)
{
    const char *path = o->args[0];
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return cli_fail("%s: cannot read %s: %s", name, path, strerror(errno));
    char *data;
    size_t len;
    int rc = read_all(f, STORE_IMPORT_MAX, &data, &len);
    if (f != stdin)
        fclose(f);
    if (rc == UV_E2BIG)
        return cli_fail("%s: %s is larger than %d MiB", name, path,
                        STORE_IMPORT_MAX / (1024 * 1024));
    if (rc != 0)
        return cli_fail("%s: cannot read %s", name, path);
    struct store *st;
    struct store_merge res;
    /* Importing into a new file is the point: create it if missing. A
     * merge adds to a store, so a missing one is a wrong --db. */
    rc = cli_open_store(db_path, !o->merge, &st);
    if (rc == 0)
        rc = cli_store_done(st, o->merge
                                    ? store_import_merge(st, data, len, &res)
                                    : store_import(st, data, len));
    free(data);
    if (rc == 0 && o->merge) {
        struct buf out = BUF_INIT;
        if (res.posts > 0)
            buf_printf(&out, "merged %zu post%s as #%" PRId64 " to #%" PRId64,
                       res.posts, res.posts == 1 ? "" : "s", res.first_id,
                       res.last_id);
        else
            buf_puts(&out, "merged no posts");
        buf_printf(&out, "; %zu new service%s\n", res.services_added,
                   res.services_added == 1 ? "" : "s");
        rc = cli_flush(&out);
    }
    return rc;
}
