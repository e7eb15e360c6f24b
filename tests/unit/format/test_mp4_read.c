/*
 * Unit tests for format/mp4_read.c: files written by format/fmp4.c read
 * back sample for sample; every truncation point of such a file; hand-built
 * fragments for the paths fmp4.c does not write (tfhd and trex defaults,
 * explicit base data offsets, chained trafs, largesize and size-0 mdats,
 * boxes to skip); hostile and random input; and, when ffmpeg is installed,
 * a file from FFmpeg's movenc compared with what ffprobe reports.
 */
#include "codec/h264.h"
#include "core/error.h"
#include "format/fmp4.h"
#include "format/mp4_box.h"
#include "format/mp4_read.h"
#include "vg_test.h"

#include <stdbool.h>

/* libx264 1280x720 High (as in test_fmp4.c): SPS, PPS. */
static const uint8_t sps_high_720p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};
static const uint8_t pps_high_720p[] = {0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0};

/* AAC-LC, 44.1 kHz, stereo. */
static const uint8_t asc_lc_44100_stereo[] = {0x12, 0x10};

static vg_track *h264_track(void)
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
    t->height = 720;
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

/* ---- a growing byte buffer -------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t len;
} bytes;

static bool append(bytes *b, const uint8_t *p, size_t len)
{
    uint8_t *grown = realloc(b->p, b->len + len);
    if (!grown)
        return false;
    memcpy(grown + b->len, p, len);
    b->p = grown;
    b->len += len;
    return true;
}

/* Appends what a writer holds and frees it. */
static bool append_writer(bytes *b, vg_mp4_writer *w)
{
    uint8_t *p = NULL;
    size_t len = 0;
    bool ok = vg_mp4_writer_finish(w, &p, &len) == 0 && append(b, p, len);
    free(p);
    return ok;
}

static void store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A copy of the first `len` bytes in a buffer of exactly that size, so ASan sees overreads. */
static uint8_t *exact_copy(const uint8_t *p, size_t len)
{
    uint8_t *c = malloc(len ? len : 1);
    if (c && len)
        memcpy(c, p, len);
    return c;
}

/* ---- collecting samples ----------------------------------------------------------------- */

#define MAX_SAMPLES 4096

typedef struct collected {
    vg_mp4_sample s[MAX_SAMPLES];
    size_t count;
    size_t stop_after; /* 0: never stop; else return 42 after that many */
} collected;

static int collect(void *ctx, const vg_mp4_sample *s)
{
    collected *c = ctx;
    if (c->count < MAX_SAMPLES)
        c->s[c->count] = *s;
    c->count++;
    return c->stop_after && c->count == c->stop_after ? 42 : 0;
}

/* ---- the round-trip file ---------------------------------------------------------------- */

#define RT_FRAGMENTS 3
#define RT_VIDEO     5 /* video samples per fragment */
#define RT_AUDIO     4 /* audio samples per fragment */

static const uint32_t rt_video_duration[RT_VIDEO] = {3600, 3600, 3000, 4200, 3600};
static const int32_t rt_video_cts[RT_VIDEO] = {7200, -3600, 3600, 0, -1800};

/* What the round-trip file holds, to compare the reader's answers with. */
typedef struct rt_file {
    bytes file;
    size_t init_size;
    size_t fragment_end[RT_FRAGMENTS];
    uint8_t payload[RT_FRAGMENTS][2][RT_VIDEO][48];
    vg_fmp4_sample samples[RT_FRAGMENTS][2][RT_VIDEO];
} rt_file;

static bool rt_video_key(size_t frag, size_t i)
{
    /* Fragments 1 and 3 start on a key frame, fragment 2 does not; fragment 1 has a second. */
    return (i == 0 && frag != 1) || (frag == 0 && i == 3);
}

static uint64_t rt_video_base(size_t frag)
{
    return 90000 + 18000 * (uint64_t)frag; /* the durations add up to 18000 */
}

static uint64_t rt_audio_base(size_t frag)
{
    return 500 + 1024 * RT_AUDIO * (uint64_t)frag;
}

/* Writes ftyp+moov for H.264 + AAC, then three fragments, with fmp4.c. */
static bool rt_build(rt_file *rt)
{
    memset(rt, 0, sizeof(*rt));
    vg_track *tracks[2] = {h264_track(), aac_track()};
    uint8_t *out = NULL;
    size_t len = 0;
    bool ok = tracks[0] && tracks[1] && vg_fmp4_write_init(tracks, 2, &out, &len) == 0 &&
              append(&rt->file, out, len);
    free(out);
    vg_track_unref(&tracks[0]);
    vg_track_unref(&tracks[1]);
    rt->init_size = rt->file.len;
    for (size_t f = 0; ok && f < RT_FRAGMENTS; f++) {
        for (size_t tr = 0; tr < 2; tr++) {
            size_t n = tr == 0 ? RT_VIDEO : RT_AUDIO;
            for (size_t i = 0; i < n; i++) {
                uint8_t *p = rt->payload[f][tr][i];
                size_t size = 5 + (f * 7 + i * 11 + tr * 5) % 40;
                for (size_t k = 0; k < size; k++)
                    p[k] = (uint8_t)(f << 6 ^ tr << 5 ^ i << 3 ^ k);
                rt->samples[f][tr][i] = (vg_fmp4_sample){
                    .data = p,
                    .size = size,
                    .duration = tr == 0 ? rt_video_duration[i] : 1024,
                    .cts_offset = tr == 0 ? rt_video_cts[i] : 0,
                    .key = tr == 0 ? rt_video_key(f, i) : true,
                };
            }
        }
        vg_fmp4_run runs[2] = {
            {.track_id = 1,
             .base_dts = rt_video_base(f),
             .samples = rt->samples[f][0],
             .count = RT_VIDEO},
            {.track_id = 2,
             .base_dts = rt_audio_base(f),
             .samples = rt->samples[f][1],
             .count = RT_AUDIO},
        };
        ok = vg_fmp4_write_fragment((uint32_t)f + 1, runs, 2, &out, &len) == 0 &&
             append(&rt->file, out, len);
        free(out);
        rt->fragment_end[f] = rt->file.len;
    }
    if (!ok)
        free(rt->file.p);
    return ok;
}

