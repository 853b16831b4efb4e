"""The lesson player on a slow connection and the counter widget on a partner's page, in Chromium."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# What Chromium reports on a 2G link; the network information API is the browser's word, so the
# test sets it the way a phone on a slow connection would report it.
SLOW_CONNECTION = """
Object.defineProperty(navigator, 'connection', {
  configurable: true,
  value: {effectiveType: '2g', downlink: 0.2, saveData: false, addEventListener() {}},
});
"""


@contextlib.contextmanager
def partner_site(html):
    """A partner's web site: another origin on this machine that serves one page."""

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # headers and body go out at once (see config/devserver.py)

        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_on_a_slow_connection_the_player_offers_sound_only_and_keeps_playing(new_page, season_content, screenshot):
    page = new_page(PHONE)
    page.context.add_init_script(SLOW_CONNECTION)
    page.goto(season_content["lesson"].url)
    notice = page.locator("[data-player] [data-notice]")
    expect(notice).to_contain_text("интернет медленный")
    quality = page.locator("[data-quality]")
    expect(quality.locator("option[value=audio]")).to_have_text("Только звук (экономит трафик)")
    assert quality.locator("option").first.inner_text() == "Авто"
    screenshot(page, "lesson-slow-connection-phone")

    page.evaluate("document.querySelector('[data-player] video').muted = true")
    page.evaluate("document.querySelector('[data-player] video').play()")
    page.wait_for_function("() => document.querySelector('[data-player] video').currentTime > 2")
    with page.expect_request(lambda r: "/audio/" in r.url) as audio_request:
        quality.select_option("audio")
    assert audio_request.value.url.endswith(".m3u8") or "/audio/" in audio_request.value.url
    page.wait_for_function("() => document.querySelector('[data-player] video').currentTime > 5", timeout=30_000)
    assert not page.console_errors, page.console_errors


def test_seek_thumbnails_come_from_the_webvtt_sprite(new_page, season_content):
    page = new_page(PHONE)
    page.goto(season_content["lesson"].url)
    # Nothing of the video is read before play (preload="none"): the bar has the page's duration.
    page.wait_for_function("() => Number(document.querySelector('[data-player] [data-scrub]').max) > 0")
    assert page.evaluate("document.querySelector('[data-player] video').readyState") == 0
    # The poster comes once the page has painted (player.js), not with the page.
    page.wait_for_function("() => document.querySelector('[data-player] video').poster.endsWith('/poster.webp')")
    scrub = page.locator("[data-scrub]")
    box = scrub.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    thumb = page.locator("[data-thumb] div")
    expect(thumb).to_be_visible()
    sprite = thumb.evaluate("el => el.style.backgroundImage")
    assert "url(" in sprite and season_content["lesson"].video.uid.hex[:8] in sprite.replace("-", "")


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_counter_widget_on_a_partner_page_updates_live(new_page, live_server, season_content, motion):
    from cms.models import HomePage
    from engagement import services as engagement

    page = new_page(PHONE, reduced_motion=motion)
    partner_html = (
        '<!doctype html><meta charset="utf-8"><h1>Сайт партнёра</h1>'
        f'<script src="{live_server.url}/static/site_theme/js/widget.js" async></script>'
    )
    with partner_site(partner_html) as partner_url:
        page.goto(partner_url)
    frame = page.frame_locator("iframe[title='Счётчик добрых дел Поколения М']")
    value = frame.locator("[data-counter-value]")
    expect(value).to_have_text("0\u00a0₽")

    engagement.record_action("work_approved", None, HomePage.objects.get(), f"widget-test:{timezone.now().timestamp()}")

    expect(value).to_have_text("1\u00a0₽", timeout=15_000)
    bumped = frame.locator(".counter--bump").count()
    assert bumped == (0 if motion == "reduce" else 1)


