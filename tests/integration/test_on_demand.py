"""On-demand streams (sourceOnDemand): no connection to the camera until a
reader arrives, closed sourceOnDemandCloseAfter after the last one leaves.
Checked from the camera's side (the simulator counts its clients)."""
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ServerFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ENV = {"VIGIL_SOURCEONDEMANDCLOSEAFTER": "2s", "VIGIL_SOURCEONDEMANDSTARTTIMEOUT": "3s",
       "VIGIL_READTIMEOUT": "3s"}


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["od1", "od2", "od3"], cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("ondemand"))
    try:
        yield factory("od", args=("--debug-endpoints",), env=ENV)
    finally:
        factory.teardown()


def status(vigil, stream_id):
    return vigil.get(f"/api/streams/{stream_id}").json()["status"]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"not {what} within {timeout}s")


def start_on_demand(vigil, url, name):
    cam = vigil.create_camera(name=name, stream_url=url)
    r = vigil.post("/api/streams/start", json={"camera_id": cam["id"], "on_demand": True})
    assert r.status_code == 201, r.text
    st = r.json()
    assert st["on_demand"] is True and st["status"] == "STANDBY"
    return cam, st


def sample_in_background(vigil, path, seconds):
    """A reader for `seconds` (vigil's test reader); returns the thread and its result holder."""
    result = {}

    def run():
        r = vigil.get(f"/api/debug/paths/{path}/sample?seconds={seconds}&format=json",
                      timeout=seconds + 15)
        result["status"], result["body"] = r.status_code, r.json()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result


def test_no_connection_until_a_reader_then_closed_after_it_leaves(vigil, sim):
    cam, st = start_on_demand(vigil, sim.url("od1"), "od1")
    time.sleep(1.5)
    assert sim.sessions("od1") == 0 and sim.clients("od1") == 0  # nothing opened
    assert status(vigil, st["id"]) == "STANDBY"
    assert vigil.get(f"/api/paths/{cam['path']}").json()["source"]["status"] == "STANDBY"

    t, result = sample_in_background(vigil, cam["path"], 3)
    wait_for(lambda: status(vigil, st["id"]) == "RUNNING", 5, "RUNNING with a reader")
    assert sim.clients("od1") == 1
    t.join(timeout=20)
    assert result["status"] == 200, result
    assert result["body"]["first_is_key"] and result["body"]["video_frames"] > 20

    # The reader left: 2 s later (sourceOnDemandCloseAfter) the camera connection closes.
    assert status(vigil, st["id"]) == "RUNNING"  # not at once
    wait_for(lambda: status(vigil, st["id"]) == "STANDBY", 5, "STANDBY after the close delay")
    wait_for(lambda: sim.clients("od1") == 0, 5, "disconnected from the camera")

    # A second reader wakes it again, and it is not counted as a reconnect.
    t, result = sample_in_background(vigil, cam["path"], 2)
    wait_for(lambda: status(vigil, st["id"]) == "RUNNING", 5, "RUNNING again")
    t.join(timeout=20)
    assert vigil.get(f"/api/streams/{st['id']}").json()["stats"]["reconnects"] == 0
    assert vigil.post(f"/api/streams/{st['id']}/stop").status_code == 204


def test_reader_gets_a_clear_error_when_no_video_comes(vigil):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    cam, st = start_on_demand(vigil, f"rtsp://127.0.0.1:{port}/x", "dead")
    t0 = time.monotonic()
    r = vigil.get(f"/api/debug/paths/{cam['path']}/sample?seconds=8&format=json", timeout=20)
    waited = time.monotonic() - t0
    assert r.json()["ended"] == "no video from the camera within sourceOnDemandStartTimeout"
    assert 2.5 <= waited < 6  # the 3 s start timeout, not the 8 s sample
    wait_for(lambda: status(vigil, st["id"]) == "STANDBY", 6, "STANDBY once nobody waits")
    assert vigil.post(f"/api/streams/{st['id']}/stop").status_code == 204


def test_config_default_and_restart(make_server, sim):
    srv = make_server(args=("--debug-endpoints",), env={**ENV, "VIGIL_SOURCEONDEMAND": "yes"})
    cam = srv.create_camera(name="od2", stream_url=sim.url("od2"))
    st = srv.start_stream(cam["id"])  # no on_demand in the body: the config says yes
    assert st["on_demand"] is True and st["status"] == "STANDBY"
    always = srv.create_camera(name="od3", stream_url=sim.url("od3"))
    r = srv.post("/api/streams/start", json={"camera_id": always["id"], "on_demand": False})
    assert r.json()["on_demand"] is False
    wait_for(lambda: status(srv, r.json()["id"]) == "RUNNING", 5, "always-on RUNNING")
    srv.restart()
    assert status(srv, st["id"]) == "STANDBY"
    time.sleep(1.0)
    assert sim.clients("od2") == 0
    wait_for(lambda: status(srv, r.json()["id"]) == "RUNNING", 8, "always-on RUNNING again")


def test_on_demand_must_be_a_boolean(vigil):
    cam = vigil.create_camera(name="typed")
    r = vigil.post("/api/streams/start", json={"camera_id": cam["id"], "on_demand": "yes"})
    assert r.status_code == 400 and "on_demand" in r.json()["error"]["message"]


def test_default_close_after_is_10_seconds(make_server, sim):
    """The defaults (sourceOnDemandCloseAfter 10 s), seen from the camera's side."""
    srv = make_server(args=("--debug-endpoints",))
    cam = srv.create_camera(name="od3 default", stream_url=sim.url("od3"))
    r = srv.post("/api/streams/start", json={"camera_id": cam["id"], "on_demand": True})
    st = r.json()
    body = srv.get(f"/api/debug/paths/{cam['path']}/sample?seconds=3&format=json", timeout=20)
    assert body.status_code == 200 and body.json()["video_frames"] > 0
    left = time.monotonic()
    time.sleep(8)
    assert sim.clients("od3") == 1 and status(srv, st["id"]) == "RUNNING"  # not yet
    wait_for(lambda: sim.clients("od3") == 0, 6, "disconnected about 10 s after the reader")
    assert 9 <= time.monotonic() - left <= 14
    assert status(srv, st["id"]) == "STANDBY"
