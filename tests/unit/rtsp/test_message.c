/*
 * Unit tests for rtsp/message.c: the message parser on what cameras send
 * (whole, byte by byte, pipelined, bare LF), its refusals and limits, the
 * Transport, Session and RTP-Info parsers, and the request writer's output
 * and its refusal to inject lines. Every input is parsed from a heap copy of
 * exactly its length, so ASan catches a read past `len`.
 */
#include "core/error.h"
#include "rtsp/message.h"
#include "vg_test.h"

#include <limits.h>

static bool slice_is(vg_slice s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static vg_slice lit(const char *s)
{
    return (vg_slice){s, strlen(s)};
}

/* A heap copy of exactly `len` bytes, so that any read past it is caught. */
static uint8_t *copy_exact(const char *text, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    memcpy(p, text, len);
    return p;
}

/*
 * Parses the first `len` bytes of `text` from an exact-size copy, which
 * stays alive (the message's views point into it) until the next call.
 */
static uint8_t *last_copy;

static int parse_n(const char *text, size_t len, vg_rtsp_message *m)
{
    free(last_copy);
    last_copy = copy_exact(text, len);
    return vg_rtsp_message_parse(last_copy, len, m);
}

static int parse(const char *text, vg_rtsp_message *m)
{
    return parse_n(text, strlen(text), m);
}

static const char describe_reply[] =
    "RTSP/1.0 200 OK\r\n"
    "CSeq: 3\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Base: rtsp://192.168.1.64:554/Streaming/Channels/101/\r\n"
    "Content-Length: 130\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.168.1.64\r\n"
    "s=Media Presentation\r\n"
    "t=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=control:trackID=1\r\n";

static void test_response_with_sdp_body(void)
{
    vg_rtsp_message m;
    size_t len = strlen(describe_reply);
    uint8_t *buf = copy_exact(describe_reply, len);
    CHECK_INT_EQ(vg_rtsp_message_parse(buf, len, &m), 1);
    CHECK(!m.is_request);
    CHECK_INT_EQ(m.status, 200);
    CHECK(slice_is(m.reason, "OK"));
    CHECK_INT_EQ(m.cseq, 3);
    CHECK_INT_EQ(m.header_count, 4);
    CHECK(slice_is(m.headers[1].name, "Content-Type"));
    CHECK(slice_is(m.headers[1].value, "application/sdp"));
    CHECK_INT_EQ(m.body.len, 130);
    CHECK(m.body.p == (const char *)buf + len - 130);
    CHECK(m.body.len >= 3 && memcmp(m.body.p, "v=0", 3) == 0);
    CHECK_INT_EQ(m.size, len);
    /* Names are compared case-insensitively; the first of a name wins. */
    const vg_slice *base = vg_rtsp_header_get(&m, "content-base");
    CHECK(base && slice_is(*base, "rtsp://192.168.1.64:554/Streaming/Channels/101/"));
    CHECK(vg_rtsp_header_get(&m, "CONTENT-LENGTH") != NULL);
    CHECK(vg_rtsp_header_get(&m, "Session") == NULL);
    CHECK(vg_rtsp_header_get(&m, "Content") == NULL);
    free(buf);
}

static void test_every_prefix_needs_more(void)
{
    vg_rtsp_message m;
    size_t len = strlen(describe_reply);
    for (size_t n = 0; n < len; n++) {
        int rc = parse_n(describe_reply, n, &m);
        if (rc != 0)
            fprintf(stderr, "prefix %zu: %d\n", n, rc);
        CHECK_INT_EQ(rc, 0);
    }
    CHECK_INT_EQ(parse_n(describe_reply, len, &m), 1);
}

static void test_pipelined_messages(void)
{
    /* A reply, then an interleaved-channel-free server request, in one read. */
    const char *two = "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 1234;timeout=60\r\n\r\n"
                      "SET_PARAMETER rtsp://10.0.0.2/stream RTSP/1.0\r\nCSeq: 1\r\n"
                      "Content-Type: text/parameters\r\nContent-Length: 10\r\n\r\n"
                      "ping: 1\r\n\r\nRTSP/1.0";
    size_t len = strlen(two);
    uint8_t *buf = copy_exact(two, len);
    vg_rtsp_message m;
    CHECK_INT_EQ(vg_rtsp_message_parse(buf, len, &m), 1);
    CHECK_INT_EQ(m.status, 200);
    CHECK_INT_EQ(m.cseq, 5);
    CHECK_INT_EQ(m.body.len, 0);
    size_t off = m.size;
    CHECK_INT_EQ(vg_rtsp_message_parse(buf + off, len - off, &m), 1);
    CHECK(m.is_request);
    CHECK(slice_is(m.method, "SET_PARAMETER"));
    CHECK(slice_is(m.uri, "rtsp://10.0.0.2/stream"));
    CHECK_INT_EQ(m.status, 0);
    CHECK_INT_EQ(m.cseq, 1);
    CHECK(slice_is(m.body, "ping: 1\r\n\r"));
    off += m.size;
    CHECK_INT_EQ(len - off, 9);
    /* "\nRTSP/1.0": the stray LF is skipped, then the start line is incomplete. */
    CHECK_INT_EQ(vg_rtsp_message_parse(buf + off, len - off, &m), 0);
    free(buf);
}

static void test_bare_lf_and_leading_empty_lines(void)
{
    vg_rtsp_message m;
    const char *lf = "RTSP/1.0 401 Unauthorized\nCSeq: 2\nWWW-Authenticate: Basic "
                     "realm=\"cam\"\n\n";
    CHECK_INT_EQ(parse(lf, &m), 1);
    CHECK_INT_EQ(m.status, 401);
    CHECK(slice_is(m.reason, "Unauthorized"));
    CHECK_INT_EQ(m.size, strlen(lf));
    CHECK(slice_is(m.headers[1].value, "Basic realm=\"cam\""));

    /* Mixed endings, and an empty CRLF left over from the previous message. */
    const char *mixed = "\r\n\nRTSP/1.0 200 OK\r\nCSeq: 9\n\r\n";
    CHECK_INT_EQ(parse(mixed, &m), 1);
    CHECK_INT_EQ(m.cseq, 9);
    CHECK_INT_EQ(m.size, strlen(mixed));
    CHECK_INT_EQ(parse("\r\n\r\n", &m), 0);
}

static void test_start_lines(void)
{
    vg_rtsp_message m;
    CHECK_INT_EQ(parse("RTSP/1.0 200\r\n\r\n", &m), 1); /* no reason */
    CHECK_INT_EQ(m.status, 200);
    CHECK_INT_EQ(m.reason.len, 0);
    CHECK_INT_EQ(parse("RTSP/1.0 454 Session Not Found \r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.status, 454);
    CHECK(slice_is(m.reason, "Session Not Found"));
    CHECK_INT_EQ(parse("RTSP/1.0 100 Continue\r\n\r\n", &m), 1);
    CHECK_INT_EQ(parse("RTSP/1.0 999 x\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.status, 999);
    CHECK_INT_EQ(parse("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", &m), 1);
    CHECK(m.is_request && slice_is(m.method, "OPTIONS") && slice_is(m.uri, "*"));

    static const char *const bad[] = {
        "RTSP/1.0 099 Low\r\n\r\n",
        "RTSP/1.0 2000 OK\r\n\r\n",
        "RTSP/1.0 20 OK\r\n\r\n",
        "RTSP/1.0 2x0 OK\r\n\r\n",
        "RTSP/1.0  200 OK\r\n\r\n",
        "RTSP/1.0 200OK\r\n\r\n",
        "RTSP/1.1 200 OK\r\n\r\n",
        "RTSP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "RTSP/1.0 200 O\x01K\r\n\r\n",
        "RTSP/1.0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\n\r\n",
        "OPTIONS *\r\n\r\n",
        "OPTIONS  RTSP/1.0\r\n\r\n",
        "OPTIONS * RTSP/1.0 \r\n\r\n",
        "OPT(IONS * RTSP/1.0\r\n\r\n",
        " OPTIONS * RTSP/1.0\r\n\r\n",
        "$\x01\x01\x04"
        "wxyz\n",
        "RTSP/1.0 200 OK\r\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i], &m);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "bad start line %zu: %d\n", i, rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
}

static void test_headers(void)
{
    vg_rtsp_message m;
    /* Values trimmed of spaces and tabs; empty values kept; a space before ':' tolerated. */
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq:7\r\nServer: \t Hikvision/1.0 \t\r\n"
                       "X-Empty:\r\nPublic : OPTIONS, DESCRIBE\r\n\r\n",
                       &m),
                 1);
    CHECK_INT_EQ(m.cseq, 7);
    CHECK(slice_is(*vg_rtsp_header_get(&m, "server"), "Hikvision/1.0"));
    CHECK(slice_is(*vg_rtsp_header_get(&m, "X-Empty"), ""));
    CHECK(slice_is(m.headers[3].name, "Public"));
    CHECK(slice_is(m.headers[3].value, "OPTIONS, DESCRIBE"));

    /* CSeq: the first counts; not a number, or above INT_MAX, is -1. */
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq: 4\r\nCSeq: 5\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, 4);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq: x4\r\nCSeq: 5\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, -1);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq: -4\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, -1);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq: 2147483647\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, INT_MAX);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nCSeq: 2147483648\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, -1);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\n\r\n", &m), 1);
    CHECK_INT_EQ(m.cseq, -1);

    static const char *const bad[] = {
        "RTSP/1.0 200 OK\r\nCSeq 3\r\n\r\n",                                    /* no ':' */
        "RTSP/1.0 200 OK\r\n: 3\r\n\r\n",                                       /* no name */
        "RTSP/1.0 200 OK\r\nC Seq: 3\r\n\r\n",                                  /* not a token */
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\n continued\r\n\r\n",                     /* obs-fold */
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\n\tcontinued\r\n\r\n",                    /* obs-fold */
        "RTSP/1.0 200 OK\r\nX: a\rb\r\n\r\n",                                   /* bare CR */
        "RTSP/1.0 200 OK\r\nX: a\x7f\r\n\r\n",                                  /* DEL */
        "RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",                        /* sign */
        "RTSP/1.0 200 OK\r\nContent-Length: +1\r\n\r\n",                        /* sign */
        "RTSP/1.0 200 OK\r\nContent-Length: 1 2\r\n\r\n",                       /* two numbers */
        "RTSP/1.0 200 OK\r\nContent-Length: 0x10\r\n\r\n",                      /* hex */
        "RTSP/1.0 200 OK\r\nContent-Length:\r\n\r\n",                           /* empty */
        "RTSP/1.0 200 OK\r\nContent-Length: 2\r\nContent-length: 3\r\n\r\nabc", /* disagree */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i], &m);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "bad header %zu: %d\n", i, rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
    /* Two that agree are one. */
    CHECK_INT_EQ(
        parse("RTSP/1.0 200 OK\r\nContent-Length: 3\r\nContent-Length: 003\r\n\r\nabc", &m), 1);
    CHECK(slice_is(m.body, "abc"));
    /* A header with a NUL in it is refused, not cut. */
    static const char nul[] = "RTSP/1.0 200 OK\r\nX: a\0b\r\n\r\n";
    CHECK_INT_EQ(parse_n(nul, sizeof(nul) - 1, &m), VG_ESYNTAX);
    /* Errors show as soon as their line is complete, before the head ends. */
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nbroken\r\nCSeq: 1", &m), VG_ESYNTAX);
    CHECK_INT_EQ(parse("GARBAGE\n", &m), VG_ESYNTAX);
}