static void test_round_trip(void)
{
    static rt_file rt;
    CHECK(rt_build(&rt));
    if (!rt.file.p)
        return;
    uint8_t *buf = rt.file.p;
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(buf, rt.file.len, &f), 0);
    CHECK_INT_EQ(f.init_size, rt.init_size);
    CHECK_INT_EQ(f.complete_size, rt.file.len);
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_END);
    CHECK(f.why != NULL);

    /* The moov. */
    CHECK_INT_EQ(f.track_count, 2);
    CHECK_INT_EQ(f.video_track, 0);
    const vg_mp4_track_info *v = &f.tracks[0], *a = &f.tracks[1];
    CHECK_INT_EQ(v->track_id, 1);
    CHECK_INT_EQ(v->timescale, 90000);
    CHECK_INT_EQ(v->handler, VG_MP4_FOURCC('v', 'i', 'd', 'e'));
    CHECK_STR_EQ(v->codec, "avc1");
    CHECK_INT_EQ(v->width, 1280);
    CHECK_INT_EQ(v->height, 720);
    CHECK_INT_EQ(v->channels, 0);
    CHECK(v->stsd_offset > 0 && v->stsd_offset + v->stsd_size <= f.init_size);
    CHECK(v->stsd_size > 16 && memcmp(buf + v->stsd_offset + 4, "stsd", 4) == 0);
    CHECK_INT_EQ(a->track_id, 2);
    CHECK_INT_EQ(a->timescale, 44100);
    CHECK_INT_EQ(a->handler, VG_MP4_FOURCC('s', 'o', 'u', 'n'));
    CHECK_STR_EQ(a->codec, "mp4a");
    CHECK_INT_EQ(a->width, 0);
    CHECK_INT_EQ(a->channels, 2);
    CHECK_INT_EQ(a->sample_rate, 44100);
    CHECK(memcmp(buf + a->stsd_offset + 4, "stsd", 4) == 0);

    /* The time span. */
    CHECK_INT_EQ(v->start_dts, rt_video_base(0));
    CHECK_INT_EQ(v->end_dts, rt_video_base(RT_FRAGMENTS));
    CHECK_INT_EQ(v->sample_count, RT_FRAGMENTS * RT_VIDEO);
    CHECK_INT_EQ(a->start_dts, rt_audio_base(0));
    CHECK_INT_EQ(a->end_dts, rt_audio_base(RT_FRAGMENTS));
    CHECK_INT_EQ(a->sample_count, RT_FRAGMENTS * RT_AUDIO);

    /* The fragments tile the file after the init segment. */
    CHECK_INT_EQ(f.fragment_count, RT_FRAGMENTS);
    uint64_t at = f.init_size;
    for (size_t i = 0; i < f.fragment_count && i < RT_FRAGMENTS; i++) {
        const vg_mp4_fragment *fr = &f.fragments[i];
        CHECK_INT_EQ(fr->offset, at);
        CHECK_INT_EQ(fr->offset + fr->size, rt.fragment_end[i]);
        CHECK(memcmp(buf + fr->offset + 4, "moof", 4) == 0);
        CHECK(memcmp(buf + fr->mdat_offset + 4, "mdat", 4) == 0);
        CHECK_INT_EQ(fr->sequence, i + 1);
        CHECK_INT_EQ(fr->key, i != 1);
        CHECK_INT_EQ(fr->sample_count, RT_VIDEO + RT_AUDIO);
        CHECK_INT_EQ(fr->tracks[0].base_dts, rt_video_base(i));
        CHECK_INT_EQ(fr->tracks[0].duration, 18000);
        CHECK_INT_EQ(fr->tracks[0].sample_count, RT_VIDEO);
        CHECK_INT_EQ(fr->tracks[0].first_sync, i != 1);
        CHECK_INT_EQ(fr->tracks[1].base_dts, rt_audio_base(i));
        CHECK_INT_EQ(fr->tracks[1].duration, 1024 * RT_AUDIO);
        CHECK_INT_EQ(fr->tracks[1].sample_count, RT_AUDIO);
        CHECK(fr->tracks[1].first_sync);
        at += fr->size;
    }
    CHECK_INT_EQ(at, rt.file.len);

    /* Every sample, with its bytes where the reader says they are. */
    static collected c;
    for (size_t i = 0; i < f.fragment_count && i < RT_FRAGMENTS; i++) {
        c.count = 0;
        CHECK_INT_EQ(vg_mp4_fragment_samples(buf, rt.file.len, &f, i, collect, &c), 0);
        CHECK_INT_EQ(c.count, RT_VIDEO + RT_AUDIO);
        uint64_t dts[2] = {rt_video_base(i), rt_audio_base(i)};
        for (size_t k = 0; k < c.count && k < RT_VIDEO + RT_AUDIO; k++) {
            const vg_mp4_sample *s = &c.s[k];
            size_t tr = k < RT_VIDEO ? 0 : 1, n = tr == 0 ? k : k - RT_VIDEO;
            const vg_fmp4_sample *w = &rt.samples[i][tr][n];
            CHECK_INT_EQ(s->track, tr);
            CHECK_INT_EQ(s->track_id, tr + 1);
            CHECK_INT_EQ(s->dts, dts[tr]);
            CHECK_INT_EQ(s->duration, w->duration);
            CHECK_INT_EQ(s->cts_offset, w->cts_offset);
            CHECK_INT_EQ(s->size, w->size);
            CHECK_INT_EQ(s->sync, w->key);
            CHECK(s->offset >= f.fragments[i].mdat_offset + 8 &&
                  s->offset + s->size <= f.fragments[i].offset + f.fragments[i].size);
            CHECK(memcmp(buf + s->offset, w->data, w->size) == 0);
            dts[tr] += w->duration;
        }
    }

    /* A callback that says stop: its value comes back, and no more samples come. */
    c.count = 0;
    c.stop_after = 3;
    CHECK_INT_EQ(vg_mp4_fragment_samples(buf, rt.file.len, &f, 0, collect, &c), 42);
    CHECK_INT_EQ(c.count, 3);
    c.stop_after = 0;

    /* Out of range, or a buffer that does not hold the fragment. */
    CHECK_INT_EQ(vg_mp4_fragment_samples(buf, rt.file.len, &f, RT_FRAGMENTS, collect, &c),
                 VG_EINVAL);
    CHECK_INT_EQ(vg_mp4_fragment_samples(buf, rt.file.len - 1, &f, RT_FRAGMENTS - 1, collect, &c),
                 VG_EINVAL);
    /* Another buffer whose bytes there are not a fragment. */
    uint8_t *other = calloc(1, rt.file.len);
    if (other)
        CHECK_INT_EQ(vg_mp4_fragment_samples(other, rt.file.len, &f, 0, collect, &c), VG_ESYNTAX);
    free(other);

    vg_mp4_file_clear(&f);
    CHECK(f.fragments == NULL && f.fragment_count == 0);
    vg_mp4_file_clear(&f);
    vg_mp4_file_clear(NULL);
    free(rt.file.p);
}

