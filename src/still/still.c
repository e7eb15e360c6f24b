/* still.c: the manager shared by snapshots and live encoders, and the JPEG type. See still.h. */
#include "still/still_internal.h"

#include "core/crypto.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MS 100

vg_jpeg *vg_jpeg_wrap(uint8_t *data, size_t size, int width, int height, int quality,
                      int64_t wallclock_ns)
{
    vg_jpeg *jpeg = calloc(1, sizeof(*jpeg));
    if (!jpeg) {
        free(data);
        return NULL;
    }
    atomic_init(&jpeg->_refs, 1);
    jpeg->data = data;
    jpeg->size = size;
    jpeg->width = width;
    jpeg->height = height;
    jpeg->quality = quality;
    jpeg->wallclock_ns = wallclock_ns;
    return jpeg;
}

vg_jpeg *vg_jpeg_ref(vg_jpeg *jpeg)
{
    atomic_fetch_add_explicit(&jpeg->_refs, 1, memory_order_relaxed);
    return jpeg;
}

void vg_jpeg_unref(vg_jpeg **jpeg)
{
    vg_jpeg *j = *jpeg;
    *jpeg = NULL;
    if (!j || atomic_fetch_sub_explicit(&j->_refs, 1, memory_order_acq_rel) != 1)
        return;
    free(j->data);
    free(j->_base64);
    free(j);
}

const char *vg_jpeg_base64(vg_jpeg *jpeg, size_t *len)
{
    if (!jpeg->_base64) {
        char *b64 = malloc(vg_base64_encoded_len(jpeg->size) + 1);
        if (!b64)
            return NULL;
        jpeg->_base64_len = vg_base64_encode(jpeg->data, jpeg->size, b64);
        jpeg->_base64 = b64;
    }
    *len = jpeg->_base64_len;
    return jpeg->_base64;
}

int vg_still_video_track(vg_track *const *tracks, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (tracks[i]->codec == VG_CODEC_H264 || tracks[i]->codec == VG_CODEC_H265)
            return (int)i;
    }
    return -1;
}

uint64_t vg_still_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_tick(uv_timer_t *t)
{
    vg_still *still = t->data;
    vg_still_snapshot_tick(still, vg_still_now_ms());
}

vg_still *vg_still_create(uv_loop_t *loop, vg_media *media, const vg_still_options *opt)
{
    vg_still *still = calloc(1, sizeof(*still));
    if (!still)
        return NULL;
    still->loop = loop;
    still->media = media;
    still->opt = *opt;
    if (still->opt.start_timeout_ms <= 0)
        still->opt.start_timeout_ms = 10000;
    uv_timer_init(loop, &still->tick);
    still->tick.data = still;
    uv_timer_start(&still->tick, on_tick, TICK_MS, TICK_MS);
    uv_unref((uv_handle_t *)&still->tick); /* never what keeps the loop alive */
    return still;
}

static void on_tick_closed(uv_handle_t *h)
{
    (void)h;
}

void vg_still_stop(vg_still *still)
{
    if (!still || still->stopped)
        return;
    still->stopped = true;
    uv_close((uv_handle_t *)&still->tick, on_tick_closed);
    vg_still_snapshot_stop(still);
    vg_still_live_stop(still);
}

static void free_still(vg_still *still)
{
    vg_still_snapshot_free_all(still);
    free(still);
}

void vg_still_job_done(vg_still *still)
{
    still->jobs--;
    if (still->destroyed && still->jobs == 0)
        free_still(still);
}

void vg_still_destroy(vg_still *still)
{
    if (!still)
        return;
    if (!still->stopped) {
        VG_LOG_ERROR("still", "destroyed before it was stopped; leaking it");
        return;
    }
    still->destroyed = true;
    if (still->jobs == 0)
        free_still(still); /* else the last job's return frees it */
}
