/*
 * describe.c: the SDP of an RTSP DESCRIBE response (describe.h says what is
 * read and why it is read leniently).
 *
 * DESIGN. Two steps over untrusted text, which need not end in NUL and is
 * never read past `len`:
 *
 *   1. One pass over the lines. Each line is a slice of the input. An m= line
 *      opens a section; an audio or video RTP section gets the next slot of
 *      `media` (up to VG_RTSP_MAX_MEDIA), any other is counted in `ignored`
 *      and its attributes skipped. For a listed section the pass only
 *      remembers, as slices, its first a=control and the first a=rtpmap and
 *      a=fmtp of its payload type (the first format of the m= line); before
 *      any m= line, the first a=control is the session's. The syntax errors
 *      that fail the whole description are found here, with a line number.
 *
 *   2. Per listed media, after the last line: the control is resolved, the
 *      a=rtpmap (or the static payload type) names the codec, and the codec's
 *      a=fmtp parameters are decoded. Nothing in this step fails the
 *      description but a control URL too long for its field: a malformed
 *      parameter empties its fields or makes the codec unsupported, and says
 *      so in `warning`.
 *
 * Each step is linear in the input: every line is looked at once, and an
 * a=fmtp is scanned once per parameter name asked for (a fixed few).
 */
#include "rtsp/describe.h"

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/slice.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- text -------------------------------------------------------------------------------- */

/*
 * The slices are core/slice.h's. Where this file trims, it uses
 * vg_slice_trim_line(), which drops CRs at the end too: a line's CRLF and
 * trailing blanks, and a stray CR before the ';', ',' or '=' that ends a
 * piece of a line (an fmtp parameter, a sprop entry).
 */

/* RFC 8866 section 9: token-char, what an encoding name is made of. */
static bool is_token(vg_slice s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char u = (unsigned char)s.p[i];
        if (!(u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d ||
              u == 0x2e || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) ||
              (u >= 0x5e && u <= 0x7e)))
            return false;
    }
    return true;
}

/*
 * What may stand in a URL of an RTSP request line: visible ASCII. A space or
 * a CR would let the camera write its own request line or header into the
 * SETUP that vigil sends (RFC 2326 6.1: Request-Line = Method SP URI SP ...).
 */
static bool is_url_text(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
            return false;
    }
    return true;
}

/* ---- the pass over the lines ------------------------------------------------------------ */

/* What a listed media's lines said, as views into the body. */
typedef struct media_lines {
    vg_slice control;
    bool has_control;
    vg_slice rtpmap; /* after the payload type: "H264/90000" */
    bool has_rtpmap;
    vg_slice fmtp; /* after the payload type: "packetization-mode=1;..." */
    bool has_fmtp;
} media_lines;

enum { SECTION_SESSION = -1, SECTION_IGNORED = -2 };

typedef struct parser {
    vg_rtsp_description *out;
    char *err;
    size_t err_cap;
    unsigned line; /* 1-based number of the line being read */
    int section;   /* SECTION_SESSION, SECTION_IGNORED, or the index in out->media */
    vg_slice session_control;
    bool has_session_control;
    media_lines lines[VG_RTSP_MAX_MEDIA];
} parser;

/* "line N: <reason>". The reasons are fixed strings: nothing of the input is quoted. */
static int line_error(parser *ps, int code, const char *reason)
{
    vg_format_reason(ps->err, ps->err_cap, "line %u: %s", ps->line, reason);
    return code;
}

/*
 * m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 5.14).
 * The port is checked for its syntax and otherwise ignored (describe.h: in
 * RTSP, 0 is "no preference", not "disabled").
 */
