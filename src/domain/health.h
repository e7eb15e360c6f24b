/*
 * health.h: a stream's health_score, 0-100 (seed 003).
 *
 *   score = 100 * fps_factor * freshness
 *   fps_factor = min(1, measured fps / nominal fps)   (1 when the nominal is unknown and frames
 * flow) freshness  = 1 while the last frame is under 1 s old, falling linearly to 0 at 5 s
 *
 * A stream that is not RUNNING scores 0. Pure logic.
 */
#ifndef VG_DOMAIN_HEALTH_H
#define VG_DOMAIN_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

int vg_health_score(bool running, double fps, double nominal_fps, int64_t last_frame_age_ms);

#endif
