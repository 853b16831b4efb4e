"""Real-browser tests: Debian's headless Chromium driven by Playwright against the live server that
pytest-django starts on the test database. Screenshots go to var/screenshots/ for review."""

from pathlib import Path

import pytest
from django.core.files import File

from cms.models import Region
from media_pipeline import services as media
from tests import factories
from tests.factories import restore_migrated_data
from tests.factories.browser import PHONE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def migrated_data(transactional_db, initial_data):
    """The migrations' data for this test, and for the serialized rollback of the next ones."""
    restore_migrated_data(initial_data)


@pytest.fixture(scope="module", autouse=True)
def migrated_data_left_behind(initial_data, django_db_blocker):
    """After this module's last flush, put the migrations' data back for whatever runs next."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_data(initial_data)


@pytest.fixture(autouse=True)
def clean_cache(fresh_cache):
    """Sign-in attempts per address, like limits, menus and counters live in the shared cache: every
    browser test starts with none, whatever ran before it (the API fuzzing signs in many times from
    the same address, and the sign-in throttle would refuse the next test's login)."""


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser context per person (own cookies), with console errors collected."""
    contexts = []

    def make(viewport=PHONE, **options):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="ru-RU", **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
        return path

    yield take
    if saved:
        print("\nСкриншоты:", ", ".join(str(p.relative_to(SCREENSHOTS.parents[1])) for p in saved))


@pytest.fixture(scope="session")
def transcoded():
    """Videos the real pipeline made once in this run (factories.TranscodedVideo), by name."""
    return {}


@pytest.fixture
def season_content(migrated_data, tmp_path, page_tree, transcoded):
    """One direction with a masterclass and a lesson whose video went through the real pipeline
    (transcoded by the first test that asks, then restored from that: files and row), an open
    assignment and a running campaign."""
    season = factories.make_season("Сезон проверки", days_before=30)
    page_tree.sections_named("directions", "mentors", "events", events="События")
    mentor = page_tree.mentor("Вера Звонкова", slug="vera")
    vocal = page_tree.direction(description="<p>Голос и дыхание.</p>", curator=mentor)
    masterclass = page_tree.masterclass(
        vocal,
        mentor=mentor,
        season=season,
        title="Поём с дыханием",
        slug="breath",
        description="<p>Три урока о дыхании.</p>",
    )
    if "lesson" not in transcoded:
        clip = factories.lesson_clip(tmp_path / "lesson.mp4")
        with clip.open("rb") as source:
            video = media.register_upload(None, "Урок 1: дыхание", File(source, name="lesson.mp4"))
        video.refresh_from_db()
        assert video.status == "ready", video.failure_reason
        transcoded["lesson"] = factories.TranscodedVideo(video)
    else:
        video = transcoded["lesson"].restore(folder=tmp_path)
    lesson = page_tree.lesson(
        masterclass, "Урок 1: дыхание", slug="lesson-1", video=video, summary="Дышим животом.", text=""
    )
    assignment = factories.make_assignment(
        vocal,
        season=season,
        masterclass=masterclass,
        title="Спой куплет любимой песни",
        task="Запишите куплет или нарисуйте обложку к песне.",
        days_open=1,
        allowed_kinds=["image", "video", "audio"],
        winner_opportunity="выступление на большой сцене",
    )
    factories.make_campaign(10_000_000, name="Сезон проверки", days_before=1, days_after=60)
    return {"lesson": lesson, "assignment": assignment, "region": Region.objects.order_by("name").first()}
