/*
 * Unit tests for still/decoder.c and still/jpeg.c: real H.264 (and H.265
 * when FFmpeg has libx265) made by libavcodec's encoders, turned into
 * vigil's AVCC AUs and track by source/ingest_video.c as a camera's packets
 * would be, decoded, encoded as JPEG, and read back with TurboJPEG.
 *
 * The picture, in limited range (BT.601):
 *
 *   +---------------+---------------+
 *   | white Y=235   | black Y=16    |
 *   +---------------+---------------+
 *   | red 81/90/240 | grey, with a  |
 *   |               | moving box    |
 *   +---------------+---------------+
 *
 * so a JPEG whose range was not converted shows grey-ish white (235) and
 * black (16), and one with unconverted chroma a pale red.
 */
#include "core/error.h"
#include "source/ingest_video.h"
#include "still/decoder.h"
#include "still/jpeg.h"
#include "vg_test.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/pixfmt.h>
#include <turbojpeg.h>

#define MAX_AUS        64
#define WALLCLOCK_BASE 1700000000000000000LL

typedef struct stream {
    vg_track *track;
    vg_au *aus[MAX_AUS];
    size_t count;
} stream;

static void stream_free(stream *s)
{
    for (size_t i = 0; i < s->count; i++)
        vg_au_unref(&s->aus[i]);
    vg_track_unref(&s->track);
    s->count = 0;
}

/* Writes frame `i` of the test picture into `f` (yuv420p, limited range). */
static void draw(AVFrame *f, int i)
{
    int w = f->width, h = f->height;
    for (int y = 0; y < h; y++) {
        uint8_t *row = f->data[0] + (size_t)y * f->linesize[0];
        for (int x = 0; x < w; x++) {
            bool top = y < h / 2, left = x < w / 2;
            row[x] = top ? (left ? 235 : 16) : (left ? 81 : 126);
        }
    }
    for (int y = 0; y < (h + 1) / 2; y++) {
        uint8_t *u = f->data[1] + (size_t)y * f->linesize[1];
        uint8_t *v = f->data[2] + (size_t)y * f->linesize[2];
        for (int x = 0; x < (w + 1) / 2; x++) {
            bool red = y >= h / 4 && x < w / 4;
            u[x] = red ? 90 : 128;
            v[x] = red ? 240 : 128;
        }
    }
    /* A box moving inside the bottom-right quarter, so P-frames carry real data. */
    int bx = w / 2 + (i * 16) % (w / 2 - 32), by = h * 5 / 8;
    for (int y = by; y < by + 32 && y < h; y++)
        memset(f->data[0] + (size_t)y * f->linesize[0] + bx, 200, 32);
}

/*
 * Encodes `frames` frames with `encoder` and converts every packet as a
 * camera's would be (source/ingest_video.c): AVCC AUs and a track with its
 * avcC/hvcC. Returns false when FFmpeg lacks the encoder.
 */
static bool make_stream(const char *encoder, vg_codec codec, int w, int h, int frames, int gop,
                        int bframes, stream *out)
{
    memset(out, 0, sizeof(*out));
    const AVCodec *c = avcodec_find_encoder_by_name(encoder);
    if (!c)
        return false;
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    CHECK(ctx != NULL);
    ctx->width = w;
    ctx->height = h;
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->color_range = AVCOL_RANGE_MPEG;
    ctx->time_base = (AVRational){1, 25};
    ctx->framerate = (AVRational){25, 1};
    ctx->gop_size = gop;
    ctx->max_b_frames = bframes;
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER; /* parameter sets in extradata, as in an SDP */
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    if (codec == VG_CODEC_H264) {
        if (!bframes)
            av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
    } else {
        /* IDR key frames (no open GOP), and quiet. */
        av_opt_set(ctx->priv_data, "x265-params",
                   bframes ? "log-level=error:open-gop=0:bframes=2"
                           : "log-level=error:open-gop=0:bframes=0",
                   0);
    }
    if (avcodec_open2(ctx, c, NULL) < 0) {
        avcodec_free_context(&ctx);
        return false;
    }

    out->track = vg_track_create(codec);
    out->track->clock_rate = 90000;
    out->track->is_video = true;
    snprintf(out->track->codec_name, sizeof(out->track->codec_name), "%s",
             codec == VG_CODEC_H265 ? "hevc" : "h264");
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, out->track, ctx->extradata, (size_t)ctx->extradata_size),
                 0);
    CHECK(out->track->config != NULL);

    AVFrame *f = av_frame_alloc();
    f->width = w;
    f->height = h;
    f->format = AV_PIX_FMT_YUV420P;
    f->color_range = AVCOL_RANGE_MPEG;
    CHECK(av_frame_get_buffer(f, 0) == 0);
    AVPacket *pkt = av_packet_alloc();
    for (int i = 0; i <= frames; i++) {
        if (i < frames) {
            CHECK(av_frame_make_writable(f) == 0);
            draw(f, i);
            f->pts = i;
            CHECK(avcodec_send_frame(ctx, f) == 0);
        } else {
            avcodec_send_frame(ctx, NULL); /* drain */
        }
        while (avcodec_receive_packet(ctx, pkt) == 0) {
            vg_au *au = NULL;
            vg_track *changed = NULL;
            CHECK_INT_EQ(
                vg_ingest_video_packet(&v, out->track, pkt->data, (size_t)pkt->size, &au, &changed),
                0);
            vg_track_unref(&changed);
            if (au && out->count < MAX_AUS) {
                au->pts = pkt->pts * 3600; /* 1/25 s in 90 kHz */
                au->dts = pkt->dts * 3600;
                au->wallclock_ns = WALLCLOCK_BASE + pkt->pts * 40000000LL;
                out->aus[out->count++] = au;
            } else {
                vg_au_unref(&au);
            }
            av_packet_unref(pkt);
        }
    }
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    vg_ingest_video_deinit(&v);
    return true;
}

