/*
 * Unit tests for http/websocket.c: the handshake, the reader against RFC
 * 6455's examples and every protocol error, and the frames a server writes.
 * The .c is included so that the tests can see the reader's buffer size.
 */
#include "http/websocket.c"

#include "core/error.h"
#include "vg_test.h"

#define MIB (1024 * 1024)

/* Every event, as text: "text:Hello;ping:Hello;close:1000:bye;". */
typedef struct recorder {
    char log[4096];
    size_t log_len;
    int messages;
    size_t last_len;
    uint8_t last_first, last_final; /* the last message's first and last bytes */
} recorder;

static void log_event(recorder *rec, const char *kind, const uint8_t *p, size_t len)
{
    int n;
    if (len <= 64)
        n = snprintf(rec->log + rec->log_len, sizeof(rec->log) - rec->log_len, "%s:%.*s;", kind,
                     (int)len, (const char *)p);
    else
        n = snprintf(rec->log + rec->log_len, sizeof(rec->log) - rec->log_len, "%s:<%zu>;", kind,
                     len);
    if (n > 0 && (size_t)n < sizeof(rec->log) - rec->log_len)
        rec->log_len += (size_t)n;
}

static void on_message(void *ctx, bool binary, const uint8_t *data, size_t len)
{
    recorder *rec = ctx;
    CHECK(data != NULL);
    log_event(rec, binary ? "binary" : "text", data, len);
    rec->messages++;
    rec->last_len = len;
    rec->last_first = len ? data[0] : 0;
    rec->last_final = len ? data[len - 1] : 0;
}

static void on_ping(void *ctx, const uint8_t *payload, size_t len)
{
    log_event(ctx, "ping", payload, len);
}

static void on_pong(void *ctx, const uint8_t *payload, size_t len)
{
    log_event(ctx, "pong", payload, len);
}

static void on_close(void *ctx, int code, const char *reason, size_t reason_len)
{
    recorder *rec = ctx;
    CHECK(reason != NULL && reason[reason_len] == '\0');
    char kind[16];
    snprintf(kind, sizeof(kind), "close:%d", code);
    log_event(rec, kind, (const uint8_t *)reason, reason_len);
}

static const vg_ws_reader_events events = {
    .on_message = on_message,
    .on_ping = on_ping,
    .on_pong = on_pong,
    .on_close = on_close,
};

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d}; /* the RFC's examples' key */

/*
 * A client frame with first byte `b0` (FIN, RSV, opcode), masked with `key`,
 * its length in the shortest form. Returns its size; `out` must hold len + 14.
 */
static size_t client_frame(uint8_t *out, uint8_t b0, const void *payload, size_t len)
{
    size_t n = 0;
    out[n++] = b0;
    if (len <= 125) {
        out[n++] = 0x80 | (uint8_t)len;
    } else if (len <= 0xffff) {
        out[n++] = 0x80 | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 0x80 | 127;
        for (int i = 0; i < 8; i++)
            out[n++] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    }
    memcpy(out + n, key, 4);
    n += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++)
        out[n + i] = p[i] ^ key[i & 3];
    return n + len;
}

/* Appends a frame to a stream being built in `buf` at *at. */
static void add_frame(uint8_t *buf, size_t *at, uint8_t b0, const char *payload)
{
    *at += client_frame(buf + *at, b0, payload, strlen(payload));
}

/* Feeds `data` to a new reader in one call; returns the result, the log in *rec. */
static int feed_once(const uint8_t *data, size_t len, size_t max, recorder *rec, int *close_code)
{
    memset(rec, 0, sizeof(*rec));
    vg_ws_reader *r = vg_ws_reader_create(max);
    int err = vg_ws_reader_feed(r, data, len, &events, rec);
    *close_code = 0;
    vg_ws_reader_error(r, close_code, NULL);
    vg_ws_reader_destroy(r);
    return err;
}

