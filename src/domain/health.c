#include "domain/health.h"

#include <math.h>

#define FRESH_MS 1000
#define STALE_MS 5000

int vg_health_score(bool running, double fps, double nominal_fps, int64_t last_frame_age_ms)
{
    if (!running || last_frame_age_ms < 0 || fps <= 0)
        return 0;
    double fps_factor = nominal_fps > 0 ? fps / nominal_fps : 1.0;
    if (fps_factor > 1.0)
        fps_factor = 1.0;
    double freshness = 1.0;
    if (last_frame_age_ms >= STALE_MS)
        freshness = 0.0;
    else if (last_frame_age_ms > FRESH_MS)
        freshness = (double)(STALE_MS - last_frame_age_ms) / (double)(STALE_MS - FRESH_MS);
    return (int)lround(100.0 * fps_factor * freshness);
}
