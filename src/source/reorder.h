/*
 * reorder.h: decode times for video with B-frames, from presentation times
 * alone.
 *
 * RTP carries only a presentation time (RFC 6184 5.1), in decode order;
 * readers need a DTS that grows and never passes the PTS. With a reorder
 * depth of D frames, a frame decoded at n is shown no earlier than n - D,
 * so the (n - D)-th smallest PTS of frames 0..n is already known at n and
 * is a valid DTS (FFmpeg's pts_buffer reasons the same way). D is learnt
 * from the stream: the most frames seen with a later PTS than a new one.
 * Learning it costs one step back at the first B-frame (the caller's
 * timestamps.h makes that a discontinuity, once); before frame D the DTS
 * is extrapolated back from the smallest PTS, one frame per step. A stream
 * without B-frames gets DTS = PTS.
 */
#ifndef VG_SOURCE_REORDER_H
#define VG_SOURCE_REORDER_H

#include <stdint.h>

#define VG_REORDER_WINDOW 16 /* frames remembered; D stays below half of it */

typedef struct vg_reorder {
    int64_t pts[VG_REORDER_WINDOW]; /* the last PTS, a ring */
    uint64_t count;                 /* frames since the start or the last jump */
    int depth;                      /* D; 0 until a frame comes out of order */
} vg_reorder;

/*
 * The DTS for the next frame in decode order, whose PTS is `pts`.
 * `frame_ticks` is one frame's duration (for the first D frames);
 * a step back by more than `jump_ticks` is a jump in the camera's clock,
 * not a B-frame: the window starts again. `r` starts zeroed.
 */
int64_t vg_reorder_dts(vg_reorder *r, int64_t pts, int64_t frame_ticks, int64_t jump_ticks);

#endif
