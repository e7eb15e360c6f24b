#include "codec/h265.h"

#include "codec/bitreader.h"
#include "codec/codec_internal.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

/* The largest sps_max_dec_pic_buffering_minus1 (A.4.2: MaxDpbSize is at most 16). */
#define MAX_DPB_MINUS1 15
#define MAX_ST_RPS     64 /* num_short_term_ref_pic_sets: 0..64 (7.4.3.2.1) */
#define MAX_RPS_PICS   16 /* pictures on one side of a short-term set */

/*
 * 7.3.3 profile_tier_level(1, maxNumSubLayersMinus1): the general part into
 * *ptl; the sub-layer parts are skipped, their size depending on the
 * present flags.
 */
static void parse_ptl(vg_bitreader *br, unsigned max_sub_layers_minus1, vg_h265_ptl *ptl)
{
    ptl->profile_space = (uint8_t)vg_bitreader_read_bits(br, 2);
    ptl->tier = vg_bitreader_read_bit(br);
    ptl->profile_idc = (uint8_t)vg_bitreader_read_bits(br, 5);
    ptl->profile_compatibility_flags = vg_bitreader_read_bits(br, 32);
    /* general_progressive_source_flag .. general_inbld_flag/reserved: 48 bits */
    uint64_t high = vg_bitreader_read_bits(br, 32);
    ptl->constraint_flags = high << 16 | vg_bitreader_read_bits(br, 16);
    ptl->level_idc = (uint8_t)vg_bitreader_read_bits(br, 8);

    bool profile_present[8] = {false}, level_present[8] = {false};
    for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
        profile_present[i] = vg_bitreader_read_bit(br);
        level_present[i] = vg_bitreader_read_bit(br);
    }
    if (max_sub_layers_minus1 > 0)
        vg_bitreader_skip_bits(br, 2 * (8 - max_sub_layers_minus1)); /* reserved_zero_2bits */
    for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
        if (profile_present[i])
            vg_bitreader_skip_bits(br, 88); /* space, tier, idc, 32 flags, 48 constraint bits */
        if (level_present[i])
            vg_bitreader_skip_bits(br, 8); /* sub_layer_level_idc */
    }
}

/* 7.3.4 scaling_list_data(): skipped, with the ranges of 7.4.5 checked. */
static int skip_scaling_list_data(vg_bitreader *br)
{
    for (unsigned size_id = 0; size_id < 4; size_id++) {
        for (unsigned matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
            if (!vg_bitreader_read_bit(br)) {              /* scaling_list_pred_mode_flag */
                uint32_t delta = vg_bitreader_read_ue(br); /* scaling_list_pred_matrix_id_delta */
                if (delta > (size_id == 3 ? matrix_id / 3 : matrix_id))
                    return VG_ESYNTAX;
            } else {
                unsigned coef_num = size_id == 0 ? 16 : 64;
                if (size_id > 1) {
                    int32_t dc = vg_bitreader_read_se(br); /* scaling_list_dc_coef_minus8 */
                    if (dc < -7 || dc > 247)
                        return VG_ESYNTAX;
                }
                for (unsigned i = 0; i < coef_num; i++) {
                    int32_t delta = vg_bitreader_read_se(br); /* scaling_list_delta_coef */
                    if (delta < -128 || delta > 127)
                        return VG_ESYNTAX;
                }
            }
            if (br->error)
                return VG_ESYNTAX;
        }
    }
    return 0;
}

/* One short-term reference picture set: the POC deltas of S0 (before) and S1 (after). */
typedef struct st_rps {
    unsigned num_negative, num_positive;
    int32_t s0[MAX_RPS_PICS];
    int32_t s1[MAX_RPS_PICS];
} st_rps;

/* Appends `d` to one side of a set being derived; VG_ESYNTAX when the side is full. */
static int rps_push(int32_t *side, unsigned *n, int32_t d)
{
    if (*n == MAX_RPS_PICS)
        return VG_ESYNTAX;
    side[(*n)++] = d;
    return 0;
}

