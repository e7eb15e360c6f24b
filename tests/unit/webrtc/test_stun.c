/*
 * Unit tests for webrtc/stun.c: RFC 5769's test vectors byte for byte,
 * round trips through the writers and the parser, and every way a datagram
 * can be malformed. Also HMAC-SHA1 (core/crypto.c) against RFC 2202, since
 * MESSAGE-INTEGRITY is its one user.
 */
#include "webrtc/stun.h"

#include "core/crypto.h"
#include "core/error.h"
#include "vg_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <zlib.h>

/* RFC 5769 section 2: the short-term password of every sample but 2.4. */
static const char password[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint8_t rfc5769_txid[VG_STUN_TXID_LEN] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                                       0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* RFC 5769 section 2.1: Sample Request (its padding is spaces, not zeros). */
static const uint8_t sample_request[] = {
    0x00, 0x01, 0x00, 0x58, /* Request type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, /* Transaction ID */
    0x80, 0x22, 0x00, 0x10, /* SOFTWARE attribute header */
    0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, /* PRIORITY attribute header */
    0x6e, 0x00, 0x01, 0xff,                         /* ICE priority value */
    0x80, 0x29, 0x00, 0x08,                         /* ICE-CONTROLLED attribute header */
    0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, /* Pseudo-random tie breaker */
    0x00, 0x06, 0x00, 0x09,                         /* USERNAME attribute header */
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, /* and padding */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5,
    0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, /* HMAC-SHA1 fingerprint */
    0x80, 0x28, 0x00, 0x04,                         /* FINGERPRINT attribute header */
    0xe5, 0x7a, 0x3b, 0xcf,                         /* CRC32 fingerprint */
};

/* RFC 5769 section 2.2: Sample IPv4 Response, mapped address 192.0.2.1:32853. */
static const uint8_t sample_ipv4_response[] = {
    0x01, 0x01, 0x00, 0x3c, /* Response type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, /* Transaction ID */
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, /* "test vector" */
    0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS attribute header */
    0x00, 0x01, 0xa1, 0x47, /* Address family (IPv4) and xor'd mapped port number */
    0xe1, 0x12, 0xa6, 0x43, /* Xor'd mapped IPv4 address */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, /* HMAC-SHA1 fingerprint */
    0x80, 0x28, 0x00, 0x04,                         /* FINGERPRINT attribute header */
    0xc0, 0x7d, 0x4c, 0x96,                         /* CRC32 fingerprint */
};

/* RFC 5769 section 2.3: Sample IPv6 Response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t sample_ipv6_response[] = {
    0x01, 0x01, 0x00, 0x48, /* Response type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, /* Transaction ID */
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, /* "test vector" */
    0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS attribute header */
    0x00, 0x02, 0xa1, 0x47, /* Address family (IPv6) and xor'd mapped port number */
    0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
    0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c,
    0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41, /* HMAC-SHA1 fingerprint */
    0x80, 0x28, 0x00, 0x04,                         /* FINGERPRINT attribute header */
    0xc8, 0xfb, 0x0b, 0x4c,                         /* CRC32 fingerprint */
};

static const uint8_t *key(void)
{
    return (const uint8_t *)password;
}

static size_t key_len(void)
{
    return strlen(password);
}

static struct sockaddr_in ipv4(const char *addr, uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    CHECK(inet_pton(AF_INET, addr, &sin.sin_addr) == 1);
    return sin;
}

static struct sockaddr_in6 ipv6(const char *addr, uint16_t port)
{
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    CHECK(inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1);
    return sin6;
}

/* Whether a parsed XOR-MAPPED-ADDRESS is `addr` (text) and `port`. */
static bool mapped_is(const vg_stun_message *m, const char *addr, uint16_t port)
{
    char text[INET6_ADDRSTRLEN] = "";
    if (!m->has_mapped_address)
        return false;
    if (m->mapped_address.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&m->mapped_address;
        inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
        return ntohs(sin->sin_port) == port && strcmp(text, addr) == 0;
    }
    if (m->mapped_address.ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&m->mapped_address;
        inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
        return ntohs(sin6->sin6_port) == port && strcmp(text, addr) == 0;
    }
    return false;
}