static void test_rfc_single_frame_hello(void)
{
    /* RFC 6455 section 5.7: "A single-frame masked text message". */
    static const uint8_t frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                    0x7f, 0x9f, 0x4d, 0x51, 0x58};
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(frame, sizeof(frame), MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "text:Hello;");
    CHECK_INT_EQ(code, 0);

    /* "A single-frame unmasked text message": a client must mask (section 5.1). */
    static const uint8_t unmasked[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    CHECK_INT_EQ(feed_once(unmasked, sizeof(unmasked), MIB, &rec, &code), VG_ESYNTAX);
    CHECK_INT_EQ(code, 1002);
    CHECK_STR_EQ(rec.log, "");

    /* "Unmasked Ping request and masked Ping response" (here as a client's pong). */
    static const uint8_t pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                   0x7f, 0x9f, 0x4d, 0x51, 0x58};
    CHECK_INT_EQ(feed_once(pong, sizeof(pong), MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "pong:Hello;");
}

static void test_rfc_fragmented_and_ping(void)
{
    /* Section 5.7: "A fragmented unmasked text message", masked as a client sends it. */
    uint8_t buf[256];
    size_t n = 0;
    add_frame(buf, &n, 0x01, "Hel");
    add_frame(buf, &n, 0x80, "lo");
    add_frame(buf, &n, 0x89, "Hello"); /* a ping */
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "text:Hello;ping:Hello;");
}

static void test_control_frames_between_fragments(void)
{
    /* Section 5.4: "Control frames MAY be injected in the middle of a fragmented message." */
    uint8_t buf[256];
    size_t n = 0;
    add_frame(buf, &n, 0x02, "ab");
    add_frame(buf, &n, 0x89, "p1");
    add_frame(buf, &n, 0x00, "cd");
    add_frame(buf, &n, 0x8a, "");
    add_frame(buf, &n, 0x00, "");
    add_frame(buf, &n, 0x80, "ef");
    add_frame(buf, &n, 0x81, "next");
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "ping:p1;pong:;binary:abcdef;text:next;");
}

static void test_empty_messages(void)
{
    uint8_t buf[64];
    size_t n = 0;
    add_frame(buf, &n, 0x81, "");
    add_frame(buf, &n, 0x02, "");
    add_frame(buf, &n, 0x80, "");
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "text:;binary:;");
    CHECK_INT_EQ(rec.messages, 2);
}

static void test_extended_lengths(void)
{
    /* 126: a 16-bit length; 127: a 64-bit length (section 5.2). */
    size_t sizes[] = {125, 126, 300, 65535, 65536, 200000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = sizes[i];
        uint8_t *payload = malloc(len);
        for (size_t k = 0; k < len; k++)
            payload[k] = (uint8_t)(k * 7 + 1);
        uint8_t *frame = malloc(len + 14);
        size_t n = client_frame(frame, 0x82, payload, len);
        CHECK_INT_EQ(n, len + (len <= 125 ? 6 : len <= 0xffff ? 8 : 14));
        CHECK_INT_EQ(frame[1] & 0x7f, len <= 125 ? len : len <= 0xffff ? 126 : 127);
        recorder rec;
        int code;
        CHECK_INT_EQ(feed_once(frame, n, MIB, &rec, &code), 0);
        CHECK_INT_EQ(rec.messages, 1);
        CHECK_INT_EQ(rec.last_len, len);
        CHECK_INT_EQ(rec.last_first, payload[0]);
        CHECK_INT_EQ(rec.last_final, payload[len - 1]);
        free(payload);
        free(frame);
    }

    /* A longer length form than needed is accepted (harmless). */
    static const uint8_t long_form[] = {0x81, 0xfe, 0x00, 0x02, 0, 0, 0, 0, 'h', 'i'};
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(long_form, sizeof(long_form), MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "text:hi;");
}

