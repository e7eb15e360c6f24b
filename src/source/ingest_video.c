#include "source/ingest_video.h"

#include "codec/h264.h"
#include "codec/h265.h"
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

/* Builds a decoder configuration record (avcC / hvcC) from the current parameter sets. */
static int build_config(const vg_ingest_video *v, uint8_t *out, size_t cap, size_t *len)
{
    if (v->codec == VG_CODEC_H265)
        return vg_h265_hvcc_build(v->vps, v->vps_len, v->sps, v->sps_len, v->pps, v->pps_len, out,
                                  cap, len);
    return vg_h264_avcc_build(v->sps, v->sps_len, v->pps, v->pps_len, out, cap, len);
}

/* True when every parameter set the codec needs is known. */
static bool have_parameter_sets(const vg_ingest_video *v)
{
    return v->sps && v->pps && (v->codec != VG_CODEC_H265 || v->vps);
}

/*
 * Fills `track` from the current parameter sets: size, profile, level,
 * codec string, fps, and the avcC/hvcC. Returns 0, VG_ESYNTAX when the SPS
 * does not parse, VG_ENOMEM.
 */
static int describe(const vg_ingest_video *v, vg_track *track)
{
    uint32_t fps_num = 0, fps_den = 0;
    if (v->codec == VG_CODEC_H265) {
        vg_h265_sps sps;
        if (vg_h265_sps_parse(v->sps, v->sps_len, &sps) < 0)
            return VG_ESYNTAX;
        track->width = (int)sps.width;
        track->height = (int)sps.height;
        track->profile = sps.ptl.profile_idc;
        track->level = sps.ptl.level_idc;
        vg_h265_codec_string(&sps, track->codec_string, sizeof(track->codec_string));
        fps_num = sps.fps_num, fps_den = sps.fps_den;
    } else {
        vg_h264_sps sps;
        if (vg_h264_sps_parse(v->sps, v->sps_len, &sps) < 0)
            return VG_ESYNTAX;
        track->width = (int)sps.width;
        track->height = (int)sps.height;
        track->profile = sps.profile_idc;
        track->level = sps.level_idc;
        vg_h264_codec_string(&sps, track->codec_string, sizeof(track->codec_string));
        fps_num = sps.fps_num, fps_den = sps.fps_den;
    }
    if (fps_num && fps_den)
        track->nominal_fps = (double)fps_num / (double)fps_den;
    size_t need = 0;
    if (build_config(v, NULL, 0, &need) != VG_ERANGE)
        return VG_ESYNTAX;
    uint8_t *config = malloc(need);
    if (!config)
        return VG_ENOMEM;
    int rc = build_config(v, config, need, &need);
    if (rc == 0)
        rc = vg_track_set_config(track, config, need);
    free(config);
    return rc;
}

/* Which parameter set a NAL unit is: 'V', 'S', 'P', or 0 for none. */
static char parameter_set_kind(vg_codec codec, vg_nal nal)
{
    if (codec == VG_CODEC_H265) {
        unsigned t = vg_nal_h265_type(nal.p[0]);
        return t == VG_H265_NAL_VPS   ? 'V'
               : t == VG_H265_NAL_SPS ? 'S'
               : t == VG_H265_NAL_PPS ? 'P'
                                      : 0;
    }
    unsigned t = vg_nal_h264_type(nal.p[0]);
    return t == VG_H264_NAL_SPS ? 'S' : t == VG_H264_NAL_PPS ? 'P' : 0;
}

/* Remembers the parameter sets among `nals`; *seen_new when one differs from the current. */
static int take_parameter_sets(vg_ingest_video *v, const vg_nal *nals, size_t n, bool *seen_new)
{
    *seen_new = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t **dst;
        size_t *dst_len;
        switch (parameter_set_kind(v->codec, nals[i])) {
        case 'V':
            dst = &v->vps, dst_len = &v->vps_len;
            break;
        case 'S':
            dst = &v->sps, dst_len = &v->sps_len;
            break;
        case 'P':
            dst = &v->pps, dst_len = &v->pps_len;
            break;
        default:
            continue;
        }
        if (same(*dst, *dst_len, nals[i]))
            continue;
        if (keep(dst, dst_len, nals[i]) < 0)
            return VG_ENOMEM;
        *seen_new = true;
    }
    return 0;
}

int vg_ingest_video_init(vg_ingest_video *v, vg_track *track, const uint8_t *extradata, size_t len)
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
            vg_h265_hvcc hvcc;
            if (vg_h265_hvcc_parse(extradata, len, &hvcc) < 0)
                return VG_ESYNTAX;
            v->length_size = hvcc.length_size;
            if ((hvcc.vps_count && keep(&v->vps, &v->vps_len, hvcc.vps[0]) < 0) ||
                (hvcc.sps_count && keep(&v->sps, &v->sps_len, hvcc.sps[0]) < 0) ||
                (hvcc.pps_count && keep(&v->pps, &v->pps_len, hvcc.pps[0]) < 0))
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
    if (!have_parameter_sets(v))
        return VG_ENOENT;
    return describe(v, track);
}

