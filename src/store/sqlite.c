/*
 * sqlite.c: store.h on an embedded SQLite file.
 *
 * DESIGN
 *
 * The connection. One sqlite3 connection per vg_store, opened with
 * SQLITE_OPEN_NOMUTEX: store.h says one thread uses a store at a time, so
 * SQLite's own per-connection mutex would only cost. At open we set:
 *
 *   busy_timeout         5000 ms while opening and migrating: another
 *                        process (a second vigil, the sqlite3 shell) holding
 *                        the write lock makes start-up wait rather than fail.
 *                        Then 250 ms: the store is used on the loop thread,
 *                        which must not stall for seconds; a lock held longer
 *                        than that is an error (503 store_unavailable). The
 *                        checkpoint worker holds it for a few milliseconds.
 *   journal_mode=WAL     readers never block the writer and the writer never
 *                        blocks readers. The pragma answers with the mode it
 *                        really set (a file system without shared memory can
 *                        refuse WAL), so we read the answer and refuse to
 *                        run in any other mode.
 *   synchronous=NORMAL   in WAL mode a commit then does NOT fsync: the WAL is
 *                        synced only at checkpoints and when it starts over,
 *                        both of which the checkpoint worker does
 *                        (wal_autocheckpoint=0, vg_store_checkpoint). A power loss can lose
 *                        the last few commits but never corrupts the file.
 *                        That is the right trade here: the store is called
 *                        from the loop thread, where DESIGN.md section 2
 *                        forbids fsync, and its state (cameras, streams)
 *                        changes rarely.
 *   foreign_keys=ON      off by default in SQLite, per connection; it makes
 *                        "delete a camera, and with it its streams" (ON
 *                        DELETE CASCADE) and "no stream of an unknown
 *                        camera" hold.
 *
 * Migrations (migrations.c) run at open, each in its own BEGIN IMMEDIATE
 * transaction and recorded in schema_migrations. A database whose version is
 * newer than this build's is refused: an older vigil must not write to a
 * schema it does not know.
 *
 * Prepared statements. Every statement a call needs is compiled once at
 * open (after the migrations, since they name the tables) and kept in
 * store->stmt[]; a call binds, steps, then resets and clears the bindings,
 * so no call compiles SQL. Strings are bound with SQLITE_STATIC: they are
 * the caller's and outlive the step, and the bindings are cleared before
 * the call returns, so a statement never keeps a pointer into the caller's
 * memory. Text read back is copied (strdup) before the reset invalidates it.
 *
 * Errors. Extended result codes are on, so sqlite3_step() tells constraint
 * failures apart:
 *
 *   SQLITE_CONSTRAINT_PRIMARYKEY  camera id or stream id taken  -> VG_EEXIST
 *   SQLITE_CONSTRAINT_UNIQUE      on streams, the one UNIQUE index that is
 *                                 not a primary key: one live stream per
 *                                 camera                        -> VG_ECONFLICT
 *                                 on recordings, the path       -> VG_EEXIST
 *   SQLITE_CONSTRAINT_FOREIGNKEY  stream of an unknown camera   -> VG_ENOENT
 *   no row / no row changed       get, update, delete           -> VG_ENOENT
 *   SQLITE_NOMEM, malloc failure                                -> VG_ENOMEM
 *   anything else: logged once here with sqlite3_errmsg()       -> VG_ESTORE
 *
 * No log line quotes a stream URL (they carry passwords): lines name the
 * camera or stream by id, and SQLite's messages name columns, never values.
 *
 * Timestamps. A stream's started_at_ms and stopped_at_ms are 0 in vg_stream
 * when they have not happened; they are stored as NULL and read back as 0.
 * A camera's created/updated times are NOT NULL columns and stored as given.
 * A stream's created_at_ms is written once, at insert; its updated_at_ms
 * follows every change of the row, whoever made it (STMT_STREAM_UPDATE).
 *
 * Recordings. A camera's segments overlapping [from, to) are those with
 * start < to and end > from. The index on (camera_id, start_ms) bounds only
 * start_ms, so "end > from" alone would scan the camera's whole history
 * below `to` (a week of 6 s segments: 100,000 rows, ~8 ms). A segment lasts
 * at most VG_RECORDING_MAX_DURATION_MS (insert refuses longer ones), so one
 * overlapping `from` starts after from - that: the query says so too, and
 * the scan covers the range plus at most that much before it.
 *
 * Clips. recordings.permanent says "a clip of this camera overlaps the
 * segment", kept true in the three places it can change: a clip inserted
 * (its segments set to 1), a clip deleted (its segments computed again from
 * the clips left), and a segment indexed (1 when a clip overlaps it, so a
 * clip over time still being recorded keeps what comes later). The first
 * two are one transaction with the clip row: BEGIN IMMEDIATE, or a
 * savepoint when the caller has one open. Retention then needs no join: it
 * reads the flag. A segment lookup by clip uses the segments' duration bound
 * as the listing does; a clip lookup by segment ("does any clip overlap
 * it") scans the camera's clips that start before the segment ends, which
 * are few, since people make them by hand.
 */
#include "store/store.h"

#include "core/error.h"
#include "core/log.h"
#include "store/migrations.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define CAMERA_COLUMNS                                                                             \
    "id, name, stream_url, location, created_at_ms, updated_at_ms, max_readers, rtsp_transport,"   \
    " record, retention_days, plan"
#define RECORDING_COLUMNS "id, camera_id, start_ms, end_ms, duration_ms, bytes, path, permanent"
/*
 * A clip with what it covers now: its segments and their bytes, by a join
 * on the segment overlap (?2 is VG_RECORDING_MAX_DURATION_MS, which bounds
 * r.start_ms from below as in STMT_RECORDING_LIST). One row per clip.
 */
#define CLIP_SELECT                                                                                \
    "SELECT c.id, c.camera_id, c.start_ms, c.end_ms, c.name, c.created_at_ms, count(r.id),"        \
    " coalesce(sum(r.bytes), 0) FROM clips c LEFT JOIN recordings r"                               \
    " ON r.camera_id = c.camera_id AND r.start_ms < c.end_ms AND r.start_ms > c.start_ms - ?2"     \
    " AND r.end_ms > c.start_ms"
#define STREAM_COLUMNS                                                                             \
    "id, camera_id, source_url, status, started_at_ms, stopped_at_ms, last_error, on_demand,"      \
    " created_at_ms, updated_at_ms"
/* A list's status filter: ?4..?8 hold the wanted statuses' names, NULL for the others. */
#define STREAM_STATUS_IN " status IN (?4, ?5, ?6, ?7, ?8)"
/* Newest start first; a never-started stream (NULL) sorts last; ties by id. */
#define STREAM_ORDER " ORDER BY started_at_ms DESC, id"

enum stmt_id {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_SAVEPOINT,
    STMT_RELEASE,
    STMT_ROLLBACK_TO,
    STMT_SCHEMA_VERSION,
    STMT_CAMERA_INSERT,
    STMT_CAMERA_GET,
    STMT_CAMERA_LIST,
    STMT_CAMERA_COUNT,
    STMT_CAMERA_UPDATE,
    STMT_CAMERA_DELETE,
    STMT_CAMERA_LIST_RECORDED,
    STMT_STREAM_INSERT,
    STMT_STREAM_GET,
    STMT_STREAM_UPDATE,
    STMT_STREAM_FIND_LIVE,
    STMT_STREAM_LIST_ALL,
    STMT_STREAM_COUNT_ALL,
    STMT_STREAM_LIST_CAMERA,
    STMT_STREAM_COUNT_CAMERA,
    STMT_STREAM_LIST_LIVE,
    STMT_STREAM_LIST_LIVE_CAMERAS,
    STMT_RECORDING_INSERT,
    STMT_RECORDING_LIST,
    STMT_RECORDING_HAS_PATH,
    STMT_RECORDING_DELETE,
    STMT_RECORDING_EXPIRE,
    STMT_RECORDING_EXPIRING,
    STMT_RECORDING_NOTIFIED,
    STMT_RECORDING_CAMERA_BYTES,
    STMT_RECORDING_OLDEST_CAMERA,
    STMT_RECORDING_OLDEST_ANY,
    STMT_RECORDING_OLDEST_ORPHAN,
    STMT_RECORDING_EXPIRE_OLDEST_CAMERA,
    STMT_RECORDING_EXPIRE_OLDEST_ANY,
    STMT_RECORDING_EXPIRE_OLDEST_ORPHAN,
    STMT_RECORDING_EXPIRE_BATCH_CAMERA,
    STMT_RECORDING_EXPIRE_BATCH_ANY,
    STMT_RECORDING_EXPIRE_BATCH_ORPHAN,
    STMT_CLIP_INSERT,
    STMT_CLIP_MARK,
    STMT_CLIP_GET,
    STMT_CLIP_LIST,
    STMT_CLIP_RENAME,
    STMT_CLIP_SPAN,
    STMT_CLIP_DELETE,
    STMT_CLIP_UNMARK,
    STMT_NUM
};

