/*
 * Unit tests for webrtc/srtp.c: round trips for both profiles, what the
 * receiver must refuse (a changed byte, a replay, a wrong key), the
 * sender's retransmissions, the replay window, SRTCP, and buffer room.
 * test_dtls.c runs the same with keys from a real handshake.
 */
#include "webrtc/srtp.h"

#include "core/error.h"
#include "vg_test.h"

#define BUF_SIZE 1500

static const vg_srtp_profile profiles[] = {VG_SRTP_AES128_CM_SHA1_80, VG_SRTP_AEAD_AES_128_GCM};

static const uint8_t key_a[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                  0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t salt_a[14] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6,
                                   0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static const uint8_t key_b[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* RFC 3550 section 5.1: V=2, PT 96, then `payload_len` bytes of a pattern. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload_len)
{
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    uint32_t ts = seq * 3000u;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload_len; i++)
        buf[12 + i] = (uint8_t)(i * 13 + seq);
    return 12 + payload_len;
}

/* RFC 3550 section 6.4.1: a sender report without report blocks, 28 bytes. */
static size_t make_rtcp_sr(uint8_t *buf, uint32_t ssrc)
{
    memset(buf, 0, 28);
    buf[0] = 0x80;
    buf[1] = 200;
    buf[3] = 6; /* length in 32-bit words minus one */
    for (int i = 0; i < 4; i++)
        buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    for (int i = 8; i < 28; i++)
        buf[i] = (uint8_t)i;
    return 28;
}

static size_t tag_len(vg_srtp_profile p)
{
    return p == VG_SRTP_AEAD_AES_128_GCM ? 16 : 10;
}

typedef struct pair {
    vg_srtp *out, *in;
} pair;

static pair pair_new(vg_srtp_profile profile)
{
    pair p = {vg_srtp_create(profile, key_a, salt_a, true),
              vg_srtp_create(profile, key_a, salt_a, false)};
    CHECK(p.out && p.in);
    return p;
}

static void pair_free(pair p)
{
    vg_srtp_destroy(p.out);
    vg_srtp_destroy(p.in);
}

/* Protects RTP seq into `buf` (plaintext into `plain` if not NULL); returns the SRTP length. */
static size_t protect_seq(vg_srtp *out, uint16_t seq, uint32_t ssrc, uint8_t *buf, uint8_t *plain)
{
    size_t len = make_rtp(buf, seq, ssrc, 100);
    if (plain)
        memcpy(plain, buf, len);
    CHECK_INT_EQ(vg_srtp_protect_rtp(out, buf, &len, BUF_SIZE), 0);
    return len;
}

static void test_lengths(void)
{
    CHECK_INT_EQ(vg_srtp_key_len(VG_SRTP_AES128_CM_SHA1_80), 16);
    CHECK_INT_EQ(vg_srtp_salt_len(VG_SRTP_AES128_CM_SHA1_80), 14);
    CHECK_INT_EQ(vg_srtp_key_len(VG_SRTP_AEAD_AES_128_GCM), 16);
    CHECK_INT_EQ(vg_srtp_salt_len(VG_SRTP_AEAD_AES_128_GCM), 12);
    CHECK_INT_EQ(vg_srtp_key_len((vg_srtp_profile)99), 0);
    CHECK(vg_srtp_create((vg_srtp_profile)99, key_a, salt_a, true) == NULL);
    vg_srtp_destroy(NULL);
}

static void test_round_trip(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        vg_srtp_profile prof = profiles[i];
        pair p = pair_new(prof);
        for (uint16_t seq = 65530; seq != 10; seq++) { /* across a rollover (RFC 3711 3.3.1) */
            uint8_t buf[BUF_SIZE], plain[BUF_SIZE];
            size_t len = protect_seq(p.out, seq, 0xcafe, buf, plain);
            CHECK_INT_EQ(len, 112 + tag_len(prof));
            CHECK(memcmp(buf, plain, 12) == 0);       /* the header stays clear */
            CHECK(memcmp(buf + 12, plain + 12, 100)); /* the payload does not */
            CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, buf, &len), 0);
            CHECK_INT_EQ(len, 112);
            CHECK(memcmp(buf, plain, 112) == 0);
        }
        /* A second SSRC on the same context gets its own stream. */
        uint8_t buf[BUF_SIZE];
        size_t len = protect_seq(p.out, 1, 0xbeef, buf, NULL);
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, buf, &len), 0);
        pair_free(p);
    }
}

static void test_tampered_and_wrong_key(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        vg_srtp_profile prof = profiles[i];
        pair p = pair_new(prof);
        uint8_t buf[BUF_SIZE], copy[BUF_SIZE], plain[BUF_SIZE];
        size_t len = protect_seq(p.out, 1, 0xcafe, buf, plain);

        /* One changed bit anywhere (header, payload, tag) fails authentication. */
        size_t positions[] = {1, 11, 12, 60, len - 1};
        for (size_t j = 0; j < sizeof(positions) / sizeof(positions[0]); j++) {
            memcpy(copy, buf, len);
            copy[positions[j]] ^= 0x01;
            size_t l = len;
            CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, copy, &l), VG_EIO);
        }
        /* Cut short, or shorter than a header. */
        memcpy(copy, buf, len);
        size_t l = len - 1;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, copy, &l), VG_EIO);
        l = 5;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, copy, &l), VG_EIO);

        /* A receiver with another key refuses it. */
        vg_srtp *other = vg_srtp_create(prof, key_b, salt_a, false);
        memcpy(copy, buf, len);
        l = len;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(other, copy, &l), VG_EIO);
        vg_srtp_destroy(other);

        /* The failures did not poison the stream: the real packet still passes. */
        l = len;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, buf, &l), 0);
        CHECK(l == 112 && memcmp(buf, plain, l) == 0);
        pair_free(p);
    }
}

