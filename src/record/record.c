/*
 * record.c: which cameras are recorded, their recorders, and the index
 * (record.h). Recovery of crashed files is recovery.c.
 */
#include "record/record.h"

#include "core/error.h"
#include "core/log.h"
#include "domain/camera.h"
#include "record/recorder.h"
#include "record/recovery.h"
#include "record/notify.h"
#include "record/retention.h"
#include "record/storage.h"

#include "http/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TICK_MS      1000
#define NOTICE_BATCH 1000 /* segments announced per camera and pass */

typedef struct rec_camera {
    vg_record *owner;
    int64_t id;
    bool enabled;
    vg_recorder *recorder;
    bool limit_logged;
    bool notice_in_flight; /* a webhook for its expiring spans is being delivered */
    int64_t last_end_ms;   /* where its last indexed file ends: the next one starts after */
    uint64_t segments, bytes_written;
    char last_error[256];
    struct rec_camera *next;
} rec_camera;

struct vg_record {
    uv_loop_t *loop;
    vg_media *media;
    vg_store *store;
    vg_record_options opt;
    char *dir;
    uv_timer_t tick;
    rec_camera *cameras;
    vg_recovery *recovery;
    vg_retention *retention;
    bool retention_running; /* until its stop's callback */
    vg_notifier *notifier;  /* NULL: no webhook */
    vg_storage *storage;
    int64_t expiry_notice_ms;
    uv_timer_t notice_timer;
    bool disk_full; /* only permanent recordings left on a full disk: nothing is recorded */
    char disk_full_why[128];
    bool stopping;
    void (*done)(void *ctx);
    void *done_ctx;
};

static rec_camera *find_camera(const vg_record *rec, int64_t id)
{
    for (rec_camera *c = rec->cameras; c; c = c->next) {
        if (c->id == id)
            return c;
    }
    return NULL;
}

static rec_camera *get_camera(vg_record *rec, int64_t id)
{
    rec_camera *c = find_camera(rec, id);
    if (c)
        return c;
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->owner = rec;
    c->id = id;
    c->next = rec->cameras;
    rec->cameras = c;
    return c;
}

/* ---- recorder callbacks ---- */

static void on_segment(void *ctx, const vg_recorder_segment *seg)
{
    rec_camera *c = ctx;
    vg_record *rec = c->owner;
    c->segments++;
    c->bytes_written += (uint64_t)seg->bytes;
    if (seg->start_ms + seg->duration_ms > c->last_end_ms)
        c->last_end_ms = seg->start_ms + seg->duration_ms;
    vg_recording row = {.camera_id = seg->camera_id,
                        .start_ms = seg->start_ms,
                        .end_ms = seg->start_ms + seg->duration_ms,
                        .duration_ms = seg->duration_ms,
                        .bytes = seg->bytes,
                        .path = (char *)seg->path};
    int rc = vg_store_recording_insert(rec->store, &row);
    if (rc < 0)
        VG_LOG_ERROR("record", "camera=%lld cannot index %s: %s", (long long)c->id, seg->path,
                     vg_strerror(rc));
}

static void on_error(void *ctx, const char *message)
{
    rec_camera *c = ctx;
    snprintf(c->last_error, sizeof(c->last_error), "%s", message);
}

static void check_stopped(vg_record *rec)
{
    if (!rec->stopping || !rec->done)
        return;
    for (rec_camera *c = rec->cameras; c; c = c->next) {
        if (c->recorder)
            return;
    }
    if (rec->recovery && !vg_recovery_finished(rec->recovery))
        return;
    if (rec->retention_running)
        return;
    void (*done)(void *) = rec->done;
    rec->done = NULL;
    done(rec->done_ctx);
}

static void on_closed(void *ctx)
{
    rec_camera *c = ctx;
    c->recorder = NULL;
    check_stopped(c->owner);
}

/* ---- attaching recorders ---- */

