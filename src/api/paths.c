/*
 * paths.c: GET /api/paths and /api/paths/{name}: what the media core is
 * doing now (source state, tracks, readers, stats), and the `stats` object
 * of a stream.
 */
#include "api/api_internal.h"

#include "core/error.h"
#include "domain/health.h"

static json_t *track_json(const vg_track *t)
{
    json_t *o = json_pack("{s:s,s:s,s:I}", "codec", vg_codec_name(t->codec), "codec_name",
                          t->codec_name, "generation", (json_int_t)t->generation);
    if (t->codec_string[0])
        json_object_set_new(o, "codec_string", json_string(t->codec_string));
    if (t->video_kind) {
        json_object_set_new(o, "kind", json_string("video"));
        json_object_set_new(o, "width", json_integer(t->width));
        json_object_set_new(o, "height", json_integer(t->height));
        json_object_set_new(o, "nominal_fps", json_real(t->nominal_fps));
    } else {
        json_object_set_new(o, "kind", json_string("audio"));
        json_object_set_new(o, "sample_rate", json_integer(t->sample_rate));
        json_object_set_new(o, "channels", json_integer(t->channels));
    }
    return o;
}

/* The nominal fps of the first video track, 0 when unknown. */
static double nominal_fps(const vg_path *path)
{
    size_t n;
    vg_track *const *tracks = vg_path_tracks(path, &n);
    for (size_t i = 0; i < n; i++) {
        if (tracks[i]->is_video)
            return tracks[i]->nominal_fps;
    }
    return 0;
}

int vg_api_stream_health(const vg_media_info *info)
{
    vg_path_stats st;
    vg_path_stats_get(info->path, &st);
    return vg_health_score(info->status == VG_STREAM_RUNNING, st.fps, nominal_fps(info->path),
                           st.last_frame_age_ms);
}

json_t *vg_api_stream_stats_json(const vg_api *api, const vg_media_info *info)
{
    vg_path_stats st;
    vg_path_stats_get(info->path, &st);
    int score = vg_api_stream_health(info);
    size_t encoders = api->still ? vg_still_encoder_count(api->still, info->path_name) : 0;
    return json_pack("{s:f,s:f,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:i,s:I}", "fps", st.fps,
                     "bitrate_kbps", st.bitrate_bps / 1000.0, "frames_in", (json_int_t)st.frames_in,
                     "aus_in", (json_int_t)st.aus_in, "bytes_in", (json_int_t)st.bytes_in,
                     "last_frame_age_ms",
                     st.last_frame_age_ms < 0 ? json_null() : json_integer(st.last_frame_age_ms),
                     "reconnects", (json_int_t)info->reconnects, "readers", (json_int_t)st.readers,
                     "viewers", (json_int_t)st.viewers, "dropped", (json_int_t)st.dropped,
                     "health_score", score, "jpeg_encoders", (json_int_t)encoders);
}

static json_t *path_json(const vg_api *api, const vg_media_info *info)
{
    size_t n;
    vg_track *const *tracks = vg_path_tracks(info->path, &n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, track_json(tracks[i]));
    return json_pack(
        "{s:s,s:s,s:{s:s,s:o},s:o,s:I,s:o}", "name", info->path_name, "stream_id", info->stream_id,
        "source", "status", vg_stream_status_name(info->status), "last_error",
        info->last_error[0] ? json_string(info->last_error) : json_null(), "tracks", arr, "readers",
        (json_int_t)vg_path_reader_count(info->path), "stats", vg_api_stream_stats_json(api, info));
}

typedef struct path_list {
    const vg_api *api;
    json_t *items;
} path_list;

static void add_path(void *ctx, const vg_media_info *info)
{
    path_list *list = ctx;
    json_array_append_new(list->items, path_json(list->api, info));
}

static void list_paths(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    json_t *items = json_array();
    path_list list = {api, items};
    if (api->services->media)
        vg_media_foreach(api->services->media, add_path, &list);
    vg_http_respond_json(
        req, 200,
        json_pack("{s:o,s:I}", "paths", items, "total", (json_int_t)json_array_size(items)));
}

static void get_path(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    const char *name = vg_http_request_param(req, "name");
    vg_media_info info;
    if (!api->services->media || vg_media_info_by_path(api->services->media, name, &info) < 0) {
        vg_http_respond_error(req, 404, "not_found", "path %.64s is not live", name);
        return;
    }
    vg_http_respond_json(req, 200, path_json(api, &info));
}

int vg_api_register_paths(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "GET", "/api/paths", list_paths, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/api/paths/{name}", get_path, api)) < 0)
        return rc;
    return 0;
}
