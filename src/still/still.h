/*
 * still.h: JPEG pictures of live cameras: snapshots, and live JPEG frames
 * shared by every viewer at the same settings (seed 001's cover image,
 * seed 003's live frames).
 *
 *   snapshot(path, width, quality) ──▶ entry per path ──▶ cached JPEG of the newest picture?
 *                                        │ no: temporary reader ─▶ GOP (or wait for a key frame)
 *                                        └──▶ worker: decode new AUs, scale, encode ──▶ callback
 *
 *   live_join(path, quality, fps, width) ──▶ encoder per distinct settings (a path reader)
 *        viewers ◀── on_frame(jpeg) ◀── worker: decode every AU, encode at `fps` ◀──┘
 *
 * Decoding, scaling and encoding run on libuv's worker pool, never on the
 * loop (DESIGN.md section 2); one job per entry or encoder at a time, so a
 * decoder is only ever touched by one thread. A live encoder that falls
 * behind drops AUs up to the next key frame rather than queue without
 * bound; a viewer that falls behind gets the newest frame and skips the
 * rest (that is the viewer's code: send only when its connection drained).
 *
 * Threads: the loop thread only (jobs are internal). JPEGs are refcounted
 * atomically and immutable.
 */
#ifndef VG_STILL_STILL_H
#define VG_STILL_STILL_H

#include "service/media.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* One encoded picture; immutable once made. */
typedef struct vg_jpeg {
    atomic_uint _refs;
    int width, height;
    int quality;           /* 1-100 */
    int64_t wallclock_ns;  /* capture time of the picture, UTC */
    uint64_t frame_number; /* live frames: 1, 2, ... per encoder (gaps: skipped pictures) */
    uint8_t *data;
    size_t size;
    char *_base64; /* made once on first use (vg_jpeg_base64), on the loop */
    size_t _base64_len;
} vg_jpeg;

vg_jpeg *vg_jpeg_ref(vg_jpeg *jpeg);
/* Drops *jpeg's reference and sets it to NULL; frees on the last. NULL-safe. */
void vg_jpeg_unref(vg_jpeg **jpeg);
/* The JPEG in base64 (RFC 4648), made once and kept with it; NULL when out of memory. Loop only. */
const char *vg_jpeg_base64(vg_jpeg *jpeg, size_t *len);

typedef struct vg_still vg_still;

typedef struct vg_still_options {
    /* How long a snapshot of a camera that is starting (on demand) waits for a key frame. */
    int64_t start_timeout_ms;
} vg_still_options;

/* A new manager over `media` (borrowed). NULL when out of memory. */
vg_still *vg_still_create(uv_loop_t *loop, vg_media *media, const vg_still_options *opt);

/*
 * Ends everything: waiting snapshots get VG_ESTATE, live viewers get
 * on_end. Before the media shuts down. Jobs still on a worker finish on
 * their own; vg_still_destroy() after the loop has run them out.
 */
void vg_still_stop(vg_still *still);
void vg_still_destroy(vg_still *still);

/* ---- snapshots ---- */

typedef enum {
    VG_SNAPSHOT_DECODED, /* made for this request (or one beside it) */
    VG_SNAPSHOT_CACHED,  /* the same picture at the same settings was already encoded */
    VG_SNAPSHOT_STALE,   /* the camera is down: the last good snapshot */
} vg_snapshot_source;

typedef struct vg_snapshot_result {
    int code;            /* 0, or VG_ENOENT (not streaming), VG_EIO (camera down, or its video
                            does not decode), VG_ETIMEDOUT (no key frame in time), VG_ESTATE
                            (shutting down), VG_ENOMEM */
    const char *message; /* when code < 0: why, for the client; never holds credentials */
    vg_jpeg *jpeg;       /* when code == 0: borrowed for the call (vg_jpeg_ref to keep) */
    vg_snapshot_source source;
} vg_snapshot_result;

typedef void (*vg_snapshot_cb)(void *ctx, const vg_snapshot_result *result);

typedef struct vg_snapshot_request vg_snapshot_request;

/*
 * The newest picture of path `path_name` as a JPEG `width` pixels wide (0:
 * the camera's width; never wider than it; the aspect is kept) at
 * `quality` (1-100). `cb(ctx, result)` runs exactly once: at once (a cached
 * picture, or an error) and then this returns NULL, or later from the loop
 * and then this returns a handle for vg_still_snapshot_cancel().
 */
vg_snapshot_request *vg_still_snapshot(vg_still *still, const char *path_name, int width,
                                       int quality, vg_snapshot_cb cb, void *ctx);

/* The caller no longer wants the answer: `cb` will not run. */
void vg_still_snapshot_cancel(vg_snapshot_request *request);

/* ---- live frames ---- */

typedef struct vg_still_viewer vg_still_viewer;

typedef struct vg_still_viewer_ops {
    /* A new frame, in order. Borrowed for the call: vg_jpeg_ref() to keep it. */
    void (*on_frame)(vg_still_viewer *viewer, void *ctx, vg_jpeg *jpeg);
    /*
     * No more frames: the stream stopped, its camera was deleted, it did not
     * start in time, or vigil is stopping. `reason` is a static message. The
     * owner still calls vg_still_live_leave().
     */
    void (*on_end)(vg_still_viewer *viewer, void *ctx, int code, const char *reason);
} vg_still_viewer_ops;

typedef struct vg_still_live_params {
    int quality; /* 1-100 */
    int fps;     /* 1-30: frames per second at most (fewer when the camera sends fewer) */
    int width;   /* 0: the camera's; else at most it, aspect kept */
} vg_still_live_params;

/*
 * Joins the live encoder of (path, params), starting it when it is the
 * first viewer. `ops` and `ctx` are borrowed until vg_still_live_leave().
 * Returns 0 and *out, or VG_ENOENT (the path is not live), VG_ELIMIT
 * (maxReaders), VG_ERANGE (16 encoders with other settings already run for
 * the path), VG_EINVAL (params), VG_ESTATE (stopping), VG_ENOMEM.
 */
int vg_still_live_join(vg_still *still, const char *path_name, const vg_still_live_params *params,
                       const vg_still_viewer_ops *ops, void *ctx, vg_still_viewer **out);

/* Leaves; the encoder stops with its last viewer. Never calls back. NULL-safe. */
void vg_still_live_leave(vg_still_viewer *viewer);

typedef struct vg_still_live_stats {
    double fps;              /* frames encoded over the last second */
    uint64_t frames_encoded; /* by this encoder */
    uint64_t dropped;        /* AUs skipped because decoding fell behind */
    double avg_encode_ms;    /* decode + scale + encode per emitted frame, worker time */
    size_t viewers;
} vg_still_live_stats;

void vg_still_live_stats_get(const vg_still_viewer *viewer, vg_still_live_stats *out);

/* How many live encoders run for `path_name` (for the stream's stats). */
size_t vg_still_encoder_count(const vg_still *still, const char *path_name);

#endif
