/*
 * Unit tests for webrtc/rtcp.c: compound packets as browsers send them
 * (RR + feedback, SR + SDES), each feedback message, every length that can
 * lie, and the writers through the parser.
 */
#include "webrtc/rtcp.h"

#include "core/error.h"
#include "vg_test.h"

/* RFC 3550 section 6.4.1: SR with one report block (RC=1), length 12 words. */
#define SR_ONE_BLOCK                                                                               \
    0x81, 200, 0x00, 0x0c,                              /* V=2 RC=1 PT=SR length=12 */             \
        0x11, 0x22, 0x33, 0x44,                         /* sender SSRC */                          \
        0xe8, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, /* NTP timestamp */                        \
        0x00, 0x01, 0x00, 0x00,                         /* RTP timestamp */                        \
        0x00, 0x00, 0x00, 0x10,                         /* packet count */                         \
        0x00, 0x00, 0x10, 0x00,                         /* octet count */                          \
        0xca, 0xfe, 0xba, 0xbe,                         /* block: SSRC */                          \
        0x40, 0xff, 0xff, 0xfe,                         /* fraction 64, cumulative -2 */           \
        0x00, 0x02, 0x12, 0x34,                         /* extended highest seq */                 \
        0x00, 0x00, 0x00, 0x2a,                         /* jitter */                               \
        0x12, 0x34, 0x56, 0x78,                         /* LSR */                                  \
        0x00, 0x01, 0x80, 0x00                          /* DLSR 1.5 s */

/* SDES, one chunk, CNAME "abcd" (section 6.5): 4 + 4 + 2 + 4 + null, padded to 16. */
#define SDES_CNAME_ABCD                                                                            \
    0x81, 202, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x00

static void test_is_rtcp(void)
{
    static const uint8_t sr[] = {0x80, 200, 0, 6};
    static const uint8_t rtp_vp8[] = {0x80, 96, 0, 1};
    static const uint8_t rtp_marker[] = {0x80, 0x80 | 96, 0, 1};
    CHECK(vg_rtcp_is_rtcp(sr, sizeof(sr)));
    CHECK(!vg_rtcp_is_rtcp(rtp_vp8, sizeof(rtp_vp8)));
    CHECK(!vg_rtcp_is_rtcp(rtp_marker, sizeof(rtp_marker)));
    CHECK(!vg_rtcp_is_rtcp(sr, 1));
    static const uint8_t edges[][2] = {{0x80, 191}, {0x80, 192}, {0x80, 223}, {0x80, 224}};
    CHECK(!vg_rtcp_is_rtcp(edges[0], 2));
    CHECK(vg_rtcp_is_rtcp(edges[1], 2));
    CHECK(vg_rtcp_is_rtcp(edges[2], 2));
    CHECK(!vg_rtcp_is_rtcp(edges[3], 2));
}

static void test_sr_and_sdes(void)
{
    static const uint8_t pkt[] = {SR_ONE_BLOCK, SDES_CNAME_ABCD};
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK_INT_EQ(info.packets, 2);
    CHECK_INT_EQ(info.report_count, 1);
    const vg_rtcp_report_block *b = &info.reports[0];
    CHECK(b->ssrc == 0xcafebabe);
    CHECK_INT_EQ(b->fraction_lost, 64);
    CHECK_INT_EQ(b->cumulative_lost, -2);
    CHECK_INT_EQ(b->highest_seq, 0x00021234);
    CHECK_INT_EQ(b->jitter, 42);
    CHECK_INT_EQ(b->last_sr, 0x12345678);
    CHECK_INT_EQ(b->delay_last_sr, 0x18000);
    CHECK(!info.has_bye && !info.has_remb && info.nack_count == 0 && info.key_request_count == 0);
}

