/*
 * recordings.c: 24/7 recording over HTTP (docs/recordings.md):
 *
 *   POST /api/cameras/{id}/recording/start  {retention_days?}   seed 004's start_recording
 *   POST /api/cameras/{id}/recording/stop                       seed 004's stop_recording
 *   GET  /api/cameras/{id}/recording                            is it recording, and how
 *   GET  /api/cameras/{id}/recordings?start=&end=               the timeline: spans and gaps
 *   GET  /api/recordings/expiring?within=                       what retention deletes soon
 *   GET  /api/plans                                             the retention plans (recordPlans)
 */
#include "api/api_internal.h"

#include "core/config.h"
#include "core/error.h"
#include "domain/camera.h"
#include "record/retention.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

/* Segments closer than this are one continuous span (a file ends where the next begins). */
#define SPAN_JOIN_MS     1500
#define DEFAULT_RANGE_MS (24 * 3600 * 1000LL)
/* A timeline reads at most this many segments on the loop (a month of 60 s files is 43,200). */
#define TIMELINE_MAX_SEGMENTS 50000
/* recordPlans holds at most this many: retention refuses more at start (record/retention.c). */
#define PLANS_MAX 16
#define DAY_MS    (24 * 3600 * 1000LL)

static json_t *status_json(vg_api *api, const vg_camera *cam)
{
    vg_record_status st = {0};
    if (api->record)
        vg_record_status_get(api->record, cam->id, &st);
    return json_pack("{s:I,s:b,s:b,s:b,s:o,s:o,s:I,s:I,s:o}", "camera_id", (json_int_t)cam->id,
                     "enabled", cam->record, "active", st.active, "writing", st.writing,
                     "retention_days",
                     cam->retention_days < 0 ? json_null() : json_integer(cam->retention_days),
                     "plan", cam->plan[0] ? json_string(cam->plan) : json_null(), "segments",
                     (json_int_t)st.segments, "bytes_written", (json_int_t)st.bytes_written,
                     "last_error", st.last_error[0] ? json_string(st.last_error) : json_null());
}

/* Reads the camera of {id}; answers 400/404/503 and returns false when it cannot. */
static bool load_camera(vg_http_request *req, vg_api *api, vg_camera *cam)
{
    int64_t id;
    if (!vg_api_id_param(req, "camera", &id))
        return false;
    int rc = vg_store_camera_get(api->services->store, id, cam);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist", id);
        return false;
    }
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the camera");
        return false;
    }
    if (!api->record) {
        vg_http_respond_error(req, 503, "not_available", "recording is not running in this vigil");
        return false;
    }
    return true;
}

static void set_recording(vg_http_request *req, vg_api *api, bool on)
{
    static const char *const fields[] = {"retention_days", NULL};
    vg_camera cam = {0};
    json_t *body = NULL;
    vg_camera_fields in = {.has_record = true, .record = on};
    vg_error err;
    size_t len;
    vg_http_request_body(req, &len);
    int64_t id;
    if (!vg_api_id_param(req, "camera", &id))
        goto done;
    if (!api->record) {
        vg_http_respond_error(req, 503, "not_available", "recording is not running in this vigil");
        goto done;
    }
    if (on && len > 0) {
        if (vg_http_read_json_object(req, &body) < 0 || !vg_api_only_fields(req, body, fields))
            goto done;
        json_t *days = json_object_get(body, "retention_days");
        if (days) {
            if (!json_is_null(days) && !json_is_integer(days)) {
                vg_api_respond_field_error(req, "retention_days",
                                           "retention_days must be an integer or null");
                goto done;
            }
            in.has_retention_days = true;
            in.retention_days = json_is_null(days) ? -1 : json_integer_value(days);
        }
    }
    /* The camera service checks retention_days and stamps the change. */
    if (vg_camera_service_update(api->services, id, &in, &cam, &err) < 0) {
        vg_api_respond_service_error_fields(req, &err, fields);
        goto done;
    }
    if (vg_record_set(api->record, cam.id, on) < 0) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot start recording now");
        goto done;
    }
    vg_http_respond_json(req, 200, status_json(api, &cam));

