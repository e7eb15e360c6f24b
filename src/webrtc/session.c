/*
 * session.c: one WebRTC viewer, from its WHEP offer to its end.
 *
 *   offer ──▶ WAITING_TRACKS ──tracks──▶ answer ──▶ CONNECTING ──DTLS done──▶ CONNECTED
 *             (held request)                       ICE checks, DTLS            GOP, then live
 *
 * The session is a path reader from the offer on. Until the DTLS handshake
 * is done it keeps only references to the video AUs since the last key
 * frame; then it sends that GOP at once, so the first picture decodes as
 * soon as the keys exist, and then every AU as the path publishes it.
 *
 * The cached GOP goes out with its RTP timestamps squeezed one tick apart,
 * ending where the live stream goes on. A receiver maps RTP time to its own
 * clock from the first frames it sees (WebRTC's timestamp extrapolator): a
 * second of frames arriving in a few milliseconds with a second of RTP time
 * between them would set the playout a second late, and keep it there. The
 * same holds for a PLI/FIR: the camera cannot be asked for a key frame, so
 * the cached GOP is sent again the same way (documented in docs/webrtc.md).
 *
 * Sends are synchronous (uv_udp_try_send on the shared socket): a session
 * never queues media. A send the kernel refuses means this viewer is behind:
 * its video waits for the next key frame.
 */
#include "webrtc/webrtc_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "http/json.h"
#include "webrtc/rtcp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define KEY_REQUEST_MIN_MS    300 /* PLI/FIR answered at most this often: a GOP per request */
#define SENDER_REPORT_MS      1000
#define SENDER_REPORT_IDLE_NS (10 * 1000000000ull)
#define RTC_MAX_RESENDS       2 /* copies of one packet a viewer's NACKs may get */
#define ANSWER_MAX            (16 * 1024)

static void random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0)
            continue; /* EINTR; the pool is initialised long before vigil runs */
        p += n;
        len -= (size_t)n;
    }
}

static uint32_t random_u32(void)
{
    uint32_t v;
    random_bytes(&v, sizeof(v));
    return v;
}

/* `len` chars of RFC 8839 section 5.4's ice-char (ALPHA / DIGIT / "+" / "/"), NUL-terminated. */
static void random_ice_text(char *out, size_t len)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[64];
    random_bytes(raw, len);
    for (size_t i = 0; i < len; i++)
        out[i] = chars[raw[i] & 63];
    out[len] = '\0';
}