/* A decoded JPEG: RGB pixels. */
typedef struct rgb_image {
    int w, h, subsamp;
    uint8_t *px;
} rgb_image;

static bool jpeg_read(const uint8_t *jpeg, size_t len, rgb_image *img)
{
    memset(img, 0, sizeof(*img));
    tjhandle tj = tjInitDecompress();
    int colorspace = 0;
    bool ok = tjDecompressHeader3(tj, jpeg, (unsigned long)len, &img->w, &img->h, &img->subsamp,
                                  &colorspace) == 0;
    if (ok) {
        img->px = malloc((size_t)img->w * img->h * 3);
        ok = tjDecompress2(tj, jpeg, (unsigned long)len, img->px, img->w, 0, img->h, TJPF_RGB, 0) ==
             0;
    }
    tjDestroy(tj);
    return ok;
}

/* The mean of one channel over a 9x9 patch centred at fractions (fx, fy) of the image. */
static int mean_at(const rgb_image *img, double fx, double fy, int channel)
{
    int cx = (int)(fx * img->w), cy = (int)(fy * img->h);
    int sum = 0, n = 0;
    for (int y = cy - 4; y <= cy + 4; y++)
        for (int x = cx - 4; x <= cx + 4; x++) {
            if (x < 0 || y < 0 || x >= img->w || y >= img->h)
                continue;
            sum += img->px[((size_t)y * img->w + x) * 3 + channel];
            n++;
        }
    return n ? sum / n : -1;
}

/* White, black and (when `red`) red where the test picture has them, within a few levels. */
static void check_colours(const rgb_image *img, bool red)
{
    for (int c = 0; c < 3; c++) {
        int white = mean_at(img, 0.25, 0.25, c), black = mean_at(img, 0.75, 0.25, c);
        if (white < 250 || black > 5)
            fprintf(stderr, "  channel %d: white %d black %d\n", c, white, black);
        CHECK(white >= 250);
        CHECK(black <= 5);
    }
    if (red) {
        int r = mean_at(img, 0.25, 0.75, 0), g = mean_at(img, 0.25, 0.75, 1),
            b = mean_at(img, 0.25, 0.75, 2);
        if (r < 240 || g > 15 || b > 15)
            fprintf(stderr, "  red: %d %d %d\n", r, g, b);
        CHECK(r >= 240);
        CHECK(g <= 15);
        CHECK(b <= 15);
    }
}

