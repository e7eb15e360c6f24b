/*
 * Unit tests for rtsp/describe.c: the SDP of RTSP DESCRIBE responses as
 * GStreamer's rtsp-server, live555, MediaMTX, Hikvision, Dahua, Axis and
 * Reolink cameras write them (their layout, attributes and quirks: port 0,
 * spaces after ';', camelCase fmtp names, absolute and relative controls,
 * Dahua's query in the Content-Base), then each rule alone, then malformed
 * and hostile bodies.
 *
 * The parameter sets inside are real, so that the SPS check passes for the
 * right reason: libx264 and libx265 through ffmpeg 5.1, the same NAL units
 * as tests/unit/codec/test_h264.c and test_h265.c (make_vectors.py there).
 */
#include "rtsp/describe.h"

#include "codec/h264.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/track.h"
#include "vg_test.h"

#include <stdbool.h>

/* libx264 High 3.1 1280x720 (test_h264.c sps_high_720p / pps_high_720p). */
static const uint8_t sps_high_720p[] = {
    0x67, 0x64, 0x00, 0x1f, 0xac, 0xb2, 0x00, 0xa0, 0x0b, 0x76, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x41, 0xe3, 0x06, 0x49,
};
static const uint8_t pps_high_720p[] = {0x68, 0xeb, 0xc3, 0xcb, 0x22, 0xc0};
#define SPROP_720P "Z2QAH6yyAKALdgIgAAADACAAAAZB4wZJ,aOvDyyLA"

/* libx264 Main 4.0 1920x1080 (test_h264.c sps_main_1080p): 26 bytes, base64 ends in "=". */
static const uint8_t sps_main_1080p[] = {
    0x67, 0x4d, 0x40, 0x28, 0xd9, 0x00, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00,
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0xc9, 0x20,
};
#define SPS_1080P_B64 "Z01AKNkAeAIn5cBEAAADAAQAAAMAyDxgySA="

/* libx264 Baseline 640x360 (sps_baseline_360p, and the PPS of avcc_baseline_360p). */
static const uint8_t sps_baseline_360p[] = {
    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48,
};
static const uint8_t pps_baseline_360p[] = {0x68, 0xcb, 0x83, 0xcb, 0x20};
#define SPS_360P_B64 "Z0LAHtkAoC/5cBEAAAMAAQAAAwA8DxYuSA=="
#define PPS_360P_B64 "aMuDyyA="

/* libx265 Main 1280x720 (test_h265.c vps_main_720p, sps_main_720p, pps_main_720p). */
static const uint8_t vps_h265_720p[] = {
    0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
    0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0x95, 0x98, 0x09,
};
static const uint8_t sps_h265_720p[] = {
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0xa4, 0x93, 0x2b, 0xc0,
    0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32, 0x10,
};
static const uint8_t pps_h265_720p[] = {0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40};
#define VPS_H265_B64 "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ"
#define SPS_H265_B64 "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAWgIAAAMAAgAAAwAyEA=="
#define PPS_H265_B64 "RAHBcrRiQA=="

static vg_rtsp_description d; /* about 34 KB: not on the stack */
static char err[128];

static int parse(const char *sdp, const char *base)
{
    return vg_rtsp_describe_parse(sdp, strlen(sdp), base, &d, err, sizeof(err));
}

static bool bytes_eq(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* Everything left empty for a media without parameter sets or AAC fields. */
static void check_no_params(const vg_rtsp_media *m)
{
    CHECK_INT_EQ(m->vps_len, 0);
    CHECK_INT_EQ(m->sps_len, 0);
    CHECK_INT_EQ(m->pps_len, 0);
    CHECK_INT_EQ(m->aac_config_len, 0);
    CHECK_INT_EQ(m->size_length, 0);
    CHECK_INT_EQ(m->index_length, 0);
    CHECK_INT_EQ(m->index_delta_length, 0);
    CHECK(!m->donl);
}

/* ---- real-world descriptions ------------------------------------------------------------ */

/*
 * gst-rtsp-server (test-launch "( videotestsrc ! x264enc ! rtph264pay name=pay0 pt=96 )"):
 * session "a=control:*", media "stream=0", Content-Base with a trailing '/'.
 */
static void test_gstreamer_rtsp_server(void)
{
    const char *sdp = "v=0\r\n"
                      "o=- 1188340656180883 1 IN IP4 192.168.1.10\r\n"
                      "s=Session streamed with GStreamer\r\n"
                      "i=rtsp-server\r\n"
                      "t=0 0\r\n"
                      "a=tool:GStreamer\r\n"
                      "a=type:broadcast\r\n"
                      "a=range:npt=now-\r\n"
                      "a=control:*\r\n"
                      "m=video 0 RTP/AVP 96\r\n"
                      "c=IN IP4 0.0.0.0\r\n"
                      "b=AS:2097\r\n"
                      "a=rtpmap:96 H264/90000\r\n"
                      "a=framerate:25\r\n"
                      "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=" SPROP_720P
                      ";profile-level-id=64001f;level-asymmetry-allowed=1\r\n"
                      "a=control:stream=0\r\n"
                      "a=ts-refclk:local\r\n"
                      "a=mediaclk:sender\r\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://192.168.1.10:8554/test/"), 0);
    CHECK_STR_EQ(err, "");
    CHECK_INT_EQ(d.count, 1);
    CHECK_INT_EQ(d.ignored, 0);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://192.168.1.10:8554/test/");
    const vg_rtsp_media *m = &d.media[0];
    CHECK(m->video_kind);
    CHECK_INT_EQ(m->codec, VG_CODEC_H264);
    CHECK_STR_EQ(m->encoding, "H264");
    CHECK_INT_EQ(m->payload_type, 96);
    CHECK_INT_EQ(m->clock_rate, 90000);
    CHECK_INT_EQ(m->channels, 0);
    CHECK_STR_EQ(m->control, "rtsp://192.168.1.10:8554/test/stream=0");
    CHECK_INT_EQ(m->vps_len, 0);
    CHECK(bytes_eq(m->sps, m->sps_len, sps_high_720p, sizeof(sps_high_720p)));
    CHECK(bytes_eq(m->pps, m->pps_len, pps_high_720p, sizeof(pps_high_720p)));
    CHECK_INT_EQ(m->packetization_mode, 1);
    CHECK(!m->donl);
    CHECK_INT_EQ(m->aac_config_len, 0);
    CHECK_INT_EQ(m->size_length, 0);
    CHECK(m->warning == NULL);
}

/*
 * live555 (testOnDemandRTSPServer, or a Reolink of the LIVE555 kind): H.264 with
 * "a=control:track1" and AAC-hbr with "track2", session "a=control:*"; the
 * Content-Base is the stream URL with a '/' added.
 */
static void test_live555(void)
{
    const char *sdp =
        "v=0\r\n"
        "o=- 1699000000000000 1 IN IP4 192.168.1.20\r\n"
        "s=Session streamed by \"preview\"\r\n"
        "i=h264Preview_01_main\r\n"
        "t=0 0\r\n"
        "a=tool:LIVE555 Streaming Media v2013.04.08\r\n"
        "a=type:broadcast\r\n"
        "a=control:*\r\n"
        "a=range:npt=0-\r\n"
        "a=x-qt-text-nam:Session streamed by \"preview\"\r\n"
        "a=x-qt-text-inf:h264Preview_01_main\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:8192\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=4D4028;sprop-parameter-sets=" SPS_1080P_B64
        ",aOvDyyLA\r\n"
        "a=control:track1\r\n"
        "m=audio 0 RTP/AVP 97\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:256\r\n"
        "a=rtpmap:97 MPEG4-GENERIC/16000\r\n"
        "a=fmtp:97 "
        "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength="
        "3;"
        "config=1408\r\n"
        "a=control:track2\r\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://192.168.1.20:554/h264Preview_01_main/"), 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://192.168.1.20:554/h264Preview_01_main/");
    const vg_rtsp_media *v = &d.media[0], *a = &d.media[1];
    CHECK_STR_EQ(v->control, "rtsp://192.168.1.20:554/h264Preview_01_main/track1");
    CHECK_INT_EQ(v->codec, VG_CODEC_H264);
    CHECK(bytes_eq(v->sps, v->sps_len, sps_main_1080p, sizeof(sps_main_1080p)));
    CHECK(bytes_eq(v->pps, v->pps_len, pps_high_720p, sizeof(pps_high_720p)));
    CHECK_INT_EQ(v->packetization_mode, 1);
    CHECK(v->warning == NULL);

    CHECK_STR_EQ(a->control, "rtsp://192.168.1.20:554/h264Preview_01_main/track2");
    CHECK(!a->video_kind);
    CHECK_INT_EQ(a->codec, VG_CODEC_AAC);
    CHECK_STR_EQ(a->encoding, "MPEG4-GENERIC");
    CHECK_INT_EQ(a->payload_type, 97);
    CHECK_INT_EQ(a->clock_rate, 16000);
    CHECK_INT_EQ(a->channels, 1);
    static const uint8_t config[] = {0x14, 0x08}; /* AAC-LC, 16 kHz, mono */
    CHECK(bytes_eq(a->aac_config, a->aac_config_len, config, sizeof(config)));
    CHECK_INT_EQ(a->size_length, 13);
    CHECK_INT_EQ(a->index_length, 3);
    CHECK_INT_EQ(a->index_delta_length, 3);
    CHECK_INT_EQ(a->sps_len + a->pps_len + a->vps_len, 0);
    CHECK(a->warning == NULL);
}

