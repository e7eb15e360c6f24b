/*
 * migrations.c: the schema, one versioned step at a time (see migrations.h).
 *
 * The bookkeeping table schema_migrations is not a migration: sqlite.c
 * creates it before reading the version, so that it exists even in a new
 * file.
 */
#include "store/migrations.h"

static const vg_store_migration migrations[] = {
    {
        .version = 1,
        .name = "cameras and streams",
        /*
         * Timestamps are Unix milliseconds. A stream's started_at_ms and
         * stopped_at_ms are NULL until they happen (0 in vg_stream).
         *
         * AUTOINCREMENT: an id is never reused, even after the camera with
         * the highest id was deleted, and an explicit id moves the counter
         * up, so later automatic ids continue above it.
         *
         * streams.id is NOT NULL too: SQLite, for historical reasons, lets a
         * non-integer PRIMARY KEY column of a rowid table hold NULL.
         *
         * streams_one_live_per_camera is the backstop for the rule "at most
         * one live (not STOPPED) stream per camera" (domain/stream.h);
         * store.h reports its violation as VG_ECONFLICT.
         *
         * streams_camera_started serves the per-camera listing (newest
         * first) and the foreign-key lookups of ON DELETE CASCADE.
         */
        .sql = "CREATE TABLE cameras (\n"
               "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
               "    name TEXT NOT NULL,\n"
               "    stream_url TEXT NOT NULL,\n"
               "    location TEXT,\n"
               "    created_at_ms INTEGER NOT NULL,\n"
               "    updated_at_ms INTEGER NOT NULL\n"
               ");\n"
               "CREATE TABLE streams (\n"
               "    id TEXT NOT NULL PRIMARY KEY,\n"
               "    camera_id INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,\n"
               "    source_url TEXT NOT NULL,\n"
               "    status TEXT NOT NULL\n"
               "        CHECK (status IN ('STOPPED', 'STARTING', 'RUNNING', 'ERROR')),\n"
               "    started_at_ms INTEGER,\n"
               "    stopped_at_ms INTEGER,\n"
               "    last_error TEXT\n"
               ");\n"
               "CREATE UNIQUE INDEX streams_one_live_per_camera\n"
               "    ON streams(camera_id) WHERE status != 'STOPPED';\n"
               "CREATE INDEX streams_camera_started ON streams(camera_id, started_at_ms);\n",
    },
    {
        .version = 2,
        .name = "store maintenance",
        /*
         * One row the checkpoint worker writes after each full checkpoint, so
         * that the worker, not the loop, restarts the WAL and syncs its header
         * (sqlite.c, vg_store_checkpoint).
         */
        .sql = "CREATE TABLE store_maintenance (\n"
               "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
               "    last_checkpoint_ms INTEGER NOT NULL\n"
               ");\n",
    },
    {
        .version = 3,
        .name = "on-demand streams",
        /*
         * STANDBY (an on-demand stream waiting for a reader) and the on_demand
         * flag. SQLite cannot change a CHECK constraint in place: the table is
         * rebuilt, in this migration's transaction, and its indexes with it.
         */
        .sql = "CREATE TABLE streams_v3 (\n"
               "    id TEXT NOT NULL PRIMARY KEY,\n"
               "    camera_id INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,\n"
               "    source_url TEXT NOT NULL,\n"
               "    status TEXT NOT NULL\n"
               "        CHECK (status IN ('STOPPED', 'STARTING', 'RUNNING', 'ERROR', 'STANDBY')),\n"
               "    started_at_ms INTEGER,\n"
               "    stopped_at_ms INTEGER,\n"
               "    last_error TEXT,\n"
               "    on_demand INTEGER NOT NULL DEFAULT 0 CHECK (on_demand IN (0, 1))\n"
               ");\n"
               "INSERT INTO streams_v3 (id, camera_id, source_url, status, started_at_ms,\n"
               "                        stopped_at_ms, last_error)\n"
               "    SELECT id, camera_id, source_url, status, started_at_ms, stopped_at_ms,\n"
               "           last_error FROM streams;\n"
               "DROP TABLE streams;\n"
               "ALTER TABLE streams_v3 RENAME TO streams;\n"
               "CREATE UNIQUE INDEX streams_one_live_per_camera\n"
               "    ON streams(camera_id) WHERE status != 'STOPPED';\n"
               "CREATE INDEX streams_camera_started ON streams(camera_id, started_at_ms);\n",
    },
    {
        .version = 4,
        .name = "per-camera readers limit and RTSP transport",
        .sql = "ALTER TABLE cameras ADD COLUMN max_readers INTEGER NOT NULL DEFAULT -1\n"
               "    CHECK (max_readers >= -1);\n"
               "ALTER TABLE cameras ADD COLUMN rtsp_transport TEXT NOT NULL DEFAULT 'tcp'\n"
               "    CHECK (rtsp_transport IN ('tcp', 'udp', 'auto'));\n",
    },
    {
        .version = 5,
        .name = "24/7 recording",
        /*
         * The cameras' recording fields (domain/camera.h): retention_days -1
         * means "the plan's", plan '' means none.
         *
         * recordings is the segment index (domain/recording.h). camera_id has
         * no foreign key on purpose: a segment outlives its deleted camera,
         * on disk and here, until retention removes it, so deleting a camera
         * must neither cascade nor be refused.
         *
         * recordings_camera_start serves a camera's listing by time (the
         * overlap query bounds start_ms on both sides, see sqlite.c) and its
         * byte total; recordings_start serves retention, which scans every
         * camera's segments oldest first (a million rows is the expected
         * size). path is UNIQUE: a file is indexed once, and re-indexing
         * after a crash can ask whether it already is.
         */
        .sql = "ALTER TABLE cameras ADD COLUMN record INTEGER NOT NULL DEFAULT 0\n"
               "    CHECK (record IN (0, 1));\n"
               "ALTER TABLE cameras ADD COLUMN retention_days INTEGER NOT NULL DEFAULT -1;\n"
               "ALTER TABLE cameras ADD COLUMN plan TEXT NOT NULL DEFAULT '';\n"
               "CREATE TABLE recordings (\n"
               "    id INTEGER PRIMARY KEY,\n"
               "    camera_id INTEGER NOT NULL,\n"
               "    start_ms INTEGER NOT NULL,\n"
               "    end_ms INTEGER NOT NULL,\n"
               "    duration_ms INTEGER NOT NULL,\n"
               "    bytes INTEGER NOT NULL,\n"
               "    path TEXT NOT NULL UNIQUE,\n"
               "    permanent INTEGER NOT NULL DEFAULT 0 CHECK (permanent IN (0, 1))\n"
               ");\n"
               "CREATE INDEX recordings_camera_start ON recordings(camera_id, start_ms);\n"
               "CREATE INDEX recordings_start ON recordings(start_ms);\n",
    },
    {
        .version = 6,
        .name = "permanent clips",
        /*
         * A clip (domain/recording.h) keeps the segments it overlaps:
         * recordings.permanent is 1 exactly when a clip of the segment's
         * camera overlaps it, and sqlite.c keeps it so when a clip is added or
         * deleted and when a segment is indexed. camera_id has no foreign key,
         * as for recordings: a clip outlives its deleted camera (its segments
         * do too), until the user deletes it.
         *
         * clips_camera_start serves a camera's listing by time and the "is
         * this segment in a clip" lookup made for every segment indexed.
         */
        .sql = "CREATE TABLE clips (\n"
               "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
               "    camera_id INTEGER NOT NULL,\n"
               "    start_ms INTEGER NOT NULL,\n"
               "    end_ms INTEGER NOT NULL CHECK (end_ms > start_ms),\n"
               "    name TEXT NOT NULL,\n"
               "    created_at_ms INTEGER NOT NULL\n"
               ");\n"
               "CREATE INDEX clips_camera_start ON clips(camera_id, start_ms);\n",
    },
    {
        .version = 7,
        .name = "expiry notices",
        /*
         * A segment whose expiry notice (the webhook) has gone out: each span
         * about to expire is announced once, never again, across restarts.
         */
        .sql = "ALTER TABLE recordings ADD COLUMN expiry_notified INTEGER NOT NULL DEFAULT 0\n"
               "    CHECK (expiry_notified IN (0, 1));\n",
    },
    {
        .version = 8,
        .name = "stream created and updated times",
        /*
         * Seed 001's admin lists a stream's created and updated dates. Rows
         * from before are given the best times they have: created when
         * started, updated when stopped (else when started). 0 (shown as
         * null) only for a row that never started, which vigil never writes.
         */
        .sql = "ALTER TABLE streams ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;\n"
               "ALTER TABLE streams ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;\n"
               "UPDATE streams SET created_at_ms = coalesce(started_at_ms, 0),\n"
               "    updated_at_ms = coalesce(stopped_at_ms, started_at_ms, 0);\n",
    },
};

const vg_store_migration *vg_store_migrations(size_t *count)
{
    *count = sizeof(migrations) / sizeof(migrations[0]);
    return migrations;
}

int vg_store_migrations_latest(void)
{
    return migrations[sizeof(migrations) / sizeof(migrations[0]) - 1].version;
}
