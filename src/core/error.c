#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vg_strerror(int err)
{
    switch (err) {
    case VG_OK:
        return "ok";
    case VG_ESTATE:
        return "not allowed in the current state";
    case VG_ECONFLICT:
        return "conflict";
    case VG_ESTORE:
        return "store failure";
    case VG_ESYNTAX:
        return "syntax error";
    case VG_ELIMIT:
        return "limit reached";
    default:
        return err < 0 ? strerror(-err) : "unknown error";
    }
}

void vg_format_reason(char *out, size_t cap, const char *fmt, ...)
{
    if (!out || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}
