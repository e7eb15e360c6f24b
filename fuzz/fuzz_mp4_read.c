/*
 * fuzz_mp4_read.c: format/mp4_read.c against arbitrary bytes.
 *
 * The input is read as a whole file: scanned, then every fragment's
 * samples walked. Beyond "no crash, no overread, no UB", it checks what
 * recovery, playback and export rely on:
 *   - the init segment and the fragments are in order, inside the buffer
 *     and before complete_size, which is at most the input's length, and
 *     equals it when the scan says the file ended cleanly;
 *   - the walk reports as many samples per track as the scan counted, the
 *     first with the fragment's base decode time and sync flag, decode times
 *     that never go back within a traf's run, and sample bytes inside the
 *     fragment's mdat payload;
 *   - recovery is idempotent: the file cut at complete_size scans again to
 *     the same fragments, ending cleanly there.
 */
#include "core/error.h"
#include "format/mp4_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

/* What the walk of one fragment saw. */
typedef struct walk_state {
    const vg_mp4_file *file;
    const vg_mp4_fragment *frag;
    uint32_t count[VG_MP4_MAX_TRACKS];
    uint64_t next_dts[VG_MP4_MAX_TRACKS];
    uint32_t total;
} walk_state;

static int on_sample(void *ctx, const vg_mp4_sample *s)
{
    walk_state *w = ctx;
    const vg_mp4_fragment *fr = w->frag;
    check(s->track < w->file->track_count);
    check(s->track_id == w->file->tracks[s->track].track_id);
    check(s->sync == !(s->flags & 0x00010000u));
    /* The bytes are in the mdat's payload, after its header of 8 or 16 bytes. */
    check(s->offset >= fr->mdat_offset + 8);
    check(s->offset <= fr->offset + fr->size && s->size <= fr->offset + fr->size - s->offset);
    const vg_mp4_fragment_track *ft = &fr->tracks[s->track];
    if (w->count[s->track] == 0) {
        check(s->dts == ft->base_dts);
        check(s->sync == ft->first_sync);
    } else {
        check(s->dts >= w->next_dts[s->track]);
    }
    check(s->dts - ft->base_dts <= ft->duration);
    w->next_dts[s->track] = s->dts + s->duration;
    w->count[s->track]++;
    w->total++;
    return 0;
}

/* Field by field: the structs have padding. */
static int same_fragment(const vg_mp4_fragment *a, const vg_mp4_fragment *b, size_t tracks)
{
    if (a->offset != b->offset || a->size != b->size || a->mdat_offset != b->mdat_offset ||
        a->sequence != b->sequence || a->key != b->key || a->sample_count != b->sample_count)
        return 0;
    for (size_t t = 0; t < tracks; t++) {
        const vg_mp4_fragment_track *x = &a->tracks[t], *y = &b->tracks[t];
        if (x->base_dts != y->base_dts || x->duration != y->duration ||
            x->sample_count != y->sample_count || x->first_sync != y->first_sync)
            return 0;
    }
    return 1;
}

/* The scan's answers about one buffer, checked; the file is left for the caller to clear. */
static int scan_checked(const uint8_t *data, size_t size, vg_mp4_file *f)
{
    int ret = vg_mp4_scan(data, size, f);
    check(f->why != NULL);
    if (ret != 0) {
        check(ret == VG_ESYNTAX || ret == VG_ENOMEM);
        check(f->fragments == NULL && f->fragment_count == 0);
        return ret;
    }
    check(f->track_count >= 1 && f->track_count <= VG_MP4_MAX_TRACKS);
    check(f->video_track >= -1 && f->video_track < (int)f->track_count);
    check(f->init_size <= f->complete_size && f->complete_size <= size);
    check(f->stop != VG_MP4_STOP_END || f->complete_size == size);
    check(f->fragment_count <= VG_MP4_MAX_FRAGMENTS);
    for (size_t t = 0; t < f->track_count; t++) {
        const vg_mp4_track_info *tr = &f->tracks[t];
        check(tr->track_id != 0 && tr->timescale != 0);
        check(tr->codec[4] == '\0');
        check(tr->stsd_offset + tr->stsd_size <= f->init_size);
        check(tr->sample_count > 0 || (tr->start_dts == 0 && tr->end_dts == 0));
    }
    uint64_t prev_end = f->init_size;
    for (size_t i = 0; i < f->fragment_count; i++) {
        const vg_mp4_fragment *fr = &f->fragments[i];
        check(fr->offset >= prev_end && fr->offset <= f->complete_size);
        check(fr->size <= f->complete_size - fr->offset);
        check(fr->mdat_offset > fr->offset && fr->mdat_offset + 8 <= fr->offset + fr->size);
        check(fr->sample_count <= fr->size);
        prev_end = fr->offset + fr->size;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_mp4_file f;
    if (scan_checked(data, size, &f) != 0)
        return 0;

    for (size_t i = 0; i < f.fragment_count; i++) {
        walk_state w = {.file = &f, .frag = &f.fragments[i]};
        check(vg_mp4_fragment_samples(data, size, &f, i, on_sample, &w) == 0);
        check(w.total == f.fragments[i].sample_count);
        for (size_t t = 0; t < f.track_count; t++)
            check(w.count[t] == f.fragments[i].tracks[t].sample_count);
    }
    check(vg_mp4_fragment_samples(data, size, &f, f.fragment_count, on_sample, NULL) == VG_EINVAL);

    /* Recovery: the file cut at complete_size is whole, with the same fragments. */
    vg_mp4_file g;
    size_t cut = (size_t)f.complete_size;
    uint8_t *copy = malloc(cut ? cut : 1);
    if (copy) {
        memcpy(copy, data, cut);
        check(scan_checked(copy, cut, &g) == 0);
        check(g.stop == VG_MP4_STOP_END && g.complete_size == cut);
        check(g.fragment_count == f.fragment_count);
        for (size_t i = 0; i < f.fragment_count; i++)
            check(same_fragment(&g.fragments[i], &f.fragments[i], f.track_count));
        vg_mp4_file_clear(&g);
        free(copy);
    }
    vg_mp4_file_clear(&f);
    return 0;
}