/*
 * Hikvision (DS-2CD2xxx, /Streaming/Channels/101): absolute controls with a
 * query everywhere, spaces after ';' in the fmtp, G.711 A-law with an rtpmap
 * for its static type, and an ISAPI metadata stream that is not listed.
 */
static void test_hikvision(void)
{
    const char *sdp =
        "v=0\r\n"
        "o=- 1109162014219182 1109162014219192 IN IP4 x.y.z.w\r\n"
        "s=Media Presentation\r\n"
        "e=NONE\r\n"
        "b=AS:5100\r\n"
        "t=0 0\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:5000\r\n"
        "a=recvonly\r\n"
        "a=x-dimensions:1920,1080\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "trackID=1?transportmode=unicast\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 profile-level-id=4D4028; packetization-mode=1; "
        "sprop-parameter-sets=" SPS_1080P_B64 ",aOvDyyLA\r\n"
        "a=Media_header:MEDIAINFO=494D4B48010200000400000100000000000000000000000000000000;\r\n"
        "a=appversion:1.0\r\n"
        "m=audio 0 RTP/AVP 8\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:50\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "trackID=2?transportmode=unicast\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=Media_header:MEDIAINFO=494D4B48010200000400000100000000000000000000000000000000;\r\n"
        "a=appversion:1.0\r\n"
        "m=application 0 RTP/AVP 107\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:50\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
        "trackID=3?transportmode=unicast\r\n"
        "a=rtpmap:107 isapi.metadata/90000\r\n";
    /* Hikvision sends no Content-Base: the request URL is the base. */
    CHECK_INT_EQ(parse(sdp, "rtsp://192.168.1.64:554/Streaming/Channels/101"), 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_INT_EQ(d.ignored, 1);
    CHECK_STR_EQ(d.aggregate_control,
                 "rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast");
    const vg_rtsp_media *v = &d.media[0], *a = &d.media[1];
    CHECK_STR_EQ(v->control,
                 "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast");
    CHECK_INT_EQ(v->codec, VG_CODEC_H264);
    CHECK_INT_EQ(v->packetization_mode, 1);
    CHECK(bytes_eq(v->sps, v->sps_len, sps_main_1080p, sizeof(sps_main_1080p)));
    CHECK_INT_EQ(v->pps_len, sizeof(pps_high_720p));

    CHECK_STR_EQ(a->control,
                 "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast");
    CHECK(!a->video_kind);
    CHECK_INT_EQ(a->codec, VG_CODEC_PCMA);
    CHECK_STR_EQ(a->encoding, "PCMA");
    CHECK_INT_EQ(a->payload_type, 8);
    CHECK_INT_EQ(a->clock_rate, 8000);
    CHECK_INT_EQ(a->channels, 1);
    check_no_params(a);
    CHECK(a->warning == NULL);
}

/*
 * Dahua (/cam/realmonitor?channel=1&subtype=0): its Content-Base keeps the
 * query and adds '/', and its controls are relative, so SETUP goes to
 * ".../realmonitor?channel=1&subtype=0/trackID=0" (what the camera wants).
 * G.711 A-law at 16 kHz, and an ONVIF metadata stream.
 */
static void test_dahua_query_in_content_base(void)
{
    const char *sdp =
        "v=0\r\n"
        "o=- 2251938202 2251938202 IN IP4 0.0.0.0\r\n"
        "s=Media Server\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "t=0 0\r\n"
        "a=control:*\r\n"
        "a=packetization-supported:DH\r\n"
        "a=rtppayload-supported:DH\r\n"
        "a=range:npt=now-\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=control:trackID=0\r\n"
        "a=framerate:25.000000\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=" SPS_360P_B64
        "," PPS_360P_B64 "\r\n"
        "a=recvonly\r\n"
        "m=audio 0 RTP/AVP 8\r\n"
        "a=control:trackID=1\r\n"
        "a=rtpmap:8 PCMA/16000\r\n"
        "a=recvonly\r\n"
        "m=application 0 RTP/AVP 107\r\n"
        "a=control:trackID=4\r\n"
        "a=rtpmap:107 vnd.onvif.metadata/90000\r\n"
        "a=recvonly\r\n";
    const char *base = "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/";
    CHECK_INT_EQ(parse(sdp, base), 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_INT_EQ(d.ignored, 1);
    CHECK_STR_EQ(d.aggregate_control, base);
    CHECK_STR_EQ(d.media[0].control,
                 "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=0");
    CHECK_STR_EQ(d.media[1].control,
                 "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=1");
    CHECK(
        bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_baseline_360p, sizeof(sps_baseline_360p)));
    CHECK(
        bytes_eq(d.media[0].pps, d.media[0].pps_len, pps_baseline_360p, sizeof(pps_baseline_360p)));
    CHECK_INT_EQ(d.media[1].codec, VG_CODEC_PCMA);
    CHECK_INT_EQ(d.media[1].clock_rate, 16000);
}

/*
 * Axis (axis-media/media.amp, GStreamer inside): absolute controls, and the
 * AAC fmtp with spaces after ';', camelCase names (sizeLength) and a last ';'.
 */
static void test_axis(void)
{
    const char *sdp =
        "v=0\r\n"
        "o=- 6326364913713571000 1 IN IP4 192.168.0.90\r\n"
        "s=Session streamed with GStreamer\r\n"
        "i=rtsp-server\r\n"
        "t=0 0\r\n"
        "a=tool:GStreamer\r\n"
        "a=type:broadcast\r\n"
        "a=range:npt=now-\r\n"
        "a=control:rtsp://192.168.0.90/axis-media/media.amp?audio=1\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:50000\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=64001f;sprop-parameter-sets=" SPROP_720P
        "\r\n"
        "a=ts-refclk:local\r\n"
        "a=mediaclk:sender\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=0?audio=1\r\n"
        "a=framerate:30.000000\r\n"
        "a=transform:1.000000,0.000000,0.000000;0.000000,1.000000,0.000000;0.000000,0.000000,1."
        "000000\r\n"
        "m=audio 0 RTP/AVP 97\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=AS:32\r\n"
        "a=rtpmap:97 MPEG4-GENERIC/16000/1\r\n"
        "a=fmtp:97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1408; sizeLength=13; "
        "indexLength=3; indexDeltaLength=3; profile=1; bitrate=32000;\r\n"
        "a=ts-refclk:local\r\n"
        "a=mediaclk:sender\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=1?audio=1\r\n"
        "m=application 0 RTP/AVP 98\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtpmap:98 vnd.onvif.metadata/90000\r\n"
        "a=recvonly\r\n"
        "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=2?audio=1\r\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://192.168.0.90/axis-media/media.amp?audio=1"), 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_INT_EQ(d.ignored, 1);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://192.168.0.90/axis-media/media.amp?audio=1");
    CHECK_STR_EQ(d.media[0].control, "rtsp://192.168.0.90/axis-media/media.amp/stream=0?audio=1");
    CHECK_STR_EQ(d.media[1].control, "rtsp://192.168.0.90/axis-media/media.amp/stream=1?audio=1");
    const vg_rtsp_media *a = &d.media[1];
    CHECK_INT_EQ(a->codec, VG_CODEC_AAC);
    CHECK_INT_EQ(a->clock_rate, 16000);
    CHECK_INT_EQ(a->channels, 1);
    CHECK_INT_EQ(a->aac_config_len, 2);
    CHECK_INT_EQ(a->aac_config[0], 0x14);
    CHECK_INT_EQ(a->aac_config[1], 0x08);
    CHECK_INT_EQ(a->size_length, 13);
    CHECK_INT_EQ(a->index_length, 3);
    CHECK_INT_EQ(a->index_delta_length, 3);
    CHECK(a->warning == NULL);
}