static void test_truncation(void)
{
    static rt_file rt;
    CHECK(rt_build(&rt));
    if (!rt.file.p)
        return;
    /* Cut inside the init segment: not a file to recover. */
    for (size_t cut = 0; cut < rt.init_size; cut++) {
        uint8_t *buf = exact_copy(rt.file.p, cut);
        vg_mp4_file f;
        int ret = vg_mp4_scan(buf, cut, &f);
        if (ret != VG_ESYNTAX)
            fprintf(stderr, "cut at %zu: %d\n", cut, ret);
        CHECK_INT_EQ(ret, VG_ESYNTAX);
        CHECK(f.fragments == NULL && f.fragment_count == 0 && f.why != NULL);
        vg_mp4_file_clear(&f);
        free(buf);
    }
    /* Cut anywhere after it: the whole fragments before the cut, and nothing else. */
    size_t failures = 0;
    for (size_t cut = rt.init_size; cut <= rt.file.len; cut++) {
        uint8_t *buf = exact_copy(rt.file.p, cut);
        vg_mp4_file f;
        size_t whole = 0;
        while (whole < RT_FRAGMENTS && rt.fragment_end[whole] <= cut)
            whole++;
        size_t complete = whole ? rt.fragment_end[whole - 1] : rt.init_size;
        bool at_boundary = complete == cut;
        bool ok = vg_mp4_scan(buf, cut, &f) == 0 && f.fragment_count == whole &&
                  f.complete_size == complete && f.init_size == rt.init_size &&
                  f.stop == (at_boundary ? VG_MP4_STOP_END : VG_MP4_STOP_TRUNCATED);
        /* The span shrinks with the fragments. */
        if (ok && whole > 0)
            ok = f.tracks[0].end_dts == rt_video_base(whole) &&
                 f.tracks[1].sample_count == whole * RT_AUDIO;
        if (!ok && failures++ < 5)
            fprintf(stderr, "cut at %zu: %zu fragments, complete %llu, stop %d (%s)\n", cut,
                    f.fragment_count, (unsigned long long)f.complete_size, (int)f.stop, f.why);
        CHECK(ok);
        vg_mp4_file_clear(&f);
        free(buf);
    }
    free(rt.file.p);
}

/* ---- hand-built fragments ----------------------------------------------------------------- */

/* The init segment of rt_build(), with the audio trex's defaults patched in. */
static bool init_with_audio_defaults(bytes *out, uint32_t duration, uint32_t size, uint32_t flags)
{
    vg_track *tracks[2] = {h264_track(), aac_track()};
    uint8_t *init = NULL;
    size_t len = 0;
    bool ok = tracks[0] && tracks[1] && vg_fmp4_write_init(tracks, 2, &init, &len) == 0;
    vg_track_unref(&tracks[0]);
    vg_track_unref(&tracks[1]);
    if (!ok)
        return false;
    /* The second trex: size, 'trex', version/flags, track_ID 2, sdi, duration, size, flags. */
    uint8_t *trex = NULL;
    for (size_t i = 4; i + 28 <= len; i++) {
        if (memcmp(init + i, "trex", 4) == 0 && init[i + 11] == 2) {
            trex = init + i - 4;
            break;
        }
    }
    if (trex) {
        store_u32(trex + 20, duration);
        store_u32(trex + 24, size);
        store_u32(trex + 28, flags);
    }
    ok = trex && append(out, init, len);
    free(init);
    return ok;
}

/* Writes an mdat of `payload` bytes of value `fill`, with a 64-bit largesize when asked. */
static void put_mdat(vg_mp4_writer *w, size_t payload, uint8_t fill, bool large)
{
    if (large) {
        vg_mp4_put_u32(w, 1);
        vg_mp4_put_fourcc(w, "mdat");
        vg_mp4_put_u64(w, 16 + payload);
    } else {
        vg_mp4_put_u32(w, (uint32_t)(8 + payload));
        vg_mp4_put_fourcc(w, "mdat");
    }
    for (size_t i = 0; i < payload; i++)
        vg_mp4_put_u8(w, fill);
}

/*
 * A fragment the way other writers make them: no default-base-is-moof, so
 * the second traf's data follows the first's (8.8.7.1); tfhd defaults for
 * video with first-sample-flags and version-0 (unsigned) composition
 * offsets; audio from the trex defaults alone, without tfdt when `tfdt` is
 * false; mdat with a largesize when `large`.
 */
