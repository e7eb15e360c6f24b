/*
 * whep_load: a WHEP load client for bench/webrtc. One process, one thread,
 * N WebRTC viewers of one path, built from vigil's own modules:
 *
 *   POST offer ──▶ 201 answer ──▶ STUN checks ──▶ DTLS client ──▶ SRTP in ──▶ counted
 *   (sdp text)     (vg_sdp_parse,  (vg_stun_*,     (vg_dtls_*,    (vg_srtp_unprotect_*)
 *                   a=candidate)    USE-CANDIDATE)  setup:active)
 *
 * Each viewer has its own UDP socket, connected to the server's candidate,
 * its own ICE credentials and one DTLS identity shared by all (its
 * fingerprint goes in every offer). Every received SRTP packet is
 * authenticated and decrypted (--verify 1) or only counted (--verify 0: the
 * RTP header is in the clear, so sequence gaps and frames are still seen).
 * Signalling is a small non-blocking HTTP/1.1 client (one connection per
 * request, Connection: close) in the same epoll loop, so a slow answer
 * never stalls the media of the viewers already connected.
 *
 * Phases, all bounded (everything ends within --seconds + 30 s):
 *   ramp     a new viewer every --ramp-ms
 *   settle   until every viewer is connected or failed (15 s connect timeout)
 *   warmup   --warmup-ms, so the GOP each viewer gets at connect is not measured
 *   window   --seconds: the measured part (rates, loss, CPU); it starts and
 *            ends with GET /api/webrtc/sessions to take the server's counters
 *   delete   DELETE every session (8 s at most)
 * Then one JSON object on stdout (--json) or a short summary. Progress and
 * the "window" event go to stderr as JSON lines, for a driver that wants to
 * record the server (perf) while the window runs.
 *
 * bench/webrtc/README.md describes the benchmark around it.
 */
#define _GNU_SOURCE /* memmem, recvmmsg */

#include "core/log.h"
#include "webrtc/dtls.h"
#include "webrtc/rtcp.h"
#include "webrtc/sdp.h"
#include "webrtc/srtp.h"
#include "webrtc/stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 15000 /* POST to DTLS done */
#define HTTP_TIMEOUT_MS    10000
#define DELETE_PHASE_MS    8000
#define HARD_EXTRA_MS      30000 /* everything ends within --seconds + this */
#define STUN_RETRY_MS      100   /* a check is resent this often until answered */
#define CONSENT_MS         2000  /* RFC 7675 section 5.1: a consent check every few seconds */
#define RR_MS              1000  /* a Receiver Report a second, as browsers send */
#define TICK_MS            5
#define RECV_BATCH         32
#define RECV_PER_WAKE      64 /* datagrams read from one socket before the next socket's turn */
#define DATAGRAM_MAX       2048
#define SOCKET_RCVBUF      (4 << 20)
#define MAX_SSRCS          4
#define TXIDS              4
#define REASON_LEN         160

/* ---- small helpers --------------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
    return now_ns() / 1000000u;
}

static void random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0)
            continue;
        p += n;
        len -= (size_t)n;
    }
}

/* RFC 8839 section 5.4: ice-char is ALPHA / DIGIT / "+" / "/". */
static void random_ice_text(char *out, size_t len)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[64];
    random_bytes(raw, len);
    for (size_t i = 0; i < len; i++)
        out[i] = chars[raw[i] & 63];
    out[len] = '\0';
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One JSON line on stderr: what a driver reads while the client runs. */
static void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-th percentile (0..100) of `n` values, sorted in place; 0 when n is 0. */
static double percentile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), compare_double);
    double k = (double)(n - 1) * q / 100.0;
    size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (k - (double)lo);
}

/* utime + stime of `pid` in clock ticks, or -1. */
static long long process_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    /* after ")": state(3) ... utime is field 14, stime 15 of proc(5) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (long long)(utime + stime);
}

/* (busy, softirq, total) clock ticks of one CPU from /proc/stat; false when absent. */
static bool cpu_ticks(int cpu, unsigned long long *busy, unsigned long long *softirq,
                      unsigned long long *total)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return false;
    char line[512], want[16];
    snprintf(want, sizeof(want), "cpu%d ", cpu);
    bool found = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        unsigned long long v[8] = {0};
        sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7]);
        *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
        *busy = *total - v[3] - v[4]; /* everything but idle and iowait */
        *softirq = v[6];
        found = true;
        break;
    }
    fclose(f);
    return found;
}

static double self_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- options --------------------------------------------------------------------------------- */

typedef struct options {
    const char *url;
    int sessions;
    double seconds;
    int ramp_ms;
    int warmup_ms;
    bool verify;
    bool json;
    bool rtcp;      /* send Receiver Reports */
    int server_pid; /* sample its CPU over the window; 0: no */
    int server_cpu; /* sample this CPU's busy time over the window; -1: no */
    int janus;      /* > 0: --url is Janus's HTTP API root, watch this streaming mountpoint */
} options;

/* http://HOST:PORT/PATH, split. */
typedef struct url_parts {
    char host[256];
    char port[16];
    char path[256];
    struct sockaddr_storage addr;
    socklen_t addr_len;
} url_parts;

static int parse_url(const char *url, url_parts *u)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7, *slash = strchr(h, '/');
    if (!slash)
        return -1;
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', (size_t)(slash - h));
        if (!close)
            return -1;
        snprintf(u->host, sizeof(u->host), "%.*s", (int)(close - h - 1), h + 1);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(slash - h));
        snprintf(u->host, sizeof(u->host), "%.*s", (int)((colon ? colon : slash) - h), h);
    }
    if (colon)
        snprintf(u->port, sizeof(u->port), "%.*s", (int)(slash - colon - 1), colon + 1);
    else
        snprintf(u->port, sizeof(u->port), "80");
    snprintf(u->path, sizeof(u->path), "%s", slash);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(u->host, u->port, &hints, &ai) != 0 || !ai)
        return -1;
    memcpy(&u->addr, ai->ai_addr, ai->ai_addrlen);
    u->addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* ---- the event loop's objects ---------------------------------------------------------------- */

typedef enum { OBJ_HTTP, OBJ_SESSION } obj_kind;

typedef struct http_op http_op;
typedef void (*http_done_fn)(http_op *op, int status, const char *body, size_t body_len);

/* One HTTP/1.1 request on its own connection, non-blocking. */
struct http_op {
    obj_kind kind; /* first: epoll's data.ptr points here */
    int fd;
    bool writing;
    char *request;
    size_t request_len, request_off;
    char *response;
    size_t response_len, response_cap;
    uint64_t deadline_ms;
    http_done_fn done;
    void *ctx;
    char error[96]; /* why it failed (status -1) */
    http_op *next;
};

typedef enum {
    S_IDLE,      /* not started yet */
    S_POSTING,   /* the offer is out */
    S_CHECKING,  /* ICE: Binding requests until a success response */
    S_HANDSHAKE, /* DTLS */
    S_CONNECTED, /* SRTP flows */
    S_FAILED,    /* see reason */
    S_CLOSED,    /* ended by our DELETE */
} session_state;

static const char *state_name(session_state st)
{
    static const char *names[] = {"idle",      "posting", "ice",   "dtls",
                                  "connected", "failed",  "closed"};
    return names[st];
}

/* Sequence numbers of one SSRC: RFC 3550 appendix A.1's extended sequence, simplified. */
typedef struct ssrc_track {
    bool used, started;
    uint32_t ssrc;
    uint16_t max_seq;
    uint64_t lost;
} ssrc_track;

/* What a viewer has received; copied at the window's edges. */
typedef struct counters {
    uint64_t packets, bytes; /* SRTP packets (datagrams) and their bytes */
    uint64_t video_frames;   /* video packets with the marker bit */
    uint64_t lost;           /* sequence gaps, all SSRCs */
    uint64_t rtcp_packets;   /* SRTCP from the server (sender reports) */
    uint64_t auth_failures;  /* SRTP/SRTCP that did not authenticate */
} counters;

typedef struct session {
    obj_kind kind; /* first */
    int index;
    session_state state;
    char reason[REASON_LEN];
    int fd;
    char local_ufrag[9], local_pwd[33];
    char remote_ufrag[257], remote_pwd[257], remote_fingerprint[100];
    char location[512];
    char server_id[64]; /* the last segment of Location */
    int video_pt;
    /* --janus: the Janus session and handle, and where the signalling stands */
    uint64_t janus_session, janus_handle;
    int janus_transaction;
    uint64_t last_keepalive_ms, first_check_ms, dtls_at_ms;
    uint64_t tiebreaker;
    uint8_t txids[TXIDS][VG_STUN_TXID_LEN];
    int txid_next;
    uint64_t t_post, t_connected, t_first_packet; /* ms, CLOCK_MONOTONIC */
    uint64_t last_stun_ms, last_rr_ms;
    uint64_t stun_answers;
    vg_dtls *dtls;
    vg_srtp *srtp_in, *srtp_out;
    uint32_t rr_ssrc;
    ssrc_track ssrcs[MAX_SSRCS];
    counters c, at_start, at_end;
    bool deleting, deleted, delete_failed;
} session;

