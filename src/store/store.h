/*
 * store.h: the only interface to vigil's persistent state.
 *
 * No SQL lives outside src/store/. sqlite.c implements this interface on an
 * embedded SQLite file in WAL mode; a PostgreSQL implementation can come
 * later behind the same functions. Versioned migrations run in
 * vg_store_open(), each one in its own transaction, recorded in a
 * schema_migrations table.
 *
 * The store is dumb on purpose: the rules (validation, the state machine,
 * timestamps) live in src/domain/ and the services that call it. The one
 * rule it enforces too, as a backstop, is "at most one live stream per
 * camera" (a unique index), reported as VG_ECONFLICT. It also keeps two
 * derived columns right, since only it sees every write: a segment is
 * permanent when a clip covers it (see "clips" below), and a stream's
 * updated_at_ms moves whenever its row changes (see "streams").
 *
 * Threads: a vg_store is used by one thread at a time (the loop thread).
 * Every call returns 0 or a negative VG_E* code; a SQLite failure is logged
 * once, with the SQLite message, where it happens, and returned as
 * VG_ESTORE.
 */
#ifndef VG_STORE_STORE_H
#define VG_STORE_STORE_H

#include "domain/camera.h"
#include "domain/recording.h"
#include "domain/stream.h"

#include <stddef.h>
#include <stdint.h>

typedef struct vg_store vg_store;

/*
 * Opens (creating if needed) the database file at `path`, sets WAL mode and
 * foreign keys, and applies pending migrations. The parent directory must
 * exist. On success *out is the caller's, to vg_store_close().
 * Returns 0, VG_ESTORE (logged with the reason) or VG_ENOMEM.
 */
int vg_store_open(const char *path, vg_store **out);

/* Closes the database. NULL is a no-op. */
void vg_store_close(vg_store *store);

/*
 * Checks that the store is usable now: the file is still the one that was
 * opened (same path, same inode) and a read succeeds. Returns 0, or
 * VG_ESTORE with a reason (static or in `why`, capacity `why_cap`).
 */
int vg_store_check(vg_store *store, char *why, size_t why_cap);

/* The database file's absolute path; the store's. */
const char *vg_store_path(const vg_store *store);

/*
 * Copies committed pages from the WAL into the database file and fsyncs:
 * the one step of the store that waits for the disk. Blocking, so it runs
 * on a worker thread, with its own connection to `path` (thread-safe).
 * *frames is the number of WAL frames copied. Returns 0 or VG_ESTORE (logged).
 */
int vg_store_checkpoint(const char *path, int *frames);

/* True when this open created the database (a first start): nothing was there before. */
bool vg_store_created(const vg_store *store);

/* The schema version applied (the highest migration number). */
int vg_store_schema_version(vg_store *store);

/* Transactions, for several calls that must land together. Not nestable. */
int vg_store_begin(vg_store *store);
int vg_store_commit(vg_store *store);
void vg_store_rollback(vg_store *store);

/* ---- cameras ---- */

/*
 * Inserts `cam`. When cam->id is 0 a new id is assigned and written back;
 * otherwise that id is used, and VG_EEXIST is returned if it is taken.
 * Reads every field of `cam`; ownership of its strings stays with the caller.
 */
int vg_store_camera_insert(vg_store *store, vg_camera *cam);

/* Fills *out (the caller then owns its strings: vg_camera_clear). VG_ENOENT when absent. */
int vg_store_camera_get(vg_store *store, int64_t id, vg_camera *out);

/*
 * Lists cameras by ascending id: at most `limit` from `offset`. *out is a
 * new array of *n cameras, the caller's (vg_camera_array_free; NULL when
 * *n is 0); *total is the count of all cameras.
 */
int vg_store_camera_list(vg_store *store, int64_t limit, int64_t offset, vg_camera **out, size_t *n,
                         int64_t *total);

/* Writes every field of `cam` over the row with cam->id. VG_ENOENT when absent. */
int vg_store_camera_update(vg_store *store, const vg_camera *cam);

/*
 * Deletes the camera and, with it, its streams. Its recordings stay indexed
 * (retention removes them). VG_ENOENT when absent.
 */
int vg_store_camera_delete(vg_store *store, int64_t id);

/*
 * Every camera with `record` set, by ascending id, for starting their
 * recorders. Ownership as for vg_store_camera_list(); no paging.
 */
int vg_store_camera_list_recorded(vg_store *store, vg_camera **out, size_t *n);

/* ---- streams ---- */

