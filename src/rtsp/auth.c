#include "rtsp/auth.h"

#include "core/crypto.h"
#include "core/error.h"
#include "core/slice.h"
#include "core/url.h"
#include "rtsp/rtsp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* ---- reading challenges (RFC 7235 4.1, RFC 2617 3.2.1, RFC 7616 3.3) ---- */

/* A cursor over one header value. */
typedef struct cursor {
    const char *p;
    size_t len, i;
} cursor;

static bool at_end(const cursor *c)
{
    return c->i >= c->len;
}

static char peek(const cursor *c)
{
    return at_end(c) ? '\0' : c->p[c->i];
}

static void skip_ows(cursor *c)
{
    while (!at_end(c) && (c->p[c->i] == ' ' || c->p[c->i] == '\t'))
        c->i++;
}

static vg_slice read_token(cursor *c)
{
    size_t start = c->i;
    while (!at_end(c) && vg_rtsp_is_tchar((unsigned char)c->p[c->i]))
        c->i++;
    return (vg_slice){c->p + start, c->i - start};
}

/*
 * RFC 7235 2.1: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
 * True, with the cursor past it, when the challenge's data is a token68
 * (followed only by the end or a comma); otherwise the cursor is unmoved.
 */
static bool skip_token68(cursor *c)
{
    size_t start = c->i, i = c->i;
    while (i < c->len) {
        char ch = c->p[i];
        if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !(ch >= '0' && ch <= '9') &&
            ch != '-' && ch != '.' && ch != '_' && ch != '~' && ch != '+' && ch != '/')
            break;
        i++;
    }
    if (i == start)
        return false;
    while (i < c->len && c->p[i] == '=')
        i++;
    cursor after = {c->p, c->len, i};
    skip_ows(&after);
    if (!at_end(&after) && peek(&after) != ',')
        return false;
    c->i = after.i;
    return true;
}

/*
 * Reads a parameter's value, a quoted-string (RFC 7230 3.2.6: backslash
 * escapes, no control characters) or a bare run of characters up to a
 * space, tab or comma (RFC 7235 asks for a token; cameras write '/' and
 * '=' unquoted too). When `dst` is not NULL the unescaped value is stored
 * there, NUL-terminated, and *fits says whether it fit in `cap` bytes.
 * Returns 0 or VG_ESYNTAX.
 */
static int read_value(cursor *c, char *dst, size_t cap, bool *fits)
{
    size_t n = 0;
    bool ok = true;
#define STORE(ch)                                                                                  \
    do {                                                                                           \
        if (dst && n + 1 < cap)                                                                    \
            dst[n++] = (ch);                                                                       \
        else                                                                                       \
            ok = false;                                                                            \
    } while (0)

    if (peek(c) == '"') {
        c->i++;
        for (;;) {
            if (at_end(c))
                return VG_ESYNTAX; /* unterminated */
            char ch = c->p[c->i++];
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (at_end(c))
                    return VG_ESYNTAX;
                ch = c->p[c->i++];
            }
            if (vg_rtsp_is_ctl((unsigned char)ch))
                return VG_ESYNTAX;
            STORE(ch);
        }
    } else {
        size_t start = c->i;
        while (!at_end(c)) {
            char ch = c->p[c->i];
            if (ch == ' ' || ch == '\t' || ch == ',')
                break;
            if (ch == '"' || vg_rtsp_is_ctl((unsigned char)ch))
                return VG_ESYNTAX;
            STORE(ch);
            c->i++;
        }
        if (c->i == start)
            return VG_ESYNTAX; /* "name=" with nothing */
    }
#undef STORE
    if (dst) {
        if (cap)
            dst[n < cap ? n : cap - 1] = '\0';
        *fits = ok;
    }
    return 0;
}

/* One challenge as read; turned into a vg_rtsp_auth if it is the best. */
typedef struct challenge {
    vg_rtsp_auth_scheme scheme; /* NONE for a scheme vigil does not speak */
    bool has_realm, has_nonce, too_long, unsupported;
    vg_rtsp_auth auth;
} challenge;

