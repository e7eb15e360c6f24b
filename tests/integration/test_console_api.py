"""The API additions the web console needs (docs/api.md):

- a 400 about one body field or query parameter names it in `field`;
- streams carry created_at, updated_at, hls_url and webrtc_url (schema v8);
- GET /api/streams?status= filters by status (a list, or `live`);
- POST /api/streams/stop stops several streams at once;
- GET /api/plans lists the retention plans;
- GET /api/cameras?with=stream adds each camera's live stream.
"""
import re
import time
import uuid

import pytest

from conftest import assert_error

TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
SECRET_URL = "rtsp://admin:hunter2@10.9.0.1:554/main"


def field_error(resp, field, message=None):
    """A 400 invalid_request about one field: the field and, when given, the exact message."""
    err = assert_error(resp, 400, "invalid_request")
    assert set(err) == {"code", "message", "field"}, err
    assert err["field"] == field, err
    if message is not None:
        assert err["message"] == message, err
    return err


def plain_error(resp, status, code):
    """An error that is about no single field keeps the two-member shape."""
    err = assert_error(resp, status, code)
    assert set(err) == {"code", "message"}, err
    return err


@pytest.fixture(scope="module")
def cam(module_server):
    return module_server.create_camera(name="console", stream_url="rtsp://10.9.0.2:554/s")


# ---- 1. field-level validation errors ----

CAMERA_FIELD_CASES = [
    ({"name": "", "stream_url": "rtsp://h/x"}, "name", "name must not be empty"),
    ({"name": "x" * 101, "stream_url": "rtsp://h/x"}, "name",
     "name must be at most 100 characters"),
    ({"name": 5, "stream_url": "rtsp://h/x"}, "name", "name must be a string"),
    ({"stream_url": "rtsp://h/x"}, "name", "name is required"),
    ({"name": "a"}, "stream_url", "stream_url is required"),
    ({"name": "a", "stream_url": "ftp://h/x"}, "stream_url",
     "stream_url scheme must be rtsp, rtsps, rtmp, http, https or demo"),
    ({"name": "a", "stream_url": "rtsp://h/x", "location": 3}, "location",
     "location must be a string or null"),
    ({"name": "a", "stream_url": "rtsp://h/x", "max_readers": "2"}, "max_readers",
     "max_readers must be an integer or null"),
    ({"name": "a", "stream_url": "rtsp://h/x", "max_readers": -5}, "max_readers", None),
    ({"name": "a", "stream_url": "rtsp://h/x", "rtsp_transport": "quic"}, "rtsp_transport",
     "rtsp_transport must be tcp, udp or auto"),
    ({"name": "a", "stream_url": "rtsp://h/x", "record": "yes"}, "record",
     "record must be true or false"),
    ({"name": "a", "stream_url": "rtsp://h/x", "retention_days": 0}, "retention_days",
     "retention_days must be from 1 to 3650 days, or null for the plan's"),
    ({"name": "a", "stream_url": "rtsp://h/x", "plan": "Gold!"}, "plan", None),
    ({"name": "a", "stream_url": "rtsp://h/x", "nmae": "typo"}, "nmae",
     "unknown field 'nmae' (expected name, stream_url, location, max_readers, rtsp_transport, "
     "record, retention_days, plan)"),
]


@pytest.mark.parametrize("body,field,message", CAMERA_FIELD_CASES)
def test_create_camera_errors_name_their_field(module_server, body, field, message):
    field_error(module_server.post("/api/cameras", json=body), field, message)


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"), ({"name": None}, "name"), ({"stream_url": "rtsp:///x"}, "stream_url"),
    ({"location": "l" * 201}, "location"), ({"retention_days": 4000}, "retention_days"),
    ({"plan": "x" * 16}, "plan"), ({"record": 1}, "record"), ({"id": 3}, "id"),
])
def test_patch_camera_errors_name_their_field(module_server, cam, body, field):
    field_error(module_server.patch(f"/api/cameras/{cam['id']}", json=body), field)
    # nothing changed
    assert module_server.get(f"/api/cameras/{cam['id']}").json() == cam