static void random_hex(char *out, size_t bytes)
{
    uint8_t raw[32];
    random_bytes(raw, bytes);
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the GOP kept for a new connection and for key frame requests ---------------------------- */

static void gop_clear(rtc_session *s)
{
    for (size_t i = 0; i < s->gop_count; i++)
        vg_au_unref(&s->gop[i]);
    s->gop_count = 0;
    s->gop_bytes = 0;
}

static void gop_add(rtc_session *s, vg_au *au)
{
    if (au->flags & VG_AU_KEY) {
        gop_clear(s);
        s->gop_broken = false;
        s->gop_resent = false;
    }
    if (s->gop_broken)
        return;
    if (!s->gop || s->gop_count >= RTC_GOP_MAX_AUS || s->gop_bytes + au->size > RTC_GOP_MAX_BYTES) {
        /* A GOP this long is not worth resending; wait for the next key frame. */
        gop_clear(s);
        s->gop_broken = true;
        return;
    }
    s->gop[s->gop_count++] = vg_au_ref(au);
    s->gop_bytes += au->size;
}

/* ---- sending --------------------------------------------------------------------------------- */

/* One RTP packet from the packetizer: protect it in place, keep it for NACKs, send it. */
static void emit_packet(void *ctx, uint8_t *packet, size_t len, size_t cap, bool marker)
{
    rtc_session *s = ctx;
    (void)marker;
    uint16_t seq = vg_rtp_seq(packet);
    size_t n = len;
    if (vg_srtp_protect_rtp(s->srtp_out, packet, &n, cap) < 0) {
        s->send_errors++;
        return;
    }
    if (s->sending == &s->video && s->history && n <= RTC_HISTORY_SLOT) {
        size_t slot = seq & (RTC_HISTORY - 1);
        memcpy(s->history[slot], packet, n);
        s->history_seq[slot] = seq;
        s->history_len[slot] = (uint16_t)n;
        s->history_resends[slot] = 0;
    }
    if (rtc_send(s, packet, n) == 0) {
        s->packets_sent++;
        s->bytes_sent += n;
        return;
    }
    s->send_errors++;
    if (s->sending == &s->video)
        s->video.need_key = true; /* this viewer is behind: start again at a key frame */
}

static void send_au_at(rtc_session *s, rtc_stream *st, const vg_au *au, uint32_t rtp)
{
    s->sending = st;
    vg_rtp_packetize(&st->packetizer, st->track, au, rtp, emit_packet, s);
    s->sending = NULL;
    st->last_rtp = rtp;
    st->last_send_ns = mono_ns();
    st->last_wall_ns = au->wallclock_ns;
}

static void send_au(rtc_session *s, rtc_stream *st, const vg_au *au)
{
    if (st->need_key) {
        if (!(au->flags & VG_AU_KEY)) {
            s->frames_skipped++;
            return;
        }
        st->need_key = false;
    }
    if (!st->has_offset) {
        st->rtp_offset = (int64_t)random_u32() - au->pts;
        st->has_offset = true;
    }
    send_au_at(s, st, au, (uint32_t)(au->pts + st->rtp_offset));
}

/*
 * Sends the cached GOP, timestamps one tick apart, and moves the RTP clock
 * so the live AUs go on right after it (see the top of the file). Without a
 * usable GOP the video waits for the next key frame.
 */
static void send_gop(rtc_session *s)
{
    rtc_stream *st = &s->video;
    if (!st->active)
        return;
    if (s->gop_broken || s->gop_count == 0 || !(s->gop[0]->flags & VG_AU_KEY)) {
        st->need_key = true;
        return;
    }
    uint32_t base = st->has_offset ? st->last_rtp + 1 : random_u32();
    size_t n = s->gop_count;
    st->need_key = false;
    s->gop_resent = true;
    for (size_t i = 0; i < n && !st->need_key; i++) /* a refused send stops it: see emit_packet */
        send_au_at(s, st, s->gop[i], base + (uint32_t)i);
    st->rtp_offset = (int64_t)(uint32_t)(base + (uint32_t)(n - 1)) - s->gop[n - 1]->pts;
    st->has_offset = true;
}

/*
 * RFC 3550 section 6.4.1: an SR maps the stream's RTP clock to NTP wall-clock
 * time, "the same time as the NTP timestamp". The RTP timestamp of a frame is
 * its sampling instant, so the NTP time given is the frame's capture wall
 * clock (the AU's), extrapolated by the time since it was sent. A browser then
 * knows when what it shows was captured: Chromium's inbound-rtp
 * `estimatedPlayoutTimestamp` is that time, and the console's latency figure
 * is now minus it. Audio and video map to the same clock, which keeps lip sync.
 */
static void send_sender_report(rtc_session *s, rtc_stream *st)
{
    if (!st->active || !st->packetizer.packets)
        return;
    uint64_t elapsed_ns = mono_ns() - st->last_send_ns;
    if (elapsed_ns > SENDER_REPORT_IDLE_NS)
        return; /* the camera is silent: nothing new to map (and no overflow below) */
    int64_t wall_ns = st->last_wall_ns;
    if (wall_ns <= 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        wall_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)elapsed_ns;
    }
    wall_ns += (int64_t)elapsed_ns;
    uint64_t ntp = ((uint64_t)(wall_ns / 1000000000) + 2208988800u) << 32 |
                   (uint64_t)(((uint64_t)(wall_ns % 1000000000) << 32) / 1000000000u);
    uint32_t rtp =
        st->last_rtp + (uint32_t)(elapsed_ns * (uint64_t)st->track->clock_rate / 1000000000u);
    uint8_t buf[256];
    size_t n = vg_rtcp_write_sender_report(
        buf, sizeof(buf) - VG_SRTP_MAX_OVERHEAD, st->packetizer.ssrc, ntp, rtp,
        (uint32_t)st->packetizer.packets, (uint32_t)st->packetizer.octets, s->id);
    if (n && vg_srtp_protect_rtcp(s->srtp_out, buf, &n, sizeof(buf)) == 0 &&
        rtc_send(s, buf, n) == 0)
        return;
    s->send_errors++;
}

/* ---- RTCP from the viewer -------------------------------------------------------------------- */

