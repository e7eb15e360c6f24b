/*
 * test_config.c: the config loader's public behaviour.
 *
 * Error messages are compared whole, "name:line:column: message", so a test
 * fails if a message points at the wrong place as well as if it says the
 * wrong thing: the position is what lets a user find the mistake.
 */
#include "core/config.h"

#include "core/error.h"
#include "vg_test.h"

#include <errno.h>
#include <stdbool.h>

#define MIB (1024 * 1024)

/* The environment variables vg_config_apply_env() reads, unset around each env test. */
static const char *const env_names[] = {
    "VIGIL_LOGLEVEL",        "VIGIL_LISTEN",          "VIGIL_DATADIR",
    "VIGIL_HTTPIDLETIMEOUT", "VIGIL_HTTPMAXBODYSIZE", "VIGIL_SHUTDOWNTIMEOUT",
};

static void unset_env(void)
{
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
}

static int load(vg_config *cfg, const char *yaml, char *err, size_t err_cap)
{
    return vg_config_load_string(cfg, "vigil.yml", yaml, strlen(yaml), err, err_cap);
}

/*
 * Loads `yaml` over the defaults, expecting it to fail. Returns true if it
 * failed and left the config exactly as it was; the message is in `err`.
 */
static bool load_fails(const char *yaml, char *err, size_t err_cap)
{
    vg_config cfg, before;
    vg_config_defaults(&cfg);
    before = cfg;
    int rc = load(&cfg, yaml, err, err_cap);
    return rc < 0 && memcmp(&cfg, &before, sizeof(cfg)) == 0;
}

/* A macro, so a failure reports the line of the case rather than of a helper. */
#define CHECK_LOAD_ERROR(yaml, want)                                                               \
    do {                                                                                           \
        char err_[2048] = "";                                                                      \
        CHECK(load_fails((yaml), err_, sizeof(err_)));                                             \
        CHECK_STR_EQ(err_, (want));                                                                \
    } while (0)

#define DURATION_HINT "(write it as 200ms, 10s, 1h or 7d)"
#define SIZE_HINT     "(write it as 1048576, 512KB or 16MiB)"
#define ADDRESS_HINT  "(write it as HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)"

static void test_defaults(void)
{
    vg_config cfg;
    memset(&cfg, 0x5a, sizeof(cfg));
    vg_config_defaults(&cfg);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_INFO);
    CHECK_STR_EQ(cfg.listen, "127.0.0.1:8080");
    CHECK_STR_EQ(cfg.data_dir, "./data");
    CHECK_INT_EQ(cfg.http_idle_timeout_ms, 30000);
    CHECK_INT_EQ(cfg.http_max_body_size, 1048576);
    CHECK_INT_EQ(cfg.shutdown_timeout_ms, 5000);
}

static void test_every_key_from_string(void)
{
    const char *yaml = "# vigil.yml\n"
                       "logLevel: debug\n"
                       "listen: '[::1]:9000'\n"
                       "dataDir: \"/var/lib/vigil data\"\n"
                       "httpIdleTimeout: 1m30s\n"
                       "httpMaxBodySize: 16MiB\n"
                       "shutdownTimeout: 1.5s\n";
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512] = "unchanged";
    CHECK_INT_EQ(load(&cfg, yaml, err, sizeof(err)), 0);
    CHECK_STR_EQ(err, "");
    CHECK_INT_EQ(cfg.log_level, VG_LOG_DEBUG);
    CHECK_STR_EQ(cfg.listen, "[::1]:9000");
    CHECK_STR_EQ(cfg.data_dir, "/var/lib/vigil data");
    CHECK_INT_EQ(cfg.http_idle_timeout_ms, 90000);
    CHECK_INT_EQ(cfg.http_max_body_size, 16 * MIB);
    CHECK_INT_EQ(cfg.shutdown_timeout_ms, 1500);
}

static void test_partial_file_keeps_other_values(void)
{
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, "logLevel: warn\n", err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_WARN);
    CHECK_STR_EQ(cfg.listen, "127.0.0.1:8080");
    CHECK_INT_EQ(cfg.http_idle_timeout_ms, 30000);

    /* A second source overrides only what it names. */
    CHECK_INT_EQ(load(&cfg, "listen: 0.0.0.0:0\n", err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_WARN);
    CHECK_STR_EQ(cfg.listen, "0.0.0.0:0");
}

