/* Unit tests for service/service.c: the rules, against a real SQLite store in a temp dir. */
#include "core/error.h"
#include "service/service.h"
#include "vg_test.h"

static int64_t fake_now = 1000;
static int64_t fake_clock(void)
{
    return fake_now;
}

typedef struct fixture {
    char dir[512];
    char db[600];
    vg_store *store;
    vg_services svc;
} fixture;

static void setup(fixture *f)
{
    vg_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/vigil.db", f->dir);
    CHECK_INT_EQ(vg_store_open(f->db, &f->store), 0);
    f->svc = (vg_services){.store = f->store, .now_ms = fake_clock};
}

static void teardown(fixture *f)
{
    vg_store_close(f->store);
    unlink(f->db);
    char side[700];
    snprintf(side, sizeof(side), "%s-wal", f->db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->db);
    unlink(side);
    rmdir(f->dir);
}

static int64_t make_camera(fixture *f, const char *name, const char *url)
{
    vg_camera_fields in = {
        .has_name = true, .has_stream_url = true, .name = name, .stream_url = url};
    vg_camera cam;
    vg_error err;
    CHECK_INT_EQ(vg_camera_service_create(&f->svc, &in, &cam, &err), 0);
    int64_t id = cam.id;
    vg_camera_clear(&cam);
    return id;
}

static void test_camera_create_validates(void)
{
    fixture f;
    setup(&f);
    vg_camera cam;
    vg_error err;
    vg_camera_fields in = {.has_name = true, .name = "Door"};
    CHECK_INT_EQ(vg_camera_service_create(&f.svc, &in, &cam, &err), VG_EINVAL);
    CHECK_STR_EQ(err.message, "stream_url is required");
    in.has_stream_url = true;
    in.stream_url = "rtsp://admin:secret@h/x y";
    CHECK_INT_EQ(vg_camera_service_create(&f.svc, &in, &cam, &err), VG_EINVAL);
    CHECK_STR_EQ(err.message, "stream_url contains a space or control character");
    CHECK(strstr(err.message, "secret") == NULL);
    in.stream_url = "rtsp://admin:secret@h/x";
    in.has_location = true;
    in.location = "";
    CHECK_INT_EQ(vg_camera_service_create(&f.svc, &in, &cam, &err), 0);
    CHECK(cam.id > 0);
    CHECK(cam.location == NULL); /* an empty location is no location */
    CHECK_INT_EQ(cam.created_at_ms, 1000);
    vg_camera_clear(&cam);
    teardown(&f);
}

static void test_camera_update_keeps_absent_fields(void)
{
    fixture f;
    setup(&f);
    int64_t id = make_camera(&f, "Door", "rtsp://h/1");
    fake_now = 2000;
    vg_camera cam;
    vg_error err;
    vg_camera_fields in = {.has_location = true, .location = "Hall"};
    CHECK_INT_EQ(vg_camera_service_update(&f.svc, id, &in, &cam, &err), 0);
    CHECK_STR_EQ(cam.name, "Door");
    CHECK_STR_EQ(cam.location, "Hall");
    CHECK_INT_EQ(cam.updated_at_ms, 2000);
    CHECK_INT_EQ(cam.created_at_ms, 1000);
    vg_camera_clear(&cam);
    CHECK_INT_EQ(vg_camera_service_update(&f.svc, id + 100, &in, &cam, &err), VG_ENOENT);
    fake_now = 1000;
    teardown(&f);
}

static void test_one_live_stream_per_camera(void)
{
    fixture f;
    setup(&f);
    int64_t id = make_camera(&f, "Door", "rtsp://u:p@h/1");
    vg_stream st, st2;
    vg_error err;
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, NULL, 0, &st, &err), 0);
    CHECK_INT_EQ(st.status, VG_STREAM_STARTING); /* never RUNNING without frames */
    CHECK_STR_EQ(st.source_url, "rtsp://u:p@h/1");
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, NULL, 0, &st2, &err), VG_ECONFLICT);
    CHECK(strstr(err.message, st.id) != NULL);
    CHECK_INT_EQ(vg_stream_service_stop(&f.svc, st.id, &err), 0);
    CHECK_INT_EQ(vg_stream_service_stop(&f.svc, st.id, &err), 0); /* twice is fine */
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, "rtmp://h2/app/x", 0, &st2, &err), 0);
    CHECK_STR_EQ(st2.source_url, "rtmp://h2/app/x");
    CHECK(strcmp(st.id, st2.id) != 0);
    vg_stream_clear(&st);
    vg_stream_clear(&st2);
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id + 9, NULL, 0, &st, &err), VG_ENOENT);
    CHECK_STR_EQ(err.message, "camera 10 does not exist");
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, "ftp://x/y", 0, &st, &err), VG_EINVAL);
    CHECK_INT_EQ(vg_stream_service_stop(&f.svc, "00000000-0000-4000-8000-000000000000", &err),
                 VG_ENOENT);
    teardown(&f);
}

