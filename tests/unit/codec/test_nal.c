/*
 * Unit tests for codec/nal.c: Annex-B scanning, AVCC iteration, the
 * conversions both ways with AUD/filler dropping, key frames, and malformed
 * input. The parameter sets and the H.265 access unit are real (libx264 and
 * libx265 through ffmpeg 5.1, see test_h264.c and test_h265.c); the slices
 * of the synthetic access units are stand-ins.
 */
#include "codec/nal.h"
#include "core/error.h"
#include "vg_test.h"

/* libx264 1280x720 High: SPS, PPS. */
static const uint8_t h264_sps[] = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0,
                                   0x0b, 0x76, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00,
                                   0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49};
static const uint8_t h264_pps[] = {0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0};
/* libx264 with aud=1: the AUD as it wrote it; an SEI (buffering period). */
static const uint8_t h264_aud[] = {0x09, 0x30};
static const uint8_t h264_sei[] = {0x06, 0x01, 0x02, 0x04, 0x2a, 0x80};
/* Stand-ins: an IDR slice, a non-IDR slice (with an emulation-prevention byte), filler. */
static const uint8_t h264_idr[] = {0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12};
static const uint8_t h264_slice[] = {0x41, 0x9a, 0x00, 0x00, 0x03, 0x01, 0x7e};
static const uint8_t h264_filler[] = {0x0c, 0xff, 0xff, 0xff, 0xff, 0x80};

/*
 * libx265 64x64 with aud=1: one whole access unit, as it came in the
 * Annex-B stream: AUD (type 35), TRAIL_R slice (type 1).
 */
static const uint8_t h265_aud[] = {0x46, 0x01, 0x30};
static const uint8_t h265_trail[] = {
    0x02, 0x01, 0xd0, 0x21, 0x49, 0xe1, 0x11, 0x8e, 0xc0, 0xab, 0x6e, 0x6b, 0x35, 0xe6, 0x9a, 0xb2,
    0x3e, 0xa0, 0xff, 0xfb, 0xe0, 0xff, 0x9a, 0x2b, 0x83, 0xca, 0xf0, 0x6b, 0xf2, 0xf0, 0x95, 0xf1,
    0xcf, 0xbd, 0x8e, 0x11, 0x4a, 0xd1, 0x5a, 0x2b, 0xfa, 0xcc, 0xaf, 0x5e, 0x58, 0xcd, 0xa8, 0x3a,
    0x05, 0xc1, 0x4a, 0x22, 0xb5, 0x75, 0x4b, 0x8f, 0x29, 0xe6, 0xbc, 0xf0, 0xf7, 0xf3, 0x27, 0x9f,
    0x80, 0xe0, 0x04, 0x37, 0x82, 0x88, 0xae, 0x11, 0x4b, 0xa2, 0x81, 0xdf, 0x42, 0x3f, 0xa4, 0xf5,
    0xf4, 0xd9, 0xc5, 0x48, 0x71, 0x20, 0x73, 0x41, 0x53, 0x69, 0xe0, 0x7f, 0xfd, 0xb7, 0x7a, 0x32,
    0x82, 0x8f, 0x1f, 0x7d, 0x47, 0xb3, 0xce, 0xb4, 0xd0, 0x56, 0xc3, 0xe2, 0x1f, 0x5e, 0xfd, 0xe2,
    0xfc, 0xde, 0x4c, 0xdb, 0x59, 0x11, 0x1b, 0x37, 0xd9, 0xc1, 0xeb, 0x23, 0xcc, 0x4e, 0xe5, 0xcd,
    0xa9, 0xc9, 0x6c, 0xe7, 0xda, 0x4c, 0xc4, 0x67, 0x0f,
};
/* Stand-ins: a filler data NAL unit (type 38), a CRA slice (21), an IDR_W_RADL slice (19). */
static const uint8_t h265_filler[] = {0x4c, 0x01, 0xff, 0xff, 0x80};
static const uint8_t h265_cra[] = {0x2a, 0x01, 0xaf, 0x00, 0x11};
static const uint8_t h265_idr[] = {0x26, 0x01, 0xaf, 0x08, 0x40};

