/*
 * webrtc.c: the WebRTC server: the shared UDP port, the demultiplexing of
 * its datagrams to sessions, and the tick that drives the sessions' timers.
 *
 * One socket for every session, as ICE-lite servers do (MediaMTX's
 * webrtcLocalUDPAddress): a viewer behind NAT or in a container needs one
 * port opened, not a range. A datagram is routed by its first byte (RFC 7983
 * section 7): STUN (0-3) by the local ufrag in its USERNAME, so a check from
 * a new address still finds its session; DTLS (20-63) and SRTP/SRTCP
 * (128-191) by the remote address ICE selected. The session list is walked
 * for those: a few hundred sessions receive a few RTCP packets a second
 * each, which a linear walk serves well below a percent of a core.
 */
#include "webrtc/webrtc_internal.h"

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "webrtc/stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100

uint64_t rtc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- addresses ------------------------------------------------------------------------------- */

static void sockaddr_text(const struct sockaddr *sa, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
        snprintf(out, cap, "[%s]:%u", ip, ntohs(a6->sin6_port));
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
        snprintf(out, cap, "%s:%u", ip, ntohs(a4->sin_port));
    }
}

static bool host_known(const vg_webrtc *rtc, const char *host)
{
    for (size_t i = 0; i < rtc->host_count; i++) {
        if (!strcmp(rtc->hosts[i], host))
            return true;
    }
    return false;
}

static void add_host(vg_webrtc *rtc, const char *host)
{
    if (!host[0] || rtc->host_count >= RTC_HOSTS_MAX || host_known(rtc, host))
        return;
    char *copy = strdup(host);
    if (copy)
        rtc->hosts[rtc->host_count++] = copy;
}

/*
 * The candidates the answers advertise: webrtcAdditionalHosts first (a
 * public address, a container's host), then the bound address, or, bound
 * to a wildcard, every interface's address of the socket's family
 * (loopback last; IPv6 link-local ones need a zone a browser cannot use).
 */
static void collect_hosts(vg_webrtc *rtc, const struct sockaddr *bound)
{
    if (rtc->additional_hosts) {
        char *list = strdup(rtc->additional_hosts), *save = NULL;
        for (char *h = list ? strtok_r(list, ", ", &save) : NULL; h;
             h = strtok_r(NULL, ", ", &save))
            add_host(rtc, h);
        free(list);
    }
    char ip[INET6_ADDRSTRLEN];
    bool wildcard;
    if (bound->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)bound;
        wildcard = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr);
        inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)bound;
        wildcard = a4->sin_addr.s_addr == htonl(INADDR_ANY);
        inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
    }
    if (!wildcard) {
        add_host(rtc, ip);
        return;
    }
    if (!rtc->opt.ips_from_interfaces)
        return;
    uv_interface_address_t *ifs = NULL;
    int count = 0;
    if (uv_interface_addresses(&ifs, &count) != 0)
        return;
    for (int pass = 0; pass < 2; pass++) { /* pass 0: not loopback; pass 1: loopback */
        for (int i = 0; i < count; i++) {
            if ((ifs[i].is_internal != 0) != (pass == 1))
                continue;
            int family = ifs[i].address.address4.sin_family;
            if (family == AF_INET) {
                /* An IPv6 socket (dual-stack) receives IPv4 too. */
                inet_ntop(AF_INET, &ifs[i].address.address4.sin_addr, ip, sizeof(ip));
                add_host(rtc, ip);
            } else if (family == AF_INET6 && bound->sa_family == AF_INET6) {
                const struct in6_addr *a = &ifs[i].address.address6.sin6_addr;
                if (IN6_IS_ADDR_LINKLOCAL(a))
                    continue;
                inet_ntop(AF_INET6, a, ip, sizeof(ip));
                add_host(rtc, ip);
            }
        }
    }
    uv_free_interface_addresses(ifs, count);
}

/* ---- datagrams ------------------------------------------------------------------------------- */

/* An IPv4 peer seen through a dual-stack socket is ::ffff:a.b.c.d: compare and answer it as IPv4.
 */