static void test_rr_with_blocks(void)
{
    static const uint8_t pkt[] = {
        0x82, 201,  0x00, 0x0d, 0x01, 0x02, 0x03, 0x04, /* RR, RC=2, 13 words */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 9,
        0,    0,    0,    1,    0,    0,    0,    0,    0, 0, 0, 0,
        0x00, 0x00, 0x00, 0x02, 0xff, 0x7f, 0xff, 0xff, 0, 0, 0, 8,
        0,    0,    0,    2,    0,    0,    0,    0,    0, 0, 0, 0,
    };
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK_INT_EQ(info.report_count, 2);
    CHECK_INT_EQ(info.reports[0].ssrc, 1);
    CHECK_INT_EQ(info.reports[0].cumulative_lost, 5);
    CHECK_INT_EQ(info.reports[0].highest_seq, 9);
    CHECK_INT_EQ(info.reports[1].ssrc, 2);
    CHECK_INT_EQ(info.reports[1].fraction_lost, 255);
    CHECK_INT_EQ(info.reports[1].cumulative_lost, 0x7fffff); /* the largest positive */
    CHECK_INT_EQ(info.reports[1].jitter, 2);

    /* An RR with RC=1 and no room for the block. */
    static const uint8_t short_rr[] = {0x81, 201, 0x00, 0x01, 1, 2, 3, 4};
    CHECK_INT_EQ(vg_rtcp_parse(short_rr, sizeof(short_rr), &info), VG_ESYNTAX);
    CHECK_INT_EQ(info.report_count, 0);
}