def test_unknown_field_is_echoed(module_server):
    name = "ünknown_" + "x" * 80
    err = field_error(module_server.post("/api/cameras", json={"name": "a", "stream_url": "demo:",
                                                               name: 1}), name)
    assert err["message"].startswith("unknown field '")
    # a very long one: its first 256 bytes, cut between characters
    long_name = "ü" + "x" * 298
    field_error(module_server.post("/api/cameras", json={long_name: 1}), "ü" + "x" * 254)


@pytest.mark.parametrize("body,field,message", [
    ({"rtsp_url": "rtsp://h/x", "name": "g"}, "camera_id",
     "camera_id is required and must be an integer from 1 to 9007199254740991"),
    ({"camera_id": 0, "rtsp_url": "rtsp://h/x", "name": "g"}, "camera_id", None),
    ({"camera_id": 5, "name": "g"}, "rtsp_url", "rtsp_url is required"),
    ({"camera_id": 5, "rtsp_url": "rtsp://h/x"}, "name", "name is required"),
    ({"camera_id": 5, "rtsp_url": "gopher://h/x", "name": "g"}, "rtsp_url",
     "rtsp_url scheme must be rtsp, rtsps, rtmp, http, https or demo"),
    ({"camera_id": 5, "rtsp_url": "rtsp://h/x", "name": "   "}, "name", None),
    ({"camera_id": 5, "rtsp_url": "rtsp://h/x", "name": 7}, "name", "name must be a string"),
    ({"camera_id": 5, "rtsp_url": "rtsp://h/x", "name": "g", "url": "x"}, "url",
     "unknown field 'url' (expected camera_id, rtsp_url, name)"),
])
def test_provision_errors_name_their_field(module_server, body, field, message):
    field_error(module_server.post("/cameras/provision", json=body), field, message)


@pytest.mark.parametrize("extra,field,message", [
    ({"camera_id": "1"}, "camera_id", "camera_id is required and must be a positive integer"),
    ({"on_demand": "no"}, "on_demand", "on_demand must be true or false"),
    ({"source_url": "rtsp://h:99999/"}, "source_url", None),
    ({"source_url": 4}, "source_url", "source_url must be a string or null"),
    ({"cam": 1}, "cam", "unknown field 'cam' (expected camera_id, source_url, on_demand)"),
])
def test_start_stream_errors_name_their_field(module_server, cam, extra, field, message):
    body = {"camera_id": cam["id"], **extra}
    field_error(module_server.post("/api/streams/start", json=body), field, message)


@pytest.mark.parametrize("body,field,message", [
    ({"retention_days": "15"}, "retention_days", "retention_days must be an integer or null"),
    ({"retention_days": 9999}, "retention_days",
     "retention_days must be from 1 to 3650 days, or null for the plan's"),
    ({"days": 3}, "days", "unknown field 'days' (expected retention_days)"),
])
def test_recording_start_errors_name_their_field(module_server, cam, body, field, message):
    r = module_server.post(f"/api/cameras/{cam['id']}/recording/start", json=body)
    field_error(r, field, message)


CLIP = {"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T10:05:00Z", "name": "c"}


@pytest.mark.parametrize("change,field,message", [
    ({"start": None}, "start", "start must be an RFC 3339 time such as 2026-11-21T10:00:00Z"),
    ({"end": "yesterday"}, "end", "end must be an RFC 3339 time such as 2026-11-21T10:00:00Z"),
    ({"name": ""}, "name", None),
    ({"name": "n" * 201}, "name", None),
    ({"label": "x"}, "label", "unknown field 'label' (expected start, end, name)"),
])
def test_create_clip_errors_name_their_field(module_server, cam, change, field, message):
    body = {**CLIP, **change}
    field_error(module_server.post(f"/api/cameras/{cam['id']}/clips", json=body), field, message)


