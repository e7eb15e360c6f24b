/*
 * Unit tests for rtsp/auth.c: Digest against RFC 2617 3.5 and RFC 7616
 * 3.9.1, the RTSP form without qop (expected values computed with Python's
 * hashlib), Basic against RFC 7617 2; the choice among several challenges,
 * the challenge syntax (escapes, order, several in one header), what is
 * refused, output bounds; userinfo splitting and URL stripping.
 */
#include "core/error.h"
#include "rtsp/auth.h"
#include "vg_test.h"

/* Parses a whole 401 (or other) reply held in `text`; the message points into `text`. */
static bool parse_reply(const char *text, vg_rtsp_message *m)
{
    return vg_rtsp_message_parse((const uint8_t *)text, strlen(text), m) == 1;
}

/* Reads the challenges of a reply made of `headers` (each "Name: value\r\n"). */
static int challenges(const char *headers, vg_rtsp_auth *a)
{
    static char text[4096];
    snprintf(text, sizeof(text), "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n%s\r\n", headers);
    static vg_rtsp_message m;
    if (!parse_reply(text, &m)) {
        fprintf(stderr, "reply does not parse: %s\n", headers);
        return -99999;
    }
    return vg_rtsp_auth_from_challenges(a, &m);
}

static void test_digest_rfc2617(void)
{
    /* RFC 2617 section 3.5. */
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=\"testrealm@host.com\", "
                            "qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                            "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n",
                            &a),
                 0);
    CHECK_INT_EQ(a.scheme, VG_RTSP_AUTH_DIGEST);
    CHECK(!a.sha256 && a.qop_auth && a.has_opaque);
    CHECK_STR_EQ(a.realm, "testrealm@host.com");
    CHECK_STR_EQ(a.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    CHECK_STR_EQ(a.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    CHECK_INT_EQ(a.nc, 0);
    CHECK_INT_EQ(strlen(a.cnonce), 32);
    snprintf(a.cnonce, sizeof(a.cnonce), "0a4f113b");

    char out[1024];
    CHECK_INT_EQ(
        vg_rtsp_auth_header(&a, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", out, 1024),
        0);
    CHECK_STR_EQ(out, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
                      "response=\"6629fae49393a05397450978507c4ef1\", "
                      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, "
                      "cnonce=\"0a4f113b\"");
    CHECK_INT_EQ(a.nc, 1);
    /* The next request counts on. */
    CHECK_INT_EQ(
        vg_rtsp_auth_header(&a, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", out, 1024),
        0);
    CHECK(strstr(out, "nc=00000002") != NULL);
    CHECK(strstr(out, "6629fae49393a05397450978507c4ef1") == NULL);
}

static void test_digest_rfc7616(void)
{
    /* RFC 7616 section 3.9.1: SHA-256 offered after MD5; SHA-256 is taken. */
    const char *both = "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, "
                       "auth-int\", algorithm=MD5, "
                       "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                       "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"\r\n"
                       "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, "
                       "auth-int\", algorithm=SHA-256, "
                       "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                       "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"\r\n";
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    CHECK_INT_EQ(challenges(both, &a), 0);
    CHECK(a.scheme == VG_RTSP_AUTH_DIGEST && a.sha256 && a.qop_auth);
    snprintf(a.cnonce, sizeof(a.cnonce), "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    char out[1024];
    CHECK_INT_EQ(
        vg_rtsp_auth_header(&a, "Mufasa", "Circle of Life", "GET", "/dir/index.html", out, 1024),
        0);
    CHECK_STR_EQ(out,
                 "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
                 "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
                 "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
                 "algorithm=SHA-256, opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", "
                 "qop=auth, nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"");

    /* The same section's MD5 response, from the first challenge alone. */
    const char *md5_only = strstr(both, "\r\n") + 2;
    char first[512];
    snprintf(first, sizeof(first), "%.*s", (int)(md5_only - both), both);
    CHECK_INT_EQ(challenges(first, &a), 0);
    CHECK(!a.sha256);
    snprintf(a.cnonce, sizeof(a.cnonce), "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    CHECK_INT_EQ(
        vg_rtsp_auth_header(&a, "Mufasa", "Circle of Life", "GET", "/dir/index.html", out, 1024),
        0);
    CHECK(strstr(out, "response=\"8ca523f5e9506fed4657c9700eebdbec\"") != NULL);
    CHECK(strstr(out, "algorithm") == NULL);
}

static void test_digest_rtsp_without_qop(void)
{
    /* What most cameras send: RFC 2069's form, response = H(HA1:nonce:HA2). */
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=\"IP Camera(C1234)\", "
                            "nonce=\"a1b2c3d4e5f6\", stale=\"FALSE\"\r\n"
                            "WWW-Authenticate: Basic realm=\"IP Camera(C1234)\"\r\n",
                            &a),
                 0);
    CHECK(a.scheme == VG_RTSP_AUTH_DIGEST && !a.sha256 && !a.qop_auth && !a.has_opaque);
    char out[1024];
    const char *uri = "rtsp://192.168.1.64:554/Streaming/Channels/101";
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "admin", "12345", "DESCRIBE", uri, out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "Digest username=\"admin\", realm=\"IP Camera(C1234)\", "
                      "nonce=\"a1b2c3d4e5f6\", "
                      "uri=\"rtsp://192.168.1.64:554/Streaming/Channels/101\", "
                      "response=\"ae2d926bb31a41167fd10881e9e383c1\"");
    CHECK_INT_EQ(a.nc, 0);

    /* The same with SHA-256 (hashlib: a5add95d...). */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest algorithm=sha-256, nonce=a1b2c3d4e5f6, "
                            "realm=\"IP Camera(C1234)\"\r\n",
                            &a),
                 0);
    CHECK(a.sha256 && !a.qop_auth);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "admin", "12345", "DESCRIBE", uri, out, sizeof(out)), 0);
    CHECK(strstr(out, "response=\"a5add95dbd9a1b547c60c9c4d17bc43ca9effe9fb5a0081714f5975a136cb48d"
                      "\", algorithm=SHA-256") != NULL);
}

