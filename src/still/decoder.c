#include "still/decoder.h"

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "core/error.h"

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * AUs sent and not yet seen as pictures: pts to wall clock. Pictures come
 * out at most the DPB size behind (16 frames, H.264 A.3.1 and H.265
 * A.4.2), so twice that covers any reordering.
 */
#define WALLCLOCK_RING 32

struct vg_still_decoder {
    AVCodecContext *ctx;
    AVPacket *packet;
    AVFrame *received; /* what avcodec_receive_frame() fills */
    AVFrame *picture;  /* the newest picture; empty (no buf) when none */
    int64_t picture_wallclock_ns;
    bool need_key; /* skip AUs until a key frame */

    struct {
        int64_t pts;
        int64_t wallclock_ns;
    } ring[WALLCLOCK_RING];
    unsigned ring_next; /* where the next AU goes */
    unsigned ring_used;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t cap, const char *fmt,
                                                          ...)
{
    if (!err || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/*
 * Checks the decoder configuration record the track carries: libavcodec
 * would accept a broken one with a warning and fail on every AU later.
 * Returns 0 or writes the reason to `err`.
 */
static int check_config(const vg_track *track, char *err, size_t cap)
{
    if (!track->config || !track->config_size) {
        set_err(err, cap, "the %s track has no decoder configuration", vg_codec_name(track->codec));
        return VG_EINVAL;
    }
    if (track->config_size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE) {
        set_err(err, cap, "oversized decoder configuration");
        return VG_EINVAL; /* extradata_size is an int */
    }
    int length_size;
    if (track->codec == VG_CODEC_H264) {
        /* vg_h264_avcc is about 8 KiB of NAL views: the heap, not a worker's stack. */
        vg_h264_avcc *avcc = malloc(sizeof(*avcc));
        if (!avcc) {
            set_err(err, cap, "out of memory");
            return VG_ENOMEM;
        }
        int rc = vg_h264_avcc_parse(track->config, track->config_size, avcc);
        length_size = avcc->length_size;
        free(avcc);
        if (rc < 0) {
            set_err(err, cap, "malformed avcC record");
            return VG_ESYNTAX;
        }
    } else {
        vg_h265_hvcc *hvcc = malloc(sizeof(*hvcc));
        if (!hvcc) {
            set_err(err, cap, "out of memory");
            return VG_ENOMEM;
        }
        int rc = vg_h265_hvcc_parse(track->config, track->config_size, hvcc);
        length_size = hvcc->length_size;
        free(hvcc);
        if (rc < 0) {
            set_err(err, cap, "malformed hvcC record");
            return VG_ESYNTAX;
        }
    }
    /* AU payloads always have 4-byte lengths (core/au.h); the record must say so too. */
    if (length_size != 4) {
        set_err(err, cap, "%d-byte NAL lengths in the decoder configuration, expected 4",
                length_size);
        return VG_ESYNTAX;
    }
    return 0;
}

vg_still_decoder *vg_still_decoder_create(const vg_track *track, char *err, size_t err_cap)
{
    vg_still_decoder *dec = NULL;
    set_err(err, err_cap, "%s", "");
    if (!track) {
        set_err(err, err_cap, "no track");
        return NULL;
    }
    enum AVCodecID id;
    if (track->codec == VG_CODEC_H264) {
        id = AV_CODEC_ID_H264;
    } else if (track->codec == VG_CODEC_H265) {
        id = AV_CODEC_ID_HEVC;
    } else {
        set_err(err, err_cap, "cannot decode %s: only h264 and h265", vg_codec_name(track->codec));
        return NULL;
    }
    if (check_config(track, err, err_cap) < 0)
        return NULL;
    const AVCodec *codec = avcodec_find_decoder(id);
    if (!codec) {
        set_err(err, err_cap, "FFmpeg has no %s decoder", vg_codec_name(track->codec));
        return NULL;
    }

    dec = calloc(1, sizeof(*dec));
    if (!dec)
        goto nomem;
    dec->need_key = true;
    dec->ctx = avcodec_alloc_context3(codec);
    dec->packet = av_packet_alloc();
    dec->received = av_frame_alloc();
    dec->picture = av_frame_alloc();
    if (!dec->ctx || !dec->packet || !dec->received || !dec->picture)
        goto nomem;

    /* libavcodec reads past the end of extradata in its bit readers: zeroed padding. */
    dec->ctx->extradata = av_mallocz(track->config_size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!dec->ctx->extradata)
        goto nomem;
    memcpy(dec->ctx->extradata, track->config, track->config_size);
    dec->ctx->extradata_size = (int)track->config_size;

    /*
     * Many decoders share one worker pool: one thread each. Frame threads
     * would also hold every picture back by a frame per thread.
     */
    dec->ctx->thread_count = 1;
    dec->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    /*
     * No AV_CODEC_FLAG2_FAST: it allows output that is not bit-exact and,
     * measured on 1080p and 720p High-profile H.264, saves nothing.
     */
    dec->ctx->pkt_timebase = (AVRational){1, track->clock_rate > 0 ? track->clock_rate : 90000};

    int rc = avcodec_open2(dec->ctx, codec, NULL);
    if (rc < 0) {
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(rc, msg, sizeof(msg));
        set_err(err, err_cap, "cannot open the %s decoder: %s", vg_codec_name(track->codec), msg);
        vg_still_decoder_destroy(dec);
        return NULL;
    }
    return dec;

nomem:
    set_err(err, err_cap, "out of memory");
    vg_still_decoder_destroy(dec);
    return NULL;
}

/* Forgets everything decoded so far; AUs are skipped until the next key frame. */
static void reset(vg_still_decoder *dec)
{
    avcodec_flush_buffers(dec->ctx);
    av_frame_unref(dec->picture);
    av_frame_unref(dec->received);
    dec->picture_wallclock_ns = 0;
    dec->ring_next = 0;
    dec->ring_used = 0;
    dec->need_key = true;
}

/* Resets the decoder and turns a libavcodec error into vigil's. */
static int fail(vg_still_decoder *dec, int averr)
{
    reset(dec);
    if (averr == AVERROR(ENOMEM))
        return VG_ENOMEM;
    if (averr == AVERROR_INVALIDDATA)
        return VG_ESYNTAX;
    return VG_EIO;
}

static void remember(vg_still_decoder *dec, const vg_au *au)
{
    dec->ring[dec->ring_next].pts = au->pts;
    dec->ring[dec->ring_next].wallclock_ns = au->wallclock_ns;
    dec->ring_next = (dec->ring_next + 1) % WALLCLOCK_RING;
    if (dec->ring_used < WALLCLOCK_RING)
        dec->ring_used++;
}

/*
 * The wall clock of the AU whose pts is `pts`, newest first (a camera that
 * repeats a pts gets the latest). A picture whose pts is lost (libavcodec
 * gives none) gets the newest AU's: at worst a reorder depth too late.
 */
static int64_t wallclock_of(const vg_still_decoder *dec, int64_t pts)
{
    if (!dec->ring_used)
        return 0;
    unsigned newest = (dec->ring_next + WALLCLOCK_RING - 1) % WALLCLOCK_RING;
    if (pts != AV_NOPTS_VALUE) {
        for (unsigned i = 0; i < dec->ring_used; i++) {
            unsigned k = (newest + WALLCLOCK_RING - i) % WALLCLOCK_RING;
            if (dec->ring[k].pts == pts)
                return dec->ring[k].wallclock_ns;
        }
    }
    return dec->ring[newest].wallclock_ns;
}

int vg_still_decoder_decode(vg_still_decoder *dec, const vg_au *au)
{
    if (!au->size)
        return VG_EINVAL; /* an empty packet would tell libavcodec to drain */
    bool key = (au->flags & VG_AU_KEY) != 0;
    if (dec->need_key && !key)
        return 0;
    if (au->size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE ||
        vg_nal_avcc_validate(au->data, au->size, NULL) < 0) {
        reset(dec);
        return VG_ESYNTAX;
    }

    /*
     * libavcodec wants AV_INPUT_BUFFER_PADDING_SIZE zeroed bytes after the
     * data, which an AU does not have: one copy into a padded, refcounted
     * packet that the decoder can keep a reference to without copying again.
     */
    int rc = av_new_packet(dec->packet, (int)au->size);
    if (rc < 0)
        return fail(dec, rc);
    memcpy(dec->packet->data, au->data, au->size);
    dec->packet->pts = au->pts;
    dec->packet->dts = au->dts;
    if (key)
        dec->packet->flags |= AV_PKT_FLAG_KEY;
    remember(dec, au);
    rc = avcodec_send_packet(dec->ctx, dec->packet);
    av_packet_unref(dec->packet);
    /* Every send is followed by receiving until EAGAIN, so EAGAIN here is an error too. */
    if (rc < 0)
        return fail(dec, rc);
    dec->need_key = false;

    int got = 0;
    for (;;) {
        rc = avcodec_receive_frame(dec->ctx, dec->received);
        if (rc == AVERROR(EAGAIN))
            break;
        if (rc < 0)
            return fail(dec, rc);
        if (dec->received->decode_error_flags || (dec->received->flags & AV_FRAME_FLAG_CORRUPT)) {
            /* Decoded with concealment, or with references missing: damaged. */
            return fail(dec, AVERROR_INVALIDDATA);
        }
        int64_t pts = dec->received->pts != AV_NOPTS_VALUE ? dec->received->pts
                                                           : dec->received->best_effort_timestamp;
        dec->picture_wallclock_ns = wallclock_of(dec, pts);
        av_frame_unref(dec->picture);
        av_frame_move_ref(dec->picture, dec->received);
        got = 1;
    }
    return got;
}

const struct AVFrame *vg_still_decoder_picture(const vg_still_decoder *dec, int64_t *wallclock_ns)
{
    bool have = dec->picture->buf[0] != NULL;
    if (wallclock_ns)
        *wallclock_ns = have ? dec->picture_wallclock_ns : 0;
    return have ? dec->picture : NULL;
}

void vg_still_decoder_flush(vg_still_decoder *dec)
{
    reset(dec);
}

void vg_still_decoder_destroy(vg_still_decoder *dec)
{
    if (!dec)
        return;
    avcodec_free_context(&dec->ctx); /* frees the extradata too */
    av_packet_free(&dec->packet);
    av_frame_free(&dec->received);
    av_frame_free(&dec->picture);
    free(dec);
}
