#include "http/router.h"

#include "core/error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 16

typedef struct route {
    char *method;
    char *pattern; /* owned copy; segments point into it */
    size_t segment_count;
    vg_slice segments[MAX_SEGMENTS];
    bool is_param[MAX_SEGMENTS];
    char *param_names[VG_ROUTER_MAX_PARAMS]; /* owned, NUL-terminated */
    size_t param_count;
    vg_http_handler handler;
    void *ctx;
} route;

struct vg_router {
    route *routes;
    size_t count, cap;
};

/* Splits "/a/b/c" into segments "a", "b", "c"; "/" has none. -1 when there are too many. */
static int split_path(const char *path, vg_slice *segs, size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        if (n == max)
            return -1;
        segs[n++] = (vg_slice){start, (size_t)(p - start)};
    }
    return (int)n;
}

vg_router *vg_router_create(void)
{
    return calloc(1, sizeof(vg_router));
}

static void route_free(route *r)
{
    free(r->method);
    free(r->pattern);
    for (size_t i = 0; i < r->param_count; i++)
        free(r->param_names[i]);
}

void vg_router_destroy(vg_router *router)
{
    if (!router)
        return;
    for (size_t i = 0; i < router->count; i++)
        route_free(&router->routes[i]);
    free(router->routes);
    free(router);
}

int vg_router_add(vg_router *router, const char *method, const char *pattern,
                  vg_http_handler handler, void *ctx)
{
    int rc = VG_ENOMEM;
    route r = {.handler = handler, .ctx = ctx};
    if (pattern[0] != '/')
        return VG_EINVAL;
    r.method = strdup(method);
    r.pattern = strdup(pattern);
    if (!r.method || !r.pattern)
        goto fail;
    int n = split_path(r.pattern, r.segments, MAX_SEGMENTS);
    if (n < 0) {
        rc = VG_EINVAL;
        goto fail;
    }
    r.segment_count = (size_t)n;
    for (size_t i = 0; i < r.segment_count; i++) {
        vg_slice s = r.segments[i];
        if (s.len >= 3 && s.p[0] == '{' && s.p[s.len - 1] == '}') {
            if (r.param_count == VG_ROUTER_MAX_PARAMS) {
                rc = VG_EINVAL;
                goto fail;
            }
            r.is_param[i] = true;
            r.param_names[r.param_count] = strndup(s.p + 1, s.len - 2);
            if (!r.param_names[r.param_count])
                goto fail;
            r.param_count++;
        }
    }
    if (router->count == router->cap) {
        size_t cap = router->cap ? router->cap * 2 : 16;
        route *grown = realloc(router->routes, cap * sizeof(route));
        if (!grown)
            goto fail;
        router->routes = grown;
        router->cap = cap;
    }
    router->routes[router->count++] = r;
    return 0;

fail:
    route_free(&r);
    return rc;
}

static bool segments_match(const route *r, const vg_slice *segs, size_t n)
{
    if (n != r->segment_count)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (r->is_param[i])
            continue;
        if (segs[i].len != r->segments[i].len || memcmp(segs[i].p, r->segments[i].p, segs[i].len))
            return false;
    }
    return true;
}

static void allow_append(char *allow, size_t cap, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t len = strlen(allow);
    size_t need = strlen(method) + (len ? 2 : 0);
    if (len + need + 1 > cap)
        return;
    if (len)
        strcat(allow, ", ");
    strcat(allow, method);
}

int vg_router_match(const vg_router *router, const char *method, const char *path,
                    vg_route_match *m)
{
    memset(m, 0, sizeof(*m));
    vg_slice segs[MAX_SEGMENTS];
    int n = split_path(path, segs, MAX_SEGMENTS);
    if (n < 0)
        return VG_ENOENT;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

    bool path_matched = false;
    for (size_t i = 0; i < router->count; i++) {
        const route *r = &router->routes[i];
        if (!segments_match(r, segs, (size_t)n))
            continue;
        path_matched = true;
        if (strcmp(r->method, want) != 0) {
            allow_append(m->allow, sizeof(m->allow), r->method);
            if (strcmp(r->method, "GET") == 0)
                allow_append(m->allow, sizeof(m->allow), "HEAD");
            continue;
        }
        m->handler = r->handler;
        m->ctx = r->ctx;
        size_t k = 0;
        for (size_t j = 0; j < r->segment_count; j++) {
            if (r->is_param[j]) {
                m->param_names[k] = r->param_names[k];
                m->param_values[k] = segs[j];
                k++;
            }
        }
        m->param_count = k;
        m->allow[0] = '\0';
        return 0;
    }
    return path_matched ? VG_ESTATE : VG_ENOENT;
}
