/*
 * connect.h: reaching a camera by TCP from a source's thread, with the
 * error a user can act on (seed 003: "camera not reachable: HOST:PORT:
 * REASON"), bounded by a deadline and prompt to stop.
 */
#ifndef VG_SOURCE_CONNECT_H
#define VG_SOURCE_CONNECT_H

#include "core/url.h"
#include "source/source.h"

#include <stddef.h>
#include <stdint.h>

/* Now on CLOCK_MONOTONIC, in microseconds (the clock libavformat's av_gettime_relative reads). */
int64_t vg_source_now_us(void);

/* The well-known port of a URL scheme (rtsp 554, rtsps 322, rtmp 1935, http 80, https 443), or 0.
 */
int vg_source_default_port(vg_slice scheme);

/*
 * Resolves the host of `u` and connects to it by TCP (the URL's port, else
 * the scheme's default), trying each address, until `deadline_us`
 * (vg_source_now_us()) and checking vg_source_thread_should_stop() every
 * 100 ms. Returns the connected socket, blocking and close-on-exec (the
 * caller's), or -1 with `reason` set: "camera not reachable: HOST:PORT:
 * REASON" (the resolver's or the socket's words; never the userinfo), or
 * "stopped". A URL without a host or a port is VG_EINVAL-ish: -1 with
 * "the URL has no host".
 */
int vg_source_tcp_connect(vg_source_thread *t, const vg_url *u, int64_t deadline_us, char *reason,
                          size_t cap);

#endif
