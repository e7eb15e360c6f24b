#!/usr/bin/python3
"""bench/hls: vigil's live HLS side by side with its peers, in one run.

Part 1, CPU per camera: N simulated cameras (tests/tools/camsim.py, H.264
1280x720 25 fps ~3 Mbit/s over RTSP/TCP), each with a live HLS muxer and one
reader, measured over the same window after a warm-up (CPU = utime + stime
from /proc/PID/stat, all threads, as % of one core; RSS and PSS summed):

  vigil   one process pulling the N cameras; one LL-HLS reader per camera
          (a thread doing what hls.js does in low-latency mode: blocking
          reload of stream.m3u8?_HLS_msn=M&_HLS_part=P for the preload hint,
          then GET of each new part)
  ffmpeg  N processes `ffmpeg -rtsp_transport tcp -i URL -c copy -f hls
          -hls_segment_type fmp4 -hls_time 1 -hls_list_size 7
          -hls_flags delete_segments out/index.m3u8` (files on disk; no reader:
          serving them would be another program's work)
  nginx   nginx + libnginx-mod-rtmp (1 worker: the RTMP module's usual set-up),
          `hls on; hls_fragment 1s; hls_playlist_length 7s`, fed the camsim
          clip by RTMP (one `ffmpeg -re -stream_loop -1 ... -c copy -f flv`
          publisher per camera, not counted); one plain HLS reader per camera
          (playlist every 0.5 s, each new .ts segment), counted in nginx's CPU.
  Targets: vigil <= 0.5x ffmpeg, vigil <= 1x nginx (CPU). vigil's process is also
  measured before the readers come (streams only: ingest) and after they left
  (muxers, no reader), to split its cost.

Part 2, fan-out: a vigil with one camera and VIGIL_HLSSEGMENTCOUNT=60 or more
(so the chosen segment stays listed for the run); one listed part and one
complete segment are fetched, their bytes written into a static nginx root
under the same URLs, and `wrk -tT -cC -dD` fetches them alternately (a Lua
script) from vigil, then from nginx with worker_processes 1 and auto, in turn,
--wrk-rounds times (the segment count is raised above 60 when the rounds need
it). Non-2xx counted; the URLs re-checked on vigil after each run. Target:
vigil >= 0.8x nginx requests/s (mean over the rounds).

Part 3, many blocking reloads: a vigil with one camera, 500 clients
(bench/hls/load.py, asyncio) doing blocking playlist reloads on one path for
60 s, while this process samples GET /health every 100 ms on its own
connection. Target: no errors, /health always within 50 ms.

When a target is missed, vigil is recorded with `perf record --call-graph
dwarf` under the same load (after the measured window) and the top DSOs and symbols go into
the report. Everything talks to 127.0.0.1 only; every process started here
is stopped by its pid at the end, pass or fail. Run it through
bench/hls/run.sh (release build, private network namespace); it writes
bench/results/hls-<date>.md.
"""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from camsim import CameraSimulator, default_cache_dir, ensure_clip  # noqa: E402
sys.path.insert(0, str(ROOT / "bench"))
from procstat import memory_kib  # noqa: E402
from common import (HealthSampler, Vigil, Window, children, emit, free_port,  # noqa: E402
                    machine, measure, on_signal, perf_record, perf_summary, profiles_md,
                    spawn, stop, stop_all, tool_version, yes)

PY = "/usr/bin/python3"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
# the peers' versions, for the report
VERSIONS = (["nginx", "-v"], ["ffmpeg", "-version"], ["wrk", "--version"])

# ---------------------------------------------------------------------------
# helpers of hls's own (processes, vigil, the API, CPU windows: bench/common.py)
# ---------------------------------------------------------------------------

