/*
 * dtls.h: DTLS for DTLS-SRTP (RFC 5764, RFC 8827 section 6.5) over
 * OpenSSL 3's libssl, the one file that includes it. Datagrams go in and
 * out through memory BIOs: this module never touches a socket, the session
 * moves bytes between it and the UDP port.
 *
 *   vg_dtls_identity   the certificate: ECDSA P-256, self-signed, made at
 *                      first start and kept in the data directory; its
 *                      SHA-256 fingerprint goes in every SDP answer. Holds
 *                      the SSL_CTX every connection shares.
 *   vg_dtls            one connection: server (setup:passive, vigil as
 *                      answerer) or client (the load client of bench/webrtc).
 *
 * The peer's certificate is checked against the fingerprint its SDP gave
 * (RFC 8122 section 5): there is no CA.
 */
#ifndef VG_WEBRTC_DTLS_H
#define VG_WEBRTC_DTLS_H

#include "webrtc/srtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha-256 " is not included: 32 bytes as upper-case hex pairs joined by ':' plus a NUL. */
#define VG_DTLS_FINGERPRINT_SIZE 96

typedef struct vg_dtls_identity vg_dtls_identity;

/*
 * Loads the certificate and key from `cert_path` and `key_path` (PEM), or,
 * when neither exists, makes a new ECDSA P-256 key and a self-signed
 * certificate (CN "vigil", valid 10 years from yesterday) and writes them
 * there (the key with mode 0600, through a temporary file and rename). With
 * both paths NULL the identity lives in memory only (tests, the load client).
 * When only one of the files exists, or they do not parse or do not match,
 * nothing is overwritten: that is an error for the user to settle.
 * Returns 0 with *out the caller's (vg_dtls_identity_free), or VG_EIO with
 * a message in `err` (which file, what failed); VG_EINVAL when only one of
 * the paths is NULL.
 */
int vg_dtls_identity_load_or_create(const char *cert_path, const char *key_path,
                                    vg_dtls_identity **out, char *err, size_t err_cap);
void vg_dtls_identity_free(vg_dtls_identity *id);

/* The certificate's SHA-256 fingerprint, "AB:CD:...". Borrowed from `id`. */
const char *vg_dtls_identity_fingerprint(const vg_dtls_identity *id);

typedef enum {
    VG_DTLS_HANDSHAKING,
    VG_DTLS_CONNECTED, /* keys can be exported */
    VG_DTLS_FAILED,    /* handshake failed, or the fingerprint did not match */
    VG_DTLS_CLOSED,    /* the peer sent close_notify */
} vg_dtls_state;

/* Outgoing datagram (borrowed for the call). */
typedef void (*vg_dtls_send_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct vg_dtls vg_dtls;

/*
 * A new connection using `id` (borrowed; must outlive it). `server`: wait
 * for a ClientHello (setup:passive); otherwise vg_dtls_start() sends one.
 * `remote_fingerprint` is the peer's SHA-256 fingerprint from its SDP
 * ("AB:CD:..", case-insensitive; copied). Offers/accepts the SRTP profiles
 * SRTP_AEAD_AES_128_GCM and SRTP_AES128_CM_SHA1_80 (use_srtp, RFC 5764
 * section 4.1.1). `send` is called with every datagram to send, from
 * within vg_dtls_start, _input, _on_timeout and _close; it must not destroy
 * the connection. A NULL or empty `remote_fingerprint` matches no
 * certificate. NULL when out of memory. The caller's, to vg_dtls_destroy().
 */
vg_dtls *vg_dtls_create(vg_dtls_identity *id, bool server, const char *remote_fingerprint,
                        vg_dtls_send_fn send, void *ctx);
void vg_dtls_destroy(vg_dtls *d);

/* A client sends its ClientHello. A no-op for a server. */
void vg_dtls_start(vg_dtls *d);

/*
 * Feeds one received datagram. Drives the handshake (answers go out through
 * `send`). Application data after the handshake is read and dropped (no
 * data channels). Returns the state after it.
 */
vg_dtls_state vg_dtls_input(vg_dtls *d, const uint8_t *data, size_t len);

vg_dtls_state vg_dtls_state_get(const vg_dtls *d);

/* Why it failed: a static or stored message ("certificate fingerprint does not match"). */
const char *vg_dtls_error(const vg_dtls *d);

/*
 * Milliseconds until vg_dtls_on_timeout() should run (retransmission of a
 * lost flight), or -1 when no timer is needed (connected, failed).
 */
int64_t vg_dtls_timeout_ms(vg_dtls *d);
void vg_dtls_on_timeout(vg_dtls *d);

/*
 * After CONNECTED: the negotiated profile and the SRTP master keys and
 * salts, exported with the label "EXTRACTOR-dtls_srtp" (RFC 5764 section
 * 4.2) and split into this side's sending key/salt (local) and the peer's
 * (remote). Buffers hold at least 16 (key) and 14 (salt) bytes. Returns 0,
 * or VG_ESTATE when not connected, VG_EIO when export fails.
 */
int vg_dtls_srtp_keys(vg_dtls *d, vg_srtp_profile *profile, uint8_t local_key[16],
                      uint8_t local_salt[14], uint8_t remote_key[16], uint8_t remote_salt[14]);

/* Sends close_notify (best effort) if connected; the state becomes CLOSED unless FAILED. */
void vg_dtls_close(vg_dtls *d);

#endif
