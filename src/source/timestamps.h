/*
 * timestamps.h: making a camera's timestamps safe to use (issue 3, ingest).
 *
 * Cameras and networks produce timestamps that go backwards, wrap, jump by
 * hours, or repeat. Readers (muxers, packetizers) need a DTS that only
 * moves forward in each track, and tracks that share one origin so that
 * audio and video stay in sync. Per track:
 *
 *   out = in - origin + offset
 *
 * `origin` is the first timestamp of the whole source (shared by every
 * track, in microseconds); `offset` changes only at a discontinuity: a step
 * backwards, or forwards by more than `max_jump_us`. Then the output goes
 * on from the last output plus one frame duration, and the AU is flagged
 * VG_AU_DISCONTINUITY, never given a negative duration. A repeated DTS is
 * nudged forward by one tick.
 */
#ifndef VG_SOURCE_TIMESTAMPS_H
#define VG_SOURCE_TIMESTAMPS_H

#include <stdbool.h>
#include <stdint.h>

/* Inputs stay within +-2^53 ticks: the caller drops anything beyond (no overflow below). */
#define VG_TS_LIMIT (INT64_C(1) << 53)

typedef struct vg_ts_origin {
    bool set;
    int64_t us; /* the first timestamp seen from the source, microseconds */
} vg_ts_origin;

typedef struct vg_ts_track {
    int clock_rate;   /* ticks per second of this track */
    int64_t max_jump; /* in ticks */
    bool started;
    int64_t offset;      /* added to input timestamps, in ticks */
    int64_t last_in_dts; /* input, ticks */
    int64_t last_out_dts;
    int64_t last_duration; /* the last positive step, ticks; guesses the next one */
} vg_ts_track;

/* Prepares a track's state: `clock_rate` ticks per second, jumps over `max_jump_us` break. */
void vg_ts_track_init(vg_ts_track *t, int clock_rate, int64_t max_jump_us);

/*
 * Normalises one AU's `*dts` and `*pts` (in ticks of the track's clock,
 * converted by the caller; `origin` shared by the source's tracks). Writes
 * the output timestamps back; returns true when this AU starts a
 * discontinuity. pts is kept >= dts.
 */
bool vg_ts_normalize(vg_ts_track *t, vg_ts_origin *origin, int64_t *dts, int64_t *pts);

#endif
