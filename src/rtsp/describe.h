/*
 * describe.h: the SDP a camera returns to an RTSP DESCRIBE, read into what
 * the RTSP client needs to SETUP each stream and to depacketize it.
 *
 *   DESCRIBE response body ──vg_rtsp_describe_parse──▶ vg_rtsp_description
 *     + Content-Base                                     ├─ media[i].control ──▶ SETUP
 *                                                        ├─ media[i] codec, sprops, config
 *                                                        └─ aggregate_control ─▶ PLAY
 *
 * The specifications: RFC 2326 (RTSP 1.0) appendix C for how RTSP uses SDP
 * (RFC 8866 for the syntax): C.1.1 the control URLs, C.1.2 the m= lines,
 * C.1.3 the payload types. Then what each codec's a=rtpmap and a=fmtp say:
 * RFC 6184 8.1 (H.264), RFC 7798 7.1 (H.265), RFC 3640 4.1 (AAC carried as
 * MPEG4-GENERIC), RFC 7587 7 (Opus), RFC 3551 6 (the static payload types,
 * 0 for PCMU and 8 for PCMA).
 *
 * This is not webrtc/sdp.h, which reads a browser's offer strictly so as to
 * answer it. A camera's SDP is read leniently: cameras are careless writers
 * and the only alternative to a lenient reading is no video. So:
 *   - lines end in CRLF or LF, may carry trailing spaces, the last may lack
 *     its newline; lines of unknown types and unknown attributes are skipped;
 *   - only v=0 as the first line is required of the session (no o=, s=, t=);
 *   - a=rtpmap encoding names and a=fmtp parameter names ignore case
 *     ("h264", "mpeg4-generic", Axis's "sizeLength"), spaces around ';' are
 *     fine, base64 may lack its '=' padding;
 *   - in a section, the first a=control counts, and the first a=rtpmap and
 *     a=fmtp of the payload type in use; later ones are ignored;
 *   - the port of an m= line is NOT read as "disabled" when it is 0. In
 *     offer/answer (RFC 3264 section 6) port 0 rejects a stream, but in
 *     RTSP the port is only the server's suggestion, which SETUP settles,
 *     and "if the server has no preference, it SHOULD set the port number
 *     value to zero" (RFC 2326 C.1.2): live555, GStreamer, MediaMTX,
 *     Hikvision, Dahua and Axis all write port 0 for every stream. FFmpeg
 *     and gortsplib ignore the port too.
 * What is malformed in a codec's parameters (bad base64, an SPS that does
 * not parse) empties those fields rather than failing the description,
 * since H.264 and H.265 streams repeat their parameter sets in-band. What a
 * stream cannot be depacketized or timed without (AAC's mode and
 * sizelength, Opus's 48 kHz clock, a dynamic payload type's a=rtpmap) makes
 * the codec VG_CODEC_UNSUPPORTED instead. Either way the media says why in
 * `warning`.
 *
 * Control URLs (RFC 2326 C.1.1, resolved as FFmpeg's and MediaMTX's RTSP
 * clients do in practice rather than by RFC 3986 section 5):
 *   - "rtsp://..." or "rtsps://..." (scheme in any case): used as it is;
 *   - "*": the base URL itself;
 *   - anything else is relative: the base URL, then "/" unless the base
 *     already ends in "/", then the control. The base is appended to even
 *     when it has a query: Dahua's Content-Base
 *     "rtsp://cam/cam/realmonitor?channel=1&subtype=0/" and the control
 *     "trackID=0" make ".../realmonitor?channel=1&subtype=0/trackID=0",
 *     which is what those cameras expect; and "rtsp://cam/live?ch=1" with
 *     "track1" makes "rtsp://cam/live?ch=1/track1" (FFmpeg's result too).
 * A media's relative control is resolved against the base URL, NOT against
 * the session-level control (which RFC 2326 C.1.1 would suggest): servers
 * that write both (GStreamer "a=control:*" and "stream=0"; Axis, Hikvision
 * absolute ones) mean the Content-Base, and that is what FFmpeg does. A
 * media without a=control gets the session's control resolved, or the base.
 *
 * Everything here is pure and thread-safe: no allocation, no global state.
 */
#ifndef VG_RTSP_DESCRIBE_H
#define VG_RTSP_DESCRIBE_H

#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RTSP_MAX_MEDIA      8
#define VG_RTSP_MAX_PARAM_SET  1024 /* bytes per parameter set; a larger one is dropped */
#define VG_RTSP_MAX_URL        1024 /* bytes of a control URL, its NUL included */
#define VG_RTSP_MAX_AAC_CONFIG 64   /* bytes of an AudioSpecificConfig */

