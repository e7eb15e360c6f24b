/*
 * mp4_read.c: the fragmented-MP4 reader. Section numbers are ISO/IEC
 * 14496-12 (ISO base media file format, 2015) unless another part is named.
 *
 * DESIGN
 *
 * A file is read in two layers. The init segment must be sound or the file
 * is not one of ours (VG_ESYNTAX): a leading ftyp (4.3), then a moov (8.2.1)
 * whose traks give each track's id, timescale, handler and sample entry,
 * and whose mvex (8.8.1) says the samples come in fragments, with the trex
 * defaults (8.8.3). The fragments after it are read one moof+mdat pair at a
 * time until the bytes stop making sense; where that happens is an answer,
 * not an error: a crash cuts a recording anywhere, and complete_size says
 * how much of it is whole.
 *
 * One function reads a fragment, parse_fragment(), for both callers: the
 * scan, which keeps a summary per track, and the sample walk, which also
 * calls back for each sample. So the walk meets exactly the checks the
 * scan made, and a sample the scan accepted is a sample the walk reports.
 *
 * Where a sample's bytes are (8.8.7.1, 8.8.8.1): a traf's base data offset
 * is tfhd's base_data_offset when present; else, with default-base-is-moof
 * (what format/fmp4.c and FFmpeg write), the moof's first byte; else the
 * moof's first byte for the first traf and the end of the previous traf's
 * data for the others. A trun's data starts at base + data_offset when it
 * has one, else right after the previous trun's data in the traf (the base
 * for the first). Every sample must lie inside the fragment's own mdat:
 * that is what both writers do, and it makes a fragment a self-contained
 * byte range.
 *
 * Nothing is trusted. A box must fit its parent (and the buffer); a trun's
 * per-sample fields must fit the trun, and it may declare at most
 * VG_MP4_MAX_TRUN_SAMPLES samples; a fragment holds at most one sample per
 * byte of its own, so walking every sample of a file costs O(len); memory
 * is one vg_mp4_fragment per fragment, each at least ~100 bytes of file.
 */
#include "format/mp4_read.h"

#include "core/bytes.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

#define FOURCC VG_MP4_FOURCC

/* tfhd flags (8.8.7.1). */
#define TFHD_BASE_DATA_OFFSET     0x000001u
#define TFHD_SAMPLE_DESCRIPTION   0x000002u
#define TFHD_DEFAULT_DURATION     0x000008u
#define TFHD_DEFAULT_SIZE         0x000010u
#define TFHD_DEFAULT_FLAGS        0x000020u
#define TFHD_DEFAULT_BASE_IS_MOOF 0x020000u

/* trun flags (8.8.8.1). */
#define TRUN_DATA_OFFSET        0x000001u
#define TRUN_FIRST_SAMPLE_FLAGS 0x000004u
#define TRUN_SAMPLE_DURATION    0x000100u
#define TRUN_SAMPLE_SIZE        0x000200u
#define TRUN_SAMPLE_FLAGS       0x000400u
#define TRUN_SAMPLE_CTS_OFFSET  0x000800u

/*
 * sample_flags (8.8.3.1): reserved(4) is_leading(2) sample_depends_on(2)
 * sample_is_depended_on(2) sample_has_redundancy(2) sample_padding_value(3)
 * sample_is_non_sync_sample(1) sample_degradation_priority(16).
 */
#define SAMPLE_IS_NON_SYNC 0x00010000u

/* ---- boxes ------------------------------------------------------------------------------ */

/* A box found in the buffer; offsets count from the buffer's first byte. */
typedef struct box {
    uint32_t type;
    size_t start; /* first byte of the header */
    size_t body;  /* first byte of the payload (after a largesize or a uuid's usertype) */
    size_t end;   /* one past the last byte */
} box;

typedef enum box_status {
    BOX_OK,
    BOX_SHORT, /* the header or the box runs past the end given */
    BOX_ZERO,  /* size 0: "extends to the end of the file" */
    BOX_BAD,   /* a size smaller than the header */
} box_status;

/*
 * Reads the box header at data[pos] of a box that must end by `end`. 4.2:
 * size counts the whole box, header included; size 1 means a 64-bit
 * largesize follows the type; size 0 means the box runs to the end of the
 * file (allowed for the last top-level box only); type 'uuid' adds a
 * 16-byte extended type.
 */
