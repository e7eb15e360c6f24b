/*
 * playlist.h: the text of HLS playlists (RFC 8216bis) and the names of
 * what they list. Pure functions of a muxer's state, unit-tested alone.
 *
 *   index.m3u8                     multivariant playlist (one variant)
 *   stream.m3u8                    media playlist (LL-HLS; plain players ignore the LL tags)
 *   init.mp4                       the current init segment
 *   init_<muxer>_<id>.mp4          an init segment (EXT-X-MAP)
 *   seg_<muxer>_<msn>.mp4          a segment
 *   part_<muxer>_<msn>_<i>.mp4     part i of segment msn
 *
 * <muxer> is 8 hex digits drawn when the muxer starts, so the names of a
 * muxer that was closed and started again never collide with cached ones.
 */
#ifndef VG_HLS_PLAYLIST_H
#define VG_HLS_PLAYLIST_H

#include "hls/muxer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_HLS_MUXER_ID_LEN 8

typedef enum {
    VG_HLS_NAME_UNKNOWN = 0,
    VG_HLS_NAME_MULTIVARIANT, /* index.m3u8 */
    VG_HLS_NAME_MEDIA,        /* stream.m3u8 */
    VG_HLS_NAME_INIT_CURRENT, /* init.mp4 */
    VG_HLS_NAME_INIT,         /* init_<muxer>_<id>.mp4 */
    VG_HLS_NAME_SEGMENT,      /* seg_<muxer>_<msn>.mp4 */
    VG_HLS_NAME_PART,         /* part_<muxer>_<msn>_<i>.mp4 */
} vg_hls_name_kind;

typedef struct vg_hls_name {
    vg_hls_name_kind kind;
    char muxer_id[VG_HLS_MUXER_ID_LEN + 1]; /* INIT, SEGMENT, PART */
    uint64_t number;                        /* INIT: id; SEGMENT, PART: msn */
    uint64_t part;                          /* PART: index */
} vg_hls_name;

/* Parses a file name of the scheme above; VG_HLS_NAME_UNKNOWN for anything else. */
vg_hls_name vg_hls_name_parse(const char *file);

/*
 * The media playlist of `st` (borrowed), its URIs named with `muxer_id`.
 * Returns a malloc()ed NUL-terminated text of *len bytes, the caller's, or
 * NULL when out of memory.
 */
char *vg_hls_media_playlist(const vg_hls_muxer_state *st, const char *muxer_id, size_t *len);

/*
 * The multivariant playlist: one variant made with `init`, of about
 * `bandwidth` bits per second, at `media_uri` (e.g. "stream.m3u8?session=ab12").
 * Returns a malloc()ed text of *len bytes, the caller's, or NULL.
 */
char *vg_hls_multivariant_playlist(const vg_hls_init *init, uint64_t bandwidth,
                                   const char *media_uri, size_t *len);

#endif