static void on_rtcp(rtc_session *s, const vg_rtcp_info *info)
{
    uint32_t video_ssrc = s->video.active ? s->video.packetizer.ssrc : 0;
    /*
     * RFC 4585 section 6.2.1: NACK: resend what the history still has, as
     * it was sent, only when the offer asked for NACKs, and each packet at
     * most RTC_MAX_RESENDS times: whatever a viewer asks, it gets at most
     * that many copies of the stream, never a flood.
     */
    for (size_t i = 0; i < info->nack_count && s->video.nack; i++) {
        if (info->nacks[i].media_ssrc != video_ssrc)
            continue;
        s->nacks_received++;
        size_t slot = info->nacks[i].seq & (RTC_HISTORY - 1);
        if (!s->history_len[slot] || s->history_seq[slot] != info->nacks[i].seq ||
            s->history_resends[slot] >= RTC_MAX_RESENDS)
            continue;
        s->history_resends[slot]++;
        if (rtc_send(s, s->history[slot], s->history_len[slot]) == 0)
            s->retransmitted++;
    }
    /*
     * PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1), when negotiated: the
     * cached GOP again, once per key frame of the camera; a second request
     * in the same GOP waits for the next key frame instead (a GOP can be
     * megabytes: a viewer must not be able to ask for it over and over).
     */
    for (size_t i = 0; i < info->key_request_count && s->video.pli; i++) {
        if (info->key_request_ssrcs[i] != video_ssrc)
            continue;
        uint64_t now = rtc_now_ms();
        if (now - s->last_key_request_ms < KEY_REQUEST_MIN_MS)
            break;
        s->last_key_request_ms = now;
        s->key_requests++;
        if (s->gop_resent)
            s->video.need_key = true;
        else
            send_gop(s);
        break;
    }
    if (info->has_bye)
        rtc_session_close(s, "the viewer left (RTCP BYE)");
}

/* ---- DTLS ------------------------------------------------------------------------------------ */

static void dtls_send(void *ctx, const uint8_t *data, size_t len)
{
    rtc_session *s = ctx;
    if (rtc_send(s, data, len) != 0)
        s->send_errors++;
}

static const char *profile_name(vg_srtp_profile p)
{
    return p == VG_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM" : "AES128_CM_SHA1_80";
}

/* RFC 5764 section 4.2: the keys come out of the handshake; media can flow. */
static void on_connected(rtc_session *s)
{
    vg_srtp_profile profile;
    uint8_t local_key[16], local_salt[14], remote_key[16], remote_salt[14];
    if (vg_dtls_srtp_keys(s->dtls, &profile, local_key, local_salt, remote_key, remote_salt) < 0) {
        rtc_session_close(s, "DTLS gave no SRTP keys (use_srtp not negotiated)");
        return;
    }
    s->srtp_out = vg_srtp_create(profile, local_key, local_salt, true);
    s->srtp_in = vg_srtp_create(profile, remote_key, remote_salt, false);
    s->history = malloc(sizeof(*s->history) * RTC_HISTORY);
    if (!s->srtp_out || !s->srtp_in || !s->history) {
        rtc_session_close(s, "cannot set up SRTP (out of memory)");
        return;
    }
    s->state = RTC_CONNECTED;
    s->connected_ms = rtc_now_ms();
    s->last_sr_ms = s->connected_ms;
    VG_LOG_INFO("webrtc", "session=%.8s path=%s connected remote=%s srtp=%s after %llu ms", s->id,
                s->path_name, s->remote_text, profile_name(profile),
                (unsigned long long)(s->connected_ms - s->created_ms));
    send_gop(s); /* the GOP so far, then live AUs as they come */
}

/* ---- the path reader ------------------------------------------------------------------------- */

static rtc_stream *stream_of(rtc_session *s, uint32_t track_index)
{
    if (s->video.active && s->video.track_index == track_index)
        return &s->video;
    if (s->audio.active && s->audio.track_index == track_index)
        return &s->audio;
    return NULL;
}

static void try_answer(rtc_session *s, vg_track *const *tracks, size_t count);

/* The video track a session sends: the first H.264 or H.265 one; -1 when none. */
static int video_index(vg_track *const *tracks, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (tracks[i]->is_video &&
            (tracks[i]->codec == VG_CODEC_H264 || tracks[i]->codec == VG_CODEC_H265))
            return (int)i;
    }
    return -1;
}

