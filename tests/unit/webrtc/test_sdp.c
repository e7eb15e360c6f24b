/*
 * Unit tests for webrtc/sdp.c: a real Chromium offer (captured from Debian's
 * Chromium 156 by tests/browser/sdp_check.mjs, the same bytes as
 * chromium_offer.sdp beside this file), a hand-written Firefox-like one, and
 * small offers for each rule, answered for the tracks of a camera.
 *
 * Run by hand with --answer it prints the answer to an offer file, which is
 * how tests/browser/sdp_check.mjs asks Chromium whether it accepts it:
 *
 *   test_sdp --answer offer.sdp [--video h264|h265|none] [--audio pcmu|pcma|opus|aac|none]
 *            [--host ADDR]...
 */
#include "webrtc/sdp.h"

#include "core/error.h"
#include "core/track.h"
#include "vg_test.h"

#include <stdbool.h>

/* Debian's Chromium 156: createOffer() after a recvonly video and a recvonly audio transceiver. */
static const char chromium_offer[] =
    "v=0\r\n"
    "o=- 1571215436192838621 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 35 36 37 38 102 103 104 107 108 109 114 115 "
    "116 117 39 40 41 42 43 44 45 46 47 48 118 119 120 49\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:g01c\r\n"
    "a=ice-pwd:FrwArKFlKBCCpLwDQxL1y6iZ\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "EA:AC:10:15:A8:3B:13:AF:4F:C6:44:73:34:27:2C:7D:17:69:16:19:54:23:D6:8D:DB:D8:8E:35:EC:41:49:"
    "9C\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 urn:3gpp:video-orientation\r\n"
    "a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtcp-xr:rcvr-rtt=all\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\n"
    "a=rtcp-fb:98 transport-cc\r\n"
    "a=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\n"
    "a=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=rtcp-fb:100 goog-remb\r\n"
    "a=rtcp-fb:100 transport-cc\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:35 VP9/90000\r\n"
    "a=rtcp-fb:35 goog-remb\r\n"
    "a=rtcp-fb:35 transport-cc\r\n"
    "a=rtcp-fb:35 ccm fir\r\n"
    "a=rtcp-fb:35 nack\r\n"
    "a=rtcp-fb:35 nack pli\r\n"
    "a=fmtp:35 profile-id=1\r\n"
    "a=rtpmap:36 rtx/90000\r\n"
    "a=fmtp:36 apt=35\r\n"
    "a=rtpmap:37 VP9/90000\r\n"
    "a=rtcp-fb:37 goog-remb\r\n"
    "a=rtcp-fb:37 transport-cc\r\n"
    "a=rtcp-fb:37 ccm fir\r\n"
    "a=rtcp-fb:37 nack\r\n"
    "a=rtcp-fb:37 nack pli\r\n"
    "a=fmtp:37 profile-id=3\r\n"
    "a=rtpmap:38 rtx/90000\r\n"
    "a=fmtp:38 apt=37\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 goog-remb\r\n"
    "a=rtcp-fb:104 transport-cc\r\n"
    "a=rtcp-fb:104 ccm fir\r\n"
    "a=rtcp-fb:104 nack\r\n"
    "a=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=104\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=rtcp-fb:108 goog-remb\r\n"
    "a=rtcp-fb:108 transport-cc\r\n"
    "a=rtcp-fb:108 ccm fir\r\n"
    "a=rtcp-fb:108 nack\r\n"
    "a=rtcp-fb:108 nack pli\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:114 H264/90000\r\n"
    "a=rtcp-fb:114 goog-remb\r\n"
    "a=rtcp-fb:114 transport-cc\r\n"
    "a=rtcp-fb:114 ccm fir\r\n"
    "a=rtcp-fb:114 nack\r\n"
    "a=rtcp-fb:114 nack pli\r\n"
    "a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:115 rtx/90000\r\n"
    "a=fmtp:115 apt=114\r\n"
    "a=rtpmap:116 H264/90000\r\n"
    "a=rtcp-fb:116 goog-remb\r\n"
    "a=rtcp-fb:116 transport-cc\r\n"
    "a=rtcp-fb:116 ccm fir\r\n"
    "a=rtcp-fb:116 nack\r\n"
    "a=rtcp-fb:116 nack pli\r\n"
    "a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=rtcp-fb:39 goog-remb\r\n"
    "a=rtcp-fb:39 transport-cc\r\n"
    "a=rtcp-fb:39 ccm fir\r\n"
    "a=rtcp-fb:39 nack\r\n"
    "a=rtcp-fb:39 nack pli\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:41 H264/90000\r\n"
    "a=rtcp-fb:41 goog-remb\r\n"
    "a=rtcp-fb:41 transport-cc\r\n"
    "a=rtcp-fb:41 ccm fir\r\n"
    "a=rtcp-fb:41 nack\r\n"
    "a=rtcp-fb:41 nack pli\r\n"
    "a=fmtp:41 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f4001f\r\n"
    "a=rtpmap:42 rtx/90000\r\n"
    "a=fmtp:42 apt=41\r\n"
    "a=rtpmap:43 H264/90000\r\n"
    "a=rtcp-fb:43 goog-remb\r\n"
    "a=rtcp-fb:43 transport-cc\r\n"
    "a=rtcp-fb:43 ccm fir\r\n"
    "a=rtcp-fb:43 nack\r\n"
    "a=rtcp-fb:43 nack pli\r\n"
    "a=fmtp:43 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=f4001f\r\n"
    "a=rtpmap:44 rtx/90000\r\n"
    "a=fmtp:44 apt=43\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\n"
    "a=rtcp-fb:45 transport-cc\r\n"
    "a=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:47 AV1/90000\r\n"
    "a=rtcp-fb:47 goog-remb\r\n"
    "a=rtcp-fb:47 transport-cc\r\n"
    "a=rtcp-fb:47 ccm fir\r\n"
    "a=rtcp-fb:47 nack\r\n"
    "a=rtcp-fb:47 nack pli\r\n"
    "a=fmtp:47 level-idx=5;profile=1;tier=0\r\n"
    "a=rtpmap:48 rtx/90000\r\n"
    "a=fmtp:48 apt=47\r\n"
    "a=rtpmap:118 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=fmtp:119 apt=118\r\n"
    "a=rtpmap:120 ulpfec/90000\r\n"
    "a=rtpmap:49 flexfec-03/90000\r\n"
    "a=rtcp-fb:49 goog-remb\r\n"
    "a=rtcp-fb:49 transport-cc\r\n"
    "a=fmtp:49 repair-window=10000000\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:g01c\r\n"
    "a=ice-pwd:FrwArKFlKBCCpLwDQxL1y6iZ\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "EA:AC:10:15:A8:3B:13:AF:4F:C6:44:73:34:27:2C:7D:17:69:16:19:54:23:D6:8D:DB:D8:8E:35:EC:41:49:"
    "9C\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtcp-xr:rcvr-rtt=all\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n";

/*
 * Firefox-like (written by hand after Firefox 12x's WHEP offers): the
 * fingerprint and a direction at session level, the ICE credentials per
 * media, rtcp-fb before rtpmap, an H.264 without packetization-mode (0).
 */