/*
 * 7.3.7 st_ref_pic_set(idx) as it appears in an SPS. How many flags an
 * inter-predicted set reads depends on NumDeltaPocs of the set it is
 * predicted from, which in turn depends on the delta values (entries whose
 * delta comes out 0 are dropped), so every set is derived as 7.4.8
 * (equations 7-61 and 7-62) says. `max_pics` is
 * sps_max_dec_pic_buffering_minus1 of the highest sub-layer.
 */
static int parse_st_rps(vg_bitreader *br, unsigned idx, st_rps *sets, unsigned max_pics)
{
    st_rps *rps = &sets[idx];
    *rps = (st_rps){0};
    bool inter = idx != 0 && vg_bitreader_read_bit(br); /* inter_ref_pic_set_prediction_flag */
    if (inter) {
        /* In an SPS delta_idx_minus1 is absent (it is 0): the reference is the previous set. */
        const st_rps *ref = &sets[idx - 1];
        unsigned sign = vg_bitreader_read_bit(br);      /* delta_rps_sign */
        uint32_t abs_minus1 = vg_bitreader_read_ue(br); /* abs_delta_rps_minus1: 0..2^15 - 1 */
        if (abs_minus1 > 32767)
            return VG_ESYNTAX;
        int32_t delta_rps = (sign ? -1 : 1) * (int32_t)(abs_minus1 + 1);
        unsigned ref_num = ref->num_negative + ref->num_positive;
        bool use_delta[2 * MAX_RPS_PICS + 1];
        for (unsigned j = 0; j <= ref_num; j++) {
            /* used_by_curr_pic_flag; use_delta_flag only when that is 0, else inferred 1 */
            use_delta[j] = vg_bitreader_read_bit(br) || vg_bitreader_read_bit(br);
        }
        if (br->error)
            return VG_ESYNTAX;
        /* 7-61: S0 of the new set, nearest first. */
        unsigned n = 0;
        for (unsigned j = ref->num_positive; j-- > 0;) {
            int32_t d = ref->s1[j] + delta_rps;
            if (d < 0 && use_delta[ref->num_negative + j] && rps_push(rps->s0, &n, d) < 0)
                return VG_ESYNTAX;
        }
        if (delta_rps < 0 && use_delta[ref_num] && rps_push(rps->s0, &n, delta_rps) < 0)
            return VG_ESYNTAX;
        for (unsigned j = 0; j < ref->num_negative; j++) {
            int32_t d = ref->s0[j] + delta_rps;
            if (d < 0 && use_delta[j] && rps_push(rps->s0, &n, d) < 0)
                return VG_ESYNTAX;
        }
        rps->num_negative = n;
        /* 7-62: S1 of the new set. */
        n = 0;
        for (unsigned j = ref->num_negative; j-- > 0;) {
            int32_t d = ref->s0[j] + delta_rps;
            if (d > 0 && use_delta[j] && rps_push(rps->s1, &n, d) < 0)
                return VG_ESYNTAX;
        }
        if (delta_rps > 0 && use_delta[ref_num] && rps_push(rps->s1, &n, delta_rps) < 0)
            return VG_ESYNTAX;
        for (unsigned j = 0; j < ref->num_positive; j++) {
            int32_t d = ref->s1[j] + delta_rps;
            if (d > 0 && use_delta[ref->num_negative + j] && rps_push(rps->s1, &n, d) < 0)
                return VG_ESYNTAX;
        }
        rps->num_positive = n;
        return 0;
    }

    /* 7.4.8: num_negative_pics + num_positive_pics <= sps_max_dec_pic_buffering_minus1. */
    uint32_t num_negative = vg_bitreader_read_ue(br);
    uint32_t num_positive = vg_bitreader_read_ue(br);
    if (br->error || num_negative > max_pics || num_positive > max_pics - num_negative)
        return VG_ESYNTAX;
    int32_t poc = 0;
    for (uint32_t i = 0; i < num_negative; i++) {
        uint32_t d = vg_bitreader_read_ue(br); /* delta_poc_s0_minus1: 0..2^15 - 1 */
        if (d > 32767)
            return VG_ESYNTAX;
        poc -= (int32_t)d + 1;
        rps->s0[i] = poc;
        vg_bitreader_read_bit(br); /* used_by_curr_pic_s0_flag */
    }
    poc = 0;
    for (uint32_t i = 0; i < num_positive; i++) {
        uint32_t d = vg_bitreader_read_ue(br); /* delta_poc_s1_minus1 */
        if (d > 32767)
            return VG_ESYNTAX;
        poc += (int32_t)d + 1;
        rps->s1[i] = poc;
        vg_bitreader_read_bit(br); /* used_by_curr_pic_s1_flag */
    }
    rps->num_negative = num_negative;
    rps->num_positive = num_positive;
    return br->error ? VG_ESYNTAX : 0;
}

