"""Snapshots and live JPEG frames (issue 6), judged as clients see them:
JPEGs that ffprobe decodes at the right size, seed 003's WebSocket protocol
with python3-websocket, an MJPEG multipart stream, shared encoders in the
stream's stats. The camera is the GStreamer simulator (1280x720, 25 fps, a
key frame every second)."""
import base64
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websocket

from conftest import ServerFactory
from hls_util import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ENV = {"VIGIL_READTIMEOUT": "3s", "VIGIL_SOURCEONDEMANDSTARTTIMEOUT": "6s",
       "VIGIL_SOURCEONDEMANDCLOSEAFTER": "2s"}


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["p1", "p2", "p3", "p4"], cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("stills"))
    try:
        yield factory("stills", env=ENV)
    finally:
        factory.teardown()


_started = {}


def live_camera(vigil, sim, name, **start):
    """A camera of the simulator with a running stream (once per module)."""
    if name not in _started:
        _started[name] = vigil.start_camera(name, sim.url(name), start=start)
    return _started[name]


def ffprobe_size(data, tmp_path, name="p.jpg"):
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                          "-of", "json", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)["streams"][0]
    assert s["codec_name"] == "mjpeg"
    return s["width"], s["height"]


def snapshot(vigil, cam, **params):
    return vigil.get(f"/api/cameras/{cam['id']}/snapshot.jpg", params=params, timeout=20)


def stream_stats(vigil, st):
    return vigil.get(f"/api/streams/{st['id']}").json()["stats"]


# ---- snapshots ----

def test_snapshot_decodes_at_the_camera_resolution(vigil, sim, tmp_path):
    cam, _ = live_camera(vigil, sim, "p1")
    r = snapshot(vigil, cam)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Snapshot-Cache"] in ("miss", "hit")
    assert r.headers["X-Capture-Time"].endswith("Z")
    assert r.content[:2] == b"\xff\xd8" and r.content[-2:] == b"\xff\xd9"
    assert ffprobe_size(r.content, tmp_path) == (1280, 720)


def test_snapshot_width_keeps_the_aspect_and_never_upscales(vigil, sim, tmp_path):
    cam, _ = live_camera(vigil, sim, "p1")
    assert ffprobe_size(snapshot(vigil, cam, width=320).content, tmp_path) == (320, 180)
    assert ffprobe_size(snapshot(vigil, cam, width=5000).content, tmp_path) == (1280, 720)
    low = snapshot(vigil, cam, width=640, quality=10)
    high = snapshot(vigil, cam, width=640, quality=95)
    assert low.status_code == high.status_code == 200
    assert len(low.content) < len(high.content)


