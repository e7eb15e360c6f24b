/* Unit tests for codec/bitreader.c: bits, Exp-Golomb codes, emulation prevention, overruns. */
#include "codec/bitreader.h"
#include "vg_test.h"

/* A heap copy of exactly `len` bytes, so that ASan sees any read past the end. */
static uint8_t *exact(const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, p, len);
    return copy;
}

static void test_bits(void)
{
    static const uint8_t in[] = {0xa5, 0x0f, 0xff, 0x00, 0x12, 0x34, 0x56, 0x78};
    uint8_t *p = exact(in, sizeof(in));
    vg_bitreader br;
    vg_bitreader_init(&br, p, sizeof(in));
    CHECK_INT_EQ(vg_bitreader_read_bit(&br), 1);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 3), 2); /* 010 */
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 0), 0);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 8), 0x50); /* 0101 0000 */
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 4), 0xf);
    CHECK_INT_EQ(vg_bitreader_position(&br), 16);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 16), 0xff00);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 32), 0x12345678);
    CHECK(!br.error);
    /* At the end: the next read fails, returns 0, and the failure sticks. */
    CHECK_INT_EQ(vg_bitreader_read_bit(&br), 0);
    CHECK(br.error);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 8), 0);
    free(p);

    vg_bitreader_init(&br, in, sizeof(in));
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 33), 0); /* more than 32 bits at once is refused */
    CHECK(br.error);

    /* A read that straddles the end fails as a whole. */
    vg_bitreader_init(&br, in, 2);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 12), 0xa50);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 8), 0);
    CHECK(br.error);

    vg_bitreader_init(&br, NULL, 5);
    CHECK_INT_EQ(vg_bitreader_read_bit(&br), 0);
    CHECK(br.error);

    vg_bitreader_init(&br, in, sizeof(in));
    vg_bitreader_skip_bits(&br, 60);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 4), 0x8);
    CHECK(!br.error);
    vg_bitreader_skip_bits(&br, UINT64_MAX); /* huge skips stop at the end */
    CHECK(br.error);
}

static void test_exp_golomb(void)
{
    /*
     * ue(v) codes (H.264 Table 9-2): 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3,
     * 00111 -> 6, 0001000 -> 7. Packed: 1 010 011 00100 00111 0001000 + 1.
     */
    static const uint8_t ue[] = {0xa6, 0x43, 0x88, 0x80}; /* 1010 0110 0100 0011 1000 1000 1 */
    vg_bitreader br;
    vg_bitreader_init(&br, ue, sizeof(ue));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 0);
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 1);
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 2);
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 3);
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 6);
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 7);
    CHECK(!br.error);

    /* se(v), Table 9-3: codeNum 0, 1, 2, 3, 4 -> 0, 1, -1, 2, -2. */
    static const uint8_t se[] = {0xa6, 0x42, 0xc0}; /* 1 010 011 00100 00101 */
    vg_bitreader_init(&br, se, sizeof(se));
    CHECK_INT_EQ(vg_bitreader_read_se(&br), 0);
    CHECK_INT_EQ(vg_bitreader_read_se(&br), 1);
    CHECK_INT_EQ(vg_bitreader_read_se(&br), -1);
    CHECK_INT_EQ(vg_bitreader_read_se(&br), 2);
    CHECK_INT_EQ(vg_bitreader_read_se(&br), -2);
    CHECK(!br.error);

    /* The largest code: 31 zeros, a one, 31 ones: 2^32 - 2; as se, -(2^31 - 1). */
    static const uint8_t big[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe};
    vg_bitreader_init(&br, big, sizeof(big));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 0xfffffffeu);
    CHECK(!br.error);
    vg_bitreader_init(&br, big, sizeof(big));
    CHECK_INT_EQ(vg_bitreader_read_se(&br), -2147483647);
    CHECK(!br.error);
    static const uint8_t big_odd[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfc};
    vg_bitreader_init(&br, big_odd, sizeof(big_odd));
    CHECK_INT_EQ(vg_bitreader_read_se(&br), 2147483647);

    /* 32 leading zeros would overflow: an error, found after 33 bits at most. */
    static const uint8_t zeros[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00};
    vg_bitreader_init(&br, zeros, sizeof(zeros));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 0);
    CHECK(br.error);
    CHECK(vg_bitreader_position(&br) <= 33);

    /* A code cut short by the end of the buffer. */
    static const uint8_t cut[] = {0x00, 0x01};
    uint8_t *p = exact(cut, sizeof(cut));
    vg_bitreader_init(&br, p, sizeof(cut));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 0);
    CHECK(br.error);
    free(p);

    /* All zeros to the end. */
    static const uint8_t nothing[] = {0x00, 0x00};
    vg_bitreader_init(&br, nothing, sizeof(nothing));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), 0);
    CHECK(br.error);
}

static void test_emulation_prevention(void)
{
    /* 00 00 03 01 is the RBSP 00 00 01; 00 00 03 00 00 03 carries four zero bytes. */
    static const uint8_t in[] = {0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x02};
    vg_bitreader br;
    vg_bitreader_init(&br, in, sizeof(in));
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 24), 0x000001);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 32), 0);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 8), 0x02);
    CHECK(!br.error);
    CHECK_INT_EQ(vg_bitreader_position(&br), 64);
    vg_bitreader_read_bit(&br);
    CHECK(br.error);

    /* A 03 not after two zeros is data. */
    static const uint8_t data[] = {0x00, 0x03, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x03};
    vg_bitreader_init(&br, data, sizeof(data));
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 32), 0x00030003);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 8), 0x01);
    /* Three zeros then 03: the zero count is at least two, so the 03 goes. */
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 24), 0);
    vg_bitreader_read_bit(&br);
    CHECK(br.error);

    /* An emulation-prevention byte as the very last byte: the reader stops there. */
    static const uint8_t tail[] = {0x80, 0x00, 0x00, 0x03};
    uint8_t *p = exact(tail, sizeof(tail));
    vg_bitreader_init(&br, p, sizeof(tail));
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 24), 0x800000);
    CHECK(!br.error);
    CHECK_INT_EQ(vg_bitreader_read_bits(&br, 1), 0);
    CHECK(br.error);
    free(p);

    /* An Exp-Golomb code across an emulation-prevention byte: RBSP 00 00 01 ff ff fe. */
    static const uint8_t ue[] = {0x00, 0x00, 0x03, 0x01, 0xff, 0xff, 0xfe};
    vg_bitreader_init(&br, ue, sizeof(ue));
    CHECK_INT_EQ(vg_bitreader_read_ue(&br), (1u << 23) - 1 + 0x7fffff); /* 23 zeros, 1, 23 ones */
    CHECK(!br.error);
}

int main(void)
{
    VG_TEST_RUN(test_bits);
    VG_TEST_RUN(test_exp_golomb);
    VG_TEST_RUN(test_emulation_prevention);
    return vg_test_done();
}