static box_status box_read(const uint8_t *data, size_t pos, size_t end, box *b)
{
    if (pos > end || end - pos < 8)
        return BOX_SHORT;
    uint64_t size = vg_load_be32(data + pos);
    size_t header = 8;
    b->type = vg_load_be32(data + pos + 4);
    if (size == 1) {
        if (end - pos < 16)
            return BOX_SHORT;
        size = vg_load_be64(data + pos + 8);
        header = 16;
    } else if (size == 0) {
        return BOX_ZERO;
    }
    if (b->type == FOURCC('u', 'u', 'i', 'd'))
        header += 16;
    if (size < header)
        return BOX_BAD;
    if (size > end - pos)
        return BOX_SHORT;
    b->start = pos;
    b->body = pos + header;
    b->end = pos + (size_t)size;
    return BOX_OK;
}

/*
 * The children of a container box, one after the other. A child must fit
 * its parent exactly, so anything but BOX_OK inside a parent (a size 0
 * too: only a top-level box may have one) marks the parent malformed.
 */
typedef struct box_iter {
    const uint8_t *data;
    size_t pos;
    size_t end;
    bool bad;
} box_iter;

static box_iter children_from(const uint8_t *data, size_t body, const box *parent)
{
    return (box_iter){.data = data, .pos = body, .end = parent->end};
}

static box_iter children(const uint8_t *data, const box *parent)
{
    return children_from(data, parent->body, parent);
}

static bool box_iter_next(box_iter *it, box *b)
{
    if (it->bad || it->pos >= it->end)
        return false;
    if (box_read(it->data, it->pos, it->end, b) != BOX_OK) {
        it->bad = true;
        return false;
    }
    it->pos = b->end;
    return true;
}

/* The first child of `parent` of type `type`: 1 found, 0 absent, -1 a malformed child. */
static int find_child(const uint8_t *data, const box *parent, uint32_t type, box *out)
{
    box_iter it = children(data, parent);
    box b;
    while (box_iter_next(&it, &b)) {
        if (b.type == type) {
            *out = b;
            return 1;
        }
    }
    return it.bad ? -1 : 0;
}

/*
 * Top-level boxes that may sit between the init segment and the fragments,
 * or after them, and carry nothing this reader needs: 8.1.2 free/skip,
 * 8.16.3 sidx, 8.16.4 ssix, 8.16.2 styp, 8.16.5 prft, emsg (23009-1
 * 5.10.3), 8.8.9 mfra (FFmpeg ends a file with one), uuid, udta, meta, pdin.
 */
static bool skippable(uint32_t type)
{
    static const uint32_t types[] = {
        FOURCC('f', 'r', 'e', 'e'), FOURCC('s', 'k', 'i', 'p'), FOURCC('s', 'i', 'd', 'x'),
        FOURCC('s', 's', 'i', 'x'), FOURCC('s', 't', 'y', 'p'), FOURCC('p', 'r', 'f', 't'),
        FOURCC('e', 'm', 's', 'g'), FOURCC('m', 'f', 'r', 'a'), FOURCC('u', 'u', 'i', 'd'),
        FOURCC('u', 'd', 't', 'a'), FOURCC('m', 'e', 't', 'a'), FOURCC('p', 'd', 'i', 'n'),
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (types[i] == type)
            return true;
    }
    return false;
}

/* ---- a cursor over a box's payload ------------------------------------------------------- */

/* Reads past the end set `overrun`, which sticks; those reads return 0. */
typedef struct cursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
    bool overrun;
} cursor;

static cursor payload_of(const uint8_t *data, const box *b)
{
    return (cursor){.p = data + b->body, .len = b->end - b->body};
}

static bool take(cursor *c, size_t n)
{
    if (c->overrun || c->len - c->pos < n) {
        c->overrun = true;
        return false;
    }
    return true;
}

static void skip(cursor *c, size_t n)
{
    if (take(c, n))
        c->pos += n;
}

static uint16_t get_u16(cursor *c)
{
    if (!take(c, 2))
        return 0;
    uint16_t v = (uint16_t)(c->p[c->pos] << 8 | c->p[c->pos + 1]);
    c->pos += 2;
    return v;
}

static uint32_t get_u32(cursor *c)
{
    if (!take(c, 4))
        return 0;
    uint32_t v = vg_load_be32(c->p + c->pos);
    c->pos += 4;
    return v;
}

static uint64_t get_u64(cursor *c)
{
    if (!take(c, 8))
        return 0;
    uint64_t v = vg_load_be64(c->p + c->pos);
    c->pos += 8;
    return v;
}

