/*
 * Unit tests for codec/h265.c: SPS parsing, codec strings and hvcC records.
 *
 * The vectors are real: libx265 3.5 through ffmpeg 5.1 (Debian 12), with the
 * first VPS, SPS and PPS of each stream copied out as they travel (two
 * header bytes and emulation-prevention bytes in), and hvcC boxes as
 * libavformat's mp4 muxer wrote them. Expected values are what ffprobe
 * reports and what trace_headers shows. tests/unit/codec/make_vectors.py
 * regenerates all of them.
 */
#include "codec/h265.h"
#include "core/error.h"
#include "vg_test.h"

/* ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -t 1 -c:v libx265 -g 25 x.h265 */
static const uint8_t vps_main_720p[] = {
    0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
    0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0x95, 0x98, 0x09,
};
static const uint8_t sps_main_720p[] = {
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0xa4, 0x93, 0x2b, 0xc0,
    0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32, 0x10,
};
static const uint8_t pps_main_720p[] = {
    0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

/* ffmpeg -f lavfi -i testsrc2=size=1920x1080:rate=30 -t 1 -c:v libx265 x.h265 */
static const uint8_t vps_main_1080p[] = {
    0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
    0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0x95, 0x98, 0x09,
};
static const uint8_t sps_main_1080p[] = {
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
    0x00, 0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x10, 0xe5, 0x96, 0x56, 0x69, 0x24,
    0xca, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x0f, 0x04,
};
static const uint8_t pps_main_1080p[] = {
    0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=854x480:rate=30 -t 0.5 -c:v libx265 \
 *        -x265-params temporal-layers=1 -g 15 x.h265
 * Two sub-layers (profile_tier_level with sub-layer flags), 856 coded, conformance window right 1.
 */
static const uint8_t vps_sublayers_480p[] = {
    0x40, 0x01, 0x0c, 0x02, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5a, 0x00, 0x00, 0x95, 0x98, 0xac, 0xc0, 0x48,
};
static const uint8_t sps_sublayers_480p[] = {
    0x42, 0x01, 0x02, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03,
    0x00, 0x5a, 0x00, 0x00, 0xa0, 0x06, 0xb2, 0x01, 0xe1, 0xd7, 0x96, 0x56, 0x62, 0xb3, 0x49, 0x26,
    0x57, 0x80, 0xb4, 0x04, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0x78, 0x20,
};
static const uint8_t pps_sublayers_480p[] = {
    0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

/*
 * The same two encodes with -x265-params info=0 (no version SEI) -tag:v hvc1 -f mp4: the payload
 * of the hvcC box libavformat's movenc wrote. Their VPS, SPS and PPS are the ones above.
 */
static const uint8_t hvcc_main_720p[] = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d, 0xf0, 0x00, 0xfc,
    0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01,
    0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x5d, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2b, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d,
    0x16, 0x59, 0x59, 0xa4, 0x93, 0x2b, 0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00,
    0x03, 0x00, 0x32, 0x10, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};
static const uint8_t hvcc_main_1080p[] = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0xf0, 0x00, 0xfc,
    0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01,
    0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x78, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2a, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x10,
    0xe5, 0x96, 0x56, 0x69, 0x24, 0xca, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00,
    0x00, 0x0f, 0x04, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

/*
 * ffmpeg -f lavfi -i testsrc2=size=640x360:rate=30 -t 1 -pix_fmt yuv444p -c:v libx265 \
 *        -x265-params info=0 -tag:v hvc1 -f mp4 x.mp4
 * Range extensions profile (4), 4:4:4, level 2.1: its hvcC box.
 */
static const uint8_t hvcc_rext444_360p[] = {
    0x01, 0x04, 0x08, 0x00, 0x00, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3f, 0xf0, 0x00, 0xfc,
    0xff, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x17, 0x40, 0x01, 0x0c, 0x01,
    0xff, 0xff, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3f,
    0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2a, 0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03,
    0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3f, 0x90, 0x00, 0xa0, 0x40, 0x2d, 0x2c, 0xb2,
    0xb3, 0x49, 0x26, 0x57, 0x80, 0xb4, 0x04, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00,
    0x78, 0x20, 0xa2, 0x00, 0x01, 0x00, 0x08, 0x44, 0x01, 0xc1, 0x72, 0x86, 0x0c, 0x46, 0x24,
};

/*
 * Hand-made SPSs for what libx265 does not write, each checked with FFmpeg's
 * own parser (ffmpeg -bsf:v trace_headers reads every field through
 * rbsp_stop_one_bit); tests/unit/codec/make_vectors.py makes them.
 *
 * Everything at once: three sub-layers with sub_layer_profile_present and
 * sub_layer_level_present flags; RExt 4:2:2 10-bit, whose conformance window
 * counts lines singly (1088 - 4 = 1084); sub-layer ordering info for each
 * layer; scaling_list_data() with both prediction modes and DC coefficients;
 * PCM; four short-term RPSs, two of them predicted from the one before
 * (7.4.8), one predicted entry dropped by use_delta_flag; two long-term
 * pictures; a VUI with extended SAR 16:11, a default display window, timing
 * 1001/30000, HRD parameters with sub-picture parameters for NAL and VCL on
 * all three sub-layers; bitstream_restriction with min_spatial_segmentation_idc 4.
 */
static const uint8_t sps_crafted_rext422_everything[] = {
    0x42, 0x01, 0x14, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9c, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03,
    0x00, 0x78, 0xd0, 0x00, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9c, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x75, 0x72, 0x6c, 0x00, 0xf0, 0x20, 0x04, 0x41, 0xf2, 0xb6, 0x59, 0x59, 0x8c, 0x49,
    0xc9, 0x92, 0x4f, 0x67, 0x21, 0x4c, 0xc4, 0x44, 0xa3, 0x90, 0xa6, 0x62, 0x32, 0x99, 0x88, 0x89,
    0x47, 0x21, 0x4c, 0xc4, 0x44, 0xa2, 0xc4, 0xa3, 0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x51,
    0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72, 0x14, 0xcc, 0x44, 0x4a, 0x39,
    0x0a, 0x66, 0x22, 0x25, 0x1c, 0x85, 0x33, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88, 0x89, 0x47, 0x21,
    0x4c, 0xc4, 0x44, 0xa3, 0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x33, 0x90, 0xa6,
    0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72, 0x14, 0xcc,
    0x44, 0x4a, 0x39, 0x0a, 0x66, 0x22, 0x25, 0x1c, 0x85, 0x33, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88,
    0x89, 0x47, 0x2b, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88, 0x89, 0x47, 0x21, 0x4c, 0xc4, 0x44, 0xa3,
    0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72,
    0x14, 0xcc, 0x44, 0x4a, 0x39, 0x0a, 0x67, 0x89, 0x47, 0x21, 0x4c, 0xc4, 0x44, 0xa3, 0x90, 0xa6,
    0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72, 0x14, 0xcc,
    0x44, 0x4a, 0x39, 0x0a, 0x66, 0x22, 0x25, 0x1c, 0x85, 0x33, 0x11, 0x28, 0x40, 0x4a, 0x39, 0x0a,
    0x66, 0x22, 0x25, 0x1c, 0x85, 0x33, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88, 0x89, 0x47, 0x21, 0x4c,
    0xc4, 0x44, 0xa3, 0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4, 0x29, 0x98,
    0x88, 0x92, 0x84, 0x0a, 0x66, 0x22, 0x25, 0x1c, 0x85, 0x33, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88,
    0x89, 0x47, 0x21, 0x4c, 0xc4, 0x44, 0xa3, 0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11,
    0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72, 0x16, 0x10, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11,
    0x28, 0xe4, 0x29, 0x98, 0x88, 0x94, 0x72, 0x14, 0xcc, 0x44, 0x4a, 0x39, 0x0a, 0x66, 0x22, 0x25,
    0x1c, 0x85, 0x33, 0x11, 0x12, 0x8e, 0x42, 0x99, 0x88, 0x89, 0x47, 0x21, 0x4c, 0xca, 0x10, 0x47,
    0x21, 0x4c, 0xc4, 0x44, 0xa3, 0x90, 0xa6, 0x62, 0x22, 0x51, 0xc8, 0x53, 0x31, 0x11, 0x28, 0xe4,
    0x29, 0x98, 0x88, 0x94, 0x72, 0x14, 0xcc, 0x44, 0x4a, 0x39, 0x0a, 0x66, 0x22, 0x25, 0x1c, 0x85,
    0x33, 0x11, 0x12, 0x92, 0xee, 0xf5, 0x2b, 0x5a, 0xa7, 0xbc, 0xa5, 0x97, 0xb0, 0x5e, 0x43, 0xff,
    0xc0, 0x04, 0x00, 0x02, 0xed, 0xc2, 0x44, 0x02, 0x6d, 0x98, 0x9c, 0x4c, 0x00, 0x00, 0x0f, 0xa4,
    0x00, 0x01, 0xd4, 0xc3, 0xf5, 0xa3, 0xce, 0x46, 0xb7, 0xbd, 0xda, 0x00, 0x7d, 0x20, 0x07, 0xd1,
    0x00, 0x96, 0x80, 0x64, 0x40, 0x0f, 0xa8, 0x00, 0xfa, 0x40, 0x12, 0xd0, 0x0c, 0x8c, 0x01, 0xf4,
    0x80, 0x1f, 0x44, 0x02, 0x5a, 0x01, 0x91, 0x00, 0x3e, 0xa0, 0x03, 0xe9, 0x00, 0x4b, 0x40, 0x32,
    0x3e, 0x00, 0xfa, 0x40, 0x0f, 0xa2, 0x01, 0x2d, 0x00, 0xc8, 0x80, 0x1f, 0x48, 0x01, 0xf4, 0x40,
    0x25, 0xa0, 0x19, 0x11, 0x00, 0x7d, 0x20, 0x07, 0xd1, 0x00, 0x96, 0x80, 0x64, 0x40, 0x0f, 0xa4,
    0x00, 0xfa, 0x20, 0x12, 0xd0, 0x0c, 0x8a, 0xca, 0xd0, 0x40, 0x20, 0x80,
};

/*
 * Main 10, High tier level 5.1, 3840x2176 cropped to 3832x2160 (left and
 * right 2, bottom 8, in chroma units), scaling lists on with the default
 * lists, sub-layer ordering info for the top layer only, one short-term RPS,
 * no VUI.
 */
static const uint8_t sps_crafted_high_tier_4k[] = {
    0x42, 0x01, 0x03, 0x22, 0x20, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x03, 0x00, 0x99, 0x00, 0x00, 0xa0, 0x01, 0xe0, 0x20,
    0x02, 0x20, 0x6d, 0xc4, 0xe5, 0x15, 0x9a, 0x49, 0x39, 0x25, 0xd9,
};

/* ---- a bit writer, to make SPSs with one field wrong ------------------------------------ */

typedef struct writer {
    uint8_t rbsp[512];
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

/* The NAL unit: two header bytes, the RBSP with its stop bit, emulation prevention added. */
static size_t finish(writer *w, uint8_t *out)
{
    put_bits(w, 1, 1);
    size_t len = (w->bits + 7) / 8, n = 0, zeros = 0;
    out[n++] = 0x42;
    out[n++] = 0x01;
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
    uint32_t max_sub_layers_minus1, sps_id, chroma_format_idc, width, height;
    uint32_t conf[4];
    uint32_t bit_depth_minus8, log2_poc_minus4, max_dec_minus1, num_reorder;
    uint32_t log2_min_cb_minus3, log2_diff_cb;
    uint32_t num_st_rps; /* set 0 explicit with one negative picture; the rest predicted */
    uint32_t delta_poc_s0_minus1;
    uint32_t set0_negative; /* num_negative_pics of set 0 */
    uint32_t num_long_term; /* 0: long_term_ref_pics_present_flag 0 */
    bool vui_timing;        /* a VUI with timing 1/50 */
} sps_fields;

/* An SPS from `f`: 7.3.2.2.1. Sets 1.. are predicted from the one before with deltaRps -1. */
static size_t make_sps(const sps_fields *f, uint8_t *out)
{
    writer w = {{0}, 0};
    put_bits(&w, 4, 0);
    put_bits(&w, 3, f->max_sub_layers_minus1);
    put_bits(&w, 1, 1);
    /* profile_tier_level: Main, level 4, no sub-layer flags */
    put_bits(&w, 8, 0x01);
    put_bits(&w, 32, 0x60000000);
    put_bits(&w, 32, 0x90000000);
    put_bits(&w, 16, 0);
    put_bits(&w, 8, 120);
    unsigned sub = f->max_sub_layers_minus1 > 6 ? 6 : f->max_sub_layers_minus1;
    put_bits(&w, 2 * sub, 0);
    if (sub > 0)
        put_bits(&w, 2 * (8 - sub), 0);
    put_ue(&w, f->sps_id);
    put_ue(&w, f->chroma_format_idc);
    if (f->chroma_format_idc == 3)
        put_bits(&w, 1, 0);
    put_ue(&w, f->width);
    put_ue(&w, f->height);
    bool conf = f->conf[0] || f->conf[1] || f->conf[2] || f->conf[3];
    put_bits(&w, 1, conf);
    if (conf) {
        for (int i = 0; i < 4; i++)
            put_ue(&w, f->conf[i]);
    }
    put_ue(&w, f->bit_depth_minus8);
    put_ue(&w, f->bit_depth_minus8);
    put_ue(&w, f->log2_poc_minus4);
    put_bits(&w, 1, 0); /* sub_layer_ordering_info for the top layer only */
    put_ue(&w, f->max_dec_minus1);
    put_ue(&w, f->num_reorder);
    put_ue(&w, 0);
    put_ue(&w, f->log2_min_cb_minus3);
    put_ue(&w, f->log2_diff_cb);
    put_ue(&w, 0);
    put_ue(&w, 3);
    put_ue(&w, 0);
    put_ue(&w, 0);
    put_bits(&w, 1, 0); /* scaling_list_enabled_flag */
    put_bits(&w, 3, 0); /* amp, sao, pcm */
    put_ue(&w, f->num_st_rps);
    for (uint32_t i = 0; i < f->num_st_rps; i++) {
        if (i == 0) {
            put_ue(&w, f->set0_negative);
            put_ue(&w, 0);
            for (uint32_t k = 0; k < f->set0_negative && k < 40; k++) {
                put_ue(&w, f->delta_poc_s0_minus1);
                put_bits(&w, 1, 1);
            }
        } else {
            put_bits(&w, 1, 1); /* inter_ref_pic_set_prediction_flag */
            put_bits(&w, 1, 1); /* delta_rps_sign: deltaRps = -1 */
            put_ue(&w, 0);
            /* set i - 1 has set0_negative + i - 1 pictures: keep all, and add the reference. */
            for (uint32_t k = 0; k <= f->set0_negative + i - 1; k++)
                put_bits(&w, 1, 1); /* used_by_curr_pic_flag */
        }
    }
    put_bits(&w, 1, f->num_long_term > 0);
    if (f->num_long_term > 0) {
        put_ue(&w, f->num_long_term);
        for (uint32_t i = 0; i < f->num_long_term && i < 40; i++)
            put_bits(&w, f->log2_poc_minus4 + 4 + 1, 1);
    }
    put_bits(&w, 2, 3); /* temporal mvp, strong intra smoothing */
    put_bits(&w, 1, f->vui_timing);
    if (f->vui_timing) {
        put_bits(&w, 8, 0); /* aspect_ratio_info_present .. default_display_window_flag */
        put_bits(&w, 1, 1);
        put_bits(&w, 32, 1);
        put_bits(&w, 32, 50);
        put_bits(&w, 3, 0); /* poc proportional, hrd, bitstream_restriction */
    }
    put_bits(&w, 1, 0); /* sps_extension_present_flag */
    return finish(&w, out);
}

static const sps_fields plain = {
    .chroma_format_idc = 1,
    .width = 1280,
    .height = 720,
    .max_dec_minus1 = 4,
    .num_reorder = 2,
    .log2_diff_cb = 3,
    .log2_poc_minus4 = 4,
    .num_st_rps = 1,
    .set0_negative = 1,
    .vui_timing = true,
};

/* ---- the tests -------------------------------------------------------------------------- */

typedef struct expect {
    const char *name;
    const uint8_t *sps;
    size_t len;
    unsigned profile_idc, level_idc, chroma_format_idc, bit_depth, max_sub_layers;
    unsigned width, height, coded_width, coded_height;
    unsigned fps_num, fps_den;
    const char *codec;
} expect;

#define VEC(a) #a, a, sizeof(a)

/* The SPS inside the RExt hvcC record, found by the parser in test_sps_vectors. */
static expect rext444 = {
    "sps of hvcc_rext444_360p", NULL, 0, 4, 63, 3, 8, 1, 640, 360, 640, 360, 30, 1,
    "hvc1.4.10.L63.9E.8"};

static const expect vectors[] = {
    {VEC(sps_main_720p), 1, 93, 1, 8, 1, 1280, 720, 1280, 720, 25, 1, "hvc1.1.6.L93.90"},
    {VEC(sps_main_1080p), 1, 120, 1, 8, 1, 1920, 1080, 1920, 1080, 30, 1, "hvc1.1.6.L120.90"},
    {VEC(sps_sublayers_480p), 1, 90, 1, 8, 2, 854, 480, 856, 480, 30, 1, "hvc1.1.6.L90.90"},
    {VEC(sps_crafted_rext422_everything), 4, 120, 2, 10, 3, 1920, 1084, 1920, 1088, 30000, 1001,
     "hvc1.4.10.L120.9C"},
    {VEC(sps_crafted_high_tier_4k), 2, 153, 1, 8, 2, 3832, 2160, 3840, 2176, 0, 0,
     "hvc1.2.4.H153.80"},
};

static void check_vector(const expect *e)
{
    vg_h265_sps sps;
    char codec[48];
    fprintf(stderr, "  %s\n", e->name);
    CHECK_INT_EQ(vg_h265_sps_parse(e->sps, e->len, &sps), 0);
    CHECK_INT_EQ(sps.ptl.profile_idc, e->profile_idc);
    CHECK_INT_EQ(sps.ptl.level_idc, e->level_idc);
    CHECK_INT_EQ(sps.chroma_format_idc, e->chroma_format_idc);
    CHECK_INT_EQ(sps.bit_depth_luma, e->bit_depth);
    CHECK_INT_EQ(sps.bit_depth_chroma, e->bit_depth);
    CHECK_INT_EQ(sps.max_sub_layers, e->max_sub_layers);
    CHECK_INT_EQ(sps.width, e->width);
    CHECK_INT_EQ(sps.height, e->height);
    CHECK_INT_EQ(sps.coded_width, e->coded_width);
    CHECK_INT_EQ(sps.coded_height, e->coded_height);
    CHECK_INT_EQ(sps.coded_width - sps.crop_left - sps.crop_right, sps.width);
    CHECK_INT_EQ(sps.coded_height - sps.crop_top - sps.crop_bottom, sps.height);
    CHECK_INT_EQ(sps.fps_num, e->fps_num);
    CHECK_INT_EQ(sps.fps_den, e->fps_den);
    CHECK_INT_EQ(vg_h265_codec_string(&sps, codec, sizeof(codec)), 0);
    CHECK_STR_EQ(codec, e->codec);
}

static void test_sps_vectors(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        check_vector(&vectors[i]);
    vg_h265_hvcc hvcc;
    CHECK_INT_EQ(vg_h265_hvcc_parse(hvcc_rext444_360p, sizeof(hvcc_rext444_360p), &hvcc), 0);
    CHECK_INT_EQ(hvcc.sps_count, 1);
    rext444.sps = hvcc.sps[0].p;
    rext444.len = hvcc.sps[0].len;
    check_vector(&rext444);
}

static void test_sps_details(void)
{
    vg_h265_sps sps;
    CHECK_INT_EQ(vg_h265_sps_parse(sps_main_720p, sizeof(sps_main_720p), &sps), 0);
    CHECK_INT_EQ(sps.ptl.profile_space, 0);
    CHECK(!sps.ptl.tier);
    CHECK_INT_EQ(sps.ptl.profile_compatibility_flags, 0x60000000);
    CHECK(sps.ptl.constraint_flags == 0x900000000000ull);
    CHECK(sps.temporal_id_nesting);
    CHECK_INT_EQ(sps.vps_id, 0);
    CHECK_INT_EQ(sps.sps_id, 0);
    CHECK(sps.vui_present);
    CHECK(sps.timing_info_present);
    CHECK_INT_EQ(sps.num_units_in_tick, 1);
    CHECK_INT_EQ(sps.time_scale, 25);
    CHECK_INT_EQ(sps.sar_width, 1);
    CHECK_INT_EQ(sps.sar_height, 1);
    CHECK_INT_EQ(sps.min_spatial_segmentation_idc, 0);
    CHECK(!sps.field_seq);

    /* 854 wide: 856 coded, conf_win_right_offset 1 in 2-sample units. */
    CHECK_INT_EQ(vg_h265_sps_parse(sps_sublayers_480p, sizeof(sps_sublayers_480p), &sps), 0);
    CHECK_INT_EQ(sps.crop_right, 2);
    CHECK(!sps.temporal_id_nesting);

    CHECK_INT_EQ(vg_h265_sps_parse(sps_crafted_rext422_everything,
                                   sizeof(sps_crafted_rext422_everything), &sps),
                 0);
    CHECK_INT_EQ(sps.vps_id, 1);
    CHECK_INT_EQ(sps.sps_id, 2);
    CHECK_INT_EQ(sps.crop_bottom, 4);
    CHECK_INT_EQ(sps.sar_width, 16);
    CHECK_INT_EQ(sps.sar_height, 11);
    CHECK_INT_EQ(sps.num_units_in_tick, 1001);
    CHECK_INT_EQ(sps.time_scale, 30000);
    CHECK_INT_EQ(sps.min_spatial_segmentation_idc, 4); /* after the HRD: everything was in step */
    CHECK(sps.ptl.constraint_flags == 0x9c0000000000ull);

    CHECK_INT_EQ(
        vg_h265_sps_parse(sps_crafted_high_tier_4k, sizeof(sps_crafted_high_tier_4k), &sps), 0);
    CHECK(sps.ptl.tier);
    CHECK_INT_EQ(sps.crop_left, 4);
    CHECK_INT_EQ(sps.crop_right, 4);
    CHECK_INT_EQ(sps.crop_bottom, 16);
    CHECK(!sps.vui_present);
    CHECK(!sps.timing_info_present);
}

static void test_sps_truncated(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const expect *e = &vectors[i];
        for (size_t cut = 0; cut < e->len; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, e->sps, cut);
            vg_h265_sps sps;
            int ret = vg_h265_sps_parse(p, cut, &sps);
            CHECK(ret == 0 || ret == VG_ESYNTAX);
            if (ret == 0) {
                CHECK_INT_EQ(sps.width, e->width);
                CHECK_INT_EQ(sps.height, e->height);
            } else {
                CHECK_INT_EQ(sps.width, 0);
            }
            free(p);
        }
    }
    /* Cut inside the VUI (the HRD parameters of the big one): VUI dropped, size kept. */
    vg_h265_sps sps;
    CHECK_INT_EQ(vg_h265_sps_parse(sps_crafted_rext422_everything,
                                   sizeof(sps_crafted_rext422_everything) - 20, &sps),
                 0);
    CHECK_INT_EQ(sps.height, 1084);
    CHECK(!sps.vui_present);
    CHECK_INT_EQ(sps.fps_num, 0);
    CHECK_INT_EQ(sps.min_spatial_segmentation_idc, 0);
    /* Cut in the reference picture sets: an error. */
    CHECK_INT_EQ(vg_h265_sps_parse(sps_crafted_rext422_everything, 390, &sps), VG_ESYNTAX);
}

static void test_sps_bit_flips(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const expect *e = &vectors[i];
        uint8_t *p = malloc(e->len);
        for (size_t bit = 0; bit < e->len * 8; bit++) {
            memcpy(p, e->sps, e->len);
            p[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
            vg_h265_sps sps;
            if (vg_h265_sps_parse(p, e->len, &sps) == 0) {
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
    uint8_t nal[600];
    vg_h265_sps sps;
    size_t len = make_sps(&plain, nal);
    CHECK_INT_EQ(vg_h265_sps_parse(nal, len, &sps), 0);
    CHECK_INT_EQ(sps.width, 1280);
    CHECK_INT_EQ(sps.height, 720);
    CHECK_INT_EQ(sps.fps_num, 50);

    CHECK_INT_EQ(vg_h265_sps_parse(vps_main_720p, sizeof(vps_main_720p), &sps), VG_ESYNTAX);
    nal[0] |= 0x80; /* forbidden_zero_bit */
    CHECK_INT_EQ(vg_h265_sps_parse(nal, len, &sps), VG_ESYNTAX);
    CHECK_INT_EQ(vg_h265_sps_parse(NULL, 0, &sps), VG_ESYNTAX);

#define EXPECT(field, value, ret)                                                                  \
    do {                                                                                           \
        sps_fields f_ = plain;                                                                     \
        f_.field = value;                                                                          \
        CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f_, nal), &sps), ret);                       \
    } while (0)
    EXPECT(max_sub_layers_minus1, 7, VG_ESYNTAX);
    EXPECT(max_sub_layers_minus1, 6, 0);
    EXPECT(sps_id, 16, VG_ESYNTAX);
    EXPECT(sps_id, 15, 0);
    EXPECT(chroma_format_idc, 4, VG_ESYNTAX);
    EXPECT(chroma_format_idc, 3, 0);
    EXPECT(width, 0, VG_ESYNTAX);
    EXPECT(height, 0, VG_ESYNTAX);
    EXPECT(width, 65536, VG_ESYNTAX);
    EXPECT(width, 65528, 0);
    EXPECT(width, 0xfffffffeu, VG_ESYNTAX);
    EXPECT(width, 1284, VG_ESYNTAX); /* not a multiple of MinCbSizeY (8) */
    EXPECT(bit_depth_minus8, 9, VG_ESYNTAX);
    EXPECT(bit_depth_minus8, 8, 0);
    EXPECT(log2_poc_minus4, 13, VG_ESYNTAX);
    EXPECT(max_dec_minus1, 16, VG_ESYNTAX);
    EXPECT(num_reorder, 5, VG_ESYNTAX); /* more than max_dec_pic_buffering_minus1 */
    EXPECT(log2_min_cb_minus3, 4, VG_ESYNTAX);
    EXPECT(log2_diff_cb, 4, VG_ESYNTAX); /* CtbLog2SizeY 7 */
    EXPECT(log2_diff_cb, 0, VG_ESYNTAX); /* CtbLog2SizeY 3 */
    EXPECT(num_st_rps, 65, VG_ESYNTAX);
    EXPECT(num_st_rps, 0, 0);
    EXPECT(set0_negative, 5, VG_ESYNTAX); /* more than max_dec_pic_buffering_minus1 */
    EXPECT(delta_poc_s0_minus1, 32768, VG_ESYNTAX);
    EXPECT(delta_poc_s0_minus1, 32767, 0);
    EXPECT(num_long_term, 33, VG_ESYNTAX);
    EXPECT(num_long_term, 32, 0);
#undef EXPECT

    /* A conformance window as large as the picture, and one that would wrap. */
    sps_fields f = plain;
    f.conf[2] = 180;
    f.conf[3] = 180; /* 2 * 360 = 720 lines */
    CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
    f.conf[3] = 179;
    CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f, nal), &sps), 0);
    CHECK_INT_EQ(sps.height, 2);
    f.conf[0] = 0xfffffffeu;
    CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);

    /*
     * Predicted RPSs that grow by one picture each (deltaRps -1, every
     * picture kept plus the reference): 16 pictures on one side is the most
     * a set can hold; the 17th is refused. max_dec_pic_buffering_minus1
     * does not bound predicted sets here, only explicit ones.
     */
    f = plain;
    f.num_st_rps = 16; /* set 15 has 16 negative pictures */
    CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f, nal), &sps), 0);
    CHECK_INT_EQ(sps.fps_num, 50);
    f.num_st_rps = 17;
    CHECK_INT_EQ(vg_h265_sps_parse(nal, make_sps(&f, nal), &sps), VG_ESYNTAX);
}