static void test_empty_documents_are_defaults(void)
{
    static const char *const empties[] = {
        "", "\n", "# only a comment\n\n# another\n", "---\n", "---\n...\n", "{}\n", "\xEF\xBB\xBF",
    };
    for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        vg_config cfg, want;
        vg_config_defaults(&cfg);
        want = cfg;
        char err[512];
        CHECK_INT_EQ(load(&cfg, empties[i], err, sizeof(err)), 0);
        CHECK(memcmp(&cfg, &want, sizeof(cfg)) == 0);
    }
    /* No bytes at all, not even a pointer. */
    vg_config cfg;
    vg_config_defaults(&cfg);
    CHECK_INT_EQ(vg_config_load_string(&cfg, "x", NULL, 0, NULL, 0), 0);
}

static void test_flow_mapping_and_quoted_keys(void)
{
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, "{\"logLevel\": error, 'dataDir': /srv}\n", err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_ERROR);
    CHECK_STR_EQ(cfg.data_dir, "/srv");
}

static void test_syntax_errors(void)
{
    CHECK_LOAD_ERROR("logLevel: info: x\n",
                     "vigil.yml:1:15: mapping values are not allowed in this context");
    CHECK_LOAD_ERROR("{logLevel: info,\n listen: '127.0.0.1:1'\n",
                     "vigil.yml:3:1: did not find expected ',' or '}' "
                     "(while parsing a flow mapping at 1:1)");
    /* Problems are reported in file order: the list comes before the missing ']'. */
    CHECK_LOAD_ERROR("logLevel: info\nlisten: [1\n",
                     "vigil.yml:2:9: listen: expected a single value, not a list");
    CHECK_LOAD_ERROR("dataDir: \"unterminated\n", "vigil.yml:2:1: found unexpected end of stream "
                                                  "(while scanning a quoted scalar at 1:10)");
    CHECK_LOAD_ERROR("logLevel: info\n\tlisten: x\n",
                     "vigil.yml:2:1: found a tab character that violates indentation "
                     "(while scanning a plain scalar at 1:11)");
    /* A bad byte is reported by offset; we turn it into a position. */
    CHECK_LOAD_ERROR("logLevel: info\ndataDir: \xff\n",
                     "vigil.yml:2:10: invalid leading UTF-8 octet (0xFF)");
    CHECK_LOAD_ERROR("dataDir: \xC3\xA9t\xC3\xA9\x01\n",
                     "vigil.yml:1:13: control characters are not allowed (0x1)");
}

static void test_root_must_be_a_mapping(void)
{
    CHECK_LOAD_ERROR("- logLevel\n- listen\n", "vigil.yml:1:1: the top level must be a mapping "
                                               "of keys to values (key: value), not a list");
    CHECK_LOAD_ERROR("# comment\n  listen 127.0.0.1:8080\n",
                     "vigil.yml:2:3: the top level must be a mapping of keys to values "
                     "(key: value), not a single value");
    CHECK_LOAD_ERROR("\"\"\n", "vigil.yml:1:1: the top level must be a mapping of keys to values "
                               "(key: value), not a single value");
    CHECK_LOAD_ERROR("&top\nlogLevel: info\n", "vigil.yml:1:1: anchors (&name) are not supported");
    CHECK_LOAD_ERROR("logLevel: info\n---\nlogLevel: debug\n",
                     "vigil.yml:2:1: a second YAML document; a config file holds one");
}

