/* Unit tests for domain/health.c: the health_score of seed 003. */
#include "domain/health.h"
#include "vg_test.h"

static void test_scores(void)
{
    CHECK_INT_EQ(vg_health_score(true, 25.0, 25.0, 40), 100);
    CHECK_INT_EQ(vg_health_score(true, 26.0, 25.0, 40), 100);  /* never above 100 */
    CHECK_INT_EQ(vg_health_score(true, 12.5, 25.0, 40), 50);   /* half the frames */
    CHECK_INT_EQ(vg_health_score(true, 25.0, 0.0, 40), 100);   /* nominal unknown */
    CHECK_INT_EQ(vg_health_score(true, 25.0, 25.0, 3000), 50); /* going stale */
    CHECK_INT_EQ(vg_health_score(true, 25.0, 25.0, 5000), 0);
    CHECK_INT_EQ(vg_health_score(false, 25.0, 25.0, 40), 0); /* not RUNNING */
    CHECK_INT_EQ(vg_health_score(true, 0.0, 25.0, 40), 0);
    CHECK_INT_EQ(vg_health_score(true, 25.0, 25.0, -1), 0); /* no frame yet */
}

int main(void)
{
    VG_TEST_RUN(test_scores);
    return vg_test_done();
}
