/*
 * test_sqlite.c: the SQLite store (src/store/sqlite.c) against store.h.
 *
 * Each test works on a fresh database in its own temporary directory. The
 * test talks to the same file through a second, raw sqlite3 connection
 * where it must see what the store wrote (journal mode, NULL timestamps) or
 * plant what the store would never write (a future schema version).
 */
#include "vg_test.h"

#include "core/error.h"
#include "domain/camera.h"
#include "domain/recording.h"
#include "domain/stream.h"
#include "store/maintenance.h"
#include "store/migrations.h"
#include "store/store.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define ID_A "00000000-0000-4000-8000-00000000000a"
#define ID_B "00000000-0000-4000-8000-00000000000b"
#define ID_C "00000000-0000-4000-8000-00000000000c"
#define ID_D "00000000-0000-4000-8000-00000000000d"
#define ID_E "00000000-0000-4000-8000-00000000000e"

/* A URL with credentials, as a real camera's would be. */
#define CAM_URL "rtsp://admin:secret@10.0.0.5:554/stream1"

static char dir[PATH_MAX];
static char db_path[PATH_MAX + 16];

static void db_setup(void)
{
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(db_path, sizeof(db_path), "%s/vigil.db", dir);
}

static void db_teardown(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[sizeof(db_path) + 16];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
}

static vg_store *store_open(void)
{
    vg_store *store = NULL;
    int err = vg_store_open(db_path, &store);
    CHECK_INT_EQ(err, 0);
    CHECK(store != NULL);
    return store;
}

/* Runs SQL on a raw connection of its own; returns the sqlite3 result code. */
static int raw_exec(const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* The first column of the first row of `sql` on a raw connection, as text ("" for none). */
static void raw_query(const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    snprintf(out, cap, "%s", "");
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        snprintf(out, cap, "%s", text ? (const char *)text : "NULL");
    }
    CHECK_INT_EQ(rc, SQLITE_OK);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static vg_camera camera_new(int64_t id, const char *name, const char *location)
{
    vg_camera cam = {
        .id = id,
        .name = strdup(name),
        .stream_url = strdup(CAM_URL),
        .location = location ? strdup(location) : NULL,
        .created_at_ms = 1700000000000,
        .updated_at_ms = 1700000000001,
    };
    return cam;
}

static vg_stream stream_new(const char *id, int64_t camera_id, vg_stream_status status,
                            int64_t started_at_ms)
{
    vg_stream st = {
        .camera_id = camera_id,
        .source_url = strdup(CAM_URL),
        .status = status,
        .started_at_ms = started_at_ms,
    };
    snprintf(st.id, sizeof(st.id), "%s", id);
    return st;
}

/* Inserts a camera with an automatic id and returns the id. */
static int64_t add_camera(vg_store *store, const char *name)
{
    vg_camera cam = camera_new(0, name, NULL);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    int64_t id = cam.id;
    vg_camera_clear(&cam);
    return id;
}

static int add_stream(vg_store *store, const char *id, int64_t camera_id, vg_stream_status status,
                      int64_t started_at_ms)
{
    vg_stream st = stream_new(id, camera_id, status, started_at_ms);
    if (status == VG_STREAM_STOPPED && started_at_ms)
        st.stopped_at_ms = started_at_ms + 500;
    int err = vg_store_stream_insert(store, &st);
    vg_stream_clear(&st);
    return err;
}

static void test_open_creates_schema_and_reopen_is_idempotent(void)
{
    db_setup();
    vg_store *store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    CHECK(vg_store_created(store));
    vg_store_close(store);

    store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    CHECK(!vg_store_created(store));
    vg_store_close(store);

    char buf[64], want[16];
    raw_query("SELECT count(*) FROM schema_migrations", buf, sizeof(buf));
    snprintf(want, sizeof(want), "%d", vg_store_migrations_latest());
    CHECK_STR_EQ(buf, want);
    raw_query("SELECT name FROM schema_migrations WHERE version = 2", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "store maintenance");
    raw_query("SELECT name FROM schema_migrations WHERE version = 1", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "cameras and streams");
    raw_query("SELECT applied_at_ms > 0 FROM schema_migrations WHERE version = 1", buf,
              sizeof(buf));
    CHECK_STR_EQ(buf, "1");

    vg_store_close(NULL); /* a no-op */
    db_teardown();
}

static void test_journal_mode_is_wal(void)
{
    db_setup();
    vg_store *store = store_open();
    char mode[32];
    raw_query("PRAGMA journal_mode", mode, sizeof(mode));
    CHECK_STR_EQ(mode, "wal");
    vg_store_close(store);
    db_teardown();
}

static void test_camera_crud_and_paging(void)
{
    db_setup();
    vg_store *store = store_open();
    char name[32];
    for (int i = 1; i <= 5; i++) {
        snprintf(name, sizeof(name), "cam %d", i);
        CHECK_INT_EQ(add_camera(store, name), i);
    }

    vg_camera got;
    CHECK_INT_EQ(vg_store_camera_get(store, 3, &got), 0);
    CHECK_INT_EQ(got.id, 3);
    CHECK_STR_EQ(got.name, "cam 3");
    CHECK_STR_EQ(got.stream_url, CAM_URL);
    CHECK(got.location == NULL);
    CHECK_INT_EQ(got.created_at_ms, 1700000000000);
    CHECK_INT_EQ(got.updated_at_ms, 1700000000001);

    free(got.name);
    got.name = strdup("front door");
    got.location = strdup("porch");
    got.updated_at_ms = 1800000000000;
    CHECK_INT_EQ(vg_store_camera_update(store, &got), 0);
    vg_camera_clear(&got);
    CHECK_INT_EQ(vg_store_camera_get(store, 3, &got), 0);
    CHECK_STR_EQ(got.name, "front door");
    CHECK_STR_EQ(got.location, "porch");
    CHECK_INT_EQ(got.updated_at_ms, 1800000000000);
    vg_camera_clear(&got);

    vg_camera *cams = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK_INT_EQ(vg_store_camera_list(store, 2, 0, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(total, 5);
    CHECK(cams && cams[0].id == 1 && cams[1].id == 2);
    vg_camera_array_free(cams, n);

    CHECK_INT_EQ(vg_store_camera_list(store, 2, 4, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 5);
    CHECK(cams && cams[0].id == 5);
    vg_camera_array_free(cams, n);

    CHECK_INT_EQ(vg_store_camera_list(store, 10, 10, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 0);
    CHECK(cams == NULL);
    CHECK_INT_EQ(total, 5);

    CHECK_INT_EQ(vg_store_camera_delete(store, 2), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, 2, &got), VG_ENOENT);
    CHECK(got.name == NULL);
    CHECK_INT_EQ(vg_store_camera_delete(store, 2), VG_ENOENT);
    vg_camera ghost = camera_new(2, "ghost", NULL);
    CHECK_INT_EQ(vg_store_camera_update(store, &ghost), VG_ENOENT);
    vg_camera_clear(&ghost);

    CHECK_INT_EQ(vg_store_camera_list(store, 100, 0, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 4);
    CHECK_INT_EQ(total, 4);
    CHECK(cams && cams[0].id == 1 && cams[1].id == 3 && cams[3].id == 5);
    vg_camera_array_free(cams, n);

    vg_store_close(store);
    db_teardown();
}

static void test_camera_explicit_id(void)
{
    db_setup();
    vg_store *store = store_open();

    vg_camera cam = camera_new(42, "explicit", NULL);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    CHECK_INT_EQ(cam.id, 42);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), VG_EEXIST);
    vg_camera_clear(&cam);

    /* Automatic ids continue above the highest ever used. */
    CHECK_INT_EQ(add_camera(store, "auto"), 43);
    cam = camera_new(1000000, "large", NULL);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    vg_camera_clear(&cam);
    CHECK_INT_EQ(vg_store_camera_delete(store, 1000000), 0);
    CHECK_INT_EQ(add_camera(store, "after large"), 1000001); /* never reused */

    cam = camera_new(-1, "negative", NULL);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), VG_EINVAL);
    vg_camera_clear(&cam);

    vg_store_close(store);
    db_teardown();
}

static void test_camera_location_round_trip(void)
{
    db_setup();
    vg_store *store = store_open();

    vg_camera cam = camera_new(0, "no location", NULL);
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    vg_camera got;
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK(got.location == NULL);
    vg_camera_clear(&got);

    /* Set, then cleared again by an update. */
    cam.location = strdup("hall, 2nd floor");
    CHECK_INT_EQ(vg_store_camera_update(store, &cam), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK_STR_EQ(got.location, "hall, 2nd floor");
    vg_camera_clear(&got);
    free(cam.location);
    cam.location = NULL;
    CHECK_INT_EQ(vg_store_camera_update(store, &cam), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK(got.location == NULL);
    vg_camera_clear(&got);
    vg_camera_clear(&cam);

    char buf[32];
    raw_query("SELECT typeof(location) FROM cameras", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "null");

    vg_store_close(store);
    db_teardown();
}

static void test_stream_crud(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam = add_camera(store, "cam");

    /* Never started: the times are NULL in the file and 0 when read back. */
    CHECK_INT_EQ(add_stream(store, ID_A, cam, VG_STREAM_STOPPED, 0), 0);
    vg_stream got;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_STR_EQ(got.id, ID_A);
    CHECK_INT_EQ(got.camera_id, cam);
    CHECK_STR_EQ(got.source_url, CAM_URL);
    CHECK_INT_EQ(got.status, VG_STREAM_STOPPED);
    CHECK_INT_EQ(got.started_at_ms, 0);
    CHECK_INT_EQ(got.stopped_at_ms, 0);
    CHECK(got.last_error == NULL);
    vg_stream_clear(&got);
    char buf[64];
    raw_query("SELECT typeof(started_at_ms) || ',' || typeof(stopped_at_ms) FROM streams", buf,
              sizeof(buf));
    CHECK_STR_EQ(buf, "null,null");

    /* A live one: STARTING, then ERROR with a reason, then RUNNING. */
    CHECK_INT_EQ(vg_store_stream_find_live(store, cam, &got), VG_ENOENT);
    CHECK_INT_EQ(add_stream(store, ID_B, cam, VG_STREAM_STARTING, 5000), 0);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &got), 0);
    CHECK_INT_EQ(vg_stream_transition(&got, VG_STREAM_ERROR, 6000, "connection refused"), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_find_live(store, cam, &got), 0);
    CHECK_STR_EQ(got.id, ID_B);
    CHECK_INT_EQ(got.status, VG_STREAM_ERROR);
    CHECK_STR_EQ(got.last_error, "connection refused");
    CHECK_INT_EQ(got.started_at_ms, 5000);
    CHECK_INT_EQ(vg_stream_transition(&got, VG_STREAM_STARTING, 7000, NULL), 0);
    CHECK_INT_EQ(vg_stream_transition(&got, VG_STREAM_RUNNING, 7100, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &got), 0);
    CHECK_INT_EQ(got.status, VG_STREAM_RUNNING);
    CHECK(got.last_error == NULL);
    vg_stream_clear(&got);

    /* Missing rows. */
    CHECK_INT_EQ(vg_store_stream_get(store, ID_E, &got), VG_ENOENT);
    vg_stream ghost = stream_new(ID_E, cam, VG_STREAM_STOPPED, 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &ghost), VG_ENOENT);
    vg_stream_clear(&ghost);

    /* The same id twice. */
    CHECK_INT_EQ(add_stream(store, ID_A, cam, VG_STREAM_STOPPED, 0), VG_EEXIST);

    vg_store_close(store);
    db_teardown();
}