/* A stream of many kinds of frames, for the cutting tests. */
static size_t mixed_stream(uint8_t *buf)
{
    size_t n = 0;
    add_frame(buf, &n, 0x81, "Hello");
    add_frame(buf, &n, 0x01, "frag");
    add_frame(buf, &n, 0x89, "ping");
    add_frame(buf, &n, 0x80, "ment \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    n += client_frame(buf + n, 0x82, big, sizeof(big));
    add_frame(buf, &n, 0x8a, "");
    add_frame(buf, &n, 0x88,
              "\x03\xe8"
              "bye");
    add_frame(buf, &n, 0x81, "after the close");
    return n;
}

static void test_any_cut_gives_the_same_events(void)
{
    static uint8_t buf[80000];
    size_t n = mixed_stream(buf);
    recorder whole;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &whole, &code), 0);
    CHECK_STR_EQ(whole.log,
                 "text:Hello;ping:ping;text:fragment \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5;"
                 "binary:<70000>;pong:;close:1000:bye;");

    /* Byte by byte, then in chunks of assorted sizes. */
    size_t chunks[] = {1, 2, 3, 7, 13, 100, 4096};
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        recorder rec;
        memset(&rec, 0, sizeof(rec));
        vg_ws_reader *r = vg_ws_reader_create(MIB);
        for (size_t at = 0; at < n; at += chunks[c]) {
            size_t len = n - at < chunks[c] ? n - at : chunks[c];
            CHECK_INT_EQ(vg_ws_reader_feed(r, buf + at, len, &events, &rec), 0);
        }
        CHECK_STR_EQ(rec.log, whole.log);
        CHECK(vg_ws_reader_closed(r));
        vg_ws_reader_destroy(r);
    }
}

/* Feeds `frame` and expects the reader to fail with `err` and close code `code`. */
static void expect_failure(const uint8_t *frame, size_t len, size_t max, int err, int code,
                           const char *what)
{
    recorder rec;
    memset(&rec, 0, sizeof(rec));
    vg_ws_reader *r = vg_ws_reader_create(max);
    int got = vg_ws_reader_feed(r, frame, len, &events, &rec);
    int got_code = 0;
    const char *reason = NULL;
    bool failed = vg_ws_reader_error(r, &got_code, &reason);
    if (got != err || got_code != code)
        fprintf(stderr, "%s: got %d, close %d\n", what, got, got_code);
    CHECK_INT_EQ(got, err);
    CHECK(failed);
    CHECK_INT_EQ(got_code, code);
    CHECK(reason != NULL && strlen(reason) <= 123);
    CHECK(!vg_ws_reader_closed(r));

    /* After an error the reader ignores its input and keeps its answer. */
    static const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                    0x7f, 0x9f, 0x4d, 0x51, 0x58};
    CHECK_INT_EQ(vg_ws_reader_feed(r, hello, sizeof(hello), &events, &rec), err);
    CHECK(strstr(rec.log, "Hello") == NULL);
    vg_ws_reader_destroy(r);
}

#define EXPECT_FAILURE(max, err, code, ...)                                                        \
    do {                                                                                           \
        static const uint8_t frame_[] = {__VA_ARGS__};                                             \
        expect_failure(frame_, sizeof(frame_), max, err, code, #__VA_ARGS__);                      \
    } while (0)

static void test_protocol_errors(void)
{
    /* Section 5.1: an unmasked client frame, even an empty one or a control frame. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x81, 0x00);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x89, 0x00);
    /* Section 5.2: RSV1, RSV2, RSV3 without an extension. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0xc1, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0xa1, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x91, 0x80, 1, 2, 3, 4);
    /* Unknown opcodes: reserved data (3-7) and control (B-F) opcodes. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x83, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x87, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x8b, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x8f, 0x80, 1, 2, 3, 4);
    /* Section 5.5: a control frame longer than 125 bytes, or not FIN. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x89, 0xfe, 0x00, 0x7e, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x88, 0xff, 0, 0, 0, 0, 0, 0, 0, 126);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x09, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x0a, 0x80, 1, 2, 3, 4);
    /* Section 5.4: a continuation without a message, a new message inside one. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x80, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x00, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x01, 0x80, 1, 2, 3, 4, 0x81, 0x80, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x01, 0x80, 1, 2, 3, 4, 0x02, 0x80, 1, 2, 3, 4);
    /* Section 5.2: a 64-bit length with its most significant bit set. */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4);
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                   0xff, 1, 2, 3, 4);
    /* Section 5.5.1: a close body of 1 byte (masked with key 0). */
    EXPECT_FAILURE(MIB, VG_ESYNTAX, 1002, 0x88, 0x81, 0, 0, 0, 0, 0x03);
}