/* 4.2 FullBox: the payload after its 8-bit version and 24-bit flags. */
static cursor full_box(const uint8_t *data, const box *b, uint8_t *version, uint32_t *flags)
{
    cursor c = payload_of(data, b);
    uint32_t v = get_u32(&c);
    *version = (uint8_t)(v >> 24);
    *flags = v & 0xffffff;
    return c;
}

/* ---- the init segment -------------------------------------------------------------------- */

/* 8.3.2 tkhd: track_ID and, for video without a sample entry size, width and height. */
static const char *parse_tkhd(const uint8_t *data, const box *b, vg_mp4_track_info *t)
{
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(data, b, &version, &flags);
    skip(&c, version == 1 ? 16 : 8); /* creation_time, modification_time */
    t->track_id = get_u32(&c);
    skip(&c, 4);                    /* reserved */
    skip(&c, version == 1 ? 8 : 4); /* duration */
    skip(&c,
         8 + 2 + 2 + 2 + 2 + 36); /* reserved, layer, alternate_group, volume, reserved, matrix */
    uint32_t width = get_u32(&c), height = get_u32(&c); /* 16.16 fixed point */
    if (c.overrun)
        return "tkhd too short";
    if (t->track_id == 0)
        return "track_ID 0 (8.3.2.3: cannot be zero)";
    t->width = (uint16_t)(width >> 16);
    t->height = (uint16_t)(height >> 16);
    return NULL;
}

/* 8.4.2 mdhd: the timescale. */
static const char *parse_mdhd(const uint8_t *data, const box *b, vg_mp4_track_info *t)
{
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(data, b, &version, &flags);
    skip(&c, version == 1 ? 16 : 8); /* creation_time, modification_time */
    t->timescale = get_u32(&c);
    if (c.overrun)
        return "mdhd too short";
    if (t->timescale == 0)
        return "mdhd timescale 0";
    return NULL;
}

/* 8.4.3 hdlr: the handler type, 'vide' or 'soun' for the tracks vigil writes. */
static const char *parse_hdlr(const uint8_t *data, const box *b, vg_mp4_track_info *t)
{
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(data, b, &version, &flags);
    skip(&c, 4); /* pre_defined */
    t->handler = get_u32(&c);
    return c.overrun ? "hdlr too short" : NULL;
}

/*
 * 8.5.2 stsd: where it is, and its first sample entry: the type names the
 * codec; a VisualSampleEntry (12.1.3) has width and height after 16 bytes
 * of pre_defined and reserved fields, an AudioSampleEntry (12.2.3)
 * channelcount after 8 reserved bytes and a 16.16 samplerate after 4 more
 * fields; both follow the 8 bytes of SampleEntry (8.5.2.2).
 */
