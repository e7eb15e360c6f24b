/*
 * Unit tests for format/mp4_export.c: recordings written by format/fmp4.c
 * (25 fps video with a key frame every second, AAC-like audio), exported,
 * assembled from header + runs as the API layer would stream them, and
 * read back with a small box reader here: moov before mdat, the sample
 * tables, and every sample's bytes where stco/stsc/stsz say they are. With
 * real x264 pictures (libavcodec) and ffprobe installed, ffprobe must
 * decode every exported frame.
 */
#include "codec/h264.h"
#include "core/error.h"
#include "format/fmp4.h"
#include "format/mp4_export.h"
#include "source/ingest_video.h"
#include "vg_test.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <stdbool.h>

/* libx264 1280x720 High (as in test_fmp4.c): SPS, PPS. */
static const uint8_t sps_high_720p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};
static const uint8_t pps_high_720p[] = {0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0};
static const uint8_t asc_lc_44100_stereo[] = {0x12, 0x10};

static vg_track *h264_track(int height)
{
    uint8_t avcc[64];
    size_t avcc_len = 0;
    vg_track *t = vg_track_create(VG_CODEC_H264);
    if (!t ||
        vg_h264_avcc_build(sps_high_720p, sizeof(sps_high_720p), pps_high_720p,
                           sizeof(pps_high_720p), avcc, sizeof(avcc), &avcc_len) < 0 ||
        vg_track_set_config(t, avcc, avcc_len) < 0) {
        vg_track_unref(&t);
        return NULL;
    }
    t->width = 1280;
    t->height = height;
    t->is_video = true;
    t->clock_rate = 90000;
    return t;
}

static vg_track *aac_track(void)
{
    vg_track *t = vg_track_create(VG_CODEC_AAC);
    if (!t || vg_track_set_config(t, asc_lc_44100_stereo, sizeof(asc_lc_44100_stereo)) < 0) {
        vg_track_unref(&t);
        return NULL;
    }
    t->sample_rate = t->clock_rate = 44100;
    t->channels = 2;
    return t;
}

/* ---- bytes ------------------------------------------------------------------------------ */

typedef struct bytes {
    uint8_t *p;
    size_t len;
} bytes;

