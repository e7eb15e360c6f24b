/*
 * stun.c: STUN messages for ICE-lite (RFC 8489, RFC 8445 section 7).
 *
 * DESIGN. A message is a 20-byte header and a list of TLV attributes
 * (RFC 8489 section 5 and 14):
 *
 *    0                   1                   2                   3
 *   |0 0|  message type (14)       |        message length         |
 *   |                  magic cookie 0x2112A442                      |
 *   |                  transaction ID (96 bits)                     |
 *   | attribute type               | value length                  |
 *   | value, padded with 0-3 bytes to a multiple of 4 ...           |
 *
 * The parser trusts nothing: every attribute's header and padded value must
 * lie inside the length the header announces, which must be the datagram's
 * length, and every attribute it understands must have the length its RFC
 * gives. Two attributes protect the message, and must come last:
 *
 *   ... | MESSAGE-INTEGRITY (HMAC-SHA1, 20 bytes) | FINGERPRINT (CRC-32, 4 bytes)
 *
 * FINGERPRINT is checked while parsing (it needs no key); MESSAGE-INTEGRITY
 * needs the password, which the ICE agent finds from USERNAME, so it is
 * checked afterwards by vg_stun_check_integrity(). Each covers the message
 * before it, with the header's length field set as if the message ended
 * right after the attribute: that is how the writers compute them too.
 */
#include "webrtc/stun.h"

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/error.h"

#include <netinet/in.h>
#include <string.h>
#include <zlib.h>

#define MAGIC_COOKIE 0x2112A442u

/* RFC 8489 section 14.7: the CRC-32 is XORed with this ("STUN" in ASCII). */
#define FINGERPRINT_XOR 0x5354554Eu

/* Attribute types (RFC 8489 section 18.3, RFC 8445 section 16.1). */
enum {
    ATTR_MAPPED_ADDRESS = 0x0001,
    ATTR_USERNAME = 0x0006,
    ATTR_MESSAGE_INTEGRITY = 0x0008,
    ATTR_ERROR_CODE = 0x0009,
    ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
    ATTR_REALM = 0x0014,
    ATTR_NONCE = 0x0015,
    ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
    ATTR_PASSWORD_ALGORITHM = 0x001D,
    ATTR_USERHASH = 0x001E,
    ATTR_XOR_MAPPED_ADDRESS = 0x0020,
    ATTR_PRIORITY = 0x0024,
    ATTR_USE_CANDIDATE = 0x0025,
    /* 0x8000-0xFFFF: comprehension-optional */
    ATTR_SOFTWARE = 0x8022,
    ATTR_FINGERPRINT = 0x8028,
    ATTR_ICE_CONTROLLED = 0x8029,
    ATTR_ICE_CONTROLLING = 0x802A,
};

#define ATTR_HEADER_LEN    4
#define INTEGRITY_ATTR_LEN (ATTR_HEADER_LEN + VG_SHA1_LEN)

/* The length field is 16 bits: no message is longer than this (RFC 8489 section 5). */
#define LARGEST_MESSAGE (VG_STUN_HEADER_LEN + 0xFFFF)

/* XOR-MAPPED-ADDRESS families (RFC 8489 section 14.2). */
#define FAMILY_IPV4 0x01
#define FAMILY_IPV6 0x02

/* RFC 8489 section 14: a value is padded to a multiple of 4 bytes. */
static size_t padded(size_t len)
{
    return (len + 3) & ~(size_t)3;
}

/* CRC-32 (ITU-T V.42, zlib's) of the message before FINGERPRINT, XORed (section 14.7). */
static uint32_t fingerprint(const uint8_t *buf, size_t len)
{
    return (uint32_t)crc32(0L, buf, (uInt)len) ^ FINGERPRINT_XOR;
}