typedef struct part {
    const uint8_t *p;
    size_t len;
} part;
#define PART(a)                                                                                    \
    {                                                                                              \
        a, sizeof(a)                                                                               \
    }

/* Builds a buffer from NAL units, each after `prefix` (a start code) or after a 4-byte length. */
static size_t build(uint8_t *out, const part *parts, size_t n, const uint8_t *prefix,
                    size_t prefix_len)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (prefix) {
            memcpy(out + len, prefix, prefix_len);
            len += prefix_len;
        } else {
            out[len] = (uint8_t)(parts[i].len >> 24);
            out[len + 1] = (uint8_t)(parts[i].len >> 16);
            out[len + 2] = (uint8_t)(parts[i].len >> 8);
            out[len + 3] = (uint8_t)parts[i].len;
            len += 4;
        }
        memcpy(out + len, parts[i].p, parts[i].len);
        len += parts[i].len;
    }
    return len;
}

static const uint8_t sc3[] = {0, 0, 1};
static const uint8_t sc4[] = {0, 0, 0, 1};

static bool nal_is(vg_nal nal, const uint8_t *p, size_t len)
{
    return nal.len == len && memcmp(nal.p, p, len) == 0;
}

/* A heap copy of exactly `len` bytes, so that ASan sees any read past the end. */
static uint8_t *exact(const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, p, len);
    return copy;
}

static void test_types(void)
{
    CHECK_INT_EQ(vg_nal_h264_type(0x67), VG_H264_NAL_SPS);
    CHECK_INT_EQ(vg_nal_h264_type(0x65), VG_H264_NAL_IDR);
    CHECK_INT_EQ(vg_nal_h264_type(0x09), VG_H264_NAL_AUD);
    CHECK_INT_EQ(vg_nal_h265_type(0x40), VG_H265_NAL_VPS);
    CHECK_INT_EQ(vg_nal_h265_type(0x42), VG_H265_NAL_SPS);
    CHECK_INT_EQ(vg_nal_h265_type(0x44), VG_H265_NAL_PPS);
    CHECK_INT_EQ(vg_nal_h265_type(0x46), VG_H265_NAL_AUD);
    CHECK_INT_EQ(vg_nal_h265_type(0x26), VG_H265_NAL_IDR_W_RADL);
    CHECK_INT_EQ(vg_nal_type(VG_NAL_H265, (vg_nal){h265_filler, sizeof(h265_filler)}),
                 VG_H265_NAL_FILLER);
    CHECK_INT_EQ(vg_nal_type(VG_NAL_H264, (vg_nal){h264_filler, sizeof(h264_filler)}),
                 VG_H264_NAL_FILLER);
    CHECK_INT_EQ(vg_nal_type(VG_NAL_H264, (vg_nal){NULL, 0}), 0);
}

