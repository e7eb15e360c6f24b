"""The camera simulator (tests/tools/camsim.py) itself, judged by ffprobe/ffmpeg.

Everything runs on 127.0.0.1. Every process started here is stopped by its pid
when its test ends, pass or fail; every wait is bounded.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import camsim  # noqa: E402
from camsim import CameraSimulator, CameraSimulatorError  # noqa: E402


def _rtsp_server_typelib():
    """True when Debian's python3 can load GstRtspServer (python3-gi and
    gir1.2-gst-rtsp-server-1.0), the simulator's only special need."""
    try:
        proc = subprocess.run(
            [camsim.DEFAULT_PYTHON, "-c",
             "import gi; gi.require_version('Gst', '1.0'); "
             "gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import GstRtspServer"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(
    not _rtsp_server_typelib(),
    reason=f"GStreamer's RTSP server typelib is missing: {camsim.DEFAULT_PYTHON} cannot "
           "import GstRtspServer 1.0 (apt-get install python3-gi gir1.2-gst-rtsp-server-1.0)")

PROBE_TIMEOUT_S = 20
USER, PASSWORD = "admin", "s3cret"

CAMERAS = [
    "cam1",
    "cam2",
    "hevc:codec=h265",
    "aac:audio=aac",
    "pcmu:audio=pcmu",
    "pcma:audio=pcma",
    "opus:audio=opus",
    f"locked:user={USER},password={PASSWORD}",
    "stopper",
    "counted",
    "frozen",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "camsim-cache"


@pytest.fixture(scope="module")
def sim(cache_dir):
    s = CameraSimulator(cameras=CAMERAS, cache_dir=cache_dir)
    try:
        yield s.start()
    finally:
        s.close()


def ffprobe(url, timeout=PROBE_TIMEOUT_S):
    """ffprobe over RTSP/TCP (or RTSPS: TLS, ffmpeg verifies no certificate by
    default); returns (returncode, streams, stderr)."""
    proc = subprocess.run(
        ["ffprobe", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
         "-timeout", "5000000", "-show_entries",
         "stream=codec_type,codec_name,width,height,r_frame_rate,avg_frame_rate,"
         "sample_rate,channels", "-of", "json", url],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    streams = []
    if proc.returncode == 0:
        streams = json.loads(proc.stdout or "{}").get("streams", [])
    return proc.returncode, streams, proc.stderr


def by_type(streams, kind):
    return [s for s in streams if s.get("codec_type") == kind]


def assert_720p25(stream, codec):
    assert stream["codec_name"] == codec, stream
    assert (stream["width"], stream["height"]) == (1280, 720), stream
    assert stream["r_frame_rate"] == "25/1", stream


def stop_pid(proc, timeout=5):
    """SIGTERM, bounded wait, SIGKILL: always by the process's pid."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)


@contextmanager
def reader(url, *extra):
    """An `ffmpeg -rtsp_transport tcp -i URL -c copy -f null -` reader; stopped by pid."""
    proc = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
         *extra, "-i", url, "-c", "copy", "-f", "null", "-"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield proc
    finally:
        stop_pid(proc)
        proc.stderr.close()


def wait_exit(proc, timeout):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# ---- what ffprobe sees ----

def test_h264_camera_is_720p25(sim):
    rc, streams, err = ffprobe(sim.url("cam1"))
    assert rc == 0, err
    assert len(streams) == 1 and not by_type(streams, "audio"), streams
    assert_720p25(streams[0], "h264")


def test_two_cameras_at_once(sim):
    cmd = ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-timeout", "5000000",
           "-show_entries", "stream=codec_name,width,height,r_frame_rate", "-of", "json"]
    procs = [subprocess.Popen(cmd + [sim.url(n)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in ("cam1", "cam2")]
    try:
        outs = [p.communicate(timeout=PROBE_TIMEOUT_S) for p in procs]
    finally:
        for p in procs:
            stop_pid(p)
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        (stream,) = json.loads(out)["streams"]
        assert_720p25(stream, "h264")


def test_h265_camera(sim):
    rc, streams, err = ffprobe(sim.url("hevc"))
    assert rc == 0, err
    (video,) = by_type(streams, "video")
    assert_720p25(video, "hevc")


def test_aac_audio_track(sim):
    rc, streams, err = ffprobe(sim.url("aac"))
    assert rc == 0, err
    (video,) = by_type(streams, "video")
    assert_720p25(video, "h264")
    (audio,) = by_type(streams, "audio")
    assert audio["codec_name"] == "aac" and audio["sample_rate"] == "48000", audio


def test_pcmu_audio_track(sim):
    rc, streams, err = ffprobe(sim.url("pcmu"))
    assert rc == 0, err
    (audio,) = by_type(streams, "audio")
    assert audio["codec_name"] == "pcm_mulaw" and audio["sample_rate"] == "8000", audio


def test_pcma_audio_track(sim):
    rc, streams, err = ffprobe(sim.url("pcma"))
    assert rc == 0, err
    (video,) = by_type(streams, "video")
    assert_720p25(video, "h264")
    (audio,) = by_type(streams, "audio")
    assert audio["codec_name"] == "pcm_alaw" and audio["sample_rate"] == "8000", audio
    assert audio["channels"] == 1, audio


def test_opus_audio_track(sim):
    rc, streams, err = ffprobe(sim.url("opus"))
    assert rc == 0, err
    (video,) = by_type(streams, "video")
    assert_720p25(video, "h264")
    (audio,) = by_type(streams, "audio")
    # RTP's opus/48000/2 (RFC 7587): ffmpeg reports 2 channels for the mono tone
    assert audio["codec_name"] == "opus" and audio["sample_rate"] == "48000", audio


def test_add_camera_with_generated_audio(sim):
    """A camera added at run time makes its PCMA/Opus track in the server too."""
    url = sim.add_camera("late:codec=h265,audio=opus")
    try:
        rc, streams, err = ffprobe(url)
        assert rc == 0, err
        assert by_type(streams, "video")[0]["codec_name"] == "hevc", streams
        assert by_type(streams, "audio")[0]["codec_name"] == "opus", streams
        assert sim.stats("late")["audio"] == "opus"
    finally:
        sim.remove_camera("late")


def test_new_audio_specs_round_trip():
    for audio in ("pcma", "opus"):
        cam = camsim.normalize_camera(f"x:audio={audio.upper()}")
        assert cam["audio"] == audio
        assert camsim.normalize_camera(camsim.format_camera(cam)) == cam
    with pytest.raises(ValueError, match="audio must be one of"):
        camsim.normalize_camera("x:audio=g722")


# ---- RTSPS (RTSP over TLS) ----

TLS_CAMERAS = ["cam1", "opus:audio=opus", "pcma:codec=h265,audio=pcma",
               f"locked:user={USER},password={PASSWORD}", "stopper"]


@pytest.fixture(scope="module")
def tls_sim(cache_dir):
    s = CameraSimulator(cameras=TLS_CAMERAS, cache_dir=cache_dir, tls=True)
    try:
        yield s.start()
    finally:
        s.close()


def test_rtsps_urls_and_ffprobe(tls_sim):
    assert all(u.startswith(f"rtsps://127.0.0.1:{tls_sim.port}/") for u in tls_sim.urls.values())
    rc, streams, err = ffprobe(tls_sim.url("cam1"))
    assert rc == 0, err
    assert len(streams) == 1, streams
    assert_720p25(streams[0], "h264")
    rc, streams, err = ffprobe(tls_sim.url("opus"))
    assert rc == 0, err
    assert by_type(streams, "audio")[0]["codec_name"] == "opus", streams
    rc, streams, err = ffprobe(tls_sim.url("pcma"))
    assert rc == 0, err
    assert_720p25(by_type(streams, "video")[0], "hevc")
    assert by_type(streams, "audio")[0]["codec_name"] == "pcm_alaw", streams


def test_rtsps_refuses_plain_rtsp(tls_sim):
    """Really TLS: a plain RTSP request on the RTSPS port gets no RTSP answer
    (the server waits for a TLS ClientHello; ffprobe's 5 s timeout ends it)."""
    plain = tls_sim.url("cam1").replace("rtsps://", "rtsp://", 1)
    before = tls_sim.connections()["total"], tls_sim.sessions("cam1")
    rc, _, err = ffprobe(plain)
    assert rc != 0, err
    total, sessions = tls_sim.connections()["total"], tls_sim.sessions("cam1")
    assert total == before[0] + 1 and sessions == before[1], (before, total, sessions)
    assert tls_sim.wait_for(lambda: tls_sim.connections()["open"] == 0, timeout=5)


def test_rtsps_authentication(tls_sim):
    assert tls_sim.url("locked", auth=True).startswith(f"rtsps://{USER}:{PASSWORD}@127.0.0.1:")
    rc, _, err = ffprobe(tls_sim.url("locked", user=USER, password="wrong"))
    assert rc != 0 and "401" in err, err
    rc, streams, err = ffprobe(tls_sim.url("locked", auth=True))
    assert rc == 0, err
    assert_720p25(by_type(streams, "video")[0], "h264")


def test_rtsps_certificate_is_self_signed_and_not_in_the_repo(tls_sim, cache_dir):
    """The served certificate is the generated one (openssl s_client verifies the
    handshake against it, for the IP 127.0.0.1); it lives in the cache directory."""
    cert = Path(tls_sim.tls_certificate)
    assert cert.parent == Path(cache_dir) and cert.is_file()
    assert Path(__file__).resolve().parents[2] not in cert.resolve().parents
    text = cert.read_text()
    assert "BEGIN CERTIFICATE" in text and "PRIVATE KEY" not in text
    proc = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{tls_sim.port}", "-CAfile", str(cert),
         "-verify_return_error", "-verify_ip", "127.0.0.1", "-brief"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "Verification: OK" in proc.stderr and "CN = camsim" in proc.stderr, proc.stderr


def test_rtsps_stop_ends_the_reader(tls_sim):
    url = tls_sim.url("stopper")
    with reader(url) as proc:
        assert tls_sim.wait_for(lambda: tls_sim.stats("stopper")["streaming"], timeout=10), \
            tls_sim.stats("stopper")
        time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read().decode()
        assert tls_sim.stop_camera("stopper") is True
        assert wait_exit(proc, timeout=10) is not None, "the reader still runs 10 s after stop"
    assert tls_sim.start_camera("stopper") is True
    rc, _, err = ffprobe(url)
    assert rc == 0, err


# ---- authentication ----

def test_wrong_password_is_401(sim):
    rc, _, err = ffprobe(sim.url("locked", user=USER, password="wrong"))
    assert rc != 0 and "401" in err, err
    rc, _, err = ffprobe(sim.url("locked"))           # no credentials at all
    assert rc != 0 and "401" in err, err
    rc, streams, err = ffprobe(sim.url("locked", auth=True))
    assert rc == 0, err
    assert_720p25(by_type(streams, "video")[0], "h264")
    assert sim.url("locked", auth=True) == sim.url("locked").replace(
        "rtsp://", f"rtsp://{USER}:{PASSWORD}@")


def test_basic_auth_only_and_close_by_pid(cache_dir):
    """A second simulator offering Basic only (the first offers Digest and Basic):
    ffmpeg authenticates with it too. close() leaves no process behind."""
    with CameraSimulator(cameras=[f"b:user={USER},password={PASSWORD}"], cache_dir=cache_dir,
                         auth_methods="basic") as other:
        pid = other.pid
        rc, _, err = ffprobe(other.url("b", user=USER, password="nope"))
        assert rc != 0 and "401" in err, err
        rc, streams, err = ffprobe(other.url("b", auth=True))
        assert rc == 0, err
        assert by_type(streams, "video")[0]["codec_name"] == "h264"
    assert not other.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# ---- stop, start, pause ----

def test_stop_ends_the_reader_and_start_brings_it_back(sim):
    url = sim.url("stopper")
    with reader(url) as proc:
        assert sim.wait_for(lambda: sim.stats("stopper")["streaming"], timeout=10), \
            sim.stats("stopper")
        time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read().decode()
        t0 = time.monotonic()
        assert sim.stop_camera("stopper") is True
        rc = wait_exit(proc, timeout=10)
        assert rc is not None, "the reader still runs 10 s after stop_camera"
        assert time.monotonic() - t0 < 10
    assert sim.wait_for(lambda: sim.clients("stopper") == 0, timeout=5)
    rc, _, err = ffprobe(url)
    assert rc != 0 and "404" in err, err              # the mount is gone
    assert sim.stop_camera("stopper") is False        # already stopped
    assert sim.start_camera("stopper") is True
    rc, streams, err = ffprobe(url)
    assert rc == 0, err
    assert_720p25(streams[0], "h264")


def test_pause_freezes_the_stream(sim):
    """pause_camera keeps the session but sends nothing: a reader with a socket
    timeout gives up; resume_camera makes the camera stream again."""
    with reader(sim.url("frozen"), "-timeout", "2000000") as proc:
        assert sim.wait_for(lambda: sim.stats("frozen")["streaming"], timeout=10)
        assert sim.pause_camera("frozen") is True
        time.sleep(0.2)    # a push in flight when the command arrived
        pushed = sim.stats("frozen")["video_aus_pushed"]
        # RTP stops at once; GStreamer's RTCP sender reports go on for a few
        # seconds, so ffmpeg's 2 s socket timeout fires after about 8 s
        rc = wait_exit(proc, timeout=20)
        assert rc is not None, "the reader did not time out on a paused camera"
        assert sim.stats("frozen")["video_aus_pushed"] == pushed
    sim.resume_camera("frozen")
    rc, streams, err = ffprobe(sim.url("frozen"))
    assert rc == 0, err


# ---- what the simulator observes ----

def test_clients_and_sessions_counts(sim):
    name = "counted"
    assert sim.clients(name) == 0
    assert sim.sessions(name) == 0
    assert sim.stats(name)["streaming"] is False
    rc, _, err = ffprobe(sim.url(name))
    assert rc == 0, err
    assert sim.sessions(name) == 1
    assert sim.wait_for(lambda: sim.clients(name) == 0, timeout=5), sim.stats(name)
    with reader(sim.url(name)):
        assert sim.wait_for(lambda: sim.clients(name) == 1, timeout=10), sim.stats(name)
        assert sim.wait_for(lambda: sim.stats(name)["sessions_active"] == 1, timeout=10)
        assert sim.sessions(name) == 2
        # another camera's traffic is not counted here
        rc, _, err = ffprobe(sim.url("cam1"))
        assert rc == 0, err
        assert sim.clients(name) == 1 and sim.sessions(name) == 2
    assert sim.wait_for(lambda: sim.clients(name) == 0, timeout=5), sim.stats(name)
    assert sim.wait_for(lambda: sim.stats(name)["sessions_active"] == 0, timeout=5)
    assert sim.stats(name)["streaming"] is False
    assert sim.sessions(name) == 2


def test_port_taken_fails_loudly(cache_dir):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        other = CameraSimulator(cameras=1, cache_dir=cache_dir, port=port, start_timeout=20)
        with pytest.raises(CameraSimulatorError, match="cannot listen|not listening"):
            other.start()
        assert not other.running


def test_bad_command_is_an_error(sim):
    with pytest.raises(CameraSimulatorError, match="no camera"):
        sim.stop_camera("nope")
    with pytest.raises(CameraSimulatorError, match="unknown command"):
        sim.command("frobnicate")
    assert sim.command("ping") == {"ok": True}
