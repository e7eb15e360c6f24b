/*
 * playlist.c: playlist text and file names (playlist.h).
 */
#define _GNU_SOURCE /* open_memstream */
#include "hls/playlist.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- names ---- */

/* Reads digits into *out, returns the rest; NULL when none or too many for 64 bits. */
static const char *parse_number(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = s;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (s - start >= 19)
            return NULL;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (s == start || (s - start > 1 && *start == '0'))
        return NULL; /* one spelling per number: no leading zeros */
    *out = v;
    return s;
}

/* Reads "<muxer>_" into name->muxer_id; the rest, or NULL. */
static const char *parse_muxer_id(const char *s, vg_hls_name *name)
{
    for (int i = 0; i < VG_HLS_MUXER_ID_LEN; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return NULL;
        name->muxer_id[i] = c;
    }
    name->muxer_id[VG_HLS_MUXER_ID_LEN] = '\0';
    return s[VG_HLS_MUXER_ID_LEN] == '_' ? s + VG_HLS_MUXER_ID_LEN + 1 : NULL;
}

vg_hls_name vg_hls_name_parse(const char *file)
{
    vg_hls_name name = {0};
    if (!strcmp(file, "index.m3u8")) {
        name.kind = VG_HLS_NAME_MULTIVARIANT;
        return name;
    }
    if (!strcmp(file, "stream.m3u8")) {
        name.kind = VG_HLS_NAME_MEDIA;
        return name;
    }
    if (!strcmp(file, "init.mp4")) {
        name.kind = VG_HLS_NAME_INIT_CURRENT;
        return name;
    }
    vg_hls_name_kind kind;
    const char *s;
    if (!strncmp(file, "init_", 5)) {
        kind = VG_HLS_NAME_INIT;
        s = file + 5;
    } else if (!strncmp(file, "seg_", 4)) {
        kind = VG_HLS_NAME_SEGMENT;
        s = file + 4;
    } else if (!strncmp(file, "part_", 5)) {
        kind = VG_HLS_NAME_PART;
        s = file + 5;
    } else {
        return name;
    }
    if (!(s = parse_muxer_id(s, &name)) || !(s = parse_number(s, &name.number)))
        return (vg_hls_name){0};
    if (kind == VG_HLS_NAME_PART) {
        if (*s != '_' || !(s = parse_number(s + 1, &name.part)))
            return (vg_hls_name){0};
    }
    if (strcmp(s, ".mp4") != 0)
        return (vg_hls_name){0};
    name.kind = kind;
    return name;
}

/* ---- media playlist ---- */

/*
 * A part's or a segment's duration in seconds, rounded down to 10 µs. Never
 * up: a player adds these up to place each part, and a sum past the end of
 * the media it buffered (MSE keeps microseconds) sends it back to the part
 * it already has. hls.js 1.7, starting inside the first segment, reloaded
 * that segment's parts for half a second before it took the next one.
 */
static void put_duration(FILE *f, int64_t ticks)
{
    int64_t units = ticks > 0 ? ticks * 100000 / VG_HLS_CLOCK : 0;
    fprintf(f, "%" PRId64 ".%05" PRId64, units / 100000, units % 100000);
}

static void put_date_time(FILE *f, int64_t wallclock_ns)
{
    time_t secs = (time_t)(wallclock_ns / 1000000000);
    int ms = (int)(wallclock_ns / 1000000 % 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* RFC 8216bis 4.4.4.6: an ISO/IEC 8601:2004 date and time with a time zone. */
    fprintf(f, "#EXT-X-PROGRAM-DATE-TIME:%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

char *vg_hls_media_playlist(const vg_hls_muxer_state *st, const char *muxer_id, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    double part_target = (double)st->part_target / (double)VG_HLS_CLOCK;
    fprintf(f, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:%d\n", st->target_duration_s);
    /* RFC 8216bis 4.4.3.8: PART-HOLD-BACK at least twice, and SHOULD be three times, the part
     * target. */
    fprintf(f, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=%.5f\n", 3 * part_target);
    fprintf(f, "#EXT-X-PART-INF:PART-TARGET=%.5f\n", part_target);
    uint64_t first_msn = st->count ? st->segments[0]->msn : st->next_msn;
    fprintf(f, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", first_msn);
    if (st->discontinuity_sequence)
        fprintf(f, "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu64 "\n", st->discontinuity_sequence);

    /*
     * RFC 8216bis 4.4.4.9: parts older than three target durations from the
     * end of the playlist go; a player that far behind loads whole segments.
     */
    int64_t parts_window = 3 * (int64_t)st->target_duration_s * VG_HLS_CLOCK, from_end = 0;
    size_t first_with_parts = st->count;
    while (first_with_parts > 0 && from_end < parts_window)
        from_end += st->segments[--first_with_parts]->duration;

    const vg_hls_init *map = NULL;
    for (size_t i = 0; i < st->count; i++) {
        const vg_hls_segment *seg = st->segments[i];
        if (!seg->complete && !seg->part_count)
            continue; /* just begun: its tags come with its first part, never a tag alone */
        if (seg->discontinuity)
            fputs("#EXT-X-DISCONTINUITY\n", f);
        if (seg->init != map) {
            map = seg->init;
            fprintf(f, "#EXT-X-MAP:URI=\"init_%s_%u.mp4\"\n", muxer_id, map->id);
        }
        put_date_time(f, seg->wallclock_ns);
        if (i >= first_with_parts) {
            for (size_t p = 0; p < seg->part_count; p++) {
                fputs("#EXT-X-PART:DURATION=", f);
                put_duration(f, seg->parts[p]->duration);
                fprintf(f, ",URI=\"part_%s_%" PRIu64 "_%zu.mp4\"%s\n", muxer_id, seg->msn, p,
                        seg->parts[p]->independent ? ",INDEPENDENT=YES" : "");
            }
        }
        if (seg->complete) {
            fputs("#EXTINF:", f);
            put_duration(f, seg->duration);
            fprintf(f, ",\nseg_%s_%" PRIu64 ".mp4\n", muxer_id, seg->msn);
        }
    }
    /* RFC 8216bis 4.4.5.3: the part the server makes next, requested before it exists. */
    fprintf(f, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_%s_%" PRIu64 "_%zu.mp4\"\n", muxer_id,
            st->next_msn, st->next_part);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}

char *vg_hls_multivariant_playlist(const vg_hls_init *init, uint64_t bandwidth,
                                   const char *media_uri, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    /* RFC 8216bis 4.4.6.2: BANDWIDTH is required; CODECS and RESOLUTION SHOULD be there. */
    fprintf(f, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    fprintf(f, "#EXT-X-STREAM-INF:BANDWIDTH=%" PRIu64 ",CODECS=\"%s\"", bandwidth ? bandwidth : 1,
            init->codecs);
    if (init->width > 0 && init->height > 0)
        fprintf(f, ",RESOLUTION=%dx%d", init->width, init->height);
    if (init->fps > 0)
        fprintf(f, ",FRAME-RATE=%.3f", init->fps);
    fprintf(f, "\n%s\n", media_uri);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
