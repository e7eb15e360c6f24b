/* Unit tests for core/url.c: parsing for validation, and credential redaction. */
#include "core/error.h"
#include "core/url.h"
#include "vg_test.h"

static int parse(const char *s, vg_url *u, const char **why)
{
    return vg_url_parse(s, strlen(s), u, why);
}

static bool slice_eq(vg_slice s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void test_parse_parts(void)
{
    vg_url u;
    const char *why;
    CHECK_INT_EQ(parse("rtsp://admin:pw@10.0.0.5:554/Streaming/101?x=1", &u, &why), 0);
    CHECK(slice_eq(u.scheme, "rtsp"));
    CHECK(u.has_userinfo);
    CHECK(slice_eq(u.userinfo, "admin:pw"));
    CHECK(slice_eq(u.host, "10.0.0.5"));
    CHECK_INT_EQ(u.port, 554);
    CHECK(slice_eq(u.rest, "/Streaming/101?x=1"));

    CHECK_INT_EQ(parse("http://[::1]:8080/x", &u, &why), 0);
    CHECK(slice_eq(u.host, "::1"));
    CHECK_INT_EQ(u.port, 8080);

    CHECK_INT_EQ(parse("rtmp://cam.local/live/a", &u, &why), 0);
    CHECK(!u.has_userinfo);
    CHECK_INT_EQ(u.port, 0);

    CHECK_INT_EQ(parse("demo:", &u, &why), 0);
    CHECK(!u.has_authority);
    CHECK_INT_EQ(parse("demo:pattern", &u, &why), 0);
    CHECK(slice_eq(u.rest, "pattern"));
}

static void test_parse_errors(void)
{
    vg_url u;
    const char *why;
    CHECK_INT_EQ(parse("", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "missing scheme");
    CHECK_INT_EQ(parse("//host/x", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("rtsp:///x", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "missing host");
    CHECK_INT_EQ(parse("rtsp://h:99999/", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "port out of range 1-65535");
    CHECK_INT_EQ(parse("rtsp://h:123456/", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "invalid port");
    CHECK_INT_EQ(parse("rtsp://h:0/", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "port out of range 1-65535");
    CHECK_INT_EQ(parse("rtsp://h:/", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("rtsp://h:8a/", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("rtsp://h /x", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "contains a space or control character");
    CHECK_INT_EQ(parse("rtsp://[::1/x", &u, &why), VG_ESYNTAX);
    /* An '@' after the host is most likely a password with an unescaped '/', '?' or '#'. */
    CHECK_INT_EQ(parse("rtsp://admin:12#s3cret@cam/live", &u, &why), VG_ESYNTAX);
    CHECK_STR_EQ(why, "contains '@' after the host (write it as %40, also in a password)");
    CHECK_INT_EQ(parse("rtsp://admin:1?s3cret@cam/live", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("rtsp://admin:123/s3cret@cam/live", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("http://proxy/f?src=rtsp://a:b@h/x", &u, &why), VG_ESYNTAX);
    CHECK_INT_EQ(parse("rtsp://admin:p%40ss@cam/live", &u, &why), 0);
    CHECK_INT_EQ(parse("rtsp://[::1]x/", &u, &why), VG_ESYNTAX);
    /* The reason never quotes the input: it may be a password. */
    CHECK_INT_EQ(parse("rtsp://admin:Zq9 x@h/", &u, &why), VG_ESYNTAX);
    CHECK(strstr(why, "Zq9") == NULL);
}

static char *redact(const char *s)
{
    static char buf[1024];
    vg_redact_credentials(s, strlen(s), buf, sizeof(buf));
    return buf;
}

static void test_redact_urls(void)
{
    CHECK_STR_EQ(redact("rtsp://admin:secret@10.0.0.5:554/path"),
                 "rtsp://***:***@10.0.0.5:554/path");
    CHECK_STR_EQ(redact("rtsp://admin@10.0.0.5/path"), "rtsp://***@10.0.0.5/path");
    CHECK_STR_EQ(redact("rtsp://10.0.0.5/path"), "rtsp://10.0.0.5/path");
    CHECK_STR_EQ(redact("http://h/x?password=abc&user=bob&q=1"),
                 "http://h/x?password=***&user=***&q=1");
    CHECK_STR_EQ(redact("http://h/x?Token=abc#frag"), "http://h/x?Token=***#frag");
    CHECK_STR_EQ(redact("demo:"), "demo:");
    /* An unescaped '/' or '@' in the password is still hidden whole. */
    CHECK_STR_EQ(redact("rtsp://admin:pa/ss@host/x"), "rtsp://***:***@host/x");
    CHECK_STR_EQ(redact("rtsp://admin:p@ss@host/x"), "rtsp://***:***@host/x");
    /* Hides more, never less: up to the last '@' of the URL, wherever it is. */
    CHECK_STR_EQ(redact("rtsp://admin:12#s3cret@cam/live"), "rtsp://***:***@cam/live");
    CHECK_STR_EQ(redact("rtsp://admin:1?s3cret@cam/live"), "rtsp://***:***@cam/live");
    CHECK_STR_EQ(redact("http://proxy:8080/fetch?src=rtsp://admin:secret1@10.0.0.5/live"),
                 "http://***:***@10.0.0.5/live");
    /* Secret parameter names count percent-decoded. */
    CHECK_STR_EQ(redact("http://h/x?pass%77ord=hunter2&pw=a&sig=b"),
                 "http://h/x?pass%77ord=***&pw=***&sig=***");
    char whole[128];
    vg_url_redact("rtsp://admin:it's@host/x", whole, sizeof(whole));
    CHECK_STR_EQ(whole, "rtsp://***:***@host/x");
}

static void test_redact_log_lines(void)
{
    CHECK_STR_EQ(redact("start url=rtsp://u:p@h/a other=rtmp://x:y@h2/b done"),
                 "start url=rtsp://***:***@h/a other=rtmp://***:***@h2/b done");
    CHECK_STR_EQ(redact("error=\"rtsp://u:p@h/a\" x"), "error=\"rtsp://***:***@h/a\" x");
    CHECK_STR_EQ(redact("no urls here: a@b"), "no urls here: a@b");
    CHECK_STR_EQ(redact("ends with ://"), "ends with ://");
    /* A quote does not end a URL: ' is legal in a password. */
    CHECK_STR_EQ(redact("url='rtsp://u:it's@h/a' next"), "url='rtsp://***:***@h/a' next");
}

static void test_redact_truncates_safely(void)
{
    char small[12];
    const char *in = "rtsp://user:pass@host/";
    size_t need = vg_redact_credentials(in, strlen(in), small, sizeof(small));
    CHECK_INT_EQ(need, strlen("rtsp://***:***@host/"));
    CHECK_INT_EQ(strlen(small), sizeof(small) - 1);
    CHECK(strstr(small, "pass") == NULL);

    char *dup = vg_redact_credentials_dup(in);
    CHECK_STR_EQ(dup, "rtsp://***:***@host/");
    free(dup);
}

static void test_split_host_port(void)
{
    char host[64], port[8];
    CHECK_INT_EQ(vg_split_host_port("127.0.0.1:8189", host, sizeof(host), port, sizeof(port)), 0);
    CHECK_STR_EQ(host, "127.0.0.1");
    CHECK_STR_EQ(port, "8189");
    CHECK_INT_EQ(vg_split_host_port("[::1]:0", host, sizeof(host), port, sizeof(port)), 0);
    CHECK_STR_EQ(host, "::1");
    CHECK_STR_EQ(port, "0");
    CHECK_INT_EQ(vg_split_host_port(":8554", host, sizeof(host), port, sizeof(port)), 0);
    CHECK_STR_EQ(host, "");
    CHECK_INT_EQ(vg_split_host_port("host", host, sizeof(host), port, sizeof(port)), VG_EINVAL);
    CHECK_INT_EQ(vg_split_host_port("host:", host, sizeof(host), port, sizeof(port)), VG_EINVAL);
    CHECK_INT_EQ(vg_split_host_port("[::1]8", host, sizeof(host), port, sizeof(port)), VG_EINVAL);
}

int main(void)
{
    VG_TEST_RUN(test_parse_parts);
    VG_TEST_RUN(test_parse_errors);
    VG_TEST_RUN(test_redact_urls);
    VG_TEST_RUN(test_redact_log_lines);
    VG_TEST_RUN(test_redact_truncates_safely);
    VG_TEST_RUN(test_split_host_port);
    return vg_test_done();
}
