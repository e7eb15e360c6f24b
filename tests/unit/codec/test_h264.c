/*
 * Unit tests for codec/h264.c: SPS parsing, codec strings and avcC records.
 *
 * The vectors are real: libx264 through ffmpeg 5.1 (Debian 12), e.g.
 *   ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -t 1 -c:v libx264 -profile:v high \
 *          -bf 0 -g 25 x.h264
 * with the first SPS and PPS of each stream copied out as they travel (header
 * byte and emulation-prevention bytes in). Expected values are what ffprobe
 * reports for the stream and what trace_headers shows for the SPS.
 * tests/unit/codec/make_vectors.py regenerates all of them.
 */
#include "codec/h264.h"
#include "core/error.h"
#include "vg_test.h"

/*
 * ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -t 1 -c:v libx264 -profile:v high -bf 0 -g 25
 *   x.h264
 */
static const uint8_t sps_high_720p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};

static const uint8_t pps_high_720p[] = {
    0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=640x360:rate=30 -t 1 -c:v libx264 -profile:v baseline -g 30
 *   x.h264
 */
static const uint8_t sps_baseline_360p[] = {
    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 1 -c:v libx264 -profile:v main -bf 0 -g
 *   25 x.h264
 */
static const uint8_t sps_main_1080p[] = {
    0x67, 0x4d, 0x40, 0x28, 0xd9, 0x00, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00,
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0xc9, 0x20,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=640x360:rate=25 -t 1 -pix_fmt yuv444p -c:v libx264 -profile:v
 *   high444 x.h264
 */
static const uint8_t sps_high444_360p[] = {
    0x67, 0xf4, 0x00, 0x1e, 0x91, 0x9b, 0x28, 0x14, 0x05, 0xff, 0x13, 0x80, 0x88, 0x00,
    0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x90, 0x78, 0xb1, 0x6c, 0xb0,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=320x240:rate=15 -t 0.5 -pix_fmt yuv422p -c:v libx264
 *   -profile:v high422 -x264-params cqm4iy=...:cqm8iy=... x.h264
 */
static const uint8_t sps_high422_240p[] = {
    0x67, 0x7a, 0x00, 0x0c, 0xbc, 0xd9, 0x41, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00,
    0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x01, 0xe0, 0xf1, 0x42, 0x99, 0x60,
};

/* Its PPS, which carries the custom scaling matrices (x264 never puts them in the SPS). */
static const uint8_t pps_high422_240p[] = {
    0x68, 0xeb, 0xe3, 0xcb, 0x38, 0xf4, 0x61, 0x07, 0x3a, 0x31, 0x8c, 0x8e, 0x71,
    0x06, 0x50, 0x80, 0x21, 0x42, 0x00, 0x84, 0x84, 0x01, 0x0c, 0x20, 0x08, 0x4b,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=854x480:rate=30000/1001 -t 0.5 -c:v libx264 -profile:v high
 *   -flags +ildct -x264-params cqm=jvt x.h264
 */
static const uint8_t sps_interlaced_480p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0xd8, 0x7b, 0xcd, 0xe0, 0x22,
    0x00, 0x00, 0x07, 0xd2, 0x00, 0x01, 0xd4, 0xc0, 0x3e, 0x2c, 0x5b, 0x2c,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 1 -c:v libx264 -profile:v high -f mp4
 * x.mp4: the payload of its avcC box (movenc's extradata), with the 4:2:x extension of High
 * profile.
 */
static const uint8_t avcc_high_1080p[] = {
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x1b, 0x67, 0x64, 0x00, 0x28, 0xac, 0xb2, 0x00, 0xf0,
    0x04, 0x4f, 0xcb, 0x80, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x90, 0x78,
    0xc1, 0x92, 0x40, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};

/* The same for 640x360 baseline: no extension. */
static const uint8_t avcc_baseline_360p[] = {
    0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00,
    0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00,
    0x3c, 0x0f, 0x16, 0x2e, 0x48, 0x01, 0x00, 0x05, 0x68, 0xcb, 0x83, 0xcb, 0x20,
};

/*
 * Hand-made SPSs for what libx264 never writes, each checked with FFmpeg's
 * own parser (ffmpeg -bsf:v trace_headers parses every field through
 * rbsp_stop_one_bit); tests/unit/codec/make_vectors.py makes them.
 *
 * Scaling lists in the SPS (lists 0, 2 as "use default", 4 ending early, 6
 * with large deltas, 7), pic_order_cnt_type 1 with a 3-entry cycle, MBAFF
 * interlace, 1920x1088 coded, cropped to 1080 in units of 4 lines, extended
 * SAR 4:3, colour description, chroma location, timing 1001/60000 fixed,
 * NAL HRD parameters after it.
 */
static const uint8_t sps_crafted_scaling_interlaced[] = {
    0x67, 0x64, 0x00, 0x28, 0xad, 0x94, 0x74, 0x76, 0x10, 0xe2, 0x31, 0x51, 0x48, 0x45, 0x5e, 0x13,
    0x45, 0x81, 0x28, 0x09, 0x40, 0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa0, 0x25, 0x01, 0x28,
    0x09, 0x40, 0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa0, 0x25, 0x01, 0x28, 0x09, 0x40, 0x4a,
    0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa0, 0x25, 0x01, 0x28, 0x09, 0x40, 0x4a, 0x02, 0x50, 0x12,
    0x80, 0x94, 0x04, 0xa0, 0x25, 0x01, 0x28, 0x09, 0x40, 0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04,
    0xa0, 0x25, 0x01, 0x28, 0x09, 0x40, 0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa0, 0x25, 0x01,
    0x28, 0x09, 0x40, 0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa0, 0x25, 0x01, 0x28, 0x09, 0x40,
    0x4a, 0x02, 0x50, 0x12, 0x80, 0x94, 0x04, 0xa8, 0x45, 0xa1, 0x51, 0x13, 0x31, 0x40, 0x78, 0x04,
    0x4f, 0xdf, 0xfe, 0x00, 0x08, 0x00, 0x07, 0xee, 0x02, 0x02, 0x03, 0x4a, 0x00, 0x00, 0x07, 0xd2,
    0x00, 0x01, 0xd4, 0xc1, 0xd0, 0xc0, 0x1f, 0x40, 0x01, 0xf4, 0x37, 0xbd, 0xf0, 0x50,
};

/*
 * High 4:4:4 with separate_colour_plane_flag (ChromaArrayType 0: cropping in
 * single samples), 10-bit, seq_parameter_set_id 3, 12 scaling lists (8, 11,
 * and list 1 all-zero deltas), pic_order_cnt_type 0, 1280x736 cropped by 2
 * on the left and 16 at the bottom; no VUI.
 */
static const uint8_t sps_crafted_444_separate_planes[] = {
    0x67, 0xf4, 0x00, 0x20, 0x21, 0x2d, 0xaf, 0xff, 0xf8, 0x10, 0x87, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xf2, 0x11, 0xc8, 0x80, 0x50, 0x05, 0xdd, 0xe1, 0x14,
};

/* Monochrome High (chroma_format_idc 0): 352x288 cropped by 3 right, 1 top; timing 1/20 fixed. */
static const uint8_t sps_crafted_monochrome[] = {
    0x67, 0x64, 0x00, 0x15, 0xf2, 0xc8, 0x0b, 0x04, 0xbc, 0x8b, 0x08,
    0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x00, 0xa4, 0x20,
};

/* ---- a bit writer, to make SPSs with one field wrong ------------------------------------ */

typedef struct writer {
    uint8_t rbsp[256];
    size_t bits;
} writer;

static void put_bits(writer *w, unsigned n, uint32_t v)
{
    for (unsigned i = n; i-- > 0;) {
        if ((v >> i) & 1)
            w->rbsp[w->bits / 8] |= (uint8_t)(0x80 >> (w->bits % 8));
        w->bits++;
    }
}

static void put_ue(writer *w, uint32_t v)
{
    uint64_t x = (uint64_t)v + 1;
    unsigned n = 0;
    while ((x >> n) > 1)
        n++;
    put_bits(w, n, 0);
    put_bits(w, n + 1, (uint32_t)x);
}

static void put_se(writer *w, int32_t v)
{
    put_ue(w, v > 0 ? (uint32_t)(2 * v - 1) : (uint32_t)(-2 * (int64_t)v));
}

/* The NAL unit: header byte, the RBSP with its stop bit, emulation prevention added. */
static size_t finish(writer *w, uint8_t header, uint8_t *out)
{
    put_bits(w, 1, 1);
    size_t len = (w->bits + 7) / 8, n = 0, zeros = 0;
    out[n++] = header;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && w->rbsp[i] <= 3) {
            out[n++] = 3;
            zeros = 0;
        }
        out[n++] = w->rbsp[i];
        zeros = w->rbsp[i] == 0 ? zeros + 1 : 0;
    }
    return n;
}

typedef struct sps_fields {
    uint32_t profile_idc, sps_id, chroma_format_idc, bit_depth_minus8, poc_type, max_ref_frames;
    uint32_t width_mbs, height_units, frame_mbs_only;
    uint32_t crop[4];
    int32_t delta_scale; /* a scaling list 0 whose first delta is this, when not 0 */
    uint32_t poc_cycle;
} sps_fields;

/* A plain SPS from `f` (no VUI): 7.3.2.1.1. */
static size_t make_sps(const sps_fields *f, uint8_t *out)
{
    writer w = {{0}, 0};
    put_bits(&w, 8, f->profile_idc);
    put_bits(&w, 8, 0);
    put_bits(&w, 8, 40);
    put_ue(&w, f->sps_id);
    if (f->profile_idc == 100) {
        put_ue(&w, f->chroma_format_idc);
        put_ue(&w, f->bit_depth_minus8);
        put_ue(&w, f->bit_depth_minus8);
        put_bits(&w, 1, 0);
        put_bits(&w, 1, f->delta_scale != 0);
        if (f->delta_scale != 0) {
            put_bits(&w, 1, 1);
            put_se(&w, f->delta_scale);
            for (int j = 1; j < 16; j++)
                put_se(&w, 0);
            put_bits(&w, 7, 0);
        }
    }
    put_ue(&w, 0); /* log2_max_frame_num_minus4 */
    put_ue(&w, f->poc_type);
    if (f->poc_type == 1) {
        put_bits(&w, 1, 0);
        put_se(&w, 0);
        put_se(&w, 0);
        put_ue(&w, f->poc_cycle);
        for (uint32_t i = 0; i < f->poc_cycle && i < 300; i++)
            put_se(&w, 1);
    }
    put_ue(&w, f->max_ref_frames);
    put_bits(&w, 1, 0);
    put_ue(&w, f->width_mbs - 1);
    put_ue(&w, f->height_units - 1);
    put_bits(&w, 1, f->frame_mbs_only);
    if (!f->frame_mbs_only)
        put_bits(&w, 1, 0);
    put_bits(&w, 1, 1);
    bool crop = f->crop[0] || f->crop[1] || f->crop[2] || f->crop[3];
    put_bits(&w, 1, crop);
    if (crop) {
        for (int i = 0; i < 4; i++)
            put_ue(&w, f->crop[i]);
    }
    put_bits(&w, 1, 0); /* vui_parameters_present_flag */
    return finish(&w, 0x67, out);
}

static const sps_fields plain = {
    .profile_idc = 100,
    .chroma_format_idc = 1,
    .poc_type = 2,
    .max_ref_frames = 1,
    .width_mbs = 40,
    .height_units = 23,
    .frame_mbs_only = 1,
    .crop = {0, 0, 0, 4},
};

/* ---- the tests -------------------------------------------------------------------------- */

typedef struct expect {
    const char *name;
    const uint8_t *sps;
    size_t len;
    unsigned profile_idc, constraint_flags, level_idc, chroma_format_idc, bit_depth;
    unsigned width, height, coded_width, coded_height;
    bool frame_mbs_only;
    unsigned fps_num, fps_den;
    const char *codec;
} expect;

#define VEC(a) #a, a, sizeof(a)

static const expect vectors[] = {
    {VEC(sps_high_720p), 100, 0x00, 31, 1, 8, 1280, 720, 1280, 720, true, 25, 1, "avc1.64001f"},
    {VEC(sps_baseline_360p), 66, 0xc0, 30, 1, 8, 640, 360, 640, 368, true, 30, 1, "avc1.42c01e"},
    {VEC(sps_main_1080p), 77, 0x40, 40, 1, 8, 1920, 1080, 1920, 1088, true, 25, 1, "avc1.4d4028"},
    {VEC(sps_high444_360p), 244, 0x00, 30, 3, 8, 640, 360, 640, 368, true, 25, 1, "avc1.f4001e"},
    {VEC(sps_high422_240p), 122, 0x00, 12, 2, 8, 320, 240, 320, 240, true, 15, 1, "avc1.7a000c"},
    {VEC(sps_interlaced_480p), 100, 0x00, 31, 1, 8, 854, 480, 864, 480, false, 30000, 1001,
     "avc1.64001f"},
    {VEC(sps_crafted_scaling_interlaced), 100, 0x00, 40, 1, 8, 1920, 1080, 1920, 1088, false, 30000,
     1001, "avc1.640028"},
    {VEC(sps_crafted_444_separate_planes), 244, 0x00, 32, 3, 10, 1278, 720, 1280, 736, true, 0, 0,
     "avc1.f40020"},
    {VEC(sps_crafted_monochrome), 100, 0x00, 21, 0, 8, 349, 287, 352, 288, true, 10, 1,
     "avc1.640015"},
};

static void test_sps_vectors(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const expect *e = &vectors[i];
        vg_h264_sps sps;
        char codec[16];
        fprintf(stderr, "  %s\n", e->name);
        CHECK_INT_EQ(vg_h264_sps_parse(e->sps, e->len, &sps), 0);
        CHECK_INT_EQ(sps.profile_idc, e->profile_idc);
        CHECK_INT_EQ(sps.constraint_flags, e->constraint_flags);
        CHECK_INT_EQ(sps.level_idc, e->level_idc);
        CHECK_INT_EQ(sps.chroma_format_idc, e->chroma_format_idc);
        CHECK_INT_EQ(sps.bit_depth_luma, e->bit_depth);
        CHECK_INT_EQ(sps.bit_depth_chroma, e->bit_depth);
        CHECK_INT_EQ(sps.width, e->width);
        CHECK_INT_EQ(sps.height, e->height);
        CHECK_INT_EQ(sps.coded_width, e->coded_width);
        CHECK_INT_EQ(sps.coded_height, e->coded_height);
        CHECK_INT_EQ(sps.coded_width - sps.crop_left - sps.crop_right, sps.width);
        CHECK_INT_EQ(sps.coded_height - sps.crop_top - sps.crop_bottom, sps.height);
        CHECK_INT_EQ(sps.frame_mbs_only, e->frame_mbs_only);
        CHECK_INT_EQ(sps.fps_num, e->fps_num);
        CHECK_INT_EQ(sps.fps_den, e->fps_den);
        CHECK_INT_EQ(sps.timing_info_present, e->fps_num != 0);
        CHECK_INT_EQ(vg_h264_codec_string(&sps, codec, sizeof(codec)), 0);
        CHECK_STR_EQ(codec, e->codec);
    }
}

static void test_sps_details(void)
{
    vg_h264_sps sps;
    /* libx264: timing 1/50 (field ticks) is 25 fps, SAR 1:1, 3 reference frames. */
    CHECK_INT_EQ(vg_h264_sps_parse(sps_high_720p, sizeof(sps_high_720p), &sps), 0);
    CHECK(sps.vui_present);
    CHECK_INT_EQ(sps.num_units_in_tick, 1);
    CHECK_INT_EQ(sps.time_scale, 50);
    CHECK(!sps.fixed_frame_rate);
    CHECK_INT_EQ(sps.sar_width, 1);
    CHECK_INT_EQ(sps.sar_height, 1);
    CHECK_INT_EQ(sps.max_num_ref_frames, 3);
    CHECK_INT_EQ(sps.sps_id, 0);

    /* 1088 coded lines, cropped by frame_crop_bottom_offset 4 in 2-line units. */
    CHECK_INT_EQ(vg_h264_sps_parse(sps_main_1080p, sizeof(sps_main_1080p), &sps), 0);
    CHECK_INT_EQ(sps.crop_bottom, 8);
    CHECK_INT_EQ(sps.crop_top + sps.crop_left + sps.crop_right, 0);

    /* 854 wide: 864 coded, frame_crop_right_offset 5 in 2-sample units. */
    CHECK_INT_EQ(vg_h264_sps_parse(sps_interlaced_480p, sizeof(sps_interlaced_480p), &sps), 0);
    CHECK_INT_EQ(sps.crop_right, 10);
    CHECK_INT_EQ(sps.time_scale, 60000);
    CHECK_INT_EQ(sps.num_units_in_tick, 1001);

    /* Interlaced: the bottom crop of 2 counts in units of 4 lines (2 chroma lines x 2 fields). */
    CHECK_INT_EQ(vg_h264_sps_parse(sps_crafted_scaling_interlaced,
                                   sizeof(sps_crafted_scaling_interlaced), &sps),
                 0);
    CHECK_INT_EQ(sps.crop_bottom, 8);
    CHECK_INT_EQ(sps.sar_width, 4);
    CHECK_INT_EQ(sps.sar_height, 3);
    CHECK(sps.fixed_frame_rate);
    CHECK_INT_EQ(sps.max_num_ref_frames, 4);

    CHECK_INT_EQ(vg_h264_sps_parse(sps_crafted_444_separate_planes,
                                   sizeof(sps_crafted_444_separate_planes), &sps),
                 0);
    CHECK(sps.separate_colour_plane);
    CHECK_INT_EQ(sps.sps_id, 3);
    CHECK_INT_EQ(sps.crop_left, 2);
    CHECK_INT_EQ(sps.crop_bottom, 16);
    CHECK(!sps.vui_present);

    CHECK_INT_EQ(vg_h264_sps_parse(sps_crafted_monochrome, sizeof(sps_crafted_monochrome), &sps),
                 0);
    CHECK_INT_EQ(sps.crop_right, 3);
    CHECK_INT_EQ(sps.crop_top, 1);
    CHECK(sps.fixed_frame_rate);
}

static void test_sps_truncated(void)
{
    /*
     * Every prefix: no overread (ASan watches an exact heap copy), and either
     * an error or, cut inside the VUI, the same picture size without the VUI.
     */
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const expect *e = &vectors[i];
        for (size_t cut = 0; cut < e->len; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, e->sps, cut);
            vg_h264_sps sps;
            int ret = vg_h264_sps_parse(p, cut, &sps);
            CHECK(ret == 0 || ret == VG_ESYNTAX);
            if (ret == 0) {
                CHECK_INT_EQ(sps.width, e->width);
                CHECK_INT_EQ(sps.height, e->height);
            } else {
                CHECK_INT_EQ(sps.width, 0); /* *out is cleared on failure */
            }
            free(p);
        }
    }
    /* The 720p SPS cut in the middle of time_scale: the VUI is dropped, the size kept. */
    vg_h264_sps sps;
    CHECK_INT_EQ(vg_h264_sps_parse(sps_high_720p, 15, &sps), 0);
    CHECK_INT_EQ(sps.width, 1280);
    CHECK(!sps.vui_present);
    CHECK(!sps.timing_info_present);
    CHECK_INT_EQ(sps.fps_num, 0);
    /* Cut before the cropping: an error. */
    CHECK_INT_EQ(vg_h264_sps_parse(sps_high_720p, 8, &sps), VG_ESYNTAX);
}

static void test_sps_bit_flips(void)
{
    /* Any single flipped bit: no crash, and sizes stay within bounds when it parses. */
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const expect *e = &vectors[i];
        uint8_t *p = malloc(e->len);
        for (size_t bit = 0; bit < e->len * 8; bit++) {
            memcpy(p, e->sps, e->len);
            p[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
            vg_h264_sps sps;
            if (vg_h264_sps_parse(p, e->len, &sps) == 0) {
                CHECK(sps.width > 0 && sps.width <= sps.coded_width && sps.coded_width <= 65535);
                CHECK(sps.height > 0 && sps.height <= sps.coded_height &&
                      sps.coded_height <= 65535);
            }
        }
        free(p);
    }
}

static void test_sps_malformed(void)
{
    uint8_t nal[300];
    vg_h264_sps sps;
    size_t len = make_sps(&plain, nal);
    CHECK_INT_EQ(vg_h264_sps_parse(nal, len, &sps), 0);
    CHECK_INT_EQ(sps.width, 640);
    CHECK_INT_EQ(sps.height, 360);

    /* Not an SPS; forbidden_zero_bit set; NULL. */
    CHECK_INT_EQ(vg_h264_sps_parse(pps_high_720p, sizeof(pps_high_720p), &sps), VG_ESYNTAX);
    nal[0] = 0xe7;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, len, &sps), VG_ESYNTAX);
    CHECK_INT_EQ(vg_h264_sps_parse(NULL, 0, &sps), VG_ESYNTAX);

    sps_fields f = plain;
    f.sps_id = 32; /* 0..31 */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f = plain;
    f.chroma_format_idc = 4;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f = plain;
    f.bit_depth_minus8 = 7; /* 0..6 */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f = plain;
    f.poc_type = 3;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f = plain;
    f.poc_type = 1;
    f.poc_cycle = 255; /* the largest cycle is fine... */
    uint8_t big[1200];
    CHECK_INT_EQ(vg_h264_sps_parse(big, make_sps(&f, big), &sps), 0);
    f.poc_cycle = 256; /* ...one more is not */
    CHECK_INT_EQ(vg_h264_sps_parse(big, make_sps(&f, big), &sps), VG_ESYNTAX);
    f = plain;
    f.max_ref_frames = 17;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f = plain;
    f.delta_scale = -128; /* the smallest delta_scale is fine... */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), 0);
    CHECK_INT_EQ(sps.width, 640);
    f.delta_scale = -129; /* ...one less is not */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.delta_scale = 128;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);

    /* Cropping: all of the picture, or more, is refused; one line less is a 1-line picture. */
    f = plain;
    f.crop[2] = 180; /* 2 * (180 + 4) = 368 lines: nothing left */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.crop[2] = 0xfffffffeu; /* the largest offset: no wrap */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.crop[2] = 179;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), 0);
    CHECK_INT_EQ(sps.height, 2);
    CHECK_INT_EQ(sps.crop_top, 358);
    f = plain;
    f.crop[0] = 160;
    f.crop[1] = 160; /* 2 * 320 = 640 samples */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);

    /* Sizes beyond what an mp4 sample entry holds. */
    f = plain;
    f.width_mbs = 4096; /* 65536 samples */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.width_mbs = 4095;
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), 0);
    CHECK_INT_EQ(sps.width, 65520);
    f = plain;
    f.frame_mbs_only = 0;
    f.height_units = 2048; /* 2 * 2048 * 16 lines */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.width_mbs = 0xffffffffu; /* pic_width_in_mbs_minus1 = 2^32 - 2: no wrap */
    CHECK_INT_EQ(vg_h264_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
}

