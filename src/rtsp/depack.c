/*
 * depack.c: RTP depacketizers for H.264 (RFC 6184), H.265 (RFC 7798), AAC
 * (RFC 3640 mpeg4-generic), G.711 (RFC 3551) and Opus (RFC 7587).
 *
 * DESIGN
 *
 * This runs for every packet of every camera (some 300 video packets a
 * second each), so the steady state allocates nothing and copies each
 * payload byte once: from the packet into the frame buffer, already in
 * AVCC form. Audio that arrives whole (G.711, Opus, unfragmented AAC AUs)
 * is not copied at all: the emitted frame points into the packet.
 *
 * A video frame goes through three states (`_state`):
 *
 *   NONE ──first packet of a timestamp──▶ BUILD ──marker / new timestamp──▶ emit, NONE
 *                                           │
 *     gap, broken FU, malformed, too large  ▼
 *                                          SKIP ──marker / new timestamp──▶ NONE
 *
 * SKIP exists because throwing away the bytes of a damaged frame is not
 * enough: its remaining packets would otherwise start a new frame that
 * lacks its beginning. A frame is emitted only when it ends without an
 * open fragmented NAL unit, so every frame that leaves holds only whole
 * NAL units, each one whole.
 *
 * A fragmented NAL unit (FU-A, FU) is written as its 4-byte length (a
 * placeholder), the NAL header rebuilt from the FU indicator / payload
 * header and the FU header, then each fragment's bytes appended as they
 * come; the End bit patches the length (`_fu_at` says where it is).
 *
 *   packets   [FU-A S: ind|hdr|aaaa] [FU-A: ind|hdr|bbbb] [FU-A E: ind|hdr|cc]  (marker)
 *   _buf      [len ????][nal hdr|aaaa|bbbb|cc]  ──End bit──▶  [len 0000000b][...]
 *
 * AAC reuses the states for an AU fragmented over packets: BUILD while its
 * pieces are collected in the buffer, SKIP while the pieces of one whose
 * start was lost go by.
 */
#include "rtsp/depack.h"

#include "codec/rtp_payload.h"
#include "core/bytes.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_BUFFER (64 << 10) /* the frame buffer's first size: a P frame fits */

enum {
    FRAME_NONE,  /* no frame in progress: the next packet starts one */
    FRAME_BUILD, /* building the frame of timestamp _ts in _buf */
    FRAME_SKIP,  /* throwing away the packets of timestamp _ts */
};

/*
 * A payload that breaks the frame without being malformed in itself: a
 * fragment without its start, a start (or a whole NAL unit) while a
 * fragmented one is still open. Positive, so never confused with an error.
 */
#define BROKEN 1

/* A discontinuity whose size is unknown: a new SSRC, a restarted sequence. */
#define GAP_UNKNOWN 0x10000u

/* ---- the RTP header ---------------------------------------------------------------------- */

int vg_rtp_packet_parse(const uint8_t *data, size_t len, vg_rtp_packet *out)
{
    /* RFC 3550 5.1: V(2) P X CC(4) | M PT(7) | sequence number | timestamp | SSRC | CSRC... */
    if (len < VG_RTP_HEADER_LEN || data[0] >> 6 != 2)
        return VG_ESYNTAX;
    bool padding = data[0] & 0x20u, extension = data[0] & 0x10u;
    uint8_t csrc_count = data[0] & 0x0fu;
    size_t pos = VG_RTP_HEADER_LEN + 4 * (size_t)csrc_count;
    if (pos > len)
        return VG_ESYNTAX;

    /* RFC 3550 5.3.1: a 16-bit profile, a 16-bit length in 32-bit words, the words. */
    uint16_t profile = 0;
    const uint8_t *ext = NULL;
    size_t ext_len = 0;
    if (extension) {
        if (len - pos < 4)
            return VG_ESYNTAX;
        profile = vg_load_be16(data + pos);
        ext_len = 4 * (size_t)vg_load_be16(data + pos + 2);
        pos += 4;
        if (len - pos < ext_len)
            return VG_ESYNTAX;
        ext = data + pos;
        pos += ext_len;
    }

    /*
     * RFC 3550 5.1: the last octet of the padding counts the padding
     * octets, itself included, so it is at least 1; it cannot reach back
     * into the header.
     */
    size_t end = len;
    if (padding) {
        uint8_t count = data[len - 1];
        if (count == 0 || count > len - pos)
            return VG_ESYNTAX;
        end -= count;
    }

    *out = (vg_rtp_packet){
        .payload_type = data[1] & 0x7fu,
        .marker = data[1] & 0x80u,
        .seq = vg_load_be16(data + 2),
        .timestamp = vg_load_be32(data + 4),
        .ssrc = vg_load_be32(data + 8),
        .csrc_count = csrc_count,
        .extension_profile = profile,
        .extension = ext,
        .extension_len = ext_len,
        .payload = data + pos,
        .payload_len = end - pos,
    };
    return 0;
}

