/*
 * hls.h: live HLS over vigil's HTTP port: the muxers of the paths people
 * watch, their sessions, and the requests held until a part exists.
 *
 *   GET /hls/<path>/index.m3u8 ──▶ entry (one per watched path) ──▶ muxer (path reader)
 *                  stream.m3u8?session=..&_HLS_msn=..&_HLS_part=..   ▲
 *                  init / seg / part .mp4  ◀── held until they exist ┘ on_update
 *
 * A muxer starts on the first request for its path (or for every running
 * path, with hlsAlwaysRemux) and closes hlsMuxerCloseAfter after the last
 * request. The multivariant playlist hands out a session, carried in the
 * media playlist's URI: each live session is one viewer for maxReaders.
 * Names and tags: hls/playlist.h. Threads: the loop thread only.
 */
#ifndef VG_HLS_HLS_H
#define VG_HLS_HLS_H

#include "http/router.h"
#include "service/media.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_hls vg_hls;

typedef struct vg_hls_options {
    int64_t segment_duration_ms;  /* hlsSegmentDuration */
    int64_t part_duration_ms;     /* hlsPartDuration */
    int64_t segment_count;        /* hlsSegmentCount (at least 3) */
    int64_t muxer_close_after_ms; /* hlsMuxerCloseAfter */
    bool always_remux;            /* hlsAlwaysRemux */
    const char *allow_origins;    /* hlsAllowOrigins: "*" or a comma-separated list; copied */
    int64_t start_timeout_ms;     /* sourceOnDemandStartTimeout: a first playlist waits this long */
} vg_hls_options;

/* A new HLS server on `loop` over `media` (borrowed). NULL when out of memory. */
vg_hls *vg_hls_create(uv_loop_t *loop, vg_media *media, const vg_hls_options *opt);

/* Adds the /hls/ routes; `hls` is borrowed and must outlive the router. 0 or VG_ENOMEM. */
int vg_hls_register(vg_router *router, vg_hls *hls);

/*
 * Closes every muxer (held requests get 503) and the timer. Before the
 * media shuts down; vg_hls_destroy() once the loop has run. NULL-safe.
 */
void vg_hls_stop(vg_hls *hls);

/* Frees the server after vg_hls_stop() and a turn of the loop. NULL-safe. */
void vg_hls_destroy(vg_hls *hls);

#endif