/* Where attribute `type` starts in a well-formed message, or 0. */
static size_t find_attribute(const uint8_t *buf, size_t len, uint16_t type)
{
    for (size_t off = VG_STUN_HEADER_LEN; off + 4 <= len;) {
        if ((buf[off] << 8 | buf[off + 1]) == type)
            return off;
        off += 4 + (((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 3) & ~(size_t)3);
    }
    return 0;
}

/* Rewrites the FINGERPRINT at the end of `buf` (section 14.7), for tests that edit a message. */
static void refresh_fingerprint(uint8_t *buf, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(len - 8)) ^ 0x5354554Eu;
    buf[len - 4] = (uint8_t)(crc >> 24);
    buf[len - 3] = (uint8_t)(crc >> 16);
    buf[len - 2] = (uint8_t)(crc >> 8);
    buf[len - 1] = (uint8_t)crc;
}

/*
 * A message from a header and raw attribute bytes: type, length, cookie
 * and txid of RFC 5769, the length field set from `attrs_len` (+ `extra`,
 * to lie about it).
 */
static size_t raw_message(uint8_t *out, const uint8_t *attrs, size_t attrs_len, int extra)
{
    size_t field = (size_t)((int)attrs_len + extra);
    out[0] = 0x00;
    out[1] = 0x01;
    out[2] = (uint8_t)(field >> 8);
    out[3] = (uint8_t)field;
    memcpy(out + 4, "\x21\x12\xa4\x42", 4);
    memcpy(out + 8, rfc5769_txid, VG_STUN_TXID_LEN);
    if (attrs_len)
        memcpy(out + VG_STUN_HEADER_LEN, attrs, attrs_len);
    return VG_STUN_HEADER_LEN + attrs_len;
}

static void test_hmac_sha1_rfc2202(void)
{
    /* RFC 2202 section 3, test cases 1 and 2. */
    static const uint8_t expect1[VG_SHA1_LEN] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72,
                                                 0x64, 0xe2, 0x8b, 0xc0, 0xb6, 0xfb, 0x37,
                                                 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
    static const uint8_t expect2[VG_SHA1_LEN] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f,
                                                 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
                                                 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
    uint8_t key1[20], mac[VG_SHA1_LEN];
    memset(key1, 0x0b, sizeof(key1));
    CHECK_INT_EQ(vg_hmac_sha1(key1, sizeof(key1), "Hi There", 8, mac), 0);
    CHECK(memcmp(mac, expect1, VG_SHA1_LEN) == 0);
    const char *data2 = "what do ya want for nothing?";
    CHECK_INT_EQ(vg_hmac_sha1("Jefe", 4, data2, strlen(data2), mac), 0);
    CHECK(memcmp(mac, expect2, VG_SHA1_LEN) == 0);
    /* NULL with a zero length is allowed on both sides. */
    CHECK_INT_EQ(vg_hmac_sha1(NULL, 0, NULL, 0, mac), 0);
}

