/*
 * websocket.c: RFC 6455 framing for the server side.
 *
 * DESIGN. The reader is a small state machine over the frame layout of
 * section 5.2:
 *
 *   START ──2 bytes──▶ HEADER ──extended length, mask key──▶ PAYLOAD ──▶ START
 *   (FIN, RSV, opcode,  (2 or 8 more length bytes, then     (unmask into
 *    MASK, 7-bit length) the 4-byte masking key)              the buffer)
 *
 * Each step checks what it can as early as it can: the first two bytes
 * already say whether the frame is allowed (opcode, reserved bits, mask,
 * fragmentation, control frame length), and the full header says how long
 * the message would become, so an oversized message is refused before one
 * byte of its payload is stored.
 *
 * Data frame payloads are unmasked straight from the input into the message
 * buffer, where fragments are reassembled (section 5.4): each payload byte
 * is copied once, and on_message() gets the buffer. The buffer grows as
 * bytes arrive, not when a header announces them, so a client that
 * announces 1 MiB and sends 10 bytes costs 256 bytes. Control frames (125
 * bytes at most, section 5.5) have a fixed buffer of their own, since they
 * may arrive between the fragments of a message.
 */
#include "http/websocket.h"

#include "core/crypto.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

enum read_state {
    READ_START,   /* the first two bytes of a frame */
    READ_HEADER,  /* the rest of the header: extended length and masking key */
    READ_PAYLOAD, /* the payload */
    READ_DONE,    /* after a close frame or an error: input is ignored */
};

/* The message buffer: its first size, and the largest one kept between messages. */
#define MESSAGE_BUFFER_MIN  256
#define MESSAGE_BUFFER_KEEP (64 * 1024)

struct vg_ws_reader {
    size_t max_message;
    enum read_state state;

    /* The frame being read. */
    uint8_t header[14]; /* 2 + at most 8 length bytes + 4 key bytes */
    size_t header_len, header_need;
    bool fin;
    int opcode;
    const uint8_t *mask; /* the masking key: the last 4 bytes of `header` */
    uint64_t payload_len, payload_read;
    uint8_t control[VG_WS_MAX_CONTROL_PAYLOAD + 1]; /* + a NUL after a close reason */

    /* The data message being reassembled from its fragments. */
    bool in_message, binary;
    uint8_t *message;
    size_t message_len, message_cap; /* message_len: the fragments before this frame */

    /* After READ_DONE: the failure, if any. */
    int error;
    int close_code;
    const char *reason;
    bool closed;
};

vg_ws_reader *vg_ws_reader_create(size_t max_message)
{
    vg_ws_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->max_message = max_message;
    r->state = READ_START;
    r->header_need = 2;
    return r;
}

void vg_ws_reader_destroy(vg_ws_reader *reader)
{
    if (!reader)
        return;
    free(reader->message);
    free(reader);
}

bool vg_ws_reader_error(const vg_ws_reader *reader, int *code, const char **reason)
{
    if (!reader->error)
        return false;
    if (code)
        *code = reader->close_code;
    if (reason)
        *reason = reader->reason;
    return true;
}

bool vg_ws_reader_closed(const vg_ws_reader *reader)
{
    return reader->closed;
}

/* Section 7.1.7: on an error the server fails the connection; nothing more is read. */
static int fail(vg_ws_reader *r, int error, int close_code, const char *reason)
{
    r->state = READ_DONE;
    r->error = error;
    r->close_code = close_code;
    r->reason = reason;
    return error;
}

static int protocol_error(vg_ws_reader *r, const char *reason)
{
    return fail(r, VG_ESYNTAX, VG_WS_CLOSE_PROTOCOL_ERROR, reason);
}

/*
 * Whether `s` is UTF-8 as RFC 3629 section 4 defines it: no overlong forms
 * (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing above
 * U+10FFFF (F4 90-BF, F5-FF), and no sequence cut short.
 */
static bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t tail;                  /* continuation bytes after the lead byte */
        uint8_t lo = 0x80, hi = 0xbf; /* the range of the first continuation byte */
        if (c >= 0xc2 && c <= 0xdf) {
            tail = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            tail = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            tail = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return false;
        }
        if (len - i - 1 < tail || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= tail; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        }
        i += 1 + tail;
    }
    return true;
}

/*
 * Section 7.4: the codes a close frame may carry. 1004 is reserved, 1005,
 * 1006 and 1015 must never be sent, 1016-2999 are for future RFCs, 0-999
 * and 5000 up are not used. 1012-1014 were registered with IANA after the
 * RFC (service restart, try again later, bad gateway).
 */
static bool close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

/* Section 5.2, the first two bytes: |FIN|RSV1-3|opcode(4)|MASK|payload len(7)| */
static int read_start(vg_ws_reader *r)
{
    uint8_t b0 = r->header[0], b1 = r->header[1];
    r->fin = b0 & 0x80;
    r->opcode = b0 & 0x0f;
    size_t len7 = b1 & 0x7f;

    /* "MUST be 0 unless an extension is negotiated": vigil negotiates none. */
    if (b0 & 0x70)
        return protocol_error(r, "reserved bits set");
    switch (r->opcode) {
    case VG_WS_TEXT:
    case VG_WS_BINARY:
        /* Section 5.4: the fragments of one message are not interleaved with another. */
        if (r->in_message)
            return protocol_error(r, "new message inside a fragmented one");
        break;
    case VG_WS_CONTINUATION:
        if (!r->in_message)
            return protocol_error(r, "continuation without a message");
        break;
    case VG_WS_CLOSE:
    case VG_WS_PING:
    case VG_WS_PONG:
        /*
         * Section 5.5: "All control frames MUST have a payload length of 125
         * bytes or less and MUST NOT be fragmented."
         */
        if (!r->fin)
            return protocol_error(r, "fragmented control frame");
        if (len7 > VG_WS_MAX_CONTROL_PAYLOAD)
            return protocol_error(r, "control frame too long");
        break;
    default:
        /* "If an unknown opcode is received, the receiving endpoint MUST _Fail_" */
        return protocol_error(r, "unknown opcode");
    }
    /*
     * Section 5.1: "The server MUST close the connection upon receiving a
     * frame that is not masked."
     */
    if (!(b1 & 0x80))
        return protocol_error(r, "unmasked frame");

    size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    r->header_need = 2 + extended + 4;
    r->state = READ_HEADER;
    return 0;
}

/* Section 5.2, the rest of the header: the extended payload length, then the masking key. */
static int read_header(vg_ws_reader *r)
{
    size_t len7 = r->header[1] & 0x7f;
    uint64_t len = len7;
    if (len7 == 126) {
        len = (uint64_t)r->header[2] << 8 | r->header[3];
    } else if (len7 == 127) {
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | r->header[2 + i];
        /* "the most significant bit MUST be 0" */
        if (len >> 63)
            return protocol_error(r, "length with its top bit set");
    }
    /*
     * Section 10.4: an endpoint limits the size of what it accepts. The
     * message would be the fragments so far and this frame: refuse it now,
     * before its payload is stored. (The RFC also asks for the shortest
     * length form; a longer one is harmless, so it is accepted.)
     */
    bool control = r->opcode & 0x08;
    if (!control && len > r->max_message - r->message_len)
        return fail(r, VG_ELIMIT, VG_WS_CLOSE_TOO_BIG, "message too big");

    r->mask = r->header + r->header_need - 4;
    r->payload_len = len;
    r->payload_read = 0;
    r->state = READ_PAYLOAD;
    return 0;
}

/* Grows the message buffer to hold `need` bytes; need <= max_message, checked before. */
static int reserve(vg_ws_reader *r, size_t need)
{
    if (need <= r->message_cap)
        return 0;
    size_t cap = r->message_cap ? r->message_cap : MESSAGE_BUFFER_MIN;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > r->max_message)
        cap = r->max_message;
    uint8_t *grown = realloc(r->message, cap);
    if (!grown)
        return fail(r, VG_ENOMEM, VG_WS_CLOSE_INTERNAL_ERROR, "out of memory");
    r->message = grown;
    r->message_cap = cap;
    return 0;
}

