"""Live HLS and LL-HLS (issue 4), judged by what a player sees: playlists
per RFC 8216bis, fMP4 that ffprobe reads, blocking reloads, and HTTP
details. The camera is the GStreamer simulator (1280x720, 25 fps, a key
frame every second)."""
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import ServerFactory
from hls_util import media_uri, parse_media, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

ENV = {"VIGIL_READTIMEOUT": "3s", "VIGIL_SOURCEONDEMANDSTARTTIMEOUT": "6s"}


@pytest.fixture(scope="module")
def sim():
    with CameraSimulator(cameras=["h1", "h2", "h3", "h4", "h5"],
                         cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("hls"))
    try:
        yield factory("hls", env=ENV)
    finally:
        factory.teardown()


_started = {}


def live_camera(vigil, sim, name, **fields):
    """A camera of the simulator with a running stream (once per module)."""
    if name not in _started:
        _started[name] = vigil.start_camera(name, sim.url(name), **fields)
    return _started[name]


def media_playlist(vigil, uri, **params):
    r = vigil.get(uri, params=params, timeout=15)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    return parse_media(r.text)


def wait_segments(vigil, uri, count):
    def enough():
        pl = media_playlist(vigil, uri)
        return pl if len(pl["segments"]) >= count else None
    return wait_for(enough, 20, f"{count} segments")