/* ---- init / deinit ----------------------------------------------------------------------- */

int vg_depack_init(vg_depack *d, vg_codec codec, const vg_depack_aac *aac)
{
    *d = (vg_depack){0};
    switch (codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
    case VG_CODEC_PCMU:
    case VG_CODEC_PCMA:
    case VG_CODEC_OPUS:
        break;
    case VG_CODEC_AAC:
        /* 16 bits at most per field, so an AU header is read with plain arithmetic. */
        if (!aac || aac->size_length < 1 || aac->size_length > 16 || aac->index_length < 0 ||
            aac->index_length > 16 || aac->index_delta_length < 0 || aac->index_delta_length > 16 ||
            aac->frame_samples < 1 || aac->frame_samples > 65536)
            return VG_EINVAL;
        d->aac = *aac;
        break;
    default:
        return VG_EINVAL;
    }
    d->codec = codec;
    return 0;
}

void vg_depack_deinit(vg_depack *d)
{
    if (!d)
        return;
    free(d->_buf);
    d->_buf = NULL;
    d->_len = d->_cap = 0;
    d->_state = FRAME_NONE;
    d->_fu_open = false;
}

/* ---- the frame buffer -------------------------------------------------------------------- */

/*
 * Room for `more` bytes after the frame in progress. Doubling, so a stream
 * reaches its largest frame in a few steps and then never allocates again.
 */
static int reserve(vg_depack *d, size_t more)
{
    if (more > VG_DEPACK_MAX_FRAME - d->_len)
        return VG_ERANGE;
    size_t need = d->_len + more;
    if (need <= d->_cap)
        return 0;
    size_t cap = d->_cap ? d->_cap : FIRST_BUFFER;
    while (cap < need)
        cap *= 2;
    if (cap > VG_DEPACK_MAX_FRAME)
        cap = VG_DEPACK_MAX_FRAME;
    uint8_t *grown = realloc(d->_buf, cap);
    if (!grown)
        return VG_ENOMEM;
    d->_buf = grown;
    d->_cap = cap;
    return 0;
}

static int append(vg_depack *d, const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    int ret = reserve(d, n);
    if (ret < 0)
        return ret;
    memcpy(d->_buf + d->_len, p, n);
    d->_len += n;
    return 0;
}

/* Throws away the frame in progress; a frame that was begun is counted. */
static void drop_frame(vg_depack *d)
{
    if (d->_state == FRAME_BUILD)
        d->dropped_frames++;
    d->_state = FRAME_NONE;
    d->_len = 0;
    d->_fu_open = false;
    d->_loss = true;
}

/* After a frame went wrong at packet `pkt`: skip the rest of it, up to its marker bit. */
static void skip_rest(vg_depack *d, const vg_rtp_packet *pkt)
{
    d->_state = pkt->marker ? FRAME_NONE : FRAME_SKIP;
    d->_ts = pkt->timestamp;
}

static void emit_frame(vg_depack *d, const uint8_t *data, size_t len, uint32_t timestamp,
                       vg_depack_emit_fn emit, void *ctx)
{
    vg_depack_frame frame = {.data = data, .len = len, .timestamp = timestamp, .loss = d->_loss};
    d->frames++;
    d->_loss = false;
    emit(ctx, &frame);
}

/* ---- sequence numbers -------------------------------------------------------------------- */

/*
 * RFC 3550 A.1, simplified: a packet is taken when its sequence number is
 * the expected one or ahead of it (by less than half the space: the gap is
 * lost packets), and dropped when it is behind (a duplicate, or too late).
 * A packet far behind (more than VG_DEPACK_MAX_MISORDER) followed by its
 * successor means the sender restarted its sequence: followed from there.
 * A new SSRC is a new sender. Returns false to drop the packet; else true
 * with *gap: 0 in sequence, the count of missing packets, or GAP_UNKNOWN.
 */
