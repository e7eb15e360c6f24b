#include "source/lavf_video.h"

#include "codec/h264.h"
#include "codec/nal.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static vg_nal_codec nal_codec_of(vg_codec codec)
{
    return codec == VG_CODEC_H265 ? VG_NAL_H265 : VG_NAL_H264;
}

static bool same(const uint8_t *a, size_t alen, vg_nal b)
{
    return a && alen == b.len && memcmp(a, b.p, alen) == 0;
}

static int keep(uint8_t **dst, size_t *dst_len, vg_nal nal)
{
    uint8_t *copy = malloc(nal.len);
    if (!copy)
        return VG_ENOMEM;
    memcpy(copy, nal.p, nal.len);
    free(*dst);
    *dst = copy;
    *dst_len = nal.len;
    return 0;
}

/*
 * Fills `track` from the current SPS/PPS: size, profile, level, codec
 * string, fps, and the avcC. Returns 0, VG_ESYNTAX when the SPS does not
 * parse, VG_ENOMEM.
 */
static int describe_h264(const vg_lavf_video *v, vg_track *track)
{
    vg_h264_sps sps;
    if (vg_h264_sps_parse(v->sps, v->sps_len, &sps) < 0)
        return VG_ESYNTAX;
    track->width = (int)sps.width;
    track->height = (int)sps.height;
    track->profile = sps.profile_idc;
    track->level = sps.level_idc;
    vg_h264_codec_string(&sps, track->codec_string, sizeof(track->codec_string));
    if (sps.fps_num && sps.fps_den)
        track->nominal_fps = (double)sps.fps_num / (double)sps.fps_den;
    size_t need = 0;
    if (vg_h264_avcc_build(v->sps, v->sps_len, v->pps, v->pps_len, NULL, 0, &need) != VG_ERANGE)
        return VG_ESYNTAX;
    uint8_t *avcc = malloc(need);
    if (!avcc)
        return VG_ENOMEM;
    int rc = vg_h264_avcc_build(v->sps, v->sps_len, v->pps, v->pps_len, avcc, need, &need);
    if (rc == 0)
        rc = vg_track_set_config(track, avcc, need);
    free(avcc);
    return rc;
}

/* Remembers the SPS/PPS among `nals`; *seen_new when either differs from the current one. */
static int take_parameter_sets(vg_lavf_video *v, const vg_nal *nals, size_t n, bool *seen_new)
{
    *seen_new = false;
    if (v->codec != VG_CODEC_H264)
        return 0; /* H.265 parameters: the track keeps what libavformat reported */
    for (size_t i = 0; i < n; i++) {
        unsigned type = vg_nal_h264_type(nals[i].p[0]);
        if (type == VG_H264_NAL_SPS && !same(v->sps, v->sps_len, nals[i])) {
            if (keep(&v->sps, &v->sps_len, nals[i]) < 0)
                return VG_ENOMEM;
            *seen_new = true;
        } else if (type == VG_H264_NAL_PPS && !same(v->pps, v->pps_len, nals[i])) {
            if (keep(&v->pps, &v->pps_len, nals[i]) < 0)
                return VG_ENOMEM;
            *seen_new = true;
        }
    }
    return 0;
}

int vg_lavf_video_init(vg_lavf_video *v, vg_track *track, const uint8_t *extradata, size_t len)
{
    memset(v, 0, sizeof(*v));
    v->codec = track->codec;
    if (len >= 7 && extradata[0] == 1) {
        /* avcC / hvcC (MP4, FLV): samples are length-prefixed. */
        if (v->codec == VG_CODEC_H264) {
            vg_h264_avcc avcc;
            if (vg_h264_avcc_parse(extradata, len, &avcc) < 0)
                return VG_ESYNTAX;
            v->length_size = avcc.length_size;
            if (avcc.sps_count && keep(&v->sps, &v->sps_len, avcc.sps[0]) < 0)
                return VG_ENOMEM;
            if (avcc.pps_count && keep(&v->pps, &v->pps_len, avcc.pps[0]) < 0)
                return VG_ENOMEM;
        } else {
            if (len < 23)
                return VG_ESYNTAX;
            v->length_size = (extradata[21] & 3) + 1; /* hvcC lengthSizeMinusOne */
            if (vg_track_set_config(track, extradata, len) < 0)
                return VG_ENOMEM;
        }
        if (v->length_size != 4)
            return VG_ESYNTAX; /* 1- and 2-byte lengths: not met in practice, not supported */
    } else if (len) {
        /* Annex-B parameter sets (RTSP's sprop-parameter-sets). */
        vg_nal_annexb_iter it;
        vg_nal nals[16];
        size_t n = 0;
        vg_nal_annexb_iter_init(&it, extradata, len);
        while (n < 16 && vg_nal_annexb_next(&it, &nals[n]))
            n++;
        bool seen;
        if (take_parameter_sets(v, nals, n, &seen) < 0)
            return VG_ENOMEM;
    }
    if (v->codec != VG_CODEC_H264)
        return 0;
    if (!v->sps || !v->pps)
        return VG_ENOENT;
    return describe_h264(v, track);
}

