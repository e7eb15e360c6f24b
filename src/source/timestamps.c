#include "source/timestamps.h"

void vg_ts_track_init(vg_ts_track *t, int clock_rate, int64_t max_jump_us)
{
    *t = (vg_ts_track){.clock_rate = clock_rate > 0 ? clock_rate : 90000};
    t->max_jump = max_jump_us / 1000 * t->clock_rate / 1000;
    if (t->max_jump <= 0)
        t->max_jump = 1;
}

static int64_t ticks_to_us(const vg_ts_track *t, int64_t ticks)
{
    /* Split to avoid overflow for large tick counts. */
    return ticks / t->clock_rate * 1000000 + ticks % t->clock_rate * 1000000 / t->clock_rate;
}

static int64_t us_to_ticks(const vg_ts_track *t, int64_t us)
{
    return us / 1000000 * t->clock_rate + us % 1000000 * t->clock_rate / 1000000;
}

bool vg_ts_normalize(vg_ts_track *t, vg_ts_origin *origin, int64_t *dts, int64_t *pts)
{
    int64_t in_dts = *dts, in_pts = *pts, out;
    bool discontinuity = false;

    bool sets_origin = !origin->set;
    if (sets_origin) {
        origin->set = true;
        origin->us = ticks_to_us(t, in_dts);
    }
    if (!t->started) {
        t->started = true;
        /* The track that set the origin starts at exactly 0 (no rounding through microseconds). */
        t->offset = sets_origin ? -in_dts : -us_to_ticks(t, origin->us);
        if (in_dts + t->offset < 0)
            t->offset = -in_dts; /* a track that starts before the origin starts at 0 */
        out = in_dts + t->offset;
    } else {
        int64_t delta = in_dts - t->last_in_dts;
        if (delta < 0 || delta > t->max_jump) {
            /* Wrap, reset or jump: go on one frame after the last output. */
            int64_t step = t->last_duration > 0 ? t->last_duration : 1;
            t->offset = t->last_out_dts + step - in_dts;
            discontinuity = true;
        }
        out = in_dts + t->offset;
        if (out <= t->last_out_dts) {
            /* A repeated input DTS: one tick later, and the offset remembers it. */
            t->offset += t->last_out_dts + 1 - out;
            out = t->last_out_dts + 1;
        } else if (!discontinuity) {
            t->last_duration = out - t->last_out_dts;
        }
    }
    t->last_in_dts = in_dts;
    t->last_out_dts = out;

    int64_t out_pts = in_pts + t->offset;
    *dts = out;
    *pts = out_pts < out ? out : out_pts;
    return discontinuity;
}
