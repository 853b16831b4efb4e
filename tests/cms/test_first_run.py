"""What `make run` shows a newcomer: `load_demo` on a fresh database gives every lesson a ready
video made by the real pipeline, shows every state a person meets, and every role printed by
`create_dev_admin` signs in with its password; SITE_URL (from `make run PORT=`) reaches the links."""

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ReferenceIndex, Site

from cms.models import LessonPage, MasterclassPage, Season
from engagement.models import Transfer
from learning import selectors as learning_selectors
from learning import services as learning
from learning.models import Assignment, Score, Student, Submission
from media_pipeline import storage
from tests.factories.plugin import DEMO_SITE_URL

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def first_run(demo, settings, tmp_path):
    """The demo as `make run PORT=8102` loads it on a fresh database (the `demo` fixture: the run's
    demo snapshot is that load, DEBUG on, SITE_URL on that port), then `create_dev_admin`."""
    settings.DEBUG = True
    settings.SITE_URL = DEMO_SITE_URL
    settings.WAGTAILAPI_BASE_URL = settings.SITE_URL
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    out = io.StringIO()
    call_command("create_dev_admin", stdout=out)
    return SimpleNamespace(output=demo.output + out.getvalue(), enqueued=demo.enqueued)


def test_first_run_every_lesson_plays_every_state_is_shown_and_every_role_signs_in(first_run, client):
    # Every lesson has a ready video: an HLS ladder of two qualities plus sound only, shared clips.
    lessons = LessonPage.objects.live().select_related("video")
    assert lessons.count() == 54
    videos = {lesson.video for lesson in lessons}
    assert None not in videos and all(v.status == "ready" and v.duration >= 3 for v in videos)
    assert 1 < len(videos) <= 5
    assert any(v.captions.filter(language="ru").exists() for v in videos)
    for video in videos:
        with storage.selected(video.private), storage.open_text(video.master_playlist) as master:
            assert master.count("#EXT-X-STREAM-INF") >= 2 and "audio/" in master, master
    captioned = next(v for v in videos if v.captions.exists())
    with storage.selected(captioned.private), storage.open_text(captioned.master_playlist) as master:
        assert "TYPE=SUBTITLES" in master
    page = client.get(lessons.first().url).content.decode()
    assert "data-player" in page and "ещё не загружено" not in page

    # Every state of a work; jury comments; a finished season with winners; an open current season.
    current = Season.objects.get(name="Сезон 2026/27")
    statuses = set(Submission.objects.filter(assignment__season=current).values_list("status", flat=True))
    assert {"pending", "approved", "rejected", "shortlisted"} <= statuses
    assert Submission.objects.filter(status="rejected").exclude(rejection_reason="").exists()
    assert Submission.objects.filter(assignment__season__name="Сезон 2025/26", status="winner").exists()
    assert Score.objects.exclude(comment="").filter(submission__assignment__season=current).exists()
    now = timezone.now()
    assert Assignment.objects.filter(season=current, opens_at__lte=now, closes_at__gt=now).exists()
    assert Transfer.objects.exclude(report_document="").exists()
    # juror.kim still has a work to score; the painting mentor can confirm winners already.
    kim = get_user_model().objects.get(username="juror.kim")
    assert learning.blind_works_for(kim).filter(assignment__season=current).exclude(scores__juror=kim).exists()
    painting = Assignment.objects.get(season=current, direction__slug="painting")
    assert painting.submissions.filter(status="shortlisted").exclude(winner_story__isnull=False).count() >= 2

    # The «Подозрительная активность» screen has one cluster to show: new accounts from one network.
    [cluster] = learning_selectors.suspicious_clusters()
    assert cluster.reasons[0] == "из одной сети 198.51.100.0/24" and cluster.likes == 12

    # The search and the admin's «Использование» know every demo page as soon as the site starts:
    # the command indexes each object once at the end, and leaves no index task for the worker.
    assert not [name for name in first_run.enqueued if "index" in name], first_run.enqueued
    found = client.get("/search/", {"q": "дыхание"}).content.decode().partition('class="search-results"')[2]
    assert "Дыхание" in found
    masterclass = MasterclassPage.objects.live().first()
    assert ReferenceIndex.get_references_to(masterclass.cover).filter(object_id=str(masterclass.pk)).exists()

    # Every role is printed with a password that signs in.
    for role in ["Редактор", "Наставник", "Модератор", "Жюри", "Координатор фонда", "Ученица", "Родитель"]:
        assert role in first_run.output, role
    lines = [line for line in first_run.output.splitlines() if line.startswith("  ") and " / " in line]
    assert len(lines) == 9
    for line in lines:
        url, login, slash, password = line.split()[-4:]
        assert slash == "/", line
        assert url.startswith("http://127.0.0.1:8102/")
        client.logout()
        if url.endswith("/admin/"):
            answer = client.post("/admin/login/", {"username": login, "password": password})
            assert answer.status_code == 302, line
            assert client.get("/admin/").status_code == 200, line
        else:
            answer = client.post("/cabinet/login/", {"username": login, "password": password})
            assert answer.status_code == 302, line
            assert client.get("/cabinet/").status_code == 200, line

    # SITE_URL reaches the Wagtail site, the API's URLs, the guardian's link and the share URL.
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8102)
    client.logout()
    items = client.get("/api/v2/pages/", {"type": "cms.LessonPage", "fields": "_,html_url,detail_url"}).json()
    assert items["items"][0]["meta"]["html_url"].startswith("http://127.0.0.1:8102/")
    assert items["items"][0]["meta"]["detail_url"].startswith("http://127.0.0.1:8102/")
    anya = Student.objects.get(user__email="anya@demo.pokolenie-m.example")
    assert learning.guardian_confirm_url(anya).startswith("http://127.0.0.1:8102/")
    work = Submission.objects.filter(status="approved").first()
    assert "127.0.0.1%3A8102" in learning.vk_share_url(work) or "127.0.0.1:8102" in learning.vk_share_url(work)

    # Loading again changes nothing (make run on the next day).
    counts = (LessonPage.objects.filter(video__isnull=True).count(), Submission.objects.count(), Score.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert counts == (0, Submission.objects.count(), Score.objects.count())


def test_demo_passwords_only_with_debug(settings):
    from learning.demo import set_demo_password

    settings.DEBUG = False
    user = get_user_model().objects.create(username="demo.nodebug")
    set_demo_password(user)
    assert not user.has_usable_password()


def test_make_run_port_sets_site_url_for_every_process():
    commands = subprocess.run(
        ["make", "-n", "run", "PORT=8102"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for command in ["migrate", "load_demo", "create_dev_admin", "db_worker", "runserver"]:
        line = next(line for line in commands.splitlines() if f"manage.py {command}" in line)
        assert "SITE_URL=http://127.0.0.1:8102 " in line, line
    # …and the settings derive the admin's, the API's and the preview's base URLs from it.
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.WAGTAILADMIN_BASE_URL, s.WAGTAILAPI_BASE_URL, s.WAGTAIL_HEADLESS_PREVIEW['CLIENT_URLS']['default'])"
    )
    env = {**__import__("os").environ, "SITE_URL": "http://127.0.0.1:8102"}
    printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert printed.stdout.split() == ["http://127.0.0.1:8102"] * 2 + ["http://127.0.0.1:8102/preview/"], printed
