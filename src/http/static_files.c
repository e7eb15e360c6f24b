/*
 * static_files.c: the web console from memory. See static_files.h for what
 * is served and how it is bounded.
 *
 * DESIGN
 *
 * The console is small (a few hundred KiB) and changes only with a new
 * build, so it is read whole at start-up, when blocking is allowed, and never
 * again: no request touches the disk, none blocks the loop, and none can
 * reach a file that was not there, filtered, at start (a request names an
 * entry of an in-memory table; `..` and `%2e%2e%2f` have nothing to walk).
 *
 *   consoleDir ──load (start, blocking)──▶ table of files, sorted by path
 *                                            │ data, gzip copy, ETags, type
 *   GET /assets/x ──router──▶ on_asset ──bsearch──▶ serve_file
 *                                                     │ 304, or the bytes as they are
 *                                                     ▼
 *                                      vg_http_respond_static (no copy)
 *
 * Everything the table holds is freed by vg_static_files_destroy(), after
 * the server: libmicrohttpd points at the bytes until it is done with them.
 */
#include "http/static_files.h"

#include "core/crypto.h"
#include "core/error.h"
#include "core/log.h"
#include "http/json.h"
#include "http/request.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define ASSETS_DIR    "assets"
#define INDEX_NAME    "index.html"
#define NAME_MAX_LEN  255
#define ETAG_HASH_LEN 16 /* bytes of SHA-256 in an ETag: 128 bits tell builds apart */
#define ETAG_SIZE     48 /* "\"" + 32 hex + "-gzip" + "\"" + NUL, with room */

/* The hashed names of assets/ never change meaning: cache them for a year (RFC 8246). */
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
/* index.html and its neighbours keep their names across builds: revalidate every time. */
#define CACHE_REVALIDATE "no-cache"

/*
 * What the console needs and nothing more: its own scripts and styles
 * (external files, no inline code), hls.js's MediaSource blob: URLs and its
 * blob: worker, snapshots as blob: or data: images, WebRTC, fetch and
 * WebSockets to this origin, and never a frame of another site's page.
 */
#define CONSOLE_CSP                                                                                \
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "                     \
    "worker-src 'self' blob:; connect-src 'self'; style-src 'self'; script-src 'self'; "           \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

typedef struct static_file {
    char *path; /* in the directory: "index.html", "assets/app-abc123.js" */
    const char *content_type;
    bool compressible, html, immutable;
    uint8_t *data;
    size_t len;
    uint8_t *gzip_data; /* NULL: no gzip copy (not text, or no smaller) */
    size_t gzip_len;
    char etag[ETAG_SIZE];
    char gzip_etag[ETAG_SIZE];
} static_file;

struct vg_static_files {
    vg_static_files_state state;
    char *dir;
    static_file *files; /* sorted by path */
    size_t count, cap;
    size_t bytes; /* read so far, against max_bytes */
    size_t max_files, max_bytes;
    char why[512]; /* VG_STATIC_FAILED: what went wrong */
};

/* ---- the pure pieces ---- */

typedef struct content_type_entry {
    const char *extension;
    const char *type;
    bool compressible;
} content_type_entry;

static const content_type_entry content_types[] = {
    {"html", "text/html; charset=utf-8", true},
    {"htm", "text/html; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"mjs", "text/javascript; charset=utf-8", true},
    {"css", "text/css; charset=utf-8", true},
    {"svg", "image/svg+xml", true},
    {"json", "application/json", true},
    {"map", "application/json", true},
    {"txt", "text/plain; charset=utf-8", true},
    {"png", "image/png", false},
    {"jpg", "image/jpeg", false},
    {"jpeg", "image/jpeg", false},
    {"webp", "image/webp", false},
    {"ico", "image/x-icon", false},
    {"woff2", "font/woff2", false},
    {"woff", "font/woff", false},
};

#define OCTET_STREAM "application/octet-stream"

static const content_type_entry *find_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
        if (!strcasecmp(dot + 1, content_types[i].extension))
            return &content_types[i];
    }
    return NULL;
}

const char *vg_static_content_type(const char *name)
{
    const content_type_entry *e = find_content_type(name);
    return e ? e->type : OCTET_STREAM;
}