static void put_chained_fragment(vg_mp4_writer *w, uint32_t seq, uint64_t video_dts,
                                 uint64_t audio_dts, bool tfdt, bool large)
{
    size_t moof = vg_mp4_box_begin(w, "moof");
    size_t box = vg_mp4_full_box_begin(w, "mfhd", 0, 0);
    vg_mp4_put_u32(w, seq);
    vg_mp4_box_end(w, box);

    /* Video: 3 samples of 10, 20, 30 bytes, 3000 each, the first sync. */
    size_t traf = vg_mp4_box_begin(w, "traf");
    box = vg_mp4_full_box_begin(w, "tfhd", 0, 0x000008 | 0x000020); /* duration, flags */
    vg_mp4_put_u32(w, 1);
    vg_mp4_put_u32(w, 3000);
    vg_mp4_put_u32(w, 0x01010000); /* non-sync */
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "tfdt", 1, 0);
    vg_mp4_put_u64(w, video_dts);
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "trun", 0, 0x000001 | 0x000004 | 0x000200 | 0x000800);
    vg_mp4_put_u32(w, 3);
    size_t data_offset_at = w->len;
    vg_mp4_put_u32(w, 0); /* patched below */
    vg_mp4_put_u32(w, 0x02000000);
    static const uint32_t sizes[3] = {10, 20, 30}, cts[3] = {6000, 0, 0xfffff000};
    for (int i = 0; i < 3; i++) {
        vg_mp4_put_u32(w, sizes[i]);
        vg_mp4_put_u32(w, cts[i]);
    }
    vg_mp4_box_end(w, box);
    vg_mp4_box_end(w, traf);

    /* Audio: 2 samples of trex's 1024 ticks and 3 bytes, right after the video's data. */
    traf = vg_mp4_box_begin(w, "traf");
    box = vg_mp4_full_box_begin(w, "tfhd", 0, 0);
    vg_mp4_put_u32(w, 2);
    vg_mp4_box_end(w, box);
    if (tfdt) {
        box = vg_mp4_full_box_begin(w, "tfdt", 0, 0); /* version 0: 32 bits */
        vg_mp4_put_u32(w, (uint32_t)audio_dts);
        vg_mp4_box_end(w, box);
    }
    box = vg_mp4_full_box_begin(w, "trun", 0, 0);
    vg_mp4_put_u32(w, 2);
    vg_mp4_box_end(w, box);
    vg_mp4_box_end(w, traf);
    vg_mp4_box_end(w, moof);

    /* 8.8.7.1: without default-base-is-moof the first traf counts from the moof too. */
    vg_mp4_patch_u32(w, data_offset_at, (uint32_t)(w->len - moof + (large ? 16 : 8)));
    put_mdat(w, 60 + 6, (uint8_t)seq, large);
}

typedef struct want_sample {
    uint32_t track_id;
    uint64_t dts;
    uint32_t duration;
    int64_t cts;
    uint32_t size;
    bool sync;
} want_sample;

static void check_samples(const collected *c, const want_sample *want, size_t n)
{
    CHECK_INT_EQ(c->count, n);
    for (size_t i = 0; i < n && i < c->count; i++) {
        CHECK_INT_EQ(c->s[i].track_id, want[i].track_id);
        CHECK_INT_EQ(c->s[i].dts, want[i].dts);
        CHECK_INT_EQ(c->s[i].duration, want[i].duration);
        CHECK_INT_EQ(c->s[i].cts_offset, want[i].cts);
        CHECK_INT_EQ(c->s[i].size, want[i].size);
        CHECK_INT_EQ(c->s[i].sync, want[i].sync);
    }
}

static void test_defaults_and_chained_trafs(void)
{
    bytes file = {0};
    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    bool ok = init_with_audio_defaults(&file, 1024, 3, 0x02000000);
    size_t init = file.len;
    put_chained_fragment(&w, 1, 0, 7000, true, false);
    ok = ok && append_writer(&file, &w);
    size_t first_end = file.len;
    vg_mp4_writer_init(&w);
    /* The second fragment has no audio tfdt: the audio goes on from 7000 + 2048. */
    put_chained_fragment(&w, 2, 9000, 0, false, true);
    ok = ok && append_writer(&file, &w);
    CHECK(ok);
    if (!ok) {
        free(file.p);
        return;
    }

    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_END);
    CHECK_INT_EQ(f.fragment_count, 2);
    CHECK_INT_EQ(f.tracks[1].default_sample_duration, 1024);
    if (f.fragment_count == 2) {
        CHECK_INT_EQ(f.fragments[0].offset, init);
        CHECK_INT_EQ(f.fragments[1].offset, first_end);
        CHECK_INT_EQ(f.fragments[1].tracks[1].base_dts, 7000 + 2048);
        CHECK_INT_EQ(f.fragments[1].tracks[0].base_dts, 9000);
        CHECK(f.fragments[0].key && f.fragments[1].key);
    }
    CHECK_INT_EQ(f.tracks[0].start_dts, 0);
    CHECK_INT_EQ(f.tracks[0].end_dts, 9000 + 9000);
    CHECK_INT_EQ(f.tracks[1].start_dts, 7000);
    CHECK_INT_EQ(f.tracks[1].end_dts, 7000 + 4 * 1024);

    static collected c;
    for (size_t i = 0; i < f.fragment_count; i++) {
        c.count = 0;
        CHECK_INT_EQ(vg_mp4_fragment_samples(file.p, file.len, &f, i, collect, &c), 0);
        uint64_t v = i == 0 ? 0 : 9000, a = 7000 + 2048 * i;
        const want_sample want[5] = {
            {1, v, 3000, 6000, 10, true},
            {1, v + 3000, 3000, 0, 20, false},
            {1, v + 6000, 3000, 0xfffff000, 30, false}, /* version 0: unsigned */
            {2, a, 1024, 0, 3, true},
            {2, a + 1024, 1024, 0, 3, true},
        };
        check_samples(&c, want, 5);
        /* The audio's data comes right after the video's 60 bytes, in the same mdat. */
        if (c.count == 5) {
            CHECK_INT_EQ(c.s[3].offset, c.s[0].offset + 60);
            CHECK_INT_EQ(c.s[4].offset, c.s[3].offset + 3);
            CHECK_INT_EQ(c.s[0].offset,
                         f.fragments[i].mdat_offset + (i == 1 ? 16 : 8)); /* largesize header */
        }
    }
    vg_mp4_file_clear(&f);
    free(file.p);
}

