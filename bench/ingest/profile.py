#!/usr/bin/python3
"""Profiles vigil pulling N simulated cameras with a counting reader each:
`perf record -g` on the vigil process for a window, then `perf report`.
Run it inside a network namespace, as bench/ingest/run.sh does:

    unshare -n sh -c 'ip link set lo up && exec /usr/bin/python3 bench/ingest/profile.py 10'
"""
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
seconds = 15
with tempfile.TemporaryDirectory(prefix="vigil-prof-") as tmp, \
        ingest.CameraSimulator(cameras=n, cache_dir=ingest.default_cache_dir(),
                               start_timeout=120) as sim:
    urls = [sim.url(f"cam{i + 1}") for i in range(n)]
    holder = {}

    def profile_when_ready():
        # Wait for vigil's process, then record it during the measured window.
        while "pid" not in holder:
            time.sleep(0.1)
        time.sleep(6)
        subprocess.run(["perf", "record", "-g", "-o", f"{tmp}/perf.data", "-p", str(holder["pid"]),
                        "--", "sleep", str(seconds)], capture_output=True)
        report = subprocess.run(["perf", "report", "-i", f"{tmp}/perf.data", "--stdio",
                                 "--no-children", "--sort", sys.argv[2] if len(sys.argv) > 2 else "dso,symbol", "--percent-limit", "1.5"],
                                capture_output=True, text=True).stdout
        holder["report"] = report

    orig_popen = ingest.subprocess.Popen

    def spy(*a, **kw):
        p = orig_popen(*a, **kw)
        if a and a[0] and "serve" in a[0]:
            holder["pid"] = p.pid
        return p

    ingest.subprocess.Popen = spy
    t = threading.Thread(target=profile_when_ready, daemon=True)
    t.start()
    ingest.run_vigil(str(ingest.ROOT / "build" / "release" / "vigil"), urls, seconds + 8, 4,
                     Path(tmp))
    t.join(timeout=120)
    print("\n".join(line for line in holder.get("report", "").splitlines()
                    if line and not line.startswith("#") and "%" in line)[:6000])
