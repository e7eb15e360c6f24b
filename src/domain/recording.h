/*
 * recording.h: one recorded segment of a camera, as the segment index
 * (store.h) knows it. Pure data, no I/O.
 *
 * A segment is one MP4 file under the recordings directory, covering
 * [start_ms, end_ms) of wall-clock time (Unix milliseconds, UTC), with
 * end_ms = start_ms + duration_ms. Its path is relative to that directory,
 * "<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>.mp4", so that the directory can move
 * without touching the index. A permanent segment is never removed by
 * retention.
 *
 * A segment lasts at most VG_RECORDING_MAX_DURATION_MS. The index relies on
 * it: the segments overlapping a time range are found by scanning only
 * those that start at most that long before it, not the camera's whole
 * history (store/sqlite.c).
 *
 * The functions are inline so that the header stays the whole module.
 */
#ifndef VG_DOMAIN_RECORDING_H
#define VG_DOMAIN_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One day: far above any segment a recorder cuts, small enough to keep a lookup short. */
#define VG_RECORDING_MAX_DURATION_MS INT64_C(86400000)

typedef struct vg_recording {
    int64_t id; /* assigned by vg_store_recording_insert() */
    int64_t camera_id;
    int64_t start_ms, end_ms; /* Unix ms, UTC; end = start + duration */
    int64_t duration_ms;
    int64_t bytes;  /* the file's size */
    char *path;     /* owned; relative to the recordings directory */
    bool permanent; /* kept whatever the retention */
} vg_recording;

/* Frees the path a recording owns and zeroes it; the struct itself is the caller's. NULL is a
 * no-op. */
static inline void vg_recording_clear(vg_recording *rec)
{
    if (!rec)
        return;
    free(rec->path);
    memset(rec, 0, sizeof(*rec));
}

/* Frees an array of `n` recordings from a list call, and the array. NULL is a no-op. */
static inline void vg_recording_array_free(vg_recording *recs, size_t n)
{
    for (size_t i = 0; recs && i < n; i++)
        vg_recording_clear(&recs[i]);
    free(recs);
}

#endif
