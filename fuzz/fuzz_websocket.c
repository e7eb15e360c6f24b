/*
 * fuzz_websocket.c: http/websocket.c's reader, and the base64 under its
 * handshake, against arbitrary bytes.
 *
 * Beyond "no crash, no overread, no allocation past the cap", it checks:
 *   - the reader gives the same events and the same result whether the
 *     input comes in one piece, cut at three points, or byte by byte;
 *   - every event is sane: a message fits the cap, a text message is UTF-8
 *     (checked here by decoding code points, not as the reader does), a
 *     close code is one a client may send or 1005, control payloads fit
 *     125 bytes, and nothing comes after a close;
 *   - a failure names a close code that matches its error, and sticks;
 *   - base64 that decodes encodes back to the same text (strictness means
 *     one text per byte string), and any bytes survive encode + decode.
 */
#include "core/crypto.h"
#include "core/error.h"
#include "http/websocket.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGE 1000

static void check(int ok)
{
    if (!ok)
        abort();
}

/* UTF-8 by decoding: shortest form, no surrogates, at most U+10FFFF (RFC 3629). */
static bool utf8_ok(const uint8_t *s, size_t len)
{
    static const uint32_t smallest[4] = {0, 0x80, 0x800, 0x10000};
    for (size_t i = 0; i < len;) {
        uint32_t c = s[i];
        size_t more;
        if (c < 0x80)
            more = 0;
        else if ((c & 0xe0) == 0xc0)
            more = 1, c &= 0x1f;
        else if ((c & 0xf0) == 0xe0)
            more = 2, c &= 0x0f;
        else if ((c & 0xf8) == 0xf0)
            more = 3, c &= 0x07;
        else
            return false;
        if (len - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if (c < smallest[more] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        i += 1 + more;
    }
    return true;
}

/* What a run saw: a hash over every event in order (FNV-1a), and some counts. */
typedef struct run {
    uint64_t hash;
    size_t events;
    bool closed;
} run;

static void mix(run *r, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        r->hash = (r->hash ^ b[i]) * 0x100000001b3ull;
}

static void event(run *r, int kind, const uint8_t *data, size_t len)
{
    check(!r->closed); /* nothing after a close */
    check(data != NULL);
    r->events++;
    mix(r, &kind, sizeof(kind));
    mix(r, &len, sizeof(len));
    mix(r, data, len);
}

static void on_message(void *ctx, bool binary, const uint8_t *data, size_t len)
{
    check(len <= MAX_MESSAGE);
    check(binary || utf8_ok(data, len));
    event(ctx, binary ? VG_WS_BINARY : VG_WS_TEXT, data, len);
}

static void on_ping(void *ctx, const uint8_t *payload, size_t len)
{
    check(len <= VG_WS_MAX_CONTROL_PAYLOAD);
    event(ctx, VG_WS_PING, payload, len);
}

static void on_pong(void *ctx, const uint8_t *payload, size_t len)
{
    check(len <= VG_WS_MAX_CONTROL_PAYLOAD);
    event(ctx, VG_WS_PONG, payload, len);
}

static void on_close(void *ctx, int code, const char *reason, size_t reason_len)
{
    run *r = ctx;
    check(reason_len <= VG_WS_MAX_CONTROL_PAYLOAD - 2);
    check(reason[reason_len] == '\0');
    check(utf8_ok((const uint8_t *)reason, reason_len));
    if (code == VG_WS_CLOSE_NO_STATUS)
        check(reason_len == 0);
    else
        check((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
              (code >= 3000 && code <= 4999));
    event(r, VG_WS_CLOSE, (const uint8_t *)reason, reason_len);
    mix(r, &code, sizeof(code));
    r->closed = true;
}

static const vg_ws_reader_events events = {
    .on_message = on_message,
    .on_ping = on_ping,
    .on_pong = on_pong,
    .on_close = on_close,
};

/*
 * Feeds `data` in the pieces that `cuts` (ascending offsets) make and returns
 * the last result; fills *out and *close_code (0 without an error).
 */
static int feed(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count, run *out,
                int *close_code)
{
    memset(out, 0, sizeof(*out));
    out->hash = 0xcbf29ce484222325ull;
    vg_ws_reader *reader = vg_ws_reader_create(MAX_MESSAGE);
    check(reader != NULL);
    int err = 0;
    size_t at = 0;
    for (size_t i = 0; i <= cut_count; i++) {
        size_t end = i < cut_count ? cuts[i] : size;
        int ret = vg_ws_reader_feed(reader, data + at, end - at, &events, out);
        /* Once failed, it stays failed with the same code. */
        if (err < 0)
            check(ret == err);
        err = ret;
        at = end;
    }
    check(vg_ws_reader_closed(reader) == out->closed);
    const char *reason = NULL;
    *close_code = 0;
    bool failed = vg_ws_reader_error(reader, close_code, &reason);
    check(failed == (err < 0));
    if (failed) {
        check(!out->closed);
        check(reason != NULL && strlen(reason) <= VG_WS_MAX_CONTROL_PAYLOAD - 2);
        check((err == VG_ESYNTAX && (*close_code == 1002 || *close_code == 1007)) ||
              (err == VG_ELIMIT && *close_code == 1009) ||
              (err == VG_ENOMEM && *close_code == 1011));
        /* It ignores what comes next. */
        size_t seen = out->events;
        check(vg_ws_reader_feed(reader, data, size, &events, out) == err);
        check(out->events == seen);
    }
    vg_ws_reader_destroy(reader);
    return err;
}

static void fuzz_reader(const uint8_t *data, size_t size)
{
    run whole, cut, bytes;
    int code_whole, code_cut, code_bytes;
    int err = feed(data, size, NULL, 0, &whole, &code_whole);

    /* Three cuts that the input chooses with its first byte. */
    size_t seed = size ? data[0] : 0;
    size_t cuts[3] = {(seed * 7) % (size + 1), size / 2, size - size * (seed & 15) / 16};
    for (int i = 0; i < 3; i++) {
        for (int j = i + 1; j < 3; j++) {
            if (cuts[j] < cuts[i]) {
                size_t t = cuts[i];
                cuts[i] = cuts[j];
                cuts[j] = t;
            }
        }
    }
    check(feed(data, size, cuts, 3, &cut, &code_cut) == err);
    check(cut.hash == whole.hash && cut.events == whole.events && code_cut == code_whole);

    if (size <= 2048) {
        size_t *every = malloc(size * sizeof(*every) + 1);
        check(every != NULL);
        for (size_t i = 0; i < size; i++)
            every[i] = i;
        check(feed(data, size, every, size, &bytes, &code_bytes) == err);
        check(bytes.hash == whole.hash && bytes.events == whole.events && code_bytes == code_whole);
        free(every);
    }
}

static void fuzz_base64(const uint8_t *data, size_t size)
{
    /* Any bytes: encode, then decode to the same bytes. */
    size_t text_len = vg_base64_encoded_len(size);
    char *text = malloc(text_len + 1);
    uint8_t *back = malloc(size + 1);
    check(text && back);
    check(vg_base64_encode(data, size, text) == text_len);
    check(text[text_len] == '\0' && strlen(text) == text_len);
    size_t n;
    check(vg_base64_decode(text, text_len, back, size, &n) == 0);
    check(n == size && memcmp(back, data, size) == 0);
    free(text);
    free(back);

    /* The input as text: if it decodes, it is the one encoding of what it decodes to. */
    uint8_t *bytes = malloc(size / 4 * 3 + 1);
    check(bytes != NULL);
    if (vg_base64_decode((const char *)data, size, bytes, size / 4 * 3, &n) == 0) {
        check(vg_base64_encoded_len(n) == size);
        char *again = malloc(size + 1);
        check(again != NULL);
        vg_base64_encode(bytes, n, again);
        check(memcmp(again, data, size) == 0);
        free(again);
    }
    free(bytes);

    /* The handshake: a key that passes gives a 28-char accept value. */
    char key[64], accept[VG_WS_ACCEPT_SIZE];
    size_t key_len = size < sizeof(key) - 1 ? size : sizeof(key) - 1;
    memcpy(key, data, key_len);
    key[key_len] = '\0';
    if (vg_ws_accept_key(key, accept) == 0)
        check(strlen(accept) == 28);
    else
        check(accept[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    fuzz_reader(data, size);
    fuzz_base64(data, size);
    return 0;
}
