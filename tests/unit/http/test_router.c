/* Unit tests for http/router.c: patterns, parameters, 404 versus 405. */
#include "core/error.h"
#include "http/router.h"
#include "vg_test.h"

static int calls;
static void handler_a(vg_http_request *req, void *ctx)
{
    calls++;
}
static void handler_b(vg_http_request *req, void *ctx)
{
    calls += 10;
}

static bool value_is(vg_slice s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void test_match_and_params(void)
{
    vg_router *r = vg_router_create();
    int ctx_a, ctx_b;
    CHECK_INT_EQ(vg_router_add(r, "GET", "/api/cameras", handler_a, &ctx_a), 0);
    CHECK_INT_EQ(vg_router_add(r, "GET", "/api/cameras/{id}", handler_b, &ctx_b), 0);
    CHECK_INT_EQ(vg_router_add(r, "POST", "/api/streams/{id}/stop", handler_a, &ctx_a), 0);

    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", "/api/cameras", &m), 0);
    CHECK(m.handler == handler_a && m.ctx == &ctx_a);
    CHECK_INT_EQ(m.param_count, 0);

    CHECK_INT_EQ(vg_router_match(r, "GET", "/api/cameras/17", &m), 0);
    CHECK(m.handler == handler_b);
    CHECK_INT_EQ(m.param_count, 1);
    CHECK_STR_EQ(m.param_names[0], "id");
    CHECK(value_is(m.param_values[0], "17"));

    CHECK_INT_EQ(vg_router_match(r, "POST", "/api/streams/abc/stop", &m), 0);
    CHECK(value_is(m.param_values[0], "abc"));

    /* Trailing and doubled slashes name the same resource. */
    CHECK_INT_EQ(vg_router_match(r, "GET", "/api/cameras/", &m), 0);
    CHECK_INT_EQ(vg_router_match(r, "GET", "//api//cameras", &m), 0);
    vg_router_destroy(r);
}

static void test_not_found_and_method_not_allowed(void)
{
    vg_router *r = vg_router_create();
    vg_router_add(r, "GET", "/api/cameras/{id}", handler_a, NULL);
    vg_router_add(r, "PATCH", "/api/cameras/{id}", handler_a, NULL);
    vg_router_add(r, "DELETE", "/api/cameras/{id}", handler_a, NULL);

    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", "/api/nope", &m), VG_ENOENT);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/api/cameras/1/x", &m), VG_ENOENT);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/", &m), VG_ENOENT);
    CHECK_INT_EQ(vg_router_match(r, "PUT", "/api/cameras/1", &m), VG_ESTATE);
    CHECK_STR_EQ(m.allow, "GET, HEAD, PATCH, DELETE");
    /* HEAD is served by the GET route. */
    CHECK_INT_EQ(vg_router_match(r, "HEAD", "/api/cameras/1", &m), 0);
    vg_router_destroy(r);
}

static void test_bad_patterns(void)
{
    vg_router *r = vg_router_create();
    CHECK_INT_EQ(vg_router_add(r, "GET", "no-slash", handler_a, NULL), VG_EINVAL);
    CHECK_INT_EQ(vg_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}", handler_a, NULL), VG_EINVAL);
    vg_router_destroy(r);
    vg_router_destroy(NULL);
}

static void test_many_segments_do_not_overflow(void)
{
    vg_router *r = vg_router_create();
    vg_router_add(r, "GET", "/a", handler_a, NULL);
    char path[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(path, "/x");
    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", path, &m), VG_ENOENT);
    vg_router_destroy(r);
}

int main(void)
{
    VG_TEST_RUN(test_match_and_params);
    VG_TEST_RUN(test_not_found_and_method_not_allowed);
    VG_TEST_RUN(test_bad_patterns);
    VG_TEST_RUN(test_many_segments_do_not_overflow);
    (void)calls;
    return vg_test_done();
}
