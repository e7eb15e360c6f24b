/*
 * fuzz_sdp.c: webrtc/sdp.c against arbitrary offers.
 *
 * Beyond "no crash, no overread" (the input is copied to a buffer of its
 * exact size, so ASan sees a read past `len`), it checks:
 *   - a parsed offer is within its bounds: counts under the caps, every
 *     string field NUL-terminated inside its array, payload types 0..127
 *     and unique per m-line, BUNDLE mids that name m-lines;
 *   - a failure has an error code of the contract and a "line N:" reason
 *     (or one of the few whole-text reasons);
 *   - the answer, for a camera with H.264 + Opus, H.265 + PCMU and H.264 +
 *     AAC: printable ASCII in CRLF lines only (nothing from the offer can
 *     break a line), at most one accepted m-line per kind, and it parses
 *     back into as many m-lines, with the accepted ones sendonly, bundled
 *     and carrying the chosen payload type;
 *   - one byte less of room gives VG_ERANGE and an empty string.
 */
#include "core/error.h"
#include "core/track.h"
#include "webrtc/sdp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FP                                                                                         \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_string(const char *field, size_t cap)
{
    check(memchr(field, '\0', cap) != NULL);
}

static void check_offer(const vg_sdp *sdp)
{
    check(sdp->media_count <= VG_SDP_MAX_MEDIA);
    check(sdp->bundle_count <= VG_SDP_MAX_MEDIA);
    for (size_t i = 0; i < sdp->bundle_count; i++) {
        check_string(sdp->bundle_mids[i], sizeof(sdp->bundle_mids[i]));
        bool found = false;
        for (size_t k = 0; k < sdp->media_count; k++)
            found |= strcmp(sdp->bundle_mids[i], sdp->media[k].mid) == 0;
        check(found);
    }
    for (size_t i = 0; i < sdp->media_count; i++) {
        const vg_sdp_media *m = &sdp->media[i];
        check(m->port >= 0 && m->port <= 65535);
        check(m->format_count <= VG_SDP_MAX_FORMATS);
        check_string(m->kind_name, sizeof(m->kind_name));
        check_string(m->protocol, sizeof(m->protocol));
        check_string(m->first_format, sizeof(m->first_format));
        check_string(m->mid, sizeof(m->mid));
        check_string(m->ice_ufrag, sizeof(m->ice_ufrag));
        check_string(m->ice_pwd, sizeof(m->ice_pwd));
        check_string(m->fingerprint, sizeof(m->fingerprint));
        check_string(m->setup, sizeof(m->setup));
        check(m->kind_name[0] && m->protocol[0] && m->first_format[0]);
        check(!m->has_sha256_fingerprint || strlen(m->fingerprint) == 95);
        for (size_t k = 0; k < i; k++)
            check(!m->mid[0] || strcmp(m->mid, sdp->media[k].mid) != 0);
        for (size_t f = 0; f < m->format_count; f++) {
            const vg_sdp_format *fmt = &m->formats[f];
            check(fmt->pt <= 127);
            for (size_t g = 0; g < f; g++)
                check(m->formats[g].pt != fmt->pt);
            check_string(fmt->encoding, sizeof(fmt->encoding));
            check_string(fmt->fmtp, sizeof(fmt->fmtp));
            check(!fmt->encoding[0] || (fmt->clock_rate > 0 && fmt->channels > 0));
        }
    }
}

