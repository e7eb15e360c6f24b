/*
 * fuzz_config.c: core/config.c's YAML reader against arbitrary bytes.
 *
 * Checks: no crash or leak; a failure always explains itself with a
 * message that starts with the name it was given; a failure leaves the
 * config exactly as it was.
 */
#include "core/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    vg_config before, cfg;
    vg_config_defaults(&before);
    cfg = before;
    char err[512];
    int rc = vg_config_load_string(&cfg, "fuzz.yml", (const char *)data, size, err, sizeof(err));
    if (rc < 0) {
        if (strncmp(err, "fuzz.yml:", 9) != 0)
            abort();
        if (memcmp(&cfg, &before, sizeof(cfg)) != 0)
            abort();
    } else {
        char text[32];
        vg_config_format_duration(cfg.http_idle_timeout_ms, text, sizeof(text));
        int64_t back;
        if (vg_config_parse_duration(text, &back) != 0 || back != cfg.http_idle_timeout_ms)
            abort();
    }
    return 0;
}
