/*
 * recorder.c: a camera's AUs into fMP4 segment files (recorder.h).
 *
 * DESIGN. As in the HLS muxer (hls/muxer.c), a sample waits one AU in
 * `pending_*`: its duration is the distance to the next AU of its track.
 * When video AU N arrives, pending P joins the fragment being filled; then
 * N.dts is where the fragment may end (it is recordPartDuration long) and,
 * on a key frame, the segment (it is recordSegmentDuration long). Each file
 * is whole by itself: its decode times (tfdt) count from its first key
 * frame, so any player shows it from 0; where it sits in time is its name
 * and its index row (the wall clock of that key frame), and an outage is a
 * real gap between two files.
 *
 * I/O: every file operation is an op in a FIFO; one job at a time takes
 * the whole FIFO to the worker pool and runs it in order (open, write,
 * fdatasync, close), so a file's bytes land in order and the loop never
 * waits for the disk.
 */
#include "record/recorder.h"

#include "core/error.h"
#include "core/log.h"
#include "format/fmp4.h"
#include "format/sample_list.h"
#include "record/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VIDEO_CLOCK      90000
#define MAX_QUEUED_BYTES (64u * 1024 * 1024)
#define PART_TOLERANCE   (VIDEO_CLOCK / 1000)

/* ---- the write queue ---- */

typedef enum { OP_OPEN, OP_APPEND, OP_CLOSE } op_kind;

typedef struct write_op {
    struct write_op *next;
    op_kind kind;
    uint8_t *data; /* OPEN: the init segment; APPEND: a fragment */
    size_t len;
    char rel[PATH_MAX / 4];        /* OPEN and CLOSE: the file, relative to the directory */
    int64_t start_ms, duration_ms; /* CLOSE: for the index */
    /* results, written by the worker */
    int err;            /* -errno of the first failure of this op */
    const char *what;   /* which step failed */
    int64_t file_bytes; /* CLOSE: the file's size */
} write_op;

struct vg_recorder {
    uv_loop_t *loop;
    vg_recorder_options opt;
    char *dir;
    vg_path *path;
    vg_reader *reader;
    bool closing;

    int video_index, audio_index; /* the path's track indices; -1 when none */
    vg_track *video, *audio;      /* references */
    vg_au *pending_video, *pending_audio;
    uint32_t last_video_duration, last_audio_duration;
    bool waiting_key;
    int64_t not_before_ms; /* frames captured before this are in an earlier file already */

    /* the segment being written */
    bool open;
    bool failed; /* its writes failed or were dropped: it will not be indexed */
    char rel[PATH_MAX / 4];
    int64_t start_ms;
    int64_t start_dts, video_duration; /* 90 kHz */
    uint32_t sequence;
    vg_sample_list frag_video, frag_audio;
    int64_t frag_start_dts;

    /* the queue; the worker's fields while job_running */
    write_op *ops, **ops_tail;
    size_t queued_bytes;
    bool job_running;
    uv_work_t work;
    write_op *batch;
    int fd;                    /* the worker's: the open segment file */
    int64_t fd_bytes;          /* the worker's */
    char fd_rel[PATH_MAX / 4]; /* the worker's: the open file's name */
    bool fd_failed;            /* the worker's: skip this file's remaining ops */

    vg_recorder_stats stats;
};

static void kick(vg_recorder *rec);

/* ---- the write queue ---- */

static write_op *op_new(vg_recorder *rec, op_kind kind, uint8_t *data, size_t len)
{
    write_op *op = calloc(1, sizeof(*op));
    if (!op) {
        free(data);
        return NULL;
    }
    op->kind = kind;
    op->data = data;
    op->len = len;
    snprintf(op->rel, sizeof(op->rel), "%s", rec->rel);
    *rec->ops_tail = op;
    rec->ops_tail = &op->next;
    rec->queued_bytes += len;
    return op;
}