bool vg_stun_is_message(const uint8_t *buf, size_t len)
{
    /*
     * RFC 8489 section 5: the two most significant bits are zero, the length
     * counts the bytes after the header and is a multiple of 4 (all
     * attributes are padded), and the magic cookie follows. UDP carries one
     * message per datagram, so the length must be the datagram's.
     */
    return len >= VG_STUN_HEADER_LEN && (buf[0] & 0xC0) == 0 &&
           (size_t)vg_load_be16(buf + 2) == len - VG_STUN_HEADER_LEN && (len & 3) == 0 &&
           vg_load_be32(buf + 4) == MAGIC_COOKIE;
}

/*
 * XOR-MAPPED-ADDRESS (RFC 8489 section 14.2): the port is XORed with the
 * cookie's top 16 bits, an IPv4 address with the cookie, an IPv6 address
 * with the cookie followed by the transaction ID. The first byte is
 * reserved and ignored.
 */
static int parse_xor_mapped_address(const uint8_t *v, size_t len, const uint8_t *header,
                                    struct sockaddr_storage *out)
{
    if (len < 4)
        return VG_ESYNTAX;
    uint16_t port = vg_load_be16(v + 2) ^ (uint16_t)(MAGIC_COOKIE >> 16);
    memset(out, 0, sizeof(*out));
    if (v[1] == FAMILY_IPV4 && len == 8) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        uint32_t addr = vg_load_be32(v + 4) ^ MAGIC_COOKIE;
        sin->sin_addr.s_addr = htonl(addr);
        return 0;
    }
    if (v[1] == FAMILY_IPV6 && len == 20) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        /* header + 4 is the cookie and the transaction ID: the 16 bytes of the mask */
        for (int i = 0; i < 16; i++)
            sin6->sin6_addr.s6_addr[i] = v[4 + i] ^ header[4 + i];
        return 0;
    }
    return VG_ESYNTAX;
}

/*
 * ERROR-CODE (RFC 8489 section 14.8): 21 reserved bits, the class (3-6) in
 * 3 bits, the number (0-99) in 8, then a UTF-8 reason phrase we do not keep.
 */
static int parse_error_code(const uint8_t *v, size_t len, uint16_t *code)
{
    if (len < 4)
        return VG_ESYNTAX;
    unsigned cls = v[2] & 0x07, number = v[3];
    if (cls < 3 || cls > 6 || number > 99)
        return VG_ESYNTAX;
    *code = (uint16_t)(cls * 100 + number);
    return 0;
}

/*
 * Comprehension-required attributes (type below 0x8000) that we know and
 * may ignore. RFC 8489 section 6.3.1 says a message with any other one
 * cannot be processed (a request would get a 420); we drop it as malformed.
 */
static bool known_required(uint16_t type)
{
    switch (type) {
    case ATTR_MAPPED_ADDRESS:
    case ATTR_UNKNOWN_ATTRIBUTES:
    case ATTR_REALM:
    case ATTR_NONCE:
    case ATTR_PASSWORD_ALGORITHM:
    case ATTR_USERHASH:
        return true;
    default:
        return false;
    }
}

