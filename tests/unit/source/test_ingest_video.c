/*
 * Unit tests for source/ingest_video.c: normalisation of video packets at
 * ingest, with parameter sets from real x264/x265 streams (the same vectors
 * as tests/unit/codec/).
 */
#include "codec/h264.h"
#include "codec/nal.h"
#include "core/error.h"
#include "source/ingest_video.h"
#include "vg_test.h"

static const uint8_t sps264[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};
static const uint8_t pps264[] = {
    0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0,
};
static const uint8_t sps264_360p[] = {
    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48,
};
static const uint8_t vps265[] = {
    0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
    0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0x95, 0x98, 0x09,
};
static const uint8_t sps265[] = {
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0xa4, 0x93, 0x2b, 0xc0,
    0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32, 0x10,
};
static const uint8_t pps265[] = {
    0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

/* Appends `nal` after a 4-byte Annex-B start code; returns the new length. */
static size_t annexb(uint8_t *buf, size_t len, const uint8_t *nal, size_t n)
{
    static const uint8_t sc[] = {0, 0, 0, 1};
    memcpy(buf + len, sc, 4);
    memcpy(buf + len + 4, nal, n);
    return len + 4 + n;
}

/* The NAL unit types of an AVCC AU, in order, into `types`; returns how many. */
static size_t nal_types(vg_codec codec, const vg_au *au, unsigned *types, size_t max)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    size_t n = 0;
    vg_nal_avcc_iter_init(&it, au->data, au->size);
    while (n < max && vg_nal_avcc_next(&it, &nal) == 1)
        types[n++] =
            codec == VG_CODEC_H265 ? vg_nal_h265_type(nal.p[0]) : vg_nal_h264_type(nal.p[0]);
    return n;
}

static const uint8_t idr264[] = {0x65, 0x88, 0x84, 0x00, 0x33, 0xff};
static const uint8_t slice264[] = {0x41, 0x9a, 0x22, 0x11};
static const uint8_t aud264[] = {0x09, 0xf0};
static const uint8_t filler264[] = {0x0c, 0xff, 0xff, 0x80};

static void test_h264_from_sdp_parameter_sets(void)
{
    uint8_t extradata[256];
    size_t len = annexb(extradata, 0, sps264, sizeof(sps264));
    len = annexb(extradata, len, pps264, sizeof(pps264));
    vg_track *track = vg_track_create(VG_CODEC_H264);
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, track, extradata, len), 0);
    CHECK_INT_EQ(track->width, 1280);
    CHECK_INT_EQ(track->height, 720);
    CHECK_STR_EQ(track->codec_string, "avc1.64001f");
    CHECK(track->config && track->config[0] == 1); /* an avcC record */

    /* A key frame without its SPS/PPS, with an AUD and filler: AVCC, SPS+PPS first, no AUD/filler.
     */
    uint8_t pkt[256];
    size_t n = annexb(pkt, 0, aud264, sizeof(aud264));
    n = annexb(pkt, n, idr264, sizeof(idr264));
    n = annexb(pkt, n, filler264, sizeof(filler264));
    vg_au *au = NULL;
    vg_track *changed = NULL;
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    CHECK(changed == NULL);
    CHECK(au && (au->flags & VG_AU_KEY));
    unsigned types[8];
    CHECK_INT_EQ(nal_types(VG_CODEC_H264, au, types, 8), 3);
    CHECK(types[0] == 7 && types[1] == 8 && types[2] == 5);
    vg_au_unref(&au);

    /* A P frame: just itself, not a key frame. */
    n = annexb(pkt, 0, slice264, sizeof(slice264));
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    CHECK(au && !(au->flags & VG_AU_KEY) && au->size == 4 + sizeof(slice264));
    vg_au_unref(&au);

    /* Only an AUD: nothing. */
    n = annexb(pkt, 0, aud264, sizeof(aud264));
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    CHECK(au == NULL);

    /* A new SPS in-band (the camera changed resolution): a new track generation. */
    n = annexb(pkt, 0, sps264_360p, sizeof(sps264_360p));
    n = annexb(pkt, n, pps264, sizeof(pps264));
    n = annexb(pkt, n, idr264, sizeof(idr264));
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    CHECK(changed != NULL);
    if (changed) {
        CHECK_INT_EQ(changed->generation, track->generation + 1);
        CHECK_INT_EQ(changed->width, 640);
        CHECK_INT_EQ(changed->height, 360);
    }
    CHECK(au && (au->flags & VG_AU_KEY));
    vg_au_unref(&au);
    vg_track_unref(&changed);

    /* Garbage does not crash and does not become an AU. */
    uint8_t junk[] = {0x00, 0x00, 0x01};
    vg_ingest_video_packet(&v, track, junk, sizeof(junk), &au, &changed);
    CHECK(au == NULL || au->size > 0);
    vg_au_unref(&au);
    vg_track_unref(&changed);
    vg_ingest_video_deinit(&v);
    vg_track_unref(&track);
}