static void test_body_waits_for_its_bytes(void)
{
    vg_rtsp_message m;
    const char *ann =
        "ANNOUNCE rtsp://cam/s RTSP/1.0\r\nCSeq: 8\r\nContent-Length: 5\r\n\r\nv=0\r\n";
    size_t len = strlen(ann);
    CHECK_INT_EQ(parse_n(ann, len - 1, &m), 0);
    CHECK_INT_EQ(parse_n(ann, len, &m), 1);
    CHECK(slice_is(m.body, "v=0\r\n"));
    CHECK_INT_EQ(m.size, len);
    /* Bytes after the body are not the message's. */
    char more[256];
    snprintf(more, sizeof(more), "%s$\x01", ann);
    CHECK_INT_EQ(parse(more, &m), 1);
    CHECK_INT_EQ(m.size, len);
}

static void test_limits(void)
{
    vg_rtsp_message m;
    /* A head of exactly VG_RTSP_MAX_HEAD bytes passes; one more byte does not. */
    const char *start = "RTSP/1.0 200 OK\r\nX: ";
    size_t fill = VG_RTSP_MAX_HEAD - strlen(start) - 4;
    char *big = malloc(VG_RTSP_MAX_HEAD + 2);
    memcpy(big, start, strlen(start));
    memset(big + strlen(start), 'a', fill);
    memcpy(big + strlen(start) + fill, "\r\n\r\n", 4);
    CHECK_INT_EQ(parse_n(big, VG_RTSP_MAX_HEAD, &m), 1);
    CHECK_INT_EQ(m.size, VG_RTSP_MAX_HEAD);
    CHECK_INT_EQ(m.headers[0].value.len, fill);
    memset(big + strlen(start), 'a', fill + 1);
    memcpy(big + strlen(start) + fill + 1, "\r\n\r\n", 4);
    CHECK_INT_EQ(parse_n(big, VG_RTSP_MAX_HEAD + 1, &m), VG_ERANGE);
    /* Without its end, the head is too big once VG_RTSP_MAX_HEAD bytes came. */
    CHECK_INT_EQ(parse_n(big, VG_RTSP_MAX_HEAD - 1, &m), 0);
    CHECK_INT_EQ(parse_n(big, VG_RTSP_MAX_HEAD, &m), VG_ERANGE);
    /* Endless empty lines count too. */
    memset(big, '\n', VG_RTSP_MAX_HEAD);
    CHECK_INT_EQ(parse_n(big, VG_RTSP_MAX_HEAD, &m), VG_ERANGE);
    free(big);

    /* VG_RTSP_MAX_HEADERS headers pass, one more does not. */
    char many[4096];
    size_t n = (size_t)snprintf(many, sizeof(many), "RTSP/1.0 200 OK\r\n");
    for (int i = 0; i < VG_RTSP_MAX_HEADERS; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "X-%d: %d\r\n", i, i);
    snprintf(many + n, sizeof(many) - n, "\r\n");
    CHECK_INT_EQ(parse(many, &m), 1);
    CHECK_INT_EQ(m.header_count, VG_RTSP_MAX_HEADERS);
    snprintf(many + n, sizeof(many) - n, "X-last: 1\r\n\r\n");
    CHECK_INT_EQ(parse(many, &m), VG_ERANGE);

    /* The body: up to VG_RTSP_MAX_BODY, refused beyond without waiting for it. */
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nContent-Length: 1048576\r\n\r\n", &m), 0);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nContent-Length: 1048577\r\n\r\n", &m), VG_ERANGE);
    CHECK_INT_EQ(parse("RTSP/1.0 200 OK\r\nContent-Length: 99999999999999999999999\r\n", &m),
                 VG_ERANGE);
}

