"""The web console at `/`: a built directory served from memory (http/static_files.c).

Each server here points consoleDir at a directory the test fills the way
`make web` would: index.html, assets/<name>-<hash>.js|.css, favicon.svg.
"""
import gzip
import http.client
import os

import pytest

from conftest import ServerFactory, assert_error

CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "worker-src 'self' blob:; connect-src 'self'; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
IMMUTABLE = "public, max-age=31536000, immutable"
SECRET = b"the-secret-that-must-not-leak"

INDEX = (b"<!doctype html><html><head><meta charset=utf-8><title>vigil</title>"
         b'<link rel="stylesheet" href="/assets/app-abc123.css">'
         b'<script type="module" src="/assets/app-abc123.js"></script></head>'
         b"<body><div id=app></div></body></html>\n")
# 50 KB of text that compresses well, as a minified bundle does.
JS = b"".join(b"export function f%d(a){return a*%d+'vigil console';}\n" % (i, i)
              for i in range(1100))[:50_000]
CSS = b"".join(b".c%d{color:#%06x;margin:%dpx}\n" % (i, i * 4099 % 0xFFFFFF, i % 40)
               for i in range(300))
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle r='8'/></svg>\n"


def build_console(root):
    """A console directory under `root`, plus secrets next to it and links out of it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "vigil.db").write_bytes(SECRET)  # beside consoleDir: must stay out of reach
    web = root / "web"
    assets = web / "assets"
    assets.mkdir(parents=True)
    (web / "index.html").write_bytes(INDEX)
    (web / "favicon.svg").write_bytes(SVG)
    (assets / "app-abc123.js").write_bytes(JS)
    (assets / "app-abc123.css").write_bytes(CSS)
    (assets / ".hidden").write_bytes(SECRET)
    (web / ".env").write_bytes(SECRET)
    os.symlink(root / "vigil.db", web / "linked.txt")
    os.symlink(root / "vigil.db", assets / "linked-abc.js")
    return web


@pytest.fixture(scope="module")
def console(tmp_path_factory, vigil_bin):
    root = tmp_path_factory.mktemp("console")
    web = build_console(root / "files")
    factory = ServerFactory(root)
    try:
        yield factory("srv", env={"VIGIL_CONSOLEDIR": str(web)})
    finally:
        factory.teardown()


def raw_request(srv, method, path, headers=None):
    """One request with the path sent exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def test_index_at_root_with_csp(console):
    for path in ("/", "/index.html"):
        r = console.get(path, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.content == INDEX
        assert r.headers["Content-Security-Policy"] == CSP
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-cache"
        assert r.headers["Vary"] == "Accept-Encoding"
        assert r.headers["ETag"].startswith('"') and r.headers["ETag"].endswith('"')
        assert "Content-Encoding" not in r.headers


def test_assets_are_immutable(console):
    for path, ctype, body in (("/assets/app-abc123.js", "text/javascript; charset=utf-8", JS),
                              ("/assets/app-abc123.css", "text/css; charset=utf-8", CSS)):
        r = console.get(path, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == ctype
        assert r.headers["Cache-Control"] == IMMUTABLE
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Vary"] == "Accept-Encoding"
        assert "Content-Security-Policy" not in r.headers
        assert r.content == body


def test_top_level_file(console):
    r = console.get("/favicon.svg", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/svg+xml"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.content == SVG


def test_etag_then_if_none_match_304(console):
    for path in ("/", "/assets/app-abc123.js"):
        r = console.get(path, headers={"Accept-Encoding": "identity"})
        etag = r.headers["ETag"]
        for inm in (etag, "W/" + etag, '"nope", ' + etag, "*"):
            status, headers, body = raw_request(console, "GET", path, {"If-None-Match": inm})
            assert status == 304, (path, inm, status)
            assert body == b""
            assert headers["etag"] == etag
            assert headers["cache-control"] == r.headers["Cache-Control"]
            assert headers["vary"] == "Accept-Encoding"
        status, _, body = raw_request(console, "GET", path, {"If-None-Match": '"other"'})
        assert status == 200 and len(body) == len(r.content)
    # The same bytes twice: the same tag (a hash of the content, stable across requests).
    assert console.get("/").headers["ETag"] == console.get("/index.html").headers["ETag"]


def test_gzip_decompresses_to_the_same_bytes(console):
    status, headers, body = raw_request(console, "GET", "/assets/app-abc123.js",
                                        {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(JS) // 4
    assert gzip.decompress(body) == JS
    identity_etag = console.get("/assets/app-abc123.js",
                                headers={"Accept-Encoding": "identity"}).headers["ETag"]
    assert headers["etag"] != identity_etag  # another representation, another strong tag
    # its own tag revalidates the gzip copy
    status, h304, _ = raw_request(console, "GET", "/assets/app-abc123.js",
                                  {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert status == 304 and h304["etag"] == headers["etag"]
    assert "content-encoding" not in h304

    status, headers, body = raw_request(console, "GET", "/", {"Accept-Encoding": "GZIP"})
    assert headers.get("content-encoding") == "gzip" and gzip.decompress(body) == INDEX


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "deflate, br", "*;q=0"])
def test_no_gzip_unless_accepted(console, accept):
    headers = {"Accept-Encoding": accept} if accept else {}
    status, h, body = raw_request(console, "GET", "/assets/app-abc123.js", headers)
    assert status == 200
    assert "content-encoding" not in h
    assert body == JS
    assert h["vary"] == "Accept-Encoding"


def test_head_has_headers_and_no_body(console):
    for path, length in (("/", len(INDEX)), ("/assets/app-abc123.js", len(JS))):
        status, headers, body = raw_request(console, "HEAD", path)
        assert status == 200
        assert body == b""
        assert int(headers["content-length"]) == length
        assert headers["etag"]
        assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = raw_request(console, "HEAD", "/")
    assert headers["content-security-policy"] == CSP


def test_unknown_asset_404_json(console):
    err = assert_error(console.get("/assets/nope-123.js"), 404, "not_found")
    assert "no route" in err["message"]
    assert_error(console.get("/nope.html"), 404, "not_found")


@pytest.mark.parametrize("path", [
    "/assets/../vigil.db",
    "/assets/../../vigil.db",
    "/assets/%2e%2e%2fvigil.db",
    "/assets/%2e%2e%2f%2e%2e%2fvigil.db",
    "/assets/..%2f..%2fvigil.db",
    "/%2e%2e/vigil.db",
    "/../vigil.db",
    "/assets/.hidden",
    "/assets/%2ehidden",
    "/.env",
    "/assets/",
    "/assets",
])
def test_traversal_and_dotfiles_404(console, path):
    status, headers, body = raw_request(console, "GET", path)
    assert status == 404, (path, status, body)
    assert headers["content-type"].startswith("application/json")
    assert SECRET not in body


def test_symlinks_are_not_served(console):
    for path in ("/linked.txt", "/assets/linked-abc.js"):
        status, _, body = raw_request(console, "GET", path)
        assert status == 404, path
        assert SECRET not in body
    assert "skipped a symlink" in console.log


def test_existing_routes_unaffected(console):
    r = console.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "healthy"
    r = console.get("/api/cameras")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "no-store"
    assert_error(console.get("/api/nope"), 404, "not_found")
    r = console.request("POST", "/")
    assert_error(r, 405, "method_not_allowed")
    assert "console: loaded" in console.log


def test_console_off_is_plain_404(make_server, tmp_path):
    web = build_console(tmp_path / "files")
    config = tmp_path / "vigil.yml"
    config.write_text(f"console: no\nconsoleDir: {web}\n")
    srv = make_server("off", config=config)
    for path in ("/", "/index.html", "/assets/app-abc123.js", "/favicon.svg"):
        err = assert_error(srv.get(path), 404, "not_found")
        assert "no route" in err["message"]
    assert " console: " not in srv.log  # nothing loaded, nothing logged
    assert srv.get("/health").status_code == 200


def test_missing_dir_console_not_built(make_server, tmp_path):
    missing = tmp_path / "never-built"
    srv = make_server("missing", env={"VIGIL_CONSOLEDIR": str(missing)})
    err = assert_error(srv.get("/"), 404, "console_not_built")
    assert "make web" in err["message"]
    assert_error(srv.get("/index.html"), 404, "console_not_built")
    assert_error(srv.get("/assets/app.js"), 404, "not_found")
    lines = [line for line in srv.log.splitlines() if "not built" in line]
    assert len(lines) == 1, srv.log
    assert "WARN" in lines[0] and str(missing) in lines[0] and "make web" in lines[0]
    assert srv.get("/health").status_code == 200


def test_dir_without_index_console_not_built(make_server, tmp_path):
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "assets" / "app-1.js").write_bytes(b"x")
    srv = make_server("noindex", env={"VIGIL_CONSOLEDIR": str(web)})
    assert_error(srv.get("/"), 404, "console_not_built")
    assert_error(srv.get("/assets/app-1.js"), 404, "not_found")
    assert "make web" in srv.log