static void test_stream_lists(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam1 = add_camera(store, "one");
    int64_t cam2 = add_camera(store, "two");

    /* cam1: stopped at 1000 (C) and 3000 (A), never started (E), live from 3000 (B). */
    CHECK_INT_EQ(add_stream(store, ID_C, cam1, VG_STREAM_STOPPED, 1000), 0);
    CHECK_INT_EQ(add_stream(store, ID_A, cam1, VG_STREAM_STOPPED, 3000), 0);
    CHECK_INT_EQ(add_stream(store, ID_E, cam1, VG_STREAM_STOPPED, 0), 0);
    CHECK_INT_EQ(add_stream(store, ID_B, cam1, VG_STREAM_RUNNING, 3000), 0);
    /* cam2: live from 2000 (D). */
    CHECK_INT_EQ(add_stream(store, ID_D, cam2, VG_STREAM_STARTING, 2000), 0);

    vg_stream *sts = NULL;
    size_t n = 0;
    int64_t total = 0;
    /* Newest start first, ties by id, never started last. */
    CHECK_INT_EQ(vg_store_stream_list(store, cam1, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 4);
    CHECK_INT_EQ(total, 4);
    if (n == 4) {
        CHECK_STR_EQ(sts[0].id, ID_A);
        CHECK_STR_EQ(sts[1].id, ID_B);
        CHECK_STR_EQ(sts[2].id, ID_C);
        CHECK_STR_EQ(sts[3].id, ID_E);
        CHECK_INT_EQ(sts[0].stopped_at_ms, 3500);
        CHECK_INT_EQ(sts[1].status, VG_STREAM_RUNNING);
    }
    vg_stream_array_free(sts, n);

    CHECK_INT_EQ(vg_store_stream_list(store, cam1, 2, 1, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(total, 4);
    if (n == 2) {
        CHECK_STR_EQ(sts[0].id, ID_B);
        CHECK_STR_EQ(sts[1].id, ID_C);
    }
    vg_stream_array_free(sts, n);

    CHECK_INT_EQ(vg_store_stream_list(store, cam2, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 1);
    CHECK(sts && strcmp(sts[0].id, ID_D) == 0);
    vg_stream_array_free(sts, n);

    /* camera_id 0: every camera. */
    CHECK_INT_EQ(vg_store_stream_list(store, 0, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 5);
    CHECK_INT_EQ(total, 5);
    if (n == 5) {
        CHECK_STR_EQ(sts[0].id, ID_A);
        CHECK_STR_EQ(sts[1].id, ID_B);
        CHECK_STR_EQ(sts[2].id, ID_D);
        CHECK_STR_EQ(sts[3].id, ID_C);
        CHECK_STR_EQ(sts[4].id, ID_E);
    }
    vg_stream_array_free(sts, n);

    /* An unknown camera has no streams. */
    CHECK_INT_EQ(vg_store_stream_list(store, 999, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 0);
    CHECK(sts == NULL);
    CHECK_INT_EQ(total, 0);

    CHECK_INT_EQ(vg_store_stream_list_live(store, &sts, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(sts[0].id, ID_B); /* by camera */
        CHECK_STR_EQ(sts[1].id, ID_D);
    }
    vg_stream_array_free(sts, n);

    vg_store_close(store);
    db_teardown();
}

static void test_stream_one_live_per_camera(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam1 = add_camera(store, "one");
    int64_t cam2 = add_camera(store, "two");

    /* Stopped ones and one live one coexist. */
    CHECK_INT_EQ(add_stream(store, ID_A, cam1, VG_STREAM_STOPPED, 1000), 0);
    CHECK_INT_EQ(add_stream(store, ID_B, cam1, VG_STREAM_STOPPED, 2000), 0);
    CHECK_INT_EQ(add_stream(store, ID_C, cam1, VG_STREAM_RUNNING, 3000), 0);

    /* A second live one does not, whatever its live state. */
    CHECK_INT_EQ(add_stream(store, ID_D, cam1, VG_STREAM_STARTING, 4000), VG_ECONFLICT);
    CHECK_INT_EQ(add_stream(store, ID_D, cam1, VG_STREAM_ERROR, 4000), VG_ECONFLICT);
    /* A taken id is still VG_EEXIST, not a conflict, when it is stopped. */
    CHECK_INT_EQ(add_stream(store, ID_C, cam1, VG_STREAM_STOPPED, 4000), VG_EEXIST);

    /* Restarting a stopped one while another is live: the same conflict. */
    vg_stream st;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &st), 0);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STARTING, 5000, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &st), VG_ECONFLICT);

    /* Once the live one stops, it may start. */
    vg_stream live;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_C, &live), 0);
    CHECK_INT_EQ(vg_stream_transition(&live, VG_STREAM_STOPPED, 5000, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &live), 0);
    vg_stream_clear(&live);
    CHECK_INT_EQ(vg_store_stream_update(store, &st), 0);
    vg_stream_clear(&st);
    CHECK_INT_EQ(vg_store_stream_find_live(store, cam1, &st), 0);
    CHECK_STR_EQ(st.id, ID_A);
    vg_stream_clear(&st);

    /* Another camera is not affected. */
    CHECK_INT_EQ(add_stream(store, ID_D, cam2, VG_STREAM_RUNNING, 4000), 0);

    vg_store_close(store);
    db_teardown();
}

static void test_stream_of_unknown_camera(void)
{
    db_setup();
    vg_store *store = store_open();
    CHECK_INT_EQ(add_stream(store, ID_A, 77, VG_STREAM_STOPPED, 0), VG_ENOENT);
    CHECK_INT_EQ(add_stream(store, ID_A, 77, VG_STREAM_STARTING, 1000), VG_ENOENT);
    vg_stream st;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &st), VG_ENOENT);
    vg_store_close(store);
    db_teardown();
}

static void test_camera_delete_cascades(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam1 = add_camera(store, "one");
    int64_t cam2 = add_camera(store, "two");
    CHECK_INT_EQ(add_stream(store, ID_A, cam1, VG_STREAM_STOPPED, 1000), 0);
    CHECK_INT_EQ(add_stream(store, ID_B, cam1, VG_STREAM_RUNNING, 2000), 0);
    CHECK_INT_EQ(add_stream(store, ID_C, cam2, VG_STREAM_RUNNING, 2000), 0);

    CHECK_INT_EQ(vg_store_camera_delete(store, cam1), 0);
    vg_stream st;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &st), VG_ENOENT);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &st), VG_ENOENT);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_C, &st), 0);
    vg_stream_clear(&st);

    vg_stream *sts = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK_INT_EQ(vg_store_stream_list(store, 0, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 1);
    vg_stream_array_free(sts, n);

    vg_store_close(store);
    db_teardown();
}

static void test_transactions(void)
{
    db_setup();
    vg_store *store = store_open();

    CHECK_INT_EQ(vg_store_begin(store), 0);
    CHECK_INT_EQ(vg_store_begin(store), VG_ESTATE); /* not nestable */
    int64_t gone = add_camera(store, "rolled back");
    vg_store_rollback(store);
    vg_camera cam;
    CHECK_INT_EQ(vg_store_camera_get(store, gone, &cam), VG_ENOENT);

    CHECK_INT_EQ(vg_store_begin(store), 0);
    int64_t cam_id = add_camera(store, "committed");
    CHECK_INT_EQ(add_stream(store, ID_A, cam_id, VG_STREAM_STARTING, 1000), 0);
    CHECK_INT_EQ(vg_store_commit(store), 0);
    CHECK_INT_EQ(vg_store_commit(store), VG_ESTATE); /* none open */
    vg_store_rollback(store);                        /* none open: a no-op */
    CHECK_INT_EQ(vg_store_camera_get(store, cam_id, &cam), 0);
    vg_camera_clear(&cam);

    vg_store_close(store);
    db_teardown();
}