/*
 * Parameter numbers. Camera insert and update share them (bind_camera_fields()):
 * ?1 id, then the columns in CAMERA_COLUMNS order. Stream insert and update
 * share theirs (bind_stream_fields()): ?1 id, ?2 camera_id (insert only),
 * ?3 source_url, ?4 status, ?5 started_at_ms, ?6 stopped_at_ms,
 * ?7 last_error, ?8 on_demand; then the insert takes ?9 created_at_ms and
 * ?10 updated_at_ms, the update ?9 the caller's updated_at_ms and ?10 the
 * store's clock. Every paged list takes ?1 limit and ?2 offset, and the
 * per-camera one ?3 camera_id; the stream lists and their counts take the
 * statuses in ?4..?8 (STREAM_STATUS_IN). The recording list takes
 * ?1 camera_id, ?2 from, ?3 to, ?4 the earliest start that can overlap from;
 * so do the clip's segment updates (MARK, UNMARK), with the clip's times.
 */
static const char *const stmt_sql[STMT_NUM] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SAVEPOINT] = "SAVEPOINT vg_store_call",
    [STMT_RELEASE] = "RELEASE vg_store_call",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO vg_store_call",
    [STMT_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [STMT_CAMERA_INSERT] = "INSERT INTO cameras (" CAMERA_COLUMNS ")"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [STMT_CAMERA_GET] = "SELECT " CAMERA_COLUMNS " FROM cameras WHERE id = ?1",
    [STMT_CAMERA_LIST] = "SELECT " CAMERA_COLUMNS " FROM cameras ORDER BY id LIMIT ?1 OFFSET ?2",
    [STMT_CAMERA_COUNT] = "SELECT count(*) FROM cameras",
    [STMT_CAMERA_UPDATE] = "UPDATE cameras SET name = ?2, stream_url = ?3, location = ?4,"
                           " created_at_ms = ?5, updated_at_ms = ?6, max_readers = ?7,"
                           " rtsp_transport = ?8, record = ?9, retention_days = ?10, plan = ?11"
                           " WHERE id = ?1",
    [STMT_CAMERA_DELETE] = "DELETE FROM cameras WHERE id = ?1",
    [STMT_CAMERA_LIST_RECORDED] =
        "SELECT " CAMERA_COLUMNS " FROM cameras WHERE record = 1 ORDER BY id",
    [STMT_STREAM_INSERT] = "INSERT INTO streams (" STREAM_COLUMNS ")"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STMT_STREAM_GET] = "SELECT " STREAM_COLUMNS " FROM streams WHERE id = ?1",
    /*
     * updated_at_ms moves only when the row changes (SET reads the old row):
     * to the caller's time when it stamped the change (every transition
     * does, domain/stream.h), else to the store's clock (a change made
     * without a transition: a new last_error while ERROR).
     */
    [STMT_STREAM_UPDATE] =
        "UPDATE streams SET source_url = ?3, status = ?4, started_at_ms = ?5, stopped_at_ms = ?6,"
        " last_error = ?7, on_demand = ?8, updated_at_ms = CASE"
        " WHEN source_url IS ?3 AND status IS ?4 AND started_at_ms IS ?5 AND stopped_at_ms IS ?6"
        " AND last_error IS ?7 AND on_demand IS ?8 THEN updated_at_ms"
        " WHEN ?9 > updated_at_ms THEN ?9 ELSE max(?10, updated_at_ms) END WHERE id = ?1",
    /* The same condition as the partial index, so that SQLite uses it. */
    [STMT_STREAM_FIND_LIVE] = "SELECT " STREAM_COLUMNS " FROM streams"
                              " WHERE camera_id = ?1 AND status != 'STOPPED'",
    [STMT_STREAM_LIST_ALL] =
        "SELECT " STREAM_COLUMNS " FROM streams WHERE" STREAM_STATUS_IN STREAM_ORDER
        " LIMIT ?1 OFFSET ?2",
    [STMT_STREAM_COUNT_ALL] = "SELECT count(*) FROM streams WHERE" STREAM_STATUS_IN,
    [STMT_STREAM_LIST_CAMERA] =
        "SELECT " STREAM_COLUMNS
        " FROM streams WHERE camera_id = ?3 AND" STREAM_STATUS_IN STREAM_ORDER
        " LIMIT ?1 OFFSET ?2",
    [STMT_STREAM_COUNT_CAMERA] =
        "SELECT count(*) FROM streams WHERE camera_id = ?3 AND" STREAM_STATUS_IN,
    [STMT_STREAM_LIST_LIVE] = "SELECT " STREAM_COLUMNS " FROM streams"
                              " WHERE status != 'STOPPED' ORDER BY camera_id",
    /* A page of cameras' live streams: the partial index streams_one_live_per_camera's range. */
    [STMT_STREAM_LIST_LIVE_CAMERAS] =
        "SELECT " STREAM_COLUMNS " FROM streams WHERE status != 'STOPPED'"
        " AND camera_id BETWEEN ?1 AND ?2 ORDER BY camera_id",
    /* Permanent when asked, or when a clip of the camera overlaps [?2, ?3) (the DESIGN above). */
    [STMT_RECORDING_INSERT] =
        "INSERT INTO recordings (camera_id, start_ms, end_ms, duration_ms, bytes, path, permanent)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7 OR EXISTS (SELECT 1 FROM clips"
        " WHERE camera_id = ?1 AND start_ms < ?3 AND end_ms > ?2))",
    /* start_ms > ?4 only narrows the index range: it holds for every overlapping segment. */
    [STMT_RECORDING_LIST] = "SELECT " RECORDING_COLUMNS " FROM recordings"
                            " WHERE camera_id = ?1 AND start_ms < ?3 AND start_ms > ?4"
                            " AND end_ms > ?2 ORDER BY start_ms, id LIMIT ?5",
    [STMT_RECORDING_HAS_PATH] = "SELECT 1 FROM recordings WHERE path = ?1",
    [STMT_RECORDING_DELETE] = "DELETE FROM recordings WHERE id = ?1",
    [STMT_RECORDING_EXPIRE] = "DELETE FROM recordings WHERE id = ?1 AND permanent = 0",
    /* ?4: 1 for the segments not announced yet only. */
    [STMT_RECORDING_EXPIRING] =
        "SELECT " RECORDING_COLUMNS " FROM recordings WHERE camera_id = ?1 AND start_ms < ?2"
        " AND end_ms < ?2 AND permanent = 0 AND (?4 = 0 OR expiry_notified = 0)"
        " ORDER BY start_ms, id LIMIT ?3",
    [STMT_RECORDING_NOTIFIED] = "UPDATE recordings SET expiry_notified = 1 WHERE id = ?1",
    [STMT_RECORDING_CAMERA_BYTES] =
        "SELECT coalesce(sum(bytes), 0) FROM recordings WHERE camera_id = ?1 AND permanent = 0",
    /*
     * Retention's candidates, oldest first: not permanent, ended before ?2, at
     * most ?3. start_ms < ?2 (implied by end_ms < ?2) lets SQLite walk the
     * (camera_id, start_ms) or (start_ms) index in order and stop early.
     */
    [STMT_RECORDING_OLDEST_CAMERA] =
        "SELECT " RECORDING_COLUMNS " FROM recordings WHERE camera_id = ?1 AND start_ms < ?2"
        " AND end_ms < ?2 AND permanent = 0 ORDER BY start_ms, id LIMIT ?3",
    [STMT_RECORDING_OLDEST_ANY] = "SELECT " RECORDING_COLUMNS " FROM recordings"
                                  " WHERE start_ms < ?2 AND end_ms < ?2 AND permanent = 0"
                                  " ORDER BY start_ms, id LIMIT ?3",
    [STMT_RECORDING_OLDEST_ORPHAN] =
        "SELECT " RECORDING_COLUMNS " FROM recordings WHERE start_ms < ?2 AND end_ms < ?2"
        " AND permanent = 0 AND camera_id NOT IN (SELECT id FROM cameras)"
        " ORDER BY start_ms, id LIMIT ?3",
    /*
     * What the three queries above return, up to and including the row
     * (?3 start_ms, ?4 id) in their order: retention deletes a whole batch
     * in one statement, not a statement per row.
     */
    [STMT_RECORDING_EXPIRE_OLDEST_CAMERA] =
        "DELETE FROM recordings WHERE camera_id = ?1 AND start_ms < ?2 AND end_ms < ?2"
        " AND permanent = 0 AND start_ms <= ?3 AND (start_ms < ?3 OR id <= ?4)",
    [STMT_RECORDING_EXPIRE_OLDEST_ANY] =
        "DELETE FROM recordings WHERE start_ms < ?2 AND end_ms < ?2 AND permanent = 0"
        " AND start_ms <= ?3 AND (start_ms < ?3 OR id <= ?4)",
    [STMT_RECORDING_EXPIRE_OLDEST_ORPHAN] =
        "DELETE FROM recordings WHERE start_ms < ?2 AND end_ms < ?2 AND permanent = 0"
        " AND start_ms <= ?3 AND (start_ms < ?3 OR id <= ?4)"
        " AND camera_id NOT IN (SELECT id FROM cameras)",
    /* The three OLDEST queries' rows, deleted and returned by one statement. */
    [STMT_RECORDING_EXPIRE_BATCH_CAMERA] =
        "DELETE FROM recordings WHERE id IN (SELECT id FROM recordings WHERE camera_id = ?1"
        " AND start_ms < ?2 AND end_ms < ?2 AND permanent = 0 ORDER BY start_ms, id LIMIT ?3)"
        " RETURNING " RECORDING_COLUMNS,
    [STMT_RECORDING_EXPIRE_BATCH_ANY] =
        "DELETE FROM recordings WHERE id IN (SELECT id FROM recordings WHERE start_ms < ?2"
        " AND end_ms < ?2 AND permanent = 0 ORDER BY start_ms, id LIMIT ?3)"
        " RETURNING " RECORDING_COLUMNS,
    [STMT_RECORDING_EXPIRE_BATCH_ORPHAN] =
        "DELETE FROM recordings WHERE id IN (SELECT id FROM recordings WHERE start_ms < ?2"
        " AND end_ms < ?2 AND permanent = 0 AND camera_id NOT IN (SELECT id FROM cameras)"
        " ORDER BY start_ms, id LIMIT ?3) RETURNING " RECORDING_COLUMNS,
    [STMT_CLIP_INSERT] = "INSERT INTO clips (camera_id, start_ms, end_ms, name, created_at_ms)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
    /* permanent = 0: the count of changes is what the clip made permanent. */
    [STMT_CLIP_MARK] = "UPDATE recordings SET permanent = 1 WHERE camera_id = ?1 AND start_ms < ?3"
                       " AND start_ms > ?4 AND end_ms > ?2 AND permanent = 0",
    [STMT_CLIP_GET] = CLIP_SELECT " WHERE c.id = ?1 GROUP BY c.id",
    [STMT_CLIP_LIST] =
        CLIP_SELECT " WHERE c.camera_id = ?1 GROUP BY c.id ORDER BY c.start_ms, c.id",
    [STMT_CLIP_RENAME] = "UPDATE clips SET name = ?2 WHERE id = ?1",
    [STMT_CLIP_SPAN] = "SELECT camera_id, start_ms, end_ms FROM clips WHERE id = ?1",
    [STMT_CLIP_DELETE] = "DELETE FROM clips WHERE id = ?1",
    /* After the clip row is gone: what the clips left say, for each segment it overlapped. */
    [STMT_CLIP_UNMARK] = "UPDATE recordings SET permanent = EXISTS (SELECT 1 FROM clips c"
                         " WHERE c.camera_id = recordings.camera_id"
                         " AND c.start_ms < recordings.end_ms AND c.end_ms > recordings.start_ms)"
                         " WHERE camera_id = ?1 AND start_ms < ?3 AND start_ms > ?4"
                         " AND end_ms > ?2",
};