/* One audio or video stream of the description: one m= section. */
typedef struct vg_rtsp_media {
    bool video_kind; /* m=video (else m=audio) */
    /*
     * H264, H265, AAC (MPEG4-GENERIC in mode AAC-hbr or AAC-lbr, with a
     * sizelength), PCMU, PCMA, OPUS (at 48000 Hz). VG_CODEC_UNSUPPORTED for
     * anything else, and for a codec whose media type is not the m= line's
     * (H264 in an m=audio): the media is listed anyway so that the caller
     * can say what it ignored, by `encoding`.
     */
    vg_codec codec;
    /*
     * The a=rtpmap encoding name as written ("H264", "mpeg4-generic"), or the
     * RFC 3551 name of a static payload type without a=rtpmap ("PCMU" for 0,
     * "PCMA" for 8, "JPEG" for 26...). "" when a dynamic type has no a=rtpmap
     * or its a=rtpmap is malformed. Token characters only: safe to log.
     */
    char encoding[32];
    /*
     * The first format of the m= line. RTSP cameras offer one format per
     * stream; any others, and their a=rtpmap and a=fmtp, are ignored.
     */
    uint8_t payload_type;
    int clock_rate; /* from a=rtpmap, or the static type's (8000 for 0 and 8); 0 when unknown */
    /*
     * Audio: a=rtpmap's encoding parameters, 1 when absent; Opus: 2 when
     * absent, as RFC 7587 7 has every Opus a=rtpmap say "/2" whatever the
     * stream carries. Video: 0.
     */
    int channels;
    /* The absolute URL to SETUP, resolved as the top of this file says; NUL-terminated. */
    char control[VG_RTSP_MAX_URL];

    /*
     * Parameter sets, raw NAL units as they travel (header bytes and
     * emulation-prevention bytes in, no start code), from
     *   H.264 (RFC 6184 8.1): sprop-parameter-sets, base64 NAL units
     *     separated by commas: the first SPS (type 7) and the first PPS
     *     (type 8), whatever the order; vps_len stays 0;
     *   H.265 (RFC 7798 7.1): sprop-vps, sprop-sps, sprop-pps: the first
     *     NAL unit of the right type (32, 33, 34) in each.
     * Each is kept only with an SPS that vg_h264_sps_parse() or
     * vg_h265_sps_parse() accepts: otherwise all are empty (length 0) and
     * the depacketizer takes them from the stream.
     */
    uint8_t vps[VG_RTSP_MAX_PARAM_SET];
    uint8_t sps[VG_RTSP_MAX_PARAM_SET];
    uint8_t pps[VG_RTSP_MAX_PARAM_SET];
    size_t vps_len, sps_len, pps_len;
    /*
     * H.264 packetization-mode (RFC 6184 8.1): 0 single NAL unit, 1 non-
     * interleaved, 2 interleaved; 0 when absent or not one of those. The
     * codec stays VG_CODEC_H264 for 2, but rtsp/depack.h takes the
     * non-interleaved modes only: the caller must refuse it.
     */
    int packetization_mode;
    /*
     * H.265: the RTP payloads carry DONL fields (RFC 7798 4.4.1, 7.1):
     * sprop-max-don-diff or sprop-depack-buf-nalus above 0, or unreadable,
     * as FFmpeg reads them. The codec stays VG_CODEC_H265, but rtsp/depack.h
     * takes streams without DONL only: the caller must refuse this one.
     */
    bool donl;

    /*
     * AAC (RFC 3640 4.1): the AudioSpecificConfig from the hex of `config`
     * (ISO/IEC 14496-3 1.6.2.1; "1190" is AAC-LC, 48 kHz, stereo), empty
     * when absent or not hex; and the bit lengths of the AU-header fields:
     * sizelength 1..16, indexlength and indexdeltalength 0..16 (0 when
     * absent), as rtsp/depack.h takes them. A stream whose AU headers have
     * other fields (ctsdeltalength... above 0) is VG_CODEC_UNSUPPORTED.
     */
    uint8_t aac_config[VG_RTSP_MAX_AAC_CONFIG];
    size_t aac_config_len;
    int size_length, index_length, index_delta_length;

    /*
     * Why a field is empty or the codec unsupported, for a debug log line:
     * a static English string that never quotes the description ("the SPS
     * of sprop-parameter-sets does not parse"); NULL when all went well.
     * The first reason found is kept.
     */
    const char *warning;
} vg_rtsp_media;

typedef struct vg_rtsp_description {
    vg_rtsp_media media[VG_RTSP_MAX_MEDIA]; /* in the order of the m= lines */
    size_t count;
    /*
     * m= sections not listed in `media`: neither audio nor video (an ONVIF
     * metadata stream is m=application), not RTP (the protocol has no
     * "RTP/"), or past VG_RTSP_MAX_MEDIA. For a log line.
     */
    size_t ignored;
    /*
     * The session-level a=control resolved against the base URL (for an
     * aggregate PLAY, RFC 2326 C.1.1), or the base URL when there is none.
     */
    char aggregate_control[VG_RTSP_MAX_URL];
} vg_rtsp_description;

/*
 * Parses the DESCRIBE response body `sdp` (`len` bytes, no NUL needed;
 * nothing is read past `len`) into *out, which the caller allocates (about
 * 35 KB: static or heap rather than the stack of a loop thread) and which
 * keeps no pointer into `sdp` or `base_url`.
 *
 * `base_url` (NUL-terminated, without credentials) is what relative controls
 * are resolved against: the Content-Base header of the response, else its
 * Content-Location, else the request URL; the caller picks (RFC 2326 C.1.1).
 *
 * Returns 0; or, with *out zeroed and a short English reason in `err`
 * (capacity `err_cap`, always NUL-terminated when err_cap > 0; NULL is
 * fine), a reason that never quotes the body because it may be hostile:
 *   VG_ESYNTAX  the body is not an SDP (its first line is not v=0), an m=
 *               line lacks its port, protocol or format, or has a port that
 *               is not 0..65535, an audio or video m= line's first format is
 *               not an RTP payload type 0..127, or a control that would be
 *               used (the session's, or a listed media's) holds a space, a
 *               control or non-ASCII byte, or is an absolute URL without a
 *               host (it goes into the SETUP and PLAY request lines);
 *   VG_ERANGE   a control URL, resolved, does not fit in VG_RTSP_MAX_URL
 *               with its NUL (a base URL of 1024 chars or more included);
 *   VG_EINVAL   `base_url` is NULL, empty, or holds a space, a control or
 *               non-ASCII byte.
 * Media with malformed codec parameters are not errors: see the top of this
 * file and vg_rtsp_media.warning.
 */
int vg_rtsp_describe_parse(const char *sdp, size_t len, const char *base_url,
                           vg_rtsp_description *out, char *err, size_t err_cap);

#endif
