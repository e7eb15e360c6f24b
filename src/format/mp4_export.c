/*
 * mp4_export.c: progressive MP4 export. Section numbers are ISO/IEC
 * 14496-12 (ISO base media file format, 2015).
 *
 * DESIGN
 *
 * An add walks every sample of the file (vg_mp4_fragment_samples()), picks
 * the ones in range, and appends, per picked sample in file order: its
 * metadata to its track's sample list, and its bytes to the copy runs. So
 * the mdat of the export is the picked samples in their source order, and
 * a sample's place in it is the sum of the sizes picked before it. A
 * track's samples that follow each other in that order form one chunk
 * (8.7.4: "a contiguous set of samples for one track"), which is exactly
 * how they sit in a source mdat when they were copied together.
 *
 * The header is then written from the tables alone:
 *
 *   ftyp                    4.3     isom, iso4 (signed ctts), mp41
 *   moov                    8.2.1
 *     mvhd                  8.2.2   timescale 1000, the longest track
 *     trak, per track       8.3.1
 *       tkhd                8.3.2   enabled | in_movie | in_preview
 *       edts/elst (video)   8.6.5, 8.6.6  when the first picture has pts > 0
 *       mdia / mdhd, hdlr   8.4     the source timescale
 *         minf / vmhd|smhd, dinf/dref/url
 *           stbl            8.5.1
 *             stsd          8.5.2   copied byte for byte from the first file
 *             stts          8.6.1.2
 *             ctts          8.6.1.3 version 1 (signed), only with offsets
 *             stss          8.6.2   only when some sample is not a sync sample
 *             stsz          8.7.3.2
 *             stsc          8.7.4
 *             stco | co64   8.7.5
 *   mdat                    8.1.1   32-bit size, or size 1 and a largesize
 *
 * Chunk offsets count from the file's first byte, so they depend on the
 * moov's own size; the moov is written once to measure it (its size does
 * not depend on the offsets' values, only on stco against co64), then
 * again with the offsets.
 */
#include "format/mp4_export.h"

#include "core/error.h"
#include "format/mp4_box.h"
#include "format/mp4_read.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One video track and one audio track at most. */
#define EXPORT_MAX_TRACKS 2

/* What the sample tables need of one exported sample. */
typedef struct export_sample {
    uint32_t size;
    uint32_t duration;
    int32_t cts_offset;
    bool sync;
} export_sample;

/* A chunk (8.7.4): `count` samples of one track, together in the mdat from `offset` on. */
typedef struct export_chunk {
    uint64_t offset; /* from the first byte of the mdat's payload */
    uint32_t count;
} export_chunk;

typedef struct export_track {
    bool video;
    uint32_t timescale;
    uint16_t width, height;
    uint8_t *stsd; /* owned: the first file's whole stsd box */
    size_t stsd_size;
    export_sample *samples;
    size_t sample_count, sample_cap;
    export_chunk *chunks;
    size_t chunk_count, chunk_cap;
    uint64_t duration; /* sum of the sample durations, in timescale units */
} export_track;

struct vg_mp4_export {
    export_track tracks[EXPORT_MAX_TRACKS];
    size_t track_count; /* 0 until the first file is added */
    int last_track;     /* the track of the last sample picked, -1 when none */
    vg_mp4_export_run *runs;
    size_t run_count, run_cap;
    uint64_t payload_size; /* bytes of the mdat's payload: the runs' lengths added up */
};

/* ---- growing arrays --------------------------------------------------------------------- */

/* Makes room for one more element of `size` bytes in *array; false when out of memory. */
static bool grow(void **array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 64;
    if (new_cap > SIZE_MAX / size)
        return false;
    void *p = realloc(*array, new_cap * size);
    if (!p)
        return false;
    *array = p;
    *cap = new_cap;
    return true;
}

vg_mp4_export *vg_mp4_export_create(void)
{
    vg_mp4_export *ex = calloc(1, sizeof(*ex));
    if (ex)
        ex->last_track = -1;
    return ex;
}

void vg_mp4_export_destroy(vg_mp4_export *ex)
{
    if (!ex)
        return;
    for (size_t i = 0; i < EXPORT_MAX_TRACKS; i++) {
        free(ex->tracks[i].stsd);
        free(ex->tracks[i].samples);
        free(ex->tracks[i].chunks);
    }
    free(ex->runs);
    free(ex);
}

