/*
 * stills.c: a camera's pictures over HTTP (docs/api.md "Snapshots and live
 * JPEG"):
 *
 *   GET /api/cameras/{id}/snapshot.jpg?width=&quality=   the newest picture (seed 001)
 *   GET /api/cameras/{id}/mjpeg?fps=&quality=&width=     multipart/x-mixed-replace
 *
 * The pictures come from still/ (decoded and encoded on the worker pool);
 * this file parses, answers, and paces each MJPEG client: a part goes out
 * only when the client has taken the one before, and the newest frame
 * replaces one that is still waiting.
 */
#include "api/api_internal.h"

#include "core/error.h"
#include "domain/camera.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SNAPSHOT_QUALITY 85
#define DEFAULT_MJPEG_QUALITY    80
#define DEFAULT_MJPEG_FPS        15
#define MAX_WIDTH                16384
#define MJPEG_BOUNDARY           "vigilframe"

/*
 * Reads {id} and checks that the camera exists: a live path says so without
 * the store. Writes its path name. Answers 400/404/503 and returns false if not.
 */
bool vg_api_camera_path(vg_http_request *req, vg_api *api, int64_t *id, char *path, size_t cap)
{
    if (!vg_api_id_param(req, "camera", id))
        return false;
    vg_camera_path_name(*id, path, cap);
    if (!api->still || !api->services->media) {
        vg_http_respond_error(req, 503, "not_available", "pictures are not served by this vigil");
        return false;
    }
    if (vg_media_find_path(api->services->media, path))
        return true;
    vg_camera cam = {0};
    int rc = vg_store_camera_get(api->services->store, *id, &cam);
    vg_camera_clear(&cam);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist", *id);
        return false;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the camera");
        return false;
    }
    return true;
}

/* Reads an optional integer query argument in [min, max]; answers 400 if malformed. */
static bool query_int(vg_http_request *req, const char *name, int64_t min, int64_t max, int64_t def,
                      int64_t *out)
{
    const char *v = vg_http_request_query(req, name);
    *out = def;
    if (!v)
        return true;
    if (!vg_api_parse_int(v, min, max, out)) {
        vg_api_respond_field_error(req, name, "%s must be an integer from %" PRId64 " to %" PRId64,
                                   name, min, max);
        return false;
    }
    return true;
}

/* quality: 1-100, or low / medium / high (60 / 80 / 95, seed 003). */
bool vg_api_quality(const char *v, int *out)
{
    static const struct {
        const char *name;
        int quality;
    } names[] = {{"low", 60}, {"medium", 80}, {"high", 95}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(v, names[i].name) == 0) {
            *out = names[i].quality;
            return true;
        }
    }
    int64_t q;
    if (!vg_api_parse_int(v, 1, 100, &q))
        return false;
    *out = (int)q;
    return true;
}

static bool query_quality(vg_http_request *req, int def, int *out)
{
    const char *v = vg_http_request_query(req, "quality");
    *out = def;
    if (v && !vg_api_quality(v, out)) {
        vg_api_respond_field_error(
            req, "quality", "quality must be an integer from 1 to 100, or low, medium or high");
        return false;
    }
    return true;
}

/* ---- snapshot.jpg ---- */

typedef struct snapshot_call {
    vg_http_request *req;
    vg_snapshot_request *pending; /* while suspended */
} snapshot_call;

static void release_jpeg(void *ctx)
{
    vg_jpeg *jpeg = ctx;
    vg_jpeg_unref(&jpeg);
}

static void on_snapshot(void *ctx, const vg_snapshot_result *res)
{
    snapshot_call *call = ctx;
    vg_http_request *req = call->req;
    free(call);
    if (res->code < 0) {
        switch (res->code) {
        case VG_ENOENT:
            vg_http_respond_error(req, 503, "camera_not_streaming", "%s", res->message);
            break;
        case VG_ETIMEDOUT:
            vg_http_respond_error(req, 503, "camera_timeout", "%s", res->message);
            break;
        case VG_ESTATE:
            vg_http_respond_error(req, 503, "shutting_down", "%s", res->message);
            break;
        default:
            vg_http_respond_error(req, 503, "camera_unavailable", "%s", res->message);
        }
        return;
    }
    static const char *const sources[] = {"miss", "hit", "stale"};
    char when[VG_TIME_SIZE];
    vg_format_time(res->jpeg->wallclock_ns / 1000000, when);
    vg_http_request_add_response_header(req, "X-Snapshot-Cache", sources[res->source]);
    vg_http_request_add_response_header(req, "X-Capture-Time", when);
    if (res->source == VG_SNAPSHOT_STALE) {
        char age[32];
        int64_t ms = vg_now_ms() - res->jpeg->wallclock_ns / 1000000;
        snprintf(age, sizeof(age), "%" PRId64, ms > 0 ? ms : 0);
        vg_http_request_add_response_header(req, "X-Snapshot-Age-Ms", age);
    }
    vg_http_slice body = {res->jpeg->data, res->jpeg->size};
    vg_http_respond_slices(req, 200, "image/jpeg", &body, 1, release_jpeg, vg_jpeg_ref(res->jpeg));
}

static void on_snapshot_cancel(void *ctx)
{
    snapshot_call *call = ctx;
    vg_still_snapshot_cancel(call->pending);
    free(call);
}

