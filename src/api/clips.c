/*
 * clips.c: permanent clips over HTTP (docs/recordings.md, "Permanent clips"):
 *
 *   POST   /api/cameras/{id}/clips  {start, end, name}   keep that time: 201 and the clip
 *   GET    /api/cameras/{id}/clips                       the camera's clips, by start
 *   GET    /api/clips/{id}                               one clip
 *   PATCH  /api/clips/{id}          {name}               rename it
 *   DELETE /api/clips/{id}                               its time returns to retention: 204
 *
 * The store keeps the segments' permanent flag in step with the clips
 * (store.h); a handler validates, calls it once and answers. Each clip in an
 * answer says what it covers now: the segments still indexed in its time.
 */
#include "api/api_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "domain/recording.h"
#include "service/service.h"

#include <inttypes.h>
#include <stdio.h>

static json_t *clip_json(const vg_clip *clip)
{
    return json_pack("{s:I,s:I,s:s,s:o,s:o,s:I,s:I,s:I,s:o}", "id", (json_int_t)clip->id,
                     "camera_id", (json_int_t)clip->camera_id, "name", clip->name, "start",
                     vg_json_time(clip->start_ms), "end", vg_json_time(clip->end_ms), "duration_ms",
                     (json_int_t)(clip->end_ms - clip->start_ms), "segments",
                     (json_int_t)clip->segments, "bytes", (json_int_t)clip->bytes, "created_at",
                     vg_json_time(clip->created_at_ms));
}

/* Reads the required RFC 3339 field `name` of `body`; answers 400 and returns false if not. */
static bool time_field(vg_http_request *req, json_t *body, const char *name, int64_t *out)
{
    json_t *v = json_object_get(body, name);
    if (!v) {
        vg_api_respond_field_error(req, name, "%s is required", name);
        return false;
    }
    if (!json_is_string(v) || vg_parse_time(json_string_value(v), out) < 0) {
        vg_api_respond_field_error(
            req, name, "%s must be an RFC 3339 time such as 2026-11-21T10:00:00Z", name);
        return false;
    }
    return true;
}

/* Reads the required "name"; answers 400 and returns false when it is missing or not valid. */
static bool name_field(vg_http_request *req, json_t *body, const char **out)
{
    bool present;
    const char *why;
    if (!vg_api_string_field(req, body, "name", false, &present, out))
        return false;
    if (!present) {
        vg_api_respond_field_error(req, "name", "name is required");
        return false;
    }
    if (vg_clip_validate_name(*out, &why) < 0) {
        vg_api_respond_field_error(req, "name", "name %s", why);
        return false;
    }
    return true;
}

/* Reads the clip of {id} into *clip; answers 400/404/503 and returns false when it cannot. */
static bool load_clip(vg_http_request *req, vg_api *api, int64_t id, vg_clip *clip)
{
    int rc = vg_store_clip_get(api->services->store, id, clip);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "clip %" PRId64 " does not exist", id);
        return false;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the clip");
        return false;
    }
    return true;
}

static void create_clip(vg_http_request *req, void *ctx)
{
    static const char *const fields[] = {"start", "end", "name", NULL};
    vg_api *api = ctx;
    json_t *body = NULL;
    vg_camera cam = {0};
    vg_clip in = {0}, clip = {0};
    const char *name;
    int64_t camera_id, made_permanent = 0;
    if (!vg_api_id_param(req, "camera", &camera_id) || vg_http_read_json_object(req, &body) < 0 ||
        !vg_api_only_fields(req, body, fields) || !time_field(req, body, "start", &in.start_ms) ||
        !time_field(req, body, "end", &in.end_ms) || !name_field(req, body, &name))
        goto done;
    if (in.start_ms >= in.end_ms) {
        vg_http_respond_error(req, 400, "invalid_request", "start must be before end");
        goto done;
    }
    int rc = vg_store_camera_get(api->services->store, camera_id, &cam);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist",
                              camera_id);
        goto done;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the camera");
        goto done;
    }
    in.camera_id = camera_id;
    in.name = (char *)name; /* borrowed from `body`: the store reads it during the call */
    in.created_at_ms = vg_now_ms();
    if ((rc = vg_store_clip_insert(api->services->store, &in, &made_permanent)) < 0) {
        vg_api_respond_store_error(req, rc, "saving the clip");
        goto done;
    }
    if (!load_clip(req, api, in.id, &clip))
        goto done;
    VG_LOG_INFO("clips",
                "clip created clip=%" PRId64 " camera=%" PRId64 " segments=%" PRId64
                " made_permanent=%" PRId64,
                clip.id, clip.camera_id, clip.segments, made_permanent);
    char location[64];
    snprintf(location, sizeof(location), "/api/clips/%" PRId64, clip.id);
    vg_http_request_add_response_header(req, "Location", location);
    vg_http_respond_json(req, 201, clip_json(&clip));