static bool append(bytes *b, const uint8_t *p, size_t len)
{
    uint8_t *grown = realloc(b->p, b->len + len + 1);
    if (!grown)
        return false;
    if (len)
        memcpy(grown + b->len, p, len);
    b->p = grown;
    b->len += len;
    return true;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* ---- source recordings ------------------------------------------------------------------ */

#define FPS          25
#define VIDEO_DELTA  3600 /* 1/25 s at 90 kHz */
#define VIDEO_CTS    7200 /* every picture two frames after its decode time, as with B-frames */
#define AUDIO_DELTA  1024
#define AUDIO_RATE   44100
#define PAYLOAD_SIZE 24

/* The distinct bytes of sample `i` of track `tr` (0 video, 1 audio) of file `file`. */
static void fake_payload(uint8_t *p, int file, int tr, size_t i)
{
    for (size_t k = 0; k < PAYLOAD_SIZE; k++)
        p[k] = (uint8_t)(file * 131 + tr * 61 + i * 7 + k);
    p[0] = (uint8_t)(0xf0 | file << 1 | tr);
    p[1] = (uint8_t)(i >> 8);
    p[2] = (uint8_t)i;
}

/*
 * A recording of `seconds` seconds: one fragment per second with that
 * second's video samples (key frame first) and the audio samples whose dts
 * falls in it. `video` (when not NULL) gives real pictures, else the fake
 * payload. `height` changes the stsd.
 */
typedef struct picture {
    const uint8_t *data;
    size_t size;
    bool key;
} picture;

static bool build_recording_with(bytes *out, int file, int seconds, bool with_audio, int height,
                                 const picture *video, vg_track *video_track)
{
    memset(out, 0, sizeof(*out));
    vg_track *tracks[2] = {video_track ? vg_track_ref(video_track) : h264_track(height),
                           with_audio ? aac_track() : NULL};
    uint8_t *buf = NULL;
    size_t len = 0;
    bool ok = tracks[0] && (!with_audio || tracks[1]) &&
              vg_fmp4_write_init(tracks, with_audio ? 2 : 1, &buf, &len) == 0 &&
              append(out, buf, len);
    free(buf);
    vg_track_unref(&tracks[0]);
    vg_track_unref(&tracks[1]);
    static uint8_t payload[2][64][PAYLOAD_SIZE];
    vg_fmp4_sample samples[2][64];
    for (int f = 0; ok && f < seconds; f++) {
        for (size_t i = 0; i < FPS; i++) {
            size_t n = (size_t)f * FPS + i;
            fake_payload(payload[0][i], file, 0, n);
            samples[0][i] = (vg_fmp4_sample){
                .data = video ? video[n].data : payload[0][i],
                .size = video ? video[n].size : PAYLOAD_SIZE,
                .duration = VIDEO_DELTA,
                .cts_offset = video ? 0 : VIDEO_CTS,
                .key = video ? video[n].key : i == 0,
            };
        }
        size_t a0 = ((size_t)f * AUDIO_RATE + AUDIO_DELTA - 1) / AUDIO_DELTA;
        size_t a1 = ((size_t)(f + 1) * AUDIO_RATE + AUDIO_DELTA - 1) / AUDIO_DELTA;
        for (size_t k = a0; k < a1; k++) {
            fake_payload(payload[1][k - a0], file, 1, k);
            samples[1][k - a0] = (vg_fmp4_sample){
                .data = payload[1][k - a0],
                .size = PAYLOAD_SIZE,
                .duration = AUDIO_DELTA,
                .key = true,
            };
        }
        vg_fmp4_run runs[2] = {
            {.track_id = 1,
             .base_dts = (uint64_t)f * FPS * VIDEO_DELTA,
             .samples = samples[0],
             .count = FPS},
            {.track_id = 2, .base_dts = a0 * AUDIO_DELTA, .samples = samples[1], .count = a1 - a0},
        };
        ok = vg_fmp4_write_fragment((uint32_t)f + 1, runs, with_audio ? 2 : 1, &buf, &len) == 0 &&
             append(out, buf, len);
        free(buf);
    }
    return ok;
}

static bool build_recording(bytes *out, int file, int seconds, bool with_audio, int height,
                            const picture *video)
{
    return build_recording_with(out, file, seconds, with_audio, height, video, NULL);
}

/* ---- assembling and reading back -------------------------------------------------------- */

/* Header + runs, as the API layer streams them. */
static bool assemble(vg_mp4_export *ex, const bytes *sources, bytes *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *header = NULL;
    size_t header_len = 0;
    if (vg_mp4_export_header(ex, &header, &header_len) != 0)
        return false;
    bool ok = append(out, header, header_len);
    free(header);
    size_t count = 0;
    const vg_mp4_export_run *runs = vg_mp4_export_runs(ex, &count);
    for (size_t i = 0; ok && i < count; i++) {
        const bytes *src = &sources[runs[i].file_index];
        ok = runs[i].offset + runs[i].length <= src->len &&
             append(out, src->p + runs[i].offset, (size_t)runs[i].length);
    }
    return ok && out->len == vg_mp4_export_size(ex);
}

typedef struct slice {
    const uint8_t *p;
    size_t len;
} slice;

/* The payload of the `nth` child box of type `type` in `parent` ({NULL, 0} when absent). */
static slice child(slice parent, const char *type, int nth)
{
    size_t at = 0;
    while (parent.p && at + 8 <= parent.len) {
        size_t size = get_u32(parent.p + at);
        size_t hdr = 8;
        if (size == 1 && at + 16 <= parent.len) {
            size = (size_t)get_u64(parent.p + at + 8);
            hdr = 16;
        }
        if (size < hdr || size > parent.len - at)
            break;
        if (memcmp(parent.p + at + 4, type, 4) == 0 && nth-- == 0)
            return (slice){parent.p + at + hdr, size - hdr};
        at += size;
    }
    return (slice){NULL, 0};
}

/* Offset of the first top-level box of `type`, or SIZE_MAX. */
static size_t top_offset(const bytes *file, const char *type)
{
    slice s = child((slice){file->p, file->len}, type, 0);
    return s.p ? (size_t)(s.p - file->p) : SIZE_MAX;
}

/* A track's sample table, read back. */
typedef struct table {
    size_t count;
    uint64_t offsets[512];
    uint32_t sizes[512];
    uint64_t duration; /* stts total */
    uint32_t sync[64];
    size_t sync_count; /* SIZE_MAX when there is no stss */
    bool has_ctts, has_elst;
    int64_t elst_media_time;
    char handler[5];
} table;

/* Reads trak `nth` of the moov: sizes (stsz), offsets (stsc + stco/co64), stts, stss, elst. */
static bool read_table(const bytes *file, int nth, table *t)
{
    memset(t, 0, sizeof(*t));
    slice moov = child((slice){file->p, file->len}, "moov", 0);
    slice trak = child(moov, "trak", nth);
    slice mdia = child(trak, "mdia", 0);
    slice hdlr = child(mdia, "hdlr", 0);
    slice stbl = child(child(mdia, "minf", 0), "stbl", 0);
    slice stsz = child(stbl, "stsz", 0), stsc = child(stbl, "stsc", 0);
    slice stco = child(stbl, "stco", 0), co64 = child(stbl, "co64", 0);
    slice stts = child(stbl, "stts", 0), stss = child(stbl, "stss", 0);
    slice elst = child(child(trak, "edts", 0), "elst", 0);
    if (!hdlr.p || !stsz.p || !stsc.p || (!stco.p && !co64.p) || !stts.p ||
        !child(stbl, "stsd", 0).p)
        return false;
    memcpy(t->handler, hdlr.p + 8, 4);
    t->has_ctts = child(stbl, "ctts", 0).p != NULL;
    t->has_elst = elst.p != NULL;
    if (elst.p) /* version 0, one entry: segment_duration, media_time */
        t->elst_media_time = (int32_t)get_u32(elst.p + 12);
    uint32_t fixed = get_u32(stsz.p + 4);
    t->count = get_u32(stsz.p + 8);
    if (t->count > 512)
        return false;
    for (size_t i = 0; i < t->count; i++)
        t->sizes[i] = fixed ? fixed : get_u32(stsz.p + 12 + 4 * i);
    for (uint32_t i = 0, n = get_u32(stts.p + 4); i < n; i++)
        t->duration += (uint64_t)get_u32(stts.p + 8 + 8 * i) * get_u32(stts.p + 12 + 8 * i);
    t->sync_count = SIZE_MAX;
    if (stss.p) {
        t->sync_count = get_u32(stss.p + 4);
        for (size_t i = 0; i < t->sync_count && i < 64; i++)
            t->sync[i] = get_u32(stss.p + 8 + 4 * i);
    }
    /* 8.7.4: stsc runs of chunks, each chunk's samples back to back from its offset. */
    slice co = stco.p ? stco : co64;
    uint32_t chunks = get_u32(co.p + 4), entries = get_u32(stsc.p + 4);
    size_t sample = 0;
    for (uint32_t c = 0; c < chunks; c++) {
        uint32_t per_chunk = 0;
        for (uint32_t e = 0; e < entries; e++)
            if (get_u32(stsc.p + 8 + 12 * e) <= c + 1)
                per_chunk = get_u32(stsc.p + 12 + 12 * e);
        uint64_t at = stco.p ? get_u32(co.p + 8 + 4 * c) : get_u64(co.p + 8 + 8 * c);
        for (uint32_t k = 0; k < per_chunk && sample < t->count; k++, sample++) {
            t->offsets[sample] = at;
            at += t->sizes[sample];
        }
    }
    return sample == t->count;
}

/* Whether the sample at `offset` is sample `i` of track `tr` of file `file` (fake payloads). */
static bool payload_is(const bytes *out, uint64_t offset, uint32_t size, int file, int tr, size_t i)
{
    uint8_t want[PAYLOAD_SIZE];
    fake_payload(want, file, tr, i);
    return size == PAYLOAD_SIZE && offset + size <= out->len &&
           memcmp(out->p + offset, want, PAYLOAD_SIZE) == 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

/*
 * [1.5 s, 2.5 s) of a 3 s recording, then [0, 1 s) of a 2 s one. Pictures
 * show at (i * 40 + 80) ms, key frames at i = 0, 25, 50, ...
 *
 *   file 0: the last key frame shown at or before 1500 ms is i = 25 (1080 ms);
 *           the last picture shown before 2500 ms is i = 60 (2480 ms): 36 pictures,
 *           spanning [1080, 2520) ms: audio k * 1024 / 44.1 ms in it is k = 47..108.
 *   file 1: no key frame at or before 0 ms: the first, i = 0; the last before
 *           1000 ms is i = 22: 23 pictures, [80, 1000) ms: audio k = 4..43.
 */
static void test_two_files(void)
{
    bytes src[2];
    CHECK(build_recording(&src[0], 0, 3, true, 720, NULL));
    CHECK(build_recording(&src[1], 1, 2, true, 720, NULL));
    vg_mp4_export *ex = vg_mp4_export_create();
    CHECK(ex != NULL);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, src[0].p, src[0].len, 1500, 2500), 0);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 1, src[1].p, src[1].len, 0, 1000), 0);
    CHECK_INT_EQ(vg_mp4_export_duration_ms(ex), (36 + 23) * 40);

    size_t run_count = 0;
    vg_mp4_export_run const *runs = vg_mp4_export_runs(ex, &run_count);
    CHECK(run_count >= 2);
    for (size_t i = 1; i < run_count; i++) /* merged: no two runs of a file touch */
        CHECK(runs[i].file_index != runs[i - 1].file_index ||
              runs[i - 1].offset + runs[i - 1].length != runs[i].offset);

    bytes out;
    CHECK(assemble(ex, src, &out));
    size_t moov = top_offset(&out, "moov"), mdat = top_offset(&out, "mdat");
    CHECK(top_offset(&out, "ftyp") == 8);
    CHECK(moov != SIZE_MAX && mdat != SIZE_MAX && moov < mdat);
    CHECK(top_offset(&out, "moof") == SIZE_MAX);

    table v, a;
    CHECK(read_table(&out, 0, &v));
    CHECK(read_table(&out, 1, &a));
    CHECK_STR_EQ(v.handler, "vide");
    CHECK_STR_EQ(a.handler, "soun");
    CHECK_INT_EQ(v.count, 36 + 23);
    CHECK_INT_EQ(a.count, (108 - 47 + 1) + (43 - 4 + 1));
    CHECK_INT_EQ(v.duration, (uint64_t)v.count * VIDEO_DELTA);
    CHECK_INT_EQ(a.duration, (uint64_t)a.count * AUDIO_DELTA);
    /* Key frames: file 0's i = 25 and 50, file 1's i = 0; the first sample is one. */
    CHECK_INT_EQ(v.sync_count, 3);
    CHECK_INT_EQ(v.sync[0], 1);
    CHECK_INT_EQ(v.sync[1], 26);
    CHECK_INT_EQ(v.sync[2], 37);
    CHECK_INT_EQ(a.sync_count, SIZE_MAX); /* all sync: no stss */
    CHECK(v.has_ctts && !a.has_ctts);
    CHECK(v.has_elst && !a.has_elst);
    CHECK_INT_EQ(v.elst_media_time, VIDEO_CTS);

    for (size_t i = 0; i < v.count; i++) {
        bool second = i >= 36;
        CHECK(payload_is(&out, v.offsets[i], v.sizes[i], second, 0, second ? i - 36 : 25 + i));
        CHECK(v.offsets[i] >= mdat);
    }
    for (size_t k = 0; k < a.count; k++) {
        bool second = k >= 62;
        CHECK(payload_is(&out, a.offsets[k], a.sizes[k], second, 1, second ? k - 62 + 4 : 47 + k));
    }
    /* The mdat holds exactly the samples. */
    CHECK_INT_EQ(get_u32(out.p + mdat - 8), out.len - (mdat - 8));
    CHECK_INT_EQ(out.len - mdat, (v.count + a.count) * PAYLOAD_SIZE);

    free(out.p);
    vg_mp4_export_destroy(ex);
    free(src[0].p);
    free(src[1].p);
}

