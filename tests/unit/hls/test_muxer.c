/*
 * Unit tests for hls/muxer.c: a real path (core/path.h) fed synthetic
 * H.264 and AAC access units; the parts and segments are checked through
 * vg_hls_muxer_state_get().
 *
 * Timing in the defaults used here (1000 ms segments, 200 ms parts, 7
 * segments): at 25 fps a frame is 3600 ticks of 90 kHz, a part 5 frames
 * (18000), a segment 25 frames (90000).
 */
#include "codec/h264.h"
#include "core/error.h"
#include "core/path.h"
#include "format/fmp4.h"
#include "hls/muxer.h"
#include "hls/playlist.h"
#include "vg_test.h"

#define PART_TARGET    18000 /* 200 ms at 90 kHz */
#define SEGMENT_TARGET 90000 /* 1 s */
#define TICKS_25FPS    3600
#define TICKS_30FPS    3000

/* Capture time of dts 0: 2025-11-22T10:00:00Z. */
#define T0_NS INT64_C(1763805600000000000)

static uint64_t fake_ms = 1000;
static uint64_t fake_clock(void)
{
    return fake_ms;
}

/* ---- tracks (vectors from tests/unit/codec/test_h264.c: libx264 through ffmpeg 5.1) ---- */

/* testsrc2=size=640x360:rate=30, -profile:v baseline: "avc1.42c01e". */
static const uint8_t sps_baseline_360p[] = {
    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48,
};
static const uint8_t pps_baseline_360p[] = {0x68, 0xcb, 0x83, 0xcb, 0x20};

/* testsrc2=size=1280x720:rate=25, -profile:v high: "avc1.64001f". */
static const uint8_t sps_high_720p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};
static const uint8_t pps_high_720p[] = {0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0};

/* An H.264 track as a source makes it: size and codec string from the SPS, an avcC. */
static vg_track *make_h264_track(const uint8_t *sps, size_t sps_len, const uint8_t *pps,
                                 size_t pps_len, double fps)
{
    vg_track *t = vg_track_create(VG_CODEC_H264);
    vg_h264_sps parsed;
    CHECK_INT_EQ(vg_h264_sps_parse(sps, sps_len, &parsed), 0);
    t->width = (int)parsed.width;
    t->height = (int)parsed.height;
    t->profile = parsed.profile_idc;
    t->level = parsed.level_idc;
    t->nominal_fps = fps;
    CHECK_INT_EQ(vg_h264_codec_string(&parsed, t->codec_string, sizeof(t->codec_string)), 0);
    uint8_t avcc[128];
    size_t avcc_len = 0;
    CHECK_INT_EQ(vg_h264_avcc_build(sps, sps_len, pps, pps_len, avcc, sizeof(avcc), &avcc_len), 0);
    CHECK_INT_EQ(vg_track_set_config(t, avcc, avcc_len), 0);
    CHECK(vg_fmp4_supports(t));
    return t;
}

static vg_track *make_video_360p(double fps)
{
    vg_track *t = make_h264_track(sps_baseline_360p, sizeof(sps_baseline_360p), pps_baseline_360p,
                                  sizeof(pps_baseline_360p), fps);
    CHECK_STR_EQ(t->codec_string, "avc1.42c01e");
    CHECK(t->is_video && t->clock_rate == 90000 && t->width == 640 && t->height == 360);
    return t;
}

/* AAC-LC, 48 kHz mono: AudioSpecificConfig 0x11 0x88. */
static vg_track *make_aac_track(void)
{
    static const uint8_t asc[] = {0x11, 0x88};
    vg_track *t = vg_track_create(VG_CODEC_AAC);
    t->clock_rate = 48000;
    t->sample_rate = 48000;
    t->channels = 1;
    snprintf(t->codec_string, sizeof(t->codec_string), "mp4a.40.2");
    CHECK_INT_EQ(vg_track_set_config(t, asc, sizeof(asc)), 0);
    CHECK(vg_fmp4_supports(t));
    return t;
}

/* A path named cam_1 with `tracks` (the path takes its own references; ours are dropped). */
static vg_path *make_path(vg_track **tracks, size_t count)
{
    vg_path_options opt = {.now_ms = fake_clock};
    vg_path *p = vg_path_create("cam_1", &opt);
    CHECK(p != NULL);
    CHECK_INT_EQ(vg_path_set_tracks(p, tracks, count), 0);
    for (size_t i = 0; i < count; i++)
        vg_track_unref(&tracks[i]);
    return p;
}

static vg_path *make_video_path(double fps)
{
    vg_track *video = make_video_360p(fps);
    return make_path(&video, 1);
}

/* ---- access units ---- */

/* Publishes one video frame: AVCC, one NAL (IDR on key frames) of 12 bytes. */
static void publish_video(vg_path *p, uint32_t track, int64_t dts, uint32_t flags)
{
    static const uint8_t nal_length[4] = {0, 0, 0, 12};
    vg_au *au = vg_au_create(16);
    memcpy(au->data, nal_length, 4);
    au->data[4] = (flags & VG_AU_KEY) ? 0x65 : 0x41;
    memset(au->data + 5, 0x5a, 11);
    au->track = track;
    au->flags = flags;
    au->pts = au->dts = dts;
    au->wallclock_ns = T0_NS + dts * 100000 / 9; /* 90 kHz ticks to ns */
    CHECK_INT_EQ(vg_path_publish(p, au), 0);
    vg_au_unref(&au);
}

