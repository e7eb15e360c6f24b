/*
 * config.c: vigil's settings from defaults, a YAML file and the environment.
 *
 * DESIGN
 *
 * Every key lives in one table (config_keys below): its YAML name, the type of
 * its value, where it sits in vg_config, its default and a line of help. The
 * defaults, the file loader and the environment all walk that table and all
 * hand the text of a value to one function, key_set(), so a value means the
 * same thing wherever it is written and adding a key is adding one row.
 *
 * The file is read with libyaml's event API. We accept exactly one shape:
 * one document whose top level is a mapping of known keys to single values.
 * Anything else (lists, nested mappings, anchors, aliases, tags, a second
 * document) stops the load with an error that points at the line and column
 * of the offending key or value, because a config error the user cannot find
 * is worse than one that is never reported.
 *
 * Loads are all-or-nothing: values are written into a copy of the config and
 * the copy replaces the caller's only when the whole source was valid.
 */
#include "core/config.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/*
 * Where `make web` puts the built console in a checkout (CMake defines it as
 * ${CMAKE_SOURCE_DIR}/build/web), so that `make run` finds it; an installed
 * vigil sets consoleDir instead.
 */
#ifndef VIGIL_CONSOLE_DIR
#define VIGIL_CONSOLE_DIR "build/web"
#endif

/* A config file bigger than this is a mistake (or /dev/zero); refuse it. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* Room for one value-error message before the "name:line:col: key: " prefix. */
#define WHY_MAX 512

/* How much of a bad key or value an error message quotes. */
#define QUOTE_MAX 64

typedef enum {
    VALUE_LEVEL,    /* vg_log_level: error, warn, info, debug */
    VALUE_STRING,   /* char[VG_CONFIG_STR_MAX] */
    VALUE_OPTIONAL, /* char[VG_CONFIG_STR_MAX] that may be empty (a setting that is off) */
    VALUE_ADDRESS,  /* char[VG_CONFIG_STR_MAX] holding HOST:PORT or [IPV6]:PORT */
    VALUE_DURATION, /* int64_t milliseconds */
    VALUE_SIZE,     /* int64_t bytes */
    VALUE_BOOL,     /* bool: yes/no, true/false, on/off (YAML 1.1, as MediaMTX reads them) */
    VALUE_COUNT,    /* int64_t: a whole number >= 0 */
} value_type;

typedef struct {
    const char *name;          /* as written in YAML; VIGIL_<NAME upper-cased> in the environment */
    value_type type;           /* how the text of a value is read */
    size_t offset;             /* of the field in vg_config */
    bool positive;             /* zero makes no sense (a timeout of 0, a body limit of 0) */
    const char *default_value; /* parsed by key_set() like any other value */
    const char *help;          /* one line, kept beside the key so docs/config.md can agree */
} config_key;

/*
 * The offset of a field, refusing to compile if the field's type does not
 * match the value type of the row: a row that pointed a duration at a string
 * field would otherwise write 8 bytes over the string at run time.
 */
#define FIELD_CHECKED(member, ok) (offsetof(vg_config, member) + 0 * sizeof(char[(ok) ? 1 : -1]))
#define LEVEL_FIELD(member)                                                                        \
    FIELD_CHECKED(member, _Generic(((vg_config *)0)->member, vg_log_level : 1, default : 0))
#define STRING_FIELD(member)                                                                       \
    FIELD_CHECKED(member, sizeof(((vg_config *)0)->member) == VG_CONFIG_STR_MAX)
#define BOOL_FIELD(member)                                                                         \
    FIELD_CHECKED(member, _Generic(((vg_config *)0)->member, bool : 1, default : 0))
#define INT64_FIELD(member)                                                                        \
    FIELD_CHECKED(member, _Generic(((vg_config *)0)->member, int64_t : 1, default : 0))