static void attach(vg_record *rec, rec_camera *c)
{
    char name[32];
    vg_camera_path_name(c->id, name, sizeof(name));
    vg_path *path = vg_media_find_path(rec->media, name);
    if (!path)
        return; /* not streaming: the next tick looks again */
    if (rec->disk_full) {
        snprintf(c->last_error, sizeof(c->last_error), "recording stopped: %s", rec->disk_full_why);
        return;
    }
    vg_recorder_options ropt = {.dir = rec->dir,
                                .camera_id = c->id,
                                .segment_duration_ms = rec->opt.segment_duration_ms,
                                .part_duration_ms = rec->opt.part_duration_ms,
                                .sync = true,
                                .storage = rec->storage,
                                .not_before_ms = c->last_end_ms,
                                .on_segment = on_segment,
                                .on_error = on_error,
                                .on_closed = on_closed,
                                .ctx = c};
    int rc = vg_recorder_create(rec->loop, path, &ropt, &c->recorder);
    if (rc < 0) {
        c->recorder = NULL;
        snprintf(c->last_error, sizeof(c->last_error), "cannot record: %s",
                 rc == VG_ELIMIT ? "the camera has as many readers as maxReaders allows"
                                 : vg_strerror(rc));
        if (!c->limit_logged)
            VG_LOG_WARN("record", "camera=%lld %s", (long long)c->id, c->last_error);
        c->limit_logged = true;
        return;
    }
    c->limit_logged = false;
    VG_LOG_INFO("record", "camera=%lld recording path=%s dir=%s", (long long)c->id, name, rec->dir);
}

static void on_tick(uv_timer_t *t)
{
    vg_record *rec = t->data;
    for (rec_camera *c = rec->cameras; c; c = c->next) {
        if (c->enabled && !c->recorder)
            attach(rec, c);
    }
}

int vg_record_set(vg_record *rec, int64_t camera_id, bool on)
{
    rec_camera *c = on ? get_camera(rec, camera_id) : find_camera(rec, camera_id);
    if (!c)
        return on ? VG_ENOMEM : 0;
    c->enabled = on;
    if (on && !c->recorder && !rec->stopping)
        attach(rec, c);
    if (!on && c->recorder)
        vg_recorder_close(c->recorder); /* on_closed clears it */
    return 0;
}

void vg_record_status_get(const vg_record *rec, int64_t camera_id, vg_record_status *out)
{
    memset(out, 0, sizeof(*out));
    const rec_camera *c = find_camera(rec, camera_id);
    if (!c)
        return;
    out->enabled = c->enabled;
    out->active = c->recorder != NULL;
    if (c->recorder) {
        vg_recorder_stats st;
        vg_recorder_stats_get(c->recorder, &st);
        out->writing = st.writing;
    }
    out->segments = c->segments;
    out->bytes_written = c->bytes_written;
    snprintf(out->last_error, sizeof(out->last_error), "%s", c->last_error);
}

const char *vg_record_dir(const vg_record *rec)
{
    return rec->dir;
}

vg_storage *vg_record_storage(const vg_record *rec)
{
    return rec->storage;
}

int64_t vg_record_retention_of(const vg_record *rec, const vg_camera *cam)
{
    return vg_retention_of(rec->retention, cam->retention_days, cam->plan);
}

int64_t vg_record_now_ms(const vg_record *rec)
{
    return vg_retention_now_ms(rec->retention);
}

int64_t vg_record_expiry_notice_ms(const vg_record *rec)
{
    return rec->expiry_notice_ms;
}

/* ---- expiry notices (seed 001: a notice one day before deletion) ---- */

typedef struct notice {
    vg_record *rec;
    int64_t camera_id;
    int64_t *ids;
    size_t count;
} notice;

static void notice_done(void *ctx, bool ok)
{
    notice *nt = ctx;
    vg_record *rec = nt->rec;
    rec_camera *c = find_camera(rec, nt->camera_id);
    if (c)
        c->notice_in_flight = false;
    /* Announced: never again for these segments. Not delivered: the next pass tries again. */
    if (ok && !rec->stopping) {
        bool tx = vg_store_begin(rec->store) == 0;
        for (size_t i = 0; i < nt->count; i++)
            vg_store_recording_mark_notified(rec->store, nt->ids[i]);
        if (tx && vg_store_commit(rec->store) < 0)
            vg_store_rollback(rec->store);
        VG_LOG_INFO("record", "expiry notice delivered camera=%lld segments=%zu",
                    (long long)nt->camera_id, nt->count);
    }
    free(nt->ids);
    free(nt);
}

/* Appends to a growing text buffer; false when out of memory. */
static bool append(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        while (c < *len + n + 1)
            c *= 2;
        char *grown = realloc(*buf, c);
        if (!grown)
            return false;
        *buf = grown;
        *cap = c;
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
    return true;
}

