/*
 * fuzz_rtp_depack.c: rtsp/depack.c's RTP header parser and depacketizers
 * against arbitrary packet sequences.
 *
 * Input layout:
 *
 *   byte 0        the codec: low 3 bits (H.264, H.265, AAC-hbr, AAC-lbr,
 *                 AAC with odd field sizes, PCMU, PCMA, Opus); bit 3: the
 *                 packets are whole RTP packets ("raw") rather than
 *                 "compact" ones; bits 4-7: the odd AAC's sizeLength.
 *   then packets  each a 2-byte big-endian length and that many bytes
 *                 (cut short at the end of the input).
 *
 * A raw packet goes through vg_rtp_packet_parse() as it is. A compact
 * packet is one control byte and the payload; the RTP header is built
 * here from the control byte (marker bit; the sequence number: next,
 * same, one skipped, far behind; the timestamp: same, +3000, +1024, or
 * jumbled; a new SSRC), so that the fuzzer spends its time on payloads and
 * on the order of packets rather than on getting the header right.
 *
 * Beyond "no crash, no overread", it checks:
 *   - a parsed packet's views lie inside the input, and the header fields
 *     read back what the compact mode wrote;
 *   - push returns 0, VG_ESYNTAX, VG_ERANGE or VG_ENOMEM; the counters add
 *     up (frames counts the callbacks; never more lost frames than pushes);
 *   - every frame is non-empty and no larger than VG_DEPACK_MAX_FRAME, and
 *     the emit callback reads each of its bytes (ASan sees any overread);
 *   - a video frame is valid AVCC; packetized again by webrtc/rtp.c and
 *     depacketized by a second depacketizer it comes back the same (less
 *     AUD and filler, which the packetizer drops), when its NAL unit types
 *     are plain ones (not the RTP payload structure types 24-31 / 48-63
 *     that an aggregation packet may carry inside);
 *   - an AAC frame is at most 65535 bytes (a 16-bit AU-size).
 */
#include "codec/nal.h"
#include "core/au.h"
#include "core/error.h"
#include "rtsp/depack.h"
#include "webrtc/rtp.h"

#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

typedef struct run {
    vg_depack d;
    vg_codec codec;
    uint64_t emitted;
    uint8_t sink;
} run;

/* ---- the round trip of a video frame ----------------------------------------------------- */

typedef struct echo {
    vg_depack d;
    const uint8_t *expect;
    size_t expect_len;
    int frames;
} echo;

static void on_echo_frame(void *ctx, const vg_depack_frame *f)
{
    echo *e = ctx;
    e->frames++;
    check(!f->loss);
    check(f->len == e->expect_len && memcmp(f->data, e->expect, f->len) == 0);
}

static void on_echo_packet(void *ctx, uint8_t *packet, size_t len, size_t cap, bool marker)
{
    echo *e = ctx;
    vg_rtp_packet p;
    check(vg_rtp_packet_parse(packet, len, &p) == 0);
    check(vg_depack_push(&e->d, &p, on_echo_frame, e) == 0);
}

/*
 * The frame through webrtc/rtp.c's packetizer and a fresh depacketizer: the
 * same AVCC, less AUD and filler; nothing when only those were left.
 */
static void round_trip(vg_codec codec, const uint8_t *data, size_t len)
{
    bool h265 = codec == VG_CODEC_H265;
    vg_nal_codec nal_codec = h265 ? VG_NAL_H265 : VG_NAL_H264;
    const unsigned drop = VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER;
    static uint8_t expect[VG_DEPACK_MAX_FRAME];
    size_t expect_len = 0;
    vg_nal_avcc_iter it;
    vg_nal nal;
    vg_nal_avcc_iter_init(&it, data, len);
    while (vg_nal_avcc_next(&it, &nal) == 1) {
        unsigned type = vg_nal_type(nal_codec, nal);
        if (h265 ? type >= 48 : type == 0 || type >= 24)
            return; /* would read back as a payload structure */
        if (vg_nal_is_dropped(nal_codec, drop, nal))
            continue;
        memcpy(expect + expect_len, nal.p - 4, 4 + nal.len);
        expect_len += 4 + nal.len;
    }

    vg_au *au = vg_au_create(len);
    check(au != NULL);
    memcpy(au->data, data, len);
    vg_rtp_packetizer p;
    check(vg_rtp_packetizer_init(&p, codec, 96, 1, 65535, 1200) == 0);
    echo e = {.expect = expect, .expect_len = expect_len};
    check(vg_depack_init(&e.d, codec, NULL) == 0);
    check(vg_rtp_packetize(&p, NULL, au, 90000, on_echo_packet, &e) == 0);
    check(e.frames == (expect_len > 0));
    check(e.d.malformed == 0 && e.d.lost == 0 && e.d.dropped_frames == 0);
    vg_depack_deinit(&e.d);
    vg_au_unref(&au);
}

/* ---- the run ----------------------------------------------------------------------------- */

