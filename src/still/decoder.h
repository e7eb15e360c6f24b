/*
 * decoder.h: a software video decoder for one camera track (libavcodec),
 * the first half of snapshots and live JPEG frames (DESIGN.md section 1,
 * "still").
 *
 *   AU (AVCC) ──▶ decoder ──▶ AVFrame (yuv420p / yuvj420p / ...) ──▶ still/jpeg
 *
 * The track's avcC / hvcC becomes the codec's extradata, so libavcodec
 * reads vigil's AU payload (4-byte length-prefixed NAL units) as it is.
 *
 * Delay: one libavcodec thread (no frame-threading delay, and many
 * decoders share the worker pool) and AV_CODEC_FLAG_LOW_DELAY. A stream
 * without B-frames gives its picture for the very AU that carries it.
 * With B-frames, libavcodec still reorders as the SPS requires
 * (max_num_reorder_frames, H.264 E.2.1; sps_max_num_reorder_pics, H.265
 * 7.4.3.2.1): the flag does not turn that off (FFmpeg 5.1, measured). The
 * first picture then comes that many AUs late (2 for x264 with two
 * B-frames), and every later AU gives the picture that is next in display
 * order, not its own; decode() reports 1 whenever any picture came out,
 * and the picture carries its own AU's pts and wall clock. An H.264
 * stream that has B-frames but does not declare its reordering may lose
 * a picture or two at the start while libavcodec grows its reorder buffer.
 *
 * Errors: a malformed AU, or one that libavcodec reports as damaged
 * (a decode error, or a picture with FF_DECODE_ERROR_* flags, which the
 * H.264 decoder sets when it conceals damage), makes decode() return a
 * negative code. The decoder then forgets its state and its picture and
 * skips AUs until the next key frame by itself (they return 0): pictures
 * predicted from a damaged one would show its damage. FFmpeg's H.265
 * decoder conceals most damage to slice data without reporting it, so
 * such pictures come out as concealed.
 *
 * Threads: no globals, no libuv. One decoder is used by one thread at a
 * time (a worker of the pool); different decoders may run at once on
 * different threads. It logs nothing: the caller, which knows the path,
 * logs the codes it gets.
 */
#ifndef VG_STILL_DECODER_H
#define VG_STILL_DECODER_H

#include "core/au.h"
#include "core/track.h"

#include <stddef.h>
#include <stdint.h>

struct AVFrame;

typedef struct vg_still_decoder vg_still_decoder;

/*
 * A decoder for `track` (borrowed; its config is copied): H.264 with an
 * avcC record or H.265 with an hvcC record, 4-byte NAL lengths. NULL on
 * failure, with a NUL-terminated reason in `err` (capacity `err_cap`; err
 * may be NULL): another codec, no or malformed config, libavcodec unable
 * to open it, out of memory. The caller owns the result and frees it with
 * vg_still_decoder_destroy(). The first AU it takes must be a key frame
 * (others before it are skipped).
 */
vg_still_decoder *vg_still_decoder_create(const vg_track *track, char *err, size_t err_cap);

/*
 * Decodes one AU of the track (`au` borrowed; its bytes are copied) and
 * takes any picture that comes out. Returns 1 when a new picture is
 * available (vg_still_decoder_picture), 0 when none came out (B-frame
 * reordering, or an AU skipped while waiting for a key frame), or:
 *   VG_ESYNTAX  the AU is malformed (AVCC framing) or its data is damaged;
 *   VG_EIO      libavcodec failed otherwise;
 *   VG_ENOMEM   out of memory;
 *   VG_EINVAL   an empty AU (the decoder's state is kept).
 * After VG_ESYNTAX, VG_EIO or VG_ENOMEM the decoder has flushed itself and
 * waits for the next key frame; the previous picture is gone.
 */
int vg_still_decoder_decode(vg_still_decoder *dec, const vg_au *au);

/*
 * The newest picture, or NULL when there is none (before the first, after
 * a flush or an error). Borrowed: valid until the next decode, flush or
 * destroy; take av_frame_ref() to keep it longer. Its pts is the pts of
 * the AU it came from (track clock), and *wallclock_ns (may be NULL) gets
 * that AU's wall-clock capture time.
 */
const struct AVFrame *vg_still_decoder_picture(const vg_still_decoder *dec, int64_t *wallclock_ns);

/*
 * Forgets every reference picture, the current picture and the AUs in
 * flight (avcodec_flush_buffers): for a jump in the stream (a reader that
 * dropped AUs, a discontinuity). AUs are skipped until the next key frame.
 */
void vg_still_decoder_flush(vg_still_decoder *dec);

/* Frees the decoder and its picture. NULL-safe. */
void vg_still_decoder_destroy(vg_still_decoder *dec);

#endif
