/*
 * server.c: libmicrohttpd (MHD) attached to the libuv loop. See server.h
 * for the shape; this file's comments say why each step is as it is.
 *
 * An access handler call sequence, per MHD's contract:
 *   1. headers only (*req_cls == NULL): make our request, check
 *      Content-Length against the limit (413 at once, so a client that sent
 *      "Expect: 100-continue" never uploads the body);
 *   2. zero or more calls with body bytes: append, or discard past the limit
 *      (a chunked body has no Content-Length to check up front, and MHD
 *      takes no response until the body has arrived);
 *   3. a last call with no bytes: route and run the handler.
 */
#include "http/server.h"

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "http/json.h"
#include "http/request.h"
#include "http/send_queue.h"
#include "http/server_internal.h"

#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the request API (request.h) ---- */

const char *vg_http_request_method(const vg_http_request *req)
{
    return req->method;
}

const char *vg_http_request_path(const vg_http_request *req)
{
    return req->path;
}

const char *vg_http_request_param(vg_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->match.param_count; i++) {
        if (strcmp(req->match.param_names[i], name) == 0)
            return req->params[i];
    }
    return NULL;
}

const char *vg_http_request_query(const vg_http_request *req, const char *key)
{
    const char *value = NULL;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &value,
                                      NULL) != MHD_YES)
        return NULL;
    return value ? value : "";
}

const char *vg_http_request_header(const vg_http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *vg_http_request_body(const vg_http_request *req, size_t *len)
{
    *len = req->body_len;
    return req->body ? req->body : "";
}

int vg_http_request_add_response_header(vg_http_request *req, const char *name, const char *value)
{
    if (req->header_count == MAX_RESPONSE_HEADERS)
        return VG_ERANGE;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return VG_ENOMEM;
    }
    req->headers[req->header_count][0] = n;
    req->headers[req->header_count][1] = v;
    req->header_count++;
    return 0;
}

bool vg_http_origin_allowed(const char *allow_list, const char *origin)
{
    if (!strcmp(allow_list, "*"))
        return true;
    if (!origin || !*origin)
        return false;
    size_t len = strlen(origin);
    for (const char *p = allow_list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && p[0] == ' ')
            p++, n--;
        while (n && p[n - 1] == ' ')
            n--;
        if (n == len && !strncmp(p, origin, n))
            return true;
        p = end ? end + 1 : p + n;
    }
    return false;
}

void vg_http_add_cors(vg_http_request *req, const char *allow_list)
{
    if (!strcmp(allow_list, "*")) {
        vg_http_request_add_response_header(req, "Access-Control-Allow-Origin", "*");
        return;
    }
    const char *origin = vg_http_request_header(req, "Origin");
    vg_http_request_add_response_header(req, "Vary", "Origin");
    if (vg_http_origin_allowed(allow_list, origin))
        vg_http_request_add_response_header(req, "Access-Control-Allow-Origin", origin);
}

static void schedule_mhd(vg_http_server *server);

static void unlink_suspended(vg_http_request *req)
{
    if (!req->prev_suspended)
        return;
    *req->prev_suspended = req->next_suspended;
    if (req->next_suspended)
        req->next_suspended->prev_suspended = req->prev_suspended;
    req->prev_suspended = NULL;
    req->next_suspended = NULL;
}

/*
 * Hands `resp` (NULL: it could not be made) to MHD, with the handler's
 * headers. Returns whether MHD took it; when it did not, the request has no
 * answer and on_request closes the connection.
 */
