/*
 * playback.c: recordings back to players (docs/recordings.md "Playback"):
 *
 *   GET /api/cameras/{id}/playback.m3u8?start=&end=   an HLS VOD playlist over the files
 *   GET /api/cameras/{id}/export.mp4?start=&end=      one progressive MP4, moov first
 *   GET /recordings/{camera}/{day}/{file}              a recording file, with byte ranges
 *
 * The playlist lists each recorded file overlapping the range as one media
 * segment: its init segment (ftyp + moov) as EXT-X-MAP by byte range, its
 * fragments as the segment's byte range (RFC 8216bis 4.4.4.2, 4.4.4.5).
 * Each file's times start at 0, so a discontinuity separates files
 * (4.4.4.3), and EXT-X-PROGRAM-DATE-TIME gives each its wall clock. The
 * init sizes are read from the files' first box headers on a worker.
 */
#include "api/api_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "format/mp4_export.h"
#include "http/file_send.h"
#include "record/storage.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_RANGE_MS (3600 * 1000LL)
#define MAX_FILES        10000 /* a playlist of more is refused: ask for a shorter range */
#define MAX_EXPORT_MS    (6 * 3600 * 1000LL) /* the sample tables of an export grow with it */

typedef struct playlist_job {
    vg_api *api;
    vg_http_request *req; /* NULL once cancelled */
    char dir[PATH_MAX];
    vg_recording *segs;
    size_t n;
    uint64_t *init_size; /* per segment; 0 when unreadable (left out) */
    uv_work_t work;
} playlist_job;

/* Players on another origin (a web console elsewhere) read recordings as they read live HLS. */
static void add_cors(vg_api *api, vg_http_request *req)
{
    vg_http_add_cors(req, api->media_allow_origins ? api->media_allow_origins : "*");
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ftyp + moov: the init segment's size from the first two box headers (ISO/IEC 14496-12 4.2). */
static uint64_t read_init_size(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint8_t h[8];
    uint64_t init = 0;
    if (pread(fd, h, 8, 0) == 8 && be32(h + 4) == 0x66747970 /* ftyp */) {
        uint32_t ftyp = be32(h);
        if (ftyp >= 8 && pread(fd, h, 8, ftyp) == 8 && be32(h + 4) == 0x6d6f6f76 /* moov */ &&
            be32(h) >= 8)
            init = (uint64_t)ftyp + be32(h);
    }
    close(fd);
    return init;
}

static void playlist_work(uv_work_t *w)
{
    playlist_job *job = w->data;
    for (size_t i = 0; i < job->n; i++) {
        char path[PATH_MAX + 256];
        snprintf(path, sizeof(path), "%s/%s", job->dir, job->segs[i].path);
        job->init_size[i] = read_init_size(path);
    }
}

static void job_free(playlist_job *job)
{
    vg_recording_array_free(job->segs, job->n);
    free(job->init_size);
    free(job);
}

static void playlist_after(uv_work_t *w, int status)
{
    playlist_job *job = w->data;
    vg_http_request *req = job->req;
    if (!req) {
        job_free(job);
        return;
    }
    int64_t target = 1;
    for (size_t i = 0; i < job->n; i++) {
        int64_t s = (job->segs[i].duration_ms + 999) / 1000;
        if (job->init_size[i] && s > target)
            target = s;
    }
    size_t cap = 256 + job->n * 1024, len = 0;
    char *text = malloc(cap);
    if (!text) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot build the playlist");
        job_free(job);
        return;
    }
    len += (size_t)snprintf(text + len, cap - len,
                            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%" PRId64
                            "\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n",
                            target);
    size_t listed = 0;
    for (size_t i = 0; i < job->n; i++) {
        const vg_recording *seg = &job->segs[i];
        uint64_t init = job->init_size[i];
        if (!init || (uint64_t)seg->bytes <= init)
            continue; /* unreadable, or no fragment: nothing to play */
        if (cap - len < 1100)
            break; /* never: an entry is under 1024 bytes (two URLs under 400, the tags) */
        char when[VG_TIME_SIZE], url[400];
        vg_format_time(seg->start_ms, when);
        /* The storage says where the file is fetched (local: /recordings/<path> here). */
        if (vg_storage_get_url(vg_record_storage(job->api->record), seg->path, 24 * 3600 * 1000,
                               url, sizeof(url)) < 0)
            continue;
        len += (size_t)snprintf(
            text + len, cap - len,
            "%s#EXT-X-PROGRAM-DATE-TIME:%s\n#EXT-X-MAP:URI=\"%s\",BYTERANGE=\"%" PRIu64
            "@0\"\n#EXTINF:%.3f,\n#EXT-X-BYTERANGE:%" PRIu64 "@%" PRIu64 "\n%s\n",
            listed ? "#EXT-X-DISCONTINUITY\n" : "", when, url, init,
            (double)seg->duration_ms / 1000.0, (uint64_t)seg->bytes - init, init, url);
        listed++;
    }
    len += (size_t)snprintf(text + len, cap - len, "#EXT-X-ENDLIST\n");
    vg_http_respond_owned(req, 200, "application/vnd.apple.mpegurl", text, len);
    job_free(job);
}

