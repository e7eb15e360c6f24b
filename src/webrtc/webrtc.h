/*
 * webrtc.h: live viewing over WebRTC, signalled with WHEP
 * (draft-ietf-wish-whep), on vigil's HTTP port and one UDP port.
 *
 *   POST /whep/<path> (SDP offer) ──▶ session ──reader──▶ path (GOP, then live AUs)
 *        201 + answer, Location        │
 *   DELETE /whep/<path>/<session>      ├─ ICE-lite: STUN checks answered (webrtc/stun.h)
 *   PATCH  (trickle: nothing to do)    ├─ DTLS-SRTP handshake (webrtc/dtls.h, srtp.h)
 *                                      ├─ AUs → RTP (webrtc/rtp.h) → SRTP → UDP
 *   UDP port (webrtcLocalUDPAddress) ──┘ RTCP in: NACK resent, PLI/FIR → key frame
 *
 * Every session shares the one UDP socket. A datagram is routed by what it
 * is (RFC 7983): STUN by the ufrag in its USERNAME, anything else by the
 * remote address ICE chose. Datagrams no session claims are counted and
 * dropped. Threads: the loop thread only.
 */
#ifndef VG_WEBRTC_WEBRTC_H
#define VG_WEBRTC_WEBRTC_H

#include "http/router.h"
#include "service/media.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct vg_webrtc vg_webrtc;

typedef struct vg_webrtc_options {
    const char *udp_address;      /* webrtcLocalUDPAddress, HOST:PORT; port 0: any free port */
    const char *additional_hosts; /* webrtcAdditionalHosts: comma-separated, advertised first */
    bool ips_from_interfaces;     /* webrtcIPsFromInterfaces: advertise the interfaces' addresses */
    const char *allow_origins;    /* webrtcAllowOrigins: CORS for /whep/ */
    int64_t handshake_timeout_ms; /* webrtcHandshakeTimeout: offer to DTLS done */
    int64_t start_timeout_ms;     /* sourceOnDemandStartTimeout: an offer waits this for tracks */
    const char *cert_path, *key_path; /* the DTLS identity, made at first start */
} vg_webrtc_options;

/*
 * A WebRTC server on `loop` over `media` (borrowed): binds the UDP port and
 * loads (or makes) the certificate. NULL on failure with the reason in
 * `err` ("cannot bind UDP 0.0.0.0:8189: address in use").
 */
vg_webrtc *vg_webrtc_create(uv_loop_t *loop, vg_media *media, const vg_webrtc_options *opt,
                            char *err, size_t err_cap);

/* Adds /whep/ and /api/webrtc/ routes; `rtc` is borrowed and must outlive the router. */
int vg_webrtc_register(vg_router *router, vg_webrtc *rtc);

/* The bound UDP address, "127.0.0.1:8189". Borrowed. */
const char *vg_webrtc_udp_address(const vg_webrtc *rtc);

/* Sessions watching the path `path_name` now (for the streams' stats). */
size_t vg_webrtc_session_count(const vg_webrtc *rtc, const char *path_name);

/*
 * Ends every session (held offers get 503) and closes the socket and
 * timers. Before the media shuts down; vg_webrtc_destroy() once the loop
 * has run. NULL-safe.
 */
void vg_webrtc_stop(vg_webrtc *rtc);
void vg_webrtc_destroy(vg_webrtc *rtc);

#endif
