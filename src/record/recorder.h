/*
 * recorder.h: one camera recorded to fragmented MP4 files, 24/7 (issue 7).
 *
 *   path ──AU──▶ recorder (a path reader)
 *                 │ segment: starts on a key frame, ends at the first key frame after
 *                 │          recordSegmentDuration, at a reconnect or new parameters
 *                 │ fragment: moof+mdat every recordPartDuration (whole frames)
 *                 ▼
 *               write queue ──worker──▶ open / append + fdatasync / close
 *                                        <dir>/<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>.mp4 (UTC)
 *                                             └──▶ on_segment (index it) when the file is closed
 *
 * Each fragment is appended and synced by itself, so a crash (or a power
 * cut) loses at most the fragment being filled, about recordPartDuration.
 * Writes never run on the loop. A disk that cannot keep up (more than
 * 64 MiB waiting) loses the segment in progress, not the loop: the next
 * segment starts at the next key frame, and on_error says why.
 *
 * Threads: the loop thread only (file I/O runs on libuv's worker pool).
 */
#ifndef VG_RECORD_RECORDER_H
#define VG_RECORD_RECORDER_H

#include "core/path.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_recorder vg_recorder;

/* A segment file that is complete on disk: closed and synced. Borrowed for the call. */
typedef struct vg_recorder_segment {
    int64_t camera_id;
    const char *path;    /* relative to the recordings directory */
    int64_t start_ms;    /* capture time of its first frame, Unix ms (UTC) */
    int64_t duration_ms; /* of its video */
    int64_t bytes;       /* the file's size */
} vg_recorder_segment;

typedef struct vg_recorder_options {
    const char *dir;             /* the recordings directory; copied */
    int64_t camera_id;           /* names the files' folder */
    int64_t segment_duration_ms; /* recordSegmentDuration */
    int64_t part_duration_ms;    /* recordPartDuration */
    bool sync;                  /* fdatasync each fragment (false only in benchmarks of the peer) */
    int64_t not_before_ms;      /* frames captured at or before this (Unix ms) are skipped */
    struct vg_storage *storage; /* where a closed file goes (record/storage.h); borrowed */
    /* A segment is complete on disk. */
    void (*on_segment)(void *ctx, const vg_recorder_segment *segment);
    /* Writing failed (`message` names the file and the reason; no credentials). May be NULL. */
    void (*on_error)(void *ctx, const char *message);
    /*
     * The recorder has ended (vg_recorder_close(), or the path ended it) and
     * every write has finished: it is freed right after. May be NULL.
     */
    void (*on_closed)(void *ctx);
    void *ctx;
} vg_recorder_options;

/*
 * Starts recording `path` (borrowed; its on_end ends the recorder). `opt`
 * and its callbacks' ctx must outlive the recorder. Returns 0 and *out, or
 * VG_ELIMIT (maxReaders), VG_ENOMEM.
 */
int vg_recorder_create(uv_loop_t *loop, vg_path *path, const vg_recorder_options *opt,
                       vg_recorder **out);

/*
 * Stops recording: the segment in progress is finished (its last fragment
 * written, the file closed, on_segment), then on_closed, then the
 * recorder is freed. Idempotent; after it the owner must not use `rec`.
 */
void vg_recorder_close(vg_recorder *rec);

typedef struct vg_recorder_stats {
    uint64_t segments;      /* completed */
    uint64_t bytes_written; /* to files */
    uint64_t bytes_in;      /* AU payload received */
    uint64_t errors;        /* failed writes */
    bool writing;           /* a segment is open */
} vg_recorder_stats;

void vg_recorder_stats_get(const vg_recorder *rec, vg_recorder_stats *out);

#endif
