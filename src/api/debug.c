/*
 * debug.c: a test reader over HTTP, only with `vigil serve --debug-endpoints`.
 *
 *   GET /api/debug/paths/{name}/sample?seconds=2[&format=json]
 *
 * Attaches a reader to the path (a real one: maxReaders, the GOP cache and
 * slow-reader drops apply), collects for `seconds` (1-10; up to 300 when it
 * only counts, for bench/ingest), then answers
 * with the video track as an Annex-B elementary stream (video/h264 or
 * video/h265) that ffprobe/ffmpeg can judge, or with counts as JSON. Issue 3
 * allows such a way to test the media core before the real readers (HLS,
 * WebRTC, stills, recording) exist.
 */
#include "api/api_internal.h"

#include "codec/nal.h"
#include "core/error.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

#define SAMPLE_MAX_BYTES (32u << 20)
#define MAX_TRACKS       8

typedef struct sampler {
    vg_http_request *req; /* NULL once answered or cancelled */
    vg_reader *reader;
    uv_timer_t timer;
    bool json, finished;
    char *buf;
    size_t len, cap;
    int video_track;
    vg_codec codec;
    uint64_t aus, video_frames, key_frames, discontinuities, track_sets;
    bool first_seen, first_is_key, dts_monotonic, truncated;
    bool have_last[MAX_TRACKS];
    int64_t last_dts[MAX_TRACKS];
} sampler;

static void on_timer_closed(uv_handle_t *h)
{
    sampler *s = h->data;
    free(s->buf);
    free(s);
}

/* Answers (unless cancelled), lets go of the reader and frees itself. Once. */
static void finish(sampler *s, const char *why)
{
    if (s->finished)
        return;
    s->finished = true;
    vg_reader_remove(s->reader);
    s->reader = NULL;
    if (s->req && s->json) {
        vg_http_respond_json(
            s->req, 200,
            json_pack("{s:I,s:I,s:I,s:b,s:b,s:I,s:I,s:s,s:s,s:b}", "aus", (json_int_t)s->aus,
                      "video_frames", (json_int_t)s->video_frames, "key_frames",
                      (json_int_t)s->key_frames, "first_is_key", s->first_is_key, "dts_monotonic",
                      s->dts_monotonic, "discontinuities", (json_int_t)s->discontinuities,
                      "track_sets", (json_int_t)s->track_sets, "codec", vg_codec_name(s->codec),
                      "ended", why, "truncated", s->truncated));
    } else if (s->req) {
        const char *type = s->codec == VG_CODEC_H265 ? "video/h265" : "video/h264";
        vg_http_respond_owned(s->req, 200, type, s->buf, s->len);
        s->buf = NULL;
    }
    s->req = NULL;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

static void on_tracks(vg_reader *r, void *ctx, vg_track *const *tracks, size_t count)
{
    sampler *s = ctx;
    s->track_sets++;
    s->video_track = -1;
    for (size_t i = 0; i < count; i++) {
        if (tracks[i]->is_video && s->video_track < 0) {
            s->video_track = (int)i;
            s->codec = tracks[i]->codec;
        }
    }
}

static void on_au(vg_reader *r, void *ctx, vg_au *au)
{
    sampler *s = ctx;
    s->aus++;
    if (au->flags & VG_AU_DISCONTINUITY)
        s->discontinuities++;
    if (au->track < MAX_TRACKS) {
        if (s->have_last[au->track] && au->dts <= s->last_dts[au->track])
            s->dts_monotonic = false;
        s->have_last[au->track] = true;
        s->last_dts[au->track] = au->dts;
    }
    if ((int)au->track != s->video_track)
        return;
    if (!s->first_seen) {
        s->first_seen = true;
        s->first_is_key = au->flags & VG_AU_KEY;
    }
    s->video_frames++;
    s->key_frames += (au->flags & VG_AU_KEY) != 0;
    if (s->json)
        return;
    if (s->len + au->size > SAMPLE_MAX_BYTES) {
        s->truncated = true;
        return;
    }
    if (s->len + au->size > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1u << 20;
        while (cap < s->len + au->size)
            cap *= 2;
        char *grown = realloc(s->buf, cap);
        if (!grown) {
            s->truncated = true;
            return;
        }
        s->buf = grown;
        s->cap = cap;
    }
    size_t out_len = 0;
    /* AVCC to Annex-B keeps the size: each 4-byte length becomes a 4-byte start code. */
    if (vg_nal_avcc_to_annexb(au->data, au->size, (uint8_t *)s->buf + s->len, s->cap - s->len,
                              &out_len) == 0)
        s->len += out_len;
}

static void on_end(vg_reader *r, void *ctx, int code, const char *reason)
{
    finish(ctx, reason);
}

static const vg_reader_ops sampler_ops = {on_tracks, on_au, on_end};

static void on_timer(uv_timer_t *t)
{
    finish(t->data, "sampled");
}

/* The server ends the request (shutdown): stop touching it, and go. */
static void on_cancel(void *ctx)
{
    sampler *s = ctx;
    s->req = NULL;
    finish(s, "cancelled");
}

static void sample(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    const char *name = vg_http_request_param(req, "name");
    const char *seconds_text = vg_http_request_query(req, "seconds");
    const char *format = vg_http_request_query(req, "format");
    int64_t seconds = 2;
    bool json = format && !strcmp(format, "json");
    int64_t max_seconds = json ? 300 : 10; /* counting holds no frames: it may run long */
    if (seconds_text && !vg_api_parse_int(seconds_text, 1, max_seconds, &seconds)) {
        vg_api_respond_field_error(req, "seconds", "seconds must be from 1 to %lld",
                                   (long long)max_seconds);
        return;
    }
    vg_media_info info;
    if (!api->services->media || vg_media_info_by_path(api->services->media, name, &info) < 0) {
        vg_http_respond_error(req, 404, "not_found", "path %.64s is not live", name);
        return;
    }
    sampler *s = calloc(1, sizeof(*s));
    if (!s) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    s->req = req;
    s->json = json;
    s->video_track = -1;
    s->dts_monotonic = true;
    vg_reader_options ropt = {.name = "debug-sample"};
    int rc = vg_path_add_reader(info.path, &sampler_ops, s, &ropt, &s->reader);
    if (rc < 0) {
        free(s);
        if (rc == VG_ELIMIT)
            vg_http_respond_error(req, 429, "too_many_readers",
                                  "path %.64s has its maxReaders readers already", name);
        else
            vg_http_respond_error(req, 503, "out_of_memory", "cannot attach a reader");
        return;
    }
    uv_timer_init(api->loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_timer, (uint64_t)seconds * 1000u, 0);
    if (vg_http_request_suspend(req, on_cancel, s) < 0) {
        s->req = NULL;
        finish(s, "shutting down");
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
    }
}

int vg_api_register_debug(vg_router *router, vg_api *api)
{
    return vg_router_add(router, "GET", "/api/debug/paths/{name}/sample", sample, api);
}