static const config_key config_keys[] = {
    {"logLevel", VALUE_LEVEL, LEVEL_FIELD(log_level), false, "info",
     "lines above this level are not logged: error, warn, info or debug"},
    {"listen", VALUE_ADDRESS, STRING_FIELD(listen), false, "127.0.0.1:8080",
     "address of the one HTTP port (API, HLS, WebRTC, web console)"},
    {"dataDir", VALUE_STRING, STRING_FIELD(data_dir), false, "./data",
     "directory that holds the database and recorded media"},
    {"httpIdleTimeout", VALUE_DURATION, INT64_FIELD(http_idle_timeout_ms), true, "30s",
     "an idle keep-alive HTTP connection is closed after this long"},
    {"httpMaxBodySize", VALUE_SIZE, INT64_FIELD(http_max_body_size), true, "1MiB",
     "largest HTTP request body accepted"},
    {"shutdownTimeout", VALUE_DURATION, INT64_FIELD(shutdown_timeout_ms), true, "5s",
     "longest time from SIGTERM to exit"},
    {"console", VALUE_BOOL, BOOL_FIELD(console), false, "yes",
     "serve the web console at / from consoleDir"},
    {"consoleDir", VALUE_STRING, STRING_FIELD(console_dir), false, VIGIL_CONSOLE_DIR,
     "directory of the built web console (index.html, assets/), read once at start"},
    {"connectTimeout", VALUE_DURATION, INT64_FIELD(connect_timeout_ms), true, "10s",
     "a camera must be reached, opened and describe its tracks within this long"},
    {"readTimeout", VALUE_DURATION, INT64_FIELD(read_timeout_ms), true, "10s",
     "a camera that sends nothing for this long has failed (and is retried)"},
    {"maxReaders", VALUE_COUNT, INT64_FIELD(max_readers), false, "0",
     "readers a path accepts at most (0: unlimited); a camera's max_readers overrides it"},
    {"sourceOnDemand", VALUE_BOOL, BOOL_FIELD(source_on_demand), false, "no",
     "streams started without on_demand pull their camera only while someone reads them"},
    {"sourceOnDemandStartTimeout", VALUE_DURATION, INT64_FIELD(source_on_demand_start_timeout_ms),
     true, "10s", "a reader of an on-demand stream gets an error if no video comes within this"},
    {"sourceOnDemandCloseAfter", VALUE_DURATION, INT64_FIELD(source_on_demand_close_after_ms), true,
     "10s", "an on-demand stream stops pulling this long after its last reader left"},
    {"hlsAlwaysRemux", VALUE_BOOL, BOOL_FIELD(hls_always_remux), false, "no",
     "keep an HLS muxer on every running path, not only while someone watches"},
    {"hlsSegmentDuration", VALUE_DURATION, INT64_FIELD(hls_segment_duration_ms), true, "1s",
     "an HLS segment lasts at least this long and starts on a key frame"},
    {"hlsPartDuration", VALUE_DURATION, INT64_FIELD(hls_part_duration_ms), true, "200ms",
     "the target duration of an LL-HLS part"},
    {"hlsSegmentCount", VALUE_COUNT, INT64_FIELD(hls_segment_count), true, "7",
     "segments an HLS media playlist lists"},
    {"hlsMuxerCloseAfter", VALUE_DURATION, INT64_FIELD(hls_muxer_close_after_ms), true, "60s",
     "an HLS muxer stops this long after its last request"},
    {"hlsAllowOrigins", VALUE_STRING, STRING_FIELD(hls_allow_origins), false, "*",
     "origins allowed to read HLS (CORS): * or a comma-separated list"},
    {"wsAllowOrigins", VALUE_STRING, STRING_FIELD(ws_allow_origins), false, "*",
     "origins whose pages may open WebSockets (live JPEG): * or a comma-separated list"},
    {"webrtc", VALUE_BOOL, BOOL_FIELD(webrtc), false, "yes",
     "serve WebRTC viewers over WHEP (/whep/<path>) and the UDP port"},
    {"webrtcLocalUDPAddress", VALUE_ADDRESS, STRING_FIELD(webrtc_local_udp_address), false,
     "0.0.0.0:8189", "the one UDP port every WebRTC session shares (port 0: any free port)"},
    {"webrtcAdditionalHosts", VALUE_OPTIONAL, STRING_FIELD(webrtc_additional_hosts), false, "",
     "addresses or host names to advertise as ICE candidates first (NAT, containers), "
     "comma-separated"},
    {"webrtcIPsFromInterfaces", VALUE_BOOL, BOOL_FIELD(webrtc_ips_from_interfaces), false, "yes",
     "advertise the addresses of the machine's interfaces when bound to 0.0.0.0 or [::]"},
    {"webrtcAllowOrigins", VALUE_STRING, STRING_FIELD(webrtc_allow_origins), false, "*",
     "origins whose pages may use WHEP (CORS): * or a comma-separated list"},
    {"webrtcHandshakeTimeout", VALUE_DURATION, INT64_FIELD(webrtc_handshake_timeout_ms), true,
     "10s", "a WebRTC session whose ICE and DTLS are not done this long after the answer ends"},
    {"recordPath", VALUE_STRING, STRING_FIELD(record_path), false, "recordings",
     "where recordings are written; a relative path is under dataDir"},
    {"recordSegmentDuration", VALUE_DURATION, INT64_FIELD(record_segment_duration_ms), true, "60s",
     "a recording file lasts at least this long and starts on a key frame"},
    {"recordPartDuration", VALUE_DURATION, INT64_FIELD(record_part_duration_ms), true, "1s",
     "recordings are written and synced in fragments this long: what a crash can lose"},
    {"recordDeleteAfter", VALUE_DURATION, INT64_FIELD(record_delete_after_ms), true, "7d",
     "recordings of a camera with neither retention_days nor a known plan are kept this long"},
    {"recordPlans", VALUE_STRING, STRING_FIELD(record_plans), false, "basic=7d,pro=15d,premium=30d",
     "retention plans: name=duration, comma-separated"},
    {"recordMaxBytesPerCamera", VALUE_SIZE, INT64_FIELD(record_max_bytes_per_camera), false, "0",
     "a camera's recordings are kept under this size, oldest deleted first; 0: no limit"},
    {"recordMinFreeSpace", VALUE_SIZE, INT64_FIELD(record_min_free_space), false, "1GiB",
     "the oldest recordings are deleted to keep this much free on their disk; 0: no floor"},
    {"recordCleanupInterval", VALUE_DURATION, INT64_FIELD(record_cleanup_interval_ms), true, "10m",
     "how often retention runs (and once at start)"},
    {"recordExpiryNotice", VALUE_DURATION, INT64_FIELD(record_expiry_notice_ms), true, "1d",
     "recordings become 'expiring' this long before retention deletes them"},
    {"recordWebhookUrl", VALUE_OPTIONAL, STRING_FIELD(record_webhook_url), false, "",
     "POSTed a JSON notice once for each span about to expire; empty: no webhook"},
    {"recordWebhookSecret", VALUE_OPTIONAL, STRING_FIELD(record_webhook_secret), false, "",
     "key of the webhook's HMAC-SHA256 signature header (X-Vigil-Signature)"},
    {"testClockOffset", VALUE_DURATION, INT64_FIELD(test_clock_offset_ms), false, "0s",
     "tests only: added to the clock retention uses, to make recordings look older"},
};

