/*
 * media.c: runners, one per live stream (see media.h).
 *
 * A runner's life:
 *   start ─▶ attempt ─(first key frame)─▶ RUNNING ─(attempt ends)─▶ ERROR ─(backoff)─▶ attempt ...
 *   stop  ─▶ readers end, path goes, source stops (its thread is joined when it ends),
 *            retry timer closes, then the runner is freed.
 */
#include "service/media.h"

#include "core/error.h"
#include "core/log.h"
#include "domain/backoff.h"
#include "domain/camera.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TRACKS 8

typedef struct runner {
    vg_media *media;
    struct runner *next;
    char stream_id[VG_UUID_STR_LEN + 1];
    char path_name[32];
    vg_path *path;
    vg_source *source;
    uv_timer_t retry;
    vg_backoff backoff;
    vg_stream_status status; /* as last reported */
    char last_error[256];
    bool stopping;
    bool ran_before; /* has been RUNNING in an earlier attempt */
    uint64_t reconnects;
    uint64_t running_since_ms;
    unsigned attempts;

    /* Timestamps go on across attempts: shift[] is added to each new attempt's AUs. */
    size_t track_count;
    bool shift_pending[MAX_TRACKS];
    bool have_last[MAX_TRACKS];
    int64_t shift[MAX_TRACKS];
    int64_t last_dts[MAX_TRACKS];
    int64_t last_step[MAX_TRACKS];
} runner;

struct vg_media {
    uv_loop_t *loop;
    vg_media_options opt;
    vg_media_status_fn on_status;
    void *ctx;
    runner *runners;
    size_t closing; /* runners whose timers are closing */
    unsigned seed;
    void (*shutdown_done)(void *ctx);
    void *shutdown_ctx;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void report(runner *r, vg_stream_status status, const char *error)
{
    if (status == r->status && (status != VG_STREAM_ERROR || !strcmp(r->last_error, error)))
        return;
    r->status = status;
    snprintf(r->last_error, sizeof(r->last_error), "%s", error ? error : "");
    if (status == VG_STREAM_ERROR)
        VG_LOG_WARN("stream", "stream=%s path=%s ERROR: %s", r->stream_id, r->path_name, error);
    else
        VG_LOG_INFO("stream", "stream=%s path=%s %s", r->stream_id, r->path_name,
                    vg_stream_status_name(status));
    r->media->on_status(r->media->ctx, r->stream_id, status, error);
}

/* ---- source callbacks ---- */

static void on_tracks(void *ctx, vg_track *const *tracks, size_t count)
{
    runner *r = ctx;
    if (count > MAX_TRACKS)
        count = MAX_TRACKS;
    if (vg_path_set_tracks(r->path, tracks, count) < 0)
        return;
    r->track_count = count;
    for (size_t i = 0; i < count; i++) {
        const vg_track *t = tracks[i];
        if (t->is_video)
            VG_LOG_INFO("stream", "path=%s track=%zu codec=%s %dx%d fps=%.2f codec_string=%s",
                        r->path_name, i, t->codec_name, t->width, t->height, t->nominal_fps,
                        t->codec_string);
        else
            VG_LOG_INFO("stream", "path=%s track=%zu codec=%s rate=%d channels=%d", r->path_name, i,
                        t->codec_name, t->sample_rate, t->channels);
        r->shift_pending[i] = r->attempts > 1 && r->have_last[i];
    }
}

static bool is_video_key(const runner *r, const vg_au *au)
{
    size_t n;
    vg_track *const *tracks = vg_path_tracks(r->path, &n);
    bool has_video = false;
    for (size_t i = 0; i < n; i++)
        has_video = has_video || tracks[i]->is_video;
    if (!has_video)
        return true; /* audio only: any AU means frames flow */
    return au->track < n && tracks[au->track]->is_video && (au->flags & VG_AU_KEY);
}

static void on_au(void *ctx, vg_au *au)
{
    runner *r = ctx;
    uint32_t ti = au->track;
    if (ti < MAX_TRACKS) {
        if (r->shift_pending[ti]) {
            /* First AU of this track after a reconnect: continue after the last one. */
            int64_t step = r->last_step[ti] > 0 ? r->last_step[ti] : 1;
            r->shift[ti] = r->last_dts[ti] + step - au->dts;
            r->shift_pending[ti] = false;
            au->flags |= VG_AU_DISCONTINUITY;
        }
        au->dts += r->shift[ti];
        au->pts += r->shift[ti];
        if (r->have_last[ti] && au->dts > r->last_dts[ti])
            r->last_step[ti] = au->dts - r->last_dts[ti];
        r->last_dts[ti] = au->dts;
        r->have_last[ti] = true;
    }
    if (r->status != VG_STREAM_RUNNING) {
        if (!is_video_key(r, au))
            return; /* a reader could not start with it anyway */
        if (r->ran_before)
            r->reconnects++;
        r->ran_before = true;
        r->running_since_ms = now_ms();
        report(r, VG_STREAM_RUNNING, NULL);
    }
    vg_path_publish(r->path, au);
}

static void on_retry(uv_timer_t *t);

static void on_end(void *ctx, bool stopped, const char *reason)
{
    runner *r = ctx;
    if (stopped || r->stopping)
        return;
    if (r->status == VG_STREAM_RUNNING)
        vg_backoff_healthy(&r->backoff, (int64_t)(now_ms() - r->running_since_ms));
    report(r, VG_STREAM_ERROR, reason);
    double unit = (double)rand_r(&r->media->seed) / ((double)RAND_MAX + 1.0);
    int64_t delay = vg_backoff_next_delay(&r->backoff, unit);
    VG_LOG_INFO("stream", "stream=%s path=%s retry in %" PRId64 "ms", r->stream_id, r->path_name,
                delay);
    uv_timer_start(&r->retry, on_retry, (uint64_t)delay, 0);
}

static const vg_source_callbacks source_callbacks = {on_tracks, on_au, on_end};

static void start_attempt(runner *r)
{
    r->attempts++;
    int rc = vg_source_start(r->source);
    if (rc < 0) {
        char why[128];
        snprintf(why, sizeof(why), "cannot start the source: %s", vg_strerror(rc));
        on_end(r, false, why);
    }
}

static void on_retry(uv_timer_t *t)
{
    runner *r = t->data;
    if (!r->stopping)
        start_attempt(r);
}

/* ---- runners ---- */

static runner *find(vg_media *m, const char *stream_id)
{
    for (runner *r = m->runners; r; r = r->next) {
        if (!strcmp(r->stream_id, stream_id))
            return r;
    }
    return NULL;
}

vg_media *vg_media_create(uv_loop_t *loop, const vg_media_options *opt,
                          vg_media_status_fn on_status, void *ctx)
{
    vg_media *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->loop = loop;
    m->opt = *opt;
    m->on_status = on_status;
    m->ctx = ctx;
    m->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)m;
    return m;
}

