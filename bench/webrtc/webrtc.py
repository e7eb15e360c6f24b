#!/usr/bin/python3
"""bench/webrtc: how many WebRTC viewers of one 720p ~3 Mbit/s stream one core serves.

vigil (release build) pulls one simulated camera (tests/tools/camsim.py: H.264
1280x720, 25 fps, a key frame every second, ~3 Mbit/s, RTSP/TCP) and serves it
over WHEP. The load client, bench/webrtc/whep_load.c (built from vigil's own
webrtc/ modules: STUN, SDP, DTLS, SRTP), opens N viewers in one process: each
POSTs an offer, completes ICE (Binding requests with USE-CANDIDATE, consent
every 2 s) and the DTLS handshake, then receives and authenticates/decrypts
every SRTP packet (--verify 1) or only counts it (--verify 0), and sends an
SRTCP Receiver Report a second.

vigil runs on one CPU (taskset -c --vigil-cpu, default 1), the client, camsim
and perf on the other (--client-cpu, default 0). For each N of --counts the
client ramps up a viewer every --ramp-ms, waits until all are connected, waits
1 s more (so the GOP each viewer gets at connect is not measured), then
measures a --seconds window: vigil's CPU from /proc/PID/stat (utime + stime,
all threads, as bench/procstat.py reads it), the busy and softirq time of
vigil's CPU from /proc/stat (loopback delivery partly runs in softirq, and
anything else on the machine shows there too), what the viewers received
(Mbit/s, video frames a second, RTP sequence gaps), and vigil's own counters
(GET /api/webrtc/sessions: packets sent, send errors, frames skipped).
Expected Mbit/s is N times what one lone viewer received over the same window
length (the first row). A row passes when every viewer connected, nothing was
lost or skipped, delivered >= 99% of expected, and vigil used <= 100% of its
core. When the client's CPU reached --client-limit (85%) of its core with
--verify 1, the row is run again with --verify 0 (the client then is not the
bottleneck) and both are reported.

With --profile-count N (default 200), vigil is recorded with `perf record -g`
during that row's window (self time), then for 3 s with `--call-graph dwarf`
(inclusive time through vigil's own functions), and both go into the report.

The peer (--peer janus, the default when Debian's `janus` is installed): Janus
with only its streaming plugin and HTTP transport and one static event loop,
pinned to the same CPU, fed by ffmpeg relaying the same camera as RTP; the same
client watches its mountpoint (--janus 1: Janus offers, is a full ICE agent and
the client answers its checks). MediaMTX, the issue's reference, is not in
Debian and is not run.

Everything talks to 127.0.0.1 only (run it through bench/webrtc/run.sh: a
private network namespace); every process started here is stopped by its pid
at the end, pass or fail. Writes bench/results/webrtc-<date>.md (or --out).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402
sys.path.insert(0, str(ROOT / "bench"))
from procstat import memory_kib  # noqa: E402
import common  # noqa: E402
from common import (api, cpu_model, emit, fmt, forget, loadavg, measure,  # noqa: E402
                    on_signal, spawn, stop, stop_all)

# The machine may be shared: vigil, the client and camsim get the larger share of their CPUs.
NICE = ["nice", "-n", "-15"]
MEDIAMTX_REFERENCE = ("MediaMTX users report 150 viewers using 3 cores at 99% "
                      "(about 50 viewers a core)")

# ---------------------------------------------------------------------------
# vigil (processes, the API: bench/common.py)
# ---------------------------------------------------------------------------

class Vigil(common.Vigil):
    """common.Vigil pinned to `cpu` at nice -15 (taskset execs vigil: the pid is vigil's),
    WebRTC on a UDP port of its choosing, which it reports."""

    def __init__(self, binary, workdir, cpu):
        super().__init__(binary, workdir, env={"VIGIL_WEBRTCLOCALUDPADDRESS": "127.0.0.1:0"},
                         prefix=[*NICE, "taskset", "-c", str(cpu)])
        self.udp_address = self.sessions()["udp_address"]
        self.udp_port = int(self.udp_address.rsplit(":", 1)[1])
        self.url = None  # the WHEP URL, once a camera is added
        self.client_args = []

    def add_camera(self, url, name, timeout=60):
        """The path name and stream id of a new camera whose stream is RUNNING with more
        than 25 frames in."""
        _, sid, info = super().add_camera(url, name, timeout,
                                          ready=lambda i: i["stats"].get("frames_in", 0) > 25)
        self.url = f"{self.base}/whep/{info['path']}"
        return info["path"], sid

    def sessions(self):
        return api(self.base, "GET", "/api/webrtc/sessions")

    def wait_idle(self, timeout=45):
        """Until vigil lists no WebRTC session (a session the client could not DELETE
        ends by consent expiry, 30 s); False when some remain."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sessions()["session_count"] == 0:
                return True
            time.sleep(0.2)
        return False


# ---------------------------------------------------------------------------
# perf
# ---------------------------------------------------------------------------

def perf_record(pid, seconds, data, cpu, dwarf=False):
    """perf record on vigil for `seconds`, perf itself on the client's CPU: -g (frame
    pointers: exact self time, kernel call chains), or --call-graph dwarf (user-space
    call chains too: vigil and its libraries have no frame pointers)."""
    graph = ["--call-graph", "dwarf,16384", "-F", "499"] if dwarf else ["-g", "-F", "2999"]
    return subprocess.run(["taskset", "-c", str(cpu), "perf", "record", "-q", *graph, "-o",
                           str(data), "-p", str(pid), "--", "sleep", str(seconds)],
                          capture_output=True, text=True, timeout=seconds + 300)


def perf_lines(data, opts, limit, lines):
    r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--percent-limit",
                        str(limit)] + opts, capture_output=True, text=True, timeout=900)
    out = [ln.rstrip() for ln in r.stdout.splitlines()
           if ln.startswith("# Samples:") or
           (ln.strip() and not ln.startswith("#") and re.match(r"^\s+[0-9.]+%", ln))]
    return "\n".join(out[:lines])