static bool queue(vg_http_request *req, unsigned status, const char *content_type,
                  struct MHD_Response *resp)
{
    if (!resp) {
        VG_LOG_ERROR("http", "cannot create response method=%s path=%s", req->method, req->path);
        if (req->suspended) {
            /* Nothing to send: resume so that MHD closes the connection. */
            req->suspended = false;
            unlink_suspended(req);
            MHD_resume_connection(req->conn);
            schedule_mhd(req->server);
        }
        return false; /* MHD closes the connection when the handler queues nothing */
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    bool cache_control = false;
    for (size_t i = 0; i < req->header_count; i++) {
        MHD_add_response_header(resp, req->headers[i][0], req->headers[i][1]);
        cache_control |= !strcasecmp(req->headers[i][0], MHD_HTTP_HEADER_CACHE_CONTROL);
    }
    if (!cache_control)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    req->status = status;
    if (req->suspended) {
        /*
         * MHD takes a response only inside its access handler: keep it, resume
         * the connection, and queue it when MHD calls on_request again.
         */
        req->pending = resp;
        req->pending_status = status;
        req->queued = true;
        req->suspended = false;
        unlink_suspended(req);
        MHD_resume_connection(req->conn);
        schedule_mhd(req->server);
        return true;
    }
    req->queued = MHD_queue_response(req->conn, status, resp) == MHD_YES;
    if (!req->queued)
        VG_LOG_ERROR("http", "cannot queue response status=%u path=%s", status, req->path);
    MHD_destroy_response(resp);
    return req->queued;
}

int vg_http_request_suspend(vg_http_request *req, void (*on_cancel)(void *ctx), void *ctx)
{
    vg_http_server *server = req->server;
    /* MHD must never stop with a connection suspended: none begins once stopping has. */
    if (server->shutting_down)
        return VG_ESTATE;
    req->suspended = true;
    req->on_cancel = on_cancel;
    req->cancel_ctx = ctx;
    req->next_suspended = server->suspended;
    if (server->suspended)
        server->suspended->prev_suspended = &req->next_suspended;
    server->suspended = req;
    req->prev_suspended = &server->suspended;
    MHD_suspend_connection(req->conn);
    return 0;
}

/* Ends every suspended request (shutdown): its owner lets go, the client gets 503. */
static void cancel_suspended(vg_http_server *server)
{
    while (server->suspended) {
        vg_http_request *req = server->suspended;
        if (req->on_cancel)
            req->on_cancel(req->cancel_ctx);
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
    }
}

/* A body MHD copies (MUST_COPY) or points at (PERSISTENT: never copied nor freed). */
static void respond_buffer(vg_http_request *req, unsigned status, const char *content_type,
                           const void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    if (req->responded) {
        VG_LOG_ERROR("http", "second response ignored status=%u path=%s", status, req->path);
        return;
    }
    req->responded = true;
    queue(req, status, content_type,
          MHD_create_response_from_buffer(len, (void *)(len ? body : ""), mode));
}

void vg_http_respond(vg_http_request *req, unsigned status, const char *content_type,
                     const void *body, size_t len)
{
    respond_buffer(req, status, content_type, body, len, MHD_RESPMEM_MUST_COPY);
}

void vg_http_respond_owned(vg_http_request *req, unsigned status, const char *content_type,
                           char *body, size_t len)
{
    if (req->responded) {
        VG_LOG_ERROR("http", "second response ignored status=%u path=%s", status, req->path);
        free(body);
        return;
    }
    req->responded = true;
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!resp)
        free(body);
    queue(req, status, content_type, resp);
}

void vg_http_respond_static(vg_http_request *req, unsigned status, const char *content_type,
                            const void *body, size_t len)
{
    respond_buffer(req, status, content_type, body, len, MHD_RESPMEM_PERSISTENT);
}

