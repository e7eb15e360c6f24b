"""What the benchmarks share: starting and stopping processes by pid, vigil's HTTP
API, starting vigil and waiting for it, CPU windows, a /health sampler, perf, and
the pieces of the reports (the machine, MET / NOT MET, perf sections).
Imported the way bench/procstat.py is: the script puts bench/ on sys.path."""
import http.client
import json
import os
import platform
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from procstat import cpu_ticks, memory_kib

TICK = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------------------
# processes: every one started here is registered and stopped by its pid
# ---------------------------------------------------------------------------

STARTED = []


def spawn(cmd, **kw):
    """subprocess.Popen(cmd), stdin from /dev/null unless given, registered for stop_all()."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(cmd, **kw)
    STARTED.append(p)
    return p


def forget(p):
    """Drops p, which has ended, from the processes stop_all() stops."""
    if p in STARTED:
        STARTED.remove(p)


def stop(procs, timeout=10, sig=signal.SIGTERM):
    """Sends `sig` to each of procs still running, waits `timeout` s for them all, then
    SIGKILLs whichever is left."""
    procs = [p for p in procs if p is not None]
    for p in procs:
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=5)
        forget(p)


def stop_all(timeout=10):
    """Stops every process spawn() started and that is not stopped yet, newest first."""
    stop(list(reversed(STARTED)), timeout)


def on_signal(signum, frame):
    """For signal.signal(): SIGTERM / SIGHUP unwind through the scripts' finally blocks."""
    raise SystemExit(f"signal {signum}")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def api(base, method, path, body=None, timeout=30):
    """JSON over HTTP: `body` (if any) sent as JSON, the answer parsed (null when empty)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------

def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Window:
    """CPU (% of one core) and memory (KiB) of `pids` between start() and stop(), and the
    machine's load average at the end (other people's work on the machine shows there;
    /proc/stat's tick-sampled counters miss short bursts, so they are not used)."""

    def __init__(self, pids):
        self.pids = list(pids)

    def start(self):
        self.t0 = sum(cpu_ticks(p) for p in self.pids)
        self.m0 = time.monotonic()
        return self

    def stop(self):
        t1 = sum(cpu_ticks(p) for p in self.pids)
        elapsed = time.monotonic() - self.m0
        mem = [memory_kib(p) for p in self.pids]
        return {"cpu_pct": (t1 - self.t0) / TICK / elapsed * 100, "seconds": elapsed,
                "rss_kib": sum(m[0] for m in mem), "pss_kib": sum(m[1] for m in mem),
                "processes": len(self.pids),
                "loadavg": loadavg()}


def measure(pids, seconds):
    """Window(pids) over `seconds` from now."""
    w = Window(pids).start()
    time.sleep(seconds)
    return w.stop()


def rank_pct(lat, p):
    """The p-th percentile (0-100) of the sorted, non-empty `lat`: the nearest rank."""
    return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]


class HealthSampler(threading.Thread):
    """GET /health on one keep-alive connection to 127.0.0.1:port every `interval` s, for at
    most `seconds` s or until `halt` is set. `samples`: (wall time, ms) a request; an
    answer other than 200 or an exception counts in `failures` (and is a sample too; after
    an exception the connection is opened again).
    grid: the k-th request is due k intervals after the start (late ones catch up); else an
    interval after the previous one began.
    wait_listen: the connection is opened before the request, every ms until something
    listens, and none of that counts (a vigil that is starting on a port chosen before)."""

    def __init__(self, port, interval, seconds, grid=True, wait_listen=False, timeout=5):
        super().__init__(daemon=True)
        self.port, self.interval, self.seconds = port, interval, seconds
        self.grid, self.wait_listen, self.timeout = grid, wait_listen, timeout
        self.samples, self.failures, self.first_failure = [], 0, None
        self.halt = threading.Event()
        self.connected_at = None

    @property
    def lat_ms(self):
        return [ms for _, ms in self.samples]

    def run(self):
        conn = None
        start = time.monotonic()
        k = 0
        while not self.halt.is_set() and time.monotonic() - start < self.seconds:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if self.wait_listen:
                    try:
                        conn.connect()
                    except OSError:
                        conn = None
                        self.halt.wait(0.001)  # not listening yet
                        continue
                    if self.connected_at is None:
                        self.connected_at = time.time()
            t_wall = time.time()
            t_next = time.monotonic() + self.interval
            t0 = time.perf_counter()
            try:
                conn.request("GET", "/health")
                r = conn.getresponse()
                body = r.read()
                self.samples.append((t_wall, (time.perf_counter() - t0) * 1000))
                if r.status != 200:
                    self.failures += 1
                    self.first_failure = self.first_failure or f"{r.status} {body[:100]!r}"
            except Exception as e:
                self.samples.append((t_wall, (time.perf_counter() - t0) * 1000))
                self.failures += 1
                self.first_failure = self.first_failure or f"{type(e).__name__}: {e}"
                conn.close()
                conn = None
            k += 1
            due = start + k * self.interval if self.grid else t_next
            self.halt.wait(max(0.0, due - time.monotonic()))
        if conn is not None:
            conn.close()

    def summary(self):
        lat = sorted(self.lat_ms)
        if not lat:
            return {"samples": 0, "failures": self.failures}
        return {"samples": len(lat), "failures": self.failures, "p50_ms": rank_pct(lat, 50),
                "p99_ms": rank_pct(lat, 99), "max_ms": lat[-1],
                "over_50ms": sum(x > 50 for x in lat), "first_failure": self.first_failure}


