"""The media core against a real RTSP camera (tests/tools/camsim.py): streams
go RUNNING on frames, fail with precise reasons, reconnect, and scale.

Like the whole suite, this runs in a network namespace with only loopback."""
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ServerFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir, ensure_clip  # noqa: E402

USER, PASSWORD = "admin", "s3cret-pw"


@pytest.fixture(scope="module")
def sim():
    cams = ["cam1", "cam2", f"locked:user={USER},password={PASSWORD}", "flaky",
            "hevc:codec=h265", "talk:audio=aac", "g711:audio=pcmu", "alaw:audio=pcma",
            "opus:audio=opus"]
    with CameraSimulator(cameras=cams, cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("media"))
    try:
        # A short read timeout keeps the failure tests quick.
        yield factory("media", args=("--debug-endpoints",),
                      env={"VIGIL_READTIMEOUT": "3s", "VIGIL_CONNECTTIMEOUT": "5s"})
    finally:
        factory.teardown()


def start(vigil, url, name="cam"):
    cam = vigil.create_camera(name=name, stream_url=url)
    return cam, vigil.start_stream(cam["id"])


def stop(vigil, st):
    assert vigil.post(f"/api/streams/{st['id']}/stop").status_code == 204


def test_running_within_3s_with_the_cameras_track(vigil, sim):
    cam, st = start(vigil, sim.url("cam1"))
    t0 = time.monotonic()
    vigil.wait_status(st["id"], "RUNNING", 3.0)
    assert time.monotonic() - t0 < 3.0

    path = vigil.get(f"/api/paths/{cam['path']}").json()
    assert path["source"]["status"] == "RUNNING"
    video = path["tracks"][0]
    assert (video["codec"], video["width"], video["height"]) == ("h264", 1280, 720)
    assert video["codec_string"].startswith("avc1.")

    time.sleep(2.5)  # a full stats window of frames
    stats = vigil.get(f"/api/streams/{st['id']}").json()["stats"]
    assert 22 <= stats["fps"] <= 28, stats
    assert 1000 <= stats["bitrate_kbps"] <= 6000, stats
    assert stats["last_frame_age_ms"] < 500
    assert stats["health_score"] >= 80
    assert stats["reconnects"] == 0
    listed = [p["name"] for p in vigil.get("/api/paths").json()["paths"]]
    assert cam["path"] in listed
    stop(vigil, st)
    assert vigil.get(f"/api/paths/{cam['path']}").status_code == 404
    assert vigil.get(f"/api/streams/{st['id']}").json()["stats"] is None


def test_camera_stops_then_comes_back_with_one_reconnect(vigil, sim):
    cam, st = start(vigil, sim.url("flaky"), name="flaky")
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    # A reader attached across the outage: it must see a discontinuity, not an end.
    seen = {}
    reader = threading.Thread(target=lambda: seen.update(r=vigil.get(
        f"/api/debug/paths/{cam['path']}/sample?seconds=14&format=json", timeout=40)))
    reader.start()
    time.sleep(1.0)
    sim.stop_camera("flaky")
    failed = vigil.wait_status(st["id"], "ERROR", 3.0 + 2.0)  # within the read timeout
    assert failed["last_error"]
    sim.start_camera("flaky")
    back = vigil.wait_status(st["id"], "RUNNING", 15.0)
    assert back["last_error"] is None
    assert back["stats"]["reconnects"] == 1
    reader.join(timeout=40)
    counts = seen["r"].json()
    assert counts["ended"] == "sampled", counts  # still attached when the sample ended
    assert counts["discontinuities"] >= 1 and counts["track_sets"] >= 2, counts
    assert counts["dts_monotonic"], counts
    stop(vigil, st)


def test_wrong_password_is_a_precise_error(vigil, sim):
    url = sim.url("locked").replace("rtsp://", f"rtsp://{USER}:wrong-pw@")
    _, st = start(vigil, url, name="locked")
    failed = vigil.wait_status(st["id"], "ERROR", 8.0)
    assert "authentication failed" in failed["last_error"], failed
    assert "wrong-pw" not in vigil.log and "wrong-pw" not in str(failed)
    stop(vigil, st)