static void test_rfc5769_request(void)
{
    vg_stun_message m;
    CHECK(vg_stun_is_message(sample_request, sizeof(sample_request)));
    CHECK_INT_EQ(vg_stun_parse(sample_request, sizeof(sample_request), &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_REQUEST);
    CHECK(memcmp(m.txid, rfc5769_txid, VG_STUN_TXID_LEN) == 0);
    CHECK_INT_EQ(m.username_len, 9);
    CHECK(m.username && memcmp(m.username, "evtj:h6vY", 9) == 0);
    CHECK(m.has_priority);
    CHECK_INT_EQ(m.priority, 0x6e0001ff);
    CHECK(m.ice_controlled && !m.ice_controlling);
    CHECK(m.tiebreaker == 0x932ff9b151263b36ull);
    CHECK(!m.use_candidate && !m.has_mapped_address);
    CHECK_INT_EQ(m.error_code, 0);
    CHECK(m.has_integrity && m.has_fingerprint);
    CHECK(vg_stun_check_integrity(sample_request, sizeof(sample_request), &m, key(), key_len()));
    /* One wrong byte of the key, or a key cut short, fails. */
    char wrong[sizeof(password)];
    memcpy(wrong, password, sizeof(password));
    wrong[0] ^= 1;
    CHECK(!vg_stun_check_integrity(sample_request, sizeof(sample_request), &m,
                                   (const uint8_t *)wrong, key_len()));
    CHECK(
        !vg_stun_check_integrity(sample_request, sizeof(sample_request), &m, key(), key_len() - 1));
}

static void test_rfc5769_ipv4_response(void)
{
    vg_stun_message m;
    CHECK_INT_EQ(vg_stun_parse(sample_ipv4_response, sizeof(sample_ipv4_response), &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_SUCCESS);
    CHECK(mapped_is(&m, "192.0.2.1", 32853));
    CHECK(m.username == NULL && !m.has_priority);
    CHECK(m.has_integrity && m.has_fingerprint);
    CHECK(vg_stun_check_integrity(sample_ipv4_response, sizeof(sample_ipv4_response), &m, key(),
                                  key_len()));
    CHECK(!vg_stun_check_integrity(sample_ipv4_response, sizeof(sample_ipv4_response), &m,
                                   (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBT", key_len()));
}

static void test_rfc5769_ipv6_response(void)
{
    vg_stun_message m;
    CHECK_INT_EQ(vg_stun_parse(sample_ipv6_response, sizeof(sample_ipv6_response), &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_SUCCESS);
    CHECK(mapped_is(&m, "2001:db8:1234:5678:11:2233:4455:6677", 32853));
    CHECK(m.has_integrity && m.has_fingerprint);
    CHECK(vg_stun_check_integrity(sample_ipv6_response, sizeof(sample_ipv6_response), &m, key(),
                                  key_len()));
}

/*
 * Our success response to the RFC's transaction carries the same
 * XOR-MAPPED-ADDRESS bytes as the RFC's responses (they differ in SOFTWARE,
 * which we do not send, so only the attribute compares).
 */
static void test_xor_mapped_address_matches_rfc5769(void)
{
    uint8_t out[VG_STUN_MAX_MESSAGE];
    struct sockaddr_in sin = ipv4("192.0.2.1", 32853);
    size_t n = vg_stun_write_binding_success(out, sizeof(out), rfc5769_txid,
                                             (const struct sockaddr *)&sin, key(), key_len());
    CHECK_INT_EQ(n, 20 + 12 + 24 + 8);
    size_t ours = find_attribute(out, n, 0x0020);
    size_t theirs = find_attribute(sample_ipv4_response, sizeof(sample_ipv4_response), 0x0020);
    CHECK(ours && theirs && memcmp(out + ours, sample_ipv4_response + theirs, 12) == 0);

    struct sockaddr_in6 sin6 = ipv6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    n = vg_stun_write_binding_success(out, sizeof(out), rfc5769_txid,
                                      (const struct sockaddr *)&sin6, key(), key_len());
    CHECK_INT_EQ(n, 20 + 24 + 24 + 8);
    ours = find_attribute(out, n, 0x0020);
    theirs = find_attribute(sample_ipv6_response, sizeof(sample_ipv6_response), 0x0020);
    CHECK(ours && theirs && memcmp(out + ours, sample_ipv6_response + theirs, 24) == 0);
}

static void test_success_round_trip(void)
{
    static const uint8_t txid[VG_STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    uint8_t out[VG_STUN_MAX_MESSAGE];
    vg_stun_message m;

    struct sockaddr_in sin = ipv4("203.0.113.77", 50000);
    size_t n = vg_stun_write_binding_success(out, sizeof(out), txid, (const struct sockaddr *)&sin,
                                             key(), key_len());
    CHECK(n > 0 && vg_stun_is_message(out, n));
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_SUCCESS);
    CHECK(memcmp(m.txid, txid, sizeof(txid)) == 0);
    CHECK(mapped_is(&m, "203.0.113.77", 50000));
    CHECK(m.has_integrity && m.has_fingerprint);
    CHECK(vg_stun_check_integrity(out, n, &m, key(), key_len()));
    CHECK(!vg_stun_check_integrity(out, n, &m, (const uint8_t *)"other", 5));

    struct sockaddr_in6 sin6 = ipv6("fe80::1:2:3:4", 9);
    n = vg_stun_write_binding_success(out, sizeof(out), txid, (const struct sockaddr *)&sin6, key(),
                                      key_len());
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK(mapped_is(&m, "fe80::1:2:3:4", 9));
    CHECK(vg_stun_check_integrity(out, n, &m, key(), key_len()));

    /* Neither IPv4 nor IPv6: nothing to map. */
    struct sockaddr unix_addr = {.sa_family = AF_UNIX};
    CHECK_INT_EQ(
        vg_stun_write_binding_success(out, sizeof(out), txid, &unix_addr, key(), key_len()), 0);
}

static void test_error_round_trip(void)
{
    uint8_t out[VG_STUN_MAX_MESSAGE];
    vg_stun_message m;
    size_t n = vg_stun_write_binding_error(out, sizeof(out), rfc5769_txid, 487, key(), key_len());
    CHECK(n > 0);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_ERROR);
    CHECK_INT_EQ(m.error_code, 487);
    CHECK(m.has_integrity && m.has_fingerprint);
    CHECK(vg_stun_check_integrity(out, n, &m, key(), key_len()));
    size_t at = find_attribute(out, n, 0x0009);
    CHECK(at && memcmp(out + at + 8, "Role Conflict", 13) == 0);

    /* Without a key (a 400 to a request we could not authenticate): no MESSAGE-INTEGRITY. */
    n = vg_stun_write_binding_error(out, sizeof(out), rfc5769_txid, 400, NULL, 0);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.error_code, 400);
    CHECK(!m.has_integrity && m.has_fingerprint);
    CHECK(!vg_stun_check_integrity(out, n, &m, key(), key_len()));

    /* A code with no phrase of ours still goes out, with an empty reason. */
    n = vg_stun_write_binding_error(out, sizeof(out), rfc5769_txid, 699, NULL, 0);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.error_code, 699);

    /* Section 14.8: class 3 to 6 only. */
    CHECK_INT_EQ(vg_stun_write_binding_error(out, sizeof(out), rfc5769_txid, 299, NULL, 0), 0);
    CHECK_INT_EQ(vg_stun_write_binding_error(out, sizeof(out), rfc5769_txid, 700, NULL, 0), 0);
}

static void test_request_round_trip(void)
{
    uint8_t out[1024];
    vg_stun_message m;
    size_t n =
        vg_stun_write_binding_request(out, sizeof(out), rfc5769_txid, "evtj:h6vY", 0x6e0001ff, true,
                                      0x0102030405060708ull, key(), key_len());
    CHECK(n > 0 && n <= VG_STUN_MAX_MESSAGE);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.type, VG_STUN_BINDING_REQUEST);
    CHECK(m.username_len == 9 && memcmp(m.username, "evtj:h6vY", 9) == 0);
    CHECK(m.has_priority && m.priority == 0x6e0001ff);
    CHECK(m.ice_controlling && !m.ice_controlled);
    CHECK(m.tiebreaker == 0x0102030405060708ull);
    CHECK(m.use_candidate);
    CHECK(vg_stun_check_integrity(out, n, &m, key(), key_len()));

    n = vg_stun_write_binding_request(out, sizeof(out), rfc5769_txid, "a:b", 1, false, 0, key(),
                                      key_len());
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK(!m.use_candidate && m.username_len == 3);
    /* The padding after "a:b" is zero (section 14: senders pad with zeros). */
    size_t at = find_attribute(out, n, 0x0006);
    CHECK(at && out[at + 7] == 0);

    /* 512 bytes of username is the most (fewer than 513); that request exceeds 548 bytes. */
    char name[VG_STUN_USERNAME_MAX + 1];
    memset(name, 'u', VG_STUN_USERNAME_MAX - 1);
    name[VG_STUN_USERNAME_MAX - 1] = '\0';
    n = vg_stun_write_binding_request(out, sizeof(out), rfc5769_txid, name, 1, true, 0, key(),
                                      key_len());
    CHECK(n > VG_STUN_MAX_MESSAGE);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK_INT_EQ(m.username_len, VG_STUN_USERNAME_MAX - 1);
    memset(name, 'u', VG_STUN_USERNAME_MAX);
    name[VG_STUN_USERNAME_MAX] = '\0';
    CHECK_INT_EQ(vg_stun_write_binding_request(out, sizeof(out), rfc5769_txid, name, 1, true, 0,
                                               key(), key_len()),
                 0);
}

/* Every writer returns 0 for every capacity too small, and writes nothing past it. */
static void test_writers_respect_capacity(void)
{
    uint8_t out[VG_STUN_MAX_MESSAGE + 16];
    struct sockaddr_in6 sin6 = ipv6("2001:db8::1", 1);
    for (int which = 0; which < 3; which++) {
        size_t full = 0;
        for (size_t cap = 0;; cap++) {
            memset(out, 0xAA, sizeof(out));
            size_t n = 0;
            if (which == 0)
                n = vg_stun_write_binding_success(out, cap, rfc5769_txid,
                                                  (const struct sockaddr *)&sin6, key(), key_len());
            else if (which == 1)
                n = vg_stun_write_binding_error(out, cap, rfc5769_txid, 401, key(), key_len());
            else
                n = vg_stun_write_binding_request(out, cap, rfc5769_txid, "remote:local", 7, true,
                                                  9, key(), key_len());
            for (size_t i = cap; i < sizeof(out); i++) {
                if (out[i] != 0xAA) {
                    CHECK(!"wrote past the capacity");
                    break;
                }
            }
            if (n) {
                full = n;
                CHECK_INT_EQ(n, cap); /* the first capacity that works is the length */
                break;
            }
            if (cap == VG_STUN_MAX_MESSAGE)
                break;
        }
        CHECK(full > 0);
    }
}

static void test_is_message(void)
{
    uint8_t buf[sizeof(sample_request)];
    CHECK(!vg_stun_is_message(sample_request, 0));
    CHECK(!vg_stun_is_message(sample_request, 19));
    /* Section 5: the top two bits are zero, so RTP (128-191, RFC 7983) is not STUN... */
    memcpy(buf, sample_request, sizeof(buf));
    buf[0] = 0x80;
    CHECK(!vg_stun_is_message(buf, sizeof(buf)));
    buf[0] = 0x40;
    CHECK(!vg_stun_is_message(buf, sizeof(buf)));
    /* ...and a DTLS record (22, version 0xfefd, epoch, ...) has no cookie at byte 4. */
    static const uint8_t dtls[24] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11};
    CHECK(!vg_stun_is_message(dtls, sizeof(dtls)));
    /* The cookie. */
    memcpy(buf, sample_request, sizeof(buf));
    buf[7] ^= 1;
    CHECK(!vg_stun_is_message(buf, sizeof(buf)));
    /* A length that is not the datagram's, or not a multiple of 4. */
    memcpy(buf, sample_request, sizeof(buf));
    CHECK(!vg_stun_is_message(buf, sizeof(buf) - 4));
    buf[3] -= 2;
    CHECK(!vg_stun_is_message(buf, sizeof(buf) - 2));
    /* A bare header is a message (with no attributes). */
    vg_stun_message m;
    uint8_t header[VG_STUN_HEADER_LEN];
    raw_message(header, NULL, 0, 0);
    CHECK(vg_stun_is_message(header, sizeof(header)));
    CHECK_INT_EQ(vg_stun_parse(header, sizeof(header), &m), 0);
    CHECK(!m.has_integrity && !m.has_fingerprint && m.username == NULL);
}

static void test_truncated_and_garbage(void)
{
    vg_stun_message m;
    /* Every prefix of a valid message fails, with or without the length fixed up. */
    uint8_t buf[sizeof(sample_request)];
    for (size_t len = 0; len < sizeof(sample_request); len++) {
        memcpy(buf, sample_request, sizeof(buf));
        CHECK_INT_EQ(vg_stun_parse(buf, len, &m), VG_ESYNTAX);
        if (len >= VG_STUN_HEADER_LEN) {
            buf[2] = (uint8_t)((len - VG_STUN_HEADER_LEN) >> 8);
            buf[3] = (uint8_t)(len - VG_STUN_HEADER_LEN);
            /*
             * A cut between attributes parses, without FINGERPRINT; one just
             * after MESSAGE-INTEGRITY still authenticates, since the MAC
             * covers what precedes it with the length ending after it.
             */
            if (vg_stun_parse(buf, len, &m) == 0) {
                CHECK(!m.has_fingerprint);
                if (m.has_integrity)
                    CHECK(vg_stun_check_integrity(buf, len, &m, key(), key_len()));
            } else {
                CHECK(len != sizeof(buf) - 8); /* right after MESSAGE-INTEGRITY */
            }
        }
    }
    /* Bytes that are not STUN at all. */
    uint8_t garbage[64];
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (uint8_t)(i * 37 + 11);
    CHECK_INT_EQ(vg_stun_parse(garbage, sizeof(garbage), &m), VG_ESYNTAX);
}

static void test_attribute_past_the_end(void)
{
    uint8_t buf[64];
    vg_stun_message m;
    /* A USERNAME that says 9 bytes with 8 after its header. */
    static const uint8_t over[] = {0x00, 0x06, 0x00, 0x09, 'e', 'v', 't', 'j', ':', 'h', '6', 'v'};
    size_t n = raw_message(buf, over, sizeof(over), 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), VG_ESYNTAX);
    /* 0xFFFF bytes. */
    static const uint8_t huge[] = {0x80, 0x22, 0xff, 0xff, 0, 0, 0, 0};
    n = raw_message(buf, huge, sizeof(huge), 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), VG_ESYNTAX);
    /* Value fits, its padding does not (RFC 8489 section 14: padding is required). */
    static const uint8_t unpadded[] = {0x80, 0x22, 0x00, 0x05, 1,    2,    3,    4,
                                       5,    0,    0,    0,    0x00, 0x25, 0x00, 0x00};
    n = raw_message(buf, unpadded, sizeof(unpadded) - 4, 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), 0);
    n = raw_message(buf, unpadded, 8, 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), VG_ESYNTAX);
}

