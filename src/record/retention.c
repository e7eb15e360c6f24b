/* retention.c: see retention.h. */
#include "record/retention.h"

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "record/storage.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/*
 * Rows per step: the batch grows or shrinks so that one step (pick, delete,
 * commit) holds the loop for about STEP_TARGET_NS, measured on every step.
 */
#define BATCH_MIN      256
#define BATCH_MAX      8192
#define STEP_TARGET_NS (2 * 1000 * 1000)
/*
 * Files whose rows are gone, queued behind the worker's job before the steps
 * wait for it. It bounds what a crash in the middle of a run can leave on
 * disk without a row (recovery only looks at the newest day folders): a
 * bigger queue would not make a run faster, since the disk sets the pace of
 * the unlinks.
 */
#define PENDING_MAX 16384
#define MAX_PLANS   16
#define MAX_CAMERAS 100000

typedef enum { PH_AGE, PH_ORPHAN, PH_SIZE, PH_SPACE_CHECK, PH_SPACE, PH_DONE } phase;
typedef enum { DELETED_AGE, DELETED_SIZE, DELETED_SPACE } reason;

struct vg_retention {
    uv_loop_t *loop;
    vg_store *store;
    vg_retention_options opt;
    char *dir, *plans_text;
    char plan_names[MAX_PLANS][16];
    int64_t plan_ms[MAX_PLANS];
    size_t plan_count;

    uv_timer_t timer; /* the next run; a short pause between cameras */
    uv_idle_t idle;   /* the next step, on the loop's next turn */
    bool running, stopping;
    void (*done)(void *ctx);
    void *done_ctx;

    phase phase;
    int64_t now_ms;
    vg_camera *cams;
    size_t cam_count, cam_i;
    size_t batch_rows;
    uv_work_t work; /* one at a time: a job of unlinks, or a statvfs */
    bool work_running;
    bool waiting; /* the step waits for the worker: its callback steps again */
    char **job;   /* the files the worker removes now (their rows are gone) */
    int *job_errs;
    size_t job_n;
    char **pending; /* files whose rows are gone, for the next job */
    size_t pending_n, pending_cap;
    int64_t free_bytes;
    bool statvfs_failed;

    uint64_t run_deleted, run_bytes;
    vg_retention_stats stats;
};

static void step(vg_retention *ret);
static int64_t now_ms(const vg_retention *ret);
static void on_timer(uv_timer_t *t);

/* ---- plans ---- */

int vg_retention_parse_plans(const char *plans, char (*names)[16], int64_t *ms, size_t cap,
                             char *err, size_t err_cap)
{
    size_t count = 0;
    for (const char *p = plans; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[64];
        if (len >= sizeof(item)) {
            snprintf(err, err_cap, "recordPlans: an entry is too long");
            return VG_EINVAL;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char *s = item;
        while (*s == ' ')
            s++;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, err_cap, "recordPlans: '%s' is not name=duration (basic=7d)", s);
            return VG_EINVAL;
        }
        *eq = '\0';
        char *name = s, *value = eq + 1;
        size_t nlen = strlen(name);
        while (nlen && name[nlen - 1] == ' ')
            name[--nlen] = '\0';
        while (*value == ' ')
            value++;
        int64_t d;
        if (nlen == 0 || nlen > 15 ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != nlen) {
            snprintf(err, err_cap, "recordPlans: plan name '%s' must be 1-15 of a-z 0-9 - _", name);
            return VG_EINVAL;
        }
        if (vg_config_parse_duration(value, &d) != 0 || d <= 0) {
            snprintf(err, err_cap, "recordPlans: plan %s: invalid duration '%s' (write 7d)", name,
                     value);
            return VG_EINVAL;
        }
        if (count == cap) {
            snprintf(err, err_cap, "recordPlans: more than %zu plans", cap);
            return VG_EINVAL;
        }
        if (names)
            memcpy(names[count], name, nlen + 1); /* nlen <= 15, checked above */
        if (ms)
            ms[count] = d;
        count++;
        p = end ? end + 1 : p + len;
    }
    return (int)count;
}