/* Encodes `picture` at `width` and checks the JPEG's size and colours. */
static void check_jpeg(vg_still_jpeg *enc, const AVFrame *picture, int width, int want_w,
                       int want_h, bool red)
{
    uint8_t *jpeg = NULL;
    size_t len = 0;
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, picture, width, 85, &jpeg, &len), 0);
    CHECK(jpeg != NULL && len > 100);
    CHECK(jpeg && jpeg[0] == 0xff && jpeg[1] == 0xd8); /* SOI */
    int out_w = -1, out_h = -1;
    vg_still_jpeg_output_size(picture, width, &out_w, &out_h);
    CHECK_INT_EQ(out_w, want_w);
    CHECK_INT_EQ(out_h, want_h);
    rgb_image img;
    CHECK(jpeg_read(jpeg, len, &img));
    CHECK_INT_EQ(img.w, want_w);
    CHECK_INT_EQ(img.h, want_h);
    CHECK_INT_EQ(img.subsamp, TJSAMP_420);
    if (img.px && img.w >= 32 && img.h >= 32) /* the patches need room */
        check_colours(&img, red);
    free(img.px);
    free(jpeg);
}

static void test_h264_every_au_gives_its_picture(void)
{
    stream s;
    if (!make_stream("libx264", VG_CODEC_H264, 1280, 720, 12, 6, 0, &s)) {
        fprintf(stderr, "  skipped: FFmpeg has no libx264 encoder\n");
        return;
    }
    CHECK_INT_EQ(s.count, 12);
    CHECK(s.aus[0]->flags & VG_AU_KEY);
    CHECK(s.aus[6]->flags & VG_AU_KEY);
    CHECK(!(s.aus[1]->flags & VG_AU_KEY));

    char err[128];
    vg_still_decoder *dec = vg_still_decoder_create(s.track, err, sizeof(err));
    CHECK(dec != NULL);
    if (!dec) {
        fprintf(stderr, "  %s\n", err);
        stream_free(&s);
        return;
    }
    int64_t wallclock = -1;
    CHECK(vg_still_decoder_picture(dec, &wallclock) == NULL);
    CHECK_INT_EQ(wallclock, 0);
    for (size_t i = 0; i < s.count; i++) {
        /* No delay: the picture of AU i comes out of AU i. */
        CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[i]), 1);
        const AVFrame *pic = vg_still_decoder_picture(dec, &wallclock);
        CHECK(pic != NULL);
        if (!pic)
            continue;
        CHECK_INT_EQ(pic->width, 1280);
        CHECK_INT_EQ(pic->height, 720);
        CHECK_INT_EQ(pic->format, AV_PIX_FMT_YUV420P);
        CHECK_INT_EQ(pic->pts, s.aus[i]->pts);
        CHECK_INT_EQ(wallclock, s.aus[i]->wallclock_ns);
    }

    vg_still_jpeg *enc = vg_still_jpeg_create();
    CHECK(enc != NULL);
    const AVFrame *pic = vg_still_decoder_picture(dec, NULL);
    if (pic && enc) {
        check_jpeg(enc, pic, 0, 1280, 720, true);
        check_jpeg(enc, pic, 320, 320, 180, true);
        check_jpeg(enc, pic, 640, 640, 360, true);
        check_jpeg(enc, pic, 1280, 1280, 720, true);
        check_jpeg(enc, pic, 4000, 1280, 720, true); /* no upscaling */
        check_jpeg(enc, pic, 5, 16, 10, false);      /* at least 16 wide; 9 rounds to 10 */
        check_jpeg(enc, pic, 0, 1280, 720, true);    /* the same encoder again, back to full size */
    }
    vg_still_jpeg_destroy(enc);
    vg_still_decoder_destroy(dec);
    stream_free(&s);
}

static void test_h265(void)
{
    stream s;
    if (!make_stream("libx265", VG_CODEC_H265, 640, 360, 8, 4, 0, &s)) {
        fprintf(stderr, "  skipped: FFmpeg has no libx265 encoder\n");
        return;
    }
    CHECK_INT_EQ(s.count, 8);
    CHECK(s.track->config && s.track->config[0] == 1); /* hvcC */
    char err[128];
    vg_still_decoder *dec = vg_still_decoder_create(s.track, err, sizeof(err));
    CHECK(dec != NULL);
    vg_still_jpeg *enc = vg_still_jpeg_create();
    for (size_t i = 0; dec && i < s.count; i++) {
        CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[i]), 1);
        int64_t wallclock = 0;
        const AVFrame *pic = vg_still_decoder_picture(dec, &wallclock);
        CHECK(pic && pic->pts == s.aus[i]->pts);
        CHECK_INT_EQ(wallclock, s.aus[i]->wallclock_ns);
    }
    const AVFrame *pic = dec ? vg_still_decoder_picture(dec, NULL) : NULL;
    if (pic) {
        check_jpeg(enc, pic, 0, 640, 360, true);
        check_jpeg(enc, pic, 320, 320, 180, true);
    }
    vg_still_jpeg_destroy(enc);
    vg_still_decoder_destroy(dec);
    stream_free(&s);
}