static void test_base_data_offset(void)
{
    bytes file = {0};
    bool ok = init_with_audio_defaults(&file, 1024, 4, 0);
    size_t moof_at = file.len;
    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    size_t moof = vg_mp4_box_begin(&w, "moof");
    size_t box = vg_mp4_full_box_begin(&w, "mfhd", 0, 0);
    vg_mp4_put_u32(&w, 1);
    vg_mp4_box_end(&w, box);
    size_t traf = vg_mp4_box_begin(&w, "traf");
    /* base-data-offset-present: an absolute file offset (8.8.7.1). */
    box = vg_mp4_full_box_begin(&w, "tfhd", 0, 0x000001);
    vg_mp4_put_u32(&w, 2);
    size_t base_at = w.len;
    vg_mp4_put_u64(&w, 0);
    vg_mp4_box_end(&w, box);
    box = vg_mp4_full_box_begin(&w, "trun", 0, 0x000001);
    vg_mp4_put_u32(&w, 2);
    vg_mp4_put_u32(&w, 4); /* data_offset from the base: skip 4 bytes of the mdat */
    vg_mp4_box_end(&w, box);
    vg_mp4_box_end(&w, traf);
    vg_mp4_box_end(&w, moof);
    uint64_t mdat_payload = moof_at + w.len + 8;
    w.data[base_at] = 0; /* the high half stays 0 */
    vg_mp4_patch_u32(&w, base_at + 4, (uint32_t)mdat_payload);
    put_mdat(&w, 12, 0xab, false);
    ok = ok && append_writer(&file, &w);
    CHECK(ok);
    if (!ok) {
        free(file.p);
        return;
    }
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.fragment_count, 1);
    /* No video in this fragment: it does not start on a key frame. */
    CHECK(f.fragment_count == 1 && !f.fragments[0].key);
    static collected c;
    c.count = 0;
    CHECK_INT_EQ(vg_mp4_fragment_samples(file.p, file.len, &f, 0, collect, &c), 0);
    CHECK_INT_EQ(c.count, 2);
    CHECK_INT_EQ(c.s[0].offset, mdat_payload + 4);
    CHECK_INT_EQ(c.s[1].offset, mdat_payload + 8);
    CHECK(c.s[0].sync); /* trex flags 0 */
    vg_mp4_file_clear(&f);

    /* Pointing 4 bytes further runs the last sample out of the mdat: refused. */
    store_u32(file.p + moof_at + base_at + 4, (uint32_t)mdat_payload + 5);
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.fragment_count, 0);
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_MALFORMED);
    CHECK_INT_EQ(f.complete_size, moof_at);
    vg_mp4_file_clear(&f);
    free(file.p);
}