static void test_nack_blp_expansion(void)
{
    static const uint8_t pkt[] = {
        0x80, 201,  0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* RR, no blocks */
        0x81, 205,  0x00, 0x04,                         /* RTPFB FMT=1, 4 words */
        0x00, 0x00, 0x00, 0x01,                         /* sender */
        0xaa, 0xbb, 0xcc, 0xdd,                         /* media */
        0x00, 0x64, 0x80, 0x05,                         /* PID 100, BLP bits 0, 2, 15 */
        0xff, 0xff, 0x00, 0x01,                         /* PID 65535, BLP bit 0: wraps to 0 */
    };
    static const uint16_t expect[] = {100, 101, 103, 116, 65535, 0};
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK_INT_EQ(info.packets, 2);
    CHECK_INT_EQ(info.nack_count, 6);
    CHECK(!info.nacks_truncated);
    for (size_t i = 0; i < 6 && i < info.nack_count; i++) {
        CHECK_INT_EQ(info.nacks[i].seq, expect[i]);
        CHECK(info.nacks[i].media_ssrc == 0xaabbccdd);
    }

    /* RFC 4585 section 6.2.1: at least one item; items are 4 bytes. */
    static const uint8_t empty[] = {0x81, 205, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    CHECK_INT_EQ(vg_rtcp_parse(empty, sizeof(empty), &info), VG_ESYNTAX);
    static const uint8_t odd[] = {0xa1, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 2};
    CHECK_INT_EQ(vg_rtcp_parse(odd, sizeof(odd), &info), VG_ESYNTAX); /* 2 bytes padding */

    /* Transport-wide CC (RTPFB FMT=15) is skipped, not an error. */
    static const uint8_t twcc[] = {0x8f, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4};
    CHECK_INT_EQ(vg_rtcp_parse(twcc, sizeof(twcc), &info), 0);
    CHECK_INT_EQ(info.nack_count, 0);
}

static void test_nack_truncated(void)
{
    /* 20 items with every BLP bit: 340 sequence numbers, more than kept. */
    uint8_t pkt[12 + 20 * 4];
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x81;
    pkt[1] = 205;
    pkt[3] = (uint8_t)(sizeof(pkt) / 4 - 1);
    for (size_t i = 0; i < 20; i++) {
        uint16_t pid = (uint16_t)(i * 17);
        pkt[12 + 4 * i] = (uint8_t)(pid >> 8);
        pkt[12 + 4 * i + 1] = (uint8_t)pid;
        pkt[12 + 4 * i + 2] = 0xff;
        pkt[12 + 4 * i + 3] = 0xff;
    }
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK_INT_EQ(info.nack_count, VG_RTCP_MAX_NACKS);
    CHECK(info.nacks_truncated);
    for (size_t i = 0; i < info.nack_count; i++)
        CHECK_INT_EQ(info.nacks[i].seq, i);
}

static void test_pli_and_fir(void)
{
    static const uint8_t pkt[] = {
        0x80, 201, 0x00, 0x01, 0, 0, 0, 1,             /* RR */
        0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 7, /* PLI for 7 */
        0x84, 206, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, /* FIR: media SSRC unused */
        0,    0,   0,    9,    3, 0, 0, 0,             /* for 9, seq 3 */
        0,    0,   0,    7,    4, 0, 0, 0,             /* for 7 again, seq 4 */
    };
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK_INT_EQ(info.packets, 3);
    /* One key frame answers both requests for 7. */
    CHECK_INT_EQ(info.key_request_count, 2);
    CHECK_INT_EQ(info.key_request_ssrcs[0], 7);
    CHECK_INT_EQ(info.key_request_ssrcs[1], 9);

    /* RFC 4585 section 6.3.1: a PLI's length is 2. */
    static const uint8_t long_pli[] = {0x81, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0};
    CHECK_INT_EQ(vg_rtcp_parse(long_pli, sizeof(long_pli), &info), VG_ESYNTAX);
    CHECK_INT_EQ(info.key_request_count, 0);
    /* A FIR entry is 8 bytes. */
    static const uint8_t short_fir[] = {0x84, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9};
    CHECK_INT_EQ(vg_rtcp_parse(short_fir, sizeof(short_fir), &info), VG_ESYNTAX);
    /* A feedback message without its two SSRCs. */
    static const uint8_t bare[] = {0x81, 206, 0x00, 0x01, 0, 0, 0, 1};
    CHECK_INT_EQ(vg_rtcp_parse(bare, sizeof(bare), &info), VG_ESYNTAX);
}

static void test_remb(void)
{
    /* draft-alvestrand-rmcat-remb: exp 4, mantissa 0x2faf0 (195312): 3124992 bit/s, one SSRC. */
    static const uint8_t pkt[] = {
        0x8f, 206, 0x00, 0x05, 0,    0,    0,    1,    0, 0, 0, 0,
        'R',  'E', 'M',  'B',  0x01, 0x12, 0xfa, 0xf0, 0, 0, 0, 7,
    };
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK(info.has_remb);
    CHECK(info.remb_bitrate_bps == (uint64_t)0x2faf0 << 4);

    /* The largest value that fits, and one that does not: saturated. */
    uint8_t big[sizeof(pkt)];
    memcpy(big, pkt, sizeof(pkt));
    big[17] = (46 << 2) | 0x03;
    big[18] = big[19] = 0xff;
    CHECK_INT_EQ(vg_rtcp_parse(big, sizeof(big), &info), 0);
    CHECK(info.remb_bitrate_bps == (uint64_t)0x3ffff << 46);
    big[17] = (47 << 2) | 0x03;
    CHECK_INT_EQ(vg_rtcp_parse(big, sizeof(big), &info), 0);
    CHECK(info.remb_bitrate_bps == UINT64_MAX);
    big[17] = 63 << 2; /* mantissa 0xffff: still too big */
    CHECK_INT_EQ(vg_rtcp_parse(big, sizeof(big), &info), 0);
    CHECK(info.remb_bitrate_bps == UINT64_MAX);
    big[17] = 63 << 2; /* mantissa 0 is 0 at any exponent */
    big[18] = big[19] = 0;
    CHECK_INT_EQ(vg_rtcp_parse(big, sizeof(big), &info), 0);
    CHECK(info.has_remb && info.remb_bitrate_bps == 0);

    /* Num SSRC says 2, one is there. */
    uint8_t lying[sizeof(pkt)];
    memcpy(lying, pkt, sizeof(pkt));
    lying[16] = 2;
    CHECK_INT_EQ(vg_rtcp_parse(lying, sizeof(lying), &info), VG_ESYNTAX);
    CHECK(!info.has_remb);

    /* Application-layer feedback that is not REMB is skipped. */
    uint8_t other[sizeof(pkt)];
    memcpy(other, pkt, sizeof(pkt));
    other[12] = 'X';
    CHECK_INT_EQ(vg_rtcp_parse(other, sizeof(other), &info), 0);
    CHECK(!info.has_remb);
}

static void test_bye(void)
{
    static const uint8_t pkt[] = {0x81, 203, 0x00, 0x03, 0,   0, 0, 5,
                                  4,    'd', 'o',  'n',  'e', 0, 0, 0};
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    CHECK(info.has_bye);
    /* A reason longer than the packet. */
    uint8_t bad[sizeof(pkt)];
    memcpy(bad, pkt, sizeof(pkt));
    bad[8] = 8;
    CHECK_INT_EQ(vg_rtcp_parse(bad, sizeof(bad), &info), VG_ESYNTAX);
    CHECK(!info.has_bye);
    /* SC=2 with one SSRC. */
    static const uint8_t few[] = {0x82, 203, 0x00, 0x01, 0, 0, 0, 5};
    CHECK_INT_EQ(vg_rtcp_parse(few, sizeof(few), &info), VG_ESYNTAX);
}

static void test_sdes_malformed(void)
{
    static const uint8_t good[] = {SDES_CNAME_ABCD};
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(good, sizeof(good), &info), 0);
    /* An item longer than the chunk. */
    uint8_t bad[sizeof(good)];
    memcpy(bad, good, sizeof(good));
    bad[9] = 6;
    CHECK_INT_EQ(vg_rtcp_parse(bad, sizeof(bad), &info), VG_ESYNTAX);
    /* No null item to end the list. */
    memcpy(bad, good, sizeof(good));
    bad[9] = 5;
    bad[15] = 'x';
    CHECK_INT_EQ(vg_rtcp_parse(bad, sizeof(bad), &info), VG_ESYNTAX);
    /* SC=2 with one chunk. */
    memcpy(bad, good, sizeof(good));
    bad[0] = 0x82;
    CHECK_INT_EQ(vg_rtcp_parse(bad, sizeof(bad), &info), VG_ESYNTAX);
}

