/*
 * file_send.c: see file_send.h.
 *
 * A body is a list of pieces (one file, or an export's header in memory
 * and ranges of several files). The wanted byte range [next, end) is walked
 * piece by piece: memory is queued as it is; a file piece is opened, read
 * 256 KiB at a time (uv_fs on the worker pool) while the client keeps up,
 * and closed before the next piece.
 */
#include "http/file_send.h"

#include "core/error.h"
#include "core/log.h"
#include "http/json.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECE_READ  (256 * 1024)
#define AHEAD_BYTES (2 * PIECE_READ) /* queued for the client before the next read waits */

typedef struct send_piece {
    char *path; /* NULL: memory; owned when own_path (else the previous piece's) */
    bool own_path;
    const uint8_t *data;
    uint64_t offset, length;
} send_piece;

typedef struct file_send {
    uv_loop_t *loop;
    vg_http_request *req; /* until answered */
    vg_http_stream *stream;
    char *content_type, *download_name;
    void *owned;
    send_piece *pieces;
    size_t count;
    bool stat_first; /* one file of unknown size: stat it, then answer */

    uv_fs_t fs;
    uv_file fd;
    size_t fd_piece;    /* which piece fd belongs to */
    uint64_t next, end; /* the bytes still to send: [next, end) of the whole */
    size_t cur;         /* the piece holding `next` */
    uint64_t cur_start; /* where piece `cur` starts in the whole */
    bool busy;          /* an fs request is in flight */
    bool cancelled;     /* the server ended the suspended request */
    bool closed;        /* the stream is over */
    uint8_t *buf;
} file_send;

int vg_http_parse_range(const char *value, int64_t size, int64_t *first, int64_t *last)
{
    if (!value || strncmp(value, "bytes=", 6) != 0)
        return 0;
    const char *p = value + 6;
    while (*p == ' ')
        p++;
    if (strchr(p, ','))
        return 0; /* several ranges: the whole is a valid answer (14.2) */
    char *end;
    if (*p == '-') {
        /* A suffix: the last n bytes. */
        long long n = strtoll(p + 1, &end, 10);
        if (end == p + 1 || *end || n < 0)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        *first = n >= size ? 0 : size - n;
        *last = size - 1;
        return 1;
    }
    long long a = strtoll(p, &end, 10);
    if (end == p || *end != '-' || a < 0)
        return 0;
    p = end + 1;
    long long b = size - 1;
    if (*p) {
        b = strtoll(p, &end, 10);
        if (end == p || *end || b < a)
            return 0;
    }
    if (a >= size)
        return -1;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return 1;
}

static void free_send(file_send *f)
{
    for (size_t i = 0; i < f->count; i++) {
        if (f->pieces[i].own_path)
            free(f->pieces[i].path);
    }
    free(f->pieces);
    free(f->buf);
    free(f->owned);
    free(f->content_type);
    free(f->download_name);
    free(f);
}

static void on_final_close(uv_fs_t *fs)
{
    file_send *f = fs->data;
    uv_fs_req_cleanup(fs);
    free_send(f);
}

/* Everything is over: close the open file (on a worker) and free. */
static void finish(file_send *f)
{
    if (f->fd >= 0) {
        uv_file fd = f->fd;
        f->fd = -1;
        f->fs.data = f;
        if (uv_fs_close(f->loop, &f->fs, fd, on_final_close) == 0)
            return;
    }
    free_send(f);
}

static void pump(file_send *f);

static void release_buf(void *p)
{
    free(p);
}

static void fail_stream(file_send *f, const char *what, int err)
{
    VG_LOG_WARN("http", "sending %s failed: %s", what, err ? uv_strerror(err) : "short file");
    vg_http_stream_end(f->stream); /* the client sees a short body */
}

static void on_read(uv_fs_t *fs)
{
    file_send *f = fs->data;
    ssize_t n = fs->result;
    uv_fs_req_cleanup(fs);
    f->busy = false;
    if (f->closed) {
        finish(f);
        return;
    }
    if (n <= 0) {
        fail_stream(f, f->pieces[f->cur].path, n < 0 ? (int)n : 0);
        return;
    }
    uint8_t *piece = f->buf;
    f->buf = NULL;
    f->next += (uint64_t)n;
    vg_http_slice s = {piece, (size_t)n};
    vg_http_stream_send_slices(f->stream, &s, 1, release_buf, piece);
    pump(f);
}

static void on_piece_open(uv_fs_t *fs)
{
    file_send *f = fs->data;
    int result = (int)fs->result;
    uv_fs_req_cleanup(fs);
    f->busy = false;
    if (result >= 0) {
        f->fd = result;
        f->fd_piece = f->cur;
    }
    if (f->closed) {
        finish(f);
        return;
    }
    if (result < 0) {
        fail_stream(f, f->pieces[f->cur].path, result);
        return;
    }
    pump(f);
}

