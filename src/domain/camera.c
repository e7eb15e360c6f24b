#include "domain/camera.h"

#include "core/error.h"
#include "core/url.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void vg_camera_clear(vg_camera *cam)
{
    if (!cam)
        return;
    free(cam->name);
    free(cam->stream_url);
    free(cam->location);
    memset(cam, 0, sizeof(*cam));
}

void vg_camera_array_free(vg_camera *cams, size_t n)
{
    for (size_t i = 0; cams && i < n; i++)
        vg_camera_clear(&cams[i]);
    free(cams);
}

/*
 * Counts the code points of a UTF-8 string; -1 when it is not valid UTF-8
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) or holds
 * a control character.
 */
static long utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        unsigned c = *p, len, cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return -1;
            p++;
            n++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            return -1;
        }
        for (unsigned i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        static const unsigned min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += len;
        n++;
    }
    return n;
}

static bool is_blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t')
            return false;
    }
    return true;
}

int vg_camera_validate_name(const char *name, const char **why)
{
    long chars = name ? utf8_chars(name) : -1;
    if (!name)
        *why = "is required";
    else if (chars < 0)
        *why = "must be UTF-8 text without control characters";
    else if (chars == 0 || is_blank(name))
        *why = "must not be empty";
    else if (chars > VG_CAMERA_NAME_MAX_CHARS)
        *why = "must be at most 100 characters";
    else
        return 0;
    return VG_EINVAL;
}

int vg_camera_validate_location(const char *location, const char **why)
{
    long chars = location ? utf8_chars(location) : 0;
    if (chars < 0)
        *why = "must be UTF-8 text without control characters";
    else if (chars > VG_CAMERA_LOCATION_MAX_CHARS)
        *why = "must be at most 200 characters";
    else
        return 0;
    return VG_EINVAL;
}

static bool slice_is(vg_slice s, const char *lit)
{
    return s.len == strlen(lit) && strncasecmp(s.p, lit, s.len) == 0;
}

int vg_camera_validate_stream_url(const char *url, const char **why)
{
    if (!url) {
        *why = "is required";
        return VG_EINVAL;
    }
    size_t len = strlen(url);
    if (len == 0) {
        *why = "must not be empty";
        return VG_EINVAL;
    }
    if (len > VG_CAMERA_URL_MAX_BYTES) {
        *why = "must be at most 2048 characters";
        return VG_EINVAL;
    }
    vg_url u;
    const char *reason;
    if (vg_url_parse(url, len, &u, &reason) < 0) {
        *why = reason;
        return VG_EINVAL;
    }
    if (slice_is(u.scheme, "demo")) {
        if (u.has_authority) {
            *why = "a demo: URL takes no host (write demo: or demo:NAME)";
            return VG_EINVAL;
        }
        return 0;
    }
    static const char *const schemes[] = {"rtsp", "rtsps", "rtmp", "http", "https"};
    bool known = false;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        known = known || slice_is(u.scheme, schemes[i]);
    if (!known) {
        *why = "scheme must be rtsp, rtsps, rtmp, http, https or demo";
        return VG_EINVAL;
    }
    if (!u.has_authority) {
        *why = "missing host (write scheme://host[:port]/path)";
        return VG_EINVAL;
    }
    return 0;
}

int vg_camera_path_name(int64_t id, char *out, size_t cap)
{
    return snprintf(out, cap, "cam_%" PRId64, id);
}

int vg_camera_validate_max_readers(int64_t max_readers, const char **why)
{
    if (max_readers < 0 || max_readers > 100000) {
        *why = "must be from 0 (unlimited) to 100000, or null for the maxReaders setting";
        return VG_EINVAL;
    }
    return 0;
}

int vg_camera_validate_rtsp_transport(const char *transport, const char **why)
{
    if (transport &&
        (!strcmp(transport, "tcp") || !strcmp(transport, "udp") || !strcmp(transport, "auto")))
        return 0;
    *why = "must be tcp, udp or auto";
    return VG_EINVAL;
}

int vg_camera_validate_retention_days(int64_t days, const char **why)
{
    if (days < 1 || days > VG_CAMERA_RETENTION_DAYS_MAX) {
        *why = "must be from 1 to 3650 days, or null for the plan's";
        return VG_EINVAL;
    }
    return 0;
}

/*
 * ASCII only, and lower case, so that a plan name means the same thing in
 * the configuration, the database and a URL, whatever the locale.
 */
int vg_camera_validate_plan(const char *plan, const char **why)
{
    if (!plan)
        return 0;
    size_t len = strlen(plan);
    if (len > VG_CAMERA_PLAN_MAX_CHARS) {
        *why = "must be at most 15 characters";
        return VG_EINVAL;
    }
    for (const char *p = plan; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        if (!ok) {
            *why = "must be lowercase letters, digits, '-' or '_' (or null for none)";
            return VG_EINVAL;
        }
    }
    return 0;
}

void vg_camera_defaults(vg_camera *cam)
{
    cam->max_readers = -1;
    snprintf(cam->rtsp_transport, sizeof(cam->rtsp_transport), "tcp");
    cam->record = false;
    cam->retention_days = -1;
    cam->plan[0] = '\0';
}
