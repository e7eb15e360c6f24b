/*
 * recovery.h: at start, the recording files a crash (or a failed write)
 * left out of the index are repaired and indexed.
 *
 *   worker: list the .mp4 files of <dir>/<camera>/<day>, the two newest days of each camera
 *   loop:   keep the ones the index does not have
 *   worker: scan each (format/mp4_read.h): cut a torn tail after the last
 *           complete fragment (ftruncate + fsync); a file with no complete
 *           fragment is deleted
 *   loop:   index what is left (start from the file name, duration from the
 *           video's decode times)
 *
 * Only the two newest day folders of each camera are looked at: a crash
 * leaves at most the file being written, which is in the newest one (or
 * the one before, just after midnight). Threads: the loop thread only.
 */
#ifndef VG_RECORD_RECOVERY_H
#define VG_RECORD_RECOVERY_H

#include "store/store.h"

#include <stdbool.h>
#include <uv.h>

typedef struct vg_recovery vg_recovery;

/*
 * Starts recovering `dir` (copied) into `store` (borrowed). `done(ctx)` runs
 * on the loop when it has finished (or was cancelled). NULL when out of
 * memory (then nothing is recovered, which is logged).
 */
vg_recovery *vg_recovery_start(uv_loop_t *loop, vg_store *store, const char *dir,
                               void (*done)(void *ctx), void *ctx);

/* Stops before the next step (a step on a worker finishes first). NULL-safe. */
void vg_recovery_cancel(vg_recovery *rc);

/* Whether it has finished (or never started). NULL: true. */
bool vg_recovery_finished(const vg_recovery *rc);

/* Frees it once finished. NULL-safe. */
void vg_recovery_destroy(vg_recovery *rc);

/*
 * The start time of a segment from its relative path
 * "<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>[_n].mp4": Unix ms into *start_ms and
 * the camera id into *camera_id. Returns 0 or VG_EINVAL.
 */
int vg_recovery_parse_name(const char *rel, int64_t *camera_id, int64_t *start_ms);

#endif
