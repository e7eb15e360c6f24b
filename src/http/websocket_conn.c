/*
 * websocket_conn.c: WebSocket connections over libmicrohttpd's upgrade.
 * See websocket_conn.h for the shape; framing is http/websocket.c.
 *
 * Life of a connection:
 *   accept:   handshake checked, 101 queued with an upgrade handler
 *   upgraded: MHD hands the socket over (on_upgraded); a uv_poll watches it
 *   closing:  our close frame is queued; waiting for the client's, 2 s at most
 *   done:     on_close told, poll and timer closed, then the socket goes back
 *             to MHD (MHD_UPGRADE_ACTION_CLOSE) and the connection is freed
 * Freeing happens only in the handles' close callbacks, so a connection
 * that ends inside one of its own callbacks stays valid until they return.
 */
#include "http/websocket_conn.h"

#include "core/error.h"
#include "core/log.h"
#include "http/json.h"
#include "http/send_queue.h"
#include "http/server_internal.h"
#include "http/websocket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CLOSE_TIMEOUT_MS 2000
#define READ_CHUNK       (64 * 1024)
#define READS_PER_WAKE   4 /* then let the other connections have the loop */
#define IOV_MAX_BATCH    64
/*
 * Past this many bytes waiting to be written, the client's messages are not
 * read (TCP holds them back): a client that sends pings or bad messages and
 * reads nothing cannot make vigil queue answers without bound.
 */
#define OUT_HIGH_WATER (1024 * 1024)
#define KEEPALIVE_MS   30000 /* a ping after this long without a byte from the client */
#define DEAD_AFTER_MS  75000 /* and the connection ends after this long */

typedef enum { WS_UPGRADING, WS_OPEN, WS_CLOSING, WS_DONE } ws_state;

struct vg_ws_conn {
    vg_http_server *server;
    vg_http_request *req; /* until the upgrade (or the request's end) */
    const vg_ws_conn_ops *ops;
    void *ctx;
    ws_state state;
    char path[128];
    char peer[64];

    int fd;
    struct MHD_UpgradeResponseHandle *urh;
    uv_poll_t poll;
    uv_timer_t timer;     /* the close handshake's deadline; an end deferred out of a call */
    uv_timer_t keepalive; /* pings an idle client, ends a silent one */
    int open_handles;
    int poll_events;
    uint64_t last_rx_ms; /* when the client last sent a byte */

    vg_ws_reader *reader;
    vg_send_queue out;
    bool close_sent;
    bool end_after_flush; /* the last frame (a close) is queued: end once it is written */
    bool failed;          /* the socket failed: nothing more is sent, the end is coming */
    int close_code;       /* what on_close reports */
    bool notified;        /* on_close has run */
    vg_ws_conn *next, **prev;
};

/* ---- lifetime ---- */

static void unlink_conn(vg_ws_conn *ws)
{
    if (!ws->prev)
        return;
    *ws->prev = ws->next;
    if (ws->next)
        ws->next->prev = ws->prev;
    ws->prev = NULL;
    ws->server->websocket_count--;
}

static void free_conn(vg_ws_conn *ws)
{
    unlink_conn(ws);
    vg_send_queue_clear(&ws->out);
    vg_ws_reader_destroy(ws->reader);
    free(ws);
}

static void notify_close(vg_ws_conn *ws)
{
    if (ws->notified)
        return;
    ws->notified = true;
    VG_LOG_DEBUG("http", "websocket closed path=%s peer=%s code=%d", ws->path, ws->peer,
                 ws->close_code);
    if (ws->ops->on_close)
        ws->ops->on_close(ws, ws->ctx, ws->close_code);
}

static void on_handle_closed(uv_handle_t *h)
{
    vg_ws_conn *ws = h->data;
    if (--ws->open_handles > 0)
        return;
    /* The socket goes back to MHD, which closes it and ends the connection. */
    if (ws->urh) {
        MHD_upgrade_action(ws->urh, MHD_UPGRADE_ACTION_CLOSE);
        vg_http_server_schedule(ws->server);
    }
    free_conn(ws);
}

