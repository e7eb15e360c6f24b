/*
 * static_files.h: the web console, a prebuilt bundle served from memory.
 *
 * `make web` (esbuild) writes the console into one directory, consoleDir:
 *
 *   index.html              GET / and GET /index.html      Cache-Control: no-cache
 *   favicon.svg, ...        GET /<name>                    Cache-Control: no-cache
 *   assets/<name>-<hash>.*  GET /assets/<name>             immutable, a year
 *
 * At start (before the loop serves) every regular file of it is read into
 * memory, with a strong ETag (SHA-256 of the bytes) and, for text, a gzip
 * copy when that is smaller. Requests are then answered from memory without
 * a copy and without touching the disk: 304 for a matching If-None-Match,
 * the gzip copy when Accept-Encoding allows it.
 *
 * What is read is bounded (VG_STATIC_MAX_FILES files, VG_STATIC_MAX_BYTES
 * in all) and filtered: names of [A-Za-z0-9._-] only, no dotfiles, no
 * symlinks (O_NOFOLLOW), regular files only, subdirectories only `assets/`,
 * one level. A directory over a bound, or one that cannot be read, is served
 * not at all rather than in part.
 *
 * Threads: load on any thread before serving; the handlers run on the loop.
 */
#ifndef VG_HTTP_STATIC_FILES_H
#define VG_HTTP_STATIC_FILES_H

#include "http/router.h"

#include <stdbool.h>
#include <stddef.h>

#define VG_STATIC_MAX_FILES 512
#define VG_STATIC_MAX_BYTES ((size_t)64 * 1024 * 1024)

typedef struct vg_static_files vg_static_files;

typedef struct vg_static_files_options {
    const char *dir;  /* the console directory; borrowed for the call */
    size_t max_files; /* 0: VG_STATIC_MAX_FILES */
    size_t max_bytes; /* of the files as read (gzip copies not counted); 0: VG_STATIC_MAX_BYTES */
} vg_static_files_options;

typedef enum {
    VG_STATIC_LOADED,    /* index.html and the rest are in memory */
    VG_STATIC_NOT_BUILT, /* no directory, or no index.html in it: GET / says `make web` */
    VG_STATIC_FAILED,    /* over a bound or unreadable: logged, nothing is served */
} vg_static_files_state;

/*
 * Reads the console in `opt->dir`, blocking (start-up only), and logs the
 * outcome: one info line when loaded, one warning naming the directory and
 * `make web` when it is not built, one error when it failed. Returns the set,
 * the caller's to vg_static_files_destroy(), in any of the three states;
 * NULL only when out of memory.
 */
vg_static_files *vg_static_files_load(const vg_static_files_options *opt);

/*
 * Adds the console's routes to `router`: GET / and /index.html, /<name> for
 * each other top-level file, /assets/{name}. Names that would shadow vigil's
 * own routes (api, hls, whep, recordings, health, ws, cameras, assets) were
 * skipped at load. When the console is not loaded, GET / and /index.html
 * answer 404 `console_not_built` (or `console_not_loaded`). `files` is
 * borrowed and must outlive the router and the server: its bytes are sent
 * without copying, so destroy it after vg_http_server_destroy(). Returns 0
 * or VG_ENOMEM.
 */
int vg_static_files_register(vg_router *router, vg_static_files *files);

/* Frees the set and every byte it holds. NULL is a no-op. */
void vg_static_files_destroy(vg_static_files *files);

vg_static_files_state vg_static_files_get_state(const vg_static_files *files);

/* Files loaded (0 unless VG_STATIC_LOADED). */
size_t vg_static_files_count(const vg_static_files *files);

/* One loaded file, as the handlers see it; every pointer is the set's. */
typedef struct vg_static_file_view {
    const char *content_type;
    const void *data;
    size_t len;
    const void *gzip_data; /* NULL when no gzip copy was kept */
    size_t gzip_len;
    const char *etag;      /* "\"<hex>\"", of the bytes */
    const char *gzip_etag; /* "\"<hex>-gzip\"", of the gzip copy; NULL without one */
} vg_static_file_view;

/*
 * Finds a loaded file by its path in the directory ("index.html",
 * "assets/app-abc123.js"). Returns true and fills *out, or false.
 */
bool vg_static_files_find(const vg_static_files *files, const char *path, vg_static_file_view *out);

/* ---- the pieces, pure, for the unit tests ---- */

/*
 * The Content-Type for a file name by its extension, case-insensitive
 * ("app.JS" is text/javascript; charset=utf-8); application/octet-stream
 * for anything not in the table. A static string.
 */
const char *vg_static_content_type(const char *name);

/* Whether a type is text worth gzipping (HTML, JS, CSS, SVG, JSON, plain text). */
bool vg_static_type_compressible(const char *content_type);

/*
 * Whether a file name may be served: 1 to 255 bytes of [A-Za-z0-9._-], not
 * starting with '.' (dotfiles, "." and ".."). Does not check reserved names.
 */
bool vg_static_name_valid(const char *name);

/*
 * Whether an Accept-Encoding header value (RFC 9110 section 12.5.3) accepts
 * gzip: `gzip` or `x-gzip` with a qvalue above 0, or else `*` with one.
 * Case-insensitive; `gzip;q=0` refuses it. NULL (no header): false.
 */
bool vg_static_accepts_gzip(const char *accept_encoding);

/*
 * Whether an If-None-Match header value (RFC 9110 section 13.1.2) matches
 * `etag` (quotes included): `*`, or a listed entity tag, compared weakly
 * (W/"x" matches "x"). A malformed list matches nothing from the fault on.
 */
bool vg_static_etag_matches(const char *if_none_match, const char *etag);

#endif