def test_right_password_runs_and_stays_secret(vigil, sim):
    url = sim.url("locked").replace("rtsp://", f"rtsp://{USER}:{PASSWORD}@")
    cam, st = start(vigil, url, name="locked ok")
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    assert PASSWORD not in vigil.get(f"/api/paths/{cam['path']}").text
    assert PASSWORD not in vigil.log
    stop(vigil, st)


def test_unreachable_port_is_a_precise_error(vigil):
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, st = start(vigil, f"rtsp://127.0.0.1:{port}/x", name="nobody")
    failed = vigil.wait_status(st["id"], "ERROR", 5.0)
    assert failed["last_error"] == f"camera not reachable: 127.0.0.1:{port}: Connection refused"
    stop(vigil, st)


def test_port_that_does_not_speak_rtsp_is_a_precise_error(vigil):
    # vigil's own HTTP port answers, but not in RTSP.
    _, st = start(vigil, f"rtsp://127.0.0.1:{vigil.port}/x", name="http")
    failed = vigil.wait_status(st["id"], "ERROR", 8.0)
    assert failed["last_error"].startswith("cannot open the stream:"), failed
    assert "not reachable" not in failed["last_error"]
    stop(vigil, st)


def test_stopping_a_stream_closes_the_camera_connection(vigil, sim):
    _, st = start(vigil, sim.url("cam2"), name="cam2")
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    assert sim.clients("cam2") >= 1
    stop(vigil, st)
    deadline = time.monotonic() + 5
    while sim.clients("cam2") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sim.clients("cam2") == 0


def test_twenty_cameras_at_once(make_server):
    srv = make_server(env={"VIGIL_READTIMEOUT": "5s"})
    with CameraSimulator(cameras=20, cache_dir=default_cache_dir()) as many:
        streams = [start(srv, many.url(f"cam{i + 1}"), name=f"cam {i + 1}")[1]
                   for i in range(20)]
        for st in streams:
            srv.wait_status(st["id"], "RUNNING", 15.0)
        time.sleep(2.2)
        for st in streams:
            stats = srv.get(f"/api/streams/{st['id']}").json()["stats"]
            assert stats["fps"] > 20, stats
        assert srv.get("/api/paths").json()["total"] == 20


def ffprobe_sample(vigil, path_name, suffix, tmp_path, seconds=2):
    """What an independent decoder sees in 2 s of a path's video (vigil's own reader)."""
    r = vigil.get(f"/api/debug/paths/{path_name}/sample?seconds={seconds}", timeout=seconds + 10)
    assert r.status_code == 200, r.text
    f = tmp_path / f"sample.{suffix}"
    f.write_bytes(r.content)
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                          "stream=codec_name,width,height,nb_read_frames", "-of", "json", str(f)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["streams"][0], out.stderr


@pytest.mark.parametrize("camera,suffix,codec", [("cam1", "h264", "h264"),
                                                 ("hevc", "h265", "hevc")])
def test_what_vigil_hands_readers_decodes_cleanly(vigil, sim, tmp_path, camera, suffix, codec):
    cam, st = start(vigil, sim.url(camera), name=camera)
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    counts = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=2&format=json",
                       timeout=15).json()
    assert counts["first_is_key"] and counts["dts_monotonic"], counts
    assert counts["key_frames"] >= 2  # a key frame every second
    stream, errors = ffprobe_sample(vigil, cam["path"], suffix, tmp_path)
    assert stream["codec_name"] == codec
    assert (stream["width"], stream["height"]) == (1280, 720)
    assert int(stream["nb_read_frames"]) >= 45  # 2 s at 25 fps, plus the cached GOP
    assert errors == ""
    stop(vigil, st)


@pytest.mark.parametrize("camera,codec", [("talk", "aac"), ("g711", "pcmu"), ("alaw", "pcma"),
                                          ("opus", "opus")])
