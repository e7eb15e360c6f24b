"""HTTP behaviour common to every route: errors, limits, content types, keep-alive."""
import http.client
import socket
import time

import pytest

from conftest import assert_error

JSON = {"Content-Type": "application/json"}
LIMIT = 1024 * 1024


def test_unknown_route_404(module_server):
    for path in ("/nope", "/api", "/api/cameras/1/extra", "/api/streams/a/b/c",
                 "/health/x"):
        err = assert_error(module_server.get(path), 404, "not_found")
        assert "no route" in err["message"]


def test_unknown_route_404_for_any_method(module_server):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert_error(module_server.request(method, "/nope"), 404, "not_found")


@pytest.mark.parametrize("method,path,allow", [
    ("DELETE", "/health", {"GET", "HEAD"}),
    ("POST", "/health", {"GET", "HEAD"}),
    ("PUT", "/api/cameras", {"GET", "HEAD", "POST"}),
    ("DELETE", "/api/cameras", {"GET", "HEAD", "POST"}),
    ("PUT", "/api/cameras/1", {"GET", "HEAD", "PATCH", "DELETE"}),
    ("POST", "/api/cameras/1", {"GET", "HEAD", "PATCH", "DELETE"}),
    ("GET", "/cameras/provision", {"POST"}),
    ("POST", "/api/streams", {"GET", "HEAD"}),
    ("DELETE", "/api/streams/0b7e4c1a-0000-4000-8000-000000000000", {"GET", "HEAD"}),
    ("OPTIONS", "/api/cameras", {"GET", "HEAD", "POST"}),
])
def test_wrong_method_405_with_allow(module_server, method, path, allow):
    r = module_server.request(method, path)
    err = assert_error(r, 405, "method_not_allowed", method)
    got = {m.strip() for m in r.headers["Allow"].split(",")}
    assert got == allow, r.headers["Allow"]
    for m in allow:
        assert m in err["message"]


def test_body_over_limit_with_content_length_413(module_server):
    body = b'{"name":"' + b"x" * LIMIT + b'","stream_url":"demo:"}'
    r = module_server.post("/api/cameras", data=body, headers=JSON)
    err = assert_error(r, 413, "payload_too_large")
    assert str(LIMIT) in err["message"]
    # the server is fine afterwards, and nothing was created
    assert module_server.get("/health").status_code == 200