static void test_close_codes(void)
{
    /* Section 7.4: codes that may not arrive in a close frame. */
    int bad[] = {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t body[2] = {(uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};
        uint8_t frame[16];
        size_t n = client_frame(frame, 0x88, body, 2);
        recorder rec;
        int code;
        CHECK_INT_EQ(feed_once(frame, n, MIB, &rec, &code), VG_ESYNTAX);
        CHECK_INT_EQ(code, 1002);
        CHECK_STR_EQ(rec.log, "");
    }
    int good[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                  1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint8_t body[2] = {(uint8_t)(good[i] >> 8), (uint8_t)good[i]};
        uint8_t frame[16];
        size_t n = client_frame(frame, 0x88, body, 2);
        recorder rec;
        int code;
        CHECK_INT_EQ(feed_once(frame, n, MIB, &rec, &code), 0);
        char want[32];
        snprintf(want, sizeof(want), "close:%d:;", good[i]);
        CHECK_STR_EQ(rec.log, want);
    }

    /* No body: 1005 (section 7.1.5). A reason: UTF-8, NUL-terminated for the callback. */
    uint8_t buf[256];
    size_t n = 0;
    add_frame(buf, &n, 0x88, "");
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "close:1005:;");
    n = 0;
    add_frame(buf, &n, 0x88, "\x0f\xa0g\xc3\xbc\x6e");
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "close:4000:g\xc3\xbcn;");

    /* Everything after the close frame is ignored, in the same feed or later. */
    vg_ws_reader *r = vg_ws_reader_create(MIB);
    memset(&rec, 0, sizeof(rec));
    n = 0;
    add_frame(buf, &n, 0x88, "\x03\xe9");
    add_frame(buf, &n, 0x81, "late");
    CHECK_INT_EQ(vg_ws_reader_feed(r, buf, n, &events, &rec), 0);
    CHECK_INT_EQ(vg_ws_reader_feed(r, (const uint8_t *)"\x00\x00", 2, &events, &rec), 0);
    CHECK_STR_EQ(rec.log, "close:1001:;");
    CHECK(vg_ws_reader_closed(r));
    CHECK(!vg_ws_reader_error(r, NULL, NULL));
    vg_ws_reader_destroy(r);
}

