/*
 * sdp.c: the offer of a WHEP viewer in, vigil's answer out.
 *
 * DESIGN. Parsing is one pass over the lines of untrusted text, each line a
 * slice of the input (the text need not end in NUL, and nothing is read past
 * `len`). RFC 8866 section 5 gives the shape: "<type>=<value>", v= first, then
 * o= and s=, then session-level lines, then one media section per m= line.
 * An a= line before the first m= line is session-level; after it, it belongs
 * to the latest media. Values are copied into fixed fields of vg_sdp, and a
 * value too long for its field is refused rather than cut (all but an
 * a=fmtp, see sdp.h), so nothing later works on half a value. What the
 * answer echoes (mid, fmtp, media and protocol names, the first format) is
 * checked to be printable ASCII so that it cannot break the answer's lines.
 *
 * After the last line, media without their own ICE credentials, fingerprint,
 * setup or direction take the session's (RFC 8839 section 5.4, RFC 8122
 * section 5, RFC 4145 section 4, RFC 8866 section 6.7), and formats without
 * a=rtpmap get their static RTP/AVP meaning (RFC 3551 section 6).
 *
 * The answer follows JSEP (RFC 8829 section 5.3.1): one m= line per offered
 * m= line, in the offer's order, with the offer's mid. vigil only sends, so
 * an accepted m= line is a=sendonly with one format, the one closest to the
 * camera's track; everything else gets port 0 and a=inactive. vigil is an
 * ICE-lite agent (RFC 8445 section 2.5) with host candidates only, and the
 * DTLS server (a=setup:passive, RFC 5763 section 5).
 */
#include "webrtc/sdp.h"

#include "core/error.h"
#include "core/slice.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 8866 section 9: token-char, the characters of a media type, a mid, a format. */
static bool is_token_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d ||
           u == 0x2e || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) ||
           (u >= 0x5e && u <= 0x7e);
}

static bool is_token(vg_slice s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (!is_token_char(s.p[i]))
            return false;
    }
    return true;
}

/* RFC 8866 section 8.2.2 proto: token *("/" token). */
static bool is_protocol(vg_slice s)
{
    if (s.len == 0 || s.p[0] == '/' || s.p[s.len - 1] == '/')
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (!is_token_char(s.p[i]) && !(s.p[i] == '/' && s.p[i - 1] != '/'))
            return false;
    }
    return true;
}

/* RFC 8839 section 5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
static bool is_ice_chars(vg_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return false;
    }
    return true;
}

/* Printable ASCII and spaces: what may be echoed into the answer as it is. */
static bool is_printable(vg_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        if ((unsigned char)s.p[i] < 0x20 || (unsigned char)s.p[i] > 0x7e)
            return false;
    }
    return true;
}

/* ---- parsing ---- */

typedef struct parser {
    vg_sdp *sdp;
    char *err;
    size_t err_cap;
    unsigned line; /* 1-based number of the line being read */

    /* Session-level values that media without their own inherit. */
    char ice_ufrag[257], ice_pwd[257];
    char fingerprint[100];
    bool has_sha256_fingerprint;
    char setup[16];
    vg_sdp_direction direction;
    bool has_direction;
    bool has_bundle;
    unsigned bundle_line; /* where a=group:BUNDLE was, for a late error */

    /* What the media being read (or the session, before any m=) has seen. */
    bool seen_ufrag, seen_pwd, seen_setup, seen_direction;
    bool media_has_direction[VG_SDP_MAX_MEDIA];
    uint64_t rtpmap_seen[2], fmtp_seen[2]; /* bit per payload type 0..127 */
} parser;