static void on_frame(void *ctx, const vg_depack_frame *f)
{
    run *r = ctx;
    r->emitted++;
    check(f->len > 0 && f->len <= VG_DEPACK_MAX_FRAME);
    uint8_t x = 0;
    for (size_t i = 0; i < f->len; i++)
        x ^= f->data[i];
    r->sink ^= x;
    if (r->codec == VG_CODEC_H264 || r->codec == VG_CODEC_H265) {
        check(vg_nal_avcc_validate(f->data, f->len, NULL) == 0);
        round_trip(r->codec, f->data, f->len);
    } else if (r->codec == VG_CODEC_AAC) {
        check(f->len <= 65535);
    }
}

static void push(run *r, const uint8_t *packet, size_t len, const vg_rtp_packet *built)
{
    vg_rtp_packet p;
    if (vg_rtp_packet_parse(packet, len, &p) < 0) {
        check(!built);
        return;
    }
    check(p.payload >= packet + 12 && p.payload + p.payload_len <= packet + len);
    check(!p.extension ||
          (p.extension >= packet + 16 && p.extension + p.extension_len <= p.payload));
    if (built) {
        check(p.marker == built->marker && p.seq == built->seq);
        check(p.timestamp == built->timestamp && p.ssrc == built->ssrc);
        check(p.payload_len == built->payload_len);
    }
    uint64_t malformed = r->d.malformed;
    int ret = vg_depack_push(&r->d, &p, on_frame, r);
    check(ret == 0 || ret == VG_ESYNTAX || ret == VG_ERANGE || ret == VG_ENOMEM);
    check((ret == VG_ESYNTAX) == (r->d.malformed == malformed + 1));
    check(r->d.frames == r->emitted);
    check(r->d.dropped_frames <= r->d.packets);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const vg_codec codecs[8] = {VG_CODEC_H264, VG_CODEC_H265, VG_CODEC_AAC,  VG_CODEC_AAC,
                                       VG_CODEC_AAC,  VG_CODEC_PCMU, VG_CODEC_PCMA, VG_CODEC_OPUS};
    unsigned mode = data[0];
    run *r = calloc(1, sizeof(*r));
    check(r != NULL);
    r->codec = codecs[mode & 7];
    vg_depack_aac aac = {13, 3, 3, 1024};
    if ((mode & 7) == 3)
        aac = (vg_depack_aac){6, 2, 2, 960};
    else if ((mode & 7) == 4)
        aac = (vg_depack_aac){1 + (int)(mode >> 4), (int)(mode >> 4) % 5, (int)(mode >> 5), 1024};
    check(vg_depack_init(&r->d, r->codec, &aac) == 0);
    bool raw = mode & 8;

    uint16_t seq = 1000;
    uint32_t ts = 0, ssrc = 0x5eed;
    size_t pos = 1;
    while (size - pos >= 2) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *body = data + pos;
        pos += len;
        /* Each packet in a heap block of its exact size: ASan sees a read past its end. */
        if (raw) {
            uint8_t *copy = malloc(len ? len : 1);
            check(copy != NULL);
            memcpy(copy, body, len);
            push(r, copy, len, NULL);
            free(copy);
            continue;
        }
        if (len == 0)
            continue;
        uint8_t *packet = malloc(12 + len - 1);
        check(packet != NULL);
        uint8_t control = body[0];
        static const int16_t seq_steps[4] = {1, 0, 2, -200};
        static const uint32_t ts_steps[4] = {0, 3000, 1024, 0};
        seq = (uint16_t)(seq + seq_steps[(control >> 1) & 3]);
        ts = ((control >> 3) & 3) == 3 ? ts ^ (uint32_t)control << 20
                                       : ts + ts_steps[(control >> 3) & 3];
        if (control & 0x80)
            ssrc++;
        vg_rtp_packet built = {.marker = control & 1,
                               .seq = seq,
                               .timestamp = ts,
                               .ssrc = ssrc,
                               .payload_len = len - 1};
        packet[0] = 0x80;
        packet[1] = (uint8_t)((control & 1) << 7 | 96);
        packet[2] = (uint8_t)(seq >> 8), packet[3] = (uint8_t)seq;
        packet[4] = (uint8_t)(ts >> 24), packet[5] = (uint8_t)(ts >> 16);
        packet[6] = (uint8_t)(ts >> 8), packet[7] = (uint8_t)ts;
        packet[8] = (uint8_t)(ssrc >> 24), packet[9] = (uint8_t)(ssrc >> 16);
        packet[10] = (uint8_t)(ssrc >> 8), packet[11] = (uint8_t)ssrc;
        memcpy(packet + 12, body + 1, len - 1);
        push(r, packet, 12 + len - 1, &built);
        free(packet);
    }
    check(r->d.packets >= r->d.late);
    vg_depack_deinit(&r->d);
    vg_depack_deinit(&r->d);
    free(r);
    return 0;
}