static void test_unknown_keys(void)
{
    CHECK_LOAD_ERROR("logLevel: info\nlisen: 127.0.0.1:80\n",
                     "vigil.yml:2:1: unknown key 'lisen' (did you mean 'listen'?)");
    /* Only the case differs. */
    CHECK_LOAD_ERROR("LOGLEVEL: info\n",
                     "vigil.yml:1:1: unknown key 'LOGLEVEL' (did you mean 'logLevel'?)");
    CHECK_LOAD_ERROR("{ data_dir: x }\n",
                     "vigil.yml:1:3: unknown key 'data_dir' (did you mean 'dataDir'?)");
    CHECK_LOAD_ERROR(
        "httpIdleTimout: 1s\n",
        "vigil.yml:1:1: unknown key 'httpIdleTimout' (did you mean 'httpIdleTimeout'?)");
    /* Three edits away is no longer a typo. */
    CHECK_LOAD_ERROR("lsn: x\n", "vigil.yml:1:1: unknown key 'lsn'");
    CHECK_LOAD_ERROR("rtspAddress: :8554\n", "vigil.yml:1:1: unknown key 'rtspAddress'");
    /* A key vigil has, with MediaMTX's host-less address, is told what to write. */
    CHECK_LOAD_ERROR("webrtcLocalUDPAddress: :8189\n",
                     "vigil.yml:1:24: webrtcLocalUDPAddress: invalid address ':8189': missing host "
                     "(0.0.0.0 is every IPv4 interface, [::] every IPv6 one) (write it as "
                     "HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
    CHECK_LOAD_ERROR("'': x\n", "vigil.yml:1:1: unknown key ''");
    /* A quoted key with a control character cannot forge a second line. */
    CHECK_LOAD_ERROR("\"bad\\nkey\": x\n", "vigil.yml:1:1: unknown key 'bad?key'");
    /* Long keys are quoted in part. */
    char yaml[256], want[256];
    snprintf(yaml, sizeof(yaml), "%0100d: x\n", 0);
    snprintf(want, sizeof(want), "vigil.yml:1:1: unknown key '%064d...'", 0);
    CHECK_LOAD_ERROR(yaml, want);
    CHECK_LOAD_ERROR("[a, b]: x\n",
                     "vigil.yml:1:1: a key must be a plain name, not a list or mapping");
    CHECK_LOAD_ERROR("!!str listen: x\n", "vigil.yml:1:1: tags (!tag) are not supported");
}

static void test_duplicate_key(void)
{
    CHECK_LOAD_ERROR("listen: 127.0.0.1:1\ndataDir: x\nlisten: 127.0.0.1:2\n",
                     "vigil.yml:3:1: duplicate key 'listen'");
    CHECK_LOAD_ERROR("{logLevel: info, \"logLevel\": debug}\n",
                     "vigil.yml:1:18: duplicate key 'logLevel'");
}

static void test_value_must_be_scalar(void)
{
    CHECK_LOAD_ERROR("logLevel:\n  - debug\n",
                     "vigil.yml:2:3: logLevel: expected a single value, not a list");
    CHECK_LOAD_ERROR("logLevel: [debug]\n",
                     "vigil.yml:1:11: logLevel: expected a single value, not a list");
    CHECK_LOAD_ERROR("listen:\n  host: a\n  port: 1\n",
                     "vigil.yml:2:3: listen: expected a single value, not a mapping");
    CHECK_LOAD_ERROR("listen: &a 127.0.0.1:1\n",
                     "vigil.yml:1:9: listen: anchors (&name) are not supported");
    CHECK_LOAD_ERROR("dataDir: *a\n", "vigil.yml:1:10: dataDir: aliases (*name) are not supported");
    CHECK_LOAD_ERROR("logLevel: !!str info\n",
                     "vigil.yml:1:11: logLevel: tags (!tag) are not supported");
}

static void test_missing_and_empty_values(void)
{
    CHECK_LOAD_ERROR("listen:\nlogLevel: info\n", "vigil.yml:1:8: listen: missing value");
    CHECK_LOAD_ERROR("dataDir: ~\n", "vigil.yml:1:10: dataDir: missing value");
    CHECK_LOAD_ERROR("logLevel: null\n", "vigil.yml:1:11: logLevel: missing value");
    CHECK_LOAD_ERROR("dataDir: ''\n", "vigil.yml:1:10: dataDir: must not be empty");
    /* Quoted, "null" is a name like any other. */
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, "dataDir: 'null'\n", err, sizeof(err)), 0);
    CHECK_STR_EQ(cfg.data_dir, "null");
}

static void test_invalid_values(void)
{
    CHECK_LOAD_ERROR("logLevel: info\nlisten: 127.0.0.1:8080\n\nhttpIdleTimeout: abc\n",
                     "vigil.yml:4:18: httpIdleTimeout: invalid duration 'abc' " DURATION_HINT);
    CHECK_LOAD_ERROR(
        "logLevel: loud\n",
        "vigil.yml:1:11: logLevel: invalid level 'loud' (use error, warn, info or debug)");
    CHECK_LOAD_ERROR(
        "logLevel: INFO\n",
        "vigil.yml:1:11: logLevel: invalid level 'INFO' (use error, warn, info or debug)");
    CHECK_LOAD_ERROR("httpMaxBodySize: 1XB\n",
                     "vigil.yml:1:18: httpMaxBodySize: invalid size '1XB' " SIZE_HINT);
    CHECK_LOAD_ERROR("shutdownTimeout: 10\n",
                     "vigil.yml:1:18: shutdownTimeout: invalid duration '10' " DURATION_HINT);
    CHECK_LOAD_ERROR("shutdownTimeout: \"-1s\"\n",
                     "vigil.yml:1:18: shutdownTimeout: invalid duration '-1s' " DURATION_HINT);
    CHECK_LOAD_ERROR("dataDir: \"a\\0b\"\n", "vigil.yml:1:10: dataDir: contains a NUL character");
}