/*
 * With B-frames the decoder reorders as the SPS requires: pictures come
 * out late but in display order, each with its own AU's timestamps.
 */
static void test_h264_b_frames_come_out_in_order(void)
{
    stream s;
    if (!make_stream("libx264", VG_CODEC_H264, 320, 240, 16, 100, 2, &s)) {
        fprintf(stderr, "  skipped: FFmpeg has no libx264 encoder\n");
        return;
    }
    CHECK_INT_EQ(s.count, 16);
    vg_still_decoder *dec = vg_still_decoder_create(s.track, NULL, 0);
    CHECK(dec != NULL);
    int pictures = 0, first = -1;
    int64_t last_pts = INT64_MIN;
    for (size_t i = 0; dec && i < s.count; i++) {
        int rc = vg_still_decoder_decode(dec, s.aus[i]);
        CHECK(rc == 0 || rc == 1);
        if (rc != 1)
            continue;
        int64_t wallclock;
        const AVFrame *pic = vg_still_decoder_picture(dec, &wallclock);
        CHECK(pic != NULL);
        if (!pic)
            continue;
        if (first < 0)
            first = (int)i;
        CHECK(pic->pts > last_pts);
        CHECK_INT_EQ(wallclock, WALLCLOCK_BASE + pic->pts / 3600 * 40000000LL);
        last_pts = pic->pts;
        pictures++;
    }
    CHECK(first >= 1 && first <= 3);
    CHECK_INT_EQ(pictures, 16 - first); /* the rest wait for more AUs */
    vg_still_decoder_destroy(dec);
    stream_free(&s);
}

/* A copy of `au` with the same timestamps and flags. */
static vg_au *au_copy(const vg_au *au)
{
    vg_au *c = vg_au_create(au->size);
    memcpy(c->data, au->data, au->size);
    c->pts = au->pts;
    c->dts = au->dts;
    c->wallclock_ns = au->wallclock_ns;
    c->flags = au->flags;
    return c;
}

static void test_corrupt_au_and_recovery(void)
{
    stream s;
    if (!make_stream("libx264", VG_CODEC_H264, 640, 360, 12, 6, 0, &s)) {
        fprintf(stderr, "  skipped: FFmpeg has no libx264 encoder\n");
        return;
    }
    vg_still_decoder *dec = vg_still_decoder_create(s.track, NULL, 0);
    CHECK(dec != NULL);
    if (!dec) {
        stream_free(&s);
        return;
    }
    /* Before the first key frame, AUs are skipped. */
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[1]), 0);
    CHECK(vg_still_decoder_picture(dec, NULL) == NULL);
    for (size_t i = 0; i < 3; i++)
        CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[i]), 1);

    /* P-frame 3 with its slice data overwritten by noise, the AVCC framing intact. */
    vg_au *bad = au_copy(s.aus[3]);
    uint32_t seed = 12345;
    for (size_t k = bad->size / 3; k < bad->size; k++) {
        seed = seed * 1103515245u + 12345u;
        bad->data[k] = (uint8_t)(seed >> 16);
    }
    CHECK(vg_still_decoder_decode(dec, bad) < 0);
    CHECK(vg_still_decoder_picture(dec, NULL) == NULL);
    vg_au_unref(&bad);
    /* It waits for a key frame: the P-frames that follow give nothing. */
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[4]), 0);
    vg_still_decoder_flush(dec);
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[5]), 0);
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[6]), 1); /* the next key frame */
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[7]), 1);
    int64_t wallclock;
    const AVFrame *pic = vg_still_decoder_picture(dec, &wallclock);
    CHECK(pic && pic->pts == s.aus[7]->pts);
    CHECK_INT_EQ(wallclock, s.aus[7]->wallclock_ns);

    /* Broken AVCC framing: a NAL length that runs past the end. */
    bad = au_copy(s.aus[8]);
    bad->data[0] = 0x7f;
    CHECK_INT_EQ(vg_still_decoder_decode(dec, bad), VG_ESYNTAX);
    vg_au_unref(&bad);
    CHECK(vg_still_decoder_picture(dec, NULL) == NULL);
    CHECK_INT_EQ(vg_still_decoder_decode(dec, s.aus[9]), 0);

    /* An empty AU is the caller's mistake, not the stream's: state kept. */
    vg_au *empty = vg_au_create(0);
    CHECK_INT_EQ(vg_still_decoder_decode(dec, empty), VG_EINVAL);
    vg_au_unref(&empty);

    vg_still_decoder_destroy(dec);
    stream_free(&s);
}

