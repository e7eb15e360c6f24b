/*
 * Unit tests for hls/playlist.c: file names, and the media and multivariant
 * playlists compared whole against text written out by hand.
 *
 * The muxer states are built by hand from hls/segment.h objects, so these
 * tests do not depend on how the muxer cuts a stream (tests/unit/hls/test_muxer.c).
 */
#include "hls/playlist.h"
#include "hls/segment.h"
#include "vg_test.h"

#define MUXER_ID "0123abcd"

/* ---- names ---- */

static void check_rejected(const char *file)
{
    vg_hls_name n = vg_hls_name_parse(file);
    if (n.kind != VG_HLS_NAME_UNKNOWN) {
        fprintf(stderr, "  accepted \"%s\" (kind %d)\n", file, (int)n.kind);
        CHECK(n.kind == VG_HLS_NAME_UNKNOWN);
    }
}

static void test_name_parse_fixed_names(void)
{
    CHECK_INT_EQ(vg_hls_name_parse("index.m3u8").kind, VG_HLS_NAME_MULTIVARIANT);
    CHECK_INT_EQ(vg_hls_name_parse("stream.m3u8").kind, VG_HLS_NAME_MEDIA);
    CHECK_INT_EQ(vg_hls_name_parse("init.mp4").kind, VG_HLS_NAME_INIT_CURRENT);
}

static void test_name_parse_numbered_names(void)
{
    vg_hls_name n = vg_hls_name_parse("init_" MUXER_ID "_3.mp4");
    CHECK_INT_EQ(n.kind, VG_HLS_NAME_INIT);
    CHECK_STR_EQ(n.muxer_id, MUXER_ID);
    CHECK_INT_EQ(n.number, 3);

    n = vg_hls_name_parse("seg_" MUXER_ID "_41.mp4");
    CHECK_INT_EQ(n.kind, VG_HLS_NAME_SEGMENT);
    CHECK_STR_EQ(n.muxer_id, MUXER_ID);
    CHECK_INT_EQ(n.number, 41);

    n = vg_hls_name_parse("part_" MUXER_ID "_41_4.mp4");
    CHECK_INT_EQ(n.kind, VG_HLS_NAME_PART);
    CHECK_STR_EQ(n.muxer_id, MUXER_ID);
    CHECK_INT_EQ(n.number, 41);
    CHECK_INT_EQ(n.part, 4);

    /* Zero is spelled "0"; every hex digit is allowed. */
    n = vg_hls_name_parse("part_fedcba98_0_0.mp4");
    CHECK_INT_EQ(n.kind, VG_HLS_NAME_PART);
    CHECK_STR_EQ(n.muxer_id, "fedcba98");
    CHECK_INT_EQ(n.number, 0);
    CHECK_INT_EQ(n.part, 0);

    /* 19 digits is the longest number accepted. */
    n = vg_hls_name_parse("seg_" MUXER_ID "_9999999999999999999.mp4");
    CHECK_INT_EQ(n.kind, VG_HLS_NAME_SEGMENT);
    CHECK(n.number == UINT64_C(9999999999999999999));
}

