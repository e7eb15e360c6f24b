#include "rtsp/message.h"

#include "core/error.h"
#include "core/slice.h"
#include "rtsp/rtsp_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/*
 * Reads the whole of `s` as a decimal number no greater than `max`: digits
 * only, no sign, no spaces. Returns false when it is not one.
 */
static bool parse_decimal(vg_slice s, uint64_t max, uint64_t *out)
{
    if (s.len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool has_ctl(vg_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (vg_rtsp_is_ctl((unsigned char)s.p[i]))
            return true;
    }
    return false;
}

/* ---- the message ---- */

static const char rtsp_version[] = "RTSP/1.0";
#define RTSP_VERSION_LEN (sizeof(rtsp_version) - 1)

/*
 * RFC 2326 7.1: Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase.
 * A missing reason (with or without its SP) is taken: it changes nothing.
 */
static int parse_status_line(vg_slice line, vg_rtsp_message *out)
{
    if (line.len < RTSP_VERSION_LEN + 4 || memcmp(line.p, rtsp_version, RTSP_VERSION_LEN) != 0 ||
        line.p[RTSP_VERSION_LEN] != ' ')
        return VG_ESYNTAX;
    const char *code = line.p + RTSP_VERSION_LEN + 1;
    size_t rest = line.len - RTSP_VERSION_LEN - 1;
    if (rest < 3 || code[0] < '1' || code[0] > '9' || code[1] < '0' || code[1] > '9' ||
        code[2] < '0' || code[2] > '9')
        return VG_ESYNTAX;
    if (rest > 3 && code[3] != ' ')
        return VG_ESYNTAX;
    out->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    out->reason =
        rest > 3 ? vg_slice_trim((vg_slice){code + 4, rest - 4}) : (vg_slice){code + 3, 0};
    return has_ctl(line) ? VG_ESYNTAX : 0;
}

/* RFC 2326 6.1: Request-Line = Method SP Request-URI SP RTSP-Version. */
static int parse_request_line(vg_slice line, vg_rtsp_message *out)
{
    size_t i = 0;
    while (i < line.len && vg_rtsp_is_tchar((unsigned char)line.p[i]))
        i++;
    if (i == 0 || i == line.len || line.p[i] != ' ')
        return VG_ESYNTAX;
    out->method = (vg_slice){line.p, i};
    i++;
    size_t uri_start = i;
    while (i < line.len && line.p[i] != ' ' && !vg_rtsp_is_ctl((unsigned char)line.p[i]) &&
           line.p[i] != '\t')
        i++;
    if (i == uri_start || i == line.len || line.p[i] != ' ')
        return VG_ESYNTAX;
    out->uri = (vg_slice){line.p + uri_start, i - uri_start};
    i++;
    if (line.len - i != RTSP_VERSION_LEN || memcmp(line.p + i, rtsp_version, RTSP_VERSION_LEN) != 0)
        return VG_ESYNTAX;
    out->is_request = true;
    return 0;
}

static bool all_digits(vg_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    }
    return s.len > 0;
}

/* What the head's lines tell beyond the headers themselves. */
typedef struct head_state {
    uint64_t content_length;
    bool has_content_length, has_cseq;
} head_state;

/* A header line, `name: value` (RFC 7230 3.2; RFC 2326 4.2 keeps HTTP's syntax). */
static int parse_header_line(vg_slice line, vg_rtsp_message *out, head_state *st)
{
    /* RFC 7230 3.2.4: a line that starts with a space or tab continues the previous one
       (obs-fold); refused, as that section allows. */
    if (vg_slice_is_blank(line.p[0]))
        return VG_ESYNTAX;
    size_t i = 0;
    while (i < line.len && vg_rtsp_is_tchar((unsigned char)line.p[i]))
        i++;
    vg_slice name = {line.p, i};
    if (name.len == 0)
        return VG_ESYNTAX;
    /* Tolerated, although RFC 7230 forbids it: a space before the colon ("CSeq : 2"). */
    while (i < line.len && vg_slice_is_blank(line.p[i]))
        i++;
    if (i == line.len || line.p[i] != ':')
        return VG_ESYNTAX;
    vg_slice value = vg_slice_trim((vg_slice){line.p + i + 1, line.len - i - 1});
    if (has_ctl(value))
        return VG_ESYNTAX;
    if (out->header_count == VG_RTSP_MAX_HEADERS)
        return VG_ERANGE;
    out->headers[out->header_count++] = (vg_rtsp_header){name, value};

    if (vg_slice_eq_ci(name, "Content-Length")) {
        /* RFC 2326 12.14. Two that disagree leave the body's end in doubt (RFC 7230 3.3.3). */
        uint64_t n;
        if (!all_digits(value))
            return VG_ESYNTAX;
        if (!parse_decimal(value, VG_RTSP_MAX_BODY, &n))
            return VG_ERANGE;
        if (st->has_content_length && n != st->content_length)
            return VG_ESYNTAX;
        st->content_length = n;
        st->has_content_length = true;
    } else if (vg_slice_eq_ci(name, "CSeq") && !st->has_cseq) {
        /* The first CSeq counts; one that is not a number leaves cseq at -1. */
        uint64_t n;
        st->has_cseq = true;
        if (parse_decimal(value, INT_MAX, &n))
            out->cseq = (int)n;
    }
    return 0;
}

