/* send_queue.c: see send_queue.h. */
#include "http/send_queue.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

struct vg_send_item {
    vg_send_item *next;
    void (*release)(void *ctx);
    void *ctx;
    size_t count, index; /* slices, and the one being sent */
    size_t offset;       /* bytes of slices[index] already sent */
    vg_http_slice slices[];
};

void vg_send_queue_init(vg_send_queue *q)
{
    q->head = q->tail = NULL;
    q->bytes = 0;
}

int vg_send_queue_push(vg_send_queue *q, const vg_http_slice *slices, size_t count,
                       void (*release)(void *ctx), void *ctx)
{
    vg_send_item *item = malloc(sizeof(*item) + count * sizeof(slices[0]));
    if (!item) {
        if (release)
            release(ctx);
        return VG_ENOMEM;
    }
    *item = (vg_send_item){.release = release, .ctx = ctx};
    /* Empty slices are skipped so that the front item always has bytes to send. */
    for (size_t i = 0; i < count; i++) {
        if (slices[i].len) {
            item->slices[item->count++] = slices[i];
            q->bytes += slices[i].len;
        }
    }
    if (q->tail)
        q->tail->next = item;
    else
        q->head = item;
    q->tail = item;
    return 0;
}

static void release_copy(void *ctx)
{
    free(ctx);
}

int vg_send_queue_push_copy(vg_send_queue *q, const void *data, size_t len)
{
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return VG_ENOMEM;
    memcpy(copy, data, len);
    vg_http_slice slice = {copy, len};
    return vg_send_queue_push(q, &slice, 1, release_copy, copy);
}

size_t vg_send_queue_iov(const vg_send_queue *q, struct iovec *iov, size_t max)
{
    size_t n = 0;
    for (const vg_send_item *item = q->head; item && n < max; item = item->next) {
        for (size_t i = item->index; i < item->count && n < max; i++) {
            size_t skip = i == item->index ? item->offset : 0;
            iov[n].iov_base = (char *)item->slices[i].data + skip;
            iov[n].iov_len = item->slices[i].len - skip;
            n++;
        }
    }
    return n;
}

static void pop_finished(vg_send_queue *q)
{
    while (q->head && q->head->index == q->head->count) {
        vg_send_item *done = q->head;
        q->head = done->next;
        if (!q->head)
            q->tail = NULL;
        if (done->release)
            done->release(done->ctx);
        free(done);
    }
}

void vg_send_queue_consume(vg_send_queue *q, size_t n)
{
    pop_finished(q); /* items with no bytes at all */
    while (n > 0 && q->head) {
        vg_send_item *item = q->head;
        size_t left = item->slices[item->index].len - item->offset;
        size_t step = n < left ? n : left;
        item->offset += step;
        q->bytes -= step;
        n -= step;
        if (item->offset == item->slices[item->index].len) {
            item->index++;
            item->offset = 0;
        }
        pop_finished(q);
    }
}

size_t vg_send_queue_copy(vg_send_queue *q, void *buf, size_t max)
{
    size_t copied = 0;
    pop_finished(q);
    while (copied < max && q->head) {
        vg_send_item *item = q->head;
        const vg_http_slice *s = &item->slices[item->index];
        size_t left = s->len - item->offset;
        size_t step = max - copied < left ? max - copied : left;
        memcpy((char *)buf + copied, (const char *)s->data + item->offset, step);
        copied += step;
        vg_send_queue_consume(q, step);
    }
    return copied;
}

void vg_send_queue_clear(vg_send_queue *q)
{
    while (q->head) {
        vg_send_item *item = q->head;
        q->head = item->next;
        if (item->release)
            item->release(item->ctx);
        free(item);
    }
    q->tail = NULL;
    q->bytes = 0;
}