/* ---- picking samples -------------------------------------------------------------------- */

/* A sample of the file being added, and whether it is picked. */
typedef struct source_sample {
    int track; /* index into the export's tracks */
    uint64_t dts;
    int64_t cts_offset;
    uint32_t duration;
    uint32_t size;
    uint64_t offset;
    bool sync;
    bool picked;
} source_sample;

typedef struct source_walk {
    int map[VG_MP4_MAX_TRACKS]; /* source track -> export track, -1 when not exported */
    source_sample *samples;
    size_t count, cap;
} source_walk;

static int collect_sample(void *ctx, const vg_mp4_sample *s)
{
    source_walk *walk = ctx;
    if (s->track >= VG_MP4_MAX_TRACKS || walk->map[s->track] < 0)
        return 0;
    /* ctts version 1 holds a signed 32-bit offset (8.6.1.3). */
    if (s->cts_offset < INT32_MIN || s->cts_offset > INT32_MAX || (int64_t)s->dts < 0)
        return VG_ESYNTAX;
    if (!grow((void **)&walk->samples, &walk->cap, walk->count, sizeof(*walk->samples)))
        return VG_ENOMEM;
    walk->samples[walk->count++] = (source_sample){
        .track = walk->map[s->track],
        .dts = s->dts,
        .cts_offset = s->cts_offset,
        .duration = s->duration,
        .size = s->size,
        .offset = s->offset,
        .sync = s->sync,
    };
    return 0;
}

/* The sample's presentation time (dts + composition offset), in its timescale. */
static int64_t sample_pts(const source_sample *s)
{
    return (int64_t)s->dts + s->cts_offset;
}

/*
 * Marks the samples to export (see vg_mp4_export_add_file()). Times are
 * compared without rounding: t / timescale against ms / 1000 as t * 1000
 * against ms * timescale (int64 holds both for any recording shorter than
 * a few thousand years at 90 kHz).
 */
static void pick_samples(source_walk *walk, const vg_mp4_export *ex, int video, int64_t from_ms,
                         int64_t to_ms)
{
    /* The audio span, as a fraction: [span_from / span_scale, span_to / span_scale) seconds. */
    int64_t span_from = from_ms, span_to = to_ms, span_scale = 1000;
    if (video >= 0) {
        int64_t ts = ex->tracks[video].timescale;
        size_t start = SIZE_MAX, end = SIZE_MAX;
        for (size_t i = 0; i < walk->count; i++) {
            const source_sample *s = &walk->samples[i];
            if (s->track != video || !s->sync)
                continue;
            if (start == SIZE_MAX || sample_pts(s) * 1000 <= from_ms * ts)
                start = i;
            if (sample_pts(s) * 1000 > from_ms * ts)
                break;
        }
        if (start == SIZE_MAX)
            return; /* no key frame: nothing to start from */
        for (size_t i = start; i < walk->count; i++) {
            const source_sample *s = &walk->samples[i];
            if (s->track == video && sample_pts(s) * 1000 < to_ms * ts)
                end = i;
        }
        if (end == SIZE_MAX)
            return;
        /* Nothing when every picture ends at or before from_ms: the range is past the file. */
        bool overlaps = false;
        for (size_t i = start; i <= end && !overlaps; i++) {
            const source_sample *s = &walk->samples[i];
            overlaps =
                s->track == video && (sample_pts(s) + (int64_t)s->duration) * 1000 > from_ms * ts;
        }
        if (!overlaps)
            return;
        int64_t first = INT64_MAX, last = INT64_MIN;
        for (size_t i = start; i <= end; i++) {
            source_sample *s = &walk->samples[i];
            if (s->track != video)
                continue;
            s->picked = true;
            if (sample_pts(s) < first)
                first = sample_pts(s);
            if (sample_pts(s) + (int64_t)s->duration > last)
                last = sample_pts(s) + (int64_t)s->duration;
        }
        span_from = first;
        span_to = last;
        span_scale = ts;
    }
    for (size_t i = 0; i < walk->count; i++) {
        source_sample *s = &walk->samples[i];
        if (s->track == video)
            continue;
        int64_t ts = ex->tracks[s->track].timescale;
        int64_t t = sample_pts(s) * span_scale;
        s->picked = t >= span_from * ts && t < span_to * ts;
    }
}

