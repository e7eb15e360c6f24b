/*
 * h264.h: H.264 sequence parameter sets, RFC 6381 codec strings, and the
 * avcC box (AVCDecoderConfigurationRecord).
 *
 * What vigil needs from an SPS is what a track describes (DESIGN.md
 * section 1): the picture size after cropping, profile and level, the
 * chroma format and bit depths (for the avcC record), and the frame rate
 * when the VUI carries timing. The parser reads ITU-T H.264 (08/2021)
 * 7.3.2.1.1 up to and including the VUI's timing_info (E.1.1); what
 * follows (HRD parameters, bitstream restrictions) is not needed and not
 * read.
 *
 * The parser takes the NAL unit as it travels (header byte, emulation
 * prevention bytes in) and copies what it finds into the result; it keeps
 * no pointer into the input.
 */
#ifndef VG_CODEC_H264_H
#define VG_CODEC_H264_H

#include "codec/nal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_h264_sps {
    uint8_t profile_idc;      /* 66 baseline, 77 main, 100 high, 244 high 4:4:4 ... */
    uint8_t constraint_flags; /* the byte after profile_idc: constraint_set0_flag is 0x80 */
    uint8_t level_idc;        /* 31 for level 3.1 */
    uint8_t sps_id;           /* seq_parameter_set_id, 0..31 */

    uint8_t chroma_format_idc;  /* 0 monochrome, 1 4:2:0 (when absent), 2 4:2:2, 3 4:4:4 */
    bool separate_colour_plane; /* 4:4:4 coded as three monochrome planes */
    uint8_t bit_depth_luma;     /* 8..14 */
    uint8_t bit_depth_chroma;   /* 8..14 */

    bool frame_mbs_only; /* false: fields or MBAFF may occur (interlaced) */
    uint32_t max_num_ref_frames;

    /* Decoded size in luma samples, before cropping. */
    uint32_t coded_width;
    uint32_t coded_height;
    /* frame_crop_*_offset converted to luma samples (7.4.2.1.1: CropUnitX, CropUnitY). */
    uint32_t crop_left, crop_right, crop_top, crop_bottom;
    /* The picture to display: coded size minus cropping. Both > 0 and <= 65535. */
    uint32_t width;
    uint32_t height;

    /* From the VUI (E.2.1); all 0 when absent. */
    bool vui_present;
    uint16_t sar_width, sar_height; /* sample aspect ratio, from aspect_ratio_idc */
    bool timing_info_present;
    uint32_t num_units_in_tick;
    uint32_t time_scale;
    bool fixed_frame_rate;
    /*
     * Nominal frames per second fps_num / fps_den in lowest terms:
     * time_scale / (2 * num_units_in_tick), as a tick is a field period
     * (E.2.1, frame rate of a progressive stream at 2 ticks a frame).
     * 0/0 when unknown.
     */
    uint32_t fps_num;
    uint32_t fps_den;
} vg_h264_sps;

/*
 * Parses an SPS NAL unit (`nal`: `len` bytes, starting at its header byte,
 * emulation-prevention bytes in) into *out. Returns 0, or VG_ESYNTAX when
 * it is not an SPS (nal_unit_type 7), runs short, or holds a value out of
 * its range (7.4.2.1.1), or crops away the whole picture. A VUI that runs
 * short or is malformed before timing_info is dropped (vui_present false)
 * rather than failing the SPS, as some cameras send one: the size does not
 * depend on it. The caller owns `nal` and `out`.
 */
int vg_h264_sps_parse(const uint8_t *nal, size_t len, vg_h264_sps *out);

/*
 * The RFC 6381 3.3 codec string, "avc1." and profile_idc, the constraint
 * byte and level_idc as two hex digits each: "avc1.64001f" for High 3.1.
 * Writes it NUL-terminated to `out` (capacity `cap`, 12 bytes suffice).
 * Returns 0, or VG_ERANGE when `cap` is too small (then `out` holds "" if
 * cap > 0).
 */
int vg_h264_codec_string(const vg_h264_sps *sps, char *out, size_t cap);

/* ---- avcC: ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord ----------------------- */

typedef struct vg_h264_avcc {
    uint8_t version; /* configurationVersion: 1 */
    uint8_t profile_idc;
    uint8_t profile_compatibility; /* the constraint byte */
    uint8_t level_idc;
    uint8_t length_size; /* lengthSizeMinusOne + 1: 1, 2 or 4 bytes per NAL length in samples */

    size_t sps_count; /* 0..31 */
    vg_nal sps[31];
    size_t pps_count; /* 0..255 */
    vg_nal pps[255];

    /* For profile_idc 100, 110, 122, 144, when the record carries them (5.3.3.1.2). */
    bool has_ext;
    uint8_t chroma_format;
    uint8_t bit_depth_luma;   /* bit_depth_luma_minus8 + 8 */
    uint8_t bit_depth_chroma; /* bit_depth_chroma_minus8 + 8 */
    size_t sps_ext_count;     /* 0..255, SequenceParameterSetExtNALUnits (type 13) */
    vg_nal sps_ext[255];
} vg_h264_avcc;

/*
 * Parses an avcC record (the avcC box payload, or libavformat's extradata
 * for H.264 in MP4) of `len` bytes into *out, whose vg_nal views point into
 * `data` (the caller keeps it alive while it uses them). Returns 0, or
 * VG_ESYNTAX when configurationVersion is not 1 (extradata in Annex-B form
 * starts with 0x00 and is refused here), lengthSizeMinusOne is 2,
 * a length runs past the end, a parameter set is empty or of the wrong NAL
 * type. Bytes after the lists are read as the 4:2:x extension only for
 * the profiles that have it, and ignored when they do not form one (some
 * writers leave it out or pad).
 */
int vg_h264_avcc_parse(const uint8_t *data, size_t len, vg_h264_avcc *out);

/*
 * Builds an avcC record from one SPS and one PPS NAL unit (header byte
 * included, as they travel) into `out` (capacity `cap`): version 1,
 * profile, constraint byte and level from the SPS, 4-byte NAL lengths
 * (lengthSizeMinusOne 3), and for profiles 100, 110, 122 and 144 the
 * chroma_format and bit depths of the SPS with no SPS extensions, as
 * libavformat's movenc writes it. *out_len gets the size of the record.
 * Returns 0; VG_ESYNTAX when the SPS does not parse or the PPS is not a
 * PPS; VG_ERANGE when a NAL unit is over 65535 bytes, or `cap` is too
 * small (*out_len is then the size needed; cap 0 and a NULL `out` ask).
 */
int vg_h264_avcc_build(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                       uint8_t *out, size_t cap, size_t *out_len);

#endif