def test_audio_tracks_are_carried(vigil, sim, camera, codec):
    cam, st = start(vigil, sim.url(camera), name=camera)
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    tracks = vigil.get(f"/api/paths/{cam['path']}").json()["tracks"]
    kinds = {t["kind"]: t for t in tracks}
    assert kinds["video"]["codec"] == "h264"
    assert kinds["audio"]["codec"] == codec
    assert kinds["audio"]["sample_rate"] > 0
    counts = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=2&format=json",
                       timeout=15).json()
    assert counts["aus"] > counts["video_frames"]  # audio AUs flow too
    stop(vigil, st)


def test_debug_endpoints_exist_only_when_asked(server):
    assert server.get("/api/debug/paths/cam_1/sample").status_code == 404


def test_max_readers_refuses_one_reader_too_many(vigil, sim):
    cam = vigil.create_camera(name="limited", stream_url=sim.url("cam2"), max_readers=1)
    assert cam["max_readers"] == 1 and cam["rtsp_transport"] == "tcp"
    st = vigil.start_stream(cam["id"])
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    first = {}
    t = threading.Thread(target=lambda: first.update(
        r=vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=3&format=json", timeout=15)))
    t.start()
    deadline = time.monotonic() + 5
    while vigil.get(f"/api/paths/{cam['path']}").json()["readers"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=1&format=json", timeout=15)
    assert r.status_code == 429, r.text
    assert "maxReaders" in r.json()["error"]["message"]
    t.join(timeout=20)
    assert first["r"].status_code == 200
    stop(vigil, st)


def test_rtsp_over_udp_when_the_camera_asks_for_it(vigil, sim):
    cam = vigil.create_camera(name="udp", stream_url=sim.url("cam1"), rtsp_transport="udp")
    st = vigil.start_stream(cam["id"])
    vigil.wait_status(st["id"], "RUNNING", 5.0)
    counts = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=2&format=json",
                       timeout=15).json()
    assert counts["video_frames"] > 30 and counts["first_is_key"]
    stop(vigil, st)


@pytest.mark.parametrize("field,value", [("rtsp_transport", "quic"), ("rtsp_transport", 1),
                                         ("max_readers", -1), ("max_readers", "2"),
                                         ("max_readers", 100001)])
def test_bad_camera_options_are_refused(vigil, field, value):
    r = vigil.post("/api/cameras", json={"name": "x", "stream_url": "demo:", field: value})
    assert r.status_code == 400 and field in r.json()["error"]["message"], r.text


def test_camera_options_patch_and_null(vigil):
    cam = vigil.create_camera(name="opts", stream_url="demo:")
    assert cam["max_readers"] is None
    got = vigil.patch(f"/api/cameras/{cam['id']}", json={"max_readers": 0,
                                                         "rtsp_transport": "auto"}).json()
    assert (got["max_readers"], got["rtsp_transport"]) == (0, "auto")
    got = vigil.patch(f"/api/cameras/{cam['id']}", json={"max_readers": None}).json()
    assert got["max_readers"] is None


@pytest.fixture(scope="module")
def ts_clip_server(tmp_path_factory):
    """An HTTP server on 127.0.0.1 with an MPEG-TS clip: H.264 video, MP2 audio."""
    import functools
    import http.server
    root = tmp_path_factory.mktemp("http")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3",
                    "-c:v", "libx264", "-g", "25", "-bf", "0", "-c:a", "mp2",
                    str(root / "clip.ts")], check=True, timeout=120)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/clip.ts"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_unsupported_codec_is_listed_and_the_rest_runs(vigil, ts_clip_server):
    cam, st = start(vigil, ts_clip_server, name="http ts")
    deadline = time.monotonic() + 10
    tracks = []
    while time.monotonic() < deadline and len(tracks) < 2:
        r = vigil.get(f"/api/paths/{cam['path']}")
        tracks = r.json()["tracks"] if r.status_code == 200 else []
        time.sleep(0.05)
    kinds = {t["kind"]: t for t in tracks}
    assert kinds["video"]["codec"] == "h264"
    assert (kinds["audio"]["codec"], kinds["audio"]["codec_name"]) == ("unsupported", "mp2")
    assert "codec mp2 is not supported" in vigil.log
    # The video ran (a file ends, so the stream then fails and retries).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            vigil.get(f"/api/streams/{st['id']}").json()["stats"]["frames_in"] == 0:
        time.sleep(0.05)
    assert vigil.get(f"/api/streams/{st['id']}").json()["stats"]["frames_in"] > 0
    stop(vigil, st)


