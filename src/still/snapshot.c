/*
 * snapshot.c: the newest picture of a camera as a JPEG. See still.h.
 *
 * One entry per path asked for. A round answers the entry's waiting
 * requests:
 *   1. no live path, or the camera is down  ─▶ the last good JPEG (stale), or an error
 *   2. a temporary reader gets the tracks and the GOP cache at once; on an
 *      on-demand camera it starts the source and waits for a key frame
 *   3. the newest AU is the picture already encoded at these settings ─▶ cached
 *   4. else a job on the worker pool decodes the AUs the entry's decoder
 *      has not seen yet (from the key frame when the GOP is new), then
 *      scales and encodes once per distinct (width, quality) asked for
 * The decoder is kept between requests, so a request in the middle of a
 * GOP usually decodes only the few frames since the last one; it is freed
 * after IDLE_DECODER_MS without requests. The last good JPEG is kept for
 * STALE_KEEP_MS to answer while the camera is down.
 */
#include "still/still_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "still/decoder.h"
#include "still/jpeg.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS     4 /* distinct (width, quality) of one picture kept */
#define JOB_PARAMS      4 /* distinct (width, quality) encoded by one job */
#define IDLE_DECODER_MS 30000
#define STALE_KEEP_MS   (60 * 60 * 1000)
#define WAIT_MARGIN_MS  1000 /* past the start timeout, so the path's own error comes first */

struct vg_snapshot_request {
    snap_entry *entry;
    int width, quality;
    vg_snapshot_cb cb;
    void *ctx;
    uint64_t deadline_ms;
    bool in_job;
    vg_snapshot_request *next;
};

typedef struct job_param {
    int width, quality;
    vg_jpeg *jpeg; /* the result */
} job_param;

struct snap_entry {
    vg_still *still;
    char path[64];
    snap_entry *next;
    vg_snapshot_request *waiting; /* FIFO */
    uint64_t used_ms;

    /* the temporary reader and what it collected */
    vg_reader *reader;
    bool collecting; /* inside vg_path_add_reader: the GOP is being delivered */
    int video;       /* index of the video track, -1 */
    vg_track *track; /* that track (a reference) */
    vg_au **aus;     /* video AUs from the last key frame (references) */
    size_t au_count, au_cap;
    const char *end_reason; /* the path ended the reader */

    /* the worker's while job_running; the loop's otherwise */
    bool job_running;
    vg_still_decoder *decoder;
    vg_track *decoder_track;
    int64_t decoded_key_dts, decoded_last_dts;
    bool decoder_ok;
    vg_still_jpeg *encoder;
    uv_work_t work;
    vg_track *job_track;
    vg_au **job_aus;
    size_t job_au_count;
    job_param job_params[JOB_PARAMS];
    size_t job_param_count;
    int job_code;
    char job_error[160];
    int64_t job_wallclock;

    /* the newest picture decoded, and its JPEGs */
    bool has_picture;
    vg_track *picture_track; /* compared by identity: a new generation is a new track */
    int64_t picture_dts;
    job_param cache[CACHE_SLOTS]; /* the newest picture at these settings */
    size_t cache_next;            /* the slot replaced next */
    vg_jpeg *last_good;
};

static void round_run(snap_entry *e);

/* ---- entries ---- */

static snap_entry *entry_get(vg_still *still, const char *path)
{
    for (snap_entry *e = still->entries; e; e = e->next) {
        if (strcmp(e->path, path) == 0)
            return e;
    }
    snap_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->still = still;
    snprintf(e->path, sizeof(e->path), "%s", path);
    e->video = -1;
    e->next = still->entries;
    still->entries = e;
    return e;
}

static void clear_aus(snap_entry *e)
{
    for (size_t i = 0; i < e->au_count; i++)
        vg_au_unref(&e->aus[i]);
    e->au_count = 0;
}

static void clear_cache(snap_entry *e)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        vg_jpeg_unref(&e->cache[i].jpeg);
}

static void detach_reader(snap_entry *e)
{
    if (e->reader) {
        vg_reader *r = e->reader;
        e->reader = NULL;
        vg_reader_remove(r);
    }
    clear_aus(e);
    vg_track_unref(&e->track);
    e->video = -1;
}

