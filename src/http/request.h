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

#endif
