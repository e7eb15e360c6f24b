/*
 * service.h: the operations the API offers, with their rules.
 *
 * A service call validates its input against the domain rules
 * (src/domain/), reads and writes the store (src/store/store.h), and says
 * what went wrong in a vg_error: a code the API maps to an HTTP status and
 * a message a user can act on, which never holds a credential. Later, the
 * stream service is where the media core is told to start and stop pulling.
 *
 * Threads: the loop thread only.
 */
#ifndef VG_SERVICE_SERVICE_H
#define VG_SERVICE_SERVICE_H

#include "domain/camera.h"
#include "domain/stream.h"
#include "service/media.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct vg_error {
    int code;          /* VG_EINVAL, VG_ENOENT, VG_ECONFLICT, VG_ESTATE, VG_ESTORE, VG_ENOMEM */
    char message[256]; /* for the user; no credential */
} vg_error;

/*
 * A failed store call (`rc`), for the user: "the store failed while
 * `what`" (or "out of memory while ..."). The store has logged the details
 * where it failed; the user gets the kind, not internals. Returns `rc`.
 */
int vg_error_store(vg_error *err, int rc, const char *what);

/* Sets err->code and a printf-formatted message; returns the code. */
int vg_error_set(vg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct vg_services {
    vg_store *store;         /* borrowed */
    vg_media *media;         /* borrowed; NULL: nothing is pulled (unit tests of the rules) */
    bool default_on_demand;  /* sourceOnDemand: for a start that does not say */
    int64_t (*now_ms)(void); /* the clock; tests may replace it */
} vg_services;

/* Unix time in milliseconds, CLOCK_REALTIME. */
int64_t vg_now_ms(void);

/*
 * Camera fields as a request gives them: a field with its has_ flag false
 * is absent (PATCH leaves it unchanged); location or plan NULL (or "") with
 * its has_ flag clears it. The strings are borrowed.
 */
typedef struct vg_camera_fields {
    bool has_name, has_stream_url, has_location, has_max_readers, has_rtsp_transport;
    bool has_record, has_retention_days, has_plan;
    const char *name;
    const char *stream_url;
    const char *location;
    int64_t max_readers;        /* -1 (null): the maxReaders setting */
    const char *rtsp_transport; /* tcp, udp, auto */
    bool record;                /* recorded 24/7 while its stream runs */
    int64_t retention_days;     /* -1 (null): the plan's */
    const char *plan;           /* a plan name; NULL or "": none */
} vg_camera_fields;

/* Creates a camera; name and stream_url are required. *out is the caller's (vg_camera_clear). */
int vg_camera_service_create(vg_services *svc, const vg_camera_fields *in, vg_camera *out,
                             vg_error *err);

/* Changes the fields given. *out is the caller's. */
int vg_camera_service_update(vg_services *svc, int64_t id, const vg_camera_fields *in,
                             vg_camera *out, vg_error *err);

/* Stops the camera's live stream, then deletes the camera and its stream history. */
int vg_camera_service_delete(vg_services *svc, int64_t id, vg_error *err);

/*
 * Seed 000's provisioning: creates the camera with this id, or updates its
 * name and URL; the same input twice changes nothing the second time.
 * *created says which. *out is the caller's.
 */
int vg_camera_service_provision(vg_services *svc, int64_t id, const char *name,
                                const char *stream_url, vg_camera *out, bool *created,
                                vg_error *err);

/*
 * Starts a stream of the camera from source_url (NULL: the camera's own
 * URL), pulled always (on_demand 0), only while read (1: it waits in
 * STANDBY), or as sourceOnDemand says (-1). VG_ENOENT for an unknown camera, VG_ECONFLICT when the
 * camera already has a live stream. The stream is STARTING until its first key frame arrives
 * (RUNNING is only ever reported with frames flowing). *out is the caller's (vg_stream_clear).
 */
int vg_stream_service_start(vg_services *svc, int64_t camera_id, const char *source_url,
                            int on_demand, vg_stream *out, vg_error *err);

/* Stops a stream; stopping a STOPPED stream is a no-op that succeeds. VG_ENOENT when unknown. */
int vg_stream_service_stop(vg_services *svc, const char *stream_id, vg_error *err);

/*
 * The media side reports a stream's status (RUNNING, or ERROR with `error`):
 * moved through the state machine and stored. RUNNING after ERROR goes
 * through STARTING (both legal); ERROR while ERROR only updates last_error;
 * a stream stopped meanwhile is left alone. Matches vg_media_status_fn, with
 * `ctx` the vg_services.
 */
void vg_stream_service_on_media_status(void *ctx, const char *stream_id, vg_stream_status status,
                                       const char *error);

/*
 * At start-up: a stream that was RUNNING when vigil stopped has no frames
 * now, so it goes back to STARTING, and every live stream is pulled again.
 * Returns the number of live streams found, or a negative code.
 */
int vg_stream_service_resume_all(vg_services *svc, vg_error *err);

#endif
