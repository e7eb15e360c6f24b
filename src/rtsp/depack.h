/*
 * depack.h: RTP depacketizers, the receiving half of what webrtc/rtp.h
 * sends: RTP packets from a camera back into whole frames (access units).
 * Pure: no sockets, no clock, no logging; one growable buffer per
 * depacketizer and nothing else on the heap.
 *
 *   datagram / '$' frame ──vg_rtp_packet_parse──▶ vg_rtp_packet (views into the bytes)
 *                                                   │
 *                              vg_depack_push ◀─────┘
 *                                   │  sequence check: gap ▶ lost, the frame in progress
 *                                   │  is thrown away, `loss` on the next frame
 *                                   ▼
 *     H.264 / H.265: NAL units ──▶ frame buffer (AVCC) ──marker / new timestamp──▶ emit
 *     AAC: AU headers ──▶ each AU straight from the packet; a fragmented AU via the buffer ▶ emit
 *     PCMU, PCMA, Opus: the payload as it is ──▶ emit
 *
 * The specifications, section by section:
 *
 *   RFC 3550 5.1   the fixed header, CSRCs, header extension, padding;
 *                  A.1 the sequence number check this follows (a
 *                  restarted sender is followed after two packets).
 *   RFC 6184       H.264, non-interleaved mode (packetization-mode 0 and
 *                  1): 5.6 single NAL unit packets (types 1-23), 5.7.1
 *                  STAP-A (24), 5.8 FU-A (28). STAP-B, MTAP16, MTAP24 and
 *                  FU-B (25-27, 29) exist only in interleaved mode: they
 *                  are malformed here. Types 0, 30, 31, undefined in
 *                  5.2 (Table 1), are ignored.
 *   RFC 7798       H.265 without DONL (sprop-max-don-diff 0): 4.4.1 single
 *                  NAL unit packets (types 0-47), 4.4.2 AP (48), 4.4.3
 *                  FU (49). PACI (50) and types 51-63 are ignored.
 *   RFC 6184 5.1,  an access unit ends at the packet with the marker bit;
 *   RFC 7798 4.1   as some cameras never set it, a packet with another
 *                  timestamp ends it too (all packets of an AU share one),
 *                  which delays each frame of such a camera until the
 *                  first packet of the next.
 *   RFC 3640       mpeg4-generic (AAC-hbr, AAC-lbr): 3.1 the timestamp
 *                  (the first AU's) and the marker bit, 3.2.1 the AU
 *                  header section, 3.2.3 the AU data section, 3.2.3.1 an
 *                  AU fragmented over packets (one AU header per packet,
 *                  its AU-size that of the whole AU, the marker bit on
 *                  the last fragment); 3.3.5 and 3.3.6 the two AAC modes.
 *   RFC 3551 4.5.14  PCMU and PCMA: one octet per sample, no framing.
 *   RFC 7587 4.2   Opus: one Opus packet per RTP packet.
 *
 * Video frames leave as AVCC (4-byte big-endian NAL lengths, codec/nal.h),
 * vigil's AU payload: each NAL unit is written into the frame buffer once,
 * behind its length; the pieces of a fragmented NAL unit are appended in
 * place and its length patched when the End bit comes. The buffer grows to
 * the largest frame seen (up to VG_DEPACK_MAX_FRAME) and is then reused, so
 * a stream in its steady state costs no allocation per frame or packet.
 *
 * Loss. A frame is either emitted whole or not at all: a sequence gap, a
 * fragment without its start (or a start while another NAL unit is still
 * open), a malformed payload, or a frame outgrowing VG_DEPACK_MAX_FRAME
 * throws the frame in progress away, and the packets of its timestamp that
 * follow, up to its marker bit or a new timestamp; the next frame emitted
 * carries `loss`, so that the caller can make its decoder (or a recorder)
 * wait for a key frame. After a gap the lost packets may have been the
 * first of the next frame too: that frame is thrown away as well, except
 * in the one case where it is known to be whole (a single packet lost, and
 * it was the missing last packet, the one with the marker bit, of the frame
 * in progress, in a stream that sets the marker bit). AAC packets of whole
 * AUs stand alone and are emitted after a gap too; only the pieces of a
 * fragmented AU are skipped. Packets are taken in sequence order only;
 * one that arrives behind the expected sequence number (a duplicate, or
 * reordered after a gap was already declared) is dropped: over TCP (RTSP
 * interleaved) that never happens, over UDP a caller that wants reordering
 * puts a jitter buffer before this.
 *
 * A depacketizer belongs to one RTP stream (one SSRC of one track) and is
 * used by one thread at a time; depacketizers share nothing. A packet with
 * another SSRC is taken for a new sender (a camera that restarted its
 * encoder): the frame in progress is dropped, its sequence is followed.
 */
