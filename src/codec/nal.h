/*
 * nal.h: NAL units of H.264 and H.265, and the two ways they are framed.
 *
 *   Annex-B (ITU-T H.264 Annex B, H.265 Annex B): each NAL unit follows a
 *   start code 00 00 01 or 00 00 00 01. Raw .h264 files, MPEG-TS, and what
 *   many cameras and libavformat's RTSP demuxer hand over.
 *
 *   AVCC (ISO/IEC 14496-15 5.3.2 / 8.3.2, "length-prefixed"): each NAL unit
 *   follows its size as a 4-byte big-endian integer. This is vigil's access
 *   unit payload (DESIGN.md section 1): an mdat sample as is, and what the
 *   RTP packetizers walk NAL by NAL.
 *
 *     Annex-B   00 00 00 01 | 67 64 00 1f ... | 00 00 01 | 68 eb ... | 00 00 01 | 65 88 ...
 *     AVCC      00 00 00 18 | 67 64 00 1f ... | 00 00 00 06 | 68 eb ... | 00 00 a0 05 | 65 88 ...
 *
 * Everything here reads slices that the caller owns (a vg_nal points into
 * the caller's buffer) and writes into buffers the caller gives, or into
 * new heap buffers that the caller frees with free(). Nothing here reads
 * past a length it was given; every length found in the input is checked
 * against what remains before it is used.
 */
#ifndef VG_CODEC_NAL_H
#define VG_CODEC_NAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum vg_nal_codec {
    VG_NAL_H264 = 1,
    VG_NAL_H265 = 2,
} vg_nal_codec;

/* H.264 Table 7-1: nal_unit_type (the low 5 bits of the first header byte). */
enum {
    VG_H264_NAL_SLICE = 1,
    VG_H264_NAL_IDR = 5,
    VG_H264_NAL_SEI = 6,
    VG_H264_NAL_SPS = 7,
    VG_H264_NAL_PPS = 8,
    VG_H264_NAL_AUD = 9,
    VG_H264_NAL_FILLER = 12,
};

/* H.265 Table 7-1: nal_unit_type (bits 1..6 of the first of two header bytes). */
enum {
    VG_H265_NAL_TRAIL_R = 1,
    VG_H265_NAL_BLA_W_LP = 16, /* IRAP pictures are types 16..23; 22, 23 are reserved */
    VG_H265_NAL_IDR_W_RADL = 19,
    VG_H265_NAL_IDR_N_LP = 20,
    VG_H265_NAL_CRA = 21,
    VG_H265_NAL_VPS = 32,
    VG_H265_NAL_SPS = 33,
    VG_H265_NAL_PPS = 34,
    VG_H265_NAL_AUD = 35,
    VG_H265_NAL_FILLER = 38,
    VG_H265_NAL_SEI_PREFIX = 39,
    VG_H265_NAL_SEI_SUFFIX = 40,
};

/*
 * One NAL unit: its header and payload, emulation-prevention bytes still in,
 * without start code or length prefix. A view into someone else's buffer.
 */
typedef struct vg_nal {
    const uint8_t *p;
    size_t len;
} vg_nal;

/* nal_unit_type from the first header byte: H.264 7.3.1 (forbidden_zero_bit, nal_ref_idc, type). */
static inline unsigned vg_nal_h264_type(uint8_t first_byte)
{
    return first_byte & 0x1f;
}

/* nal_unit_type from the first header byte: H.265 7.3.1.2 (forbidden_zero_bit, type, ...). */
static inline unsigned vg_nal_h265_type(uint8_t first_byte)
{
    return (first_byte >> 1) & 0x3f;
}

/* The NAL unit's type for `codec`; 0 for an empty NAL unit. */
unsigned vg_nal_type(vg_nal_codec codec, vg_nal nal);

/* ---- Annex-B ---------------------------------------------------------------------------- */

/*
 * Walks the NAL units of an Annex-B buffer. Bytes before the first start code
 * are skipped (leading_zero_8bits, or the tail of something else), the zero
 * bytes before a start code belong to it (trailing_zero_8bits, the zero_byte
 * of a 4-byte start code: H.264 B.1.1), and NAL units left empty by that
 * are skipped. A buffer without a start code has no NAL units.
 */
typedef struct vg_nal_annexb_iter {
    const uint8_t *_p;
    size_t _len;
    size_t _pos; /* where the next NAL unit starts; _len at the end */
} vg_nal_annexb_iter;

/* Starts at the beginning of `buf` (`len` bytes; the caller keeps it alive). */
void vg_nal_annexb_iter_init(vg_nal_annexb_iter *it, const uint8_t *buf, size_t len);

/* The next NAL unit into *out (pointing into the buffer): true, or false at the end. */
bool vg_nal_annexb_next(vg_nal_annexb_iter *it, vg_nal *out);