static void test_zero_is_refused_where_it_makes_no_sense(void)
{
    CHECK_LOAD_ERROR("httpMaxBodySize: 0\n",
                     "vigil.yml:1:18: httpMaxBodySize: must be greater than 0");
    CHECK_LOAD_ERROR("httpMaxBodySize: 0MiB\n",
                     "vigil.yml:1:18: httpMaxBodySize: must be greater than 0");
    CHECK_LOAD_ERROR("httpIdleTimeout: 0s\n",
                     "vigil.yml:1:18: httpIdleTimeout: must be greater than 0");
    CHECK_LOAD_ERROR("shutdownTimeout: 0\n",
                     "vigil.yml:1:18: shutdownTimeout: must be greater than 0");
    /* Port 0 is fine: any free port. */
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, "listen: 127.0.0.1:0\n", err, sizeof(err)), 0);
}

static void test_string_length_limit(void)
{
    /* "dataDir: " then the value: the value starts at column 10. */
    char *yaml = malloc(16 + VG_CONFIG_STR_MAX);
    CHECK(yaml != NULL);
    if (!yaml)
        return;
    strcpy(yaml, "dataDir: ");
    memset(yaml + 9, 'a', VG_CONFIG_STR_MAX - 1);
    yaml[9 + VG_CONFIG_STR_MAX - 1] = '\0';

    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, yaml, err, sizeof(err)), 0);
    CHECK_INT_EQ(strlen(cfg.data_dir), VG_CONFIG_STR_MAX - 1);

    strcat(yaml, "a");
    CHECK_LOAD_ERROR(yaml, "vigil.yml:1:10: dataDir: value is too long (1024 bytes, at most 1023)");
    free(yaml);
}

static void test_listen_forms(void)
{
    static const char *const good[] = {
        "127.0.0.1:8080",          "0.0.0.0:0",    "localhost:65535",
        "cam-host.example.com:80", "[::1]:8080",   "[::]:1",
        "[fe80::1%eth0]:9",        "vigil_1:8080", "10.0.0.1:00080",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char yaml[128], err[512] = "";
        snprintf(yaml, sizeof(yaml), "listen: '%s'\n", good[i]);
        vg_config cfg;
        vg_config_defaults(&cfg);
        CHECK_INT_EQ(load(&cfg, yaml, err, sizeof(err)), 0);
        CHECK_STR_EQ(cfg.listen, good[i]);
        if (strcmp(cfg.listen, good[i]) != 0)
            fprintf(stderr, "  listen %s: %s\n", good[i], err);
    }

    static const struct {
        const char *value, *problem;
    } bad[] = {
        {"8080", "missing host (0.0.0.0 is every IPv4 interface, [::] every IPv6 one)"},
        {"localhost", "missing port"},
        {"127.0.0.1", "missing port"},
        {"127.0.0.1:", "missing port"},
        {":8080", "missing host (0.0.0.0 is every IPv4 interface, [::] every IPv6 one)"},
        {"127.0.0.1:65536", "port must be a number from 0 to 65535 (0 picks a free port)"},
        {"127.0.0.1:http", "port must be a number from 0 to 65535 (0 picks a free port)"},
        {"127.0.0.1:-1", "port must be a number from 0 to 65535 (0 picks a free port)"},
        {"127.0.0.1:123456", "port must be a number from 0 to 65535 (0 picks a free port)"},
        {"256.0.0.1:80", "invalid IPv4 address"},
        {"1.2.3:80", "invalid IPv4 address"},
        {"bad host:80", "invalid host name"},
        {"-host:80", "invalid host name"},
        {"a..b:80", "invalid host name"},
        {"::1:8080", "an IPv6 address needs brackets, as in [::1]:8080"},
        {"[::1:8080", "missing ']' after the IPv6 address"},
        {"[::1]", "missing port"},
        {"[::1]8080", "expected ':' after ']'"},
        {"[]:80", "invalid IPv6 address"},
        {"[::g]:80", "invalid IPv6 address"},
        {"[127.0.0.1]:80", "invalid IPv6 address"},
        {"[fe80::1%]:80", "invalid IPv6 zone"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[128], want[512];
        snprintf(yaml, sizeof(yaml), "listen: '%s'\n", bad[i].value);
        snprintf(want, sizeof(want),
                 "vigil.yml:1:9: listen: invalid address '%s': %s " ADDRESS_HINT, bad[i].value,
                 bad[i].problem);
        CHECK_LOAD_ERROR(yaml, want);
    }
}

static void test_parse_duration(void)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"200ms", 200},
        {"10s", 10000},
        {"1m", 60000},
        {"1h", 3600000},
        {"7d", 7 * 86400000LL},
        {"1h30m", 5400000},
        {"1m30s", 90000},
        {"1d2h3m4s5ms", 93784005},
        {"1.5s", 1500},
        {"1.500s", 1500},
        {".5s", 500},
        {"1.s", 1000},
        {"0.001s", 1},
        {"0.5h", 1800000},
        {"1.5d", 129600000},
        {"0s", 0},
        {"0", 0},
        {"0ms", 0},
        {"1s1s", 2000},
        {"00010s", 10000},
        {"9223372036854775807ms", INT64_MAX},
        {"106751991167d7h12m55s807ms", INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t ms = -1;
        CHECK_INT_EQ(vg_config_parse_duration(good[i].text, &ms), 0);
        CHECK_INT_EQ(ms, good[i].ms);
    }

    static const char *const bad[] = {
        "",
        "10",
        "abc",
        "s",
        "ms",
        "-1s",
        "+1s",
        "1x",
        "1 s",
        " 1s",
        "1s ",
        "1S",
        "1us",
        "1ns",
        "1.5ms",
        "0.1ms",
        "1..5s",
        ".s",
        "1e3s",
        "1h-1m",
        "1,5s",
        "1h30",
        "00",
        "0.0",
        "infs",
        "1sec",
        "1mn",
        "1dd",
        "\xC2\xB5s",
        "9223372036854775808ms",
        "106751991168d",
        "106751991167d7h12m55s808ms",
        "99999999999999999999999999s",
        "0.0000000000000000001s",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 42;
        int rc = vg_config_parse_duration(bad[i], &ms);
        CHECK_INT_EQ(rc, VG_EINVAL);
        CHECK_INT_EQ(ms, 42); /* untouched on error */
        if (rc != VG_EINVAL)
            fprintf(stderr, "  accepted bad duration '%s'\n", bad[i]);
    }
    CHECK_INT_EQ(vg_config_parse_duration(NULL, NULL), VG_EINVAL);
}