static const char *parse_stsd(const uint8_t *data, const box *b, vg_mp4_track_info *t)
{
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(data, b, &version, &flags);
    uint32_t entries = get_u32(&c);
    if (c.overrun || entries == 0)
        return "stsd without a sample entry";
    box entry;
    if (box_read(data, b->body + 8, b->end, &entry) != BOX_OK)
        return "malformed sample entry";
    for (int i = 0; i < 4; i++) {
        char ch = (char)(entry.type >> (24 - 8 * i));
        t->codec[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
    }
    t->codec[4] = '\0';
    t->stsd_offset = b->start;
    t->stsd_size = b->end - b->start;

    cursor e = payload_of(data, &entry);
    skip(&e, 8); /* SampleEntry: reserved, data_reference_index */
    if (t->handler == FOURCC('v', 'i', 'd', 'e')) {
        skip(&e, 16);
        uint16_t width = get_u16(&e), height = get_u16(&e);
        if (!e.overrun && width > 0 && height > 0) {
            t->width = width;
            t->height = height;
        }
    } else {
        t->width = t->height = 0; /* tkhd of an audio track says 0 anyway */
        if (t->handler == FOURCC('s', 'o', 'u', 'n')) {
            skip(&e, 8); /* reserved */
            uint16_t channels = get_u16(&e);
            skip(&e, 6); /* samplesize, pre_defined, reserved */
            uint32_t rate = get_u32(&e);
            if (!e.overrun) {
                t->channels = channels;
                t->sample_rate = rate >> 16;
            }
        }
    }
    return NULL;
}

/* A mandatory child box: *why set when it is absent or the parent is malformed. */
static bool need_child(const uint8_t *data, const box *parent, uint32_t type, box *out,
                       const char **why, const char *missing)
{
    int found = find_child(data, parent, type, out);
    if (found < 0)
        *why = "malformed box in the moov";
    else if (found == 0)
        *why = missing;
    return found > 0;
}

/* 8.3.1 trak: tkhd, then mdia with mdhd, hdlr and minf/stbl/stsd. */
static const char *parse_trak(const uint8_t *data, const box *trak, vg_mp4_track_info *t)
{
    const char *why = NULL;
    box tkhd, mdia, mdhd, hdlr, minf, stbl, stsd;
    if (!need_child(data, trak, FOURCC('t', 'k', 'h', 'd'), &tkhd, &why, "trak without tkhd") ||
        !need_child(data, trak, FOURCC('m', 'd', 'i', 'a'), &mdia, &why, "trak without mdia") ||
        !need_child(data, &mdia, FOURCC('m', 'd', 'h', 'd'), &mdhd, &why, "mdia without mdhd") ||
        !need_child(data, &mdia, FOURCC('h', 'd', 'l', 'r'), &hdlr, &why, "mdia without hdlr") ||
        !need_child(data, &mdia, FOURCC('m', 'i', 'n', 'f'), &minf, &why, "mdia without minf") ||
        !need_child(data, &minf, FOURCC('s', 't', 'b', 'l'), &stbl, &why, "minf without stbl") ||
        !need_child(data, &stbl, FOURCC('s', 't', 's', 'd'), &stsd, &why, "stbl without stsd"))
        return why;
    if ((why = parse_tkhd(data, &tkhd, t)) || (why = parse_mdhd(data, &mdhd, t)) ||
        (why = parse_hdlr(data, &hdlr, t)) || (why = parse_stsd(data, &stsd, t)))
        return why;
    return NULL;
}

/* 8.8.3 trex: the defaults of a track's fragments. A trex for no known track is ignored. */
static const char *parse_mvex(const uint8_t *data, const box *mvex, vg_mp4_file *f)
{
    box_iter it = children(data, mvex);
    box b;
    while (box_iter_next(&it, &b)) {
        if (b.type != FOURCC('t', 'r', 'e', 'x'))
            continue; /* mehd (8.8.2), leva (8.8.13): not needed */
        uint8_t version;
        uint32_t flags;
        cursor c = full_box(data, &b, &version, &flags);
        uint32_t track_id = get_u32(&c);
        skip(&c, 4); /* default_sample_description_index */
        uint32_t duration = get_u32(&c), size = get_u32(&c), sample_flags = get_u32(&c);
        if (c.overrun)
            return "trex too short";
        for (size_t i = 0; i < f->track_count; i++) {
            if (f->tracks[i].track_id == track_id) {
                f->tracks[i].default_sample_duration = duration;
                f->tracks[i].default_sample_size = size;
                f->tracks[i].default_sample_flags = sample_flags;
            }
        }
    }
    return it.bad ? "malformed box in mvex" : NULL;
}

/* 8.2.1 moov: the tracks, and mvex, without which there are no fragments (8.8.1). */
static const char *parse_moov(const uint8_t *data, const box *moov, vg_mp4_file *f)
{
    box_iter it = children(data, moov);
    box b, mvex;
    bool has_mvex = false;
    while (box_iter_next(&it, &b)) {
        if (b.type == FOURCC('t', 'r', 'a', 'k')) {
            if (f->track_count == VG_MP4_MAX_TRACKS)
                return "more tracks than VG_MP4_MAX_TRACKS";
            const char *why = parse_trak(data, &b, &f->tracks[f->track_count]);
            if (why)
                return why;
            f->track_count++;
        } else if (b.type == FOURCC('m', 'v', 'e', 'x') && !has_mvex) {
            mvex = b;
            has_mvex = true;
        }
    }
    if (it.bad)
        return "malformed box in the moov";
    if (f->track_count == 0)
        return "moov without a track";
    if (!has_mvex)
        return "moov without mvex: not a fragmented file (8.8.1)";
    for (size_t i = 0; i < f->track_count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (f->tracks[i].track_id == f->tracks[j].track_id)
                return "two tracks with the same track_ID";
        }
        if (f->video_track < 0 && f->tracks[i].handler == FOURCC('v', 'i', 'd', 'e'))
            f->video_track = (int)i;
    }
    return parse_mvex(data, &mvex, f);
}

/* ---- fragments --------------------------------------------------------------------------- */

