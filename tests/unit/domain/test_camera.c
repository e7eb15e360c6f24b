/* Unit tests for domain/camera.c: the rules a camera's fields obey. */
#include "core/error.h"
#include "domain/camera.h"
#include "vg_test.h"

static int name_ok(const char *s)
{
    const char *why;
    return vg_camera_validate_name(s, &why) == 0;
}

static int url_ok(const char *s)
{
    const char *why;
    return vg_camera_validate_stream_url(s, &why) == 0;
}

static void test_names(void)
{
    CHECK(name_ok("Front door"));
    CHECK(name_ok("x"));
    CHECK(!name_ok(""));
    CHECK(!name_ok("   "));
    CHECK(!name_ok(NULL));
    CHECK(!name_ok("tab\there"));
    char name[400];
    memset(name, 'a', 100);
    name[100] = '\0';
    CHECK(name_ok(name));
    name[100] = 'a';
    name[101] = '\0';
    CHECK(!name_ok(name));
    /* 100 characters of 3 bytes each are 100 characters, not 300. */
    name[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(name, "\xe2\x82\xac"); /* U+20AC EURO SIGN */
    CHECK(name_ok(name));
    strcat(name, "\xe2\x82\xac");
    CHECK(!name_ok(name));
    CHECK(!name_ok("\xc0\xaf"));          /* overlong */
    CHECK(!name_ok("\xed\xa0\x80"));      /* surrogate */
    CHECK(!name_ok("abc\xe2\x82"));       /* truncated */
    CHECK(name_ok("C\xc3\xa2mera Sala")); /* "Câmera Sala" */
}

static void test_stream_urls(void)
{
    CHECK(url_ok("rtsp://admin:pw@192.168.1.10:554/Streaming/Channels/101"));
    CHECK(url_ok("rtsps://cam.example/live"));
    CHECK(url_ok("rtmp://h/app/key"));
    CHECK(url_ok("http://h/video.mjpg"));
    CHECK(url_ok("HTTPS://h/x"));
    CHECK(url_ok("demo:"));
    CHECK(url_ok("demo:Lobby"));
    CHECK(url_ok("rtsp://[fe80::1]:554/x"));

    const char *why;
    CHECK_INT_EQ(vg_camera_validate_stream_url("ftp://h/x", &why), VG_EINVAL);
    CHECK_STR_EQ(why, "scheme must be rtsp, rtsps, rtmp, http, https or demo");
    CHECK_INT_EQ(vg_camera_validate_stream_url("rtsp:x", &why), VG_EINVAL);
    CHECK_STR_EQ(why, "missing host (write scheme://host[:port]/path)");
    CHECK_INT_EQ(vg_camera_validate_stream_url("demo://h", &why), VG_EINVAL);
    CHECK(!url_ok(""));
    CHECK(!url_ok(NULL));
    CHECK(!url_ok("rtsp:///x"));
    CHECK(!url_ok("not a url"));

    char url[2100] = "rtsp://h/";
    memset(url + 9, 'a', 2048 - 9);
    url[2048] = '\0';
    CHECK(url_ok(url));
    url[2048] = 'a';
    url[2049] = '\0';
    CHECK_INT_EQ(vg_camera_validate_stream_url(url, &why), VG_EINVAL);
    CHECK_STR_EQ(why, "must be at most 2048 characters");
}

static void test_location_and_path(void)
{
    const char *why;
    CHECK_INT_EQ(vg_camera_validate_location(NULL, &why), 0);
    CHECK_INT_EQ(vg_camera_validate_location("Floor 2", &why), 0);
    CHECK_INT_EQ(vg_camera_validate_location("bad\x01", &why), VG_EINVAL);
    char path[32];
    vg_camera_path_name(42, path, sizeof(path));
    CHECK_STR_EQ(path, "cam_42");
}

static int plan_ok(const char *s)
{
    const char *why = NULL;
    int rc = vg_camera_validate_plan(s, &why);
    CHECK(rc == 0 ? why == NULL : why != NULL);
    return rc == 0;
}

static void test_plans(void)
{
    CHECK(plan_ok(NULL)); /* no plan */
    CHECK(plan_ok(""));
    CHECK(plan_ok("basic"));
    CHECK(plan_ok("pro"));
    CHECK(plan_ok("premium"));
    CHECK(plan_ok("tier-2_eu"));
    CHECK(plan_ok("0"));
    CHECK(plan_ok("-"));
    CHECK(plan_ok("abcdefghijklmno")); /* 15 */
    CHECK(!plan_ok("abcdefghijklmnop"));
    CHECK(!plan_ok("Pro"));
    CHECK(!plan_ok("Bad Plan!"));
    CHECK(!plan_ok("pro "));
    CHECK(!plan_ok("a.b"));
    CHECK(!plan_ok("a/b"));
    CHECK(!plan_ok("pr\xc3\xb6")); /* non-ASCII */
    CHECK(!plan_ok("a\tb"));
    const char *why;
    CHECK_INT_EQ(vg_camera_validate_plan("Bad Plan!", &why), VG_EINVAL);
    CHECK_STR_EQ(why, "must be lowercase letters, digits, '-' or '_' (or null for none)");
    CHECK_INT_EQ(vg_camera_validate_plan("abcdefghijklmnop", &why), VG_EINVAL);
    CHECK_STR_EQ(why, "must be at most 15 characters");
}

static void test_retention_days_and_defaults(void)
{
    const char *why;
    CHECK_INT_EQ(vg_camera_validate_retention_days(1, &why), 0);
    CHECK_INT_EQ(vg_camera_validate_retention_days(7, &why), 0);
    CHECK_INT_EQ(vg_camera_validate_retention_days(3650, &why), 0);
    CHECK_INT_EQ(vg_camera_validate_retention_days(0, &why), VG_EINVAL);
    CHECK_INT_EQ(vg_camera_validate_retention_days(3651, &why), VG_EINVAL);
    CHECK_INT_EQ(vg_camera_validate_retention_days(-1, &why),
                 VG_EINVAL); /* "not set" is no value */
    CHECK_INT_EQ(vg_camera_validate_retention_days(INT64_MIN, &why), VG_EINVAL);
    CHECK_STR_EQ(why, "must be from 1 to 3650 days, or null for the plan's");

    vg_camera cam;
    memset(&cam, 0x5a, sizeof(cam));
    vg_camera_defaults(&cam);
    CHECK(!cam.record);
    CHECK_INT_EQ(cam.retention_days, -1);
    CHECK_STR_EQ(cam.plan, "");
    CHECK_INT_EQ(cam.max_readers, -1);
    CHECK_STR_EQ(cam.rtsp_transport, "tcp");
}

int main(void)
{
    VG_TEST_RUN(test_names);
    VG_TEST_RUN(test_stream_urls);
    VG_TEST_RUN(test_location_and_path);
    VG_TEST_RUN(test_plans);
    VG_TEST_RUN(test_retention_days_and_defaults);
    return vg_test_done();
}