static int parse_media_line(parser *ps, vg_slice value)
{
    vg_rtsp_description *out = ps->out;
    vg_slice rest = value;
    vg_slice kind = vg_slice_next_token(&rest), port = vg_slice_next_token(&rest),
             proto = vg_slice_next_token(&rest);
    vg_slice format = vg_slice_next_token(&rest);
    ps->section = SECTION_IGNORED;
    if (!format.len)
        return line_error(ps, VG_ESYNTAX,
                          "m= line needs a media type, a port, a protocol and a format");
    bool has_port_count = vg_slice_has_char(port, '/');
    vg_slice port_number = vg_slice_split_at(&port, '/');
    uint32_t n;
    if (!vg_slice_parse_uint(port_number, 65535, &n) ||
        (has_port_count && !vg_slice_parse_uint(port, 65535, &n)))
        return line_error(ps, VG_ESYNTAX, "bad port in m= line");

    bool video = vg_slice_eq_ci(kind, "video");
    bool rtp = false; /* "RTP/AVP", "RTP/AVP/TCP", "RTP/SAVP"... */
    for (size_t i = 0; i + 4 <= proto.len && !rtp; i++)
        rtp = strncasecmp(proto.p + i, "RTP/", 4) == 0;
    if ((!video && !vg_slice_eq_ci(kind, "audio")) || !rtp) {
        out->ignored++;
        return 0;
    }
    /* RFC 3550 5.1: PT is 7 bits. RTP/AVP formats are payload types (RFC 8866 5.14). */
    uint32_t pt;
    if (!vg_slice_parse_uint(format, 127, &pt))
        return line_error(
            ps, VG_ESYNTAX,
            "the first format of an audio or video m= line is not a payload type 0..127");
    if (out->count == VG_RTSP_MAX_MEDIA) {
        out->ignored++;
        return 0;
    }
    ps->section = (int)out->count;
    vg_rtsp_media *m = &out->media[out->count++];
    m->video_kind = video;
    m->payload_type = (uint8_t)pt;
    return 0;
}

/*
 * A control is checked where it is read, so that its error has a line: it
 * becomes part of a request line. An absolute one needs a host at least.
 */
static int check_control(parser *ps, vg_slice control)
{
    if (!is_url_text(control.p, control.len))
        return line_error(ps, VG_ESYNTAX, "a=control holds a space, a control or a non-ASCII byte");
    size_t scheme = vg_slice_starts_with_ci(control, "rtsp://")    ? 7
                    : vg_slice_starts_with_ci(control, "rtsps://") ? 8
                                                                   : 0;
    if (scheme && (control.len == scheme || control.p[scheme] == '/' || control.p[scheme] == '?' ||
                   control.p[scheme] == '#'))
        return line_error(ps, VG_ESYNTAX, "a=control is an absolute URL without a host");
    return 0;
}

/* a=<name>:<value>. Only control, rtpmap and fmtp matter; the first of each is kept. */
static int parse_attribute(parser *ps, vg_slice line_value)
{
    if (ps->section == SECTION_IGNORED)
        return 0;
    vg_slice value = line_value;
    vg_slice name = vg_slice_split_at(&value, ':');
    value = vg_slice_trim_line(value);

    if (vg_slice_eq_ci(name, "control")) {
        bool *has = ps->section == SECTION_SESSION ? &ps->has_session_control
                                                   : &ps->lines[ps->section].has_control;
        /* An empty a=control says nothing: as if absent. */
        if (*has || !value.len)
            return 0;
        int ret = check_control(ps, value);
        if (ret < 0)
            return ret;
        *has = true;
        if (ps->section == SECTION_SESSION)
            ps->session_control = value;
        else
            ps->lines[ps->section].control = value;
        return 0;
    }
    if (ps->section == SECTION_SESSION)
        return 0;

    /* a=rtpmap:<payload type> <encoding>/<clock rate>[/<parameters>] (RFC 8866 6.6) and
       a=fmtp:<format> <parameters> (6.15): only those of the payload type in use. */
    bool rtpmap = vg_slice_eq_ci(name, "rtpmap"), fmtp = vg_slice_eq_ci(name, "fmtp");
    if (!rtpmap && !fmtp)
        return 0;
    media_lines *ml = &ps->lines[ps->section];
    vg_slice rest = value;
    uint32_t pt;
    if (!vg_slice_parse_uint(vg_slice_next_token(&rest), 127, &pt) ||
        pt != ps->out->media[ps->section].payload_type)
        return 0;
    if (rtpmap && !ml->has_rtpmap) {
        ml->rtpmap = vg_slice_trim_line(rest);
        ml->has_rtpmap = true;
    } else if (fmtp && !ml->has_fmtp) {
        ml->fmtp = vg_slice_trim_line(rest);
        ml->has_fmtp = true;
    }
    return 0;
}

