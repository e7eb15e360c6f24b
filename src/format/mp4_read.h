/*
 * mp4_read.h: a reader for fragmented MP4 files (ISO/IEC 14496-12), as
 * format/fmp4.c writes them and as FFmpeg's movenc does with
 * `-movflags +frag_keyframe+empty_moov+default_base_moof`:
 *
 *   ftyp  moov (trak..., mvex/trex...)  moof mdat  moof mdat  ...  [cut anywhere]
 *   |<-------- init_size -------->|<-fragment->|<-fragment->|
 *   |<------------------------- complete_size ------------->|<- tail ->|
 *
 * It serves three callers:
 *   - recovery: a recording cut by a crash is truncated to complete_size,
 *     the end of its last whole fragment, and indexed by its time span;
 *   - playback: an HLS VOD playlist addresses the init segment (bytes 0 to
 *     init_size) and each fragment by byte range, with its times and
 *     whether it starts on a video key frame;
 *   - export: a progressive MP4 needs every sample, with its times, flags
 *     and where its bytes are (vg_mp4_fragment_samples()).
 *
 * Pure code: it reads a byte buffer that holds the file from its first byte
 * (a read or mapped file), keeps no pointer into it, does no I/O and may
 * run on any thread. Nothing in the buffer is trusted: every size is
 * checked against its parent box and the buffer, and the work and memory a
 * file can ask for are bounded by its length (see the limits below).
 */
#ifndef VG_FORMAT_MP4_READ_H
#define VG_FORMAT_MP4_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A four-character code (box type, handler type) as the big-endian number the file stores. */
#define VG_MP4_FOURCC(a, b, c, d)                                                                  \
    ((uint32_t)(uint8_t)(a) << 24 | (uint32_t)(uint8_t)(b) << 16 | (uint32_t)(uint8_t)(c) << 8 |   \
     (uint32_t)(uint8_t)(d))

/* At most this many tracks in a file (as many as format/fmp4.c writes); more is VG_ESYNTAX. */
#define VG_MP4_MAX_TRACKS 8

/*
 * Limits against hostile files. A trun (8.8.8) may declare at most
 * VG_MP4_MAX_TRUN_SAMPLES samples, and a fragment may hold at most as many
 * samples as it has bytes, so a walk costs at most the file's length.
 * Scanning stops (VG_MP4_STOP_LIMIT) after VG_MP4_MAX_FRAGMENTS fragments.
 */
#define VG_MP4_MAX_TRUN_SAMPLES (1u << 20)
#define VG_MP4_MAX_FRAGMENTS    (1u << 20)

/* One track of the moov (8.3 trak), with the fragment defaults of its trex (8.8.3). */
typedef struct vg_mp4_track_info {
    uint32_t track_id;  /* tkhd track_ID, never 0, unique in the file */
    uint32_t timescale; /* mdhd: units per second of every time of this track, never 0 */
    uint32_t handler;   /* hdlr handler_type: VG_MP4_FOURCC('v','i','d','e') or ('s','o','u','n') */
    char codec[5];      /* the first stsd entry's type, NUL-terminated: "avc1", "hvc1", "mp4a",
                           "Opus" (bytes outside printable ASCII become '?') */
    uint16_t width;     /* video: the sample entry's size in pixels (else tkhd's); 0 for audio */
    uint16_t height;
    uint16_t channels;    /* audio: the sample entry's channelcount; 0 for video */
    uint32_t sample_rate; /* audio: the sample entry's samplerate, integer part; 0 for video */
    /* The whole stsd box (8.5.2), to copy as it is into an exported moov. */
    uint64_t stsd_offset;
    uint64_t stsd_size;
    /* trex defaults (8.8.3), which tfhd may override per track fragment. */
    uint32_t default_sample_duration;
    uint32_t default_sample_size;
    uint32_t default_sample_flags;
    /*
     * Over the complete fragments: the first sample's decode time (8.8.12
     * tfdt) and the end of the last sample (its dts + duration), in
     * timescale units, and how many samples there are. All 0 when the track
     * has no sample. Times are as written: a file whose decode times jump
     * back is reported, not refused.
     */
    uint64_t start_dts;
    uint64_t end_dts;
    uint64_t sample_count;
} vg_mp4_track_info;

/* What one fragment holds of one track. */
typedef struct vg_mp4_fragment_track {
    /*
     * The dts of its first sample: its traf's tfdt, or without one where the
     * track's previous samples ended. Without samples: where they would go on.
     */
    uint64_t base_dts;
    /*
     * From base_dts to the end of its last sample: the sum of their
     * durations (plus any jump forward of a later traf's tfdt in the moof).
     */
    uint64_t duration;
    uint32_t sample_count; /* 0 when the fragment has no sample of this track */
    bool first_sync;       /* its first sample is a sync sample (8.8.3.1) */
} vg_mp4_fragment_track;

/* One fragment: a moof (8.8.4) and the mdat (8.1.1) right after it. */
typedef struct vg_mp4_fragment {
    uint64_t offset;      /* first byte of the moof */
    uint64_t size;        /* from the moof's first byte to the mdat's last: the HLS byte range */
    uint64_t mdat_offset; /* first byte of the mdat box */
    uint32_t sequence;    /* mfhd sequence_number (8.8.5), as written */
    /*
     * The fragment starts with a sync sample of the file's video track
     * (vg_mp4_file.video_track): playback may begin here. Always true in a
     * file without video.
     */
    bool key;
    uint32_t sample_count;                           /* of all tracks */
    vg_mp4_fragment_track tracks[VG_MP4_MAX_TRACKS]; /* indexed like vg_mp4_file.tracks */
} vg_mp4_fragment;

