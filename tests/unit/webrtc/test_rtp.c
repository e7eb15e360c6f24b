/*
 * Unit tests for webrtc/rtp.c. A depacketizer written here (RFC 6184 single
 * NAL unit, STAP-A and FU-A; RFC 7798 single, AP and FU) reassembles what
 * the packetizer emits into AVCC, which must equal the AU's NAL units (less
 * AUD and filler, the parameter sets first on a key frame). Every emitted
 * packet is checked against RFC 3550 5.1 (version, sequence continuity,
 * timestamp, SSRC, marker) and the MTU, and then overwritten in the
 * emit callback, as SRTP would encrypt it in place, so that no packet
 * leans on bytes of the one before.
 *
 * The avcC and hvcC records are real (libx264 / libx265 through ffmpeg 5.1,
 * from tests/unit/codec/test_h264.c and test_h265.c); slices are stand-ins.
 */
#include "webrtc/rtp.h"

#include "core/au.h"
#include "core/error.h"
#include "core/track.h"
#include "vg_test.h"

#include <stdbool.h>

/* ffmpeg -f lavfi -i testsrc2=size=640x360:rate=30 -t 1 -c:v libx264 -profile:v baseline x.mp4 */
static const uint8_t avcc_baseline_360p[] = {
    0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00,
    0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00,
    0x3c, 0x0f, 0x16, 0x2e, 0x48, 0x01, 0x00, 0x05, 0x68, 0xcb, 0x83, 0xcb, 0x20,
};
#define AVCC_SPS     (avcc_baseline_360p + 8)
#define AVCC_SPS_LEN 25
#define AVCC_PPS     (avcc_baseline_360p + 36)
#define AVCC_PPS_LEN 5

/* ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -t 1 -c:v libx265 -tag:v hvc1 x.mp4 */
static const uint8_t hvcc_main_720p[] = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d, 0xf0, 0x00, 0xfc,
    0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01,
    0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x5d, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2b, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d,
    0x16, 0x59, 0x59, 0xa4, 0x93, 0x2b, 0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00,
    0x03, 0x00, 0x32, 0x10, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};
#define HVCC_VPS     (hvcc_main_720p + 28)
#define HVCC_VPS_LEN 24
#define HVCC_SPS     (hvcc_main_720p + 57)
#define HVCC_SPS_LEN 43
#define HVCC_PPS     (hvcc_main_720p + 105)
#define HVCC_PPS_LEN 7

#define PT   96
#define SSRC 0x11223344u
#define TS   0xfffffff0u /* near the wrap, so PCM timestamps cross it */

/* ---- what the packetizer emitted ---------------------------------------------------------- */

#define MAX_PACKETS 8192
#define SLOT        (VG_RTP_MAX_MTU + VG_RTP_TAIL_ROOM)

typedef struct sent {
    uint8_t (*data)[SLOT];
    size_t len[MAX_PACKETS];
    bool marker[MAX_PACKETS];
    size_t count;
    size_t bad_cap; /* packets whose cap - len < VG_RTP_TAIL_ROOM */
} sent;

static sent *sent_new(void)
{
    sent *s = calloc(1, sizeof(*s));
    s->data = malloc((size_t)MAX_PACKETS * SLOT);
    return s;
}

static void sent_free(sent *s)
{
    free(s->data);
    free(s);
}

static void sent_clear(sent *s)
{
    s->count = 0;
    s->bad_cap = 0;
}

static void on_packet(void *ctx, uint8_t *packet, size_t len, size_t cap, bool marker)
{
    sent *s = ctx;
    if (cap < len || cap - len < VG_RTP_TAIL_ROOM)
        s->bad_cap++;
    if (s->count < MAX_PACKETS && len <= SLOT) {
        memcpy(s->data[s->count], packet, len);
        s->len[s->count] = len;
        s->marker[s->count] = marker;
        s->count++;
    }
    /* What SRTP may do: change every byte of the buffer, tail room included. */
    memset(packet, 0xa5, cap);
}

static inline unsigned be16(const uint8_t *b)
{
    return (unsigned)b[0] << 8 | b[1];
}

static inline uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * RFC 3550 5.1 for packets [from, s->count): V=2, P=0, X=0, CC=0, the
 * payload type, SSRC and timestamp (`ts`, unless `ts_any`), sequence
 * numbers from `first_seq` on, at most `mtu` bytes, the header's marker
 * bit equal to the one emit was told. Video: the marker on the last only.
 */
static void check_packets(const sent *s, size_t from, uint16_t first_seq, uint32_t ts, bool ts_any,
                          size_t mtu, bool video)
{
    CHECK_INT_EQ(s->bad_cap, 0);
    for (size_t i = from; i < s->count; i++) {
        const uint8_t *b = s->data[i];
        CHECK(s->len[i] > VG_RTP_HEADER_LEN);
        CHECK(s->len[i] <= mtu);
        CHECK_INT_EQ(b[0], 0x80);
        CHECK_INT_EQ(b[1] & 0x7f, PT);
        CHECK_INT_EQ((b[1] & 0x80) != 0, s->marker[i]);
        CHECK_INT_EQ(vg_rtp_seq(b), (uint16_t)(first_seq + (i - from)));
        if (!ts_any)
            CHECK_INT_EQ(be32(b + 4), ts);
        CHECK_INT_EQ(be32(b + 8), SSRC);
        if (video)
            CHECK_INT_EQ(s->marker[i], i + 1 == s->count);
        else
            CHECK(!s->marker[i]);
    }
}

/* ---- the depacketizer --------------------------------------------------------------------- */

typedef struct depacketizer {
    bool h265;
    uint8_t *out; /* AVCC */
    size_t len, cap;
    bool in_fu;
    size_t fu_at; /* where the fragmented NAL unit's length goes */
    int errors;
    size_t fu_sizes[64]; /* payload bytes of each fragment of the last fragmented NAL unit */
    size_t fu_count;
    size_t aggregates; /* STAP-A / AP packets seen */
} depacketizer;

