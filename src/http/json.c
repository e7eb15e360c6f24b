#include "http/json.h"

#include "core/error.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void vg_http_respond_json(vg_http_request *req, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(body);
    if (!text) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
        vg_http_respond(req, 500, "application/json", oom, sizeof(oom) - 1);
        return;
    }
    vg_http_respond_owned(req, status, "application/json", text, strlen(text));
}

void vg_http_respond_error(vg_http_request *req, unsigned status, const char *code, const char *fmt,
                           ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (status >= 500)
        VG_LOG_ERROR("http", "%s %s status=%u code=%s: %s", vg_http_request_method(req),
                     vg_http_request_path(req), status, code, message);
    /* JSON strings are UTF-8; a message that quotes a client's bytes may not be. */
    json_t *msg = json_string(message);
    if (!msg) {
        for (char *p = message; *p; p++)
            *p = (unsigned char)*p < 0x80 ? *p : '?';
        msg = json_string(message);
    }
    vg_http_respond_json(req, status,
                         json_pack("{s:{s:s,s:o}}", "error", "code", code, "message", msg));
}

/* application/json, optionally with parameters ("; charset=utf-8"). */
static bool is_json_content_type(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct || strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return false;
    char next = ct[sizeof(want) - 1];
    return next == '\0' || next == ';' || next == ' ';
}

int vg_http_read_json_object(vg_http_request *req, json_t **out)
{
    *out = NULL;
    size_t len;
    const char *body = vg_http_request_body(req, &len);
    const char *ct = vg_http_request_header(req, "Content-Type");
    if (!is_json_content_type(ct)) {
        vg_http_respond_error(req, 415, "unsupported_media_type",
                              "the body must be JSON with Content-Type: application/json");
        return VG_EINVAL;
    }
    if (len == 0) {
        vg_http_respond_error(req, 400, "invalid_json",
                              "the request body is empty; expected a JSON object");
        return VG_EINVAL;
    }
    json_error_t jerr;
    json_t *value = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!value) {
        vg_http_respond_error(req, 400, "invalid_json", "malformed JSON at line %d, column %d: %s",
                              jerr.line, jerr.column, jerr.text);
        return VG_EINVAL;
    }
    if (!json_is_object(value)) {
        json_decref(value);
        vg_http_respond_error(req, 400, "invalid_json", "the body must be a JSON object");
        return VG_EINVAL;
    }
    *out = value;
    return 0;
}

void vg_format_time(int64_t unix_ms, char out[VG_TIME_SIZE])
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, VG_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(unix_ms % 1000));
}

json_t *vg_json_time(int64_t unix_ms)
{
    if (unix_ms <= 0)
        return json_null();
    char buf[VG_TIME_SIZE];
    vg_format_time(unix_ms, buf);
    return json_string(buf);
}

int vg_parse_time(const char *text, int64_t *unix_ms)
{
    /* RFC 3339 section 5.6: full-date "T" full-time, with time-offset Z or +hh:mm / -hh:mm. */
    int y, mo, d, h, mi, sec, n = 0;
    if (!text || sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return VG_EINVAL;
    const char *p = text + n;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return VG_EINVAL;
    p++;
    n = 0;
    if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 8)
        return VG_EINVAL;
    p += n;
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        int64_t frac = 0;
        while (*p >= '0' && *p <= '9') {
            if (digits < 3)
                frac = frac * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (!digits)
            return VG_EINVAL;
        for (int i = digits; i < 3; i++)
            frac *= 10;
        ms = frac;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
            return VG_EINVAL;
        offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return VG_EINVAL;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return VG_EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return VG_EINVAL;
    *unix_ms = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + ms;
    return 0;
}
