/*
 * send_queue.h: bytes waiting to go out on one connection, as borrowed
 * slices with a release callback each, so that a JPEG shared by many
 * viewers is queued on each of them without a copy.
 *
 *   push(slices, release) ──▶ [item][item][item] ──▶ iov() / copy() ──▶ socket
 *                                  ▲ consume(n) releases the items fully sent
 *
 * Used by streamed HTTP responses (server.c) and WebSocket connections
 * (websocket_conn.c). Threads: whoever owns the connection (the loop).
 */
#ifndef VG_HTTP_SEND_QUEUE_H
#define VG_HTTP_SEND_QUEUE_H

#include "http/request.h"

#include <stddef.h>
#include <sys/uio.h>

typedef struct vg_send_item vg_send_item;

typedef struct vg_send_queue {
    vg_send_item *head, *tail;
    size_t bytes; /* not yet consumed */
} vg_send_queue;

/* An empty queue: `vg_send_queue q = {0};` is one too. */
void vg_send_queue_init(vg_send_queue *q);

/*
 * Appends the concatenation of `count` slices. The bytes are borrowed until
 * `release(ctx)` is called (once: when they have all been consumed, or
 * cleared); `slices` itself is copied. `release` may be NULL. Returns 0, or
 * VG_ENOMEM (then `release` has already been called).
 */
int vg_send_queue_push(vg_send_queue *q, const vg_http_slice *slices, size_t count,
                       void (*release)(void *ctx), void *ctx);

/* Appends a copy of `len` bytes. 0 or VG_ENOMEM. */
int vg_send_queue_push_copy(vg_send_queue *q, const void *data, size_t len);

/* Fills up to `max` iovecs with the bytes from the front; returns how many. */
size_t vg_send_queue_iov(const vg_send_queue *q, struct iovec *iov, size_t max);

/* Marks `n` bytes from the front as sent, releasing the items that are done. */
void vg_send_queue_consume(vg_send_queue *q, size_t n);

/* Copies up to `max` bytes from the front into `buf` and consumes them; returns the count. */
size_t vg_send_queue_copy(vg_send_queue *q, void *buf, size_t max);

/* Releases everything. The queue is empty (and reusable) after. */
void vg_send_queue_clear(vg_send_queue *q);

#endif
