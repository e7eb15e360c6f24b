/*
 * Unit tests for rtsp/depack.c. Packets are built by hand, byte by byte,
 * and every emitted frame is compared with the exact bytes expected (AVCC
 * for video). Then webrtc/rtp.c's packetizer is the sender: thousands of
 * random AUs must come back byte for byte, and, with packets dropped and
 * duplicated at random, every frame that comes out must still be one that
 * went in, whole, with `loss` set after each hole.
 */
#include "rtsp/depack.h"

#include "core/au.h"
#include "core/bytes.h"
#include "core/error.h"
#include "webrtc/rtp.h"
#include "vg_test.h"

#include <stdbool.h>

#define SSRC 0x11223344u

/* ---- what the depacketizer emitted -------------------------------------------------------- */

#define MAX_FRAMES 64

typedef struct frames {
    uint8_t *data[MAX_FRAMES]; /* copies: the emitted bytes are borrowed */
    size_t len[MAX_FRAMES];
    uint32_t ts[MAX_FRAMES];
    bool loss[MAX_FRAMES];
    size_t count;
} frames;

static void on_frame(void *ctx, const vg_depack_frame *f)
{
    frames *fr = ctx;
    CHECK(f->len > 0);
    if (fr->count == MAX_FRAMES)
        return;
    fr->data[fr->count] = malloc(f->len);
    memcpy(fr->data[fr->count], f->data, f->len);
    fr->len[fr->count] = f->len;
    fr->ts[fr->count] = f->timestamp;
    fr->loss[fr->count] = f->loss;
    fr->count++;
}

static void frames_clear(frames *fr)
{
    for (size_t i = 0; i < fr->count; i++)
        free(fr->data[i]);
    memset(fr, 0, sizeof(*fr));
}

/* Frame `i` is `len` bytes equal to `expect`, at `ts`, with `loss`. */
static void check_frame(const frames *fr, size_t i, const uint8_t *expect, size_t len, uint32_t ts,
                        bool loss)
{
    CHECK(i < fr->count);
    if (i >= fr->count)
        return;
    CHECK_INT_EQ(fr->len[i], len);
    CHECK(fr->len[i] == len && memcmp(fr->data[i], expect, len) == 0);
    CHECK_INT_EQ(fr->ts[i], ts);
    CHECK_INT_EQ(fr->loss[i], loss);
}

/* A packet with the given header fields over `len` payload bytes (no RTP bytes needed). */
static vg_rtp_packet pkt(uint16_t seq, uint32_t ts, bool marker, const uint8_t *payload, size_t len)
{
    return (vg_rtp_packet){.payload_type = 96,
                           .marker = marker,
                           .seq = seq,
                           .timestamp = ts,
                           .ssrc = SSRC,
                           .payload = payload,
                           .payload_len = len};
}

static int push(vg_depack *d, frames *fr, uint16_t seq, uint32_t ts, bool marker,
                const uint8_t *payload, size_t len)
{
    vg_rtp_packet p = pkt(seq, ts, marker, payload, len);
    return vg_depack_push(d, &p, on_frame, fr);
}

#define PUSH(d, fr, seq, ts, marker, bytes) push(d, fr, seq, ts, marker, bytes, sizeof(bytes))

