/*
 * server_internal.h: the HTTP server's private state, shared by the files
 * of http/ that work on libmicrohttpd connections (server.c, and
 * websocket_conn.c for upgraded ones). Nothing outside http/ includes it.
 *
 * Threads: the loop thread only.
 */
#ifndef VG_HTTP_SERVER_INTERNAL_H
#define VG_HTTP_SERVER_INTERNAL_H

#include "http/request.h"
#include "http/router.h"
#include "http/server.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_http_stream vg_http_stream;
typedef struct vg_ws_conn vg_ws_conn;

#define MAX_RESPONSE_HEADERS 8
#define PARAM_MAX            256

struct vg_http_server {
    uv_loop_t *loop;
    vg_router *router;
    struct MHD_Daemon *daemon;
    int listen_fd;
    int64_t max_body_size;
    char address[128];

    uv_poll_t poll;   /* readable: the MHD epoll fd has events */
    uv_timer_t timer; /* MHD_get_timeout(): idle timeouts, pending work */
    uv_timer_t drain; /* shutdown: waits for requests in flight */
    uv_idle_t again;  /* MHD has more to do now: run it after the next poll for I/O */
    int open_handles;
    bool in_run, run_again; /* inside MHD_run; a resume asked for another run */

    size_t requests_in_flight;
    size_t connections;
    vg_http_request *suspended; /* list, for cancelling them at shutdown */
    vg_http_stream *streams;    /* list of streamed responses, ended at shutdown */
    vg_ws_conn *websockets;     /* list of upgraded connections, closed at shutdown */
    size_t websocket_count;
    bool shutting_down;
    uint64_t drain_deadline_ms;
    void (*done)(void *ctx);
    void *done_ctx;
};

struct vg_http_request {
    vg_http_server *server;
    struct MHD_Connection *conn;
    char method[16];
    char *path;
    char *body;
    size_t body_len, body_cap;
    bool too_large;
    bool http11;    /* HTTP/1.1 or later (WebSocket needs it) */
    bool responded; /* an answer was given (it may still fail to be queued) */
    bool queued;    /* MHD has the answer (or has it pending, when suspended) */
    unsigned status;
    uint64_t start_ns;
    vg_route_match match;
    char params[VG_ROUTER_MAX_PARAMS][PARAM_MAX];
    size_t header_count;
    char *headers[MAX_RESPONSE_HEADERS][2];

    /* Suspended: answered later by its owner (see vg_http_request_suspend). */
    bool suspended;
    struct MHD_Response *pending; /* the answer, queued when MHD calls us back */
    unsigned pending_status;
    void (*on_cancel)(void *ctx);
    void *cancel_ctx;
    vg_http_request *next_suspended, **prev_suspended;

    vg_http_stream *stream; /* a streamed response's state, freed by MHD's free callback */
    vg_ws_conn *upgrading;  /* a WebSocket waiting for its 101 to go out */
};

/* Runs MHD again soon: after a resume, or after an upgraded socket was handed back. */
void vg_http_server_schedule(vg_http_server *server);

/*
 * The request ended before its 101 went out (the client left, or MHD could
 * not send it): the WebSocket closes without having opened (websocket_conn.c).
 */
void vg_ws_conn_abandon(vg_ws_conn *ws);

/* Closes every WebSocket at once (shutdown): 1001 "going away" where it can be sent. */
void vg_ws_conn_close_all(vg_http_server *server);

#endif