/* What reading every header found. */
typedef struct verdict {
    int best_rank; /* 0 none, 1 Basic, 2 Digest MD5, 3 Digest SHA-256 */
    vg_rtsp_auth best;
    bool malformed, unsupported;
} verdict;

static void digest_param(challenge *ch, vg_slice name, cursor *c, int *err)
{
    vg_rtsp_auth *a = &ch->auth;
    char tmp[256];
    bool fits = true;
    char *dst = NULL;
    size_t cap = 0;
    bool *flag = NULL;
    if (vg_slice_eq_ci(name, "realm"))
        dst = a->realm, cap = sizeof(a->realm), flag = &ch->has_realm;
    else if (vg_slice_eq_ci(name, "nonce"))
        dst = a->nonce, cap = sizeof(a->nonce), flag = &ch->has_nonce;
    else if (vg_slice_eq_ci(name, "opaque"))
        dst = a->opaque, cap = sizeof(a->opaque), flag = &a->has_opaque;
    else if (vg_slice_eq_ci(name, "algorithm") || vg_slice_eq_ci(name, "qop"))
        dst = tmp, cap = sizeof(tmp);
    *err = read_value(c, dst, cap, &fits);
    if (*err < 0 || !dst)
        return;
    if (!fits) {
        ch->too_long = true;
        return;
    }
    if (flag)
        *flag = true;
    if (dst != tmp)
        return;
    if (vg_slice_eq_ci(name, "algorithm")) {
        /* RFC 7616 3.3: MD5 when absent; the -sess variants are not supported. */
        vg_slice v = {tmp, strlen(tmp)};
        a->sha256 = vg_slice_eq_ci(v, "SHA-256");
        if (!a->sha256 && !vg_slice_eq_ci(v, "MD5"))
            ch->unsupported = true;
        return;
    }
    /* qop: a quoted, comma-separated list ("auth,auth-int"); we do "auth". */
    bool auth = false;
    for (char *save = NULL, *t = strtok_r(tmp, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
        auth = auth || strcasecmp(t, "auth") == 0;
    a->qop_auth = auth;
    if (!auth)
        ch->unsupported = true; /* auth-int alone: it would hash the body */
}

static void commit(verdict *v, challenge *ch)
{
    int rank = 0;
    if (ch->scheme == VG_RTSP_AUTH_BASIC) {
        rank = 1;
    } else if (ch->scheme == VG_RTSP_AUTH_DIGEST) {
        if (ch->too_long || !ch->has_realm || !ch->has_nonce)
            v->malformed = true;
        else if (!ch->unsupported)
            rank = ch->auth.sha256 ? 3 : 2;
    }
    if (rank == 0) {
        v->unsupported = true;
        return;
    }
    if (rank > v->best_rank) {
        v->best_rank = rank;
        v->best = ch->auth;
        v->best.scheme = ch->scheme;
    }
}

/*
 * Reads the challenges of one WWW-Authenticate value (RFC 7235 4.1):
 *   challenge *( OWS "," OWS challenge ), challenge = scheme [ 1*SP ( token68 / #auth-param ) ]
 * A comma ends either a parameter or the challenge: it is a new challenge
 * when what follows is a token not followed by '='. Each complete challenge
 * goes to commit(); a malformed one ends the header (VG_ESYNTAX).
 */
static int read_challenges(vg_slice value, verdict *v)
{
    cursor c = {value.p, value.len, 0};
    for (;;) {
        while (!at_end(&c) && (peek(&c) == ',' || peek(&c) == ' ' || peek(&c) == '\t'))
            c.i++;
        if (at_end(&c))
            return 0;
        vg_slice scheme = read_token(&c);
        if (scheme.len == 0)
            return VG_ESYNTAX;
        challenge ch;
        memset(&ch, 0, sizeof(ch));
        if (vg_slice_eq_ci(scheme, "Basic"))
            ch.scheme = VG_RTSP_AUTH_BASIC;
        else if (vg_slice_eq_ci(scheme, "Digest"))
            ch.scheme = VG_RTSP_AUTH_DIGEST;

        size_t before = c.i;
        skip_ows(&c);
        if (at_end(&c) || peek(&c) == ',') {
            commit(v, &ch); /* a scheme alone ("Negotiate") */
            continue;
        }
        if (c.i == before)
            return VG_ESYNTAX; /* "Digest," is fine, "Digest=" is not */
        if (skip_token68(&c)) {
            commit(v, &ch);
            continue;
        }

        for (;;) {
            vg_slice name = read_token(&c);
            skip_ows(&c);
            if (name.len == 0 || peek(&c) != '=')
                return VG_ESYNTAX;
            c.i++;
            skip_ows(&c);
            int err = 0;
            if (ch.scheme == VG_RTSP_AUTH_DIGEST)
                digest_param(&ch, name, &c, &err);
            else
                err = read_value(&c, NULL, 0, NULL);
            if (err < 0)
                return err;
            skip_ows(&c);
            if (at_end(&c))
                break;
            if (peek(&c) != ',')
                return VG_ESYNTAX;
            while (!at_end(&c) && (peek(&c) == ',' || peek(&c) == ' ' || peek(&c) == '\t'))
                c.i++;
            if (at_end(&c))
                break;
            /* Another parameter (token "=") or the next challenge (token SP ...)? */
            cursor look = c;
            vg_slice next = read_token(&look);
            skip_ows(&look);
            if (next.len == 0 || peek(&look) != '=')
                break;
        }
        commit(v, &ch);
    }
}

/* 16 random bytes as 32 lowercase hex digits. */
static int draw_cnonce(char out[65])
{
    uint8_t r[16];
    ssize_t n;
    do {
        n = getrandom(r, sizeof(r), 0);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(r))
        return n < 0 ? -errno : VG_EIO;
    for (size_t i = 0; i < sizeof(r); i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

int vg_rtsp_auth_from_challenges(vg_rtsp_auth *a, const vg_rtsp_message *resp)
{
    verdict v;
    memset(&v, 0, sizeof(v));
    bool any = false;
    for (size_t i = 0; i < resp->header_count; i++) {
        if (!vg_slice_eq_ci(resp->headers[i].name, "WWW-Authenticate"))
            continue;
        any = true;
        if (read_challenges(resp->headers[i].value, &v) < 0)
            v.malformed = true;
    }
    if (!any)
        return VG_ENOENT;
    if (v.best_rank == 0)
        return v.malformed ? VG_ESYNTAX : VG_EINVAL;
    v.best.nc = 0;
    if (v.best.scheme == VG_RTSP_AUTH_DIGEST) {
        int err = draw_cnonce(v.best.cnonce);
        if (err < 0)
            return err;
    }
    *a = v.best;
    return 0;
}

/* ---- writing the Authorization value ---- */

/* A bounded writer: `overflow` once something did not fit (NUL room kept). */
typedef struct sink {
    char *p;
    size_t cap, n;
    bool overflow;
} sink;

static void put(sink *k, const char *s, size_t len)
{
    if (k->overflow || k->cap == 0 || len >= k->cap - k->n) {
        k->overflow = true;
        return;
    }
    memcpy(k->p + k->n, s, len);
    k->n += len;
    k->p[k->n] = '\0';
}

static void puts_(sink *k, const char *s)
{
    put(k, s, strlen(s));
}

/* `name="value"` with '"' and '\' escaped (RFC 7230 3.2.6 quoted-pair). */
static void put_quoted(sink *k, const char *name, const char *value)
{
    puts_(k, name);
    puts_(k, "=\"");
    for (const char *s = value; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(k, "\\", 1);
        put(k, s, 1);
    }
    put(k, "\"", 1);
}

static bool has_ctl(const char *s)
{
    for (; *s; s++) {
        if (vg_rtsp_is_ctl((unsigned char)*s))
            return true;
    }
    return false;
}

/* H(data) as lowercase hex: MD5 (32 digits) or SHA-256 (64). */
static void hash_hex(bool sha256, const void *data, size_t len, char hex[2 * VG_SHA256_LEN + 1])
{
    uint8_t md[VG_SHA256_LEN];
    size_t md_len = sha256 ? VG_SHA256_LEN : VG_MD5_LEN;
    if (sha256)
        vg_sha256(data, len, md);
    else
        vg_md5(data, len, md);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < md_len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xf];
    }
    hex[2 * md_len] = '\0';
    explicit_bzero(md, sizeof(md));
}

static int basic_header(const char *user, const char *pass, sink *k)
{
    size_t ulen = strlen(user), plen = strlen(pass);
    if (strchr(user, ':'))
        return VG_EINVAL;
    char plain[2 * VG_RTSP_AUTH_MAX_CREDENTIAL + 2];
    char text[(sizeof(plain) + 2) / 3 * 4 + 1];
    memcpy(plain, user, ulen);
    plain[ulen] = ':';
    memcpy(plain + ulen + 1, pass, plen);
    size_t n = vg_base64_encode(plain, ulen + 1 + plen, text);
    puts_(k, "Basic ");
    put(k, text, n);
    explicit_bzero(plain, sizeof(plain));
    explicit_bzero(text, sizeof(text));
    return 0;
}

/*
 * RFC 2617 3.2.2 and RFC 7616 3.4.1:
 *   HA1 = H(user ":" realm ":" pass), HA2 = H(method ":" uri)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" HA2)   with qop
 *   response = H(HA1 ":" nonce ":" HA2)                                without (RFC 2069)
 */
static int digest_header(vg_rtsp_auth *a, const char *user, const char *pass, const char *method,
                         const char *uri, sink *k)
{
    if (strlen(method) + 1 + strlen(uri) > VG_RTSP_AUTH_MAX_URI)
        return VG_ERANGE;
    if (a->qop_auth) {
        if (!a->cnonce[0]) {
            int err = draw_cnonce(a->cnonce);
            if (err < 0)
                return err;
        }
        a->nc++;
    }

    char ha1[2 * VG_SHA256_LEN + 1], ha2[2 * VG_SHA256_LEN + 1], response[2 * VG_SHA256_LEN + 1];
    char buf[VG_RTSP_AUTH_MAX_URI + 1];
    _Static_assert(sizeof(buf) > 3 * 256 + 2, "room for user:realm:pass");
    _Static_assert(sizeof(buf) > 2 * 64 + 256 + 8 + 32 + 4 + 5, "room for the response's input");
    char nc[9];
    snprintf(nc, sizeof(nc), "%08x", a->nc);

    int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, a->realm, pass);
    hash_hex(a->sha256, buf, (size_t)n, ha1);
    explicit_bzero(buf, (size_t)n);

    n = snprintf(buf, sizeof(buf), "%s:%s", method, uri);
    hash_hex(a->sha256, buf, (size_t)n, ha2);

    if (a->qop_auth)
        n = snprintf(buf, sizeof(buf), "%s:%s:%s:%s:auth:%s", ha1, a->nonce, nc, a->cnonce, ha2);
    else
        n = snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, a->nonce, ha2);
    hash_hex(a->sha256, buf, (size_t)n, response);
    explicit_bzero(buf, (size_t)n);
    explicit_bzero(ha1, sizeof(ha1));

    puts_(k, "Digest ");
    put_quoted(k, "username", user);
    puts_(k, ", ");
    put_quoted(k, "realm", a->realm);
    puts_(k, ", ");
    put_quoted(k, "nonce", a->nonce);
    puts_(k, ", ");
    put_quoted(k, "uri", uri);
    puts_(k, ", ");
    put_quoted(k, "response", response);
    if (a->sha256)
        puts_(k, ", algorithm=SHA-256");
    if (a->has_opaque) {
        puts_(k, ", ");
        put_quoted(k, "opaque", a->opaque);
    }
    if (a->qop_auth) {
        puts_(k, ", qop=auth, nc=");
        puts_(k, nc);
        puts_(k, ", ");
        put_quoted(k, "cnonce", a->cnonce);
    }
    explicit_bzero(response, sizeof(response));
    return 0;
}

