/* Unit tests for core/path.c: GOP cache, fan-out, slow readers, re-entrancy, stats. */
#include "core/error.h"
#include "core/path.h"
#include "vg_test.h"

static uint64_t fake_ms = 1000;
static uint64_t fake_clock(void)
{
    return fake_ms;
}

typedef struct sink {
    int tracks_calls;
    size_t track_count;
    int n;
    int64_t pts[256];
    uint32_t flags[256];
    int ended;
    const char *end_reason;
    vg_reader *self;
    int remove_after; /* remove itself on the Nth AU (1-based); 0: never */
    int pause_after;  /* pause itself after the Nth AU; 0: never */
} sink;

static void on_tracks(vg_reader *r, void *ctx, vg_track *const *tracks, size_t count)
{
    sink *s = ctx;
    s->tracks_calls++;
    s->track_count = count;
}

static void on_au(vg_reader *r, void *ctx, vg_au *au)
{
    sink *s = ctx;
    if (s->n < 256) {
        s->pts[s->n] = au->pts;
        s->flags[s->n] = au->flags;
    }
    s->n++;
    if (s->remove_after && s->n == s->remove_after)
        vg_reader_remove(r);
    else if (s->pause_after && s->n == s->pause_after)
        vg_reader_pause(r);
}

static void on_end(vg_reader *r, void *ctx, int code, const char *reason)
{
    sink *s = ctx;
    s->ended++;
    s->end_reason = reason;
}

static const vg_reader_ops ops = {on_tracks, on_au, on_end};

static vg_path *make_path(int max_readers, size_t gop_max)
{
    vg_path_options opt = {
        .max_readers = max_readers, .gop_cache_max_bytes = gop_max, .now_ms = fake_clock};
    vg_path *p = vg_path_create("cam_1", &opt);
    vg_track *video = vg_track_create(VG_CODEC_H264);
    vg_track *audio = vg_track_create(VG_CODEC_AAC);
    vg_track *tracks[] = {video, audio};
    CHECK_INT_EQ(vg_path_set_tracks(p, tracks, 2), 0);
    vg_track_unref(&video);
    vg_track_unref(&audio);
    return p;
}

/* Publishes one AU of `size` bytes; returns the publish result. */
static int pub(vg_path *p, uint32_t track, int64_t pts, bool key, size_t size)
{
    vg_au *au = vg_au_create(size);
    memset(au->data, 0xab, size);
    au->track = track;
    au->pts = au->dts = pts;
    au->flags = key ? VG_AU_KEY : 0;
    int rc = vg_path_publish(p, au);
    vg_au_unref(&au);
    CHECK(au == NULL);
    return rc;
}

static void test_new_reader_gets_tracks_then_cached_gop(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, false, 100); /* before any key frame: not cached */
    pub(p, 0, 1, true, 100);
    pub(p, 1, 2, false, 10);
    pub(p, 0, 3, false, 100);
    vg_path_stats st;
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.gop_cache_aus, 3);

    sink s = {0};
    vg_reader *r;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, &(vg_reader_options){.name = "t"}, &r), 0);
    CHECK_INT_EQ(s.tracks_calls, 1);
    CHECK_INT_EQ(s.track_count, 2);
    CHECK_INT_EQ(s.n, 3);
    CHECK_INT_EQ(s.pts[0], 1);
    CHECK(s.flags[0] & VG_AU_KEY);
    pub(p, 0, 4, false, 100);
    CHECK_INT_EQ(s.n, 4);
    /* A new key frame restarts the cache. */
    pub(p, 0, 5, true, 100);
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.gop_cache_aus, 1);
    vg_reader_remove(r);
    vg_path_destroy(p);
}