#define KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* ---- errors ---------------------------------------------------------------------------------- */

/*
 * Copies at most QUOTE_MAX bytes of `s` into `out` for quoting in a message,
 * with "..." if it was longer. Control characters become '?' so a hostile
 * value cannot forge log lines, and a cut never splits a UTF-8 sequence.
 */
static void quote_text(char out[QUOTE_MAX + 4], const char *s, size_t len)
{
    size_t n = len;
    if (len > QUOTE_MAX) {
        n = QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* s[n] continues a sequence: cut before the sequence starts */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    strcpy(out + n, n < len ? "..." : "");
}

/* ---- durations and sizes --------------------------------------------------------------------- */

/* A decimal number as written: "12", "1.5", ".5", "3." (digits on one side at least). */
typedef struct {
    const char *whole;
    size_t whole_len;
    const char *fraction;
    size_t fraction_len;
} decimal_text;

static bool scan_decimal(const char **p, decimal_text *d)
{
    const char *s = *p;
    d->whole = s;
    while (isdigit((unsigned char)*s))
        s++;
    d->whole_len = (size_t)(s - d->whole);
    d->fraction = s;
    d->fraction_len = 0;
    if (*s == '.') {
        s++;
        d->fraction = s;
        while (isdigit((unsigned char)*s))
            s++;
        d->fraction_len = (size_t)(s - d->fraction);
    }
    if (d->whole_len == 0 && d->fraction_len == 0)
        return false;
    *p = s;
    return true;
}

/*
 * value = d * scale, which must be a whole number no larger than INT64_MAX:
 * "1.5s" is 1500 ms, but "1.5ms" has no exact value in milliseconds and is
 * refused rather than silently rounded.
 */
static bool scale_decimal(const decimal_text *d, uint64_t scale, int64_t *out)
{
    unsigned __int128 whole = 0;
    for (size_t i = 0; i < d->whole_len; i++) {
        whole = whole * 10 + (unsigned)(d->whole[i] - '0');
        if (whole > INT64_MAX)
            return false;
    }
    unsigned __int128 value = whole * scale;

    size_t n = d->fraction_len;
    while (n > 0 && d->fraction[n - 1] == '0')
        n--; /* "1.500s" is "1.5s" */
    if (n > 0) {
        /* Past 18 digits 10^n no longer fits in 64 bits; no scale we use is that fine. */
        if (n > 18)
            return false;
        uint64_t fraction = 0, denominator = 1;
        for (size_t i = 0; i < n; i++) {
            fraction = fraction * 10 + (uint64_t)(d->fraction[i] - '0');
            denominator *= 10;
        }
        unsigned __int128 part = (unsigned __int128)fraction * scale;
        if (part % denominator != 0)
            return false;
        value += part / denominator;
    }
    if (value > INT64_MAX)
        return false;
    *out = (int64_t)value;
    return true;
}

typedef struct {
    const char *name;
    uint64_t scale;
} unit;

static const unit duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", 24 * 3600 * 1000},
};

