/*
 * streams.c: seed 002's stream control API, and seed 001's streams admin:
 *
 *   POST /api/streams/start               {camera_id, source_url?, on_demand?}   201, the stream
 *   POST /api/streams/{id}/stop           204
 *   POST /api/streams/stop                {ids: [...]}: several at once          200
 *   GET  /api/streams/{id}                the stream
 *   GET  /api/streams?camera_id=&status=&limit=&offset=                          newest first
 */
#include "api/api_internal.h"

#include "core/error.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The most ids one POST /api/streams/stop takes. */
#define STOP_MAX_IDS 1000

/*
 * A stream, with its live `stats` (null when the media core does not run
 * it) and where to watch it: the URLs of its path, as provisioning gives them.
 */
json_t *vg_api_stream_json(vg_api *api, const vg_stream *st)
{
    char path[32], hls[64], whep[64];
    vg_camera_path_name(st->camera_id, path, sizeof(path));
    snprintf(hls, sizeof(hls), "/hls/%s/index.m3u8", path);
    snprintf(whep, sizeof(whep), "/whep/%s", path);
    json_t *o = json_pack(
        "{s:s,s:I,s:o,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:s,s:s}", "id", st->id, "camera_id",
        (json_int_t)st->camera_id, "source_url", vg_api_url(st->source_url), "path", path, "status",
        vg_stream_status_name(st->status), "on_demand", st->on_demand, "started_at",
        vg_json_time(st->started_at_ms), "stopped_at", vg_json_time(st->stopped_at_ms),
        "last_error", st->last_error ? json_string(st->last_error) : json_null(), "created_at",
        vg_json_time(st->created_at_ms), "updated_at", vg_json_time(st->updated_at_ms), "hls_url",
        hls, "webrtc_url", whep);
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
        vg_api_respond_field_error(req, "camera_id",
                                   "camera_id is required and must be a positive integer");
        goto done;
    }
    json_t *od = json_object_get(body, "on_demand");
    if (od && !json_is_boolean(od)) {
        vg_api_respond_field_error(req, "on_demand", "on_demand must be true or false");
        goto done;
    }
    int on_demand = od ? json_is_true(od) : -1;
    if (vg_stream_service_start(api->services, json_integer_value(id), url, on_demand, &st, &err) <
        0) {
        vg_api_respond_service_error_fields(req, &err, fields); /* "source_url ..." */
        goto done;
    }
    vg_http_respond_json(req, 201, vg_api_stream_json(api, &st));

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

/* True when ids[0..i) holds `id` already (ids compare case-insensitively, as UUIDs do). */
static bool listed_before(json_t *ids, size_t i, const char *id)
{
    for (size_t k = 0; k < i; k++) {
        if (strcasecmp(json_string_value(json_array_get(ids, k)), id) == 0)
            return true;
    }
    return false;
}

/*
 * Seed 001's "stop selected streams": each id is stopped as by
 * POST /api/streams/{id}/stop (an already STOPPED one counts as stopped),
 * and reported once, as it was sent, in `stopped` or `not_found`. Each
 * stop is its own write, as the single stop is; a store failure answers
 * 503 and leaves the ones before it stopped.
 */
static void stop_streams(vg_http_request *req, void *ctx)
{
    static const char *const fields[] = {"ids", NULL};
    vg_api *api = ctx;
    json_t *body = NULL, *stopped = NULL, *not_found = NULL, *v;
    size_t i;
    if (vg_http_read_json_object(req, &body) < 0 || !vg_api_only_fields(req, body, fields))
        goto done;
    json_t *ids = json_object_get(body, "ids");
    if (!ids) {
        vg_api_respond_field_error(req, "ids", "ids is required");
        goto done;
    }
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > STOP_MAX_IDS) {
        vg_api_respond_field_error(req, "ids", "ids must be an array of 1 to %d stream ids",
                                   STOP_MAX_IDS);
        goto done;
    }
    json_array_foreach(ids, i, v)
    {
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
            vg_api_respond_field_error(req, "ids", "ids[%zu] must be a stream id (a string)", i);
            goto done;
        }
    }
    stopped = json_array();
    not_found = json_array();
    if (!stopped || !not_found) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot stop the streams now");
        goto done;
    }
    json_array_foreach(ids, i, v)
    {
        const char *id = json_string_value(v);
        char lower[VG_UUID_STR_LEN + 1];
        vg_error err;
        if (listed_before(ids, i, id))
            continue;
        if (!vg_uuid_is_valid(id)) { /* names no stream, as for the single stop */
            json_array_append(not_found, v);
            continue;
        }
        for (size_t k = 0; k <= VG_UUID_STR_LEN; k++)
            lower[k] = (char)tolower((unsigned char)id[k]);
        if (vg_stream_service_stop(api->services, lower, &err) == 0) {
            json_array_append(stopped, v);
        } else if (err.code == VG_ENOENT) {
            json_array_append(not_found, v);
        } else {
            vg_api_respond_service_error(req, &err);
            goto done;
        }
    }
    vg_http_respond_json(req, 200,
                         json_pack("{s:O,s:O}", "stopped", stopped, "not_found", not_found));