@pytest.mark.parametrize("missing", ["start", "end", "name"])
def test_create_clip_missing_field(module_server, cam, missing):
    body = {k: v for k, v in CLIP.items() if k != missing}
    r = module_server.post(f"/api/cameras/{cam['id']}/clips", json=body)
    field_error(r, missing, f"{missing} is required")


def test_rename_clip_errors_name_their_field(module_server, cam):
    r = module_server.post(f"/api/cameras/{cam['id']}/clips", json=CLIP)
    assert r.status_code == 201, r.text
    clip = r.json()
    path = f"/api/clips/{clip['id']}"
    field_error(module_server.patch(path, json={"name": "\u0001"}), "name")
    field_error(module_server.patch(path, json={}), "name", "name is required")
    field_error(module_server.patch(path, json={"name": "x", "start": CLIP["start"]}), "start",
                "unknown field 'start' (expected name)")
    assert module_server.delete(path).status_code == 204


@pytest.mark.parametrize("path,field", [
    ("/api/cameras/{id}/recordings?start=today", "start"),
    ("/api/cameras/{id}/recordings?end=2026-13-01T00:00:00Z", "end"),
    ("/api/cameras/{id}/playback.m3u8?start=x", "start"),
    ("/api/cameras/{id}/playback.m3u8?end=x", "end"),
    ("/api/cameras/{id}/export.mp4?end=2026-11-21T10:00:00Z", "start"),
    ("/api/cameras/{id}/export.mp4?start=x&end=2026-11-21T10:00:00Z", "start"),
    ("/api/cameras/{id}/export.mp4?start=2026-11-21T10:00:00Z", "end"),
    ("/api/cameras/{id}/export.mp4?start=2026-11-21T10:00:00Z&end=noon", "end"),
    ("/api/recordings/expiring?within=soon", "within"),
    ("/api/cameras?limit=0", "limit"),
    ("/api/cameras?offset=-1", "offset"),
    ("/api/streams?camera_id=x", "camera_id"),
    ("/api/cameras/{id}/snapshot.jpg?quality=best", "quality"),
])
def test_query_parameter_errors_name_their_field(module_server, cam, path, field):
    field_error(module_server.get(path.format(id=cam["id"])), field)


def test_export_message_is_unchanged(module_server, cam):
    r = module_server.get(f"/api/cameras/{cam['id']}/export.mp4?start=2026-11-21T10:00:00Z")
    field_error(r, "end", "start and end are required RFC 3339 times")


def test_errors_about_no_single_field_keep_their_shape(module_server, cam):
    # the body as a whole
    r = module_server.post("/api/cameras", data="{", headers={"Content-Type": "application/json"})
    plain_error(r, 400, "invalid_json")
    r = module_server.post("/api/cameras", data="[]", headers={"Content-Type": "application/json"})
    plain_error(r, 400, "invalid_json")
    plain_error(module_server.post("/api/cameras", data="x"), 415, "unsupported_media_type")
    # a path id
    plain_error(module_server.get("/api/cameras/abc"), 400, "invalid_request")
    # a rule between two fields
    body = {**CLIP, "start": CLIP["end"], "end": CLIP["start"]}
    err = plain_error(module_server.post(f"/api/cameras/{cam['id']}/clips", json=body), 400,
                      "invalid_request")
    assert err["message"] == "start must be before end"
    r = module_server.get(f"/api/cameras/{cam['id']}/recordings"
                          "?start=2026-11-21T10:00:00Z&end=2026-11-21T09:00:00Z")
    plain_error(r, 400, "invalid_request")
    # not found, conflict
    plain_error(module_server.get("/api/cameras/99999999"), 404, "not_found")
    plain_error(module_server.post("/api/streams/start", json={"camera_id": 99999999}), 404,
                "not_found")


# ---- 2. streams carry created_at, updated_at, hls_url, webrtc_url ----