static void test_transport(void)
{
    vg_rtsp_transport t;
    CHECK_INT_EQ(vg_rtsp_transport_parse(
                     lit("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D;mode=play"), &t),
                 0);
    CHECK(t.tcp && t.has_interleaved && t.has_ssrc);
    CHECK_INT_EQ(t.channel_rtp, 0);
    CHECK_INT_EQ(t.channel_rtcp, 1);
    CHECK_INT_EQ(t.ssrc, 0x1A2B3C4D);

    /* interleaved=N alone is N-(N+1); spaces and case are forgiven. */
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit(" rtp/avp/tcp ; Interleaved = 4 ; ssrc=abc"), &t), 0);
    CHECK(t.tcp && t.has_interleaved);
    CHECK_INT_EQ(t.channel_rtp, 4);
    CHECK_INT_EQ(t.channel_rtcp, 5);
    CHECK(t.has_ssrc);
    CHECK_INT_EQ(t.ssrc, 0xabc);
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/TCP;interleaved=254-255"), &t), 0);
    CHECK_INT_EQ(t.channel_rtcp, 255);

    /* UDP, with ports and a quoted mode; only the first spec of a list. */
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP;unicast;client_port=5000-5001;server_port="
                                             "6970-6971;mode=\"PLAY\",RTP/AVP/TCP;interleaved=0-1"),
                                         &t),
                 0);
    CHECK(!t.tcp && !t.has_interleaved && !t.has_ssrc);
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/UDP;unicast"), &t), 0);
    CHECK(!t.tcp);
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/TCP"), &t), 0);
    CHECK(t.tcp && !t.has_interleaved);

    /* A malformed ssrc is ignored, not fatal. */
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/TCP;interleaved=2-3;ssrc=123456789"), &t), 0);
    CHECK(!t.has_ssrc && t.has_interleaved);
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/TCP;ssrc=xyz"), &t), 0);
    CHECK(!t.has_ssrc);
    CHECK_INT_EQ(vg_rtsp_transport_parse(lit("RTP/AVP/TCP;ssrc="), &t), 0);
    CHECK(!t.has_ssrc);

    static const char *const bad[] = {
        "",
        "RTP",
        "/AVP",
        "RTP/",
        "RTP//TCP",
        "RTP/AVP/",
        "RTP/AVP/SCTP",
        ";interleaved=0-1",
        "RTP/AVP/TCP;interleaved=",
        "RTP/AVP/TCP;interleaved=a-b",
        "RTP/AVP/TCP;interleaved=0-",
        "RTP/AVP/TCP;interleaved=-1",
        "RTP/AVP/TCP;interleaved=256",
        "RTP/AVP/TCP;interleaved=255",
        "RTP/AVP/TCP;interleaved=0-256",
        "RTP/AVP/TCP;interleaved=0-1-2",
        "RTP/AVP/TCP;interleaved=99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vg_rtsp_transport_parse(lit(bad[i]), &t);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "bad transport \"%s\": %d\n", bad[i], rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
}