static void test_codec_string(void)
{
    vg_h265_sps sps = {0};
    char out[48];
    /* ISO/IEC 14496-15 E.5 examples. */
    sps.ptl = (vg_h265_ptl){.profile_idc = 1,
                            .profile_compatibility_flags = 0x60000000,
                            .constraint_flags = 0xb00000000000ull,
                            .level_idc = 93};
    CHECK_INT_EQ(vg_h265_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "hvc1.1.6.L93.B0");
    /* hev1.A4.41.H120.B0.23 there: space 1, profile 4, flags reversed 0x41, High tier. */
    sps.ptl = (vg_h265_ptl){.profile_space = 1,
                            .tier = true,
                            .profile_idc = 4,
                            .profile_compatibility_flags = 0x82000000,
                            .constraint_flags = 0xb02300000000ull,
                            .level_idc = 120};
    CHECK_INT_EQ(vg_h265_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "hvc1.A4.41.H120.B0.23");
    /* A zero byte between non-zero ones stays; all-zero constraint bytes all go. */
    sps.ptl.constraint_flags = 0x000000000001ull;
    CHECK_INT_EQ(vg_h265_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "hvc1.A4.41.H120.0.0.0.0.0.1");
    sps.ptl.constraint_flags = 0;
    sps.ptl.profile_space = 3;
    sps.ptl.profile_compatibility_flags = 0xffffffff;
    CHECK_INT_EQ(vg_h265_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "hvc1.C4.FFFFFFFF.H120");
    /* Too small. */
    char small[10];
    CHECK_INT_EQ(vg_h265_codec_string(&sps, small, sizeof(small)), VG_ERANGE);
    CHECK_STR_EQ(small, "");
    CHECK_INT_EQ(vg_h265_codec_string(&sps, NULL, 0), VG_ERANGE);
    /* The longest: 5 + 3 + 9 + 5 + 18 characters and the NUL fit in 48. */
    sps.ptl.profile_idc = 31;
    sps.ptl.level_idc = 255;
    sps.ptl.constraint_flags = 0xffffffffffffull;
    CHECK_INT_EQ(vg_h265_codec_string(&sps, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "hvc1.C31.FFFFFFFF.H255.FF.FF.FF.FF.FF.FF");
}

static bool nal_is(vg_nal nal, const uint8_t *p, size_t len)
{
    return nal.len == len && memcmp(nal.p, p, len) == 0;
}

static void test_hvcc_parse(void)
{
    vg_h265_hvcc hvcc;
    CHECK_INT_EQ(vg_h265_hvcc_parse(hvcc_main_720p, sizeof(hvcc_main_720p), &hvcc), 0);
    CHECK_INT_EQ(hvcc.version, 1);
    CHECK_INT_EQ(hvcc.ptl.profile_idc, 1);
    CHECK(!hvcc.ptl.tier);
    CHECK_INT_EQ(hvcc.ptl.profile_compatibility_flags, 0x60000000);
    CHECK(hvcc.ptl.constraint_flags == 0x900000000000ull);
    CHECK_INT_EQ(hvcc.ptl.level_idc, 93);
    CHECK_INT_EQ(hvcc.min_spatial_segmentation_idc, 0);
    CHECK_INT_EQ(hvcc.parallelism_type, 0);
    CHECK_INT_EQ(hvcc.chroma_format_idc, 1);
    CHECK_INT_EQ(hvcc.bit_depth_luma, 8);
    CHECK_INT_EQ(hvcc.bit_depth_chroma, 8);
    CHECK_INT_EQ(hvcc.avg_frame_rate, 0);
    CHECK_INT_EQ(hvcc.constant_frame_rate, 0);
    CHECK_INT_EQ(hvcc.num_temporal_layers, 1);
    CHECK(hvcc.temporal_id_nested);
    CHECK_INT_EQ(hvcc.length_size, 4);
    CHECK_INT_EQ(hvcc.vps_count, 1);
    CHECK_INT_EQ(hvcc.sps_count, 1);
    CHECK_INT_EQ(hvcc.pps_count, 1);
    CHECK(nal_is(hvcc.vps[0], vps_main_720p, sizeof(vps_main_720p)));
    CHECK(nal_is(hvcc.sps[0], sps_main_720p, sizeof(sps_main_720p)));
    CHECK(nal_is(hvcc.pps[0], pps_main_720p, sizeof(pps_main_720p)));

    CHECK_INT_EQ(vg_h265_hvcc_parse(hvcc_rext444_360p, sizeof(hvcc_rext444_360p), &hvcc), 0);
    CHECK_INT_EQ(hvcc.ptl.profile_idc, 4);
    CHECK_INT_EQ(hvcc.chroma_format_idc, 3);
    CHECK_INT_EQ(hvcc.ptl.level_idc, 63);

    /* An SEI array (as libx265's version SEI travels in movenc's records): checked, skipped. */
    uint8_t with_sei[sizeof(hvcc_main_720p) + 3 + 2 + 6];
    memcpy(with_sei, hvcc_main_720p, sizeof(hvcc_main_720p));
    with_sei[22] = 4;
    static const uint8_t sei_array[] = {0x27, 0x00, 0x01, 0x00, 0x06, 0x4e,
                                        0x01, 0x05, 0x01, 0x00, 0x80};
    memcpy(with_sei + sizeof(hvcc_main_720p), sei_array, sizeof(sei_array));
    CHECK_INT_EQ(vg_h265_hvcc_parse(with_sei, sizeof(with_sei), &hvcc), 0);
    CHECK_INT_EQ(hvcc.vps_count + hvcc.sps_count + hvcc.pps_count, 3);
    /* The SEI's length one past the end. */
    with_sei[sizeof(hvcc_main_720p) + 4] = 7;
    CHECK_INT_EQ(vg_h265_hvcc_parse(with_sei, sizeof(with_sei), &hvcc), VG_ESYNTAX);
}

static void test_hvcc_build(void)
{
    /* From the Annex-B streams' parameter sets: the very bytes movenc wrote. */
    uint8_t out[256];
    size_t out_len = 0;
    CHECK_INT_EQ(vg_h265_hvcc_build(vps_main_720p, sizeof(vps_main_720p), sps_main_720p,
                                    sizeof(sps_main_720p), pps_main_720p, sizeof(pps_main_720p),
                                    out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, sizeof(hvcc_main_720p));
    CHECK(memcmp(out, hvcc_main_720p, sizeof(hvcc_main_720p)) == 0);

    CHECK_INT_EQ(vg_h265_hvcc_build(vps_main_1080p, sizeof(vps_main_1080p), sps_main_1080p,
                                    sizeof(sps_main_1080p), pps_main_1080p, sizeof(pps_main_1080p),
                                    out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, sizeof(hvcc_main_1080p));
    CHECK(memcmp(out, hvcc_main_1080p, sizeof(hvcc_main_1080p)) == 0);

    /* Parse, then build from what was parsed: the same record. */
    vg_h265_hvcc hvcc;
    CHECK_INT_EQ(vg_h265_hvcc_parse(hvcc_rext444_360p, sizeof(hvcc_rext444_360p), &hvcc), 0);
    CHECK_INT_EQ(vg_h265_hvcc_build(hvcc.vps[0].p, hvcc.vps[0].len, hvcc.sps[0].p, hvcc.sps[0].len,
                                    hvcc.pps[0].p, hvcc.pps[0].len, out, sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(out_len, sizeof(hvcc_rext444_360p));
    CHECK(memcmp(out, hvcc_rext444_360p, sizeof(hvcc_rext444_360p)) == 0);

    /* Two sub-layers, not nested (x265 temporal-layers=1). */
    CHECK_INT_EQ(vg_h265_hvcc_build(vps_sublayers_480p, sizeof(vps_sublayers_480p),
                                    sps_sublayers_480p, sizeof(sps_sublayers_480p),
                                    pps_sublayers_480p, sizeof(pps_sublayers_480p), out,
                                    sizeof(out), &out_len),
                 0);
    CHECK_INT_EQ(vg_h265_hvcc_parse(out, out_len, &hvcc), 0);
    CHECK_INT_EQ(hvcc.num_temporal_layers, 2);
    CHECK(!hvcc.temporal_id_nested);
    CHECK_INT_EQ(hvcc.ptl.level_idc, 90);
    CHECK(nal_is(hvcc.vps[0], vps_sublayers_480p, sizeof(vps_sublayers_480p)));
    CHECK(nal_is(hvcc.pps[0], pps_sublayers_480p, sizeof(pps_sublayers_480p)));

    /*
     * With min_spatial_segmentation_idc 4 the PPS's parallelism counts: the
     * libx265 PPS has entropy_coding_sync_enabled_flag (wavefront, 3). Three
     * sub-layers, not nested; 4:2:2 10-bit.
     */
    uint8_t big[1024];
    CHECK_INT_EQ(vg_h265_hvcc_build(vps_main_720p, sizeof(vps_main_720p),
                                    sps_crafted_rext422_everything,
                                    sizeof(sps_crafted_rext422_everything), pps_main_720p,
                                    sizeof(pps_main_720p), big, sizeof(big), &out_len),
                 0);
    CHECK_INT_EQ(big[13], 0xf0);
    CHECK_INT_EQ(big[14], 0x04);
    CHECK_INT_EQ(big[15], 0xff);
    CHECK_INT_EQ(big[16], 0xfe);
    CHECK_INT_EQ(big[17], 0xfa);
    CHECK_INT_EQ(big[18], 0xfa);
    CHECK_INT_EQ(big[21], 3 << 3 | 0x3);
    CHECK_INT_EQ(vg_h265_hvcc_parse(big, out_len, &hvcc), 0);
    CHECK_INT_EQ(hvcc.parallelism_type, 3);
    CHECK_INT_EQ(hvcc.num_temporal_layers, 3);
    CHECK(!hvcc.temporal_id_nested);
    CHECK_INT_EQ(hvcc.ptl.level_idc, 120);
    CHECK(nal_is(hvcc.sps[0], sps_crafted_rext422_everything,
                 sizeof(sps_crafted_rext422_everything)));
}

static void test_hvcc_build_errors(void)
{
    uint8_t out[256];
    size_t out_len = 0;
#define BUILD(v, s, p, cap)                                                                        \
    vg_h265_hvcc_build(v, sizeof(v), s, sizeof(s), p, sizeof(p), cap ? out : NULL, cap, &out_len)
    CHECK_INT_EQ(BUILD(vps_main_720p, sps_main_720p, pps_main_720p, 0), VG_ERANGE);
    CHECK_INT_EQ(out_len, sizeof(hvcc_main_720p));
    CHECK_INT_EQ(BUILD(vps_main_720p, sps_main_720p, pps_main_720p, sizeof(hvcc_main_720p) - 1),
                 VG_ERANGE);
    CHECK_INT_EQ(BUILD(vps_main_720p, sps_main_720p, pps_main_720p, sizeof(hvcc_main_720p)), 0);
    /* Each argument must be of its kind. */
    CHECK_INT_EQ(BUILD(sps_main_720p, sps_main_720p, pps_main_720p, sizeof(out)), VG_ESYNTAX);
    CHECK_INT_EQ(BUILD(vps_main_720p, vps_main_720p, pps_main_720p, sizeof(out)), VG_ESYNTAX);
    CHECK_INT_EQ(BUILD(vps_main_720p, sps_main_720p, sps_main_720p, sizeof(out)), VG_ESYNTAX);
#undef BUILD
    /* A PPS cut before entropy_coding_sync_enabled_flag. */
    CHECK_INT_EQ(vg_h265_hvcc_build(vps_main_720p, sizeof(vps_main_720p), sps_main_720p,
                                    sizeof(sps_main_720p), pps_main_720p, 4, out, sizeof(out),
                                    &out_len),
                 VG_ESYNTAX);
    CHECK_INT_EQ(vg_h265_hvcc_build(NULL, 0, sps_main_720p, sizeof(sps_main_720p), pps_main_720p,
                                    sizeof(pps_main_720p), out, sizeof(out), &out_len),
                 VG_ESYNTAX);
}

static void test_hvcc_malformed(void)
{
    vg_h265_hvcc hvcc;
    const size_t full = sizeof(hvcc_main_720p);
    for (size_t cut = 0; cut < full; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, hvcc_main_720p, cut);
        CHECK_INT_EQ(vg_h265_hvcc_parse(p, cut, &hvcc), VG_ESYNTAX);
        CHECK_INT_EQ(hvcc.vps_count, 0);
        free(p);
    }

    uint8_t bad[sizeof(hvcc_main_720p)];
#define RESET() memcpy(bad, hvcc_main_720p, sizeof(bad))
    RESET();
    bad[0] = 0;
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
    RESET();
    bad[21] = 0x0e; /* lengthSizeMinusOne 2 */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
    RESET();
    bad[21] = 0x0d; /* 2-byte lengths are allowed */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), 0);
    CHECK_INT_EQ(hvcc.length_size, 2);
    RESET();
    bad[23] = 0xa1; /* the VPS array says SPS */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
    RESET();
    bad[26] = 0;
    bad[27] = 1; /* a 1-byte NAL unit: shorter than its header */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
    RESET();
    bad[22] = 4; /* one array more than there is */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
    RESET();
    bad[22] = 2; /* one array fewer: the PPS array is trailing data, ignored */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), 0);
    CHECK_INT_EQ(hvcc.pps_count, 0);
    RESET();
    bad[24] = 0xff; /* 65280 + 1 VPSs */
    CHECK_INT_EQ(vg_h265_hvcc_parse(bad, sizeof(bad), &hvcc), VG_ESYNTAX);
#undef RESET

    /* 17 SPSs: more than there are ids for. */
    static uint8_t many[23 + 3 + 17 * (2 + sizeof(sps_main_720p))];
    memcpy(many, hvcc_main_720p, 22);
    many[22] = 1;
    many[23] = 0xa1;
    many[24] = 0;
    many[25] = 17;
    size_t pos = 26;
    for (int i = 0; i < 17; i++) {
        many[pos] = 0;
        many[pos + 1] = sizeof(sps_main_720p);
        memcpy(many + pos + 2, sps_main_720p, sizeof(sps_main_720p));
        pos += 2 + sizeof(sps_main_720p);
    }
    CHECK_INT_EQ(vg_h265_hvcc_parse(many, pos, &hvcc), VG_ERANGE);
    many[25] = 16;
    CHECK_INT_EQ(vg_h265_hvcc_parse(many, pos - 2 - sizeof(sps_main_720p), &hvcc), 0);
    CHECK_INT_EQ(hvcc.sps_count, 16);
    CHECK_INT_EQ(vg_h265_hvcc_parse(NULL, 0, &hvcc), VG_ESYNTAX);
}

int main(void)
{
    VG_TEST_RUN(test_sps_vectors);
    VG_TEST_RUN(test_sps_details);
    VG_TEST_RUN(test_sps_truncated);
    VG_TEST_RUN(test_sps_bit_flips);
    VG_TEST_RUN(test_sps_malformed);
    VG_TEST_RUN(test_codec_string);
    VG_TEST_RUN(test_hvcc_parse);
    VG_TEST_RUN(test_hvcc_build);
    VG_TEST_RUN(test_hvcc_build_errors);
    VG_TEST_RUN(test_hvcc_malformed);
    return vg_test_done();
}