static void normalize_address(const struct sockaddr *in, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (in->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)in;
        if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
            struct sockaddr_in *a4 = (struct sockaddr_in *)out;
            a4->sin_family = AF_INET;
            a4->sin_port = a6->sin6_port;
            memcpy(&a4->sin_addr, &a6->sin6_addr.s6_addr[12], 4);
            return;
        }
        memcpy(out, a6, sizeof(*a6));
        return;
    }
    memcpy(out, in, sizeof(struct sockaddr_in));
}

bool rtc_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* The address to send to on our socket: IPv4 peers of an IPv6 socket go back v4-mapped. */
static void socket_address(const vg_webrtc *rtc, const struct sockaddr_storage *peer,
                           struct sockaddr_storage *out)
{
    if (rtc->family == AF_INET6 && peer->ss_family == AF_INET) {
        const struct sockaddr_in *a4 = (const void *)peer;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
        memset(out, 0, sizeof(*out));
        a6->sin6_family = AF_INET6;
        a6->sin6_port = a4->sin_port;
        a6->sin6_addr.s6_addr[10] = 0xff;
        a6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&a6->sin6_addr.s6_addr[12], &a4->sin_addr, 4);
        return;
    }
    *out = *peer;
}

static int send_to(vg_webrtc *rtc, const struct sockaddr_storage *peer, const uint8_t *data,
                   size_t len)
{
    struct sockaddr_storage to;
    socket_address(rtc, peer, &to);
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
    int rc = uv_udp_try_send(&rtc->udp, &buf, 1, (const struct sockaddr *)&to);
    return rc < 0 ? rc : 0;
}

int rtc_send(rtc_session *s, const uint8_t *data, size_t len)
{
    if (!s->has_remote)
        return UV_ENOTCONN;
    return send_to(s->rtc, &s->remote, data, len);
}

static rtc_session *session_by_ufrag(vg_webrtc *rtc, const uint8_t *ufrag, size_t len)
{
    for (rtc_session *s = rtc->sessions; s; s = s->next) {
        if (s->state != RTC_WAITING_TRACKS && strlen(s->local_ufrag) == len &&
            !memcmp(s->local_ufrag, ufrag, len))
            return s;
    }
    return NULL;
}

static rtc_session *session_by_address(vg_webrtc *rtc, const struct sockaddr_storage *from)
{
    for (rtc_session *s = rtc->sessions; s; s = s->next) {
        if (s->has_remote && rtc_same_address(&s->remote, from))
            return s;
    }
    return NULL;
}

bool rtc_address_in_use(vg_webrtc *rtc, const struct sockaddr_storage *addr,
                        const rtc_session *except)
{
    for (rtc_session *s = rtc->sessions; s; s = s->next) {
        if (s != except && s->has_remote && rtc_same_address(&s->remote, addr))
            return true;
    }
    return false;
}

/*
 * A STUN message. ICE-lite answers Binding requests and sends none of its
 * own (RFC 8445 section 2.5). The USERNAME is "<our ufrag>:<their ufrag>"
 * (section 7.2.2); MESSAGE-INTEGRITY is keyed with our password.
 */
