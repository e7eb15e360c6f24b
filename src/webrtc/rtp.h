/*
 * rtp.h: RTP packets out of access units (RFC 3550 section 5.1 for the
 * header; RFC 6184 for H.264, RFC 7798 for H.265, RFC 3551 for PCMU/PCMA,
 * RFC 7587 for Opus). Pure: no sockets; a packetizer writes each packet into
 * a scratch buffer and hands it to a callback, which may change it in place
 * (SRTP appends its tag there: the buffer has VG_RTP_TAIL_ROOM spare bytes).
 *
 *   AU (AVCC: 4-byte lengths) ──▶ NAL units ──▶ single NAL unit packet
 *                                           └─▶ FU-A / FU fragments (> MTU)
 *   key frame: STAP-A / AP of the parameter sets (from the track's avcC /
 *   hvcC) before it, so a viewer can start at any key frame.
 */
#ifndef VG_WEBRTC_RTP_H
#define VG_WEBRTC_RTP_H

#include "codec/rtp_payload.h" /* VG_RTP_HEADER_LEN */
#include "core/au.h"
#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RTP_DEFAULT_MTU 1200 /* the whole RTP packet, header included, before SRTP */
#define VG_RTP_MIN_MTU     100  /* a smaller mtu is raised to this */
#define VG_RTP_MAX_MTU     1500 /* a larger mtu is lowered to this: the scratch buffer's size */
#define VG_RTP_TAIL_ROOM   64   /* spare bytes after a packet in the scratch buffer */

/*
 * One packet: `len` bytes at `packet`, with `cap` - `len` >= VG_RTP_TAIL_ROOM
 * bytes of room after them. Borrowed for the call. `marker` repeats the
 * header's marker bit (the last packet of a video frame).
 */
typedef void (*vg_rtp_emit_fn)(void *ctx, uint8_t *packet, size_t len, size_t cap, bool marker);

typedef struct vg_rtp_packetizer {
    vg_codec codec; /* H264, H265, PCMU, PCMA or OPUS */
    uint8_t payload_type;
    uint32_t ssrc;
    uint16_t seq;             /* the next packet's sequence number; random at start */
    size_t mtu;               /* VG_RTP_MIN_MTU..VG_RTP_MAX_MTU (init clamps it; 0: default) */
    uint64_t packets, octets; /* sent so far, payload octets as RTCP SR counts them */
} vg_rtp_packetizer;

/*
 * Sets up a packetizer for `codec` with payload type `pt` and `ssrc`; the
 * first sequence number is `first_seq` (the caller draws it at random,
 * RFC 3550 section 5.1). `mtu` is the largest RTP packet, header included,
 * before SRTP: 0 means VG_RTP_DEFAULT_MTU, other values are clamped to
 * VG_RTP_MIN_MTU..VG_RTP_MAX_MTU. Returns 0, or VG_EINVAL for a codec it
 * cannot send (AAC, unsupported) or a payload type above 127.
 */
int vg_rtp_packetizer_init(vg_rtp_packetizer *p, vg_codec codec, uint8_t pt, uint32_t ssrc,
                           uint16_t first_seq, size_t mtu);

/*
 * Packetizes one AU of `track` (the track gives the parameter sets: avcC
 * for H.264, hvcC for H.265) with RTP timestamp `rtp_timestamp`, calling
 * `emit` once per packet in order. Video: every NAL unit of the AU, with
 * the parameter sets first when the AU is a key frame (VG_AU_KEY) and does
 * not already carry them all (SPS and PPS; VPS, SPS and PPS); AUD and
 * filler NAL units are dropped; the marker bit on the last packet. A track
 * without a config that parses (or a NULL track) sends key frames as they
 * are. An AU left with no NAL units emits nothing. Audio: one packet per
 * AU (PCMU/PCMA larger than the MTU are split at sample boundaries, the
 * timestamp advancing by the samples before; an Opus packet larger than
 * the MTU goes whole, up to VG_RTP_MAX_MTU); the marker bit is never set.
 * Returns 0; VG_ESYNTAX for an AU whose NAL lengths are malformed (one runs
 * past the end, is 0, or 1..3 stray bytes are left: vg_nal_avcc_next());
 * VG_ERANGE for an Opus packet that does not fit VG_RTP_MAX_MTU. Nothing
 * is emitted on an error. PCMU/PCMA with `track->channels` > 1 split at
 * whole sampling instants (RFC 3551 4.2: one instant's channels in
 * consecutive octets; 4.1: the timestamp counts instants).
 * No allocation: each packet is built in a VG_RTP_MAX_MTU +
 * VG_RTP_TAIL_ROOM buffer on the stack (the `cap` emit sees). A
 * packetizer is used by one thread at a time; packetizers share nothing.
 */
int vg_rtp_packetize(vg_rtp_packetizer *p, const vg_track *track, const vg_au *au,
                     uint32_t rtp_timestamp, vg_rtp_emit_fn emit, void *ctx);

/* Reads the sequence number of an RTP packet (at least 12 bytes). */
uint16_t vg_rtp_seq(const uint8_t *packet);

#endif