bool vg_static_type_compressible(const char *content_type)
{
    for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
        if (!strcmp(content_type, content_types[i].type))
            return content_types[i].compressible;
    }
    return false;
}

bool vg_static_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_LEN || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * A qvalue (RFC 9110 section 12.4.2) in thousandths:
 *   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 * -1 when `len` bytes at `s` are not one.
 */
static int parse_qvalue(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int whole = s[0] - '0';
    if (len == 1)
        return whole * 1000;
    if (s[1] != '.' || len > 5)
        return -1;
    int thousandths = 0, scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        thousandths += (s[i] - '0') * scale;
    }
    if (whole == 1 && thousandths != 0)
        return -1;
    return whole * 1000 + thousandths;
}

/* Trims optional whitespace from both ends of [*s, *s + *len). */
static void trim_ows(const char **s, size_t *len)
{
    while (*len && is_ows(**s))
        (*s)++, (*len)--;
    while (*len && is_ows((*s)[*len - 1]))
        (*len)--;
}

/*
 * RFC 9110 section 12.5.3:
 *   Accept-Encoding = #( codings [ weight ] )
 *   weight          = OWS ";" OWS "q=" qvalue
 * An explicit gzip (or x-gzip, section 8.4.1.3) decides; otherwise "*" does.
 * An element whose q cannot be read counts as refused: when in doubt, send
 * the bytes as they are, which every client takes.
 */
bool vg_static_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return false;
    int q_gzip = -1, q_any = -1;
    const char *p = accept_encoding;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t element_len = end ? (size_t)(end - p) : strlen(p);
        const char *semi = memchr(p, ';', element_len);
        const char *coding = p;
        size_t coding_len = semi ? (size_t)(semi - p) : element_len;
        trim_ows(&coding, &coding_len);

        int q = 1000;
        for (const char *param = semi; param;) {
            const char *param_end = p + element_len;
            const char *next = memchr(param + 1, ';', (size_t)(param_end - param - 1));
            const char *value = param + 1;
            size_t value_len = (size_t)((next ? next : param_end) - value);
            trim_ows(&value, &value_len);
            if (value_len >= 2 && (value[0] == 'q' || value[0] == 'Q') && value[1] == '=') {
                int parsed = parse_qvalue(value + 2, value_len - 2);
                q = parsed < 0 ? 0 : parsed;
            }
            param = next;
        }

        if (coding_len > 0) {
            if ((coding_len == 4 && !strncasecmp(coding, "gzip", 4)) ||
                (coding_len == 6 && !strncasecmp(coding, "x-gzip", 6))) {
                if (q > q_gzip)
                    q_gzip = q;
            } else if (coding_len == 1 && coding[0] == '*') {
                if (q > q_any)
                    q_any = q;
            }
        }
        p = end ? end + 1 : p + element_len;
    }
    return q_gzip >= 0 ? q_gzip > 0 : q_any > 0;
}

/*
 * RFC 9110 section 13.1.2:
 *   If-None-Match = "*" / #entity-tag
 *   entity-tag    = [ "W/" ] DQUOTE *etagc DQUOTE
 * compared weakly: W/"x" matches "x".
 */
bool vg_static_etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match || !etag)
        return false;
    size_t etag_len = strlen(etag);
    const char *p = if_none_match;
    for (;;) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (!*p)
            return false;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *close = strchr(p + 1, '"');
        if (!close)
            return false;
        size_t len = (size_t)(close - p) + 1;
        if (len == etag_len && !memcmp(p, etag, len))
            return true;
        p = close + 1;
        while (is_ows(*p))
            p++;
        if (*p && *p != ',')
            return false;
    }
}

/* ---- loading ---- */

static void file_clear(static_file *f)
{
    free(f->path);
    free(f->data);
    free(f->gzip_data);
    memset(f, 0, sizeof(*f));
}

static void files_clear(vg_static_files *files)
{
    for (size_t i = 0; i < files->count; i++)
        file_clear(&files->files[i]);
    free(files->files);
    files->files = NULL;
    files->count = files->cap = 0;
    files->bytes = 0;
}

