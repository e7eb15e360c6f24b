/*
 * media.h: the live side of streams: a path and a source per started
 * stream, on the loop.
 *
 *   stream service ──start/stop──▶ media ──▶ runner (per stream)
 *                                              ├─ path cam_<id> (readers attach here)
 *                                              ├─ source (lavf / demo thread)
 *                                              └─ retry timer (domain/backoff.h)
 *                  ◀──status(RUNNING, ERROR "reason")──┘
 *
 * A runner reports RUNNING on the first key frame (frames are flowing) and
 * ERROR with a reason when an attempt fails, then retries with backoff;
 * the next frames make it RUNNING again. Readers stay attached across a
 * reconnect: they get the new tracks, and the first AU after it carries
 * VG_AU_DISCONTINUITY with timestamps that go on from the last ones.
 *
 * Threads: the loop thread only (the sources' threads post to it).
 */
#ifndef VG_SERVICE_MEDIA_H
#define VG_SERVICE_MEDIA_H

#include "core/path.h"
#include "domain/stream.h"
#include "source/source.h"

#include <stdint.h>
#include <uv.h>

typedef struct vg_media vg_media;

typedef struct vg_media_options {
    int64_t connect_timeout_ms;         /* per attempt: reachability, open, stream info */
    int64_t read_timeout_ms;            /* no packet for this long fails the attempt */
    int max_readers;                    /* per path; 0 unlimited */
    int64_t on_demand_start_timeout_ms; /* sourceOnDemandStartTimeout */
    int64_t on_demand_close_after_ms;   /* sourceOnDemandCloseAfter */
    size_t gop_cache_max_bytes;         /* 0: 16 MiB */
} vg_media_options;

/*
 * Called on the loop when a stream's status changes (RUNNING, or ERROR with
 * `error`, a message without credentials). `stream_id` is borrowed.
 */
typedef void (*vg_media_status_fn)(void *ctx, const char *stream_id, vg_stream_status status,
                                   const char *error);

/* A new manager on `loop`; `on_status` and `ctx` are borrowed. NULL when out of memory. */
vg_media *vg_media_create(uv_loop_t *loop, const vg_media_options *opt,
                          vg_media_status_fn on_status, void *ctx);

/*
 * Starts pulling `url` (copied; may hold credentials) for stream
 * `stream_id` of camera `camera_id`, into path cam_<camera_id>. Returns 0,
 * VG_EEXIST when that path is already live, or VG_ENOMEM. With opt->on_demand
 * the path waits in STANDBY with no connection to the camera: its first
 * reader starts the source (STARTING, then RUNNING on the first key frame);
 * a reader that sees no key frame within the start timeout is ended with an
 * error; sourceOnDemandCloseAfter after the last reader leaves, the source
 * stops and the stream is STANDBY again.
 */
typedef struct vg_media_stream_options {
    const char *title;      /* the camera's name (copied), drawn by the demo source; may be NULL */
    bool on_demand;         /* see vg_media_start() */
    int max_readers;        /* -1: vg_media_options.max_readers; 0: unlimited */
    vg_transport transport; /* RTSP only */
} vg_media_stream_options;

int vg_media_start(vg_media *media, const char *stream_id, int64_t camera_id, const char *url,
                   const vg_media_stream_options *opt);

/*
 * Stops the stream: its readers end, its path goes, its source stops (the
 * thread is joined later, on the loop). A no-op for an unknown id.
 */
void vg_media_stop(vg_media *media, const char *stream_id);

/* The live path named `name`, or NULL. Borrowed: valid until the stream stops. */
vg_path *vg_media_find_path(vg_media *media, const char *name);

/* What a live stream looks like now. Every pointer is borrowed: valid until it stops. */
typedef struct vg_media_info {
    const char *path_name;
    const char *stream_id;
    vg_stream_status status; /* as last reported */
    const char *last_error;  /* "" unless ERROR */
    uint64_t reconnects;     /* times it came back to RUNNING after failing */
    vg_path *path;
} vg_media_info;

/* The live stream with this id, or the one on this path: 0, or VG_ENOENT. */
int vg_media_info_by_stream(vg_media *media, const char *stream_id, vg_media_info *out);
int vg_media_info_by_path(vg_media *media, const char *path_name, vg_media_info *out);

/* Calls `fn` for every live stream, newest first. */
void vg_media_foreach(vg_media *media, void (*fn)(void *ctx, const vg_media_info *info), void *ctx);

/*
 * Stops every stream and calls `done(ctx)` on the loop once every runner is
 * gone (its timers closed). Source threads may still be ending then: each
 * source closes its own handle when its thread has ended, so the loop runs
 * until they have. vg_media_destroy() may run after `done`.
 */
void vg_media_shutdown(vg_media *media, void (*done)(void *ctx), void *ctx);

/* Frees the manager after its shutdown's callback. NULL-safe. */
void vg_media_destroy(vg_media *media);

#endif
