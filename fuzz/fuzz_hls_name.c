/*
 * fuzz_hls_name.c: hls/playlist.c's file-name parser against arbitrary bytes.
 *
 * The names come straight from request URLs. Beyond "no crash", it checks
 * that the scheme has one spelling per file: a name that parses is exactly
 * the name written back from what was parsed, so two URLs never reach the
 * same part, and nothing but the scheme's names is accepted.
 */
#include "hls/playlist.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    char name[257];
    memcpy(name, data, size);
    name[size] = '\0';
    vg_hls_name n = vg_hls_name_parse(name);
    char again[320];
    switch (n.kind) {
    case VG_HLS_NAME_UNKNOWN:
        return 0;
    case VG_HLS_NAME_MULTIVARIANT:
        snprintf(again, sizeof(again), "index.m3u8");
        break;
    case VG_HLS_NAME_MEDIA:
        snprintf(again, sizeof(again), "stream.m3u8");
        break;
    case VG_HLS_NAME_INIT_CURRENT:
        snprintf(again, sizeof(again), "init.mp4");
        break;
    case VG_HLS_NAME_INIT:
        snprintf(again, sizeof(again), "init_%s_%" PRIu64 ".mp4", n.muxer_id, n.number);
        break;
    case VG_HLS_NAME_SEGMENT:
        snprintf(again, sizeof(again), "seg_%s_%" PRIu64 ".mp4", n.muxer_id, n.number);
        break;
    case VG_HLS_NAME_PART:
        snprintf(again, sizeof(again), "part_%s_%" PRIu64 "_%" PRIu64 ".mp4", n.muxer_id, n.number,
                 n.part);
        break;
    default:
        abort();
    }
    if (strcmp(again, name) != 0)
        abort();
    return 0;
}