static void test_basic(void)
{
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    CHECK_INT_EQ(challenges("WWW-Authenticate: Basic realm=\"WallyWorld\"\r\n", &a), 0);
    CHECK_INT_EQ(a.scheme, VG_RTSP_AUTH_BASIC);
    char out[64];
    /* RFC 7617 section 2. */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "Aladdin", "open sesame", "DESCRIBE", "rtsp://h/s", out,
                                     sizeof(out)),
                 0);
    CHECK_STR_EQ(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "admin", "", "DESCRIBE", "rtsp://h/s", out, sizeof(out)),
                 0);
    CHECK_STR_EQ(out, "Basic YWRtaW46");
    /* RFC 7617 2: a user-id cannot hold ':'. */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "ad:min", "x", "DESCRIBE", "rtsp://h/s", out, sizeof(out)),
                 VG_EINVAL);
    /* Exactly enough room, then one byte less: nothing of the password is left behind. */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "Aladdin", "open sesame", "X", "*", out, 35), 0);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "Aladdin", "open sesame", "X", "*", out, 34), VG_ERANGE);
    for (size_t i = 0; i < 34; i++)
        CHECK_INT_EQ(out[i], 0);
}

static void test_choice_among_challenges(void)
{
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    /* Several challenges in one header (RFC 7235 4.1), Basic first. */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Basic realm=\"x\", Digest realm=\"r\", nonce=\"n\", "
                            "Negotiate\r\n",
                            &a),
                 0);
    CHECK(a.scheme == VG_RTSP_AUTH_DIGEST && !a.sha256);
    CHECK_STR_EQ(a.realm, "r");
    CHECK_STR_EQ(a.nonce, "n");
    /* Digest then Basic in one header, and a token68 scheme before them. */
    CHECK_INT_EQ(
        challenges("WWW-Authenticate: Negotiate YIIBzgYGKwYBBQUCoII=, Digest nonce=\"n2\", "
                   "realm=r2, Basic realm=\"x\"\r\n",
                   &a),
        0);
    CHECK(a.scheme == VG_RTSP_AUTH_DIGEST);
    CHECK_STR_EQ(a.realm, "r2");
    CHECK_STR_EQ(a.nonce, "n2");
    /* Of two Digest MD5 the first is kept; SHA-256 wins wherever it is. */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
                            "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n",
                            &a),
                 0);
    CHECK_STR_EQ(a.realm, "a");
    CHECK_INT_EQ(
        challenges("WWW-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
                   "WWW-Authenticate: Basic realm=\"c\"\r\n"
                   "www-authenticate: DIGEST realm=\"b\", nonce=\"2\", ALGORITHM=SHA-256\r\n",
                   &a),
        0);
    CHECK(a.sha256);
    CHECK_STR_EQ(a.realm, "b");
    /* Unsupported Digest variants fall back to Basic. */
    CHECK_INT_EQ(
        challenges("WWW-Authenticate: Digest realm=\"a\", nonce=\"1\", algorithm=MD5-sess\r\n"
                   "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\", qop=\"auth-int\"\r\n"
                   "WWW-Authenticate: Basic realm=\"c\"\r\n",
                   &a),
        0);
    CHECK_INT_EQ(a.scheme, VG_RTSP_AUTH_BASIC);
    /* A malformed header does not hide a good one elsewhere. */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=\"unterminated, nonce=\"1\"\r\n"
                            "WWW-Authenticate: Basic realm=\"c\"\r\n",
                            &a),
                 0);
    CHECK_INT_EQ(a.scheme, VG_RTSP_AUTH_BASIC);
    /* An unquoted qop token, and a qop list with spaces. */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=a, nonce=1, qop=auth\r\n", &a), 0);
    CHECK(a.qop_auth);
    CHECK_INT_EQ(
        challenges("WWW-Authenticate: Digest realm=a, nonce=1, qop=\" auth-int , AUTH\"\r\n", &a),
        0);
    CHECK(a.qop_auth);
}