static void test_parse_size(void)
{
    static const struct {
        const char *text;
        int64_t bytes;
    } good[] = {
        {"0", 0},
        {"1", 1},
        {"1048576", 1048576},
        {"512B", 512},
        {"512KB", 512000},
        {"1MB", 1000000},
        {"1GB", 1000000000},
        {"2TB", 2000000000000LL},
        {"1KiB", 1024},
        {"16MiB", 16 * MIB},
        {"1GiB", 1LL << 30},
        {"3TiB", 3LL << 40},
        {"1.5KB", 1500},
        {"1.5MiB", 1572864},
        {"0.5KiB", 512},
        {"1.0000000005TB", 1000000000500LL},
        {"9223372036854775807", INT64_MAX},
        {"8388607TiB", 8388607LL << 40},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t bytes = -1;
        CHECK_INT_EQ(vg_config_parse_size(good[i].text, &bytes), 0);
        CHECK_INT_EQ(bytes, good[i].bytes);
    }

    static const char *const bad[] = {
        "",
        "1XB",
        "-1",
        "+1",
        "1 MiB",
        " 1",
        "1MiB ",
        "1mib",
        "1kb",
        "1K",
        "1Ki",
        "MiB",
        "1KiBB",
        "1.5",
        "0.1KiB",
        "1e6",
        "1,000",
        "0x10",
        "1.2.3MB",
        "9223372036854775808",
        "8388608TiB",
        "9223372036854775807B1",
        "99999999999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t bytes = 42;
        int rc = vg_config_parse_size(bad[i], &bytes);
        CHECK_INT_EQ(rc, VG_EINVAL);
        CHECK_INT_EQ(bytes, 42);
        if (rc != VG_EINVAL)
            fprintf(stderr, "  accepted bad size '%s'\n", bad[i]);
    }
    CHECK_INT_EQ(vg_config_parse_size(NULL, NULL), VG_EINVAL);
}