def wait_listening(port, proc, what, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not listen on {port}")
            time.sleep(0.05)


def fetch(base, path, timeout=10):
    """(status, body) of GET base+path; no exception for an HTTP error status."""
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def perf_profile(pid, seconds, out):
    """perf record on pid for `seconds` (999 Hz, DWARF call graphs: the release build has
    debug information but no frame pointers). Returns three report texts: self time by
    DSO, self time by symbol, and time by symbol with its callees included ("children")."""
    data = str(out) + ".data"
    rec = perf_record(data, pid, seconds)
    if rec.returncode != 0:
        return f"perf record failed: {rec.stderr[-500:]}", "", ""
    return perf_summary(data, out)


# ---------------------------------------------------------------------------
# HLS readers (threads; their CPU is this process's, not counted)
# ---------------------------------------------------------------------------

PART_RE = re.compile(r'#EXT-X-PART:[^\n]*URI="(part_[0-9a-f]+_(\d+)_(\d+)\.mp4)"')
HINT_RE = re.compile(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_[0-9a-f]+_(\d+)_(\d+)\.mp4"')
SEG_RE = re.compile(r"^(seg_[0-9a-f]+_(\d+)\.mp4)$", re.M)


class Reader(threading.Thread):
    """One player of one path. mode "ll": vigil's LL-HLS (blocking reload for the
    preload hint, then each new part). mode "plain": poll the media playlist every
    0.5 s and fetch each new segment (for nginx-rtmp, which has no LL-HLS)."""

    def __init__(self, port, base_path, mode, stop_event, deadline):
        super().__init__(daemon=True)
        self.port, self.base_path, self.mode = port, base_path, mode
        self.stop_event, self.deadline = stop_event, deadline
        self.requests = self.media = self.bytes = self.errors = 0
        self.last_error = None

    def running(self):
        return not self.stop_event.is_set() and time.monotonic() < self.deadline

    def get(self, conn, url):
        conn.request("GET", url)
        r = conn.getresponse()
        body = r.read()
        self.requests += 1
        if r.status != 200:
            raise RuntimeError(f"{r.status} for {url}: {body[:160]!r}")
        return body

    def run(self):
        while self.running():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                (self.ll if self.mode == "ll" else self.plain)(conn)
            except Exception as e:  # counted; the player starts again
                if not self.running():
                    break
                self.errors += 1
                self.last_error = f"{type(e).__name__}: {e}"
                self.stop_event.wait(0.3)
            finally:
                conn.close()

    def ll(self, conn):
        b = self.base_path
        index = self.get(conn, f"{b}/index.m3u8").decode()
        media = f"{b}/" + next(ln for ln in index.splitlines() if ln and not ln.startswith("#"))
        sep = "&" if "?" in media else "?"
        pl = self.get(conn, media).decode()
        last = None
        while self.running():
            parts = [(int(m.group(2)), int(m.group(3)), m.group(1)) for m in PART_RE.finditer(pl)]
            new = [p for p in parts if last is None or p[:2] > last]
            if last is None:
                new = new[-1:]
            for msn, i, uri in new:
                self.bytes += len(self.get(conn, f"{b}/{uri}"))
                self.media += 1
                last = (msn, i)
            hint = HINT_RE.search(pl)
            if not hint:
                raise RuntimeError("no EXT-X-PRELOAD-HINT")
            pl = self.get(conn, f"{media}{sep}_HLS_msn={hint.group(1)}&_HLS_part={hint.group(2)}"
                          ).decode()

    def plain(self, conn):
        b = self.base_path
        seen = None
        while self.running():
            pl = self.get(conn, f"{b}/index.m3u8").decode()
            segs = [ln for ln in pl.splitlines() if ln and not ln.startswith("#")]
            new = segs[-1:] if seen is None else [s for s in segs if s not in seen]
            for s in new:
                self.bytes += len(self.get(conn, f"{b}/{s}"))
                self.media += 1
            seen = set(segs)
            self.stop_event.wait(0.5)


def start_readers(port, base_paths, mode, seconds):
    ev = threading.Event()
    deadline = time.monotonic() + seconds
    rs = [Reader(port, p, mode, ev, deadline) for p in base_paths]
    for r in rs:
        r.start()
    return ev, rs


def stop_readers(ev, rs):
    ev.set()
    for r in rs:
        r.join(timeout=15)
    return {"requests": sum(r.requests for r in rs), "media": sum(r.media for r in rs),
            "bytes": sum(r.bytes for r in rs), "errors": sum(r.errors for r in rs),
            "alive_after_join": sum(r.is_alive() for r in rs),
            "last_error": next((r.last_error for r in rs if r.last_error), None)}


def reader_counts(rs):
    return {"requests": sum(r.requests for r in rs), "media": sum(r.media for r in rs),
            "bytes": sum(r.bytes for r in rs), "errors": sum(r.errors for r in rs)}


def diff(a, b):
    return {k: b[k] - a[k] for k in a}


# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------

def nginx_common(d, workers, worker_connections=4096):
    return f"""
daemon off;
master_process on;
worker_processes {workers};
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections {worker_connections}; }}
"""


def nginx_http(d, port, root, extra=""):
    return f"""
http {{
    access_log off;
    client_body_temp_path {d}/client_body; proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/mp4 mp4 m4s; }}
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    {extra}
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def start_nginx(d, conf_text, port):
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "nginx.conf"
    conf.write_text(conf_text)
    log = open(d / "stderr.log", "w")
    p = spawn(["nginx", "-e", str(d / "error.log"), "-p", str(d), "-c", str(conf)],
              stdout=log, stderr=log)
    wait_listening(port, p, f"nginx ({d})")
    return p


def nginx_pids(master):
    deadline = time.monotonic() + 10
    while True:
        kids = children(master.pid)
        if kids or time.monotonic() > deadline:
            return [master.pid] + kids
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# part 1: CPU per camera
# ---------------------------------------------------------------------------

def part1(args, sim, urls, work):
    n = len(urls)
    res = {}
    run_s = args.warmup + args.seconds + 5

    # peer A: one ffmpeg -f hls per camera
    outs = []
    procs = []
    for i, url in enumerate(urls):
        out = work / "ffmpeg-hls" / f"cam{i + 1}"
        out.mkdir(parents=True)
        procs.append(spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                            "-i", url, "-c", "copy", "-f", "hls", "-hls_segment_type", "fmp4",
                            "-hls_time", "1", "-hls_list_size", "7", "-hls_flags",
                            "delete_segments", "index.m3u8"], cwd=out,
                           stdout=subprocess.DEVNULL, stderr=open(out / "ffmpeg.log", "w")))
        outs.append(out)
    try:
        time.sleep(args.warmup)
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("an ffmpeg -f hls process exited early; see "
                               f"{work}/ffmpeg-hls/cam*/ffmpeg.log")
        res["ffmpeg"] = measure([p.pid for p in procs], args.seconds)
        res["ffmpeg"]["playlists"] = sum((o / "index.m3u8").exists() for o in outs)
    finally:
        stop(procs)
    print(f"part 1: ffmpeg {res['ffmpeg']['cpu_pct'] / n:.3f}%/cam", flush=True)

    # peer B: nginx-rtmp with HLS, fed by RTMP publishers, one plain HLS reader each
    d = work / "nginx-rtmp"
    rtmp_port, http_port = free_port(), free_port()
    (d / "hls").mkdir(parents=True)
    os.chmod(d / "hls", 0o777)  # written by nginx's worker (www-data when started as root)
    conf = f"load_module {RTMP_MODULE};\n" + nginx_common(d, 1) + f"""
rtmp {{
    server {{
        listen 127.0.0.1:{rtmp_port};
        application live {{
            live on;
            hls on;
            hls_path {d}/hls;
            hls_nested on;
            hls_fragment 1s;
            hls_playlist_length 7s;
        }}
    }}
}}
""" + nginx_http(d, http_port, d)
    master = start_nginx(d, conf, http_port)
    wait_listening(rtmp_port, master, "nginx rtmp")
    clip = ensure_clip(sim.cache_dir)
    pubs = [spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
                   "-i", str(clip), "-c", "copy", "-f", "flv",
                   f"rtmp://127.0.0.1:{rtmp_port}/live/cam{i + 1}"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]
    ev = rs = None
    try:
        deadline = time.monotonic() + 30
        while not all((d / "hls" / f"cam{i + 1}" / "index.m3u8").exists() for i in range(n)):
            if time.monotonic() > deadline:
                raise RuntimeError("nginx-rtmp wrote no HLS playlists in 30 s")
            if any(p.poll() is not None for p in pubs):
                raise RuntimeError("an RTMP publisher exited early")
            time.sleep(0.2)
        ev, rs = start_readers(http_port, [f"/hls/cam{i + 1}" for i in range(n)], "plain", run_s)
        time.sleep(args.warmup)
        pids = nginx_pids(master)
        c0 = reader_counts(rs)
        res["nginx"] = measure(pids, args.seconds)
        res["nginx"]["readers"] = diff(c0, reader_counts(rs))
    finally:
        if ev is not None:
            res.setdefault("nginx", {})["readers_total"] = stop_readers(ev, rs)
        stop(pubs)
        stop([master])
    print(f"part 1: nginx-rtmp {res['nginx']['cpu_pct'] / n:.3f}%/cam "
          f"(readers: {res['nginx']['readers']})", flush=True)

    # vigil: N streams; first alone (ingest only: no HLS muxer starts before a request),
    # then with one LL-HLS reader each (the measured side), then with the muxers still
    # running but no reader (hlsMuxerCloseAfter raised to 10m for that), so the report
    # can split vigil's CPU into ingest, muxing and serving.
    v = Vigil(args.vigil, work / "vigil-part1", env={"VIGIL_HLSMUXERCLOSEAFTER": "10m"})
    idle_kib = memory_kib(v.pid)
    ev = rs = None
    try:
        paths = [c["path"] for c in v.add_cameras(urls)]
        time.sleep(args.warmup)
        res["vigil_ingest_only"] = measure([v.pid], args.seconds)
        print(f"part 1: vigil, streams only (no HLS) "
              f"{res['vigil_ingest_only']['cpu_pct'] / n:.3f}%/cam", flush=True)
        extra = args.profile_seconds + 5 if args.profile != "never" else 0
        ev, rs = start_readers(v.port, [f"/hls/{p}" for p in paths], "ll", run_s + extra)
        time.sleep(args.warmup)
        c0 = reader_counts(rs)
        res["vigil"] = measure([v.pid], args.seconds)
        res["vigil"]["readers"] = diff(c0, reader_counts(rs))
        res["vigil"]["idle_rss_kib"] = idle_kib[0]
        vc = res["vigil"]["cpu_pct"]
        met = (vc <= 0.5 * res["ffmpeg"]["cpu_pct"], vc <= 1.0 * res["nginx"]["cpu_pct"])
        res["met"] = met
        print(f"part 1: vigil {res['vigil']['cpu_pct'] / n:.3f}%/cam "
              f"(readers: {res['vigil']['readers']})", flush=True)
        if args.profile == "always" or (args.profile == "auto" and not all(met)):
            print("part 1: profiling vigil", flush=True)
            res["profile"] = perf_profile(v.pid, args.profile_seconds, work / "perf-part1")
        res["vigil"]["readers_total"] = stop_readers(ev, rs)
        ev = None
        time.sleep(2)
        res["vigil_muxers_only"] = measure([v.pid], args.seconds)
        print(f"part 1: vigil, muxers without readers "
              f"{res['vigil_muxers_only']['cpu_pct'] / n:.3f}%/cam", flush=True)
    finally:
        if ev is not None:
            res.setdefault("vigil", {})["readers_total"] = stop_readers(ev, rs)
        v.close()
    return res


# ---------------------------------------------------------------------------
# part 2: fan-out with wrk
# ---------------------------------------------------------------------------

WRK_LUA = """-- alternates between the two URLs given in `paths`
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def run_wrk(args, port, lua, pids):
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.wrk_connections}",
           f"-d{args.wrk_seconds}s", "--latency", "-s", str(lua), f"http://127.0.0.1:{port}"]
    w = Window(pids).start()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.wrk_seconds + 60)
    m = w.stop()
    text = out.stdout + out.stderr

    def num(pattern, default=0.0):
        x = re.search(pattern, text)
        return float(x.group(1)) if x else default

    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {"cmd": " ".join(cmd[:-3] + ["-s", "bench/hls/<alternate.lua>", cmd[-1]]),
            "rps": num(r"Requests/sec:\s+([\d.]+)"),
            "requests": int(num(r"(\d+) requests in")),
            "transfer": (re.search(r"Transfer/sec:\s+(\S+)", text) or [None, "?"])[1],
            "non2xx": int(num(r"Non-2xx or 3xx responses: (\d+)")),
            "socket_errors": [int(x) for x in se.groups()] if se else [0, 0, 0, 0],
            "p50": (re.search(r"^\s+50%\s+(\S+)", text, re.M) or [None, "?"])[1],
            "p99": (re.search(r"^\s+99%\s+(\S+)", text, re.M) or [None, "?"])[1],
            "server_cpu_pct": m["cpu_pct"], "loadavg": m["loadavg"],
            "raw": text.strip(), "rc": out.returncode}