/* Publishes one AAC frame of 1024 samples (48 kHz) at `dts`. */
static void publish_audio(vg_path *p, uint32_t track, int64_t dts)
{
    vg_au *au = vg_au_create(24);
    memset(au->data, 0x21, 24);
    au->track = track;
    au->flags = 0;
    au->pts = au->dts = dts;
    au->wallclock_ns = T0_NS + dts * 62500 / 3; /* 48 kHz ticks to ns */
    CHECK_INT_EQ(vg_path_publish(p, au), 0);
    vg_au_unref(&au);
}

/*
 * A camera: video frames every `ticks` with a key frame every `gop` frames,
 * counted from `base` (the dts of frame 0 since the last (re)connect), and
 * optionally 1024-sample AAC frames interleaved in time order.
 */
typedef struct camera {
    vg_path *path;
    int64_t ticks;
    int gop;
    int64_t base;
    int frame;           /* frames published since the last (re)connect */
    bool reconnected;    /* the next frame carries VG_AU_DISCONTINUITY */
    int audio_track;     /* -1: none */
    int64_t audio_frame; /* audio frames published */
} camera;

static camera camera_of(vg_path *p, int64_t ticks, int gop)
{
    return (camera){.path = p, .ticks = ticks, .gop = gop, .audio_track = -1};
}

/* The dts of the next frame. */
static int64_t camera_next_dts(const camera *c)
{
    return c->base + c->frame * c->ticks;
}

/* Publishes the next `n` frames (and the audio up to each). */
static void camera_run(camera *c, int n)
{
    for (int i = 0; i < n; i++) {
        int64_t dts = camera_next_dts(c);
        /* 1024 samples at 48 kHz are 1920 ticks at 90 kHz. */
        while (c->audio_track >= 0 && c->audio_frame * 1920 <= dts) {
            publish_audio(c->path, (uint32_t)c->audio_track, c->audio_frame * 1024);
            c->audio_frame++;
        }
        uint32_t flags = c->frame % c->gop == 0 ? VG_AU_KEY : 0;
        if (c->reconnected)
            flags |= VG_AU_DISCONTINUITY;
        c->reconnected = false;
        publish_video(c->path, 0, dts, flags);
        c->frame++;
    }
}

/* The camera reconnects: timestamps start over at `base`, the GOP too. */
static void camera_reconnect(camera *c, int64_t base)
{
    c->base = base;
    c->frame = 0;
    c->reconnected = true;
}

/* ---- the muxer ---- */

typedef struct watcher {
    int updates;
    int ends;
    int end_code;
    const char *end_reason;
} watcher;

static void watch_update(void *ctx)
{
    ((watcher *)ctx)->updates++;
}

static void watch_end(void *ctx, int code, const char *reason)
{
    watcher *w = ctx;
    w->ends++;
    w->end_code = code;
    w->end_reason = reason;
}

/* The defaults of vigil's configuration: hlsSegmentDuration 1s, hlsPartDuration 200ms, 7. */
static vg_hls_muxer_options default_options(watcher *w)
{
    return (vg_hls_muxer_options){.segment_duration_ms = 1000,
                                  .part_duration_ms = 200,
                                  .segment_count = 7,
                                  .on_update = watch_update,
                                  .on_end = watch_end,
                                  .ctx = w};
}

static vg_hls_muxer *make_muxer(vg_path *p, const vg_hls_muxer_options *opt)
{
    vg_hls_muxer *m = NULL;
    CHECK_INT_EQ(vg_hls_muxer_create(p, opt, &m), 0);
    CHECK(m != NULL);
    return m;
}

static vg_hls_muxer_state state_of(const vg_hls_muxer *m)
{
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(m, &st);
    return st;
}

static size_t total_parts(const vg_hls_muxer_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->count; i++)
        n += st->segments[i]->part_count;
    return n;
}

/* The last listed segment, or NULL. */
static const vg_hls_segment *last_segment(const vg_hls_muxer_state *st)
{
    return st->count ? st->segments[st->count - 1] : NULL;
}

/* How many times the box type `type` occurs in the bytes (a plain byte search). */
static int count_fourcc(const uint8_t *data, size_t len, const char type[4])
{
    int n = 0;
    for (size_t i = 0; i + 4 <= len; i++)
        if (!memcmp(data + i, type, 4))
            n++;
    return n;
}

/* ---- reading fragments back (ISO/IEC 14496-12 8.8: moof, traf, tfhd, tfdt, trun) ---- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One traf: its track, its tfdt, and the samples of its trun. */
typedef struct traf_info {
    uint32_t track_id;
    uint64_t base_dts;
    uint32_t samples;
    uint64_t duration; /* the sum of the sample durations */
} traf_info;

/*
 * Reads the trafs of a part's moof into out[0..cap); returns how many, or
 * -1 when the boxes do not nest. Expects the trun that fmp4.c writes: every
 * per-sample field present, 16 bytes a sample, duration first.
 */
