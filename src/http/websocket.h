/*
 * websocket.h: WebSocket framing (RFC 6455) for the server side, as pure
 * code: no sockets, no loop, no HTTP library. The HTTP server does the
 * upgrade and the I/O; this module turns bytes into events and events into
 * bytes.
 *
 *   GET /ws, Sec-WebSocket-Key: K ──▶ vg_ws_accept_key(K) ──▶ 101, Sec-WebSocket-Accept
 *
 *   socket bytes ──▶ vg_ws_reader_feed() ──▶ on_message / on_ping / on_pong / on_close
 *                          └─ < 0: vg_ws_reader_error() ─▶ close code to send, then drop
 *
 *   payload ──▶ vg_ws_frame_header() ──▶ writev({header, n}, {payload, len}) ──▶ socket
 *
 * Sending. A server's frames are never masked (RFC 6455 section 5.1), so a
 * frame is a header of 2, 4 or 10 bytes followed by the payload as it is:
 * the payload (a JPEG, shared by reference) is never copied to be framed.
 *
 *     uint8_t hdr[10];
 *     size_t n = vg_ws_frame_header(hdr, VG_WS_BINARY, jpeg_len);
 *     struct iovec iov[2] = {{hdr, n}, {(void *)jpeg, jpeg_len}};
 *     writev(fd, iov, 2);   (or uv_write() with two uv_buf_t)
 *
 * The server answers a ping with a pong that carries the ping's payload
 * (section 5.5.3). On on_close it sends a close frame back
 * (vg_ws_close_payload() with the code received; section 5.5.1) and closes
 * the TCP connection once that is written. On an error from
 * vg_ws_reader_feed() it sends a close frame with vg_ws_reader_error()'s
 * code and reason, and closes the connection without waiting for the
 * client's close (section 7.1.7, "Fail the WebSocket Connection").
 *
 * Threads: a reader belongs to one thread (the loop); the free functions
 * are pure and thread-safe.
 */
#ifndef VG_HTTP_WEBSOCKET_H
#define VG_HTTP_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes (RFC 6455 section 5.2, 11.8). */
enum {
    VG_WS_CONTINUATION = 0,
    VG_WS_TEXT = 1,
    VG_WS_BINARY = 2,
    VG_WS_CLOSE = 8,
    VG_WS_PING = 9,
    VG_WS_PONG = 10,
};

/* Close codes (RFC 6455 section 7.4.1). */
enum {
    VG_WS_CLOSE_NORMAL = 1000,
    VG_WS_CLOSE_GOING_AWAY = 1001,
    VG_WS_CLOSE_PROTOCOL_ERROR = 1002,
    VG_WS_CLOSE_UNSUPPORTED = 1003,
    VG_WS_CLOSE_NO_STATUS = 1005, /* received without a code; never sent */
    VG_WS_CLOSE_INVALID_DATA = 1007,
    VG_WS_CLOSE_POLICY = 1008,
    VG_WS_CLOSE_TOO_BIG = 1009,
    VG_WS_CLOSE_INTERNAL_ERROR = 1011,
};

/* The largest control frame payload (section 5.5), so the largest close payload. */
#define VG_WS_MAX_CONTROL_PAYLOAD 125

/* The length of a Sec-WebSocket-Accept value with its NUL. */
#define VG_WS_ACCEPT_SIZE 29

/*
 * The handshake (section 4.2.1 and 4.2.2): checks `client_key`, the value
 * of the request's Sec-WebSocket-Key (NUL-terminated, spaces and tabs
 * around it ignored), which must be the base64 of exactly 16 bytes, and
 * writes the Sec-WebSocket-Accept value to `out` (28 chars and a NUL): the
 * base64 of the SHA-1 of the key and "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".
 * Returns 0, or VG_EINVAL for a missing or malformed key (answer 400).
 */
int vg_ws_accept_key(const char *client_key, char out[VG_WS_ACCEPT_SIZE]);

/*
 * The reader: what a client sends, frame by frame, checked against the
 * RFC. Every pointer an event gets is borrowed for the call only: copy what
 * you keep. A callback may be NULL (the event is dropped). A callback must
 * not feed or destroy the reader.
 */
