/* Unit tests for core/crypto.c: MD5, SHA-1, SHA-256, HMAC-SHA-256 and base64 against their
 * standards' vectors, and the lenient base64 decoder for cameras' SDP. */
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

/*
 * `len` bytes that take every value (returned) and their base64 (*text, NUL-terminated, of
 * *text_len chars); the caller frees both.
 */
static uint8_t *encoded_pattern(size_t len, char **text, size_t *text_len)
{
    uint8_t *in = malloc(len);
    for (size_t i = 0; i < len; i++)
        in[i] = (uint8_t)(i * 131 + (i >> 8));
    *text_len = vg_base64_encoded_len(len);
    *text = malloc(*text_len + 1);
    CHECK_INT_EQ(vg_base64_encode(in, len, *text), *text_len);
    CHECK_INT_EQ(strlen(*text), *text_len);
    return in;
}

/* Decodes `text` leniently into a NUL-terminated string; the error otherwise. */
static int lenient(const char *text, char *out, size_t cap)
{
    size_t n = 99;
    int err = vg_base64_decode_lenient(text, strlen(text), (uint8_t *)out, cap - 1, &n);
    out[err == 0 ? n : 0] = '\0';
    if (err != 0)
        CHECK_INT_EQ(n, 0);
    return err;
}

static void test_base64_lenient_takes_what_strict_takes(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        char out[16];
        CHECK_INT_EQ(lenient(vectors[i][1], out, sizeof(out)), 0);
        CHECK_STR_EQ(out, vectors[i][0]);
    }
}

static void test_base64_lenient_padding_and_pad_bits(void)
{
    /* The '=' may be missing, short or, up to two, in excess (as FFmpeg's av_base64_decode). */
    static const char *const cases[][2] = {
        {"Zg", "f"},
        {"Zg=", "f"},
        {"Zm8", "fo"},
        {"Zm9vYg", "foob"},
        {"Zm9vYmE", "fooba"},
        {"Zm9v=", "foo"},
        {"Zm9v==", "foo"},
        {"Zm8==", "fo"},
        /* Pad bits need not be zero: they are dropped. */
        {"Zh==", "f"},
        {"Zh", "f"},
        {"Zm9=", "fo"},
        {"Zm9", "fo"},
        /* Nothing but padding, or nothing: no bytes. */
        {"", ""},
        {"=", ""},
        {"==", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[16];
        int err = lenient(cases[i][0], out, sizeof(out));
        if (err != 0)
            fprintf(stderr, "refused \"%s\"\n", cases[i][0]);
        CHECK_INT_EQ(err, 0);
        CHECK_STR_EQ(out, cases[i][1]);
    }
    /* The strict decoder refuses each of those that is not canonical. */
    uint8_t bytes[16];
    size_t n;
    CHECK_INT_EQ(vg_base64_decode("Zg", 2, bytes, sizeof(bytes), &n), VG_ESYNTAX);
    CHECK_INT_EQ(vg_base64_decode("Zh==", 4, bytes, sizeof(bytes), &n), VG_ESYNTAX);
}

static void test_base64_lenient_rejects_bad_text(void)
{
    static const char *const bad[] = {
        "Z",         /* a lone char: 6 bits, no byte */
        "Zm9vY",     /* the same after a whole quad */
        "Zm9vY=",    /* and with padding */
        "Z===",      /* three '=': one is left inside */
        "===",       /* the same alone */
        "Zg==Zg==",  /* padding inside */
        "Zm=v",      /* '=' before a char */
        "Zm9v YmFy", /* a space */
        " Zm9v",     /* a leading one */
        "Zm9v\r",    /* a CR */
        "Zm9v\n",    /* a line break */
        "Zm9-",      /* base64url, not base64 */
        "Zm9_",      /* the same */
        "Zm9\xff",   /* not ASCII */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[16];
        int err = lenient(bad[i], out, sizeof(out));
        if (err != VG_ESYNTAX)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK_INT_EQ(err, VG_ESYNTAX);
    }
}

static void test_base64_lenient_capacity(void)
{
    /* "Zm9vYg" is 4 bytes, padding or not; one byte less is VG_ERANGE, nothing written. */
    uint8_t out[5] = {0, 0, 0, 0, 0xee};
    size_t n = 99;
    CHECK_INT_EQ(vg_base64_decode_lenient("Zm9vYg", 6, out, 4, &n), 0);
    CHECK_INT_EQ(n, 4);
    CHECK(memcmp(out, "foob", 4) == 0);
    CHECK_INT_EQ(out[4], 0xee);
    memset(out, 0, sizeof(out));
    CHECK_INT_EQ(vg_base64_decode_lenient("Zm9vYg", 6, out, 3, &n), VG_ERANGE);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(out[0], 0);
    /* Only `len` chars are read: no NUL needed, and what follows is not looked at. */
    CHECK_INT_EQ(vg_base64_decode_lenient("Zm9vYmFy!!", 7, out, 5, &n), 0);
    CHECK_INT_EQ(n, 5);
    CHECK(memcmp(out, "fooba", 5) == 0);
}

static void test_base64_lenient_large(void)
{
    /* Many whole quads and an unpadded tail with pad bits set: as strict, but for the tail. */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = 100 * 1024 + 1; /* 2 bytes past a multiple of 3: a tail of 3 chars and "=" */
    char *text;
    size_t text_len;
    uint8_t *in = encoded_pattern(len, &text, &text_len);
    CHECK_INT_EQ(text[text_len - 1], '=');
    CHECK(text[text_len - 2] != '=');
    /* The last char's low 2 bits pad the last byte: set one. */
    size_t last = (size_t)(strchr(alphabet, text[text_len - 2]) - alphabet);
    CHECK_INT_EQ(last & 3, 0);
    text[text_len - 2] = alphabet[last | 1];
    uint8_t *back = malloc(len);
    size_t n;
    CHECK_INT_EQ(vg_base64_decode(text, text_len, back, len, &n), VG_ESYNTAX);
    CHECK_INT_EQ(vg_base64_decode_lenient(text, text_len - 1, back, len, &n), 0);
    CHECK_INT_EQ(n, len);
    CHECK(memcmp(in, back, len) == 0);
    free(in);
    free(text);
    free(back);
}

static void test_base64_round_trip_large(void)
{
    /* A JPEG-sized buffer of every byte value, through encode and decode. */
    size_t len = 100 * 1024 + 1;
    char *text;
    size_t text_len;
    uint8_t *in = encoded_pattern(len, &text, &text_len);
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
    VG_TEST_RUN(test_base64_lenient_takes_what_strict_takes);
    VG_TEST_RUN(test_base64_lenient_padding_and_pad_bits);
    VG_TEST_RUN(test_base64_lenient_rejects_bad_text);
    VG_TEST_RUN(test_base64_lenient_capacity);
    VG_TEST_RUN(test_base64_lenient_large);
    return vg_test_done();
}