void vg_http_respond_slices(vg_http_request *req, unsigned status, const char *content_type,
                            const vg_http_slice *slices, size_t count, void (*release)(void *ctx),
                            void *ctx)
{
    if (req->responded) {
        VG_LOG_ERROR("http", "second response ignored status=%u path=%s", status, req->path);
        release(ctx);
        return;
    }
    req->responded = true;
    struct MHD_IoVec small[32] = {{0}}; /* zeroed: GCC cannot see that count 0 reads none */
    struct MHD_IoVec *iov = count <= 32 ? small : calloc(count, sizeof(*iov));
    struct MHD_Response *resp = NULL;
    if (iov && count <= UINT_MAX) {
        for (size_t i = 0; i < count; i++)
            iov[i] = (struct MHD_IoVec){slices[i].data, slices[i].len};
        /* MHD copies the vector, not the bytes, and calls release when it lets go of them. */
        resp = MHD_create_response_from_iovec(iov, (unsigned)count, release, ctx);
    }
    if (iov != small)
        free(iov);
    if (!resp)
        release(ctx);
    queue(req, status, content_type, resp);
}

/* ---- streamed responses (request.h) ---- */

#define STREAM_BLOCK_SIZE (32 * 1024)

struct vg_http_stream {
    vg_http_server *server;
    vg_http_request *req; /* NULL once the request has completed */
    const vg_http_stream_ops *ops;
    void *ctx;
    vg_send_queue queue;
    bool suspended; /* waiting for bytes: MHD does not poll the connection */
    bool ended;     /* the owner's end, or shutdown: END_OF_STREAM once the queue is sent */
    bool closed;    /* on_close has run */
    vg_http_stream *next, **prev;
};

static void stream_wake(vg_http_stream *stream)
{
    if (stream->suspended && stream->req) {
        stream->suspended = false;
        MHD_resume_connection(stream->req->conn);
        schedule_mhd(stream->server);
    }
}

/* MHD wants body bytes: hand over what is queued, or wait for more (suspended). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    vg_http_stream *stream = cls;
    size_t n = vg_send_queue_copy(&stream->queue, buf, max);
    if (n > 0) {
        if (stream->queue.bytes == 0 && !stream->ended && stream->ops->on_drained)
            stream->ops->on_drained(stream, stream->ctx);
        return (ssize_t)n;
    }
    if (stream->ended)
        return MHD_CONTENT_READER_END_OF_STREAM;
    /* Nothing to send: MHD would call again at once. Sleep until the next send. */
    stream->suspended = true;
    MHD_suspend_connection(stream->req->conn);
    return 0;
}

/* MHD is done with the response: the client left or the end went out. */
static void stream_free(void *cls)
{
    vg_http_stream *stream = cls;
    if (stream->req)
        stream->req->stream = NULL;
    if (stream->prev) {
        *stream->prev = stream->next;
        if (stream->next)
            stream->next->prev = stream->prev;
    }
    if (!stream->closed && stream->ops->on_close) {
        stream->closed = true;
        stream->ops->on_close(stream, stream->ctx);
    }
    vg_send_queue_clear(&stream->queue);
    free(stream);
}

vg_http_stream *vg_http_respond_stream(vg_http_request *req, unsigned status,
                                       const char *content_type, int64_t length,
                                       const vg_http_stream_ops *ops, void *ctx)
{
    if (req->responded) {
        VG_LOG_ERROR("http", "second response ignored status=%u path=%s", status, req->path);
        return NULL;
    }
    if (req->server->shutting_down) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        return NULL;
    }
    vg_http_stream *stream = calloc(1, sizeof(*stream));
    struct MHD_Response *resp = NULL;
    if (stream)
        resp =
            MHD_create_response_from_callback(length < 0 ? MHD_SIZE_UNKNOWN : (uint64_t)length,
                                              STREAM_BLOCK_SIZE, stream_read, stream, stream_free);
    if (!resp) {
        free(stream);
        vg_http_respond_error(req, 503, "out_of_memory", "cannot start the response");
        return NULL;
    }
    vg_http_server *server = req->server;
    stream->server = server;
    stream->req = req;
    stream->ops = ops;
    stream->ctx = ctx;
    vg_send_queue_init(&stream->queue);
    stream->next = server->streams;
    if (server->streams)
        server->streams->prev = &stream->next;
    server->streams = stream;
    stream->prev = &server->streams;
    req->stream = stream;
    req->responded = true;
    /* If MHD refuses it, destroying the response frees the stream: no on_close for an owner
     * that is told NULL. */
    stream->closed = true;
    if (!queue(req, status, content_type, resp))
        return NULL;
    stream->closed = false;
    return stream;
}

