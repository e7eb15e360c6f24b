#include "service/service.h"

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vg_error_set(vg_error *err, int code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

int64_t vg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A URL for a log line, redacted whole. The logger redacts every line as
 * well; this makes the line right even for a URL it could not see whole.
 */
typedef struct {
    char text[VG_CAMERA_URL_MAX_BYTES + 64];
} shown_url;

static shown_url show_url(const char *url)
{
    shown_url s;
    vg_url_redact(url, s.text, sizeof(s.text));
    return s;
}

/* How the media core should pull this camera's stream. */
static vg_media_stream_options media_options(const vg_camera *cam, bool on_demand)
{
    vg_transport transport = VG_TRANSPORT_TCP;
    if (!strcmp(cam->rtsp_transport, "udp"))
        transport = VG_TRANSPORT_UDP;
    else if (!strcmp(cam->rtsp_transport, "auto"))
        transport = VG_TRANSPORT_AUTO;
    return (vg_media_stream_options){.title = cam->name,
                                     .on_demand = on_demand,
                                     .max_readers = cam->max_readers,
                                     .transport = transport};
}

int vg_error_store(vg_error *err, int rc, const char *what)
{
    if (rc == VG_ENOMEM)
        return vg_error_set(err, rc, "out of memory while %s", what);
    return vg_error_set(err, rc, "the store failed while %s", what);
}

static int validate_fields(const vg_camera_fields *in, vg_error *err)
{
    const char *why;
    if (in->has_name && vg_camera_validate_name(in->name, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "name %s", why);
    if (in->has_stream_url && vg_camera_validate_stream_url(in->stream_url, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "stream_url %s", why);
    if (in->has_location && vg_camera_validate_location(in->location, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "location %s", why);
    if (in->has_max_readers && in->max_readers != -1 &&
        vg_camera_validate_max_readers(in->max_readers, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "max_readers %s", why);
    if (in->has_rtsp_transport && vg_camera_validate_rtsp_transport(in->rtsp_transport, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "rtsp_transport %s", why);
    if (in->has_retention_days && in->retention_days != -1 &&
        vg_camera_validate_retention_days(in->retention_days, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "retention_days %s", why);
    if (in->has_plan && vg_camera_validate_plan(in->plan, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "plan %s", why);
    return 0;
}

/* Replaces *field with a copy of `value` (NULL clears it). */
static int set_string(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return VG_ENOMEM;
    free(*field);
    *field = copy;
    return 0;
}

static bool same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* True when applying `in` to `cam` would change nothing. */
static bool changes_nothing(const vg_camera *cam, const vg_camera_fields *in)
{
    const char *location = in->location && *in->location ? in->location : NULL;
    return (!in->has_name || same_string(cam->name, in->name)) &&
           (!in->has_stream_url || same_string(cam->stream_url, in->stream_url)) &&
           (!in->has_location || same_string(cam->location, location)) &&
           (!in->has_max_readers || cam->max_readers == in->max_readers) &&
           (!in->has_rtsp_transport || same_string(cam->rtsp_transport, in->rtsp_transport)) &&
           (!in->has_record || cam->record == in->record) &&
           (!in->has_retention_days || cam->retention_days == in->retention_days) &&
           (!in->has_plan || same_string(cam->plan, in->plan ? in->plan : ""));
}

static int apply_fields(vg_camera *cam, const vg_camera_fields *in)
{
    if (in->has_name && set_string(&cam->name, in->name) < 0)
        return VG_ENOMEM;
    if (in->has_stream_url && set_string(&cam->stream_url, in->stream_url) < 0)
        return VG_ENOMEM;
    if (in->has_location &&
        set_string(&cam->location, in->location && *in->location ? in->location : NULL) < 0)
        return VG_ENOMEM;
    if (in->has_max_readers)
        cam->max_readers = (int)in->max_readers;
    if (in->has_rtsp_transport)
        snprintf(cam->rtsp_transport, sizeof(cam->rtsp_transport), "%s", in->rtsp_transport);
    if (in->has_record)
        cam->record = in->record;
    if (in->has_retention_days)
        cam->retention_days = (int)in->retention_days; /* validated: -1 or 1..3650 */
    if (in->has_plan)
        snprintf(cam->plan, sizeof(cam->plan), "%s", in->plan ? in->plan : "");
    return 0;
}

int vg_camera_service_create(vg_services *svc, const vg_camera_fields *in, vg_camera *out,
                             vg_error *err)
{
    int rc;
    vg_camera cam = {0};
    memset(out, 0, sizeof(*out));
    if (!in->has_name)
        return vg_error_set(err, VG_EINVAL, "name is required");
    if (!in->has_stream_url)
        return vg_error_set(err, VG_EINVAL, "stream_url is required");
    if ((rc = validate_fields(in, err)) < 0)
        return rc;
    vg_camera_defaults(&cam);
    if ((rc = apply_fields(&cam, in)) < 0) {
        vg_error_set(err, rc, "out of memory");
        goto done;
    }
    cam.created_at_ms = cam.updated_at_ms = svc->now_ms();
    if ((rc = vg_store_begin(svc->store)) < 0) {
        vg_error_store(err, rc, "creating the camera");
        goto done;
    }
    if ((rc = vg_store_camera_insert(svc->store, &cam)) < 0) {
        vg_error_store(err, rc, "creating the camera");
        vg_store_rollback(svc->store);
        goto done;
    }
    if (cam.id > VG_CAMERA_ID_MAX) {
        /* Only after a backend provisioned the largest id: refuse rather than hand out an inexact
         * one. */
        vg_store_rollback(svc->store);
        rc = vg_error_set(err, VG_ECONFLICT,
                          "no camera id is left above %" PRId64
                          " (provision cameras with explicit ids instead)",
                          VG_CAMERA_ID_MAX);
        goto done;
    }
    if ((rc = vg_store_commit(svc->store)) < 0) {
        vg_error_store(err, rc, "creating the camera");
        vg_store_rollback(svc->store);
        goto done;
    }
    VG_LOG_INFO("camera", "created camera=%" PRId64 " url=%s", cam.id,
                show_url(cam.stream_url).text);
    *out = cam;
    return 0;

done:
    vg_camera_clear(&cam);
    return rc;
}

int vg_camera_service_update(vg_services *svc, int64_t id, const vg_camera_fields *in,
                             vg_camera *out, vg_error *err)
{
    int rc;
    vg_camera cam = {0};
    memset(out, 0, sizeof(*out));
    if ((rc = validate_fields(in, err)) < 0)
        return rc;
    rc = vg_store_camera_get(svc->store, id, &cam);
    if (rc == VG_ENOENT)
        return vg_error_set(err, rc, "camera %" PRId64 " does not exist", id);
    if (rc < 0)
        return vg_error_store(err, rc, "reading the camera");
    if (changes_nothing(&cam, in)) {
        *out = cam; /* nothing to write: updated_at stays the time of the last real change */
        return 0;
    }
    if ((rc = apply_fields(&cam, in)) < 0) {
        vg_error_set(err, rc, "out of memory");
        goto done;
    }
    cam.updated_at_ms = svc->now_ms();
    if ((rc = vg_store_camera_update(svc->store, &cam)) < 0) {
        vg_error_store(err, rc, "updating the camera");
        goto done;
    }
    VG_LOG_INFO("camera", "updated camera=%" PRId64, id);
    *out = cam;
    return 0;

done:
    vg_camera_clear(&cam);
    return rc;
}

int vg_camera_service_delete(vg_services *svc, int64_t id, vg_error *err)
{
    int rc;
    vg_stream live = {0};
    if ((rc = vg_store_begin(svc->store)) < 0)
        return vg_error_store(err, rc, "deleting the camera");

    rc = vg_store_stream_find_live(svc->store, id, &live);
    if (rc == 0) {
        /* The camera's stream is stopped first, so nothing pulls a deleted camera. */
        vg_stream_transition(&live, VG_STREAM_STOPPED, svc->now_ms(), NULL);
        if ((rc = vg_store_stream_update(svc->store, &live)) < 0) {
            vg_error_store(err, rc, "stopping the camera's stream");
            goto fail;
        }
        VG_LOG_INFO("stream", "stopped stream=%s camera=%" PRId64 " reason=camera deleted", live.id,
                    id);
    } else if (rc != VG_ENOENT) {
        vg_error_store(err, rc, "deleting the camera");
        goto fail;
    }
    rc = vg_store_camera_delete(svc->store, id);
    if (rc == VG_ENOENT) {
        vg_error_set(err, rc, "camera %" PRId64 " does not exist", id);
        goto fail;
    }
    if (rc < 0) {
        vg_error_store(err, rc, "deleting the camera");
        goto fail;
    }
    if ((rc = vg_store_commit(svc->store)) < 0) {
        vg_error_store(err, rc, "deleting the camera");
        goto fail;
    }
    VG_LOG_INFO("camera", "deleted camera=%" PRId64, id);
    /* Only once the deletion is committed: a rollback must not leave a live row unpulled. */
    if (svc->media && live.id[0])
        vg_media_stop(svc->media, live.id);
    vg_stream_clear(&live);
    return 0;

fail:
    vg_store_rollback(svc->store);
    vg_stream_clear(&live);
    return rc;
}

int vg_camera_service_provision(vg_services *svc, int64_t id, const char *name,
                                const char *stream_url, vg_camera *out, bool *created,
                                vg_error *err)
{
    int rc;
    vg_camera cam = {0};
    vg_camera_fields in = {
        .has_name = true, .has_stream_url = true, .name = name, .stream_url = stream_url};
    memset(out, 0, sizeof(*out));
    *created = false;
    if (id <= 0 || id > VG_CAMERA_ID_MAX)
        return vg_error_set(err, VG_EINVAL, "camera_id must be an integer from 1 to %" PRId64,
                            VG_CAMERA_ID_MAX);
    if ((rc = validate_fields(&in, err)) < 0)
        return rc;

    rc = vg_store_camera_get(svc->store, id, &cam);
    if (rc == VG_ENOENT) {
        vg_camera_defaults(&cam);
        if ((rc = apply_fields(&cam, &in)) < 0) {
            vg_error_set(err, rc, "out of memory");
            goto done;
        }
        cam.id = id;
        cam.created_at_ms = cam.updated_at_ms = svc->now_ms();
        if ((rc = vg_store_camera_insert(svc->store, &cam)) < 0) {
            vg_error_store(err, rc, "provisioning the camera");
            goto done;
        }
        VG_LOG_INFO("camera", "provisioned camera=%" PRId64 " url=%s", id,
                    show_url(cam.stream_url).text);
        *created = true;
    } else if (rc < 0) {
        vg_error_store(err, rc, "reading the camera");
        goto done;
    } else if (!changes_nothing(&cam, &in)) {
        if ((rc = apply_fields(&cam, &in)) < 0) {
            vg_error_set(err, rc, "out of memory");
            goto done;
        }
        cam.updated_at_ms = svc->now_ms();
        if ((rc = vg_store_camera_update(svc->store, &cam)) < 0) {
            vg_error_store(err, rc, "provisioning the camera");
            goto done;
        }
        VG_LOG_INFO("camera", "re-provisioned camera=%" PRId64 " url=%s", id,
                    show_url(cam.stream_url).text);
    }
    *out = cam;
    return 0;

done:
    vg_camera_clear(&cam);
    return rc;
}

int vg_stream_service_start(vg_services *svc, int64_t camera_id, const char *source_url,
                            int on_demand, vg_stream *out, vg_error *err)
{
    int rc;
    vg_camera cam = {0};
    vg_stream st = {0}, live = {0};
    memset(out, 0, sizeof(*out));

    const char *why;
    if (source_url && vg_camera_validate_stream_url(source_url, &why) < 0)
        return vg_error_set(err, VG_EINVAL, "source_url %s", why);
    rc = vg_store_camera_get(svc->store, camera_id, &cam);
    if (rc == VG_ENOENT)
        return vg_error_set(err, rc, "camera %" PRId64 " does not exist", camera_id);
    if (rc < 0)
        return vg_error_store(err, rc, "reading the camera");

    rc = vg_store_stream_find_live(svc->store, camera_id, &live);
    if (rc == 0) {
        rc = vg_error_set(err, VG_ECONFLICT,
                          "camera %" PRId64 " already has stream %s (%s); stop it first", camera_id,
                          live.id, vg_stream_status_name(live.status));
        goto done;
    }
    if (rc != VG_ENOENT) {
        vg_error_store(err, rc, "reading the camera's streams");
        goto done;
    }

    if ((rc = vg_uuid_v4(st.id)) < 0) {
        vg_error_set(err, rc, "cannot make a stream id: %s", vg_strerror(rc));
        goto done;
    }
    st.camera_id = camera_id;
    st.status = VG_STREAM_STOPPED;
    st.on_demand = on_demand < 0 ? svc->default_on_demand : on_demand != 0;
    if (!(st.source_url = strdup(source_url ? source_url : cam.stream_url))) {
        rc = vg_error_set(err, VG_ENOMEM, "out of memory");
        goto done;
    }
    vg_stream_status first = st.on_demand ? VG_STREAM_STANDBY : VG_STREAM_STARTING;
    if ((rc = vg_stream_transition(&st, first, svc->now_ms(), NULL)) < 0) {
        vg_error_set(err, rc, "cannot start the stream: %s", vg_strerror(rc));
        goto done;
    }
    rc = vg_store_stream_insert(svc->store, &st);
    if (rc == VG_ECONFLICT) {
        vg_error_set(err, rc, "camera %" PRId64 " already has a live stream", camera_id);
        goto done;
    }
    if (rc == VG_ENOENT) {
        vg_error_set(err, rc, "camera %" PRId64 " does not exist", camera_id);
        goto done;
    }
    if (rc < 0) {
        vg_error_store(err, rc, "starting the stream");
        goto done;
    }
    VG_LOG_INFO("stream", "starting stream=%s camera=%" PRId64 " url=%s", st.id, camera_id,
                show_url(st.source_url).text);
    vg_media_stream_options mopt = media_options(&cam, st.on_demand);
    if (svc->media &&
        (rc = vg_media_start(svc->media, st.id, camera_id, st.source_url, &mopt)) < 0) {
        /* The row says STARTING; say why nothing is pulling instead. */
        char reason[128];
        snprintf(reason, sizeof(reason), "cannot start pulling: %s", vg_strerror(rc));
        vg_stream_transition(&st, VG_STREAM_ERROR, svc->now_ms(), reason);
        vg_store_stream_update(svc->store, &st);
        rc = 0;
    }
    *out = st;
    memset(&st, 0, sizeof(st));

done:
    vg_stream_clear(&st);
    vg_stream_clear(&live);
    vg_camera_clear(&cam);
    return rc;
}

int vg_stream_service_stop(vg_services *svc, const char *stream_id, vg_error *err)
{
    int rc;
    vg_stream st = {0};
    rc = vg_store_stream_get(svc->store, stream_id, &st);
    if (rc == VG_ENOENT)
        return vg_error_set(err, rc, "stream %s does not exist", stream_id);
    if (rc < 0)
        return vg_error_store(err, rc, "reading the stream");
    if (st.status == VG_STREAM_STOPPED)
        goto done; /* stopping twice is not an error: the stream is stopped, as asked */
    if ((rc = vg_stream_transition(&st, VG_STREAM_STOPPED, svc->now_ms(), NULL)) < 0) {
        vg_error_set(err, rc, "cannot stop a %s stream", vg_stream_status_name(st.status));
        goto done;
    }
    if ((rc = vg_store_stream_update(svc->store, &st)) < 0) {
        vg_error_store(err, rc, "stopping the stream");
        goto done;
    }
    VG_LOG_INFO("stream", "stopped stream=%s camera=%" PRId64, st.id, st.camera_id);
    if (svc->media)
        vg_media_stop(svc->media, st.id);

done:
    vg_stream_clear(&st);
    return rc;
}

int vg_stream_service_resume_all(vg_services *svc, vg_error *err)
{
    vg_stream *live = NULL;
    size_t n = 0;
    int rc = vg_store_stream_list_live(svc->store, &live, &n);
    if (rc < 0)
        return vg_error_store(err, rc, "listing live streams");
    for (size_t i = 0; i < n; i++) {
        vg_stream *st = &live[i];
        int64_t now = svc->now_ms();
        if (st->on_demand && st->status != VG_STREAM_STANDBY) {
            /* On demand: nobody reads it after a restart, so it waits again. */
            if ((rc = vg_stream_transition(st, VG_STREAM_STANDBY, now, NULL)) < 0) {
                vg_error_set(err, rc, "cannot resume stream %s: %s", st->id, vg_strerror(rc));
                goto done;
            }
        } else if (st->status == VG_STREAM_RUNNING) {
            /* RUNNING -> ERROR -> STARTING: both legal; RUNNING is never claimed without frames. */
            if ((rc = vg_stream_transition(st, VG_STREAM_ERROR, now, "vigil restarted")) < 0 ||
                (rc = vg_stream_transition(st, VG_STREAM_STARTING, now, NULL)) < 0) {
                vg_error_set(err, rc, "cannot resume stream %s: %s", st->id, vg_strerror(rc));
                goto done;
            }
        } else {
            continue;
        }
        if ((rc = vg_store_stream_update(svc->store, st)) < 0) {
            vg_error_store(err, rc, "resuming streams");
            goto done;
        }
    }
    for (size_t i = 0; svc->media && i < n; i++) {
        vg_camera cam = {0};
        vg_camera_defaults(&cam);
        vg_store_camera_get(svc->store, live[i].camera_id, &cam); /* its name and options */
        vg_media_stream_options mopt = media_options(&cam, live[i].on_demand);
        if (vg_media_start(svc->media, live[i].id, live[i].camera_id, live[i].source_url, &mopt) <
            0)
            VG_LOG_ERROR("stream", "cannot resume stream=%s", live[i].id);
        vg_camera_clear(&cam);
    }
    if (n)
        VG_LOG_INFO("stream", "resumed live streams count=%zu", n);
    rc = (int)n;

done:
    vg_stream_array_free(live, n);
    return rc;
}

void vg_stream_service_on_media_status(void *ctx, const char *stream_id, vg_stream_status status,
                                       const char *error)
{
    vg_services *svc = ctx;
    vg_stream st = {0};
    if (vg_store_stream_get(svc->store, stream_id, &st) < 0)
        return; /* deleted meanwhile (logged by the store if it failed) */
    int64_t now = svc->now_ms();
    int rc = 0;
    if (st.status == VG_STREAM_STOPPED)
        goto done; /* stopped while the report was on its way */
    if (status == VG_STREAM_ERROR && st.status == VG_STREAM_ERROR) {
        char *copy = strdup(error ? error : "unknown error");
        if (!copy)
            goto done;
        free(st.last_error);
        st.last_error = copy; /* still failing, perhaps for a new reason: not a transition */
    } else {
        if (status == VG_STREAM_RUNNING && st.status == VG_STREAM_ERROR)
            rc = vg_stream_transition(&st, VG_STREAM_STARTING, now, NULL);
        if (rc == 0)
            rc = vg_stream_transition(&st, status, now, error);
        if (rc < 0) {
            VG_LOG_ERROR("stream", "stream=%s cannot go from %s to %s", st.id,
                         vg_stream_status_name(st.status), vg_stream_status_name(status));
            goto done;
        }
    }
    vg_store_stream_update(svc->store, &st);

done:
    vg_stream_clear(&st);
}