/* E.2.3 sub_layer_hrd_parameters(): cpb_cnt entries, skipped. */
static void skip_sub_layer_hrd(vg_bitreader *br, unsigned cpb_cnt, bool sub_pic)
{
    for (unsigned i = 0; i < cpb_cnt && !br->error; i++) {
        vg_bitreader_read_ue(br); /* bit_rate_value_minus1 */
        vg_bitreader_read_ue(br); /* cpb_size_value_minus1 */
        if (sub_pic) {
            vg_bitreader_read_ue(br); /* cpb_size_du_value_minus1 */
            vg_bitreader_read_ue(br); /* bit_rate_du_value_minus1 */
        }
        vg_bitreader_read_bit(br); /* cbr_flag */
    }
}

/* E.2.2 hrd_parameters(1, maxNumSubLayersMinus1): skipped. */
static int skip_hrd(vg_bitreader *br, unsigned max_sub_layers_minus1)
{
    bool nal = vg_bitreader_read_bit(br); /* nal_hrd_parameters_present_flag */
    bool vcl = vg_bitreader_read_bit(br); /* vcl_hrd_parameters_present_flag */
    bool sub_pic = false;
    if (nal || vcl) {
        sub_pic = vg_bitreader_read_bit(br); /* sub_pic_hrd_params_present_flag */
        if (sub_pic)
            vg_bitreader_skip_bits(br, 8 + 5 + 1 + 5); /* tick_divisor_minus2 .. */
        vg_bitreader_skip_bits(br, 4 + 4);             /* bit_rate_scale, cpb_size_scale */
        if (sub_pic)
            vg_bitreader_skip_bits(br, 4);     /* cpb_size_du_scale */
        vg_bitreader_skip_bits(br, 5 + 5 + 5); /* the three *_length_minus1 */
    }
    for (unsigned i = 0; i <= max_sub_layers_minus1; i++) {
        bool fixed_within_cvs = true; /* inferred 1 when fixed_pic_rate_general_flag is 1 */
        bool low_delay = false;
        uint32_t cpb_cnt_minus1 = 0;
        if (!vg_bitreader_read_bit(br)) /* fixed_pic_rate_general_flag */
            fixed_within_cvs = vg_bitreader_read_bit(br);
        if (fixed_within_cvs)
            vg_bitreader_read_ue(br); /* elemental_duration_in_tc_minus1 */
        else
            low_delay = vg_bitreader_read_bit(br); /* low_delay_hrd_flag */
        if (!low_delay)
            cpb_cnt_minus1 = vg_bitreader_read_ue(br);
        if (br->error || cpb_cnt_minus1 > 31)
            return VG_ESYNTAX;
        if (nal)
            skip_sub_layer_hrd(br, cpb_cnt_minus1 + 1, sub_pic);
        if (vcl)
            skip_sub_layer_hrd(br, cpb_cnt_minus1 + 1, sub_pic);
    }
    return br->error ? VG_ESYNTAX : 0;
}

