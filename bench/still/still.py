#!/usr/bin/python3
"""bench/still: snapshot latency and the CPU of live JPEG, side by side with ffmpeg.

Part 1, snapshot latency (issue 6): a vigil pulling one simulated 1080p25
camera (tests/tools/camsim.py `size=1920x1080`: H.264, a key frame every
second, no B-frames, ~3 Mbit/s, RTSP/TCP). Latency is measured on the client,
time.perf_counter() around a GET on a keep-alive requests.Session, full size,
quality 85 (the defaults):

  first       the first snapshot after the stream is RUNNING (the path's
              decoder and JPEG encoder are created)
  cold, key   the stream's stats are polled every few ms until the newest
              frame is a key frame (stats.gop_cache_aus == 1; a vigil without
              that field: (frames_in - 1) mod GOP + 1, checked first against the
              GOP cache a debug reader gets), then one GET, which
              must say `X-Snapshot-Cache: miss`: decode one I-frame, scale,
              encode. One a GOP.
  warm        right after each of those misses, the same GET again in a tight
              loop; only `hit` answers count (the next frame ends the run).
  cold, mid   a GET after a random 0.2-1.5 s pause, `miss` answers only: the
              kept decoder goes on through the frames since the previous
              request (from the key frame when the GOP is new). The number
              of frames to decode is estimated from frames_in before the GET.
  ffmpeg      the way seed 001 does it, one process per request:
              `ffmpeg -hide_banner -loglevel error -rtsp_transport tcp -i URL
              -frames:v 1 -y out.jpg`, wall time (the same camera, while vigil
              pulls it: camsim's media is shared, the feed goes on).

  Targets: cold (key frame) p95 <= 50 ms, warm p95 <= 2 ms, ffmpeg p50 /
  vigil cold p50 >= 10 (and the same for p95).

Part 2, CPU of live JPEG: a fresh vigil pulling one 720p25 camera; its CPU
(utime + stime of all threads, bench/procstat.py, % of one core) over a
window with no viewer (ingest only), 1 MJPEG viewer (fps=15, quality=80),
10 and 50 MJPEG viewers at the same settings (one shared encoder: checked
with stats.jpeg_encoders), 1 viewer again (the noise between two equal
windows), 10 MJPEG viewers at 10 different qualities (10 encoders), 1, 10 and
50 WebSocket viewers (JSON frames, base64; quality medium = 80, fps 15: the
same encoder as MJPEG's), and no viewer again. Viewers are threads of this
process that read and discard (their CPU is not vigil's); each row says how
many frames a second they got, so a client that could not keep up shows.

When a target is missed (--profile auto), vigil is recorded with `perf record`
while key-frame snapshots are taken, and the top DSOs / symbols go into the
report. Everything talks to 127.0.0.1 only; every process started here is
stopped by its pid at the end, pass or fail. Run it through bench/still/run.sh
(release build, private network namespace); it writes
bench/results/still-<date>.md.
"""
import argparse
import base64
import datetime
import http.client
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from camsim import CameraSimulator, default_cache_dir, ensure_clip  # noqa: E402
sys.path.insert(0, str(ROOT / "bench"))
from procstat import cpu_ticks, memory_kib  # noqa: E402
import common  # noqa: E402
from common import (TICK, emit, fmt, forget, loadavg, machine, on_signal,  # noqa: E402
                    perf_record, perf_report, spawn, stop, stop_all, tool_version, yes)

CAM_BIG = "still1080"
CAM_720 = "still720"
BIG_SIZE = "1920x1080"
CLIP_FPS = 25  # camsim's clips

# ---------------------------------------------------------------------------
# small helpers (processes, vigil, the API: bench/common.py)
# ---------------------------------------------------------------------------

def pct(values, q):
    """The q-th percentile (0-100) with linear interpolation; None when empty."""
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summary(ms):
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "max": max(ms) if ms else None,
            "min": min(ms) if ms else None, "mean": sum(ms) / len(ms) if ms else None}


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker, or None."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7],
                                                                             "big")
        i += 2 + length
    return None


def clip_gop(cache_dir, size):
    """(GOP length, frames in the clip) of camsim's clip, read with ffprobe: the key
    frames must be evenly spaced from the first frame, and the loop a whole number
    of GOPs, for frames_in to tell where the key frames are."""
    clip = ensure_clip(cache_dir, size=size)
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "packet=flags", "-of", "csv=p=0", str(clip)],
                       capture_output=True, text=True, timeout=120)
    flags = [ln.strip() for ln in r.stdout.splitlines() if ln.strip()]
    keys = [i for i, f in enumerate(flags) if f.startswith("K")]
    if not keys or keys[0] != 0:
        raise RuntimeError(f"{clip}: the first frame is not a key frame")
    gaps = {b - a for a, b in zip(keys, keys[1:])} | {len(flags) - keys[-1]}
    if len(gaps) != 1:
        raise RuntimeError(f"{clip}: key frames not evenly spaced: {sorted(gaps)}")
    return gaps.pop(), len(flags)