int vg_stun_parse(const uint8_t *buf, size_t len, vg_stun_message *out)
{
    memset(out, 0, sizeof(*out));
    if (!vg_stun_is_message(buf, len))
        return VG_ESYNTAX;
    out->type = vg_load_be16(buf);
    memcpy(out->txid, buf + 8, VG_STUN_TXID_LEN);

    /*
     * Set once MESSAGE-INTEGRITY (or its SHA-256 sibling) is seen: RFC 8489
     * section 14.5 and 14.6, "agents MUST ignore all other attributes that
     * follow MESSAGE-INTEGRITY, with the exception of the FINGERPRINT".
     */
    bool protected_end = false;
    size_t off = VG_STUN_HEADER_LEN;
    while (off < len) {
        /* Section 14.7: "the FINGERPRINT attribute MUST be the last attribute". */
        if (out->has_fingerprint)
            return VG_ESYNTAX;
        if (len - off < ATTR_HEADER_LEN)
            return VG_ESYNTAX;
        uint16_t type = vg_load_be16(buf + off);
        size_t vlen = vg_load_be16(buf + off + 2);
        /* The value and its padding must fit: the length field excludes the padding. */
        if (padded(vlen) > len - off - ATTR_HEADER_LEN)
            return VG_ESYNTAX;
        const uint8_t *v = buf + off + ATTR_HEADER_LEN;

        if (type == ATTR_FINGERPRINT) {
            if (vlen != 4 || vg_load_be32(v) != fingerprint(buf, off))
                return VG_ESYNTAX;
            out->has_fingerprint = true;
        } else if (!protected_end) {
            /* Section 14: only the first of a repeated attribute counts. */
            switch (type) {
            case ATTR_USERNAME:
                /*
                 * Fewer than 513 bytes (RFC 5389 section 15.3; RFC 8489
                 * section 14.3 lowered it to 509, we accept the older bound).
                 */
                if (vlen >= VG_STUN_USERNAME_MAX)
                    return VG_ESYNTAX;
                if (!out->username) {
                    out->username = v;
                    out->username_len = vlen;
                }
                break;
            case ATTR_MESSAGE_INTEGRITY:
                if (vlen != VG_SHA1_LEN)
                    return VG_ESYNTAX;
                out->has_integrity = true;
                out->_integrity_offset = off;
                protected_end = true;
                break;
            case ATTR_MESSAGE_INTEGRITY_SHA256:
                /* Section 14.6: 16 to 32 bytes, a multiple of 4. Not checked here. */
                if (vlen < 16 || vlen > 32 || vlen % 4)
                    return VG_ESYNTAX;
                protected_end = true;
                break;
            case ATTR_ERROR_CODE:
                if (!out->error_code && parse_error_code(v, vlen, &out->error_code) < 0)
                    return VG_ESYNTAX;
                break;
            case ATTR_XOR_MAPPED_ADDRESS:
                if (!out->has_mapped_address) {
                    if (parse_xor_mapped_address(v, vlen, buf, &out->mapped_address) < 0)
                        return VG_ESYNTAX;
                    out->has_mapped_address = true;
                }
                break;
            case ATTR_PRIORITY: /* RFC 8445 section 7.1.1: a 32-bit value */
                if (vlen != 4)
                    return VG_ESYNTAX;
                if (!out->has_priority) {
                    out->has_priority = true;
                    out->priority = vg_load_be32(v);
                }
                break;
            case ATTR_USE_CANDIDATE: /* RFC 8445 section 7.1.2: no value */
                if (vlen != 0)
                    return VG_ESYNTAX;
                out->use_candidate = true;
                break;
            case ATTR_ICE_CONTROLLED: /* RFC 8445 section 7.1.3: a 64-bit tiebreaker */
            case ATTR_ICE_CONTROLLING:
                if (vlen != 8)
                    return VG_ESYNTAX;
                if (!out->ice_controlled && !out->ice_controlling)
                    out->tiebreaker = (uint64_t)vg_load_be32(v) << 32 | vg_load_be32(v + 4);
                if (type == ATTR_ICE_CONTROLLING)
                    out->ice_controlling = true;
                else
                    out->ice_controlled = true;
                break;
            default:
                /* Section 14: 0x8000-0xFFFF are comprehension-optional and skipped. */
                if (type < 0x8000 && !known_required(type))
                    return VG_ESYNTAX;
                break;
            }
        }
        off += ATTR_HEADER_LEN + padded(vlen);
    }
    return 0;
}

/*
 * The message as signed (section 14.5): the bytes before MESSAGE-INTEGRITY
 * with the header's length set to end just after it. The length field is 16
 * bits, so no message is larger than the copy; it is on the stack rather
 * than allocated (this module never allocates), and only the part used is
 * touched.
 */