static const unit size_units[] = {
    {"B", 1},
    {"KB", 1000ULL},
    {"MB", 1000ULL * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
};

/* The scale of the unit named by `len` bytes at `s`, or 0 if there is none. */
static uint64_t find_unit(const unit *units, size_t count, const char *s, size_t len)
{
    for (size_t i = 0; i < count; i++) {
        if (strlen(units[i].name) == len && memcmp(units[i].name, s, len) == 0)
            return units[i].scale;
    }
    return 0;
}

int vg_config_parse_duration(const char *s, int64_t *out_ms)
{
    if (!s || !*s)
        return VG_EINVAL;
    /* As Go's time.ParseDuration (which MediaMTX uses): a bare zero needs no unit. */
    if (strcmp(s, "0") == 0) {
        *out_ms = 0;
        return 0;
    }
    /* Go's grammar without the sign: ([0-9]*(\.[0-9]*)?[a-z]+)+ */
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        decimal_text number;
        if (!scan_decimal(&p, &number))
            return VG_EINVAL;
        const char *unit_start = p;
        while (*p && !isdigit((unsigned char)*p) && *p != '.')
            p++;
        uint64_t scale =
            find_unit(duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                      unit_start, (size_t)(p - unit_start));
        int64_t part;
        if (scale == 0 || !scale_decimal(&number, scale, &part))
            return VG_EINVAL;
        if (__builtin_add_overflow(total, part, &total))
            return VG_EINVAL;
    }
    *out_ms = total;
    return 0;
}

int vg_config_parse_size(const char *s, int64_t *out_bytes)
{
    if (!s)
        return VG_EINVAL;
    const char *p = s;
    decimal_text number;
    if (!scan_decimal(&p, &number))
        return VG_EINVAL;
    uint64_t scale = 1; /* no unit: bytes */
    if (*p) {
        scale = find_unit(size_units, sizeof(size_units) / sizeof(size_units[0]), p, strlen(p));
        if (scale == 0)
            return VG_EINVAL;
    }
    int64_t bytes;
    if (!scale_decimal(&number, scale, &bytes))
        return VG_EINVAL;
    *out_bytes = bytes;
    return 0;
}

void vg_config_format_duration(int64_t ms, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    if (ms == 0) {
        snprintf(out, cap, "0s");
        return;
    }
    /*
     * Largest units first, each at most once, no fractions: the same value
     * always prints the same way (90000 is "1m30s", not "1.5m"), and every
     * form printed here is accepted by vg_config_parse_duration().
     */
    static const unit order[] = {
        {"d", 24 * 3600 * 1000}, {"h", 3600 * 1000}, {"m", 60 * 1000}, {"s", 1000}, {"ms", 1},
    };
    char text[64]; /* the longest, INT64_MIN, is "-106751991167d7h12m55s808ms" */
    size_t n = 0;
    uint64_t rest = (uint64_t)ms;
    if (ms < 0) {
        text[n++] = '-'; /* never produced by the parser; printed so it is not hidden */
        rest = 0 - rest;
    }
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        uint64_t count = rest / order[i].scale;
        rest %= order[i].scale;
        if (count > 0)
            n +=
                (size_t)snprintf(text + n, sizeof(text) - n, "%" PRIu64 "%s", count, order[i].name);
    }
    snprintf(out, cap, "%s", text);
}

/* ---- listen addresses ------------------------------------------------------------------------ */

/* RFC 1123 2.1 host names, plus '_' which container runtimes hand out in service names. */
static bool is_host_name(const char *s, size_t len)
{
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-' && c != '_')
            return false;
        if (c == '-' && label == 0)
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && s[len - 1] != '-';
}

/* "00080" is port 80; more than five digits or above 65535 is no port. */
static bool is_port(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 5)
        return false;
    long port = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        port = port * 10 + (s[i] - '0');
    }
    return port <= 65535;
}

#define MISSING_HOST "missing host (0.0.0.0 is every IPv4 interface, [::] every IPv6 one)"

/* NULL if `s` is HOST:PORT or [IPV6]:PORT, else what is wrong with it. */
static const char *address_problem(const char *s)
{
    const char *port;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return "missing ']' after the IPv6 address";
        size_t host_len = (size_t)(close - s - 1);
        char host[64]; /* INET6_ADDRSTRLEN (46) plus a zone such as %eth0 */
        if (host_len == 0 || host_len >= sizeof(host))
            return "invalid IPv6 address";
        memcpy(host, s + 1, host_len);
        host[host_len] = '\0';
        /* RFC 6874: a link-local address may carry a zone, [fe80::1%eth0]. */
        char *zone = strchr(host, '%');
        if (zone) {
            *zone++ = '\0';
            if (!is_host_name(zone, strlen(zone)))
                return "invalid IPv6 zone";
        }
        struct in6_addr addr6;
        if (inet_pton(AF_INET6, host, &addr6) != 1)
            return "invalid IPv6 address";
        if (close[1] == '\0')
            return "missing port";
        if (close[1] != ':')
            return "expected ':' after ']'";
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon && s[strspn(s, "0123456789")] == '\0')
            return MISSING_HOST; /* "8080": a port alone */
        if (!colon)
            return "missing port";
        size_t host_len = (size_t)(colon - s);
        if (memchr(s, ':', host_len))
            return "an IPv6 address needs brackets, as in [::1]:8080";
        if (host_len == 0)
            return MISSING_HOST;
        if (strspn(s, "0123456789.") >= host_len) {
            /* Only digits and dots: it must be a dotted quad, not a host name. */
            char host[16];
            struct in_addr addr4;
            if (host_len >= sizeof(host))
                return "invalid IPv4 address";
            memcpy(host, s, host_len);
            host[host_len] = '\0';
            if (inet_pton(AF_INET, host, &addr4) != 1)
                return "invalid IPv4 address";
        } else if (!is_host_name(s, host_len)) {
            return "invalid host name";
        }
        port = colon + 1;
    }
    if (*port == '\0')
        return "missing port";
    if (!is_port(port))
        return "port must be a number from 0 to 65535 (0 picks a free port)";
    return NULL;
}

