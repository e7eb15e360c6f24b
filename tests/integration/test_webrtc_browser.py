"""WebRTC playback in Debian's Chromium over WHEP (issue 5), inside the tests'
private network namespace: the simulated camera plays for 20 s with
framesDecoded rising at the camera's resolution and no loss; several pages
at once; DELETE ends a session; a browser that vanishes is reaped by the
consent timeout. Screenshots and figures are kept in
build/test-artifacts/webrtc/ (the latency figure is a report, not an
assertion: bench/results/webrtc-*.md)."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser import WHEP_SCRIPT, browser_unavailable, play_whep
from conftest import REPO_ROOT, ServerFactory
from hls_util import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ARTIFACTS = REPO_ROOT / "build" / "test-artifacts" / "webrtc"
ENV = {"VIGIL_READTIMEOUT": "3s"}


@pytest.fixture(scope="module", autouse=True)
def need_browser():
    why = browser_unavailable()
    if why:
        pytest.fail(f"the browser harness cannot run: {why}")  # make test installs it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["r1:audio=opus", "r2:clock=1"],
                         cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("webrtcbrowser"))
    try:
        yield factory("rtc", env=ENV)
    finally:
        factory.teardown()


_cams = {}


def running_camera(vigil, sim, name):
    if name not in _cams:
        _cams[name] = vigil.start_camera(name, sim.url(name))[0]
    return _cams[name]


def session_count(vigil):
    return vigil.get("/api/webrtc/sessions").json()["session_count"]


def keep(name, result):
    figures = {**result, "results": [{k: v for k, v in p.items() if k != "samples"}
                                     for p in result["results"]]}
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2))


def assert_played(page, seconds, size=(1280, 720)):
    assert page["status"] == 201, page
    assert page["connected"], page["timeline"]
    decoded = [s.get("frames_decoded") or 0 for s in page["samples"]]
    # framesDecoded keeps rising: every second of the second half adds frames.
    half = decoded[len(decoded) // 2:]
    assert all(b > a for a, b in zip(half[::2], half[2::2])), decoded
    assert page["frames_decoded"] >= 20 * (seconds - 3), page["frames_decoded"]
    assert (page["width"], page["height"]) == size
    assert page["packets_lost"] == 0
    assert page["luma_stddev"] > 20  # a picture, not a black screen


def test_chromium_plays_the_camera_over_whep_for_20_seconds(vigil, sim):
    cam = running_camera(vigil, sim, "r1")
    url = vigil.url(f"/whep/cam_{cam['id']}")
    r = play_whep(url, 20, screenshot=ARTIFACTS / "play.png")
    keep("play", r)
    page = r["results"][0]
    assert_played(page, 20)
    assert page["codecs"]["video"]["mime_type"] == "video/H264"
    assert page["codecs"]["audio"]["mime_type"] == "audio/opus"
    assert page["audio_packets_received"] > 100  # Opus, 20 ms packets
    assert page["delete_status"] == 204
    assert (ARTIFACTS / "play.png").stat().st_size > 1000
    wait_for(lambda: session_count(vigil) == 0, 5, "no session after DELETE")
    assert vigil.wait_for_log("closed: ended by the viewer (DELETE)")


def test_three_browser_pages_play_at_once(vigil, sim):
    cam = running_camera(vigil, sim, "r2")  # live-encoded, 30 fps
    url = vigil.url(f"/whep/cam_{cam['id']}")
    r = play_whep(url, 12, pages=3, clock=True)
    keep("three-pages", r)
    assert r["summary"]["connected"] == 3
    for page in r["results"]:
        assert_played(page, 12)
        assert page["clock"]["count"] > 100  # the time code read back in each page
    wait_for(lambda: session_count(vigil) == 0, 5, "no session after the DELETEs")


def test_a_browser_that_vanishes_is_reaped_by_the_consent_timeout(vigil, sim):
    cam = running_camera(vigil, sim, "r1")
    url = vigil.url(f"/whep/cam_{cam['id']}")
    proc = subprocess.Popen(["node", str(WHEP_SCRIPT), "--url", url, "--seconds", "60",
                             "--delete", "0"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=str(REPO_ROOT), start_new_session=True)
    chromium = profile = None
    try:
        deadline = time.monotonic() + 30
        while chromium is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            m = re.search(r"chromium pid (\d+) user-data-dir (\S+)", line or "")
            if m:
                chromium, profile = int(m.group(1)), m.group(2)
            elif not line and proc.poll() is not None:
                break
        assert chromium, "the harness did not start Chromium"
        wait_for(lambda: any(s["state"] == "connected" and s["packets_sent"] > 0
                             for s in vigil.get("/api/webrtc/sessions").json()["sessions"]),
                 20, "a connected session")
        # The browser is gone at once: no DELETE, no RTCP BYE, no DTLS close.
        os.killpg(chromium, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
        gone = time.monotonic()
        wait_for(lambda: session_count(vigil) == 0, 45, "the consent timeout to end the session")
        assert time.monotonic() - gone >= 25  # consent (30 s), not something sooner
        assert vigil.wait_for_log("closed: consent expired")
    finally:
        for pid in (chromium, proc.pid):
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        proc.wait(10)
        if profile and Path(profile).name.startswith("whep_play-"):
            shutil.rmtree(profile, ignore_errors=True)