static void test_invalid_utf8(void)
{
    static const char *const bad[] = {
        "\xc0\xaf",                 /* overlong '/' in 2 bytes */
        "\xc1\xbf",                 /* overlong, C1 */
        "\xe0\x80\xaf",             /* overlong in 3 bytes */
        "\xe0\x9f\xbf",             /* overlong U+07FF */
        "\xf0\x80\x80\xaf",         /* overlong in 4 bytes */
        "\xf0\x8f\xbf\xbf",         /* overlong U+FFFF */
        "\xed\xa0\x80",             /* surrogate U+D800 */
        "\xed\xbf\xbf",             /* surrogate U+DFFF */
        "\xed\xa0\x80\xed\xb0\x80", /* a surrogate pair, CESU-8 */
        "\xf4\x90\x80\x80",         /* U+110000 */
        "\xf5\x80\x80\x80",         /* F5 is never a lead byte */
        "\xff",
        "\xfe",
        "\x80", /* a lone continuation byte */
        "ok\xbf",
        "\xce", /* cut short at the end */
        "\xe2\x82",
        "\xf0\x9f\x98",
        "\xe2\x28\xa1", /* a bad continuation byte */
        "\xf0\x9f\x98\x28",
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
        "edited",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t buf[128];
        size_t n = 0;
        add_frame(buf, &n, 0x81, bad[i]);
        recorder rec;
        int code;
        CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), VG_ESYNTAX);
        CHECK_INT_EQ(code, 1007);
        CHECK_STR_EQ(rec.log, "");

        /* The same bytes are fine in a binary message. */
        n = 0;
        add_frame(buf, &n, 0x82, bad[i]);
        CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
        CHECK_INT_EQ(rec.messages, 1);

        /* And not in a close reason (section 5.5.1, 8.1). */
        char body[64] = "\x03\xe8";
        strcat(body, bad[i]);
        n = 0;
        add_frame(buf, &n, 0x88, body);
        CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), VG_ESYNTAX);
        CHECK_INT_EQ(code, 1007);
    }

    static const char *const good[] = {
        "\x7f",
        "\xc2\x80",
        "\xdf\xbf",
        "\xe0\xa0\x80",
        "\xed\x9f\xbf", /* U+D7FF, just below the surrogates */
        "\xee\x80\x80", /* U+E000, just above */
        "\xef\xbf\xbf",
        "\xf0\x90\x80\x80",
        "\xf0\x9f\x98\x80", /* an emoji */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint8_t buf[64];
        size_t n = 0;
        add_frame(buf, &n, 0x81, good[i]);
        recorder rec;
        int code;
        CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
        CHECK_INT_EQ(rec.messages, 1);
    }

    /* Section 8.1 judges the whole message: a character may straddle two fragments. */
    uint8_t buf[64];
    size_t n = 0;
    add_frame(buf, &n, 0x01, "\xf0\x9f");
    add_frame(buf, &n, 0x80, "\x98\x80");
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(buf, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "text:\xf0\x9f\x98\x80;");
}

