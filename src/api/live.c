/*
 * live.c: live JPEG frames over a WebSocket, seed 003's protocol
 * (docs/api.md "Live JPEG over WebSocket").
 *
 *   GET /ws/stream/{camera_id}  ──101──▶  client: {"action":"start_stream","params":{...}}
 *                                         server: {"type":"status","status":"streaming",...}
 *                                         server: {"type":"frame",...,"data":"<base64>"}  ...
 *                                         client: {"action":"update_quality" | "stop_stream"}
 *
 * Frames come from a shared live encoder (still/); each connection sends
 * one only when its socket has taken the one before, and otherwise keeps
 * just the newest. With "format":"binary" a frame is a text message with
 * its metadata followed at once by a binary message with the JPEG.
 * A bad message gets an error message; the connection stays open.
 */
#include "api/api_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "domain/camera.h"
#include "http/websocket_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_FPS 15
#define RATE_WINDOW 64
#define META_CAP    768

typedef struct ws_session {
    vg_api *api;
    vg_ws_conn *ws;
    char camera_id[32]; /* as the client wrote it, when it is a valid id */
    int64_t id;         /* 0: the URL's id is not an id */
    char path[32];

    /* settings: the last ones asked for */
    char quality_name[24]; /* "low" / "medium" / "high", or the number */
    int quality;
    int fps;
    int width;
    bool binary;

    vg_still_viewer *viewer; /* while streaming */
    vg_jpeg *waiting;        /* the newest frame the socket has not taken yet */
    uint64_t frames_sent;
    uint64_t started_ms;
    uint64_t sent_times[RATE_WINDOW];
} ws_session;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- messages ---- */

static void send_json(ws_session *s, json_t *msg)
{
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!text)
        return;
    vg_ws_conn_send_slices(s->ws, false, &(vg_http_slice){text, strlen(text)}, 1, free, text);
}

