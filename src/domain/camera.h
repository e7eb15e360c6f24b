/*
 * camera.h: a camera, and the rules its fields obey. Pure logic, no I/O.
 *
 * A camera has an integer id, a name of 1-100 characters, a stream URL
 * (rtsp, rtsps, rtmp, http, https with a host, or demo:), an optional
 * location, and creation and update times. The stream URL is kept as the
 * user gave it (credentials included, the camera needs them); it is redacted
 * whenever it is shown (core/url.h).
 *
 * Recording: a camera with `record` set is recorded 24/7 while its stream
 * runs. A recorded segment is deleted once it is older than the camera's
 * retention_days or, when that is not set (-1), than its plan's days.
 */
#ifndef VG_DOMAIN_CAMERA_H
#define VG_DOMAIN_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_CAMERA_NAME_MAX_CHARS     100
#define VG_CAMERA_URL_MAX_BYTES      2048
#define VG_CAMERA_LOCATION_MAX_CHARS 200
#define VG_CAMERA_PLAN_MAX_CHARS     15 /* a plan name: [a-z0-9_-]{1,15} */
#define VG_CAMERA_RETENTION_DAYS_MAX 3650
/*
 * Ids stay within the integers a JSON client can hold exactly (2^53 - 1,
 * JavaScript's Number.MAX_SAFE_INTEGER), which also leaves SQLite's
 * AUTOINCREMENT room above any id a backend provisions.
 */
#define VG_CAMERA_ID_MAX INT64_C(9007199254740991)

typedef struct vg_camera {
    int64_t id;            /* > 0 once stored */
    char *name;            /* owned, UTF-8 */
    char *stream_url;      /* owned, raw: may hold credentials, never shown as is */
    char *location;        /* owned; NULL when not set */
    int64_t created_at_ms; /* Unix time, milliseconds */
    int64_t updated_at_ms;
    int max_readers;        /* -1: the maxReaders setting; 0: unlimited; > 0: at most that */
    char rtsp_transport[8]; /* "tcp" (default), "udp" or "auto" (FFmpeg's choice) */
    bool record;            /* recorded 24/7 while its stream runs */
    int retention_days;     /* -1: the plan's days; else 1..VG_CAMERA_RETENTION_DAYS_MAX */
    char plan[VG_CAMERA_PLAN_MAX_CHARS + 1]; /* a retention plan name; "" when none */
} vg_camera;

/* Frees the strings a camera owns and zeroes it; the struct itself is the caller's. */
void vg_camera_clear(vg_camera *cam);

/* Frees an array of `n` cameras from a list call, and the array. */
void vg_camera_array_free(vg_camera *cams, size_t n);

/*
 * Validation. Each returns 0, or VG_EINVAL with a static English reason in
 * *why that never quotes the value (a URL may hold a password).
 */
int vg_camera_validate_name(const char *name, const char **why);
int vg_camera_validate_stream_url(const char *url, const char **why);
int vg_camera_validate_location(const char *location, const char **why);
int vg_camera_validate_max_readers(int64_t max_readers, const char **why);
int vg_camera_validate_rtsp_transport(const char *transport, const char **why);
/* 1..VG_CAMERA_RETENTION_DAYS_MAX; "not set" (-1) is the caller's to allow. */
int vg_camera_validate_retention_days(int64_t days, const char **why);
/*
 * A plan name: 1-15 lowercase ASCII letters, digits, '-' or '_'. NULL and ""
 * (no plan) are valid too. Whether such a plan is configured is not checked here.
 */
int vg_camera_validate_plan(const char *plan, const char **why);

/*
 * Sets the per-camera options to their defaults (maxReaders setting, TCP,
 * not recorded, retention from the plan, no plan).
 */
void vg_camera_defaults(vg_camera *cam);

/* The path name of a camera's stream: "cam_<id>". Returns snprintf's result. */
int vg_camera_path_name(int64_t id, char *out, size_t cap);

#endif