static void test_data_survives_reopen(void)
{
    db_setup();
    vg_store *store = store_open();
    vg_camera cam = camera_new(0, "persistent", "roof");
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    CHECK_INT_EQ(add_stream(store, ID_A, cam.id, VG_STREAM_RUNNING, 1234), 0);
    vg_store_close(store);

    store = store_open();
    vg_camera got;
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK_STR_EQ(got.name, "persistent");
    CHECK_STR_EQ(got.location, "roof");
    CHECK_STR_EQ(got.stream_url, CAM_URL);
    vg_camera_clear(&got);
    vg_stream st;
    CHECK_INT_EQ(vg_store_stream_find_live(store, cam.id, &st), 0);
    CHECK_STR_EQ(st.id, ID_A);
    CHECK_INT_EQ(st.started_at_ms, 1234);
    vg_stream_clear(&st);
    vg_camera_clear(&cam);
    vg_store_close(store);
    db_teardown();
}

static void test_check_notices_removed_file(void)
{
    db_setup();
    vg_store *store = store_open();
    char why[PATH_MAX + 128] = "untouched";
    CHECK_INT_EQ(vg_store_check(store, why, sizeof(why)), 0);
    CHECK_STR_EQ(why, "");
    CHECK_INT_EQ(vg_store_check(store, NULL, 0), 0);

    CHECK_INT_EQ(unlink(db_path), 0);
    CHECK_INT_EQ(vg_store_check(store, why, sizeof(why)), VG_ESTORE);
    CHECK(strstr(why, "was removed or replaced") != NULL);
    CHECK(strstr(why, "vigil.db") != NULL);

    /* A new file at the same path is another inode: still refused. */
    FILE *f = fopen(db_path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK_INT_EQ(vg_store_check(store, why, sizeof(why)), VG_ESTORE);
    CHECK(strstr(why, "was removed or replaced") != NULL);

    vg_store_close(store);
    db_teardown();
}

static void test_future_schema_is_refused(void)
{
    db_setup();
    vg_store *store = store_open();
    vg_store_close(store);

    CHECK_INT_EQ(raw_exec("INSERT INTO schema_migrations (version, name, applied_at_ms)"
                          " VALUES (999, 'from the future', 0)"),
                 SQLITE_OK);
    store = (vg_store *)&store; /* must be reset to NULL */
    CHECK_INT_EQ(vg_store_open(db_path, &store), VG_ESTORE);
    CHECK(store == NULL);
    db_teardown();
}

static void test_open_fails_without_directory(void)
{
    vg_store *store = NULL;
    CHECK_INT_EQ(vg_store_open("/nonexistent-vigil-dir/x/vigil.db", &store), VG_ESTORE);
    CHECK(store == NULL);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The store never checkpoints by itself (that would fsync on the loop); vg_store_checkpoint does.
 */
static void test_checkpoint_is_explicit(void)
{
    db_setup();
    vg_store *store = store_open();
    char wal[sizeof(db_path) + 8], name[32];
    snprintf(wal, sizeof(wal), "%s-wal", db_path);
    /* Well past SQLite's default auto-checkpoint of 1000 pages. */
    CHECK_INT_EQ(vg_store_begin(store), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "cam %d", i);
        add_camera(store, name);
    }
    CHECK_INT_EQ(vg_store_commit(store), 0);
    for (int i = 0; i < 1200; i++) {
        snprintf(name, sizeof(name), "more %d", i);
        add_camera(store, name); /* one commit each: 1200 commits */
    }
    off_t db_before = file_size(db_path);
    CHECK(file_size(wal) > 1000 * 4096); /* no automatic checkpoint trimmed it */

    int frames = 0;
    CHECK_INT_EQ(vg_store_checkpoint(vg_store_path(store), &frames), 0);
    CHECK(frames > 1000);
    CHECK(file_size(db_path) > db_before); /* the pages reached the database file */
    /* A full checkpoint ends with the worker's own small write, which starts the WAL over. */
    char buf[64];
    raw_query("SELECT count(*) FROM store_maintenance", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "1");
    vg_store_close(store);

    CHECK_INT_EQ(vg_store_checkpoint("/nonexistent-dir/vigil.db", &frames), VG_ESTORE);
    db_teardown();
}

static void on_stop_loop(uv_timer_t *t)
{
    vg_store_maintenance_stop(t->data);
    uv_close((uv_handle_t *)t, NULL);
}

/* The maintenance timer checkpoints on a worker and frees itself cleanly when stopped. */
static void test_maintenance_runs_on_a_loop(void)
{
    db_setup();
    vg_store *store = store_open();
    add_camera(store, "a");
    uv_loop_t loop;
    uv_loop_init(&loop);
    vg_store_maintenance *m = NULL;
    CHECK_INT_EQ(vg_store_maintenance_start(&loop, store, 5, &m), 0);
    uv_timer_t stop;
    uv_timer_init(&loop, &stop);
    stop.data = m;
    uv_timer_start(&stop, on_stop_loop, 60, 0);
    uv_run(&loop, UV_RUN_DEFAULT); /* ends once the maintenance has closed everything */
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
    int frames = -1;
    CHECK_INT_EQ(vg_store_checkpoint(vg_store_path(store), &frames), 0);
    vg_store_close(store);
    db_teardown();
}

/* STANDBY and on_demand survive a round trip (schema v3). */
static void test_on_demand_standby_round_trip(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam = add_camera(store, "a");
    vg_stream st = {.camera_id = cam,
                    .status = VG_STREAM_STANDBY,
                    .on_demand = true,
                    .source_url = "rtsp://h/x",
                    .started_at_ms = 5};
    snprintf(st.id, sizeof(st.id), "%s", "0b6e9a1e-1c1d-4e5f-8a9b-0c1d2e3f4a5b");
    CHECK_INT_EQ(vg_store_stream_insert(store, &st), 0);
    vg_stream got;
    CHECK_INT_EQ(vg_store_stream_get(store, st.id, &got), 0);
    CHECK_INT_EQ(got.status, VG_STREAM_STANDBY);
    CHECK(got.on_demand);
    vg_stream_clear(&got);
    /* A STANDBY stream is live: it holds the camera. */
    CHECK_INT_EQ(vg_store_stream_find_live(store, cam, &got), 0);
    vg_stream_clear(&got);
    vg_store_close(store);
    db_teardown();
}

/*
 * Makes db_path a database as an older vigil left it: the migrations up to
 * `version` applied by hand and recorded, none after. Call after db_setup().
 */
static void db_at_schema_version(int version)
{
    size_t count;
    const vg_store_migration *m = vg_store_migrations(&count);
    CHECK(count > (size_t)version);
    char sql[128];
    FILE *f = fopen(db_path, "w"); /* an empty file is an empty SQLite database */
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK_INT_EQ(raw_exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT,"
                          " applied_at_ms INTEGER)"),
                 SQLITE_OK);
    for (size_t i = 0; i < count && m[i].version <= version; i++) {
        CHECK_INT_EQ(raw_exec(m[i].sql), SQLITE_OK);
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 'old', 0)",
                 m[i].version);
        CHECK_INT_EQ(raw_exec(sql), SQLITE_OK);
    }
}

/* A database made by an older vigil (schema v2, with data) is migrated with its rows. */
static void test_migration_keeps_rows(void)
{
    db_setup();
    db_at_schema_version(2);
    CHECK_INT_EQ(raw_exec("INSERT INTO cameras VALUES (7, 'old cam', 'rtsp://h/x', NULL, 1, 2);"
                          "INSERT INTO streams VALUES ('0b6e9a1e-1c1d-4e5f-8a9b-0c1d2e3f4a5b', 7,"
                          " 'rtsp://h/x', 'RUNNING', 10, NULL, NULL)"),
                 SQLITE_OK);
    vg_store *store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    CHECK(!vg_store_created(store));
    vg_camera old;
    CHECK_INT_EQ(vg_store_camera_get(store, 7, &old), 0);
    CHECK_INT_EQ(old.max_readers, -1); /* v4's defaults for a camera made before it */
    CHECK_STR_EQ(old.rtsp_transport, "tcp");
    vg_camera_clear(&old);
    vg_stream got;
    CHECK_INT_EQ(vg_store_stream_get(store, "0b6e9a1e-1c1d-4e5f-8a9b-0c1d2e3f4a5b", &got), 0);
    CHECK_INT_EQ(got.status, VG_STREAM_RUNNING);
    CHECK(!got.on_demand);
    CHECK_INT_EQ(got.started_at_ms, 10);
    vg_stream_clear(&got);
    /* The indexes came back with the table: still one live stream per camera. */
    vg_stream second = {.camera_id = 7, .status = VG_STREAM_STARTING, .source_url = "rtsp://h/y"};
    snprintf(second.id, sizeof(second.id), "%s", "1b6e9a1e-1c1d-4e5f-8a9b-0c1d2e3f4a5b");
    CHECK_INT_EQ(vg_store_stream_insert(store, &second), VG_ECONFLICT);
    vg_store_close(store);
    db_teardown();
}