static const char firefox_offer[] =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-99.0 7022354126337476853 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "a=fingerprint:sha-256 5b:0c:6e:2f:8d:3a:91:4e:77:10:aa:bc:de:f0:12:34:56:78:9a:bc:de:f0:12:"
    "34:56:78:9a:bc:de:f0:12:34\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
    "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n"
    "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:124 apt=120\r\n"
    "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:125 apt=121\r\n"
    "a=fmtp:127 apt=126\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=ice-pwd:e4b8e4a2c6f0a1f0d4a6e2a1b6c3d2e1\r\n"
    "a=ice-ufrag:3a9b1c2d\r\n"
    "a=mid:0\r\n"
    "a=rtcp-fb:120 nack\r\n"
    "a=rtcp-fb:120 nack pli\r\n"
    "a=rtcp-fb:120 ccm fir\r\n"
    "a=rtcp-fb:120 goog-remb\r\n"
    "a=rtcp-fb:120 transport-cc\r\n"
    "a=rtcp-fb:126 nack\r\n"
    "a=rtcp-fb:126 nack pli\r\n"
    "a=rtcp-fb:126 ccm fir\r\n"
    "a=rtcp-fb:126 goog-remb\r\n"
    "a=rtcp-fb:126 transport-cc\r\n"
    "a=rtcp-fb:97 nack\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:120 VP8/90000\r\n"
    "a=rtpmap:124 rtx/90000\r\n"
    "a=rtpmap:121 VP9/90000\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=rtpmap:126 H264/90000\r\n"
    "a=rtpmap:127 rtx/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:2913430398 cname:{4e1b0d3c-2f5a-4c8e-9d71-6a2b3c4d5e6f}\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ice-pwd:e4b8e4a2c6f0a1f0d4a6e2a1b6c3d2e1\r\n"
    "a=ice-ufrag:3a9b1c2d\r\n"
    "a=mid:1\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000/1\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:1764021155 cname:{4e1b0d3c-2f5a-4c8e-9d71-6a2b3c4d5e6f}\r\n";

#define FP                                                                                         \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"

/* The session part of the small offers below: everything at session level. */
#define SESSION                                                                                    \
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"                                            \
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                   \
    "a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n"

static vg_sdp offer, reparsed; /* about 120 KB each: not on the stack */
static vg_sdp_choice choices[VG_SDP_MAX_MEDIA];
static char answer[16384];
static char err[256];

/* ---- tracks ---- */

static const uint8_t avcc_high[] = {1, 0x64, 0x00, 0x1f, 0xff}; /* avcC: High 3.1 */
static const uint8_t avcc_main[] = {1, 0x4d, 0x40, 0x1f, 0xff};
static const uint8_t avcc_cbp[] = {1, 0x42, 0xe0, 0x1f, 0xff}; /* Constrained Baseline */

static vg_track *make_h264(const uint8_t *avcc, size_t size)
{
    vg_track *t = vg_track_create(VG_CODEC_H264);
    t->profile = avcc[1];
    t->level = avcc[3];
    vg_track_set_config(t, avcc, size);
    return t;
}

static vg_track *make_video(vg_codec codec, int profile)
{
    vg_track *t = vg_track_create(codec);
    t->profile = profile;
    return t;
}

static vg_track *make_audio(vg_codec codec, int sample_rate, int channels)
{
    vg_track *t = vg_track_create(codec);
    t->clock_rate = t->sample_rate = sample_rate;
    t->channels = channels;
    return t;
}

static const char *const test_hosts[] = {"192.0.2.10", "2001:db8::1"};

static vg_sdp_local make_local(const vg_track *video, const vg_track *audio)
{
    vg_sdp_local l = {
        .ice_ufrag = "vgUF",
        .ice_pwd = "vigilIcePasswordOf24chr",
        .fingerprint = FP,
        .port = 8189,
        .hosts = test_hosts,
        .host_count = 2,
        .session_id = 4242,
        .cname = "vigil-cname",
        .video = video,
        .audio = audio,
        .video_ssrc = 111111,
        .audio_ssrc = 222222,
    };
    return l;
}

static int parse(const char *text)
{
    err[0] = '\0';
    return vg_sdp_parse(text, strlen(text), &offer, err, sizeof(err));
}

static int answer_for(const vg_sdp_local *local)
{
    memset(choices, 0xa5, sizeof(choices));
    return vg_sdp_answer(&offer, local, choices, answer, sizeof(answer), err, sizeof(err));
}

static bool has(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle)) {
        fprintf(stderr, "  missing \"%s\"\n", needle);
        return false;
    }
    return true;
}

/* Every line of `text` ends in CRLF, and no line is empty. */
static bool crlf_only(const char *text)
{
    size_t len = strlen(text);
    if (len < 2 || text[len - 2] != '\r' || text[len - 1] != '\n')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            return false;
        if (text[i] == '\r' && text[i + 1] != '\n')
            return false;
        if (text[i] == '\n' && text[i + 1] == '\r')
            return false;
    }
    return true;
}

static const vg_sdp_format *format_of(const vg_sdp_media *m, int pt)
{
    for (size_t i = 0; i < m->format_count; i++) {
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    }
    return NULL;
}

/* The answer, parsed back: well formed and what a browser will read. */
static void check_answer_parses(size_t accepted_media)
{
    char err2[256];
    CHECK_INT_EQ(vg_sdp_parse(answer, strlen(answer), &reparsed, err2, sizeof(err2)), 0);
    CHECK(reparsed.ice_lite);
    CHECK_INT_EQ(reparsed.media_count, offer.media_count);
    CHECK_INT_EQ(reparsed.bundle_count, accepted_media);
    CHECK(crlf_only(answer));
    for (size_t i = 0; i < reparsed.media_count; i++) {
        const vg_sdp_media *m = &reparsed.media[i];
        CHECK_STR_EQ(m->mid, offer.media[i].mid); /* JSEP: same order, same mids */
        CHECK_STR_EQ(m->kind_name, offer.media[i].kind_name);
        if (choices[i].accepted) {
            CHECK_INT_EQ(m->direction, VG_SDP_SENDONLY);
            CHECK_INT_EQ(m->format_count, 1);
            CHECK_INT_EQ(m->formats[0].pt, choices[i].pt);
            CHECK(m->rtcp_mux);
            CHECK_STR_EQ(m->setup, "passive");
            CHECK_STR_EQ(m->ice_ufrag, "vgUF");
            CHECK_STR_EQ(m->fingerprint, FP);
        } else {
            CHECK_INT_EQ(m->port, 0);
            CHECK_INT_EQ(m->direction, VG_SDP_INACTIVE);
        }
    }
}

/* ---- parsing real offers ---- */

