"""Self-test of the browser harness (browser.py, tests/browser/hls_play.mjs),
without vigil: ffmpeg makes a live fMP4 HLS stream into a tmp dir, a Python
http.server on 127.0.0.1 serves it (with CORS, as vigil will), and Chromium
with hls.js must play it. When this fails, the browser tests of vigil mean
nothing."""
import functools
import http.server
import signal
import subprocess
import threading
import time

import pytest

from browser import browser_unavailable, play_hls

PLAYLIST_WAIT_S = 10.0


class _CorsHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-cache")  # a live playlist changes every second
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def live_hls(tmp_path):
    """A live 640x360 25 fps fMP4 HLS stream (1 s segments, a key frame each)
    at http://127.0.0.1:PORT/index.m3u8."""
    out = tmp_path / "hls"
    out.mkdir()
    log = open(tmp_path / "ffmpeg.log", "wb")
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "25", "-bf", "0",
         "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", "1", "-hls_list_size", "6",
         "-hls_flags", "delete_segments+program_date_time", str(out / "index.m3u8")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=log)
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_CorsHandler, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        # Wait (bounded) for three segments, so the player starts on a real live window.
        playlist = out / "index.m3u8"
        deadline = time.monotonic() + PLAYLIST_WAIT_S
        while time.monotonic() < deadline and ffmpeg.poll() is None:
            if playlist.exists() and playlist.read_text().count("#EXTINF") >= 3:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"ffmpeg made no playlist in {PLAYLIST_WAIT_S} s (exit {ffmpeg.poll()}):\n"
                        + (tmp_path / "ffmpeg.log").read_text(errors="replace"))
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.m3u8"
    finally:
        httpd.shutdown()
        httpd.server_close()
        if ffmpeg.poll() is None:
            ffmpeg.send_signal(signal.SIGTERM)
            try:
                ffmpeg.wait(5)
            except subprocess.TimeoutExpired:
                ffmpeg.kill()
                ffmpeg.wait(5)
        log.close()


def test_chromium_plays_live_hls(live_hls, tmp_path):
    # `make test` installs the browser (make deps): missing is a failure, not a skip.
    reason = browser_unavailable()
    assert reason is None, reason
    shot = tmp_path / "video.png"
    r = play_hls(live_hls, seconds=8, low_latency=False, screenshot=shot)
    summary = {k: v for k, v in r.items() if k != "samples"}
    assert r["advanced_seconds"] >= 5, summary
    assert (r["width"], r["height"]) == (640, 360), summary
    # testsrc2 is colour bars: a black or blank picture has a luma spread near 0.
    assert r["luma_stddev"] > 20, summary
    assert not [e for e in r["errors"] if e["fatal"]], summary
    assert r["frames_total"] > 100, summary
    assert r["latency_ms"] is not None and 0 < r["latency_ms"]["median"] < 15000, summary
    assert shot.stat().st_size > 1000