static void test_format_duration(void)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},
        {1, "1ms"},
        {250, "250ms"},
        {1000, "1s"},
        {1500, "1s500ms"},
        {30000, "30s"},
        {60000, "1m"},
        {90000, "1m30s"},
        {3600000, "1h"},
        {5400000, "1h30m"},
        {86400000, "1d"},
        {7 * 86400000LL, "7d"},
        {86400001, "1d1ms"},
        {36 * 3600000LL, "1d12h"},
        {93784005, "1d2h3m4s5ms"},
        {INT64_MAX, "106751991167d7h12m55s807ms"},
        {-1500, "-1s500ms"},
        {INT64_MIN, "-106751991167d7h12m55s808ms"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[64];
        vg_config_format_duration(cases[i].ms, text, sizeof(text));
        CHECK_STR_EQ(text, cases[i].text);
        /* Every non-negative value reads back as itself. */
        if (cases[i].ms >= 0) {
            int64_t back = -1;
            CHECK_INT_EQ(vg_config_parse_duration(text, &back), 0);
            CHECK_INT_EQ(back, cases[i].ms);
        }
    }

    /* A sweep of round trips over several magnitudes. */
    for (int64_t ms = 1; ms > 0 && ms < INT64_MAX / 7; ms = ms * 7 + 3) {
        char text[64];
        int64_t back = -1;
        vg_config_format_duration(ms, text, sizeof(text));
        CHECK_INT_EQ(vg_config_parse_duration(text, &back), 0);
        CHECK_INT_EQ(back, ms);
    }

    /* A short buffer gets a truncated, terminated string. */
    char small[3] = "xx";
    vg_config_format_duration(90000, small, sizeof(small));
    CHECK_STR_EQ(small, "1m");
    vg_config_format_duration(90000, small, 0);
    CHECK_STR_EQ(small, "1m");
}

static void test_env_overrides(void)
{
    unset_env();
    setenv("VIGIL_LOGLEVEL", "debug", 1);
    setenv("VIGIL_LISTEN", "[::1]:9000", 1);
    setenv("VIGIL_DATADIR", "/var/lib/vigil", 1);
    setenv("VIGIL_HTTPIDLETIMEOUT", "1m", 1);
    setenv("VIGIL_HTTPMAXBODYSIZE", "16MiB", 1);
    setenv("VIGIL_SHUTDOWNTIMEOUT", "10s", 1);

    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512] = "unchanged";
    CHECK_INT_EQ(vg_config_apply_env(&cfg, err, sizeof(err)), 0);
    CHECK_STR_EQ(err, "");
    CHECK_INT_EQ(cfg.log_level, VG_LOG_DEBUG);
    CHECK_STR_EQ(cfg.listen, "[::1]:9000");
    CHECK_STR_EQ(cfg.data_dir, "/var/lib/vigil");
    CHECK_INT_EQ(cfg.http_idle_timeout_ms, 60000);
    CHECK_INT_EQ(cfg.http_max_body_size, 16 * MIB);
    CHECK_INT_EQ(cfg.shutdown_timeout_ms, 10000);
    unset_env();
}

static void test_env_over_file(void)
{
    unset_env();
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512];
    CHECK_INT_EQ(load(&cfg, "listen: 127.0.0.1:1\nlogLevel: warn\n", err, sizeof(err)), 0);
    setenv("VIGIL_LISTEN", "127.0.0.1:2", 1);
    setenv("VIGIL_DATADIR", "", 1); /* set but empty: as if unset */
    CHECK_INT_EQ(vg_config_apply_env(&cfg, err, sizeof(err)), 0);
    CHECK_STR_EQ(cfg.listen, "127.0.0.1:2");
    CHECK_INT_EQ(cfg.log_level, VG_LOG_WARN); /* the file's, no variable */
    CHECK_STR_EQ(cfg.data_dir, "./data");
    unset_env();
}

