"""24/7 recording (issue 7): fMP4 files that ffprobe reads, their index and
timeline, a crash in the middle of a segment, and an outage as a gap. The
camera is the GStreamer simulator (1280x720, 25 fps, a key frame every
second)."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ServerFactory
from hls_util import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ENV = {"VIGIL_READTIMEOUT": "2s", "VIGIL_RECORDSEGMENTDURATION": "3s",
       "VIGIL_RECORDPARTDURATION": "1s"}


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["r1", "r2", "r3"], cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    f = ServerFactory(tmp_path_factory.mktemp("record"))
    try:
        yield f
    finally:
        f.teardown()


def running_camera(vigil, sim, name):
    return vigil.start_camera(name, sim.url(name))


def ffprobe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "format=duration:stream=codec_name,width,height,nb_read_frames",
                          "-count_frames", "-of", "json", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def timeline(vigil, cam, **params):
    r = vigil.get(f"/api/cameras/{cam['id']}/recordings", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def files_of(vigil, cam):
    return sorted((vigil.data_dir / "recordings" / str(cam["id"])).glob("*/*.mp4"))


def test_recording_writes_valid_segments_whose_durations_add_up(factory, sim):
    vigil = factory("rec", env=ENV)
    cam, _ = running_camera(vigil, sim, "r1")
    r = vigil.post(f"/api/cameras/{cam['id']}/recording/start", json={"retention_days": 7})
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is True and r.json()["retention_days"] == 7
    wait_for(lambda: timeline(vigil, cam)["segments"] >= 3, 30, "3 segments")
    r = vigil.post(f"/api/cameras/{cam['id']}/recording/stop")
    assert r.status_code == 200 and r.json()["enabled"] is False
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "recorder closed")
    t = timeline(vigil, cam)
    files = files_of(vigil, cam)
    assert len(files) == t["segments"] >= 3
    assert len(t["spans"]) == 1 and t["gaps"] == []
    probed = 0.0
    for f in files:
        info = ffprobe(f)
        s = info["streams"][0]
        assert (s["codec_name"], s["width"], s["height"]) == ("h264", 1280, 720)
        assert int(s["nb_read_frames"]) > 0
        probed += float(info["format"]["duration"])
    # The index's durations and the files' agree within a frame per file.
    assert abs(probed * 1000 - t["recorded_ms"]) <= 40 * len(files), (probed, t)
    # Segments are cut at key frames at or after recordSegmentDuration (3 s) but the last.
    assert all(float(ffprobe(f)["format"]["duration"]) >= 2.9 for f in files[:-1])
    span = t["spans"][0]
    assert span["segments"] == t["segments"]
    assert abs(span["duration_ms"] - t["recorded_ms"]) <= 1500 * len(files)


def test_kill_during_a_segment_then_restart_indexes_the_partial_file(factory, sim):
    vigil = factory("crash", env={**ENV, "VIGIL_RECORDSEGMENTDURATION": "60s"})
    cam, _ = running_camera(vigil, sim, "r2")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start").status_code == 200
    wait_for(lambda: vigil.get(f"/api/cameras/{cam['id']}/recording").json()["writing"], 15,
             "writing")
    time.sleep(6)
    vigil.kill()  # SIGKILL: no chance to finish the file
    files = files_of(vigil, cam)
    assert len(files) == 1
    vigil.start()
    wait_for(lambda: "recovery:" in vigil.log, 15, "recovery")
    t = timeline(vigil, cam)
    assert t["segments"] >= 1
    rows = t["recorded_ms"]
    # 6 s were recorded before the kill; at most about a fragment (1 s) is lost.
    assert rows >= 4000, t
    info = ffprobe(files[0])
    assert float(info["format"]["duration"]) * 1000 >= 4000
    assert int(info["streams"][0]["nb_read_frames"]) >= 100
    # Recording goes on after the restart (record: true is kept).
    wait_for(lambda: len(files_of(vigil, cam)) >= 2, 20, "a new file")
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")


def test_a_camera_outage_is_a_gap_in_the_timeline(factory, sim):
    vigil = factory("gap", env=ENV)
    cam, st = running_camera(vigil, sim, "r3")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start").status_code == 200
    wait_for(lambda: timeline(vigil, cam)["segments"] >= 1, 20, "a segment")
    sim.stop_camera("r3")
    try:
        wait_for(lambda: vigil.get(f"/api/streams/{st['id']}").json()["status"] == "ERROR", 20,
                 "ERROR")
        time.sleep(3)
    finally:
        sim.start_camera("r3")
    wait_for(lambda: len(timeline(vigil, cam)["spans"]) >= 2, 40, "a second span")
    t = timeline(vigil, cam)
    assert len(t["gaps"]) >= 1
    assert t["gaps"][0]["duration_ms"] >= 2000
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")


def test_recording_requests_are_checked(factory):
    vigil = factory("recerr", env=ENV)
    cam = vigil.create_camera(name="x", stream_url="rtsp://127.0.0.1:9/x")
    assert vigil.post("/api/cameras/99999/recording/start").status_code == 404
    assert vigil.get("/api/cameras/99999/recordings").status_code == 404
    for body in ({"retention_days": 0}, {"retention_days": "7"}, {"other": 1}):
        r = vigil.post(f"/api/cameras/{cam['id']}/recording/start", json=body)
        assert r.status_code == 400, body
    for q in ("start=yesterday", "end=2026-13-01T00:00:00Z",
              "start=2026-11-21T10:00:00Z&end=2026-11-21T09:00:00Z"):
        r = vigil.get(f"/api/cameras/{cam['id']}/recordings?{q}")
        assert r.status_code == 400, q
    t = timeline(vigil, cam, start="2026-11-21T10:00:00+01:00", end="2026-11-21T10:00:00Z")
    assert t["start"] == "2026-11-21T09:00:00.000Z" and t["spans"] == [] and t["segments"] == 0


def test_record_field_on_the_camera_starts_and_stops_recording(factory, sim):
    vigil = factory("field", env=ENV)
    cam, _ = running_camera(vigil, sim, "r1")
    r = vigil.patch(f"/api/cameras/{cam['id']}", json={"record": True})
    assert r.status_code == 200 and r.json()["record"] is True
    wait_for(lambda: vigil.get(f"/api/cameras/{cam['id']}/recording").json()["writing"], 15,
             "writing")
    r = vigil.patch(f"/api/cameras/{cam['id']}", json={"record": False})
    assert r.status_code == 200
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "stopped")
    wait_for(lambda: timeline(vigil, cam)["segments"] == 1, 10, "the file indexed")


def sql(vigil, statement):
    out = subprocess.run(["sqlite3", str(vigil.data_dir / "vigil.db"), statement],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_retention_deletes_old_segments_and_keeps_permanent_ones(factory, sim):
    env = {**ENV, "VIGIL_RECORDSEGMENTDURATION": "1s"}
    vigil = factory("retention", env=env)
    cam, _ = running_camera(vigil, sim, "r2")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start",
                      json={"retention_days": 7}).status_code == 200
    wait_for(lambda: timeline(vigil, cam)["segments"] >= 4, 30, "4 segments")
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "stopped")
    assert vigil.stop() == 0
    total = int(sql(vigil, f"SELECT count(*) FROM recordings WHERE camera_id = {cam['id']}"))
    keep = sql(vigil, f"SELECT path FROM recordings WHERE camera_id = {cam['id']} "
                      "ORDER BY start_ms LIMIT 1 OFFSET 1")
    sql(vigil, f"UPDATE recordings SET permanent = 1 WHERE path = '{keep}'")
    # Six days later nothing is old enough; eight days later all but the permanent one is.
    vigil.extra_env["VIGIL_TESTCLOCKOFFSET"] = "6d"
    vigil.start()
    time.sleep(2)
    assert int(sql(vigil, "SELECT count(*) FROM recordings")) == total
    assert vigil.stop() == 0
    vigil.extra_env["VIGIL_TESTCLOCKOFFSET"] = "8d"
    vigil.start()
    wait_for(lambda: "retention: deleted" in vigil.log, 15, "retention")
    assert sql(vigil, "SELECT path FROM recordings") == keep
    assert [str(p.relative_to(vigil.data_dir / "recordings")) for p in files_of(vigil, cam)] == \
        [keep]


def test_size_limit_deletes_the_oldest_segments_first(factory, sim):
    env = {**ENV, "VIGIL_RECORDSEGMENTDURATION": "1s", "VIGIL_RECORDMAXBYTESPERCAMERA": "1MB",
           "VIGIL_RECORDCLEANUPINTERVAL": "1s"}
    vigil = factory("sizelimit", env=env)
    cam, _ = running_camera(vigil, sim, "r3")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start").status_code == 200
    wait_for(lambda: "retention: deleted" in vigil.log, 30, "a deletion")
    first = sql(vigil, f"SELECT min(start_ms) FROM recordings WHERE camera_id = {cam['id']}")
    time.sleep(4)
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "stopped")
    time.sleep(2)  # one more cleanup after the last file
    rows = sql(vigil, f"SELECT start_ms, bytes FROM recordings WHERE camera_id = {cam['id']} "
                      "ORDER BY start_ms").splitlines()
    sizes = [int(r.split("|")[1]) for r in rows]
    assert sum(sizes) <= 1_000_000
    # The oldest went first: what is left is the newest, and later than before.
    assert int(rows[0].split("|")[0]) > int(first)
    assert len(files_of(vigil, cam)) == len(rows)


class Receiver:
    """A webhook receiver on loopback that records every POST."""

    def __init__(self):
        import http.server
        import threading
        self.posts = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_expiry_notice_is_sent_once_signed_and_listed(factory, sim):
    import hashlib
    import hmac
    env = {**ENV, "VIGIL_RECORDSEGMENTDURATION": "1s"}
    vigil = factory("expiry", env=env)
    cam, _ = running_camera(vigil, sim, "r1")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start",
                      json={"retention_days": 7}).status_code == 200
    wait_for(lambda: timeline(vigil, cam)["segments"] >= 3, 30, "3 segments")
    vigil.post(f"/api/cameras/{cam['id']}/recording/stop")
    wait_for(lambda: not vigil.get(f"/api/cameras/{cam['id']}/recording").json()["active"], 10,
             "stopped")
    assert vigil.stop() == 0
    segments = int(sql(vigil, "SELECT count(*) FROM recordings"))
    receiver = Receiver()
    try:
        # Six and a half days later: deleted in half a day, so "expiring" within 1 day.
        vigil.extra_env.update({"VIGIL_TESTCLOCKOFFSET": "156h", "VIGIL_RECORDCLEANUPINTERVAL": "1s",
                                "VIGIL_RECORDWEBHOOKURL": receiver.url,
                                "VIGIL_RECORDWEBHOOKSECRET": "s3cret"})
        vigil.start()
        wait_for(lambda: receiver.posts, 15, "a webhook")
        time.sleep(3)  # several more passes: nothing more may come
        assert len(receiver.posts) == 1
        headers, body = receiver.posts[0]
        expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Vigil-Signature"] == f"sha256={expected}"
        assert headers["X-Vigil-Event"] == "recordings.expiring"
        notice = json.loads(body)
        assert notice["camera_id"] == cam["id"] and len(notice["spans"]) >= 1
        assert sum(s["segments"] for s in notice["spans"]) == segments
        r = vigil.get("/api/recordings/expiring", params={"within": "1d"}).json()
        listed = [c for c in r["cameras"] if c["camera_id"] == cam["id"]]
        assert listed and sum(s["segments"] for s in listed[0]["spans"]) == segments
        r = vigil.get("/api/recordings/expiring", params={"within": "1h"}).json()
        assert not [c for c in r["cameras"] if c["camera_id"] == cam["id"]]
        assert vigil.get("/api/recordings/expiring?within=soon").status_code == 400
        # Announced once, across restarts too.
        assert vigil.stop() == 0
        vigil.start()
        time.sleep(3)
        assert len(receiver.posts) == 1
        assert int(sql(vigil, "SELECT count(*) FROM recordings")) == segments  # not deleted yet
    finally:
        receiver.close()


def test_a_disk_short_of_space_deletes_oldest_then_stops_recording(factory, sim):
    """recordMinFreeSpace above what any disk has: retention deletes every segment that is
    not permanent, then, with only permanent ones left, recording stops with a clear status."""
    env = {**ENV, "VIGIL_RECORDSEGMENTDURATION": "1s", "VIGIL_RECORDCLEANUPINTERVAL": "1s"}
    vigil = factory("diskfull", env=env)
    cam, _ = running_camera(vigil, sim, "r2")
    assert vigil.post(f"/api/cameras/{cam['id']}/recording/start").status_code == 200
    wait_for(lambda: timeline(vigil, cam)["segments"] >= 3, 30, "3 segments")
    assert vigil.stop() == 0
    keep = sql(vigil, "SELECT path FROM recordings ORDER BY start_ms LIMIT 1")
    sql(vigil, f"UPDATE recordings SET permanent = 1 WHERE path = '{keep}'")
    vigil.extra_env["VIGIL_RECORDMINFREESPACE"] = "1000TiB"
    vigil.start()
    wait_for(lambda: "only permanent recordings are left" in vigil.log, 20, "disk full")

    def stopped():
        st = vigil.get(f"/api/cameras/{cam['id']}/recording").json()
        return st["enabled"] and not st["active"] and "disk is full" in (st["last_error"] or "")
    wait_for(stopped, 10, "recording stopped")
    assert sql(vigil, "SELECT path FROM recordings") == keep
    assert [str(p.relative_to(vigil.data_dir / "recordings")) for p in files_of(vigil, cam)] == \
        [keep]