static int read_trafs(const vg_hls_part *part, traf_info *out, int cap)
{
    if (part->len < 8 || memcmp(part->data + 4, "moof", 4) != 0)
        return -1;
    const uint8_t *moof = part->data;
    uint32_t moof_size = rd32(moof);
    if (moof_size > part->len)
        return -1;
    int n = 0;
    for (uint32_t at = 8; at + 8 <= moof_size;) {
        const uint8_t *box = moof + at;
        uint32_t size = rd32(box);
        if (size < 8 || at + size > moof_size)
            return -1;
        if (!memcmp(box + 4, "traf", 4) && n < cap) {
            traf_info t = {0};
            for (uint32_t in = 8; in + 8 <= size;) {
                const uint8_t *child = box + in;
                uint32_t child_size = rd32(child);
                if (child_size < 8 || in + child_size > size)
                    return -1;
                if (!memcmp(child + 4, "tfhd", 4))
                    t.track_id = rd32(child + 12);
                else if (!memcmp(child + 4, "tfdt", 4))
                    t.base_dts = (uint64_t)rd32(child + 12) << 32 | rd32(child + 16);
                else if (!memcmp(child + 4, "trun", 4)) {
                    t.samples = rd32(child + 12);
                    for (uint32_t i = 0; i < t.samples && 20 + 16 * (i + 1) <= child_size; i++)
                        t.duration += rd32(child + 20 + 16 * i);
                }
                in += child_size;
            }
            out[n++] = t;
        }
        at += size;
    }
    return n;
}

/*
 * Whether the track's samples run on without a gap or an overlap across
 * every part listed: each traf of `track_id` starts where the previous one
 * ended. Reports the first break.
 */
static bool track_is_continuous(const vg_hls_muxer_state *st, uint32_t track_id)
{
    bool have_previous = false;
    uint64_t expected = 0;
    for (size_t i = 0; i < st->count; i++) {
        const vg_hls_segment *seg = st->segments[i];
        for (size_t j = 0; j < seg->part_count; j++) {
            traf_info trafs[2];
            int n = read_trafs(seg->parts[j], trafs, 2);
            CHECK(n >= 1);
            for (int k = 0; k < n; k++) {
                if (trafs[k].track_id != track_id)
                    continue;
                if (have_previous && trafs[k].base_dts != expected) {
                    fprintf(stderr,
                            "  track %" PRIu32 ": segment %" PRIu64 " part %zu starts at %" PRIu64
                            ", the previous part ended at %" PRIu64 "\n",
                            track_id, seg->msn, j, trafs[k].base_dts, expected);
                    return false;
                }
                have_previous = true;
                expected = trafs[k].base_dts + trafs[k].duration;
            }
        }
    }
    return have_previous;
}

/*
 * A complete segment of `parts` parts of `part_duration`, the first
 * starting on a key frame (RFC 8216bis 4.4.4.9: INDEPENDENT=YES) and the
 * others not; every part one fragment (a moof and its mdat).
 */
static void check_regular_segment(const vg_hls_segment *seg, size_t parts, int64_t part_duration)
{
    CHECK(seg->complete);
    CHECK_INT_EQ(seg->part_count, parts);
    CHECK_INT_EQ(seg->duration, (int64_t)parts * part_duration);
    for (size_t i = 0; i < seg->part_count; i++) {
        const vg_hls_part *part = seg->parts[i];
        CHECK_INT_EQ(part->duration, part_duration);
        CHECK_INT_EQ(part->independent, i == 0);
        CHECK(part->len > 8 && !memcmp(part->data + 4, "moof", 4));
        CHECK_INT_EQ(count_fourcc(part->data, part->len, "mdat"), 1);
    }
}

/* ---- cutting ---- */

static void test_parts_and_segments_at_25fps(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    CHECK(vg_hls_muxer_error(m) == NULL);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 4 * 25 + 1); /* 4 s, and the key frame that ends the fourth segment */

    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 4);
    CHECK_INT_EQ(st.count, 4); /* the fifth starts when its first frame is complete */
    CHECK_INT_EQ(st.target_duration_s, 1);
    CHECK_INT_EQ(st.part_target, PART_TARGET);
    CHECK_INT_EQ(st.discontinuity_sequence, 0);
    CHECK(st.init != NULL && st.init->id == 0);
    CHECK_STR_EQ(st.init->codecs, "avc1.42c01e");
    CHECK_INT_EQ(st.init->width, 640);
    CHECK_INT_EQ(st.init->height, 360);
    CHECK(st.init->fps == 25);
    CHECK(st.init->len > 8 && !memcmp(st.init->data + 4, "ftyp", 4));
    for (size_t i = 0; i < st.count; i++) {
        const vg_hls_segment *seg = st.segments[i];
        check_regular_segment(seg, 5, PART_TARGET);
        CHECK_INT_EQ(seg->duration, SEGMENT_TARGET);
        CHECK_INT_EQ(seg->msn, i);
        CHECK(!seg->discontinuity);
        CHECK(seg->init == st.init);
        /* EXT-X-PROGRAM-DATE-TIME: the capture time of the segment's first frame. */
        CHECK_INT_EQ(seg->wallclock_ns, T0_NS + (int64_t)i * 1000000000);
    }
    CHECK(track_is_continuous(&st, 1)); /* each part's tfdt where the previous one ended */
    /* Nothing in progress: the next part is part 0 of segment 4. */
    CHECK_INT_EQ(st.next_msn, 4);
    CHECK_INT_EQ(st.next_part, 0);

    camera_run(&cam, 1); /* frame 100 is complete: segment 4 starts, its part 0 is filling */
    st = state_of(m);
    CHECK_INT_EQ(st.count, 5);
    CHECK_INT_EQ(st.complete_count, 4);
    CHECK(!last_segment(&st)->complete);
    CHECK_INT_EQ(last_segment(&st)->part_count, 0);
    CHECK_INT_EQ(st.next_msn, 4);
    CHECK_INT_EQ(st.next_part, 0);

    /* Lookups by number and id. */
    CHECK(vg_hls_muxer_segment(m, 0) == st.segments[0]);
    CHECK(vg_hls_muxer_segment(m, 4) == st.segments[4]);
    CHECK(vg_hls_muxer_segment(m, 5) == NULL);
    CHECK(vg_hls_muxer_init(m, 0) == st.init);
    CHECK(vg_hls_muxer_init(m, 1) == NULL);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* A sample's duration is the distance to the next one: a part waits for the frame after it. */