static void fail(vg_static_files *files, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Marks the set failed with a reason; the first reason wins. */
static void fail(vg_static_files *files, const char *fmt, ...)
{
    if (files->state == VG_STATIC_FAILED)
        return;
    files->state = VG_STATIC_FAILED;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(files->why, sizeof(files->why), fmt, ap);
    va_end(ap);
}

/* A name for a log line: at most 64 bytes, anything unprintable as '?'. */
static void printable_name(const char *name, char out[68])
{
    size_t n = 0;
    for (; name[n] && n < 64; n++) {
        unsigned char c = (unsigned char)name[n];
        out[n] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    strcpy(out + n, name[n] ? "..." : "");
}

/* Top-level names that are, or lead to, vigil's own routes. */
static bool name_reserved(const char *name)
{
    static const char *const reserved[] = {"api",    "hls", "whep",    "recordings",
                                           "health", "ws",  "cameras", ASSETS_DIR};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (!strcasecmp(name, reserved[i]))
            return true;
    }
    return false;
}

/*
 * Reads the regular file `name` in `dir_fd` whole, if it fits in what is
 * left of the byte budget. O_NOFOLLOW: a symlink put there after the scan
 * is refused, not followed; O_NONBLOCK: a FIFO put there cannot hang us.
 * Returns 0 (*out the caller's), 1 when the file is no longer a regular file
 * (skipped), or a negative code with the set failed.
 */
static int read_file(vg_static_files *files, int dir_fd, const char *path, const char *name,
                     uint8_t **out, size_t *out_len)
{
    int rc = 0;
    uint8_t *data = NULL;
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) {
            rc = 1;
            goto done;
        }
        rc = -errno;
        fail(files, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        fail(files, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = 1;
        goto done;
    }
    size_t size = (size_t)st.st_size;
    if ((uint64_t)st.st_size > files->max_bytes - files->bytes) {
        rc = VG_ERANGE;
        fail(files,
             "the files come to more than %zu bytes (at %s; is consoleDir the built console?)",
             files->max_bytes, path);
        goto done;
    }
    data = malloc(size ? size : 1);
    if (!data) {
        rc = VG_ENOMEM;
        fail(files, "out of memory reading %s", path);
        goto done;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            fail(files, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break; /* it shrank while we read: serve what it holds now */
        got += (size_t)n;
    }
    files->bytes += got;
    *out = data;
    *out_len = got;
    data = NULL;

done:
    free(data);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Adds one file to the table; `path` is copied, `data` taken. 0 or VG_ENOMEM (data freed). */
static int add_file(vg_static_files *files, const char *path, uint8_t *data, size_t len)
{
    if (files->count == files->cap) {
        size_t cap = files->cap ? files->cap * 2 : 16;
        static_file *grown = realloc(files->files, cap * sizeof(*grown));
        if (!grown) {
            free(data);
            return VG_ENOMEM;
        }
        files->files = grown;
        files->cap = cap;
    }
    static_file *f = &files->files[files->count];
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path) {
        free(data);
        return VG_ENOMEM;
    }
    f->data = data;
    f->len = len;
    files->count++;
    return 0;
}

/*
 * Loads the entries of the directory open at `dir_fd` (taken: closed here).
 * `prefix` is "" at the top and "assets/" below it. Stops at the first
 * failure, with the set failed.
 */
static int scan_dir(vg_static_files *files, int dir_fd, const char *prefix)
{
    int rc = 0;
    bool top = prefix[0] == '\0';
    DIR *dir = fdopendir(dir_fd);
    if (!dir) {
        rc = -errno;
        fail(files, "cannot list %s: %s", top ? "the directory" : prefix, strerror(errno));
        close(dir_fd);
        return rc;
    }
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(dir);
        if (!entry) {
            if (errno) {
                rc = -errno;
                fail(files, "cannot list %s: %s", top ? "the directory" : prefix, strerror(errno));
            }
            break;
        }
        const char *name = entry->d_name;
        if (name[0] == '.')
            continue; /* ".", "..", and dotfiles (.DS_Store, an editor's swap file) */
        if (!vg_static_name_valid(name)) {
            char shown[68];
            printable_name(name, shown);
            VG_LOG_WARN("console", "skipped a name that is not [A-Za-z0-9._-] dir=%s name=%s%s",
                        files->dir, prefix, shown);
            continue;
        }
        struct stat st;
        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = -errno;
            fail(files, "cannot read %s%s: %s", prefix, name, strerror(errno));
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            VG_LOG_WARN("console", "skipped a symlink (never followed) dir=%s name=%s%s",
                        files->dir, prefix, name);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (top && !strcmp(name, ASSETS_DIR)) {
                int sub = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                    rc = -errno;
                    fail(files, "cannot open %s/: %s", name, strerror(errno));
                    break;
                }
                if ((rc = scan_dir(files, sub, ASSETS_DIR "/")) < 0)
                    break;
            } else {
                VG_LOG_WARN("console",
                            "skipped a directory (only assets/ is served) dir=%s name=%s%s",
                            files->dir, prefix, name);
            }
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            VG_LOG_WARN("console", "skipped a file that is not a regular file dir=%s name=%s%s",
                        files->dir, prefix, name);
            continue;
        }
        if (top && name_reserved(name)) {
            VG_LOG_WARN("console", "skipped a name that vigil's own routes use dir=%s name=%s",
                        files->dir, name);
            continue;
        }
        if (files->count == files->max_files) {
            rc = VG_ERANGE;
            fail(files, "more than %zu files (is consoleDir the built console?)", files->max_files);
            break;
        }
        char path[sizeof(ASSETS_DIR "/") + NAME_MAX_LEN];
        snprintf(path, sizeof(path), "%s%s", prefix, name);
        uint8_t *data = NULL;
        size_t len = 0;
        rc = read_file(files, dirfd(dir), path, name, &data, &len);
        if (rc < 0)
            break;
        if (rc == 1) {
            rc = 0;
            VG_LOG_WARN("console",
                        "skipped a file that changed into a non-regular one dir=%s "
                        "name=%s",
                        files->dir, path);
            continue;
        }
        if ((rc = add_file(files, path, data, len)) < 0) {
            fail(files, "out of memory");
            break;
        }
    }
    closedir(dir);
    return rc;
}

