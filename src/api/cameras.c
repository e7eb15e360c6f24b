/* cameras.c: /api/cameras and seed 000's /cameras/provision. */
#include "api/api_internal.h"

#include "core/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static json_t *camera_json(const vg_camera *cam)
{
    char path[32];
    vg_camera_path_name(cam->id, path, sizeof(path));
    return json_pack(
        "{s:I,s:s,s:o,s:o,s:s,s:o,s:s,s:b,s:o,s:o,s:o,s:o}", "id", (json_int_t)cam->id, "name",
        cam->name, "stream_url", vg_api_url(cam->stream_url), "location",
        cam->location ? json_string(cam->location) : json_null(), "path", path, "max_readers",
        cam->max_readers < 0 ? json_null() : json_integer(cam->max_readers), "rtsp_transport",
        cam->rtsp_transport, "record", cam->record, "retention_days",
        cam->retention_days < 0 ? json_null() : json_integer(cam->retention_days), "plan",
        cam->plan[0] ? json_string(cam->plan) : json_null(), "created_at",
        vg_json_time(cam->created_at_ms), "updated_at", vg_json_time(cam->updated_at_ms));
}

static const char *const camera_fields[] = {"name",           "stream_url",     "location",
                                            "max_readers",    "rtsp_transport", "record",
                                            "retention_days", "plan",           NULL};

/*
 * Reads an optional integer field that may be null (-1 in *out). A negative
 * number becomes INT64_MIN, so that the validation refuses it rather than
 * take -1 for null. Answers 400 itself when it is neither.
 */
static bool nullable_int_field(vg_http_request *req, json_t *body, const char *name, bool *present,
                               int64_t *out)
{
    json_t *v = json_object_get(body, name);
    *present = v != NULL;
    if (!v)
        return true;
    if (!json_is_null(v) && !json_is_integer(v)) {
        vg_api_respond_field_error(req, name, "%s must be an integer or null", name);
        return false;
    }
    json_int_t value = json_is_null(v) ? -1 : json_integer_value(v);
    *out = json_is_null(v) ? -1 : value < 0 ? INT64_MIN : value;
    return true;
}

/* Reads the camera fields into `in`; answers 400 itself on bad input. */
static bool read_camera_fields(vg_http_request *req, json_t *body, vg_camera_fields *in)
{
    if (!vg_api_only_fields(req, body, camera_fields) ||
        !vg_api_string_field(req, body, "name", false, &in->has_name, &in->name) ||
        !vg_api_string_field(req, body, "stream_url", false, &in->has_stream_url,
                             &in->stream_url) ||
        !vg_api_string_field(req, body, "location", true, &in->has_location, &in->location) ||
        !vg_api_string_field(req, body, "rtsp_transport", false, &in->has_rtsp_transport,
                             &in->rtsp_transport) ||
        !vg_api_string_field(req, body, "plan", true, &in->has_plan, &in->plan) ||
        /* null: the maxReaders setting */
        !nullable_int_field(req, body, "max_readers", &in->has_max_readers, &in->max_readers) ||
        /* null: the plan's */
        !nullable_int_field(req, body, "retention_days", &in->has_retention_days,
                            &in->retention_days))
        return false;
    json_t *record = json_object_get(body, "record");
    if (record) {
        if (!json_is_boolean(record)) {
            vg_api_respond_field_error(req, "record", "record must be true or false");
            return false;
        }
        in->has_record = true;
        in->record = json_is_true(record);
    }
    return true;
}

static void create_camera(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    json_t *body = NULL;
    vg_camera_fields in = {0};
    vg_camera cam = {0};
    vg_error err;
    if (vg_http_read_json_object(req, &body) < 0 || !read_camera_fields(req, body, &in))
        goto done;
    if (vg_camera_service_create(api->services, &in, &cam, &err) < 0) {
        vg_api_respond_service_error_fields(req, &err, camera_fields);
        goto done;
    }
    char location[64];
    snprintf(location, sizeof(location), "/api/cameras/%" PRId64, cam.id);
    vg_http_request_add_response_header(req, "Location", location);
    if (cam.record && api->record)
        vg_record_set(api->record, cam.id, true);
    vg_http_respond_json(req, 201, camera_json(&cam));

done:
    vg_camera_clear(&cam);
    json_decref(body);
}

static void list_cameras(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t limit, offset, total = 0;
    vg_camera *cams = NULL;
    vg_stream *live = NULL;
    size_t n = 0, nlive = 0;
    json_t *items = NULL;
    if (!vg_api_paging(req, &limit, &offset))
        return;
    const char *with = vg_http_request_query(req, "with");
    if (with && strcmp(with, "stream") != 0) {
        vg_api_respond_field_error(req, "with", "with must be stream (each camera's live stream)");
        return;
    }
    int rc = vg_store_camera_list(api->services->store, limit, offset, &cams, &n, &total);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "listing cameras");
        goto done;
    }
    /* A page is a range of ids: its live streams in one query, by camera id as the cameras. */
    if (with && n > 0 &&
        (rc = vg_store_stream_list_live_cameras(api->services->store, cams[0].id, cams[n - 1].id,
                                                &live, &nlive)) < 0) {
        vg_api_respond_store_error(req, rc, "listing the cameras' streams");
        goto done;
    }
    items = json_array();
    for (size_t i = 0, k = 0; i < n; i++) {
        json_t *cam = camera_json(&cams[i]);
        if (with) {
            while (k < nlive && live[k].camera_id < cams[i].id)
                k++;
            bool has = k < nlive && live[k].camera_id == cams[i].id;
            json_object_set_new(cam, "stream",
                                has ? vg_api_stream_json(api, &live[k]) : json_null());
        }
        json_array_append_new(items, cam);
    }
    vg_http_respond_json(req, 200,
                         json_pack("{s:o,s:I,s:I,s:I}", "cameras", items, "total",
                                   (json_int_t)total, "limit", (json_int_t)limit, "offset",
                                   (json_int_t)offset));

