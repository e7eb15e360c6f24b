/*
 * live.c: live JPEG frames, one encoder per distinct (path, quality, fps,
 * width), shared by all of its viewers. See still.h.
 *
 *   path ──AU──▶ reader ──▶ pending AUs ──job──▶ worker: decode each AU; encode the
 *                 (shared)    (bounded)              one due at `fps` ──▶ viewers' on_frame
 *
 * Every AU is decoded (a P-frame needs the ones before it); only the
 * pictures due at the target rate are scaled and encoded. Due points are
 * counted on the video's own clock (dts, 90 kHz): next_due moves by exactly
 * 1/fps, so a 25 fps camera asked for 15 gives 15 frames a second, not
 * 12.5. While a job runs, AUs wait; past PENDING_MAX_AUS (or bytes) the
 * decoder has fallen behind: the waiting AUs are dropped and counted, and
 * decoding starts again at the next key frame.
 */
#include "still/still_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "still/decoder.h"
#include "still/jpeg.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PENDING_MAX_AUS       100
#define PENDING_MAX_BYTES     (32u * 1024 * 1024)
#define RATE_WINDOW           64 /* encode times kept for the fps over the last second */
#define MAX_ENCODERS_PER_PATH 16 /* each decodes the whole stream: a bound on distinct settings */

typedef struct pending_au {
    vg_au *au;
    bool emit; /* due at the target rate: encode its picture */
} pending_au;

struct vg_still_viewer {
    live_encoder *enc;
    const vg_still_viewer_ops *ops;
    void *ctx;
    bool ended;
    bool counted; /* one of the path's viewers (maxReaders) */
    vg_still_viewer *next, **prev;
};

struct live_encoder {
    vg_still *still;
    char path[64];
    vg_path *path_obj; /* valid until `ended` */
    vg_still_live_params params;
    live_encoder *next;
    vg_still_viewer *viewers;
    size_t viewer_count;

    vg_reader *reader;
    int video;
    vg_track *track;
    pending_au *pending;
    size_t pending_count, pending_cap, pending_bytes;
    bool waiting_key;
    bool have_due;
    int64_t next_due_dts;
    bool ended;
    bool dead;        /* no viewers left while a job ran: freed when it returns */
    int in_callbacks; /* viewers' callbacks running: a leave does not free the encoder */

    /* the job; its fields below are the worker's while job_running */
    bool job_running;
    uv_work_t work;
    pending_au *batch;
    size_t batch_count;
    vg_track *batch_track;
    vg_still_decoder *decoder;
    vg_track *decoder_track;
    bool broken; /* a decode error: skip to the next key frame */
    vg_still_jpeg *encoder;
    vg_jpeg *out;
    int job_code;
    char job_error[160];
    double job_ms;

    /* stats */
    uint64_t frame_number, dropped;
    double encode_ms_total;
    uint64_t emit_times[RATE_WINDOW];
    size_t emit_next;
};

static void kick(live_encoder *enc);

/* ---- lifetime ---- */

static void clear_pending(live_encoder *enc)
{
    for (size_t i = 0; i < enc->pending_count; i++)
        vg_au_unref(&enc->pending[i].au);
    enc->pending_count = 0;
    enc->pending_bytes = 0;
}

static void encoder_free(live_encoder *enc)
{
    clear_pending(enc);
    free(enc->pending);
    vg_track_unref(&enc->track);
    vg_still_decoder_destroy(enc->decoder);
    vg_track_unref(&enc->decoder_track);
    vg_still_jpeg_destroy(enc->encoder);
    free(enc);
}

static void unlink_encoder(live_encoder *enc)
{
    for (live_encoder **p = &enc->still->encoders; *p; p = &(*p)->next) {
        if (*p == enc) {
            *p = enc->next;
            return;
        }
    }
}

/* The last viewer has left: the encoder stops, now or when its job returns. */
static void release_if_unused(live_encoder *enc)
{
    if (enc->viewer_count > 0 || enc->in_callbacks > 0 || enc->dead)
        return;
    unlink_encoder(enc);
    if (enc->reader) {
        vg_reader *r = enc->reader;
        enc->reader = NULL;
        vg_reader_remove(r);
    }
    enc->ended = true;
    if (enc->job_running) {
        enc->dead = true; /* job_after frees it */
        /* A job still waiting for a worker need not run at all (job_after still comes). */
        uv_cancel((uv_req_t *)&enc->work);
    } else {
        encoder_free(enc);
    }
}