/* E.2.1 vui_parameters(): aspect ratio, timing, min_spatial_segmentation_idc. */
static int parse_vui(vg_bitreader *br, unsigned max_sub_layers_minus1, vg_h265_sps *sps)
{
    vg_codec_read_vui_head(br, &sps->sar_width, &sps->sar_height);
    vg_bitreader_read_bit(br); /* neutral_chroma_indication_flag */
    sps->field_seq = vg_bitreader_read_bit(br);
    vg_bitreader_read_bit(br);       /* frame_field_info_present_flag */
    if (vg_bitreader_read_bit(br)) { /* default_display_window_flag: not applied, as FFmpeg */
        for (int i = 0; i < 4; i++)
            vg_bitreader_read_ue(br);
    }
    if (vg_bitreader_read_bit(br)) { /* vui_timing_info_present_flag */
        sps->timing_info_present = true;
        sps->num_units_in_tick = vg_bitreader_read_bits(br, 32);
        sps->time_scale = vg_bitreader_read_bits(br, 32);
        if (vg_bitreader_read_bit(br))   /* vui_poc_proportional_to_timing_flag */
            vg_bitreader_read_ue(br);    /* vui_num_ticks_poc_diff_one_minus1 */
        if (vg_bitreader_read_bit(br) && /* vui_hrd_parameters_present_flag */
            skip_hrd(br, max_sub_layers_minus1) < 0)
            return VG_ESYNTAX;
    }
    if (vg_bitreader_read_bit(br)) {   /* bitstream_restriction_flag */
        vg_bitreader_read_bits(br, 3); /* tiles_fixed_structure .. restricted_ref_pic_lists */
        uint32_t min_spatial = vg_bitreader_read_ue(br);
        if (min_spatial > 4095)
            return VG_ESYNTAX;
        sps->min_spatial_segmentation_idc = (uint16_t)min_spatial;
        for (int i = 0; i < 4; i++)
            vg_bitreader_read_ue(br); /* max_bytes_per_pic_denom .. log2_max_mv_length_vertical */
    }
    return br->error ? VG_ESYNTAX : 0;
}

