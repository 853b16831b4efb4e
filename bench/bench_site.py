"""Benchmark of the bundled site on a slow mobile link, in Chromium.

Chromium, throttled through the DevTools protocol (Network.emulateNetworkConditions) to 750 kbit/s
down and up with 300 ms round trip, opens a demo lesson page and presses play as soon as the page is
parsed (DOMContentLoaded: the player's own buttons are there; the video has preload="none", so nothing of
it loads before); and opens the home page. Prints, each against the same page unthrottled in the same run
(median of ROUNDS, a fresh browser context, so an empty HTTP cache, each time; the cache works as in any
browser, so a file read twice in one visit, as Chromium's own HLS reads the first segment, comes once):
- bytes received before the lesson's first video frame, and the time to that frame (aim: 2 s);
- the home page's bytes and time to its `load` event;
- what hls.js cost on the wire (the development server sends static files gzipped, as production does);
- a second visit with the service worker: the bytes the server sends before the lesson page's first
  paint, once the first visit installed the worker (counted by a byte-counting TCP proxy in front of
  the server, so the worker's own fetches count too; aim: 10 KB).

The server is the one `make run` starts (`manage.py runserver`, DEBUG on, embedded SQLite) on the demo
data (`load_demo`) plus, when the demo has no lesson video yet, one generated clip put through the
real pipeline. The data lives in BENCH_SITE_VAR (default var/bench_site), filled once and kept.
Run: `.venv/bin/python bench/bench_site.py` (or `make bench`). Needs chromium and ffmpeg.
"""

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VAR = Path(os.environ.get("BENCH_SITE_VAR", ROOT / "var" / "bench_site")).resolve()
ROUNDS = int(os.environ.get("BENCH_SITE_ROUNDS", "3"))
SLOW = {"offline": False, "latency": 300, "downloadThroughput": 750_000 / 8, "uploadThroughput": 750_000 / 8}
AIM_SECONDS = 2.0
AIM_SECOND_VISIT_BYTES = 10 * 1024
CLIP_SECONDS = 20

ENV = {
    **os.environ,
    "DEBUG": "1",
    "VAR_DIR": str(VAR),
    "DATABASE_URL": "",  # the embedded SQLite default, as `make run`
    "TASK_BACKEND": "immediate",
    "CACHE_BACKEND": "local",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}

# Pressed "play" as soon as the page is parsed; the first frame is the first one the video presents.
PLAY_AT_ONCE = """
window.__firstFrame = null;
document.addEventListener('DOMContentLoaded', () => {
  const video = document.querySelector('[data-player] video');
  if (!video) return;
  video.muted = true;
  const seen = () => { if (window.__firstFrame === null) window.__firstFrame = performance.now(); };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(seen);
  video.addEventListener('timeupdate', () => { if (video.currentTime > 0) seen(); });
  video.play().catch(() => {});
});
"""


def prepare():
    """Migrate, load the demo and make sure a lesson has a ready video; return the lesson's path."""
    os.environ.update(ENV)
    VAR.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, "manage.py"]
    marker = VAR / "demo-loaded"
    if not marker.exists():
        print(f"Filling {VAR} with the demo data (once)…", flush=True)
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=ENV, check=True)
        subprocess.run([*manage, "load_demo"], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
        marker.touch()

    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the pipeline's task lines
    from django.core.files import File

    from cms.models import LessonPage
    from media_pipeline import services as media

    lesson = LessonPage.objects.live().filter(video__status="ready").order_by("path").first()
    if lesson is None:
        clip = VAR / "lesson.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y",
             "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={CLIP_SECONDS}",
             "-f", "lavfi", "-i", f"sine=frequency=440:duration={CLIP_SECONDS}",
             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)],
            check=True,
        )  # fmt: skip
        with clip.open("rb") as source:
            video = media.register_upload(None, "Бенчмарк: урок", File(source, name="lesson.mp4"))
        video.refresh_from_db()
        if video.status != "ready":
            raise SystemExit(f"The pipeline failed: {video.failure_reason}")
        lesson = LessonPage.objects.live().order_by("path").first().specific
        lesson.video = video
        lesson.save_revision().publish()
    return lesson.url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return server, url
        except OSError:
            time.sleep(0.25)
    server.terminate()
    raise SystemExit("The development server did not start.")


