/*
 * Unit tests for http/static_files.c: content types, Accept-Encoding and
 * If-None-Match parsing, name filtering, and loading a directory within its
 * bounds (symlinks, dotfiles, assets/, gzip copies, ETags).
 */
#include "core/crypto.h"
#include "core/error.h"
#include "http/router.h"
#include "http/static_files.h"
#include "vg_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <zlib.h>

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    write_file(dir, name, text, strlen(text));
}

static void make_subdir(const char *dir, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    if (mkdir(out, 0755) < 0) {
        perror(out);
        abort();
    }
}

static void test_content_types(void)
{
    CHECK_STR_EQ(vg_static_content_type("index.html"), "text/html; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("app-abc123.js"), "text/javascript; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("worker.mjs"), "text/javascript; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("APP.JS"), "text/javascript; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("main-X1.css"), "text/css; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("favicon.svg"), "image/svg+xml");
    CHECK_STR_EQ(vg_static_content_type("logo.png"), "image/png");
    CHECK_STR_EQ(vg_static_content_type("favicon.ico"), "image/x-icon");
    CHECK_STR_EQ(vg_static_content_type("manifest.json"), "application/json");
    CHECK_STR_EQ(vg_static_content_type("main-X1.js.map"), "application/json");
    CHECK_STR_EQ(vg_static_content_type("font.woff2"), "font/woff2");
    CHECK_STR_EQ(vg_static_content_type("main.js.LEGAL.txt"), "text/plain; charset=utf-8");
    CHECK_STR_EQ(vg_static_content_type("LICENSE"), "application/octet-stream");
    CHECK_STR_EQ(vg_static_content_type("data.bin"), "application/octet-stream");
    CHECK_STR_EQ(vg_static_content_type("archive.tar.gz"), "application/octet-stream");
    CHECK_STR_EQ(vg_static_content_type("trailing."), "application/octet-stream");

    CHECK(vg_static_type_compressible("text/html; charset=utf-8"));
    CHECK(vg_static_type_compressible("text/javascript; charset=utf-8"));
    CHECK(vg_static_type_compressible("text/css; charset=utf-8"));
    CHECK(vg_static_type_compressible("image/svg+xml"));
    CHECK(vg_static_type_compressible("application/json"));
    CHECK(!vg_static_type_compressible("image/png"));
    CHECK(!vg_static_type_compressible("font/woff2"));
    CHECK(!vg_static_type_compressible("application/octet-stream"));
}

static void test_accept_encoding(void)
{
    CHECK(vg_static_accepts_gzip("gzip"));
    CHECK(vg_static_accepts_gzip("gzip, deflate, br, zstd")); /* what browsers send */
    CHECK(vg_static_accepts_gzip("deflate, gzip;q=0.5"));
    CHECK(vg_static_accepts_gzip("*"));
    CHECK(vg_static_accepts_gzip("GZIP"));
    CHECK(vg_static_accepts_gzip("Gzip ; Q=1.000"));
    CHECK(vg_static_accepts_gzip("x-gzip"));
    CHECK(vg_static_accepts_gzip("gzip;q=0.001"));
    CHECK(vg_static_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
    CHECK(vg_static_accepts_gzip("*;q=0, gzip")); /* the explicit entry decides */
    CHECK(vg_static_accepts_gzip(" , ,gzip,"));
    CHECK(vg_static_accepts_gzip("gzip;level=9"));

    CHECK(!vg_static_accepts_gzip(NULL));
    CHECK(!vg_static_accepts_gzip(""));
    CHECK(!vg_static_accepts_gzip("gzip;q=0"));
    CHECK(!vg_static_accepts_gzip("gzip; q=0.000"));
    CHECK(!vg_static_accepts_gzip("GZIP;Q=0"));
    CHECK(!vg_static_accepts_gzip("gzip;q=0, *"));
    CHECK(!vg_static_accepts_gzip("*;q=0"));
    CHECK(!vg_static_accepts_gzip("deflate"));
    CHECK(!vg_static_accepts_gzip("br, zstd"));
    CHECK(!vg_static_accepts_gzip("identity"));
    CHECK(!vg_static_accepts_gzip("gzipx, xgzip, gzi"));
    CHECK(!vg_static_accepts_gzip("gzip;q=abc")); /* unreadable q: refused, the safe side */
    CHECK(!vg_static_accepts_gzip("gzip;q=1.5"));
    CHECK(!vg_static_accepts_gzip("gzip;q=0.0001"));
}

static void test_etag_matching(void)
{
    const char *etag = "\"0123abcd\"";
    CHECK(vg_static_etag_matches("\"0123abcd\"", etag));
    CHECK(vg_static_etag_matches("W/\"0123abcd\"", etag)); /* weak comparison */
    CHECK(vg_static_etag_matches("\"x\", \"0123abcd\"", etag));
    CHECK(vg_static_etag_matches("\"x\",W/\"0123abcd\" ", etag));
    CHECK(vg_static_etag_matches("*", etag));
    CHECK(!vg_static_etag_matches(NULL, etag));
    CHECK(!vg_static_etag_matches("", etag));
    CHECK(!vg_static_etag_matches("\"0123abc\"", etag));
    CHECK(!vg_static_etag_matches("\"0123abcd-gzip\"", etag));
    CHECK(!vg_static_etag_matches("0123abcd", etag)); /* unquoted: malformed */
    CHECK(!vg_static_etag_matches("\"0123abcd", etag));
    CHECK(!vg_static_etag_matches("\"x\" junk, \"0123abcd\"", etag));
}

static void test_name_filtering(void)
{
    CHECK(vg_static_name_valid("index.html"));
    CHECK(vg_static_name_valid("app-abc123.js"));
    CHECK(vg_static_name_valid("main-ABC_12.css.map"));
    CHECK(vg_static_name_valid("LICENSE"));
    CHECK(!vg_static_name_valid(""));
    CHECK(!vg_static_name_valid("."));
    CHECK(!vg_static_name_valid(".."));
    CHECK(!vg_static_name_valid(".hidden"));
    CHECK(!vg_static_name_valid(".env"));
    CHECK(!vg_static_name_valid("a/b"));
    CHECK(!vg_static_name_valid("a b.js"));
    CHECK(!vg_static_name_valid("a%2e.js"));
    CHECK(!vg_static_name_valid("caf\xc3\xa9.js"));
    CHECK(!vg_static_name_valid("a\\b"));
    CHECK(!vg_static_name_valid("{name}"));
    char longest[257];
    memset(longest, 'a', 255);
    longest[255] = '\0';
    CHECK(vg_static_name_valid(longest));
    longest[255] = 'a';
    longest[256] = '\0';
    CHECK(!vg_static_name_valid(longest));
}

/* A console directory like esbuild's: index.html, favicon.svg, assets/. */
static void make_console(char *dir, size_t cap, size_t js_bytes)
{
    vg_test_tmpdir(dir, cap);
    write_text(dir, "index.html",
               "<!doctype html><script type=module src=/assets/app.js></script>");
    write_text(dir, "favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    char assets[1024];
    make_subdir(dir, "assets", assets, sizeof(assets));
    char *js = malloc(js_bytes);
    for (size_t i = 0; i < js_bytes; i++)
        js[i] = "console.log('vigil');\n"[i % 22];
    write_file(assets, "app-abc123.js", js, js_bytes);
    free(js);
    uint8_t png[64];
    for (size_t i = 0; i < sizeof(png); i++)
        png[i] = (uint8_t)(i * 37 + 11);
    write_file(assets, "logo-1.png", png, sizeof(png));
}

static void test_load_console(void)
{
    char dir[1024];
    make_console(dir, sizeof(dir), 50000);
    write_text(dir, ".hidden", "secret");
    write_text(dir, "assets/.hidden", "secret");
    write_text(dir, "bad name.txt", "x");
    write_text(dir, "health", "would shadow /health");
    write_text(dir, "outside.txt", "x"); /* a regular file, served */
    char fifo[1100];
    snprintf(fifo, sizeof(fifo), "%s/pipe.txt", dir);
    CHECK_INT_EQ(mkfifo(fifo, 0644), 0); /* not a regular file: skipped, and never opened */
    char link[1100];
    snprintf(link, sizeof(link), "%s/link.txt", dir);
    CHECK_INT_EQ(symlink("/etc/passwd", link), 0);
    snprintf(link, sizeof(link), "%s/assets/linked.js", dir);
    CHECK_INT_EQ(symlink("../index.html", link), 0);
    char nested[1100];
    make_subdir(dir, "assets/deeper", nested, sizeof(nested));
    write_text(nested, "x.js", "deeper");
    char other[1100];
    make_subdir(dir, "other", other, sizeof(other));
    write_text(other, "y.js", "other");

    vg_static_files *files = vg_static_files_load(&(vg_static_files_options){.dir = dir});
    CHECK(files != NULL);
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_LOADED);
    /* index.html, favicon.svg, outside.txt, assets/app-abc123.js, assets/logo-1.png */
    CHECK_INT_EQ(vg_static_files_count(files), 5);

    vg_static_file_view v;
    CHECK(vg_static_files_find(files, "index.html", &v));
    CHECK_STR_EQ(v.content_type, "text/html; charset=utf-8");
    CHECK(vg_static_files_find(files, "outside.txt", &v));
    CHECK(!vg_static_files_find(files, ".hidden", &v));
    CHECK(!vg_static_files_find(files, "assets/.hidden", &v));
    CHECK(!vg_static_files_find(files, "bad name.txt", &v));
    CHECK(!vg_static_files_find(files, "health", &v));
    CHECK(!vg_static_files_find(files, "link.txt", &v));
    CHECK(!vg_static_files_find(files, "pipe.txt", &v));
    CHECK(!vg_static_files_find(files, "assets/linked.js", &v));
    CHECK(!vg_static_files_find(files, "assets/deeper/x.js", &v));
    CHECK(!vg_static_files_find(files, "other/y.js", &v));

    /* The JS: an ETag of its SHA-256, a gzip copy that inflates to the same bytes. */
    CHECK(vg_static_files_find(files, "assets/app-abc123.js", &v));
    CHECK_STR_EQ(v.content_type, "text/javascript; charset=utf-8");
    CHECK_INT_EQ(v.len, 50000);
    uint8_t hash[VG_SHA256_LEN];
    vg_sha256(v.data, v.len, hash);
    char want[64];
    snprintf(want, sizeof(want), "\"%02x%02x", hash[0], hash[1]);
    CHECK(!strncmp(v.etag, want, 5));
    CHECK_INT_EQ(strlen(v.etag), 34);
    CHECK(v.gzip_data != NULL && v.gzip_len < v.len / 10);
    CHECK(v.gzip_etag != NULL && strcmp(v.gzip_etag, v.etag) != 0);
    if (v.gzip_data) {
        uint8_t *back = malloc(v.len);
        z_stream z;
        memset(&z, 0, sizeof(z));
        CHECK_INT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
        z.next_in = (Bytef *)v.gzip_data;
        z.avail_in = (uInt)v.gzip_len;
        z.next_out = back;
        z.avail_out = (uInt)v.len;
        CHECK_INT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
        CHECK_INT_EQ(z.total_out, v.len);
        CHECK(memcmp(back, v.data, v.len) == 0);
        inflateEnd(&z);
        free(back);
    }

    /* A PNG is not gzipped; a tiny text file whose gzip is larger keeps no copy. */
    CHECK(vg_static_files_find(files, "assets/logo-1.png", &v));
    CHECK_STR_EQ(v.content_type, "image/png");
    CHECK(v.gzip_data == NULL && v.gzip_etag == NULL);
    CHECK(vg_static_files_find(files, "outside.txt", &v));
    CHECK(v.gzip_data == NULL);

    /* Routes: /, /index.html, /favicon.svg, /outside.txt, /assets/{name}; nothing else. */
    vg_router *r = vg_router_create();
    CHECK_INT_EQ(vg_static_files_register(r, files), 0);
    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", "/", &m), 0);
    CHECK_INT_EQ(vg_router_match(r, "HEAD", "/index.html", &m), 0);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/favicon.svg", &m), 0);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/assets/app-abc123.js", &m), 0);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/health", &m), VG_ENOENT);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/link.txt", &m), VG_ENOENT);
    CHECK_INT_EQ(vg_router_match(r, "GET", "/assets/a/b", &m), VG_ENOENT);
    vg_router_destroy(r);
    vg_static_files_destroy(files);
}