static void test_video_only_whole_file(void)
{
    bytes src;
    CHECK(build_recording(&src, 0, 2, false, 720, NULL));
    vg_mp4_export *ex = vg_mp4_export_create();
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, src.p, src.len, 0, 100000), 0);
    size_t run_count = 0;
    vg_mp4_export_runs(ex, &run_count);
    CHECK_INT_EQ(run_count, 2); /* one per source mdat */
    bytes out;
    CHECK(assemble(ex, &src, &out));
    table v;
    CHECK(read_table(&out, 0, &v));
    CHECK_INT_EQ(v.count, 50);
    for (size_t i = 0; i < v.count; i++)
        CHECK(payload_is(&out, v.offsets[i], v.sizes[i], 0, 0, i));
    CHECK(child(child((slice){out.p, out.len}, "moov", 0), "trak", 1).p == NULL);
    free(out.p);
    vg_mp4_export_destroy(ex);
    free(src.p);
}

static void test_errors(void)
{
    vg_mp4_export *ex = vg_mp4_export_create();
    uint8_t *header = (uint8_t *)"x";
    size_t len = 1;
    CHECK_INT_EQ(vg_mp4_export_header(ex, &header, &len), VG_ENOENT);
    CHECK(header == NULL && len == 0);
    CHECK_INT_EQ(vg_mp4_export_size(ex), 0);

    uint8_t garbage[256];
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (uint8_t)(i * 37 + 11);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, garbage, sizeof(garbage), 0, 1000), VG_ESYNTAX);

    bytes a, b, c;
    CHECK(build_recording(&a, 0, 2, true, 720, NULL));
    CHECK(build_recording(&b, 1, 2, true, 360, NULL));  /* another size: other stsd bytes */
    CHECK(build_recording(&c, 2, 2, false, 720, NULL)); /* no audio track */
    /* A range with nothing in it adds nothing. */
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, a.p, a.len, 5000, 6000), 0);
    CHECK_INT_EQ(vg_mp4_export_header(ex, &header, &len), VG_ENOENT);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, a.p, a.len, 0, 1000), 0);
    uint64_t size = vg_mp4_export_size(ex);
    CHECK(size > 0);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 1, b.p, b.len, 0, 1000), VG_ESTATE);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 2, c.p, c.len, 0, 1000), VG_ESTATE);
    CHECK_INT_EQ(vg_mp4_export_size(ex), size); /* unchanged by the refused files */
    CHECK_INT_EQ(vg_mp4_export_header(ex, &header, &len), 0);
    CHECK_INT_EQ(len + 0, size - 23 * PAYLOAD_SIZE - 40 * PAYLOAD_SIZE); /* see test_two_files */
    free(header);
    vg_mp4_export_destroy(ex);
    vg_mp4_export_destroy(NULL);
    free(a.p);
    free(b.p);
    free(c.p);
}