int vg_h265_sps_parse(const uint8_t *nal, size_t len, vg_h265_sps *out)
{
    vg_h265_sps sps = {0};
    vg_bitreader br;
    st_rps sets[MAX_ST_RPS];
    memset(out, 0, sizeof(*out));

    /* 7.3.1.2 nal_unit_header(): forbidden_zero_bit, nal_unit_type, nuh_layer_id, tid + 1. */
    if (!nal || len < 3 || vg_nal_h265_type(nal[0]) != VG_H265_NAL_SPS || (nal[0] & 0x80))
        return VG_ESYNTAX;
    vg_bitreader_init(&br, nal + 2, len - 2);

    /* 7.3.2.2.1 seq_parameter_set_rbsp() */
    sps.vps_id = (uint8_t)vg_bitreader_read_bits(&br, 4);
    unsigned max_sub_layers_minus1 = vg_bitreader_read_bits(&br, 3);
    if (max_sub_layers_minus1 > 6)
        return VG_ESYNTAX;
    sps.max_sub_layers = (uint8_t)(max_sub_layers_minus1 + 1);
    sps.temporal_id_nesting = vg_bitreader_read_bit(&br);
    parse_ptl(&br, max_sub_layers_minus1, &sps.ptl);
    uint32_t sps_id = vg_bitreader_read_ue(&br);
    uint32_t chroma_format_idc = vg_bitreader_read_ue(&br);
    if (br.error || sps_id > 15 || chroma_format_idc > 3)
        return VG_ESYNTAX;
    sps.sps_id = (uint8_t)sps_id;
    sps.chroma_format_idc = (uint8_t)chroma_format_idc;
    if (chroma_format_idc == 3)
        sps.separate_colour_plane = vg_bitreader_read_bit(&br);
    uint64_t width = vg_bitreader_read_ue(&br);  /* pic_width_in_luma_samples */
    uint64_t height = vg_bitreader_read_ue(&br); /* pic_height_in_luma_samples */
    uint64_t conf[4] = {0, 0, 0, 0};             /* left, right, top, bottom */
    if (vg_bitreader_read_bit(&br)) {            /* conformance_window_flag */
        for (int i = 0; i < 4; i++)
            conf[i] = vg_bitreader_read_ue(&br);
    }
    uint32_t bit_depth_luma_minus8 = vg_bitreader_read_ue(&br);
    uint32_t bit_depth_chroma_minus8 = vg_bitreader_read_ue(&br);
    uint32_t log2_max_poc_lsb_minus4 = vg_bitreader_read_ue(&br);
    if (br.error || bit_depth_luma_minus8 > 8 || bit_depth_chroma_minus8 > 8 ||
        log2_max_poc_lsb_minus4 > 12)
        return VG_ESYNTAX;
    sps.bit_depth_luma = (uint8_t)(bit_depth_luma_minus8 + 8);
    sps.bit_depth_chroma = (uint8_t)(bit_depth_chroma_minus8 + 8);

    /*
     * 7.4.3.2.1: SubWidthC and SubHeightC (Table 6-1) are 2, 2 for 4:2:0;
     * 2, 1 for 4:2:2; 1, 1 for 4:4:4, monochrome and separate planes; the
     * conformance window counts in them.
     */
    unsigned chroma_array_type = sps.separate_colour_plane ? 0 : chroma_format_idc;
    unsigned sub_width = chroma_array_type == 1 || chroma_array_type == 2 ? 2 : 1;
    unsigned sub_height = chroma_array_type == 1 ? 2 : 1;
    uint64_t crop_x = (conf[0] + conf[1]) * sub_width, crop_y = (conf[2] + conf[3]) * sub_height;
    if (width == 0 || height == 0 || width > 65535 || height > 65535 || crop_x >= width ||
        crop_y >= height)
        return VG_ESYNTAX;
    sps.coded_width = (uint32_t)width;
    sps.coded_height = (uint32_t)height;
    sps.crop_left = (uint32_t)(conf[0] * sub_width);
    sps.crop_right = (uint32_t)(conf[1] * sub_width);
    sps.crop_top = (uint32_t)(conf[2] * sub_height);
    sps.crop_bottom = (uint32_t)(conf[3] * sub_height);
    sps.width = (uint32_t)(width - crop_x);
    sps.height = (uint32_t)(height - crop_y);

    /* sub_layer_ordering_info: for every sub-layer, or only the highest. */
    bool ordering_all = vg_bitreader_read_bit(&br);
    uint32_t max_dec_pic_buffering_minus1 = 0;
    for (unsigned i = ordering_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; i++) {
        max_dec_pic_buffering_minus1 = vg_bitreader_read_ue(&br);
        uint32_t num_reorder = vg_bitreader_read_ue(&br);
        vg_bitreader_read_ue(&br); /* sps_max_latency_increase_plus1 */
        if (max_dec_pic_buffering_minus1 > MAX_DPB_MINUS1 ||
            num_reorder > max_dec_pic_buffering_minus1)
            return VG_ESYNTAX;
    }

    /* 7.4.3.2.1: CtbLog2SizeY 4..6; the picture size a multiple of MinCbSizeY. */
    uint32_t log2_min_cb_minus3 = vg_bitreader_read_ue(&br);
    uint32_t log2_diff_cb = vg_bitreader_read_ue(&br);
    if (br.error || log2_min_cb_minus3 > 3 || log2_min_cb_minus3 + 3 + log2_diff_cb > 6 ||
        log2_min_cb_minus3 + 3 + log2_diff_cb < 4)
        return VG_ESYNTAX;
    uint32_t min_cb = 1u << (log2_min_cb_minus3 + 3);
    if (width % min_cb || height % min_cb)
        return VG_ESYNTAX;
    vg_bitreader_read_ue(&br);        /* log2_min_luma_transform_block_size_minus2 */
    vg_bitreader_read_ue(&br);        /* log2_diff_max_min_luma_transform_block_size */
    vg_bitreader_read_ue(&br);        /* max_transform_hierarchy_depth_inter */
    vg_bitreader_read_ue(&br);        /* max_transform_hierarchy_depth_intra */
    if (vg_bitreader_read_bit(&br) && /* scaling_list_enabled_flag */
        vg_bitreader_read_bit(&br) && /* sps_scaling_list_data_present_flag */
        skip_scaling_list_data(&br) < 0)
        return VG_ESYNTAX;
    vg_bitreader_read_bit(&br);         /* amp_enabled_flag */
    vg_bitreader_read_bit(&br);         /* sample_adaptive_offset_enabled_flag */
    if (vg_bitreader_read_bit(&br)) {   /* pcm_enabled_flag */
        vg_bitreader_read_bits(&br, 8); /* pcm_sample_bit_depth_luma/chroma_minus1 */
        vg_bitreader_read_ue(&br);      /* log2_min_pcm_luma_coding_block_size_minus3 */
        vg_bitreader_read_ue(&br);      /* log2_diff_max_min_pcm_luma_coding_block_size */
        vg_bitreader_read_bit(&br);     /* pcm_loop_filter_disabled_flag */
    }
    uint32_t num_st_rps = vg_bitreader_read_ue(&br);
    if (br.error || num_st_rps > MAX_ST_RPS)
        return VG_ESYNTAX;
    for (uint32_t i = 0; i < num_st_rps; i++) {
        if (parse_st_rps(&br, i, sets, max_dec_pic_buffering_minus1) < 0)
            return VG_ESYNTAX;
    }
    if (vg_bitreader_read_bit(&br)) { /* long_term_ref_pics_present_flag */
        uint32_t num_lt = vg_bitreader_read_ue(&br);
        if (num_lt > 32)
            return VG_ESYNTAX;
        /* lt_ref_pic_poc_lsb_sps is u(v), log2_max_pic_order_cnt_lsb_minus4 + 4 bits; a flag. */
        vg_bitreader_skip_bits(&br, (uint64_t)num_lt * (log2_max_poc_lsb_minus4 + 4 + 1));
    }
    vg_bitreader_read_bit(&br); /* sps_temporal_mvp_enabled_flag */
    vg_bitreader_read_bit(&br); /* strong_intra_smoothing_enabled_flag */
    bool vui_present = vg_bitreader_read_bit(&br);
    if (br.error)
        return VG_ESYNTAX;

    if (vui_present) {
        vg_h265_sps with_vui = sps;
        with_vui.vui_present = true;
        if (parse_vui(&br, max_sub_layers_minus1, &with_vui) == 0) {
            sps = with_vui;
            /* E.3.1: a clock tick is a picture period (a field with field_seq_flag). */
            if (sps.timing_info_present)
                vg_codec_frame_rate(sps.time_scale, sps.num_units_in_tick, &sps.fps_num,
                                    &sps.fps_den);
        }
    }
    *out = sps;
    return 0;
}