bool vg_stun_check_integrity(const uint8_t *buf, size_t len, const vg_stun_message *msg,
                             const uint8_t *key, size_t key_len)
{
    uint8_t copy[LARGEST_MESSAGE];
    size_t at = msg->_integrity_offset;
    if (!msg->has_integrity || at < VG_STUN_HEADER_LEN || at > LARGEST_MESSAGE ||
        len < INTEGRITY_ATTR_LEN || at > len - INTEGRITY_ATTR_LEN ||
        vg_load_be16(buf + at) != ATTR_MESSAGE_INTEGRITY ||
        vg_load_be16(buf + at + 2) != VG_SHA1_LEN)
        return false;
    memcpy(copy, buf, at);
    vg_store_be16(copy + 2, (uint16_t)(at + INTEGRITY_ATTR_LEN - VG_STUN_HEADER_LEN));
    uint8_t mac[VG_SHA1_LEN];
    if (vg_hmac_sha1(key, key_len, copy, at, mac) < 0)
        return false;
    /* Constant time: the compare must not tell an attacker how many bytes matched. */
    uint8_t diff = 0;
    for (size_t i = 0; i < VG_SHA1_LEN; i++)
        diff |= mac[i] ^ buf[at + ATTR_HEADER_LEN + i];
    return diff == 0;
}

/*
 * The writers. A message is built front to back in `out`, whose capacity
 * is checked before each attribute; the header's length is kept current,
 * so that MESSAGE-INTEGRITY and FINGERPRINT see it as section 14.5 and
 * 14.7 want.
 */
typedef struct writer {
    uint8_t *out;
    size_t cap, len;
    bool failed; /* out of room (or HMAC failed): the writer returns 0 */
} writer;

static void write_header(writer *w, uint16_t type, const uint8_t txid[VG_STUN_TXID_LEN])
{
    if (w->cap < VG_STUN_HEADER_LEN) {
        w->failed = true;
        return;
    }
    vg_store_be16(w->out, type);
    vg_store_be16(w->out + 2, 0);
    vg_store_be32(w->out + 4, MAGIC_COOKIE);
    memcpy(w->out + 8, txid, VG_STUN_TXID_LEN);
    w->len = VG_STUN_HEADER_LEN;
}

/* Adds an attribute with room for `vlen` value bytes, zero-padded; returns the value or NULL. */
static uint8_t *add_attribute(writer *w, uint16_t type, size_t vlen)
{
    size_t need = ATTR_HEADER_LEN + padded(vlen);
    if (w->failed || need > w->cap - w->len || w->len + need - VG_STUN_HEADER_LEN > 0xFFFF) {
        w->failed = true;
        return NULL;
    }
    uint8_t *p = w->out + w->len;
    vg_store_be16(p, type);
    vg_store_be16(p + 2, (uint16_t)vlen);
    memset(p + ATTR_HEADER_LEN, 0, padded(vlen));
    w->len += need;
    vg_store_be16(w->out + 2, (uint16_t)(w->len - VG_STUN_HEADER_LEN));
    return p + ATTR_HEADER_LEN;
}

/* Section 14.5: HMAC-SHA1 over everything before it, length already counting it. */
static void add_integrity(writer *w, const uint8_t *key, size_t key_len)
{
    size_t at = w->len;
    uint8_t *v = add_attribute(w, ATTR_MESSAGE_INTEGRITY, VG_SHA1_LEN);
    if (v && vg_hmac_sha1(key, key_len, w->out, at, v) < 0)
        w->failed = true;
}

/* Section 14.7: the CRC-32 of everything before it, length already counting it. */
static void add_fingerprint(writer *w)
{
    size_t at = w->len;
    uint8_t *v = add_attribute(w, ATTR_FINGERPRINT, 4);
    if (v)
        vg_store_be32(v, fingerprint(w->out, at));
}

static size_t finish(const writer *w)
{
    return w->failed ? 0 : w->len;
}