def _raw_413(port, extra_headers=b""):
    """Sends only the headers of an oversized upload; the answer must come at once."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /api/cameras HTTP/1.1\r\nHost: t\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: %d\r\n" % (2 * LIMIT) + extra_headers + b"\r\n")
        data = b""
        for _ in range(50):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.rstrip().endswith(b"}"):
                break
    return data


def test_413_is_answered_before_the_body(module_server):
    data = _raw_413(module_server.port)
    assert data.startswith(b"HTTP/1.1 413"), data
    assert b'"payload_too_large"' in data


def test_413_with_expect_100_continue_never_asks_for_the_body(module_server):
    data = _raw_413(module_server.port, b"Expect: 100-continue\r\n")
    assert data.startswith(b"HTTP/1.1 413"), data
    assert b"100 Continue" not in data


def test_body_at_limit_is_read(module_server):
    """Exactly the limit is allowed: the answer is about the JSON, not the size."""
    padding = LIMIT - len(b'{"name":"n","stream_url":"demo:"}')
    body = b'{"name":"n","stream_url":"demo:"' + b" " * padding + b"}"
    assert len(body) == LIMIT
    r = module_server.post("/api/cameras", data=body, headers=JSON)
    assert r.status_code == 201, r.text[:300]


def test_body_over_limit_chunked_413(module_server):
    chunk = b"x" * 65536
    count = LIMIT // len(chunk) + 2

    def gen():
        yield b'{"name":"'
        for _ in range(count):
            yield chunk
        yield b'","stream_url":"demo:"}'

    r = module_server.post("/api/cameras", data=gen(), headers=JSON)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    err = assert_error(r, 413, "payload_too_large")
    assert str(LIMIT) in err["message"]
    assert module_server.get("/health").status_code == 200


def test_small_chunked_body_accepted(module_server):
    def gen():
        yield b'{"name":"chunked",'
        yield b'"stream_url":"demo:"}'

    r = module_server.post("/api/cameras", data=gen(), headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "chunked"


@pytest.mark.parametrize("body,where", [
    (b'{"name": "a",\n "stream_url": }', "line 2, column"),
    (b'{"name": ', "line 1, column"),
    (b'{name: "a"}', "line 1, column"),
    (b"{'name': 'a'}", "line 1, column"),
    (b'{"name":"a"} trailing', "line 1, column"),
    (b'{"name":"a","name":"b"}', "duplicate"),
])
def test_malformed_json_400_with_position(module_server, body, where):
    r = module_server.post("/api/cameras", data=body, headers=JSON)
    err = assert_error(r, 400, "invalid_json", where)
    assert "malformed JSON" in err["message"]


@pytest.mark.parametrize("body", [b"[]", b'[{"name":"a"}]', b'"text"', b"42", b"null", b"true"])
def test_non_object_json_400(module_server, body):
    assert_error(module_server.post("/api/cameras", data=body, headers=JSON), 400, "invalid_json")


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "application/jsonp", "multipart/form-data; boundary=x",
                                   "json"])
def test_wrong_content_type_415(module_server, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    r = module_server.post("/api/cameras", data=b'{"name":"a","stream_url":"demo:"}',
                           headers=headers)
    err = assert_error(r, 415, "unsupported_media_type")
    assert "application/json" in err["message"]


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "Application/JSON",
                                   "application/json;charset=UTF-8"])
def test_json_content_type_variants_accepted(module_server, ctype):
    r = module_server.post("/api/cameras", data=b'{"name":"ct","stream_url":"demo:"}',
                           headers={"Content-Type": ctype})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/api/cameras", "/api/streams/start", "/cameras/provision"])
def test_empty_body_400(module_server, path):
    err = assert_error(module_server.post(path, data=b"", headers=JSON), 400, "invalid_json")
    assert "empty" in err["message"]


def test_whitespace_body_400(module_server):
    assert_error(module_server.post("/api/cameras", data=b"  \n ", headers=JSON), 400,
                 "invalid_json")


def test_every_error_is_json(module_server):
    """A sample of every kind of error this API gives: all have the same shape."""
    s = module_server
    cases = [
        (s.get("/missing"), 404),
        (s.delete("/health"), 405),
        (s.get("/api/cameras/abc"), 400),
        (s.get("/api/cameras/123456789"), 404),
        (s.get("/api/cameras?limit=0"), 400),
        (s.post("/api/cameras", data=b"x", headers=JSON), 400),
        (s.post("/api/cameras", data=b"{}", headers={"Content-Type": "text/plain"}), 415),
        (s.post("/api/cameras", data=b"x" * (LIMIT + 1), headers=JSON), 413),
        (s.post("/api/cameras", json={"name": 1, "stream_url": "demo:"}), 400),
        (s.post("/api/streams/start", json={"camera_id": 123456789}), 404),
        (s.get("/api/streams/not-a-uuid"), 404),
        (s.post("/cameras/provision", json={}), 400),
    ]
    for r, status in cases:
        assert_error(r, status)
        assert r.headers.get("Cache-Control") == "no-store"


def test_head_health(module_server):
    r = module_server.request("HEAD", "/health")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Content-Type"].startswith("application/json")


def test_head_on_collection(module_server):
    r = module_server.request("HEAD", "/api/cameras")
    assert r.status_code == 200 and r.content == b""


def test_keep_alive_many_requests_one_session(module_server):
    s = module_server.session
    for i in range(200):
        r = s.get(module_server.url("/health"), timeout=10)
        assert r.status_code == 200, (i, r.text)
        assert r.json()["status"] == "healthy"
    # mixed methods and errors on the same session
    for i in range(20):
        cam = module_server.create_camera(name=f"ka {i}")
        assert module_server.get(f"/api/cameras/{cam['id']}").status_code == 200
        assert module_server.get("/nope").status_code == 404
        assert module_server.delete(f"/api/cameras/{cam['id']}").status_code == 204


def test_keep_alive_reuses_the_connection(module_server):
    conn = http.client.HTTPConnection("127.0.0.1", module_server.port, timeout=10)
    try:
        conn.connect()
        sock = conn.sock
        local = sock.getsockname()
        for i in range(50):
            path = "/health" if i % 3 else "/nope"
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            assert resp.status in (200, 404)
            assert not resp.will_close, resp.getheaders()
            assert conn.sock is sock and sock.getsockname() == local
        # a request with a body, then another request on the same connection
        conn.request("POST", "/api/cameras", body=b'{"name":"ka","stream_url":"demo:"}',
                     headers=JSON)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 201
        conn.request("GET", "/health")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read()
        assert conn.sock is sock
    finally:
        conn.close()


def test_pipelined_requests(module_server):
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" * 3)
        data = b""
        for _ in range(100):
            if data.count(b"HTTP/1.1 200") >= 3 and data.rstrip().endswith(b"}"):
                break
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        assert data.count(b"HTTP/1.1 200 OK") == 3, data


def test_garbage_request_does_not_kill_server(module_server):
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=10) as sock:
        sock.sendall(b"hello world\r\n\r\n")
        data = sock.recv(4096)
        assert data.startswith(b"HTTP/1.1 400"), data
    # bytes no HTTP parser can make sense of, then the client goes away
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=10) as sock:
        sock.sendall(b"\x00\x01\x02\xff garbage \r\n\r\n")
    assert module_server.get("/health").status_code == 200


def test_idle_keepalive_connection_is_closed_after_idle_timeout(make_server):
    """httpIdleTimeout: a connection that sends nothing is closed; one that is busy is not."""
    srv = make_server(env={"VIGIL_HTTPIDLETIMEOUT": "1s"})
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(request)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        # Still open well inside the timeout: keep-alive works.
        time.sleep(0.3)
        sock.sendall(request)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        # Then idle: the server closes it (recv returns b"") within a few seconds.
        deadline = time.monotonic() + 6
        closed_after = None
        start = time.monotonic()
        while time.monotonic() < deadline:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - start
                    break
            except socket.timeout:
                break
        assert closed_after is not None, "the idle connection was never closed"
        assert closed_after >= 0.9
    assert srv.get("/health").status_code == 200  # the server itself is fine