static void test_challenge_syntax(void)
{
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    /* Escapes, any order, spaces around '=', unknown parameters, a trailing comma. */
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest   stale=FALSE ,nonce = \"n\\\\1\" , "
                            "domain=\"/ rtsp://h/\", realm=\"say \\\"hi\\\"\", opaque=\"\", "
                            "charset=UTF-8, userhash=false,\r\n",
                            &a),
                 0);
    CHECK_STR_EQ(a.realm, "say \"hi\"");
    CHECK_STR_EQ(a.nonce, "n\\1");
    CHECK(a.has_opaque);
    CHECK_STR_EQ(a.opaque, "");
    char out[512];
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u\"v", "p", "OPTIONS", "*", out, sizeof(out)), 0);
    CHECK(strstr(out, "username=\"u\\\"v\", realm=\"say \\\"hi\\\"\", nonce=\"n\\\\1\"") != NULL);
    CHECK(strstr(out, ", opaque=\"\"") != NULL);

    /* What a->realm held before is kept when nothing usable comes. */
    vg_rtsp_auth before = a;
    CHECK_INT_EQ(challenges("CSeq: 3\r\n", &a), VG_ENOENT);
    CHECK_INT_EQ(challenges("WWW-Authenticate: NTLM\r\nWWW-Authenticate: Negotiate\r\n", &a),
                 VG_EINVAL);
    CHECK_INT_EQ(
        challenges("WWW-Authenticate: Digest realm=a, nonce=1, algorithm=SHA-512-256\r\n", &a),
        VG_EINVAL);
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=a, nonce=1, qop=auth-int\r\n", &a),
                 VG_EINVAL);

    static const char *const malformed[] = {
        "WWW-Authenticate: Digest realm=\"a\"\r\n",             /* no nonce */
        "WWW-Authenticate: Digest nonce=\"a\"\r\n",             /* no realm */
        "WWW-Authenticate: Digest realm=\"a, nonce=\"b\r\n",    /* unterminated */
        "WWW-Authenticate: Digest realm=\"a\" nonce=\"b\"\r\n", /* no comma */
        "WWW-Authenticate: Digest realm=, nonce=b\r\n",         /* empty value */
        "WWW-Authenticate: Digest realm=\"a\", nonce\r\n",      /* a name alone... */
        "WWW-Authenticate: Digest=realm\r\n",                   /* no space after the scheme */
        "WWW-Authenticate: \"Digest\" realm=a, nonce=b\r\n",    /* not a token */
        "WWW-Authenticate: Digest realm=a\"b\", nonce=c\r\n",   /* a quote inside a token */
        "WWW-Authenticate: Digest realm=\"a\\\", nonce=b\r\n",  /* an escape at the end */
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        int rc = challenges(malformed[i], &a);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "malformed challenge %zu: %d\n", i, rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
    CHECK(memcmp(&a, &before, sizeof(a)) == 0);

    /* A nonce longer than 255 bytes makes the challenge unusable. */
    char hdr[600];
    char nonce[300];
    memset(nonce, 'n', sizeof(nonce) - 1);
    nonce[sizeof(nonce) - 1] = '\0';
    snprintf(hdr, sizeof(hdr), "WWW-Authenticate: Digest realm=a, nonce=\"%s\"\r\n", nonce);
    CHECK_INT_EQ(challenges(hdr, &a), VG_ESYNTAX);
    nonce[255] = '\0';
    snprintf(hdr, sizeof(hdr), "WWW-Authenticate: Digest realm=a, nonce=\"%s\"\r\n", nonce);
    CHECK_INT_EQ(challenges(hdr, &a), 0);
    CHECK_INT_EQ(strlen(a.nonce), 255);
}