def test_stream_times_and_urls(make_server):
    srv = make_server()
    c = srv.create_camera(name="times", stream_url=SECRET_URL)
    st = srv.start_stream(c["id"])
    assert TS_RE.fullmatch(st["created_at"]), st
    assert st["created_at"] == st["updated_at"] == st["started_at"]
    assert st["hls_url"] == f"/hls/cam_{c['id']}/index.m3u8"
    assert st["webrtc_url"] == f"/whep/cam_{c['id']}"
    assert "hunter2" not in str(st)

    assert srv.post(f"/api/streams/{st['id']}/stop").status_code == 204
    stopped = srv.get(f"/api/streams/{st['id']}").json()
    assert stopped["created_at"] == st["created_at"]
    assert stopped["updated_at"] == stopped["stopped_at"]
    assert stopped["updated_at"] >= st["updated_at"]
    # stopping again changes nothing, updated_at included
    assert srv.post(f"/api/streams/{st['id']}/stop").status_code == 204
    assert srv.get(f"/api/streams/{st['id']}").json() == stopped

    # kept across a restart
    srv.restart()
    assert srv.get(f"/api/streams/{st['id']}").json() == stopped


def test_stream_error_moves_updated_at(module_server, cam):
    st = module_server.start_stream(cam["id"])
    got = st
    for _ in range(250):
        got = module_server.get(f"/api/streams/{st['id']}").json()
        if got["status"] == "ERROR":
            break
        time.sleep(0.02)
    assert got["status"] == "ERROR", got
    assert got["created_at"] == st["created_at"]
    assert got["updated_at"] >= st["updated_at"]
    assert module_server.post(f"/api/streams/{st['id']}/stop").status_code == 204


# ---- 3. GET /api/streams?status= ----

@pytest.fixture
def fleet(server):
    """Three cameras: a STANDBY stream, a STOPPED one, and a STARTING-or-ERROR one (+ a STOPPED)."""
    cams = [server.create_camera(name=f"f{i}") for i in range(3)]
    standby = server.start_stream(cams[0]["id"], on_demand=True)
    old = server.start_stream(cams[1]["id"], on_demand=True)
    assert server.post(f"/api/streams/{old['id']}/stop").status_code == 204
    pulled_old = server.start_stream(cams[2]["id"], on_demand=True)
    assert server.post(f"/api/streams/{pulled_old['id']}/stop").status_code == 204
    pulled = server.start_stream(cams[2]["id"])
    return server, cams, {"standby": standby, "old": old, "pulled_old": pulled_old,
                          "pulled": pulled}


def ids(body):
    return {s["id"] for s in body["streams"]}


def test_filter_by_status(fleet):
    srv, cams, st = fleet
    body = srv.get("/api/streams?status=STANDBY").json()
    assert ids(body) == {st["standby"]["id"]} and body["total"] == 1

    body = srv.get("/api/streams?status=stopped").json()  # case-insensitive
    assert ids(body) == {st["old"]["id"], st["pulled_old"]["id"]} and body["total"] == 2
    assert all(s["status"] == "STOPPED" for s in body["streams"])

    body = srv.get("/api/streams?status=Starting,ERROR,running").json()
    assert ids(body) == {st["pulled"]["id"]} and body["total"] == 1

    body = srv.get("/api/streams?status=live").json()
    assert ids(body) == {st["standby"]["id"], st["pulled"]["id"]} and body["total"] == 2
    assert all(s["status"] != "STOPPED" for s in body["streams"])

    body = srv.get("/api/streams?status=LIVE,stopped").json()
    assert body["total"] == 4

    body = srv.get("/api/streams?status=RUNNING").json()
    assert body["streams"] == [] and body["total"] == 0


def test_filter_combines_with_camera_and_paging(fleet):
    srv, cams, st = fleet
    body = srv.get(f"/api/streams?status=stopped&camera_id={cams[2]['id']}").json()
    assert ids(body) == {st["pulled_old"]["id"]} and body["total"] == 1
    body = srv.get(f"/api/streams?status=live&camera_id={cams[1]['id']}").json()
    assert body["streams"] == [] and body["total"] == 0

    body = srv.get("/api/streams?status=live,stopped&limit=1&offset=1").json()
    assert len(body["streams"]) == 1 and body["total"] == 4
    assert body["limit"] == 1 and body["offset"] == 1
    body = srv.get("/api/streams?status=stopped&limit=1").json()
    assert len(body["streams"]) == 1 and body["total"] == 2  # total counts the filtered set