/* One fragment being read, for the scan (cb NULL) or the sample walk. */
typedef struct fragment_reader {
    const uint8_t *data;
    const vg_mp4_file *file;
    box moof;
    box mdat;
    /*
     * Per track: the dts of its next sample. On entry, for a traf without
     * tfdt: where the previous fragment ended when scanning, the fragment's
     * base_dts when walking; both are the same wherever it matters (the
     * first sample's dts).
     */
    uint64_t next_dts[VG_MP4_MAX_TRACKS];
    uint64_t max_samples; /* one per byte of the fragment */
    vg_mp4_fragment *out; /* the summary being built */
    vg_mp4_sample_fn cb;
    void *ctx;
    int cb_ret; /* non-zero: cb stopped the walk */
    const char *why;
} fragment_reader;

/* Why a fragment is refused: sets r->why and returns VG_ESYNTAX. */
static int refuse(fragment_reader *r, const char *why)
{
    r->why = why;
    return VG_ESYNTAX;
}

/* The defaults a traf's samples take when its trun leaves a field out (8.8.7.1, 8.8.3.1). */
typedef struct traf_defaults {
    uint32_t duration;
    uint32_t size;
    uint32_t flags;
} traf_defaults;

/*
 * 8.8.8 trun of track `t`: reads its samples, which start at `*data_pos`
 * unless the trun gives a data_offset from `base`, and leaves `*data_pos`
 * after them and `*dts` after their durations.
 */
static int read_trun(fragment_reader *r, size_t t, const box *b, uint64_t base,
                     const traf_defaults *def, uint64_t *data_pos, uint64_t *dts)
{
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(r->data, b, &version, &flags);
    uint32_t count = get_u32(&c);
    uint64_t pos = *data_pos;
    if (flags & TRUN_DATA_OFFSET) {
        /* A signed 32-bit offset from the base data offset (8.8.8.3). */
        int64_t offset = (int32_t)get_u32(&c);
        if (offset < 0 && (uint64_t)-offset > base)
            return refuse(r, "trun data_offset before the start of the file");
        pos = base + (uint64_t)offset;
    }
    uint32_t first_flags = flags & TRUN_FIRST_SAMPLE_FLAGS ? get_u32(&c) : def->flags;
    if (c.overrun)
        return refuse(r, "trun too short");
    if (count > VG_MP4_MAX_TRUN_SAMPLES)
        return refuse(r, "trun with more samples than VG_MP4_MAX_TRUN_SAMPLES");
    size_t per_sample = 0;
    for (uint32_t bit = TRUN_SAMPLE_DURATION; bit <= TRUN_SAMPLE_CTS_OFFSET; bit <<= 1)
        per_sample += flags & bit ? 4 : 0;
    if (per_sample > 0 && count > (c.len - c.pos) / per_sample)
        return refuse(r, "trun shorter than its samples");
    if (count > r->max_samples - r->out->sample_count)
        return refuse(r, "more samples than bytes in the fragment");

    vg_mp4_fragment_track *ft = &r->out->tracks[t];
    for (uint32_t i = 0; i < count; i++) {
        vg_mp4_sample s = {
            .track = t,
            .track_id = r->file->tracks[t].track_id,
            .dts = *dts,
            .offset = pos,
        };
        s.duration = flags & TRUN_SAMPLE_DURATION ? get_u32(&c) : def->duration;
        s.size = flags & TRUN_SAMPLE_SIZE ? get_u32(&c) : def->size;
        /* Per-sample flags win over first_sample_flags, as in FFmpeg's mov demuxer. */
        if (flags & TRUN_SAMPLE_FLAGS)
            s.flags = get_u32(&c);
        else
            s.flags = i == 0 ? first_flags : def->flags;
        if (flags & TRUN_SAMPLE_CTS_OFFSET) {
            /* 8.8.8.2: unsigned in version 0, signed in version 1. */
            uint32_t v = get_u32(&c);
            s.cts_offset = version == 0 ? (int64_t)v : (int64_t)(int32_t)v;
        }
        s.sync = !(s.flags & SAMPLE_IS_NON_SYNC);
        if (pos < r->mdat.body || pos > r->mdat.end || s.size > r->mdat.end - pos)
            return refuse(r, "sample data outside the fragment's mdat");
        if (s.duration > UINT64_MAX - *dts)
            return refuse(r, "decode time overflows 64 bits");
        if (r->cb) {
            int ret = r->cb(r->ctx, &s);
            if (ret != 0) {
                r->cb_ret = ret;
                return ret;
            }
        }
        if (ft->sample_count == 0) {
            ft->base_dts = s.dts;
            ft->first_sync = s.sync;
        }
        ft->sample_count++;
        r->out->sample_count++;
        pos += s.size;
        *dts += s.duration;
    }
    *data_pos = pos;
    return 0;
}