static void on_piece_close(uv_fs_t *fs)
{
    file_send *f = fs->data;
    uv_fs_req_cleanup(fs);
    f->busy = false;
    if (f->closed) {
        finish(f);
        return;
    }
    pump(f);
}

/* Sends on while the client keeps up: memory at once, files a read at a time. */
static void pump(file_send *f)
{
    while (!f->busy && !f->closed) {
        if (f->next >= f->end) {
            vg_http_stream_end(f->stream);
            return;
        }
        if (vg_http_stream_buffered(f->stream) >= AHEAD_BYTES)
            return; /* on_drained calls again */
        /* The piece holding `next`. */
        while (f->cur < f->count && f->next >= f->cur_start + f->pieces[f->cur].length) {
            f->cur_start += f->pieces[f->cur].length;
            f->cur++;
        }
        if (f->cur >= f->count) {
            vg_http_stream_end(f->stream);
            return;
        }
        const send_piece *p = &f->pieces[f->cur];
        uint64_t in_piece = f->next - f->cur_start;
        uint64_t left = p->length - in_piece;
        if (f->end - f->next < left)
            left = f->end - f->next;
        if (f->fd >= 0 && f->fd_piece != f->cur && p->path &&
            p->path == f->pieces[f->fd_piece].path) {
            f->fd_piece = f->cur; /* the same file again: keep it open */
        }
        if (f->fd >= 0 && f->fd_piece != f->cur) {
            /* The previous piece's file: closed before the next one opens. */
            uv_file fd = f->fd;
            f->fd = -1;
            f->busy = true;
            f->fs.data = f;
            if (uv_fs_close(f->loop, &f->fs, fd, on_piece_close) < 0)
                f->busy = false;
            continue;
        }
        if (!p->path) {
            vg_http_slice s = {p->data + in_piece, (size_t)left};
            vg_http_stream_send_slices(f->stream, &s, 1, NULL, NULL);
            f->next += left;
            continue;
        }
        f->fs.data = f;
        f->busy = true;
        if (f->fd < 0) {
            if (uv_fs_open(f->loop, &f->fs, p->path, O_RDONLY | O_CLOEXEC, 0, on_piece_open) < 0) {
                f->busy = false;
                fail_stream(f, p->path, 0);
            }
            return;
        }
        size_t len = left < PIECE_READ ? (size_t)left : PIECE_READ;
        if (!(f->buf = malloc(len))) {
            f->busy = false;
            fail_stream(f, p->path, UV_ENOMEM);
            return;
        }
        uv_buf_t b = uv_buf_init((char *)f->buf, (unsigned)len);
        if (uv_fs_read(f->loop, &f->fs, f->fd, &b, 1, (int64_t)(p->offset + in_piece), on_read) <
            0) {
            f->busy = false;
            fail_stream(f, p->path, 0);
        }
        return;
    }
}

static void on_drained(vg_http_stream *stream, void *ctx)
{
    pump(ctx);
}

static void on_close(vg_http_stream *stream, void *ctx)
{
    file_send *f = ctx;
    f->closed = true;
    if (!f->busy)
        finish(f);
}

static const vg_http_stream_ops stream_ops = {.on_drained = on_drained, .on_close = on_close};

static void on_cancel(void *ctx)
{
    file_send *f = ctx;
    f->cancelled = true; /* the server answers 503; the fs callback in flight frees */
    f->req = NULL;
}

/* The pieces' sizes are known: answer (200, 206 or 416) and start sending. */
static void answer(file_send *f)
{
    vg_http_request *req = f->req;
    f->req = NULL;
    uint64_t total = 0;
    for (size_t i = 0; i < f->count; i++)
        total += f->pieces[i].length;
    int64_t size = (int64_t)total, first = 0, last = size - 1;
    int r = vg_http_parse_range(vg_http_request_header(req, "Range"), size, &first, &last);
    char value[160];
    if (r < 0) {
        snprintf(value, sizeof(value), "bytes */%" PRId64, size);
        vg_http_request_add_response_header(req, "Content-Range", value);
        vg_http_respond_error(req, 416, "range_not_satisfiable",
                              "the range is outside the %" PRId64 " bytes", size);
        finish(f);
        return;
    }
    vg_http_request_add_response_header(req, "Accept-Ranges", "bytes");
    if (r > 0) {
        snprintf(value, sizeof(value), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, first, last, size);
        vg_http_request_add_response_header(req, "Content-Range", value);
    }
    if (f->download_name) {
        snprintf(value, sizeof(value), "attachment; filename=\"%s\"", f->download_name);
        vg_http_request_add_response_header(req, "Content-Disposition", value);
    }
    f->next = (uint64_t)first;
    f->end = size ? (uint64_t)last + 1 : 0;
    f->stream = vg_http_respond_stream(req, r > 0 ? 206 : 200, f->content_type,
                                       (int64_t)(f->end - f->next), &stream_ops, f);
    if (!f->stream) {
        finish(f);
        return;
    }
    pump(f);
}

