/*
 * vg_test.h: a minimal unit-test harness (in the spirit of h2o's picotest).
 *
 * A test file defines functions `static void test_x(void)` that use the
 * CHECK macros, and a main() that runs them:
 *
 *     int main(void) { VG_TEST_RUN(test_x); VG_TEST_RUN(test_y); return vg_test_done(); }
 *
 * A failed CHECK prints file:line and the expression, marks the current test
 * failed and goes on; the process exits non-zero if any check failed, which
 * CTest reports. No dependency beyond libc, so a test may #include a .c file
 * to reach its statics.
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int vg_test_failed_checks;
static int vg_test_current_failed;
static int vg_test_passed, vg_test_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            vg_test_failed_checks++;                                                               \
            vg_test_current_failed = 1;                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long vg_a_ = (long long)(a), vg_b_ = (long long)(b);                                  \
        if (vg_a_ != vg_b_) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, vg_a_, vg_b_);                                                         \
            vg_test_failed_checks++;                                                               \
            vg_test_current_failed = 1;                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *vg_a_ = (a), *vg_b_ = (b);                                                     \
        if (!vg_a_ || !vg_b_ || strcmp(vg_a_, vg_b_) != 0) {                                       \
            fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__,        \
                    __LINE__, #a, #b, vg_a_ ? vg_a_ : "(null)", vg_b_ ? vg_b_ : "(null)");         \
            vg_test_failed_checks++;                                                               \
            vg_test_current_failed = 1;                                                            \
        }                                                                                          \
    } while (0)

#define VG_TEST_RUN(fn)                                                                            \
    do {                                                                                           \
        vg_test_current_failed = 0;                                                                \
        fn();                                                                                      \
        if (vg_test_current_failed) {                                                              \
            vg_test_failed++;                                                                      \
            fprintf(stderr, "not ok - %s\n", #fn);                                                 \
        } else {                                                                                   \
            vg_test_passed++;                                                                      \
            fprintf(stderr, "ok - %s\n", #fn);                                                     \
        }                                                                                          \
    } while (0)

static inline int vg_test_done(void)
{
    fprintf(stderr, "%d passed, %d failed\n", vg_test_passed, vg_test_failed);
    return vg_test_failed ? 1 : 0;
}

/*
 * A new empty directory for this test process under $VIGIL_TEST_TMPDIR (or
 * /tmp), written into `out`. Aborts if it cannot be made.
 */
#include <sys/stat.h>
#include <unistd.h>
static inline void vg_test_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("VIGIL_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0755);
    snprintf(out, cap, "%s/vgtest-XXXXXX", base);
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

#endif
