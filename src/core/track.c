#include "core/track.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

vg_track *vg_track_create(vg_codec codec)
{
    vg_track *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    atomic_init(&t->_refs, 1);
    t->codec = codec;
    t->is_video = codec == VG_CODEC_H264 || codec == VG_CODEC_H265;
    t->video_kind = t->is_video;
    t->clock_rate = t->is_video ? 90000 : 0;
    return t;
}

int vg_track_set_config(vg_track *track, const uint8_t *config, size_t size)
{
    uint8_t *copy = NULL;
    if (size) {
        if (!(copy = malloc(size)))
            return VG_ENOMEM;
        memcpy(copy, config, size);
    }
    free(track->config);
    track->config = copy;
    track->config_size = size;
    return 0;
}

vg_track *vg_track_ref(vg_track *track)
{
    atomic_fetch_add_explicit(&track->_refs, 1, memory_order_relaxed);
    return track;
}

void vg_track_unref(vg_track **track)
{
    if (!track || !*track)
        return;
    if (atomic_fetch_sub_explicit(&(*track)->_refs, 1, memory_order_release) == 1) {
        atomic_thread_fence(memory_order_acquire);
        free((*track)->config);
        free(*track);
    }
    *track = NULL;
}

const char *vg_codec_name(vg_codec codec)
{
    switch (codec) {
    case VG_CODEC_H264:
        return "h264";
    case VG_CODEC_H265:
        return "h265";
    case VG_CODEC_AAC:
        return "aac";
    case VG_CODEC_PCMU:
        return "pcmu";
    case VG_CODEC_PCMA:
        return "pcma";
    case VG_CODEC_OPUS:
        return "opus";
    default:
        return "unsupported";
    }
}