/*
 * MediaMTX (gortsplib) re-serving a stream: no session-level control,
 * "trackID=N" controls, "; " between fmtp parameters, lower-case encodings
 * ("opus", "mpeg4-generic"), and a Content-Base that ends in '/'.
 */
static void test_mediamtx(void)
{
    const char *sdp = "v=0\r\n"
                      "o=- 0 0 IN IP4 127.0.0.1\r\n"
                      "s=Stream\r\n"
                      "c=IN IP4 0.0.0.0\r\n"
                      "t=0 0\r\n"
                      "m=video 0 RTP/AVP 96\r\n"
                      "a=control:trackID=0\r\n"
                      "a=rtpmap:96 H264/90000\r\n"
                      "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=" SPROP_720P
                      "; profile-level-id=64001F\r\n"
                      "m=audio 0 RTP/AVP 97\r\n"
                      "a=control:trackID=1\r\n"
                      "a=rtpmap:97 opus/48000/2\r\n"
                      "a=fmtp:97 sprop-stereo=1\r\n"
                      "m=audio 0 RTP/AVP 98\r\n"
                      "a=control:trackID=2\r\n"
                      "a=rtpmap:98 mpeg4-generic/48000/2\r\n"
                      "a=fmtp:98 config=1190; indexdeltalength=3; indexlength=3; mode=AAC-hbr; "
                      "profile-level-id=1; sizelength=13; streamtype=5\r\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://10.0.0.5:8554/mystream/"), 0);
    CHECK_INT_EQ(d.count, 3);
    CHECK_INT_EQ(d.ignored, 0);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://10.0.0.5:8554/mystream/");
    CHECK_STR_EQ(d.media[0].control, "rtsp://10.0.0.5:8554/mystream/trackID=0");
    CHECK_STR_EQ(d.media[1].control, "rtsp://10.0.0.5:8554/mystream/trackID=1");
    CHECK_STR_EQ(d.media[2].control, "rtsp://10.0.0.5:8554/mystream/trackID=2");
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H264);
    CHECK(bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_high_720p, sizeof(sps_high_720p)));

    const vg_rtsp_media *o = &d.media[1];
    CHECK_INT_EQ(o->codec, VG_CODEC_OPUS);
    CHECK_STR_EQ(o->encoding, "opus");
    CHECK_INT_EQ(o->payload_type, 97);
    CHECK_INT_EQ(o->clock_rate, 48000);
    CHECK_INT_EQ(o->channels, 2);
    check_no_params(o);
    CHECK(o->warning == NULL);

    const vg_rtsp_media *a = &d.media[2];
    CHECK_INT_EQ(a->codec, VG_CODEC_AAC);
    CHECK_STR_EQ(a->encoding, "mpeg4-generic");
    CHECK_INT_EQ(a->clock_rate, 48000);
    CHECK_INT_EQ(a->channels, 2);
    static const uint8_t config[] = {0x11, 0x90}; /* AAC-LC, 48 kHz, stereo */
    CHECK(bytes_eq(a->aac_config, a->aac_config_len, config, sizeof(config)));
    CHECK_INT_EQ(a->size_length, 13);
    CHECK_INT_EQ(a->index_length, 3);
    CHECK_INT_EQ(a->index_delta_length, 3);
}

/* An H.265 camera (live555 style, LF line ends): sprop-vps/sps/pps in any order. */
static void test_h265_camera(void)
{
    const char *sdp = "v=0\n"
                      "o=- 1 1 IN IP4 192.168.1.30\n"
                      "s=H.265 Video, streamed by the LIVE555 Media Server\n"
                      "t=0 0\n"
                      "a=control:*\n"
                      "m=video 0 RTP/AVP 96\n"
                      "c=IN IP4 0.0.0.0\n"
                      "a=rtpmap:96 H265/90000\n"
                      "a=fmtp:96 profile-space=0;profile-id=1;tier-flag=0;level-id=93;"
                      "interop-constraints=B00000000000;sprop-sps=" SPS_H265_B64
                      ";sprop-vps=" VPS_H265_B64 ";sprop-pps=" PPS_H265_B64 "\n"
                      "a=control:track1\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://192.168.1.30/h265/"), 0);
    CHECK_INT_EQ(d.count, 1);
    const vg_rtsp_media *m = &d.media[0];
    CHECK_INT_EQ(m->codec, VG_CODEC_H265);
    CHECK_STR_EQ(m->encoding, "H265");
    CHECK_INT_EQ(m->clock_rate, 90000);
    CHECK_STR_EQ(m->control, "rtsp://192.168.1.30/h265/track1");
    CHECK(bytes_eq(m->vps, m->vps_len, vps_h265_720p, sizeof(vps_h265_720p)));
    CHECK(bytes_eq(m->sps, m->sps_len, sps_h265_720p, sizeof(sps_h265_720p)));
    CHECK(bytes_eq(m->pps, m->pps_len, pps_h265_720p, sizeof(pps_h265_720p)));
    CHECK_INT_EQ(m->packetization_mode, 0);
    CHECK(!m->donl);
    CHECK(m->warning == NULL);

    /* DONL: sprop-max-don-diff above 0 (RFC 7798 7.1); 0 is none. */
    const char *donl = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n"
                       "a=fmtp:96 sprop-max-don-diff=2;sprop-sps=" SPS_H265_B64 "\n";
    CHECK_INT_EQ(parse(donl, "rtsp://cam/"), 0);
    CHECK(d.media[0].donl);
    CHECK_INT_EQ(d.media[0].sps_len, sizeof(sps_h265_720p));
    CHECK_INT_EQ(d.media[0].vps_len, 0);
    const char *no_donl = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 h265/90000\n"
                          "a=fmtp:96 sprop-max-don-diff=0;sprop-depack-buf-nalus=0\n";
    CHECK_INT_EQ(parse(no_donl, "rtsp://cam/"), 0);
    CHECK(!d.media[0].donl);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H265);
    const char *depack = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n"
                         "a=fmtp:96 sprop-depack-buf-nalus=1\n";
    CHECK_INT_EQ(parse(depack, "rtsp://cam/"), 0);
    CHECK(d.media[0].donl);

    /* An SPS that does not parse (the VPS in its place) empties all three. */
    const char *bad = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n"
                      "a=fmtp:96 sprop-vps=" VPS_H265_B64 ";sprop-sps=" VPS_H265_B64
                      ";sprop-pps=" PPS_H265_B64 "\n";
    CHECK_INT_EQ(parse(bad, "rtsp://cam/"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H265);
    check_no_params(&d.media[0]);
    CHECK(d.media[0].warning != NULL);
    /* An SPS cut short: not an SPS. */
    const char *cut = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n"
                      "a=fmtp:96 sprop-vps=" VPS_H265_B64 ";sprop-sps=QgEBAWAAAAMAkAAA"
                      ";sprop-pps=" PPS_H265_B64 "\n";
    CHECK_INT_EQ(parse(cut, "rtsp://cam/"), 0);
    check_no_params(&d.media[0]);
}