/* Ends the connection now with `code` for on_close; idempotent. */
static void finish(vg_ws_conn *ws, int code)
{
    if (ws->state == WS_DONE)
        return;
    ws_state was = ws->state;
    ws->state = WS_DONE;
    if (!ws->close_code)
        ws->close_code = code;
    notify_close(ws);
    if (was == WS_UPGRADING) {
        /* No socket yet: the request's end (abandon) or shutdown frees it. */
        return;
    }
    uv_poll_stop(&ws->poll);
    uv_timer_stop(&ws->timer);
    uv_timer_stop(&ws->keepalive);
    uv_close((uv_handle_t *)&ws->poll, on_handle_closed);
    uv_close((uv_handle_t *)&ws->timer, on_handle_closed);
    uv_close((uv_handle_t *)&ws->keepalive, on_handle_closed);
}

static void on_deferred_end(uv_timer_t *t)
{
    vg_ws_conn *ws = t->data;
    finish(ws, ws->close_code ? ws->close_code : 1006);
}

/*
 * Ends the connection on the next loop turn rather than now: the owner may
 * be inside a call (a send) and must not see on_close before it returns.
 */
static void end_soon(vg_ws_conn *ws, int code)
{
    if (ws->state == WS_DONE)
        return;
    if (!ws->close_code)
        ws->close_code = code;
    uv_timer_start(&ws->timer, on_deferred_end, 0, 0);
}

void vg_ws_conn_abandon(vg_ws_conn *ws)
{
    /* The request ended before the 101 went out: there never was a socket. */
    ws->req = NULL;
    ws->state = WS_DONE;
    if (!ws->close_code)
        ws->close_code = 1006;
    notify_close(ws);
    free_conn(ws);
}

/* ---- writing ---- */

static void on_poll(uv_poll_t *p, int status, int events);

/* Watches for what is needed now: writability while bytes wait, reads below the high water. */
static void update_poll(vg_ws_conn *ws)
{
    if (ws->state == WS_DONE || ws->state == WS_UPGRADING)
        return;
    int events = 0;
    if (ws->out.bytes < OUT_HIGH_WATER)
        events |= UV_READABLE;
    if (ws->out.bytes > 0)
        events |= UV_WRITABLE;
    if (events == ws->poll_events)
        return;
    ws->poll_events = events;
    if (events)
        uv_poll_start(&ws->poll, events, on_poll);
    else
        uv_poll_stop(&ws->poll);
}

/*
 * Writes what the socket takes now. Returns 0 (all written, or the rest
 * waits for writability), or a negative errno when the socket failed.
 */
static int flush(vg_ws_conn *ws)
{
    while (ws->out.bytes > 0) {
        struct iovec iov[IOV_MAX_BATCH];
        size_t n = vg_send_queue_iov(&ws->out, iov, IOV_MAX_BATCH);
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
        ssize_t w = sendmsg(ws->fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -errno;
        }
        vg_send_queue_consume(&ws->out, (size_t)w);
    }
    update_poll(ws);
    return 0;
}

/*
 * Writes now if the socket is open. A failed socket, or a last frame
 * written, ends the connection on the next loop turn (end_soon), never
 * inside this call: a send must not free its caller's state.
 */
static void kick(vg_ws_conn *ws)
{
    if ((ws->state != WS_OPEN && ws->state != WS_CLOSING) || ws->failed)
        return;
    int rc = flush(ws);
    if (rc < 0) {
        VG_LOG_DEBUG("http", "websocket write failed path=%s peer=%s: %s", ws->path, ws->peer,
                     strerror(-rc));
        ws->failed = true;
        vg_send_queue_clear(&ws->out);
        end_soon(ws, 1006);
    } else if (ws->out.bytes == 0 && ws->end_after_flush) {
        end_soon(ws, 1000);
    }
}

