/*
 * fuzz_rtsp_message.c: rtsp/message.c and rtsp/auth.c against what a camera
 * could send on an RTSP connection.
 *
 * The input is read as the client reads its socket: messages one after
 * another (advancing by .size while the parser returns 1), with interleaved
 * '$' frames (RFC 2326 10.12) taken off in between as the client does.
 * Beyond "no crash, no overread", it checks for each message:
 *   - the parser's answer is one of 1, 0, VG_ESYNTAX, VG_ERANGE; a parsed
 *     message lies inside the input, its header values hold no control
 *     character and no surrounding space, its status is 100..999;
 *   - every prefix of a parsed message asks for more bytes (0): a message
 *     is never taken before it is whole;
 *   - vg_rtsp_header_get() finds the first header of a name;
 *   - Transport, Session and RTP-Info values parse into values in range,
 *     with views inside the header value;
 *   - the challenges of WWW-Authenticate give an Authorization value that
 *     goes into a request written by vg_rtsp_request_write() and parses
 *     back unchanged: nothing a camera sends can inject a header line;
 *   - a request from the server, written back with its method and uri,
 *     parses back to the same.
 * The header-value parsers, the userinfo splitter and the URL stripper also
 * get the raw input, control characters and all.
 */
#include "core/error.h"
#include "rtsp/auth.h"
#include "core/url.h"
#include "rtsp/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_inside(vg_slice s, const void *base, size_t len)
{
    const char *b = base;
    check(s.len == 0 || (s.p >= b && s.len <= len && (size_t)(s.p - b) <= len - s.len));
}