static void playlist_cancel(void *ctx)
{
    playlist_job *job = ctx;
    job->req = NULL; /* the worker's result is dropped in playlist_after */
}

static void get_playback(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    if (!vg_api_id_param(req, "camera", &id))
        return;
    vg_camera cam = {0};
    int rc = vg_store_camera_get(api->services->store, id, &cam);
    vg_camera_clear(&cam);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist", id);
        return;
    }
    if (rc < 0 || !api->record) {
        vg_http_respond_error(req, 503, "not_available", "recordings cannot be read now");
        return;
    }
    int64_t now = vg_now_ms(), start, end;
    const char *s = vg_http_request_query(req, "start"), *e = vg_http_request_query(req, "end");
    end = now;
    if (e && vg_parse_time(e, &end) < 0) {
        vg_api_respond_field_error(req, "end", "end must be an RFC 3339 time");
        return;
    }
    start = end - DEFAULT_RANGE_MS;
    if (s && vg_parse_time(s, &start) < 0) {
        vg_api_respond_field_error(req, "start", "start must be an RFC 3339 time");
        return;
    }
    if (start >= end) {
        vg_http_respond_error(req, 400, "invalid_request", "start must be before end");
        return;
    }
    add_cors(api, req);
    playlist_job *job = calloc(1, sizeof(*job));
    if (!job) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot build the playlist");
        return;
    }
    job->api = api;
    snprintf(job->dir, sizeof(job->dir), "%s", vg_record_dir(api->record));
    rc = vg_store_recording_list_limited(api->services->store, id, start, end, MAX_FILES + 1,
                                         &job->segs, &job->n);
    if (rc < 0) {
        vg_api_respond_store_error(req, rc, "reading the recordings");
        job_free(job);
        return;
    }
    if (job->n == 0) {
        vg_http_respond_error(req, 404, "no_recordings", "nothing was recorded in that range");
        job_free(job);
        return;
    }
    if (job->n > MAX_FILES) {
        vg_http_respond_error(req, 400, "range_too_long",
                              "%zu files in that range; ask for at most %d", job->n, MAX_FILES);
        job_free(job);
        return;
    }
    if (!(job->init_size = calloc(job->n, sizeof(*job->init_size)))) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot build the playlist");
        job_free(job);
        return;
    }
    job->req = req;
    job->work.data = job;
    if (vg_http_request_suspend(req, playlist_cancel, job) < 0) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        job_free(job);
        return;
    }
    if (uv_queue_work(api->loop, &job->work, playlist_work, playlist_after) < 0) {
        vg_http_respond_error(req, 503, "unavailable", "cannot build the playlist now");
        job->req = NULL;
        job_free(job);
    }
}

/* ---- export.mp4 ---- */

typedef struct export_job {
    vg_api *api;
    vg_http_request *req; /* NULL once cancelled */
    int64_t camera_id, start, end;
    char dir[PATH_MAX];
    vg_recording *segs;
    size_t n;
    vg_mp4_export *ex;
    uint8_t *header;
    size_t header_len;
    int code;
    bool truncated; /* the camera's parameters changed: the export stops there */
    uv_work_t work;
} export_job;

static void export_free(export_job *job)
{
    vg_recording_array_free(job->segs, job->n);
    vg_mp4_export_destroy(job->ex);
    free(job->header);
    free(job);
}

