/* Unit tests of finger's history replies ("history", "/W history") on a
 * big archive: they are rendered only as far as the 64 KiB cap needs
 * (text_history_upto, protocols/finger.c), and must be byte for byte the
 * reply that rendering the whole history and cutting it gives. The cut
 * is written out here as finger.c makes it (at the last line end before
 * the cap less room for a note, then a note naming the web page).
 *
 * Text shrinks on its way to ASCII (an emoji of four bytes becomes one
 * "?", a CJK character of three one "?") and grows (a trade mark sign
 * becomes "(TM)", a line end CRLF), so the archives below put such text
 * where it decides how far the rendering must go: in the newest posts'
 * bodies, in their titles, all over; and characters that are dropped
 * (zero-width, bidi controls) all over. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocols/proto.h"
#include "../../protocols/text.h"
#include "../../store/common/timeutil.h"
#include "../../store/snapshot.h"
#include "protodrive.h"
#include "snapkit.h"
#include "testlib.h"

#define NOW 1795000000
/* finger.c's cap and the room it keeps for its note. */
#define REPLY_MAX (64 * 1024)
#define NOTE_MAX 1024

#define ZWSP "\xe2\x80\x8b"     /* U+200B, dropped */
#define GRIN "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes -> "?" */
#define TM "\xe2\x84\xa2"       /* U+2122, 3 bytes -> "(TM)" */
#define EACUTE "\xc3\xa9"       /* U+00E9, 2 bytes -> "e" */
#define RTL "\xe2\x80\xae"      /* U+202E, a bidi control, dropped */
#define HAN "\xe7\xb6\xb2"      /* U+7DB2, 3 bytes -> "?" */

/* What the newest posts (the first to be rendered) are made of. */
enum flavour {
    PLAIN,       /* ASCII words */
    DROPPED,     /* words in a lot of characters that are dropped */
    DENSE,       /* words in emoji and CJK: a quarter or a third in ASCII */
    DENSE_TITLE, /* the same in the titles, plain bodies */
    MIXED,       /* emoji, accents, trade marks: shrinks and grows */
};

struct fx {
    struct snapshot *s;
    bool oom;
    struct snapkit_rng rng;
};

static char *fx_text(struct fx *f, const char *p, size_t n)
{
    char *d = snapshot_memdup(f->s, p, n);
    if (d == NULL)
        f->oom = true;
    return d;
}

/* About `words` words of text of the flavour into b. */
static void words(struct fx *f, struct buf *b, enum flavour fl, size_t n)
{
    static const char *const plain[] = {
        "the",       "fibre", "ring",      "was",     "cut",  "near",
        "Stonegate", "and",   "engineers", "spliced", "it",   "again",
        "traffic",   "moved", "back",      "to",      "the",  "primary",
        "path",      "after", "checks",    "on",      "both", "sides"};
    for (size_t i = 0; i < n; i++) {
        const char *w = plain[snapkit_below(&f->rng, 24)];
        if (i > 0)
            buf_putc(b, snapkit_below(&f->rng, 40) == 0 ? '\n' : ' ');
        switch (fl) {
        case PLAIN:
            buf_puts(b, w);
            break;
        case DROPPED:
            /* A word, and many times its size in nothing. */
            for (int k = 0; k < 12; k++)
                buf_puts(b, k % 3 ? ZWSP : RTL);
            buf_puts(b, w);
            break;
        case DENSE:
        case DENSE_TITLE:
            for (int k = 0; k < 6; k++)
                buf_puts(b, k % 2 ? GRIN : HAN);
            break;
        case MIXED:
            buf_puts(b, w);
            buf_puts(b, snapkit_below(&f->rng, 3) == 0   ? GRIN GRIN
                        : snapkit_below(&f->rng, 2) == 0 ? TM
                                                         : EACUTE);
            break;
        }
    }
}

/* An archive of n posts, newest id first, spread over months of 40 to
 * 220 posts (so that a month may take several pages); the newest `hot`
 * posts are of flavour fl, the rest plain. */