done:
    json_decref(body);
    vg_camera_clear(&cam);
}

static void start_recording(vg_http_request *req, void *ctx)
{
    set_recording(req, ctx, true);
}

static void stop_recording(vg_http_request *req, void *ctx)
{
    set_recording(req, ctx, false);
}

static void get_recording(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_camera cam = {0};
    if (load_camera(req, api, &cam))
        vg_http_respond_json(req, 200, status_json(api, &cam));
    vg_camera_clear(&cam);
}

/* Reads ?name= as RFC 3339, `def` when absent; answers 400 and returns false when malformed. */
static bool query_time(vg_http_request *req, const char *name, int64_t def, int64_t *out)
{
    const char *v = vg_http_request_query(req, name);
    *out = def;
    if (!v)
        return true;
    if (vg_parse_time(v, out) < 0) {
        vg_api_respond_field_error(
            req, name, "%s must be an RFC 3339 time such as 2026-11-21T10:00:00Z", name);
        return false;
    }
    return true;
}

static json_t *range_json(int64_t start, int64_t end)
{
    return json_pack("{s:o,s:o,s:I}", "start", vg_json_time(start), "end", vg_json_time(end),
                     "duration_ms", (json_int_t)(end - start));
}

static void get_timeline(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    vg_camera cam = {0};
    vg_recording *segs = NULL;
    size_t n = 0;
    int64_t now = vg_now_ms(), start, end;
    if (!load_camera(req, api, &cam) || !query_time(req, "end", now, &end) ||
        !query_time(req, "start", end - DEFAULT_RANGE_MS, &start))
        goto done;
    if (start >= end) {
        vg_http_respond_error(req, 400, "invalid_request", "start must be before end");
        goto done;
    }
    int rc = vg_store_recording_list_limited(api->services->store, cam.id, start, end,
                                             TIMELINE_MAX_SEGMENTS + 1, &segs, &n);
    bool truncated = n > TIMELINE_MAX_SEGMENTS;
    size_t shown = truncated ? TIMELINE_MAX_SEGMENTS : n; /* the array keeps n for its free */
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the recordings");
        goto done;
    }
    /* Adjacent segments make one span; what lies between spans is a gap (an outage, a stop). */
    json_t *spans = json_array(), *gaps = json_array();
    int64_t span_start = 0, span_end = 0, total_ms = 0, bytes = 0;
    size_t span_segments = 0;
    for (size_t i = 0; i <= shown; i++) {
        if (i < shown && span_segments && segs[i].start_ms <= span_end + SPAN_JOIN_MS) {
            if (segs[i].end_ms > span_end)
                span_end = segs[i].end_ms;
            span_segments++;
        } else {
            if (span_segments) {
                json_t *span = range_json(span_start, span_end);
                json_object_set_new(span, "segments", json_integer((json_int_t)span_segments));
                json_array_append_new(spans, span);
            }
            if (i < shown) {
                if (span_segments)
                    json_array_append_new(gaps, range_json(span_end, segs[i].start_ms));
                span_start = segs[i].start_ms;
                span_end = segs[i].end_ms;
                span_segments = 1;
            }
        }
        if (i < shown) {
            total_ms += segs[i].duration_ms;
            bytes += segs[i].bytes;
        }
    }
    vg_http_respond_json(req, 200,
                         json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:b}", "camera_id",
                                   (json_int_t)cam.id, "start", vg_json_time(start), "end",
                                   vg_json_time(end), "spans", spans, "gaps", gaps, "segments",
                                   (json_int_t)shown, "recorded_ms", (json_int_t)total_ms, "bytes",
                                   (json_int_t)bytes, "truncated", truncated));

done:
    vg_recording_array_free(segs, n);
    vg_camera_clear(&cam);
}