struct vg_store {
    sqlite3 *db;
    char *path; /* absolute, as SQLite resolved it: still right after a chdir() */
    dev_t dev;  /* the file opened, for vg_store_check() */
    ino_t ino;
    bool created; /* the schema started from nothing in this open */
    sqlite3_stmt *stmt[STMT_NUM];
};

/* ---- helpers ---- */

/*
 * Maps a failed SQLite call to a VG_E* code, logging it once with SQLite's
 * message (read here, before a reset can replace it). `fmt` names what
 * failed and the object, never a URL.
 */
__attribute__((format(printf, 3, 4))) static int store_error(vg_store *store, int rc,
                                                             const char *fmt, ...)
{
    if ((rc & 0xff) == SQLITE_NOMEM)
        return VG_ENOMEM;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    VG_LOG_ERROR("store", "%s err=%s", what, sqlite3_errmsg(store->db));
    return VG_ESTORE;
}

/* Makes a prepared statement ready for its next use. */
static void stmt_done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* NULL binds SQL NULL. The string must outlive the step (SQLITE_STATIC). */
static int bind_text(sqlite3_stmt *stmt, int index, const char *s)
{
    if (!s)
        return sqlite3_bind_null(stmt, index);
    return sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC);
}

/* A time that has not happened (0) is stored as NULL. */
static int bind_time_ms(sqlite3_stmt *stmt, int index, int64_t ms)
{
    if (ms == 0)
        return sqlite3_bind_null(stmt, index);
    return sqlite3_bind_int64(stmt, index, ms);
}

/* Copies a text column into *out (NULL for SQL NULL). */
static int column_strdup(sqlite3_stmt *stmt, int col, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return 0;
    const unsigned char *text = sqlite3_column_text(stmt, col);
    if (!text)
        return VG_ENOMEM; /* the conversion to text failed to allocate */
    *out = strdup((const char *)text);
    return *out ? 0 : VG_ENOMEM;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs one statement that must end in SQLITE_DONE. */
static int step_done(vg_store *store, enum stmt_id id, const char *what)
{
    sqlite3_stmt *stmt = store->stmt[id];
    int err = 0;
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        err = store_error(store, rc, "%s failed", what);
    stmt_done(stmt);
    return err;
}

/* Runs a prepared count(*) whose parameters are already bound. */
static int step_count(vg_store *store, sqlite3_stmt *stmt, const char *what, int64_t *count)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW)
        return store_error(store, rc, "%s count failed", what);
    *count = sqlite3_column_int64(stmt, 0);
    return 0;
}

/* ---- rows ---- */

static int camera_from_row(sqlite3_stmt *stmt, vg_camera *cam)
{
    int err = 0;
    memset(cam, 0, sizeof(*cam));
    cam->id = sqlite3_column_int64(stmt, 0);
    if ((err = column_strdup(stmt, 1, &cam->name)) < 0 ||
        (err = column_strdup(stmt, 2, &cam->stream_url)) < 0 ||
        (err = column_strdup(stmt, 3, &cam->location)) < 0)
        goto out;
    cam->created_at_ms = sqlite3_column_int64(stmt, 4);
    cam->updated_at_ms = sqlite3_column_int64(stmt, 5);
    cam->max_readers = sqlite3_column_int(stmt, 6);
    const unsigned char *transport = sqlite3_column_text(stmt, 7);
    snprintf(cam->rtsp_transport, sizeof(cam->rtsp_transport), "%s",
             transport ? (const char *)transport : "tcp");
    cam->record = sqlite3_column_int(stmt, 8) != 0;
    cam->retention_days = sqlite3_column_int(stmt, 9);
    const unsigned char *plan = sqlite3_column_text(stmt, 10);
    snprintf(cam->plan, sizeof(cam->plan), "%s", plan ? (const char *)plan : "");
out:
    if (err < 0)
        vg_camera_clear(cam);
    return err;
}