static void on_stun(vg_webrtc *rtc, const uint8_t *data, size_t len,
                    const struct sockaddr_storage *from)
{
    vg_stun_message msg;
    if (vg_stun_parse(data, len, &msg) < 0 || msg.type != VG_STUN_BINDING_REQUEST) {
        rtc->datagrams_ignored++;
        return;
    }
    rtc->stun_requests++;
    const uint8_t *colon = msg.username ? memchr(msg.username, ':', msg.username_len) : NULL;
    rtc_session *s =
        colon ? session_by_ufrag(rtc, msg.username, (size_t)(colon - msg.username)) : NULL;
    uint8_t out[VG_STUN_MAX_MESSAGE];
    size_t n;
    if (!s || !msg.has_integrity) {
        /*
         * No session of ours, or unsigned: dropped without an answer, so a
         * spoofed 20-byte request cannot make us send a larger one to a victim.
         */
        rtc->stun_rejected++;
        return;
    }
    if (!vg_stun_check_integrity(data, len, &msg, (const uint8_t *)s->local_pwd,
                                 strlen(s->local_pwd))) {
        /* RFC 8489 section 9.1.3: a request that fails the check gets 401, unsigned. */
        rtc->stun_rejected++;
        n = vg_stun_write_binding_error(out, sizeof(out), msg.txid, 401, NULL, 0);
        if (n)
            send_to(rtc, from, out, n);
        return;
    }
    if (msg.ice_controlled) {
        /* A lite agent is always controlled; a peer claiming the same is a conflict (7.3.1.1). */
        n = vg_stun_write_binding_error(out, sizeof(out), msg.txid, 487,
                                        (const uint8_t *)s->local_pwd, strlen(s->local_pwd));
        if (n)
            send_to(rtc, from, out, n);
        return;
    }
    n = vg_stun_write_binding_success(out, sizeof(out), msg.txid, (const struct sockaddr *)from,
                                      (const uint8_t *)s->local_pwd, strlen(s->local_pwd));
    if (n)
        send_to(rtc, from, out, n);
    rtc_session_on_stun(s, from, msg.use_candidate);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    vg_webrtc *rtc = handle->data;
    (void)suggested;
    *buf = uv_buf_init((char *)rtc->recv_buf, sizeof(rtc->recv_buf));
}

static void on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
    vg_webrtc *rtc = udp->data;
    if (nread <= 0 || !addr || rtc->stopped)
        return; /* nothing more to read, or an error we cannot act on (ICMP) */
    rtc->datagrams_in++;
    if (flags & UV_UDP_PARTIAL) {
        rtc->datagrams_ignored++; /* larger than any STUN, DTLS or SRTP we accept */
        return;
    }
    struct sockaddr_storage from;
    normalize_address(addr, &from);
    uint8_t *data = (uint8_t *)buf->base;
    size_t len = (size_t)nread;
    if (vg_stun_is_message(data, len)) {
        on_stun(rtc, data, len, &from);
        return;
    }
    rtc_session *s = session_by_address(rtc, &from);
    if (!s) {
        rtc->datagrams_ignored++;
        return;
    }
    rtc_session_on_datagram(s, data, len);
}

/* ---- the tick -------------------------------------------------------------------------------- */

static void on_tick(uv_timer_t *timer)
{
    vg_webrtc *rtc = timer->data;
    uint64_t now = rtc_now_ms();
    rtc_session *next;
    for (rtc_session *s = rtc->sessions; s; s = next) {
        next = s->next; /* the tick may close s */
        rtc_session_tick(s, now);
    }
}

/* ---- the server ------------------------------------------------------------------------------ */

/*
 * Opens and binds the socket with plain calls, so that a failure leaves no
 * libuv handle to close; libuv adopts it afterwards (uv_udp_open).
 */
static int bind_udp(vg_webrtc *rtc, const char *addr, int *fd_out, char *err, size_t err_cap)
{
    char host[256], port[16];
    if (vg_split_host_port(addr, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, err_cap,
                 "invalid webrtcLocalUDPAddress '%s' (write HOST:PORT or [IPV6]:PORT)", addr);
        return VG_EINVAL;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : "0.0.0.0", port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, err_cap, "cannot listen on UDP %s for WebRTC: %s", addr, gai_strerror(gai));
        return VG_EINVAL;
    }
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int saved = errno;
    if (fd >= 0 && ai->ai_family == AF_INET6) {
        int off = 0; /* [::]:port serves IPv4 peers too */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    if (fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        saved = errno;
        close(fd);
        fd = -1;
    }
    rtc->family = ai->ai_family;
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot listen on UDP %s for WebRTC: %s", addr, strerror(saved));
        return VG_EIO;
    }
    /*
     * A key frame for a few hundred viewers leaves in one turn of the loop:
     * room for it in the kernel rather than failed sends (the kernel caps
     * these at net.core.wmem_max / rmem_max).
     */
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

    struct sockaddr_storage bound;
    socklen_t namelen = sizeof(bound);
    getsockname(fd, (struct sockaddr *)&bound, &namelen);
    sockaddr_text((struct sockaddr *)&bound, rtc->udp_text, sizeof(rtc->udp_text));
    rtc->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    collect_hosts(rtc, (struct sockaddr *)&bound);
    *fd_out = fd;
    return 0;
}

