"""Seed 000: POST /cameras/provision creates or updates a camera by the caller's id."""
import time

import pytest

from conftest import assert_error

PROVISION_KEYS = {"camera_id", "stream_path", "hls_url", "webrtc_url", "snapshot_url", "created"}


def provision(srv, camera_id, rtsp_url="rtsp://10.9.0.1:554/main", name="provisioned"):
    return srv.post("/cameras/provision",
                    json={"camera_id": camera_id, "rtsp_url": rtsp_url, "name": name})


def expected_result(camera_id):
    return {
        "camera_id": camera_id,
        "stream_path": f"cam_{camera_id}",
        "hls_url": f"/hls/cam_{camera_id}/index.m3u8",
        "webrtc_url": f"/whep/cam_{camera_id}",
        "snapshot_url": f"/api/cameras/{camera_id}/snapshot.jpg",
    }


def test_provision_creates_camera_with_that_id(module_server):
    r = provision(module_server, 4242, name="Lobby")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == PROVISION_KEYS
    assert {k: v for k, v in body.items() if k != "created"} == expected_result(4242)
    assert body["created"] is True

    cam = module_server.get("/api/cameras/4242")
    assert cam.status_code == 200
    cam = cam.json()
    assert cam["id"] == 4242
    assert cam["name"] == "Lobby"
    assert cam["stream_url"] == "rtsp://10.9.0.1:554/main"
    assert cam["path"] == "cam_4242"
    assert cam["location"] is None


def test_provision_same_body_is_idempotent(module_server):
    first = provision(module_server, 5151, name="Same")
    assert first.status_code == 200
    cam_before = module_server.get("/api/cameras/5151").json()
    time.sleep(0.01)  # a change would move updated_at by at least a millisecond
    again = provision(module_server, 5151, name="Same")
    assert again.status_code == 200, again.text
    a, b = first.json(), again.json()
    assert b["created"] is False
    assert {k: v for k, v in a.items() if k != "created"} == \
        {k: v for k, v in b.items() if k != "created"}
    cam_after = module_server.get("/api/cameras/5151").json()
    assert cam_after == cam_before  # updated_at unchanged too


def test_provision_different_name_updates(module_server):
    assert provision(module_server, 6161, name="Old name").status_code == 200
    before = module_server.get("/api/cameras/6161").json()
    time.sleep(0.01)
    r = provision(module_server, 6161, name="New name")
    assert r.status_code == 200
    assert r.json()["created"] is False
    assert r.json()["stream_path"] == "cam_6161"
    after = module_server.get("/api/cameras/6161").json()
    assert after["name"] == "New name"
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


def test_provision_different_url_updates(module_server):
    assert provision(module_server, 6262, rtsp_url="rtsp://10.9.0.2/a").status_code == 200
    r = provision(module_server, 6262, rtsp_url="rtsp://10.9.0.2/b")
    assert r.status_code == 200
    assert module_server.get("/api/cameras/6262").json()["stream_url"] == "rtsp://10.9.0.2/b"


def test_provision_keeps_location_set_through_api(module_server):
    assert provision(module_server, 6363, name="A").status_code == 200
    assert module_server.patch("/api/cameras/6363", json={"location": "yard"}).status_code == 200
    assert provision(module_server, 6363, name="B").status_code == 200
    cam = module_server.get("/api/cameras/6363").json()
    assert cam["name"] == "B" and cam["location"] == "yard"


def test_provision_of_camera_created_through_api(module_server):
    cam = module_server.create_camera(name="api made", stream_url="rtsp://10.9.0.3/x")
    r = provision(module_server, cam["id"], rtsp_url="rtsp://10.9.0.3/x", name="api made")
    assert r.status_code == 200
    assert r.json()["created"] is False
    assert module_server.get(f"/api/cameras/{cam['id']}").json() == cam


@pytest.mark.parametrize("body,field", [
    ({"rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    ({"camera_id": 77, "name": "n"}, "rtsp_url"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x"}, "name"),
    ({}, "camera_id"),
    ({"camera_id": 0, "rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    ({"camera_id": -5, "rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    ({"camera_id": "77", "rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    ({"camera_id": 7.5, "rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    ({"camera_id": None, "rtsp_url": "rtsp://h/x", "name": "n"}, "camera_id"),
    # the message names the URL field (today as "stream_url", the camera's field)
    ({"camera_id": 77, "rtsp_url": "ftp://h/x", "name": "n"}, "_url"),
    ({"camera_id": 77, "rtsp_url": "rtsp:///x", "name": "n"}, "_url"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h:99999/", "name": "n"}, "_url"),
    ({"camera_id": 77, "rtsp_url": "", "name": "n"}, "_url"),
    ({"camera_id": 77, "rtsp_url": 5, "name": "n"}, "rtsp_url"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x", "name": ""}, "name"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x", "name": " "}, "name"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x", "name": "x" * 101}, "name"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x", "name": None}, "name"),
    ({"camera_id": 77, "rtsp_url": "rtsp://h/x", "name": "n", "location": "x"}, "location"),
])
def test_provision_bad_input_400(module_server, body, field):
    err = assert_error(module_server.post("/cameras/provision", json=body), 400,
                       "invalid_request")
    assert field in err["message"], err
    assert module_server.get("/api/cameras/77").status_code == 404


def test_provision_not_json_415_and_400(module_server):
    assert_error(module_server.post("/cameras/provision", data="camera_id=1"), 415)
    assert_error(module_server.post("/cameras/provision", data="[1]",
                                    headers={"Content-Type": "application/json"}), 400)


def test_later_create_gets_id_above_provisioned(module_server):
    assert provision(module_server, 90000, name="high").status_code == 200
    cam = module_server.create_camera(name="after provision")
    assert cam["id"] > 90000


def test_provision_on_fresh_server_then_create(server):
    assert provision(server, 300).status_code == 200
    assert server.create_camera(name="next")["id"] == 301
    listed = server.get("/api/cameras").json()
    assert [c["id"] for c in listed["cameras"]] == [300, 301]
    assert listed["total"] == 2


def test_provisioned_camera_can_be_deleted_and_reprovisioned(module_server):
    assert provision(module_server, 7171).json()["created"] is True
    assert module_server.delete("/api/cameras/7171").status_code == 204
    r = provision(module_server, 7171)
    assert r.status_code == 200 and r.json()["created"] is True
    assert module_server.get("/api/cameras/7171").status_code == 200


def test_provisioned_camera_can_stream(module_server):
    assert provision(module_server, 8181).status_code == 200
    st = module_server.start_stream(8181)
    assert st["camera_id"] == 8181 and st["path"] == "cam_8181"
    assert module_server.post(f"/api/streams/{st['id']}/stop").status_code == 204


def test_provision_max_id_does_not_break_create(server):
    r = provision(server, 2**63 - 1)
    if r.status_code == 400:
        return  # refusing such an id is a fix too
    assert r.status_code == 200
    r = server.post("/api/cameras", json={"name": "after max", "stream_url": "rtsp://h/x"})
    assert r.status_code < 500, r.text