typedef struct frame_ref {
    uint8_t header[10];
    void (*release)(void *ctx);
    void *ctx;
} frame_ref;

static void release_frame(void *p)
{
    frame_ref *f = p;
    if (f->release)
        f->release(f->ctx);
    free(f);
}

/* Queues one frame: its header and the payload slices. */
static int queue_frame(vg_ws_conn *ws, int opcode, const vg_http_slice *slices, size_t count,
                       void (*release)(void *ctx), void *ctx)
{
    size_t len = 0;
    for (size_t i = 0; i < count; i++)
        len += slices[i].len;
    frame_ref *f = malloc(sizeof(*f));
    vg_http_slice all[9];
    if (!f || count > 8) {
        free(f);
        if (release)
            release(ctx);
        return f ? VG_EINVAL : VG_ENOMEM;
    }
    f->release = release;
    f->ctx = ctx;
    all[0] = (vg_http_slice){f->header, vg_ws_frame_header(f->header, opcode, len)};
    memcpy(all + 1, slices, count * sizeof(slices[0]));
    return vg_send_queue_push(&ws->out, all, count + 1, release_frame, f);
}

static int send_control(vg_ws_conn *ws, int opcode, const uint8_t *payload, size_t len)
{
    vg_http_slice s = {payload, len};
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return VG_ENOMEM;
    memcpy(copy, payload, len);
    s.data = copy;
    return queue_frame(ws, opcode, &s, 1, free, copy);
}

static void on_close_timeout(uv_timer_t *t)
{
    vg_ws_conn *ws = t->data;
    VG_LOG_DEBUG("http", "websocket close handshake timed out path=%s peer=%s", ws->path, ws->peer);
    finish(ws, ws->close_code ? ws->close_code : 1006);
}

/* Queues our close frame; `then_end`: end once it is written (an error, or an echo). */
static void send_close(vg_ws_conn *ws, int code, const char *reason, bool then_end)
{
    if (!ws->close_sent) {
        uint8_t payload[VG_WS_MAX_CONTROL_PAYLOAD];
        size_t len = vg_ws_close_payload(payload, code, reason);
        ws->close_sent = true;
        if (send_control(ws, VG_WS_CLOSE, payload, len) < 0)
            then_end = true;
    }
    ws->end_after_flush |= then_end;
    if (ws->state == WS_OPEN) {
        /* A client that reads nothing more still goes away after the deadline. */
        ws->state = WS_CLOSING;
        uv_timer_start(&ws->timer, on_close_timeout, CLOSE_TIMEOUT_MS, 0);
    }
}

int vg_ws_conn_send_slices(vg_ws_conn *ws, bool binary, const vg_http_slice *slices, size_t count,
                           void (*release)(void *ctx), void *ctx)
{
    if (ws->state == WS_DONE || ws->close_sent || ws->failed) {
        if (release)
            release(ctx);
        return VG_ESTATE;
    }
    int rc = queue_frame(ws, binary ? VG_WS_BINARY : VG_WS_TEXT, slices, count, release, ctx);
    if (rc == 0)
        kick(ws);
    return rc;
}

int vg_ws_conn_send(vg_ws_conn *ws, bool binary, const void *data, size_t len)
{
    if (ws->state == WS_DONE || ws->close_sent || ws->failed)
        return VG_ESTATE;
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return VG_ENOMEM;
    memcpy(copy, data, len);
    vg_http_slice s = {copy, len};
    return vg_ws_conn_send_slices(ws, binary, &s, 1, free, copy);
}

size_t vg_ws_conn_buffered(const vg_ws_conn *ws)
{
    return ws->out.bytes;
}

const char *vg_ws_conn_peer(const vg_ws_conn *ws)
{
    return ws->peer;
}

