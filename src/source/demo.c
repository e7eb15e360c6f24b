/*
 * demo.c: the demo: source, a test pattern with the camera's name and a
 * running clock, encoded in process, so that a new user sees moving video
 * with no camera at all (issue 3).
 *
 *   libavfilter: testsrc2 640x360@15 ─▶ drawtext (name) ─▶ drawtext (clock) ─▶ yuv420p
 *   libavcodec:  libx264 ultrafast, zerolatency, a key frame every second, no B-frames
 *   then the same normalisation as a camera (ingest_video.c): AVCC, SPS/PPS with key frames.
 *
 * Frames are paced by the monotonic clock; the thread checks the stop flag
 * between frames, so stopping takes at most one frame interval.
 */
#include "source/source.h"

#include "core/error.h"
#include "core/log.h"
#include "source/connect.h"
#include "source/ffmpeg.h"
#include "source/ingest_video.h"

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEMO_WIDTH  640
#define DEMO_HEIGHT 360
#define DEMO_FPS    15
#define DEMO_FONT   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

typedef struct demo {
    AVFilterGraph *graph;
    AVFilterContext *sink;
    AVCodecContext *enc;
    AVFrame *frame;
    AVPacket *pkt;
    vg_track *track;
    vg_ingest_video video;
} demo;

static AVFilterContext *add_filter(AVFilterGraph *g, const char *filter, const char *name)
{
    return avfilter_graph_alloc_filter(g, avfilter_get_by_name(filter), name);
}

/* Sets options by name (no filtergraph escaping: a camera name may hold ':' or quotes). */
static int set(AVFilterContext *f, const char *key, const char *value)
{
    return av_opt_set(f, key, value, AV_OPT_SEARCH_CHILDREN);
}

static int build_graph(demo *d, const char *title, char *reason, size_t cap)
{
    char size[32], rate[16];
    snprintf(size, sizeof(size), "%dx%d", DEMO_WIDTH, DEMO_HEIGHT);
    snprintf(rate, sizeof(rate), "%d", DEMO_FPS);
    d->graph = avfilter_graph_alloc();
    if (!d->graph)
        goto oom;
    d->graph->nb_threads = 1; /* a demo must stay cheap */
    AVFilterContext *src = add_filter(d->graph, "testsrc2", "src");
    AVFilterContext *name = add_filter(d->graph, "drawtext", "name");
    AVFilterContext *clock = add_filter(d->graph, "drawtext", "clock");
    AVFilterContext *fmt = add_filter(d->graph, "format", "fmt");
    d->sink = add_filter(d->graph, "buffersink", "sink");
    if (!src || !name || !clock || !fmt || !d->sink)
        goto oom;
    if (set(src, "size", size) < 0 || set(src, "rate", rate) < 0)
        goto fail;
    AVFilterContext *texts[] = {name, clock};
    for (int i = 0; i < 2; i++) {
        if (set(texts[i], "fontfile", DEMO_FONT) < 0 || set(texts[i], "fontcolor", "white") < 0 ||
            set(texts[i], "box", "1") < 0 || set(texts[i], "boxcolor", "black@0.6") < 0 ||
            set(texts[i], "boxborderw", "6") < 0 || set(texts[i], "x", "16") < 0)
            goto fail;
    }
    if (set(name, "text", title) < 0 || set(name, "expansion", "none") < 0 ||
        set(name, "fontsize", "28") < 0 || set(name, "y", "16") < 0)
        goto fail;
    if (set(clock, "text", "%{localtime}") < 0 || set(clock, "expansion", "normal") < 0 ||
        set(clock, "fontsize", "24") < 0 || set(clock, "y", "h-th-16") < 0)
        goto fail;
    if (set(fmt, "pix_fmts", "yuv420p") < 0)
        goto fail;
    AVFilterContext *chain[] = {src, name, clock, fmt, d->sink};
    for (int i = 0; i < 5; i++) {
        if (avfilter_init_str(chain[i], NULL) < 0)
            goto fail;
        if (i && avfilter_link(chain[i - 1], 0, chain[i], 0) < 0)
            goto fail;
    }
    if (avfilter_graph_config(d->graph, NULL) < 0)
        goto fail;
    return 0;

oom:
    snprintf(reason, cap, "out of memory");
    return -1;
fail:
    snprintf(reason, cap, "demo: cannot build the test pattern (is %s installed?)", DEMO_FONT);
    return -1;
}