static void put_nal(depacketizer *d, const uint8_t *p, size_t n)
{
    if (d->len + 4 + n > d->cap) {
        d->errors++;
        return;
    }
    d->out[d->len] = (uint8_t)(n >> 24);
    d->out[d->len + 1] = (uint8_t)(n >> 16);
    d->out[d->len + 2] = (uint8_t)(n >> 8);
    d->out[d->len + 3] = (uint8_t)n;
    memcpy(d->out + d->len + 4, p, n);
    d->len += 4 + n;
}

static void append(depacketizer *d, const uint8_t *p, size_t n)
{
    if (d->len + n > d->cap) {
        d->errors++;
        return;
    }
    memcpy(d->out + d->len, p, n);
    d->len += n;
}

/* STAP-A (RFC 6184 5.7.1) or AP (RFC 7798 4.4.2, no DONL): 16-bit sizes and NAL units. */
static void depacketize_aggregate(depacketizer *d, const uint8_t *pl, size_t n)
{
    size_t header_len = d->h265 ? 2 : 1;
    size_t pos = header_len, units = 0;
    unsigned f = 0, nri = 0, layer_id = 63, tid = 7;
    d->aggregates++;
    while (pos < n) {
        if (n - pos < 2) {
            d->errors++;
            return;
        }
        size_t size = be16(pl + pos);
        pos += 2;
        if (size < header_len || size > n - pos) {
            d->errors++;
            return;
        }
        const uint8_t *nal = pl + pos;
        f |= nal[0] & 0x80u;
        if (d->h265) {
            unsigned l = (nal[0] & 1u) << 5 | nal[1] >> 3, t = nal[1] & 7u;
            layer_id = l < layer_id ? l : layer_id;
            tid = t < tid ? t : tid;
        } else if ((nal[0] & 0x60u) > nri) {
            nri = nal[0] & 0x60u;
        }
        put_nal(d, nal, size);
        pos += size;
        units++;
    }
    /* An aggregation packet aggregates: at least two units here. */
    if (units < 2)
        d->errors++;
    if (d->h265) {
        if ((pl[0] & 0x80u) != f || ((pl[0] & 1u) << 5 | pl[1] >> 3) != layer_id ||
            (pl[1] & 7u) != tid)
            d->errors++;
    } else if ((pl[0] & 0xe0u) != (f | nri)) {
        d->errors++;
    }
}

/* FU-A (RFC 6184 5.8) or FU (RFC 7798 4.4.3). */
static void depacketize_fu(depacketizer *d, const uint8_t *pl, size_t n)
{
    size_t header_len = d->h265 ? 2 : 1;
    if (n <= header_len + 1) { /* an FU carries at least one byte */
        d->errors++;
        return;
    }
    uint8_t fu = pl[header_len];
    bool start = fu & 0x80u, end = fu & 0x40u;
    if (start && end) /* RFC 6184 5.8: never both */
        d->errors++;
    if (!d->h265 && (fu & 0x20u)) /* R must be 0 */
        d->errors++;
    if (start) {
        if (d->in_fu)
            d->errors++;
        d->in_fu = true;
        d->fu_at = d->len;
        d->fu_count = 0;
        uint8_t zero[4] = {0};
        append(d, zero, 4);
        if (d->h265) {
            uint8_t header[2] = {(uint8_t)((pl[0] & 0x81u) | (fu & 0x3fu) << 1), pl[1]};
            append(d, header, 2);
        } else {
            uint8_t header = (uint8_t)((pl[0] & 0xe0u) | (fu & 0x1fu));
            append(d, &header, 1);
        }
    } else if (!d->in_fu) {
        d->errors++;
        return;
    }
    append(d, pl + header_len + 1, n - header_len - 1);
    if (d->fu_count < 64)
        d->fu_sizes[d->fu_count++] = n - header_len - 1;
    if (end) {
        size_t nal_len = d->len - d->fu_at - 4;
        d->out[d->fu_at] = (uint8_t)(nal_len >> 24);
        d->out[d->fu_at + 1] = (uint8_t)(nal_len >> 16);
        d->out[d->fu_at + 2] = (uint8_t)(nal_len >> 8);
        d->out[d->fu_at + 3] = (uint8_t)nal_len;
        d->in_fu = false;
    }
}

/* Reassembles packets [from, s->count) of `s` into d->out (AVCC). */
static void depacketize(depacketizer *d, const sent *s, size_t from)
{
    for (size_t i = from; i < s->count; i++) {
        const uint8_t *pl = s->data[i] + VG_RTP_HEADER_LEN;
        size_t n = s->len[i] - VG_RTP_HEADER_LEN;
        unsigned type = d->h265 ? (pl[0] >> 1) & 0x3fu : pl[0] & 0x1fu;
        bool aggregate = type == (d->h265 ? 48u : 24u);
        bool fu = type == (d->h265 ? 49u : 28u);
        if (!fu && d->in_fu) /* a fragmented NAL unit was cut short */
            d->errors++;
        if (aggregate)
            depacketize_aggregate(d, pl, n);
        else if (fu)
            depacketize_fu(d, pl, n);
        else if ((!d->h265 && type >= 1 && type <= 23) || (d->h265 && type < 48 && n >= 2))
            put_nal(d, pl, n);
        else
            d->errors++;
    }
    if (d->in_fu)
        d->errors++;
}

static depacketizer *depacketizer_new(bool h265)
{
    depacketizer *d = calloc(1, sizeof(*d));
    d->h265 = h265;
    d->cap = 1u << 20;
    d->out = malloc(d->cap);
    return d;
}

static void depacketizer_reset(depacketizer *d)
{
    d->len = 0;
    d->in_fu = false;
    d->errors = 0;
    d->fu_count = 0;
    d->aggregates = 0;
}

static void depacketizer_free(depacketizer *d)
{
    free(d->out);
    free(d);
}

/* ---- building access units ---------------------------------------------------------------- */

typedef struct nal {
    const uint8_t *p;
    size_t len;
} nal;