void vg_ws_conn_close(vg_ws_conn *ws, int code, const char *reason)
{
    if (ws->state == WS_DONE || ws->close_sent)
        return;
    ws->close_code = code;
    send_close(ws, code, reason, false); /* still upgrading: it goes out first thing after */
    kick(ws);
}

/* ---- reading ---- */

static void ev_message(void *ctx, bool binary, const uint8_t *data, size_t len)
{
    vg_ws_conn *ws = ctx;
    /* After our close frame, RFC 6455 section 5.5.1 lets us ignore data. */
    if (ws->state == WS_OPEN && ws->ops->on_message)
        ws->ops->on_message(ws, ws->ctx, binary, data, len);
}

static void ev_ping(void *ctx, const uint8_t *payload, size_t len)
{
    vg_ws_conn *ws = ctx;
    /* Section 5.5.2: a pong with the same application data, as soon as practical. */
    if (ws->state == WS_OPEN && !ws->close_sent)
        send_control(ws, VG_WS_PONG, payload, len);
}

static void ev_close(void *ctx, int code, const char *reason, size_t reason_len)
{
    vg_ws_conn *ws = ctx;
    ws->close_code = code;
    if (ws->close_sent) {
        /* The client's answer to ours: the handshake is complete. */
        finish(ws, code);
        return;
    }
    /* Section 5.5.1: echo the close, then close the TCP connection. */
    send_close(ws, code, NULL, true);
}

static const vg_ws_reader_events reader_events = {
    .on_message = ev_message,
    .on_ping = ev_ping,
    .on_close = ev_close,
};

/* Feeds bytes from the client; fails the connection on a protocol error (section 7.1.7). */
static void feed(vg_ws_conn *ws, const uint8_t *data, size_t len)
{
    if (vg_ws_reader_feed(ws->reader, data, len, &reader_events, ws) < 0 && !ws->end_after_flush) {
        int code = VG_WS_CLOSE_PROTOCOL_ERROR;
        const char *reason = "protocol error";
        vg_ws_reader_error(ws->reader, &code, &reason);
        VG_LOG_INFO("http", "websocket protocol error path=%s peer=%s code=%d: %s", ws->path,
                    ws->peer, code, reason);
        if (!ws->close_sent)
            ws->close_code = code;
        send_close(ws, code, reason, true); /* one close frame only: an earlier one stands */
    }
}

