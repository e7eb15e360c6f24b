/*
 * rtsp.c: an RTSP camera pulled by vigil's own client (RFC 2326), with RTP
 * and RTCP interleaved in the RTSP connection (RFC 2326 10.12), on the
 * source's thread.
 *
 * Why not libavformat, as for every other URL: profiling 10 to 50 cameras
 * (bench/results/ingest-2026-11-22.md) put 83% of vigil's ingest cost in
 * libavformat's RTSP input: a poll() and a recv() for the 4-byte interleave
 * header and again for each packet's payload, several allocations per RTP
 * packet, and an H.264 parser re-reading every byte. Here one recv() takes
 * whatever the kernel holds (often a whole frame), the depacketizer writes
 * NAL units straight into one reused buffer (rtsp/depack.h), and each frame
 * costs one allocation: its AU.
 *
 * One attempt:
 *
 *   connect (source/connect.h) ─▶ OPTIONS ─▶ DESCRIBE (401: Digest/Basic,
 *   once) ─▶ SETUP per track, interleaved=2i-2i+1 ─▶ PLAY ─▶ read loop:
 *
 *     recv ─▶ '$' ch len │ RTP ─▶ depack ─▶ frame ─▶ AU ─▶ emit
 *                        │ RTCP: ignored (no SR mapping yet)
 *            "RTSP/1.0"  │ a keep-alive's answer; a server request gets 501
 *
 * Keep-alive: GET_PARAMETER (OPTIONS when the camera does not list it) every
 * half session timeout (RFC 2326 12.37). TEARDOWN when stopped.
 *
 * Only TCP: `rtsp_transport: udp` or `auto`, and rtsps://, still go through
 * libavformat (lavf.c). Credentials come from the URL's userinfo; they are
 * never sent in a request URI and never logged.
 */
#include "core/error.h"
#include "core/log.h"
#include "codec/nal.h"
#include "core/url.h"
#include "rtsp/auth.h"
#include "rtsp/depack.h"
#include "rtsp/describe.h"
#include "rtsp/message.h"
#include "source/connect.h"
#include "source/ingest_video.h"
#include "source/reorder.h"
#include "source/source.h"
#include "source/timestamps.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_TRACKS    8
#define MAX_JUMP_US   (10 * 1000000LL)
#define TICK_MS       100          /* recv() wakes this often to check for a stop */
#define RECV_CAP      (256 * 1024) /* the receive buffer: a DESCRIBE answer or many packets */
#define URL_CAP       2048
#define MAX_GARBAGE   (64 * 1024) /* bytes that are neither '$' nor RTSP before we give up */
#define MAX_REDIRECTS 3
#define REDIRECTED    1 /* open_session(): the camera sent us elsewhere (s->location) */

typedef struct rtsp_track {
    vg_track *track; /* the session's reference */
    const vg_rtsp_media *media;
    int channel_rtp, channel_rtcp;
    vg_depack depack;
    vg_ingest_video video; /* H.264 / H.265 only */
    vg_ts_track ts;
    /* RTP time, extended past its 32-bit wrap: the first frame is 0, or its
     * distance from RTP-Info's rtptime, which all tracks share as time 0. */
    bool has_rtptime, started;
    uint32_t rtptime, last_rtp;
    int64_t extended;
    bool wait_key; /* a frame was lost: video waits for a key frame */
    bool has_last_pts;
    int64_t last_pts; /* the last frame's, in RTP ticks from time 0 */
    vg_reorder reorder;
    struct session *s;
} rtsp_track;

typedef struct session {
    vg_source_thread *t;
    const vg_source_options *opt;
    char *reason;
    size_t reason_cap;
    int fd;
    int64_t deadline_us; /* the current step's; 0 in the read loop (read timeout instead) */

    char url[URL_CAP];      /* the request URL, without userinfo */
    char location[URL_CAP]; /* where a 3xx answer sends us */
    int redirects;
    char user[256], pass[256];
    bool has_credentials;
    vg_rtsp_auth auth;
    bool auth_set;
    int cseq;
    char session_id[256];
    int timeout_s;
    bool get_parameter; /* listed in OPTIONS' Public */

    uint8_t *buf; /* RECV_CAP bytes; [head, len) not parsed yet */
    size_t head, len;
    size_t garbage;

    vg_rtsp_description *desc;
    rtsp_track tracks[MAX_TRACKS];
    vg_track *track_list[MAX_TRACKS]; /* for emit_tracks: tracks[i].track */
    size_t track_count;
    vg_ts_origin origin;
    int64_t last_packet_us, next_keepalive_us;
    bool warned_server_request;
} session;

