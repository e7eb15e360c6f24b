/*
 * path.h: one named stream (cam_<id>) and the readers of it.
 *
 *   source ──tracks, AUs──▶ path ──▶ GOP cache (AUs since the last key frame,
 *                            │          and the whole GOP before them)
 *                            │
 *                            ├──▶ reader "hls"     ┐ each: a bounded queue;
 *                            ├──▶ reader "webrtc"  │ delivered at once while
 *                            └──▶ reader "record"  ┘ its consumer keeps up
 *
 * A reader receives the tracks first, then the cached GOP, so it starts on
 * a key frame at once, then every AU as it is published. A consumer that
 * cannot take AUs now (its socket is full, its worker is busy) pauses its
 * reader; AUs then wait in the reader's queue. When the queue is full the
 * reader drops AUs up to the next key frame that fits, counts them, and
 * logs it (rate-limited): a slow reader never slows the path or the other
 * readers (MediaMTX: "reader is too slow, discarding N frames").
 *
 * Threads: the loop thread only. AUs and tracks are refcounted atomically,
 * so a consumer may hand its references to a worker.
 */
#ifndef VG_CORE_PATH_H
#define VG_CORE_PATH_H

#include "core/au.h"
#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_path vg_path;
typedef struct vg_reader vg_reader;

typedef struct vg_reader_ops {
    /*
     * The path's tracks: before the first AU, and again whenever they change
     * (a reconnect with new parameters). `tracks` and the tracks are borrowed
     * for the call; vg_track_ref() any you keep.
     */
    void (*on_tracks)(vg_reader *reader, void *ctx, vg_track *const *tracks, size_t count);
    /* One AU, in order. Borrowed for the call; vg_au_ref() to keep it. */
    void (*on_au)(vg_reader *reader, void *ctx, vg_au *au);
    /*
     * The path ends this reader: it is being deleted, vigil is stopping, or
     * no key frame came within the start timeout. `reason` is a static
     * message. The reader is detached; its owner must still call
     * vg_reader_remove() (the path never frees a reader).
     */
    void (*on_end)(vg_reader *reader, void *ctx, int code, const char *reason);
} vg_reader_ops;

typedef struct vg_reader_options {
    const char *name;       /* for logs and stats ("hls", "webrtc 3f2a"); copied */
    size_t queue_max_aus;   /* 0: 1024 */
    size_t queue_max_bytes; /* 0: 64 MiB */
    /*
     * The reader serves viewers that are counted one by one with
     * vg_path_viewer_add() (an HLS muxer and its sessions): it is not a
     * viewer itself and does not count against maxReaders.
     */
    bool shared;
    /*
     * Start a GOP earlier: the whole GOP before the current one first, when
     * the path has it (an HLS muxer then has a complete segment at once,
     * instead of waiting up to a key-frame interval for one).
     */
    bool from_previous_gop;
} vg_reader_options;

typedef struct vg_path_options {
    int max_readers;            /* 0: unlimited (maxReaders) */
    size_t gop_cache_max_bytes; /* 0: 16 MiB */
    uint64_t (*now_ms)(void);   /* monotonic clock; NULL: CLOCK_MONOTONIC (tests replace it) */
    /*
     * Told the new reader count after a reader is added or removed, or the
     * readers are ended (on demand: start on the first, stop after the last).
     * Not called while the path is destroyed. May be NULL.
     */
    void (*on_readers_changed)(void *ctx, size_t readers);
    void *ctx;
} vg_path_options;

typedef struct vg_reader_stats {
    uint64_t delivered; /* AUs given to on_au */
    uint64_t dropped;   /* AUs dropped because the reader was too slow */
    size_t queued;      /* AUs waiting now */
} vg_reader_stats;

typedef struct vg_path_stats {
    uint64_t frames_in; /* video AUs published (audio counted in aus_in) */
    uint64_t aus_in;
    uint64_t bytes_in;
    double fps;                /* video frames per second over the last full second */
    double bitrate_bps;        /* all tracks, bits per second over the last full second */
    int64_t last_frame_age_ms; /* -1 when no frame yet */
    size_t readers;            /* attached reader objects (an HLS muxer is one) */
    size_t viewers;   /* what maxReaders limits: readers that are not shared, plus viewers added */
    uint64_t dropped; /* summed over the readers, including removed ones */
    size_t gop_cache_aus, gop_cache_bytes;
} vg_path_stats;

/* ---- path ---- */

/* A new path named `name` (copied), the caller's (vg_path_destroy); NULL when out of memory. */
vg_path *vg_path_create(const char *name, const vg_path_options *opt);

/* Ends every reader (on_end with VG_ESTATE, "path deleted"), then frees the path. NULL-safe. */
void vg_path_destroy(vg_path *path);

const char *vg_path_name(const vg_path *path);

/*
 * Sets the path's tracks: the path takes a reference to each (the caller
 * keeps its own). Every reader gets on_tracks; the GOP cache starts over,
 * since cached AUs belong to the old tracks. Returns 0 or VG_ENOMEM.
 */
int vg_path_set_tracks(vg_path *path, vg_track *const *tracks, size_t count);

/* The tracks (borrowed; valid until the next vg_path_set_tracks) and their count. */
vg_track *const *vg_path_tracks(const vg_path *path, size_t *count);

/*
 * Publishes one AU (borrowed: the path and readers take their own
 * references). `au->track` must index the current tracks. Updates the GOP
 * cache and the stats, then offers the AU to every reader. Returns 0, or
 * VG_EINVAL for a bad track index (the AU is ignored).
 */
int vg_path_publish(vg_path *path, vg_au *au);

/* Drops the GOP cache (the source stopped or failed: those frames are stale now). */
void vg_path_clear_cache(vg_path *path);

/*
 * Ends every reader (on_end with `code`, `reason`), as when a start times
 * out. Not from inside a reader callback of this path (it is refused there).
 */
void vg_path_end_readers(vg_path *path, int code, const char *reason);

void vg_path_stats_get(const vg_path *path, vg_path_stats *out);
size_t vg_path_reader_count(const vg_path *path);

/*
 * Counts one more viewer of a shared reader (an HLS session). Returns 0, or
 * VG_ELIMIT when maxReaders is reached. Each success needs one
 * vg_path_viewer_remove().
 */
int vg_path_viewer_add(vg_path *path);
void vg_path_viewer_remove(vg_path *path);

/* ---- readers ---- */

/*
 * Attaches a reader. `ops` and `ctx` are borrowed and must outlive the
 * reader. On success *out is the caller's, to vg_reader_remove(); the reader
 * has already received the tracks and the cached GOP (when there are any).
 * Returns 0, VG_ELIMIT when maxReaders is reached (a reader that is not
 * shared counts as one viewer), or VG_ENOMEM.
 */
int vg_path_add_reader(vg_path *path, const vg_reader_ops *ops, void *ctx,
                       const vg_reader_options *opt, vg_reader **out);

/*
 * Detaches the reader (if still attached) and frees it, with the AUs still
 * queued. Safe from inside the reader's own callbacks. NULL-safe.
 */
void vg_reader_remove(vg_reader *reader);

/* The consumer cannot take AUs now: they wait in the queue (and drop when it is full). */
void vg_reader_pause(vg_reader *reader);

/* The consumer can take AUs again: the queue is delivered now, in order. */
void vg_reader_resume(vg_reader *reader);

void vg_reader_stats_get(const vg_reader *reader, vg_reader_stats *out);
const char *vg_reader_name(const vg_reader *reader);

#endif
