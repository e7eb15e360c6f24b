#!/usr/bin/python3
"""bench/hls/load.py: many LL-HLS players doing blocking playlist reloads on one path.

Each client is one keep-alive connection (asyncio, raw sockets, standard
library only) that plays like hls.js in low-latency mode, playlists only:

    GET index.m3u8                       -> the media playlist's URI (a session each)
    GET stream.m3u8?session=S            -> the first playlist
    loop: GET stream.m3u8?session=S&_HLS_msn=M&_HLS_part=P
          where (M, P) is the playlist's EXT-X-PRELOAD-HINT: held by the
          server until that part exists, then answered.

Clients start spread over --ramp seconds, run until --seconds after the
first one started, and the totals are printed as one JSON line:
requests, 200s, other statuses, exceptions, reconnects, requests/s.
Every wait is bounded (--timeout per request); nothing outlives --seconds
plus a few timeouts.

    /usr/bin/python3 bench/hls/load.py --url http://127.0.0.1:8080/hls/cam_1/index.m3u8 \
        --clients 500 --seconds 60
"""
import argparse
import asyncio
import collections
import json
import re
import resource
import sys
import time
from urllib.parse import urlsplit

HINT_RE = re.compile(rb'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_[0-9a-f]+_(\d+)_(\d+)\.mp4"')


class Stats:
    def __init__(self):
        self.requests = 0          # answered requests (any status)
        self.ok = 0                # 200
        self.blocking = 0          # answered blocking reloads (_HLS_msn/_HLS_part)
        self.status = collections.Counter()      # non-200 statuses
        self.exceptions = collections.Counter()  # by exception type
        self.connects = 0
        self.first_error = None
        self.max_blocking_s = 0.0  # the longest blocking reload (should stay ~ one part)


class Closed(Exception):
    pass


async def request(reader, writer, host, target):
    """One GET on a keep-alive connection: (status, body, close?)."""
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: vigil-bench-load\r\n\r\n"
                 .encode())
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        raise Closed("connection closed before a response") from e
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"bad status line {lines[0][:80]!r}")
    status = int(parts[1])
    length, chunked, close = None, False, parts[0] == b"HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection":
            close = value.lower() == b"close"
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        body = bytes(body)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    return status, body, close


async def client(idx, args, stats, t_start, t_end):
    u = urlsplit(args.url)
    host, port = u.hostname, u.port or 80
    base = u.path.rsplit("/", 1)[0] + "/"
    await asyncio.sleep(args.ramp * idx / max(args.clients, 1))
    while time.monotonic() < t_end:
        writer = None
        try:
            remaining = t_end - time.monotonic()
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                    min(args.timeout, max(remaining, 0.1)))
            stats.connects += 1

            async def get(target):
                left = t_end - time.monotonic()
                if left <= 0:
                    return None
                status, body, close = await asyncio.wait_for(
                    request(reader, writer, host, target), args.timeout)
                stats.requests += 1
                if status == 200:
                    stats.ok += 1
                else:
                    stats.status[status] += 1
                    if stats.first_error is None:
                        stats.first_error = f"{status} {target}: {body[:200]!r}"
                return status, body, close

            r = await get(u.path)
            if r is None:
                return
            if r[0] != 200:
                await asyncio.sleep(0.2)
                continue
            media = next((ln for ln in r[1].decode().splitlines() if ln and not ln.startswith("#")),
                         None)
            if media is None:
                raise ValueError("no media playlist URI in the multivariant playlist")
            media = base + media
            sep = "&" if "?" in media else "?"
            r = await get(media)
            while r is not None and r[0] == 200 and not r[2]:
                m = HINT_RE.search(r[1])
                if not m:
                    raise ValueError("no EXT-X-PRELOAD-HINT in the media playlist")
                t0 = time.monotonic()
                r = await get(f"{media}{sep}_HLS_msn={int(m.group(1))}&_HLS_part={int(m.group(2))}")
                if r is not None and r[0] == 200:
                    stats.blocking += 1
                    stats.max_blocking_s = max(stats.max_blocking_s, time.monotonic() - t0)
            if r is not None and r[0] != 200:
                await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # counted, then the client reconnects
            if time.monotonic() >= t_end:
                return
            stats.exceptions[type(e).__name__] += 1
            if stats.first_error is None:
                stats.first_error = f"{type(e).__name__}: {e}"
            await asyncio.sleep(0.2)
        finally:
            if writer is not None:
                writer.close()


async def main_async(args):
    stats = Stats()
    t_start = time.monotonic()
    t_end = t_start + args.seconds
    tasks = [asyncio.create_task(client(i, args, stats, t_start, t_end))
             for i in range(args.clients)]
    done, pending = await asyncio.wait(tasks, timeout=args.seconds + 2 * args.timeout + 5)
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
    elapsed = min(time.monotonic(), t_end) - t_start
    return {
        "clients": args.clients, "seconds": round(elapsed, 2), "requests": stats.requests,
        "ok": stats.ok, "blocking_reloads": stats.blocking,
        "requests_per_s": round(stats.requests / max(elapsed, 1e-9), 1),
        "non_200": dict(stats.status), "exceptions": dict(stats.exceptions),
        "errors": sum(stats.status.values()) + sum(stats.exceptions.values()),
        "connects": stats.connects, "max_blocking_s": round(stats.max_blocking_s, 3),
        "first_error": stats.first_error, "unfinished_tasks": len(pending),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="the path's index.m3u8 (127.0.0.1 only)")
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--ramp", type=float, default=2.0, help="spread the starts over this long")
    ap.add_argument("--timeout", type=float, default=10.0, help="per request")
    args = ap.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("load.py talks to loopback only")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.clients + 64
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    print(json.dumps(asyncio.run(main_async(args))), flush=True)


if __name__ == "__main__":
    main()
