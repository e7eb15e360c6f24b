#include "codec/h264.h"

#include "codec/bitreader.h"
#include "codec/codec_internal.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

/* 7.3.2.1.1: the profiles whose SPS carries chroma_format_idc, bit depths and scaling lists. */
static bool has_chroma_info(unsigned profile_idc)
{
    static const uint8_t profiles[] = {100, 110, 122, 244, 44,  83, 86,
                                       118, 128, 138, 139, 134, 135};
    for (size_t i = 0; i < sizeof(profiles); i++) {
        if (profile_idc == profiles[i])
            return true;
    }
    return false;
}

/*
 * 7.3.2.1.1.1 scaling_list(): only skipped, but its length depends on its
 * values: a delta that brings nextScale to 0 ends the list early (the rest
 * repeats lastScale), at j == 0 meaning "use the default list".
 */
static int skip_scaling_list(vg_bitreader *br, unsigned size)
{
    int last_scale = 8, next_scale = 8;
    for (unsigned j = 0; j < size && next_scale != 0; j++) {
        int32_t delta_scale = vg_bitreader_read_se(br);
        if (br->error || delta_scale < -128 || delta_scale > 127)
            return VG_ESYNTAX;
        next_scale = (last_scale + delta_scale + 256) % 256;
        last_scale = next_scale == 0 ? last_scale : next_scale;
    }
    return 0;
}

/*
 * E.1.1 vui_parameters() up to timing_info: the sample aspect ratio and the
 * frame rate. Returns VG_ESYNTAX when it runs short; the caller then drops
 * the VUI.
 */
static int parse_vui(vg_bitreader *br, vg_h264_sps *sps)
{
    vg_codec_read_vui_head(br, &sps->sar_width, &sps->sar_height);
    if (vg_bitreader_read_bit(br)) { /* timing_info_present_flag */
        sps->num_units_in_tick = vg_bitreader_read_bits(br, 32);
        sps->time_scale = vg_bitreader_read_bits(br, 32);
        sps->fixed_frame_rate = vg_bitreader_read_bit(br);
        sps->timing_info_present = true;
    }
    return br->error ? VG_ESYNTAX : 0;
}

