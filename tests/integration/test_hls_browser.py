"""vigil's live HLS played by Chromium with hls.js (issue 4): LL-HLS and
plain HLS for 20 s each, an on-demand camera woken by the player, and
playback that resumes by itself after the camera restarts. Screenshots and the measured glass-to-player latency
(wall clock minus the EXT-X-PROGRAM-DATE-TIME of the frame on screen) are
kept in build/test-artifacts/hls/: figures to report, not to assert."""
import json
import sys
import threading
import time
from pathlib import Path

import pytest

from browser import browser_unavailable, play_hls
from conftest import ServerFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "hls"
ENV = {"VIGIL_READTIMEOUT": "2s"}


@pytest.fixture(scope="module", autouse=True)
def need_browser():
    why = browser_unavailable()
    if why:
        pytest.fail(f"the browser harness cannot run: {why}")  # make test installs it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["b1", "b2", "b3", "b4"], cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("hlsbrowser"))
    try:
        yield factory("hlsb", env=ENV)
    finally:
        factory.teardown()


def running_camera(vigil, sim, name):
    return vigil.start_camera(name, sim.url(name))[0]


def keep(name, result):
    """The run's figures beside its screenshot, for the latency report."""
    figures = {k: v for k, v in result.items() if k != "samples"}
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
    print(name, "latency_ms", result["latency_ms"], "stalls", result["stalls"])


def assert_played(r, seconds):
    assert r["ok"], r
    assert r["advanced_seconds"] >= seconds - 5, r["advanced_seconds"]  # currentTime advances
    assert r["stalls"] == 0, r["stall_events"]
    # A wait in the player's own seek is not a stall, but playback must resume after it.
    assert all(e["duration_s"] is not None for e in r["seek_wait_events"]), r["seek_wait_events"]
    assert not [e for e in r["errors"] if e["fatal"]], r["errors"]
    assert (r["width"], r["height"]) == (1280, 720)
    assert r["luma_stddev"] > 20, r["luma_stddev"]  # a test pattern, not a black screen


@pytest.mark.parametrize("low_latency", [True, False], ids=["ll-hls", "plain-hls"])
def test_chromium_plays_the_camera_for_20_seconds(vigil, sim, low_latency):
    cam = running_camera(vigil, sim, "b1" if low_latency else "b2")
    name = "ll-hls" if low_latency else "plain-hls"
    r = play_hls(vigil.url(f"/hls/{cam['path']}/index.m3u8"), 20, low_latency=low_latency,
                 screenshot=ARTIFACTS / f"{name}.png")
    keep(name, r)
    assert_played(r, 20)
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000


def test_chromium_wakes_an_on_demand_camera_and_plays_from_its_first_segment(vigil, sim):
    # The player's first request starts the camera, so its first playlist has
    # the camera's first segment and one part of the next: hls.js starts inside
    # that segment and must go on into the parts after it without a stall. A
    # smoke test of the start: the rounding it once tripped on is pinned by
    # tests/unit/hls/test_playlist.c (the stall came in 1 start of 8-16).
    cam, st = vigil.start_camera("b4", sim.url("b4"), start={"on_demand": True})
    assert vigil.get(f"/api/streams/{st['id']}").json()["status"] == "STANDBY"
    r = play_hls(vigil.url(f"/hls/{cam['path']}/index.m3u8"), 15,
                 screenshot=ARTIFACTS / "on-demand.png")
    keep("on-demand", r)
    assert_played(r, 15)


def test_playback_resumes_by_itself_after_the_camera_restarts(vigil, sim):
    cam = running_camera(vigil, sim, "b3")
    result = {}

    def play():
        result["r"] = play_hls(vigil.url(f"/hls/{cam['path']}/index.m3u8"), 26,
                               screenshot=ARTIFACTS / "restart.png")
    t = threading.Thread(target=play, daemon=True)
    t.start()
    time.sleep(7)
    sim.stop_camera("b3")
    time.sleep(3)
    sim.start_camera("b3")
    t.join(timeout=90)
    r = result["r"]
    keep("restart", r)
    assert r["ok"], r
    # Seconds from the player's start: the camera came back at about 10 s.
    late = [s for s in r["samples"] if s["t"] >= r["samples"][0]["t"] + 19]
    assert len(late) >= 4
    assert late[-1]["current_time"] - late[0]["current_time"] >= 2.5  # playing again
    assert not late[-1]["paused"]
    assert r["luma_stddev"] > 20
