/*
 * rtsp_internal.h: the character classes that the parsers and writers of
 * src/rtsp/ share (message.c, auth.c); not part of any public header.
 *
 * RTSP/1.0 borrows the syntax of its lines and headers from HTTP/1.1 (RFC
 * 2326 section 4.2), whose current grammar is RFC 7230's.
 */
#ifndef VG_RTSP_INTERNAL_H
#define VG_RTSP_INTERNAL_H

#include <stdbool.h>
#include <string.h>

/* RFC 7230 3.2.6: tchar, the characters of a token (a method, a header name, an auth scheme). */
static inline bool vg_rtsp_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * A control character other than HTAB (RFC 5234 CTL, less the HTAB that RFC
 * 7230 3.2 allows): never part of a line's content or of a quoted-string.
 */
static inline bool vg_rtsp_is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

#endif
