/*
 * sample_list.h: the samples of one track waiting to become a fragment
 * run: references to their AUs and their durations. Shared by the LL-HLS
 * muxer (hls/muxer.c) and the recorder (record/recorder.c), which both
 * cut AUs into fMP4 fragments (format/fmp4.h).
 *
 * Threads: whoever owns the list.
 */
#ifndef VG_FORMAT_SAMPLE_LIST_H
#define VG_FORMAT_SAMPLE_LIST_H

#include "core/au.h"
#include "format/fmp4.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_sample_list {
    vg_au **aus; /* references */
    uint32_t *durations;
    size_t count, cap;
} vg_sample_list;

/* Appends `au` (a reference is taken) with its duration. 0 or VG_ENOMEM. */
int vg_sample_list_push(vg_sample_list *l, vg_au *au, uint32_t duration);

/* Drops every reference; the list is empty and reusable. */
void vg_sample_list_clear(vg_sample_list *l);

/* Clears and frees the arrays. */
void vg_sample_list_free(vg_sample_list *l);

/* The sum of the durations. */
int64_t vg_sample_list_duration(const vg_sample_list *l);

/*
 * The samples as an fMP4 run of `track_id` (`out` has room for l->count;
 * the run borrows it and the AUs). Decode times count from `origin`: tfdt
 * is the first sample's dts minus `origin`, at least 0. A video run marks
 * key frames as sync samples; every audio sample is one.
 */
vg_fmp4_run vg_sample_list_run(const vg_sample_list *l, uint32_t track_id, bool video,
                               int64_t origin, vg_fmp4_sample *out);

#endif