int vg_rtsp_message_parse(const uint8_t *buf, size_t len, vg_rtsp_message *out)
{
    memset(out, 0, sizeof(*out));
    out->cseq = -1;
    const char *s = (const char *)buf;
    /* The head is looked for in its first VG_RTSP_MAX_HEAD bytes only. */
    size_t limit = len < VG_RTSP_MAX_HEAD ? len : VG_RTSP_MAX_HEAD;
    size_t pos = 0;
    bool have_start = false;
    head_state st = {0};
    if (len == 0)
        return 0;

    for (;;) {
        const char *nl = memchr(s + pos, '\n', limit - pos);
        if (!nl)
            return limit == VG_RTSP_MAX_HEAD ? VG_ERANGE : 0;
        size_t end = (size_t)(nl - s);
        vg_slice line = {s + pos, end - pos};
        pos = end + 1;
        /* CRLF or, from some cameras, a bare LF. */
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;

        if (!have_start) {
            if (line.len == 0)
                continue; /* empty lines before the start line */
            int err = line.len >= 5 && memcmp(line.p, "RTSP/", 5) == 0
                          ? parse_status_line(line, out)
                          : parse_request_line(line, out);
            if (err < 0)
                return err;
            have_start = true;
            continue;
        }
        if (line.len == 0)
            break; /* the empty line that ends the head */
        int err = parse_header_line(line, out, &st);
        if (err < 0)
            return err;
    }

    /* pos <= len, and content_length <= VG_RTSP_MAX_BODY: no overflow. */
    if (len - pos < st.content_length)
        return 0;
    out->body = (vg_slice){s + pos, (size_t)st.content_length};
    out->size = pos + (size_t)st.content_length;
    return 1;
}

const vg_slice *vg_rtsp_header_get(const vg_rtsp_message *m, const char *name)
{
    for (size_t i = 0; i < m->header_count; i++) {
        if (vg_slice_eq_ci(m->headers[i].name, name))
            return &m->headers[i].value;
    }
    return NULL;
}

/* ---- header values ---- */

/*
 * Takes the next item of `*rest` up to the separator `sep` (outside double
 * quotes), trimmed, and moves `*rest` past it. Returns false when `*rest`
 * is used up.
 */
static bool next_item(vg_slice *rest, char sep, vg_slice *item)
{
    if (rest->p == NULL)
        return false;
    bool quoted = false;
    size_t i = 0;
    for (; i < rest->len; i++) {
        char c = rest->p[i];
        if (c == '"')
            quoted = !quoted;
        else if (c == sep && !quoted)
            break;
    }
    *item = vg_slice_trim((vg_slice){rest->p, i});
    if (i < rest->len)
        *rest = (vg_slice){rest->p + i + 1, rest->len - i - 1};
    else
        *rest = (vg_slice){NULL, 0}; /* used up: the last item was taken */
    return true;
}

/* Splits `param` at its first '=' into a trimmed name and value; value len 0 when no '='. */
static void split_param(vg_slice param, vg_slice *name, vg_slice *value)
{
    const char *eq = memchr(param.p, '=', param.len);
    if (!eq) {
        *name = param;
        *value = (vg_slice){param.p + param.len, 0};
        return;
    }
    *name = vg_slice_trim((vg_slice){param.p, (size_t)(eq - param.p)});
    *value = vg_slice_trim((vg_slice){eq + 1, param.len - (size_t)(eq - param.p) - 1});
}

int vg_rtsp_transport_parse(vg_slice value, vg_rtsp_transport *out)
{
    memset(out, 0, sizeof(*out));
    vg_slice rest = value, spec, param;
    if (value.len == 0 || !next_item(&rest, ',', &spec))
        return VG_ESYNTAX;

    /* transport-protocol "/" profile ["/" lower-transport] */
    vg_slice params = spec;
    vg_slice proto;
    next_item(&params, ';', &proto);
    const char *slash = memchr(proto.p, '/', proto.len);
    if (!slash || slash == proto.p || slash == proto.p + proto.len - 1)
        return VG_ESYNTAX;
    const char *second = memchr(slash + 1, '/', proto.len - (size_t)(slash + 1 - proto.p));
    if (second) {
        vg_slice lower = {second + 1, proto.len - (size_t)(second + 1 - proto.p)};
        if (second == slash + 1)
            return VG_ESYNTAX;
        if (vg_slice_eq_ci(lower, "TCP"))
            out->tcp = true;
        else if (!vg_slice_eq_ci(lower, "UDP"))
            return VG_ESYNTAX;
    }

    while (next_item(&params, ';', &param)) {
        vg_slice name, v;
        split_param(param, &name, &v);
        if (vg_slice_eq_ci(name, "interleaved")) {
            /* channel = 1*3(DIGIT) ["-" 1*3(DIGIT)] */
            const char *dash = memchr(v.p, '-', v.len);
            uint64_t a, b;
            vg_slice first = {v.p, dash ? (size_t)(dash - v.p) : v.len};
            if (!parse_decimal(first, 255, &a))
                return VG_ESYNTAX;
            if (dash) {
                if (!parse_decimal((vg_slice){dash + 1, v.len - first.len - 1}, 255, &b))
                    return VG_ESYNTAX;
            } else {
                if (a == 255)
                    return VG_ESYNTAX; /* no channel 256 for RTCP */
                b = a + 1;
            }
            out->has_interleaved = true;
            out->channel_rtp = (int)a;
            out->channel_rtcp = (int)b;
        } else if (vg_slice_eq_ci(name, "ssrc")) {
            /* ssrc = 8*8(HEX); fewer digits are seen (leading zeros dropped) and taken. */
            uint32_t ssrc = 0;
            bool ok = v.len >= 1 && v.len <= 8;
            for (size_t i = 0; ok && i < v.len; i++) {
                int d = vg_hex_value(v.p[i]);
                ok = d >= 0;
                ssrc = ssrc << 4 | (uint32_t)(d & 0xf);
            }
            out->has_ssrc = ok;
            out->ssrc = ok ? ssrc : 0;
        }
    }
    return 0;
}

