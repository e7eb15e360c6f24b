#include "core/au.h"

#include <stdlib.h>

vg_au *vg_au_create(size_t size)
{
    if (size > SIZE_MAX - sizeof(vg_au))
        return NULL;
    vg_au *au = malloc(sizeof(vg_au) + size);
    if (!au)
        return NULL;
    atomic_init(&au->_refs, 1);
    au->track = 0;
    au->flags = 0;
    au->pts = au->dts = 0;
    au->wallclock_ns = 0;
    au->size = size;
    return au;
}

vg_au *vg_au_ref(vg_au *au)
{
    /* Relaxed: taking a reference needs no ordering, only the count. */
    atomic_fetch_add_explicit(&au->_refs, 1, memory_order_relaxed);
    return au;
}

void vg_au_unref(vg_au **au)
{
    if (!au || !*au)
        return;
    /* Release on the way down, acquire before freeing: the last holder sees every write. */
    if (atomic_fetch_sub_explicit(&(*au)->_refs, 1, memory_order_release) == 1) {
        atomic_thread_fence(memory_order_acquire);
        free(*au);
    }
    *au = NULL;
}
