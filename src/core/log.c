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

/*
 * Copies `len` bytes to `out` with control characters written as \xNN, so
 * that a value a client chose (a request path) cannot start a line of its
 * own. Returns the bytes written; stops before overflowing `cap`.
 */
static size_t escape_controls(const char *in, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || c == 0x7f) {
            if (n + 4 > cap)
                break;
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            if (n + 1 > cap)
                break;
            out[n++] = (char)c;
        }
    }
    return n;
}

void vg_log(vg_log_level level, const char *subsystem, const char *fmt, ...)
{
    if (!vg_log_enabled(level))
        return;

    /* Long enough for any URL vigil accepts (2048 bytes) with room for context. */
    char raw[8192];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(raw, sizeof(raw),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000, level_labels[level], subsystem);
    if (n < 0 || (size_t)n >= sizeof(raw) / 2)
        n = 0; /* a subsystem name that long is a bug; keep the message */
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    bool truncated = len >= sizeof(raw);
    if (truncated) {
        /*
         * Cut at the last space, never inside a word: a URL cut before its
         * '@' would not be recognised as holding a userinfo.
         */
        len = sizeof(raw) - 1;
        while (len > (size_t)n && raw[len - 1] != ' ')
            len--;
    }

    /* The safety net: no credential reaches the log, whoever wrote the line. */
    char redacted[sizeof(raw) + 64];
    size_t r = vg_redact_credentials(raw, len, redacted, sizeof(redacted));
    if (r >= sizeof(redacted))
        r = sizeof(redacted) - 1;
    char line[sizeof(redacted) * 2 + 32];
    size_t out = escape_controls(redacted, r, line, sizeof(line) - 16);
    if (truncated) {
        memcpy(line + out, " [truncated]", 12);
        out += 12;
    }
    line[out++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, out);
    (void)w; /* nowhere left to report a failed log write */
}