# ---------------------------------------------------------------------------
# vigil
# ---------------------------------------------------------------------------

class Vigil(common.Vigil):
    def stats(self, sid, session=None):
        getter = session.get if session else requests.get
        return getter(f"{self.base}/api/streams/{sid}", timeout=10).json()["stats"]


def perf_profile(pid, seconds, out):
    """perf record on pid for `seconds` (1999 Hz, no call graphs); returns (by thread
    name, by DSO, by DSO and symbol) report texts."""
    data = str(out) + ".data"
    rec = perf_record(data, pid, seconds, freq=1999, call_graph=False)
    if rec.returncode != 0:
        return (f"perf record failed: {rec.stderr[-500:]}", "", "")

    def report(opts, limit):
        return perf_report(data, ["--no-children"] + opts, limit, drop_unresolved=False)

    return report(["--sort", "pid"], 1), report(["--sort", "dso"], 1), \
        report(["--sort", "dso,symbol"], 1.5)


# ---------------------------------------------------------------------------
# part 1: snapshot latency
# ---------------------------------------------------------------------------

class GopClock:
    """Where the newest frame vigil holds stands in its GOP (1: a key frame), from
    stats.gop_cache_aus when vigil reports it, else from frames_in and the clip's
    GOP length (valid once check_phase() has passed)."""

    def __init__(self, vigil, sid, session, gop):
        self.v, self.sid, self.s, self.gop = vigil, sid, session, gop
        st = vigil.stats(sid, session)
        self.method = "stats.gop_cache_aus" if "gop_cache_aus" in st else "frames_in"
        self.polls = 0

    def poll(self):
        """(frames_in, position in the GOP: 1 for a key frame)."""
        st = self.v.stats(self.sid, self.s)
        self.polls += 1
        f = st["frames_in"]
        if self.method == "stats.gop_cache_aus":
            return f, st["gop_cache_aus"]
        return f, (f - 1) % self.gop + 1

    def check_phase(self, path, tries=5):
        """The GOP position computed from frames_in must be the length of vigil's GOP
        cache: a debug reader (`vigil serve --debug-endpoints`) gets the cache, then
        what arrives in its 1 s window. Started 20 ms after a frame arrived (frames
        come every 40 ms), so the frames that arrive between the two polls are exactly
        the window's. Returns (agreeing, tried)."""
        agree = tried = 0
        for _ in range(tries * 3):
            if tried >= tries:
                break
            f0, _ = self.poll()
            t0 = time.monotonic()
            while time.monotonic() - t0 < 0.2:
                f, pos = self.poll()
                if f != f0:
                    break
                time.sleep(0.002)
            else:
                continue
            time.sleep(0.02)
            f, pos = self.poll()
            r = self.s.get(f"{self.v.base}/api/debug/paths/{path}/sample?seconds=1&format=json",
                           timeout=10).json()
            f1, _ = self.poll()
            if r.get("first_is_key"):
                tried += 1
                agree += r["aus"] - (f1 - f) == pos
            time.sleep(random.uniform(0.05, 0.3))
        return agree, tried


def snapshot(session, url):
    t0 = time.perf_counter()
    r = session.get(url, timeout=30)
    ms = (time.perf_counter() - t0) * 1000
    return ms, r