/*
 * Inserts `st` (its id already set). Its created_at_ms is st's, or now when
 * 0; its updated_at_ms is st's, or its created_at_ms when 0. VG_ENOENT when
 * its camera does not exist; VG_ECONFLICT when st is live and the camera
 * already has a live stream; VG_EEXIST when the id is taken. Ownership
 * stays with the caller.
 */
int vg_store_stream_insert(vg_store *store, const vg_stream *st);

/* Fills *out (caller owns: vg_stream_clear). VG_ENOENT when absent. */
int vg_store_stream_get(vg_store *store, const char *id, vg_stream *out);

/*
 * Writes status, source_url, started_at, stopped_at, last_error and
 * on_demand of the row with st->id. When that changes the row, its
 * updated_at_ms becomes st->updated_at_ms if that is later than the one
 * stored (vg_stream_transition() stamps it), else the store's clock; a
 * write that changes nothing leaves it. created_at_ms is never rewritten.
 * VG_ENOENT when absent; VG_ECONFLICT as for insert.
 */
int vg_store_stream_update(vg_store *store, const vg_stream *st);

/* The camera's live (not STOPPED) stream into *out. VG_ENOENT when none. */
int vg_store_stream_find_live(vg_store *store, int64_t camera_id, vg_stream *out);

/*
 * Lists streams, newest start first (ties by id). camera_id 0 means every
 * camera. Paging and ownership as for vg_store_camera_list().
 */
int vg_store_stream_list(vg_store *store, int64_t camera_id, int64_t limit, int64_t offset,
                         vg_stream **out, size_t *n, int64_t *total);

/* Which streams a list returns. */
typedef struct vg_stream_filter {
    int64_t camera_id; /* 0: every camera */
    unsigned statuses; /* VG_STREAM_STATUS_BIT() of each status wanted; 0: every status */
} vg_stream_filter;

/*
 * As vg_store_stream_list(), of the streams `filter` selects; *total counts
 * all of them.
 */
int vg_store_stream_list_filtered(vg_store *store, const vg_stream_filter *filter, int64_t limit,
                                  int64_t offset, vg_stream **out, size_t *n, int64_t *total);

/*
 * The live streams of the cameras with ids first_camera_id..last_camera_id
 * (inclusive), by camera id: at most one per camera, in one query (a page
 * of cameras is a range of ids). Ownership as for vg_store_camera_list().
 */
int vg_store_stream_list_live_cameras(vg_store *store, int64_t first_camera_id,
                                      int64_t last_camera_id, vg_stream **out, size_t *n);

/*
 * Every live stream, for resuming them at start-up. Ownership as for
 * vg_store_camera_list(); no paging.
 */
int vg_store_stream_list_live(vg_store *store, vg_stream **out, size_t *n);

/* ---- recordings: the segment index ---- */

/*
 * Indexes a segment and writes its new id to rec->id. Reads every other
 * field; rec->path stays the caller's. VG_EINVAL when the path is NULL or
 * empty, bytes or duration_ms is negative, duration_ms is over
 * VG_RECORDING_MAX_DURATION_MS, or end_ms is not start_ms + duration_ms;
 * VG_EEXIST when the path is already indexed. The camera need not exist.
 * The row is permanent when rec->permanent is set or a clip of the camera
 * overlaps it (a clip over time still being recorded, a file recovered
 * later); rec->permanent itself is not written back.
 */
int vg_store_recording_insert(vg_store *store, vg_recording *rec);

/*
 * The camera's segments that overlap [from_ms, to_ms) (start_ms < to_ms and
 * end_ms > from_ms), by ascending start_ms (ties by id). An empty range
 * (from_ms >= to_ms) has none. *out is a new array of *n segments, the
 * caller's (vg_recording_array_free; NULL when *n is 0).
 */
int vg_store_recording_list(vg_store *store, int64_t camera_id, int64_t from_ms, int64_t to_ms,
                            vg_recording **out, size_t *n);

/*
 * As vg_store_recording_list(), at most `limit` segments (negative: all):
 * what a request on the loop reads, bounded whatever the range.
 */
int vg_store_recording_list_limited(vg_store *store, int64_t camera_id, int64_t from_ms,
                                    int64_t to_ms, int64_t limit, vg_recording **out, size_t *n);

/* *out is true when a segment with this path (relative, as inserted) is indexed. */
int vg_store_recording_has_path(vg_store *store, const char *path, bool *out);

/* Removes a segment from the index (not its file). VG_ENOENT when absent. */
int vg_store_recording_delete(vg_store *store, int64_t id);

/*
 * As vg_store_recording_delete(), unless the segment is permanent (a clip
 * made since retention picked it): then VG_ENOENT too, and it stays.
 */
int vg_store_recording_expire(vg_store *store, int64_t id);