/* Known attributes with the wrong length, and unknown comprehension-required ones. */
static void test_attribute_rules(void)
{
    uint8_t buf[64];
    vg_stun_message m;
    static const uint8_t bad[][12] = {
        {0x00, 0x24, 0x00, 0x03, 1, 2, 3, 0},             /* PRIORITY, 3 bytes */
        {0x00, 0x25, 0x00, 0x04, 1, 2, 3, 4},             /* USE-CANDIDATE with a value */
        {0x80, 0x2a, 0x00, 0x04, 1, 2, 3, 4},             /* ICE-CONTROLLING, 4 bytes */
        {0x00, 0x08, 0x00, 0x04, 1, 2, 3, 4},             /* MESSAGE-INTEGRITY, 4 bytes */
        {0x80, 0x28, 0x00, 0x00},                         /* FINGERPRINT, empty */
        {0x00, 0x20, 0x00, 0x08, 0, 3, 0, 0, 1, 2, 3, 4}, /* XOR-MAPPED, family 3 */
        {0x00, 0x20, 0x00, 0x08, 0, 2, 0, 0, 1, 2, 3, 4}, /* IPv6 in 8 bytes */
        {0x00, 0x09, 0x00, 0x04, 0, 0, 7, 0},             /* ERROR-CODE class 7 */
        {0x00, 0x09, 0x00, 0x04, 0, 0, 4, 100},           /* ERROR-CODE number 100 */
        {0x00, 0x7f, 0x00, 0x00},                         /* unknown, required */
    };
    static const size_t bad_len[] = {8, 8, 8, 8, 4, 12, 12, 8, 8, 4};
    for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
        size_t n = raw_message(buf, bad[i], bad_len[i], 0);
        CHECK_INT_EQ(vg_stun_parse(buf, n, &m), VG_ESYNTAX);
    }
    /* Unknown comprehension-optional attributes are skipped. */
    static const uint8_t optional[] = {0xc0, 0x57, 0x00, 0x04, 0, 1, 0, 10}; /* GOOG-NETWORK-INFO */
    size_t n = raw_message(buf, optional, sizeof(optional), 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), 0);
    /* Only the first of a repeated attribute counts (section 14). */
    static const uint8_t twice[] = {0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1,
                                    0x00, 0x24, 0x00, 0x04, 0, 0, 0, 2};
    n = raw_message(buf, twice, sizeof(twice), 0);
    CHECK_INT_EQ(vg_stun_parse(buf, n, &m), 0);
    CHECK_INT_EQ(m.priority, 1);
}