def part1(args, sim, work):
    gop, clip_frames = clip_gop(sim.cache_dir, BIG_SIZE)
    # --debug-endpoints: only for check_phase's test reader
    v = Vigil(args.vigil, work / "vigil-snap", extra=["--debug-endpoints"])
    res = {"gop": gop, "clip_frames": clip_frames, "anomalies": []}
    try:
        cam, sid, _ = v.add_camera(sim.url(CAM_BIG), "bench 1080p")
        cam_id = cam["id"]
        s = requests.Session()
        url = f"{v.base}/api/cameras/{cam_id}/snapshot.jpg"
        clock = GopClock(v, sid, s, gop)
        res["method"] = clock.method
        if clock.method == "frames_in":
            if clip_frames % gop:
                raise RuntimeError(f"the clip ({clip_frames} frames) is not whole GOPs of {gop}")
            agree, tried = clock.check_phase(f"cam_{cam_id}")
            res["phase_check"] = (agree, tried)
            print(f"part 1: frames_in phase check: {agree}/{tried} agree with the GOP cache",
                  flush=True)
            if tried == 0 or agree < tried:
                raise RuntimeError(f"frames_in does not tell the GOP position ({agree}/{tried})")
        time.sleep(args.warmup)

        # the first snapshot: decoder and encoder created
        _, first_pos = clock.poll()
        ms, r = snapshot(s, url)
        res["first"] = {"ms": ms, "cache": r.headers.get("X-Snapshot-Cache"), "pos": first_pos,
                        "status": r.status_code, "size": jpeg_size(r.content),
                        "bytes": len(r.content)}
        print(f"part 1: first snapshot {ms:.1f} ms {res['first']}", flush=True)

        # cold at a new key frame, then warm
        cold_key, warm, key_late = [], [], 0
        not_miss = 0
        last_fired = -10 * gop
        deadline = time.monotonic() + args.key_samples * 3 + 30
        jpeg_bytes = []
        while len(cold_key) < args.key_samples and time.monotonic() < deadline:
            f, pos = clock.poll()
            if pos != 1 or f < last_fired + gop // 2:
                time.sleep(args.poll_ms / 1000)
                continue
            last_fired = f
            ms, r = snapshot(s, url)
            f_after, _ = clock.poll()
            cache = r.headers.get("X-Snapshot-Cache")
            if r.status_code != 200 or cache != "miss":
                not_miss += 1
                res["anomalies"].append(f"key-frame request answered {r.status_code} {cache}")
                continue
            cold_key.append(ms)
            jpeg_bytes.append(len(r.content))
            if f_after != f:
                key_late += 1  # a frame arrived while the request ran
            if len(cold_key) == 1:
                res["cold_size"] = jpeg_size(r.content)
            for _ in range(args.warm_per_miss):
                ms, r = snapshot(s, url)
                if r.headers.get("X-Snapshot-Cache") != "hit":
                    break
                warm.append(ms)
        res["cold_key"] = cold_key
        res["cold_key_not_miss"] = not_miss
        res["cold_key_frame_during"] = key_late
        res["warm"] = warm
        res["jpeg_bytes"] = sum(jpeg_bytes) / max(1, len(jpeg_bytes))
        print(f"part 1: cold at a key frame {summary(cold_key)}", flush=True)
        print(f"part 1: warm {summary(warm)}", flush=True)

        # cold in the middle of a GOP
        mid, frames, hits = [], [], 0
        prev_f = None
        for _ in range(args.mid_samples * 3):
            if len(mid) >= args.mid_samples:
                break
            time.sleep(random.uniform(0.2, 1.5))
            f, pos = clock.poll()
            if prev_f is None:
                todo = None
            else:
                todo = pos if f - prev_f >= pos else f - prev_f
            ms, r = snapshot(s, url)
            f_after, _ = clock.poll()
            prev_f = f_after
            cache = r.headers.get("X-Snapshot-Cache")
            if r.status_code == 200 and cache == "miss":
                mid.append(ms)
                frames.append(todo)
            elif cache == "hit":
                hits += 1
            else:
                res["anomalies"].append(f"mid-GOP request answered {r.status_code} {cache}")
        res["cold_mid"] = mid
        res["cold_mid_frames"] = frames
        res["cold_mid_hits"] = hits
        print(f"part 1: cold mid-GOP {summary(mid)}", flush=True)

        # ffmpeg, one process a request
        ff, ff_cpu, ff_fail = [], [], 0
        cmd_shown = None
        for i in range(args.ffmpeg_runs):
            out = work / f"ffmpeg-{i}.jpg"
            cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp",
                   "-i", sim.url(CAM_BIG), "-frames:v", "1", "-y", str(out)]
            cmd_shown = " ".join(cmd[:-1] + ["out.jpg"]).replace(sim.url(CAM_BIG),
                                                                  "rtsp://127.0.0.1:PORT/cam")
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                _, err = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                stop([p])
                err = b"timeout"
            ms = (time.perf_counter() - t0) * 1000
            forget(p)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            ok = p.returncode == 0 and out.exists() and out.stat().st_size > 0
            if ok:
                ff.append(ms)
                ff_cpu.append((ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) * 1000)
                if i == 0:
                    res["ffmpeg_size"] = jpeg_size(out.read_bytes())
            else:
                ff_fail += 1
                res["anomalies"].append(f"ffmpeg run {i}: exit {p.returncode}: "
                                        f"{err.decode(errors='replace')[-200:]}")
            time.sleep(random.uniform(0.1, 1.0))  # a random point of the GOP for the next one
        res["ffmpeg"] = ff
        res["ffmpeg_cpu"] = ff_cpu
        res["ffmpeg_fail"] = ff_fail
        res["ffmpeg_cmd"] = cmd_shown
        print(f"part 1: ffmpeg {summary(ff)}", flush=True)
        res["polls"] = clock.polls

        ck, wm = summary(cold_key), summary(warm)
        res["met"] = {
            "cold": ck["p95"] is not None and ck["p95"] <= 50,
            "warm": wm["p95"] is not None and wm["p95"] <= 2,
            "ratio": bool(ff and cold_key) and summary(ff)["p50"] >= 10 * ck["p50"]
            and summary(ff)["p95"] >= 10 * ck["p95"],
        }
        if args.profile == "always" or (args.profile == "auto" and not all(res["met"].values())):
            print("part 1: profiling vigil while key-frame snapshots are taken", flush=True)
            stop_ev = threading.Event()
            taken = []

            def keep_taking():
                # One key frame found by polling; the next ones come every GOP on the
                # camera's clock (the same machine's monotonic clock), so the snapshots
                # are timed without polling: the profile is the snapshots' and ingest's.
                s2 = requests.Session()
                t_key = None
                for _ in range(2000):
                    f2, pos2 = clock.poll()
                    if pos2 == 1:
                        t_key = time.monotonic()
                        break
                    time.sleep(args.poll_ms / 1000)
                if t_key is None:
                    return
                period = gop / CLIP_FPS
                k = 1
                end = t_key + args.profile_seconds + 10
                while not stop_ev.is_set() and time.monotonic() < end:
                    stop_ev.wait(max(0.0, t_key + k * period - time.monotonic()))
                    k += 1
                    ms2, r2 = snapshot(s2, url)
                    if r2.headers.get("X-Snapshot-Cache") == "miss":
                        taken.append(ms2)

            t = threading.Thread(target=keep_taking, daemon=True)
            t.start()
            try:
                res["profile"] = perf_profile(v.pid, args.profile_seconds, work / "perf-snap")
            finally:
                stop_ev.set()
                t.join(timeout=30)
            res["profile_samples"] = taken
    finally:
        v.close()
    return res


