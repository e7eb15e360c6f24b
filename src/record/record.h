/*
 * record.h: 24/7 recording of the cameras that ask for it (issue 7).
 *
 *   cameras with record: true ──▶ vg_record ──tick (1 s)──▶ a recorder per live path
 *                                     │                         └─ on_segment ─▶ store index
 *                                     └─ at start: recovery of files a crash left unindexed
 *
 * A camera is recorded while its stream runs (an on-demand stream is then
 * pulled all the time: the recorder is a reader). When the stream stops or
 * fails, its recorder closes its file; when the stream is back, the next
 * tick starts a new file, so an outage is a gap in the timeline.
 *
 * Threads: the loop thread only (file work runs on libuv's worker pool).
 */
#ifndef VG_RECORD_RECORD_H
#define VG_RECORD_RECORD_H

#include "service/media.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_record vg_record;

typedef struct vg_record_options {
    const char *dir;             /* the recordings directory (created if missing); copied */
    int64_t segment_duration_ms; /* recordSegmentDuration */
    int64_t part_duration_ms;    /* recordPartDuration */
    /* retention (record/retention.h) */
    int64_t delete_after_ms;      /* recordDeleteAfter */
    const char *plans;            /* recordPlans */
    int64_t max_bytes_per_camera; /* recordMaxBytesPerCamera */
    int64_t min_free_bytes;       /* recordMinFreeSpace */
    int64_t cleanup_interval_ms;  /* recordCleanupInterval */
    int64_t clock_offset_ms;      /* testClockOffset */
    /* expiry notices */
    int64_t expiry_notice_ms; /* recordExpiryNotice */
    const char *webhook_url;  /* recordWebhookUrl; NULL or "": none */
    const char *webhook_secret;
} vg_record_options;

/*
 * A new recording manager; `media` and `store` are borrowed. Reads the
 * cameras to record from the store, starts recovery and retention. NULL
 * with a message in `err` (bad recordPlans, the store, out of memory).
 */
vg_record *vg_record_create(uv_loop_t *loop, vg_media *media, vg_store *store,
                            const vg_record_options *opt, char *err, size_t err_cap);

/* Records camera `camera_id` (on) or stops recording it (off). 0 or VG_ENOMEM. */
int vg_record_set(vg_record *rec, int64_t camera_id, bool on);

typedef struct vg_record_status {
    bool enabled;           /* the camera is to be recorded */
    bool active;            /* a recorder is attached to its live stream now */
    bool writing;           /* a segment file is open */
    uint64_t segments;      /* completed since vigil started */
    uint64_t bytes_written; /* since vigil started */
    char last_error[256];   /* "" when none */
} vg_record_status;

void vg_record_status_get(const vg_record *rec, int64_t camera_id, vg_record_status *out);

/* The recordings directory (absolute). */
const char *vg_record_dir(const vg_record *rec);

/* Where finished recordings live (record/storage.h); borrowed. */
struct vg_storage *vg_record_storage(const vg_record *rec);

/* A camera's retention (ms) from its fields, as retention applies it. */
int64_t vg_record_retention_of(const vg_record *rec, const vg_camera *cam);

/* Now, as retention sees it (Unix ms; testClockOffset added). */
int64_t vg_record_now_ms(const vg_record *rec);

/* recordExpiryNotice (ms). */
int64_t vg_record_expiry_notice_ms(const vg_record *rec);

/*
 * Stops every recorder: segments in progress are finished and indexed;
 * `done(ctx)` runs once the last file is closed. Before the store closes.
 */
void vg_record_stop(vg_record *rec, void (*done)(void *ctx), void *ctx);

/* Frees the manager after vg_record_stop()'s callback. NULL-safe. */
void vg_record_destroy(vg_record *rec);

#endif
