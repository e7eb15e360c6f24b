/*
 * file_send.h: a file from disk as an HTTP answer, with byte ranges
 * (RFC 9110 section 14), without blocking the loop: open, stat and reads
 * run on libuv's worker pool (uv_fs_*), one 256 KiB piece at a time and at
 * most two ahead of what the client has taken.
 *
 *   GET  Range: bytes=1000-   ──▶ 206, Content-Range: bytes 1000-4999/5000
 *   GET  (no Range)           ──▶ 200, Accept-Ranges: bytes, Content-Length
 *   GET  Range: bytes=9000-   ──▶ 416, Content-Range: bytes * /5000
 */
#ifndef VG_HTTP_FILE_SEND_H
#define VG_HTTP_FILE_SEND_H

#include "http/request.h"

#include <stdint.h>
#include <uv.h>

/*
 * Answers `req` with the file at `path` (copied) as `content_type`. With a
 * `download_name`, Content-Disposition says attachment with that name
 * (copied; NULL: none). A missing file is 404 JSON. The request is answered
 * later, from the loop.
 */
void vg_http_respond_file(vg_http_request *req, uv_loop_t *loop, const char *path,
                          const char *content_type, const char *download_name);

/* One piece of a body made of several: bytes in memory, or a range of a file. */
typedef struct vg_http_piece {
    const char *path;    /* a file (copied); NULL: `data` */
    const uint8_t *data; /* memory, borrowed until the answer is over (see `owned`) */
    uint64_t offset;     /* in the file */
    uint64_t length;
} vg_http_piece;

/*
 * Answers `req` with the concatenation of `count` pieces (`pieces` is
 * copied), as one resource of that total size, with byte ranges as for a
 * file. `owned` (may be NULL) is free()d when the answer is over: pass the
 * buffer the memory pieces point into. Files are opened and read on the
 * worker pool as the client takes the bytes.
 */
void vg_http_respond_pieces(vg_http_request *req, uv_loop_t *loop, const vg_http_piece *pieces,
                            size_t count, void *owned, const char *content_type,
                            const char *download_name);

/*
 * Parses a Range header value against a resource of `size` bytes (RFC 9110
 * 14.1.2): one range only ("bytes=a-b", "bytes=a-", "bytes=-n"). Returns 1
 * with [*first, *last] (inclusive), 0 when there is no usable Range (serve
 * the whole: absent, several ranges, another unit, malformed), or -1 when it
 * cannot be satisfied (416).
 */
int vg_http_parse_range(const char *value, int64_t size, int64_t *first, int64_t *last);

#endif
