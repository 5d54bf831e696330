/* fuzz_import: `outpost import` (store_import) over arbitrary bytes, into
 * a new in-memory store each time. A refusal must write nothing and say
 * why in one line. A document that imports must export and import again
 * to the same bytes (README.md, "Export format"), and the server must be
 * able to load and render every view of what it holds: import checks what
 * the CLI checks, so nothing it lets in may break a renderer. */
#include <stdbool.h>
#include <string.h>

#include <uv.h>

#include "../../protocols/proto.h"
#include "../../server/server.h"
#include "../../store/store.h"
#include "fuzz.h"

static struct store *fresh(void)
{
    struct store *st = NULL;
    char err[256];
    int rc = store_open(":memory:", &st, err, sizeof(err));
    if (rc != 0)
        fprintf(fuzz_report, "store_open: %s\n", err);
    FUZZ_CHECK(rc == 0);
    return st;
}

static void check_message(const char *msg)
{
    FUZZ_CHECK(msg != NULL && msg[0] != '\0');
    FUZZ_CHECK(strchr(msg, '\n') == NULL && strchr(msg, '\r') == NULL);
}

static void export_or_die(struct store *st, struct buf *out)
{
    int rc = store_export(st, out);
    if (rc != 0)
        fprintf(fuzz_report, "export: %s\n", store_errmsg(st));
    FUZZ_CHECK(rc == 0);
}

static void count_view(const struct view *v, void *arg)
{
    (void)arg;
    FUZZ_CHECK(v->body != NULL);
}

static void render_or_die(struct store *st)
{
    struct snapshot *s = NULL;
    int rc = store_load(st, FUZZ_NOW, &s);
    if (rc != 0)
        fprintf(fuzz_report, "load: %s\n", store_errmsg(st));
    FUZZ_CHECK(rc == 0);
    s->site.name = "Example Net status";
    s->site.hostname = "status.example.net";
    s->site.base_url = "https://status.example.net";
    s->site.http_port = 80;
    s->site.gopher_port = 70;
    s->site.finger_port = 79;
    s->site.max_age = 15;
    FUZZ_CHECK(reload_render(s) == 0);
    /* And every cached page: each post's, service's and month's. */
    const struct proto *const protos[] = {&http_proto, &gopher_proto,
                                          &finger_proto};
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
        FUZZ_CHECK(protos[i]->each_view(s, count_view, NULL) == 0);
    snapshot_unref(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

/* The store inputs are imported into. A refused import writes nothing
 * (checked each time), so the same store serves until one succeeds: that
 * saves creating the schema for every input. */
static struct store *empty_store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (empty_store == NULL)
        empty_store = fresh();
    struct store *st = empty_store;
    int rc = store_import(st, (const char *)data, size);
    FUZZ_CHECK(rc == 0 || rc == UV_EINVAL || rc == UV_ENOMEM);
    if (rc != 0) {
        check_message(store_errmsg(st));
        bool empty = false;
        FUZZ_CHECK(store_is_empty(st, &empty) == 0 && empty);
        return 0;
    }
    empty_store = NULL;
    struct buf first = BUF_INIT, second = BUF_INIT;
    export_or_die(st, &first);
    render_or_die(st);
    store_close(st);

    st = fresh();
    rc = store_import(st, first.data, first.len);
    if (rc != 0)
        fprintf(fuzz_report, "re-import: %s\n", store_errmsg(st));
    FUZZ_CHECK(rc == 0);
    export_or_die(st, &second);
    store_close(st);
    FUZZ_CHECK(first.len == second.len &&
               memcmp(first.data, second.data, first.len) == 0);
    buf_free(&first);
    buf_free(&second);
    return 0;
}
