/*
 * srtp.c: SRTP and SRTCP over libsrtp2 (2.x API: lengths are int *).
 *
 * One srtp_t session per direction, with a single wildcard policy
 * (ssrc_any_outbound or ssrc_any_inbound): libsrtp makes a stream, with its
 * own rollover counter and replay window, for each SSRC the first time it
 * sees it (RFC 3711 section 3.2.3), so the session needs no SSRC up front.
 */
#include "webrtc/srtp.h"

#include "core/error.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

/*
 * The replay window for SRTP, in packets (RFC 3711 section 3.3.2 asks for
 * at least 64). Video sends bursts of hundreds of packets a frame and the
 * network reorders them; 1024 is what libwebrtc uses. SRTCP's window is
 * libsrtp's fixed 128.
 */
#define REPLAY_WINDOW 1024

/* Authentication tag lengths: 80 bits for HMAC-SHA1-80 (RFC 3711 section 5.2), 16 bytes for GCM. */
#define TAG_LEN_CM_SHA1_80 10
#define TAG_LEN_GCM        16

/* RFC 3711 section 3.4: SRTCP adds the E flag and SRTCP index, 4 bytes, before the tag. */
#define SRTCP_INDEX_LEN 4

#define MAX_KEY_LEN  16
#define MAX_SALT_LEN 14

_Static_assert(TAG_LEN_GCM + SRTCP_INDEX_LEN <= VG_SRTP_MAX_OVERHEAD,
               "VG_SRTP_MAX_OVERHEAD too small");

struct vg_srtp {
    srtp_t session;
    vg_srtp_profile profile;
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t library_status = srtp_err_status_init_fail;

static void library_init(void)
{
    library_status = srtp_init();
}

size_t vg_srtp_key_len(vg_srtp_profile profile)
{
    switch (profile) {
    case VG_SRTP_AES128_CM_SHA1_80:
    case VG_SRTP_AEAD_AES_128_GCM:
        return 16;
    }
    return 0;
}

size_t vg_srtp_salt_len(vg_srtp_profile profile)
{
    switch (profile) {
    case VG_SRTP_AES128_CM_SHA1_80:
        return 14; /* RFC 3711 section 8.2: 112-bit master salt */
    case VG_SRTP_AEAD_AES_128_GCM:
        return 12; /* RFC 7714 section 12: 96-bit master salt */
    }
    return 0;
}

static size_t tag_len(vg_srtp_profile profile)
{
    return profile == VG_SRTP_AEAD_AES_128_GCM ? TAG_LEN_GCM : TAG_LEN_CM_SHA1_80;
}

vg_srtp *vg_srtp_create(vg_srtp_profile profile, const uint8_t *key, const uint8_t *salt,
                        bool outbound)
{
    srtp_profile_t library_profile;
    switch (profile) {
    case VG_SRTP_AES128_CM_SHA1_80:
        library_profile = srtp_profile_aes128_cm_sha1_80;
        break;
    case VG_SRTP_AEAD_AES_128_GCM:
        library_profile = srtp_profile_aead_aes_128_gcm;
        break;
    default:
        return NULL;
    }
    pthread_once(&library_once, library_init);
    if (library_status != srtp_err_status_ok)
        return NULL;

    vg_srtp *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->profile = profile;

    /* libsrtp takes the master key and salt as one buffer, key first. */
    size_t key_len = vg_srtp_key_len(profile), salt_len = vg_srtp_salt_len(profile);
    uint8_t master[MAX_KEY_LEN + MAX_SALT_LEN];
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);

    srtp_policy_t policy;
    memset(&policy, 0, sizeof(policy));
    if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, library_profile) !=
            srtp_err_status_ok ||
        srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, library_profile) !=
            srtp_err_status_ok)
        goto fail;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = master;
    policy.window_size = REPLAY_WINDOW;
    /*
     * A packet the receiver NACKed (RFC 4585 section 6.2.1) is sent again
     * as it was, under its own sequence number; without this libsrtp would
     * refuse to protect that index twice. Safe only because a retransmission
     * is the same bytes: the same plaintext under the same index gives the
     * same ciphertext, whereas different bytes would reuse the keystream.
     */
    policy.allow_repeat_tx = outbound ? 1 : 0;
    policy.next = NULL;
    if (srtp_create(&s->session, &policy) != srtp_err_status_ok)
        goto fail;
    explicit_bzero(master, sizeof(master)); /* libsrtp has copied what it needs */
    return s;

fail:
    explicit_bzero(master, sizeof(master));
    free(s);
    return NULL;
}

void vg_srtp_destroy(vg_srtp *s)
{
    if (!s)
        return;
    if (s->session)
        srtp_dealloc(s->session);
    free(s);
}

/*
 * libsrtp appends the trailer in place and trusts the buffer to hold it, so
 * the room is checked here: exactly what the profile adds, no MKI.
 */
static int protect(vg_srtp *s, uint8_t *packet, size_t *len, size_t cap, bool rtcp)
{
    size_t overhead = tag_len(s->profile) + (rtcp ? SRTCP_INDEX_LEN : 0);
    if (*len > INT_MAX - VG_SRTP_MAX_OVERHEAD || cap < *len + overhead)
        return VG_ERANGE;
    int n = (int)*len;
    srtp_err_status_t st =
        rtcp ? srtp_protect_rtcp(s->session, packet, &n) : srtp_protect(s->session, packet, &n);
    if (st != srtp_err_status_ok || n < 0 || (size_t)n > cap)
        return VG_EIO;
    *len = (size_t)n;
    return 0;
}

static int unprotect(vg_srtp *s, uint8_t *packet, size_t *len, bool rtcp)
{
    if (*len > INT_MAX)
        return VG_EIO;
    int n = (int)*len;
    srtp_err_status_t st =
        rtcp ? srtp_unprotect_rtcp(s->session, packet, &n) : srtp_unprotect(s->session, packet, &n);
    if (st != srtp_err_status_ok || n < 0 || (size_t)n > *len)
        return VG_EIO;
    *len = (size_t)n;
    return 0;
}

int vg_srtp_protect_rtp(vg_srtp *s, uint8_t *packet, size_t *len, size_t cap)
{
    return protect(s, packet, len, cap, false);
}

int vg_srtp_protect_rtcp(vg_srtp *s, uint8_t *packet, size_t *len, size_t cap)
{
    return protect(s, packet, len, cap, true);
}

int vg_srtp_unprotect_rtp(vg_srtp *s, uint8_t *packet, size_t *len)
{
    return unprotect(s, packet, len, false);
}

int vg_srtp_unprotect_rtcp(vg_srtp *s, uint8_t *packet, size_t *len)
{
    return unprotect(s, packet, len, true);
}