/* ---- one value ------------------------------------------------------------------------------- */

/*
 * Reads `len` bytes at `value` (NUL-terminated at value[len]) as the value of
 * `key` and stores it in `cfg`. On error writes what is wrong, without the
 * key's name or position, into `why` and returns VG_EINVAL.
 */
static int key_set(const config_key *key, vg_config *cfg, const char *value, size_t len, char *why,
                   size_t why_cap)
{
    char quoted[QUOTE_MAX + 4];
    quote_text(quoted, value, len);

    /* YAML's "\0" escape can put a NUL inside a value; C strings would cut it there. */
    if (memchr(value, '\0', len)) {
        vg_format_reason(why, why_cap, "contains a NUL character");
        return VG_EINVAL;
    }

    char *field = (char *)cfg + key->offset;
    int64_t number = 0;
    switch (key->type) {
    case VALUE_BOOL: {
        static const char *const yes[] = {"yes", "true", "on"}, *const no[] = {"no", "false",
                                                                               "off"};
        bool on = false, known = false;
        for (size_t i = 0; i < 3 && !known; i++) {
            if (!strcasecmp(value, yes[i]))
                known = on = true;
            else if (!strcasecmp(value, no[i]))
                known = true;
        }
        if (!known) {
            vg_format_reason(why, why_cap, "invalid value '%s' (use yes or no)", quoted);
            return VG_EINVAL;
        }
        memcpy(field, &on, sizeof(on));
        return 0;
    }
    case VALUE_LEVEL: {
        vg_log_level level;
        if (vg_log_level_parse(value, &level) != 0) {
            vg_format_reason(why, why_cap, "invalid level '%s' (use error, warn, info or debug)",
                             quoted);
            return VG_EINVAL;
        }
        memcpy(field, &level, sizeof(level));
        return 0;
    }
    case VALUE_ADDRESS:
    case VALUE_OPTIONAL:
    case VALUE_STRING: {
        if (len == 0 && key->type != VALUE_OPTIONAL) {
            vg_format_reason(why, why_cap, "must not be empty");
            return VG_EINVAL;
        }
        if (len > VG_CONFIG_STR_MAX - 1) {
            vg_format_reason(why, why_cap, "value is too long (%zu bytes, at most %d)", len,
                             VG_CONFIG_STR_MAX - 1);
            return VG_EINVAL;
        }
        if (key->type == VALUE_ADDRESS) {
            const char *problem = address_problem(value);
            if (problem) {
                vg_format_reason(why, why_cap,
                                 "invalid address '%s': %s (write it as HOST:PORT or [IPV6]:PORT, "
                                 "e.g. 127.0.0.1:8080 or [::1]:8080)",
                                 quoted, problem);
                return VG_EINVAL;
            }
        }
        memcpy(field, value, len + 1);
        return 0;
    }
    case VALUE_DURATION:
        if (vg_config_parse_duration(value, &number) != 0) {
            vg_format_reason(why, why_cap,
                             "invalid duration '%s' (write it as 200ms, 10s, 1h or 7d)", quoted);
            return VG_EINVAL;
        }
        break;
    case VALUE_COUNT: {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (!len || *end || errno || n < 0 || value[0] == '-' || value[0] == '+' ||
            value[0] == ' ') {
            vg_format_reason(why, why_cap, "invalid number '%s' (write a whole number, 0 or more)",
                             quoted);
            return VG_EINVAL;
        }
        number = n;
        break;
    }
    case VALUE_SIZE:
        if (vg_config_parse_size(value, &number) != 0) {
            vg_format_reason(why, why_cap,
                             "invalid size '%s' (write it as 1048576, 512KB or 16MiB)", quoted);
            return VG_EINVAL;
        }
        break;
    }
    if (key->positive && number <= 0) {
        vg_format_reason(why, why_cap, "must be greater than 0");
        return VG_EINVAL;
    }
    memcpy(field, &number, sizeof(number));
    return 0;
}