/* The decoder and encoder: only when no job holds them. */
static void free_codec(snap_entry *e)
{
    vg_still_decoder_destroy(e->decoder);
    e->decoder = NULL;
    vg_still_jpeg_destroy(e->encoder);
    e->encoder = NULL;
    vg_track_unref(&e->decoder_track);
    e->decoder_ok = false;
    e->has_picture = false;
    vg_track_unref(&e->picture_track);
    clear_cache(e);
}

static void entry_free(snap_entry *e)
{
    detach_reader(e);
    free_codec(e);
    vg_jpeg_unref(&e->last_good);
    free(e->aus);
    free(e);
}

/* ---- answers ---- */

static void unlink_request(snap_entry *e, vg_snapshot_request *req)
{
    for (vg_snapshot_request **p = &e->waiting; *p; p = &(*p)->next) {
        if (*p == req) {
            *p = req->next;
            return;
        }
    }
}

static void answer(vg_snapshot_request *req, const vg_snapshot_result *res)
{
    unlink_request(req->entry, req);
    if (req->cb) /* NULL: cancelled while its job ran */
        req->cb(req->ctx, res);
    free(req);
}

static void answer_jpeg(vg_snapshot_request *req, vg_jpeg *jpeg, vg_snapshot_source source)
{
    vg_snapshot_result res = {.jpeg = jpeg, .source = source};
    answer(req, &res);
}

/* The camera cannot give a picture now: the last good one if there is one, else the error. */
static void answer_error(vg_snapshot_request *req, int code, const char *message)
{
    snap_entry *e = req->entry;
    if (e->last_good && code != VG_ESTATE) {
        answer_jpeg(req, e->last_good, VG_SNAPSHOT_STALE);
        return;
    }
    vg_snapshot_result res = {.code = code, .message = message};
    answer(req, &res);
}

static void fail_waiting(snap_entry *e, int code, const char *message)
{
    vg_snapshot_request *next;
    for (vg_snapshot_request *req = e->waiting; req; req = next) {
        next = req->next;
        if (!req->in_job)
            answer_error(req, code, message);
    }
}

/* ---- the temporary reader ---- */

static void reader_tracks(vg_reader *reader, void *ctx, vg_track *const *tracks, size_t count)
{
    snap_entry *e = ctx;
    clear_aus(e);
    vg_track_unref(&e->track);
    e->video = vg_still_video_track(tracks, count);
    if (e->video >= 0)
        e->track = vg_track_ref(tracks[e->video]);
}

static void reader_au(vg_reader *reader, void *ctx, vg_au *au)
{
    snap_entry *e = ctx;
    if (e->video < 0 || au->track != (uint32_t)e->video)
        return;
    if (au->flags & VG_AU_KEY)
        clear_aus(e);
    else if (e->au_count == 0)
        return; /* decoding starts at a key frame */
    if (e->au_count == e->au_cap) {
        size_t cap = e->au_cap ? e->au_cap * 2 : 64;
        vg_au **grown = reallocarray(e->aus, cap, sizeof(*grown));
        if (!grown) {
            clear_aus(e);
            return;
        }
        e->aus = grown;
        e->au_cap = cap;
    }
    e->aus[e->au_count++] = vg_au_ref(au);
    /* A key frame that was waited for: answer now (not during the GOP's delivery). */
    if (!e->collecting && !e->job_running && e->waiting)
        round_run(e);
}

static void reader_end(vg_reader *reader, void *ctx, int code, const char *reason)
{
    snap_entry *e = ctx;
    e->end_reason = reason;
    detach_reader(e);
    fail_waiting(e, code == VG_ESTATE ? VG_EIO : code, reason);
}

static const vg_reader_ops reader_ops = {
    .on_tracks = reader_tracks,
    .on_au = reader_au,
    .on_end = reader_end,
};

/* ---- the job ---- */

static void job_fail(snap_entry *e, int code, const char *message, const char *detail)
{
    e->job_code = code;
    snprintf(e->job_error, sizeof(e->job_error), "%s%s%s", message, detail ? ": " : "",
             detail ? detail : "");
}