int64_t vg_retention_of(const vg_retention *ret, int retention_days, const char *plan)
{
    if (retention_days > 0)
        return (int64_t)retention_days * 24 * 3600 * 1000;
    for (size_t i = 0; plan && plan[0] && i < ret->plan_count; i++) {
        if (strcmp(ret->plan_names[i], plan) == 0)
            return ret->plan_ms[i];
    }
    return ret->opt.delete_after_ms;
}

int64_t vg_retention_now_ms(const vg_retention *ret)
{
    return now_ms(ret);
}

static int64_t now_ms(const vg_retention *ret)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ret->opt.clock_offset_ms;
}

/* ---- the worker's part ---- */

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void unlink_work(uv_work_t *w)
{
    vg_retention *ret = w->data;
    /* A day folder's files next to each other (the rows come back in no set order). */
    qsort(ret->job, ret->job_n, sizeof(*ret->job), compare_paths);
    vg_storage_remove_many(ret->opt.storage, ret->job, ret->job_n, ret->job_errs);
}

static void statvfs_work(uv_work_t *w)
{
    vg_retention *ret = w->data;
    struct statvfs st;
    ret->statvfs_failed = statvfs(ret->dir, &st) < 0;
    if (!ret->statvfs_failed)
        ret->free_bytes = (int64_t)st.f_bavail * (int64_t)st.f_frsize;
}