/* Why vg_mp4_scan() stopped reading fragments. */
typedef enum vg_mp4_stop {
    /* The buffer ends where a fragment (or a skippable box) ends: complete_size == len. */
    VG_MP4_STOP_END = 0,
    /* A box runs past the end of the buffer: a moof, its mdat, or a header, cut short. */
    VG_MP4_STOP_TRUNCATED,
    /*
     * A box of size 0, "to the end of the file" (4.2). vigil never writes
     * one, and a crash may leave zeros after the last write, so it is taken
     * as the start of an incomplete tail.
     */
    VG_MP4_STOP_ZERO_SIZE,
    /*
     * Bytes that are not a fragment: a box smaller than its header, a moof
     * that does not parse or is not followed by an mdat, samples outside
     * their mdat, an unexpected top-level box.
     */
    VG_MP4_STOP_MALFORMED,
    /*
     * VG_MP4_MAX_FRAGMENTS fragments were read and the rest was not: the
     * file may well be whole beyond complete_size. Never truncate on this.
     */
    VG_MP4_STOP_LIMIT,
} vg_mp4_stop;

/* What vg_mp4_scan() found. */
typedef struct vg_mp4_file {
    vg_mp4_track_info tracks[VG_MP4_MAX_TRACKS]; /* in moov order */
    size_t track_count;                          /* >= 1 after a successful scan */
    int video_track; /* index into tracks of the first 'vide' track; -1 when none */

    uint64_t init_size;         /* end of the moov: bytes [0, init_size) are the init segment */
    vg_mp4_fragment *fragments; /* owned: vg_mp4_file_clear() frees; in file order */
    size_t fragment_count;

    /*
     * End of the last whole fragment (or of a whole skippable box after it:
     * free, skip, sidx, styp, prft, emsg, uuid, udta, meta, mfra); init_size
     * when there is none. Everything before is valid; everything after
     * (complete_size < len) is a tail to cut off when the stop is
     * TRUNCATED, ZERO_SIZE or MALFORMED, and unread when it is LIMIT.
     */
    uint64_t complete_size;
    vg_mp4_stop stop;
    const char *why; /* static English text: why scanning stopped or failed; never NULL */
    size_t _fragment_cap;
} vg_mp4_file;

/*
 * Reads the file in `data` (`len` bytes, borrowed for the call): the ftyp
 * and the moov, then every moof+mdat pair it can, and fills *out (which it
 * overwrites: clear a previous result first).
 *
 * Returns 0 whenever the init segment is sound, however the fragments end:
 * a file cut in the middle of a fragment is not an error, out->stop and
 * out->complete_size say where and why. Returns VG_ESYNTAX when the init
 * segment is not one this reader takes: no leading ftyp (4.3), no moov, a
 * moov cut short or malformed, no track, more than VG_MP4_MAX_TRACKS, a
 * track without tkhd, mdhd (timescale > 0), hdlr or stsd entry, or no mvex
 * (8.8.1: not a fragmented file). Returns VG_ENOMEM when out of memory. On
 * error *out holds no fragment and nothing to free, and out->why says what
 * went wrong.
 */
int vg_mp4_scan(const uint8_t *data, size_t len, vg_mp4_file *out);

/* Frees what `file` owns and empties it (a zeroed struct); NULL-safe, may be repeated. */
void vg_mp4_file_clear(vg_mp4_file *file);

/* One sample, as vg_mp4_fragment_samples() reports it. */
typedef struct vg_mp4_sample {
    size_t track;       /* index into vg_mp4_file.tracks */
    uint32_t track_id;  /* tracks[track].track_id */
    uint64_t dts;       /* decode time in the track's timescale */
    uint32_t duration;  /* next sample's dts - this dts */
    int64_t cts_offset; /* pts - dts: signed with trun version 1, unsigned with version 0 */
    uint32_t size;      /* bytes */
    uint64_t offset;    /* where the bytes are: data[offset .. offset + size), inside the mdat */
    uint32_t flags;     /* sample_flags (8.8.3.1), from the trun, tfhd or trex */
    bool sync;          /* sample_is_non_sync_sample clear: a key frame, or any audio frame */
} vg_mp4_sample;

/*
 * Called once per sample, in file order (traf by traf, trun by trun);
 * `sample` is borrowed for the call. Returning non-zero stops the walk,
 * which then returns that value.
 */
typedef int (*vg_mp4_sample_fn)(void *ctx, const vg_mp4_sample *sample);

/*
 * Reports every sample of file->fragments[index] to `cb` (NULL: only
 * check that the fragment still parses). `data` and `len` (borrowed) must
 * be the buffer that `file` (borrowed) was scanned from, or one that
 * starts with the same bytes up to the fragment's end. Returns
 * 0, VG_EINVAL when `index` is out of range or the fragment does not lie in
 * `len` bytes, VG_ESYNTAX when the fragment does not parse (the buffer is
 * not the one scanned; the samples before the fault have been reported),
 * or what `cb` returned when that was non-zero. Every reported sample's
 * bytes lie inside the fragment's mdat, so inside `len`.
 */
int vg_mp4_fragment_samples(const uint8_t *data, size_t len, const vg_mp4_file *file, size_t index,
                            vg_mp4_sample_fn cb, void *ctx);

#endif
