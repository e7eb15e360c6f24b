#include "api/api_internal.h"

#include "core/error.h"
#include "core/url.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An unknown field's name is echoed in `field` up to this many bytes (a whole code point). */
#define FIELD_NAME_MAX 256

int vg_api_register(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_api_register_health(router, api)) < 0 ||
        (rc = vg_api_register_cameras(router, api)) < 0 ||
        (rc = vg_api_register_streams(router, api)) < 0 ||
        (rc = vg_api_register_paths(router, api)) < 0 ||
        (rc = vg_api_register_stills(router, api)) < 0 ||
        (rc = vg_api_register_recordings(router, api)) < 0 ||
        (rc = vg_api_register_clips(router, api)) < 0 ||
        (rc = vg_api_register_playback(router, api)) < 0 ||
        (rc = vg_api_register_live(router, api)) < 0)
        return rc;
    if (api->debug_endpoints && (rc = vg_api_register_debug(router, api)) < 0)
        return rc;
    return 0;
}

void vg_api_respond_service_error(vg_http_request *req, const vg_error *err)
{
    unsigned status = 500;
    const char *code = "internal_error";
    switch (err->code) {
    case VG_EINVAL:
        status = 400, code = "invalid_request";
        break;
    case VG_ENOENT:
        status = 404, code = "not_found";
        break;
    case VG_ECONFLICT:
    case VG_ESTATE:
    case VG_EEXIST:
        status = 409, code = "conflict";
        break;
    case VG_ESTORE:
        /* Not a bug in vigil: the disk or the database file is in trouble. */
        status = 503, code = "store_unavailable";
        break;
    case VG_ENOMEM:
        status = 503, code = "out_of_memory";
        break;
    default:
        break;
    }
    vg_http_respond_error(req, status, code, "%s", err->message);
}

/*
 * The error shape of http/json.c's vg_http_respond_error(), plus `field`.
 * Built here with jansson: http/ has no variant with more members.
 */
void vg_api_respond_field_error(vg_http_request *req, const char *field, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    /* JSON strings are UTF-8; a message that quotes a client's bytes may not be (cut short). */
    json_t *msg = json_string(message);
    if (!msg) {
        for (char *p = message; *p; p++)
            *p = (unsigned char)*p < 0x80 ? *p : '?';
        msg = json_string(message);
    }
    size_t len = strlen(field);
    if (len > FIELD_NAME_MAX) {
        len = FIELD_NAME_MAX;
        while (len && ((unsigned char)field[len] & 0xc0) == 0x80)
            len--; /* not inside a UTF-8 sequence */
    }
    json_t *name = json_stringn(field, len);
    if (!name)
        name = json_string("?"); /* not UTF-8: never for a key jansson parsed */
    vg_http_respond_json(req, 400,
                         json_pack("{s:{s:s,s:o,s:o}}", "error", "code", "invalid_request",
                                   "message", msg, "field", name));
}

void vg_api_respond_service_error_fields(vg_http_request *req, const vg_error *err,
                                         const char *const fields[])
{
    if (err->code == VG_EINVAL) {
        size_t len = strcspn(err->message, " ");
        for (size_t i = 0; fields[i]; i++) {
            if (strlen(fields[i]) == len && strncmp(err->message, fields[i], len) == 0) {
                vg_api_respond_field_error(req, fields[i], "%s", err->message);
                return;
            }
        }
    }
    vg_api_respond_service_error(req, err);
}

void vg_api_respond_store_error(vg_http_request *req, int rc, const char *what)
{
    vg_error err;
    vg_error_store(&err, rc, what);
    vg_api_respond_service_error(req, &err);
}

bool vg_api_only_fields(vg_http_request *req, json_t *body, const char *const allowed[])
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            char list[256] = "";
            for (size_t i = 0; allowed[i]; i++) {
                if (i)
                    strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
            }
            vg_api_respond_field_error(req, key, "unknown field '%.64s' (expected %s)", key, list);
            return false;
        }
    }
    return true;
}

bool vg_api_string_field(vg_http_request *req, json_t *body, const char *name, bool nullable,
                         bool *present, const char **out)
{
    json_t *v = json_object_get(body, name);
    *present = v != NULL;
    *out = NULL;
    if (!v)
        return true;
    if (json_is_null(v) && nullable)
        return true;
    if (!json_is_string(v)) {
        vg_api_respond_field_error(req, name, "%s must be a string%s", name,
                                   nullable ? " or null" : "");
        return false;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        vg_api_respond_field_error(req, name, "%s must not contain NUL", name);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool vg_api_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
    }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool vg_api_id_param(vg_http_request *req, const char *what, int64_t *out)
{
    const char *id = vg_http_request_param(req, "id");
    if (!vg_api_parse_int(id, 1, INT64_MAX, out)) {
        vg_http_respond_error(req, 400, "invalid_request", "%s id must be a positive integer",
                              what);
        return false;
    }
    return true;
}

bool vg_api_paging(vg_http_request *req, int64_t *limit, int64_t *offset)
{
    const char *l = vg_http_request_query(req, "limit");
    const char *o = vg_http_request_query(req, "offset");
    *limit = 50;
    *offset = 0;
    if (l && !vg_api_parse_int(l, 1, 1000, limit)) {
        vg_api_respond_field_error(req, "limit", "limit must be an integer from 1 to 1000");
        return false;
    }
    if (o && !vg_api_parse_int(o, 0, INT64_MAX, offset)) {
        vg_api_respond_field_error(req, "offset", "offset must be a non-negative integer");
        return false;
    }
    return true;
}

json_t *vg_api_url(const char *url)
{
    char *redacted = vg_url_redact_dup(url);
    json_t *v = redacted ? json_string(redacted) : NULL;
    free(redacted);
    return v ? v : json_string("");
}
