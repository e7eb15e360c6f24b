#include "core/log.h"

#include "core/error.h"
#include "core/url.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = VG_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_labels[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void vg_log_set_level(vg_log_level level)
{
    atomic_store(&log_level, (int)level);
}

bool vg_log_enabled(vg_log_level level)
{
    return (int)level <= atomic_load(&log_level);
}

const char *vg_log_level_name(vg_log_level level)
{
    if ((int)level < 0 || level > VG_LOG_DEBUG)
        return NULL;
    return level_names[level];
}

int vg_log_level_parse(const char *name, vg_log_level *out)
{
    for (int i = 0; i <= VG_LOG_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (vg_log_level)i;
            return 0;
        }
    }
    return VG_EINVAL;
}

void vg_log(vg_log_level level, const char *subsystem, const char *fmt, ...)
{
    if (!vg_log_enabled(level))
        return;

    char raw[2048];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(raw, sizeof(raw),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000, level_labels[level], subsystem);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len >= sizeof(raw))
        len = sizeof(raw) - 1;

    /* The safety net: no credential reaches the log, whoever wrote the line. */
    char line[sizeof(raw) + 64];
    size_t out = vg_redact_credentials(raw, len, line, sizeof(line) - 1);
    if (out > sizeof(line) - 2)
        out = sizeof(line) - 2;
    line[out++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, out);
    (void)w; /* nowhere left to report a failed log write */
}