/*
 * Section 5.3: "Octet i of the transformed data is the XOR of octet i of the original data with
 * octet at index i modulo 4 of the masking key". `offset` is the index of src[0] in the payload.
 */
static void unmask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t mask[4],
                   uint64_t offset)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ mask[(offset + i) & 3];
}

/* Unmasks the next `len` bytes of the payload (no more than are left) into their buffer. */
static int read_payload(vg_ws_reader *r, const uint8_t *data, size_t len)
{
    uint8_t *dst;
    if (r->opcode & 0x08) {
        dst = r->control + r->payload_read;
    } else {
        size_t at = r->message_len + (size_t)r->payload_read;
        int err = reserve(r, at + len);
        if (err < 0)
            return err;
        dst = r->message + at;
    }
    unmask(dst, data, len, r->mask, r->payload_read);
    r->payload_read += len;
    return 0;
}

/* Section 5.5.1: a close frame's body, if any, is a 2-byte code and a UTF-8 reason. */
static int end_close(vg_ws_reader *r, const vg_ws_reader_events *ev, void *ctx)
{
    size_t len = (size_t)r->payload_len;
    int code = VG_WS_CLOSE_NO_STATUS;
    const char *reason = (const char *)r->control;
    size_t reason_len = 0;
    if (len == 1)
        return protocol_error(r, "close frame of 1 byte");
    if (len >= 2) {
        code = r->control[0] << 8 | r->control[1];
        if (!close_code_valid(code))
            return protocol_error(r, "invalid close code");
        reason += 2;
        reason_len = len - 2;
        if (!utf8_valid(r->control + 2, reason_len))
            return fail(r, VG_ESYNTAX, VG_WS_CLOSE_INVALID_DATA, "close reason is not UTF-8");
    }
    r->control[len] = '\0';
    /* Section 5.5.1: after a close frame the endpoint sends no more data; ignore the rest. */
    r->state = READ_DONE;
    r->closed = true;
    if (ev->on_close)
        ev->on_close(ctx, code, reason, reason_len);
    return 0;
}

/* Section 5.4: a message is its first frame and its continuations, up to the one with FIN. */
static int end_message(vg_ws_reader *r, const vg_ws_reader_events *ev, void *ctx)
{
    if (r->opcode != VG_WS_CONTINUATION) {
        r->in_message = true;
        r->binary = r->opcode == VG_WS_BINARY;
    }
    r->message_len += (size_t)r->payload_len;
    if (!r->fin)
        return 0;

    size_t len = r->message_len;
    r->in_message = false;
    r->message_len = 0;
    /* Section 8.1: a text message that is not UTF-8 fails the connection. */
    if (!r->binary && !utf8_valid(r->message, len))
        return fail(r, VG_ESYNTAX, VG_WS_CLOSE_INVALID_DATA, "text is not UTF-8");
    if (ev->on_message)
        ev->on_message(ctx, r->binary, r->message ? r->message : (const uint8_t *)"", len);
    if (r->message_cap > MESSAGE_BUFFER_KEEP) {
        free(r->message);
        r->message = NULL;
        r->message_cap = 0;
    }
    return 0;
}

static int end_frame(vg_ws_reader *r, const vg_ws_reader_events *ev, void *ctx)
{
    r->state = READ_START;
    r->header_len = 0;
    r->header_need = 2;
    switch (r->opcode) {
    case VG_WS_CLOSE:
        return end_close(r, ev, ctx);
    case VG_WS_PING:
        if (ev->on_ping)
            ev->on_ping(ctx, r->control, (size_t)r->payload_len);
        return 0;
    case VG_WS_PONG:
        if (ev->on_pong)
            ev->on_pong(ctx, r->control, (size_t)r->payload_len);
        return 0;
    default:
        return end_message(r, ev, ctx);
    }
}