static int open_encoder(demo *d, char *reason, size_t cap)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        snprintf(reason, cap, "demo: FFmpeg has no libx264 encoder");
        return -1;
    }
    if (!(d->enc = avcodec_alloc_context3(codec)))
        goto oom;
    d->enc->width = DEMO_WIDTH;
    d->enc->height = DEMO_HEIGHT;
    d->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    d->enc->time_base = (AVRational){1, DEMO_FPS};
    d->enc->framerate = (AVRational){DEMO_FPS, 1};
    d->enc->gop_size = DEMO_FPS; /* a key frame every second */
    d->enc->max_b_frames = 0;
    d->enc->thread_count = 1;
    d->enc->bit_rate = 500000;
    /* No global header: x264 then repeats SPS/PPS before every key frame, as cameras do. */
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "preset", "ultrafast", 0);
    av_dict_set(&opts, "tune", "zerolatency", 0);
    int err = avcodec_open2(d->enc, codec, &opts);
    av_dict_free(&opts);
    if (err < 0) {
        snprintf(reason, cap, "demo: cannot open the H.264 encoder");
        return -1;
    }
    if (!(d->frame = av_frame_alloc()) || !(d->pkt = av_packet_alloc()))
        goto oom;
    if (!(d->track = vg_track_create(VG_CODEC_H264)))
        goto oom;
    snprintf(d->track->codec_name, sizeof(d->track->codec_name), "h264");
    d->track->nominal_fps = DEMO_FPS;
    d->track->width = DEMO_WIDTH;
    d->track->height = DEMO_HEIGHT;
    vg_ingest_video_init(&d->video, d->track, NULL, 0); /* parameter sets come in-band */
    return 0;

oom:
    snprintf(reason, cap, "out of memory");
    return -1;
}

/* Sleeps until `when_us`, waking every 50 ms to check the stop flag. False when stopping. */
static bool wait_until(vg_source_thread *t, int64_t when_us)
{
    for (;;) {
        if (vg_source_thread_should_stop(t))
            return false;
        int64_t now = vg_source_now_us();
        if (now >= when_us)
            return true;
        int64_t left = when_us - now;
        struct timespec nap = {0, (long)(left > 50000 ? 50000 : left) * 1000};
        nanosleep(&nap, NULL);
    }
}

/* Sends the encoder's packets on; false on a fatal error (reason set). */
static bool drain_encoder(vg_source_thread *t, demo *d, char *reason, size_t cap)
{
    for (;;) {
        int err = avcodec_receive_packet(d->enc, d->pkt);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return true;
        if (err < 0) {
            snprintf(reason, cap, "demo: the encoder failed");
            return false;
        }
        vg_au *au = NULL;
        vg_track *changed = NULL;
        vg_ingest_video_packet(&d->video, d->track, d->pkt->data, (size_t)d->pkt->size, &au,
                               &changed);
        if (changed) {
            vg_track_unref(&d->track);
            d->track = changed;
            vg_source_thread_emit_tracks(t, &d->track, 1);
        }
        if (au) {
            int64_t ts = d->pkt->pts * (90000 / DEMO_FPS);
            vg_source_thread_emit_frame(t, au, 0, ts, ts, false);
        }
        av_packet_unref(d->pkt);
    }
}

static void run_demo(vg_source_thread *t, char *reason, size_t cap)
{
    const vg_source_options *opt = vg_source_thread_options(t);
    const char *title = opt->title && opt->title[0] ? opt->title : opt->label;
    demo d = {0};
    vg_ffmpeg_init();
    if (build_graph(&d, title, reason, cap) < 0 || open_encoder(&d, reason, cap) < 0)
        goto out;
    VG_LOG_INFO("source", "source=%s demo pattern %dx%d@%d", opt->label, DEMO_WIDTH, DEMO_HEIGHT,
                DEMO_FPS);
    int64_t start = vg_source_now_us();
    for (int64_t i = 0;; i++) {
        if (!wait_until(t, start + i * 1000000 / DEMO_FPS))
            break;
        if (av_buffersink_get_frame(d.sink, d.frame) < 0) {
            snprintf(reason, cap, "demo: the test pattern ended");
            break;
        }
        d.frame->pts = i;
        d.frame->pict_type = AV_PICTURE_TYPE_NONE;
        int err = avcodec_send_frame(d.enc, d.frame);
        av_frame_unref(d.frame);
        if (err < 0) {
            snprintf(reason, cap, "demo: the encoder refused a frame");
            break;
        }
        if (!drain_encoder(t, &d, reason, cap))
            break;
    }

out:
    if (vg_source_thread_should_stop(t))
        snprintf(reason, cap, "stopped");
    vg_ingest_video_deinit(&d.video);
    vg_track_unref(&d.track);
    av_packet_free(&d.pkt);
    av_frame_free(&d.frame);
    avcodec_free_context(&d.enc);
    avfilter_graph_free(&d.graph);
}

static bool matches_demo(const vg_source_options *opt)
{
    return strncasecmp(opt->url, "demo:", 5) == 0;
}

const vg_source_kind vg_source_demo = {.name = "demo", .matches = matches_demo, .run = run_demo};