/*
 * gzip (RFC 1952) of `len` bytes with zlib: done once at
 * start, sent many times. Returns 0 with *out the caller's; 1 when the copy
 * is not smaller (nothing kept); VG_ENOMEM or VG_EIO.
 */
static int gzip_bytes(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    if (len > UINT_MAX)
        return 1; /* zlib counts in uInt; the console is nowhere near that */
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper, with mtime 0, so the bytes are the same every start. */
    /* zlib's default level 6: within 1-2% of level 9's size at a third of its time, which
     * every start of vigil pays (measured on the console: 9 took about 0.3 s). */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return VG_ENOMEM;
    int rc = 0;
    uLong bound = deflateBound(&z, (uLong)len);
    uint8_t *buf = malloc(bound);
    if (!buf) {
        rc = VG_ENOMEM;
        goto done;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        rc = VG_EIO;
        goto done;
    }
    if (z.total_out >= len) {
        rc = 1;
        goto done;
    }
    *out = buf;
    *out_len = z.total_out;
    buf = NULL;

done:
    free(buf);
    deflateEnd(&z);
    return rc;
}

/* The type, ETags and gzip copy of a file that was read. 0, VG_ENOMEM or VG_EIO. */
static int prepare_file(static_file *f)
{
    const content_type_entry *e = find_content_type(f->path);
    f->content_type = e ? e->type : OCTET_STREAM;
    f->compressible = e && e->compressible;
    f->html = !strncmp(f->content_type, "text/html", 9);
    f->immutable = !strncmp(f->path, ASSETS_DIR "/", strlen(ASSETS_DIR "/"));

    /* A strong ETag (RFC 9110 section 8.8.3): the bytes' hash, so equal bytes, equal tag. */
    uint8_t hash[VG_SHA256_LEN];
    vg_sha256(f->data, f->len, hash);
    char hex[2 * ETAG_HASH_LEN + 1];
    for (size_t i = 0; i < ETAG_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    snprintf(f->etag, sizeof(f->etag), "\"%s\"", hex);

    if (!f->compressible)
        return 0;
    int rc = gzip_bytes(f->data, f->len, &f->gzip_data, &f->gzip_len);
    if (rc < 0)
        return rc;
    /* Another representation of the same bytes: another strong tag (section 8.8.3.3). */
    if (rc == 0)
        snprintf(f->gzip_etag, sizeof(f->gzip_etag), "\"%s-gzip\"", hex);
    return 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const static_file *)a)->path, ((const static_file *)b)->path);
}