typedef struct vg_ws_reader_events {
    /*
     * A whole message, reassembled from its fragments (section 5.4). A text
     * message is valid UTF-8 (section 8.1) and not NUL-terminated. `data` is
     * never NULL, even when len is 0.
     */
    void (*on_message)(void *ctx, bool binary, const uint8_t *data, size_t len);
    /* A ping; answer with a pong carrying the same payload (section 5.5.2). */
    void (*on_ping)(void *ctx, const uint8_t *payload, size_t len);
    /* A pong (unsolicited ones too, section 5.5.3). */
    void (*on_pong)(void *ctx, const uint8_t *payload, size_t len);
    /*
     * The client's close frame (section 5.5.1): `code` is a valid code
     * (section 7.4), or 1005 when the frame had no body. `reason` is
     * `reason_len` bytes of valid UTF-8, also NUL-terminated (it may hold a
     * NUL itself). The reader ignores everything after it.
     */
    void (*on_close)(void *ctx, int code, const char *reason, size_t reason_len);
} vg_ws_reader_events;

typedef struct vg_ws_reader vg_ws_reader;

/*
 * A new reader that accepts messages of at most `max_message` bytes, the
 * sum of their fragments (the server uses 1 MiB). The caller's to
 * vg_ws_reader_destroy(); NULL when out of memory. The reader allocates its
 * message buffer as bytes arrive, never beyond `max_message`.
 */
vg_ws_reader *vg_ws_reader_create(size_t max_message);
/* Frees the reader and its buffer; NULL-safe. */
void vg_ws_reader_destroy(vg_ws_reader *reader);

/*
 * Consumes `len` bytes that the client sent (`data` is borrowed), in any
 * cut: a frame may span calls and a call may hold many frames. Calls `ev`'s
 * callbacks with `ctx` for every complete message and control frame, in
 * order, before it returns.
 *
 * Returns 0, or on the first violation of the protocol a negative code,
 * after which vg_ws_reader_error() says what to send:
 *   VG_ESYNTAX  close 1002: a protocol error, or 1007: a text message or a
 *               close reason that is not UTF-8
 *   VG_ELIMIT   close 1009: a message longer than max_message, refused from
 *               its frame header, before its payload is read
 *   VG_ENOMEM   close 1011: out of memory
 * After an error the reader ignores its input and returns the same code;
 * after a close frame it ignores its input and returns 0.
 */
int vg_ws_reader_feed(vg_ws_reader *reader, const uint8_t *data, size_t len,
                      const vg_ws_reader_events *ev, void *ctx);

/*
 * Whether the reader has failed. If so, sets *code to the close code to
 * send and *reason to a static English reason short enough for a close
 * frame ("unmasked frame"); either pointer may be NULL.
 */
bool vg_ws_reader_error(const vg_ws_reader *reader, int *code, const char **reason);

/* Whether the client's close frame has arrived (on_close was called). */
bool vg_ws_reader_closed(const vg_ws_reader *reader);

/*
 * Writes into `out` the header of an unmasked server frame with FIN set
 * (section 5.2): `opcode` is one of VG_WS_*, `payload_len` the length of
 * the payload that follows it (at most 125 for control frames). Uses the
 * shortest length form (section 5.2: 7 bits, then 16, then 64) and returns
 * the header's length: 2, 4 or 10.
 */
size_t vg_ws_frame_header(uint8_t out[10], int opcode, size_t payload_len);

/*
 * Writes the payload of a close frame (section 5.5.1) into `out`: the code
 * in network byte order and `reason` (NUL-terminated UTF-8, may be NULL),
 * cut at a character boundary to fit 125 bytes. Returns its length. Codes
 * that must not be sent (section 7.4.1: 1005, 1006, 1015) and 0 give an
 * empty payload (length 0), so the code from on_close can be echoed as it
 * is.
 */
size_t vg_ws_close_payload(uint8_t out[VG_WS_MAX_CONTROL_PAYLOAD], int code, const char *reason);

#endif
