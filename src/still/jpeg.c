#include "still/jpeg.h"

#include "core/error.h"

#include <libavutil/frame.h>
#include <libavutil/macros.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* Larger pictures are refused: far beyond any camera, and it keeps the sizes below in int. */
#define MAX_SIDE 16384

/* The output width is clamped up to this, unless the picture is narrower. */
#define MIN_WIDTH 16

/* The parameters a scaler was made for. */
typedef struct scaler_key {
    int src_w, src_h;
    enum AVPixelFormat src_format;
    bool src_full; /* full-range input */
    int dst_w, dst_h;
} scaler_key;

struct vg_still_jpeg {
    tjhandle tj;
    struct SwsContext *sws; /* NULL until a picture needs one */
    scaler_key key;

    /* The converted Y, Cb, Cr planes, one av_malloc()ed block (SIMD-aligned for swscale). */
    uint8_t *planes;
    size_t planes_cap;

    /*
     * TurboJPEG writes here, a worst-case buffer (tjBufSize) kept for the
     * next call; the result is copied out to the caller. TurboJPEG may
     * neither grow nor free it (TJFLAG_NOREALLOC): letting it grow a
     * buffer it was given leaks that one in libjpeg-turbo 2.1.5 (found by
     * LeakSanitizer in the unit test) and frees it in later versions
     * (jdatadst-tj.c), so the growing mode is unsafe across versions.
     * Only the pages a JPEG reaches are touched: a few hundred KiB of the
     * 6 MiB at 1080p.
     */
    unsigned char *jpeg;
    unsigned long jpeg_cap;
};

vg_still_jpeg *vg_still_jpeg_create(void)
{
    vg_still_jpeg *enc = calloc(1, sizeof(*enc));
    if (!enc)
        return NULL;
    enc->tj = tjInitCompress();
    if (!enc->tj) {
        vg_still_jpeg_destroy(enc);
        return NULL;
    }
    return enc;
}

void vg_still_jpeg_destroy(vg_still_jpeg *enc)
{
    if (!enc)
        return;
    if (enc->tj)
        tjDestroy(enc->tj);
    sws_freeContext(enc->sws);
    av_free(enc->planes);
    free(enc->jpeg);
    free(enc);
}

/*
 * The output size for a requested width: the picture's own when `width`
 * is 0 or not smaller, else `width` (at least MIN_WIDTH) by the height
 * that keeps the aspect ratio, rounded to the nearest even number.
 */
static void output_size(int src_w, int src_h, int width, int *w, int *h)
{
    if (width > 0 && width < MIN_WIDTH)
        width = MIN_WIDTH;
    if (width == 0 || width >= src_w) {
        *w = src_w;
        *h = src_h;
        return;
    }
    /* round(src_h * width / src_w / 2) * 2 in integers. */
    int64_t half = ((int64_t)src_h * width + src_w) / (2 * (int64_t)src_w);
    *w = width;
    *h = half < 1 ? 2 : (int)(2 * half);
}

/* The picture's size is one vigil encodes. */
static bool size_ok(const AVFrame *picture)
{
    return picture->width > 0 && picture->height > 0 && picture->width <= MAX_SIDE &&
           picture->height <= MAX_SIDE;
}

void vg_still_jpeg_output_size(const struct AVFrame *picture, int width, int *out_w, int *out_h)
{
    *out_w = 0;
    *out_h = 0;
    if (picture && width >= 0 && size_ok(picture))
        output_size(picture->width, picture->height, width, out_w, out_h);
}

/*
 * The format swscale should be told and whether the samples are full
 * range. The YUVJ formats are full range by definition; swscale deprecates
 * them and wants the plain format with the range given separately. Any
 * other picture is limited range unless it says otherwise (H.264 E.2.1:
 * video_full_range_flag is 0 when absent).
 */
static enum AVPixelFormat source_format(const AVFrame *picture, bool *full)
{
    enum AVPixelFormat f = (enum AVPixelFormat)picture->format;
    *full = picture->color_range == AVCOL_RANGE_JPEG;
    switch (f) {
    case AV_PIX_FMT_YUVJ420P:
        *full = true;
        return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
        *full = true;
        return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
        *full = true;
        return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
        *full = true;
        return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
        *full = true;
        return AV_PIX_FMT_YUV411P;
    default:
        return f;
    }
}

static bool same_key(const scaler_key *a, const scaler_key *b)
{
    return a->src_w == b->src_w && a->src_h == b->src_h && a->src_format == b->src_format &&
           a->src_full == b->src_full && a->dst_w == b->dst_w && a->dst_h == b->dst_h;
}

/*
 * A scaler for `key`, reused while the key stays. Not sws_getCachedContext():
 * swscale picks its unscaled fast path when the context is initialised, and
 * a range asked for afterwards with sws_setColorspaceDetails() is then
 * ignored when the size stays (FFmpeg 5.1: Y 16..235 came out unchanged,
 * measured). So the ranges are options given before sws_init_context(),
 * which then converts them. Both sides keep swscale's default matrix, so
 * no conversion through RGB is set up.
 */