int vg_rtsp_auth_header(vg_rtsp_auth *a, const char *user, const char *pass, const char *method,
                        const char *uri, char *out, size_t cap)
{
    sink k = {out, cap, 0, false};
    if (cap)
        out[0] = '\0';
    if (a->scheme == VG_RTSP_AUTH_NONE)
        return VG_EINVAL;
    if (strlen(user) > VG_RTSP_AUTH_MAX_CREDENTIAL || strlen(pass) > VG_RTSP_AUTH_MAX_CREDENTIAL)
        return VG_ERANGE;
    if (has_ctl(user) || has_ctl(method) || has_ctl(uri))
        return VG_EINVAL;
    int err = a->scheme == VG_RTSP_AUTH_BASIC ? basic_header(user, pass, &k)
                                              : digest_header(a, user, pass, method, uri, &k);
    if (err == 0 && k.overflow)
        err = VG_ERANGE;
    if (err < 0 && cap)
        explicit_bzero(out, cap); /* a cut Basic value would still hold part of the password */
    return err;
}

/* ---- URLs ---- */

/* Percent-decodes `s` into `out` (capacity `cap`, NUL included). RFC 3986 2.1. */
static int percent_decode(vg_slice s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        if (ch == '%') {
            if (s.len - i < 3 || vg_hex_value(s.p[i + 1]) < 0 || vg_hex_value(s.p[i + 2]) < 0)
                return VG_ESYNTAX;
            ch = (char)(vg_hex_value(s.p[i + 1]) * 16 + vg_hex_value(s.p[i + 2]));
            if (ch == '\0')
                return VG_ESYNTAX;
            i += 2;
        }
        if (n + 1 >= cap)
            return VG_ERANGE;
        out[n++] = ch;
    }
    if (cap == 0)
        return VG_ERANGE;
    out[n] = '\0';
    return 0;
}