static void test_create_refuses(void)
{
    char err[128];
    vg_track *t = vg_track_create(VG_CODEC_AAC);
    CHECK(vg_still_decoder_create(t, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "aac") != NULL);
    vg_track_unref(&t);

    t = vg_track_create(VG_CODEC_H264);
    CHECK(vg_still_decoder_create(t, err, sizeof(err)) == NULL); /* no avcC */
    CHECK(err[0] != '\0');
    static const uint8_t junk[] = {0x00, 0x00, 0x00, 0x01, 0x67, 0x42};
    CHECK_INT_EQ(vg_track_set_config(t, junk, sizeof(junk)), 0);
    CHECK(vg_still_decoder_create(t, err, sizeof(err)) == NULL); /* Annex-B, not avcC */
    CHECK(strstr(err, "avcC") != NULL);
    CHECK(vg_still_decoder_create(t, NULL, 0) == NULL);
    vg_track_unref(&t);
    CHECK(vg_still_decoder_create(NULL, err, sizeof(err)) == NULL);

    vg_still_decoder_destroy(NULL);
    vg_still_jpeg_destroy(NULL);
}

/*
 * A hand-made frame: white on the left half, black on the right, in
 * `format` at its range. Returns NULL for a format this helper does not draw.
 */
static AVFrame *make_frame(enum AVPixelFormat format, enum AVColorRange range, int w, int h)
{
    AVFrame *f = av_frame_alloc();
    f->width = w;
    f->height = h;
    f->format = format;
    f->color_range = range;
    /* 64-byte alignment: linesize is larger than the width for odd sizes. */
    CHECK(av_frame_get_buffer(f, 64) == 0);
    bool full = range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P;
    int white = full ? 255 : 235, black = full ? 0 : 16;
    int chroma_h = format == AV_PIX_FMT_YUV422P ? h : (h + 1) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = x < w / 2 ? white : black;
            if (format == AV_PIX_FMT_YUV420P10LE)
                ((uint16_t *)(f->data[0] + (size_t)y * f->linesize[0]))[x] = (uint16_t)(v << 2);
            else
                f->data[0][(size_t)y * f->linesize[0] + x] = (uint8_t)v;
        }
    for (int y = 0; y < chroma_h; y++) {
        if (format == AV_PIX_FMT_NV12) {
            memset(f->data[1] + (size_t)y * f->linesize[1], 128, (size_t)((w + 1) / 2) * 2);
        } else if (format == AV_PIX_FMT_YUV420P10LE) {
            for (int p = 1; p < 3; p++)
                for (int x = 0; x < (w + 1) / 2; x++)
                    ((uint16_t *)(f->data[p] + (size_t)y * f->linesize[p]))[x] = 512;
        } else {
            memset(f->data[1] + (size_t)y * f->linesize[1], 128, (size_t)(w + 1) / 2);
            memset(f->data[2] + (size_t)y * f->linesize[2], 128, (size_t)(w + 1) / 2);
        }
    }
    return f;
}

static void test_jpeg_formats_and_ranges(void)
{
    static const struct {
        enum AVPixelFormat format;
        enum AVColorRange range;
    } cases[] = {
        {AV_PIX_FMT_YUVJ420P, AVCOL_RANGE_JPEG},           /* as is: no conversion */
        {AV_PIX_FMT_YUV420P, AVCOL_RANGE_JPEG},            /* full range by flag */
        {AV_PIX_FMT_YUV420P, AVCOL_RANGE_MPEG},            /* limited: stretched */
        {AV_PIX_FMT_YUV420P, AVCOL_RANGE_UNSPECIFIED},     /* limited by default */
        {AV_PIX_FMT_YUV422P, AVCOL_RANGE_MPEG},            /* 4:2:2 to 4:2:0 */
        {AV_PIX_FMT_NV12, AVCOL_RANGE_MPEG},               /* interleaved chroma */
        {AV_PIX_FMT_YUV420P10LE, AVCOL_RANGE_UNSPECIFIED}, /* 10-bit */
    };
    vg_still_jpeg *enc = vg_still_jpeg_create();
    CHECK(enc != NULL);
    for (size_t i = 0; enc && i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* An odd size: strides past the width, odd chroma sizes, TurboJPEG's partial MCUs. */
        AVFrame *f = make_frame(cases[i].format, cases[i].range, 101, 51);
        CHECK(f->linesize[0] > 101);
        check_jpeg(enc, f, 0, 101, 51, false);
        check_jpeg(enc, f, 50, 50, 26, false); /* 25.2 rounds to 26 */
        av_frame_free(&f);
    }
    vg_still_jpeg_destroy(enc);
}

