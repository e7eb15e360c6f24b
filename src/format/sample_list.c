/* sample_list.c: see sample_list.h. */
#include "format/sample_list.h"

#include "core/error.h"

#include <stdlib.h>

int vg_sample_list_push(vg_sample_list *l, vg_au *au, uint32_t duration)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        vg_au **aus = reallocarray(l->aus, cap, sizeof(*aus));
        if (!aus)
            return VG_ENOMEM;
        l->aus = aus;
        uint32_t *durations = reallocarray(l->durations, cap, sizeof(*durations));
        if (!durations)
            return VG_ENOMEM;
        l->durations = durations;
        l->cap = cap;
    }
    l->aus[l->count] = vg_au_ref(au);
    l->durations[l->count] = duration;
    l->count++;
    return 0;
}

void vg_sample_list_clear(vg_sample_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        vg_au_unref(&l->aus[i]);
    l->count = 0;
}

void vg_sample_list_free(vg_sample_list *l)
{
    vg_sample_list_clear(l);
    free(l->aus);
    free(l->durations);
    l->aus = NULL;
    l->durations = NULL;
    l->cap = 0;
}

int64_t vg_sample_list_duration(const vg_sample_list *l)
{
    int64_t total = 0;
    for (size_t i = 0; i < l->count; i++)
        total += l->durations[i];
    return total;
}

vg_fmp4_run vg_sample_list_run(const vg_sample_list *l, uint32_t track_id, bool video,
                               int64_t origin, vg_fmp4_sample *out)
{
    for (size_t i = 0; i < l->count; i++) {
        const vg_au *au = l->aus[i];
        int64_t cts = au->pts - au->dts;
        out[i] = (vg_fmp4_sample){.data = au->data,
                                  .size = au->size,
                                  .duration = l->durations[i],
                                  .cts_offset = cts > INT32_MAX ? INT32_MAX : (int32_t)cts,
                                  .key = !video || (au->flags & VG_AU_KEY)};
    }
    int64_t first = l->aus[0]->dts;
    return (vg_fmp4_run){.track_id = track_id,
                         .base_dts = (uint64_t)(first > origin ? first - origin : 0),
                         .samples = out,
                         .count = l->count};
}