static void on_readable(vg_ws_conn *ws)
{
    static uint8_t buf[READ_CHUNK]; /* the loop thread's only */
    for (int i = 0; i < READS_PER_WAKE && ws->state != WS_DONE; i++) {
        if (ws->out.bytes >= OUT_HIGH_WATER)
            break; /* answers are piling up: read no more until they are written */
        ssize_t r = recv(ws->fd, buf, sizeof(buf), 0);
        if (r > 0) {
            ws->last_rx_ms = uv_now(ws->server->loop);
            feed(ws, buf, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* The client closed its side (or the socket failed) without a close frame. */
        finish(ws, ws->close_sent && vg_ws_reader_closed(ws->reader) ? ws->close_code : 1006);
        return;
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    vg_ws_conn *ws = p->data;
    if (status < 0) {
        finish(ws, 1006);
        return;
    }
    if (events & UV_READABLE)
        on_readable(ws);
    if (ws->state == WS_DONE)
        return;
    bool had_bytes = ws->out.bytes > 0;
    kick(ws);
    if (had_bytes && ws->out.bytes == 0 && ws->state == WS_OPEN && !ws->failed &&
        ws->ops->on_drained)
        ws->ops->on_drained(ws, ws->ctx);
    update_poll(ws);
}

/* Every KEEPALIVE_MS: ping a client that has been quiet, end one that stays silent. */
static void on_keepalive(uv_timer_t *t)
{
    vg_ws_conn *ws = t->data;
    uint64_t quiet = uv_now(ws->server->loop) - ws->last_rx_ms;
    if (quiet >= DEAD_AFTER_MS) {
        VG_LOG_DEBUG("http", "websocket silent for %llu ms, closing path=%s peer=%s",
                     (unsigned long long)quiet, ws->path, ws->peer);
        finish(ws, 1006);
    } else if (quiet >= KEEPALIVE_MS - 1000 && ws->state == WS_OPEN && !ws->close_sent) {
        /* Section 5.5.2: a ping; a live client answers with a pong (any byte counts). */
        send_control(ws, VG_WS_PING, (const uint8_t *)"vigil", 5);
        kick(ws);
    }
}

/* ---- the upgrade ---- */

/* MHD has sent the 101 and hands the socket over. Runs inside MHD_run. */
static void on_upgraded(void *cls, struct MHD_Connection *connection, void *req_cls,
                        const char *extra_in, size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    vg_ws_conn *ws = cls;
    if (ws->req) {
        ws->req->upgrading = NULL;
        ws->req = NULL;
    }
    ws->fd = sock;
    ws->urh = urh;
    int flags = fcntl(sock, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        fcntl(sock, F_SETFL, flags | O_NONBLOCK);
    if (ws->state == WS_DONE || uv_poll_init_socket(ws->server->loop, &ws->poll, sock) < 0) {
        /* Shut down while the 101 was going out, or libuv refused the socket. */
        ws->state = WS_DONE;
        notify_close(ws);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        vg_http_server_schedule(ws->server);
        free_conn(ws);
        return;
    }
    uv_timer_init(ws->server->loop, &ws->timer);
    uv_timer_init(ws->server->loop, &ws->keepalive);
    ws->poll.data = ws->timer.data = ws->keepalive.data = ws;
    ws->open_handles = 3;
    ws->state = WS_OPEN;
    ws->last_rx_ms = uv_now(ws->server->loop);
    uv_timer_start(&ws->keepalive, on_keepalive, KEEPALIVE_MS, KEEPALIVE_MS);
    VG_LOG_DEBUG("http", "websocket open path=%s peer=%s", ws->path, ws->peer);
    if (ws->close_sent) {
        /* Closed while upgrading: the close frame is queued; give it the deadline. */
        ws->state = WS_CLOSING;
        uv_timer_start(&ws->timer, on_close_timeout, CLOSE_TIMEOUT_MS, 0);
    } else if (ws->ops->on_open) {
        ws->ops->on_open(ws, ws->ctx);
    }
    if (extra_in_size > 0 && ws->state != WS_DONE)
        feed(ws, (const uint8_t *)extra_in, extra_in_size);
    update_poll(ws);
    kick(ws);
}

/* Whether a comma-separated header value holds `token`, case-insensitively (RFC 9110 5.6.1). */
static bool has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    for (const char *p = value; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - p) == tlen && strncasecmp(p, token, tlen) == 0)
            return true;
        p = end;
    }
    return false;
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) {
            const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
            inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
            port = ntohs(s4->sin_port);
        } else if (sa->sa_family == AF_INET6) {
            const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
            port = ntohs(s6->sin6_port);
        }
    }
    snprintf(out, cap, "%s:%d", ip, port);
}

