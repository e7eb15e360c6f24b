/*
 * backoff.h: when to retry a failed camera (issue 3).
 *
 * Retry after 1 s, 2 s, 4 s ... capped at 30 s, each with +-20% jitter so
 * that many cameras failing together (a switch reboots) do not reconnect in
 * lock-step. The schedule starts over once a connection has streamed
 * healthily for 30 s. Pure logic: the caller supplies time and randomness.
 */
#ifndef VG_DOMAIN_BACKOFF_H
#define VG_DOMAIN_BACKOFF_H

#include <stdint.h>

typedef struct vg_backoff {
    int64_t base_ms;        /* 1000 */
    int64_t max_ms;         /* 30000 */
    int64_t reset_after_ms; /* 30000 */
    int jitter_percent;     /* 20 */
    int failures;           /* since the last reset */
} vg_backoff;

/* The schedule above. */
void vg_backoff_init(vg_backoff *b);

/*
 * The delay before the next attempt after a failure, counting it.
 * `random_unit` in [0, 1) picks the jitter (tests pass fixed values).
 */
int64_t vg_backoff_next_delay(vg_backoff *b, double random_unit);

/* A connection streamed for `healthy_ms`: starts the schedule over when that was long enough. */
void vg_backoff_healthy(vg_backoff *b, int64_t healthy_ms);

#endif