static void test_cnonce_is_random(void)
{
    vg_rtsp_auth a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    const char *h = "WWW-Authenticate: Digest realm=a, nonce=1, qop=auth\r\n";
    CHECK_INT_EQ(challenges(h, &a), 0);
    CHECK_INT_EQ(challenges(h, &b), 0);
    CHECK_INT_EQ(strlen(a.cnonce), 32);
    CHECK_INT_EQ(strspn(a.cnonce, "0123456789abcdef"), 32);
    CHECK(strcmp(a.cnonce, b.cnonce) != 0);
    /* A hand-made state without one gets one. */
    a.cnonce[0] = '\0';
    char out[512];
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "rtsp://h/s", out, sizeof(out)), 0);
    CHECK_INT_EQ(strlen(a.cnonce), 32);
}

static void test_header_refusals_and_bounds(void)
{
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    char out[512];
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "*", out, sizeof(out)), VG_EINVAL);
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=a, nonce=1\r\n", &a), 0);
    /* Nothing may inject a header line. */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u\r\nX: y", "p", "PLAY", "*", out, sizeof(out)),
                 VG_EINVAL);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "rtsp://h/\n", out, sizeof(out)),
                 VG_EINVAL);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PL\rAY", "*", out, sizeof(out)), VG_EINVAL);
    /* A password may hold anything: it is only hashed. */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p\r\n\"\\", "PLAY", "*", out, sizeof(out)), 0);
    CHECK(strchr(out, '\r') == NULL && strchr(out, '\n') == NULL);

    /* Lengths. */
    char longest[VG_RTSP_AUTH_MAX_CREDENTIAL + 2];
    memset(longest, 'u', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    char big[2048];
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, longest, "p", "PLAY", "*", big, sizeof(big)), VG_ERANGE);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", longest, "PLAY", "*", big, sizeof(big)), VG_ERANGE);
    longest[VG_RTSP_AUTH_MAX_CREDENTIAL] = '\0';
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, longest, longest, "PLAY", "*", big, sizeof(big)), 0);
    char *uri = malloc(VG_RTSP_AUTH_MAX_URI + 1);
    memset(uri, 'x', VG_RTSP_AUTH_MAX_URI);
    uri[VG_RTSP_AUTH_MAX_URI - 5] = '\0'; /* "PLAY:" + uri is the limit */
    char *huge = malloc(2 * VG_RTSP_AUTH_MAX_URI);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", uri, huge, 2 * VG_RTSP_AUTH_MAX_URI), 0);
    uri[VG_RTSP_AUTH_MAX_URI - 5] = 'x';
    uri[VG_RTSP_AUTH_MAX_URI - 4] = '\0';
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", uri, huge, 2 * VG_RTSP_AUTH_MAX_URI),
                 VG_ERANGE);
    free(uri);
    free(huge);

    /* Room: the exact length fits, one byte less does not and leaves "". */
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "*", out, sizeof(out)), 0);
    size_t need = strlen(out) + 1;
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "*", out, need), 0);
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "*", out, need - 1), VG_ERANGE);
    CHECK_STR_EQ(out, "");
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "u", "p", "PLAY", "*", out, 0), VG_ERANGE);
}

static void test_header_in_a_request(void)
{
    /* The value goes into a request that parses back with the same value. */
    vg_rtsp_auth a;
    memset(&a, 0, sizeof(a));
    CHECK_INT_EQ(challenges("WWW-Authenticate: Digest realm=\"a\\\"b\", nonce=1, qop=auth, "
                            "opaque=\"o\\\\\"\r\n",
                            &a),
                 0);
    char value[512], headers[600], req[1024];
    const char *uri = "rtsp://10.0.0.2:554/live";
    CHECK_INT_EQ(vg_rtsp_auth_header(&a, "ad\"min", "pw", "DESCRIBE", uri, value, sizeof(value)),
                 0);
    snprintf(headers, sizeof(headers), "Accept: application/sdp\r\nAuthorization: %s\r\n", value);
    int n = vg_rtsp_request_write(req, sizeof(req), "DESCRIBE", uri, 4, headers);
    CHECK(n > 0);
    vg_rtsp_message m;
    CHECK(parse_reply(req, &m));
    const vg_slice *got = vg_rtsp_header_get(&m, "Authorization");
    CHECK(got && got->len == strlen(value) && memcmp(got->p, value, got->len) == 0);
    CHECK_INT_EQ(m.header_count, 4);
}