/* ---- real H.264, checked by ffprobe ----------------------------------------------------- */

#define REAL_FRAMES 125

/*
 * x264 AUs (AVCC, as source/ingest_video.c makes them) and their track: 25
 * fps, 320x240, no B-frames, an IDR every 25 frames exactly.
 */
static bool encode_h264(vg_au **aus, size_t *count, vg_track **track_out)
{
    *count = 0;
    *track_out = NULL;
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c)
        return false;
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    ctx->width = 320;
    ctx->height = 240;
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->time_base = (AVRational){1, FPS};
    ctx->framerate = (AVRational){FPS, 1};
    ctx->gop_size = FPS;
    ctx->max_b_frames = 0;
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
    av_opt_set(ctx->priv_data, "x264-params", "scenecut=0:keyint=25:min-keyint=25:log=-1", 0);
    if (avcodec_open2(ctx, c, NULL) < 0) {
        avcodec_free_context(&ctx);
        return false;
    }
    vg_track *track = vg_track_create(VG_CODEC_H264);
    track->clock_rate = 90000;
    track->is_video = true;
    vg_ingest_video v;
    CHECK_INT_EQ(vg_ingest_video_init(&v, track, ctx->extradata, (size_t)ctx->extradata_size), 0);
    AVFrame *f = av_frame_alloc();
    f->width = ctx->width;
    f->height = ctx->height;
    f->format = AV_PIX_FMT_YUV420P;
    CHECK(av_frame_get_buffer(f, 0) == 0);
    AVPacket *pkt = av_packet_alloc();
    for (int i = 0; i <= REAL_FRAMES; i++) {
        if (i < REAL_FRAMES) {
            CHECK(av_frame_make_writable(f) == 0);
            for (int y = 0; y < f->height; y++)
                for (int x = 0; x < f->width; x++)
                    f->data[0][y * f->linesize[0] + x] = (uint8_t)(x + y + i * 3);
            memset(f->data[1], 128, (size_t)f->linesize[1] * (size_t)f->height / 2);
            memset(f->data[2], 128, (size_t)f->linesize[2] * (size_t)f->height / 2);
            f->pts = i;
            CHECK(avcodec_send_frame(ctx, f) == 0);
        } else {
            avcodec_send_frame(ctx, NULL); /* drain */
        }
        while (avcodec_receive_packet(ctx, pkt) == 0) {
            vg_au *au = NULL;
            vg_track *changed = NULL;
            CHECK_INT_EQ(
                vg_ingest_video_packet(&v, track, pkt->data, (size_t)pkt->size, &au, &changed), 0);
            vg_track_unref(&changed);
            if (au && *count < REAL_FRAMES)
                aus[(*count)++] = au;
            else
                vg_au_unref(&au);
            av_packet_unref(pkt);
        }
    }
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    vg_ingest_video_deinit(&v);
    *track_out = track;
    return *count == REAL_FRAMES;
}