static void on_stat(uv_fs_t *fs)
{
    file_send *f = fs->data;
    bool ok = fs->result >= 0 && (fs->statbuf.st_mode & S_IFMT) == S_IFREG;
    f->pieces[0].length = ok ? fs->statbuf.st_size : 0;
    uv_fs_req_cleanup(fs);
    f->busy = false;
    if (f->cancelled) {
        finish(f);
        return;
    }
    if (!ok) {
        vg_http_respond_error(f->req, 404, "not_found", "no such file");
        finish(f);
        return;
    }
    f->fd_piece = 0; /* the descriptor opened for the stat serves piece 0 */
    answer(f);
}

static void on_open(uv_fs_t *fs)
{
    file_send *f = fs->data;
    int result = (int)fs->result;
    uv_fs_req_cleanup(fs);
    f->busy = false;
    if (result >= 0)
        f->fd = result;
    if (f->cancelled) {
        finish(f);
        return;
    }
    if (result < 0) {
        if (result == UV_ENOENT || result == UV_ENOTDIR)
            vg_http_respond_error(f->req, 404, "not_found", "no such file");
        else
            vg_http_respond_error(f->req, 500, "internal_error", "cannot open the file: %s",
                                  uv_strerror(result));
        finish(f);
        return;
    }
    f->fs.data = f;
    f->busy = true;
    if (uv_fs_fstat(f->loop, &f->fs, f->fd, on_stat) < 0) {
        f->busy = false;
        vg_http_respond_error(f->req, 500, "internal_error", "cannot read the file");
        finish(f);
    }
}

static file_send *new_send(vg_http_request *req, uv_loop_t *loop, size_t count, void *owned,
                           const char *content_type, const char *download_name)
{
    file_send *f = calloc(1, sizeof(*f));
    if (!f || !(f->pieces = calloc(count ? count : 1, sizeof(*f->pieces))) ||
        !(f->content_type = strdup(content_type)) ||
        (download_name && !(f->download_name = strdup(download_name)))) {
        if (f) {
            free(f->pieces);
            free(f->content_type);
        }
        free(f);
        free(owned);
        vg_http_respond_error(req, 503, "out_of_memory", "cannot send this now");
        return NULL;
    }
    f->loop = loop;
    f->req = req;
    f->fd = -1;
    f->owned = owned;
    f->count = count;
    return f;
}

void vg_http_respond_pieces(vg_http_request *req, uv_loop_t *loop, const vg_http_piece *pieces,
                            size_t count, void *owned, const char *content_type,
                            const char *download_name)
{
    file_send *f = new_send(req, loop, count, owned, content_type, download_name);
    if (!f)
        return;
    for (size_t i = 0; i < count; i++) {
        f->pieces[i] = (send_piece){
            .data = pieces[i].data, .offset = pieces[i].offset, .length = pieces[i].length};
        if (!pieces[i].path)
            continue;
        if (i > 0 && pieces[i].path == pieces[i - 1].path) {
            f->pieces[i].path = f->pieces[i - 1].path; /* one copy for a file's runs */
            continue;
        }
        if (!(f->pieces[i].path = strdup(pieces[i].path))) {
            vg_http_respond_error(req, 503, "out_of_memory", "cannot send this now");
            free_send(f);
            return;
        }
        f->pieces[i].own_path = true;
    }
    answer(f);
}

void vg_http_respond_file(vg_http_request *req, uv_loop_t *loop, const char *path,
                          const char *content_type, const char *download_name)
{
    file_send *f = new_send(req, loop, 1, NULL, content_type, download_name);
    if (!f)
        return;
    if (!(f->pieces[0].path = strdup(path))) {
        vg_http_respond_error(req, 503, "out_of_memory", "cannot send this now");
        free_send(f);
        return;
    }
    f->pieces[0].own_path = true;
    if (vg_http_request_suspend(req, on_cancel, f) < 0) {
        vg_http_respond_error(req, 503, "shutting_down", "vigil is shutting down");
        free_send(f);
        return;
    }
    f->fs.data = f;
    f->busy = true;
    if (uv_fs_open(loop, &f->fs, f->pieces[0].path, O_RDONLY | O_CLOEXEC, 0, on_open) < 0) {
        f->busy = false;
        vg_http_respond_error(req, 500, "internal_error", "cannot open the file");
        finish(f);
    }
}
