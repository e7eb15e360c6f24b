/*
 * path.c: fan-out of AUs from a source to readers (see path.h).
 *
 * Re-entrancy. A consumer may remove its reader, pause or resume it from
 * inside on_tracks, on_au or on_end. Every delivery therefore runs inside
 * `path->dispatching`; a reader removed meanwhile is only marked, and the
 * outermost dispatch frees it afterwards (sweep). Nothing is freed while a
 * loop above it in the stack still walks the list.
 */
#include "core/path.h"

#include "core/error.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_QUEUE_AUS       1024
#define DEFAULT_QUEUE_BYTES     (64u << 20)
#define DEFAULT_GOP_CACHE_BYTES (16u << 20)
#define DROP_LOG_INTERVAL_MS    10000
#define STATS_WINDOW_MS         1000
#define STATS_STALE_MS          2000

struct vg_reader {
    vg_path *path; /* NULL once detached (on_end) */
    const vg_reader_ops *ops;
    void *ctx;
    char name[64];
    vg_reader *next;

    vg_au **queue; /* ring of `cap` references */
    size_t cap, head, count, bytes, max_bytes;
    bool paused, removed, draining;
    bool shared;      /* vg_reader_options.shared: not a viewer itself */
    bool waiting_key; /* new (or new tracks): skip to the first start point, not a drop */
    bool dropping;    /* too slow: drop to the next start point that fits, counted */

    uint64_t delivered, dropped, dropped_unlogged;
    uint64_t last_drop_log_ms;
};

struct vg_path {
    char *name;
    int max_readers;
    size_t gop_max_bytes;
    uint64_t (*now_ms)(void);
    void (*on_readers_changed)(void *ctx, size_t readers);
    void *ctx;
    bool destroying;

    vg_track **tracks;
    size_t track_count;
    int video_track; /* index of the first video track, -1 when none */

    vg_au **gop; /* references: the AUs since the last key frame */
    size_t gop_count, gop_cap, gop_bytes;
    bool gop_valid; /* false from an overflow until the next key frame */
    /* The whole GOP before `gop`, for readers that start a GOP back (an HLS muxer). */
    vg_au **prev;
    size_t prev_count, prev_cap;

    vg_reader *readers;
    size_t reader_count; /* attached and not removed */
    size_t viewers;      /* readers not shared, plus vg_path_viewer_add() */
    int dispatching;
    bool sweep_needed;