/* On a worker: bring the decoder to the newest AU, then encode each asked setting. */
static void job_work(uv_work_t *w)
{
    snap_entry *e = w->data;
    char err[128] = "";

    if (e->decoder && e->decoder_track != e->job_track) {
        vg_still_decoder_destroy(e->decoder);
        e->decoder = NULL;
    }
    if (!e->decoder) {
        e->decoder = vg_still_decoder_create(e->job_track, err, sizeof(err));
        e->decoder_ok = false;
        vg_track_unref(&e->decoder_track);
        if (!e->decoder) {
            job_fail(e, VG_EIO, "cannot decode the camera's video", err);
            return;
        }
        e->decoder_track = vg_track_ref(e->job_track);
    }
    if (!e->encoder && !(e->encoder = vg_still_jpeg_create())) {
        job_fail(e, VG_ENOMEM, "out of memory", NULL);
        return;
    }

    /* Go on from the last decoded AU when the decoder is in this same GOP. */
    size_t start = 0;
    if (e->decoder_ok && e->decoded_key_dts == e->job_aus[0]->dts) {
        for (size_t i = 0; i < e->job_au_count; i++) {
            if (e->job_aus[i]->dts == e->decoded_last_dts) {
                start = i + 1;
                break;
            }
        }
    }
    if (start == 0 && e->decoder_ok)
        vg_still_decoder_flush(e->decoder);
    e->decoder_ok = false;
    for (size_t i = start; i < e->job_au_count; i++) {
        if (vg_still_decoder_decode(e->decoder, e->job_aus[i]) < 0) {
            vg_still_decoder_flush(e->decoder);
            job_fail(e, VG_EIO, "the camera's video does not decode", NULL);
            return;
        }
    }
    e->decoder_ok = true;
    e->decoded_key_dts = e->job_aus[0]->dts;
    e->decoded_last_dts = e->job_aus[e->job_au_count - 1]->dts;

    int64_t wallclock = 0;
    const struct AVFrame *picture = vg_still_decoder_picture(e->decoder, &wallclock);
    if (!picture) {
        job_fail(e, VG_EIO, "no picture decoded yet", NULL);
        return;
    }
    e->job_wallclock = wallclock;
    for (size_t i = 0; i < e->job_param_count; i++) {
        job_param *p = &e->job_params[i];
        uint8_t *data = NULL;
        size_t size = 0;
        int rc = vg_still_jpeg_encode(e->encoder, picture, p->width, p->quality, &data, &size);
        if (rc < 0) {
            job_fail(e, rc, "cannot encode the JPEG", vg_strerror(rc));
            return;
        }
        int out_w, out_h;
        vg_still_jpeg_output_size(picture, p->width, &out_w, &out_h);
        p->jpeg = vg_jpeg_wrap(data, size, out_w, out_h, p->quality, wallclock);
        if (!p->jpeg) {
            job_fail(e, VG_ENOMEM, "out of memory", NULL);
            return;
        }
    }
}

static vg_jpeg *cached(const snap_entry *e, int width, int quality)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const job_param *c = &e->cache[i];
        if (c->jpeg && c->width == width && c->quality == quality)
            return c->jpeg;
    }
    return NULL;
}

static void cache_put(snap_entry *e, job_param *p)
{
    job_param *slot = &e->cache[e->cache_next];
    e->cache_next = (e->cache_next + 1) % CACHE_SLOTS;
    vg_jpeg_unref(&slot->jpeg);
    *slot = *p;
    p->jpeg = NULL; /* moved */
}

/* Back on the loop: keep the picture, answer who asked for it, then the next round. */
static void job_after(uv_work_t *w, int status)
{
    snap_entry *e = w->data;
    vg_still *still = e->still;
    e->job_running = false;

    if (e->job_code == 0) {
        vg_au *newest = e->job_aus[e->job_au_count - 1];
        if (!e->has_picture || e->picture_track != e->job_track || e->picture_dts != newest->dts)
            clear_cache(e); /* a new picture: the old JPEGs are of the one before */
        e->has_picture = true;
        vg_track_unref(&e->picture_track);
        e->picture_track = vg_track_ref(e->job_track);
        e->picture_dts = newest->dts;
        for (size_t i = 0; i < e->job_param_count; i++) {
            vg_jpeg_unref(&e->last_good);
            e->last_good = vg_jpeg_ref(e->job_params[i].jpeg);
            cache_put(e, &e->job_params[i]);
        }
    } else {
        e->has_picture = false;
        clear_cache(e);
        for (size_t i = 0; i < e->job_param_count; i++)
            vg_jpeg_unref(&e->job_params[i].jpeg); /* settings encoded before the failure */
        VG_LOG_WARN("still", "path=%s snapshot failed: %s", e->path, e->job_error);
    }
    for (size_t i = 0; i < e->job_au_count; i++)
        vg_au_unref(&e->job_aus[i]);
    free(e->job_aus);
    e->job_aus = NULL;
    vg_track_unref(&e->job_track);

    /* Answer the requests of this job; the others (and new ones) go on in the next round. */
    vg_snapshot_request *next;
    for (vg_snapshot_request *req = e->waiting; req; req = next) {
        next = req->next;
        if (!req->in_job)
            continue;
        req->in_job = false;
        vg_jpeg *jpeg = e->job_code == 0 ? cached(e, req->width, req->quality) : NULL;
        if (jpeg)
            answer_jpeg(req, jpeg, VG_SNAPSHOT_DECODED);
        else if (e->job_code < 0)
            answer_error(req, e->job_code, e->job_error);
    }
    if (still->stopped) {
        fail_waiting(e, VG_ESTATE, "vigil is stopping");
        detach_reader(e);
    } else {
        round_run(e);
    }
    vg_still_job_done(still); /* may free the manager: last */
}