static void test_codec_string(void)
{
    vg_h264_sps sps = {.profile_idc = 0x4d, .constraint_flags = 0x40, .level_idc = 0x1e};
    char out[12];
    CHECK_INT_EQ(vg_h264_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "avc1.4d401e");
    char small[11];
    CHECK_INT_EQ(vg_h264_codec_string(&sps, small, sizeof(small)), VG_ERANGE);
    CHECK_STR_EQ(small, "");
    CHECK_INT_EQ(vg_h264_codec_string(&sps, NULL, 0), VG_ERANGE);
}

static void test_avcc_parse_build(void)
{
    vg_h264_avcc avcc;
    CHECK_INT_EQ(vg_h264_avcc_parse(avcc_high_1080p, sizeof(avcc_high_1080p), &avcc), 0);
    CHECK_INT_EQ(avcc.version, 1);
    CHECK_INT_EQ(avcc.profile_idc, 100);
    CHECK_INT_EQ(avcc.profile_compatibility, 0);
    CHECK_INT_EQ(avcc.level_idc, 40);
    CHECK_INT_EQ(avcc.length_size, 4);
    CHECK_INT_EQ(avcc.sps_count, 1);
    CHECK_INT_EQ(avcc.pps_count, 1);
    CHECK_INT_EQ(avcc.sps[0].len, 27);
    CHECK_INT_EQ(avcc.pps[0].len, 6);
    CHECK(avcc.has_ext);
    CHECK_INT_EQ(avcc.chroma_format, 1);
    CHECK_INT_EQ(avcc.bit_depth_luma, 8);
    CHECK_INT_EQ(avcc.bit_depth_chroma, 8);
    CHECK_INT_EQ(avcc.sps_ext_count, 0);

    vg_h264_sps sps;
    CHECK_INT_EQ(vg_h264_sps_parse(avcc.sps[0].p, avcc.sps[0].len, &sps), 0);
    CHECK_INT_EQ(sps.width, 1920);
    CHECK_INT_EQ(sps.height, 1080);
    CHECK_INT_EQ(sps.fps_num, 25);

    /* Built again from its SPS and PPS: the very bytes libavformat wrote. */
    uint8_t out[128];
    size_t out_len = 0;
    CHECK_INT_EQ(vg_h264_avcc_build(avcc.sps[0].p, avcc.sps[0].len, avcc.pps[0].p, avcc.pps[0].len,
                                    out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, sizeof(avcc_high_1080p));
    CHECK(memcmp(out, avcc_high_1080p, sizeof(avcc_high_1080p)) == 0);

    /* Baseline: no extension, and the same round trip. */
    CHECK_INT_EQ(vg_h264_avcc_parse(avcc_baseline_360p, sizeof(avcc_baseline_360p), &avcc), 0);
    CHECK(!avcc.has_ext);
    CHECK_INT_EQ(avcc.profile_idc, 66);
    CHECK_INT_EQ(avcc.profile_compatibility, 0xc0);
    CHECK(avcc.sps[0].len == sizeof(sps_baseline_360p) &&
          memcmp(avcc.sps[0].p, sps_baseline_360p, sizeof(sps_baseline_360p)) == 0);
    CHECK_INT_EQ(vg_h264_avcc_build(avcc.sps[0].p, avcc.sps[0].len, avcc.pps[0].p, avcc.pps[0].len,
                                    out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, sizeof(avcc_baseline_360p));
    CHECK(memcmp(out, avcc_baseline_360p, sizeof(avcc_baseline_360p)) == 0);

    /* From the Annex-B stream's parameter sets: a record that parses back to them. */
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high422_240p, sizeof(sps_high422_240p), pps_high422_240p,
                                    sizeof(pps_high422_240p), out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(vg_h264_avcc_parse(out, out_len, &avcc), 0);
    CHECK_INT_EQ(avcc.profile_idc, 122);
    CHECK(avcc.has_ext);
    CHECK_INT_EQ(avcc.chroma_format, 2);
    CHECK(avcc.pps[0].len == sizeof(pps_high422_240p) &&
          memcmp(avcc.pps[0].p, pps_high422_240p, sizeof(pps_high422_240p)) == 0);

    /* High 4:4:4 Predictive (244) has no extension in the record (14496-15 5.3.3.1.2). */
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high444_360p, sizeof(sps_high444_360p), pps_high_720p,
                                    sizeof(pps_high_720p), out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, 6 + 2 + sizeof(sps_high444_360p) + 1 + 2 + sizeof(pps_high_720p));
}

static void test_avcc_build_errors(void)
{
    uint8_t out[128];
    size_t out_len = 99;
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), pps_high_720p,
                                    sizeof(pps_high_720p), NULL, 0, &out_len),
                 VG_ERANGE);
    size_t need = out_len;
    CHECK_INT_EQ(need, 6 + 2 + sizeof(sps_high_720p) + 1 + 2 + sizeof(pps_high_720p) + 4);
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), pps_high_720p,
                                    sizeof(pps_high_720p), out, need - 1, &out_len),
                 VG_ERANGE);
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), pps_high_720p,
                                    sizeof(pps_high_720p), out, need, &out_len),
                 0);
    /* The SPS must parse; the PPS must be a PPS. */
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, 6, pps_high_720p, sizeof(pps_high_720p), out,
                                    sizeof(out), &out_len),
                 VG_ESYNTAX);
    CHECK_INT_EQ(vg_h264_avcc_build(pps_high_720p, sizeof(pps_high_720p), pps_high_720p,
                                    sizeof(pps_high_720p), out, sizeof(out), &out_len),
                 VG_ESYNTAX);
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), sps_high_720p,
                                    sizeof(sps_high_720p), out, sizeof(out), &out_len),
                 VG_ESYNTAX);
    CHECK_INT_EQ(vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), NULL, 0, out, sizeof(out),
                                    &out_len),
                 VG_ESYNTAX);
}

