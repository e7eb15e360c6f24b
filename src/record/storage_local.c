/* storage_local.c: recordings on the local filesystem (storage.h). */
#include "record/storage.h"

#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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

/* The length of the folder part of `key` ("3/2026-11-21" of "3/2026-11-21/10-00-00.000.mp4"). */
static size_t folder_len(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? (size_t)(slash - key) : 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in the folder open at `dfd`, sorted, into *out (NULL when it
 * cannot be read: the caller then unlinks blindly). The fd stays the caller's.
 */
static size_t read_names(int dfd, char ***out)
{
    *out = NULL;
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool failed = false;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..": a segment's name starts with its hour */
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **grown = reallocarray(names, cap, sizeof(*names));
            if (!grown) {
                failed = true;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            failed = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (failed) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return 0;
    }
    qsort(names, n, sizeof(*names), compare_names);
    *out = names ? names : malloc(1); /* an empty folder: a list of none, not "unread" */
    return n;
}

/*
 * Retention's batches: the keys come in runs of the same day folder (oldest
 * first, per camera), so each run opens its folder once and unlinks from it
 * (one name to look up per file, not the whole path), and tries rmdir once
 * when the run ends, not after every file (a folder that still holds files
 * refuses, and the attempt costs a scan of its cached entries). A folder
 * that is gone has no files to remove; a long run reads its folder first and
 * unlinks only the names that are there (an index whose files were removed
 * by hand costs no syscall per row).
 */
#define READ_FOLDER_MIN 32 /* keys in a run from which reading the folder first pays */

static size_t local_remove_many(vg_storage *st, char *const *keys, size_t n, int *errs)
{
    local_storage *ls = (local_storage *)st;
    size_t failed = 0;
    for (size_t i = 0; i < n;) {
        size_t flen = folder_len(keys[i]), end = i + 1;
        while (end < n && folder_len(keys[end]) == flen && memcmp(keys[end], keys[i], flen) == 0)
            end++;
        char folder[PATH_MAX];
        snprintf(folder, sizeof(folder), "%s/%.*s", ls->dir, (int)flen, keys[i]);
        int dfd = flen ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd < 0 && flen && errno == ENOENT) {
            for (; i < end; i++)
                errs[i] = 0;
            continue;
        }
        char **names = NULL;
        size_t names_n = dfd >= 0 && end - i >= READ_FOLDER_MIN ? read_names(dfd, &names) : 0;
        for (; i < end; i++) {
            const char *name = keys[i] + flen + 1;
            errs[i] = 0;
            if (dfd < 0) /* no folder part, or it cannot be opened: the whole path */
                errs[i] = local_remove(st, keys[i]);
            else if (names && !bsearch(&name, names, names_n, sizeof(*names), compare_names))
                continue; /* not there */
            else if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                errs[i] = -errno;
            failed += errs[i] < 0;
        }
        for (size_t k = 0; k < names_n; k++)
            free(names[k]);
        free(names);
        if (dfd >= 0) {
            close(dfd);
            rmdir(folder); /* an emptied day folder goes too */
        }
    }
    return failed;
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
    .remove_many = local_remove_many,
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
