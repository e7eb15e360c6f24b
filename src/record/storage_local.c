/* storage_local.c: recordings on the local filesystem (storage.h). */
#include "record/storage.h"

#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct local_storage {
    vg_storage base;
    char *dir;
} local_storage;

static int local_upload(vg_storage *st, const char *local_path, const char *key)
{
    /* The recorder writes in place: the file already is the object. */
    local_storage *ls = (local_storage *)st;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", ls->dir, key);
    return strcmp(path, local_path) == 0 || access(local_path, F_OK) == 0 ? 0 : -errno;
}

static int local_get_url(vg_storage *st, const char *key, int64_t ttl_ms, char *out, size_t cap)
{
    int n = snprintf(out, cap, "/recordings/%s", key);
    return n < 0 || (size_t)n >= cap ? VG_ERANGE : 0;
}

static int local_remove(vg_storage *st, const char *key)
{
    local_storage *ls = (local_storage *)st;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", ls->dir, key);
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    /* An emptied day folder goes too (rmdir refuses one that is not empty). */
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path);
    }
    return 0;
}

static void local_destroy(vg_storage *st)
{
    local_storage *ls = (local_storage *)st;
    free(ls->dir);
    free(ls);
}

static const vg_storage_ops local_ops = {
    .name = "local",
    .upload = local_upload,
    .get_url = local_get_url,
    .remove = local_remove,
    .destroy = local_destroy,
};

vg_storage *vg_storage_local_create(const char *dir)
{
    local_storage *ls = calloc(1, sizeof(*ls));
    if (!ls || !(ls->dir = strdup(dir))) {
        free(ls);
        return NULL;
    }
    ls->base.ops = &local_ops;
    return &ls->base;
}