/* A database made by the previous vigil (schema v4, with data) gets v5's columns and defaults. */
static void test_migration_from_v4_keeps_cameras(void)
{
    db_setup();
    db_at_schema_version(4);
    CHECK_INT_EQ(raw_exec("INSERT INTO cameras (id, name, stream_url, location, created_at_ms,"
                          " updated_at_ms, max_readers, rtsp_transport)"
                          " VALUES (9, 'v4 cam', 'rtsp://h/x', 'porch', 1, 2, 3, 'udp'),"
                          " (10, 'other', 'demo:', NULL, 3, 4, -1, 'tcp');"
                          "INSERT INTO streams (id, camera_id, source_url, status, on_demand)"
                          " VALUES ('0b6e9a1e-1c1d-4e5f-8a9b-0c1d2e3f4a5b', 9, 'rtsp://h/x',"
                          " 'STANDBY', 1)"),
                 SQLITE_OK);
    char buf[64];
    raw_query("SELECT max(version) FROM schema_migrations", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "4");

    vg_store *store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    CHECK(vg_store_migrations_latest() >= 5);
    CHECK(!vg_store_created(store));
    raw_query("SELECT name FROM schema_migrations WHERE version = 5", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "24/7 recording");

    vg_camera got;
    CHECK_INT_EQ(vg_store_camera_get(store, 9, &got), 0);
    CHECK_STR_EQ(got.name, "v4 cam");
    CHECK_STR_EQ(got.location, "porch");
    CHECK_INT_EQ(got.created_at_ms, 1);
    CHECK_INT_EQ(got.updated_at_ms, 2);
    CHECK_INT_EQ(got.max_readers, 3);
    CHECK_STR_EQ(got.rtsp_transport, "udp");
    CHECK(!got.record); /* v5's defaults */
    CHECK_INT_EQ(got.retention_days, -1);
    CHECK_STR_EQ(got.plan, "");
    vg_camera_clear(&got);

    vg_camera *cams = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK_INT_EQ(vg_store_camera_list(store, 10, 0, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(total, 2);
    vg_camera_array_free(cams, n);
    CHECK_INT_EQ(vg_store_camera_list_recorded(store, &cams, &n), 0);
    CHECK_INT_EQ(n, 0);
    CHECK(cams == NULL);

    vg_stream st;
    CHECK_INT_EQ(vg_store_stream_find_live(store, 9, &st), 0);
    CHECK_INT_EQ(st.status, VG_STREAM_STANDBY);
    CHECK(st.on_demand);
    vg_stream_clear(&st);

    /* The new table is there and usable. */
    vg_recording rec = {.camera_id = 9,
                        .start_ms = 1000,
                        .end_ms = 2000,
                        .duration_ms = 1000,
                        .bytes = 10,
                        .path = "9/2023-11-14/22-13-20.000.mp4"};
    CHECK_INT_EQ(vg_store_recording_insert(store, &rec), 0);
    CHECK(rec.id > 0);
    vg_store_close(store);

    /* A v5 constraint holds on migrated rows too. */
    CHECK(raw_exec("UPDATE cameras SET record = 2 WHERE id = 9") != SQLITE_OK);
    db_teardown();
}

static void test_camera_recording_fields_round_trip(void)
{
    db_setup();
    vg_store *store = store_open();

    /* A camera as the service makes it: the defaults. */
    vg_camera plain = camera_new(0, "plain", NULL);
    vg_camera_defaults(&plain);
    CHECK_INT_EQ(vg_store_camera_insert(store, &plain), 0);
    vg_camera got;
    CHECK_INT_EQ(vg_store_camera_get(store, plain.id, &got), 0);
    CHECK(!got.record);
    CHECK_INT_EQ(got.retention_days, -1);
    CHECK_STR_EQ(got.plan, "");
    vg_camera_clear(&got);
    char buf[64];
    raw_query("SELECT typeof(plan) || ',' || plan || ',' || record || ',' || retention_days"
              " FROM cameras",
              buf, sizeof(buf));
    CHECK_STR_EQ(buf, "text,,0,-1");

    vg_camera cam = camera_new(0, "recorded", NULL);
    vg_camera_defaults(&cam);
    cam.record = true;
    cam.retention_days = 30;
    snprintf(cam.plan, sizeof(cam.plan), "%s", "premium");
    CHECK_INT_EQ(vg_store_camera_insert(store, &cam), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK(got.record);
    CHECK_INT_EQ(got.retention_days, 30);
    CHECK_STR_EQ(got.plan, "premium");
    vg_camera_clear(&got);

    /* The longest plan name fits, and an update writes every field. */
    vg_camera third = camera_new(0, "third", NULL);
    vg_camera_defaults(&third);
    third.record = true;
    snprintf(third.plan, sizeof(third.plan), "%s", "abcdefghijklmno");
    CHECK_INT_EQ(vg_store_camera_insert(store, &third), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, third.id, &got), 0);
    CHECK_STR_EQ(got.plan, "abcdefghijklmno");
    CHECK_INT_EQ(got.retention_days, -1);
    vg_camera_clear(&got);

    vg_camera *cams = NULL;
    size_t n = 0;
    CHECK_INT_EQ(vg_store_camera_list_recorded(store, &cams, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_INT_EQ(cams[0].id, cam.id);
        CHECK_INT_EQ(cams[1].id, third.id);
        CHECK_STR_EQ(cams[0].plan, "premium");
        CHECK_STR_EQ(cams[0].stream_url, CAM_URL);
        CHECK_INT_EQ(cams[1].retention_days, -1);
    }
    vg_camera_array_free(cams, n);

    cam.record = false;
    cam.retention_days = -1;
    cam.plan[0] = '\0';
    CHECK_INT_EQ(vg_store_camera_update(store, &cam), 0);
    CHECK_INT_EQ(vg_store_camera_get(store, cam.id, &got), 0);
    CHECK(!got.record);
    CHECK_INT_EQ(got.retention_days, -1);
    CHECK_STR_EQ(got.plan, "");
    vg_camera_clear(&got);
    plain.record = true;
    plain.retention_days = 3650;
    snprintf(plain.plan, sizeof(plain.plan), "%s", "basic");
    CHECK_INT_EQ(vg_store_camera_update(store, &plain), 0);

    CHECK_INT_EQ(vg_store_camera_list_recorded(store, &cams, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_INT_EQ(cams[0].id, plain.id);
        CHECK_INT_EQ(cams[0].retention_days, 3650);
        CHECK_STR_EQ(cams[0].plan, "basic");
        CHECK_INT_EQ(cams[1].id, third.id);
    }
    vg_camera_array_free(cams, n);

    /* The fields survive a reopen, and the paged list reads them too. */
    vg_store_close(store);
    store = store_open();
    int64_t total = 0;
    CHECK_INT_EQ(vg_store_camera_list(store, 10, 0, &cams, &n, &total), 0);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK(cams[0].record);
        CHECK_STR_EQ(cams[0].plan, "basic");
        CHECK(!cams[1].record);
        CHECK_STR_EQ(cams[2].plan, "abcdefghijklmno");
    }
    vg_camera_array_free(cams, n);

    vg_camera_clear(&plain);
    vg_camera_clear(&cam);
    vg_camera_clear(&third);
    vg_store_close(store);
    db_teardown();
}

/* Indexes a segment [start, start + duration) and returns its id (0 on failure). */
static int64_t add_recording(vg_store *store, int64_t camera_id, int64_t start_ms,
                             int64_t duration_ms, int64_t bytes, const char *path)
{
    vg_recording rec = {.camera_id = camera_id,
                        .start_ms = start_ms,
                        .end_ms = start_ms + duration_ms,
                        .duration_ms = duration_ms,
                        .bytes = bytes,
                        .path = (char *)path};
    CHECK_INT_EQ(vg_store_recording_insert(store, &rec), 0);
    return rec.id;
}

/* The ids of the camera's segments overlapping [from, to), in order, as "a,b,c". */
static void listed(vg_store *store, int64_t camera_id, int64_t from, int64_t to, char *out,
                   size_t cap)
{
    vg_recording *recs = NULL;
    size_t n = 99;
    out[0] = '\0';
    CHECK_INT_EQ(vg_store_recording_list(store, camera_id, from, to, &recs, &n), 0);
    CHECK((n == 0) == (recs == NULL));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%" PRId64, i ? "," : "", recs[i].id);
    }
    vg_recording_array_free(recs, n);
}

static void test_recordings_index(void)
{
    db_setup();
    vg_store *store = store_open();
    char ids[128];

    /* Camera 1: [1000, 2000) [2000, 3000) [3000, 4000), inserted out of order. */
    int64_t c = add_recording(store, 1, 3000, 1000, 300, "1/2023-11-14/00-00-03.000.mp4");
    int64_t a = add_recording(store, 1, 1000, 1000, 100, "1/2023-11-14/00-00-01.000.mp4");
    int64_t b = add_recording(store, 1, 2000, 1000, 200, "1/2023-11-14/00-00-02.000.mp4");
    /* Camera 2 overlaps camera 1 in time; each camera sees only its own. */
    int64_t d = add_recording(store, 2, 1500, 1000, 5000, "2/2023-11-14/00-00-01.500.mp4");
    CHECK(a > 0 && b > 0 && c > 0 && d > 0);
    CHECK(a != b && b != c && c != d);

    char want[128];
    snprintf(want, sizeof(want), "%" PRId64 ",%" PRId64 ",%" PRId64, a, b, c);
    listed(store, 1, 0, 10000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want); /* by start, not by insertion */

    /* Half-open on both sides: touching is not overlapping. */
    snprintf(want, sizeof(want), "%" PRId64, b);
    listed(store, 1, 2000, 3000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want);
    snprintf(want, sizeof(want), "%" PRId64 ",%" PRId64, a, b);
    listed(store, 1, 1999, 2001, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want);
    snprintf(want, sizeof(want), "%" PRId64, b);
    listed(store, 1, 2500, 2501, ids, sizeof(ids)); /* inside one segment */
    CHECK_STR_EQ(ids, want);
    snprintf(want, sizeof(want), "%" PRId64, c);
    listed(store, 1, 3999, 4000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want);
    listed(store, 1, 4000, 5000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, "");
    listed(store, 1, 0, 1000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, "");
    listed(store, 1, 2500, 2500, ids, sizeof(ids)); /* empty range */
    CHECK_STR_EQ(ids, "");
    listed(store, 1, 3000, 2000, ids, sizeof(ids)); /* reversed */
    CHECK_STR_EQ(ids, "");
    listed(store, 1, INT64_MIN, INT64_MAX, ids, sizeof(ids)); /* no overflow at the ends */
    snprintf(want, sizeof(want), "%" PRId64 ",%" PRId64 ",%" PRId64, a, b, c);
    CHECK_STR_EQ(ids, want);
    snprintf(want, sizeof(want), "%" PRId64, d);
    listed(store, 2, 0, 10000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want);
    listed(store, 3, 0, 10000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, "");

    /* Every field comes back. */
    vg_recording *recs = NULL;
    size_t n = 0;
    CHECK_INT_EQ(vg_store_recording_list(store, 2, 0, 10000, &recs, &n), 0);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_INT_EQ(recs[0].id, d);
        CHECK_INT_EQ(recs[0].camera_id, 2);
        CHECK_INT_EQ(recs[0].start_ms, 1500);
        CHECK_INT_EQ(recs[0].end_ms, 2500);
        CHECK_INT_EQ(recs[0].duration_ms, 1000);
        CHECK_INT_EQ(recs[0].bytes, 5000);
        CHECK_STR_EQ(recs[0].path, "2/2023-11-14/00-00-01.500.mp4");
        CHECK(!recs[0].permanent);
    }
    vg_recording_array_free(recs, n);

    /* A permanent segment; and the longest one allowed is found from its last millisecond. */
    vg_recording longest = {.camera_id = 3,
                            .start_ms = 0,
                            .end_ms = VG_RECORDING_MAX_DURATION_MS,
                            .duration_ms = VG_RECORDING_MAX_DURATION_MS,
                            .bytes = 1,
                            .path = "3/1970-01-01/00-00-00.000.mp4",
                            .permanent = true};
    CHECK_INT_EQ(vg_store_recording_insert(store, &longest), 0);
    CHECK_INT_EQ(vg_store_recording_list(store, 3, VG_RECORDING_MAX_DURATION_MS - 1,
                                         VG_RECORDING_MAX_DURATION_MS, &recs, &n),
                 0);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_INT_EQ(recs[0].id, longest.id);
        CHECK(recs[0].permanent);
    }
    vg_recording_array_free(recs, n);

    /* The same path twice: VG_EEXIST, and nothing written. */
    vg_recording dup = {.camera_id = 5,
                        .start_ms = 9000,
                        .end_ms = 9100,
                        .duration_ms = 100,
                        .bytes = 1,
                        .path = "1/2023-11-14/00-00-02.000.mp4"};
    CHECK_INT_EQ(vg_store_recording_insert(store, &dup), VG_EEXIST);
    CHECK_INT_EQ(dup.id, 0);
    listed(store, 5, 0, 100000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, "");

    /* Shapes the index refuses. */
    vg_recording bad = dup;
    bad.path = "5/x.mp4";
    bad.end_ms = 9101; /* not start + duration */
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);
    bad = dup;
    bad.path = NULL;
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);
    bad.path = "";
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);
    bad = dup;
    bad.path = "5/x.mp4";
    bad.bytes = -1;
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);
    bad = dup;
    bad.path = "5/x.mp4";
    bad.duration_ms = VG_RECORDING_MAX_DURATION_MS + 1;
    bad.end_ms = bad.start_ms + bad.duration_ms;
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);
    bad.duration_ms = -1;
    bad.end_ms = bad.start_ms - 1;
    CHECK_INT_EQ(vg_store_recording_insert(store, &bad), VG_EINVAL);

    /* has_path, by the relative path as inserted. */
    bool has = false;
    CHECK_INT_EQ(vg_store_recording_has_path(store, "1/2023-11-14/00-00-01.000.mp4", &has), 0);
    CHECK(has);
    CHECK_INT_EQ(vg_store_recording_has_path(store, "1/2023-11-14/00-00-09.000.mp4", &has), 0);
    CHECK(!has);
    CHECK_INT_EQ(vg_store_recording_has_path(store, "5/x.mp4", &has), 0);
    CHECK(!has); /* the refused ones were not written */

    /* Bytes per camera. */
    int64_t bytes = -1;
    CHECK_INT_EQ(vg_store_recording_camera_bytes(store, 1, &bytes), 0);
    CHECK_INT_EQ(bytes, 600);
    CHECK_INT_EQ(vg_store_recording_camera_bytes(store, 2, &bytes), 0);
    CHECK_INT_EQ(bytes, 5000);
    CHECK_INT_EQ(vg_store_recording_camera_bytes(store, 42, &bytes), 0);
    CHECK_INT_EQ(bytes, 0);

    /* Delete. */
    CHECK_INT_EQ(vg_store_recording_delete(store, b), 0);
    CHECK_INT_EQ(vg_store_recording_delete(store, b), VG_ENOENT);
    CHECK_INT_EQ(vg_store_recording_has_path(store, "1/2023-11-14/00-00-02.000.mp4", &has), 0);
    CHECK(!has);
    snprintf(want, sizeof(want), "%" PRId64 ",%" PRId64, a, c);
    listed(store, 1, 0, 10000, ids, sizeof(ids));
    CHECK_STR_EQ(ids, want);
    CHECK_INT_EQ(vg_store_recording_camera_bytes(store, 1, &bytes), 0);
    CHECK_INT_EQ(bytes, 400);
    /* Its path may be indexed again (a re-recorded file). */
    int64_t b2 = add_recording(store, 1, 2000, 1000, 250, "1/2023-11-14/00-00-02.000.mp4");
    CHECK(b2 > 0);

    /* Inside a transaction, with the others. */
    CHECK_INT_EQ(vg_store_begin(store), 0);
    add_recording(store, 7, 0, 10, 1, "7/a.mp4");
    vg_store_rollback(store);
    CHECK_INT_EQ(vg_store_recording_has_path(store, "7/a.mp4", &has), 0);
    CHECK(!has);

    vg_store_close(store);
    db_teardown();
}

