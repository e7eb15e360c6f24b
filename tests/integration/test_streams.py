"""Seed 002: /api/streams start, stop, read, list."""
import re
import time
import uuid

import pytest

from conftest import assert_error

UUID4_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
STREAM_KEYS = {"id", "camera_id", "source_url", "path", "status", "on_demand", "started_at",
               "stopped_at", "stats", "last_error", "created_at", "updated_at", "hls_url",
               "webrtc_url"}


@pytest.fixture
def camera(module_server):
    return module_server.create_camera(name="streamer", stream_url="rtsp://10.7.0.1:554/main")


def test_start_stream(module_server, camera):
    r = module_server.post("/api/streams/start", json={"camera_id": camera["id"]})
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    st = r.json()
    assert set(st) == STREAM_KEYS, st
    assert UUID4_RE.fullmatch(st["id"]), st
    assert uuid.UUID(st["id"]).version == 4
    assert st["camera_id"] == camera["id"]
    assert st["source_url"] == camera["stream_url"]
    assert st["path"] == f"cam_{camera['id']}"
    assert st["status"] == "STARTING"
    assert TS_RE.fullmatch(st["started_at"])
    assert st["stopped_at"] is None
    assert st["last_error"] is None
    assert st["created_at"] == st["updated_at"] == st["started_at"]
    assert st["hls_url"] == f"/hls/cam_{camera['id']}/index.m3u8"
    assert st["webrtc_url"] == f"/whep/cam_{camera['id']}"

    got = module_server.get(f"/api/streams/{st['id']}")
    assert got.status_code == 200
    now = got.json()
    # By now the camera (unreachable in the tests' network namespace) may have failed.
    assert now["status"] in ("STARTING", "ERROR")
    changing = ("status", "last_error", "updated_at")
    assert {k: v for k, v in now.items() if k not in changing} == \
        {k: v for k, v in st.items() if k not in changing}
    assert now["updated_at"] >= st["updated_at"]


def test_unreachable_camera_is_error_with_reason_never_running(module_server, camera):
    """The suite runs in a network namespace with only loopback: 10.x is unreachable."""
    st = module_server.start_stream(camera["id"])
    deadline = time.monotonic() + 5.0
    seen = set()
    got = None
    for _ in range(250):
        got = module_server.get(f"/api/streams/{st['id']}").json()
        seen.add(got["status"])
        if got["status"] == "ERROR" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert got["status"] == "ERROR", got
    assert seen <= {"STARTING", "ERROR"}  # never RUNNING without frames
    assert got["last_error"] == "camera not reachable: 10.7.0.1:554: Network is unreachable"


def test_second_start_conflicts(module_server, camera):
    st = module_server.start_stream(camera["id"])
    r = module_server.post("/api/streams/start", json={"camera_id": camera["id"]})
    err = assert_error(r, 409, "conflict", st["id"])
    assert "STARTING" in err["message"] or "ERROR" in err["message"]
    # still one live stream
    listed = module_server.get(f"/api/streams?camera_id={camera['id']}").json()
    assert listed["total"] == 1


def test_start_unknown_camera_404(module_server):
    r = module_server.post("/api/streams/start", json={"camera_id": 99999999})
    assert_error(r, 404, "not_found", "99999999")


@pytest.mark.parametrize("body", [
    {}, {"camera_id": 0}, {"camera_id": -1}, {"camera_id": "1"}, {"camera_id": None},
    {"camera_id": 1.5}, {"camera_id": True}, {"camera_id": [1]},
])
def test_start_bad_camera_id_400(module_server, body):
    err = assert_error(module_server.post("/api/streams/start", json=body), 400,
                       "invalid_request")
    assert "camera_id" in err["message"]


def test_start_unknown_field_400(module_server, camera):
    r = module_server.post("/api/streams/start", json={"camera_id": camera["id"], "x": 1})
    assert_error(r, 400, "invalid_request", "'x'")


def test_explicit_source_url_is_used(module_server, camera):
    url = "rtmp://10.7.0.2/live/other"
    st = module_server.start_stream(camera["id"], source_url=url)
    assert st["source_url"] == url
    assert module_server.get(f"/api/streams/{st['id']}").json()["source_url"] == url
    # the camera itself is unchanged
    assert module_server.get(f"/api/cameras/{camera['id']}").json()["stream_url"] == \
        camera["stream_url"]


def test_null_source_url_uses_camera_url(module_server, camera):
    st = module_server.start_stream(camera["id"], source_url=None)
    assert st["source_url"] == camera["stream_url"]


@pytest.mark.parametrize("url", ["ftp://h/x", "rtsp:///x", "rtsp://h:99999/", "a b", "", 5])
def test_explicit_source_url_is_validated(module_server, camera, url):
    r = module_server.post("/api/streams/start",
                           json={"camera_id": camera["id"], "source_url": url})
    err = assert_error(r, 400, "invalid_request", "source_url")
    assert err
    # nothing was started
    assert module_server.get(f"/api/streams?camera_id={camera['id']}").json()["total"] == 0