/* ---- adding a file ---------------------------------------------------------------------- */

/* The tracks a file exports: its first video track and its first audio track, in moov order. */
static size_t file_tracks(const vg_mp4_file *file, size_t out[EXPORT_MAX_TRACKS])
{
    size_t n = 0;
    bool have_video = false, have_audio = false;
    for (size_t i = 0; i < file->track_count && n < EXPORT_MAX_TRACKS; i++) {
        uint32_t h = file->tracks[i].handler;
        if (h == VG_MP4_FOURCC('v', 'i', 'd', 'e') && !have_video) {
            have_video = true;
            out[n++] = i;
        } else if (h == VG_MP4_FOURCC('s', 'o', 'u', 'n') && !have_audio) {
            have_audio = true;
            out[n++] = i;
        }
    }
    return n;
}

/* Whether the file's tracks are the export's: same kinds, timescales and stsd bytes. */
static bool same_tracks(const vg_mp4_export *ex, const vg_mp4_file *file, const uint8_t *data,
                        const size_t src[EXPORT_MAX_TRACKS], size_t n)
{
    if (n != ex->track_count)
        return false;
    for (size_t i = 0; i < n; i++) {
        const export_track *t = &ex->tracks[i];
        const vg_mp4_track_info *info = &file->tracks[src[i]];
        if (t->video != (info->handler == VG_MP4_FOURCC('v', 'i', 'd', 'e')) ||
            t->timescale != info->timescale || t->stsd_size != info->stsd_size ||
            memcmp(t->stsd, data + info->stsd_offset, t->stsd_size) != 0)
            return false;
    }
    return true;
}

/* Takes the first file's tracks. */
static int init_tracks(vg_mp4_export *ex, const vg_mp4_file *file, const uint8_t *data,
                       const size_t src[EXPORT_MAX_TRACKS], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const vg_mp4_track_info *info = &file->tracks[src[i]];
        export_track *t = &ex->tracks[i];
        t->stsd = malloc(info->stsd_size);
        if (!t->stsd)
            return VG_ENOMEM;
        memcpy(t->stsd, data + info->stsd_offset, info->stsd_size);
        t->stsd_size = info->stsd_size;
        t->video = info->handler == VG_MP4_FOURCC('v', 'i', 'd', 'e');
        t->timescale = info->timescale;
        t->width = info->width;
        t->height = info->height;
    }
    ex->track_count = n;
    return 0;
}

/* Appends one picked sample: to its track's table, its chunk, and the copy runs. */
static int append_sample(vg_mp4_export *ex, int file_index, const source_sample *s)
{
    export_track *t = &ex->tracks[s->track];
    if (!grow((void **)&t->samples, &t->sample_cap, t->sample_count, sizeof(*t->samples)))
        return VG_ENOMEM;
    bool new_chunk = ex->last_track != s->track || t->chunk_count == 0 ||
                     t->chunks[t->chunk_count - 1].count == UINT32_MAX;
    if (new_chunk) {
        if (!grow((void **)&t->chunks, &t->chunk_cap, t->chunk_count, sizeof(*t->chunks)))
            return VG_ENOMEM;
        t->chunks[t->chunk_count++] = (export_chunk){.offset = ex->payload_size, .count = 0};
    }
    vg_mp4_export_run *last = ex->run_count ? &ex->runs[ex->run_count - 1] : NULL;
    if (last && last->file_index == file_index && last->offset + last->length == s->offset) {
        last->length += s->size;
    } else {
        if (!grow((void **)&ex->runs, &ex->run_cap, ex->run_count, sizeof(*ex->runs)))
            return VG_ENOMEM;
        ex->runs[ex->run_count++] =
            (vg_mp4_export_run){.file_index = file_index, .offset = s->offset, .length = s->size};
    }
    t->chunks[t->chunk_count - 1].count++;
    t->samples[t->sample_count++] = (export_sample){
        .size = s->size,
        .duration = s->duration,
        .cts_offset = (int32_t)s->cts_offset,
        .sync = s->sync,
    };
    t->duration += s->duration;
    ex->payload_size += s->size;
    ex->last_track = s->track;
    return 0;
}

