"""Glass-to-player latency of vigil's live HLS in Chromium, and how long the
first playlist takes (issue 4's latency section), on a running camera and right
after a camera starts.

Latency = wall clock now - EXT-X-PROGRAM-DATE-TIME of the frame at
video.currentTime, sampled every 500 ms by tests/browser/hls_play.mjs with
hls.js, LL mode on and off. First playlist = time from a cold request for
index.m3u8 (no muxer yet on a running path) to its answer.

Run inside a private network namespace (bench/hls/run-latency.sh does):
    /usr/bin/python3 bench/hls/latency.py [--runs 3] [--seconds 20]
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from browser import play_hls  # noqa: E402
from camsim import CameraSimulator, default_cache_dir  # noqa: E402


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except requests.ConnectionError:
            pass  # not listening yet
        time.sleep(0.1)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--first-playlist-runs", type=int, default=15)
    ap.add_argument("--camera-start-runs", type=int, default=8)
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "vigil"))
    args = ap.parse_args()
    with CameraSimulator(cameras=["lat"], cache_dir=default_cache_dir()) as sim, \
            tempfile.TemporaryDirectory() as data:
        env = {"PATH": "/usr/bin:/bin", "VIGIL_HLSMUXERCLOSEAFTER": "1s"}
        port = 18990
        vigil = subprocess.Popen([args.binary, "serve", "--data", data, "--listen",
                                  f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            assert wait_until(lambda: requests.get(base + "/health", timeout=1).ok, 10)
            cam = requests.post(base + "/api/cameras",
                                json={"name": "lat", "stream_url": sim.url("lat")}).json()
            st = requests.post(base + "/api/streams/start", json={"camera_id": cam["id"]}).json()
            status = lambda: requests.get(f"{base}/api/streams/{st['id']}").json()
            assert wait_until(lambda: status()["status"] == "RUNNING", 15)
            index = f"{base}/hls/{cam['path']}/index.m3u8"

            first = []
            for i in range(args.first_playlist_runs):
                assert wait_until(lambda: status()["stats"]["readers"] == 0, 10)
                time.sleep((i * 0.137) % 1)  # vary the phase against the key frames
                t0 = time.monotonic()
                assert requests.get(index, timeout=15).status_code == 200
                first.append(time.monotonic() - t0)
            print(f"first playlist, cold muxer, key frame every 1 s: n={len(first)} "
                  f"min {min(first):.3f} s, median {statistics.median(first):.3f} s, "
                  f"max {max(first):.3f} s")

            # The same request the moment a camera turns RUNNING: no previous GOP
            # yet, so the muxer waits for the camera's first segment.
            started = []
            for _ in range(args.camera_start_runs):
                requests.post(f"{base}/api/streams/{st['id']}/stop")
                assert wait_until(lambda: status()["status"] == "STOPPED", 15)
                st = requests.post(base + "/api/streams/start",
                                   json={"camera_id": cam["id"]}).json()
                assert wait_until(lambda: status()["status"] == "RUNNING", 15)
                t0 = time.monotonic()
                assert requests.get(index, timeout=15).status_code == 200
                started.append(time.monotonic() - t0)
            if started:
                print(f"first playlist, right after the camera turned RUNNING: n={len(started)} "
                      f"min {min(started):.3f} s, median {statistics.median(started):.3f} s, "
                      f"max {max(started):.3f} s")

            for ll in (True, False):
                medians = []
                for _ in range(args.runs):
                    r = play_hls(index, args.seconds, low_latency=ll)
                    medians.append(r["latency_ms"]["median"])
                    print(f"  {'LL-HLS' if ll else 'plain HLS'}: latency median "
                          f"{r['latency_ms']['median']} ms p90 {r['latency_ms']['p90']} ms, "
                          f"stalls {r['stalls']}, waits in the player's own seeks "
                          f"{r['seek_waits']}, advanced {r['advanced_seconds']:.1f} s "
                          f"of {args.seconds}", flush=True)
                print(f"{'LL-HLS' if ll else 'plain HLS'}: median of run medians "
                      f"{statistics.median(medians):.0f} ms over {len(medians)} runs")
        finally:
            vigil.terminate()
            vigil.wait(timeout=10)


if __name__ == "__main__":
    main()