static void test_part_published_when_the_next_frame_arrives(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);

    camera_run(&cam, 5); /* frames 0..4 fill part 0; frame 4 has no duration yet */
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(total_parts(&st), 0);
    CHECK_INT_EQ(st.next_msn, 0);
    CHECK_INT_EQ(st.next_part, 0);
    CHECK_INT_EQ(w.updates, 0);

    camera_run(&cam, 1); /* frame 5 ends frame 4, and part 0 with it */
    st = state_of(m);
    CHECK_INT_EQ(total_parts(&st), 1);
    CHECK_INT_EQ(st.segments[0]->parts[0]->duration, PART_TARGET);
    CHECK(st.segments[0]->parts[0]->independent);
    CHECK_INT_EQ(st.next_msn, 0);
    CHECK_INT_EQ(st.next_part, 1);
    CHECK_INT_EQ(w.updates, 1);

    camera_run(&cam, 4); /* frames 6..9: part 1 is not over before frame 10 */
    st = state_of(m);
    CHECK_INT_EQ(total_parts(&st), 1);
    camera_run(&cam, 1);
    st = state_of(m);
    CHECK_INT_EQ(total_parts(&st), 2);
    CHECK(!st.segments[0]->parts[1]->independent);
    CHECK_INT_EQ(st.next_part, 2);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * RFC 8216bis 4.4.5.3: the preload hint names the part the server makes
 * next. Frame by frame over several segments: every new part appears
 * exactly where the previous state's (next_msn, next_part) said.
 */