# ---------------------------------------------------------------------------
# part 2: CPU of live JPEG
# ---------------------------------------------------------------------------

class MjpegViewer(threading.Thread):
    """GET .../mjpeg?..., read and discard; counts parts (boundaries) and bytes."""

    BOUNDARY = b"--vigilframe"

    def __init__(self, port, path, stop_event):
        super().__init__(daemon=True)
        self.port, self.path, self.stop_event = port, path, stop_event
        self.frames = self.bytes = self.errors = 0
        self.last_error = None

    def run(self):
        deadline = time.monotonic() + 3600
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("GET", self.path)
                r = conn.getresponse()
                if r.status != 200:
                    raise RuntimeError(f"{r.status}: {r.read()[:200]!r}")
                tail = b""
                while not self.stop_event.is_set():
                    chunk = r.read1(65536)
                    if not chunk:
                        raise RuntimeError("the stream ended")
                    self.bytes += len(chunk)
                    buf = tail + chunk
                    self.frames += buf.count(self.BOUNDARY)
                    tail = buf[-(len(self.BOUNDARY) - 1):]
            except Exception as e:  # counted; the viewer connects again
                if self.stop_event.is_set():
                    break
                self.errors += 1
                self.last_error = f"{type(e).__name__}: {e}"
                self.stop_event.wait(0.5)
            finally:
                conn.close()


class WsViewer(threading.Thread):
    """/ws/stream/{id}: start_stream, then receive and discard; counts frame messages.
    A minimal RFC 6455 client on a plain socket (python3-websocket decodes and
    validates every message in Python and cannot keep up with 50 viewers at 15
    fps of ~75 kB each on this machine; this one only reads each message's head)."""

    def __init__(self, port, camera_id, params, stop_event):
        super().__init__(daemon=True)
        self.port, self.camera_id, self.params = port, camera_id, params
        self.stop_event = stop_event
        self.frames = self.bytes = self.errors = 0
        self.last_error = None

    @staticmethod
    def frame(opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def session(self, sock):
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET /ws/stream/{self.camera_id} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}"
                      f"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = bytearray()
        while b"\r\n\r\n" not in buf:
            data = sock.recv(4096)
            if not data or len(buf) > 65536:
                raise RuntimeError("no upgrade answer")
            buf += data
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(head[:200].decode(errors="replace"))
        sock.sendall(self.frame(1, json.dumps({"action": "start_stream",
                                               "params": self.params}).encode()))
        buf = bytearray(rest)
        skip = 0  # payload bytes of the current message still to come, not kept
        while not self.stop_event.is_set():
            while True:
                if len(buf) < 2:
                    break
                op, ln, hl = buf[0] & 0x0F, buf[1] & 0x7F, 2
                if ln == 126:
                    if len(buf) < 4:
                        break
                    ln, hl = int.from_bytes(buf[2:4], "big"), 4
                elif ln == 127:
                    if len(buf) < 10:
                        break
                    ln, hl = int.from_bytes(buf[2:10], "big"), 10
                if len(buf) < hl + min(ln, 64):
                    break
                first = bytes(buf[hl:hl + min(ln, 64)])
                if op == 1 and b'"frame"' in first:
                    self.frames += 1
                elif op == 1 and b'"error"' in first:
                    raise RuntimeError(bytes(buf[hl:hl + min(ln, 300)]).decode(errors="replace"))
                elif op == 8:
                    raise RuntimeError("the server closed the connection")
                elif op == 9:
                    sock.sendall(self.frame(10, bytes(buf[hl:hl + ln])) if len(buf) >= hl + ln
                                 else self.frame(10, b""))
                if len(buf) >= hl + ln:
                    del buf[:hl + ln]
                else:
                    skip = hl + ln - len(buf)
                    buf.clear()
                    break
            data = sock.recv(262144)
            if not data:
                raise RuntimeError("the connection closed")
            self.bytes += len(data)
            if skip >= len(data):
                skip -= len(data)
                continue
            buf += data[skip:] if skip else data
            skip = 0

    def run(self):
        deadline = time.monotonic() + 3600
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            sock = None
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                self.session(sock)
            except Exception as e:  # counted; the viewer connects again
                if self.stop_event.is_set():
                    break
                self.errors += 1
                self.last_error = f"{type(e).__name__}: {e}"
                self.stop_event.wait(0.5)
            finally:
                if sock is not None:
                    try:
                        sock.sendall(self.frame(8, (1000).to_bytes(2, "big")))
                    except OSError:
                        pass
                    sock.close()


