/*
 * rtcp.c: compound RTCP packets (RFC 3550 section 6) and the feedback
 * messages of RFC 4585 and RFC 5104.
 *
 * DESIGN. A compound packet is RTCP packets back to back, each with the
 * same 4-byte header (RFC 3550 section 6.4.1):
 *
 *    0                   1                   2                   3
 *   |V=2|P|  count  |      PT       |     length (32-bit words - 1) |
 *
 * The parser walks them with the length of each: a packet must lie inside
 * the datagram, and what its type puts inside it (report blocks, chunks,
 * feedback items) must lie inside the packet, padding excluded. A packet
 * is checked whole before anything is taken from it, so a malformed packet
 * adds nothing to the result; the walk stops there (the next header cannot
 * be trusted either) and what the earlier packets gave is kept.
 *
 * Feedback messages (RFC 4585 section 6.1) share a second header:
 *
 *   |V=2|P|   FMT   |      PT       |            length             |
 *   |                 SSRC of packet sender                         |
 *   |                 SSRC of media source                          |
 *   :            Feedback Control Information (FCI)                 :
 *
 * PT 205 is transport-layer (FMT 1: generic NACK), PT 206 payload-specific
 * (FMT 1: PLI, FMT 4: FIR, FMT 15: application-layer, where REMB lives).
 */
#include "webrtc/rtcp.h"

#include "core/bytes.h"
#include "core/error.h"

#include <string.h>

/* Packet types (RFC 3550 section 12.1, RFC 4585 section 6.1). */
enum {
    PT_SR = 200,
    PT_RR = 201,
    PT_SDES = 202,
    PT_BYE = 203,
    PT_RTPFB = 205,
    PT_PSFB = 206,
};

/* Feedback message types (the count field of a feedback message). */
enum {
    FMT_NACK = 1, /* PT 205, RFC 4585 section 6.2.1 */
    FMT_PLI = 1,  /* PT 206, RFC 4585 section 6.3.1 */
    FMT_FIR = 4,  /* PT 206, RFC 5104 section 4.3.1 */
    FMT_AFB = 15, /* PT 206, RFC 4585 section 6.4: REMB is one */
};

#define HEADER_LEN       4
#define REPORT_BLOCK_LEN 24
#define SR_INFO_LEN      24 /* sender SSRC + sender info (RFC 3550 section 6.4.1) */
#define FB_HEADER_LEN    8  /* sender SSRC + media SSRC, after the common header */
#define SDES_CNAME       1  /* RFC 3550 section 6.5.1 */