/* A camera with G.711 mu-law as static payload type 0 and no rtpmap at all (RFC 3551 6). */
static void test_pcmu_static_without_rtpmap(void)
{
    const char *sdp = "v=0\r\n"
                      "o=- 1 1 IN IP4 10.1.1.2\r\n"
                      "s=IP Camera\r\n"
                      "t=0 0\r\n"
                      "m=video 0 RTP/AVP 96\r\n"
                      "a=rtpmap:96 H264/90000\r\n"
                      "a=control:track1\r\n"
                      "m=audio 0 RTP/AVP 0\r\n"
                      "a=control:track2\r\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://10.1.1.2/live/ch00_0"), 0);
    CHECK_INT_EQ(d.count, 2);
    const vg_rtsp_media *v = &d.media[0], *a = &d.media[1];
    CHECK_INT_EQ(v->codec, VG_CODEC_H264);
    check_no_params(v); /* no fmtp: the stream will bring SPS and PPS */
    CHECK(v->warning == NULL);
    CHECK_STR_EQ(v->control, "rtsp://10.1.1.2/live/ch00_0/track1");
    CHECK_INT_EQ(a->codec, VG_CODEC_PCMU);
    CHECK_STR_EQ(a->encoding, "PCMU");
    CHECK_INT_EQ(a->payload_type, 0);
    CHECK_INT_EQ(a->clock_rate, 8000);
    CHECK_INT_EQ(a->channels, 1);
    CHECK_STR_EQ(a->control, "rtsp://10.1.1.2/live/ch00_0/track2");
    CHECK(a->warning == NULL);

    /* Static 8 is PCMA; other static types are named but unsupported. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 8\nm=audio 0 RTP/AVP 14\nm=video 0 RTP/AVP 26\n",
                       "rtsp://cam"),
                 0);
    CHECK_INT_EQ(d.count, 3);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_PCMA);
    CHECK_STR_EQ(d.media[0].encoding, "PCMA");
    CHECK_INT_EQ(d.media[0].clock_rate, 8000);
    CHECK_INT_EQ(d.media[1].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[1].encoding, "MPA");
    CHECK_INT_EQ(d.media[1].clock_rate, 90000);
    CHECK_INT_EQ(d.media[2].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[2].encoding, "JPEG");
    CHECK(d.media[2].video_kind);
    CHECK_INT_EQ(d.media[2].channels, 0);
    /* Nothing above had a control: each gets the base (no session control either). */
    CHECK_STR_EQ(d.media[2].control, "rtsp://cam");
    /* A dynamic type without rtpmap: listed, nothing known. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 101\n", "rtsp://cam"), 0);
    CHECK_INT_EQ(d.count, 1);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "");
    CHECK_INT_EQ(d.media[0].clock_rate, 0);
    CHECK(d.media[0].warning != NULL);
}

/* ---- rules one at a time ---------------------------------------------------------------- */

/* The control of the one media, for `session` and `media` a=control lines ("" for none). */
static const char *control_for(const char *base, const char *session, const char *media)
{
    static char sdp[4096];
    snprintf(sdp, sizeof(sdp), "v=0\r\n%s%s%sm=video 0 RTP/AVP 96\r\n%s%s%s",
             *session ? "a=control:" : "", session, *session ? "\r\n" : "",
             *media ? "a=control:" : "", media, *media ? "\r\n" : "");
    int ret = parse(sdp, base);
    CHECK_INT_EQ(ret, 0);
    return ret == 0 && d.count == 1 ? d.media[0].control : "(failed)";
}

static void test_control_resolution(void)
{
    /* Relative: a '/' between, unless the base ends in one. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", "track1"), "rtsp://cam/live/track1");
    CHECK_STR_EQ(control_for("rtsp://cam/live/", "", "track1"), "rtsp://cam/live/track1");
    CHECK_STR_EQ(control_for("rtsp://cam:554", "", "trackID=0"), "rtsp://cam:554/trackID=0");
    /* Appended after a query, as FFmpeg does (describe.h). */
    CHECK_STR_EQ(control_for("rtsp://cam/live?ch=1", "", "track1"), "rtsp://cam/live?ch=1/track1");
    CHECK_STR_EQ(control_for("rtsp://cam/live?ch=1&sub=0/", "", "trackID=1"),
                 "rtsp://cam/live?ch=1&sub=0/trackID=1");
    /* Absolute, scheme in any case: as it is, even on another host. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", "rtsp://10.0.0.1/x/track1"),
                 "rtsp://10.0.0.1/x/track1");
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", "RTSP://cam/live/trackID=1"),
                 "RTSP://cam/live/trackID=1");
    CHECK_STR_EQ(control_for("rtsps://cam/live", "", "rtsps://cam:322/live/t1"),
                 "rtsps://cam:322/live/t1");
    /* Only rtsp:// and rtsps:// are absolute for this reader: "http://" is relative. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", "http://x/y"), "rtsp://cam/live/http://x/y");
    /* "*": the base itself, with or without its '/'. */
    CHECK_STR_EQ(control_for("rtsp://cam/live/", "", "*"), "rtsp://cam/live/");
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", "*"), "rtsp://cam/live");
    /* No control anywhere: the base. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", ""), "rtsp://cam/live");
    CHECK_STR_EQ(d.aggregate_control, "rtsp://cam/live");
    /* An empty a=control is as absent. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "", " "), "rtsp://cam/live");

    /* Session control relative: resolved against the base, for PLAY... */
    CHECK_STR_EQ(control_for("rtsp://cam/", "session", "track1"), "rtsp://cam/track1");
    CHECK_STR_EQ(d.aggregate_control, "rtsp://cam/session");
    /* ...and the media control is resolved against the base, not against it. */
    CHECK_STR_EQ(control_for("rtsp://cam/a", "rtsp://cam/b/", "track1"), "rtsp://cam/a/track1");
    CHECK_STR_EQ(d.aggregate_control, "rtsp://cam/b/");
    /* A media without a=control takes the session control, resolved. */
    CHECK_STR_EQ(control_for("rtsp://cam/live", "agg", ""), "rtsp://cam/live/agg");
    CHECK_STR_EQ(control_for("rtsp://cam/live", "rtsp://other/x", ""), "rtsp://other/x");
    CHECK_STR_EQ(control_for("rtsp://cam/live/", "*", ""), "rtsp://cam/live/");

    /* The first a=control of a section counts; a later one is ignored. */
    CHECK_INT_EQ(parse("v=0\na=control:one\na=control:two\nm=audio 0 RTP/AVP 0\n"
                       "a=control:t1\na=control:t2\n",
                       "rtsp://cam"),
                 0);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://cam/one");
    CHECK_STR_EQ(d.media[0].control, "rtsp://cam/t1");
}

/*
 * The exact boundary of VG_RTSP_MAX_URL: a resolved URL of 1023 chars fits
 * with its NUL, 1024 does not.
 */
static void test_control_length_boundary(void)
{
    static char base[2048], sdp[4096];
    memset(base, 0, sizeof(base));
    strcpy(base, "rtsp://cam/");
    size_t fill = 1020 - strlen(base);
    memset(base + strlen(base), 'b', fill); /* 1020 chars */
    snprintf(sdp, sizeof(sdp), "v=0\nm=video 0 RTP/AVP 96\na=control:t1\n");
    CHECK_INT_EQ(parse(sdp, base), 0); /* 1020 + "/" + "t1" = 1023 */
    CHECK_INT_EQ(strlen(d.media[0].control), 1023);
    snprintf(sdp, sizeof(sdp), "v=0\nm=video 0 RTP/AVP 96\na=control:t12\n");
    CHECK_INT_EQ(parse(sdp, base), VG_ERANGE);
    CHECK(strstr(err, "longer than 1023") != NULL);
    CHECK_INT_EQ(d.count, 0); /* zeroed on failure */
    CHECK_STR_EQ(d.aggregate_control, "");

    /* A base of 1023 fits (aggregate = base); 1024 does not. */
    memset(base, 'b', 1023);
    memcpy(base, "rtsp://cam/", 11);
    base[1023] = '\0';
    CHECK_INT_EQ(parse("v=0\n", base), 0);
    CHECK_INT_EQ(strlen(d.aggregate_control), 1023);
    base[1023] = 'b';
    base[1024] = '\0';
    CHECK_INT_EQ(parse("v=0\n", base), VG_ERANGE);

    /* An absolute control of 2099 chars: does not fit. */
    static char longctl[2100];
    memset(longctl, 'x', sizeof(longctl) - 1);
    memcpy(longctl, "rtsp://cam/", 11);
    snprintf(sdp, sizeof(sdp), "v=0\nm=audio 0 RTP/AVP 0\na=control:%s\n", longctl);
    CHECK_INT_EQ(parse(sdp, "rtsp://cam/"), VG_ERANGE);
    /* ... and as the session's. */
    snprintf(sdp, sizeof(sdp), "v=0\na=control:%s\nm=audio 0 RTP/AVP 0\n", longctl);
    CHECK_INT_EQ(parse(sdp, "rtsp://cam/"), VG_ERANGE);
    /* ... but in an ignored m=application section it is never used. */
    snprintf(sdp, sizeof(sdp), "v=0\nm=application 0 RTP/AVP 107\na=control:%s\n", longctl);
    CHECK_INT_EQ(parse(sdp, "rtsp://cam/"), 0);
    CHECK_INT_EQ(d.ignored, 1);
}