static void test_parse_chromium_offer(void)
{
    CHECK_INT_EQ(parse(chromium_offer), 0);
    CHECK_STR_EQ(err, "");
    CHECK_INT_EQ(offer.media_count, 2);
    CHECK_INT_EQ(offer.bundle_count, 2);
    CHECK_STR_EQ(offer.bundle_mids[0], "0");
    CHECK_STR_EQ(offer.bundle_mids[1], "1");
    CHECK(!offer.ice_lite);

    const vg_sdp_media *v = &offer.media[0], *a = &offer.media[1];
    CHECK_INT_EQ(v->kind, VG_SDP_VIDEO);
    CHECK_STR_EQ(v->kind_name, "video");
    CHECK_INT_EQ(v->port, 9);
    CHECK_STR_EQ(v->protocol, "UDP/TLS/RTP/SAVPF");
    CHECK_STR_EQ(v->first_format, "96");
    CHECK_STR_EQ(v->mid, "0");
    CHECK_INT_EQ(v->direction, VG_SDP_RECVONLY);
    CHECK(v->rtcp_mux);
    CHECK_STR_EQ(v->ice_ufrag, "g01c");
    CHECK_STR_EQ(v->ice_pwd, "FrwArKFlKBCCpLwDQxL1y6iZ");
    CHECK(v->has_sha256_fingerprint);
    CHECK_STR_EQ(v->fingerprint, "EA:AC:10:15:A8:3B:13:AF:4F:C6:44:73:34:27:2C:7D:17:69:16:19:54:"
                                 "23:D6:8D:DB:D8:8E:35:EC:41:49:9C");
    CHECK_STR_EQ(v->setup, "actpass");
    CHECK_INT_EQ(v->format_count, 34);
    CHECK_INT_EQ(v->formats[0].pt, 96);
    CHECK_STR_EQ(v->formats[0].encoding, "VP8");

    const vg_sdp_format *h264 = format_of(v, 108);
    CHECK(h264 != NULL);
    if (h264) {
        CHECK_STR_EQ(h264->encoding, "H264");
        CHECK_INT_EQ(h264->clock_rate, 90000);
        CHECK_STR_EQ(h264->fmtp,
                     "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
        CHECK(h264->nack && h264->nack_pli && h264->ccm_fir && h264->goog_remb &&
              h264->transport_cc);
    }
    const vg_sdp_format *rtx = format_of(v, 109);
    CHECK(rtx && strcmp(rtx->fmtp, "apt=108") == 0 && !rtx->nack);

    CHECK_INT_EQ(a->kind, VG_SDP_AUDIO);
    CHECK_STR_EQ(a->mid, "1");
    CHECK_INT_EQ(a->format_count, 8);
    CHECK_STR_EQ(a->ice_ufrag, "g01c");
    const vg_sdp_format *opus = format_of(a, 111);
    CHECK(opus != NULL);
    if (opus) {
        CHECK_STR_EQ(opus->encoding, "opus");
        CHECK_INT_EQ(opus->clock_rate, 48000);
        CHECK_INT_EQ(opus->channels, 2);
        CHECK_STR_EQ(opus->fmtp, "minptime=10;useinbandfec=1");
        CHECK(opus->transport_cc && !opus->nack);
    }
    const vg_sdp_format *pcmu = format_of(a, 0);
    CHECK(pcmu && strcmp(pcmu->encoding, "PCMU") == 0 && pcmu->clock_rate == 8000 &&
          pcmu->channels == 1);
}

/* chromium_offer.sdp, when the source tree is where __FILE__ says, is the embedded offer. */
static void test_fixture_file_matches(void)
{
    char path[4096];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof(path), "%.*schromium_offer.sdp", slash ? (int)(slash - __FILE__ + 1) : 0,
             __FILE__);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  (%s not found: skipped)\n", path);
        return;
    }
    static char text[sizeof(chromium_offer) + 16];
    size_t n = fread(text, 1, sizeof(text), f);
    fclose(f);
    CHECK_INT_EQ(n, sizeof(chromium_offer) - 1);
    CHECK(memcmp(text, chromium_offer, sizeof(chromium_offer) - 1) == 0);
}

static void test_parse_firefox_offer(void)
{
    CHECK_INT_EQ(parse(firefox_offer), 0);
    CHECK_INT_EQ(offer.media_count, 2);
    const vg_sdp_media *v = &offer.media[0], *a = &offer.media[1];
    /* The session's fingerprint, normalized to upper case, reaches both media. */
    CHECK(v->has_sha256_fingerprint && a->has_sha256_fingerprint);
    CHECK_STR_EQ(v->fingerprint, "5B:0C:6E:2F:8D:3A:91:4E:77:10:AA:BC:DE:F0:12:34:56:78:9A:BC:DE:"
                                 "F0:12:34:56:78:9A:BC:DE:F0:12:34");
    CHECK_STR_EQ(a->fingerprint, v->fingerprint);
    /* a=recvonly in the media overrides the session's a=sendrecv. */
    CHECK_INT_EQ(v->direction, VG_SDP_RECVONLY);
    CHECK_INT_EQ(a->direction, VG_SDP_RECVONLY);
    CHECK_STR_EQ(v->ice_ufrag, "3a9b1c2d");
    /* rtcp-fb came before rtpmap: both are joined on the format. */
    const vg_sdp_format *h264 = format_of(v, 126);
    CHECK(h264 && strcmp(h264->encoding, "H264") == 0 && h264->nack && h264->nack_pli &&
          h264->ccm_fir);
    const vg_sdp_format *g722 = format_of(a, 9);
    CHECK(g722 && g722->channels == 1 && g722->clock_rate == 8000);
    const vg_sdp_format *dtmf = format_of(a, 101);
    CHECK(dtmf && strcmp(dtmf->fmtp, "0-15") == 0);
}

/* ---- answers ---- */

static void test_answer_chromium_h264_high_pcmu(void)
{
    vg_track *video = make_h264(avcc_high, sizeof(avcc_high));
    vg_track *audio = make_audio(VG_CODEC_PCMU, 8000, 1);
    vg_sdp_local local = make_local(video, audio);
    CHECK_INT_EQ(parse(chromium_offer), 0);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_STR_EQ(err, "");

    /* No High in Debian's Chromium offer: Constrained Baseline, which it decodes as High. */
    CHECK(choices[0].accepted);
    CHECK_INT_EQ(choices[0].kind, VG_SDP_VIDEO);
    CHECK(choices[0].track == video);
    CHECK_INT_EQ(choices[0].pt, 108);
    CHECK(choices[0].nack && choices[0].pli && choices[0].fir);
    CHECK(choices[0].reason == NULL);
    CHECK(choices[1].accepted);
    CHECK(choices[1].track == audio);
    CHECK_INT_EQ(choices[1].pt, 0);
    CHECK(!choices[1].nack && !choices[1].pli && !choices[1].fir);

    CHECK(has(answer, "v=0\r\no=- 4242 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"));
    CHECK(has(answer, "\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\nm=video "));
    CHECK(has(answer, "m=video 8189 UDP/TLS/RTP/SAVPF 108\r\nc=IN IP4 192.0.2.10\r\n"));
    CHECK(has(answer, "a=mid:0\r\n"));
    CHECK(has(answer, "a=ice-ufrag:vgUF\r\na=ice-pwd:vigilIcePasswordOf24chr\r\n"));
    CHECK(has(answer, "a=fingerprint:sha-256 " FP "\r\n"));
    CHECK(has(answer, "a=setup:passive\r\na=sendonly\r\na=rtcp-mux\r\n"));
    CHECK(has(answer, "a=rtpmap:108 H264/90000\r\n"
                      "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;"
                      "profile-level-id=42e01f\r\n"
                      "a=rtcp-fb:108 nack\r\na=rtcp-fb:108 nack pli\r\na=rtcp-fb:108 ccm fir\r\n"));
    CHECK(has(answer, "a=msid:vigil vigil-video\r\na=ssrc:111111 cname:vigil-cname\r\n"));
    CHECK(has(answer, "a=candidate:1 1 udp 2130706431 192.0.2.10 8189 typ host\r\n"
                      "a=candidate:2 1 udp 2130706175 2001:db8::1 8189 typ host\r\n"
                      "a=end-of-candidates\r\n"));
    CHECK(has(answer, "m=audio 8189 UDP/TLS/RTP/SAVPF 0\r\n"));
    CHECK(has(answer, "a=mid:1\r\n"));
    CHECK(has(answer, "a=rtpmap:0 PCMU/8000\r\n"));
    CHECK(has(answer, "a=msid:vigil vigil-audio\r\na=ssrc:222222 cname:vigil-cname\r\n"));
    /* Only what vigil does, only what was offered. */
    CHECK(!strstr(answer, "goog-remb") && !strstr(answer, "transport-cc"));
    CHECK(!strstr(answer, "a=rtcp-fb:0"));
    CHECK(!strstr(answer, "rtx"));
    CHECK(strstr(answer, "m=video") < strstr(answer, "m=audio"));
    check_answer_parses(2);

    vg_track_unref(&video);
    vg_track_unref(&audio);
}