/*
 * New tracks after a reconnect: the same codecs carry on (new parameter
 * sets go out before the next key frame); a codec the browser did not
 * agree to ends the session.
 */
static bool retrack(rtc_session *s, rtc_stream *st, vg_track *const *tracks, size_t count)
{
    if (!st->active)
        return true;
    for (size_t i = 0; i < count; i++) {
        if (tracks[i]->codec == st->track->codec) {
            vg_track_unref(&st->track);
            st->track = vg_track_ref(tracks[i]);
            st->track_index = (uint32_t)i;
            st->need_key = st == &s->video;
            return true;
        }
    }
    return false;
}

static void reader_tracks(vg_reader *reader, void *ctx, vg_track *const *tracks, size_t count)
{
    rtc_session *s = ctx;
    (void)reader;
    if (s->state == RTC_WAITING_TRACKS) {
        s->waiting_video = video_index(tracks, count);
        gop_clear(s);
        /* While the reader is being added, rtc_session_offer() answers after the call. */
        if (count > 0 && s->held && !s->adding)
            try_answer(s, tracks, count);
        return;
    }
    gop_clear(s);
    if (!retrack(s, &s->video, tracks, count) || !retrack(s, &s->audio, tracks, count))
        rtc_session_close(s, "the camera's codec changed: the viewer must reconnect");
}

static void reader_au(vg_reader *reader, void *ctx, vg_au *au)
{
    rtc_session *s = ctx;
    (void)reader;
    if (s->state == RTC_WAITING_TRACKS) {
        /* Keep the GOP the path hands over now: it is what the viewer sees first. */
        if ((int)au->track == s->waiting_video)
            gop_add(s, au);
        return;
    }
    rtc_stream *st = stream_of(s, au->track);
    if (!st)
        return;
    if (st == &s->video)
        gop_add(s, au);
    if (s->state == RTC_CONNECTED)
        send_au(s, st, au);
}

static void reader_end(vg_reader *reader, void *ctx, int code, const char *reason)
{
    rtc_session *s = ctx;
    (void)reader;
    (void)code;
    rtc_session_close(s, reason);
}

static const vg_reader_ops reader_ops = {
    .on_tracks = reader_tracks,
    .on_au = reader_au,
    .on_end = reader_end,
};

/* ---- the offer and the answer ---------------------------------------------------------------- */

static void on_held_cancel(void *ctx)
{
    rtc_session *s = ctx;
    s->held = NULL; /* the server answers it */
    rtc_session_close(s, "vigil is stopping");
}

static void answer_error(rtc_session *s, unsigned status, const char *code, const char *message)
{
    vg_http_request *req = s->held;
    s->held = NULL;
    vg_http_respond_error(req, status, code, "%s", message);
    rtc_session_close(s, message);
}

static bool stream_init(rtc_session *s, rtc_stream *st, const vg_sdp_choice *c,
                        vg_track *const *tracks, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (tracks[i] != c->track)
            continue;
        uint16_t seq;
        random_bytes(&seq, sizeof(seq));
        if (vg_rtp_packetizer_init(&st->packetizer, c->track->codec, c->pt, random_u32(), seq, 0) <
            0)
            return false;
        st->active = true;
        st->track_index = (uint32_t)i;
        st->track = vg_track_ref(tracks[i]);
        st->nack = c->nack;
        st->pli = c->pli || c->fir;
        return true;
    }
    return false;
}

static bool sendable_audio(vg_codec c)
{
    return c == VG_CODEC_PCMU || c == VG_CODEC_PCMA || c == VG_CODEC_OPUS;
}