static void test_annexb_scan(void)
{
    /* Mixed 3- and 4-byte start codes, leading zeros, and trailing_zero_8bits. */
    static const uint8_t in[] = {
        0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x30,             /* leading zeros, 4-byte code, AUD */
        0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x00, 0x03, 0x01, /* SPS-like, with 00 00 03 */
        0x00, 0x00, 0x00, 0x01, 0x68, 0xce,                   /* 4-byte code, PPS */
        0x00, 0x00, 0x01, 0x00, 0x00, 0x01,                   /* an empty NAL unit: skipped */
        0x65, 0x88, 0x00, 0x00, 0x00,                         /* IDR, then trailing zeros */
    };
    uint8_t *p = exact(in, sizeof(in));
    vg_nal_annexb_iter it;
    vg_nal nal;
    vg_nal_annexb_iter_init(&it, p, sizeof(in));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x09, 0x30}, 2));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x67, 0x42, 0x00, 0x00, 0x03, 0x01}, 6));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x68, 0xce}, 2));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x65, 0x88}, 2));
    CHECK(!vg_nal_annexb_next(&it, &nal));
    CHECK(!vg_nal_annexb_next(&it, &nal));
    free(p);

    /* Garbage before the first start code is not a NAL unit. */
    static const uint8_t junk[] = {0xde, 0xad, 0x00, 0x01, 0x00, 0x00, 0x01, 0x41, 0x9a};
    vg_nal_annexb_iter_init(&it, junk, sizeof(junk));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x41, 0x9a}, 2));
    CHECK(!vg_nal_annexb_next(&it, &nal));

    /* No start code, only start codes, a start code at the very end, nothing. */
    static const uint8_t none[] = {0x41, 0x9a, 0x00, 0x00, 0x02, 0x00};
    vg_nal_annexb_iter_init(&it, none, sizeof(none));
    CHECK(!vg_nal_annexb_next(&it, &nal));
    static const uint8_t only[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01};
    vg_nal_annexb_iter_init(&it, only, sizeof(only));
    CHECK(!vg_nal_annexb_next(&it, &nal));
    static const uint8_t at_end[] = {0x00, 0x00, 0x01, 0x09, 0x10, 0x00, 0x00, 0x01};
    p = exact(at_end, sizeof(at_end));
    vg_nal_annexb_iter_init(&it, p, sizeof(at_end));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x09, 0x10}, 2));
    CHECK(!vg_nal_annexb_next(&it, &nal));
    free(p);
    vg_nal_annexb_iter_init(&it, NULL, 0);
    CHECK(!vg_nal_annexb_next(&it, &nal));
    for (size_t len = 0; len < 3; len++) {
        p = exact(sc3, len);
        vg_nal_annexb_iter_init(&it, p, len);
        CHECK(!vg_nal_annexb_next(&it, &nal));
        free(p);
    }
    /* A lone byte after a start code. */
    static const uint8_t one[] = {0x00, 0x00, 0x01, 0x09};
    vg_nal_annexb_iter_init(&it, one, sizeof(one));
    CHECK(vg_nal_annexb_next(&it, &nal));
    CHECK(nal_is(nal, (const uint8_t[]){0x09}, 1));
}