static void test_not_built(void)
{
    char dir[1024], missing[1100];
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(missing, sizeof(missing), "%s/nope", dir);
    vg_static_files *files = vg_static_files_load(&(vg_static_files_options){.dir = missing});
    CHECK(files != NULL);
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_NOT_BUILT);
    CHECK_INT_EQ(vg_static_files_count(files), 0);
    vg_router *r = vg_router_create();
    CHECK_INT_EQ(vg_static_files_register(r, files), 0);
    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", "/", &m), 0); /* answers console_not_built */
    CHECK_INT_EQ(vg_router_match(r, "GET", "/assets/x.js", &m), VG_ENOENT);
    vg_router_destroy(r);
    vg_static_files_destroy(files);

    /* A directory without index.html is not a console either. */
    write_text(dir, "app.js", "x");
    files = vg_static_files_load(&(vg_static_files_options){.dir = dir});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_NOT_BUILT);
    CHECK_INT_EQ(vg_static_files_count(files), 0);
    vg_static_files_destroy(files);

    /* Nor is a file where the directory should be. */
    char file[1100];
    snprintf(file, sizeof(file), "%s/app.js", dir);
    files = vg_static_files_load(&(vg_static_files_options){.dir = file});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_NOT_BUILT);
    vg_static_files_destroy(files);
    vg_static_files_destroy(NULL);
}