static int parse_lines(parser *ps, const char *sdp, size_t len)
{
    bool seen_version = false;
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(sdp + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - sdp) : len;
        vg_slice line = vg_slice_trim_line(vg_slice_from(sdp + at, end - at));
        at = nl ? end + 1 : len;
        ps->line++;
        if (!line.len)
            continue;
        /* RFC 8866 section 5: "v=0" comes first. What is not an SDP stops here. */
        if (!seen_version) {
            if (line.len != 3 || memcmp(line.p, "v=0", 3) != 0)
                return line_error(ps, VG_ESYNTAX, "not an SDP: the first line is not v=0");
            seen_version = true;
            continue;
        }
        if (line.len < 2 || line.p[1] != '=') /* not <type>=<value>: skipped, as unknown */
            continue;
        vg_slice value = vg_slice_from(line.p + 2, line.len - 2);
        int ret = 0;
        if (line.p[0] == 'm')
            ret = parse_media_line(ps, value);
        else if (line.p[0] == 'a')
            ret = parse_attribute(ps, value);
        if (ret < 0)
            return ret;
    }
    if (!seen_version) {
        vg_format_reason(ps->err, ps->err_cap, "not an SDP: no v=0 line");
        return VG_ESYNTAX;
    }
    return 0;
}

/* ---- control URLs ----------------------------------------------------------------------- */

/*
 * Resolves `control` against `base` into `out` (VG_RTSP_MAX_URL bytes), as
 * describe.h says: absolute as it is, "*" the base, otherwise appended to
 * the base after a '/' unless the base ends in one. VG_ERANGE when the
 * result does not fit (then `out` is left as it was).
 */
static int resolve_control(const char *base, size_t base_len, vg_slice control, char *out)
{
    const char *head = base;
    size_t head_len = base_len;
    const char *sep = "";
    vg_slice tail = control;
    if (vg_slice_starts_with_ci(control, "rtsp://") ||
        vg_slice_starts_with_ci(control, "rtsps://")) {
        head_len = 0;
    } else if (control.len == 1 && control.p[0] == '*') {
        tail.len = 0;
    } else if (base_len == 0 || base[base_len - 1] != '/') {
        sep = "/";
    }
    size_t sep_len = strlen(sep);
    if (head_len + sep_len + tail.len >= VG_RTSP_MAX_URL)
        return VG_ERANGE;
    memcpy(out, head, head_len);
    memcpy(out + head_len, sep, sep_len);
    memcpy(out + head_len + sep_len, tail.p, tail.len);
    out[head_len + sep_len + tail.len] = '\0';
    return 0;
}

/* ---- codec parameters ------------------------------------------------------------------- */

static void warn(vg_rtsp_media *m, const char *why)
{
    if (!m->warning)
        m->warning = why;
}

/*
 * The value of parameter `key` in an a=fmtp "k=v; k=v" (RFC 8866 6.15; the
 * names ignore case, and blanks around ';' and '=' are tolerated). The first
 * occurrence wins. False when the parameter is absent.
 */
static bool fmtp_param(vg_slice fmtp, const char *key, vg_slice *value)
{
    return vg_slice_find_param(fmtp, ';', key, vg_slice_trim_line, value);
}

