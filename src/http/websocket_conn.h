/*
 * websocket_conn.h: a WebSocket connection on vigil's HTTP port (RFC 6455):
 * the upgrade of a request, then messages both ways on the same socket.
 *
 *   GET /ws/... ──handler──▶ vg_http_websocket_accept(req) ──▶ 101 Switching Protocols
 *                                                                 │ MHD hands the socket over
 *   socket ──uv_poll──▶ vg_ws_reader (http/websocket.h) ──▶ on_message(text | binary)
 *   send(text | binary) ──▶ send queue (frames, shared payloads) ──writev──▶ socket
 *                                     └─ empty again ──▶ on_drained
 *
 * The connection answers pings, does the close handshake, and fails the
 * connection on a protocol error with the RFC's close code. Messages from
 * the client are capped (1 MiB). A producer that sends only from
 * on_drained (or when vg_ws_conn_buffered() is 0) never queues more than
 * one message on a slow client: it sends the newest and skips the rest.
 *
 * Threads: the loop thread only.
 */
#ifndef VG_HTTP_WEBSOCKET_CONN_H
#define VG_HTTP_WEBSOCKET_CONN_H

#include "http/request.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_ws_conn vg_ws_conn;

typedef struct vg_ws_conn_ops {
    /*
     * The upgrade is done: messages can flow. Messages sent before this are
     * queued and go out first. May be NULL.
     */
    void (*on_open)(vg_ws_conn *ws, void *ctx);
    /* A whole message from the client; a text one is valid UTF-8. `data` is borrowed. */
    void (*on_message)(vg_ws_conn *ws, void *ctx, bool binary, const uint8_t *data, size_t len);
    /* Everything queued has been written to the socket. May be NULL. */
    void (*on_drained)(vg_ws_conn *ws, void *ctx);
    /*
     * The connection is over: `code` is the client's close code, the one
     * vigil sent, or 1006 when the socket simply ended. The connection is
     * freed right after: from here on the owner must not touch `ws`.
     */
    void (*on_close)(vg_ws_conn *ws, void *ctx, int code);
} vg_ws_conn_ops;

/* The default cap on a message from the client. */
#define VG_WS_CONN_MAX_MESSAGE (1024 * 1024)

/*
 * Answers `req` with 101 and makes it a WebSocket: checks the handshake
 * (RFC 6455 section 4.2.1: GET, "Upgrade: websocket", "Connection: upgrade",
 * Sec-WebSocket-Version 13, a valid Sec-WebSocket-Key). `ops` and `ctx` are
 * borrowed until on_close. On success returns 0 and *out, the server's
 * connection (the owner uses it until on_close). Otherwise the request has
 * been answered (400, or 426 with Sec-WebSocket-Version: 13) and a negative
 * code is returned.
 */
int vg_http_websocket_accept(vg_http_request *req, const vg_ws_conn_ops *ops, void *ctx,
                             vg_ws_conn **out);

/* Sends one message, a copy of `len` bytes. 0, VG_ENOMEM, or VG_ESTATE once closing. */
int vg_ws_conn_send(vg_ws_conn *ws, bool binary, const void *data, size_t len);

/*
 * Sends one message made of `count` slices, without copying them: they are
 * borrowed until `release(ctx)` (called once, also on failure). Same returns.
 */
int vg_ws_conn_send_slices(vg_ws_conn *ws, bool binary, const vg_http_slice *slices, size_t count,
                           void (*release)(void *ctx), void *ctx);

/* Bytes queued and not yet written to the socket. */
size_t vg_ws_conn_buffered(const vg_ws_conn *ws);

/*
 * Starts the close handshake with `code` and `reason` (static or copied):
 * what is queued goes out, then the close frame; on_close follows once the
 * client answers, or after 2 s. Idempotent.
 */
void vg_ws_conn_close(vg_ws_conn *ws, int code, const char *reason);

/* The client's address ("127.0.0.1:50312"), for logs. */
const char *vg_ws_conn_peer(const vg_ws_conn *ws);

#endif