static void test_malformed(void)
{
    vg_rtcp_info info;
    static const uint8_t rr[] = {0x80, 201, 0x00, 0x01, 0, 0, 0, 1};
    CHECK_INT_EQ(vg_rtcp_parse(rr, 0, &info), VG_ESYNTAX);
    for (size_t len = 1; len < sizeof(rr); len++)
        CHECK_INT_EQ(vg_rtcp_parse(rr, len, &info), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtcp_parse(rr, sizeof(rr), &info), 0);

    uint8_t p[16];
    /* Version 1. */
    memcpy(p, rr, 8);
    p[0] = 0x40;
    CHECK_INT_EQ(vg_rtcp_parse(p, 8, &info), VG_ESYNTAX);
    /* A length past the end. */
    memcpy(p, rr, 8);
    p[3] = 2;
    CHECK_INT_EQ(vg_rtcp_parse(p, 8, &info), VG_ESYNTAX);
    p[2] = 0xff;
    CHECK_INT_EQ(vg_rtcp_parse(p, 8, &info), VG_ESYNTAX);
    /* Padding: a count of 0, one that eats the header, and one that fits. */
    memcpy(p, rr, 8);
    memcpy(p + 8, "\0\0\0\0", 4);
    p[0] = 0xa0;
    p[3] = 2;
    CHECK_INT_EQ(vg_rtcp_parse(p, 12, &info), VG_ESYNTAX);
    p[11] = 9;
    CHECK_INT_EQ(vg_rtcp_parse(p, 12, &info), VG_ESYNTAX);
    p[11] = 4;
    CHECK_INT_EQ(vg_rtcp_parse(p, 12, &info), 0);
    /* Padding that eats into the RR's SSRC. */
    p[11] = 8;
    CHECK_INT_EQ(vg_rtcp_parse(p, 12, &info), VG_ESYNTAX);

    /* A good first packet and trailing bytes: what was read is kept. */
    static const uint8_t pli_and_junk[] = {0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 7, 0x80, 1};
    CHECK_INT_EQ(vg_rtcp_parse(pli_and_junk, sizeof(pli_and_junk), &info), VG_ESYNTAX);
    CHECK_INT_EQ(info.packets, 1);
    CHECK_INT_EQ(info.key_request_count, 1);

    /* Unknown types (APP, XR) are skipped by their length. */
    static const uint8_t app_xr[] = {0x80, 204, 0x00, 0x02, 0,    0,    0, 1, 'n', 'a',
                                     'm',  'e', 0x80, 207,  0x00, 0x01, 0, 0, 0,   1};
    CHECK_INT_EQ(vg_rtcp_parse(app_xr, sizeof(app_xr), &info), 0);
    CHECK_INT_EQ(info.packets, 2);
}

