/*
 * retention.h: deleting recordings that are old enough, or that must go to
 * keep a camera under its byte limit and the disk above its free-space
 * floor (issue 7; seeds 001 and 004). Permanent segments are never deleted.
 *
 *   every recordCleanupInterval (and at start), in three passes:
 *     age:   per camera, segments that ended before now - its retention
 *            (retention_days, else its plan's days, else recordDeleteAfter);
 *            segments of deleted cameras after recordDeleteAfter
 *     size:  per camera over recordMaxBytesPerCamera, its oldest segments
 *     space: while the disk has less than recordMinFreeSpace, the oldest
 *            segments of any camera
 *   each step, on the loop: a batch of rows deleted in one transaction
 *              (one statement; 256-8192 rows, sized so that a step takes
 *              about 2 ms) ─▶ their files queued for a worker, which
 *              unlinks them while the next steps go on (at most 16 Ki files
 *              queued; the space pass waits for them before measuring again)
 *
 * Rows go before files: a crash leaves files without rows (not played,
 * only disk used), never a row without its file. The first run waits for
 * recovery (first_run_later), which would index again a file whose row was
 * just deleted. When the disk is short of space and only permanent
 * segments are left, on_disk_full(true) asks the recorders to stop (false:
 * room again).
 *
 * Threads: the loop thread only (unlink and statvfs run on workers).
 */
#ifndef VG_RECORD_RETENTION_H
#define VG_RECORD_RETENTION_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_retention vg_retention;

typedef struct vg_retention_options {
    const char *dir;              /* the recordings directory; copied */
    int64_t delete_after_ms;      /* recordDeleteAfter */
    const char *plans;            /* recordPlans: "basic=7d,pro=15d,premium=30d"; copied */
    int64_t max_bytes_per_camera; /* recordMaxBytesPerCamera; 0: no limit */
    int64_t min_free_bytes;       /* recordMinFreeSpace; 0: no floor */
    int64_t interval_ms;          /* recordCleanupInterval */
    int64_t clock_offset_ms;      /* testClockOffset: added to "now" (tests only) */
    struct vg_storage *storage;   /* where the files are (record/storage.h); borrowed */
    bool first_run_later;         /* no run at create: the first is vg_retention_run()'s */
    void (*on_disk_full)(void *ctx, bool full, const char *why);
    void *ctx;
} vg_retention_options;

/*
 * Parses recordPlans: "name=duration" pairs separated by commas. Returns the
 * number of plans, or VG_EINVAL with a message in `err`. `names`/`days_ms`
 * may be NULL (just checking); else they have room for `cap` plans.
 */
int vg_retention_parse_plans(const char *plans, char (*names)[16], int64_t *ms, size_t cap,
                             char *err, size_t err_cap);

/* The retention of a camera: its days, else its plan's, else `delete_after_ms`. */
int64_t vg_retention_of(const vg_retention *ret, int retention_days, const char *plan);

/* Now, as retention sees it (Unix ms; testClockOffset added). */
int64_t vg_retention_now_ms(const vg_retention *ret);

/*
 * Starts retention on `store` (borrowed): a first run now (on the loop's
 * next turn; with first_run_later, at the first vg_retention_run()), then
 * one every interval. NULL with a message in `err` for bad plans, or out of memory.
 */
vg_retention *vg_retention_create(uv_loop_t *loop, vg_store *store, const vg_retention_options *opt,
                                  char *err, size_t err_cap);

/* Runs a pass now (unless one is running). */
void vg_retention_run(vg_retention *ret);

/* Stops after the step in progress; `done(ctx)` once nothing runs. NULL-safe. */
void vg_retention_stop(vg_retention *ret, void (*done)(void *ctx), void *ctx);

/* Frees it after vg_retention_stop()'s callback (or when it never ran). NULL-safe. */
void vg_retention_destroy(vg_retention *ret);

typedef struct vg_retention_stats {
    uint64_t runs;
    uint64_t deleted_age, deleted_size, deleted_space; /* segments */
    uint64_t bytes_deleted;
    bool disk_full; /* only permanent segments are left and the disk is under its floor */
} vg_retention_stats;

void vg_retention_stats_get(const vg_retention *ret, vg_retention_stats *out);

#endif
