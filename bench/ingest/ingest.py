#!/usr/bin/python3
"""bench/ingest: pulling N cameras, vigil against one `ffmpeg -c copy` per camera.

For each N (default 1, 10, 50), in the same run and against the same
simulated cameras (tests/tools/camsim.py: 1280x720, 25 fps, ~3 Mbit/s H.264
over RTSP/TCP):

  vigil   one process pulling N cameras, one counting reader per camera
          (GET /api/debug/paths/cam_K/sample?format=json, vigil's own reader)
  ffmpeg  N processes: ffmpeg -rtsp_transport tcp -i URL -c copy -f null -

Each side is measured over the same window after a warm-up: CPU from
/proc/<pid>/stat (utime + stime, all threads), as % of one core; memory as
RSS and PSS (smaps_rollup: shared pages split between the processes that
share them) summed over the side's processes. Printed per camera, with the
ratio ffmpeg / vigil. The issue's target: vigil at most 0.25% of one core
and 3 MiB RSS per 720p25 3 Mbit/s camera.

Run it through bench/ingest/run.sh (a private network namespace, release
build); it writes bench/results/ingest-<date>.md.
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402
sys.path.insert(0, str(ROOT / "bench"))
from procstat import memory_kib  # noqa: E402
from common import Vigil, api, emit, measure, spawn, stop  # noqa: E402


def run_vigil(binary, urls, seconds, warmup, workdir):
    v = Vigil(binary, workdir, extra=["--debug-endpoints"], listen_timeout=10)
    try:
        idle = memory_kib(v.pid)
        paths = [c["path"] for c in v.add_cameras(urls)]
        results = {}

        def reader(path):
            results[path] = api(v.base, "GET", f"/api/debug/paths/{path}/sample?format=json&"
                                f"seconds={int(seconds + warmup + 2)}",
                                timeout=seconds + warmup + 30)

        threads = [threading.Thread(target=reader, args=(p,), daemon=True) for p in paths]
        for t in threads:
            t.start()
        time.sleep(warmup)
        m = measure([v.pid], seconds)
        for t in threads:
            t.join(timeout=seconds + 60)
        frames = sum(r["video_frames"] for r in results.values())
        m.update(idle_rss_kib=idle[0], frames=frames, readers=len(results))
        return m
    finally:
        v.close()


def run_ffmpeg(urls, seconds, warmup):
    procs = [spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                    "-i", url, "-c", "copy", "-f", "null", "-"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for url in urls]
    try:
        time.sleep(warmup)
        alive = [p for p in procs if p.poll() is None]
        if len(alive) != len(procs):
            raise RuntimeError(f"{len(procs) - len(alive)} ffmpeg readers exited early")
        return measure([p.pid for p in procs], seconds)
    finally:
        stop(procs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", default="1,10,50")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=4)
    ap.add_argument("--vigil", default=str(ROOT / "build" / "release" / "vigil"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = []
    for n in [int(x) for x in args.counts.split(",")]:
        with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp, \
                CameraSimulator(cameras=n, cache_dir=default_cache_dir(),
                                start_timeout=120) as sim:
            urls = [sim.url(f"cam{i + 1}") for i in range(n)]
            v = run_vigil(args.vigil, urls, args.seconds, args.warmup, Path(tmp))
            f = run_ffmpeg(urls, args.seconds, args.warmup)
            sim_cpu = measure([sim.pid], 2)["cpu_pct"] if getattr(sim, "pid", None) else None
        rows.append((n, v, f, sim_cpu))
        print(f"N={n}: vigil {v['cpu_pct'] / n:.3f}%/cam {v['rss_kib'] / n / 1024:.2f} MiB/cam "
              f"(frames read {v['frames']}); ffmpeg {f['cpu_pct'] / n:.3f}%/cam "
              f"{f['rss_kib'] / n / 1024:.2f} MiB/cam", flush=True)

    lines = [
        f"# bench/ingest, {datetime.date.today().isoformat()}", "",
        f"Command: `bench/ingest/run.sh --counts {args.counts} --seconds {args.seconds:g}`"
        f" (release build, {os.cpu_count()} cores, inside `unshare -n`).", "",
        f"Cameras: tests/tools/camsim.py, H.264 1280x720 25 fps ~3 Mbit/s over RTSP/TCP. "
        f"Window: {args.seconds:g} s after {args.warmup:g} s warm-up.", "",
        "| N | vigil CPU %/cam | vigil RSS MiB/cam (total/N) | vigil RSS MiB/cam (above idle) "
        "| vigil PSS MiB/cam | ffmpeg CPU %/cam | ffmpeg RSS MiB/cam | ffmpeg PSS MiB/cam "
        "| CPU ratio ffmpeg/vigil | PSS ratio ffmpeg/vigil | frames read by vigil |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, v, f, _ in rows:
        above = (v["rss_kib"] - v["idle_rss_kib"]) / n / 1024
        lines.append(
            f"| {n} | {v['cpu_pct'] / n:.3f} | {v['rss_kib'] / n / 1024:.2f} | {above:.2f} "
            f"| {v['pss_kib'] / n / 1024:.2f} | {f['cpu_pct'] / n:.3f} | {f['rss_kib'] / n / 1024:.2f} "
            f"| {f['pss_kib'] / n / 1024:.2f} | {f['cpu_pct'] / max(v['cpu_pct'], 1e-9):.2f} "
            f"| {f['pss_kib'] / max(v['pss_kib'], 1):.2f} | {v['frames']} |")
    emit("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