static uint32_t rng_state = 20240607;
static uint32_t rng(void)
{
    /* xorshift32: the same sequence on every run */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* ---- the RTP header ---------------------------------------------------------------------- */

static void test_parse_plain(void)
{
    static const uint8_t b[] = {0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
                                0x11, 0x22, 0x33, 0x44, 0x65, 0x88, 0x80};
    vg_rtp_packet p;
    CHECK_INT_EQ(vg_rtp_packet_parse(b, sizeof(b), &p), 0);
    CHECK_INT_EQ(p.payload_type, 96);
    CHECK(p.marker);
    CHECK_INT_EQ(p.seq, 0x1234);
    CHECK_INT_EQ(p.timestamp, 0xdeadbeefu);
    CHECK_INT_EQ(p.ssrc, SSRC);
    CHECK_INT_EQ(p.csrc_count, 0);
    CHECK(p.extension == NULL);
    CHECK(p.payload == b + 12);
    CHECK_INT_EQ(p.payload_len, 3);

    /* Header only: an empty payload. Marker clear, PT 0. */
    CHECK_INT_EQ(vg_rtp_packet_parse(b, 12, &p), 0);
    CHECK_INT_EQ(p.payload_len, 0);
    static const uint8_t c[] = {0x80, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
    CHECK_INT_EQ(vg_rtp_packet_parse(c, sizeof(c), &p), 0);
    CHECK(!p.marker);
    CHECK_INT_EQ(p.payload_type, 0);
}

/* CC=2, X with a 2-word one-byte-form extension, P with 3 octets of padding. */
static const uint8_t full_packet[] = {
    0xb2, 0x60, 0xff, 0xfe, 0x00, 0x00, 0x0b, 0xb8, 0x11, 0x22, 0x33, 0x44, /* header */
    0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb,                         /* 2 CSRCs */
    0xbe, 0xde, 0x00, 0x02, 0x10, 0x42, 0x00, 0x00, 0x21, 0x01, 0x02, 0x00, /* extension */
    0x41, 0x9a, 0x02, 0x03,                                                 /* payload */
    0x00, 0x00, 0x03,                                                       /* padding */
};

static void test_parse_csrc_extension_padding(void)
{
    vg_rtp_packet p;
    CHECK_INT_EQ(vg_rtp_packet_parse(full_packet, sizeof(full_packet), &p), 0);
    CHECK_INT_EQ(p.csrc_count, 2);
    CHECK(!p.marker);
    CHECK_INT_EQ(p.payload_type, 96);
    CHECK_INT_EQ(p.seq, 0xfffe);
    CHECK_INT_EQ(p.timestamp, 3000);
    CHECK_INT_EQ(p.extension_profile, 0xbede);
    CHECK(p.extension == full_packet + 24);
    CHECK_INT_EQ(p.extension_len, 8);
    CHECK(p.payload == full_packet + 32);
    CHECK_INT_EQ(p.payload_len, 4);

    /* An extension of 0 words: the profile and length only. */
    static const uint8_t e[] = {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x10, 0x00, 0, 0, 0x09};
    CHECK_INT_EQ(vg_rtp_packet_parse(e, sizeof(e), &p), 0);
    CHECK_INT_EQ(p.extension_profile, 0x1000);
    CHECK(p.extension == e + 16);
    CHECK_INT_EQ(p.extension_len, 0);
    CHECK(p.payload == e + 16);
    CHECK_INT_EQ(p.payload_len, 1);

    /* Padding may take the whole payload (a padding-only packet). */
    static const uint8_t pad[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    CHECK_INT_EQ(vg_rtp_packet_parse(pad, sizeof(pad), &p), 0);
    CHECK_INT_EQ(p.payload_len, 0);
}

static void test_parse_rejects(void)
{
    vg_rtp_packet p;
    uint8_t b[80];

    /* Every truncation of the full packet: the CSRCs, the extension or the padding runs out. */
    for (size_t len = 0; len < sizeof(full_packet); len++) {
        memcpy(b, full_packet, len);
        int ret = vg_rtp_packet_parse(b, len, &p);
        if (len < 32) {
            CHECK_INT_EQ(ret, VG_ESYNTAX);
        } else if (ret == 0) {
            /* The last byte becomes the padding count: it must fit. */
            CHECK(b[len - 1] >= 1 && b[len - 1] <= len - 32);
        }
    }

    /* Version 1, version 0, version 3. */
    static const uint8_t v[] = {0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x65};
    memcpy(b, v, sizeof(v));
    for (int version = 0; version < 4; version++) {
        b[0] = (uint8_t)(version << 6);
        CHECK_INT_EQ(vg_rtp_packet_parse(b, sizeof(v), &p), version == 2 ? 0 : VG_ESYNTAX);
    }

    /* CC=15 with too few bytes: 12 + 60 needed. */
    memcpy(b, v, sizeof(v));
    b[0] = 0x8f;
    CHECK_INT_EQ(vg_rtp_packet_parse(b, sizeof(v), &p), VG_ESYNTAX);
    memset(b + 12, 0, 60);
    CHECK_INT_EQ(vg_rtp_packet_parse(b, 72, &p), 0);
    CHECK_INT_EQ(p.payload_len, 0);

    /* X set, but the extension's length says 1 word and none follows. */
    static const uint8_t x[] = {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1};
    CHECK_INT_EQ(vg_rtp_packet_parse(x, sizeof(x), &p), VG_ESYNTAX);
    /* X set with 3 bytes where the extension header needs 4. */
    CHECK_INT_EQ(vg_rtp_packet_parse(x, 15, &p), VG_ESYNTAX);

    /* P set: a count of 0; a count past the payload into the header. */
    static const uint8_t p0[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x65, 0x00};
    CHECK_INT_EQ(vg_rtp_packet_parse(p0, sizeof(p0), &p), VG_ESYNTAX);
    static const uint8_t p3[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x65, 0x03};
    CHECK_INT_EQ(vg_rtp_packet_parse(p3, sizeof(p3), &p), VG_ESYNTAX);
    /* P set on a bare header: the count would be the SSRC's last byte. */
    CHECK_INT_EQ(vg_rtp_packet_parse(p3, 12, &p), VG_ESYNTAX);
}

/* ---- init -------------------------------------------------------------------------------- */

static void test_init(void)
{
    vg_depack d;
    const vg_depack_aac hbr = {13, 3, 3, 1024};
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_H264, NULL), 0);
    CHECK(d._buf == NULL); /* nothing allocated before the first packet */
    vg_depack_deinit(&d);
    vg_depack_deinit(&d); /* idempotent */
    vg_depack_deinit(NULL);
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_OPUS, &hbr), 0); /* aac ignored */
    CHECK_INT_EQ(d.aac.size_length, 0);
    vg_depack_deinit(&d);
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_UNSUPPORTED, NULL), VG_EINVAL);
    CHECK_INT_EQ(vg_depack_init(&d, (vg_codec)99, NULL), VG_EINVAL);
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_AAC, NULL), VG_EINVAL);
    vg_depack_deinit(&d); /* safe after a failed init */
    const vg_depack_aac bad[] = {
        {0, 3, 3, 1024},   {17, 3, 3, 1024},  {13, -1, 3, 1024}, {13, 17, 3, 1024},
        {13, 3, -1, 1024}, {13, 3, 17, 1024}, {13, 3, 3, 0},     {13, 3, 3, 65537},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_AAC, &bad[i]), VG_EINVAL);
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_AAC, &hbr), 0);
    CHECK_INT_EQ(d.aac.size_length, 13);
    CHECK_INT_EQ(d.aac.frame_samples, 1024);
    vg_depack_deinit(&d);
}

/* ---- H.264 ------------------------------------------------------------------------------- */

static const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00};
static const uint8_t pps[] = {0x68, 0xcb, 0x83, 0xcb, 0x20};
static const uint8_t idr[] = {0x65, 0x88, 0x84, 0x00, 0x33};
static const uint8_t slice[] = {0x41, 0x9a, 0x02};
static const uint8_t sei[] = {0x06, 0x05, 0x01, 0x80};

static void test_h264_single(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 100, 9000, false, sei), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 101, 9000, true, idr), 0);
    static const uint8_t expect[] = {0, 0, 0, 4,    0x06, 0x05, 0x01, 0x80, 0,
                                     0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33};
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, expect, sizeof(expect), 9000, false);
    CHECK_INT_EQ(PUSH(&d, &fr, 102, 12000, true, slice), 0);
    static const uint8_t expect2[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    check_frame(&fr, 1, expect2, sizeof(expect2), 12000, false);
    CHECK_INT_EQ(d.packets, 3);
    CHECK_INT_EQ(d.frames, 2);
    CHECK_INT_EQ(d.lost + d.late + d.malformed + d.dropped_frames, 0);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

static void test_h264_stap_a(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    /* RFC 6184 5.7.1: F|NRI|24, then 16-bit size + NAL, twice. */
    static const uint8_t stap[] = {0x78, 0x00, 0x06, 0x67, 0x42, 0xc0, 0x1e, 0xd9,
                                   0x00, 0x00, 0x05, 0x68, 0xcb, 0x83, 0xcb, 0x20};
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 1, false, stap), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 1, true, idr), 0);
    static const uint8_t expect[] = {0, 0, 0, 6,    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00,
                                     0, 0, 0, 5,    0x68, 0xcb, 0x83, 0xcb, 0x20, 0,
                                     0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33};
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, expect, sizeof(expect), 1, false);

    /* Malformed STAP-As: a size past the end, a size of 0, a stray byte, no units. */
    static const uint8_t past[] = {0x78, 0x00, 0x07, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00};
    static const uint8_t zero[] = {0x78, 0x00, 0x00, 0x00, 0x01, 0x67};
    static const uint8_t stray[] = {0x78, 0x00, 0x01, 0x67, 0x00};
    static const uint8_t empty[] = {0x78};
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 2, true, past), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 3, true, zero), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 4, true, stray), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 12, 5, true, empty), VG_ESYNTAX);
    CHECK_INT_EQ(d.malformed, 4);
    CHECK_INT_EQ(d.dropped_frames, 4);
    CHECK_INT_EQ(fr.count, 1);
    /* Still usable; the frames thrown away show as `loss`. */
    CHECK_INT_EQ(PUSH(&d, &fr, 13, 6, true, slice), 0);
    static const uint8_t expect2[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    check_frame(&fr, 1, expect2, sizeof(expect2), 6, true);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* An IDR of type 5, NRI 3, in three FU-A packets. */
static const uint8_t fu_start[] = {0x7c, 0x85, 0x88, 0x84};
static const uint8_t fu_mid[] = {0x7c, 0x05, 0x00, 0x33, 0x44};
static const uint8_t fu_end[] = {0x7c, 0x45, 0x55};
static const uint8_t fu_nal_avcc[] = {0, 0, 0, 7, 0x65, 0x88, 0x84, 0x00, 0x33, 0x44, 0x55};

static void test_h264_fu_a(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 3000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 3000, true, fu_end), 0);
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, fu_nal_avcc, sizeof(fu_nal_avcc), 3000, false);

    /* F and NRI come from the indicator, the type from the FU header: F=1, NRI=1, type 1. */
    static const uint8_t s[] = {0xbc, 0x81, 0xaa}, e[] = {0xbc, 0x41, 0xbb};
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 6000, false, slice), 0); /* a whole NAL before the FU */
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 6000, false, s), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 6000, true, e), 0);
    static const uint8_t expect[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02, 0, 0, 0, 3, 0xa1, 0xaa, 0xbb};
    check_frame(&fr, 1, expect, sizeof(expect), 6000, false);

    /* S and E in one FU (forbidden, but unambiguous): a whole NAL unit. An FU with no data. */
    static const uint8_t se[] = {0x7c, 0xc5, 0x01, 0x02};
    static const uint8_t s0[] = {0x7c, 0x85}, e0[] = {0x7c, 0x45};
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 9000, false, se), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 9000, false, s0), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 9000, true, e0), 0);
    static const uint8_t expect3[] = {0, 0, 0, 3, 0x65, 0x01, 0x02, 0, 0, 0, 1, 0x65};
    check_frame(&fr, 2, expect3, sizeof(expect3), 9000, false);

    /* FU-A of one byte (no FU header), FU-A of a payload structure type: malformed. */
    static const uint8_t short_fu[] = {0x7c}, nested[] = {0x7c, 0x9c, 0x00};
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 12000, true, short_fu), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 15000, true, nested), VG_ESYNTAX);
    CHECK_INT_EQ(d.malformed, 2);
    CHECK_INT_EQ(fr.count, 3);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* Cameras that never set the marker: a new timestamp ends the frame before. */
