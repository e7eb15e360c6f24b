/* Unit tests for core/crypto.c: MD5, SHA-1, SHA-256, HMAC-SHA-256 and base64 against their
 * standards' vectors. */
#include "core/crypto.h"
#include "core/error.h"
#include "vg_test.h"

static void to_hex(const uint8_t *p, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_md5_rfc1321(void)
{
    /* RFC 1321 appendix A.5, the test suite. */
    static const char *const suite[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "0",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    uint8_t md[VG_MD5_LEN];
    char hex[2 * VG_MD5_LEN + 1];
    for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
        vg_md5(suite[i][0], strlen(suite[i][0]), md);
        to_hex(md, sizeof(md), hex);
        CHECK_STR_EQ(hex, suite[i][1]);
    }
    /* NULL is fine for zero bytes. */
    vg_md5(NULL, 0, md);
    to_hex(md, sizeof(md), hex);
    CHECK_STR_EQ(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_sha1_fips180(void)
{
    uint8_t md[VG_SHA1_LEN];
    char hex[2 * VG_SHA1_LEN + 1];
    /* FIPS 180-2 appendix A.1: "abc". */
    vg_sha1("abc", 3, md);
    to_hex(md, sizeof(md), hex);
    CHECK_STR_EQ(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    vg_sha1(NULL, 0, md);
    to_hex(md, sizeof(md), hex);
    CHECK_STR_EQ(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_sha256_fips180(void)
{
    uint8_t md[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];
    /* FIPS 180-2 appendix B.1: "abc"; and the empty message. */
    vg_sha256("abc", 3, md);
    to_hex(md, sizeof(md), hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vg_sha256(NULL, 0, md);
    to_hex(md, sizeof(md), hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hmac_sha256_rfc4231(void)
{
    uint8_t mac[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];

    /* RFC 4231 section 4.2, test case 1. */
    uint8_t key1[20];
    memset(key1, 0x0b, sizeof(key1));
    CHECK_INT_EQ(vg_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac), 0);
    to_hex(mac, sizeof(mac), hex);
    CHECK_STR_EQ(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    /* Section 4.3, test case 2: a key shorter than the hash. */
    const char *data2 = "what do ya want for nothing?";
    CHECK_INT_EQ(vg_hmac_sha256("Jefe", 4, data2, strlen(data2), mac), 0);
    to_hex(mac, sizeof(mac), hex);
    CHECK_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* An empty key and empty data (Python's hmac gives the same). */
    CHECK_INT_EQ(vg_hmac_sha256(NULL, 0, NULL, 0, mac), 0);
    to_hex(mac, sizeof(mac), hex);
    CHECK_STR_EQ(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

    /* A key longer than the block is hashed first (RFC 2104 section 2). */
    uint8_t key3[200];
    memset(key3, 'k', sizeof(key3));
    CHECK_INT_EQ(vg_hmac_sha256(key3, sizeof(key3), "The quick brown fox", 19, mac), 0);
    to_hex(mac, sizeof(mac), hex);
    CHECK_STR_EQ(hex, "e16c9da73f6698f4edca06dba34d2dcc1371f7825829b083e9faf78aa05a2d23");
}

/* RFC 4648 section 10. */
static const char *const vectors[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_base64_rfc4648_vectors(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const char *plain = vectors[i][0], *text = vectors[i][1];
        char out[16];
        CHECK_INT_EQ(vg_base64_encoded_len(strlen(plain)), strlen(text));
        CHECK_INT_EQ(vg_base64_encode(plain, strlen(plain), out), strlen(text));
        CHECK_STR_EQ(out, text);

        uint8_t bytes[8];
        size_t n = 99;
        CHECK_INT_EQ(vg_base64_decode(text, strlen(text), bytes, strlen(plain), &n), 0);
        CHECK_INT_EQ(n, strlen(plain));
        CHECK(memcmp(bytes, plain, n) == 0);
    }
}

static void test_base64_decode_exact_capacity(void)
{
    /* "foob" needs 4 bytes although its text has two quads: padding takes no room. */
    uint8_t out[5] = {0, 0, 0, 0, 0xee};
    size_t n;
    CHECK_INT_EQ(vg_base64_decode("Zm9vYg==", 8, out, 4, &n), 0);
    CHECK_INT_EQ(n, 4);
    CHECK(memcmp(out, "foob", 4) == 0);
    CHECK_INT_EQ(out[4], 0xee);
    CHECK_INT_EQ(vg_base64_decode("Zm9vYg==", 8, out, 3, &n), VG_ERANGE);
    CHECK_INT_EQ(n, 0);
    /* No NUL needed: only `len` chars are read. */
    uint8_t six[6];
    CHECK_INT_EQ(vg_base64_decode("Zm9vYmFyXXXX", 8, six, sizeof(six), &n), 0);
    CHECK_INT_EQ(n, 6);
    CHECK(memcmp(six, "foobar", 6) == 0);
}

static void test_base64_rejects_bad_text(void)
{
    static const char *const bad[] = {
        "Zg",                            /* not a multiple of 4 */
        "Zg=",                           /* neither */
        "Zm9vY",                         /* neither */
        "Z===",                          /* three pad chars */
        "====",                          /* nothing but padding */
        "Zg==Zg==",                      /* padding inside */
        "Zm=v",                          /* '=' before a char */
        "Zh==",                          /* pad bits not zero (RFC 4648 section 3.5) */
        "Zm9=",                          /* the same with one '=' */
        "Zm9v YmFy",                     /* a space */
        "Zm9v\nYmFy", " Zm9v",   "Zm9-", /* base64url, not base64 */
        "Zm9_",       "Zm9\xff",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        size_t n = 99;
        int err = vg_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n);
        if (err != VG_ESYNTAX)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK_INT_EQ(err, VG_ESYNTAX);
        CHECK_INT_EQ(n, 0);
    }
}

static void test_base64_round_trip_large(void)
{
    /* A JPEG-sized buffer of every byte value, through encode and decode. */
    size_t len = 100 * 1024 + 1;
    uint8_t *in = malloc(len);
    for (size_t i = 0; i < len; i++)
        in[i] = (uint8_t)(i * 131 + (i >> 8));
    size_t text_len = vg_base64_encoded_len(len);
    char *text = malloc(text_len + 1);
    CHECK_INT_EQ(vg_base64_encode(in, len, text), text_len);
    CHECK_INT_EQ(strlen(text), text_len);
    uint8_t *back = malloc(len);
    size_t n;
    CHECK_INT_EQ(vg_base64_decode(text, text_len, back, len, &n), 0);
    CHECK_INT_EQ(n, len);
    CHECK(memcmp(in, back, len) == 0);
    free(in);
    free(text);
    free(back);
}

int main(void)
{
    VG_TEST_RUN(test_md5_rfc1321);
    VG_TEST_RUN(test_sha1_fips180);
    VG_TEST_RUN(test_sha256_fips180);
    VG_TEST_RUN(test_hmac_sha256_rfc4231);
    VG_TEST_RUN(test_base64_rfc4648_vectors);
    VG_TEST_RUN(test_base64_decode_exact_capacity);
    VG_TEST_RUN(test_base64_rejects_bad_text);
    VG_TEST_RUN(test_base64_round_trip_large);
    return vg_test_done();
}