static void test_bad_fingerprint(void)
{
    uint8_t buf[sizeof(sample_request)];
    vg_stun_message m;
    memcpy(buf, sample_request, sizeof(buf));
    buf[sizeof(buf) - 1] ^= 0x01;
    CHECK_INT_EQ(vg_stun_parse(buf, sizeof(buf), &m), VG_ESYNTAX);
    /*
     * Any other byte changed breaks the CRC too. (FINGERPRINT's own header
     * is left alone: 0x8028 changed is an unknown optional attribute.)
     */
    for (size_t i = VG_STUN_HEADER_LEN; i < sizeof(buf) - 8; i++) {
        memcpy(buf, sample_request, sizeof(buf));
        buf[i] ^= 0x40;
        CHECK_INT_EQ(vg_stun_parse(buf, sizeof(buf), &m), VG_ESYNTAX);
    }
    /* Section 14.7: nothing may follow FINGERPRINT. */
    uint8_t longer[sizeof(sample_request) + 8];
    memcpy(longer, sample_request, sizeof(sample_request));
    memcpy(longer + sizeof(sample_request), "\x00\x25\x00\x00\x00\x25\x00\x00", 8);
    longer[3] += 8;
    CHECK_INT_EQ(vg_stun_parse(longer, sizeof(longer), &m), VG_ESYNTAX);
}

