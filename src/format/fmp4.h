/*
 * fmp4.h: fragmented MP4 (ISO/IEC 14496-12), the container of LL-HLS,
 * recording and exports (DESIGN.md section 4: our own, FFmpeg 5.1 has no
 * LL-HLS parts).
 *
 *   init segment  = ftyp + moov (mvhd, trak per track, mvex/trex)
 *   fragment      = moof (mfhd, traf per track: tfhd, tfdt, trun) + mdat
 *
 * An AU's payload is already the MP4 sample form (AVCC for video, the raw
 * frame for audio), so a fragment is its headers followed by the sample
 * bytes as they are.
 *
 * Pure code: no I/O, no loop; every function may run on any thread.
 */
#ifndef VG_FORMAT_FMP4_H
#define VG_FORMAT_FMP4_H

#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many tracks in one file. */
#define VG_FMP4_MAX_TRACKS 8

/* One sample of a run: borrowed bytes and their timing, in the track's timescale. */
typedef struct vg_fmp4_sample {
    const uint8_t *data; /* borrowed for the call */
    size_t size;
    uint32_t duration;  /* next dts - this dts */
    int32_t cts_offset; /* pts - dts (signed: trun version 1) */
    bool key;           /* a sync sample (video key frame; every audio sample) */
} vg_fmp4_sample;

/* The samples of one track inside one fragment. */
typedef struct vg_fmp4_run {
    uint32_t track_id;             /* 1-based: tracks[i] of the init segment is i + 1 */
    uint64_t base_dts;             /* tfdt baseMediaDecodeTime: the first sample's dts (>= 0) */
    const vg_fmp4_sample *samples; /* borrowed for the call */
    size_t count;                  /* >= 1 */
} vg_fmp4_run;

/*
 * Whether fMP4 can carry this track: H.264 and H.265 with their avcC/hvcC
 * and a size, AAC with its AudioSpecificConfig, Opus (an "OpusHead" as
 * configuration is optional, but needed beyond two channels); each with a
 * timescale. Not G.711.
 */
bool vg_fmp4_supports(const vg_track *track);

/*
 * The timescale a track's samples are counted in: its clock rate (90000 for
 * video, the sample rate for audio); without one, 90000 for video and the
 * sample rate for audio; 0 when neither is known.
 */
uint32_t vg_fmp4_timescale(const vg_track *track);

/*
 * Writes an init segment (ftyp + moov) for `count` tracks (borrowed);
 * tracks[i] gets track_id i + 1. On success *out is a malloc()ed buffer of
 * *out_len bytes, the caller's. Returns 0, VG_EINVAL when count is 0 or
 * above VG_FMP4_MAX_TRACKS or a track is not vg_fmp4_supports(), or
 * VG_ENOMEM. On failure *out is NULL.
 */
int vg_fmp4_write_init(vg_track *const *tracks, size_t count, uint8_t **out, size_t *out_len);

/*
 * Writes one fragment: a moof with `count` trafs (one per run, in order)
 * and one mdat holding the runs' samples in the same order. `sequence` is
 * the mfhd sequence_number (>= 1, growing across fragments). On success
 * *out is a malloc()ed buffer of *out_len bytes, the caller's. Returns 0,
 * VG_EINVAL for no runs, an empty run, a track_id of 0, more than
 * VG_FMP4_MAX_TRACKS runs, a sample of 4 GiB or more, or a run that would
 * start 2 GiB or more after the moof (trun's data_offset is signed 32-bit);
 * or VG_ENOMEM. On failure *out is NULL.
 */
int vg_fmp4_write_fragment(uint32_t sequence, const vg_fmp4_run *runs, size_t count, uint8_t **out,
                           size_t *out_len);

#endif