/* Appends NAL units to `out` as AVCC; returns the new length. */
static size_t avcc_of(uint8_t *out, size_t len, const nal *nals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[len] = (uint8_t)(nals[i].len >> 24);
        out[len + 1] = (uint8_t)(nals[i].len >> 16);
        out[len + 2] = (uint8_t)(nals[i].len >> 8);
        out[len + 3] = (uint8_t)nals[i].len;
        memcpy(out + len + 4, nals[i].p, nals[i].len);
        len += 4 + nals[i].len;
    }
    return len;
}

static vg_au *au_of(const nal *nals, size_t n, uint32_t flags)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++)
        size += 4 + nals[i].len;
    vg_au *au = vg_au_create(size);
    avcc_of(au->data, 0, nals, n);
    au->flags = flags;
    return au;
}

static vg_au *au_raw(const uint8_t *data, size_t size, uint32_t flags)
{
    vg_au *au = vg_au_create(size);
    if (size)
        memcpy(au->data, data, size);
    au->flags = flags;
    return au;
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* A stand-in NAL unit of `len` bytes: its header, then bytes that never repeat the header. */
static uint8_t *make_nal(uint8_t *p, bool h265, unsigned type, size_t len, unsigned tid)
{
    if (h265) {
        p[0] = (uint8_t)(type << 1);
        p[1] = (uint8_t)(tid ? tid : 1);
    } else {
        p[0] = (uint8_t)((type == 6 || type == 9 || type == 12 ? 0 : 0x60) | type);
    }
    for (size_t i = h265 ? 2 : 1; i < len; i++)
        p[i] = (uint8_t)(rng() | 1);
    return p;
}

static vg_track *track_of(vg_codec codec, const uint8_t *config, size_t size)
{
    vg_track *t = vg_track_create(codec);
    if (config)
        vg_track_set_config(t, config, size);
    return t;
}

/* Packetizes `au` and checks the headers; returns the packetizer's result. */
static int run(vg_rtp_packetizer *p, const vg_track *t, const vg_au *au, sent *s)
{
    sent_clear(s);
    uint16_t first = p->seq;
    int ret = vg_rtp_packetize(p, t, au, TS, on_packet, s);
    check_packets(s, 0, first, TS, false, p->mtu, true);
    return ret;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_init(void)
{
    vg_rtp_packetizer p;
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_AAC, PT, SSRC, 1, 0), VG_EINVAL);
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_UNSUPPORTED, PT, SSRC, 1, 0), VG_EINVAL);
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_H264, 128, SSRC, 1, 0), VG_EINVAL);

    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 777, 0), 0);
    CHECK_INT_EQ(p.codec, VG_CODEC_H264);
    CHECK_INT_EQ(p.payload_type, PT);
    CHECK_INT_EQ(p.ssrc, SSRC);
    CHECK_INT_EQ(p.seq, 777);
    CHECK_INT_EQ(p.mtu, VG_RTP_DEFAULT_MTU);
    CHECK_INT_EQ(p.packets, 0);
    CHECK_INT_EQ(p.octets, 0);

    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_H265, PT, SSRC, 0, 20), 0);
    CHECK_INT_EQ(p.mtu, VG_RTP_MIN_MTU);
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_OPUS, PT, SSRC, 0, 9000), 0);
    CHECK_INT_EQ(p.mtu, VG_RTP_MAX_MTU);
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_PCMU, PT, SSRC, 0, 1000), 0);
    CHECK_INT_EQ(p.mtu, 1000);
    CHECK_INT_EQ(vg_rtp_packetizer_init(&p, VG_CODEC_PCMA, 127, SSRC, 0, 1500), 0);
    CHECK_INT_EQ(p.mtu, 1500);

    const uint8_t header[12] = {0x80, 0x60, 0xab, 0xcd};
    CHECK_INT_EQ(vg_rtp_seq(header), 0xabcd);
}

/*
 * A key frame without in-band parameter sets: a STAP-A of the avcC's SPS
 * and PPS first; the AUD and filler dropped; the IDR in balanced FU-As.
 */
static void test_h264_key_frame(void)
{
    static uint8_t aud[] = {0x09, 0xf0}, sei[] = {0x06, 0x05, 0x01, 0x02, 0x80};
    static uint8_t filler[64], idr[5000], expect[8192];
    make_nal(filler, false, 12, sizeof(filler), 0);
    make_nal(idr, false, 5, sizeof(idr), 0);
    const nal in[] = {{aud, 2}, {sei, 5}, {idr, sizeof(idr)}, {filler, sizeof(filler)}};
    const nal out[] = {
        {AVCC_SPS, AVCC_SPS_LEN}, {AVCC_PPS, AVCC_PPS_LEN}, {sei, 5}, {idr, sizeof(idr)}};
    size_t expect_len = avcc_of(expect, 0, out, 4);

    vg_track *t = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    vg_au *au = au_of(in, 4, VG_AU_KEY);
    sent *s = sent_new();
    depacketizer *d = depacketizer_new(false);
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1000, 1200);

    CHECK_INT_EQ(run(&p, t, au, s), 0);
    /* STAP-A, SEI, then 5000 - 1 bytes in FU-As of at most 1200 - 12 - 2. */
    CHECK_INT_EQ(s->count, 1 + 1 + 5);
    CHECK_INT_EQ(s->data[0][12] & 0x1f, 24);
    CHECK_INT_EQ(s->data[0][12] & 0xe0, 0x60); /* NRI: the larger of SPS and PPS (both 3) */
    CHECK_INT_EQ(s->len[0], 12 + 1 + 2 + AVCC_SPS_LEN + 2 + AVCC_PPS_LEN);
    CHECK_INT_EQ(s->data[1][12], 0x06);
    for (size_t i = 2; i < 7; i++) {
        CHECK_INT_EQ(s->data[i][12], 0x60 | 28); /* FU indicator: F and NRI of the IDR */
        CHECK_INT_EQ(s->data[i][13], (i == 2 ? 0x80 : 0) | (i == 6 ? 0x40 : 0) | 5);
    }
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->aggregates, 1);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);
    /* Balanced fragments: 4999 bytes in 5 differ by at most one byte. */
    CHECK_INT_EQ(d->fu_count, 5);
    for (size_t i = 0; i < d->fu_count; i++)
        CHECK(d->fu_sizes[i] == 999 || d->fu_sizes[i] == 1000);

    size_t octets = 0;
    for (size_t i = 0; i < s->count; i++)
        octets += s->len[i] - 12;
    CHECK_INT_EQ(p.packets, s->count);
    CHECK_INT_EQ(p.octets, octets);
    CHECK_INT_EQ(p.seq, 1007);

    vg_au_unref(&au);
    vg_track_unref(&t);
    sent_free(s);
    depacketizer_free(d);
}