__attribute__((format(printf, 3, 4))) static int parse_error(parser *ps, int code, const char *fmt,
                                                             ...)
{
    if (ps->err && ps->err_cap) {
        int n = snprintf(ps->err, ps->err_cap, "line %u: ", ps->line);
        if (n >= 0 && (size_t)n < ps->err_cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->err_cap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

static bool bit_test_set(uint64_t bits[2], unsigned pt)
{
    uint64_t mask = 1ull << (pt & 63);
    bool was = bits[pt >> 6] & mask;
    bits[pt >> 6] |= mask;
    return was;
}

static vg_sdp_format *find_format(vg_sdp_media *m, uint32_t pt)
{
    for (size_t i = 0; i < m->format_count; i++) {
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    }
    return NULL;
}

/*
 * m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 section 5.14).
 * For RTP protocols the formats are payload types 0..127 (RFC 3550 5.1).
 */
static int parse_media_line(parser *ps, vg_slice value)
{
    vg_sdp *sdp = ps->sdp;
    if (sdp->media_count == VG_SDP_MAX_MEDIA)
        return parse_error(ps, VG_ERANGE, "more than %d m= lines", VG_SDP_MAX_MEDIA);
    vg_sdp_media *m = &sdp->media[sdp->media_count++];

    vg_slice rest = value;
    vg_slice kind = vg_slice_next_token(&rest), port = vg_slice_next_token(&rest),
             proto = vg_slice_next_token(&rest);
    if (!proto.len)
        return parse_error(ps, VG_ESYNTAX, "m= line needs media, port, protocol and formats");
    if (!is_token(kind) || !vg_slice_copy(m->kind_name, sizeof(m->kind_name), kind))
        return parse_error(ps, VG_ESYNTAX, "bad media type in m= line");
    if (vg_slice_eq_ci(kind, "audio"))
        m->kind = VG_SDP_AUDIO;
    else if (vg_slice_eq_ci(kind, "video"))
        m->kind = VG_SDP_VIDEO;
    else if (vg_slice_eq_ci(kind, "application"))
        m->kind = VG_SDP_APPLICATION;
    else
        m->kind = VG_SDP_OTHER;

    bool has_port_count = vg_slice_has_char(port, '/');
    vg_slice port_number = vg_slice_split_at(&port, '/');
    uint32_t n, port_count;
    if (!vg_slice_parse_uint(port_number, 65535, &n) ||
        (has_port_count && !vg_slice_parse_uint(port, UINT32_MAX, &port_count)))
        return parse_error(ps, VG_ESYNTAX, "bad port in m= line");
    m->port = (int)n;

    if (!is_protocol(proto) || !vg_slice_copy(m->protocol, sizeof(m->protocol), proto))
        return parse_error(ps, VG_ESYNTAX, "bad protocol in m= line");

    /* "RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF"...: the formats are payload types. */
    bool rtp = false;
    for (size_t i = 0; i + 4 <= proto.len; i++) {
        if (strncasecmp(proto.p + i, "RTP/", 4) == 0)
            rtp = true;
    }
    vg_slice format = vg_slice_next_token(&rest);
    if (!format.len)
        return parse_error(ps, VG_ESYNTAX, "m= line has no formats");
    if (!is_token(format) || !vg_slice_copy(m->first_format, sizeof(m->first_format), format))
        return parse_error(ps, VG_ESYNTAX, "bad format in m= line");
    for (; format.len; format = vg_slice_next_token(&rest)) {
        if (!rtp)
            continue;
        uint32_t pt;
        if (!vg_slice_parse_uint(format, 127, &pt))
            return parse_error(ps, VG_ESYNTAX, "payload type \"%.*s\" is not a number 0..127",
                               (int)(format.len > 16 ? 16 : format.len), format.p);
        /* Past the cap, and repeats, are ignored: the first ones are the preferred. */
        if (m->format_count == VG_SDP_MAX_FORMATS || find_format(m, pt))
            continue;
        m->formats[m->format_count++].pt = (uint8_t)pt;
    }

    ps->seen_ufrag = ps->seen_pwd = ps->seen_setup = ps->seen_direction = false;
    memset(ps->rtpmap_seen, 0, sizeof(ps->rtpmap_seen));
    memset(ps->fmtp_seen, 0, sizeof(ps->fmtp_seen));
    return 0;
}

/* a=fingerprint:<hash-func> <fingerprint> (RFC 8122 section 5); only SHA-256 is kept. */
static int parse_fingerprint(parser *ps, vg_slice value, char *dst, bool *has)
{
    vg_slice rest = value;
    vg_slice hash = vg_slice_next_token(&rest), fp = vg_slice_next_token(&rest);
    if (!hash.len || !fp.len)
        return parse_error(ps, VG_ESYNTAX, "a=fingerprint needs a hash function and a value");
    if (!vg_slice_eq_ci(hash, "sha-256"))
        return 0;
    /* 32 bytes as hex pairs separated by colons: "AB:CD:...", 95 characters. */
    bool ok = fp.len == 32 * 3 - 1;
    for (size_t i = 0; ok && i < fp.len; i++) {
        char c = fp.p[i];
        if (i % 3 == 2)
            ok = c == ':';
        else
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (!ok)
        return parse_error(ps, VG_ESYNTAX, "a=fingerprint:sha-256 is not 32 hex bytes");
    if (*has) /* RFC 8122 allows several (one per certificate): the first is the one used */
        return 0;
    for (size_t i = 0; i < fp.len; i++) {
        char c = fp.p[i];
        dst[i] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
    }
    dst[fp.len] = '\0';
    *has = true;
    return 0;
}

static int parse_ice_credential(parser *ps, vg_slice value, const char *name, char *dst, size_t cap,
                                bool *seen)
{
    if (*seen)
        return parse_error(ps, VG_ESYNTAX, "a second a=%s", name);
    *seen = true;
    if (!value.len || !is_ice_chars(value))
        return parse_error(ps, VG_ESYNTAX, "a=%s is empty or not ice-chars", name);
    if (!vg_slice_copy(dst, cap, value))
        return parse_error(ps, VG_ESYNTAX, "a=%s longer than %zu characters", name, cap - 1);
    return 0;
}

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 6.6). */
static int parse_rtpmap(parser *ps, vg_sdp_media *m, vg_slice value)
{
    vg_slice rest = value;
    vg_slice pt_text = vg_slice_next_token(&rest), map = vg_slice_next_token(&rest);
    uint32_t pt, clock, channels = 1;
    vg_slice name = vg_slice_split_at(&map, '/');
    bool has_channels = vg_slice_has_char(map, '/');
    vg_slice clock_text = vg_slice_split_at(&map, '/');
    if (!vg_slice_parse_uint(pt_text, 127, &pt) || !is_token(name) ||
        !vg_slice_parse_uint(clock_text, INT32_MAX, &clock) || clock == 0 ||
        (has_channels && (!vg_slice_parse_uint(map, 255, &channels) || channels == 0)) ||
        vg_slice_next_token(&rest).len)
        return parse_error(ps, VG_ESYNTAX,
                           "a=rtpmap needs <payload type> <encoding>/<clock rate>[/<channels>]");
    if (bit_test_set(ps->rtpmap_seen, pt))
        return parse_error(ps, VG_ESYNTAX, "a second a=rtpmap for payload type %" PRIu32, pt);
    vg_sdp_format *f = find_format(m, pt);
    if (!f) /* not on the m= line (or past the cap): nothing to describe */
        return 0;
    if (!vg_slice_copy(f->encoding, sizeof(f->encoding), name))
        return parse_error(ps, VG_ESYNTAX, "encoding name longer than %zu characters",
                           sizeof(f->encoding) - 1);
    f->clock_rate = (int)clock;
    f->channels = (int)channels;
    return 0;
}

/* a=fmtp:<format> <format specific parameters> (RFC 8866 section 6.15). */
static int parse_fmtp(parser *ps, vg_sdp_media *m, vg_slice value)
{
    vg_slice rest = value;
    vg_slice pt_text = vg_slice_next_token(&rest);
    vg_slice params = vg_slice_trim(rest);
    uint32_t pt;
    if (!vg_slice_parse_uint(pt_text, 127, &pt))
        return parse_error(ps, VG_ESYNTAX, "a=fmtp needs <payload type> <parameters>");
    if (!is_printable(params))
        return parse_error(ps, VG_ESYNTAX, "a=fmtp has a byte that is not printable ASCII");
    if (bit_test_set(ps->fmtp_seen, pt))
        return parse_error(ps, VG_ESYNTAX, "a second a=fmtp for payload type %" PRIu32, pt);
    vg_sdp_format *f = find_format(m, pt);
    if (!f)
        return 0;
    if (params.len >= sizeof(f->fmtp)) {
        /* Keep the whole parameters that fit, so that an echo stays well formed. */
        size_t keep = sizeof(f->fmtp) - 1;
        while (keep && params.p[keep] != ';')
            keep--;
        params.len = keep;
        params = vg_slice_trim(params);
    }
    vg_slice_copy(f->fmtp, sizeof(f->fmtp), params);
    return 0;
}

/* a=rtcp-fb:<payload type or *> <type> [<parameter>] (RFC 4585 section 4.2). */
static int parse_rtcp_fb(parser *ps, vg_sdp_media *m, vg_slice value)
{
    vg_slice rest = value;
    vg_slice pt_text = vg_slice_next_token(&rest), type = vg_slice_next_token(&rest),
             param = vg_slice_next_token(&rest);
    uint32_t pt = 0;
    bool all = vg_slice_eq(pt_text, "*");
    if ((!all && !vg_slice_parse_uint(pt_text, 127, &pt)) || !type.len)
        return parse_error(ps, VG_ESYNTAX, "a=rtcp-fb needs <payload type or *> <type>");
    for (size_t i = 0; i < m->format_count; i++) {
        vg_sdp_format *f = &m->formats[i];
        if (!all && f->pt != pt)
            continue;
        if (vg_slice_eq_ci(type, "nack") && !param.len)
            f->nack = true;
        else if (vg_slice_eq_ci(type, "nack") && vg_slice_eq_ci(param, "pli"))
            f->nack_pli = true;
        else if (vg_slice_eq_ci(type, "ccm") && vg_slice_eq_ci(param, "fir"))
            f->ccm_fir = true;
        else if (vg_slice_eq_ci(type, "goog-remb"))
            f->goog_remb = true;
        else if (vg_slice_eq_ci(type, "transport-cc"))
            f->transport_cc = true;
    }
    return 0;
}

/* a=mid:<identification-tag> (RFC 5888 section 4), unique in the description. */
static int parse_mid(parser *ps, vg_sdp_media *m, vg_slice value)
{
    if (m->mid[0])
        return parse_error(ps, VG_ESYNTAX, "a second a=mid in one m= section");
    if (!is_token(value))
        return parse_error(ps, VG_ESYNTAX, "a=mid is empty or not a token");
    if (!vg_slice_copy(m->mid, sizeof(m->mid), value))
        return parse_error(ps, VG_ESYNTAX, "a=mid longer than %zu characters", sizeof(m->mid) - 1);
    for (size_t i = 0; i + 1 < ps->sdp->media_count; i++) {
        if (strcmp(ps->sdp->media[i].mid, m->mid) == 0)
            return parse_error(ps, VG_ESYNTAX, "a=mid:%s is used twice", m->mid);
    }
    return 0;
}

/* a=group:BUNDLE <mid> ... (RFC 5888 section 5, RFC 8843); other semantics are skipped. */
static int parse_group(parser *ps, vg_slice value)
{
    vg_sdp *sdp = ps->sdp;
    vg_slice rest = value;
    vg_slice semantics = vg_slice_next_token(&rest);
    if (!vg_slice_eq_ci(semantics, "BUNDLE"))
        return 0;
    if (ps->has_bundle) /* vigil uses one transport: a second group is ignored */
        return 0;
    ps->has_bundle = true;
    ps->bundle_line = ps->line;
    for (vg_slice mid = vg_slice_next_token(&rest); mid.len; mid = vg_slice_next_token(&rest)) {
        if (sdp->bundle_count == VG_SDP_MAX_MEDIA)
            return parse_error(ps, VG_ERANGE, "a=group:BUNDLE has more than %d mids",
                               VG_SDP_MAX_MEDIA);
        if (!is_token(mid) ||
            !vg_slice_copy(sdp->bundle_mids[sdp->bundle_count], sizeof(sdp->bundle_mids[0]), mid))
            return parse_error(ps, VG_ESYNTAX, "a=group:BUNDLE has a bad mid");
        sdp->bundle_count++;
    }
    return 0;
}

static int parse_attribute(parser *ps, vg_slice line_value)
{
    vg_sdp *sdp = ps->sdp;
    vg_sdp_media *m = sdp->media_count ? &sdp->media[sdp->media_count - 1] : NULL;
    vg_slice value = line_value;
    vg_slice name = vg_slice_split_at(&value, ':');
    value = vg_slice_trim(value);

    if (vg_slice_eq(name, "ice-ufrag"))
        return parse_ice_credential(ps, value, "ice-ufrag", m ? m->ice_ufrag : ps->ice_ufrag,
                                    sizeof(ps->ice_ufrag), &ps->seen_ufrag);
    if (vg_slice_eq(name, "ice-pwd"))
        return parse_ice_credential(ps, value, "ice-pwd", m ? m->ice_pwd : ps->ice_pwd,
                                    sizeof(ps->ice_pwd), &ps->seen_pwd);
    if (vg_slice_eq(name, "fingerprint"))
        return parse_fingerprint(ps, value, m ? m->fingerprint : ps->fingerprint,
                                 m ? &m->has_sha256_fingerprint : &ps->has_sha256_fingerprint);
    if (vg_slice_eq(name, "setup")) {
        /* RFC 4145 section 4: role = "active" / "passive" / "actpass" / "holdconn". */
        if (ps->seen_setup)
            return parse_error(ps, VG_ESYNTAX, "a second a=setup");
        ps->seen_setup = true;
        if (!vg_slice_eq(value, "actpass") && !vg_slice_eq(value, "active") &&
            !vg_slice_eq(value, "passive") && !vg_slice_eq(value, "holdconn"))
            return parse_error(ps, VG_ESYNTAX,
                               "a=setup is not actpass, active, passive or holdconn");
        vg_slice_copy(m ? m->setup : ps->setup, sizeof(ps->setup), value);
        return 0;
    }
    static const char *const directions[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int d = 0; d < 4; d++) {
        if (!vg_slice_eq(name, directions[d]))
            continue;
        if (ps->seen_direction)
            return parse_error(ps, VG_ESYNTAX, "a second direction attribute (a=%s)",
                               directions[d]);
        ps->seen_direction = true;
        if (m) {
            m->direction = (vg_sdp_direction)d;
            ps->media_has_direction[sdp->media_count - 1] = true;
        } else {
            ps->direction = (vg_sdp_direction)d;
            ps->has_direction = true;
        }
        return 0;
    }

    if (!m) { /* session-level only */
        if (vg_slice_eq(name, "ice-lite"))
            sdp->ice_lite = true;
        else if (vg_slice_eq(name, "group"))
            return parse_group(ps, value);
        return 0;
    }
    /* media-level only */
    if (vg_slice_eq(name, "mid"))
        return parse_mid(ps, m, value);
    if (vg_slice_eq(name, "rtcp-mux"))
        m->rtcp_mux = true;
    else if (vg_slice_eq(name, "bundle-only"))
        m->bundle_only = true;
    else if (vg_slice_eq(name, "rtpmap"))
        return parse_rtpmap(ps, m, value);
    else if (vg_slice_eq(name, "fmtp"))
        return parse_fmtp(ps, m, value);
    else if (vg_slice_eq(name, "rtcp-fb"))
        return parse_rtcp_fb(ps, m, value);
    return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (5.2). */
static bool origin_ok(vg_slice value)
{
    vg_slice rest = value;
    for (int i = 0; i < 6; i++) {
        if (!vg_slice_next_token(&rest).len)
            return false;
    }
    return vg_slice_next_token(&rest).len == 0;
}

/* The static payload types browsers may offer without a=rtpmap (RFC 3551 section 6). */
static void apply_static_payload_types(vg_sdp_media *m)
{
    static const struct {
        uint8_t pt;
        const char *name;
        int clock_rate;
    } table[] = {{0, "PCMU", 8000}, {3, "GSM", 8000}, {8, "PCMA", 8000},
                 {9, "G722", 8000}, {13, "CN", 8000}, {18, "G729", 8000}};
    for (size_t i = 0; i < m->format_count; i++) {
        vg_sdp_format *f = &m->formats[i];
        for (size_t k = 0; k < sizeof(table) / sizeof(table[0]) && !f->encoding[0]; k++) {
            if (f->pt == table[k].pt) {
                strcpy(f->encoding, table[k].name);
                f->clock_rate = table[k].clock_rate;
                f->channels = 1;
            }
        }
    }
}

int vg_sdp_parse(const char *text, size_t len, vg_sdp *out, char *err, size_t err_cap)
{
    parser ps;
    memset(&ps, 0, sizeof(ps));
    ps.sdp = out;
    ps.err = err;
    ps.err_cap = err_cap;
    memset(out, 0, sizeof(*out));
    if (err && err_cap)
        err[0] = '\0';
    if (len > VG_SDP_MAX_TEXT) {
        vg_format_reason(err, err_cap, "the offer is longer than %d bytes", VG_SDP_MAX_TEXT);
        return VG_ERANGE;
    }

    /* RFC 8866 section 5: v=, o=, s= come first, in this order. */
    static const char first_types[3] = {'v', 'o', 's'};
    unsigned typed_lines = 0;
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        vg_slice line = vg_slice_from(text + at, end - at);
        at = nl ? end + 1 : len;
        ps.line++;
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (!line.len) /* tolerated, like a last CRLF */
            continue;
        if (memchr(line.p, '\0', line.len) || memchr(line.p, '\r', line.len))
            return parse_error(&ps, VG_ESYNTAX, "NUL or CR inside the line");
        if (line.len < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
            return parse_error(&ps, VG_ESYNTAX, "not a <type>=<value> line");
        char type = line.p[0];
        vg_slice value = vg_slice_from(line.p + 2, line.len - 2);

        if (typed_lines < 3 && type != first_types[typed_lines]) {
            if (typed_lines == 0)
                return parse_error(&ps, VG_ESYNTAX, "an SDP starts with v=0");
            return parse_error(&ps, VG_ESYNTAX, "%c= where %c= must be", type,
                               first_types[typed_lines]);
        }
        typed_lines++;
        int ret = 0;
        switch (type) {
        case 'v':
            if (typed_lines != 1)
                return parse_error(&ps, VG_ESYNTAX, "a second v= line");
            if (!vg_slice_eq(value, "0"))
                return parse_error(&ps, VG_ESYNTAX, "an SDP starts with v=0");
            break;
        case 'o':
            if (!origin_ok(value))
                return parse_error(&ps, VG_ESYNTAX, "o= needs 6 fields");
            break;
        case 'm':
            ret = parse_media_line(&ps, value);
            break;
        case 'a':
            ret = parse_attribute(&ps, value);
            break;
        default: /* s=, t=, c=, b=... and types vigil does not know: not needed */
            break;
        }
        if (ret < 0)
            return ret;
    }
    if (typed_lines < 3) {
        vg_format_reason(err, err_cap, "the SDP ends before its v=, o= and s= lines");
        return VG_ESYNTAX;
    }

    for (size_t i = 0; i < out->bundle_count; i++) {
        bool found = false;
        for (size_t k = 0; k < out->media_count && !found; k++)
            found = strcmp(out->bundle_mids[i], out->media[k].mid) == 0;
        if (!found) {
            ps.line = ps.bundle_line;
            return parse_error(&ps, VG_ESYNTAX, "a=group:BUNDLE names mid %s that no m= line has",
                               out->bundle_mids[i]);
        }
    }
    for (size_t i = 0; i < out->media_count; i++) {
        vg_sdp_media *m = &out->media[i];
        if (!m->ice_ufrag[0])
            strcpy(m->ice_ufrag, ps.ice_ufrag);
        if (!m->ice_pwd[0])
            strcpy(m->ice_pwd, ps.ice_pwd);
        if (!m->has_sha256_fingerprint && ps.has_sha256_fingerprint) {
            strcpy(m->fingerprint, ps.fingerprint);
            m->has_sha256_fingerprint = true;
        }
        if (!m->setup[0])
            strcpy(m->setup, ps.setup);
        if (!ps.media_has_direction[i] && ps.has_direction)
            m->direction = ps.direction;
        apply_static_payload_types(m);
    }
    return 0;
}

/* ---- the answer ---- */

/* The value of parameter `key` in an fmtp "k=v;k=v"; names ignore case (RFC 2045 section 5.1). */
static bool fmtp_param(const char *fmtp, const char *key, vg_slice *value)
{
    return vg_slice_find_param(vg_slice_from_cstr(fmtp), ';', key, vg_slice_trim, value);
}

/*
 * How well an offered H.264 format fits the track, 0 when it cannot be
 * used. Only packetization-mode=1 (non-interleaved: FU-A and STAP-A, RFC
 * 6184 section 6.3), which every browser offers and vigil's packetizer
 * needs. profile-level-id (RFC 6184 section 8.1) is profile_idc,
 * profile-iop (the constraint flags) and level_idc, in hex; absent, it means
 * Baseline 1.0. The same profile_idc fits best, then Constrained Baseline,
 * the one profile every receiver must decode, then any other: browsers
 * decode every profile whatever the SDP says (Chromium with FFmpeg, Safari
 * with VideoToolbox), so a High camera plays on a 42e01f answer.
 */
static int h264_fit(const vg_sdp_format *f, const vg_track *track)
{
    vg_slice v;
    if (!vg_slice_eq_ci(vg_slice_from_cstr(f->encoding), "H264") || f->clock_rate != 90000)
        return 0;
    if (!fmtp_param(f->fmtp, "packetization-mode", &v) || !vg_slice_eq(v, "1"))
        return 0;
    int profile_idc = 0x42, iop = 0;
    if (fmtp_param(f->fmtp, "profile-level-id", &v) && v.len == 6) {
        int d[4];
        for (int i = 0; i < 4; i++)
            d[i] = vg_hex_value(v.p[i]);
        if (d[0] >= 0 && d[1] >= 0 && d[2] >= 0 && d[3] >= 0) {
            profile_idc = d[0] << 4 | d[1];
            iop = d[2] << 4 | d[3];
        }
    }
    /* The track's constraint flags are in its avcC (ISO/IEC 14496-15 5.3.3.1). */
    const uint8_t *avcc = track->config;
    bool track_iop_known =
        avcc && track->config_size >= 4 && avcc[0] == 1 && avcc[1] == track->profile;
    if (profile_idc == track->profile)
        return track_iop_known && avcc[2] == iop ? 4 : 3;
    if (profile_idc == 0x42 && (iop & 0x40)) /* constraint_set1_flag: Constrained Baseline */
        return 2;
    return 1;
}

/*
 * RFC 7798 section 7.1: profile-id (general_profile_idc, 1 when absent: Main);
 * only tx-mode SRST (one RTP stream), the default.
 */
static int h265_fit(const vg_sdp_format *f, const vg_track *track)
{
    vg_slice v;
    if (!vg_slice_eq_ci(vg_slice_from_cstr(f->encoding), "H265") || f->clock_rate != 90000)
        return 0;
    if (fmtp_param(f->fmtp, "tx-mode", &v) && !vg_slice_eq_ci(v, "SRST"))
        return 0;
    uint32_t profile_id = 1;
    if (fmtp_param(f->fmtp, "profile-id", &v) && !vg_slice_parse_uint(v, 255, &profile_id))
        return 0;
    return (int)profile_id == track->profile ? 2 : 1;
}

/* G.711 and Opus: one exact rtpmap (RFC 3551 section 4.5.14, RFC 7587 section 7). */
static int audio_fit(const vg_sdp_format *f, const char *name, int clock_rate, int channels)
{
    return vg_slice_eq_ci(vg_slice_from_cstr(f->encoding), name) && f->clock_rate == clock_rate &&
           f->channels == channels;
}

/* Index of the best format for `track` in `m`, or -1; `reason` says why none. */
static int pick_format(const vg_sdp_media *m, const vg_track *track, const char **reason)
{
    int best = -1, best_fit = 0;
    for (size_t i = 0; i < m->format_count; i++) {
        const vg_sdp_format *f = &m->formats[i];
        int fit = 0;
        switch (track->codec) {
        case VG_CODEC_H264:
            fit = h264_fit(f, track);
            break;
        case VG_CODEC_H265:
            fit = h265_fit(f, track);
            break;
        case VG_CODEC_OPUS:
            fit = audio_fit(f, "opus", 48000, 2);
            break;
        case VG_CODEC_PCMU:
            fit = audio_fit(f, "PCMU", 8000, 1);
            break;
        case VG_CODEC_PCMA:
            fit = audio_fit(f, "PCMA", 8000, 1);
            break;
        default:
            break;
        }
        if (fit > best_fit) /* ties: the offer's order of preference */
            best = (int)i, best_fit = fit;
    }
    if (best >= 0)
        return best;
    switch (track->codec) {
    case VG_CODEC_H264:
        *reason = "the offer has no H.264 format with packetization-mode=1";
        break;
    case VG_CODEC_H265:
        *reason = "the camera sends H.265 and the offer has no H.265 format";
        break;
    case VG_CODEC_OPUS:
        *reason = "the offer has no opus/48000/2";
        break;
    case VG_CODEC_PCMU:
        *reason = "the offer has no PCMU/8000";
        break;
    case VG_CODEC_PCMA:
        *reason = "the offer has no PCMA/8000";
        break;
    case VG_CODEC_AAC:
        *reason = "the camera's audio codec (AAC) cannot be sent over WebRTC";
        break;
    default:
        *reason = m->kind == VG_SDP_VIDEO ? "the camera's video codec cannot be sent over WebRTC"
                                          : "the camera's audio codec cannot be sent over WebRTC";
        break;
    }
    return -1;
}

/* DTLS-SRTP over UDP: UDP/TLS/RTP/SAVP(F) (RFC 5764 section 8), or old Chrome's RTP/SAVPF. */
static bool protocol_usable(const char *protocol)
{
    return strcasecmp(protocol, "UDP/TLS/RTP/SAVPF") == 0 ||
           strcasecmp(protocol, "UDP/TLS/RTP/SAVP") == 0 || strcasecmp(protocol, "RTP/SAVPF") == 0;
}

/*
 * Fills the choice for one offered m-line. Returns true when it was refused
 * for want of a codec (rather than for its kind, transport or direction).
 */
static bool choose(const vg_sdp_media *m, const vg_sdp_local *local, bool taken[2],
                   vg_sdp_choice *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = m->kind;
    if (m->kind != VG_SDP_VIDEO && m->kind != VG_SDP_AUDIO) {
        c->reason = "vigil sends only audio and video";
        return false;
    }
    bool video = m->kind == VG_SDP_VIDEO;
    const vg_track *track = video ? local->video : local->audio;
    if (m->port == 0 && !m->bundle_only) {
        c->reason = "the offer disabled this m-line (port 0)";
        return false;
    }
    if (!protocol_usable(m->protocol)) {
        c->reason = "not DTLS-SRTP over UDP (UDP/TLS/RTP/SAVPF)";
        return false;
    }
    if (m->direction == VG_SDP_SENDONLY || m->direction == VG_SDP_INACTIVE) {
        c->reason = "the offer does not receive on this m-line";
        return false;
    }
    if (taken[video]) {
        c->reason = video ? "only one video m-line is sent" : "only one audio m-line is sent";
        return false;
    }
    if (!track) {
        c->reason = video ? "the path has no video track" : "the path has no audio track";
        return false;
    }
    if ((track->codec == VG_CODEC_PCMU || track->codec == VG_CODEC_PCMA) &&
        ((track->sample_rate && track->sample_rate != 8000) || track->channels > 1)) {
        c->reason = "WebRTC carries G.711 as 8000 Hz mono only";
        return true;
    }
    int i = pick_format(m, track, &c->reason);
    if (i < 0)
        return true;
    const vg_sdp_format *f = &m->formats[i];
    c->accepted = true;
    c->track = track;
    c->pt = f->pt;
    c->nack = f->nack;
    c->pli = f->nack_pli;
    c->fir = f->ccm_fir;
    c->reason = NULL;
    taken[video] = true;
    return false;
}

/* Local values go into lines as they are: none may be empty or hold a space or a control byte. */
static bool local_value_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    }
    return true;
}

static bool in_bundle(const vg_sdp *offer, const char *mid)
{
    for (size_t i = 0; mid[0] && i < offer->bundle_count; i++) {
        if (strcmp(offer->bundle_mids[i], mid) == 0)
            return true;
    }
    return false;
}

/* Why an accepted m-line cannot be answered over vigil's one transport, or NULL. */
static const char *transport_problem(const vg_sdp *offer, const vg_sdp_media *m,
                                     const vg_sdp_media *first)
{
    if (!m->ice_ufrag[0] || !m->ice_pwd[0])
        return "has no a=ice-ufrag / a=ice-pwd (RFC 8839 section 5.4)";
    if (!m->has_sha256_fingerprint)
        return "has no a=fingerprint:sha-256 (RFC 8122)";
    if (strcmp(m->setup, "passive") == 0)
        return "has a=setup:passive, but vigil is the DTLS server: the offer must be actpass "
               "(RFC 5763 section 5)";
    if (strcmp(m->setup, "holdconn") == 0)
        return "has a=setup:holdconn (RFC 4145 section 4)";
    if (!m->rtcp_mux)
        return "has no a=rtcp-mux (vigil sends RTCP on the RTP port, RFC 5761)";
    if (!in_bundle(offer, m->mid))
        return "is not in a=group:BUNDLE (vigil has one transport, RFC 8843)";
    if (m != first &&
        (strcmp(m->ice_ufrag, first->ice_ufrag) != 0 || strcmp(m->ice_pwd, first->ice_pwd) != 0 ||
         strcmp(m->fingerprint, first->fingerprint) != 0))
        return "has ICE credentials or a fingerprint other than the first bundled m-line's";
    return NULL;
}

/* How vigil names a codec to people. */
static const char *codec_display_name(vg_codec codec)
{
    switch (codec) {
    case VG_CODEC_H264:
        return "H.264";
    case VG_CODEC_H265:
        return "H.265";
    case VG_CODEC_AAC:
        return "AAC";
    case VG_CODEC_PCMU:
        return "PCMU";
    case VG_CODEC_PCMA:
        return "PCMA";
    case VG_CODEC_OPUS:
        return "Opus";
    default:
        return "an unsupported codec";
    }
}

/* "no codec in common: the camera sends H.265, the offer has VP8, H264, AV1". */
static void no_codec_error(const vg_sdp *offer, const vg_sdp_local *local, char *err,
                           size_t err_cap)
{
    char camera[64] = "", codecs[160] = "";
    const char *listed[32];
    size_t listed_count = 0, codecs_len = 0;
    bool cut = false;
    const vg_track *tracks[2] = {local->video, local->audio};
    for (int t = 0; t < 2; t++) {
        if (!tracks[t])
            continue;
        size_t n = strlen(camera);
        snprintf(camera + n, sizeof(camera) - n, "%s%s", n ? " and " : "",
                 codec_display_name(tracks[t]->codec));
    }
    for (size_t i = 0; i < offer->media_count; i++) {
        const vg_sdp_media *m = &offer->media[i];
        if (!((m->kind == VG_SDP_VIDEO && local->video) ||
              (m->kind == VG_SDP_AUDIO && local->audio)))
            continue;
        for (size_t k = 0; k < m->format_count; k++) {
            const char *e = m->formats[k].encoding;
            /* Not codecs: retransmission, redundancy, FEC, comfort noise, DTMF. */
            static const char *const skip[] = {
                "", "rtx", "red", "ulpfec", "flexfec-03", "CN", "telephone-event"};
            bool seen = false;
            for (size_t s = 0; s < sizeof(skip) / sizeof(skip[0]) && !seen; s++)
                seen = strcasecmp(e, skip[s]) == 0;
            for (size_t s = 0; s < listed_count && !seen; s++)
                seen = strcasecmp(e, listed[s]) == 0;
            if (seen)
                continue;
            if (listed_count < sizeof(listed) / sizeof(listed[0]))
                listed[listed_count++] = e;
            int n = snprintf(codecs + codecs_len, sizeof(codecs) - codecs_len, "%s%s",
                             codecs_len ? ", " : "", e);
            if (n < 0 || (size_t)n >= sizeof(codecs) - codecs_len)
                cut = true;
            else
                codecs_len += (size_t)n;
        }
    }
    const char *tail = cut ? "..." : listed_count == 1 ? " only" : "";
    if (!listed_count)
        vg_format_reason(err, err_cap,
                         "no codec in common: the camera sends %s, the offer has none", camera);
    else
        vg_format_reason(err, err_cap,
                         "no codec in common: the camera sends %s, the offer has %s%s", camera,
                         codecs, tail);
}

typedef struct writer {
    char *p;
    size_t cap, len;
    bool overflow;
} writer;

__attribute__((format(printf, 2, 3))) static void put(writer *w, const char *fmt, ...)
{
    if (w->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len)
        w->overflow = true;
    else
        w->len += (size_t)n;
}

/*
 * The m= and c= lines carry the default candidate (RFC 8839 section 4.2.1.1):
 * the first host that is an IP literal, or the "no address yet"
 * values JSEP uses, port 9 and 0.0.0.0 (RFC 8829 section 5.2.1). ICE itself
 * only looks at the candidates.
 */
static void default_address(const vg_sdp_local *local, const char **addrtype, const char **addr,
                            unsigned *port)
{
    *addrtype = "IP4";
    *addr = "0.0.0.0";
    *port = 9;
    for (size_t i = 0; i < local->host_count; i++) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, local->hosts[i], buf) == 1)
            *addrtype = "IP4";
        else if (inet_pton(AF_INET6, local->hosts[i], buf) == 1)
            *addrtype = "IP6";
        else
            continue;
        *addr = local->hosts[i];
        *port = local->port;
        return;
    }
}