static void test_preload_hint_names_the_next_part(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    vg_hls_muxer_state st = state_of(m);
    uint64_t hint_msn = st.next_msn;
    size_t hint_part = st.next_part, parts = 0, checked = 0;
    for (int i = 0; i < 5 * 25 + 3; i++) {
        camera_run(&cam, 1);
        st = state_of(m);
        size_t now = total_parts(&st);
        CHECK(now == parts || now == parts + 1);
        if (now == parts + 1) {
            /* The newest part: the last of the last segment that has any. */
            const vg_hls_segment *seg = last_segment(&st);
            if (!seg->part_count)
                seg = st.segments[st.count - 2];
            CHECK_INT_EQ(seg->msn, hint_msn);
            CHECK_INT_EQ(seg->part_count - 1, hint_part);
            checked++;
        }
        parts = now;
        hint_msn = st.next_msn;
        hint_part = st.next_part;
    }
    CHECK_INT_EQ(checked, 5 * 5);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* hlsSegmentCount complete segments are kept: the oldest go, the numbers go on. */
static void test_playlist_keeps_segment_count(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    for (int i = 0; i < 12 * 25 + 3; i++) {
        camera_run(&cam, 1);
        vg_hls_muxer_state st = state_of(m);
        CHECK(st.complete_count <= 7);
        CHECK(st.count <= 8);
    }
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 7);
    CHECK_INT_EQ(st.count, 8); /* and segment 12 in progress */
    for (size_t i = 0; i < st.count; i++)
        CHECK_INT_EQ(st.segments[i]->msn, 5 + i); /* RFC 8216bis 6.2.1: consecutive numbers */
    for (size_t i = 0; i < st.complete_count; i++)
        check_regular_segment(st.segments[i], 5, PART_TARGET);
    CHECK(!st.segments[7]->complete);
    CHECK_INT_EQ(st.next_msn, 12);
    CHECK_INT_EQ(st.next_part, 0);
    /* RFC 8216bis 6.2.2: unlisted segments stay downloadable a while (two here), then go. */
    CHECK(vg_hls_muxer_segment(m, 4) != NULL);
    CHECK(vg_hls_muxer_segment(m, 3) != NULL);
    CHECK(vg_hls_muxer_segment(m, 2) == NULL);
    CHECK(vg_hls_muxer_segment(m, 5) == st.segments[0]);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * RFC 8216bis 4.4.4.9: "The duration of a Partial Segment MUST be less than
 * or equal to the Part Target Duration. The duration of each Partial Segment
 * MUST be at least 85% of the Part Target Duration, with the exception of
 * Partial Segments with the INDEPENDENT=YES attribute and the final Partial
 * Segment of any Parent Segment." Checked against the PART-TARGET the state
 * advertises, and `limit` (the configured target, or more when the frame
 * interval does not divide it).
 */
static void check_part_durations(const vg_hls_muxer_state *st, int64_t limit)
{
    CHECK(st->part_target <= limit);
    size_t too_long = 0, too_short = 0;
    for (size_t i = 0; i < st->count; i++) {
        const vg_hls_segment *seg = st->segments[i];
        for (size_t j = 0; j < seg->part_count; j++) {
            const vg_hls_part *part = seg->parts[j];
            bool last = seg->complete && j == seg->part_count - 1;
            bool is_long = part->duration > st->part_target;
            bool is_short =
                !last && !part->independent && part->duration * 100 < st->part_target * 85;
            if ((is_long || is_short) && too_long + too_short == 0)
                fprintf(stderr,
                        "  segment %" PRIu64 " part %zu: %" PRId64 " ticks, PART-TARGET %" PRId64
                        " (the first of the parts out of range)\n",
                        seg->msn, j, part->duration, st->part_target);
            too_long += is_long;
            too_short += is_short;
        }
    }
    CHECK_INT_EQ(too_long, 0);
    CHECK_INT_EQ(too_short, 0);
}

static void test_part_durations_at_30fps(void)
{
    vg_path *p = make_video_path(30);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_30FPS, 30);
    camera_run(&cam, 6 * 30 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 6);
    CHECK_INT_EQ(st.part_target, PART_TARGET);
    check_part_durations(&st, PART_TARGET);
    for (size_t i = 0; i < st.complete_count; i++)
        check_regular_segment(st.segments[i], 5, 6 * TICKS_30FPS);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * 29.97 fps (3003 ticks): six frames are 18018 ticks, a little over the
 * target; the advertised PART-TARGET grows to cover them (0.20020 s).
 */
static void test_part_durations_at_29_97fps(void)
{
    vg_path *p = make_video_path(30000.0 / 1001);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, 3003, 30);
    camera_run(&cam, 4 * 30 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 4);
    CHECK_INT_EQ(st.part_target, 6 * 3003);
    check_part_durations(&st, PART_TARGET + PART_TARGET / 100);
    for (size_t i = 0; i < st.complete_count; i++)
        check_regular_segment(st.segments[i], 5, 6 * 3003);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * 24 fps (3750 ticks): five frames are 18750 ticks, over the target; four
 * are 15000, 83 % of it. Whichever the muxer picks, its parts must fit the
 * PART-TARGET it advertises and reach 85 % of it (the same holds at 12.5
 * and 12 fps, where two frames are 80 % and 83 % of 200 ms).
 */
static void test_part_durations_at_24fps(void)
{
    vg_path *p = make_video_path(24);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, 3750, 24);
    camera_run(&cam, 4 * 24 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 4);
    check_part_durations(&st, 5 * 3750);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* A segment ends only on a key frame: with one every 2 s, segments are 2 s long. */
static void test_segments_cut_only_on_key_frames(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 50);
    camera_run(&cam, 3 * 50 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 3);
    for (size_t i = 0; i < st.complete_count; i++)
        check_regular_segment(st.segments[i], 10, PART_TARGET);
    /* RFC 8216bis 4.4.3.1: every EXTINF, rounded to the nearest integer, <= TARGETDURATION. */
    CHECK_INT_EQ(st.target_duration_s, 2);
    size_t len = 0;
    char *text = vg_hls_media_playlist(&st, "0123abcd", &len);
    CHECK(text && strstr(text, "#EXT-X-TARGETDURATION:2\n"));
    CHECK(text && strstr(text, "#EXTINF:2.00000,\nseg_0123abcd_2.mp4\n"));
    free(text);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* A segment starts on a key frame: what comes before the first one is in no segment. */
static void test_starts_on_a_key_frame(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    /* Frames 0..2 are the tail of a GOP begun before the camera was read. */
    for (int i = 0; i < 3; i++)
        publish_video(p, 0, i * TICKS_25FPS, 0);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    cam.base = 3 * TICKS_25FPS;
    camera_run(&cam, 2 * 25 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 2);
    check_regular_segment(st.segments[0], 5, PART_TARGET);
    check_regular_segment(st.segments[1], 5, PART_TARGET);
    CHECK_INT_EQ(st.segments[0]->wallclock_ns, T0_NS + 3 * 40000000); /* frame 3 at 120 ms */
    CHECK_INT_EQ(total_parts(&st), 10);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* ---- reconnects ---- */

/*
 * The camera reconnects with the same parameters: the segment in progress
 * ends early, the next carries EXT-X-DISCONTINUITY (RFC 8216bis 4.4.4.3)
 * and the same init segment.
 */
static void test_reconnect_ends_the_segment(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 37); /* segment 0 complete; 1 has parts 0 and 1, frames 35 and 36 more */
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 1);
    CHECK_INT_EQ(st.segments[1]->part_count, 2);
    vg_hls_init *init = st.init;

    camera_reconnect(&cam, 5000000); /* new timestamps; the first frame is a key frame */
    camera_run(&cam, 1);
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 2);
    const vg_hls_segment *cut = st.segments[1];
    CHECK(cut->complete);
    CHECK_INT_EQ(cut->part_count, 3);
    CHECK_INT_EQ(cut->parts[2]->duration, 2 * TICKS_25FPS); /* frames 35, 36 */
    CHECK_INT_EQ(cut->duration, 2 * PART_TARGET + 2 * TICKS_25FPS);
    CHECK_INT_EQ(st.next_msn, 2);
    CHECK_INT_EQ(st.next_part, 0);

    camera_run(&cam, 25); /* a full GOP after the reconnect, and the next key frame */
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 3);
    const vg_hls_segment *after = st.segments[2];
    check_regular_segment(after, 5, PART_TARGET);
    CHECK(after->discontinuity);
    CHECK(!st.segments[0]->discontinuity && !st.segments[1]->discontinuity);
    CHECK(after->init == init); /* same tracks: same EXT-X-MAP */
    CHECK(st.init == init);
    CHECK_INT_EQ(after->wallclock_ns, T0_NS + INT64_C(5000000) * 100000 / 9);
    /* The discontinuity is still listed, so the sequence has not moved (RFC 8216bis 4.4.3.3). */
    CHECK_INT_EQ(st.discontinuity_sequence, 0);
    size_t len = 0;
    char *text = vg_hls_media_playlist(&st, "0123abcd", &len);
    CHECK(text && strstr(text, "seg_0123abcd_1.mp4\n#EXT-X-DISCONTINUITY\n"
                               "#EXT-X-PROGRAM-DATE-TIME:"));
    free(text);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* A reconnect that does not start on a key frame: the muxer skips to the next one. */