static void try_answer(rtc_session *s, vg_track *const *tracks, size_t count)
{
    vg_webrtc *rtc = s->rtc;
    int vi = video_index(tracks, count);
    const vg_track *video = vi >= 0 ? tracks[vi] : NULL, *audio = NULL, *other_audio = NULL;
    for (size_t i = 0; i < count; i++) {
        const vg_track *t = tracks[i];
        if (t == video)
            continue;
        if (!audio && sendable_audio(t->codec))
            audio = t;
        else if (!other_audio && !t->video_kind && t->codec != VG_CODEC_UNSUPPORTED)
            other_audio = t;
    }
    if (!video && !audio) {
        answer_error(s, 400, "no_codec_in_common",
                     "the camera sends nothing WebRTC can carry (H.264 or H.265 video, PCMU, "
                     "PCMA or Opus audio)");
        return;
    }
    vg_sdp_choice choices[VG_SDP_MAX_MEDIA];
    memset(choices, 0, sizeof(choices));
    const char *hosts[RTC_HOSTS_MAX];
    for (size_t i = 0; i < rtc->host_count; i++)
        hosts[i] = rtc->hosts[i];
    uint32_t video_ssrc = random_u32(), audio_ssrc = random_u32();
    vg_sdp_local local = {
        .ice_ufrag = s->local_ufrag,
        .ice_pwd = s->local_pwd,
        .fingerprint = vg_dtls_identity_fingerprint(rtc->identity),
        .port = rtc->port,
        .hosts = hosts,
        .host_count = rtc->host_count,
        .session_id = ((uint64_t)random_u32() << 31) | random_u32(),
        .cname = s->id,
        .video = video,
        .audio = audio,
        .video_ssrc = video_ssrc,
        .audio_ssrc = audio_ssrc,
    };
    char *answer = malloc(ANSWER_MAX);
    char err[256] = "";
    if (!answer) {
        answer_error(s, 503, "out_of_memory", "out of memory");
        return;
    }
    int rc = vg_sdp_answer(s->offer, &local, choices, answer, ANSWER_MAX, err, sizeof(err));
    if (rc < 0) {
        free(answer);
        answer_error(s, 400, rc == VG_ENOENT ? "no_codec_in_common" : "bad_offer", err);
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < s->offer->media_count && ok; i++) {
        const vg_sdp_choice *c = &choices[i];
        if (!c->accepted)
            continue;
        rtc_stream *st = c->track == video ? &s->video : &s->audio;
        ok = !st->active && stream_init(s, st, c, tracks, count);
        if (ok)
            st->packetizer.ssrc = st == &s->video ? video_ssrc : audio_ssrc;
    }
    if (!ok) {
        free(answer);
        answer_error(s, 500, "internal_error", "cannot set up the RTP streams");
        return;
    }
    for (size_t i = 0; i < s->offer->media_count; i++) {
        if (choices[i].kind == VG_SDP_AUDIO && !choices[i].accepted && (audio || other_audio))
            VG_LOG_INFO("webrtc", "session=%.8s path=%s audio not sent: %s", s->id, s->path_name,
                        choices[i].reason ? choices[i].reason : "not accepted");
    }
    if (!audio && other_audio)
        VG_LOG_INFO("webrtc", "session=%.8s path=%s audio not sent: %s cannot go over WebRTC",
                    s->id, s->path_name, vg_codec_name(other_audio->codec));
    if (!s->video.active)
        gop_clear(s); /* no video for this viewer: nothing to keep */
    free(s->offer);
    s->offer = NULL;
    s->state = RTC_CONNECTING;
    s->created_ms = rtc_now_ms(); /* the handshake deadline counts from the answer */
    vg_http_request *req = s->held;
    s->held = NULL;
    rtc_whep_respond_answer(s, req, answer);
    free(answer);
}

/* The remote ICE credentials and fingerprint: of the first media that has them. */
static bool remote_credentials(rtc_session *s, const vg_sdp *offer)
{
    for (size_t i = 0; i < offer->media_count; i++) {
        const vg_sdp_media *m = &offer->media[i];
        if (m->ice_ufrag[0] && m->has_sha256_fingerprint) {
            snprintf(s->remote_ufrag, sizeof(s->remote_ufrag), "%s", m->ice_ufrag);
            snprintf(s->remote_fingerprint, sizeof(s->remote_fingerprint), "%s", m->fingerprint);
            return true;
        }
    }
    return false;
}