static void test_session(void)
{
    char id[16];
    int timeout = 0;
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("12345678;timeout=60"), id, sizeof(id), &timeout), 0);
    CHECK_STR_EQ(id, "12345678");
    CHECK_INT_EQ(timeout, 60);
    CHECK_INT_EQ(
        vg_rtsp_session_parse(lit("A1b2-C3$d_.+ ; Timeout = 30"), id, sizeof(id), &timeout), 0);
    CHECK_STR_EQ(id, "A1b2-C3$d_.+");
    CHECK_INT_EQ(timeout, 30);
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("7EC3A9"), id, sizeof(id), &timeout), 0);
    CHECK_STR_EQ(id, "7EC3A9");
    CHECK_INT_EQ(timeout, 60);
    /* A timeout that is no use for keep-alives falls back to the default. */
    static const char *const odd[] = {
        "s;timeout=0",           "s;timeout=", "s;timeout=abc", "s;timeout=-5",
        "s;timeout=99999999999", "s;timeout"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        timeout = 0;
        CHECK_INT_EQ(vg_rtsp_session_parse(lit(odd[i]), id, sizeof(id), &timeout), 0);
        CHECK_STR_EQ(id, "s");
        CHECK_INT_EQ(timeout, 60);
    }
    /* 15 chars fit in 16 bytes, 16 do not. */
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("0123456789abcde"), id, sizeof(id), &timeout), 0);
    CHECK_STR_EQ(id, "0123456789abcde");
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("0123456789abcdef;timeout=5"), id, sizeof(id), &timeout),
                 VG_ERANGE);
    CHECK_STR_EQ(id, "");
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("x"), id, 0, &timeout), VG_ERANGE);
    /* Ids that could not be echoed back safely. */
    CHECK_INT_EQ(vg_rtsp_session_parse(lit(""), id, sizeof(id), &timeout), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_session_parse(lit(";timeout=5"), id, sizeof(id), &timeout), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("ab cd"), id, sizeof(id), &timeout), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("ab\r\nX: y"), id, sizeof(id), &timeout), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_session_parse((vg_slice){"ab\0c", 4}, id, sizeof(id), &timeout),
                 VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_session_parse(lit("caf\xc3\xa9"), id, sizeof(id), &timeout), VG_ESYNTAX);
}