static void test_h264_timestamp_boundary(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 1000, false, sps), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 1000, false, pps), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 1000, false, idr), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 4000, false, slice), 0);
    CHECK_INT_EQ(fr.count, 1);
    static const uint8_t expect[] = {0, 0, 0, 6,    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0,
                                     0, 0, 0, 5,    0x68, 0xcb, 0x83, 0xcb, 0x20, 0,
                                     0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33};
    check_frame(&fr, 0, expect, sizeof(expect), 1000, false);
    /* An FU that closes, then the timestamp changes: emitted. */
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 7000, false, fu_start), 0);
    static const uint8_t expect2[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    check_frame(&fr, 1, expect2, sizeof(expect2), 4000, false);
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 7000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 7000, false, fu_end), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 10000, false, slice), 0);
    check_frame(&fr, 2, fu_nal_avcc, sizeof(fu_nal_avcc), 7000, false);
    /* An FU left open when the timestamp changes (its End never sent): thrown away. */
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 13000, false, fu_start), 0);
    check_frame(&fr, 3, expect2, sizeof(expect2), 10000, false);
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 16000, false, slice), 0);
    CHECK_INT_EQ(fr.count, 4);
    CHECK_INT_EQ(d.dropped_frames, 1);
    CHECK_INT_EQ(d.lost, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 16000, true, slice), 0);
    static const uint8_t expect3[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02, 0, 0, 0, 3, 0x41, 0x9a, 0x02};
    check_frame(&fr, 4, expect3, sizeof(expect3), 16000, true);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* A packet lost in the middle of an FU: the frame goes, the next one says so. */
static void test_h264_loss_mid_fu(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, true, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 6000, false, fu_start), 0);
    /* 3 (fu_mid) is lost */
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 6000, true, fu_end), 0);
    CHECK_INT_EQ(fr.count, 1);
    CHECK_INT_EQ(d.lost, 1);
    CHECK_INT_EQ(d.dropped_frames, 1);
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 9000, true, idr), 0);
    static const uint8_t expect[] = {0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33};
    check_frame(&fr, 1, expect, sizeof(expect), 9000, true);
    /* The flag is for one frame only. */
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 12000, true, idr), 0);
    check_frame(&fr, 2, expect, sizeof(expect), 12000, false);

    /* A loss mid-frame of single NAL units: the rest of that frame is skipped too. */
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 15000, false, sei), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 15000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 15000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 3);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 18000, true, idr), 0);
    check_frame(&fr, 3, expect, sizeof(expect), 18000, true);
    CHECK_INT_EQ(d.lost, 2);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/*
 * Where a gap falls. The lost packet was the last (marker) of the frame in
 * progress: the next frame is whole and kept. The lost packet followed a
 * finished frame: the next frame may lack its start and is skipped.
 */
