/*
 * api.h: the REST API, as routes on the HTTP router.
 *
 *   GET    /health                      liveness and store health
 *   POST   /api/cameras                 create            GET /api/cameras      list (paged;
 *                                                                   ?with=stream: live streams)
 *   GET    /api/cameras/{id}            read              PATCH, DELETE         change, remove
 *   POST   /cameras/provision           seed 000: create or update a camera by id
 *   POST   /api/streams/start           seed 002: start a camera's stream
 *   POST   /api/streams/{id}/stop       stop it           GET /api/streams/{id} read
 *   POST   /api/streams/stop            stop several at once (seed 001's admin)
 *   GET    /api/streams?camera_id=&status=   list (paged, filtered)
 *   GET    /api/plans                   the retention plans (recordPlans)
 *
 * docs/api.md describes each request and response. Handlers run on the loop
 * thread; they parse, call a service (src/service/) or read the store, and
 * answer JSON. A URL in a response is always redacted (core/url.h). A 400
 * about one body field or query parameter names it in the error's `field`.
 */
#ifndef VG_API_API_H
#define VG_API_API_H

#include "http/router.h"
#include "service/service.h"
#include "record/record.h"
#include "still/still.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_api {
    vg_services *services;           /* borrowed */
    vg_still *still;                 /* borrowed; NULL: no snapshots or live JPEG frames */
    vg_record *record;               /* borrowed; NULL: no recording */
    const char *ws_allow_origins;    /* wsAllowOrigins: "*" or a list; borrowed; NULL: "*" */
    const char *media_allow_origins; /* hlsAllowOrigins, for recordings too; NULL: "*" */
    const char *record_plans;        /* recordPlans, for GET /api/plans; borrowed; NULL: 503 */
    uv_loop_t *loop;                 /* for handlers that answer later */
    bool debug_endpoints;     /* /api/debug/...: test readers (vigil serve --debug-endpoints) */
    uint64_t started_mono_ms; /* for uptime */
} vg_api;

/* Adds every route to `router`; `api` is borrowed and must outlive the router. */
int vg_api_register(vg_router *router, vg_api *api);

#endif