static void test_reader_can_start_a_gop_earlier(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, false, 100); /* before any key frame: in no GOP */
    pub(p, 0, 1, true, 100);  /* GOP A: 1, 2, 3 */
    pub(p, 1, 2, false, 10);
    pub(p, 0, 3, false, 100);
    pub(p, 0, 4, true, 100); /* GOP B: 4, 5 */
    pub(p, 0, 5, false, 100);

    /* An HLS muxer gets A and B: a whole segment at once, then the one in progress. */
    sink hls = {0}, plain = {0};
    vg_reader *r1, *r2;
    vg_reader_options back = {.name = "hls", .from_previous_gop = true};
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &hls, &back, &r1), 0);
    CHECK_INT_EQ(hls.n, 5);
    CHECK_INT_EQ(hls.pts[0], 1);
    CHECK_INT_EQ(hls.pts[3], 4);
    /* Others start at the last key frame, as before. */
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &plain, &(vg_reader_options){.name = "t"}, &r2), 0);
    CHECK_INT_EQ(plain.n, 2);
    CHECK_INT_EQ(plain.pts[0], 4);
    vg_reader_remove(r1);
    vg_reader_remove(r2);

    /* After the source stopped, neither GOP is offered: they are stale. */
    vg_path_clear_cache(p);
    sink late = {0};
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &late, &back, &r1), 0);
    CHECK_INT_EQ(late.n, 0);
    vg_reader_remove(r1);

    /* A GOP that overflowed the cache is not whole: no previous GOP after it. */
    vg_path_destroy(p);
    p = make_path(0, 1000);
    pub(p, 0, 10, true, 600);
    pub(p, 0, 11, false, 600); /* over 1000 bytes: GOP 10 is dropped */
    pub(p, 0, 12, true, 100);
    sink after = {0};
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &after, &back, &r1), 0);
    CHECK_INT_EQ(after.n, 1);
    CHECK_INT_EQ(after.pts[0], 12);
    vg_reader_remove(r1);
    vg_path_destroy(p);
}

static void test_reader_without_cache_starts_at_key_frame(void)
{
    vg_path *p = make_path(0, 0);
    sink s = {0};
    vg_reader *r;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, NULL, &r), 0);
    pub(p, 0, 0, false, 10);
    pub(p, 1, 1, false, 10);
    CHECK_INT_EQ(s.n, 0);
    pub(p, 0, 2, true, 10);
    pub(p, 1, 3, false, 10);
    CHECK_INT_EQ(s.n, 2);
    CHECK_INT_EQ(s.pts[0], 2);
    vg_reader_stats rs;
    vg_reader_stats_get(r, &rs);
    CHECK_INT_EQ(rs.dropped, 0); /* waiting for a first key frame is not being slow */
    vg_reader_remove(r);
    vg_path_destroy(p);
}

static void test_paused_reader_queues_then_drops_to_key_frame(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    sink fast = {0}, slow = {0};
    vg_reader *rf, *rs;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &fast, NULL, &rf), 0);
    vg_reader_options small = {.name = "slow", .queue_max_aus = 4};
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &slow, &small, &rs), 0);
    vg_reader_pause(rs);
    for (int i = 1; i <= 10; i++)
        pub(p, 0, i, false, 10); /* 4 queue, 6 drop */
    pub(p, 0, 11, true, 10);     /* queue still full: the key frame does not fit, dropped */
    CHECK_INT_EQ(fast.n, 12);    /* the fast reader never noticed */
    CHECK_INT_EQ(slow.n, 1);
    vg_reader_stats st;
    vg_reader_stats_get(rs, &st);
    CHECK_INT_EQ(st.queued, 4);
    CHECK_INT_EQ(st.dropped, 7);

    vg_reader_resume(rs); /* the consistent prefix 1..4 arrives in order */
    CHECK_INT_EQ(slow.n, 5);
    CHECK_INT_EQ(slow.pts[1], 1);
    CHECK_INT_EQ(slow.pts[4], 4);
    pub(p, 0, 12, false, 10); /* still dropping: not a key frame */
    CHECK_INT_EQ(slow.n, 5);
    pub(p, 0, 13, true, 10); /* the next key frame ends the drop */
    pub(p, 1, 14, false, 10);
    CHECK_INT_EQ(slow.n, 7);
    CHECK_INT_EQ(slow.pts[5], 13);
    vg_reader_stats_get(rs, &st);
    CHECK_INT_EQ(st.dropped, 8);
    vg_path_stats ps;
    vg_path_stats_get(p, &ps);
    CHECK_INT_EQ(ps.dropped, 8);
    vg_reader_remove(rs);
    vg_path_stats_get(p, &ps);
    CHECK_INT_EQ(ps.dropped, 8); /* kept after the reader left */
    vg_reader_remove(rf);
    vg_path_destroy(p);
}

static void test_byte_bound_on_queue(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    sink s = {0};
    vg_reader *r;
    vg_reader_options o = {.queue_max_bytes = 250};
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, &o, &r), 0);
    vg_reader_pause(r);
    pub(p, 0, 1, false, 100);
    pub(p, 0, 2, false, 100);
    pub(p, 0, 3, false, 100); /* 300 > 250 */
    vg_reader_stats st;
    vg_reader_stats_get(r, &st);
    CHECK_INT_EQ(st.queued, 2);
    CHECK_INT_EQ(st.dropped, 1);
    vg_reader_remove(r); /* with AUs still queued: ASan checks they are released */
    vg_path_destroy(p);
}