class Visit:
    """One page load in a fresh context: bytes on the wire per request, by when they finished."""

    def __init__(self, browser, base_url, throttled):
        self.context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        if throttled:
            self.cdp.send("Network.emulateNetworkConditions", SLOW)
        self.urls = {}
        self.started = []  # monotonic timestamps of the requests; the first is the page's own
        self.finished = []  # (monotonic timestamp, bytes, url)
        self.cdp.on("Network.requestWillBeSent", self.on_request)
        self.cdp.on(
            "Network.loadingFinished",
            lambda e: self.finished.append((e["timestamp"], e["encodedDataLength"], self.urls.get(e["requestId"], ""))),
        )

    def on_request(self, event):
        self.urls[event["requestId"]] = event["request"]["url"]
        self.started.append(event["timestamp"])

    def close(self):
        self.context.close()


def lesson_visit(browser, base_url, path, throttled):
    visit = Visit(browser, base_url, throttled)
    page = visit.page
    page.add_init_script(PLAY_AT_ONCE)
    page.goto(path, wait_until="commit")
    page.wait_for_function("() => window.__firstFrame !== null", timeout=120_000, polling=50)
    first_frame_ms = page.evaluate("window.__firstFrame")
    page.wait_for_timeout(500)  # let the loadingFinished events of the frame's requests arrive
    # The page's clock starts at navigation, the protocol's at the page's own request.
    cutoff = min(visit.started) + first_frame_ms / 1000
    before = [(size, url) for t, size, url in visit.finished if t <= cutoff + 0.05]
    hls = sum(size for _, size, url in visit.finished if "hls.light" in url)
    visit.close()
    return first_frame_ms / 1000, sum(size for size, _ in before), hls


def home_visit(browser, base_url, throttled):
    visit = Visit(browser, base_url, throttled)
    visit.page.goto("/", wait_until="load", timeout=120_000)
    load_ms = visit.page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")
    visit.page.wait_for_load_state("networkidle", timeout=120_000)  # lazy pictures too
    total = sum(size for _, size, _ in visit.finished)
    visit.close()
    return load_ms / 1000, total