/* Creates the directories of `abs` (a file path) as needed. Worker. */
static int make_parents(char *abs)
{
    for (char *p = abs + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(abs, 0755);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -errno;
    }
    return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static void run_op(vg_recorder *rec, write_op *op)
{
    char abs[PATH_MAX];
    switch (op->kind) {
    case OP_OPEN:
        rec->fd_failed = false;
        rec->fd_bytes = 0;
        snprintf(rec->fd_rel, sizeof(rec->fd_rel), "%s", op->rel);
        snprintf(abs, sizeof(abs), "%s/%s", rec->dir, op->rel);
        if ((op->err = make_parents(abs)) < 0) {
            op->what = "cannot create its directory";
            break;
        }
        rec->fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        for (int n = 1; rec->fd < 0 && errno == EEXIST && n < 10; n++) {
            /* The same millisecond again (a restart of recording): name it <time>_<n>.mp4. */
            size_t len = strlen(op->rel);
            snprintf(op->rel + len - 4, sizeof(op->rel) - (len - 4), "_%d.mp4", n);
            snprintf(abs, sizeof(abs), "%s/%s", rec->dir, op->rel);
            rec->fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (rec->fd < 0)
                snprintf(op->rel + len - 4, sizeof(op->rel) - (len - 4), ".mp4");
        }
        if (rec->fd >= 0)
            flock(rec->fd, LOCK_EX | LOCK_NB); /* recovery leaves a locked file alone */
        snprintf(rec->fd_rel, sizeof(rec->fd_rel), "%s", op->rel);
        if (rec->fd < 0) {
            op->err = -errno;
            op->what = "cannot create the file";
            break;
        }
        if ((op->err = write_all(rec->fd, op->data, op->len)) < 0)
            op->what = "cannot write";
        else
            rec->fd_bytes += (int64_t)op->len;
        break;
    case OP_APPEND:
        if (rec->fd < 0 || rec->fd_failed)
            return;
        if ((op->err = write_all(rec->fd, op->data, op->len)) < 0) {
            op->what = "cannot write";
            break;
        }
        rec->fd_bytes += (int64_t)op->len;
        /* The fragment is on disk before the next one starts: a crash loses at most one. */
        if (rec->opt.sync && fdatasync(rec->fd) < 0) {
            op->err = -errno;
            op->what = "cannot sync";
        }
        break;
    case OP_CLOSE:
        op->file_bytes = rec->fd_bytes;
        /* The name the OPEN really used (a _n suffix when the first was taken). */
        snprintf(op->rel, sizeof(op->rel), "%s", rec->fd_rel);
        if (rec->fd >= 0) {
            if (!rec->fd_failed && rec->opt.sync && fsync(rec->fd) < 0 && !op->err) {
                op->err = -errno;
                op->what = "cannot sync";
            }
            if (close(rec->fd) < 0 && !op->err && !rec->fd_failed) {
                op->err = -errno;
                op->what = "cannot close";
            }
        }
        rec->fd = -1;
        if (rec->fd_failed && !op->err) {
            op->err = VG_EIO;
            op->what = "an earlier write failed";
        }
        if (!op->err && rec->opt.storage) {
            /* The finished file goes to its storage (local: it is there already). */
            snprintf(abs, sizeof(abs), "%s/%s", rec->dir, op->rel);
            if ((op->err = vg_storage_upload(rec->opt.storage, abs, op->rel)) < 0)
                op->what = "cannot store it";
        }
        return;
    }
    if (op->err < 0)
        rec->fd_failed = true;
}

static void job_work(uv_work_t *w)
{
    vg_recorder *rec = w->data;
    for (write_op *op = rec->batch; op; op = op->next)
        run_op(rec, op);
}

static void report_error(vg_recorder *rec, const write_op *op)
{
    char msg[PATH_MAX / 4 + 160];
    snprintf(msg, sizeof(msg), "recording %s: %s: %s", op->rel, op->what,
             op->err == VG_EIO ? "I/O error" : strerror(-op->err));
    rec->stats.errors++;
    VG_LOG_ERROR("record", "camera=%lld %s", (long long)rec->opt.camera_id, msg);
    if (rec->opt.on_error)
        rec->opt.on_error(rec->opt.ctx, msg);
}

static void recorder_free(vg_recorder *rec);

static void job_after(uv_work_t *w, int status)
{
    vg_recorder *rec = w->data;
    rec->job_running = false;
    bool segment_failed = false;
    while (rec->batch) {
        write_op *op = rec->batch;
        rec->batch = op->next;
        rec->queued_bytes -= op->len;
        if (op->kind == OP_OPEN)
            segment_failed = false;
        if (op->err < 0 && op->kind != OP_CLOSE && !segment_failed) {
            report_error(rec, op); /* once per file */
            segment_failed = true;
        }
        if (op->err >= 0 && op->kind != OP_CLOSE)
            rec->stats.bytes_written += op->len;
        if (op->kind == OP_CLOSE) {
            if (op->err < 0 && !segment_failed)
                report_error(rec, op);
            if (op->err == 0 && op->duration_ms >= 0) {
                rec->stats.segments++;
                vg_recorder_segment seg = {.camera_id = rec->opt.camera_id,
                                           .path = op->rel,
                                           .start_ms = op->start_ms,
                                           .duration_ms = op->duration_ms,
                                           .bytes = op->file_bytes};
                if (rec->opt.on_segment)
                    rec->opt.on_segment(rec->opt.ctx, &seg);
            }
            segment_failed = false;
        }
        free(op->data);
        free(op);
    }
    if (rec->ops)
        kick(rec);
    else if (rec->closing)
        recorder_free(rec); /* the last write is done */
}

static void kick(vg_recorder *rec)
{
    if (rec->job_running || !rec->ops)
        return;
    rec->batch = rec->ops;
    rec->ops = NULL;
    rec->ops_tail = &rec->ops;
    rec->job_running = true;
    rec->work.data = rec;
    if (uv_queue_work(rec->loop, &rec->work, job_work, job_after) < 0) {
        /* libuv refuses only a NULL callback: never; keep the state sane anyway. */
        rec->job_running = false;
        rec->ops = rec->batch;
        rec->batch = NULL;
    }
}

/* ---- segments ---- */

/* "<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>.mp4" for a start at `ms` (UTC). */
static void segment_name(const vg_recorder *rec, int64_t ms, char *out, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, cap, "%lld/%04d-%02d-%02d/%02d-%02d-%02d.%03d.mp4", (long long)rec->opt.camera_id,
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ms % 1000));
}

