/*
 * fuzz_nal_roundtrip.h: what the H.264 and H.265 fuzz targets share: the
 * Annex-B <-> AVCC property and framable(). Include it after check().
 *
 * For any input: Annex-B to AVCC gives a valid AVCC buffer with as many NAL
 * units as the scan found (`count`, or `kept` when AUD/filler are dropped);
 * back to Annex-B keeps the size; and that converts to the same AVCC again.
 */
#ifndef VG_FUZZ_NAL_ROUNDTRIP_H
#define VG_FUZZ_NAL_ROUNDTRIP_H

#include "codec/nal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok);

static void check_nal_roundtrip(const uint8_t *data, size_t size, vg_nal_codec codec, size_t count,
                                size_t kept)
{
    static const unsigned drops[2] = {0, VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER};
    for (int d = 0; d < 2; d++) {
        uint8_t *avcc = NULL, *back = NULL, *again = NULL;
        size_t avcc_len = 0, back_len = 0, again_len = 0, n = 0;
        check(vg_nal_annexb_to_avcc_alloc(data, size, codec, drops[d], &avcc, &avcc_len) == 0);
        check(vg_nal_avcc_validate(avcc, avcc_len, &n) == 0);
        check(n == (d ? kept : count));
        check(vg_nal_avcc_to_annexb_alloc(avcc, avcc_len, &back, &back_len) == 0);
        check(back_len == avcc_len);
        check(vg_nal_annexb_to_avcc_alloc(back, back_len, codec, 0, &again, &again_len) == 0);
        check(again_len == avcc_len && (avcc_len == 0 || memcmp(again, avcc, avcc_len) == 0));
        free(avcc);
        free(back);
        free(again);
    }
}

/* True when each NAL unit would survive Annex-B framing: see vg_nal_avcc_to_annexb(). */
static bool framable(const uint8_t *data, size_t size)
{
    vg_nal_avcc_iter it;
    vg_nal nal;
    vg_nal_avcc_iter_init(&it, data, size);
    while (vg_nal_avcc_next(&it, &nal) == 1) {
        if (nal.p[nal.len - 1] == 0)
            return false;
        for (size_t i = 2; i < nal.len; i++) {
            if (nal.p[i - 2] == 0 && nal.p[i - 1] == 0 && nal.p[i] <= 2)
                return false;
        }
    }
    return true;
}

#endif
