/*
 * notify.h: webhooks, the one seam for libcurl (DESIGN.md section 4).
 *
 *   post(event, JSON body) ──worker: curl POST (10 s)──▶ 2xx: done(ok)
 *                              └─ else: again after 1, 2, 4, 8, 16 s, then done(failed)
 *
 * Each request carries Content-Type: application/json, X-Vigil-Event, a
 * delivery id (X-Vigil-Delivery, the same across its retries) and, with a
 * secret, X-Vigil-Signature: sha256=<hex HMAC-SHA256 of the body>, as
 * GitHub's webhooks do, so a receiver can check the sender. The transfer
 * runs on libuv's worker pool; the loop never waits for the network.
 *
 * Threads: the loop thread only.
 */
#ifndef VG_RECORD_NOTIFY_H
#define VG_RECORD_NOTIFY_H

#include <stdbool.h>
#include <uv.h>

typedef struct vg_notifier vg_notifier;

/* A notifier posting to `url` (http or https; copied), signing with `secret` (may be ""). */
vg_notifier *vg_notifier_create(uv_loop_t *loop, const char *url, const char *secret);

/*
 * Posts `body` (copied) for `event` (copied). `done(ctx, ok)` runs on the
 * loop once: ok after a 2xx, or not after the last retry (or stop). 0 or
 * VG_ENOMEM (then `done` is not called).
 */
int vg_notifier_post(vg_notifier *n, const char *event, const char *body,
                     void (*done)(void *ctx, bool ok), void *ctx);

/* Stops retrying (a transfer in flight finishes); pending posts get done(false). */
void vg_notifier_stop(vg_notifier *n);

/* Frees it once nothing is in flight (after the loop ran); NULL-safe. */
void vg_notifier_destroy(vg_notifier *n);

/* Posts in flight or waiting to retry. */
int vg_notifier_pending(const vg_notifier *n);

#endif
