/*
 * auth.h: RTSP client authentication: the camera's 401 challenges in, the
 * Authorization header out.
 *
 *   401 reply ──vg_rtsp_auth_from_challenges──▶ vg_rtsp_auth ──vg_rtsp_auth_header──▶ "Digest ..."
 *   camera URL ──vg_url_parse──▶ userinfo ──vg_rtsp_userinfo_split──▶ user, pass
 *             └──vg_rtsp_url_strip_userinfo──▶ request URI (no credentials)
 *
 * RTSP borrows HTTP's authentication (RFC 2326 12.5 and 12.44): Basic
 * (RFC 7617) and Digest, with MD5 as RFC 2617 defines it (and RFC 2069's
 * form without qop, which many cameras still use) or SHA-256 (RFC 7616).
 * The challenge syntax is RFC 7235 section 4.1: one WWW-Authenticate header
 * may hold several challenges, separated by commas like their parameters.
 *
 * Credentials are secrets: nothing here logs, and the stack buffers that
 * hold a password or HA1 are wiped (explicit_bzero) before returning. Pure
 * but for the random cnonce; no allocation.
 */
#ifndef VG_RTSP_AUTH_H
#define VG_RTSP_AUTH_H

#include "rtsp/message.h"

#include <stdbool.h>
#include <stddef.h>

/* The longest user and password, bytes, that vg_rtsp_auth_header() takes. */
#define VG_RTSP_AUTH_MAX_CREDENTIAL 255
/* The longest "method:uri", bytes, that vg_rtsp_auth_header() hashes for Digest. */
#define VG_RTSP_AUTH_MAX_URI 4096

typedef enum { VG_RTSP_AUTH_NONE, VG_RTSP_AUTH_BASIC, VG_RTSP_AUTH_DIGEST } vg_rtsp_auth_scheme;

/*
 * What the client keeps from a camera's challenge between requests. Plain
 * data, owned by the caller; zero it (or leave scheme NONE) before the first
 * 401. It holds no credential.
 */
typedef struct vg_rtsp_auth {
    vg_rtsp_auth_scheme scheme;
    bool sha256;     /* Digest algorithm=SHA-256 (RFC 7616); MD5 otherwise (RFC 2617) */
    bool qop_auth;   /* the server offered qop including "auth": the RFC 2617 response */
    bool has_opaque; /* the challenge had an opaque (perhaps ""): it must be echoed */
    char realm[256], nonce[256], opaque[256]; /* unescaped, NUL-terminated */
    unsigned nc; /* nonce count, incremented per request with qop; 0 after a challenge */
    /* ours: 32 hex digits drawn at random (getrandom) per challenge; room for 64 so that a
       test can set RFC 7616 3.9.1's 44-char one */
    char cnonce[65];
} vg_rtsp_auth;

/*
 * Reads every WWW-Authenticate header of a 401 `resp` (a camera often sends
 * Digest and Basic, or Digest MD5 and SHA-256) and keeps the best challenge:
 * Digest SHA-256, else Digest MD5, else Basic; the first of equals. A Digest
 * challenge needs a realm and a nonce; its parameters may come in any order,
 * as tokens or quoted strings with backslash escapes; unknown ones are
 * ignored. Digest is unusable (skipped) with an algorithm other than MD5 or
 * SHA-256 (MD5-sess, SHA-512-256...) or a qop that lacks "auth" (only
 * "auth-int"). A challenge that is malformed, or whose realm, nonce or
 * opaque is longer than 255 bytes, is skipped as well, so that a vendor's
 * odd header cannot hide a good challenge elsewhere.
 *
 * On success *a is replaced (nc 0, a new cnonce) and 0 is returned; on
 * failure *a is left as it was and the return is VG_ENOENT (no
 * WWW-Authenticate), VG_ESYNTAX (nothing usable, and a challenge was
 * malformed), VG_EINVAL (nothing usable: only unsupported schemes such as
 * NTLM or Negotiate, or unsupported Digest variants) or -errno when no random
 * cnonce could be drawn. `resp` is only read.
 */
int vg_rtsp_auth_from_challenges(vg_rtsp_auth *a, const vg_rtsp_message *resp);

/*
 * Writes the Authorization header's value (without "Authorization: ") for
 * one request into `out` (capacity `cap`, NUL included):
 *
 *   Basic base64(user:pass)
 *   Digest username="..", realm="..", nonce="..", uri="..", response="..",
 *          [algorithm=SHA-256,] [opaque="..",] [qop=auth, nc=00000001, cnonce=".."]
 *
 * `method` and `uri` are the request's, exactly as in its request line (the
 * Digest response covers them). algorithm is named only for SHA-256: MD5 is
 * the default (RFC 2617 3.2.2), and some old cameras reject what they did not
 * expect. Quoted values are escaped ('"' and '\' get a backslash). With qop,
 * a->nc is incremented first (so the first request sends 00000001); a->cnonce
 * is drawn if empty. The caller keeps the strings; the header holds no
 * password (Basic holds it encoded, as the scheme requires: send it only
 * over a connection the camera owns).
 *
 * Returns 0; VG_ERANGE when `cap` is too small, or user or pass are longer
 * than VG_RTSP_AUTH_MAX_CREDENTIAL, or (Digest) method ":" uri is longer
 * than VG_RTSP_AUTH_MAX_URI; VG_EINVAL when a->scheme is NONE, for a Basic
 * user with ':' (RFC 7617 2 cannot carry it), or a user, method or uri with
 * a control character (it would inject a header line); -errno when no
 * cnonce could be drawn.
 */
int vg_rtsp_auth_header(vg_rtsp_auth *a, const char *user, const char *pass, const char *method,
                        const char *uri, char *out, size_t cap);

/*
 * Splits a URL's userinfo (vg_url's, "user:pass" percent-encoded) into
 * NUL-terminated `user` and `pass` (capacities include the NUL),
 * percent-decoded (RFC 3986 2.1). The split is at the first ':' as written,
 * so an encoded "%3A" belongs to the user. A userinfo without ':' is a user
 * with an empty password. Returns 0; VG_ERANGE when one does not fit;
 * VG_ESYNTAX on a bad %-escape or one that decodes to NUL (a C string could
 * not hold it). Both outputs hold secrets: wipe them when done.
 */
int vg_rtsp_userinfo_split(vg_slice userinfo, char *user, size_t user_cap, char *pass,
                           size_t pass_cap);

/*
 * Copies `url` (NUL-terminated) without its userinfo into `out` (capacity
 * `cap`, NUL included): "rtsp://u:p@h:554/x" becomes "rtsp://h:554/x".
 * Request URIs never carry credentials. A URL without userinfo is copied as
 * it is. Returns 0; VG_ESYNTAX when vg_url_parse() refuses the URL;
 * VG_ERANGE when the result does not fit (then `out` is "").
 */
int vg_rtsp_url_strip_userinfo(const char *url, char *out, size_t cap);

#endif