int vg_rtsp_session_parse(vg_slice value, char *id, size_t cap, int *timeout_s)
{
    if (cap)
        id[0] = '\0';
    *timeout_s = 60;
    vg_slice rest = value, sid, param;
    if (value.len == 0 || !next_item(&rest, ';', &sid) || sid.len == 0)
        return VG_ESYNTAX;
    for (size_t i = 0; i < sid.len; i++) {
        unsigned char c = (unsigned char)sid.p[i];
        if (c <= 0x20 || c >= 0x7f)
            return VG_ESYNTAX;
    }
    if (sid.len >= cap)
        return VG_ERANGE;
    memcpy(id, sid.p, sid.len);
    id[sid.len] = '\0';

    while (next_item(&rest, ';', &param)) {
        vg_slice name, v;
        split_param(param, &name, &v);
        uint64_t n;
        if (vg_slice_eq_ci(name, "timeout") && parse_decimal(v, INT_MAX, &n) && n > 0)
            *timeout_s = (int)n;
    }
    return 0;
}

int vg_rtsp_rtp_info_parse(vg_slice value, vg_rtsp_rtp_info *out, size_t cap)
{
    size_t count = 0;
    vg_slice rest = value, entry;
    while (count < cap && next_item(&rest, ',', &entry)) {
        if (entry.len == 0)
            continue;
        vg_rtsp_rtp_info info = {.url = {entry.p, 0}};
        vg_slice param;
        while (next_item(&entry, ';', &param)) {
            vg_slice name, v;
            split_param(param, &name, &v);
            uint64_t n;
            if (vg_slice_eq_ci(name, "url")) {
                if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
                    v = (vg_slice){v.p + 1, v.len - 2};
                info.url = v;
            } else if (vg_slice_eq_ci(name, "seq")) {
                if (!parse_decimal(v, UINT16_MAX, &n))
                    return VG_ESYNTAX;
                info.has_seq = true;
                info.seq = (uint16_t)n;
            } else if (vg_slice_eq_ci(name, "rtptime")) {
                if (!parse_decimal(v, UINT32_MAX, &n))
                    return VG_ESYNTAX;
                info.has_rtptime = true;
                info.rtptime = (uint32_t)n;
            }
        }
        out[count++] = info;
    }
    return (int)(count < INT_MAX ? count : INT_MAX);
}

/* ---- requests ---- */

/*
 * True when `headers` is a run of "Name: value\r\n" lines: nothing in it can
 * end the head early (an empty line) or start a line the caller did not
 * mean (a bare CR or LF).
 */
static bool headers_are_lines(const char *h)
{
    while (*h) {
        const char *p = h;
        while (vg_rtsp_is_tchar((unsigned char)*p))
            p++;
        if (p == h || *p != ':')
            return false;
        for (p++; *p != '\r'; p++) {
            if (*p == '\0' || vg_rtsp_is_ctl((unsigned char)*p))
                return false;
        }
        if (p[1] != '\n')
            return false;
        h = p + 2;
    }
    return true;
}

int vg_rtsp_request_write(char *out, size_t cap, const char *method, const char *uri, int cseq,
                          const char *headers)
{
    if (cap)
        out[0] = '\0';
    if (!method[0] || !uri[0] || cseq < 0)
        return VG_EINVAL;
    for (const char *p = method; *p; p++) {
        if (!vg_rtsp_is_tchar((unsigned char)*p))
            return VG_EINVAL;
    }
    for (const char *p = uri; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return VG_EINVAL;
    }
    if (!headers)
        headers = "";
    if (!headers_are_lines(headers))
        return VG_EINVAL;

    int n = snprintf(out, cap,
                     "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: vigil/" VIGIL_VERSION "\r\n%s\r\n",
                     method, uri, cseq, headers);
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            out[0] = '\0';
        return VG_ERANGE;
    }
    return n;
}