def test_repeated_snapshot_of_the_same_picture_is_served_from_the_cache(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p1")
    # Back-to-back requests usually see the same newest frame (one every 40 ms).
    for _ in range(40):
        first = snapshot(vigil, cam, width=400)
        second = snapshot(vigil, cam, width=400)
        if second.headers["X-Snapshot-Cache"] == "hit":
            break
    else:
        pytest.fail("no cached snapshot in 40 back-to-back pairs")
    if first.headers["X-Capture-Time"] == second.headers["X-Capture-Time"]:
        assert first.content == second.content


@pytest.mark.parametrize("query,status", [
    ("width=0", 400), ("width=abc", 400), ("quality=0", 400), ("quality=101", 400),
    ("quality=best", 400), ("quality=high", 200), ("quality=7", 200)])
def test_snapshot_parameters_are_checked(vigil, sim, query, status):
    cam, _ = live_camera(vigil, sim, "p1")
    r = vigil.get(f"/api/cameras/{cam['id']}/snapshot.jpg?{query}", timeout=20)
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["error"]["code"] == "invalid_request"


def test_unknown_camera_is_404_json(vigil):
    for path in ("/api/cameras/987654/snapshot.jpg", "/api/cameras/987654/mjpeg"):
        r = vigil.get(path)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    assert vigil.get("/api/cameras/abc/snapshot.jpg").status_code == 400


def test_camera_without_a_stream_is_503(vigil):
    cam = vigil.create_camera(name="idle", stream_url="rtsp://127.0.0.1:9/none")
    r = vigil.get(f"/api/cameras/{cam['id']}/snapshot.jpg")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "camera_not_streaming"


def test_unreachable_camera_is_503_with_the_reason(vigil):
    cam = vigil.create_camera(name="gone", stream_url="rtsp://127.0.0.1:9/nothing")
    st = vigil.start_stream(cam["id"])
    wait_for(lambda: vigil.get(f"/api/streams/{st['id']}").json()["status"] == "ERROR", 15,
             "ERROR")
    r = vigil.get(f"/api/cameras/{cam['id']}/snapshot.jpg", timeout=20)
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["code"] == "camera_unavailable"
    assert "not reachable" in err["message"]
    r = vigil.get(f"/api/cameras/{cam['id']}/mjpeg", timeout=20)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "camera_unreachable"


def test_camera_down_serves_the_last_good_snapshot_with_its_age(vigil, sim, tmp_path):
    cam, st = live_camera(vigil, sim, "p2")
    good = snapshot(vigil, cam)
    assert good.status_code == 200
    sim.stop_camera("p2")
    try:
        wait_for(lambda: vigil.get(f"/api/streams/{st['id']}").json()["status"] == "ERROR", 20,
                 "ERROR")
        r = snapshot(vigil, cam)
        assert r.status_code == 200, r.text
        assert r.headers["X-Snapshot-Cache"] == "stale"
        assert int(r.headers["X-Snapshot-Age-Ms"]) >= 0
        assert r.headers["X-Capture-Time"] == good.headers["X-Capture-Time"]
        assert ffprobe_size(r.content, tmp_path) == (1280, 720)
    finally:
        sim.start_camera("p2")
    wait_for(lambda: vigil.get(f"/api/streams/{st['id']}").json()["status"] == "RUNNING", 30,
             "RUNNING again")
    r = snapshot(vigil, cam)
    assert r.headers["X-Snapshot-Cache"] in ("miss", "hit")


def test_snapshot_of_an_on_demand_camera_starts_it_and_waits_for_a_key_frame(vigil, sim,
                                                                             tmp_path):
    cam, st = live_camera(vigil, sim, "p3", on_demand=True)
    assert vigil.get(f"/api/streams/{st['id']}").json()["status"] == "STANDBY"
    r = snapshot(vigil, cam, width=640)
    assert r.status_code == 200, r.text
    assert r.headers["X-Snapshot-Cache"] == "miss"
    assert ffprobe_size(r.content, tmp_path) == (640, 360)
    # Nobody reads it any more: it goes back to STANDBY after sourceOnDemandCloseAfter.
    wait_for(lambda: vigil.get(f"/api/streams/{st['id']}").json()["status"] == "STANDBY", 15,
             "STANDBY again")


# ---- MJPEG over HTTP ----

def read_multipart(resp, boundary, seconds, max_parts=200):
    """The JPEG parts of a multipart/x-mixed-replace body, read for `seconds`."""
    parts, buf = [], b""
    deadline = time.monotonic() + seconds
    it = resp.iter_content(chunk_size=65536)
    while time.monotonic() < deadline and len(parts) < max_parts:
        buf += next(it)
        while True:
            start = buf.find(b"--" + boundary + b"\r\n")
            if start < 0:
                break
            head_end = buf.find(b"\r\n\r\n", start)
            if head_end < 0:
                break
            headers = dict(line.split(": ", 1) for line in
                           buf[start:head_end].decode().split("\r\n")[1:])
            length = int(headers["Content-Length"])
            body_start = head_end + 4
            if len(buf) < body_start + length + 2:
                break
            parts.append((headers, buf[body_start:body_start + length]))
            assert buf[body_start + length:body_start + length + 2] == b"\r\n"
            buf = buf[body_start + length + 2:]
    return parts


def test_mjpeg_stream_parses_into_jpeg_parts(vigil, sim, tmp_path):
    cam, st = live_camera(vigil, sim, "p1")
    with vigil.get(f"/api/cameras/{cam['id']}/mjpeg", params={"fps": 5, "width": 320},
                   stream=True, timeout=20) as r:
        assert r.status_code == 200
        ctype = r.headers["Content-Type"]
        assert ctype.startswith("multipart/x-mixed-replace; boundary=")
        boundary = ctype.split("boundary=")[1].encode()
        parts = read_multipart(r, boundary, 4)
        assert stream_stats(vigil, st)["jpeg_encoders"] >= 1
    # About 5 a second over 4 s; generous bounds, this is not a timing test.
    assert 8 <= len(parts) <= 40, len(parts)
    for headers, body in parts:
        assert headers["Content-Type"] == "image/jpeg"
        assert body[:2] == b"\xff\xd8" and body[-2:] == b"\xff\xd9"
    assert ffprobe_size(parts[-1][1], tmp_path) == (320, 180)
    # The last viewer left: the encoder stops.
    wait_for(lambda: stream_stats(vigil, st)["jpeg_encoders"] == 0, 10, "no encoder")


def test_mjpeg_parameters_are_checked(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p1")
    for query in ("fps=0", "fps=31", "quality=x", "width=-1"):
        r = vigil.get(f"/api/cameras/{cam['id']}/mjpeg?{query}")
        assert r.status_code == 400, query


# ---- live frames over WebSocket (seed 003) ----

def ws_url(vigil, cam_id):
    return vigil.base_url.replace("http://", "ws://") + f"/ws/stream/{cam_id}"


def ws_open(vigil, cam_id):
    return websocket.create_connection(ws_url(vigil, cam_id), timeout=10)


def recv_json(ws, types=None, limit=200):
    """The next text message (of one of `types`), skipping frames when asked."""
    for _ in range(limit):
        op, data = ws.recv_data()
        if op != websocket.ABNF.OPCODE_TEXT:
            continue
        msg = json.loads(data)
        if types is None or msg["type"] in types:
            return msg
    raise AssertionError(f"no {types} message in {limit}")


def frames_for(ws, seconds):
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg = recv_json(ws)
        if msg["type"] == "frame":
            out.append(msg)
    return out


def test_websocket_start_gives_frames_with_metrics(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p4")
    ws = ws_open(vigil, cam["id"])
    try:
        ws.send(json.dumps({"action": "start_stream", "params": {"quality": "low", "fps": 10}}))
        status = recv_json(ws)
        assert status == {"type": "status", "status": "streaming", "camera_id": str(cam["id"]),
                          "params": {"quality": "low", "fps": 10, "width": 0, "format": "json"}}
        frames = frames_for(ws, 3)
        # About 10 a second; generous bounds.
        assert 15 <= len(frames) <= 45, len(frames)
        numbers = [f["frame_number"] for f in frames]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        last = frames[-1]
        assert last["camera_id"] == str(cam["id"])
        jpeg = base64.b64decode(last["data"])
        assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
        assert (last["width"], last["height"]) == (1280, 720)
        assert last["timestamp"].endswith("Z") and last["capture_timestamp"].endswith("Z")
        m = last["metrics"]
        assert set(m) >= {"fps", "target_fps", "quality", "format", "frames_sent",
                          "uptime_seconds", "avg_fps", "health_score"}
        assert m["target_fps"] == 10 and m["quality"] == "low" and m["format"] == "jpeg"
        assert m["frames_sent"] == len(frames)
        assert 3 <= m["fps"] <= 15 and 3 <= m["avg_fps"] <= 15
        assert 0 < m["uptime_seconds"] < 10
        assert 0 <= m["health_score"] <= 100
    finally:
        ws.close()


def test_websocket_update_quality_changes_jpeg_sizes_and_stop_stops(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p4")
    ws = ws_open(vigil, cam["id"])
    try:
        ws.send(json.dumps({"action": "start_stream", "params": {"quality": "low", "fps": 5}}))
        assert recv_json(ws)["status"] == "streaming"
        low = [len(base64.b64decode(f["data"])) for f in frames_for(ws, 2)]
        ws.send(json.dumps({"action": "update_quality", "params": {"quality": "high"}}))
        assert recv_json(ws, ("status",))["status"] == "quality_updated"
        high = [len(base64.b64decode(f["data"])) for f in frames_for(ws, 2)
                if f["metrics"]["quality"] == "high"]
        assert low and high
        assert sum(high) / len(high) > 1.3 * sum(low) / len(low)
        ws.send(json.dumps({"action": "stop_stream"}))
        assert recv_json(ws, ("status",))["status"] == "stopped"
        ws.settimeout(1.5)
        with pytest.raises(websocket.WebSocketTimeoutException):
            while True:  # frames already on their way may still arrive, then nothing
                assert recv_json(ws)["type"] == "frame"
    finally:
        ws.close()


def test_websocket_bad_messages_get_errors_and_the_connection_stays(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p4")
    ws = ws_open(vigil, cam["id"])
    try:
        for text, code in (("{not json", "bad_json"), ("[1,2]", "bad_json"),
                           ('{"params":{}}', "bad_action"), ('{"action":"fly"}', "bad_action"),
                           ('{"action":"start_stream","params":{"fps":0}}', "bad_params"),
                           ('{"action":"start_stream","params":{"quality":"ultra"}}',
                            "bad_params")):
            ws.send(text)
            msg = recv_json(ws)
            assert msg["type"] == "error" and msg["code"] == code, (text, msg)
            assert msg["message"]
        ws.send_binary(b"\x00\x01")
        assert recv_json(ws)["code"] == "bad_json"
        # Still open and working.
        ws.send(json.dumps({"action": "start_stream", "params": {"fps": 5}}))
        assert recv_json(ws)["status"] == "streaming"
        assert recv_json(ws, ("frame",))["metrics"]["target_fps"] == 5
    finally:
        ws.close()


def test_websocket_unknown_camera_is_an_error_message(vigil):
    for cam_id in ("987654", "not-an-id"):
        ws = ws_open(vigil, cam_id)
        try:
            ws.send(json.dumps({"action": "start_stream"}))
            msg = recv_json(ws)
            assert msg["type"] == "error" and msg["code"] == "unknown_camera"
        finally:
            ws.close()


def test_websocket_binary_format_pairs_metadata_and_jpeg(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p4")
    ws = ws_open(vigil, cam["id"])
    try:
        ws.send(json.dumps({"action": "start_stream",
                            "params": {"fps": 5, "format": "binary", "width": 640}}))
        assert recv_json(ws)["params"]["format"] == "binary"
        for _ in range(5):
            op, data = ws.recv_data()
            assert op == websocket.ABNF.OPCODE_TEXT
            meta = json.loads(data)
            assert meta["type"] == "frame" and meta["format"] == "binary" and "data" not in meta
            op, jpeg = ws.recv_data()
            assert op == websocket.ABNF.OPCODE_BINARY
            assert len(jpeg) == meta["size"] and jpeg[:2] == b"\xff\xd8"
            assert (meta["width"], meta["height"]) == (640, 360)
    finally:
        ws.close()


def test_twenty_viewers_at_one_setting_share_one_encoder(vigil, sim):
    cam, st = live_camera(vigil, sim, "p4")
    clients = []
    try:
        for _ in range(20):
            ws = ws_open(vigil, cam["id"])
            clients.append(ws)
            ws.send(json.dumps({"action": "start_stream", "params": {"quality": "medium",
                                                                    "fps": 5, "width": 320}}))
            assert recv_json(ws)["status"] == "streaming"
        assert stream_stats(vigil, st)["jpeg_encoders"] == 1
        assert stream_stats(vigil, st)["viewers"] >= 20
        for ws in clients:
            assert recv_json(ws, ("frame",))["width"] == 320
        # MJPEG at the same settings (medium = 80) joins the same encoder; another width does not.
        with vigil.get(f"/api/cameras/{cam['id']}/mjpeg?fps=5&quality=80&width=320",
                       stream=True, timeout=20) as r:
            assert r.status_code == 200
            assert stream_stats(vigil, st)["jpeg_encoders"] == 1
            clients[0].send(json.dumps({"action": "update_quality", "params": {"width": 160}}))
            assert recv_json(clients[0], ("status",))["status"] == "quality_updated"
            assert stream_stats(vigil, st)["jpeg_encoders"] == 2
    finally:
        for ws in clients:
            ws.close()
    wait_for(lambda: stream_stats(vigil, st)["jpeg_encoders"] == 0, 10, "no encoders")


def test_a_slow_websocket_client_skips_to_the_newest_frame(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p4")
    ws = ws_open(vigil, cam["id"])
    try:
        # A small receive buffer so that the kernel holds few frames for us.
        ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        ws.send(json.dumps({"action": "start_stream", "params": {"fps": 25, "quality": "high"}}))
        assert recv_json(ws)["status"] == "streaming"
        time.sleep(4)  # not reading: vigil must skip frames, not queue them
        frames = frames_for(ws, 2)
        numbers = [f["frame_number"] for f in frames]
        gaps = [b - a for a, b in zip(numbers, numbers[1:])]
        assert any(g > 1 for g in gaps), numbers
        assert frames[-1]["metrics"]["frames_sent"] < frames[-1]["frame_number"]
    finally:
        ws.close()


# ---- the WebSocket protocol itself (RFC 6455) ----

def raw_handshake(vigil, cam_id, extra=b""):
    s = socket.create_connection(("127.0.0.1", vigil.port), timeout=10)
    s.sendall(b"GET /ws/stream/%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n%s\r\n" % (str(cam_id).encode(), extra))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        assert chunk, head
        head += chunk
    return s, head.decode()


def read_frame(s):
    def exact(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            assert chunk
            b += chunk
        return b
    h = exact(2)
    n = h[1] & 0x7F
    if n == 126:
        n = int.from_bytes(exact(2), "big")
    elif n == 127:
        n = int.from_bytes(exact(8), "big")
    return h[0] & 0x0F, exact(n)


def test_handshake_accept_key_and_errors(vigil):
    s, head = raw_handshake(vigil, 1)
    try:
        assert head.startswith("HTTP/1.1 101")
        assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    finally:
        s.close()
    r = vigil.get("/ws/stream/1")
    assert r.status_code == 426 and r.json()["error"]["code"] == "upgrade_required"
    r = vigil.get("/ws/stream/1", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                           "Sec-WebSocket-Version": "8",
                                           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert r.status_code == 426 and r.headers["Sec-WebSocket-Version"] == "13"
    r = vigil.get("/ws/stream/1", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                           "Sec-WebSocket-Version": "13",
                                           "Sec-WebSocket-Key": "short"})
    assert r.status_code == 400


def test_ping_pong_and_close_handshake(vigil):
    ws = ws_open(vigil, 1)
    ws.ping(b"are you there")
    op, data = ws.recv_data(control_frame=True)
    assert op == websocket.ABNF.OPCODE_PONG and data == b"are you there"
    ws.send_close(status=1000, reason=b"bye")
    op, data = ws.recv_data(control_frame=True)
    assert op == websocket.ABNF.OPCODE_CLOSE and data[:2] == (1000).to_bytes(2, "big")
    ws.shutdown()


def test_protocol_errors_close_with_the_rfc_code(vigil):
    # An unmasked client frame: 1002 (RFC 6455 section 5.1).
    s, _ = raw_handshake(vigil, 1)
    try:
        s.sendall(b"\x81\x02hi")
        op, payload = read_frame(s)
        assert op == 8 and int.from_bytes(payload[:2], "big") == 1002
    finally:
        s.close()
    # A message over 1 MiB: 1009, refused from its header.
    s, _ = raw_handshake(vigil, 1)
    try:
        s.sendall(b"\x82\xff" + (2 * 1024 * 1024).to_bytes(8, "big") + b"\x00\x00\x00\x00")
        op, payload = read_frame(s)
        assert op == 8 and int.from_bytes(payload[:2], "big") == 1009
    finally:
        s.close()
    # The server goes on serving everyone else.
    assert vigil.get("/health").status_code == 200


def test_websocket_over_http10_is_refused_and_the_server_keeps_serving(vigil, sim):
    cam, _ = live_camera(vigil, sim, "p1")
    s = socket.create_connection(("127.0.0.1", vigil.port), timeout=10)
    try:
        s.sendall(b"GET /ws/stream/1 HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert s.recv(200).split(b"\r\n")[0].endswith(b" 400 Bad Request")
    finally:
        s.close()
    # Nothing is left spinning: a snapshot that needs a worker comes back at once.
    r = vigil.get(f"/api/cameras/{cam['id']}/snapshot.jpg?width=200&quality=33", timeout=5)
    assert r.status_code == 200


def test_websocket_origin_is_checked(make_server):
    srv = make_server(env={**ENV, "VIGIL_WSALLOWORIGINS": "https://console.example"})
    url = srv.base_url.replace("http://", "ws://") + "/ws/stream/1"
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(url, timeout=10, origin="https://evil.example")
    assert e.value.status_code == 403
    websocket.create_connection(url, timeout=10, origin="https://console.example").close()
    websocket.create_connection(url, timeout=10, suppress_origin=True).close()


def test_clients_that_reset_mid_conversation_do_not_hurt_the_server(vigil, sim):
    """A reset while vigil answers (bad params, frames in binary mode) ends only that client."""
    cam, _ = live_camera(vigil, sim, "p4")
    for params in ({"fps": 99}, {"fps": 25, "format": "binary", "width": 160}):
        for _ in range(10):
            s, _ = raw_handshake(vigil, cam["id"])
            mask = b"\x01\x02\x03\x04"
            text = json.dumps({"action": "start_stream", "params": params}).encode()
            frame = bytes([0x81, 0x80 | len(text)]) + mask + bytes(
                b ^ mask[i % 4] for i, b in enumerate(text))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.sendall(frame)
            time.sleep(0.1)
            s.close()  # RST: vigil's next write fails
    assert vigil.get("/health").status_code == 200
    assert snapshot(vigil, cam).status_code == 200