/* Adds one file's part of the range to the export; mmap'd, so only what is read is loaded. */
static int export_file(export_job *job, size_t i)
{
    const vg_recording *seg = &job->segs[i];
    char path[PATH_MAX + 256];
    snprintf(path, sizeof(path), "%s/%s", job->dir, seg->path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
        if (fd >= 0)
            close(fd);
        return VG_ENOENT;
    }
    void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED)
        return VG_EIO;
    int64_t from = job->start > seg->start_ms ? job->start - seg->start_ms : 0;
    int64_t to = job->end - seg->start_ms;
    if (to > seg->duration_ms)
        to = seg->duration_ms;
    int rc = vg_mp4_export_add_file(job->ex, (int)i, data, (size_t)st.st_size, from, to);
    munmap(data, (size_t)st.st_size);
    return rc;
}

static void export_work(uv_work_t *w)
{
    export_job *job = w->data;
    if (!(job->ex = vg_mp4_export_create())) {
        job->code = VG_ENOMEM;
        return;
    }
    for (size_t i = 0; i < job->n; i++) {
        int rc = export_file(job, i);
        if (rc == VG_ESTATE) {
            job->truncated = true; /* new codec parameters: one MP4 cannot hold both */
            break;
        }
        if (rc == VG_ENOMEM) {
            job->code = rc;
            return;
        }
        /* An unreadable file (deleted by retention meanwhile, damaged) is left out. */
    }
    job->code = vg_mp4_export_header(job->ex, &job->header, &job->header_len);
}

static void export_after(uv_work_t *w, int status)
{
    export_job *job = w->data;
    vg_http_request *req = job->req;
    if (!req) {
        export_free(job);
        return;
    }
    if (job->code == VG_ENOENT) {
        vg_http_respond_error(req, 404, "no_recordings", "nothing was recorded in that range");
        export_free(job);
        return;
    }
    if (job->code < 0) {
        vg_http_respond_error(req, 503, "unavailable", "cannot export now: %s",
                              vg_strerror(job->code));
        export_free(job);
        return;
    }
    size_t nruns;
    const vg_mp4_export_run *runs = vg_mp4_export_runs(job->ex, &nruns);
    vg_http_piece *pieces = calloc(nruns + 1, sizeof(*pieces));
    /* One path per file, shared by its runs: a long export has many runs, few files. */
    char(*paths)[PATH_MAX + 256] = calloc(job->n ? job->n : 1, sizeof(*paths));
    if (!pieces || !paths) {
        free(pieces);
        free(paths);
        vg_http_respond_error(req, 503, "out_of_memory", "cannot export now");
        export_free(job);
        return;
    }
    pieces[0] = (vg_http_piece){.data = job->header, .length = job->header_len};
    for (size_t i = 0; i < nruns; i++) {
        char *path = paths[runs[i].file_index];
        if (!path[0])
            snprintf(path, sizeof(paths[0]), "%s/%s", job->dir, job->segs[runs[i].file_index].path);
        pieces[i + 1] =
            (vg_http_piece){.path = path, .offset = runs[i].offset, .length = runs[i].length};
    }
    char name[96], when[VG_TIME_SIZE];
    vg_format_time(job->start, when);
    /* "camera3_2026-11-21T10-00-00Z.mp4": the range's start, with no ':' for file systems. */
    snprintf(name, sizeof(name), "camera%" PRId64 "_%.19sZ.mp4", job->camera_id, when);
    for (char *c = name; *c; c++)
        if (*c == ':')
            *c = '-';
    if (job->truncated)
        vg_http_request_add_response_header(req, "X-Export-Truncated",
                                            "the camera's codec parameters changed");
    uint8_t *header = job->header;
    job->header = NULL; /* owned by the answer now */
    vg_http_respond_pieces(req, job->api->loop, pieces, nruns + 1, header, "video/mp4", name);
    free(pieces);
    free(paths);
    export_free(job);
}

static void export_cancel(void *ctx)
{
    export_job *job = ctx;
    job->req = NULL;
}