/* In-band SPS and PPS: nothing added. Only an SPS in band: the avcC's are sent first. */
static void test_h264_in_band_parameter_sets(void)
{
    static uint8_t sps[] = {0x67, 0x42, 0x00, 0x1e, 0x99}, pps[] = {0x68, 0xce, 0x38, 0x80};
    static uint8_t idr[300], expect[1024];
    make_nal(idr, false, 5, sizeof(idr), 0);
    vg_track *t = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1, 0);

    const nal both[] = {{sps, sizeof(sps)}, {pps, sizeof(pps)}, {idr, sizeof(idr)}};
    vg_au *au = au_of(both, 3, VG_AU_KEY);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ(s->count, 3);
    depacketizer *d = depacketizer_new(false);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->aggregates, 0);
    CHECK_INT_EQ(d->len, au->size);
    CHECK(memcmp(d->out, au->data, au->size) == 0);
    depacketizer_free(d);
    vg_au_unref(&au);

    const nal sps_only[] = {{sps, sizeof(sps)}, {idr, sizeof(idr)}};
    const nal out[] = {
        {AVCC_SPS, AVCC_SPS_LEN}, {AVCC_PPS, AVCC_PPS_LEN}, {sps, sizeof(sps)}, {idr, sizeof(idr)}};
    size_t expect_len = avcc_of(expect, 0, out, 4);
    au = au_of(sps_only, 2, VG_AU_KEY);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ(s->count, 3);
    d = depacketizer_new(false);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);
    depacketizer_free(d);
    vg_au_unref(&au);

    vg_track_unref(&t);
    sent_free(s);
}

/* Not a key frame, or no avcC to take them from: the AU's NAL units alone. */
static void test_h264_without_parameter_sets(void)
{
    static uint8_t slice[2000];
    make_nal(slice, false, 1, sizeof(slice), 0);
    const nal in[] = {{slice, sizeof(slice)}};
    vg_track *with = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    vg_track *without = track_of(VG_CODEC_H264, NULL, 0);
    static const uint8_t broken[] = {0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x40, 0x67};
    vg_track *bad = track_of(VG_CODEC_H264, broken, sizeof(broken));
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1, 0);

    struct {
        const vg_track *track;
        uint32_t flags;
    } cases[] = {{with, 0}, {without, VG_AU_KEY}, {NULL, VG_AU_KEY}, {bad, VG_AU_KEY}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        vg_au *au = au_of(in, 1, cases[c].flags);
        CHECK_INT_EQ(run(&p, cases[c].track, au, s), 0);
        CHECK_INT_EQ(s->count, 2);
        depacketizer *d = depacketizer_new(false);
        depacketize(d, s, 0);
        CHECK_INT_EQ(d->errors, 0);
        CHECK_INT_EQ(d->len, au->size);
        CHECK(memcmp(d->out, au->data, au->size) == 0);
        depacketizer_free(d);
        vg_au_unref(&au);
    }
    vg_track_unref(&with);
    vg_track_unref(&without);
    vg_track_unref(&bad);
    sent_free(s);
}

/* Sequence numbers run on across the 16-bit wrap, within an AU and from one AU to the next. */
static void test_sequence_wrap(void)
{
    static uint8_t slice[10000];
    make_nal(slice, false, 1, sizeof(slice), 0);
    const nal in[] = {{slice, sizeof(slice)}};
    vg_au *au = au_of(in, 1, 0);
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 65530, 0);

    CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, TS, on_packet, s), 0);
    size_t first = s->count; /* 9999 bytes in FU-As of 1186: 9 packets */
    CHECK_INT_EQ(first, 9);
    CHECK_INT_EQ(p.seq, 3);
    CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, TS + 3600, on_packet, s), 0);
    CHECK_INT_EQ(s->count, 18);
    CHECK_INT_EQ(p.seq, 12);
    for (size_t i = 0; i < s->count; i++)
        CHECK_INT_EQ(vg_rtp_seq(s->data[i]), (uint16_t)(65530 + i));
    CHECK_INT_EQ(vg_rtp_seq(s->data[5]), 65535);
    CHECK_INT_EQ(vg_rtp_seq(s->data[6]), 0);
    /* The marker ends each AU; each AU has its own timestamp. */
    for (size_t i = 0; i < s->count; i++) {
        CHECK_INT_EQ(s->marker[i], i == first - 1 || i == s->count - 1);
        CHECK_INT_EQ(be32(s->data[i] + 4), i < first ? TS : TS + 3600);
    }
    CHECK_INT_EQ(p.packets, 18);
    CHECK_INT_EQ(p.octets, 2 * (9999 + 9 * 2));
    vg_au_unref(&au);
    sent_free(s);
}

/*
 * The smallest MTU (100: 88 payload bytes). A NAL unit of exactly 88 bytes
 * goes whole, 89 in two FU-As. An SPS too large for a STAP-A with the PPS
 * makes both go on their own, the SPS itself in FU-As.
 */