/* ---- AVCC ------------------------------------------------------------------------------- */

/*
 * Walks the NAL units of an AVCC buffer (4-byte big-endian lengths). A
 * length that runs past the end, a zero length (a NAL unit has at least
 * its header), or 1..3 stray bytes at the end make the buffer malformed.
 */
typedef struct vg_nal_avcc_iter {
    const uint8_t *_p;
    size_t _len;
    size_t _pos;
    bool _failed;
} vg_nal_avcc_iter;

/* Starts at the beginning of `buf` (`len` bytes; the caller keeps it alive). */
void vg_nal_avcc_iter_init(vg_nal_avcc_iter *it, const uint8_t *buf, size_t len);

/*
 * The next NAL unit into *out (pointing into the buffer): returns 1, or 0 at
 * the end, or VG_ESYNTAX for a malformed buffer (and VG_ESYNTAX from then on).
 */
int vg_nal_avcc_next(vg_nal_avcc_iter *it, vg_nal *out);

/* Checks a whole AVCC buffer: 0 with *count NAL units (count may be NULL), or VG_ESYNTAX. */
int vg_nal_avcc_validate(const uint8_t *buf, size_t len, size_t *count);

/* True when `nal` is a random-access picture's slice: the rule of vg_nal_avcc_is_keyframe(). */
bool vg_nal_is_keyframe_unit(vg_nal_codec codec, vg_nal nal);

/*
 * True when the AVCC access unit holds a random-access picture: an IDR
 * slice (H.264 type 5) or an IRAP picture (H.265 types 16..21: BLA, IDR,
 * CRA; H.265 7.4.2.2). A malformed buffer is never a key frame.
 */
bool vg_nal_avcc_is_keyframe(vg_nal_codec codec, const uint8_t *au, size_t len);

/* ---- conversions ------------------------------------------------------------------------ */

/* NAL units to leave out when converting (a bit set for `drop`). */
#define VG_NAL_DROP_AUD            0x1u /* access unit delimiters: H.264 9, H.265 35 */
#define VG_NAL_DROP_FILLER         0x2u /* filler data: H.264 12, H.265 38 */
#define VG_NAL_DROP_PARAMETER_SETS 0x4u /* H.264 SPS/PPS 7, 8; H.265 VPS/SPS/PPS 32..34 */

/* True when `nal` is one of the kinds that `drop` (VG_NAL_DROP_*) leaves out. */
bool vg_nal_is_dropped(vg_nal_codec codec, unsigned drop, vg_nal nal);

/*
 * Annex-B to AVCC: every NAL unit of `in` (as vg_nal_annexb_next() finds
 * them) except those `drop` names, each after its 4-byte big-endian length,
 * written to `out` (capacity `cap`; `out` may be NULL when cap is 0).
 * *out_len is the size of the result. Returns 0; or VG_ERANGE when `cap` is
 * too small, with *out_len the size needed and `out` holding an unusable
 * prefix (so a first call with cap 0 sizes the buffer, like snprintf); or
 * VG_ERANGE for a NAL unit of 4 GiB or more. No NAL units gives 0 bytes.
 */
int vg_nal_annexb_to_avcc(const uint8_t *in, size_t len, vg_nal_codec codec, unsigned drop,
                          uint8_t *out, size_t cap, size_t *out_len);

/*
 * As vg_nal_annexb_to_avcc() into a new buffer: *out (the caller frees it
 * with free(); NULL when the result is empty) and *out_len. Returns 0,
 * VG_ENOMEM or VG_ERANGE; on failure *out is NULL.
 */
int vg_nal_annexb_to_avcc_alloc(const uint8_t *in, size_t len, vg_nal_codec codec, unsigned drop,
                                uint8_t **out, size_t *out_len);

/*
 * AVCC to Annex-B: each NAL unit of `in` after a 4-byte start code
 * 00 00 00 01 (so the result has exactly the size of the input), written to
 * `out` (capacity `cap`). The NAL units are copied as they are; one that
 * holds a start-code pattern or ends in 0x00 cannot be framed in Annex-B
 * and will not come back the same (a well-formed NAL unit never does: H.264
 * 7.4.1). Returns 0 with *out_len; VG_ESYNTAX for a malformed `in`;
 * VG_ERANGE when `cap` is too small (*out_len is then the size needed).
 */
int vg_nal_avcc_to_annexb(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * As vg_nal_avcc_to_annexb() into a new buffer that the caller frees with
 * free() (NULL when `in` is empty). Returns 0, VG_ESYNTAX or VG_ENOMEM; on
 * failure *out is NULL.
 */
int vg_nal_avcc_to_annexb_alloc(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

#endif