size_t vg_stun_write_binding_success(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                     const struct sockaddr *mapped, const uint8_t *key,
                                     size_t key_len)
{
    writer w = {.out = out, .cap = cap};
    write_header(&w, VG_STUN_BINDING_SUCCESS, txid);
    if (mapped->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)mapped;
        uint8_t *v = add_attribute(&w, ATTR_XOR_MAPPED_ADDRESS, 8);
        if (v) {
            v[1] = FAMILY_IPV4;
            vg_store_be16(v + 2, ntohs(sin->sin_port) ^ (uint16_t)(MAGIC_COOKIE >> 16));
            vg_store_be32(v + 4, ntohl(sin->sin_addr.s_addr) ^ MAGIC_COOKIE);
        }
    } else if (mapped->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)mapped;
        uint8_t *v = add_attribute(&w, ATTR_XOR_MAPPED_ADDRESS, 20);
        if (v) {
            v[1] = FAMILY_IPV6;
            vg_store_be16(v + 2, ntohs(sin6->sin6_port) ^ (uint16_t)(MAGIC_COOKIE >> 16));
            /* out + 4: the cookie and the transaction ID, already written */
            for (int i = 0; i < 16; i++)
                v[4 + i] = sin6->sin6_addr.s6_addr[i] ^ out[4 + i];
        }
    } else {
        return 0;
    }
    add_integrity(&w, key, key_len);
    add_fingerprint(&w);
    return finish(&w);
}

/* The reason phrases of section 15.3 (and RFC 8445 section 7.3.1.1 for 487). */
static const char *error_reason(uint16_t code)
{
    switch (code) {
    case 300:
        return "Try Alternate";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 420:
        return "Unknown Attribute";
    case 438:
        return "Stale Nonce";
    case 487:
        return "Role Conflict";
    case 500:
        return "Server Error";
    default:
        return "";
    }
}

size_t vg_stun_write_binding_error(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                   uint16_t code, const uint8_t *key, size_t key_len)
{
    /* Section 14.8: the class is 3 to 6, the number 0 to 99. */
    if (code < 300 || code > 699)
        return 0;
    writer w = {.out = out, .cap = cap};
    write_header(&w, VG_STUN_BINDING_ERROR, txid);
    const char *reason = error_reason(code);
    size_t reason_len = strlen(reason);
    uint8_t *v = add_attribute(&w, ATTR_ERROR_CODE, 4 + reason_len);
    if (v) {
        v[2] = (uint8_t)(code / 100);
        v[3] = (uint8_t)(code % 100);
        memcpy(v + 4, reason, reason_len);
    }
    if (key)
        add_integrity(&w, key, key_len);
    add_fingerprint(&w);
    return finish(&w);
}

size_t vg_stun_write_binding_request(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                     const char *username, uint32_t priority, bool use_candidate,
                                     uint64_t tiebreaker, const uint8_t *key, size_t key_len)
{
    size_t username_len = strlen(username);
    if (username_len >= VG_STUN_USERNAME_MAX)
        return 0;
    writer w = {.out = out, .cap = cap};
    write_header(&w, VG_STUN_BINDING_REQUEST, txid);
    /* RFC 8445 section 7.2.2: USERNAME is "<remote ufrag>:<local ufrag>". */
    uint8_t *v = add_attribute(&w, ATTR_USERNAME, username_len);
    if (v)
        memcpy(v, username, username_len);
    /* Section 7.1.1: the priority the pair's local candidate would have if peer-reflexive. */
    v = add_attribute(&w, ATTR_PRIORITY, 4);
    if (v)
        vg_store_be32(v, priority);
    /* Section 7.1.3: the controlling agent says so, with its tiebreaker. */
    v = add_attribute(&w, ATTR_ICE_CONTROLLING, 8);
    if (v) {
        vg_store_be32(v, (uint32_t)(tiebreaker >> 32));
        vg_store_be32(v + 4, (uint32_t)tiebreaker);
    }
    /* Section 7.1.2: the controlling agent nominates the pair. */
    if (use_candidate)
        add_attribute(&w, ATTR_USE_CANDIDATE, 0);
    add_integrity(&w, key, key_len);
    add_fingerprint(&w);
    return finish(&w);
}