class CountingProxy:
    """A TCP proxy in front of the server that timestamps every byte it sends back: what crossed the
    network, whoever asked (the page or its service worker)."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.sent = []  # (epoch seconds, bytes)
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self.pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, True), daemon=True).start()

    def pipe(self, source, target, count):
        try:
            while data := source.recv(65536):
                if count:
                    with self.lock:
                        self.sent.append((time.time(), len(data)))
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def bytes_between(self, start, end):
        with self.lock:
            return sum(size for t, size in self.sent if start <= t <= end)

    def close(self):
        self.listener.close()


def second_visit(browser, proxy, path, throttled):
    """Visit the lesson once (the worker installs and keeps the shell and the page), then open it
    again: bytes the server sent between that navigation and its first paint, and the paint time."""
    context = browser.new_context(base_url=f"http://127.0.0.1:{proxy.port}", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(path, wait_until="load", timeout=120_000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_timeout(1000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # A real second visit comes after the page's max-age: empty the HTTP cache, keep the worker's.
    cdp.send("Network.clearBrowserCache")
    if throttled:
        cdp.send("Network.emulateNetworkConditions", SLOW)
    start = time.time()
    page.goto(path, wait_until="load", timeout=120_000)
    paint = page.evaluate(
        "() => new Promise(done => { const find = () => { const e = performance.getEntriesByName('first-paint')[0];"
        " if (e) done([performance.timeOrigin, e.startTime]); else setTimeout(find, 50); }; find(); })"
    )
    painted_at = (paint[0] + paint[1]) / 1000
    time.sleep(0.3)
    sent = proxy.bytes_between(start, painted_at)
    context.close()
    return paint[1] / 1000, sent


def median(values):
    return statistics.median(values)


def main():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("bench_site needs chromium (make browser).")
    lesson_path = prepare()
    server, base_url = start_server()
    proxy = CountingProxy(int(base_url.rsplit(":", 1)[1]))
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--autoplay-policy=no-user-gesture-required"]
            )
            lesson_visit(browser, base_url, lesson_path, False)  # warm the server's templates and caches
            for throttled in (False, True):
                lessons = [lesson_visit(browser, base_url, lesson_path, throttled) for _ in range(ROUNDS)]
                homes = [home_visit(browser, base_url, throttled) for _ in range(ROUNDS)]
                results[throttled] = {
                    "frame_s": median([r[0] for r in lessons]),
                    "frame_bytes": median([r[1] for r in lessons]),
                    "hls_bytes": median([r[2] for r in lessons]),
                    "home_s": median([h[0] for h in homes]),
                    "home_bytes": median([h[1] for h in homes]),
                }
                seconds = [second_visit(browser, proxy, lesson_path, throttled) for _ in range(ROUNDS)]
                results[throttled].update(
                    again_s=median([v[0] for v in seconds]), again_bytes=median([v[1] for v in seconds])
                )
            browser.close()
    finally:
        proxy.close()
        server.terminate()
        server.wait(timeout=20)

    fast, slow = results[False], results[True]
    hls_file = (ROOT / "site_theme/static/site_theme/vendor/hls.light.min.js").stat().st_size
    print(f"Lesson page {lesson_path}, median of {ROUNDS}; slow link: 750 kbit/s, 300 ms round trip.")
    print(f"\n{'':34} {'unthrottled':>12} {'slow link':>12} {'ratio':>7}")
    rows = [
        ("bytes before the first frame, KB", fast["frame_bytes"] / 1024, slow["frame_bytes"] / 1024, "{:12.0f}"),
        ("time to the first frame, s", fast["frame_s"], slow["frame_s"], "{:12.2f}"),
        ("home page bytes, KB", fast["home_bytes"] / 1024, slow["home_bytes"] / 1024, "{:12.0f}"),
        ("home page load event, s", fast["home_s"], slow["home_s"], "{:12.2f}"),
        ("second visit (worker): KB to paint", fast["again_bytes"] / 1024, slow["again_bytes"] / 1024, "{:12.1f}"),
        ("second visit: first paint, s", fast["again_s"], slow["again_s"], "{:12.2f}"),
    ]
    for name, a, b, fmt in rows:
        print(f"{name:34} {fmt.format(a)} {fmt.format(b)} {b / a if a else 0:7.1f}")
    print(
        f"\nhls.js on the wire: {slow['hls_bytes'] / 1024:.0f} KB of {hls_file / 1024:.0f} KB "
        f"({slow['hls_bytes'] / hls_file:.0%}: static files are compressed in development too)"
    )
    print(
        "(unthrottled, the player starts at a higher quality: the browser reports a fast link, so its first "
        "segment is bigger)"
    )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} — other work shares the cores")
    verdict = "yes" if slow["frame_s"] <= AIM_SECONDS else "NO"
    print(f"first frame within {AIM_SECONDS:g} s on the slow link: {verdict} ({slow['frame_s']:.2f} s)")
    verdict = "yes" if slow["again_bytes"] <= AIM_SECOND_VISIT_BYTES else "NO"
    print(
        f"second visit within {AIM_SECOND_VISIT_BYTES // 1024} KB before first paint: {verdict} "
        f"({slow['again_bytes'] / 1024:.1f} KB; the page itself comes from the network first, the rest from the worker)"
    )


if __name__ == "__main__":
    main()