static struct snapshot *archive(size_t n, size_t hot, enum flavour fl,
                                uint64_t seed)
{
    struct fx f = {snapshot_new(), false, {seed}};
    if (f.s == NULL)
        return NULL;
    struct snapshot *s = f.s;
    snapkit_site(s, "Example Net status");
    s->generated_at = NOW;
    s->services = snapshot_alloc(s, 2 * sizeof(*s->services));
    s->incidents = snapshot_alloc(s, n * sizeof(*s->incidents));
    if (s->services == NULL || s->incidents == NULL) {
        snapshot_unref(s);
        return NULL;
    }
    static const char *const names[] = {"DSL broadband", "Fibre"};
    s->n_services = 2;
    for (size_t i = 0; i < 2; i++) {
        s->services[i].id = (int64_t)i + 1;
        s->services[i].slug = i == 0 ? "dsl" : "fibre";
        s->services[i].name = names[i];
        s->services[i].position = (int)i + 1;
    }
    /* Newest first: post n at the latest time. */
    int64_t t = NOW - 3600;
    size_t left_in_month = 40 + snapkit_below(&f.rng, 180);
    struct buf b = BUF_INIT;
    for (size_t k = 0; k < n; k++) {
        struct incident *inc = &s->incidents[k];
        enum flavour here = k < hot ? fl : PLAIN;
        inc->id = (int64_t)(n - k);
        inc->kind = KIND_INCIDENT;
        inc->status = k % 5 == 0 ? STATUS_POSTMORTEM : STATUS_RESOLVED;
        inc->impact = (enum impact)(k % 4);
        if (left_in_month-- == 0) {
            /* On to the month before. */
            t -= 31 * 86400;
            left_in_month = 40 + snapkit_below(&f.rng, 180);
        }
        t -= 600;
        inc->created_at = inc->started_at = t;
        inc->resolved_at = inc->updated_at = t + 3600;
        buf_reset(&b);
        buf_printf(&b, "Trouble number %zu: ", n - k);
        words(&f, &b, here == DENSE_TITLE ? DENSE : here, 4);
        inc->title = fx_text(&f, b.data, b.len);
        if (inc->status == STATUS_POSTMORTEM) {
            buf_reset(&b);
            words(&f, &b, here == DENSE_TITLE ? PLAIN : here, 60);
            inc->postmortem = fx_text(&f, b.data, b.len);
            inc->postmortem_at = t + 7200;
        }
        inc->services = snapshot_alloc(s, sizeof(*inc->services));
        inc->updates = snapshot_alloc(s, 2 * sizeof(*inc->updates));
        if (inc->services == NULL || inc->updates == NULL) {
            f.oom = true;
            break;
        }
        inc->n_services = 1;
        inc->services[0].service = k % 2;
        inc->services[0].service_id = (int64_t)(k % 2) + 1;
        inc->n_updates = 2;
        for (int u = 0; u < 2; u++) {
            struct update *up = &inc->updates[u];
            up->id = (int64_t)(n - k) * 10 + (1 - u);
            up->created_at = u == 0 ? t + 3600 : t;
            up->status = u == 0 ? STATUS_RESOLVED : STATUS_INVESTIGATING;
            buf_reset(&b);
            words(&f, &b, here == DENSE_TITLE ? PLAIN : here,
                  40 + snapkit_below(&f.rng, 120));
            up->body = fx_text(&f, b.data, b.len);
            up->author = u == 0 ? "NOC" : NULL;
            up->via = "cli";
        }
        s->n_incidents = k + 1;
    }
    if (buf_failed(&b))
        f.oom = true;
    buf_free(&b);
    if (f.oom || snapshot_derive(s) != 0 || finger_proto.prerender(s) != 0) {
        snapshot_unref(s);
        return NULL;
    }
    return s;
}

/* The reply finger.c's finger_body makes of text, cut as it cuts. */
static void cut_reply(const struct snapshot *s, const struct buf *text,
                      struct buf *out, bool *cut_out)
{
    buf_reset(out);
    text_to_finger(out, text->data != NULL ? text->data : "", text->len);
    *cut_out = out->len > REPLY_MAX;
    if (!*cut_out)
        return;
    struct buf url = BUF_INIT, note = BUF_INIT, ascii = BUF_INIT;
    text_web_url(&url, s, "/history");
    buf_puts(&note, "\n[truncated: see ");
    text_clean(&note, url.data != NULL ? url.data : "");
    buf_puts(&note, "]\n");
    text_to_finger(&ascii, note.data, note.len);
    size_t cut = REPLY_MAX - NOTE_MAX;
    while (cut > 0 && out->data[cut - 1] != '\n')
        cut--;
    out->len = cut;
    if (ascii.len <= NOTE_MAX)
        buf_append(out, ascii.data, ascii.len);
    else
        buf_puts(out, "\r\n[truncated: see the web version]\r\n");
    buf_free(&url);
    buf_free(&note);
    buf_free(&ascii);
}