bool vg_rtcp_is_rtcp(const uint8_t *buf, size_t len)
{
    /*
     * RFC 5761 section 4: RTCP packet types 192-223 would be RTP payload
     * types 64-95 with the marker bit set, which RTP must not use when
     * RTP and RTCP share a port.
     */
    return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/* RFC 3550 section 6.4.1: a report block, 24 bytes. */
static void add_report_blocks(vg_rtcp_info *out, const uint8_t *p, size_t count)
{
    for (size_t i = 0; i < count && out->report_count < VG_RTCP_MAX_REPORTS; i++, p += 24) {
        vg_rtcp_report_block *b = &out->reports[out->report_count++];
        b->ssrc = vg_load_be32(p);
        b->fraction_lost = p[4];
        /* "cumulative number of packets lost: 24 bits", signed (section 6.4.1) */
        uint32_t lost = vg_load_be24(p + 5);
        b->cumulative_lost = (int32_t)(lost & 0x800000 ? lost | 0xFF000000u : lost);
        b->highest_seq = vg_load_be32(p + 8);
        b->jitter = vg_load_be32(p + 12);
        b->last_sr = vg_load_be32(p + 16);
        b->delay_last_sr = vg_load_be32(p + 20);
    }
}

/* SR (section 6.4.1) and RR (section 6.4.2): `count` report blocks after the fixed part. */
static int parse_report(vg_rtcp_info *out, const uint8_t *body, size_t len, size_t count,
                        size_t fixed)
{
    /* More may follow: "profile-specific extensions" (section 6.4.1), skipped. */
    if (len < fixed + count * REPORT_BLOCK_LEN)
        return VG_ESYNTAX;
    add_report_blocks(out, body + fixed, count);
    return 0;
}

/*
 * SDES (section 6.5): `count` chunks, each an SSRC and items (type, length,
 * text) ended by a null item type and padded with nulls to 32 bits. Nothing
 * in it is kept; it is walked to check that it is what it says.
 */
static int parse_sdes(const uint8_t *body, size_t len, size_t count)
{
    size_t off = 0;
    for (size_t chunk = 0; chunk < count; chunk++) {
        if (len - off < 4)
            return VG_ESYNTAX;
        off += 4; /* SSRC/CSRC */
        for (;;) {
            if (off >= len)
                return VG_ESYNTAX;
            if (body[off] == 0) {
                /* The end of the list: skip to the next 32-bit boundary. */
                off = (off + 4) & ~(size_t)3;
                if (off > len)
                    return VG_ESYNTAX;
                break;
            }
            if (len - off < 2 || (size_t)body[off + 1] > len - off - 2)
                return VG_ESYNTAX;
            off += 2 + (size_t)body[off + 1];
        }
    }
    return 0;
}

/* BYE (section 6.6): `count` SSRCs, then an optional reason (length byte, text). */
static int parse_bye(vg_rtcp_info *out, const uint8_t *body, size_t len, size_t count)
{
    size_t ssrcs = count * 4;
    if (len < ssrcs)
        return VG_ESYNTAX;
    if (len > ssrcs && (size_t)body[ssrcs] > len - ssrcs - 1)
        return VG_ESYNTAX;
    out->has_bye = true;
    return 0;
}

/*
 * Generic NACK (RFC 4585 section 6.2.1): items of a packet ID (PID) and a
 * bitmask of following lost packets (BLP): bit i set means PID + i + 1 was
 * lost too, modulo 2^16. The FCI holds at least one item.
 */
static int parse_nack(vg_rtcp_info *out, const uint8_t *body, size_t len)
{
    if (len < FB_HEADER_LEN + 4 || (len - FB_HEADER_LEN) % 4)
        return VG_ESYNTAX;
    uint32_t media_ssrc = vg_load_be32(body + 4);
    for (size_t off = FB_HEADER_LEN; off < len; off += 4) {
        uint16_t pid = vg_load_be16(body + off), blp = vg_load_be16(body + off + 2);
        for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && !(blp & (1u << bit)))
                continue;
            if (out->nack_count == VG_RTCP_MAX_NACKS) {
                out->nacks_truncated = true;
                return 0;
            }
            out->nacks[out->nack_count].media_ssrc = media_ssrc;
            out->nacks[out->nack_count].seq = (uint16_t)(pid + bit + 1);
            out->nack_count++;
        }
    }
    return 0;
}

/* One key frame answers every request for a source, so each SSRC is kept once. */
static void add_key_request(vg_rtcp_info *out, uint32_t media_ssrc)
{
    for (size_t i = 0; i < out->key_request_count; i++) {
        if (out->key_request_ssrcs[i] == media_ssrc)
            return;
    }
    if (out->key_request_count < VG_RTCP_MAX_PLIS)
        out->key_request_ssrcs[out->key_request_count++] = media_ssrc;
}

/*
 * REMB (draft-alvestrand-rmcat-remb section 2.2), in an application-layer
 * feedback message:
 *
 *   | 'R' 'E' 'M' 'B'                                               |
 *   | Num SSRC (8) | BR Exp (6) | BR Mantissa (18)                  |
 *   | SSRC feedback, Num SSRC times                                 |
 *
 * The bitrate is mantissa * 2^exp bits per second. An application-layer
 * message that is not REMB is skipped.
 */
static int parse_afb(vg_rtcp_info *out, const uint8_t *body, size_t len)
{
    if (len < FB_HEADER_LEN + 4 || memcmp(body + FB_HEADER_LEN, "REMB", 4) != 0)
        return 0;
    if (len < FB_HEADER_LEN + 8)
        return VG_ESYNTAX;
    const uint8_t *p = body + FB_HEADER_LEN + 4;
    size_t ssrcs = p[0];
    if (len != FB_HEADER_LEN + 8 + ssrcs * 4)
        return VG_ESYNTAX;
    unsigned exp = p[1] >> 2;
    uint64_t mantissa = (uint64_t)(p[1] & 0x03) << 16 | (uint64_t)p[2] << 8 | p[3];
    /* 18 bits shifted by up to 63 may not fit: saturate rather than wrap. */
    if (mantissa != 0 && exp > 46 && (mantissa >> (64 - exp)) != 0)
        out->remb_bitrate_bps = UINT64_MAX;
    else
        out->remb_bitrate_bps = mantissa << exp;
    out->has_remb = true;
    return 0;
}