/* Starts a job for the waiting requests: the AUs collected, their distinct settings. */
static void job_start(snap_entry *e)
{
    vg_still *still = e->still;
    e->job_aus = calloc(e->au_count, sizeof(*e->job_aus));
    if (!e->job_aus) {
        fail_waiting(e, VG_ENOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < e->au_count; i++)
        e->job_aus[i] = vg_au_ref(e->aus[i]);
    e->job_au_count = e->au_count;
    e->job_track = vg_track_ref(e->track);
    e->job_param_count = 0;
    e->job_code = 0;
    e->job_error[0] = '\0';
    for (vg_snapshot_request *req = e->waiting; req; req = req->next) {
        size_t i = 0;
        while (i < e->job_param_count &&
               (e->job_params[i].width != req->width || e->job_params[i].quality != req->quality))
            i++;
        if (i == e->job_param_count) {
            if (i == JOB_PARAMS)
                continue; /* more settings than a job makes: the next round */
            e->job_params[i] = (job_param){.width = req->width, .quality = req->quality};
            e->job_param_count++;
        }
        req->in_job = true;
    }
    e->job_running = true;
    e->work.data = e;
    still->jobs++;
    int rc = uv_queue_work(still->loop, &e->work, job_work, job_after);
    if (rc < 0) {
        /* Never expected (libuv fails only on a NULL callback); keep the state consistent. */
        still->jobs--;
        e->job_running = false;
        for (vg_snapshot_request *req = e->waiting; req; req = req->next)
            req->in_job = false;
        fail_waiting(e, VG_EIO, "cannot start the snapshot job");
    }
}

/* ---- rounds ---- */

/* The settings as the cache knows them: a width of the camera's or more is the camera's (0). */
static int effective_width(const snap_entry *e, int width)
{
    if (e->track && e->track->width > 0 && width >= e->track->width)
        return 0;
    return width;
}

static void round_run(snap_entry *e)
{
    vg_still *still = e->still;
    if (e->job_running)
        return; /* job_after runs the next round */
    if (!e->waiting) {
        detach_reader(e); /* nobody waits: do not hold an on-demand camera up */
        return;
    }
    vg_media_info info;
    if (vg_media_info_by_path(still->media, e->path, &info) < 0) {
        detach_reader(e);
        fail_waiting(e, VG_ENOENT, "the camera is not streaming");
        return;
    }
    if (info.status == VG_STREAM_ERROR && !e->au_count) {
        /* Down (retrying): say why now rather than wait out the retry. */
        static char reason[200];
        snprintf(reason, sizeof(reason), "the camera is not reachable: %s", info.last_error);
        detach_reader(e);
        fail_waiting(e, VG_EIO, reason);
        return;
    }
    if (!e->reader) {
        vg_reader_options ropt = {.name = "snapshot", .shared = true};
        e->collecting = true;
        e->end_reason = NULL;
        int rc = vg_path_add_reader(info.path, &reader_ops, e, &ropt, &e->reader);
        e->collecting = false;
        if (rc < 0) {
            e->reader = NULL;
            fail_waiting(e, rc, "cannot read the camera's stream");
            return;
        }
        if (!e->reader)
            return; /* ended during its own delivery: reader_end answered */
    }
    size_t track_count = 0;
    vg_path_tracks(info.path, &track_count);
    if (e->video < 0 && track_count > 0) {
        detach_reader(e);
        fail_waiting(e, VG_EIO, "the camera sends no H.264 or H.265 video");
        return;
    }
    if (!e->au_count)
        return; /* waiting for a key frame: reader_au runs the round, the tick ends the wait */

    /* Settings already encoded for the newest picture are answered from the cache. */
    vg_au *newest = e->aus[e->au_count - 1];
    bool same_picture =
        e->has_picture && e->picture_track == e->track && e->picture_dts == newest->dts;
    vg_snapshot_request *next;
    for (vg_snapshot_request *req = e->waiting; req; req = next) {
        next = req->next;
        req->width = effective_width(e, req->width);
        vg_jpeg *jpeg = same_picture ? cached(e, req->width, req->quality) : NULL;
        if (jpeg)
            answer_jpeg(req, jpeg, VG_SNAPSHOT_CACHED);
    }
    if (e->waiting)
        job_start(e);
    /* The job holds its own references: the reader is not needed until the next round. */
    detach_reader(e);
}

/* ---- the API ---- */

vg_snapshot_request *vg_still_snapshot(vg_still *still, const char *path_name, int width,
                                       int quality, vg_snapshot_cb cb, void *ctx)
{
    vg_snapshot_result res = {0};
    if (still->stopped) {
        res = (vg_snapshot_result){.code = VG_ESTATE, .message = "vigil is stopping"};
        cb(ctx, &res);
        return NULL;
    }
    snap_entry *e = entry_get(still, path_name);
    vg_snapshot_request *req = e ? calloc(1, sizeof(*req)) : NULL;
    if (!req) {
        res = (vg_snapshot_result){.code = VG_ENOMEM, .message = "out of memory"};
        cb(ctx, &res);
        return NULL;
    }
    *req = (vg_snapshot_request){
        .entry = e,
        .width = width,
        .quality = quality,
        .cb = cb,
        .ctx = ctx,
        .deadline_ms = vg_still_now_ms() + (uint64_t)still->opt.start_timeout_ms + WAIT_MARGIN_MS,
    };
    vg_snapshot_request **tail = &e->waiting;
    while (*tail)
        tail = &(*tail)->next;
    *tail = req;
    e->used_ms = vg_still_now_ms();

    /* A round answers at once when it can; then the request is gone. */
    round_run(e);
    for (vg_snapshot_request *r = e->waiting; r; r = r->next) {
        if (r == req)
            return req;
    }
    return NULL;
}

void vg_still_snapshot_cancel(vg_snapshot_request *req)
{
    if (!req)
        return;
    snap_entry *e = req->entry;
    if (req->in_job) {
        /* The job finishes anyway; it just has nobody to answer. */
        req->cb = NULL;
        return;
    }
    unlink_request(e, req);
    free(req);
    if (!e->waiting && !e->job_running)
        detach_reader(e);
}

void vg_still_snapshot_tick(vg_still *still, uint64_t now_ms)
{
    snap_entry **p = &still->entries;
    while (*p) {
        snap_entry *e = *p;
        vg_snapshot_request *next;
        for (vg_snapshot_request *req = e->waiting; req; req = next) {
            next = req->next;
            if (!req->in_job && now_ms >= req->deadline_ms)
                answer_error(req, VG_ETIMEDOUT, "no picture from the camera in time");
        }
        if (!e->waiting && e->reader && !e->job_running)
            detach_reader(e);
        bool idle = !e->waiting && !e->job_running && !e->reader;
        if (idle && e->decoder && now_ms - e->used_ms > IDLE_DECODER_MS)
            free_codec(e); /* the last good JPEG stays, for a camera that goes down */
        if (idle && now_ms - e->used_ms > STALE_KEEP_MS) {
            *p = e->next;
            entry_free(e);
            continue;
        }
        p = &e->next;
    }
}

void vg_still_snapshot_stop(vg_still *still)
{
    for (snap_entry *e = still->entries; e; e = e->next) {
        fail_waiting(e, VG_ESTATE, "vigil is stopping");
        if (!e->job_running)
            detach_reader(e);
    }
}

void vg_still_snapshot_free_all(vg_still *still)
{
    while (still->entries) {
        snap_entry *e = still->entries;
        still->entries = e->next;
        entry_free(e);
    }
}