/* One camera: its segments that expire within the notice window and were not announced. */
static void notice_camera(vg_record *rec, const vg_camera *cam)
{
    rec_camera *c = get_camera(rec, cam->id);
    if (!c || c->notice_in_flight)
        return;
    int64_t now = vg_retention_now_ms(rec->retention);
    int64_t keep = vg_retention_of(rec->retention, cam->retention_days, cam->plan);
    vg_recording *segs = NULL;
    size_t n = 0;
    if (vg_store_recording_expiring(rec->store, cam->id, now + rec->expiry_notice_ms - keep, true,
                                    NOTICE_BATCH, &segs, &n) < 0 ||
        n == 0)
        return;
    notice *nt = calloc(1, sizeof(*nt));
    int64_t *ids = calloc(n, sizeof(*ids));
    char *body = NULL;
    size_t len = 0, cap = 0;
    char part[256], a[VG_TIME_SIZE], b[VG_TIME_SIZE], d[VG_TIME_SIZE];
    vg_format_time(now, a);
    snprintf(part, sizeof(part),
             "{\"event\":\"recordings.expiring\",\"camera_id\":%lld,\"sent_at\":\"%s\","
             "\"spans\":[",
             (long long)cam->id, a);
    bool ok = nt && ids && append(&body, &len, &cap, part);
    /* Adjacent segments make one span, as in the timeline. */
    size_t first = 0, spans = 0;
    for (size_t i = 0; ok && i < n; i++) {
        ids[i] = segs[i].id;
        bool last = i + 1 == n || segs[i + 1].start_ms > segs[i].end_ms + 1500;
        if (!last)
            continue;
        int64_t bytes = 0;
        for (size_t k = first; k <= i; k++)
            bytes += segs[k].bytes;
        vg_format_time(segs[first].start_ms, a);
        vg_format_time(segs[i].end_ms, b);
        vg_format_time(segs[i].end_ms + keep, d);
        snprintf(part, sizeof(part),
                 "%s{\"start\":\"%s\",\"end\":\"%s\",\"deletes_at\":\"%s\",\"segments\":%zu,"
                 "\"bytes\":%lld}",
                 spans ? "," : "", a, b, d, i - first + 1, (long long)bytes);
        ok = append(&body, &len, &cap, part);
        spans++;
        first = i + 1;
    }
    ok = ok && append(&body, &len, &cap, "]}");
    vg_recording_array_free(segs, n);
    if (!ok) {
        free(body);
        free(ids);
        free(nt);
        return;
    }
    *nt = (notice){.rec = rec, .camera_id = cam->id, .ids = ids, .count = n};
    c->notice_in_flight = true;
    if (vg_notifier_post(rec->notifier, "recordings.expiring", body, notice_done, nt) < 0) {
        c->notice_in_flight = false;
        free(ids);
        free(nt);
    }
    free(body);
}

