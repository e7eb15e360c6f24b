/*
 * segment.c: refcounted init segments, parts and segments (segment.h).
 */
#include "hls/segment.h"

#include "core/error.h"

#include <stdlib.h>

vg_hls_init *vg_hls_init_create(unsigned id, uint8_t *data, size_t len)
{
    vg_hls_init *init = calloc(1, sizeof(*init));
    if (!init) {
        free(data);
        return NULL;
    }
    init->_refs = 1;
    init->id = id;
    init->data = data;
    init->len = len;
    return init;
}

vg_hls_init *vg_hls_init_ref(vg_hls_init *init)
{
    init->_refs++;
    return init;
}

void vg_hls_init_unref(vg_hls_init **init)
{
    if (!*init)
        return;
    if (--(*init)->_refs == 0) {
        free((*init)->data);
        free(*init);
    }
    *init = NULL;
}

vg_hls_part *vg_hls_part_create(uint8_t *data, size_t len, int64_t duration, bool independent)
{
    vg_hls_part *part = calloc(1, sizeof(*part));
    if (!part) {
        free(data);
        return NULL;
    }
    part->_refs = 1;
    part->data = data;
    part->len = len;
    part->duration = duration;
    part->independent = independent;
    return part;
}

vg_hls_part *vg_hls_part_ref(vg_hls_part *part)
{
    part->_refs++;
    return part;
}

void vg_hls_part_unref(vg_hls_part **part)
{
    if (!*part)
        return;
    if (--(*part)->_refs == 0) {
        free((*part)->data);
        free(*part);
    }
    *part = NULL;
}

vg_hls_segment *vg_hls_segment_create(uint64_t msn, vg_hls_init *init, int64_t wallclock_ns,
                                      bool discontinuity)
{
    vg_hls_segment *seg = calloc(1, sizeof(*seg));
    if (!seg)
        return NULL;
    seg->_refs = 1;
    seg->msn = msn;
    seg->init = vg_hls_init_ref(init);
    seg->wallclock_ns = wallclock_ns;
    seg->discontinuity = discontinuity;
    return seg;
}

int vg_hls_segment_add_part(vg_hls_segment *seg, vg_hls_part *part)
{
    if (seg->part_count == seg->part_cap) {
        size_t cap = seg->part_cap ? seg->part_cap * 2 : 8;
        vg_hls_part **grown = realloc(seg->parts, cap * sizeof(*grown));
        if (!grown)
            return VG_ENOMEM;
        seg->parts = grown;
        seg->part_cap = cap;
    }
    seg->parts[seg->part_count++] = vg_hls_part_ref(part);
    seg->duration += part->duration;
    return 0;
}

vg_hls_segment *vg_hls_segment_ref(vg_hls_segment *seg)
{
    seg->_refs++;
    return seg;
}

void vg_hls_segment_unref(vg_hls_segment **seg)
{
    vg_hls_segment *s = *seg;
    if (!s)
        return;
    *seg = NULL;
    if (--s->_refs > 0)
        return;
    for (size_t i = 0; i < s->part_count; i++)
        vg_hls_part_unref(&s->parts[i]);
    free(s->parts);
    vg_hls_init_unref(&s->init);
    free(s);
}
