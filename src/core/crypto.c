#include "core/crypto.h"

#include "core/error.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* OpenSSL wants a real pointer even for zero bytes. */
static const unsigned char empty[1];

void vg_md5(const void *data, size_t len, uint8_t out[VG_MD5_LEN])
{
    /* Through EVP: OpenSSL 3 deprecates the one-shot MD5(). */
    unsigned int out_len = 0;
    if (!EVP_Digest(len ? data : empty, len, out, &out_len, EVP_md5(), NULL) ||
        out_len != VG_MD5_LEN)
        memset(out, 0, VG_MD5_LEN);
}

void vg_sha1(const void *data, size_t len, uint8_t out[VG_SHA1_LEN])
{
    SHA1(len ? data : empty, len, out);
}

void vg_sha256(const void *data, size_t len, uint8_t out[VG_SHA256_LEN])
{
    SHA256(len ? data : empty, len, out);
}

int vg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t out[VG_SHA256_LEN])
{
    if (key_len > INT_MAX)
        return VG_EINVAL;
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha256(), key_len ? key : empty, (int)key_len, len ? data : empty, len, out,
              &out_len) ||
        out_len != VG_SHA256_LEN)
        return VG_EIO;
    return 0;
}

int vg_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                 uint8_t out[VG_SHA1_LEN])
{
    if (key_len > INT_MAX)
        return VG_EINVAL;
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha1(), key_len ? key : empty, (int)key_len, len ? data : empty, len, out,
              &out_len) ||
        out_len != VG_SHA1_LEN)
        return VG_EIO;
    return 0;
}

size_t vg_base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

/*
 * EVP_EncodeBlock() takes an int length, so larger inputs go in chunks of
 * whole 3-byte groups; each chunk's NUL is overwritten by the next chunk.
 */
#define ENCODE_CHUNK ((size_t)3 << 28)

size_t vg_base64_encode(const void *in, size_t len, char *out)
{
    const unsigned char *src = len ? in : empty;
    size_t written = 0;
    do {
        size_t n = len < ENCODE_CHUNK ? len : ENCODE_CHUNK;
        written += (size_t)EVP_EncodeBlock((unsigned char *)out + written, src, (int)n);
        src += n;
        len -= n;
    } while (len > 0);
    return written;
}

/* The value of a base64 char (RFC 4648 table 1), or -1 for any other byte, '=' included. */
static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

#define DECODE_CHUNK ((size_t)1 << 30) /* chars, a multiple of 4 below INT_MAX */

/*
 * The decoder behind vg_base64_decode() (strict) and
 * vg_base64_decode_lenient(): they differ only in how they read the end of
 * the text, its '=' padding and its pad bits (crypto.h).
 */
static int base64_decode(const char *in, size_t len, bool lenient, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)in;
    *out_len = 0;
    size_t pad = 0; /* the '=' at the end, not decoded */
    if (lenient) {
        /* Up to two, however many the length would want. */
        while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
            pad++;
    } else {
        if (len % 4 != 0)
            return VG_ESYNTAX;
        /* RFC 4648 section 3.3: padding only at the very end, one or two '='. */
        if (len && s[len - 1] == '=')
            pad = s[len - 2] == '=' ? 2 : 1;
    }
    size_t chars = len - pad;
    /* One char alone holds 6 bits, not a byte (never so when strict: len % 4 == 0). */
    if (chars % 4 == 1)
        return VG_ESYNTAX;
    for (size_t i = 0; i < chars; i++) {
        if (base64_value(s[i]) < 0)
            return VG_ESYNTAX;
    }
    /* The whole quads, then a tail of 0, 2 or 3 chars that stands for 0, 1 or 2 bytes. */
    size_t body = chars / 4 * 4, tail = chars - body;
    /*
     * Section 3.5: the bits that pad the last byte must be zero, so that one
     * byte string has exactly one encoding ("QQ==" for "A", never "QR==").
     * The lenient decoder drops them whatever they are.
     */
    int last = tail ? base64_value(s[chars - 1]) : 0;
    if (!lenient && ((tail == 2 && (last & 0x0f)) || (tail == 3 && (last & 0x03))))
        return VG_ESYNTAX;

    size_t decoded = body / 4 * 3 + (tail ? tail - 1 : 0);
    if (decoded > cap)
        return VG_ERANGE;

    /* EVP_DecodeBlock() writes 3 bytes for every 4 chars: the whole quads only. */
    for (size_t done = 0; done < body;) {
        size_t n = body - done < DECODE_CHUNK ? body - done : DECODE_CHUNK;
        if (EVP_DecodeBlock(out + done / 4 * 3, s + done, (int)n) < 0)
            return VG_ESYNTAX;
        done += n;
    }
    if (tail) {
        /* The tail's 12 or 18 bits, left-aligned in 24: the pad bits fall off the end. */
        uint32_t bits = 0;
        for (size_t i = 0; i < tail; i++)
            bits = bits << 6 | (uint32_t)base64_value(s[body + i]);
        bits <<= 6 * (4 - tail);
        uint8_t *last_bytes = out + body / 4 * 3;
        last_bytes[0] = (uint8_t)(bits >> 16);
        if (tail == 3)
            last_bytes[1] = (uint8_t)(bits >> 8);
    }
    *out_len = decoded;
    return 0;
}

int vg_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    return base64_decode(in, len, false, out, cap, out_len);
}

int vg_base64_decode_lenient(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    return base64_decode(in, len, true, out, cap, out_len);
}