int vg_ingest_video_init_sets(vg_ingest_video *v, vg_track *track, const uint8_t *vps,
                              size_t vps_len, const uint8_t *sps, size_t sps_len,
                              const uint8_t *pps, size_t pps_len)
{
    memset(v, 0, sizeof(*v));
    v->codec = track->codec;
    v->length_size = 4;
    const vg_nal sets[3] = {{vps, vps_len}, {sps, sps_len}, {pps, pps_len}};
    for (size_t i = 0; i < 3; i++) {
        bool seen;
        if (sets[i].len && take_parameter_sets(v, &sets[i], 1, &seen) < 0)
            return VG_ENOMEM;
    }
    if (!have_parameter_sets(v))
        return VG_ENOENT;
    return describe(v, track);
}

/* A new track like `old` with the current parameter sets, one generation later. */
static vg_track *next_generation(const vg_ingest_video *v, const vg_track *old)
{
    vg_track *t = vg_track_create(old->codec);
    if (!t)
        return NULL;
    memcpy(t->codec_name, old->codec_name, sizeof(t->codec_name));
    t->generation = old->generation + 1;
    t->nominal_fps = old->nominal_fps;
    t->width = old->width;
    t->height = old->height;
    if (describe(v, t) < 0) {
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

/* The NAL units of a packet, in either framing. */
typedef struct packet_iter {
    bool annexb;
    vg_nal_annexb_iter a;
    vg_nal_avcc_iter c;
} packet_iter;

static void packet_iter_init(packet_iter *it, const vg_ingest_video *v, const uint8_t *data,
                             size_t len)
{
    it->annexb = v->length_size == 0;
    if (it->annexb)
        vg_nal_annexb_iter_init(&it->a, data, len);
    else
        vg_nal_avcc_iter_init(&it->c, data, len);
}

/* The next NAL unit into *nal: 1, 0 at the end (a length-prefixed packet is validated first). */
static int packet_next(packet_iter *it, vg_nal *nal)
{
    if (it->annexb)
        return vg_nal_annexb_next(&it->a, nal) ? 1 : 0;
    return vg_nal_avcc_next(&it->c, nal);
}

int vg_ingest_video_packet(vg_ingest_video *v, const vg_track *track, const uint8_t *data,
                           size_t len, vg_au **out, vg_track **changed)
{
    *out = NULL;
    *changed = NULL;
    vg_nal_codec nc = nal_codec_of(v->codec);
    const unsigned drop = VG_NAL_DROP_AUD | VG_NAL_DROP_FILLER;
    if (v->length_size != 0 && vg_nal_avcc_validate(data, len, NULL) < 0)
        return VG_ESYNTAX;

    /*
     * First pass over the packet's own bytes: the AU's size, the parameter
     * sets it brings (an in-band change) and whether it is a key frame. The
     * second pass writes the kept NAL units straight into the AU.
     */
    packet_iter it;
    vg_nal nal;
    size_t payload = 0;
    bool seen_new = false, key = false;
    bool has[3] = {false, false, false}; /* V, S, P */
    packet_iter_init(&it, v, data, len);
    while (packet_next(&it, &nal) == 1) {
        if (vg_nal_is_dropped(nc, drop, nal))
            continue;
        if (nal.len > UINT32_MAX)
            return VG_ESYNTAX; /* a 4-byte length cannot hold it */
        payload += 4 + nal.len;
        key = key || vg_nal_is_keyframe_unit(nc, nal);
        char kind = parameter_set_kind(v->codec, nal);
        if (!kind)
            continue;
        has[kind == 'V' ? 0 : kind == 'S' ? 1 : 2] = true;
        bool is_new;
        if (take_parameter_sets(v, &nal, 1, &is_new) < 0)
            return VG_ENOMEM;
        seen_new = seen_new || is_new;
    }
    if (!payload)
        return 0; /* nothing but delimiters or filler */
    if (seen_new && have_parameter_sets(v))
        *changed = next_generation(v, track); /* NULL when the new SPS does not parse */

    /* A key frame always carries its parameter sets: a reader may start on it. */
    bool need_vps = v->codec == VG_CODEC_H265 && !has[0];
    bool prepend = key && have_parameter_sets(v) && (need_vps || !has[1] || !has[2]);
    size_t extra = 0;
    if (prepend)
        extra = (v->codec == VG_CODEC_H265 ? 4 + v->vps_len : 0) + 4 + v->sps_len + 4 + v->pps_len;

    vg_au *au = vg_au_create(payload + extra);
    if (!au) {
        vg_track_unref(changed);
        return VG_ENOMEM;
    }
    uint8_t *w = au->data;
    if (extra) {
        if (v->codec == VG_CODEC_H265)
            w = put_nal(w, v->vps, v->vps_len);
        w = put_nal(w, v->sps, v->sps_len);
        w = put_nal(w, v->pps, v->pps_len);
    }
    packet_iter_init(&it, v, data, len);
    while (packet_next(&it, &nal) == 1) {
        if (!vg_nal_is_dropped(nc, drop, nal))
            w = put_nal(w, nal.p, nal.len);
    }
    au->flags = key ? VG_AU_KEY : 0;
    *out = au;
    return 0;
}

void vg_ingest_video_deinit(vg_ingest_video *v)
{
    free(v->vps);
    free(v->sps);
    free(v->pps);
    memset(v, 0, sizeof(*v));
}
