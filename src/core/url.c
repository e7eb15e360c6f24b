#include "core/url.h"

#include "core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

int vg_url_parse(const char *s, size_t len, vg_url *out, const char **why)
{
    const char *reason = NULL;
    memset(out, 0, sizeof(*out));

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f) {
            reason = "contains a space or control character";
            goto fail;
        }
        /* RFC 3986 2: these never appear unescaped in a URI. */
        if (c >= 0x80 || strchr("\"<>\\^`{|}", c)) {
            reason = "contains a character that must be percent-encoded (\" < > \\ ^ ` { | } or "
                     "non-ASCII)";
            goto fail;
        }
    }

    /* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    size_t i = 0;
    if (len == 0 || !isalpha((unsigned char)s[0])) {
        reason = "missing scheme";
        goto fail;
    }
    while (i < len && is_scheme_char(s[i]))
        i++;
    if (i == len || s[i] != ':') {
        reason = "missing scheme";
        goto fail;
    }
    out->scheme = (vg_slice){s, i};
    i++; /* ':' */

    if (len - i < 2 || s[i] != '/' || s[i + 1] != '/') {
        out->rest = (vg_slice){s + i, len - i};
        *why = NULL;
        return 0; /* no authority (demo:pattern) */
    }
    i += 2;
    out->has_authority = true;

    /* The authority ends at the first '/', '?' or '#'. RFC 3986 3.2. */
    size_t auth_start = i, auth_end = i;
    while (auth_end < len && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
        auth_end++;
    out->rest = (vg_slice){s + auth_end, len - auth_end};
    /*
     * RFC 3986 allows '@' in a path or query, but in a camera URL one there
     * most likely belongs to a password with an unescaped '/', '?' or '#'
     * (rtsp://admin:12#pw@host): refuse it, so that what is the userinfo is
     * never in doubt.
     */
    if (memchr(out->rest.p, '@', out->rest.len)) {
        reason = "contains '@' after the host (write it as %40, also in a password)";
        goto fail;
    }

    size_t host_start = auth_start;
    for (size_t k = auth_end; k > auth_start; k--) {
        if (s[k - 1] == '@') {
            out->has_userinfo = true;
            out->userinfo = (vg_slice){s + auth_start, k - 1 - auth_start};
            host_start = k;
            break;
        }
    }

    size_t host_end, port_start = 0;
    if (host_start < auth_end && s[host_start] == '[') {
        /* IP-literal: "[" IPv6address "]" */
        const char *close = memchr(s + host_start, ']', auth_end - host_start);
        if (!close) {
            reason = "unterminated IPv6 address";
            goto fail;
        }
        host_end = (size_t)(close - s);
        out->host = (vg_slice){s + host_start + 1, host_end - host_start - 1};
        size_t after = host_end + 1;
        if (after < auth_end) {
            if (s[after] != ':') {
                reason = "invalid characters after IPv6 address";
                goto fail;
            }
            port_start = after + 1;
        }
    } else {
        host_end = host_start;
        while (host_end < auth_end && s[host_end] != ':')
            host_end++;
        out->host = (vg_slice){s + host_start, host_end - host_start};
        if (host_end < auth_end)
            port_start = host_end + 1;
    }
    if (out->host.len == 0) {
        reason = "missing host";
        goto fail;
    }
    for (size_t k = 0; k < out->host.len; k++) {
        char c = out->host.p[k];
        if (c == '@' || c == '[' || c == ']' || c == '\\') {
            reason = "invalid host";
            goto fail;
        }
    }

    if (port_start) {
        size_t digits = auth_end - port_start;
        if (digits == 0 || digits > 5) {
            reason = "invalid port";
            goto fail;
        }
        int port = 0;
        for (size_t k = port_start; k < auth_end; k++) {
            if (!isdigit((unsigned char)s[k])) {
                reason = "invalid port";
                goto fail;
            }
            port = port * 10 + (s[k] - '0');
        }
        if (port < 1 || port > 65535) {
            reason = "port out of range 1-65535";
            goto fail;
        }
        out->port = port;
    }

    *why = NULL;
    return 0;

fail:
    *why = reason;
    return VG_ESYNTAX;
}

/* ---- redaction ---- */

typedef struct {
    char *out;
    size_t cap, n;
} sink;

static void put(sink *k, const char *p, size_t len)
{
    if (k->n < k->cap) {
        size_t room = k->cap - k->n;
        memcpy(k->out + k->n, p, len < room ? len : room);
    }
    k->n += len;
}

/*
 * Characters that end a URL inside a log line: only spaces and control
 * characters, which no valid URL holds. Stopping at a quote would be wrong:
 * RFC 3986 allows ' in a password, and a URL cut short before its '@'
 * would show its userinfo. Running on past a closing quote only ever
 * hides more.
 */
static bool ends_url(char c)
{
    return (unsigned char)c <= 0x20 || c == 0x7f;
}