/* What follows the fragments: boxes to skip, size 0, things that are not fragments. */
static void test_tails(void)
{
    static rt_file rt;
    CHECK(rt_build(&rt));
    if (!rt.file.p)
        return;
    struct {
        const char *name;
        uint8_t tail[24];
        size_t len;
        vg_mp4_stop stop;
        size_t complete_extra; /* bytes of the tail taken as complete */
    } cases[] = {
        {"free", {0, 0, 0, 12, 'f', 'r', 'e', 'e', 1, 2, 3, 4}, 12, VG_MP4_STOP_END, 12},
        {"mfra+zeros",
         {0, 0, 0, 16, 'm', 'f', 'r', 'a', 0, 0, 0, 8, 'm', 'f', 'r', 'o', 0, 0, 0, 0, 0, 0, 0, 0},
         24,
         VG_MP4_STOP_ZERO_SIZE,
         16},
        {"zeros", {0}, 24, VG_MP4_STOP_ZERO_SIZE, 0},
        {"mdat size 0 after a moof", {0}, 0, VG_MP4_STOP_ZERO_SIZE, 0},
        {"tiny size", {0, 0, 0, 4, 'x', 'x', 'x', 'x'}, 8, VG_MP4_STOP_MALFORMED, 0},
        {"unknown box", {0, 0, 0, 8, 'w', 'h', 'a', 't'}, 8, VG_MP4_STOP_MALFORMED, 0},
        {"bare mdat", {0, 0, 0, 9, 'm', 'd', 'a', 't', 7}, 9, VG_MP4_STOP_MALFORMED, 0},
        {"header cut", {0, 0, 0, 9, 'm', 'd'}, 6, VG_MP4_STOP_TRUNCATED, 0},
        {"largesize cut", {0, 0, 0, 1, 'm', 'o', 'o', 'f', 0, 0}, 10, VG_MP4_STOP_TRUNCATED, 0},
        {"huge largesize",
         {0, 0, 0, 1, 'm', 'o', 'o', 'f', 0x80, 0, 0, 0, 0, 0, 0, 0},
         16,
         VG_MP4_STOP_TRUNCATED,
         0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bytes file = {0};
        bool ok =
            append(&file, rt.file.p, rt.file.len) && append(&file, cases[i].tail, cases[i].len);
        if (ok && strcmp(cases[i].name, "mdat size 0 after a moof") == 0) {
            /* The last fragment's mdat says size 0. */
            size_t mdat = rt.fragment_end[RT_FRAGMENTS - 2];
            while (mdat + 8 <= file.len && memcmp(file.p + mdat + 4, "mdat", 4) != 0)
                mdat += (size_t)file.p[mdat] << 24 | (size_t)file.p[mdat + 1] << 16 |
                        (size_t)file.p[mdat + 2] << 8 | file.p[mdat + 3];
            memset(file.p + mdat, 0, 4);
        }
        CHECK(ok);
        vg_mp4_file f;
        CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
        size_t want_fragments = RT_FRAGMENTS, want_complete = rt.file.len + cases[i].complete_extra;
        if (strcmp(cases[i].name, "mdat size 0 after a moof") == 0) {
            want_fragments = RT_FRAGMENTS - 1;
            want_complete = rt.fragment_end[RT_FRAGMENTS - 2];
        }
        if (f.stop != cases[i].stop || f.complete_size != want_complete)
            fprintf(stderr, "case %s: stop %d (%s), complete %llu\n", cases[i].name, (int)f.stop,
                    f.why, (unsigned long long)f.complete_size);
        CHECK_INT_EQ(f.stop, cases[i].stop);
        CHECK_INT_EQ(f.fragment_count, want_fragments);
        CHECK_INT_EQ(f.complete_size, want_complete);
        vg_mp4_file_clear(&f);
        free(file.p);
    }

    /* A moof followed by something else than its mdat. */
    bytes file = {0};
    size_t last = rt.fragment_end[RT_FRAGMENTS - 2];
    if (append(&file, rt.file.p, rt.file.len)) {
        for (size_t p = last; p + 8 <= file.len; p++) {
            if (memcmp(file.p + p + 4, "mdat", 4) == 0) {
                memcpy(file.p + p + 4, "free", 4);
                break;
            }
        }
        vg_mp4_file f;
        CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
        CHECK_INT_EQ(f.stop, VG_MP4_STOP_MALFORMED);
        CHECK_INT_EQ(f.complete_size, last);
        vg_mp4_file_clear(&f);
    }
    free(file.p);
    free(rt.file.p);
}

/*
 * A fragment whose trun claims `count` samples with the fields `flags`
 * gives, in a box of `entries` 4-byte words after its data_offset (which
 * points at the mdat's payload); the mdat holds `payload` bytes.
 */
static bool hostile_file(bytes *file, uint32_t count, uint32_t flags, size_t entries,
                         size_t payload)
{
    if (!init_with_audio_defaults(file, 1024, 0, 0))
        return false;
    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    size_t moof = vg_mp4_box_begin(&w, "moof");
    size_t box = vg_mp4_full_box_begin(&w, "mfhd", 0, 0);
    vg_mp4_put_u32(&w, 1);
    vg_mp4_box_end(&w, box);
    size_t traf = vg_mp4_box_begin(&w, "traf");
    box = vg_mp4_full_box_begin(&w, "tfhd", 0, 0x020000);
    vg_mp4_put_u32(&w, 2);
    vg_mp4_box_end(&w, box);
    box = vg_mp4_full_box_begin(&w, "trun", 0, flags | 0x000001);
    vg_mp4_put_u32(&w, count);
    size_t data_offset_at = w.len;
    vg_mp4_put_u32(&w, 0);
    for (size_t i = 0; i < entries; i++)
        vg_mp4_put_u32(&w, 1);
    vg_mp4_box_end(&w, box);
    vg_mp4_box_end(&w, traf);
    vg_mp4_box_end(&w, moof);
    vg_mp4_patch_u32(&w, data_offset_at, (uint32_t)(w.len - moof + 8));
    put_mdat(&w, payload, 0, false);
    return append_writer(file, &w);
}

/* One traf of the audio track: its tfdt (when has_tfdt) and a trun of `count` trex samples. */
typedef struct traf_spec {
    bool has_tfdt;
    uint64_t tfdt;
    uint32_t count;
} traf_spec;

/*
 * A fragment of audio trafs (default-base-is-moof), each trun pointing at
 * its own samples of trex's 2 bytes, one after the other in the mdat.
 */
static bool audio_trafs_file(bytes *file, const traf_spec *trafs, size_t n)
{
    if (!init_with_audio_defaults(file, 1024, 2, 0))
        return false;
    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    size_t moof = vg_mp4_box_begin(&w, "moof");
    size_t box = vg_mp4_full_box_begin(&w, "mfhd", 0, 0);
    vg_mp4_put_u32(&w, 1);
    vg_mp4_box_end(&w, box);
    size_t offset_at[8], samples = 0;
    for (size_t i = 0; i < n && i < 8; i++) {
        size_t traf = vg_mp4_box_begin(&w, "traf");
        box = vg_mp4_full_box_begin(&w, "tfhd", 0, 0x020000);
        vg_mp4_put_u32(&w, 2);
        vg_mp4_box_end(&w, box);
        if (trafs[i].has_tfdt) {
            box = vg_mp4_full_box_begin(&w, "tfdt", 1, 0);
            vg_mp4_put_u64(&w, trafs[i].tfdt);
            vg_mp4_box_end(&w, box);
        }
        box = vg_mp4_full_box_begin(&w, "trun", 0, 0x000001);
        vg_mp4_put_u32(&w, trafs[i].count);
        offset_at[i] = w.len;
        vg_mp4_put_u32(&w, 0);
        vg_mp4_box_end(&w, box);
        vg_mp4_box_end(&w, traf);
    }
    vg_mp4_box_end(&w, moof);
    size_t data = w.len - moof + 8;
    for (size_t i = 0; i < n && i < 8; i++) {
        vg_mp4_patch_u32(&w, offset_at[i], (uint32_t)(data + 2 * samples));
        samples += trafs[i].count;
    }
    put_mdat(&w, 2 * samples, 0x55, false);
    return append_writer(file, &w);
}

/*
 * Several trafs of one track in a moof: the base is the first sample's dts
 * (a traf without samples before it sets nothing but where the track goes
 * on), later trafs may jump forward, not back, and the walk agrees.
 */
static void test_trafs_of_one_track(void)
{
    const traf_spec ok_trafs[] = {
        {true, 100, 0},  /* no samples: its tfdt is not the fragment's start */
        {true, 50, 0},   /* nor this one's: before the first sample, any tfdt goes */
        {false, 0, 2},   /* 50, 1074 */
        {true, 5000, 1}, /* a jump forward: 5000 */
        {false, 0, 1},   /* 6024 */
    };
    bytes file = {0};
    CHECK(audio_trafs_file(&file, ok_trafs, 5));
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.fragment_count, 1);
    if (f.fragment_count == 1) {
        const vg_mp4_fragment_track *a = &f.fragments[0].tracks[1];
        CHECK_INT_EQ(a->base_dts, 50);
        CHECK_INT_EQ(a->sample_count, 4);
        CHECK_INT_EQ(a->duration, 6024 + 1024 - 50);
        CHECK_INT_EQ(f.fragments[0].tracks[0].sample_count, 0);
        CHECK(!f.fragments[0].key); /* no video */
        static collected c;
        c.count = 0;
        CHECK_INT_EQ(vg_mp4_fragment_samples(file.p, file.len, &f, 0, collect, &c), 0);
        static const uint64_t dts[4] = {50, 1074, 5000, 6024};
        CHECK_INT_EQ(c.count, 4);
        for (size_t i = 0; i < 4 && i < c.count; i++) {
            CHECK_INT_EQ(c.s[i].dts, dts[i]);
            CHECK_INT_EQ(c.s[i].offset, c.s[0].offset + 2 * i);
        }
    }
    CHECK_INT_EQ(f.tracks[1].start_dts, 50);
    CHECK_INT_EQ(f.tracks[1].end_dts, 6024 + 1024);
    vg_mp4_file_clear(&f);
    free(file.p);

    const traf_spec back[] = {{true, 100, 2}, {true, 1000, 0}, {true, 1147, 1}};
    file = (bytes){0};
    CHECK(audio_trafs_file(&file, back, 3));
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.fragment_count, 0);
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_MALFORMED);
    CHECK_STR_EQ(f.why, "tfdt goes back within a fragment");
    vg_mp4_file_clear(&f);
    free(file.p);
}

