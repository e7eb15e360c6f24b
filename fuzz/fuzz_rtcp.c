/*
 * fuzz_rtcp.c: webrtc/rtcp.c's parser against arbitrary compound packets,
 * and its writers against what the parser found.
 *
 * Beyond "no crash, no overread", it checks:
 *   - counts stay within their arrays, a truncated NACK list is full, and
 *     a successful parse walked at least one packet;
 *   - the same input parses to the same result twice (nothing depends on
 *     what the struct held before);
 *   - the NACKs found, written back with vg_rtcp_write_nack(), parse to the
 *     same set of sequence numbers; each key request written back as a PLI
 *     parses to that SSRC; a Sender Report with a CNAME cut from the input
 *     parses.
 */
#include "core/error.h"
#include "webrtc/rtcp.h"

#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

/* Whether each of `a` (n of them) is somewhere in `b` (m of them), for one media SSRC. */
static bool all_in(const vg_rtcp_nack *a, size_t n, const vg_rtcp_nack *b, size_t m)
{
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < m && !found; k++)
            found = a[i].seq == b[k].seq;
        if (!found)
            return false;
    }
    return true;
}

static void round_trip(const vg_rtcp_info *info, const uint8_t *data, size_t size)
{
    static vg_rtcp_info back;
    uint8_t out[2048];

    /* The NACKs of the first media SSRC. */
    if (info->nack_count) {
        uint32_t media = info->nacks[0].media_ssrc;
        uint16_t seqs[VG_RTCP_MAX_NACKS];
        vg_rtcp_nack mine[VG_RTCP_MAX_NACKS];
        size_t n = 0;
        for (size_t i = 0; i < info->nack_count; i++) {
            if (info->nacks[i].media_ssrc == media) {
                seqs[n] = info->nacks[i].seq;
                mine[n++] = info->nacks[i];
            }
        }
        size_t len = vg_rtcp_write_nack(out, sizeof(out), 1, media, seqs, n);
        check(len > 0);
        check(vg_rtcp_parse(out, len, &back) == 0);
        check(back.packets == 2 && !back.nacks_truncated);
        check(back.nack_count <= n); /* duplicates fold */
        for (size_t i = 0; i < back.nack_count; i++)
            check(back.nacks[i].media_ssrc == media);
        check(all_in(mine, n, back.nacks, back.nack_count));
        check(all_in(back.nacks, back.nack_count, mine, n));
    }

    for (size_t i = 0; i < info->key_request_count; i++) {
        size_t len = vg_rtcp_write_pli(out, sizeof(out), 1, info->key_request_ssrcs[i]);
        check(len == 20);
        check(vg_rtcp_parse(out, len, &back) == 0);
        check(back.key_request_count == 1);
        check(back.key_request_ssrcs[0] == info->key_request_ssrcs[i]);
    }

    char cname[256];
    size_t cname_len = strnlen((const char *)data, size < 255 ? size : 255);
    memcpy(cname, data, cname_len);
    cname[cname_len] = '\0';
    size_t len =
        vg_rtcp_write_sender_report(out, sizeof(out), 7, 0x0123456789abcdefull, 1, 2, 3, cname);
    check(len >= 28 + 12 && len % 4 == 0);
    check(vg_rtcp_parse(out, len, &back) == 0);
    check(back.packets == 2 && back.report_count == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_rtcp_info info, again;
    if (size > 65536)
        return 0;
    (void)vg_rtcp_is_rtcp(data, size);
    memset(&info, 0xA5, sizeof(info)); /* garbage before: parse must clear it */
    int err = vg_rtcp_parse(data, size, &info);
    check(err == 0 || err == VG_ESYNTAX);
    check(err < 0 || info.packets > 0);
    check(info.report_count <= VG_RTCP_MAX_REPORTS);
    check(info.nack_count <= VG_RTCP_MAX_NACKS);
    check(!info.nacks_truncated || info.nack_count == VG_RTCP_MAX_NACKS);
    check(info.key_request_count <= VG_RTCP_MAX_PLIS);
    memset(&again, 0x5A, sizeof(again));
    check(vg_rtcp_parse(data, size, &again) == err);
    check(memcmp(&info, &again, sizeof(info)) == 0);
    round_trip(&info, data, size);
    return 0;
}
