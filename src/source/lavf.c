/*
 * lavf.c: a camera pulled with libavformat, on the source's thread.
 *
 * One attempt:
 *   1. reachability (seed 003): resolve the host and TCP-connect within the
 *      connect timeout, so that an unreachable camera is reported as
 *      "camera not reachable: HOST:PORT: REASON" rather than a generic
 *      libavformat error;
 *   2. avformat_open_input + avformat_find_stream_info, bounded by the
 *      connect timeout through the interrupt callback (which also makes
 *      vg_source_stop() prompt, even mid-connect);
 *   3. tracks from the streams; then av_read_frame until an error, the end,
 *      no packet within the read timeout, or a stop.
 * Video is normalised to AVCC (codec/nal.h); timestamps are made monotonic
 * (timestamps.h).
 *
 * FFmpeg logs through vg_log (source/ffmpeg.c), which redacts URLs; vigil
 * never passes the URL to its own log lines.
 */
#include "source/source.h"

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "source/connect.h"
#include "source/ffmpeg.h"
#include "source/ingest_video.h"
#include "source/timestamps.h"

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavutil/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_TRACKS  8
#define MAX_JUMP_US (10 * 1000000LL)

typedef struct attempt {
    vg_source_thread *t;
    const vg_source_options *opt;
    int64_t deadline_us; /* av_gettime_relative(); the interrupt callback fails past it */
    bool timed_out;      /* the callback fired for the deadline (FFmpeg may report otherwise) */
    AVFormatContext *fmt;

    vg_track *tracks[MAX_TRACKS];
    int stream_track[MAX_TRACKS]; /* stream index -> track index, -1 when ignored */
    unsigned streams_at_start;    /* streams known when the tracks were made */
    size_t track_count, supported;
    bool warned_late_stream;
    vg_ts_track ts[MAX_TRACKS];
    vg_ts_origin origin;
    vg_ingest_video video[MAX_TRACKS];
} attempt;

/* ---- the interrupt callback: stop requests and deadlines ---- */

static int interrupt_cb(void *opaque)
{
    attempt *a = opaque;
    if (vg_source_thread_should_stop(a->t))
        return 1;
    if (a->deadline_us && av_gettime_relative() > a->deadline_us) {
        a->timed_out = true;
        return 1;
    }
    return 0;
}

/* ---- 1. reachability ---- */

/*
 * Resolves and TCP-connects to the URL's host within the connect timeout
 * (source/connect.h). Returns 0, or -1 with `reason` set. A URL without a
 * host (a local file) or a known port is not checked.
 */
static int check_reachable(attempt *a, char *reason, size_t cap)
{
    vg_url u;
    const char *why;
    const char *url = a->opt->url;
    if (vg_url_parse(url, strlen(url), &u, &why) < 0 || !u.has_authority ||
        (!u.port && !vg_source_default_port(u.scheme)))
        return 0;
    int fd = vg_source_tcp_connect(a->t, &u, a->deadline_us, reason, cap);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* ---- 2. open ---- */

/* Words a user can act on for an FFmpeg error; never the URL. */
static void describe_av_error(int err, const char *what, char *reason, size_t cap)
{
    char text[128];
    if (err == AVERROR_HTTP_UNAUTHORIZED || err == AVERROR(EACCES))
        snprintf(reason, cap, "%s: authentication failed (check the user and password)", what);
    else if (err == AVERROR_HTTP_NOT_FOUND)
        snprintf(reason, cap, "%s: stream not found (404): check the path", what);
    else if (err == AVERROR_INVALIDDATA)
        snprintf(reason, cap,
                 "%s: the camera's answer is not a stream vigil can read "
                 "(wrong port or protocol?)",
                 what);
    else if (err == AVERROR_EXIT || err == AVERROR(ETIMEDOUT))
        snprintf(reason, cap, "%s: timed out", what);
    else {
        av_strerror(err, text, sizeof(text));
        snprintf(reason, cap, "%s: %s", what, text);
    }
}

static bool is_rtsp(const char *url)
{
    return strncasecmp(url, "rtsp://", 7) == 0 || strncasecmp(url, "rtsps://", 8) == 0;
}

static int open_input(attempt *a, char *reason, size_t cap)
{
    AVDictionary *opts = NULL;
    if (is_rtsp(a->opt->url)) {
        if (a->opt->transport == VG_TRANSPORT_TCP)
            av_dict_set(&opts, "rtsp_transport", "tcp", 0);
        else if (a->opt->transport == VG_TRANSPORT_UDP)
            av_dict_set(&opts, "rtsp_transport", "udp", 0);
        /* Cameras announce their codecs in the SDP: no long probing. */
        av_dict_set(&opts, "analyzeduration", "1000000", 0);
    }
    av_dict_set(&opts, "probesize", "1000000", 0);

    a->fmt = avformat_alloc_context();
    if (!a->fmt) {
        av_dict_free(&opts);
        snprintf(reason, cap, "out of memory");
        return -1;
    }
    a->fmt->interrupt_callback = (AVIOInterruptCB){interrupt_cb, a};
    int err = avformat_open_input(&a->fmt, a->opt->url, NULL, &opts);
    av_dict_free(&opts);
    if (err < 0) {
        /* avformat_open_input frees the context on failure. */
        if (a->timed_out) /* FFmpeg's RTSP code reports an interrupted read as invalid data */
            snprintf(reason, cap,
                     "cannot open the stream: timed out after %lldms (the camera "
                     "did not answer)",
                     (long long)a->opt->connect_timeout_ms);
        else
            describe_av_error(err, "cannot open the stream", reason, cap);
        return -1;
    }
    if ((err = avformat_find_stream_info(a->fmt, NULL)) < 0) {
        if (a->timed_out)
            snprintf(reason, cap, "cannot read the stream's tracks: timed out after %lldms",
                     (long long)a->opt->connect_timeout_ms);
        else
            describe_av_error(err, "cannot read the stream's tracks", reason, cap);
        return -1;
    }
    return 0;
}

/* ---- 3. tracks ---- */

static vg_codec codec_of(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_H264:
        return VG_CODEC_H264;
    case AV_CODEC_ID_HEVC:
        return VG_CODEC_H265;
    case AV_CODEC_ID_AAC:
        return VG_CODEC_AAC;
    case AV_CODEC_ID_PCM_MULAW:
        return VG_CODEC_PCMU;
    case AV_CODEC_ID_PCM_ALAW:
        return VG_CODEC_PCMA;
    case AV_CODEC_ID_OPUS:
        return VG_CODEC_OPUS;
    default:
        return VG_CODEC_UNSUPPORTED;
    }
}