void rtc_session_offer(vg_webrtc *rtc, vg_http_request *req, vg_path *path, const char *path_name,
                       bool running, vg_sdp *offer)
{
    rtc_session *s = calloc(1, sizeof(*s));
    vg_au **gop = calloc(RTC_GOP_MAX_AUS, sizeof(*gop));
    if (!s || !gop) {
        free(s);
        free(gop);
        free(offer);
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    s->rtc = rtc;
    s->gop = gop;
    s->offer = offer;
    s->held = req;
    s->state = RTC_WAITING_TRACKS;
    s->waiting_video = -1;
    s->created_ms = rtc_now_ms();
    random_hex(s->id, 16);
    char tag[17];
    random_hex(tag, 8);
    snprintf(s->etag, sizeof(s->etag), "\"%s\"", tag);
    snprintf(s->path_name, sizeof(s->path_name), "%s", path_name);
    /* RFC 8839 5.4: ufrag at least 4 chars, pwd at least 22 (128 bits of randomness here: 32). */
    random_ice_text(s->local_ufrag, 8);
    random_ice_text(s->local_pwd, 32);
    s->next = rtc->sessions;
    rtc->sessions = s;
    if (!remote_credentials(s, offer)) {
        answer_error(s, 400, "bad_offer",
                     "the offer has no ICE credentials (a=ice-ufrag, a=ice-pwd) or no SHA-256 "
                     "fingerprint");
        return;
    }
    char name[32];
    snprintf(name, sizeof(name), "webrtc %.8s", s->id);
    vg_reader_options ropt = {.name = name};
    /* The path hands over its tracks and its GOP inside this call (reader_tracks may answer). */
    s->adding = true;
    int rc = vg_path_add_reader(path, &reader_ops, s, &ropt, &s->reader);
    s->adding = false;
    if (rc < 0) {
        s->reader = NULL;
        if (rc == VG_ELIMIT)
            answer_error(s, 429, "too_many_readers", "the path has its maxReaders viewers already");
        else
            answer_error(s, 503, "out_of_memory", "cannot read the path");
        return;
    }
    size_t count = 0;
    vg_track *const *tracks = vg_path_tracks(path, &count);
    if (running && count > 0) {
        try_answer(s, tracks, count);
        return;
    }
    if (vg_http_request_suspend(req, on_held_cancel, s) < 0)
        answer_error(s, 503, "shutting_down", "vigil is shutting down");
    /* Otherwise held: answered when the tracks come (an on-demand camera is starting). */
}

/* ---- from the UDP port ----------------------------------------------------------------------- */

static void set_remote(rtc_session *s, const struct sockaddr *from)
{
    size_t len =
        from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    memset(&s->remote, 0, sizeof(s->remote));
    memcpy(&s->remote, from, len);
    s->has_remote = true;
    char ip[INET6_ADDRSTRLEN] = "?";
    if (from->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)from;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        snprintf(s->remote_text, sizeof(s->remote_text), "[%s]:%u", ip, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const void *)from;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(s->remote_text, sizeof(s->remote_text), "%s:%u", ip, ntohs(a->sin_port));
    }
}

/*
 * RFC 8445 section 7.3.1.5 (lite): the controlling peer nominates a pair
 * with USE-CANDIDATE; until then the first checked address is used, so the
 * DTLS handshake can begin as soon as the browser starts it. Once DTLS is
 * done the address is fixed: a signed check from elsewhere is answered but
 * moves nothing (it would let a viewer who spoofs source addresses aim the
 * stream at someone else), and only checks from that address renew consent
 * (RFC 7675). An address another session sends to is never taken.
 */
void rtc_session_on_stun(rtc_session *s, const struct sockaddr_storage *from, bool use_candidate)
{
    bool same = s->has_remote && rtc_same_address(&s->remote, from);
    bool move = !s->has_remote || (use_candidate && !same && s->state != RTC_CONNECTED);
    if (move && !rtc_address_in_use(s->rtc, from, s)) {
        set_remote(s, (const struct sockaddr *)from);
        same = true;
    }
    if (same)
        s->last_consent_ms = rtc_now_ms();
    if (!s->dtls && s->has_remote) {
        s->dtls = vg_dtls_create(s->rtc->identity, true, s->remote_fingerprint, dtls_send, s);
        if (!s->dtls)
            rtc_session_close(s, "out of memory");
    }
}

void rtc_session_on_datagram(rtc_session *s, uint8_t *data, size_t len)
{
    uint8_t first = data[0];
    if (first >= 20 && first <= 63) { /* RFC 7983: DTLS */
        if (!s->dtls)
            return;
        vg_dtls_state st = vg_dtls_input(s->dtls, data, len);
        if (st == VG_DTLS_CONNECTED && s->state == RTC_CONNECTING)
            on_connected(s);
        else if (st == VG_DTLS_FAILED)
            rtc_session_close(s, vg_dtls_error(s->dtls));
        else if (st == VG_DTLS_CLOSED)
            rtc_session_close(s, "the viewer closed the connection (DTLS close_notify)");
        return;
    }
    if (first >= 128 && first <= 191 && s->state == RTC_CONNECTED && vg_rtcp_is_rtcp(data, len)) {
        size_t n = len;
        vg_rtcp_info info;
        if (vg_srtp_unprotect_rtcp(s->srtp_in, data, &n) < 0) {
            s->rtc->datagrams_ignored++;
            return;
        }
        vg_rtcp_parse(data, n, &info); /* what was read before a malformed packet is used */
        on_rtcp(s, &info);
        return;
    }
    s->rtc->datagrams_ignored++; /* RTP from a sendonly peer, or garbage from its address */
}