static void test_h264_loss_at_frame_edges(void)
{
    vg_depack d;
    frames fr = {0};
    static const uint8_t one[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, true, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 6000, false, slice), 0);
    /* 3, the marker packet of 6000, is lost */
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 9000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 2);
    check_frame(&fr, 1, one, sizeof(one), 9000, true);
    CHECK_INT_EQ(d.dropped_frames, 1);

    /* 5, the first packet of 12000, is lost: 12000 is skipped up to its marker. */
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 12000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 2);
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 15000, true, slice), 0);
    check_frame(&fr, 2, one, sizeof(one), 15000, true);

    /* Two packets lost while a frame was open: the next frame is not known whole. */
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 18000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 21000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 12, 21000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 3);
    CHECK_INT_EQ(PUSH(&d, &fr, 13, 24000, true, slice), 0);
    check_frame(&fr, 3, one, sizeof(one), 24000, true);
    CHECK_INT_EQ(d.lost, 4);

    /* A stream without markers cannot tell: after any gap the next timestamp is skipped. */
    vg_depack_deinit(&d);
    frames_clear(&fr);
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 6000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 9000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 12000, false, slice), 0);
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, one, sizeof(one), 9000, true);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* An FU that continues without its start, and a start while another is open. */
static void test_h264_broken_fu(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    /* Joining mid-NAL: the first packets are the end of an FU. */
    CHECK_INT_EQ(PUSH(&d, &fr, 50, 3000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 51, 3000, true, fu_end), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(d.dropped_frames, 1);
    CHECK_INT_EQ(d.lost, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 52, 6000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 53, 6000, false, fu_start), 0); /* the first never ended */
    CHECK_INT_EQ(PUSH(&d, &fr, 54, 6000, true, fu_end), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(d.dropped_frames, 2);
    /* A whole NAL unit while an FU is open. */
    CHECK_INT_EQ(PUSH(&d, &fr, 55, 9000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 56, 9000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 0);
    /* The marker on an FU without its End bit. */
    CHECK_INT_EQ(PUSH(&d, &fr, 57, 12000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 58, 12000, true, fu_mid), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(d.dropped_frames, 4);
    CHECK_INT_EQ(d.malformed, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 59, 15000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 60, 15000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 61, 15000, true, fu_end), 0);
    check_frame(&fr, 0, fu_nal_avcc, sizeof(fu_nal_avcc), 15000, true);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* Sequence numbers wrap at 2^16; duplicates and late packets are dropped, not losses. */
static void test_sequence(void)
{
    vg_depack d;
    frames fr = {0};
    static const uint8_t one[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 65534, 3000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 65535, 3000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 0, 3000, true, fu_end), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 6000, true, slice), 0);
    CHECK_INT_EQ(d.lost, 0);
    CHECK_INT_EQ(fr.count, 2);
    check_frame(&fr, 0, fu_nal_avcc, sizeof(fu_nal_avcc), 3000, false);
    check_frame(&fr, 1, one, sizeof(one), 6000, false);

    /* Duplicates: the last packet again, and one from the frame before. */
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 6000, true, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 65535, 3000, false, fu_mid), 0);
    CHECK_INT_EQ(d.late, 2);
    CHECK_INT_EQ(fr.count, 2);
    /* A duplicate in the middle of an FU leaves it intact. */
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 9000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 9000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 9000, false, fu_mid), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 9000, false, fu_start), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 9000, true, fu_end), 0);
    check_frame(&fr, 2, fu_nal_avcc, sizeof(fu_nal_avcc), 9000, false);
    CHECK_INT_EQ(d.late, 4);
    CHECK_INT_EQ(d.lost, 0);
    CHECK_INT_EQ(d.packets, 11);

    /* A gap across the wrap counts the missing packets. */
    vg_depack_deinit(&d);
    vg_depack_init(&d, VG_CODEC_PCMU, NULL);
    static const uint8_t pcm[] = {0xff, 0x7f};
    CHECK_INT_EQ(PUSH(&d, &fr, 65530, 0, false, pcm), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 160, false, pcm), 0);
    CHECK_INT_EQ(d.lost, 7);
    CHECK(fr.loss[fr.count - 1]);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* RFC 3550 A.1: a sender that restarts its sequence far behind is followed after two packets. */
static void test_sequence_restart(void)
{
    vg_depack d;
    frames fr = {0};
    static const uint8_t pcm[] = {0xd5};
    vg_depack_init(&d, VG_CODEC_PCMA, NULL);
    CHECK_INT_EQ(PUSH(&d, &fr, 40000, 0, false, pcm), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 40001, 160, false, pcm), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 39950, 320, false, pcm), 0); /* 52 behind: late */
    CHECK_INT_EQ(PUSH(&d, &fr, 39951, 480, false, pcm), 0); /* a successor, but not far behind */
    CHECK_INT_EQ(fr.count, 2);
    CHECK_INT_EQ(PUSH(&d, &fr, 30000, 640, false, pcm), 0); /* far behind: probation */
    CHECK_INT_EQ(fr.count, 2);
    CHECK_INT_EQ(PUSH(&d, &fr, 30001, 800, false, pcm), 0); /* its successor: restarted */
    CHECK_INT_EQ(PUSH(&d, &fr, 30002, 960, false, pcm), 0);
    CHECK_INT_EQ(fr.count, 4);
    CHECK_INT_EQ(fr.ts[2], 800);
    CHECK(fr.loss[2]);
    CHECK(!fr.loss[3]);
    CHECK_INT_EQ(d.late, 3);
    CHECK_INT_EQ(d.lost, 0);

    /* A new SSRC is a new sender: its first packet sets the sequence. */
    vg_rtp_packet p = pkt(5, 1120, false, pcm, 1);
    p.ssrc = 0x99;
    CHECK_INT_EQ(vg_depack_push(&d, &p, on_frame, &fr), 0);
    CHECK_INT_EQ(fr.count, 5);
    CHECK(fr.loss[4]);
    CHECK_INT_EQ(d.lost, 0);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

static void test_h264_ignored_and_interleaved_types(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    static const uint8_t t0[] = {0x00, 1}, t30[] = {0x1e, 1}, t31[] = {0x1f, 1};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, false, slice), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 3000, false, t0), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 3000, false, t30), 0);
    CHECK_INT_EQ(push(&d, &fr, 4, 3000, false, slice, 0), 0); /* empty: padding only */
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 3000, true, t31), 0);       /* ignored, but its marker counts */
    static const uint8_t one[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, one, sizeof(one), 3000, false);
    CHECK_INT_EQ(d.malformed, 0);
    /* A frame of ignored packets only emits nothing. */
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 6000, true, t30), 0);
    CHECK_INT_EQ(fr.count, 1);
    /* STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only. */
    static const uint8_t interleaved[4][4] = {
        {0x19, 0, 1, 0}, {0x1a, 0, 1, 0}, {0x1b, 0, 1, 0}, {0x1d, 0x85, 0, 1}};
    for (int i = 0; i < 4; i++)
        CHECK_INT_EQ(
            push(&d, &fr, (uint16_t)(7 + i), 9000 + 3000 * (uint32_t)i, true, interleaved[i], 4),
            VG_ESYNTAX);
    CHECK_INT_EQ(d.malformed, 4);
    CHECK_INT_EQ(fr.count, 1);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* A frame larger than VG_DEPACK_MAX_FRAME is dropped; the next one comes through. */