/* The same profile_idc first, and the same constraint flags before that. */
static void test_answer_h264_profile_choice(void)
{
    CHECK_INT_EQ(parse(chromium_offer), 0);
    vg_track *main_track = make_h264(avcc_main, sizeof(avcc_main));
    vg_sdp_local local = make_local(main_track, NULL);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 116); /* 4d001f, packetization-mode=1 (39 is mode 0) */
    CHECK(has(answer, "a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;"
                      "profile-level-id=4d001f\r\n"));
    /* No audio track: the audio m-line is refused. */
    CHECK(!choices[1].accepted);
    CHECK_STR_EQ(choices[1].reason, "the path has no audio track");
    CHECK(has(answer, "a=group:BUNDLE 0\r\n"));
    check_answer_parses(1);
    vg_track_unref(&main_track);

    vg_track *cbp = make_h264(avcc_cbp, sizeof(avcc_cbp));
    local = make_local(cbp, NULL);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 108); /* 42e01f over 42001f, offered first */
    vg_track_unref(&cbp);

    /* A Baseline track without an avcC: the first Baseline with packetization-mode=1. */
    vg_track *baseline = make_video(VG_CODEC_H264, 0x42);
    local = make_local(baseline, NULL);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 102);
    vg_track_unref(&baseline);

    /* An offer with High: a High track takes it. */
    static const char high_offer[] =
        SESSION "a=group:BUNDLE v\r\n"
                "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99\r\n"
                "a=mid:v\r\na=recvonly\r\na=rtcp-mux\r\n"
                "a=rtpmap:96 H264/90000\r\n"
                "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
                "a=rtpmap:97 H264/90000\r\n"
                "a=fmtp:97 profile-level-id=640032;packetization-mode=0\r\n"
                "a=rtpmap:98 h264/90000\r\n"
                "a=fmtp:98 profile-level-id=640032; packetization-mode=1\r\n"
                "a=rtpmap:99 H264/90000\r\n"
                "a=fmtp:99 packetization-mode=1;profile-level-id=4d0032\r\n";
    CHECK_INT_EQ(parse(high_offer), 0);
    vg_track *high = make_h264(avcc_high, sizeof(avcc_high));
    local = make_local(high, NULL);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 98);
    CHECK(has(answer, "a=rtpmap:98 H264/90000\r\n"
                      "a=fmtp:98 profile-level-id=640032; packetization-mode=1\r\n"));
    /* No rtcp-fb offered for 98: none answered. */
    CHECK(!choices[0].nack && !choices[0].pli && !choices[0].fir);
    CHECK(!strstr(answer, "a=rtcp-fb"));
    check_answer_parses(1);
    vg_track_unref(&high);
}

static void test_answer_h265_track_h264_offer(void)
{
    vg_track *video = make_video(VG_CODEC_H265, 1);
    vg_sdp_local local = make_local(video, NULL);
    CHECK_INT_EQ(parse(chromium_offer), 0);
    CHECK_INT_EQ(answer_for(&local), VG_ENOENT);
    CHECK(has(err, "no codec in common: the camera sends H.265, the offer has "));
    CHECK(has(err, "H264"));
    CHECK(!strstr(err, "rtx"));
    CHECK(!choices[0].accepted);
    CHECK_STR_EQ(choices[0].reason, "the camera sends H.265 and the offer has no H.265 format");
    CHECK_STR_EQ(answer, "");

    /* With audio in common, the answer carries the audio alone. */
    vg_track *audio = make_audio(VG_CODEC_OPUS, 48000, 2);
    local = make_local(video, audio);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(!choices[0].accepted && choices[1].accepted);
    CHECK_INT_EQ(choices[1].pt, 111);
    CHECK(has(answer, "a=group:BUNDLE 1\r\n"));
    CHECK(has(answer, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                      "a=inactive\r\n"));
    CHECK(has(answer, "a=rtpmap:111 opus/48000/2\r\n"
                      "a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1\r\n"));
    check_answer_parses(1);

    /* An H.264-only offer, and the message says so. */
    static const char h264_only[] = SESSION "a=group:BUNDLE 0\r\n"
                                            "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                                            "a=mid:0\r\na=rtcp-mux\r\n"
                                            "a=rtpmap:96 H264/90000\r\n"
                                            "a=rtpmap:97 rtx/90000\r\n";
    CHECK_INT_EQ(parse(h264_only), 0);
    local = make_local(video, NULL);
    CHECK_INT_EQ(answer_for(&local), VG_ENOENT);
    CHECK_STR_EQ(err, "no codec in common: the camera sends H.265, the offer has H264 only");
    vg_track_unref(&video);
    vg_track_unref(&audio);
}

/* Chromium with HEVC (hardware decoding) and Safari offer H.265 (RFC 7798). */
static void test_answer_h265_offered(void)
{
    static const char text[] =
        SESSION "a=group:BUNDLE 0 1\r\n"
                "m=video 9 UDP/TLS/RTP/SAVPF 96 49 50\r\n"
                "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
                "a=rtpmap:96 H264/90000\r\n"
                "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
                "a=rtpmap:49 H265/90000\r\n"
                "a=fmtp:49 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n"
                "a=rtcp-fb:49 nack pli\r\n"
                "a=rtpmap:50 H265/90000\r\n"
                "a=fmtp:50 level-id=93;profile-id=2;tier-flag=0;tx-mode=SRST\r\n"
                "m=audio 9 UDP/TLS/RTP/SAVPF 8\r\n"
                "a=mid:1\r\na=recvonly\r\na=rtcp-mux\r\n";
    CHECK_INT_EQ(parse(text), 0);
    vg_track *main10 = make_video(VG_CODEC_H265, 2);
    vg_track *pcma = make_audio(VG_CODEC_PCMA, 8000, 1);
    vg_sdp_local local = make_local(main10, pcma);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 50);
    CHECK(has(answer, "m=video 8189 UDP/TLS/RTP/SAVPF 50\r\n"));
    CHECK(has(answer, "a=rtpmap:50 H265/90000\r\n"
                      "a=fmtp:50 level-id=93;profile-id=2;tier-flag=0;tx-mode=SRST\r\n"));
    /* Static payload type 8 without a=rtpmap is PCMA/8000 (RFC 3551). */
    CHECK_INT_EQ(choices[1].pt, 8);
    CHECK(has(answer, "m=audio 8189 UDP/TLS/RTP/SAVPF 8\r\n"));
    CHECK(has(answer, "a=rtpmap:8 PCMA/8000\r\n"));
    check_answer_parses(2);
    vg_track_unref(&main10);

    vg_track *main_track = make_video(VG_CODEC_H265, 1);
    local = make_local(main_track, pcma);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 49);
    CHECK(choices[0].pli && !choices[0].nack);
    CHECK(has(answer, "a=rtcp-fb:49 nack pli\r\n"));
    vg_track_unref(&main_track);
    vg_track_unref(&pcma);
}

static void test_answer_aac_audio(void)
{
    vg_track *video = make_h264(avcc_high, sizeof(avcc_high));
    vg_track *aac = make_audio(VG_CODEC_AAC, 44100, 2);
    vg_sdp_local local = make_local(video, aac);
    CHECK_INT_EQ(parse(chromium_offer), 0);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(choices[0].accepted);
    CHECK(!choices[1].accepted);
    CHECK(choices[1].track == NULL);
    CHECK_INT_EQ(choices[1].kind, VG_SDP_AUDIO);
    CHECK(choices[1].reason && strstr(choices[1].reason, "AAC") &&
          strstr(choices[1].reason, "cannot be sent over WebRTC"));
    CHECK(has(answer, "a=group:BUNDLE 0\r\n"));
    CHECK(has(answer, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
                      "a=inactive\r\n"));
    CHECK(!strstr(answer, "vigil-audio"));
    check_answer_parses(1);

    /* AAC alone: nothing in common. */
    local = make_local(NULL, aac);
    CHECK_INT_EQ(answer_for(&local), VG_ENOENT);
    CHECK(has(err, "the camera sends AAC"));
    vg_track_unref(&video);
    vg_track_unref(&aac);
}

