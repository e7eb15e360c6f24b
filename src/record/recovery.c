/* recovery.c: see recovery.h. */
#include "record/recovery.h"

#include "core/error.h"
#include "core/log.h"
#include "format/mp4_read.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAYS_LOOKED_AT 2
#define FILTER_BATCH   256
#define MAX_FILE_BYTES (2ull * 1024 * 1024 * 1024) /* larger is not one of our segments */

typedef struct found_file {
    char rel[128];
    /* after the scan */
    bool keep;
    int64_t camera_id, start_ms, duration_ms, bytes;
} found_file;

struct vg_recovery {
    uv_loop_t *loop;
    vg_store *store;
    char *dir;
    void (*done)(void *ctx);
    void *ctx;
    uv_work_t work;
    int step;              /* 1: listing, 2: scanning, 3: finished */
    atomic_bool cancelled; /* set on the loop, read by the worker */
    found_file *files;
    size_t count, cap;
    size_t repaired, deleted;
    size_t checked, kept; /* step 1's progress through the index lookups */
};

static void next_step(vg_recovery *r);

static void nothing(uv_work_t *w)
{
    (void)w;
}

int vg_recovery_parse_name(const char *rel, int64_t *camera_id, int64_t *start_ms)
{
    long long cam;
    int y, mo, d, h, mi, s, ms, n = 0;
    if (sscanf(rel, "%lld/%4d-%2d-%2d/%2d-%2d-%2d.%3d%n", &cam, &y, &mo, &d, &h, &mi, &s, &ms,
               &n) != 8 ||
        n == 0 || cam <= 0)
        return VG_EINVAL;
    /* Exactly what the recorder writes: <time>.mp4, or <time>_<digit>.mp4 for a repeat. */
    const char *tail = rel + n;
    bool repeat = tail[0] == '_' && tail[1] >= '1' && tail[1] <= '9' && !strcmp(tail + 2, ".mp4");
    if (strcmp(tail, ".mp4") != 0 && !repeat)
        return VG_EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return VG_EINVAL;
    *camera_id = cam;
    *start_ms = (int64_t)t * 1000 + ms;
    return 0;
}

/* ---- step 1 (worker): list the files ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of `path` that `keep` accepts, sorted; the caller frees each and the array. */
static char **list_dir(const char *path, bool (*keep)(const char *name), size_t *count)
{
    *count = 0;
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!keep(e->d_name))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = reallocarray(names, cap, sizeof(*grown));
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[*count] = strdup(e->d_name)))
            break;
        (*count)++;
    }
    closedir(d);
    if (*count)
        qsort(names, *count, sizeof(*names), by_name);
    return names;
}

static bool is_camera_dir(const char *name)
{
    return name[0] >= '1' && name[0] <= '9' && strspn(name, "0123456789") == strlen(name);
}

static bool is_day_dir(const char *name)
{
    int y, m, d, n = 0;
    return sscanf(name, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && name[n] == '\0';
}

static bool is_mp4(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".mp4") == 0 && name[0] != '.';
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void add_file(vg_recovery *r, const char *cam, const char *day, const char *name)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        found_file *grown = reallocarray(r->files, cap, sizeof(*grown));
        if (!grown)
            return;
        r->files = grown;
        r->cap = cap;
    }
    found_file *f = &r->files[r->count];
    memset(f, 0, sizeof(*f));
    if (snprintf(f->rel, sizeof(f->rel), "%s/%s/%s", cam, day, name) < (int)sizeof(f->rel))
        r->count++;
}

static void list_work(vg_recovery *r)
{
    size_t ncam;
    char **cams = list_dir(r->dir, is_camera_dir, &ncam);
    for (size_t i = 0; i < ncam; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", r->dir, cams[i]);
        size_t nday;
        char **days = list_dir(path, is_day_dir, &nday);
        for (size_t j = nday > DAYS_LOOKED_AT ? nday - DAYS_LOOKED_AT : 0; j < nday; j++) {
            char day_path[PATH_MAX + 64];
            if (snprintf(day_path, sizeof(day_path), "%s/%s", path, days[j]) >=
                (int)sizeof(day_path))
                continue;
            size_t nfile;
            char **files = list_dir(day_path, is_mp4, &nfile);
            for (size_t k = 0; k < nfile; k++)
                add_file(r, cams[i], days[j], files[k]);
            free_names(files, nfile);
        }
        free_names(days, nday);
    }
    free_names(cams, ncam);
}

/* ---- step 2 (worker): scan, repair or delete the unindexed files ---- */