/* Recordings outlive their camera: no cascade, and a camera need not exist to index one. */
static void test_recordings_outlive_their_camera(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam = add_camera(store, "soon gone");
    int64_t id = add_recording(store, cam, 1000, 500, 77, "1/2023-11-14/00-00-01.000.mp4");
    CHECK_INT_EQ(vg_store_camera_delete(store, cam), 0);
    char ids[64], want[64];
    listed(store, cam, 0, 2000, ids, sizeof(ids));
    snprintf(want, sizeof(want), "%" PRId64, id);
    CHECK_STR_EQ(ids, want);
    int64_t bytes = 0;
    CHECK_INT_EQ(vg_store_recording_camera_bytes(store, cam, &bytes), 0);
    CHECK_INT_EQ(bytes, 77);
    add_recording(store, 999, 0, 1, 1, "999/orphan.mp4");
    vg_store_close(store);
    db_teardown();
}

/* The detail column of EXPLAIN QUERY PLAN, every row joined with "; ". */
static void raw_plan(const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char explain[1024];
    snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
    out[0] = '\0';
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, explain, -1, &stmt, NULL);
    CHECK_INT_EQ(rc, SQLITE_OK);
    while (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? "; " : "",
                 (const char *)sqlite3_column_text(stmt, 3));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/*
 * With a million segments the lookups must stay index searches: the
 * overlap listing (the store's query, bounded on both sides of start_ms),
 * the path lookup, and retention's oldest-first scan over every camera.
 */
static void test_recordings_queries_use_indexes(void)
{
    db_setup();
    vg_store_close(store_open());
    char plan[512];
    raw_plan("SELECT id FROM recordings WHERE camera_id = 1 AND start_ms < 5 AND start_ms > 1"
             " AND end_ms > 2 ORDER BY start_ms, id",
             plan, sizeof(plan));
    CHECK(strstr(plan, "recordings_camera_start (camera_id=? AND start_ms>? AND start_ms<?)"));
    CHECK(!strstr(plan, "TEMP B-TREE")); /* no sort: the index gives the order */
    raw_plan("SELECT 1 FROM recordings WHERE path = 'x'", plan, sizeof(plan));
    CHECK(strstr(plan, "USING COVERING INDEX sqlite_autoindex_recordings_1 (path=?)"));
    raw_plan("SELECT id, path FROM recordings WHERE start_ms < 5 ORDER BY start_ms LIMIT 100", plan,
             sizeof(plan));
    CHECK(strstr(plan, "recordings_start (start_ms<?)"));
    CHECK(!strstr(plan, "TEMP B-TREE"));
    db_teardown();
}