done:
    vg_clip_clear(&clip);
    vg_camera_clear(&cam);
    json_decref(body);
}

/*
 * A deleted camera's clips are still listed (they keep its files), so the
 * camera is looked up only to tell "no clips" from "no such camera".
 */
static void list_clips(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_camera cam = {0};
    vg_clip *clips = NULL;
    size_t n = 0;
    int64_t camera_id;
    if (!vg_api_id_param(req, "camera", &camera_id))
        goto done;
    int rc = vg_store_clip_list(api->services->store, camera_id, &clips, &n);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "listing the clips");
        goto done;
    }
    if (n == 0) {
        rc = vg_store_camera_get(api->services->store, camera_id, &cam);
        if (rc == VG_ENOENT) {
            vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist",
                                  camera_id);
            goto done;
        }
        if (rc < 0) {
            vg_api_respond_store_error(req, rc, "reading the camera");
            goto done;
        }
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, clip_json(&clips[i]));
    vg_http_respond_json(req, 200, json_pack("{s:o}", "clips", items));

done:
    vg_clip_array_free(clips, n);
    vg_camera_clear(&cam);
}

static void get_clip(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_clip clip = {0};
    int64_t id;
    if (vg_api_id_param(req, "clip", &id) && load_clip(req, api, id, &clip))
        vg_http_respond_json(req, 200, clip_json(&clip));
    vg_clip_clear(&clip);
}

static void rename_clip(vg_http_request *req, void *ctx)
{
    static const char *const fields[] = {"name", NULL};
    vg_api *api = ctx;
    json_t *body = NULL;
    vg_clip clip = {0};
    const char *name;
    int64_t id;
    if (!vg_api_id_param(req, "clip", &id) || vg_http_read_json_object(req, &body) < 0 ||
        !vg_api_only_fields(req, body, fields) || !name_field(req, body, &name))
        goto done;
    int rc = vg_store_clip_rename(api->services->store, id, name);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "clip %" PRId64 " does not exist", id);
        goto done;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "renaming the clip");
        goto done;
    }
    if (load_clip(req, api, id, &clip))
        vg_http_respond_json(req, 200, clip_json(&clip));

done:
    vg_clip_clear(&clip);
    json_decref(body);
}

static void delete_clip(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    if (!vg_api_id_param(req, "clip", &id))
        return;
    int rc = vg_store_clip_delete(api->services->store, id);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "clip %" PRId64 " does not exist", id);
        return;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "deleting the clip");
        return;
    }
    VG_LOG_INFO("clips", "clip deleted clip=%" PRId64, id);
    vg_http_respond(req, 204, NULL, "", 0);
}

int vg_api_register_clips(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "POST", "/api/cameras/{id}/clips", create_clip, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}/clips", list_clips, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/clips/{id}", get_clip, api)) < 0 ||
        (rc = vg_router_add(router, "PATCH", "/api/clips/{id}", rename_clip, api)) < 0 ||
        (rc = vg_router_add(router, "DELETE", "/api/clips/{id}", delete_clip, api)) < 0)
        return rc;
    return 0;
}
