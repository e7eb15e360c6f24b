/*
 * message.h: RTSP/1.0 messages (RFC 2326) as the client sees them: the
 * parser of what a camera sends, the parsers of the header values the client
 * acts on, and the writer of requests. Pure: no I/O, no allocation, no
 * logging; unit-tested and fuzzed alone (fuzz/fuzz_rtsp_message.c).
 *
 *   socket bytes ──vg_rtsp_message_parse──▶ vg_rtsp_message (views into the bytes)
 *       vg_rtsp_header_get("Transport") ──vg_rtsp_transport_parse──▶ vg_rtsp_transport
 *       vg_rtsp_header_get("Session")   ──vg_rtsp_session_parse────▶ id, timeout
 *       vg_rtsp_header_get("RTP-Info")  ──vg_rtsp_rtp_info_parse───▶ vg_rtsp_rtp_info[]
 *   method, uri, header lines ──vg_rtsp_request_write──▶ request text
 *
 * The RFC sections these follow: 4 (message), 6 and 7 (request and response
 * lines), 12.17 (CSeq), 12.14 (Content-Length), 12.33 (RTP-Info), 12.37
 * (Session), 12.39 (Transport). The syntax of lines and headers is RFC
 * 2326's, which borrows HTTP/1.1's (RFC 2616 section 4; RFC 7230 section 3.2
 * for what a header line may hold).
 *
 * Over TCP an RTSP connection also carries interleaved binary frames (RFC
 * 2326 10.12: '$', channel, 16-bit length, data). They are not messages:
 * the caller looks at the first byte and takes a '$' frame off the buffer
 * itself before calling vg_rtsp_message_parse(), which refuses a '$'
 * (VG_ESYNTAX).
 */
#ifndef VG_RTSP_MESSAGE_H
#define VG_RTSP_MESSAGE_H

#include "core/slice.h" /* vg_slice */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RTSP_MAX_HEADERS 48
#define VG_RTSP_MAX_HEAD    16384     /* start line + headers + the empty line, bytes */
#define VG_RTSP_MAX_BODY    (1 << 20) /* Content-Length above this is VG_ERANGE */

/* One header line as it came: `name` as written, `value` trimmed of surrounding spaces/tabs. */
typedef struct vg_rtsp_header {
    vg_slice name, value;
} vg_rtsp_header;

/*
 * A parsed message. Every vg_slice points into the buffer given to
 * vg_rtsp_message_parse(): the message is valid only while those bytes stay
 * where they are (consume .size bytes after acting on it, not before).
 * About 1.6 KB.
 */
typedef struct vg_rtsp_message {
    /* a request from the server (ANNOUNCE, SET_PARAMETER, OPTIONS: servers may send them
       on the same connection); false for a response */
    bool is_request;
    vg_slice method, uri;                        /* requests; len 0 in a response */
    int status;                                  /* responses: 100..999; 0 in a request */
    vg_slice reason;                             /* responses: the reason phrase, may be empty */
    vg_rtsp_header headers[VG_RTSP_MAX_HEADERS]; /* in the order received */
    size_t header_count;
    int cseq;      /* -1 when absent or not a number (digits only, up to INT_MAX) */
    vg_slice body; /* Content-Length bytes after the head; len 0 when none */
    size_t size;   /* bytes the whole message takes in the buffer (head + body) */
} vg_rtsp_message;

/*
 * Parses one message at the start of `buf` (`len` bytes; never reads past
 * them, needs no NUL). The views in *out point into `buf`; *out is only
 * meaningful when 1 is returned. Returns:
 *   1            a whole message is there: *out filled in, out->size bytes used;
 *   0            more bytes are needed (call again with the same start and more bytes);
 *   VG_ESYNTAX   malformed: a bad start line (not "METHOD SP uri SP RTSP/1.0" nor
 *                "RTSP/1.0 SP 3DIGIT [SP reason]"), a header line without ':' or
 *                with a name that is not a token, a control character in a line, an
 *                obs-fold continuation line (RFC 7230 3.2.4 lets us refuse it), a
 *                Content-Length that is not digits or two that disagree;
 *   VG_ERANGE    the head exceeds VG_RTSP_MAX_HEAD, it has more than
 *                VG_RTSP_MAX_HEADERS headers, or Content-Length exceeds
 *                VG_RTSP_MAX_BODY.
 * Errors are reported as soon as a complete line shows them, without waiting
 * for the rest of the head. Lines may end in CRLF or a bare LF (some cameras
 * send LF). Empty lines before the start line are skipped and counted in
 * .size: a camera that miscounts its Content-Length by a trailing CRLF does
 * not break the connection.
 */
