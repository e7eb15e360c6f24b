/*
 * source.c: the thread and inbox every source kind shares (see source.h).
 */
#include "source/source.h"

#include "core/error.h"
#include "core/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* How far the loop may fall behind a source before the source drops frames. */
#define INBOX_MAX_BYTES (32u << 20)

typedef enum { EV_TRACKS, EV_AU, EV_END } event_type;

typedef struct event {
    struct event *next;
    event_type type;
    vg_au *au;
    vg_track **tracks;
    size_t count;
    char reason[256];
} event;

struct vg_source_thread {
    vg_source *src;
};

struct vg_source {
    uv_loop_t *loop;
    uv_async_t async;
    vg_source_options opt; /* url and label are owned copies */
    const vg_source_callbacks *cb;
    void *ctx;
    const vg_source_kind *kind;
    vg_source_thread thread_ctx;

    /* loop side */
    uv_thread_t thread;
    event *end_event; /* handed to the thread at start */
    bool running, stop_requested, destroy_requested, closing;

    /* shared with the thread */
    atomic_bool stop_flag;
    uv_mutex_t lock;
    event *head, *tail;
    size_t pending_bytes;
    bool has_video; /* the last tracks posted had video: only its key frames end a drop */
    bool dropping;
    uint64_t dropped;
};

static void event_free(event *ev)
{
    vg_au_unref(&ev->au);
    for (size_t i = 0; i < ev->count; i++)
        vg_track_unref(&ev->tracks[i]);
    free(ev->tracks);
    free(ev);
}

/* What an event costs in memory, for the inbox bound: the event, its AU and their headers. */
static size_t event_cost(const event *ev)
{
    return sizeof(*ev) + (ev->au ? sizeof(vg_au) + ev->au->size : 0) +
           ev->count * sizeof(vg_track *);
}

/* Appends under the lock and wakes the loop. Takes ownership of `ev`. */
static void post(vg_source *src, event *ev)
{
    uv_mutex_lock(&src->lock);
    if (src->tail)
        src->tail->next = ev;
    else
        src->head = ev;
    src->tail = ev;
    src->pending_bytes += event_cost(ev);
    uv_mutex_unlock(&src->lock);
    uv_async_send(&src->async);
}

/* ---- the thread's side ---- */

bool vg_source_thread_should_stop(vg_source_thread *t)
{
    return atomic_load_explicit(&t->src->stop_flag, memory_order_relaxed);
}

const vg_source_options *vg_source_thread_options(vg_source_thread *t)
{
    return &t->src->opt;
}

int vg_source_thread_emit_tracks(vg_source_thread *t, vg_track *const *tracks, size_t count)
{
    event *ev = calloc(1, sizeof(*ev));
    if (!ev || (count && !(ev->tracks = calloc(count, sizeof(*ev->tracks))))) {
        free(ev);
        return VG_ENOMEM;
    }
    ev->type = EV_TRACKS;
    bool has_video = false;
    for (size_t i = 0; i < count; i++) {
        ev->tracks[i] = vg_track_ref(tracks[i]);
        has_video = has_video || tracks[i]->is_video;
    }
    ev->count = count;
    uv_mutex_lock(&t->src->lock);
    t->src->has_video = has_video;
    uv_mutex_unlock(&t->src->lock);
    post(t->src, ev);
    return 0;
}

void vg_source_thread_emit_frame(vg_source_thread *t, vg_au *au, uint32_t track, int64_t dts,
                                 int64_t pts, bool discontinuity)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    au->track = track;
    au->dts = dts;
    au->pts = pts;
    au->wallclock_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (discontinuity)
        au->flags |= VG_AU_DISCONTINUITY;
    vg_source_thread_emit_au(t, au);
}

void vg_source_thread_emit_au(vg_source_thread *t, vg_au *au)
{
    vg_source *src = t->src;
    uv_mutex_lock(&src->lock);
    bool full = src->pending_bytes + sizeof(event) + sizeof(vg_au) + au->size > INBOX_MAX_BYTES;
    bool start_point = (au->flags & VG_AU_KEY) || !src->has_video; /* audio only: any AU */
    bool drop = full || (src->dropping && !start_point);
    if (drop) {
        src->dropping = true;
        src->dropped++;
    } else {
        src->dropping = false;
    }
    uint64_t dropped = src->dropped;
    uv_mutex_unlock(&src->lock);
    if (drop) {
        if (dropped == 1 || dropped % 1000 == 0)
            VG_LOG_WARN("source", "source=%s the loop is behind: dropped %llu AUs so far",
                        src->opt.label, (unsigned long long)dropped);
        vg_au_unref(&au);
        return;
    }
    event *ev = calloc(1, sizeof(*ev));
    if (!ev) {
        vg_au_unref(&au);
        return;
    }
    ev->type = EV_AU;
    ev->au = au;
    post(src, ev);
}

