/*
 * hls.c: the HTTP side of live HLS (hls.h).
 *
 * DESIGN. An entry is one watched path: its muxer, the sessions watching
 * it and the requests waiting for it. Requests that cannot be answered yet
 * (the first playlist before the first segment, a blocking playlist
 * reload, the part of a preload hint) are suspended as waiters; the
 * muxer's on_update walks them and answers those it can. A timer (every
 * 100 ms) ends waiters past their deadline, sessions nobody polls, and
 * muxers nobody asks for.
 */
#include "hls/hls.h"

#include "core/error.h"
#include "core/log.h"
#include "hls/muxer.h"
#include "hls/playlist.h"
#include "http/json.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TICK_MS 100
/*
 * The first playlist waits for the first segment and this many parts of the
 * next: on a camera that has just started, one key-frame interval and one
 * part (1.2 s with 1 s GOPs and 200 ms parts). A player that ignores the
 * parts (hls.js with lowLatencyMode off) starts at the first segment; the
 * part is that much more in hand before the next segment is complete
 * (bench/results/hls-latency-2026-11-22-ready-one-part.md).
 */
#define READY_PARTS    1
#define SESSION_ID_LEN 16
/* A session not polled for this long has left (players poll every target duration). */
#define SESSION_TIMEOUT_MS 15000
/* Bounds against a flood of requests: sessions and held requests per path. */
#define MAX_SESSIONS  4096
#define MAX_WAITERS   8192
#define PLAYLIST_TYPE "application/vnd.apple.mpegurl"
#define MP4_TYPE      "video/mp4"
#define IMMUTABLE     "public, max-age=3600, immutable"

typedef struct hls_entry hls_entry;

/* A playlist's text shared by the answers that send it (loop thread only). */
typedef struct shared_text {
    unsigned refs;
    char *text;
    size_t len;
} shared_text;

typedef enum {
    WAIT_MULTIVARIANT, /* the first segment */
    WAIT_MEDIA,        /* the first segment, then the blocking reload below */
    WAIT_PART,         /* part (msn, part): the preload hint */
    WAIT_SEGMENT,      /* segment msn complete */
} wait_kind;

typedef struct hls_waiter {
    hls_entry *entry;
    vg_http_request *req;
    wait_kind kind;
    bool blocking, has_part; /* WAIT_MEDIA: _HLS_msn given, and _HLS_part */
    bool extended;           /* its first-playlist wait was extended once (video flows) */
    uint64_t msn, part;
    uint64_t deadline_ms;
    struct hls_waiter *next;
} hls_waiter;

typedef struct hls_session {
    char id[SESSION_ID_LEN + 1];
    uint64_t last_seen_ms;
    struct hls_session *next;
} hls_session;

struct hls_entry {
    vg_hls *hls;
    char *path_name;
    char muxer_id[VG_HLS_MUXER_ID_LEN + 1];
    vg_path *path; /* borrowed: valid until the muxer's on_end */
    vg_hls_muxer *muxer;
    bool always;           /* hlsAlwaysRemux made it: it does not close when idle */
    bool ready;            /* the first playlist could be served */
    shared_text *playlist; /* the media playlist of the muxer as it is now; NULL: write it */
    uint64_t last_request_ms;
    hls_waiter *waiters;
    size_t waiter_count;
    hls_session *sessions;
    size_t session_count;
    hls_entry *next;
};

struct vg_hls {
    uv_loop_t *loop;
    vg_media *media;
    vg_hls_options opt;
    char *allow_origins;
    uv_timer_t tick;
    uint64_t last_remux_sweep_ms;
    hls_entry *entries;
    bool stopped;
};

static uint64_t now_ms(vg_hls *hls)
{
    return uv_now(hls->loop);
}