/*
 * Two recordings of real pictures (frames 0-74 and 75-124, each starting
 * on an IDR at decode time 0); [1.5 s, 2.5 s) of the first is frames
 * 25-62, [0, 1 s) of the second its frames 0-24: 63 frames, which ffprobe
 * must decode from the assembled export.
 */
static void test_ffprobe_decodes_the_export(void)
{
    vg_au *aus[REAL_FRAMES] = {NULL};
    size_t count = 0;
    vg_track *track = NULL;
    if (!encode_h264(aus, &count, &track)) {
        fprintf(stderr, "  skipped: FFmpeg has no libx264 encoder\n");
        for (size_t i = 0; i < count; i++)
            vg_au_unref(&aus[i]);
        vg_track_unref(&track);
        return;
    }
    picture pictures[REAL_FRAMES];
    for (size_t i = 0; i < REAL_FRAMES; i++) {
        pictures[i] = (picture){aus[i]->data, aus[i]->size, (aus[i]->flags & VG_AU_KEY) != 0};
        CHECK(pictures[i].key == (i % FPS == 0));
    }
    bytes src[2];
    CHECK(build_recording_with(&src[0], 0, 3, false, 0, pictures, track));
    CHECK(build_recording_with(&src[1], 1, 2, false, 0, pictures + 3 * FPS, track));
    vg_mp4_export *ex = vg_mp4_export_create();
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 0, src[0].p, src[0].len, 1500, 2500), 0);
    CHECK_INT_EQ(vg_mp4_export_add_file(ex, 1, src[1].p, src[1].len, 0, 1000), 0);
    CHECK_INT_EQ(vg_mp4_export_duration_ms(ex), 63 * 40);
    bytes out;
    CHECK(assemble(ex, src, &out));
    table v;
    CHECK(read_table(&out, 0, &v));
    CHECK_INT_EQ(v.count, 63);
    CHECK(!v.has_ctts && !v.has_elst); /* no B-frames: no composition offsets */
    for (size_t i = 0; i < v.count; i++) {
        const picture *p = &pictures[i < 38 ? 25 + i : 3 * FPS + i - 38];
        CHECK(v.sizes[i] == p->size && memcmp(out.p + v.offsets[i], p->data, p->size) == 0);
    }

    if (system("command -v ffprobe >/dev/null 2>&1") != 0) {
        fprintf(stderr, "  ffprobe not found: the boxes were checked, not decoding\n");
    } else {
        char dir[512], path[600], cmd[800], line[128] = "";
        vg_test_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/export.mp4", dir);
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(out.p, 1, out.len, f) == out.len);
        if (f)
            fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "ffprobe -v error -count_frames -show_entries stream=nb_read_frames,codec_name "
                 "-of csv=p=0 '%s' 2>&1",
                 path);
        FILE *p = popen(cmd, "r");
        CHECK(p != NULL);
        if (p) {
            if (!fgets(line, sizeof(line), p))
                line[0] = 0;
            char rest[256];
            while (fgets(rest, sizeof(rest), p)) { /* errors, if any, fail the test */
                fprintf(stderr, "  ffprobe: %s", rest);
                CHECK(!"ffprobe printed more than one line");
            }
            CHECK_INT_EQ(pclose(p), 0);
        }
        line[strcspn(line, "\r\n")] = 0;
        CHECK_STR_EQ(line, "h264,63");
        remove(path);
        rmdir(dir);
    }
    free(out.p);
    vg_mp4_export_destroy(ex);
    free(src[0].p);
    free(src[1].p);
    for (size_t i = 0; i < count; i++)
        vg_au_unref(&aus[i]);
    vg_track_unref(&track);
}

int main(void)
{
    VG_TEST_RUN(test_two_files);
    VG_TEST_RUN(test_video_only_whole_file);
    VG_TEST_RUN(test_errors);
    VG_TEST_RUN(test_ffprobe_decodes_the_export);
    return vg_test_done();
}