static bool slice_ieq(vg_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static void fuzz_transport(vg_slice v)
{
    vg_rtsp_transport t;
    int err = vg_rtsp_transport_parse(v, &t);
    check(err == 0 || err == VG_ESYNTAX);
    if (err == 0 && t.has_interleaved)
        check(t.channel_rtp >= 0 && t.channel_rtp <= 255 && t.channel_rtcp >= 0 &&
              t.channel_rtcp <= 255);
}

static void fuzz_session(vg_slice v)
{
    char id[64];
    int timeout = 0;
    int err = vg_rtsp_session_parse(v, id, sizeof(id), &timeout);
    check(err == 0 || err == VG_ESYNTAX || err == VG_ERANGE);
    check(timeout >= 1);
    if (err == 0) {
        size_t n = strlen(id);
        check(n > 0 && n < sizeof(id));
        for (size_t i = 0; i < n; i++)
            check((unsigned char)id[i] > 0x20 && (unsigned char)id[i] < 0x7f);
    }
}

static void fuzz_rtp_info(vg_slice v)
{
    vg_rtsp_rtp_info info[8];
    int n = vg_rtsp_rtp_info_parse(v, info, 8);
    check(n == VG_ESYNTAX || (n >= 0 && n <= 8));
    for (int i = 0; i < n; i++)
        check_inside(info[i].url, v.p, v.len);
}

/* The Authorization value for the best challenge, through a request and back. */
static void fuzz_auth(const vg_rtsp_message *m)
{
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    int err = vg_rtsp_auth_from_challenges(&a, m);
    check(err == 0 || err == VG_ENOENT || err == VG_EINVAL || err == VG_ESYNTAX);
    check((err == VG_ENOENT) == (vg_rtsp_header_get(m, "WWW-Authenticate") == NULL));
    if (err < 0) {
        check(a.scheme == VG_RTSP_AUTH_NONE);
        return;
    }
    check(a.scheme == VG_RTSP_AUTH_BASIC || a.scheme == VG_RTSP_AUTH_DIGEST);
    check(memchr(a.realm, '\0', sizeof(a.realm)) && memchr(a.nonce, '\0', sizeof(a.nonce)) &&
          memchr(a.opaque, '\0', sizeof(a.opaque)));

    static const char uri[] = "rtsp://192.168.1.64:554/Streaming/Channels/101";
    char value[2048], headers[2100], req[2600];
    err = vg_rtsp_auth_header(&a, "ad\"min", "pa\\ss", "DESCRIBE", uri, value, sizeof(value));
    check(err == 0); /* 3 * 2 * 255 escaped bytes and the rest fit in 2048 */
    check(strpbrk(value, "\r\n") == NULL);
    check(a.scheme != VG_RTSP_AUTH_DIGEST || !a.qop_auth || a.nc == 1);

    snprintf(headers, sizeof(headers), "Authorization: %s\r\n", value);
    int n = vg_rtsp_request_write(req, sizeof(req), "DESCRIBE", uri, 2, headers);
    check(n > 0);
    vg_rtsp_message back;
    check(vg_rtsp_message_parse((const uint8_t *)req, (size_t)n, &back) == 1);
    check(back.header_count == 3 && back.cseq == 2 && back.size == (size_t)n);
    const vg_slice *got = vg_rtsp_header_get(&back, "Authorization");
    check(got && got->len == strlen(value) && memcmp(got->p, value, got->len) == 0);
}

/* A request from the server, written back from its method and uri. */
static void fuzz_request_round_trip(const vg_rtsp_message *m)
{
    char method[64], uri[1024], req[1200];
    if (m->method.len >= sizeof(method) || m->uri.len >= sizeof(uri))
        return;
    memcpy(method, m->method.p, m->method.len);
    method[m->method.len] = '\0';
    memcpy(uri, m->uri.p, m->uri.len);
    uri[m->uri.len] = '\0';
    int cseq = m->cseq >= 0 ? m->cseq : 0;
    int n = vg_rtsp_request_write(req, sizeof(req), method, uri, cseq, NULL);
    check(n > 0);
    vg_rtsp_message back;
    check(vg_rtsp_message_parse((const uint8_t *)req, (size_t)n, &back) == 1);
    check(back.is_request && back.cseq == cseq && back.size == (size_t)n);
    check(back.method.len == m->method.len && memcmp(back.method.p, method, back.method.len) == 0);
    check(back.uri.len == m->uri.len && memcmp(back.uri.p, uri, back.uri.len) == 0);
}

static void fuzz_message(const uint8_t *buf, size_t len, const vg_rtsp_message *m)
{
    check(m->size > 0 && m->size <= len);
    check(m->header_count <= VG_RTSP_MAX_HEADERS);
    check(m->cseq >= -1);
    check(m->body.len <= VG_RTSP_MAX_BODY);
    check(m->body.len == 0 || m->body.p + m->body.len == (const char *)buf + m->size);
    if (m->is_request) {
        check(m->method.len > 0 && m->uri.len > 0 && m->status == 0);
        check_inside(m->method, buf, m->size);
        check_inside(m->uri, buf, m->size);
    } else {
        check(m->status >= 100 && m->status <= 999);
        check_inside(m->reason, buf, m->size);
    }
    for (size_t i = 0; i < m->header_count; i++) {
        vg_slice name = m->headers[i].name, value = m->headers[i].value;
        check(name.len > 0);
        check_inside(name, buf, m->size);
        check_inside(value, buf, m->size);
        for (size_t k = 0; k < value.len; k++) {
            unsigned char c = (unsigned char)value.p[k];
            check(c >= 0x20 || c == '\t');
            check(c != 0x7f);
        }
        check(value.len == 0 || (value.p[0] != ' ' && value.p[0] != '\t' &&
                                 value.p[value.len - 1] != ' ' && value.p[value.len - 1] != '\t'));
    }

    /* Every prefix asks for more; a few are enough to catch a message taken early. */
    vg_rtsp_message part;
    check(vg_rtsp_message_parse(buf, m->size - 1, &part) == 0);
    check(vg_rtsp_message_parse(buf, m->size / 2, &part) == 0);
    if (m->body.len)
        check(vg_rtsp_message_parse(buf, m->size - m->body.len, &part) == 0);

    static const char *const names[] = {"CSeq",         "Content-Length", "Session",
                                        "Transport",    "RTP-Info",       "WWW-Authenticate",
                                        "Content-Base", "Public",         "X-Missing"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const vg_slice *v = vg_rtsp_header_get(m, names[i]);
        size_t first = m->header_count;
        for (size_t k = 0; k < m->header_count; k++) {
            if (slice_ieq(m->headers[k].name, names[i])) {
                first = k;
                break;
            }
        }
        check(first == m->header_count ? v == NULL : v == &m->headers[first].value);
    }

    const vg_slice *v;
    if ((v = vg_rtsp_header_get(m, "Transport")))
        fuzz_transport(*v);
    if ((v = vg_rtsp_header_get(m, "Session")))
        fuzz_session(*v);
    if ((v = vg_rtsp_header_get(m, "RTP-Info")))
        fuzz_rtp_info(*v);
    fuzz_auth(m);
    if (m->is_request)
        fuzz_request_round_trip(m);
}

/* The raw input to the parsers that take a view or a string. */
static void fuzz_raw(const uint8_t *data, size_t size)
{
    vg_slice raw = {(const char *)data, size};
    if (size)
        fuzz_transport(raw);
    fuzz_session(raw);
    fuzz_rtp_info(raw);

    char user[64], pass[64];
    int err = vg_rtsp_userinfo_split(raw, user, sizeof(user), pass, sizeof(pass));
    check(err == 0 || err == VG_ERANGE || err == VG_ESYNTAX);
    if (err == 0)
        check(strlen(user) < sizeof(user) && strlen(pass) < sizeof(pass));

    if (size < 512 && !memchr(data, '\0', size)) {
        char url[512], out[512];
        memcpy(url, data, size);
        url[size] = '\0';
        err = vg_rtsp_url_strip_userinfo(url, out, sizeof(out));
        check(err == 0 || err == VG_ESYNTAX);
        if (err == 0) {
            check(strlen(out) <= size);
            vg_url u;
            const char *why;
            check(vg_url_parse(out, strlen(out), &u, &why) == 0 && !u.has_userinfo);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * VG_RTSP_MAX_HEAD)
        return 0;
    size_t off = 0;
    static vg_rtsp_message m; /* 1.6 KB: not on the fuzzer's stack every time */
    while (off < size) {
        /* RFC 2326 10.12: '$', channel, 16-bit length, that many bytes. */
        if (data[off] == '$') {
            if (size - off < 4)
                break;
            size_t frame = 4 + ((size_t)data[off + 2] << 8 | data[off + 3]);
            if (size - off < frame)
                break;
            off += frame;
            continue;
        }
        int rc = vg_rtsp_message_parse(data + off, size - off, &m);
        check(rc == 1 || rc == 0 || rc == VG_ESYNTAX || rc == VG_ERANGE);
        if (rc != 1)
            break;
        fuzz_message(data + off, size - off, &m);
        off += m.size;
    }
    if (size <= 4096)
        fuzz_raw(data, size);
    return 0;
}