done:
    json_decref(stopped);
    json_decref(not_found);
    json_decref(body);
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
        vg_http_respond_json(req, 200, vg_api_stream_json(api, &st));
    else if (rc == VG_ENOENT)
        vg_http_respond_error(req, 404, "not_found", "stream %s does not exist", id);
    else
        vg_api_respond_store_error(req, rc, "reading the stream");
    vg_stream_clear(&st);
}

/* The status bits one item of ?status= names: a status (any case), or "live"; 0 for none. */
static unsigned status_item(const char *item, size_t len)
{
    if (len == 4 && strncasecmp(item, "live", 4) == 0)
        return VG_STREAM_STATUS_LIVE;
    for (int s = 0; s < VG_STREAM_STATUS_COUNT; s++) {
        const char *name = vg_stream_status_name((vg_stream_status)s);
        if (strlen(name) == len && strncasecmp(item, name, len) == 0)
            return VG_STREAM_STATUS_BIT(s);
    }
    return 0;
}

/* Reads ?status=RUNNING,ERROR (or live) into a set of status bits, 0 when absent; 400 if bad. */
static bool status_param(vg_http_request *req, unsigned *out)
{
    const char *v = vg_http_request_query(req, "status");
    *out = 0;
    for (const char *p = v; p;) {
        size_t len = strcspn(p, ",");
        unsigned bits = status_item(p, len);
        if (!bits) {
            vg_api_respond_field_error(
                req, "status",
                "status must be a comma-separated list of STOPPED, "
                "STARTING, RUNNING, ERROR, STANDBY or live; '%.*s' is not one",
                (int)(len < 32 ? len : 32), p);
            return false;
        }
        *out |= bits;
        p = p[len] ? p + len + 1 : NULL;
    }
    return true;
}

static void list_streams(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t limit, offset, total = 0;
    vg_stream_filter filter = {0};
    vg_stream *sts = NULL;
    size_t n = 0;
    if (!vg_api_paging(req, &limit, &offset))
        return;
    const char *cam = vg_http_request_query(req, "camera_id");
    if (cam && !vg_api_parse_int(cam, 1, INT64_MAX, &filter.camera_id)) {
        vg_api_respond_field_error(req, "camera_id", "camera_id must be a positive integer");
        return;
    }
    if (!status_param(req, &filter.statuses))
        return;
    int rc = vg_store_stream_list_filtered(api->services->store, &filter, limit, offset, &sts, &n,
                                           &total);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "listing streams");
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, vg_api_stream_json(api, &sts[i]));
    vg_stream_array_free(sts, n);
    vg_http_respond_json(req, 200,
                         json_pack("{s:o,s:I,s:I,s:I}", "streams", items, "total",
                                   (json_int_t)total, "limit", (json_int_t)limit, "offset",
                                   (json_int_t)offset));
}

int vg_api_register_streams(vg_router *router, vg_api *api)
{
    int rc;
    /* /api/streams/stop has three segments, {id}/stop four: no route can take the other's path. */
    if ((rc = vg_router_add(router, "POST", "/api/streams/start", start_stream, api)) < 0 ||
        (rc = vg_router_add(router, "POST", "/api/streams/stop", stop_streams, api)) < 0 ||
        (rc = vg_router_add(router, "POST", "/api/streams/{id}/stop", stop_stream, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/streams/{id}", get_stream, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/streams", list_streams, api)) < 0)
        return rc;
    return 0;
}