static void test_frame_too_large(void)
{
    vg_depack d;
    frames fr = {0};
    static uint8_t big[1400];
    memset(big, 0x11, sizeof(big));
    big[0] = 0x65;
    vg_depack_init(&d, VG_CODEC_H264, NULL);
    uint16_t seq = 0;
    int ret = 0;
    size_t sent = 0;
    while (ret == 0 && sent < 2 * (size_t)VG_DEPACK_MAX_FRAME) {
        ret = push(&d, &fr, seq++, 3000, false, big, sizeof(big));
        sent += 4 + sizeof(big); /* AVCC: its length, the NAL unit */
    }
    CHECK_INT_EQ(ret, VG_ERANGE);
    /* The packet that failed was the first not to fit. */
    CHECK(sent > VG_DEPACK_MAX_FRAME && sent <= VG_DEPACK_MAX_FRAME + 4 + sizeof(big));
    CHECK(d._cap <= VG_DEPACK_MAX_FRAME);
    CHECK_INT_EQ(push(&d, &fr, seq++, 3000, false, big, sizeof(big)), 0); /* skipped */
    CHECK_INT_EQ(push(&d, &fr, seq++, 3000, true, big, sizeof(big)), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(d.dropped_frames, 1);
    CHECK_INT_EQ(PUSH(&d, &fr, seq++, 6000, true, slice), 0);
    CHECK_INT_EQ(fr.count, 1);
    CHECK(fr.loss[0]);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* ---- H.265 ------------------------------------------------------------------------------- */

static void test_h265(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_H265, NULL);
    /* Single: a TRAIL_R (type 1), LayerId 0, TID 1. */
    static const uint8_t trail[] = {0x02, 0x01, 0xd0, 0x0a};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 3000, true, trail), 0);
    static const uint8_t expect[] = {0, 0, 0, 4, 0x02, 0x01, 0xd0, 0x0a};
    check_frame(&fr, 0, expect, sizeof(expect), 3000, false);

    /* AP (48): VPS (32) and PPS (34), 16-bit sizes, no DONL. */
    static const uint8_t ap[] = {0x60, 0x01, 0x00, 0x03, 0x40, 0x01, 0x0c,
                                 0x00, 0x04, 0x44, 0x01, 0xc1, 0x72};
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 6000, false, ap), 0);

    /*
     * FU (49) of an IDR_W_RADL (19) with F=0, LayerId 5 (0b000101: the top
     * bit in byte 0, the rest in byte 1), TID 3: payload header
     * 0b0 110001 0 | 00101 011 = 0x62 0x2b; FU headers S|19, 19, E|19.
     */
    static const uint8_t s[] = {0x62, 0x2b, 0x93, 0xaf, 0x01};
    static const uint8_t m[] = {0x62, 0x2b, 0x13, 0x02};
    static const uint8_t e[] = {0x62, 0x2b, 0x53, 0x03, 0x04};
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 6000, false, s), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 6000, false, m), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 5, 6000, true, e), 0);
    /* NAL header: 0b0 010011 0 | 00101 011 = 0x26 0x2b */
    static const uint8_t expect2[] = {0, 0,    0,    3,    0x40, 0x01, 0x0c, 0,   0,
                                      0, 4,    0x44, 0x01, 0xc1, 0x72, 0,    0,   0,
                                      7, 0x26, 0x2b, 0xaf, 0x01, 0x02, 0x03, 0x04};
    CHECK_INT_EQ(fr.count, 2);
    check_frame(&fr, 1, expect2, sizeof(expect2), 6000, false);

    /* F and the top LayerId bit kept: payload header 0xe3 0x2b -> NAL header 0xa7 0x2b. */
    static const uint8_t fs[] = {0xe3, 0x2b, 0xd3, 0x55};
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 9000, true, fs), 0);
    static const uint8_t expect3[] = {0, 0, 0, 3, 0xa7, 0x2b, 0x55};
    check_frame(&fr, 2, expect3, sizeof(expect3), 9000, false);

    /* PACI (50) and 51-63 ignored; one byte, an FU without its header, an AP unit of 1 byte,
       an FU of type 48: malformed. */
    static const uint8_t paci[] = {0x64, 0x01, 0x00, 0x00};
    static const uint8_t t63[] = {0x7e, 0x01, 0x00};
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 12000, false, paci), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 12000, false, t63), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 12000, true, trail), 0);
    check_frame(&fr, 3, expect, sizeof(expect), 12000, false);
    static const uint8_t one[] = {0x02}, fu2[] = {0x62, 0x2b};
    static const uint8_t ap1[] = {0x60, 0x01, 0x00, 0x01, 0x40};
    static const uint8_t fu48[] = {0x62, 0x2b, 0xb0, 0x00};
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 15000, true, one), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 18000, true, fu2), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 12, 21000, true, ap1), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 13, 24000, true, fu48), VG_ESYNTAX);
    CHECK_INT_EQ(d.malformed, 4);
    CHECK_INT_EQ(PUSH(&d, &fr, 14, 27000, true, trail), 0);
    check_frame(&fr, 4, expect, sizeof(expect), 27000, true);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* ---- AAC --------------------------------------------------------------------------------- */

static const vg_depack_aac aac_hbr = {13, 3, 3, 1024};

/* Two AUs of 3 and 2 bytes: AU-headers-length 32, headers (3 << 3 | 0), (2 << 3 | 0). */
static void test_aac_two_aus(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_AAC, &aac_hbr);
    static const uint8_t p[] = {0x00, 0x20, 0x00, 0x18, 0x00, 0x10, 0x21, 0x22, 0x23, 0x31, 0x32};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 0xfffffc00u, true, p), 0);
    CHECK_INT_EQ(fr.count, 2);
    static const uint8_t a[] = {0x21, 0x22, 0x23}, b[] = {0x31, 0x32};
    check_frame(&fr, 0, a, 3, 0xfffffc00u, false);
    check_frame(&fr, 1, b, 2, 0, false); /* ts + 1024, across the wrap */
    CHECK(d._buf == NULL);               /* whole AUs come straight from the packet */

    /* AU-Index-delta 2 on the second AU: it is 3 frames on. */
    static const uint8_t q[] = {0x00, 0x20, 0x00, 0x18, 0x00, 0x12, 0x21, 0x22, 0x23, 0x31, 0x32};
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 5000, true, q), 0);
    check_frame(&fr, 2, a, 3, 5000, false);
    check_frame(&fr, 3, b, 2, 5000 + 3 * 1024, false);

    /* Trailing bytes after the last AU are ignored. */
    static const uint8_t t[] = {0x00, 0x10, 0x00, 0x18, 0x21, 0x22, 0x23, 0x99};
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 9000, true, t), 0);
    check_frame(&fr, 4, a, 3, 9000, false);
    CHECK_INT_EQ(d.frames, 5);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

static void test_aac_malformed(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_AAC, &aac_hbr);
    static const uint8_t bad[][8] = {
        {0x00},                                     /* no AU-headers-length */
        {0x00, 0x00},                               /* no AU header */
        {0x00, 0x0f, 0x00, 0x10},                   /* 15 bits: less than one header */
        {0x00, 0x11, 0x00, 0x10, 0x00},             /* 17 bits: not a whole second header */
        {0x00, 0x20, 0x00, 0x18},                   /* 4 header bytes, 2 there */
        {0x00, 0x20, 0x00, 0x18, 0x00, 0x10, 0x21}, /* 3 + 2 bytes announced, 1 there */
    };
    static const size_t lens[] = {1, 2, 4, 5, 4, 7};
    for (size_t i = 0; i < 6; i++)
        CHECK_INT_EQ(push(&d, &fr, (uint16_t)i, 1024 * (uint32_t)i, true, bad[i], lens[i]),
                     VG_ESYNTAX);
    CHECK_INT_EQ(d.malformed, 6);
    CHECK_INT_EQ(fr.count, 0);
    static const uint8_t ok[] = {0x00, 0x10, 0x00, 0x08, 0x42};
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 7000, true, ok), 0);
    CHECK_INT_EQ(fr.count, 1);
    CHECK(fr.loss[0]); /* the malformed packets' AUs are lost */
    /* A lone AU longer than its packet, with the marker: nothing follows to complete it. */
    static const uint8_t cut[] = {0x00, 0x10, 0x00, 0x18, 0x42};
    CHECK_INT_EQ(PUSH(&d, &fr, 7, 8000, true, cut), VG_ESYNTAX);
    CHECK_INT_EQ(fr.count, 1);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* RFC 3640 3.2.3: one AU of 7 bytes in three packets, each AU header with the whole size. */