def cpu_window(v, sid, viewers, seconds):
    """vigil's CPU (% of one core) over `seconds`, with the frames each viewer got."""
    f0 = [x.frames for x in viewers]
    b0 = [x.bytes for x in viewers]
    t0 = cpu_ticks(v.pid)
    m0 = time.monotonic()
    enc = set()
    end = m0 + seconds
    while time.monotonic() < end:
        time.sleep(min(2.0, max(0.0, end - time.monotonic())))
        enc.add(v.stats(sid)["jpeg_encoders"])
    t1 = cpu_ticks(v.pid)
    el = time.monotonic() - m0
    fps = [(x.frames - a) / el for x, a in zip(viewers, f0)]
    nbytes = sum(x.bytes - b for x, b in zip(viewers, b0))
    frames = sum(x.frames - a for x, a in zip(viewers, f0))
    return {"cpu_pct": (t1 - t0) / TICK / el * 100, "seconds": el,
            "encoders": sorted(enc), "viewers": len(viewers),
            "fps_min": min(fps) if fps else None, "fps_mean": sum(fps) / len(fps) if fps else None,
            "kb_per_frame": nbytes / frames / 1000 if frames else None,
            "errors": sum(x.errors for x in viewers),
            "last_error": next((x.last_error for x in viewers if x.last_error), None),
            "rss_kib": memory_kib(v.pid)[0], "loadavg": loadavg()}


def part2(args, sim, work):
    v = Vigil(args.vigil, work / "vigil-cpu")
    rows = []
    try:
        cam, sid, _ = v.add_camera(sim.url(CAM_720), "bench 720p")
        cam_id = cam["id"]
        time.sleep(args.warmup)
        n, many = args.viewers, args.many
        mjpeg = f"/api/cameras/{cam_id}/mjpeg?fps={args.fps}&quality=80"
        ws = {"quality": "medium", "fps": args.fps}
        qualities = [80 - i for i in range(n)]
        scenarios = [
            ("none", "no viewer (ingest only)", []),
            ("mjpeg1", f"1 MJPEG viewer, fps={args.fps}, quality 80", [("mjpeg", mjpeg)]),
            ("mjpegN", f"{n} MJPEG viewers, the same settings", [("mjpeg", mjpeg)] * n),
            ("mjpegM", f"{many} MJPEG viewers, the same settings", [("mjpeg", mjpeg)] * many),
            ("mjpeg1b", "1 MJPEG viewer again", [("mjpeg", mjpeg)]),
            ("mjpegNq", f"{n} MJPEG viewers, {n} qualities ({qualities[0]}..{qualities[-1]})",
             [("mjpeg", f"/api/cameras/{cam_id}/mjpeg?fps={args.fps}&quality={q}")
              for q in qualities]),
            ("ws1", f"1 WebSocket viewer (JSON, base64), medium, fps {args.fps}", [("ws", ws)]),
            ("wsN", f"{n} WebSocket viewers (JSON, base64), the same settings", [("ws", ws)] * n),
            ("wsM", f"{many} WebSocket viewers (JSON, base64), the same settings",
             [("ws", ws)] * many),
            ("none2", "no viewer again (ingest only)", []),
        ]
        if many <= n:
            scenarios = [sc for sc in scenarios if sc[0] not in ("mjpegM", "wsM")]
        only = set(args.cpu_rows.split(",")) if args.cpu_rows else None
        for key, label, specs in scenarios:
            if only and key not in only:
                continue
            ev = threading.Event()
            viewers = [MjpegViewer(v.port, spec, ev) if kind == "mjpeg" else
                       WsViewer(v.port, cam_id, spec, ev) for kind, spec in specs]
            try:
                for x in viewers:
                    x.start()
                time.sleep(args.settle if viewers else 1)
                m = cpu_window(v, sid, viewers, args.cpu_seconds)
            finally:
                ev.set()
                for x in viewers:
                    x.join(timeout=15)
            m.update(key=key, label=label)
            rows.append(m)
            print(f"part 2: {label}: {m['cpu_pct']:.1f}% encoders {m['encoders']} "
                  f"fps/viewer {m['fps_mean']} errors {m['errors']}", flush=True)
            time.sleep(2)  # the encoders stop with their last viewer
    finally:
        v.close()
    return {"rows": rows}


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

