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
    uv_timer_t close_timer; /* on demand: after the last reader left */
    uv_timer_t start_timer; /* on demand: a reader waits for the first key frame */
    int open_timers;
    vg_backoff backoff;
    bool on_demand;
    bool want_start; /* a reader came while the last attempt was still stopping */
    size_t readers;
    vg_stream_status status; /* as last reported */
    char last_error[256];
    bool stopping;
    bool ran_before;        /* has been RUNNING in an earlier attempt */
    bool woke_from_standby; /* this attempt was a reader's, not a reconnect */
    uint64_t reconnects;
    uint64_t running_since_ms;
    unsigned attempts;

    /*
     * Timestamps go on across attempts. At a new attempt's first AU one shift
     * (in microseconds) is chosen so that it lands one step after the latest
     * output of any track; each track gets that shift in its own clock, so the
     * tracks keep their offsets within the attempt (audio stays in sync).
     */
    size_t track_count;
    int clock[MAX_TRACKS];
    bool attempt_shift_pending;     /* a new attempt began after AUs went out */
    bool discontinuity[MAX_TRACKS]; /* the next AU of the track carries the flag */
    bool have_last[MAX_TRACKS];
    int64_t shift[MAX_TRACKS];
    int64_t last_dts[MAX_TRACKS];
    int64_t last_step[MAX_TRACKS];
    int64_t end_us; /* the latest last_dts + last_step of any track, in microseconds */
    bool have_end;
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
        r->clock[i] = t->clock_rate > 0 ? t->clock_rate : 90000;
    }
}

static int64_t ticks_to_us(int64_t ticks, int clock)
{
    return ticks / clock * 1000000 + ticks % clock * 1000000 / clock;
}

static int64_t us_to_ticks(int64_t us, int clock)
{
    return us / 1000000 * clock + us % 1000000 * clock / 1000000;
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
    if (ti < MAX_TRACKS && ti < r->track_count) {
        int clock = r->clock[ti];
        if (r->attempt_shift_pending) {
            /* The new attempt's first AU: one shift for all tracks, after the latest output. */
            int64_t shift_us = r->end_us - ticks_to_us(au->dts, clock);
            for (size_t i = 0; i < r->track_count; i++) {
                r->shift[i] = us_to_ticks(shift_us, r->clock[i]);
                r->discontinuity[i] = true;
            }
            r->attempt_shift_pending = false;
        }
        if (r->discontinuity[ti]) {
            au->flags |= VG_AU_DISCONTINUITY;
            r->discontinuity[ti] = false;
        }
        au->dts += r->shift[ti];
        au->pts += r->shift[ti];
        if (r->have_last[ti] && au->dts > r->last_dts[ti])
            r->last_step[ti] = au->dts - r->last_dts[ti];
        r->last_dts[ti] = au->dts;
        r->have_last[ti] = true;
        int64_t end = ticks_to_us(au->dts + (r->last_step[ti] > 0 ? r->last_step[ti] : 1), clock);
        if (!r->have_end || end > r->end_us)
            r->end_us = end;
        r->have_end = true;
    }
    if (r->status != VG_STREAM_RUNNING) {
        if (!is_video_key(r, au))
            return; /* a reader could not start with it anyway */
        if (r->ran_before && !r->woke_from_standby)
            r->reconnects++;
        r->ran_before = true;
        r->woke_from_standby = false;
        r->running_since_ms = now_ms();
        uv_timer_stop(&r->start_timer);
        report(r, VG_STREAM_RUNNING, NULL);
    }
    vg_path_publish(r->path, au);
}

static void on_retry(uv_timer_t *t);
static void start_attempt(runner *r);

/* On demand, nobody reads: stop pulling and wait for the next reader. */
static void go_standby(runner *r)
{
    uv_timer_stop(&r->retry);
    uv_timer_stop(&r->start_timer);
    r->want_start = false;
    vg_source_stop(r->source);    /* a no-op when no attempt runs */
    vg_path_clear_cache(r->path); /* the next reader must not start on stale frames */
    report(r, VG_STREAM_STANDBY, NULL);
}