static void test_line_endings_and_blanks(void)
{
    /* LF only, trailing spaces and tabs, blank lines, no final newline. */
    const char *sdp = "v=0  \n"
                      "\n"
                      "s=x\t\n"
                      "m=audio 0 RTP/AVP 97 \r\n"
                      "   \r\n"
                      "a=rtpmap:97 opus/48000/2   \n"
                      "a=control:trackID=1  \t";
    CHECK_INT_EQ(parse(sdp, "rtsp://cam/s"), 0);
    CHECK_INT_EQ(d.count, 1);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_OPUS);
    CHECK_STR_EQ(d.media[0].control, "rtsp://cam/s/trackID=1");

    /* Only the first `len` bytes count: the rest of the buffer is never read. */
    const char *text = "v=0\nm=audio 0 RTP/AVP 0\na=control:abc";
    CHECK_INT_EQ(vg_rtsp_describe_parse(text, strlen(text) - 1, "rtsp://c", &d, err, sizeof(err)),
                 0);
    CHECK_STR_EQ(d.media[0].control, "rtsp://c/ab");

    /* Unknown line types, junk lines and unknown attributes are skipped. */
    const char *junk = "v=0\r\n"
                       "this is not a line\r\n"
                       "x\r\n"
                       "Z=whatever\r\n"
                       "a=\r\n"
                       "a\r\n"
                       "a=:::\r\n"
                       "m=video 0 RTP/AVP 96\r\n"
                       "a=rtpmap\r\n"
                       "a=rtpmap:\r\n"
                       "a=fmtp:\r\n"
                       "a=rtpmap:96 H264/90000\r\n"
                       "a=x-unknown:1\r\n";
    CHECK_INT_EQ(parse(junk, "rtsp://cam"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H264);

    /* Only v=0 and nothing else: an SDP without media. */
    CHECK_INT_EQ(parse("v=0", "rtsp://cam"), 0);
    CHECK_INT_EQ(d.count, 0);
    CHECK_STR_EQ(d.aggregate_control, "rtsp://cam");
    /* Blank lines before v=0 are fine. */
    CHECK_INT_EQ(parse("\r\n\r\nv=0\r\n", "rtsp://cam"), 0);
}