/* GET /api/recordings/expiring?within=1d: the spans retention deletes within that time. */
static void get_expiring(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    if (!api->record) {
        vg_http_respond_error(req, 503, "not_available", "recording is not running in this vigil");
        return;
    }
    int64_t within = vg_record_expiry_notice_ms(api->record);
    const char *w = vg_http_request_query(req, "within");
    if (w && (vg_config_parse_duration(w, &within) != 0 || within < 0 ||
              within > 3650LL * 24 * 3600 * 1000)) {
        vg_api_respond_field_error(req, "within",
                                   "within must be a duration up to 3650d, such as 12h, 1d or 7d");
        return;
    }
    vg_camera *cams = NULL;
    size_t ncam = 0;
    int64_t total = 0;
    int rc = vg_store_camera_list(api->services->store, 100000, 0, &cams, &ncam, &total);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the cameras");
        return;
    }
    int64_t now = vg_record_now_ms(api->record);
    json_t *items = json_array();
    for (size_t c = 0; c < ncam; c++) {
        int64_t keep = vg_record_retention_of(api->record, &cams[c]);
        vg_recording *segs = NULL;
        size_t n = 0;
        if (vg_store_recording_expiring(api->services->store, cams[c].id, now + within - keep,
                                        false, 100000, &segs, &n) < 0 ||
            n == 0) {
            vg_recording_array_free(segs, n);
            continue;
        }
        json_t *spans = json_array();
        size_t first = 0;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && segs[i + 1].start_ms <= segs[i].end_ms + SPAN_JOIN_MS)
                continue;
            int64_t bytes = 0;
            for (size_t k = first; k <= i; k++)
                bytes += segs[k].bytes;
            json_array_append_new(spans, json_pack("{s:o,s:o,s:o,s:I,s:I}", "start",
                                                   vg_json_time(segs[first].start_ms), "end",
                                                   vg_json_time(segs[i].end_ms), "deletes_at",
                                                   vg_json_time(segs[i].end_ms + keep), "segments",
                                                   (json_int_t)(i - first + 1), "bytes",
                                                   (json_int_t)bytes));
            first = i + 1;
        }
        json_array_append_new(items, json_pack("{s:I,s:I,s:o}", "camera_id", (json_int_t)cams[c].id,
                                               "retention_ms", (json_int_t)keep, "spans", spans));
        vg_recording_array_free(segs, n);
    }
    vg_camera_array_free(cams, ncam);
    vg_http_respond_json(req, 200,
                         json_pack("{s:I,s:o,s:o}", "within_ms", (json_int_t)within, "now",
                                   vg_json_time(now), "cameras", items));
}

/*
 * GET /api/plans: the retention plans a camera's `plan` may name, for a
 * form's select, in recordPlans' order. retention_days is whole days when
 * the duration is (it is in seed 001's plans), else a fraction; retention_ms
 * is exact.
 */
static void list_plans(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    char names[PLANS_MAX][16], why[256];
    int64_t ms[PLANS_MAX];
    if (!api->record_plans) {
        vg_http_respond_error(req, 503, "not_available",
                              "the retention plans are not available in this vigil");
        return;
    }
    int n = vg_retention_parse_plans(api->record_plans, names, ms, PLANS_MAX, why, sizeof(why));
    if (n < 0) { /* never: recording refuses to start with such a setting */
        vg_http_respond_error(req, 500, "internal_error", "%s", why);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *days = ms[i] % DAY_MS == 0 ? json_integer(ms[i] / DAY_MS)
                                           : json_real((double)ms[i] / (double)DAY_MS);
        json_array_append_new(items, json_pack("{s:s,s:o,s:I}", "name", names[i], "retention_days",
                                               days, "retention_ms", (json_int_t)ms[i]));
    }
    vg_http_respond_json(req, 200, json_pack("{s:o}", "plans", items));
}

int vg_api_register_recordings(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "POST", "/api/cameras/{id}/recording/start", start_recording,
                            api)) < 0 ||
        (rc = vg_router_add(router, "POST", "/api/cameras/{id}/recording/stop", stop_recording,
                            api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}/recording", get_recording, api)) <
            0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}/recordings", get_timeline, api)) <
            0 ||
        (rc = vg_router_add(router, "GET", "/api/recordings/expiring", get_expiring, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/plans", list_plans, api)) < 0)
        return rc;
    return 0;
}