static bool take_sequence(vg_depack *d, const vg_rtp_packet *pkt, uint32_t *gap)
{
    *gap = 0;
    if (d->_seq_started && pkt->ssrc == d->_ssrc) {
        uint16_t ahead = (uint16_t)(pkt->seq - d->_next_seq);
        if (ahead < 0x8000u) {
            *gap = ahead;
            d->lost += ahead;
        } else {
            uint16_t behind = (uint16_t)(d->_next_seq - pkt->seq);
            bool restarted = d->_probation && pkt->seq == d->_probe_seq;
            if (!restarted) {
                if (behind > VG_DEPACK_MAX_MISORDER) {
                    d->_probation = true;
                    d->_probe_seq = (uint16_t)(pkt->seq + 1);
                }
                d->late++;
                return false;
            }
            *gap = GAP_UNKNOWN;
        }
    } else if (d->_seq_started) {
        *gap = GAP_UNKNOWN;
    }
    d->_seq_started = true;
    d->_ssrc = pkt->ssrc;
    d->_next_seq = (uint16_t)(pkt->seq + 1);
    d->_probation = false;
    return true;
}

/* ---- H.264 and H.265 --------------------------------------------------------------------- */

/* One whole NAL unit: its 4-byte length, then its bytes. */
static int put_nal(vg_depack *d, const uint8_t *nal, size_t n)
{
    if (d->_fu_open)
        return BROKEN;
    int ret = reserve(d, 4 + n);
    if (ret < 0)
        return ret;
    vg_store_be32(d->_buf + d->_len, (uint32_t)n);
    memcpy(d->_buf + d->_len + 4, nal, n);
    d->_len += 4 + n;
    return 0;
}

/*
 * The aggregation units of a STAP-A (RFC 6184 5.7.1) or an AP without
 * DONL (RFC 7798 4.4.2): each a 16-bit size and a NAL unit of that size,
 * at least `min_nal` bytes (its header). `p` starts after the payload
 * header. Nothing may be left over: a stray byte is a size cut short.
 */
static int put_aggregate(vg_depack *d, const uint8_t *p, size_t n, size_t min_nal)
{
    if (n == 0)
        return VG_ESYNTAX;
    while (n > 0) {
        if (n < 2)
            return VG_ESYNTAX;
        size_t size = vg_load_be16(p);
        p += 2;
        n -= 2;
        if (size < min_nal || size > n)
            return VG_ESYNTAX;
        int ret = put_nal(d, p, size);
        if (ret != 0)
            return ret;
        p += size;
        n -= size;
    }
    return 0;
}

/*
 * One fragment of a fragmented NAL unit (RFC 6184 5.8, RFC 7798 4.4.3).
 * The Start fragment writes the length placeholder and the rebuilt NAL
 * header (`header`, 1 or 2 bytes); every fragment appends its bytes; the
 * End fragment patches the length. A fragment with both S and E (which
 * the RFCs forbid) is taken as a whole NAL unit: nothing is ambiguous.
 */
static int put_fragment(vg_depack *d, const uint8_t *header, size_t header_len, bool start,
                        bool end, const uint8_t *p, size_t n)
{
    int ret;
    if (start) {
        if (d->_fu_open)
            return BROKEN; /* the open NAL unit lost its end */
        if ((ret = reserve(d, 4 + header_len + n)) < 0)
            return ret;
        d->_fu_at = d->_len;
        memcpy(d->_buf + d->_len + 4, header, header_len);
        d->_len += 4 + header_len;
        d->_fu_open = true;
    } else if (!d->_fu_open) {
        return BROKEN; /* its start was lost */
    }
    if ((ret = append(d, p, n)) < 0)
        return ret;
    if (end) {
        vg_store_be32(d->_buf + d->_fu_at, (uint32_t)(d->_len - d->_fu_at - 4));
        d->_fu_open = false;
    }
    return 0;
}