static void test_rtpmap_rules(void)
{
    /* Only the first format of the m= line; the rtpmap and fmtp of others are ignored. */
    const char *sdp = "v=0\n"
                      "m=video 0 RTP/AVP 96 97\n"
                      "a=rtpmap:97 H265/90000\n"
                      "a=fmtp:97 packetization-mode=1\n"
                      "a=rtpmap:96 h264/90000\n"
                      "a=fmtp:96 packetization-mode=2\n"
                      "a=rtpmap:96 H265/90000\n"
                      "a=fmtp:96 packetization-mode=0\n";
    CHECK_INT_EQ(parse(sdp, "rtsp://cam"), 0);
    CHECK_INT_EQ(d.media[0].payload_type, 96);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H264);
    CHECK_STR_EQ(d.media[0].encoding, "h264");      /* as written */
    CHECK_INT_EQ(d.media[0].packetization_mode, 2); /* the first fmtp of 96 */

    /* An rtpmap for a static type wins over the table. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 0\na=rtpmap:0 PCMU/16000\n", "rtsp://cam"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_PCMU);
    CHECK_INT_EQ(d.media[0].clock_rate, 16000);

    /* Opus: 2 channels when absent, as written when present, 48000 Hz only. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 111\na=rtpmap:111 OPUS/48000\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_OPUS);
    CHECK_INT_EQ(d.media[0].channels, 2);
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 111\na=rtpmap:111 opus/16000/2\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "opus");
    CHECK_INT_EQ(d.media[0].clock_rate, 16000);
    CHECK(d.media[0].warning != NULL);

    /* Audio channels: 1 when absent, as written otherwise. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 8\na=rtpmap:8 PCMA/8000/2\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].channels, 2);

    /* A codec in the wrong kind of m= line is not trusted. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "H264");
    CHECK_INT_EQ(parse("v=0\nm=video 0 RTP/AVP 0\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);

    /* Unsupported but listed, for the log: MP4A-LATM, JPEG, H.263, VP8... */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 97\na=rtpmap:97 MP4A-LATM/44100/2\n"
                       "m=video 0 RTP/AVP 98\na=rtpmap:98 H263-1998/90000\n",
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "MP4A-LATM");
    CHECK_INT_EQ(d.media[0].clock_rate, 44100);
    CHECK_INT_EQ(d.media[0].channels, 2);
    CHECK_STR_EQ(d.media[1].encoding, "H263-1998");
    CHECK(d.media[1].warning == NULL); /* nothing went wrong: it is just not ours */

    /* Port 0 is not "disabled" in RTSP (describe.h); other ports and port counts are fine too. */
    CHECK_INT_EQ(parse("v=0\nm=video 0 RTP/AVP 96\nm=audio 5004 RTP/AVP 0\n"
                       "m=audio 5006/2 RTP/AVP/TCP 8\n",
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.count, 3);
    CHECK_INT_EQ(d.media[2].codec, VG_CODEC_PCMA);

    /* Not RTP, or neither audio nor video: counted, not listed; their attributes go nowhere. */
    CHECK_INT_EQ(parse("v=0\nm=application 0 RTP/AVP 107\na=rtpmap:107 vnd.onvif.metadata/90000\n"
                       "m=video 0 udp MP2T\na=control:x\nm=text 0 RTP/AVP 98\n"
                       "m=audio 0 RTP/AVP 0\n",
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.count, 1);
    CHECK_INT_EQ(d.ignored, 3);
    CHECK_STR_EQ(d.media[0].control, "rtsp://c");
}

static void test_h264_parameter_sets(void)
{
    /* Padding left out (cameras do): "...SA" for "...SA=", and "aMuDyyA" for "aMuDyyA=". */
    const char *nopad =
        "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
        "a=fmtp:96 sprop-parameter-sets=Z01AKNkAeAIn5cBEAAADAAQAAAMAyDxgySA,aMuDyyA\n";
    CHECK_INT_EQ(parse(nopad, "rtsp://c"), 0);
    CHECK(bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_main_1080p, sizeof(sps_main_1080p)));
    CHECK(
        bytes_eq(d.media[0].pps, d.media[0].pps_len, pps_baseline_360p, sizeof(pps_baseline_360p)));
    CHECK(d.media[0].warning == NULL);

    /* Pad bits that are not zero ("SB" where "SA" is canonical): accepted, as FFmpeg does. */
    const char *padbits = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                          "a=fmtp:96 sprop-parameter-sets=Z01AKNkAeAIn5cBEAAADAAQAAAMAyDxgySB=,"
                          "aMuDyyB=\n";
    CHECK_INT_EQ(parse(padbits, "rtsp://c"), 0);
    CHECK(bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_main_1080p, sizeof(sps_main_1080p)));
    CHECK(
        bytes_eq(d.media[0].pps, d.media[0].pps_len, pps_baseline_360p, sizeof(pps_baseline_360p)));

    /* PPS first, an SEI-looking entry, a second SPS and PPS, spaces: by type, first of each. */
    const char *order = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                        "a=fmtp:96 sprop-parameter-sets= aOvDyyLA , BgUB ,, " SPS_360P_B64
                        "," SPS_1080P_B64 "," PPS_360P_B64 " ; packetization-mode = 1 \n";
    CHECK_INT_EQ(parse(order, "rtsp://c"), 0);
    CHECK(
        bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_baseline_360p, sizeof(sps_baseline_360p)));
    CHECK(bytes_eq(d.media[0].pps, d.media[0].pps_len, pps_high_720p, sizeof(pps_high_720p)));
    CHECK_INT_EQ(d.media[0].packetization_mode, 1);

    /* An entry that is not base64 is skipped; the others are kept. */
    const char *garbage_entry = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                                "a=fmtp:96 sprop-parameter-sets=" SPROP_720P ",!!!!\n";
    CHECK_INT_EQ(parse(garbage_entry, "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].sps_len, sizeof(sps_high_720p));
    CHECK_INT_EQ(d.media[0].pps_len, sizeof(pps_high_720p));
    CHECK(d.media[0].warning != NULL);

    /* An SPS that does not parse (cut) empties SPS and PPS; the codec stays H.264. */
    const char *cut = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                      "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAHw,aOvDyyLA\n";
    CHECK_INT_EQ(parse(cut, "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H264);
    CHECK_INT_EQ(d.media[0].packetization_mode, 1);
    check_no_params(&d.media[0]);
    CHECK(d.media[0].warning != NULL);

    /* A PPS alone: dropped (no SPS to go with it). */
    const char *pps_only = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                           "a=fmtp:96 sprop-parameter-sets=aOvDyyLA\n";
    CHECK_INT_EQ(parse(pps_only, "rtsp://c"), 0);
    check_no_params(&d.media[0]);

    /* packetization-mode out of range: 0, with a warning. */
    const char *mode = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                       "a=fmtp:96 packetization-mode=3\n";
    CHECK_INT_EQ(parse(mode, "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].packetization_mode, 0);
    CHECK(d.media[0].warning != NULL);

    /* Keys ignore case. */
    const char *upper = "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                        "a=FMTP:96 Packetization-Mode=1;SPROP-PARAMETER-SETS=" SPROP_720P "\n";
    CHECK_INT_EQ(parse(upper, "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].packetization_mode, 1);
    CHECK_INT_EQ(d.media[0].sps_len, sizeof(sps_high_720p));
}

static void test_aac_rules(void)
{
    static char sdp[1024];
#define AAC_SDP(fmtp)                                                                              \
    (snprintf(sdp, sizeof(sdp),                                                                    \
              "v=0\nm=audio 0 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/48000/2\n"                     \
              "a=fmtp:97 %s\n",                                                                    \
              fmtp),                                                                               \
     sdp)
    /* AAC-lbr: sizelength 6, indexlength 2, indexdeltalength 2 (RFC 3640 3.3.5). */
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2;"
                               "config=1190"),
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_AAC);
    CHECK_INT_EQ(d.media[0].size_length, 6);
    CHECK_INT_EQ(d.media[0].index_length, 2);
    /* index lengths default to 0; mode value in any case. */
    CHECK_INT_EQ(parse(AAC_SDP("mode=aac-HBR;sizelength=13;config=1190"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_AAC);
    CHECK_INT_EQ(d.media[0].index_length, 0);
    CHECK_INT_EQ(d.media[0].index_delta_length, 0);
    /* No sizelength: the AUs cannot be found. */
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;indexlength=3;config=1190"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK(d.media[0].warning != NULL);
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=0;config=1190"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=13;indexlength=99"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(d.media[0].size_length, 0);
    /* Lengths over 16 bits: not what AAC-hbr or AAC-lbr write, nor what depack.h reads. */
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=17"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(
        parse(AAC_SDP("mode=AAC-hbr;sizelength=16;indexlength=16;indexdeltalength=16"), "rtsp://c"),
        0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_AAC);
    CHECK_INT_EQ(d.media[0].size_length, 16);
    /* AU-header fields the AAC modes do not have: declared, unsupported; declared 0, fine. */
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;"
                               "CTSDeltaLength=16;config=1190"),
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(d.media[0].size_length, 0);
    CHECK(d.media[0].warning != NULL);
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=13;randomAccessIndication=1"), "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=13;auxiliaryDataSizeLength=x"), "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(parse(AAC_SDP("mode=AAC-hbr;sizelength=13;DTSDeltaLength=0;"
                               "streamStateIndication=0;config=1190"),
                       "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_AAC);
    CHECK(d.media[0].warning == NULL);
    /* Other modes: generic, CELP; and no mode at all; and no fmtp at all. */
    CHECK_INT_EQ(parse(AAC_SDP("mode=generic;sizelength=13"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "mpeg4-generic");
    CHECK_INT_EQ(parse(AAC_SDP("mode=CELP-cbr;sizelength=13;constantSize=10"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(parse(AAC_SDP("sizelength=13;config=1190"), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 97\na=rtpmap:97 MPEG4-GENERIC/8000\n", "rtsp://c"),
                 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    /* A bad config: AAC still, config empty, a warning. */
    const char *bad_configs[] = {"config=119", "config=11G0", "config=", "config=0x1190"};
    for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
        char fmtp[256];
        snprintf(fmtp, sizeof(fmtp), "mode=AAC-hbr;sizelength=13;%s", bad_configs[i]);
        CHECK_INT_EQ(parse(AAC_SDP(fmtp), "rtsp://c"), 0);
        CHECK_INT_EQ(d.media[0].codec, VG_CODEC_AAC);
        CHECK_INT_EQ(d.media[0].aac_config_len, 0);
        CHECK(d.media[0].warning != NULL);
    }
    /* 64 bytes of config fit, 65 do not. */
    char fmtp[512];
    int n = snprintf(fmtp, sizeof(fmtp), "mode=AAC-hbr;sizelength=13;config=");
    memset(fmtp + n, 'a', 128);
    fmtp[n + 128] = '\0';
    CHECK_INT_EQ(parse(AAC_SDP(fmtp), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].aac_config_len, 64);
    CHECK_INT_EQ(d.media[0].aac_config[63], 0xaa);
    memcpy(fmtp + n + 128, "aa", 3);
    CHECK_INT_EQ(parse(AAC_SDP(fmtp), "rtsp://c"), 0);
    CHECK_INT_EQ(d.media[0].aac_config_len, 0);
#undef AAC_SDP
}

static void test_media_cap(void)
{
    /* 20 media: the first 8 listed, the other 12 counted. */
    static char sdp[4096];
    size_t n = (size_t)snprintf(sdp, sizeof(sdp), "v=0\r\n");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(sdp + n, sizeof(sdp) - n,
                              "m=audio 0 RTP/AVP 0\r\na=control:track%d\r\n", i);
    CHECK_INT_EQ(parse(sdp, "rtsp://cam/x"), 0);
    CHECK_INT_EQ(d.count, VG_RTSP_MAX_MEDIA);
    CHECK_INT_EQ(d.ignored, 12);
    CHECK_STR_EQ(d.media[7].control, "rtsp://cam/x/track7");
}

/* ---- malformed and hostile bodies ------------------------------------------------------- */

typedef struct bad_case {
    const char *what;
    const char *sdp;
    size_t len; /* NULs inside count */
    int expect; /* 0: parses (leniently), else the error code */
} bad_case;

#define CASE(what, sdp, expect)                                                                    \
    {                                                                                              \
        what, sdp, sizeof(sdp) - 1, expect                                                         \
    }

static void check_clean(const char *what, int ret, int expect)
{
    if (ret != expect)
        fprintf(stderr, "  case: %s\n", what);
    CHECK_INT_EQ(ret, expect);
    if (ret < 0) {
        CHECK(err[0] != '\0');
        CHECK_INT_EQ(d.count, 0);
        CHECK_INT_EQ(d.ignored, 0);
        CHECK_STR_EQ(d.aggregate_control, "");
    }
    for (size_t i = 0; i < d.count; i++) {
        const vg_rtsp_media *m = &d.media[i];
        CHECK(memchr(m->encoding, '\0', sizeof(m->encoding)) != NULL);
        CHECK(memchr(m->control, '\0', sizeof(m->control)) != NULL);
        CHECK(m->codec == VG_CODEC_UNSUPPORTED || m->clock_rate > 0);
        CHECK(m->pps_len == 0 || m->sps_len > 0);
    }
}

static void test_malformed(void)
{
    static const bad_case cases[] = {
        CASE("empty", "", VG_ESYNTAX),
        CASE("blank lines only", "\r\n\r\n  \n", VG_ESYNTAX),
        CASE("plain text", "hello", VG_ESYNTAX),
        CASE("an HTML error page", "<html><body>401 Unauthorized</body></html>\r\n", VG_ESYNTAX),
        CASE("RTSP headers instead of a body", "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\nv=0\r\n",
             VG_ESYNTAX),
        CASE("v=1", "v=1\r\nm=video 0 RTP/AVP 96\r\n", VG_ESYNTAX),
        CASE("v=00", "v=00\r\n", VG_ESYNTAX),
        CASE("v= 0", "v= 0\r\n", VG_ESYNTAX),
        CASE("v=0 not first", "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", VG_ESYNTAX),
        CASE("v truncated", "v=", VG_ESYNTAX),
        CASE("m= empty", "v=0\r\nm=\r\n", VG_ESYNTAX),
        CASE("m= truncated", "v=0\r\nm=vid", VG_ESYNTAX),
        CASE("m= without port", "v=0\r\nm=video\r\n", VG_ESYNTAX),
        CASE("m= without protocol", "v=0\r\nm=video 0\r\n", VG_ESYNTAX),
        CASE("m= without format", "v=0\r\nm=video 0 RTP/AVP\r\n", VG_ESYNTAX),
        CASE("m= without format, trailing blanks", "v=0\r\nm=audio 0 RTP/AVP   \r\n", VG_ESYNTAX),
        CASE("m= port not a number", "v=0\r\nm=video abc RTP/AVP 96\r\n", VG_ESYNTAX),
        CASE("m= port too large", "v=0\r\nm=video 70000 RTP/AVP 96\r\n", VG_ESYNTAX),
        CASE("m= port negative", "v=0\r\nm=video -1 RTP/AVP 96\r\n", VG_ESYNTAX),
        CASE("m= bad port count", "v=0\r\nm=video 0/x RTP/AVP 96\r\n", VG_ESYNTAX),
        CASE("m= application without port", "v=0\r\nm=application\r\n", VG_ESYNTAX),
        CASE("payload type 128", "v=0\r\nm=video 0 RTP/AVP 128\r\n", VG_ESYNTAX),
        CASE("payload type 300", "v=0\r\nm=audio 0 RTP/AVP 300\r\n", VG_ESYNTAX),
        CASE("payload type huge", "v=0\r\nm=audio 0 RTP/AVP 99999999999999999999\r\n", VG_ESYNTAX),
        CASE("payload type negative", "v=0\r\nm=audio 0 RTP/AVP -1\r\n", VG_ESYNTAX),
        CASE("payload type not a number", "v=0\r\nm=video 0 RTP/AVP H264\r\n", VG_ESYNTAX),
        CASE("control with a space", "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:track 1\r\n",
             VG_ESYNTAX),
        CASE("control with CR inside", "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:t1\rCSeq: 9\r\n",
             VG_ESYNTAX),
        CASE("control with a NUL", "v=0\r\na=control:a\0b\r\n", VG_ESYNTAX),
        CASE("control non-ASCII", "v=0\r\na=control:tr\xc3\xa4\x63k\r\n", VG_ESYNTAX),
        CASE("control scheme only", "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:rtsp://\r\n",
             VG_ESYNTAX),
        CASE("control without host", "v=0\r\na=control:rtsps:///x\r\n", VG_ESYNTAX),
        /* What is malformed in codec parameters parses, with fields empty. */
        CASE("rtpmap clock 0", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/0\r\n", 0),
        CASE("rtpmap clock overflow",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/4294967296\r\n", 0),
        CASE("rtpmap clock over INT_MAX",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/2147483648\r\n", 0),
        CASE("rtpmap clock huge",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/999999999999999999999999\r\n", 0),
        CASE("rtpmap clock negative", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/-90000\r\n",
             0),
        CASE("rtpmap without clock", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264\r\n", 0),
        CASE("rtpmap empty clock", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/\r\n", 0),
        CASE("rtpmap without name", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 /90000\r\n", 0),
        CASE("rtpmap without anything", "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96\r\n", 0),
        CASE("rtpmap channels 0", "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 opus/48000/0\r\n", 0),
        CASE("rtpmap channels junk", "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 opus/48000/x\r\n",
             0),
        CASE("rtpmap channels 256", "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 PCMA/8000/256\r\n",
             0),
        CASE("rtpmap name too long",
             "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 "
             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/8000\r\n",
             0),
        CASE("rtpmap name with control bytes",
             "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 PC\x01U/8000\r\n", 0),
        CASE("rtpmap payload type 300",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:300 H264/90000\r\n", 0),
        CASE("fmtp base64 garbage",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
             "a=fmtp:96 sprop-parameter-sets=!!!!,@@@@,====\r\n",
             0),
        CASE("fmtp base64 of length 4n+1",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
             "a=fmtp:96 sprop-parameter-sets=Z,Z2QAH6yyA\r\n",
             0),
        CASE("fmtp base64 with '=' inside",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
             "a=fmtp:96 sprop-parameter-sets=Z2=QAH6yy\r\n",
             0),
        CASE("fmtp empty values",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
             "a=fmtp:96 ;;=;sprop-parameter-sets=;packetization-mode=;=1\r\n",
             0),
        CASE("h265 garbage sprops",
             "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n"
             "a=fmtp:96 sprop-vps=%%%;sprop-sps=QQ;sprop-pps=AAAA\r\n",
             0),
        CASE("aac garbage",
             "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
             "a=fmtp:97 mode=AAC-hbr;sizelength=99999999999;config=zz\r\n",
             0),
        CASE("attributes before v=0 are not an SDP", "a=control:*\r\nv=0\r\n", VG_ESYNTAX),
        CASE("a second v= line is skipped", "v=0\r\nv=1\r\nm=audio 0 RTP/AVP 0\r\n", 0),
        CASE("NUL bytes in an unknown line", "v=0\r\nx=\0\0\0\r\nm=audio 0 RTP/AVP 0\r\n", 0),
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const bad_case *c = &cases[i];
        /* An exact-size heap copy: ASan sees any read past `len`. */
        char *copy = malloc(c->len ? c->len : 1);
        memcpy(copy, c->sdp, c->len);
        int ret = vg_rtsp_describe_parse(copy, c->len, "rtsp://cam/s", &d, err, sizeof(err));
        check_clean(c->what, ret, c->expect);
        free(copy);
    }
    /* A codec parameter that is malformed never fails: the media is there, its codec named. */
    CHECK_INT_EQ(parse("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/0\r\n", "rtsp://c"), 0);
    CHECK_INT_EQ(d.count, 1);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_UNSUPPORTED);
    CHECK_STR_EQ(d.media[0].encoding, "");
    CHECK_INT_EQ(d.media[0].clock_rate, 0);
    CHECK(d.media[0].warning != NULL);
}

static void test_bad_arguments(void)
{
    CHECK_INT_EQ(parse("v=0\n", NULL), VG_EINVAL);
    CHECK_INT_EQ(parse("v=0\n", ""), VG_EINVAL);
    CHECK_INT_EQ(parse("v=0\n", "rtsp://cam/a b"), VG_EINVAL);
    CHECK_INT_EQ(parse("v=0\n", "rtsp://cam/\r\nX: y"), VG_EINVAL);
    CHECK(err[0] != '\0');
    /* NULL body with len 0: not an SDP. NULL err: fine. */
    CHECK_INT_EQ(vg_rtsp_describe_parse(NULL, 0, "rtsp://c", &d, err, sizeof(err)), VG_ESYNTAX);
    CHECK_INT_EQ(vg_rtsp_describe_parse("v=0", 3, "rtsp://c", &d, NULL, 0), 0);
    CHECK_INT_EQ(vg_rtsp_describe_parse("x", 1, "rtsp://c", &d, NULL, 0), VG_ESYNTAX);
    /* A tiny err buffer is still NUL-terminated. */
    char small[8];
    memset(small, 'x', sizeof(small));
    CHECK_INT_EQ(vg_rtsp_describe_parse("x", 1, "rtsp://c", &d, small, sizeof(small)), VG_ESYNTAX);
    CHECK(memchr(small, '\0', sizeof(small)) != NULL);
}

/* The reason for a failure names a line, never what the body said there. */
static void test_errors_do_not_quote_input(void)
{
    const char *secret = "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:SECRET-admin:hunter2 x\r\n";
    CHECK_INT_EQ(parse(secret, "rtsp://cam/"), VG_ESYNTAX);
    CHECK(strstr(err, "line 3") != NULL);
    CHECK(strstr(err, "SECRET") == NULL && strstr(err, "hunter2") == NULL);
    CHECK_INT_EQ(parse("v=0\r\nm=video 0 RTP/AVP 200SECRET\r\n", "rtsp://cam/"), VG_ESYNTAX);
    CHECK(strstr(err, "SECRET") == NULL);
    CHECK_INT_EQ(parse("SECRET\r\n", "rtsp://cam/"), VG_ESYNTAX);
    CHECK(strstr(err, "SECRET") == NULL);
    /* Warnings are static strings too. */
    CHECK_INT_EQ(parse("v=0\nm=audio 0 RTP/AVP 97\na=rtpmap:97 SECRET/x\n", "rtsp://c"), 0);
    CHECK(d.media[0].warning != NULL && strstr(d.media[0].warning, "SECRET") == NULL);
}

/* Huge lines and huge parameter sets: parsed in one pass, what is too big is dropped. */
static void test_huge_inputs(void)
{
    size_t big = 1 << 20;
    char *sdp = malloc(big + 256);
    /* A 1 MB unknown attribute, then a normal media. */
    size_t n = (size_t)sprintf(sdp, "v=0\r\na=x-junk:");
    memset(sdp + n, 'A', big);
    n += big;
    n += (size_t)sprintf(sdp + n, "\r\nm=audio 0 RTP/AVP 0\r\n");
    CHECK_INT_EQ(vg_rtsp_describe_parse(sdp, n, "rtsp://c", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.count, 1);

    /* A 1 MB sprop-parameter-sets entry: base64, but too big for a parameter set. */
    n = (size_t)sprintf(sdp, "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                             "a=fmtp:96 sprop-parameter-sets=Z2QA");
    memset(sdp + n, 'A', big);
    n += big;
    n += (size_t)sprintf(sdp + n, "," SPROP_720P "\r\n");
    CHECK_INT_EQ(vg_rtsp_describe_parse(sdp, n, "rtsp://c", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.media[0].codec, VG_CODEC_H264);
    /* The big one skipped, the real ones kept. */
    CHECK(bytes_eq(d.media[0].sps, d.media[0].sps_len, sps_high_720p, sizeof(sps_high_720p)));
    CHECK(d.media[0].warning != NULL);

    /* The largest parameter set that fits: 1024 bytes (1366 base64 chars without padding). */
    uint8_t nal[VG_RTSP_MAX_PARAM_SET + 1];
    memset(nal, 0, sizeof(nal));
    nal[0] = 0x68; /* a PPS: its content is not checked */
    char b64[2048];
    n = (size_t)sprintf(sdp, "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                             "a=fmtp:96 sprop-parameter-sets=" SPROP_720P ",");
    vg_base64_encode(nal, VG_RTSP_MAX_PARAM_SET, b64);
    n += (size_t)sprintf(sdp + n, "%s\r\n", b64);
    CHECK_INT_EQ(vg_rtsp_describe_parse(sdp, n, "rtsp://c", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.media[0].sps_len, sizeof(sps_high_720p));
    CHECK_INT_EQ(d.media[0].pps_len, sizeof(pps_high_720p)); /* the first PPS still */
    n = (size_t)sprintf(sdp, "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                             "a=fmtp:96 sprop-parameter-sets=Z2QAH6yyAKALdgIgAAADACAAAAZB4wZJ,");
    n += (size_t)sprintf(sdp + n, "%s\r\n", b64);
    CHECK_INT_EQ(vg_rtsp_describe_parse(sdp, n, "rtsp://c", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.media[0].pps_len, VG_RTSP_MAX_PARAM_SET);
    /* 1025 bytes: dropped. */
    n = (size_t)sprintf(sdp, "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                             "a=fmtp:96 sprop-parameter-sets=Z2QAH6yyAKALdgIgAAADACAAAAZB4wZJ,");
    vg_base64_encode(nal, VG_RTSP_MAX_PARAM_SET + 1, b64);
    n += (size_t)sprintf(sdp + n, "%s\r\n", b64);
    CHECK_INT_EQ(vg_rtsp_describe_parse(sdp, n, "rtsp://c", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.media[0].pps_len, 0);
    CHECK_INT_EQ(d.media[0].sps_len, sizeof(sps_high_720p));
    free(sdp);
}

/*
 * Every prefix of a real description, from an exact-size heap copy: each
 * returns cleanly (ASan catches a read past `len`), and fails only where the
 * cut leaves no v=0, half an m= line, or an absolute control without a host.
 */
static void test_every_prefix(void)
{
    const char *full =
        "v=0\r\n"
        "o=- 1 1 IN IP4 192.168.1.64\r\n"
        "s=Media Presentation\r\n"
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=control:trackID=1\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 profile-level-id=4D4028; packetization-mode=1; "
        "sprop-parameter-sets=" SPS_1080P_B64 ",aOvDyyLA\r\n"
        "m=audio 0 RTP/AVP 97\r\n"
        "a=control:trackID=2\r\n"
        "a=rtpmap:97 MPEG4-GENERIC/16000/1\r\n"
        "a=fmtp:97 mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408\r\n"
        "m=application 0 RTP/AVP 107\r\n"
        "a=rtpmap:107 vnd.onvif.metadata/90000\r\n";
    size_t total = strlen(full);
    for (size_t len = 0; len <= total; len++) {
        char *copy = malloc(len ? len : 1);
        memcpy(copy, full, len);
        int ret = vg_rtsp_describe_parse(copy, len, "rtsp://192.168.1.64/x/", &d, err, sizeof(err));
        free(copy);
        CHECK(ret == 0 || ret == VG_ESYNTAX);
        if (ret < 0) {
            size_t line = len;
            while (line > 0 && full[line - 1] != '\n')
                line--;
            bool half_m = strncmp(full + line, "m=", 2) == 0;
            bool bare_scheme =
                len - line == 17 && strncmp(full + line, "a=control:rtsp://", 17) == 0;
            CHECK(len < 3 || half_m || bare_scheme);
        }
        for (size_t i = 0; ret == 0 && i < d.count; i++) {
            CHECK(d.media[i].codec == VG_CODEC_UNSUPPORTED || d.media[i].clock_rate > 0);
            CHECK(d.media[i].pps_len == 0 || d.media[i].sps_len > 0);
        }
    }
    CHECK_INT_EQ(
        vg_rtsp_describe_parse(full, total, "rtsp://192.168.1.64/x/", &d, err, sizeof(err)), 0);
    CHECK_INT_EQ(d.count, 2);
    CHECK_INT_EQ(d.ignored, 1);
    CHECK_INT_EQ(d.media[1].codec, VG_CODEC_AAC);
}

/* Random bytes, and random mutations of a real description: always clean. */
static void test_random_inputs(void)
{
    uint32_t state = 12345;
    const char alphabet[] = "v=0\r\nma:/ 96RTP/AVPH264control*rtsp://;=,fmtp sprop-parameter-sets"
                            "Z2QAmode=AAC-hbrsizelength=13config=1190";
    char buf[512];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        memcpy(buf, "v=0\n", 4);
        len = iter & 1 ? 4 : 0;
        state = state * 1103515245 + 12345;
        size_t want = (state >> 16) % (sizeof(buf) - 4);
        while (len < want) {
            state = state * 1103515245 + 12345;
            unsigned r = state >> 16;
            buf[len++] = (iter & 2) ? (char)(r & 0xff) : alphabet[r % (sizeof(alphabet) - 1)];
        }
        char *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        int ret = vg_rtsp_describe_parse(copy, len, "rtsp://c/s", &d, err, sizeof(err));
        free(copy);
        CHECK(ret == 0 || ret == VG_ESYNTAX || ret == VG_ERANGE);
        if (ret < 0)
            CHECK(err[0] != '\0' && d.count == 0);
        CHECK(d.count <= VG_RTSP_MAX_MEDIA);
    }
}

int main(void)
{
    VG_TEST_RUN(test_gstreamer_rtsp_server);
    VG_TEST_RUN(test_live555);
    VG_TEST_RUN(test_hikvision);
    VG_TEST_RUN(test_dahua_query_in_content_base);
    VG_TEST_RUN(test_axis);
    VG_TEST_RUN(test_mediamtx);
    VG_TEST_RUN(test_h265_camera);
    VG_TEST_RUN(test_pcmu_static_without_rtpmap);
    VG_TEST_RUN(test_control_resolution);
    VG_TEST_RUN(test_control_length_boundary);
    VG_TEST_RUN(test_line_endings_and_blanks);
    VG_TEST_RUN(test_rtpmap_rules);
    VG_TEST_RUN(test_h264_parameter_sets);
    VG_TEST_RUN(test_aac_rules);
    VG_TEST_RUN(test_media_cap);
    VG_TEST_RUN(test_malformed);
    VG_TEST_RUN(test_bad_arguments);
    VG_TEST_RUN(test_errors_do_not_quote_input);
    VG_TEST_RUN(test_huge_inputs);
    VG_TEST_RUN(test_every_prefix);
    VG_TEST_RUN(test_random_inputs);
    return vg_test_done();
}