/* What an add may change, to put it back when the add fails half way. */
typedef struct export_mark {
    size_t sample_count[EXPORT_MAX_TRACKS];
    size_t chunk_count[EXPORT_MAX_TRACKS];
    uint32_t last_chunk_count[EXPORT_MAX_TRACKS];
    uint64_t duration[EXPORT_MAX_TRACKS];
    size_t run_count;
    uint64_t last_run_length;
    uint64_t payload_size;
    int last_track;
} export_mark;

static void mark_take(const vg_mp4_export *ex, export_mark *m)
{
    for (size_t i = 0; i < EXPORT_MAX_TRACKS; i++) {
        const export_track *t = &ex->tracks[i];
        m->sample_count[i] = t->sample_count;
        m->chunk_count[i] = t->chunk_count;
        m->last_chunk_count[i] = t->chunk_count ? t->chunks[t->chunk_count - 1].count : 0;
        m->duration[i] = t->duration;
    }
    m->run_count = ex->run_count;
    m->last_run_length = ex->run_count ? ex->runs[ex->run_count - 1].length : 0;
    m->payload_size = ex->payload_size;
    m->last_track = ex->last_track;
}

static void mark_restore(vg_mp4_export *ex, const export_mark *m)
{
    for (size_t i = 0; i < EXPORT_MAX_TRACKS; i++) {
        export_track *t = &ex->tracks[i];
        t->sample_count = m->sample_count[i];
        t->chunk_count = m->chunk_count[i];
        if (t->chunk_count)
            t->chunks[t->chunk_count - 1].count = m->last_chunk_count[i];
        t->duration = m->duration[i];
    }
    ex->run_count = m->run_count;
    if (ex->run_count)
        ex->runs[ex->run_count - 1].length = m->last_run_length;
    ex->payload_size = m->payload_size;
    ex->last_track = m->last_track;
}

int vg_mp4_export_add_file(vg_mp4_export *ex, int file_index, const uint8_t *data, size_t len,
                           int64_t from_ms, int64_t to_ms)
{
    if (!ex || !data || from_ms < 0 || to_ms < from_ms)
        return VG_EINVAL;
    vg_mp4_file file;
    memset(&file, 0, sizeof(file));
    source_walk walk = {.samples = NULL};
    export_mark mark;
    mark_take(ex, &mark);
    bool first_file = ex->track_count == 0;
    int ret = vg_mp4_scan(data, len, &file);
    if (ret < 0)
        goto fail;

    size_t src[EXPORT_MAX_TRACKS];
    size_t n = file_tracks(&file, src);
    if (n == 0) {
        ret = VG_ESYNTAX; /* neither video nor audio */
        goto fail;
    }
    if (first_file) {
        ret = init_tracks(ex, &file, data, src, n);
        if (ret < 0)
            goto fail;
    } else if (!same_tracks(ex, &file, data, src, n)) {
        ret = VG_ESTATE;
        goto fail;
    }

    for (size_t i = 0; i < VG_MP4_MAX_TRACKS; i++)
        walk.map[i] = -1;
    int video = -1;
    for (size_t i = 0; i < n; i++) {
        walk.map[src[i]] = (int)i;
        if (ex->tracks[i].video)
            video = (int)i;
    }
    for (size_t f = 0; f < file.fragment_count; f++) {
        ret = vg_mp4_fragment_samples(data, len, &file, f, collect_sample, &walk);
        if (ret < 0)
            goto fail;
    }
    pick_samples(&walk, ex, video, from_ms, to_ms);
    for (size_t i = 0; i < walk.count; i++) {
        if (!walk.samples[i].picked)
            continue;
        ret = append_sample(ex, file_index, &walk.samples[i]);
        if (ret < 0)
            goto fail;
    }
    free(walk.samples);
    vg_mp4_file_clear(&file);
    return 0;

fail:
    mark_restore(ex, &mark);
    if (first_file) {
        for (size_t i = 0; i < EXPORT_MAX_TRACKS; i++) {
            free(ex->tracks[i].stsd);
            ex->tracks[i].stsd = NULL;
            ex->tracks[i].stsd_size = 0;
        }
        ex->track_count = 0;
    }
    free(walk.samples);
    vg_mp4_file_clear(&file);
    return ret == VG_EINVAL ? VG_ESYNTAX : ret;
}

/* ---- the header ------------------------------------------------------------------------- */

