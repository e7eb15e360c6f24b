#include "store/maintenance.h"

#include "core/error.h"
#include "core/log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct vg_store_maintenance {
    uv_timer_t timer;
    uv_work_t work;
    char *path; /* a copy: the worker reads it while the loop runs */
    int frames;
    int result;
    bool working;
    bool stopping;
    bool timer_closed;
};

static void free_if_done(vg_store_maintenance *m)
{
    if (m->stopping && m->timer_closed && !m->working) {
        free(m->path);
        free(m);
    }
}

/* On a worker thread. */
static void checkpoint_work(uv_work_t *w)
{
    vg_store_maintenance *m = w->data;
    m->result = vg_store_checkpoint(m->path, &m->frames);
}

/* Back on the loop. */
static void checkpoint_done(uv_work_t *w, int status)
{
    vg_store_maintenance *m = w->data;
    m->working = false;
    if (status == 0 && m->result == 0 && m->frames > 0)
        VG_LOG_DEBUG("store", "checkpoint frames=%d", m->frames);
    free_if_done(m);
}

static void on_timer(uv_timer_t *t)
{
    vg_store_maintenance *m = t->data;
    if (m->working)
        return; /* the last one is still running: skip a beat rather than queue up */
    m->working = true;
    if (uv_queue_work(t->loop, &m->work, checkpoint_work, checkpoint_done) < 0)
        m->working = false;
}

int vg_store_maintenance_start(uv_loop_t *loop, vg_store *store, int64_t interval_ms,
                               vg_store_maintenance **out)
{
    vg_store_maintenance *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(vg_store_path(store)))) {
        free(m);
        return VG_ENOMEM;
    }
    uv_timer_init(loop, &m->timer);
    m->timer.data = m->work.data = m;
    uv_timer_start(&m->timer, on_timer, (uint64_t)interval_ms, (uint64_t)interval_ms);
    /* The chores alone must not keep vigil running. */
    uv_unref((uv_handle_t *)&m->timer);
    *out = m;
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    vg_store_maintenance *m = h->data;
    m->timer_closed = true;
    free_if_done(m);
}

void vg_store_maintenance_stop(vg_store_maintenance *m)
{
    if (!m || m->stopping)
        return;
    m->stopping = true;
    uv_close((uv_handle_t *)&m->timer, on_timer_closed);
}
