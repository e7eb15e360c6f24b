/*
 * fuzz_h265.c: codec/nal.c and codec/h265.c against arbitrary bytes.
 *
 * The same input is read every way an H.265 parser in vigil may meet it:
 *   - as an Annex-B stream: every NAL unit lies inside the input; Annex-B ->
 *     AVCC -> Annex-B -> AVCC gives the same AVCC bytes, with and without
 *     AUD/filler dropping; every SPS found is parsed, and the first VPS, SPS
 *     and PPS, when they are, built into an hvcC record that parses back to
 *     the same three NAL units and the SPS's profile, tier and level;
 *   - as an AVCC access unit: iteration, validation and the key-frame check
 *     agree, and AVCC -> Annex-B -> AVCC is the identity when every NAL
 *     unit can be framed in Annex-B;
 *   - as one SPS NAL unit and as an hvcC record.
 * Beyond those properties: no crash, no overread (ASan), no UB (UBSan).
 */
#include "codec/h265.h"
#include "codec/nal.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

#include "fuzz_nal_roundtrip.h"

static void check_sps(const uint8_t *nal, size_t len)
{
    vg_h265_sps sps;
    if (vg_h265_sps_parse(nal, len, &sps) != 0)
        return;
    check(sps.width > 0 && sps.width <= sps.coded_width && sps.coded_width <= 65535);
    check(sps.height > 0 && sps.height <= sps.coded_height && sps.coded_height <= 65535);
    check(sps.coded_width - sps.crop_left - sps.crop_right == sps.width);
    check(sps.coded_height - sps.crop_top - sps.crop_bottom == sps.height);
    check(sps.max_sub_layers >= 1 && sps.max_sub_layers <= 7);
    check(sps.bit_depth_luma >= 8 && sps.bit_depth_luma <= 16);
    check(sps.min_spatial_segmentation_idc <= 4095);
    check((sps.fps_num == 0) == (sps.fps_den == 0));
    char codec[48];
    check(vg_h265_codec_string(&sps, codec, sizeof(codec)) == 0);
    check(strncmp(codec, "hvc1.", 5) == 0);
}