static int stream_from_row(vg_store *store, sqlite3_stmt *stmt, vg_stream *st)
{
    int err = 0;
    memset(st, 0, sizeof(*st));
    const unsigned char *id = sqlite3_column_text(stmt, 0);
    int id_len = sqlite3_column_bytes(stmt, 0);
    if (!id && (sqlite3_errcode(store->db) & 0xff) == SQLITE_NOMEM) {
        err = VG_ENOMEM;
        goto out;
    }
    if (!id || id_len > VG_UUID_STR_LEN) {
        VG_LOG_ERROR("store", "stream row with a malformed id (%d bytes) path=%s", id_len,
                     store->path);
        err = VG_ESTORE;
        goto out;
    }
    memcpy(st->id, id, (size_t)id_len);
    st->id[id_len] = '\0';
    st->camera_id = sqlite3_column_int64(stmt, 1);
    if ((err = column_strdup(stmt, 2, &st->source_url)) < 0)
        goto out;
    const unsigned char *status = sqlite3_column_text(stmt, 3);
    if (!status || vg_stream_status_parse((const char *)status, &st->status) < 0) {
        VG_LOG_ERROR("store", "stream row with an unknown status stream=%s", st->id);
        err = VG_ESTORE;
        goto out;
    }
    st->started_at_ms = sqlite3_column_int64(stmt, 4); /* NULL reads as 0 */
    st->stopped_at_ms = sqlite3_column_int64(stmt, 5);
    if ((err = column_strdup(stmt, 6, &st->last_error)) < 0)
        goto out;
    st->on_demand = sqlite3_column_int(stmt, 7) != 0;
    st->created_at_ms = sqlite3_column_int64(stmt, 8);
    st->updated_at_ms = sqlite3_column_int64(stmt, 9);
out:
    if (err < 0)
        vg_stream_clear(st);
    return err;
}

static int recording_from_row(sqlite3_stmt *stmt, vg_recording *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->id = sqlite3_column_int64(stmt, 0);
    rec->camera_id = sqlite3_column_int64(stmt, 1);
    rec->start_ms = sqlite3_column_int64(stmt, 2);
    rec->end_ms = sqlite3_column_int64(stmt, 3);
    rec->duration_ms = sqlite3_column_int64(stmt, 4);
    rec->bytes = sqlite3_column_int64(stmt, 5);
    rec->permanent = sqlite3_column_int(stmt, 7) != 0;
    return column_strdup(stmt, 6, &rec->path); /* NOT NULL: NULL only when out of memory */
}

static int clip_from_row(sqlite3_stmt *stmt, vg_clip *clip)
{
    memset(clip, 0, sizeof(*clip));
    clip->id = sqlite3_column_int64(stmt, 0);
    clip->camera_id = sqlite3_column_int64(stmt, 1);
    clip->start_ms = sqlite3_column_int64(stmt, 2);
    clip->end_ms = sqlite3_column_int64(stmt, 3);
    clip->created_at_ms = sqlite3_column_int64(stmt, 5);
    clip->segments = sqlite3_column_int64(stmt, 6);
    clip->bytes = sqlite3_column_int64(stmt, 7);
    return column_strdup(stmt, 4, &clip->name); /* NOT NULL: NULL only when out of memory */
}

/* Reads the current row into one element of a list (a vg_camera, vg_stream, vg_recording or
 * vg_clip). */
typedef int (*row_reader)(vg_store *store, sqlite3_stmt *stmt, void *elem);
/* Frees a list of `n` elements, as vg_camera_array_free() does. */
typedef void (*list_freer)(void *elems, size_t n);

static int read_camera_row(vg_store *store, sqlite3_stmt *stmt, void *elem)
{
    return camera_from_row(stmt, elem);
}

static int read_stream_row(vg_store *store, sqlite3_stmt *stmt, void *elem)
{
    return stream_from_row(store, stmt, elem);
}

static int read_recording_row(vg_store *store, sqlite3_stmt *stmt, void *elem)
{
    (void)store;
    return recording_from_row(stmt, elem);
}

static int read_clip_row(vg_store *store, sqlite3_stmt *stmt, void *elem)
{
    (void)store;
    return clip_from_row(stmt, elem);
}

static void free_camera_list(void *elems, size_t n)
{
    vg_camera_array_free(elems, n);
}

static void free_stream_list(void *elems, size_t n)
{
    vg_stream_array_free(elems, n);
}

static void free_recording_list(void *elems, size_t n)
{
    vg_recording_array_free(elems, n);
}

static void free_clip_list(void *elems, size_t n)
{
    vg_clip_array_free(elems, n);
}

/*
 * Steps `stmt` (already bound) to the end, reading every row into a new
 * array of `elem_size`-byte elements. On failure nothing is left allocated
 * and *out, *n are untouched.
 */
static int collect_rows(vg_store *store, sqlite3_stmt *stmt, size_t elem_size, row_reader read,
                        list_freer free_list, const char *what, void **out, size_t *n)
{
    char *elems = NULL;
    size_t count = 0, cap = 0;
    int err = 0, rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            char *grown = reallocarray(elems, new_cap, elem_size);
            if (!grown) {
                err = VG_ENOMEM;
                goto out;
            }
            elems = grown;
            cap = new_cap;
        }
        if ((err = read(store, stmt, elems + count * elem_size)) < 0)
            goto out;
        count++;
    }
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "%s", what);
        goto out;
    }
    *out = elems;
    *n = count;
    elems = NULL;
    count = 0;
out:
    free_list(elems, count);
    return err;
}

static int collect_cameras(vg_store *store, sqlite3_stmt *stmt, vg_camera **out, size_t *n)
{
    return collect_rows(store, stmt, sizeof(vg_camera), read_camera_row, free_camera_list,
                        "camera list failed", (void **)out, n);
}

static int collect_streams(vg_store *store, sqlite3_stmt *stmt, vg_stream **out, size_t *n)
{
    return collect_rows(store, stmt, sizeof(vg_stream), read_stream_row, free_stream_list,
                        "stream list failed", (void **)out, n);
}

static int collect_recordings(vg_store *store, sqlite3_stmt *stmt, vg_recording **out, size_t *n)
{
    return collect_rows(store, stmt, sizeof(vg_recording), read_recording_row, free_recording_list,
                        "recording list failed", (void **)out, n);
}

static int collect_clips(vg_store *store, sqlite3_stmt *stmt, vg_clip **out, size_t *n)
{
    return collect_rows(store, stmt, sizeof(vg_clip), read_clip_row, free_clip_list,
                        "clip list failed", (void **)out, n);
}

/* ---- open: pragmas, migrations, statements ---- */

/* Runs SQL that returns no rows we need (sqlite3_exec compiles it: open time only). */
static int exec_sql(vg_store *store, const char *sql, const char *what)
{
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_error(store, rc, "%s failed path=%s", what, store->path);
    return 0;
}

/* Runs a one-off query and copies the first column of its first row into buf. */
static int query_text(vg_store *store, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "\"%s\" failed path=%s", sql, store->path);
        goto out;
    }
    const unsigned char *text = sqlite3_column_text(stmt, 0);
    snprintf(buf, cap, "%s", text ? (const char *)text : "");
out:
    sqlite3_finalize(stmt);
    return err;
}

static int configure_connection(vg_store *store)
{
    char mode[32];
    int err = 0;
    sqlite3_extended_result_codes(store->db, 1);
    /* First, so that the pragmas below already wait for another writer. */
    if ((err = exec_sql(store, "PRAGMA busy_timeout = 5000", "busy_timeout")) < 0)
        goto out;
    if ((err = query_text(store, "PRAGMA journal_mode = WAL", mode, sizeof(mode))) < 0)
        goto out;
    if (strcasecmp(mode, "wal") != 0) {
        VG_LOG_ERROR("store", "cannot use WAL mode, got journal_mode=%s path=%s", mode,
                     store->path);
        err = VG_ESTORE;
        goto out;
    }
    /* With WAL, NORMAL means a commit does not fsync (see DESIGN above). */
    if ((err = exec_sql(store, "PRAGMA synchronous = NORMAL", "synchronous")) < 0)
        goto out;
    /*
     * No automatic checkpoint: it would fsync inside whichever commit crossed
     * the threshold, on the loop thread. vg_store_checkpoint() does it on a
     * worker instead (store/maintenance.c).
     */
    if ((err = exec_sql(store, "PRAGMA wal_autocheckpoint = 0", "wal_autocheckpoint")) < 0)
        goto out;
    if ((err = exec_sql(store, "PRAGMA foreign_keys = ON", "foreign_keys")) < 0)
        goto out;
    /* A build without foreign keys would ignore the pragma silently. */
    if ((err = query_text(store, "PRAGMA foreign_keys", mode, sizeof(mode))) < 0)
        goto out;
    if (strcmp(mode, "1") != 0) {
        VG_LOG_ERROR("store", "SQLite refused foreign_keys=ON path=%s", store->path);
        err = VG_ESTORE;
        goto out;
    }
out:
    return err;
}

