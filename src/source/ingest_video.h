/*
 * ingest_video.h: video packets from a source (libavformat's, or vigil's
 * own RTSP client) into vigil's form (issue 3, normalisation at ingest), on
 * the source thread.
 *
 *   - payload: AVCC with 4-byte NAL lengths, from Annex-B (libavformat's
 *     RTSP, MPEG-TS) or from length-prefixed input (MP4, FLV, vigil's RTP
 *     depacketizer); AUD and filler NAL units dropped;
 *   - parameter sets: taken from the extradata (SDP sprop-parameter-sets, or
 *     avcC) or in-band; a change makes a new track generation; every key
 *     frame carries its SPS/PPS, added when the camera left them out;
 *   - the track: width, height, profile, level, RFC 6381 codec string and
 *     nominal fps from the SPS, the avcC (H.264) or hvcC (H.265) as its
 *     decoder configuration.
 */
#ifndef VG_SOURCE_INGEST_VIDEO_H
#define VG_SOURCE_INGEST_VIDEO_H

#include "core/au.h"
#include "core/track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_ingest_video {
    vg_codec codec;
    int length_size;          /* input framing: 0 Annex-B, 4 length-prefixed */
    uint8_t *vps, *sps, *pps; /* the current parameter sets (owned); vps for H.265 only */
    size_t vps_len, sps_len, pps_len;
} vg_ingest_video;

/*
 * Prepares `v` for `track` (borrowed; filled in from the SPS when the
 * extradata holds one). Returns 0, VG_ENOENT when no parameter set is known
 * yet (they may come in-band), VG_ENOMEM, or VG_ESYNTAX for a length size
 * other than 4.
 */
int vg_ingest_video_init(vg_ingest_video *v, vg_track *track, const uint8_t *extradata, size_t len);

/*
 * As vg_ingest_video_init(), for packets that are already AVCC (4-byte
 * lengths) and parameter sets given one by one (an RTSP SDP's
 * sprop-parameter-sets, or sprop-vps/-sps/-pps), each borrowed and
 * possibly NULL with length 0. Same returns.
 */
int vg_ingest_video_init_sets(vg_ingest_video *v, vg_track *track, const uint8_t *vps,
                              size_t vps_len, const uint8_t *sps, size_t sps_len,
                              const uint8_t *pps, size_t pps_len);

/*
 * One packet (`data`, `len`, the caller's) into a new AU (*out, the
 * caller's; NULL when nothing is left, as for a packet of only an AUD) with
 * VG_AU_KEY set for a key frame. When the packet brings new parameter sets,
 * *changed is a new track (the caller's) to replace `track`. Returns 0,
 * VG_ESYNTAX for a malformed packet (dropped), or VG_ENOMEM.
 */
int vg_ingest_video_packet(vg_ingest_video *v, const vg_track *track, const uint8_t *data,
                           size_t len, vg_au **out, vg_track **changed);

void vg_ingest_video_deinit(vg_ingest_video *v);

#endif
