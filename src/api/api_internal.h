/* api_internal.h: helpers shared by the API's handler files. */
#ifndef VG_API_API_INTERNAL_H
#define VG_API_API_INTERNAL_H

#include "api/api.h"
#include "http/json.h"
#include "http/request.h"

#include <jansson.h>
#include <stdbool.h>

/* Answers the error a service reported, with the status its code maps to. */
void vg_api_respond_service_error(vg_http_request *req, const vg_error *err);

/*
 * Answers 400 invalid_request about one body field or query parameter:
 *     {"error": {"code": "invalid_request", "message": "...", "field": "name"}}
 * so that a form can show the message at its field. `field` is the name as
 * the request spelt it (an unknown field's too); the message is a printf format.
 */
void vg_api_respond_field_error(vg_http_request *req, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * As vg_api_respond_service_error(), with the field of a VG_EINVAL when its
 * message starts with one of `fields` (NULL-terminated): the services name
 * the field first ("name must be 1-100 characters", "stream_url is required").
 */
void vg_api_respond_service_error_fields(vg_http_request *req, const vg_error *err,
                                         const char *const fields[]);

/* Answers a failed store read (`rc`, a VG_E* code) the same way; `what` is "reading the camera". */
void vg_api_respond_store_error(vg_http_request *req, int rc, const char *what);

/*
 * Checks that `body` has only the fields in `allowed` (NULL-terminated);
 * otherwise answers 400 naming the first unknown field (in the message and
 * as `field`) and returns false.
 */
bool vg_api_only_fields(vg_http_request *req, json_t *body, const char *const allowed[]);

/*
 * Reads an optional string field. *out points into `body` and is valid while
 * the caller holds its reference. Absent: *present false, returns true.
 * Null: *present true and *out NULL only when `nullable`. Anything else
 * that is not a string answers 400 and returns false.
 */
bool vg_api_string_field(vg_http_request *req, json_t *body, const char *name, bool nullable,
                         bool *present, const char **out);

/* A decimal integer in [min, max], nothing else: no sign, no spaces, no hex. */
bool vg_api_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Reads the `{id}` route parameter as a positive integer; answers 400 and returns false if not. */
bool vg_api_id_param(vg_http_request *req, const char *what, int64_t *out);

/* Reads ?limit= and ?offset= (defaults 50 and 0; limit 1-1000); answers 400 if malformed. */
bool vg_api_paging(vg_http_request *req, int64_t *limit, int64_t *offset);

/* A URL for a response: credentials redacted. New reference. */
json_t *vg_api_url(const char *url);

/* A stream as the API shows it, with its live `stats` (api/streams.c). New reference. */
json_t *vg_api_stream_json(vg_api *api, const vg_stream *st);

/* A live stream's `stats` object (api/paths.c). New reference. */
json_t *vg_api_stream_stats_json(const vg_api *api, const vg_media_info *info);

/* A live stream's health_score, 0-100 (domain/health.h). */
int vg_api_stream_health(const vg_media_info *info);

/*
 * Reads the `{id}` parameter and checks the camera exists (a live path, or
 * the store); writes its path name ("cam_3"). Answers 400/404/503 and
 * returns false if not (api/stills.c).
 */
bool vg_api_camera_path(vg_http_request *req, vg_api *api, int64_t *id, char *path, size_t cap);

/* A JPEG quality: "1".."100", or low / medium / high (60 / 80 / 95, seed 003). */
bool vg_api_quality(const char *value, int *out);

/* Answers the failure of vg_still_live_join() (429 for maxReaders, else 503). */
void vg_api_respond_join_error(vg_http_request *req, int rc);

int vg_api_register_cameras(vg_router *router, vg_api *api);
int vg_api_register_paths(vg_router *router, vg_api *api);
int vg_api_register_debug(vg_router *router, vg_api *api);
int vg_api_register_streams(vg_router *router, vg_api *api);
int vg_api_register_health(vg_router *router, vg_api *api);
int vg_api_register_stills(vg_router *router, vg_api *api);
int vg_api_register_recordings(vg_router *router, vg_api *api);
int vg_api_register_clips(vg_router *router, vg_api *api);
int vg_api_register_playback(vg_router *router, vg_api *api);
int vg_api_register_live(vg_router *router, vg_api *api);

#endif
