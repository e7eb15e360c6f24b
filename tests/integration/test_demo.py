"""The demo camera: `vigil serve --demo` on a first start shows moving video with no camera."""
import time


def wait_running(srv, stream_id, timeout=8.0):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = srv.get(f"/api/streams/{stream_id}").json()
        if body["status"] == "RUNNING":
            return body
        time.sleep(0.05)
    raise AssertionError(f"demo stream not RUNNING: {body}")


def test_first_start_adds_a_running_demo_camera(make_server):
    srv = make_server(args=("--demo",))
    cams = srv.get("/api/cameras").json()
    assert cams["total"] == 1
    cam = cams["cameras"][0]
    assert (cam["name"], cam["stream_url"]) == ("Demo camera", "demo:")
    st = srv.get(f"/api/streams?camera_id={cam['id']}").json()["streams"][0]
    wait_running(srv, st["id"])
    path = srv.get(f"/api/paths/{cam['path']}").json()
    video = path["tracks"][0]
    assert (video["codec"], video["width"], video["height"]) == ("h264", 640, 360)
    assert video["nominal_fps"] == 15
    time.sleep(2.2)
    stats = srv.get(f"/api/streams/{st['id']}").json()["stats"]
    assert 13 <= stats["fps"] <= 17, stats
    assert stats["health_score"] >= 80

    # Not on later starts: a restart keeps one camera, a deleted one stays deleted.
    srv.restart()
    assert srv.get("/api/cameras").json()["total"] == 1
    wait_running(srv, st["id"])
    assert srv.delete(f"/api/cameras/{cam['id']}").status_code == 204
    srv.restart()
    assert srv.get("/api/cameras").json()["total"] == 0


def test_a_demo_camera_any_user_adds_draws_its_name(server):
    cam = server.create_camera(name="Lobby: it's \"demo\"", stream_url="demo:")
    st = server.start_stream(cam["id"])
    wait_running(server, st["id"])
    assert server.post(f"/api/streams/{st['id']}/stop").status_code == 204