/* Payload-specific feedback (RFC 4585 section 6.3, RFC 5104 section 4.3). */
static int parse_psfb(vg_rtcp_info *out, const uint8_t *body, size_t len, unsigned fmt)
{
    if (len < FB_HEADER_LEN)
        return VG_ESYNTAX;
    switch (fmt) {
    case FMT_PLI:
        /* RFC 4585 section 6.3.1: "the length field MUST be 2", no FCI. */
        if (len != FB_HEADER_LEN)
            return VG_ESYNTAX;
        add_key_request(out, vg_load_be32(body + 4));
        return 0;
    case FMT_FIR:
        /*
         * RFC 5104 section 4.3.1.1: the media source SSRC is unused (0); the
         * FCI names each source, with a sequence number and 3 reserved bytes.
         */
        if (len < FB_HEADER_LEN + 8 || (len - FB_HEADER_LEN) % 8)
            return VG_ESYNTAX;
        for (size_t off = FB_HEADER_LEN; off < len; off += 8)
            add_key_request(out, vg_load_be32(body + off));
        return 0;
    case FMT_AFB:
        return parse_afb(out, body, len);
    default:
        return 0;
    }
}

/* One packet of `len` bytes, header included, padding already checked. */
static int parse_packet(vg_rtcp_info *out, const uint8_t *pkt, size_t len)
{
    unsigned count = pkt[0] & 0x1f;
    const uint8_t *body = pkt + HEADER_LEN;
    size_t body_len = len - HEADER_LEN;
    switch (pkt[1]) {
    case PT_SR:
        return parse_report(out, body, body_len, count, SR_INFO_LEN);
    case PT_RR:
        return parse_report(out, body, body_len, count, 4);
    case PT_SDES:
        return parse_sdes(body, body_len, count);
    case PT_BYE:
        return parse_bye(out, body, body_len, count);
    case PT_RTPFB:
        if (body_len < FB_HEADER_LEN)
            return VG_ESYNTAX;
        return count == FMT_NACK ? parse_nack(out, body, body_len) : 0;
    case PT_PSFB:
        return parse_psfb(out, body, body_len, count);
    default:
        /* Section 6.4.1 and A.2: unknown types are skipped by their length. */
        return 0;
    }
}

int vg_rtcp_parse(const uint8_t *buf, size_t len, vg_rtcp_info *out)
{
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return VG_ESYNTAX;
    size_t off = 0;
    while (off < len) {
        const uint8_t *pkt = buf + off;
        /* Section 6.4.1: "length: ... in 32-bit words minus one, including the header" */
        if (len - off < HEADER_LEN || pkt[0] >> 6 != 2)
            return VG_ESYNTAX;
        size_t pkt_len = ((size_t)vg_load_be16(pkt + 2) + 1) * 4;
        if (pkt_len > len - off)
            return VG_ESYNTAX;
        size_t content = pkt_len;
        if (pkt[0] & 0x20) {
            /*
             * Section 6.4.1: "the last octet of the padding is a count of how
             * many padding octets should be ignored, including itself"; it
             * cannot eat into the header.
             */
            size_t pad = pkt[pkt_len - 1];
            if (pad == 0 || pad > pkt_len - HEADER_LEN)
                return VG_ESYNTAX;
            content -= pad;
        }
        if (parse_packet(out, pkt, content) < 0)
            return VG_ESYNTAX;
        out->packets++;
        off += pkt_len;
    }
    return 0;
}

/* The common header of a packet of `len` bytes (a multiple of 4). */
static void write_header(uint8_t *p, unsigned count, uint8_t pt, size_t len)
{
    p[0] = (uint8_t)(0x80 | count); /* V=2, no padding */
    p[1] = pt;
    vg_store_be16(p + 2, (uint16_t)(len / 4 - 1));
}

/* An RR with no report blocks (section 6.4.2), 8 bytes: what starts a compound packet. */
static size_t write_empty_rr(uint8_t *out, uint32_t ssrc)
{
    write_header(out, 0, PT_RR, 8);
    vg_store_be32(out + 4, ssrc);
    return 8;
}