static void free_paths(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* ---- steps ---- */

static void finish_run(vg_retention *ret)
{
    ret->running = false;
    vg_camera_array_free(ret->cams, ret->cam_count);
    ret->cams = NULL;
    ret->cam_count = 0;
    ret->stats.runs++;
    if (ret->run_deleted)
        VG_LOG_INFO("record", "retention: deleted %llu segments (%.1f MiB)",
                    (unsigned long long)ret->run_deleted, (double)ret->run_bytes / 1048576.0);
    if (ret->stopping) {
        if (ret->done)
            ret->done(ret->done_ctx);
        ret->done = NULL;
        return;
    }
    uv_timer_start(&ret->timer, on_timer, (uint64_t)ret->opt.interval_ms, 0);
}

static void after_unlink(uv_work_t *w, int status);

/*
 * Hands the pending files to the worker when it is free. Their rows are
 * gone already: a crash from here on leaves files without rows (which
 * nothing plays), never a row without its file.
 */
static void kick_worker(vg_retention *ret)
{
    if (ret->work_running || ret->pending_n == 0)
        return;
    int *errs = calloc(ret->pending_n, sizeof(*errs));
    if (errs) {
        ret->job = ret->pending;
        ret->job_n = ret->pending_n;
        ret->job_errs = errs;
        ret->pending = NULL;
        ret->pending_n = ret->pending_cap = 0;
        ret->work.data = ret;
        ret->work_running = true;
        if (uv_queue_work(ret->loop, &ret->work, unlink_work, after_unlink) == 0)
            return;
        ret->work_running = false;
        ret->pending = ret->job;
        ret->pending_n = ret->pending_cap = ret->job_n;
        ret->job = NULL;
        ret->job_n = 0;
        free(errs);
        ret->job_errs = NULL;
    }
    /* Nothing removes them now: the next run will not see them either (their rows are gone). */
    VG_LOG_WARN("record", "retention: cannot queue the removal of %zu files, left on disk",
                ret->pending_n);
    free_paths(ret->pending, ret->pending_n);
    ret->pending = NULL;
    ret->pending_n = ret->pending_cap = 0;
    ret->phase = PH_DONE;
}

static void after_unlink(uv_work_t *w, int status)
{
    vg_retention *ret = w->data;
    ret->work_running = false;
    for (size_t i = 0; i < ret->job_n; i++) {
        if (ret->job_errs[i] < 0)
            VG_LOG_WARN("record", "retention: cannot delete %s: %s", ret->job[i],
                        strerror(-ret->job_errs[i]));
    }
    free_paths(ret->job, ret->job_n);
    free(ret->job_errs);
    ret->job = NULL;
    ret->job_errs = NULL;
    ret->job_n = 0;
    kick_worker(ret);
    if (ret->waiting) {
        ret->waiting = false;
        step(ret);
    }
}

/* Moves the rows' paths to the files the worker is to remove; frees the rows. */
static int queue_files(vg_retention *ret, vg_recording *rows, size_t n)
{
    if (ret->pending_n + n > ret->pending_cap) {
        size_t cap = ret->pending_cap ? ret->pending_cap : 1024;
        while (cap < ret->pending_n + n)
            cap *= 2;
        char **grown = reallocarray(ret->pending, cap, sizeof(*grown));
        if (!grown) {
            vg_recording_array_free(rows, n);
            return VG_ENOMEM;
        }
        ret->pending = grown;
        ret->pending_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        ret->pending[ret->pending_n++] = rows[i].path;
        rows[i].path = NULL;
    }
    vg_recording_array_free(rows, n);
    return 0;
}

static void count_deleted(vg_retention *ret, const vg_recording *row, reason why)
{
    ret->run_deleted++;
    ret->run_bytes += (uint64_t)row->bytes;
    ret->stats.bytes_deleted += (uint64_t)row->bytes;
    if (why == DELETED_AGE)
        ret->stats.deleted_age++;
    else if (why == DELETED_SIZE)
        ret->stats.deleted_size++;
    else
        ret->stats.deleted_space++;
}

/*
 * Deletes `rows` (taken), the first `n` of what vg_store_recording_oldest()
 * gave for (camera_id, cutoff) in this same step: the rows first, in one
 * transaction, skipping any made permanent since they were picked (a clip);
 * then, on a worker, the files of the rows that went. A crash in between
 * leaves a file without a row, never a row without its file.
 *
 * One DELETE over the batch's range does it. It must delete exactly the rows
 * picked; if it does not (which would take a write between the pick and
 * now), it is undone and the rows go one by one, each only if still not
 * permanent. Returns false when the rows could not be deleted (the run ends).
 */
static bool delete_batch(vg_retention *ret, vg_recording *rows, size_t n, int64_t camera_id,
                         int64_t cutoff, reason why)
{
    bool tx = vg_store_begin(ret->store) == 0;
    int64_t deleted = -1;
    size_t kept = 0;
    if (tx &&
        vg_store_recording_expire_oldest(ret->store, camera_id, cutoff, rows[n - 1].start_ms,
                                         rows[n - 1].id, &deleted) == 0 &&
        deleted == (int64_t)n) {
        for (size_t i = 0; i < n; i++)
            count_deleted(ret, &rows[i], why);
        kept = n;
    } else {
        if (tx) {
            vg_store_rollback(ret->store);
            tx = vg_store_begin(ret->store) == 0;
        }
        for (size_t i = 0; i < n; i++) {
            if (vg_store_recording_expire(ret->store, rows[i].id) == 0) {
                count_deleted(ret, &rows[i], why);
                rows[kept++] = rows[i];
            } else {
                vg_recording_clear(&rows[i]);
            }
        }
    }
    if (tx && vg_store_commit(ret->store) < 0) {
        /* The rows are back: their files must stay (a row never outlives its file). */
        vg_store_rollback(ret->store);
        vg_recording_array_free(rows, kept);
        ret->phase = PH_DONE;
        return false;
    }
    if (queue_files(ret, rows, kept) < 0) {
        VG_LOG_WARN("record", "retention: out of memory, %zu files left on disk", kept);
        ret->phase = PH_DONE;
        return false;
    }
    kick_worker(ret);
    return true;
}

/*
 * The age rule's batch: the camera's oldest expired rows (camera_id -1: of
 * cameras that no longer exist) deleted and read back by one statement, in
 * one transaction, then their files handed to the worker. 1: a batch of
 * *deleted rows went; 0: none was left; < 0: the run ends (PH_DONE).
 */
static int expire_batch(vg_retention *ret, int64_t camera_id, int64_t cutoff, size_t *deleted)
{
    vg_recording *rows = NULL;
    size_t n = 0;
    *deleted = 0;
    if (vg_store_begin(ret->store) < 0) {
        ret->phase = PH_DONE;
        return -1;
    }
    if (vg_store_recording_expire_batch(ret->store, camera_id, cutoff, (int64_t)ret->batch_rows,
                                        &rows, &n) < 0 ||
        vg_store_commit(ret->store) < 0) {
        /* The rows are back, or were never deleted: their files stay. */
        vg_store_rollback(ret->store);
        vg_recording_array_free(rows, n);
        ret->phase = PH_DONE;
        return -1;
    }
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        count_deleted(ret, &rows[i], DELETED_AGE);
    *deleted = n;
    if (queue_files(ret, rows, n) < 0) {
        VG_LOG_WARN("record", "retention: out of memory, %zu files left on disk", n);
        ret->phase = PH_DONE;
        return -1;
    }
    kick_worker(ret);
    return 1;
}

/* The next batch size from this one's: about STEP_TARGET_NS of loop time, at most doubling. */
static void adapt_batch(vg_retention *ret, size_t n, uint64_t ns)
{
    if (n == 0)
        return;
    double per_row = (double)(ns ? ns : 1) / (double)n;
    double want = (double)STEP_TARGET_NS / per_row;
    if (want > 2.0 * (double)ret->batch_rows)
        want = 2.0 * (double)ret->batch_rows;
    ret->batch_rows = want < BATCH_MIN ? BATCH_MIN : want > BATCH_MAX ? BATCH_MAX : (size_t)want;
}

static void on_idle(uv_idle_t *h)
{
    uv_idle_stop(h);
    step(h->data);
}

/*
 * After a batch: on the loop's next turn (after its I/O) while the worker
 * keeps up, else when the worker is done with what it has.
 */
static void continue_later(vg_retention *ret)
{
    if (ret->pending_n >= PENDING_MAX && ret->work_running)
        ret->waiting = true;
    else
        uv_idle_start(&ret->idle, on_idle);
}

static void after_statvfs(uv_work_t *w, int status)
{
    vg_retention *ret = w->data;
    ret->work_running = false;
    ret->waiting = false; /* a stop while it ran: the step below ends the run */
    if (ret->statvfs_failed) {
        VG_LOG_WARN("record", "retention: cannot read the free space of %s: %s", ret->dir,
                    strerror(errno));
        ret->phase = PH_DONE;
    } else if (ret->free_bytes >= ret->opt.min_free_bytes) {
        if (ret->stats.disk_full && ret->opt.on_disk_full)
            ret->opt.on_disk_full(ret->opt.ctx, false, NULL);
        ret->stats.disk_full = false;
        ret->phase = PH_DONE;
    } else {
        ret->phase = PH_SPACE;
    }
    step(ret);
}

/* Takes the oldest rows until their bytes reach `need`; frees the rest. */
static size_t take_until(vg_recording *rows, size_t n, int64_t need)
{
    int64_t sum = 0;
    size_t k = 0;
    while (k < n && sum < need)
        sum += rows[k++].bytes;
    for (size_t i = k; i < n; i++)
        vg_recording_clear(&rows[i]);
    return k;
}

static void on_continue(uv_timer_t *t)
{
    step(t->data);
}

/*
 * One step of the run: at most one batch of rows picked and deleted, then
 * the next step on the loop's next turn, the files to the worker meanwhile.
 */
static void step(vg_retention *ret)
{
    if (ret->stopping && ret->phase != PH_DONE)
        ret->phase = PH_DONE;
    vg_recording *rows = NULL;
    size_t n = 0;
    int queries = 0;
    uint64_t t0 = uv_hrtime();
    while (ret->phase != PH_DONE) {
        if (++queries > 32) {
            /* Many cameras with nothing to do: let the loop breathe, go on in 1 ms. */
            uv_timer_start(&ret->timer, on_continue, 1, 0);
            return;
        }
        switch (ret->phase) {
        case PH_AGE:
            if (ret->cam_i >= ret->cam_count) {
                ret->phase = PH_ORPHAN;
                continue;
            }
            {
                const vg_camera *c = &ret->cams[ret->cam_i];
                int64_t cutoff = ret->now_ms - vg_retention_of(ret, c->retention_days, c->plan);
                size_t deleted;
                int got = expire_batch(ret, c->id, cutoff, &deleted);
                if (got > 0) {
                    adapt_batch(ret, deleted, uv_hrtime() - t0);
                    continue_later(ret);
                    return;
                }
                if (got == 0)
                    ret->cam_i++;
            }
            continue;
        case PH_ORPHAN: {
            size_t deleted;
            int got = expire_batch(ret, -1, ret->now_ms - ret->opt.delete_after_ms, &deleted);
            if (got > 0) {
                adapt_batch(ret, deleted, uv_hrtime() - t0);
                continue_later(ret);
                return;
            }
            if (got == 0) {
                ret->phase = PH_SIZE;
                ret->cam_i = 0;
            }
            continue;
        }
        case PH_SIZE:
            if (ret->opt.max_bytes_per_camera <= 0 || ret->cam_i >= ret->cam_count) {
                ret->phase = PH_SPACE_CHECK;
                continue;
            }
            {
                const vg_camera *c = &ret->cams[ret->cam_i];
                int64_t bytes = 0;
                vg_store_recording_camera_bytes(ret->store, c->id, &bytes);
                int64_t excess = bytes - ret->opt.max_bytes_per_camera;
                if (excess > 0 &&
                    vg_store_recording_oldest(ret->store, c->id, INT64_MAX,
                                              (int64_t)ret->batch_rows, &rows, &n) == 0 &&
                    n) {
                    size_t picked = n;
                    n = take_until(rows, n, excess);
                    if (!delete_batch(ret, rows, n, c->id, INT64_MAX, DELETED_SIZE))
                        continue; /* the run ends (PH_DONE) */
                    adapt_batch(ret, picked, uv_hrtime() - t0);
                    continue_later(ret);
                    return;
                }
                ret->cam_i++;
            }
            continue;
        case PH_SPACE_CHECK:
            if (ret->opt.min_free_bytes <= 0) {
                ret->phase = PH_DONE;
                continue;
            }
            if (ret->work_running) { /* measure once the files are gone */
                ret->waiting = true;
                return;
            }
            ret->work.data = ret;
            ret->work_running = true;
            if (uv_queue_work(ret->loop, &ret->work, statvfs_work, after_statvfs) < 0) {
                ret->work_running = false;
                ret->phase = PH_DONE;
                continue;
            }
            return;
        case PH_SPACE:
            if (vg_store_recording_oldest(ret->store, 0, INT64_MAX, (int64_t)ret->batch_rows, &rows,
                                          &n) == 0 &&
                n) {
                n = take_until(rows, n, ret->opt.min_free_bytes - ret->free_bytes);
                if (!delete_batch(ret, rows, n, 0, INT64_MAX, DELETED_SPACE))
                    continue;                /* the run ends (PH_DONE) */
                ret->phase = PH_SPACE_CHECK; /* measure again, once these files are gone */
                continue_later(ret);
                return;
            }
            /* Short of space with only permanent segments left: recording must stop. */
            if (!ret->stats.disk_full) {
                VG_LOG_ERROR("record",
                             "retention: %s has %lld bytes free, under "
                             "recordMinFreeSpace, and only permanent recordings are left",
                             ret->dir, (long long)ret->free_bytes);
                if (ret->opt.on_disk_full)
                    ret->opt.on_disk_full(
                        ret->opt.ctx, true,
                        "the disk is full and only permanent recordings are left");
            }
            ret->stats.disk_full = true;
            ret->phase = PH_DONE;
            continue;
        case PH_DONE:
            break;
        }
    }
    if (ret->work_running) { /* the run ends when the last files are gone */
        ret->phase = PH_DONE;
        ret->waiting = true;
        return;
    }
    finish_run(ret);
}

void vg_retention_run(vg_retention *ret)
{
    if (ret->running || ret->stopping)
        return;
    uv_timer_stop(&ret->timer);
    int64_t total = 0;
    vg_camera *cams = NULL;
    size_t n = 0;
    if (vg_store_camera_list(ret->store, MAX_CAMERAS, 0, &cams, &n, &total) < 0) {
        uv_timer_start(&ret->timer, on_timer, (uint64_t)ret->opt.interval_ms, 0);
        return;
    }
    ret->running = true;
    ret->cams = cams;
    ret->cam_count = n;
    ret->cam_i = 0;
    ret->phase = PH_AGE;
    ret->now_ms = now_ms(ret);
    ret->run_deleted = ret->run_bytes = 0;
    step(ret);
}

static void on_timer(uv_timer_t *t)
{
    vg_retention_run(t->data);
}

vg_retention *vg_retention_create(uv_loop_t *loop, vg_store *store, const vg_retention_options *opt,
                                  char *err, size_t err_cap)
{
    vg_retention *ret = calloc(1, sizeof(*ret));
    if (!ret || !(ret->dir = strdup(opt->dir)) ||
        !(ret->plans_text = strdup(opt->plans ? opt->plans : ""))) {
        if (ret)
            free(ret->dir);
        free(ret);
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    int count = vg_retention_parse_plans(ret->plans_text, ret->plan_names, ret->plan_ms, MAX_PLANS,
                                         err, err_cap);
    if (count < 0) {
        free(ret->dir);
        free(ret->plans_text);
        free(ret);
        return NULL;
    }
    ret->plan_count = (size_t)count;
    ret->loop = loop;
    ret->store = store;
    ret->opt = *opt;
    ret->opt.dir = ret->dir;
    ret->opt.plans = ret->plans_text;
    if (ret->opt.interval_ms <= 0)
        ret->opt.interval_ms = 10 * 60 * 1000;
    ret->batch_rows = BATCH_MIN;
    uv_timer_init(loop, &ret->timer);
    ret->timer.data = ret;
    uv_idle_init(loop, &ret->idle);
    ret->idle.data = ret;
    /* The first run right away, from the loop (the caller may not be done setting up). */
    if (!ret->opt.first_run_later)
        uv_timer_start(&ret->timer, on_timer, 0, 0);
    return ret;
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

void vg_retention_stop(vg_retention *ret, void (*done)(void *ctx), void *ctx)
{
    if (!ret || ret->stopping)
        return;
    ret->stopping = true;
    ret->done = done;
    ret->done_ctx = ctx;
    uv_timer_stop(&ret->timer);
    uv_close((uv_handle_t *)&ret->timer, on_handle_closed);
    uv_idle_stop(&ret->idle);
    uv_close((uv_handle_t *)&ret->idle, on_handle_closed);
    if (!ret->running) {
        if (done)
            done(ctx);
    } else if (ret->work_running) {
        ret->waiting = true; /* the worker's callback ends the run, once the files are gone */
    } else {
        step(ret); /* between steps: stop here */
    }
}

void vg_retention_destroy(vg_retention *ret)
{
    if (!ret)
        return;
    vg_camera_array_free(ret->cams, ret->cam_count);
    free_paths(ret->job, ret->job_n);
    free(ret->job_errs);
    free_paths(ret->pending, ret->pending_n);
    free(ret->dir);
    free(ret->plans_text);
    free(ret);
}

void vg_retention_stats_get(const vg_retention *ret, vg_retention_stats *out)
{
    *out = ret->stats;
}