static void test_tiny_mtu(void)
{
    static uint8_t sps[95], idr[300], avcc[256], exact[88], over[89], expect[2048];
    make_nal(sps, false, 7, sizeof(sps), 0);
    make_nal(idr, false, 5, sizeof(idr), 0);
    make_nal(exact, false, 1, sizeof(exact), 0);
    make_nal(over, false, 1, sizeof(over), 0);
    static const uint8_t pps[] = {0x68, 0xce, 0x38, 0x80};
    /* avcC: version, profile, compatibility, level, 0xff (4-byte lengths), one SPS, one PPS. */
    size_t n = 0;
    const uint8_t head[] = {0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, sizeof(sps)};
    memcpy(avcc, head, sizeof(head));
    n = sizeof(head);
    memcpy(avcc + n, sps, sizeof(sps));
    n += sizeof(sps);
    avcc[n++] = 1;
    avcc[n++] = 0;
    avcc[n++] = sizeof(pps);
    memcpy(avcc + n, pps, sizeof(pps));
    n += sizeof(pps);
    vg_track *t = track_of(VG_CODEC_H264, avcc, n);
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1, 1); /* raised to 100 */
    CHECK_INT_EQ(p.mtu, 100);

    const nal in[] = {{idr, sizeof(idr)}, {exact, sizeof(exact)}, {over, sizeof(over)}};
    const nal out[] = {{sps, sizeof(sps)},
                       {pps, sizeof(pps)},
                       {idr, sizeof(idr)},
                       {exact, sizeof(exact)},
                       {over, sizeof(over)}};
    size_t expect_len = avcc_of(expect, 0, out, 5);
    vg_au *au = au_of(in, 3, VG_AU_KEY);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    /* SPS: 2 FU-As; PPS: 1; IDR: 299 bytes in 86-byte FU-As: 4; exact: 1; over: 2. */
    CHECK_INT_EQ(s->count, 2 + 1 + 4 + 1 + 2);
    CHECK_INT_EQ(s->data[0][12] & 0x1f, 28);
    CHECK_INT_EQ(s->data[2][12], 0x68);
    CHECK_INT_EQ(s->len[7], 100);
    CHECK_INT_EQ(s->data[7][12], exact[0]);
    CHECK_INT_EQ(s->data[8][13], 0x80 | 1);
    CHECK_INT_EQ(s->data[9][13], 0x40 | 1);
    depacketizer *d = depacketizer_new(false);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->aggregates, 0);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);
    depacketizer_free(d);

    /* The real SPS and PPS do fit a STAP-A at MTU 100. */
    vg_track *real = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    CHECK_INT_EQ(run(&p, real, au, s), 0);
    CHECK_INT_EQ(s->data[0][12] & 0x1f, 24);
    vg_track_unref(&real);

    vg_au_unref(&au);
    vg_track_unref(&t);
    sent_free(s);
}

/* A STAP-A of exactly the payload room (88 bytes at MTU 100) goes; one byte more does not. */
static void test_stap_a_boundary(void)
{
    static const uint8_t pps[] = {0x68, 0xce, 0x38, 0x80};
    static uint8_t sps[80], avcc[256], slice[] = {0x65, 0x88, 0x80};
    sent *s = sent_new();
    for (size_t sps_len = 79; sps_len <= 80; sps_len++) {
        make_nal(sps, false, 7, sps_len, 0);
        const uint8_t head[] = {0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, (uint8_t)sps_len};
        size_t n = sizeof(head);
        memcpy(avcc, head, n);
        memcpy(avcc + n, sps, sps_len);
        n += sps_len;
        const uint8_t pps_head[] = {0x01, 0x00, sizeof(pps)};
        memcpy(avcc + n, pps_head, 3);
        memcpy(avcc + n + 3, pps, sizeof(pps));
        n += 3 + sizeof(pps);
        vg_track *t = track_of(VG_CODEC_H264, avcc, n);
        const nal in[] = {{slice, sizeof(slice)}};
        vg_au *au = au_of(in, 1, VG_AU_KEY);
        vg_rtp_packetizer p;
        vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1, 100);
        CHECK_INT_EQ(run(&p, t, au, s), 0);
        if (sps_len == 79) { /* 1 + 2 + 79 + 2 + 4 = 88 */
            CHECK_INT_EQ(s->count, 2);
            CHECK_INT_EQ(s->len[0], 100);
            CHECK_INT_EQ(s->data[0][12] & 0x1f, 24);
        } else {
            CHECK_INT_EQ(s->count, 3);
            CHECK_INT_EQ(s->len[0], 12 + 80);
            CHECK_INT_EQ(s->data[0][12], 0x67);
        }
        depacketizer *d = depacketizer_new(false);
        depacketize(d, s, 0);
        CHECK_INT_EQ(d->errors, 0);
        depacketizer_free(d);
        vg_au_unref(&au);
        vg_track_unref(&t);
    }
    sent_free(s);
}

/* Malformed AVCC: VG_ESYNTAX, nothing emitted, the packetizer unchanged. */
static void test_malformed(void)
{
    static const uint8_t runs_past[] = {0x00, 0x00, 0x00, 0x03, 0x65, 0x88, 0x84,
                                        0x00, 0x00, 0x10, 0x00, 0x41, 0x9a, 0x00};
    static const uint8_t zero_length[] = {0x00, 0x00, 0x00, 0x02, 0x41,
                                          0x9a, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t stray[] = {0x00, 0x00, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x00};
    static const uint8_t short_length[] = {0x00, 0x00};
    struct {
        const uint8_t *p;
        size_t len;
    } cases[] = {{runs_past, sizeof(runs_past)},
                 {zero_length, sizeof(zero_length)},
                 {stray, sizeof(stray)},
                 {short_length, sizeof(short_length)}};
    vg_track *t = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    sent *s = sent_new();
    for (int codec = 0; codec < 2; codec++) {
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            vg_rtp_packetizer p;
            vg_rtp_packetizer_init(&p, codec ? VG_CODEC_H265 : VG_CODEC_H264, PT, SSRC, 42, 0);
            vg_au *au = au_raw(cases[c].p, cases[c].len, VG_AU_KEY);
            sent_clear(s);
            CHECK_INT_EQ(vg_rtp_packetize(&p, t, au, TS, on_packet, s), VG_ESYNTAX);
            CHECK_INT_EQ(s->count, 0);
            CHECK_INT_EQ(p.seq, 42);
            CHECK_INT_EQ(p.packets, 0);
            CHECK_INT_EQ(p.octets, 0);
            vg_au_unref(&au);
        }
    }
    vg_track_unref(&t);
    sent_free(s);
}

