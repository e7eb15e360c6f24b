"""Plays HLS in headless Chromium for the tests (tests/browser/hls_play.mjs).

    from browser import play_hls, browser_unavailable
    r = play_hls(url, seconds=10)          # the script's JSON, as a dict
    assert r["advanced_seconds"] > 7 and r["luma_stddev"] > 10

The script prints one JSON object (fields in its header and in
tests/browser/README.md); bad playback is data for the test to judge, while a
harness failure (Chromium does not start, the time bound hits) raises
BrowserHarnessError. Everything Chromium needs comes from `make deps`
(scripts/install-deps.sh, scripts/install-node-deps.sh). It works inside the
tests' `unshare -n` namespace: Chromium is told not to touch the network.
"""
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "browser" / "hls_play.mjs"
CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
NEEDED = (REPO_ROOT / "node_modules" / "playwright-core" / "package.json",
          REPO_ROOT / "node_modules" / "hls.js" / "dist" / "hls.min.js")
# The script bounds itself at seconds + 30 s; this is the backstop past that.
SLACK_S = 45


class BrowserHarnessError(Exception):
    pass


def browser_unavailable():
    """None when the harness can run, else why not (for a skip or fail message)."""
    if not shutil.which("node"):
        return "node is not on PATH (make deps)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (make deps)"
    for p in NEEDED:
        if not p.exists():
            return f"{p} is missing (make deps runs scripts/install-node-deps.sh)"
    return None


def browser_available():
    return browser_unavailable() is None


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def play_hls(url, seconds, low_latency=True, screenshot=None, page_port=None):
    """Plays `url` for `seconds` and returns the script's JSON as a dict."""
    cmd = ["node", str(SCRIPT), "--url", url, "--seconds", str(seconds),
           "--low-latency", "1" if low_latency else "0"]
    if screenshot is not None:
        cmd += ["--screenshot", str(screenshot)]
    if page_port is not None:
        cmd += ["--page-port", str(page_port)]
    # Its own session, so that a backstop kill reaches node and nothing else.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO_ROOT),
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=seconds + SLACK_S)
    except subprocess.TimeoutExpired:
        # SIGTERM first: the script then kills Chromium itself.
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, err = proc.communicate(timeout=5)
        # Chromium sits in a process group of its own; the script named its
        # pid and its profile directory, which it had no chance to remove.
        for pid, profile in re.findall(r"chromium pid (\d+) user-data-dir (\S+)", err or ""):
            _kill_group(int(pid))
            if Path(profile).name.startswith("hls_play-"):
                shutil.rmtree(profile, ignore_errors=True)
        raise BrowserHarnessError(f"hls_play.mjs did not end in {seconds + SLACK_S} s:\n{err}")
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait(5)
    line = (out or "").strip().splitlines()[-1:] or [""]
    try:
        result = json.loads(line[0])
    except ValueError:
        raise BrowserHarnessError(
            f"hls_play.mjs exited {proc.returncode} without JSON:\n{out}\n{err}") from None
    if proc.returncode != 0 or not result.get("ok"):
        raise BrowserHarnessError(
            f"hls_play.mjs exited {proc.returncode}: {result.get('error')}\n{err}")
    return result
