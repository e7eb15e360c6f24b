/*
 * muxer.c: AUs of a path into LL-HLS parts and segments (muxer.h).
 *
 * DESIGN. Samples wait one AU in `pending_*`: a sample's duration is the
 * distance to the next one of its track. When video AU N arrives, the
 * pending video AU P gets its duration and joins the part being filled;
 * then N.dts is a boundary where the muxer may end the part (it is full)
 * or the segment (N is a key frame and the segment long enough). Audio
 * joins whatever part is being filled when its own next AU arrives; its
 * tfdt carries its exact time, so the player keeps it in sync.
 */
#include "hls/muxer.h"

#include "core/error.h"
#include "core/log.h"
#include "format/fmp4.h"
#include "format/sample_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A part may end up to this much short of the target (timestamps jitter by a tick or two). */
#define PART_TOLERANCE (VG_HLS_CLOCK / 1000)
/* Segments that left the playlist but can still be downloaded. */
#define KEPT_UNLISTED 2

struct vg_hls_muxer {
    vg_hls_muxer_options opt;
    int64_t segment_target, part_target; /* 90 kHz */
    vg_path *path;
    vg_reader *reader;
    bool creating;
    const char *error;

    int video_index, audio_index; /* the path's track indices; -1 when none */
    vg_track *video, *audio;      /* references */
    vg_hls_init *init;            /* the current init segment */
    unsigned next_init_id;

    vg_au *pending_video, *pending_audio;
    uint32_t last_video_duration, last_audio_duration;
    bool waiting_key;        /* skip video up to a key frame (a segment must start on one) */
    bool discontinuity_next; /* the next segment starts after a reconnect */

    vg_hls_segment **segments; /* oldest first: `unlisted` ones, then the listed ones, then
                                  `current` when set */
    size_t count, cap, unlisted;
    size_t bytes;            /* of every segment held */
    vg_hls_segment *current; /* in progress */
    int64_t segment_start_dts;
    uint64_t next_msn;
    uint64_t discontinuity_sequence;
    int target_duration_s;
    int64_t part_target_max;

    vg_sample_list part_video, part_audio; /* the part being filled */
    int64_t part_start_dts;
    bool part_independent;
    uint32_t fragment_sequence;
};

/* ---- helpers ---- */

static void notify(vg_hls_muxer *m)
{
    if (!m->creating && m->opt.on_update)
        m->opt.on_update(m->opt.ctx);
}

/* ---- parts and segments ---- */

/* Ends the part being filled (if it has video): one fragment, added to the current segment. */
static void close_part(vg_hls_muxer *m)
{
    if (!m->part_video.count || !m->current)
        return;
    size_t total = m->part_video.count + m->part_audio.count;
    vg_fmp4_sample *samples = malloc(total * sizeof(*samples));
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = VG_ENOMEM;
    if (samples) {
        vg_fmp4_run runs[2];
        size_t n = 0;
        runs[n++] = vg_sample_list_run(&m->part_video, 1, true, 0, samples);
        if (m->part_audio.count)
            runs[n++] =
                vg_sample_list_run(&m->part_audio, 2, false, 0, samples + m->part_video.count);
        rc = vg_fmp4_write_fragment(++m->fragment_sequence, runs, n, &data, &len);
    }
    free(samples);
    int64_t duration = vg_sample_list_duration(&m->part_video);
    vg_sample_list_clear(&m->part_video);
    vg_sample_list_clear(&m->part_audio);
    vg_hls_part *part =
        rc == 0 ? vg_hls_part_create(data, len, duration, m->part_independent) : NULL;
    if (!part || vg_hls_segment_add_part(m->current, part) < 0) {
        VG_LOG_ERROR("hls", "cannot make a part path=%s: out of memory", vg_path_name(m->path));
        vg_hls_part_unref(&part);
        return;
    }
    vg_hls_part_unref(&part);
    m->bytes += len;
    if (duration > m->part_target_max)
        m->part_target_max = duration;
    notify(m);
}

/*
 * The oldest listed segment leaves the playlist, but stays downloadable for
 * KEPT_UNLISTED more segments: a player that read the playlist just before
 * may still ask for it (RFC 8216bis 6.2.2).
 */
static void free_oldest_unlisted(vg_hls_muxer *m)
{
    vg_hls_segment *old = m->segments[0];
    for (size_t i = 0; i < old->part_count; i++)
        m->bytes -= old->parts[i]->len;
    memmove(m->segments, m->segments + 1, (m->count - 1) * sizeof(*m->segments));
    m->count--;
    m->unlisted--;
    vg_hls_segment_unref(&old);
}