int vg_h265_codec_string(const vg_h265_sps *sps, char *out, size_t cap)
{
    static const char *const space[4] = {"", "A", "B", "C"};
    const vg_h265_ptl *ptl = &sps->ptl;
    /* E.3: the compatibility flags in reverse bit order, flag[0] becoming the lowest bit. */
    uint32_t flags = ptl->profile_compatibility_flags, reversed = 0;
    for (int i = 0; i < 32; i++) {
        reversed = reversed << 1 | (flags & 1);
        flags >>= 1;
    }
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "hvc1.%s%u.%X.%c%u", space[ptl->profile_space & 3],
                     ptl->profile_idc, reversed, ptl->tier ? 'H' : 'L', ptl->level_idc);
    /* The 6 constraint bytes from general_progressive_source_flag's; trailing zeros left out. */
    int last = -1;
    for (int i = 0; i < 6; i++) {
        if ((ptl->constraint_flags >> (40 - 8 * i)) & 0xff)
            last = i;
    }
    for (int i = 0; i <= last; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%X",
                      (unsigned)((ptl->constraint_flags >> (40 - 8 * i)) & 0xff));
    if ((size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return VG_ERANGE;
    }
    memcpy(out, buf, (size_t)n + 1);
    return 0;
}

/* ---- hvcC ------------------------------------------------------------------------------- */