/* The attempt's reason for the user (core/error.h). */
#define fail(s, ...) vg_format_reason((s)->reason, (s)->reason_cap, __VA_ARGS__)

/* ---- bytes in and out ---- */

/*
 * Sends all of `data`, by the step's deadline (in the read loop, within
 * the read timeout): a camera that stops reading must not hold the thread.
 */
static int send_all(session *s, const char *data, size_t len)
{
    int64_t deadline =
        s->deadline_us ? s->deadline_us : vg_source_now_us() + s->opt->read_timeout_ms * 1000;
    while (len) {
        ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fail(s, "the connection to the camera failed: %s", strerror(errno));
            else if (vg_source_thread_should_stop(s->t))
                fail(s, "stopped");
            else if (vg_source_now_us() < deadline)
                continue; /* the send timeout's tick */
            else
                fail(s, "the camera stopped taking our requests");
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Receives what the kernel holds into the buffer, after moving the unparsed
 * bytes to its start. Returns the bytes read, 0 on a tick (nothing within
 * TICK_MS), or -1 with the reason set (the camera closed, an error, a full
 * buffer that no message fits).
 */
static ssize_t receive(session *s)
{
    if (s->head) {
        memmove(s->buf, s->buf + s->head, s->len - s->head);
        s->len -= s->head;
        s->head = 0;
    }
    if (s->len == RECV_CAP) {
        fail(s, "the camera sent a message larger than %d KiB", RECV_CAP / 1024);
        return -1;
    }
    ssize_t n = recv(s->fd, s->buf + s->len, RECV_CAP - s->len, 0);
    if (n > 0) {
        s->len += (size_t)n;
        return n;
    }
    if (n == 0) {
        fail(s, "the camera closed the connection");
        return -1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    fail(s, "the connection to the camera failed: %s", strerror(errno));
    return -1;
}

/* ---- requests (before PLAY: one at a time, the answer awaited) ---- */

/* True when the step's deadline passed or a stop was asked; the reason is set. */
static bool step_over(session *s, const char *what)
{
    if (vg_source_thread_should_stop(s->t)) {
        fail(s, "stopped");
        return true;
    }
    if (s->deadline_us && vg_source_now_us() > s->deadline_us) {
        fail(s, "cannot open the stream: timed out after %lldms (the camera did not answer %s)",
             (long long)s->opt->connect_timeout_ms, what);
        return true;
    }
    return false;
}

static int send_request(session *s, const char *method, const char *uri, const char *extra)
{
    char headers[4096];
    size_t used = 0;
    headers[0] = '\0';
    if (extra)
        used += (size_t)snprintf(headers, sizeof(headers), "%s", extra);
    if (s->session_id[0] && used < sizeof(headers))
        used += (size_t)snprintf(headers + used, sizeof(headers) - used, "Session: %s\r\n",
                                 s->session_id);
    if (s->auth_set && used < sizeof(headers)) {
        char value[2048];
        if (vg_rtsp_auth_header(&s->auth, s->user, s->pass, method, uri, value, sizeof(value)) <
            0) {
            fail(s, "cannot open the stream: the camera's authentication challenge is too long");
            return -1;
        }
        used += (size_t)snprintf(headers + used, sizeof(headers) - used, "Authorization: %s\r\n",
                                 value);
        explicit_bzero(value, sizeof(value));
    }
    if (used >= sizeof(headers)) {
        fail(s, "cannot open the stream: the request is too long");
        return -1;
    }
    char req[8192];
    int len = vg_rtsp_request_write(req, sizeof(req), method, uri, ++s->cseq, headers);
    explicit_bzero(headers, sizeof(headers));
    if (len < 0) {
        fail(s, "cannot open the stream: the URL cannot be sent in a request");
        return -1;
    }
    int rc = send_all(s, req, (size_t)len);
    explicit_bzero(req, sizeof(req));
    return rc;
}

/*
 * Waits for the answer to request `cseq` into *m (its views point into the
 * buffer until the next receive). Interleaved data before it, and a request
 * from the camera (none is expected before PLAY), are skipped. Returns 0 or
 * -1 with the reason set.
 */
static int await_response(session *s, const char *what, vg_rtsp_message *m)
{
    for (;;) {
        while (s->head < s->len) {
            const uint8_t *p = s->buf + s->head;
            size_t avail = s->len - s->head;
            if (p[0] == '$') {
                if (avail < 4 || avail < 4 + (size_t)((p[2] << 8) | p[3]))
                    break;
                s->head += 4 + (size_t)((p[2] << 8) | p[3]);
                continue;
            }
            int rc = vg_rtsp_message_parse(p, avail, m);
            if (rc == 0)
                break;
            if (rc < 0) {
                fail(s,
                     "cannot open the stream: the camera's answer to %s is not RTSP (wrong port "
                     "or protocol?)",
                     what);
                return -1;
            }
            /* Consumed, but the bytes stay where they are until the next receive(). */
            s->head += m->size;
            if (!m->is_request && m->cseq == s->cseq)
                return 0;
        }
        if (step_over(s, what))
            return -1;
        if (receive(s) < 0) {
            size_t cap = s->reason_cap;
            char why[200];
            snprintf(why, sizeof(why), "%s", s->reason);
            snprintf(s->reason, cap, "cannot open the stream: %s: %s", what, why);
            return -1;
        }
    }
}

/*
 * Sends a request and waits for its answer; a 401 is answered once with the
 * camera's challenge and the URL's credentials. Returns the status (the
 * message in *m) or -1 with the reason set.
 */
static int request(session *s, const char *method, const char *uri, const char *extra,
                   vg_rtsp_message *m)
{
    for (int attempt = 0;; attempt++) {
        if (send_request(s, method, uri, extra) < 0 || await_response(s, method, m) < 0)
            return -1;
        if (m->status != 401 || attempt > 0 || !s->has_credentials)
            return m->status;
        int rc = vg_rtsp_auth_from_challenges(&s->auth, m);
        if (rc < 0) {
            fail(s, "cannot open the stream: the camera asks for an authentication vigil does not "
                    "support");
            return -1;
        }
        s->auth_set = true;
    }
}

/* The reason for a failed answer, in words a user can act on. */
static void fail_status(session *s, const char *method, const vg_rtsp_message *m)
{
    if (m->status == 401)
        fail(s, "cannot open the stream: authentication failed (check the user and password)");
    else if (m->status == 404)
        fail(s, "cannot open the stream: stream not found (404): check the path");
    else if (m->status == 461)
        fail(s, "cannot open the stream: the camera does not offer RTP over TCP (461); set "
                "rtsp_transport to udp");
    else
        fail(s, "cannot open the stream: the camera answered %s with %d %.*s", method, m->status,
             (int)(m->reason.len > 80 ? 80 : m->reason.len), m->reason.p);
}

static bool slice_has_token(const vg_slice *v, const char *token)
{
    size_t n = strlen(token);
    for (size_t i = 0; v && i + n <= v->len; i++) {
        if (strncasecmp(v->p + i, token, n) == 0 &&
            (i == 0 || v->p[i - 1] == ' ' || v->p[i - 1] == ','))
            return true;
    }
    return false;
}

/* ---- the tracks ---- */

static const char *codec_name_of(vg_codec c)
{
    switch (c) {
    case VG_CODEC_H264:
        return "h264";
    case VG_CODEC_H265:
        return "hevc";
    case VG_CODEC_AAC:
        return "aac";
    case VG_CODEC_PCMU:
        return "pcm_mulaw";
    case VG_CODEC_PCMA:
        return "pcm_alaw";
    case VG_CODEC_OPUS:
        return "opus";
    default:
        return "unsupported";
    }
}

/* The AudioSpecificConfig's object type, rate and channels (ISO/IEC 14496-3 1.6.2.1). */
static void describe_aac(vg_track *tr, const uint8_t *c, size_t len)
{
    static const int rates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                  22050, 16000, 12000, 11025, 8000,  7350};
    int object_type = 2;
    if (len >= 2) {
        object_type = c[0] >> 3;
        unsigned index = ((c[0] & 7u) << 1) | (c[1] >> 7);
        unsigned channels = (c[1] >> 3) & 15u;
        if (index < 13)
            tr->sample_rate = rates[index];
        if (channels >= 1 && channels <= 7)
            tr->channels = (int)channels;
    }
    snprintf(tr->codec_string, sizeof(tr->codec_string), "mp4a.40.%d", object_type);
}

/* Makes the tracks from the description: every audio and video media, carried or not. */
static int make_tracks(session *s)
{
    char unsupported[128] = "";
    size_t supported = 0;
    for (size_t i = 0; i < s->desc->count && s->track_count < MAX_TRACKS; i++) {
        const vg_rtsp_media *md = &s->desc->media[i];
        vg_codec codec = md->codec;
        if ((codec == VG_CODEC_H264 && md->packetization_mode == 2) ||
            (codec == VG_CODEC_H265 && md->donl)) {
            /* RFC 6184 interleaved mode, RFC 7798 DONL: decoding order numbers, not supported. */
            VG_LOG_WARN("source",
                        "source=%s track %zu: %s in interleaved packetization is not "
                        "supported; ignored",
                        s->opt->label, i, md->encoding);
            codec = VG_CODEC_UNSUPPORTED;
        }
        vg_track *tr = vg_track_create(codec);
        if (!tr) {
            fail(s, "out of memory");
            return -1;
        }
        rtsp_track *rt = &s->tracks[s->track_count];
        rt->s = s;
        rt->media = md;
        rt->track = tr;
        s->track_list[s->track_count++] = tr;
        tr->video_kind = md->video_kind;
        if (codec == VG_CODEC_UNSUPPORTED) {
            snprintf(tr->codec_name, sizeof(tr->codec_name), "%s", md->encoding);
            for (char *c = tr->codec_name; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
            VG_LOG_WARN("source", "source=%s track %zu: codec %s is not supported; ignored",
                        s->opt->label, i, tr->codec_name);
            size_t used = strlen(unsupported);
            snprintf(unsupported + used, sizeof(unsupported) - used, "%s%s %s", used ? ", " : "",
                     md->video_kind ? "video" : "audio", tr->codec_name);
            continue;
        }
        snprintf(tr->codec_name, sizeof(tr->codec_name), "%s", codec_name_of(md->codec));
        supported++;
        vg_depack_aac aac = {.size_length = md->size_length,
                             .index_length = md->index_length,
                             .index_delta_length = md->index_delta_length,
                             .frame_samples = 1024};
        if (vg_depack_init(&rt->depack, md->codec, &aac) < 0) {
            fail(s, "cannot read the stream's tracks: the camera's %s parameters are not usable",
                 tr->codec_name);
            return -1;
        }
        if (tr->is_video) {
            int rc = vg_ingest_video_init_sets(&rt->video, tr, md->vps, md->vps_len, md->sps,
                                               md->sps_len, md->pps, md->pps_len);
            if (rc == VG_ENOMEM) {
                fail(s, "out of memory");
                return -1;
            }
            if (rc < 0)
                VG_LOG_DEBUG("source",
                             "source=%s no usable parameter sets in the SDP; waiting "
                             "for in-band",
                             s->opt->label);
        } else {
            tr->clock_rate = md->clock_rate > 0 ? md->clock_rate : 8000;
            tr->sample_rate = tr->clock_rate;
            tr->channels = md->channels > 0 ? md->channels : 1;
            if (md->codec == VG_CODEC_AAC) {
                describe_aac(tr, md->aac_config, md->aac_config_len);
                if (md->aac_config_len)
                    vg_track_set_config(tr, md->aac_config, md->aac_config_len);
            }
        }
        vg_ts_track_init(&rt->ts, tr->clock_rate, MAX_JUMP_US);
    }
    if (!s->track_count) {
        fail(s, "the stream has no audio or video track");
        return -1;
    }
    if (!supported) {
        fail(s, "no supported track (%s): vigil carries H.264, H.265, AAC, G.711 and Opus",
             unsupported);
        return -1;
    }
    return 0;
}

/* ---- frames ---- */

static void on_frame(void *ctx, const vg_depack_frame *f)
{
    rtsp_track *rt = ctx;
    session *s = rt->s;
    vg_track *tr = rt->track;
    if (f->loss && tr->is_video)
        rt->wait_key = true;

    /* RFC 3550 5.1: the timestamp wraps at 2^32; differences fit in 32 bits. */
    if (!rt->started) {
        rt->started = true;
        rt->extended = rt->has_rtptime ? (int32_t)(f->timestamp - rt->rtptime) : 0;
    } else {
        rt->extended += (int32_t)(f->timestamp - rt->last_rtp);
    }
    rt->last_rtp = f->timestamp;
    int64_t pts = rt->extended;
    bool key = tr->is_video &&
               vg_nal_avcc_is_keyframe(tr->codec == VG_CODEC_H265 ? VG_NAL_H265 : VG_NAL_H264,
                                       f->data, f->len);
    /*
     * A key frame a little behind the last frame is a repeat, not a new
     * picture: GStreamer's RTSP server sends a joining client its key frame
     * twice, the second copy a few ticks earlier, and the frames after it
     * follow the second copy's clock. Dropping the copy and moving that
     * clock onto the first keeps the frames evenly spaced (a segment cut
     * "at 1 s" must not miss its key frame by 15 ticks). B-frames, which do
     * come earlier, are never key frames; a camera whose clock jumps back
     * goes back by more than half a second (timestamps.h makes that a
     * discontinuity).
     */
    int64_t clock = rt->media->clock_rate > 0 ? rt->media->clock_rate : tr->clock_rate;
    if (key && rt->has_last_pts && pts <= rt->last_pts && rt->last_pts - pts < clock / 2) {
        VG_LOG_DEBUG("source", "source=%s a key frame repeated %lld ticks earlier; dropped",
                     s->opt->label, (long long)(rt->last_pts - pts));
        rt->extended += rt->last_pts - pts;
        return;
    }
    rt->has_last_pts = true;
    rt->last_pts = pts;
    /* A camera can walk its clock anywhere, 2^31 ticks a frame: bound it before any product. */
    if (pts < -VG_TS_LIMIT || pts > VG_TS_LIMIT)
        return;
    if (tr->is_video && clock != tr->clock_rate) /* a video clock other than 90 kHz */
        pts = (int64_t)((__int128)pts * tr->clock_rate / clock);
    int64_t dts = pts;
    if (tr->is_video)
        dts = vg_reorder_dts(&rt->reorder, pts,
                             tr->nominal_fps > 1 ? (int64_t)(tr->clock_rate / tr->nominal_fps)
                                                 : tr->clock_rate / 25,
                             tr->clock_rate);
    bool discontinuity = vg_ts_normalize(&rt->ts, &s->origin, &dts, &pts);

    vg_au *au = NULL;
    if (tr->is_video) {
        vg_track *changed = NULL;
        int rc = vg_ingest_video_packet(&rt->video, tr, f->data, f->len, &au, &changed);
        if (changed) {
            /* New parameters in-band: a new track generation for every reader. */
            size_t i = (size_t)(rt - s->tracks);
            vg_track_unref(&rt->track);
            rt->track = s->track_list[i] = changed;
            vg_source_thread_emit_tracks(s->t, s->track_list, s->track_count);
        }
        if (rc < 0 || !au)
            return;
        if (rt->wait_key && !(au->flags & VG_AU_KEY)) {
            vg_au_unref(&au);
            return;
        }
        rt->wait_key = false;
    } else {
        if (!(au = vg_au_create(f->len)))
            return;
        memcpy(au->data, f->data, f->len);
    }
    vg_source_thread_emit_frame(s->t, au, (uint32_t)(rt - s->tracks), dts, pts, discontinuity);
}

static void on_interleaved(session *s, unsigned channel, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < s->track_count; i++) {
        rtsp_track *rt = &s->tracks[i];
        if (rt->channel_rtp != (int)channel || rt->track->codec == VG_CODEC_UNSUPPORTED)
            continue;
        vg_rtp_packet pkt;
        if (vg_rtp_packet_parse(data, len, &pkt) == 0)
            vg_depack_push(&rt->depack, &pkt, on_frame, rt);
        s->last_packet_us = vg_source_now_us();
        return;
    }
    /* RTCP, or a channel nobody set up: nothing vigil needs yet. */
}

/* ---- the steps ---- */

/* A 3xx answer with a Location: REDIRECTED with s->location set; else 0. */
static int redirected(session *s, int status, const vg_rtsp_message *m)
{
    const vg_slice *loc = vg_rtsp_header_get(m, "Location");
    if (status / 100 != 3 || !loc || !loc->len || loc->len >= sizeof(s->location))
        return 0;
    vg_slice_copy(s->location, sizeof(s->location), *loc);
    return REDIRECTED;
}

/* OPTIONS and DESCRIBE, then the tracks. 0, REDIRECTED, or -1 with the reason set. */
static int open_session(session *s)
{
    vg_rtsp_message m;
    int status = request(s, "OPTIONS", s->url, NULL, &m);
    if (status < 0)
        return -1;
    if (redirected(s, status, &m))
        return REDIRECTED;
    /* Some cameras refuse OPTIONS (or want authentication only there): go on regardless. */
    if (status / 100 == 2)
        s->get_parameter = slice_has_token(vg_rtsp_header_get(&m, "Public"), "GET_PARAMETER");

    status = request(s, "DESCRIBE", s->url, "Accept: application/sdp\r\n", &m);
    if (status < 0)
        return -1;
    if (redirected(s, status, &m))
        return REDIRECTED;
    if (status / 100 != 2) {
        fail_status(s, "DESCRIBE", &m);
        return -1;
    }
    char base[URL_CAP], given[URL_CAP];
    const vg_slice *b = vg_rtsp_header_get(&m, "Content-Base");
    if (!b || !b->len)
        b = vg_rtsp_header_get(&m, "Content-Location");
    if (b && b->len && b->len < sizeof(given)) {
        vg_slice_copy(given, sizeof(given), *b);
        /* A camera may echo its URL with the user and password: never into a request URI. */
        if (vg_rtsp_url_strip_userinfo(given, base, sizeof(base)) < 0)
            snprintf(base, sizeof(base), "%s", given);
        explicit_bzero(given, sizeof(given));
    } else {
        snprintf(base, sizeof(base), "%s", s->url);
    }
    char why[160];
    if (vg_rtsp_describe_parse((const char *)m.body.p, m.body.len, base, s->desc, why,
                               sizeof(why)) < 0) {
        fail(s, "cannot read the stream's tracks: the camera's description is not usable: %s", why);
        return -1;
    }
    return make_tracks(s);
}

static int setup_tracks(session *s)
{
    int channel = 0;
    for (size_t i = 0; i < s->track_count; i++) {
        rtsp_track *rt = &s->tracks[i];
        rt->channel_rtp = rt->channel_rtcp = -1;
        if (rt->track->codec == VG_CODEC_UNSUPPORTED)
            continue;
        char transport[96];
        snprintf(transport, sizeof(transport),
                 "Transport: RTP/AVP/TCP;unicast;interleaved=%d-%d\r\n", channel, channel + 1);
        vg_rtsp_message m;
        int status = request(s, "SETUP", rt->media->control, transport, &m);
        if (status < 0)
            return -1;
        if (status / 100 != 2) {
            fail_status(s, "SETUP", &m);
            return -1;
        }
        const vg_slice *sess = vg_rtsp_header_get(&m, "Session");
        if (!s->session_id[0]) {
            if (!sess || vg_rtsp_session_parse(*sess, s->session_id, sizeof(s->session_id),
                                               &s->timeout_s) < 0) {
                fail(s, "cannot open the stream: the camera's SETUP answer has no usable Session");
                return -1;
            }
        }
        vg_rtsp_transport tp = {0};
        const vg_slice *t = vg_rtsp_header_get(&m, "Transport");
        if (t && vg_rtsp_transport_parse(*t, &tp) == 0 && tp.has_interleaved) {
            rt->channel_rtp = tp.channel_rtp;
            rt->channel_rtcp = tp.channel_rtcp;
        } else if (t && vg_rtsp_transport_parse(*t, &tp) == 0 && !tp.tcp) {
            fail(s, "cannot open the stream: the camera does not offer RTP over TCP; set "
                    "rtsp_transport to udp");
            return -1;
        } else {
            rt->channel_rtp = channel, rt->channel_rtcp = channel + 1;
        }
        channel += 2;
    }
    return 0;
}

static int play(session *s)
{
    vg_rtsp_message m;
    int status = request(s, "PLAY", s->desc->aggregate_control, "Range: npt=0.000-\r\n", &m);
    if (status < 0)
        return -1;
    if (status / 100 != 2) {
        fail_status(s, "PLAY", &m);
        return -1;
    }
    /* RFC 2326 12.33: each track's rtptime at the same instant, the range's start. */
    const vg_slice *info = vg_rtsp_header_get(&m, "RTP-Info");
    vg_rtsp_rtp_info entries[MAX_TRACKS];
    int n = info ? vg_rtsp_rtp_info_parse(*info, entries, MAX_TRACKS) : 0;
    for (int e = 0; e < n; e++) {
        if (!entries[e].has_rtptime)
            continue;
        for (size_t i = 0; i < s->track_count; i++) {
            const char *control = s->tracks[i].media->control;
            size_t cl = strlen(control), ul = entries[e].url.len;
            /* The URL may be absolute or the control's tail: match the end. */
            if (ul && ul <= cl && memcmp(control + cl - ul, entries[e].url.p, ul) == 0) {
                s->tracks[i].has_rtptime = true;
                s->tracks[i].rtptime = entries[e].rtptime;
            }
        }
    }
    /* Tracks share time 0 only if every one knows its rtptime; else each starts at 0. */
    size_t known = 0, carried = 0;
    for (size_t i = 0; i < s->track_count; i++) {
        if (s->tracks[i].track->codec != VG_CODEC_UNSUPPORTED) {
            carried++;
            known += s->tracks[i].has_rtptime;
        }
    }
    if (known != carried) {
        for (size_t i = 0; i < s->track_count; i++)
            s->tracks[i].has_rtptime = false;
    }
    return 0;
}

/* Answers a request the camera sent us: we implement none. */
static void answer_server_request(session *s, const vg_rtsp_message *m)
{
    if (!s->warned_server_request) {
        s->warned_server_request = true;
        VG_LOG_INFO("source", "source=%s the camera sent a %.*s request; answered 501",
                    s->opt->label, (int)(m->method.len > 32 ? 32 : m->method.len), m->method.p);
    }
    char out[128];
    int len = snprintf(out, sizeof(out), "RTSP/1.0 501 Not Implemented\r\nCSeq: %d\r\n\r\n",
                       m->cseq < 0 ? 0 : m->cseq);
    send_all(s, out, (size_t)len);
}

/* Parses everything whole in the buffer. Returns 0, or -1 with the reason set. */
static int drain(session *s)
{
    while (s->head < s->len) {
        const uint8_t *p = s->buf + s->head;
        size_t avail = s->len - s->head;
        if (p[0] == '$') {
            if (avail < 4)
                return 0;
            size_t plen = (size_t)((p[2] << 8) | p[3]);
            if (avail < 4 + plen)
                return 0;
            on_interleaved(s, p[1], p + 4, plen);
            s->head += 4 + plen;
            s->garbage = 0;
            continue;
        }
        if ((p[0] >= 'A' && p[0] <= 'Z')) {
            vg_rtsp_message m;
            int rc = vg_rtsp_message_parse(p, avail, &m);
            if (rc == 0)
                return 0;
            if (rc == 1) {
                if (m.is_request)
                    answer_server_request(s, &m);
                else if (m.status == 454) {
                    fail(s, "the camera ended the session (454 Session Not Found)");
                    return -1;
                }
                s->head += m.size;
                s->garbage = 0;
                continue;
            }
        }
        /* Neither: skip a byte and look for the next '$' (a camera's stray bytes). */
        s->head++;
        if (++s->garbage > MAX_GARBAGE) {
            fail(s, "the camera sends data that is neither RTP nor RTSP");
            return -1;
        }
    }
    return 0;
}

/* RFC 2326 12.37: the session ends after `timeout` seconds of silence; half of it is safe. */
static int64_t keepalive_interval_us(const session *s)
{
    return s->timeout_s >= 2 ? (int64_t)s->timeout_s * 500000 : 1000000;
}

static void keepalive(session *s)
{
    const char *method = s->get_parameter ? "GET_PARAMETER" : "OPTIONS";
    if (send_request(s, method, s->desc->aggregate_control, NULL) < 0)
        VG_LOG_DEBUG("source", "source=%s keep-alive not sent", s->opt->label);
    s->next_keepalive_us = vg_source_now_us() + keepalive_interval_us(s);
}

static void read_loop(session *s)
{
    s->deadline_us = 0;
    s->last_packet_us = vg_source_now_us();
    s->next_keepalive_us = s->last_packet_us + keepalive_interval_us(s);
    for (;;) {
        if (vg_source_thread_should_stop(s->t)) {
            fail(s, "stopped");
            return;
        }
        if (receive(s) < 0 || drain(s) < 0)
            return;
        int64_t now = vg_source_now_us();
        if (now - s->last_packet_us > s->opt->read_timeout_ms * 1000) {
            fail(s, "no data from the camera for %lldms", (long long)s->opt->read_timeout_ms);
            return;
        }
        if (now >= s->next_keepalive_us)
            keepalive(s);
    }
}

static void teardown(session *s)
{
    if (s->fd < 0 || !s->session_id[0])
        return;
    /*
     * Best effort: the camera frees the session now rather than at its
     * timeout. The attempt's reason stays the user's: a TEARDOWN that
     * cannot go out writes its own elsewhere.
     */
    char *reason = s->reason, unsent[160];
    size_t reason_cap = s->reason_cap;
    s->reason = unsent;
    s->reason_cap = sizeof(unsent);
    s->deadline_us = vg_source_now_us() + 200000;
    send_request(s, "TEARDOWN", s->desc->aggregate_control, NULL);
    s->reason = reason;
    s->reason_cap = reason_cap;
}

/* ---- the attempt ---- */

/*
 * Takes `url` as the one to request (*u views into it): the camera's, or
 * where it redirected us. A redirect without a user keeps the camera's
 * credentials only on the same host: a password is never sent elsewhere.
 */
static int prepare_url(session *s, const char *url, vg_url *u)
{
    const char *why = NULL;
    if (vg_url_parse(url, strlen(url), u, &why) < 0 || strncasecmp(url, "rtsp://", 7) != 0) {
        fail(s, "%s is not a valid rtsp:// URL: %s", s->redirects ? "the redirect" : "the URL",
             why ? why : "another scheme");
        return -1;
    }
    if (s->redirects && !u->has_userinfo && s->has_credentials) {
        vg_url before;
        bool same_host = vg_url_parse(s->url, strlen(s->url), &before, &why) == 0 &&
                         before.host.len == u->host.len &&
                         strncasecmp(before.host.p, u->host.p, u->host.len) == 0;
        if (!same_host) {
            explicit_bzero(s->user, sizeof(s->user));
            explicit_bzero(s->pass, sizeof(s->pass));
            s->has_credentials = false;
        }
    }
    char stripped[URL_CAP];
    if (vg_rtsp_url_strip_userinfo(url, stripped, sizeof(stripped)) < 0) {
        fail(s, "the URL is too long");
        return -1;
    }
    memcpy(s->url, stripped, sizeof(s->url));
    if (u->has_userinfo) {
        if (vg_rtsp_userinfo_split(u->userinfo, s->user, sizeof(s->user), s->pass,
                                   sizeof(s->pass)) < 0) {
            fail(s, "the URL's user or password is not valid (too long, or a bad %%-escape)");
            return -1;
        }
        s->has_credentials = true;
    }
    return 0;
}

static void run_rtsp(vg_source_thread *t, char *reason, size_t cap)
{
    session *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(reason, cap, "out of memory");
        return;
    }
    s->t = t;
    s->opt = vg_source_thread_options(t);
    s->reason = reason;
    s->reason_cap = cap;
    s->fd = -1;
    s->timeout_s = 60;
    s->buf = malloc(RECV_CAP);
    s->desc = calloc(1, sizeof(*s->desc));
    vg_url u;
    if (!s->buf || !s->desc) {
        fail(s, "out of memory");
        goto out;
    }
    s->deadline_us = vg_source_now_us() + s->opt->connect_timeout_ms * 1000;
    const char *url = s->opt->url;
    for (;;) {
        if (prepare_url(s, url, &u) < 0 ||
            (s->fd = vg_source_tcp_connect(t, &u, s->deadline_us, reason, cap)) < 0)
            goto out;
        struct timeval tick = {.tv_sec = 0, .tv_usec = TICK_MS * 1000};
        int one = 1;
        setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
        setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tick, sizeof(tick));
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        int rc = open_session(s);
        if (rc < 0)
            goto out;
        if (rc != REDIRECTED)
            break;
        /* RFC 2326 11.3: the camera moved; a new connection to where it points. */
        if (++s->redirects > MAX_REDIRECTS) {
            fail(s, "cannot open the stream: more than %d redirects", MAX_REDIRECTS);
            goto out;
        }
        close(s->fd);
        s->fd = -1;
        s->head = s->len = 0;
        s->auth_set = false;
        url = s->location;
    }
    if (setup_tracks(s) < 0 || play(s) < 0)
        goto out;
    if (vg_source_thread_emit_tracks(t, s->track_list, s->track_count) < 0) {
        fail(s, "out of memory");
        goto out;
    }
    read_loop(s);

out:
    if (vg_source_thread_should_stop(t))
        snprintf(reason, cap, "stopped");
    teardown(s);
    if (s->fd >= 0)
        close(s->fd);
    for (size_t i = 0; i < s->track_count; i++) {
        vg_depack_deinit(&s->tracks[i].depack);
        if (s->tracks[i].track->is_video)
            vg_ingest_video_deinit(&s->tracks[i].video);
        vg_track_unref(&s->tracks[i].track);
    }
    explicit_bzero(s->user, sizeof(s->user));
    explicit_bzero(s->pass, sizeof(s->pass));
    explicit_bzero(&s->auth, sizeof(s->auth));
    free(s->buf);
    free(s->desc);
    free(s);
}

/*
 * rtsp:// with the TCP transport (the default). UDP and "auto" need RTP on
 * UDP ports, and rtsps:// TLS, which libavformat provides (lavf.c).
 */
static bool matches_rtsp_tcp(const vg_source_options *opt)
{
    return strncasecmp(opt->url, "rtsp://", 7) == 0 && opt->transport == VG_TRANSPORT_TCP;
}

const vg_source_kind vg_source_rtsp = {
    .name = "rtsp", .matches = matches_rtsp_tcp, .run = run_rtsp};