#ifndef VG_RTSP_DEPACK_H
#define VG_RTSP_DEPACK_H

#include "core/track.h" /* vg_codec */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the RTP header ---------------------------------------------------------------------- */

/*
 * One RTP packet's header fields, with views into the caller's bytes
 * (RFC 3550 5.1). The views live as long as those bytes.
 */
typedef struct vg_rtp_packet {
    uint8_t payload_type; /* 7 bits */
    bool marker;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint8_t csrc_count; /* CC: the CSRCs themselves are skipped */
    /*
     * The header extension (RFC 3550 5.3.1; RFC 8285's one- and two-byte
     * forms are profiles 0xBEDE and 0x100X) when X is set: its 16-bit
     * profile and its body of 4 * length bytes. ONVIF replay puts its NTP
     * time here (profile 0xABAC). `extension` is NULL when X is clear.
     */
    uint16_t extension_profile;
    const uint8_t *extension;
    size_t extension_len;
    const uint8_t *payload; /* after CSRCs and the header extension; padding removed */
    size_t payload_len;     /* may be 0 (a padding-only packet) */
} vg_rtp_packet;

/*
 * Parses the `len` bytes at `data` (one whole RTP packet: a UDP datagram,
 * or the body of an RTSP interleaved '$' frame) into *out, which then
 * points into `data`. Returns 0, or VG_ESYNTAX: version not 2, shorter
 * than 12 bytes, CSRCs / extension / padding running past the end, a
 * padding count of 0 or larger than what follows the header. *out is
 * written only on success. Reads nothing outside [data, data + len).
 */
int vg_rtp_packet_parse(const uint8_t *data, size_t len, vg_rtp_packet *out);

/* ---- depacketizers ----------------------------------------------------------------------- */

#define VG_DEPACK_MAX_FRAME    (8u << 20) /* a frame larger than this is dropped (VG_ERANGE) */
#define VG_DEPACK_MAX_MISORDER 100        /* RFC 3550 A.1: further behind is a restart's hint */

/* RFC 3640 parameters of an mpeg4-generic (AAC) stream, from the SDP fmtp. */
typedef struct vg_depack_aac {
    int size_length;        /* sizeLength: 13 for AAC-hbr, 6 for AAC-lbr; 1..16 */
    int index_length;       /* indexLength: 3 for AAC-hbr, 2 for AAC-lbr; 0..16 */
    int index_delta_length; /* indexDeltaLength: 3 for AAC-hbr, 2 for AAC-lbr; 0..16 */
    /*
     * Samples per AAC frame, the RTP timestamp step between the AUs of one
     * packet: 1024 (960 for the 960-sample frame length); 1..65536. The
     * RTP clock of mpeg4-generic audio is the sample rate.
     */
    int frame_samples;
    /*
     * Not here: CTSDeltaLength, DTSDeltaLength, randomAccessIndication,
     * streamStateIndication and auxiliaryDataSizeLength must be absent or
     * 0 (as AAC-hbr and AAC-lbr have them, RFC 3640 3.3.5 and 3.3.6); the
     * caller refuses a stream that declares them.
     */
} vg_depack_aac;

/* One whole frame. Everything is borrowed for the callback only. */
typedef struct vg_depack_frame {
    /*
     * video: the AU's NAL units, each after its size as a 4-byte big-endian
     * integer (AVCC), in the order received; parameter sets stay where the
     * camera put them. audio: one raw frame (an AAC raw_data_block without
     * ADTS header, G.711 bytes, an Opus packet). Never empty.
     */
    const uint8_t *data;
    size_t len;
    uint32_t timestamp; /* the RTP timestamp of this frame (AAC: of this AU) */
    /*
     * Something was lost since the previous frame emitted (or since init):
     * packets (a sequence gap), or a frame thrown away (malformed, a hole,
     * too large, out of memory). Video decoding should wait for a key frame.
     */
    bool loss;
} vg_depack_frame;

