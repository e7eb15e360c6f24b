"""vigil's own RTSP client (src/source/rtsp.c) against GStreamer's RTSP server
(tests/tools/camsim.py): each authentication scheme alone, keep-alives, requests
the camera sends mid-stream, stray bytes, a dropped connection and a lost session.

Where a test needs the camera to misbehave, a small proxy (RtspProxy below) sits
between vigil and camsim: it forwards every byte, records vigil's requests, and
can change or add to what the camera says. The media is always camsim's.

Like the whole suite, this runs in a network namespace with only loopback."""
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ServerFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

USER, PASSWORD = "viewer", "p@ss%w/rd"  # '@' '%' '/' must travel percent-encoded in the URL
URL_PASSWORD = "p%40ss%25w%2Frd"


class RtspProxy:
    """Forwards one port to camsim's, one upstream connection per client connection.

    camera -> vigil: split into interleaved frames ('$') and RTSP messages, so that
      `inject` can add bytes between two of them, `session_timeout` can rewrite the
      camera's "Session: ...;timeout=N", and `answer_keepalive_with` can make the
      camera answer GET_PARAMETER/OPTIONS after PLAY with another status.
    vigil -> camera: every request's method is recorded in `requests` with the
      time; vigil's answers to the camera's own requests go to `answers`."""

    def __init__(self, upstream_port, session_timeout=None):
        self.upstream_port = upstream_port
        self.session_timeout = session_timeout
        self.answer_keepalive_with = None
        self.requests = []  # (monotonic time, method)
        self.answers = []  # vigil's answers to requests the camera sent
        self._inject = []
        self._lock = threading.Lock()
        self._socks = []
        self._stopped = False
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def url(self, path):
        return f"rtsp://127.0.0.1:{self.port}/{path}"

    def inject(self, data):
        with self._lock:
            self._inject.append(data)

    def methods(self, since=0.0):
        with self._lock:
            return [m for t, m in self.requests if t >= since]

    def drop_connections(self):
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self._stopped = True
        self.drop_connections()
        self.listener.close()
        for t in self._threads:
            t.join(timeout=3)

    def _accept(self):
        for _ in range(1000):  # bounded: a test makes a handful of connections
            if self._stopped:
                return
            try:
                client, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            upstream.settimeout(None)
            with self._lock:
                self._socks += [client, upstream]
            for target in (self._from_camera, self._from_vigil):
                t = threading.Thread(target=target, args=(upstream, client), daemon=True)
                t.start()
                self._threads.append(t)

    def _send(self, sock, data):
        try:
            sock.sendall(data)
        except OSError:
            pass

    def _from_vigil(self, upstream, client):
        buf = b""
        while not self._stopped:
            try:
                data = client.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:  # vigil sends no bodies and no interleaved data
                head, buf = buf.split(b"\r\n\r\n", 1)
                text = head.decode("latin-1")
                if text.startswith("RTSP/1.0"):
                    with self._lock:
                        self.answers.append(text)
                    continue  # an answer to a request we injected: not for the camera
                method = text.split(" ", 1)[0]
                with self._lock:
                    self.requests.append((time.monotonic(), method))
                    played = "PLAY" in [m for _, m in self.requests]
                status = self.answer_keepalive_with
                if status and played and method in ("GET_PARAMETER", "OPTIONS"):
                    cseq = re.search(r"(?im)^CSeq:\s*(\d+)", text).group(1)
                    self.inject(f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n\r\n".encode())
                    continue
                self._send(upstream, head + b"\r\n\r\n")

    def _from_camera(self, upstream, client):
        buf = b""
        while not self._stopped:
            try:
                data = upstream.recv(65536)
            except OSError:
                return
            if not data:
                client.close()
                return
            buf += data
            while buf:
                if buf[:1] == b"$":
                    if len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[2:4], "big"):
                        break
                    n = 4 + int.from_bytes(buf[2:4], "big")
                    unit, buf = buf[:n], buf[n:]
                else:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = buf[:end + 4].decode("latin-1")
                    m = re.search(r"(?im)^Content-Length:\s*(\d+)", head)
                    n = end + 4 + (int(m.group(1)) if m else 0)
                    if len(buf) < n:
                        break
                    unit, buf = buf[:n], buf[n:]
                    if self.session_timeout:
                        # GStreamer leaves out ";timeout=60", the default: add ours either way.
                        unit = re.sub(rb"(?im)^(Session:[^\r\n;]*)(;timeout=\d+)?",
                                      rb"\1;timeout=%d" % self.session_timeout, unit)
                with self._lock:
                    extra, self._inject = b"".join(self._inject), []
                self._send(client, extra + unit)


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("rtsp_client"))
    try:
        yield factory("rtsp", env={"VIGIL_READTIMEOUT": "3s", "VIGIL_CONNECTTIMEOUT": "5s"})
    finally:
        factory.teardown()


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["cam1", "cam2:codec=h265,audio=aac"],
                         cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture
def proxy(sim):
    p = RtspProxy(sim.port)
    try:
        yield p
    finally:
        p.close()


def start(vigil, name, url):
    """A new camera and its stream, started but not awaited (it may be meant to fail)."""
    cam = vigil.create_camera(name=name, stream_url=url)
    return cam, vigil.start_stream(cam["id"])


def frames(vigil, stream_id):
    return vigil.get(f"/api/streams/{stream_id}").json()["stats"]["frames_in"]


def stop(vigil, stream_id):
    assert vigil.post(f"/api/streams/{stream_id}/stop").status_code in (200, 204)


@pytest.mark.parametrize("methods", ["digest", "basic"])
def test_each_authentication_scheme_alone(vigil, methods):
    """A camera that offers only Digest, or only Basic: the right password plays
    (with '@' '%' '/' in it), a wrong one is a precise error, and neither shows."""
    spec = f"locked:user={USER},password={PASSWORD}"
    with CameraSimulator(cameras=[spec], cache_dir=default_cache_dir(),
                         auth_methods=methods) as locked:
        base = locked.url("locked")
        good = base.replace("rtsp://", f"rtsp://{USER}:{URL_PASSWORD}@")
        cam, st = vigil.start_camera(f"{methods} ok", good)
        vigil.wait_running(st["id"])
        path = vigil.get(f"/api/paths/{cam['path']}").json()
        assert (path["tracks"][0]["codec"], path["tracks"][0]["width"]) == ("h264", 1280)
        stop(vigil, st["id"])

        bad = base.replace("rtsp://", f"rtsp://{USER}:nope-{methods}@")
        _, st = start(vigil, f"{methods} bad", bad)
        failed = vigil.wait_status(st["id"], "ERROR", 8.0)
        assert failed["last_error"] == ("cannot open the stream: authentication failed "
                                        "(check the user and password)"), failed
        stop(vigil, st["id"])
    for secret in (PASSWORD, URL_PASSWORD, f"nope-{methods}"):
        assert secret not in vigil.log


def test_h265_and_aac_tracks(vigil, sim):
    """The SDP's sprop-vps/sps/pps and the AAC config become the tracks at once."""
    cam, st = vigil.start_camera("hevc aac", sim.url("cam2"))
    vigil.wait_running(st["id"])
    tracks = vigil.get(f"/api/paths/{cam['path']}").json()["tracks"]
    kinds = {t["codec"]: t for t in tracks}
    assert (kinds["h265"]["width"], kinds["h265"]["height"]) == (1280, 720), tracks
    assert kinds["aac"]["sample_rate"] == 48000, tracks
    stop(vigil, st["id"])


def test_keepalive_every_half_session_timeout(vigil, sim, proxy):
    """The camera says its session times out after 6 s: vigil keeps it alive
    (GET_PARAMETER, which GStreamer lists in Public) at least every 3 s, and the
    camera answers them all."""
    proxy.session_timeout = 6
    _, st = vigil.start_camera("keepalive", proxy.url("cam1"))
    vigil.wait_running(st["id"])
    played = time.monotonic()
    time.sleep(10)
    after = proxy.methods(since=played)
    assert after.count("GET_PARAMETER") >= 3, after
    assert vigil.get(f"/api/streams/{st['id']}").json()["status"] == "RUNNING"
    stop(vigil, st["id"])
    deadline = time.monotonic() + 3
    while "TEARDOWN" not in proxy.methods() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "TEARDOWN" in proxy.methods()  # the camera frees the session at once


def test_camera_requests_and_stray_bytes_mid_stream(vigil, sim, proxy):
    """A camera may send its own requests (RFC 2326 allows OPTIONS, ANNOUNCE,
    SET_PARAMETER) and some send stray bytes between packets: vigil answers 501,
    skips the bytes, and the picture goes on."""
    _, st = vigil.start_camera("chatty", proxy.url("cam1"))
    vigil.wait_running(st["id"])
    before = frames(vigil, st["id"])
    proxy.inject(b"SET_PARAMETER rtsp://127.0.0.1/cam1 RTSP/1.0\r\nCSeq: 77\r\n"
                 b"Content-Type: text/parameters\r\nContent-Length: 9\r\n\r\nbarparam\n")
    proxy.inject(b"\x00\x17 junk \xff\xfe")
    deadline = time.monotonic() + 5
    while not proxy.answers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.answers and proxy.answers[0].startswith("RTSP/1.0 501"), proxy.answers
    assert re.search(r"(?im)^CSeq:\s*77$", proxy.answers[0]), proxy.answers
    time.sleep(2)
    body = vigil.get(f"/api/streams/{st['id']}").json()
    assert body["status"] == "RUNNING" and body["stats"]["frames_in"] >= before + 25, body
    stop(vigil, st["id"])