/* A message whose FINGERPRINT is right but whose MESSAGE-INTEGRITY is not. */
static void test_integrity_failures(void)
{
    uint8_t buf[sizeof(sample_request)];
    vg_stun_message m;
    memcpy(buf, sample_request, sizeof(buf));
    size_t user = find_attribute(buf, sizeof(buf), 0x0006);
    buf[user + 4] = 'E'; /* "Evtj:h6vY" */
    refresh_fingerprint(buf, sizeof(buf));
    CHECK_INT_EQ(vg_stun_parse(buf, sizeof(buf), &m), 0);
    CHECK(m.has_integrity);
    CHECK(!vg_stun_check_integrity(buf, sizeof(buf), &m, key(), key_len()));

    /* The MAC itself altered. */
    memcpy(buf, sample_request, sizeof(buf));
    size_t mi = find_attribute(buf, sizeof(buf), 0x0008);
    buf[mi + 4 + 19] ^= 0x80;
    refresh_fingerprint(buf, sizeof(buf));
    CHECK_INT_EQ(vg_stun_parse(buf, sizeof(buf), &m), 0);
    CHECK(!vg_stun_check_integrity(buf, sizeof(buf), &m, key(), key_len()));

    /* No MESSAGE-INTEGRITY at all. */
    uint8_t header[VG_STUN_HEADER_LEN];
    raw_message(header, NULL, 0, 0);
    CHECK_INT_EQ(vg_stun_parse(header, sizeof(header), &m), 0);
    CHECK(!vg_stun_check_integrity(header, sizeof(header), &m, key(), key_len()));

    /* A message struct that does not belong to the buffer is refused, not read past. */
    CHECK_INT_EQ(vg_stun_parse(sample_request, sizeof(sample_request), &m), 0);
    CHECK(!vg_stun_check_integrity(header, sizeof(header), &m, key(), key_len()));
}