/*
 * One parameter set in base64, decoded into `out` (VG_RTSP_MAX_PARAM_SET
 * bytes). Lenient where cameras are careless, as FFmpeg's av_base64_decode()
 * is (vg_base64_decode_lenient()): the '=' padding may be missing, and the
 * bits that pad the last byte need not be zero. False for anything else that
 * is not base64, or that decodes to more than VG_RTSP_MAX_PARAM_SET bytes or
 * to nothing.
 */
static bool decode_param_set(vg_slice text, uint8_t *out, size_t *out_len)
{
    return vg_base64_decode_lenient(text.p, text.len, out, VG_RTSP_MAX_PARAM_SET, out_len) == 0 &&
           *out_len > 0;
}

/* Copies the NAL unit into a parameter set field unless it already holds one. */
static void keep_first(uint8_t *field, size_t *field_len, const uint8_t *nal, size_t len)
{
    if (*field_len)
        return;
    memcpy(field, nal, len);
    *field_len = len;
}

/*
 * RFC 6184 8.1: sprop-parameter-sets=<base64 NAL>,<base64 NAL>,... Cameras
 * write the SPS first and the PPS second, but some add an SEI or swap them:
 * each entry is identified by its NAL type.
 */
static void h264_parameters(vg_rtsp_media *m, vg_slice fmtp)
{
    vg_slice v;
    uint32_t mode;
    if (fmtp_param(fmtp, "packetization-mode", &v)) {
        if (vg_slice_parse_uint(v, 2, &mode))
            m->packetization_mode = (int)mode;
        else
            warn(m, "packetization-mode is not 0, 1 or 2");
    }
    if (!fmtp_param(fmtp, "sprop-parameter-sets", &v))
        return;
    uint8_t nal[VG_RTSP_MAX_PARAM_SET];
    size_t len;
    while (v.len) {
        vg_slice entry = vg_slice_trim_line(vg_slice_split_at(&v, ','));
        if (!entry.len)
            continue;
        if (!decode_param_set(entry, nal, &len)) {
            warn(m, "sprop-parameter-sets has an entry that is not base64 or is too large");
            continue;
        }
        unsigned type = vg_nal_h264_type(nal[0]);
        if (type == VG_H264_NAL_SPS)
            keep_first(m->sps, &m->sps_len, nal, len);
        else if (type == VG_H264_NAL_PPS && len >= 2)
            keep_first(m->pps, &m->pps_len, nal, len);
    }
    vg_h264_sps sps;
    if (m->sps_len && vg_h264_sps_parse(m->sps, m->sps_len, &sps) < 0)
        warn(m, "the SPS of sprop-parameter-sets does not parse");
    else if (!m->sps_len)
        warn(m, "sprop-parameter-sets holds no SPS");
    else
        return;
    /* A PPS is no use without its SPS: the stream will bring both. */
    m->sps_len = m->pps_len = 0;
}

/* The first NAL unit of type `type` among the comma-separated base64 of an H.265 sprop. */
static void h265_sprop(vg_rtsp_media *m, vg_slice fmtp, const char *key, unsigned type,
                       uint8_t *field, size_t *field_len)
{
    vg_slice v;
    if (!fmtp_param(fmtp, key, &v))
        return;
    uint8_t nal[VG_RTSP_MAX_PARAM_SET];
    size_t len;
    while (v.len && !*field_len) {
        vg_slice entry = vg_slice_trim_line(vg_slice_split_at(&v, ','));
        if (!entry.len)
            continue;
        if (!decode_param_set(entry, nal, &len)) {
            warn(m, "an H.265 sprop has an entry that is not base64 or is too large");
            continue;
        }
        /* Two header bytes (H.265 7.3.1.2) and something after them. */
        if (len >= 3 && vg_nal_h265_type(nal[0]) == type)
            keep_first(field, field_len, nal, len);
    }
}