typedef struct server_counters {
    bool ok;
    uint64_t answer_ms; /* how long the GET took: the server's loop lag shows here */
    uint64_t packets_sent, bytes_sent, send_errors, frames_skipped, retransmitted;
    uint64_t datagrams_in, datagrams_ignored, stun_requests, stun_rejected;
    size_t sessions_seen;
} server_counters;

typedef struct client {
    options opt;
    url_parts url;
    int epoll_fd;
    vg_dtls_identity *identity;
    session *sessions;
    http_op *ops; /* in flight */
    vg_sdp *sdp;  /* scratch for answers (large) */
    uint64_t t0;
    int started;
    /* the server's counters at the window's edges, from GET /api/webrtc/sessions */
    server_counters server_start, server_end;
    int pending_gets;
    uint64_t get_started_ms;
    uint64_t stray_datagrams;
} client;

static client C;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

static void http_free(http_op *op)
{
    if (op->fd >= 0)
        close(op->fd);
    free(op->request);
    free(op->response);
    free(op);
}

static void http_unlink(http_op *op)
{
    for (http_op **pp = &C.ops; *pp; pp = &(*pp)->next) {
        if (*pp == op) {
            *pp = op->next;
            return;
        }
    }
}

/* Finds `name` in the header block; copies its value (trimmed) into out. */
static bool http_header(const char *resp, size_t head_len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = memchr(resp, '\n', head_len), *end = resp + head_len;
    while (p && p < end) {
        p++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nlen && !strncasecmp(p, name, nlen) && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            snprintf(out, cap, "%.*s", (int)(ve - v), v);
            return true;
        }
        p = eol;
    }
    return false;
}

/*
 * RFC 9112 section 7.1: undoes chunked transfer coding in place (Janus's
 * HTTP transport uses it); returns the body's length, or -1 when malformed.
 */
static long dechunk(char *body, size_t len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end = NULL;
        if (in >= len)
            return -1;
        unsigned long size = strtoul(body + in, &end, 16);
        char *eol = memmem(body + in, len - in, "\r\n", 2);
        if (!eol || end == body + in)
            return -1;
        in = (size_t)(eol - body) + 2;
        if (size == 0)
            return (long)out;
        if (size > len - in)
            return -1;
        memmove(body + out, body + in, size);
        out += size;
        in += size + 2; /* the chunk's CRLF */
    }
}

/* The response is complete (or the connection ended): parse it and call back. */
static void http_finish(http_op *op, const char *error)
{
    http_unlink(op);
    if (op->fd >= 0) {
        epoll_ctl(C.epoll_fd, EPOLL_CTL_DEL, op->fd, NULL);
        close(op->fd);
        op->fd = -1;
    }
    int status = -1;
    const char *body = NULL;
    size_t body_len = 0;
    if (!error) {
        const char *head_end = NULL;
        if (op->response_len > 0)
            head_end = memmem(op->response, op->response_len, "\r\n\r\n", 4);
        if (!head_end || sscanf(op->response, "HTTP/1.%*d %d", &status) != 1) {
            error = "malformed HTTP response";
            status = -1;
        } else {
            body = head_end + 4;
            body_len = op->response_len - (size_t)(body - op->response);
            char cl[32], te[32];
            size_t head_len = (size_t)(head_end - op->response);
            if (http_header(op->response, head_len, "Transfer-Encoding", te, sizeof(te)) &&
                !strcasecmp(te, "chunked")) {
                long n = dechunk((char *)body, body_len);
                if (n < 0) {
                    error = "malformed chunked body";
                    status = -1;
                } else {
                    body_len = (size_t)n;
                }
            } else if (http_header(op->response, head_len, "Content-Length", cl, sizeof(cl))) {
                size_t want = strtoul(cl, NULL, 10);
                if (want < body_len)
                    body_len = want;
            }
        }
    }
    if (error)
        snprintf(op->error, sizeof(op->error), "%s", error);
    op->done(op, status, body, body_len);
    http_free(op);
}

/*
 * Starts `method path` with an optional body; `done` gets the status (-1:
 * failed, op->error says why) and the body. The response stays readable in
 * op->response for the callback (headers included).
 */
static int http_start(const char *method, const char *path, const char *content_type,
                      const char *body, size_t body_len, http_done_fn done, void *ctx)
{
    http_op *op = calloc(1, sizeof(*op));
    if (!op)
        return -1;
    op->kind = OBJ_HTTP;
    op->done = done;
    op->ctx = ctx;
    op->fd = socket(C.url.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    size_t cap = 512 + strlen(path) + body_len;
    op->request = malloc(cap);
    if (op->fd < 0 || !op->request)
        goto fail;
    int n = snprintf(op->request, cap,
                     "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
                     "User-Agent: whep_load\r\nAccept: */*\r\n",
                     method, path, C.url.host, C.url.port);
    if (content_type)
        n += snprintf(op->request + n, cap - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (body || !strcmp(method, "POST"))
        n += snprintf(op->request + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(op->request + n, cap - (size_t)n, "\r\n");
    if (body_len)
        memcpy(op->request + n, body, body_len);
    op->request_len = (size_t)n + body_len;
    if (connect(op->fd, (struct sockaddr *)&C.url.addr, C.url.addr_len) < 0 && errno != EINPROGRESS)
        goto fail;
    op->writing = true;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = op};
    if (epoll_ctl(C.epoll_fd, EPOLL_CTL_ADD, op->fd, &ev) < 0)
        goto fail;
    op->deadline_ms = now_ms() + HTTP_TIMEOUT_MS;
    op->next = C.ops;
    C.ops = op;
    return 0;
fail:
    snprintf(op->error, sizeof(op->error), "cannot connect: %s", strerror(errno));
    op->done(op, -1, NULL, 0);
    http_free(op);
    return -1;
}

static void http_on_event(http_op *op, uint32_t events)
{
    (void)events; /* errors show as a failed connect, send or recv */
    if (op->writing) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            char why[96];
            snprintf(why, sizeof(why), "connect: %s", strerror(err));
            http_finish(op, why);
            return;
        }
        while (op->request_off < op->request_len) {
            ssize_t n = send(op->fd, op->request + op->request_off,
                             op->request_len - op->request_off, MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN)
                return;
            if (n <= 0) {
                http_finish(op, "send failed");
                return;
            }
            op->request_off += (size_t)n;
        }
        op->writing = false;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = op};
        epoll_ctl(C.epoll_fd, EPOLL_CTL_MOD, op->fd, &ev);
        return;
    }
    for (;;) {
        if (op->response_cap - op->response_len < 4096) {
            size_t cap = op->response_cap ? op->response_cap * 2 : 16384;
            char *p = realloc(op->response, cap + 1);
            if (!p) {
                http_finish(op, "out of memory");
                return;
            }
            op->response = p;
            op->response_cap = cap;
        }
        ssize_t n =
            recv(op->fd, op->response + op->response_len, op->response_cap - op->response_len, 0);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {
            http_finish(op, "recv failed");
            return;
        }
        if (n == 0) {
            op->response[op->response_len] = '\0';
            http_finish(op, NULL); /* Connection: close: the end of the response */
            return;
        }
        op->response_len += (size_t)n;
        op->response[op->response_len] = '\0';
    }
}

/* ---- a viewer -------------------------------------------------------------------------------- */

