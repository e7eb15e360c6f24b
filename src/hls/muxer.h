/*
 * muxer.h: the LL-HLS muxer of one path: a path reader that cuts the AUs
 * into parts and segments of fMP4 in memory (RFC 8216bis section 4.4.4.9).
 *
 *   path ──AUs──▶ muxer ──▶ part (≈ hlsPartDuration) ──▶ segment (≥ hlsSegmentDuration,
 *                                                        starts on a key frame)
 *                  └──▶ init segment per set of tracks
 *
 * A part ends at the first frame boundary at or after the part target, but
 * never past it when it can be helped: a frame that would push a part over
 * the target starts the next one. A segment ends at the first key frame at
 * or after the segment target. A sample's duration is the distance to the
 * next sample of its track, so a part is published when the frame after
 * its last arrives: one frame of delay, as in every fMP4 muxer.
 *
 * One video track (H.264 or H.265) is required; the first AAC or Opus track
 * rides along. A reconnect (VG_AU_DISCONTINUITY, new tracks) ends the
 * current segment; the next one carries EXT-X-DISCONTINUITY, and a new init
 * segment when the tracks' parameters changed.
 *
 * The muxer's reader is shared (core/path.h): viewers are counted by the
 * HTTP side, per session. Threads: the loop thread only.
 */
#ifndef VG_HLS_MUXER_H
#define VG_HLS_MUXER_H

#include "core/path.h"
#include "hls/segment.h"

#include <stddef.h>
#include <stdint.h>

typedef struct vg_hls_muxer vg_hls_muxer;

/*
 * The default memory bound of one muxer's segments: fewer segments are
 * listed when they would take more (a camera with minute-long GOPs).
 */
#define VG_HLS_MUXER_MAX_BYTES (64u << 20)

typedef struct vg_hls_muxer_options {
    int64_t segment_duration_ms; /* hlsSegmentDuration */
    int64_t part_duration_ms;    /* hlsPartDuration */
    size_t segment_count;        /* hlsSegmentCount: complete segments kept */
    size_t max_bytes;            /* segments held at most, bytes; 0: VG_HLS_MUXER_MAX_BYTES */
    /* A part or a segment was added, or the muxer failed (vg_hls_muxer_error). May be NULL. */
    void (*on_update)(void *ctx);
    /*
     * The path ended the muxer's reader (the stream stopped, no video came
     * in time): `reason` is static. The muxer is inert; its owner must still
     * destroy it, and may do so inside this callback (the path frees
     * removed readers after its callbacks return). May be NULL.
     */
    void (*on_end)(void *ctx, int code, const char *reason);
    void *ctx;
} vg_hls_muxer_options;

/*
 * A muxer reading `path` (borrowed; it must outlive the muxer or end it
 * through on_end). It seeds itself from the path's GOP cache at once.
 * `opt` is copied. Returns 0 with *out the caller's, or VG_ENOMEM.
 */
int vg_hls_muxer_create(vg_path *path, const vg_hls_muxer_options *opt, vg_hls_muxer **out);

/* Lets go of the reader and of every segment (responses keep their own references). NULL-safe. */
void vg_hls_muxer_destroy(vg_hls_muxer *m);

/* What the playlists are made from; every pointer borrowed until the muxer's next change. */
typedef struct vg_hls_muxer_state {
    vg_hls_segment *const *segments; /* oldest first; the last is in progress unless complete */
    size_t count;
    uint64_t discontinuity_sequence; /* EXT-X-DISCONTINUITY-SEQUENCE */
    int target_duration_s;           /* EXT-X-TARGETDURATION */
    int64_t part_target;             /* 90 kHz: EXT-X-PART-INF PART-TARGET */
    uint64_t next_msn;               /* the segment the next part belongs to */
    size_t next_part;                /* the index of the next part in it */
    vg_hls_init *init;               /* the current init segment; NULL before the first tracks */
    size_t complete_count;           /* complete segments listed */
} vg_hls_muxer_state;

void vg_hls_muxer_state_get(const vg_hls_muxer *m, vg_hls_muxer_state *out);

/* Why the muxer cannot make segments ("no H.264 or H.265 video track"), or NULL. Static. */
const char *vg_hls_muxer_error(const vg_hls_muxer *m);

/*
 * The segment numbered `msn` (listed, in progress, or unlisted a moment
 * ago and still downloadable), or NULL. Borrowed.
 */
vg_hls_segment *vg_hls_muxer_segment(const vg_hls_muxer *m, uint64_t msn);

/* The init segment numbered `id` still used by a listed segment, or the current one; NULL. */
vg_hls_init *vg_hls_muxer_init(const vg_hls_muxer *m, unsigned id);

#endif
