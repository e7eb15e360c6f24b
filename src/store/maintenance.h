/*
 * maintenance.h: the store's periodic chores, off the loop thread.
 *
 * Every `interval_ms`, a timer on the loop sends vg_store_checkpoint() to
 * libuv's worker pool, so the WAL's fsync never runs on the loop (DESIGN.md
 * section 2). One checkpoint runs at a time.
 */
#ifndef VG_STORE_MAINTENANCE_H
#define VG_STORE_MAINTENANCE_H

#include "store/store.h"

#include <stdint.h>
#include <uv.h>

typedef struct vg_store_maintenance vg_store_maintenance;

/*
 * Starts the chores for `store` (borrowed; must outlive the maintenance).
 * *out is the caller's, to vg_store_maintenance_stop(). Returns 0 or VG_ENOMEM.
 */
int vg_store_maintenance_start(uv_loop_t *loop, vg_store *store, int64_t interval_ms,
                               vg_store_maintenance **out);

/*
 * Stops the timer and frees everything once a checkpoint in progress has
 * finished (the loop keeps running until then). NULL is a no-op.
 */
void vg_store_maintenance_stop(vg_store_maintenance *m);

#endif