int vg_h265_hvcc_parse(const uint8_t *data, size_t len, vg_h265_hvcc *out)
{
    memset(out, 0, sizeof(*out));
    /* 8.3.3.1.1: 23 bytes of header up to numOfArrays. */
    if (!data || len < 23 || data[0] != 1)
        return VG_ESYNTAX;
    out->version = data[0];
    out->ptl.profile_space = data[1] >> 6;
    out->ptl.tier = (data[1] >> 5) & 1;
    out->ptl.profile_idc = data[1] & 0x1f;
    out->ptl.profile_compatibility_flags = vg_load_be32(data + 2);
    out->ptl.constraint_flags = (uint64_t)vg_load_be32(data + 6) << 16 | vg_load_be16(data + 10);
    out->ptl.level_idc = data[12];
    out->min_spatial_segmentation_idc = vg_load_be16(data + 13) & 0x0fff;
    out->parallelism_type = data[15] & 0x3;
    out->chroma_format_idc = data[16] & 0x3;
    out->bit_depth_luma = (uint8_t)((data[17] & 0x7) + 8);
    out->bit_depth_chroma = (uint8_t)((data[18] & 0x7) + 8);
    out->avg_frame_rate = vg_load_be16(data + 19);
    out->constant_frame_rate = data[21] >> 6;
    out->num_temporal_layers = (data[21] >> 3) & 0x7;
    out->temporal_id_nested = (data[21] >> 2) & 1;
    out->length_size = (uint8_t)((data[21] & 0x3) + 1);
    int ret = VG_ESYNTAX;
    if (out->length_size == 3)
        goto fail;

    unsigned num_arrays = data[22];
    size_t pos = 23;
    for (unsigned a = 0; a < num_arrays; a++) {
        if (len - pos < 3)
            goto fail;
        unsigned type = data[pos] & 0x3f; /* array_completeness, reserved, NAL_unit_type */
        unsigned num_nalus = vg_load_be16(data + pos + 1);
        pos += 3;
        for (unsigned i = 0; i < num_nalus; i++) {
            if (len - pos < 2)
                goto fail;
            size_t n = vg_load_be16(data + pos);
            pos += 2;
            /* A NAL unit has its two header bytes, and is of its array's type. */
            if (n < 2 || n > len - pos || vg_nal_h265_type(data[pos]) != type)
                goto fail;
            vg_nal nal = {data + pos, n};
            pos += n;
            vg_nal *list = NULL;
            size_t *count = NULL, max = 0;
            if (type == VG_H265_NAL_VPS) {
                list = out->vps, count = &out->vps_count, max = VG_H265_HVCC_MAX_VPS;
            } else if (type == VG_H265_NAL_SPS) {
                list = out->sps, count = &out->sps_count, max = VG_H265_HVCC_MAX_SPS;
            } else if (type == VG_H265_NAL_PPS) {
                list = out->pps, count = &out->pps_count, max = VG_H265_HVCC_MAX_PPS;
            }
            if (!list)
                continue; /* SEI and others: checked, not kept */
            if (*count == max) {
                ret = VG_ERANGE;
                goto fail;
            }
            list[(*count)++] = nal;
        }
    }
    return 0;

fail:
    memset(out, 0, sizeof(*out));
    return ret;
}

/*
 * The parallelism a PPS allows (14496-15 8.3.3.1.2 parallelismType): 3 with
 * entropy coding sync (wavefront) alone, 2 with tiles alone, 0 with both, 1
 * with neither (slices). 7.3.2.3.1 up to entropy_coding_sync_enabled_flag.
 */
static int pps_parallelism_type(const uint8_t *pps, size_t len, unsigned *type)
{
    vg_bitreader br;
    vg_bitreader_init(&br, pps + 2, len - 2);
    if (vg_bitreader_read_ue(&br) > 63) /* pps_pic_parameter_set_id */
        return VG_ESYNTAX;
    if (vg_bitreader_read_ue(&br) > 15) /* pps_seq_parameter_set_id */
        return VG_ESYNTAX;
    vg_bitreader_read_bits(&br, 7); /* dependent_slice .. cabac_init_present_flag */
    vg_bitreader_read_ue(&br);      /* num_ref_idx_l0_default_active_minus1 */
    vg_bitreader_read_ue(&br);      /* num_ref_idx_l1_default_active_minus1 */
    vg_bitreader_read_se(&br);      /* init_qp_minus26 */
    vg_bitreader_read_bits(&br, 2); /* constrained_intra_pred_flag, transform_skip_enabled_flag */
    if (vg_bitreader_read_bit(&br)) /* cu_qp_delta_enabled_flag */
        vg_bitreader_read_ue(&br);  /* diff_cu_qp_delta_depth */
    vg_bitreader_read_se(&br);      /* pps_cb_qp_offset */
    vg_bitreader_read_se(&br);      /* pps_cr_qp_offset */
    vg_bitreader_read_bits(&br, 4); /* slice_chroma_qp_offsets_present .. transquant_bypass */
    bool tiles = vg_bitreader_read_bit(&br);
    bool wavefront = vg_bitreader_read_bit(&br);
    if (br.error)
        return VG_ESYNTAX;
    *type = tiles && wavefront ? 0 : wavefront ? 3 : tiles ? 2 : 1;
    return 0;
}