/* ---- clips ---- */

/* The permanent flag of each of `ids`, as "1,0,1", read by a raw connection. */
static void permanent_flags(const int64_t *ids, size_t n, char *out, size_t cap)
{
    char sql[128], flag[16];
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        snprintf(sql, sizeof(sql), "SELECT permanent FROM recordings WHERE id = %" PRId64, ids[i]);
        raw_query(sql, flag, sizeof(flag));
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", flag);
    }
}

/* Inserts a clip and returns its id (0 on failure); *made is what it made permanent. */
static int64_t add_clip(vg_store *store, int64_t camera_id, int64_t start_ms, int64_t end_ms,
                        const char *name, int64_t *made)
{
    vg_clip clip = {.camera_id = camera_id,
                    .start_ms = start_ms,
                    .end_ms = end_ms,
                    .name = (char *)name,
                    .created_at_ms = 1700000000000};
    CHECK_INT_EQ(vg_store_clip_insert(store, &clip, made), 0);
    CHECK(clip.id > 0);
    return clip.id;
}

/*
 * Retention's batch deletes: by range up to a picked row, and deleted and
 * returned in one statement; neither touches a permanent segment or another
 * camera's.
 */
static void test_retention_batches_keep_permanent_segments(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t made = -1;
    int64_t seg[6] = {
        add_recording(store, 1, 1000, 1000, 100, "1/a.mp4"),
        add_recording(store, 1, 2000, 1000, 200, "1/b.mp4"),
        add_recording(store, 1, 3000, 1000, 300, "1/c.mp4"),
        add_recording(store, 1, 4000, 1000, 400, "1/d.mp4"),
        add_recording(store, 1, 5000, 1000, 500, "1/e.mp4"),
        add_recording(store, 2, 1000, 1000, 600, "2/a.mp4"),
    };
    add_clip(store, 1, 2100, 2900, "kept", &made);
    CHECK_INT_EQ(made, 1);

    /* The first two candidates (a, c: b is permanent), deleted by their range. */
    vg_recording *recs = NULL;
    size_t n = 0;
    int64_t deleted = -1;
    CHECK_INT_EQ(vg_store_recording_oldest(store, 1, 10000, 2, &recs, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK(recs[0].id == seg[0] && recs[1].id == seg[2]);
        CHECK_INT_EQ(vg_store_recording_expire_oldest(store, 1, 10000, recs[1].start_ms, recs[1].id,
                                                      &deleted),
                     0);
        CHECK_INT_EQ(deleted, 2);
    }
    vg_recording_array_free(recs, n);

    /* The rest that ended before 5500 (d), deleted and returned by one statement. */
    CHECK_INT_EQ(vg_store_recording_expire_batch(store, 1, 5500, 10, &recs, &n), 0);
    CHECK_INT_EQ(n, 1);
    if (n == 1)
        CHECK(recs[0].id == seg[3] && recs[0].bytes == 400 && strcmp(recs[0].path, "1/d.mp4") == 0);
    vg_recording_array_free(recs, n);
    CHECK_INT_EQ(vg_store_recording_expire_batch(store, 1, 10000, 10, &recs, &n), 0);
    CHECK_INT_EQ(n, 1); /* e */
    vg_recording_array_free(recs, n);
    CHECK_INT_EQ(vg_store_recording_expire_batch(store, 1, 10000, 10, &recs, &n), 0);
    CHECK_INT_EQ(n, 0);

    char paths[64];
    raw_query("SELECT group_concat(path) FROM (SELECT path FROM recordings ORDER BY path)", paths,
              sizeof(paths));
    CHECK_STR_EQ(paths, "1/b.mp4,2/a.mp4");
    vg_store_close(store);
}

/*
 * A clip keeps the segments it overlaps, not those that only touch its
 * edges nor other cameras'; a segment stays kept while any clip covers it.
 */
static void test_clips_keep_the_segments_they_overlap(void)
{
    db_setup();
    vg_store *store = store_open();
    char flags[64];
    int64_t made = -1;

    /* Camera 1: [1000, 2000) [2000, 3000) [3000, 4000) [4000, 5000); camera 2: [2000, 3000). */
    int64_t seg[5] = {
        add_recording(store, 1, 1000, 1000, 100, "1/a.mp4"),
        add_recording(store, 1, 2000, 1000, 200, "1/b.mp4"),
        add_recording(store, 1, 3000, 1000, 300, "1/c.mp4"),
        add_recording(store, 1, 4000, 1000, 400, "1/d.mp4"),
        add_recording(store, 2, 2000, 1000, 500, "2/a.mp4"),
    };
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,0,0,0,0");

    /* [2000, 4000): b and c; a ends and d starts at an edge. */
    int64_t first = add_clip(store, 1, 2000, 4000, "first", &made);
    CHECK_INT_EQ(made, 2);
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,1,1,0,0");

    /* The index reads the flag too, and retention skips what it keeps. */
    vg_recording *recs = NULL;
    size_t n = 0;
    CHECK_INT_EQ(vg_store_recording_list(store, 1, 0, 10000, &recs, &n), 0);
    CHECK_INT_EQ(n, 4);
    if (n == 4)
        CHECK(!recs[0].permanent && recs[1].permanent && recs[2].permanent && !recs[3].permanent);
    vg_recording_array_free(recs, n);
    CHECK_INT_EQ(vg_store_recording_oldest(store, 1, 10000, 10, &recs, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2)
        CHECK(recs[0].id == seg[0] && recs[1].id == seg[3]);
    vg_recording_array_free(recs, n);

    vg_clip got;
    CHECK_INT_EQ(vg_store_clip_get(store, first, &got), 0);
    CHECK_INT_EQ(got.id, first);
    CHECK_INT_EQ(got.camera_id, 1);
    CHECK_INT_EQ(got.start_ms, 2000);
    CHECK_INT_EQ(got.end_ms, 4000);
    CHECK_STR_EQ(got.name, "first");
    CHECK_INT_EQ(got.created_at_ms, 1700000000000);
    CHECK_INT_EQ(got.segments, 2);
    CHECK_INT_EQ(got.bytes, 500);
    vg_clip_clear(&got);

    /* A second clip over c (and part of b): nothing new to keep. */
    int64_t second = add_clip(store, 1, 2500, 3001, "second", &made);
    CHECK_INT_EQ(made, 0);
    /* Deleting the first keeps b and c: the second still covers them. */
    CHECK_INT_EQ(vg_store_clip_delete(store, first), 0);
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,1,1,0,0");
    CHECK_INT_EQ(vg_store_clip_get(store, first, &got), VG_ENOENT);
    CHECK_INT_EQ(vg_store_clip_delete(store, first), VG_ENOENT);

    /* Deleting the last one returns them to retention. */
    CHECK_INT_EQ(vg_store_clip_delete(store, second), 0);
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,0,0,0,0");

    /* A clip inside one segment keeps it; one over nothing keeps nothing. */
    add_clip(store, 1, 4100, 4200, "inside", &made);
    CHECK_INT_EQ(made, 1);
    add_clip(store, 1, 9000, 9500, "nothing there", &made);
    CHECK_INT_EQ(made, 0);
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,0,0,1,0");

    vg_store_close(store);
    db_teardown();
}

/* A segment indexed after its clip was made (the clip covers time still being recorded). */
static void test_segment_indexed_inside_a_clip_is_permanent(void)
{
    db_setup();
    vg_store *store = store_open();
    char flags[64];
    int64_t made = -1;
    int64_t clip = add_clip(store, 3, 10000, 20000, "later", &made);
    CHECK_INT_EQ(made, 0);
    vg_clip got;
    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), 0);
    CHECK_INT_EQ(got.segments, 0);
    CHECK_INT_EQ(got.bytes, 0);
    vg_clip_clear(&got);

    int64_t seg[5] = {
        add_recording(store, 3, 9000, 1000, 10, "3/edge-before.mp4"), /* ends at its start */
        add_recording(store, 3, 9500, 1000, 20, "3/across.mp4"),
        add_recording(store, 3, 15000, 1000, 30, "3/inside.mp4"),
        add_recording(store, 3, 20000, 1000, 40, "3/edge-after.mp4"), /* starts at its end */
        add_recording(store, 4, 15000, 1000, 50, "4/other-camera.mp4"),
    };
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,1,1,0,0");

    /* rec->permanent still makes a segment permanent by itself (the insert's contract). */
    vg_recording kept = {.camera_id = 4,
                         .start_ms = 50000,
                         .end_ms = 51000,
                         .duration_ms = 1000,
                         .bytes = 1,
                         .path = "4/kept.mp4",
                         .permanent = true};
    CHECK_INT_EQ(vg_store_recording_insert(store, &kept), 0);
    permanent_flags(&kept.id, 1, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "1");

    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), 0);
    CHECK_INT_EQ(got.segments, 2);
    CHECK_INT_EQ(got.bytes, 50);
    vg_clip_clear(&got);
    CHECK_INT_EQ(vg_store_clip_delete(store, clip), 0);
    permanent_flags(seg, 5, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0,0,0,0,0");

    vg_store_close(store);
    db_teardown();
}