static void test_bounds(void)
{
    char dir[1024];
    make_console(dir, sizeof(dir), 1000);
    /* Four files: at four it loads, at three none is served. */
    vg_static_files *files =
        vg_static_files_load(&(vg_static_files_options){.dir = dir, .max_files = 3});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_FAILED);
    CHECK_INT_EQ(vg_static_files_count(files), 0);
    vg_static_file_view v;
    CHECK(!vg_static_files_find(files, "index.html", &v));
    vg_router *r = vg_router_create();
    CHECK_INT_EQ(vg_static_files_register(r, files), 0);
    vg_route_match m;
    CHECK_INT_EQ(vg_router_match(r, "GET", "/", &m), 0); /* answers console_not_loaded */
    CHECK_INT_EQ(vg_router_match(r, "GET", "/favicon.svg", &m), VG_ENOENT);
    vg_router_destroy(r);
    vg_static_files_destroy(files);

    files = vg_static_files_load(&(vg_static_files_options){.dir = dir, .max_files = 4});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_LOADED);
    CHECK_INT_EQ(vg_static_files_count(files), 4);
    vg_static_files_destroy(files);

    /* Bytes: the JS alone is 1000; one byte short of the whole is a failure. */
    size_t total = 0;
    files = vg_static_files_load(&(vg_static_files_options){.dir = dir});
    const char *names[] = {"index.html", "favicon.svg", "assets/app-abc123.js",
                           "assets/logo-1.png"};
    for (size_t i = 0; i < 4; i++) {
        CHECK(vg_static_files_find(files, names[i], &v));
        total += v.len;
    }
    vg_static_files_destroy(files);
    files = vg_static_files_load(&(vg_static_files_options){.dir = dir, .max_bytes = total});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_LOADED);
    vg_static_files_destroy(files);
    files = vg_static_files_load(&(vg_static_files_options){.dir = dir, .max_bytes = total - 1});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_FAILED);
    CHECK_INT_EQ(vg_static_files_count(files), 0);
    vg_static_files_destroy(files);

    /* The real bound: more than VG_STATIC_MAX_FILES files fails whole. */
    char assets[1100];
    snprintf(assets, sizeof(assets), "%s/assets", dir);
    for (int i = 0; i < VG_STATIC_MAX_FILES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%03d.js", i);
        write_text(assets, name, "x");
    }
    files = vg_static_files_load(&(vg_static_files_options){.dir = dir});
    CHECK_INT_EQ(vg_static_files_get_state(files), VG_STATIC_FAILED);
    CHECK_INT_EQ(vg_static_files_count(files), 0);
    vg_static_files_destroy(files);
}

int main(void)
{
    VG_TEST_RUN(test_content_types);
    VG_TEST_RUN(test_accept_encoding);
    VG_TEST_RUN(test_etag_matching);
    VG_TEST_RUN(test_name_filtering);
    VG_TEST_RUN(test_load_console);
    VG_TEST_RUN(test_not_built);
    VG_TEST_RUN(test_bounds);
    return vg_test_done();
}
