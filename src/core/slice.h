/*
 * slice.h: views into someone else's bytes, and the small steps that text
 * parsers take over them (SDP in webrtc/sdp.c and rtsp/describe.c, RTSP
 * headers in rtsp/message.c and rtsp/auth.c).
 *
 * A vg_slice never owns its bytes and is never NUL-terminated by contract:
 * nothing here reads past `len`, so a slice may point into a network buffer
 * as it came. Every function is pure: no allocation, no state.
 *
 * "Blank" below means a space or a horizontal tab (RFC 5234 WSP), the
 * separators of SDP fields (RFC 8866 section 9) and the optional white space
 * of RTSP and HTTP headers (RFC 7230 section 3.2.3).
 */
#ifndef VG_CORE_SLICE_H
#define VG_CORE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A view into someone else's bytes; never NUL-terminated by contract. */
typedef struct vg_slice {
    const char *p;
    size_t len;
} vg_slice;

/* The `len` bytes at `p` as a slice. */
static inline vg_slice vg_slice_from(const char *p, size_t len)
{
    vg_slice s = {p, len};
    return s;
}

/* A NUL-terminated string as a slice (the NUL excluded). */
static inline vg_slice vg_slice_from_cstr(const char *s)
{
    return vg_slice_from(s, strlen(s));
}

/* True when `c` is a space or a tab. */
static inline bool vg_slice_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The value of hexadecimal digit `c` (either case), or -1 if it is none. */
static inline int vg_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* True when `s` is exactly the NUL-terminated `lit`. */
bool vg_slice_eq(vg_slice s, const char *lit);

/* The same, ignoring ASCII case: tokens, encoding names, header names. */
bool vg_slice_eq_ci(vg_slice s, const char *lit);

/* True when `s` begins with `lit`, ignoring ASCII case. */
bool vg_slice_starts_with_ci(vg_slice s, const char *lit);

/* True when `c` occurs in `s`. */
bool vg_slice_has_char(vg_slice s, char c);

/* Copies `s` into `dst` (`cap` bytes) with a NUL; false, and nothing written, when it does not fit.
 */
bool vg_slice_copy(char *dst, size_t cap, vg_slice s);

/* `s` without the blanks at its start and at its end. */
vg_slice vg_slice_trim(vg_slice s);

/*
 * As vg_slice_trim(), but at the end CRs go too, mixed with the blanks in
 * any order: a line of text with its CRLF (or a stray CR) and trailing
 * blanks. A CR at the start stays.
 */
vg_slice vg_slice_trim_line(vg_slice s);

/*
 * The next blank-separated token of *rest, empty when only blanks remain;
 * *rest moves past the token (not past the blanks after it).
 */
vg_slice vg_slice_next_token(vg_slice *rest);

/*
 * Splits *rest at its first `sep`: returns what is before it, and *rest
 * becomes what is after it. Without a `sep`, returns the whole of *rest and
 * leaves *rest empty.
 */
vg_slice vg_slice_split_at(vg_slice *rest, char sep);

/* How a parser trims the pieces it cuts: vg_slice_trim or vg_slice_trim_line. */
typedef vg_slice (*vg_slice_trim_fn)(vg_slice s);

/*
 * Finds parameter `name` in a list of "name=value" separated by `sep` (as
 * in an SDP a=fmtp, "k=v; k=v"): each name and value is cut at the first
 * '=' and passed through `trim`, and names compare ignoring ASCII case. The
 * first occurrence wins; a parameter without '=' has an empty value. Sets
 * *value and returns true, or returns false when `name` is absent.
 */
bool vg_slice_find_param(vg_slice list, char sep, const char *name, vg_slice_trim_fn trim,
                         vg_slice *value);

/*
 * Reads the whole of `s` as a decimal number of 1 to 10 digits (no sign, no
 * blanks) no greater than `max`. Returns false, with *out unchanged, when it
 * is not one.
 */
bool vg_slice_parse_uint(vg_slice s, uint32_t max, uint32_t *out);

#endif