int vg_rtsp_message_parse(const uint8_t *buf, size_t len, vg_rtsp_message *out);

/* The first header named `name` (compared ASCII case-insensitively), or NULL. Borrowed from m. */
const vg_slice *vg_rtsp_header_get(const vg_rtsp_message *m, const char *name);

/*
 * The Transport the server chose, from SETUP's reply (RFC 2326 12.39), e.g.
 * "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D;mode=play".
 */
typedef struct vg_rtsp_transport {
    bool tcp; /* lower-transport TCP; UDP when absent ("RTP/AVP") or "UDP" */
    bool has_interleaved;
    int channel_rtp, channel_rtcp; /* 0..255; "interleaved=N" alone means N and N+1 */
    bool has_ssrc;
    uint32_t ssrc;
} vg_rtsp_transport;

/*
 * Parses a Transport value (a view, no NUL needed). When it lists several
 * transport specs (',') only the first is read: a reply carries the one
 * chosen. Names and the protocol are compared case-insensitively; unknown
 * parameters (client_port, mode, source...) are ignored. Returns 0, or
 * VG_ESYNTAX: no "protocol/profile", an interleaved that is not N or N-M
 * with channels 0..255 (with N alone, N + 1 must be 255 at most). A
 * malformed ssrc (not 1-8 hex digits) is ignored (has_ssrc false) rather
 * than refused: the client does not need it, and refusing the SETUP over an
 * informational field would lose the stream.
 */
int vg_rtsp_transport_parse(vg_slice value, vg_rtsp_transport *out);

/*
 * Parses a Session value, "12345678;timeout=60" (RFC 2326 12.37). The id is
 * copied into `id` (capacity `cap` bytes, NUL included, always
 * NUL-terminated when cap > 0). *timeout_s is the timeout in seconds, or 60
 * (the RFC's default) when absent, and also when it is not a number from 1
 * to INT_MAX: the client only schedules keep-alives from it. Returns 0;
 * VG_ESYNTAX when the id is empty or holds a character outside visible
 * ASCII (the id is echoed back in every request's header, so it must not
 * carry a CR, LF or space); VG_ERANGE when it does not fit in `cap`.
 */
int vg_rtsp_session_parse(vg_slice value, char *id, size_t cap, int *timeout_s);

/* One entry of RTP-Info (RFC 2326 12.33). */
typedef struct vg_rtsp_rtp_info {
    vg_slice url; /* a view into the value; len 0 when the entry has no url */
    bool has_seq, has_rtptime;
    uint16_t seq;     /* the first RTP sequence number after PLAY */
    uint32_t rtptime; /* the RTP timestamp that matches the Range start */
} vg_rtsp_rtp_info;

/*
 * Parses an RTP-Info value, "url=rtsp://h/s/trackID=0;seq=123;rtptime=456,url=...",
 * into out[0..cap). Commas separate entries and ';' separates parameters,
 * so a bare url may contain neither (RFC 2326 has no quoting there); a url
 * in double quotes, as RFC 7826 writes it, may, and is unquoted. Spaces
 * around entries and parameters, empty entries and unknown parameters are
 * skipped; entries past `cap` are not looked at. Returns the number of entries stored, or
 * VG_ESYNTAX for a seq that is not 0..65535 or an rtptime that is not
 * 0..4294967295. The url views point into `value`.
 */
int vg_rtsp_rtp_info_parse(vg_slice value, vg_rtsp_rtp_info *out, size_t cap);

/*
 * Writes a request into `out` (capacity `cap` bytes, NUL included):
 *
 *   METHOD SP uri SP RTSP/1.0 CRLF
 *   CSeq: n CRLF
 *   User-Agent: vigil/VIGIL_VERSION CRLF
 *   headers
 *   CRLF
 *
 * `headers` are whole lines, each "Name: value\r\n" (NULL or "" for none);
 * the caller owns every string. Returns the length written (NUL excluded);
 * VG_ERANGE when it does not fit (then `out` holds no request); VG_EINVAL
 * when something would inject a line or split the request: a method that
 * is not a token, an empty uri or one with a space or control character,
 * a negative cseq, or headers that are not a run of "Name: value\r\n" lines
 * (a bare CR or LF, an empty line, a control character, a line without a
 * token name and ':').
 */
int vg_rtsp_request_write(char *out, size_t cap, const char *method, const char *uri, int cseq,
                          const char *headers);

#endif