static void test_name_parse_rejects(void)
{
    /* The muxer id: exactly 8 lowercase hex digits. */
    check_rejected("seg_0123ABCD_1.mp4");
    check_rejected("seg_0123abc_1.mp4");
    check_rejected("seg_0123abcde_1.mp4");
    check_rejected("seg_0123abcg_1.mp4");
    check_rejected("seg__1.mp4");
    /* One spelling per number: no leading zeros, no sign, at most 19 digits. */
    check_rejected("seg_" MUXER_ID "_01.mp4");
    check_rejected("part_" MUXER_ID "_1_00.mp4");
    check_rejected("init_" MUXER_ID "_007.mp4");
    check_rejected("seg_" MUXER_ID "_+1.mp4");
    check_rejected("seg_" MUXER_ID "_-1.mp4");
    check_rejected("seg_" MUXER_ID "_18446744073709551615.mp4");
    check_rejected("seg_" MUXER_ID "_10000000000000000000.mp4");
    check_rejected("part_" MUXER_ID "_1_10000000000000000000.mp4");
    /* Missing parts. */
    check_rejected("seg_" MUXER_ID "_.mp4");
    check_rejected("seg_" MUXER_ID ".mp4");
    check_rejected("seg_" MUXER_ID "_1");
    check_rejected("seg_");
    check_rejected("part_" MUXER_ID "_1.mp4");
    check_rejected("part_" MUXER_ID "_1_.mp4");
    check_rejected("init_" MUXER_ID ".mp4");
    /* Trailing junk and other extensions. */
    check_rejected("seg_" MUXER_ID "_1.mp4x");
    check_rejected("seg_" MUXER_ID "_1.mp4/");
    check_rejected("seg_" MUXER_ID "_1.mp");
    check_rejected("seg_" MUXER_ID "_1.m4s");
    check_rejected("seg_" MUXER_ID "_1_2.mp4");
    check_rejected("init_" MUXER_ID "_1_2.mp4");
    check_rejected("part_" MUXER_ID "_1_2_3.mp4");
    check_rejected("index.m3u8x");
    check_rejected("stream.m3u8 ");
    check_rejected("init.mp4.mp4");
    /* Case, prefixes and paths. */
    check_rejected("INDEX.m3u8");
    check_rejected("Seg_" MUXER_ID "_1.mp4");
    check_rejected("/index.m3u8");
    check_rejected("x/seg_" MUXER_ID "_1.mp4");
    check_rejected("../");
    check_rejected("..");
    check_rejected("../index.m3u8");
    check_rejected("");
}

/* ---- media playlist ---- */

/*
 * A segment of `count` parts of `durations` (90 kHz); part i is independent
 * when bit i of `independent` is set. The caller owns the result.
 */
static vg_hls_segment *make_segment(uint64_t msn, vg_hls_init *init, int64_t wallclock_ns,
                                    bool discontinuity, const int64_t *durations, size_t count,
                                    unsigned independent, bool complete)
{
    vg_hls_segment *seg = vg_hls_segment_create(msn, init, wallclock_ns, discontinuity);
    CHECK(seg != NULL);
    for (size_t i = 0; i < count; i++) {
        vg_hls_part *part = vg_hls_part_create(NULL, 0, durations[i], independent & (1u << i));
        CHECK(part != NULL);
        CHECK_INT_EQ(vg_hls_segment_add_part(seg, part), 0);
        vg_hls_part_unref(&part);
    }
    seg->complete = complete;
    return seg;
}

static const int64_t five_parts[] = {18000, 18000, 18000, 18000, 18000};

/* The media playlist of `st` is exactly `expected`, and its length is returned right. */
static void check_media_playlist(const vg_hls_muxer_state *st, const char *expected)
{
    size_t len = 0;
    char *text = vg_hls_media_playlist(st, MUXER_ID, &len);
    CHECK_STR_EQ(text, expected);
    CHECK_INT_EQ(len, text ? strlen(expected) : 0);
    free(text);
}

/*
 * 2025-11-22T10:00:00.123Z: 1763805600 s is 2025-11-22 10:00:00 UTC
 * (date -u -d @1763805600).
 */
#define T0     INT64_C(1763805600123000000)
#define SECOND INT64_C(1000000000)

/*
 * Five complete segments and one in progress, the fourth after a reconnect
 * with new tracks. From the end: 44 (0.4 s), 43 (1 s), 42 (1 s), 41
 * (0.48 s) and 40 (1 s) start within 3 target durations (3 s), 39 does not.
 */