static void test_annexb_to_avcc(void)
{
    const part parts[] = {PART(h264_aud), PART(h264_sps), PART(h264_pps),
                          PART(h264_sei), PART(h264_idr), PART(h264_filler)};
    uint8_t annexb[256], avcc[256], expect[256];
    size_t annexb_len = build(annexb, parts, 6, sc4, 4), out_len = 0;

    /* Everything kept: the same NAL units, length-prefixed. */
    size_t expect_len = build(expect, parts, 6, NULL, 0);
    CHECK_INT_EQ(
        vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264, 0, avcc, sizeof(avcc), &out_len), 0);
    CHECK_INT_EQ(out_len, expect_len);
    CHECK(memcmp(avcc, expect, expect_len) == 0);

    /* AUD and filler dropped. */
    const part kept[] = {PART(h264_sps), PART(h264_pps), PART(h264_sei), PART(h264_idr)};
    expect_len = build(expect, kept, 4, NULL, 0);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264,
                                       VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER, avcc, sizeof(avcc),
                                       &out_len),
                 0);
    CHECK_INT_EQ(out_len, expect_len);
    CHECK(memcmp(avcc, expect, expect_len) == 0);

    /* Parameter sets dropped too. */
    const part slices[] = {PART(h264_sei), PART(h264_idr)};
    expect_len = build(expect, slices, 2, NULL, 0);
    CHECK_INT_EQ(
        vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264,
                              VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER | VG_NAL_DROP_PARAMETER_SETS,
                              avcc, sizeof(avcc), &out_len),
        0);
    CHECK_INT_EQ(out_len, expect_len);
    CHECK(memcmp(avcc, expect, expect_len) == 0);

    /* Sizing like snprintf: cap 0 asks, one byte short fails, exact fits. */
    CHECK_INT_EQ(
        vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264, VG_NAL_DROP_AUD, NULL, 0, &out_len),
        VG_ERANGE);
    size_t need = out_len;
    CHECK_INT_EQ(need, annexb_len - 4 - sizeof(h264_aud));
    uint8_t *tight = malloc(need);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264, VG_NAL_DROP_AUD, tight,
                                       need - 1, &out_len),
                 VG_ERANGE);
    CHECK_INT_EQ(out_len, need);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264, VG_NAL_DROP_AUD, tight,
                                       need, &out_len),
                 0);
    CHECK_INT_EQ(out_len, need);
    free(tight);

    /* The allocating form. */
    uint8_t *heap = NULL;
    CHECK_INT_EQ(vg_nal_annexb_to_avcc_alloc(annexb, annexb_len, VG_NAL_H264, VG_NAL_DROP_AUD,
                                             &heap, &out_len),
                 0);
    CHECK(heap != NULL);
    CHECK_INT_EQ(out_len, need);
    size_t count = 0;
    CHECK_INT_EQ(vg_nal_avcc_validate(heap, out_len, &count), 0);
    CHECK_INT_EQ(count, 5);
    free(heap);

    /* Only droppable NAL units, or no NAL unit at all: an empty result. */
    const part droppable[] = {PART(h264_aud), PART(h264_filler)};
    annexb_len = build(annexb, droppable, 2, sc3, 3);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264,
                                       VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER, avcc, sizeof(avcc),
                                       &out_len),
                 0);
    CHECK_INT_EQ(out_len, 0);
    heap = (uint8_t *)1;
    CHECK_INT_EQ(vg_nal_annexb_to_avcc_alloc(annexb, annexb_len, VG_NAL_H264,
                                             VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER, &heap, &out_len),
                 0);
    CHECK(heap == NULL);
    CHECK_INT_EQ(out_len, 0);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(NULL, 0, VG_NAL_H264, 0, NULL, 0, &out_len), 0);
    CHECK_INT_EQ(out_len, 0);
}

static void test_annexb_to_avcc_h265(void)
{
    /* The real libx265 access unit, AUD first, with a filler NAL unit after the slice. */
    const part parts[] = {PART(h265_aud), PART(h265_trail), PART(h265_filler)};
    uint8_t annexb[512], avcc[512], expect[512];
    size_t annexb_len = build(annexb, parts, 3, sc3, 3), out_len;
    const part kept[] = {PART(h265_trail)};
    size_t expect_len = build(expect, kept, 1, NULL, 0);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H265,
                                       VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER, avcc, sizeof(avcc),
                                       &out_len),
                 0);
    CHECK_INT_EQ(out_len, expect_len);
    CHECK(memcmp(avcc, expect, expect_len) == 0);

    /* The codec matters: read as H.264, the H.265 AUD (0x46) is type 6, an SEI, and stays. */
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(annexb, annexb_len, VG_NAL_H264, VG_NAL_DROP_AUD, avcc,
                                       sizeof(avcc), &out_len),
                 0);
    CHECK_INT_EQ(out_len, annexb_len + 3);
    CHECK(!vg_nal_is_dropped(VG_NAL_H265, VG_NAL_DROP_AUD, (vg_nal){h264_aud, sizeof(h264_aud)}));
    CHECK(vg_nal_is_dropped(VG_NAL_H265, VG_NAL_DROP_AUD, (vg_nal){h265_aud, sizeof(h265_aud)}));
    CHECK(vg_nal_is_dropped(VG_NAL_H265, VG_NAL_DROP_PARAMETER_SETS,
                            (vg_nal){(const uint8_t[]){0x40, 0x01}, 2}));
    CHECK(!vg_nal_is_dropped(VG_NAL_H265, VG_NAL_DROP_PARAMETER_SETS,
                             (vg_nal){h265_cra, sizeof(h265_cra)}));
}