static int get_scaler(vg_still_jpeg *enc, const scaler_key *key)
{
    if (enc->sws && same_key(&enc->key, key))
        return 0;
    sws_freeContext(enc->sws);
    enc->sws = sws_alloc_context();
    if (!enc->sws)
        return VG_ENOMEM;
    struct SwsContext *c = enc->sws;
    if (av_opt_set_int(c, "srcw", key->src_w, 0) < 0 ||
        av_opt_set_int(c, "srch", key->src_h, 0) < 0 ||
        av_opt_set_int(c, "src_format", key->src_format, 0) < 0 ||
        av_opt_set_int(c, "src_range", key->src_full ? 1 : 0, 0) < 0 ||
        av_opt_set_int(c, "dstw", key->dst_w, 0) < 0 ||
        av_opt_set_int(c, "dsth", key->dst_h, 0) < 0 ||
        av_opt_set_int(c, "dst_format", AV_PIX_FMT_YUV420P, 0) < 0 ||
        av_opt_set_int(c, "dst_range", 1, 0) < 0 ||
        av_opt_set_int(c, "sws_flags", SWS_BILINEAR, 0) < 0 ||
        sws_init_context(c, NULL, NULL) < 0) {
        sws_freeContext(enc->sws);
        enc->sws = NULL;
        return VG_EIO;
    }
    enc->key = *key;
    return 0;
}

/*
 * Converts `picture` into the encoder's planes: `w` x `h`, 4:2:0, full
 * range. Fills `planes` and `strides` for TurboJPEG.
 */
static int convert(vg_still_jpeg *enc, const AVFrame *picture, enum AVPixelFormat format, bool full,
                   int w, int h, const unsigned char *planes[3], int strides[3])
{
    if (!sws_isSupportedInput(format))
        return VG_EINVAL; /* a hardware frame, or a layout swscale does not read */
    scaler_key key = {
        .src_w = picture->width,
        .src_h = picture->height,
        .src_format = format,
        .src_full = full,
        .dst_w = w,
        .dst_h = h,
    };
    int rc = get_scaler(enc, &key);
    if (rc < 0)
        return rc;

    /* Strides on 64 bytes: swscale's SIMD writes whole vectors. */
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    int y_stride = FFALIGN(w, 64), c_stride = FFALIGN(cw, 64);
    size_t need = (size_t)y_stride * h + 2 * (size_t)c_stride * ch;
    if (need > enc->planes_cap) {
        av_free(enc->planes);
        enc->planes_cap = 0;
        enc->planes = av_malloc(need);
        if (!enc->planes)
            return VG_ENOMEM;
        enc->planes_cap = need;
    }
    uint8_t *dst[4] = {enc->planes, enc->planes + (size_t)y_stride * h,
                       enc->planes + (size_t)y_stride * h + (size_t)c_stride * ch, NULL};
    int dst_strides[4] = {y_stride, c_stride, c_stride, 0};
    if (sws_scale(enc->sws, (const uint8_t *const *)picture->data, picture->linesize, 0,
                  picture->height, dst, dst_strides) != h)
        return VG_EIO;
    for (int i = 0; i < 3; i++) {
        planes[i] = dst[i];
        strides[i] = dst_strides[i];
    }
    return 0;
}

/* Compresses the planes and copies the result to a new malloc()ed buffer. */
static int compress(vg_still_jpeg *enc, const unsigned char *planes[3], const int strides[3], int w,
                    int h, int quality, uint8_t **out, size_t *out_len)
{
    unsigned long need = tjBufSize(w, h, TJSAMP_420);
    if (need == (unsigned long)-1)
        return VG_EINVAL;
    if (need > enc->jpeg_cap) {
        free(enc->jpeg);
        enc->jpeg_cap = 0;
        enc->jpeg = malloc(need);
        if (!enc->jpeg)
            return VG_ENOMEM;
        enc->jpeg_cap = need;
    }
    unsigned long size = enc->jpeg_cap;
    if (tjCompressFromYUVPlanes(enc->tj, planes, w, strides, h, TJSAMP_420, &enc->jpeg, &size,
                                quality, TJFLAG_NOREALLOC) < 0 ||
        !size)
        return VG_EIO;

    uint8_t *copy = malloc(size);
    if (!copy)
        return VG_ENOMEM;
    memcpy(copy, enc->jpeg, size);
    *out = copy;
    *out_len = size;
    return 0;
}

int vg_still_jpeg_encode(vg_still_jpeg *enc, const struct AVFrame *picture, int width, int quality,
                         uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!picture || quality < 1 || quality > 100 || width < 0)
        return VG_EINVAL;
    if (!size_ok(picture) || !picture->data[0])
        return VG_EINVAL;

    int w, h;
    output_size(picture->width, picture->height, width, &w, &h);
    bool full;
    enum AVPixelFormat format = source_format(picture, &full);

    const unsigned char *planes[3];
    int strides[3];
    if (format == AV_PIX_FMT_YUV420P && full && w == picture->width && h == picture->height &&
        picture->linesize[0] > 0 && picture->linesize[1] > 0 && picture->linesize[2] > 0) {
        /* Already what JFIF wants: TurboJPEG reads the decoder's planes, strides and all. */
        for (int i = 0; i < 3; i++) {
            planes[i] = picture->data[i];
            strides[i] = picture->linesize[i];
        }
    } else {
        int rc = convert(enc, picture, format, full, w, h, planes, strides);
        if (rc < 0)
            return rc;
    }
    return compress(enc, planes, strides, w, h, quality, out, out_len);
}