static void session_fail(session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void session_release_transport(session *s)
{
    if (s->fd >= 0) {
        epoll_ctl(C.epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
        close(s->fd);
        s->fd = -1;
    }
    vg_dtls_destroy(s->dtls);
    s->dtls = NULL;
    vg_srtp_destroy(s->srtp_in);
    s->srtp_in = NULL;
    vg_srtp_destroy(s->srtp_out);
    s->srtp_out = NULL;
}

static void session_close(session *s)
{
    session_release_transport(s);
    if (s->state != S_FAILED)
        s->state = S_CLOSED;
}

static void session_fail(session *s, const char *fmt, ...)
{
    if (s->state == S_FAILED || s->state == S_CLOSED)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
    va_end(ap);
    progress("{\"event\":\"failed\",\"session\":%d,\"state\":\"%s\",\"reason\":\"%s\"}", s->index,
             state_name(s->state), s->reason);
    s->state = S_FAILED;
    session_release_transport(s);
}

static void udp_send(session *s, const uint8_t *data, size_t len)
{
    if (s->fd >= 0)
        (void)send(s->fd, data, len, MSG_DONTWAIT);
}

static void dtls_send(void *ctx, const uint8_t *data, size_t len)
{
    udp_send(ctx, data, len);
}

/*
 * RFC 8445 section 7.2.4: a Binding request as the controlling agent, with
 * USE-CANDIDATE (aggressive nomination: we have one pair) while checking,
 * without it for consent (RFC 7675).
 */
static void send_binding_request(session *s, bool use_candidate)
{
    char username[VG_STUN_USERNAME_MAX];
    snprintf(username, sizeof(username), "%s:%s", s->remote_ufrag, s->local_ufrag);
    uint8_t *txid = s->txids[s->txid_next];
    s->txid_next = (s->txid_next + 1) % TXIDS;
    random_bytes(txid, VG_STUN_TXID_LEN);
    uint8_t out[VG_STUN_MAX_MESSAGE];
    /* RFC 8445 section 5.1.2.1: peer-reflexive type preference 110, as a check carries. */
    uint32_t priority = (110u << 24) | (65535u << 8) | 255u;
    size_t n = vg_stun_write_binding_request(out, sizeof(out), txid, username, priority,
                                             use_candidate, s->tiebreaker,
                                             (const uint8_t *)s->remote_pwd, strlen(s->remote_pwd));
    if (n)
        udp_send(s, out, n);
    s->last_stun_ms = now_ms();
}

static void janus_on_check(session *s, const uint8_t *data, size_t len, const vg_stun_message *msg);

static void on_stun(session *s, const uint8_t *data, size_t len)
{
    vg_stun_message msg;
    if (vg_stun_parse(data, len, &msg) < 0)
        return;
    if (msg.type == VG_STUN_BINDING_REQUEST) {
        if (C.opt.janus)
            janus_on_check(s, data, len, &msg);
        return;
    }
    bool ours = false;
    for (int i = 0; i < TXIDS; i++)
        ours = ours || !memcmp(msg.txid, s->txids[i], VG_STUN_TXID_LEN);
    if (!ours)
        return;
    if (msg.type == VG_STUN_BINDING_ERROR) {
        if (s->state == S_CHECKING)
            session_fail(s, "STUN error %u", msg.error_code);
        return;
    }
    if (msg.type != VG_STUN_BINDING_SUCCESS ||
        !vg_stun_check_integrity(data, len, &msg, (const uint8_t *)s->remote_pwd,
                                 strlen(s->remote_pwd)))
        return;
    s->stun_answers++;
    if (s->state != S_CHECKING)
        return; /* a consent answer */
    /* RFC 5763 section 5: the answerer is passive, so we are the DTLS client. */
    s->dtls = vg_dtls_create(C.identity, false, s->remote_fingerprint, dtls_send, s);
    if (!s->dtls) {
        session_fail(s, "out of memory (DTLS)");
        return;
    }
    s->state = S_HANDSHAKE;
    vg_dtls_start(s->dtls);
}

static void on_dtls_connected(session *s)
{
    vg_srtp_profile profile;
    uint8_t local_key[16], local_salt[14], remote_key[16], remote_salt[14];
    if (vg_dtls_srtp_keys(s->dtls, &profile, local_key, local_salt, remote_key, remote_salt) < 0) {
        session_fail(s, "DTLS gave no SRTP keys");
        return;
    }
    /* RFC 5764 section 4.2: what the server writes with is what we read with. */
    s->srtp_in = vg_srtp_create(profile, remote_key, remote_salt, false);
    s->srtp_out = vg_srtp_create(profile, local_key, local_salt, true);
    if (!s->srtp_in || !s->srtp_out) {
        session_fail(s, "cannot set up SRTP");
        return;
    }
    s->state = S_CONNECTED;
    s->t_connected = now_ms();
    s->last_rr_ms = s->t_connected;
}

static ssrc_track *track_of(session *s, uint32_t ssrc)
{
    for (int i = 0; i < MAX_SSRCS; i++) {
        if (s->ssrcs[i].used && s->ssrcs[i].ssrc == ssrc)
            return &s->ssrcs[i];
    }
    for (int i = 0; i < MAX_SSRCS; i++) {
        if (!s->ssrcs[i].used) {
            s->ssrcs[i].used = true;
            s->ssrcs[i].ssrc = ssrc;
            return &s->ssrcs[i];
        }
    }
    return NULL;
}

/* RFC 3550 appendix A.1, reduced: a jump forward counts the numbers skipped as lost. */
static void track_seq(session *s, ssrc_track *t, uint16_t seq)
{
    if (!t->started) {
        t->started = true;
        t->max_seq = seq;
        return;
    }
    uint16_t delta = (uint16_t)(seq - t->max_seq);
    if (delta == 0)
        return; /* a duplicate */
    if (delta < 0x8000) {
        t->lost += delta - 1u;
        s->c.lost += delta - 1u;
        t->max_seq = seq;
    } else if (t->lost > 0) {
        t->lost--; /* late: it fills a gap counted before */
        s->c.lost--;
    }
}

static void on_srtp(session *s, uint8_t *data, size_t len)
{
    if (len < 12)
        return;
    if (vg_rtcp_is_rtcp(data, len)) {
        s->c.rtcp_packets++;
        size_t n = len;
        if (C.opt.verify && vg_srtp_unprotect_rtcp(s->srtp_in, data, &n) < 0)
            s->c.auth_failures++;
        return;
    }
    s->c.packets++;
    s->c.bytes += len;
    if (!s->t_first_packet)
        s->t_first_packet = now_ms();
    /* The RTP header is not encrypted (RFC 3711 section 3.1): read it before, check after. */
    uint32_t ssrc =
        (uint32_t)data[8] << 24 | (uint32_t)data[9] << 16 | (uint32_t)data[10] << 8 | data[11];
    uint16_t seq = (uint16_t)(data[2] << 8 | data[3]);
    bool marker = data[1] & 0x80;
    int pt = data[1] & 0x7f;
    if (C.opt.verify) {
        size_t n = len;
        if (vg_srtp_unprotect_rtp(s->srtp_in, data, &n) < 0) {
            s->c.auth_failures++;
            return;
        }
    }
    ssrc_track *t = track_of(s, ssrc);
    if (t)
        track_seq(s, t, seq);
    if (marker && pt == s->video_pt)
        s->c.video_frames++;
}

static void session_on_datagram(session *s, uint8_t *data, size_t len)
{
    uint8_t first = data[0];
    if (first <= 3) { /* RFC 7983 section 7 */
        on_stun(s, data, len);
    } else if (first >= 20 && first <= 63) {
        if (!s->dtls)
            return;
        vg_dtls_state st = vg_dtls_input(s->dtls, data, len);
        if (st == VG_DTLS_CONNECTED && s->state == S_HANDSHAKE)
            on_dtls_connected(s);
        else if (st == VG_DTLS_FAILED)
            session_fail(s, "DTLS: %s", vg_dtls_error(s->dtls));
        else if (st == VG_DTLS_CLOSED && s->deleting)
            session_close(s); /* the server's answer to our DELETE */
        else if (st == VG_DTLS_CLOSED && s->state == S_CONNECTED)
            session_fail(s, "the server closed DTLS (close_notify)");
    } else if (first >= 128 && first <= 191 && s->state == S_CONNECTED) {
        on_srtp(s, data, len);
    } else {
        C.stray_datagrams++;
    }
}

static void session_on_readable(session *s)
{
    static uint8_t bufs[RECV_BATCH][DATAGRAM_MAX];
    struct mmsghdr msgs[RECV_BATCH];
    struct iovec iov[RECV_BATCH];
    int budget = RECV_PER_WAKE;
    while (budget > 0 && s->fd >= 0) {
        for (int i = 0; i < RECV_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = DATAGRAM_MAX;
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(s->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n && s->fd >= 0; i++) {
            if (msgs[i].msg_len > 0)
                session_on_datagram(s, bufs[i], msgs[i].msg_len);
        }
        budget -= n;
        if (n < RECV_BATCH)
            return;
    }
}

/*
 * RFC 3550 section 6.4.2: a Receiver Report, SRTCP-protected, with one block
 * about the first SSRC seen (the video: the GOP comes first).
 */
static void send_receiver_report(session *s)
{
    uint8_t buf[64 + VG_SRTP_MAX_OVERHEAD];
    memset(buf, 0, sizeof(buf));
    const ssrc_track *video = NULL;
    for (int i = 0; i < MAX_SSRCS && !video; i++) {
        if (s->ssrcs[i].used)
            video = &s->ssrcs[i];
    }
    size_t len = video ? 32 : 8;
    buf[0] = 0x80 | (video ? 1 : 0);
    buf[1] = 201;
    buf[3] = (uint8_t)(len / 4 - 1);
    memcpy(buf + 4, (uint8_t[4]){s->rr_ssrc >> 24, s->rr_ssrc >> 16, s->rr_ssrc >> 8, s->rr_ssrc},
           4);
    if (video) {
        uint32_t v = video->ssrc, lost = (uint32_t)(video->lost & 0x7fffff);
        memcpy(buf + 8, (uint8_t[4]){v >> 24, v >> 16, v >> 8, v}, 4);
        memcpy(buf + 12, (uint8_t[4]){0, lost >> 16, lost >> 8, lost}, 4);
        memcpy(buf + 18, (uint8_t[2]){video->max_seq >> 8, video->max_seq}, 2);
    }
    if (vg_srtp_protect_rtcp(s->srtp_out, buf, &len, sizeof(buf)) == 0)
        udp_send(s, buf, len);
    s->last_rr_ms = now_ms();
}

/*
 * The offer a browser would make for a receive-only viewer, reduced:
 * BUNDLE of a video and an audio m-line, rtcp-mux, H.264 with
 * packetization-mode=1 (constrained baseline as pt 96, high as pt 102, with
 * NACK and PLI), Opus and PCMU, our ICE credentials and fingerprint,
 * setup:actpass (RFC 5763 section 5). No candidates: the server is ICE-lite
 * and learns our address from the checks (RFC 8445 section 2.5).
 */
static int build_offer(const session *s, char *out, size_t cap)
{
    uint64_t sid;
    random_bytes(&sid, sizeof(sid));
    sid >>= 2;
    const char *fp = vg_dtls_identity_fingerprint(C.identity);
    char transport[1024];
    snprintf(transport, sizeof(transport),
             "c=IN IP4 0.0.0.0\r\n"
             "a=rtcp:9 IN IP4 0.0.0.0\r\n"
             "a=ice-ufrag:%s\r\n"
             "a=ice-pwd:%s\r\n"
             "a=fingerprint:sha-256 %s\r\n"
             "a=setup:actpass\r\n",
             s->local_ufrag, s->local_pwd, fp);
    return snprintf(out, cap,
                    "v=0\r\n"
                    "o=- %" PRIu64 " 2 IN IP4 127.0.0.1\r\n"
                    "s=-\r\n"
                    "t=0 0\r\n"
                    "a=group:BUNDLE 0 1\r\n"
                    "a=msid-semantic: WMS\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\n"
                    "%s"
                    "a=mid:0\r\n"
                    "a=recvonly\r\n"
                    "a=rtcp-mux\r\n"
                    "a=rtcp-rsize\r\n"
                    "a=rtpmap:96 H264/90000\r\n"
                    "a=rtcp-fb:96 nack\r\n"
                    "a=rtcp-fb:96 nack pli\r\n"
                    "a=fmtp:96 "
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
                    "a=rtpmap:102 H264/90000\r\n"
                    "a=rtcp-fb:102 nack\r\n"
                    "a=rtcp-fb:102 nack pli\r\n"
                    "a=fmtp:102 "
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
                    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
                    "%s"
                    "a=mid:1\r\n"
                    "a=recvonly\r\n"
                    "a=rtcp-mux\r\n"
                    "a=rtpmap:111 opus/48000/2\r\n"
                    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                    "a=rtpmap:0 PCMU/8000\r\n",
                    sid, transport, transport);
}

/*
 * The first usable host candidate of the answer: RFC 8839 section 5.1,
 * "a=candidate:<foundation> <component> <transport> <priority> <address>
 * <port> typ <type>", UDP, an address we can parse.
 */
static bool answer_candidate(const char *sdp, size_t len, struct sockaddr_storage *addr,
                             socklen_t *addr_len)
{
    const char *p = sdp, *end = sdp + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(eol - p), p);
        char transport[16], host[256], type[16];
        unsigned port = 0;
        if (!strncmp(line, "a=candidate:", 12) &&
            sscanf(line + 12, "%*s %*s %15s %*s %255s %u typ %15s", transport, host, &port, type) ==
                4 &&
            !strcasecmp(transport, "udp") && port > 0 && port < 65536) {
            memset(addr, 0, sizeof(*addr));
            struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
            struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
            if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                *addr_len = sizeof(*a4);
                return true;
            }
            if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons((uint16_t)port);
                *addr_len = sizeof(*a6);
                return true;
            }
        }
        p = eol + 1;
    }
    return false;
}

