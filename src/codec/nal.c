#include "codec/nal.h"

#include "codec/codec_internal.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

unsigned vg_nal_type(vg_nal_codec codec, vg_nal nal)
{
    if (nal.len == 0)
        return 0;
    return codec == VG_NAL_H265 ? vg_nal_h265_type(nal.p[0]) : vg_nal_h264_type(nal.p[0]);
}

bool vg_nal_is_dropped(vg_nal_codec codec, unsigned drop, vg_nal nal)
{
    if (nal.len == 0)
        return true;
    unsigned type = vg_nal_type(codec, nal);
    if (codec == VG_NAL_H265) {
        return ((drop & VG_NAL_DROP_AUD) && type == VG_H265_NAL_AUD) ||
               ((drop & VG_NAL_DROP_FILLER) && type == VG_H265_NAL_FILLER) ||
               ((drop & VG_NAL_DROP_PARAMETER_SETS) && type >= VG_H265_NAL_VPS &&
                type <= VG_H265_NAL_PPS);
    }
    return ((drop & VG_NAL_DROP_AUD) && type == VG_H264_NAL_AUD) ||
           ((drop & VG_NAL_DROP_FILLER) && type == VG_H264_NAL_FILLER) ||
           ((drop & VG_NAL_DROP_PARAMETER_SETS) &&
            (type == VG_H264_NAL_SPS || type == VG_H264_NAL_PPS));
}

/* ---- Annex-B ---------------------------------------------------------------------------- */

/* The index of the first 00 00 01 at or after `from`, or `len` when there is none. */
static size_t find_start_code(const uint8_t *p, size_t len, size_t from)
{
    if (len < 3 || from > len - 3)
        return len;
    size_t i = from + 2; /* where the 0x01 of a start code at `from` would be */
    while (i < len) {
        const uint8_t *one = memchr(p + i, 0x01, len - i);
        if (!one)
            return len;
        i = (size_t)(one - p);
        if (p[i - 1] == 0 && p[i - 2] == 0)
            return i - 2;
        i++;
    }
    return len;
}

void vg_nal_annexb_iter_init(vg_nal_annexb_iter *it, const uint8_t *buf, size_t len)
{
    if (!buf)
        len = 0;
    it->_p = buf;
    it->_len = len;
    size_t sc = find_start_code(buf, len, 0);
    it->_pos = sc < len ? sc + 3 : len;
}

bool vg_nal_annexb_next(vg_nal_annexb_iter *it, vg_nal *out)
{
    while (it->_pos < it->_len) {
        size_t start = it->_pos;
        size_t sc = find_start_code(it->_p, it->_len, start);
        size_t end = sc;
        it->_pos = sc < it->_len ? sc + 3 : it->_len;
        /*
         * H.264 B.1.1: zero bytes before a start code are trailing_zero_8bits
         * or the zero_byte of a 4-byte start code, not part of the NAL unit
         * (whose last byte is never 0x00: rbsp_trailing_bits, 7.4.1).
         */
        while (end > start && it->_p[end - 1] == 0)
            end--;
        if (end > start) {
            *out = (vg_nal){it->_p + start, end - start};
            return true;
        }
    }
    return false;
}

/* ---- AVCC ------------------------------------------------------------------------------- */

void vg_nal_avcc_iter_init(vg_nal_avcc_iter *it, const uint8_t *buf, size_t len)
{
    *it = (vg_nal_avcc_iter){._p = buf, ._len = buf ? len : 0};
}

int vg_nal_avcc_next(vg_nal_avcc_iter *it, vg_nal *out)
{
    if (it->_failed)
        return VG_ESYNTAX;
    if (it->_pos == it->_len)
        return 0;
    size_t left = it->_len - it->_pos;
    if (left < 4)
        goto fail;
    uint32_t n = vg_load_be32(it->_p + it->_pos);
    left -= 4;
    if (n == 0 || n > left)
        goto fail;
    *out = (vg_nal){it->_p + it->_pos + 4, n};
    it->_pos += 4 + (size_t)n;
    return 1;

fail:
    it->_failed = true;
    return VG_ESYNTAX;
}