/* RFC 7798 7.1: sprop-vps, sprop-sps, sprop-pps; sprop-max-don-diff, sprop-depack-buf-nalus. */
static void h265_parameters(vg_rtsp_media *m, vg_slice fmtp)
{
    static const char *const don_keys[] = {"sprop-max-don-diff", "sprop-depack-buf-nalus"};
    for (size_t i = 0; i < 2; i++) {
        vg_slice v;
        uint32_t n;
        /* RFC 7798 4.4.1: DONL is present when either is above 0. Unreadable: assume it is. */
        if (fmtp_param(fmtp, don_keys[i], &v) && (!vg_slice_parse_uint(v, UINT32_MAX, &n) || n > 0))
            m->donl = true;
    }
    h265_sprop(m, fmtp, "sprop-vps", VG_H265_NAL_VPS, m->vps, &m->vps_len);
    h265_sprop(m, fmtp, "sprop-sps", VG_H265_NAL_SPS, m->sps, &m->sps_len);
    h265_sprop(m, fmtp, "sprop-pps", VG_H265_NAL_PPS, m->pps, &m->pps_len);
    vg_h265_sps sps;
    if (m->sps_len && vg_h265_sps_parse(m->sps, m->sps_len, &sps) < 0)
        warn(m, "the SPS of sprop-sps does not parse");
    else if (!m->sps_len && (m->vps_len || m->pps_len))
        warn(m, "sprop-sps holds no SPS");
    else
        return;
    m->vps_len = m->sps_len = m->pps_len = 0;
}

/*
 * An AU-header field length of RFC 3640 3.2.1, in bits; `fallback` when
 * absent. 0..16: AAC-hbr uses 13/3/3 and AAC-lbr 6/2/2 (3.3.5, 3.3.6), and
 * what rtsp/depack.h reads is at most 16 bits. False when it is not that.
 */
static bool aac_length(vg_slice fmtp, const char *key, int fallback, int *out)
{
    vg_slice v;
    uint32_t n;
    if (!fmtp_param(fmtp, key, &v)) {
        *out = fallback;
        return true;
    }
    if (!vg_slice_parse_uint(v, 16, &n))
        return false;
    *out = (int)n;
    return true;
}

/*
 * RFC 3640 4.1 for MPEG4-GENERIC: AAC is mode=AAC-hbr (3.3.6) or AAC-lbr
 * (3.3.5), whose AU headers hold an AU-size and an AU-Index(-delta) only,
 * read with sizelength, indexlength and indexdeltalength. Without a usable
 * mode or sizelength, or with AU-header fields those modes do not have
 * (CTS/DTS deltas, random access or stream state flags, auxiliary data),
 * the AUs cannot be found in a packet: unsupported. A missing or bad
 * config leaves aac_config empty but the codec AAC: the caller decides.
 */