static void test_aac_fragmented(void)
{
    vg_depack d;
    frames fr = {0};
    vg_depack_init(&d, VG_CODEC_AAC, &aac_hbr);
    static const uint8_t f1[] = {0x00, 0x10, 0x00, 0x38, 1, 2, 3};
    static const uint8_t f2[] = {0x00, 0x10, 0x00, 0x38, 4, 5};
    static const uint8_t f3[] = {0x00, 0x10, 0x00, 0x38, 6, 7};
    static const uint8_t au[] = {1, 2, 3, 4, 5, 6, 7};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 2048, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 2048, false, f2), 0);
    CHECK_INT_EQ(fr.count, 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 3, 2048, true, f3), 0);
    CHECK_INT_EQ(fr.count, 1);
    check_frame(&fr, 0, au, sizeof(au), 2048, false);

    /* The middle piece lost: the AU goes, the last piece is skipped, the next AU flagged. */
    CHECK_INT_EQ(PUSH(&d, &fr, 4, 3072, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 6, 3072, true, f3), 0);
    CHECK_INT_EQ(fr.count, 1);
    CHECK_INT_EQ(d.dropped_frames, 1);
    CHECK_INT_EQ(d.lost, 1);
    /* The first piece lost: the others are skipped rather than taken for a start. */
    CHECK_INT_EQ(PUSH(&d, &fr, 8, 4096, false, f2), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 9, 4096, true, f3), 0);
    CHECK_INT_EQ(fr.count, 1);
    CHECK_INT_EQ(PUSH(&d, &fr, 10, 5120, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 11, 5120, false, f2), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 12, 5120, true, f3), 0);
    check_frame(&fr, 1, au, sizeof(au), 5120, true);

    /* Pieces adding up to more than the AU: malformed. */
    static const uint8_t f2big[] = {0x00, 0x10, 0x00, 0x38, 4, 5, 6, 7, 8, 9};
    CHECK_INT_EQ(PUSH(&d, &fr, 13, 6144, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 14, 6144, false, f2big), VG_ESYNTAX); /* 3 + 6 > 7 */
    CHECK_INT_EQ(PUSH(&d, &fr, 15, 6144, true, f3), 0);              /* skipped */
    /* The marker before the AU is whole. */
    CHECK_INT_EQ(PUSH(&d, &fr, 16, 7168, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 17, 7168, true, f2), VG_ESYNTAX);
    /* A whole AU while a fragmented one is open: the open one is cut short. */
    static const uint8_t whole[] = {0x00, 0x10, 0x00, 0x08, 0x42};
    CHECK_INT_EQ(PUSH(&d, &fr, 18, 8192, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 19, 9216, true, whole), 0);
    CHECK_INT_EQ(fr.count, 3);
    static const uint8_t one[] = {0x42};
    check_frame(&fr, 2, one, 1, 9216, true);
    CHECK_INT_EQ(d.malformed, 2);
    /* Pieces that announce their own size rather than the AU's: refused, not emitted. */
    static const uint8_t own1[] = {0x00, 0x10, 0x00, 0x18, 4, 5, 6};
    static const uint8_t own2[] = {0x00, 0x10, 0x00, 0x08, 7};
    CHECK_INT_EQ(PUSH(&d, &fr, 20, 10240, false, f1), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 21, 10240, false, own1), VG_ESYNTAX);
    CHECK_INT_EQ(PUSH(&d, &fr, 22, 10240, true, own2), 0); /* skipped */
    CHECK_INT_EQ(fr.count, 3);
    CHECK_INT_EQ(d.malformed, 3);
    /* After a gap, a packet of whole AUs is emitted (flagged); a lone piece is skipped. */
    CHECK_INT_EQ(PUSH(&d, &fr, 24, 11264, true, whole), 0);
    check_frame(&fr, 3, one, 1, 11264, true);
    CHECK_INT_EQ(PUSH(&d, &fr, 26, 12288, true, f3), 0);
    CHECK_INT_EQ(PUSH(&d, &fr, 27, 13312, true, whole), 0);
    check_frame(&fr, 4, one, 1, 13312, true);
    CHECK_INT_EQ(d.malformed, 3);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* AAC-lbr: sizeLength 6, indexLength 2, indexDeltaLength 2: one byte per AU header. */
static void test_aac_lbr(void)
{
    vg_depack d;
    frames fr = {0};
    const vg_depack_aac lbr = {6, 2, 2, 960};
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_AAC, &lbr), 0);
    /* 3 AUs: sizes 2, 1, 3 (size << 2 | index): 24 bits of headers. */
    static const uint8_t p[] = {0x00, 0x18, 0x08, 0x04, 0x0c, 0xa1, 0xa2, 0xb1, 0xc1, 0xc2, 0xc3};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 100, true, p), 0);
    CHECK_INT_EQ(fr.count, 3);
    static const uint8_t a[] = {0xa1, 0xa2}, b[] = {0xb1}, c[] = {0xc1, 0xc2, 0xc3};
    check_frame(&fr, 0, a, 2, 100, false);
    check_frame(&fr, 1, b, 1, 100 + 960, false);
    check_frame(&fr, 2, c, 3, 100 + 2 * 960, false);
    /* 12 bits of AU headers: a first header of 8 and 4 bits that are not a whole second. */
    static const uint8_t q[] = {0x00, 0x0c, 0x08, 0x00, 0xa1, 0xa2};
    CHECK_INT_EQ(PUSH(&d, &fr, 2, 2000, true, q), VG_ESYNTAX);
    vg_depack_deinit(&d);
    frames_clear(&fr);

    /* Odd bit sizes: sizeLength 5, no index fields: headers of 5 bits, padded to a byte. */
    const vg_depack_aac odd = {5, 0, 0, 1024};
    CHECK_INT_EQ(vg_depack_init(&d, VG_CODEC_AAC, &odd), 0);
    /* sizes 1, 2: 00001 00010 + 6 pad bits = 0x08 0x80 */
    static const uint8_t r[] = {0x00, 0x0a, 0x08, 0x80, 0x11, 0x21, 0x22};
    CHECK_INT_EQ(PUSH(&d, &fr, 1, 0, true, r), 0);
    static const uint8_t x[] = {0x11}, y[] = {0x21, 0x22};
    check_frame(&fr, 0, x, 1, 0, false);
    check_frame(&fr, 1, y, 2, 1024, false);
    vg_depack_deinit(&d);
    frames_clear(&fr);
}

/* ---- G.711 and Opus ---------------------------------------------------------------------- */