/* A track's duration in the movie timescale (1000), rounded down. */
static uint64_t track_duration_ms(const export_track *t)
{
    return t->duration / t->timescale * 1000 + t->duration % t->timescale * 1000 / t->timescale;
}

/*
 * The composition time of the video's first picture: the smallest pts of
 * its samples (0 when there is no ctts). The edit list starts the
 * presentation there (8.6.6), so the first picture shows at time 0 even
 * when the decoder's first sample has a positive composition offset.
 */
static int64_t first_pts(const export_track *t)
{
    int64_t dts = 0, first = INT64_MAX;
    for (size_t i = 0; i < t->sample_count; i++) {
        if (dts + t->samples[i].cts_offset < first)
            first = dts + t->samples[i].cts_offset;
        dts += t->samples[i].duration;
    }
    return t->sample_count ? first : 0;
}

/* 4.3 ftyp: a plain ISO file; 'iso4' for signed composition offsets (ctts version 1). */
static void write_ftyp(vg_mp4_writer *w)
{
    size_t box = vg_mp4_box_begin(w, "ftyp");
    vg_mp4_put_fourcc(w, "isom"); /* major_brand */
    vg_mp4_put_u32(w, 0x200);     /* minor_version: informative (4.3.3) */
    vg_mp4_put_fourcc(w, "isom");
    vg_mp4_put_fourcc(w, "iso4");
    vg_mp4_put_fourcc(w, "mp41");
    vg_mp4_box_end(w, box);
}