static int make_tracks(attempt *a, char *reason, size_t cap)
{
    char unsupported[128] = "";
    /*
     * The streams known now are the attempt's tracks. A stream that appears
     * later (MPEG-TS may add one mid-stream) is ignored: it is not track 0.
     */
    a->streams_at_start = a->fmt->nb_streams < MAX_TRACKS ? a->fmt->nb_streams : MAX_TRACKS;
    for (unsigned i = 0; i < a->streams_at_start; i++) {
        AVStream *st = a->fmt->streams[i];
        AVCodecParameters *par = st->codecpar;
        if (par->codec_type != AVMEDIA_TYPE_VIDEO && par->codec_type != AVMEDIA_TYPE_AUDIO)
            continue;
        vg_track *tr = vg_track_create(codec_of(par->codec_id));
        if (!tr) {
            snprintf(reason, cap, "out of memory");
            return -1;
        }
        snprintf(tr->codec_name, sizeof(tr->codec_name), "%s", avcodec_get_name(par->codec_id));
        if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
            tr->sample_rate = par->sample_rate;
            tr->channels = par->ch_layout.nb_channels;
            tr->clock_rate = par->sample_rate > 0 ? par->sample_rate : 8000;
            if (par->extradata_size)
                vg_track_set_config(tr, par->extradata, (size_t)par->extradata_size);
            if (tr->codec == VG_CODEC_AAC)
                snprintf(tr->codec_string, sizeof(tr->codec_string), "mp4a.40.%d",
                         par->profile >= 0 ? par->profile + 1 : 2);
        } else {
            tr->width = par->width;
            tr->height = par->height;
            tr->profile = par->profile;
            tr->level = par->level;
            AVRational fr = av_guess_frame_rate(a->fmt, st, NULL);
            tr->nominal_fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0;
            if (tr->codec != VG_CODEC_UNSUPPORTED &&
                vg_ingest_video_init(&a->video[a->track_count], tr, par->extradata,
                                     (size_t)par->extradata_size) < 0) {
                /* No usable parameter sets yet: they may come in-band with the first key frame. */
                VG_LOG_DEBUG("source",
                             "source=%s no parameter sets in the SDP; waiting for in-band",
                             a->opt->label);
            }
        }
        tr->video_kind = par->codec_type == AVMEDIA_TYPE_VIDEO;
        if (tr->codec == VG_CODEC_UNSUPPORTED) {
            VG_LOG_WARN("source", "source=%s track %u: codec %s is not supported; ignored",
                        a->opt->label, i, tr->codec_name);
            size_t used = strlen(unsupported);
            snprintf(unsupported + used, sizeof(unsupported) - used, "%s%s %s", used ? ", " : "",
                     tr->video_kind ? "video" : "audio", tr->codec_name);
        } else {
            a->supported++;
        }
        vg_ts_track_init(&a->ts[a->track_count], tr->clock_rate, MAX_JUMP_US);
        a->stream_track[i] = (int)a->track_count;
        a->tracks[a->track_count++] = tr;
    }
    if (!a->track_count) {
        snprintf(reason, cap, "the stream has no audio or video track");
        return -1;
    }
    if (!a->supported) {
        /* Nothing to carry: say so, rather than sit in STARTING while the packets flow. */
        snprintf(reason, cap,
                 "no supported track (%s): vigil carries H.264, H.265, AAC, G.711 "
                 "and Opus",
                 unsupported);
        return -1;
    }
    return 0;
}

