"""Real-browser tests: Debian's headless Chromium driven by Playwright against the live server that
pytest-django starts on the test database. Screenshots go to var/screenshots/ for review."""

import datetime
import subprocess
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone

from tests.factories import restore_migrated_data

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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


def make_clip(path, seconds=24):
    """A tiny lesson clip (test pattern and a tone): cheap for ffmpeg on two shared cores."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=15:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def add_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def season_content(migrated_data, tmp_path, settings):
    """One direction with a masterclass and a lesson whose video went through the real pipeline,
    an open assignment and a running campaign."""
    from cms.models import (
        DirectionIndexPage,
        DirectionPage,
        EventIndexPage,
        HomePage,
        LessonPage,
        MasterclassPage,
        MentorIndexPage,
        MentorPage,
        Region,
        Season,
    )
    from engagement.models import Campaign
    from learning.models import Assignment
    from media_pipeline import services as media

    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    today = timezone.localdate()
    season = Season.objects.create(
        name="Сезон проверки",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=200),
    )
    home = HomePage.objects.get()
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    add_child(home, EventIndexPage(title="События", slug="events"))
    mentor = add_child(mentors, MentorPage(title="Вера Звонкова", slug="vera", role="певица", bio="<p>Поёт.</p>"))
    vocal = add_child(
        directions, DirectionPage(title="Вокал", slug="vocal", description="<p>Голос и дыхание.</p>", curator=mentor)
    )
    masterclass = add_child(
        vocal,
        MasterclassPage(
            title="Поём с дыханием",
            slug="breath",
            mentor=mentor,
            season=season,
            age_band="10-13",
            description="<p>Три урока о дыхании.</p>",
        ),
    )
    clip = make_clip(tmp_path / "lesson.mp4")
    with clip.open("rb") as source:
        video = media.register_upload(None, "Урок 1: дыхание", File(source, name="lesson.mp4"))
    video.refresh_from_db()
    assert video.status == "ready", video.failure_reason
    lesson = add_child(
        masterclass, LessonPage(title="Урок 1: дыхание", slug="lesson-1", video=video, summary="Дышим животом.")
    )
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Спой куплет любимой песни",
        direction=vocal,
        season=season,
        masterclass=masterclass,
        task="Запишите куплет или нарисуйте обложку к песне.",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
        age_bands=["6-9", "10-13", "14-18"],
        allowed_kinds=["image", "video", "audio"],
        winner_opportunity="выступление на большой сцене",
    )
    Campaign.objects.create(
        name="Сезон проверки",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=60),
        cap=10_000_000,
    )
    return {"lesson": lesson, "assignment": assignment, "region": Region.objects.order_by("name").first()}