void vg_config_defaults(vg_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const config_key *key = &config_keys[i];
        char why[WHY_MAX];
        /* A default that does not parse is a bug in the table; the unit test loads every one. */
        if (key_set(key, cfg, key->default_value, strlen(key->default_value), why, sizeof(why)))
            abort();
    }
}

/* ---- keys ------------------------------------------------------------------------------------ */

static const config_key *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (strlen(config_keys[i].name) == len && memcmp(config_keys[i].name, name, len) == 0)
            return &config_keys[i];
    }
    return NULL;
}

/* Levenshtein distance ignoring ASCII case; long names are never close to a key. */
static size_t name_distance(const char *a, size_t a_len, const char *b, size_t b_len)
{
    enum { LONGEST = 64 };
    if (a_len > LONGEST || b_len > LONGEST)
        return SIZE_MAX;
    size_t row[LONGEST + 1], next[LONGEST + 1];
    for (size_t j = 0; j <= b_len; j++)
        row[j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        next[0] = i;
        for (size_t j = 1; j <= b_len; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = row[j - 1] + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (next[j - 1] + 1 < best)
                best = next[j - 1] + 1;
            next[j] = best;
        }
        memcpy(row, next, (b_len + 1) * sizeof(row[0]));
    }
    return row[b_len];
}

/* The known key closest to an unknown one, if it is a likely typo (a case slip, or 2 edits). */
static const config_key *suggest_key(const char *name, size_t len)
{
    const config_key *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const char *known = config_keys[i].name;
        size_t d = name_distance(name, len, known, strlen(known));
        if (d < best_distance) {
            best = &config_keys[i];
            best_distance = d;
        }
    }
    return best;
}

/* ---- the YAML file --------------------------------------------------------------------------- */

typedef struct {
    const char *name;  /* the path, or what stands for it, in messages */
    const char *input; /* the whole text, to place reader errors */
    size_t len;
    char *err;
    size_t err_cap;
} load_context;

static int fail_at(load_context *ctx, yaml_mark_t mark, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes "name:line:column: message"; libyaml counts from 0, people from 1. */
static int fail_at(load_context *ctx, yaml_mark_t mark, int code, const char *fmt, ...)
{
    char message[WHY_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    vg_format_reason(ctx->err, ctx->err_cap, "%s:%zu:%zu: %s", ctx->name, mark.line + 1,
                     mark.column + 1, message);
    return code;
}

/*
 * A reader error (bad UTF-8, a control character) carries a byte offset, not
 * a mark. Count lines and characters up to it, as libyaml's marks would.
 */
static yaml_mark_t mark_at_offset(const load_context *ctx, size_t offset)
{
    yaml_mark_t mark = {0, 0, 0};
    if (offset > ctx->len)
        offset = ctx->len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)ctx->input[i];
        if (c == '\n') {
            mark.line++;
            mark.column = 0;
        } else if ((c & 0xC0) != 0x80) {
            mark.column++; /* a UTF-8 continuation byte is part of the previous character */
        }
    }
    mark.index = offset;
    return mark;
}

static int syntax_error(load_context *ctx, const yaml_parser_t *parser)
{
    const char *problem = parser->problem ? parser->problem : "malformed YAML";
    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        vg_format_reason(ctx->err, ctx->err_cap, "%s: out of memory", ctx->name);
        return VG_ENOMEM;
    case YAML_READER_ERROR:
        if (parser->problem_value >= 0)
            return fail_at(ctx, mark_at_offset(ctx, parser->problem_offset), VG_ESYNTAX,
                           "%s (0x%X)", problem, (unsigned)parser->problem_value);
        return fail_at(ctx, mark_at_offset(ctx, parser->problem_offset), VG_ESYNTAX, "%s", problem);
    default:
        if (parser->context)
            return fail_at(ctx, parser->problem_mark, VG_ESYNTAX, "%s (%s at %zu:%zu)", problem,
                           parser->context, parser->context_mark.line + 1,
                           parser->context_mark.column + 1);
        return fail_at(ctx, parser->problem_mark, VG_ESYNTAX, "%s", problem);
    }
}

/* Replaces `event` with the next one; a libyaml error becomes a positioned message. */
static int next_event(load_context *ctx, yaml_parser_t *parser, yaml_event_t *event)
{
    yaml_event_delete(event); /* safe on the zeroed event we start with */
    if (!yaml_parser_parse(parser, event))
        return syntax_error(ctx, parser);
    return 0;
}

/*
 * We read plain key: value pairs; YAML's graph features would make a value
 * depend on text elsewhere in the file, so they are refused where they stand.
 */