/* The unity transformation matrix of mvhd and tkhd (8.2.2.3). */
static void put_unity_matrix(vg_mp4_writer *w)
{
    static const uint32_t matrix[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
    for (size_t i = 0; i < 9; i++)
        vg_mp4_put_u32(w, matrix[i]);
}

/*
 * creation_time, modification_time, then (version 1 only when needed,
 * 8.2.2.2) a 32-bit id or timescale `mid` and the duration: the layout
 * mvhd, tkhd and mdhd share.
 */
static uint8_t time_version(uint64_t duration)
{
    return duration > UINT32_MAX ? 1 : 0;
}

static void put_times(vg_mp4_writer *w, uint8_t version, uint32_t mid, bool tkhd, uint64_t duration)
{
    if (version == 1) {
        vg_mp4_put_u64(w, 0); /* creation_time */
        vg_mp4_put_u64(w, 0); /* modification_time */
        vg_mp4_put_u32(w, mid);
        if (tkhd)
            vg_mp4_put_u32(w, 0); /* reserved */
        vg_mp4_put_u64(w, duration);
    } else {
        vg_mp4_put_u32(w, 0);
        vg_mp4_put_u32(w, 0);
        vg_mp4_put_u32(w, mid);
        if (tkhd)
            vg_mp4_put_u32(w, 0);
        vg_mp4_put_u32(w, (uint32_t)duration);
    }
}

/* 8.2.2 mvhd: movie timescale 1000, duration of the longest track. */
static void write_mvhd(vg_mp4_writer *w, uint64_t duration_ms, uint32_t next_track_id)
{
    uint8_t v = time_version(duration_ms);
    size_t box = vg_mp4_full_box_begin(w, "mvhd", v, 0);
    put_times(w, v, 1000, false, duration_ms);
    vg_mp4_put_u32(w, 0x00010000); /* rate 1.0 */
    vg_mp4_put_u16(w, 0x0100);     /* volume 1.0 */
    vg_mp4_put_zeros(w, 2 + 8);    /* reserved */
    put_unity_matrix(w);
    vg_mp4_put_zeros(w, 24); /* pre_defined */
    vg_mp4_put_u32(w, next_track_id);
    vg_mp4_box_end(w, box);
}

/* 8.3.2 tkhd, flags track_enabled | track_in_movie | track_in_preview. */
static void write_tkhd(vg_mp4_writer *w, const export_track *t, uint32_t track_id)
{
    uint64_t duration = track_duration_ms(t);
    uint8_t v = time_version(duration);
    size_t box = vg_mp4_full_box_begin(w, "tkhd", v, 0x000001 | 0x000002 | 0x000004);
    put_times(w, v, track_id, true, duration);
    vg_mp4_put_zeros(w, 8);                   /* reserved */
    vg_mp4_put_u16(w, 0);                     /* layer */
    vg_mp4_put_u16(w, 0);                     /* alternate_group */
    vg_mp4_put_u16(w, t->video ? 0 : 0x0100); /* volume: 1.0 for audio (8.3.2.3) */
    vg_mp4_put_u16(w, 0);                     /* reserved */
    put_unity_matrix(w);
    vg_mp4_put_u32(w, t->video ? (uint32_t)t->width << 16 : 0); /* 16.16 */
    vg_mp4_put_u32(w, t->video ? (uint32_t)t->height << 16 : 0);
    vg_mp4_box_end(w, box);
}

/*
 * 8.6.5 edts with 8.6.6 elst: one edit that plays the media from
 * `media_time` (the first picture's composition time) for the whole track,
 * so presentation starts at 0 with that picture.
 */
static void write_edts(vg_mp4_writer *w, const export_track *t, int64_t media_time)
{
    uint64_t duration = track_duration_ms(t);
    uint8_t v = duration > UINT32_MAX || media_time > INT32_MAX ? 1 : 0;
    size_t edts = vg_mp4_box_begin(w, "edts");
    size_t elst = vg_mp4_full_box_begin(w, "elst", v, 0);
    vg_mp4_put_u32(w, 1); /* entry_count */
    if (v == 1) {
        vg_mp4_put_u64(w, duration); /* segment_duration, movie timescale */
        vg_mp4_put_u64(w, (uint64_t)media_time);
    } else {
        vg_mp4_put_u32(w, (uint32_t)duration);
        vg_mp4_put_u32(w, (uint32_t)media_time);
    }
    vg_mp4_put_u16(w, 1); /* media_rate_integer */
    vg_mp4_put_u16(w, 0); /* media_rate_fraction */
    vg_mp4_box_end(w, elst);
    vg_mp4_box_end(w, edts);
}

/* 8.4.2 mdhd: the source's timescale, language "und". */
static void write_mdhd(vg_mp4_writer *w, const export_track *t)
{
    uint8_t v = time_version(t->duration);
    size_t box = vg_mp4_full_box_begin(w, "mdhd", v, 0);
    put_times(w, v, t->timescale, false, t->duration);
    vg_mp4_put_u16(w, (uint16_t)(('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60)));
    vg_mp4_put_u16(w, 0); /* pre_defined */
    vg_mp4_box_end(w, box);
}

/* 8.6.1.2 stts: runs of equal sample durations. */
static void write_stts(vg_mp4_writer *w, const export_track *t)
{
    size_t box = vg_mp4_full_box_begin(w, "stts", 0, 0);
    size_t count_at = w->len;
    vg_mp4_put_u32(w, 0); /* entry_count, patched */
    uint32_t entries = 0;
    for (size_t i = 0; i < t->sample_count;) {
        size_t j = i + 1;
        while (j < t->sample_count && j - i < UINT32_MAX &&
               t->samples[j].duration == t->samples[i].duration)
            j++;
        vg_mp4_put_u32(w, (uint32_t)(j - i));      /* sample_count */
        vg_mp4_put_u32(w, t->samples[i].duration); /* sample_delta */
        entries++;
        i = j;
    }
    vg_mp4_patch_u32(w, count_at, entries);
    vg_mp4_box_end(w, box);
}

/* 8.6.1.3 ctts version 1 (signed offsets), only when some offset is not 0. */
static void write_ctts(vg_mp4_writer *w, const export_track *t)
{
    bool any = false;
    for (size_t i = 0; i < t->sample_count && !any; i++)
        any = t->samples[i].cts_offset != 0;
    if (!any)
        return;
    size_t box = vg_mp4_full_box_begin(w, "ctts", 1, 0);
    size_t count_at = w->len;
    vg_mp4_put_u32(w, 0);
    uint32_t entries = 0;
    for (size_t i = 0; i < t->sample_count;) {
        size_t j = i + 1;
        while (j < t->sample_count && j - i < UINT32_MAX &&
               t->samples[j].cts_offset == t->samples[i].cts_offset)
            j++;
        vg_mp4_put_u32(w, (uint32_t)(j - i));
        vg_mp4_put_u32(w, (uint32_t)t->samples[i].cts_offset); /* signed int(32) */
        entries++;
        i = j;
    }
    vg_mp4_patch_u32(w, count_at, entries);
    vg_mp4_box_end(w, box);
}

/* 8.6.2 stss: the sync samples, 1-based; absent when every sample is one (8.6.2.1). */
static void write_stss(vg_mp4_writer *w, const export_track *t)
{
    size_t sync = 0;
    for (size_t i = 0; i < t->sample_count; i++)
        sync += t->samples[i].sync;
    if (sync == t->sample_count)
        return;
    size_t box = vg_mp4_full_box_begin(w, "stss", 0, 0);
    vg_mp4_put_u32(w, (uint32_t)sync);
    for (size_t i = 0; i < t->sample_count; i++)
        if (t->samples[i].sync)
            vg_mp4_put_u32(w, (uint32_t)(i + 1));
    vg_mp4_box_end(w, box);
}

/* 8.7.3.2 stsz: one size for all when they are equal, else a table. */
static void write_stsz(vg_mp4_writer *w, const export_track *t)
{
    bool same = true;
    for (size_t i = 1; i < t->sample_count && same; i++)
        same = t->samples[i].size == t->samples[0].size;
    size_t box = vg_mp4_full_box_begin(w, "stsz", 0, 0);
    vg_mp4_put_u32(w, same ? t->samples[0].size : 0); /* sample_size */
    vg_mp4_put_u32(w, (uint32_t)t->sample_count);
    if (!same)
        for (size_t i = 0; i < t->sample_count; i++)
            vg_mp4_put_u32(w, t->samples[i].size);
    vg_mp4_box_end(w, box);
}

/* 8.7.4 stsc: runs of chunks with the same number of samples, all of sample entry 1. */
static void write_stsc(vg_mp4_writer *w, const export_track *t)
{
    size_t box = vg_mp4_full_box_begin(w, "stsc", 0, 0);
    size_t count_at = w->len;
    vg_mp4_put_u32(w, 0);
    uint32_t entries = 0;
    for (size_t i = 0; i < t->chunk_count; i++) {
        if (i > 0 && t->chunks[i].count == t->chunks[i - 1].count)
            continue;
        vg_mp4_put_u32(w, (uint32_t)(i + 1)); /* first_chunk, 1-based */
        vg_mp4_put_u32(w, t->chunks[i].count);
        vg_mp4_put_u32(w, 1); /* sample_description_index */
        entries++;
    }
    vg_mp4_patch_u32(w, count_at, entries);
    vg_mp4_box_end(w, box);
}

/* 8.7.5 stco, or co64 when an offset needs 64 bits; `base` is where the mdat's payload starts. */
static void write_chunk_offsets(vg_mp4_writer *w, const export_track *t, bool co64, uint64_t base)
{
    size_t box = vg_mp4_full_box_begin(w, co64 ? "co64" : "stco", 0, 0);
    vg_mp4_put_u32(w, (uint32_t)t->chunk_count);
    for (size_t i = 0; i < t->chunk_count; i++) {
        if (co64)
            vg_mp4_put_u64(w, base + t->chunks[i].offset);
        else
            vg_mp4_put_u32(w, (uint32_t)(base + t->chunks[i].offset));
    }
    vg_mp4_box_end(w, box);
}

static void write_trak(vg_mp4_writer *w, const export_track *t, uint32_t track_id, bool co64,
                       uint64_t base)
{
    size_t trak = vg_mp4_box_begin(w, "trak");
    write_tkhd(w, t, track_id);
    if (t->video) {
        int64_t media_time = first_pts(t);
        if (media_time > 0)
            write_edts(w, t, media_time);
    }
    size_t mdia = vg_mp4_box_begin(w, "mdia");
    write_mdhd(w, t);
    vg_mp4_write_hdlr(w, t->video);
    size_t minf = vg_mp4_box_begin(w, "minf");
    vg_mp4_write_media_header(w, t->video);
    vg_mp4_write_dinf(w);
    size_t stbl = vg_mp4_box_begin(w, "stbl");
    vg_mp4_put_bytes(w, t->stsd, t->stsd_size); /* 8.5.2, as the recording has it */
    write_stts(w, t);
    write_ctts(w, t);
    if (t->video)
        write_stss(w, t);
    write_stsz(w, t);
    write_stsc(w, t);
    write_chunk_offsets(w, t, co64, base);
    vg_mp4_box_end(w, stbl);
    vg_mp4_box_end(w, minf);
    vg_mp4_box_end(w, mdia);
    vg_mp4_box_end(w, trak);
}

/* The mdat header: 8 bytes, or 16 with size 1 and a 64-bit largesize (4.2). */
static size_t mdat_header_size(const vg_mp4_export *ex)
{
    return ex->payload_size + 8 > UINT32_MAX ? 16 : 8;
}

static uint64_t movie_duration_ms(const vg_mp4_export *ex)
{
    uint64_t d = 0;
    for (size_t i = 0; i < ex->track_count; i++)
        if (track_duration_ms(&ex->tracks[i]) > d)
            d = track_duration_ms(&ex->tracks[i]);
    return d;
}

/* Writes ftyp, moov and the mdat header, with chunk offsets from `base`. */
static void write_header(vg_mp4_writer *w, const vg_mp4_export *ex, bool co64, uint64_t base)
{
    write_ftyp(w);
    size_t moov = vg_mp4_box_begin(w, "moov");
    write_mvhd(w, movie_duration_ms(ex), (uint32_t)ex->track_count + 1);
    for (size_t i = 0; i < ex->track_count; i++)
        if (ex->tracks[i].sample_count)
            write_trak(w, &ex->tracks[i], (uint32_t)i + 1, co64, base);
    vg_mp4_box_end(w, moov);
    if (mdat_header_size(ex) == 16) {
        vg_mp4_put_u32(w, 1); /* size 1: the largesize follows (4.2) */
        vg_mp4_put_fourcc(w, "mdat");
        vg_mp4_put_u64(w, 16 + ex->payload_size);
    } else {
        vg_mp4_put_u32(w, (uint32_t)(8 + ex->payload_size));
        vg_mp4_put_fourcc(w, "mdat");
    }
}

/*
 * Measures, then writes. The header's size depends only on co64 or not;
 * co64 is needed when the last chunk ends up past 4 GiB - 1.
 */
static int build_header(const vg_mp4_export *ex, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (ex->payload_size == 0)
        return VG_ENOENT;
    uint64_t last_chunk = 0;
    for (size_t i = 0; i < ex->track_count; i++) {
        const export_track *t = &ex->tracks[i];
        if (t->chunk_count && t->chunks[t->chunk_count - 1].offset > last_chunk)
            last_chunk = t->chunks[t->chunk_count - 1].offset;
    }
    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    bool co64 = false;
    write_header(&w, ex, co64, 0);
    if (!w.err && w.len + last_chunk > UINT32_MAX) {
        co64 = true;
        vg_mp4_writer_free(&w);
        vg_mp4_writer_init(&w);
        write_header(&w, ex, co64, 0);
    }
    if (w.err) {
        int err = w.err;
        vg_mp4_writer_free(&w);
        return err == VG_ENOMEM ? VG_ENOMEM : VG_ERANGE;
    }
    uint64_t base = w.len; /* the mdat header is the header's end */
    vg_mp4_writer_free(&w);
    vg_mp4_writer_init(&w);
    if (!vg_mp4_writer_reserve(&w, (size_t)base)) {
        vg_mp4_writer_free(&w);
        return VG_ENOMEM;
    }
    write_header(&w, ex, co64, base);
    return vg_mp4_writer_finish(&w, out, out_len);
}

int vg_mp4_export_header(vg_mp4_export *ex, uint8_t **out, size_t *out_len)
{
    if (!out || !out_len)
        return VG_EINVAL;
    *out = NULL;
    *out_len = 0;
    if (!ex)
        return VG_EINVAL;
    return build_header(ex, out, out_len);
}

const vg_mp4_export_run *vg_mp4_export_runs(const vg_mp4_export *ex, size_t *count)
{
    *count = ex ? ex->run_count : 0;
    return ex ? ex->runs : NULL;
}

uint64_t vg_mp4_export_size(const vg_mp4_export *ex)
{
    uint8_t *header = NULL;
    size_t len = 0;
    if (!ex || build_header(ex, &header, &len) < 0)
        return 0;
    free(header);
    return len + ex->payload_size;
}

int64_t vg_mp4_export_duration_ms(const vg_mp4_export *ex)
{
    if (!ex)
        return 0;
    for (size_t i = 0; i < ex->track_count; i++)
        if (ex->tracks[i].video)
            return (int64_t)track_duration_ms(&ex->tracks[i]);
    return (int64_t)movie_duration_ms(ex);
}