size_t vg_rtcp_write_sender_report(uint8_t *out, size_t cap, uint32_t ssrc, uint64_t ntp,
                                   uint32_t rtp_timestamp, uint32_t packet_count,
                                   uint32_t octet_count, const char *cname)
{
    size_t cname_len = strlen(cname);
    if (cname_len > 255)
        return 0;
    /* SDES: header, SSRC, CNAME item, then at least one null octet up to 32 bits */
    size_t sdes_len = (HEADER_LEN + 4 + 2 + cname_len + 1 + 3) & ~(size_t)3;
    size_t sr_len = HEADER_LEN + SR_INFO_LEN;
    if (cap < sr_len + sdes_len)
        return 0;

    /* Section 6.4.1: the SR, no report blocks (we only send). */
    uint8_t *p = out;
    write_header(p, 0, PT_SR, sr_len);
    vg_store_be32(p + 4, ssrc);
    vg_store_be32(p + 8, (uint32_t)(ntp >> 32));
    vg_store_be32(p + 12, (uint32_t)ntp);
    vg_store_be32(p + 16, rtp_timestamp);
    vg_store_be32(p + 20, packet_count);
    vg_store_be32(p + 24, octet_count);

    /* Section 6.5: one chunk with the CNAME (section 6.5.1). */
    p = out + sr_len;
    memset(p, 0, sdes_len);
    write_header(p, 1, PT_SDES, sdes_len);
    vg_store_be32(p + 4, ssrc);
    p[8] = SDES_CNAME;
    p[9] = (uint8_t)cname_len;
    memcpy(p + 10, cname, cname_len);
    return sr_len + sdes_len;
}

size_t vg_rtcp_write_pli(uint8_t *out, size_t cap, uint32_t ssrc, uint32_t media_ssrc)
{
    if (cap < 8 + HEADER_LEN + FB_HEADER_LEN)
        return 0;
    size_t len = write_empty_rr(out, ssrc);
    /* RFC 4585 section 6.3.1: no FCI, the source is the media SSRC. */
    write_header(out + len, FMT_PLI, PT_PSFB, HEADER_LEN + FB_HEADER_LEN);
    vg_store_be32(out + len + 4, ssrc);
    vg_store_be32(out + len + 8, media_ssrc);
    return len + HEADER_LEN + FB_HEADER_LEN;
}

size_t vg_rtcp_write_nack(uint8_t *out, size_t cap, uint32_t ssrc, uint32_t media_ssrc,
                          const uint16_t *seqs, size_t count)
{
    /* RFC 4585 section 6.2.1: at least one item; the length field limits the rest. */
    size_t fixed = 8 + HEADER_LEN + FB_HEADER_LEN;
    if (count == 0 || cap < fixed + 4)
        return 0;
    uint8_t *fb = out + 8;
    uint8_t *items = fb + HEADER_LEN + FB_HEADER_LEN;
    size_t item_count = 0;
    /*
     * Each sequence number joins the first item whose PID it equals or
     * follows by 1 to 16 (then it is a BLP bit), else starts a new item: any
     * order, duplicates and wrap-around at 2^16 come out right.
     */
    for (size_t i = 0; i < count; i++) {
        bool placed = false;
        for (size_t k = 0; k < item_count && !placed; k++) {
            uint16_t pid = vg_load_be16(items + 4 * k);
            uint16_t after = (uint16_t)(seqs[i] - pid);
            if (after == 0) {
                placed = true;
            } else if (after <= 16) {
                vg_store_be16(items + 4 * k + 2,
                              vg_load_be16(items + 4 * k + 2) | (uint16_t)(1u << (after - 1)));
                placed = true;
            }
        }
        if (placed)
            continue;
        if (cap - fixed < 4 * (item_count + 1) || item_count == 0xFFFF - 2)
            return 0;
        vg_store_be16(items + 4 * item_count, seqs[i]);
        vg_store_be16(items + 4 * item_count + 2, 0);
        item_count++;
    }
    size_t fb_len = HEADER_LEN + FB_HEADER_LEN + 4 * item_count;
    write_empty_rr(out, ssrc);
    write_header(fb, FMT_NACK, PT_RTPFB, fb_len);
    vg_store_be32(fb + 4, ssrc);
    vg_store_be32(fb + 8, media_ssrc);
    return 8 + fb_len;
}