/* The camera's clips by start (ties by id), renamed in place; what the store refuses. */
static void test_clip_list_rename_and_errors(void)
{
    db_setup();
    vg_store *store = store_open();
    add_recording(store, 5, 1000, 1000, 7, "5/a.mp4");
    int64_t late = add_clip(store, 5, 5000, 6000, "late", NULL);
    int64_t early = add_clip(store, 5, 500, 1500, "early", NULL);
    int64_t tie = add_clip(store, 5, 5000, 5500, "tie", NULL);
    add_clip(store, 6, 0, 100, "other camera", NULL);

    vg_clip *clips = NULL;
    size_t n = 0;
    CHECK_INT_EQ(vg_store_clip_list(store, 5, &clips, &n), 0);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_INT_EQ(clips[0].id, early);
        CHECK_STR_EQ(clips[0].name, "early");
        CHECK_INT_EQ(clips[0].segments, 1);
        CHECK_INT_EQ(clips[0].bytes, 7);
        CHECK_INT_EQ(clips[1].id, late);
        CHECK_INT_EQ(clips[1].segments, 0);
        CHECK_INT_EQ(clips[2].id, tie);
        CHECK_INT_EQ(clips[2].start_ms, 5000);
        CHECK_INT_EQ(clips[2].end_ms, 5500);
    }
    vg_clip_array_free(clips, n);
    CHECK_INT_EQ(vg_store_clip_list(store, 42, &clips, &n), 0);
    CHECK_INT_EQ(n, 0);
    CHECK(clips == NULL);

    CHECK_INT_EQ(vg_store_clip_rename(store, early, "the first one ✓"), 0);
    vg_clip got;
    CHECK_INT_EQ(vg_store_clip_get(store, early, &got), 0);
    CHECK_STR_EQ(got.name, "the first one ✓");
    CHECK_INT_EQ(got.start_ms, 500);
    vg_clip_clear(&got);
    CHECK_INT_EQ(vg_store_clip_rename(store, 9999, "x"), VG_ENOENT);
    CHECK_INT_EQ(vg_store_clip_rename(store, early, ""), VG_EINVAL);
    CHECK_INT_EQ(vg_store_clip_rename(store, early, NULL), VG_EINVAL);
    CHECK_INT_EQ(vg_store_clip_get(store, 9999, &got), VG_ENOENT);
    CHECK_INT_EQ(vg_store_clip_delete(store, 9999), VG_ENOENT);

    vg_clip bad = {.camera_id = 5, .start_ms = 2000, .end_ms = 2000, .name = "empty span"};
    CHECK_INT_EQ(vg_store_clip_insert(store, &bad, NULL), VG_EINVAL);
    bad.end_ms = 1000;
    CHECK_INT_EQ(vg_store_clip_insert(store, &bad, NULL), VG_EINVAL);
    bad.end_ms = 3000;
    bad.name = "";
    CHECK_INT_EQ(vg_store_clip_insert(store, &bad, NULL), VG_EINVAL);
    bad.name = NULL;
    CHECK_INT_EQ(vg_store_clip_insert(store, &bad, NULL), VG_EINVAL);
    CHECK_INT_EQ(bad.id, 0);
    /* The schema refuses an empty span too, whoever writes it. */
    CHECK(raw_exec("INSERT INTO clips (camera_id, start_ms, end_ms, name, created_at_ms)"
                   " VALUES (5, 10, 10, 'x', 0)") != SQLITE_OK);

    /* The ids of deleted clips are not reused (AUTOINCREMENT). */
    CHECK_INT_EQ(vg_store_clip_delete(store, tie), 0);
    int64_t next = add_clip(store, 5, 0, 1, "next", NULL);
    CHECK(next > tie);

    vg_store_close(store);
    db_teardown();
}

/* Inside the caller's transaction a clip lands, or goes, with the rest (a savepoint). */
static void test_clips_in_the_callers_transaction(void)
{
    db_setup();
    vg_store *store = store_open();
    char flags[16];
    int64_t seg = add_recording(store, 1, 1000, 1000, 1, "1/a.mp4");

    CHECK_INT_EQ(vg_store_begin(store), 0);
    int64_t made = -1;
    int64_t clip = add_clip(store, 1, 0, 5000, "rolled back", &made);
    CHECK_INT_EQ(made, 1);
    vg_store_rollback(store);
    vg_clip got;
    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), VG_ENOENT);
    permanent_flags(&seg, 1, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "0");

    CHECK_INT_EQ(vg_store_begin(store), 0);
    clip = add_clip(store, 1, 0, 5000, "kept", NULL);
    /* A failure inside undoes only that call: the transaction goes on. */
    CHECK_INT_EQ(vg_store_clip_delete(store, clip + 100), VG_ENOENT);
    CHECK_INT_EQ(vg_store_commit(store), 0);
    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), 0);
    vg_clip_clear(&got);
    permanent_flags(&seg, 1, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "1");

    CHECK_INT_EQ(vg_store_begin(store), 0);
    CHECK_INT_EQ(vg_store_clip_delete(store, clip), 0);
    vg_store_rollback(store);
    permanent_flags(&seg, 1, flags, sizeof(flags));
    CHECK_STR_EQ(flags, "1");
    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), 0);
    vg_clip_clear(&got);

    vg_store_close(store);
    db_teardown();
}

/* A database of the previous vigil (schema v5, with segments) gets clips and keeps its rows. */
static void test_migration_from_v5_keeps_recordings(void)
{
    db_setup();
    db_at_schema_version(5);
    CHECK_INT_EQ(raw_exec("INSERT INTO cameras (id, name, stream_url, created_at_ms,"
                          " updated_at_ms, record, retention_days, plan)"
                          " VALUES (3, 'v5 cam', 'demo:', 1, 2, 1, 15, 'pro');"
                          "INSERT INTO recordings (id, camera_id, start_ms, end_ms, duration_ms,"
                          " bytes, path, permanent) VALUES"
                          " (1, 3, 1000, 2000, 1000, 10, '3/a.mp4', 0),"
                          " (2, 3, 2000, 3000, 1000, 20, '3/b.mp4', 1)"),
                 SQLITE_OK);

    vg_store *store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    CHECK(vg_store_migrations_latest() >= 6);
    char buf[64];
    raw_query("SELECT name FROM schema_migrations WHERE version = 6", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "permanent clips");

    vg_camera cam;
    CHECK_INT_EQ(vg_store_camera_get(store, 3, &cam), 0);
    CHECK(cam.record);
    CHECK_INT_EQ(cam.retention_days, 15);
    CHECK_STR_EQ(cam.plan, "pro");
    vg_camera_clear(&cam);
    vg_recording *recs = NULL;
    size_t n = 0;
    CHECK_INT_EQ(vg_store_recording_list(store, 3, 0, 10000, &recs, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(recs[0].path, "3/a.mp4");
        CHECK(!recs[0].permanent);
        CHECK_INT_EQ(recs[1].bytes, 20);
        CHECK(recs[1].permanent); /* the migration leaves the flags as they were */
    }
    vg_recording_array_free(recs, n);

    /* The new table works on the old rows. */
    int64_t made = -1;
    int64_t clip = add_clip(store, 3, 1500, 1600, "over a", &made);
    CHECK_INT_EQ(made, 1);
    vg_clip got;
    CHECK_INT_EQ(vg_store_clip_get(store, clip, &got), 0);
    CHECK_INT_EQ(got.segments, 1);
    CHECK_INT_EQ(got.bytes, 10);
    vg_clip_clear(&got);
    vg_store_close(store);
    db_teardown();
}

/*
 * The clip queries stay index searches: a clip's segments by the
 * (camera_id, start_ms) range, and "is a clip over this segment", asked
 * for every segment indexed, by the clips' own index.
 */
static void test_clip_queries_use_indexes(void)
{
    db_setup();
    vg_store_close(store_open());
    char plan[1024];
    raw_plan("SELECT c.id, count(r.id), coalesce(sum(r.bytes), 0) FROM clips c"
             " LEFT JOIN recordings r ON r.camera_id = c.camera_id AND r.start_ms < c.end_ms"
             " AND r.start_ms > c.start_ms - 86400000 AND r.end_ms > c.start_ms"
             " WHERE c.camera_id = 1 GROUP BY c.id ORDER BY c.start_ms, c.id",
             plan, sizeof(plan));
    CHECK(strstr(plan, "clips_camera_start (camera_id=?)"));
    CHECK(strstr(plan, "recordings_camera_start (camera_id=? AND start_ms>? AND start_ms<?)"));
    raw_plan("SELECT 1 FROM clips WHERE camera_id = 1 AND start_ms < 5 AND end_ms > 2", plan,
             sizeof(plan));
    CHECK(strstr(plan, "clips_camera_start (camera_id=? AND start_ms<?)"));
    raw_plan("UPDATE recordings SET permanent = 1 WHERE camera_id = 1 AND start_ms < 5"
             " AND start_ms > 1 AND end_ms > 2 AND permanent = 0",
             plan, sizeof(plan));
    CHECK(strstr(plan, "recordings_camera_start (camera_id=? AND start_ms>? AND start_ms<?)"));
    db_teardown();
}

/* ---- stream created / updated times (schema v8) ---- */

/*
 * created_at_ms is written once, at insert (now when the stream has none);
 * updated_at_ms follows every change of the row: the transition's time, or
 * the store's clock for a change made without one; a write that changes
 * nothing leaves it.
 */
static void test_stream_created_and_updated_times(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam = add_camera(store, "cam");
    vg_stream st = stream_new(ID_A, cam, VG_STREAM_STOPPED, 0);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STARTING, 5000, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_insert(store, &st), 0);
    vg_stream_clear(&st);
    vg_stream got;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_INT_EQ(got.created_at_ms, 5000);
    CHECK_INT_EQ(got.updated_at_ms, 5000);

    /* A transition: its time. */
    CHECK_INT_EQ(vg_stream_transition(&got, VG_STREAM_ERROR, 6000, "refused"), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_INT_EQ(got.created_at_ms, 5000);
    CHECK_INT_EQ(got.updated_at_ms, 6000);

    /* The same row written again: nothing changed, nor does updated_at. */
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_INT_EQ(got.updated_at_ms, 6000);

    /* A new last_error without a transition: the store's clock (now, far after 6000). */
    free(got.last_error);
    got.last_error = strdup("timed out");
    int64_t before = (int64_t)time(NULL) * 1000 - 1000;
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_STR_EQ(got.last_error, "timed out");
    CHECK(got.updated_at_ms >= before);
    CHECK_INT_EQ(got.created_at_ms, 5000);
    vg_stream_clear(&got);

    /* A stream no transition stamped is created at insert, by the store's clock. */
    CHECK_INT_EQ(add_stream(store, ID_B, cam, VG_STREAM_STOPPED, 0), 0);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &got), 0);
    CHECK(got.created_at_ms >= before);
    CHECK_INT_EQ(got.updated_at_ms, got.created_at_ms);
    vg_stream_clear(&got);

    vg_store_close(store);
    db_teardown();
}