static void test_avcc_iter(void)
{
    const part parts[] = {PART(h264_sps), PART(h264_pps), PART(h264_idr)};
    uint8_t buf[128];
    size_t len = build(buf, parts, 3, NULL, 0);
    uint8_t *p = exact(buf, len);
    vg_nal_avcc_iter it;
    vg_nal nal;
    vg_nal_avcc_iter_init(&it, p, len);
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), 1);
        CHECK(nal_is(nal, parts[i].p, parts[i].len));
    }
    CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), 0);
    CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), 0);
    free(p);

    /* Every truncation of a valid buffer is malformed, except at a NAL unit boundary. */
    for (size_t cut = 0; cut < len; cut++) {
        p = exact(buf, cut);
        size_t count = 99;
        int ret = vg_nal_avcc_validate(p, cut, &count);
        bool boundary = cut == 0 || cut == 4 + sizeof(h264_sps) ||
                        cut == 8 + sizeof(h264_sps) + sizeof(h264_pps);
        CHECK_INT_EQ(ret, boundary ? 0 : VG_ESYNTAX);
        if (ret < 0)
            CHECK_INT_EQ(count, 0);
        free(p);
    }

    /* A length past the end: an error, and it sticks. */
    static const uint8_t past[] = {0x00, 0x00, 0x00, 0x02, 0x09, 0x30,
                                   0x00, 0x00, 0x00, 0x09, 0x65, 0x88};
    p = exact(past, sizeof(past));
    vg_nal_avcc_iter_init(&it, p, sizeof(past));
    CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), 1);
    CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), VG_ESYNTAX);
    CHECK_INT_EQ(vg_nal_avcc_next(&it, &nal), VG_ESYNTAX);
    free(p);

    /* A length that would wrap a 32-bit sum. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x65};
    CHECK_INT_EQ(vg_nal_avcc_validate(huge, sizeof(huge), NULL), VG_ESYNTAX);

    /* A zero length. */
    static const uint8_t zero[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x65};
    CHECK_INT_EQ(vg_nal_avcc_validate(zero, sizeof(zero), NULL), VG_ESYNTAX);

    /* Stray bytes after the last NAL unit. */
    static const uint8_t stray[] = {0x00, 0x00, 0x00, 0x01, 0x65, 0x00, 0x00};
    CHECK_INT_EQ(vg_nal_avcc_validate(stray, sizeof(stray), NULL), VG_ESYNTAX);

    size_t count = 9;
    CHECK_INT_EQ(vg_nal_avcc_validate(NULL, 0, &count), 0);
    CHECK_INT_EQ(count, 0);
}

