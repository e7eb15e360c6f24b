/*
 * fuzz_h264.c: codec/nal.c and codec/h264.c against arbitrary bytes.
 *
 * The same input is read every way an H.264 parser in vigil may meet it:
 *   - as an Annex-B stream: every NAL unit lies inside the input, is not
 *     empty and does not end in 0x00; converting to AVCC and back to
 *     Annex-B and to AVCC again gives the same AVCC bytes, with and without
 *     AUD/filler dropping; every SPS found is parsed, and with the first
 *     PPS built into an avcC record that parses back to the same two NAL units;
 *   - as an AVCC access unit: iteration, validation and the key-frame check
 *     agree; when every NAL unit could be framed in Annex-B (no 00 00 0x
 *     with x < 3, no trailing 0x00), AVCC -> Annex-B -> AVCC is the identity;
 *   - as one SPS NAL unit and as an avcC record.
 * Beyond those properties: no crash, no overread (ASan), no UB (UBSan).
 */
#include "codec/h264.h"
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
    vg_h264_sps sps;
    if (vg_h264_sps_parse(nal, len, &sps) != 0)
        return;
    check(sps.width > 0 && sps.width <= sps.coded_width && sps.coded_width <= 65535);
    check(sps.height > 0 && sps.height <= sps.coded_height && sps.coded_height <= 65535);
    check(sps.coded_width - sps.crop_left - sps.crop_right == sps.width);
    check(sps.coded_height - sps.crop_top - sps.crop_bottom == sps.height);
    check(sps.chroma_format_idc <= 3 && sps.bit_depth_luma >= 8 && sps.bit_depth_luma <= 14);
    check((sps.fps_num == 0) == (sps.fps_den == 0));
    char codec[12];
    check(vg_h264_codec_string(&sps, codec, sizeof(codec)) == 0 && strlen(codec) == 11);
}

/* Builds an avcC from a parsed SPS and a PPS; it must parse back to the same two NAL units. */
static void check_avcc_build(vg_nal sps, vg_nal pps)
{
    size_t need = 0;
    int ret = vg_h264_avcc_build(sps.p, sps.len, pps.p, pps.len, NULL, 0, &need);
    if (ret != VG_ERANGE || need == 0)
        return;
    uint8_t *rec = malloc(need);
    size_t len = 0;
    check(rec && vg_h264_avcc_build(sps.p, sps.len, pps.p, pps.len, rec, need, &len) == 0);
    check(len == need);
    vg_h264_avcc avcc;
    check(vg_h264_avcc_parse(rec, len, &avcc) == 0);
    check(avcc.sps_count == 1 && avcc.pps_count == 1 && avcc.length_size == 4);
    check(avcc.sps[0].len == sps.len && memcmp(avcc.sps[0].p, sps.p, sps.len) == 0);
    check(avcc.pps[0].len == pps.len && memcmp(avcc.pps[0].p, pps.p, pps.len) == 0);
    check(avcc.profile_idc == sps.p[1] && avcc.level_idc == sps.p[3]);
    free(rec);
}

static void annexb(const uint8_t *data, size_t size)
{
    vg_nal_annexb_iter it;
    vg_nal nal, sps = {NULL, 0}, pps = {NULL, 0};
    size_t count = 0, kept = 0;
    vg_nal_annexb_iter_init(&it, data, size);
    while (vg_nal_annexb_next(&it, &nal)) {
        check(nal.len > 0 && nal.p >= data && nal.p + nal.len <= data + size);
        check(nal.p[nal.len - 1] != 0);
        count++;
        unsigned type = vg_nal_h264_type(nal.p[0]);
        kept += type != VG_H264_NAL_AUD && type != VG_H264_NAL_FILLER;
        if (type == VG_H264_NAL_SPS) {
            check_sps(nal.p, nal.len);
            if (!sps.p)
                sps = nal;
        } else if (type == VG_H264_NAL_PPS && !pps.p) {
            pps = nal;
        }
    }
    if (sps.p && pps.p)
        check_avcc_build(sps, pps);

    check_nal_roundtrip(data, size, VG_NAL_H264, count, kept);
}

static void avcc(const uint8_t *data, size_t size)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    size_t count = 0, validated = 0;
    bool idr = false;
    int ret;
    vg_nal_avcc_iter_init(&it, data, size);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1) {
        check(nal.len > 0 && nal.p >= data + 4 && nal.p + nal.len <= data + size);
        idr |= vg_nal_h264_type(nal.p[0]) == VG_H264_NAL_IDR;
        if (vg_nal_h264_type(nal.p[0]) == VG_H264_NAL_SPS)
            check_sps(nal.p, nal.len);
        count++;
    }
    check(ret == 0 || ret == VG_ESYNTAX);
    check(vg_nal_avcc_validate(data, size, &validated) == ret);
    check(vg_nal_avcc_is_keyframe(VG_NAL_H264, data, size) == (ret == 0 && idr));
    if (ret < 0) {
        uint8_t *out = (uint8_t *)1;
        size_t out_len = 1;
        check(vg_nal_avcc_to_annexb_alloc(data, size, &out, &out_len) == VG_ESYNTAX);
        check(out == NULL);
        return;
    }
    check(validated == count);
    if (!framable(data, size))
        return;
    uint8_t *annexb = NULL, *back = NULL;
    size_t annexb_len = 0, back_len = 0;
    check(vg_nal_avcc_to_annexb_alloc(data, size, &annexb, &annexb_len) == 0);
    check(annexb_len == size);
    check(vg_nal_annexb_to_avcc_alloc(annexb, annexb_len, VG_NAL_H264, 0, &back, &back_len) == 0);
    check(back_len == size && (size == 0 || memcmp(back, data, size) == 0));
    free(annexb);
    free(back);
}

static void avcc_record(const uint8_t *data, size_t size)
{
    vg_h264_avcc rec;
    if (vg_h264_avcc_parse(data, size, &rec) != 0)
        return;
    check(rec.sps_count <= 31 && rec.pps_count <= 255);
    check(rec.length_size == 1 || rec.length_size == 2 || rec.length_size == 4);
    for (size_t i = 0; i < rec.sps_count; i++) {
        check(rec.sps[i].p > data && rec.sps[i].p + rec.sps[i].len <= data + size);
        check_sps(rec.sps[i].p, rec.sps[i].len);
    }
    for (size_t i = 0; i < rec.pps_count; i++)
        check(rec.pps[i].p > data && rec.pps[i].p + rec.pps[i].len <= data + size);
    if (rec.sps_count > 0 && rec.pps_count > 0)
        check_avcc_build(rec.sps[0], rec.pps[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    annexb(data, size);
    avcc(data, size);
    check_sps(data, size);
    avcc_record(data, size);
    return 0;
}