/* Lists filtered by status and camera; the page's live streams by a camera id range. */
static void test_stream_list_filters(void)
{
    db_setup();
    vg_store *store = store_open();
    int64_t cam1 = add_camera(store, "one");
    int64_t cam2 = add_camera(store, "two");
    int64_t cam3 = add_camera(store, "three");
    CHECK_INT_EQ(add_stream(store, ID_A, cam1, VG_STREAM_STOPPED, 1000), 0);
    CHECK_INT_EQ(add_stream(store, ID_B, cam1, VG_STREAM_RUNNING, 2000), 0);
    CHECK_INT_EQ(add_stream(store, ID_C, cam2, VG_STREAM_ERROR, 3000), 0);
    CHECK_INT_EQ(add_stream(store, ID_D, cam3, VG_STREAM_STANDBY, 4000), 0);

    vg_stream *sts = NULL;
    size_t n = 0;
    int64_t total = 0;
    vg_stream_filter f = {.statuses = VG_STREAM_STATUS_BIT(VG_STREAM_RUNNING) |
                                      VG_STREAM_STATUS_BIT(VG_STREAM_ERROR)};
    CHECK_INT_EQ(vg_store_stream_list_filtered(store, &f, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(total, 2);
    if (n == 2) {
        CHECK_STR_EQ(sts[0].id, ID_C); /* newest start first */
        CHECK_STR_EQ(sts[1].id, ID_B);
    }
    vg_stream_array_free(sts, n);

    /* Live, paged: total counts the filtered set, not the page. */
    f = (vg_stream_filter){.statuses = VG_STREAM_STATUS_LIVE};
    CHECK_INT_EQ(vg_store_stream_list_filtered(store, &f, 1, 1, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 3);
    CHECK(sts && strcmp(sts[0].id, ID_C) == 0);
    vg_stream_array_free(sts, n);

    /* With a camera. */
    f = (vg_stream_filter){.camera_id = cam1, .statuses = VG_STREAM_STATUS_BIT(VG_STREAM_STOPPED)};
    CHECK_INT_EQ(vg_store_stream_list_filtered(store, &f, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 1);
    CHECK(sts && strcmp(sts[0].id, ID_A) == 0);
    vg_stream_array_free(sts, n);
    f = (vg_stream_filter){.camera_id = cam2, .statuses = VG_STREAM_STATUS_BIT(VG_STREAM_STOPPED)};
    CHECK_INT_EQ(vg_store_stream_list_filtered(store, &f, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(total, 0);

    /* No status bits: every status. */
    f = (vg_stream_filter){0};
    CHECK_INT_EQ(vg_store_stream_list_filtered(store, &f, 10, 0, &sts, &n, &total), 0);
    CHECK_INT_EQ(total, 4);
    vg_stream_array_free(sts, n);

    /* The live streams of cameras 1..2, by camera; camera 3's is out of the range. */
    CHECK_INT_EQ(vg_store_stream_list_live_cameras(store, cam1, cam2, &sts, &n), 0);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(sts[0].id, ID_B);
        CHECK_STR_EQ(sts[1].id, ID_C);
    }
    vg_stream_array_free(sts, n);
    CHECK_INT_EQ(vg_store_stream_list_live_cameras(store, cam3 + 1, cam3 + 10, &sts, &n), 0);
    CHECK_INT_EQ(n, 0);
    CHECK(sts == NULL);

    vg_store_close(store);
    db_teardown();

    /* One index range, no sort: the page's live streams come from the partial unique index. */
    db_setup();
    vg_store_close(store_open());
    char plan[512];
    raw_plan("SELECT id FROM streams WHERE status != 'STOPPED' AND camera_id BETWEEN 1 AND 9"
             " ORDER BY camera_id",
             plan, sizeof(plan));
    CHECK(strstr(plan, "streams_one_live_per_camera (camera_id>? AND camera_id<?)"));
    CHECK(!strstr(plan, "TEMP B-TREE"));
    db_teardown();
}

/* A v7 database's streams get v8's times: created when started, updated when stopped. */
static void test_migration_from_v7_backfills_stream_times(void)
{
    db_setup();
    db_at_schema_version(7);
    CHECK_INT_EQ(raw_exec("INSERT INTO cameras (id, name, stream_url, created_at_ms, updated_at_ms)"
                          " VALUES (4, 'v7 cam', 'demo:', 1, 2);"
                          "INSERT INTO streams (id, camera_id, source_url, status, started_at_ms,"
                          " stopped_at_ms, last_error) VALUES"
                          " ('" ID_A "', 4, 'demo:', 'STOPPED', 1000, 1500, NULL),"
                          " ('" ID_B "', 4, 'demo:', 'ERROR', 2000, NULL, 'refused')"),
                 SQLITE_OK);

    vg_store *store = store_open();
    CHECK_INT_EQ(vg_store_schema_version(store), vg_store_migrations_latest());
    char buf[64];
    raw_query("SELECT name FROM schema_migrations WHERE version = 8", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "stream created and updated times");
    vg_stream got;
    CHECK_INT_EQ(vg_store_stream_get(store, ID_A, &got), 0);
    CHECK_INT_EQ(got.created_at_ms, 1000);
    CHECK_INT_EQ(got.updated_at_ms, 1500);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &got), 0);
    CHECK_INT_EQ(got.created_at_ms, 2000);
    CHECK_INT_EQ(got.updated_at_ms, 2000);
    CHECK_STR_EQ(got.last_error, "refused");
    /* The migrated row changes as any other. */
    CHECK_INT_EQ(vg_stream_transition(&got, VG_STREAM_STOPPED, 9000, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_update(store, &got), 0);
    vg_stream_clear(&got);
    CHECK_INT_EQ(vg_store_stream_get(store, ID_B, &got), 0);
    CHECK_INT_EQ(got.created_at_ms, 2000);
    CHECK_INT_EQ(got.updated_at_ms, 9000);
    vg_stream_clear(&got);
    vg_store_close(store);
    db_teardown();
}

int main(void)
{
    VG_TEST_RUN(test_open_creates_schema_and_reopen_is_idempotent);
    VG_TEST_RUN(test_journal_mode_is_wal);
    VG_TEST_RUN(test_camera_crud_and_paging);
    VG_TEST_RUN(test_camera_explicit_id);
    VG_TEST_RUN(test_camera_location_round_trip);
    VG_TEST_RUN(test_stream_crud);
    VG_TEST_RUN(test_stream_lists);
    VG_TEST_RUN(test_stream_one_live_per_camera);
    VG_TEST_RUN(test_stream_of_unknown_camera);
    VG_TEST_RUN(test_camera_delete_cascades);
    VG_TEST_RUN(test_transactions);
    VG_TEST_RUN(test_data_survives_reopen);
    VG_TEST_RUN(test_check_notices_removed_file);
    VG_TEST_RUN(test_future_schema_is_refused);
    VG_TEST_RUN(test_open_fails_without_directory);
    VG_TEST_RUN(test_checkpoint_is_explicit);
    VG_TEST_RUN(test_maintenance_runs_on_a_loop);
    VG_TEST_RUN(test_on_demand_standby_round_trip);
    VG_TEST_RUN(test_migration_keeps_rows);
    VG_TEST_RUN(test_migration_from_v4_keeps_cameras);
    VG_TEST_RUN(test_camera_recording_fields_round_trip);
    VG_TEST_RUN(test_recordings_index);
    VG_TEST_RUN(test_recordings_outlive_their_camera);
    VG_TEST_RUN(test_recordings_queries_use_indexes);
    VG_TEST_RUN(test_retention_batches_keep_permanent_segments);
    VG_TEST_RUN(test_clips_keep_the_segments_they_overlap);
    VG_TEST_RUN(test_segment_indexed_inside_a_clip_is_permanent);
    VG_TEST_RUN(test_clip_list_rename_and_errors);
    VG_TEST_RUN(test_clips_in_the_callers_transaction);
    VG_TEST_RUN(test_migration_from_v5_keeps_recordings);
    VG_TEST_RUN(test_clip_queries_use_indexes);
    VG_TEST_RUN(test_stream_created_and_updated_times);
    VG_TEST_RUN(test_stream_list_filters);
    VG_TEST_RUN(test_migration_from_v7_backfills_stream_times);
    return vg_test_done();
}
