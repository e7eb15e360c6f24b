/*
 * router.h: maps a method and a path to a handler.
 *
 * Patterns are literal segments and `{name}` parameters, one segment each:
 *     vg_router_add(r, "GET", "/api/cameras/{id}", get_camera, svc);
 * A path that matches some pattern but not with this method is told apart
 * from a path that matches none, so that the server answers 405 with an
 * Allow header rather than 404. HEAD is served by the GET route.
 */
#ifndef VG_HTTP_ROUTER_H
#define VG_HTTP_ROUTER_H

#include "core/url.h"

#include <stddef.h>

typedef struct vg_http_request vg_http_request;

/* A handler answers through vg_http_respond*() (http/request.h) before it returns. */
typedef void (*vg_http_handler)(vg_http_request *req, void *ctx);

typedef struct vg_router vg_router;

#define VG_ROUTER_MAX_PARAMS 4

typedef struct vg_route_match {
    vg_http_handler handler;
    void *ctx;
    size_t param_count;
    const char *param_names[VG_ROUTER_MAX_PARAMS]; /* the router's */
    vg_slice param_values[VG_ROUTER_MAX_PARAMS];   /* views into the matched path */
    char allow[64]; /* on VG_ESTATE: the methods that would match, "GET, PATCH" */
} vg_route_match;

/* A new empty router, the caller's to vg_router_destroy(); NULL when out of memory. */
vg_router *vg_router_create(void);
void vg_router_destroy(vg_router *router);

/*
 * Adds a route. `method` and `pattern` are copied; `ctx` is borrowed and
 * passed to the handler. Returns 0, VG_EINVAL for a malformed pattern, or
 * VG_ENOMEM.
 */
int vg_router_add(vg_router *router, const char *method, const char *pattern,
                  vg_http_handler handler, void *ctx);

/*
 * Finds the route for `method` and `path` (the path without its query).
 * Returns 0 with *m filled; VG_ENOENT when no pattern matches the path;
 * VG_ESTATE when patterns match the path but none for this method (m->allow
 * lists the methods that do). `m` points into `path` and the router.
 */
int vg_router_match(const vg_router *router, const char *method, const char *path,
                    vg_route_match *m);

#endif
