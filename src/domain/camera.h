/*
 * camera.h: a camera, and the rules its fields obey. Pure logic, no I/O.
 *
 * A camera has an integer id, a name of 1-100 characters, a stream URL
 * (rtsp, rtsps, rtmp, http, https with a host, or demo:), an optional
 * location, and creation and update times. The stream URL is kept as the
 * user gave it (credentials included, the camera needs them); it is redacted
 * whenever it is shown (core/url.h).
 */
#ifndef VG_DOMAIN_CAMERA_H
#define VG_DOMAIN_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#define VG_CAMERA_NAME_MAX_CHARS     100
#define VG_CAMERA_URL_MAX_BYTES      2048
#define VG_CAMERA_LOCATION_MAX_CHARS 200
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

/* Sets the per-camera options to their defaults (maxReaders setting, TCP). */
void vg_camera_defaults(vg_camera *cam);

/* The path name of a camera's stream: "cam_<id>". Returns snprintf's result. */
int vg_camera_path_name(int64_t id, char *out, size_t cap);

#endif