int vg_h264_sps_parse(const uint8_t *nal, size_t len, vg_h264_sps *out)
{
    vg_h264_sps sps = {0};
    vg_bitreader br;
    memset(out, 0, sizeof(*out));

    /* 7.3.1 nal_unit(): forbidden_zero_bit, nal_ref_idc, nal_unit_type; then the RBSP. */
    if (!nal || len < 4 || vg_nal_h264_type(nal[0]) != VG_H264_NAL_SPS || (nal[0] & 0x80))
        return VG_ESYNTAX;
    vg_bitreader_init(&br, nal + 1, len - 1);

    /* 7.3.2.1.1 seq_parameter_set_data() */
    sps.profile_idc = (uint8_t)vg_bitreader_read_bits(&br, 8);
    /* constraint_set0_flag .. constraint_set5_flag, reserved_zero_2bits */
    sps.constraint_flags = (uint8_t)vg_bitreader_read_bits(&br, 8);
    sps.level_idc = (uint8_t)vg_bitreader_read_bits(&br, 8);
    uint32_t sps_id = vg_bitreader_read_ue(&br);
    if (br.error || sps_id > 31)
        return VG_ESYNTAX;
    sps.sps_id = (uint8_t)sps_id;

    /* 7.4.2.1.1: when absent, chroma_format_idc is 1 (4:2:0) and the bit depths 8. */
    uint32_t chroma_format_idc = 1, bit_depth_luma_minus8 = 0, bit_depth_chroma_minus8 = 0;
    if (has_chroma_info(sps.profile_idc)) {
        chroma_format_idc = vg_bitreader_read_ue(&br);
        if (chroma_format_idc > 3)
            return VG_ESYNTAX;
        if (chroma_format_idc == 3)
            sps.separate_colour_plane = vg_bitreader_read_bit(&br);
        bit_depth_luma_minus8 = vg_bitreader_read_ue(&br);
        bit_depth_chroma_minus8 = vg_bitreader_read_ue(&br);
        if (bit_depth_luma_minus8 > 6 || bit_depth_chroma_minus8 > 6)
            return VG_ESYNTAX;
        vg_bitreader_read_bit(&br);       /* qpprime_y_zero_transform_bypass_flag */
        if (vg_bitreader_read_bit(&br)) { /* seq_scaling_matrix_present_flag */
            unsigned lists = chroma_format_idc != 3 ? 8 : 12;
            for (unsigned i = 0; i < lists; i++) {
                if (vg_bitreader_read_bit(&br) && /* seq_scaling_list_present_flag[i] */
                    skip_scaling_list(&br, i < 6 ? 16 : 64) < 0)
                    return VG_ESYNTAX;
            }
        }
    }
    sps.chroma_format_idc = (uint8_t)chroma_format_idc;
    sps.bit_depth_luma = (uint8_t)(bit_depth_luma_minus8 + 8);
    sps.bit_depth_chroma = (uint8_t)(bit_depth_chroma_minus8 + 8);

    if (vg_bitreader_read_ue(&br) > 12) /* log2_max_frame_num_minus4 */
        return VG_ESYNTAX;
    uint32_t pic_order_cnt_type = vg_bitreader_read_ue(&br);
    if (pic_order_cnt_type == 0) {
        if (vg_bitreader_read_ue(&br) > 12) /* log2_max_pic_order_cnt_lsb_minus4 */
            return VG_ESYNTAX;
    } else if (pic_order_cnt_type == 1) {
        vg_bitreader_read_bit(&br);                 /* delta_pic_order_always_zero_flag */
        vg_bitreader_read_se(&br);                  /* offset_for_non_ref_pic */
        vg_bitreader_read_se(&br);                  /* offset_for_top_to_bottom_field */
        uint32_t cycle = vg_bitreader_read_ue(&br); /* num_ref_frames_in_pic_order_cnt_cycle */
        if (cycle > 255)
            return VG_ESYNTAX;
        for (uint32_t i = 0; i < cycle && !br.error; i++)
            vg_bitreader_read_se(&br); /* offset_for_ref_frame[i] */
    } else if (pic_order_cnt_type > 2) {
        return VG_ESYNTAX;
    }
    sps.max_num_ref_frames = vg_bitreader_read_ue(&br);
    if (sps.max_num_ref_frames > 16) /* A.3.1 h): at most MaxDpbFrames, which is <= 16 */
        return VG_ESYNTAX;
    vg_bitreader_read_bit(&br); /* gaps_in_frame_num_value_allowed_flag */
    uint64_t width_in_mbs = (uint64_t)vg_bitreader_read_ue(&br) + 1;
    uint64_t height_in_map_units = (uint64_t)vg_bitreader_read_ue(&br) + 1;
    sps.frame_mbs_only = vg_bitreader_read_bit(&br);
    if (!sps.frame_mbs_only)
        vg_bitreader_read_bit(&br);   /* mb_adaptive_frame_field_flag */
    vg_bitreader_read_bit(&br);       /* direct_8x8_inference_flag */
    uint64_t crop[4] = {0, 0, 0, 0};  /* left, right, top, bottom */
    if (vg_bitreader_read_bit(&br)) { /* frame_cropping_flag */
        for (int i = 0; i < 4; i++)
            crop[i] = vg_bitreader_read_ue(&br);
    }
    bool vui_present = vg_bitreader_read_bit(&br);
    if (br.error)
        return VG_ESYNTAX;

    /*
     * 7.4.2.1.1: FrameHeightInMbs = (2 - frame_mbs_only_flag) * PicHeightInMapUnits;
     * cropping counts in CropUnitX = SubWidthC and CropUnitY = SubHeightC *
     * (2 - frame_mbs_only_flag), or 1 and (2 - frame_mbs_only_flag) when
     * ChromaArrayType is 0 (monochrome, or 4:4:4 as separate planes).
     * Table 6-1: SubWidthC, SubHeightC are 2, 2 for 4:2:0; 2, 1 for 4:2:2; 1, 1 for 4:4:4.
     */
    unsigned chroma_array_type = sps.separate_colour_plane ? 0 : chroma_format_idc;
    unsigned sub_width = chroma_array_type == 1 || chroma_array_type == 2 ? 2 : 1;
    unsigned sub_height = chroma_array_type == 1 ? 2 : 1;
    unsigned field_factor = sps.frame_mbs_only ? 1 : 2;
    uint64_t crop_unit_x = sub_width, crop_unit_y = (uint64_t)sub_height * field_factor;
    uint64_t coded_width = width_in_mbs * 16;
    uint64_t coded_height = height_in_map_units * field_factor * 16;
    /* The mp4 VisualSampleEntry (ISO/IEC 14496-12 12.1.3) holds 16-bit sizes. */
    if (coded_width > 65535 || coded_height > 65535)
        return VG_ESYNTAX;
    uint64_t crop_x = (crop[0] + crop[1]) * crop_unit_x, crop_y = (crop[2] + crop[3]) * crop_unit_y;
    if (crop_x >= coded_width || crop_y >= coded_height)
        return VG_ESYNTAX;
    sps.coded_width = (uint32_t)coded_width;
    sps.coded_height = (uint32_t)coded_height;
    sps.crop_left = (uint32_t)(crop[0] * crop_unit_x);
    sps.crop_right = (uint32_t)(crop[1] * crop_unit_x);
    sps.crop_top = (uint32_t)(crop[2] * crop_unit_y);
    sps.crop_bottom = (uint32_t)(crop[3] * crop_unit_y);
    sps.width = (uint32_t)(coded_width - crop_x);
    sps.height = (uint32_t)(coded_height - crop_y);

    if (vui_present) {
        vg_h264_sps with_vui = sps;
        with_vui.vui_present = true;
        if (parse_vui(&br, &with_vui) == 0) {
            sps = with_vui;
            /* E.2.1: a frame lasts two ticks (num_units_in_tick is a field period). */
            if (sps.timing_info_present)
                vg_codec_frame_rate(sps.time_scale, 2 * (uint64_t)sps.num_units_in_tick,
                                    &sps.fps_num, &sps.fps_den);
        }
    }
    *out = sps;
    return 0;
}