static void scan_one(vg_recovery *r, found_file *f)
{
    char abs[PATH_MAX];
    snprintf(abs, sizeof(abs), "%s/%s", r->dir, f->rel);
    if (vg_recovery_parse_name(f->rel, &f->camera_id, &f->start_ms) < 0)
        return; /* not one of ours: left alone */
    int fd = open(abs, O_RDWR | O_CLOEXEC);
    struct stat st;
    /* A recorder holds a lock on the file it writes: that one is not ours to repair. */
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return;
    }
    if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size > MAX_FILE_BYTES) {
        if (fd >= 0)
            close(fd);
        return;
    }
    uint8_t *data = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t got = 0;
    while (data && got < (size_t)st.st_size) {
        ssize_t n = pread(fd, data + got, (size_t)st.st_size - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    vg_mp4_file file = {0};
    int rc = data && got == (size_t)st.st_size ? vg_mp4_scan(data, got, &file) : VG_EIO;
    free(data);
    if (rc == VG_EIO || rc == VG_ENOMEM) {
        close(fd);
        vg_mp4_file_clear(&file);
        return; /* cannot tell now: left for the next start */
    }
    if (rc < 0) {
        /* Not a file we can read: left alone, for a person to look at. */
        close(fd);
        vg_mp4_file_clear(&file);
        return;
    }
    if (file.fragment_count == 0 || file.video_track < 0) {
        /* Nothing playable in it (a crash right after it was created). */
        close(fd);
        if (unlink(abs) == 0)
            r->deleted++;
        vg_mp4_file_clear(&file);
        return;
    }
    if (file.complete_size < got && file.stop != VG_MP4_STOP_LIMIT) {
        /* A torn last fragment: cut it off, keep everything before it. */
        if (ftruncate(fd, (off_t)file.complete_size) == 0 && fsync(fd) == 0)
            r->repaired++;
    }
    close(fd);
    const vg_mp4_track_info *v = &file.tracks[file.video_track];
    f->duration_ms = (int64_t)((v->end_dts - v->start_dts) * 1000 / v->timescale);
    f->bytes = (int64_t)(file.stop == VG_MP4_STOP_LIMIT ? got : file.complete_size);
    f->keep = true;
    vg_mp4_file_clear(&file);
}

static void work(uv_work_t *w)
{
    vg_recovery *r = w->data;
    if (r->step == 1) {
        list_work(r);
        return;
    }
    for (size_t i = 0; i < r->count && !r->cancelled; i++)
        scan_one(r, &r->files[i]);
}

/* ---- the loop's steps ---- */

static void finish(vg_recovery *r)
{
    r->step = 3;
    free(r->files);
    r->files = NULL;
    r->count = r->cap = 0;
    if (r->done)
        r->done(r->ctx);
}

static void after(uv_work_t *w, int status)
{
    vg_recovery *r = w->data;
    if (r->cancelled || status < 0) {
        finish(r);
        return;
    }
    if (r->step == 1) {
        /*
         * Keep the files the index does not have, FILTER_BATCH lookups per
         * loop turn: two days of many cameras are a lot of files, and the
         * loop serves requests meanwhile.
         */
        size_t stop = r->checked + FILTER_BATCH < r->count ? r->checked + FILTER_BATCH : r->count;
        for (; r->checked < stop; r->checked++) {
            bool has = true;
            if (vg_store_recording_has_path(r->store, r->files[r->checked].rel, &has) == 0 && !has)
                r->files[r->kept++] = r->files[r->checked];
        }
        if (r->checked < r->count) {
            /* An empty job: its callback is the next loop turn, and there is no handle to close. */
            r->work.data = r;
            if (uv_queue_work(r->loop, &r->work, nothing, after) == 0)
                return;
        }
        r->count = r->kept;
        if (r->kept == 0) {
            finish(r);
            return;
        }
        r->step = 2;
        next_step(r);
        return;
    }
    size_t indexed = 0;
    for (size_t i = 0; i < r->count; i++) {
        found_file *f = &r->files[i];
        if (!f->keep)
            continue;
        vg_recording row = {.camera_id = f->camera_id,
                            .start_ms = f->start_ms,
                            .end_ms = f->start_ms + f->duration_ms,
                            .duration_ms = f->duration_ms,
                            .bytes = f->bytes,
                            .path = f->rel};
        if (vg_store_recording_insert(r->store, &row) == 0)
            indexed++;
    }
    VG_LOG_INFO("record",
                "recovery: %zu unindexed files, %zu indexed (%zu cut after their last "
                "whole fragment), %zu deleted as empty",
                r->count, indexed, r->repaired, r->deleted);
    finish(r);
}

static void next_step(vg_recovery *r)
{
    r->work.data = r;
    if (uv_queue_work(r->loop, &r->work, work, after) < 0)
        finish(r);
}

vg_recovery *vg_recovery_start(uv_loop_t *loop, vg_store *store, const char *dir,
                               void (*done)(void *ctx), void *ctx)
{
    vg_recovery *r = calloc(1, sizeof(*r));
    if (!r || !(r->dir = strdup(dir))) {
        free(r);
        VG_LOG_ERROR("record", "recovery skipped: out of memory");
        return NULL;
    }
    r->loop = loop;
    r->store = store;
    r->done = done;
    r->ctx = ctx;
    r->step = 1;
    next_step(r);
    return r;
}

void vg_recovery_cancel(vg_recovery *r)
{
    if (r)
        r->cancelled = true;
}

bool vg_recovery_finished(const vg_recovery *r)
{
    return !r || r->step == 3;
}

void vg_recovery_destroy(vg_recovery *r)
{
    if (!r)
        return;
    free(r->files);
    free(r->dir);
    free(r);
}
