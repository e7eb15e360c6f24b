/*
 * jpeg.h: a decoded picture to a JPEG (JFIF) image, for snapshots and
 * live JPEG frames: libswscale for size, range and layout, libjpeg-turbo's
 * TurboJPEG API for the encoding.
 *
 *   AVFrame ──▶ [swscale: scale, limited → full range, to 4:2:0] ──▶ Y, Cb, Cr planes
 *           ──▶ tjCompressFromYUVPlanes (TJSAMP_420) ──▶ JPEG
 *
 * The planes go to TurboJPEG as YCbCr, never through RGB. JFIF (ITU-T
 * T.871 section 7) is full range, while H.264/H.265 cameras send limited
 * range (Y 16..235, video_full_range_flag 0, H.264 E.2.1) unless they say
 * otherwise: such pictures are stretched to full range by swscale, also
 * when the size stays; full-range 4:2:0 input at its own size goes to
 * TurboJPEG as it is, with no copy. Other layouts (4:2:2, 10-bit, NV12)
 * are converted to 4:2:0 on the way. The YCbCr matrix is kept: a BT.709
 * picture is written as it is, as ffmpeg's own JPEG output does; a viewer
 * reads it with BT.601's matrix, a small hue shift that converting through
 * RGB would fix at three times the cost.
 *
 * Scaling is bilinear (SWS_BILINEAR): swscale's SWS_FAST_BILINEAR is
 * cheaper when downscaling 1080p to 640 wide (0.35 against 1.3 ms) but
 * samples without filtering, and aliases: 26 dB PSNR against a Lanczos
 * reference where SWS_BILINEAR gives 38 dB (measured on a photograph).
 *
 * Threads: no globals, no libuv, no logging. One encoder is used by one
 * thread at a time; different encoders may run at once on different
 * threads. It keeps its scaler and buffers between calls, so an encoder
 * kept per stream costs nothing to set up for the next frame. The buffers
 * follow the largest picture seen: the converted planes (1.5 bytes a
 * pixel) and TurboJPEG's worst-case output buffer (tjBufSize, about 3
 * bytes a pixel of address space, of which only what a JPEG fills is
 * touched).
 */
#ifndef VG_STILL_JPEG_H
#define VG_STILL_JPEG_H

#include <stddef.h>
#include <stdint.h>

struct AVFrame;

typedef struct vg_still_jpeg vg_still_jpeg;

/* A new encoder, the caller's (vg_still_jpeg_destroy); NULL when out of memory. */
vg_still_jpeg *vg_still_jpeg_create(void);

/* Frees the encoder and its buffers. NULL-safe. */
void vg_still_jpeg_destroy(vg_still_jpeg *enc);

/*
 * Encodes `picture` (borrowed, read only; a software frame of any format
 * swscale reads, strides as in its linesize) as a baseline JPEG, 4:2:0, at
 * `quality` 1..100 (libjpeg's scale; 75-85 for live frames).
 *
 * `width` 0 keeps the picture's size. Otherwise the image is `width` wide
 * with the picture's aspect ratio (of its samples: the sample aspect ratio
 * is ignored), the height rounded to the nearest even number (at least
 * 2). `width` is clamped to [16, the picture's width]: never upscaled, so
 * asking for more than the picture has gives the picture's own size.
 *
 * On success returns 0 with *out a malloc()ed buffer of *out_len bytes
 * that the caller owns and frees with free(). On failure *out is NULL,
 * *out_len 0, and it returns VG_EINVAL (no picture, quality outside
 * 1..100, width negative, a format swscale cannot read, a picture larger
 * than 16384 on a side), VG_ENOMEM, or VG_EIO (swscale or TurboJPEG
 * failed).
 */
int vg_still_jpeg_encode(vg_still_jpeg *enc, const struct AVFrame *picture, int width, int quality,
                         uint8_t **out, size_t *out_len);

/*
 * The size vg_still_jpeg_encode() gives `picture` (borrowed) for `width`,
 * by the rules above, into *out_w and *out_h; 0 x 0 when there is no
 * picture, or `width` or the picture's size is out of range. Pure
 * arithmetic: for labelling an image without decoding it again.
 */
void vg_still_jpeg_output_size(const struct AVFrame *picture, int width, int *out_w, int *out_h);

#endif