/* RFC 6184 5.2: the payload's first byte is a NAL unit header; its type says the structure. */
static int h264_payload(vg_depack *d, const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0; /* padding only: carries nothing */
    unsigned type = p[0] & 0x1fu;
    if (type >= 1 && type <= 23)
        return put_nal(d, p, n); /* 5.6 */
    switch (type) {
    case VG_RTP_H264_STAP_A:
        if (d->_fu_open)
            return BROKEN;
        return put_aggregate(d, p + 1, n - 1, 1);
    case VG_RTP_H264_FU_A: {
        /*
         * 5.8: FU indicator (F, NRI, 28) and FU header (S, E, R, type). The
         * NAL header is F and NRI of the indicator with the header's type.
         * A "fragment" of a payload structure type is nonsense.
         */
        if (n < 2)
            return VG_ESYNTAX;
        unsigned nal_type = p[1] & 0x1fu;
        if (nal_type == 0 || nal_type >= VG_RTP_H264_STAP_A)
            return VG_ESYNTAX;
        uint8_t header = (uint8_t)((p[0] & 0xe0u) | nal_type);
        return put_fragment(d, &header, 1, p[1] & VG_RTP_FU_START, p[1] & VG_RTP_FU_END, p + 2,
                            n - 2);
    }
    case 0:
    case 30:
    case 31:
        return 0; /* undefined in 5.2 (Table 1): nothing to depacketize */
    default:
        return VG_ESYNTAX; /* 25-27, 29: interleaved mode only */
    }
}

/*
 * RFC 7798 4.4: the payload header has the NAL unit header's form (F,
 * Type, LayerId, TID); its type says the structure.
 */
static int h265_payload(vg_depack *d, const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0; /* padding only: carries nothing */
    if (n < 2)
        return VG_ESYNTAX;
    unsigned type = (p[0] >> 1) & 0x3fu;
    if (type < VG_RTP_H265_AP)
        return put_nal(d, p, n); /* 4.4.1 */
    switch (type) {
    case VG_RTP_H265_AP:
        if (d->_fu_open)
            return BROKEN;
        return put_aggregate(d, p + 2, n - 2, 2);
    case VG_RTP_H265_FU: {
        /*
         * 4.4.3: the payload header (type 49, F, LayerId and TID of the
         * fragmented NAL unit) and the FU header (S, E, FuType). The NAL
         * header is the payload header with FuType in place of 49.
         */
        if (n < 3)
            return VG_ESYNTAX;
        unsigned nal_type = p[2] & 0x3fu;
        if (nal_type >= VG_RTP_H265_AP)
            return VG_ESYNTAX;
        uint8_t header[2] = {(uint8_t)((p[0] & 0x81u) | nal_type << 1), p[1]};
        return put_fragment(d, header, 2, p[2] & VG_RTP_FU_START, p[2] & VG_RTP_FU_END, p + 3,
                            n - 3);
    }
    default:
        return 0; /* PACI (50) and 51-63: not used without their extensions */
    }
}

/* The frame in progress is complete: emit it, unless it ends inside a NAL unit. */
static void finish_frame(vg_depack *d, vg_depack_emit_fn emit, void *ctx)
{
    if (d->_fu_open) {
        drop_frame(d); /* the last NAL unit never saw its End bit */
        return;
    }
    d->_state = FRAME_NONE;
    if (d->_len == 0)
        return; /* only ignored packets: nothing to give */
    size_t len = d->_len;
    d->_len = 0;
    emit_frame(d, d->_buf, len, d->_ts, emit, ctx);
}

static int push_video(vg_depack *d, const vg_rtp_packet *pkt, uint32_t gap, vg_depack_emit_fn emit,
                      void *ctx)
{
    if (gap) {
        /*
         * The lost packets may have begun the frame of this packet, so it
         * is skipped too, unless that is known not to be: a single packet
         * lost while a frame was unfinished, in a stream that marks its
         * frames' ends, and this packet of a new timestamp. That packet
         * was then the unfinished frame's last, the one with the marker.
         */
        bool next_whole =
            gap == 1 && d->_marker_seen && d->_state != FRAME_NONE && pkt->timestamp != d->_ts;
        drop_frame(d);
        if (!next_whole) {
            d->_state = FRAME_SKIP;
            d->_ts = pkt->timestamp;
        }
    }
    if (pkt->marker)
        d->_marker_seen = true;

    /* RFC 6184 5.1, RFC 7798 4.1: all packets of an AU share its timestamp. */
    if (d->_state != FRAME_NONE && pkt->timestamp != d->_ts) {
        if (d->_state == FRAME_BUILD)
            finish_frame(d, emit, ctx);
        d->_state = FRAME_NONE;
    }
    if (d->_state == FRAME_SKIP) {
        if (pkt->marker)
            d->_state = FRAME_NONE;
        return 0;
    }
    if (d->_state == FRAME_NONE) {
        d->_state = FRAME_BUILD;
        d->_ts = pkt->timestamp;
    }

    int ret = d->codec == VG_CODEC_H264 ? h264_payload(d, pkt->payload, pkt->payload_len)
                                        : h265_payload(d, pkt->payload, pkt->payload_len);
    if (ret != 0) {
        if (ret == VG_ESYNTAX)
            d->malformed++;
        drop_frame(d);
        skip_rest(d, pkt);
        return ret == BROKEN ? 0 : ret;
    }
    if (pkt->marker)
        finish_frame(d, emit, ctx);
    return 0;
}