@pytest.mark.parametrize("value", ["", "PAUSED", "RUNNING,", ",RUNNING", "RUNNING,,ERROR",
                                   "RUNNING%2C%20ERROR", "lives", "%C3%A9"])
def test_bad_status_400(module_server, value):
    err = field_error(module_server.get(f"/api/streams?status={value}"), "status")
    assert err["message"].startswith("status must be a comma-separated list of STOPPED, "
                                     "STARTING, RUNNING, ERROR, STANDBY or live;"), err


# ---- 4. POST /api/streams/stop ----

def test_stop_several(server):
    cams = [server.create_camera(name=f"s{i}") for i in range(3)]
    live = [server.start_stream(c["id"]) for c in cams[:2]]
    standby = server.start_stream(cams[2]["id"], on_demand=True)
    already = live[1]
    assert server.post(f"/api/streams/{already['id']}/stop").status_code == 204
    unknown = str(uuid.uuid4())
    upper = standby["id"].upper()

    r = server.post("/api/streams/stop", json={"ids": [
        live[0]["id"], already["id"], unknown, "not-a-uuid", upper, live[0]["id"],
        standby["id"]]})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    # each id once, in the order sent, as it was sent
    assert r.json() == {"stopped": [live[0]["id"], already["id"], upper],
                        "not_found": [unknown, "not-a-uuid"]}
    for st in (live[0], already, standby):
        got = server.get(f"/api/streams/{st['id']}").json()
        assert got["status"] == "STOPPED", got
        assert got["updated_at"] == got["stopped_at"]
    assert server.get("/api/streams?status=live").json()["total"] == 0

    # again: all of them count as stopped
    r = server.post("/api/streams/stop", json={"ids": [live[0]["id"], standby["id"]]})
    assert r.json() == {"stopped": [live[0]["id"], standby["id"]], "not_found": []}
    r = server.post("/api/streams/stop", json={"ids": [unknown]})
    assert r.json() == {"stopped": [], "not_found": [unknown]}


def test_stop_several_routes_apart(module_server, cam):
    """/api/streams/stop, /api/streams/start and /api/streams/{id}/stop stay what they are."""
    st = module_server.start_stream(cam["id"])  # /start still starts
    assert module_server.post(f"/api/streams/{st['id']}/stop").status_code == 204
    assert_error(module_server.post("/api/streams/stop/stop"), 404, "not_found")
    # /api/streams/stop is no stream id either
    assert_error(module_server.get("/api/streams/stop"), 404, "not_found")
    r = module_server.post("/api/streams/stop", json={"ids": [st["id"]]})
    assert r.status_code == 200 and r.json()["stopped"] == [st["id"]]


@pytest.mark.parametrize("body,message", [
    ({}, "ids is required"),
    ({"ids": []}, "ids must be an array of 1 to 1000 stream ids"),
    ({"ids": "abc"}, "ids must be an array of 1 to 1000 stream ids"),
    ({"ids": None}, "ids must be an array of 1 to 1000 stream ids"),
    ({"ids": [str(uuid.uuid4()) for _ in range(1001)]},
     "ids must be an array of 1 to 1000 stream ids"),
    ({"ids": [str(uuid.uuid4()), 5]}, "ids[1] must be a stream id (a string)"),
    ({"ids": [None]}, "ids[0] must be a stream id (a string)"),
])
def test_stop_several_validation(module_server, body, message):
    field_error(module_server.post("/api/streams/stop", json=body), "ids", message)


def test_stop_several_unknown_field(module_server):
    r = module_server.post("/api/streams/stop", json={"ids": [str(uuid.uuid4())], "all": True})
    field_error(r, "all", "unknown field 'all' (expected ids)")
    plain_error(module_server.post("/api/streams/stop"), 415, "unsupported_media_type")


