/*
 * fuzz_rtsp_describe.c: rtsp/describe.c against arbitrary DESCRIBE bodies.
 *
 * Beyond "no crash, no overread" (the input is copied to a buffer of its
 * exact size, so ASan sees a read past `len`), it checks:
 *   - a failure has a code of the contract, a reason, and a zeroed result;
 *   - a success is within its bounds: counts under the caps, every string
 *     NUL-terminated inside its array, encodings made of token characters;
 *   - every control URL is visible ASCII (nothing can break the SETUP
 *     request line) and either absolute (rtsp:// or rtsps://) or built on
 *     the base URL; the aggregate control likewise;
 *   - a supported codec has what its depacketizer needs: a clock rate,
 *     audio channels, 48000 Hz for Opus, a sizelength for AAC, a media type
 *     that matches; parameter sets only with an SPS that parses again, of
 *     the right NAL types, a VPS only for H.265;
 *   - parsing is deterministic: the same bytes give the same result, with
 *     a Content-Base that ends in '/' or one with a query.
 */
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "core/error.h"
#include "rtsp/describe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASE       "rtsp://192.0.2.10:554/stream/"
#define BASE_QUERY "rtsp://192.0.2.10/cam/realmonitor?channel=1&subtype=0"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_string(const char *field, size_t cap)
{
    check(memchr(field, '\0', cap) != NULL);
}

static void check_url(const char *url, const char *base)
{
    check_string(url, VG_RTSP_MAX_URL);
    size_t len = strlen(url);
    check(len > 0);
    for (size_t i = 0; i < len; i++)
        check((unsigned char)url[i] > 0x20 && (unsigned char)url[i] < 0x7f);
    check(strncasecmp(url, "rtsp://", 7) == 0 || strncasecmp(url, "rtsps://", 8) == 0 ||
          strncmp(url, base, strlen(base)) == 0);
}

static void check_description(const vg_rtsp_description *d, const char *base)
{
    check(d->count <= VG_RTSP_MAX_MEDIA);
    check_url(d->aggregate_control, base);
    for (size_t i = 0; i < d->count; i++) {
        const vg_rtsp_media *m = &d->media[i];
        check_url(m->control, base);
        check_string(m->encoding, sizeof(m->encoding));
        for (const char *c = m->encoding; *c; c++)
            check(*c > 0x20 && *c < 0x7f && *c != '/');
        check(m->payload_type <= 127);
        check(m->clock_rate >= 0 && m->channels >= 0 && m->channels <= 255);
        check(!m->video_kind || m->channels == 0);
        check(m->vps_len <= VG_RTSP_MAX_PARAM_SET && m->sps_len <= VG_RTSP_MAX_PARAM_SET &&
              m->pps_len <= VG_RTSP_MAX_PARAM_SET);
        check(m->aac_config_len <= sizeof(m->aac_config));
        check(m->codec >= VG_CODEC_UNSUPPORTED && m->codec <= VG_CODEC_OPUS);
        if (m->codec != VG_CODEC_UNSUPPORTED)
            check(m->clock_rate > 0 && m->encoding[0]);

        bool video = m->codec == VG_CODEC_H264 || m->codec == VG_CODEC_H265;
        if (m->codec != VG_CODEC_UNSUPPORTED)
            check(video == m->video_kind);
        if (!video)
            check(m->vps_len == 0 && m->sps_len == 0 && m->pps_len == 0 && !m->donl &&
                  m->packetization_mode == 0);
        if (m->codec != VG_CODEC_AAC)
            check(m->aac_config_len == 0 && m->size_length == 0 && m->index_length == 0 &&
                  m->index_delta_length == 0);
        if (!m->video_kind && m->codec != VG_CODEC_UNSUPPORTED)
            check(m->channels >= 1);
        if (m->codec == VG_CODEC_OPUS)
            check(m->clock_rate == 48000);
        if (m->codec == VG_CODEC_AAC)
            check(m->size_length >= 1 && m->size_length <= 16 && m->index_length >= 0 &&
                  m->index_length <= 16 && m->index_delta_length >= 0 &&
                  m->index_delta_length <= 16);
        if (m->codec == VG_CODEC_H264) {
            check(m->packetization_mode >= 0 && m->packetization_mode <= 2);
            check(m->vps_len == 0 && !m->donl);
            check(m->pps_len == 0 || m->sps_len > 0);
            if (m->sps_len) {
                vg_h264_sps sps;
                check(vg_h264_sps_parse(m->sps, m->sps_len, &sps) == 0);
            }
            if (m->pps_len)
                check(vg_nal_h264_type(m->pps[0]) == VG_H264_NAL_PPS);
        }
        if (m->codec == VG_CODEC_H265) {
            check((m->vps_len == 0 && m->pps_len == 0) || m->sps_len > 0);
            if (m->sps_len) {
                vg_h265_sps sps;
                check(vg_h265_sps_parse(m->sps, m->sps_len, &sps) == 0);
            }
            if (m->vps_len)
                check(vg_nal_h265_type(m->vps[0]) == VG_H265_NAL_VPS);
            if (m->pps_len)
                check(vg_nal_h265_type(m->pps[0]) == VG_H265_NAL_PPS);
        }
        if (m->codec == VG_CODEC_UNSUPPORTED)
            check(m->sps_len == 0 && m->pps_len == 0 && m->aac_config_len == 0);
    }
}

static void check_failure(int ret, const vg_rtsp_description *d, const char *err)
{
    static const vg_rtsp_description zero;
    check(ret == VG_ESYNTAX || ret == VG_ERANGE);
    check(err[0] != '\0');
    for (const char *c = err; *c; c++)
        check(*c >= 0x20 && *c < 0x7f);
    check(memcmp(d, &zero, sizeof(zero)) == 0);
}

static vg_rtsp_description first, again;

static void run(const char *text, size_t size, const char *base)
{
    char err[128], err_again[128];
    int ret = vg_rtsp_describe_parse(text, size, base, &first, err, sizeof(err));
    if (ret < 0)
        check_failure(ret, &first, err);
    else
        check(ret == 0), check_description(&first, base);

    /* Deterministic, and nothing left over from the previous call (fields all rewritten). */
    memset(&again, 0xa5, sizeof(again));
    int ret_again = vg_rtsp_describe_parse(text, size, base, &again, err_again, sizeof(err_again));
    check(ret_again == ret && strcmp(err, err_again) == 0);
    check(memcmp(&first, &again, sizeof(first)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    check(text != NULL);
    memcpy(text, data, size);
    run(text, size, BASE);
    run(text, size, BASE_QUERY);
    free(text);
    return 0;
}