static void free_server(vg_webrtc *rtc)
{
    for (size_t i = 0; i < rtc->host_count; i++)
        free(rtc->hosts[i]);
    vg_dtls_identity_free(rtc->identity);
    free(rtc->allow_origins);
    free(rtc->additional_hosts);
    free(rtc);
}

static void on_failed_closed(uv_handle_t *handle)
{
    free_server(handle->data);
}

vg_webrtc *vg_webrtc_create(uv_loop_t *loop, vg_media *media, const vg_webrtc_options *opt,
                            char *err, size_t err_cap)
{
    vg_webrtc *rtc = calloc(1, sizeof(*rtc));
    if (!rtc) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    rtc->loop = loop;
    rtc->media = media;
    rtc->opt = *opt;
    rtc->allow_origins = strdup(opt->allow_origins ? opt->allow_origins : "*");
    rtc->additional_hosts = opt->additional_hosts ? strdup(opt->additional_hosts) : NULL;
    /* borrowed for create only */
    rtc->opt.udp_address = rtc->opt.cert_path = rtc->opt.key_path = NULL;
    rtc->opt.allow_origins = rtc->allow_origins;
    rtc->opt.additional_hosts = rtc->additional_hosts;
    if (!rtc->allow_origins || (opt->additional_hosts && !rtc->additional_hosts)) {
        snprintf(err, err_cap, "out of memory");
        free_server(rtc);
        return NULL;
    }
    int fd = -1;
    if (vg_dtls_identity_load_or_create(opt->cert_path, opt->key_path, &rtc->identity, err,
                                        err_cap) < 0 ||
        bind_udp(rtc, opt->udp_address, &fd, err, err_cap) < 0) {
        free_server(rtc);
        return NULL;
    }
    uv_udp_init(loop, &rtc->udp);
    rtc->udp.data = rtc;
    int rc = uv_udp_open(&rtc->udp, fd);
    bool adopted = rc == 0; /* from here the handle closes the socket */
    if (rc == 0)
        rc = uv_udp_recv_start(&rtc->udp, on_alloc, on_recv);
    if (rc != 0) {
        snprintf(err, err_cap, "cannot read UDP %s: %s", rtc->udp_text, uv_strerror(rc));
        if (!adopted)
            close(fd);
        uv_close((uv_handle_t *)&rtc->udp, on_failed_closed); /* frees rtc */
        return NULL;
    }
    uv_timer_init(loop, &rtc->tick);
    rtc->tick.data = rtc;
    uv_timer_start(&rtc->tick, on_tick, TICK_MS, TICK_MS);
    VG_LOG_INFO("webrtc", "listening udp=%s hosts=%zu", rtc->udp_text, rtc->host_count);
    return rtc;
}

const char *vg_webrtc_udp_address(const vg_webrtc *rtc)
{
    return rtc->udp_text;
}

size_t vg_webrtc_session_count(const vg_webrtc *rtc, const char *path_name)
{
    size_t n = 0;
    for (const rtc_session *s = rtc->sessions; s; s = s->next)
        n += !path_name || !strcmp(s->path_name, path_name);
    return n;
}

static void on_closed(uv_handle_t *handle)
{
    (void)handle;
}

void vg_webrtc_stop(vg_webrtc *rtc)
{
    if (!rtc || rtc->stopped)
        return;
    rtc->stopped = true;
    while (rtc->sessions)
        rtc_session_close(rtc->sessions, "vigil is stopping");
    uv_close((uv_handle_t *)&rtc->udp, on_closed);
    uv_close((uv_handle_t *)&rtc->tick, on_closed);
}

void vg_webrtc_destroy(vg_webrtc *rtc)
{
    if (rtc)
        free_server(rtc);
}
