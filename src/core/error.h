/*
 * error.h: vigil's error codes.
 *
 * Functions return 0 on success or a negative code: either -errno (as libuv
 * does) or one of the VG_E* values below, which sit far below every errno.
 * vg_strerror() names any of them.
 */
#ifndef VG_CORE_ERROR_H
#define VG_CORE_ERROR_H

#include <errno.h>
#include <stddef.h>

enum {
    VG_OK = 0,
    VG_ENOMEM = -ENOMEM,
    VG_EINVAL = -EINVAL,
    VG_ENOENT = -ENOENT,
    VG_EEXIST = -EEXIST,
    VG_EIO = -EIO,
    VG_ERANGE = -ERANGE,
    VG_ETIMEDOUT = -ETIMEDOUT,
    /* vigil's own, below any errno */
    VG_ESTATE = -20001,    /* the object's state does not allow it */
    VG_ECONFLICT = -20002, /* it clashes with another object (one live stream per camera) */
    VG_ESTORE = -20003,    /* the store failed (SQLite error, logged where it happened) */
    VG_ESYNTAX = -20004,   /* malformed input */
    VG_ELIMIT = -20005,    /* a configured limit is reached (maxReaders) */
};

/* The name of an error code; the string is static. */
const char *vg_strerror(int err);

/*
 * printf into a caller's reason buffer `out` of `cap` bytes (truncated,
 * always NUL-terminated); nothing when `out` is NULL or `cap` is 0. The
 * parsers' "why" arguments.
 */
void vg_format_reason(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