static void test_env_errors(void)
{
    static const struct {
        const char *name, *value, *want;
    } cases[] = {
        {"VIGIL_HTTPIDLETIMEOUT", "abc",
         "VIGIL_HTTPIDLETIMEOUT: invalid duration 'abc' " DURATION_HINT},
        {"VIGIL_LOGLEVEL", "loud",
         "VIGIL_LOGLEVEL: invalid level 'loud' (use error, warn, info or debug)"},
        {"VIGIL_LISTEN", "localhost",
         "VIGIL_LISTEN: invalid address 'localhost': missing port " ADDRESS_HINT},
        {"VIGIL_HTTPMAXBODYSIZE", "0", "VIGIL_HTTPMAXBODYSIZE: must be greater than 0"},
        {"VIGIL_SHUTDOWNTIMEOUT", "5",
         "VIGIL_SHUTDOWNTIMEOUT: invalid duration '5' " DURATION_HINT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unset_env();
        setenv("VIGIL_DATADIR", "/elsewhere", 1); /* valid, but must not be applied either */
        setenv(cases[i].name, cases[i].value, 1);
        vg_config cfg, before;
        vg_config_defaults(&cfg);
        before = cfg;
        char err[512] = "";
        CHECK_INT_EQ(vg_config_apply_env(&cfg, err, sizeof(err)), VG_EINVAL);
        CHECK_STR_EQ(err, cases[i].want);
        CHECK(memcmp(&cfg, &before, sizeof(cfg)) == 0);
    }

    /* Too long for the field. */
    unset_env();
    char long_value[VG_CONFIG_STR_MAX + 1];
    memset(long_value, 'd', VG_CONFIG_STR_MAX);
    long_value[VG_CONFIG_STR_MAX] = '\0';
    setenv("VIGIL_DATADIR", long_value, 1);
    vg_config cfg;
    vg_config_defaults(&cfg);
    char err[512] = "";
    CHECK_INT_EQ(vg_config_apply_env(&cfg, err, sizeof(err)), VG_EINVAL);
    CHECK_STR_EQ(err, "VIGIL_DATADIR: value is too long (1024 bytes, at most 1023)");
    unset_env();
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_INT_EQ(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void test_load_file(void)
{
    char dir[512], path[600], err[1024], want[1200];
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/vigil.yml", dir);

    const char *text = "logLevel: error\nhttpMaxBodySize: 512KB\n";
    write_text(path, text, strlen(text));
    vg_config cfg;
    vg_config_defaults(&cfg);
    CHECK_INT_EQ(vg_config_load_file(&cfg, path, err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_ERROR);
    CHECK_INT_EQ(cfg.http_max_body_size, 512000);

    /* Errors name the path as given. */
    text = "logLevel: error\n\nlisen: x\n";
    write_text(path, text, strlen(text));
    CHECK(vg_config_load_file(&cfg, path, err, sizeof(err)) < 0);
    snprintf(want, sizeof(want), "%s:3:1: unknown key 'lisen' (did you mean 'listen'?)", path);
    CHECK_STR_EQ(err, want);

    /* A config file over 1 MiB is a mistake. */
    char *big = malloc(MIB + 1);
    CHECK(big != NULL);
    if (big) {
        memset(big, '#', MIB + 1);
        big[MIB] = '\n';
        write_text(path, big, MIB + 1);
        CHECK_INT_EQ(vg_config_load_file(&cfg, path, err, sizeof(err)), VG_EINVAL);
        snprintf(want, sizeof(want), "%s: file is larger than 1048576 bytes", path);
        CHECK_STR_EQ(err, want);
        /* Exactly 1 MiB of comments is fine (and all defaults). */
        write_text(path, big, MIB);
        CHECK_INT_EQ(vg_config_load_file(&cfg, path, err, sizeof(err)), 0);
        free(big);
    }
    unlink(path);

    snprintf(path, sizeof(path), "%s/missing.yml", dir);
    CHECK_INT_EQ(vg_config_load_file(&cfg, path, err, sizeof(err)), VG_ENOENT);
    snprintf(want, sizeof(want), "%s/missing.yml: cannot open: No such file or directory", dir);
    CHECK_STR_EQ(err, want);

    /* A directory opens but does not read. */
    CHECK_INT_EQ(vg_config_load_file(&cfg, dir, err, sizeof(err)), -EISDIR);
    snprintf(want, sizeof(want), "%s: cannot read: Is a directory", dir);
    CHECK_STR_EQ(err, want);
    rmdir(dir);
}

static void test_error_buffer_edge_cases(void)
{
    vg_config cfg;
    vg_config_defaults(&cfg);
    /* No buffer: still an error code, and nothing written anywhere. */
    CHECK_INT_EQ(vg_config_load_string(&cfg, "x", "lisen: 1", 8, NULL, 0), VG_EINVAL);
    /* A small buffer: truncated and terminated. */
    char small[10];
    CHECK_INT_EQ(vg_config_load_string(&cfg, "vigil.yml", "lisen: 1", 8, small, sizeof(small)),
                 VG_EINVAL);
    CHECK_STR_EQ(small, "vigil.yml");
    /* Without a name, "config" stands in. */
    char err[256];
    CHECK_INT_EQ(vg_config_load_string(&cfg, NULL, "x: 1", 4, err, sizeof(err)), VG_EINVAL);
    CHECK_STR_EQ(err, "config:1:1: unknown key 'x'");
    /* Not NUL-terminated: only `len` bytes are read. */
    const char text[] = {'l', 'o', 'g', 'L', 'e', 'v', 'e', 'l', ':', ' ', 'w', 'a', 'r', 'n', 'X'};
    CHECK_INT_EQ(vg_config_load_string(&cfg, "x", text, sizeof(text) - 1, err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.log_level, VG_LOG_WARN);
}

static void test_on_demand_keys(void)
{
    vg_config cfg;
    char err[512];
    vg_config_defaults(&cfg);
    CHECK(!cfg.source_on_demand);
    CHECK_INT_EQ(cfg.source_on_demand_close_after_ms, 10000);
    CHECK_INT_EQ(cfg.source_on_demand_start_timeout_ms, 10000);
    const char *yaml = "sourceOnDemand: yes\nsourceOnDemandCloseAfter: 15s\n"
                       "sourceOnDemandStartTimeout: 2500ms\n";
    CHECK_INT_EQ(vg_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), err, sizeof(err)), 0);
    CHECK(cfg.source_on_demand);
    CHECK_INT_EQ(cfg.source_on_demand_close_after_ms, 15000);
    CHECK_INT_EQ(cfg.source_on_demand_start_timeout_ms, 2500);
    const char *values[] = {"true", "On", "NO", "false", "off"};
    const bool want[] = {true, true, false, false, false};
    for (size_t i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof(text), "sourceOnDemand: %s\n", values[i]);
        CHECK_INT_EQ(vg_config_load_string(&cfg, "t.yml", text, strlen(text), err, sizeof(err)), 0);
        CHECK(cfg.source_on_demand == want[i]);
    }
    const char *bad = "sourceOnDemand: maybe\n";
    CHECK(vg_config_load_string(&cfg, "t.yml", bad, strlen(bad), err, sizeof(err)) < 0);
    CHECK_STR_EQ(err, "t.yml:1:17: sourceOnDemand: invalid value 'maybe' (use yes or no)");
}

static void test_max_readers_key(void)
{
    vg_config cfg;
    char err[512];
    vg_config_defaults(&cfg);
    CHECK_INT_EQ(cfg.max_readers, 0);
    const char *yaml = "maxReaders: 8\n";
    CHECK_INT_EQ(vg_config_load_string(&cfg, "t.yml", yaml, strlen(yaml), err, sizeof(err)), 0);
    CHECK_INT_EQ(cfg.max_readers, 8);
    const char *bad[] = {"maxReaders: -1\n", "maxReaders: 2.5\n", "maxReaders: lots\n"};
    for (size_t i = 0; i < 3; i++) {
        CHECK(vg_config_load_string(&cfg, "t.yml", bad[i], strlen(bad[i]), err, sizeof(err)) < 0);
        CHECK(strstr(err, "t.yml:1:13: maxReaders: invalid number") == err);
    }
}

int main(void)
{
    VG_TEST_RUN(test_max_readers_key);
    VG_TEST_RUN(test_on_demand_keys);
    VG_TEST_RUN(test_defaults);
    VG_TEST_RUN(test_every_key_from_string);
    VG_TEST_RUN(test_partial_file_keeps_other_values);
    VG_TEST_RUN(test_empty_documents_are_defaults);
    VG_TEST_RUN(test_flow_mapping_and_quoted_keys);
    VG_TEST_RUN(test_syntax_errors);
    VG_TEST_RUN(test_root_must_be_a_mapping);
    VG_TEST_RUN(test_unknown_keys);
    VG_TEST_RUN(test_duplicate_key);
    VG_TEST_RUN(test_value_must_be_scalar);
    VG_TEST_RUN(test_missing_and_empty_values);
    VG_TEST_RUN(test_invalid_values);
    VG_TEST_RUN(test_zero_is_refused_where_it_makes_no_sense);
    VG_TEST_RUN(test_string_length_limit);
    VG_TEST_RUN(test_listen_forms);
    VG_TEST_RUN(test_parse_duration);
    VG_TEST_RUN(test_parse_size);
    VG_TEST_RUN(test_format_duration);
    VG_TEST_RUN(test_env_overrides);
    VG_TEST_RUN(test_env_over_file);
    VG_TEST_RUN(test_env_errors);
    VG_TEST_RUN(test_load_file);
    VG_TEST_RUN(test_error_buffer_edge_cases);
    return vg_test_done();
}