static void test_audio_pass_through(void)
{
    static const vg_codec codecs[] = {VG_CODEC_PCMU, VG_CODEC_PCMA, VG_CODEC_OPUS};
    for (int c = 0; c < 3; c++) {
        vg_depack d;
        frames fr = {0};
        CHECK_INT_EQ(vg_depack_init(&d, codecs[c], NULL), 0);
        static const uint8_t a[] = {0xff, 0x7f, 0x00, 0x80}, b[] = {0x55};
        CHECK_INT_EQ(PUSH(&d, &fr, 10, 160, false, a), 0);
        CHECK_INT_EQ(push(&d, &fr, 11, 320, false, a, 0), 0); /* empty: nothing */
        CHECK_INT_EQ(PUSH(&d, &fr, 13, 640, true, b), 0);
        CHECK_INT_EQ(fr.count, 2);
        check_frame(&fr, 0, a, sizeof(a), 160, false);
        check_frame(&fr, 1, b, sizeof(b), 640, true);
        CHECK_INT_EQ(d.lost, 1);
        CHECK(d._buf == NULL); /* straight from the packet */
        vg_depack_deinit(&d);
        frames_clear(&fr);
    }
}

/* ---- round trip through webrtc/rtp.c's packetizer ---------------------------------------- */

typedef struct wire {
    vg_depack *d;
    frames *fr;
    int push_errors, parse_errors;
    /* the lossy run: drop or duplicate packets at random, and note each packet's fate */
    bool lossy;
    size_t dropped, duplicated;
    uint32_t *sent_round; /* the packet's AU: its timestamp / 3000 */
    bool *sent_marker, *sent_dropped;
    size_t sent_count;
} wire;

static void on_packet(void *ctx, uint8_t *packet, size_t len, size_t cap, bool marker)
{
    wire *w = ctx;
    vg_rtp_packet p;
    if (vg_rtp_packet_parse(packet, len, &p) < 0) {
        w->parse_errors++;
        return;
    }
    CHECK_INT_EQ(p.marker, marker);
    bool drop = w->lossy && rng() % 50 == 0;
    if (w->lossy) {
        w->sent_round[w->sent_count] = p.timestamp / 3000;
        w->sent_marker[w->sent_count] = p.marker;
        w->sent_dropped[w->sent_count] = drop;
        w->sent_count++;
    }
    if (drop) {
        w->dropped++;
        return;
    }
    if (vg_depack_push(w->d, &p, on_frame, w->fr) != 0)
        w->push_errors++;
    if (w->lossy && rng() % 50 == 0) {
        w->duplicated++;
        if (vg_depack_push(w->d, &p, on_frame, w->fr) != 0)
            w->push_errors++;
    }
}

/* A NAL unit of `len` bytes of type `type` (header included) into `out`, random body. */
static void make_nal(uint8_t *out, bool h265, unsigned type, size_t len)
{
    if (h265) {
        out[0] = (uint8_t)(type << 1);
        out[1] = (uint8_t)(1 + rng() % 7); /* LayerId 0, TID 1..7 */
    } else {
        out[0] = (uint8_t)((rng() % 4) << 5 | type);
    }
    for (size_t i = h265 ? 2 : 1; i < len; i++)
        out[i] = (uint8_t)rng();
}

/*
 * One random AU into `au_bytes` (AVCC) and what should come back into
 * `expect` (without AUD and filler); returns the AU size, *expect_len.
 */
static size_t random_au(bool h265, uint8_t *au_bytes, uint8_t *expect, size_t *expect_len)
{
    static const unsigned types264[] = {1, 5, 6, 7, 8, 9, 12, 1, 1, 5};
    static const unsigned types265[] = {1, 19, 21, 32, 33, 34, 35, 38, 39, 1};
    size_t count = 1 + rng() % 6, len = 0;
    *expect_len = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n;
        switch (rng() % 4) {
        case 0:
            n = 3 + rng() % 40; /* small: SEI, parameter sets */
            break;
        case 1:
            n = 1100 + rng() % 200; /* around the MTU */
            break;
        case 2:
            n = 20000 + rng() % 80000; /* a key frame's slice */
            break;
        default:
            n = 3 + rng() % 5000;
            break;
        }
        unsigned type = h265 ? types265[rng() % 10] : types264[rng() % 10];
        vg_store_be32(au_bytes + len, (uint32_t)n);
        make_nal(au_bytes + len + 4, h265, type, n);
        bool dropped = h265 ? type == 35 || type == 38 : type == 9 || type == 12;
        if (!dropped) {
            memcpy(expect + *expect_len, au_bytes + len, 4 + n);
            *expect_len += 4 + n;
        }
        len += 4 + n;
    }
    return len;
}

static void test_round_trip(void)
{
    static uint8_t au_bytes[700000], expect[700000];
    for (int codec = 0; codec < 2; codec++) {
        bool h265 = codec == 1;
        vg_depack d;
        frames fr = {0};
        wire w = {.d = &d, .fr = &fr};
        vg_rtp_packetizer p;
        vg_depack_init(&d, h265 ? VG_CODEC_H265 : VG_CODEC_H264, NULL);
        vg_rtp_packetizer_init(&p, h265 ? VG_CODEC_H265 : VG_CODEC_H264, 96, SSRC, 65000, 1200);
        uint32_t ts = 0xffff0000u;
        size_t expected_frames = 0;
        for (int round = 0; round < 2000; round++) {
            size_t expect_len;
            size_t len = random_au(h265, au_bytes, expect, &expect_len);
            vg_au *au = vg_au_create(len);
            memcpy(au->data, au_bytes, len);
            au->flags = round % 30 == 0 ? VG_AU_KEY : 0;
            ts += 3000;
            CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, ts, on_packet, &w), 0);
            vg_au_unref(&au);
            if (expect_len == 0) {
                CHECK_INT_EQ(fr.count, 0); /* only AUD / filler: no packets */
                continue;
            }
            expected_frames++;
            CHECK_INT_EQ(fr.count, 1);
            check_frame(&fr, 0, expect, expect_len, ts, false);
            frames_clear(&fr);
            if (vg_test_current_failed) {
                fprintf(stderr, "round %d h265 %d\n", round, h265);
                break;
            }
        }
        CHECK_INT_EQ(w.parse_errors + w.push_errors, 0);
        CHECK_INT_EQ(d.frames, expected_frames);
        CHECK_INT_EQ(d.lost + d.late + d.malformed + d.dropped_frames, 0);
        CHECK_INT_EQ(d.packets, p.packets);
        CHECK(d._cap <= 1u << 20); /* grown to the largest frame, not beyond */
        vg_depack_deinit(&d);
        frames_clear(&fr);
    }
}

/*
 * Which AUs of the lossy run must come through, from the packets' fates:
 * those with no packet lost, unless packets just before their first were
 * lost too (they may have been theirs), with the one exception depack.h
 * describes: a single packet lost, the last (marker) packet of an AU that
 * had an earlier packet, in a stream where a marker bit was seen.
 */
