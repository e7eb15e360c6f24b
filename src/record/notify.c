/* notify.c: see notify.h. */
#include "record/notify.h"

#include "core/crypto.h"
#include "core/error.h"
#include "core/log.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTEMPTS   6 /* the first and five retries */
#define TIMEOUT_MS 10000

typedef struct post {
    vg_notifier *owner;
    char *event, *body;
    char delivery[24];
    int attempt;
    long status; /* the worker's: the last HTTP status, 0 for a transport failure */
    char error[CURL_ERROR_SIZE];
    void (*done)(void *ctx, bool ok);
    void *ctx;
    uv_work_t work;
    uv_timer_t timer;
    bool timer_open;
    struct post *next, **prev;
} post;

struct vg_notifier {
    uv_loop_t *loop;
    char *url, *secret;
    post *posts;
    int pending;
    bool stopped;
    bool destroyed;
    uint64_t deliveries;
};

static bool curl_ready;

static void post_free(post *p)
{
    vg_notifier *n = p->owner;
    *p->prev = p->next;
    if (p->next)
        p->next->prev = p->prev;
    n->pending--;
    free(p->event);
    free(p->body);
    free(p);
    if (n->destroyed && n->pending == 0) {
        free(n->url);
        free(n->secret);
        free(n);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    post_free(h->data);
}

static void post_end(post *p, bool ok)
{
    if (p->done)
        p->done(p->ctx, ok);
    p->done = NULL;
    if (p->timer_open) {
        p->timer_open = false;
        uv_close((uv_handle_t *)&p->timer, on_timer_closed);
    } else {
        post_free(p);
    }
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    return size * nmemb;
}

/* On a worker: one POST. */
static void post_work(uv_work_t *w)
{
    post *p = w->data;
    vg_notifier *n = p->owner;
    p->status = 0;
    p->error[0] = '\0';
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(p->error, sizeof(p->error), "cannot start a transfer");
        return;
    }
    struct curl_slist *headers = NULL;
    char line[160];
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Vigil-Event: %s", p->event);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "X-Vigil-Delivery: %s", p->delivery);
    headers = curl_slist_append(headers, line);
    if (n->secret[0]) {
        uint8_t mac[VG_SHA256_LEN];
        char hex[2 * VG_SHA256_LEN + 1];
        vg_hmac_sha256(n->secret, strlen(n->secret), p->body, strlen(p->body), mac);
        for (size_t i = 0; i < VG_SHA256_LEN; i++)
            snprintf(hex + 2 * i, 3, "%02x", mac[i]);
        snprintf(line, sizeof(line), "X-Vigil-Signature: sha256=%s", hex);
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, n->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, p->error);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &p->status);
    else if (!p->error[0])
        snprintf(p->error, sizeof(p->error), "%s", curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
}

static void post_start(post *p);

static void on_retry(uv_timer_t *t)
{
    post_start(t->data);
}

static void post_after(uv_work_t *w, int status)
{
    post *p = w->data;
    vg_notifier *n = p->owner;
    if (p->status >= 200 && p->status < 300) {
        post_end(p, true);
        return;
    }
    p->attempt++;
    if (p->status)
        snprintf(p->error, sizeof(p->error), "HTTP status %ld", p->status);
    if (p->attempt >= ATTEMPTS || n->stopped) {
        VG_LOG_WARN("record", "webhook event=%s delivery=%s failed after %d attempts: %s", p->event,
                    p->delivery, p->attempt, p->error);
        post_end(p, false);
        return;
    }
    /* Exponential backoff: 1, 2, 4, 8, 16 s. */
    uint64_t delay = 1000u << (p->attempt - 1);
    VG_LOG_INFO("record", "webhook event=%s delivery=%s attempt %d failed (%s); again in %llu ms",
                p->event, p->delivery, p->attempt, p->error, (unsigned long long)delay);
    if (!p->timer_open) {
        uv_timer_init(n->loop, &p->timer);
        p->timer.data = p;
        p->timer_open = true;
    }
    uv_timer_start(&p->timer, on_retry, delay, 0);
}

static void post_start(post *p)
{
    p->work.data = p;
    if (uv_queue_work(p->owner->loop, &p->work, post_work, post_after) < 0)
        post_end(p, false);
}

vg_notifier *vg_notifier_create(uv_loop_t *loop, const char *url, const char *secret)
{
    if (!curl_ready) {
        /* Once, on the loop thread, before any worker uses libcurl (it is not thread-safe). */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_ready = true;
    }
    vg_notifier *n = calloc(1, sizeof(*n));
    if (!n || !(n->url = strdup(url)) || !(n->secret = strdup(secret ? secret : ""))) {
        if (n)
            free(n->url);
        free(n);
        return NULL;
    }
    n->loop = loop;
    return n;
}

int vg_notifier_post(vg_notifier *n, const char *event, const char *body,
                     void (*done)(void *ctx, bool ok), void *ctx)
{
    post *p = calloc(1, sizeof(*p));
    if (!p || !(p->event = strdup(event)) || !(p->body = strdup(body))) {
        if (p)
            free(p->event);
        free(p);
        return VG_ENOMEM;
    }
    p->owner = n;
    p->done = done;
    p->ctx = ctx;
    snprintf(p->delivery, sizeof(p->delivery), "%llx-%llx", (unsigned long long)uv_hrtime(),
             (unsigned long long)++n->deliveries);
    p->next = n->posts;
    if (n->posts)
        n->posts->prev = &p->next;
    n->posts = p;
    p->prev = &n->posts;
    n->pending++;
    post_start(p);
    return 0;
}

void vg_notifier_stop(vg_notifier *n)
{
    if (!n)
        return;
    n->stopped = true;
    /* Posts waiting for a retry end now; one in a transfer ends when it returns. */
    post *next;
    for (post *p = n->posts; p; p = next) {
        next = p->next;
        if (p->timer_open && uv_is_active((uv_handle_t *)&p->timer)) {
            uv_timer_stop(&p->timer);
            post_end(p, false);
        }
    }
}

void vg_notifier_destroy(vg_notifier *n)
{
    if (!n)
        return;
    if (n->pending > 0) {
        n->destroyed = true; /* the last post frees it */
        return;
    }
    free(n->url);
    free(n->secret);
    free(n);
}

int vg_notifier_pending(const vg_notifier *n)
{
    return n ? n->pending : 0;
}