def test_the_player_has_one_seek_bar_and_keeps_playing_through_quality_and_sound_only(new_page, season_content):
    page = new_page(PHONE)
    page.goto(season_content["lesson"].url)
    video = page.locator("[data-player] video")
    page.wait_for_function("() => Number(document.querySelector('[data-player] [data-scrub]').max) > 0")
    # The browser's own controls (with their seek bar) give way to the player's single set.
    assert video.evaluate("v => v.controls") is False
    assert page.locator("[data-player] input[type=range]").count() == 1
    play = page.get_by_role("button", name="Смотреть")
    video.evaluate("v => { v.muted = true; }")
    play.click()
    expect(page.get_by_role("button", name="Пауза")).to_be_visible()

    def advances_after(choice):
        start = video.evaluate("v => v.currentTime")
        page.locator("[data-quality]").select_option(choice)
        page.wait_for_function(
            f"() => {{ const v = document.querySelector('[data-player] video');"
            f" return !v.paused && v.currentTime > {start} + 2; }}",
            timeout=30_000,
        )
        assert page.locator("[data-quality]").input_value() == choice

    # The qualities are listed once the lesson plays (read from the master playlist where the
    # browser plays HLS itself, from hls.js elsewhere).
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-quality] option')].some(o => /^\\d+$/.test(o.value))"
    )
    quality = page.locator("[data-quality] option").evaluate_all("options => options.map(o => o.value)")
    assert quality[0] == "auto" and "audio" in quality
    levels = [value for value in quality if value.isdigit()]
    assert levels, quality
    advances_after(levels[0])

    audio_state = page.locator("[data-audio-state]")
    expect(audio_state).to_be_hidden()
    advances_after("audio")
    # No frozen picture: a clear sound-only state covers where the video was.
    expect(audio_state).to_be_visible()
    expect(audio_state).to_contain_text("Только звук")
    stage = page.locator(".player__stage").bounding_box()
    covered = audio_state.bounding_box()
    assert covered["width"] == pytest.approx(stage["width"], abs=1)
    assert covered["height"] == pytest.approx(stage["height"], abs=1)
    # The video's qualities stay on offer while only the sound plays.
    assert page.locator("[data-quality] option").count() == len(quality)

    advances_after("auto")
    expect(audio_state).to_be_hidden()
    assert not page.console_errors, page.console_errors


NO_NATIVE_HLS = """
const canPlay = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? '' : canPlay.call(this, type);
};
"""


def plays_a_few_seconds(page):
    page.evaluate("document.querySelector('[data-player] video').muted = true")
    page.get_by_role("button", name="Смотреть").click()
    page.wait_for_function("() => document.querySelector('[data-player] video').currentTime > 1", timeout=30_000)


def test_where_the_browser_plays_hls_itself_hls_js_is_not_downloaded(new_page, season_content):
    """On a slow link hls.js (about 100 KB compressed) would come before the first frame."""
    page = new_page(PHONE)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(season_content["lesson"].url)
    if not page.evaluate("!!document.createElement('video').canPlayType('application/vnd.apple.mpegurl')"):
        pytest.skip("this Chromium has no HLS of its own")
    plays_a_few_seconds(page)
    assert not [url for url in requested if "hls.light" in url]
    assert page.evaluate("typeof window.Hls") == "undefined"
    assert not page.console_errors, page.console_errors


def test_a_browser_without_its_own_hls_gets_hls_js(new_page, season_content):
    page = new_page(PHONE)
    page.context.add_init_script(NO_NATIVE_HLS)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(season_content["lesson"].url)
    plays_a_few_seconds(page)
    assert [url for url in requested if "hls.light" in url]
    assert page.evaluate("document.querySelector('[data-player] video').src.startsWith('blob:')")  # hls.js's MSE
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_play_reads_no_playlist_over_the_network_before_the_first_frame(new_page, season_content, player):
    """The page carries the master and its lowest rung's playlist: on a slow link each playlist
    fetched after play is a round trip before the first frame (300 ms on the bench's link)."""
    page = new_page(PHONE)
    # A slow link: hls.js starts at the lowest rung, as the browser's own HLS does there.
    page.context.add_init_script(SLOW_CONNECTION)
    if player == "hls.js":
        page.context.add_init_script(NO_NATIVE_HLS)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(season_content["lesson"].url)
    if player == "native" and not page.evaluate(
        "!!document.createElement('video').canPlayType('application/vnd.apple.mpegurl')"
    ):
        pytest.skip("this Chromium has no HLS of its own")
    carried = page.evaluate(
        "() => Object.keys(JSON.parse(document.querySelector('[data-player] script[type=\"application/json\"]')"
        ".textContent)).map(url => new URL(url, location.href).href)"
    )
    master = page.evaluate("new URL(document.querySelector('[data-player]').dataset.src, location.href).href")
    assert master in carried and len(carried) == 2, carried
    lowest = next(url for url in carried if url != master)

    plays_a_few_seconds(page)

    assert not [url for url in requested if url in carried], requested
    # It played from the page's playlist: the lowest rung's segments came over the network.
    rung = lowest.rsplit("/", 1)[0] + "/"
    assert [url for url in requested if url.startswith(rung) and url.endswith(".ts")], requested
    assert ("hls.light" in " ".join(requested)) == (player == "hls.js")
    assert not page.console_errors, page.console_errors