static void random_hex(char *out, size_t digits)
{
    unsigned char bytes[16];
    size_t n = (digits + 1) / 2;
    if (getrandom(bytes, n, 0) != (ssize_t)n) {
        /* No entropy (a very early boot): names need to differ, not to be secret. */
        uint64_t t = uv_hrtime();
        for (size_t i = 0; i < n; i++)
            bytes[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)(i * 131);
    }
    for (size_t i = 0; i < digits; i++)
        out[i] = "0123456789abcdef"[(bytes[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[digits] = '\0';
}

/* ---- responses ---- */

static void add_cors(vg_hls *hls, vg_http_request *req)
{
    vg_http_add_cors(req, hls->allow_origins);
}

static void release_segment(void *ctx)
{
    vg_hls_segment *seg = ctx;
    vg_hls_segment_unref(&seg);
}

static void release_part(void *ctx)
{
    vg_hls_part *part = ctx;
    vg_hls_part_unref(&part);
}

static void release_init(void *ctx)
{
    vg_hls_init *init = ctx;
    vg_hls_init_unref(&init);
}

static void send_segment(vg_http_request *req, vg_hls_segment *seg)
{
    vg_http_slice small[16];
    vg_http_slice *slices =
        seg->part_count <= 16 ? small : calloc(seg->part_count, sizeof(*slices));
    if (!slices) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    for (size_t i = 0; i < seg->part_count; i++)
        slices[i] = (vg_http_slice){seg->parts[i]->data, seg->parts[i]->len};
    vg_http_request_add_response_header(req, "Cache-Control", IMMUTABLE);
    vg_http_respond_slices(req, 200, MP4_TYPE, slices, seg->part_count, release_segment,
                           vg_hls_segment_ref(seg));
    if (slices != small)
        free(slices);
}

static void send_part(vg_http_request *req, vg_hls_part *part)
{
    vg_http_slice slice = {part->data, part->len};
    vg_http_request_add_response_header(req, "Cache-Control", IMMUTABLE);
    vg_http_respond_slices(req, 200, MP4_TYPE, &slice, 1, release_part, vg_hls_part_ref(part));
}

static void send_init(vg_http_request *req, vg_hls_init *init, bool immutable)
{
    vg_http_slice slice = {init->data, init->len};
    if (immutable)
        vg_http_request_add_response_header(req, "Cache-Control", IMMUTABLE);
    vg_http_respond_slices(req, 200, MP4_TYPE, &slice, 1, release_init, vg_hls_init_ref(init));
}

static void playlist_unref(void *ctx)
{
    shared_text *t = ctx;
    if (--t->refs == 0) {
        free(t->text);
        free(t);
    }
}

/*
 * The media playlist is written once per change of the muxer and shared by
 * every answer until the next: when a part lands, hundreds of held players
 * are answered with the same bytes, not each with its own printing.
 */
static void send_media_playlist(hls_entry *e, vg_http_request *req)
{
    if (!e->playlist) {
        vg_hls_muxer_state st;
        vg_hls_muxer_state_get(e->muxer, &st);
        shared_text *t = calloc(1, sizeof(*t));
        if (t && (t->text = vg_hls_media_playlist(&st, e->muxer_id, &t->len))) {
            t->refs = 1;
            e->playlist = t;
        } else {
            free(t);
            vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
            return;
        }
    }
    e->playlist->refs++;
    vg_http_slice slice = {e->playlist->text, e->playlist->len};
    vg_http_respond_slices(req, 200, PLAYLIST_TYPE, &slice, 1, playlist_unref, e->playlist);
}

/* The muxer changed: the next playlist answer is written anew. */
static void forget_playlist(hls_entry *e)
{
    if (e->playlist) {
        playlist_unref(e->playlist);
        e->playlist = NULL;
    }
}

/* ---- sessions ---- */

static hls_session *find_session(hls_entry *e, const char *id)
{
    for (hls_session *s = e->sessions; s; s = s->next)
        if (!strcmp(s->id, id))
            return s;
    return NULL;
}

/*
 * A new session, one more viewer of the path, in *out: 0, VG_ELIMIT
 * (maxReaders), VG_ERANGE (MAX_SESSIONS, the table is full) or VG_ENOMEM.
 */
static int add_session(hls_entry *e, hls_session **out)
{
    if (e->session_count >= MAX_SESSIONS)
        return VG_ERANGE;
    int rc = vg_path_viewer_add(e->path);
    if (rc < 0)
        return rc;
    hls_session *s = calloc(1, sizeof(*s));
    if (!s) {
        vg_path_viewer_remove(e->path);
        return VG_ENOMEM;
    }
    random_hex(s->id, SESSION_ID_LEN);
    s->last_seen_ms = now_ms(e->hls);
    s->next = e->sessions;
    e->sessions = s;
    e->session_count++;
    VG_LOG_DEBUG("hls", "session started path=%s session=%s viewers=%zu", e->path_name, s->id,
                 e->session_count);
    *out = s;
    return 0;
}

static void remove_sessions(hls_entry *e, bool all)
{
    uint64_t now = now_ms(e->hls);
    for (hls_session **pp = &e->sessions; *pp;) {
        hls_session *s = *pp;
        if (all || now - s->last_seen_ms >= SESSION_TIMEOUT_MS) {
            *pp = s->next;
            vg_path_viewer_remove(e->path);
            e->session_count--;
            VG_LOG_DEBUG("hls", "session ended path=%s session=%s", e->path_name, s->id);
            free(s);
        } else {
            pp = &s->next;
        }
    }
}

/*
 * The media playlist's session, seen again. Only ids this server handed out
 * count: one made up, or one that expired while its player paused, is
 * served without being counted, so no client can fill maxReaders or the
 * session table by inventing ids.
 */
static void touch_session(hls_entry *e, const char *id)
{
    hls_session *s = id ? find_session(e, id) : NULL;
    if (s)
        s->last_seen_ms = now_ms(e->hls);
}

/* ---- readiness and blocking ---- */

/* A playlist can be served: once true, for the muxer's life (see READY_PARTS). */
static bool ready(hls_entry *e)
{
    if (e->ready)
        return true;
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(e->muxer, &st);
    e->ready = st.complete_count >= 2 ||
               (st.complete_count == 1 && st.count == 2 && st.next_part >= READY_PARTS);
    return e->ready;
}

static uint64_t hold_limit_ms(hls_entry *e)
{
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(e->muxer, &st);
    /* RFC 8216bis 6.2.5.2: a request held longer than three target durations gets 503. */
    return 3000u * (uint64_t)(st.target_duration_s > 0 ? st.target_duration_s : 1);
}

typedef enum { BLOCK_READY, BLOCK_WAIT, BLOCK_TOO_FAR } block_result;

/* RFC 8216bis 6.2.5.2: whether the playlist holds segment msn (or its part) yet. */
static block_result blocking_state(hls_entry *e, uint64_t msn, bool has_part, uint64_t part)
{
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(e->muxer, &st);
    uint64_t next = st.next_msn; /* segments before it are complete */
    if (has_part && msn + 1 == next) {
        /*
         * "If the Partial Segment ... is beyond the last one of a completed
         * Parent Segment, the request MUST be treated as one for Part Index
         * 0 of the following Parent Segment": a player that asked for the
         * part after the last of a segment waits for the next segment's first.
         */
        const vg_hls_segment *seg = vg_hls_muxer_segment(e->muxer, msn);
        if (seg && seg->complete && part >= seg->part_count) {
            msn = next;
            part = 0;
        }
    }
    if (msn < next || (has_part && msn == next && part < st.next_part))
        return BLOCK_READY;
    /*
     * Too far: more than two past the last segment, or a part beyond the
     * Advance Part Limit, which is 3 / PART-TARGET parts (in seconds) when
     * the part target is under a second, else 3.
     */
    uint64_t limit = st.part_target > 0 && st.part_target < VG_HLS_CLOCK
                         ? (uint64_t)((3 * VG_HLS_CLOCK + st.part_target - 1) / st.part_target)
                         : 3;
    if (msn > next + 1)
        return BLOCK_TOO_FAR;
    if (has_part && msn == next && part >= st.next_part + limit)
        return BLOCK_TOO_FAR;
    if (has_part && msn == next + 1 && part >= limit)
        return BLOCK_TOO_FAR;
    return BLOCK_WAIT;
}

static void send_multivariant(hls_entry *e, vg_http_request *req)
{
    hls_session *session = NULL;
    int rc = add_session(e, &session);
    if (rc == VG_ERANGE) {
        /* Thousands of sessions in 15 s: serve this one uncounted rather than grow without end. */
        VG_LOG_WARN("hls", "path=%s has %d sessions: new viewers are not counted", e->path_name,
                    MAX_SESSIONS);
    } else if (rc == VG_ELIMIT) {
        vg_http_respond_error(req, 429, "too_many_readers",
                              "path %s has its maxReaders viewers already", e->path_name);
        return;
    } else if (rc < 0) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(e->muxer, &st);
    /* BANDWIDTH: the peak rate of the segments listed (RFC 8216bis 4.4.6.2). */
    uint64_t bandwidth = 0;
    for (size_t i = 0; i < st.count; i++) {
        const vg_hls_segment *seg = st.segments[i];
        if (!seg->complete || seg->duration <= 0)
            continue;
        uint64_t bytes = 0;
        for (size_t p = 0; p < seg->part_count; p++)
            bytes += seg->parts[p]->len;
        uint64_t bps = bytes * 8 * VG_HLS_CLOCK / (uint64_t)seg->duration;
        if (bps > bandwidth)
            bandwidth = bps;
    }
    char uri[64];
    if (session)
        snprintf(uri, sizeof(uri), "stream.m3u8?session=%s", session->id);
    else
        snprintf(uri, sizeof(uri), "stream.m3u8");
    size_t len = 0;
    char *text = vg_hls_multivariant_playlist(st.init, bandwidth, uri, &len);
    if (!text) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    vg_http_respond_owned(req, 200, PLAYLIST_TYPE, text, len);
}

/*
 * Answers the waiter if it can now. Returns true when answered (the caller
 * unlinks and frees it).
 */
static bool try_answer(hls_waiter *w)
{
    hls_entry *e = w->entry;
    switch (w->kind) {
    case WAIT_MULTIVARIANT:
        if (!ready(e))
            return false;
        send_multivariant(e, w->req);
        return true;
    case WAIT_MEDIA:
        if (!ready(e))
            return false;
        if (w->blocking) {
            block_result b = blocking_state(e, w->msn, w->has_part, w->part);
            if (b == BLOCK_WAIT)
                return false;
            if (b == BLOCK_TOO_FAR) {
                vg_http_respond_error(w->req, 400, "too_far_ahead",
                                      "_HLS_msn/_HLS_part is too far ahead of the playlist");
                return true;
            }
        }
        send_media_playlist(e, w->req);
        return true;
    case WAIT_PART: {
        vg_hls_segment *seg = vg_hls_muxer_segment(e->muxer, w->msn);
        if (seg && w->part < seg->part_count) {
            send_part(w->req, seg->parts[w->part]);
            return true;
        }
        if (seg && seg->complete) {
            vg_http_respond_error(w->req, 404, "not_found", "segment %llu has no part %llu",
                                  (unsigned long long)w->msn, (unsigned long long)w->part);
            return true;
        }
        return false;
    }
    case WAIT_SEGMENT: {
        vg_hls_segment *seg = vg_hls_muxer_segment(e->muxer, w->msn);
        if (seg && seg->complete) {
            send_segment(w->req, seg);
            return true;
        }
        return false;
    }
    }
    return false;
}

static void waiter_unlink(hls_waiter *w)
{
    for (hls_waiter **pp = &w->entry->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            w->entry->waiter_count--;
            return;
        }
    }
}

/* The server ends the request (shutdown): forget it. */
static void on_waiter_cancel(void *ctx)
{
    hls_waiter *w = ctx;
    waiter_unlink(w);
    free(w);
}

static void answer_waiters(hls_entry *e)
{
    for (hls_waiter **pp = &e->waiters; *pp;) {
        hls_waiter *w = *pp;
        if (try_answer(w)) {
            /* hlsMuxerCloseAfter's idle time starts at the last answer, not at its request. */
            e->last_request_ms = now_ms(e->hls);
            *pp = w->next;
            e->waiter_count--;
            free(w);
        } else {
            pp = &w->next;
        }
    }
}

/* Ends every waiter with `status` and `message`. */
static void fail_waiters(hls_entry *e, unsigned status, const char *code, const char *message)
{
    while (e->waiters) {
        hls_waiter *w = e->waiters;
        e->waiters = w->next;
        e->waiter_count--;
        vg_http_respond_error(w->req, status, code, "%s", message);
        free(w);
    }
}

static void hold(hls_entry *e, vg_http_request *req, const hls_waiter *proto, uint64_t limit_ms)
{
    if (e->waiter_count >= MAX_WAITERS) {
        vg_http_respond_error(req, 503, "too_many_requests",
                              "path %s has %d requests waiting already", e->path_name, MAX_WAITERS);
        return;
    }
    hls_waiter *w = malloc(sizeof(*w));
    if (!w) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    *w = *proto;
    w->entry = e;
    w->req = req;
    w->deadline_ms = now_ms(e->hls) + limit_ms;
    if (vg_http_request_suspend(req, on_waiter_cancel, w) < 0) {
        free(w);
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        return;
    }
    w->next = e->waiters;
    e->waiters = w;
    e->waiter_count++;
}

/* ---- entries ---- */

static void entry_destroy(hls_entry *e, unsigned status, const char *code, const char *why)
{
    vg_hls *hls = e->hls;
    for (hls_entry **pp = &hls->entries; *pp; pp = &(*pp)->next) {
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    }
    fail_waiters(e, status, code, why);
    remove_sessions(e, true);
    forget_playlist(e);
    vg_hls_muxer_destroy(e->muxer);
    free(e->path_name);
    free(e);
}

static void on_muxer_update(void *ctx)
{
    hls_entry *e = ctx;
    if (!e->muxer)
        return;
    forget_playlist(e);
    const char *error = vg_hls_muxer_error(e->muxer);
    if (error && !ready(e)) {
        /* Nothing to play and nothing coming (no H.264/H.265 track): say so now. */
        char why[160];
        snprintf(why, sizeof(why), "path %s: %s", e->path_name, error);
        fail_waiters(e, 503, "stream_unavailable", why);
        return;
    }
    answer_waiters(e);
}

/* The path ended the muxer (the stream stopped, no video in time): end the entry. */
static void on_muxer_end(void *ctx, int code, const char *reason)
{
    hls_entry *e = ctx;
    (void)code;
    VG_LOG_INFO("hls", "muxer closed path=%s reason=\"%s\"", e->path_name, reason);
    char why[160];
    snprintf(why, sizeof(why), "path %s: %s", e->path_name, reason);
    entry_destroy(e, 503, "stream_unavailable", why);
}

static hls_entry *find_entry(vg_hls *hls, const char *name)
{
    for (hls_entry *e = hls->entries; e; e = e->next)
        if (!strcmp(e->path_name, name))
            return e;
    return NULL;
}

static int entry_create(vg_hls *hls, vg_path *path, hls_entry **out)
{
    hls_entry *e = calloc(1, sizeof(*e));
    if (!e || !(e->path_name = strdup(vg_path_name(path)))) {
        free(e);
        return VG_ENOMEM;
    }
    e->hls = hls;
    e->path = path;
    e->last_request_ms = now_ms(hls);
    random_hex(e->muxer_id, VG_HLS_MUXER_ID_LEN);
    vg_hls_muxer_options mopt = {.segment_duration_ms = hls->opt.segment_duration_ms,
                                 .part_duration_ms = hls->opt.part_duration_ms,
                                 .segment_count = (size_t)hls->opt.segment_count,
                                 .on_update = on_muxer_update,
                                 .on_end = on_muxer_end,
                                 .ctx = e};
    int rc = vg_hls_muxer_create(path, &mopt, &e->muxer);
    if (rc < 0) {
        free(e->path_name);
        free(e);
        return rc;
    }
    e->next = hls->entries;
    hls->entries = e;
    VG_LOG_INFO("hls", "muxer started path=%s muxer=%s", e->path_name, e->muxer_id);
    *out = e;
    return 0;
}

/* ---- the request handler ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static void serve_media(hls_entry *e, vg_http_request *req)
{
    touch_session(e, vg_http_request_query(req, "session"));
    hls_waiter w = {.entry = e, .req = req, .kind = WAIT_MEDIA};
    const char *msn = vg_http_request_query(req, "_HLS_msn");
    const char *part = vg_http_request_query(req, "_HLS_part");
    /* RFC 8216bis 6.2.5.2: _HLS_part without _HLS_msn, or a value that is no number: 400. */
    if ((part && !msn) || (msn && !parse_u64(msn, &w.msn)) || (part && !parse_u64(part, &w.part))) {
        vg_http_respond_error(
            req, 400, "invalid_request",
            "_HLS_msn and _HLS_part must be numbers, _HLS_part only with _HLS_msn");
        return;
    }
    w.blocking = msn != NULL;
    w.has_part = part != NULL;
    if (try_answer(&w))
        return;
    uint64_t limit = ready(e) ? hold_limit_ms(e) : (uint64_t)e->hls->opt.start_timeout_ms;
    hold(e, req, &w, limit);
}

static void serve(hls_entry *e, vg_http_request *req, const vg_hls_name *name)
{
    vg_hls_muxer *m = e->muxer;
    vg_hls_muxer_state st;
    vg_hls_muxer_state_get(m, &st);
    switch (name->kind) {
    case VG_HLS_NAME_MULTIVARIANT: {
        hls_waiter w = {.kind = WAIT_MULTIVARIANT};
        if (ready(e))
            send_multivariant(e, req);
        else
            hold(e, req, &w, (uint64_t)e->hls->opt.start_timeout_ms);
        return;
    }
    case VG_HLS_NAME_MEDIA:
        serve_media(e, req);
        return;
    case VG_HLS_NAME_INIT_CURRENT:
        if (st.init && ready(e))
            send_init(req, st.init, false);
        else
            vg_http_respond_error(req, 404, "not_found", "path %s has no init segment yet",
                                  e->path_name);
        return;
    default:
        break;
    }
    if (strcmp(name->muxer_id, e->muxer_id) != 0) {
        vg_http_respond_error(req, 404, "not_found", "%s is not in the current playlist",
                              vg_http_request_param(req, "file"));
        return;
    }
    if (name->kind == VG_HLS_NAME_INIT) {
        vg_hls_init *init =
            name->number <= UINT32_MAX ? vg_hls_muxer_init(m, (unsigned)name->number) : NULL;
        if (init)
            send_init(req, init, true);
        else
            vg_http_respond_error(req, 404, "not_found", "no init segment %llu",
                                  (unsigned long long)name->number);
        return;
    }
    hls_waiter w = {.entry = e,
                    .req = req,
                    .kind = name->kind == VG_HLS_NAME_PART ? WAIT_PART : WAIT_SEGMENT,
                    .msn = name->number,
                    .part = name->part};
    if (try_answer(&w))
        return;
    /* Held only for what comes next (the preload hint, the segment being made): the rest is gone.
     */
    bool next = name->kind == VG_HLS_NAME_PART
                    ? name->number == st.next_msn && name->part == st.next_part
                    : name->number == st.next_msn;
    if (!next) {
        vg_http_respond_error(req, 404, "not_found", "%s is not in the playlist",
                              vg_http_request_param(req, "file"));
        return;
    }
    hold(e, req, &w, hold_limit_ms(e));
}

static void handle(vg_http_request *req, void *ctx)
{
    vg_hls *hls = ctx;
    const char *path_name = vg_http_request_param(req, "path");
    const char *file = vg_http_request_param(req, "file");
    add_cors(hls, req);
    vg_hls_name name = vg_hls_name_parse(file);
    if (name.kind == VG_HLS_NAME_UNKNOWN) {
        vg_http_respond_error(req, 404, "not_found", "no HLS file named %.64s", file);
        return;
    }
    if (hls->stopped) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        return;
    }
    hls_entry *e = find_entry(hls, path_name);
    if (!e) {
        vg_path *path = vg_media_find_path(hls->media, path_name);
        if (!path) {
            vg_http_respond_error(req, 404, "not_found", "path %.64s is not live", path_name);
            return;
        }
        bool playlist = name.kind == VG_HLS_NAME_MULTIVARIANT || name.kind == VG_HLS_NAME_MEDIA;
        if (!playlist) {
            vg_http_respond_error(req, 404, "not_found", "%.64s is not in the playlist", file);
            return;
        }
        if (entry_create(hls, path, &e) < 0) {
            vg_http_respond_error(req, 503, "out_of_memory", "cannot start an HLS muxer");
            return;
        }
    }
    e->last_request_ms = now_ms(hls);
    const char *error = vg_hls_muxer_error(e->muxer);
    if (error && !ready(e)) {
        vg_http_respond_error(req, 503, "stream_unavailable", "path %s: %s", e->path_name, error);
        return;
    }
    serve(e, req, &name);
}

