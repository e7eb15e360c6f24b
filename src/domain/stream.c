#include "domain/stream.h"

#include "core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char *const status_names[VG_STREAM_STATUS_COUNT] = {
    [VG_STREAM_STOPPED] = "STOPPED", [VG_STREAM_STARTING] = "STARTING",
    [VG_STREAM_RUNNING] = "RUNNING", [VG_STREAM_ERROR] = "ERROR",
    [VG_STREAM_STANDBY] = "STANDBY",
};

/* allowed[from][to]: the state machine drawn in stream.h. */
static const bool allowed[VG_STREAM_STATUS_COUNT][VG_STREAM_STATUS_COUNT] = {
    [VG_STREAM_STOPPED] = {[VG_STREAM_STARTING] = true, [VG_STREAM_STANDBY] = true},
    [VG_STREAM_STARTING] = {[VG_STREAM_RUNNING] = true,
                            [VG_STREAM_ERROR] = true,
                            [VG_STREAM_STOPPED] = true,
                            [VG_STREAM_STANDBY] = true},
    [VG_STREAM_RUNNING] =
        {[VG_STREAM_ERROR] = true, [VG_STREAM_STOPPED] = true, [VG_STREAM_STANDBY] = true},
    [VG_STREAM_ERROR] =
        {[VG_STREAM_STARTING] = true, [VG_STREAM_STOPPED] = true, [VG_STREAM_STANDBY] = true},
    [VG_STREAM_STANDBY] = {[VG_STREAM_STARTING] = true, [VG_STREAM_STOPPED] = true},
};

void vg_stream_clear(vg_stream *st)
{
    if (!st)
        return;
    free(st->source_url);
    free(st->last_error);
    memset(st, 0, sizeof(*st));
}

void vg_stream_array_free(vg_stream *sts, size_t n)
{
    for (size_t i = 0; sts && i < n; i++)
        vg_stream_clear(&sts[i]);
    free(sts);
}

const char *vg_stream_status_name(vg_stream_status s)
{
    if ((unsigned)s >= VG_STREAM_STATUS_COUNT)
        return "UNKNOWN";
    return status_names[s];
}

int vg_stream_status_parse(const char *name, vg_stream_status *out)
{
    for (int i = 0; i < VG_STREAM_STATUS_COUNT; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (vg_stream_status)i;
            return 0;
        }
    }
    return VG_EINVAL;
}

bool vg_stream_transition_allowed(vg_stream_status from, vg_stream_status to)
{
    if ((unsigned)from >= VG_STREAM_STATUS_COUNT || (unsigned)to >= VG_STREAM_STATUS_COUNT)
        return false;
    return allowed[from][to];
}

bool vg_stream_status_is_active(vg_stream_status s)
{
    return s == VG_STREAM_STARTING || s == VG_STREAM_RUNNING;
}

bool vg_stream_status_is_live(vg_stream_status s)
{
    return s != VG_STREAM_STOPPED;
}

int vg_stream_transition(vg_stream *st, vg_stream_status to, int64_t now_ms, const char *error)
{
    if (!vg_stream_transition_allowed(st->status, to))
        return VG_ESTATE;

    char *new_error = NULL;
    if (to == VG_STREAM_ERROR) {
        new_error = strdup(error && *error ? error : "unknown error");
        if (!new_error)
            return VG_ENOMEM;
    }
    switch (to) {
    case VG_STREAM_STARTING:
    case VG_STREAM_STANDBY:
        if (st->status == VG_STREAM_STOPPED) {
            st->started_at_ms = now_ms;
            st->stopped_at_ms = 0;
        }
        free(st->last_error);
        st->last_error = NULL;
        break;
    case VG_STREAM_RUNNING:
        free(st->last_error);
        st->last_error = NULL;
        break;
    case VG_STREAM_ERROR:
        free(st->last_error);
        st->last_error = new_error;
        break;
    case VG_STREAM_STOPPED:
        st->stopped_at_ms = now_ms;
        break;
    }
    st->status = to;
    if (st->created_at_ms == 0)
        st->created_at_ms = now_ms;
    st->updated_at_ms = now_ms;
    return 0;
}

int vg_uuid_v4(char out[VG_UUID_STR_LEN + 1])
{
    uint8_t b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        return -errno;
    /* RFC 9562 5.4: version 4 in the high nibble of octet 6, variant 10 in octet 8. */
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, VG_UUID_STR_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

bool vg_uuid_is_valid(const char *s)
{
    if (!s || strlen(s) != VG_UUID_STR_LEN)
        return false;
    for (int i = 0; i < VG_UUID_STR_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}