int vg_media_start(vg_media *m, const char *stream_id, int64_t camera_id, const char *url,
                   const char *title)
{
    char path_name[32];
    vg_camera_path_name(camera_id, path_name, sizeof(path_name));
    if (vg_media_find_path(m, path_name) || find(m, stream_id))
        return VG_EEXIST;
    runner *r = calloc(1, sizeof(*r));
    if (!r)
        return VG_ENOMEM;
    r->media = m;
    snprintf(r->stream_id, sizeof(r->stream_id), "%s", stream_id);
    snprintf(r->path_name, sizeof(r->path_name), "%s", path_name);
    r->status = VG_STREAM_STARTING;
    vg_backoff_init(&r->backoff);
    vg_path_options popt = {.max_readers = m->opt.max_readers,
                            .gop_cache_max_bytes = m->opt.gop_cache_max_bytes};
    vg_source_options sopt = {.url = url,
                              .label = path_name,
                              .title = title,
                              .transport = VG_TRANSPORT_TCP,
                              .connect_timeout_ms = m->opt.connect_timeout_ms,
                              .read_timeout_ms = m->opt.read_timeout_ms};
    r->path = vg_path_create(path_name, &popt);
    r->source = r->path ? vg_source_create(m->loop, &sopt, &source_callbacks, r) : NULL;
    if (!r->source) {
        vg_path_destroy(r->path);
        free(r);
        return VG_ENOMEM;
    }
    uv_timer_init(m->loop, &r->retry);
    r->retry.data = r;
    r->next = m->runners;
    m->runners = r;
    start_attempt(r);
    return 0;
}

static void maybe_shutdown_done(vg_media *m)
{
    if (m->shutdown_done && !m->runners && !m->closing) {
        void (*done)(void *) = m->shutdown_done;
        m->shutdown_done = NULL;
        done(m->shutdown_ctx);
    }
}

static void on_retry_closed(uv_handle_t *h)
{
    runner *r = h->data;
    vg_media *m = r->media;
    m->closing--;
    free(r);
    maybe_shutdown_done(m);
}

static void stop_runner(vg_media *m, runner *r)
{
    for (runner **pp = &m->runners; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    r->stopping = true;
    VG_LOG_INFO("stream", "stream=%s path=%s stopping", r->stream_id, r->path_name);
    vg_path_destroy(r->path); /* its readers get on_end("path deleted") */
    r->path = NULL;
    /* The source stops its thread and frees itself once the attempt has ended. */
    vg_source_destroy(r->source);
    r->source = NULL;
    uv_timer_stop(&r->retry);
    m->closing++;
    uv_close((uv_handle_t *)&r->retry, on_retry_closed);
}

void vg_media_stop(vg_media *m, const char *stream_id)
{
    runner *r = find(m, stream_id);
    if (r)
        stop_runner(m, r);
}

vg_path *vg_media_find_path(vg_media *m, const char *name)
{
    for (runner *r = m->runners; r; r = r->next) {
        if (!strcmp(r->path_name, name))
            return r->path;
    }
    return NULL;
}

static void fill_info(const runner *r, vg_media_info *out)
{
    out->path_name = r->path_name;
    out->stream_id = r->stream_id;
    out->status = r->status;
    out->last_error = r->last_error;
    out->reconnects = r->reconnects;
    out->path = r->path;
}

int vg_media_info_by_stream(vg_media *m, const char *stream_id, vg_media_info *out)
{
    runner *r = find(m, stream_id);
    if (!r)
        return VG_ENOENT;
    fill_info(r, out);
    return 0;
}

int vg_media_info_by_path(vg_media *m, const char *path_name, vg_media_info *out)
{
    for (runner *r = m->runners; r; r = r->next) {
        if (!strcmp(r->path_name, path_name)) {
            fill_info(r, out);
            return 0;
        }
    }
    return VG_ENOENT;
}

void vg_media_foreach(vg_media *m, void (*fn)(void *ctx, const vg_media_info *info), void *ctx)
{
    for (runner *r = m->runners; r; r = r->next) {
        vg_media_info info;
        fill_info(r, &info);
        fn(ctx, &info);
    }
}

void vg_media_shutdown(vg_media *m, void (*done)(void *ctx), void *ctx)
{
    m->shutdown_done = done;
    m->shutdown_ctx = ctx;
    while (m->runners)
        stop_runner(m, m->runners);
    maybe_shutdown_done(m);
}

void vg_media_destroy(vg_media *m)
{
    free(m);
}