/*
 * 8.8.6 traf: tfhd (8.8.7), an optional tfdt (8.8.12), then its truns in
 * order. `*prev_end` is where the previous traf's data ended (the moof's
 * first byte before the first traf); it is left where this one's ends.
 */
static int read_traf(fragment_reader *r, const box *traf, uint64_t *prev_end)
{
    box tfhd, tfdt;
    int found = find_child(r->data, traf, FOURCC('t', 'f', 'h', 'd'), &tfhd);
    if (found <= 0)
        return refuse(r, found < 0 ? "malformed box in a traf" : "traf without tfhd");
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(r->data, &tfhd, &version, &flags);
    uint32_t track_id = get_u32(&c);
    uint64_t base_data_offset = flags & TFHD_BASE_DATA_OFFSET ? get_u64(&c) : 0;
    if (flags & TFHD_SAMPLE_DESCRIPTION)
        skip(&c, 4);
    size_t t = 0;
    while (t < r->file->track_count && r->file->tracks[t].track_id != track_id)
        t++;
    if (t == r->file->track_count)
        return refuse(r, "traf of a track the moov does not have");
    /* One statement each: the reads must happen in the order of the fields. */
    const vg_mp4_track_info *track = &r->file->tracks[t];
    traf_defaults def;
    def.duration = flags & TFHD_DEFAULT_DURATION ? get_u32(&c) : track->default_sample_duration;
    def.size = flags & TFHD_DEFAULT_SIZE ? get_u32(&c) : track->default_sample_size;
    def.flags = flags & TFHD_DEFAULT_FLAGS ? get_u32(&c) : track->default_sample_flags;
    if (c.overrun)
        return refuse(r, "tfhd too short");

    /* 8.8.7.1: where this traf's data offsets count from. */
    uint64_t base;
    if (flags & TFHD_BASE_DATA_OFFSET)
        base = base_data_offset;
    else if (flags & TFHD_DEFAULT_BASE_IS_MOOF)
        base = r->moof.start;
    else
        base = *prev_end;

    /* 8.8.12: the dts of the traf's first sample; without a tfdt, the track goes on. */
    uint64_t dts = r->next_dts[t];
    found = find_child(r->data, traf, FOURCC('t', 'f', 'd', 't'), &tfdt);
    if (found < 0)
        return refuse(r, "malformed box in a traf");
    if (found > 0) {
        c = full_box(r->data, &tfdt, &version, &flags);
        uint64_t tfdt_dts = version == 1 ? get_u64(&c) : get_u32(&c);
        if (c.overrun)
            return refuse(r, "tfdt too short");
        /* Once the track has samples in this moof, a later traf may not go back. */
        if (r->out->tracks[t].sample_count > 0 && tfdt_dts < r->next_dts[t])
            return refuse(r, "tfdt goes back within a fragment");
        dts = tfdt_dts;
    }

    uint64_t data_pos = base;
    box_iter it = children(r->data, traf);
    box b;
    while (box_iter_next(&it, &b)) {
        if (b.type != FOURCC('t', 'r', 'u', 'n'))
            continue; /* sbgp, sgpd, subs, saiz, saio, senc: not needed */
        int ret = read_trun(r, t, &b, base, &def, &data_pos, &dts);
        if (ret != 0)
            return ret;
    }
    if (it.bad)
        return refuse(r, "malformed box in a traf");
    r->next_dts[t] = dts;
    if (r->out->tracks[t].sample_count > 0)
        r->out->tracks[t].duration = dts - r->out->tracks[t].base_dts;
    *prev_end = data_pos;
    return 0;
}

/*
 * 8.8.4 moof: mfhd (8.8.5), then its trafs in order. On entry r->moof,
 * r->mdat, r->next_dts and r->out (zeroed) are set; the summary is
 * complete on return 0.
 */