static void unlist_oldest(vg_hls_muxer *m)
{
    /* RFC 8216bis 4.4.3.3: the sequence counts the discontinuities that left the playlist. */
    if (m->segments[m->unlisted]->discontinuity)
        m->discontinuity_sequence++;
    m->unlisted++;
    if (m->unlisted > KEPT_UNLISTED)
        free_oldest_unlisted(m);
}

/*
 * Keeps the segments within max_bytes: a camera that sends a key frame once
 * a minute would otherwise keep minutes of video per path. The unlisted go
 * first, then the oldest listed, down to one complete segment.
 */
static void trim_to_budget(vg_hls_muxer *m)
{
    size_t listed_complete = m->count - m->unlisted - (m->current != NULL);
    while (m->bytes > m->opt.max_bytes) {
        if (m->unlisted) {
            free_oldest_unlisted(m);
        } else if (listed_complete > 1) {
            unlist_oldest(m);
            listed_complete--;
        } else {
            break;
        }
    }
}

/* Ends the current segment (after close_part) and trims the playlist to hlsSegmentCount. */
static void close_segment(vg_hls_muxer *m)
{
    if (!m->current)
        return;
    vg_hls_segment *seg = m->current;
    m->current = NULL;
    if (!seg->part_count) {
        /* Nothing made it in (out of memory): forget it, and its number. */
        m->count--;
        m->next_msn--;
        vg_hls_segment_unref(&seg);
        return;
    }
    seg->complete = true;
    /* RFC 8216bis 4.4.3.1: every EXTINF, rounded to the nearest integer, <= TARGETDURATION. */
    int rounded = (int)((seg->duration + VG_HLS_CLOCK / 2) / VG_HLS_CLOCK);
    if (rounded > m->target_duration_s)
        m->target_duration_s = rounded;
    while (m->count - m->unlisted > m->opt.segment_count)
        unlist_oldest(m);
    trim_to_budget(m);
    notify(m);
}

/* Ends the part and the segment now: a reconnect, new tracks, the end. */
static void flush(vg_hls_muxer *m);

static void append_video(vg_hls_muxer *m, vg_au *au, uint32_t duration)
{
    bool key = au->flags & VG_AU_KEY;
    if (!m->current) {
        if (!key)
            return; /* a segment starts on a key frame */
        if (m->count == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 16;
            vg_hls_segment **grown = realloc(m->segments, cap * sizeof(*grown));
            if (!grown)
                return;
            m->segments = grown;
            m->cap = cap;
        }
        m->current =
            vg_hls_segment_create(m->next_msn, m->init, au->wallclock_ns, m->discontinuity_next);
        if (!m->current)
            return;
        m->next_msn++;
        m->discontinuity_next = false;
        m->segments[m->count++] = m->current;
        m->segment_start_dts = au->dts;
    }
    if (!m->part_video.count) {
        m->part_start_dts = au->dts;
        m->part_independent = key;
    }
    if (vg_sample_list_push(&m->part_video, au, duration) < 0)
        VG_LOG_ERROR("hls", "cannot queue a frame path=%s: out of memory", vg_path_name(m->path));
}

static void flush(vg_hls_muxer *m)
{
    if (m->pending_video) {
        append_video(m, m->pending_video, m->last_video_duration);
        vg_au_unref(&m->pending_video);
    }
    if (m->pending_audio) {
        if (m->current)
            vg_sample_list_push(&m->part_audio, m->pending_audio, m->last_audio_duration);
        vg_au_unref(&m->pending_audio);
    }
    close_part(m);
    vg_sample_list_clear(&m->part_audio);
    close_segment(m);
}

static void on_video(vg_hls_muxer *m, vg_au *au)
{
    if (au->flags & VG_AU_DISCONTINUITY) {
        /* A reconnect: what came before ends here, and the next segment says so. */
        flush(m);
        if (m->count)
            m->discontinuity_next = true;
        m->waiting_key = true;
    }
    if (m->waiting_key && !(au->flags & VG_AU_KEY))
        return;
    m->waiting_key = false;
    vg_au *p = m->pending_video;
    if (p) {
        int64_t d = au->dts - p->dts;
        uint32_t duration = d > 0 && d < VG_HLS_CLOCK * 10 ? (uint32_t)d : m->last_video_duration;
        m->last_video_duration = duration;
        /*
         * RFC 8216bis 4.4.4.9: a part is at most PART-TARGET long: P would overflow, so P starts
         * the next, unless that leaves this part under 85 % of PART-TARGET (a frame interval that
         * does not divide the target, 24 fps in 200 ms): then P overruns, and the advertised
         * PART-TARGET (part_target_max) grows to cover it.
         */
        if (m->part_video.count && au->dts - m->part_start_dts > m->part_target + PART_TOLERANCE &&
            (p->dts - m->part_start_dts) * 100 >= m->part_target_max * 85)
            close_part(m);
        append_video(m, p, duration);
        vg_au_unref(&m->pending_video);
        bool key = au->flags & VG_AU_KEY;
        if (key && m->current && au->dts - m->segment_start_dts >= m->segment_target) {
            close_part(m);
            close_segment(m);
        } else if (m->part_video.count &&
                   au->dts - m->part_start_dts >= m->part_target - PART_TOLERANCE) {
            close_part(m);
        }
    }
    m->pending_video = vg_au_ref(au);
}