static void test_answer_firefox_offer(void)
{
    vg_track *video = make_h264(avcc_cbp, sizeof(avcc_cbp));
    vg_track *opus = make_audio(VG_CODEC_OPUS, 48000, 1);
    vg_sdp_local local = make_local(video, opus);
    CHECK_INT_EQ(parse(firefox_offer), 0);
    CHECK_INT_EQ(answer_for(&local), 0);
    /* 97 has no packetization-mode: mode 0 (RFC 6184 8.1), single NAL units only. */
    CHECK_INT_EQ(choices[0].pt, 126);
    CHECK_INT_EQ(choices[1].pt, 109);
    CHECK(has(answer, "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 minptime=10;useinbandfec=1\r\n"));
    check_answer_parses(2);
    vg_track_unref(&video);
    vg_track_unref(&opus);
}

/*
 * Session-level ICE, fingerprint and setup reach media without their own,
 * and a=rtcp-fb:* applies to every format (RFC 4585 section 4.2).
 */
static void test_session_level_inherited(void)
{
    static const char text[] = SESSION "a=group:BUNDLE a v\r\n"
                                       "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                       "a=mid:a\r\na=rtcp-mux\r\n"
                                       "a=rtpmap:111 OPUS/48000/2\r\n"
                                       "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                                       "a=mid:v\r\na=rtcp-mux\r\n"
                                       "a=ice-ufrag:mediaufrag\r\n"
                                       "a=setup:active\r\n"
                                       "a=rtpmap:96 H264/90000\r\n"
                                       "a=fmtp:96 packetization-mode=1\r\n"
                                       "a=rtpmap:97 VP8/90000\r\n"
                                       "a=rtcp-fb:* nack\r\n"
                                       "a=rtcp-fb:* ccm fir\r\n"
                                       "a=rtcp-fb:96 nack pli\r\n";
    CHECK_INT_EQ(parse(text), 0);
    const vg_sdp_media *a = &offer.media[0], *v = &offer.media[1];
    CHECK_STR_EQ(a->ice_ufrag, "abcd");
    CHECK_STR_EQ(a->ice_pwd, "abcdefghijklmnopqrstuvwx");
    CHECK_STR_EQ(a->fingerprint, FP);
    CHECK(a->has_sha256_fingerprint);
    CHECK_STR_EQ(a->setup, "actpass");
    CHECK_INT_EQ(a->direction, VG_SDP_SENDRECV);
    CHECK_STR_EQ(v->ice_ufrag, "mediaufrag"); /* its own */
    CHECK_STR_EQ(v->ice_pwd, "abcdefghijklmnopqrstuvwx");
    CHECK_STR_EQ(v->setup, "active");
    CHECK(v->formats[0].nack && v->formats[0].ccm_fir && v->formats[0].nack_pli);
    CHECK(v->formats[1].nack && v->formats[1].ccm_fir && !v->formats[1].nack_pli);
    CHECK(!a->formats[0].nack);

    /* Both accepted, but their ICE credentials differ: not one transport. */
    vg_track *video = make_video(VG_CODEC_H264, 0x64);
    vg_track *opus = make_audio(VG_CODEC_OPUS, 48000, 2);
    vg_sdp_local local = make_local(video, opus);
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
    CHECK(has(err, "mid v"));

    /* Video alone: an encoding name in any case, a=rtcp-fb:* feedback answered. */
    local = make_local(video, NULL);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(choices[1].nack && choices[1].pli && choices[1].fir);
    CHECK(has(answer, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n"));
    local = make_local(NULL, opus);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK_INT_EQ(choices[0].pt, 111);
    vg_track_unref(&video);
    vg_track_unref(&opus);
}

/* What the transport needs: each missing piece is VG_EINVAL with a reason. */
static void test_answer_transport_errors(void)
{
    static const struct {
        const char *text;
        const char *reason;
    } cases[] = {
        {SESSION "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtcp-mux\r\n"
                 "a=setup:passive\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
         "setup:passive"},
        {SESSION "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
                 "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
         "rtcp-mux"},
        {SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtcp-mux\r\n"
                 "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
         "BUNDLE"},
        {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\n"
         "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=group:BUNDLE 0\r\n"
         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtcp-mux\r\n"
         "a=fingerprint:sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01\r\n"
         "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
         "fingerprint"},
        {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 " FP "\r\n"
         "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtcp-mux\r\n"
         "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
         "ice-ufrag"},
    };
    vg_track *video = make_video(VG_CODEC_H264, 0x64);
    vg_sdp_local local = make_local(video, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_INT_EQ(parse(cases[i].text), 0);
        CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
        CHECK(has(err, cases[i].reason));
        CHECK(has(err, "m-line 0 (video, mid 0)"));
        CHECK_STR_EQ(answer, "");
    }
    vg_track_unref(&video);
}

/* Which m-lines are refused, and how the refusal reads. */
static void test_answer_rejections(void)
{
    static const char text[] = SESSION "a=group:BUNDLE 0 1 2 3 4 5\r\n"
                                       "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                       "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
                                       "a=rtpmap:96 H264/90000\r\n"
                                       "a=fmtp:96 packetization-mode=1\r\n"
                                       "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                       "a=mid:1\r\na=recvonly\r\na=rtcp-mux\r\n"
                                       "a=rtpmap:96 H264/90000\r\n"
                                       "a=fmtp:96 packetization-mode=1\r\n"
                                       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                       "a=mid:2\r\na=sctp-port:5000\r\n"
                                       "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
                                       "a=mid:3\r\na=sendonly\r\na=rtcp-mux\r\n"
                                       "m=audio 0 UDP/TLS/RTP/SAVPF 8\r\n"
                                       "a=mid:4\r\na=rtcp-mux\r\n"
                                       "m=audio 9 RTP/AVP 0\r\n"
                                       "a=mid:5\r\na=rtcp-mux\r\n"
                                       "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n"
                                       "a=mid:6\r\na=bundle-only\r\na=rtcp-mux\r\n";
    vg_track *video = make_video(VG_CODEC_H264, 0x64);
    vg_track *pcmu = make_audio(VG_CODEC_PCMU, 8000, 1);
    vg_sdp_local local = make_local(video, pcmu);
    /* mid 6 is bundle-only, so it must be in the group */
    CHECK_INT_EQ(parse(text), 0);
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
    CHECK(has(err, "m-line 6 (audio, mid 6) is not in a=group:BUNDLE"));
    static char fixed[sizeof(text) + 8];
    snprintf(fixed, sizeof(fixed), "%s", text);
    memcpy(strstr(fixed, "2 3 4 5\r\n"), "3 4 5 6\r\n", 9); /* mids 0 1 3 4 5 6 */
    CHECK_INT_EQ(parse(fixed), 0);
    CHECK_INT_EQ(offer.media[2].kind, VG_SDP_APPLICATION);
    CHECK_INT_EQ(offer.media[2].format_count, 0);
    CHECK_STR_EQ(offer.media[2].first_format, "webrtc-datachannel");
    CHECK(offer.media[6].bundle_only);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(choices[0].accepted);
    CHECK_STR_EQ(choices[1].reason, "only one video m-line is sent");
    CHECK_STR_EQ(choices[2].reason, "vigil sends only audio and video");
    CHECK_INT_EQ(choices[2].kind, VG_SDP_APPLICATION);
    CHECK_STR_EQ(choices[3].reason, "the offer does not receive on this m-line");
    CHECK_STR_EQ(choices[4].reason, "the offer disabled this m-line (port 0)");
    CHECK_STR_EQ(choices[5].reason, "not DTLS-SRTP over UDP (UDP/TLS/RTP/SAVPF)");
    CHECK(choices[6].accepted); /* bundle-only, port 0, in the group */
    CHECK(has(answer, "a=group:BUNDLE 0 6\r\n"));
    CHECK(has(answer, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
                      "a=mid:2\r\na=inactive\r\n"));
    CHECK(has(answer, "m=audio 0 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=mid:5\r\na=inactive\r\n"));
    check_answer_parses(2);

    /* G.711 other than 8000 Hz mono is not for WebRTC. */
    vg_track *wide = make_audio(VG_CODEC_PCMU, 16000, 1);
    local = make_local(video, wide);
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(!choices[6].accepted);
    CHECK(has(choices[6].reason, "8000 Hz mono"));
    vg_track_unref(&wide);

    /* No track at all. */
    local = make_local(NULL, NULL);
    CHECK_INT_EQ(answer_for(&local), VG_ENOENT);
    CHECK_STR_EQ(err, "the path has no audio or video track to send");

    /* Nothing refused for its codec: the first m-line's reason. */
    static const char plain_rtp[] = SESSION "m=video 9 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
    CHECK_INT_EQ(parse(plain_rtp), 0);
    local = make_local(video, pcmu);
    CHECK_INT_EQ(answer_for(&local), VG_ENOENT);
    CHECK_STR_EQ(err, "no m-line can be answered: m-line 0 (video): not DTLS-SRTP over UDP "
                      "(UDP/TLS/RTP/SAVPF)");
    vg_track_unref(&video);
    vg_track_unref(&pcmu);
}

static void test_answer_local_checks(void)
{
    vg_track *video = make_video(VG_CODEC_H264, 0x64);
    vg_track *opus = make_audio(VG_CODEC_OPUS, 48000, 2);
    CHECK_INT_EQ(parse(chromium_offer), 0);

    vg_sdp_local local = make_local(video, opus);
    local.cname = "bad\r\na=injected";
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
    local = make_local(video, opus);
    local.ice_pwd = NULL;
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
    static const char *const bad_hosts[] = {"127.0.0.1", "a host"};
    local = make_local(video, opus);
    local.hosts = bad_hosts;
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);
    CHECK(has(err, "host 1"));
    local = make_local(video, opus);
    local.audio_ssrc = local.video_ssrc;
    CHECK_INT_EQ(answer_for(&local), VG_EINVAL);

    /* No IP literal among the hosts: the placeholder address, candidates as given. */
    static const char *const names[] = {"vigil.example"};
    local = make_local(video, opus);
    local.hosts = names;
    local.host_count = 1;
    local.session_id = UINT64_MAX;
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(has(answer, "o=- 9223372036854775807 1 IN IP4"));
    CHECK(has(answer, "m=video 9 UDP/TLS/RTP/SAVPF 108\r\nc=IN IP4 0.0.0.0\r\n"));
    CHECK(has(answer, "a=candidate:1 1 udp 2130706431 vigil.example 8189 typ host\r\n"));
    /* IPv6 only: c=IN IP6. */
    static const char *const v6[] = {"::1"};
    local.hosts = v6;
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(has(answer, "m=video 8189 UDP/TLS/RTP/SAVPF 108\r\nc=IN IP6 ::1\r\n"));
    /* No host: valid, if useless; then a=end-of-candidates right away. */
    local.host_count = 0;
    CHECK_INT_EQ(answer_for(&local), 0);
    CHECK(!strstr(answer, "a=candidate"));
    CHECK(has(answer, "a=end-of-candidates\r\n"));

    /* Too small a buffer: VG_ERANGE and an empty string, at every size short of the answer. */
    local = make_local(video, opus);
    CHECK_INT_EQ(answer_for(&local), 0);
    size_t need = strlen(answer) + 1;
    static char small[16384];
    for (size_t cap = 0; cap < need; cap += (cap < 64 || cap + 64 > need) ? 1 : 61) {
        memset(small, 'x', sizeof(small));
        int ret = vg_sdp_answer(&offer, &local, choices, small, cap, err, sizeof(err));
        CHECK_INT_EQ(ret, VG_ERANGE);
        if (cap)
            CHECK_INT_EQ(small[0], '\0');
        CHECK_INT_EQ(small[cap], 'x');
    }
    CHECK_INT_EQ(vg_sdp_answer(&offer, &local, choices, small, need, err, sizeof(err)), 0);
    CHECK_STR_EQ(small, answer);
    vg_track_unref(&video);
    vg_track_unref(&opus);
}

/* ---- malformed input ---- */

static void test_malformed_lines(void)
{
#define HEAD  "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define MEDIA "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    static const struct {
        const char *text;
        int ret;
        const char *message;
    } cases[] = {
        {"", VG_ESYNTAX, "ends before"},
        {"\r\n\r\n", VG_ESYNTAX, "ends before"},
        {"v=0\r\n", VG_ESYNTAX, "ends before"},
        {"v=1\r\n", VG_ESYNTAX, "line 1: an SDP starts with v=0"},
        {"o=- 1 1 IN IP4 0.0.0.0\r\n", VG_ESYNTAX, "line 1: an SDP starts with v=0"},
        {"V=0\r\n", VG_ESYNTAX, "line 1: not a <type>=<value> line"},
        {"hello\r\n", VG_ESYNTAX, "line 1: not a <type>=<value> line"},
        {"v=0\r\ns=-\r\n", VG_ESYNTAX, "line 2: s= where o= must be"},
        {"v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", VG_ESYNTAX, "line 2: o= needs 6 fields"},
        {"v=0\r\no=- 1 1 IN IP4 0.0.0.0 x\r\ns=-\r\n", VG_ESYNTAX, "line 2: o= needs 6 fields"},
        {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nt=0 0\r\n", VG_ESYNTAX, "line 3: t= where s= must be"},
        {HEAD "v=0\r\n", VG_ESYNTAX, "line 5: a second v= line"},
        {HEAD "m=video 9 UDP/TLS/RTP/SAVPF\r\n", VG_ESYNTAX, "line 5: m= line has no formats"},
        {HEAD "m=video 9\r\n", VG_ESYNTAX, "line 5: m= line needs"},
        {HEAD "m=video 70000 UDP/TLS/RTP/SAVPF 96\r\n", VG_ESYNTAX, "line 5: bad port"},
        {HEAD "m=video -1 UDP/TLS/RTP/SAVPF 96\r\n", VG_ESYNTAX, "line 5: bad port"},
        {HEAD "m=video 9/ UDP/TLS/RTP/SAVPF 96\r\n", VG_ESYNTAX, "line 5: bad port"},
        {HEAD "m=video 9 UDP//RTP 96\r\n", VG_ESYNTAX, "line 5: bad protocol"},
        {HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96 128\r\n", VG_ESYNTAX,
         "line 5: payload type \"128\" is not a number 0..127"},
        {HEAD "m=video 9 UDP/TLS/RTP/SAVPF abc\r\n", VG_ESYNTAX, "line 5: payload type \"abc\""},
        {HEAD "m=vid\x01o 9 UDP/TLS/RTP/SAVPF 96\r\n", VG_ESYNTAX, "line 5: bad media type"},
        {HEAD MEDIA "a=rtpmap:96 H264\r\n", VG_ESYNTAX, "line 6: a=rtpmap needs"},
        {HEAD MEDIA "a=rtpmap:96 H264/0\r\n", VG_ESYNTAX, "line 6: a=rtpmap needs"},
        {HEAD MEDIA "a=rtpmap:96 H264/90000/\r\n", VG_ESYNTAX, "line 6: a=rtpmap needs"},
        {HEAD MEDIA "a=rtpmap:96 opus/48000/2 x\r\n", VG_ESYNTAX, "line 6: a=rtpmap needs"},
        {HEAD MEDIA "a=rtpmap:300 H264/90000\r\n", VG_ESYNTAX, "line 6: a=rtpmap needs"},
        {HEAD MEDIA "a=rtpmap:96 H264/90000\r\na=rtpmap:96 VP8/90000\r\n", VG_ESYNTAX,
         "line 7: a second a=rtpmap for payload type 96"},
        {HEAD MEDIA "a=fmtp:96 a=1\r\na=fmtp:96 b=2\r\n", VG_ESYNTAX,
         "line 7: a second a=fmtp for payload type 96"},
        {HEAD MEDIA "a=fmtp:x a=1\r\n", VG_ESYNTAX, "line 6: a=fmtp needs"},
        {HEAD MEDIA "a=fmtp:96 a=\x01\r\n", VG_ESYNTAX, "line 6: a=fmtp has a byte"},
        {HEAD MEDIA "a=fmtp:96 a=\xc3\xa9\r\n", VG_ESYNTAX, "line 6: a=fmtp has a byte"},
        {HEAD MEDIA "a=rtcp-fb:96\r\n", VG_ESYNTAX, "line 6: a=rtcp-fb needs"},
        {HEAD MEDIA "a=rtcp-fb:x nack\r\n", VG_ESYNTAX, "line 6: a=rtcp-fb needs"},
        {HEAD MEDIA "a=mid:0\r\n" MEDIA "a=mid:0\r\n", VG_ESYNTAX, "line 8: a=mid:0 is used twice"},
        {HEAD MEDIA "a=mid:0\r\na=mid:1\r\n", VG_ESYNTAX, "line 7: a second a=mid"},
        {HEAD MEDIA "a=mid:\r\n", VG_ESYNTAX, "line 6: a=mid is empty"},
        {HEAD MEDIA "a=mid:a b\r\n", VG_ESYNTAX, "line 6: a=mid is empty or not a token"},
        {HEAD "a=setup:bogus\r\n", VG_ESYNTAX, "line 5: a=setup is not"},
        {HEAD "a=setup:active\r\na=setup:active\r\n", VG_ESYNTAX, "line 6: a second a=setup"},
        {HEAD "a=fingerprint:sha-256 AB:CD\r\n", VG_ESYNTAX, "line 5: a=fingerprint:sha-256 is"},
        {HEAD "a=fingerprint:sha-256\r\n", VG_ESYNTAX, "line 5: a=fingerprint needs"},
        {HEAD "a=fingerprint:sha-256 " FP "x\r\n", VG_ESYNTAX, "line 5: a=fingerprint:sha-256"},
        {HEAD "a=ice-ufrag:ab-cd\r\n", VG_ESYNTAX, "line 5: a=ice-ufrag is empty or not"},
        {HEAD "a=ice-ufrag:\r\n", VG_ESYNTAX, "line 5: a=ice-ufrag is empty"},
        {HEAD "a=ice-pwd:abcd\r\na=ice-pwd:abcd\r\n", VG_ESYNTAX, "line 6: a second a=ice-pwd"},
        {HEAD "a=sendonly\r\na=recvonly\r\n", VG_ESYNTAX, "line 6: a second direction"},
        {HEAD "a=group:BUNDLE 0\r\n" MEDIA, VG_ESYNTAX,
         "line 5: a=group:BUNDLE names mid 0 that no m= line has"},
        {HEAD "a=x\ry\r\n", VG_ESYNTAX, "line 5: NUL or CR"},
        {HEAD "=\r\n", VG_ESYNTAX, "line 5: not a <type>=<value>"},
        {HEAD "a\r\n", VG_ESYNTAX, "line 5: not a <type>=<value>"},
        /* Fine: LF only, no last line end, unknown types and attributes, other fingerprints. */
        {"v=0\no=- 1 1 IN IP4 0.0.0.0\ns=\nx=whatever\na=unknown:1 2 3\n" MEDIA
         "a=fingerprint:sha-1 00\na=rtcp-fb:96 unknown-type\na=rtpmap:97 VP8/90000\n"
         "a=fmtp:97 x=1",
         0, ""},
    };
#undef HEAD
#undef MEDIA
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int ret = vg_sdp_parse(cases[i].text, strlen(cases[i].text), &offer, err, sizeof(err));
        if (ret != cases[i].ret || !strstr(err, cases[i].message))
            fprintf(stderr, "  case %zu: %d \"%s\", wanted %d \"%s\"\n", i, ret, err, cases[i].ret,
                    cases[i].message);
        CHECK_INT_EQ(ret, cases[i].ret);
        CHECK(strstr(err, cases[i].message) != NULL);
    }

    /* A NUL inside a line. */
    static const char nul[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=x\0y\r\n";
    CHECK_INT_EQ(vg_sdp_parse(nul, sizeof(nul) - 1, &offer, err, sizeof(err)), VG_ESYNTAX);
    CHECK(has(err, "line 4: NUL or CR inside the line"));

    /* A tiny or absent error buffer is fine. */
    char tiny[8];
    CHECK_INT_EQ(vg_sdp_parse("v=1", 3, &offer, tiny, sizeof(tiny)), VG_ESYNTAX);
    CHECK_STR_EQ(tiny, "line 1:");
    CHECK_INT_EQ(vg_sdp_parse("v=1", 3, &offer, NULL, 0), VG_ESYNTAX);
    CHECK_INT_EQ(vg_sdp_parse("v=1", 3, &offer, tiny, 0), VG_ESYNTAX);

    /* Not NUL-terminated: the parser stops at len. */
    static const char cut[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=video 9 RTP/AVP 96 97";
    CHECK_INT_EQ(vg_sdp_parse(cut, sizeof(cut) - 4, &offer, err, sizeof(err)), 0);
    CHECK_INT_EQ(offer.media[0].format_count, 1);
}

static void test_over_long_fields(void)
{
    static char text[VG_SDP_MAX_TEXT + 64];
    char field[400];
#define LONG(n, c) (memset(field, c, n), field[n] = '\0', field)
    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:%s\r\n",
             LONG(256, 'u'));
    CHECK_INT_EQ(parse(text), 0);
    CHECK_INT_EQ(strlen(offer.media[0].ice_ufrag), 256);
    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:%s\r\n",
             LONG(257, 'u'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "line 10: a=ice-ufrag longer than 256"));
    snprintf(text, sizeof(text), SESSION "a=ice-pwd:%s\r\n", LONG(300, 'p'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "a second a=ice-pwd")); /* SESSION has one already */
    snprintf(text, sizeof(text), "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=ice-pwd:%s\r\n",
             LONG(300, 'p'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "line 4: a=ice-pwd longer than 256"));

    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:%s\r\n",
             LONG(32, 'm'));
    CHECK_INT_EQ(parse(text), 0);
    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:%s\r\n",
             LONG(33, 'm'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "a=mid longer than 32"));
    snprintf(text, sizeof(text), SESSION "a=group:BUNDLE %s\r\n", LONG(33, 'm'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "a=group:BUNDLE has a bad mid"));
    snprintf(text, sizeof(text),
             SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 %s/90000\r\n", LONG(24, 'e'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "encoding name longer than 23"));
    snprintf(text, sizeof(text), SESSION "m=%s 9 UDP/TLS/RTP/SAVPF 96\r\n", LONG(16, 'k'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "bad media type"));
    snprintf(text, sizeof(text), SESSION "m=video 9 %s 96\r\n", LONG(32, 'P'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "bad protocol"));
    snprintf(text, sizeof(text), SESSION "m=application 9 UDP/DTLS/SCTP %s\r\n", LONG(32, 'f'));
    CHECK_INT_EQ(parse(text), VG_ESYNTAX);
    CHECK(has(err, "bad format"));

    /* A long fmtp keeps its whole parameters that fit. */
    char params[400];
    size_t n = 0;
    for (int i = 0; n < 300; i++)
        n += (size_t)snprintf(params + n, sizeof(params) - n, "%sparam%d=%d", i ? ";" : "", i, i);
    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fmtp:96 %s\r\n",
             params);
    CHECK_INT_EQ(parse(text), 0);
    const char *kept = offer.media[0].formats[0].fmtp;
    CHECK(strlen(kept) <= 255 && strlen(kept) > 200);
    CHECK(strncmp(kept, params, strlen(kept)) == 0);
    CHECK_INT_EQ(params[strlen(kept)], ';');
    /* One parameter longer than the field: nothing kept. */
    snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fmtp:96 x=%s\r\n",
             LONG(300, 'x'));
    CHECK_INT_EQ(parse(text), 0);
    CHECK_STR_EQ(offer.media[0].formats[0].fmtp, "");

    /* A very long line of an attribute vigil skips is fine; a text over the cap is not. */
    snprintf(text, sizeof(text), SESSION "a=x-long:");
    n = strlen(text);
    memset(text + n, 'z', VG_SDP_MAX_TEXT - n);
    CHECK_INT_EQ(vg_sdp_parse(text, VG_SDP_MAX_TEXT, &offer, err, sizeof(err)), 0);
    CHECK_INT_EQ(vg_sdp_parse(text, VG_SDP_MAX_TEXT + 1, &offer, err, sizeof(err)), VG_ERANGE);
    CHECK(has(err, "longer than 65536 bytes"));
