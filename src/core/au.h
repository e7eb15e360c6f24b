/*
 * au.h: the access unit, one video frame or audio frame (DESIGN.md section 1).
 *
 * An AU is immutable once published and shared by reference: the path, the
 * GOP cache and every reader hold references to the same bytes; nothing
 * copies them for fan-out. The reference count is atomic, so a worker
 * thread (a recorder writing a file, a JPEG encoder) may hold one too.
 *
 * Video payload is the fMP4 sample form: NAL units each prefixed by a
 * 4-byte big-endian length (AVCC), ready for an `mdat` as they are and for
 * an RTP packetizer to walk NAL by NAL. Audio payload is the raw frame (an
 * AAC raw_data_block without ADTS header, G.711 bytes, an Opus packet).
 */
#ifndef VG_CORE_AU_H
#define VG_CORE_AU_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum {
    VG_AU_KEY = 1u << 0,           /* a video key frame (IDR / IRAP): decoding can start here */
    VG_AU_DISCONTINUITY = 1u << 1, /* timestamps jumped (wrap, reconnect): do not interpolate */
};

typedef struct vg_au {
    atomic_uint _refs;
    uint32_t track;       /* index into the path's tracks */
    uint32_t flags;       /* VG_AU_* */
    int64_t pts;          /* in the track's clock rate (90 kHz video, sample rate audio) */
    int64_t dts;          /* same clock; dts <= pts; monotonic within a track */
    int64_t wallclock_ns; /* capture time, UTC nanoseconds */
    size_t size;
    uint8_t data[]; /* `size` bytes */
} vg_au;

/*
 * A new AU with room for `size` payload bytes (uninitialised) and one
 * reference, the caller's. Fill it before publishing; never after. NULL when
 * out of memory.
 */
vg_au *vg_au_create(size_t size);

/* Takes another reference; returns `au` for convenience. Thread-safe. */
vg_au *vg_au_ref(vg_au *au);

/* Drops the reference *au holds and sets *au to NULL; frees on the last one. NULL-safe. */
void vg_au_unref(vg_au **au);

#endif