int vg_http_stream_send_slices(vg_http_stream *stream, const vg_http_slice *slices, size_t count,
                               void (*release)(void *ctx), void *ctx)
{
    if (stream->ended) {
        if (release)
            release(ctx);
        return VG_ESTATE;
    }
    int rc = vg_send_queue_push(&stream->queue, slices, count, release, ctx);
    if (rc == 0)
        stream_wake(stream);
    return rc;
}

size_t vg_http_stream_buffered(const vg_http_stream *stream)
{
    return stream->queue.bytes;
}

void vg_http_stream_end(vg_http_stream *stream)
{
    if (stream->ended)
        return;
    stream->ended = true;
    stream_wake(stream);
}

/* Shutdown: every stream ends now, whatever is still queued is sent if it can be. */
static void end_streams(vg_http_server *server)
{
    for (vg_http_stream *s = server->streams; s; s = s->next)
        vg_http_stream_end(s);
}

/* ---- MHD callbacks ---- */

static void request_free(vg_http_request *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->header_count; i++) {
        free(req->headers[i][0]);
        free(req->headers[i][1]);
    }
    if (req->pending)
        MHD_destroy_response(req->pending);
    unlink_suspended(req);
    free(req->path);
    free(req->body);
    free(req);
}

static void dispatch(vg_http_server *server, vg_http_request *req)
{
    int rc = vg_router_match(server->router, req->method, req->path, &req->match);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "no route for %s", req->path);
        return;
    }
    if (rc == VG_ESTATE) {
        vg_http_request_add_response_header(req, MHD_HTTP_HEADER_ALLOW, req->match.allow);
        vg_http_respond_error(req, 405, "method_not_allowed", "%s is not allowed here; use %s",
                              req->method, req->match.allow);
        return;
    }
    for (size_t i = 0; i < req->match.param_count; i++) {
        vg_slice v = req->match.param_values[i];
        if (v.len >= PARAM_MAX) {
            vg_http_respond_error(req, 404, "not_found", "no route for this path");
            return;
        }
        memcpy(req->params[i], v.p, v.len);
        req->params[i][v.len] = '\0';
    }
    req->match.handler(req, req->match.ctx);
    if (!req->responded && !req->suspended) {
        VG_LOG_ERROR("http", "handler gave no response method=%s path=%s", req->method, req->path);
        vg_http_respond_error(req, 500, "internal_error", "the handler gave no response");
    }
}