static void thread_main(void *arg)
{
    vg_source *src = arg;
    /* Allocated by vg_source_start(): the loop always learns that the attempt ended. */
    event *end = src->end_event;
    src->end_event = NULL;
    src->kind->run(&src->thread_ctx, end->reason, sizeof(end->reason));
    end->type = EV_END;
    post(src, end);
}

/* ---- the loop's side ---- */

static void on_closed(uv_handle_t *h)
{
    vg_source *src = h->data;
    /* Events posted after the last attempt ended cannot exist; drain anyway. */
    for (event *ev = src->head, *next; ev; ev = next) {
        next = ev->next;
        event_free(ev);
    }
    uv_mutex_destroy(&src->lock);
    free((char *)src->opt.url);
    free((char *)src->opt.label);
    free((char *)src->opt.title);
    free(src);
}

static void close_source(vg_source *src)
{
    if (src->closing)
        return;
    src->closing = true;
    uv_close((uv_handle_t *)&src->async, on_closed);
}

static void on_async(uv_async_t *a)
{
    vg_source *src = a->data;
    uv_mutex_lock(&src->lock);
    event *ev = src->head;
    src->head = src->tail = NULL;
    uv_mutex_unlock(&src->lock);

    while (ev) {
        event *next = ev->next;
        switch (ev->type) {
        case EV_TRACKS:
            uv_mutex_lock(&src->lock);
            src->pending_bytes -= event_cost(ev);
            uv_mutex_unlock(&src->lock);
            /* Once a stop is asked for, what the attempt still sends is stale: not delivered. */
            if (!src->destroy_requested && !src->stop_requested)
                src->cb->on_tracks(src->ctx, ev->tracks, ev->count);
            break;
        case EV_AU:
            uv_mutex_lock(&src->lock);
            src->pending_bytes -= event_cost(ev);
            uv_mutex_unlock(&src->lock);
            if (!src->destroy_requested && !src->stop_requested)
                src->cb->on_au(src->ctx, ev->au);
            break;
        case EV_END: {
            uv_mutex_lock(&src->lock);
            src->pending_bytes -= event_cost(ev);
            uv_mutex_unlock(&src->lock);
            uv_thread_join(&src->thread);
            src->running = false;
            bool stopped = src->stop_requested;
            src->stop_requested = false;
            atomic_store(&src->stop_flag, false);
            if (!src->destroy_requested)
                src->cb->on_end(src->ctx, stopped, ev->reason[0] ? ev->reason : "ended");
            break;
        }
        }
        event_free(ev);
        ev = next;
        if (src->destroy_requested && !src->running) {
            /* Destroyed from a callback, or after its last attempt: drop what is left. */
            while (ev) {
                next = ev->next;
                event_free(ev);
                ev = next;
            }
            close_source(src);
            return;
        }
    }
}

vg_source *vg_source_create(uv_loop_t *loop, const vg_source_options *opt,
                            const vg_source_callbacks *cb, void *ctx)
{
    vg_source *src = calloc(1, sizeof(*src));
    if (!src)
        return NULL;
    src->opt = *opt;
    src->opt.url = strdup(opt->url ? opt->url : "");
    src->opt.label = strdup(opt->label ? opt->label : "source");
    src->opt.title = strdup(opt->title ? opt->title : "");
    if (!src->opt.url || !src->opt.label || !src->opt.title) {
        free((char *)src->opt.url);
        free((char *)src->opt.label);
        free((char *)src->opt.title);
        free(src);
        return NULL;
    }
    src->loop = loop;
    src->cb = cb;
    src->ctx = ctx;
    /* The first kind that takes the URL; libavformat last, as it takes anything. */
    static const vg_source_kind *const kinds[] = {&vg_source_demo, &vg_source_rtsp,
                                                  &vg_source_lavf};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !src->kind; i++) {
        if (kinds[i]->matches(&src->opt))
            src->kind = kinds[i];
    }
    src->thread_ctx.src = src;
    atomic_init(&src->stop_flag, false);
    uv_mutex_init(&src->lock);
    uv_async_init(loop, &src->async, on_async);
    src->async.data = src;
    return src;
}

int vg_source_start(vg_source *src)
{
    if (src->running || src->destroy_requested)
        return VG_ESTATE;
    if (!(src->end_event = calloc(1, sizeof(event))))
        return VG_ENOMEM;
    atomic_store(&src->stop_flag, false);
    src->stop_requested = false;
    int rc = uv_thread_create(&src->thread, thread_main, src);
    if (rc < 0) {
        free(src->end_event);
        src->end_event = NULL;
        return rc;
    }
    src->running = true;
    return 0;
}

void vg_source_stop(vg_source *src)
{
    if (!src->running)
        return;
    src->stop_requested = true;
    atomic_store(&src->stop_flag, true);
}

bool vg_source_running(const vg_source *src)
{
    return src->running;
}

void vg_source_destroy(vg_source *src)
{
    if (!src || src->destroy_requested)
        return;
    src->destroy_requested = true;
    if (src->running) {
        /* Its thread still runs: stop it; on_async closes once the attempt has ended. */
        vg_source_stop(src);
        return;
    }
    close_source(src);
}