static void get_snapshot(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id, width, quality;
    char path[32];
    if (!vg_api_camera_path(req, api, &id, path, sizeof(path)) ||
        !query_int(req, "width", 1, MAX_WIDTH, 0, &width))
        return;
    int q;
    if (!query_quality(req, DEFAULT_SNAPSHOT_QUALITY, &q))
        return;
    quality = q;
    snapshot_call *call = calloc(1, sizeof(*call));
    if (!call) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot take the snapshot now");
        return;
    }
    call->req = req;
    /* A cached picture (or an error) answers inside this call; else the answer comes later. */
    vg_snapshot_request *pending =
        vg_still_snapshot(api->still, path, (int)width, (int)quality, on_snapshot, call);
    if (!pending)
        return;
    call->pending = pending;
    if (vg_http_request_suspend(req, on_snapshot_cancel, call) < 0) {
        vg_still_snapshot_cancel(pending);
        free(call);
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
    }
}

/* ---- mjpeg ---- */

typedef struct mjpeg_client {
    vg_http_stream *stream;
    vg_still_viewer *viewer;
    vg_jpeg *waiting; /* the newest frame the client has not taken yet */
} mjpeg_client;

typedef struct mjpeg_part {
    char header[160];
    vg_jpeg *jpeg;
} mjpeg_part;

static void release_part(void *ctx)
{
    mjpeg_part *part = ctx;
    vg_jpeg_unref(&part->jpeg);
    free(part);
}

static void send_part(mjpeg_client *c, vg_jpeg *jpeg)
{
    mjpeg_part *part = malloc(sizeof(*part));
    if (!part)
        return; /* this frame is lost; the next one comes */
    char when[VG_TIME_SIZE];
    vg_format_time(jpeg->wallclock_ns / 1000000, when);
    int n = snprintf(part->header, sizeof(part->header),
                     "--" MJPEG_BOUNDARY "\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                     "X-Capture-Time: %s\r\n\r\n",
                     jpeg->size, when);
    part->jpeg = vg_jpeg_ref(jpeg);
    vg_http_slice slices[3] = {{part->header, (size_t)n}, {jpeg->data, jpeg->size}, {"\r\n", 2}};
    vg_http_stream_send_slices(c->stream, slices, 3, release_part, part);
}

static void mjpeg_frame(vg_still_viewer *viewer, void *ctx, vg_jpeg *jpeg)
{
    mjpeg_client *c = ctx;
    if (vg_http_stream_buffered(c->stream) == 0) {
        send_part(c, jpeg);
        return;
    }
    /* The client has not taken the last part: this one waits, replacing any older. */
    vg_jpeg_unref(&c->waiting);
    c->waiting = vg_jpeg_ref(jpeg);
}

static void mjpeg_end(vg_still_viewer *viewer, void *ctx, int code, const char *reason)
{
    mjpeg_client *c = ctx;
    vg_http_stream_end(c->stream);
}

static const vg_still_viewer_ops mjpeg_viewer_ops = {
    .on_frame = mjpeg_frame,
    .on_end = mjpeg_end,
};

static void mjpeg_drained(vg_http_stream *stream, void *ctx)
{
    mjpeg_client *c = ctx;
    if (c->waiting) {
        vg_jpeg *jpeg = c->waiting;
        c->waiting = NULL;
        send_part(c, jpeg);
        vg_jpeg_unref(&jpeg);
    }
}

static void mjpeg_close(vg_http_stream *stream, void *ctx)
{
    mjpeg_client *c = ctx;
    vg_still_live_leave(c->viewer);
    vg_jpeg_unref(&c->waiting);
    free(c);
}

static const vg_http_stream_ops mjpeg_stream_ops = {
    .on_drained = mjpeg_drained,
    .on_close = mjpeg_close,
};

/* A join's failure, answered as HTTP. */
void vg_api_respond_join_error(vg_http_request *req, int rc)
{
    if (rc == VG_ELIMIT)
        vg_http_respond_error(req, 429, "too_many_readers",
                              "the camera has as many viewers as maxReaders allows");
    else if (rc == VG_ENOENT)
        vg_http_respond_error(req, 503, "camera_not_streaming", "the camera is not streaming");
    else if (rc == VG_ESTATE)
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
    else if (rc == VG_ERANGE)
        vg_http_respond_error(req, 429, "too_many_encoders",
                              "16 JPEG encoders with other settings already run for this camera");
    else
        vg_http_respond_error(req, 503, "unavailable", "cannot start the frames: %s",
                              vg_strerror(rc));
}

static void get_mjpeg(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id, fps, width;
    int quality;
    char path[32];
    if (!vg_api_camera_path(req, api, &id, path, sizeof(path)) ||
        !query_int(req, "fps", 1, 30, DEFAULT_MJPEG_FPS, &fps) ||
        !query_int(req, "width", 1, MAX_WIDTH, 0, &width) ||
        !query_quality(req, DEFAULT_MJPEG_QUALITY, &quality))
        return;
    vg_media_info info;
    if (vg_media_info_by_path(api->services->media, path, &info) == 0 &&
        info.status == VG_STREAM_ERROR) {
        vg_http_respond_error(req, 503, "camera_unreachable", "the camera is not reachable: %s",
                              info.last_error);
        return;
    }
    mjpeg_client *c = calloc(1, sizeof(*c));
    if (!c) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot start the frames");
        return;
    }
    vg_still_live_params params = {.quality = quality, .fps = (int)fps, .width = (int)width};
    int rc = vg_still_live_join(api->still, path, &params, &mjpeg_viewer_ops, c, &c->viewer);
    if (rc < 0) {
        free(c);
        vg_api_respond_join_error(req, rc);
        return;
    }
    c->stream = vg_http_respond_stream(
        req, 200, "multipart/x-mixed-replace; boundary=" MJPEG_BOUNDARY, -1, &mjpeg_stream_ops, c);
    if (!c->stream) {
        vg_still_live_leave(c->viewer);
        free(c);
    }
}

int vg_api_register_stills(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "GET", "/api/cameras/{id}/snapshot.jpg", get_snapshot, api)) <
            0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}/mjpeg", get_mjpeg, api)) < 0)
        return rc;
    return 0;
}
