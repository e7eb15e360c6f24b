/*
 * rtp_payload.h: the payload structures of H.264 and H.265 over RTP, as the
 * packetizers (webrtc/rtp.c) write them and the depacketizers
 * (rtsp/depack.c) read them.
 *
 * The first byte (H.264) or two bytes (H.265) of an RTP payload are a NAL
 * unit header whose type is either a real NAL unit type (a single NAL unit
 * packet) or a payload structure type, which RFC 6184 and RFC 7798 take
 * from the range the video standards leave unspecified. vigil writes and
 * reads those below; the others (H.264 STAP-B, MTAP16, MTAP24, FU-B: the
 * interleaved mode; H.265 PACI) it neither writes nor reads.
 *
 *   H.264 (RFC 6184 5.2, Table 1)   1-23 NAL unit, 24 STAP-A, 28 FU-A
 *   H.265 (RFC 7798 4.4)            0-47 NAL unit, 48 AP (4.4.2), 49 FU (4.4.3)
 *
 * A fragmentation unit carries, after that header, an FU header whose S and
 * E bits mark the first and the last fragment of the NAL unit, and whose low
 * bits hold the type of the fragmented NAL unit:
 *
 *   H.264 FU header (RFC 6184 5.8)   |S|E|R|  Type (5) |
 *   H.265 FU header (RFC 7798 4.4.3) |S|E|  FuType (6) |
 */
#ifndef VG_CODEC_RTP_PAYLOAD_H
#define VG_CODEC_RTP_PAYLOAD_H

/* RFC 3550 5.1: the fixed RTP header, up to the SSRC (CSRCs and an extension may follow). */
#define VG_RTP_HEADER_LEN 12

/* Payload structure types: RFC 6184 5.2 (Table 1); RFC 7798 4.4.2 and 4.4.3. */
enum {
    VG_RTP_H264_STAP_A = 24, /* single-time aggregation packet */
    VG_RTP_H264_FU_A = 28,   /* fragmentation unit, non-interleaved */
    VG_RTP_H265_AP = 48,     /* aggregation packet */
    VG_RTP_H265_FU = 49,     /* fragmentation unit */
};

/* FU header S (start) and E (end) bits: RFC 6184 5.8, RFC 7798 4.4.3. */
#define VG_RTP_FU_START 0x80u
#define VG_RTP_FU_END   0x40u

#endif
