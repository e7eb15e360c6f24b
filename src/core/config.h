/*
 * config.h: vigil's settings, as a typed struct with embedded defaults.
 *
 * Sources, each overriding the one before:
 *   1. the defaults (vg_config_defaults),
 *   2. a YAML file (vg_config_load_file), keys named as MediaMTX names them
 *      where the concept is the same,
 *   3. environment variables VIGIL_<KEY>, the key upper-cased
 *      (logLevel -> VIGIL_LOGLEVEL) (vg_config_apply_env),
 *   4. command-line flags (main.c, through vg_config_set()).
 * An unknown key is an error that names the key. Durations are written as
 * MediaMTX writes them (200ms, 10s, 1h, 7d, 1h30m); sizes as 16MiB, 1MB or
 * plain bytes. Every key is documented in docs/config.md.
 */
#ifndef VG_CORE_CONFIG_H
#define VG_CORE_CONFIG_H

#include "core/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_CONFIG_STR_MAX 1024

typedef struct vg_config {
    vg_log_level log_level;              /* logLevel: error|warn|info|debug (info) */
    char listen[VG_CONFIG_STR_MAX];      /* listen: HOST:PORT or [IPV6]:PORT (127.0.0.1:8080) */
    char data_dir[VG_CONFIG_STR_MAX];    /* dataDir: database and media (./data) */
    int64_t http_idle_timeout_ms;        /* httpIdleTimeout: idle keep-alive connections (30s) */
    int64_t http_max_body_size;          /* httpMaxBodySize: request bodies, bytes (1MiB) */
    int64_t shutdown_timeout_ms;         /* shutdownTimeout: SIGTERM to exit, at most (5s) */
    bool console;                        /* console: serve the web console at / (yes) */
    char console_dir[VG_CONFIG_STR_MAX]; /* consoleDir: the built console (VIGIL_CONSOLE_DIR) */
    int64_t connect_timeout_ms;          /* connectTimeout: reach, open, describe a camera (10s) */
    int64_t read_timeout_ms;             /* readTimeout: a silent camera has failed (10s) */
    int64_t max_readers;                 /* maxReaders: per path, 0 unlimited (0) */
    bool source_on_demand;               /* sourceOnDemand: default of a stream's on_demand (no) */
    int64_t source_on_demand_start_timeout_ms; /* sourceOnDemandStartTimeout (10s) */
    int64_t source_on_demand_close_after_ms;   /* sourceOnDemandCloseAfter (10s) */
    bool hls_always_remux;                     /* hlsAlwaysRemux (no) */
    int64_t hls_segment_duration_ms;           /* hlsSegmentDuration (1s) */
    int64_t hls_part_duration_ms;              /* hlsPartDuration (200ms) */
    int64_t hls_segment_count;                 /* hlsSegmentCount (7) */
    int64_t hls_muxer_close_after_ms;          /* hlsMuxerCloseAfter (60s) */
    char hls_allow_origins[VG_CONFIG_STR_MAX]; /* hlsAllowOrigins: CORS (*) */
    char ws_allow_origins[VG_CONFIG_STR_MAX];  /* wsAllowOrigins: WebSocket Origin check (*) */
    bool webrtc;                               /* webrtc: WHEP and the UDP port (yes) */
    char webrtc_local_udp_address[VG_CONFIG_STR_MAX]; /* webrtcLocalUDPAddress (0.0.0.0:8189) */
    char webrtc_additional_hosts[VG_CONFIG_STR_MAX];  /* webrtcAdditionalHosts ("") */
    bool webrtc_ips_from_interfaces;                  /* webrtcIPsFromInterfaces (yes) */
    char webrtc_allow_origins[VG_CONFIG_STR_MAX];     /* webrtcAllowOrigins: CORS (*) */
    int64_t webrtc_handshake_timeout_ms;              /* webrtcHandshakeTimeout (10s) */
    char record_path[VG_CONFIG_STR_MAX];  /* recordPath: relative: under dataDir (recordings) */
    int64_t record_segment_duration_ms;   /* recordSegmentDuration (60s) */
    int64_t record_part_duration_ms;      /* recordPartDuration (1s) */
    int64_t record_delete_after_ms;       /* recordDeleteAfter (7d) */
    char record_plans[VG_CONFIG_STR_MAX]; /* recordPlans (basic=7d,pro=15d,premium=30d) */
    int64_t record_max_bytes_per_camera;  /* recordMaxBytesPerCamera: 0 = no limit (0) */
    int64_t record_min_free_space;        /* recordMinFreeSpace: 0 = no floor (1GiB) */
    int64_t record_cleanup_interval_ms;   /* recordCleanupInterval (10m) */
    int64_t record_expiry_notice_ms;      /* recordExpiryNotice (1d) */
    char record_webhook_url[VG_CONFIG_STR_MAX];    /* recordWebhookUrl: "" = none */
    char record_webhook_secret[VG_CONFIG_STR_MAX]; /* recordWebhookSecret: "" = unsigned */
    int64_t test_clock_offset_ms;                  /* testClockOffset: tests only (0) */
} vg_config;

/* Fills `cfg` with the embedded defaults. */
void vg_config_defaults(vg_config *cfg);

/*
 * Reads the YAML file at `path` over the current values of `cfg`. On error
 * returns a negative code and writes "path:line:column: message" into
 * `err` (capacity `err_cap`), for example
 *   vigil.yml:3:1: unknown key 'lisen'
 *   vigil.yml:4:18: httpIdleTimeout: invalid duration 'abc' (write it as 200ms, 10s, 1h or 7d)
 * On error `cfg` is left as it was. Lines and columns count from 1.
 */
int vg_config_load_file(vg_config *cfg, const char *path, char *err, size_t err_cap);

/* As vg_config_load_file() from `len` bytes in memory; `name` stands for the path in errors. */
int vg_config_load_string(vg_config *cfg, const char *name, const char *yaml, size_t len, char *err,
                          size_t err_cap);

/*
 * Applies VIGIL_<KEY> environment variables over `cfg`. On error writes
 * "VIGIL_<KEY>: message" into `err`.
 */
int vg_config_apply_env(vg_config *cfg, char *err, size_t err_cap);

/*
 * Sets one key by its YAML name from text, with the same checks as a file
 * gives it (main.c uses it for flags). On error leaves `cfg` as it was and
 * writes the problem, without the key's name, into `err`.
 */
int vg_config_set(vg_config *cfg, const char *key, const char *value, char *err, size_t err_cap);

/*
 * Parses a duration ("200ms", "10s", "1h30m", "7d", "1.5s"; units ms, s, m,
 * h, d) into milliseconds. Returns 0 or VG_EINVAL (empty, no unit, unknown
 * unit, negative, overflow).
 */
int vg_config_parse_duration(const char *s, int64_t *out_ms);

/*
 * Parses a size ("1048576", "512KB", "16MiB", "1GB"; B, KB/MB/GB are powers
 * of 1000, KiB/MiB/GiB of 1024) into bytes. Returns 0 or VG_EINVAL.
 */
int vg_config_parse_size(const char *s, int64_t *out_bytes);

/* Writes a duration the way it is read back ("30s", "1h30m", "250ms"). */
void vg_config_format_duration(int64_t ms, char *out, size_t cap);

#endif