static void test_hostile_counts(void)
{
    struct {
        uint32_t count, flags;
        size_t entries, payload;
        const char *why;
    } cases[] = {
        /* 1e9 samples of trex's size 0: refused before anything is read or allocated. */
        {1000000000u, 0, 0, 0, "trun with more samples than VG_MP4_MAX_TRUN_SAMPLES"},
        {1000000000u, 0x200, 4, 4, "trun with more samples than VG_MP4_MAX_TRUN_SAMPLES"},
        /* Within the cap, but more than the fragment has bytes. */
        {VG_MP4_MAX_TRUN_SAMPLES, 0, 0, 0, "more samples than bytes in the fragment"},
        /* Per-sample sizes that the trun does not hold. */
        {1000, 0x200, 10, 100, "trun shorter than its samples"},
        /* Sizes that run past the mdat. */
        {3, 0x200, 3, 2, "sample data outside the fragment's mdat"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bytes file = {0};
        bool ok =
            hostile_file(&file, cases[i].count, cases[i].flags, cases[i].entries, cases[i].payload);
        CHECK(ok);
        vg_mp4_file f;
        CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
        CHECK_INT_EQ(f.fragment_count, 0);
        CHECK_INT_EQ(f.stop, VG_MP4_STOP_MALFORMED);
        CHECK_STR_EQ(f.why, cases[i].why);
        CHECK_INT_EQ(f.complete_size, f.init_size);
        vg_mp4_file_clear(&f);
        free(file.p);
    }
    /* The same shape within bounds is read. */
    bytes file = {0};
    CHECK(hostile_file(&file, 3, 0x200, 3, 3));
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    CHECK_INT_EQ(f.fragment_count, 1);
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_END);
    vg_mp4_file_clear(&f);
    free(file.p);
}

/* Init segments that are not ours. */
static void test_bad_init(void)
{
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(NULL, 0, &f), VG_ESYNTAX);
    CHECK(f.why != NULL && f.fragments == NULL);
    static const uint8_t no_ftyp[] = {0, 0, 0, 8, 'm', 'o', 'o', 'v'};
    CHECK_INT_EQ(vg_mp4_scan(no_ftyp, sizeof(no_ftyp), &f), VG_ESYNTAX);

    static rt_file rt;
    CHECK(rt_build(&rt));
    if (!rt.file.p)
        return;
    /* The mvex renamed: not a fragmented file. */
    uint8_t *copy = exact_copy(rt.file.p, rt.file.len);
    for (size_t i = 0; copy && i + 4 <= rt.init_size; i++) {
        if (memcmp(copy + i, "mvex", 4) == 0)
            memcpy(copy + i, "mvez", 4);
    }
    CHECK_INT_EQ(vg_mp4_scan(copy, rt.file.len, &f), VG_ESYNTAX);
    CHECK_STR_EQ(f.why, "moov without mvex: not a fragmented file (8.8.1)");
    free(copy);

    /* Both tracks with track_ID 1. */
    copy = exact_copy(rt.file.p, rt.file.len);
    for (size_t i = 0; copy && i + 16 <= rt.init_size; i++) {
        if (memcmp(copy + i, "tkhd", 4) == 0)
            copy[i + 4 + 4 + 8 + 3] = 1;
    }
    CHECK_INT_EQ(vg_mp4_scan(copy, rt.file.len, &f), VG_ESYNTAX);
    CHECK_STR_EQ(f.why, "two tracks with the same track_ID");
    free(copy);

    /* A timescale of 0. */
    copy = exact_copy(rt.file.p, rt.file.len);
    for (size_t i = 0; copy && i + 24 <= rt.init_size; i++) {
        if (memcmp(copy + i, "mdhd", 4) == 0) {
            memset(copy + i + 4 + 4 + 8, 0, 4);
            break;
        }
    }
    CHECK_INT_EQ(vg_mp4_scan(copy, rt.file.len, &f), VG_ESYNTAX);
    CHECK_STR_EQ(f.why, "mdhd timescale 0");
    free(copy);

    /* A moov that claims more than it has is a cut init segment. */
    copy = exact_copy(rt.file.p, rt.file.len);
    if (copy) {
        memset(copy + 24, 0x7f, 1);
        CHECK_INT_EQ(vg_mp4_scan(copy, rt.file.len, &f), VG_ESYNTAX);
        CHECK_STR_EQ(f.why, "the init segment is cut short");
    }
    free(copy);
    free(rt.file.p);
}

/* A small deterministic generator for the random tests. */
static uint32_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

/* The fuzz target's invariants, for one buffer. */
static bool invariants_hold(const uint8_t *buf, size_t len)
{
    vg_mp4_file f;
    int ret = vg_mp4_scan(buf, len, &f);
    bool ok = ret == 0 || (ret == VG_ESYNTAX && f.fragment_count == 0 && f.fragments == NULL);
    ok = ok && f.why != NULL;
    if (ret == 0) {
        uint64_t prev_end = f.init_size;
        ok = ok && f.init_size <= f.complete_size && f.complete_size <= len;
        ok = ok && (f.stop != VG_MP4_STOP_END || f.complete_size == len);
        for (size_t i = 0; ok && i < f.fragment_count; i++) {
            const vg_mp4_fragment *fr = &f.fragments[i];
            ok = fr->offset >= prev_end && fr->offset <= f.complete_size &&
                 fr->size <= f.complete_size - fr->offset && fr->mdat_offset > fr->offset &&
                 fr->mdat_offset - fr->offset < fr->size;
            prev_end = fr->offset + fr->size;
            static collected c;
            c.count = 0;
            ok = ok && vg_mp4_fragment_samples(buf, len, &f, i, collect, &c) == 0 &&
                 c.count == fr->sample_count;
            for (size_t k = 0; ok && k < c.count && k < MAX_SAMPLES; k++)
                ok = c.s[k].offset >= fr->mdat_offset &&
                     c.s[k].offset + c.s[k].size <= fr->offset + fr->size;
        }
    }
    vg_mp4_file_clear(&f);
    return ok;
}