# ---------------------------------------------------------------------------
# Janus, the peer: its streaming plugin fed with RTP by ffmpeg
# ---------------------------------------------------------------------------

JANUS_HTTP_PORT = 8088
JANUS_RTP_PORT = 5004
JANUS_MOUNTPOINT = 1
# Janus (libnice) gathers no candidate on a loopback interface: one veth end in this
# private namespace carries its address (packets to it are still delivered locally).
JANUS_IFACE, JANUS_PEER_IFACE, JANUS_ADDR = "wbv0", "wbv1", "10.99.0.1"


class Janus:
    """Janus (Debian's janus package) with only its streaming plugin and HTTP transport,
    one static event loop (event_loops = 1: the default, a thread per viewer, measured
    about 1.9x the CPU at 200 viewers here), pinned like vigil; ffmpeg relays the camera
    to it as RTP (-c copy, RTP packets of at most 1200 bytes, as vigil makes them)."""

    def __init__(self, workdir, cpu, client_cpu, camera_url):
        self.workdir = Path(workdir)
        for d in ("conf", "plugins", "transports", "events", "loggers"):
            (self.workdir / d).mkdir(parents=True, exist_ok=True)
        lib = Path("/usr/lib/x86_64-linux-gnu/janus")
        (self.workdir / "plugins" / "libjanus_streaming.so").symlink_to(
            lib / "plugins" / "libjanus_streaming.so")
        (self.workdir / "transports" / "libjanus_http.so").symlink_to(
            lib / "transports" / "libjanus_http.so")
        w = self.workdir
        (w / "conf" / "janus.jcfg").write_text(f"""general: {{
  configs_folder = "{w}/conf"
  plugins_folder = "{w}/plugins"
  transports_folder = "{w}/transports"
  events_folder = "{w}/events"
  loggers_folder = "{w}/loggers"
  debug_level = 3
  event_loops = 1
}}
media: {{
  rtp_port_range = "40000-59999"
}}
nat: {{
  nice_debug = false
  ice_enforce_list = "{JANUS_IFACE}"
}}
""")
        (w / "conf" / "janus.transport.http.jcfg").write_text(f"""general: {{
  base_path = "/janus"
  http = true
  port = {JANUS_HTTP_PORT}
  ip = "127.0.0.1"
  https = false
}}
admin: {{
  admin_http = false
}}
""")
        (w / "conf" / "janus.plugin.streaming.jcfg").write_text(f"""general: {{
}}
cam: {{
  type = "rtp"
  id = {JANUS_MOUNTPOINT}
  description = "camsim 720p"
  audio = false
  video = true
  videoport = {JANUS_RTP_PORT}
  videopt = 96
  videocodec = "h264"
  videofmtp = "profile-level-id=64001f;packetization-mode=1"
}}
""")
        for cmd in (["ip", "link", "add", JANUS_IFACE, "type", "veth", "peer", "name",
                     JANUS_PEER_IFACE],
                    ["ip", "addr", "add", f"{JANUS_ADDR}/24", "dev", JANUS_IFACE],
                    ["ip", "link", "set", JANUS_PEER_IFACE, "up"],
                    ["ip", "link", "set", JANUS_IFACE, "up"]):
            subprocess.run(cmd, capture_output=True)
        self.log = open(w / "janus.log", "w")
        self.proc = spawn([*NICE, "taskset", "-c", str(cpu), "janus", "-F", str(w / "conf"),
                           "-C", str(w / "conf" / "janus.jcfg"), "-o"],
                          stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.base = f"http://127.0.0.1:{JANUS_HTTP_PORT}/janus"
        for _ in range(100):
            try:
                self.version = api(self.base, "GET", "/info", timeout=2)["version_string"]
                break
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            raise RuntimeError(f"janus did not start; see {w / 'janus.log'}")
        self.feed = spawn([*NICE, "taskset", "-c", str(client_cpu), "ffmpeg", "-nostdin",
                           "-loglevel", "error", "-rtsp_transport", "tcp", "-i", camera_url,
                           "-c", "copy", "-an", "-f", "rtp", "-pkt_size", "1200",
                           f"udp://127.0.0.1:{JANUS_RTP_PORT}"],
                          stdout=subprocess.DEVNULL, stderr=open(w / "ffmpeg.log", "w"))
        self.url = self.base
        self.client_args = ["--janus", str(JANUS_MOUNTPOINT)]
        time.sleep(3)

    def wait_idle(self):
        time.sleep(3)  # destroyed sessions go at once; Janus has no listing without admin API
        return True

    def close(self):
        stop([self.feed, self.proc])
        self.log.close()


# ---------------------------------------------------------------------------
# one row: N viewers
# ---------------------------------------------------------------------------

def udp_counters(server_port=None):
    """(RcvbufErrors of this network namespace, drops of the UDP socket bound to
    server_port or None): datagrams the kernel dropped because a socket was full."""
    errors = None
    with open("/proc/net/snmp") as f:
        lines = [ln.split() for ln in f if ln.startswith("Udp:")]
    if len(lines) >= 2 and "RcvbufErrors" in lines[0]:
        errors = int(lines[1][lines[0].index("RcvbufErrors")])
    drops = None
    if server_port:
        with open("/proc/net/udp") as f:
            for ln in f.readlines()[1:]:
                fields = ln.split()
                if int(fields[1].split(":")[1], 16) == server_port:
                    drops = int(fields[-1])
    return errors, drops


def run_load(args, target, n, verify, perf_data=None):
    ramp = args.ramp_ms if n * args.ramp_ms <= 15000 else max(1, 15000 // n)
    cmd = [*NICE, "taskset", "-c", str(args.client_cpu), str(args.whep_load), "--url",
           target.url, *target.client_args, "--sessions", str(n), "--seconds",
           str(args.seconds), "--ramp-ms", str(ramp), "--verify", "1" if verify else "0",
           "--server-pid", str(target.pid), "--server-cpu", str(args.vigil_cpu), "--json"]
    print(f"  {n} viewers, verify {int(verify)}: {' '.join(cmd[6:])}", flush=True)
    load_before = loadavg()
    udp_port = getattr(target, "udp_port", None)
    errors_before, drops_before = udp_counters(udp_port)
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events, extra = [], {}

    def read_events():
        for line in p.stderr:
            line = line.strip()
            try:
                ev = json.loads(line)
            except ValueError:
                events.append({"event": "text", "text": line})
                continue
            events.append(ev)
            if ev.get("event") == "window" and perf_data is not None:
                secs = max(1, min(args.profile_seconds, int(args.seconds) - 6))
                rec = perf_record(target.pid, secs, perf_data, args.client_cpu)
                extra["perf_rc"] = rec.returncode
                extra["perf_err"] = rec.stderr[-400:]
                extra["perf_seconds"] = secs
                dwarf = perf_record(target.pid, 3, str(perf_data) + ".dwarf", args.client_cpu,
                                    dwarf=True)
                extra["dwarf_rc"] = dwarf.returncode
            if ev.get("event") == "window_end":
                extra["rss_kib"], _ = memory_kib(target.pid)

    t = threading.Thread(target=read_events, daemon=True)
    t.start()
    # whep_load ends within --seconds + 30 s by itself; this is the backstop.
    killer = threading.Timer(args.seconds + 60, lambda: stop([p]))
    killer.start()
    out = p.stdout.read()
    p.wait()
    killer.cancel()
    t.join(timeout=180)
    forget(p)
    if p.returncode != 0:
        raise RuntimeError(f"whep_load exited with {p.returncode}: {events[-5:]}")
    r = json.loads(out)
    errors_after, drops_after = udp_counters(udp_port)
    r["ramp_ms"] = ramp
    r["events"] = [e for e in events if e.get("event") in ("failed", "text")][:20]
    r["loadavg_before"] = load_before
    if errors_before is not None and errors_after is not None:
        r["rcvbuf_errors"] = errors_after - errors_before
    if drops_before is not None and drops_after is not None:
        r["server_socket_drops"] = drops_after - drops_before
    r.update(extra)
    r["leftover_sessions"] = not target.wait_idle()
    return r


def summarize(r, n, ref_mbps, args):
    w = r["window"]
    sv = w.get("server", {})
    mbps = w.get("mbps_per_session") or {}
    fps = w.get("video_fps_per_session") or {}
    expected = n * ref_mbps if ref_mbps else None
    row = {
        "n": n, "verify": r["verify"], "connected": r["sessions_connected"],
        "failed": r["sessions_failed"], "window_sessions": w["sessions"],
        "vigil_cpu": w.get("server_cpu_percent"), "core_busy": w.get("server_core_busy_percent"),
        "core_softirq": w.get("server_core_softirq_percent"),
        "client_cpu": w.get("client_cpu_percent"), "delivered": w["mbps_total"],
        "expected": expected, "per_min": mbps.get("min"), "per_median": mbps.get("median"),
        "fps_min": fps.get("min"), "lost": w["lost_packets"],
        "lost_max": w["lost_per_session_max"], "lost_run": r["run"]["lost_packets"],
        "auth_failures": w["srtp_auth_failures"], "send_errors": sv.get("send_errors"),
        "frames_skipped": sv.get("frames_skipped"), "get_ms_end": sv.get("get_ms_end"),
        "connect": r.get("connect_ms") or {}, "first": r.get("first_packet_ms") or {},
        "rss_kib": r.get("rss_kib"), "loadavg": r.get("loadavg_before"),
        "failures": r.get("failures") or {}, "truncated": r.get("truncated"),
        "leftover_sessions": r.get("leftover_sessions"),
        "rcvbuf_errors": r.get("rcvbuf_errors"), "server_drops": r.get("server_socket_drops"),
        "packets_per_viewer_s": (w["packets"] / w["sessions"] / w["seconds"]
                                 if w["sessions"] and w["seconds"] else None),
    }
    row["ratio"] = row["delivered"] / expected if expected else None
    row["client_bound"] = (row["client_cpu"] or 0) >= args.client_limit
    row["pass"] = (row["failed"] == 0 and row["connected"] == n and row["lost"] == 0 and
                   not row["frames_skipped"] and not row["send_errors"] and
                   row["auth_failures"] == 0 and row["vigil_cpu"] is not None and
                   row["vigil_cpu"] <= 100 and (row["ratio"] is None or row["ratio"] >= 0.99))
    return row


def sweep(args, target, name, counts, perf_count):
    """The reference row (one viewer), then each count until the server's core saturates.
    Returns (rows, reference Mbit/s, saturated at, counts skipped, perf)."""
    print(f"{name}: pid {target.pid} {target.url}", flush=True)
    ref = run_load(args, target, 1, args.verify != "0")
    ref_mbps = ref["window"]["mbps_total"]
    rows, perf, saturated_at, skipped = [summarize(ref, 1, ref_mbps, args)], None, None, []
    work = Path(args.work)
    for n in counts:
        verify_first = args.verify != "0"
        perf_data = work / f"perf-{name}-{n}.data" if n == perf_count else None
        r = run_load(args, target, n, verify_first, perf_data)
        row = summarize(r, n, ref_mbps, args)
        rows.append(row)
        print(f"    {name} {fmt(row['vigil_cpu'])}%  delivered {fmt(row['delivered'])} of "
              f"{fmt(row['expected'])} Mbit/s  lost {row['lost']}  client "
              f"{fmt(row['client_cpu'])}%  connected {row['connected']}/{n}", flush=True)
        if perf_data is not None:
            if r.get("perf_rc") == 0:
                perf = {"n": n, "seconds": r.get("perf_seconds"),
                        "symbols": perf_lines(perf_data, ["--no-children", "--sort",
                                                          "dso,symbol", "-g", "none"], 0.7, 45),
                        "dsos": perf_lines(perf_data, ["--no-children", "--sort", "dso", "-g",
                                                       "none"], 0.5, 15),
                        "children": ""}
                if r.get("dwarf_rc") == 0:
                    perf["children"] = perf_lines(
                        str(perf_data) + ".dwarf",
                        ["--children", "--sort", "symbol", "-g", "none"], 3, 60)
            else:
                perf = {"n": n, "seconds": 0, "symbols": "", "dsos": "", "children": "",
                        "error": f"perf record failed: {r.get('perf_err')}"}
        if (row["vigil_cpu"] or 0) >= 97 or row["connected"] < n:
            saturated_at, skipped = n, [c for c in counts if c > n]
            print(f"    {name}'s core is saturated at {n} viewers; skipped: {skipped}",
                  flush=True)
            break
        if args.verify == "auto" and verify_first and row["client_bound"]:
            r0 = run_load(args, target, n, False)
            row0 = summarize(r0, n, ref_mbps, args)
            rows.append(row0)
            print(f"    verify 0: {name} {fmt(row0['vigil_cpu'])}%  delivered "
                  f"{fmt(row0['delivered'])} Mbit/s  lost {row0['lost']}  client "
                  f"{fmt(row0['client_cpu'])}%", flush=True)
    return rows, ref_mbps, saturated_at, skipped, perf


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

def machine():
    return f"{cpu_model()}, {os.cpu_count()} CPUs, Linux {platform.release()}"


def fit(rows):
    """Least squares vigil CPU % = a + b * N over the rows given; (a, b) or None."""
    pts = [(r["n"], r["vigil_cpu"]) for r in rows if r["vigil_cpu"] is not None]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    b = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx
    return my - b * mx, b


def result_table(rows, name):
    L = [f"| viewers | verify | connected | {name} CPU % | core busy % (softirq) | delivered "
         "Mbit/s | expected Mbit/s | delivered/expected | per-viewer Mbit/s min / median | "
         "video fps min | lost (gaps) | send errors / frames skipped | connect ms median / max "
         "| first packet ms median / max | client CPU % | pass |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c, f = r["connect"], r["first"]
        sk = ("–" if r["send_errors"] is None else
              f"{r['send_errors']} / {r['frames_skipped']}")
        L.append(
            f"| {r['n']} | {int(r['verify'])} | {r['connected']}/{r['n']} | "
            f"**{fmt(r['vigil_cpu'])}** | {fmt(r['core_busy'])} ({fmt(r['core_softirq'])}) | "
            f"{fmt(r['delivered'])} | {fmt(r['expected'])} | {fmt(r['ratio'], 3)} | "
            f"{fmt(r['per_min'], 2)} / {fmt(r['per_median'], 2)} | {fmt(r['fps_min'])} | "
            f"{r['lost']} | {sk} | "
            f"{fmt(c.get('median'), 0)} / {fmt(c.get('max'), 0)} | "
            f"{fmt(f.get('median'), 0)} / {fmt(f.get('max'), 0)} | "
            f"{fmt(r['client_cpu'])}{' (bound)' if r['client_bound'] else ''} | "
            f"{'yes' if r['pass'] else 'no'} |")
    L.append("")
    L.append("Details:")
    L.append("")
    L.append(f"| viewers | verify | {name} RSS MiB | packets a viewer a second | loss over the "
             "whole run (ramp included) | UDP receive-buffer drops in the namespace (server "
             "socket) | auth failures | GET /api/webrtc/sessions at window end, ms | load "
             "average before | failures |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        fails = "; ".join(f"{k}: {v}" for k, v in r["failures"].items()) or "none"
        if r.get("leftover_sessions"):
            fails += " (sessions still listed 45 s after the run)"
        drops = f"{r['rcvbuf_errors']}" + (f" ({r['server_drops']})"
                                           if r.get("server_drops") is not None else "")
        L.append(f"| {r['n']} | {int(r['verify'])} | "
                 f"{fmt(r['rss_kib'] / 1024 if r['rss_kib'] else None)} | "
                 f"{fmt(r['packets_per_viewer_s'], 0)} | {r['lost_run']} | {drops} | "
                 f"{r['auth_failures']} | "
                 f"{'–' if r['get_ms_end'] is None else r['get_ms_end']} | {r['loadavg']} | "
                 f"{fails} |")
    L.append("")
    return L


def best_row(rows):
    passed = [r for r in rows if r["n"] > 1 and r["pass"]]
    return max(passed, key=lambda r: r["n"]) if passed else None


def report(args, info, sides, perf, cmdline):
    vrows = sides["vigil"]["rows"]
    L = []
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L.append(f"# WebRTC fan-out: viewers of one 720p stream on one core ({date[:10]})")
    L.append("")
    L.append("Issue: `bench/webrtc`: viewers one core can serve for one 720p 3 Mbit/s stream "
             "(SRTP encryption and sending). Target: **≥ 200 viewers on one core**, no loss. "
             f"Reference: {MEDIAMTX_REFERENCE}.")
    L.append("")
    L.append(f"- Command: `{cmdline}` ({date})")
    L.append(f"- Machine: {machine()}; the server (vigil, then Janus) pinned to CPU "
             f"{args.vigil_cpu}, the load client, camsim, ffmpeg and perf to CPU "
             f"{args.client_cpu}, all at nice -15: the machine was shared with other work "
             "(load average before each row is in the detail tables).")
    L.append(f"- vigil: `{info['binary']}` ({info['build']}), built {info['binary_time']}, "
             f"sha256 {info['binary_sha256'][:16]}; WebRTC UDP {info['udp_address']}, data "
             "directory in a temporary directory.")
    L.append(f"- Camera: camsim `{info['camera']}` (H.264 1280x720 25 fps, key frame every "
             f"second, ~3 Mbit/s), pulled over RTSP/TCP; ingest alone: vigil "
             f"{fmt(info['ingest_cpu'], 2)}% of a core.")
    L.append(f"- Client: `bench/webrtc/whep_load` (vigil's webrtc/ modules: STUN, SDP, DTLS "
             f"client, SRTP), one UDP socket a viewer, a new viewer every {args.ramp_ms} ms "
             f"(fewer ms above 750 viewers, so the ramp stays under 15 s); window "
             f"{args.seconds:g} s once all are connected, plus 1 s; an SRTCP receiver report a "
             "viewer a second; STUN consent every 2 s (vigil).")
    L.append("- Expected Mbit/s: N × what one lone viewer of the same server received over a "
             "window of the same length (SRTP packets as received: RTP header, payload, tag).")
    if "janus" in sides:
        L.append(f"- Peer: Janus {sides['janus']['version']} (Debian `janus`), streaming "
                 "plugin, HTTP transport, `event_loops = 1`, fed by `ffmpeg -rtsp_transport tcp "
                 "-i CAMERA -c copy -an -f rtp -pkt_size 1200 udp://127.0.0.1:5004`; the same "
                 "client with `--janus 1` (Janus offers and is a full ICE agent; the client "
                 "answers, setup:active, and answers its checks). Janus gathers no candidate on "
                 "loopback, so its address is on a veth end inside the namespace (10.99.0.1; "
                 "delivery is local either way).")
    L.append("")
    L.append("CPU %: utime + stime of the server's process from /proc/PID/stat over the window, "
             "% of one core; without IRQ time accounting this includes the softirq work done "
             "in its context, i.e. the loopback delivery of each datagram into the client's "
             "socket, which a real NIC would not cost the server. Core busy: everything "
             f"CPU {args.vigil_cpu} did over the window (/proc/stat), softirq in brackets, "
             "including anything else that ran there.")
    L.append("")
    L.append("## vigil")
    L.append("")
    L += result_table(vrows, "vigil")
    if "janus" in sides:
        L.append("## Janus (peer, same client, same camera)")
        L.append("")
        L += result_table(sides["janus"]["rows"], "Janus")
        L.append("## Side by side (verify 1)")
        L.append("")
        L.append("| viewers | vigil CPU % | Janus CPU % | Janus ÷ vigil | vigil "
                 "delivered/expected | Janus delivered/expected | vigil pass | Janus pass |")
        L.append("|---|---|---|---|---|---|---|---|")
        jr = {r["n"]: r for r in sides["janus"]["rows"] if r["verify"]}
        for r in vrows:
            if not r["verify"]:
                continue
            j = jr.get(r["n"])
            ratio = (j["vigil_cpu"] / r["vigil_cpu"]
                     if j and j["vigil_cpu"] and r["vigil_cpu"] else None)
            L.append(f"| {r['n']} | {fmt(r['vigil_cpu'])} | {fmt(j['vigil_cpu']) if j else '–'} "
                     f"| {fmt(ratio, 2)} | {fmt(r['ratio'], 3)} | "
                     f"{fmt(j['ratio'], 3) if j else '–'} | {'yes' if r['pass'] else 'no'} | "
                     f"{('yes' if j['pass'] else 'no') if j else 'not run'} |")
        L.append("")

    L.append("## Viewers per core")
    L.append("")
    best = best_row(vrows)
    if best:
        L.append(f"- **vigil, measured: {best['n']} viewers on one core** with every viewer "
                 f"connected, no loss, delivered/expected {fmt(best['ratio'], 3)}, vigil at "
                 f"{fmt(best['vigil_cpu'])}% of its core (verify {int(best['verify'])}).")
    else:
        L.append("- vigil: no row passed.")
    verified = sorted((r for r in vrows if r["n"] > 1 and r["verify"] and r["pass"]),
                      key=lambda r: r["n"])
    lin = fit(verified)
    if lin:
        a, b = lin
        L.append(f"- Linear fit of vigil's CPU over its passing rows: {fmt(a, 2)}% + "
                 f"{fmt(b * 100, 2)}% per 100 viewers ({fmt(b * 10, 3)} ms of CPU a second "
                 "per viewer).")
    if len(verified) >= 2:
        p, q = verified[-2], verified[-1]
        slope = (q["vigil_cpu"] - p["vigil_cpu"]) / (q["n"] - p["n"])
        if slope > 0 and q["vigil_cpu"] < 100:
            at = q["n"] + (100 - q["vigil_cpu"]) / slope
            L.append(f"- **Extrapolated** (not measured) with the marginal cost between "
                     f"{p['n']} and {q['n']} viewers ({fmt(slope * 100, 1)}% per 100): 100% of "
                     f"one core at about {int(at)} viewers.")
    sat = sides["vigil"].get("saturated_at")
    if sat:
        L.append(f"- At {sat} viewers vigil's core was saturated (CPU ≥ 97% or not every "
                 f"viewer connected); larger counts were not run "
                 f"({sides['vigil'].get('skipped') or 'none left'}).")
    if "janus" in sides:
        jb = best_row(sides["janus"]["rows"])
        L.append(f"- Janus, measured: {jb['n'] if jb else 'no'} viewers passing on one core"
                 + (f" ({fmt(jb['vigil_cpu'])}% of its core)." if jb else "."))
        jsat = sides["janus"].get("saturated_at")
        if jsat:
            L.append(f"- Janus's core saturated at {jsat} viewers.")
    target = bool(best and best["n"] >= 200)
    L.append(f"- Target ≥ 200 viewers at ≤ 100% of one core with no loss: "
             f"**{'MET' if target else 'NOT MET'}**.")
    L.append(f"- Reference from the issue (not run here; MediaMTX is not in Debian): "
             f"{MEDIAMTX_REFERENCE}.")
    L.append("")
    if any(r["client_bound"] for side in sides.values() for r in side["rows"]):
        L.append("The client reached its core's limit in the rows marked (bound): there the "
                 "client, not the server, may cap delivery; the same count with verify 0 "
                 "(count only, no SRTP decryption) is given beside it.")
        L.append("")
    if perf:
        L.append(f"## Where vigil's time goes ({perf['n']} viewers, perf record -g, "
                 f"{perf['seconds']} s)")
        L.append("")
        L.append("Self time by DSO and symbol (`perf record -g -F 2999`; hex addresses are in "
                 "libraries without symbols, the NSS ones by the DSO table):")
        L.append("")
        L.append("```")
        L.append(perf["symbols"] or perf.get("error", ""))
        L.append("```")
        L.append("")
        L.append("By DSO:")
        L.append("")
        L.append("```")
        L.append(perf["dsos"])
        L.append("```")
        L.append("")
        L.append("Inclusive time (children) by symbol, ≥ 3%, from 3 s of `perf record "
                 "--call-graph dwarf` (user-space call chains; frame pointers are missing in "
                 "the release build):")
        L.append("")
        L.append("```")
        L.append(perf["children"])
        L.append("```")
        L.append("")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", default="50,100,200,300,400,500,600,700,800",
                    help="viewer counts, comma-separated; a sweep stops after the first count "
                         "that saturates the server's core")
    ap.add_argument("--seconds", type=float, default=20, help="measured window per row")
    ap.add_argument("--ramp-ms", type=int, default=20, help="a new viewer every this many ms")
    ap.add_argument("--verify", choices=("auto", "1", "0"), default="auto",
                    help="1: decrypt every packet; 0: count only; auto: 1, and 0 as well "
                         "when the client is CPU-bound")
    ap.add_argument("--client-limit", type=float, default=85.0,
                    help="client CPU %% from which a row counts as client-bound")
    ap.add_argument("--vigil-cpu", type=int, default=1, help="the server's CPU")
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--profile-count", type=int, default=200,
                    help="perf record vigil during this row's window (0: never)")
    ap.add_argument("--profile-seconds", type=int, default=10)
    ap.add_argument("--peer", choices=("janus", "none"), default="janus",
                    help="run Janus side by side (skipped when it is not installed)")
    ap.add_argument("--audio", default="none", help="camsim audio for the camera (none, opus, "
                    "pcmu, pcma)")
    ap.add_argument("--bin-dir", required=True, help="where vigil and whep_load are")
    ap.add_argument("--build", default="?", help="the build's description, for the report")
    ap.add_argument("--out", help="the Markdown report (default: print only)")
    ap.add_argument("--cmdline", default=" ".join(sys.argv))
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    counts = [int(x) for x in args.counts.split(",") if x.strip()]
    args.whep_load = Path(args.bin_dir) / "whep_load"
    binary = Path(args.bin_dir) / "vigil"

    work = Path(tempfile.mkdtemp(prefix="bench-webrtc."))
    args.work = str(work)
    sim = vigil = janus = None
    sides = {}
    try:
        camera = "cam1" if args.audio == "none" else f"cam1:audio={args.audio}"
        sim = CameraSimulator(cameras=[camera], cache_dir=default_cache_dir()).start()
        subprocess.run(["taskset", "-a", "-p", "-c", str(args.client_cpu), str(sim.pid)],
                       capture_output=True, check=True)
        for tid in os.listdir(f"/proc/{sim.pid}/task"):
            subprocess.run(["renice", "-n", NICE[2], "-p", tid], capture_output=True)
        vigil = Vigil(str(binary), work / "vigil", args.vigil_cpu)
        vigil.add_camera(sim.url("cam1"), "webrtc-bench")
        time.sleep(2)
        digest = subprocess.run(["sha256sum", str(binary)], capture_output=True, text=True)
        info = {"binary": str(binary), "build": args.build, "camera": camera,
                "binary_time": datetime.datetime.fromtimestamp(
                    binary.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "binary_sha256": digest.stdout.split()[0] if digest.stdout else "?",
                "udp_address": vigil.udp_address}
        info["ingest_cpu"] = measure([vigil.pid], 10)["cpu_pct"]
        print(f"vigil pid {vigil.pid} {vigil.base} udp {vigil.udp_address}; ingest alone "
              f"{info['ingest_cpu']:.2f}% of a core", flush=True)
        rows, ref, sat, skipped, perf = sweep(args, vigil, "vigil", counts, args.profile_count)
        sides["vigil"] = {"rows": rows, "ref": ref, "saturated_at": sat, "skipped": skipped}
        vigil.close()
        vigil = None

        if args.peer == "janus" and shutil.which("janus"):
            janus = Janus(work / "janus", args.vigil_cpu, args.client_cpu, sim.url("cam1"))
            rows, ref, sat, skipped, _ = sweep(args, janus, "janus", counts, 0)
            sides["janus"] = {"rows": rows, "ref": ref, "saturated_at": sat, "skipped": skipped,
                              "version": janus.version}
        elif args.peer == "janus":
            print("janus is not installed (apt-get install janus): the peer is not run",
                  flush=True)
        text = report(args, info, sides, perf, args.cmdline)
        emit(text, args.out)
        (work / "sides.json").write_text(json.dumps(sides, indent=2))
    finally:
        for side in (janus, vigil):
            if side:
                side.close()
        if sim:
            sim.close()
        stop_all()
    print(f"work directory: {work}")


if __name__ == "__main__":
    main()
