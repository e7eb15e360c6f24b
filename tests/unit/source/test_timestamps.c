/* Unit tests for source/timestamps.c: monotonic output through wraps, jumps and repeats. */
#include "source/timestamps.h"
#include "vg_test.h"

/* Feeds `in` (dts == pts) and checks the outputs are strictly increasing; returns discontinuities.
 */
static int feed(vg_ts_track *t, vg_ts_origin *o, const int64_t *in, size_t n, int64_t *out)
{
    int disc = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t dts = in[i], pts = in[i];
        disc += vg_ts_normalize(t, o, &dts, &pts);
        out[i] = dts;
        if (i)
            CHECK(out[i] > out[i - 1]);
        CHECK(pts >= dts);
    }
    return disc;
}

static void test_steady_stream_starts_at_zero(void)
{
    vg_ts_track t;
    vg_ts_origin o = {0};
    vg_ts_track_init(&t, 90000, 10000000);
    int64_t in[] = {900000, 903600, 907200, 910800}, out[4];
    CHECK_INT_EQ(feed(&t, &o, in, 4, out), 0);
    CHECK_INT_EQ(out[0], 0);
    CHECK_INT_EQ(out[3], 10800);
}

static void test_backwards_step_is_a_discontinuity(void)
{
    vg_ts_track t;
    vg_ts_origin o = {0};
    vg_ts_track_init(&t, 90000, 10000000);
    /* A 33-bit wrap as a camera might send it, then a reset to 0. */
    int64_t in[] = {8589930000, 8589933600, 100, 3700, 0, 3600}, out[6];
    CHECK_INT_EQ(feed(&t, &o, in, 6, out), 2);
    CHECK_INT_EQ(out[1], 3600);
    CHECK_INT_EQ(out[2], 7200); /* one frame after the last, not a negative duration */
    CHECK_INT_EQ(out[3], 10800);
    CHECK_INT_EQ(out[4], 14400);
}

static void test_forward_jump_is_a_discontinuity(void)
{
    vg_ts_track t;
    vg_ts_origin o = {0};
    vg_ts_track_init(&t, 90000, 10000000); /* 10 s */
    int64_t in[] = {0, 3600, 3600 + 90000 * 3600LL, 3600 + 90000 * 3600LL + 3600}, out[4];
    CHECK_INT_EQ(feed(&t, &o, in, 4, out), 1);
    CHECK_INT_EQ(out[2], 7200);
    CHECK_INT_EQ(out[3], 10800);
    /* A gap inside the limit is real time passing (a camera dropped frames): kept. */
    int64_t later[] = {3600 + 90000 * 3600LL + 3600 + 90000 * 5}, out2[1];
    CHECK_INT_EQ(feed(&t, &o, later, 1, out2), 0);
    CHECK_INT_EQ(out2[0], 10800 + 90000 * 5);
}

static void test_repeated_dts_is_nudged(void)
{
    vg_ts_track t;
    vg_ts_origin o = {0};
    vg_ts_track_init(&t, 90000, 10000000);
    int64_t in[] = {0, 3600, 3600, 7200}, out[4];
    CHECK_INT_EQ(feed(&t, &o, in, 4, out), 0);
    CHECK_INT_EQ(out[2], 3601);
    CHECK_INT_EQ(out[3], 7201);
}

static void test_tracks_share_the_origin(void)
{
    vg_ts_track video, audio;
    vg_ts_origin o = {0};
    vg_ts_track_init(&video, 90000, 10000000);
    vg_ts_track_init(&audio, 48000, 10000000);
    /* Video starts at 2.0 s, audio at 2.5 s in the camera's clock. */
    int64_t vd = 180000, vp = 180000, ad = 120000, ap = 120000;
    vg_ts_normalize(&video, &o, &vd, &vp);
    vg_ts_normalize(&audio, &o, &ad, &ap);
    CHECK_INT_EQ(vd, 0);
    CHECK_INT_EQ(ad, 24000); /* 0.5 s later in audio ticks: still in sync */
}

static void test_pts_kept_after_dts(void)
{
    vg_ts_track t;
    vg_ts_origin o = {0};
    vg_ts_track_init(&t, 90000, 10000000);
    int64_t dts = 1000, pts = 8200; /* a B-frame stream: pts ahead of dts */
    vg_ts_normalize(&t, &o, &dts, &pts);
    CHECK_INT_EQ(dts, 0);
    CHECK_INT_EQ(pts, 7200);
    dts = 4600, pts = 900; /* broken input: pts before dts */
    vg_ts_normalize(&t, &o, &dts, &pts);
    CHECK(pts >= dts);
}

int main(void)
{
    VG_TEST_RUN(test_steady_stream_starts_at_zero);
    VG_TEST_RUN(test_backwards_step_is_a_discontinuity);
    VG_TEST_RUN(test_forward_jump_is_a_discontinuity);
    VG_TEST_RUN(test_repeated_dts_is_nudged);
    VG_TEST_RUN(test_tracks_share_the_origin);
    VG_TEST_RUN(test_pts_kept_after_dts);
    return vg_test_done();
}