static void test_write_sender_report(void)
{
    uint8_t out[128];
    size_t n = vg_rtcp_write_sender_report(out, sizeof(out), 0x01020304, 0xe8000000c0000000ull,
                                           90000, 10, 12345, "vigil");
    /* SR 28 bytes; SDES 4 + 4 + 2 + 5 + 1 = 16. */
    CHECK_INT_EQ(n, 28 + 16);
    CHECK(vg_rtcp_is_rtcp(out, n));
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(out, n, &info), 0);
    CHECK_INT_EQ(info.packets, 2);
    CHECK_INT_EQ(info.report_count, 0);
    static const uint8_t expect_sr[] = {
        0x80, 200,  0x00, 0x06, 0x01, 0x02, 0x03, 0x04, 0xe8, 0x00, 0x00, 0x00, 0xc0, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x5f, 0x90, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x30, 0x39,
    };
    CHECK(memcmp(out, expect_sr, sizeof(expect_sr)) == 0);
    static const uint8_t expect_sdes[] = {0x81, 202,  0x00, 0x03, 0x01, 0x02, 0x03, 0x04,
                                          0x01, 0x05, 'v',  'i',  'g',  'i',  'l',  0x00};
    CHECK(memcmp(out + 28, expect_sdes, sizeof(expect_sdes)) == 0);

    /* A CNAME whose end falls on a boundary still gets its null octets (a whole word). */
    n = vg_rtcp_write_sender_report(out, sizeof(out), 1, 0, 0, 0, 0, "ab");
    CHECK_INT_EQ(n, 28 + 16);
    CHECK(out[28 + 12] == 0 && out[28 + 15] == 0);
    CHECK_INT_EQ(vg_rtcp_parse(out, n, &info), 0);

    /* Too small, byte by byte; a CNAME of 256 bytes. */
    for (size_t cap = 0; cap < 44; cap++)
        CHECK_INT_EQ(vg_rtcp_write_sender_report(out, cap, 1, 0, 0, 0, 0, "vigil"), 0);
    char cname[257];
    memset(cname, 'c', 256);
    cname[256] = '\0';
    uint8_t large[512];
    CHECK_INT_EQ(vg_rtcp_write_sender_report(large, sizeof(large), 1, 0, 0, 0, 0, cname), 0);
    cname[255] = '\0';
    n = vg_rtcp_write_sender_report(large, sizeof(large), 1, 0, 0, 0, 0, cname);
    CHECK(n > 0);
    CHECK_INT_EQ(vg_rtcp_parse(large, n, &info), 0);
}

static void test_write_pli(void)
{
    uint8_t out[32];
    size_t n = vg_rtcp_write_pli(out, sizeof(out), 0x0a0b0c0d, 0x11223344);
    CHECK_INT_EQ(n, 20);
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(out, n, &info), 0);
    CHECK_INT_EQ(info.packets, 2);
    CHECK_INT_EQ(info.key_request_count, 1);
    CHECK(info.key_request_ssrcs[0] == 0x11223344);
    for (size_t cap = 0; cap < 20; cap++)
        CHECK_INT_EQ(vg_rtcp_write_pli(out, cap, 1, 2), 0);
}

