/*
 * recording.h: one recorded segment of a camera, as the segment index
 * (store.h) knows it, and the clips that make segments permanent. Pure
 * data, no I/O.
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
 * A clip is a named span of a camera's time that the user keeps: every
 * segment of the camera that overlaps [start_ms, end_ms) is permanent while
 * the clip exists (store.h keeps recordings.permanent in step). Clips
 * overlap freely; a segment stays permanent while any clip covers it.
 *
 * The functions are inline so that the header stays the whole module.
 */
#ifndef VG_DOMAIN_RECORDING_H
#define VG_DOMAIN_RECORDING_H

#include "core/error.h"

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

/* A clip's name: 1-200 characters (UTF-8 code points), not blank, no control characters. */
#define VG_CLIP_NAME_MAX_CHARS 200

typedef struct vg_clip {
    int64_t id; /* assigned by vg_store_clip_insert() */
    int64_t camera_id;
    int64_t start_ms, end_ms; /* Unix ms, UTC; start < end */
    char *name;               /* owned, UTF-8 */
    int64_t created_at_ms;
    /* Read by vg_store_clip_get() and _list(), ignored on insert: what the clip covers now. */
    int64_t segments; /* indexed segments overlapping it */
    int64_t bytes;    /* their total size */
} vg_clip;

/* Frees the name a clip owns and zeroes it; the struct itself is the caller's. NULL is a no-op. */
static inline void vg_clip_clear(vg_clip *clip)
{
    if (!clip)
        return;
    free(clip->name);
    memset(clip, 0, sizeof(*clip));
}

/* Frees an array of `n` clips from vg_store_clip_list(), and the array. NULL is a no-op. */
static inline void vg_clip_array_free(vg_clip *clips, size_t n)
{
    for (size_t i = 0; clips && i < n; i++)
        vg_clip_clear(&clips[i]);
    free(clips);
}

/*
 * Checks a clip name; 0, or VG_EINVAL with a static English reason in *why. The
 * text must be valid UTF-8 already (a JSON parser's string is): this counts
 * code points by their lead bytes and does not validate the encoding.
 */
static inline int vg_clip_validate_name(const char *name, const char **why)
{
    size_t chars = 0;
    bool blank = true;
    if (!name) {
        *why = "is required";
        return VG_EINVAL;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *why = "must not contain control characters";
            return VG_EINVAL;
        }
        if ((*p & 0xc0) != 0x80)
            chars++; /* a lead byte or ASCII: one code point */
        if (*p != ' ')
            blank = false;
    }
    if (chars == 0 || blank) {
        *why = "must not be empty";
        return VG_EINVAL;
    }
    if (chars > VG_CLIP_NAME_MAX_CHARS) {
        *why = "must be at most 200 characters";
        return VG_EINVAL;
    }
    return 0;
}

#endif
