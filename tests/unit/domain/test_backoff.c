/* Unit tests for domain/backoff.c: the reconnect schedule. */
#include "domain/backoff.h"
#include "vg_test.h"

static void test_schedule_doubles_to_the_cap(void)
{
    vg_backoff b;
    vg_backoff_init(&b);
    const int64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.5), want[i]); /* 0.5: no jitter */
}

static void test_jitter_is_within_20_percent(void)
{
    vg_backoff b;
    vg_backoff_init(&b);
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.0), 800);
    vg_backoff_init(&b);
    int64_t hi = vg_backoff_next_delay(&b, 0.999999);
    CHECK(hi > 1190 && hi < 1200);
    for (int i = 0; i < 20; i++)
        vg_backoff_next_delay(&b, 0.0);
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.0), 24000); /* the cap, minus 20% */
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 2.0), 30000); /* out of range: no jitter */
}

static void test_healthy_streaming_resets(void)
{
    vg_backoff b;
    vg_backoff_init(&b);
    for (int i = 0; i < 5; i++)
        vg_backoff_next_delay(&b, 0.5);
    vg_backoff_healthy(&b, 29999); /* not long enough */
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.5), 30000);
    vg_backoff_healthy(&b, 30000);
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.5), 1000);
    CHECK_INT_EQ(vg_backoff_next_delay(&b, 0.5), 2000);
}

static void test_many_failures_do_not_overflow(void)
{
    vg_backoff b;
    vg_backoff_init(&b);
    for (int i = 0; i < 1000; i++)
        CHECK(vg_backoff_next_delay(&b, 0.5) <= 30000);
}

int main(void)
{
    VG_TEST_RUN(test_schedule_doubles_to_the_cap);
    VG_TEST_RUN(test_jitter_is_within_20_percent);
    VG_TEST_RUN(test_healthy_streaming_resets);
    VG_TEST_RUN(test_many_failures_do_not_overflow);
    return vg_test_done();
}
