/*
 * h265.h: H.265 sequence parameter sets, codec strings (ISO/IEC 14496-15
 * Annex E), and the hvcC box (HEVCDecoderConfigurationRecord).
 *
 * The SPS parser reads ITU-T H.265 (08/2021) 7.3.2.2.1 through the VUI
 * (E.2.1), including what stands between the picture size and the VUI
 * (scaling lists 7.3.4, short-term reference picture sets 7.3.7 with
 * inter-set prediction, long-term pictures), so that it reaches the VUI's
 * timing info and min_spatial_segmentation_idc. It stops before the SPS
 * extensions, which come after everything it needs.
 *
 * The parser takes the NAL unit as it travels (two header bytes,
 * emulation-prevention bytes in) and copies what it finds; it keeps no
 * pointer into the input.
 */
#ifndef VG_CODEC_H265_H
#define VG_CODEC_H265_H

#include "codec/nal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The general part of profile_tier_level() (7.3.3), as the hvcC record and codec string use it. */
typedef struct vg_h265_ptl {
    uint8_t profile_space; /* general_profile_space, 0..3 */
    bool tier;             /* general_tier_flag: false Main tier, true High tier */
    uint8_t profile_idc;   /* 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions ... */
    /* general_profile_compatibility_flag[j] is bit (31 - j), as in the bitstream and hvcC. */
    uint32_t profile_compatibility_flags;
    /*
     * The 48 bits from general_progressive_source_flag (bit 47) to
     * general_inbld_flag / reserved (bit 0), as in the bitstream and hvcC.
     */
    uint64_t constraint_flags;
    uint8_t level_idc; /* 30 times the level: 93 for 3.1 */
} vg_h265_ptl;

typedef struct vg_h265_sps {
    uint8_t vps_id;            /* sps_video_parameter_set_id */
    uint8_t max_sub_layers;    /* sps_max_sub_layers_minus1 + 1, 1..7 */
    bool temporal_id_nesting;  /* sps_temporal_id_nesting_flag */
    vg_h265_ptl ptl;           /* general profile, tier and level */
    uint8_t sps_id;            /* sps_seq_parameter_set_id, 0..15 */
    uint8_t chroma_format_idc; /* 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 */
    bool separate_colour_plane;
    uint8_t bit_depth_luma;   /* 8..16 */
    uint8_t bit_depth_chroma; /* 8..16 */

    /* pic_width/height_in_luma_samples: the decoded size, before the conformance window. */
    uint32_t coded_width;
    uint32_t coded_height;
    /* conf_win_*_offset converted to luma samples (7.4.3.2.1: SubWidthC, SubHeightC). */
    uint32_t crop_left, crop_right, crop_top, crop_bottom;
    /* The picture to display: coded size minus the conformance window. Both > 0, <= 65535. */
    uint32_t width;
    uint32_t height;

    /* From the VUI (E.2.1); all 0 when absent. */
    bool vui_present;
    uint16_t sar_width, sar_height;
    bool field_seq;           /* field_seq_flag: each picture is a field */
    bool timing_info_present; /* vui_timing_info_present_flag */
    uint32_t num_units_in_tick;
    uint32_t time_scale;
    /*
     * Nominal pictures per second fps_num / fps_den in lowest terms:
     * time_scale / num_units_in_tick (E.3.1: a tick is a picture period).
     * 0/0 when unknown.
     */
    uint32_t fps_num;
    uint32_t fps_den;
    uint16_t min_spatial_segmentation_idc; /* from bitstream_restriction, 0 when absent */
} vg_h265_sps;

/*
 * Parses an SPS NAL unit (`nal`: `len` bytes from its first header byte,
 * emulation-prevention bytes in) into *out. Returns 0, or VG_ESYNTAX when it
 * is not an SPS (nal_unit_type 33), runs short before the VUI, holds a value
 * out of its range (7.4.3.2.1), or a conformance window as large as the
 * picture. A VUI that runs short or is out of range is dropped
 * (vui_present false) rather than failing the SPS: the size does not depend
 * on it. The caller owns `nal` and `out`.
 */
int vg_h265_sps_parse(const uint8_t *nal, size_t len, vg_h265_sps *out);

