/*
 * rtp.c: RTP packetizers for H.264 (RFC 6184), H.265 (RFC 7798), G.711
 * (RFC 3551) and Opus (RFC 7587).
 *
 * DESIGN
 *
 * This runs for every viewer and every packet, so it allocates nothing and
 * touches each payload byte once, with memcpy from the AU into the packet.
 *
 * A video AU is walked twice by its 4-byte NAL lengths (not byte by byte):
 * the first walk checks every length, so that a malformed AU emits nothing
 * rather than half a frame, and finds the last NAL unit that will be sent
 * (its last packet carries the marker bit) and whether the AU carries its
 * own parameter sets; the second walk sends. A key frame that needs the
 * parameter sets parses the track's avcC / hvcC each time (about 9 KB of
 * views on the stack for avcC, once a GOP) rather than caching views into
 * a track the caller may swap for a new one.
 *
 * Every packet is built whole in one buffer on the stack: the 12-byte
 * header, the payload header (FU indicator and header, STAP-A / AP
 * header), the payload. The emit callback may change the buffer (SRTP
 * encrypts the payload in place and appends its tag), so nothing is kept
 * from one packet to the next, not even the FU indicator.
 *
 *   single NAL unit   [RTP 12][NAL header | payload .................]
 *   FU-A (H.264)      [RTP 12][F|NRI|28][S|E|R|type][NAL payload part]
 *   FU (H.265)        [RTP 12][F|49|LayerId|TID (2)][S|E|type][part ]
 *   STAP-A / AP       [RTP 12][header (1 / 2)][size 16][NAL][size 16][NAL]...
 */
#include "webrtc/rtp.h"

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "codec/rtp_payload.h"
#include "core/bytes.h"
#include "core/error.h"

#include <string.h>

/* Which parameter sets an AU carries. */
enum {
    HAVE_VPS = 1u << 0,
    HAVE_SPS = 1u << 1,
    HAVE_PPS = 1u << 2,
};

/* One vg_rtp_packetize() call: where its packets are built and where they go. */
typedef struct packet_writer {
    vg_rtp_packetizer *p;
    uint32_t timestamp;
    vg_rtp_emit_fn emit;
    void *ctx;
    size_t max_payload; /* mtu minus the RTP header */
    uint8_t buf[VG_RTP_MAX_MTU + VG_RTP_TAIL_ROOM];
} packet_writer;

static size_t clamp_mtu(size_t mtu)
{
    if (mtu == 0)
        return VG_RTP_DEFAULT_MTU;
    if (mtu < VG_RTP_MIN_MTU)
        return VG_RTP_MIN_MTU;
    if (mtu > VG_RTP_MAX_MTU)
        return VG_RTP_MAX_MTU;
    return mtu;
}

int vg_rtp_packetizer_init(vg_rtp_packetizer *p, vg_codec codec, uint8_t pt, uint32_t ssrc,
                           uint16_t first_seq, size_t mtu)
{
    switch (codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
    case VG_CODEC_PCMU:
    case VG_CODEC_PCMA:
    case VG_CODEC_OPUS:
        break;
    default:
        return VG_EINVAL;
    }
    /* RFC 3550 5.1: the payload type is 7 bits. */
    if (pt > 127)
        return VG_EINVAL;
    *p = (vg_rtp_packetizer){
        .codec = codec,
        .payload_type = pt,
        .ssrc = ssrc,
        .seq = first_seq,
        .mtu = clamp_mtu(mtu),
    };
    return 0;
}

uint16_t vg_rtp_seq(const uint8_t *packet)
{
    return vg_load_be16(packet + 2);
}

static inline uint8_t *payload_of(packet_writer *w)
{
    return w->buf + VG_RTP_HEADER_LEN;
}

/*
 * Writes the header in front of the `payload_len` bytes already at
 * payload_of(w) and emits the packet. RFC 3550 5.1: V=2, P=0, X=0, CC=0;
 * the sequence number grows by one per packet and wraps at 2^16.
 */