/* AUD and filler are dropped; an AU of nothing else sends nothing, not even parameter sets. */
static void test_aud_and_filler_dropped(void)
{
    static const uint8_t aud[] = {0x09, 0x10}, filler[] = {0x0c, 0xff, 0xff, 0x80};
    static const uint8_t slice[] = {0x41, 0x9a, 0x02, 0x03};
    static const uint8_t aud265[] = {0x46, 0x01, 0x30}, fd265[] = {0x4c, 0x01, 0xff, 0x80};
    vg_track *t = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    sent *s = sent_new();
    vg_rtp_packetizer p;

    vg_rtp_packetizer_init(&p, VG_CODEC_H264, PT, SSRC, 1, 0);
    const nal only[] = {{aud, sizeof(aud)}, {filler, sizeof(filler)}};
    vg_au *au = au_of(only, 2, VG_AU_KEY);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ(s->count, 0);
    CHECK_INT_EQ(p.seq, 1);
    vg_au_unref(&au);

    vg_au *empty = au_raw(NULL, 0, VG_AU_KEY);
    CHECK_INT_EQ(run(&p, t, empty, s), 0);
    CHECK_INT_EQ(s->count, 0);
    vg_au_unref(&empty);

    /* The marker goes on the slice even though dropped units follow it. */
    const nal mixed[] = {{aud, sizeof(aud)}, {slice, sizeof(slice)}, {filler, sizeof(filler)}};
    au = au_of(mixed, 3, 0);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ(s->count, 1);
    CHECK_INT_EQ(s->len[0], 12 + sizeof(slice));
    CHECK(memcmp(s->data[0] + 12, slice, sizeof(slice)) == 0);
    CHECK(s->marker[0]);
    vg_au_unref(&au);

    vg_rtp_packetizer_init(&p, VG_CODEC_H265, PT, SSRC, 1, 0);
    const nal only265[] = {{aud265, sizeof(aud265)}, {fd265, sizeof(fd265)}};
    au = au_of(only265, 2, 0);
    CHECK_INT_EQ(run(&p, NULL, au, s), 0);
    CHECK_INT_EQ(s->count, 0);
    vg_au_unref(&au);

    vg_track_unref(&t);
    sent_free(s);
}

/*
 * H.265 key frame: an AP of the hvcC's VPS, SPS and PPS first; AUD and FD
 * dropped; the IDR in FUs whose payload header keeps LayerId and TID.
 */
static void test_h265_key_frame(void)
{
    static const uint8_t aud[] = {0x46, 0x01, 0x50}, fd[] = {0x4c, 0x01, 0xff, 0xff, 0x80};
    static uint8_t idr[4000], sei[40], expect[8192];
    make_nal(idr, true, 19, sizeof(idr), 0);
    make_nal(sei, true, 40, sizeof(sei), 0);
    /* LayerId 33 (its high bit in the first byte), TID 2: the FU payload header keeps both. */
    idr[0] |= 0x01;
    idr[1] = (uint8_t)(1u << 3 | 2u);
    const nal in[] = {{aud, sizeof(aud)}, {idr, sizeof(idr)}, {fd, sizeof(fd)}, {sei, sizeof(sei)}};
    const nal out[] = {{HVCC_VPS, HVCC_VPS_LEN},
                       {HVCC_SPS, HVCC_SPS_LEN},
                       {HVCC_PPS, HVCC_PPS_LEN},
                       {idr, sizeof(idr)},
                       {sei, sizeof(sei)}};
    size_t expect_len = avcc_of(expect, 0, out, 5);
    vg_track *t = track_of(VG_CODEC_H265, hvcc_main_720p, sizeof(hvcc_main_720p));
    vg_au *au = au_of(in, 4, VG_AU_KEY);
    sent *s = sent_new();
    depacketizer *d = depacketizer_new(true);
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H265, PT, SSRC, 65535, 1200);

    CHECK_INT_EQ(run(&p, t, au, s), 0);
    /* AP; 3998 bytes in FUs of at most 1185: 4; the SEI. */
    CHECK_INT_EQ(s->count, 1 + 4 + 1);
    CHECK_INT_EQ((s->data[0][12] >> 1) & 0x3f, 48);
    CHECK_INT_EQ(s->data[0][13], 0x01); /* LayerId 0, TID 1: the lowest of the three */
    CHECK_INT_EQ(s->len[0], 12 + 2 + 2 + HVCC_VPS_LEN + 2 + HVCC_SPS_LEN + 2 + HVCC_PPS_LEN);
    for (size_t i = 1; i < 5; i++) {
        CHECK_INT_EQ(s->data[i][12], 49 << 1 | 1);
        CHECK_INT_EQ(s->data[i][13], idr[1]);
        CHECK_INT_EQ(s->data[i][14], (i == 1 ? 0x80 : 0) | (i == 4 ? 0x40 : 0) | 19);
    }
    CHECK(s->marker[5]);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->aggregates, 1);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);
    CHECK_INT_EQ(p.seq, 5);

    /* The AP still fits at the smallest MTU (82 of 88 bytes). */
    p.mtu = 100;
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ((s->data[0][12] >> 1) & 0x3f, 48);
    depacketizer_reset(d);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);

    /* A non-IRAP AU, or one carrying all three, gets none. */
    const nal all[] = {{HVCC_VPS, HVCC_VPS_LEN},
                       {HVCC_SPS, HVCC_SPS_LEN},
                       {HVCC_PPS, HVCC_PPS_LEN},
                       {idr, sizeof(idr)}};
    vg_au *inband = au_of(all, 4, VG_AU_KEY);
    p.mtu = 1200;
    CHECK_INT_EQ(run(&p, t, inband, s), 0);
    depacketizer_reset(d);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->aggregates, 0);
    CHECK_INT_EQ(d->len, inband->size);
    CHECK(memcmp(d->out, inband->data, inband->size) == 0);
    vg_au_unref(&inband);

    au->flags = 0;
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    CHECK_INT_EQ(s->count, 4 + 1);

    vg_au_unref(&au);
    vg_track_unref(&t);
    sent_free(s);
    depacketizer_free(d);
}

