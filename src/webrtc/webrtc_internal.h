/*
 * webrtc_internal.h: the structs the WebRTC server's files share
 * (webrtc.c: the UDP port, the tick and the session list; session.c: one
 * viewer; whep.c: the HTTP side). Not for other modules.
 */
#ifndef VG_WEBRTC_WEBRTC_INTERNAL_H
#define VG_WEBRTC_WEBRTC_INTERNAL_H

#include "core/path.h"
#include "http/request.h"
#include "webrtc/dtls.h"
#include "webrtc/rtp.h"
#include "webrtc/sdp.h"
#include "webrtc/srtp.h"
#include "webrtc/webrtc.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RTC_HOSTS_MAX     16
#define RTC_HISTORY       512 /* sent video packets kept for NACK (a power of two) */
#define RTC_HISTORY_SLOT  (VG_RTP_DEFAULT_MTU + VG_SRTP_MAX_OVERHEAD)
#define RTC_CONSENT_MS    30000 /* RFC 7675 section 5.1: consent expires after 30 s */
#define RTC_MAX_PENDING   256   /* sessions offered but not connected, all paths together */
#define RTC_GOP_MAX_AUS   1024
#define RTC_GOP_MAX_BYTES (16u << 20)

typedef enum {
    RTC_WAITING_TRACKS, /* the offer is held until the path has tracks */
    RTC_CONNECTING,     /* answered: ICE checks and the DTLS handshake */
    RTC_CONNECTED,      /* SRTP keys in place: media flows */
} rtc_state;

/* One track this session sends: its packetizer and its RTP clock. */
typedef struct rtc_stream {
    bool active;
    uint32_t track_index; /* in the path's tracks */
    vg_track *track;      /* a reference */
    vg_rtp_packetizer packetizer;
    bool has_offset;
    int64_t rtp_offset; /* RTP timestamp = pts + rtp_offset (mod 2^32) */
    uint32_t last_rtp;
    uint64_t last_send_ns; /* CLOCK_MONOTONIC when the last AU went out */
    int64_t last_wall_ns;  /* that AU's capture wall clock (vg_au.wallclock_ns), 0 if none */
    bool need_key;         /* video: send nothing until the next key frame */
    bool nack, pli;        /* feedback the browser asked for */
} rtc_stream;

typedef struct rtc_session {
    vg_webrtc *rtc;
    struct rtc_session *next;
    char id[33];
    char path_name[128];
    char etag[40];
    rtc_state state;
    uint64_t created_ms;
    uint64_t connected_ms;
    uint64_t last_consent_ms; /* the last valid STUN check */
    uint64_t last_sr_ms;
    uint64_t last_key_request_ms;

    /* signalling */
    vg_http_request *held; /* an offer waiting for tracks */
    bool adding;           /* inside vg_path_add_reader() */
    vg_sdp *offer;         /* kept while held */
    char local_ufrag[9], local_pwd[33];
    char remote_ufrag[257];
    char remote_fingerprint[100];

    /* the path */
    vg_reader *reader;
    vg_au **gop; /* references to the video AUs since the last key frame */
    size_t gop_count, gop_bytes;
    bool gop_broken;   /* overflowed: useless until the next key frame */
    bool gop_resent;   /* sent since its key frame (at the start or for a PLI) */
    int waiting_video; /* before the answer: the index of the video track the GOP keeps */
    rtc_stream video, audio;

    /* transport */
    bool has_remote;
    struct sockaddr_storage remote;
    char remote_text[72];
    vg_dtls *dtls;
    vg_srtp *srtp_out, *srtp_in;
    rtc_stream *sending; /* the stream being packetized (for the emit callback) */

    /* NACK history: the protected packets, slot = seq % RTC_HISTORY */
    uint8_t (*history)[RTC_HISTORY_SLOT];
    uint16_t history_seq[RTC_HISTORY];
    uint16_t history_len[RTC_HISTORY]; /* 0: empty */
    uint8_t history_resends[RTC_HISTORY];

    /* stats */
    uint64_t packets_sent, bytes_sent, send_errors;
    uint64_t nacks_received, retransmitted, key_requests, frames_skipped;
} rtc_session;

struct vg_webrtc {
    uv_loop_t *loop;
    vg_media *media;
    vg_webrtc_options opt;
    char *allow_origins, *additional_hosts;
    vg_dtls_identity *identity;
    uv_udp_t udp;
    uv_timer_t tick;
    bool stopped;
    int family; /* of the socket */
    char udp_text[64];
    uint16_t port;
    char *hosts[RTC_HOSTS_MAX];
    size_t host_count;
    rtc_session *sessions;
    uint8_t recv_buf[2048];
    /* stats */
    uint64_t datagrams_in, datagrams_ignored, stun_requests, stun_rejected;
};

uint64_t rtc_now_ms(void);

/* webrtc.c */
bool rtc_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* Whether a session other than `except` sends to `addr`. */
bool rtc_address_in_use(vg_webrtc *rtc, const struct sockaddr_storage *addr,
                        const rtc_session *except);

/* session.c */

/*
 * Makes a session for an offer (parsed; ownership of `offer` passes to the
 * session) on `path`, and answers `req` now when the stream is `running`,
 * or holds it until the source sets its tracks (an on-demand camera
 * starting: the tracks a stopped source left may be stale). Answers errors
 * itself.
 */
void rtc_session_offer(vg_webrtc *rtc, vg_http_request *req, vg_path *path, const char *path_name,
                       bool running, vg_sdp *offer);
rtc_session *rtc_session_find(vg_webrtc *rtc, const char *id);
/* Ends the session: logs `reason` once, frees it. */
void rtc_session_close(rtc_session *s, const char *reason);
/* A STUN Binding request from `from` for this session, integrity already checked. */
void rtc_session_on_stun(rtc_session *s, const struct sockaddr_storage *from, bool use_candidate);
/* A datagram from the session's remote address: DTLS or SRTCP. */
void rtc_session_on_datagram(rtc_session *s, uint8_t *data, size_t len);
/* Timers: held offers, the handshake deadline, consent, DTLS resends, sender reports. */
void rtc_session_tick(rtc_session *s, uint64_t now_ms);
/* Sends `len` bytes to the session's remote address. 0, or a libuv error (UV_EAGAIN). */
int rtc_send(rtc_session *s, const uint8_t *data, size_t len);

/* whep.c */
void rtc_whep_respond_answer(rtc_session *s, vg_http_request *req, const char *answer);

#endif