static void send_packet(packet_writer *w, size_t payload_len, uint32_t timestamp, bool marker)
{
    vg_rtp_packetizer *p = w->p;
    uint8_t *b = w->buf;
    b[0] = 0x80;
    b[1] = (uint8_t)(marker ? 0x80u | p->payload_type : p->payload_type);
    vg_store_be16(b + 2, p->seq);
    vg_store_be32(b + 4, timestamp);
    vg_store_be32(b + 8, p->ssrc);
    p->seq++;
    p->packets++;
    p->octets += payload_len; /* RFC 3550 6.4.1: payload octets, header and padding not counted */
    w->emit(w->ctx, b, VG_RTP_HEADER_LEN + payload_len, sizeof(w->buf), marker);
}

/* ---- video ------------------------------------------------------------------------------- */

/*
 * Sends one NAL unit: whole in a single NAL unit packet when it fits
 * (RFC 6184 5.6, RFC 7798 4.4.1), else in fragmentation units. `last`: it
 * ends the AU, so its last packet carries the marker bit (RFC 6184 5.1,
 * RFC 7798 4.1).
 */
static void send_nal(packet_writer *w, bool h265, vg_nal nal, bool last)
{
    uint8_t *out = payload_of(w);
    if (nal.len <= w->max_payload) {
        memcpy(out, nal.p, nal.len);
        send_packet(w, nal.len, w->timestamp, last);
        return;
    }
    /*
     * RFC 6184 5.8 (FU-A): the FU indicator keeps F and NRI of the NAL
     * header with type 28; the FU header has S, E, R=0 and the NAL type;
     * the NAL header itself is not sent, the receiver rebuilds it.
     * RFC 7798 4.4.3 (FU): the 2-byte payload header is the NAL header with
     * type 49 (F, LayerId and TID kept); the FU header has S, E and the type.
     */
    size_t nal_header_len = h265 ? 2 : 1;
    size_t fu_len = nal_header_len + 1;
    unsigned type = h265 ? vg_nal_h265_type(nal.p[0]) : vg_nal_h264_type(nal.p[0]);
    const uint8_t *body = nal.p + nal_header_len;
    size_t left = nal.len - nal_header_len;
    /*
     * Equal fragments (sizes differ by at most one byte) rather than full
     * ones and a runt. Since the NAL unit does not fit whole, there are at
     * least two, as RFC 6184 5.8 requires (S and E never in the same FU).
     */
    size_t room = w->max_payload - fu_len;
    size_t count = (left + room - 1) / room;
    size_t size = left / count, bigger = left % count;
    for (size_t i = 0; i < count; i++) {
        size_t n = size + (i < bigger);
        if (h265) {
            out[0] = (uint8_t)((nal.p[0] & 0x81u) | VG_RTP_H265_FU << 1);
            out[1] = nal.p[1];
        } else {
            out[0] = (uint8_t)((nal.p[0] & 0xe0u) | VG_RTP_H264_FU_A);
        }
        out[nal_header_len] =
            (uint8_t)((i == 0 ? VG_RTP_FU_START : 0) | (i == count - 1 ? VG_RTP_FU_END : 0) | type);
        memcpy(out + fu_len, body, n);
        body += n;
        send_packet(w, fu_len + n, w->timestamp, last && i == count - 1);
    }
}

/*
 * Sends the parameter sets of `n_lists` lists (SPS then PPS; VPS, SPS, PPS)
 * ahead of a key frame: together in one STAP-A (RFC 6184 5.7.1) or AP
 * (RFC 7798 4.4.2) when they fit, else each on its own (single NAL unit
 * packets, fragmented if one alone is too large). Never the marker bit.
 */