static void on_end(void *ctx, bool stopped, const char *reason)
{
    runner *r = ctx;
    if (r->stopping)
        return;
    if (stopped) {
        if (r->want_start) {
            r->want_start = false;
            start_attempt(r);
        }
        return;
    }
    if (r->status == VG_STREAM_RUNNING)
        vg_backoff_healthy(&r->backoff, (int64_t)(now_ms() - r->running_since_ms));
    vg_path_clear_cache(r->path);
    report(r, VG_STREAM_ERROR, reason);
    if (r->on_demand && r->readers == 0) {
        go_standby(r); /* nobody waits for it: no retry until someone does */
        return;
    }
    double unit = (double)rand_r(&r->media->seed) / ((double)RAND_MAX + 1.0);
    int64_t delay = vg_backoff_next_delay(&r->backoff, unit);
    VG_LOG_INFO("stream", "stream=%s path=%s retry in %" PRId64 "ms", r->stream_id, r->path_name,
                delay);
    uv_timer_start(&r->retry, on_retry, (uint64_t)delay, 0);
}

static const vg_source_callbacks source_callbacks = {on_tracks, on_au, on_end};

static void start_attempt(runner *r)
{
    if (vg_source_running(r->source)) {
        r->want_start = true; /* still stopping: on_end(stopped) starts it again */
        return;
    }
    if (r->status == VG_STREAM_STANDBY) {
        r->woke_from_standby = true;
        report(r, VG_STREAM_STARTING, NULL);
    }
    r->attempts++;
    r->attempt_shift_pending = r->have_end; /* its timestamps go on after the last ones */
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
    if (r->stopping)
        return;
    if (r->on_demand && r->readers == 0)
        go_standby(r);
    else
        start_attempt(r);
}

static void on_close_timer(uv_timer_t *t)
{
    runner *r = t->data;
    if (!r->stopping && r->readers == 0) {
        VG_LOG_INFO("stream", "stream=%s path=%s no readers for %lldms: standby", r->stream_id,
                    r->path_name, (long long)r->media->opt.on_demand_close_after_ms);
        go_standby(r);
    }
}

static void on_start_timer(uv_timer_t *t)
{
    runner *r = t->data;
    if (r->stopping || r->status == VG_STREAM_RUNNING)
        return;
    /* The readers were promised video: tell them it did not come, rather than hang. */
    vg_path_end_readers(r->path, VG_ESTATE,
                        "no video from the camera within sourceOnDemandStartTimeout");
}

/* The path's reader count changed: on demand, the first one starts and the last one stops. */
static void on_readers_changed(void *ctx, size_t readers)
{
    runner *r = ctx;
    r->readers = readers;
    if (!r->on_demand || r->stopping)
        return;
    if (readers > 0) {
        uv_timer_stop(&r->close_timer);
        /* Nothing pulls (STANDBY, or a stop still finishing): pull now. A retry pending waits. */
        if (r->status == VG_STREAM_STANDBY ||
            (!vg_source_running(r->source) && !uv_is_active((uv_handle_t *)&r->retry)))
            start_attempt(r);
        if (r->status != VG_STREAM_RUNNING && !uv_is_active((uv_handle_t *)&r->start_timer))
            uv_timer_start(&r->start_timer, on_start_timer,
                           (uint64_t)r->media->opt.on_demand_start_timeout_ms, 0);
    } else {
        uv_timer_stop(&r->start_timer);
        uv_timer_start(&r->close_timer, on_close_timer,
                       (uint64_t)r->media->opt.on_demand_close_after_ms, 0);
    }
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
                   const vg_media_stream_options *opt)
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
    bool on_demand = opt->on_demand;
    r->on_demand = on_demand;
    r->status = on_demand ? VG_STREAM_STANDBY : VG_STREAM_STARTING;
    vg_backoff_init(&r->backoff);
    vg_path_options popt = {.max_readers =
                                opt->max_readers >= 0 ? opt->max_readers : m->opt.max_readers,
                            .gop_cache_max_bytes = m->opt.gop_cache_max_bytes,
                            .on_readers_changed = on_readers_changed,
                            .ctx = r};
    vg_source_options sopt = {.url = url,
                              .label = path_name,
                              .title = opt->title,
                              .transport = opt->transport,
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
    uv_timer_init(m->loop, &r->close_timer);
    uv_timer_init(m->loop, &r->start_timer);
    r->retry.data = r->close_timer.data = r->start_timer.data = r;
    r->next = m->runners;
    m->runners = r;
    if (!on_demand)
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

static void on_timer_closed(uv_handle_t *h)
{
    runner *r = h->data;
    if (--r->open_timers)
        return;
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
    m->closing++;
    r->open_timers = 3;
    uv_close((uv_handle_t *)&r->retry, on_timer_closed);
    uv_close((uv_handle_t *)&r->close_timer, on_timer_closed);
    uv_close((uv_handle_t *)&r->start_timer, on_timer_closed);
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