/* Appends one array of a single NAL unit (array_completeness 1) at *p. */
static uint8_t *put_array(uint8_t *p, unsigned type, const uint8_t *nal, size_t len)
{
    *p++ = (uint8_t)(0x80 | type); /* array_completeness 1, reserved 0, NAL_unit_type */
    vg_store_be16(p, 1);           /* numNalus */
    vg_store_be16(p + 2, (uint16_t)len);
    memcpy(p + 4, nal, len);
    return p + 4 + len;
}

int vg_h265_hvcc_build(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
                       const uint8_t *pps, size_t pps_len, uint8_t *out, size_t cap,
                       size_t *out_len)
{
    vg_h265_sps info;
    unsigned parallelism = 0;
    *out_len = 0;
    if (!vps || vps_len < 2 || vg_nal_h265_type(vps[0]) != VG_H265_NAL_VPS)
        return VG_ESYNTAX;
    if (!pps || pps_len < 3 || vg_nal_h265_type(pps[0]) != VG_H265_NAL_PPS)
        return VG_ESYNTAX;
    if (vg_h265_sps_parse(sps, sps_len, &info) < 0 ||
        pps_parallelism_type(pps, pps_len, &parallelism) < 0)
        return VG_ESYNTAX;
    if (vps_len > 0xffff || sps_len > 0xffff || pps_len > 0xffff)
        return VG_ERANGE;
    size_t need = 23 + 3 * (3 + 2) + vps_len + sps_len + pps_len;
    *out_len = need;
    if (!out || cap < need)
        return VG_ERANGE;
    /* 8.3.3.1.2: parallelismType means nothing without min_spatial_segmentation_idc. */
    if (info.min_spatial_segmentation_idc == 0)
        parallelism = 0;

    uint8_t *p = out;
    const vg_h265_ptl *ptl = &info.ptl;
    *p++ = 1; /* configurationVersion */
    *p++ = (uint8_t)(ptl->profile_space << 6 | (ptl->tier ? 0x20 : 0) | ptl->profile_idc);
    vg_store_be32(p, ptl->profile_compatibility_flags);
    vg_store_be32(p + 4, (uint32_t)(ptl->constraint_flags >> 16));
    vg_store_be16(p + 8, (uint16_t)ptl->constraint_flags);
    p += 10;
    *p++ = ptl->level_idc;
    vg_store_be16(p, (uint16_t)(0xf000 | info.min_spatial_segmentation_idc));
    p += 2;
    *p++ = (uint8_t)(0xfc | parallelism);
    *p++ = (uint8_t)(0xfc | info.chroma_format_idc);
    *p++ = (uint8_t)(0xf8 | (info.bit_depth_luma - 8));
    *p++ = (uint8_t)(0xf8 | (info.bit_depth_chroma - 8));
    vg_store_be16(p, 0); /* avgFrameRate: unspecified */
    p += 2;
    /* constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 */
    *p++ = (uint8_t)(info.max_sub_layers << 3 | (info.temporal_id_nesting ? 0x4 : 0) | 0x3);
    *p++ = 3; /* numOfArrays */
    p = put_array(p, VG_H265_NAL_VPS, vps, vps_len);
    p = put_array(p, VG_H265_NAL_SPS, sps, sps_len);
    put_array(p, VG_H265_NAL_PPS, pps, pps_len);
    return 0;
}