static bool append_body(vg_http_request *req, const char *data, size_t len, int64_t limit)
{
    if (req->too_large || (int64_t)(req->body_len + len) > limit) {
        req->too_large = true;
        return true;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + len + 1)
            cap *= 2;
        /* Never more than the limit allows: a 1 MiB body costs 1 MiB, not 2. */
        if (cap > (size_t)limit + 1)
            cap = (size_t)limit + 1;
        char *grown = realloc(req->body, cap);
        if (!grown)
            return false;
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
    req->body[req->body_len] = '\0';
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    vg_http_server *server = cls;
    vg_http_request *req = *req_cls;

    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req || !(req->path = strdup(url))) {
            free(req);
            return MHD_NO; /* out of memory: MHD closes the connection */
        }
        req->server = server;
        req->conn = conn;
        req->start_ns = now_ns();
        snprintf(req->method, sizeof(req->method), "%s", method);
        req->http11 = strcmp(version, MHD_HTTP_VERSION_1_0) != 0;
        *req_cls = req;
        server->requests_in_flight++;

        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == '\0' && n > (unsigned long long)server->max_body_size) {
                req->too_large = true;
                vg_http_respond_error(req, 413, "payload_too_large",
                                      "request body of %llu bytes is over the limit of %lld bytes",
                                      n, (long long)server->max_body_size);
            }
        }
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (!req->responded &&
            !append_body(req, upload_data, *upload_data_size, server->max_body_size)) {
            VG_LOG_ERROR("http", "out of memory reading a body path=%s", req->path);
            return MHD_NO;
        }
        /* MHD takes no response while a body is still arriving: discard the rest, answer at the
         * end. */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (req->pending) {
        /* Called back after a resume: the answer its owner gave while suspended. */
        struct MHD_Response *resp = req->pending;
        req->pending = NULL;
        bool ok = MHD_queue_response(conn, req->pending_status, resp) == MHD_YES;
        if (!ok)
            VG_LOG_ERROR("http", "cannot queue response status=%u path=%s", req->pending_status,
                         req->path);
        MHD_destroy_response(resp);
        return ok ? MHD_YES : MHD_NO;
    }
    if (req->responded)
        return req->queued || req->suspended ? MHD_YES : MHD_NO;
    if (req->too_large && !req->responded)
        vg_http_respond_error(req, 413, "payload_too_large",
                              "request body is over the limit of %lld bytes",
                              (long long)server->max_body_size);
    if (!req->responded)
        dispatch(server, req);
    /*
     * Answered but MHD did not take the answer: close the connection. Left
     * open, MHD would call us again at once, forever (a busy loop).
     */
    return req->queued || req->suspended ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    vg_http_server *server = cls;
    vg_http_request *req = *req_cls;
    if (!req)
        return;
    if (vg_log_enabled(VG_LOG_DEBUG)) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char peer[INET6_ADDRSTRLEN] = "?";
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof(peer));
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
                          sizeof(peer));
        }
        double ms = (double)(now_ns() - req->start_ns) / 1e6;
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
            VG_LOG_DEBUG("http", "%s %s status=%u ms=%.2f peer=%s", req->method, req->path,
                         req->status, ms, peer);
        else
            VG_LOG_DEBUG("http", "%s %s ended early status=%u reason=%d ms=%.2f peer=%s",
                         req->method, req->path, req->status, (int)toe, ms, peer);
    }
    if (req->stream)
        req->stream->req = NULL; /* MHD frees the response (and the stream) on its own */
    if (req->upgrading) {
        vg_ws_conn_abandon(req->upgrading);
        req->upgrading = NULL;
    }
    server->requests_in_flight--;
    request_free(req);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
    vg_http_server *server = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        server->connections++;
    else
        server->connections--;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    /* A client that goes away mid-response (an MJPEG viewer closing its tab) is routine. */
    if (strstr(msg, "no longer available") || strstr(msg, "reset by remote"))
        VG_LOG_DEBUG("http", "libmicrohttpd: %s", msg);
    else
        VG_LOG_WARN("http", "libmicrohttpd: %s", msg);
}

/* ---- the loop glue ---- */

static void run_mhd(vg_http_server *server);

static void on_timer(uv_timer_t *t)
{
    run_mhd(t->data);
}