/* The highest migration applied, by a one-off query (used before the statements exist). */
static int read_schema_version(vg_store *store, int *version)
{
    char buf[32];
    int err = query_text(store, "SELECT coalesce(max(version), 0) FROM schema_migrations", buf,
                         sizeof(buf));
    if (err == 0)
        *version = atoi(buf);
    return err;
}

static int record_migration(vg_store *store, const vg_store_migration *m)
{
    sqlite3_stmt *stmt = NULL;
    int err = 0;
    int rc = sqlite3_prepare_v2(
        store->db,
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)", -1,
        &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 1, m->version);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 2, m->name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, now_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        err = store_error(store, rc, "recording migration version=%d failed path=%s", m->version,
                          store->path);
    sqlite3_finalize(stmt);
    return err;
}

/*
 * Applies one migration in its own transaction. BEGIN IMMEDIATE takes the
 * write lock first; the version is then read again, since another process
 * opening the same file may have applied it while we waited.
 */
static int apply_migration(vg_store *store, const vg_store_migration *m)
{
    int err = 0, current = 0;
    bool applied = false;
    if ((err = exec_sql(store, "BEGIN IMMEDIATE", "migration begin")) < 0)
        goto out;
    if ((err = read_schema_version(store, &current)) < 0)
        goto out;
    if (current < m->version) {
        int rc = sqlite3_exec(store->db, m->sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            err = store_error(store, rc, "migration version=%d name=\"%s\" failed path=%s",
                              m->version, m->name, store->path);
            goto out;
        }
        if ((err = record_migration(store, m)) < 0)
            goto out;
        applied = true;
    }
    if ((err = exec_sql(store, "COMMIT", "migration commit")) < 0)
        goto out;
    if (applied)
        VG_LOG_INFO("store", "applied migration version=%d name=\"%s\" path=%s", m->version,
                    m->name, store->path);
out:
    if (err < 0 && !sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static int migrate(vg_store *store)
{
    size_t count;
    const vg_store_migration *migrations = vg_store_migrations(&count);
    int latest = vg_store_migrations_latest();
    int err = 0, version = 0;

    /* The bookkeeping table is not a migration: it must exist to read the version. */
    if ((err = exec_sql(store,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, name TEXT, applied_at_ms INTEGER)",
                        "creating schema_migrations")) < 0)
        goto out;
    if ((err = read_schema_version(store, &version)) < 0)
        goto out;
    store->created = version == 0;
    if (version > latest) {
        VG_LOG_ERROR("store", "database schema version %d is newer than this vigil (%d) path=%s",
                     version, latest, store->path);
        err = VG_ESTORE;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (migrations[i].version <= version)
            continue;
        if ((err = apply_migration(store, &migrations[i])) < 0)
            goto out;
    }
out:
    return err;
}

static int prepare_statements(vg_store *store)
{
    for (int i = 0; i < STMT_NUM; i++) {
        int rc = sqlite3_prepare_v3(store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &store->stmt[i], NULL);
        if (rc != SQLITE_OK)
            return store_error(store, rc, "preparing statement %d failed", i);
    }
    return 0;
}

int vg_store_open(const char *path, vg_store **out)
{
    vg_store *store = NULL;
    int err = 0;
    *out = NULL;

    store = calloc(1, sizeof(*store));
    if (!store) {
        err = VG_ENOMEM;
        goto out;
    }
    int rc = sqlite3_open_v2(
        path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        if (!store->db) {
            err = VG_ENOMEM; /* SQLite could not even allocate the handle */
            goto out;
        }
        VG_LOG_ERROR("store", "cannot open database path=%s err=%s", path,
                     sqlite3_errmsg(store->db));
        err = VG_ESTORE;
        goto out;
    }
    const char *resolved = sqlite3_db_filename(store->db, "main");
    store->path = strdup(resolved && *resolved ? resolved : path);
    if (!store->path) {
        err = VG_ENOMEM;
        goto out;
    }
    if ((err = configure_connection(store)) < 0)
        goto out;

    /* The file exists now (journal_mode wrote to it): remember which one it is. */
    struct stat sb;
    if (stat(store->path, &sb) != 0) {
        VG_LOG_ERROR("store", "cannot stat database path=%s err=%s", store->path, strerror(errno));
        err = VG_ESTORE;
        goto out;
    }
    store->dev = sb.st_dev;
    store->ino = sb.st_ino;

    if ((err = migrate(store)) < 0)
        goto out;
    if ((err = prepare_statements(store)) < 0)
        goto out;
    if ((err = exec_sql(store, "PRAGMA busy_timeout = 250", "busy_timeout")) < 0)
        goto out;
    *out = store;
    store = NULL;
out:
    vg_store_close(store);
    return err;
}

void vg_store_close(vg_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < STMT_NUM; i++)
        sqlite3_finalize(store->stmt[i]); /* NULL is a no-op */
    if (store->db && sqlite3_close(store->db) != SQLITE_OK)
        VG_LOG_ERROR("store", "close failed path=%s err=%s", store->path ? store->path : "?",
                     sqlite3_errmsg(store->db));
    free(store->path);
    free(store);
}

/* snprintf into a caller's buffer that may be absent. */
__attribute__((format(printf, 3, 4))) static void set_why(char *why, size_t why_cap,
                                                          const char *fmt, ...)
{
    if (!why || why_cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_cap, fmt, ap);
    va_end(ap);
}

/*
 * Not logged: the reason goes back in `why`, and a health check that polls
 * would repeat the same line every time.
 */
int vg_store_check(vg_store *store, char *why, size_t why_cap)
{
    sqlite3_stmt *stmt = store->stmt[STMT_SCHEMA_VERSION];
    int err = 0;
    struct stat sb;

    set_why(why, why_cap, "%s", "");
    /*
     * An unlinked or replaced file still works through our open descriptor,
     * so a read alone would not notice that nobody else can see our writes.
     */
    if (stat(store->path, &sb) != 0 || sb.st_dev != store->dev || sb.st_ino != store->ino) {
        set_why(why, why_cap, "database file %s was removed or replaced", store->path);
        err = VG_ESTORE;
        goto out;
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        set_why(why, why_cap, "database read failed: %s", sqlite3_errmsg(store->db));
        err = VG_ESTORE;
        goto out;
    }
out:
    stmt_done(stmt);
    return err;
}

int vg_store_schema_version(vg_store *store)
{
    sqlite3_stmt *stmt = store->stmt[STMT_SCHEMA_VERSION];
    int64_t version = 0;
    int err = step_count(store, stmt, "schema version", &version);
    stmt_done(stmt);
    return err < 0 ? err : (int)version;
}

/* ---- transactions ---- */

/*
 * BEGIN IMMEDIATE takes the write lock now, so a later write in the
 * transaction cannot fail with SQLITE_BUSY halfway through (the busy
 * timeout applies here instead). Nesting is a caller bug: VG_ESTATE.
 */
int vg_store_begin(vg_store *store)
{
    if (!sqlite3_get_autocommit(store->db)) {
        VG_LOG_ERROR("store", "begin: a transaction is already open (they do not nest)");
        return VG_ESTATE;
    }
    return step_done(store, STMT_BEGIN, "begin");
}

/* On failure the transaction stays open: the caller rolls it back. */
int vg_store_commit(vg_store *store)
{
    if (sqlite3_get_autocommit(store->db)) {
        VG_LOG_ERROR("store", "commit: no transaction is open");
        return VG_ESTATE;
    }
    return step_done(store, STMT_COMMIT, "commit");
}

/* Nothing to do when no transaction is open (SQLite may have ended it after an error). */
void vg_store_rollback(vg_store *store)
{
    if (sqlite3_get_autocommit(store->db))
        return;
    step_done(store, STMT_ROLLBACK, "rollback");
}

/* ---- cameras ---- */

/* Binds ?2..?11, every column but the id. The strings must outlive the step. */
static int bind_camera_fields(sqlite3_stmt *stmt, const vg_camera *cam)
{
    int rc = bind_text(stmt, 2, cam->name);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 3, cam->stream_url);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 4, cam->location);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, cam->created_at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 6, cam->updated_at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 7, cam->max_readers);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 8, cam->rtsp_transport[0] ? cam->rtsp_transport : "tcp");
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 9, cam->record ? 1 : 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 10, cam->retention_days);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 11, cam->plan, (int)strnlen(cam->plan, sizeof(cam->plan)),
                               SQLITE_STATIC);
    return rc;
}

