/*
 * bitreader.h: an RBSP bit reader for H.264 and H.265 parameter sets.
 *
 * It reads a NAL unit's payload as it travels (with its emulation-prevention
 * bytes) and removes those on the fly: ITU-T H.264 7.4.1 and H.265 7.4.2
 * say that inside a NAL unit every 0x03 that follows two 0x00 bytes
 * (emulation_prevention_three_byte) is not part of the RBSP.
 *
 * It never reads past the end. A read that would sets `error`, returns 0,
 * and every later read returns 0 too, so that a parser can read a whole
 * structure and check `error` once at the end (or at each point where a
 * value is about to be used for a loop bound or a size).
 *
 *     vg_bitreader br;
 *     vg_bitreader_init(&br, nal + 1, len - 1);  // skip the NAL header
 *     uint32_t profile_idc = vg_bitreader_read_bits(&br, 8);
 *     uint32_t sps_id = vg_bitreader_read_ue(&br);
 *     if (br.error) return VG_ESYNTAX;
 */
#ifndef VG_CODEC_BITREADER_H
#define VG_CODEC_BITREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_bitreader {
    bool error; /* set by a read past the end or an Exp-Golomb code over 32 bits */
    const uint8_t *_p;
    size_t _len;
    size_t _pos;     /* index of the next byte to load */
    uint32_t _zeros; /* 0x00 bytes loaded in a row, to find 00 00 03 */
    uint8_t _byte;   /* the byte being read */
    uint8_t _left;   /* bits of _byte not yet read */
    uint64_t _bits;  /* bits read so far (for diagnostics and tests) */
} vg_bitreader;

/*
 * Starts reading `len` bytes at `p` (the caller keeps them alive and
 * unchanged while the reader is in use; the reader owns nothing).
 */
void vg_bitreader_init(vg_bitreader *br, const uint8_t *p, size_t len);

/* The next bit: u(1). */
uint32_t vg_bitreader_read_bit(vg_bitreader *br);

/* The next `n` bits, most significant first: u(n), 0 <= n <= 32. n > 32 is an error. */
uint32_t vg_bitreader_read_bits(vg_bitreader *br, unsigned n);

/* Skips `n` bits (a 64-bit count, so that a caller's sum cannot wrap). */
void vg_bitreader_skip_bits(vg_bitreader *br, uint64_t n);

/*
 * ue(v), H.264 9.1 / H.265 9.2: an unsigned Exp-Golomb code. More than 31
 * leading zero bits would not fit 32 bits: that sets `error` (so a run of
 * zeros in malformed input costs at most 32 reads). The largest value is
 * 2^32 - 2.
 */
uint32_t vg_bitreader_read_ue(vg_bitreader *br);

/* se(v), H.264 9.1.1 / H.265 9.2.2: a signed Exp-Golomb code, -(2^31 - 1) .. 2^31 - 1. */
int32_t vg_bitreader_read_se(vg_bitreader *br);

/* RBSP bits consumed so far (emulation-prevention bytes not counted). */
uint64_t vg_bitreader_position(const vg_bitreader *br);

#endif