/* An hvcC whose SPS is too large for an AP with the others at MTU 100. */
static void test_h265_parameter_sets_apart(void)
{
    static uint8_t sps[120], hvcc[512], idr[50], expect[1024];
    make_nal(sps, true, 33, sizeof(sps), 0);
    make_nal(idr, true, 20, sizeof(idr), 0);
    /* The 720p record's 22-byte header, then three arrays of one unit each. */
    size_t n = 22;
    memcpy(hvcc, hvcc_main_720p, n);
    hvcc[n++] = 3;
    const nal sets[] = {{HVCC_VPS, HVCC_VPS_LEN}, {sps, sizeof(sps)}, {HVCC_PPS, HVCC_PPS_LEN}};
    for (size_t i = 0; i < 3; i++) {
        hvcc[n++] = (uint8_t)(0x80 | (32 + i));
        hvcc[n++] = 0;
        hvcc[n++] = 1;
        hvcc[n++] = (uint8_t)(sets[i].len >> 8);
        hvcc[n++] = (uint8_t)sets[i].len;
        memcpy(hvcc + n, sets[i].p, sets[i].len);
        n += sets[i].len;
    }
    vg_track *t = track_of(VG_CODEC_H265, hvcc, n);
    const nal in[] = {{idr, sizeof(idr)}};
    const nal out[] = {sets[0], sets[1], sets[2], {idr, sizeof(idr)}};
    size_t expect_len = avcc_of(expect, 0, out, 4);
    vg_au *au = au_of(in, 1, VG_AU_KEY);
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_H265, PT, SSRC, 9, 100);
    CHECK_INT_EQ(run(&p, t, au, s), 0);
    /* VPS; SPS 118 bytes in FUs of at most 85: 2; PPS; IDR. */
    CHECK_INT_EQ(s->count, 1 + 2 + 1 + 1);
    CHECK_INT_EQ((s->data[0][12] >> 1) & 0x3f, 32);
    CHECK_INT_EQ((s->data[1][12] >> 1) & 0x3f, 49);
    CHECK_INT_EQ(s->data[1][14], 0x80 | 33);
    CHECK_INT_EQ(s->data[2][14], 0x40 | 33);
    depacketizer *d = depacketizer_new(true);
    depacketize(d, s, 0);
    CHECK_INT_EQ(d->errors, 0);
    CHECK_INT_EQ(d->len, expect_len);
    CHECK(memcmp(d->out, expect, expect_len) == 0);
    depacketizer_free(d);
    vg_au_unref(&au);
    vg_track_unref(&t);
    sent_free(s);
}

/*
 * Random AUs at many MTUs, NAL sizes clustered around the fragmentation
 * boundaries: the reassembled stream always equals the input.
 */
static void test_random_round_trip(void)
{
    static const size_t mtus[] = {100, 101, 102, 103, 150, 576, 1200, 1499, 1500};
    static uint8_t nal_bytes[16][12000], expect[300000];
    sent *s = sent_new();
    vg_track *t264 = track_of(VG_CODEC_H264, avcc_baseline_360p, sizeof(avcc_baseline_360p));
    vg_track *t265 = track_of(VG_CODEC_H265, hvcc_main_720p, sizeof(hvcc_main_720p));
    uint16_t seq = 65000;
    for (int round = 0; round < 3000; round++) {
        bool h265 = round & 1;
        size_t mtu = mtus[rng() % (sizeof(mtus) / sizeof(mtus[0]))];
        size_t max_payload = mtu - 12;
        size_t count = 1 + rng() % 8;
        nal in[16], out[20];
        size_t n_out = 0;
        bool key = rng() % 3 == 0;
        for (size_t i = 0; i < count; i++) {
            size_t len;
            switch (rng() % 4) {
            case 0: /* around a single packet's limit */
                len = max_payload - 3 + rng() % 7;
                break;
            case 1: /* around a multiple of the fragment room */
                len = (1 + rng() % 8) * (max_payload - 3) + rng() % 5;
                break;
            case 2:
                len = 3 + rng() % 40;
                break;
            default:
                len = 1 + rng() % 11999;
                break;
            }
            if (len < 3)
                len = 3;
            static const unsigned types264[] = {1, 5, 6, 9, 12, 1, 5};
            static const unsigned types265[] = {1, 19, 21, 39, 35, 38, 0};
            unsigned type = h265 ? types265[rng() % 7] : types264[rng() % 7];
            in[i] = (nal){make_nal(nal_bytes[i], h265, type, len, 1 + rng() % 7), len};
            bool dropped = h265 ? type == 35 || type == 38 : type == 9 || type == 12;
            if (!dropped)
                out[n_out++] = in[i];
        }
        size_t expect_len = 0;
        if (n_out > 0 && key) {
            const nal sets264[] = {{AVCC_SPS, AVCC_SPS_LEN}, {AVCC_PPS, AVCC_PPS_LEN}};
            const nal sets265[] = {
                {HVCC_VPS, HVCC_VPS_LEN}, {HVCC_SPS, HVCC_SPS_LEN}, {HVCC_PPS, HVCC_PPS_LEN}};
            expect_len = h265 ? avcc_of(expect, 0, sets265, 3) : avcc_of(expect, 0, sets264, 2);
        }
        expect_len = avcc_of(expect, expect_len, out, n_out);

        vg_au *au = au_of(in, count, key ? VG_AU_KEY : 0);
        vg_rtp_packetizer p;
        vg_rtp_packetizer_init(&p, h265 ? VG_CODEC_H265 : VG_CODEC_H264, PT, SSRC, seq, mtu);
        CHECK_INT_EQ(run(&p, h265 ? t265 : t264, au, s), 0);
        CHECK_INT_EQ(p.seq, (uint16_t)(seq + s->count));
        seq = p.seq;
        depacketizer *d = depacketizer_new(h265);
        depacketize(d, s, 0);
        CHECK_INT_EQ(d->errors, 0);
        CHECK_INT_EQ(d->len, expect_len);
        CHECK(d->len == expect_len && memcmp(d->out, expect, expect_len) == 0);
        depacketizer_free(d);
        vg_au_unref(&au);
        if (vg_test_current_failed) {
            fprintf(stderr, "round %d: h265 %d mtu %zu\n", round, h265, mtu);
            break;
        }
    }
    vg_track_unref(&t264);
    vg_track_unref(&t265);
    sent_free(s);
}