/* ---- AAC --------------------------------------------------------------------------------- */

/*
 * `n` bits (n <= 16) at bit `pos` of `p`, most significant first. The
 * caller has checked that they lie within the buffer.
 */
static unsigned read_bits(const uint8_t *p, size_t pos, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++, pos++)
        v = v << 1 | ((p[pos >> 3] >> (7 - (pos & 7))) & 1u);
    return v;
}

/*
 * RFC 3640 3.2.1: AU-headers-length (16 bits, the size of the AU headers
 * in bits), then the AU headers: AU-size and AU-Index for the first,
 * AU-size and AU-Index-delta for each one after, padded to a whole byte.
 * The AU data section (3.2.3) follows. Checks the lengths, and that the
 * AUs fit the packet unless it holds one AU, which may be a fragment.
 */
typedef struct aac_packet {
    const uint8_t *headers; /* the first AU header */
    size_t count;           /* AU headers */
    const uint8_t *data;    /* the AU data section */
    size_t data_len;
    size_t first_size; /* the first AU's AU-size */
} aac_packet;

static int aac_parse(const vg_depack_aac *a, const uint8_t *p, size_t n, aac_packet *out)
{
    if (n < 2)
        return VG_ESYNTAX;
    size_t bits = vg_load_be16(p);
    size_t first = (size_t)(a->size_length + a->index_length);
    size_t rest = (size_t)(a->size_length + a->index_delta_length);
    if (bits < first || (bits - first) % rest != 0)
        return VG_ESYNTAX;
    size_t header_bytes = (bits + 7) / 8;
    if (header_bytes > n - 2)
        return VG_ESYNTAX;
    out->headers = p + 2;
    out->count = 1 + (bits - first) / rest;
    out->data = p + 2 + header_bytes;
    out->data_len = n - 2 - header_bytes;
    out->first_size = read_bits(out->headers, 0, a->size_length);
    if (out->count == 1)
        return 0;
    /* Several AUs: each whole in this packet (3.2.3: only a lone AU is fragmented). */
    size_t total = 0, pos = 0;
    for (size_t i = 0; i < out->count; i++) {
        total += read_bits(out->headers, pos, a->size_length);
        if (total > out->data_len)
            return VG_ESYNTAX;
        pos += i == 0 ? first : rest;
    }
    return 0;
}

/* Each whole AU of the packet, straight from its bytes, each with its own timestamp. */
static void aac_emit_all(vg_depack *d, const vg_rtp_packet *pkt, const aac_packet *ap,
                         vg_depack_emit_fn emit, void *ctx)
{
    const vg_depack_aac *a = &d->aac;
    const uint8_t *au = ap->data;
    size_t pos = 0;
    uint32_t index = 0;
    for (size_t i = 0; i < ap->count; i++) {
        size_t size = read_bits(ap->headers, pos, a->size_length);
        pos += (size_t)a->size_length;
        if (i == 0) {
            /*
             * 3.1: the RTP timestamp is that of the first AU; its AU-Index
             * (3.2.1.1) is a serial number for interleaving, not an offset.
             */
            pos += (size_t)a->index_length;
        } else {
            /* 3.2.1.1: AU-Index-delta is the distance to the previous AU's index, minus 1. */
            index += read_bits(ap->headers, pos, a->index_delta_length) + 1;
            pos += (size_t)a->index_delta_length;
        }
        /* RTP timestamps wrap at 2^32: unsigned arithmetic is the intended one. */
        uint32_t ts = pkt->timestamp + index * (uint32_t)a->frame_samples;
        if (size > 0)
            emit_frame(d, au, size, ts, emit, ctx);
        au += size;
    }
}