static void on_again(uv_idle_t *idle)
{
    uv_idle_stop(idle);
    run_mhd(idle->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    if (status < 0) {
        /* libuv has stopped watching the fd: say so loudly, the server is deaf from here. */
        VG_LOG_ERROR("http", "polling the HTTP server failed: %s", uv_strerror(status));
        return;
    }
    run_mhd(p->data);
}

/*
 * Lets MHD do everything that is ready, then arms the timer for its next
 * deadline. A timeout of 0 means MHD has more to do now (its epoll is
 * edge-triggered and it keeps a list of connections still ready), so the
 * timer fires on the next loop iteration.
 */
static void run_mhd(vg_http_server *server)
{
    if (!server->daemon)
        return;
    server->in_run = true;
    MHD_run(server->daemon);
    server->in_run = false;
    MHD_UNSIGNED_LONG_LONG timeout;
    bool has_timeout = MHD_get_timeout(server->daemon, &timeout) == MHD_YES;
    if (server->run_again || (has_timeout && timeout == 0)) {
        /*
         * More to do now (a handler resumed a connection during this run, or
         * MHD still has ready connections): run again on the next loop turn,
         * after polling for I/O. An idle handle, not a 0 ms timer: a timer
         * re-armed at 0 from its own callback runs again before any I/O.
         */
        server->run_again = false;
        uv_timer_stop(&server->timer);
        uv_idle_start(&server->again, on_again);
    } else if (has_timeout) {
        uv_timer_start(&server->timer, on_timer, timeout, 0);
    } else {
        uv_timer_stop(&server->timer);
    }
}

/*
 * Runs MHD again after a resume: on the next loop iteration, or, when the
 * resume happened inside MHD_run (another connection's handler), as soon as
 * that run returns.
 */
static void schedule_mhd(vg_http_server *server)
{
    if (server->in_run)
        server->run_again = true; /* run_mhd arms the timer after MHD_run returns */
    else if (server->daemon)
        uv_idle_start(&server->again, on_again);
}

void vg_http_server_schedule(vg_http_server *server)
{
    schedule_mhd(server);
}

/* Splits "host:port", "[v6]:port" or ":port". Returns 0 or VG_EINVAL. */
/*
 * Makes the listening socket ourselves rather than letting MHD do it, so
 * that a failure names the address and the reason precisely.
 */
static int open_listener(const char *addr, int *fd_out, char *bound, size_t bound_cap, char *err,
                         size_t err_cap)
{
    char host[256], port[16];
    if (vg_split_host_port(addr, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, err_cap, "invalid listen address '%s' (write HOST:PORT or [IPV6]:PORT)",
                 addr);
        return VG_EINVAL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : "0.0.0.0", port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, err_cap, "cannot listen on %s: %s", addr, gai_strerror(gai));
        return VG_EINVAL;
    }
    int fd = -1, rc = VG_EIO;
    int saved_errno = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
            break;
        saved_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot listen on %s: %s", addr, strerror(saved_errno));
        return rc;
    }

    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int bound_port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
            bound_port = ntohs(s6->sin6_port);
            snprintf(bound, bound_cap, "[%s]:%d", ip, bound_port);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
            bound_port = ntohs(s4->sin_port);
            snprintf(bound, bound_cap, "%s:%d", ip, bound_port);
        }
    }
    *fd_out = fd;
    return 0;
}

int vg_http_server_create(uv_loop_t *loop, const vg_http_server_options *opt, vg_router *router,
                          vg_http_server **out, char *err, size_t err_cap)
{
    int rc;
    vg_http_server *server = calloc(1, sizeof(*server));
    if (!server) {
        snprintf(err, err_cap, "out of memory");
        return VG_ENOMEM;
    }
    server->loop = loop;
    server->router = router;
    server->max_body_size = opt->max_body_size;
    server->listen_fd = -1;

    rc = open_listener(opt->listen, &server->listen_fd, server->address, sizeof(server->address),
                       err, err_cap);
    if (rc < 0)
        goto fail;

    /* MHD counts the idle timeout in whole seconds: round up (500ms is not "never"), and clamp. */
    int64_t idle_ms = opt->idle_timeout_ms > 0 ? opt->idle_timeout_ms : 1;
    uint64_t idle_s64 = (uint64_t)idle_ms / 1000u + ((uint64_t)idle_ms % 1000u != 0);
    unsigned idle_s = idle_s64 > UINT_MAX ? UINT_MAX : (unsigned)idle_s64;
    server->daemon = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE, 0, NULL,
        NULL, on_request, server,
        /* the logger first, so that MHD's own messages during start-up go to our log */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, server, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)server->listen_fd, MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, server, MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(err, err_cap, "cannot start the HTTP server on %s", server->address);
        rc = VG_EIO;
        goto fail;
    }
    server->listen_fd = -1; /* MHD's now: MHD_quiesce_daemon() hands it back, or MHD closes it */
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        snprintf(err, err_cap, "libmicrohttpd gave no epoll descriptor");
        rc = VG_EIO;
        goto fail;
    }

    /* uv_poll_init is the one that can fail; it registers nothing when it does. */
    if ((rc = uv_poll_init(loop, &server->poll, info->epoll_fd)) < 0) {
        snprintf(err, err_cap, "cannot watch the HTTP server: %s", uv_strerror(rc));
        goto fail;
    }
    uv_timer_init(loop, &server->timer);
    uv_timer_init(loop, &server->drain);
    uv_idle_init(loop, &server->again);
    server->poll.data = server->timer.data = server->drain.data = server->again.data = server;
    /* Fails only for an invalid event mask; the epoll_ctl itself happens in the loop. */
    (void)uv_poll_start(&server->poll, UV_READABLE, on_poll);
    run_mhd(server);
    *out = server;
    return 0;