def test_stop_is_prompt_even_while_connecting(vigil):
    """A camera that accepts the connection but never answers RTSP: vigil waits for
    the answer to OPTIONS, and a stop must still close that connection at once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    conns = []

    def accept():
        listener.settimeout(10)
        try:
            while len(conns) < 2:  # vigil's client connects once (libavformat's path twice)
                c, _ = listener.accept()
                conns.append(c)
        except OSError:
            pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        cam, st = start(vigil, f"rtsp://127.0.0.1:{port}/never", name="silent")
        deadline = time.monotonic() + 5
        while not conns and time.monotonic() < deadline:
            time.sleep(0.02)
        assert conns, "vigil did not connect"
        rtsp = conns[-1]
        rtsp.settimeout(2.0)
        assert rtsp.recv(4096).startswith(b"OPTIONS ")  # it asked, and waits for an answer
        assert len(conns) == 1, "one connection per attempt"
        stopped_at = time.monotonic()
        stop(vigil, st)
        rtsp.settimeout(3.0)
        closed = rtsp.recv(4096) == b""
        waited = time.monotonic() - stopped_at
        assert closed and waited < 2.0, f"connection still open {waited:.2f}s after the stop"
    finally:
        for c in conns:
            c.close()
        listener.close()



@pytest.fixture
def rtmp_server(tmp_path):
    """nginx with the RTMP module on 127.0.0.1 (its own config, in the foreground), with
    ffmpeg publishing the simulator's clip into it: an RTMP camera, as a user would have."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log info;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}
""")
    nginx = subprocess.Popen(["nginx", "-e", str(tmp_path / "nginx-error.log"), "-p", str(tmp_path),
                              "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs = [nginx]
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)
        url = f"rtmp://127.0.0.1:{port}/live/cam"
        procs.append(subprocess.Popen(
            ["ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i",
             str(ensure_clip(default_cache_dir())), "-c", "copy", "-f", "flv", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)  # publishing has begun
        yield url
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_rtmp_camera(vigil, rtmp_server):
    cam, st = start(vigil, rtmp_server, name="rtmp")
    vigil.wait_status(st["id"], "RUNNING", 10.0)
    video = vigil.get(f"/api/paths/{cam['path']}").json()["tracks"][0]
    assert (video["codec"], video["width"], video["height"]) == ("h264", 1280, 720)
    counts = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=2&format=json",
                       timeout=15).json()
    assert counts["first_is_key"] and counts["video_frames"] > 30
    stop(vigil, st)


def test_rtsps_camera(vigil):
    """RTSP over TLS (a self-signed certificate, as most cameras have)."""
    with CameraSimulator(cameras=["secure"], cache_dir=default_cache_dir(), tls=True) as tls:
        url = tls.url("secure")
        assert url.startswith("rtsps://")
        cam, st = start(vigil, url, name="rtsps")
        vigil.wait_status(st["id"], "RUNNING", 8.0)
        video = vigil.get(f"/api/paths/{cam['path']}").json()["tracks"][0]
        assert (video["codec"], video["width"], video["height"]) == ("h264", 1280, 720)
        stop(vigil, st)


def test_connect_timeout_for_a_camera_that_never_answers(vigil):
    """connectTimeout (5 s here): a server that accepts TCP but never answers RTSP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # never accept()ed: the kernel completes the handshakes, nobody answers
    port = listener.getsockname()[1]
    try:
        cam, st = start(vigil, f"rtsp://127.0.0.1:{port}/silent", name="silent2")
        t0 = time.monotonic()
        failed = vigil.wait_status(st["id"], "ERROR", 12.0)
        assert 4.0 <= time.monotonic() - t0 < 9.0
        assert failed["last_error"] == ("cannot open the stream: timed out after 5000ms (the camera "
                                        "did not answer OPTIONS)"), failed
        stop(vigil, st)
    finally:
        listener.close()