int vg_store_camera_insert(vg_store *store, vg_camera *cam)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CAMERA_INSERT];
    int err = 0;

    if (cam->id < 0) {
        err = VG_EINVAL;
        goto out;
    }
    /* NULL id: SQLite picks one above any ever used (AUTOINCREMENT). */
    int rc = cam->id > 0 ? sqlite3_bind_int64(stmt, 1, cam->id) : sqlite3_bind_null(stmt, 1);
    if (rc == SQLITE_OK)
        rc = bind_camera_fields(stmt, cam);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        err = VG_EEXIST;
        goto out;
    }
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "camera insert failed camera=%" PRId64, cam->id);
        goto out;
    }
    if (cam->id == 0)
        cam->id = sqlite3_last_insert_rowid(store->db);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_camera_get(vg_store *store, int64_t id, vg_camera *out)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CAMERA_GET];
    int err = 0;

    memset(out, 0, sizeof(*out));
    int rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        err = VG_ENOENT;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "camera get failed camera=%" PRId64, id);
        goto out;
    }
    err = camera_from_row(stmt, out);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_camera_list(vg_store *store, int64_t limit, int64_t offset, vg_camera **out, size_t *n,
                         int64_t *total)
{
    sqlite3_stmt *count = store->stmt[STMT_CAMERA_COUNT];
    sqlite3_stmt *list = store->stmt[STMT_CAMERA_LIST];
    int64_t all = 0;
    int err = 0;

    *out = NULL;
    *n = 0;
    *total = 0;
    if ((err = step_count(store, count, "camera", &all)) < 0)
        goto out;
    int rc = sqlite3_bind_int64(list, 1, limit);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(list, 2, offset);
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "camera list failed");
        goto out;
    }
    if ((err = collect_cameras(store, list, out, n)) < 0)
        goto out;
    *total = all;
out:
    stmt_done(count);
    stmt_done(list);
    return err;
}

int vg_store_camera_update(vg_store *store, const vg_camera *cam)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CAMERA_UPDATE];
    int err = 0;

    int rc = sqlite3_bind_int64(stmt, 1, cam->id);
    if (rc == SQLITE_OK)
        rc = bind_camera_fields(stmt, cam);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "camera update failed camera=%" PRId64, cam->id);
        goto out;
    }
    if (sqlite3_changes64(store->db) == 0)
        err = VG_ENOENT;
out:
    stmt_done(stmt);
    return err;
}

int vg_store_camera_delete(vg_store *store, int64_t id)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CAMERA_DELETE];
    int err = 0;

    /* Its streams go with it: ON DELETE CASCADE, with foreign_keys=ON. */
    int rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "camera delete failed camera=%" PRId64, id);
        goto out;
    }
    /* Counts the camera row only, not the cascaded streams. */
    if (sqlite3_changes64(store->db) == 0)
        err = VG_ENOENT;
out:
    stmt_done(stmt);
    return err;
}

int vg_store_camera_list_recorded(vg_store *store, vg_camera **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CAMERA_LIST_RECORDED];
    *out = NULL;
    *n = 0;
    int err = collect_cameras(store, stmt, out, n);
    stmt_done(stmt);
    return err;
}

/* ---- streams ---- */

/* Binds ?1 and ?3..?8 (all but camera_id, which only the insert writes). */
static int bind_stream_fields(sqlite3_stmt *stmt, const vg_stream *st)
{
    int rc =
        sqlite3_bind_text(stmt, 1, st->id, (int)strnlen(st->id, sizeof(st->id)), SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 3, st->source_url);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 4, vg_stream_status_name(st->status)); /* a static string */
    if (rc == SQLITE_OK)
        rc = bind_time_ms(stmt, 5, st->started_at_ms);
    if (rc == SQLITE_OK)
        rc = bind_time_ms(stmt, 6, st->stopped_at_ms);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 7, st->last_error);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 8, st->on_demand ? 1 : 0);
    return rc;
}

int vg_store_stream_insert(vg_store *store, const vg_stream *st)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_INSERT];
    int err = 0;

    if ((unsigned)st->status >= VG_STREAM_STATUS_COUNT) {
        err = VG_EINVAL;
        goto out;
    }
    /* A stream that no transition stamped yet is created now. */
    int64_t created = st->created_at_ms ? st->created_at_ms : now_ms();
    int rc = bind_stream_fields(stmt, st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, st->camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 9, created);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 10, st->updated_at_ms ? st->updated_at_ms : created);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    switch (rc) {
    case SQLITE_DONE:
        break;
    case SQLITE_CONSTRAINT_PRIMARYKEY: /* the stream id */
        err = VG_EEXIST;
        break;
    case SQLITE_CONSTRAINT_UNIQUE: /* streams_one_live_per_camera */
        err = VG_ECONFLICT;
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY: /* no such camera */
        err = VG_ENOENT;
        break;
    default:
        err = store_error(store, rc, "stream insert failed stream=%s camera=%" PRId64, st->id,
                          st->camera_id);
        break;
    }
out:
    stmt_done(stmt);
    return err;
}

int vg_store_stream_get(vg_store *store, const char *id, vg_stream *out)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_GET];
    int err = 0;

    memset(out, 0, sizeof(*out));
    int rc = bind_text(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        err = VG_ENOENT;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "stream get failed");
        goto out;
    }
    err = stream_from_row(store, stmt, out);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_stream_update(vg_store *store, const vg_stream *st)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_UPDATE];
    int err = 0;

    if ((unsigned)st->status >= VG_STREAM_STATUS_COUNT) {
        err = VG_EINVAL;
        goto out;
    }
    int rc = bind_stream_fields(stmt, st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 9, st->updated_at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 10, now_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) { /* streams_one_live_per_camera */
        err = VG_ECONFLICT;
        goto out;
    }
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "stream update failed stream=%s", st->id);
        goto out;
    }
    if (sqlite3_changes64(store->db) == 0)
        err = VG_ENOENT;
out:
    stmt_done(stmt);
    return err;
}

int vg_store_stream_find_live(vg_store *store, int64_t camera_id, vg_stream *out)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_FIND_LIVE];
    int err = 0;

    memset(out, 0, sizeof(*out));
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        err = VG_ENOENT;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "stream find_live failed camera=%" PRId64, camera_id);
        goto out;
    }
    err = stream_from_row(store, stmt, out);
out:
    stmt_done(stmt);
    return err;
}

/* Binds a list's filter to `stmt`: ?3 the camera (when there is one), ?4..?8 the statuses. */
static int bind_stream_filter(sqlite3_stmt *stmt, const vg_stream_filter *filter)
{
    unsigned wanted = filter->statuses ? filter->statuses : VG_STREAM_STATUS_ALL;
    int rc = filter->camera_id ? sqlite3_bind_int64(stmt, 3, filter->camera_id) : SQLITE_OK;
    for (int s = 0, slot = 4; s < VG_STREAM_STATUS_COUNT && rc == SQLITE_OK; s++) {
        if (wanted & VG_STREAM_STATUS_BIT(s))
            rc = bind_text(stmt, slot++, vg_stream_status_name((vg_stream_status)s)); /* static */
    }
    return rc; /* the slots left are NULL, which matches no status */
}

int vg_store_stream_list(vg_store *store, int64_t camera_id, int64_t limit, int64_t offset,
                         vg_stream **out, size_t *n, int64_t *total)
{
    vg_stream_filter filter = {.camera_id = camera_id};
    return vg_store_stream_list_filtered(store, &filter, limit, offset, out, n, total);
}

int vg_store_stream_list_filtered(vg_store *store, const vg_stream_filter *filter, int64_t limit,
                                  int64_t offset, vg_stream **out, size_t *n, int64_t *total)
{
    bool all_cameras = filter->camera_id == 0;
    sqlite3_stmt *count =
        store->stmt[all_cameras ? STMT_STREAM_COUNT_ALL : STMT_STREAM_COUNT_CAMERA];
    sqlite3_stmt *list = store->stmt[all_cameras ? STMT_STREAM_LIST_ALL : STMT_STREAM_LIST_CAMERA];
    int64_t all = 0;
    int err = 0;

    *out = NULL;
    *n = 0;
    *total = 0;
    int rc = bind_stream_filter(count, filter);
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "stream list failed camera=%" PRId64, filter->camera_id);
        goto out;
    }
    if ((err = step_count(store, count, "stream", &all)) < 0)
        goto out;
    rc = sqlite3_bind_int64(list, 1, limit);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(list, 2, offset);
    if (rc == SQLITE_OK)
        rc = bind_stream_filter(list, filter);
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "stream list failed camera=%" PRId64, filter->camera_id);
        goto out;
    }
    if ((err = collect_streams(store, list, out, n)) < 0)
        goto out;
    *total = all;