static vg_codec aac_parameters(vg_rtsp_media *m, vg_slice fmtp)
{
    static const char *const other_fields[] = {"ctsdeltalength", "dtsdeltalength",
                                               "randomaccessindication", "streamstateindication",
                                               "auxiliarydatasizelength"};
    vg_slice v;
    if (!fmtp_param(fmtp, "mode", &v) ||
        !(vg_slice_eq_ci(v, "AAC-hbr") || vg_slice_eq_ci(v, "AAC-lbr"))) {
        warn(m, "MPEG4-GENERIC whose mode is not AAC-hbr or AAC-lbr");
        return VG_CODEC_UNSUPPORTED;
    }
    for (size_t i = 0; i < sizeof(other_fields) / sizeof(other_fields[0]); i++) {
        uint32_t n;
        if (fmtp_param(fmtp, other_fields[i], &v) &&
            !(vg_slice_parse_uint(v, UINT32_MAX, &n) && n == 0)) {
            warn(m, "AAC with AU-header fields beyond AU-size and AU-Index");
            return VG_CODEC_UNSUPPORTED;
        }
    }
    if (!aac_length(fmtp, "sizelength", 0, &m->size_length) || m->size_length == 0 ||
        !aac_length(fmtp, "indexlength", 0, &m->index_length) ||
        !aac_length(fmtp, "indexdeltalength", 0, &m->index_delta_length)) {
        warn(m, "AAC without a sizelength, or with an AU-header length that is not 0..16");
        m->size_length = m->index_length = m->index_delta_length = 0;
        return VG_CODEC_UNSUPPORTED;
    }
    if (!fmtp_param(fmtp, "config", &v)) {
        warn(m, "AAC without a config");
        return VG_CODEC_AAC;
    }
    bool ok = v.len && v.len % 2 == 0 && v.len / 2 <= sizeof(m->aac_config);
    for (size_t i = 0; ok && i < v.len; i += 2) {
        int hi = vg_hex_value(v.p[i]), lo = vg_hex_value(v.p[i + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok)
            m->aac_config[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (ok) {
        m->aac_config_len = v.len / 2;
    } else {
        memset(m->aac_config, 0, sizeof(m->aac_config));
        warn(m, "the AAC config is not hex or longer than 64 bytes");
    }
    return VG_CODEC_AAC;
}

/* The static payload types of RFC 3551 section 6 (tables 4 and 5), for m= lines without rtpmap. */
static const struct {
    uint8_t pt;
    char name[6];
    int clock_rate;
    int channels;
} static_types[] = {
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},  {25, "CelB", 90000, 0}, {26, "JPEG", 90000, 0}, {28, "nv", 90000, 0},
    {31, "H261", 90000, 0}, {32, "MPV", 90000, 0},  {33, "MP2T", 90000, 0}, {34, "H263", 90000, 0},
};

/*
 * Fills encoding, clock_rate and channels from the a=rtpmap (RFC 8866 6.6),
 * or from the static payload type. False when neither says: the codec is
 * then unknown.
 */
static bool read_rtpmap(vg_rtsp_media *m, const media_lines *ml)
{
    if (!ml->has_rtpmap) {
        for (size_t i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++) {
            if (static_types[i].pt != m->payload_type)
                continue;
            strcpy(m->encoding, static_types[i].name);
            m->clock_rate = static_types[i].clock_rate;
            m->channels = static_types[i].channels;
            return true;
        }
        warn(m, "a dynamic payload type without a=rtpmap");
        return false;
    }
    vg_slice rest = ml->rtpmap;
    vg_slice map = vg_slice_next_token(&rest);
    vg_slice name = vg_slice_split_at(&map, '/');
    bool has_channels = vg_slice_has_char(map, '/');
    vg_slice clock = vg_slice_split_at(&map, '/');
    uint32_t clock_rate, channels = 1;
    if (!is_token(name) || name.len >= sizeof(m->encoding) ||
        !vg_slice_parse_uint(clock, INT_MAX, &clock_rate) || clock_rate == 0 ||
        (has_channels && (!vg_slice_parse_uint(map, 255, &channels) || channels == 0))) {
        warn(m, "a=rtpmap is not <encoding>/<clock rate>[/<channels>]");
        return false;
    }
    memcpy(m->encoding, name.p, name.len);
    m->encoding[name.len] = '\0';
    m->clock_rate = (int)clock_rate;
    /* RFC 7587 7: "opus/48000/2" always; the stream says how many channels it has. */
    if (!has_channels && vg_slice_eq_ci(name, "opus"))
        channels = 2;
    m->channels = (int)channels;
    return true;
}

/* Names the codec of a listed media and reads its parameters. */
static void describe_codec(vg_rtsp_media *m, const media_lines *ml)
{
    bool known = read_rtpmap(m, ml);
    if (m->video_kind)
        m->channels = 0;
    if (!known)
        return;
    vg_slice name = vg_slice_from_cstr(m->encoding);
    vg_slice fmtp = ml->has_fmtp ? ml->fmtp : vg_slice_from("", 0);
    vg_codec codec = VG_CODEC_UNSUPPORTED;
    bool video_codec = false;
    if (vg_slice_eq_ci(name, "H264")) {
        codec = VG_CODEC_H264;
        video_codec = true;
    } else if (vg_slice_eq_ci(name, "H265")) {
        codec = VG_CODEC_H265;
        video_codec = true;
    } else if (vg_slice_eq_ci(name, "MPEG4-GENERIC")) {
        codec = VG_CODEC_AAC;
    } else if (vg_slice_eq_ci(name, "PCMU")) {
        codec = VG_CODEC_PCMU;
    } else if (vg_slice_eq_ci(name, "PCMA")) {
        codec = VG_CODEC_PCMA;
    } else if (vg_slice_eq_ci(name, "OPUS")) {
        codec = VG_CODEC_OPUS;
    }
    if (codec == VG_CODEC_UNSUPPORTED)
        return;
    if (video_codec != m->video_kind) {
        warn(m, "the codec is not of the m= line's media type");
        return;
    }
    switch (codec) {
    case VG_CODEC_H264:
        h264_parameters(m, fmtp);
        break;
    case VG_CODEC_H265:
        h265_parameters(m, fmtp);
        break;
    case VG_CODEC_AAC:
        codec = aac_parameters(m, fmtp);
        break;
    case VG_CODEC_OPUS:
        /* RFC 7587 7: the clock rate of Opus is always 48000, whatever it samples at. */
        if (m->clock_rate != 48000) {
            warn(m, "Opus with a clock rate other than 48000");
            codec = VG_CODEC_UNSUPPORTED;
        }
        break;
    default:
        break;
    }
    m->codec = codec;
}

/* ---- the whole ---------------------------------------------------------------------------- */

static int describe(parser *ps, const char *sdp, size_t len, const char *base_url)
{
    vg_rtsp_description *out = ps->out;
    if (!base_url || !base_url[0]) {
        vg_format_reason(ps->err, ps->err_cap, "no base URL");
        return VG_EINVAL;
    }
    size_t base_len = strlen(base_url);
    if (base_len >= VG_RTSP_MAX_URL) {
        vg_format_reason(ps->err, ps->err_cap, "the base URL is longer than %d bytes",
                         VG_RTSP_MAX_URL - 1);
        return VG_ERANGE;
    }
    if (!is_url_text(base_url, base_len)) {
        vg_format_reason(ps->err, ps->err_cap,
                         "the base URL holds a space, a control or a non-ASCII byte");
        return VG_EINVAL;
    }

    int ret = parse_lines(ps, sdp, len);
    if (ret < 0)
        return ret;

    vg_slice star = vg_slice_from("*", 1);
    vg_slice session = ps->has_session_control ? ps->session_control : star;
    if (resolve_control(base_url, base_len, session, out->aggregate_control) < 0) {
        vg_format_reason(ps->err, ps->err_cap, "the session control URL is longer than %d bytes",
                         VG_RTSP_MAX_URL - 1);
        return VG_ERANGE;
    }
    for (size_t i = 0; i < out->count; i++) {
        vg_rtsp_media *m = &out->media[i];
        const media_lines *ml = &ps->lines[i];
        /* Media controls are relative to the base, not to the session's control (describe.h). */
        if (!ml->has_control)
            strcpy(m->control, out->aggregate_control);
        else if (resolve_control(base_url, base_len, ml->control, m->control) < 0) {
            vg_format_reason(ps->err, ps->err_cap,
                             "the control URL of media %zu is longer than %d bytes", i + 1,
                             VG_RTSP_MAX_URL - 1);
            return VG_ERANGE;
        }
        describe_codec(m, ml);
    }
    return 0;
}

int vg_rtsp_describe_parse(const char *sdp, size_t len, const char *base_url,
                           vg_rtsp_description *out, char *err, size_t err_cap)
{
    parser ps;
    memset(&ps, 0, sizeof(ps));
    ps.out = out;
    ps.err = err;
    ps.err_cap = err_cap;
    ps.section = SECTION_SESSION;
    memset(out, 0, sizeof(*out));
    if (err && err_cap)
        err[0] = '\0';
    if (!sdp)
        len = 0;
    int ret = describe(&ps, sdp, len, base_url);
    if (ret < 0)
        memset(out, 0, sizeof(*out));
    return ret;
}