static int read_fragment(fragment_reader *r)
{
    const vg_mp4_file *f = r->file;
    vg_mp4_fragment *out = r->out;
    out->offset = r->moof.start;
    out->size = r->mdat.end - r->moof.start;
    out->mdat_offset = r->mdat.start;
    r->max_samples = out->size < UINT32_MAX ? out->size : UINT32_MAX;
    for (size_t t = 0; t < f->track_count; t++)
        out->tracks[t].base_dts = r->next_dts[t];

    box mfhd;
    int found = find_child(r->data, &r->moof, FOURCC('m', 'f', 'h', 'd'), &mfhd);
    if (found <= 0)
        return refuse(r, found < 0 ? "malformed box in a moof" : "moof without mfhd");
    uint8_t version;
    uint32_t flags;
    cursor c = full_box(r->data, &mfhd, &version, &flags);
    out->sequence = get_u32(&c);
    if (c.overrun)
        return refuse(r, "mfhd too short");

    uint64_t prev_end = r->moof.start;
    box_iter it = children(r->data, &r->moof);
    box b;
    while (box_iter_next(&it, &b)) {
        if (b.type != FOURCC('t', 'r', 'a', 'f'))
            continue; /* mfhd, pssh: nothing more needed */
        int ret = read_traf(r, &b, &prev_end);
        if (ret != 0)
            return ret;
    }
    if (it.bad)
        return refuse(r, "malformed box in a moof");
    if (f->video_track >= 0) {
        const vg_mp4_fragment_track *v = &out->tracks[f->video_track];
        out->key = v->sample_count > 0 && v->first_sync;
    } else {
        out->key = true;
    }
    return 0;
}

/* ---- the file ---------------------------------------------------------------------------- */

void vg_mp4_file_clear(vg_mp4_file *file)
{
    if (!file)
        return;
    free(file->fragments);
    memset(file, 0, sizeof(*file));
}

/* Ends the scan of fragments: where and why. */
static void stop_at(vg_mp4_file *f, vg_mp4_stop stop, const char *why)
{
    f->stop = stop;
    f->why = why;
}

/* Appends a copy of `frag` to f->fragments. */
static int push_fragment(vg_mp4_file *f, const vg_mp4_fragment *frag)
{
    if (f->fragment_count == f->_fragment_cap) {
        size_t cap = f->_fragment_cap ? f->_fragment_cap * 2 : 16;
        if (cap > VG_MP4_MAX_FRAGMENTS)
            cap = VG_MP4_MAX_FRAGMENTS;
        vg_mp4_fragment *grown = realloc(f->fragments, cap * sizeof(*grown));
        if (!grown)
            return VG_ENOMEM;
        f->fragments = grown;
        f->_fragment_cap = cap;
    }
    f->fragments[f->fragment_count++] = *frag;
    return 0;
}

/* Adds a read fragment to the file's track totals. */
static void account_fragment(vg_mp4_file *f, const vg_mp4_fragment *frag)
{
    for (size_t t = 0; t < f->track_count; t++) {
        const vg_mp4_fragment_track *ft = &frag->tracks[t];
        vg_mp4_track_info *track = &f->tracks[t];
        if (ft->sample_count == 0)
            continue;
        if (track->sample_count == 0)
            track->start_dts = ft->base_dts;
        track->end_dts = ft->base_dts + ft->duration;
        track->sample_count += ft->sample_count;
    }
}

/* Reads the init segment: a leading ftyp, then boxes to skip, then the moov. */
static const char *read_init(const uint8_t *data, size_t len, vg_mp4_file *f)
{
    box b;
    /* 4.3.1: ftyp "shall be placed as early as possible"; both writers put it first. */
    if (box_read(data, 0, len, &b) != BOX_OK || b.type != FOURCC('f', 't', 'y', 'p'))
        return "the file does not start with an ftyp box";
    for (size_t pos = b.end;; pos = b.end) {
        box_status st = box_read(data, pos, len, &b);
        if (st == BOX_SHORT || st == BOX_ZERO)
            return "the init segment is cut short";
        if (st == BOX_BAD)
            return "malformed box before the moov";
        if (b.type == FOURCC('m', 'o', 'o', 'v'))
            break;
        if (!skippable(b.type))
            return "no moov before the fragments";
    }
    const char *why = parse_moov(data, &b, f);
    if (why)
        return why;
    f->init_size = b.end;
    return NULL;
}