/* A new track like `old` with the current parameter sets, one generation later. */
static vg_track *next_generation(const vg_lavf_video *v, const vg_track *old)
{
    vg_track *t = vg_track_create(old->codec);
    if (!t)
        return NULL;
    memcpy(t->codec_name, old->codec_name, sizeof(t->codec_name));
    t->generation = old->generation + 1;
    t->nominal_fps = old->nominal_fps;
    t->width = old->width;
    t->height = old->height;
    if (describe_h264(v, t) < 0) {
        vg_track_unref(&t);
        return NULL;
    }
    return t;
}

/* Appends one NAL unit with its 4-byte length. */
static uint8_t *put_nal(uint8_t *w, const uint8_t *nal, size_t len)
{
    w[0] = (uint8_t)(len >> 24);
    w[1] = (uint8_t)(len >> 16);
    w[2] = (uint8_t)(len >> 8);
    w[3] = (uint8_t)len;
    memcpy(w + 4, nal, len);
    return w + 4 + len;
}

int vg_lavf_video_packet(vg_lavf_video *v, const vg_track *track, const uint8_t *data, size_t len,
                         vg_au **out, vg_track **changed)
{
    *out = NULL;
    *changed = NULL;
    vg_nal_codec nc = nal_codec_of(v->codec);
    const unsigned drop = VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER;
    uint8_t *avcc = NULL;
    size_t avcc_len = 0;
    int rc;

    if (v->length_size == 0) {
        if ((rc = vg_nal_annexb_to_avcc_alloc(data, len, nc, drop, &avcc, &avcc_len)) < 0)
            return rc;
    } else {
        /* Already length-prefixed (4 bytes): drop AUD and filler the same way. */
        if (vg_nal_avcc_validate(data, len, NULL) < 0)
            return VG_ESYNTAX;
        if (!(avcc = malloc(len ? len : 1)))
            return VG_ENOMEM;
        vg_nal_avcc_iter it;
        vg_nal nal;
        uint8_t *w = avcc;
        vg_nal_avcc_iter_init(&it, data, len);
        while (vg_nal_avcc_next(&it, &nal) == 1) {
            if (!vg_nal_is_dropped(nc, drop, nal))
                w = put_nal(w, nal.p, nal.len);
        }
        avcc_len = (size_t)(w - avcc);
    }
    if (!avcc_len) {
        free(avcc);
        return 0; /* nothing but delimiters or filler */
    }

    /* What the AU holds: parameter sets (in-band changes), and whether it is a key frame. */
    vg_nal nals[64];
    size_t n = 0;
    vg_nal_avcc_iter it;
    vg_nal_avcc_iter_init(&it, avcc, avcc_len);
    while (n < 64 && vg_nal_avcc_next(&it, &nals[n]) == 1)
        n++;
    bool seen_new;
    if ((rc = take_parameter_sets(v, nals, n, &seen_new)) < 0)
        goto out;
    if (seen_new && v->sps && v->pps)
        *changed = next_generation(v, track); /* NULL when the new SPS does not parse */
    bool key = vg_nal_avcc_is_keyframe(nc, avcc, avcc_len);

    bool has_sps = false, has_pps = false;
    for (size_t i = 0; i < n && v->codec == VG_CODEC_H264; i++) {
        unsigned type = vg_nal_h264_type(nals[i].p[0]);
        has_sps = has_sps || type == VG_H264_NAL_SPS;
        has_pps = has_pps || type == VG_H264_NAL_PPS;
    }
    size_t extra = 0;
    if (key && v->codec == VG_CODEC_H264 && v->sps && v->pps && !(has_sps && has_pps))
        extra = 4 + v->sps_len + 4 + v->pps_len; /* a key frame always carries its SPS/PPS */

    vg_au *au = vg_au_create(avcc_len + extra);
    if (!au) {
        rc = VG_ENOMEM;
        goto out;
    }
    uint8_t *w = au->data;
    if (extra) {
        w = put_nal(w, v->sps, v->sps_len);
        w = put_nal(w, v->pps, v->pps_len);
    }
    memcpy(w, avcc, avcc_len);
    au->flags = key ? VG_AU_KEY : 0;
    *out = au;
    rc = 0;

out:
    free(avcc);
    return rc;
}

void vg_lavf_video_deinit(vg_lavf_video *v)
{
    free(v->sps);
    free(v->pps);
    memset(v, 0, sizeof(*v));
}