static const char *node_feature(const yaml_event_t *event)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (event->type) {
    case YAML_ALIAS_EVENT:
        return "aliases (*name) are not supported";
    case YAML_SCALAR_EVENT:
        anchor = event->data.scalar.anchor;
        tag = event->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = event->data.sequence_start.anchor;
        tag = event->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = event->data.mapping_start.anchor;
        tag = event->data.mapping_start.tag;
        break;
    default:
        break;
    }
    if (anchor)
        return "anchors (&name) are not supported";
    if (tag)
        return "tags (!tag) are not supported";
    return NULL;
}

/* YAML 1.1 spells "no value" as nothing, ~ or null, when the scalar is not quoted. */
static bool is_null_scalar(const yaml_event_t *event)
{
    if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)event->data.scalar.value;
    size_t len = event->data.scalar.length;
    return len == 0 || (len == 1 && v[0] == '~') ||
           (len == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* Reads the key: value pairs of the top-level mapping, up to its end. */
static int load_mapping(load_context *ctx, yaml_parser_t *parser, yaml_event_t *event,
                        vg_config *cfg)
{
    bool seen[KEY_COUNT] = {false};
    int rc;
    for (;;) {
        if ((rc = next_event(ctx, parser, event)) != 0)
            return rc;
        if (event->type == YAML_MAPPING_END_EVENT)
            return 0;

        if (event->type != YAML_SCALAR_EVENT)
            return fail_at(ctx, event->start_mark, VG_EINVAL,
                           "a key must be a plain name, not a list or mapping");
        const char *feature = node_feature(event);
        if (feature)
            return fail_at(ctx, event->start_mark, VG_EINVAL, "%s", feature);
        const char *name = (const char *)event->data.scalar.value;
        size_t name_len = event->data.scalar.length;
        const config_key *key = find_key(name, name_len);
        if (!key) {
            char quoted[QUOTE_MAX + 4];
            quote_text(quoted, name, name_len);
            const config_key *close = suggest_key(name, name_len);
            if (close)
                return fail_at(ctx, event->start_mark, VG_EINVAL,
                               "unknown key '%s' (did you mean '%s'?)", quoted, close->name);
            return fail_at(ctx, event->start_mark, VG_EINVAL, "unknown key '%s'", quoted);
        }
        size_t index = (size_t)(key - config_keys);
        if (seen[index])
            return fail_at(ctx, event->start_mark, VG_EINVAL, "duplicate key '%s'", key->name);
        seen[index] = true;

        /* The key's event is gone after this; `key` points into the table and stays. */
        if ((rc = next_event(ctx, parser, event)) != 0)
            return rc;
        feature = node_feature(event);
        if (feature)
            return fail_at(ctx, event->start_mark, VG_EINVAL, "%s: %s", key->name, feature);
        if (event->type == YAML_SEQUENCE_START_EVENT)
            return fail_at(ctx, event->start_mark, VG_EINVAL,
                           "%s: expected a single value, not a list", key->name);
        if (event->type == YAML_MAPPING_START_EVENT)
            return fail_at(ctx, event->start_mark, VG_EINVAL,
                           "%s: expected a single value, not a mapping", key->name);
        if (is_null_scalar(event))
            return fail_at(ctx, event->start_mark, VG_EINVAL, "%s: missing value", key->name);

        char why[WHY_MAX];
        if (key_set(key, cfg, (const char *)event->data.scalar.value, event->data.scalar.length,
                    why, sizeof(why)) != 0)
            return fail_at(ctx, event->start_mark, VG_EINVAL, "%s: %s", key->name, why);
    }
}

/* The whole stream: nothing, or one document that is a mapping (or empty). */
static int load_events(load_context *ctx, yaml_parser_t *parser, vg_config *cfg)
{
    yaml_event_t event;
    memset(&event, 0, sizeof(event));
    int rc;

    if ((rc = next_event(ctx, parser, &event)) != 0) /* STREAM-START */
        goto done;
    if ((rc = next_event(ctx, parser, &event)) != 0)
        goto done;
    if (event.type == YAML_STREAM_END_EVENT)
        goto done; /* an empty file, or only comments: every default stands */

    /* DOCUMENT-START, then the document's one node. */
    if ((rc = next_event(ctx, parser, &event)) != 0)
        goto done;
    const char *feature = node_feature(&event);
    if (feature) {
        rc = fail_at(ctx, event.start_mark, VG_EINVAL, "%s", feature);
        goto done;
    }
    if (event.type == YAML_MAPPING_START_EVENT) {
        if ((rc = load_mapping(ctx, parser, &event, cfg)) != 0)
            goto done;
    } else if (event.type == YAML_SCALAR_EVENT && event.data.scalar.length == 0 &&
               event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        /* A bare "---": a document with nothing in it, as empty as an empty file. */
    } else {
        rc = fail_at(ctx, event.start_mark, VG_EINVAL,
                     "the top level must be a mapping of keys to values (key: value), not %s",
                     event.type == YAML_SEQUENCE_START_EVENT ? "a list" : "a single value");
        goto done;
    }

    if ((rc = next_event(ctx, parser, &event)) != 0) /* DOCUMENT-END */
        goto done;
    if ((rc = next_event(ctx, parser, &event)) != 0)
        goto done;
    if (event.type == YAML_DOCUMENT_START_EVENT)
        rc = fail_at(ctx, event.start_mark, VG_EINVAL,
                     "a second YAML document; a config file holds one");

done:
    yaml_event_delete(&event);
    return rc;
}

int vg_config_load_string(vg_config *cfg, const char *name, const char *yaml, size_t len, char *err,
                          size_t err_cap)
{
    load_context ctx = {
        .name = name ? name : "config",
        .input = yaml ? yaml : "",
        .len = yaml ? len : 0,
        .err = err,
        .err_cap = err_cap,
    };
    vg_format_reason(err, err_cap, "%s", "");

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        vg_format_reason(err, err_cap, "%s: out of memory", ctx.name);
        return VG_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)ctx.input, ctx.len);

    vg_config next = *cfg;
    int rc = load_events(&ctx, &parser, &next);
    yaml_parser_delete(&parser);
    if (rc == 0)
        *cfg = next;
    return rc;
}

