/*
 * sdp.h: the SDP of a WHEP exchange (RFC 8866 for the syntax; RFC 8829
 * (JSEP) section 5.3 for how an answer is made; RFC 8843 BUNDLE, RFC 5761
 * rtcp-mux, RFC 8839 ICE attributes, RFC 8122 fingerprint, RFC 4145 setup).
 * Pure: unit-tested and fuzzed alone (fuzz/fuzz_sdp.c).
 *
 *   browser's offer ──vg_sdp_parse──▶ vg_sdp ──vg_sdp_answer──▶ answer text
 *                                                       └──▶ vg_sdp_choice per m-line
 *
 * vigil only sends: every accepted m-line is answered a=sendonly, on one
 * BUNDLE transport, with the ICE-lite credentials and candidates given.
 */
#ifndef VG_WEBRTC_SDP_H
#define VG_WEBRTC_SDP_H

#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_SDP_MAX_MEDIA   8
#define VG_SDP_MAX_FORMATS 48
#define VG_SDP_MAX_TEXT    (64 * 1024) /* a longer offer is refused (VG_ERANGE) */

typedef enum { VG_SDP_AUDIO, VG_SDP_VIDEO, VG_SDP_APPLICATION, VG_SDP_OTHER } vg_sdp_kind;

typedef enum {
    VG_SDP_SENDRECV = 0, /* the default when no attribute says */
    VG_SDP_SENDONLY,
    VG_SDP_RECVONLY,
    VG_SDP_INACTIVE,
} vg_sdp_direction;

/* One payload format of an m-line: a=rtpmap, a=fmtp and a=rtcp-fb joined. */
typedef struct vg_sdp_format {
    uint8_t pt;
    char encoding[24]; /* "H264", "opus", "rtx"... as written */
    int clock_rate;
    int channels; /* audio: 1 when absent */
    /* the a=fmtp parameters as written, "" when none; a longer one keeps its whole
       parameters that fit (cut at a ';'), so what is kept is still well formed */
    char fmtp[256];
    bool nack, nack_pli, ccm_fir, goog_remb, transport_cc;
} vg_sdp_format;

typedef struct vg_sdp_media {
    vg_sdp_kind kind;
    char kind_name[16];    /* "video", "audio"... as written */
    int port;              /* 0: rejected, or bundled-only (with a=bundle-only) */
    bool bundle_only;      /* a=bundle-only (RFC 8843) */
    char protocol[32];     /* "UDP/TLS/RTP/SAVPF" */
    char first_format[32]; /* the m= line's first format as written ("96", "webrtc-datachannel") */
    char mid[33];
    vg_sdp_direction direction;
    size_t format_count; /* RTP m-lines only; formats past VG_SDP_MAX_FORMATS are ignored */
    vg_sdp_format formats[VG_SDP_MAX_FORMATS]; /* in the m-line's order of preference */
    bool rtcp_mux;
    /* the media's ICE and DTLS attributes, or the session's when the media has none */
    char ice_ufrag[257], ice_pwd[257];
    char fingerprint[100]; /* SHA-256 only: "AB:CD:.." */
    bool has_sha256_fingerprint;
    char setup[16]; /* "actpass", "active", "passive", "holdconn"; "" when absent */
} vg_sdp_media;

/* About 120 KB: allocate it (or make it static), don't put it on a small stack. */
typedef struct vg_sdp {
    size_t media_count;
    vg_sdp_media media[VG_SDP_MAX_MEDIA];
    char bundle_mids[VG_SDP_MAX_MEDIA][33]; /* a=group:BUNDLE */
    size_t bundle_count;
    bool ice_lite;
} vg_sdp;

/*
 * Parses an SDP of `len` bytes (no NUL needed; CRLF or LF line ends) into
 * *out. Checks v=0 first, o=, s=, m= lines well formed, ports and payload
 * types in range; attributes it does not know are skipped. On failure
 * returns VG_ESYNTAX (or VG_ERANGE: over VG_SDP_MAX_TEXT, more than
 * VG_SDP_MAX_MEDIA m-lines) with a short reason in `err` naming the line
 * ("line 7: m= line has no formats").
 */
int vg_sdp_parse(const char *text, size_t len, vg_sdp *out, char *err, size_t err_cap);

/* What vigil has to send and how it is reached. */
typedef struct vg_sdp_local {
    const char *ice_ufrag, *ice_pwd;
    const char *fingerprint;  /* SHA-256, "AB:CD:.." */
    uint16_t port;            /* the shared UDP port */
    const char *const *hosts; /* candidate addresses (IPv4/IPv6 literals or host names), in order */
    size_t host_count;
    uint64_t session_id; /* o= line */
    const char *cname;   /* a=ssrc:... cname: */
    /* the path's tracks: at most one video and one audio is sent */
    const vg_track *video; /* H.264 or H.265; NULL when none */
    /* PCMU, PCMA or Opus; NULL when none. Any other (AAC) may be given: the audio
       m-line is then answered with port 0 and a choice's reason that says why. */
    const vg_track *audio;
    uint32_t video_ssrc, audio_ssrc;
} vg_sdp_local;

/* The outcome for one m-line of the offer, in the offer's order. */
typedef struct vg_sdp_choice {
    bool accepted; /* false: answered with port 0 */
    vg_sdp_kind kind;
    /* what this m-line carries (local->video or ->audio); NULL when rejected */
    const vg_track *track;
    uint8_t pt;          /* the offered payload type chosen */
    bool nack, pli, fir; /* feedback the offer allows for it */
    /* static; why it was rejected ("the offer has no H.264 format with packetization-mode=1");
       NULL when accepted */
    const char *reason;
} vg_sdp_choice;

/*
 * Makes the answer to `offer`. Each offered audio/video m-line (in order,
 * at most one of each kind accepted) gets the local track of its kind when
 * the offer has a format for it: H.264 with packetization-mode=1 (the
 * profile-level-id closest to the track's profile: same profile_idc first,
 * then Constrained Baseline, then any, since browsers decode every profile),
 * H.265 (when offered), PCMU/8000, PCMA/8000, opus/48000/2. Other m-lines
 * (and ones with nothing in common) are rejected with port 0. The answer
 * has a=group:BUNDLE of the accepted mids, a=ice-lite, ice-ufrag/pwd,
 * fingerprint sha-256, setup:passive, rtcp-mux, sendonly, the chosen rtpmap
 * / fmtp / rtcp-fb lines, a=ssrc with cname and a=end-of-candidates after
 * one host candidate per address in `local`.
 *
 * Every accepted m-line uses one transport, so they must carry the same
 * ice-ufrag, ice-pwd and fingerprint (VG_EINVAL otherwise): the remote ICE
 * credentials and DTLS fingerprint are those of any accepted m-line.
 *
 * Returns 0 with the NUL-terminated answer (CRLF line ends) in `out` and one
 * choice per offered m-line in `choices` (room for offer->media_count). Errors, with a
 * short reason in `err`: VG_EINVAL when the offer lacks ICE credentials, a
 * SHA-256 fingerprint, rtcp-mux or BUNDLE on what would be accepted, or
 * uses setup:passive; VG_ENOENT when no m-line can be answered, mostly
 * for want of a codec ("no codec in common: the camera sends H.265, the
 * offer has H264 only");
 * VG_ERANGE when `cap` is too small (8 KB is plenty); VG_EINVAL also when
 * `local` is incomplete or has a value that would break a line (space, CR, LF).
 */
int vg_sdp_answer(const vg_sdp *offer, const vg_sdp_local *local, vg_sdp_choice *choices, char *out,
                  size_t cap, char *err, size_t err_cap);

#endif