static void on_audio(vg_hls_muxer *m, vg_au *au)
{
    vg_au *p = m->pending_audio;
    if (p) {
        int64_t d = au->dts - p->dts;
        uint32_t duration = d > 0 && d < INT32_MAX ? (uint32_t)d : m->last_audio_duration;
        m->last_audio_duration = duration;
        /*
         * Between two segments (the key frame that starts the next one waits for its
         * successor) the sample joins the next segment's first part: dropping it would leave
         * a gap in the sound at every segment boundary.
         */
        if (m->current || m->pending_video)
            vg_sample_list_push(&m->part_audio, p, duration);
        vg_au_unref(&m->pending_audio);
    }
    m->pending_audio = vg_au_ref(au);
}

/* ---- tracks ---- */

static bool same_track(const vg_track *a, const vg_track *b)
{
    if (!a || !b)
        return a == b;
    return a->codec == b->codec && a->width == b->width && a->height == b->height &&
           a->sample_rate == b->sample_rate && a->channels == b->channels &&
           a->config_size == b->config_size &&
           (!a->config_size || !memcmp(a->config, b->config, a->config_size));
}

static int make_init(vg_hls_muxer *m)
{
    vg_track *tracks[2] = {m->video, m->audio};
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = vg_fmp4_write_init(tracks, m->audio ? 2 : 1, &data, &len);
    if (rc < 0)
        return rc;
    vg_hls_init *init = vg_hls_init_create(m->next_init_id++, data, len);
    if (!init)
        return VG_ENOMEM;
    if (m->audio && m->audio->codec_string[0])
        snprintf(init->codecs, sizeof(init->codecs), "%s,%s", m->video->codec_string,
                 m->audio->codec_string);
    else
        snprintf(init->codecs, sizeof(init->codecs), "%s", m->video->codec_string);
    init->width = m->video->width;
    init->height = m->video->height;
    init->fps = m->video->nominal_fps;
    vg_hls_init_unref(&m->init);
    m->init = init;
    return 0;
}

static void on_tracks(vg_reader *r, void *ctx, vg_track *const *tracks, size_t count)
{
    (void)r;
    vg_hls_muxer *m = ctx;
    bool had_tracks = m->init != NULL;
    flush(m);
    int video = -1, audio = -1;
    for (size_t i = 0; i < count; i++) {
        if (!vg_fmp4_supports(tracks[i]))
            continue;
        if (tracks[i]->is_video && video < 0)
            video = (int)i;
        else if (!tracks[i]->is_video && audio < 0)
            audio = (int)i;
    }
    vg_track *new_video = video >= 0 ? tracks[video] : NULL;
    vg_track *new_audio = audio >= 0 ? tracks[audio] : NULL;
    bool changed = !same_track(m->video, new_video) || !same_track(m->audio, new_audio);
    m->video_index = video;
    m->audio_index = audio;
    vg_track_unref(&m->video);
    vg_track_unref(&m->audio);
    m->video = new_video ? vg_track_ref(new_video) : NULL;
    m->audio = new_audio ? vg_track_ref(new_audio) : NULL;
    m->waiting_key = true;
    m->last_video_duration = m->video && m->video->nominal_fps > 0
                                 ? (uint32_t)(VG_HLS_CLOCK / m->video->nominal_fps)
                                 : VG_HLS_CLOCK / 25;
    m->last_audio_duration = 1024;
    if (m->video && m->video->nominal_fps > 0) {
        /*
         * A whole number of frames per part (the nearest to hlsPartDuration),
         * so that every part but a segment's last is the same length and
         * PART-TARGET, which RFC 8216bis 4.4.3.7 wants stable, fits them all.
         */
        double frame = VG_HLS_CLOCK / m->video->nominal_fps;
        double frames = (double)m->opt.part_duration_ms * (VG_HLS_CLOCK / 1000) / frame;
        frames = frames < 1 ? 1 : (double)(int64_t)(frames + 0.5);
        m->part_target = (int64_t)(frames * frame + 0.5);
        if (!m->fragment_sequence || m->part_target > m->part_target_max)
            m->part_target_max = m->part_target;
    }
    if (had_tracks && m->count)
        m->discontinuity_next = true;
    if (!m->video) {
        m->error = "the path has no H.264 or H.265 video track";
        VG_LOG_WARN("hls", "cannot mux path=%s: %s", vg_path_name(m->path), m->error);
        notify(m);
        return;
    }
    m->error = NULL;
    if ((changed || !m->init) && make_init(m) < 0) {
        m->error = "cannot write an init segment for these tracks";
        VG_LOG_ERROR("hls", "cannot mux path=%s: %s", vg_path_name(m->path), m->error);
        notify(m);
    }
}