static void test_pause_from_callback_then_resume(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    pub(p, 0, 1, false, 10);
    pub(p, 0, 2, false, 10);
    sink s = {.pause_after = 2};
    vg_reader *r;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, NULL, &r), 0);
    CHECK_INT_EQ(s.n, 2); /* paused itself mid-replay: the rest waits */
    pub(p, 0, 3, false, 10);
    s.pause_after = 0;
    vg_reader_resume(r);
    CHECK_INT_EQ(s.n, 4);
    CHECK_INT_EQ(s.pts[3], 3);
    vg_reader_remove(r);
    vg_path_destroy(p);
}

static void test_remove_from_inside_callbacks(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    sink a = {.remove_after = 2}, b = {0}, c = {.remove_after = 1};
    vg_reader *ra, *rb, *rc;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &a, NULL, &ra), 0);
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &b, NULL, &rb), 0);
    /* c removes itself while receiving the cached GOP: add reports it. */
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &c, NULL, &rc), VG_ESTATE);
    CHECK(rc == NULL);
    CHECK_INT_EQ(vg_path_reader_count(p), 2);
    pub(p, 0, 1, false, 10); /* a removes itself here, during the fan-out */
    pub(p, 0, 2, false, 10);
    CHECK_INT_EQ(a.n, 2);
    CHECK_INT_EQ(b.n, 3);
    CHECK_INT_EQ(vg_path_reader_count(p), 1);
    vg_reader_remove(rb);
    vg_path_destroy(p);
}

static void test_max_readers(void)
{
    vg_path *p = make_path(2, 0);
    sink s[3] = {{0}};
    vg_reader *r[3];
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s[0], NULL, &r[0]), 0);
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s[1], NULL, &r[1]), 0);
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s[2], NULL, &r[2]), VG_ELIMIT);
    vg_reader_remove(r[0]);
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s[2], NULL, &r[2]), 0);
    vg_reader_remove(r[1]);
    vg_reader_remove(r[2]);
    vg_path_destroy(p);
}

static void test_gop_cache_bound(void)
{
    vg_path *p = make_path(0, 1000);
    pub(p, 0, 0, true, 400);
    pub(p, 0, 1, false, 400);
    vg_path_stats st;
    vg_path_stats_get(p, &st);
    /* The bound counts what an entry costs: payload, AU header and pointer. */
    CHECK_INT_EQ(st.gop_cache_bytes, 2 * (400 + sizeof(vg_au) + sizeof(vg_au *)));
    pub(p, 0, 2, false, 400); /* over 1000: the cache gives up until the next key frame */
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.gop_cache_aus, 0);
    pub(p, 0, 3, false, 10);
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.gop_cache_aus, 0);
    pub(p, 0, 4, true, 10);
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.gop_cache_aus, 1);
    CHECK(st.gop_cache_bytes <= 1000);
    vg_path_destroy(p);
}

static void test_new_tracks_restart_readers(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    sink s = {0};
    vg_reader *r;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, NULL, &r), 0);
    vg_track *v = vg_track_create(VG_CODEC_H265);
    CHECK_INT_EQ(vg_path_set_tracks(p, &v, 1), 0);
    vg_track_unref(&v);
    CHECK_INT_EQ(s.tracks_calls, 2);
    CHECK_INT_EQ(s.track_count, 1);
    CHECK_INT_EQ(pub(p, 1, 1, false, 10), VG_EINVAL); /* no track 1 any more */
    pub(p, 0, 2, false, 10);                          /* not a key frame of the new track */
    CHECK_INT_EQ(s.n, 1);
    pub(p, 0, 3, true, 10);
    CHECK_INT_EQ(s.n, 2);
    vg_reader_remove(r);
    vg_path_destroy(p);
}

static void test_stats(void)
{
    fake_ms = 10000;
    vg_path *p = make_path(0, 0);
    vg_path_stats st;
    vg_path_stats_get(p, &st);
    CHECK_INT_EQ(st.last_frame_age_ms, -1);
    /* 25 frames of 15000 bytes each second for 3 seconds: 25 fps, 3 Mbit/s. */
    for (int i = 0; i < 75; i++) {
        pub(p, 0, i * 3600, i % 25 == 0, 15000);
        fake_ms += 40;
    }
    fake_ms -= 40;
    pub(p, 0, 75 * 3600, false, 15000);
    vg_path_stats_get(p, &st);
    CHECK(st.fps > 24.0 && st.fps < 26.5);
    CHECK(st.bitrate_bps > 2.9e6 && st.bitrate_bps < 3.2e6);
    CHECK_INT_EQ(st.frames_in, 76);
    CHECK_INT_EQ(st.last_frame_age_ms, 0);
    fake_ms += 5000; /* the camera went quiet */
    vg_path_stats_get(p, &st);
    CHECK(st.fps == 0);
    CHECK_INT_EQ(st.last_frame_age_ms, 5000);
    vg_path_destroy(p);
}