int vg_mp4_scan(const uint8_t *data, size_t len, vg_mp4_file *out)
{
    memset(out, 0, sizeof(*out));
    out->video_track = -1;
    if (!data)
        len = 0;
    const char *why = read_init(data, len, out);
    if (why) {
        memset(out, 0, sizeof(*out));
        out->video_track = -1;
        out->why = why;
        return VG_ESYNTAX;
    }

    uint64_t next_dts[VG_MP4_MAX_TRACKS] = {0};
    size_t pos = (size_t)out->init_size;
    out->complete_size = pos;
    stop_at(out, VG_MP4_STOP_END, "the file ends where a whole box ends");
    while (pos < len) {
        box moof;
        box_status st = box_read(data, pos, len, &moof);
        if (st != BOX_OK) {
            if (st == BOX_SHORT)
                stop_at(out, VG_MP4_STOP_TRUNCATED, "a box is cut short");
            else if (st == BOX_ZERO)
                stop_at(out, VG_MP4_STOP_ZERO_SIZE, "a box of size 0 (to the end of the file)");
            else
                stop_at(out, VG_MP4_STOP_MALFORMED, "a box smaller than its header");
            break;
        }
        if (moof.type != FOURCC('m', 'o', 'o', 'f')) {
            if (!skippable(moof.type)) {
                stop_at(out, VG_MP4_STOP_MALFORMED, "a top-level box other than moof or mdat");
                break;
            }
            pos = out->complete_size = moof.end;
            continue;
        }

        /* The mdat right after the moof holds its samples. */
        box mdat;
        st = box_read(data, moof.end, len, &mdat);
        if (st == BOX_SHORT) {
            stop_at(out, VG_MP4_STOP_TRUNCATED,
                    moof.end == len ? "a moof without its mdat" : "an mdat is cut short");
            break;
        }
        if (st == BOX_ZERO) {
            stop_at(out, VG_MP4_STOP_ZERO_SIZE, "an mdat of size 0 (to the end of the file)");
            break;
        }
        if (st == BOX_BAD || mdat.type != FOURCC('m', 'd', 'a', 't')) {
            stop_at(out, VG_MP4_STOP_MALFORMED, "a moof not followed by an mdat");
            break;
        }
        if (out->fragment_count == VG_MP4_MAX_FRAGMENTS) {
            stop_at(out, VG_MP4_STOP_LIMIT, "more fragments than VG_MP4_MAX_FRAGMENTS");
            break;
        }

        vg_mp4_fragment frag = {0};
        fragment_reader r = {.data = data, .file = out, .moof = moof, .mdat = mdat, .out = &frag};
        memcpy(r.next_dts, next_dts, sizeof(next_dts));
        if (read_fragment(&r) != 0) {
            stop_at(out, VG_MP4_STOP_MALFORMED, r.why);
            break;
        }
        if (push_fragment(out, &frag) != 0) {
            vg_mp4_file_clear(out);
            out->video_track = -1;
            out->why = "out of memory";
            return VG_ENOMEM;
        }
        account_fragment(out, &frag);
        memcpy(next_dts, r.next_dts, sizeof(next_dts));
        pos = out->complete_size = mdat.end;
    }
    return 0;
}

int vg_mp4_fragment_samples(const uint8_t *data, size_t len, const vg_mp4_file *file, size_t index,
                            vg_mp4_sample_fn cb, void *ctx)
{
    if (!file || index >= file->fragment_count || !data || file->track_count > VG_MP4_MAX_TRACKS ||
        file->video_track >= (int)file->track_count)
        return VG_EINVAL;
    const vg_mp4_fragment *frag = &file->fragments[index];
    if (frag->offset > len || frag->size > len - frag->offset)
        return VG_EINVAL;

    /* Find the boxes again in this buffer: it is not trusted to be the one scanned. */
    size_t end = (size_t)(frag->offset + frag->size);
    fragment_reader r = {.data = data, .file = file, .cb = cb, .ctx = ctx};
    if (box_read(data, (size_t)frag->offset, end, &r.moof) != BOX_OK ||
        r.moof.type != FOURCC('m', 'o', 'o', 'f') ||
        box_read(data, r.moof.end, end, &r.mdat) != BOX_OK ||
        r.mdat.type != FOURCC('m', 'd', 'a', 't') || r.mdat.end != end)
        return VG_ESYNTAX;
    /* A first sample without tfdt took the scan's running dts as its base_dts (8.8.12). */
    for (size_t t = 0; t < file->track_count; t++)
        r.next_dts[t] = frag->tracks[t].base_dts;

    vg_mp4_fragment summary = {0};
    r.out = &summary;
    int ret = read_fragment(&r);
    if (r.cb_ret != 0)
        return r.cb_ret;
    return ret;
}