done:
    vg_stream_array_free(live, nlive);
    vg_camera_array_free(cams, n);
}

static void get_camera(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    vg_camera cam = {0};
    if (!vg_api_id_param(req, "camera", &id))
        return;
    int rc = vg_store_camera_get(api->services->store, id, &cam);
    if (rc == 0)
        vg_http_respond_json(req, 200, camera_json(&cam));
    else if (rc == VG_ENOENT)
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist", id);
    else
        vg_api_respond_store_error(req, rc, "reading the camera");
    vg_camera_clear(&cam);
}

static void update_camera(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    json_t *body = NULL;
    vg_camera_fields in = {0};
    vg_camera cam = {0};
    vg_error err;
    if (!vg_api_id_param(req, "camera", &id) || vg_http_read_json_object(req, &body) < 0 ||
        !read_camera_fields(req, body, &in))
        goto done;
    if (vg_camera_service_update(api->services, id, &in, &cam, &err) < 0) {
        vg_api_respond_service_error_fields(req, &err, camera_fields);
        goto done;
    }
    if (api->record)
        vg_record_set(api->record, cam.id, cam.record);
    vg_http_respond_json(req, 200, camera_json(&cam));

done:
    vg_camera_clear(&cam);
    json_decref(body);
}

static void delete_camera(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    vg_error err;
    if (!vg_api_id_param(req, "camera", &id))
        return;
    if (vg_camera_service_delete(api->services, id, &err) < 0) {
        vg_api_respond_service_error(req, &err);
        return;
    }
    if (api->record)
        vg_record_set(api->record, id, false); /* its files stay until retention removes them */
    vg_http_respond(req, 204, NULL, "", 0);
}

/*
 * Seed 000: a backend that owns the camera list provisions a camera by its
 * own id and gets back where to watch it.
 */
static void provision_camera(vg_http_request *req, void *ctx)
{
    static const char *const fields[] = {"camera_id", "rtsp_url", "name", NULL};
    vg_api *api = ctx;
    json_t *body = NULL;
    vg_camera cam = {0};
    vg_error err;
    bool has_url, has_name, created;
    const char *url, *name;
    if (vg_http_read_json_object(req, &body) < 0 || !vg_api_only_fields(req, body, fields) ||
        !vg_api_string_field(req, body, "rtsp_url", false, &has_url, &url) ||
        !vg_api_string_field(req, body, "name", false, &has_name, &name))
        goto done;
    json_t *id = json_object_get(body, "camera_id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
        json_integer_value(id) > VG_CAMERA_ID_MAX) {
        vg_api_respond_field_error(
            req, "camera_id", "camera_id is required and must be an integer from 1 to %" PRId64,
            VG_CAMERA_ID_MAX);
        goto done;
    }
    if (!has_url || !has_name) {
        const char *missing = has_url ? "name" : "rtsp_url";
        vg_api_respond_field_error(req, missing, "%s is required", missing);
        goto done;
    }
    const char *why;
    if (vg_camera_validate_stream_url(url, &why) < 0) {
        /* Checked here too so that the message names this contract's field. */
        vg_api_respond_field_error(req, "rtsp_url", "rtsp_url %s", why);
        goto done;
    }
    int64_t camera_id = json_integer_value(id);
    if (vg_camera_service_provision(api->services, camera_id, name, url, &cam, &created, &err) <
        0) {
        /* The URL was checked above: what the service refuses is the name or the id. */
        vg_api_respond_service_error_fields(req, &err, fields);
        goto done;
    }
    char path[32], hls[64], whep[64], snapshot[80];
    vg_camera_path_name(camera_id, path, sizeof(path));
    snprintf(hls, sizeof(hls), "/hls/%s/index.m3u8", path);
    snprintf(whep, sizeof(whep), "/whep/%s", path);
    snprintf(snapshot, sizeof(snapshot), "/api/cameras/%" PRId64 "/snapshot.jpg", camera_id);
    vg_http_respond_json(req, 200,
                         json_pack("{s:I,s:s,s:s,s:s,s:s,s:b}", "camera_id", (json_int_t)camera_id,
                                   "stream_path", path, "hls_url", hls, "webrtc_url", whep,
                                   "snapshot_url", snapshot, "created", created));

done:
    vg_camera_clear(&cam);
    json_decref(body);
}

int vg_api_register_cameras(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "POST", "/api/cameras", create_camera, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras", list_cameras, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}", get_camera, api)) < 0 ||
        (rc = vg_router_add(router, "PATCH", "/api/cameras/{id}", update_camera, api)) < 0 ||
        (rc = vg_router_add(router, "DELETE", "/api/cameras/{id}", delete_camera, api)) < 0 ||
        (rc = vg_router_add(router, "POST", "/cameras/provision", provision_camera, api)) < 0)
        return rc;
    return 0;
}