/* Section 14.5: what follows MESSAGE-INTEGRITY, FINGERPRINT aside, is ignored. */
static void test_after_integrity_ignored(void)
{
    uint8_t out[VG_STUN_MAX_MESSAGE];
    vg_stun_message m;
    /* The RFC's request with USE-CANDIDATE and an unknown required attribute after MI. */
    size_t mi = find_attribute(sample_request, sizeof(sample_request), 0x0008);
    size_t at = mi + 24;
    memcpy(out, sample_request, at);
    memcpy(out + at, "\x00\x25\x00\x00\x00\x7f\x00\x00", 8);
    memcpy(out + at + 8, sample_request + at, 8); /* FINGERPRINT */
    size_t n = sizeof(sample_request) + 8;
    out[3] += 8;
    refresh_fingerprint(out, n);
    CHECK_INT_EQ(vg_stun_parse(out, n, &m), 0);
    CHECK(!m.use_candidate);
    /* The MAC covers what precedes it only, so it still checks. */
    CHECK(vg_stun_check_integrity(out, n, &m, key(), key_len()));
}

int main(void)
{
    VG_TEST_RUN(test_hmac_sha1_rfc2202);
    VG_TEST_RUN(test_rfc5769_request);
    VG_TEST_RUN(test_rfc5769_ipv4_response);
    VG_TEST_RUN(test_rfc5769_ipv6_response);
    VG_TEST_RUN(test_xor_mapped_address_matches_rfc5769);
    VG_TEST_RUN(test_success_round_trip);
    VG_TEST_RUN(test_error_round_trip);
    VG_TEST_RUN(test_request_round_trip);
    VG_TEST_RUN(test_writers_respect_capacity);
    VG_TEST_RUN(test_is_message);
    VG_TEST_RUN(test_truncated_and_garbage);
    VG_TEST_RUN(test_attribute_past_the_end);
    VG_TEST_RUN(test_attribute_rules);
    VG_TEST_RUN(test_bad_fingerprint);
    VG_TEST_RUN(test_integrity_failures);
    VG_TEST_RUN(test_after_integrity_ignored);
    return vg_test_done();
}
