#include "source/reorder.h"

#include <stdlib.h>
#include <string.h>

static int compare_descending(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int64_t vg_reorder_dts(vg_reorder *r, int64_t pts, int64_t frame_ticks, int64_t jump_ticks)
{
    size_t n = r->count < VG_REORDER_WINDOW ? (size_t)r->count : VG_REORDER_WINDOW;
    int later = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->pts[i] - pts > jump_ticks) {
            r->count = 0; /* the timestamps restarted: so does the window */
            later = 0;
            break;
        }
        later += r->pts[i] > pts;
    }
    if (later > r->depth)
        r->depth = later < VG_REORDER_WINDOW / 2 ? later : VG_REORDER_WINDOW / 2 - 1;
    r->pts[r->count % VG_REORDER_WINDOW] = pts;
    r->count++;
    if (!r->depth)
        return pts;
    n = r->count < VG_REORDER_WINDOW ? (size_t)r->count : VG_REORDER_WINDOW;
    int64_t sorted[VG_REORDER_WINDOW];
    memcpy(sorted, r->pts, n * sizeof(sorted[0]));
    qsort(sorted, n, sizeof(sorted[0]), compare_descending);
    if (r->count > (uint64_t)r->depth)
        return sorted[r->depth]; /* the (D+1)-th largest of the frames so far */
    return sorted[n - 1] - (int64_t)(r->depth - (int)(r->count - 1)) * frame_ticks;
}