    uint64_t frames_in, aus_in, bytes_in, dropped_by_removed;
    uint64_t window_start_ms, window_frames, window_bytes, last_frame_ms;
    bool have_frame;
    double fps, bitrate_bps;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- GOP cache ---- */

static void gop_clear(vg_path *path)
{
    for (size_t i = 0; i < path->gop_count; i++)
        vg_au_unref(&path->gop[i]);
    path->gop_count = 0;
    path->gop_bytes = 0;
}

static void prev_clear(vg_path *path)
{
    for (size_t i = 0; i < path->prev_count; i++)
        vg_au_unref(&path->prev[i]);
    path->prev_count = 0;
}

/* Drops both GOPs: what comes next does not follow them (new tracks, a stopped source). */
static void cache_clear(vg_path *path)
{
    gop_clear(path);
    prev_clear(path);
    path->gop_valid = false;
}

/*
 * At a key frame: the GOP that ends here becomes the previous one when it
 * is whole (cached from its key frame), so that a reader asking for it gets
 * two GOPs without a hole. The arrays swap, nothing is copied.
 */
static void gop_rotate(vg_path *path)
{
    prev_clear(path);
    if (path->gop_valid && path->gop_count) {
        vg_au **arr = path->prev;
        size_t cap = path->prev_cap;
        path->prev = path->gop;
        path->prev_cap = path->gop_cap;
        path->prev_count = path->gop_count;
        path->gop = arr;
        path->gop_cap = cap;
        path->gop_count = 0;
        path->gop_bytes = 0;
    }
    gop_clear(path);
}

/* A point where a reader can start: a video key frame, or any AU when there is no video. */
static bool is_start_point(const vg_path *path, const vg_au *au)
{
    if (path->video_track < 0)
        return true;
    return au->track == (uint32_t)path->video_track && (au->flags & VG_AU_KEY);
}

static void gop_add(vg_path *path, vg_au *au)
{
    if (path->video_track < 0)
        return; /* without video every AU is a start point: nothing to cache */
    if (is_start_point(path, au)) {
        gop_rotate(path);
        path->gop_valid = true;
    }
    if (!path->gop_valid)
        return;
    /* What an entry costs: its payload, the AU's header and the pointer to it. */
    size_t cost = sizeof(vg_au) + sizeof(vg_au *) + au->size;
    if (path->gop_bytes + cost > path->gop_max_bytes) {
        /* A GOP larger than the cache: new readers wait for the next key frame instead. */
        VG_LOG_WARN("path", "path=%s GOP over %zu bytes: not cached until the next key frame",
                    path->name, path->gop_max_bytes);
        gop_clear(path);
        path->gop_valid = false;
        return;
    }
    if (path->gop_count == path->gop_cap) {
        size_t cap = path->gop_cap ? path->gop_cap * 2 : 64;
        vg_au **grown = reallocarray(path->gop, cap, sizeof(*grown));
        if (!grown) {
            gop_clear(path);
            path->gop_valid = false;
            return;
        }
        path->gop = grown;
        path->gop_cap = cap;
    }
    path->gop[path->gop_count++] = vg_au_ref(au);
    path->gop_bytes += cost;
}

/* ---- readers ---- */

static void readers_changed(vg_path *path)
{
    if (path->on_readers_changed && !path->destroying)
        path->on_readers_changed(path->ctx, path->reader_count);
}

static void reader_clear_queue(vg_reader *r)
{
    while (r->count) {
        vg_au_unref(&r->queue[r->head]);
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
    r->bytes = 0;
}

static void reader_free(vg_reader *r)
{
    reader_clear_queue(r);
    free(r->queue);
    free(r);
}

static void unlink_reader(vg_path *path, vg_reader *r)
{
    for (vg_reader **pp = &path->readers; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            return;
        }
    }
}

/* Frees the readers removed during a dispatch, once no dispatch is running. */
static void sweep(vg_path *path)
{
    if (path->dispatching || !path->sweep_needed)
        return;
    path->sweep_needed = false;
    vg_reader **pp = &path->readers;
    while (*pp) {
        vg_reader *r = *pp;
        if (r->removed) {
            *pp = r->next;
            reader_free(r);
        } else {
            pp = &r->next;
        }
    }
}

static void log_drops(vg_reader *r, bool force)
{
    vg_path *path = r->path;
    if (!r->dropped_unlogged || !path)
        return;
    uint64_t now = path->now_ms();
    if (!force && r->last_drop_log_ms && now - r->last_drop_log_ms < DROP_LOG_INTERVAL_MS)
        return;
    VG_LOG_WARN("path", "path=%s reader=%s is too slow, discarded %llu AUs (%llu in all)",
                path->name, r->name, (unsigned long long)r->dropped_unlogged,
                (unsigned long long)r->dropped);
    r->dropped_unlogged = 0;
    r->last_drop_log_ms = now;
}

static void drop(vg_reader *r)
{
    r->dropped++;
    r->dropped_unlogged++;
    log_drops(r, false);
}

static bool fits(const vg_reader *r, const vg_au *au)
{
    return r->count < r->cap && r->bytes + au->size <= r->max_bytes;
}

static void deliver(vg_reader *r, vg_au *au)
{
    r->delivered++;
    r->ops->on_au(r, r->ctx, au);
}

/* Offers one AU to a reader; the caller holds path->dispatching. */
static void offer(vg_path *path, vg_reader *r, vg_au *au)
{
    if (r->removed)
        return;
    if (r->waiting_key) {
        if (!is_start_point(path, au))
            return;
        r->waiting_key = false;
    }
    bool direct = !r->paused && r->count == 0;
    if (r->dropping) {
        if (!is_start_point(path, au) || (!direct && !fits(r, au))) {
            drop(r);
            return;
        }
        r->dropping = false;
        log_drops(r, true);
    }
    if (direct) {
        deliver(r, au);
        return;
    }
    if (!fits(r, au)) {
        /* Full: drop this one and everything up to the next key frame that fits. */
        r->dropping = true;
        drop(r);
        return;
    }
    r->queue[(r->head + r->count) % r->cap] = vg_au_ref(au);
    r->count++;
    r->bytes += au->size;
}

/* maxReaders is reached: one more viewer is refused. */
static bool viewers_full(const vg_path *path)
{
    return path->max_readers > 0 && path->viewers >= (size_t)path->max_readers;
}

int vg_path_add_reader(vg_path *path, const vg_reader_ops *ops, void *ctx,
                       const vg_reader_options *opt, vg_reader **out)
{
    *out = NULL;
    bool shared = opt && opt->shared;
    if (!shared && viewers_full(path))
        return VG_ELIMIT;
    vg_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return VG_ENOMEM;
    r->cap = opt && opt->queue_max_aus ? opt->queue_max_aus : DEFAULT_QUEUE_AUS;
    r->max_bytes = opt && opt->queue_max_bytes ? opt->queue_max_bytes : DEFAULT_QUEUE_BYTES;
    if (!(r->queue = calloc(r->cap, sizeof(*r->queue)))) {
        free(r);
        return VG_ENOMEM;
    }
    snprintf(r->name, sizeof(r->name), "%s", opt && opt->name ? opt->name : "reader");
    r->path = path;
    r->shared = shared;
    path->viewers += !shared;
    r->ops = ops;
    r->ctx = ctx;
    r->next = path->readers;
    path->readers = r;
    path->reader_count++;
    *out = r;

    /* Tracks first, then the cached GOP: the reader can decode from its first AU. */
    path->dispatching++;
    if (path->track_count && ops->on_tracks)
        ops->on_tracks(r, ctx, path->tracks, path->track_count);
    /* The previous GOP only with the current one: together they have no hole. */
    if (opt && opt->from_previous_gop && path->gop_valid && path->gop_count) {
        for (size_t i = 0; i < path->prev_count && !r->removed; i++)
            offer(path, r, path->prev[i]);
    }
    for (size_t i = 0; i < path->gop_count && !r->removed; i++)
        offer(path, r, path->gop[i]);
    /* Without a cached GOP, a new reader starts at the next key frame. */
    if (!path->gop_count && path->video_track >= 0)
        r->waiting_key = true;
    path->dispatching--;
    if (r->removed)
        *out = NULL; /* removed by its own callback: nothing left to hand back */
    sweep(path);
    readers_changed(path);
    return *out ? 0 : VG_ESTATE;
}

void vg_reader_remove(vg_reader *r)
{
    if (!r || r->removed)
        return;
    vg_path *path = r->path;
    if (!path) {
        reader_free(r); /* already detached by on_end */
        return;
    }
    log_drops(r, true);
    r->removed = true;
    path->reader_count--;
    path->viewers -= !r->shared;
    path->dropped_by_removed += r->dropped;
    reader_clear_queue(r);
    if (path->dispatching) {
        path->sweep_needed = true;
    } else {
        unlink_reader(path, r);
        reader_free(r);
    }
    readers_changed(path);
}

void vg_reader_pause(vg_reader *r)
{
    r->paused = true;
}

void vg_reader_resume(vg_reader *r)
{
    vg_path *path = r->path;
    r->paused = false;
    if (!path || r->draining)
        return; /* a resume from inside the drain below: the loop goes on by itself */
    r->draining = true;
    path->dispatching++;
    while (r->count && !r->paused && !r->removed) {
        vg_au *au = r->queue[r->head];
        r->queue[r->head] = NULL;
        r->head = (r->head + 1) % r->cap;
        r->count--;
        r->bytes -= au->size;
        deliver(r, au);
        vg_au_unref(&au);
    }
    r->draining = false;
    path->dispatching--;
    sweep(path);
}

void vg_reader_stats_get(const vg_reader *r, vg_reader_stats *out)
{
    out->delivered = r->delivered;
    out->dropped = r->dropped;
    out->queued = r->count;
}

const char *vg_reader_name(const vg_reader *r)
{
    return r->name;
}

/* ---- path ---- */

vg_path *vg_path_create(const char *name, const vg_path_options *opt)
{
    vg_path *path = calloc(1, sizeof(*path));
    if (!path || !(path->name = strdup(name))) {
        free(path);
        return NULL;
    }
    path->max_readers = opt ? opt->max_readers : 0;
    path->gop_max_bytes =
        opt && opt->gop_cache_max_bytes ? opt->gop_cache_max_bytes : DEFAULT_GOP_CACHE_BYTES;
    path->now_ms = opt && opt->now_ms ? opt->now_ms : monotonic_ms;
    path->on_readers_changed = opt ? opt->on_readers_changed : NULL;
    path->ctx = opt ? opt->ctx : NULL;
    path->video_track = -1;
    return path;
}

const char *vg_path_name(const vg_path *path)
{
    return path->name;
}

static void release_tracks(vg_path *path)
{
    for (size_t i = 0; i < path->track_count; i++)
        vg_track_unref(&path->tracks[i]);
    free(path->tracks);
    path->tracks = NULL;
    path->track_count = 0;
    path->video_track = -1;
}

int vg_path_set_tracks(vg_path *path, vg_track *const *tracks, size_t count)
{
    vg_track **copy = count ? calloc(count, sizeof(*copy)) : NULL;
    if (count && !copy)
        return VG_ENOMEM;
    release_tracks(path);
    cache_clear(path);
    for (size_t i = 0; i < count; i++) {
        copy[i] = vg_track_ref(tracks[i]);
        if (path->video_track < 0 && copy[i]->is_video)
            path->video_track = (int)i;
    }
    path->tracks = copy;
    path->track_count = count;

    path->dispatching++;
    for (vg_reader *r = path->readers; r; r = r->next) {
        if (r->removed)
            continue;
        /* Queued AUs belong to the old tracks; the reader restarts at the next key frame. */
        reader_clear_queue(r);
        r->dropping = false;
        r->waiting_key = path->video_track >= 0;
        if (r->ops->on_tracks)
            r->ops->on_tracks(r, r->ctx, path->tracks, path->track_count);
    }
    path->dispatching--;
    sweep(path);
    return 0;
}

vg_track *const *vg_path_tracks(const vg_path *path, size_t *count)
{
    *count = path->track_count;
    return path->tracks;
}

static void update_stats(vg_path *path, const vg_au *au)
{
    uint64_t now = path->now_ms();
    bool video = path->video_track >= 0 && au->track == (uint32_t)path->video_track;
    path->aus_in++;
    path->bytes_in += au->size;
    if (video) {
        path->frames_in++;
        path->last_frame_ms = now;
        path->have_frame = true;
    }
    if (!path->window_start_ms)
        path->window_start_ms = now;
    uint64_t elapsed = now - path->window_start_ms;
    if (elapsed >= STATS_WINDOW_MS) {
        path->fps = (double)path->window_frames * 1000.0 / (double)elapsed;
        path->bitrate_bps = (double)path->window_bytes * 8000.0 / (double)elapsed;
        path->window_start_ms = now;
        path->window_frames = 0;
        path->window_bytes = 0;
    }
    path->window_frames += video;
    path->window_bytes += au->size;
}

int vg_path_publish(vg_path *path, vg_au *au)
{
    if (au->track >= path->track_count)
        return VG_EINVAL;
    update_stats(path, au);
    gop_add(path, au);
    path->dispatching++;
    for (vg_reader *r = path->readers; r; r = r->next)
        offer(path, r, au);
    path->dispatching--;
    sweep(path);
    return 0;
}

void vg_path_clear_cache(vg_path *path)
{
    cache_clear(path);
}

void vg_path_end_readers(vg_path *path, int code, const char *reason)
{
    if (path->dispatching) {
        /* Detaching readers while a dispatch above walks them would free what it uses. */
        VG_LOG_ERROR("path", "path=%s readers cannot be ended from inside a reader callback",
                     path->name);
        return;
    }
    path->dispatching++;
    for (vg_reader *r = path->readers; r; r = r->next) {
        if (r->removed)
            continue;
        reader_clear_queue(r);
        if (r->ops->on_end)
            r->ops->on_end(r, r->ctx, code, reason);
    }
    path->dispatching--;
    /* Detach them all: a reader removed in on_end is freed; the others wait for their owner. */
    vg_reader *r = path->readers;
    path->readers = NULL;
    path->sweep_needed = false;
    while (r) {
        vg_reader *next = r->next;
        if (r->removed) {
            reader_free(r);
        } else {
            path->dropped_by_removed += r->dropped;
            path->reader_count--;
            path->viewers -= !r->shared;
            r->path = NULL;
            r->next = NULL;
        }
        r = next;
    }
    readers_changed(path);
}

void vg_path_stats_get(const vg_path *path, vg_path_stats *out)
{
    uint64_t now = path->now_ms();
    memset(out, 0, sizeof(*out));
    out->frames_in = path->frames_in;
    out->aus_in = path->aus_in;
    out->bytes_in = path->bytes_in;
    bool stale = !path->have_frame || now - path->last_frame_ms >= STATS_STALE_MS;
    out->fps = stale ? 0 : path->fps;
    out->bitrate_bps = stale ? 0 : path->bitrate_bps;
    out->last_frame_age_ms = path->have_frame ? (int64_t)(now - path->last_frame_ms) : -1;
    out->readers = path->reader_count;
    out->viewers = path->viewers;
    out->dropped = path->dropped_by_removed;
    for (const vg_reader *r = path->readers; r; r = r->next)
        out->dropped += r->removed ? 0 : r->dropped;
    out->gop_cache_aus = path->gop_count;
    out->gop_cache_bytes = path->gop_bytes;
}

int vg_path_viewer_add(vg_path *path)
{
    if (viewers_full(path))
        return VG_ELIMIT;
    path->viewers++;
    return 0;
}

void vg_path_viewer_remove(vg_path *path)
{
    if (path->viewers > 0)
        path->viewers--;
}

size_t vg_path_reader_count(const vg_path *path)
{
    return path->reader_count;
}

void vg_path_destroy(vg_path *path)
{
    if (!path)
        return;
    path->destroying = true;
    vg_path_end_readers(path, VG_ESTATE, "path deleted");
    cache_clear(path);
    free(path->gop);
    free(path->prev);
    release_tracks(path);
    free(path->name);
    free(path);
}