void rtc_session_tick(rtc_session *s, uint64_t now)
{
    vg_webrtc *rtc = s->rtc;
    char why[128];
    switch (s->state) {
    case RTC_WAITING_TRACKS: {
        /* The stream came up without new tracks (they were set just before the offer). */
        vg_media_info info;
        if (vg_media_info_by_path(rtc->media, s->path_name, &info) == 0 &&
            info.status == VG_STREAM_RUNNING) {
            size_t count = 0;
            vg_track *const *tracks = vg_path_tracks(info.path, &count);
            if (count > 0) {
                try_answer(s, tracks, count);
                return;
            }
        }
        if (now - s->created_ms >= (uint64_t)rtc->opt.start_timeout_ms) {
            char d[32];
            snprintf(d, sizeof(d), "%lld ms", (long long)rtc->opt.start_timeout_ms);
            snprintf(why, sizeof(why), "the camera sent no tracks within %s", d);
            answer_error(s, 503, "stream_unavailable", why);
        }
        return;
    }
    case RTC_CONNECTING:
        if (now - s->created_ms >= (uint64_t)rtc->opt.handshake_timeout_ms) {
            snprintf(why, sizeof(why), "no ICE and DTLS handshake within %lld ms",
                     (long long)rtc->opt.handshake_timeout_ms);
            rtc_session_close(s, why);
            return;
        }
        if (s->dtls && vg_dtls_timeout_ms(s->dtls) == 0) {
            vg_dtls_on_timeout(s->dtls);
            if (vg_dtls_state_get(s->dtls) == VG_DTLS_FAILED)
                rtc_session_close(s, vg_dtls_error(s->dtls));
        }
        return;
    case RTC_CONNECTED:
        /* RFC 7675 section 5.1: without a fresh consent check for 30 s, stop sending. */
        if (now - s->last_consent_ms >= RTC_CONSENT_MS) {
            rtc_session_close(s, "consent expired: no STUN check for 30 s");
            return;
        }
        if (now - s->last_sr_ms >= SENDER_REPORT_MS) {
            s->last_sr_ms = now;
            send_sender_report(s, &s->video);
            send_sender_report(s, &s->audio);
        }
        return;
    }
}

rtc_session *rtc_session_find(vg_webrtc *rtc, const char *id)
{
    for (rtc_session *s = rtc->sessions; s; s = s->next) {
        if (!strcmp(s->id, id))
            return s;
    }
    return NULL;
}

static void stream_free(rtc_stream *st)
{
    vg_track_unref(&st->track);
    st->active = false;
}

void rtc_session_close(rtc_session *s, const char *reason)
{
    vg_webrtc *rtc = s->rtc;
    for (rtc_session **pp = &rtc->sessions; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    if (s->held)
        vg_http_respond_error(s->held, 503, "stream_unavailable", "%s", reason);
    if (s->state == RTC_CONNECTED)
        VG_LOG_INFO("webrtc",
                    "session=%.8s path=%s closed: %s (sent %llu packets, %llu resent, %llu key "
                    "frame requests)",
                    s->id, s->path_name, reason, (unsigned long long)s->packets_sent,
                    (unsigned long long)s->retransmitted, (unsigned long long)s->key_requests);
    else
        VG_LOG_INFO("webrtc", "session=%.8s path=%s closed: %s", s->id, s->path_name, reason);
    if (s->dtls && s->state == RTC_CONNECTED)
        vg_dtls_close(s->dtls);
    vg_reader_remove(s->reader);
    gop_clear(s);
    free(s->gop);
    stream_free(&s->video);
    stream_free(&s->audio);
    vg_dtls_destroy(s->dtls);
    vg_srtp_destroy(s->srtp_out);
    vg_srtp_destroy(s->srtp_in);
    free(s->history);
    free(s->offer);
    free(s);
}