def test_stop_several_takes_a_thousand(server):
    many = [str(uuid.uuid4()) for _ in range(1000)]
    r = server.post("/api/streams/stop", json={"ids": many})
    assert r.status_code == 200, r.text
    assert r.json() == {"stopped": [], "not_found": many}


# ---- 5. GET /api/plans ----

MAIN_PASSES_PLANS = "main.c must pass the setting: api.record_plans = cfg.record_plans;"


def test_plans_default(module_server):
    r = module_server.get("/api/plans")
    assert r.status_code == 200, (MAIN_PASSES_PLANS, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"plans": [
        {"name": "basic", "retention_days": 7, "retention_ms": 7 * 86400000},
        {"name": "pro", "retention_days": 15, "retention_ms": 15 * 86400000},
        {"name": "premium", "retention_days": 30, "retention_ms": 30 * 86400000},
    ]}
    assert_error(module_server.post("/api/plans", json={}), 405, "method_not_allowed")


def test_plans_from_the_setting(make_server):
    srv = make_server(env={"VIGIL_RECORDPLANS": "gold=90d, half=12h"})
    r = srv.get("/api/plans")
    assert r.status_code == 200, (MAIN_PASSES_PLANS, r.text)
    assert r.json() == {"plans": [
        {"name": "gold", "retention_days": 90, "retention_ms": 90 * 86400000},
        {"name": "half", "retention_days": 0.5, "retention_ms": 43200000},
    ]}


# ---- 6. GET /api/cameras?with=stream ----

def test_cameras_with_stream(server):
    cams = [server.create_camera(name=f"g{i}", stream_url=SECRET_URL) for i in range(4)]
    pulled = server.start_stream(cams[0]["id"])
    standby = server.start_stream(cams[2]["id"], on_demand=True)
    gone = server.start_stream(cams[3]["id"], on_demand=True)
    assert server.post(f"/api/streams/{gone['id']}/stop").status_code == 204

    plain = server.get("/api/cameras").json()
    assert all("stream" not in c for c in plain["cameras"])

    r = server.get("/api/cameras?with=stream")
    assert r.status_code == 200, r.text
    assert "hunter2" not in r.text
    body = r.json()
    assert set(body) == {"cameras", "total", "limit", "offset"} and body["total"] == 4
    by_id = {c["id"]: c for c in body["cameras"]}
    # the cameras as without ?with=stream, plus `stream`
    for c in plain["cameras"]:
        assert {k: v for k, v in by_id[c["id"]].items() if k != "stream"} == c
    assert by_id[cams[1]["id"]]["stream"] is None
    assert by_id[cams[3]["id"]]["stream"] is None  # only a STOPPED one
    for cam_, st in ((cams[0], pulled), (cams[2], standby)):
        got = by_id[cam_["id"]]["stream"]
        assert got["id"] == st["id"]
        assert isinstance(got["stats"], dict)  # live: the media core's numbers
        one = server.get(f"/api/streams/{st['id']}").json()
        assert set(got) == set(one)
        changing = ("stats", "status", "last_error", "updated_at")
        assert {k: v for k, v in got.items() if k not in changing} == \
            {k: v for k, v in one.items() if k not in changing}
    assert by_id[cams[2]["id"]]["stream"]["status"] == "STANDBY"

    # a page gets its own cameras' streams
    page = server.get("/api/cameras?with=stream&limit=2&offset=1").json()
    assert [c["id"] for c in page["cameras"]] == [cams[1]["id"], cams[2]["id"]]
    assert page["cameras"][0]["stream"] is None
    assert page["cameras"][1]["stream"]["id"] == standby["id"]
    empty = server.get("/api/cameras?with=stream&offset=10").json()
    assert empty["cameras"] == [] and empty["total"] == 4


@pytest.mark.parametrize("value", ["", "streams", "STREAM", "stream,recording"])
def test_cameras_with_bad_value_400(module_server, value):
    field_error(module_server.get(f"/api/cameras?with={value}"), "with",
                "with must be stream (each camera's live stream)")
