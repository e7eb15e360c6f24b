/*
 * storage.h: where finished recordings live, behind one small interface
 * (seed 004's StorageService: upload, get_url, delete), so that object
 * storage (S3) can come later without touching the recorder, retention or
 * playback.
 *
 *   recorder ──closed file──▶ upload(local path, key)      local: already in place
 *   playback ──────────────▶ get_url(key, ttl)             local: /recordings/<key>
 *   retention ─────────────▶ remove_many(keys)             local: unlink (+ an emptied day folder)
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
    /*
     * Removes the `n` objects `keys` (absent is not an error), writing 0 or
     * -errno for each into errs[i]; returns how many failed. One call for a
     * batch lets a backend share work between keys (local: one folder
     * lookup per day, not per file; S3: DeleteObjects). Keys of the same
     * folder should be next to each other. Worker only. NULL: remove() per key.
     */
    size_t (*remove_many)(vg_storage *st, char *const *keys, size_t n, int *errs);
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

static inline size_t vg_storage_remove_many(vg_storage *st, char *const *keys, size_t n, int *errs)
{
    if (st->ops->remove_many)
        return st->ops->remove_many(st, keys, n, errs);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += (errs[i] = st->ops->remove(st, keys[i])) < 0;
    return failed;
}

/* NULL-safe. */
static inline void vg_storage_destroy(vg_storage *st)
{
    if (st)
        st->ops->destroy(st);
}

#endif
