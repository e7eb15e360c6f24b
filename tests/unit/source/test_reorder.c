/* Unit tests for source/reorder.c: DTS from PTS for streams with and without B-frames. */
#include "source/reorder.h"
#include "vg_test.h"

/* Feeds `pts` and writes the DTS; checks dts <= pts for every frame. */
static void feed(vg_reorder *r, const int64_t *pts, size_t n, int64_t *dts)
{
    for (size_t i = 0; i < n; i++) {
        dts[i] = vg_reorder_dts(r, pts[i], 1, 100);
        CHECK(dts[i] <= pts[i]);
    }
}

static void test_no_b_frames_keeps_pts(void)
{
    vg_reorder r = {0};
    int64_t pts[] = {0, 1, 2, 3, 4, 5}, dts[6];
    feed(&r, pts, 6, dts);
    for (int i = 0; i < 6; i++)
        CHECK_INT_EQ(dts[i], pts[i]);
    CHECK_INT_EQ(r.depth, 0);
}

static void test_ipbb_pattern(void)
{
    /* Decode order I0 P3 B1 B2 P6 B4 B5 P9 B7 B8: depth 1 once B1 arrives. */
    vg_reorder r = {0};
    int64_t pts[] = {0, 3, 1, 2, 6, 4, 5, 9, 7, 8}, dts[10];
    feed(&r, pts, 10, dts);
    CHECK_INT_EQ(r.depth, 1);
    int64_t want[] = {0, 3, 1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 10; i++)
        CHECK_INT_EQ(dts[i], want[i]);
    for (int i = 3; i < 10; i++)
        CHECK(dts[i] > dts[i - 1]); /* strictly growing after the one step at the first B */
}

static void test_pyramid_depth_two(void)
{
    /* x264's b-pyramid: I0 P4 B2 b1 b3 P8 B6 b5 b7: a frame can have two later ones before it. */
    vg_reorder r = {0};
    int64_t pts[] = {0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11}, dts[13];
    feed(&r, pts, 13, dts);
    CHECK_INT_EQ(r.depth, 2);
    for (int i = 5; i < 13; i++)
        CHECK(dts[i] > dts[i - 1]);
}

static void test_jump_back_restarts_the_window(void)
{
    vg_reorder r = {0};
    int64_t pts[] = {1000, 1001, 1002, 5, 6, 7}, dts[6];
    feed(&r, pts, 6, dts);
    CHECK_INT_EQ(r.depth, 0); /* a clock reset is not reordering */
    CHECK_INT_EQ(dts[4], 6);
}

static void test_early_frames_extrapolate_back(void)
{
    vg_reorder r = {.depth = 2}; /* as if known: the first frames get DTS before the first PTS */
    int64_t d0 = vg_reorder_dts(&r, 10, 5, 1000);
    int64_t d1 = vg_reorder_dts(&r, 30, 5, 1000);
    int64_t d2 = vg_reorder_dts(&r, 20, 5, 1000);
    CHECK_INT_EQ(d0, 0);
    CHECK_INT_EQ(d1, 5);
    CHECK_INT_EQ(d2, 10);
}

int main(void)
{
    VG_TEST_RUN(test_no_b_frames_keeps_pts);
    VG_TEST_RUN(test_ipbb_pattern);
    VG_TEST_RUN(test_pyramid_depth_two);
    VG_TEST_RUN(test_jump_back_restarts_the_window);
    VG_TEST_RUN(test_early_frames_extrapolate_back);
    return vg_test_done();
}