static void test_avcc_to_annexb(void)
{
    const part parts[] = {PART(h264_sps), PART(h264_pps), PART(h264_sei), PART(h264_slice)};
    uint8_t avcc[128], annexb[128], expect[128], back[128];
    size_t avcc_len = build(avcc, parts, 4, NULL, 0), out_len, back_len;
    size_t expect_len = build(expect, parts, 4, sc4, 4);
    CHECK_INT_EQ(vg_nal_avcc_to_annexb(avcc, avcc_len, annexb, sizeof(annexb), &out_len), 0);
    CHECK_INT_EQ(out_len, expect_len);
    CHECK_INT_EQ(out_len, avcc_len);
    CHECK(memcmp(annexb, expect, expect_len) == 0);

    /* And back: the same bytes. */
    CHECK_INT_EQ(
        vg_nal_annexb_to_avcc(annexb, out_len, VG_NAL_H264, 0, back, sizeof(back), &back_len), 0);
    CHECK_INT_EQ(back_len, avcc_len);
    CHECK(memcmp(back, avcc, avcc_len) == 0);

    /* Too small, malformed, the allocating form. */
    CHECK_INT_EQ(vg_nal_avcc_to_annexb(avcc, avcc_len, annexb, avcc_len - 1, &out_len), VG_ERANGE);
    CHECK_INT_EQ(out_len, avcc_len);
    CHECK_INT_EQ(vg_nal_avcc_to_annexb(avcc, avcc_len - 1, annexb, sizeof(annexb), &out_len),
                 VG_ESYNTAX);
    uint8_t *heap = NULL;
    CHECK_INT_EQ(vg_nal_avcc_to_annexb_alloc(avcc, avcc_len, &heap, &out_len), 0);
    CHECK_INT_EQ(out_len, avcc_len);
    CHECK(heap && memcmp(heap, expect, expect_len) == 0);
    free(heap);
    heap = (uint8_t *)1;
    CHECK_INT_EQ(vg_nal_avcc_to_annexb_alloc(avcc, 3, &heap, &out_len), VG_ESYNTAX);
    CHECK(heap == NULL);
    CHECK_INT_EQ(vg_nal_avcc_to_annexb_alloc(NULL, 0, &heap, &out_len), 0);
    CHECK(heap == NULL);
    CHECK_INT_EQ(out_len, 0);

    /* The real H.265 access unit round-trips through Annex-B. */
    const part au[] = {PART(h265_aud), PART(h265_trail)};
    uint8_t big[512], big_annexb[512], big_back[512];
    size_t big_len = build(big, au, 2, NULL, 0);
    CHECK_INT_EQ(vg_nal_avcc_to_annexb(big, big_len, big_annexb, sizeof(big_annexb), &out_len), 0);
    CHECK_INT_EQ(vg_nal_annexb_to_avcc(big_annexb, out_len, VG_NAL_H265, 0, big_back,
                                       sizeof(big_back), &back_len),
                 0);
    CHECK_INT_EQ(back_len, big_len);
    CHECK(memcmp(big_back, big, big_len) == 0);
}

static void test_keyframe(void)
{
    uint8_t buf[256];
    const part idr[] = {PART(h264_aud), PART(h264_sps), PART(h264_pps), PART(h264_idr)};
    size_t len = build(buf, idr, 4, NULL, 0);
    CHECK(vg_nal_avcc_is_keyframe(VG_NAL_H264, buf, len));
    /* The same AU cut short is malformed: not a key frame. */
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H264, buf, len - 1));

    const part p_frame[] = {PART(h264_aud), PART(h264_slice)};
    len = build(buf, p_frame, 2, NULL, 0);
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H264, buf, len));
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H264, NULL, 0));

    const part cra[] = {PART(h265_aud), PART(h265_cra)};
    len = build(buf, cra, 2, NULL, 0);
    CHECK(vg_nal_avcc_is_keyframe(VG_NAL_H265, buf, len));
    /* 0x2a & 0x1f is 10: not an IDR for H.264. */
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H264, buf, len));

    const part idr265[] = {PART(h265_idr)};
    len = build(buf, idr265, 1, NULL, 0);
    CHECK(vg_nal_avcc_is_keyframe(VG_NAL_H265, buf, len));

    const part trail[] = {PART(h265_aud), PART(h265_trail)};
    uint8_t big[512];
    len = build(big, trail, 2, NULL, 0);
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H265, big, len));

    /* Types 22 and 23 are reserved IRAP types: not key frames we know how to start at. */
    static const uint8_t reserved_irap[] = {0x2c, 0x01, 0xaf};
    const part rsv[] = {PART(reserved_irap)};
    len = build(buf, rsv, 1, NULL, 0);
    CHECK(!vg_nal_avcc_is_keyframe(VG_NAL_H265, buf, len));
}

int main(void)
{
    VG_TEST_RUN(test_types);
    VG_TEST_RUN(test_annexb_scan);
    VG_TEST_RUN(test_annexb_to_avcc);
    VG_TEST_RUN(test_annexb_to_avcc_h265);
    VG_TEST_RUN(test_avcc_iter);
    VG_TEST_RUN(test_avcc_to_annexb);
    VG_TEST_RUN(test_keyframe);
    return vg_test_done();
}