static void test_message_cap(void)
{
    /* A header announcing 1 MiB + 1 is refused at once, with nothing allocated. */
    vg_ws_reader *r = vg_ws_reader_create(MIB);
    uint8_t header[14] = {0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0x10, 0x00, 0x01, 1, 2, 3, 4};
    recorder rec;
    memset(&rec, 0, sizeof(rec));
    CHECK_INT_EQ(vg_ws_reader_feed(r, header, sizeof(header), &events, &rec), VG_ELIMIT);
    int code;
    CHECK(vg_ws_reader_error(r, &code, NULL));
    CHECK_INT_EQ(code, 1009);
    CHECK(r->message == NULL && r->message_cap == 0);
    vg_ws_reader_destroy(r);

    /* The buffer grows with the bytes that came, not with what a header announces. */
    r = vg_ws_reader_create(MIB);
    header[9] = 0x00; /* exactly 1 MiB */
    CHECK_INT_EQ(vg_ws_reader_feed(r, header, sizeof(header), &events, &rec), 0);
    CHECK_INT_EQ(vg_ws_reader_feed(r, (const uint8_t *)"0123456789", 10, &events, &rec), 0);
    CHECK_INT_EQ(r->message_cap, MESSAGE_BUFFER_MIN);
    vg_ws_reader_destroy(r);

    /* Exactly the cap is fine, and the buffer never exceeds it. */
    uint8_t *payload = calloc(1, MIB);
    uint8_t *frame = malloc(MIB + 14);
    size_t n = client_frame(frame, 0x82, payload, MIB);
    r = vg_ws_reader_create(MIB);
    memset(&rec, 0, sizeof(rec));
    CHECK_INT_EQ(vg_ws_reader_feed(r, frame, n - 1, &events, &rec), 0);
    CHECK(r->message_cap <= MIB);
    CHECK_INT_EQ(vg_ws_reader_feed(r, frame + n - 1, 1, &events, &rec), 0);
    CHECK_INT_EQ(rec.messages, 1);
    CHECK_INT_EQ(rec.last_len, MIB);
    /* A big buffer is let go after its message. */
    CHECK(r->message == NULL && r->message_cap == 0);
    vg_ws_reader_destroy(r);

    /* The cap is on the message, the sum of its fragments. */
    r = vg_ws_reader_create(MIB);
    memset(&rec, 0, sizeof(rec));
    n = client_frame(frame, 0x02, payload, MIB / 2);
    CHECK_INT_EQ(vg_ws_reader_feed(r, frame, n, &events, &rec), 0);
    n = client_frame(frame, 0x00, payload, MIB / 2);
    CHECK_INT_EQ(vg_ws_reader_feed(r, frame, n, &events, &rec), 0);
    n = client_frame(frame, 0x80, payload, 1);
    CHECK_INT_EQ(vg_ws_reader_feed(r, frame, 6, &events, &rec), VG_ELIMIT); /* the header only */
    CHECK(vg_ws_reader_error(r, &code, NULL));
    CHECK_INT_EQ(code, 1009);
    CHECK_INT_EQ(rec.messages, 0);
    CHECK(r->message_cap <= MIB);
    vg_ws_reader_destroy(r);

    /* Control frames do not count against the cap. */
    n = 0;
    add_frame(frame, &n, 0x89, "ping");
    CHECK_INT_EQ(feed_once(frame, n, 0, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "ping:ping;");
    EXPECT_FAILURE(0, VG_ELIMIT, 1009, 0x81, 0x81, 0, 0, 0, 0, 'x');

    free(payload);
    free(frame);
}

static void test_accept_key(void)
{
    char out[VG_WS_ACCEPT_SIZE];
    /* RFC 6455 section 1.3 and 4.2.2. */
    CHECK_INT_EQ(vg_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    CHECK_STR_EQ(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK_INT_EQ(vg_ws_accept_key("  \tdGhlIHNhbXBsZSBub25jZQ== ", out), 0);
    CHECK_STR_EQ(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    static const char *const bad[] = {
        "",
        "   ",
        "dGhlIHNhbXBsZSBub25jZQ",     /* no padding */
        "dGhlIHNhbXBsZSBub25j",       /* 15 bytes */
        "dGhlIHNhbXBsZSBub25jZWU=",   /* 17 bytes */
        "dGhlIHNhbXBsZSBub25jZQ==AA", /* too long */
        "dGhlIHNhbXBs ZSBub25jZQ=",   /* a space inside */
        "dGhlIHNhbXBsZSBub25jZR==",   /* pad bits set */
        "dGhlIHNhbXBsZSBub25jZ!==",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT_EQ(vg_ws_accept_key(bad[i], out), VG_EINVAL);
        CHECK_STR_EQ(out, "");
    }
    CHECK_INT_EQ(vg_ws_accept_key(NULL, out), VG_EINVAL);
}

static void test_frame_header(void)
{
    uint8_t h[10];
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_TEXT, 5), 2);
    CHECK(h[0] == 0x81 && h[1] == 0x05); /* section 5.7's unmasked "Hello" */
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_PONG, 0), 2);
    CHECK(h[0] == 0x8a && h[1] == 0x00);
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_CLOSE, 125), 2);
    CHECK(h[0] == 0x88 && h[1] == 125);
    /* Section 5.7: "256 bytes binary message in a single unmasked frame". */
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_BINARY, 256), 4);
    CHECK(h[0] == 0x82 && h[1] == 0x7e && h[2] == 0x01 && h[3] == 0x00);
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_BINARY, 126), 4);
    CHECK(h[1] == 126 && h[2] == 0 && h[3] == 126);
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_BINARY, 65535), 4);
    CHECK(h[2] == 0xff && h[3] == 0xff);
    /* "64KiB binary message in a single unmasked frame". */
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_BINARY, 65536), 10);
    static const uint8_t want[10] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    CHECK(memcmp(h, want, 10) == 0);
    CHECK_INT_EQ(vg_ws_frame_header(h, VG_WS_BINARY, 100 * 1024 + 7), 10);
    CHECK(h[7] == 0x01 && h[8] == 0x90 && h[9] == 0x07);
}