fail:
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    free(server);
    return rc;
}

const char *vg_http_server_address(const vg_http_server *server)
{
    return server->address;
}

static void on_handle_closed(uv_handle_t *h)
{
    vg_http_server *server = h->data;
    if (--server->open_handles == 0 && server->done)
        server->done(server->done_ctx);
}

static uint64_t now_ms(void)
{
    return now_ns() / 1000000u;
}

static void finish_shutdown(vg_http_server *server)
{
    /* MHD must not stop with connections suspended: answer them, then let MHD send that. */
    if (server->suspended) {
        cancel_suspended(server);
        MHD_run(server->daemon);
    }
    if (server->requests_in_flight)
        VG_LOG_WARN("http", "shutdown timeout: closing %zu requests in flight",
                    server->requests_in_flight);
    /* The poll handle watches MHD's epoll fd: stop it before MHD closes that fd. */
    uv_poll_stop(&server->poll);
    MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
    server->open_handles = 4;
    uv_close((uv_handle_t *)&server->again, on_handle_closed);
    uv_close((uv_handle_t *)&server->poll, on_handle_closed);
    uv_close((uv_handle_t *)&server->timer, on_handle_closed);
    uv_close((uv_handle_t *)&server->drain, on_handle_closed);
}

static void on_drain(uv_timer_t *t)
{
    vg_http_server *server = t->data;
    if ((server->requests_in_flight == 0 && server->websocket_count == 0) ||
        now_ms() >= server->drain_deadline_ms) {
        uv_timer_stop(t);
        finish_shutdown(server);
    }
}

void vg_http_server_shutdown(vg_http_server *server, int64_t timeout_ms, void (*done)(void *ctx),
                             void *ctx)
{
    if (server->shutting_down)
        return;
    server->shutting_down = true;
    server->done = done;
    server->done_ctx = ctx;
    /* Stop accepting now; MHD hands the listening socket back for us to close. */
    MHD_socket fd = MHD_quiesce_daemon(server->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    server->listen_fd = -1;
    VG_LOG_INFO("http", "stopped accepting; requests_in_flight=%zu connections=%zu",
                server->requests_in_flight, server->connections);
    /* Requests waiting on something (a long poll) are answered now rather than waited for. */
    if (server->suspended)
        cancel_suspended(server);
    end_streams(server);
    vg_ws_conn_close_all(server);
    schedule_mhd(server);
    server->drain_deadline_ms = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    uv_timer_start(&server->drain, on_drain, 0, 20);
}

void vg_http_server_destroy(vg_http_server *server)
{
    if (!server)
        return;
    if (server->daemon) {
        /* Its uv handles are still in the loop: freeing now would corrupt the loop. */
        VG_LOG_ERROR("http", "server destroyed before its shutdown finished; leaking it");
        return;
    }
    free(server);
}
