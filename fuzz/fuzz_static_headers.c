/*
 * fuzz_static_headers.c: the request headers http/static_files.c reads
 * (Accept-Encoding, If-None-Match) and the names it filters, against
 * arbitrary bytes.
 *
 * Beyond "no crash, no overread": a header that names neither gzip nor `*`
 * never gets gzip; a name that passes the filter can never leave its
 * directory; an If-None-Match that matches holds the tag or `*`.
 */
#include "http/static_files.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

static int contains_ci(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++) {
        if (!strncasecmp(p, needle, n))
            return 1;
    }
    return 0;
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

    if (vg_static_accepts_gzip(text))
        check(contains_ci(text, "gzip") || strchr(text, '*') != NULL);

    const char *etag = "\"0123456789abcdef\"";
    if (vg_static_etag_matches(text, etag))
        check(strstr(text, etag) != NULL || strchr(text, '*') != NULL);

    if (vg_static_name_valid(text)) {
        check(text[0] != '.' && strchr(text, '/') == NULL && strlen(text) <= 255);
    }
    check(vg_static_content_type(text) != NULL);
    free(text);
    return 0;
}
