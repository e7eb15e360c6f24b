"""Permanent clips (issue 7): a clip keeps the segments of its time through
retention, answers with what it covers, and once deleted gives them back to
retention. Recorded from the GStreamer simulator with 1 s segments; retention
is run by restarting vigil with its clock 8 days ahead (testClockOffset)."""
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ServerFactory, assert_error
from hls_util import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ENV = {"VIGIL_READTIMEOUT": "2s", "VIGIL_RECORDSEGMENTDURATION": "1s",
       "VIGIL_RECORDPARTDURATION": "1s"}
LATER = {"VIGIL_TESTCLOCKOFFSET": "8d", "VIGIL_RECORDDELETEAFTER": "7d"}
CLIP_KEYS = {"id", "camera_id", "name", "start", "end", "duration_ms", "segments", "bytes",
             "created_at"}


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["k1"], cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    f = ServerFactory(tmp_path_factory.mktemp("clips"))
    try:
        yield f
    finally:
        f.teardown()


def sql(vigil, statement):
    out = subprocess.run(["sqlite3", str(vigil.data_dir / "vigil.db"), statement],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def rfc3339(ms):
    t = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def files_of(vigil, cam):
    root = vigil.data_dir / "recordings"
    return sorted(str(p.relative_to(root)) for p in (root / str(cam["id"])).glob("*/*.mp4"))


def restart_and_wait_for_retention(vigil):
    assert vigil.stop() == 0
    offset = len(vigil.log)
    vigil.extra_env.update(LATER)
    vigil.start()
    wait_for(lambda: "retention: deleted" in vigil.log[offset:], 15, "retention")


def test_a_clip_keeps_its_segments_until_it_is_deleted(factory, sim):
    vigil = factory("keep", env=ENV)
    cam, _ = vigil.start_camera("yard", sim.url("k1"))
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start").status_code == 200
    wait_for(lambda: vigil.get(f"/api/cameras/{cam['id']}/recordings").json()["segments"] >= 4,
             30, "4 segments")
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "stopped")
    rows = [r.split("|") for r in sql(
        vigil, f"SELECT start_ms, end_ms, bytes, path FROM recordings "
               f"WHERE camera_id = {cam['id']} ORDER BY start_ms").splitlines()]
    assert len(rows) >= 4
    start, end, size, keep = int(rows[1][0]), int(rows[1][1]), int(rows[1][2]), rows[1][3]

    # A clip inside the second segment keeps that one only.
    body = {"start": rfc3339(start + 100), "end": rfc3339(end - 100), "name": "the fox"}
    r = vigil.post(f"/api/cameras/{cam['id']}/clips", json=body)
    assert r.status_code == 201, r.text
    clip = r.json()
    assert set(clip) == CLIP_KEYS
    assert r.headers["Location"] == f"/api/clips/{clip['id']}"
    assert (clip["camera_id"], clip["name"], clip["start"], clip["end"]) == \
        (cam["id"], "the fox", body["start"], body["end"])
    assert clip["duration_ms"] == end - start - 200
    assert (clip["segments"], clip["bytes"]) == (1, size)
    assert clip["created_at"].endswith("Z")
    assert sql(vigil, "SELECT path FROM recordings WHERE permanent = 1") == keep
    assert "made_permanent=1" in vigil.log

    r = vigil.patch(f"/api/clips/{clip['id']}", json={"name": "the fox, again"})
    assert r.status_code == 200, r.text
    assert r.json() == {**clip, "name": "the fox, again"}
    clip = vigil.get(f"/api/clips/{clip['id']}").json()
    assert clip["name"] == "the fox, again"
    # A second clip over no recording, longest name allowed: listed after the first.
    r = vigil.post(f"/api/cameras/{cam['id']}/clips",
                   json={"start": "2099-01-01T00:00:00+01:00", "end": "2099-01-01T00:00:01Z",
                         "name": "é" * 200})
    assert r.status_code == 201, r.text
    empty = r.json()
    assert empty["start"] == "2098-12-31T23:00:00.000Z" and empty["segments"] == 0
    listed = vigil.get(f"/api/cameras/{cam['id']}/clips").json()["clips"]
    assert [c["id"] for c in listed] == [clip["id"], empty["id"]]
    assert listed[0] == clip
    assert vigil.delete(f"/api/clips/{empty['id']}").status_code == 204
    assert_error(vigil.get(f"/api/clips/{empty['id']}"), 404, "not_found")

    # Eight days later retention takes everything but the clip's segment.
    restart_and_wait_for_retention(vigil)
    assert sql(vigil, "SELECT path FROM recordings") == keep
    assert files_of(vigil, cam) == [keep]
    assert vigil.get(f"/api/clips/{clip['id']}").json()["segments"] == 1

    # Without its clip the segment goes at the next run.
    assert vigil.delete(f"/api/clips/{clip['id']}").status_code == 204
    assert sql(vigil, "SELECT permanent FROM recordings") == "0"
    assert vigil.get(f"/api/cameras/{cam['id']}/clips").json() == {"clips": []}
    assert_error(vigil.delete(f"/api/clips/{clip['id']}"), 404, "not_found")
    restart_and_wait_for_retention(vigil)
    assert sql(vigil, "SELECT count(*) FROM recordings") == "0"
    assert files_of(vigil, cam) == []