static void send_parameter_sets(packet_writer *w, bool h265, const vg_nal *const lists[],
                                const size_t counts[], size_t n_lists)
{
    size_t header_len = h265 ? 2 : 1;
    size_t total = header_len, n = 0;
    unsigned f = 0, nri = 0, layer_id = 63, tid = 7;
    for (size_t l = 0; l < n_lists; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            vg_nal nal = lists[l][i];
            if (nal.len < header_len) /* no whole NAL header: not a parameter set */
                continue;
            n++;
            total += 2 + nal.len;
            f |= nal.p[0] & 0x80u;
            if (h265) {
                unsigned nal_layer = (nal.p[0] & 1u) << 5 | nal.p[1] >> 3;
                unsigned nal_tid = nal.p[1] & 7u;
                layer_id = nal_layer < layer_id ? nal_layer : layer_id;
                tid = nal_tid < tid ? nal_tid : tid;
            } else if ((nal.p[0] & 0x60u) > nri) {
                nri = nal.p[0] & 0x60u;
            }
        }
    }
    if (n == 0)
        return;
    if (n == 1 || total > w->max_payload) {
        for (size_t l = 0; l < n_lists; l++)
            for (size_t i = 0; i < counts[l]; i++)
                if (lists[l][i].len >= header_len)
                    send_nal(w, h265, lists[l][i], false);
        return;
    }
    /*
     * RFC 6184 5.7.1: F is the OR of the F bits, NRI the largest NRI.
     * RFC 7798 4.4.2: F the OR, LayerId and TID the lowest of the units;
     * no DONL fields, as sprop-max-don-diff is 0.
     */
    uint8_t *out = payload_of(w);
    if (h265) {
        out[0] = (uint8_t)(f | VG_RTP_H265_AP << 1 | layer_id >> 5);
        out[1] = (uint8_t)((layer_id & 0x1fu) << 3 | tid);
    } else {
        out[0] = (uint8_t)(f | nri | VG_RTP_H264_STAP_A);
    }
    size_t pos = header_len;
    for (size_t l = 0; l < n_lists; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            vg_nal nal = lists[l][i];
            if (nal.len < header_len)
                continue;
            /* total <= max_payload, so each length fits in 16 bits */
            vg_store_be16(out + pos, (uint16_t)nal.len);
            memcpy(out + pos + 2, nal.p, nal.len);
            pos += 2 + nal.len;
        }
    }
    send_packet(w, pos, w->timestamp, false);
}

/* The SPS and PPS of the track's avcC; nothing when there is none that parses. */
static void send_h264_parameter_sets(packet_writer *w, const vg_track *track)
{
    vg_h264_avcc avcc;
    if (!track || !track->config ||
        vg_h264_avcc_parse(track->config, track->config_size, &avcc) < 0)
        return;
    const vg_nal *const lists[] = {avcc.sps, avcc.pps};
    const size_t counts[] = {avcc.sps_count, avcc.pps_count};
    send_parameter_sets(w, false, lists, counts, 2);
}

/*
 * The VPS, SPS and PPS of the track's hvcC; nothing when there is none that
 * parses. SEI arrays of the record (libx265 puts its version string there)
 * are not sent: decoding does not need them, and that one is 2 KB.
 */
static void send_h265_parameter_sets(packet_writer *w, const vg_track *track)
{
    vg_h265_hvcc hvcc;
    if (!track || !track->config ||
        vg_h265_hvcc_parse(track->config, track->config_size, &hvcc) < 0)
        return;
    const vg_nal *const lists[] = {hvcc.vps, hvcc.sps, hvcc.pps};
    const size_t counts[] = {hvcc.vps_count, hvcc.sps_count, hvcc.pps_count};
    send_parameter_sets(w, true, lists, counts, 3);
}

static unsigned parameter_set_bit(bool h265, vg_nal nal)
{
    if (h265) {
        switch (vg_nal_h265_type(nal.p[0])) {
        case VG_H265_NAL_VPS:
            return HAVE_VPS;
        case VG_H265_NAL_SPS:
            return HAVE_SPS;
        case VG_H265_NAL_PPS:
            return HAVE_PPS;
        default:
            return 0;
        }
    }
    switch (vg_nal_h264_type(nal.p[0])) {
    case VG_H264_NAL_SPS:
        return HAVE_SPS;
    case VG_H264_NAL_PPS:
        return HAVE_PPS;
    default:
        return 0;
    }
}