/* Writes the fragment being filled (video and the audio beside it). */
static void close_fragment(vg_recorder *rec)
{
    if (!rec->frag_video.count) {
        vg_sample_list_clear(&rec->frag_audio);
        return;
    }
    vg_fmp4_sample *vs = calloc(rec->frag_video.count, sizeof(*vs));
    vg_fmp4_sample *as = calloc(rec->frag_audio.count + 1, sizeof(*as));
    vg_fmp4_run runs[2];
    size_t n = 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = VG_ENOMEM;
    if (vs && as) {
        runs[n++] = vg_sample_list_run(&rec->frag_video, 1, true, rec->start_dts, vs);
        if (rec->frag_audio.count && rec->audio) {
            /* The same instant on the audio clock: both tracks of a file start at 0 together. */
            int64_t rate = vg_fmp4_timescale(rec->audio);
            runs[n++] = vg_sample_list_run(&rec->frag_audio, 2, false,
                                           rec->start_dts * rate / VIDEO_CLOCK, as);
        }
        rc = vg_fmp4_write_fragment(++rec->sequence, runs, n, &bytes, &len);
    }
    free(vs);
    free(as);
    for (size_t i = 0; i < rec->frag_video.count; i++)
        rec->video_duration += rec->frag_video.durations[i];
    vg_sample_list_clear(&rec->frag_video);
    vg_sample_list_clear(&rec->frag_audio);
    if (rc < 0) {
        VG_LOG_ERROR("record", "camera=%lld cannot make a fragment: %s",
                     (long long)rec->opt.camera_id, vg_strerror(rc));
        rec->failed = true;
        return;
    }
    if (rec->failed) {
        free(bytes);
        return;
    }
    if (rec->queued_bytes + len > MAX_QUEUED_BYTES) {
        /* The disk is not keeping up: this segment is lost, the loop is not. */
        free(bytes);
        rec->failed = true;
        rec->stats.errors++;
        char msg[PATH_MAX / 4 + 160];
        snprintf(msg, sizeof(msg), "recording %s: the disk is too slow (%zu bytes waiting)",
                 rec->rel, rec->queued_bytes);
        VG_LOG_ERROR("record", "camera=%lld %s", (long long)rec->opt.camera_id, msg);
        if (rec->opt.on_error)
            rec->opt.on_error(rec->opt.ctx, msg);
        return;
    }
    if (op_new(rec, OP_APPEND, bytes, len))
        kick(rec);
}

