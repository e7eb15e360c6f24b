/*
 * mp4_export.h: one progressive MP4 (ISO/IEC 14496-12) made from a time
 * range of one or more fragmented recordings, with the moov first
 * ("faststart") so a player can start before the download ends:
 *
 *   recordings (fMP4)                      export (progressive MP4)
 *   ftyp moov moof mdat moof mdat ...      ftyp moov(stbl: every sample) mdat[ runs... ]
 *   ftyp moov moof mdat ...                |<------- header ------------>|<- copied ->|
 *
 * The export never holds sample bytes. The caller hands each source file's
 * bytes in turn (read or mapped), the export keeps only sample metadata,
 * then vg_mp4_export_header() makes the header (ftyp, moov, the mdat box
 * header) and vg_mp4_export_runs() says which byte ranges of which source
 * files follow it, in order. Streaming the header and then the runs gives
 * the whole file: vg_mp4_export_size() bytes.
 *
 * Pure code: no I/O, no logging; one export is used by one thread at a time.
 */
#ifndef VG_FORMAT_MP4_EXPORT_H
#define VG_FORMAT_MP4_EXPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_mp4_export vg_mp4_export;

/* A new, empty export; NULL when out of memory. */
vg_mp4_export *vg_mp4_export_create(void);

/* Frees the export and everything it holds; NULL-safe. */
void vg_mp4_export_destroy(vg_mp4_export *ex);

/*
 * Adds the samples of source file `file_index` (the caller's number for it,
 * echoed in the runs; bytes `data`, `len`, borrowed for the call only)
 * whose presentation falls in [from_ms, to_ms) of that file's own timeline
 * (its times as written: a recording's decode times start at 0):
 *
 *   - video: from the last sync sample whose presentation time is at or
 *     before from_ms (the first sync sample when none is), so the export
 *     starts on a key frame, up to the last sample in decode order that is
 *     presented before to_ms (the samples in between, in decode order, so
 *     the cut is always decodable);
 *   - audio: the samples presented in the time the chosen video spans
 *     (without video: in [from_ms, to_ms)).
 *
 * Only the file's first video track and its first audio track are taken.
 * Files must be added in time order; per track, a file's samples follow
 * the previous file's last sample (timelines are concatenated, gaps
 * dropped). Returns 0 (also when nothing of the file falls in the range),
 * VG_EINVAL for bad arguments, VG_ESYNTAX when `data` is not a file
 * vg_mp4_scan() reads (or a sample it cannot export), VG_ESTATE when its
 * tracks differ from the first file's (other handlers, timescale or stsd
 * bytes: the export must stop before this file), VG_ENOMEM. On any error
 * the export is as it was before the call, so what was added can still be
 * delivered.
 */
int vg_mp4_export_add_file(vg_mp4_export *ex, int file_index, const uint8_t *data, size_t len,
                           int64_t from_ms, int64_t to_ms);

/*
 * After the last add: the header (ftyp, moov with the full sample tables,
 * the mdat box header; co64 when a chunk offset needs 64 bits, a largesize
 * mdat when the data reaches 4 GiB) as a malloc()ed buffer of *out_len
 * bytes, the caller's. Returns 0, VG_ENOENT when no sample was added,
 * VG_ENOMEM. On failure *out is NULL.
 */
int vg_mp4_export_header(vg_mp4_export *ex, uint8_t **out, size_t *out_len);

/* A byte range of a source file, copied as it is after the header. */
typedef struct vg_mp4_export_run {
    int file_index; /* as passed to vg_mp4_export_add_file() */
    uint64_t offset;
    uint64_t length;
} vg_mp4_export_run;

/*
 * The runs to copy after the header, in order, in *count (adjacent ranges of
 * one file merged). Borrowed from `ex`: valid until the next add or destroy.
 */
const vg_mp4_export_run *vg_mp4_export_runs(const vg_mp4_export *ex, size_t *count);

/* The size of the whole export (header + runs), for Content-Length; 0 without samples. */
uint64_t vg_mp4_export_size(const vg_mp4_export *ex);

/* The exported duration in ms: the video track's (the longest track's without video). */
int64_t vg_mp4_export_duration_ms(const vg_mp4_export *ex);

#endif