int vg_h264_codec_string(const vg_h264_sps *sps, char *out, size_t cap)
{
    /* RFC 6381 3.3: avc1.PPCCLL, the three bytes after the SPS NAL header in hex. */
    int n = snprintf(out, cap, "avc1.%02x%02x%02x", sps->profile_idc, sps->constraint_flags,
                     sps->level_idc);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return VG_ERANGE;
    }
    return 0;
}

/* ---- avcC ------------------------------------------------------------------------------- */

/* ISO/IEC 14496-15 5.3.3.1.2: the profiles whose record carries chroma_format and bit depths. */
static bool avcc_has_ext(unsigned profile_idc)
{
    return profile_idc == 100 || profile_idc == 110 || profile_idc == 122 || profile_idc == 144;
}

/*
 * Reads `count` parameter sets, each a 16-bit length and a NAL unit of
 * `type`, at *pos of data[0..len) into views[]. VG_ESYNTAX when one runs
 * past the end, is empty or has another type.
 */
static int read_nal_list(const uint8_t *data, size_t len, size_t *pos, size_t count, unsigned type,
                         vg_nal *views)
{
    for (size_t i = 0; i < count; i++) {
        if (len - *pos < 2)
            return VG_ESYNTAX;
        size_t n = vg_load_be16(data + *pos);
        *pos += 2;
        if (n == 0 || n > len - *pos || vg_nal_h264_type(data[*pos]) != type)
            return VG_ESYNTAX;
        views[i] = (vg_nal){data + *pos, n};
        *pos += n;
    }
    return 0;
}