def part2(args, sim, work):
    res = {}
    # the chosen segment must stay listed for the whole part: one segment a second
    per_run = args.wrk_seconds + 3
    seg_count = max(60, args.wrk_rounds * 3 * per_run + per_run + 40)
    res["segment_count"] = seg_count
    v = Vigil(args.vigil, work / "vigil-part2", env={"VIGIL_HLSSEGMENTCOUNT": str(seg_count)})
    masters = []
    try:
        path = v.add_camera(sim.url("cam1"), "bench 1")[0]["path"]
        b = f"/hls/{path}"
        status, index = fetch(v.base, f"{b}/index.m3u8", timeout=20)
        if status != 200:
            raise RuntimeError(f"index.m3u8: {status} {index[:200]!r}")
        media = f"{b}/" + next(ln for ln in index.decode().splitlines()
                               if ln and not ln.startswith("#"))
        deadline = time.monotonic() + 30
        while True:
            status, pl = fetch(v.base, media)
            pl = pl.decode()
            segs = SEG_RE.findall(pl)
            if status == 200 and len(segs) >= 3:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("vigil's playlist has fewer than 3 segments after 30 s")
            time.sleep(0.5)
        seg_name, seg_msn = segs[-1]
        # a listed part of that (the newest complete) segment: its second part, as a
        # player that joins mid-segment would fetch; the key-frame part 0 is larger.
        parts = [m.group(1) for m in PART_RE.finditer(pl) if int(m.group(2)) == int(seg_msn)]
        part_name = parts[1] if len(parts) > 1 else parts[0]
        urls = [f"{b}/{part_name}", f"{b}/{seg_name}"]
        bodies = {}
        root = work / "nginx-static" / "www"
        for u in urls:
            status, body = fetch(v.base, u)
            if status != 200:
                raise RuntimeError(f"{u}: {status}")
            bodies[u] = body
            f = root / u.lstrip("/")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(body)
        res["urls"] = {u: len(bodies[u]) for u in urls}
        lua = work / "alternate.lua"
        lua.write_text(WRK_LUA % ", ".join(f'"{u}"' for u in urls))

        servers = {"vigil": (v.port, [v.pid])}
        for workers in ("1", "auto"):
            d = work / f"nginx-static-{workers}"
            port = free_port()
            m = start_nginx(d, nginx_common(d, workers) + nginx_http(
                d, port, root, "open_file_cache max=100 inactive=60s;"), port)
            masters.append(m)
            for u in urls:
                st, body = fetch(f"http://127.0.0.1:{port}", u)
                if st != 200 or body != bodies[u]:
                    raise RuntimeError(f"nginx static does not serve {u} as vigil does ({st})")
            pids = nginx_pids(m)
            servers[f"nginx_{workers}"] = (port, pids)
            res[f"workers_{workers}"] = len(pids) - 1
        res["rechecks"] = []
        for key in servers:
            res[key] = []
        for rnd in range(args.wrk_rounds):
            for key, (port, pids) in servers.items():
                print(f"part 2: round {rnd + 1}, wrk on {key}", flush=True)
                res[key].append(run_wrk(args, port, lua, pids))
                if key == "vigil":
                    res["rechecks"].append(all(fetch(v.base, u) == (200, bodies[u])
                                               for u in urls))

        def mean(key):
            return sum(r["rps"] for r in res[key]) / len(res[key])

        res["mean"] = {k: mean(k) for k in servers}
        res["met"] = all(res["mean"]["vigil"] >= 0.8 * res["mean"][k]
                         for k in ("nginx_1", "nginx_auto"))
        if args.profile == "always" or (args.profile == "auto" and not res["met"]):
            print("part 2: profiling vigil under wrk", flush=True)
            holder = {}
            t = threading.Thread(target=lambda: holder.update(
                r=run_wrk(args, v.port, lua, [v.pid])), daemon=True)
            t.start()
            time.sleep(1)
            res["profile"] = perf_profile(v.pid, max(1, min(args.profile_seconds,
                                                            args.wrk_seconds - 3)),
                                          work / "perf-part2")
            t.join(timeout=args.wrk_seconds + 90)
            res["vigil_profiled_run"] = holder.get("r")
        res["recheck_end"] = all(fetch(v.base, u) == (200, bodies[u]) for u in urls)
    finally:
        stop(masters)
        v.close()
    return res


