/*
 * request.h: what a handler sees of an HTTP request, and how it answers.
 *
 * A request lives from its headers until its response has been sent; the
 * server owns it. Handlers run on the loop thread and must answer exactly
 * once, through vg_http_respond() or a helper built on it (http/json.h),
 * before they return, or suspend the request and answer later. Strings
 * returned here are the request's and stay valid until it is answered.
 */
#ifndef VG_HTTP_REQUEST_H
#define VG_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_http_request vg_http_request;

const char *vg_http_request_method(const vg_http_request *req);
/* The path, percent-decoded, without the query. */
const char *vg_http_request_path(const vg_http_request *req);
/* A `{name}` parameter of the matched route, NUL-terminated; NULL when absent. */
const char *vg_http_request_param(vg_http_request *req, const char *name);
/* A query argument; NULL when absent; "" for `?key` or `?key=`. */
const char *vg_http_request_query(const vg_http_request *req, const char *key);
/* A request header, case-insensitive name; NULL when absent. */
const char *vg_http_request_header(const vg_http_request *req, const char *name);
/* The body (NUL-terminated for convenience, `*len` bytes without it); "" when none. */
const char *vg_http_request_body(const vg_http_request *req, size_t *len);

/*
 * Answers with `status` and `len` bytes of `body` (copied) of type
 * `content_type` (NULL for none, as for 204). Adds `Cache-Control: no-store`
 * unless the handler added a Cache-Control header of its own.
 * A second answer to the same request is a bug: it is logged and ignored.
 */
void vg_http_respond(vg_http_request *req, unsigned status, const char *content_type,
                     const void *body, size_t len);

/*
 * As vg_http_respond(), taking ownership of `body`, a malloc()ed buffer,
 * which is freed once sent (or at once on failure).
 */
void vg_http_respond_owned(vg_http_request *req, unsigned status, const char *content_type,
                           char *body, size_t len);

/*
 * As vg_http_respond(), with `len` bytes of `body` sent without copying and
 * never released: for bytes that outlive the server (the web console, loaded
 * once at start and freed after the server is destroyed). `body` may be NULL
 * when `len` is 0 (a 304).
 */
void vg_http_respond_static(vg_http_request *req, unsigned status, const char *content_type,
                            const void *body, size_t len);

/* A borrowed run of bytes. */
typedef struct vg_http_slice {
    const void *data;
    size_t len;
} vg_http_slice;

/*
 * As vg_http_respond(), with the concatenation of `count` slices as the
 * body, sent without copying: the bytes must stay valid and unchanged until
 * `release(ctx)` is called, once, when the server is done with them (after
 * sending, or at once when the answer cannot be made). `slices` itself is
 * copied. For shared media (HLS parts and segments).
 */
void vg_http_respond_slices(vg_http_request *req, unsigned status, const char *content_type,
                            const vg_http_slice *slices, size_t count, void (*release)(void *ctx),
                            void *ctx);

/*
 * A response whose body is written as it comes and has no end known in
 * advance (multipart/x-mixed-replace MJPEG): chunked with HTTP/1.1, ended
 * by closing with HTTP/1.0.
 *
 *   producer ──send_slices──▶ stream queue ──▶ libmicrohttpd ──▶ socket
 *            ◀──on_drained── (the queue is empty: send the newest frame now)
 *
 * A slow client holds back only its own stream: on_drained comes when it
 * has taken everything queued, so a producer that sends only then never
 * queues more than one frame, and skips the frames in between.
 */
typedef struct vg_http_stream vg_http_stream;

typedef struct vg_http_stream_ops {
    /*
     * Everything queued has been handed to the connection. Runs inside the
     * server: it may send or end, nothing else. May be NULL.
     */
    void (*on_drained)(vg_http_stream *stream, void *ctx);
    /*
     * The stream is over: the client went away, the server is shutting
     * down, or the owner ended it and the end has been sent. The stream is
     * freed right after; from here on the owner must not touch it.
     */
    void (*on_close)(vg_http_stream *stream, void *ctx);
} vg_http_stream_ops;

/*
 * Answers `req` with `status` and `content_type` and a body to follow:
 * `length` bytes exactly (Content-Length), or of unknown length when
 * `length` is -1 (chunked). `ops` and `ctx` are borrowed until on_close.
 * Returns the stream (the server's; the owner uses it until on_close), or
 * NULL when it could not be made (then the request has been answered with
 * an error, or its connection closed).
 */
vg_http_stream *vg_http_respond_stream(vg_http_request *req, unsigned status,
                                       const char *content_type, int64_t length,
                                       const vg_http_stream_ops *ops, void *ctx);

/*
 * Queues the concatenation of `count` slices, borrowed until `release(ctx)`
 * (see vg_http_respond_slices). Returns 0, or VG_ENOMEM / VG_ESTATE (ended)
 * after calling `release`.
 */
int vg_http_stream_send_slices(vg_http_stream *stream, const vg_http_slice *slices, size_t count,
                               void (*release)(void *ctx), void *ctx);

/* Bytes queued and not yet taken by the connection. */
size_t vg_http_stream_buffered(const vg_http_stream *stream);

/* Ends the body once the queue has been sent; on_close follows. Idempotent. */
void vg_http_stream_end(vg_http_stream *stream);

/*
 * Answers later: the handler returns without answering, and its owner calls
 * vg_http_respond*() from the loop when the answer is ready (a long poll, a
 * sample of a stream). The request stays valid until then. If the server
 * must end the request first (shutdown), it calls `on_cancel(ctx)` and then
 * answers 503 itself: from on_cancel on, the owner must not touch `req`.
 *
 * Returns 0, or VG_ESTATE when the server is shutting down: then the
 * request is not suspended and the caller answers it now (503).
 */
int vg_http_request_suspend(vg_http_request *req, void (*on_cancel)(void *ctx), void *ctx);

/*
 * Adds a header to the response about to be sent; call before
 * vg_http_respond*(). `name` and `value` are copied. Returns 0, VG_ERANGE
 * past 8 headers, or VG_ENOMEM.
 */
int vg_http_request_add_response_header(vg_http_request *req, const char *name, const char *value);

/*
 * Whether `origin` (a request's Origin header) is in `allow_list`: "*" for
 * any, or a comma-separated list of origins compared exactly
 * ("https://a.example, http://b.example:8080"). NULL origin: false unless "*".
 */
bool vg_http_origin_allowed(const char *allow_list, const char *origin);

/*
 * CORS for a resource others' pages may read (HLS, recordings): with "*",
 * Access-Control-Allow-Origin: *; with a list, the request's Origin echoed
 * when it is listed, and Vary: Origin. Call before answering.
 */
void vg_http_add_cors(vg_http_request *req, const char *allow_list);

#endif
