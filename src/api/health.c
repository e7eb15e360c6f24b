/* health.c: GET /health, for load balancers and humans. */
#include "api/api_internal.h"

#include <uv.h>

static void get_health(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    char why[256] = "";
    json_int_t uptime_s = (json_int_t)((uv_hrtime() / 1000000u - api->started_mono_ms) / 1000u);
    int rc = vg_store_check(api->services->store, why, sizeof(why));
    if (rc < 0) {
        vg_http_respond_json(req, 503,
                             json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}", "status", "unhealthy",
                                       "version", VIGIL_VERSION, "uptime_s", uptime_s, "store",
                                       "status", "unusable", "reason",
                                       why[0] ? why : "the store check failed"));
        return;
    }
    vg_http_respond_json(req, 200,
                         json_pack("{s:s,s:s,s:I,s:{s:s}}", "status", "healthy", "version",
                                   VIGIL_VERSION, "uptime_s", uptime_s, "store", "status", "ok"));
}

int vg_api_register_health(vg_router *router, vg_api *api)
{
    return vg_router_add(router, "GET", "/health", get_health, api);
}