static bool nal_eq(vg_nal a, vg_nal b)
{
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* Builds an hvcC from a VPS, SPS and PPS; it must parse back to them. */
static void check_hvcc_build(vg_nal vps, vg_nal sps, vg_nal pps)
{
    size_t need = 0;
    int ret = vg_h265_hvcc_build(vps.p, vps.len, sps.p, sps.len, pps.p, pps.len, NULL, 0, &need);
    if (ret != VG_ERANGE || need == 0)
        return;
    uint8_t *rec = malloc(need);
    size_t len = 0;
    check(rec &&
          vg_h265_hvcc_build(vps.p, vps.len, sps.p, sps.len, pps.p, pps.len, rec, need, &len) == 0);
    check(len == need);
    vg_h265_hvcc hvcc;
    vg_h265_sps info;
    check(vg_h265_hvcc_parse(rec, len, &hvcc) == 0);
    check(hvcc.vps_count == 1 && hvcc.sps_count == 1 && hvcc.pps_count == 1);
    check(nal_eq(hvcc.vps[0], vps) && nal_eq(hvcc.sps[0], sps) && nal_eq(hvcc.pps[0], pps));
    check(vg_h265_sps_parse(sps.p, sps.len, &info) == 0);
    check(hvcc.ptl.profile_space == info.ptl.profile_space && hvcc.ptl.tier == info.ptl.tier &&
          hvcc.ptl.profile_idc == info.ptl.profile_idc &&
          hvcc.ptl.profile_compatibility_flags == info.ptl.profile_compatibility_flags &&
          hvcc.ptl.constraint_flags == info.ptl.constraint_flags &&
          hvcc.ptl.level_idc == info.ptl.level_idc);
    check(hvcc.chroma_format_idc == info.chroma_format_idc &&
          hvcc.bit_depth_luma == info.bit_depth_luma &&
          hvcc.bit_depth_chroma == info.bit_depth_chroma);
    check(hvcc.num_temporal_layers == info.max_sub_layers && hvcc.length_size == 4);
    check(hvcc.min_spatial_segmentation_idc == info.min_spatial_segmentation_idc);
    free(rec);
}

static void annexb(const uint8_t *data, size_t size)
{
    vg_nal_annexb_iter it;
    vg_nal nal, vps = {NULL, 0}, sps = {NULL, 0}, pps = {NULL, 0};
    size_t count = 0, kept = 0;
    vg_nal_annexb_iter_init(&it, data, size);
    while (vg_nal_annexb_next(&it, &nal)) {
        check(nal.len > 0 && nal.p >= data && nal.p + nal.len <= data + size);
        check(nal.p[nal.len - 1] != 0);
        count++;
        unsigned type = vg_nal_h265_type(nal.p[0]);
        kept += type != VG_H265_NAL_AUD && type != VG_H265_NAL_FILLER;
        if (type == VG_H265_NAL_SPS) {
            check_sps(nal.p, nal.len);
            if (!sps.p)
                sps = nal;
        } else if (type == VG_H265_NAL_VPS && !vps.p) {
            vps = nal;
        } else if (type == VG_H265_NAL_PPS && !pps.p) {
            pps = nal;
        }
    }
    if (vps.p && sps.p && pps.p)
        check_hvcc_build(vps, sps, pps);

    check_nal_roundtrip(data, size, VG_NAL_H265, count, kept);
}

static void avcc(const uint8_t *data, size_t size)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    size_t count = 0, validated = 0;
    bool irap = false;
    int ret;
    vg_nal_avcc_iter_init(&it, data, size);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1) {
        check(nal.len > 0 && nal.p >= data + 4 && nal.p + nal.len <= data + size);
        unsigned type = vg_nal_h265_type(nal.p[0]);
        irap |= type >= 16 && type <= 21;
        if (type == VG_H265_NAL_SPS)
            check_sps(nal.p, nal.len);
        count++;
    }
    check(ret == 0 || ret == VG_ESYNTAX);
    check(vg_nal_avcc_validate(data, size, &validated) == ret);
    check(vg_nal_avcc_is_keyframe(VG_NAL_H265, data, size) == (ret == 0 && irap));
    if (ret < 0)
        return;
    check(validated == count);
    if (!framable(data, size))
        return;
    uint8_t *annexb = NULL, *back = NULL;
    size_t annexb_len = 0, back_len = 0;
    check(vg_nal_avcc_to_annexb_alloc(data, size, &annexb, &annexb_len) == 0);
    check(annexb_len == size);
    check(vg_nal_annexb_to_avcc_alloc(annexb, annexb_len, VG_NAL_H265, 0, &back, &back_len) == 0);
    check(back_len == size && (size == 0 || memcmp(back, data, size) == 0));
    free(annexb);
    free(back);
}

static void hvcc_record(const uint8_t *data, size_t size)
{
    vg_h265_hvcc rec;
    if (vg_h265_hvcc_parse(data, size, &rec) != 0)
        return;
    check(rec.length_size == 1 || rec.length_size == 2 || rec.length_size == 4);
    check(rec.vps_count <= VG_H265_HVCC_MAX_VPS && rec.sps_count <= VG_H265_HVCC_MAX_SPS &&
          rec.pps_count <= VG_H265_HVCC_MAX_PPS);
    for (size_t i = 0; i < rec.sps_count; i++) {
        check(rec.sps[i].p > data && rec.sps[i].p + rec.sps[i].len <= data + size);
        check_sps(rec.sps[i].p, rec.sps[i].len);
    }
    if (rec.vps_count > 0 && rec.sps_count > 0 && rec.pps_count > 0)
        check_hvcc_build(rec.vps[0], rec.sps[0], rec.pps[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    annexb(data, size);
    avcc(data, size);
    check_sps(data, size);
    hvcc_record(data, size);
    return 0;
}