static void test_reconnect_waits_for_a_key_frame(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 30);
    int64_t base = 5000000;
    publish_video(p, 0, base, VG_AU_DISCONTINUITY); /* not a key frame */
    publish_video(p, 0, base + TICKS_25FPS, 0);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.count, 2); /* segment 1 ended at the reconnect; nothing new started */
    CHECK_INT_EQ(st.complete_count, 2);
    CHECK_INT_EQ(st.next_msn, 2);
    CHECK_INT_EQ(st.next_part, 0);
    cam.base = base + 2 * TICKS_25FPS; /* the first key frame after the reconnect */
    cam.frame = 0;
    camera_run(&cam, 26);
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 3);
    check_regular_segment(st.segments[2], 5, PART_TARGET);
    CHECK(st.segments[2]->discontinuity);
    CHECK_INT_EQ(st.segments[2]->wallclock_ns, T0_NS + (base + 2 * TICKS_25FPS) * 100000 / 9);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * New tracks: a discontinuity either way; a new init segment (a new id, so
 * a new EXT-X-MAP URI) only when the parameters changed.
 */
static void test_new_tracks(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 30);
    vg_hls_init *first = state_of(m).init;

    /* The same parameters in a new track object: same init. */
    vg_track *same = make_video_360p(25);
    CHECK_INT_EQ(vg_path_set_tracks(p, &same, 1), 0);
    vg_track_unref(&same);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 2); /* segment 1 ended with the old tracks */
    CHECK(st.init == first);
    camera_reconnect(&cam, 1000000);
    camera_run(&cam, 26);
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 3);
    CHECK(st.segments[2]->discontinuity);
    CHECK(st.segments[2]->init == first);

    /* 720p High profile now: a new init segment. */
    vg_track *bigger = make_h264_track(sps_high_720p, sizeof(sps_high_720p), pps_high_720p,
                                       sizeof(pps_high_720p), 25);
    CHECK_INT_EQ(vg_path_set_tracks(p, &bigger, 1), 0);
    vg_track_unref(&bigger);
    camera_reconnect(&cam, 2000000);
    camera_run(&cam, 26);
    st = state_of(m);
    /* Segment 3 is the one key frame that was waiting for its successor (old tracks). */
    CHECK_INT_EQ(st.complete_count, 5);
    CHECK_INT_EQ(st.segments[3]->duration, TICKS_25FPS);
    CHECK(st.segments[3]->init == first);
    const vg_hls_segment *seg = st.segments[4];
    check_regular_segment(seg, 5, PART_TARGET);
    CHECK(seg->discontinuity);
    CHECK(seg->init == st.init);
    CHECK(st.init != first);
    CHECK(st.init->id != first->id);
    CHECK_STR_EQ(st.init->codecs, "avc1.64001f");
    CHECK_INT_EQ(st.init->width, 1280);
    CHECK_INT_EQ(st.init->height, 720);
    /* The old init is still served while a listed segment uses it. */
    CHECK(vg_hls_muxer_init(m, first->id) == first);
    CHECK(vg_hls_muxer_init(m, st.init->id) == st.init);
    size_t len = 0;
    char *text = vg_hls_media_playlist(&st, "0123abcd", &len);
    CHECK(text && strstr(text, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init_0123abcd_1.mp4\"\n"));
    free(text);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* RFC 8216bis 6.2.2: when a discontinuity leaves the playlist, the sequence counts it. */
