/*
 * track.h: one elementary stream of a path: its codec and parameters.
 *
 * A track is immutable and refcounted. When a camera changes its parameters
 * (a new SPS, a new resolution after a reconnect) the source makes a new
 * track with a higher generation; it never edits one in place, so a reader
 * holding the old one stays consistent (DESIGN.md section 1).
 */
#ifndef VG_CORE_TRACK_H
#define VG_CORE_TRACK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    VG_CODEC_UNSUPPORTED = 0, /* carried as a track so it can be listed; no AUs flow */
    VG_CODEC_H264,
    VG_CODEC_H265,
    VG_CODEC_AAC,
    VG_CODEC_PCMU, /* G.711 mu-law */
    VG_CODEC_PCMA, /* G.711 A-law */
    VG_CODEC_OPUS,
} vg_codec;

typedef struct vg_track {
    atomic_uint _refs;
    vg_codec codec;
    bool is_video;       /* video vigil carries (H.264, H.265): where readers start */
    bool video_kind;     /* the camera calls it video, whether or not vigil carries it */
    uint32_t generation; /* grows when parameters change */
    int clock_rate;      /* 90000 for video, the sample rate for audio */
    char codec_name[32]; /* "h264", "hevc", "aac", "pcm_mulaw"...; FFmpeg's name when unsupported */
    char codec_string[40]; /* RFC 6381 ("avc1.64001f", "mp4a.40.2"); "" when unknown */

    /* video */
    int width, height;
    int profile, level;
    double nominal_fps; /* from the SPS timing or the container; 0 when unknown */

    /* audio */
    int sample_rate, channels;

    /*
     * The decoder configuration: avcC / hvcC for video (SPS, PPS, VPS inside),
     * the AudioSpecificConfig for AAC. Owned by the track.
     */
    uint8_t *config;
    size_t config_size;
} vg_track;

/* A new zeroed track with one reference, the caller's; NULL when out of memory. */
vg_track *vg_track_create(vg_codec codec);

/* Copies `size` bytes of decoder configuration into the track (before it is shared). */
int vg_track_set_config(vg_track *track, const uint8_t *config, size_t size);

vg_track *vg_track_ref(vg_track *track);
/* Drops the reference *track holds, sets *track to NULL; NULL-safe. */
void vg_track_unref(vg_track **track);

/* "h264", "h265", "aac", "pcmu", "pcma", "opus", "unsupported". */
const char *vg_codec_name(vg_codec codec);

#endif
