/*
 * stream.h: a stream, a camera's video being pulled, and its state machine
 * (seed 002). Pure logic, no I/O.
 *
 *              start                 first key frame
 *   STOPPED ──────────▶ STARTING ─────────────────▶ RUNNING
 *      ▲                 │   ▲                         │
 *      │        failure  │   │ retry                   │ failure
 *      │                 ▼   │                         ▼
 *      └────── stop ──── ERROR ◀───────────────────────┘
 *
 * Legal: STOPPED→STARTING, STARTING→RUNNING, STARTING→ERROR, RUNNING→ERROR,
 * ERROR→STARTING, and STARTING/RUNNING/ERROR→STOPPED. Every other pair is
 * refused. A stream that is not STOPPED is "live": it owns its camera's path
 * (an ERROR stream is retrying), so a camera has at most one live stream and
 * therefore at most one active (STARTING or RUNNING) one.
 *
 * On demand (sourceOnDemand), a stream waits for its first reader in
 * STANDBY, with no connection to the camera:
 *
 *   STOPPED ──start──▶ STANDBY ──first reader──▶ STARTING ──▶ RUNNING / ERROR
 *                         ▲                                        │
 *                         └──── sourceOnDemandCloseAfter after ────┘
 *                               the last reader left
 *
 * Also legal: STOPPED→STANDBY, STANDBY→STARTING, STARTING/RUNNING/ERROR→
 * STANDBY, STANDBY→STOPPED.
 */
#ifndef VG_DOMAIN_STREAM_H
#define VG_DOMAIN_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    VG_STREAM_STOPPED = 0,
    VG_STREAM_STARTING,
    VG_STREAM_RUNNING,
    VG_STREAM_ERROR,
    VG_STREAM_STANDBY, /* on demand: waiting for a reader; nothing pulled */
} vg_stream_status;

#define VG_STREAM_STATUS_COUNT 5
#define VG_UUID_STR_LEN        36

/* A set of statuses (a filter): one bit per status. */
#define VG_STREAM_STATUS_BIT(s) (1u << (unsigned)(s))
#define VG_STREAM_STATUS_ALL    ((1u << VG_STREAM_STATUS_COUNT) - 1)
/* The live ones: every status but STOPPED. */
#define VG_STREAM_STATUS_LIVE (VG_STREAM_STATUS_ALL & ~VG_STREAM_STATUS_BIT(VG_STREAM_STOPPED))

typedef struct vg_stream {
    char id[VG_UUID_STR_LEN + 1]; /* UUID v4, lower-case */
    int64_t camera_id;
    char *source_url; /* owned, raw: may hold credentials */
    vg_stream_status status;
    int64_t started_at_ms; /* 0 = never */
    int64_t stopped_at_ms; /* 0 = not stopped */
    char *last_error;      /* owned; NULL when none; never holds a credential */
    bool on_demand;        /* pulled only while someone reads it */
    int64_t created_at_ms; /* 0 until its first transition (or the store's insert) sets it */
    int64_t updated_at_ms; /* the last change of the row; every transition sets it */
} vg_stream;

/* Frees the strings a stream owns and zeroes it. */
void vg_stream_clear(vg_stream *st);
/* Frees an array of `n` streams from a list call, and the array. */
void vg_stream_array_free(vg_stream *sts, size_t n);

/* "STOPPED", "STARTING", "RUNNING", "ERROR". */
const char *vg_stream_status_name(vg_stream_status s);
/* Returns 0, or VG_EINVAL for an unknown name. */
int vg_stream_status_parse(const char *name, vg_stream_status *out);

bool vg_stream_transition_allowed(vg_stream_status from, vg_stream_status to);
/* STARTING or RUNNING. */
bool vg_stream_status_is_active(vg_stream_status s);
/* Anything but STOPPED. */
bool vg_stream_status_is_live(vg_stream_status s);

/*
 * Moves `st` to `to` at time `now_ms`: sets started_at on STARTING or
 * STANDBY (when it comes from STOPPED), stopped_at on STOPPED, and
 * last_error on ERROR (a copy of `error`, which must already be free of
 * credentials; cleared on STARTING, RUNNING and STANDBY). Every transition
 * sets updated_at to `now_ms`, and the first one of a new stream (created_at
 * still 0) sets created_at too. Returns 0, VG_ESTATE for an illegal
 * transition (nothing changes), or VG_ENOMEM.
 */
int vg_stream_transition(vg_stream *st, vg_stream_status to, int64_t now_ms, const char *error);

/* Writes a fresh random UUID v4 into out (37 bytes). Returns 0 or -errno. */
int vg_uuid_v4(char out[VG_UUID_STR_LEN + 1]);
/* True when `s` is a UUID in its 36-character text form (any version). */
bool vg_uuid_is_valid(const char *s);

#endif