/*
 * Called once per whole frame, from inside vg_depack_push(). `frame` and the
 * bytes it points to (the depacketizer's buffer or the caller's packet) are
 * valid only during the call: copy what is kept (vg_au_create()). The
 * callback must not push into, nor deinit, the depacketizer that calls it.
 */
typedef void (*vg_depack_emit_fn)(void *ctx, const vg_depack_frame *frame);

/*
 * A depacketizer. The caller owns the struct (embed it, or keep it on the
 * stack); the fields without '_' are readable at any time, never written.
 * The counters only grow, from 0 at init.
 */
typedef struct vg_depack {
    vg_codec codec;
    vg_depack_aac aac; /* AAC: the parameters given to init; zero otherwise */

    uint64_t packets;        /* packets pushed, all of them */
    uint64_t frames;         /* frames emitted */
    uint64_t lost;           /* packets missing by sequence number */
    uint64_t late;           /* packets behind the expected sequence number: dropped */
    uint64_t malformed;      /* payloads refused with VG_ESYNTAX */
    uint64_t dropped_frames; /* frames begun and thrown away: a hole, malformed, too large */

    /* private */
    uint8_t *_buf; /* the frame buffer: NULL until a frame needs it */
    size_t _len;   /* bytes of the frame in progress in _buf */
    size_t _cap;
    uint8_t _state;      /* no frame in progress, building one, skipping one (depack.c) */
    uint32_t _ts;        /* the timestamp of the frame built or skipped */
    bool _fu_open;       /* video: a fragmented NAL unit is open in _buf ... */
    size_t _fu_at;       /* ... and its 4-byte length is at _buf + _fu_at */
    size_t _aac_au_size; /* AAC: the whole size of the fragmented AU being built */
    bool _loss;          /* `loss` for the next frame emitted */
    bool _marker_seen;   /* the sender sets the marker bit (video) */
    bool _seq_started;   /* a packet was taken: _next_seq and _ssrc hold */
    bool _probation;     /* a packet far behind came: a restart if _probe_seq follows */
    uint16_t _next_seq;  /* the sequence number expected next */
    uint16_t _probe_seq; /* the successor of that far-behind packet */
    uint32_t _ssrc;      /* the sender's; another one is a new sender */
} vg_depack;

/*
 * Sets up `d` for `codec`: H264, H265, AAC, PCMU, PCMA or OPUS. `aac` is
 * required for AAC (copied: the caller keeps its own), ignored otherwise.
 * Returns 0, or VG_EINVAL for another codec, AAC without `aac`, or a
 * parameter outside its range (see vg_depack_aac). Allocates nothing: the
 * frame buffer comes with the first frame that needs it. On an error `d`
 * is left deinit-safe (zeroed).
 */
int vg_depack_init(vg_depack *d, vg_codec codec, const vg_depack_aac *aac);

/*
 * Feeds one parsed packet of this stream, in arrival order. `pkt` and the
 * bytes it points to are borrowed for the call; `emit` is called zero or
 * more times, with `ctx`, before this returns (a frame may end here: by
 * the marker bit, or by this packet's new timestamp closing the one
 * before; one AAC packet may hold several AUs).
 * Returns 0 (the packet may still have been dropped: late, ignored type,
 * skipped after a loss); VG_ESYNTAX for a malformed payload (the packet is
 * dropped and counted in `malformed`, the frame it belonged to thrown away;
 * the depacketizer stays usable); VG_ERANGE when a frame would grow beyond
 * VG_DEPACK_MAX_FRAME (the frame is dropped); VG_ENOMEM when the buffer
 * cannot grow (the frame is dropped, the depacketizer stays usable). No
 * input makes it read outside the packet's payload.
 */
int vg_depack_push(vg_depack *d, const vg_rtp_packet *pkt, vg_depack_emit_fn emit, void *ctx);

/*
 * Frees the frame buffer; a frame in progress is dropped without emit. The
 * counters and `codec` stay readable (for a last log line); `d` may be
 * init'ed again afterwards, which zeroes them. NULL-safe and idempotent (on
 * a struct that init set up, or a zeroed one). Init over a depacketizer
 * that was not deinit'ed leaks its buffer.
 */
void vg_depack_deinit(vg_depack *d);

#endif