def test_dropped_connection_reconnects(vigil, sim, proxy):
    _, st = vigil.start_camera("dropped", proxy.url("cam1"))
    vigil.wait_running(st["id"])
    proxy.drop_connections()
    failed = vigil.wait_status(st["id"], "ERROR", 5.0)
    assert failed["last_error"] == "the camera closed the connection", failed
    back = vigil.wait_status(st["id"], "RUNNING", 10.0)
    assert back["stats"]["reconnects"] == 1, back
    stop(vigil, st["id"])


def test_lost_session_is_an_error(vigil, sim, proxy):
    """A camera that forgot the session answers the keep-alive with 454."""
    proxy.session_timeout = 4
    proxy.answer_keepalive_with = "454 Session Not Found"
    _, st = vigil.start_camera("forgotten", proxy.url("cam1"))
    vigil.wait_running(st["id"])
    failed = vigil.wait_status(st["id"], "ERROR", 6.0)
    assert failed["last_error"] == "the camera ended the session (454 Session Not Found)", failed
    stop(vigil, st["id"])


def test_missing_path_is_404(vigil, sim):
    _, st = start(vigil, "missing", sim.url("cam1") + "-nope")
    failed = vigil.wait_status(st["id"], "ERROR", 8.0)
    assert failed["last_error"] == ("cannot open the stream: stream not found (404): "
                                    "check the path"), failed
    stop(vigil, st["id"])


@pytest.fixture
def b_frame_camera(tmp_path):
    """An RTSP server playing an x264 clip with B-frames (2 between references)."""
    clip = tmp_path / "bframes.mp4"
    made = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                           "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=30",
                           "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25",
                           "-keyint_min", "25", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                           str(clip)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    tool = Path(__file__).resolve().parents[1] / "tools" / "file_rtsp_server.py"
    proc = subprocess.Popen(["/usr/bin/python3", str(tool), "--file", str(clip)],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().split()
        assert line[:1] == ["READY"], line
        yield f"rtsp://127.0.0.1:{line[1]}/clip"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_b_frames_get_decode_times(vigil, b_frame_camera):
    """RTP carries presentation times only; with B-frames they go back and forth.
    What vigil serves must have decode times that grow, never pass the
    presentation time, and keep the reordering (ffprobe reads it as it is)."""
    cam, st = vigil.start_camera("b-frames", b_frame_camera)
    time.sleep(6)  # a few segments
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts,dts", "-read_intervals", "%+4", "-of", "json",
                          vigil.url(f"/hls/{cam['path']}/index.m3u8")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
    packets = json.loads(out.stdout)["packets"]
    assert len(packets) >= 50, len(packets)
    pts = [int(p["pts"]) for p in packets]
    dts = [int(p["dts"]) for p in packets]
    assert all(b > a for a, b in zip(dts, dts[1:])), dts
    assert all(p >= d for p, d in zip(pts, dts)), list(zip(pts, dts))
    assert any(b < a for a, b in zip(pts, pts[1:])), "no B-frame reordering left"
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i",
                              vigil.url(f"/hls/{cam['path']}/index.m3u8"), "-t", "2",
                              "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr
    stop(vigil, st["id"])


class Redirector:
    """Answers every RTSP request with 302 and a Location (RFC 2326 11.3)."""

    def __init__(self, location=None):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.location = location or f"rtsp://127.0.0.1:{self.port}/again"
        self.answered = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        for _ in range(1000):  # bounded
            if self._stopped:
                return
            try:
                conn, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(4096).decode("latin-1")
                except OSError:
                    continue
                m = re.search(r"(?im)^CSeq:\s*(\d+)", head)
                conn.sendall(f"RTSP/1.0 302 Moved Temporarily\r\nCSeq: {m.group(1) if m else 0}"
                             f"\r\nLocation: {self.location}\r\n\r\n".encode())
                self.answered += 1

    def close(self):
        self._stopped = True
        self.listener.close()
        self._thread.join(timeout=3)


def test_redirect_is_followed(vigil, sim):
    r = Redirector(sim.url("cam1"))
    try:
        cam, st = vigil.start_camera("moved", f"rtsp://127.0.0.1:{r.port}/old")
        assert r.answered == 1
        assert vigil.get(f"/api/paths/{cam['path']}").json()["tracks"][0]["width"] == 1280
        stop(vigil, st["id"])
    finally:
        r.close()


def test_redirect_loop_is_an_error(vigil):
    r = Redirector()  # points at itself
    try:
        _, st = start(vigil, "loop", f"rtsp://127.0.0.1:{r.port}/x")
        failed = vigil.wait_status(st["id"], "ERROR", 8.0)
        assert failed["last_error"] == "cannot open the stream: more than 3 redirects", failed
        stop(vigil, st["id"])
    finally:
        r.close()