static void send_error(ws_session *s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void send_error(ws_session *s, const char *code, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    send_json(s, json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

static json_t *params_json(const ws_session *s)
{
    return json_pack("{s:s,s:i,s:i,s:s}", "quality", s->quality_name, "fps", s->fps, "width",
                     s->width, "format", s->binary ? "binary" : "json");
}

static void send_status(ws_session *s, const char *status)
{
    send_json(s, json_pack("{s:s,s:s,s:s,s:o}", "type", "status", "status", status, "camera_id",
                           s->camera_id, "params", params_json(s)));
}

/* ---- frames ---- */

typedef struct frame_msg {
    char *head, *tail;
    vg_jpeg *jpeg;
} frame_msg;

static void release_frame(void *ctx)
{
    frame_msg *m = ctx;
    free(m->head);
    free(m->tail);
    vg_jpeg_unref(&m->jpeg);
    free(m);
}

static void release_jpeg(void *ctx)
{
    vg_jpeg *jpeg = ctx;
    vg_jpeg_unref(&jpeg);
}

/* The frame's fields after "data" (or all of them, in binary mode): seed 003's names. */
static int frame_fields(ws_session *s, const vg_jpeg *jpeg, char *out, size_t cap)
{
    uint64_t now = mono_ms();
    size_t recent = 0;
    for (size_t i = 0; i < RATE_WINDOW; i++)
        recent += s->sent_times[i] && now - s->sent_times[i] < 1000;
    double uptime = (double)(now - s->started_ms) / 1000.0;
    vg_media_info info;
    int health = vg_media_info_by_path(s->api->services->media, s->path, &info) == 0
                     ? vg_api_stream_health(&info)
                     : 0;
    char sent_at[VG_TIME_SIZE], captured_at[VG_TIME_SIZE];
    vg_format_time(vg_now_ms(), sent_at);
    vg_format_time(jpeg->wallclock_ns / 1000000, captured_at);
    return snprintf(out, cap,
                    "\"timestamp\":\"%s\",\"capture_timestamp\":\"%s\",\"frame_number\":%" PRIu64
                    ",\"width\":%d,\"height\":%d,\"metrics\":{\"fps\":%zu,\"target_fps\":%d,"
                    "\"quality\":\"%s\",\"format\":\"jpeg\",\"frames_sent\":%" PRIu64
                    ",\"uptime_seconds\":%.1f,\"avg_fps\":%.1f,\"health_score\":%d}}",
                    sent_at, captured_at, jpeg->frame_number, jpeg->width, jpeg->height, recent,
                    s->fps, s->quality_name, s->frames_sent, uptime,
                    uptime > 0 ? (double)s->frames_sent / uptime : 0.0, health);
}

static void send_frame(ws_session *s, vg_jpeg *jpeg)
{
    s->frames_sent++;
    s->sent_times[s->frames_sent % RATE_WINDOW] = mono_ms();
    char fields[META_CAP];
    if (frame_fields(s, jpeg, fields, sizeof(fields)) >= (int)sizeof(fields))
        return;

    if (s->binary) {
        /* The metadata, then at once the JPEG: a text message and the binary message after it. */
        char meta[META_CAP + 128];
        int n = snprintf(meta, sizeof(meta),
                         "{\"type\":\"frame\",\"camera_id\":\"%s\",\"format\":\"binary\","
                         "\"size\":%zu,%s",
                         s->camera_id, jpeg->size, fields);
        if (n >= (int)sizeof(meta) || vg_ws_conn_send(s->ws, false, meta, (size_t)n) < 0)
            return;
        vg_http_slice body = {jpeg->data, jpeg->size};
        vg_ws_conn_send_slices(s->ws, true, &body, 1, release_jpeg, vg_jpeg_ref(jpeg));
        return;
    }

    size_t b64_len;
    const char *b64 = vg_jpeg_base64(jpeg, &b64_len);
    frame_msg *m = calloc(1, sizeof(*m));
    if (!b64 || !m) {
        free(m);
        return;
    }
    /* {head}{base64, shared by every viewer of this frame}{tail}: the picture is not copied. */
    char head[96];
    int head_len = snprintf(head, sizeof(head),
                            "{\"type\":\"frame\",\"camera_id\":\"%s\",\"data\":\"", s->camera_id);
    m->head = strndup(head, (size_t)head_len);
    size_t fields_len = strlen(fields);
    m->tail = malloc(fields_len + 3);
    if (!m->head || !m->tail) {
        release_frame(m);
        return;
    }
    m->tail[0] = '"';
    m->tail[1] = ',';
    memcpy(m->tail + 2, fields, fields_len + 1);
    m->jpeg = vg_jpeg_ref(jpeg);
    vg_http_slice slices[3] = {
        {m->head, strlen(m->head)}, {b64, b64_len}, {m->tail, strlen(m->tail)}};
    vg_ws_conn_send_slices(s->ws, false, slices, 3, release_frame, m);
}

static void on_frame(vg_still_viewer *viewer, void *ctx, vg_jpeg *jpeg)
{
    ws_session *s = ctx;
    if (vg_ws_conn_buffered(s->ws) == 0) {
        send_frame(s, jpeg);
        return;
    }
    /* The socket has not taken the last frame: keep only the newest. */
    vg_jpeg_unref(&s->waiting);
    s->waiting = vg_jpeg_ref(jpeg);
}

static void stop_streaming(ws_session *s)
{
    vg_still_live_leave(s->viewer);
    s->viewer = NULL;
    vg_jpeg_unref(&s->waiting);
}

static void on_end(vg_still_viewer *viewer, void *ctx, int code, const char *reason)
{
    ws_session *s = ctx;
    stop_streaming(s);
    send_error(s, "stream_ended", "the camera's stream ended: %s", reason);
    send_status(s, "stopped");
}

static const vg_still_viewer_ops viewer_ops = {.on_frame = on_frame, .on_end = on_end};

/* ---- actions ---- */

/* A client's text made safe for a message: printable ASCII, the rest as '?'. */
static void ascii_safe(char *out, size_t cap, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[i] = '\0';
}

typedef struct settings {
    int quality, fps, width;
    bool binary;
} settings;

static settings settings_of(const ws_session *s)
{
    return (settings){s->quality, s->fps, s->width, s->binary};
}

static bool same_settings(settings a, settings b)
{
    return a.quality == b.quality && a.fps == b.fps && a.width == b.width && a.binary == b.binary;
}

/* Reads start_stream / update_quality params into the session; sends an error and returns false. */
static bool read_params(ws_session *s, json_t *params)
{
    if (!params)
        return true;
    if (!json_is_object(params)) {
        send_error(s, "bad_params", "params must be an object");
        return false;
    }
    json_t *v;
    int quality = s->quality, fps = s->fps, width = s->width;
    bool binary = s->binary;
    char name[24];
    snprintf(name, sizeof(name), "%s", s->quality_name);
    if ((v = json_object_get(params, "quality"))) {
        char text[24];
        if (json_is_string(v))
            snprintf(text, sizeof(text), "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else
            text[0] = '\0';
        if (!vg_api_quality(text, &quality)) {
            send_error(s, "bad_params", "quality must be low, medium or high (or 1 to 100)");
            return false;
        }
        snprintf(name, sizeof(name), "%s", text);
    }
    if ((v = json_object_get(params, "fps"))) {
        double f = json_number_value(v);
        if (!json_is_number(v) || f < 1 || f > 30 || f != (double)(int)f) {
            send_error(s, "bad_params", "fps must be a whole number from 1 to 30");
            return false;
        }
        fps = (int)f;
    }
    if ((v = json_object_get(params, "width"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 16384) {
            send_error(s, "bad_params", "width must be an integer from 0 (the camera's) to 16384");
            return false;
        }
        width = (int)json_integer_value(v);
    }
    if ((v = json_object_get(params, "format"))) {
        const char *f = json_string_value(v);
        if (!f || (strcmp(f, "json") && strcmp(f, "base64") && strcmp(f, "binary"))) {
            send_error(s, "bad_params", "format must be json or binary");
            return false;
        }
        binary = strcmp(f, "binary") == 0;
    }
    s->quality = quality;
    s->fps = fps;
    s->width = width;
    s->binary = binary;
    snprintf(s->quality_name, sizeof(s->quality_name), "%s", name);
    return true;
}

/* Joins the encoder at the session's settings; sends the error and returns false when it cannot. */
static bool start_streaming(ws_session *s)
{
    vg_api *api = s->api;
    if (!s->id) {
        send_error(s, "unknown_camera", "camera %s does not exist", s->camera_id);
        return false;
    }
    vg_media *media = api->services->media;
    vg_media_info info;
    if (!api->still || !media || vg_media_info_by_path(media, s->path, &info) < 0) {
        vg_camera cam = {0};
        int rc = vg_store_camera_get(api->services->store, s->id, &cam);
        vg_camera_clear(&cam);
        if (rc == VG_ENOENT)
            send_error(s, "unknown_camera", "camera %s does not exist", s->camera_id);
        else
            send_error(s, "camera_not_streaming", "camera %s is not streaming", s->camera_id);
        return false;
    }
    if (info.status == VG_STREAM_ERROR) {
        send_error(s, "camera_unreachable", "the camera is not reachable: %s", info.last_error);
        return false;
    }
    vg_still_live_params params = {.quality = s->quality, .fps = s->fps, .width = s->width};
    int rc = vg_still_live_join(api->still, s->path, &params, &viewer_ops, s, &s->viewer);
    if (rc == VG_ELIMIT) {
        send_error(s, "too_many_viewers", "the camera has as many viewers as maxReaders allows");
        return false;
    }
    if (rc == VG_ERANGE) {
        send_error(s, "too_many_encoders",
                   "16 JPEG encoders with other settings already run for this camera");
        return false;
    }
    if (rc < 0) {
        send_error(s, "unavailable", "cannot start the frames: %s", vg_strerror(rc));
        return false;
    }
    s->frames_sent = 0;
    s->started_ms = mono_ms();
    memset(s->sent_times, 0, sizeof(s->sent_times));
    return true;
}

static void on_message(vg_ws_conn *ws, void *ctx, bool binary, const uint8_t *data, size_t len)
{
    ws_session *s = ctx;
    json_error_t jerr;
    json_t *msg = binary ? NULL : json_loadb((const char *)data, len, 0, &jerr);
    if (!msg || !json_is_object(msg)) {
        send_error(s, "bad_json", "messages must be JSON objects as text%s%s", msg ? "" : ": ",
                   msg ? "" : (binary ? "this one is binary" : jerr.text));
        json_decref(msg);
        return;
    }
    const char *action = json_string_value(json_object_get(msg, "action"));
    json_t *params = json_object_get(msg, "params");
    if (!action) {
        send_error(s, "bad_action",
                   "a message needs an \"action\": start_stream, stop_stream or "
                   "update_quality");
    } else if (strcmp(action, "start_stream") == 0 || strcmp(action, "update_quality") == 0) {
        bool start = action[0] == 's';
        settings before = settings_of(s);
        /* read_params keeps the settings in force when it refuses the new ones. */
        if (read_params(s, params)) {
            /* The same settings again keep the encoder: no restart, no new decode. */
            bool rejoin =
                (start || s->viewer) && !(s->viewer && same_settings(before, settings_of(s)));
            if (rejoin) {
                stop_streaming(s);
                if (!start_streaming(s)) {
                    if (!start)
                        send_status(s, "stopped");
                    json_decref(msg);
                    return;
                }
            }
            send_status(s, start ? "streaming" : "quality_updated");
        }
    } else if (strcmp(action, "stop_stream") == 0) {
        stop_streaming(s);
        send_status(s, "stopped");
    } else {
        char shown[41];
        ascii_safe(shown, sizeof(shown), action);
        send_error(s, "bad_action",
                   "unknown action \"%s\": use start_stream, stop_stream or update_quality", shown);
    }
    json_decref(msg);
}

static void on_drained(vg_ws_conn *ws, void *ctx)
{
    ws_session *s = ctx;
    if (s->waiting) {
        vg_jpeg *jpeg = s->waiting;
        s->waiting = NULL;
        send_frame(s, jpeg);
        vg_jpeg_unref(&jpeg);
    }
}

static void on_close(vg_ws_conn *ws, void *ctx, int code)
{
    ws_session *s = ctx;
    stop_streaming(s);
    free(s);
}

static const vg_ws_conn_ops ws_ops = {
    .on_message = on_message,
    .on_drained = on_drained,
    .on_close = on_close,
};

static void ws_stream(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    /*
     * A browser page may open a WebSocket to any site (no CORS): the Origin
     * it must send is how a page from elsewhere is kept out (RFC 6455 10.2).
     */
    const char *origin = vg_http_request_header(req, "Origin");
    if (origin &&
        !vg_http_origin_allowed(api->ws_allow_origins ? api->ws_allow_origins : "*", origin)) {
        vg_http_respond_error(req, 403, "origin_not_allowed",
                              "pages from this origin may not open WebSockets (wsAllowOrigins)");
        return;
    }
    ws_session *s = calloc(1, sizeof(*s));
    if (!s) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot open the WebSocket");
        return;
    }
    s->api = api;
    s->quality = 80;
    snprintf(s->quality_name, sizeof(s->quality_name), "medium");
    s->fps = DEFAULT_FPS;
    /* A camera id that is not one is an error message after the upgrade, as seed 003 does. */
    const char *id = vg_http_request_param(req, "camera_id");
    int64_t n;
    if (vg_api_parse_int(id, 1, INT64_MAX, &n)) {
        s->id = n;
        snprintf(s->camera_id, sizeof(s->camera_id), "%" PRId64, n);
        vg_camera_path_name(n, s->path, sizeof(s->path));
    } else {
        ascii_safe(s->camera_id, sizeof(s->camera_id), id);
    }
    if (vg_http_websocket_accept(req, &ws_ops, s, &s->ws) < 0)
        free(s);
}

int vg_api_register_live(vg_router *router, vg_api *api)
{
    return vg_router_add(router, "GET", "/ws/stream/{camera_id}", ws_stream, api);
}
