/* Unit tests for domain/stream.c: the state machine over every pair of states. */
#include "core/error.h"
#include "domain/stream.h"
#include "vg_test.h"

static void test_every_transition_pair(void)
{
    /* The table of seed 002 as the issue states it, plus ERROR -> STOPPED (a failed stream can be
     * stopped). */
    static const bool expected[5][5] = {
        /*              STOPPED STARTING RUNNING ERROR  STANDBY */
        /* STOPPED  */ {false, true, false, false, true},
        /* STARTING */ {true, false, true, true, true},
        /* RUNNING  */ {true, false, false, true, true},
        /* ERROR    */ {true, true, false, false, true},
        /* STANDBY  */ {true, true, false, false, false},
    };
    for (int from = 0; from < VG_STREAM_STATUS_COUNT; from++) {
        for (int to = 0; to < VG_STREAM_STATUS_COUNT; to++) {
            bool ok = vg_stream_transition_allowed(from, to);
            if (ok != expected[from][to])
                fprintf(stderr, "  %s -> %s: got %d\n", vg_stream_status_name(from),
                        vg_stream_status_name(to), ok);
            CHECK(ok == expected[from][to]);

            vg_stream st = {.status = (vg_stream_status)from};
            int rc = vg_stream_transition(&st, (vg_stream_status)to, 1000, "boom");
            CHECK_INT_EQ(rc, expected[from][to] ? 0 : VG_ESTATE);
            CHECK_INT_EQ(st.status, expected[from][to] ? to : from);
            vg_stream_clear(&st);
        }
    }
    CHECK(!vg_stream_transition_allowed(VG_STREAM_STOPPED, (vg_stream_status)9));
    CHECK(!vg_stream_transition_allowed((vg_stream_status)-1, VG_STREAM_STOPPED));
}

static void test_active_and_live(void)
{
    CHECK(!vg_stream_status_is_active(VG_STREAM_STOPPED));
    CHECK(vg_stream_status_is_active(VG_STREAM_STARTING));
    CHECK(vg_stream_status_is_active(VG_STREAM_RUNNING));
    CHECK(!vg_stream_status_is_active(VG_STREAM_ERROR));
    CHECK(!vg_stream_status_is_live(VG_STREAM_STOPPED));
    CHECK(vg_stream_status_is_live(VG_STREAM_ERROR));
}

static void test_lifecycle_timestamps_and_errors(void)
{
    vg_stream st = {.status = VG_STREAM_STOPPED};
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STARTING, 100, NULL), 0);
    CHECK_INT_EQ(st.started_at_ms, 100);
    CHECK_INT_EQ(st.stopped_at_ms, 0);
    /* The first transition of a new stream is its creation. */
    CHECK_INT_EQ(st.created_at_ms, 100);
    CHECK_INT_EQ(st.updated_at_ms, 100);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_ERROR, 200, "camera not reachable"), 0);
    CHECK_STR_EQ(st.last_error, "camera not reachable");
    CHECK_INT_EQ(st.created_at_ms, 100);
    CHECK_INT_EQ(st.updated_at_ms, 200);
    /* A retry keeps the first start time and clears the error. */
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STARTING, 300, NULL), 0);
    CHECK_INT_EQ(st.started_at_ms, 100);
    CHECK(st.last_error == NULL);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_RUNNING, 400, NULL), 0);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STOPPED, 500, NULL), 0);
    CHECK_INT_EQ(st.stopped_at_ms, 500);
    /* A refused transition changes nothing. */
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_RUNNING, 600, NULL), VG_ESTATE);
    CHECK_INT_EQ(st.status, VG_STREAM_STOPPED);
    CHECK_INT_EQ(st.stopped_at_ms, 500);
    CHECK_INT_EQ(st.updated_at_ms, 500);
    /* Started again: a new start time, no stop time; still created at its first start. */
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_STARTING, 700, NULL), 0);
    CHECK_INT_EQ(st.started_at_ms, 700);
    CHECK_INT_EQ(st.stopped_at_ms, 0);
    CHECK_INT_EQ(st.created_at_ms, 100);
    CHECK_INT_EQ(st.updated_at_ms, 700);
    CHECK_INT_EQ(vg_stream_transition(&st, VG_STREAM_ERROR, 800, NULL), 0);
    CHECK_STR_EQ(st.last_error, "unknown error");
    vg_stream_clear(&st);
}

static void test_status_names(void)
{
    vg_stream_status s;
    for (int i = 0; i < VG_STREAM_STATUS_COUNT; i++) {
        CHECK_INT_EQ(vg_stream_status_parse(vg_stream_status_name(i), &s), 0);
        CHECK_INT_EQ(s, i);
    }
    CHECK_INT_EQ(vg_stream_status_parse("running", &s), VG_EINVAL);
    CHECK_STR_EQ(vg_stream_status_name((vg_stream_status)42), "UNKNOWN");
}

static void test_uuid_v4(void)
{
    char a[VG_UUID_STR_LEN + 1], b[VG_UUID_STR_LEN + 1];
    CHECK_INT_EQ(vg_uuid_v4(a), 0);
    CHECK_INT_EQ(vg_uuid_v4(b), 0);
    CHECK(vg_uuid_is_valid(a));
    CHECK(strcmp(a, b) != 0);
    CHECK(a[14] == '4');                  /* version */
    CHECK(strchr("89ab", a[19]) != NULL); /* variant 10xx */
    CHECK(!vg_uuid_is_valid("not-a-uuid"));
    CHECK(!vg_uuid_is_valid("6623f603-11a2-4e62-a0d3-47f2cd2ff00"));
    CHECK(!vg_uuid_is_valid("6623f603x11a2-4e62-a0d3-47f2cd2ff008"));
    CHECK(!vg_uuid_is_valid(NULL));
}

int main(void)
{
    VG_TEST_RUN(test_every_transition_pair);
    VG_TEST_RUN(test_active_and_live);
    VG_TEST_RUN(test_lifecycle_timestamps_and_errors);
    VG_TEST_RUN(test_status_names);
    VG_TEST_RUN(test_uuid_v4);
    return vg_test_done();
}