static void test_random_and_mutated(void)
{
    uint64_t state = 0x5eed;
    for (int round = 0; round < 300; round++) {
        size_t len = next_random(&state) % 600;
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
            continue;
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)next_random(&state);
        /* Half of them start like an MP4, so that the box walk goes further. */
        if (round % 2 && len >= 8)
            memcpy(buf,
                   "\0\0\0\x08"
                   "ftyp",
                   8);
        vg_mp4_file f;
        CHECK_INT_EQ(vg_mp4_scan(buf, len, &f), VG_ESYNTAX);
        CHECK(invariants_hold(buf, len));
        vg_mp4_file_clear(&f);
        free(buf);
    }

    static rt_file rt;
    CHECK(rt_build(&rt));
    if (!rt.file.p)
        return;
    size_t broken = 0;
    for (int round = 0; round < 3000; round++) {
        uint8_t *buf = exact_copy(rt.file.p, rt.file.len);
        if (!buf)
            continue;
        int flips = 1 + (int)(next_random(&state) % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = next_random(&state) % rt.file.len;
            buf[at] = (uint8_t)(next_random(&state) % 3 == 0 ? 0xff : next_random(&state));
        }
        size_t len = next_random(&state) % 4 == 0 ? next_random(&state) % rt.file.len : rt.file.len;
        bool ok = invariants_hold(buf, len);
        if (!ok && broken++ < 3)
            fprintf(stderr, "mutation round %d breaks an invariant\n", round);
        CHECK(ok);
        free(buf);
    }
    free(rt.file.p);
}

/* ---- a file from FFmpeg ------------------------------------------------------------------- */

static bool read_file(const char *path, bytes *out)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    uint8_t chunk[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        ok = append(out, chunk, n);
    fclose(fp);
    return ok;
}

static void test_ffmpeg_file(void)
{
    if (system("command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1") != 0) {
        fprintf(stderr, "ffmpeg or ffprobe not found: skipping the FFmpeg file\n");
        return;
    }
    char dir[256], path[300], probe[300], cmd[2048];
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/x.mp4", dir);
    snprintf(probe, sizeof(probe), "%s/video.csv", dir);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 "
             "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:v libx264 -g 25 "
             "-c:a aac -movflags +frag_keyframe+empty_moov+default_base_moof -f mp4 '%s' && "
             "ffprobe -v error -select_streams v:0 -show_entries packet=dts,duration,size,flags "
             "-of csv=p=0 '%s' > '%s'",
             path, path, probe);
    if (system(cmd) != 0) {
        fprintf(stderr, "ffmpeg could not write the file (no libx264?): skipping\n");
        return;
    }
    bytes file = {0};
    CHECK(read_file(path, &file));
    vg_mp4_file f;
    CHECK_INT_EQ(vg_mp4_scan(file.p, file.len, &f), 0);
    /* FFmpeg ends the file with an mfra (8.8.9), which is skipped. */
    CHECK_INT_EQ(f.stop, VG_MP4_STOP_END);
    CHECK_INT_EQ(f.complete_size, file.len);
    CHECK_INT_EQ(f.track_count, 2);
    CHECK_INT_EQ(f.video_track, 0);
    CHECK_STR_EQ(f.tracks[0].codec, "avc1");
    CHECK_INT_EQ(f.tracks[0].width, 320);
    CHECK_INT_EQ(f.tracks[0].height, 240);
    CHECK_STR_EQ(f.tracks[1].codec, "mp4a");
    CHECK_INT_EQ(f.tracks[1].sample_rate, 48000);
    CHECK_INT_EQ(f.tracks[0].sample_count, 75);
    /* 3 s of video in the track's timescale. */
    CHECK_INT_EQ(f.tracks[0].end_dts - f.tracks[0].start_dts, 3 * f.tracks[0].timescale);
    CHECK(f.fragment_count >= 3);

    /*
     * Each fragment starts on a key frame (frag_keyframe), its samples fill
     * its mdat exactly, and the video samples are those ffprobe reads, in
     * order: size, duration, key flag.
     */
    FILE *csv = fopen(probe, "r");
    CHECK(csv != NULL);
    static collected c;
    size_t video = 0;
    for (size_t i = 0; i < f.fragment_count; i++) {
        const vg_mp4_fragment *fr = &f.fragments[i];
        CHECK(fr->key);
        c.count = 0;
        CHECK_INT_EQ(vg_mp4_fragment_samples(file.p, file.len, &f, i, collect, &c), 0);
        uint64_t bytes_in_mdat = 0;
        for (size_t k = 0; k < c.count && k < MAX_SAMPLES; k++) {
            bytes_in_mdat += c.s[k].size;
            if (c.s[k].track != 0 || !csv)
                continue;
            long long dts = 0, duration = 0, size = 0;
            char flags[8] = "";
            if (fscanf(csv, "%lld,%lld,%lld,%7s", &dts, &duration, &size, flags) != 4) {
                CHECK(!"ffprobe gave fewer video packets");
                break;
            }
            CHECK_INT_EQ(c.s[k].size, size);
            CHECK_INT_EQ(c.s[k].duration, duration);
            CHECK_INT_EQ(c.s[k].sync, flags[0] == 'K');
            video++;
        }
        uint64_t mdat_size = fr->size - (fr->mdat_offset - fr->offset);
        CHECK_INT_EQ(bytes_in_mdat + 8, mdat_size);
    }
    CHECK_INT_EQ(video, 75);
    if (csv)
        fclose(csv);

    /* Cut in the middle of the last fragment: the others remain, the file is cut there. */
    uint64_t last = f.fragments[f.fragment_count - 1].offset;
    size_t cut = (size_t)(last + f.fragments[f.fragment_count - 1].size / 2);
    vg_mp4_file g;
    CHECK_INT_EQ(vg_mp4_scan(file.p, cut, &g), 0);
    CHECK_INT_EQ(g.fragment_count, f.fragment_count - 1);
    CHECK_INT_EQ(g.complete_size, last);
    CHECK_INT_EQ(g.stop, VG_MP4_STOP_TRUNCATED);
    vg_mp4_file_clear(&g);
    vg_mp4_file_clear(&f);
    free(file.p);
    remove(probe);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    VG_TEST_RUN(test_round_trip);
    VG_TEST_RUN(test_truncation);
    VG_TEST_RUN(test_defaults_and_chained_trafs);
    VG_TEST_RUN(test_base_data_offset);
    VG_TEST_RUN(test_trafs_of_one_track);
    VG_TEST_RUN(test_tails);
    VG_TEST_RUN(test_hostile_counts);
    VG_TEST_RUN(test_bad_init);
    VG_TEST_RUN(test_random_and_mutated);
    VG_TEST_RUN(test_ffmpeg_file);
    return vg_test_done();
}
