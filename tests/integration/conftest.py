"""Integration test harness: runs the real `vigil` binary on 127.0.0.1.

Every server a test starts is stopped by its pid when the test (or module)
ends, pass or fail: SIGTERM, up to 10 s, then SIGKILL. After it has exited
its log is searched for sanitizer reports (AddressSanitizer, UBSan's
"runtime error:", LeakSanitizer); one found fails the test.

Fixtures:
  server          a fresh server for one test (own data directory)
  module_server   one server shared by the tests of a module
  make_server     a factory for tests that need custom flags, env or config
  vigil_bin       the path of the binary (VIGIL_BIN, else build/asan/vigil)
  run_vigil       runs a short vigil command (CLI tests), bounded in time
"""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 10.0

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")
LISTEN_RE = re.compile(r"listening addr=127\.0\.0\.1:(\d+)")


def vigil_binary():
    path = os.environ.get("VIGIL_BIN") or "build/asan/vigil"
    p = Path(path)
    if not p.is_absolute():
        p = (REPO_ROOT / p) if (REPO_ROOT / p).exists() else (Path.cwd() / p)
    return str(p.resolve())


def base_env(extra=None):
    """The environment as given (ASAN_OPTIONS included), minus VIGIL_* settings
    that would leak the caller's configuration into a test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    if extra:
        env.update(extra)
    return env


def sanitizer_reports(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


class ServerStartError(Exception):
    pass


class VigilServer:
    """One `vigil serve` process; its stderr goes to a file in tmp dir."""

    def __init__(self, workdir, data_dir=None, listen="127.0.0.1:0", args=(), env=None,
                 config=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(data_dir) if data_dir else self.workdir / "data"
        self.listen = listen
        self.extra_args = list(args)
        # Any free UDP port for WebRTC: several servers may run at once in one namespace.
        self.extra_env = {"VIGIL_WEBRTCLOCALUDPADDRESS": "127.0.0.1:0", **dict(env or {})}
        self.config = config
        self.log_path = self.workdir / "vigil.log"
        self.proc = None
        self.port = None
        self.session = None
        self.starts = 0
        self.exit_codes = []

    # ---- process control ----

    def command(self):
        cmd = [vigil_binary(), "serve", "--data", str(self.data_dir)]
        if self.listen is not None:
            cmd += ["--listen", self.listen]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        return cmd + self.extra_args

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, cwd=str(self.workdir),
                                         env=base_env(self.extra_env))
        self.starts += 1
        try:
            self.port = self._wait_for_port(offset)
        except BaseException:
            self.kill()
            raise
        self.session = requests.Session()
        return self

    def _wait_for_port(self, offset):
        deadline = time.monotonic() + START_TIMEOUT_S
        for _ in range(int(START_TIMEOUT_S / 0.02) + 10):
            text = self._read_log()[offset:]
            m = LISTEN_RE.search(text)
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"vigil exited with {self.proc.returncode} before listening:\n{text}")
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        raise ServerStartError(f"vigil did not log its address in {START_TIMEOUT_S}s:\n"
                               f"{self._read_log()[offset:]}")

    def signal(self, signum):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def wait(self, timeout):
        """Waits at most `timeout` s; returns the exit code or None."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, wait up to `timeout` s, then SIGKILL. Returns the exit code."""
        if self.session is not None:
            self.session.close()
            self.session = None
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            if self.wait(timeout) is None:
                self.kill()
        rc = self.proc.returncode
        self.exit_codes.append(rc)
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.wait(STOP_TIMEOUT_S)

    def restart(self):
        rc = self.stop()
        assert rc == 0, f"vigil exited with {rc} on SIGTERM:\n{self.log}"
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- HTTP ----

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT_S)
        return self.session.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create_camera(self, name="cam", stream_url="rtsp://10.0.0.1:554/stream", **fields):
        body = {"name": name, "stream_url": stream_url, **fields}
        r = self.post("/api/cameras", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def start_stream(self, camera_id, **fields):
        r = self.post("/api/streams/start", json={"camera_id": camera_id, **fields})
        assert r.status_code == 201, r.text
        return r.json()

    def wait_status(self, stream_id, want, timeout):
        """Polls GET /api/streams/ID until its status is `want` (for at most
        `timeout` s); returns that body. Raises AssertionError with the last
        body when the status does not come."""
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            body = self.get(f"/api/streams/{stream_id}").json()
            if body["status"] == want:
                return body
            time.sleep(0.05)
        raise AssertionError(f"stream not {want} within {timeout}s: {body}")

    def wait_running(self, stream_id, timeout=15.0):
        """Waits until the stream is RUNNING (frames flow); fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.get(f"/api/streams/{stream_id}").json()["status"]
            if status == "RUNNING":
                return
            assert time.monotonic() < deadline, f"stream {stream_id} not RUNNING within " \
                                                f"{timeout}s (last {status})"
            time.sleep(0.05)

    def start_camera(self, name, stream_url, start=None, **fields):
        """A new camera (`fields` as in create_camera) with its stream started
        (`start`: start_stream's fields), RUNNING unless on demand. Returns
        (camera, stream)."""
        cam = self.create_camera(name=name, stream_url=stream_url, **fields)
        st = self.start_stream(cam["id"], **(start or {}))
        if not (start or {}).get("on_demand"):
            self.wait_running(st["id"])
        return cam, st

    # ---- the log ----

    def _read_log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def log(self):
        return self._read_log()

    def wait_for_log(self, needle, timeout=5.0):
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / 0.02) + 10):
            if needle in self.log:
                return True
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return needle in self.log

    def teardown(self):
        """Stops the process (always), then fails on a sanitizer report."""
        try:
            self.stop()
        finally:
            self.kill()
        reports = sanitizer_reports(self.log)
        assert not reports, "sanitizer report in the server log:\n" + "\n".join(
            reports) + "\n---- full log ----\n" + self.log[-20000:]


class ServerFactory:
    def __init__(self, root):
        self.root = Path(root)
        self.servers = []

    def __call__(self, name=None, start=True, **kw):
        name = name or f"srv{len(self.servers)}"
        srv = VigilServer(self.root / name, **kw)
        self.servers.append(srv)  # registered before start: torn down even if start fails
        if start:
            srv.start()
        return srv

    def teardown(self):
        errors = []
        for srv in self.servers:
            try:
                srv.teardown()
            except AssertionError as e:  # check all of them, report all
                errors.append(str(e))
        assert not errors, "\n\n".join(errors)


@pytest.fixture(scope="session")
def vigil_bin():
    path = vigil_binary()
    assert os.access(path, os.X_OK), f"vigil binary not found at {path} (set VIGIL_BIN)"
    return path


@pytest.fixture
def make_server(tmp_path, vigil_bin):
    factory = ServerFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.teardown()


@pytest.fixture
def server(make_server):
    return make_server("server")


@pytest.fixture(scope="module")
def module_server(tmp_path_factory, vigil_bin):
    factory = ServerFactory(tmp_path_factory.mktemp("module"))
    try:
        yield factory("shared")
    finally:
        factory.teardown()


@pytest.fixture
def run_vigil(vigil_bin, tmp_path):
    """Runs `vigil ARGS...` to completion (at most 30 s); fails on a sanitizer report."""

    def run(*args, env=None, timeout=30):
        proc = subprocess.run([vigil_bin, *map(str, args)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout,
                              cwd=str(tmp_path), env=base_env(env))
        reports = sanitizer_reports(proc.stderr)
        assert not reports, "sanitizer report:\n" + proc.stderr
        return proc

    return run


# ---- assertions shared by the test modules ----

def assert_error(resp, status, code=None, message_contains=None):
    """An error answer: the status, JSON, and {"error": {"code", "message"}}."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err, dict), body
    assert isinstance(err.get("code"), str) and err["code"], body
    assert isinstance(err.get("message"), str) and err["message"], body
    if code is not None:
        assert err["code"] == code, body
    if message_contains is not None:
        for needle in ([message_contains] if isinstance(message_contains, str)
                       else message_contains):
            assert needle in err["message"], body
    return err
