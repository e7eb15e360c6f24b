#include "core/slice.h"

#include <strings.h>

/* The comparisons test n == 0 first: a slice of nothing may have a NULL p, and memcmp() and
   strncasecmp() want real pointers whatever the length. */

bool vg_slice_eq(vg_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

bool vg_slice_eq_ci(vg_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || strncasecmp(s.p, lit, n) == 0);
}

bool vg_slice_starts_with_ci(vg_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len >= n && (n == 0 || strncasecmp(s.p, lit, n) == 0);
}

bool vg_slice_has_char(vg_slice s, char c)
{
    return s.len && memchr(s.p, c, s.len) != NULL;
}

static vg_slice trim_start(vg_slice s)
{
    while (s.len && vg_slice_is_blank(s.p[0]))
        s.p++, s.len--;
    return s;
}

vg_slice vg_slice_trim(vg_slice s)
{
    s = trim_start(s);
    while (s.len && vg_slice_is_blank(s.p[s.len - 1]))
        s.len--;
    return s;
}

vg_slice vg_slice_trim_line(vg_slice s)
{
    s = trim_start(s);
    while (s.len && (vg_slice_is_blank(s.p[s.len - 1]) || s.p[s.len - 1] == '\r'))
        s.len--;
    return s;
}

vg_slice vg_slice_next_token(vg_slice *rest)
{
    *rest = trim_start(*rest);
    size_t n = 0;
    while (n < rest->len && !vg_slice_is_blank(rest->p[n]))
        n++;
    vg_slice token = vg_slice_from(rest->p, n);
    rest->p += n;
    rest->len -= n;
    return token;
}

vg_slice vg_slice_split_at(vg_slice *rest, char sep)
{
    const char *at = rest->len ? memchr(rest->p, sep, rest->len) : NULL;
    size_t n = at ? (size_t)(at - rest->p) : rest->len;
    vg_slice head = vg_slice_from(rest->p, n);
    rest->p += at ? n + 1 : n;
    rest->len -= at ? n + 1 : n;
    return head;
}

bool vg_slice_find_param(vg_slice list, char sep, const char *name, vg_slice_trim_fn trim,
                         vg_slice *value)
{
    vg_slice rest = list;
    while (rest.len) {
        vg_slice v = vg_slice_split_at(&rest, sep);
        vg_slice k = trim(vg_slice_split_at(&v, '='));
        if (vg_slice_eq_ci(k, name)) {
            *value = trim(v);
            return true;
        }
    }
    return false;
}

bool vg_slice_parse_uint(vg_slice s, uint32_t max, uint32_t *out)
{
    if (s.len == 0 || s.len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool vg_slice_copy(char *dst, size_t cap, vg_slice s)
{
    if (s.len >= cap)
        return false;
    if (s.len)
        memcpy(dst, s.p, s.len);
    dst[s.len] = '\0';
    return true;
}