static void close_segment(vg_recorder *rec)
{
    if (!rec->open)
        return;
    close_fragment(rec);
    write_op *op = op_new(rec, OP_CLOSE, NULL, 0);
    if (op) {
        op->start_ms = rec->start_ms;
        /* A segment that failed is closed but not indexed (recovery looks at it at start). */
        op->duration_ms = rec->failed ? -1 : rec->video_duration * 1000 / VIDEO_CLOCK;
    }
    rec->open = false;
    kick(rec);
}

static void open_segment(vg_recorder *rec, const vg_au *key)
{
    vg_track *tracks[2] = {rec->video, rec->audio};
    size_t n = rec->audio ? 2 : 1;
    uint8_t *init = NULL;
    size_t len = 0;
    int rc = vg_fmp4_write_init(tracks, n, &init, &len);
    if (rc < 0) {
        VG_LOG_ERROR("record", "camera=%lld cannot describe the tracks in MP4: %s",
                     (long long)rec->opt.camera_id, vg_strerror(rc));
        return;
    }
    rec->start_ms = key->wallclock_ns / 1000000;
    segment_name(rec, rec->start_ms, rec->rel, sizeof(rec->rel));
    rec->start_dts = key->dts;
    rec->video_duration = 0;
    rec->sequence = 0;
    rec->failed = false;
    rec->open = true;
    if (!op_new(rec, OP_OPEN, init, len))
        rec->failed = true;
    kick(rec);
}

/* Ends the fragment and the segment now: a reconnect, new tracks, the end. */
static void flush(vg_recorder *rec)
{
    if (rec->pending_video && rec->open)
        vg_sample_list_push(&rec->frag_video, rec->pending_video, rec->last_video_duration);
    vg_au_unref(&rec->pending_video);
    if (rec->pending_audio && rec->open)
        vg_sample_list_push(&rec->frag_audio, rec->pending_audio, rec->last_audio_duration);
    vg_au_unref(&rec->pending_audio);
    close_segment(rec);
    rec->waiting_key = true;
}

static void on_video(vg_recorder *rec, vg_au *au)
{
    if (au->flags & VG_AU_DISCONTINUITY)
        flush(rec); /* a reconnect: the outage is a gap between two files */
    /*
     * A new recorder gets the path's cached GOP, which an earlier recorder
     * of this camera may have written already: skip to what is new.
     */
    if (!rec->open && au->wallclock_ns / 1000000 < rec->not_before_ms)
        return;
    bool key = au->flags & VG_AU_KEY;
    if (rec->waiting_key && !key)
        return;
    rec->waiting_key = false;
    vg_au *p = rec->pending_video;
    if (p) {
        int64_t d = au->dts - p->dts;
        uint32_t duration = d > 0 && d < VIDEO_CLOCK * 10 ? (uint32_t)d : rec->last_video_duration;
        rec->last_video_duration = duration;
        if (!rec->frag_video.count)
            rec->frag_start_dts = p->dts;
        if (vg_sample_list_push(&rec->frag_video, p, duration) < 0)
            rec->failed = true;
        vg_au_unref(&rec->pending_video);
        int64_t segment_ms = (au->dts - rec->start_dts) * 1000 / VIDEO_CLOCK;
        if (key && segment_ms >= rec->opt.segment_duration_ms) {
            close_segment(rec);
        } else if ((au->dts - rec->frag_start_dts) * 1000 >=
                   rec->opt.part_duration_ms * VIDEO_CLOCK - PART_TOLERANCE * 1000) {
            close_fragment(rec);
        }
    }
    if (!rec->open) {
        if (!key)
            return;
        open_segment(rec, au);
        if (!rec->open)
            return;
    }
    rec->pending_video = vg_au_ref(au);
    rec->stats.bytes_in += au->size;
}

static void on_audio(vg_recorder *rec, vg_au *au)
{
    if (!rec->open) {
        vg_au_unref(&rec->pending_audio);
        return;
    }
    vg_au *p = rec->pending_audio;
    if (p) {
        int64_t d = au->dts - p->dts;
        uint32_t duration = d > 0 && d < INT32_MAX ? (uint32_t)d : rec->last_audio_duration;
        rec->last_audio_duration = duration;
        if (vg_sample_list_push(&rec->frag_audio, p, duration) < 0)
            rec->failed = true;
        vg_au_unref(&rec->pending_audio);
    }
    rec->pending_audio = vg_au_ref(au);
    rec->stats.bytes_in += au->size;
}