static int open_udp(const struct sockaddr_storage *to, socklen_t to_len)
{
    int fd = socket(to->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* A key frame for every viewer leaves the server at once: room for it here. */
    int size = SOCKET_RCVBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    if (connect(fd, (const struct sockaddr *)to, to_len) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One line of `text`, without CR/LF and quotes, for a failure reason. */
static void excerpt(const char *text, size_t len, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        char ch = text[i];
        out[j++] = (ch == '\r' || ch == '\n' || ch == '"' || ch == '\\') ? ' ' : ch;
    }
    out[j] = '\0';
}

static void on_answer(http_op *op, int status, const char *body, size_t body_len)
{
    session *s = op->ctx;
    if (s->state != S_POSTING)
        return;
    if (status < 0) {
        session_fail(s, "POST failed: %s", op->error);
        return;
    }
    const char *head_end = memmem(op->response, op->response_len, "\r\n\r\n", 4);
    if (head_end && http_header(op->response, (size_t)(head_end - op->response), "Location",
                                s->location, sizeof(s->location))) {
        const char *last = strrchr(s->location, '/');
        snprintf(s->server_id, sizeof(s->server_id), "%.63s", last ? last + 1 : s->location);
    }
    if (status != 201) {
        char text[120];
        excerpt(body ? body : "", body ? body_len : 0, text, sizeof(text));
        session_fail(s, "POST answered %d: %s", status, text);
        return;
    }
    char err[200] = "";
    if (vg_sdp_parse(body, body_len, C.sdp, err, sizeof(err)) < 0) {
        session_fail(s, "the answer does not parse: %s", err);
        return;
    }
    const vg_sdp_media *transport = NULL;
    s->video_pt = -1;
    for (size_t i = 0; i < C.sdp->media_count; i++) {
        const vg_sdp_media *m = &C.sdp->media[i];
        if (m->port == 0)
            continue;
        if (!transport && m->ice_ufrag[0] && m->has_sha256_fingerprint)
            transport = m;
        if (m->kind == VG_SDP_VIDEO && m->format_count > 0 && s->video_pt < 0)
            s->video_pt = m->formats[0].pt;
    }
    if (!transport) {
        session_fail(s, "the answer has no accepted m-line with ICE credentials and fingerprint");
        return;
    }
    if (strcmp(transport->setup, "passive") != 0) {
        session_fail(s, "the answer says a=setup:%s, not passive", transport->setup);
        return;
    }
    snprintf(s->remote_ufrag, sizeof(s->remote_ufrag), "%s", transport->ice_ufrag);
    snprintf(s->remote_pwd, sizeof(s->remote_pwd), "%s", transport->ice_pwd);
    snprintf(s->remote_fingerprint, sizeof(s->remote_fingerprint), "%s", transport->fingerprint);
    struct sockaddr_storage to;
    socklen_t to_len = 0;
    if (!answer_candidate(body, body_len, &to, &to_len)) {
        session_fail(s, "the answer has no UDP host candidate");
        return;
    }
    s->fd = open_udp(&to, to_len);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
    if (s->fd < 0 || epoll_ctl(C.epoll_fd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
        session_fail(s, "cannot open a UDP socket: %s", strerror(errno));
        return;
    }
    s->state = S_CHECKING;
    send_binding_request(s, true);
}

/* ---- Janus (the peer): its streaming plugin over its HTTP API -------------------------------- */

/*
 * The same viewer against Janus (janus.plugin.streaming), for the side by
 * side. There the server makes the offer and is a full ICE agent in the
 * controlling role (RFC 8445 section 6.1.1), so this client answers (setup:
 * active: still the DTLS client), gives its own host candidate and answers
 * Janus's connectivity checks instead of sending its own; DTLS starts once
 * Janus nominates the pair (USE-CANDIDATE, section 7.3.1.5).
 *
 *   POST /janus {create} → POST /janus/S {attach streaming} → POST /janus/S/H {watch}
 *   → GET /janus/S?maxev=1 (the offer) → POST /janus/S/H {start, answer}
 *   ... POST /janus/S {keepalive} every 20 s ... POST /janus/S {destroy}
 */

#define JANUS_KEEPALIVE_MS     20000
#define JANUS_DTLS_FALLBACK_MS 500 /* no USE-CANDIDATE this long after a check: start anyway */
/*
 * Janus sets up its DTLS side when libnice reports the pair selected, which
 * is after our answer to the nominating check reaches it: a ClientHello sent
 * at once is dropped and resent only after DTLS's 1 s timer.
 */
#define JANUS_DTLS_DELAY_MS 20

static int janus_post(session *s, const char *path, json_t *msg, http_done_fn done)
{
    char tx[32];
    snprintf(tx, sizeof(tx), "t%d-%d", s->index, ++s->janus_transaction);
    json_object_set_new(msg, "transaction", json_string(tx));
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return -1;
    int rc = http_start("POST", path, "application/json", text, strlen(text), done, s);
    free(text);
    return rc;
}

/* The JSON body of a Janus answer, or NULL with the session failed. */
static json_t *janus_body(session *s, http_op *op, int status, const char *body, size_t len,
                          const char *step)
{
    if (status < 0) {
        session_fail(s, "Janus %s: %s", step, op->error);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = body ? json_loadb(body, len, 0, &jerr) : NULL;
    if (status != 200 || !root) {
        session_fail(s, "Janus %s: HTTP %d", step, status);
        json_decref(root);
        return NULL;
    }
    json_t *err = json_object_get(root, "error");
    if (err) {
        const char *reason = json_string_value(json_object_get(err, "reason"));
        session_fail(s, "Janus %s: %s", step, reason ? reason : "error");
        json_decref(root);
        return NULL;
    }
    return root;
}

static void on_janus_attached(http_op *op, int status, const char *body, size_t len);
static void on_janus_watching(http_op *op, int status, const char *body, size_t len);
static void on_janus_event(http_op *op, int status, const char *body, size_t len);
static void on_janus_started(http_op *op, int status, const char *body, size_t len);

static void janus_path(const session *s, char *out, size_t cap, bool handle)
{
    if (handle)
        snprintf(out, cap, "%s/%" PRIu64 "/%" PRIu64, C.url.path, s->janus_session,
                 s->janus_handle);
    else
        snprintf(out, cap, "%s/%" PRIu64, C.url.path, s->janus_session);
}

/* Long poll: the next event of the session (the offer comes this way). */
static void janus_poll(session *s)
{
    char path[600];
    janus_path(s, path, sizeof(path), false);
    size_t used = strlen(path);
    snprintf(path + used, sizeof(path) - used, "?maxev=1&rid=%" PRIu64, now_ms());
    http_start("GET", path, NULL, NULL, 0, on_janus_event, s);
}

static void on_janus_created(http_op *op, int status, const char *body, size_t len)
{
    session *s = op->ctx;
    json_t *root = janus_body(s, op, status, body, len, "create");
    if (!root)
        return;
    s->janus_session =
        (uint64_t)json_integer_value(json_object_get(json_object_get(root, "data"), "id"));
    json_decref(root);
    janus_path(s, s->location, sizeof(s->location), false);
    janus_post(s, s->location,
               json_pack("{s:s,s:s}", "janus", "attach", "plugin", "janus.plugin.streaming"),
               on_janus_attached);
}

static void on_janus_attached(http_op *op, int status, const char *body, size_t len)
{
    session *s = op->ctx;
    json_t *root = janus_body(s, op, status, body, len, "attach");
    if (!root)
        return;
    s->janus_handle =
        (uint64_t)json_integer_value(json_object_get(json_object_get(root, "data"), "id"));
    json_decref(root);
    char path[600];
    janus_path(s, path, sizeof(path), true);
    janus_post(s, path,
               json_pack("{s:s,s:{s:s,s:i}}", "janus", "message", "body", "request", "watch", "id",
                         C.opt.janus),
               on_janus_watching);
}

static void on_janus_watching(http_op *op, int status, const char *body, size_t len)
{
    session *s = op->ctx;
    json_t *root = janus_body(s, op, status, body, len, "watch");
    if (!root)
        return;
    json_decref(root);
    janus_poll(s);
}

/*
 * The answer to Janus's offer: its H.264 m-line answered recvonly with
 * the payload type and fmtp it offered, the others inactive with port 0;
 * our ICE credentials, fingerprint, setup:active and one host candidate.
 */
static int janus_answer(session *s, const char *offer, size_t offer_len, char *out, size_t cap,
                        const char *host, uint16_t port)
{
    char err[200] = "";
    if (vg_sdp_parse(offer, offer_len, C.sdp, err, sizeof(err)) < 0) {
        session_fail(s, "Janus's offer does not parse: %s", err);
        return -1;
    }
    const vg_sdp *o = C.sdp;
    const vg_sdp_media *video = NULL;
    const vg_sdp_format *format = NULL;
    for (size_t i = 0; i < o->media_count && !video; i++) {
        const vg_sdp_media *m = &o->media[i];
        for (size_t k = 0; m->kind == VG_SDP_VIDEO && m->port != 0 && k < m->format_count; k++) {
            if (!strcasecmp(m->formats[k].encoding, "H264")) {
                video = m;
                format = &m->formats[k];
                break;
            }
        }
    }
    if (!video) {
        session_fail(s, "Janus's offer has no H.264 video");
        return -1;
    }
    s->video_pt = format->pt;
    snprintf(s->remote_ufrag, sizeof(s->remote_ufrag), "%s", video->ice_ufrag);
    snprintf(s->remote_pwd, sizeof(s->remote_pwd), "%s", video->ice_pwd);
    snprintf(s->remote_fingerprint, sizeof(s->remote_fingerprint), "%s", video->fingerprint);
    uint64_t sid;
    random_bytes(&sid, sizeof(sid));
    int n = snprintf(out, cap,
                     "v=0\r\no=- %" PRIu64 " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                     "a=group:BUNDLE %s\r\n",
                     sid >> 2, video->mid);
    for (size_t i = 0; i < o->media_count && n > 0 && (size_t)n < cap; i++) {
        const vg_sdp_media *m = &o->media[i];
        if (m != video) {
            n += snprintf(out + n, cap - (size_t)n,
                          "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n",
                          m->kind_name, m->protocol, m->first_format, m->mid);
            continue;
        }
        n += snprintf(out + n, cap - (size_t)n,
                      "m=video 9 %s %d\r\n"
                      "c=IN IP4 127.0.0.1\r\n"
                      "a=mid:%s\r\n"
                      "a=recvonly\r\n"
                      "a=rtcp-mux\r\n"
                      "a=ice-ufrag:%s\r\n"
                      "a=ice-pwd:%s\r\n"
                      "a=fingerprint:sha-256 %s\r\n"
                      "a=setup:active\r\n"
                      "a=rtpmap:%d H264/90000\r\n"
                      "a=rtcp-fb:%d nack\r\n"
                      "a=rtcp-fb:%d nack pli\r\n",
                      m->protocol, s->video_pt, m->mid, s->local_ufrag, s->local_pwd,
                      vg_dtls_identity_fingerprint(C.identity), s->video_pt, s->video_pt,
                      s->video_pt);
        if (format->fmtp[0])
            n += snprintf(out + n, cap - (size_t)n, "a=fmtp:%d %s\r\n", s->video_pt, format->fmtp);
        n += snprintf(out + n, cap - (size_t)n,
                      "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n"
                      "a=end-of-candidates\r\n",
                      host, port);
    }
    if (n <= 0 || (size_t)n >= cap) {
        session_fail(s, "the answer to Janus is too long");
        return -1;
    }
    return n;
}

static void on_janus_event(http_op *op, int status, const char *body, size_t len)
{
    session *s = op->ctx;
    if (s->state != S_POSTING)
        return;
    json_t *root = janus_body(s, op, status, body, len, "poll");
    if (!root)
        return;
    json_t *ev = json_is_array(root) ? json_array_get(root, 0) : root;
    json_t *jsep = json_object_get(ev, "jsep");
    const char *type = json_string_value(json_object_get(jsep, "type"));
    const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
    if (!type || strcmp(type, "offer") != 0 || !sdp) {
        json_decref(root);
        janus_poll(s); /* not the offer yet: a keepalive, another event */
        return;
    }
    struct sockaddr_storage to, local;
    socklen_t to_len = 0, local_len = sizeof(local);
    if (!answer_candidate(sdp, strlen(sdp), &to, &to_len)) {
        json_decref(root);
        session_fail(s, "Janus's offer has no UDP host candidate");
        return;
    }
    s->fd = open_udp(&to, to_len);
    struct epoll_event eev = {.events = EPOLLIN, .data.ptr = s};
    if (s->fd < 0 || epoll_ctl(C.epoll_fd, EPOLL_CTL_ADD, s->fd, &eev) < 0 ||
        getsockname(s->fd, (struct sockaddr *)&local, &local_len) < 0) {
        json_decref(root);
        session_fail(s, "cannot open a UDP socket: %s", strerror(errno));
        return;
    }
    /* Our candidate: the address the kernel chose to reach Janus's (not always loopback). */
    bool v6 = local.ss_family == AF_INET6;
    char host[INET6_ADDRSTRLEN] = "";
    inet_ntop(local.ss_family,
              v6 ? (void *)&((struct sockaddr_in6 *)&local)->sin6_addr
                 : (void *)&((struct sockaddr_in *)&local)->sin_addr,
              host, sizeof(host));
    uint16_t port = ntohs(v6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                             : ((struct sockaddr_in *)&local)->sin_port);
    char answer[4096];
    int n = janus_answer(s, sdp, strlen(sdp), answer, sizeof(answer), host, port);
    json_decref(root);
    if (n < 0)
        return;
    char path[600];
    janus_path(s, path, sizeof(path), true);
    s->state = S_CHECKING;
    janus_post(s, path,
               json_pack("{s:s,s:{s:s},s:{s:s,s:s}}", "janus", "message", "body", "request",
                         "start", "jsep", "type", "answer", "sdp", answer),
               on_janus_started);
}

static void on_janus_started(http_op *op, int status, const char *body, size_t len)
{
    session *s = op->ctx;
    if (s->state == S_FAILED || s->state == S_CLOSED)
        return;
    json_decref(janus_body(s, op, status, body, len, "start"));
}

static void janus_start_dtls(session *s)
{
    s->dtls = vg_dtls_create(C.identity, false, s->remote_fingerprint, dtls_send, s);
    if (!s->dtls) {
        session_fail(s, "out of memory (DTLS)");
        return;
    }
    s->state = S_HANDSHAKE;
    vg_dtls_start(s->dtls);
}

/* RFC 8445 section 7.3: a check from Janus, USERNAME "<our ufrag>:<its ufrag>", our password. */
static void janus_on_check(session *s, const uint8_t *data, size_t len, const vg_stun_message *msg)
{
    size_t ufrag_len = strlen(s->local_ufrag);
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof(peer);
    if (!msg->username || msg->username_len <= ufrag_len ||
        memcmp(msg->username, s->local_ufrag, ufrag_len) != 0 || msg->username[ufrag_len] != ':' ||
        !vg_stun_check_integrity(data, len, msg, (const uint8_t *)s->local_pwd,
                                 strlen(s->local_pwd)) ||
        getpeername(s->fd, (struct sockaddr *)&peer, &peer_len) < 0)
        return;
    uint8_t out[VG_STUN_MAX_MESSAGE];
    size_t n =
        vg_stun_write_binding_success(out, sizeof(out), msg->txid, (const struct sockaddr *)&peer,
                                      (const uint8_t *)s->local_pwd, strlen(s->local_pwd));
    if (n)
        udp_send(s, out, n);
    s->stun_answers++;
    if (s->state != S_CHECKING)
        return;
    if (!s->first_check_ms)
        s->first_check_ms = now_ms();
    if (msg->use_candidate && !s->dtls_at_ms)
        s->dtls_at_ms = now_ms() + JANUS_DTLS_DELAY_MS;
}

static void on_janus_ignored(http_op *op, int status, const char *body, size_t len)
{
    (void)op;
    (void)status;
    (void)body;
    (void)len;
}

/* Janus ends a session that shows no sign of life for 60 s (session_timeout). */
static void janus_tick(session *s, uint64_t now)
{
    if (s->janus_session && s->state != S_FAILED && s->state != S_CLOSED && !s->deleting &&
        now - s->last_keepalive_ms >= JANUS_KEEPALIVE_MS) {
        s->last_keepalive_ms = now;
        janus_post(s, s->location, json_pack("{s:s}", "janus", "keepalive"), on_janus_ignored);
    }
    if (s->state == S_CHECKING &&
        ((s->dtls_at_ms && now >= s->dtls_at_ms) ||
         (s->first_check_ms && now - s->first_check_ms >= JANUS_DTLS_FALLBACK_MS)))
        janus_start_dtls(s);
}

static void session_start(session *s)
{
    random_ice_text(s->local_ufrag, 8);
    random_ice_text(s->local_pwd, 24);
    random_bytes(&s->tiebreaker, sizeof(s->tiebreaker));
    random_bytes(&s->rr_ssrc, sizeof(s->rr_ssrc));
    if (C.opt.janus) {
        s->state = S_POSTING;
        s->t_post = now_ms();
        s->last_keepalive_ms = s->t_post;
        janus_post(s, C.url.path, json_pack("{s:s}", "janus", "create"), on_janus_created);
        return;
    }
    char offer[4096];
    int n = build_offer(s, offer, sizeof(offer));
    s->state = S_POSTING;
    s->t_post = now_ms();
    if (n <= 0 || (size_t)n >= sizeof(offer)) {
        session_fail(s, "offer too long");
        return;
    }
    http_start("POST", C.url.path, "application/sdp", offer, (size_t)n, on_answer, s);
}

static void session_tick(session *s, uint64_t now)
{
    if (C.opt.janus)
        janus_tick(s, now);
    switch (s->state) {
    case S_IDLE:
    case S_FAILED:
    case S_CLOSED:
        return;
    case S_POSTING:
        return; /* the HTTP timeout covers it */
    case S_CHECKING:
    case S_HANDSHAKE:
        if (now - s->t_post >= CONNECT_TIMEOUT_MS) {
            session_fail(s, "not connected within %d ms (%s)", CONNECT_TIMEOUT_MS,
                         s->state == S_CHECKING ? "no STUN answer" : "DTLS handshake not done");
            return;
        }
        if (s->state == S_CHECKING && !C.opt.janus && now - s->last_stun_ms >= STUN_RETRY_MS)
            send_binding_request(s, true);
        if (s->state == S_HANDSHAKE && vg_dtls_timeout_ms(s->dtls) == 0) {
            vg_dtls_on_timeout(s->dtls);
            if (vg_dtls_state_get(s->dtls) == VG_DTLS_FAILED)
                session_fail(s, "DTLS: %s", vg_dtls_error(s->dtls));
        }
        return;
    case S_CONNECTED:
        if (!C.opt.janus && now - s->last_stun_ms >= CONSENT_MS)
            send_binding_request(s, false);
        if (C.opt.rtcp && now - s->last_rr_ms >= RR_MS)
            send_receiver_report(s);
        return;
    }
}

/* ---- the server's counters ------------------------------------------------------------------- */

static uint64_t json_u64(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static void on_server_counters(http_op *op, int status, const char *body, size_t body_len)
{
    server_counters *out = op->ctx;
    C.pending_gets--;
    out->answer_ms = now_ms() - C.get_started_ms;
    if (status != 200 || !body)
        return;
    json_error_t jerr;
    json_t *root = json_loadb(body, body_len, 0, &jerr);
    if (!root)
        return;
    out->ok = true;
    out->datagrams_in = json_u64(root, "datagrams_in");
    out->datagrams_ignored = json_u64(root, "datagrams_ignored");
    out->stun_requests = json_u64(root, "stun_requests");
    out->stun_rejected = json_u64(root, "stun_rejected");
    json_t *arr = json_object_get(root, "sessions");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        const char *id = json_string_value(json_object_get(o, "id"));
        bool ours = false;
        for (int k = 0; id && k < C.opt.sessions && !ours; k++)
            ours = !strcmp(C.sessions[k].server_id, id);
        if (!ours)
            continue;
        out->sessions_seen++;
        out->packets_sent += json_u64(o, "packets_sent");
        out->bytes_sent += json_u64(o, "bytes_sent");
        out->send_errors += json_u64(o, "send_errors");
        out->frames_skipped += json_u64(o, "frames_skipped");
        out->retransmitted += json_u64(o, "retransmitted");
    }
    json_decref(root);
}

static void fetch_server_counters(server_counters *out)
{
    /* on the same server as the WHEP URL */
    C.pending_gets++;
    C.get_started_ms = now_ms();
    http_start("GET", "/api/webrtc/sessions", NULL, NULL, 0, on_server_counters, out);
}

/* ---- the end --------------------------------------------------------------------------------- */

static int deletes_in_flight;

static void on_deleted(http_op *op, int status, const char *body, size_t body_len)
{
    session *s = op->ctx;
    deletes_in_flight--;
    s->deleted = status == 204 || status == 200 || status == 404;
    s->delete_failed = !s->deleted;
    (void)body;
    (void)body_len;
}

typedef struct reason_count {
    char reason[REASON_LEN];
    int count;
} reason_count;

static json_t *stats_object(double *v, size_t n)
{
    if (n == 0)
        return json_null();
    double mn = v[0], mx = v[0];
    for (size_t i = 1; i < n; i++) {
        mn = v[i] < mn ? v[i] : mn;
        mx = v[i] > mx ? v[i] : mx;
    }
    double p50 = percentile(v, n, 50), p95 = percentile(v, n, 95);
    return json_pack("{s:f,s:f,s:f,s:f}", "min", mn, "median", p50, "p95", p95, "max", mx);
}

typedef struct run_info {
    uint64_t window_start_ns, window_end_ns;
    bool window_done, truncated;
    int window_sessions; /* connected when the window began */
    long long server_ticks_start, server_ticks_end;
    unsigned long long cpu_busy_start, cpu_soft_start, cpu_total_start;
    unsigned long long cpu_busy_end, cpu_soft_end, cpu_total_end;
    bool cpu_ok;
    double self_cpu_start, self_cpu_end;
} run_info;

static json_t *report(const run_info *run, const bool *in_window)
{
    int n = C.opt.sessions, connected = 0, failed = 0, deleted = 0, delete_failures = 0;
    double *connect = calloc((size_t)n + 1, sizeof(double));
    double *first = calloc((size_t)n + 1, sizeof(double));
    double *mbps = calloc((size_t)n + 1, sizeof(double));
    double *fps = calloc((size_t)n + 1, sizeof(double));
    size_t nc = 0, nf = 0, nm = 0;
    reason_count reasons[16];
    int reason_count_used = 0, reasons_other = 0;
    counters total = {0}, window = {0};
    uint64_t lost_max = 0, lost_window_max = 0;
    double seconds =
        run->window_done ? (double)(run->window_end_ns - run->window_start_ns) / 1e9 : 0;
    for (int i = 0; i < n; i++) {
        session *s = &C.sessions[i];
        if (s->t_connected) {
            connected++;
            connect[nc++] = (double)(s->t_connected - s->t_post);
        }
        if (s->t_first_packet)
            first[nf++] = (double)(s->t_first_packet - s->t_post);
        deleted += s->deleted;
        delete_failures += s->delete_failed;
        if (s->state == S_FAILED) {
            failed++;
            int k = 0;
            while (k < reason_count_used && strcmp(reasons[k].reason, s->reason) != 0)
                k++;
            if (k == reason_count_used && reason_count_used < 16) {
                snprintf(reasons[k].reason, sizeof(reasons[k].reason), "%s", s->reason);
                reasons[k].count = 0;
                reason_count_used++;
            }
            if (k < reason_count_used)
                reasons[k].count++;
            else
                reasons_other++;
        }
        total.packets += s->c.packets;
        total.bytes += s->c.bytes;
        total.lost += s->c.lost;
        total.auth_failures += s->c.auth_failures;
        total.rtcp_packets += s->c.rtcp_packets;
        total.video_frames += s->c.video_frames;
        lost_max = s->c.lost > lost_max ? s->c.lost : lost_max;
        if (run->window_done && in_window[i]) {
            counters d = {
                .packets = s->at_end.packets - s->at_start.packets,
                .bytes = s->at_end.bytes - s->at_start.bytes,
                .lost = s->at_end.lost - s->at_start.lost,
                .video_frames = s->at_end.video_frames - s->at_start.video_frames,
                .auth_failures = s->at_end.auth_failures - s->at_start.auth_failures,
            };
            window.packets += d.packets;
            window.bytes += d.bytes;
            window.lost += d.lost;
            window.video_frames += d.video_frames;
            window.auth_failures += d.auth_failures;
            lost_window_max = d.lost > lost_window_max ? d.lost : lost_window_max;
            if (seconds > 0) {
                mbps[nm] = (double)d.bytes * 8 / seconds / 1e6;
                fps[nm++] = (double)d.video_frames / seconds;
            }
        }
    }
    json_t *why = json_object();
    for (int k = 0; k < reason_count_used; k++)
        json_object_set_new(why, reasons[k].reason, json_integer(reasons[k].count));
    if (reasons_other)
        json_object_set_new(why, "(other reasons)", json_integer(reasons_other));

    json_t *out = json_object();
    json_object_set_new(out, "url", json_string(C.opt.url));
    json_object_set_new(out, "verify", json_boolean(C.opt.verify));
    json_object_set_new(out, "sessions_requested", json_integer(n));
    json_object_set_new(out, "sessions_started", json_integer(C.started));
    json_object_set_new(out, "sessions_connected", json_integer(connected));
    json_object_set_new(out, "sessions_failed", json_integer(failed));
    json_object_set_new(out, "failures", why);
    json_object_set_new(out, "connect_ms", stats_object(connect, nc));
    json_object_set_new(out, "first_packet_ms", stats_object(first, nf));
    json_object_set_new(out, "truncated", json_boolean(run->truncated));

    json_t *w = json_object();
    json_object_set_new(w, "seconds", json_real(seconds));
    json_object_set_new(w, "sessions", json_integer(run->window_sessions));
    json_object_set_new(w, "packets", json_integer((json_int_t)window.packets));
    json_object_set_new(w, "bytes", json_integer((json_int_t)window.bytes));
    json_object_set_new(w, "mbps_total",
                        json_real(seconds > 0 ? (double)window.bytes * 8 / seconds / 1e6 : 0));
    json_object_set_new(w, "mbps_per_session", stats_object(mbps, nm));
    json_object_set_new(w, "video_fps_per_session", stats_object(fps, nm));
    json_object_set_new(w, "lost_packets", json_integer((json_int_t)window.lost));
    json_object_set_new(w, "lost_per_session_max", json_integer((json_int_t)lost_window_max));
    json_object_set_new(w, "srtp_auth_failures", json_integer((json_int_t)window.auth_failures));
    double client_cpu = run->self_cpu_end - run->self_cpu_start;
    json_object_set_new(w, "client_cpu_seconds", json_real(client_cpu));
    json_object_set_new(w, "client_cpu_percent",
                        json_real(seconds > 0 ? 100 * client_cpu / seconds : 0));
    if (C.opt.server_pid > 0 && run->server_ticks_start >= 0 && run->server_ticks_end >= 0) {
        double ticks = (double)(run->server_ticks_end - run->server_ticks_start);
        double cpu_s = ticks / (double)sysconf(_SC_CLK_TCK);
        json_object_set_new(w, "server_cpu_seconds", json_real(cpu_s));
        json_object_set_new(w, "server_cpu_percent",
                            json_real(seconds > 0 ? 100 * cpu_s / seconds : 0));
    }
    if (C.opt.server_cpu >= 0 && run->cpu_ok && run->cpu_total_end > run->cpu_total_start) {
        double busy = (double)(run->cpu_busy_end - run->cpu_busy_start) /
                      (double)(run->cpu_total_end - run->cpu_total_start);
        json_object_set_new(w, "server_core_busy_percent", json_real(100 * busy));
        double soft = (double)(run->cpu_soft_end - run->cpu_soft_start) /
                      (double)(run->cpu_total_end - run->cpu_total_start);
        json_object_set_new(w, "server_core_softirq_percent", json_real(100 * soft));
    }
    if (C.server_start.ok && C.server_end.ok) {
        const server_counters *a = &C.server_start, *b = &C.server_end;
        json_t *sv = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "sessions_listed",
                               (json_int_t)b->sessions_seen, "packets_sent",
                               (json_int_t)(b->packets_sent - a->packets_sent), "bytes_sent",
                               (json_int_t)(b->bytes_sent - a->bytes_sent), "send_errors",
                               (json_int_t)(b->send_errors - a->send_errors), "frames_skipped",
                               (json_int_t)(b->frames_skipped - a->frames_skipped), "retransmitted",
                               (json_int_t)(b->retransmitted - a->retransmitted), "datagrams_in",
                               (json_int_t)(b->datagrams_in - a->datagrams_in), "datagrams_ignored",
                               (json_int_t)(b->datagrams_ignored - a->datagrams_ignored),
                               "stun_rejected", (json_int_t)(b->stun_rejected - a->stun_rejected));
        json_object_set_new(sv, "get_ms_start", json_integer((json_int_t)a->answer_ms));
        json_object_set_new(sv, "get_ms_end", json_integer((json_int_t)b->answer_ms));
        json_object_set_new(w, "server", sv);
    }
    json_object_set_new(out, "window", w);

    json_t *all = json_object();
    json_object_set_new(all, "packets", json_integer((json_int_t)total.packets));
    json_object_set_new(all, "bytes", json_integer((json_int_t)total.bytes));
    json_object_set_new(all, "lost_packets", json_integer((json_int_t)total.lost));
    json_object_set_new(all, "lost_per_session_max", json_integer((json_int_t)lost_max));
    json_object_set_new(all, "srtp_auth_failures", json_integer((json_int_t)total.auth_failures));
    json_object_set_new(all, "rtcp_packets_received", json_integer((json_int_t)total.rtcp_packets));
    json_object_set_new(all, "stray_datagrams", json_integer((json_int_t)C.stray_datagrams));
    json_object_set_new(all, "client_cpu_seconds", json_real(self_cpu_seconds()));
    json_object_set_new(out, "run", all);
    json_object_set_new(out, "deleted", json_integer(deleted));
    json_object_set_new(out, "delete_failures", json_integer(delete_failures));
    free(connect);
    free(first);
    free(mbps);
    free(fps);
    return out;
}

static void print_summary(json_t *r)
{
    json_t *w = json_object_get(r, "window");
    json_t *c = json_object_get(r, "connect_ms");
    json_t *m = json_object_get(w, "mbps_per_session");
    printf("sessions: %lld requested, %lld connected, %lld failed\n",
           json_integer_value(json_object_get(r, "sessions_requested")),
           json_integer_value(json_object_get(r, "sessions_connected")),
           json_integer_value(json_object_get(r, "sessions_failed")));
    if (json_is_object(c))
        printf("connect: median %.0f ms, max %.0f ms\n",
               json_real_value(json_object_get(c, "median")),
               json_real_value(json_object_get(c, "max")));
    printf("window %.1f s: %.1f Mbit/s in all", json_real_value(json_object_get(w, "seconds")),
           json_real_value(json_object_get(w, "mbps_total")));
    if (json_is_object(m))
        printf(", per session min %.2f median %.2f", json_real_value(json_object_get(m, "min")),
               json_real_value(json_object_get(m, "median")));
    printf(", lost %lld, auth failures %lld, client CPU %.0f%%\n",
           json_integer_value(json_object_get(w, "lost_packets")),
           json_integer_value(json_object_get(w, "srtp_auth_failures")),
           json_real_value(json_object_get(w, "client_cpu_percent")));
    json_t *why = json_object_get(r, "failures");
    const char *key;
    json_t *v;
    json_object_foreach(why, key, v)
    {
        printf("  failed %lld: %s\n", json_integer_value(v), key);
    }
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "usage: whep_load --url http://HOST:PORT/whep/PATH --sessions N --seconds S\n"
               "                 [--ramp-ms 20] [--warmup-ms 1000] [--verify 1|0] [--rtcp 1|0]\n"
               "                 [--server-pid PID] [--server-cpu N] [--json]\n"
               "                 [--janus MOUNTPOINT, with --url http://HOST:PORT/janus]\n"
               "N WHEP viewers in one process; counts what they receive over an S-second window\n"
               "once all are connected, then DELETEs them. Ends within S + 30 s. With --janus\n"
               "they watch a Janus streaming mountpoint instead (Janus offers, full ICE).\n");
}

static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.sessions = 1,
                   .seconds = 10,
                   .ramp_ms = 20,
                   .warmup_ms = 1000,
                   .verify = true,
                   .rtcp = true,
                   .server_cpu = -1};
    static const struct option longs[] = {
        {"url", required_argument, NULL, 'u'},
        {"sessions", required_argument, NULL, 'n'},
        {"seconds", required_argument, NULL, 's'},
        {"ramp-ms", required_argument, NULL, 'r'},
        {"warmup-ms", required_argument, NULL, 'w'},
        {"verify", required_argument, NULL, 'v'},
        {"rtcp", required_argument, NULL, 'R'},
        {"server-pid", required_argument, NULL, 'p'},
        {"server-cpu", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"janus", required_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'u':
            o->url = optarg;
            break;
        case 'n':
            o->sessions = atoi(optarg);
            break;
        case 's':
            o->seconds = atof(optarg);
            break;
        case 'r':
            o->ramp_ms = atoi(optarg);
            break;
        case 'w':
            o->warmup_ms = atoi(optarg);
            break;
        case 'v':
            o->verify = atoi(optarg) != 0;
            break;
        case 'R':
            o->rtcp = atoi(optarg) != 0;
            break;
        case 'p':
            o->server_pid = atoi(optarg);
            break;
        case 'c':
            o->server_cpu = atoi(optarg);
            break;
        case 'j':
            o->json = true;
            break;
        case 'J':
            o->janus = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (!o->url || o->sessions < 1 || o->sessions > 100000 || o->seconds <= 0 ||
        o->seconds > 86400 || o->ramp_ms < 0 || o->warmup_ms < 0) {
        usage(stderr);
        return -1;
    }
    return 0;
}

typedef enum {
    P_RAMP,
    P_SETTLE,
    P_WARMUP,
    P_GET_START,
    P_WINDOW,
    P_GET_END,
    P_DELETE,
    P_DONE
} phase;

static void snapshot(bool start, run_info *run, bool *in_window)
{
    for (int i = 0; i < C.opt.sessions; i++) {
        session *s = &C.sessions[i];
        if (start) {
            s->at_start = s->c;
            in_window[i] = s->state == S_CONNECTED;
            run->window_sessions += in_window[i];
        } else {
            s->at_end = s->c;
        }
    }
    long long ticks = C.opt.server_pid > 0 ? process_ticks(C.opt.server_pid) : -1;
    unsigned long long busy = 0, soft = 0, total = 0;
    bool cpu_ok = C.opt.server_cpu >= 0 && cpu_ticks(C.opt.server_cpu, &busy, &soft, &total);
    if (start) {
        run->window_start_ns = now_ns();
        run->server_ticks_start = ticks;
        run->cpu_busy_start = busy;
        run->cpu_soft_start = soft;
        run->cpu_total_start = total;
        run->cpu_ok = cpu_ok;
        run->self_cpu_start = self_cpu_seconds();
    } else {
        run->window_end_ns = now_ns();
        run->server_ticks_end = ticks;
        run->cpu_busy_end = busy;
        run->cpu_soft_end = soft;
        run->cpu_total_end = total;
        run->cpu_ok = run->cpu_ok && cpu_ok;
        run->self_cpu_end = self_cpu_seconds();
        run->window_done = true;
    }
}

int main(int argc, char **argv)
{
    if (parse_options(argc, argv, &C.opt) < 0)
        return 2;
    if (parse_url(C.opt.url, &C.url) < 0) {
        fprintf(stderr, "whep_load: cannot use --url %s (http://HOST:PORT/PATH)\n", C.opt.url);
        return 2;
    }
    vg_log_set_level(VG_LOG_WARN);
    /* A UDP socket a viewer, and an HTTP connection while it signals. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char err[256] = "";
    if (vg_dtls_identity_load_or_create(NULL, NULL, &C.identity, err, sizeof(err)) < 0) {
        fprintf(stderr, "whep_load: %s\n", err);
        return 1;
    }
    int n = C.opt.sessions;
    C.sessions = calloc((size_t)n, sizeof(session));
    C.sdp = malloc(sizeof(vg_sdp));
    bool *in_window = calloc((size_t)n, sizeof(bool));
    C.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (!C.sessions || !C.sdp || !in_window || C.epoll_fd < 0) {
        fprintf(stderr, "whep_load: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        C.sessions[i].kind = OBJ_SESSION;
        C.sessions[i].index = i;
        C.sessions[i].fd = -1;
    }

    run_info run = {.server_ticks_start = -1, .server_ticks_end = -1};
    C.t0 = now_ms();
    uint64_t hard_end = C.t0 + (uint64_t)(C.opt.seconds * 1000) + HARD_EXTRA_MS;
    uint64_t phase_deadline = 0, window_end = 0, last_tick = 0;
    int delete_cursor = 0;
    phase ph = P_RAMP;
    struct epoll_event events[256];

    while (ph != P_DONE) {
        int ready = epoll_wait(C.epoll_fd, events, 256, TICK_MS);
        for (int i = 0; i < ready; i++) {
            obj_kind *kind = events[i].data.ptr;
            if (*kind == OBJ_HTTP)
                http_on_event((http_op *)kind, events[i].events);
            else
                session_on_readable((session *)kind);
        }
        uint64_t now = now_ms();
        if (now - last_tick < TICK_MS && ready > 0)
            continue;
        last_tick = now;
        for (http_op *op = C.ops, *next; op; op = next) {
            next = op->next;
            if (now >= op->deadline_ms)
                http_finish(op, "timed out");
        }
        for (int i = 0; i < C.started; i++)
            session_tick(&C.sessions[i], now);

        /* Out of time or interrupted: measure what there is and clean up. */
        if ((interrupted || now + DELETE_PHASE_MS >= hard_end) && ph < P_DELETE) {
            run.truncated = true;
            if (ph == P_WINDOW || ph == P_GET_END) {
                if (!run.window_done)
                    snapshot(false, &run, in_window);
            }
            ph = P_DELETE;
            phase_deadline = now + DELETE_PHASE_MS;
        }
        switch (ph) {
        case P_RAMP:
            while (C.started < n && now >= C.t0 + (uint64_t)C.started * (uint64_t)C.opt.ramp_ms) {
                session_start(&C.sessions[C.started]);
                C.started++;
            }
            if (C.started == n) {
                ph = P_SETTLE;
                phase_deadline = now + CONNECT_TIMEOUT_MS + HTTP_TIMEOUT_MS;
            }
            break;
        case P_SETTLE: {
            int busy = 0, connected = 0;
            for (int i = 0; i < n; i++) {
                busy += C.sessions[i].state < S_CONNECTED;
                connected += C.sessions[i].state == S_CONNECTED;
            }
            if (busy == 0 || now >= phase_deadline) {
                progress("{\"event\":\"settled\",\"connected\":%d,\"after_ms\":%" PRIu64 "}",
                         connected, now - C.t0);
                ph = P_WARMUP;
                phase_deadline = now + (uint64_t)C.opt.warmup_ms;
            }
            break;
        }
        case P_WARMUP:
            if (now >= phase_deadline) {
                if (!C.opt.janus)
                    fetch_server_counters(&C.server_start);
                ph = P_GET_START;
            }
            break;
        case P_GET_START:
            if (C.pending_gets == 0) {
                snapshot(true, &run, in_window);
                window_end = now + (uint64_t)(C.opt.seconds * 1000);
                progress("{\"event\":\"window\",\"sessions\":%d,\"seconds\":%g}",
                         run.window_sessions, C.opt.seconds);
                ph = P_WINDOW;
            }
            break;
        case P_WINDOW:
            if (now >= window_end) {
                snapshot(false, &run, in_window);
                progress("{\"event\":\"window_end\"}");
                if (!C.opt.janus)
                    fetch_server_counters(&C.server_end);
                ph = P_GET_END;
            }
            break;
        case P_GET_END:
            if (C.pending_gets == 0) {
                ph = P_DELETE;
                phase_deadline = now + DELETE_PHASE_MS;
            }
            break;
        case P_DELETE:
            /* Viewers stop receiving first: the server closes sessions one DELETE at a time. */
            while (delete_cursor < C.started && deletes_in_flight < 64) {
                session *s = &C.sessions[delete_cursor++];
                if (s->location[0]) {
                    s->deleting = true;
                    deletes_in_flight++;
                    if (C.opt.janus)
                        janus_post(s, s->location, json_pack("{s:s}", "janus", "destroy"),
                                   on_deleted);
                    else
                        http_start("DELETE", s->location, NULL, NULL, 0, on_deleted, s);
                }
            }
            if ((delete_cursor >= C.started && deletes_in_flight == 0) || now >= phase_deadline ||
                now >= hard_end)
                ph = P_DONE;
            break;
        case P_DONE:
            break;
        }
    }

    json_t *r = report(&run, in_window);
    if (C.opt.json) {
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (text)
            puts(text);
        free(text);
    } else {
        print_summary(r);
    }
    json_decref(r);

    while (C.ops) {
        http_op *op = C.ops;
        C.ops = op->next;
        http_free(op);
    }
    for (int i = 0; i < n; i++)
        session_release_transport(&C.sessions[i]);
    free(C.sessions);
    free(C.sdp);
    free(in_window);
    vg_dtls_identity_free(C.identity);
    close(C.epoll_fd);
    return 0;
}