int vg_config_load_file(vg_config *cfg, const char *path, char *err, size_t err_cap)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    FILE *file = fopen(path, "rb");
    if (!file) {
        int code = errno;
        vg_format_reason(err, err_cap, "%s: cannot open: %s", path, strerror(code));
        rc = -code;
        goto done;
    }
    /*
     * Read it whole: libyaml reports a bad byte by its offset, which we turn
     * into a line and column. One byte past the limit tells us it is too big.
     */
    for (;;) {
        if (len == cap) {
            if (cap == CONFIG_FILE_MAX + 1) {
                vg_format_reason(err, err_cap, "%s: file is larger than %d bytes", path,
                                 CONFIG_FILE_MAX);
                rc = VG_EINVAL;
                goto done;
            }
            size_t grown = cap ? cap * 2 : 4096;
            if (grown > CONFIG_FILE_MAX + 1)
                grown = CONFIG_FILE_MAX + 1;
            char *bigger = realloc(text, grown);
            if (!bigger) {
                vg_format_reason(err, err_cap, "%s: out of memory", path);
                rc = VG_ENOMEM;
                goto done;
            }
            text = bigger;
            cap = grown;
        }
        size_t got = fread(text + len, 1, cap - len, file);
        len += got;
        if (got == 0) {
            if (ferror(file)) {
                int code = errno ? errno : EIO;
                vg_format_reason(err, err_cap, "%s: cannot read: %s", path, strerror(code));
                rc = -code;
                goto done;
            }
            break;
        }
    }
    rc = vg_config_load_string(cfg, path, text, len, err, err_cap);

done:
    if (file)
        fclose(file);
    free(text);
    return rc;
}

/* ---- the environment ------------------------------------------------------------------------- */

int vg_config_apply_env(vg_config *cfg, char *err, size_t err_cap)
{
    vg_config next = *cfg;
    vg_format_reason(err, err_cap, "%s", "");
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const config_key *key = &config_keys[i];
        /* VIGIL_ and the key upper-cased: logLevel -> VIGIL_LOGLEVEL. */
        char env_name[80];
        size_t n = (size_t)snprintf(env_name, sizeof(env_name), "VIGIL_");
        for (const char *c = key->name; *c && n + 1 < sizeof(env_name); c++)
            env_name[n++] = (char)toupper((unsigned char)*c);
        env_name[n] = '\0';

        /* Set but empty counts as unset: that is what `VIGIL_LISTEN= vigil` usually means. */
        const char *value = getenv(env_name);
        if (!value || !*value)
            continue;
        char why[WHY_MAX];
        if (key_set(key, &next, value, strlen(value), why, sizeof(why)) != 0) {
            vg_format_reason(err, err_cap, "%s: %s", env_name, why);
            return VG_EINVAL;
        }
    }
    *cfg = next;
    return 0;
}

/* ---- one key by name (command-line flags) ---------------------------------------------------- */

int vg_config_set(vg_config *cfg, const char *key_name, const char *value, char *err,
                  size_t err_cap)
{
    vg_format_reason(err, err_cap, "%s", "");
    const config_key *key = find_key(key_name, strlen(key_name));
    if (!key) {
        vg_format_reason(err, err_cap, "unknown key '%s'", key_name);
        return VG_EINVAL;
    }
    vg_config next = *cfg;
    char why[WHY_MAX];
    if (key_set(key, &next, value, strlen(value), why, sizeof(why)) != 0) {
        vg_format_reason(err, err_cap, "%s", why);
        return VG_EINVAL;
    }
    *cfg = next;
    return 0;
}
