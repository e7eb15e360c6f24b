/*
 * storage.h: where finished recordings live, behind one small interface
 * (seed 004's StorageService: upload, get_url, delete), so that object
 * storage (S3) can come later without touching the recorder, retention or
 * playback.
 *
 *   recorder ──closed file──▶ upload(local path, key)      local: already in place
 *   playback ──────────────▶ get_url(key, ttl)             local: /recordings/<key>
 *   retention ─────────────▶ remove(key)                   local: unlink (+ an empty day folder)
 *
 * A key is the index's path, "<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>.mp4".
 * upload and remove block (disk, network): they run on the worker pool
 * only, and may run on several workers at once (no shared state beyond
 * what the backend makes thread-safe). get_url is quick, for the loop.
 */
#ifndef VG_RECORD_STORAGE_H
#define VG_RECORD_STORAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_storage vg_storage;

typedef struct vg_storage_ops {
    const char *name; /* "local" */
    /* Makes the finished file at `local_path` the object `key`. Worker only. 0 or -errno. */
    int (*upload)(vg_storage *st, const char *local_path, const char *key);
    /*
     * A URL a client fetches the object at, valid for at least `ttl_ms`
     * (local files: a path on vigil's own port, valid as long as the file
     * is). 0, or VG_ERANGE when `cap` is too small.
     */
    int (*get_url)(vg_storage *st, const char *key, int64_t ttl_ms, char *out, size_t cap);
    /* Removes the object; absent is not an error. Worker only. 0 or -errno. */
    int (*remove)(vg_storage *st, const char *key);
    void (*destroy)(vg_storage *st);
} vg_storage_ops;

struct vg_storage {
    const vg_storage_ops *ops;
};

/* The local filesystem under `dir` (copied), where the recorder writes. NULL when out of memory. */
vg_storage *vg_storage_local_create(const char *dir);

static inline int vg_storage_upload(vg_storage *st, const char *local_path, const char *key)
{
    return st->ops->upload(st, local_path, key);
}

static inline int vg_storage_get_url(vg_storage *st, const char *key, int64_t ttl_ms, char *out,
                                     size_t cap)
{
    return st->ops->get_url(st, key, ttl_ms, out, cap);
}

static inline int vg_storage_remove(vg_storage *st, const char *key)
{
    return st->ops->remove(st, key);
}

/* NULL-safe. */
static inline void vg_storage_destroy(vg_storage *st)
{
    if (st)
        st->ops->destroy(st);
}

#endif
