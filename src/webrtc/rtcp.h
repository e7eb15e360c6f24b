/*
 * rtcp.h: the RTCP a WebRTC sender reads and writes (RFC 3550 section 6,
 * RFC 4585 section 6 for NACK and PLI, RFC 5104 section 4.3.1 for FIR,
 * draft-alvestrand-rmcat-remb for REMB). Pure: unit-tested and fuzzed alone
 * (fuzz/fuzz_rtcp.c). Packets here are plaintext: SRTCP is undone before
 * parsing and applied after writing (webrtc/srtp.h).
 */
#ifndef VG_WEBRTC_RTCP_H
#define VG_WEBRTC_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RTCP_MAX_REPORTS 31  /* report blocks kept per compound packet */
#define VG_RTCP_MAX_NACKS   256 /* lost sequence numbers kept per compound packet */
#define VG_RTCP_MAX_PLIS    8   /* media SSRCs asked for a key frame (PLI or FIR) */

typedef struct vg_rtcp_report_block {
    uint32_t ssrc; /* the source this block is about (one of ours) */
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed, sign-extended */
    uint32_t highest_seq;
    uint32_t jitter;
    uint32_t last_sr;       /* LSR: middle 32 bits of the NTP time of our last SR */
    uint32_t delay_last_sr; /* DLSR, 1/65536 s */
} vg_rtcp_report_block;

typedef struct vg_rtcp_nack {
    uint32_t media_ssrc;
    uint16_t seq; /* one lost packet, expanded from PID + BLP */
} vg_rtcp_nack;

/* Everything of interest in one compound RTCP packet. */
typedef struct vg_rtcp_info {
    size_t packets; /* RTCP packets walked */
    size_t report_count;
    vg_rtcp_report_block reports[VG_RTCP_MAX_REPORTS]; /* from SR and RR */
    size_t nack_count;
    bool nacks_truncated; /* more than VG_RTCP_MAX_NACKS: the rest were dropped */
    vg_rtcp_nack nacks[VG_RTCP_MAX_NACKS];
    size_t key_request_count;                     /* PLI and FIR together, each media SSRC once */
    uint32_t key_request_ssrcs[VG_RTCP_MAX_PLIS]; /* media SSRC of each */
    bool has_remb;
    uint64_t remb_bitrate_bps;
    bool has_bye;
} vg_rtcp_info;

/*
 * True when an RTP/RTCP datagram is RTCP (RFC 5761 section 4: with rtcp-mux
 * the second byte, as a payload type, is 192-223).
 */
bool vg_rtcp_is_rtcp(const uint8_t *buf, size_t len);

/*
 * Parses a compound RTCP packet of `len` bytes into *out. Walks every
 * packet with bounds checks (version 2, lengths within the buffer, padding
 * in range); unknown packet types are skipped. Returns 0, or VG_ESYNTAX when
 * the first packet is malformed; a malformed later packet ends the walk
 * with what was read so far kept and returns VG_ESYNTAX too.
 */
int vg_rtcp_parse(const uint8_t *buf, size_t len, vg_rtcp_info *out);

/*
 * Writes a compound packet: a Sender Report for `ssrc` (NTP timestamp
 * `ntp` in 32.32 fixed point, the RTP timestamp that matches it, the packet
 * and octet counts sent) with no report blocks, then an SDES with CNAME
 * `cname` (RFC 3550 section 6.1: every compound packet carries one;
 * NUL-terminated, borrowed). Returns the length, or 0 when `cap` is too
 * small or `cname` is longer than 255 bytes (an SDES item's limit, section
 * 6.5). 28 bytes of SR plus 4 + 4 + 2 + strlen(cname) + 1 rounded up to 4.
 */
size_t vg_rtcp_write_sender_report(uint8_t *out, size_t cap, uint32_t ssrc, uint64_t ntp,
                                   uint32_t rtp_timestamp, uint32_t packet_count,
                                   uint32_t octet_count, const char *cname);

/*
 * Writes a Receiver Report from `ssrc` with no report blocks followed by a
 * PLI (RFC 4585 section 6.3.1) for `media_ssrc`: what the load client sends
 * to ask for a key frame. Returns the length, or 0 when `cap` is too small.
 */
size_t vg_rtcp_write_pli(uint8_t *out, size_t cap, uint32_t ssrc, uint32_t media_ssrc);

/*
 * Writes a Receiver Report from `ssrc` followed by a Generic NACK (RFC 4585
 * section 6.2.1) for `count` sequence numbers of `media_ssrc` (`seqs` is
 * borrowed; any order, duplicates allowed), packed into PID+BLP items: a
 * number joins an item when it is 1 to 16 after its PID, so sorted input
 * packs best. Returns the length, or 0 when `cap` is too small or `count`
 * is 0 (a NACK holds at least one item).
 */
size_t vg_rtcp_write_nack(uint8_t *out, size_t cap, uint32_t ssrc, uint32_t media_ssrc,
                          const uint16_t *seqs, size_t count);

#endif