def report(args, p1, p2, cmdline, load_start):
    ffmpeg = tool_version(["ffmpeg", "-version"], "ffmpeg ?")
    lines = [f"# bench/still, {datetime.date.today().isoformat()}", "",
             f"Command: `{cmdline}` (release build, inside `unshare -n`: loopback only).", "",
             f"Machine: {machine([ffmpeg], 'nproc; ')}. Load average at the start: {load_start}.",
             ""]
    if p1:
        ck, wm, md, ff = (summary(p1["cold_key"]), summary(p1["warm"]), summary(p1["cold_mid"]),
                          summary(p1["ffmpeg"]))
        frames = [f for f in p1["cold_mid_frames"] if f is not None]
        fit = ""
        pairs = [(f, ms) for f, ms in zip(p1["cold_mid_frames"], p1["cold_mid"]) if f is not None]
        if len(pairs) >= 3 and len({f for f, _ in pairs}) > 1:
            mx = sum(f for f, _ in pairs) / len(pairs)
            my = sum(ms for _, ms in pairs) / len(pairs)
            b = (sum((f - mx) * (ms - my) for f, ms in pairs) /
                 sum((f - mx) ** 2 for f, _ in pairs))
            fit = (f" A least-squares line through the mid-GOP misses: about {my - b * mx:.1f} ms "
                   f"+ {b:.2f} ms per frame decoded.")
        first = p1["first"]
        size = p1.get("cold_size")
        lines += [
            "## 1. Snapshot latency, one 1080p25 camera", "",
            f"Camera: tests/tools/camsim.py `size={BIG_SIZE}`, H.264 25 fps, a key frame every "
            f"{p1['gop']} frames, no B-frames, ~3 Mbit/s, RTSP/TCP. Request: `GET "
            f"/api/cameras/ID/snapshot.jpg` (full size, quality 85), timed on the client with "
            f"`time.perf_counter()` around `requests.Session().get()` on a keep-alive "
            f"connection. JPEG: {size[0] if size else '?'}x{size[1] if size else '?'}, "
            f"{p1['jpeg_bytes'] / 1000:.0f} kB. Key frames found by polling "
            f"`GET /api/streams/ID` every {args.poll_ms:g} ms for `{p1['method']}`"
            + (" (vigil's stats have no `gop_cache_aus`: the position is `(frames_in − 1) mod "
               f"{p1['gop']} + 1`, checked against the length of the GOP cache a debug reader "
               f"gets: {p1['phase_check'][0]}/{p1['phase_check'][1]} agree)"
               if p1["method"] == "frames_in" else "")
            + ".", "",
            "| case | samples | p50 ms | p95 ms | max ms | target | |",
            "|---|---|---|---|---|---|---|",
            f"| **cold at a new key frame** (`miss`: 1 I-frame decoded, scaled, encoded) | "
            f"{ck['n']} | {fmt(ck['p50'])} | {fmt(ck['p95'])} | {fmt(ck['max'])} | p95 ≤ 50 | "
            f"{yes(p1['met']['cold'])} |",
            f"| cold mid-GOP (`miss` after a random 0.2–1.5 s pause; frames to decode: mean "
            f"{fmt(sum(frames) / len(frames) if frames else None)}, max "
            f"{max(frames) if frames else '–'}) | {md['n']} | {fmt(md['p50'])} | "
            f"{fmt(md['p95'])} | {fmt(md['max'])} | | |",
            f"| **warm** (`hit`, the same request again at once) | {wm['n']} | "
            f"{fmt(wm['p50'], 2)} | {fmt(wm['p95'], 2)} | {fmt(wm['max'], 2)} | p95 ≤ 2 | "
            f"{yes(p1['met']['warm'])} |",
            f"| first snapshot after start (`{first['cache']}`; decoder and encoder created; "
            f"{first['pos']} frames of the GOP to decode) | 1 | "
            f"{fmt(first['ms'])} | | | | |",
            f"| ffmpeg per request (`{p1['ffmpeg_cmd']}`) | {ff['n']} | {fmt(ff['p50'], 0)} | "
            f"{fmt(ff['p95'], 0)} | {fmt(ff['max'], 0)} | | |",
            "",
        ]
        ffcpu = summary(p1["ffmpeg_cpu"])
        ratios = []
        if ff["n"] and ck["n"]:
            ratios = [
                f"| ffmpeg p50 / vigil cold (key frame) p50 | {ff['p50'] / ck['p50']:.0f}× | "
                f"≥ 10× | {yes(ff['p50'] >= 10 * ck['p50'])} |",
                f"| ffmpeg p95 / vigil cold (key frame) p95 | {ff['p95'] / ck['p95']:.0f}× | "
                f"≥ 10× | {yes(ff['p95'] >= 10 * ck['p95'])} |"]
            if md["n"]:
                ratios.append(f"| ffmpeg p50 / vigil cold mid-GOP p50 | "
                              f"{ff['p50'] / md['p50']:.0f}× | | |")
            if wm["n"]:
                ratios.append(f"| ffmpeg p50 / vigil warm p50 | {ff['p50'] / wm['p50']:.0f}× "
                              "| | |")
        lines += ["| ratio | value | target | |", "|---|---|---|---|"] + ratios + [""]
        lines += [
            f"ffmpeg used {fmt(ffcpu['mean'], 0)} ms of CPU per request (mean; user + system of "
            f"the process), failed {p1['ffmpeg_fail']} times; its JPEG: "
            f"{'x'.join(map(str, p1.get('ffmpeg_size') or ('?', '?')))}. It has to connect, "
            "DESCRIBE/SETUP/PLAY, wait for the camera's next key frame (0–1 s here) and probe "
            "the stream before it can decode one picture; vigil holds the GOP already." + fit,
            "",
            f"Key-frame requests not answered `miss`: {p1['cold_key_not_miss']}; key-frame "
            f"requests during which the next frame arrived: {p1['cold_key_frame_during']}. "
            f"Mid-GOP requests answered `hit` (no new frame since the last one, not counted): "
            f"{p1['cold_mid_hits']}. Stats polls: {p1['polls']}.", ""]
        if p1["anomalies"]:
            lines += ["Anomalies: " + "; ".join(f"`{a}`" for a in p1["anomalies"][:10]), ""]
        if p1.get("profile"):
            taken = summary(p1.get("profile_samples", []))
            by_comm, by_dso, by_sym = p1["profile"]
            lines += [
                "### Where vigil's time goes while key-frame snapshots are taken", "",
                f"`perf record -F 1999 -p PID` for {args.profile_seconds} s while a snapshot is "
                f"taken at each key frame, timed on the camera's 1 s GOP without polling "
                f"({taken['n']} `miss` answers, p50 {fmt(taken['p50'])} ms, p95 "
                f"{fmt(taken['p95'])} ms; the camera's ingest is in it too). By thread, by DSO, "
                "by DSO and symbol:", "",
                "```", by_comm, "```", "", "```", by_dso, "```", "", "```", by_sym, "```", ""]
    if p2:
        rows = {r["key"]: r for r in p2["rows"]}
        lines += [
            "## 2. CPU of live JPEG, one 720p25 camera", "",
            f"Camera: camsim's default 1280x720 H.264 25 fps ~3 Mbit/s. A fresh vigil; each "
            f"window {args.cpu_seconds:g} s, {args.settle:g} s after its viewers connected; CPU = "
            "utime+stime of vigil (all threads) as % of one core. Viewers are threads of the "
            "bench that read and discard: MJPEG `GET /api/cameras/ID/mjpeg?fps=15&quality=Q`, "
            "WebSocket `/ws/stream/ID` with `{\"action\":\"start_stream\",\"params\":"
            "{\"quality\":\"medium\",\"fps\":15}}` (medium = 80: the MJPEG viewers' encoder).",
            "",
            "| viewers | jpeg_encoders | vigil CPU % of one core | frames/s per viewer (mean / "
            "min) | kB a frame on the wire | viewer errors | RSS MiB | load avg after |",
            "|---|---|---|---|---|---|---|---|"]
        for r in p2["rows"]:
            lines.append(
                f"| {r['label']} | {'/'.join(map(str, r['encoders']))} | {r['cpu_pct']:.1f} | "
                f"{fmt(r['fps_mean'])} / {fmt(r['fps_min'])} | {fmt(r['kb_per_frame'], 0)} | "
                f"{r['errors']} | {r['rss_kib'] / 1024:.0f} | {r['loadavg']} |")
        n, many = args.viewers, args.many
        derived = []

        def c(*keys):
            """The mean CPU of these windows (those that ran), None if none did."""
            v = [rows[k]["cpu_pct"] for k in keys if k in rows]
            return sum(v) / len(v) if v else None

        b, one = c("none", "none2"), c("mjpeg1", "mjpeg1b")
        if b is not None and one is not None:
            derived.append(f"| **one shared 720p {args.fps} fps encoder** (1 MJPEG viewer − no "
                           f"viewer; each the mean of its two windows) | **{one - b:.1f}** |")
        for k, cnt in (("mjpegN", n), ("mjpegM", many)):
            if one is not None and c(k) is not None:
                derived.append(f"| each extra MJPEG viewer of that encoder (({cnt} viewers − 1) "
                               f"/ {cnt - 1}) | {(c(k) - one) / (cnt - 1) + 0.0:.3f} |")
        if one is not None and c("mjpegNq") is not None:
            derived.append(f"| each extra encoder (another quality; ({n} encoders − 1) / "
                           f"{n - 1}) | {(c('mjpegNq') - one) / (n - 1):.1f} |")
        for k, cnt in (("wsN", n), ("wsM", many)):
            if c("ws1") is not None and c(k) is not None:
                derived.append(f"| each extra WebSocket viewer, JSON/base64 (({cnt} − 1) / "
                               f"{cnt - 1}) | {(c(k) - c('ws1')) / (cnt - 1) + 0.0:.3f} |")
        if c("ws1") is not None and one is not None:
            derived.append(f"| 1 WebSocket viewer − 1 MJPEG viewer (base64 and JSON instead of "
                           f"multipart, one viewer) | {c('ws1') - one + 0.0:.1f} |")
        lines += ["", "| derived | % of one core |", "|---|---|"] + derived + [""]
        noise = []
        for k1, k2, what in (("none", "none2", "no viewer"), ("mjpeg1", "mjpeg1b", "1 viewer")):
            if k1 in rows and k2 in rows:
                noise.append(f"{what}: {abs(rows[k1]['cpu_pct'] - rows[k2]['cpu_pct']):.1f}")
        if noise:
            lines += ["The same window measured twice differs by (points of one core) "
                      + ", ".join(noise) + ": differences smaller than that are noise, so the "
                      f"per-viewer figures are read from the {many}-viewer rows.", ""]
        lines += ["vigil makes a picture's base64 text once (`vg_jpeg_base64`, kept with the "
                  "JPEG) and every WebSocket viewer of the encoder sends the same text, so base64 "
                  "is paid per encoder, not per viewer: an extra WebSocket viewer costs about "
                  "what an extra MJPEG viewer does (one more send of the same bytes).", ""]
    lines += ["Targets come from issue 6; figures are what this machine measured, once. "
              "Timing is never asserted in tests.", ""]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--key-samples", type=int, default=40, help="cold snapshots at a key frame")
    ap.add_argument("--mid-samples", type=int, default=40, help="cold snapshots mid-GOP")
    ap.add_argument("--warm-per-miss", type=int, default=40,
                    help="warm requests after each key-frame miss (at most)")
    ap.add_argument("--ffmpeg-runs", type=int, default=10)
    ap.add_argument("--poll-ms", type=float, default=3, help="stats polling interval")
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--cpu-seconds", type=float, default=20)
    ap.add_argument("--settle", type=float, default=4, help="after viewers connect")
    ap.add_argument("--viewers", type=int, default=10)
    ap.add_argument("--many", type=int, default=50,
                    help="also this many viewers of one encoder (0: not)")
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--cpu-rows", default="",
                    help="only these part 2 rows: none,mjpeg1,mjpegN,mjpegM,mjpeg1b,mjpegNq,"
                         "ws1,wsN,wsM,none2")
    ap.add_argument("--parts", default="1,2")
    ap.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                    help="perf record vigil when a target is missed (auto), always, or never")
    ap.add_argument("--profile-seconds", type=int, default=15)
    ap.add_argument("--vigil", default=str(ROOT / "build" / "release" / "vigil"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--cmdline", default=None, help="the command to write in the report")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    for tool in ("ffmpeg", "ffprobe") + (("perf",) if args.profile != "never" else ()):
        if shutil.which(tool) is None:
            sys.exit(f"bench/still needs {tool}")
    parts = {int(x) for x in args.parts.split(",")}
    load_start = loadavg()
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-still-"))
    p1 = p2 = None
    try:
        with CameraSimulator(cameras=[f"{CAM_BIG}:size={BIG_SIZE}", CAM_720],
                             cache_dir=default_cache_dir(), start_timeout=120) as sim:
            if 1 in parts:
                p1 = part1(args, sim, work)
            if 2 in parts:
                p2 = part2(args, sim, work)
    finally:
        stop_all()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report(args, p1, p2,
                  (args.cmdline or "bench/still/run.sh " + " ".join(sys.argv[1:])).strip(),
                  load_start)
    emit(text, args.out)


if __name__ == "__main__":
    main()