static void on_au(vg_reader *r, void *ctx, vg_au *au)
{
    (void)r;
    vg_hls_muxer *m = ctx;
    if (m->error || !m->init || au->dts < 0)
        return;
    if ((int)au->track == m->video_index)
        on_video(m, au);
    else if ((int)au->track == m->audio_index)
        on_audio(m, au);
}

static void on_end(vg_reader *r, void *ctx, int code, const char *reason)
{
    (void)r;
    vg_hls_muxer *m = ctx;
    if (m->opt.on_end)
        m->opt.on_end(m->opt.ctx, code, reason);
}

static const vg_reader_ops muxer_reader_ops = {on_tracks, on_au, on_end};

/* ---- public ---- */

int vg_hls_muxer_create(vg_path *path, const vg_hls_muxer_options *opt, vg_hls_muxer **out)
{
    *out = NULL;
    vg_hls_muxer *m = calloc(1, sizeof(*m));
    if (!m)
        return VG_ENOMEM;
    m->opt = *opt;
    if (m->opt.segment_count < 1)
        m->opt.segment_count = 1;
    if (!m->opt.max_bytes)
        m->opt.max_bytes = VG_HLS_MUXER_MAX_BYTES;
    m->segment_target = opt->segment_duration_ms * (VG_HLS_CLOCK / 1000);
    m->part_target = opt->part_duration_ms * (VG_HLS_CLOCK / 1000);
    m->part_target_max = m->part_target;
    m->target_duration_s = (int)((opt->segment_duration_ms + 999) / 1000);
    if (m->target_duration_s < 1)
        m->target_duration_s = 1;
    m->path = path;
    m->video_index = m->audio_index = -1;
    m->creating = true;
    vg_reader_options ropt = {.name = "hls", .shared = true, .from_previous_gop = true};
    int rc = vg_path_add_reader(path, &muxer_reader_ops, m, &ropt, &m->reader);
    m->creating = false;
    if (rc < 0) {
        vg_hls_muxer_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

void vg_hls_muxer_destroy(vg_hls_muxer *m)
{
    if (!m)
        return;
    vg_reader_remove(m->reader);
    vg_au_unref(&m->pending_video);
    vg_au_unref(&m->pending_audio);
    vg_sample_list_free(&m->part_video);
    vg_sample_list_free(&m->part_audio);
    for (size_t i = 0; i < m->count; i++)
        vg_hls_segment_unref(&m->segments[i]);
    free(m->segments);
    vg_hls_init_unref(&m->init);
    vg_track_unref(&m->video);
    vg_track_unref(&m->audio);
    free(m);
}

void vg_hls_muxer_state_get(const vg_hls_muxer *m, vg_hls_muxer_state *out)
{
    *out = (vg_hls_muxer_state){.segments = m->segments + m->unlisted,
                                .count = m->count - m->unlisted,
                                .discontinuity_sequence = m->discontinuity_sequence,
                                .target_duration_s = m->target_duration_s,
                                .part_target = m->part_target_max,
                                .next_msn = m->current ? m->current->msn : m->next_msn,
                                .next_part = m->current ? m->current->part_count : 0,
                                .init = m->init,
                                .complete_count = m->count - m->unlisted - (m->current != NULL)};
}

const char *vg_hls_muxer_error(const vg_hls_muxer *m)
{
    return m->error;
}

vg_hls_segment *vg_hls_muxer_segment(const vg_hls_muxer *m, uint64_t msn)
{
    if (!m->count || msn < m->segments[0]->msn)
        return NULL;
    uint64_t i = msn - m->segments[0]->msn;
    return i < m->count ? m->segments[i] : NULL;
}

vg_hls_init *vg_hls_muxer_init(const vg_hls_muxer *m, unsigned id)
{
    if (m->init && m->init->id == id)
        return m->init;
    for (size_t i = 0; i < m->count; i++)
        if (m->segments[i]->init->id == id)
            return m->segments[i]->init;
    return NULL;
}