static void test_h264_in_band_only(void)
{
    /* No extradata (a camera that sends its SPS/PPS only in-band, like the demo's x264). */
    vg_track *track = vg_track_create(VG_CODEC_H264);
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, track, NULL, 0), VG_ENOENT);
    uint8_t pkt[256];
    size_t n = annexb(pkt, 0, sps264, sizeof(sps264));
    n = annexb(pkt, n, pps264, sizeof(pps264));
    n = annexb(pkt, n, idr264, sizeof(idr264));
    vg_au *au = NULL;
    vg_track *changed = NULL;
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    CHECK(changed && changed->width == 1280);
    CHECK(au && (au->flags & VG_AU_KEY));
    vg_au_unref(&au);
    vg_track_unref(&changed);
    vg_ingest_video_deinit(&v);
    vg_track_unref(&track);
}

static void test_h264_length_prefixed_input(void)
{
    /* MP4/FLV input: an avcC and 4-byte lengths. */
    vg_track *track = vg_track_create(VG_CODEC_H264);
    uint8_t avcc[128];
    size_t avcc_len = 0;
    CHECK_INT_EQ(vg_h264_avcc_build(sps264, sizeof(sps264), pps264, sizeof(pps264), avcc,
                                    sizeof(avcc), &avcc_len),
                 0);
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, track, avcc, avcc_len), 0);
    uint8_t pkt[64] = {0, 0, 0, sizeof(aud264)};
    memcpy(pkt + 4, aud264, sizeof(aud264));
    size_t n = 4 + sizeof(aud264);
    pkt[n + 3] = sizeof(idr264);
    memcpy(pkt + n + 4, idr264, sizeof(idr264));
    n += 4 + sizeof(idr264);
    vg_au *au = NULL;
    vg_track *changed = NULL;
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    unsigned types[8];
    CHECK(au && nal_types(VG_CODEC_H264, au, types, 8) == 3 && types[2] == 5);
    vg_au_unref(&au);
    /* A length past the end: refused, nothing read past it. */
    pkt[3] = 200;
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), VG_ESYNTAX);
    CHECK(au == NULL);
    vg_ingest_video_deinit(&v);
    vg_track_unref(&track);
}

static void test_h265_parameter_sets_with_key_frames(void)
{
    uint8_t extradata[256];
    size_t len = annexb(extradata, 0, vps265, sizeof(vps265));
    len = annexb(extradata, len, sps265, sizeof(sps265));
    len = annexb(extradata, len, pps265, sizeof(pps265));
    vg_track *track = vg_track_create(VG_CODEC_H265);
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, track, extradata, len), 0);
    CHECK_INT_EQ(track->width, 1280);
    CHECK_INT_EQ(track->height, 720);
    CHECK(strncmp(track->codec_string, "hvc1.1.6.L93", 12) == 0);
    CHECK(track->config && track->config[0] == 1);                  /* an hvcC record */
    static const uint8_t idr265[] = {0x26, 0x01, 0xaf, 0x09, 0x40}; /* IDR_W_RADL */
    uint8_t pkt[64];
    size_t n = annexb(pkt, 0, idr265, sizeof(idr265));
    vg_au *au = NULL;
    vg_track *changed = NULL;
    CHECK_INT_EQ(vg_ingest_video_packet(&v, track, pkt, n, &au, &changed), 0);
    unsigned types[8];
    CHECK(au && (au->flags & VG_AU_KEY));
    CHECK(au && nal_types(VG_CODEC_H265, au, types, 8) == 4);
    CHECK(types[0] == 32 && types[1] == 33 && types[2] == 34 && types[3] == 19);
    vg_au_unref(&au);
    vg_ingest_video_deinit(&v);
    vg_track_unref(&track);
}

int main(void)
{
    VG_TEST_RUN(test_h264_from_sdp_parameter_sets);
    VG_TEST_RUN(test_h264_in_band_only);
    VG_TEST_RUN(test_h264_length_prefixed_input);
    VG_TEST_RUN(test_h265_parameter_sets_with_key_frames);
    return vg_test_done();
}