static void test_media_playlist_whole_text(void)
{
    vg_hls_init *init0 = vg_hls_init_create(0, NULL, 0);
    vg_hls_init *init1 = vg_hls_init_create(1, NULL, 0);
    const int64_t short_parts[] = {18000, 18000, 7207}; /* cut short by the reconnect */
    vg_hls_segment *segs[] = {
        make_segment(39, init0, T0, false, five_parts, 5, 1u << 0, true),
        make_segment(40, init0, T0 + 1 * SECOND, false, five_parts, 5, 1u << 0, true),
        make_segment(41, init0, T0 + 2 * SECOND, false, short_parts, 3, 1u << 0, true),
        make_segment(42, init1, T0 + 5 * SECOND + 400000000, true, five_parts, 5, 1u << 0, true),
        /* Sub-millisecond digits are cut, not rounded; a key frame also starts part 3. */
        make_segment(43, init1, T0 + 6 * SECOND + 400456789, false, five_parts, 5,
                     1u << 0 | 1u << 3, true),
        make_segment(44, init1, T0 + 7 * SECOND + 400000000, false, five_parts, 2, 1u << 0, false),
    };
    vg_hls_muxer_state st = {.segments = segs,
                             .count = 6,
                             .discontinuity_sequence = 3,
                             .target_duration_s = 1,
                             .part_target = 18000,
                             .next_msn = 44,
                             .next_part = 2,
                             .init = init1,
                             .complete_count = 5};
    /*
     * RFC 8216bis:
     * - 4.4.3.8: PART-HOLD-BACK at least twice the part target, SHOULD be three times;
     * - 4.4.3.3: EXT-X-DISCONTINUITY-SEQUENCE (here non-zero, so present);
     * - 4.4.4.5: EXT-X-MAP again when the init segment changes;
     * - 4.4.4.6: PROGRAM-DATE-TIME, ISO 8601 with milliseconds and a time zone;
     * - 4.4.4.9: EXT-X-PART, INDEPENDENT=YES on parts that start with a key frame;
     *   parts more than three target durations from the end are removed;
     * - 4.4.5.3: EXT-X-PRELOAD-HINT for the part the server makes next.
     */
    const char *expected =
        "#EXTM3U\n"
        "#EXT-X-VERSION:9\n"
        "#EXT-X-TARGETDURATION:1\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.60000\n"
        "#EXT-X-PART-INF:PART-TARGET=0.20000\n"
        "#EXT-X-MEDIA-SEQUENCE:39\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:3\n"
        "#EXT-X-MAP:URI=\"init_0123abcd_0.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:00.123Z\n"
        "#EXTINF:1.00000,\n"
        "seg_0123abcd_39.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:01.123Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_40_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_40_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_40_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_40_3.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_40_4.mp4\"\n"
        "#EXTINF:1.00000,\n"
        "seg_0123abcd_40.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:02.123Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_41_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_41_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.08007,URI=\"part_0123abcd_41_2.mp4\"\n"
        "#EXTINF:0.48007,\n"
        "seg_0123abcd_41.mp4\n"
        "#EXT-X-DISCONTINUITY\n"
        "#EXT-X-MAP:URI=\"init_0123abcd_1.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:05.523Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_42_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_42_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_42_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_42_3.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_42_4.mp4\"\n"
        "#EXTINF:1.00000,\n"
        "seg_0123abcd_42.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:06.523Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_43_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_43_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_43_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_43_3.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_43_4.mp4\"\n"
        "#EXTINF:1.00000,\n"
        "seg_0123abcd_43.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:07.523Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_44_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_44_1.mp4\"\n"
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_0123abcd_44_2.mp4\"\n";
    check_media_playlist(&st, expected);
    for (size_t i = 0; i < 6; i++)
        vg_hls_segment_unref(&segs[i]);
    vg_hls_init_unref(&init0);
    vg_hls_init_unref(&init1);
}

/*
 * Between segments: the last one is complete, nothing is in progress, and
 * the hint names part 0 of the next segment. No discontinuity ever left the
 * playlist, so no EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216bis 4.4.3.3: absent
 * means 0). A longer target duration widens the parts window (3 x 2 s).
 */