static const static_file *find_file(const vg_static_files *files, const char *path)
{
    if (!files->count)
        return NULL;
    static_file key = {.path = (char *)path};
    return bsearch(&key, files->files, files->count, sizeof(static_file), compare_paths);
}

vg_static_files *vg_static_files_load(const vg_static_files_options *opt)
{
    vg_static_files *files = calloc(1, sizeof(*files));
    if (!files || !(files->dir = strdup(opt->dir))) {
        free(files);
        VG_LOG_ERROR("console", "cannot load the web console: out of memory");
        return NULL;
    }
    files->max_files = opt->max_files ? opt->max_files : VG_STATIC_MAX_FILES;
    files->max_bytes = opt->max_bytes ? opt->max_bytes : VG_STATIC_MAX_BYTES;
    files->state = VG_STATIC_LOADED;

    /* The directory itself may be a symlink (an installed layout): the user named it. */
    int dir_fd = open(files->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            files->state = VG_STATIC_NOT_BUILT;
        else
            fail(files, "cannot open the directory: %s", strerror(errno));
        goto done;
    }
    if (scan_dir(files, dir_fd, "") < 0)
        goto done;
    qsort(files->files, files->count, sizeof(static_file), compare_paths);
    if (!find_file(files, INDEX_NAME)) {
        files->state = VG_STATIC_NOT_BUILT;
        goto done;
    }
    size_t gzip_total = 0;
    for (size_t i = 0; i < files->count; i++) {
        int rc = prepare_file(&files->files[i]);
        if (rc < 0) {
            fail(files, "cannot gzip %s: %s", files->files[i].path,
                 rc == VG_ENOMEM ? "out of memory" : "zlib failed");
            goto done;
        }
        gzip_total += files->files[i].gzip_len;
    }
    VG_LOG_INFO("console", "loaded dir=%s files=%zu bytes=%zu gzip_bytes=%zu", files->dir,
                files->count, files->bytes, gzip_total);

done:
    if (files->state == VG_STATIC_NOT_BUILT) {
        files_clear(files);
        VG_LOG_WARN("console",
                    "the web console is not built: no %s in dir=%s; build it with `make web` "
                    "(or set consoleDir to where it is); GET / answers 404 until then",
                    INDEX_NAME, files->dir);
    } else if (files->state == VG_STATIC_FAILED) {
        files_clear(files);
        VG_LOG_ERROR("console", "the web console is not served: %s dir=%s", files->why, files->dir);
    }
    return files;
}

void vg_static_files_destroy(vg_static_files *files)
{
    if (!files)
        return;
    files_clear(files);
    free(files->dir);
    free(files);
}

vg_static_files_state vg_static_files_get_state(const vg_static_files *files)
{
    return files->state;
}

size_t vg_static_files_count(const vg_static_files *files)
{
    return files->count;
}

bool vg_static_files_find(const vg_static_files *files, const char *path, vg_static_file_view *out)
{
    const static_file *f = find_file(files, path);
    if (!f)
        return false;
    *out = (vg_static_file_view){
        .content_type = f->content_type,
        .data = f->data,
        .len = f->len,
        .gzip_data = f->gzip_data,
        .gzip_len = f->gzip_len,
        .etag = f->etag,
        .gzip_etag = f->gzip_data ? f->gzip_etag : NULL,
    };
    return true;
}

/* ---- serving ---- */

/*
 * Answers with one file: the gzip copy when the client takes it, 304 when
 * its If-None-Match names what it would get. A 304 carries the headers a 200
 * would (RFC 9110 section 15.4.5: ETag, Cache-Control, Vary), not the body.
 */