# ---------------------------------------------------------------------------
# vigil
# ---------------------------------------------------------------------------

class Vigil:
    """`vigil serve` on 127.0.0.1 (`port`; 0: any, read from the log), data and vigil.log
    in `workdir`, started with spawn(). env: added to this process's environment; extra:
    more arguments of `serve`; prefix: commands that exec vigil (nice, taskset: the pid is
    vigil's); wrap: a command that runs vigil as its child (perf record; the pid is the
    child's). wait: until the log says `listening` (listen_timeout s, the log read every
    `poll` s). stop_timeout: how long close() waits after SIGTERM."""

    def __init__(self, binary, workdir, env=None, port=0, extra=(), prefix=(), wrap=None,
                 wait=True, listen_timeout=15, poll=0.05, stop_timeout=10):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data = self.workdir / "data"
        self.log_path = self.workdir / "vigil.log"
        self.log = open(self.log_path, "w")
        self.listen_timeout, self.poll, self.stop_timeout = listen_timeout, poll, stop_timeout
        e = dict(os.environ)
        e.update(env or {})
        cmd = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", str(self.data),
               *extra]
        self.wrapper = None
        self.t_spawn = time.time()
        if wrap:
            # perf record -- vigil ...: vigil is perf's child
            self.wrapper = spawn(wrap + ["--"] + cmd, stdout=self.log, stderr=self.log, env=e)
            self.proc = None
            self.pid = None
            for _ in range(400):
                kids = children(self.wrapper.pid)
                if kids:
                    self.pid = kids[0]
                    break
                if self.wrapper.poll() is not None:
                    break
                time.sleep(0.005)
            if self.pid is None:
                raise RuntimeError(f"vigil did not start under perf; see {self.log_path}")
        else:
            self.proc = spawn([*prefix, *cmd], stdout=self.log, stderr=self.log, env=e)
            self.pid = self.proc.pid
        self.port = port or None
        self.base = f"http://127.0.0.1:{port}" if port else None
        if wait:
            try:
                self.wait_listening()
            except BaseException:
                self.close()
                raise

    def alive(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return os.path.exists(f"/proc/{self.pid}")

    def wait_listening(self):
        deadline = time.monotonic() + self.listen_timeout
        while True:
            m = re.search(r"listening addr=127\.0\.0\.1:(\d+)", self.log_path.read_text())
            if m:
                self.port = int(m.group(1))
                break
            if not self.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"vigil did not start; see {self.log_path}")
            time.sleep(self.poll)
        self.base = f"http://127.0.0.1:{self.port}"

    def create_camera(self, url, name):
        """POST /api/cameras: the new camera."""
        return api(self.base, "POST", "/api/cameras", {"name": name, "stream_url": url})

    def start_stream(self, camera_id):
        """POST /api/streams/start: the stream's id."""
        return api(self.base, "POST", "/api/streams/start", {"camera_id": camera_id})["id"]

    def wait_running(self, stream_ids, timeout=60, ready=None):
        """Until each stream is RUNNING (and `ready(GET /api/streams/ID)`), all within
        `timeout` s; their last GET /api/streams/ID."""
        deadline = time.monotonic() + timeout
        infos = []
        for sid in stream_ids:
            while True:
                info = api(self.base, "GET", f"/api/streams/{sid}")
                if info["status"] == "RUNNING" and (ready is None or ready(info)):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"stream {sid} not RUNNING; see {self.log_path}")
                time.sleep(0.1)
            infos.append(info)
        return infos

    def add_camera(self, url, name, timeout=60, ready=None):
        """A new camera whose stream is RUNNING: (camera, stream id, GET /api/streams/ID)."""
        cam = self.create_camera(url, name)
        sid = self.start_stream(cam["id"])
        (info,) = self.wait_running([sid], timeout, ready)
        return cam, sid, info

    def add_cameras(self, urls, timeout=60):
        """Cameras `bench 1`..`bench N`, each stream started as its camera is made, then all
        RUNNING within `timeout` s: the cameras."""
        cams, streams = [], []
        for i, url in enumerate(urls):
            cam = self.create_camera(url, f"bench {i + 1}")
            streams.append(self.start_stream(cam["id"]))
            cams.append(cam)
        self.wait_running(streams, timeout)
        return cams

    def close(self):
        if self.proc is not None:
            stop([self.proc], self.stop_timeout)
        else:
            if self.pid and os.path.exists(f"/proc/{self.pid}"):
                try:
                    os.kill(self.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            if self.wrapper is not None:
                try:
                    self.wrapper.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    pass
                stop([self.wrapper], self.stop_timeout)
        self.log.close()


# ---------------------------------------------------------------------------
# perf
# ---------------------------------------------------------------------------

def perf_record_cmd(data, freq=999, call_graph=True):
    """`perf record` writing `data`, `freq` Hz; call_graph: DWARF call graphs (the release
    build has debug information but no frame pointers). Add `-p PID` or `-- CMD`."""
    return ["perf", "record", "-F", str(freq),
            *(["--call-graph", "dwarf,16384"] if call_graph else []), "-o", str(data)]


def perf_record(data, pid, seconds, freq=999, call_graph=True):
    """perf_record_cmd() on pid for `seconds`; the finished subprocess.run()."""
    return subprocess.run(perf_record_cmd(data, freq, call_graph) +
                          ["-p", str(pid), "--", "sleep", str(seconds)],
                          capture_output=True, text=True, timeout=seconds + 120)


def perf_report(data, opts, limit, timeout=600, drop_unresolved=True):
    """`perf report --stdio --percent-limit limit` of `data` with `opts`: the `# Samples:`
    lines and the rows (lines with a %); drop_unresolved: without the frames that have no
    symbol (`] 0x...`)."""
    r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--percent-limit",
                        str(limit)] + opts, capture_output=True, text=True, timeout=timeout)
    return "\n".join(ln.rstrip() for ln in r.stdout.splitlines()
                     if ln.startswith("# Samples:") or
                     (ln.strip() and not ln.startswith("#") and "%" in ln and
                      not (drop_unresolved and re.search(r"\] 0x[0-9a-f]+\s", ln))))


