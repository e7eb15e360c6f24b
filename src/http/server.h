/*
 * server.h: the HTTP server, libmicrohttpd driven by the libuv loop.
 *
 * libmicrohttpd runs in its "external polling" epoll mode: it owns an epoll
 * fd holding the listening socket and every connection; the loop watches
 * that one fd with a uv_poll_t and calls MHD_run() when it is readable, and
 * a uv_timer_t fires at MHD_get_timeout() for idle-connection timeouts. So
 * every request handler runs on the loop thread, and nothing here blocks.
 *
 *   socket ──▶ MHD epoll fd ──uv_poll──▶ MHD_run ──▶ access handler
 *                                                      │ body ≤ limit, else 413
 *                                                      ▼
 *                                              router ──▶ handler(req, ctx)
 */
#ifndef VG_HTTP_SERVER_H
#define VG_HTTP_SERVER_H

#include "http/router.h"

#include <stdint.h>
#include <uv.h>

typedef struct vg_http_server vg_http_server;

typedef struct vg_http_server_options {
    const char *listen;      /* "HOST:PORT" or "[IPV6]:PORT"; port 0 picks a free one */
    int64_t idle_timeout_ms; /* idle keep-alive connections are closed after this */
    int64_t max_body_size;   /* larger request bodies are answered 413 */
} vg_http_server_options;

/*
 * Binds, listens and starts serving on `loop`. `router` is borrowed and must
 * outlive the server. On failure returns a negative code and writes a
 * message into `err` ("cannot listen on 127.0.0.1:8080: Address already in
 * use"). On success *out is the caller's: vg_http_server_shutdown(), then,
 * once its callback has run, vg_http_server_destroy().
 */
int vg_http_server_create(uv_loop_t *loop, const vg_http_server_options *opt, vg_router *router,
                          vg_http_server **out, char *err, size_t err_cap);

/* The address actually bound, as "127.0.0.1:43567" (the real port when 0 was asked). */
const char *vg_http_server_address(const vg_http_server *server);

/*
 * Graceful stop: stops accepting at once, lets requests in flight finish
 * for up to `timeout_ms`, then closes every connection and the loop handles.
 * `done(ctx)` runs on the loop once all of that is over.
 */
void vg_http_server_shutdown(vg_http_server *server, int64_t timeout_ms, void (*done)(void *ctx),
                             void *ctx);

/*
 * Frees the server, only after shutdown's callback has run (before that its
 * handles are still in the loop: it logs the bug and frees nothing). NULL is
 * a no-op.
 */
void vg_http_server_destroy(vg_http_server *server);

#endif
