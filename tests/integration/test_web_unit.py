"""The web console's unit tests (web/test/*.test.mjs, node's built-in test
runner): the recordings timeline's local-time arithmetic, run in three time
zones, since what they check (23 and 25 h days, ticks across a daylight-saving
change) only shows in a zone that has them, and UTC has none."""
import os
import shutil
import subprocess

import pytest

from browser import REPO_ROOT

BOUND_S = 60


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "UTC"])
def test_web_unit_tests_pass(tz):
    if not shutil.which("node"):
        pytest.fail("node is not on PATH (make deps)")
    env = {**os.environ, "TZ": tz}
    # The files by name: node 18 (Debian 12's) takes a directory, node 21+ only files or globs.
    files = sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "web" / "test").glob("*.test.mjs"))
    assert files, "no web/test/*.test.mjs"
    try:
        r = subprocess.run(["node", "--test", *files], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=BOUND_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"TZ={tz} node --test web/test/ took over {BOUND_S} s:\n"
                    f"{e.stdout or ''}\n{e.stderr or ''}")
    assert r.returncode == 0, (f"TZ={tz} node --test web/test/ exited {r.returncode}:\n"
                               f"{r.stdout}\n{r.stderr}")