/* RFC 3711 section 3.3.2: a packet seen before is refused. */
static void test_replay(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        pair p = pair_new(profiles[i]);
        uint8_t buf[BUF_SIZE], copy[BUF_SIZE];
        size_t len = protect_seq(p.out, 7, 0xcafe, buf, NULL);
        memcpy(copy, buf, len);
        size_t l = len;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, buf, &l), 0);
        l = len;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, copy, &l), VG_EIO);
        pair_free(p);
    }
}

/* Reordering within the window passes; older than the window does not. */
static void test_replay_window(void)
{
    pair p = pair_new(VG_SRTP_AES128_CM_SHA1_80);
    static uint8_t packets[1100][128];
    static size_t lens[1100];
    for (uint16_t seq = 0; seq < 1100; seq++) {
        uint8_t buf[BUF_SIZE];
        lens[seq] = protect_seq(p.out, seq, 0xcafe, buf, NULL);
        memcpy(packets[seq], buf, lens[seq]);
    }
    size_t l = lens[1099];
    CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, packets[1099], &l), 0);
    l = lens[1090];
    CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, packets[1090], &l), 0);
    l = lens[100]; /* 999 behind: inside a 1024 window */
    CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, packets[100], &l), 0);
    l = lens[50]; /* 1049 behind */
    CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, packets[50], &l), VG_EIO);
    pair_free(p);
}

/* A sender may protect the same sequence number again (a retransmission). */
static void test_retransmission(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        pair p = pair_new(profiles[i]);
        uint8_t first[BUF_SIZE], again[BUF_SIZE];
        size_t len1 = protect_seq(p.out, 1, 0xcafe, first, NULL);
        protect_seq(p.out, 2, 0xcafe, again, NULL);
        size_t len2 = protect_seq(p.out, 1, 0xcafe, again, NULL);
        CHECK(len1 == len2 && memcmp(first, again, len1) == 0);
        /* The receiver takes it once. */
        size_t l = len1;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, first, &l), 0);
        l = len2;
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(p.in, again, &l), VG_EIO);
        pair_free(p);
    }
}

static void test_rtcp(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        vg_srtp_profile prof = profiles[i];
        pair p = pair_new(prof);
        for (int round = 0; round < 3; round++) {
            uint8_t buf[BUF_SIZE], plain[BUF_SIZE], copy[BUF_SIZE];
            size_t len = make_rtcp_sr(buf, 0xcafe);
            memcpy(plain, buf, len);
            CHECK_INT_EQ(vg_srtp_protect_rtcp(p.out, buf, &len, BUF_SIZE), 0);
            /* RFC 3711 section 3.4: E flag and SRTCP index, then the tag. */
            CHECK_INT_EQ(len, 28 + 4 + tag_len(prof));
            memcpy(copy, buf, len);
            copy[20] ^= 0x80;
            size_t l = len;
            CHECK_INT_EQ(vg_srtp_unprotect_rtcp(p.in, copy, &l), VG_EIO);
            memcpy(copy, buf, len);
            CHECK_INT_EQ(vg_srtp_unprotect_rtcp(p.in, buf, &len), 0);
            CHECK(len == 28 && memcmp(buf, plain, 28) == 0);
            l = 28 + 4 + tag_len(prof);
            CHECK_INT_EQ(vg_srtp_unprotect_rtcp(p.in, copy, &l), VG_EIO); /* replay */
        }
        pair_free(p);
    }
}

/* Too little room: refused before libsrtp writes past the buffer; the packet is untouched. */
static void test_room(void)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        vg_srtp_profile prof = profiles[i];
        pair p = pair_new(prof);
        uint8_t plain[BUF_SIZE];
        size_t plain_len = make_rtp(plain, 1, 0xcafe, 100);

        /* Exactly enough, on the heap so that ASan sees a byte too many. */
        size_t cap = plain_len + tag_len(prof);
        uint8_t *buf = malloc(cap);
        memcpy(buf, plain, plain_len);
        size_t len = plain_len;
        CHECK_INT_EQ(vg_srtp_protect_rtp(p.out, buf, &len, cap), 0);
        CHECK_INT_EQ(len, cap);
        free(buf);

        buf = malloc(cap - 1);
        len = make_rtp(buf, 2, 0xcafe, 100);
        CHECK_INT_EQ(vg_srtp_protect_rtp(p.out, buf, &len, cap - 1), VG_ERANGE);
        CHECK_INT_EQ(len, plain_len);
        free(buf);

        size_t rtcp_len = make_rtcp_sr(plain, 0xcafe);
        cap = rtcp_len + 4 + tag_len(prof);
        buf = malloc(cap);
        memcpy(buf, plain, rtcp_len);
        len = rtcp_len;
        CHECK_INT_EQ(vg_srtp_protect_rtcp(p.out, buf, &len, cap), 0);
        CHECK_INT_EQ(len, cap);
        len = rtcp_len;
        memcpy(buf, plain, rtcp_len);
        CHECK_INT_EQ(vg_srtp_protect_rtcp(p.out, buf, &len, cap - 1), VG_ERANGE);
        free(buf);
        pair_free(p);
    }
}

int main(void)
{
    VG_TEST_RUN(test_lengths);
    VG_TEST_RUN(test_round_trip);
    VG_TEST_RUN(test_tampered_and_wrong_key);
    VG_TEST_RUN(test_replay);
    VG_TEST_RUN(test_replay_window);
    VG_TEST_RUN(test_retransmission);
    VG_TEST_RUN(test_rtcp);
    VG_TEST_RUN(test_room);
    return vg_test_done();
}
