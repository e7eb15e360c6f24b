/* still_internal.h: what still.c, snapshot.c and live.c share. Not for use outside still/. */
#ifndef VG_STILL_STILL_INTERNAL_H
#define VG_STILL_STILL_INTERNAL_H

#include "still/still.h"

typedef struct snap_entry snap_entry;
typedef struct live_encoder live_encoder;

struct vg_still {
    uv_loop_t *loop;
    vg_media *media;
    vg_still_options opt;
    uv_timer_t tick; /* deadlines of waiting snapshots, idle decoders */
    bool stopped;
    bool destroyed; /* freed when the last job comes back */
    int jobs;       /* on the worker pool now */
    snap_entry *entries;
    live_encoder *encoders;
};

/*
 * A new JPEG taking ownership of `data` (malloc()ed, `size` bytes): one
 * reference, the caller's. On failure frees `data` and returns NULL.
 */
vg_jpeg *vg_jpeg_wrap(uint8_t *data, size_t size, int width, int height, int quality,
                      int64_t wallclock_ns);

/* The first video track vigil can decode (H.264, H.265) among `tracks`, or -1. */
int vg_still_video_track(vg_track *const *tracks, size_t count);

uint64_t vg_still_now_ms(void);

/* A job is back from the worker: frees the manager if it was destroyed meanwhile. */
void vg_still_job_done(vg_still *still);

/* snapshot.c */
void vg_still_snapshot_tick(vg_still *still, uint64_t now_ms);
void vg_still_snapshot_stop(vg_still *still);
void vg_still_snapshot_free_all(vg_still *still);

/* live.c */
void vg_still_live_stop(vg_still *still);

#endif
