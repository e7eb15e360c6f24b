/*
 * segment.h: the pieces an HLS muxer makes, kept in memory and shared by
 * reference with the HTTP responses that send them (never on disk).
 *
 *   segment (msn 41) ── part 0 ── part 1 ── ... ── part 4     each part: moof + mdat
 *        └── init (EXT-X-MAP): ftyp + moov of the tracks it was made with
 *
 * A segment starts on a key frame; its bytes are its parts' bytes in order,
 * so a segment is sent as the list of its parts, without copying. The
 * counts are not atomic: everything here lives on the loop thread (the HTTP
 * server sends from the loop too).
 */
#ifndef VG_HLS_SEGMENT_H
#define VG_HLS_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The clock of every duration here, and of video timestamps: 90 kHz. */
#define VG_HLS_CLOCK 90000

/* An init segment and what the multivariant playlist says of its tracks. */
typedef struct vg_hls_init {
    unsigned _refs;
    unsigned id; /* 0, 1, ...: a new one for each change of tracks */
    uint8_t *data;
    size_t len;
    char codecs[96]; /* RFC 6381, "avc1.64001f,mp4a.40.2" */
    int width, height;
    double fps; /* 0 when unknown */
} vg_hls_init;

/* One LL-HLS part: a fragment (moof + mdat). */
typedef struct vg_hls_part {
    unsigned _refs;
    uint8_t *data;
    size_t len;
    int64_t duration; /* 90 kHz */
    bool independent; /* starts with a key frame (EXT-X-PART INDEPENDENT=YES) */
} vg_hls_part;

typedef struct vg_hls_segment {
    unsigned _refs;
    uint64_t msn;        /* media sequence number */
    vg_hls_part **parts; /* references */
    size_t part_count, part_cap;
    int64_t duration;     /* 90 kHz: the sum of the parts */
    int64_t wallclock_ns; /* capture time of its first frame (EXT-X-PROGRAM-DATE-TIME) */
    bool discontinuity;   /* EXT-X-DISCONTINUITY before it (a reconnect, new tracks) */
    bool complete;        /* no more parts will come */
    vg_hls_init *init;    /* a reference: its EXT-X-MAP */
} vg_hls_segment;

/* A new init segment owning `data` (malloc()ed), one reference; NULL when out of memory. */
vg_hls_init *vg_hls_init_create(unsigned id, uint8_t *data, size_t len);
vg_hls_init *vg_hls_init_ref(vg_hls_init *init);
/* Drops *init's reference, sets it to NULL; NULL-safe. */
void vg_hls_init_unref(vg_hls_init **init);

/* A new part owning `data` (malloc()ed), one reference; NULL when out of memory. */
vg_hls_part *vg_hls_part_create(uint8_t *data, size_t len, int64_t duration, bool independent);
vg_hls_part *vg_hls_part_ref(vg_hls_part *part);
void vg_hls_part_unref(vg_hls_part **part);

/* A new empty segment holding a reference to `init`; NULL when out of memory. */
vg_hls_segment *vg_hls_segment_create(uint64_t msn, vg_hls_init *init, int64_t wallclock_ns,
                                      bool discontinuity);
/* Appends `part` (the segment takes its own reference). 0 or VG_ENOMEM. */
int vg_hls_segment_add_part(vg_hls_segment *seg, vg_hls_part *part);
vg_hls_segment *vg_hls_segment_ref(vg_hls_segment *seg);
void vg_hls_segment_unref(vg_hls_segment **seg);

#endif