/*
 * RFC 3640 3.2.3: a packet holds whole AUs, or a fragment of one AU (one
 * AU header whose AU-size, the whole AU's, exceeds the data: 3.2.3.1).
 * Fragments share the AU's timestamp; 3.1: the marker bit is set on a
 * packet that ends with "the final fragment of a fragmented Access Unit or
 * one or more complete Access Units".
 */
static int push_aac(vg_depack *d, const vg_rtp_packet *pkt, uint32_t gap, vg_depack_emit_fn emit,
                    void *ctx)
{
    if (gap)
        drop_frame(d); /* a fragmented AU in progress lost a piece */

    aac_packet ap;
    if (aac_parse(&d->aac, pkt->payload, pkt->payload_len, &ap) < 0) {
        d->malformed++;
        /* Its AUs are lost; if it was a piece of a fragmented AU, the rest must not follow. */
        drop_frame(d);
        skip_rest(d, pkt);
        return VG_ESYNTAX;
    }
    bool fragment = ap.count == 1 && ap.first_size > ap.data_len;

    if (gap && fragment) {
        /* It may be a piece of an AU whose start was lost: skip the pieces of its timestamp. */
        skip_rest(d, pkt);
        return 0;
    }
    if (d->_state == FRAME_SKIP) {
        if (pkt->timestamp == d->_ts) {
            /* More pieces of an AU thrown away, whatever their AU headers claim. */
            if (pkt->marker)
                d->_state = FRAME_NONE;
            return 0;
        }
        d->_state = FRAME_NONE;
    }

    int ret;
    if (!fragment) {
        if (d->_state == FRAME_BUILD && pkt->timestamp == d->_ts) {
            /*
             * Whole AUs at the timestamp of an unfinished fragmented one:
             * a sender that puts the fragment's size in AU-size (not the
             * whole AU's) looks like this. Its "AU" would be a piece.
             */
            ret = VG_ESYNTAX;
            goto fail;
        }
        if (d->_state == FRAME_BUILD)
            drop_frame(d); /* a fragmented AU cut short */
        aac_emit_all(d, pkt, &ap, emit, ctx);
        return 0;
    }

    if (d->_state == FRAME_BUILD && (pkt->timestamp != d->_ts || ap.first_size != d->_aac_au_size))
        drop_frame(d); /* another AU began before this one ended */
    if (d->_state == FRAME_NONE) {
        if (pkt->marker) {
            /* A lone AU announced longer than the packet, and no more to come. */
            ret = VG_ESYNTAX;
            goto fail;
        }
        d->_state = FRAME_BUILD;
        d->_ts = pkt->timestamp;
        d->_aac_au_size = ap.first_size;
        d->_len = 0;
    } else if (ap.data_len > d->_aac_au_size - d->_len) {
        ret = VG_ESYNTAX; /* more pieces than the AU's size */
        goto fail;
    }
    if ((ret = append(d, ap.data, ap.data_len)) < 0)
        goto fail;
    if (d->_len == d->_aac_au_size) {
        size_t len = d->_len;
        d->_len = 0;
        d->_state = FRAME_NONE;
        emit_frame(d, d->_buf, len, d->_ts, emit, ctx);
    } else if (pkt->marker) {
        ret = VG_ESYNTAX; /* the last fragment, and the AU is not whole */
        goto fail;
    }
    return 0;

fail:
    if (ret == VG_ESYNTAX)
        d->malformed++;
    drop_frame(d);
    skip_rest(d, pkt);
    return ret;
}

/* ---- push -------------------------------------------------------------------------------- */

int vg_depack_push(vg_depack *d, const vg_rtp_packet *pkt, vg_depack_emit_fn emit, void *ctx)
{
    d->packets++;
    uint32_t gap;
    if (!take_sequence(d, pkt, &gap))
        return 0;

    switch (d->codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
        return push_video(d, pkt, gap, emit, ctx);
    case VG_CODEC_AAC:
        return push_aac(d, pkt, gap, emit, ctx);
    case VG_CODEC_PCMU:
    case VG_CODEC_PCMA:
    case VG_CODEC_OPUS:
        /* RFC 3551 4.5.14, RFC 7587 4.2: the payload is the frame. */
        if (gap)
            d->_loss = true;
        if (pkt->payload_len > 0)
            emit_frame(d, pkt->payload, pkt->payload_len, pkt->timestamp, emit, ctx);
        return 0;
    default:
        return VG_EINVAL; /* not init'ed */
    }
}