/* Printable ASCII in CRLF-ended lines, none empty. */
static void check_lines(const char *text)
{
    size_t len = strlen(text);
    check(len >= 2 && text[len - 2] == '\r' && text[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\r')
            check(text[i + 1] == '\n' && i > 0 && text[i - 1] != '\n');
        else if (c == '\n')
            check(i > 0 && text[i - 1] == '\r');
        else
            check(c >= 0x20 && c <= 0x7e);
    }
}

static vg_sdp offer, back;
static vg_sdp_choice choices[VG_SDP_MAX_MEDIA];
static char answer[65536], small[65536];

static void answer_with(const vg_track *video, const vg_track *audio)
{
    static const char *const hosts[] = {"192.0.2.1", "2001:db8::1", "vigil.example"};
    vg_sdp_local local = {
        .ice_ufrag = "vgUF",
        .ice_pwd = "vigilIcePasswordOf24chr",
        .fingerprint = FP,
        .port = 8189,
        .hosts = hosts,
        .host_count = 3,
        .session_id = 1,
        .cname = "vigil",
        .video = video,
        .audio = audio,
        .video_ssrc = 1,
        .audio_ssrc = 2,
    };
    char err[128];
    int ret = vg_sdp_answer(&offer, &local, choices, answer, sizeof(answer), err, sizeof(err));
    if (ret < 0) {
        check(ret == VG_EINVAL || ret == VG_ENOENT);
        check(err[0] != '\0' && answer[0] == '\0');
        return;
    }
    check_lines(answer);
    size_t accepted = 0, per_kind[2] = {0, 0};
    for (size_t i = 0; i < offer.media_count; i++) {
        const vg_sdp_choice *c = &choices[i];
        check(c->accepted == (c->reason == NULL));
        if (!c->accepted) {
            check(c->track == NULL);
            continue;
        }
        accepted++;
        check(c->kind == VG_SDP_AUDIO || c->kind == VG_SDP_VIDEO);
        check(c->track == (c->kind == VG_SDP_VIDEO ? video : audio));
        per_kind[c->kind == VG_SDP_VIDEO]++;
    }
    check(accepted > 0 && per_kind[0] <= 1 && per_kind[1] <= 1);

    check(vg_sdp_parse(answer, strlen(answer), &back, err, sizeof(err)) == 0);
    check(back.media_count == offer.media_count && back.ice_lite);
    check(back.bundle_count == accepted);
    for (size_t i = 0; i < back.media_count; i++) {
        const vg_sdp_media *m = &back.media[i];
        check(strcmp(m->mid, offer.media[i].mid) == 0);
        if (choices[i].accepted) {
            check(m->direction == VG_SDP_SENDONLY && m->rtcp_mux && m->format_count == 1);
            check(m->formats[0].pt == choices[i].pt);
            check(strcmp(m->ice_ufrag, "vgUF") == 0 && strcmp(m->setup, "passive") == 0);
        } else {
            check(m->port == 0 && m->direction == VG_SDP_INACTIVE);
        }
    }

    /* One byte short: refused, and nothing half-written is left. */
    size_t need = strlen(answer) + 1;
    memset(small, 'x', need);
    check(vg_sdp_answer(&offer, &local, choices, small, need - 1, err, sizeof(err)) == VG_ERANGE);
    check(small[0] == '\0' && small[need - 1] == 'x');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_track *h264, *h265, *opus, *pcmu, *aac;
    if (!h264) {
        static const uint8_t avcc[] = {1, 0x64, 0x00, 0x1f, 0xff};
        h264 = vg_track_create(VG_CODEC_H264);
        h264->profile = 0x64;
        vg_track_set_config(h264, avcc, sizeof(avcc));
        h265 = vg_track_create(VG_CODEC_H265);
        h265->profile = 1;
        opus = vg_track_create(VG_CODEC_OPUS);
        opus->sample_rate = 48000;
        opus->channels = 2;
        pcmu = vg_track_create(VG_CODEC_PCMU);
        pcmu->sample_rate = 8000;
        pcmu->channels = 1;
        aac = vg_track_create(VG_CODEC_AAC);
    }
    if (size > VG_SDP_MAX_TEXT + 1)
        return 0;
    char *text = malloc(size ? size : 1);
    check(text != NULL);
    memcpy(text, data, size);

    char err[96];
    int ret = vg_sdp_parse(text, size, &offer, err, sizeof(err));
    if (ret < 0) {
        check(ret == VG_ESYNTAX || ret == VG_ERANGE);
        check(strncmp(err, "line ", 5) == 0 || strstr(err, "ends before") ||
              strstr(err, "longer than"));
    } else {
        check(ret == 0);
        check_offer(&offer);
        answer_with(h264, opus);
        answer_with(h265, pcmu);
        answer_with(h264, aac);
    }
    free(text);
    return 0;
}
