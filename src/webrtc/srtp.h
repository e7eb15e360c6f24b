/*
 * srtp.h: SRTP and SRTCP (RFC 3711; RFC 7714 for AES-GCM) over libsrtp2,
 * the one file that includes it (DESIGN.md section 4). Keys come from the
 * DTLS handshake (webrtc/dtls.h, RFC 5764 section 4.2).
 *
 * A vg_srtp protects one direction: outbound (what we send) or inbound
 * (what we receive). Not thread-safe; one per session per direction.
 */
#ifndef VG_WEBRTC_SRTP_H
#define VG_WEBRTC_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room a protected packet needs beyond its plaintext: tag and SRTCP index. */
#define VG_SRTP_MAX_OVERHEAD 32

typedef enum {
    VG_SRTP_AES128_CM_SHA1_80 = 1, /* RFC 5764 section 4.1.2: SRTP_AES128_CM_HMAC_SHA1_80 */
    VG_SRTP_AEAD_AES_128_GCM = 2,  /* RFC 7714 section 14.2 */
} vg_srtp_profile;

/* Master key and salt lengths of a profile: 16 + 14 for CM, 16 + 12 for GCM. */
size_t vg_srtp_key_len(vg_srtp_profile profile);
size_t vg_srtp_salt_len(vg_srtp_profile profile);

typedef struct vg_srtp vg_srtp;

/*
 * A new SRTP context for one direction with master `key` and `salt`
 * (copied). Any SSRC is accepted (ssrc_any_outbound / ssrc_any_inbound).
 * Outbound contexts allow the same sequence number to be protected again
 * (a retransmission). Returns NULL on failure (bad lengths, out of memory).
 * The caller's, to vg_srtp_destroy().
 */
vg_srtp *vg_srtp_create(vg_srtp_profile profile, const uint8_t *key, const uint8_t *salt,
                        bool outbound);
void vg_srtp_destroy(vg_srtp *s);

/*
 * Protects the RTP (or RTCP) packet of *len bytes at `packet` in place,
 * appending the tag; `cap` is the buffer's size (at least *len +
 * VG_SRTP_MAX_OVERHEAD). Sets *len to the protected length. Returns 0,
 * VG_ERANGE when `cap` is too small (nothing is changed), or VG_EIO when
 * libsrtp fails. Nothing is logged: this is the per-packet path, callers
 * count failures.
 */
int vg_srtp_protect_rtp(vg_srtp *s, uint8_t *packet, size_t *len, size_t cap);
int vg_srtp_protect_rtcp(vg_srtp *s, uint8_t *packet, size_t *len, size_t cap);

/*
 * Checks and decrypts a received SRTP (or SRTCP) packet in place; sets *len
 * to the plaintext length. Returns 0, or VG_EIO when authentication fails,
 * it is a replay, or it is malformed (not logged either).
 */
int vg_srtp_unprotect_rtp(vg_srtp *s, uint8_t *packet, size_t *len);
int vg_srtp_unprotect_rtcp(vg_srtp *s, uint8_t *packet, size_t *len);

#endif
