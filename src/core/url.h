/*
 * url.h: camera URLs: parsing for validation, and credential redaction.
 *
 * A camera URL may carry a user and password (rtsp://user:pass@host/...).
 * Those never leave vigil: every API response shows a URL through
 * vg_url_redact(), and every log line passes vg_redact_credentials(). Both
 * replace the user and the password with three asterisks each (rtsp: //
 * ***:***@host/..., written here with a space so that C comments can hold
 * it) and hide the values of password-like query parameters (?password=...,
 * ?token=...).
 */
#ifndef VG_CORE_URL_H
#define VG_CORE_URL_H

#include "core/slice.h" /* vg_slice */

#include <stdbool.h>
#include <stddef.h>

/* The parts of `scheme:[//[userinfo@]host[:port]]rest`, as views into the input. */
typedef struct vg_url {
    vg_slice scheme;   /* without the ':' */
    vg_slice userinfo; /* without the '@'; len 0 when absent */
    vg_slice host;     /* without brackets for IPv6 literals */
    vg_slice rest;     /* path, query and fragment */
    int port;          /* 0 when absent */
    bool has_authority;
    bool has_userinfo;
} vg_url;

/*
 * Parses `s` (`len` bytes, no NUL needed). Returns 0, or VG_ESYNTAX with
 * *why set to a static English reason that never quotes the input
 * ("missing host", "invalid port"). `out` points into `s`.
 */
int vg_url_parse(const char *s, size_t len, vg_url *out, const char **why);

/*
 * Copies `in` (`len` bytes) to `out` (capacity `cap`, always NUL-terminated
 * when cap > 0) with every URL's credentials replaced:
 *   user:pass@host          -> ***:***@host
 *   user@host               -> ***@host
 *   /x?password=abc         -> /x?password=***
 * Works on a bare URL or on a whole log line that contains URLs. Returns the
 * length the output would have without truncation (like snprintf).
 */
size_t vg_redact_credentials(const char *in, size_t len, char *out, size_t cap);

/* The same into a new heap string (caller frees); NULL when out of memory. */
char *vg_redact_credentials_dup(const char *in);

/*
 * As vg_redact_credentials() for one URL given whole (a NUL-terminated
 * string): the URL runs to its end and its authority ends at the first
 * '/', as vg_url_parse() reads it, where a log line's URL ends at a space
 * and its userinfo is taken up to the last '@' before the query (hiding
 * more, never less). Use it whenever the input is
 * known to be a URL, as in an API response.
 */
size_t vg_url_redact(const char *url, char *out, size_t cap);
/* The same into a new heap string (caller frees); NULL when out of memory. */
char *vg_url_redact_dup(const char *url);

/*
 * Splits a listen address, HOST:PORT or [IPV6]:PORT (as the config checks
 * it), into `host` (without brackets; "" for ":PORT") and `port`, each
 * NUL-terminated and truncated to its capacity. Returns 0, or VG_EINVAL when
 * there is no port.
 */
int vg_split_host_port(const char *addr, char *host, size_t host_cap, char *port, size_t port_cap);

#endif