static void test_avcc_malformed(void)
{
    vg_h264_avcc avcc;
    /* Every truncation: an error, or (cut in the optional extension) a record without it. */
    const size_t full = sizeof(avcc_high_1080p);
    for (size_t cut = 0; cut < full; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, avcc_high_1080p, cut);
        int ret = vg_h264_avcc_parse(p, cut, &avcc);
        if (cut < full - 4) {
            CHECK_INT_EQ(ret, VG_ESYNTAX);
            CHECK_INT_EQ(avcc.sps_count, 0);
        } else {
            CHECK_INT_EQ(ret, 0);
            CHECK(!avcc.has_ext);
        }
        free(p);
    }

    uint8_t bad[sizeof(avcc_high_1080p)];
#define RESET() memcpy(bad, avcc_high_1080p, sizeof(bad))
    RESET();
    bad[0] = 0; /* configurationVersion; also how an Annex-B start code begins */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[4] = 0xfe; /* lengthSizeMinusOne 2 */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[4] = 0xfc; /* 1-byte lengths are allowed */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), 0);
    CHECK_INT_EQ(avcc.length_size, 1);
    RESET();
    bad[5] = 0xe2; /* two SPSs: the PPS count byte is read as the second one's length */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[6] = 0;
    bad[7] = 0; /* an empty SPS */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[7] = 0xff; /* an SPS running past the end */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[8] = 0x68; /* the SPS slot holds a PPS */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[5 + 1 + 2 + 27] = 0xff; /* 255 PPSs */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), VG_ESYNTAX);
    RESET();
    bad[sizeof(bad) - 1] = 3; /* the extension claims 3 SPS extensions that are not there */
    CHECK_INT_EQ(vg_h264_avcc_parse(bad, sizeof(bad), &avcc), 0);
    CHECK(!avcc.has_ext);
    CHECK_INT_EQ(avcc.sps_ext_count, 0);
    CHECK_INT_EQ(avcc.pps_count, 1);
#undef RESET

    /* No parameter sets at all is a well-formed record. */
    static const uint8_t empty[] = {0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0x00};
    CHECK_INT_EQ(vg_h264_avcc_parse(empty, sizeof(empty), &avcc), 0);
    CHECK_INT_EQ(avcc.sps_count + avcc.pps_count, 0);
    CHECK_INT_EQ(vg_h264_avcc_parse(NULL, 0, &avcc), VG_ESYNTAX);
}

int main(void)
{
    VG_TEST_RUN(test_sps_vectors);
    VG_TEST_RUN(test_sps_details);
    VG_TEST_RUN(test_sps_truncated);
    VG_TEST_RUN(test_sps_bit_flips);
    VG_TEST_RUN(test_sps_malformed);
    VG_TEST_RUN(test_codec_string);
    VG_TEST_RUN(test_avcc_parse_build);
    VG_TEST_RUN(test_avcc_build_errors);
    VG_TEST_RUN(test_avcc_malformed);
    return vg_test_done();
}