static void test_userinfo_split(void)
{
    char user[16], pass[16];
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"admin:12345", 11}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(user, "admin");
    CHECK_STR_EQ(pass, "12345");
    /* Percent-decoded after the split: %3A in the user stays in the user. */
    const char *enc = "a%3Ab%20c:p%40ss%3Aw%2fd";
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){enc, strlen(enc)}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(user, "a:b c");
    CHECK_STR_EQ(pass, "p@ss:w/d");
    /* The first ':' splits; later ones are the password's. */
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"u:p:q", 5}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(user, "u");
    CHECK_STR_EQ(pass, "p:q");
    /* No ':': an empty password. Empty everything. */
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"admin", 5}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(user, "admin");
    CHECK_STR_EQ(pass, "");
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){NULL, 0}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(user, "");
    CHECK_STR_EQ(pass, "");
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){":", 1}, user, 16, pass, 16), 0);
    /* Only `len` bytes are read. */
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"ab:cd@host", 5}, user, 16, pass, 16), 0);
    CHECK_STR_EQ(pass, "cd");

    /* Capacities include the NUL. */
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"abc:de%41", 9}, user, 4, pass, 4), 0);
    CHECK_STR_EQ(user, "abc");
    CHECK_STR_EQ(pass, "deA");
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"abcd:x", 6}, user, 4, pass, 4), VG_ERANGE);
    CHECK_STR_EQ(user, "");
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"a:wxyz", 6}, user, 4, pass, 4), VG_ERANGE);
    CHECK_STR_EQ(pass, "");
    CHECK_INT_EQ(vg_rtsp_userinfo_split((vg_slice){"a:b", 3}, user, 0, pass, 4), VG_ERANGE);

    static const char *const bad[] = {"a%:b", "a%4:b", "a:b%", "a:b%zz", "a:%g0", "a:x%00y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vg_rtsp_userinfo_split((vg_slice){bad[i], strlen(bad[i])}, user, 16, pass, 16);
        if (rc != VG_ESYNTAX)
            fprintf(stderr, "bad userinfo \"%s\": %d\n", bad[i], rc);
        CHECK_INT_EQ(rc, VG_ESYNTAX);
    }
}

static void test_url_strip_userinfo(void)
{
    char out[64];
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@h:554/x", out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "rtsp://h:554/x");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://admin@10.0.0.2/s?a=1", out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "rtsp://10.0.0.2/s?a=1");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p%40q@[fe80::1]:8554/", out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "rtsp://[fe80::1]:8554/");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://:@h", out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "rtsp://h");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://h:554/x", out, sizeof(out)), 0);
    CHECK_STR_EQ(out, "rtsp://h:554/x");
    /* Room: exact, then one less. */
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@h/x", out, 11), 0);
    CHECK_STR_EQ(out, "rtsp://h/x");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@h/x", out, 10), VG_ERANGE);
    CHECK_STR_EQ(out, "");
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@h/x", out, 0), VG_ERANGE);
    /* Not URLs vg_url_parse() takes. */
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@h/a b", out, sizeof(out)), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("rtsp://u:p@/x", out, sizeof(out)), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_url_strip_userinfo("", out, sizeof(out)), VG_ESYNTAX);
}

int main(void)
{
    VG_TEST_RUN(test_digest_rfc2617);
    VG_TEST_RUN(test_digest_rfc7616);
    VG_TEST_RUN(test_digest_rtsp_without_qop);
    VG_TEST_RUN(test_basic);
    VG_TEST_RUN(test_choice_among_challenges);
    VG_TEST_RUN(test_challenge_syntax);
    VG_TEST_RUN(test_cnonce_is_random);
    VG_TEST_RUN(test_header_refusals_and_bounds);
    VG_TEST_RUN(test_header_in_a_request);
    VG_TEST_RUN(test_userinfo_split);
    VG_TEST_RUN(test_url_strip_userinfo);
    return vg_test_done();
}
