/*
 * source.h: something that produces a path's tracks and AUs from its own
 * thread: an RTSP camera pulled by vigil's own client (rtsp.c), anything
 * else pulled with libavformat (lavf.c), the demo pattern (demo.c).
 *
 *   source thread ──events──▶ inbox (mutex) ──uv_async──▶ loop: callbacks
 *
 * One vg_source_start() is one attempt: a thread connects, produces, and
 * ends (an error, the end of a file, or vg_source_stop()). Its events reach
 * the owner on the loop thread, in order, through the callbacks below; the
 * attempt's end is always the last one. Retrying (with backoff) is the
 * owner's decision (service/media.c). The inbox is bounded: if the
 * loop falls behind, the thread drops AUs up to the next key frame.
 */
#ifndef VG_SOURCE_SOURCE_H
#define VG_SOURCE_SOURCE_H

#include "core/au.h"
#include "core/track.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_source vg_source;

typedef enum {
    VG_TRANSPORT_AUTO = 0, /* FFmpeg's choice (UDP, then TCP) */
    VG_TRANSPORT_TCP,
    VG_TRANSPORT_UDP,
} vg_transport;

typedef struct vg_source_options {
    const char *url;            /* copied; may hold credentials (never logged as is) */
    const char *label;          /* copied; for logs ("cam_1") */
    const char *title;          /* copied; the camera's name, drawn by the demo; may be NULL */
    vg_transport transport;     /* RTSP only */
    int64_t connect_timeout_ms; /* reachability check + open + first stream info */
    int64_t read_timeout_ms;    /* no packet for this long is a failure */
} vg_source_options;

/* Called on the loop thread. Everything passed is borrowed for the call. */
typedef struct vg_source_callbacks {
    /* The attempt connected and knows its tracks (again after a parameter change). */
    void (*on_tracks)(void *ctx, vg_track *const *tracks, size_t count);
    void (*on_au)(void *ctx, vg_au *au);
    /*
     * The attempt is over and its thread has finished. `stopped` is true when
     * vg_source_stop() asked for it; otherwise `reason` says what failed, in
     * words a user can act on, with no credential ("camera not reachable:
     * 10.0.0.5:554: Connection refused").
     */
    void (*on_end)(void *ctx, bool stopped, const char *reason);
} vg_source_callbacks;

/*
 * A source of the kind the URL's scheme names (demo: or anything FFmpeg
 * pulls). Options are copied; `cb` and `ctx` are borrowed and must outlive
 * the source. Returns NULL when out of memory. Nothing runs until
 * vg_source_start().
 */
vg_source *vg_source_create(uv_loop_t *loop, const vg_source_options *opt,
                            const vg_source_callbacks *cb, void *ctx);

/* Starts one attempt (a thread). VG_ESTATE when one is running; 0 or -errno. */
int vg_source_start(vg_source *src);

/*
 * Asks the running attempt to stop. It stops promptly (under a second, even
 * while connecting: libavformat's interrupt callback checks the flag), and
 * on_end(stopped = true) follows on the loop. A no-op when none is running.
 */
void vg_source_stop(vg_source *src);

bool vg_source_running(const vg_source *src);

/*
 * Frees the source once no attempt is running (after on_end); the memory
 * goes when libuv has closed its handle. NULL-safe.
 */
void vg_source_destroy(vg_source *src);

/* ---- for source kinds: what runs on the source thread ---- */

typedef struct vg_source_thread vg_source_thread;

/* True once vg_source_stop() was called: return from run() soon. Thread-safe. */
bool vg_source_thread_should_stop(vg_source_thread *t);
/* The options, as copied at create. */
const vg_source_options *vg_source_thread_options(vg_source_thread *t);
/* Posts the tracks (the thread keeps its references; the loop takes its own). */
int vg_source_thread_emit_tracks(vg_source_thread *t, vg_track *const *tracks, size_t count);
/*
 * Posts an AU: takes the caller's reference. Drops it (and later ones up to
 * the next key frame, counted) when the loop is too far behind.
 */
void vg_source_thread_emit_au(vg_source_thread *t, vg_au *au);
/*
 * Fills in an AU that just arrived (its track index, timestamps, the
 * discontinuity flag, and now as its capture time) and posts it as
 * vg_source_thread_emit_au() does: takes the caller's reference.
 */
void vg_source_thread_emit_frame(vg_source_thread *t, vg_au *au, uint32_t track, int64_t dts,
                                 int64_t pts, bool discontinuity);

/*
 * A source kind, the ops table every kind fills (DESIGN.md section 1):
 * `matches` says whether it pulls a URL with those options; `run` runs one attempt on the
 * source's thread until it fails or should stop, writing why it ended into
 * `reason` (no credential). start/stop/destroy are vg_source_*(), shared by
 * every kind. A kind that needs no thread of its own (a publisher to vigil's
 * RTSP server, later) gets its own ops beside these.
 */
typedef struct vg_source_kind {
    const char *name;
    bool (*matches)(const vg_source_options *opt);
    void (*run)(vg_source_thread *t, char *reason, size_t reason_cap);
} vg_source_kind;

extern const vg_source_kind vg_source_demo; /* demo: (demo.c) */
extern const vg_source_kind vg_source_rtsp; /* rtsp:// over TCP, vigil's own client (rtsp.c) */
extern const vg_source_kind vg_source_lavf; /* everything libavformat pulls (lavf.c) */

#endif
