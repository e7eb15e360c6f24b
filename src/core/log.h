/*
 * log.h: one line per event on stderr.
 *
 *   2026-11-21T23:31:02.123Z INFO  http: listening addr=127.0.0.1:8080
 *
 * A line carries a level, a UTC timestamp, the subsystem, a message and
 * key=value context. Every line goes through vg_redact_credentials() before
 * it is written, so a camera URL's user and password never reach the log
 * even if a caller forgets to redact it. Thread-safe: one write(2) a line.
 */
#ifndef VG_CORE_LOG_H
#define VG_CORE_LOG_H

#include <stdbool.h>

typedef enum {
    VG_LOG_ERROR = 0,
    VG_LOG_WARN = 1,
    VG_LOG_INFO = 2,
    VG_LOG_DEBUG = 3,
} vg_log_level;

/* Lines above `level` are dropped. The default is VG_LOG_INFO. */
void vg_log_set_level(vg_log_level level);
bool vg_log_enabled(vg_log_level level);

/* Parses a level name; returns 0, or VG_EINVAL for an unknown name. */
int vg_log_level_parse(const char *name, vg_log_level *out);

/* Writes one line: `subsystem: message`. The message is a printf format. */
void vg_log(vg_log_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VG_LOG_ERROR(sub, ...) vg_log(VG_LOG_ERROR, sub, __VA_ARGS__)
#define VG_LOG_WARN(sub, ...)  vg_log(VG_LOG_WARN, sub, __VA_ARGS__)
#define VG_LOG_INFO(sub, ...)  vg_log(VG_LOG_INFO, sub, __VA_ARGS__)
#define VG_LOG_DEBUG(sub, ...)                                                                     \
    do {                                                                                           \
        if (vg_log_enabled(VG_LOG_DEBUG))                                                          \
            vg_log(VG_LOG_DEBUG, sub, __VA_ARGS__);                                                \
    } while (0)

#endif