def test_clip_requests_are_checked(factory):
    vigil = factory("checks", env=ENV)
    cam = vigil.create_camera(name="x", stream_url="rtsp://127.0.0.1:9/x")
    url = f"/api/cameras/{cam['id']}/clips"
    good = {"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T10:05:00Z", "name": "n"}
    bad = [
        ({}, "is required"),
        ({k: v for k, v in good.items() if k != "start"}, "start is required"),
        ({k: v for k, v in good.items() if k != "end"}, "end is required"),
        ({k: v for k, v in good.items() if k != "name"}, "name is required"),
        ({**good, "start": "yesterday"}, "start must be an RFC 3339 time"),
        ({**good, "end": 1763719500000}, "end must be an RFC 3339 time"),
        ({**good, "end": good["start"]}, "start must be before end"),
        ({**good, "start": "2026-11-21T10:05:00.001Z"}, "start must be before end"),
        ({**good, "name": ""}, "name must not be empty"),
        ({**good, "name": "   "}, "name must not be empty"),
        ({**good, "name": "x" * 201}, "at most 200 characters"),
        ({**good, "name": "a\nb"}, "control characters"),
        ({**good, "name": 7}, "name must be a string"),
        ({**good, "name": None}, "name must be a string"),
        ({**good, "permanent": True}, "unknown field 'permanent'"),
    ]
    for body, message in bad:
        assert_error(vigil.post(url, json=body), 400, "invalid_request", message)
    assert_error(vigil.post(url, data="[]", headers={"Content-Type": "application/json"}), 400)
    assert_error(vigil.post("/api/cameras/99999/clips", json=good), 404, "not_found",
                 "camera 99999")
    assert_error(vigil.get("/api/cameras/99999/clips"), 404, "not_found")
    assert_error(vigil.post("/api/cameras/x/clips", json=good), 400)
    for method in ("get", "delete"):
        assert_error(getattr(vigil, method)("/api/clips/99999"), 404, "not_found", "clip 99999")
        assert_error(getattr(vigil, method)("/api/clips/0"), 400)
    assert_error(vigil.patch("/api/clips/99999", json={"name": "y"}), 404, "not_found")

    clip = vigil.post(url, json=good).json()
    for body, message in (({"name": ""}, "must not be empty"), ({}, "name is required"),
                          ({"name": "y", "start": good["start"]}, "unknown field 'start'")):
        assert_error(vigil.patch(f"/api/clips/{clip['id']}", json=body), 400, "invalid_request",
                     message)
    assert vigil.get(f"/api/clips/{clip['id']}").json()["name"] == "n"

    # A deleted camera's clips are still there: they keep its recordings.
    assert vigil.delete(f"/api/cameras/{cam['id']}").status_code == 204
    assert [c["id"] for c in vigil.get(url).json()["clips"]] == [clip["id"]]
    assert vigil.delete(f"/api/clips/{clip['id']}").status_code == 204
    assert_error(vigil.get(url), 404, "not_found")