static void write_accepted(writer *w, const vg_sdp_media *m, const vg_sdp_choice *c,
                           const vg_sdp_local *local)
{
    const vg_sdp_format *f = NULL;
    for (size_t i = 0; i < m->format_count && !f; i++) {
        if (m->formats[i].pt == c->pt)
            f = &m->formats[i];
    }
    const char *addrtype, *addr;
    unsigned port;
    default_address(local, &addrtype, &addr, &port);
    bool video = c->kind == VG_SDP_VIDEO;
    const vg_track *track = c->track;

    put(w, "m=%s %u %s %u\r\n", m->kind_name, port, m->protocol, c->pt);
    put(w, "c=IN %s %s\r\n", addrtype, addr);
    put(w, "a=mid:%s\r\n", m->mid);
    put(w, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", local->ice_ufrag, local->ice_pwd);
    put(w, "a=fingerprint:sha-256 %s\r\n", local->fingerprint);
    put(w, "a=setup:passive\r\n");
    put(w, "a=sendonly\r\n");
    put(w, "a=rtcp-mux\r\n");

    switch (track->codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
        /* The offer's own parameters for this format (RFC 6184 8.2.2, RFC 7798 7.2.2). */
        put(w, "a=rtpmap:%u %s/90000\r\n", c->pt, track->codec == VG_CODEC_H264 ? "H264" : "H265");
        if (f && f->fmtp[0])
            put(w, "a=fmtp:%u %s\r\n", c->pt, f->fmtp);
        break;
    case VG_CODEC_OPUS:
        /* RFC 7587 section 7: always opus/48000/2; sprop-stereo says what is sent. */
        put(w, "a=rtpmap:%u opus/48000/2\r\n", c->pt);
        put(w, "a=fmtp:%u minptime=10;useinbandfec=1%s\r\n", c->pt,
            track->channels == 2 ? ";stereo=1;sprop-stereo=1" : "");
        break;
    default:
        put(w, "a=rtpmap:%u %s/8000\r\n", c->pt, track->codec == VG_CODEC_PCMU ? "PCMU" : "PCMA");
        break;
    }
    /* RFC 4585 section 4.2: only feedback the offer has for this format. */
    if (c->nack)
        put(w, "a=rtcp-fb:%u nack\r\n", c->pt);
    if (c->pli)
        put(w, "a=rtcp-fb:%u nack pli\r\n", c->pt);
    if (c->fir)
        put(w, "a=rtcp-fb:%u ccm fir\r\n", c->pt);

    /* RFC 8830: one stream "vigil" holds both tracks, so a player gets them together. */
    put(w, "a=msid:vigil vigil-%s\r\n", video ? "video" : "audio");
    put(w, "a=ssrc:%" PRIu32 " cname:%s\r\n", video ? local->video_ssrc : local->audio_ssrc,
        local->cname);

    /*
     * RFC 8445 section 5.1.2.1: priority = 2^24 * type preference (126 for
     * host) + 2^8 * local preference (distinct per address, the first highest)
     * + (256 - component id); a foundation per address (5.1.1.3).
     */
    for (size_t i = 0; i < local->host_count; i++) {
        uint32_t priority = (126u << 24) | ((uint32_t)(65535 - (i & 0xffff)) << 8) | 255u;
        put(w, "a=candidate:%zu 1 udp %" PRIu32 " %s %u typ host\r\n", i + 1, priority,
            local->hosts[i], (unsigned)local->port);
    }
    put(w, "a=end-of-candidates\r\n");
}

/* RFC 8829 section 5.3.1 / RFC 3264 section 6: a rejected m= line keeps its kind, gets port 0. */
static void write_rejected(writer *w, const vg_sdp_media *m)
{
    put(w, "m=%s 0 %s %s\r\n", m->kind_name, m->protocol, m->first_format);
    put(w, "c=IN IP4 0.0.0.0\r\n");
    if (m->mid[0])
        put(w, "a=mid:%s\r\n", m->mid);
    put(w, "a=inactive\r\n");
}

int vg_sdp_answer(const vg_sdp *offer, const vg_sdp_local *local, vg_sdp_choice *choices, char *out,
                  size_t cap, char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (out && cap)
        out[0] = '\0';
    if (!local_value_ok(local->ice_ufrag) || !local_value_ok(local->ice_pwd) ||
        !local_value_ok(local->fingerprint) || !local_value_ok(local->cname) ||
        (local->host_count && !local->hosts)) {
        vg_format_reason(err, err_cap,
                         "local ICE credentials, fingerprint or cname missing or bad");
        return VG_EINVAL;
    }
    for (size_t i = 0; i < local->host_count; i++) {
        if (!local_value_ok(local->hosts[i])) {
            vg_format_reason(err, err_cap, "local host %zu is empty or has a space", i);
            return VG_EINVAL;
        }
    }

    bool taken[2] = {false, false}; /* [0] audio, [1] video */
    const vg_sdp_media *first = NULL;
    bool codec_refused = false;
    for (size_t i = 0; i < offer->media_count; i++) {
        codec_refused |= choose(&offer->media[i], local, taken, &choices[i]);
        if (choices[i].accepted && !first)
            first = &offer->media[i];
    }
    if (!first) {
        if (!local->video && !local->audio)
            vg_format_reason(err, err_cap, "the path has no audio or video track to send");
        else if (!offer->media_count)
            vg_format_reason(err, err_cap, "the offer has no m= line");
        else if (codec_refused)
            no_codec_error(offer, local, err, err_cap);
        else
            vg_format_reason(err, err_cap, "no m-line can be answered: m-line 0 (%s): %s",
                             offer->media[0].kind_name, choices[0].reason);
        return VG_ENOENT;
    }
    for (size_t i = 0; i < offer->media_count; i++) {
        const vg_sdp_media *m = &offer->media[i];
        const char *problem = choices[i].accepted ? transport_problem(offer, m, first) : NULL;
        if (problem) {
            vg_format_reason(err, err_cap, "m-line %zu (%s, mid %s) %s", i, m->kind_name,
                             m->mid[0] ? m->mid : "none", problem);
            return VG_EINVAL;
        }
    }
    if (taken[0] && taken[1] && local->video_ssrc == local->audio_ssrc) {
        vg_format_reason(err, err_cap, "local video and audio SSRCs are the same");
        return VG_EINVAL;
    }

    writer w = {out, cap, 0, cap == 0 || !out};
    /* RFC 8829 section 5.2.1: the sess-id fits a signed 64-bit integer. */
    put(&w, "v=0\r\no=- %" PRIu64 " 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
        local->session_id & INT64_MAX);
    put(&w, "a=ice-lite\r\n"); /* RFC 8839 section 5.3: session-level */
    put(&w, "a=group:BUNDLE");
    for (size_t i = 0; i < offer->media_count; i++) {
        if (choices[i].accepted)
            put(&w, " %s", offer->media[i].mid);
    }
    put(&w, "\r\n");
    for (size_t i = 0; i < offer->media_count; i++) {
        if (choices[i].accepted)
            write_accepted(&w, &offer->media[i], &choices[i], local);
        else
            write_rejected(&w, &offer->media[i]);
    }
    if (w.overflow) {
        if (out && cap)
            out[0] = '\0';
        vg_format_reason(err, err_cap, "the answer does not fit in %zu bytes", cap);
        return VG_ERANGE;
    }
    return 0;
}