/*
 * The sum of the camera's indexed segment sizes into *bytes (0 when none),
 * permanent ones left out (they never count against a size limit).
 * It reads every segment of the camera: for occasional use, not per request.
 */
int vg_store_recording_camera_bytes(vg_store *store, int64_t camera_id, int64_t *bytes);

/*
 * Retention's candidates: segments that are not permanent and ended before
 * `ended_before_ms`, oldest first, at most `limit`, of camera `camera_id`
 * (> 0), of any camera (0), or of cameras that no longer exist (-1).
 * Ownership as for vg_store_recording_list().
 */
int vg_store_recording_oldest(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                              int64_t limit, vg_recording **out, size_t *n);

/*
 * Deletes what vg_store_recording_oldest() with the same arguments would
 * list, in one statement, and returns those segments (in no set order)
 * in *out, *n as it does. A failure may leave them deleted: call it inside
 * vg_store_begin() and roll back on failure, so that a row never goes
 * without the caller learning its path.
 */
int vg_store_recording_expire_batch(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                    int64_t limit, vg_recording **out, size_t *n);

/*
 * Deletes, in one statement, the segments vg_store_recording_oldest() with
 * the same `camera_id` and `ended_before_ms` lists up to and including the
 * one that starts at `last_start_ms` with id `last_id` (the last of a batch
 * it returned, or of a prefix of it); *deleted is how many went. Permanent
 * segments stay, as for vg_store_recording_expire(). A caller that compares
 * *deleted with the batch it picked knows whether the rows changed since.
 */
int vg_store_recording_expire_oldest(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                     int64_t last_start_ms, int64_t last_id, int64_t *deleted);

/*
 * The camera's segments that are not permanent and end before
 * `ended_before_ms` (the ones retention deletes by then), oldest first, at
 * most `limit`; with `unnotified_only`, only those whose expiry notice has
 * not gone out. Ownership as for vg_store_recording_list().
 */
int vg_store_recording_expiring(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                bool unnotified_only, int64_t limit, vg_recording **out, size_t *n);

/* Records that the segment's expiry notice has gone out. */
int vg_store_recording_mark_notified(vg_store *store, int64_t id);

/* ---- clips: time kept whatever the retention ---- */

/*
 * A clip makes permanent every segment of its camera that overlaps
 * [start_ms, end_ms) (start_ms < segment end and end_ms > segment start: a
 * segment that only touches an edge is not in it), and a segment stays
 * permanent while at least one clip overlaps it. The functions below keep
 * recordings.permanent in step, each in one transaction. They may be called
 * inside the caller's vg_store_begin() too (they then use a savepoint), so
 * that a clip lands with other writes or not at all.
 *
 * Making a clip or deleting one updates every segment it overlaps, on the
 * calling thread: a day of 60 s segments (1,440 rows) takes under 1 ms, 90
 * days (130,000 rows) about 50 ms (measured with the index warm in memory).
 */

/*
 * Inserts `clip` (camera_id, start_ms, end_ms, name, created_at_ms; id,
 * segments and bytes are ignored), writes its new id to clip->id and marks
 * the segments it overlaps permanent. *made_permanent (NULL: not wanted) is
 * how many were not permanent before. VG_EINVAL when the name is NULL or
 * empty or end_ms <= start_ms. The camera need not exist; the name stays
 * the caller's.
 */
int vg_store_clip_insert(vg_store *store, vg_clip *clip, int64_t *made_permanent);

/*
 * Fills *out with the clip, its segments and bytes read now (the caller then
 * owns its name: vg_clip_clear). VG_ENOENT when absent.
 */
int vg_store_clip_get(vg_store *store, int64_t id, vg_clip *out);

/*
 * The camera's clips by ascending start_ms (ties by id), each with its
 * segments and bytes. *out is a new array of *n clips, the caller's
 * (vg_clip_array_free; NULL when *n is 0). No paging: a camera has the few
 * clips people make by hand.
 */
int vg_store_clip_list(vg_store *store, int64_t camera_id, vg_clip **out, size_t *n);

/* Renames a clip; `name` stays the caller's. VG_EINVAL when NULL or empty, VG_ENOENT if absent. */
int vg_store_clip_rename(vg_store *store, int64_t id, const char *name);

/*
 * Deletes a clip and works out again whether each segment it overlapped is
 * still in another clip: the others return to normal retention. VG_ENOENT
 * when absent. A segment made permanent by other means (rec->permanent at
 * insert, a hand edit) that this clip overlapped loses it too: clips are
 * the one source of permanence.
 */
int vg_store_clip_delete(vg_store *store, int64_t id);

#endif
