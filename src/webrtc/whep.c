/*
 * whep.c: WHEP signalling (draft-ietf-wish-whep) on vigil's HTTP port, and
 * the sessions' listing.
 *
 *   POST    /whep/<path>            application/sdp offer → 201, answer, Location, ETag
 *   PATCH   /whep/<path>/<session>  trickle ICE → 204 (ICE-lite gathers nothing)
 *   DELETE  /whep/<path>/<session>  → 204, the session ends
 *   OPTIONS either                  CORS preflight (webrtcAllowOrigins)
 *   GET     /api/webrtc/sessions    the sessions and the UDP port's counters
 */
#include "webrtc/webrtc_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "http/json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPOSED_HEADERS "Location, ETag, Accept-Patch, Link"

/* Whether the request's Content-Type is `type` (parameters such as charset allowed). */
static bool content_type_is(vg_http_request *req, const char *type)
{
    const char *ct = vg_http_request_header(req, "Content-Type");
    size_t n = strlen(type);
    return ct && !strncasecmp(ct, type, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void add_cors(vg_webrtc *rtc, vg_http_request *req)
{
    vg_http_add_cors(req, rtc->allow_origins);
    vg_http_request_add_response_header(req, "Access-Control-Expose-Headers", EXPOSED_HEADERS);
}

void rtc_whep_respond_answer(rtc_session *s, vg_http_request *req, const char *answer)
{
    char location[256];
    snprintf(location, sizeof(location), "/whep/%s/%s", s->path_name, s->id);
    /* CORS headers were added by handle_offer(), held or not. */
    vg_http_request_add_response_header(req, "Location", location);
    vg_http_request_add_response_header(req, "ETag", s->etag);
    vg_http_request_add_response_header(req, "Accept-Patch", "application/trickle-ice-sdpfrag");
    vg_http_respond(req, 201, "application/sdp", answer, strlen(answer));
    VG_LOG_INFO("webrtc", "session=%.8s path=%s answered video=%s audio=%s", s->id, s->path_name,
                s->video.active ? vg_codec_name(s->video.track->codec) : "none",
                s->audio.active ? vg_codec_name(s->audio.track->codec) : "none");
}

/* Sessions not connected yet: each holds a reader (and maybe an offer) and costs a viewer. */
static int rtc_pending_sessions(const vg_webrtc *rtc)
{
    int n = 0;
    for (const rtc_session *s = rtc->sessions; s; s = s->next)
        n += s->state != RTC_CONNECTED;
    return n;
}

static void handle_offer(vg_http_request *req, void *ctx)
{
    vg_webrtc *rtc = ctx;
    const char *path_name = vg_http_request_param(req, "path");
    add_cors(rtc, req);
    if (rtc->stopped) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        return;
    }
    if (!content_type_is(req, "application/sdp")) {
        vg_http_respond_error(req, 415, "unsupported_media_type",
                              "a WHEP offer is sent as Content-Type: application/sdp");
        return;
    }
    size_t len = 0;
    const char *body = vg_http_request_body(req, &len);
    if (len == 0) {
        vg_http_respond_error(req, 400, "bad_offer", "the request has no SDP offer");
        return;
    }
    vg_media_info info;
    if (vg_media_info_by_path(rtc->media, path_name, &info) < 0) {
        vg_http_respond_error(req, 404, "not_found", "path %.64s is not live", path_name);
        return;
    }
    if (rtc_pending_sessions(rtc) >= RTC_MAX_PENDING) {
        vg_http_respond_error(req, 503, "too_many_sessions",
                              "%d WebRTC sessions are connecting already: try again shortly",
                              RTC_MAX_PENDING);
        return;
    }
    vg_sdp *offer = malloc(sizeof(*offer));
    char err[200] = "";
    if (!offer) {
        vg_http_respond_error(req, 503, "out_of_memory", "out of memory");
        return;
    }
    if (vg_sdp_parse(body, len, offer, err, sizeof(err)) < 0) {
        free(offer);
        vg_http_respond_error(req, 400, "bad_offer", "the SDP offer is malformed: %s", err);
        return;
    }
    rtc_session_offer(rtc, req, info.path, path_name, info.status == VG_STREAM_RUNNING, offer);
}

/* The session of `{session}`, when it belongs to `{path}`; otherwise answers 404. */
static rtc_session *session_param(vg_webrtc *rtc, vg_http_request *req)
{
    const char *path_name = vg_http_request_param(req, "path");
    const char *id = vg_http_request_param(req, "session");
    rtc_session *s = rtc_session_find(rtc, id);
    if (!s || strcmp(s->path_name, path_name) != 0) {
        vg_http_respond_error(req, 404, "not_found", "no WebRTC session %.64s on path %.64s", id,
                              path_name);
        return NULL;
    }
    return s;
}

static void handle_delete(vg_http_request *req, void *ctx)
{
    vg_webrtc *rtc = ctx;
    add_cors(rtc, req);
    rtc_session *s = session_param(rtc, req);
    if (!s)
        return;
    rtc_session_close(s, "ended by the viewer (DELETE)");
    vg_http_respond(req, 204, NULL, NULL, 0);
}

/*
 * Trickle ICE: the browser's late candidates need nothing from a lite
 * agent, which learns addresses from the checks it receives (RFC 8445
 * section 2.5). An ICE restart (If-Match: *, or new credentials in the
 * fragment) is not supported: 422, and the viewer posts a new offer.
 */
static void handle_patch(vg_http_request *req, void *ctx)
{
    vg_webrtc *rtc = ctx;
    add_cors(rtc, req);
    rtc_session *s = session_param(rtc, req);
    if (!s)
        return;
    if (!content_type_is(req, "application/trickle-ice-sdpfrag")) {
        vg_http_respond_error(req, 415, "unsupported_media_type",
                              "PATCH takes Content-Type: application/trickle-ice-sdpfrag");
        return;
    }
    const char *match = vg_http_request_header(req, "If-Match");
    size_t len = 0;
    const char *body = vg_http_request_body(req, &len);
    const char *ufrag = strstr(body, "a=ice-ufrag:");
    size_t ufrag_len = ufrag ? strcspn(ufrag + 12, "\r\n") : 0;
    bool restart = (match && !strcmp(match, "*")) ||
                   (ufrag && (ufrag_len != strlen(s->remote_ufrag) ||
                              memcmp(ufrag + 12, s->remote_ufrag, ufrag_len) != 0));
    if (restart) {
        vg_http_respond_error(req, 422, "ice_restart_unsupported",
                              "ICE restarts are not supported: post a new offer");
        return;
    }
    if (match && strcmp(match, s->etag) != 0) {
        vg_http_respond_error(req, 412, "precondition_failed",
                              "If-Match does not name this session's ETag");
        return;
    }
    vg_http_respond(req, 204, NULL, NULL, 0);
}

static void handle_options(vg_http_request *req, void *ctx)
{
    vg_webrtc *rtc = ctx;
    add_cors(rtc, req);
    vg_http_request_add_response_header(req, "Access-Control-Allow-Methods",
                                        "OPTIONS, POST, PATCH, DELETE");
    const char *asked = vg_http_request_header(req, "Access-Control-Request-Headers");
    if (asked)
        vg_http_request_add_response_header(req, "Access-Control-Allow-Headers", asked);
    vg_http_request_add_response_header(req, "Access-Control-Max-Age", "86400");
    vg_http_request_add_response_header(req, "Accept-Post", "application/sdp");
    vg_http_respond(req, 204, NULL, NULL, 0);
}

static const char *state_name(rtc_state st)
{
    switch (st) {
    case RTC_WAITING_TRACKS:
        return "waiting_tracks";
    case RTC_CONNECTING:
        return "connecting";
    case RTC_CONNECTED:
        return "connected";
    }
    return "?";
}

static void handle_list(vg_http_request *req, void *ctx)
{
    vg_webrtc *rtc = ctx;
    json_t *arr = json_array();
    uint64_t now = rtc_now_ms();
    for (const rtc_session *s = rtc->sessions; s; s = s->next) {
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:o,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", s->id, "path",
            s->path_name, "state", state_name(s->state), "remote_address",
            s->has_remote ? json_string(s->remote_text) : json_null(), "age_ms",
            (json_int_t)(now - s->created_ms), "video",
            s->video.active ? json_string(vg_codec_name(s->video.track->codec)) : json_null(),
            "audio",
            s->audio.active ? json_string(vg_codec_name(s->audio.track->codec)) : json_null(),
            "packets_sent", (json_int_t)s->packets_sent, "bytes_sent", (json_int_t)s->bytes_sent,
            "send_errors", (json_int_t)s->send_errors, "nacks_received",
            (json_int_t)s->nacks_received, "retransmitted", (json_int_t)s->retransmitted,
            "key_frame_requests", (json_int_t)s->key_requests, "frames_skipped",
            (json_int_t)s->frames_skipped);
        json_array_append_new(arr, o);
    }
    json_t *body =
        json_pack("{s:o,s:I,s:s,s:I,s:I,s:I,s:I}", "sessions", arr, "session_count",
                  (json_int_t)json_array_size(arr), "udp_address", rtc->udp_text, "datagrams_in",
                  (json_int_t)rtc->datagrams_in, "datagrams_ignored",
                  (json_int_t)rtc->datagrams_ignored, "stun_requests",
                  (json_int_t)rtc->stun_requests, "stun_rejected", (json_int_t)rtc->stun_rejected);
    vg_http_respond_json(req, 200, body);
}

int vg_webrtc_register(vg_router *router, vg_webrtc *rtc)
{
    int rc;
    if ((rc = vg_router_add(router, "POST", "/whep/{path}", handle_offer, rtc)) < 0 ||
        (rc = vg_router_add(router, "OPTIONS", "/whep/{path}", handle_options, rtc)) < 0 ||
        (rc = vg_router_add(router, "PATCH", "/whep/{path}/{session}", handle_patch, rtc)) < 0 ||
        (rc = vg_router_add(router, "DELETE", "/whep/{path}/{session}", handle_delete, rtc)) < 0 ||
        (rc = vg_router_add(router, "OPTIONS", "/whep/{path}/{session}", handle_options, rtc)) <
            0 ||
        (rc = vg_router_add(router, "GET", "/api/webrtc/sessions", handle_list, rtc)) < 0)
        return rc;
    return 0;
}
