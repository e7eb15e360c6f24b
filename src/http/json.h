/*
 * json.h: JSON in and out of HTTP requests, with jansson.
 *
 * Every API error has one shape, with the right status:
 *     {"error": {"code": "not_found", "message": "camera 7 does not exist"}}
 */
#ifndef VG_HTTP_JSON_H
#define VG_HTTP_JSON_H

#include "http/request.h"

#include <jansson.h>

/* Answers `status` with `body` as JSON. Takes ownership of `body` (a reference). */
void vg_http_respond_json(vg_http_request *req, unsigned status, json_t *body);

/* Answers `status` with the error shape above; the message is a printf format. */
void vg_http_respond_error(vg_http_request *req, unsigned status, const char *code, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

/*
 * Reads the request body as a JSON object. On success returns 0 and *out is
 * a new reference, the caller's. Otherwise answers the request itself and
 * returns a negative code: 415 when the Content-Type is not
 * application/json, 400 for an empty body, malformed JSON (with line and
 * column) or a value that is not an object.
 */
int vg_http_read_json_object(vg_http_request *req, json_t **out);

/* Room for vg_format_time()'s text and its NUL. */
#define VG_TIME_SIZE 64

/* `unix_ms` as RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z"). */
void vg_format_time(int64_t unix_ms, char out[VG_TIME_SIZE]);

/*
 * Reads an RFC 3339 date-time ("2026-11-21T10:00:00Z", fractions of a
 * second and "+01:00" offsets allowed) into Unix milliseconds. 0 or VG_EINVAL.
 */
int vg_parse_time(const char *text, int64_t *unix_ms);

/* "2026-11-21T23:31:02.123Z" from Unix milliseconds; JSON null for 0. New reference. */
json_t *vg_json_time(int64_t unix_ms);

#endif