out:
    stmt_done(count);
    stmt_done(list);
    return err;
}

int vg_store_stream_list_live_cameras(vg_store *store, int64_t first_camera_id,
                                      int64_t last_camera_id, vg_stream **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_LIST_LIVE_CAMERAS];
    int err = 0;
    *out = NULL;
    *n = 0;
    int rc = sqlite3_bind_int64(stmt, 1, first_camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, last_camera_id);
    if (rc != SQLITE_OK)
        err = store_error(store, rc, "live stream list failed cameras=%" PRId64 "-%" PRId64,
                          first_camera_id, last_camera_id);
    else
        err = collect_streams(store, stmt, out, n);
    stmt_done(stmt);
    return err;
}

int vg_store_stream_list_live(vg_store *store, vg_stream **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_STREAM_LIST_LIVE];
    *out = NULL;
    *n = 0;
    int err = collect_streams(store, stmt, out, n);
    stmt_done(stmt);
    return err;
}

/* ---- recordings ---- */

/* A segment overlapping from_ms started after this (the duration bound; no overflow). */
static int64_t earliest_overlapping_start(int64_t from_ms)
{
    return from_ms < INT64_MIN + VG_RECORDING_MAX_DURATION_MS
               ? INT64_MIN
               : from_ms - VG_RECORDING_MAX_DURATION_MS;
}

int vg_store_recording_insert(vg_store *store, vg_recording *rec)
{
    sqlite3_stmt *stmt = store->stmt[STMT_RECORDING_INSERT];
    int err = 0;

    /* The list query relies on the duration bound (DESIGN above); the rest keeps rows sane. */
    if (!rec->path || !rec->path[0] || rec->bytes < 0 || rec->duration_ms < 0 ||
        rec->duration_ms > VG_RECORDING_MAX_DURATION_MS ||
        rec->start_ms > INT64_MAX - rec->duration_ms ||
        rec->end_ms != rec->start_ms + rec->duration_ms) {
        err = VG_EINVAL;
        goto out;
    }
    int rc = sqlite3_bind_int64(stmt, 1, rec->camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, rec->start_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, rec->end_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, rec->duration_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, rec->bytes);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 6, rec->path);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 7, rec->permanent ? 1 : 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) { /* the path */
        err = VG_EEXIST;
        goto out;
    }
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "recording insert failed camera=%" PRId64, rec->camera_id);
        goto out;
    }
    rec->id = sqlite3_last_insert_rowid(store->db);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_recording_list(vg_store *store, int64_t camera_id, int64_t from_ms, int64_t to_ms,
                            vg_recording **out, size_t *n)
{
    return vg_store_recording_list_limited(store, camera_id, from_ms, to_ms, -1, out, n);
}

int vg_store_recording_list_limited(vg_store *store, int64_t camera_id, int64_t from_ms,
                                    int64_t to_ms, int64_t limit, vg_recording **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_RECORDING_LIST];
    int err = 0;

    *out = NULL;
    *n = 0;
    if (from_ms >= to_ms)
        return 0; /* an empty range: the query alone would match a segment spanning from_ms */
    int64_t earliest = earliest_overlapping_start(from_ms);
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, from_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, to_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, earliest);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, limit); /* negative: no limit (SQLite's LIMIT -1) */
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "recording list failed camera=%" PRId64, camera_id);
        goto out;
    }
    err = collect_recordings(store, stmt, out, n);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_recording_has_path(vg_store *store, const char *path, bool *out)
{
    sqlite3_stmt *stmt = store->stmt[STMT_RECORDING_HAS_PATH];
    int err = 0;

    *out = false;
    int rc = bind_text(stmt, 1, path);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = true;
    else if (rc != SQLITE_DONE)
        err = store_error(store, rc, "recording lookup by path failed");
    stmt_done(stmt);
    return err;
}

/*
 * Runs the statement `id_stmt` with the row id `id` as ?1. Returns 0; VG_ENOENT
 * when `must_change` and no row changed; or the store error, logged as
 * "<what> failed recording=<id>".
 */
static int step_on_recording(vg_store *store, enum stmt_id id_stmt, int64_t id, const char *what,
                             bool must_change)
{
    sqlite3_stmt *stmt = store->stmt[id_stmt];
    int err = 0;
    int rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        err = store_error(store, rc, "%s failed recording=%" PRId64, what, id);
    else if (must_change && sqlite3_changes64(store->db) == 0)
        err = VG_ENOENT;
    stmt_done(stmt);
    return err;
}

int vg_store_recording_delete(vg_store *store, int64_t id)
{
    return step_on_recording(store, STMT_RECORDING_DELETE, id, "recording delete", true);
}

int vg_store_recording_expire(vg_store *store, int64_t id)
{
    return step_on_recording(store, STMT_RECORDING_EXPIRE, id, "recording expiry", true);
}

int vg_store_recording_camera_bytes(vg_store *store, int64_t camera_id, int64_t *bytes)
{
    sqlite3_stmt *stmt = store->stmt[STMT_RECORDING_CAMERA_BYTES];
    *bytes = 0;
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    int err = rc == SQLITE_OK
                  ? step_count(store, stmt, "recording bytes", bytes)
                  : store_error(store, rc, "recording bytes failed camera=%" PRId64, camera_id);
    stmt_done(stmt);
    return err;
}

const char *vg_store_path(const vg_store *store)
{
    return store->path;
}

int vg_store_checkpoint(const char *path, int *frames_out)
{
    sqlite3 *db = NULL;
    int rc = VG_ESTORE, log_frames = 0, done_frames = 0;
    *frames_out = 0;
    /* Its own connection: this runs on a worker while the loop keeps using the store's. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        goto out;
    /* A worker may wait for the loop's writer; the loop never waits long for us. */
    sqlite3_busy_timeout(db, 5000);
    /* A new connection learns that the file is in WAL mode only when it first reads it. */
    if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL; SELECT count(*) FROM sqlite_master", NULL,
                     NULL, NULL) != SQLITE_OK)
        goto out;
    /* PASSIVE: copies what it can without waiting for the loop's readers or writer. */
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done_frames) !=
        SQLITE_OK)
        goto out;
    if (log_frames < 0)
        goto out; /* the file is not in WAL mode */
    *frames_out = done_frames;
    if (log_frames > 0 && done_frames == log_frames) {
        /*
         * The WAL is all in the database now, so the next writer starts it
         * over and syncs its new header. Be that writer here, on the worker,
         * so that the loop's next commit appends without a sync.
         */
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO store_maintenance (id, last_checkpoint_ms) VALUES (1, %lld) "
                 "ON CONFLICT (id) DO UPDATE SET last_checkpoint_ms = excluded.last_checkpoint_ms",
                 (long long)time(NULL) * 1000);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            goto out;
    }
    rc = 0;

out:
    if (rc < 0)
        VG_LOG_WARN("store", "checkpoint failed path=%s err=%s", path,
                    db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return rc;
}

bool vg_store_created(const vg_store *store)
{
    return store->created;
}

/*
 * The three forms of a retention statement: one camera's rows (camera_id >
 * 0, bound as ?1), any camera's (0), or those of deleted cameras (< 0).
 * Binds ?1 when the statement has it, then `values` from ?2 on.
 */
static sqlite3_stmt *retention_stmt(vg_store *store, int64_t camera_id, enum stmt_id per_camera,
                                    enum stmt_id any, enum stmt_id orphan, const int64_t *values,
                                    size_t count, int *rc)
{
    enum stmt_id id = camera_id > 0 ? per_camera : camera_id == 0 ? any : orphan;
    sqlite3_stmt *stmt = store->stmt[id];
    *rc = id == per_camera ? sqlite3_bind_int64(stmt, 1, camera_id) : SQLITE_OK;
    for (size_t i = 0; i < count && *rc == SQLITE_OK; i++)
        *rc = sqlite3_bind_int64(stmt, (int)i + 2, values[i]);
    return stmt;
}

int vg_store_recording_oldest(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                              int64_t limit, vg_recording **out, size_t *n)
{
    int rc, err = 0;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt =
        retention_stmt(store, camera_id, STMT_RECORDING_OLDEST_CAMERA, STMT_RECORDING_OLDEST_ANY,
                       STMT_RECORDING_OLDEST_ORPHAN, (int64_t[]){ended_before_ms, limit}, 2, &rc);
    if (rc != SQLITE_OK)
        err = store_error(store, rc, "recording retention query failed camera=%" PRId64, camera_id);
    else
        err = collect_recordings(store, stmt, out, n);
    stmt_done(stmt);
    return err;
}