static void test_close_payload(void)
{
    uint8_t out[VG_WS_MAX_CONTROL_PAYLOAD];
    CHECK_INT_EQ(vg_ws_close_payload(out, 1000, "bye"), 5);
    CHECK(memcmp(out,
                 "\x03\xe8"
                 "bye",
                 5) == 0);
    CHECK_INT_EQ(vg_ws_close_payload(out, 1009, NULL), 2);
    CHECK(out[0] == 0x03 && out[1] == 0xf1);
    CHECK_INT_EQ(vg_ws_close_payload(out, 1005, "x"), 0);
    CHECK_INT_EQ(vg_ws_close_payload(out, 1006, NULL), 0);
    CHECK_INT_EQ(vg_ws_close_payload(out, 0, NULL), 0);

    /* Cut to 123 bytes of reason, never inside a character. */
    char reason[200];
    memset(reason, 'a', 122);
    strcpy(reason + 122, "\xc3\xbc and more"); /* 'ü' at 122-123 */
    CHECK_INT_EQ(vg_ws_close_payload(out, 1000, reason), 2 + 122);
    memset(reason, 'a', 123);
    strcpy(reason + 123, "\xc3\xbc");
    CHECK_INT_EQ(vg_ws_close_payload(out, 1000, reason), 125);
    memset(reason, 'a', 121);
    strcpy(reason + 121, "\xf0\x9f\x98\x80"); /* an emoji at 121-124 */
    CHECK_INT_EQ(vg_ws_close_payload(out, 1000, reason), 2 + 121);

    /* What it writes, the reader reads back. */
    uint8_t frame[140];
    size_t len = vg_ws_close_payload(out, 4001, "restarting");
    size_t n = client_frame(frame, 0x88, out, len);
    recorder rec;
    int code;
    CHECK_INT_EQ(feed_once(frame, n, MIB, &rec, &code), 0);
    CHECK_STR_EQ(rec.log, "close:4001:restarting;");
}

static void test_null_callbacks(void)
{
    uint8_t buf[128];
    size_t n = 0;
    add_frame(buf, &n, 0x81, "Hello");
    add_frame(buf, &n, 0x89, "");
    add_frame(buf, &n, 0x88, "");
    vg_ws_reader_events none = {0};
    vg_ws_reader *r = vg_ws_reader_create(MIB);
    CHECK_INT_EQ(vg_ws_reader_feed(r, buf, n, &none, NULL), 0);
    CHECK(vg_ws_reader_closed(r));
    vg_ws_reader_destroy(r);
    vg_ws_reader_destroy(NULL);
}

int main(void)
{
    VG_TEST_RUN(test_rfc_single_frame_hello);
    VG_TEST_RUN(test_rfc_fragmented_and_ping);
    VG_TEST_RUN(test_control_frames_between_fragments);
    VG_TEST_RUN(test_empty_messages);
    VG_TEST_RUN(test_extended_lengths);
    VG_TEST_RUN(test_any_cut_gives_the_same_events);
    VG_TEST_RUN(test_protocol_errors);
    VG_TEST_RUN(test_close_codes);
    VG_TEST_RUN(test_invalid_utf8);
    VG_TEST_RUN(test_message_cap);
    VG_TEST_RUN(test_accept_key);
    VG_TEST_RUN(test_frame_header);
    VG_TEST_RUN(test_close_payload);
    VG_TEST_RUN(test_null_callbacks);
    return vg_test_done();
}
