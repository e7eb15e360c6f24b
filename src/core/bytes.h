/*
 * bytes.h: big-endian (network order) loads and stores, for the parsers and
 * writers of boxes, NAL lengths, STUN, RTP and RTCP. The caller has checked
 * that the bytes exist.
 */
#ifndef VG_CORE_BYTES_H
#define VG_CORE_BYTES_H

#include <stdint.h>

static inline uint16_t vg_load_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vg_load_be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t vg_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t vg_load_be64(const uint8_t *p)
{
    return (uint64_t)vg_load_be32(p) << 32 | vg_load_be32(p + 4);
}

static inline void vg_store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void vg_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
