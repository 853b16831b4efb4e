"""`make run`'s development server sends static files compressed, as production does: on a slow
link hls.js (389 KB) is a third of that gzipped."""

import gzip
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import brotli
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
HLS = ROOT / "site_theme" / "static" / "site_theme" / "vendor" / "hls.light.min.js"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def development_server(tmp_path):
    """runserver as `make run` starts it: DEBUG on, the embedded SQLite default."""
    port = free_port()
    env = {**os.environ, "DEBUG": "1", "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "TASK_BACKEND": "immediate"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                requests.get(f"{url}/static/site_theme/favicon.svg", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def fetch(url, encoding="gzip"):
    """Headers and the body as sent (not decompressed)."""
    with requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=20) as response:
        return response.headers, response.raw.read(decode_content=False)


def test_the_development_server_sends_scripts_and_styles_gzipped(development_server):
    headers, body = fetch(f"{development_server}/static/site_theme/vendor/hls.light.min.js")
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == HLS.read_bytes()
    assert len(body) < HLS.stat().st_size / 2

    headers, body = fetch(f"{development_server}/static/site_theme/css/site.css")
    assert headers["Content-Encoding"] == "gzip"

    # A browser that asks for no compression, and a picture that would not shrink, get the file.
    headers, body = fetch(f"{development_server}/static/site_theme/vendor/hls.light.min.js", encoding="identity")
    assert "Content-Encoding" not in headers and body == HLS.read_bytes()
    headers, _ = fetch(f"{development_server}/static/site_theme/share-card.png")
    assert "Content-Encoding" not in headers


def test_a_browser_that_accepts_brotli_gets_brotli(development_server):
    """Chromium and Firefox accept brotli: hls.js is a fifth smaller than gzipped (production's
    WhiteNoise serves its .br copies too)."""
    headers, body = fetch(f"{development_server}/static/site_theme/vendor/hls.light.min.js", "gzip, deflate, br, zstd")
    assert headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in headers["Vary"]
    assert int(headers["Content-Length"]) == len(body)
    assert brotli.decompress(body) == HLS.read_bytes()
    assert len(body) < len(gzip.compress(HLS.read_bytes(), 9)) * 0.9

    # Twice the same bytes (the compressed copy is kept), and "br;q=0" means no brotli.
    assert fetch(f"{development_server}/static/site_theme/vendor/hls.light.min.js", "br")[1] == body
    headers, _ = fetch(f"{development_server}/static/site_theme/css/site.css", "br;q=0, gzip")
    assert headers["Content-Encoding"] == "gzip"