static void test_jpeg_refuses(void)
{
    vg_still_jpeg *enc = vg_still_jpeg_create();
    AVFrame *f = make_frame(AV_PIX_FMT_YUV420P, AVCOL_RANGE_MPEG, 64, 48);
    static uint8_t sentinel[1];
    uint8_t *jpeg = sentinel;
    size_t len = 7;
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, f, 0, 0, &jpeg, &len), VG_EINVAL);
    CHECK(jpeg == NULL && len == 0);
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, f, 0, 101, &jpeg, &len), VG_EINVAL);
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, f, -1, 80, &jpeg, &len), VG_EINVAL);
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, NULL, 0, 80, &jpeg, &len), VG_EINVAL);
    CHECK(jpeg == NULL);
    int out_w = -1, out_h = -1;
    vg_still_jpeg_output_size(NULL, 0, &out_w, &out_h);
    CHECK(out_w == 0 && out_h == 0);
    vg_still_jpeg_output_size(f, -1, &out_w, &out_h);
    CHECK(out_w == 0 && out_h == 0);

    /* Quality 1 and 100 are fine; 100 is larger. */
    size_t low = 0, high = 0;
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, f, 0, 1, &jpeg, &low), 0);
    free(jpeg);
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, f, 0, 100, &jpeg, &high), 0);
    free(jpeg);
    CHECK(low > 0 && high > low);

    /* Narrower than 16: never upscaled, so its own size. */
    AVFrame *tiny = make_frame(AV_PIX_FMT_YUV420P, AVCOL_RANGE_MPEG, 8, 8);
    check_jpeg(enc, tiny, 4, 8, 8, false);
    av_frame_free(&tiny);

    /* A format swscale does not read. */
    AVFrame *hw = av_frame_alloc();
    hw->width = 64;
    hw->height = 48;
    hw->format = AV_PIX_FMT_VAAPI;
    hw->data[0] = f->data[0];
    CHECK_INT_EQ(vg_still_jpeg_encode(enc, hw, 0, 80, &jpeg, &len), VG_EINVAL);
    hw->data[0] = NULL;
    av_frame_free(&hw);

    /*
     * Noise at quality 100 outgrows the output buffer sized by the first,
     * small picture: TurboJPEG grows it, and the grown one is used again.
     */
    AVFrame *noise = make_frame(AV_PIX_FMT_YUVJ420P, AVCOL_RANGE_JPEG, 1024, 768);
    uint32_t seed = 1;
    for (int y = 0; y < noise->height; y++)
        for (int x = 0; x < noise->width; x++) {
            seed = seed * 1103515245u + 12345u;
            noise->data[0][(size_t)y * noise->linesize[0] + x] = (uint8_t)(seed >> 16);
        }
    for (int i = 0; i < 2; i++) {
        CHECK_INT_EQ(vg_still_jpeg_encode(enc, noise, 0, 100, &jpeg, &len), 0);
        CHECK(len > 200000);
        rgb_image img;
        CHECK(jpeg_read(jpeg, len, &img));
        CHECK(img.w == 1024 && img.h == 768);
        free(img.px);
        free(jpeg);
    }
    av_frame_free(&noise);

    av_frame_free(&f);
    vg_still_jpeg_destroy(enc);
}

/*
 * libx265 3.5 leaks buffers of its frame filters when an encoder closes
 * (x265_malloc in FrameFilter::init): not ours, and not to fail the test.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libx265.so\n";
}

/* ...and says nothing about it either. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

int main(void)
{
    av_log_set_level(AV_LOG_FATAL); /* the corrupt AU makes libavcodec complain */
    VG_TEST_RUN(test_h264_every_au_gives_its_picture);
    VG_TEST_RUN(test_h265);
    VG_TEST_RUN(test_h264_b_frames_come_out_in_order);
    VG_TEST_RUN(test_corrupt_au_and_recovery);
    VG_TEST_RUN(test_create_refuses);
    VG_TEST_RUN(test_jpeg_formats_and_ranges);
    VG_TEST_RUN(test_jpeg_refuses);
    return vg_test_done();
}
