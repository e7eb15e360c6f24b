#include "codec/bitreader.h"

void vg_bitreader_init(vg_bitreader *br, const uint8_t *p, size_t len)
{
    *br = (vg_bitreader){._p = p, ._len = p ? len : 0};
}

/*
 * Loads the next RBSP byte into _byte. H.264 7.4.1 / H.265 7.4.2: within a
 * NAL unit, 0x000003 is an emulation_prevention_three_byte after two zero
 * bytes; the 0x03 is dropped and the zero count starts again (so that
 * 00 00 03 00 00 03 carries four zero bytes).
 */
static bool load_byte(vg_bitreader *br)
{
    if (br->error || br->_pos >= br->_len) {
        br->error = true;
        return false;
    }
    uint8_t b = br->_p[br->_pos++];
    if (br->_zeros >= 2 && b == 0x03) {
        br->_zeros = 0;
        if (br->_pos >= br->_len) {
            br->error = true;
            return false;
        }
        b = br->_p[br->_pos++];
    }
    br->_zeros = b == 0 ? br->_zeros + 1 : 0;
    br->_byte = b;
    br->_left = 8;
    return true;
}

uint32_t vg_bitreader_read_bit(vg_bitreader *br)
{
    if (br->_left == 0 && !load_byte(br))
        return 0;
    br->_left--;
    br->_bits++;
    return (br->_byte >> br->_left) & 1;
}

uint32_t vg_bitreader_read_bits(vg_bitreader *br, unsigned n)
{
    if (n > 32) {
        br->error = true;
        return 0;
    }
    uint32_t v = 0;
    while (n > 0) {
        if (br->_left == 0 && !load_byte(br))
            return 0;
        /* Take as many bits as this byte holds in one step. */
        unsigned take = n < br->_left ? n : br->_left;
        unsigned shift = br->_left - take;
        uint32_t chunk = (uint32_t)(br->_byte >> shift) & ((1u << take) - 1);
        v = (v << take) | chunk;
        br->_left = (uint8_t)shift;
        br->_bits += take;
        n -= take;
    }
    return br->error ? 0 : v;
}

void vg_bitreader_skip_bits(vg_bitreader *br, uint64_t n)
{
    while (n > 0 && !br->error) {
        unsigned step = n > 32 ? 32 : (unsigned)n;
        vg_bitreader_read_bits(br, step);
        n -= step;
    }
}

uint32_t vg_bitreader_read_ue(vg_bitreader *br)
{
    /* H.264 9.1: codeNum = 2^leadingZeroBits - 1 + read_bits(leadingZeroBits) */
    unsigned zeros = 0;
    while (vg_bitreader_read_bit(br) == 0) {
        if (br->error)
            return 0;
        if (++zeros > 31) {
            br->error = true;
            return 0;
        }
    }
    if (zeros == 0)
        return 0;
    uint32_t rest = vg_bitreader_read_bits(br, zeros);
    if (br->error)
        return 0;
    return (uint32_t)((1ull << zeros) - 1 + rest);
}

int32_t vg_bitreader_read_se(vg_bitreader *br)
{
    /* H.264 9.1.1, Table 9-3: codeNum k maps to (-1)^(k+1) * Ceil(k / 2). */
    uint32_t k = vg_bitreader_read_ue(br);
    if (k & 1)
        return (int32_t)((k >> 1) + 1);
    return -(int32_t)(k >> 1);
}

uint64_t vg_bitreader_position(const vg_bitreader *br)
{
    return br->_bits;
}