static void test_rtp_info(void)
{
    vg_rtsp_rtp_info info[4];
    const char *v = "url=rtsp://192.168.1.64/Streaming/Channels/101/trackID=1;seq=36163;"
                    "rtptime=1738440541, url=rtsp://192.168.1.64/Streaming/Channels/101/"
                    "trackID=2;seq=0;rtptime=4294967295";
    CHECK_INT_EQ(vg_rtsp_rtp_info_parse(lit(v), info, 4), 2);
    CHECK(slice_is(info[0].url, "rtsp://192.168.1.64/Streaming/Channels/101/trackID=1"));
    CHECK(info[0].has_seq && info[0].has_rtptime);
    CHECK_INT_EQ(info[0].seq, 36163);
    CHECK_INT_EQ(info[0].rtptime, 1738440541u);
    CHECK(slice_is(info[1].url, "rtsp://192.168.1.64/Streaming/Channels/101/trackID=2"));
    CHECK_INT_EQ(info[1].seq, 0);
    CHECK_INT_EQ(info[1].rtptime, 4294967295u);

    /* Only `cap` entries are stored. */
    CHECK_INT_EQ(vg_rtsp_rtp_info_parse(lit(v), info, 1), 1);
    CHECK_INT_EQ(info[0].seq, 36163);
    CHECK_INT_EQ(vg_rtsp_rtp_info_parse(lit(v), info, 0), 0);

    /* Optional parameters, unknown ones, empty entries, a quoted url (RFC 7826 style). */
    CHECK_INT_EQ(vg_rtsp_rtp_info_parse(
                     lit("url=\"rtsp://h/s,1\";ssrc=0A;seq=5 ,, url=trackID=3 ,seq=7"), info, 4),
                 3);
    CHECK(slice_is(info[0].url, "rtsp://h/s,1"));
    CHECK(info[0].has_seq && !info[0].has_rtptime);
    CHECK_INT_EQ(info[0].seq, 5);
    CHECK(slice_is(info[1].url, "trackID=3"));
    CHECK(!info[1].has_seq && !info[1].has_rtptime);
    CHECK_INT_EQ(info[2].url.len, 0);
    CHECK(info[2].has_seq);
    CHECK_INT_EQ(vg_rtsp_rtp_info_parse(lit(""), info, 4), 0);

    static const char *const bad[] = {
        "url=a;seq=65536",          "url=a;seq=-1",      "url=a;seq=",
        "url=a;rtptime=4294967296", "url=a;rtptime=1e3", "url=a;seq=1,url=b;seq=x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vg_rtsp_rtp_info_parse(lit(bad[i]), info, 4);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "bad rtp-info \"%s\": %d\n", bad[i], rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
}

static void test_request_write(void)
{
    char out[512];
    int n = vg_rtsp_request_write(out, sizeof(out), "SETUP", "rtsp://10.0.0.2/s/trackID=1", 3,
                                  "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
    const char *want = "SETUP rtsp://10.0.0.2/s/trackID=1 RTSP/1.0\r\n"
                       "CSeq: 3\r\n"
                       "User-Agent: vigil/" VIGIL_VERSION "\r\n"
                       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                       "\r\n";
    CHECK_STR_EQ(out, want);
    CHECK_INT_EQ(n, strlen(want));

    /* What it writes parses back. */
    vg_rtsp_message m;
    CHECK_INT_EQ(parse(out, &m), 1);
    CHECK(m.is_request && slice_is(m.method, "SETUP"));
    CHECK(slice_is(m.uri, "rtsp://10.0.0.2/s/trackID=1"));
    CHECK_INT_EQ(m.cseq, 3);
    CHECK_INT_EQ(m.size, (size_t)n);

    n = vg_rtsp_request_write(out, sizeof(out), "OPTIONS", "*", 1, NULL);
    CHECK_STR_EQ(out,
                 "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: vigil/" VIGIL_VERSION "\r\n\r\n");
    /* Exactly enough room (the NUL included), then one byte less. */
    size_t need = (size_t)n + 1;
    CHECK_INT_EQ(vg_rtsp_request_write(out, need, "OPTIONS", "*", 1, ""), n);
    CHECK_INT_EQ(vg_rtsp_request_write(out, need - 1, "OPTIONS", "*", 1, ""), VG_ERANGE);
    CHECK_STR_EQ(out, "");
    CHECK_INT_EQ(vg_rtsp_request_write(out, 0, "OPTIONS", "*", 1, ""), VG_ERANGE);

    /* Nothing the caller passes may add a line or end the head. */
    static const char *const bad[][3] = {
        {"", "*", ""},
        {"PLAY X", "*", ""},
        {"PLAY\r\nX: y", "*", ""},
        {"PLAY", "", ""},
        {"PLAY", "rtsp://h/a b", ""},
        {"PLAY", "rtsp://h/a\r\nX: y", ""},
        {"PLAY", "rtsp://h/a\tb", ""},
        {"PLAY", "*", "Session: 1"},           /* no CRLF */
        {"PLAY", "*", "Session: 1\n"},         /* bare LF */
        {"PLAY", "*", "Session: 1\r"},         /* bare CR */
        {"PLAY", "*", "Session: 1\rX: y\r\n"}, /* bare CR inside */
        {"PLAY", "*", "Session: 1\r\n\r\n"},   /* an empty line: the head would end */
        {"PLAY", "*", "\r\nSession: 1\r\n"},   /* the same at the start */
        {"PLAY", "*", "Session 1\r\n"},        /* no ':' */
        {"PLAY", "*", ": 1\r\n"},              /* no name */
        {"PLAY", "*", " Session: 1\r\n"},      /* a continuation line */
        {"PLAY", "*", "Session: 1\x01\r\n"},   /* a control character */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vg_rtsp_request_write(out, sizeof(out), bad[i][0], bad[i][1], 1, bad[i][2]);
        if (rc != VG_EINVAL)
            fprintf(stderr, "bad request %zu: %d\n", i, rc);
        CHECK_INT_EQ(rc, VG_EINVAL);
    }
    CHECK_INT_EQ(vg_rtsp_request_write(out, sizeof(out), "PLAY", "*", -1, NULL), VG_EINVAL);
}

int main(void)
{
    VG_TEST_RUN(test_response_with_sdp_body);
    VG_TEST_RUN(test_every_prefix_needs_more);
    VG_TEST_RUN(test_pipelined_messages);
    VG_TEST_RUN(test_bare_lf_and_leading_empty_lines);
    VG_TEST_RUN(test_start_lines);
    VG_TEST_RUN(test_headers);
    VG_TEST_RUN(test_body_waits_for_its_bytes);
    VG_TEST_RUN(test_limits);
    VG_TEST_RUN(test_transport);
    VG_TEST_RUN(test_session);
    VG_TEST_RUN(test_rtp_info);
    VG_TEST_RUN(test_request_write);
    free(last_copy);
    return vg_test_done();
}