static void test_delete_stops_the_stream(void)
{
    fixture f;
    setup(&f);
    int64_t id = make_camera(&f, "Door", "rtsp://h/1");
    vg_stream st;
    vg_error err;
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, NULL, 0, &st, &err), 0);
    CHECK_INT_EQ(vg_camera_service_delete(&f.svc, id, &err), 0);
    vg_stream gone;
    CHECK_INT_EQ(vg_store_stream_get(f.store, st.id, &gone), VG_ENOENT);
    CHECK_INT_EQ(vg_camera_service_delete(&f.svc, id, &err), VG_ENOENT);
    vg_stream_clear(&st);
    teardown(&f);
}

static void test_provision_is_idempotent(void)
{
    fixture f;
    setup(&f);
    vg_camera cam;
    vg_error err;
    bool created;
    CHECK_INT_EQ(
        vg_camera_service_provision(&f.svc, 42, "Gate", "rtsp://h/g", &cam, &created, &err), 0);
    CHECK(created);
    CHECK_INT_EQ(cam.id, 42);
    vg_camera_clear(&cam);
    fake_now = 5000;
    CHECK_INT_EQ(
        vg_camera_service_provision(&f.svc, 42, "Gate", "rtsp://h/g", &cam, &created, &err), 0);
    CHECK(!created);
    CHECK_INT_EQ(cam.updated_at_ms, 1000); /* nothing changed, nothing written */
    vg_camera_clear(&cam);
    CHECK_INT_EQ(
        vg_camera_service_provision(&f.svc, 42, "Gate 2", "rtsp://h/g", &cam, &created, &err), 0);
    CHECK_STR_EQ(cam.name, "Gate 2");
    CHECK_INT_EQ(cam.updated_at_ms, 5000);
    vg_camera_clear(&cam);
    CHECK_INT_EQ(vg_camera_service_provision(&f.svc, 0, "x", "rtsp://h/g", &cam, &created, &err),
                 VG_EINVAL);
    /* Later automatic ids continue above the provisioned one. */
    CHECK(make_camera(&f, "Next", "demo:") > 42);
    fake_now = 1000;
    teardown(&f);
}

static void test_resume_after_restart(void)
{
    fixture f;
    setup(&f);
    int64_t id = make_camera(&f, "Door", "rtsp://h/1");
    vg_stream st;
    vg_error err;
    CHECK_INT_EQ(vg_stream_service_start(&f.svc, id, NULL, 0, &st, &err), 0);
    /* Pretend the media core had frames flowing when vigil stopped. */
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_RUNNING, 1500, NULL), 0);
    CHECK_INT_EQ(vg_store_stream_update(f.store, &st), 0);
    CHECK_INT_EQ(vg_stream_service_resume_all(&f.svc, &err), 1);
    vg_stream now;
    CHECK_INT_EQ(vg_store_stream_get(f.store, st.id, &now), 0);
    CHECK_INT_EQ(now.status, VG_STREAM_STARTING);
    CHECK_INT_EQ(now.started_at_ms, st.started_at_ms);
    vg_stream_clear(&now);
    vg_stream_clear(&st);
    teardown(&f);
}

int main(void)
{
    VG_TEST_RUN(test_camera_create_validates);
    VG_TEST_RUN(test_camera_update_keeps_absent_fields);
    VG_TEST_RUN(test_one_live_stream_per_camera);
    VG_TEST_RUN(test_delete_stops_the_stream);
    VG_TEST_RUN(test_provision_is_idempotent);
    VG_TEST_RUN(test_resume_after_restart);
    return vg_test_done();
}