static void on_notice_timer(uv_timer_t *t)
{
    vg_record *rec = t->data;
    if (!rec->notifier || rec->stopping)
        return;
    vg_camera *cams = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (vg_store_camera_list(rec->store, 100000, 0, &cams, &n, &total) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        notice_camera(rec, &cams[i]);
    vg_camera_array_free(cams, n);
}

/* ---- lifetime ---- */

static void on_recovery_done(void *ctx)
{
    vg_record *rec = ctx;
    /*
     * Retention's first run waits for recovery: a file whose row retention
     * has just deleted, and which it is about to unlink, would otherwise be
     * "unindexed" to recovery and indexed again, leaving a row without a file.
     */
    if (!rec->stopping)
        vg_retention_run(rec->retention);
    check_stopped(rec);
}

/* Retention found the disk full of permanent recordings (or room again). */
static void on_disk_full(void *ctx, bool full, const char *why)
{
    vg_record *rec = ctx;
    rec->disk_full = full;
    snprintf(rec->disk_full_why, sizeof(rec->disk_full_why), "%s", why ? why : "");
    for (rec_camera *c = rec->cameras; c; c = c->next) {
        if (full) {
            snprintf(c->last_error, sizeof(c->last_error), "recording stopped: %s", why);
            if (c->recorder)
                vg_recorder_close(c->recorder);
        } else {
            c->last_error[0] = '\0';
        }
    }
}

static void on_retention_stopped(void *ctx)
{
    vg_record *rec = ctx;
    rec->retention_running = false;
    check_stopped(rec);
}

vg_record *vg_record_create(uv_loop_t *loop, vg_media *media, vg_store *store,
                            const vg_record_options *opt, char *err, size_t err_cap)
{
    if (opt->segment_duration_ms > VG_RECORDING_MAX_DURATION_MS / 2) {
        /* The index refuses a segment over a day (store.h): keep well under it. */
        snprintf(err, err_cap, "recordSegmentDuration is at most 12h");
        return NULL;
    }
    vg_record *rec = calloc(1, sizeof(*rec));
    if (!rec || !(rec->dir = strdup(opt->dir))) {
        free(rec);
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    rec->loop = loop;
    rec->media = media;
    rec->store = store;
    rec->opt = *opt;
    rec->opt.dir = rec->dir;
    if (mkdir(rec->dir, 0755) < 0 && errno != EEXIST)
        VG_LOG_WARN("record", "cannot create the recordings directory %s: %s", rec->dir,
                    strerror(errno));

    vg_camera *cams = NULL;
    size_t n = 0;
    if (vg_store_camera_list_recorded(store, &cams, &n) < 0) {
        free(rec->dir);
        free(rec);
        snprintf(err, err_cap, "cannot read the cameras to record");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        rec_camera *c = get_camera(rec, cams[i].id);
        if (c)
            c->enabled = true;
    }
    vg_camera_array_free(cams, n);

    if (!(rec->storage = vg_storage_local_create(rec->dir))) {
        snprintf(err, err_cap, "out of memory");
        goto fail;
    }
    vg_retention_options ropt = {.dir = rec->dir,
                                 .storage = rec->storage,
                                 .delete_after_ms = opt->delete_after_ms,
                                 .plans = opt->plans,
                                 .max_bytes_per_camera = opt->max_bytes_per_camera,
                                 .min_free_bytes = opt->min_free_bytes,
                                 .interval_ms = opt->cleanup_interval_ms,
                                 .clock_offset_ms = opt->clock_offset_ms,
                                 .first_run_later = true, /* after recovery */
                                 .on_disk_full = on_disk_full,
                                 .ctx = rec};
    if (!(rec->retention = vg_retention_create(loop, store, &ropt, err, err_cap)))
        goto fail;
    rec->retention_running = true;
    rec->expiry_notice_ms = opt->expiry_notice_ms > 0 ? opt->expiry_notice_ms : 24 * 3600 * 1000;
    if (opt->webhook_url && opt->webhook_url[0]) {
        rec->notifier = vg_notifier_create(loop, opt->webhook_url, opt->webhook_secret);
        if (!rec->notifier)
            VG_LOG_ERROR("record", "cannot start the webhook notifier: expiry notices are off");
    }
    /* Expiry notices: with retention's rhythm, first shortly after start. */
    uv_timer_init(loop, &rec->notice_timer);
    rec->notice_timer.data = rec;
    uv_timer_start(
        &rec->notice_timer, on_notice_timer, 500,
        (uint64_t)(opt->cleanup_interval_ms > 0 ? opt->cleanup_interval_ms : 10 * 60 * 1000));

    uv_timer_init(loop, &rec->tick);
    rec->tick.data = rec;
    uv_timer_start(&rec->tick, on_tick, TICK_MS, TICK_MS);
    rec->recovery = vg_recovery_start(loop, store, rec->dir, on_recovery_done, rec);
    if (!rec->recovery)
        vg_retention_run(rec->retention); /* nothing to wait for */
    return rec;

fail:
    while (rec->cameras) {
        rec_camera *c = rec->cameras;
        rec->cameras = c->next;
        free(c);
    }
    vg_storage_destroy(rec->storage);
    free(rec->dir);
    free(rec);
    return NULL;
}

void vg_record_stop(vg_record *rec, void (*done)(void *ctx), void *ctx)
{
    if (rec->stopping)
        return;
    rec->stopping = true;
    rec->done = done;
    rec->done_ctx = ctx;
    uv_timer_stop(&rec->tick);
    uv_close((uv_handle_t *)&rec->tick, NULL);
    uv_timer_stop(&rec->notice_timer);
    uv_close((uv_handle_t *)&rec->notice_timer, NULL);
    vg_notifier_stop(rec->notifier);
    vg_recovery_cancel(rec->recovery);
    vg_retention_stop(rec->retention, on_retention_stopped, rec);
    rec_camera *next;
    for (rec_camera *c = rec->cameras; c; c = next) {
        next = c->next; /* a close may finish at once and call on_closed */
        if (c->recorder)
            vg_recorder_close(c->recorder);
    }
    check_stopped(rec);
}

void vg_record_destroy(vg_record *rec)
{
    if (!rec)
        return;
    while (rec->cameras) {
        rec_camera *c = rec->cameras;
        rec->cameras = c->next;
        free(c);
    }
    vg_recovery_destroy(rec->recovery);
    vg_retention_destroy(rec->retention);
    vg_notifier_destroy(rec->notifier);
    vg_storage_destroy(rec->storage);
    free(rec->dir);
    free(rec);
}