/* OPTIONS: the CORS preflight of a player that sends headers of its own. */
static void handle_options(vg_http_request *req, void *ctx)
{
    vg_hls *hls = ctx;
    add_cors(hls, req);
    vg_http_request_add_response_header(req, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    const char *asked = vg_http_request_header(req, "Access-Control-Request-Headers");
    if (asked)
        vg_http_request_add_response_header(req, "Access-Control-Allow-Headers", asked);
    vg_http_request_add_response_header(req, "Access-Control-Max-Age", "86400");
    vg_http_respond(req, 204, NULL, NULL, 0);
}

/* ---- the timer ---- */

static void add_always(void *ctx, const vg_media_info *info)
{
    vg_hls *hls = ctx;
    if (info->status != VG_STREAM_RUNNING)
        return;
    hls_entry *e = find_entry(hls, info->path_name);
    if (e) {
        e->always = true; /* a request made it first: keep it all the same */
        return;
    }
    if (entry_create(hls, info->path, &e) == 0)
        e->always = true;
}

static void on_tick(uv_timer_t *t)
{
    vg_hls *hls = t->data;
    uint64_t now = now_ms(hls);
    for (hls_entry *e = hls->entries, *next; e; e = next) {
        next = e->next;
        for (hls_waiter **pp = &e->waiters; *pp;) {
            hls_waiter *w = *pp;
            if (now < w->deadline_ms) {
                pp = &w->next;
                continue;
            }
            bool first = w->kind == WAIT_MULTIVARIANT || (w->kind == WAIT_MEDIA && !ready(e));
            vg_hls_muxer_state st;
            vg_hls_muxer_state_get(e->muxer, &st);
            if (first && !w->extended && st.count > 0) {
                /*
                 * Video flows but the first segment is not done: a camera with
                 * a long key-frame interval. Wait once more rather than fail.
                 */
                w->extended = true;
                w->deadline_ms = now + (uint64_t)hls->opt.start_timeout_ms;
                pp = &w->next;
                continue;
            }
            *pp = w->next;
            e->waiter_count--;
            const char *error = vg_hls_muxer_error(e->muxer);
            if (first)
                vg_http_respond_error(w->req, 503, "stream_unavailable",
                                      "path %s has no playable segment yet%s%s", e->path_name,
                                      error ? ": " : "", error ? error : "");
            else
                vg_http_respond_error(w->req, 503, "timeout",
                                      "held for three target durations: nothing new came");
            free(w);
        }
        remove_sessions(e, false);
        if (!e->always && !e->waiters &&
            now - e->last_request_ms >= (uint64_t)hls->opt.muxer_close_after_ms) {
            VG_LOG_INFO("hls", "muxer closed path=%s reason=\"no request for %llds\"", e->path_name,
                        (long long)(hls->opt.muxer_close_after_ms / 1000));
            entry_destroy(e, 503, "stream_unavailable", "muxer closed");
        }
    }
    if (hls->opt.always_remux && now - hls->last_remux_sweep_ms >= 1000) {
        hls->last_remux_sweep_ms = now;
        vg_media_foreach(hls->media, add_always, hls);
    }
}

/* ---- public ---- */

vg_hls *vg_hls_create(uv_loop_t *loop, vg_media *media, const vg_hls_options *opt)
{
    vg_hls *hls = calloc(1, sizeof(*hls));
    if (!hls)
        return NULL;
    hls->loop = loop;
    hls->media = media;
    hls->opt = *opt;
    if (hls->opt.segment_count < 3)
        hls->opt.segment_count = 3; /* RFC 8216bis 6.2.2: at least three target durations live */
    if (!(hls->allow_origins = strdup(opt->allow_origins ? opt->allow_origins : "*"))) {
        free(hls);
        return NULL;
    }
    hls->opt.allow_origins = hls->allow_origins;
    uv_timer_init(loop, &hls->tick);
    hls->tick.data = hls;
    uv_timer_start(&hls->tick, on_tick, TICK_MS, TICK_MS);
    return hls;
}

int vg_hls_register(vg_router *router, vg_hls *hls)
{
    int rc = vg_router_add(router, "GET", "/hls/{path}/{file}", handle, hls);
    if (rc == 0)
        rc = vg_router_add(router, "OPTIONS", "/hls/{path}/{file}", handle_options, hls);
    return rc;
}

static void on_tick_closed(uv_handle_t *h)
{
    (void)h;
}

void vg_hls_stop(vg_hls *hls)
{
    if (!hls || hls->stopped)
        return;
    hls->stopped = true;
    while (hls->entries)
        entry_destroy(hls->entries, 503, "shutting_down", "vigil is shutting down");
    uv_close((uv_handle_t *)&hls->tick, on_tick_closed);
}

void vg_hls_destroy(vg_hls *hls)
{
    if (!hls)
        return;
    free(hls->allow_origins);
    free(hls);
}
