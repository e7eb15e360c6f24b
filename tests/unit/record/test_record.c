/* test_record.c: the pure parts of record/: plans, file names, RFC 3339 times. */
#include "vg_test.h"

#include "core/error.h"
#include "http/json.h"
#include "record/recovery.h"
#include "record/retention.h"
#include "record/storage.h"

#include <sys/stat.h>
#include <unistd.h>

#define DAY_MS (24LL * 3600 * 1000)

static void test_plans_parse(void)
{
    char names[16][16];
    int64_t ms[16];
    char err[160];
    int n = vg_retention_parse_plans("basic=7d,pro=15d, premium = 30d", names, ms, 16, err,
                                     sizeof(err));
    CHECK_INT_EQ(n, 3);
    CHECK(!strcmp(names[0], "basic") && ms[0] == 7 * DAY_MS);
    CHECK(!strcmp(names[1], "pro") && ms[1] == 15 * DAY_MS);
    CHECK(!strcmp(names[2], "premium") && ms[2] == 30 * DAY_MS);
    CHECK_INT_EQ(vg_retention_parse_plans("", NULL, NULL, 16, err, sizeof(err)), 0);
    CHECK_INT_EQ(vg_retention_parse_plans("hours=36h", names, ms, 16, err, sizeof(err)), 1);
    CHECK_INT_EQ(ms[0], 36LL * 3600 * 1000);
}

static void test_plans_errors(void)
{
    char err[160];
    const char *bad[] = {
        "basic",    "basic=", "basic=7x", "Basic=7d", "=7d", "basic=0s", "a-very-long-plan-name=7d",
        "ok=1d,bad"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK_INT_EQ(vg_retention_parse_plans(bad[i], NULL, NULL, 16, err, sizeof(err)), VG_EINVAL);
        CHECK(strstr(err, "recordPlans") != NULL);
    }
    CHECK_INT_EQ(vg_retention_parse_plans("a=1d,b=1d", NULL, NULL, 1, err, sizeof(err)), VG_EINVAL);
}

static void test_segment_names(void)
{
    int64_t cam, start;
    CHECK_INT_EQ(vg_recovery_parse_name("3/2026-11-21/10-00-00.123.mp4", &cam, &start), 0);
    CHECK_INT_EQ(cam, 3);
    CHECK_INT_EQ(start, 1795255200123LL);
    CHECK_INT_EQ(vg_recovery_parse_name("12/2026-11-21/23-59-59.999_1.mp4", &cam, &start), 0);
    CHECK_INT_EQ(cam, 12);
    const char *bad[] = {"x/2026-11-21/10-00-00.123.mp4", "3/2026-11-21/10-00-00.mp4",
                         "3/2026-11-21/10-00-00.123.mkv", "0/2026-11-21/10-00-00.123.mp4",
                         "3/notadate/10-00-00.123.mp4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT_EQ(vg_recovery_parse_name(bad[i], &cam, &start), VG_EINVAL);
}

static void test_rfc3339(void)
{
    int64_t ms;
    CHECK_INT_EQ(vg_parse_time("2026-11-21T10:00:00Z", &ms), 0);
    CHECK_INT_EQ(ms, 1795255200000LL);
    CHECK_INT_EQ(vg_parse_time("2026-11-21T10:00:00.5Z", &ms), 0);
    CHECK_INT_EQ(ms, 1795255200500LL);
    CHECK_INT_EQ(vg_parse_time("2026-11-21T11:00:00+01:00", &ms), 0);
    CHECK_INT_EQ(ms, 1795255200000LL);
    CHECK_INT_EQ(vg_parse_time("2026-11-21T09:30:00.123456-00:30", &ms), 0);
    CHECK_INT_EQ(ms, 1795255200123LL);
    const char *bad[] = {"",
                         "2026-11-21",
                         "2026-11-21T10:00:00",
                         "2026-13-01T00:00:00Z",
                         "2026-11-21T24:00:00Z",
                         "2026-11-21T10:00:00.Z",
                         "2026-11-21T10:00Z",
                         "2026-11-21T10:00:00+1:00",
                         "2026-11-21T10:00:00Zjunk",
                         "yesterday"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT_EQ(vg_parse_time(bad[i], &ms), VG_EINVAL);
    char text[VG_TIME_SIZE];
    vg_format_time(1795255200123LL, text);
    CHECK(!strcmp(text, "2026-11-21T10:00:00.123Z"));
}

static void test_local_storage(void)
{
    char dir[512];
    const char *tmp = getenv("VIGIL_TEST_TMPDIR");
    snprintf(dir, sizeof(dir), "%s/storage-%d", tmp ? tmp : "/tmp", (int)getpid());
    mkdir(tmp ? tmp : "/tmp", 0755);
    CHECK_INT_EQ(mkdir(dir, 0755), 0);
    char day[600], file[700];
    snprintf(day, sizeof(day), "%s/3", dir);
    mkdir(day, 0755);
    snprintf(day, sizeof(day), "%s/3/2026-11-21", dir);
    CHECK_INT_EQ(mkdir(day, 0755), 0);
    snprintf(file, sizeof(file), "%s/10-00-00.000.mp4", day);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    vg_storage *st = vg_storage_local_create(dir);
    CHECK(st != NULL);
    char url[128];
    CHECK_INT_EQ(vg_storage_upload(st, file, "3/2026-11-21/10-00-00.000.mp4"), 0);
    CHECK_INT_EQ(vg_storage_get_url(st, "3/2026-11-21/10-00-00.000.mp4", 1000, url, sizeof(url)),
                 0);
    CHECK(!strcmp(url, "/recordings/3/2026-11-21/10-00-00.000.mp4"));
    CHECK_INT_EQ(vg_storage_get_url(st, "3/2026-11-21/10-00-00.000.mp4", 1000, url, 8), VG_ERANGE);
    CHECK_INT_EQ(vg_storage_remove(st, "3/2026-11-21/10-00-00.000.mp4"), 0);
    CHECK(access(file, F_OK) != 0);
    CHECK(access(day, F_OK) != 0); /* the emptied day folder went too */
    CHECK_INT_EQ(vg_storage_remove(st, "3/2026-11-21/10-00-00.000.mp4"), 0); /* absent: fine */
    vg_storage_destroy(st);
    snprintf(day, sizeof(day), "%s/3", dir);
    rmdir(day);
    rmdir(dir);
}

int main(void)
{
    VG_TEST_RUN(test_local_storage);
    VG_TEST_RUN(test_plans_parse);
    VG_TEST_RUN(test_plans_errors);
    VG_TEST_RUN(test_segment_names);
    VG_TEST_RUN(test_rfc3339);
    return vg_test_done();
}