static void serve_file(vg_http_request *req, const static_file *f)
{
    bool gzip =
        f->gzip_data && vg_static_accepts_gzip(vg_http_request_header(req, "Accept-Encoding"));
    const char *etag = gzip ? f->gzip_etag : f->etag;
    bool not_modified = vg_static_etag_matches(vg_http_request_header(req, "If-None-Match"), etag);
    /* First, so that if it cannot be added the body goes out as it is, never mislabelled. */
    if (gzip && !not_modified &&
        vg_http_request_add_response_header(req, "Content-Encoding", "gzip") < 0) {
        gzip = false;
        etag = f->etag;
    }
    vg_http_request_add_response_header(req, "Cache-Control",
                                        f->immutable ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
    vg_http_request_add_response_header(req, "ETag", etag);
    if (f->compressible)
        vg_http_request_add_response_header(req, "Vary", "Accept-Encoding");
    vg_http_request_add_response_header(req, "X-Content-Type-Options", "nosniff");
    if (f->html) {
        vg_http_request_add_response_header(req, "Referrer-Policy", "no-referrer");
        vg_http_request_add_response_header(req, "Content-Security-Policy", CONSOLE_CSP);
    }
    if (not_modified) {
        /*
         * libmicrohttpd 0.9.75 writes "Content-Length: 0" on every 304. Caches
         * never take Content-Length from a 304 (RFC 9111 section 3.2) and the
         * message ends at its headers (RFC 9112 section 6.3), so it is harmless.
         */
        vg_http_respond_static(req, 304, NULL, NULL, 0);
        return;
    }
    if (gzip)
        vg_http_respond_static(req, 200, f->content_type, f->gzip_data, f->gzip_len);
    else
        vg_http_respond_static(req, 200, f->content_type, f->data, f->len);
}

/* GET / , /index.html and /<name>: the file is the route's. */
static void on_file(vg_http_request *req, void *ctx)
{
    serve_file(req, ctx);
}

/* GET /assets/{name}: looked up in the table; anything else is the usual 404. */
static void on_asset(vg_http_request *req, void *ctx)
{
    const vg_static_files *files = ctx;
    const char *name = vg_http_request_param(req, "name");
    char path[sizeof(ASSETS_DIR "/") + NAME_MAX_LEN];
    const static_file *f = NULL;
    if (name && vg_static_name_valid(name)) {
        snprintf(path, sizeof(path), ASSETS_DIR "/%s", name);
        f = find_file(files, path);
    }
    if (!f) {
        vg_http_respond_error(req, 404, "not_found", "no route for %s", vg_http_request_path(req));
        return;
    }
    serve_file(req, f);
}

/* GET / when there is no console to serve: say why, and how to get one. */
static void on_missing(vg_http_request *req, void *ctx)
{
    const vg_static_files *files = ctx;
    if (files->state == VG_STATIC_NOT_BUILT)
        vg_http_respond_error(req, 404, "console_not_built",
                              "the web console is not built: build it with `make web`, or set "
                              "consoleDir to where it is (vigil's log names the directory)");
    else
        vg_http_respond_error(req, 404, "console_not_loaded",
                              "the web console could not be loaded: vigil's log says why");
}

int vg_static_files_register(vg_router *router, vg_static_files *files)
{
    int rc;
    if (files->state != VG_STATIC_LOADED) {
        if ((rc = vg_router_add(router, "GET", "/", on_missing, files)) < 0 ||
            (rc = vg_router_add(router, "GET", "/" INDEX_NAME, on_missing, files)) < 0)
            return rc;
        return 0;
    }
    const static_file *index = find_file(files, INDEX_NAME);
    if ((rc = vg_router_add(router, "GET", "/", on_file, (void *)index)) < 0 ||
        (rc = vg_router_add(router, "GET", "/assets/{name}", on_asset, files)) < 0)
        return rc;
    for (size_t i = 0; i < files->count; i++) {
        static_file *f = &files->files[i];
        if (f->immutable)
            continue; /* under /assets/{name} */
        char pattern[2 + NAME_MAX_LEN];
        snprintf(pattern, sizeof(pattern), "/%s", f->path);
        if ((rc = vg_router_add(router, "GET", pattern, on_file, f)) < 0)
            return rc;
    }
    return 0;
}
