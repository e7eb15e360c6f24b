"""camsim's clock camera (clock=1): a live-encoded picture whose frames carry the
wall-clock time they were produced at, as a time code in the picture (see
tests/tools/README.md). Judged by ffmpeg: the codes decode and are close to
now. A check that the camera works, not a latency assertion on vigil.

Everything runs on 127.0.0.1; the simulator is stopped by its pid when the
module ends, pass or fail; every wait is bounded.
"""
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import camsim  # noqa: E402
from camsim import CameraSimulator, read_timecodes  # noqa: E402

USER, PASSWORD = "admin", "s3cret"


def _live_encoder_available():
    """True when Debian's python3 has GstRtspServer and x264enc (plugins-ugly)."""
    try:
        proc = subprocess.run(
            [camsim.DEFAULT_PYTHON, "-c",
             "import gi; gi.require_version('Gst', '1.0'); "
             "gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
             "import sys; sys.exit(0 if Gst.ElementFactory.find('x264enc') else 1)"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(
    not _live_encoder_available(),
    reason=f"{camsim.DEFAULT_PYTHON} cannot load GstRtspServer 1.0 and x264enc "
           "(apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly)")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    s = CameraSimulator(cameras=["clk:clock=1", "small:clock=1,size=640x360,fps=25",
                                 f"locked:clock=1,user={USER},password={PASSWORD}"],
                        cache_dir=tmp_path_factory.getbasetemp() / "camsim-cache")
    try:
        yield s.start()
    finally:
        s.close()


def decoded(frames):
    return [f for f in frames if f["capture_ms"] is not None]


def assert_current(frames, fps):
    """Most frames decode, every code is within 2 s of the moment ffmpeg gave the
    frame, and the codes move forward at about the camera's frame rate."""
    good = decoded(frames)
    assert len(good) >= 0.9 * len(frames), frames
    for f in good:
        assert abs(f["latency_ms"]) < 2000, f
    captures = [f["capture_ms"] for f in good]
    assert captures == sorted(captures) and len(set(captures)) == len(captures), captures
    steps = sorted(b - a for a, b in zip(captures, captures[1:]))
    assert 0.5 * 1000 / fps < steps[len(steps) // 2] < 1.5 * 1000 / fps, steps


def test_time_codes_decode_and_are_current(sim):
    frames = read_timecodes(sim.url("clk"), 1280, 720, frames=30, timeout=12)
    assert len(frames) == 30
    assert_current(frames, 30)
    stats = sim.stats("clk")
    assert stats["clock"] is True and stats["fps"] == 30
    assert stats["video_aus_pushed"] >= 30


def test_other_size_and_rate(sim):
    frames = read_timecodes(sim.url("small"), 640, 360, frames=20, timeout=12)
    assert_current(frames, 25)


def test_the_code_survives_scaling(sim):
    # ffmpeg scales the 1280x720 picture to 800x450: the blocks are a fraction of the width
    frames = read_timecodes(sim.url("clk"), 800, 450, frames=10, timeout=12)
    assert len(decoded(frames)) >= 9, frames


def test_credentials_are_required(sim):
    frames = read_timecodes(sim.url("locked", auth=True), 1280, 720, frames=10, timeout=12)
    assert_current(frames, 30)
    with pytest.raises(RuntimeError, match="401"):
        read_timecodes(sim.url("locked"), 1280, 720, frames=1, timeout=8, low_delay=False)


def test_nobody_reading_costs_no_pipeline(sim):
    # After the readers above left, the shared media is gone: no frame is made.
    sim.wait_for(lambda: sim.stats("clk")["medias"] == 0, timeout=5)
    before = sim.stats("clk")["video_aus_pushed"]
    time.sleep(0.3)
    assert sim.stats("clk")["video_aus_pushed"] == before
    assert sim.stats("clk")["streaming"] is False


def test_encode_decode_round_trip():
    # Pure Python: a picture with the code painted as the camera paints it.
    for width, height in ((1280, 720), (640, 360), (1920, 1080), (854, 480)):
        ms = int(time.time() * 1000)
        xs, ys = camsim.timecode_edges(width)
        img = bytearray([128]) * (width * height)
        for k, bit in enumerate(camsim.timecode_bits(ms)):
            r, c = divmod(k, camsim.TIMECODE_COLS)
            for y in range(ys[r], ys[r + 1]):
                img[y * width + xs[c]:y * width + xs[c + 1]] = \
                    bytes([camsim.TIMECODE_Y[bit]]) * (xs[c + 1] - xs[c])
        assert camsim.decode_timecode(bytes(img), width, height) == ms, (width, height)
        # one block inverted: the CRC (or the start pattern) rejects it
        r, c = divmod(40, camsim.TIMECODE_COLS)
        for y in range(ys[r], ys[r + 1]):
            for x in range(xs[c], xs[c + 1]):
                img[y * width + x] = 251 - img[y * width + x]
        assert camsim.decode_timecode(bytes(img), width, height) is None
    assert camsim.decode_timecode(bytes(1280 * 720), 1280, 720) is None   # black picture


def test_clock_specs():
    cam = camsim.normalize_camera("c:clock=1,user=u,password=p,size=640x360")
    assert cam["clock"] is True and cam["fps"] == 30
    assert camsim.normalize_camera(camsim.format_camera(cam)) == cam
    assert camsim.normalize_camera("c")["clock"] is False
    assert camsim.clips_for(cam) == []       # encoded live: no clip to make
    assert camsim.clips_for(camsim.normalize_camera("c:clock=1,audio=aac")) == \
        [("h264", "aac", camsim.DEFAULT_SIZE)]
    for bad in ("c:fps=25", "c:clock=1,fps=0", "c:clock=2", "c:clock=1,size=160x120"):
        with pytest.raises(ValueError):
            camsim.normalize_camera(bad)
