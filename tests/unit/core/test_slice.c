/* Unit tests for core/slice.c: the slice steps of the SDP and RTSP parsers. */
#include "core/slice.h"
#include "vg_test.h"

/* The slice of a string literal; the NUL is not part of it. */
#define S(lit) vg_slice_from(lit, sizeof(lit) - 1)

static void test_compare(void)
{
    CHECK(vg_slice_eq(S("rtpmap"), "rtpmap"));
    CHECK(!vg_slice_eq(S("rtpmap"), "RTPMAP"));
    CHECK(!vg_slice_eq(S("rtpma"), "rtpmap"));
    CHECK(!vg_slice_eq(S("rtpmap:"), "rtpmap"));
    CHECK(vg_slice_eq_ci(S("H264"), "h264"));
    CHECK(!vg_slice_eq_ci(S("H264x"), "h264"));
    CHECK(vg_slice_eq(vg_slice_from(NULL, 0), ""));
    CHECK(vg_slice_starts_with_ci(S("RTSP://cam"), "rtsp://"));
    CHECK(vg_slice_starts_with_ci(S("rtsp://"), "rtsp://"));
    CHECK(!vg_slice_starts_with_ci(S("rtsp:/"), "rtsp://"));
    CHECK(vg_slice_eq(vg_slice_from_cstr("abc"), "abc"));
    CHECK(vg_slice_has_char(S("96/2"), '/'));
    CHECK(!vg_slice_has_char(S("96"), '/'));
    CHECK(!vg_slice_has_char(vg_slice_from(NULL, 0), '/'));
    /* Only `len` bytes count, whatever follows them. */
    CHECK(vg_slice_eq(vg_slice_from("abcdef", 3), "abc"));
    CHECK(!vg_slice_has_char(vg_slice_from("ab/", 2), '/'));
}

static void test_trim(void)
{
    CHECK(vg_slice_eq(vg_slice_trim(S(" \t x y \t ")), "x y"));
    CHECK(vg_slice_eq(vg_slice_trim(S("   ")), ""));
    CHECK(vg_slice_eq(vg_slice_trim(S("")), ""));
    /* A CR is not a blank. */
    CHECK(vg_slice_eq(vg_slice_trim(S(" x\r")), "x\r"));
    /* trim_line: CRs go too at the end, mixed with blanks, but not at the start. */
    CHECK(vg_slice_eq(vg_slice_trim_line(S(" x\r")), "x"));
    CHECK(vg_slice_eq(vg_slice_trim_line(S("x \r \r")), "x"));
    CHECK(vg_slice_eq(vg_slice_trim_line(S("\r x")), "\r x"));
    CHECK(vg_slice_eq(vg_slice_trim_line(S(" \r\t")), ""));
}

static void test_next_token(void)
{
    vg_slice rest = S("  video 9\tUDP/TLS/RTP/SAVPF  96 ");
    CHECK(vg_slice_eq(vg_slice_next_token(&rest), "video"));
    CHECK(vg_slice_eq(vg_slice_next_token(&rest), "9"));
    CHECK(vg_slice_eq(vg_slice_next_token(&rest), "UDP/TLS/RTP/SAVPF"));
    CHECK(vg_slice_eq(rest, "  96 "));
    CHECK(vg_slice_eq(vg_slice_next_token(&rest), "96"));
    CHECK(vg_slice_eq(vg_slice_next_token(&rest), ""));
    CHECK_INT_EQ(rest.len, 0);
    CHECK_INT_EQ(vg_slice_next_token(&rest).len, 0);
}

static void test_split_at(void)
{
    vg_slice rest = S("H264/90000/2");
    CHECK(vg_slice_eq(vg_slice_split_at(&rest, '/'), "H264"));
    CHECK(vg_slice_eq(rest, "90000/2"));
    CHECK(vg_slice_eq(vg_slice_split_at(&rest, '/'), "90000"));
    /* No separator: all of it, and nothing is left. */
    CHECK(vg_slice_eq(vg_slice_split_at(&rest, '/'), "2"));
    CHECK_INT_EQ(rest.len, 0);
    CHECK(vg_slice_eq(vg_slice_split_at(&rest, '/'), ""));
    /* A separator at the end leaves an empty rest. */
    rest = S("a;");
    CHECK(vg_slice_eq(vg_slice_split_at(&rest, ';'), "a"));
    CHECK_INT_EQ(rest.len, 0);
}

static void test_find_param(void)
{
    vg_slice fmtp = S("packetization-mode=1; Profile-Level-Id = 42e01f ;flag;x=1;x=2");
    vg_slice v;
    CHECK(vg_slice_find_param(fmtp, ';', "packetization-mode", vg_slice_trim, &v));
    CHECK(vg_slice_eq(v, "1"));
    CHECK(vg_slice_find_param(fmtp, ';', "profile-level-id", vg_slice_trim, &v));
    CHECK(vg_slice_eq(v, "42e01f"));
    /* Without '=': present, with an empty value. */
    CHECK(vg_slice_find_param(fmtp, ';', "flag", vg_slice_trim, &v));
    CHECK_INT_EQ(v.len, 0);
    /* The first wins. */
    CHECK(vg_slice_find_param(fmtp, ';', "x", vg_slice_trim, &v));
    CHECK(vg_slice_eq(v, "1"));
    CHECK(!vg_slice_find_param(fmtp, ';', "mode", vg_slice_trim, &v));
    CHECK(!vg_slice_find_param(S(""), ';', "x", vg_slice_trim, &v));
    /* The trim is the caller's: a CR before ';' or '=' stays with vg_slice_trim only. */
    vg_slice crs = S("mode\r=AAC-hbr\r;x=1");
    CHECK(!vg_slice_find_param(crs, ';', "mode", vg_slice_trim, &v));
    CHECK(vg_slice_find_param(crs, ';', "mode", vg_slice_trim_line, &v));
    CHECK(vg_slice_eq(v, "AAC-hbr"));
}

static void test_parse_uint(void)
{
    uint32_t n = 7;
    CHECK(vg_slice_parse_uint(S("0"), 127, &n));
    CHECK_INT_EQ(n, 0);
    CHECK(vg_slice_parse_uint(S("127"), 127, &n));
    CHECK_INT_EQ(n, 127);
    CHECK(vg_slice_parse_uint(S("4294967295"), UINT32_MAX, &n));
    CHECK_INT_EQ(n, UINT32_MAX);
    CHECK(vg_slice_parse_uint(S("0000000096"), 127, &n));
    CHECK_INT_EQ(n, 96);
    n = 7;
    static const char *const bad[] = {"",   "128", "-1",         "+1",         " 1",
                                      "1 ", "1a",  "4294967296", "00000000001"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t max = i == 7 ? UINT32_MAX : 127;
        CHECK(!vg_slice_parse_uint(vg_slice_from_cstr(bad[i]), max, &n));
    }
    CHECK_INT_EQ(n, 7);
}

int main(void)
{
    VG_TEST_RUN(test_compare);
    VG_TEST_RUN(test_trim);
    VG_TEST_RUN(test_next_token);
    VG_TEST_RUN(test_split_at);
    VG_TEST_RUN(test_find_param);
    VG_TEST_RUN(test_parse_uint);
    return vg_test_done();
}
