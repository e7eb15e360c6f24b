/*
 * codec_internal.h: small helpers shared by the files of src/codec/; not
 * part of any public header.
 */
#ifndef VG_CODEC_INTERNAL_H
#define VG_CODEC_INTERNAL_H

#include "codec/bitreader.h"
#include "core/bytes.h"

#include <stdint.h>

/*
 * A frame rate time_scale / ticks (ticks as a 64-bit product, H.264 counts
 * field ticks) reduced to lowest terms into *num / *den; both 0 when it is
 * unknown (a zero term) or does not fit 32 bits after reduction.
 */
static inline void vg_codec_frame_rate(uint64_t time_scale, uint64_t ticks, uint32_t *num,
                                       uint32_t *den)
{
    *num = *den = 0;
    if (time_scale == 0 || ticks == 0)
        return;
    uint64_t a = time_scale, b = ticks;
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    uint64_t n = time_scale / a, d = ticks / a;
    if (n > UINT32_MAX || d > UINT32_MAX)
        return;
    *num = (uint32_t)n;
    *den = (uint32_t)d;
}

/*
 * The sample aspect ratio for aspect_ratio_idc 1..16 (H.264 Table E-1,
 * H.265 Table E.1, the same table); 0:0 for the unspecified values.
 * 255 (EXTENDED_SAR) carries its own and is not looked up here.
 */
static inline void vg_codec_sar(unsigned idc, uint16_t *w, uint16_t *h)
{
    static const uint8_t table[17][2] = {
        {0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11},  {40, 33}, {24, 11}, {20, 11}, {32, 11},
        {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1},
    };
    *w = *h = 0;
    if (idc < 17) {
        *w = table[idc][0];
        *h = table[idc][1];
    }
}

#define VG_CODEC_EXTENDED_SAR 255

/*
 * The start of vui_parameters() that H.264 (E.1.1) and H.265 (E.2.1) share:
 * aspect ratio (the sample aspect ratio into *sar_w, *sar_h), overscan,
 * video signal type and chroma location. The caller reads on from there.
 */
static inline void vg_codec_read_vui_head(vg_bitreader *br, uint16_t *sar_w, uint16_t *sar_h)
{
    if (vg_bitreader_read_bit(br)) { /* aspect_ratio_info_present_flag */
        unsigned idc = vg_bitreader_read_bits(br, 8);
        if (idc == VG_CODEC_EXTENDED_SAR) {
            *sar_w = (uint16_t)vg_bitreader_read_bits(br, 16);
            *sar_h = (uint16_t)vg_bitreader_read_bits(br, 16);
        } else {
            vg_codec_sar(idc, sar_w, sar_h);
        }
    }
    if (vg_bitreader_read_bit(br))     /* overscan_info_present_flag */
        vg_bitreader_read_bit(br);     /* overscan_appropriate_flag */
    if (vg_bitreader_read_bit(br)) {   /* video_signal_type_present_flag */
        vg_bitreader_read_bits(br, 4); /* video_format, video_full_range_flag */
        if (vg_bitreader_read_bit(br)) /* colour_description_present_flag */
            vg_bitreader_read_bits(br, 24);
    }
    if (vg_bitreader_read_bit(br)) { /* chroma_loc_info_present_flag */
        vg_bitreader_read_ue(br);    /* chroma_sample_loc_type_top_field */
        vg_bitreader_read_ue(br);    /* chroma_sample_loc_type_bottom_field */
    }
}

#endif
