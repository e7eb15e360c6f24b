/*
 * crypto.h: the hashes, MACs and encodings vigil needs, over OpenSSL 3's
 * libcrypto. This is the only file that includes OpenSSL's crypto headers
 * (DESIGN.md section 4); the DTLS of WebRTC will sit beside it.
 *
 * Every function is pure and thread-safe: no state, no allocation.
 */
#ifndef VG_CORE_CRYPTO_H
#define VG_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define VG_MD5_LEN    16
#define VG_SHA1_LEN   20
#define VG_SHA256_LEN 32

/*
 * MD5 (RFC 1321) of `len` bytes at `data` (NULL when len is 0) into `out`.
 * Broken as a hash: only for protocols that still require it, such as RTSP
 * Digest authentication (RFC 2617), which most cameras offer alone. Should
 * OpenSSL refuse it (a FIPS-only configuration), `out` is zeroed: the
 * result then matches nothing, and the server refuses the login.
 */
void vg_md5(const void *data, size_t len, uint8_t out[VG_MD5_LEN]);

/* SHA-1 (FIPS 180-4) of `len` bytes at `data` (NULL when len is 0) into `out`. */
void vg_sha1(const void *data, size_t len, uint8_t out[VG_SHA1_LEN]);

/* SHA-256 (FIPS 180-4) of `len` bytes at `data` (NULL when len is 0) into `out`. */
void vg_sha256(const void *data, size_t len, uint8_t out[VG_SHA256_LEN]);

/*
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) of `data` with `key` into `out`. Either
 * pointer may be NULL when its length is 0. Returns 0, VG_EINVAL for a key
 * longer than INT_MAX bytes, or VG_EIO when OpenSSL fails.
 */
int vg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t out[VG_SHA256_LEN]);

/*
 * HMAC-SHA-1 (RFC 2104) of `data` with `key` into `out`: STUN's
 * MESSAGE-INTEGRITY (RFC 8489 section 14.5). Either pointer may be NULL when
 * its length is 0. Returns 0, VG_EINVAL for a key longer than INT_MAX bytes,
 * or VG_EIO when OpenSSL fails.
 */
int vg_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                 uint8_t out[VG_SHA1_LEN]);

/* The length of the base64 text for `len` bytes, padding included, NUL excluded. */
size_t vg_base64_encoded_len(size_t len);

/*
 * Writes `len` bytes at `in` as base64 (RFC 4648 section 4: the standard
 * alphabet, '=' padding, no line breaks) followed by a NUL. `out` must hold
 * vg_base64_encoded_len(len) + 1 chars. Returns the chars written, NUL
 * excluded.
 */
size_t vg_base64_encode(const void *in, size_t len, char *out);

/*
 * Decodes `len` chars of base64 at `in` (no NUL needed) into `out`, whose
 * capacity is `cap` bytes, and sets *out_len. Strict (RFC 4648 section 3.3
 * and 3.5): only the standard alphabet, a length that is a multiple of 4,
 * '=' only as the last one or two chars, zero pad bits, no spaces or line
 * breaks. Returns 0; VG_ESYNTAX for text that breaks those rules; VG_ERANGE
 * when the decoded bytes would not fit in `cap` (then nothing is written).
 * `len` chars decode to at most len / 4 * 3 bytes.
 */
int vg_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * vg_base64_decode() for text from careless writers, such as the
 * sprop-parameter-sets of cameras' SDP (RFC 6184 8.1), read as FFmpeg's
 * av_base64_decode() reads them: up to two '=' at the end are dropped,
 * whether or not the length wants them ("Zg", "Zg=", "Zg==" and "Zm9v="
 * all decode), and the bits that pad the last byte are ignored ("Zh" is
 * "f"). Still refused with VG_ESYNTAX: a char outside the standard alphabet
 * (spaces and line breaks included), '=' anywhere else, and a lone char
 * after the last whole group of 4 ("Zm9vY"). VG_ERANGE as above. Text of
 * nothing but padding decodes to 0 bytes.
 */
int vg_base64_decode_lenient(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