/*
 * The codec string of ISO/IEC 14496-15 E.3 for an 'hvc1' sample entry:
 * "hvc1." profile space ("", "A", "B", "C") and profile_idc in decimal;
 * the 32 compatibility flags in reverse bit order in hex; "L" or "H" (tier)
 * and level_idc in decimal; then each of the 6 constraint bytes in hex,
 * trailing zero bytes left out. "hvc1.1.6.L93.B0" is Main, level 3.1.
 * Writes it NUL-terminated to `out` (capacity `cap`; 48 bytes suffice).
 * Returns 0, or VG_ERANGE when `cap` is too small (`out` then holds "" if
 * cap > 0).
 */
int vg_h265_codec_string(const vg_h265_sps *sps, char *out, size_t cap);

/* ---- hvcC: ISO/IEC 14496-15 8.3.3.1 HEVCDecoderConfigurationRecord ---------------------- */

#define VG_H265_HVCC_MAX_VPS 16 /* vps_video_parameter_set_id is 4 bits */
#define VG_H265_HVCC_MAX_SPS 16 /* sps_seq_parameter_set_id is 0..15 */
#define VG_H265_HVCC_MAX_PPS 64 /* pps_pic_parameter_set_id is 0..63 */

typedef struct vg_h265_hvcc {
    uint8_t version; /* configurationVersion: 1 */
    vg_h265_ptl ptl;
    uint16_t min_spatial_segmentation_idc;
    uint8_t parallelism_type;
    uint8_t chroma_format_idc;
    uint8_t bit_depth_luma;   /* bitDepthLumaMinus8 + 8 */
    uint8_t bit_depth_chroma; /* bitDepthChromaMinus8 + 8 */
    uint16_t avg_frame_rate;  /* frames per 256 seconds, 0 unspecified */
    uint8_t constant_frame_rate;
    uint8_t num_temporal_layers;
    bool temporal_id_nested;
    uint8_t length_size; /* lengthSizeMinusOne + 1: 1, 2 or 4 */

    /* The parameter sets, views into the record; other arrays (SEI) are checked and skipped. */
    size_t vps_count;
    vg_nal vps[VG_H265_HVCC_MAX_VPS];
    size_t sps_count;
    vg_nal sps[VG_H265_HVCC_MAX_SPS];
    size_t pps_count;
    vg_nal pps[VG_H265_HVCC_MAX_PPS];
} vg_h265_hvcc;

/*
 * Parses an hvcC record (the box payload, or libavformat's extradata for
 * HEVC in MP4) of `len` bytes into *out, whose views point into `data` (the
 * caller keeps it alive while it uses them). Returns 0; VG_ESYNTAX when
 * configurationVersion is not 1 (extradata in Annex-B form, which starts
 * with a 0x00 of a start code, is refused here), lengthSizeMinusOne is 2, a length
 * runs past the end, a NAL unit is empty or not of its array's type;
 * VG_ERANGE when there are more VPS, SPS or PPS than ids for them.
 */
int vg_h265_hvcc_parse(const uint8_t *data, size_t len, vg_h265_hvcc *out);

/*
 * Builds an hvcC record from one VPS, SPS and PPS NAL unit (headers
 * included, as they travel) into `out` (capacity `cap`), as libavformat's
 * movenc does for 'hvc1': profile, tier, level and flags from the SPS
 * (the VPS's copy of them is not consulted);
 * min_spatial_segmentation_idc from its VUI, and parallelismType from the
 * PPS when that is not 0 (0 otherwise); chroma format and bit depths from
 * the SPS; avgFrameRate and constantFrameRate 0; numTemporalLayers and
 * temporalIdNested from the SPS; 4-byte NAL lengths; three arrays with
 * array_completeness 1. *out_len gets the size. Returns 0; VG_ESYNTAX
 * when a NAL unit is not what it should be or the SPS or PPS does not
 * parse; VG_ERANGE when a NAL unit is over 65535 bytes or `cap` is too small
 * (*out_len is then the size needed; cap 0 and a NULL `out` ask).
 */
int vg_h265_hvcc_build(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
                       const uint8_t *pps, size_t pps_len, uint8_t *out, size_t cap,
                       size_t *out_len);

#endif