static size_t predict_frames(const wire *w, bool *through)
{
    bool marker_seen = false;
    size_t excepted = 0; /* AUs through by the exception */
    for (size_t i = 0, j; i < w->sent_count; i = j) {
        uint32_t r = w->sent_round[i];
        bool any_lost = false;
        for (j = i; j < w->sent_count && w->sent_round[j] == r; j++)
            any_lost |= w->sent_dropped[j];
        size_t lost_before = 0;
        while (lost_before < i && w->sent_dropped[i - 1 - lost_before])
            lost_before++;
        bool ok = !any_lost;
        if (ok && lost_before > 0)
            ok = lost_before == 1 && i >= 2 && w->sent_marker[i - 1] &&
                 w->sent_round[i - 2] == w->sent_round[i - 1] && marker_seen;
        through[r] = ok;
        excepted += ok && lost_before > 0;
        for (size_t k = i; k < j; k++)
            marker_seen |= w->sent_marker[k] && !w->sent_dropped[k];
    }
    return excepted;
}

/*
 * The same with 2% of packets lost and 2% duplicated: every frame that
 * comes out is exactly one that went in (same timestamp, same bytes),
 * frames come out in order, the first frame after a loss says so, and
 * exactly the frames that could be known whole come through.
 */
static void test_round_trip_lossy(void)
{
    enum { ROUNDS = 1500 };
    static uint8_t au_bytes[700000];
    static uint8_t *expects[ROUNDS];
    static size_t expect_lens[ROUNDS];
    static bool came[ROUNDS], predicted[ROUNDS];
    enum { MAX_SENT = 1 << 20 };
    for (int codec = 0; codec < 2; codec++) {
        bool h265 = codec == 1;
        vg_depack d;
        frames fr = {0};
        wire w = {.d = &d, .fr = &fr, .lossy = true};
        w.sent_round = malloc(MAX_SENT * sizeof(*w.sent_round));
        w.sent_marker = malloc(MAX_SENT * sizeof(bool));
        w.sent_dropped = malloc(MAX_SENT * sizeof(bool));
        memset(came, 0, sizeof(came));
        memset(predicted, 0, sizeof(predicted));
        vg_rtp_packetizer p;
        vg_depack_init(&d, h265 ? VG_CODEC_H265 : VG_CODEC_H264, NULL);
        vg_rtp_packetizer_init(&p, h265 ? VG_CODEC_H265 : VG_CODEC_H264, 96, SSRC, 0, 1200);
        size_t emitted = 0, flagged = 0;
        int last_round = -1;
        for (int round = 0; round < ROUNDS; round++) {
            size_t expect_len;
            expects[round] = malloc(700000);
            size_t len = random_au(h265, au_bytes, expects[round], &expect_len);
            expect_lens[round] = expect_len;
            vg_au *au = vg_au_create(len);
            memcpy(au->data, au_bytes, len);
            uint32_t ts = 3000u * (uint32_t)round;
            CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, ts, on_packet, &w), 0);
            vg_au_unref(&au);
            for (size_t i = 0; i < fr.count; i++) {
                /* Which AU: the timestamp says. Always a later one than before. */
                int r = (int)(fr.ts[i] / 3000u);
                CHECK(fr.ts[i] % 3000u == 0 && r > last_round && r <= round);
                if (r <= last_round || r > round)
                    continue;
                CHECK_INT_EQ(fr.len[i], expect_lens[r]);
                CHECK(fr.len[i] == expect_lens[r] &&
                      memcmp(fr.data[i], expects[r], fr.len[i]) == 0);
                /* A frame emitted with nothing lost since the one before follows it directly
                   (rounds with no NAL units left emit nothing). */
                if (!fr.loss[i])
                    for (int k = last_round + 1; k < r; k++)
                        CHECK_INT_EQ(expect_lens[k], 0);
                flagged += fr.loss[i];
                came[r] = true;
                last_round = r;
                emitted++;
            }
            frames_clear(&fr);
            if (vg_test_current_failed) {
                fprintf(stderr, "round %d h265 %d\n", round, h265);
                break;
            }
        }
        CHECK(w.sent_count < MAX_SENT);
        CHECK(predict_frames(&w, predicted) > 5);
        size_t mismatches = 0;
        for (int r = 0; r < ROUNDS; r++)
            mismatches += came[r] != predicted[r];
        CHECK_INT_EQ(mismatches, 0);
        CHECK(w.dropped > 100 && w.duplicated > 100);
        CHECK_INT_EQ(w.parse_errors + w.push_errors, 0);
        /* A packet dropped at the very end has no successor to reveal it. */
        CHECK(d.lost <= w.dropped && d.lost + 1 >= w.dropped);
        CHECK_INT_EQ(d.late, w.duplicated);
        CHECK_INT_EQ(d.malformed, 0);
        CHECK(emitted > ROUNDS / 4 && flagged > 10);
        CHECK_INT_EQ(d.frames, emitted);
        fprintf(stderr, "  %s: %zu of %d frames through, %zu packets lost, %zu duplicated\n",
                h265 ? "h265" : "h264", emitted, ROUNDS, w.dropped, w.duplicated);
        for (int round = 0; round < ROUNDS; round++)
            free(expects[round]);
        free(w.sent_round);
        free(w.sent_marker);
        free(w.sent_dropped);
        vg_depack_deinit(&d);
        frames_clear(&fr);
    }
}

int main(void)
{
    VG_TEST_RUN(test_parse_plain);
    VG_TEST_RUN(test_parse_csrc_extension_padding);
    VG_TEST_RUN(test_parse_rejects);
    VG_TEST_RUN(test_init);
    VG_TEST_RUN(test_h264_single);
    VG_TEST_RUN(test_h264_stap_a);
    VG_TEST_RUN(test_h264_fu_a);
    VG_TEST_RUN(test_h264_timestamp_boundary);
    VG_TEST_RUN(test_h264_loss_mid_fu);
    VG_TEST_RUN(test_h264_loss_at_frame_edges);
    VG_TEST_RUN(test_h264_broken_fu);
    VG_TEST_RUN(test_sequence);
    VG_TEST_RUN(test_sequence_restart);
    VG_TEST_RUN(test_h264_ignored_and_interleaved_types);
    VG_TEST_RUN(test_frame_too_large);
    VG_TEST_RUN(test_h265);
    VG_TEST_RUN(test_aac_two_aus);
    VG_TEST_RUN(test_aac_malformed);
    VG_TEST_RUN(test_aac_fragmented);
    VG_TEST_RUN(test_aac_lbr);
    VG_TEST_RUN(test_audio_pass_through);
    VG_TEST_RUN(test_round_trip);
    VG_TEST_RUN(test_round_trip_lossy);
    return vg_test_done();
}