static void test_end_readers_and_destroy(void)
{
    vg_path *p = make_path(0, 0);
    sink a = {0}, b = {0};
    vg_reader *ra, *rb;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &a, NULL, &ra), 0);
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &b, NULL, &rb), 0);
    vg_path_end_readers(p, VG_ESTATE, "no key frame within 10s");
    CHECK_INT_EQ(a.ended, 1);
    CHECK_STR_EQ(a.end_reason, "no key frame within 10s");
    CHECK_INT_EQ(vg_path_reader_count(p), 0);
    pub(p, 0, 0, true, 10);
    CHECK_INT_EQ(a.n, 0); /* detached: nothing more arrives */
    vg_reader_remove(ra); /* the owner frees it afterwards */
    vg_reader_remove(rb);

    sink c = {0};
    vg_reader *rc;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &c, NULL, &rc), 0);
    vg_path_destroy(p);
    CHECK_INT_EQ(c.ended, 1);
    CHECK_STR_EQ(c.end_reason, "path deleted");
    vg_reader_remove(rc);
}

static void test_au_refcount(void)
{
    vg_au *a = vg_au_create(8);
    vg_au *b = vg_au_ref(a);
    vg_au_unref(&a);
    CHECK(a == NULL);
    CHECK(b->size == 8);
    vg_au_unref(&b);
    vg_au_unref(&b); /* NULL-safe */
    vg_track *t = vg_track_create(VG_CODEC_H264);
    CHECK(t->is_video && t->clock_rate == 90000);
    uint8_t cfg[] = {1, 2, 3};
    CHECK_INT_EQ(vg_track_set_config(t, cfg, 3), 0);
    vg_track *t2 = vg_track_ref(t);
    vg_track_unref(&t);
    CHECK_INT_EQ(t2->config[2], 3);
    vg_track_unref(&t2);
    CHECK_STR_EQ(vg_codec_name(VG_CODEC_PCMA), "pcma");
}

/* Many tiny AUs cannot grow the cache past its bound: headers count too. */
static void test_gop_cache_counts_headers(void)
{
    vg_path *p = make_path(0, 100000);
    pub(p, 0, 0, true, 1);
    for (int i = 1; i < 10000; i++)
        pub(p, 1, i, false, 1); /* one-byte audio AUs */
    vg_path_stats st;
    vg_path_stats_get(p, &st);
    CHECK(st.gop_cache_bytes <= 100000);
    CHECK(st.gop_cache_aus < 100000 / sizeof(vg_au));
    vg_path_destroy(p);
}

static void test_clear_cache_and_no_end_inside_callbacks(void)
{
    vg_path *p = make_path(0, 0);
    pub(p, 0, 0, true, 10);
    vg_path_clear_cache(p);
    sink s = {0};
    vg_reader *r;
    CHECK_INT_EQ(vg_path_add_reader(p, &ops, &s, NULL, &r), 0);
    CHECK_INT_EQ(s.n, 0); /* nothing stale is replayed */
    pub(p, 0, 1, false, 10);
    CHECK_INT_EQ(s.n, 0); /* and it waits for a key frame */
    pub(p, 0, 2, true, 10);
    CHECK_INT_EQ(s.n, 1);
    vg_reader_remove(r);
    vg_path_destroy(p);
}

int main(void)
{
    VG_TEST_RUN(test_new_reader_gets_tracks_then_cached_gop);
    VG_TEST_RUN(test_reader_can_start_a_gop_earlier);
    VG_TEST_RUN(test_reader_without_cache_starts_at_key_frame);
    VG_TEST_RUN(test_paused_reader_queues_then_drops_to_key_frame);
    VG_TEST_RUN(test_byte_bound_on_queue);
    VG_TEST_RUN(test_pause_from_callback_then_resume);
    VG_TEST_RUN(test_remove_from_inside_callbacks);
    VG_TEST_RUN(test_max_readers);
    VG_TEST_RUN(test_gop_cache_bound);
    VG_TEST_RUN(test_gop_cache_counts_headers);
    VG_TEST_RUN(test_clear_cache_and_no_end_inside_callbacks);
    VG_TEST_RUN(test_new_tracks_restart_readers);
    VG_TEST_RUN(test_stats);
    VG_TEST_RUN(test_end_readers_and_destroy);
    VG_TEST_RUN(test_au_refcount);
    return vg_test_done();
}