static void test_media_playlist_between_segments(void)
{
    vg_hls_init *init = vg_hls_init_create(4, NULL, 0);
    const int64_t ntsc_parts[] = {18018, 18018, 18018, 18018, 18018,
                                  18018, 18018, 18018, 18018, 18018};
    vg_hls_segment *segs[] = {
        /* 2023-11-14T22:13:20Z is 1700000000 s: milliseconds keep their leading zeros. */
        make_segment(7, init, INT64_C(1700000000005000000), false, ntsc_parts, 10, 1u << 0, true),
        make_segment(8, init, INT64_C(1700000002007000000), false, ntsc_parts, 10, 1u << 0, true),
    };
    vg_hls_muxer_state st = {.segments = segs,
                             .count = 2,
                             .target_duration_s = 2,
                             .part_target = 18018,
                             .next_msn = 9,
                             .next_part = 0,
                             .init = init,
                             .complete_count = 2};
    const char *expected =
        "#EXTM3U\n"
        "#EXT-X-VERSION:9\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.60060\n"
        "#EXT-X-PART-INF:PART-TARGET=0.20020\n"
        "#EXT-X-MEDIA-SEQUENCE:7\n"
        "#EXT-X-MAP:URI=\"init_0123abcd_4.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.005Z\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_3.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_4.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_5.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_6.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_7.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_8.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_7_9.mp4\"\n"
        "#EXTINF:2.00200,\n"
        "seg_0123abcd_7.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.007Z\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_3.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_4.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_5.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_6.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_7.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_8.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20020,URI=\"part_0123abcd_8_9.mp4\"\n"
        "#EXTINF:2.00200,\n"
        "seg_0123abcd_8.mp4\n"
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_0123abcd_9_0.mp4\"\n";
    check_media_playlist(&st, expected);
    vg_hls_segment_unref(&segs[0]);
    vg_hls_segment_unref(&segs[1]);
    vg_hls_init_unref(&init);
}

/*
 * Durations are rounded down, never up: a camera's first GOP of 93598 ticks
 * (1.0399778 s; MSE buffers it to 1.039977) is listed as 1.03997, so a player
 * adding the durations up never places the end past the media it buffered.
 */
static void test_media_playlist_rounds_durations_down(void)
{
    vg_hls_init *init = vg_hls_init_create(0, NULL, 0);
    const int64_t parts[] = {17998, 18000, 18000, 18000, 18000, 3600};
    const int64_t next[] = {18000};
    vg_hls_segment *segs[] = {
        make_segment(0, init, T0, false, parts, 6, 1u << 0, true),
        make_segment(1, init, T0 + 1040 * (SECOND / 1000), false, next, 1, 1u << 0, false),
    };
    vg_hls_muxer_state st = {.segments = segs,
                             .count = 2,
                             .target_duration_s = 1,
                             .part_target = 18000,
                             .next_msn = 1,
                             .next_part = 1,
                             .init = init,
                             .complete_count = 1};
    const char *expected =
        "#EXTM3U\n"
        "#EXT-X-VERSION:9\n"
        "#EXT-X-TARGETDURATION:1\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.60000\n"
        "#EXT-X-PART-INF:PART-TARGET=0.20000\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-MAP:URI=\"init_0123abcd_0.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:00.123Z\n"
        "#EXT-X-PART:DURATION=0.19997,URI=\"part_0123abcd_0_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_0_1.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_0_2.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_0_3.mp4\"\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_0_4.mp4\"\n"
        "#EXT-X-PART:DURATION=0.04000,URI=\"part_0123abcd_0_5.mp4\"\n"
        "#EXTINF:1.03997,\n"
        "seg_0123abcd_0.mp4\n"
        "#EXT-X-PROGRAM-DATE-TIME:2025-11-22T10:00:01.163Z\n"
        "#EXT-X-PART:DURATION=0.20000,URI=\"part_0123abcd_1_0.mp4\",INDEPENDENT=YES\n"
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_0123abcd_1_1.mp4\"\n";
    check_media_playlist(&st, expected);
    vg_hls_segment_unref(&segs[0]);
    vg_hls_segment_unref(&segs[1]);
    vg_hls_init_unref(&init);
}

/* Before the first part: no segment yet, the hint names part 0 of segment 0. */
static void test_media_playlist_empty(void)
{
    vg_hls_muxer_state st = {.target_duration_s = 1, .part_target = 18000};
    const char *expected = "#EXTM3U\n"
                           "#EXT-X-VERSION:9\n"
                           "#EXT-X-TARGETDURATION:1\n"
                           "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.60000\n"
                           "#EXT-X-PART-INF:PART-TARGET=0.20000\n"
                           "#EXT-X-MEDIA-SEQUENCE:0\n"
                           "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_0123abcd_0_0.mp4\"\n";
    check_media_playlist(&st, expected);
}

