"""Plays HLS and WHEP in headless Chromium for the tests (tests/browser/).

    from browser import play_hls, play_whep, browser_unavailable
    r = play_hls(url, seconds=10)          # hls_play.mjs's JSON, as a dict
    assert r["advanced_seconds"] > 7 and r["luma_stddev"] > 10
    w = play_whep(whep_url, seconds=10, pages=2, clock=True)   # whep_play.mjs's JSON
    assert w["summary"]["playing"] == 2 and w["summary"]["clock"]["median"] < 500

Each script prints one JSON object (fields in its header and in
tests/browser/README.md); bad playback is data for the test to judge, while a
harness failure (Chromium does not start, the time bound hits) raises
BrowserHarnessError. Everything Chromium needs comes from `make deps`
(scripts/install-deps.sh, scripts/install-node-deps.sh). It works inside the
tests' `unshare -n` namespace: Chromium is told not to touch the network
(WebRTC needs that namespace: loopback candidates only).
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
WHEP_SCRIPT = REPO_ROOT / "tests" / "browser" / "whep_play.mjs"
CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
# Debian's Firefox ESR, for console_flow.mjs --browser firefox (WebDriver BiDi).
FIREFOX = os.environ.get("VIGIL_FIREFOX", "/usr/bin/firefox-esr")
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


def firefox_unavailable():
    """None when console_flow.mjs can drive Firefox, else why not."""
    if not os.access(FIREFOX, os.X_OK):
        return f"{FIREFOX} is missing (make deps installs firefox-esr)"
    return None


def browser_available():
    return browser_unavailable() is None


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run(script, args, bound_s):
    """Runs a harness script (node SCRIPT ARGS), at most `bound_s` seconds, and
    returns its JSON as a dict; raises BrowserHarnessError when the harness failed."""
    name = script.name
    cmd = ["node", str(script), *map(str, args)]
    # Its own session, so that a backstop kill reaches node and nothing else.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO_ROOT),
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=bound_s)
    except subprocess.TimeoutExpired:
        # SIGTERM first: the script then kills Chromium itself.
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, err = proc.communicate(timeout=5)
        # The browser (Chromium, or Firefox for console_flow.mjs --browser
        # firefox) sits in a process group of its own; the script named its
        # pid and its profile directory, which it had no chance to remove.
        for pid, profile in re.findall(r"(?:chromium|firefox) pid (\d+) user-data-dir (\S+)",
                                       err or ""):
            _kill_group(int(pid))
            if Path(profile).name.startswith(("hls_play-", "whep_play-", "console_flow-")):
                shutil.rmtree(profile, ignore_errors=True)
        raise BrowserHarnessError(f"{name} did not end in {bound_s} s:\n{err}")
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait(5)
    line = (out or "").strip().splitlines()[-1:] or [""]
    try:
        result = json.loads(line[0])
    except ValueError:
        raise BrowserHarnessError(
            f"{name} exited {proc.returncode} without JSON:\n{out}\n{err}") from None
    if proc.returncode != 0 or not result.get("ok"):
        raise BrowserHarnessError(
            f"{name} exited {proc.returncode}: {result.get('error')}\n{err}")
    return result


def play_hls(url, seconds, low_latency=True, screenshot=None, page_port=None, clock=False):
    """Plays `url` for `seconds` and returns the script's JSON as a dict. clock=True:
    the stream is a camsim clock camera's; the JSON gets `clock` (glass-to-glass
    latency from the time code in the picture: median, p90, min, max, count,
    decode_failures, ...)."""
    args = ["--url", url, "--seconds", seconds, "--low-latency", "1" if low_latency else "0"]
    if screenshot is not None:
        args += ["--screenshot", screenshot]
    if page_port is not None:
        args += ["--page-port", page_port]
    if clock:
        args += ["--clock", "1"]
    return _run(SCRIPT, args, seconds + SLACK_S)


def play_whep(url, seconds, pages=1, clock=False, screenshot=None, delete=True, wait_ice=False):
    """Plays the WHEP URL `url` in `pages` tabs at once (one peer connection each)
    for `seconds`, then DELETEs each session (unless delete=False); returns the
    script's JSON: {"summary": {...}, "results": [one per page]}. A POST not
    answered 201 is in the results (status, body), not an exception. Must run
    inside a network namespace (unshare -n) with the server."""
    args = ["--url", url, "--seconds", seconds, "--pages", pages,
            "--delete", "1" if delete else "0", "--wait-ice", "1" if wait_ice else "0"]
    if clock:
        args += ["--clock", "1"]
    if screenshot is not None:
        args += ["--screenshot", screenshot]
    # the script's own bound is seconds + 30 s + 5 s a page
    return _run(WHEP_SCRIPT, args, seconds + SLACK_S + 5 * pages)