#undef LONG
}

static void test_too_many(void)
{
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof(text), SESSION);
    for (int i = 0; i < VG_SDP_MAX_MEDIA; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%d\r\n", i);
    CHECK_INT_EQ(parse(text), 0);
    CHECK_INT_EQ(offer.media_count, VG_SDP_MAX_MEDIA);
    snprintf(text + n, sizeof(text) - n, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n");
    CHECK_INT_EQ(parse(text), VG_ERANGE);
    CHECK(has(err, "line 25: more than 8 m= lines"));

    snprintf(text, sizeof(text), SESSION "a=group:BUNDLE 0 1 2 3 4 5 6 7 8\r\n");
    CHECK_INT_EQ(parse(text), VG_ERANGE);
    CHECK(has(err, "line 9: a=group:BUNDLE has more than 8 mids"));

    /* Formats past the cap are ignored, repeats too; the first ones are kept in order. */
    n = (size_t)snprintf(text, sizeof(text), SESSION "m=video 9 UDP/TLS/RTP/SAVPF 96 96");
    for (int pt = 0; pt < 100; pt++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " %d", pt);
    snprintf(text + n, sizeof(text) - n, "\r\na=rtpmap:99 H264/90000\r\na=rtcp-fb:* nack\r\n");
    CHECK_INT_EQ(parse(text), 0);
    CHECK_INT_EQ(offer.media[0].format_count, VG_SDP_MAX_FORMATS);
    CHECK_INT_EQ(offer.media[0].formats[0].pt, 96);
    CHECK_INT_EQ(offer.media[0].formats[1].pt, 0);
    CHECK_INT_EQ(offer.media[0].formats[47].pt, 46);
    CHECK_STR_EQ(offer.media[0].formats[0].encoding, "");
    CHECK(offer.media[0].formats[47].nack);
}

/* The parse of LF-only text is the parse of CRLF text. */
static void test_line_ends(void)
{
    static char lf[sizeof(chromium_offer)];
    static vg_sdp crlf_parse;
    size_t n = 0;
    for (const char *p = chromium_offer; *p; p++) {
        if (*p != '\r')
            lf[n++] = *p;
    }
    CHECK_INT_EQ(
        vg_sdp_parse(chromium_offer, strlen(chromium_offer), &crlf_parse, err, sizeof(err)), 0);
    CHECK_INT_EQ(vg_sdp_parse(lf, n, &offer, err, sizeof(err)), 0);
    CHECK(memcmp(&crlf_parse, &offer, sizeof(offer)) == 0);
    /* Without the last line end. */
    CHECK_INT_EQ(vg_sdp_parse(lf, n - 1, &offer, err, sizeof(err)), 0);
    CHECK(memcmp(&crlf_parse, &offer, sizeof(offer)) == 0);
}

/* ---- by hand: print the answer to an offer file ---- */

static int print_answer(int argc, char **argv)
{
    const char *path = argv[2], *video_name = "h264", *audio_name = "opus";
    const char *hosts[8];
    size_t host_count = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--video") == 0)
            video_name = argv[i + 1];
        else if (strcmp(argv[i], "--audio") == 0)
            audio_name = argv[i + 1];
        else if (strcmp(argv[i], "--host") == 0 && host_count < 8)
            hosts[host_count++] = argv[i + 1];
    }
    if (!host_count)
        hosts[host_count++] = "127.0.0.1";
    static char text[VG_SDP_MAX_TEXT + 1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 2;
    }
    size_t len = fread(text, 1, sizeof(text), f);
    fclose(f);

    vg_track *video = NULL, *audio = NULL;
    if (strcmp(video_name, "h264") == 0)
        video = make_h264(avcc_high, sizeof(avcc_high));
    else if (strcmp(video_name, "h265") == 0)
        video = make_video(VG_CODEC_H265, 1);
    if (strcmp(audio_name, "opus") == 0)
        audio = make_audio(VG_CODEC_OPUS, 48000, 2);
    else if (strcmp(audio_name, "pcmu") == 0)
        audio = make_audio(VG_CODEC_PCMU, 8000, 1);
    else if (strcmp(audio_name, "pcma") == 0)
        audio = make_audio(VG_CODEC_PCMA, 8000, 1);
    else if (strcmp(audio_name, "aac") == 0)
        audio = make_audio(VG_CODEC_AAC, 48000, 2);

    int ret = vg_sdp_parse(text, len, &offer, err, sizeof(err));
    if (ret == 0) {
        vg_sdp_local local = make_local(video, audio);
        local.hosts = hosts;
        local.host_count = host_count;
        ret = answer_for(&local);
    }
    if (ret == 0) {
        fputs(answer, stdout);
        for (size_t i = 0; i < offer.media_count; i++)
            fprintf(stderr, "m-line %zu: %s%s\n", i,
                    choices[i].accepted ? "accepted" : "rejected: ",
                    choices[i].accepted ? "" : choices[i].reason);
    } else {
        fprintf(stderr, "%s: %s\n", vg_strerror(ret), err);
    }
    vg_track_unref(&video);
    vg_track_unref(&audio);
    return ret == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--answer") == 0)
        return print_answer(argc, argv);
    VG_TEST_RUN(test_parse_chromium_offer);
    VG_TEST_RUN(test_fixture_file_matches);
    VG_TEST_RUN(test_parse_firefox_offer);
    VG_TEST_RUN(test_answer_chromium_h264_high_pcmu);
    VG_TEST_RUN(test_answer_h264_profile_choice);
    VG_TEST_RUN(test_answer_h265_track_h264_offer);
    VG_TEST_RUN(test_answer_h265_offered);
    VG_TEST_RUN(test_answer_aac_audio);
    VG_TEST_RUN(test_answer_firefox_offer);
    VG_TEST_RUN(test_session_level_inherited);
    VG_TEST_RUN(test_answer_transport_errors);
    VG_TEST_RUN(test_answer_rejections);
    VG_TEST_RUN(test_answer_local_checks);
    VG_TEST_RUN(test_malformed_lines);
    VG_TEST_RUN(test_over_long_fields);
    VG_TEST_RUN(test_too_many);
    VG_TEST_RUN(test_line_ends);
    return vg_test_done();
}