/* ---- multivariant playlist ---- */

static vg_hls_init *make_init(const char *codecs, int width, int height, double fps)
{
    vg_hls_init *init = vg_hls_init_create(0, NULL, 0);
    CHECK(init != NULL);
    snprintf(init->codecs, sizeof(init->codecs), "%s", codecs);
    init->width = width;
    init->height = height;
    init->fps = fps;
    return init;
}

static void check_multivariant(const vg_hls_init *init, uint64_t bandwidth, const char *expected)
{
    size_t len = 0;
    char *text = vg_hls_multivariant_playlist(init, bandwidth, "stream.m3u8?session=ab12", &len);
    CHECK_STR_EQ(text, expected);
    CHECK_INT_EQ(len, text ? strlen(expected) : 0);
    free(text);
}

/*
 * RFC 8216bis 4.4.6.2: BANDWIDTH is required; CODECS SHOULD be there,
 * RESOLUTION SHOULD for video, FRAME-RATE is rounded to three decimal places.
 */
static void test_multivariant_playlist(void)
{
    vg_hls_init *init = make_init("avc1.42c01e,mp4a.40.2", 640, 360, 25);
    check_multivariant(init, 2500000,
                       "#EXTM3U\n"
                       "#EXT-X-VERSION:9\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS=\"avc1.42c01e,mp4a.40.2\","
                       "RESOLUTION=640x360,FRAME-RATE=25.000\n"
                       "stream.m3u8?session=ab12\n");
    vg_hls_init_unref(&init);

    init = make_init("avc1.64001f", 1280, 720, 30000.0 / 1001);
    check_multivariant(init, 4000000,
                       "#EXTM3U\n"
                       "#EXT-X-VERSION:9\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=4000000,CODECS=\"avc1.64001f\","
                       "RESOLUTION=1280x720,FRAME-RATE=29.970\n"
                       "stream.m3u8?session=ab12\n");
    vg_hls_init_unref(&init);
}

static void test_multivariant_playlist_optional_attributes(void)
{
    /* No size known: no RESOLUTION. */
    vg_hls_init *init = make_init("hvc1.1.6.L93.B0", 0, 0, 15);
    check_multivariant(init, 800000,
                       "#EXTM3U\n"
                       "#EXT-X-VERSION:9\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"hvc1.1.6.L93.B0\","
                       "FRAME-RATE=15.000\n"
                       "stream.m3u8?session=ab12\n");
    vg_hls_init_unref(&init);

    /* No frame rate known: no FRAME-RATE. */
    init = make_init("avc1.42c01e", 640, 360, 0);
    check_multivariant(init, 800000,
                       "#EXTM3U\n"
                       "#EXT-X-VERSION:9\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.42c01e\","
                       "RESOLUTION=640x360\n"
                       "stream.m3u8?session=ab12\n");
    vg_hls_init_unref(&init);

    /* Neither, and no bandwidth measured yet: BANDWIDTH is required, so at least 1. */
    init = make_init("avc1.42c01e", 0, 0, 0);
    check_multivariant(init, 0,
                       "#EXTM3U\n"
                       "#EXT-X-VERSION:9\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.42c01e\"\n"
                       "stream.m3u8?session=ab12\n");
    vg_hls_init_unref(&init);
}

int main(void)
{
    VG_TEST_RUN(test_name_parse_fixed_names);
    VG_TEST_RUN(test_name_parse_numbered_names);
    VG_TEST_RUN(test_name_parse_rejects);
    VG_TEST_RUN(test_media_playlist_whole_text);
    VG_TEST_RUN(test_media_playlist_between_segments);
    VG_TEST_RUN(test_media_playlist_rounds_durations_down);
    VG_TEST_RUN(test_media_playlist_empty);
    VG_TEST_RUN(test_multivariant_playlist);
    VG_TEST_RUN(test_multivariant_playlist_optional_attributes);
    return vg_test_done();
}