def perf_summary(data, out, by_symbol="dso,symbol", timeout=600):
    """Three reports of `data`: self time by DSO, self time by `by_symbol`, and time by
    symbol with its callees included ("children"); also written to out.txt."""
    def report(opts, limit):
        return perf_report(data, ["-g", "none"] + opts, limit, timeout)

    by_dso = report(["--no-children", "--sort", "dso"], 0.5)
    by_sym = report(["--no-children", "--sort", by_symbol], 0.8)
    incl = report(["--children", "--sort", "symbol"], 4)
    Path(str(out) + ".txt").write_text(by_dso + "\n\n" + by_sym + "\n\n" + incl + "\n")
    return by_dso, by_sym, incl


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

def yes(b, word="MET"):
    """`word` when b, else `**NOT word**`."""
    return word if b else f"**NOT {word}**"


def fmt(x, digits=1):
    return "–" if x is None else f"{x:.{digits}f}"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def tool_version(cmd, default="?"):
    """The first line `cmd` prints (stdout, then stderr), or `default`."""
    try:
        t = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (t.stdout + t.stderr).strip().splitlines()[0]
    except Exception:
        return default


def machine(more=(), note=""):
    """`N cores (note + CPU model), M GiB RAM, Linux release`, then `; ` and each of more."""
    mem = "?"
    try:
        mem = f"{int(open('/proc/meminfo').readline().split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "; ".join([f"{os.cpu_count()} cores ({note}{cpu_model()}), {mem} RAM, "
                      f"Linux {platform.release()}", *more])


def profiles_md(parts, how):
    """The report's `## Profiles` section: for each (title, part's results) that has a
    "profile" (perf_summary()'s three texts), a `### Where vigil's time goes: title`
    with them; `how` says how they were taken. [] when no part has one."""
    lines = []
    for title, part in parts:
        if part and part.get("profile"):
            by_dso, by_sym, incl = part["profile"]
            lines += [f"### Where vigil's time goes: {title}", "", how, "",
                      "```", by_dso, "```", "", "```", by_sym, "```", "", "```", incl, "```",
                      ""]
    return ["## Profiles", ""] + lines if lines else []


def emit(text, out):
    """Prints the report and writes it to `out` (if given)."""
    print(text)
    if out:
        Path(out).write_text(text)