int vg_h264_avcc_parse(const uint8_t *data, size_t len, vg_h264_avcc *out)
{
    memset(out, 0, sizeof(*out));
    /* 5.3.3.1.1: 5 header bytes, numOfSequenceParameterSets, ..., numOfPictureParameterSets. */
    if (!data || len < 7 || data[0] != 1)
        return VG_ESYNTAX;
    out->version = data[0];
    out->profile_idc = data[1];
    out->profile_compatibility = data[2];
    out->level_idc = data[3];
    unsigned length_size = (data[4] & 0x3) + 1; /* reserved '111111', lengthSizeMinusOne */
    if (length_size == 3)
        return VG_ESYNTAX; /* 5.3.3.1.2: 0, 1 or 3, for 1, 2 or 4 bytes */
    out->length_size = (uint8_t)length_size;

    size_t pos = 5;
    out->sps_count = data[pos++] & 0x1f; /* reserved '111', numOfSequenceParameterSets */
    if (read_nal_list(data, len, &pos, out->sps_count, VG_H264_NAL_SPS, out->sps) < 0)
        goto fail;
    if (len - pos < 1)
        goto fail;
    out->pps_count = data[pos++];
    if (read_nal_list(data, len, &pos, out->pps_count, VG_H264_NAL_PPS, out->pps) < 0)
        goto fail;

    /* The extension: chroma_format, bit depths, SPS extensions (type 13). Optional in practice. */
    if (avcc_has_ext(out->profile_idc) && len - pos >= 4) {
        size_t ext_pos = pos + 4;
        size_t ext_count = data[pos + 3];
        if (read_nal_list(data, len, &ext_pos, ext_count, 13, out->sps_ext) == 0) {
            out->has_ext = true;
            out->chroma_format = data[pos] & 0x3;
            out->bit_depth_luma = (uint8_t)((data[pos + 1] & 0x7) + 8);
            out->bit_depth_chroma = (uint8_t)((data[pos + 2] & 0x7) + 8);
            out->sps_ext_count = ext_count;
        } else {
            memset(out->sps_ext, 0, sizeof(out->sps_ext));
        }
    }
    return 0;

fail:
    memset(out, 0, sizeof(*out));
    return VG_ESYNTAX;
}

int vg_h264_avcc_build(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                       uint8_t *out, size_t cap, size_t *out_len)
{
    vg_h264_sps info;
    *out_len = 0;
    if (vg_h264_sps_parse(sps, sps_len, &info) < 0)
        return VG_ESYNTAX;
    if (!pps || pps_len == 0 || vg_nal_h264_type(pps[0]) != VG_H264_NAL_PPS)
        return VG_ESYNTAX;
    if (sps_len > 0xffff || pps_len > 0xffff)
        return VG_ERANGE;
    bool ext = avcc_has_ext(info.profile_idc);
    size_t need = 6 + 2 + sps_len + 1 + 2 + pps_len + (ext ? 4 : 0);
    *out_len = need;
    if (!out || cap < need)
        return VG_ERANGE;

    uint8_t *p = out;
    *p++ = 1;      /* configurationVersion */
    *p++ = sps[1]; /* AVCProfileIndication */
    *p++ = sps[2]; /* profile_compatibility */
    *p++ = sps[3]; /* AVCLevelIndication */
    *p++ = 0xff;   /* reserved '111111', lengthSizeMinusOne 3 */
    *p++ = 0xe1;   /* reserved '111', numOfSequenceParameterSets 1 */
    vg_store_be16(p, (uint16_t)sps_len);
    memcpy(p + 2, sps, sps_len);
    p += 2 + sps_len;
    *p++ = 1; /* numOfPictureParameterSets */
    vg_store_be16(p, (uint16_t)pps_len);
    memcpy(p + 2, pps, pps_len);
    p += 2 + pps_len;
    if (ext) {
        *p++ = (uint8_t)(0xfc | info.chroma_format_idc);      /* reserved '111111' */
        *p++ = (uint8_t)(0xf8 | (info.bit_depth_luma - 8));   /* reserved '11111' */
        *p++ = (uint8_t)(0xf8 | (info.bit_depth_chroma - 8)); /* reserved '11111' */
        *p++ = 0;                                             /* numOfSequenceParameterSetExt */
    }
    return 0;
}