/* How the finger view of the history must look: the full text cut.
 * Returns whether it was cut. CHECKs the view, and the reply to the
 * query through on_data, against it. */
static bool check_history(const struct snapshot *s, bool long_form)
{
    struct buf full = BUF_INIT, want = BUF_INIT, wire = BUF_INIT;
    text_history(&full, s, long_form);
    bool cut = false;
    cut_reply(s, &full, &want, &cut);
    const char *key = long_form ? "finger:/W history" : "finger:history";
    const struct view *v = finger_proto.view(s, key);
    CHECK(v != NULL);
    if (v != NULL) {
        bool same =
            v->len == want.len && memcmp(v->body, want.data, want.len) == 0;
        CHECK(same);
        CHECK(v->len <= REPLY_MAX);
        if (!same) {
            size_t i = 0;
            while (i < v->len && i < want.len && v->body[i] == want.data[i])
                i++;
            printf("  %s: %zu bytes, want %zu; they part at byte %zu "
                   "(full text %zu bytes)\n",
                   key, v->len, want.len, i, full.len);
        }
    }
    const char *query = long_form ? "/W history\r\n" : "history\r\n";
    CHECK_INT(protodrive_once(&finger_proto, s, query, strlen(query), NULL, 0,
                              false, &wire),
              PROTO_REPLY_CLOSE);
    CHECK(wire.len == want.len && memcmp(wire.data, want.data, want.len) == 0);
    buf_free(&full);
    buf_free(&want);
    buf_free(&wire);
    return cut;
}

TEST(plain_archive)
{
    struct snapshot *s = archive(3000, 0, PLAIN, 1);
    REQUIRE(s != NULL);
    CHECK(check_history(s, true));
    CHECK(check_history(s, false));
    snapshot_unref(s);
}

TEST(newest_bodies_dense)
{
    /* The newest posts' text is four or three times its ASCII: the text
     * rendered before the cut is long, and must be cut where the whole
     * would be. */
    struct snapshot *s = archive(3000, 400, DENSE, 2);
    REQUIRE(s != NULL);
    CHECK(check_history(s, true));
    CHECK(check_history(s, false));
    snapshot_unref(s);
}

TEST(newest_titles_dense)
{
    /* The same for the short form, which lists titles only. */
    struct snapshot *s = archive(3000, 3000, DENSE_TITLE, 3);
    REQUIRE(s != NULL);
    CHECK(check_history(s, false));
    snapshot_unref(s);
}

TEST(dropped_characters_everywhere)
{
    struct snapshot *s = archive(1000, 1000, DROPPED, 7);
    REQUIRE(s != NULL);
    CHECK(check_history(s, true));
    CHECK(check_history(s, false));
    snapshot_unref(s);
}

TEST(shrinking_and_growing_text)
{
    struct snapshot *s = archive(1000, 1000, MIXED, 4);
    REQUIRE(s != NULL);
    CHECK(check_history(s, true));
    CHECK(check_history(s, false));
    snapshot_unref(s);
}

TEST(dense_text_everywhere)
{
    struct snapshot *s = archive(400, 400, DENSE, 5);
    REQUIRE(s != NULL);
    (void)check_history(s, true);
    (void)check_history(s, false);
    snapshot_unref(s);
}

TEST(small_archive_is_not_cut)
{
    struct snapshot *s = archive(10, 10, MIXED, 6);
    REQUIRE(s != NULL);
    CHECK(!check_history(s, true));
    CHECK(!check_history(s, false));
    snapshot_unref(s);
}

TEST(many_sizes_around_the_cap)
{
    /* Archives whose history ends near the cap, on either side of it. */
    for (size_t n = 20; n <= 140; n += 10) {
        struct snapshot *s = archive(n, n / 2, MIXED, 100 + n);
        REQUIRE(s != NULL);
        (void)check_history(s, true);
        if (test_failed_current) {
            printf("  (%zu posts)\n", n);
            snapshot_unref(s);
            return;
        }
        snapshot_unref(s);
    }
}

int main(void)
{
    RUN(plain_archive);
    RUN(newest_bodies_dense);
    RUN(newest_titles_dense);
    RUN(dropped_characters_everywhere);
    RUN(shrinking_and_growing_text);
    RUN(dense_text_everywhere);
    RUN(small_archive_is_not_cut);
    RUN(many_sizes_around_the_cap);
    return test_report();
}
