#include "domain/backoff.h"

void vg_backoff_init(vg_backoff *b)
{
    *b = (vg_backoff){
        .base_ms = 1000, .max_ms = 30000, .reset_after_ms = 30000, .jitter_percent = 20};
}

int64_t vg_backoff_next_delay(vg_backoff *b, double random_unit)
{
    int64_t delay = b->base_ms;
    for (int i = 0; i < b->failures && delay < b->max_ms; i++)
        delay *= 2;
    if (delay > b->max_ms)
        delay = b->max_ms;
    if (b->failures < 64)
        b->failures++;
    /* Jitter: uniform in [-j%, +j%). */
    if (random_unit < 0 || random_unit >= 1)
        random_unit = 0.5;
    double factor = 1.0 + (double)b->jitter_percent / 100.0 * (2.0 * random_unit - 1.0);
    return (int64_t)((double)delay * factor);
}

void vg_backoff_healthy(vg_backoff *b, int64_t healthy_ms)
{
    if (healthy_ms >= b->reset_after_ms)
        b->failures = 0;
}