int vg_http_websocket_accept(vg_http_request *req, const vg_ws_conn_ops *ops, void *ctx,
                             vg_ws_conn **out)
{
    const char *upgrade = vg_http_request_header(req, "Upgrade");
    const char *connection = vg_http_request_header(req, "Connection");
    const char *version = vg_http_request_header(req, "Sec-WebSocket-Version");
    const char *key = vg_http_request_header(req, "Sec-WebSocket-Key");
    char accept[VG_WS_ACCEPT_SIZE];

    /* RFC 6455 section 4.2.1: what a client's opening handshake must hold. */
    if (strcmp(req->method, "GET") != 0 || !upgrade || !has_token(upgrade, "websocket") ||
        !connection || !has_token(connection, "upgrade")) {
        vg_http_request_add_response_header(req, "Upgrade", "websocket");
        vg_http_respond_error(req, 426, "upgrade_required",
                              "this URL is a WebSocket: send GET with Upgrade: websocket");
        return VG_EINVAL;
    }
    if (!version || strcmp(version, "13") != 0) {
        /* Section 4.4: say which version we speak. */
        vg_http_request_add_response_header(req, "Sec-WebSocket-Version", "13");
        vg_http_respond_error(req, 426, "upgrade_required",
                              "unsupported Sec-WebSocket-Version; this server speaks 13");
        return VG_EINVAL;
    }
    if (!req->http11) {
        /* Section 4.1: the opening handshake is an HTTP/1.1 request (MHD refuses 101 else). */
        vg_http_respond_error(req, 400, "bad_request", "a WebSocket needs HTTP/1.1");
        return VG_EINVAL;
    }
    if (!key || vg_ws_accept_key(key, accept) < 0) {
        vg_http_respond_error(req, 400, "bad_request", "missing or malformed Sec-WebSocket-Key");
        return VG_EINVAL;
    }
    if (req->server->shutting_down) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        return VG_ESTATE;
    }

    vg_ws_conn *ws = calloc(1, sizeof(*ws));
    if (!ws || !(ws->reader = vg_ws_reader_create(VG_WS_CONN_MAX_MESSAGE))) {
        free(ws);
        vg_http_respond_error(req, 503, "out_of_memory", "cannot open the WebSocket");
        return VG_ENOMEM;
    }
    struct MHD_Response *resp = MHD_create_response_for_upgrade(on_upgraded, ws);
    if (!resp) {
        vg_ws_reader_destroy(ws->reader);
        free(ws);
        vg_http_respond_error(req, 503, "out_of_memory", "cannot open the WebSocket");
        return VG_ENOMEM;
    }
    vg_http_server *server = req->server;
    ws->server = server;
    ws->req = req;
    ws->ops = ops;
    ws->ctx = ctx;
    ws->fd = -1;
    ws->state = WS_UPGRADING;
    vg_send_queue_init(&ws->out);
    snprintf(ws->path, sizeof(ws->path), "%s", req->path);
    peer_address(req->conn, ws->peer, sizeof(ws->peer));
    ws->next = server->websockets;
    if (server->websockets)
        server->websockets->prev = &ws->next;
    server->websockets = ws;
    ws->prev = &server->websockets;
    server->websocket_count++;
    req->upgrading = ws;

    MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
    MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
    req->status = 101;
    if (MHD_queue_response(req->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp) != MHD_YES) {
        VG_LOG_ERROR("http", "cannot queue the WebSocket upgrade path=%s", req->path);
        MHD_destroy_response(resp);
        req->upgrading = NULL;
        ws->req = NULL;
        ws->state = WS_DONE;
        ws->notified = true; /* the owner never had it */
        free_conn(ws);
        vg_http_respond_error(req, 500, "internal_error", "cannot upgrade to a WebSocket");
        return VG_EIO;
    }
    req->responded = true;
    req->queued = true;
    MHD_destroy_response(resp);
    *out = ws;
    return 0;
}

void vg_ws_conn_close_all(vg_http_server *server)
{
    for (vg_ws_conn *ws = server->websockets, *next; ws; ws = next) {
        next = ws->next;
        if (ws->state == WS_OPEN || ws->state == WS_CLOSING) {
            /* One try to say goodbye (section 7.4.1: 1001 going away), then close. */
            if (!ws->close_sent)
                send_close(ws, VG_WS_CLOSE_GOING_AWAY, "server shutting down", true);
            flush(ws);
            finish(ws, VG_WS_CLOSE_GOING_AWAY);
        } else if (ws->state == WS_UPGRADING) {
            ws->close_code = VG_WS_CLOSE_GOING_AWAY;
            notify_close(ws); /* the owner lets go now; on_upgraded or abandon frees it */
            ws->state = WS_DONE;
        }
    }
}