/* The path ends (or vigil stops): no more frames for anyone. */
static void end_encoder(live_encoder *enc, int code, const char *reason)
{
    if (enc->ended)
        return;
    enc->ended = true;
    /* The path is still valid here (its on_end, or vigil stopping): uncount the viewers now. */
    for (vg_still_viewer *v = enc->viewers; v; v = v->next) {
        if (v->counted && enc->path_obj)
            vg_path_viewer_remove(enc->path_obj);
        v->counted = false;
    }
    enc->path_obj = NULL;
    if (enc->reader) {
        vg_reader *r = enc->reader;
        enc->reader = NULL;
        vg_reader_remove(r);
    }
    clear_pending(enc);
    enc->in_callbacks++;
    vg_still_viewer *next;
    for (vg_still_viewer *v = enc->viewers; v; v = next) {
        next = v->next; /* a viewer may leave from its callback */
        if (!v->ended) {
            v->ended = true;
            v->ops->on_end(v, v->ctx, code, reason);
        }
    }
    enc->in_callbacks--;
    release_if_unused(enc);
}

/* ---- the reader ---- */

static void reader_tracks(vg_reader *reader, void *ctx, vg_track *const *tracks, size_t count)
{
    live_encoder *enc = ctx;
    clear_pending(enc);
    vg_track_unref(&enc->track);
    enc->video = vg_still_video_track(tracks, count);
    if (enc->video >= 0)
        enc->track = vg_track_ref(tracks[enc->video]);
    enc->waiting_key = true;
    enc->have_due = false;
}

/* Whether the picture of an AU at `dts` is due at the target rate (see the top). */
static bool due(live_encoder *enc, int64_t dts)
{
    int64_t interval = 90000 / enc->params.fps;
    if (!enc->have_due || dts < enc->next_due_dts - 10 * interval) {
        /* The first AU, or the clock went back: start the schedule here. */
        enc->have_due = true;
        enc->next_due_dts = dts + interval;
        return true;
    }
    if (dts < enc->next_due_dts)
        return false;
    enc->next_due_dts += interval;
    if (enc->next_due_dts <= dts)
        enc->next_due_dts = dts + interval; /* a gap: do not burst to catch up */
    return true;
}

static void reader_au(vg_reader *reader, void *ctx, vg_au *au)
{
    live_encoder *enc = ctx;
    if (enc->video < 0 || au->track != (uint32_t)enc->video)
        return;
    if (enc->waiting_key && !(au->flags & VG_AU_KEY)) {
        enc->dropped++;
        return;
    }
    enc->waiting_key = false;
    if (enc->pending_count >= PENDING_MAX_AUS || enc->pending_bytes > PENDING_MAX_BYTES) {
        /* Decoding is slower than the camera: start again at the next key frame. */
        VG_LOG_WARN("still", "path=%s jpeg encoder too slow, discarding %zu frames", enc->path,
                    enc->pending_count);
        enc->dropped += enc->pending_count + 1;
        clear_pending(enc);
        enc->waiting_key = true;
        return;
    }
    if (enc->pending_count == enc->pending_cap) {
        size_t cap = enc->pending_cap ? enc->pending_cap * 2 : 16;
        pending_au *grown = reallocarray(enc->pending, cap, sizeof(*grown));
        if (!grown) {
            enc->dropped++;
            return;
        }
        enc->pending = grown;
        enc->pending_cap = cap;
    }
    enc->pending[enc->pending_count++] = (pending_au){vg_au_ref(au), due(enc, au->dts)};
    enc->pending_bytes += au->size;
    kick(enc);
}

static void reader_end(vg_reader *reader, void *ctx, int code, const char *reason)
{
    end_encoder(ctx, code, reason);
}

static const vg_reader_ops reader_ops = {
    .on_tracks = reader_tracks,
    .on_au = reader_au,
    .on_end = reader_end,
};

/* ---- the job ---- */

