#include "format/mp4_box.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

void vg_mp4_writer_init(vg_mp4_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void vg_mp4_writer_free(vg_mp4_writer *w)
{
    if (!w)
        return;
    free(w->data);
    vg_mp4_writer_init(w);
}

bool vg_mp4_writer_reserve(vg_mp4_writer *w, size_t extra)
{
    if (w->err)
        return false;
    if (extra <= w->cap - w->len)
        return true;
    if (extra > SIZE_MAX - w->len) {
        w->err = VG_ENOMEM;
        return false;
    }
    size_t need = w->len + extra;
    /* Doubling keeps appends amortised O(1); 256 bytes hold most small boxes at once. */
    size_t cap = w->cap ? w->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *data = realloc(w->data, cap);
    if (!data) {
        w->err = VG_ENOMEM;
        return false;
    }
    w->data = data;
    w->cap = cap;
    return true;
}

int vg_mp4_writer_finish(vg_mp4_writer *w, uint8_t **out, size_t *out_len)
{
    int err = w->err;
    *out = NULL;
    *out_len = 0;
    if (err == 0 && w->len) {
        *out = w->data;
        *out_len = w->len;
        w->data = NULL;
    }
    vg_mp4_writer_free(w);
    return err;
}

/* Room for `n` more bytes: a pointer to write them at; NULL for none or once the writer failed. */
static uint8_t *grow(vg_mp4_writer *w, size_t n)
{
    if (n == 0 || !vg_mp4_writer_reserve(w, n))
        return NULL;
    uint8_t *p = w->data + w->len;
    w->len += n;
    return p;
}

static void store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void vg_mp4_put_u8(vg_mp4_writer *w, uint8_t v)
{
    uint8_t *p = grow(w, 1);
    if (p)
        p[0] = v;
}

void vg_mp4_put_u16(vg_mp4_writer *w, uint16_t v)
{
    uint8_t *p = grow(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
}

void vg_mp4_put_u24(vg_mp4_writer *w, uint32_t v)
{
    uint8_t *p = grow(w, 3);
    if (p) {
        p[0] = (uint8_t)(v >> 16);
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)v;
    }
}

void vg_mp4_put_u32(vg_mp4_writer *w, uint32_t v)
{
    uint8_t *p = grow(w, 4);
    if (p)
        store_u32(p, v);
}

void vg_mp4_put_u64(vg_mp4_writer *w, uint64_t v)
{
    vg_mp4_put_u32(w, (uint32_t)(v >> 32));
    vg_mp4_put_u32(w, (uint32_t)v);
}

void vg_mp4_put_fourcc(vg_mp4_writer *w, const char type[4])
{
    vg_mp4_put_bytes(w, type, 4);
}

void vg_mp4_put_bytes(vg_mp4_writer *w, const void *p, size_t len)
{
    uint8_t *dst = grow(w, len);
    if (dst)
        memcpy(dst, p, len);
}

void vg_mp4_put_zeros(vg_mp4_writer *w, size_t len)
{
    uint8_t *dst = grow(w, len);
    if (dst)
        memset(dst, 0, len);
}

void vg_mp4_patch_u32(vg_mp4_writer *w, size_t at, uint32_t v)
{
    if (!w->err && at <= w->len && w->len - at >= 4)
        store_u32(w->data + at, v);
}

size_t vg_mp4_box_begin(vg_mp4_writer *w, const char type[4])
{
    size_t start = w->len;
    vg_mp4_put_u32(w, 0); /* patched by vg_mp4_box_end() */
    vg_mp4_put_fourcc(w, type);
    return start;
}

size_t vg_mp4_full_box_begin(vg_mp4_writer *w, const char type[4], uint8_t version, uint32_t flags)
{
    size_t start = vg_mp4_box_begin(w, type);
    vg_mp4_put_u8(w, version);
    vg_mp4_put_u24(w, flags);
    return start;
}

void vg_mp4_box_end(vg_mp4_writer *w, size_t start)
{
    if (w->err)
        return;
    size_t size = w->len - start;
    if (size > UINT32_MAX) {
        w->err = VG_ERANGE;
        return;
    }
    vg_mp4_patch_u32(w, start, (uint32_t)size);
}

/* ---- boxes every track has (fmp4.c, mp4_export.c) ---- */

/* 8.4.3 hdlr: the media type, and a name for people (a NUL-terminated string). */
void vg_mp4_write_hdlr(vg_mp4_writer *w, bool video)
{
    const char *name = video ? "VideoHandler" : "SoundHandler";
    size_t box = vg_mp4_full_box_begin(w, "hdlr", 0, 0);
    vg_mp4_put_u32(w, 0); /* pre_defined */
    vg_mp4_put_fourcc(w, video ? "vide" : "soun");
    vg_mp4_put_zeros(w, 12); /* reserved */
    vg_mp4_put_bytes(w, name, strlen(name) + 1);
    vg_mp4_box_end(w, box);
}

/* 12.1.2 vmhd (flags 1, as the spec requires) or 12.2.2 smhd. */
void vg_mp4_write_media_header(vg_mp4_writer *w, bool video)
{
    size_t box;
    if (video) {
        box = vg_mp4_full_box_begin(w, "vmhd", 0, 1);
        vg_mp4_put_u16(w, 0);   /* graphicsmode: copy */
        vg_mp4_put_zeros(w, 6); /* opcolor */
    } else {
        box = vg_mp4_full_box_begin(w, "smhd", 0, 0);
        vg_mp4_put_u16(w, 0); /* balance: centre */
        vg_mp4_put_u16(w, 0); /* reserved */
    }
    vg_mp4_box_end(w, box);
}

/* 8.7.1 dinf with 8.7.2 dref: one 'url ' entry, flags 1: "the media data is in this file". */
void vg_mp4_write_dinf(vg_mp4_writer *w)
{
    size_t dinf = vg_mp4_box_begin(w, "dinf");
    size_t dref = vg_mp4_full_box_begin(w, "dref", 0, 0);
    vg_mp4_put_u32(w, 1); /* entry_count */
    vg_mp4_box_end(w, vg_mp4_full_box_begin(w, "url ", 0, 1));
    vg_mp4_box_end(w, dref);
    vg_mp4_box_end(w, dinf);
}