# ---------------------------------------------------------------------------
# part 3: 500 blocking-reload clients, /health sampled
# ---------------------------------------------------------------------------

def run_load(v, path, clients, seconds, work, name):
    out = open(work / f"{name}.out", "w+")
    p = spawn([PY, str(HERE / "load.py"), "--url", f"{v.base}/hls/{path}/index.m3u8",
               "--clients", str(clients), "--seconds", str(seconds)],
              stdout=out, stderr=subprocess.STDOUT)
    return p, out


def finish_load(p, out, seconds):
    try:
        p.wait(timeout=seconds + 60)
    finally:
        stop([p])
    out.seek(0)
    text = out.read()
    out.close()
    line = next((ln for ln in reversed(text.splitlines()) if ln.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"load.py printed no result:\n{text[-2000:]}")
    return json.loads(line)


def part3(args, sim, work):
    res = {}
    v = Vigil(args.vigil, work / "vigil-part3")
    try:
        path = v.add_camera(sim.url("cam1"), "bench 1")[0]["path"]
        # the muxer starts on the first request: have one segment before the clients come
        st, _ = fetch(v.base, f"/hls/{path}/index.m3u8", timeout=20)
        if st != 200:
            raise RuntimeError(f"index.m3u8: {st}")
        res["nofile_vigil"] = open(f"/proc/{v.pid}/limits").read().split("Max open files")[1] \
            .split()[0:2]
        sampler = HealthSampler(v.port, 0.1, args.clients_seconds + 10)
        p, out = run_load(v, path, args.clients, args.clients_seconds, work, "load")
        sampler.start()
        w = Window([v.pid]).start()
        try:
            res["load"] = finish_load(p, out, args.clients_seconds)
        finally:
            sampler.halt.set()
            sampler.join(timeout=10)
        res["vigil"] = w.stop()
        res["health"] = sampler.summary()
        h = res["health"]
        res["met"] = (res["load"]["errors"] == 0 and h["failures"] == 0
                      and h.get("max_ms", 1e9) <= 50)
        if args.profile == "always" or (args.profile == "auto" and not res["met"]):
            print("part 3: profiling vigil under the same load", flush=True)
            secs = args.profile_seconds
            p, out = run_load(v, path, args.clients, secs + 6, work, "load-profiled")
            time.sleep(4)
            res["profile"] = perf_profile(v.pid, secs, work / "perf-part3")
            res["load_profiled"] = finish_load(p, out, secs + 6)
    finally:
        v.close()
    return res


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

PROFILE_HOW = ("`perf record -F 999 --call-graph dwarf -p PID` under the same load, after the "
               "measured window; self time by DSO, self time by symbol, then time by symbol "
               "with callees included (`perf report --children --sort symbol`, over 4%; frames "
               "without a symbol left out):")


def report(args, p1, p2, p3, cmdline):
    n = args.cameras
    lines = [f"# bench/hls, {datetime.date.today().isoformat()}", "",
             f"Command: `{cmdline}` (release build, inside `unshare -n`: loopback only).", "",
             f"Machine: {machine(tool_version(cmd) for cmd in VERSIONS)}.", ""]
    if p1:
        v, f, g = p1["vigil"], p1["ffmpeg"], p1["nginx"]
        mib = 1024
        lines += [
            f"## 1. CPU per camera: {n} cameras, a live HLS muxer and one reader each", "",
            f"Cameras: tests/tools/camsim.py, H.264 1280x720 25 fps ~3 Mbit/s over RTSP/TCP "
            f"(nginx: the same clip published by RTMP, one `ffmpeg -re -stream_loop -1 -c copy "
            f"-f flv` per camera, not counted). Each window: {args.seconds:g} s after "
            f"{args.warmup:g} s warm-up; CPU = utime+stime of the server's processes (all "
            "threads) as % of one core; RSS and PSS summed over them at the end of the window.",
            "",
            "| side | processes | CPU % of one core, total | CPU %/cam | RSS MiB total | "
            "PSS MiB total | RSS MiB/cam | readers in the window | load average after |",
            "|---|---|---|---|---|---|---|---|---|"]

        def row(name, m, readers):
            return (f"| {name} | {m['processes']} | {m['cpu_pct']:.2f} | {m['cpu_pct'] / n:.3f} | "
                    f"{m['rss_kib'] / mib:.1f} | {m['pss_kib'] / mib:.1f} | "
                    f"{m['rss_kib'] / mib / n:.2f} | {readers} | {m['loadavg']} |")

        vr, gr = v["readers"], g["readers"]
        lines += [
            row("**vigil** (N streams, N LL-HLS muxers, N LL-HLS readers)", v,
                f"LL-HLS: {vr['requests']} requests, {vr['media']} parts, "
                f"{vr['bytes'] / 1e6:.1f} MB, {vr['errors']} errors"),
            row("peer A: ffmpeg -f hls fmp4, one per camera", f, "none (files on disk)"),
            row("peer B: nginx-rtmp, 1 worker (master + worker)", g,
                f"plain HLS: {gr['requests']} requests, {gr['media']} .ts segments, "
                f"{gr['bytes'] / 1e6:.1f} MB, {gr['errors']} errors")]
        if p1.get("vigil_ingest_only"):
            lines.append(row("vigil, same process before the readers: streams only, no HLS",
                             p1["vigil_ingest_only"], "none"))
        if p1.get("vigil_muxers_only"):
            lines.append(row("vigil, same process after the readers: muxers, no reader",
                             p1["vigil_muxers_only"], "none"))
        lines += [
            "",
            f"vigil's idle RSS (before any camera): {v['idle_rss_kib'] / mib:.1f} MiB. "
            "The two extra vigil rows split its cost: ingest (RTSP pull, the same work as "
            "bench/ingest), + HLS muxing, + serving the readers.", "",
            "| ratio | value | target | |", "|---|---|---|---|",
            f"| CPU vigil / ffmpeg | {v['cpu_pct'] / max(f['cpu_pct'], 1e-9):.2f} | <= 0.5 | "
            f"{yes(p1['met'][0], 'met')} |",
            f"| CPU vigil / nginx-rtmp | {v['cpu_pct'] / max(g['cpu_pct'], 1e-9):.2f} | <= 1.0 | "
            f"{yes(p1['met'][1], 'met')} |",
            f"| RSS vigil / ffmpeg | {v['rss_kib'] / max(f['rss_kib'], 1):.2f} | | |",
            f"| PSS vigil / ffmpeg | {v['pss_kib'] / max(f['pss_kib'], 1):.2f} | | |",
            f"| RSS vigil / nginx-rtmp | {v['rss_kib'] / max(g['rss_kib'], 1):.2f} | | |", ""]
    if p2:
        w_auto = p2.get("workers_auto", "?")
        lines += [
            "## 2. Fan-out: one part and one segment, alternately, wrk", "",
            "URLs (bytes): " + ", ".join(f"`{u}` ({b})" for u, b in p2["urls"].items()) +
            ". nginx serves the same bytes from disk under the same URLs (`sendfile on`, "
            "`open_file_cache`, `access_log off`, `keepalive_requests 1000000`). vigil (one "
            "process; HTTP on its one loop thread) runs with "
            f"`VIGIL_HLSSEGMENTCOUNT={p2['segment_count']}` so the segment stays listed for the "
            "whole part, and keeps ingesting and muxing its camera meanwhile. nginx was run with "
            f"`worker_processes 1` and with `worker_processes auto` (= {w_auto} workers on this "
            f"machine). The three servers take turns, {args.wrk_rounds} rounds.", "",
            f"wrk: `{p2['vigil'][0]['cmd']}` (the Lua script alternates the two URLs).", "",
            "| round | server | requests/s | requests | transfer/s | latency p50 | p99 | "
            "non-2xx | socket errors (c/r/w/t) | server CPU % of one core |",
            "|---|---|---|---|---|---|---|---|---|---|"]
        names = {"vigil": "vigil", "nginx_1": "nginx, 1 worker",
                 "nginx_auto": f"nginx, auto ({w_auto} workers)"}
        for rnd in range(args.wrk_rounds):
            for key, name in names.items():
                r = p2[key][rnd]
                lines.append(
                    f"| {rnd + 1} | {name} | {r['rps']:.0f} | {r['requests']} | {r['transfer']} | "
                    f"{r['p50']} | {r['p99']} | {r['non2xx']} | "
                    f"{'/'.join(map(str, r['socket_errors']))} | {r['server_cpu_pct']:.0f} |")
        mean = p2["mean"]
        non2xx = sum(r["non2xx"] for k in names for r in p2[k])
        lines += [
            "",
            f"Non-2xx responses over all runs: {non2xx}. Both URLs 200 with the same bytes on "
            f"vigil after each of its runs: {all(p2['rechecks'])}; at the end of the part: "
            f"{p2['recheck_end']}.", "",
            "| ratio (mean requests/s over the rounds) | value | target | |", "|---|---|---|---|",
            f"| vigil / nginx 1 worker ({mean['vigil']:.0f} / {mean['nginx_1']:.0f}) | "
            f"{mean['vigil'] / max(mean['nginx_1'], 1e-9):.2f} | >= 0.8 | "
            f"{yes(mean['vigil'] >= 0.8 * mean['nginx_1'], 'met')} |",
            f"| vigil / nginx auto, {w_auto} workers ({mean['vigil']:.0f} / "
            f"{mean['nginx_auto']:.0f}) | {mean['vigil'] / max(mean['nginx_auto'], 1e-9):.2f} | "
            f">= 0.8 | {yes(mean['vigil'] >= 0.8 * mean['nginx_auto'], 'met')} |", "",
            "wrk runs on the same 2 cores as the server, so every figure here includes wrk's "
            "own share of the machine.", ""]
        lines += ["Load average after each run: " +
                  ", ".join(f"{names[k]} round {i + 1}: {r['loadavg']}"
                            for k in names for i, r in enumerate(p2[k])) + ".", ""]
        for key in names:
            lines += [f"<details><summary>wrk output, {names[key]}, round 1</summary>", "", "```",
                      p2[key][0]["raw"], "```", "", "</details>", ""]
    if p3:
        ld, h, v = p3["load"], p3["health"], p3["vigil"]
        lines += [
            f"## 3. {args.clients} clients doing blocking reloads on one path for "
            f"{args.clients_seconds:g} s", "",
            f"bench/hls/load.py: {args.clients} asyncio keep-alive connections, each "
            "`index.m3u8` (its own session), then `stream.m3u8?session=..&_HLS_msn=M&_HLS_part=P` "
            "for the preload hint, again and again. /health sampled every 100 ms on a separate "
            "keep-alive connection from the driver process. Open-file limit of vigil: "
            f"{' / '.join(p3['nofile_vigil'])} (soft / hard; run.sh raises the soft limit to "
            "4096 only if it is lower).", "",
            "| figure | value |", "|---|---|",
            f"| requests answered | {ld['requests']} ({ld['requests_per_s']}/s; "
            f"{ld['blocking_reloads']} blocking reloads) |",
            f"| errors (non-200 / exceptions) | {ld['errors']} (non-200: {ld['non_200'] or 0}; "
            f"exceptions: {ld['exceptions'] or 0}) |",
            f"| connections opened | {ld['connects']} |",
            f"| longest blocking reload | {ld['max_blocking_s'] * 1000:.0f} ms |",
            f"| /health samples | {h['samples']} ({h['failures']} failed) |",
            f"| /health latency p50 / p99 / max | {h.get('p50_ms', 0):.1f} / "
            f"{h.get('p99_ms', 0):.1f} / {h.get('max_ms', 0):.1f} ms |",
            f"| /health samples over 50 ms | {h.get('over_50ms', '?')} |",
            f"| vigil CPU over the run | {v['cpu_pct']:.1f}% of one core |",
            f"| vigil RSS at the end | {v['rss_kib'] / 1024:.1f} MiB |",
            f"| load average at the end | {v['loadavg']} |", "",
            f"Target: no errors and /health within 50 ms throughout: {yes(p3['met'], 'met')}"
            + (f" (first error: `{ld['first_error']}`)" if ld.get("first_error") else "") + ".",
            ""]
    lines += profiles_md((("part 1", p1), ("part 2", p2), ("part 3", p3)), PROFILE_HOW)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cameras", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30, help="part 1's measured window")
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--wrk-connections", type=int, default=64)
    ap.add_argument("--wrk-seconds", type=int, default=15)
    ap.add_argument("--wrk-rounds", type=int, default=3,
                    help="part 2 runs vigil, nginx 1 worker, nginx auto this many times, in turn")
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--clients-seconds", type=float, default=60)
    ap.add_argument("--parts", default="1,2,3")
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
    for tool in ("ffmpeg", "nginx", "wrk") + (("perf",) if args.profile != "never" else ()):
        if shutil.which(tool) is None:
            sys.exit(f"bench/hls needs {tool} (scripts/install-deps.sh)")
    if not os.path.exists(RTMP_MODULE):
        sys.exit(f"bench/hls needs {RTMP_MODULE} (Debian package libnginx-mod-rtmp)")
    parts = {int(x) for x in args.parts.split(",")}
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-hls-"))
    os.chmod(work, 0o755)  # nginx's workers run as another user (www-data) when started as root
    p1 = p2 = p3 = None
    try:
        with CameraSimulator(cameras=args.cameras, cache_dir=default_cache_dir(),
                             start_timeout=120) as sim:
            urls = [sim.url(f"cam{i + 1}") for i in range(args.cameras)]
            if 1 in parts:
                p1 = part1(args, sim, urls, work)
            if 2 in parts:
                p2 = part2(args, sim, work)
                print(f"part 2: mean req/s {p2['mean']}", flush=True)
            if 3 in parts:
                p3 = part3(args, sim, work)
                print(f"part 3: {p3['load']}\n        health {p3['health']}", flush=True)
    finally:
        stop_all()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report(args, p1, p2, p3,
                  (args.cmdline or "bench/hls/run.sh " + " ".join(sys.argv[1:])).strip())
    emit(text, args.out)


if __name__ == "__main__":
    main()