static int packetize_video(packet_writer *w, const vg_track *track, const vg_au *au)
{
    bool h265 = w->p->codec == VG_CODEC_H265;
    vg_nal_codec nal_codec = h265 ? VG_NAL_H265 : VG_NAL_H264;
    /*
     * An AUD only marks where an AU starts, which RTP already says with the
     * timestamp and the marker bit; filler data pads a constant bit rate
     * and costs a viewer bandwidth. Decoding needs neither.
     */
    const unsigned drop = VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER;
    vg_nal_avcc_iter it;
    vg_nal nal;
    const uint8_t *last = NULL;
    unsigned have = 0;
    int ret;

    vg_nal_avcc_iter_init(&it, au->data, au->size);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1) {
        if (vg_nal_is_dropped(nal_codec, drop, nal))
            continue;
        last = nal.p;
        have |= parameter_set_bit(h265, nal);
    }
    if (ret < 0)
        return VG_ESYNTAX;
    if (!last)
        return 0;

    /*
     * A viewer may join at any key frame, and a decoder needs the
     * parameter sets before it; out-of-band sprop-parameter-sets are not
     * enough, since a camera may change them mid-stream (a new track).
     */
    unsigned all = h265 ? HAVE_VPS | HAVE_SPS | HAVE_PPS : HAVE_SPS | HAVE_PPS;
    if ((au->flags & VG_AU_KEY) && (have & all) != all) {
        if (h265)
            send_h265_parameter_sets(w, track);
        else
            send_h264_parameter_sets(w, track);
    }

    vg_nal_avcc_iter_init(&it, au->data, au->size);
    while (vg_nal_avcc_next(&it, &nal) == 1) {
        if (!vg_nal_is_dropped(nal_codec, drop, nal))
            send_nal(w, h265, nal, nal.p == last);
    }
    return 0;
}

/* ---- audio ------------------------------------------------------------------------------- */

/*
 * RFC 3551 4.5.14: G.711 is one octet per sample. 4.2: the channels of
 * one sampling instant are consecutive octets; 4.1: the timestamp counts
 * sampling instants, not octets. An AU too large for one packet is split
 * between instants, each packet's timestamp that of its first instant.
 */
static int packetize_g711(packet_writer *w, const vg_track *track, const vg_au *au)
{
    size_t frame = track && track->channels > 1 ? (size_t)track->channels : 1;
    if (frame > w->max_payload)
        frame = 1;
    size_t room = w->max_payload - w->max_payload % frame;
    for (size_t off = 0; off < au->size;) {
        size_t n = au->size - off < room ? au->size - off : room;
        memcpy(payload_of(w), au->data + off, n);
        send_packet(w, n, w->timestamp + (uint32_t)(off / frame), false);
        off += n;
    }
    return 0;
}

/*
 * RFC 7587 4.2: one Opus packet per RTP packet, never split (an Opus
 * packet cannot be cut). One larger than the MTU still goes, as long as it
 * fits the scratch buffer: Opus caps a frame at 1275 bytes
 * (RFC 6716 3.4, R2), so only multi-frame packets at high bit rates come
 * near.
 */
static int packetize_opus(packet_writer *w, const vg_au *au)
{
    if (au->size == 0)
        return 0;
    if (au->size > VG_RTP_MAX_MTU - VG_RTP_HEADER_LEN)
        return VG_ERANGE;
    memcpy(payload_of(w), au->data, au->size);
    send_packet(w, au->size, w->timestamp, false);
    return 0;
}

int vg_rtp_packetize(vg_rtp_packetizer *p, const vg_track *track, const vg_au *au,
                     uint32_t rtp_timestamp, vg_rtp_emit_fn emit, void *ctx)
{
    packet_writer w;
    w.p = p;
    w.timestamp = rtp_timestamp;
    w.emit = emit;
    w.ctx = ctx;
    /* Clamped again: the struct is the caller's, and the buffer's size depends on it. */
    w.max_payload = clamp_mtu(p->mtu) - VG_RTP_HEADER_LEN;

    switch (p->codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
        return packetize_video(&w, track, au);
    case VG_CODEC_PCMU:
    case VG_CODEC_PCMA:
        return packetize_g711(&w, track, au);
    case VG_CODEC_OPUS:
        return packetize_opus(&w, au);
    default:
        return VG_EINVAL;
    }
}