/* ---- the reader ---- */

static void reader_tracks(vg_reader *reader, void *ctx, vg_track *const *tracks, size_t count)
{
    vg_recorder *rec = ctx;
    flush(rec); /* new parameters: a new file, with a new init segment */
    vg_track_unref(&rec->video);
    vg_track_unref(&rec->audio);
    rec->video_index = rec->audio_index = -1;
    for (size_t i = 0; i < count; i++) {
        vg_track *t = tracks[i];
        if (!vg_fmp4_supports(t))
            continue;
        if (t->is_video && rec->video_index < 0) {
            rec->video_index = (int)i;
            rec->video = vg_track_ref(t);
        } else if (!t->is_video && rec->audio_index < 0 &&
                   (t->codec == VG_CODEC_AAC || t->codec == VG_CODEC_OPUS)) {
            rec->audio_index = (int)i;
            rec->audio = vg_track_ref(t);
        }
    }
    if (rec->video_index < 0 && count > 0)
        VG_LOG_WARN("record", "camera=%lld has no H.264/H.265 video: nothing is recorded",
                    (long long)rec->opt.camera_id);
}

static void reader_au(vg_reader *reader, void *ctx, vg_au *au)
{
    vg_recorder *rec = ctx;
    if (rec->video_index >= 0 && au->track == (uint32_t)rec->video_index)
        on_video(rec, au);
    else if (rec->audio_index >= 0 && au->track == (uint32_t)rec->audio_index)
        on_audio(rec, au);
}

static void reader_end(vg_reader *reader, void *ctx, int code, const char *reason)
{
    vg_recorder *rec = ctx;
    VG_LOG_INFO("record", "camera=%lld recording ends: %s", (long long)rec->opt.camera_id, reason);
    vg_recorder_close(rec);
}

static const vg_reader_ops reader_ops = {
    .on_tracks = reader_tracks,
    .on_au = reader_au,
    .on_end = reader_end,
};

/* ---- lifetime ---- */

static void recorder_free(vg_recorder *rec)
{
    if (rec->opt.on_closed)
        rec->opt.on_closed(rec->opt.ctx);
    vg_track_unref(&rec->video);
    vg_track_unref(&rec->audio);
    vg_sample_list_free(&rec->frag_video);
    vg_sample_list_free(&rec->frag_audio);
    free(rec->dir);
    free(rec);
}

int vg_recorder_create(uv_loop_t *loop, vg_path *path, const vg_recorder_options *opt,
                       vg_recorder **out)
{
    vg_recorder *rec = calloc(1, sizeof(*rec));
    if (!rec || !(rec->dir = strdup(opt->dir))) {
        free(rec);
        return VG_ENOMEM;
    }
    rec->loop = loop;
    rec->opt = *opt;
    rec->opt.dir = rec->dir;
    rec->path = path;
    rec->video_index = rec->audio_index = -1;
    rec->waiting_key = true;
    rec->last_video_duration = VIDEO_CLOCK / 25;
    rec->not_before_ms = opt->not_before_ms;
    rec->fd = -1;
    rec->ops_tail = &rec->ops;
    char name[48];
    snprintf(name, sizeof(name), "record %lld", (long long)opt->camera_id);
    /* Not shared: a recording is a reader like a viewer (maxReaders counts it). */
    vg_reader_options ropt = {.name = name, .queue_max_aus = 4096};
    int rc = vg_path_add_reader(path, &reader_ops, rec, &ropt, &rec->reader);
    if (rc < 0) {
        free(rec->dir);
        free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

void vg_recorder_close(vg_recorder *rec)
{
    if (rec->closing)
        return;
    rec->closing = true;
    flush(rec);
    vg_au_unref(&rec->pending_audio);
    if (rec->reader) {
        vg_reader *r = rec->reader;
        rec->reader = NULL;
        vg_reader_remove(r);
    }
    if (!rec->job_running && !rec->ops)
        recorder_free(rec);
    else
        kick(rec);
}

void vg_recorder_stats_get(const vg_recorder *rec, vg_recorder_stats *out)
{
    *out = rec->stats;
    out->writing = rec->open;
}
