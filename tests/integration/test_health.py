"""GET /health: liveness and store health."""
import re

from conftest import assert_error  # noqa: F401  (shared helpers)


def test_health_is_healthy(module_server):
    r = module_server.get("/health")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "healthy"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", body["version"]), body
    assert isinstance(body["uptime_s"], int) and 0 <= body["uptime_s"] < 3600, body
    assert body["store"] == {"status": "ok"}


def test_health_version_matches_cli(module_server, run_vigil):
    out = run_vigil("version").stdout.strip()
    assert out == "vigil " + module_server.get("/health").json()["version"]


def test_health_uptime_does_not_go_backwards(module_server):
    first = module_server.get("/health").json()["uptime_s"]
    second = module_server.get("/health").json()["uptime_s"]
    assert second >= first


def test_health_unhealthy_after_database_deleted(server):
    assert server.get("/health").status_code == 200
    db = server.data_dir / "vigil.db"
    assert db.exists()
    db.unlink()
    r = server.get("/health")
    assert r.status_code == 503, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "unhealthy"
    assert body["version"]
    assert isinstance(body["uptime_s"], int)
    assert body["store"]["status"] == "unusable"
    reason = body["store"]["reason"]
    assert isinstance(reason, str) and reason
    assert "vigil.db" in reason and ("removed" in reason or "replaced" in reason), reason
    # still answers (it does not crash), and stays unhealthy
    assert server.get("/health").status_code == 503
    assert server.running
