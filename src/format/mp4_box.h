/*
 * mp4_box.h: a byte writer for ISO/IEC 14496-12 boxes, shared by the
 * fragmented-MP4 writer, the recorder and the MP4 export.
 *
 * A box (4.2) is a 32-bit big-endian size that counts the whole box, a
 * four-character type, then its payload; a full box adds an 8-bit version
 * and 24 bits of flags. Boxes nest, so a writer opens one, writes its
 * payload (and children) and closes it, which patches the size in:
 *
 *     size_t moov = vg_mp4_box_begin(&w, "moov");     // 00 00 00 00 'moov'
 *     size_t mvhd = vg_mp4_full_box_begin(&w, "mvhd", 0, 0);
 *     ...
 *     vg_mp4_box_end(&w, mvhd);                       // size of mvhd
 *     vg_mp4_box_end(&w, moov);                       // size of moov, children included
 *
 * Errors are sticky: a failed allocation (or a box grown past 4 GiB) is
 * remembered in `err`, every later call does nothing, and the caller checks
 * once, with vg_mp4_writer_finish(). Numbers are written big-endian, as
 * everything in the file format is (4.2: "network byte order").
 */
#ifndef VG_FORMAT_MP4_BOX_H
#define VG_FORMAT_MP4_BOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_mp4_writer {
    uint8_t *data; /* owned; `len` bytes written, room for `cap` */
    size_t len;
    size_t cap;
    int err; /* sticky: 0, VG_ENOMEM, or VG_ERANGE for a box of 4 GiB or more */
} vg_mp4_writer;

/* An empty writer (a zeroed struct is one too). */
void vg_mp4_writer_init(vg_mp4_writer *w);

/* Frees what the writer holds and empties it; NULL-safe. */
void vg_mp4_writer_free(vg_mp4_writer *w);

/*
 * Makes room for `extra` more bytes at once, so that a writer that knows
 * its size allocates once. Returns false (and sets `err`) when out of
 * memory, or when the writer has already failed.
 */
bool vg_mp4_writer_reserve(vg_mp4_writer *w, size_t extra);

/*
 * Hands the bytes over: 0 with *out (malloc()ed, the caller's; NULL when
 * nothing was written) and *out_len, or the sticky error with *out NULL.
 * The writer is empty afterwards either way.
 */
int vg_mp4_writer_finish(vg_mp4_writer *w, uint8_t **out, size_t *out_len);

void vg_mp4_put_u8(vg_mp4_writer *w, uint8_t v);
void vg_mp4_put_u16(vg_mp4_writer *w, uint16_t v);
void vg_mp4_put_u24(vg_mp4_writer *w, uint32_t v); /* the low 24 bits */
void vg_mp4_put_u32(vg_mp4_writer *w, uint32_t v);
void vg_mp4_put_u64(vg_mp4_writer *w, uint64_t v);
/* Four characters as they are: a box type, a brand, a handler type. */
void vg_mp4_put_fourcc(vg_mp4_writer *w, const char type[4]);
/* `len` bytes from `p` (borrowed); `p` may be NULL when len is 0. */
void vg_mp4_put_bytes(vg_mp4_writer *w, const void *p, size_t len);
void vg_mp4_put_zeros(vg_mp4_writer *w, size_t len);

/* Overwrites 4 bytes at offset `at` (already written) with `v`, big-endian. */
void vg_mp4_patch_u32(vg_mp4_writer *w, size_t at, uint32_t v);

/* Opens a box of type `type`: writes a placeholder size and the type. Returns its offset. */
size_t vg_mp4_box_begin(vg_mp4_writer *w, const char type[4]);

/* Opens a full box (4.2 FullBox): as vg_mp4_box_begin(), then version and flags. */
size_t vg_mp4_full_box_begin(vg_mp4_writer *w, const char type[4], uint8_t version, uint32_t flags);

/*
 * Closes the box opened at `start`: its size is everything written since.
 * A box of 4 GiB or more would need the 64-bit largesize form, which the
 * caller must write itself (only an mdat gets that big): here it fails the
 * writer with VG_ERANGE.
 */
void vg_mp4_box_end(vg_mp4_writer *w, size_t start);

/* 8.4.3 hdlr for a video ("vide") or sound ("soun") track. */
void vg_mp4_write_hdlr(vg_mp4_writer *w, bool video);

/* 12.1.2 vmhd (flags 1) for video, 12.2.2 smhd for sound. */
void vg_mp4_write_media_header(vg_mp4_writer *w, bool video);

/* 8.7.1 dinf / 8.7.2 dref with one self-contained 'url ' entry: the media is in this file. */
void vg_mp4_write_dinf(vg_mp4_writer *w);

#endif
