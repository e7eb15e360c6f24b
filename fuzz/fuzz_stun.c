/*
 * fuzz_stun.c: webrtc/stun.c's parser against arbitrary datagrams, and its
 * writers against what the parser accepted.
 *
 * Beyond "no crash, no overread", it checks:
 *   - a parsed message passed vg_stun_is_message(), and its views lie inside
 *     the input; ERROR-CODE is 300-699; a mapped address is IPv4 or IPv6;
 *   - vg_stun_check_integrity() with a fixed key never reads out of bounds
 *     (and, the key being secret to the fuzzer, never succeeds on input it
 *     did not sign);
 *   - what the writers build from the parsed values (txid, username,
 *     priority, tiebreaker, mapped address, error code) parses back to the
 *     same values and authenticates with the key.
 * A CRC-32 is beyond what the fuzzer can guess, so the input is also
 * parsed as the attributes of a message whose header and FINGERPRINT are
 * made right here: that reaches every attribute before FINGERPRINT.
 */
#include "core/error.h"
#include "webrtc/stun.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t key[] = "fuzz-password-0123456789";
#define KEY_LEN (sizeof(key) - 1)

static void check(int ok)
{
    if (!ok)
        abort();
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* The writers, fed from a parsed message: each output parses back to what went in. */
static void round_trip(const vg_stun_message *in)
{
    uint8_t out[1024];
    vg_stun_message back;

    if (in->has_mapped_address) {
        size_t n = vg_stun_write_binding_success(out, VG_STUN_MAX_MESSAGE, in->txid,
                                                 (const struct sockaddr *)&in->mapped_address, key,
                                                 KEY_LEN);
        check(n > 0 && n <= VG_STUN_MAX_MESSAGE);
        check(vg_stun_parse(out, n, &back) == 0);
        check(back.type == VG_STUN_BINDING_SUCCESS && back.has_fingerprint);
        check(memcmp(back.txid, in->txid, VG_STUN_TXID_LEN) == 0);
        check(same_address(&back.mapped_address, &in->mapped_address));
        check(vg_stun_check_integrity(out, n, &back, key, KEY_LEN));
    }

    if (in->error_code) {
        size_t n = vg_stun_write_binding_error(out, VG_STUN_MAX_MESSAGE, in->txid, in->error_code,
                                               in->has_integrity ? key : NULL, KEY_LEN);
        check(n > 0);
        check(vg_stun_parse(out, n, &back) == 0);
        check(back.error_code == in->error_code && back.has_integrity == in->has_integrity);
        check(!in->has_integrity || vg_stun_check_integrity(out, n, &back, key, KEY_LEN));
    }

    if (in->username) {
        /* The writer takes a C string: the username up to its first NUL. */
        char name[VG_STUN_USERNAME_MAX];
        size_t len = strnlen((const char *)in->username, in->username_len);
        memcpy(name, in->username, len);
        name[len] = '\0';
        size_t n = vg_stun_write_binding_request(out, sizeof(out), in->txid, name, in->priority,
                                                 in->use_candidate, in->tiebreaker, key, KEY_LEN);
        check(n > 0);
        check(vg_stun_parse(out, n, &back) == 0);
        check(back.type == VG_STUN_BINDING_REQUEST);
        check(back.username_len == len && memcmp(back.username, name, len) == 0);
        check(back.has_priority && back.priority == in->priority);
        check(back.ice_controlling && back.tiebreaker == in->tiebreaker);
        check(back.use_candidate == in->use_candidate);
        check(vg_stun_check_integrity(out, n, &back, key, KEY_LEN));
    }
}

static void fuzz_datagram(const uint8_t *data, size_t size)
{
    vg_stun_message m;
    bool is_stun = vg_stun_is_message(data, size);
    int err = vg_stun_parse(data, size, &m);
    check(err == 0 || err == VG_ESYNTAX);
    if (err < 0)
        return;
    check(is_stun);
    if (m.username) {
        check(m.username >= data + VG_STUN_HEADER_LEN);
        check(m.username_len < VG_STUN_USERNAME_MAX);
        check((size_t)(m.username - data) + m.username_len <= size);
    }
    check(m.error_code == 0 || (m.error_code >= 300 && m.error_code <= 699));
    check(!m.has_mapped_address || m.mapped_address.ss_family == AF_INET ||
          m.mapped_address.ss_family == AF_INET6);
    bool ok = vg_stun_check_integrity(data, size, &m, key, KEY_LEN);
    check(!ok || m.has_integrity);
    /* The same message with the key off by one byte cannot pass as well. */
    uint8_t other[KEY_LEN];
    memcpy(other, key, KEY_LEN);
    other[0] ^= 1;
    check(!(ok && vg_stun_check_integrity(data, size, &m, other, KEY_LEN)));
    round_trip(&m);
}

/* The input as the attributes of a message with a good header and FINGERPRINT. */
static void fuzz_attributes(const uint8_t *data, size_t size)
{
    static uint8_t msg[VG_STUN_HEADER_LEN + 0xFFFF];
    size_t body = (size + 3) & ~(size_t)3;
    if (body + 8 > 0xFFFF)
        return;
    static const uint8_t header[VG_STUN_HEADER_LEN] = {
        0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    memcpy(msg, header, VG_STUN_HEADER_LEN);
    memset(msg + VG_STUN_HEADER_LEN, 0, body);
    if (size)
        memcpy(msg + VG_STUN_HEADER_LEN, data, size);
    size_t len = VG_STUN_HEADER_LEN + body + 8;
    msg[2] = (uint8_t)((len - VG_STUN_HEADER_LEN) >> 8);
    msg[3] = (uint8_t)(len - VG_STUN_HEADER_LEN);
    uint8_t *fp = msg + VG_STUN_HEADER_LEN + body;
    uint32_t crc = (uint32_t)crc32(0L, msg, (uInt)(fp - msg)) ^ 0x5354554Eu;
    fp[0] = 0x80, fp[1] = 0x28, fp[2] = 0, fp[3] = 4;
    fp[4] = (uint8_t)(crc >> 24), fp[5] = (uint8_t)(crc >> 16);
    fp[6] = (uint8_t)(crc >> 8), fp[7] = (uint8_t)crc;
    /* (The last attribute of the input may swallow that FINGERPRINT as its value.) */
    fuzz_datagram(msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > VG_STUN_HEADER_LEN + 0xFFFF)
        return 0;
    fuzz_datagram(data, size);
    fuzz_attributes(data, size);
    return 0;
}