static void get_export(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    int64_t id;
    if (!vg_api_id_param(req, "camera", &id))
        return;
    vg_camera cam = {0};
    int rc = vg_store_camera_get(api->services->store, id, &cam);
    vg_camera_clear(&cam);
    if (rc == VG_ENOENT) {
        vg_http_respond_error(req, 404, "not_found", "camera %" PRId64 " does not exist", id);
        return;
    }
    if (rc < 0 || !api->record) {
        vg_http_respond_error(req, 503, "not_available", "recordings cannot be read now");
        return;
    }
    const char *s = vg_http_request_query(req, "start"), *e = vg_http_request_query(req, "end");
    int64_t start = 0, end = 0;
    bool start_ok = s && vg_parse_time(s, &start) == 0;
    if (!start_ok || !e || vg_parse_time(e, &end) < 0) {
        /* One message for both; `field` names the first at fault. */
        vg_api_respond_field_error(req, start_ok ? "end" : "start",
                                   "start and end are required RFC 3339 times");
        return;
    }
    if (start >= end) {
        vg_http_respond_error(req, 400, "invalid_request", "start must be before end");
        return;
    }
    if (end - start > MAX_EXPORT_MS) {
        vg_http_respond_error(req, 400, "range_too_long",
                              "an export covers at most 6 hours; ask for several");
        return;
    }
    export_job *job = calloc(1, sizeof(*job));
    if (!job) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot export now");
        return;
    }
    job->api = api;
    job->camera_id = id;
    job->start = start;
    job->end = end;
    snprintf(job->dir, sizeof(job->dir), "%s", vg_record_dir(api->record));
    rc = vg_store_recording_list_limited(api->services->store, id, start, end, MAX_FILES + 1,
                                         &job->segs, &job->n);
    if (rc < 0 || job->n == 0 || job->n > MAX_FILES) {
        if (rc < 0)
            vg_api_respond_store_error(req, rc, "reading the recordings");
        else if (job->n == 0)
            vg_http_respond_error(req, 404, "no_recordings", "nothing was recorded in that range");
        else
            vg_http_respond_error(req, 400, "range_too_long", "ask for at most %d files",
                                  MAX_FILES);
        export_free(job);
        return;
    }
    add_cors(api, req);
    job->req = req;
    job->work.data = job;
    if (vg_http_request_suspend(req, export_cancel, job) < 0) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        export_free(job);
        return;
    }
    if (uv_queue_work(api->loop, &job->work, export_work, export_after) < 0) {
        vg_http_respond_error(req, 503, "unavailable", "cannot export now");
        job->req = NULL;
        export_free(job);
    }
}

/* {camera}/{day}/{file} exactly as the recorder names them: nothing else is reachable. */
static bool valid_recording_path(const char *cam, const char *day, const char *file)
{
    int y, m, d, n = 0;
    size_t flen = strlen(file);
    if (!cam[0] || strspn(cam, "0123456789") != strlen(cam))
        return false;
    if (sscanf(day, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || day[n] || strlen(day) != 10)
        return false;
    if (flen < 5 || strcmp(file + flen - 4, ".mp4") || file[0] == '.' ||
        strspn(file, "0123456789-_.") + 3 != flen)
        return false;
    return true;
}

static void get_recording_file(vg_http_request *req, void *ctx)
{
    vg_api *api = ctx;
    const char *cam = vg_http_request_param(req, "camera");
    const char *day = vg_http_request_param(req, "day");
    const char *file = vg_http_request_param(req, "file");
    if (!api->record || !valid_recording_path(cam, day, file)) {
        vg_http_respond_error(req, 404, "not_found", "no such recording");
        return;
    }
    char path[PATH_MAX + 256];
    snprintf(path, sizeof(path), "%s/%s/%s/%s", vg_record_dir(api->record), cam, day, file);
    add_cors(api, req);
    vg_http_respond_file(req, api->loop, path, "video/mp4", NULL);
}

int vg_api_register_playback(vg_router *router, vg_api *api)
{
    int rc;
    if ((rc = vg_router_add(router, "GET", "/api/cameras/{id}/playback.m3u8", get_playback, api)) <
            0 ||
        (rc = vg_router_add(router, "GET", "/api/cameras/{id}/export.mp4", get_export, api)) < 0 ||
        (rc = vg_router_add(router, "GET", "/recordings/{camera}/{day}/{file}", get_recording_file,
                            api)) < 0)
        return rc;
    return 0;
}