/* G.711 larger than the MTU: split at samples, the timestamp advancing by each packet's samples. */
static void test_pcm_split(void)
{
    static uint8_t pcm[3000];
    for (size_t i = 0; i < sizeof(pcm); i++)
        pcm[i] = (uint8_t)(i * 7);
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_PCMU, PT, SSRC, 65535, 1200);
    vg_track *mono = vg_track_create(VG_CODEC_PCMU);
    mono->channels = 1;
    vg_au *au = au_raw(pcm, sizeof(pcm), 0);

    CHECK_INT_EQ(vg_rtp_packetize(&p, mono, au, TS, on_packet, s), 0);
    check_packets(s, 0, 65535, 0, true, 1200, false);
    CHECK_INT_EQ(s->count, 3);
    const size_t sizes[] = {1188, 1188, 624};
    size_t off = 0;
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(s->len[i], 12 + sizes[i]);
        CHECK_INT_EQ(be32(s->data[i] + 4), (uint32_t)(TS + off)); /* crosses 2^32 */
        CHECK(memcmp(s->data[i] + 12, pcm + off, sizes[i]) == 0);
        off += sizes[i];
    }
    CHECK_INT_EQ(p.octets, 3000);
    CHECK_INT_EQ(p.packets, 3);
    vg_au_unref(&au);

    /* Small enough: one packet, no marker. */
    au = au_raw(pcm, 160, 0);
    sent_clear(s);
    CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, 8000, on_packet, s), 0);
    CHECK_INT_EQ(s->count, 1);
    CHECK_INT_EQ(s->len[0], 172);
    CHECK(!s->marker[0]);
    CHECK_INT_EQ(be32(s->data[0] + 4), 8000);
    vg_au_unref(&au);

    /* PCMA stereo at MTU 101 (89 payload bytes): 88 bytes (44 sample frames) per packet. */
    vg_track *stereo = vg_track_create(VG_CODEC_PCMA);
    stereo->channels = 2;
    vg_rtp_packetizer_init(&p, VG_CODEC_PCMA, PT, SSRC, 0, 101);
    au = au_raw(pcm, 200, 0);
    sent_clear(s);
    CHECK_INT_EQ(vg_rtp_packetize(&p, stereo, au, 1000, on_packet, s), 0);
    check_packets(s, 0, 0, 0, true, 101, false);
    CHECK_INT_EQ(s->count, 3);
    CHECK_INT_EQ(s->len[0], 12 + 88);
    CHECK_INT_EQ(s->len[1], 12 + 88);
    CHECK_INT_EQ(s->len[2], 12 + 24);
    CHECK_INT_EQ(be32(s->data[0] + 4), 1000);
    CHECK_INT_EQ(be32(s->data[1] + 4), 1044);
    CHECK_INT_EQ(be32(s->data[2] + 4), 1088);
    vg_au_unref(&au);

    vg_track_unref(&mono);
    vg_track_unref(&stereo);
    sent_free(s);
}

/* Opus: one packet per AU, larger than the MTU as is, VG_ERANGE past VG_RTP_MAX_MTU. */
static void test_opus(void)
{
    static uint8_t opus[1500];
    for (size_t i = 0; i < sizeof(opus); i++)
        opus[i] = (uint8_t)(i * 13 + 1);
    sent *s = sent_new();
    vg_rtp_packetizer p;
    vg_rtp_packetizer_init(&p, VG_CODEC_OPUS, PT, SSRC, 10, 1200);
    const size_t ok_sizes[] = {1, 120, 1188, 1300, VG_RTP_MAX_MTU - 12};
    for (size_t i = 0; i < sizeof(ok_sizes) / sizeof(ok_sizes[0]); i++) {
        vg_au *au = au_raw(opus, ok_sizes[i], 0);
        sent_clear(s);
        CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, au, 48000, on_packet, s), 0);
        check_packets(s, 0, (uint16_t)(10 + i), 48000, false, VG_RTP_MAX_MTU, false);
        CHECK_INT_EQ(s->count, 1);
        CHECK_INT_EQ(s->len[0], 12 + ok_sizes[i]);
        CHECK(memcmp(s->data[0] + 12, opus, ok_sizes[i]) == 0);
        vg_au_unref(&au);
    }
    vg_au *big = au_raw(opus, VG_RTP_MAX_MTU - 11, 0);
    vg_au *empty = au_raw(NULL, 0, 0);
    sent_clear(s);
    uint16_t seq = p.seq;
    CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, big, 0, on_packet, s), VG_ERANGE);
    CHECK_INT_EQ(vg_rtp_packetize(&p, NULL, empty, 0, on_packet, s), 0);
    CHECK_INT_EQ(s->count, 0);
    CHECK_INT_EQ(p.seq, seq);
    vg_au_unref(&big);
    vg_au_unref(&empty);
    sent_free(s);
}

int main(void)
{
    VG_TEST_RUN(test_init);
    VG_TEST_RUN(test_h264_key_frame);
    VG_TEST_RUN(test_h264_in_band_parameter_sets);
    VG_TEST_RUN(test_h264_without_parameter_sets);
    VG_TEST_RUN(test_sequence_wrap);
    VG_TEST_RUN(test_tiny_mtu);
    VG_TEST_RUN(test_stap_a_boundary);
    VG_TEST_RUN(test_malformed);
    VG_TEST_RUN(test_aud_and_filler_dropped);
    VG_TEST_RUN(test_h265_key_frame);
    VG_TEST_RUN(test_h265_parameter_sets_apart);
    VG_TEST_RUN(test_random_round_trip);
    VG_TEST_RUN(test_pcm_split);
    VG_TEST_RUN(test_opus);
    return vg_test_done();
}