int vg_rtsp_userinfo_split(vg_slice userinfo, char *user, size_t user_cap, char *pass,
                           size_t pass_cap)
{
    if (user_cap)
        user[0] = '\0';
    if (pass_cap)
        pass[0] = '\0';
    const char *colon = userinfo.len ? memchr(userinfo.p, ':', userinfo.len) : NULL;
    vg_slice u = {userinfo.p, colon ? (size_t)(colon - userinfo.p) : userinfo.len};
    vg_slice p = colon ? (vg_slice){colon + 1, userinfo.len - u.len - 1} : (vg_slice){"", 0};
    int err = percent_decode(u, user, user_cap);
    if (err == 0)
        err = percent_decode(p, pass, pass_cap);
    if (err < 0) {
        if (user_cap)
            explicit_bzero(user, user_cap);
        if (pass_cap)
            explicit_bzero(pass, pass_cap);
    }
    return err;
}

int vg_rtsp_url_strip_userinfo(const char *url, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    size_t len = strlen(url);
    vg_url u;
    const char *why;
    if (vg_url_parse(url, len, &u, &why) < 0)
        return VG_ESYNTAX;
    size_t head = len, skip = 0; /* copy url[0, head) then url[head + skip, len) */
    if (u.has_userinfo) {
        head = (size_t)(u.userinfo.p - url);
        skip = u.userinfo.len + 1; /* and the '@' */
    }
    if (len - skip >= cap)
        return VG_ERANGE;
    memcpy(out, url, head);
    memcpy(out + head, url + head + skip, len - head - skip);
    out[len - skip] = '\0';
    return 0;
}
