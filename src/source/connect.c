#include "source/connect.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STOP_POLL_MS 100

int64_t vg_source_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int vg_source_default_port(vg_slice scheme)
{
    static const struct {
        const char *scheme;
        int port;
    } ports[] = {{"rtsp", 554}, {"rtsps", 322}, {"rtmp", 1935}, {"http", 80}, {"https", 443}};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        if (strlen(ports[i].scheme) == scheme.len &&
            strncasecmp(scheme.p, ports[i].scheme, scheme.len) == 0)
            return ports[i].port;
    }
    return 0;
}

/* Waits for a non-blocking connect on `fd`: 0 connected, or an errno value. */
static int wait_connected(vg_source_thread *t, int fd, int64_t deadline_us)
{
    for (;;) {
        if (vg_source_thread_should_stop(t))
            return ECANCELED;
        if (vg_source_now_us() > deadline_us)
            return ETIMEDOUT;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (poll(&pfd, 1, STOP_POLL_MS) == 1) {
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            return err;
        }
    }
}

int vg_source_tcp_connect(vg_source_thread *t, const vg_url *u, int64_t deadline_us, char *reason,
                          size_t cap)
{
    char host[256], port[8];
    int p = u->port ? u->port : vg_source_default_port(u->scheme);
    if (!u->has_authority || !u->host.len || !p) {
        snprintf(reason, cap, "the URL has no host");
        return -1;
    }
    snprintf(host, sizeof(host), "%.*s", (int)u->host.len, u->host.p);
    snprintf(port, sizeof(port), "%d", p);

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(reason, cap, "camera not reachable: %s:%s: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int err = ETIMEDOUT;
    for (struct addrinfo *i = ai; i; i = i->ai_next) {
        int fd = socket(i->ai_family, i->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        err = connect(fd, i->ai_addr, i->ai_addrlen) == 0 ? 0 : errno;
        if (err == EINPROGRESS)
            err = wait_connected(t, fd, deadline_us);
        if (err == 0) {
            freeaddrinfo(ai);
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            return fd;
        }
        close(fd);
        if (err == ECANCELED || err == ETIMEDOUT)
            break; /* the deadline or a stop holds for every address */
    }
    freeaddrinfo(ai);
    if (err == ECANCELED)
        snprintf(reason, cap, "stopped");
    else
        snprintf(reason, cap, "camera not reachable: %s:%s: %s", host, port, strerror(err));
    return -1;
}
