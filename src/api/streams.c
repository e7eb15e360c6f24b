/* streams.c: seed 002's stream control API. */
#include "api/api_internal.h"

#include "core/error.h"

#include <ctype.h>
#include <inttypes.h>

/* A stream, with its live `stats` (null when the media core does not run it). */
static json_t *stream_json(vg_api *api, const vg_stream *st)
{
    char path[32];
    vg_camera_path_name(st->camera_id, path, sizeof(path));
    json_t *o = json_pack("{s:s,s:I,s:o,s:s,s:s,s:b,s:o,s:o,s:o}", "id", st->id, "camera_id",
                          (json_int_t)st->camera_id, "source_url", vg_api_url(st->source_url),
                          "path", path, "status", vg_stream_status_name(st->status), "on_demand",
                          st->on_demand, "started_at", vg_json_time(st->started_at_ms),
                          "stopped_at", vg_json_time(st->stopped_at_ms), "last_error",
                          st->last_error ? json_string(st->last_error) : json_null());
    vg_media_info info;
    bool live =
        api->services->media && vg_media_info_by_stream(api->services->media, st->id, &info) == 0;
    if (o)
        json_object_set_new(o, "stats", live ? vg_api_stream_stats_json(api, &info) : json_null());
    return o;
}

static void start_stream(vg_http_request *req, void *ctx)
{
    static const char *const fields[] = {"camera_id", "source_url", "on_demand", NULL};
    vg_api *api = ctx;
    json_t *body = NULL;
    vg_stream st = {0};
    vg_error err;
    bool has_url;
    const char *url;
    if (vg_http_read_json_object(req, &body) < 0 || !vg_api_only_fields(req, body, fields) ||
        !vg_api_string_field(req, body, "source_url", true, &has_url, &url))
        goto done;
    json_t *id = json_object_get(body, "camera_id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0) {
        vg_http_respond_error(req, 400, "invalid_request",
                              "camera_id is required and must be a positive integer");
        goto done;
    }
    json_t *od = json_object_get(body, "on_demand");
    if (od && !json_is_boolean(od)) {
        vg_http_respond_error(req, 400, "invalid_request", "on_demand must be true or false");
        goto done;
    }
    int on_demand = od ? json_is_true(od) : -1;
    if (vg_stream_service_start(api->services, json_integer_value(id), url, on_demand, &st, &err) <
        0) {
        vg_api_respond_service_error(req, &err);
        goto done;
    }
    vg_http_respond_json(req, 201, stream_json(api, &st));

done:
    vg_stream_clear(&st);
    json_decref(body);
}

/*
 * The `{id}` parameter as a stream id, lower-cased into `out` (RFC 9562: a
 * UUID is case-insensitive on input; vigil stores lower case). A value that
 * is not a UUID names no stream: 404, like any unknown id.
 */
static const char *stream_id_param(vg_http_request *req, char out[VG_UUID_STR_LEN + 1])
{
    const char *id = vg_http_request_param(req, "id");
    if (!vg_uuid_is_valid(id)) {
        vg_http_respond_error(req, 404, "not_found", "stream %.64s does not exist", id);
        return NULL;
    }
    for (size_t i = 0; i <= VG_UUID_STR_LEN; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    return out;
}

static void stop_stream(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_error err;
    char buf[VG_UUID_STR_LEN + 1];
    const char *id = stream_id_param(req, buf);
    if (!id)
        return;
    if (vg_stream_service_stop(api->services, id, &err) < 0) {
        vg_api_respond_service_error(req, &err);
        return;
    }
    vg_http_respond(req, 204, NULL, "", 0);
}

static void get_stream(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_stream st = {0};
    char buf[VG_UUID_STR_LEN + 1];
    const char *id = stream_id_param(req, buf);
    if (!id)
        return;
    int rc = vg_store_stream_get(api->services->store, id, &st);
    if (rc == 0)
        vg_http_respond_json(req, 200, stream_json(api, &st));
    else if (rc == VG_ENOENT)
        vg_http_respond_error(req, 404, "not_found", "stream %s does not exist", id);
    else
        vg_api_respond_store_error(req, rc, "reading the stream");
    vg_stream_clear(&st);
}

static void list_streams(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t limit, offset, total = 0, camera_id = 0;
    vg_stream *sts = NULL;
    size_t n = 0;
    if (!vg_api_paging(req, &limit, &offset))
        return;
    const char *cam = vg_http_request_query(req, "camera_id");
    if (cam && !vg_api_parse_int(cam, 1, INT64_MAX, &camera_id)) {
        vg_http_respond_error(req, 400, "invalid_request", "camera_id must be a positive integer");
        return;
    }
    int rc = vg_store_stream_list(api->services->store, camera_id, limit, offset, &sts, &n, &total);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "listing streams");
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, stream_json(api, &sts[i]));
    vg_stream_array_free(sts, n);
    vg_http_respond_json(req, 200,
                         json_pack("{s:o,s:I,s:I,s:I}", "streams", items, "total",
                                   (json_int_t)total, "limit", (json_int_t)limit, "offset",
                                   (json_int_t)offset));
}

int vg_api_register_streams(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "POST", "/api/streams/start", start_stream, api)) < 0 ||
        (rc = vg_router_add(router, "POST", "/api/streams/{id}/stop", stop_stream, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/streams/{id}", get_stream, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/streams", list_streams, api)) < 0)
        return rc;
    return 0;
}