static void job_work(uv_work_t *w)
{
    live_encoder *enc = w->data;
    char err[128] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    if (enc->decoder && enc->decoder_track != enc->batch_track) {
        vg_still_decoder_destroy(enc->decoder);
        enc->decoder = NULL;
        vg_track_unref(&enc->decoder_track);
    }
    if (!enc->decoder) {
        enc->decoder = vg_still_decoder_create(enc->batch_track, err, sizeof(err));
        if (!enc->decoder) {
            enc->job_code = VG_EIO;
            snprintf(enc->job_error, sizeof(enc->job_error), "cannot decode: %s", err);
            return;
        }
        enc->decoder_track = vg_track_ref(enc->batch_track);
        enc->broken = false;
    }
    if (!enc->encoder && !(enc->encoder = vg_still_jpeg_create())) {
        enc->job_code = VG_ENOMEM;
        return;
    }
    /* Only the last due picture of the batch is encoded: earlier ones are already old. */
    size_t last_due = enc->batch_count;
    for (size_t i = 0; i < enc->batch_count; i++) {
        if (enc->batch[i].emit)
            last_due = i;
    }
    for (size_t i = 0; i < enc->batch_count; i++) {
        const vg_au *au = enc->batch[i].au;
        if (enc->broken) {
            if (!(au->flags & VG_AU_KEY))
                continue;
            vg_still_decoder_flush(enc->decoder);
            enc->broken = false;
        }
        if (vg_still_decoder_decode(enc->decoder, au) < 0) {
            enc->broken = true;
            continue;
        }
        if (i != last_due)
            continue;
        int64_t wallclock = 0;
        const struct AVFrame *picture = vg_still_decoder_picture(enc->decoder, &wallclock);
        if (!picture)
            continue;
        uint8_t *data = NULL;
        size_t size = 0;
        int rc = vg_still_jpeg_encode(enc->encoder, picture, enc->params.width, enc->params.quality,
                                      &data, &size);
        if (rc < 0) {
            enc->job_code = rc;
            snprintf(enc->job_error, sizeof(enc->job_error), "cannot encode: %s", vg_strerror(rc));
            return;
        }
        int out_w, out_h;
        vg_still_jpeg_output_size(picture, enc->params.width, &out_w, &out_h);
        enc->out = vg_jpeg_wrap(data, size, out_w, out_h, enc->params.quality, wallclock);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    enc->job_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static void job_after(uv_work_t *w, int status)
{
    live_encoder *enc = w->data;
    vg_still *still = enc->still;
    enc->job_running = false;
    for (size_t i = 0; i < enc->batch_count; i++)
        vg_au_unref(&enc->batch[i].au);
    free(enc->batch);
    enc->batch = NULL;
    vg_track_unref(&enc->batch_track);

    if (enc->job_code < 0 && !enc->dead)
        VG_LOG_WARN("still", "path=%s jpeg encoder: %s", enc->path, enc->job_error);
    vg_jpeg *out = enc->out;
    enc->out = NULL;
    if (out && !enc->dead && !enc->ended) {
        out->frame_number = ++enc->frame_number;
        enc->encode_ms_total += enc->job_ms;
        enc->emit_times[enc->emit_next++ % RATE_WINDOW] = vg_still_now_ms();
        enc->in_callbacks++;
        vg_still_viewer *next;
        for (vg_still_viewer *v = enc->viewers; v; v = next) {
            next = v->next; /* a viewer may leave from its callback */
            if (!v->ended)
                v->ops->on_frame(v, v->ctx, out);
        }
        enc->in_callbacks--;
    }
    vg_jpeg_unref(&out);
    if (enc->dead)
        encoder_free(enc);
    else if (enc->viewer_count == 0)
        release_if_unused(enc); /* everyone left during the frame */
    else
        kick(enc);
    vg_still_job_done(still);
}

static void kick(live_encoder *enc)
{
    if (enc->job_running || enc->pending_count == 0 || enc->ended || enc->dead)
        return;
    enc->batch = enc->pending;
    enc->batch_count = enc->pending_count;
    enc->pending = NULL;
    enc->pending_count = enc->pending_cap = enc->pending_bytes = 0;
    enc->batch_track = vg_track_ref(enc->track);
    enc->job_code = 0;
    enc->job_error[0] = '\0';
    enc->job_running = true;
    enc->work.data = enc;
    enc->still->jobs++;
    if (uv_queue_work(enc->still->loop, &enc->work, job_work, job_after) < 0) {
        enc->still->jobs--;
        enc->job_running = false;
        for (size_t i = 0; i < enc->batch_count; i++)
            vg_au_unref(&enc->batch[i].au);
        free(enc->batch);
        enc->batch = NULL;
        vg_track_unref(&enc->batch_track);
    }
}

/* ---- viewers ---- */

static bool same_params(const vg_still_live_params *a, const vg_still_live_params *b)
{
    return a->quality == b->quality && a->fps == b->fps && a->width == b->width;
}

int vg_still_live_join(vg_still *still, const char *path_name, const vg_still_live_params *params,
                       const vg_still_viewer_ops *ops, void *ctx, vg_still_viewer **out)
{
    if (still->stopped)
        return VG_ESTATE;
    if (params->quality < 1 || params->quality > 100 || params->fps < 1 || params->fps > 30 ||
        params->width < 0)
        return VG_EINVAL;
    vg_path *path = vg_media_find_path(still->media, path_name);
    if (!path)
        return VG_ENOENT;
    /* Each viewer counts for maxReaders; the encoder's reader is shared among them. */
    int rc = vg_path_viewer_add(path);
    if (rc < 0)
        return rc;
    vg_still_viewer *v = calloc(1, sizeof(*v));
    if (!v) {
        vg_path_viewer_remove(path);
        return VG_ENOMEM;
    }

    live_encoder *enc = still->encoders;
    while (enc &&
           (enc->ended || enc->dead || enc->path_obj != path || !same_params(&enc->params, params)))
        enc = enc->next;
    if (!enc && vg_still_encoder_count(still, path_name) >= MAX_ENCODERS_PER_PATH) {
        free(v);
        vg_path_viewer_remove(path);
        return VG_ERANGE;
    }
    if (!enc) {
        enc = calloc(1, sizeof(*enc));
        if (!enc) {
            free(v);
            vg_path_viewer_remove(path);
            return VG_ENOMEM;
        }
        enc->still = still;
        snprintf(enc->path, sizeof(enc->path), "%s", path_name);
        enc->path_obj = path;
        enc->params = *params;
        enc->video = -1;
        enc->waiting_key = true;
        enc->next = still->encoders;
        still->encoders = enc;
        char name[64];
        snprintf(name, sizeof(name), "jpeg q%d %dfps w%d", params->quality, params->fps,
                 params->width);
        vg_reader_options ropt = {.name = name, .shared = true};
        rc = vg_path_add_reader(path, &reader_ops, enc, &ropt, &enc->reader);
        if (rc < 0) {
            unlink_encoder(enc);
            encoder_free(enc);
            free(v);
            vg_path_viewer_remove(path);
            return rc;
        }
    }
    v->enc = enc;
    v->counted = true;
    v->ops = ops;
    v->ctx = ctx;
    v->next = enc->viewers;
    if (enc->viewers)
        enc->viewers->prev = &v->next;
    enc->viewers = v;
    v->prev = &enc->viewers;
    enc->viewer_count++;
    *out = v;
    return 0;
}

void vg_still_live_leave(vg_still_viewer *v)
{
    if (!v)
        return;
    live_encoder *enc = v->enc;
    *v->prev = v->next;
    if (v->next)
        v->next->prev = v->prev;
    enc->viewer_count--;
    if (v->counted)
        vg_path_viewer_remove(enc->path_obj);
    free(v);
    release_if_unused(enc);
}

void vg_still_live_stats_get(const vg_still_viewer *v, vg_still_live_stats *out)
{
    const live_encoder *enc = v->enc;
    uint64_t now = vg_still_now_ms();
    size_t recent = 0;
    for (size_t i = 0; i < RATE_WINDOW; i++) {
        if (enc->emit_times[i] && now - enc->emit_times[i] < 1000)
            recent++;
    }
    *out = (vg_still_live_stats){
        .fps = (double)recent,
        .frames_encoded = enc->frame_number,
        .dropped = enc->dropped,
        .avg_encode_ms = enc->frame_number ? enc->encode_ms_total / (double)enc->frame_number : 0,
        .viewers = enc->viewer_count,
    };
}

size_t vg_still_encoder_count(const vg_still *still, const char *path_name)
{
    size_t n = 0;
    for (const live_encoder *enc = still->encoders; enc; enc = enc->next)
        n += !enc->ended && !enc->dead && strcmp(enc->path, path_name) == 0;
    return n;
}

void vg_still_live_stop(vg_still *still)
{
    live_encoder *next;
    for (live_encoder *enc = still->encoders; enc; enc = next) {
        next = enc->next;
        end_encoder(enc, VG_ESTATE, "vigil is stopping");
    }
}
