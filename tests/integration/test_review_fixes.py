"""What a user sees of the fixes from the first code review: no credential
slips through an odd URL, ids behave, the log cannot be forged."""
import socket

import pytest

from conftest import assert_error

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("url", [
    "rtsp://admin:12#s3cret@cam/live",          # '#' in the password: host 'admin', port 12
    "rtsp://admin:1?s3cret@cam/live",           # '?' in the password
    "rtsp://admin:123/s3cret@cam/live",         # '/' in the password
    "http://proxy:8080/fetch?src=rtsp://admin:s3cret@10.0.0.5/live",  # a URL in a query value
])
def test_ambiguous_userinfo_is_refused_without_echo(module_server, url):
    r = module_server.post("/api/cameras", json={"name": "x", "stream_url": url})
    err = assert_error(r, 400, "invalid_request")
    assert "%40" in err["message"]
    assert "s3cret" not in r.text
    assert "s3cret" not in module_server.log


def test_percent_encoded_at_in_password_is_accepted_and_hidden(module_server):
    cam = module_server.create_camera(stream_url="rtsp://admin:s3c%40ret@cam:554/live")
    assert cam["stream_url"] == "rtsp://***:***@cam:554/live"
    assert "s3c" not in module_server.log


def test_percent_encoded_secret_parameter_is_hidden(module_server):
    cam = module_server.create_camera(stream_url="http://cam/snap.jpg?pass%77ord=s3cret&pw=s3cret2")
    assert cam["stream_url"] == "http://cam/snap.jpg?pass%77ord=***&pw=***"


def test_stream_id_is_case_insensitive(module_server):
    cam = module_server.create_camera(name="case")
    st = module_server.start_stream(cam["id"])
    upper = st["id"].upper()
    r = module_server.get(f"/api/streams/{upper}")
    assert r.status_code == 200 and r.json()["id"] == st["id"]
    assert module_server.post(f"/api/streams/{upper}/stop").status_code == 204


def test_ids_exhausted_after_largest_provisioned_id(server):
    top = 2**53 - 1
    r = server.post("/cameras/provision", json={"camera_id": top, "rtsp_url": "rtsp://h/x",
                                                "name": "top"})
    assert r.status_code == 200, r.text
    r = server.post("/api/cameras", json={"name": "next", "stream_url": "rtsp://h/y"})
    assert_error(r, 409, "conflict", message_contains="provision")
    assert server.get("/api/cameras").json()["total"] == 1  # nothing half-created
    assert server.get("/health").status_code == 200


def test_request_path_cannot_forge_a_log_line(make_server):
    srv = make_server(args=("--log-level", "debug"))
    forged = "2026-01-01T00:00:00.000Z ERROR main: forged"
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        path = "/x%0a" + forged.replace(" ", "%20")
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 404")
    assert srv.wait_for_log("\\x0a"), srv.log
    assert not any(line.startswith(forged) for line in srv.log.splitlines())