/* True when a query key names a secret; compared percent-decoded, so pass%77ord counts. */
static bool is_secret_param(const char *p, size_t len)
{
    static const char *const names[] = {"user", "username",  "password",    "pass",     "passwd",
                                        "pwd",  "pw",        "psw",         "passcode", "token",
                                        "auth", "secret",    "apikey",      "api_key",  "key",
                                        "sig",  "signature", "access_token"};
    char key[64];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n == sizeof(key))
            return false; /* longer than any name above */
        if (p[i] == '%' && i + 2 < len && vg_hex_value(p[i + 1]) >= 0 &&
            vg_hex_value(p[i + 2]) >= 0) {
            key[n++] = (char)(vg_hex_value(p[i + 1]) * 16 + vg_hex_value(p[i + 2]));
            i += 2;
        } else {
            key[n++] = p[i];
        }
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == n && strncasecmp(key, names[i], n) == 0)
            return true;
    }
    return false;
}

/*
 * Redacts the URL that starts right after "://" at in[start]; returns the
 * index just past what it consumed. A `bare` URL runs to the end of the
 * input; inside a log line a URL ends at a space or a control character.
 *
 * The userinfo is everything up to the URL's last '@'. For a URL that
 * vg_url_parse() accepts (no '@' after the host) that is exactly its
 * userinfo; for anything else (a password holding an unescaped '/', '?' or
 * '#', a URL nested in a query value) it hides more, never less.
 */
static size_t redact_one(const char *in, size_t len, size_t start, bool bare, sink *k)
{
    size_t end = start;
    while (end < len && (bare || !ends_url(in[end])))
        end++;

    size_t i = start;
    for (size_t j = end; j > start; j--) {
        if (in[j - 1] == '@') {
            bool has_password = memchr(in + start, ':', j - 1 - start) != NULL;
            put(k, has_password ? "***:***@" : "***@", has_password ? 8 : 4);
            i = j;
            break;
        }
    }
    size_t q = i; /* where the query begins, or `end` */
    while (q < end && in[q] != '?' && in[q] != '#')
        q++;
    put(k, in + i, q - i);
    i = q;

    /* Query: key=value pairs separated by '&' (or ';'), up to '#'. */
    while (i < end) {
        char c = in[i];
        put(k, &c, 1);
        i++;
        if (c == '#') {
            put(k, in + i, end - i);
            return end;
        }
        if (c != '?' && c != '&' && c != ';')
            continue;
        size_t key = i;
        while (i < end && in[i] != '=' && in[i] != '&' && in[i] != ';' && in[i] != '#')
            i++;
        put(k, in + key, i - key);
        if (i < end && in[i] == '=') {
            bool secret = is_secret_param(in + key, i - key);
            put(k, "=", 1);
            i++;
            size_t value = i;
            while (i < end && in[i] != '&' && in[i] != ';' && in[i] != '#')
                i++;
            if (secret && i > value)
                put(k, "***", 3);
            else
                put(k, in + value, i - value);
        }
    }
    return end;
}

static size_t redact(const char *in, size_t len, char *out, size_t cap, bool bare)
{
    sink k = {out, cap, 0};
    size_t i = 0, copied = 0;
    while (i + 3 <= len) {
        if (in[i] == ':' && in[i + 1] == '/' && in[i + 2] == '/') {
            put(&k, in + copied, i + 3 - copied);
            i = copied = redact_one(in, len, i + 3, bare, &k);
            continue;
        }
        i++;
    }
    put(&k, in + copied, len - copied);
    if (cap > 0)
        out[k.n < cap ? k.n : cap - 1] = '\0';
    return k.n;
}

size_t vg_redact_credentials(const char *in, size_t len, char *out, size_t cap)
{
    return redact(in, len, out, cap, false);
}

static char *redact_dup(const char *in, bool bare)
{
    size_t len = strlen(in);
    size_t need = redact(in, len, NULL, 0, bare);
    char *out = malloc(need + 1);
    if (!out)
        return NULL;
    redact(in, len, out, need + 1, bare);
    return out;
}

char *vg_redact_credentials_dup(const char *in)
{
    return redact_dup(in, false);
}

size_t vg_url_redact(const char *url, char *out, size_t cap)
{
    return redact(url, strlen(url), out, cap, true);
}

char *vg_url_redact_dup(const char *url)
{
    return redact_dup(url, true);
}

int vg_split_host_port(const char *addr, char *host, size_t host_cap, char *port, size_t port_cap)
{
    const char *colon;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return VG_EINVAL;
        snprintf(host, host_cap, "%.*s", (int)(close - addr - 1), addr + 1);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon)
            return VG_EINVAL;
        snprintf(host, host_cap, "%.*s", (int)(colon - addr), addr);
    }
    if (!colon[1])
        return VG_EINVAL;
    snprintf(port, port_cap, "%s", colon + 1);
    return 0;
}
