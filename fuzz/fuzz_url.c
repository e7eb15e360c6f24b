/*
 * fuzz_url.c: core/url.c against arbitrary bytes.
 *
 * Beyond "no crash, no overread", it checks the property that matters: a
 * URL that parses with a user (and password) parses again after
 * vg_url_redact() with the userinfo "***" or "***:***" and nothing else,
 * and the log-line redactor puts only stars where the userinfo stood.
 */
#include "core/error.h"
#include "core/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

static int slice_is(vg_slice s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    vg_url u;
    const char *why;
    /* The parser takes a length: it must not read past it (ASan watches the copy). */
    if (vg_url_parse(text, size, &u, &why) == 0) {
        check(u.host.len == 0 || (u.host.p >= text && u.host.p + u.host.len <= text + size));
        check(u.port >= 0 && u.port <= 65535);
        size_t len = strlen(text);
        if (len == size && u.has_userinfo) {
            char *red = vg_url_redact_dup(text);
            check(red != NULL);
            vg_url r;
            check(vg_url_parse(red, strlen(red), &r, &why) == 0);
            check(r.has_userinfo);
            check(slice_is(r.userinfo, "***") || slice_is(r.userinfo, "***:***"));
            free(red);

            /*
             * The log-line scanner is conservative (it may hide more than the
             * userinfo), but where the userinfo stood there are only stars.
             */
            char *line = vg_redact_credentials_dup(text);
            check(line != NULL);
            size_t prefix = u.scheme.len + 3; /* "scheme://" */
            check(strncmp(line + prefix, "***@", 4) == 0 ||
                  strncmp(line + prefix, "***:***@", 8) == 0);
            free(line);
        }
    }

    /* Any bytes: the size it reports is the size it writes, and it always terminates. */
    size_t need = vg_redact_credentials(text, size, NULL, 0);
    char *out = malloc(need + 1);
    if (out) {
        check(vg_redact_credentials(text, size, out, need + 1) == need);
        check(memchr(out, '\0', need + 1) != NULL);
        char small[16];
        vg_redact_credentials(text, size, small, sizeof(small));
        check(memchr(small, '\0', sizeof(small)) != NULL);
        free(out);
    }
    free(text);
    return 0;
}