/* ---- 4. packets ---- */

static void handle_packet(attempt *a, AVPacket *pkt)
{
    if (pkt->stream_index < 0 || (unsigned)pkt->stream_index >= a->streams_at_start) {
        if (!a->warned_late_stream) {
            a->warned_late_stream = true;
            VG_LOG_WARN("source",
                        "source=%s a stream appeared after the start; ignored until "
                        "the next reconnect",
                        a->opt->label);
        }
        return;
    }
    int ti = a->stream_track[pkt->stream_index];
    if (ti < 0)
        return;
    vg_track *tr = a->tracks[ti];
    if (tr->codec == VG_CODEC_UNSUPPORTED || pkt->size <= 0)
        return;
    AVStream *st = a->fmt->streams[pkt->stream_index];

    int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
    if (dts == AV_NOPTS_VALUE)
        return; /* no time at all: cannot be placed */
    AVRational clock = {1, tr->clock_rate};
    dts = av_rescale_q(dts, st->time_base, clock);
    pts = av_rescale_q(pts, st->time_base, clock);
    /*
     * A timestamp that overflowed (INT64_MIN) or lies beyond 2^53 ticks
     * (centuries at 90 kHz) is a broken camera, not a time: dropped, so the
     * arithmetic below cannot overflow (timestamps.h's precondition).
     */
    if (dts < -VG_TS_LIMIT || dts > VG_TS_LIMIT || pts < -VG_TS_LIMIT || pts > VG_TS_LIMIT)
        return;
    bool discontinuity = vg_ts_normalize(&a->ts[ti], &a->origin, &dts, &pts);

    vg_au *au = NULL;
    if (tr->is_video) {
        vg_track *changed = NULL;
        int rc =
            vg_ingest_video_packet(&a->video[ti], tr, pkt->data, (size_t)pkt->size, &au, &changed);
        if (changed) {
            /* New parameters in-band: a new track generation for every reader. */
            vg_track_unref(&a->tracks[ti]);
            a->tracks[ti] = changed;
            vg_source_thread_emit_tracks(a->t, a->tracks, a->track_count);
        }
        if (rc < 0 || !au)
            return;
    } else {
        if (!(au = vg_au_create((size_t)pkt->size)))
            return;
        memcpy(au->data, pkt->data, (size_t)pkt->size);
    }
    vg_source_thread_emit_frame(a->t, au, (uint32_t)ti, dts, pts, discontinuity);
}

static void run_lavf(vg_source_thread *t, char *reason, size_t cap)
{
    vg_ffmpeg_init();

    attempt a = {.t = t, .opt = vg_source_thread_options(t)};
    for (int i = 0; i < MAX_TRACKS; i++)
        a.stream_track[i] = -1; /* ignored until make_tracks says otherwise */
    AVPacket *pkt = NULL;
    a.deadline_us = av_gettime_relative() + a.opt->connect_timeout_ms * 1000;

    if (check_reachable(&a, reason, cap) < 0 || open_input(&a, reason, cap) < 0 ||
        make_tracks(&a, reason, cap) < 0)
        goto out;
    if (vg_source_thread_emit_tracks(t, a.tracks, a.track_count) < 0 ||
        !(pkt = av_packet_alloc())) {
        snprintf(reason, cap, "out of memory");
        goto out;
    }
    for (;;) {
        a.deadline_us = av_gettime_relative() + a.opt->read_timeout_ms * 1000;
        a.timed_out = false;
        int err = av_read_frame(a.fmt, pkt);
        if (err < 0) {
            if (a.timed_out) /* whatever FFmpeg made of the interruption */
                snprintf(reason, cap, "no data from the camera for %lldms",
                         (long long)a.opt->read_timeout_ms);
            else if (err == AVERROR_EOF)
                snprintf(reason, cap, "the stream ended");
            else if (err == AVERROR_EXIT && !vg_source_thread_should_stop(t))
                snprintf(reason, cap, "no data from the camera for %lldms",
                         (long long)a.opt->read_timeout_ms);
            else
                describe_av_error(err, "reading the stream failed", reason, cap);
            break;
        }
        handle_packet(&a, pkt);
        av_packet_unref(pkt);
    }

out:
    if (vg_source_thread_should_stop(t))
        snprintf(reason, cap, "stopped");
    av_packet_free(&pkt);
    avformat_close_input(&a.fmt);
    for (size_t i = 0; i < a.track_count; i++) {
        vg_ingest_video_deinit(&a.video[i]);
        vg_track_unref(&a.tracks[i]);
    }
}

static bool matches_any(const vg_source_options *opt)
{
    return true; /* what libavformat cannot open fails with its reason */
}

const vg_source_kind vg_source_lavf = {.name = "lavf", .matches = matches_any, .run = run_lavf};