int vg_ws_reader_feed(vg_ws_reader *reader, const uint8_t *data, size_t len,
                      const vg_ws_reader_events *ev, void *ctx)
{
    vg_ws_reader *r = reader;
    size_t pos = 0;
    while (pos < len && r->state != READ_DONE) {
        int err = 0;
        if (r->state == READ_PAYLOAD) {
            uint64_t left = r->payload_len - r->payload_read;
            size_t take = left < len - pos ? (size_t)left : len - pos;
            err = read_payload(r, data + pos, take);
            pos += take;
            if (err == 0 && r->payload_read == r->payload_len)
                err = end_frame(r, ev, ctx);
        } else {
            size_t take = r->header_need - r->header_len;
            if (take > len - pos)
                take = len - pos;
            memcpy(r->header + r->header_len, data + pos, take);
            r->header_len += take;
            pos += take;
            if (r->header_len < r->header_need)
                break;
            if (r->state == READ_START) {
                err = read_start(r);
            } else {
                err = read_header(r);
                if (err == 0 && r->payload_len == 0)
                    err = end_frame(r, ev, ctx);
            }
        }
        if (err < 0)
            return err;
    }
    return r->error;
}

/* Section 1.3: the GUID a server appends to the key to prove it speaks WebSocket. */
static const char accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int vg_ws_accept_key(const char *client_key, char out[VG_WS_ACCEPT_SIZE])
{
    out[0] = '\0';
    if (!client_key)
        return VG_EINVAL;
    /* The header value may have optional white space around it (RFC 7230 section 3.2). */
    const char *key = client_key;
    size_t len = strlen(key);
    while (len > 0 && (key[0] == ' ' || key[0] == '\t')) {
        key++;
        len--;
    }
    while (len > 0 && (key[len - 1] == ' ' || key[len - 1] == '\t'))
        len--;

    /* Section 4.2.1 item 5: "a base64-encoded value that, when decoded, is 16 bytes". */
    uint8_t nonce[16];
    size_t nonce_len;
    if (len != 24 || vg_base64_decode(key, len, nonce, sizeof(nonce), &nonce_len) != 0 ||
        nonce_len != sizeof(nonce))
        return VG_EINVAL;

    /* Section 4.2.2 item 5.4: base64(SHA-1(key + GUID)), the key as sent, not decoded. */
    char text[24 + sizeof(accept_guid) - 1];
    memcpy(text, key, 24);
    memcpy(text + 24, accept_guid, sizeof(accept_guid) - 1);
    uint8_t digest[VG_SHA1_LEN];
    vg_sha1(text, sizeof(text), digest);
    vg_base64_encode(digest, sizeof(digest), out);
    return 0;
}

size_t vg_ws_frame_header(uint8_t out[10], int opcode, size_t payload_len)
{
    out[0] = 0x80 | (opcode & 0x0f); /* FIN, no RSV bits */
    /* Section 5.2: the MASK bit is 0, server frames are never masked (section 5.1). */
    if (payload_len <= VG_WS_MAX_CONTROL_PAYLOAD) {
        out[1] = (uint8_t)payload_len;
        return 2;
    }
    if (payload_len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(payload_len >> 8);
        out[3] = (uint8_t)payload_len;
        return 4;
    }
    uint64_t len = payload_len;
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

size_t vg_ws_close_payload(uint8_t out[VG_WS_MAX_CONTROL_PAYLOAD], int code, const char *reason)
{
    /* Section 7.4.1: 1005, 1006 and 1015 are never put in a close frame. */
    if (code <= 0 || code > 0xffff || code == VG_WS_CLOSE_NO_STATUS || code == 1006 || code == 1015)
        return 0;
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    size_t len = reason ? strlen(reason) : 0;
    if (len > VG_WS_MAX_CONTROL_PAYLOAD - 2) {
        /* Cut before the character that byte 123 belongs to: skip back over 10xxxxxx bytes. */
        len = VG_WS_MAX_CONTROL_PAYLOAD - 2;
        while (len > 0 && ((uint8_t)reason[len] & 0xc0) == 0x80)
            len--;
    }
    if (len > 0)
        memcpy(out + 2, reason, len);
    return 2 + len;
}