static void test_discontinuity_sequence(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    opt.segment_count = 2;
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 30);            /* segment 0, and 1 in progress */
    camera_reconnect(&cam, 1000000); /* ends segment 1 */
    camera_run(&cam, 26);            /* segment 2: the discontinuity; segment 0 leaves */
    camera_run(&cam, 25);            /* segment 3; segment 1 leaves */
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 2);
    CHECK_INT_EQ(st.segments[0]->msn, 2);
    CHECK(st.segments[0]->discontinuity);
    CHECK_INT_EQ(st.discontinuity_sequence, 0);
    camera_run(&cam, 25); /* segment 4; segment 2 leaves with its EXT-X-DISCONTINUITY */
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 2);
    CHECK_INT_EQ(st.segments[0]->msn, 3);
    CHECK_INT_EQ(st.discontinuity_sequence, 1);
    size_t len = 0;
    char *text = vg_hls_media_playlist(&st, "0123abcd", &len);
    CHECK(text && strstr(text, "#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
    CHECK(text && !strstr(text, "#EXT-X-DISCONTINUITY\n"));
    free(text);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* Bytes of the segment's parts. */
static size_t segment_bytes(const vg_hls_segment *seg)
{
    size_t total = 0;
    for (size_t i = 0; i < seg->part_count; i++)
        total += seg->parts[i]->len;
    return total;
}

/*
 * A memory bound: a camera with long GOPs (or a high bit rate) gets fewer
 * segments listed instead of unbounded memory, down to one complete segment.
 */
static void test_memory_bound_lists_fewer_segments(void)
{
    vg_track *tracks[] = {make_video_360p(25)};
    vg_path *p = make_path(tracks, 1);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 2 * 25 + 1);
    size_t one = segment_bytes(state_of(m).segments[0]);
    vg_hls_muxer_destroy(m);
    CHECK(one > 0);

    opt.max_bytes = one * 5 / 2; /* room for two segments and a half */
    m = make_muxer(p, &opt);
    for (int i = 0; i < 10 * 25; i++) {
        camera_run(&cam, 1);
        vg_hls_muxer_state st = state_of(m);
        CHECK(st.complete_count <= 2);
    }
    vg_hls_muxer_state st = state_of(m);
    CHECK(st.complete_count >= 1);
    for (size_t i = 1; i < st.count; i++)
        CHECK_INT_EQ(st.segments[i]->msn, st.segments[0]->msn + i); /* still consecutive */
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* ---- audio ---- */

static void test_audio_rides_along(void)
{
    vg_track *tracks[] = {make_video_360p(25), make_aac_track()};
    vg_path *p = make_path(tracks, 2);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    cam.audio_track = 1;
    camera_run(&cam, 3 * 25 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK(vg_hls_muxer_error(m) == NULL);
    CHECK_STR_EQ(st.init->codecs, "avc1.42c01e,mp4a.40.2");
    CHECK_INT_EQ(count_fourcc(st.init->data, st.init->len, "trak"), 2);
    CHECK_INT_EQ(count_fourcc(st.init->data, st.init->len, "mp4a"), 1);
    CHECK_INT_EQ(st.complete_count, 3);
    for (size_t i = 0; i < st.complete_count; i++) {
        check_regular_segment(st.segments[i], 5, PART_TARGET); /* video sets the pace */
        /* ~9 AAC frames every 200 ms: every part has a traf of each track. */
        for (size_t j = 0; j < st.segments[i]->part_count; j++) {
            const vg_hls_part *part = st.segments[i]->parts[j];
            CHECK_INT_EQ(count_fourcc(part->data, part->len, "traf"), 2);
            traf_info trafs[2];
            CHECK_INT_EQ(read_trafs(part, trafs, 2), 2);
            CHECK_INT_EQ(trafs[0].track_id, 1);
            CHECK_INT_EQ(trafs[0].duration, PART_TARGET);
            CHECK_INT_EQ(trafs[1].track_id, 2);
            CHECK(trafs[1].samples >= 8 && trafs[1].samples <= 10);
        }
    }
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/*
 * Audio runs on across parts and segments: a player appends the parts one
 * after the other, so a sample missing at a segment boundary is a gap in
 * the sound (and a tfdt jump) once a second. The boundary is where it can
 * go wrong: the key frame that ends a segment waits one frame for its
 * duration, and the audio that completes meanwhile has no segment in
 * progress to go to; it belongs to the next one.
 */
static void test_audio_is_continuous_across_segments(void)
{
    vg_track *tracks[] = {make_video_360p(25), make_aac_track()};
    vg_path *p = make_path(tracks, 2);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    cam.audio_track = 1;
    camera_run(&cam, 4 * 25 + 1);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 4);
    CHECK(track_is_continuous(&st, 1));
    CHECK(track_is_continuous(&st, 2));
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* Without video there is nothing to cut on: the muxer says why. */
static void test_no_video_track_is_an_error(void)
{
    vg_track *audio = make_aac_track();
    vg_path *p = make_path(&audio, 1);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    CHECK(vg_hls_muxer_error(m) != NULL);
    for (int i = 0; i < 100; i++)
        publish_audio(p, 0, i * 1024);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.count, 0);
    CHECK(st.init == NULL);

    /* The camera comes back with video: the error clears. */
    vg_track *tracks[] = {make_video_360p(25), make_aac_track()};
    CHECK_INT_EQ(vg_path_set_tracks(p, tracks, 2), 0);
    vg_track_unref(&tracks[0]);
    vg_track_unref(&tracks[1]);
    CHECK(vg_hls_muxer_error(m) == NULL);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    cam.audio_track = 1;
    camera_run(&cam, 26);
    st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 1);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* ---- lifecycle ---- */

/* A muxer made after the camera started seeds itself from the GOP cache: parts at once. */
static void test_seeds_from_the_gop_cache(void)
{
    vg_path *p = make_video_path(25);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 10);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.count, 1);
    CHECK_INT_EQ(total_parts(&st), 1); /* frames 0..4; 5..8 fill part 1, 9 waits */
    CHECK(st.segments[0]->parts[0]->independent);
    CHECK_INT_EQ(st.segments[0]->wallclock_ns, T0_NS);
    CHECK_INT_EQ(st.next_part, 1);
    /* Not during vg_hls_muxer_create: its caller does not hold the muxer yet. */
    CHECK_INT_EQ(w.updates, 0);
    camera_run(&cam, 1);
    st = state_of(m);
    CHECK_INT_EQ(total_parts(&st), 2);
    CHECK_INT_EQ(w.updates, 1);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* on_update when a part or a segment was added, and not for frames that add nothing. */
static void test_on_update(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    size_t parts = 0, complete = 0;
    for (int i = 0; i < 3 * 25 + 1; i++) {
        int before = w.updates;
        camera_run(&cam, 1);
        vg_hls_muxer_state st = state_of(m);
        size_t now_parts = total_parts(&st);
        bool changed = now_parts != parts || st.complete_count != complete;
        CHECK(changed ? w.updates > before : w.updates == before);
        parts = now_parts;
        complete = st.complete_count;
    }
    CHECK_INT_EQ(parts, 15);
    CHECK(w.updates >= 15);
    vg_hls_muxer_destroy(m);
    vg_path_destroy(p);
}

/* The path goes: on_end with its reason; the muxer stays readable until its owner destroys it. */
static void test_on_end_when_the_path_goes(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 40);
    CHECK_INT_EQ(w.ends, 0);
    vg_path_destroy(p);
    CHECK_INT_EQ(w.ends, 1);
    CHECK_INT_EQ(w.end_code, VG_ESTATE);
    CHECK_STR_EQ(w.end_reason, "path deleted");
    vg_hls_muxer_state st = state_of(m);
    CHECK_INT_EQ(st.complete_count, 1);
    CHECK(vg_hls_muxer_segment(m, 0) != NULL);
    vg_hls_muxer_destroy(m); /* ASan: nothing of the path is touched, nothing leaks */
}

/* The muxer goes first: the path forgets its reader and goes on. */
static void test_destroy_before_the_path(void)
{
    vg_path *p = make_video_path(25);
    watcher w = {0};
    vg_hls_muxer_options opt = default_options(&w);
    vg_hls_muxer *m = make_muxer(p, &opt);
    camera cam = camera_of(p, TICKS_25FPS, 25);
    camera_run(&cam, 40);
    CHECK_INT_EQ(vg_path_reader_count(p), 1);
    vg_hls_muxer_destroy(m);
    CHECK_INT_EQ(vg_path_reader_count(p), 0);
    camera_run(&cam, 10);
    vg_path_destroy(p);
    CHECK_INT_EQ(w.ends, 0);
    vg_hls_muxer_destroy(NULL);
}

int main(void)
{
    VG_TEST_RUN(test_parts_and_segments_at_25fps);
    VG_TEST_RUN(test_part_published_when_the_next_frame_arrives);
    VG_TEST_RUN(test_preload_hint_names_the_next_part);
    VG_TEST_RUN(test_playlist_keeps_segment_count);
    VG_TEST_RUN(test_memory_bound_lists_fewer_segments);
    VG_TEST_RUN(test_part_durations_at_30fps);
    VG_TEST_RUN(test_part_durations_at_29_97fps);
    VG_TEST_RUN(test_part_durations_at_24fps);
    VG_TEST_RUN(test_segments_cut_only_on_key_frames);
    VG_TEST_RUN(test_starts_on_a_key_frame);
    VG_TEST_RUN(test_reconnect_ends_the_segment);
    VG_TEST_RUN(test_reconnect_waits_for_a_key_frame);
    VG_TEST_RUN(test_new_tracks);
    VG_TEST_RUN(test_discontinuity_sequence);
    VG_TEST_RUN(test_audio_rides_along);
    VG_TEST_RUN(test_audio_is_continuous_across_segments);
    VG_TEST_RUN(test_no_video_track_is_an_error);
    VG_TEST_RUN(test_seeds_from_the_gop_cache);
    VG_TEST_RUN(test_on_update);
    VG_TEST_RUN(test_on_end_when_the_path_goes);
    VG_TEST_RUN(test_destroy_before_the_path);
    return vg_test_done();
}