/* The NACK writer: what the parser expands is exactly the set written, in any order. */
static void test_write_nack(void)
{
    static const uint16_t seqs[] = {110, 100, 101, 116, 117, 100, 65535, 0, 15, 500, 133, 999};
    static const uint16_t sorted_unique[] = {0, 15, 100, 101, 110, 116, 117, 133, 500, 999, 65535};
    uint8_t out[256];
    size_t n =
        vg_rtcp_write_nack(out, sizeof(out), 1, 0xdeadbeef, seqs, sizeof(seqs) / sizeof(seqs[0]));
    CHECK(n > 20);
    vg_rtcp_info info;
    CHECK_INT_EQ(vg_rtcp_parse(out, n, &info), 0);
    CHECK_INT_EQ(info.nack_count, sizeof(sorted_unique) / sizeof(sorted_unique[0]));
    bool seen[sizeof(sorted_unique) / sizeof(sorted_unique[0])] = {false};
    for (size_t i = 0; i < info.nack_count; i++) {
        CHECK(info.nacks[i].media_ssrc == 0xdeadbeef);
        bool found = false;
        for (size_t k = 0; k < sizeof(sorted_unique) / sizeof(sorted_unique[0]); k++) {
            if (sorted_unique[k] == info.nacks[i].seq && !seen[k])
                found = seen[k] = true;
        }
        CHECK(found);
    }

    /* 17 consecutive numbers: one item with all 16 BLP bits, then a second. */
    uint16_t run[17];
    for (int i = 0; i < 17; i++)
        run[i] = (uint16_t)(65530 + i);
    n = vg_rtcp_write_nack(out, sizeof(out), 1, 2, run, 16);
    CHECK_INT_EQ(n, 8 + 12 + 4);
    CHECK(out[22] == 0x7f && out[23] == 0xff);
    n = vg_rtcp_write_nack(out, sizeof(out), 1, 2, run, 17);
    CHECK_INT_EQ(n, 8 + 12 + 4);
    CHECK(out[22] == 0xff && out[23] == 0xff);
    CHECK_INT_EQ(vg_rtcp_parse(out, n, &info), 0);
    CHECK_INT_EQ(info.nack_count, 17);
    CHECK_INT_EQ(info.nacks[16].seq, (uint16_t)(65530 + 16));
    run[16] = 11; /* 65530 + 17 */
    n = vg_rtcp_write_nack(out, sizeof(out), 1, 2, run, 17);
    CHECK_INT_EQ(n, 8 + 12 + 8);

    /* Nothing to ask for, or too small. */
    CHECK_INT_EQ(vg_rtcp_write_nack(out, sizeof(out), 1, 2, seqs, 0), 0);
    for (size_t cap = 0; cap < 24; cap++)
        CHECK_INT_EQ(vg_rtcp_write_nack(out, cap, 1, 2, run, 1), 0);
    CHECK_INT_EQ(vg_rtcp_write_nack(out, 24, 1, 2, run, 1), 24);
    CHECK_INT_EQ(vg_rtcp_write_nack(out, 27, 1, 2, run, 17), 0);
}

int main(void)
{
    VG_TEST_RUN(test_is_rtcp);
    VG_TEST_RUN(test_sr_and_sdes);
    VG_TEST_RUN(test_rr_with_blocks);
    VG_TEST_RUN(test_nack_blp_expansion);
    VG_TEST_RUN(test_nack_truncated);
    VG_TEST_RUN(test_pli_and_fir);
    VG_TEST_RUN(test_remb);
    VG_TEST_RUN(test_bye);
    VG_TEST_RUN(test_sdes_malformed);
    VG_TEST_RUN(test_malformed);
    VG_TEST_RUN(test_write_sender_report);
    VG_TEST_RUN(test_write_pli);
    VG_TEST_RUN(test_write_nack);
    return vg_test_done();
}