def ffprobe_json(*args, timeout=30):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args], capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_multivariant_playlist_and_ffprobe_decodes_frames(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    r = vigil.get(f"/hls/{cam['path']}/index.m3u8", timeout=15)
    assert r.status_code == 200
    lines = r.text.splitlines()
    inf = [l for l in lines if l.startswith("#EXT-X-STREAM-INF:")]
    assert len(inf) == 1
    assert 'CODECS="avc1.' in inf[0] and "RESOLUTION=1280x720" in inf[0]
    assert "FRAME-RATE=25.000" in inf[0] and "BANDWIDTH=" in inf[0]
    assert lines[-1].startswith("stream.m3u8?session=")

    probe = ffprobe_json("-count_frames", "-read_intervals", "%+2", "-select_streams", "v:0",
                         "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                         vigil.url(f"/hls/{cam['path']}/index.m3u8"))
    stream = probe["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 1280, 720)
    assert int(stream["nb_read_frames"]) >= 25


def test_segment_and_part_durations_within_the_spec(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    pl = wait_segments(vigil, media_uri(vigil, cam["path"]), 4)
    assert {"EXT-X-VERSION", "EXT-X-TARGETDURATION", "EXT-X-SERVER-CONTROL", "EXT-X-PART-INF",
            "EXT-X-MAP", "EXT-X-PROGRAM-DATE-TIME", "EXT-X-PART",
            "EXT-X-PRELOAD-HINT"} <= pl["tags"]
    assert pl["server_control"]["CAN-BLOCK-RELOAD"] == "YES"
    part_target = pl["part_target"]
    assert part_target == pytest.approx(0.2)
    assert float(pl["server_control"]["PART-HOLD-BACK"]) >= 3 * part_target - 1e-9
    assert pl["target"] == 1
    for seg in pl["segments"]:
        # RFC 8216bis 4.4.3.1: EXTINF rounded to the nearest integer is <= TARGETDURATION.
        assert round(seg["duration"]) <= pl["target"]
        assert seg["duration"] >= 1.0 - 1e-6  # hlsSegmentDuration, cut on the 1 s key frames
        assert seg["date"].endswith("Z")
        if not seg["parts"]:
            continue  # parts are listed for the last three target durations only
        assert seg["parts"][0]["independent"]
        assert sum(p["duration"] for p in seg["parts"]) == pytest.approx(seg["duration"], abs=1e-4)
        for i, part in enumerate(seg["parts"]):
            # RFC 8216bis 4.4.4.9: <= PART-TARGET; >= 85% of it unless independent or last.
            assert part["duration"] <= part_target + 1e-6
            if not part["independent"] and i != len(seg["parts"]) - 1:
                assert part["duration"] >= 0.85 * part_target
    assert sum(1 for s in pl["segments"] if s["parts"]) >= 3


def test_segments_hold_every_frame_with_timestamps_and_key_flags(vigil, sim, tmp_path):
    cam, _ = live_camera(vigil, sim, "h1")
    pl = wait_segments(vigil, media_uri(vigil, cam["path"]), 4)
    segs = pl["segments"][-3:]
    data = vigil.get(f"/hls/{cam['path']}/{segs[0]['map']}").content
    for seg in segs:
        r = vigil.get(f"/hls/{cam['path']}/{seg['uri']}")
        assert r.status_code == 200 and r.headers["Content-Type"] == "video/mp4"
        data += r.content
    f = tmp_path / "three.mp4"
    f.write_bytes(data)
    packets = ffprobe_json("-show_packets", "-show_entries", "packet=pts,dts,duration,flags",
                           str(f))["packets"]
    assert len(packets) == 75  # three 1 s segments at 25 fps
    dts = [p["dts"] for p in packets]
    assert all(b - a == 3600 for a, b in zip(dts, dts[1:])), dts[:10]  # 90 kHz, 25 fps
    keys = [i for i, p in enumerate(packets) if p["flags"].startswith("K")]
    assert keys == [0, 25, 50]
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(f), "-f", "null", "-"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out.stderr

    # A part is the same bytes as its place in the segment.
    last = pl["segments"][-1]
    if last["parts"]:
        whole = vigil.get(f"/hls/{cam['path']}/{last['uri']}").content
        parts = b"".join(vigil.get(f"/hls/{cam['path']}/{p['uri']}").content
                         for p in last["parts"])
        assert parts == whole


def test_blocking_reload_is_answered_when_the_part_appears(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    uri = media_uri(vigil, cam["path"])
    wait_segments(vigil, uri, 2)
    for _ in range(3):
        pl = media_playlist(vigil, uri)
        hint = pl["preload_hint"]["URI"]  # part_<muxer>_<msn>_<i>.mp4
        msn, part = (int(x) for x in hint[:-4].split("_")[2:4])
        assert hint not in [p["uri"] for p in pl["parts_in_progress"]]
        got = media_playlist(vigil, uri, _HLS_msn=msn, _HLS_part=part)
        listed = [p["uri"] for s in got["segments"] for p in s["parts"]]
        listed += [p["uri"] for p in got["parts_in_progress"]]
        assert hint in listed  # answered only once the part exists
        r = vigil.get(f"/hls/{cam['path']}/{hint}")
        assert r.status_code == 200 and r.content[4:8] == b"moof"


def test_preload_hint_part_is_held_until_it_exists(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    uri = media_uri(vigil, cam["path"])
    wait_segments(vigil, uri, 1)
    hint = media_playlist(vigil, uri)["preload_hint"]["URI"]
    r = vigil.get(f"/hls/{cam['path']}/{hint}", timeout=10)
    assert r.status_code == 200 and r.headers["Cache-Control"].endswith("immutable")
    assert r.content[4:8] == b"moof"


def test_blocking_reload_errors(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    uri = media_uri(vigil, cam["path"])
    pl = wait_segments(vigil, uri, 1)
    last = pl["segments"][-1]["msn"]
    # RFC 8216bis 6.2.5.2: more than two past the last segment is a Bad Request.
    r = vigil.get(uri, params={"_HLS_msn": last + 3})
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_far_ahead"
    # The Advance Part Limit is 3 / PART-TARGET parts (0.2 s parts: 15) past the last part.
    r = vigil.get(uri, params={"_HLS_msn": last + 2, "_HLS_part": 15})
    assert r.status_code == 400
    r = vigil.get(uri, params={"_HLS_part": 1})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    r = vigil.get(uri, params={"_HLS_msn": "x"})
    assert r.status_code == 400
    # A made-up session is served, but counts as no viewer.
    made_up = uri.split("session=")[0] + "session=0123456789abcdef"
    assert vigil.get(made_up).status_code == 200
    # An old segment number is answered at once.
    assert media_playlist(vigil, uri, _HLS_msn=0)["segments"]


def test_http_details(vigil, sim):
    cam, _ = live_camera(vigil, sim, "h1")
    path = cam["path"]
    uri = media_uri(vigil, path)
    pl = wait_segments(vigil, uri, 1)
    r = vigil.get(uri)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    seg = vigil.get(f"/hls/{path}/{pl['segments'][-1]['uri']}")
    assert seg.headers["Cache-Control"] == "public, max-age=3600, immutable"
    init = vigil.get(f"/hls/{path}/init.mp4")
    assert init.status_code == 200 and init.content[4:8] == b"ftyp"
    assert init.headers["Content-Type"] == "video/mp4"
    head = vigil.request("HEAD", f"/hls/{path}/{pl['segments'][-1]['uri']}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(seg.content))
    opt = vigil.request("OPTIONS", f"/hls/{path}/index.m3u8",
                        headers={"Origin": "http://x.example",
                                 "Access-Control-Request-Method": "GET"})
    assert opt.status_code == 204 and opt.headers["Access-Control-Allow-Origin"] == "*"

    for bad in (f"/hls/cam_999/index.m3u8", f"/hls/{path}/seg_00000000_1.mp4",
                f"/hls/{path}/nothing.ts", f"/hls/{path}/seg_{uri[-2:]}x.mp4",
                f"/hls/{path}/part_ffffffff_99999999_0.mp4", f"/hls/{path}/init_zz_0.mp4"):
        r = vigil.get(bad)
        assert r.status_code == 404, bad
        assert r.headers["Content-Type"] == "application/json" and r.json()["error"]["code"]
    # Gone from the playlist (older than hlsSegmentCount) is 404 too.
    muxer = pl["segments"][-1]["uri"].split("_")[1]
    assert vigil.get(f"/hls/{path}/seg_{muxer}_{pl['segments'][0]['msn'] + 1000}.mp4").status_code == 404


def test_allowed_origins_list(make_server, sim):
    srv = make_server(env={**ENV, "VIGIL_HLSALLOWORIGINS": "https://a.example, https://b.example"})
    cam = srv.create_camera(name="h2", stream_url=sim.url("h2"))
    srv.start_stream(cam["id"])
    r = srv.get(f"/hls/{cam['path']}/index.m3u8", headers={"Origin": "https://b.example"},
                timeout=20)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://b.example"
    r = srv.get(f"/hls/{cam['path']}/index.m3u8", headers={"Origin": "https://c.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_camera_reconnect_gives_a_discontinuity_and_playback_goes_on(vigil, sim, tmp_path):
    cam, st = live_camera(vigil, sim, "h3")
    uri = media_uri(vigil, cam["path"])
    wait_segments(vigil, uri, 2)
    sim.stop_camera("h3")
    time.sleep(1.0)
    sim.start_camera("h3")

    def discontinuity():
        pl = media_playlist(vigil, uri)
        after = [i for i, s in enumerate(pl["segments"]) if s.get("discontinuity")]
        return pl if after and after[-1] < len(pl["segments"]) - 1 else None
    pl = wait_for(discontinuity, 30, "a discontinuity followed by new segments")
    i = [i for i, s in enumerate(pl["segments"]) if s.get("discontinuity")][-1]
    seg = pl["segments"][i]
    data = vigil.get(f"/hls/{cam['path']}/{seg['map']}").content
    data += vigil.get(f"/hls/{cam['path']}/{seg['uri']}").content
    f = tmp_path / "after.mp4"
    f.write_bytes(data)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(f), "-f", "null", "-"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == ""
    # Timestamps go on across the reconnect: the new segment starts after the old ones.
    assert pl["segments"][i]["date"] > pl["segments"][0]["date"]


def test_viewers_are_counted_per_session_and_limited_by_max_readers(vigil, sim):
    cam, st = live_camera(vigil, sim, "h4", max_readers=2)
    first = media_uri(vigil, cam["path"])
    second = media_uri(vigil, cam["path"])
    assert first != second  # one session each
    stats = vigil.get(f"/api/streams/{st['id']}").json()["stats"]
    assert stats["viewers"] == 2 and stats["readers"] == 1  # one muxer serves both
    r = vigil.get(f"/hls/{cam['path']}/index.m3u8")
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_readers"
    # A session keeps its place while its player polls.
    assert media_playlist(vigil, first)["segments"]


def test_on_demand_camera_starts_on_the_first_playlist_request(vigil, sim):
    cam = vigil.create_camera(name="h5", stream_url=sim.url("h5"))
    st = vigil.post("/api/streams/start", json={"camera_id": cam["id"], "on_demand": True}).json()
    assert st["status"] == "STANDBY"
    r = vigil.get(f"/hls/{cam['path']}/index.m3u8", timeout=20)  # held, not 404
    assert r.status_code == 200 and "RESOLUTION=1280x720" in r.text
    assert vigil.get(f"/api/streams/{st['id']}").json()["status"] == "RUNNING"
    assert vigil.post(f"/api/streams/{st['id']}/stop").status_code == 204


def test_held_request_is_answered_when_the_stream_stops(vigil, sim):
    cam = vigil.create_camera(name="h2 stop", stream_url=sim.url("h2"))
    st = vigil.start_stream(cam["id"])
    uri = media_uri(vigil, cam["path"])
    pl = media_playlist(vigil, uri)
    msn = pl["segments"][-1]["msn"] + 2  # far enough to be held
    result = {}

    def held():
        try:
            result["r"] = requests.get(vigil.url(uri), params={"_HLS_msn": msn}, timeout=15)
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            result["r"] = e
    t = threading.Thread(target=held, daemon=True)
    t.start()
    time.sleep(0.3)
    assert vigil.post(f"/api/streams/{st['id']}/stop").status_code == 204
    t.join(timeout=10)
    assert not isinstance(result.get("r"), Exception), result
    assert result["r"].status_code in (200, 503)
    assert vigil.get(uri).status_code == 404  # the path is gone


def test_muxer_closes_after_the_last_request_and_always_remux(make_server, sim):
    srv = make_server(env={**ENV, "VIGIL_HLSMUXERCLOSEAFTER": "500ms"})
    cam = srv.create_camera(name="h2 idle", stream_url=sim.url("h2"))
    st = srv.start_stream(cam["id"])
    assert srv.get(f"/hls/{cam['path']}/index.m3u8", timeout=20).status_code == 200
    readers = lambda: srv.get(f"/api/streams/{st['id']}").json()["stats"]["readers"]
    assert readers() == 1
    wait_for(lambda: readers() == 0, 8, "the muxer closed")
    srv.wait_for_log("muxer closed path=" + cam["path"])

    # A request held longer than hlsMuxerCloseAfter (a blocking reload two
    # segments ahead waits a whole segment, 1 s or more) is activity until it
    # is answered: the muxer (its id is in every URI) is still there right after.
    uri = media_uri(srv, cam["path"])
    pl = wait_for(lambda: (lambda p: p if p["segments"] else None)(
        parse_media(srv.get(uri, timeout=20).text)), 10, "a segment")
    muxer_id = pl["segments"][-1]["uri"].split("_")[1]
    held = srv.get(uri, params={"_HLS_msn": pl["segments"][-1]["msn"] + 2}, timeout=20)
    assert held.status_code == 200, held.text
    time.sleep(0.2)
    again = parse_media(srv.get(uri, timeout=20).text)
    assert again["segments"][-1]["uri"].split("_")[1] == muxer_id
    assert srv.log.count("muxer closed path=" + cam["path"]) == 1  # the one above only
    wait_for(lambda: srv.log.count("muxer closed path=" + cam["path"]) == 2, 8,
             "the muxer closed after its last answer")

    srv2 = make_server(env={**ENV, "VIGIL_HLSALWAYSREMUX": "yes"})
    cam2 = srv2.create_camera(name="h2 always", stream_url=sim.url("h2"))
    st2 = srv2.start_stream(cam2["id"])
    wait_for(lambda: srv2.get(f"/api/streams/{st2['id']}").json()["stats"]["readers"] == 1,
             10, "a muxer without any request")
    pl = wait_for(lambda: parse_media(srv2.get(f"/hls/{cam2['path']}/stream.m3u8").text)
                  if srv2.get(f"/hls/{cam2['path']}/stream.m3u8").status_code == 200 else None,
                  10, "segments")
    assert pl["segments"]