def test_stop_then_get_shows_stopped(module_server, camera):
    st = module_server.start_stream(camera["id"])
    r = module_server.post(f"/api/streams/{st['id']}/stop")
    assert r.status_code == 204
    assert r.content == b""
    got = module_server.get(f"/api/streams/{st['id']}").json()
    assert got["status"] == "STOPPED"
    assert TS_RE.fullmatch(got["stopped_at"]), got
    assert got["stopped_at"] >= got["started_at"]
    assert got["started_at"] == st["started_at"]

    again = module_server.post(f"/api/streams/{st['id']}/stop")
    assert again.status_code == 204
    assert module_server.get(f"/api/streams/{st['id']}").json() == got  # unchanged


def test_start_again_after_stop(module_server, camera):
    first = module_server.start_stream(camera["id"])
    assert module_server.post(f"/api/streams/{first['id']}/stop").status_code == 204
    r = module_server.post("/api/streams/start", json={"camera_id": camera["id"]})
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["id"] != first["id"]
    assert second["status"] == "STARTING"
    assert module_server.get(f"/api/streams/{first['id']}").json()["status"] == "STOPPED"
    listed = module_server.get(f"/api/streams?camera_id={camera['id']}").json()
    assert listed["total"] == 2
    assert {s["id"] for s in listed["streams"]} == {first["id"], second["id"]}


def test_get_unknown_stream_404(module_server):
    unknown = str(uuid.uuid4())
    assert_error(module_server.get(f"/api/streams/{unknown}"), 404, "not_found", unknown)
    assert_error(module_server.post(f"/api/streams/{unknown}/stop"), 404, "not_found")


@pytest.mark.parametrize("bad", ["abc", "1", "00000000-0000-0000-0000-00000000000g",
                                 "0000000000000000000000000000000000000",
                                 "x" * 36])
def test_non_uuid_stream_id_404(module_server, bad):
    assert_error(module_server.get(f"/api/streams/{bad}"), 404, "not_found")
    assert_error(module_server.post(f"/api/streams/{bad}/stop"), 404, "not_found")


def test_list_all_and_by_camera(server):
    cams = [server.create_camera(name=f"c{i}") for i in range(3)]
    sts = [server.start_stream(c["id"]) for c in cams]
    assert server.post(f"/api/streams/{sts[0]['id']}/stop").status_code == 204
    extra = server.start_stream(cams[0]["id"])

    body = server.get("/api/streams").json()
    assert set(body) == {"streams", "total", "limit", "offset"}
    assert body["total"] == 4 and body["limit"] == 50 and body["offset"] == 0
    assert {s["id"] for s in body["streams"]} == {s["id"] for s in sts} | {extra["id"]}
    for s in body["streams"]:
        assert set(s) == STREAM_KEYS

    mine = server.get(f"/api/streams?camera_id={cams[0]['id']}").json()
    assert mine["total"] == 2
    assert {s["id"] for s in mine["streams"]} == {sts[0]["id"], extra["id"]}
    assert all(s["camera_id"] == cams[0]["id"] for s in mine["streams"])

    other = server.get(f"/api/streams?camera_id={cams[1]['id']}").json()
    assert [s["id"] for s in other["streams"]] == [sts[1]["id"]]

    none = server.get("/api/streams?camera_id=424242").json()
    assert none["streams"] == [] and none["total"] == 0

    page = server.get("/api/streams?limit=2&offset=1").json()
    assert page["total"] == 4 and len(page["streams"]) == 2 and page["offset"] == 1


@pytest.mark.parametrize("query", ["camera_id=abc", "camera_id=0", "camera_id=-1", "camera_id=",
                                   "camera_id=1x", "camera_id=+1", "camera_id=%201",
                                   "limit=0", "limit=1001", "offset=-1"])
def test_list_bad_query_400(module_server, query):
    assert_error(module_server.get(f"/api/streams?{query}"), 400, "invalid_request")


def test_list_out_of_range_camera_id_400(module_server):
    assert_error(module_server.get("/api/streams?camera_id=99999999999999999999"), 400,
                 "invalid_request")


def test_delete_camera_with_live_stream(module_server):
    cam = module_server.create_camera(name="doomed")
    old = module_server.start_stream(cam["id"])
    assert module_server.post(f"/api/streams/{old['id']}/stop").status_code == 204
    live = module_server.start_stream(cam["id"])

    r = module_server.delete(f"/api/cameras/{cam['id']}")
    assert r.status_code == 204, r.text
    for st in (old, live):
        assert_error(module_server.get(f"/api/streams/{st['id']}"), 404, "not_found")
        assert_error(module_server.post(f"/api/streams/{st['id']}/stop"), 404, "not_found")
    listed = module_server.get(f"/api/streams?camera_id={cam['id']}").json()
    assert listed["streams"] == [] and listed["total"] == 0
    all_ids = {s["id"] for s in module_server.get("/api/streams?limit=1000").json()["streams"]}
    assert old["id"] not in all_ids and live["id"] not in all_ids
    assert_error(module_server.post("/api/streams/start", json={"camera_id": cam["id"]}), 404)
    assert "reason=camera deleted" in module_server.log


def test_stop_requires_post(module_server, camera):
    st = module_server.start_stream(camera["id"])
    r = module_server.get(f"/api/streams/{st['id']}/stop")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"
    assert module_server.get(f"/api/streams/{st['id']}").json()["status"] != "STOPPED"