int vg_store_recording_expire_oldest(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                     int64_t last_start_ms, int64_t last_id, int64_t *deleted)
{
    int rc, err = 0;
    *deleted = 0;
    sqlite3_stmt *stmt =
        retention_stmt(store, camera_id, STMT_RECORDING_EXPIRE_OLDEST_CAMERA,
                       STMT_RECORDING_EXPIRE_OLDEST_ANY, STMT_RECORDING_EXPIRE_OLDEST_ORPHAN,
                       (int64_t[]){ended_before_ms, last_start_ms, last_id}, 3, &rc);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        err = store_error(store, rc, "recording batch expiry failed camera=%" PRId64, camera_id);
    else
        *deleted = sqlite3_changes64(store->db);
    stmt_done(stmt);
    return err;
}

int vg_store_recording_expire_batch(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                    int64_t limit, vg_recording **out, size_t *n)
{
    int rc, err = 0;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt = retention_stmt(
        store, camera_id, STMT_RECORDING_EXPIRE_BATCH_CAMERA, STMT_RECORDING_EXPIRE_BATCH_ANY,
        STMT_RECORDING_EXPIRE_BATCH_ORPHAN, (int64_t[]){ended_before_ms, limit}, 2, &rc);
    if (rc != SQLITE_OK)
        err = store_error(store, rc, "recording batch expiry failed camera=%" PRId64, camera_id);
    else
        err = collect_recordings(store, stmt, out, n);
    stmt_done(stmt);
    return err;
}

/* ---- clips ---- */

/*
 * Opens the transaction of one call that writes several statements:
 * BEGIN IMMEDIATE when none is open (*outer true), else a savepoint in the
 * caller's, so that a failure undoes this call's writes and nothing else.
 */
static int call_begin(vg_store *store, bool *outer)
{
    *outer = sqlite3_get_autocommit(store->db) != 0;
    return *outer ? step_done(store, STMT_BEGIN, "begin")
                  : step_done(store, STMT_SAVEPOINT, "savepoint");
}

/* Commits (err 0) or undoes (err < 0) what call_begin() opened; returns err, or the commit's. */
static int call_end(vg_store *store, bool outer, int err)
{
    if (err == 0)
        err = outer ? step_done(store, STMT_COMMIT, "commit")
                    : step_done(store, STMT_RELEASE, "release savepoint");
    if (err == 0)
        return 0;
    /* SQLite may have rolled back the whole transaction itself (a full disk, no memory). */
    if (sqlite3_get_autocommit(store->db))
        return err;
    if (outer) {
        step_done(store, STMT_ROLLBACK, "rollback");
    } else {
        step_done(store, STMT_ROLLBACK_TO, "rollback to savepoint");
        step_done(store, STMT_RELEASE, "release savepoint");
    }
    return err;
}

/*
 * Binds a clip's camera and time to one of the segment updates (MARK,
 * UNMARK) and runs it; *changed is the number of segments it wrote.
 */
static int update_clip_segments(vg_store *store, enum stmt_id id, int64_t camera_id,
                                int64_t start_ms, int64_t end_ms, int64_t *changed)
{
    sqlite3_stmt *stmt = store->stmt[id];
    int err = 0;
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, start_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, end_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, earliest_overlapping_start(start_ms));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        err = store_error(store, rc, "clip segments update failed camera=%" PRId64, camera_id);
    else
        *changed = sqlite3_changes64(store->db);
    stmt_done(stmt);
    return err;
}

int vg_store_clip_insert(vg_store *store, vg_clip *clip, int64_t *made_permanent)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CLIP_INSERT];
    int64_t id = 0, changed = 0;
    bool outer = false, open = false;
    int err = 0;

    if (made_permanent)
        *made_permanent = 0;
    if (!clip->name || !clip->name[0] || clip->end_ms <= clip->start_ms) {
        err = VG_EINVAL;
        goto out;
    }
    if ((err = call_begin(store, &outer)) < 0)
        goto out;
    open = true;
    int rc = sqlite3_bind_int64(stmt, 1, clip->camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, clip->start_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, clip->end_ms);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 4, clip->name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 5, clip->created_at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "clip insert failed camera=%" PRId64, clip->camera_id);
        goto out;
    }
    id = sqlite3_last_insert_rowid(store->db);
    err = update_clip_segments(store, STMT_CLIP_MARK, clip->camera_id, clip->start_ms, clip->end_ms,
                               &changed);
out:
    stmt_done(stmt);
    if (open)
        err = call_end(store, outer, err);
    if (err == 0) {
        clip->id = id;
        if (made_permanent)
            *made_permanent = changed;
    }
    return err;
}

int vg_store_clip_get(vg_store *store, int64_t id, vg_clip *out)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CLIP_GET];
    int err = 0;

    memset(out, 0, sizeof(*out));
    int rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, VG_RECORDING_MAX_DURATION_MS);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        err = VG_ENOENT;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "clip get failed clip=%" PRId64, id);
        goto out;
    }
    err = clip_from_row(stmt, out);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_clip_list(vg_store *store, int64_t camera_id, vg_clip **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CLIP_LIST];
    int err = 0;

    *out = NULL;
    *n = 0;
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, VG_RECORDING_MAX_DURATION_MS);
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "clip list failed camera=%" PRId64, camera_id);
        goto out;
    }
    err = collect_clips(store, stmt, out, n);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_clip_rename(vg_store *store, int64_t id, const char *name)
{
    sqlite3_stmt *stmt = store->stmt[STMT_CLIP_RENAME];
    int err = 0;

    if (!name || !name[0]) {
        err = VG_EINVAL;
        goto out;
    }
    int rc = sqlite3_bind_int64(stmt, 1, id);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 2, name);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "clip rename failed clip=%" PRId64, id);
        goto out;
    }
    if (sqlite3_changes64(store->db) == 0)
        err = VG_ENOENT;
out:
    stmt_done(stmt);
    return err;
}

/*
 * Reads the clip's camera and time, deletes its row, then computes the
 * flag again for the segments it overlapped: those in no other clip go back
 * to 0. All in one transaction, so that no reader sees the clip gone and
 * its segments still kept, or the other way round.
 */
int vg_store_clip_delete(vg_store *store, int64_t id)
{
    sqlite3_stmt *span = store->stmt[STMT_CLIP_SPAN];
    sqlite3_stmt *del = store->stmt[STMT_CLIP_DELETE];
    int64_t camera_id = 0, start_ms = 0, end_ms = 0, changed = 0;
    bool outer = false, open = false;
    int err = 0;

    if ((err = call_begin(store, &outer)) < 0)
        goto out;
    open = true;
    int rc = sqlite3_bind_int64(span, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(span);
    if (rc == SQLITE_DONE) {
        err = VG_ENOENT;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_error(store, rc, "clip delete failed clip=%" PRId64, id);
        goto out;
    }
    camera_id = sqlite3_column_int64(span, 0);
    start_ms = sqlite3_column_int64(span, 1);
    end_ms = sqlite3_column_int64(span, 2);
    stmt_done(span);
    rc = sqlite3_bind_int64(del, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(del);
    if (rc != SQLITE_DONE) {
        err = store_error(store, rc, "clip delete failed clip=%" PRId64, id);
        goto out;
    }
    err = update_clip_segments(store, STMT_CLIP_UNMARK, camera_id, start_ms, end_ms, &changed);
out:
    stmt_done(span);
    stmt_done(del);
    if (open)
        err = call_end(store, outer, err);
    return err;
}

int vg_store_recording_expiring(vg_store *store, int64_t camera_id, int64_t ended_before_ms,
                                bool unnotified_only, int64_t limit, vg_recording **out, size_t *n)
{
    sqlite3_stmt *stmt = store->stmt[STMT_RECORDING_EXPIRING];
    int err = 0;
    *out = NULL;
    *n = 0;
    int rc = sqlite3_bind_int64(stmt, 1, camera_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, ended_before_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, limit);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 4, unnotified_only ? 1 : 0);
    if (rc != SQLITE_OK) {
        err = store_error(store, rc, "expiring recordings query failed camera=%" PRId64, camera_id);
        goto out;
    }
    err = collect_recordings(store, stmt, out, n);
out:
    stmt_done(stmt);
    return err;
}

int vg_store_recording_mark_notified(vg_store *store, int64_t id)
{
    return step_on_recording(store, STMT_RECORDING_NOTIFIED, id, "recording notice mark", false);
}