int vg_nal_avcc_validate(const uint8_t *buf, size_t len, size_t *count)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    size_t n = 0;
    int ret;
    vg_nal_avcc_iter_init(&it, buf, len);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1)
        n++;
    if (count)
        *count = ret == 0 ? n : 0;
    return ret;
}

bool vg_nal_is_keyframe_unit(vg_nal_codec codec, vg_nal nal)
{
    unsigned type = vg_nal_type(codec, nal);
    if (codec == VG_NAL_H265)
        return type >= VG_H265_NAL_BLA_W_LP && type <= VG_H265_NAL_CRA;
    return type == VG_H264_NAL_IDR;
}

bool vg_nal_avcc_is_keyframe(vg_nal_codec codec, const uint8_t *au, size_t len)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    bool key = false;
    int ret;
    vg_nal_avcc_iter_init(&it, au, len);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1)
        key |= vg_nal_is_keyframe_unit(codec, nal);
    return ret == 0 && key;
}

/* ---- conversions ------------------------------------------------------------------------ */

int vg_nal_annexb_to_avcc(const uint8_t *in, size_t len, vg_nal_codec codec, unsigned drop,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    vg_nal_annexb_iter it;
    vg_nal nal;
    size_t need = 0;
    if (!out)
        cap = 0;
    vg_nal_annexb_iter_init(&it, in, len);
    while (vg_nal_annexb_next(&it, &nal)) {
        if (vg_nal_is_dropped(codec, drop, nal))
            continue;
        if (nal.len > UINT32_MAX) {
            *out_len = 0;
            return VG_ERANGE;
        }
        /* need <= len + len / 3 + 1: no overflow for any buffer that fits in memory */
        if (cap >= need && cap - need >= 4 + nal.len) {
            vg_store_be32(out + need, (uint32_t)nal.len);
            memcpy(out + need + 4, nal.p, nal.len);
        }
        need += 4 + nal.len;
    }
    *out_len = need;
    return need <= cap ? 0 : VG_ERANGE;
}

int vg_nal_annexb_to_avcc_alloc(const uint8_t *in, size_t len, vg_nal_codec codec, unsigned drop,
                                uint8_t **out, size_t *out_len)
{
    uint8_t *buf = NULL;
    size_t need = 0;
    *out = NULL;
    *out_len = 0;
    int ret = vg_nal_annexb_to_avcc(in, len, codec, drop, NULL, 0, &need);
    if (ret < 0 && ret != VG_ERANGE)
        goto fail;
    if (need == 0)
        return 0;
    /* VG_ERANGE with a size: it was only the empty buffer that was too small. */
    buf = malloc(need);
    if (!buf) {
        ret = VG_ENOMEM;
        goto fail;
    }
    ret = vg_nal_annexb_to_avcc(in, len, codec, drop, buf, need, out_len);
    if (ret < 0)
        goto fail;
    *out = buf;
    return 0;

fail:
    free(buf);
    *out_len = 0;
    return ret;
}

int vg_nal_avcc_to_annexb(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    size_t need = 0;
    int ret;
    if (!out)
        cap = 0;
    vg_nal_avcc_iter_init(&it, in, len);
    while ((ret = vg_nal_avcc_next(&it, &nal)) == 1) {
        if (cap >= need && cap - need >= 4 + nal.len) {
            static const uint8_t start_code[4] = {0, 0, 0, 1};
            memcpy(out + need, start_code, 4);
            memcpy(out + need + 4, nal.p, nal.len);
        }
        need += 4 + nal.len;
    }
    if (ret < 0) {
        *out_len = 0;
        return ret;
    }
    *out_len = need;
    return need <= cap ? 0 : VG_ERANGE;
}

int vg_nal_avcc_to_annexb_alloc(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = NULL;
    int ret;
    *out = NULL;
    *out_len = 0;
    ret = vg_nal_avcc_validate(in, len, NULL);
    if (ret < 0)
        goto fail;
    if (len == 0)
        return 0;
    /* A valid AVCC buffer converts to exactly its own size. */
    buf = malloc(len);
    if (!buf) {
        ret = VG_ENOMEM;
        goto fail;
    }
    ret = vg_nal_avcc_to_annexb(in, len, buf, len, out_len);
    if (ret < 0)
        goto fail;
    *out = buf;
    return 0;

fail:
    free(buf);
    return ret;
}
